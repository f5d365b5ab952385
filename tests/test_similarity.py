"""proposal_nlp.similarity: the sparse kernels of the matcher against plain numpy references."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import sparse

from proposal_nlp.similarity import (char_codes, count_csr, csls, doc_freq, idf, prune_rows, tfidf_rows, topk,
                                     topk_sparse)

_small = st.integers(0, 3).map(float)  # few values: many ties


def _matrix(elements, max_rows=5, max_cols=8, unique=False):
    shapes = st.tuples(st.integers(1, max_rows), st.integers(1, max_cols))
    return shapes.flatmap(lambda s: hnp.arrays(np.float64, s, elements=elements, unique=unique))


@settings(max_examples=200, deadline=None)
@given(_matrix(st.floats(-1e6, 1e6, allow_nan=False), unique=True), st.integers(1, 10))
def test_topk_is_argsort_for_distinct_scores(S, k):
    want = np.argsort(-S, axis=1, kind="stable")[:, :k]
    np.testing.assert_array_equal(topk(S, k), want)


@settings(max_examples=200, deadline=None)
@given(_matrix(_small), st.integers(1, 10))
def test_topk_with_ties_gives_the_k_largest_values_best_first(S, k):
    got = topk(S, k)
    assert got.shape == (S.shape[0], min(k, S.shape[1]))
    assert all(len(set(row)) == len(row) for row in got.tolist())  # no column twice
    want = -np.sort(-S, axis=1)[:, :k]
    np.testing.assert_array_equal(np.take_along_axis(S, got, axis=1), want)


@settings(max_examples=200, deadline=None)
@given(_matrix(_small), st.integers(1, 10))
def test_topk_sparse_lists_k_columns_with_their_scores(D, k):
    idx, sc = topk_sparse(sparse.csr_matrix(D), k)
    assert idx.shape == sc.shape == (D.shape[0], k)
    for i in range(D.shape[0]):
        m = min(k, D.shape[1])
        row = idx[i, :m].tolist()
        assert len(set(row)) == m and all(0 <= j < D.shape[1] for j in row)
        np.testing.assert_array_equal(sc[i, :m], -np.sort(-D[i])[:m])  # the k best scores, best first
        np.testing.assert_array_equal(D[i, row], sc[i, :m])  # each index points at its score
        zeros = [j for j, s in zip(row, sc[i, :m]) if s == 0]
        assert zeros == sorted(zeros)  # columns at score 0 fill the list, lowest index first


@pytest.mark.parametrize("S, k, want", [
    ([[0.0, 0.0, 0.0]], 2, [[0, 1]]),  # an empty row still lists k candidates
    ([[0.0, 0.5, 0.0, 0.2]], 3, [[1, 3, 0]]),
    ([[0.3, 0.0], [0.0, 0.0]], 2, [[0, 1], [0, 1]]),
])
def test_topk_sparse_table(S, k, want):
    idx, sc = topk_sparse(sparse.csr_matrix(np.array(S)), k)
    assert idx.tolist() == want
    np.testing.assert_array_equal(sc, np.take_along_axis(np.array(S), np.array(want), axis=1))


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.data())
def test_count_csr_counts_pairs(n_rows, n_cols, data):
    pairs = data.draw(st.lists(st.tuples(st.integers(0, n_rows - 1), st.integers(0, n_cols - 1)), max_size=30))
    M = count_csr([r for r, _ in pairs], [c for _, c in pairs], n_rows, n_cols)
    assert M.shape == (n_rows, n_cols) and M.dtype == np.float32
    assert M.has_sorted_indices
    counts = Counter(pairs)
    want = np.zeros((n_rows, n_cols), dtype=np.float32)
    for (r, c), n in counts.items():
        want[r, c] = n
    np.testing.assert_array_equal(M.toarray(), want)
    assert M.nnz == len(counts)  # one stored entry per distinct pair


def test_count_csr_of_no_pairs_is_empty():
    M = count_csr([], [], 3, 4)
    assert M.shape == (3, 4) and M.nnz == 0 and M.dtype == np.float32


def test_csls_lowers_a_hub_column():
    # clause 0 is close to every query; queries 0 and 1 have their own clause just below it
    S = np.array([[0.60, 0.55, 0.10],
                  [0.58, 0.05, 0.50],
                  [0.59, 0.10, 0.08],
                  [0.61, 0.12, 0.11]])
    assert S.argmax(axis=1).tolist() == [0, 0, 0, 0]
    C = csls(S, k=2)
    assert C.shape == S.shape
    assert C.argmax(axis=1).tolist() == [1, 2, 0, 0]
    penalty = 2 * S - C  # what each column and row lose; the hub column loses most in every row
    assert (penalty[:, 0:1] > penalty[:, 1:]).all()
    assert csls(S, k=100).shape == S.shape  # k beyond the matrix: all rows / columns


@settings(max_examples=100, deadline=None)
@given(_matrix(st.floats(-1, 1, allow_nan=False)), st.integers(1, 6), st.floats(-1, 1))
def test_csls_ignores_a_shift_of_every_score(S, k, shift):
    np.testing.assert_allclose(csls(S + shift, k=k), csls(S, k=k), atol=1e-9)


@settings(max_examples=100, deadline=None)
@given(_matrix(st.floats(0.01, 100), max_cols=12, unique=True), st.integers(1, 12))
def test_prune_rows_keeps_the_m_largest_of_each_row(D, m):
    Q = prune_rows(sparse.csr_matrix(D), m)
    for i in range(D.shape[0]):
        kept = set(Q[i].indices.tolist())
        want = set(np.argsort(-D[i])[:m].tolist())
        assert kept == want
        np.testing.assert_array_equal(Q[i].toarray().ravel()[list(kept)], D[i, list(kept)])


@settings(max_examples=100, deadline=None)
@given(_matrix(st.integers(0, 5).map(float), max_cols=10))
def test_tfidf_rows_are_unit_length_or_empty(D):
    C = sparse.csr_matrix(D)
    M = tfidf_rows(C, idf(C, D.shape[0]))
    norms = np.sqrt(np.asarray(M.multiply(M).sum(axis=1)).ravel())
    empty = (D != 0).sum(axis=1) == 0
    np.testing.assert_allclose(norms[~empty], 1.0, rtol=1e-5)
    assert (norms[empty] == 0).all()
    assert ((M.toarray() > 0) == (D > 0)).all()  # a term keeps its place, nothing else appears


def test_doc_freq_and_idf_favour_rare_columns():
    C = sparse.csr_matrix(np.array([[2.0, 1.0, 0.0], [1.0, 0.0, 0.0], [3.0, 0.0, 1.0], [1.0, 1.0, 0.0]]))
    assert doc_freq(C).tolist() == [4, 2, 1]  # rows holding each column, not the counts
    w = idf(C, 4)
    assert w[0] < w[1] < w[2]
    assert w[0] == pytest.approx(1.0)  # a column in every row keeps weight 1 (log 5/5 + 1)


@pytest.mark.parametrize("texts, n_codes, docs", [
    (["消防", "火", "", "abc"], 4, [0, 3, 3, 1]),  # bigrams first, then one-character texts
    (["通道"], 1, [0]),
    (["a"], 1, [0]),
    ([""], 0, []),
    (["ab", "ab"], 2, [0, 1]),
])
def test_char_codes_one_per_bigram_and_per_single_character_text(texts, n_codes, docs):
    codes, doc = char_codes("\0".join(texts))
    assert len(codes) == n_codes and doc.tolist() == docs


def test_char_codes_tell_bigrams_and_single_characters_apart():
    codes, _ = char_codes("\0".join(["ab", "a", "b", "ba"]))
    assert len(set(codes.tolist())) == 4
    same, _ = char_codes("\0".join(["ab", "xab"]))
    assert same[0] in set(same[1:].tolist())  # the same bigram gets the same code


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.integers(2, 30), st.integers(0, 2**32 - 1), st.data())
def test_topk_breaks_ties_by_lower_index(rows, cols, seed, data):
    # few distinct values, so most rows have ties at the k-th place
    S = np.random.default_rng(seed).integers(0, 3, size=(rows, cols)).astype(float)
    k = data.draw(st.integers(1, cols))
    assert np.array_equal(topk(S, k), np.argsort(-S, axis=1, kind="stable")[:, :k])


# ------------------------------------------------------------------ kernels of the rescoring (issue 17)
def test_pair_dots():
    from scipy import sparse

    from proposal_nlp.similarity import pair_dots

    A = sparse.csr_matrix(np.array([[1.0, 0, 2], [0, 1, 0]]))
    B = sparse.csr_matrix(np.array([[1.0, 1, 1], [0, 0, 3]]))
    np.testing.assert_allclose(pair_dots(A, B, [0, 0, 1], [0, 1, 1]), [3.0, 6.0, 0.0])
    assert pair_dots(A, B, [], []).shape == (0,)


def test_soft_coverage_by_clause_and_best_sentence():
    from proposal_nlp.similarity import soft_coverage

    # two query words; clause 0 has sentences [w0] and [w1, x]; clause 1 has no sentence; clause 2 one [y]
    M = np.array([[1.0, 0.0, 0.0, 0.2],
                  [0.0, 1.0, 0.0, 0.65]])
    units = np.array([0, 1, 3, 4])
    groups = np.array([0, 2, 2, 3])
    wq = np.array([1.0, 1.0])
    wd = np.array([1.0, 1.0, 2.0, 1.0])
    q, d, qb, db = soft_coverage(M, units, groups, wq, wd, floor=0.3)
    np.testing.assert_allclose(q, [1.0, 0.0, 0.25])  # clause 0 covers both words; clause 2 half of one
    np.testing.assert_allclose(qb, [0.5, 0.0, 0.25])  # each sentence of clause 0 covers one word
    assert d[0] == pytest.approx(2 / 4) and db[0] == pytest.approx(1.0)  # sentence [w0] is covered whole
    assert d[1] == 0.0 and d[2] == pytest.approx(0.5)


def test_standardise_within_groups():
    from proposal_nlp.similarity import standardise

    X = np.array([[1.0], [3.0], [5.0], [5.0]])
    Z = standardise(X, np.array([0, 0, 1, 1]))
    np.testing.assert_allclose(Z[:, 0], [-1, 1, 0, 0])
    assert standardise(np.zeros((0, 2)), np.zeros(0, int)).shape == (0, 2)


def test_topk_sparse_keeps_out_disallowed_columns():
    from scipy import sparse

    S = sparse.csr_matrix(np.array([[0.0, 0.9, 0.0, 0.1]]))
    idx, sc = topk_sparse(S, 3, allowed=np.array([True, False, True, True]))
    assert idx.tolist() == [[3, 0, 2]] and sc[0, 0] == pytest.approx(0.1)
