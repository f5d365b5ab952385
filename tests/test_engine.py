"""proposal_nlp.engine: rows prepared, failures isolated, duplicates flagged, steps, jobs and policy checked;
a step that cannot run fails before any row, whatever ``jobs``; a step that failed for every row fails the
batch; a few failing rows do not."""
from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batch_standins import FRAMEWORK, proposals_frame, run
from proposal_nlp.engine import check_steps, load_policy, make_config, prepare_rows, resolve_jobs
from proposal_nlp.errors import InputError
from proposal_nlp.io import cell_str
from proposal_nlp.normalize import is_missing


def test_bad_rows_never_stop_the_batch():
    df = proposals_frame(6)
    df.loc[1, "内容"] = "BOOM 建议加强"      # classifier fails on this row
    df.loc[3, "内容"] = "CRASH 建议完善"     # extractor fails on this row
    res = run(df, chunk_size=4)
    p = res.proposals
    assert len(p) == 6 and p["row"].tolist() == list(range(1, 7))
    assert p.loc[1, "status"] == "error" and pd.isna(p.loc[1, "fire_relevant"]) and p.loc[1, "topics"] == []
    assert p.loc[1, "n_asks"] == 1  # the other stages still ran
    assert p.loc[3, "status"] == "error" and pd.isna(p.loc[3, "n_asks"])
    assert p.loc[0, "status"] == "ok" and p.loc[2, "status"] == "ok"
    e = res.errors.set_index("row")
    assert e.loc[2, "stage"] == "classify" and "stand-in classifier failure" in e.loc[2, "message"]
    assert e.loc[4, "stage"] == "extract"
    assert e.loc[2, "id"] == df.loc[1, "编号"]


def test_duplicate_ids_are_kept_and_flagged():
    df = proposals_frame(5)
    df.loc[3, "编号"] = df.loc[0, "编号"]
    res = run(df)
    assert len(res.proposals) == 5
    assert res.proposals["duplicate_id"].tolist() == [True, False, False, True, False]
    dup = res.errors[res.errors["message"].str.contains("appears 2 times")]
    assert sorted(dup["row"]) == [1, 4]
    # asks of both rows are kept apart
    assert res.suggestions["suggestion_id"].is_unique


def test_mixed_types_and_missing_text():
    df = pd.DataFrame({"id": [1, 2, 3, 4, 5], "text": ["建议加强消防", 12345, None, np.nan, 3.5]})
    res = run(df)
    p = res.proposals
    assert len(p) == 5 and p["id"].tolist() == ["1", "2", "3", "4", "5"]
    assert p["text"].tolist() == ["建议加强消防", "12345", "", "", "3.5"]
    msgs = res.errors.set_index("row")["message"]
    assert "type int" in msgs[2] and "missing text" in msgs[3] and "missing text" in msgs[4]
    assert p.loc[2, "n_asks"] == 0 and p.loc[2, "topics"] == []


def test_steps_and_no_policy():
    res = run(proposals_frame(4), steps=("classify",))
    assert res.suggestions.empty and res.proposals["n_asks"].isna().all()
    res = run(proposals_frame(4), policy=None)
    assert res.matches.empty and res.uncovered.empty and len(res.suggestions) > 0
    assert "对照现有措施" not in res.summary_text()
    with pytest.raises(InputError, match="unknown step"):
        run(proposals_frame(2), steps=("classify", "translate"))


def test_policy_forms(tmp_path):
    p = tmp_path / "fw.csv"
    FRAMEWORK.to_csv(p, index=False, encoding="utf-8-sig")
    for pol in (FRAMEWORK, p, FRAMEWORK.to_dict("records")):
        assert load_policy(pol)["clause_id"].tolist() == FRAMEWORK["clause_id"].tolist()
    with pytest.raises(InputError, match="PN160"):
        load_policy(tmp_path / "missing.csv")
    with pytest.raises(InputError, match="PN162"):
        load_policy(FRAMEWORK.iloc[:0])


# ---------------------------------------------------------------------------- steps, jobs, configuration
@pytest.mark.parametrize("steps", [("classify", "extract", "match"), ("match", "classify"), ["extract"], ()])
def test_check_steps_keeps_known_steps_in_order(steps):
    assert check_steps(steps) == tuple(steps)
    assert check_steps(iter(steps)) == tuple(steps)  # any iterable, read once


@pytest.mark.parametrize("steps, unknown", [(("classify", "translate"), "['translate']"),
                                            (["fly", "match", "Classify"], "['fly', 'Classify']")])
def test_check_steps_names_every_unknown_step(steps, unknown):
    with pytest.raises(InputError, match=r"PN167.*unknown step") as exc:
        check_steps(steps)
    assert exc.value.code == "PN167" and unknown in str(exc.value)


@pytest.mark.parametrize("jobs, cores, want", [(None, 8, 1), (1, 8, 1), (3, 8, 3), (2.0, 8, 2), (0, 8, 8), (-1, 8, 8),
                                               (0, None, 1)])
def test_resolve_jobs(monkeypatch, jobs, cores, want):
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    got = resolve_jobs(jobs)
    assert got == want and isinstance(got, int)


def test_make_config_errors_have_their_codes(tmp_path):
    with pytest.raises(InputError) as exc:
        make_config(("classify", "fly"), "default", FRAMEWORK, 3)
    assert exc.value.code == "PN167"
    with pytest.raises(InputError, match="needs a policy") as exc:
        make_config(("match",), "default", None, 3)  # nothing to match a row's text to
    assert exc.value.code == "PN168"
    with pytest.raises(InputError) as exc:
        make_config(("match",), "default", tmp_path / "missing.csv", 3)
    assert exc.value.code == "PN160"


def test_make_config_loads_the_policy_only_for_the_match_step():
    cfg = make_config(("extract", "match"), "default", None, 3)  # asks are extracted, not matched
    assert cfg.clauses is None and cfg.steps == ("extract", "match")
    assert make_config(("classify",), "default", FRAMEWORK, 3).clauses is None
    cfg = make_config(["match"], "m.skops", FRAMEWORK.drop(columns="group"), 5)
    assert cfg.steps == ("match",) and cfg.top_k == 5 and cfg.classifier == "m.skops"
    assert cfg.clauses["clause_id"].tolist() == FRAMEWORK["clause_id"].tolist()
    assert cfg.clauses["group"].tolist() == [""] * len(FRAMEWORK)  # a missing group column is added
    # the key names the configuration: equal for equal settings, different otherwise
    assert make_config(["match"], "m.skops", FRAMEWORK, 5).key == make_config(("match",), "m.skops", FRAMEWORK, 5).key
    assert make_config(["match"], "m.skops", FRAMEWORK, 5).key != make_config(["match"], "m.skops", FRAMEWORK, 3).key


# ---------------------------------------------------------------------------- prepare_rows
PREPARED = ["row", "id", "title", "text", "kind", "handling", "result", "satisfaction", "proposer", "session"]


def test_prepare_rows_table():
    df = pd.DataFrame({"编号": ["A1", 7, None, 8.0, "A1"],
                       "标题": ["关于消防的建议", None, "t", "", "u"],
                       "内容": ["建议加强消防", None, "   ", 12345, float("nan")],
                       "类型": ["建议", "市政协提案", "", None, "议案"],
                       "办理方式": ["协办", "主办", "独办", "", None],
                       "办理结果": ["A类", "列入计划", "因条件限制暂不能解决", None, "已函复"]})
    roles = {"text": "内容", "id": "编号", "title": "标题", "kind": "类型", "handling": "办理方式", "result": "办理结果"}
    errors = []
    out = prepare_rows(df, roles, 10, errors)
    assert list(out.columns) == PREPARED
    assert out["row"].tolist() == [11, 12, 13, 14, 15]  # 1-based rows after the 10 rows before this chunk
    assert out["id"].tolist() == ["A1", "7", "", "8", "A1"]  # ids kept as text, duplicates too
    assert out["text"].tolist() == ["建议加强消防", "", "   ", "12345", ""]
    assert out["title"].tolist() == ["关于消防的建议", "", "t", "", "u"]
    assert out["kind"].tolist() == ["人大代表建议", "政协提案", "", "", "议案"]
    assert out["handling"].tolist() == ["会办", "主办", "主办", "", ""]
    assert out["result"].tolist() == ["解决采纳", "正在解决或列入计划", "因条件限制暂不能解决", "", "已函复"]
    assert out["proposer"].tolist() == [""] * 5 and out["session"].tolist() == [""] * 5  # no such columns
    by_row = {e["row"]: e for e in errors}
    assert sorted(by_row) == [12, 13, 14, 15] and len(errors) == 4  # one record per odd text cell
    assert "missing text" in by_row[12]["message"] and "missing text" in by_row[15]["message"]
    assert "empty text" in by_row[13]["message"]
    assert "type int" in by_row[14]["message"] and "12345" in by_row[14]["message"]
    assert {e["stage"] for e in errors} == {"input"}
    assert by_row[12]["id"] == "7" and by_row[15]["id"] == "A1"


def test_prepare_rows_without_an_id_column_numbers_the_rows():
    errors = []
    out = prepare_rows(pd.DataFrame({"text": ["a", "b"]}), {"text": "text"}, 0, errors)
    assert out["id"].tolist() == ["1", "2"] and out["row"].tolist() == [1, 2] and errors == []
    assert len(prepare_rows(pd.DataFrame({"text": []}), {"text": "text"}, 5, errors)) == 0


_cell = st.one_of(st.text(max_size=12), st.none(), st.just(float("nan")), st.just(pd.NA), st.integers(-10**6, 10**6),
                  st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(["", "  ", "\n", "建议加强"]))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(_cell, _cell), max_size=12), st.integers(0, 10_000))
def test_prepare_rows_one_row_per_input_row(cells, start):
    df = pd.DataFrame({"id": pd.Series([i for i, _ in cells], dtype=object),
                       "text": pd.Series([t for _, t in cells], dtype=object)})
    errors = []
    out = prepare_rows(df, {"text": "text", "id": "id"}, start, errors)
    assert len(out) == len(df)
    assert out["row"].tolist() == list(range(start + 1, start + len(df) + 1))
    assert out["id"].tolist() == [cell_str(i) for i, _ in cells]
    assert all(isinstance(t, str) for t in out["text"])
    odd = [start + k + 1 for k, (_, t) in enumerate(cells) if not (isinstance(t, str) and t.strip())]
    assert [e["row"] for e in errors] == odd  # every missing, blank or non-text cell recorded once, in order
    for e, (_, t) in zip(errors, [c for c in cells if not (isinstance(c[1], str) and c[1].strip())]):
        if is_missing(t):
            assert "missing text" in e["message"]


# ---- honest failures

import pandas as pd
import pytest

import batch_standins as bs
from bad_models import BAD_MODELS, make_bad_model, small_model
from proposal_nlp.batch import process_file, process_table
from proposal_nlp.errors import BatchError, ModelError


@pytest.fixture(scope="module")
def small():
    return small_model()


@pytest.fixture
def no_workers(monkeypatch):
    """Fail the test if a worker pool starts."""
    def refuse(*a, **k):
        raise AssertionError("a worker pool started before the model was checked")

    monkeypatch.setattr("concurrent.futures.ProcessPoolExecutor", refuse)


@pytest.mark.parametrize("jobs", [1, 2, 0])
@pytest.mark.parametrize("kind", list(BAD_MODELS))
def test_a_bad_model_fails_before_any_row_whatever_jobs(tmp_path, small, no_workers, kind, jobs):
    path = make_bad_model(kind, tmp_path, small)
    with pytest.raises(ModelError, match=BAD_MODELS[kind]):
        process_table(bs.proposals_frame(6), steps=("classify",), classifier=path, jobs=jobs, chunk_size=2)


def test_a_bad_model_fails_before_any_row_with_dask(tmp_path, small):
    dd = pytest.importorskip("dask.dataframe")
    import dask

    from proposal_nlp.dask import process_dask

    path = make_bad_model("tampered", tmp_path, small)
    ddf = dd.from_pandas(bs.proposals_frame(6), npartitions=2)
    with dask.config.set(scheduler="threads"), pytest.raises(ModelError, match="PN329"):
        process_dask(ddf, steps=("classify",), classifier=path)


def test_a_good_model_file_runs_with_workers(tmp_path, small):
    from proposal_nlp import save_classifier

    path = save_classifier(small, tmp_path / "good.skops")
    res = process_table(bs.proposals_frame(4), steps=("classify",), classifier=path, jobs=2, chunk_size=2)
    assert res.errors.empty and len(res.proposals) == 4


def _all(text: str, n: int = 5) -> pd.DataFrame:
    df = bs.proposals_frame(n)
    df["内容"] = [f"{text} {i} 建议加强消防检查" for i in range(n)]
    df["标题"] = ""
    return df


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("text, step", [("BOOM", "classify"), ("CRASH", "extract")])
def test_a_step_failing_for_every_row_fails_the_batch(text, step, jobs):
    with pytest.raises(BatchError, match=rf"PN169.*the {step} step failed for all 5 rows with text") as info:
        process_table(_all(text), **bs.STANDINS, policy=bs.FRAMEWORK, jobs=jobs, chunk_size=2)
    assert info.value.stage == step
    assert "First error (row 1" in str(info.value) and "stand-in" in str(info.value)


def test_a_classifier_object_that_raises_for_every_text():
    with pytest.raises(BatchError, match=r"PN169.*classify step failed for all 4 rows.*stand-in model cannot predict"):
        process_table(bs.proposals_frame(4), steps=("classify",), classifier=bs.FailingClassifier())


def test_a_matcher_failing_for_every_ask_fails_the_batch():
    with pytest.raises(BatchError, match=r"PN169.*match step failed for all \d+ asks") as info:
        process_table(bs.proposals_frame(4), **{**bs.STANDINS, "matcher": bs.FailingMatcher()}, policy=bs.FRAMEWORK)
    assert info.value.stage == "match"


def test_a_few_failing_rows_do_not_fail_the_batch():
    df = _all("BOOM", 5)
    df.loc[2, "内容"] = "建议加强消防检查"
    res = process_table(df, **bs.STANDINS, policy=bs.FRAMEWORK)
    assert (res.errors["stage"] == "classify").sum() == 4 and len(res.proposals) == 5


def test_rows_without_text_do_not_count():
    df = pd.DataFrame({"编号": ["1", "2", "3"], "内容": ["", "  ", None]})
    res = process_table(df, steps=("classify", "extract"), classifier=bs.FailingClassifier(),
                        extractor=bs.extract_asks, parser=bs.parse_fields)
    assert len(res.proposals) == 3


@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize("name", ["out.xlsx", "outdir/"])
def test_nothing_is_written_when_a_step_failed_for_every_row(tmp_path, stream, name):
    src = tmp_path / "in.csv"
    _all("BOOM", 7).to_csv(src, index=False)
    out = f"{tmp_path}/{name}"
    with pytest.raises(BatchError, match=rf"PN169.*nothing was written to .*{name.rstrip('/')}"):
        process_file(src, out=out, stream=stream, chunk_size=3, **bs.STANDINS, policy=bs.FRAMEWORK)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]  # no output, no partial output


def test_an_existing_output_is_left_as_it_was(tmp_path):
    src = tmp_path / "in.csv"
    bs.proposals_frame(3).to_csv(src, index=False)
    out = tmp_path / "outdir"
    process_file(src, out=f"{out}/", stream=True, **bs.STANDINS, policy=bs.FRAMEWORK)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    _all("BOOM", 3).to_csv(src, index=False)
    with pytest.raises(BatchError):
        process_file(src, out=out, stream=True, force=True, **bs.STANDINS, policy=bs.FRAMEWORK)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not (tmp_path / "outdir.part").exists()


# ---------------------------------------------------------------------------- characters UTF-8 cannot encode
def test_prepare_rows_replaces_lone_surrogates_and_records_them():
    df = pd.DataFrame({"编号": ["A\ud800", "B"], "标题": ["关于\udfff消防", "t"],
                       "内容": ["建议\ud800加强\udfff消防", "建议加强"], "类型": ["提案\ud83d", "建议"]}, dtype=object)
    errors = []
    out = prepare_rows(df, {"text": "内容", "id": "编号", "title": "标题", "kind": "类型"}, 0, errors)
    assert out["id"].tolist() == ["A\ufffd", "B"] and out["title"].tolist() == ["关于\ufffd消防", "t"]
    assert out["text"].tolist() == ["建议\ufffd加强\ufffd消防", "建议加强"]  # one for one: offsets unchanged
    assert out["kind"].tolist() == ["政协提案", "人大代表建议"]
    (err,) = errors
    assert err["row"] == 1 and err["id"] == "A\ufffd" and err["stage"] == "input"
    assert "[PN010] 4 character(s)" in err["message"]  # the kind was read as 政协提案, nothing of it kept
    assert "id (1), text (2), title (1)" in err["message"]


def test_lone_surrogates_never_abort_a_batch(tmp_path):
    from proposal_nlp.results import write_result

    df = proposals_frame(4).astype(object)
    df.loc[0, "内容"] = "建议加快\ud800建设集中充电设施；加强消防\udfff检查。"
    df.loc[1, "编号"] = "0102\ud800"
    df.loc[2, "标题"] = "关于\udfff社区应急志愿者的建议"
    res = run(df)
    assert len(res.proposals) == 4 and (res.proposals["status"] == "ok").all()
    assert res.proposals.loc[1, "id"] == "0102\ufffd" and "\ufffd" in res.suggestions["text"].iloc[0]
    recorded = res.errors[res.errors["message"].str.contains("PN010")]
    assert recorded["row"].tolist() == [1, 2, 3] and set(recorded["stage"]) == {"input"}
    write_result(res, tmp_path / "out.xlsx")  # and the result can be written
