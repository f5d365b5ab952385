"""proposal_nlp.audit: stated figures, the same figures from a batch, lined up, and the 基本情况
paragraph written from a batch (read back by parse_report to the same figures)."""
from __future__ import annotations

import pandas as pd
import pytest

import proposal_nlp
from proposal_nlp.audit import (COMPARE_COLUMNS, COMPUTED_COLUMNS, BasicSituation, audit_summary, basic_situation,
                                cn_number, compare_figures, figures_from_result, figures_from_table)
from proposal_nlp.handling_report import parse_report
from proposal_nlp.report_figures import FIGURE_COLUMNS
from shared_data import SEED_TEXT, needs_seed

# a summary written for these tests, in the genre's usual wording
OWN = ("今年我局共承办建议提案二十件。包括人大代表建议12件（主办5件，会办7件），其中消防事项4件（主办2件，会办2件）；"
       "政协提案8件（主办3件，会办5件），其中消防事项3件（主办1件，会办2件）。主办的3件政协提案中，办理结果均为“解决采纳”。")
KEYS = ["kind", "subset", "handling", "result", "measure"]


def _count(figures, kind, subset="all", handling="all", result="all"):
    sel = figures[(figures.kind == kind) & (figures.subset == subset) & (figures.handling == handling)
                  & (figures.result == result) & (figures.measure == "count")]
    assert len(sel) == 1, (kind, subset, handling, result, figures)
    return int(sel["count"].iloc[0])


@pytest.mark.parametrize("text,value", [("57", 57), ("五十七", 57), ("十", 10), ("十二", 12),
                                        ("一百零三", 103), ("两", 2), ("二十", 20)])
def test_cn_number(text, value):
    assert cn_number(text) == value


def test_audit_summary_is_parse_report_s_figures_and_checks():
    figures, checks = audit_summary(OWN)
    report = parse_report(OWN)
    assert figures.equals(report.figures) and checks.equals(report.checks)
    assert list(figures.columns) == FIGURE_COLUMNS
    assert _count(figures, "total") == 20
    assert _count(figures, "人大代表建议", handling="主办") == 5
    assert _count(figures, "人大代表建议", "消防") == 4
    assert _count(figures, "政协提案", "消防", "主办") == 1
    # "主办的3件政协提案中" restates a count, it is no new one
    assert (figures.kind == "政协提案").sum() == 6
    assert checks["ok"].all() and len(checks) == 11


def test_a_wrong_sum_is_flagged():
    _, checks = audit_summary(OWN.replace("会办7件", "会办9件"))
    failing = checks[~checks.ok]
    assert list(failing.check) == ["人大代表建议 = 人大代表建议·主办 + 人大代表建议·会办"]
    assert failing.found.iloc[0] == 14 and "会办 9" in failing.detail.iloc[0]


@pytest.mark.parametrize("text", ["本文没有任何数字。", ""])
def test_no_figures(text):
    figures, checks = audit_summary(text)
    assert figures.empty and checks.empty


def test_wrong_type():
    with pytest.raises(TypeError):
        audit_summary(None)


@pytest.mark.parametrize("text,count", [("共承办建议提案一千二百件。", 1200), ("共承办建议提案两千件。", 2000),
                                        ("共承办建议提案3万件。", None)])
def test_totals_in_thousands(text, count):
    figures, _ = audit_summary(text)
    totals = figures[figures.kind == "total"]["count"].tolist()
    assert totals == ([count] if count is not None else [])


@needs_seed
def test_seed_figures_and_checks():
    figures, checks = audit_summary(SEED_TEXT)
    assert len(figures) == 13
    assert _count(figures, "total") == 57
    assert _count(figures, "人大代表建议") == 29
    assert _count(figures, "人大代表建议", "消防") == 13
    assert _count(figures, "政协提案") == 28
    assert _count(figures, "政协提案", "消防", "会办") == 8
    assert len(checks) == 11 and checks.ok.all()


# ------------------------------------------------------------------ computed from a table

TABLE = pd.DataFrame({
    "类型": ["人大代表建议"] * 3 + ["提案"] * 2,
    "办理方式": ["主办", "会办", "协办", "主办", "会办"],
    "fire_relevant": [True, False, True, False, None],
    "办理结果": ["解决采纳", "A类", "留作参考", "正在解决", "解决采纳"],
    "满意度": ["满意", "满意", "基本满意", "不满意", ""],
})


def test_figures_from_table_count_and_name_their_rows():
    computed = figures_from_table(TABLE, result_col="办理结果", satisfaction_col="满意度")
    assert list(computed.columns) == COMPUTED_COLUMNS
    assert _count(computed, "total") == 5
    assert _count(computed, "人大代表建议", "消防", "会办") == 1
    assert _count(computed, "政协提案", handling="主办") == 1
    assert _count(computed, "total", result="解决采纳") == 3
    assert _count(computed, "人大代表建议", result="满意") == 2
    row = computed[(computed.kind == "人大代表建议") & (computed.subset == "消防") & (computed.handling == "all")].iloc[0]
    assert row["rows"] == (1, 3)  # the rows it counts, 1-based
    rate = computed[(computed.kind == "total") & (computed.result == "满意或基本满意")].iloc[0]
    assert rate.measure == "percent" and rate.percent == 75.0 and rate["rows"] == (1, 2, 3, 4)


def test_figures_from_table_missing_column_says_how_to_fix():
    with pytest.raises(proposal_nlp.InputError, match=r"PN182.*类型.*kind_col="):
        figures_from_table(pd.DataFrame({"x": [1]}))
    assert len(figures_from_table(pd.DataFrame({"x": [1]}), kind_col=None, handling_col=None, fire_col=None)) == 1


def test_compare_stated_and_computed():
    stated, _ = audit_summary("共承办建议提案5件。人大代表建议3件（主办1件，会办2件），其中消防事项2件（主办1件，会办1件）；"
                              "政协提案2件（主办1件，会办1件）。涉及安全生产的建议提案1件。解决采纳4件。")
    cmp = compare_figures(stated, figures_from_table(TABLE, result_col="办理结果"))
    assert list(cmp.columns) == COMPARE_COLUMNS
    by = cmp.set_index(KEYS)
    assert by.loc[("人大代表建议", "all", "会办", "all", "count"), "status"] == "agree"
    assert by.loc[("total", "安全生产", "all", "all", "count"), "status"] == "not computed"
    assert by.loc[("total", "all", "all", "解决采纳", "count"), "status"] == "differ"  # 4 stated, 3 computed
    assert by.loc[("total", "all", "all", "留作参考", "count"), "status"] == "not stated"
    assert list(cmp["status"][:len(stated)]) != ["not stated"] * len(stated)  # stated first, in order
    assert cmp["agree"].sum() == 10


def test_compare_a_satisfaction_rate_counting_basic_satisfaction():
    stated, _ = audit_summary("代表委员满意率100%。")
    computed = figures_from_table(pd.DataFrame({"满意度": ["满意", "基本满意"]}), kind_col=None, handling_col=None,
                                  fire_col=None, satisfaction_col="满意度")
    cmp = compare_figures(stated, computed).set_index(KEYS)
    assert cmp.loc[("total", "all", "all", "满意", "percent"), "agree"]  # 满意率 with 基本满意 in


# ------------------------------------------------------------------ the 基本情况 paragraph of a batch


def seed_like_batch(*, results: bool = True) -> pd.DataFrame:
    """57 rows shaped like the seed's 基本情况: 29 suggestions (11 主办 / 18 会办, 13 fire: 6 / 7),
    28 proposals (9 / 19, 9 fire: 1 / 8); results and satisfaction for every row."""
    rows = []
    for kind, host, assist, fire_host, fire_assist in (("人大代表建议", 11, 18, 6, 7), ("政协提案", 9, 19, 1, 8)):
        for h, n, f in (("主办", host, fire_host), ("会办", assist, fire_assist)):
            rows += [{"kind": kind, "handling": h, "fire_relevant": i < f} for i in range(n)]
    df = pd.DataFrame(rows)
    df.insert(0, "row", range(1, len(df) + 1))
    if results:
        df["result"] = ["解决采纳"] * 45 + ["正在解决或列入计划"] * 8 + ["留作参考"] * 4
        df["satisfaction"] = ["满意"] * 50 + ["基本满意"] * 6 + ["不满意"]
    return df


def test_basic_situation_paragraph_table_and_rows():
    situation = basic_situation(seed_like_batch())
    assert isinstance(situation, BasicSituation) and str(situation) == situation.paragraph
    assert situation.paragraph.startswith(
        "本批共受理建议提案57件。包括人大代表建议29件（主办11件，会办18件），其中消防事项13件（主办6件，会办7件）；")
    assert "从办理结果看，解决采纳45件，正在解决或列入计划8件，留作参考4件。" in situation.paragraph
    assert "满意50件、基本满意6件、不满意1件，满意和基本满意率98.2%" in situation.paragraph
    table = situation.table
    assert list(table.columns) == COMPUTED_COLUMNS and len(table) == 20
    for row in table.itertuples():  # every number slices back and names its rows
        number = situation.paragraph[row.start:row.end]
        assert float(number) == (row.count if row.measure == "count" else row.percent)
        if row.measure == "count":
            assert len(row.rows) == row.count
    fire = table[(table.kind == "人大代表建议") & (table.subset == "消防") & (table.handling == "会办")].iloc[0]
    assert fire["rows"] == tuple(range(12, 19))


def test_basic_situation_reads_back_to_its_table():
    situation = basic_situation(seed_like_batch())
    report = parse_report(situation.paragraph)
    read = report.figures[KEYS + ["count", "percent"]].reset_index(drop=True)
    assert read.equals(situation.table[KEYS + ["count", "percent"]].reset_index(drop=True))
    assert report.ok


def test_basic_situation_without_results_or_satisfaction():
    situation = basic_situation(seed_like_batch(results=False))
    assert "办理结果" not in situation.paragraph and "满意" not in situation.paragraph
    assert len(situation.table) == 13


def test_basic_situation_of_a_batch_result(tmp_path):
    class Result:  # what basic_situation reads of a BatchResult
        proposals = seed_like_batch()

    assert basic_situation(Result()).paragraph == basic_situation(seed_like_batch()).paragraph
    assert figures_from_result(Result()).equals(figures_from_result(seed_like_batch()))
    with pytest.raises(proposal_nlp.InputError, match="PN183"):
        basic_situation("not a table")
    with pytest.raises(proposal_nlp.InputError, match="PN183"):
        figures_from_result(42)


def test_exported():
    assert proposal_nlp.audit_summary is audit_summary
    assert proposal_nlp.basic_situation is basic_situation
    assert proposal_nlp.parse_report is parse_report
