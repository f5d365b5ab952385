"""proposal_nlp.report_figures: the figures of handling summaries in many wordings, and their checks.

Every text here was written for these tests, in the wording of different bureaus (city,
district, county; 建议 and 提案 apart or together; Arabic, full-width and Chinese numerals).
"""
from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from proposal_nlp.numbering import cn_number
from proposal_nlp.report_figures import FIGURE_COLUMNS, NOTE_COLUMNS, read_figures

T, A = "total", "all"
NPC, CPPCC, MOTION = "人大代表建议", "政协提案", "议案"


def _set(figures) -> set:
    return {(r.kind, r.subset, r.handling, r.result, r.measure,
             int(r.count) if r.measure == "count" else float(r.percent)) for r in figures.itertuples()}


CASES = [
    # city bureau, the usual wording, Arabic numerals
    ("今年我局共承办建议提案20件。包括人大代表建议12件（主办5件，会办7件），其中消防事项4件（主办2件，会办2件）；"
     "政协提案8件（主办3件，会办5件）。",
     {(T, A, A, A, "count", 20), (NPC, A, A, A, "count", 12), (NPC, A, "主办", A, "count", 5),
      (NPC, A, "会办", A, "count", 7), (NPC, "消防", A, A, "count", 4), (NPC, "消防", "主办", A, "count", 2),
      (NPC, "消防", "会办", A, "count", 2), (CPPCC, A, A, A, "count", 8), (CPPCC, A, "主办", A, "count", 3),
      (CPPCC, A, "会办", A, "count", 5)}),
    # district, Chinese numerals, 协办 / 分办 are 会办
    ("我区应急管理局共承办区人大代表建议和区政协提案四十二件，其中区人大代表建议二十件（主办八件、协办十二件），"
     "区政协提案二十二件（主办十件、分办十二件）。",
     {(T, A, A, A, "count", 42), (NPC, A, A, A, "count", 20), (NPC, A, "主办", A, "count", 8),
      (NPC, A, "会办", A, "count", 12), (CPPCC, A, A, A, "count", 22), (CPPCC, A, "主办", A, "count", 10),
      (CPPCC, A, "会办", A, "count", 12)}),
    # county, proposals only, 参办, result classes by letter, satisfaction counts and rate
    ("今年县应急管理局承办县政协提案15件，其中主办6件，参办9件。办理结果为：A类（解决采纳）9件，B类4件，D类2件。"
     "委员对办理工作表示满意的13件，基本满意2件，满意率（含基本满意）100%。",
     {(CPPCC, A, A, A, "count", 15), (CPPCC, A, "主办", A, "count", 6), (CPPCC, A, "会办", A, "count", 9),
      (CPPCC, A, A, "解决采纳", "count", 9), (CPPCC, A, A, "正在解决或列入计划", "count", 4),
      (CPPCC, A, A, "留作参考", "count", 2), (CPPCC, A, A, "满意", "count", 13), (CPPCC, A, A, "基本满意", "count", 2),
      (CPPCC, A, A, "满意或基本满意", "percent", 100.0)}),
    # fire counted across both kinds at once, results stated, 百分之九十八
    ("共承办建议提案四十二件。涉及消防的建议提案共十七件，其中建议十件、提案七件。从办理结果看，解决采纳的三十件，"
     "正在解决或列入计划的八件，留作参考的四件。代表委员满意率达百分之九十八。",
     {(T, A, A, A, "count", 42), (T, "消防", A, A, "count", 17), (NPC, "消防", A, A, "count", 10),
      (CPPCC, "消防", A, A, "count", 7), (T, A, A, "解决采纳", "count", 30),
      (T, A, A, "正在解决或列入计划", "count", 8), (T, A, A, "留作参考", "count", 4), (T, A, A, "满意", "percent", 98.0)}),
    # full-width digits and percent sign, a motion, a total at the end, a share
    ("我局共承办市人大代表议案１件、建议３３件和市政协提案２６件，共计６０件。其中消防方面的建议提案２２件，占３６.７％。",
     {(MOTION, A, A, A, "count", 1), (NPC, A, A, A, "count", 33), (CPPCC, A, A, A, "count", 26),
      (T, A, A, A, "count", 60), (T, "消防", A, A, "count", 22), (T, "消防", A, A, "percent", 36.7)}),
    # a named topic (涉及X的), kinds by 分别, a handling split by 分别
    ("全年办理建议提案30件，人大代表建议和政协提案分别为18件和12件，其中主办、会办分别为10件、20件。"
     "涉及安全生产的建议8件。",
     {(T, A, A, A, "count", 30), (NPC, A, A, A, "count", 18), (CPPCC, A, A, A, "count", 12),
      (T, A, "主办", A, "count", 10), (T, A, "会办", A, "count", 20), (NPC, "安全生产", A, A, "count", 8)}),
    # a frame opened by a clause, 其中 across a sentence, results of one kind
    ("今年承办人大代表建议29件。其中主办11件、会办18件。人大代表建议中，解决采纳20件，列入计划解决9件。",
     {(NPC, A, A, A, "count", 29), (NPC, A, "主办", A, "count", 11), (NPC, A, "会办", A, "count", 18),
      (NPC, A, A, "解决采纳", "count", 20), (NPC, A, A, "正在解决或列入计划", "count", 9)}),
    # 其中 after a list refers to the list's whole; a part with parts of its own keeps them
    ("政协提案28件，主办9件，会办19件，其中消防事项9件。人大代表建议29件，其中主办11件，其中消防6件；会办18件，其中消防7件。",
     {(CPPCC, A, A, A, "count", 28), (CPPCC, A, "主办", A, "count", 9), (CPPCC, A, "会办", A, "count", 19),
      (CPPCC, "消防", A, A, "count", 9), (NPC, A, A, A, "count", 29), (NPC, A, "主办", A, "count", 11),
      (NPC, "消防", "主办", A, "count", 6), (NPC, A, "会办", A, "count", 18), (NPC, "消防", "会办", A, "count", 7)}),
    # 各: one number for two kinds
    ("共承办建议提案20件，人大代表建议和政协提案各10件。",
     {(T, A, A, A, "count", 20), (NPC, A, A, A, "count", 10), (CPPCC, A, A, A, "count", 10)}),
    # 分别 before the verb, and a parallel clause distributed over the same parts
    ("人大代表建议和政协提案中，我局分别主办12件和8件，会办6件和4件。",
     {(NPC, A, "主办", A, "count", 12), (CPPCC, A, "主办", A, "count", 8), (NPC, A, "会办", A, "count", 6),
      (CPPCC, A, "会办", A, "count", 4)}),
    # a reference to the whole, results with shares in Chinese numerals
    ("共承办建议提案50件。在全部50件中，解决采纳30件，占百分之六十；列入计划15件，占百分之三十；留作参考5件，占百分之十。",
     {(T, A, A, A, "count", 50), (T, A, A, "解决采纳", "count", 30), (T, A, A, "解决采纳", "percent", 60.0),
      (T, A, A, "正在解决或列入计划", "count", 15), (T, A, A, "正在解决或列入计划", "percent", 30.0),
      (T, A, A, "留作参考", "count", 5), (T, A, A, "留作参考", "percent", 10.0)}),
    # a colon-led list keeps its frame; a topic with 与…有关; results worded freely
    ("与燃气安全有关的建议提案共10件。主办的20件中：\nA类（解决采纳） 12件，占60%\nB类（正在解决） 6件\n"
     "C类（留作参考） 2件。办理结果：已采纳并落实的15件，列入明年计划的4件，暂不具备条件的2件，作为工作参考的1件。",
     {(T, "燃气安全", A, A, "count", 10), (T, A, "主办", A, "count", 20), (T, A, "主办", "解决采纳", "count", 12),
      (T, A, "主办", "解决采纳", "percent", 60.0), (T, A, "主办", "正在解决或列入计划", "count", 6),
      (T, A, "主办", "留作参考", "count", 2), (T, A, A, "解决采纳", "count", 15),
      (T, A, A, "正在解决或列入计划", "count", 4), (T, A, A, "因条件限制暂不能解决", "count", 2),
      (T, A, A, "留作参考", "count", 1)}),
    # a tab-separated table: counts and shares in cells, labels and headers saying what they count
    ("办理结果统计：\n结果\t件数\t占比\n解决采纳\t25\t50%\n留作参考\t25\t50%\n合计\t50\t100%",
     {(T, A, A, "解决采纳", "count", 25), (T, A, A, "解决采纳", "percent", 50.0), (T, A, A, "留作参考", "count", 25),
      (T, A, A, "留作参考", "percent", 50.0), (T, A, A, A, "count", 50), (T, A, A, A, "percent", 100.0)}),
    # the handling of both kinds in one sentence, 分别 over a list and a parallel clause
    ("共承办建议提案20件。主办和会办的人大代表建议分别为7件和5件，政协提案分别为5件和3件。",
     {(T, A, A, A, "count", 20), (NPC, A, "主办", A, "count", 7), (NPC, A, "会办", A, "count", 5),
      (CPPCC, A, "主办", A, "count", 5), (CPPCC, A, "会办", A, "count", 3)}),
    ("共承办建议提案20件。人大代表建议、政协提案中主办件分别为7件、5件，会办件分别为5件、3件。",
     {(T, A, A, A, "count", 20), (NPC, A, "主办", A, "count", 7), (CPPCC, A, "主办", A, "count", 5),
      (NPC, A, "会办", A, "count", 5), (CPPCC, A, "会办", A, "count", 3)}),
    ("共承办建议提案20件。主办件12件（建议7件、提案5件），会办件8件（建议5件、提案3件）。",
     {(T, A, A, A, "count", 20), (T, A, "主办", A, "count", 12), (NPC, A, "主办", A, "count", 7),
      (CPPCC, A, "主办", A, "count", 5), (T, A, "会办", A, "count", 8), (NPC, A, "会办", A, "count", 5),
      (CPPCC, A, "会办", A, "count", 3)}),
    # the handling of both kinds in one sentence, list after list: a bare total after both lists is their whole
    ("本年度共承办市人大代表建议十八件、市政协提案十二件，其中主办建议六件、提案五件，配合办理建议十二件、提案七件，合计三十件。",
     {(NPC, A, A, A, "count", 18), (CPPCC, A, A, A, "count", 12), (NPC, A, "主办", A, "count", 6),
      (CPPCC, A, "主办", A, "count", 5), (NPC, A, "会办", A, "count", 12), (CPPCC, A, "会办", A, "count", 7),
      (T, A, A, A, "count", 30)}),
    # … unless each list has a total of its own
    ("承办建议18件、提案12件，其中主办建议6件、提案5件，合计11件；协办建议12件、提案7件，合计19件。",
     {(NPC, A, A, A, "count", 18), (CPPCC, A, A, A, "count", 12), (NPC, A, "主办", A, "count", 6),
      (CPPCC, A, "主办", A, "count", 5), (T, A, "主办", A, "count", 11), (NPC, A, "会办", A, "count", 12),
      (CPPCC, A, "会办", A, "count", 7), (T, A, "会办", A, "count", 19)}),
    # one list only: its total is the list's (主办)
    ("承办建议18件、提案12件，其中主办建议6件、提案5件，合计11件。",
     {(NPC, A, A, A, "count", 18), (CPPCC, A, A, A, "count", 12), (NPC, A, "主办", A, "count", 6),
      (CPPCC, A, "主办", A, "count", 5), (T, A, "主办", A, "count", 11)}),
    # the same with 分别, and 共计 / a bare 共 after a comma
    ("承办建议18件、提案12件，主办的建议、提案分别为6件、5件，分办的分别为12件、7件，共计30件。",
     {(NPC, A, A, A, "count", 18), (CPPCC, A, A, A, "count", 12), (NPC, A, "主办", A, "count", 6),
      (CPPCC, A, "主办", A, "count", 5), (NPC, A, "会办", A, "count", 12), (CPPCC, A, "会办", A, "count", 7),
      (T, A, A, A, "count", 30)}),
    ("今年承办区人大代表建议9件，区政协提案6件，共15件，其中主办4件，参办11件。",
     {(NPC, A, A, A, "count", 9), (CPPCC, A, A, A, "count", 6), (T, A, A, A, "count", 15),
      (T, A, "主办", A, "count", 4), (T, A, "会办", A, "count", 11)}),
    # a clause naming the 主办件 (…办结后，/ …答复以后，) frames the satisfaction stated after it
    ("共承办建议提案25件，其中主办11件。主办件办结后，经逐件回访，代表委员表示满意的10件，满意率百分之九十点九。",
     {(T, A, A, A, "count", 25), (T, A, "主办", A, "count", 11), (T, A, "主办", "满意", "count", 10),
      (T, A, "主办", "满意", "percent", 90.9)}),
    ("共承办建议提案25件，其中会办14件。会办件答复以后，满意率为100%。",
     {(T, A, A, A, "count", 25), (T, A, "会办", A, "count", 14), (T, A, "会办", "满意", "percent", 100.0)}),
    # a count stated again in another section: once
    ("一、基本情况\n今年共承办建议提案57件。\n二、主要做法\n对承办的57件建议提案，我局逐件研究。",
     {(T, A, A, A, "count", 57)}),
]


@pytest.mark.parametrize("text, expected", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_figures_in_many_wordings(text, expected):
    figures, _ = read_figures(text)
    assert _set(figures) == expected


@pytest.mark.parametrize("text", [
    "2024年11月19日，市政协十四届二次会议第0219号提案提出了建议。",   # a date, a session, a proposal number
    "锚定“一个目标”，紧抓“三个坚持”，推进“12345”框架。",             # counted words, a framework's name
    "7月22日邀请市人大代表金迎列席局长办公会议。",                       # a date
    "本文没有任何数字。",
    "",
])
def test_years_dates_numbers_and_sessions_are_never_figures(text):
    figures, notes = read_figures(text)
    assert figures.empty and notes.empty


@pytest.mark.parametrize("text", ["共收到建议提案十余件。", "办理建议提案近百件。", "承办提案20余件。",
                                  "承办建议3至5件。", "承办建议提案上百件。", "承办建议二十多件。"])
def test_ranges_are_noted_never_guessed(text):
    figures, notes = read_figures(text)
    assert figures.empty
    assert list(notes["note"]) == ["a range, not a number: left out"]
    note = notes.iloc[0]
    assert text[note.start:note.end] == note.text and "件" in note.text


@pytest.mark.parametrize("text, note", [
    ("去年承办建议提案50件。", "another year"),
    ("建议提案数量较上年增加5件。", "another year"),
    ("召开座谈会3次，出台文件5件。", "subject could not be read"),
    ("出台文件5件，其中消防方面2件。", "could not be read"),
    ("建议提案办结率100%。", "a rate of something else"),
    ("普惠性幼儿园覆盖率提高到92%。", "a rate of something else"),
])
def test_what_cannot_be_read_is_a_note(text, note):
    figures, notes = read_figures(text)
    assert figures.empty
    assert notes["note"].str.contains(note).all() and len(notes)


def test_two_numbers_read_as_one_figure_in_a_sentence_are_left_out():
    figures, notes = read_figures("共承办建议提案30件，所提问题已经解决的10件，基本采纳的5件，留作参考的15件。")
    assert _set(figures) == {(T, A, A, A, "count", 30), (T, A, A, "留作参考", "count", 15)}
    clash = notes[notes["note"] == "numbers read as the same figure in one sentence: left out"]
    assert list(clash["text"]) == ["10", "5"]


@pytest.mark.parametrize("words, result", [
    ("正在逐步解决的", "正在解决或列入计划"), ("纳入明年工作计划的", "正在解决或列入计划"), ("计划逐步解决的", "正在解决或列入计划"),
    ("已列入计划正在推进的", "正在解决或列入计划"), ("因受财力等条件限制暂时难以解决的", "因条件限制暂不能解决"),
    ("暂不具备实施条件的", "因条件限制暂不能解决"), ("作为工作参考的", "留作参考"), ("已采纳并落实的", "解决采纳"),
    ("所提问题已经解决或采纳的", "解决采纳"), ("未采纳的", None), ("部分采纳的", None), ("不予采纳的", None),
])
def test_results_worded_freely(words, result):
    figures, _ = read_figures(f"共承办建议提案9件。{words}3件。")
    got = figures[figures["count"] == 3]["result"].tolist()
    assert got == ([result] if result else [])


def test_one_sentence_with_several_kinds_and_subsets():
    text = "承办人大代表建议29件（其中消防事项13件）、政协提案28件（其中消防事项9件）和议案2件。"
    assert _set(read_figures(text)[0]) == {
        (NPC, A, A, A, "count", 29), (NPC, "消防", A, A, "count", 13), (CPPCC, A, A, A, "count", 28),
        (CPPCC, "消防", A, A, "count", 9), (MOTION, A, A, A, "count", 2)}


def test_columns_types_and_evidence():
    text = "今年共承办建议提案５７件，满意率９８.２％。"
    figures, notes = read_figures(text)
    assert list(figures.columns) == FIGURE_COLUMNS and list(notes.columns) == NOTE_COLUMNS
    assert str(figures["count"].dtype) == "Int64" and str(figures["percent"].dtype) == "Float64"
    total = figures.iloc[0]
    assert text[total.start:total.end] == "５７" and total.evidence == "今年共承办建议提案５７件"
    rate = figures.iloc[1]
    assert pd.isna(rate["count"]) and rate.percent == 98.2 and rate.result == "满意"


# ------------------------------------------------------------------ properties

ALPHABET = "共承办建议提案件主办会办协办消防事项其中涉及的人大代表政协（）()，,。；、0123456789一二十百%满意率基本解决采纳分别各"


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=120))
def test_offsets_point_at_their_numbers(text):
    figures, notes = read_figures(text)
    for row in figures.itertuples():
        assert 0 <= row.start < row.end <= len(text)
        number = text[row.start:row.end]
        if row.measure == "count":
            assert cn_number(number) == row.count
        else:
            assert number.replace("%", "") and row.percent >= 0
        assert row.evidence in text
    for row in notes.itertuples():
        assert text[row.start:row.end] == row.text
    assert read_figures(text)[0].equals(figures)  # the same twice


def test_none_is_refused():
    with pytest.raises(TypeError):
        read_figures(None)
