"""Writing result workbooks / CSV folders and reading them back."""
from __future__ import annotations

import string

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proposal_nlp.errors import InputError
from proposal_nlp.results import XLSX_CELL_MAX, escape_cell, read_result, write_result

def _tables(texts):
    props = pd.DataFrame({"row": range(1, len(texts) + 1), "id": [f"A{i}" for i in range(len(texts))],
                          "title": texts, "topics": [["fire_safety"]] * len(texts),
                          "fire_relevant": [True] * len(texts), "text": texts})
    return {"proposals": props, "errors": pd.DataFrame(columns=["row", "id", "stage", "message"])}


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
