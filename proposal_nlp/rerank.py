"""Pair features of an ask and a candidate clause, the learned reranker over them, and the
coverage model that gives ``p_covered`` (a calibrated probability that some clause answers
the ask); saved as one skops file with a JSON card.

The :class:`~proposal_nlp.match.ClauseMatcher` computes, for each ask and each of its lexical
candidates, the features in :data:`PAIR_FEATURES` (each lexical channel raw and standardised
within the ask's candidates, the soft word-vector match in both directions, the expansion
channel, shared policy concepts and domain synonyms, clause and ask length, the boilerplate
flag, the dense cosine when the extra is there), and for each ask the features in
:data:`QUERY_FEATURES` (the best candidate's reranker score and its lead over the second, how
much of the ask the clause set knows at all, and whether the ask's topic lies inside the
clause set's domain). :class:`MatchModel` holds two logistic regressions over them: the
reranker (is this clause one that answers the ask?) and the coverage model (does some clause
answer it?), with the (covered, partial) cuts on ``p_covered``; a second pair for matchers
with the dense channel when it was trained.

The shipped model ``mr-v1`` (``data/models/mr-v1.skops`` + card) is trained by
``corpora/matching/train_matcher.py``; :meth:`ClauseMatcher.fit_reranker` trains one on a
bureau's own marked pairs.
"""
from __future__ import annotations

import json
import logging
import zipfile
from pathlib import Path

import numpy as np

from .errors import InputError, ModelError
from .persist import FILE_HASH_KEY, card_path, check_file_hash, file_sha256, read_side_card
from .resources import shipped_model_file

logger = logging.getLogger(__name__)

__all__ = ["MatchModel", "PAIR_FEATURES", "QUERY_FEATURES", "DENSE_PAIR_FEATURES", "DENSE_QUERY_FEATURES",
           "STATIC_QUERY_FEATURES", "train_match_model", "query_matrix", "order_candidates", "rerank_scores",
           "coverage_scores", "choose_thresholds", "calibrate_thresholds", "save_match_model", "load_match_model",
           "gold_sets", "DEFAULT_MATCH_MODEL", "MATCH_MODEL_FORMAT"]

DEFAULT_MATCH_MODEL = "mr-v1"
RERANK_C = 0.1  # the reranker's regularisation relative to the coverage model's (chosen by CV on train + dev)
MATCH_MODEL_FORMAT = "proposal_nlp.match_model.v1"
#: what the matcher knows of an ask and one candidate clause
PAIR_FEATURES = ("bm25", "tfidf", "char", "expand", "soft_q", "soft_d", "tfidf_s", "soft_q_s", "soft_d_s",
                 "z_bm25", "z_tfidf", "z_char", "z_expand", "z_soft_q", "z_soft_d", "z_tfidf_s", "z_soft_q_s",
                 "z_soft_d_s", "lex_rank", "concepts", "synonyms", "clause_len", "query_len", "boilerplate",
                 "penalty", "penalty_asked", "set_len", "set_n")
DENSE_PAIR_FEATURES = PAIR_FEATURES + ("dense", "z_dense")
#: what the matcher knows of an ask against the whole clause set
QUERY_FEATURES = ("top_score", "top_gap", "top_soft_q", "max_soft_q", "top_bm25", "top_tfidf", "top_char",
                  "top_expand", "known", "with_vector", "query_len", "domain_overlap", "ask_topic")
DENSE_QUERY_FEATURES = QUERY_FEATURES + ("top_dense",)
#: query features that do not depend on the ranking (computed once per ask)
STATIC_QUERY_FEATURES = ("known", "with_vector", "query_len", "domain_overlap", "ask_topic")
DOMAIN_FEATURES = ("domain_overlap", "ask_topic")
_TOP = {"top_soft_q": "soft_q", "top_bm25": "bm25", "top_tfidf": "tfidf", "top_char": "char",
        "top_expand": "expand", "top_dense": "dense"}


def order_candidates(qi: np.ndarray, scores: np.ndarray, tiebreak: np.ndarray) -> np.ndarray:
    """Pair positions sorted by query (as given, contiguous), then by ``scores`` descending,
    then by ``tiebreak`` descending (the lexical score), then by position."""
    return np.lexsort((np.arange(len(qi)), -np.asarray(tiebreak), -np.asarray(scores), qi))


def query_matrix(qi: np.ndarray, scores: np.ndarray, pairs: dict, static: dict, names, n_queries: int,
                 tiebreak=None) -> tuple[np.ndarray, np.ndarray]:
    """(query features, position of each query's best pair; -1 for a query without pairs)
    from the pairs' features (``pairs``: feature name -> array over pairs, pairs grouped by
    query ``qi``), their ``scores`` and the ``static`` query features."""
    qi = np.asarray(qi)
    scores = np.asarray(scores, dtype=np.float64)
    order = order_candidates(qi, scores, scores if tiebreak is None else tiebreak)
    X = np.zeros((n_queries, len(names)))
    top = np.full(n_queries, -1, dtype=np.int64)
    if len(order):
        oq = qi[order]
        first = np.flatnonzero(np.r_[True, oq[1:] != oq[:-1]])
        top[oq[first]] = order[first]
        second = first + 1
        has2 = (second < len(order))
        has2[has2] = oq[second[has2]] == oq[first[has2]]
        gap = np.zeros(len(first))
        gap[has2] = scores[order[first[has2]]] - scores[order[second[has2]]]
        gaps = np.zeros(n_queries)
        gaps[oq[first]] = np.where(has2, gap, scores[order[first]])
    else:
        gaps = np.zeros(n_queries)
    ok = top >= 0
    for k, name in enumerate(names):
        if name == "top_score":
            X[ok, k] = scores[top[ok]]
        elif name == "top_gap":
            X[:, k] = gaps
        elif name == "max_soft_q":
            if len(qi):
                m = np.zeros(n_queries)
                np.maximum.at(m, qi, np.asarray(pairs["soft_q"], dtype=np.float64))
                X[:, k] = m
        elif name in _TOP:
            X[ok, k] = np.asarray(pairs[_TOP[name]], dtype=np.float64)[top[ok]]
        else:
            X[:, k] = np.asarray(static[name], dtype=np.float64)
    return X, top


def gold_sets(gold) -> list[frozenset]:
    """Each ask's gold clause ids as a set (empty: no clause answers) from None / "" / NaN,
    one id, ``a|b`` (best first) or a list of ids."""
    out = []
    for g in gold:
        if g is None or (isinstance(g, float) and g != g):
            out.append(frozenset())
        elif isinstance(g, str):
            out.append(frozenset(x.strip() for x in g.split("|") if x.strip()))
        else:
            out.append(frozenset(str(x) for x in g if x is not None and str(x).strip()))
    return out


def _logistic(C: float, seed: int):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000, random_state=seed))


class MatchModel:
    """The reranker and coverage model of a ClauseMatcher (see the module docstring).

    ``reranker`` / ``coverage``: fitted scikit-learn pipelines over ``pair_features`` /
    ``query_features``; ``thresholds``: (covered, partial) on ``p_covered``; ``dense``: an
    optional ``(reranker, coverage, thresholds)`` for matchers with the dense channel;
    ``card``: how it was made."""

    def __init__(self, reranker, coverage, *, thresholds=(0.6, 0.35), pair_features=PAIR_FEATURES,
                 query_features=QUERY_FEATURES, dense=None, card=None):
        self.reranker = reranker
        self.coverage = coverage
        self.thresholds = tuple(float(t) for t in thresholds)
        self.pair_features = tuple(pair_features)
        self.query_features = tuple(query_features)
        self.dense = dense
        self.card = dict(card or {})

    def __repr__(self) -> str:
        return (f"MatchModel(thresholds={self.thresholds}, dense={self.dense is not None}, "
                f"name={self.card.get('name')!r})")

    def parts(self, dense: bool):
        """(reranker, coverage, thresholds, pair features, query features) for a matcher with
        or without the dense channel (the lexical parts when no dense ones were trained)."""
        if dense and self.dense is not None:
            r, c, t = self.dense
            return r, c, tuple(t), DENSE_PAIR_FEATURES, DENSE_QUERY_FEATURES
        return self.reranker, self.coverage, self.thresholds, self.pair_features, self.query_features


def _positive(model, X: np.ndarray) -> np.ndarray:
    if X.shape[0] == 0:
        return np.zeros(0)
    P = model.predict_proba(X)
    return P[:, list(model.classes_).index(1)] if P.shape[1] > 1 else np.full(X.shape[0], float(model.classes_[0]))


def rerank_scores(model, X: np.ndarray) -> np.ndarray:
    """The reranker's probability that each candidate answers its ask."""
    return _positive(model, X)


def coverage_scores(model, X: np.ndarray) -> np.ndarray:
    """``p_covered`` of each ask."""
    return _positive(model, X)


def train_match_model(pairs, queries, *, dense: bool = False, C: float = 1.0, seed: int = 17, folds: int = 5,
                      thresholds=None, dev=None, extra_pairs=None, card=None,
                      base: MatchModel | None = None) -> MatchModel:
    """Fit the reranker and the coverage model on marked asks.

    ``pairs``: one row per ask and candidate clause (as
    :meth:`ClauseMatcher.candidate_features` gives them): ``qid``, the pair features and a
    0/1 ``label`` (the clause answers the ask), grouped by ``qid``. ``queries``: one row per
    ask: ``qid``, the static query features, ``answered`` (some clause answers it) and
    optionally ``covered`` (fully). The reranker is fitted on the pairs; the coverage model on
    query features built from out-of-fold reranker scores (``folds`` groups of asks), so it
    learns from scores like those of unseen asks. ``thresholds`` on ``p_covered``: given, or
    chosen on ``dev`` (a ``(pairs, queries)`` pair of frames like these; the dev split), else
    on out-of-fold ``p_covered`` of the training asks. ``extra_pairs`` (frames like ``pairs``)
    teach the reranker only (asks marked under another convention of being answered). With
    ``dense`` the parts use the dense feature lists and are added to ``base`` (a lexical
    model)."""
    from sklearn.model_selection import GroupKFold

    pf = DENSE_PAIR_FEATURES if dense else PAIR_FEATURES
    qf = DENSE_QUERY_FEATURES if dense else QUERY_FEATURES
    missing = [f for f in pf if f not in pairs.columns] + [f for f in STATIC_QUERY_FEATURES if f not in queries.columns]
    if missing:
        raise InputError(f"training frames lack the features {missing}; build them with "
                         "ClauseMatcher.candidate_features", code="PN470")
    queries = queries.reset_index(drop=True)
    pos = {q: i for i, q in enumerate(queries["qid"])}
    qi = np.asarray([pos[q] for q in pairs["qid"]])
    y = np.asarray(pairs["label"], dtype=int)
    a = np.asarray(queries["answered"], dtype=int)
    if len(set(y)) < 2 or len(set(a)) < 2:
        raise InputError("the reranker needs asks that some clause answers and candidates that do not, and the "
                         "coverage model needs answered and unanswered asks; mark more pairs", code="PN471")
    X = pairs[list(pf)].to_numpy(np.float64)
    if extra_pairs is not None and len(extra_pairs):
        Xr = np.vstack([X, extra_pairs[list(pf)].to_numpy(np.float64)])
        yr = np.r_[y, np.asarray(extra_pairs["label"], dtype=int)]
    else:
        Xr, yr = X, y
    reranker = _logistic(C * RERANK_C, seed).fit(Xr, yr)
    oof = np.zeros(len(y))
    n_folds = min(folds, len(queries))
    if n_folds >= 2:
        for tr, te in GroupKFold(n_splits=n_folds).split(X, y, qi):
            if len(set(y[tr])) < 2:
                oof[te] = rerank_scores(reranker, X[te])
                continue
            Xt, yt = X[tr], y[tr]
            if Xr is not X:
                Xt, yt = np.vstack([Xt, Xr[len(y):]]), np.r_[yt, yr[len(y):]]
            oof[te] = rerank_scores(_logistic(C * RERANK_C, seed).fit(Xt, yt), X[te])
    else:
        oof = rerank_scores(reranker, X)
    feats = {f: pairs[f].to_numpy(np.float64) for f in pf}
    static = {f: queries[f].to_numpy(np.float64) for f in STATIC_QUERY_FEATURES}
    Qx, _ = query_matrix(qi, oof, feats, static, qf, len(queries), pairs["lex"].to_numpy() if "lex" in pairs else None)
    coverage = _logistic(C, seed).fit(Qx, a)
    ref = "out-of-fold training asks"
    if thresholds is None:
        if dev is not None:
            dpairs, dq = dev
            dq = dq.reset_index(drop=True)
            dpos = {q: i for i, q in enumerate(dq["qid"])}
            dqi = np.asarray([dpos[q] for q in dpairs["qid"]], dtype=np.int64)
            ds = rerank_scores(reranker, dpairs[list(pf)].to_numpy(np.float64))
            DQ, _ = query_matrix(dqi, ds, {f: dpairs[f].to_numpy(np.float64) for f in pf},
                                 {f: dq[f].to_numpy(np.float64) for f in STATIC_QUERY_FEATURES}, qf, len(dq),
                                 dpairs["lex"].to_numpy() if "lex" in dpairs else None)
            p, ans = coverage_scores(coverage, DQ), dq["answered"].to_numpy(bool)
            ref = "dev split (partial); dev and out-of-fold training asks (covered)"
            partial = choose_thresholds(p, ans)[1]
            # the covered cut needs more asks than a dev split has above the partial cut
            pool_p = np.r_[p, coverage_scores(coverage, Qx)]
            pool_a = np.r_[ans, a.astype(bool)]
            thresholds = (choose_thresholds(pool_p, pool_a, partial=partial)[0], partial)
        else:
            thresholds = choose_thresholds(coverage_scores(coverage, Qx), a.astype(bool))
    info = {"pair_features": list(pf), "query_features": list(qf), "C": C, "seed": seed, "folds": n_folds,
            "domain_fill": {f: round(float(queries.loc[queries["answered"].astype(bool), f].mean()), 4)
                            for f in DOMAIN_FEATURES},
            "n_pairs": int(len(pairs)), "n_positive_pairs": int(y.sum()), "n_queries": int(len(queries)),
            "n_extra_pairs": int(len(Xr) - len(X)),
            "n_answered": int(a.sum()), "thresholds": list(thresholds), "thresholds_chosen_on": ref,
            "reranker_coef": dict(zip(pf, np.round(reranker[-1].coef_[0], 4).tolist())),
            "coverage_coef": dict(zip(qf, np.round(coverage[-1].coef_[0], 4).tolist()))}
    if dense:
        if base is None:
            raise InputError("a dense match model is added to a lexical one; pass base=", code="PN470")
        base.dense = (reranker, coverage, tuple(thresholds))
        base.card.setdefault("dense", {}).update({**info, **(card or {})})
        return base
    return MatchModel(reranker, coverage, thresholds=thresholds, card={**info, **(card or {})})


def choose_thresholds(p, answered, covered=None, *, partial: float | None = None, min_precision: float = 0.95,
                      min_asks: int = 20) -> tuple[float, float]:
    """(covered, partial) cuts on ``p_covered``: ``partial`` (unless given) is the cut that
    maximises the F1 of calling unanswered asks uncovered; ``covered`` the lowest cut at or
    above it where at least ``min_precision`` of the (at least ``min_asks``) asks above are
    answered (``covered``: fully, when given; else answered at all)."""
    p = np.asarray(p, dtype=float)
    answered = np.asarray(answered, dtype=bool)
    good = answered if covered is None else np.asarray(covered, dtype=bool)
    cands = np.unique(np.r_[p, 0.0, 1.0])
    if partial is None:
        best, partial = -1.0, 0.5
        for t in cands:
            unc = p < t
            tp = float((unc & ~answered).sum())
            f1 = 2 * tp / max(unc.sum() + (~answered).sum(), 1)
            if f1 > best + 1e-12:
                best, partial = f1, float(t)
    covered_cut = 1.0
    for t in cands[cands >= partial]:
        above = p >= t
        if above.sum() >= min_asks and good[above].mean() >= min_precision:
            covered_cut = float(t)
            break
    return round(max(covered_cut, partial), 4), round(partial, 4)


def calibrate_thresholds(best, answered, hit=None, *, min_precision: float = 0.9) -> tuple[float, float]:
    """(covered, partial) cuts on any per-ask score from whether each ask has a gold clause:
    ``partial`` the cut that best separates answered from unanswered asks (balanced
    accuracy), ``covered`` the lowest cut above which at least ``min_precision`` of the asks
    are answered. ``hit`` is accepted for reporting and not used."""
    best = np.asarray(best, dtype=float)
    answered = np.asarray(answered, dtype=bool)
    cands = np.unique(best)
    if answered.all() or not answered.any():
        partial = float(best.min()) if answered.all() else float(best.max()) + 1e-6
    else:
        def bal(t):
            pred = best >= t
            return 0.5 * (pred[answered].mean() + (~pred[~answered]).mean())
        scores = [bal(t) for t in cands]
        i = int(np.argmax(scores))
        lo = cands[i - 1] if i > 0 else cands[i]
        partial = float((lo + cands[i]) / 2) if i > 0 else float(cands[i])
    covered = float(best.max()) + 1e-6
    for t in cands[cands >= partial]:
        above = best >= t
        if above.sum() >= 3 and answered[above].mean() >= min_precision:
            covered = float(t)
            break
    return round(covered, 4), round(partial, 4)


# ---------------------------------------------------------------------------- files
def match_model_path(name_or_path=DEFAULT_MATCH_MODEL) -> Path:
    return shipped_model_file(name_or_path, default=DEFAULT_MATCH_MODEL, suffix=".skops", what="match model",
                              writer="save_match_model", code="PN472")


def save_match_model(model: MatchModel, path, *, card: dict | None = None) -> Path:
    """Write ``model`` as a skops file (scikit-learn / numpy objects in plain containers only)
    and its JSON card beside it, with the file's SHA-256 (``model_file_sha256``)."""
    import skops.io as sio

    from .persist import lexicon_sha256

    path = Path(path)
    if path.suffix != ".skops":
        raise ModelError(f"match model files end in .skops; got {path.name!r}", code="PN473")
    full = {**model.card, **(card or {}), "format": MATCH_MODEL_FORMAT, "thresholds": list(model.thresholds),
            "pair_features": list(model.pair_features), "query_features": list(model.query_features),
            "has_dense": model.dense is not None, "lexicon_sha256": lexicon_sha256(), "versions": _versions()}
    obj = {"format": MATCH_MODEL_FORMAT, "reranker": model.reranker, "coverage": model.coverage,
           "thresholds": list(model.thresholds), "pair_features": list(model.pair_features),
           "query_features": list(model.query_features), "card": json.dumps(full, ensure_ascii=False, sort_keys=True)}
    if model.dense is not None:
        obj["dense"] = {"reranker": model.dense[0], "coverage": model.dense[1], "thresholds": list(model.dense[2])}
    path.parent.mkdir(parents=True, exist_ok=True)
    sio.dump(obj, path, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    untrusted = sio.get_untrusted_types(file=path)
    if untrusted:  # pragma: no cover - guards the promise that files load without trust
        path.unlink()
        raise ModelError(f"the match model holds types skops does not trust: {untrusted}", code="PN473")
    full[FILE_HASH_KEY] = file_sha256(path)
    card_path(path).write_text(json.dumps(full, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    model.card = full
    return path


def _versions() -> dict:
    import sklearn
    import skops

    from . import __version__

    return {"proposal_nlp": __version__, "scikit-learn": sklearn.__version__, "numpy": np.__version__,
            "skops": skops.__version__}


_LOADED: dict[str, MatchModel] = {}


def load_match_model(name_or_path="default") -> MatchModel:
    """Load a match model: ``"default"`` (the shipped ``mr-v1``), a shipped name or a file
    written by :func:`save_match_model`. Its bytes are checked against its card's SHA-256
    (PN474) and its types audited (none untrusted, PN474); nothing else is unpickled."""
    import skops.io as sio

    path = match_model_path(name_or_path)
    key = str(path.resolve())
    if key in _LOADED:
        return _LOADED[key]
    side = card_path(path)
    card = read_side_card(side, code="PN474", fix="copy it again with its model") if side.is_file() else {}
    data = path.read_bytes()
    check_file_hash(path, data, card, code="PN474", fix="Copy the model and its card again, or retrain it "
                                                        "(python -m proposal_nlp.train_matcher)")
    try:
        untrusted = sio.get_untrusted_types(data=data)
        if untrusted:
            raise ModelError(f"{path.name} holds types that are not trusted: {', '.join(untrusted)}; it was not "
                             "written by save_match_model", code="PN474")
        obj = sio.loads(data)
    except ModelError:
        raise
    except Exception as exc:
        raise ModelError(f"{path.name} is not a readable match model ({type(exc).__name__}: {exc}); copy it "
                         "again or retrain it", code="PN474") from exc
    if not isinstance(obj, dict) or obj.get("format") != MATCH_MODEL_FORMAT:
        raise ModelError(f"{path.name} is not a proposal_nlp match model", code="PN474")
    dense = obj.get("dense")
    model = MatchModel(obj["reranker"], obj["coverage"], thresholds=obj["thresholds"],
                       pair_features=obj["pair_features"], query_features=obj["query_features"],
                       dense=(dense["reranker"], dense["coverage"], tuple(dense["thresholds"])) if dense else None,
                       card=card or json.loads(obj.get("card") or "{}"))
    _LOADED[key] = model
    return model
