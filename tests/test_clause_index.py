"""proposal_nlp.clause_index: clause sentences, the lexical index (sentence rows summed to
clauses), query texts, and the legacy full-matrix fusion the reply benchmark uses."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proposal_nlp.clause_index import ClauseIndex, clause_sentences, encodable, query_texts
from proposal_nlp.errors import DataWarning, InputTypeError
from proposal_nlp.match import ClauseMatcher


@pytest.mark.parametrize("text, want", [
    ("单位应当履行下列职责。\n（一）落实消防安全责任制；（二）定期检查。", ["单位应当履行下列职责。",
                                                         "\n（一）落实消防安全责任制；", "（二）定期检查。"]),
    ("一、\n消防通道畅通。", ["一、\n消防通道畅通。"]),  # a bare number joins the next sentence
    ("短。", ["短。"]),
    ("", [""]),
])
def test_clause_sentences(text, want):
    assert clause_sentences(text) == want


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="消防通道。；！\n（一）abc ", max_size=60))
def test_clause_sentences_join_back(text):
    parts = clause_sentences(text)
    assert parts and "".join(parts) == text


def test_query_texts_and_encodable():
    assert query_texts("消防") == ["消防"]
    assert query_texts([None, float("nan"), "x"]) == ["", "", "x"]
    with pytest.raises(InputTypeError):
        query_texts([3])
    with pytest.warns(DataWarning, match="PN010"):
        assert encodable(["a\ud800b"], "the queries") == ["a\ufffdb"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert encodable(["ab"], "x") == ["ab"]


def test_index_counts_are_the_sums_of_their_sentences():
    texts = ["单位应当保障疏散通道畅通。禁止占用消防车通道。", "电动自行车不得在楼道充电。"]
    m = ClauseMatcher(model=None, domain=None).fit([{"clause_id": str(i), "text": t} for i, t in enumerate(texts)])
    assert isinstance(m, ClauseIndex)
    assert m.sent_ptr_.tolist() == [0, 2, 3]
    assert m.sent_terms_.shape[0] == 3 and m.sent_tfidf_.shape[0] == 3
    # every content word of a clause is in one of its sentences
    clause_words = set(m.word_index_[0].indices.tolist())
    sent_words = set(m.sent_terms_[0].indices.tolist()) | set(m.sent_terms_[1].indices.tolist())
    assert sent_words <= clause_words


def test_legacy_fusion_rebuilds_from_the_channels(clauses):
    m = ClauseMatcher(model=None).fit(clauses)
    asks = ["老旧小区电动自行车充电", "危化品运输", "地下车库积水"]
    C = m.channel_scores(asks)
    w = m.weights_
    np.testing.assert_allclose(sum(w[c] ** 2 * C[c] for c in ("bm25", "tfidf", "char")), m.score_matrix(asks),
                               atol=1e-5)
