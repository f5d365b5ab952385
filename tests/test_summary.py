"""proposal_nlp.summary: the summary table and the 办理情况 paragraph written from it."""
from __future__ import annotations

import pandas as pd

from proposal_nlp.summary import Figure, basic_parts, build_summary, summary_paragraph, summary_parts


def test_summary_paragraph_of_the_seed_figures():
    # the seed's 基本情况: 29 suggestions (11 主办, 18 会办, 13 fire: 6 / 7), 28 proposals (9 / 19, 9 fire: 1 / 8)
    rows = []
    for kind, host, assist, fire_host, fire_assist in (("人大代表建议", 11, 18, 6, 7), ("政协提案", 9, 19, 1, 8)):
        for h, n, f in (("主办", host, fire_host), ("会办", assist, fire_assist)):
            rows += [{"kind": kind, "handling": h, "fire_relevant": i < f, "topics": []} for i in range(n)]
    summary = build_summary(pd.DataFrame(rows), None)
    text = summary_paragraph(summary)
    assert text == ("本批共受理建议提案57件。包括人大代表建议29件（主办11件，会办18件），其中消防事项13件（主办6件，会办7件）；"
                    "政协提案28件（主办9件，会办19件），其中消防事项9件（主办1件，会办8件）。")


def test_summary_counts_topics_asks_coverage_duplicates_and_error_rows():
    proposals = pd.DataFrame({"row": [1, 2, 3], "kind": ["政协提案", "政协提案", ""], "handling": ["主办", "会办", ""],
                              "fire_relevant": [True, False, pd.NA],
                              "topics": [["fire_safety", "e_bikes"], ["fire_safety"], []],
                              "n_asks": [2, 1, pd.NA], "duplicate_id": [False, True, True]})
    suggestions = pd.DataFrame({"row": [1, 1, 2], "coverage": ["covered", "uncovered", "uncovered"]})
    errors = pd.DataFrame({"row": [3, 3, 2], "id": ["", "", ""], "stage": ["classify", "extract", "input"],
                           "message": ["x", "y", "z"]})
    s = build_summary(proposals, suggestions, errors=errors).set_index(["metric", "kind", "handling"])["value"]
    assert s["proposals", "all", "all"] == 3 and s["fire", "all", "all"] == 1
    assert s["proposals", "政协提案", "all"] == 2 and s["proposals", "未注明类型", "all"] == 1
    assert s["fire", "政协提案", "主办"] == 1 and s["fire", "政协提案", "会办"] == 0
    assert s["topic:fire_safety", "all", "all"] == 2 and s["topic:e_bikes", "all", "all"] == 1
    assert s["topic:none", "all", "all"] == 1
    assert s["asks", "all", "all"] == 3 and s["proposals_with_asks", "all", "all"] == 2
    assert [s[f"asks_{v}", "all", "all"] for v in ("covered", "partial", "uncovered")] == [1, 0, 2]
    assert s["duplicate_ids", "all", "all"] == 2
    assert s["rows_with_errors", "all", "all"] == 1  # row 3 (twice); an input note is no error
    unmatched = build_summary(proposals, suggestions, matched=False).set_index("metric")["value"]
    assert unmatched["asks"] == 3 and unmatched["asks_unchecked"] == 3  # not checked: never "none uncovered"
    assert not {"asks_covered", "asks_partial", "asks_uncovered"} & set(unmatched.index)
    text = summary_paragraph(build_summary(proposals, suggestions))
    assert text.startswith("本批共受理建议提案3件") and "政协提案2件（主办1件，会办1件），其中消防事项1件" in text


def test_each_figure_of_the_paragraph_names_its_summary_row():
    proposals = pd.DataFrame({"row": [1, 2], "kind": ["政协提案", "人大代表建议"], "handling": ["主办", "会办"],
                              "fire_relevant": [True, False], "topics": [["fire_safety"], []], "n_asks": [2, 1],
                              "duplicate_id": [False, False]})
    suggestions = pd.DataFrame({"row": [1, 1, 2], "coverage": ["covered", "partial", "uncovered"]})
    summary = build_summary(proposals, suggestions)
    parts = summary_parts(summary)
    assert "".join(map(str, parts)) == summary_paragraph(summary)
    rows = summary.set_index(["metric", "kind", "handling"])["value"]
    figures = [p for p in parts if isinstance(p, Figure)]
    assert figures and all(f.text.rstrip("件条") == str(rows[f.metric, f.kind, f.handling]) for f in figures)
    assert [f.metric for f in figures if f.metric.startswith("asks")] == ["asks", "asks_covered", "asks_partial",
                                                                         "asks_uncovered"]


def test_asks_not_checked_are_not_called_covered_or_uncovered():
    proposals = pd.DataFrame({"row": [1], "n_asks": [2]})
    suggestions = pd.DataFrame({"row": [1, 1], "coverage": [None, None]})
    text = summary_paragraph(build_summary(proposals, suggestions, matched=False))
    assert text == "本批共受理1件。共提取具体建议2条，本次未对照措施。"


def test_results_and_satisfaction_in_the_summary_and_paragraph():
    proposals = pd.DataFrame({"kind": ["人大代表建议", "人大代表建议", "政协提案"], "handling": ["主办", "会办", "主办"],
                              "result": ["解决采纳", "留作参考", "解决采纳"], "satisfaction": ["满意", "基本满意", ""]})
    summary = build_summary(proposals)
    s = summary.set_index(["metric", "kind", "handling"])["value"]
    assert s["result:解决采纳", "all", "all"] == 2 and s["result:解决采纳", "政协提案", "all"] == 1
    assert s["result:因条件限制暂不能解决", "all", "all"] == 0 and s["satisfaction:满意", "人大代表建议", "all"] == 1
    text = summary_paragraph(summary)
    assert "从办理结果看，解决采纳2件，留作参考1件。" in text
    assert "已反馈满意度的2件中，满意1件、基本满意1件，满意和基本满意率100%。" in text
    figures = [p for p in summary_parts(summary) if isinstance(p, Figure)]
    assert [f.metric for f in figures][-3:] == ["satisfaction:满意", "satisfaction:基本满意", "satisfaction_rate"]


def test_results_known_for_some_rows_are_said_so():
    proposals = pd.DataFrame({"kind": ["政协提案"] * 3, "result": ["解决采纳", "已函复", ""]})
    assert "已明确办理结果的1件中，解决采纳1件。" in summary_paragraph(build_summary(proposals))


def test_basic_parts_leave_out_asks_and_errors():
    proposals = pd.DataFrame({"row": [1, 2], "kind": ["政协提案", "人大代表建议"], "n_asks": [1, 0],
                              "duplicate_id": [True, True]})
    suggestions = pd.DataFrame({"row": [1], "coverage": ["covered"]})
    summary = build_summary(proposals, suggestions)
    assert "具体建议" in summary_paragraph(summary)
    basic = "".join(map(str, basic_parts(summary)))
    assert basic == "本批共受理建议提案2件。包括人大代表建议1件；政协提案1件。"
    assert basic_parts(None) == ["本批没有可统计的建议提案。"]
