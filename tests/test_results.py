"""Writing result workbooks / CSV folders and reading them back."""
from __future__ import annotations

import re
import string

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proposal_nlp.errors import InputError
from proposal_nlp.outputs import needs_escape, unescape_cell
from proposal_nlp.results import (TABLE_ORDER, XLSX_CELL_MAX, BatchResult, escape_cell, live_formula_cells, read_result,
                                  write_result, write_table_csv)

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


# ---- no formula ever live

FORMULAS = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", '=HYPERLINK("http://x","点我")', "＝1+1", "＋1", "－1", "＠A1",
            " =1", "\u3000=1", "\n=1", "\t=1", "\r=1", "\x00=1", "\x01x", "\x85x", "\u200b=1", "'=1", "''+1"]


@pytest.mark.parametrize("value", FORMULAS)
def test_escape_rule(value):
    escaped = escape_cell(value)
    assert escaped == "'" + value and not needs_escape(escaped) and unescape_cell(escaped) == value


@pytest.mark.parametrize("value", ["正常文本", "' a=", "a=1", "  ", "", "'", "'正常", "1-2"])
def test_text_that_needs_no_escape(value):
    assert escape_cell(value) == value == unescape_cell(value)


@pytest.mark.parametrize("value", [-0.5, -3, None, 2.5])
def test_numbers_are_never_escaped(value):
    assert escape_cell(value) is value


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
    want = FORMULAS if fmt == "csv" else [v.replace("\x00", "").replace("\x01", "").replace("\r", "\n")
                                          for v in FORMULAS]
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


@given(value=_mixed)
def test_escape_round_trip_is_exact(value):
    escaped = escape_cell(value)
    assert unescape_cell(escaped) == value
    assert not needs_escape(escaped)
    assert escaped in (value, "'" + value)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(_mixed, min_size=1, max_size=4))
def test_round_trip_of_risky_text_through_files(tmp_path_factory, texts):
    base = tmp_path_factory.mktemp("risky")
    folder = write_result(_tables(texts), base / "out")
    assert read_result(folder).proposals["title"].tolist() == texts and live_formula_cells(folder) == 0
    # an XLSX cell cannot hold control characters other than tab and newline (removed, with a
    # record), and XML reads CR as a newline
    book = write_result(_tables(texts), base / "out.xlsx")
    kept = [re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", t).replace("\r\n", "\n").replace("\r", "\n") for t in texts]
    assert read_result(book).proposals["title"].tolist() == kept and live_formula_cells(book) == 0
