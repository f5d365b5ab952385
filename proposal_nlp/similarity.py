"""Sparse kernels of the clause matcher: count matrices, document frequencies, TF-IDF rows,
top-k selection and the CSLS hubness correction. Plain numpy / scipy, no text."""
from __future__ import annotations

import numpy as np


def row_sets(M) -> list[set]:
    """The column indices of each row of CSR ``M`` as sets."""
    return [set(M.indices[M.indptr[i]:M.indptr[i + 1]].tolist()) for i in range(M.shape[0])]


def count_csr(rows, cols, n_rows: int, n_cols: int):
    """Counts of (row, col) pairs as a float32 CSR matrix (sorted indices)."""
    from scipy import sparse

    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    if len(rows) == 0:
        return sparse.csr_matrix((n_rows, n_cols), dtype=np.float32)
    key, counts = np.unique(rows * n_cols + cols, return_counts=True)
    r, c = np.divmod(key, n_cols)
    indptr = np.searchsorted(r, np.arange(n_rows + 1))
    return sparse.csr_matrix((counts.astype(np.float32), c.astype(np.int32), indptr), shape=(n_rows, n_cols))


def char_codes(joined: str):
    """Codes of the char bigrams of NUL-separated texts (no whitespace) and their text index.

    A text of one character contributes that character as its only feature."""
    arr = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    if arr.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    sep = arr == 0
    doc = np.cumsum(sep)
    codes = (arr[:-1] << 21) | arr[1:]
    valid = ~sep[:-1] & ~sep[1:]
    c, d = codes[valid], doc[:-1][valid]
    # one-character texts: the character alone (shifted so it cannot collide with a bigram)
    prev_sep = np.concatenate([[True], sep[:-1]])
    next_sep = np.concatenate([sep[1:], [True]])
    single = ~sep & prev_sep & next_sep
    if single.any():
        c = np.concatenate([c, arr[single]])
        d = np.concatenate([d, doc[single]])
    return c, d


def prune_rows(Q, m: int):
    """Keep the ``m`` largest entries of each row of CSR ``Q`` (query-term pruning)."""
    Q = Q.tocsr()
    counts = np.diff(Q.indptr)
    if counts.max(initial=0) <= m:
        return Q
    keep = np.ones(Q.nnz, dtype=bool)
    for i in np.nonzero(counts > m)[0]:
        a, b = Q.indptr[i], Q.indptr[i + 1]
        order = np.argpartition(-Q.data[a:b], m - 1)[m:]
        keep[a + order] = False
    Q.data[~keep] = 0
    Q.eliminate_zeros()
    return Q


def doc_freq(C) -> np.ndarray:
    return np.bincount(C.indices, minlength=C.shape[1])


def idf(C, n: int) -> np.ndarray:
    return np.log((n + 1) / (doc_freq(C) + 1)) + 1.0


def tfidf_rows(C, idf):
    """Sublinear tf × idf, rows scaled to unit length (CSR float32)."""
    M = C.astype(np.float32, copy=True)
    M.data = (1.0 + np.log(M.data)) * idf.astype(np.float32)[M.indices]
    sq = np.add.reduceat(np.concatenate([M.data ** 2, [0.0]]), M.indptr[:-1]) if M.nnz else np.zeros(M.shape[0])
    sq[np.diff(M.indptr) == 0] = 0.0
    norms = np.sqrt(sq)
    norms[norms == 0] = 1.0
    M.data /= np.repeat(norms, np.diff(M.indptr)).astype(np.float32)
    return M


def topk(S: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the ``k`` largest entries of each row, best first (ties: lower index)."""
    n = S.shape[1]
    if k >= n:
        return np.argsort(-S, axis=1, kind="stable")[:, :k]
    part = np.argpartition(-S, k - 1, axis=1)[:, :k]
    vals = np.take_along_axis(S, part, axis=1)
    # argpartition breaks ties at the k-th value arbitrarily: where an entry equal to it was
    # left out, take everything above it and the lowest columns among those equal to it
    thr = vals.min(axis=1, keepdims=True)
    redo = np.flatnonzero((S == thr).sum(axis=1) > (vals == thr).sum(axis=1))
    for i in redo:
        row, t = S[i], thr[i, 0]
        above = np.flatnonzero(row > t)
        part[i] = np.concatenate([above, np.flatnonzero(row == t)[:k - above.size]])
    part.sort(axis=1)  # column order first, so that the stable sort by value keeps ties by column
    vals = np.take_along_axis(S, part, axis=1)
    order = np.argsort(-vals, axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def topk_sparse(S, k: int, allowed=None):
    """(indices, scores) of the ``k`` best columns of each row of CSR ``S``, best first.

    Columns absent from a row score 0; they fill the list (lowest index first) when a row
    has fewer than ``k`` entries, so every query lists ``k`` candidates. ``allowed`` (a
    boolean mask of the columns) keeps the others out, also of the filling."""
    n_rows, n_cols = S.shape
    if allowed is not None:
        allowed = np.asarray(allowed, dtype=bool)
        if not allowed.all():
            from scipy import sparse

            S = (S @ sparse.diags(allowed.astype(S.dtype))).tocsr()
            S.eliminate_zeros()
            pool = np.flatnonzero(allowed)
            k = min(k, len(pool))
            return _topk_sparse(S, k, pool)
    return _topk_sparse(S, k, None)


def _topk_sparse(S, k: int, pool):
    n_rows, n_cols = S.shape
    idx = np.zeros((n_rows, k), dtype=np.int64)
    sc = np.zeros((n_rows, k), dtype=np.float64)
    for i in range(n_rows):
        a, b = S.indptr[i], S.indptr[i + 1]
        data, cols = S.data[a:b], S.indices[a:b]
        pos = data > 0
        data, cols = data[pos], cols[pos]
        if len(data) > k:
            part = np.argpartition(-data, k - 1)[:k]
            data, cols = data[part], cols[part]
        order = np.lexsort((cols, -data))
        m = len(order)
        idx[i, :m] = cols[order]
        sc[i, :m] = data[order]
        if m < k:  # fill with the first clauses not listed yet, at score 0
            taken = set(idx[i, :m].tolist())
            first = range(min(n_cols, k + m)) if pool is None else pool[:k + m].tolist()
            fill = [j for j in first if j not in taken][:k - m]
            idx[i, m:m + len(fill)] = fill
    return idx, sc


def csls(S: np.ndarray, k: int = 10) -> np.ndarray:
    """Cross-domain similarity local scaling: penalise clauses close to every query."""
    kq = min(k, S.shape[1])
    kd = min(k, S.shape[0])
    rt = np.partition(S, S.shape[0] - kd, axis=0)[-kd:].mean(axis=0)
    qt = np.partition(S, S.shape[1] - kq, axis=1)[:, -kq:].mean(axis=1)
    return 2 * S - rt[None, :] - qt[:, None]


def pair_dots(A, B, rows, cols) -> np.ndarray:
    """Dot products of row ``rows[p]`` of CSR ``A`` with row ``cols[p]`` of CSR ``B`` for each
    pair ``p`` (same number of columns)."""
    if len(rows) == 0:
        return np.zeros(0)
    prod = A[np.asarray(rows)].multiply(B[np.asarray(cols)])
    return np.asarray(prod.sum(axis=1), dtype=np.float64).ravel()


def soft_coverage(M: np.ndarray, units: np.ndarray, groups: np.ndarray, wq: np.ndarray, wd: np.ndarray,
                  floor: float = 0.3):
    """Soft coverage of a query and each of its candidate clauses from word similarities.

    ``M`` (query words × the candidates' words, concatenated) holds 1 for the same word and the
    cosine of two word vectors otherwise; its columns are cut into units (sentences:
    ``units`` gives each unit's first column, one more entry at the end, no unit empty) and
    the units into groups (clauses: ``groups`` gives each group's first unit, a group may have
    none). A similarity is rescaled to ``(s - floor) / (1 - floor)`` and clipped to [0, 1].
    Returns four arrays over the groups: ``q`` the share of the query's word weight ``wq`` the
    group's closest words cover, ``d`` the share of the group's word weight (``wd``, one per
    column) the query covers, and ``q_best`` / ``d_best`` the same for the group's best unit.
    """
    n = len(groups) - 1
    q, d, qb, db = (np.zeros(n) for _ in range(4))
    n_units = len(units) - 1
    if n == 0 or n_units == 0 or M.size == 0:
        return q, d, qb, db
    S = np.clip((M - floor) / (1.0 - floor), 0.0, 1.0)
    ustart = units[:-1]
    best_u = np.maximum.reduceat(S, ustart, axis=1)  # query words × units
    tq = float(wq.sum())
    qu = (wq @ best_u) / tq if tq > 0 else np.zeros(n_units)
    col = S.max(axis=0) * wd  # each column's best query word, weighted
    den_u = np.add.reduceat(wd, ustart)
    du = np.where(den_u > 0, np.add.reduceat(col, ustart) / np.where(den_u > 0, den_u, 1.0), 0.0)
    ne = np.diff(groups) > 0
    if not ne.any():
        return q, d, qb, db
    gs = groups[:-1][ne]
    if tq > 0:
        q[ne] = (wq @ np.maximum.reduceat(best_u, gs, axis=1)) / tq
    qb[ne] = np.maximum.reduceat(qu, gs)
    db[ne] = np.maximum.reduceat(du, gs)
    cs = units[gs]
    den = np.add.reduceat(wd, cs)
    d[ne] = np.where(den > 0, np.add.reduceat(col, cs) / np.where(den > 0, den, 1.0), 0.0)
    return q, d, qb, db


def standardise(X: np.ndarray, groups: np.ndarray, floor: float = 1e-3) -> np.ndarray:
    """Each column of ``X`` standardised within each group of rows (``groups`` sorted and
    contiguous: the candidates of one query): ``(x - mean) / max(std, floor)``."""
    X = np.asarray(X, dtype=np.float64)
    out = np.zeros_like(X)
    if X.shape[0] == 0:
        return out
    bounds = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1], True])
    starts, ends = bounds[:-1], bounds[1:]
    counts = (ends - starts)[:, None]
    sums = np.add.reduceat(X, starts, axis=0)
    mean = sums / counts
    sq = np.add.reduceat(X * X, starts, axis=0) / counts - mean ** 2
    std = np.sqrt(np.maximum(sq, 0.0))
    rep = np.repeat(np.arange(len(starts)), ends - starts)
    out = (X - mean[rep]) / np.maximum(std[rep], floor)
    return out
