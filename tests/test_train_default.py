"""proposal_nlp.train_default: the labelled set it reads (pointers, splits, written texts), metrics, thresholds."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from proposal_nlp.resources import data_dir
from proposal_nlp.train_default import LABELS_RELPATH, SOURCES, TOPICS, em_metrics, read_labels, read_written

ROOT = Path(__file__).resolve().parent.parent
needs_data = pytest.mark.skipif(data_dir() is None, reason="shared data folder (../shared/data) not present")


# ---------------------------------------------------------------------- the labelled set
def test_labels_file_holds_pointers_not_texts():
    lab = read_labels()
    assert list(lab.columns) == ["source", "row_id", "start", "end", "group", "topics", "fire", "method", "split"]
    assert 3000 <= len(lab) <= 6500
    assert set(lab["source"]) <= set(SOURCES)
    assert set(lab["split"]) == {"train", "dev"}
    assert set(lab["method"]) <= {"rule", "weak", "manual"}
    assert set(lab["fire"]) <= {"0", "1"}
    for cell in lab["topics"]:
        assert all(t in TOPICS for t in cell.split("|") if t)
    # a pointer is short: no row smuggles a text into the file
    assert lab["row_id"].str.len().max() < 200
    assert not lab.duplicated(["source", "row_id", "start", "end"]).any()


def test_no_reserved_evaluation_rows():
    lab = read_labels()
    assert "teddy_fj3" not in " ".join(lab["source"])  # 附件3 is reserved for evaluation
    assert not any("fj3_hot_issue" in rel for rel, _ in SOURCES.values())


def test_dev_split_is_grouped_and_sized():
    lab = read_labels()
    train, dev = lab[lab.split == "train"], lab[lab.split == "dev"]
    assert not set(train["group"]) & set(dev["group"])  # a document never spans both splits
    assert 0.15 <= len(dev) / len(lab) <= 0.25
    fam = lab["source"].str.replace(r"_.*", "", regex=True)
    assert set(fam[lab.split == "dev"]) == set(fam)  # every source family is in dev


def test_every_topic_has_enough_positives_and_none_is_common():
    lab = read_labels()
    counts = {t: lab["topics"].str.split("|").map(lambda ts, t=t: t in ts).sum() for t in TOPICS}
    assert min(counts.values()) >= 40, counts
    assert lab["fire"].eq("1").sum() >= 300
    assert lab["topics"].eq("").mean() > 0.4
    assert lab["method"].eq("manual").sum() >= 300


@needs_data
@pytest.mark.slow
def test_every_label_resolves_to_its_text():
    from proposal_nlp.train_default import load_em_dataset

    data = load_em_dataset(written=False)
    assert len(data) == len(read_labels())
    assert data["text"].str.len().min() > 0
    both = load_em_dataset()
    assert len(both) == len(data) + len(read_written())
    assert both.iloc[:len(data)].equals(data)


def test_written_texts_are_training_rows_with_valid_labels():
    written = read_written()
    assert 40 <= len(written) <= 500
    assert not written["row_id"].duplicated().any()
    assert set(written["split"]) == {"train"}  # the dev split holds real texts only
    assert written["text"].str.len().min() >= 20
    assert all(t in TOPICS for ts in written["topics"] for t in ts)
    assert written["fire"].dtype == bool and 0 < written["fire"].sum() < len(written)
    # both sides of the gas convention: hazards are fire matters, fees and prices are not
    gas = written[written["text"].str.contains("燃气|液化气|煤气")]
    assert gas["fire"].any() and not gas["fire"].all()
    assert not set(written["group"]) & set(read_labels()["group"])


@pytest.mark.parametrize("body, needle", [
    ("id,topics,text\nw1,,一段文字\n", "lacks the column(s) ['fire']"),
    ("id,topics,fire,text\nw1,fires,0,一段文字\n", "row 2 (id 'w1')"),
    ("id,topics,fire,text\nw1,,yes,一段文字\n", "fire 0 or 1 ('yes')"),
    ("id,topics,fire,text\nw1,,0,  \n", "text not empty"),
    ("id,topics,fire,text\nw1,,0,一段文字\nw1,,1,另一段\n", "repeats the id(s) ['w1']"),
])
def test_broken_written_file_names_the_problem(tmp_path, body, needle):
    from proposal_nlp.errors import ResourceError

    labels = tmp_path / "labels.csv"
    labels.write_text("source,row_id,start,end,group,topics,fire,method,split\n", encoding="utf-8")
    (tmp_path / "written.csv").write_text(body, encoding="utf-8")
    with pytest.raises(ResourceError, match="PN206") as err:
        read_written(labels)
    assert needle in str(err.value)


def test_written_file_absent_gives_no_rows(tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text("source,row_id,start,end,group,topics,fire,method,split\n", encoding="utf-8")
    assert read_written(labels).empty


@needs_data
def test_jiangsu_2022_is_never_read():
    from proposal_nlp.train_default import iter_source

    years = {r["row_id"] for r in iter_source("jszx2019", data_dir())}
    lab = read_labels()
    assert set(lab.loc[lab.source == "jszx2019", "row_id"]) <= years


# ---------------------------------------------------------------------- metrics and thresholds
def test_em_metrics_counts():
    m = em_metrics([["fire_safety"], [], ["e_bikes", "fire_safety"]], [True, False, True],
                   [["fire_safety"], ["e_bikes"], ["e_bikes"]], [True, False, False])
    assert m["per_topic_f1"]["fire_safety"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["fire_dev_f1"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["none_accuracy"] == 0.0


def test_best_threshold_averages_repeated_cv_runs():
    from proposal_nlp.train_default import _best_threshold

    y = [True, True, False, False]
    one = [0.65, 0.65, 0.25, 0.25]  # every threshold in 0.30-0.65 is perfect: ties go to 0.5
    other = [0.45, 0.45, 0.40, 0.10]  # only 0.45 is perfect
    assert _best_threshold(y, one) == 0.5
    assert _best_threshold(y, other) == 0.45
    assert _best_threshold(y, [one, other]) == 0.45  # the best mean F1 over both runs
    assert _best_threshold([False] * 4, [one, other], default=0.5) == 0.5


def test_plateau_threshold_picks_inside_the_flat_part_by_the_second_set():
    from proposal_nlp.train_default import _best_threshold, _plateau_threshold

    y1 = [True, True, False, False]
    s1 = [0.65, 0.65, 0.25, 0.25]  # perfect anywhere in 0.30-0.65: flat
    y2 = [True, False, True, False]
    s2 = [0.62, 0.50, 0.61, 0.20]  # perfect only from 0.55 to 0.60
    assert _best_threshold(y1, s1) == 0.5
    assert _plateau_threshold(y1, s1, y2, s2, tolerance=0.0) in (0.55, 0.6)
    # a threshold outside the first set's plateau is never taken, however good on the second
    s2_low = [0.22, 0.10, 0.21, 0.05]
    assert _plateau_threshold(y1, s1, y2, s2_low, tolerance=0.0) >= 0.3
    # no positives in the first set: the second decides alone
    assert _plateau_threshold([False] * 4, s1, y2, s2, tolerance=0.0) == _best_threshold(y2, s2)
    # no positives in the second set: the first decides alone (its best, not just its plateau)
    assert _plateau_threshold(y2, s2, [False] * 4, s1, tolerance=0.5) == _best_threshold(y2, s2)


# ---------------------------------------------------------------------- the module and its labels file
def test_import_does_no_work():
    import subprocess
    import sys

    code = ("import sys, proposal_nlp.train_default; "
            "print(any(m in sys.modules for m in ('sklearn', 'jieba', 'rjieba', 'proposal_nlp.classify')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


def test_labels_csv_is_plain_utf8_csv():
    with open(ROOT / LABELS_RELPATH, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][0] == "source"
    assert all(len(r) == len(rows[0]) for r in rows)
