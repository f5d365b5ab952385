"""The suggestion rules: the versioned table of numbers and the shared lexicon patterns."""
from __future__ import annotations

import dataclasses

import pytest

from proposal_nlp import suggest
from proposal_nlp.normalize import normalize
from proposal_nlp.suggest_rules import (
    CLAUSE_MARKS,
    ENDS,
    HEAD_KIND,
    HEADING_RE,
    INTRO_RE,
    RULES,
    RULES_VERSION,
    STOPS,
    SuggestionRules,
)


def test_rules_table_is_versioned_and_frozen():
    assert RULES_VERSION == "suggestion_rules.v1"
    assert suggest.RULES_VERSION == RULES.version == RULES_VERSION
    assert RULES == SuggestionRules()
    with pytest.raises(dataclasses.FrozenInstanceError):
        RULES.lead_chars = 10
    for f in dataclasses.fields(RULES):
        assert isinstance(getattr(RULES, f.name), (int, float, str)), f.name


def test_marks_derive_from_normalize():
    assert "…" not in ENDS and set(ENDS) <= set(STOPS) and ":" in STOPS
    assert "、" not in CLAUSE_MARKS and "," in CLAUSE_MARKS and set(ENDS) <= set(CLAUSE_MARKS)


@pytest.mark.parametrize("line,kind", [
    ("具体建议：", "suggest"), ("四、下一步工作计划\n", "measure"), ("（二）存在问题：", "problem"),
    ("1.基本情况\n", "background"), ("调研情况：", "background"),
])
def test_heading_lines(line, kind):
    m = HEADING_RE.search(normalize(line))
    assert m is not None and HEAD_KIND[m.group("h")] == kind


@pytest.mark.parametrize("text", ["为此建议：", "现提出以下建议：", "建议如下", "我们建议："])
def test_intro_phrases(text):
    assert INTRO_RE.search(normalize(text))
