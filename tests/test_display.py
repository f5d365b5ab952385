"""proposal_nlp.display: the Chinese values people see for the machine values of the result tables."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from proposal_nlp.display import (about_value_text, coverage_name, display_columns, evidence_text, measure_asks_text,
                                  related_text,
                                  message_text, metric_name, source_name, stage_name, status_name,
                                  summary_value_name, topics_text, yes_no)
from proposal_nlp.resources import display_names
from proposal_nlp.suggest import SOURCES

ENGLISH = re.compile(r"[A-Za-z]{2,}")


@pytest.mark.parametrize("value, shown", [
    ("covered", "已覆盖"), ("partial", "部分覆盖"), ("uncovered", "未覆盖"),
    (None, "未对照"), ("", "未对照"), (float("nan"), "未对照"),  # not checked against measures
])
def test_coverage_verdicts(value, shown):
    assert coverage_name(value) == shown


@pytest.mark.parametrize("fn, value, shown", [
    (source_name, "enumeration", "分条列举"), (source_name, "cue_sentence", "建议语句"),
    (status_name, "ok", "正常"), (status_name, "error", "出错"),
    (stage_name, "input", "读取输入"), (stage_name, "match", "措施对照"), (stage_name, "write", "写出结果"),
    (yes_no, True, "是"), (yes_no, False, "否"), (yes_no, pd.NA, ""), (yes_no, "True", "是"), (yes_no, "否", "否"),
    (topics_text, ["e_bikes", "fire_safety"], "电动自行车、消防安全"), (topics_text, "e_bikes|fire_safety",
                                                                       "电动自行车、消防安全"),
    (topics_text, [], ""), (topics_text, ["my_label"], "my_label"),  # a user's own labels stay as given
    (evidence_text, "空间|~设施落地", "空间、设施落地（概念）"),
    (related_text, "电瓶车=电动自行车|消火栓≈消防设施", "电瓶车→电动自行车（同义）、消火栓→消防设施（近义）"),
    (related_text, "", ""), (related_text, None, ""),
    (summary_value_name, "all", "全部"), (summary_value_name, "政协提案", "政协提案"),
    (metric_name, "proposals", "建议提案件数"), (metric_name, "topic:fire_safety", "主题：消防安全"),
    (metric_name, "topic:none", "无应急管理主题"), (metric_name, "asks_unchecked", "未对照措施条数"),
    (metric_name, "result:解决采纳", "办理结果：解决采纳"), (metric_name, "satisfaction:基本满意", "满意度：基本满意"),
    (stage_name, "@odd", "@odd"),  # unknown values are shown as they are
])
def test_display_values(fn, value, shown):
    assert fn(value) == shown


def test_every_shipped_machine_value_has_a_chinese_name():
    assert set(SOURCES) <= set(display_names()["sources"])
    for section in ("coverage", "sources", "status", "stages", "yes_no", "summary_values", "metrics", "about",
                    "about_values", "messages", "measure_asks", "tables", "columns", "topics", "display_columns",
                    "roles", "role_values"):
        texts = display_names()[section]
        values = [v for d in texts.values() for v in d.values()] if section == "display_columns" else texts.values()
        # CSV: the name of the file format people pick in their spreadsheet program
        assert not [v for v in values if ENGLISH.search(re.sub(r"\{\w+\}|CSV", "", v))], section


@pytest.mark.parametrize("stage, message, want", [
    ("input", "empty text; the row is kept with no topics and no asks", "正文为空"),
    ("input", "missing text; the row is kept with no topics and no asks", "缺少正文"),
    ("input", "text cell of type int converted to text ('12345')", "正文单元格不是文本，已按文本处理：'12345'"),
    ("input", "id '0101' appears 2 times in the input; all kept and flagged in duplicate_id",
     "编号'0101'在输入中出现2次"),
    ("write", "title: control characters removed (an XLSX cell cannot hold them)", "标题：已删去"),
    ("write", "suggestions.text: cell cut from 40,002 to 32,767 characters (the most an XLSX cell holds); "
              "the full text is in the input, or write CSV output to keep it", "具体建议·建议内容：内容由40002字截短为32767字"),
    ("write", "matches: 12 rows left out: an XLSX sheet holds 1,048,575 rows; write a CSV folder (-o FOLDER) "
              "to keep every row", "措施对应：12行超出"),
    ("classify", "RuntimeError: stand-in classifier failure", "主题分类环节出错，"),
    ("classify", "ProposalNLPError: [PN164] classifier returned 2 rows for 3 texts", "主题分类环节出错（错误代码PN164）"),
    ("match", "ask 3.2: ValueError: bad", "第3.2条具体建议：措施对照环节出错"),
    ("input", "line 7 has 5 fields, the header has 4; left out of the tables, not processed (fix the line and run "
              "again): 甲,乙,丙,丁,戊", "第7行有5个字段，表头只有4个；这一行没有读入"),
    ("input", "line 7 opens a quoted cell that is never closed: lines 7-9 were read as one cell; left out of the "
              "tables, not processed (fix the line and run again): “甲", "第7行的引号没有闭合，第7至9行"),
    ("input", "line 3 is not valid JSON (Expecting value); left out of the tables, not processed (fix the line and "
              "run again): 甲", "第3行无法读取；这一行没有读入，也没有处理（改正后重新运行）：甲"),
])
def test_messages_of_the_errors_table_in_chinese(stage, message, want):
    shown = message_text(stage, message)
    assert want in shown
    assert not ENGLISH.search(re.sub(r"PN\d{3}|CSV", "", shown))


def test_an_unknown_message_is_shown_as_it_is():
    assert message_text("input", "a new kind of note") == "a new kind of note"


def test_about_values():
    assert about_value_text("steps", "classify,extract,match") == "主题分类、提取建议、措施对照"
    assert about_value_text("timings", "classify=0.5s, match=0.04s") == "主题分类 0.5秒，措施对照 0.04秒"
    assert about_value_text("classifier", "default") == "默认模型（应急管理主题）"
    assert about_value_text("classifier", "KeywordClassifier") == "自定义模型"
    assert about_value_text("classifier", "models/my.skops") == "models/my.skops"  # a file the user named
    assert about_value_text("input", "收件.xlsx") == "收件.xlsx" and about_value_text("streamed", "True") == "是"
    notes = ("column '类别' is not taken as the kind column: 0% of its values are kinds (建议 / 提案 / 议案), e.g. "
             "['农林水利']; it stays an ordinary column. If the table has a kind column, name it with --kind-col NAME "
             "(kind_col=...)\ncolumn '方式' is used as the handling column as asked, though only 10% of its values "
             "are handlings (主办 / 会办) (e.g. ['甲'])")
    assert about_value_text("notes", notes).splitlines() == [
        "“类别”列没有作为类型列：其中只有0%的值是建议、提案、议案等类型（例如['农林水利']），仍作为普通列保留；"
        "如表中另有类型列，请在运行时指定",
        "已按指定把“方式”列作为办理方式列，但其中只有10%的值是主办、会办（例如['甲']）"]


def test_measure_asks_name_proposal_number_ask_number_and_text():
    asks = {"4.6": ("D2024-0142", "6", "加强危化品运输事故应急处置能力建设。" + "长" * 80), "24.4": ("0322", "4", "开展培训。")}
    text = measure_asks_text("4.6|24.4", asks)
    assert text.splitlines()[1] == "0322 第4条：开展培训。"
    assert text.startswith("D2024-0142 第6条：加强危化品") and text.splitlines()[0].endswith("…")
    assert "4.6" not in text and "|" not in text
    assert measure_asks_text("", asks) == ""
    assert measure_asks_text("9.1", {}) == "建议序号9.1"  # an ask not in the suggestions given
    assert measure_asks_text("9.1", {"9.1": ("0101", "1", "")}) == "0101 第1条"  # a streamed run keeps no text
    many = measure_asks_text("|".join(f"{k}.1" for k in range(60)) + "|…", {}, shown=50)
    assert len(many.splitlines()) == 51 and many.splitlines()[-1].startswith("……另有10条")


def test_display_columns_of_each_table():
    sugs = pd.DataFrame({"source": ["enumeration", "cue_sentence"], "coverage": ["covered", None], "text": ["a", "b"]})
    assert display_columns("suggestions", sugs) == {"source": ["分条列举", "建议语句"], "coverage": ["已覆盖", "未对照"]}
    summary = pd.DataFrame({"metric": ["topic:e_bikes"], "kind": ["all"], "handling": ["主办"], "value": [3]})
    assert display_columns("summary", summary) == {"metric": ["主题：电动自行车"], "kind": ["全部"], "handling": ["主办"]}
    errors = pd.DataFrame({"stage": ["parse"], "message": ["KeyError: 'x'"]})
    shown = display_columns("errors", errors)
    assert shown["stage"] == ["解析文头"] and shown["message"][0].startswith("解析文头环节出错")
    about = pd.DataFrame({"key": ["steps", "rows"], "value": ["extract", "3"]})
    assert display_columns("about", about) == {"key": ["处理步骤", "输入行数"], "value": ["提取建议", "3"]}
    measures = pd.DataFrame({"suggestion_ids": ["1.1"]})
    assert display_columns("measures", measures, asks={"1.1": ("A1", "1", "建议甲")}) == {
        "suggestion_ids": ["A1 第1条：建议甲"]}
    assert display_columns("uncovered", pd.DataFrame({"text": ["x"]})) == {}


def test_use_cjk_font_puts_an_installed_chinese_font_first():
    import matplotlib

    from proposal_nlp.display import CJK_FONTS, use_cjk_font

    assert CJK_FONTS[:3] == ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei")
    with matplotlib.rc_context():
        name = use_cjk_font()
        if name is None:
            pytest.skip("no Chinese font on this machine (Debian: fonts-noto-cjk)")
        assert matplotlib.rcParams["font.sans-serif"][0] == name and matplotlib.rcParams["font.family"] == ["sans-serif"]
