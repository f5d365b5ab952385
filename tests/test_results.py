"""Writing result workbooks / CSV folders and reading them back."""
from __future__ import annotations

import errno
import json
import os
import re
import signal
import string
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proposal_nlp.errors import InputError, OutputError
from proposal_nlp.outputs import MANIFEST_NAME, needs_escape
from proposal_nlp.results import (TABLE_ORDER, XLSX_CELL_MAX, BatchResult, ResultWriter, escape_cell,
                                  live_formula_cells, read_result, write_result, write_table_csv)

def _tables(texts):
    props = pd.DataFrame({"row": range(1, len(texts) + 1), "id": [f"A{i}" for i in range(len(texts))],
                          "title": texts, "topics": [["fire_safety"]] * len(texts),
                          "fire_relevant": [True] * len(texts), "text": texts})
    return {"proposals": props, "errors": pd.DataFrame(columns=["row", "id", "stage", "message"])}


def _out(tmp_path, fmt):
    return tmp_path / ("out.xlsx" if fmt == "xlsx" else "out")


def test_write_refuses_to_overwrite(tmp_path):
    out = tmp_path / "out.xlsx"
    write_result(_tables(["甲"]), out)
    with pytest.raises(InputError, match=r"PN150.*already exists.*--force"):
        write_result(_tables(["甲"]), out)
    write_result(_tables(["乙"]), out, force=True)
    assert read_result(out).proposals["title"].tolist() == ["乙"]
    folder = tmp_path / "csvs"
    write_result(_tables(["甲"]), folder)
    with pytest.raises(InputError, match="already exists"):
        write_result(_tables(["甲"]), folder)


def test_workbook_layout(tmp_path):
    out = write_result(_tables(["关于消防的建议"]), tmp_path / "out.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "建议提案"
    ws = wb.worksheets[0]
    assert ws.freeze_panes == "A2"
    headers = [c.value for c in ws[1]]
    assert headers[:3] == ["行号", "编号", "标题"] and "消防事项" in headers
    assert ws["D2"].value == "fire_safety"
    assert ws.column_dimensions["C"].width >= 10


def test_csv_folder_is_utf8_with_bom(tmp_path):
    out = write_result(_tables(["关于消防的建议"]), tmp_path / "out")
    raw = (out / "proposals.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "关于消防的建议" in raw.decode("utf-8-sig")


@pytest.mark.parametrize("value", ["=1+2", "+SUM(A1)", "-2+3", "@cmd", '=HYPERLINK("http://x","点我")'])
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_formula_like_cells_are_escaped(tmp_path, value, fmt):
    out = tmp_path / ("out.xlsx" if fmt == "xlsx" else "out")
    write_result(_tables([value]), out)
    if fmt == "xlsx":
        ws = openpyxl.load_workbook(out).worksheets[0]
        cell = ws["C2"]
        assert cell.data_type == "s" and cell.value == "'" + value
    else:
        raw = (out / "proposals.csv").read_text(encoding="utf-8-sig")
        assert ",'" + value.replace('"', '""')[:3] in raw or "\"'" + value.replace('"', '""')[:3] in raw
    assert read_result(out).proposals["title"].tolist() == [value]
    assert escape_cell("正常文本") == "正常文本"


def test_long_cells_are_cut_and_recorded(tmp_path):
    big = "建议" + "长" * (1_000_000)
    out = write_result(_tables([big, "短"]), tmp_path / "out.xlsx")
    back = read_result(out)
    assert len(back.proposals["title"][0]) == XLSX_CELL_MAX
    assert back.proposals["title"][1] == "短"
    cut = back.errors[back.errors["stage"] == "write"]
    assert len(cut) == 2  # title and text of row 1
    assert all(cut["row"] == 1) and cut["message"].str.contains("1,000,002").all()
    # CSV keeps everything
    out2 = write_result(_tables([big]), tmp_path / "csv")
    assert read_result(out2).proposals["title"][0] == big


def test_control_characters_are_removed_with_a_record(tmp_path):
    out = write_result(_tables(["建议\x01加强\x0b"]), tmp_path / "out.xlsx")
    back = read_result(out)
    assert back.proposals["title"][0] == "建议加强"
    assert back.errors["message"].str.contains("control characters").any()


_cjk = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
_text = st.text(st.one_of(_cjk, st.sampled_from(list("，。；：“”（）《》、！？ 1a\n" + string.ascii_letters))),
                min_size=0, max_size=60)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(_text, min_size=1, max_size=5))
def test_round_trip_of_chinese_text(tmp_path_factory, texts):
    base = tmp_path_factory.mktemp("rt")
    for out in (base / "out.xlsx", base / "out"):
        back = read_result(write_result(_tables(texts), out)).proposals
        got = back["title"].tolist()
        # an XLSX cell keeps \n; a cell holding only "" comes back as ""
        assert got == texts


def test_sheet_row_limit_is_recorded_not_silent(tmp_path, monkeypatch):
    import proposal_nlp.results as results

    monkeypatch.setattr(results, "XLSX_ROWS_MAX", 3)
    out = write_result(_tables(list("甲乙丙丁戊")), tmp_path / "out.xlsx")
    back = read_result(out)
    assert back.proposals["title"].tolist() == list("甲乙丙")
    msg = back.errors.loc[back.errors["stage"] == "write", "message"].tolist()
    assert any("2 rows left out" in m and "CSV" in m for m in msg)
    # CSV keeps them all
    assert len(read_result(write_result(_tables(list("甲乙丙丁戊")), tmp_path / "csv")).proposals) == 5


# ---- outputs written atomically, touching only what they own

def _snapshot(folder: Path) -> dict:
    """Every entry under ``folder`` (hidden ones too) -> its bytes (None for a folder)."""
    return {str(p.relative_to(folder)): (None if p.is_dir() else p.read_bytes()) for p in sorted(folder.rglob("*"))}


@pytest.fixture
def system_temp(monkeypatch, tmp_path_factory):
    """A private system temporary folder, where openpyxl streams the rows of write-only sheets
    (the shared one is used by other processes meanwhile)."""
    folder = tmp_path_factory.mktemp("systemp")
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_force_over_a_folder_with_foreign_files_is_refused(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "intake.csv").write_text("编号,内容\n1,加强消防\n", encoding="utf-8")
    (folder / "proposals.csv").write_text("my own table", encoding="utf-8")
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    before = _snapshot(tmp_path)
    with pytest.raises(InputError) as exc:
        write_result(_tables(["甲"]), folder, force=True)
    msg = str(exc.value)
    assert exc.value.code == "PN154" and "intake.csv" in msg and "notes.txt" in msg and "proposals.csv" in msg
    assert "nothing was deleted" in msg and "new or empty folder" in msg and MANIFEST_NAME in msg
    assert _snapshot(tmp_path) == before  # untouched, and no lock or temporary folder left


def test_force_over_a_previous_output_replaces_it(tmp_path):
    out = write_result(_tables(["甲"]), tmp_path / "out")
    manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["written_by"] == "proposal_nlp" and "proposals.csv" in manifest["files"]
    (out / ".DS_Store").write_bytes(b"view settings")  # dropped there by the desktop: carried over
    write_result(_tables(["乙", "丙"]), out, force=True)
    assert read_result(out).proposals["title"].tolist() == ["乙", "丙"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no backup, stage or lock left
    assert (out / ".DS_Store").read_bytes() == b"view settings"
    # an empty folder is no one's: replaced with force
    empty = tmp_path / "empty"
    empty.mkdir()
    write_result(_tables(["丁"]), empty, force=True)
    assert read_result(empty).proposals["title"].tolist() == ["丁"]


def test_an_output_file_changed_by_the_user_is_not_replaced(tmp_path):
    out = write_result(_tables(["甲"]), tmp_path / "out")
    edited = (out / "proposals.csv").read_bytes() + "备注,已核对\r\n".encode("utf-8")
    (out / "proposals.csv").write_bytes(edited)
    with pytest.raises(InputError, match=r"PN154.*changed since proposal_nlp wrote them: proposals.csv"):
        write_result(_tables(["乙"]), out, force=True)
    assert (out / "proposals.csv").read_bytes() == edited


def _crash_after(monkeypatch, fmt, exc, calls=2):
    """Make writing a table fail in the middle: the ``calls``-th row (XLSX) or chunk (CSV) raises."""
    import proposal_nlp.results as results

    seen = {"n": 0}
    if fmt == "xlsx":
        real = results._xlsx_value

        def value(ws, v):
            seen["n"] += 1
            if seen["n"] == calls:
                raise exc
            return real(ws, v)

        monkeypatch.setattr(results, "_xlsx_value", value)
    else:
        real = pd.DataFrame.to_csv

        def to_csv(self, *args, **kwargs):
            seen["n"] += 1
            if seen["n"] == calls:
                raise exc
            return real(self, *args, **kwargs)

        monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("exc", [RuntimeError("crash"), KeyboardInterrupt()], ids=["exception", "interrupt"])
def test_a_crash_mid_write_leaves_the_previous_output_and_no_temporary_files(tmp_path, monkeypatch, system_temp,
                                                                            fmt, exc):
    out = write_result(_tables(["旧的"]), _out(tmp_path, fmt))
    before = _snapshot(tmp_path)
    _crash_after(monkeypatch, fmt, exc, calls=3)
    with pytest.raises(type(exc)):
        write_result(_tables(["新的"] * 5), out, force=True)
    assert _snapshot(tmp_path) == before  # byte-identical, nothing beside it
    assert not list(system_temp.iterdir())  # no openpyxl.* files left either
    monkeypatch.undo()
    assert read_result(out).proposals["title"].tolist() == ["旧的"]


def _full_disk(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("where", ["fsync", "write"])
def test_a_full_disk_gives_pn153_and_keeps_the_previous_output(tmp_path, monkeypatch, system_temp, fmt, where):
    out = write_result(_tables(["旧的"]), _out(tmp_path, fmt))
    before = _snapshot(tmp_path)
    if where == "fsync":
        monkeypatch.setattr(os, "fsync", _full_disk)
    else:
        _crash_after(monkeypatch, fmt, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), calls=2)
    with pytest.raises(OutputError) as exc:
        write_result(_tables(["新的"]), out, force=True)
    assert exc.value.code == "PN153" and "disk is full" in str(exc.value) and str(out) in str(exc.value)
    assert _snapshot(tmp_path) == before
    assert not list(system_temp.iterdir())


def _make_read_only(monkeypatch, folder: Path):
    """A read-only folder: chmod 0o500, or, for root (whom chmod does not stop), every creation
    of a file or folder inside it refused the way the system would."""
    if os.name == "posix" and os.geteuid() != 0:
        folder.chmod(0o500)
        return lambda: folder.chmod(0o700)
    real_open, real_mkdir = os.open, os.mkdir

    def refuse(path):
        if Path(os.fsdecode(path)).resolve().parent == folder.resolve():
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(path))

    def os_open(path, flags, *args, **kwargs):
        if flags & (os.O_CREAT | os.O_WRONLY | os.O_RDWR):
            refuse(path)
        return real_open(path, flags, *args, **kwargs)

    def mkdir(path, *args, **kwargs):
        refuse(path)
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(os, "mkdir", mkdir)
    return lambda: None


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_read_only_folder_gives_pn153_before_any_work(tmp_path, monkeypatch, fmt):
    folder = tmp_path / "ro"
    folder.mkdir()
    out = write_result(_tables(["旧的"]), _out(folder, fmt))
    before = _snapshot(tmp_path)
    restore = _make_read_only(monkeypatch, folder)
    try:
        with pytest.raises(OutputError) as exc:
            ResultWriter(out, force=True)
    finally:
        restore()
    assert exc.value.code == "PN153" and "read-only" in str(exc.value) and "choose a folder" in str(exc.value)
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_refused_rename_gives_pn153_and_keeps_the_previous_output(tmp_path, monkeypatch, fmt):
    """The last step refused (e.g. the output is open in Excel on Windows): all is put back."""
    out = write_result(_tables(["旧的"]), _out(tmp_path, fmt))
    before = _snapshot(tmp_path)
    real_rename = os.rename

    def refuse(src, dst, *args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(src))

    def rename(src, dst):  # the old output goes aside, the new one is refused
        if ".part-" in os.fsdecode(src):
            refuse(src, dst)
        return real_rename(src, dst)

    monkeypatch.setattr(os, "replace", refuse)
    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(OutputError, match=r"PN153.*read-only or you may not write there"):
        write_result(_tables(["新的"]), out, force=True)
    monkeypatch.undo()
    assert _snapshot(tmp_path) == before


# ---- no formula ever live

FORMULAS = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", '=HYPERLINK("http://x","点我")', "＝1+1", "＋1", "－1", "＠A1",
            " =1", "\u3000=1", "\n=1", "\t=1", "\r=1", "\x00=1", "\x01x", "\x85x", "\u200b=1", "'=1", "''+1"]


def _formula_tables():
    tables = _tables(FORMULAS)
    tables["proposals"]["fire_score"] = [-0.5] * len(FORMULAS)
    tables["proposals"]["kind"] = "＝cmd|' /C calc'!A0"
    tables["errors"] = pd.DataFrame({"row": [1], "id": ["=A1"], "stage": ["@write"], "message": ["-1+1"]})
    tables["summary"] = pd.DataFrame({"label": ["=SUM(1)"], "value": [1]})
    return tables


def _all_cells(path):
    wb = openpyxl.load_workbook(path)
    return [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_no_live_formula_in_any_cell_header_or_the_about_table(tmp_path, fmt):
    id_header = '=HYPERLINK("http://x","点我")'
    result = BatchResult(**{n: _formula_tables().get(n, pd.DataFrame()) for n in TABLE_ORDER},
                         meta={"id_col": id_header, "input": "=evil.csv", "text_col": "＋内容"})
    out = write_result(result, _out(tmp_path, fmt))
    assert live_formula_cells(out) == 0
    if fmt == "xlsx":
        cells = _all_cells(out)
        assert cells and not [c.coordinate for c in cells if c.data_type == "f"]
        assert not [c.value for c in cells if isinstance(c.value, str) and needs_escape(c.value)]
        ws = openpyxl.load_workbook(out).worksheets[0]
        assert ws["B1"].value == "'" + id_header and ws["B1"].data_type == "s"
        score = [c for c in ws[2] if c.value == -0.5]
        assert score and score[0].data_type == "n"  # a negative number stays a number
    else:
        raw = (out / "proposals.csv").read_text(encoding="utf-8-sig")
        assert raw.splitlines()[0].startswith('行号,"\'=HYPERLINK(') and ",-0.5" in raw
    back = read_result(out)
    assert back.meta["id_col"] == id_header and back.meta["input"] == "=evil.csv"
    assert back.proposals["id"].tolist() == [f"A{i}" for i in range(len(FORMULAS))]
    want = FORMULAS if fmt == "csv" else [v.replace("\x00", "").replace("\x01", "") for v in FORMULAS]
    assert back.proposals["title"].tolist() == want
    assert back.errors.loc[0, ["id", "stage", "message"]].tolist() == ["=A1", "@write", "-1+1"]
    assert back.proposals["fire_score"].tolist() == [-0.5] * len(FORMULAS)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_result_read_back_is_escaped_again_when_written(tmp_path, fmt):
    first = write_result(_formula_tables(), _out(tmp_path, fmt))
    again = write_result(read_result(first), tmp_path / ("again.xlsx" if fmt == "xlsx" else "again"))
    assert live_formula_cells(again) == 0
    assert read_result(again).proposals["title"].tolist() == read_result(first).proposals["title"].tolist()


def test_write_table_csv_escapes_headers_and_cells(tmp_path):
    out = write_table_csv(pd.DataFrame({"=h": ["=1", "正常"], "n": [-1, 2]}), tmp_path / "t.csv")
    assert out.read_text(encoding="utf-8-sig").splitlines() == ["'=h,n", "'=1,-1", "正常,2"]
    assert live_formula_cells(out) == 0
    with pytest.raises(InputError, match="PN150"):
        write_table_csv(pd.DataFrame({"a": [1]}), out)


def test_live_formula_cells_counts_what_a_plain_writer_leaves(tmp_path):
    folder = tmp_path / "plain"
    folder.mkdir()
    pd.DataFrame({"=h": ["=1", "＋2", " @x", "'=ok", "-0.5", "-1+1"]}).to_csv(folder / "t.csv", index=False)
    assert live_formula_cells(folder) == 5  # the header, =1, ＋2, " @x", -1+1
    wb = openpyxl.Workbook()
    wb.active.append(["=1+1", "'=ok", "正常"])
    wb.save(tmp_path / "plain.xlsx")
    assert live_formula_cells(tmp_path / "plain.xlsx") == 1


_risky = st.sampled_from(list("=+-@＝＋－＠'\"\t\n\r\x00\x01\x1f\x7f\x85 \u3000\u200b,"))
_mixed = st.text(st.one_of(_cjk, _risky, st.sampled_from(list("ab1.|"))), max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(_mixed, min_size=1, max_size=4))
def test_round_trip_of_risky_text_through_files(tmp_path_factory, texts):
    base = tmp_path_factory.mktemp("risky")
    folder = write_result(_tables(texts), base / "out")
    assert read_result(folder).proposals["title"].tolist() == texts and live_formula_cells(folder) == 0
    # an XLSX cell cannot hold control characters other than tab, CR and newline (removed, with a
    # record); a CR is stored as _x000D_ and read back as a CR
    book = write_result(_tables(texts), base / "out.xlsx")
    kept = [re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", t) for t in texts]
    assert read_result(book).proposals["title"].tolist() == kept and live_formula_cells(book) == 0


_KILLED_RUN = """
import os, signal, sys
sys.path.insert(0, {root!r})
import pandas as pd
from proposal_nlp.results import write_result

real_rename, real_fsync = os.rename, os.fsync

def rename(src, dst):
    real_rename(src, dst)
    if {moment!r} == "swap" and ".old-" in os.fsdecode(dst):
        os.kill(os.getpid(), signal.SIGKILL)

def fsync(fd):
    if {moment!r} == "writing":
        os.kill(os.getpid(), signal.SIGKILL)
    real_fsync(fd)

os.rename, os.fsync = rename, fsync
props = pd.DataFrame({{"row": [1], "id": ["A0"], "title": ["新的"]}})
write_result({{"proposals": props}}, {out!r}, force=True)
"""


@pytest.mark.skipif(os.name != "posix", reason="needs SIGKILL")
@pytest.mark.parametrize("moment", ["writing", "swap"])
def test_a_killed_run_leaves_a_whole_output(tmp_path, moment):
    """Killed while writing: the old output is in place. Killed inside the swap (between the two
    renames, the window documented in outputs.StagedOutput): both outputs are whole beside it."""
    out = write_result(_tables(["旧的"]), tmp_path / "out")
    script = _KILLED_RUN.format(root=str(Path(__file__).resolve().parents[1]), moment=moment, out=str(out))
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    if moment == "writing":
        assert read_result(out).proposals["title"].tolist() == ["旧的"]
        return
    assert not out.exists()
    (old,), (new,) = tmp_path.glob(".out.old-*"), tmp_path.glob(".out.part-*")
    assert read_result(old).proposals["title"].tolist() == ["旧的"]
    assert read_result(new).proposals["title"].tolist() == ["新的"]


def test_carriage_returns_and_escape_like_text_survive_a_workbook(tmp_path):
    # XML reads a raw CR as a newline and Excel reads _xHHHH_ as the character it names: both are
    # stored escaped, so offsets into the text still slice the text read back
    texts = ["建议一\r\n建议二", "甲\r乙", "代码_x0041_", "_x003D_HYPERLINK(\"x\")"]
    book = write_result(_tables(texts), tmp_path / "out.xlsx")
    assert read_result(book).proposals["title"].tolist() == texts
    stored = [c.value for c in _all_cells(book) if isinstance(c.value, str) and "_x" in c.value]
    assert "_x005F_x003D_HYPERLINK(\"x\")" in stored and "甲_x000D_乙" in stored


# ---- the workbook a clerk reads, the tables a program reads back

@pytest.fixture(scope="module")
def batches():
    """A batch matched against measures and one with no policy (asks not checked)."""
    from batch_standins import proposals_frame, run

    df = proposals_frame(8)
    df.loc[3, "内容"] = "CRASH"  # an extraction error: a row of the errors table
    df.loc[1, "内容"] = "建议建设韧性安全城市体系，提升防控能力。加强社会、市场、公众等作用发挥。"  # covered by measures
    return {"checked": run(df), "unchecked": run(df, policy=None)}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("which", ["checked", "unchecked"])
def test_a_batch_reads_back_into_the_same_machine_tables(tmp_path, batches, fmt, which):
    res = batches[which]
    back = read_result(write_result(res, _out(tmp_path, fmt)))
    for name, df in res.tables().items():
        pd.testing.assert_frame_equal(back.tables()[name], df.reset_index(drop=True), check_dtype=False, obj=name)
    assert back.suggestions.columns[2] == "suggestion_id"  # not query_id, which shares its header 建议序号
    assert back.proposals["topics"].tolist() == res.proposals["topics"].tolist()
    assert {k: back.meta[k] for k in ("id_col", "steps")} == {"id_col": "编号", "steps": ",".join(res.meta["steps"])}


def _sheet(ws):
    """(visible headers, hidden headers, visible rows) of a sheet."""
    from openpyxl.utils import get_column_letter

    hidden = {j for j in range(1, ws.max_column + 1) if ws.column_dimensions[get_column_letter(j)].hidden}
    rows = [[c for j, c in enumerate(r, 1) if j not in hidden] for r in ws.iter_rows()]
    return ([c.value for c in rows[0]], [ws.cell(1, j).value for j in sorted(hidden)], rows[1:])


def test_the_workbook_shows_chinese_and_hides_the_machine_values(tmp_path, batches):
    res = batches["checked"]
    wb = openpyxl.load_workbook(write_result(res, tmp_path / "out.xlsx"))
    assert wb.sheetnames == ["建议提案", "具体建议", "措施对应", "措施汇总", "未覆盖建议", "基本情况", "主题得分",
                             "错误记录", "说明"]
    english = re.compile(r"[A-Za-z]{2,}")
    for ws in wb.worksheets:
        shown, hidden, rows = _sheet(ws)
        assert not [h for h in shown if english.search(str(h))], ws.title
        assert all(re.fullmatch(r"[a-z_]+", h) for h in hidden), ws.title  # machine ids, for programs
    shown, hidden, rows = _sheet(wb["具体建议"])
    assert hidden == ["start", "end", "source", "coverage", "evidence", "related"]
    verdicts = {r[shown.index("覆盖情况")].value for r in rows}
    assert verdicts <= {"已覆盖", "部分覆盖", "未覆盖"} and verdicts
    assert "覆盖概率" in shown and "共有词" in shown and "同义近义词" in shown
    shown, hidden, rows = _sheet(wb["建议提案"])
    assert hidden == ["topics", "topic_names", "status"] and not [h for h in shown if h.startswith("得分_")]
    first = dict(zip(shown, rows[0]))
    assert first["主题领域"].value == "消防安全、电动自行车" and first["消防事项"].value == "是"
    assert first["处理状态"].value == "正常" and first["编号重复"].value == "否"
    assert first["消防相关度"].number_format == "0.00" and first["消防相关度"].value == 0.9  # shown 0.90, kept whole
    assert first["标题"].alignment.wrap_text and first["标题"].alignment.vertical == "top"
    assert not first["正文"].alignment.wrap_text  # a body text on one line, not pages high
    shown, _, rows = _sheet(wb["主题得分"])
    assert shown[:3] == ["行号", "编号", "标题"] and shown[3:] == ["得分_消防安全", "得分_电动自行车", "得分_防汛防台与自然灾害"]
    assert {c.number_format for r in rows for c in r[3:]} == {"0.00"}
    shown, hidden, rows = _sheet(wb["措施汇总"])
    asks = [r[shown.index("对应建议（编号、条目、内容）")].value or "" for r in rows]
    assert hidden == ["suggestion_ids"] and any(asks)
    listed = [ln for a in asks for ln in a.splitlines()]
    assert all(re.fullmatch(r"\d{4}-\d 第\d+条：.+", ln) for ln in listed), listed  # proposal number, ask, text
    shown, hidden, rows = _sheet(wb["基本情况"])
    assert hidden == ["metric", "kind", "handling"] and rows[0][shown.index("类型")].value == "全部"
    shown, hidden, rows = _sheet(wb["错误记录"])
    assert [r[shown.index("环节")].value for r in rows] == ["提取建议"]
    assert rows[0][shown.index("信息")].value.startswith("提取建议环节出错")


def test_asks_not_checked_say_so(tmp_path, batches):
    wb = openpyxl.load_workbook(write_result(batches["unchecked"], tmp_path / "out.xlsx"))
    shown, _, rows = _sheet(wb["具体建议"])
    assert {r[shown.index("覆盖情况")].value for r in rows} == {"未对照"}
    shown, _, rows = _sheet(wb["基本情况"])
    assert "未对照措施条数" in [r[shown.index("指标")].value for r in rows]


def test_a_workbook_written_before_hidden_columns_still_reads(tmp_path, batches):
    """A workbook of the earlier layout (Chinese headers over machine values, 项目 / 值 about)."""
    from proposal_nlp.resources import display_names

    folder = write_result(batches["checked"], tmp_path / "csv")
    old = tmp_path / "old.xlsx"
    with pd.ExcelWriter(old) as xl:
        for f in sorted(folder.glob("*.csv")):
            df = pd.read_csv(f, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            if f.stem == "about":
                df = df.rename(columns={"key": "项目", "value": "值"})
            df.to_excel(xl, sheet_name=display_names()["tables"][f.stem], index=False)
    new, back = read_result(folder), read_result(old)
    for name in TABLE_ORDER:
        pd.testing.assert_frame_equal(back.tables()[name], new.tables()[name], check_dtype=False, obj=name)
