"""proposal_nlp.sheets: the clerk's layout of each result table on a workbook sheet, and reading it back."""
from __future__ import annotations

import pandas as pd

from proposal_nlp.sheets import (SCORES, column_widths, machine_frame, merge_scores, sheet_columns, sheet_values,
                                 split_scores)


def _layout(table, columns, id_header=None):
    return [(c.header, c.source, c.hidden, c.shown) for c in sheet_columns(table, columns, id_header)]


def test_a_coded_column_is_a_hidden_machine_column_then_its_chinese_display():
    assert _layout("suggestions", ["row", "id", "start", "text", "coverage"], "提案号") == [
        ("行号", "row", False, False), ("提案号", "id", False, False), ("start", "start", True, False),
        ("建议内容", "text", False, False), ("coverage", "coverage", True, False), ("覆盖情况", "coverage", False, True)]
    assert _layout("proposals", ["topics", "topic_names", "fire_relevant", "status"]) == [
        ("topics", "topics", True, False), ("主题领域", "topics", False, True),
        ("topic_names", "topic_names", True, False), ("消防事项", "fire_relevant", False, True),
        ("status", "status", True, False), ("处理状态", "status", False, True)]
    assert _layout("measures", ["clause_id", "suggestion_ids"])[-1] == (
        "对应建议（编号、条目、内容）", "suggestion_ids", False, True)
    assert [h for h, *_ in _layout("about", ["key", "value"])] == ["key", "项目", "value", "值"]


def test_formats_wrapping_and_widths():
    cols = {c.source: c for c in sheet_columns("suggestions", ["row", "text", "score", "best_score"]) if not c.hidden}
    assert cols["score"].number_format == cols["best_score"].number_format == "0.00"
    assert cols["text"].wrap and cols["text"].width == 50 and not cols["row"].wrap
    body = [c for c in sheet_columns("proposals", ["text", "title"])]
    assert not body[0].wrap and body[0].width == 60 and body[1].wrap  # a body text stays on one line
    layout = sheet_columns("summary", ["value", "label"])
    assert column_widths(layout, [[1, 22], ["甲"] * 2]) == [6, 26]


def test_scores_go_to_a_sheet_of_their_own():
    own, scores = split_scores("proposals", ["row", "id", "title", "score_e_bikes", "score_fire_safety", "text"])
    assert own == ["row", "id", "title", "text"] and scores == ["row", "id", "title", "score_e_bikes",
                                                               "score_fire_safety"]
    assert split_scores("proposals", ["row", "id"]) == (["row", "id"], [])
    assert split_scores("matches", ["score"]) == (["score"], [])
    assert [c.header for c in sheet_columns(SCORES, scores)][3:] == ["得分_电动自行车", "得分_消防安全"]


def test_sheet_values_escape_and_clean_the_display_values():
    raw = pd.DataFrame({"stage": ["@x"], "message": ["=1+1\x01"]})
    layout = sheet_columns("errors", raw.columns)
    values = sheet_values("errors", layout, raw, raw.map(lambda v: "'" + v), limit=3)
    assert values == [["'@x"], ["'@x"], ["'=1+1\x01"], ["'=1"]]  # machine values as prepared; display cleaned, cut


def test_machine_frame_keeps_machine_columns_and_drops_their_display():
    sheet = pd.DataFrame([["1", "A1", "covered", "已覆盖", "'=x"]],
                         columns=["行号", "提案号", "coverage", "覆盖情况", "建议内容"])
    back = machine_frame("suggestions", sheet, "提案号")
    assert back.columns.tolist() == ["row", "id", "coverage", "text"]
    assert back.iloc[0].tolist() == ["1", "A1", "covered", "=x"]
    # a CSV file (or a workbook written before hidden columns): Chinese headers, machine values
    csv = pd.DataFrame([["1", "1.1", "covered"]], columns=["行号", "建议序号", "覆盖情况"])
    assert machine_frame("suggestions", csv).columns.tolist() == ["row", "suggestion_id", "coverage"]
    about = pd.DataFrame([["rows", "输入行数", "3", "3"]], columns=["key", "项目", "value", "值"])
    assert machine_frame("about", about).to_dict("records") == [{"key": "rows", "value": "3"}]
    old_about = pd.DataFrame([["rows", "3"]], columns=["项目", "值"])
    assert machine_frame("about", old_about).to_dict("records") == [{"key": "rows", "value": "3"}]


def test_scores_are_put_back_by_row_even_after_a_sort():
    props = pd.DataFrame({"row": [1, 2, 3], "id": ["a", "b", "c"], "status": ["ok"] * 3, "text": ["x", "y", "z"]})
    scores = pd.DataFrame({"row": [3, 1, 2], "id": ["c", "a", "b"], "score_e_bikes": [0.3, 0.1, 0.2]})
    out = merge_scores(props, scores)
    assert out.columns.tolist() == ["row", "id", "status", "score_e_bikes", "text"]
    assert out["score_e_bikes"].tolist() == [0.1, 0.2, 0.3]
    dup = props.assign(row=[1, 1, 2])  # rows not unique: by position
    assert merge_scores(dup, scores)["score_e_bikes"].tolist() == [0.3, 0.1, 0.2]
    assert merge_scores(props, scores.drop(columns="score_e_bikes")) is props
