"""Normaliser and sentence / clause splitting: lengths kept, offsets slice back."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

# imported from the module: the package attribute `normalize` is shadowed by the submodule
# once it is loaded (reported to the lead)
from proposal_nlp.normalize import Span, normalize, split_clauses, split_sentences


@pytest.mark.parametrize("raw, expected", [
    ("ＡＢＣ１２３", "ABC123"),
    ("（一）加强消防通道管理；", "(一)加强消防通道管理;"),
    ("「韧性」『安全』", "“韧性”‘安全’"),
    ("全角\u3000空格\u00a0和\t制表", "全角 空格 和 制表"),
    ("第一行\r\n第二行", "第一行\n\n第二行"),
    ("㈠不变，①不变，ｶﾀｶﾅ不变", "㈠不变,①不变,ｶﾀｶﾅ不变"),
    ("", ""),
])
def test_normalize_table(raw, expected):
    assert normalize(raw) == expected


@given(st.text())
def test_normalize_keeps_length_and_is_idempotent(text):
    once = normalize(text)
    assert len(once) == len(text)
    assert normalize(once) == once


def test_normalize_keeps_unpaired_surrogates_and_emoji():
    text = "孤立\ud800代理🚒消防\x00"
    assert normalize(text) == text


@pytest.mark.parametrize("bad", [None, 3, b"text"])
def test_bad_types(bad):
    for fn in (normalize, split_sentences, split_clauses):
        with pytest.raises(TypeError, match="PN001"):
            fn(bad)


def test_split_sentences_with_offsets():
    text = "一是加强消防通道管理。二是“规范充电”！  三是完善预案？\n四是"
    spans = split_sentences(text)
    assert [s.text for s in spans] == ["一是加强消防通道管理。", "二是“规范充电”！", "三是完善预案？", "四是"]
    assert all(text[s.start:s.end] == s.text for s in spans)
    assert isinstance(spans[0], Span)


def test_closing_quote_stays_with_its_sentence():
    spans = split_sentences("他说：“要加强。”随后离开。")
    assert spans[0].text == "他说：“要加强。”"


def test_split_clauses():
    text = "建议：一、加强宣传，提高意识；二、完善设施"
    assert [s.text for s in split_clauses(text)] == ["建议：", "一、", "加强宣传，", "提高意识；", "二、", "完善设施"]


def test_empty_and_whitespace_only():
    assert split_sentences("") == [] and split_clauses("") == []
    assert split_sentences(" \n\t ") == []
    assert [s.text for s in split_sentences(" \n ", strip=False)] == [" \n", " "]


@given(st.text(alphabet=st.sampled_from(list("加强消防。！？；，：、\n ”）abc…")), max_size=80))
def test_spans_slice_back_and_tile_without_strip(text):
    for fn in (split_sentences, split_clauses):
        spans = fn(text, strip=False)
        assert "".join(s.text for s in spans) == text
        pos = 0
        for s in spans:
            assert s.start == pos and text[s.start:s.end] == s.text and s.end > s.start
            pos = s.end
        for s in fn(text):
            assert text[s.start:s.end] == s.text and s.text == s.text.strip() and s.text


def test_package_name_normalize_is_callable_after_module_import():
    import subprocess
    import sys

    code = ("from proposal_nlp import Span\nfrom proposal_nlp import normalize\n"
            "assert normalize('ＡＢ１') == 'AB1'\nfrom proposal_nlp.normalize import split_sentences\n"
            "assert split_sentences('甲。乙')[1].start == 2")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_shared_marks():
    from proposal_nlp.normalize import CLAUSE_ENDS, CLOSERS, SENTENCE_ENDS
    assert set(SENTENCE_ENDS) < set(CLAUSE_ENDS)
    # every full-width mark has its half-width form, which is what normalize leaves
    for mark in SENTENCE_ENDS + CLAUSE_ENDS + CLOSERS:
        assert normalize(mark) in SENTENCE_ENDS + CLAUSE_ENDS + CLOSERS
    assert [s.text for s in split_sentences("甲。乙！丙？丁；戊…己\n庚")] == ["甲。", "乙！", "丙？", "丁；", "戊…", "己", "庚"]


@pytest.mark.parametrize("chars, text, hit", [("。!?", "a?b", "?"), ("\n]", "x]y", "]"), ("-^", "a^b", "^")])
def test_char_class_escapes(chars, text, hit):
    import re

    from proposal_nlp.normalize import char_class
    assert re.search(char_class(chars), text).group() == hit
    assert re.fullmatch(char_class(chars, negate=True) + "+", text.replace(hit, "")) is not None


def test_trim_span():
    from proposal_nlp.normalize import trim_span
    text = " \u3000\u00a0建议\n\t "
    s, e = trim_span(text, 0, len(text))
    assert text[s:e] == "建议"
    assert trim_span("；建议；", 0, 4, "；") == (1, 3)
    assert trim_span("   ", 0, 3) == (3, 3)


# ---------------------------------------------------------------------- bounded work per text
@pytest.mark.parametrize("n", [100_000, pytest.param(1_000_000, marks=pytest.mark.slow)])
def test_normalize_and_splitting_take_linear_time_on_pathological_runs(n):
    # ratios of times on the same machine, generous (5x) and damped (least of several runs):
    # a quadratic pattern is hundreds of times slower at this size
    from pathological import slowdowns

    slow = {k: r for k, r in slowdowns(normalize, n).items() if r > 5}
    assert not slow, f"normalize is more than 5x slower on these runs than on normal text: {slow}"
    # (a line of three or four characters is a sentence: there the time follows the spans made)
    slow = {k: r for k, r in slowdowns(split_sentences, n).items()
            if r > 5 and k not in ("cn_heading_lines", "law_article_lines")}
    assert not slow, f"split_sentences is more than 5x slower on these runs than on normal text: {slow}"
