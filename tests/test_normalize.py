"""Normaliser and sentence / clause splitting: lengths kept, offsets slice back."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

# imported from the module: the package attribute `normalize` is shadowed by the submodule
# once it is loaded (reported to the lead)
from proposal_nlp.normalize import (Span, is_missing, normalize, normalize_handling, normalize_kind, split_clauses,
                                    split_sentences)


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


@pytest.mark.parametrize("value, kind", [("建议", "人大代表建议"), ("市人大代表建议", "人大代表建议"), ("提案", "政协提案"),
                                         ("政协委员提案", "政协提案"), ("代表议案", "议案"), (" 区政协提案 ", "政协提案"),
                                         ("农林水利", "农林水利"), ("", ""), (None, "")])
def test_normalize_kind(value, kind):
    assert normalize_kind(value) == kind


@pytest.mark.parametrize("value, handling", [("主办", "主办"), ("协办", "会办"), ("会办", "会办"), ("单办", "主办"),
                                             (" 独办", "主办"), ("分办", "分办"), (None, "")])
def test_normalize_handling(value, handling):
    assert normalize_handling(value) == handling


@pytest.mark.parametrize("value, missing", [
    (None, True), (float("nan"), True), (np.nan, True), (np.float32("nan"), True), (pd.NA, True), (pd.NaT, True),
    (np.datetime64("NaT"), True), ("", False), ("nan", False), (0, False), (0.0, False), ([], False), (False, False),
    (np.array([1.0, np.nan]), False),
])
def test_is_missing(value, missing):
    assert is_missing(value) is missing


# ---------------------------------------------------------------------- traditional characters
@pytest.mark.parametrize("raw, expected", [
    ("關於加強消防安全管理的建議", "关于加强消防安全管理的建议"),
    ("為此建議：一、徵求意見", "为此建议:一、征求意见"),
    ("乾坤、蒜薹、麽", "乾坤、蒜薹、麽"),  # characters simplified Chinese writes as they are stay
    ("关于加强消防安全管理的建议", "关于加强消防安全管理的建议"),
])
def test_normalize_reads_traditional_as_simplified(raw, expected):
    assert normalize(raw) == expected
    assert len(normalize(raw)) == len(raw)


def test_to_simplified_is_the_identity_on_simplified_text():
    import json
    from pathlib import Path

    from proposal_nlp.normalize import to_simplified
    from proposal_nlp.resources import load_lexicon, load_synonyms

    root = Path(__file__).resolve().parents[1]
    texts = [p.read_text(encoding="utf-8") for p in (root / "corpora" / "demo").glob("*.txt")]
    card = root / "proposal_nlp" / "data" / "models" / "em-v1.card.json"
    texts += json.loads(card.read_text(encoding="utf-8"))["sample_texts"]  # what the card's predictions read
    texts += [e.term for e in load_lexicon(None)] + [f"{k}{v}" for k, v in load_synonyms().items()]
    changed = [t[:40] for t in texts if to_simplified(t) != t]
    assert len(texts) > 700 and not changed


@given(st.text(alphabet=st.sampled_from(list("關於加強為建議乾坤徵麽消防后後裡里臺台ＡＢ１，「」\ud800🚒 \n")), max_size=60))
def test_to_simplified_keeps_length_and_is_idempotent(text):
    from proposal_nlp.normalize import to_simplified

    once = to_simplified(text)
    assert len(once) == len(text) and to_simplified(once) == once
    assert normalize(text) == normalize(once) and normalize(text) == to_simplified(normalize(text))


def test_the_table_is_loaded_on_first_use_not_at_import():
    import subprocess
    import sys

    code = ("import proposal_nlp.normalize as n, proposal_nlp.resources as r\n"
            "assert r.load_t2s.cache_info().currsize == 0\n"
            "assert n.normalize('關於') == '关于' and r.load_t2s.cache_info().currsize == 1")
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------------- characters UTF-8 cannot encode
@pytest.mark.parametrize("raw, expected, n", [
    ("消防\ud800通道", "消防\ufffd通道", 1),
    ("\udfff孤立\ud800", "\ufffd孤立\ufffd", 2),
    ("\ud83d\ude92", "\ufffd\ufffd", 2),  # a pair left as two code points is two lone halves
    ("🚒消防\x00", "🚒消防\x00", 0),
    ("", "", 0),
])
def test_replace_unencodable(raw, expected, n):
    from proposal_nlp.normalize import replace_unencodable

    assert replace_unencodable(raw) == (expected, n)


@given(st.text())
def test_replace_unencodable_keeps_length_and_gives_utf8(text):
    from proposal_nlp.normalize import replace_unencodable, replace_unencodable_in

    out, n = replace_unencodable(text)
    assert len(out) == len(text) and out.encode("utf-8").decode("utf-8") == out
    assert n == sum(a != b for a, b in zip(text, out)) and replace_unencodable(out) == (out, 0)
    assert replace_unencodable_in([text, 3, None]) == ([out, 3, None], n)


def test_replace_unencodable_refuses_a_non_text():
    from proposal_nlp.normalize import replace_unencodable

    with pytest.raises(TypeError, match="PN001"):
        replace_unencodable(b"\xed\xa0\x80")


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
