"""The default emergency-management model: topics of the taxonomy plus the fire-relevance flag."""
from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from .classify import TextClassifier
from .errors import ModelError
from .normalize import CLOSERS, SENTENCE_ENDS, char_class, replace_unencodable
from .features import (CHUNK, Passages, as_list_and_index, decision_tokens, frame_tokens, gc_paused,
                       passage_counts, py_scalar)
from .resources import TOPIC_IDS

#: the scoring options of an EmergencyClassifier with their defaults (a model card records them;
#: a card written before an option existed loads with its default)
SCORING_OPTIONS = {"fire_passages": False, "passage_chars": 150, "passage_min_chars": 300, "fire_topic_weight": 0.0,
                   "fire_whole": True}


FIRE_TOPIC = "fire_safety"  # the topic whose score EmergencyClassifier can blend into fire_score
#: the topics a fire matter is filed under (taxonomy conventions: e-bike charging is e_bikes,
#: gas hazards work_safety, fuel stations and fireworks hazardous_chemicals); a fire-relevant
#: text always carries one of them, and fire_safety is never given without the fire flag
FIRE_TOPICS = ("fire_safety", "e_bikes", "work_safety", "hazardous_chemicals")
#: the evidence is the best sentence of the best passage; a run without sentence ends is cut
#: into pieces of at most this many characters
EVIDENCE_CHARS = 160
_SENTENCE_END = re.compile(f"{char_class(SENTENCE_ENDS)}+{char_class(CLOSERS)}*")


def concern_spans(text: str, passage_chars: int = 150, *, run_chars: int | None = None,
                  max_chars: int = 20000) -> list[tuple[int, int]]:
    """The concerns of a text as ``(start, end)`` offsets: its sentences, consecutive ones
    grouped until a group holds at least ``passage_chars`` characters (the last may be
    shorter), leading and trailing whitespace left out. A run without sentence ends (a
    tokenised message) is cut at a space before every ``run_chars`` characters (default
    ``2 * passage_chars``).
    Only the first ``max_chars`` characters are cut; every span lies inside the text and the
    spans do not overlap. A text with no visible character gives ``[]``."""
    n = min(len(text), max_chars)
    bounds, last = [], 0
    for m in _SENTENCE_END.finditer(text, 0, n):
        bounds.append((last, m.end()))
        last = m.end()
    if last < n:
        bounds.append((last, n))
    pieces = []
    limit = max(run_chars or 2 * passage_chars, 2)
    for a, b in bounds:
        while b - a > limit:  # no sentence end for a long run: cut at a space near the limit
            cut = text.rfind(" ", a + limit // 2, a + limit)
            cut = a + limit if cut <= a else cut + 1
            pieces.append((a, cut))
            a = cut
        pieces.append((a, b))
    spans, cur, size = [], None, 0
    for a, b in pieces:
        cur = (a, b) if cur is None else (cur[0], b)
        size += b - a
        if size >= passage_chars:
            spans.append(cur)
            cur, size = None, 0
    if cur is not None:
        spans.append(cur)
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            out.append((a, b))
    return out


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
    fire_whole : bool
        With ``fire_passages``, whether the whole long text's fire score takes part in the
        maximum (True, the first releases) or only its passages do (False: a long complaint is
        fire-relevant because one of its concerns is, not because fire words are scattered
        through it). Stored in the model card.

    fire_intake, register : TextClassifier, optional (together)
        Two experts for fire: ``fire_intake`` learned from intake-like texts only (citizen
        messages and proposals), ``register`` a binary model whose positive class means "an
        intake-like text" (as against laws, news and other documents). When given, a text's fire
        score is ``r * fire_intake + (1 - r) * fire`` (each scored concern by concern, as
        ``fire``), ``r`` the register probability of the whole text: messages are judged by
        the expert that learned from messages, laws and news by the model that learned from
        all. Both must read the same features as ``topics``. Saved with the model.

    Topics and the fire flag agree by construction: a fire-relevant text carries at least one
    of :data:`FIRE_TOPICS` (the highest-scoring one is added when the thresholds gave none), and
    ``fire_safety`` is not given to a text that is not fire-relevant.
    """

    def __init__(self, topics: TextClassifier, fire: TextClassifier, *, topic_thresholds=None,
                 fire_threshold: float = 0.5, fire_label=True, topic_ids: Iterable[str] = TOPIC_IDS,
                 name: str = "emergency", fire_passages: bool = False, passage_chars: int = 150,
                 passage_min_chars: int = 300, fire_topic_weight: float = 0.0, fire_whole: bool = True,
                 fire_intake: TextClassifier | None = None, register: TextClassifier | None = None):
        check_is_fitted(topics, "pipeline_")
        check_is_fitted(fire, "pipeline_")
        if not topics.multilabel:
            raise ModelError("the topic model must be multilabel=True", code="PN310")
        if len(fire.classes_) != 2 or fire.multilabel:
            raise ModelError("the fire model must be a binary classifier", code="PN311")
        if fire.__dict__.get("dense_model_") is not None:
            raise ModelError("the fire model of an EmergencyClassifier must be lexical (dense=None); "
                             "its passages are scored lexically", code="PN315")
        labels = [py_scalar(c) for c in fire.classes_]
        if fire_label not in labels:
            raise ModelError(f"fire_label {fire_label!r} is not a class of the fire model {labels}; "
                             "pass fire_label=<its positive class>", code="PN312")
        self.topics = topics
        self.fire = fire
        self.fire_intake, self.register = fire_intake, register
        if (fire_intake is None) != (register is None):
            raise ModelError("fire_intake and register go together: give both or neither", code="PN317")
        for part, what in ((fire_intake, "fire_intake"), (register, "register")):
            if part is None:
                continue
            check_is_fitted(part, "pipeline_")
            if len(part.classes_) != 2 or part.multilabel or part.__dict__.get("dense_model_") is not None:
                raise ModelError(f"{what} must be a fitted binary lexical classifier", code="PN317")
            if True not in [py_scalar(c) for c in part.classes_]:
                raise ModelError(f"{what}'s positive class must be True (its classes: "
                                 f"{[py_scalar(c) for c in part.classes_]})", code="PN317")
            for ref in (topics, fire):
                if part._feature_kw() != ref._feature_kw() or part.backend != ref.backend:
                    raise ModelError(f"{what} must read the same features as the topic and fire models "
                                     "(same segmenter backend and feature parameters)", code="PN317")
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
        self.fire_whole = bool(fire_whole)
        self.fire_topic_weight = float(fire_topic_weight)
        if not 0.0 <= self.fire_topic_weight <= 1.0:
            raise ModelError(f"fire_topic_weight must be in [0, 1]; got {fire_topic_weight}", code="PN316")
        if self.fire_topic_weight and FIRE_TOPIC not in topics.classes_:
            raise ModelError(f"fire_topic_weight needs the topic {FIRE_TOPIC!r} in the topic model, "
                             f"which has {list(topics.classes_)}; pass fire_topic_weight=0", code="PN316")

    def scoring_options(self) -> dict:
        """The values of :data:`SCORING_OPTIONS` this model scores with."""
        return {name: getattr(self, name) for name in SCORING_OPTIONS}

    def __repr__(self) -> str:
        return (f"EmergencyClassifier(name={self.name!r}, topics={len(self.topics.classes_)}, "
                f"fire_threshold={self.fire_threshold}, fire_passages={self.fire_passages})")

    @property
    def classes_(self):
        return np.asarray(self.topic_ids)

    def _fire_col(self) -> int:
        return [py_scalar(c) for c in self.fire.classes_].index(self.fire_label)

    @gc_paused()
    def predict_frame(self, texts) -> pd.DataFrame:
        """One row per input in order: ``topics`` (list of ids, [] for none),
        ``fire_relevant`` (bool), ``fire_score`` (0..1), ``score_<topic_id>`` per topic.
        Missing / empty texts give an empty row; non-str values raise ``TypeError`` naming the row."""
        texts, index = as_list_and_index(texts)
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
        for start in range(0, n, CHUNK):  # chunks bound the memory of big batches
            chunk = texts[start:start + CHUNK]
            pairs = frame_tokens(chunk, seg, kw, passages if same_features else None)
            idx = [i for i, f in enumerate(pairs) if f is not None]
            if not idx:
                continue
            sub = [pairs[i] for i in idx]
            rows = np.asarray(idx) + start
            split, slow = None, []
            experts = () if self.register is None else (self.fire_intake.pipeline_, self.register.pipeline_)
            if any(isinstance(p, Passages) for p in sub):
                split = passage_counts((self.topics.pipeline_, self.fire.pipeline_) + experts, sub)
                if split is None:  # not the fast path: whole texts from their parts
                    slow = [(k, q) for k, p in enumerate(sub) if isinstance(p, Passages) for q in p.pairs]
                    sub = [p.whole() if isinstance(p, Passages) else p for p in sub]
            # both models hash the same tokens once
            cache: dict = {} if split is None else dict(split[0])
            Pt = self.topics._proba_from_decision(decision_tokens(self.topics.pipeline_, sub, cache))
            T[np.ix_(rows, cols)] = Pt
            if not same_features:
                sub = frame_tokens([chunk[i] for i in idx], fseg, self.fire._feature_kw(), passages)
                keep = [k for k, p in enumerate(sub) if p is not None]
                sub = [p if p is not None else ([], [], "") for p in sub]
                split, slow = None, []
                if keep and any(isinstance(p, Passages) for p in sub):
                    split = passage_counts((self.fire.pipeline_,), sub)
                    if split is None:
                        slow = [(k, q) for k, p in enumerate(sub) if isinstance(p, Passages) for q in p.pairs]
                        sub = [p.whole() if isinstance(p, Passages) else p for p in sub]
                cache = {} if split is None else dict(split[0])
            F[rows] = self._concern_fire(self.fire, fcol, sub, cache, split, slow)
            if self.register is not None:
                Fi = self._concern_fire(self.fire_intake, self._true_col(self.fire_intake), sub, cache, split, slow)
                r = self.register._proba_from_decision(
                    decision_tokens(self.register.pipeline_, sub, cache))[:, self._true_col(self.register)]
                F[rows] = r * Fi + (1.0 - r) * F[rows]
        if self.fire_topic_weight:
            w = self.fire_topic_weight
            F = (1.0 - w) * F + w * T[:, self.topic_ids.index(FIRE_TOPIC)]
        thr = np.array([self.topic_thresholds[t] for t in self.topic_ids])
        fire = F >= self.fire_threshold
        topics = self._consistent_topics(T >= thr, T, fire)
        ev = self._evidence(texts, fire)
        frame = {
            "topics": topics,
            "fire_relevant": fire,
            "fire_score": F,
            # a lone surrogate becomes U+FFFD one for one (offsets hold; pandas strings cannot hold it)
            "fire_evidence": [replace_unencodable(e[2])[0] for e in ev],
            "fire_evidence_start": pd.array([e[0] for e in ev], dtype="Int64"),
            "fire_evidence_end": pd.array([e[1] for e in ev], dtype="Int64"),
        }
        for k, t in enumerate(self.topic_ids):
            frame[f"score_{t}"] = T[:, k]
        out = pd.DataFrame(frame, index=index)
        out["fire_relevant"] = out["fire_relevant"].astype(bool)
        return out

    @staticmethod
    def _true_col(model: TextClassifier) -> int:
        return [py_scalar(c) for c in model.classes_].index(True)

    def _concern_fire(self, model: TextClassifier, col: int, sub, cache, split, slow) -> np.ndarray:
        """Fire probabilities of one chunk's texts under ``model``: the whole text's, or for a long
        text the highest of its passages (and of the whole text with ``fire_whole``)."""
        def proba(pairs, counts):
            return model._proba_from_decision(decision_tokens(model.pipeline_, pairs, counts))[:, col]

        owners = split[2] if split is not None else np.asarray([k for k, _ in slow], dtype=int)
        if len(owners) and not self.fire_whole:  # the whole text counts only where it makes one passage
            F = np.zeros(len(sub))
            keep = np.setdiff1d(np.arange(len(sub)), owners)
            if len(keep):
                F[keep] = proba([sub[i] for i in keep], {k: m[keep] for k, m in cache.items()})
        else:
            F = proba(sub, cache)
        if split is not None and len(split[2]):
            np.maximum.at(F, owners, proba([], dict(split[1])))
        elif slow:
            np.maximum.at(F, owners, proba([q for _, q in slow], None))
        return F

    def _consistent_topics(self, given: np.ndarray, T: np.ndarray, fire: np.ndarray) -> list[list[str]]:
        """Topic ids per row, made to agree with the fire flag (see the class docstring)."""
        ids = list(self.topic_ids)
        carriers = [ids.index(t) for t in FIRE_TOPICS if t in ids]
        fs = ids.index(FIRE_TOPIC) if FIRE_TOPIC in ids else None
        given = given.copy()
        if carriers:
            lacking = fire & ~given[:, carriers].any(axis=1)
            if lacking.any():
                best = np.asarray(carriers)[T[np.ix_(lacking, carriers)].argmax(axis=1)]
                given[np.flatnonzero(lacking), best] = True
        if fs is not None:
            given[~fire, fs] = False
        arr = np.asarray(ids, dtype=object)
        return [list(arr[row]) for row in given]

    def _evidence(self, texts: list, fire: np.ndarray) -> list[tuple]:
        """``(start, end, passage)`` per text: for a fire-relevant text the passage with the
        highest fire probability (the concern that makes it fire-relevant), narrowed to its
        sentence with the highest fire probability, offsets into the text as given;
        ``(NA, NA, "")`` for the others."""
        out: list[tuple] = [(pd.NA, pd.NA, "")] * len(texts)
        todo = [i for i in np.flatnonzero(fire) if isinstance(texts[i], str) and texts[i].strip()]
        if not todo:
            return out
        cands, owner = [], []
        for i in todo:
            spans = concern_spans(texts[i], self.passage_chars)
            cands.extend(spans)
            owner.extend([i] * len(spans))
        scores = self._fire_proba([texts[o][a:b] for o, (a, b) in zip(owner, cands)])
        best: dict[int, int] = {}
        for k, o in enumerate(owner):
            if o not in best or scores[k] > scores[best[o]]:
                best[o] = k
        narrow = dict(best)
        sub, sub_owner = [], []
        for o, k in narrow.items():
            a, b = cands[k]
            for x, y in concern_spans(texts[o][a:b], 1, run_chars=EVIDENCE_CHARS):
                sub.append((a + x, a + y))
                sub_owner.append(o)
        if sub:
            s2 = self._fire_proba([texts[o][a:b] for o, (a, b) in zip(sub_owner, sub)])
            top: dict[int, int] = {}
            for k, o in enumerate(sub_owner):
                if o not in top or s2[k] > s2[top[o]]:
                    top[o] = k
            for o, k in top.items():
                out[o] = (sub[k][0], sub[k][1], texts[o][sub[k][0]:sub[k][1]])
        for o, k in best.items():
            if o not in narrow or out[o][2] == "":
                a, b = cands[k]
                out[o] = (a, b, texts[o][a:b])
        return out

    def _fire_proba(self, texts: list[str]) -> np.ndarray:
        """Fire probabilities of passages (for the evidence), with the experts when present;
        each passage is segmented once for all the models."""
        out = np.zeros(len(texts))
        pairs = frame_tokens(texts, self.fire._segmenter(), self.fire._feature_kw(), None)
        idx = [i for i, p in enumerate(pairs) if p is not None]
        if not idx:
            return out
        sub = [pairs[i] for i in idx]
        cache: dict = {}

        def proba(model, col):
            return model._proba_from_decision(decision_tokens(model.pipeline_, sub, cache))[:, col]

        p = proba(self.fire, self._fire_col())
        if self.register is not None:
            r = proba(self.register, self._true_col(self.register))
            p = r * proba(self.fire_intake, self._true_col(self.fire_intake)) + (1 - r) * p
        out[idx] = p
        return out

    def predict(self, texts) -> list[list[str]]:
        """Topic ids per text (the ``topics`` column of :meth:`predict_frame`)."""
        return self.predict_frame(texts)["topics"].tolist()

    def explain(self, text: str, *, top: int = 5) -> dict[str, list[tuple[str, float]]]:
        """Terms behind the topic and the fire predictions of one text."""
        return {"topics": self.topics.explain(text, top=top), "fire": self.fire.explain(text, top=top)}
