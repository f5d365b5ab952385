"""Reading intake tables: encodings, formats, chunks and column roles."""
from __future__ import annotations

import string

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proposal_nlp.errors import InputError
from proposal_nlp.io import detect_columns, detect_encoding, iter_table_chunks, read_table

ROWS = pd.DataFrame({"编号": ["0101", "0102"], "标题": ["关于加强消防安全的建议", "关于防汛的提案"],
                     "内容": ["建议加快建设“韧性安全城市”，完善预案。", "一是加强排水；二是完善预警。"]})


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


_cjk = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
_text = st.text(st.one_of(_cjk, st.sampled_from(list("，。；：“”（）《》、！？ 1a\n" + string.ascii_letters))),
                min_size=0, max_size=60)


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


# ---- workbooks read once and within limits; encodings over the whole file; binary files


def _workbook(path, sheets):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def test_zip_bomb_is_refused_before_reading(tmp_path):
    import zipfile

    p = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", b"0" * (20 << 20))  # 20 MB of one byte packs to a few KB
    with pytest.raises(InputError, match=r"PN112.*zip bomb"):
        read_table(p)
    with pytest.raises(InputError, match=r"PN112.*limit"):
        read_table(p, max_ratio=None, max_bytes=1 << 20)


def test_row_limit_of_a_workbook(tmp_path):
    p = _workbook(tmp_path / "rows.xlsx", {"a": [["编号", "内容"]] + [[str(i), "建议"] for i in range(5)]})
    assert len(read_table(p)) == 5
    with pytest.raises(InputError, match=r"PN112.*more than 3 rows"):
        read_table(p, max_rows=3)


def test_sheet_by_name_before_position(tmp_path):
    p = _workbook(tmp_path / "s.xlsx", {"汇总": [["内容"], ["甲"]], "2024": [["内容"], ["乙"]], "x": [["内容"], ["丙"]]})
    assert read_table(p, sheet=2024)["内容"].tolist() == ["乙"]  # the sheet named 2024
    assert read_table(p, sheet="2024")["内容"].tolist() == ["乙"]
    assert read_table(p, sheet=2)["内容"].tolist() == ["丙"]  # no sheet named 2: the third
    with pytest.raises(InputError, match=r"PN109.*'汇总', '2024', 'x'"):
        read_table(p, sheet="2025")


def test_workbook_headers_and_cells_as_pandas_gives_them(tmp_path):
    p = _workbook(tmp_path / "h.xlsx", {"a": [["内容", None, "内容", "编号"], ["甲", 1, None, 12.0],
                                               ["乙", 2.5, "x", 7], [None, None, None, None]]})
    df = read_table(p)
    assert list(df.columns) == ["内容", "Unnamed: 1", "内容.1", "编号"]
    assert df.values.tolist() == [["甲", "1", "", "12"], ["乙", "2.5", "x", "7"]]  # the empty last row dropped


def test_a_workbook_is_read_once_per_batch(tmp_path, monkeypatch):
    import proposal_nlp.io as pio
    from proposal_nlp.batch import process_file
    from batch_standins import KeywordClassifier

    p = _workbook(tmp_path / "in.xlsx", {"a": [["编号", "内容"]] + [[f"A{i}", "建议加强消防通道管理"] for i in range(7)]})
    calls = []
    real = pio._read_xlsx
    monkeypatch.setattr(pio, "_read_xlsx", lambda *a, **k: calls.append(1) or real(*a, **k))
    res = process_file(p, out=f"{tmp_path / 'out'}/", stream=True, steps=("classify",), classifier=KeywordClassifier(),
                       chunk_size=2)
    assert len(res.proposals) == 7 and calls == [1]


def test_encoding_is_checked_over_the_whole_file(tmp_path):
    p = tmp_path / "late.csv"
    p.write_bytes(b"id,text\n" + b"1,ascii only\n" * 2000 + "2,消防通道\n".encode("gb18030"))
    assert detect_encoding(p, sample_bytes=4096) == "utf-8-sig"  # what its start alone suggests
    assert detect_encoding(p, block_bytes=1024) == "gb18030"  # UTF-8 for the first 26 KB, not after
    assert read_table(p)["text"].tolist()[-1] == "消防通道"
    assert next(iter_table_chunks(p, chunk_size=5000))["text"].tolist()[-1] == "消防通道"


def test_binary_file_is_called_binary(tmp_path):
    p = tmp_path / "photo.csv"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(InputError, match=r"PN102.*looks binary"):
        read_table(p)


# ---- the header row below a title; lines that cannot be read as rows

TITLED = ("2024年代表建议汇总表,,,\n"
          "填报单位：市应急管理局,,,填报日期：2024年12月\n"
          "序号,类别,标题,内容\n"
          "1,农林水利,关于防汛的建议,建议加快排水管网改造。\n"
          "2,医卫体育,关于急救的建议,建议完善急救站点布局。\n")


def _titled_workbook(path):
    return _workbook(path, {"汇总": [["2024年代表建议汇总表"], ["填报单位：市应急管理局", None, None, "填报日期：2024年12月"],
                                   ["序号", "类别", "标题", "内容"], [1, "农林水利", "关于防汛的建议", "建议加快排水管网改造。"],
                                   [2, "医卫体育", "关于急救的建议", "建议完善急救站点布局。"]]})


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_header_is_found_below_a_title(tmp_path, fmt):
    if fmt == "csv":
        p = tmp_path / "in.csv"
        p.write_text(TITLED, encoding="utf-8-sig")
    else:
        p = _titled_workbook(tmp_path / "in.xlsx")
    df = read_table(p)
    assert list(df.columns) == ["序号", "类别", "标题", "内容"] and df.attrs["header_row"] == 3
    assert df["序号"].tolist() == ["1", "2"]  # the rows above the header are not data
    chunks = list(iter_table_chunks(p, chunk_size=1))
    assert [c["序号"].tolist() for c in chunks] == [["1"], ["2"]] and chunks[0].attrs["header_row"] == 3


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_header_row_can_be_given(tmp_path, fmt):
    if fmt == "csv":
        p = tmp_path / "in.csv"
        p.write_text(TITLED, encoding="utf-8")
    else:
        p = _titled_workbook(tmp_path / "in.xlsx")
    df = read_table(p, header_row=2)  # the 填报单位 row, if the user says so
    assert df.columns[0] == "填报单位：市应急管理局" and len(df) == 3 and df.attrs["header_row"] == 2
    with pytest.raises(InputError, match=r"PN135.*--header-row 40"):
        read_table(p, header_row=40)
    with pytest.raises(InputError, match="PN135"):
        read_table(p, header_row=0)


def test_header_row_is_for_tables_with_rows_of_names(tmp_path):
    p = tmp_path / "in.jsonl"
    p.write_text('{"text": "建议"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"PN135.*JSONL"):
        read_table(p, header_row=2)


RAGGED = ("编号,标题,内容,办理方式\n"
          "1,关于防汛的建议,建议加快排水管网改造。,主办\n"
          "2,关于消防的建议,建议加强检查, 完善预案。,会办\n"  # an unquoted comma in a cell: 5 fields
          "3,关于急救的建议,\"建议完善急救站点, 加强培训。\",主办\n"
          "4,关于绿化的建议,多种树。,主办,\n"  # an empty cell past the header: nothing lost, not a bad line
          "\n"
          "5,关于路灯的建议,修路灯\n")  # a cell short: padded


def test_a_ragged_line_is_an_error_naming_it(tmp_path):
    p = tmp_path / "in.csv"
    p.write_text(RAGGED, encoding="utf-8")
    with pytest.raises(InputError, match=r"\[PN107\] in.csv line 3 has 5 fields, the header has 4.*--bad-lines keep"):
        read_table(p)
    with pytest.raises(InputError, match=r"PN107.*line 3 has 5 fields"):
        list(iter_table_chunks(p, chunk_size=2))


def test_ragged_lines_kept_aside(tmp_path):
    p = tmp_path / "in.csv"
    p.write_text(RAGGED, encoding="utf-8")
    df = read_table(p, bad_lines="keep")
    assert df["编号"].tolist() == ["1", "3", "4", "5"]
    assert df["内容"].tolist()[1] == "建议完善急救站点, 加强培训。" and df["办理方式"].tolist()[3] == ""
    bad = df.attrs["bad_lines"]
    assert [(b["line"], b["reason"]) for b in bad] == [(3, "has 5 fields, the header has 4")]
    assert bad[0]["raw"] == "2,关于消防的建议,建议加强检查, 完善预案。,会办"
    chunks = list(iter_table_chunks(p, chunk_size=1, bad_lines="keep"))
    assert pd.concat(chunks)["编号"].tolist() == ["1", "3", "4", "5"]
    assert [b["line"] for c in chunks for b in c.attrs["bad_lines"]] == [3]


def test_every_line_one_field_too_many_is_not_read_as_an_index(tmp_path):
    p = tmp_path / "in.csv"
    p.write_text("编号,内容\n1,甲,x\n2,乙,y\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 2 has 3 fields.*2 such lines in all \(also line 3\)"):
        read_table(p)


def test_a_quote_never_closed(tmp_path):
    p = tmp_path / "in.csv"
    p.write_text('编号,内容\n1,"建议加强\n2,完善预案\n3,修路\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"PN107.*line 2 opens a quoted cell that is never closed: lines 2-4"):
        read_table(p)
    df = read_table(p, bad_lines="keep")
    assert len(df) == 0 and df.attrs["bad_lines"][0]["line"] == 2


def test_a_very_long_cell(tmp_path):
    p = tmp_path / "in.csv"
    text = "建议" * 100_000  # over the csv module's default limit of 131,072 characters
    pd.DataFrame({"编号": ["1"], "内容": [text]}).to_csv(p, index=False)
    assert read_table(p)["内容"].tolist() == [text]
    assert next(iter_table_chunks(p))["内容"].tolist() == [text]


def test_bad_jsonl_lines_kept_aside(tmp_path):
    p = tmp_path / "in.jsonl"
    p.write_text('{"text": "甲"}\n{"text": 乙}\n[1, 2]\n{"text": "丙"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"PN108.*line 2 is not valid JSON.*--bad-lines keep"):
        read_table(p)
    df = read_table(p, bad_lines="keep")
    assert df["text"].tolist() == ["甲", "丙"]
    assert [(b["line"], b["raw"]) for b in df.attrs["bad_lines"]] == [(2, '{"text": 乙}'), (3, "[1, 2]")]
    assert "JSON list, not an object" in df.attrs["bad_lines"][1]["reason"]


def test_bad_lines_option_is_checked(tmp_path):
    p = tmp_path / "in.csv"
    p.write_text("内容\n甲\n", encoding="utf-8")
    with pytest.raises(InputError, match="PN134"):
        read_table(p, bad_lines="skip")


_cell_text = st.text(st.sampled_from(list("甲乙 ,\"\n;")), max_size=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_cell_text, min_size=1, max_size=5), min_size=0, max_size=12),
       chunk=st.integers(1, 5))
def test_rows_read_plus_lines_listed_is_every_row(tmp_path_factory, rows, chunk):
    """However ragged, every data row of the file is either read or listed, never dropped silently."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["编号", "内容", "标题"])
    for r in rows:
        w.writerow(r)
    p = tmp_path_factory.mktemp("ragged") / "in.csv"
    p.write_text(buf.getvalue(), encoding="utf-8")
    n_rows = len(rows)  # the csv module writes a row of one empty cell as "", not as a blank line
    df = read_table(p, bad_lines="keep")
    assert len(df) + len(df.attrs["bad_lines"]) == n_rows
    parts = list(iter_table_chunks(p, chunk_size=chunk, bad_lines="keep"))
    assert sum(map(len, parts)) == len(df) and sum(len(c.attrs["bad_lines"]) for c in parts) == len(df.attrs["bad_lines"])
    assert pd.concat(parts, ignore_index=True).equals(df.reset_index(drop=True)) or len(df) == 0


def test_line_breaks_inside_a_csv_cell_are_kept_as_written(tmp_path):
    # a cell holding "\r\n" or a lone "\r" (pasted from a Windows form): read_table and the chunked
    # reading of process_file give the same text, the one in the file
    p = tmp_path / "in.csv"
    ROWS.assign(内容=["建议一\r\n建议二", "甲\r乙"]).to_csv(p, index=False, lineterminator="\r\n")
    whole = read_table(p)
    assert whole["内容"].tolist() == ["建议一\r\n建议二", "甲\r乙"]
    assert next(iter_table_chunks(p))["内容"].tolist() == whole["内容"].tolist()


def test_jsonl_values_may_hold_unicode_line_separators(tmp_path):
    # json.dumps(..., ensure_ascii=False) leaves U+2028, U+2029 and U+0085 unescaped: still one line
    import json

    texts = ["建议\u2028加强", "完善\x85预案\u2029", "甲\x0c乙"]
    p = tmp_path / "in.jsonl"
    p.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\r\n" for t in texts), encoding="utf-8")
    assert read_table(p)["text"].tolist() == texts


def test_workbook_escapes_are_read_as_excel_shows_them(tmp_path):
    # Excel, WPS and xlsxwriter store a CR in a cell as _x000D_, a literal _x0041_ as _x005F_x0041_;
    # openpyxl hands both over as written
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["编号", "内容_x000D_"])
    ws.append(["1", "建议一_x000D_\n建议二"])
    ws.append(["2", "代码_x005F_x0041_不是A"])
    wb.save(tmp_path / "in.xlsx")
    df = read_table(tmp_path / "in.xlsx")
    assert list(df.columns) == ["编号", "内容"]  # the header's CR is stripped like any blank
    assert df["内容"].tolist() == ["建议一\r\n建议二", "代码_x0041_不是A"]


def test_jsonl_with_a_lone_surrogate_reaches_the_batch_and_is_recorded(tmp_path):
    from batch_standins import KeywordClassifier
    from proposal_nlp.batch import process_file

    p = tmp_path / "in.jsonl"
    p.write_text('{"id": "1", "text": "消防\\ud800通道建议加强管理"}\n{"id": "2", "text": "正常文本"}\n', encoding="utf-8")
    assert read_table(p)["text"].tolist()[0] == "消防\ud800通道建议加强管理"  # kept as read, for the batch
    res = process_file(p, steps=("classify", "extract"), classifier=KeywordClassifier())
    assert res.proposals["text"].tolist() == ["消防\ufffd通道建议加强管理", "正常文本"]
    assert res.errors.loc[res.errors["row"] == 1, "message"].str.contains("PN010").any()
