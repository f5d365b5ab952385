"""proposal_nlp.handling_report: a handling summary read whole (sections, figures, checks, cited
proposals with their asks, next-year plans, notes); the seed and the State Council replies when
the shared data is there."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings, strategies as st

from proposal_nlp import data_dir
from proposal_nlp.handling_report import (CITED_ASK_COLUMNS, CITED_COLUMNS, PLAN_COLUMNS, SECTION_COLUMNS,
                                          HandlingReport, parse_report)
from proposal_nlp.report_figures import NOTE_COLUMNS
from shared_data import SEED_TEXT, needs_seed

# a district bureau's summary, written for these tests
DISTRICT = """石岭区应急管理局关于2024年建议提案办理工作的总结

区政府办公室：
2024年，我局共承办区人大代表建议、区政协委员提案三十二件，其中牵头办理二十件，配合办理十二件。现将办理工作总结如下。
一、办理情况
（一）总体情况。三十二件建议提案中，区人大代表建议十九件，区政协提案十三件。按内容分，安全生产类十一件、防汛防台类八件，其余涉及应急救援等方面。
（二）办理结果。二十件牵头办理件中，已解决或采纳的十二件，已列入计划正在推进的六件，因受资金等条件限制暂时无法解决的二件，解决采纳率为百分之六十。代表委员对牵头办理件的答复满意十八件，基本满意二件。
二、典型案例
区人大代表周明远等8名代表在区十七届人大四次会议上提出的第23号建议《关于加强老旧小区消防设施改造的建议》，提出了“加装独立式烟感报警器”“打通小区消防通道”的建议。我局会同街道完成改造小区15个。
三、下一步打算
（一）健全办理工作机制，明确时限。
（二）提高答复质量。
（三）加强跟踪督办。

石岭区应急管理局
2024年12月5日
附件：1.建议提案办理情况统计表
2.主办件答复公开目录
"""


def test_a_district_summary_read_whole():
    report = parse_report(DISTRICT)
    assert isinstance(report, HandlingReport) and report.text == DISTRICT
    assert list(report.sections.columns) == SECTION_COLUMNS
    top = report.sections[report.sections.level == 1]
    assert list(top.name) == ["办理情况", "典型案例", "下一步打算"]
    assert list(top.label) == ["overview", "cases", "plans"]
    assert list(report.sections[report.sections.level == 2].name[:2]) == ["总体情况", "办理结果"]
    # sections end before the signature's attachments
    assert report.sections.end.max() <= DISTRICT.index("附件")
    assert report.section("plans").startswith("（一）健全办理工作机制")
    assert report.section("problems") == ""
    # figures and checks
    assert len(report.figures) == 13 and report.ok and report.failing.empty
    assert set(report.figures.subset) == {"all", "安全生产", "防汛防台"}
    # the cited proposal, with its asks
    assert list(report.cited.columns) == CITED_COLUMNS and list(report.cited_asks.columns) == CITED_ASK_COLUMNS
    cited = report.cited.iloc[0]
    assert (cited.number, cited.session, cited.kind, cited.proposers) == ("23", "区十七届人大四次会议", "建议",
                                                                         "周明远等8名代表")
    assert cited.title == "关于加强老旧小区消防设施改造的建议" and cited.n_asks == 2
    assert list(report.cited_asks.text) == ["加装独立式烟感报警器", "打通小区消防通道"]
    # plans
    assert list(report.plans.columns) == PLAN_COLUMNS
    assert list(report.plans.item) == [1, 2, 3] and report.plans.text.iloc[2] == "（三）加强跟踪督办。"
    # notes: what was not read (a range of topics without a number is no note; none here)
    assert list(report.notes.columns) == NOTE_COLUMNS


def test_every_offset_slices_the_text():
    report = parse_report(DISTRICT)
    for table in (report.plans, report.cited_asks):
        for row in table.itertuples():
            assert DISTRICT[row.start:row.end] == row.text
    for row in report.sections.itertuples():
        assert DISTRICT[row.start:row.heading_end].find(row.name) >= 0 and row.heading_end <= row.end
    for row in report.cited.itertuples():
        assert DISTRICT[row.start:row.end] == row.number


@pytest.mark.parametrize("text, names, level", [
    ("一、基本情况\n正文。\n二、主要做法\n正文。\n三、存在问题\n正文。\n四、下一步工作计划\n正文。",
     ["基本情况", "主要做法", "存在问题", "下一步工作计划"], 1),
    ("【办理概况】今年……\n【工作举措】……\n【下一步打算】……", ["办理概况", "工作举措", "下一步打算"], 1),
    ("第一部分 办理概况\n……\n第二部分 主要措施\n……", ["办理概况", "主要措施"], 1),
    ("1.基本情况\n……\n2.典型案例\n……\n3.下一步工作\n……", ["基本情况", "典型案例", "下一步工作"], 1),
    ("基本情况\n今年……\n主要做法\n……\n下一步打算：\n……", ["基本情况", "主要做法", "下一步打算"], 1),
])
def test_section_headings_in_every_outline_style(text, names, level):
    sections = parse_report(text).sections
    assert list(sections[sections.level == level].name) == names


@pytest.mark.parametrize("text, n", [
    ("四、下一步打算\n一是加强沟通；二是提升质量；三是强化督办。", 3),
    ("四、下一步打算\n1.建立回访机制；\n2.提高答复质量；\n3.加强培训；\n4.推进公开。", 4),
    ("正文。\n下一步，我局将继续加强与代表委员的沟通，提高办理质量。", 1),
    ("四、下一步工作\n加强跟踪问效。\n推动成果转化。", 2),
])
def test_plans(text, n):
    assert len(parse_report(text).plans) == n


def test_bad_input_gives_partial_results_and_notes():
    report = parse_report("今年共收到建议提案十余件，近百件正在办理。")
    assert report.figures.empty and report.checks.empty and report.ok
    notes = list(report.notes.note)
    assert notes.count("a range, not a number: left out") == 2
    assert "no 基本情况 section: figures were read from the whole text" in notes
    assert "no next-year plans (下一步 …) found" in notes
    empty = parse_report("")
    assert empty.figures.empty and empty.sections.empty and empty.cited.empty and empty.notes.empty
    with pytest.raises(TypeError):
        parse_report(None)


def test_a_count_repeated_in_two_sections_is_one_figure_and_a_changed_one_is_flagged():
    text = "一、基本情况\n共承办建议提案57件。\n二、办理成效\n承办的57件建议提案全部办结。"
    report = parse_report(text)
    assert len(report.figures) == 1 and report.ok
    changed = parse_report(text.replace("承办的57件", "承办的56件"))
    assert list(changed.failing.type) == ["repeat"] and "57件、56件" in changed.failing.detail.iloc[0]


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="一二三四、（）()1.\n基本情况下一步打算主要做法第号提案建议件共承办12会议届次", max_size=150))
def test_never_a_crash_and_offsets_inside(text):
    report = parse_report(text)
    for table in (report.sections, report.figures, report.plans, report.cited, report.cited_asks, report.notes):
        for row in table.itertuples():
            assert 0 <= row.start <= row.end <= len(text)
    for row in report.plans.itertuples():
        assert text[row.start:row.end] == row.text


# ------------------------------------------------------------------ the seed

@needs_seed
def test_seed_read_whole():
    report = parse_report(SEED_TEXT)
    assert len(report.figures) == 13 and len(report.checks) == 11 and report.ok
    assert list(report.sections[report.sections.level == 1].label) == ["overview", "measures", "cases", "plans"]
    cited = report.cited
    assert len(cited) == 1
    assert (cited.number[0], cited.session[0], cited.proposers[0], cited.n_asks[0]) == (
        "0219", "市政协十四届二次会议", "王训国等委员", 3)
    assert len(report.cited_asks) == 3 and len(report.plans) == 3
    assert report.notes.empty


@needs_seed
def test_a_tampered_seed_is_flagged_naming_the_sum():
    report = parse_report(SEED_TEXT.replace("会办18件", "会办17件"))
    failing = report.failing
    assert list(failing.check) == ["人大代表建议 = 人大代表建议·主办 + 人大代表建议·会办"]
    assert failing.detail[0] == "人大代表建议 29 ≠ 主办 11 + 会办 17 = 28"


# ------------------------------------------------------------------ the State Council replies

REPLIES = {"000014349/2006-00213": ("4626", "全国政协十届四次会议"), "000014349/2006-00212": ("7240", "十届全国人大四次会议"),
           "000014349/2006-00211": ("2996", "十届全国人大四次会议"), "000014349/2006-00210": ("7264", "十届全国人大四次会议"),
           "000014349/2005-00155": ("2741", "全国政协十届三次会议")}


def _replies():
    root = data_dir()
    path = root / "govcn_state_council_docs" / "govcn_policies.jsonl" if root else None
    if path is None or not path.is_file():
        pytest.skip("shared data not present (fresh machine)")
    with open(path, encoding="utf-8") as f:
        return {d["index_number"]: d["text"] for d in map(json.loads, f) if d["index_number"] in REPLIES}


def test_state_council_replies_cite_their_number_and_session():
    texts = _replies()
    assert set(texts) == set(REPLIES)
    for idx, (number, session) in REPLIES.items():
        cited = parse_report(texts[idx], asks=False).cited
        assert list(cited.number) == [number] and list(cited.session) == [session], idx
    sections = parse_report(texts["000014349/2005-00155"]).sections
    assert len(sections) == 5 and sections.name[0] == "研究制定指导性文件，规范各级政府网站的建设与管理"
