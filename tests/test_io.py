"""Reading intake tables and writing result workbooks / CSV folders."""
from __future__ import annotations

import string

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proposal_nlp.errors import InputError
from proposal_nlp.io import (XLSX_CELL_MAX, detect_columns, escape_cell, iter_table_chunks, read_result, read_table,
                             write_result)

ROWS = pd.DataFrame({"编号": ["0101", "0102"], "标题": ["关于加强消防安全的建议", "关于防汛的提案"],
                     "内容": ["建议加快建设“韧性安全城市”，完善预案。", "一是加强排水；二是完善预警。"]})


# ---------------------------------------------------------------- reading


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_read_csv_detects_encoding(tmp_path, encoding):
    p = tmp_path / "in.csv"
    ROWS.to_csv(p, index=False, encoding=encoding)
    df = read_table(p)
    assert list(df.columns) == ["编号", "标题", "内容"]
    assert df.equals(ROWS)


def test_read_keeps_text_as_written(tmp_path):
    p = tmp_path / "in.csv"
    p.write_text("编号,内容\n007,NA\n008,\n009,null\n", encoding="utf-8")
    df = read_table(p)
    assert df["编号"].tolist() == ["007", "008", "009"]
    assert df["内容"].tolist() == ["NA", "", "null"]


def test_read_tsv_and_jsonl_and_parquet(tmp_path):
    tsv = tmp_path / "in.tsv"
    ROWS.to_csv(tsv, index=False, sep="\t")
    assert read_table(tsv).equals(ROWS)
    jl = tmp_path / "in.jsonl"
    jl.write_text('{"id": 1, "text": "建议加强", "x": null}\n{"id": 2, "text": "完善", "x": 1.5}\n', encoding="utf-8")
    df = read_table(jl)
    assert df["id"].tolist() == ["1", "2"] and df["x"].tolist() == ["", "1.5"]
    pytest.importorskip("pyarrow")
    pq = tmp_path / "in.parquet"
    pd.DataFrame({"id": [1, 2], "text": ["建议", None]}).to_parquet(pq)
    df = read_table(pq)
    assert df["id"].tolist() == ["1", "2"] and df["text"].tolist() == ["建议", ""]


def test_read_xlsx(tmp_path):
    p = tmp_path / "in.xlsx"
    ROWS.to_excel(p, index=False)
    assert read_table(p).equals(ROWS)


def test_empty_file_is_a_clear_error(tmp_path):
    p = tmp_path / "empty.csv"
    p.write_bytes(b"")
    with pytest.raises(InputError, match=r"\[PN101\].*empty"):
        read_table(p)
    p.write_bytes(b"\xef\xbb\xbf  \n")
    with pytest.raises(InputError, match=r"\[PN101\]"):
        read_table(p)


def test_header_only_gives_an_empty_table(tmp_path):
    p = tmp_path / "header.csv"
    p.write_text("编号,标题,内容\n", encoding="utf-8")
    df = read_table(p)
    assert list(df.columns) == ["编号", "标题", "内容"] and len(df) == 0


def test_gbk_without_encoding_is_detected(tmp_path):
    p = tmp_path / "old.csv"
    p.write_bytes("编号,内容\n1,建议加强消防车通道管理\n".encode("gbk"))
    assert read_table(p)["内容"].tolist() == ["建议加强消防车通道管理"]


def test_undecodable_bytes_say_which_encoding_to_try(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_bytes(b"id,text\n1,\x81\xff\xfe\x80 broken\n")
    with pytest.raises(InputError, match=r"\[PN103\] bad.csv is not UTF-8.*--encoding"):
        read_table(p)


def test_explicit_wrong_encoding_is_a_clear_error(tmp_path):
    p = tmp_path / "in.csv"
    p.write_bytes("编号,内容\n1,建议加强\n".encode("gbk"))
    with pytest.raises(InputError, match="PN103"):
        read_table(p, encoding="utf-8")


@pytest.mark.parametrize("content", [b"not a workbook at all", b"id,text\n1,x\n", b"PK\x03\x04 broken zip"])
def test_xlsx_that_is_not_a_workbook(tmp_path, content):
    p = tmp_path / "intake.xlsx"
    p.write_bytes(content)
    with pytest.raises(InputError, match=r"\[PN104\] intake.xlsx is not"):
        read_table(p)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_table(tmp_path / "nope.csv")


def test_iter_chunks_keeps_rows_and_columns(tmp_path):
    p = tmp_path / "big.csv"
    df = pd.DataFrame({"id": [str(i) for i in range(25)], "内容": [f"第{i}条" for i in range(25)]})
    df.to_csv(p, index=False, encoding="gb18030")
    parts = list(iter_table_chunks(p, chunk_size=10))
    assert [len(x) for x in parts] == [10, 10, 5]
    assert pd.concat(parts, ignore_index=True).equals(df)


# ---------------------------------------------------------------- column roles


@pytest.mark.parametrize("columns, text, title, ident", [
    (["编号", "标题", "内容"], "内容", "标题", "编号"),
    (["留言编号", "留言用户", "留言主题", "留言时间", "留言详情"], "留言详情", "留言主题", "留言编号"),
    (["提案号", "案由", "正文"], "正文", "案由", "提案号"),
    (["ID", "Title", "Body"], "Body", "Title", "ID"),
    (["id", "text"], "text", None, "id"),
])
def test_detect_columns(columns, text, title, ident):
    roles = detect_columns(columns)
    assert (roles["text"], roles["title"], roles["id"]) == (text, title, ident)


def test_missing_text_column_lists_columns_and_suggests_one():
    with pytest.raises(InputError) as info:
        detect_columns(["编号", "标题", "提案正文内容"])
    msg = str(info.value)
    assert "PN111" in msg and "'编号'" in msg and "'标题'" in msg
    assert "did you mean '提案正文内容'" in msg


def test_misnamed_text_column_suggests_the_closest():
    with pytest.raises(InputError, match=r"PN110.*'内容x'.*did you mean '内容'"):
        detect_columns(["编号", "内容"], text_col="内容x")


# ---------------------------------------------------------------- writing


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


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(_text.filter(lambda t: t.strip() == t and "\n" not in t), min_size=1, max_size=5))
def test_intake_csv_and_xlsx_round_trip(tmp_path_factory, texts):
    base = tmp_path_factory.mktemp("intake")
    df = pd.DataFrame({"编号": [str(i) for i in range(len(texts))], "内容": texts})
    for name, writer in (("a.csv", lambda p: df.to_csv(p, index=False, encoding="utf-8-sig")),
                         ("b.csv", lambda p: df.to_csv(p, index=False, encoding="gb18030")),
                         ("c.xlsx", lambda p: df.to_excel(p, index=False))):
        p = base / name
        writer(p)
        assert read_table(p)["内容"].tolist() == texts


def test_sheet_row_limit_is_recorded_not_silent(tmp_path, monkeypatch):
    import proposal_nlp.io as pio

    monkeypatch.setattr(pio, "XLSX_ROWS_MAX", 3)
    out = write_result(_tables(list("甲乙丙丁戊")), tmp_path / "out.xlsx")
    back = read_result(out)
    assert back.proposals["title"].tolist() == list("甲乙丙")
    msg = back.errors.loc[back.errors["stage"] == "write", "message"].tolist()
    assert any("2 rows left out" in m and "CSV" in m for m in msg)
    # CSV keeps them all
    assert len(read_result(write_result(_tables(list("甲乙丙丁戊")), tmp_path / "csv")).proposals) == 5
