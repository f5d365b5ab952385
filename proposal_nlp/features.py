"""Token features of raw texts and their hashed counts: what every classifier reads.

A text is cut, cleaned (non-word characters become spaces, NFKC, lower case) and segmented;
its features are words and word n-grams (``消防+通道``) and character n-grams of the words
run together (``#消防``). The predict path keeps them as token triples
``(words, chars, singles)`` and hashes them in C, once per chunk of texts, shared by the
models that read the same hashers (:func:`decision_tokens`).
"""
from __future__ import annotations

import gc
import re
import unicodedata
from collections.abc import Sequence
from contextlib import contextmanager
from itertools import repeat

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline

from .errors import InputTypeError
from .normalize import is_missing, to_simplified


#: tokens of the word block (words and word n-grams joined by "+") and of the character
#: block (character n-grams, marked "#"); both are space-separated in one feature string
WORD_PATTERN = r"(?<!\S)[^#\s]\S*"
CHAR_PATTERN = r"#\S+"  # "#" never occurs inside a word: non-word characters became spaces
# patterns that split a feature string into exactly the tokens of each block
_PATTERNS = {"word": (WORD_PATTERN,), "char": (CHAR_PATTERN, r"(?<!\S)#\S+")}
_NON_WORD = re.compile(r"[^\w]+")
# passage marks (see passage_tokens): the sentence and clause ends of proposal_nlp.normalize
_SENT_ENDS = "。！？!?；;\n…"
_CLAUSE_ENDS = "，,：:、"
# a whole run of non-word characters holding a mark. The lookbehind lets a match start only
# where a run starts: the same matches as without it (the leftmost one always starts there),
# but a run without a mark is tried once, not from each of its characters (which made 20,000
# brackets in a cell take seconds: linear time, not quadratic)
_SENT_MARK = re.compile(rf"(?<![^\w])[^\w]*[{re.escape(_SENT_ENDS)}][^\w]*")
_CLAUSE_MARK = re.compile(rf"(?<![^\w\n])[^\w\n]*[{re.escape(_CLAUSE_ENDS)}][^\w\n]*")
_OTHER_MARK = re.compile(r"[^\w\n\t]+")
CHUNK = 500  # texts per predict chunk: bounds memory on very large batches


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector during a prediction (a context manager, or a
    decorator of the predict methods): the millions of small strings, lists and tuples that
    tokens and hashing make (none of them in a cycle) otherwise trigger a collection every
    few hundred allocations, about 7% of the predict path. Reference counting still frees
    them; the collector's previous state is restored."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def only_str(texts: list, offset: int = 0) -> list:
    """``texts`` unchanged when every item is a str; else a ``TypeError`` naming the first
    other item by its index (``offset`` + position)."""
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise InputTypeError(f"texts[{offset + i}] must be a str, got {type(t).__name__}; "
                            "convert it or use predict_frame, which accepts missing values")
    return texts


def feature_tokens(text: str, segmenter, *, max_chars: int = 20000, word_ngram_range=(1, 2),
                   char_ngram_range=(2, 2), stopwords=None) -> tuple[list[str], list[str]] | None:
    """The features of one raw text as two token lists: ``(words, chars)``, or None when
    the text has no word at all.

    The text is cut at ``max_chars``; everything that is not a word character becomes a
    space; it is NFKC-normalised, read as simplified Chinese (traditional characters mapped one
    for one, :func:`~proposal_nlp.normalize.to_simplified`) and lower-cased; the rest is segmented. ``words`` holds the words and
    word n-grams joined by ``+`` (e.g. ``消防+通道``); ``chars`` the character n-grams of the
    words run together, marked ``#`` (e.g. ``#消防``). Words in ``stopwords`` (a set of
    lower-case words) are dropped before the n-grams are built. All loops run in C
    (``map``/``zip``/``join``), which keeps the predict path fast.
    """
    triple = feature_triple(text, segmenter, max_chars=max_chars, word_ngram_range=word_ngram_range,
                             char_ngram_range=char_ngram_range, stopwords=stopwords)
    return None if triple is None else expand_triple(triple)


def feature_triple(text: str, segmenter, *, max_chars: int = 20000, word_ngram_range=(1, 2),
                    char_ngram_range=(2, 2), stopwords=None):
    """:func:`feature_tokens` as the predict path takes it: ``(words, chars, singles)``
    (:func:`triple_from_tokens`), or None when the text has no word."""
    if len(text) > max_chars:
        text = text[:max_chars]
    # non-word characters out first: what is left is mostly NFKC already (a quick check)
    text = _NON_WORD.sub(" ", text)
    norm = unicodedata.normalize("NFKC", text)
    if norm != text:
        text = _NON_WORD.sub(" ", norm)
    toks = " ".join(segmenter.cut(to_simplified(text).lower())).split()
    if stopwords:
        toks = [w for w in toks if w not in stopwords]
    if not toks:
        return None
    return triple_from_tokens(toks, word_ngram_range, char_ngram_range)


def triple_from_tokens(toks: list[str], word_ngram_range, char_ngram_range) -> tuple[list[str], list[str], str]:
    """``(words, chars, singles)`` from the segmented words ``toks``: the words and word
    n-grams, the character n-grams of two characters or more, and (when the range starts at
    one) the run of characters whose single characters are the remaining character
    features. The predict path counts the single characters without building their ``#``
    strings one by one (:func:`single_counts`); :func:`expand_triple` gives the public pair."""
    lo, hi = word_ngram_range
    words = list(toks) if lo <= 1 else []
    for n in range(max(lo, 2), hi + 1):
        words.extend(map("+".join, zip(*(toks[i:] for i in range(n)))))
    chars: list[str] = []
    singles = ""
    if char_ngram_range:
        run = "".join(toks)
        if char_ngram_range[0] <= 1:
            singles = run
        for n in range(max(2, char_ngram_range[0]), char_ngram_range[1] + 1):
            chars.extend(char_grams(run, n))
    return words, chars, singles


def expand_triple(triple) -> tuple[list[str], list[str]]:
    """The ``(words, chars)`` pair of :func:`feature_tokens` from a token triple (a pair is
    returned as it is): single characters first, then the longer n-grams."""
    if len(triple) < 3 or not triple[2]:
        return triple[0], triple[1]
    return triple[0], list(char_grams(triple[2], 1)) + triple[1]


def char_grams(run: str, n: int):
    """The character n-grams of ``run``, each marked ``#`` (``#消防``): one join per gram, the
    mark zipped in as a first character (faster than adding it afterwards)."""
    return map("".join, zip("#" * len(run), *(run[i:] for i in range(n))))


def _marked_text(text: str) -> str:
    """``text`` cleaned as :func:`feature_tokens` cleans it, but a run of non-word characters
    that holds a sentence end becomes a newline and one that holds a clause end a tab."""
    text = _SENT_MARK.sub("\n", text)
    text = _CLAUSE_MARK.sub("\t", text)
    text = _OTHER_MARK.sub(" ", text)
    norm = unicodedata.normalize("NFKC", text)
    if norm != text:
        text = _OTHER_MARK.sub(" ", _CLAUSE_MARK.sub("\t", _SENT_MARK.sub("\n", norm)))
    return to_simplified(text)


def _passage_groups(text: str, segmenter, passage_chars: int, max_chars: int, stopwords=None):
    """The words of the text (cut at ``max_chars``) grouped into passages: lists of words."""
    if len(text) > max_chars:
        text = text[:max_chars]
    joined = " ".join(segmenter.cut(_marked_text(text).lower()))
    groups: list[list[str]] = []
    cur: list[str] = []
    size = 0
    for sent in joined.split("\n"):
        units = sent.split("\t") if len(sent) > 2 * passage_chars else (sent,)
        for unit in units:
            words = unit.split()
            if stopwords:
                words = [w for w in words if w not in stopwords]
            if not words:
                continue
            cur.extend(words)
            size += sum(map(len, words))
            if size >= passage_chars:
                groups.append(cur)
                cur, size = [], 0
    if cur:
        groups.append(cur)
    return groups


def _split_grams(grams_by_n: dict, bounds: list[int], total: int) -> tuple[list[list], list]:
    """Cut the n-gram lists of a whole sequence (``n -> grams at positions 0..``) into the
    grams inside each passage ``[bounds[k], bounds[k+1])`` and those crossing a boundary."""
    edges = [0, *bounds, total]
    inside: list[list] = [[] for _ in range(len(edges) - 1)]
    crossing: list = []
    for n, grams in grams_by_n.items():
        for k in range(len(edges) - 1):
            a, e = edges[k], edges[k + 1]
            inside[k].extend(grams[a:max(a, e - n + 1)])
            if k:  # grams that start before this passage and reach into it
                crossing.extend(grams[max(edges[k - 1], a - n + 1):a])
    return inside, crossing


def passage_parts(text: str, segmenter, *, passage_chars: int = 150, max_chars: int = 20000,
                   word_ngram_range=(1, 2), char_ngram_range=(2, 2), stopwords=None):
    """``(passages, bridge)``: the feature triples (:func:`triple_from_tokens`) of the
    passages of a text and the triple of the n-grams that cross passage boundaries, so that
    the whole text's counts are the sum of all of them (no token is hashed twice).
    ``passages`` has one triple for a text of one passage (``bridge`` is then empty) and
    none for a text without words."""
    groups = _passage_groups(text, segmenter, passage_chars, max_chars, stopwords)
    if len(groups) < 2:
        return [triple_from_tokens(g, word_ngram_range, char_ngram_range) for g in groups], ([], [], "")
    toks = [w for g in groups for w in g]
    bounds, cbounds, pos, cpos = [], [], 0, 0
    for g in groups[:-1]:
        pos += len(g)
        cpos += sum(map(len, g))
        bounds.append(pos)
        cbounds.append(cpos)
    lo, hi = word_ngram_range
    wgrams = {n: (toks if n == 1 else list(map("+".join, zip(*(toks[i:] for i in range(n))))))
              for n in range(max(lo, 1), hi + 1)}
    words, wcross = _split_grams(wgrams, bounds, len(toks))
    chars, ccross = [[] for _ in groups], []
    singles = [""] * len(groups)
    if char_ngram_range:
        run = "".join(toks)
        cgrams = {n: list(char_grams(run, n)) for n in range(max(2, char_ngram_range[0]), char_ngram_range[1] + 1)}
        chars, ccross = _split_grams(cgrams, cbounds, len(run))
        if char_ngram_range[0] <= 1:  # single characters never cross a boundary
            singles = ["".join(g) for g in groups]
    return list(zip(words, chars, singles)), (wcross, ccross, "")


def passage_tokens(text: str, segmenter, *, passage_chars: int = 150, max_chars: int = 20000,
                   word_ngram_range=(1, 2), char_ngram_range=(2, 2), stopwords=None):
    """The features of a whole text and of its passages, segmenting the text once.

    Passages follow the sentence ends of :func:`proposal_nlp.normalize.split_sentences`
    (a sentence longer than twice ``passage_chars`` is cut at its clause ends, as
    :func:`~proposal_nlp.normalize.split_clauses` cuts): consecutive sentences are grouped
    into passages of at least ``passage_chars`` word characters (the last may be shorter).
    The marks only change which whitespace the segmenter sees between words, so the
    whole-text pair equals :func:`feature_tokens`. Returns ``(whole, passages)``: ``whole``
    is a pair or None (no word), ``passages`` a list of pairs (empty when the text makes one
    passage at most).
    """
    groups = _passage_groups(text, segmenter, passage_chars, max_chars, stopwords)
    if not groups:
        return None, []
    whole = expand_triple(triple_from_tokens([w for g in groups for w in g], word_ngram_range, char_ngram_range))
    if len(groups) < 2:
        return whole, []
    return whole, [expand_triple(triple_from_tokens(g, word_ngram_range, char_ngram_range)) for g in groups]


def text_features(text: str, segmenter, **kw) -> str:
    """The feature string of one raw text (the input of ``TextClassifier.pipeline_``): the
    tokens of :func:`feature_tokens`, words first, separated by single spaces; "" when the
    text has no word."""
    pair = feature_tokens(text, segmenter, **kw)
    return "" if pair is None else " ".join(pair[0] + pair[1])


def py_scalar(value):
    return value.item() if isinstance(value, np.generic) else value


def as_list_and_index(texts) -> tuple[list, pd.Index]:
    """The texts as a list, and the index of the output rows (a Series keeps its own)."""
    index = texts.index if isinstance(texts, (pd.Series, pd.DataFrame)) else None
    texts = as_list(texts)
    return texts, (pd.RangeIndex(len(texts)) if index is None else index)


def as_list(X) -> list:
    if isinstance(X, str):
        raise InputTypeError("expected a list of texts, got a single str; wrap it: [text]")
    if isinstance(X, pd.DataFrame):
        if X.shape[1] != 1:
            raise InputTypeError("expected a list or Series of texts, got a DataFrame with "
                            f"{X.shape[1]} columns; pass one column, e.g. df['text']")
        X = X.iloc[:, 0]
    if isinstance(X, (pd.Series, pd.Index)):
        return X.tolist()
    if isinstance(X, np.ndarray):
        return X.ravel().tolist() if X.ndim <= 1 or X.shape[1] == 1 else list(X)
    return list(X)


class Passages:
    """Tokens of a long text for passage scoring: the passages' pairs and the pair of the
    n-grams crossing their boundaries (together: the whole text's tokens, each once)."""

    __slots__ = ("pairs", "bridge")

    def __init__(self, pairs, bridge):
        self.pairs, self.bridge = pairs, bridge

    def whole(self) -> tuple[list[str], list[str], str]:
        words = [w for p in self.pairs for w in p[0]] + self.bridge[0]
        chars = [c for p in self.pairs for c in p[1]] + self.bridge[1]
        return words, chars, "".join(p[2] for p in self.pairs)


def frame_tokens(texts: Sequence, seg, kw: dict, passages: dict | None = None) -> list:
    """Token triples for predict_frame: missing or wordless texts give None (an empty row).

    With ``passages`` (``{"passage_chars", "min_chars"}``) a text longer than ``min_chars``
    that makes two passages or more gives a :class:`Passages` (one segmentation)."""
    out = []
    for i, t in enumerate(texts):
        if is_missing(t):
            out.append(None)
            continue
        if not isinstance(t, str):
            raise InputTypeError(f"texts[{i}] must be a str, got {type(t).__name__}; "
                            "convert the column to text (e.g. df[col].astype(str)) or drop that row")
        if not t.strip():
            out.append(None)
        elif passages is not None and len(t) > passages["min_chars"]:
            pairs, bridge = passage_parts(t, seg, passage_chars=passages["passage_chars"], **kw)
            out.append(None if not pairs else pairs[0] if len(pairs) == 1 else Passages(pairs, bridge))
        else:
            out.append(feature_triple(t, seg, **kw))
    return out


def hash_rows(hasher, token_lists):
    """The counts ``hasher`` gives for token lists, hashed in C: each token is fed as the
    pair ``(token, 1)`` (what ``input_type="string"`` means) without a Python loop."""
    from sklearn.feature_extraction import FeatureHasher

    return FeatureHasher(n_features=hasher.n_features, input_type="pair", dtype=hasher.dtype,
                         alternate_sign=hasher.alternate_sign).transform(zip(t, repeat(1)) for t in token_lists)


def single_counts(hasher, runs: list[str]):
    """The counts ``hasher`` gives for the single characters of each run, each feature being
    the character marked ``#`` (as :func:`char_grams` with ``n=1`` makes it): every distinct
    character is hashed once, and the rest is array work on the characters' code points."""
    n = len(runs)
    codes = np.frombuffer("".join(runs).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if not codes.size:
        return sparse.csr_matrix((n, hasher.n_features), dtype=hasher.dtype)
    # the distinct code points and each character's rank among them, without sorting
    seen = np.zeros(int(codes.max()) + 1, dtype=bool)
    seen[codes] = True
    uniq = np.flatnonzero(seen)
    rank = np.empty(seen.size, dtype=np.intp)
    rank[uniq] = np.arange(uniq.size)
    inv = rank[codes]
    H = hash_rows(hasher, [["#" + chr(c)] for c in uniq.tolist()])  # one entry per row
    rows = np.repeat(np.arange(n), np.fromiter(map(len, runs), dtype=np.int64, count=n))
    M = sparse.csr_matrix((H.data[inv], (rows, H.indices[inv])), shape=(n, hasher.n_features),
                          dtype=hasher.dtype)
    M.sum_duplicates()
    return M


def _block_counts(name: str, hasher, rows: list):
    """Hashed counts of one feature block for token pairs or triples: the words for the word
    block; the character n-grams, plus the single characters of a triple, for the other."""
    if name == "word":
        return hash_rows(hasher, (r[0] for r in rows))
    M = hash_rows(hasher, (r[1] for r in rows))
    singles = [r[2] if len(r) > 2 else "" for r in rows]
    if any(singles):  # both canonical, so is the sum: as hashing all tokens at once gives
        M = M + single_counts(hasher, singles)
    return M


def _hashed(pipes, rows: list) -> dict | None:
    """Hashed counts of token pairs or triples for every hasher of ``pipes`` (key -> matrix), or None
    when a pipeline does not take the fast path."""
    out = {}
    for pipe in pipes:
        for name, block in pipe.named_steps["features"].transformer_list:
            hasher = block.named_steps["hash"]
            key = _hasher_key(name, hasher)
            if key is None:
                return None
            if key not in out:
                out[key] = _block_counts(name, hasher, rows)
    return out


def passage_counts(pipes, sub: list):
    """For a chunk with :class:`Passages`: hashed counts of the whole texts and of the
    passages (key -> matrix each, the whole rows summed from the passage and bridge rows, so
    every token is hashed once) and the position in ``sub`` of each passage row; None when
    the fast path does not apply."""
    rows, owner, passage_rows, passage_owner = [], [], [], []
    for k, item in enumerate(sub):
        if isinstance(item, Passages):
            for p in item.pairs:
                passage_rows.append(len(rows))
                passage_owner.append(k)
                rows.append(p)
                owner.append(k)
            rows.append(item.bridge)
            owner.append(k)
        else:
            rows.append(item)
            owner.append(k)
    H = _hashed(pipes, rows)
    if H is None:
        return None
    W = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (np.asarray(owner), np.arange(len(rows)))),
                          shape=(len(sub), len(rows)))
    whole, parts = {}, {}
    for key, M in H.items():
        S = (W @ M).tocsr()
        S.sort_indices()  # as hashing the whole text gives: the same numbers to the last bit
        whole[key] = S
        parts[key] = M[np.asarray(passage_rows)]
    return whole, parts, np.asarray(passage_owner, dtype=int)


def decision(pipe: Pipeline, feats) -> np.ndarray:
    return _decision_X(pipe.named_steps["clf"], pipe[:-1].transform(feats))


def _hasher_key(name: str, hasher) -> tuple | None:
    """What decides a block's hashed counts; None if the fast path does not apply."""
    if hasher.binary or hasher.norm is not None or hasher.analyzer != "word":
        return None
    if hasher.token_pattern not in _PATTERNS.get(name, ()):
        return None
    return (name, hasher.n_features, hasher.alternate_sign, np.dtype(hasher.dtype).str)


def decision_tokens(pipe: Pipeline, pairs: list, cache: dict | None = None) -> np.ndarray:
    """Decision values from :func:`feature_tokens` pairs (or token triples): the same numbers as
    ``decision(pipe, strings)``, without re-splitting the strings by regular expression.
    Hashed counts are shared through ``cache`` between models with the same hashers."""
    union = pipe.named_steps["features"]
    cache = {} if cache is None else cache
    blocks = []
    for name, block in union.transformer_list:
        hasher = block.named_steps["hash"]
        key = _hasher_key(name, hasher)
        if key is None:  # a pipeline built otherwise: take the plain path
            return decision(pipe, [" ".join(w + c) for w, c in map(expand_triple, pairs)])
        counts = cache.get(key)
        if counts is None:
            counts = _block_counts(name, hasher, pairs)
            cache[key] = counts
        X = block.named_steps["tfidf"].transform(counts)
        weight = (union.transformer_weights or {}).get(name)
        blocks.append(X if weight is None else X * weight)
    X = sparse.hstack(blocks).tocsr()
    for _, step in pipe.steps[1:-1]:
        X = step.transform(X)
    return _decision_X(pipe.named_steps["clf"], X)


def _decision_X(clf, X) -> np.ndarray:
    if isinstance(clf, OneVsRestClassifier):
        cols = []
        for est in clf.estimators_:
            if hasattr(est, "decision_function"):
                cols.append(np.asarray(est.decision_function(X)).ravel())
            else:  # a label that was always or never present during training
                cols.append(np.where(np.asarray(est.predict(X)).ravel() > 0, 10.0, -10.0))
        return np.column_stack(cols) if cols else np.zeros((X.shape[0], 0))
    return np.asarray(clf.decision_function(X))


def n_selected_features(pipe: Pipeline) -> int:
    """Columns the linear model sees (hash buckets seen in training)."""
    return int(pipe.named_steps["select"].get_support().sum())


def shrink_pipeline(pipe: Pipeline) -> None:
    """Make a fitted pipeline small to store: model weights as float32."""
    clf = pipe.named_steps["clf"]
    ests = clf.estimators_ if isinstance(clf, OneVsRestClassifier) else [clf]
    for est in ests:
        if hasattr(est, "coef_"):
            est.coef_ = np.asarray(est.coef_, dtype=np.float32)
