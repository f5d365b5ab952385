"""Same concern, one group: messages on one problem at one place, proposals with the same asks.

:func:`group_similar` puts texts that raise the same concern into one group:

- **messages** (``kind="messages"``): the same problem at the same place. Places are read by
  :func:`proposal_nlp.places.extract_places` (from the title when it names one, otherwise from
  the opening of the text); two messages naming different places are never grouped, however
  alike their words (a copy of a complaint about another estate is another issue). The problem
  is compared on character 2- and 3-gram TF-IDF of the title and the opening of the text; the
  bar is lower when the two name the same estate, road or village, higher when they share only
  a 街道 / 镇, a district, or name no place at all (:data:`MESSAGE_THRESHOLDS`).
- **proposals** (``kind="proposals"``): the same asks on the same subject. Each proposal's asks
  are extracted (:func:`proposal_nlp.extract_suggestions`, or given as ``asks``); two proposals
  are alike when their subjects (title and text) are alike **and** their asks answer each other
  (each ask's best match in the other proposal, averaged both ways), so two proposals on one
  broad subject that ask for different things stay apart.

Groups are built by average linkage over candidate pairs: the nearest neighbours of each text
(a sparse product on rare n-grams, in blocks) and the texts that name the same place. A pair
links two groups only when the average similarity of all their members clears the bar, which
keeps one loose pair from chaining two issues together. This keeps 100,000 messages within a
few minutes and a few GB; the features are lexical, and a vector channel can join the pair
score later (``_pair_scores``) without changing the clustering.

:func:`find_similar` lists the earlier proposals (or messages) most like a new one, with the
asks they share. Heat and the table of groups are in :mod:`proposal_nlp.hot`.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import InputError, InputTypeError
from .normalize import normalize
from .places import EMPTY, PlaceSet, extract_places, overlap, place_set
from .similarity import count_csr, idf as idf_of, tfidf_rows

log = logging.getLogger(__name__)

__all__ = ["group_similar", "find_similar", "common_asks", "shared_asks", "place_level", "message_rows", "MessageRow", "KINDS", "GROUP_COLUMNS",
           "SIMILAR_COLUMNS", "MESSAGE_THRESHOLDS", "PROPOSAL_THRESHOLDS"]

KINDS = ("messages", "proposals")
GROUP_COLUMNS = ["row", "id", "group", "group_size", "similarity_to_group", "place"]
SIMILAR_COLUMNS = ["rank", "id", "row", "score", "asks_score", "shared_asks"]

#: the bar a pair of messages (and the average of two groups) must clear, by what places they share
MESSAGE_THRESHOLDS = {"fine": 0.20, "coarse": 0.35, "district": 0.40, "unknown": 0.40}
#: proposals: subject and asks must both clear their bar; the pair score is their mean
PROPOSAL_THRESHOLDS = {"pair": 0.22, "asks": 0.20}
#: weights of the channels of a proposal's vector (their dot products add up to the pair score)
PROPOSAL_WEIGHTS = {"title_words": 0.2, "title_chars": 0.2, "text_words": 0.3, "ask_words": 0.3}
TITLE_WEIGHT = 0.6  # share of the title in a message's vector when a title is given
BODY_CHARS = 300
PLACE_CHARS = 150
MASK_PLACES = True  # compare the problem of messages without the place names they hold  # a text without a title: places are read in its opening only
#: suffixes that make a place read from a text (not a title) count: estates, villages, schools ...
STRONG_SUFFIXES = ("小区", "花园", "家园", "公寓", "大厦", "广场", "苑", "庭", "府", "城", "村", "社区", "学校", "小学",
                   "中学", "幼儿园", "医院", "市场", "公司", "大道", "路", "街", "湖", "园")  # characters of a message's text compared (the opening states the problem)
PROPOSAL_CHARS = 3000
ASK_CHARS = 200
SHARED_ASK = 0.45  # two asks are shared when their cosine reaches this
NEIGHBOURS = 30  # nearest neighbours taken as candidate pairs per text
EXACT_ROWS = 4000  # up to this many texts every pair is scored; above, rare n-grams find neighbours
BLOCK_ROWS = 2000  # rows of the neighbour product at a time (a quarter of it above EXACT_ROWS)
RARE_SHARE = 0.002  # above EXACT_ROWS, neighbours are found on n-grams in at most this share of the texts
QUERY_TERMS = 64  # ... and on each text's heaviest of them
PAIR_BLOCK = 20000  # pairs (or rows) whose cosine is computed at a time (memory)
PLACE_BLOCK = 300  # texts naming one place: every pair is a candidate up to this many
_NON_WORD = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+")


# ---------------------------------------------------------------------------------------- features
def _clean(text: str) -> str:
    """Lower-cased normalised text with every run of non-word characters made one NUL."""
    return _NON_WORD.sub("\x00", normalize(text).lower())


def _codes(texts: list[str], ns=(2, 3)) -> tuple[np.ndarray, np.ndarray]:
    """(n-gram codes, their text index) of cleaned texts; 2- and 3-grams never share a code."""
    lens = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
    arr = np.frombuffer(("\x00".join(texts) + "\x00").encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    doc = np.repeat(np.arange(len(texts), dtype=np.int64), lens)
    out_c, out_d = [], []
    word = arr != 0
    for n in ns:
        if arr.size < n:
            continue
        code = np.zeros(arr.size - n + 1, dtype=np.int64)
        ok = np.ones(arr.size - n + 1, dtype=bool)
        for k in range(n):
            code = (code << 21) | arr[k:arr.size - n + 1 + k]
            ok &= word[k:arr.size - n + 1 + k]
        out_c.append(code[ok])
        out_d.append(doc[:arr.size - n + 1][ok])
    if not out_c:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(out_c), np.concatenate(out_d)


def _count_matrix(texts: list[str], chunk: int = 10000):
    """Counts of the 2- and 3-grams of cleaned texts: CSR (texts x n-grams), built in chunks of
    ``chunk`` texts (each chunk's counts are made at once, so memory follows the counts, not the
    characters)."""
    from scipy import sparse

    parts, vocabs = [], []
    for s in range(0, len(texts), chunk):
        sub = texts[s:s + chunk]
        c, d = _codes(sub)
        vocab, col = np.unique(c, return_inverse=True)
        del c
        parts.append(count_csr(d, col, len(sub), max(vocab.size, 1)))
        vocabs.append(vocab)
    vocab = np.unique(np.concatenate(vocabs)) if vocabs else np.zeros(0, np.int64)
    if vocab.size == 0:
        return sparse.csr_matrix((len(texts), 1), dtype=np.float32)
    parts = [sparse.csr_matrix((C.data, np.searchsorted(vocab, local)[C.indices].astype(np.int32) if local.size
                                else C.indices, C.indptr), shape=(C.shape[0], vocab.size))
             for C, local in zip(parts, vocabs)]
    out = sparse.vstack(parts, format="csr")
    out.sort_indices()
    return out


def _tfidf(texts: list[str]):
    C = _count_matrix(texts)
    return tfidf_rows(C, idf_of(C, C.shape[0]))


def _combine(parts: list[tuple[float, object]]):
    """Weighted sum of row-normalised matrices, rows scaled to unit length again."""
    from scipy import sparse
    from sklearn.preprocessing import normalize as l2

    X = sparse.hstack([w * M for w, M in parts], format="csr").astype(np.float32)
    return l2(X, copy=False)


# ---------------------------------------------------------------------------------------- messages
@dataclass(frozen=True)
class MessageRow:
    """What grouping reads of one message: its cleaned title and opening, and its places."""

    title: str
    body: str
    places: PlaceSet
    place: str  # the place shown (the first fine place, else coarse, else district; "" when none)


def message_rows(texts: list[str], titles: list[str] | None = None) -> list[MessageRow]:
    """The per-message part of grouping (no corpus statistics): a partition can run it alone."""
    out = []
    for k, text in enumerate(texts):
        title = titles[k] if titles is not None else ""
        ps = [p for p in extract_places(title) if p.level != "fine" or _strong(p)] if title else []
        if not any(p.level in ("fine", "coarse") for p in ps):  # the title names none: the opening's
            has_district = any(p.level == "district" for p in ps)
            ps = ps + [p for p in extract_places(text[:PLACE_CHARS])
                       if (p.level == "fine" and _strong(p)) or p.level == "coarse"
                       or (p.level == "district" and not has_district)]
        pset = place_set(ps) if ps else EMPTY
        shown = next((p.text for lvl in ("fine", "coarse", "district") for p in ps if p.level == lvl), "")
        out.append(MessageRow(_clean(title), _clean(text[:BODY_CHARS]), pset, shown))
    return out


def _strong(p) -> bool:
    """A fine place sure enough to set two messages apart: an estate, village, school, road ...
    with a name of two characters or more."""
    return p.text.endswith(STRONG_SUFFIXES) and len(p.key) >= 2


def _message_matrix(rows: list[MessageRow]):
    has_title = any(r.title.strip("\x00") for r in rows)
    B = _tfidf([r.body for r in rows])
    if not has_title:
        return B
    T = _tfidf([r.title for r in rows])
    return _combine([(TITLE_WEIGHT, T), (1.0 - TITLE_WEIGHT, B)])


def place_level(a: PlaceSet, b: PlaceSet) -> str | None:
    """What two place sets share: ``fine``, ``coarse``, ``district``, ``unknown`` (one names none),
    or None when they name different places (never grouped): two districts, or, at the finest
    level both name, two places."""
    if a.district and b.district and not overlap(a.district, b.district):
        return None  # two cities or districts
    for level in ("fine", "coarse", "district"):
        x, y = getattr(a, level), getattr(b, level)
        if x and y:
            return level if overlap(x, y) else None  # two estates, roads, schools, towns ...
    return "unknown"


# ---------------------------------------------------------------------------------------- candidates
def _neighbours(X, k: int, min_sim: float):
    """Candidate pairs (i < j): all pairs up to EXACT_ROWS texts; above, the k nearest of each
    text found on its QUERY_TERMS rarest-weighted n-grams among those in at most RARE_SHARE of
    the texts (an n-gram every text has makes every pair a candidate and finds nothing)."""
    from .similarity import prune_rows

    n = X.shape[0]
    if n <= 1:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    exact = n <= EXACT_ROWS
    if exact:
        Q, R = X, X.T.tocsr()
    else:
        df = np.bincount(X.indices, minlength=X.shape[1])
        keep = np.flatnonzero((df > 1) & (df <= max(50, int(RARE_SHARE * n))))
        Q = prune_rows(X[:, keep].tocsr(), QUERY_TERMS)
        R = X[:, keep].T.tocsr()
    floor = min_sim if exact else min_sim * 0.5  # pruned vectors score below their cosine
    ii, jj = [], []
    block = BLOCK_ROWS if exact else max(64, BLOCK_ROWS // 4)
    for s in range(0, n, block):
        S = (Q[s:s + block] @ R).tocoo()
        keep = (S.data >= floor) & (S.col != S.row + s)  # a text is not its own neighbour
        r, c, v = S.row[keep], S.col[keep], S.data[keep]
        order = np.lexsort((c, -v, r))  # each row's best first (ties: lower column)
        r, c = r[order], c[order]
        starts = np.searchsorted(r, r, side="left")
        first_k = (np.arange(len(r)) - starts) < k
        ii.append(r[first_k] + s)
        jj.append(c[first_k])
    i, j = np.concatenate(ii).astype(np.int64), np.concatenate(jj).astype(np.int64)
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    key = np.unique(lo * n + hi)
    return key // n, key % n


def _place_pairs(rows: list[MessageRow]):
    """All pairs of messages naming the same fine place key (blocks of up to PLACE_BLOCK)."""
    by: dict[str, list[int]] = {}
    for k, r in enumerate(rows):
        for key in r.places.fine:
            by.setdefault(key, []).append(k)
    ii, jj = [], []
    for members in by.values():
        if 1 < len(members) <= PLACE_BLOCK:
            m = np.asarray(members)
            a, b = np.triu_indices(len(m), 1)
            ii.append(m[a])
            jj.append(m[b])
    if not ii:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(ii), np.concatenate(jj)


def _row_dots(X, i, j) -> np.ndarray:
    """Cosine of each pair (i[k], j[k]) of unit rows of CSR ``X``, in blocks."""
    out = np.empty(len(i), dtype=np.float64)
    for s in range(0, len(i), PAIR_BLOCK):
        a, b = X[i[s:s + PAIR_BLOCK]], X[j[s:s + PAIR_BLOCK]]
        out[s:s + PAIR_BLOCK] = np.asarray(a.multiply(b).sum(axis=1)).ravel()
    return out


# ---------------------------------------------------------------------------------------- clustering
class _Clusters:
    """Union-find with members, for greedy average linkage over candidate pairs."""

    def __init__(self, n: int):
        self.parent = list(range(n))
        self.members = {k: [k] for k in range(n)}

    def find(self, a: int) -> int:
        root = a
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[a] != root:
            self.parent[a], a = root, self.parent[a]
        return root

    def union(self, a: int, b: int) -> int:
        if len(self.members[a]) < len(self.members[b]):
            a, b = b, a
        self.parent[b] = a
        self.members[a].extend(self.members.pop(b))
        return a

    def labels(self) -> np.ndarray:
        return np.fromiter((self.find(k) for k in range(len(self.parent))), dtype=np.int64, count=len(self.parent))


def _candidates(X, floor: float, extra=None):
    """Candidate pairs (i < j, unique) and their cosine, those below ``floor`` dropped."""
    n = X.shape[0]
    i, j = _neighbours(X, NEIGHBOURS, floor)
    if extra is not None:
        i, j = np.concatenate([i, extra[0]]), np.concatenate([j, extra[1]])
    if len(i):
        key = np.unique(i * n + j)
        i, j = key // n, key % n
    sims = _row_dots(X, i, j) if len(i) else np.zeros(0)
    keep = sims >= floor
    return i[keep], j[keep], sims[keep]


def _agglomerate(X, i, j, sims, bar) -> np.ndarray:
    """Greedy average linkage over candidate pairs, best pair first: two groups merge when the
    mean cosine of all their members (from the groups' summed unit vectors) reaches
    ``bar(root_a, root_b)``; ``bar`` returns None where the two may never merge. Returns each
    row's root."""
    cl = _Clusters(X.shape[0])
    sums: dict[int, object] = {}
    for e in np.lexsort((j, i, -sims)):
        a, b = cl.find(int(i[e])), cl.find(int(j[e]))
        if a == b:
            continue
        need = bar(a, b)
        if need is None or sims[e] < need:
            continue
        sa = sums[a] if a in sums else X[a]
        sb = sums[b] if b in sums else X[b]
        na, nb = len(cl.members[a]), len(cl.members[b])
        if na * nb > 1 and float(sa.multiply(sb).sum()) / (na * nb) < need:
            continue
        sums.pop(a, None)
        sums.pop(b, None)
        root = cl.union(a, b)
        sums[root] = sa + sb
        if hasattr(bar, "merged"):
            bar.merged(root, a, b)
    return cl.labels()


class _PlaceBar:
    """The bar of two groups of messages: by the places they share; None for different places."""

    def __init__(self, rows: list[MessageRow], thresholds: dict):
        self.places = {k: r.places for k, r in enumerate(rows)}
        self.thresholds = thresholds

    def __call__(self, a: int, b: int):
        level = place_level(self.places[a], self.places[b])
        return None if level is None else self.thresholds[level]

    def merged(self, root: int, a: int, b: int) -> None:
        pa, pb = self.places.pop(a), self.places.pop(b)
        self.places[root] = _merge_places(pa, pb)


def _cluster_messages(X, rows: list[MessageRow], thresholds: dict) -> tuple[np.ndarray, np.ndarray]:
    """Messages: candidate pairs from neighbours and shared places, average linkage by place bar."""
    i, j, sims = _candidates(X, min(thresholds.values()), _place_pairs(rows))
    labels = _agglomerate(X, i, j, sims, _PlaceBar(rows, thresholds))
    return labels, _similarity_to_group(X, labels)


def _merge_places(a: PlaceSet, b: PlaceSet) -> PlaceSet:
    return PlaceSet(a.fine | b.fine, a.coarse | b.coarse, a.district | b.district)


def _similarity_to_group(X, labels: np.ndarray) -> np.ndarray:
    """Mean cosine of each text to the other members of its group (1.0 alone)."""
    from scipy import sparse

    n = X.shape[0]
    uniq, inv = np.unique(labels, return_inverse=True)
    G = sparse.csr_matrix((np.ones(n, np.float32), (inv, np.arange(n))), shape=(len(uniq), n))
    sums = (G @ X).tocsr()
    size = np.bincount(inv)
    own = _row_dots_mixed(X, sums, inv)
    out = np.ones(n)
    multi = size[inv] > 1
    out[multi] = (own[multi] - 1.0) / (size[inv][multi] - 1)
    return np.clip(out, 0.0, 1.0)


def _row_dots_mixed(X, S, inv) -> np.ndarray:
    out = np.empty(X.shape[0])
    for s in range(0, X.shape[0], PAIR_BLOCK):
        out[s:s + PAIR_BLOCK] = np.asarray(X[s:s + PAIR_BLOCK].multiply(S[inv[s:s + PAIR_BLOCK]]).sum(axis=1)).ravel()
    return out


# ---------------------------------------------------------------------------------------- proposals
def _asks_of(texts: list[str], asks) -> list[list[str]]:
    if asks is not None:
        if len(asks) != len(texts):
            raise InputError(f"asks has {len(asks)} entries for {len(texts)} texts; give one list of asks "
                             "per text (or leave asks out to extract them)", code="PN601")
        return [[a if isinstance(a, str) else getattr(a, "text", str(a)) for a in (x or [])] for x in asks]
    from .suggest import extract_suggestions

    out = []
    for t in texts:
        try:
            out.append([s.text for s in extract_suggestions(t, kind="proposal")])
        except Exception as exc:  # one text the extractor cannot read keeps its whole text as its ask
            log.debug("asks not extracted: %s", exc)
            out.append([])
    return out


_WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def _words(seg, text: str) -> str:
    """Space-joined words of two characters or more holding a Chinese character."""
    return " ".join(w for w in seg.cut(normalize(text)) if len(w) > 1 and _WORD.search(w))


def _word_tfidf(docs: list[str]):
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not any(d.strip() for d in docs):
        from scipy import sparse

        return sparse.csr_matrix((len(docs), 1), dtype=np.float32)
    vec = TfidfVectorizer(token_pattern=r"(?u)[^ ]+", sublinear_tf=True, lowercase=False, dtype=np.float32)
    return vec.fit_transform(docs).tocsr()


class _ProposalFeatures:
    """One vector per proposal whose dot products weigh the channels of :data:`PROPOSAL_WEIGHTS`
    (title words, title characters, text words, ask words), and a vector per ask (for the asks
    two proposals share). A vector channel (word vectors) would be one more weighted block."""

    def __init__(self, texts: list[str], titles: list[str] | None, asks: list[list[str]]):
        from .segment import Segmenter

        seg = Segmenter()
        titles = titles if titles is not None else [""] * len(texts)
        own = [a if a else [t[:ASK_CHARS]] for a, t in zip(asks, texts)]
        self.asks = own
        blocks = {
            "title_words": _word_tfidf([_words(seg, t) for t in titles]),
            "title_chars": _tfidf([_clean(t) for t in titles]),
            "text_words": _word_tfidf([_words(seg, t[:PROPOSAL_CHARS]) for t in texts]),
            "ask_words": _word_tfidf([_words(seg, " ".join(a)) for a in own]),
        }
        self.X = _combine([(np.sqrt(PROPOSAL_WEIGHTS[k]), M) for k, M in blocks.items()])
        self.asks_X = blocks["ask_words"]
        flat = [_clean(x[:ASK_CHARS]) for a in own for x in a]
        self.start = np.concatenate([[0], np.cumsum([len(a) for a in own])]).astype(np.int64)
        self.A = _tfidf(flat)

    def pair(self, i: int, j: int) -> tuple[float, float, np.ndarray]:
        """(score, asks cosine, ask-by-ask cosines) of proposals i and j."""
        score = float(self.X[i].multiply(self.X[j]).sum())
        asks = float(self.asks_X[i].multiply(self.asks_X[j]).sum())
        M = (self.A[self.start[i]:self.start[i + 1]] @ self.A[self.start[j]:self.start[j + 1]].T).toarray()
        return score, asks, M


def _cluster_proposals(f: _ProposalFeatures, thresholds: dict) -> tuple[np.ndarray, np.ndarray]:
    """Proposals: a pair must share asks (``asks`` bar on the ask words alone) and reach the ``pair``
    bar on all channels; groups merge on the average over all their members."""
    i, j, sims = _candidates(f.X, thresholds["pair"])
    asks = _row_dots(f.asks_X, i, j) if len(i) else np.zeros(0)
    ok = asks >= thresholds["asks"]
    i, j, sims = i[ok], j[ok], sims[ok]
    labels = _agglomerate(f.X, i, j, sims, lambda a, b: thresholds["pair"])
    return labels, _similarity_to_group(f.X, labels)


# ---------------------------------------------------------------------------------------- public
def _check(texts, ids, what: str = "texts") -> tuple[list[str], list]:
    if isinstance(texts, str):
        raise InputTypeError(f"{what} must be a sequence of texts, got one str; wrap it in a list")
    if isinstance(texts, pd.Series):
        ids = list(texts.index) if ids is None else ids
        texts = texts.tolist()
    try:
        texts = list(texts)
    except TypeError:
        raise InputTypeError(f"{what} must be a sequence of texts, got {type(texts).__name__}") from None
    texts = ["" if t is None or (isinstance(t, float) and t != t) else t for t in texts]
    bad = [k for k, t in enumerate(texts) if not isinstance(t, str)]
    if bad:
        raise InputTypeError(f"{what}[{bad[0]}] is a {type(texts[bad[0]]).__name__}, not a str; convert the "
                             "column to text first (e.g. .astype(str)) or drop the row", code="PN001")
    if ids is None:
        ids = list(range(len(texts)))
    else:
        ids = list(ids)
        if len(ids) != len(texts):
            raise InputError(f"ids has {len(ids)} entries for {len(texts)} {what}; give one id per text",
                             code="PN502")
    return texts, ids


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InputError(f"unknown kind {kind!r}; choose 'messages' (same problem at the same place) or "
                         "'proposals' (same asks on the same subject)", code="PN600")
    return kind


def _thresholds(kind: str, thresholds) -> dict:
    base = dict(MESSAGE_THRESHOLDS if kind == "messages" else PROPOSAL_THRESHOLDS)
    for k, v in (thresholds or {}).items():
        if k not in base:
            raise InputError(f"unknown threshold {k!r} for {kind}; choose from {sorted(base)}", code="PN602")
        base[k] = float(v)
    return base


def _numbered(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group numbers 1.. by size (largest first), then by first row; and each row's group size."""
    uniq, first, inv, size = np.unique(labels, return_index=True, return_inverse=True, return_counts=True)
    order = np.lexsort((first, -size))
    number = np.empty(len(uniq), dtype=np.int64)
    number[order] = np.arange(1, len(uniq) + 1)
    return number[inv], size[inv]


def group_similar(texts, *, ids=None, kind: str = "messages", titles=None, asks=None, thresholds=None,
                  rows: list[MessageRow] | None = None) -> pd.DataFrame:
    """Group texts that raise the same concern; one output row per input row, in input order.

    Parameters
    ----------
    texts : sequence of str
        Messages (their detail text) or proposals (their full text). Empty texts are fine: each
        is a group of its own.
    ids : sequence, optional
        One id per text (repeated ids are kept: rows are told apart by ``row``).
    kind : "messages" or "proposals"
        Messages group on the same problem at the same place; proposals on the same asks on the
        same subject (see the module's doc).
    titles : sequence of str, optional
        The message subjects (留言主题) or proposal titles; they weigh in the comparison and are
        where places are looked for first.
    asks : sequence of lists, optional (proposals)
        Each proposal's asks (texts or :class:`~proposal_nlp.Suggestion`); extracted when absent.
    thresholds : dict, optional
        Bars to change (:data:`MESSAGE_THRESHOLDS` / :data:`PROPOSAL_THRESHOLDS` keys).
    rows : list of MessageRow, optional
        Message rows computed elsewhere (:func:`message_rows`, e.g. partition by partition).

    Returns
    -------
    DataFrame with ``row`` (0-based position), ``id``, ``group`` (1 = the largest group),
    ``group_size``, ``similarity_to_group`` (mean similarity to the other members; 1.0 alone) and
    ``place`` (messages: the place read; proposals: "").
    """
    kind = _check_kind(kind)
    texts, ids = _check(texts, ids)
    if titles is not None:
        titles, _ = _check(titles, None, "titles")
        if len(titles) != len(texts):
            raise InputError(f"titles has {len(titles)} entries for {len(texts)} texts; give one title per text",
                             code="PN502")
    th = _thresholds(kind, thresholds)
    n = len(texts)
    if n == 0:
        return pd.DataFrame({c: pd.Series(dtype=object if c in ("id", "place") else float if c ==
                             "similarity_to_group" else "int64") for c in GROUP_COLUMNS})
    if kind == "messages":
        rows = rows if rows is not None else message_rows(texts, titles)
        labels, sim = _cluster_messages(_message_matrix(rows), rows, th)
        place = [r.place for r in rows]
    else:
        f = _ProposalFeatures(texts, titles, _asks_of(texts, asks))
        labels, sim = _cluster_proposals(f, th)
        place = [""] * n
    # an empty text is alone, whatever the others
    empty = np.array([not (t.strip() or (titles[k].strip() if titles else "")) for k, t in enumerate(texts)])
    if empty.any():
        labels = labels.copy()
        labels[empty] = n + np.flatnonzero(empty)
        sim = np.where(empty, 1.0, sim)
    group, size = _numbered(labels)
    return pd.DataFrame({"row": np.arange(n), "id": pd.Series(ids, dtype=object), "group": group,
                         "group_size": size, "similarity_to_group": np.round(sim, 4), "place": place})


def shared_asks(a: list[str], b: list[str], M: np.ndarray, *, threshold: float = SHARED_ASK) -> list[tuple]:
    """Pairs (ask of a, ask of b, cosine) that answer each other, best first, each ask once."""
    out, used_a, used_b = [], set(), set()
    if M.size == 0:
        return out
    for flat in np.argsort(-M, axis=None, kind="stable"):
        x, y = divmod(int(flat), M.shape[1])
        if M[x, y] < threshold:
            break
        if x in used_a or y in used_b:
            continue
        used_a.add(x)
        used_b.add(y)
        out.append((a[x], b[y], round(float(M[x, y]), 4)))
    return out


def common_asks(texts: list[str], *, asks=None, threshold: float = SHARED_ASK) -> list[str]:
    """The asks of the first text that at least half of the others share (an ask of theirs at
    ``threshold`` or above), most shared first: the measures a group of proposals asks for."""
    if not texts:
        return []
    f_asks = _asks_of(texts, asks)
    own = [a if a else [t[:ASK_CHARS]] for a, t in zip(f_asks, texts)]
    flat = [_clean(x[:ASK_CHARS]) for a in own for x in a]
    A = _tfidf(flat)
    start = np.concatenate([[0], np.cumsum([len(a) for a in own])]).astype(np.int64)
    best = max(range(len(own)), key=lambda k: (len(own[k]) > 0, -k))
    mine = A[start[best]:start[best + 1]]
    counts = np.zeros(mine.shape[0])
    for k in range(len(own)):
        if k != best:
            M = (mine @ A[start[k]:start[k + 1]].T).toarray()
            counts += (M.max(axis=1) >= threshold) if M.size else 0
    others = len(own) - 1
    keep = [x for x in np.argsort(-counts, kind="stable") if others == 0 or counts[x] >= others / 2]
    return [own[best][x] for x in keep]


def find_similar(text: str, corpus, *, ids=None, top_k: int = 5, title: str = "", titles=None,
                 asks=None, corpus_asks=None) -> pd.DataFrame:
    """The texts of ``corpus`` most like ``text`` (e.g. earlier proposals like a new one), best first.

    Scores compare subject (title and text) and asks as in :func:`group_similar` for proposals:
    ``score`` is their mean, ``shared_asks`` the pairs (new ask, earlier ask, cosine) that answer
    each other. ``corpus`` is a sequence of texts (a Series keeps its index as ids) and ``ids``
    names them; ``asks`` / ``corpus_asks`` give asks already extracted.

    Returns a DataFrame with ``rank``, ``id``, ``row`` (position in ``corpus``), ``score``,
    ``subject_score``, ``asks_score`` and ``shared_asks``; at most ``top_k`` rows.
    """
    if not isinstance(text, str):
        raise InputTypeError(f"text must be a str, got {type(text).__name__}; find_similar compares one text "
                             "with a corpus", code="PN001")
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise InputError(f"top_k must be a whole number of at least 1, got {top_k!r}", code="PN603")
    corpus, ids = _check(corpus, ids, "corpus")
    if not corpus:
        return pd.DataFrame(columns=SIMILAR_COLUMNS)
    if titles is not None:
        titles, _ = _check(titles, None, "titles")
    all_titles = [title] + titles if titles is not None else ([title] * (len(corpus) + 1) if title else None)
    q_asks = _asks_of([text], [asks] if asks is not None else None)
    c_asks = _asks_of(corpus, corpus_asks)
    f = _ProposalFeatures([text] + corpus, all_titles, q_asks + c_asks)
    score = np.asarray((f.X[1:] @ f.X[0].T).toarray()).ravel()
    out = []
    for rank, c in enumerate(np.argsort(-score, kind="stable")[:top_k], 1):
        s, a, M = f.pair(0, int(c) + 1)
        out.append({"rank": rank, "id": ids[c], "row": int(c), "score": round(s, 4), "asks_score": round(a, 4),
                    "shared_asks": shared_asks(f.asks[0], f.asks[c + 1], M)})
    return pd.DataFrame(out, columns=SIMILAR_COLUMNS)
