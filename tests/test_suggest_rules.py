"""The suggestion rules: the versioned table of numbers and the shared lexicon patterns."""
from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proposal_nlp import suggest
from proposal_nlp.normalize import normalize
from proposal_nlp.suggest_rules import (
    ATTACHMENT_RE,
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


# ---------------------------------------------------------------------------- linear-time patterns
def _old_patterns() -> dict:
    """HEADING_RE, INTRO_RE and ATTACHMENT_RE as they were before the linear rewrite (two runs
    of spaces met, so a long run cost quadratic time): the oracle of the rewrite."""
    import re

    from proposal_nlp.normalize import char_class
    from proposal_nlp.numbering import marker_pattern
    from proposal_nlp.suggest_rules import _HEAD_WORDS, ATTACHMENT_RE

    num = marker_pattern(("cn_dun", "cn_paren", "ar_dot", "ar_close", "ar_paren"), capture=False, prose=False) + "?"
    heading = re.compile(rf"(?:^|(?<={char_class(ENDS)}))[ \t]*{num}[ \t]*(?P<h>{_HEAD_WORDS})[ \t]*"
                         r"(?::|(?=[ \t]*\n)|$)", re.M)
    intro = re.compile(INTRO_RE.pattern.replace("[, ]*(?:(?:我们|本人|我)[, ]*)?", "[, ]*(?:我们|本人|我)?[, ]*"))
    attachment = re.compile(r"(?:^|(?<=\n))[ \t]*附\s*件[ \t]*\d*[ \t]*[:：\n]", re.M)
    assert intro.pattern != INTRO_RE.pattern
    return {"heading": (heading, HEADING_RE), "intro": (intro, INTRO_RE), "attachment": (attachment, ATTACHMENT_RE)}


_PIECES = ["具体建议", "对策建议", "下一步工作", "建议", "为此", "我们", "特", "提出", "附件", "附 件", "1", "12", "一、",
           "(二)", "3.", "4)", "(5)", " ", "\t", ",", ":", "：", "\n", "。", "加强", "管理"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=25).map("".join))
def test_linear_patterns_match_as_the_old_ones_did(text):
    for name, (old, new) in _old_patterns().items():
        assert [(m.span(), m.groupdict()) for m in new.finditer(text)] == \
            [(m.span(), m.groupdict()) for m in old.finditer(text)], name


@pytest.mark.parametrize("opener, run, rest", [
    ("具体建议", " ", "加强"), ("\t", "\t", "建议加强"), ("为此", ",", "加强"), ("为此我们", " ", "加强"), ("附件", " ", "加强"),
])
def test_a_long_run_after_a_pattern_start_is_crossed_in_linear_time(opener, run, rest):
    # the work of the three patterns over the text grows like its length: doubling twice
    # costs about 4x (the old patterns: about 16x); 8x leaves room for noise
    from pathological import time_min

    def work(text):
        for pattern in (HEADING_RE, INTRO_RE, ATTACHMENT_RE):
            list(pattern.finditer(text))

    small, big = (opener + run * n + rest for n in (2_000, 8_000))
    assert time_min(work, big) < 8 * time_min(work, small) + 0.005
