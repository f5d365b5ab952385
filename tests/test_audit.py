from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, strategies as st

import proposal_nlp
from proposal_nlp.audit import audit_summary, cn_number, compare_figures, figures_from_table

SEED = Path(__file__).resolve().parents[1] / ".." / "shared" / "seeds" / "000_58b9e089a002dfe6.txt"

# a summary written for these tests, in the genre's usual wording
OWN = ("今年我局共承办建议提案二十件。包括人大代表建议12件（主办5件，会办7件），其中消防事项4件（主办2件，会办2件）；"
       "政协提案8件（主办3件，会办5件），其中消防事项3件（主办1件，会办2件）。主办的3件政协提案中，办理结果均为“解决采纳”。")


def _count(figures, kind, subset, handling):
    sel = figures[(figures.kind == kind) & (figures.subset == subset) & (figures.handling == handling)]
    assert len(sel) == 1, (kind, subset, handling, figures)
    return int(sel["count"].iloc[0])


@pytest.mark.parametrize("text,value", [("57", 57), ("五十七", 57), ("十", 10), ("十二", 12),
                                        ("一百零三", 103), ("两", 2), ("二十", 20)])
def test_cn_number(text, value):
    assert cn_number(text) == value


def test_own_summary_figures_and_checks():
    figures, checks = audit_summary(OWN)
    assert _count(figures, "total", "all", "all") == 20
    assert _count(figures, "人大代表建议", "all", "主办") == 5
    assert _count(figures, "人大代表建议", "消防事项", "all") == 4
    assert _count(figures, "政协提案", "all", "会办") == 5
    assert _count(figures, "政协提案", "消防事项", "主办") == 1
    # "主办的3件政协提案中" is a reference to a subset, not a new total
    assert (figures.kind == "政协提案").sum() == 6
    assert checks["ok"].all(), checks


def test_inconsistent_summary_is_flagged():
    bad = OWN.replace("会办7件", "会办9件")
    _, checks = audit_summary(bad)
    failing = checks[~checks.ok]
    assert list(failing.check) == ["人大代表建议 all: 主办 + 会办"]
    assert failing.found.iloc[0] == 14


def test_no_figures():
    figures, checks = audit_summary("本文没有任何数字。")
    assert figures.empty and checks.empty
    assert audit_summary("")[0].empty


def test_wrong_type():
    with pytest.raises(TypeError):
        audit_summary(None)


@given(st.text(alphabet="共承办建议提案件主办会办消防事项其中人大代表政协（）()，,。；0123456789一二十", max_size=200))
def test_offsets_point_at_numbers(text):
    figures, _ = audit_summary(text)
    for row in figures.itertuples():
        assert 0 <= row.start < row.end <= len(text)
        assert cn_number(text[row.start:row.end]) == row.count


@pytest.mark.skipif(not SEED.is_file(), reason="shared seed not present (fresh machine)")
def test_seed_summary():
    figures, checks = audit_summary(SEED.read_text(encoding="utf-8"))
    assert _count(figures, "total", "all", "all") == 57
    assert _count(figures, "人大代表建议", "all", "all") == 29
    assert _count(figures, "人大代表建议", "消防事项", "all") == 13
    assert _count(figures, "政协提案", "all", "all") == 28
    assert _count(figures, "政协提案", "消防事项", "会办") == 8
    assert len(checks) == 11 and checks.ok.all()


def test_figures_from_table_and_compare():
    table = pd.DataFrame({
        "类型": ["人大代表建议"] * 3 + ["提案"] * 2,
        "办理方式": ["主办", "会办", "会办", "主办", "会办"],
        "fire_relevant": [True, False, True, False, None],
    })
    computed = figures_from_table(table)
    assert _count(computed, "total", "all", "all") == 5
    assert _count(computed, "人大代表建议", "消防事项", "会办") == 1
    assert _count(computed, "政协提案", "all", "主办") == 1
    stated, _ = audit_summary("共承办建议提案5件。人大代表建议3件（主办1件，会办2件），其中消防事项2件（主办1件，会办1件）；政协提案2件（主办1件，会办1件）。")
    cmp = compare_figures(stated, computed)
    assert cmp.set_index(["kind", "subset", "handling"]).loc[("人大代表建议", "all", "会办"), "agree"]
    assert not cmp[cmp.stated.notna()].agree.eq(False).any()


def test_figures_from_table_missing_column():
    with pytest.raises(proposal_nlp.InputError, match="类型"):
        figures_from_table(pd.DataFrame({"x": [1]}))


def test_exported():
    assert proposal_nlp.audit_summary is audit_summary


@pytest.mark.parametrize("text,count", [("共承办建议提案一千二百件。", 1200), ("共承办建议提案两千件。", 2000),
                                        ("共承办建议提案3万件。", None)])
def test_totals_in_thousands(text, count):
    figures, _ = audit_summary(text)
    totals = figures[figures.kind == "total"]["count"].tolist()
    assert totals == ([count] if count is not None else [])
