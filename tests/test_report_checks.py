"""proposal_nlp.report_checks: sums, subsets, rates and repeated counts of a figures table, each
failing row naming its numbers. The summaries are written for these tests."""
from __future__ import annotations

import pandas as pd
import pytest

from proposal_nlp.audit import figures_from_table
from proposal_nlp.report_checks import CHECK_COLUMNS, check_figures, figure_label
from proposal_nlp.report_figures import read_figures


SUMMARY = ("今年我局共承办建议提案20件。包括人大代表建议12件（主办5件，会办7件），其中消防事项4件（主办2件，会办2件）；"
           "政协提案8件（主办3件，会办5件），其中消防事项3件（主办1件，会办2件）。")


def test_checks_of_a_consistent_summary():
    checks = check_figures(read_figures(SUMMARY)[0])
    assert list(checks.columns) == CHECK_COLUMNS
    assert checks["ok"].all() and len(checks) == 11
    assert set(checks["type"]) == {"sum", "subset"}


def test_a_wrong_sum_is_flagged_and_names_its_numbers():
    figures, _ = read_figures(SUMMARY.replace("会办7件", "会办9件"))
    checks = check_figures(figures)
    failing = checks[~checks["ok"]]
    assert list(failing["check"]) == ["人大代表建议 = 人大代表建议·主办 + 人大代表建议·会办"]
    row = failing.iloc[0]
    assert (row.expected, row.found) == (12, 14)
    assert row.detail == "人大代表建议 12 ≠ 主办 5 + 会办 9 = 14"
    assert {figures.at[i, "count"] for i in row.figures} == {12, 5, 9}


@pytest.mark.parametrize("text, kind", [
    ("共承办建议提案42件。解决采纳30件，正在解决8件，留作参考5件。", "sum"),          # results: 43 ≠ 42
    ("承办政协提案10件，其中消防事项12件。", "subset"),                             # a subset over its whole
    ("承办政协提案10件，满意8件，基本满意2件，满意率60%。", "rate"),                  # 60% ≠ 80% or 100%
    ("一、基本情况\n承办建议提案57件。\n二、办理成效\n今年承办的建议提案共56件。", "repeat"),  # 57 then 56
    ("承办建议提案10件，其中主办12件。", "sum"),                                     # one part over its whole
])
def test_each_kind_of_inconsistency_is_flagged(text, kind):
    checks = check_figures(read_figures(text)[0])
    assert kind in set(checks.loc[~checks["ok"], "type"]), checks


@pytest.mark.parametrize("text", [
    "承办政协提案40件，满意38件，基本满意2件，满意率95%。",            # 满意 alone: 38/40
    "承办政协提案40件，满意38件，基本满意2件，满意率100%。",           # 满意率 counting 基本满意 in
    "承办政协提案3件，满意1件，基本满意2件，满意率33.3%。",            # to the stated precision
    "承办建议提案57件，其中消防事项22件，占38.6%。",                  # a share
])
def test_rates_that_agree_pass(text):
    checks = check_figures(read_figures(text)[0])
    assert len(checks) and checks["ok"].all(), checks


def test_checks_of_an_empty_table():
    figures, _ = read_figures("")
    checks = check_figures(figures)
    assert checks.empty and list(checks.columns) == CHECK_COLUMNS


def test_figure_label():
    assert figure_label() == "全部"
    assert figure_label("人大代表建议", "消防", "主办") == "人大代表建议·消防·主办"
    assert figure_label("total", "all", "all", "满意") == "满意"


def test_checks_of_computed_figures_hold():
    table = pd.DataFrame({"类型": ["建议", "建议", "提案"], "办理方式": ["主办", "会办", "主办"],
                          "fire_relevant": [True, False, True], "满意度": ["满意", "基本满意", "满意"]})
    checks = check_figures(figures_from_table(table, satisfaction_col="满意度"))
    assert len(checks) and checks["ok"].all()
    assert {"sum", "subset", "rate"} <= set(checks["type"])


def test_satisfied_or_basic_adds_up():
    checks = check_figures(read_figures("承办提案10件，满意或基本满意的9件，其中满意7件、基本满意3件。")[0])
    failing = checks[~checks["ok"]]
    assert list(failing["detail"]) == ["满意或基本满意 9 ≠ 满意 7 + 基本满意 3 = 10"]


def test_a_sum_with_numbers_not_read_among_its_parts_is_checked_as_at_most():
    figures, notes = read_figures("共承办建议提案30件。解决采纳20件，另有一些5件，留作参考3件。")
    checks = check_figures(figures, notes)
    assert list(checks["ok"]) == [True]
    assert checks["detail"][0] == "解决采纳 20 + 留作参考 3 = 23 ≤ 全部 30 (1 number(s) among them not read)"
    assert list(check_figures(figures)["ok"]) == [False]  # without the notes: 23 ≠ 30


BOTH_KINDS = ("今年我局共承办县人大代表建议十五件、县政协提案十件，其中主办建议七件、提案四件，协办建议八件、提案六件，"
              "合计二十五件。主办件全部答复后，经电话征询，代表委员满意九件、基本满意二件，满意率达到百分之八十一点八。")


def test_the_handling_of_both_kinds_in_one_sentence_passes_its_checks():
    # the 合计 after both lists is the whole, not the 协办 list's; the satisfaction is of the 主办件
    figures, _ = read_figures(BOTH_KINDS)
    checks = check_figures(figures)
    assert checks["ok"].all()
    assert set(checks["check"]) == {"人大代表建议 = 人大代表建议·主办 + 人大代表建议·会办",
                                    "政协提案 = 政协提案·主办 + 政协提案·会办", "全部 = 人大代表建议 + 政协提案",
                                    "主办·满意 81.8%"}


def test_a_wrong_total_after_both_lists_is_flagged_against_the_kinds():
    checks = check_figures(read_figures(BOTH_KINDS.replace("合计二十五件", "合计二十六件"))[0])
    failing = checks[~checks["ok"]]
    assert list(failing["detail"]) == ["全部 26 ≠ 人大代表建议 15 + 政协提案 10 = 25"]
