"""Domain word vectors: load the shipped ones (numpy only), train new ones (gensim, an extra).

The shipped vectors (``data/models/wv-v1.npz`` + ``wv-v1.card.json``) are CBOW vectors of 200
dimensions trained on the public corpora of ``../shared/data`` that are free for training
(law articles, State Council documents, government work reports, Teddy 附件2 / 附件4 messages
and replies, Jiangsu 2019 proposals without the three reserved ones), segmented with the
project's :class:`~proposal_nlp.segment.Segmenter`, cut to the 30,000 most frequent words and
stored as float16, with each word's nearest neighbours precomputed (so query expansion is a
lookup). The file is a plain ``.npz`` read with ``allow_pickle=False``; its SHA-256 is in its
side card (``model_file_sha256``, as for the classifiers) and is checked at load.

``train_word_vectors`` needs the optional package gensim (``pip install
"proposal_nlp[vectors]"``), imported inside the function only; ``proposal-nlp train-vectors``
and ``corpora/vectors/build_vectors.py`` call it.
"""
from __future__ import annotations

import json
import logging
import re
import threading
from pathlib import Path

import numpy as np

from .errors import InputError, ModelError
from .normalize import normalize
from .persist import FILE_HASH_KEY, card_path, check_file_hash, file_sha256, read_side_card
from .resources import shipped_model_file

logger = logging.getLogger(__name__)

__all__ = ["WordVectors", "load_word_vectors", "save_word_vectors", "train_word_vectors", "build_word_vectors",
           "vector_corpus", "corpus_sentences", "DEFAULT_VECTORS", "VECTOR_FORMAT", "RESERVED_PROPOSALS"]

DEFAULT_VECTORS = "wv-v1"
VECTOR_FORMAT = "proposal_nlp.word_vectors.v1"
#: Jiangsu 2019 proposals reserved for evaluation (DATASETS.md): never trained on
RESERVED_PROPOSALS = frozenset({"789ba86407344967998789872429f490", "07ca0a82646e47d6b9e4d0457e95273d",
                                "b63563624c334a35b058c68dc6aace65"})
_WORDLIKE = re.compile(r"[0-9a-z\u4e00-\u9fff]")
_SENT = re.compile(r"[。！？!?；;\n]+")
_LOADED: dict[str, "WordVectors"] = {}
_LOCK = threading.Lock()


class WordVectors:
    """Word vectors with their vocabulary, counts and precomputed neighbours.

    ``words`` (most frequent first), ``vectors`` (float16, words × dim), ``counts`` (training
    frequency), ``neighbours`` / ``neighbour_sims`` (each word's nearest words by cosine,
    best first), ``card`` (how they were made). ``unit`` gives unit-length float32 rows.
    """

    def __init__(self, words, vectors, *, counts=None, neighbours=None, neighbour_sims=None, card=None):
        self.words = [str(w) for w in words]
        self.vectors = np.asarray(vectors, dtype=np.float16)
        if self.vectors.ndim != 2 or self.vectors.shape[0] != len(self.words):
            raise ModelError(f"word vectors of shape {self.vectors.shape} for {len(self.words)} words; "
                             "give one row per word", code="PN460")
        n = len(self.words)
        self.counts = np.zeros(n, np.int64) if counts is None else np.asarray(counts, dtype=np.int64)
        self.neighbours = (np.zeros((n, 0), np.int32) if neighbours is None
                           else np.asarray(neighbours, dtype=np.int32))
        self.neighbour_sims = (np.zeros((n, 0), np.float16) if neighbour_sims is None
                               else np.asarray(neighbour_sims, dtype=np.float16))
        self.card = dict(card or {})
        self.index = {w: i for i, w in enumerate(self.words)}
        self._unit = None

    def __reduce__(self):
        # vectors loaded from a file travel as its path (a worker process loads them once,
        # hash-checked); others as their arrays
        path = getattr(self, "source_path", None)
        if path is not None:
            return (load_word_vectors, (path,))
        return (WordVectors, (self.words, self.vectors),
                {"counts": self.counts, "neighbours": self.neighbours, "neighbour_sims": self.neighbour_sims,
                 "card": self.card, "index": self.index, "_unit": None})

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word) -> bool:
        return word in self.index

    def __repr__(self) -> str:
        return f"WordVectors({len(self.words)} words, dim {self.dim}, name={self.card.get('name')!r})"

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @property
    def unit(self) -> np.ndarray:
        """Unit-length float32 rows (zeros stay zeros), computed once."""
        if self._unit is None:
            V = self.vectors.astype(np.float32)
            nrm = np.linalg.norm(V, axis=1, keepdims=True)
            self._unit = V / np.where(nrm > 0, nrm, 1.0)
        return self._unit

    def ids(self, words) -> np.ndarray:
        """Row of each word (-1 when it has no vector)."""
        get = self.index.get
        return np.fromiter((get(w, -1) for w in words), dtype=np.int64)

    def similarity(self, a: str, b: str) -> float:
        """Cosine of two words (0 when either has no vector)."""
        i, j = self.index.get(a), self.index.get(b)
        if i is None or j is None:
            return 0.0
        return float(self.unit[i] @ self.unit[j])

    def most_similar(self, word: str, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` nearest words of ``word`` with their cosines (precomputed when the file
        holds enough neighbours, else computed)."""
        i = self.index.get(word)
        if i is None:
            return []
        if self.neighbours.shape[1] >= k:
            return [(self.words[j], float(s)) for j, s in zip(self.neighbours[i, :k], self.neighbour_sims[i, :k])]
        sims = self.unit @ self.unit[i]
        sims[i] = -np.inf
        top = np.argsort(-sims)[:k]
        return [(self.words[j], float(sims[j])) for j in top]


def _neighbour_table(unit: np.ndarray, k: int, block: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``k`` nearest other rows by cosine (``unit`` rows have unit length)."""
    n = unit.shape[0]
    k = min(k, max(n - 1, 0))
    nb = np.zeros((n, k), np.int32)
    ns = np.zeros((n, k), np.float16)
    if k == 0:
        return nb, ns
    for s in range(0, n, block):
        S = unit[s:s + block] @ unit.T
        S[np.arange(S.shape[0]), np.arange(s, s + S.shape[0])] = -np.inf
        part = np.argpartition(-S, k - 1, axis=1)[:, :k]
        vals = np.take_along_axis(S, part, axis=1)
        order = np.argsort(-vals, axis=1, kind="stable")
        nb[s:s + block] = np.take_along_axis(part, order, axis=1)
        ns[s:s + block] = np.take_along_axis(vals, order, axis=1)
    return nb, ns


# ---------------------------------------------------------------------------- files
def vectors_path(name_or_path=DEFAULT_VECTORS) -> Path:
    """``"default"``, a shipped name (``wv-v1``) or a path to a ``.npz`` file."""
    return shipped_model_file(name_or_path, default=DEFAULT_VECTORS, suffix=".npz", what="word vectors",
                              writer="save_word_vectors", code="PN461")


def save_word_vectors(wv: WordVectors, path, *, card: dict | None = None) -> Path:
    """Write ``wv`` as a ``.npz`` (no pickled objects) and its JSON card beside it
    (``<name>.card.json``, with the file's SHA-256 under ``model_file_sha256``)."""
    path = Path(path)
    if path.suffix != ".npz":
        raise ModelError(f"word vector files end in .npz; got {path.name!r}", code="PN460")
    path.parent.mkdir(parents=True, exist_ok=True)
    if any("\n" in w for w in wv.words):
        raise ModelError("a word of the vectors holds a line break; words are stored one a line", code="PN460")
    words = np.frombuffer("\n".join(wv.words).encode("utf-8"), dtype=np.uint8)  # one word a line, UTF-8
    nb = wv.neighbours.astype(np.uint16 if len(wv) <= 65535 else np.int32)
    with open(path, "wb") as f:
        np.savez(f, words=words, vectors=wv.vectors, counts=wv.counts, neighbours=nb,
                 neighbour_sims=wv.neighbour_sims)
    full = {**wv.card, **(card or {}), "format": VECTOR_FORMAT, "n_words": len(wv), "dim": wv.dim,
            "dtype": "float16", FILE_HASH_KEY: file_sha256(path)}
    card_path(path).write_text(json.dumps(full, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                               encoding="utf-8")
    wv.card = full
    return path


def load_word_vectors(name_or_path="default") -> WordVectors:
    """Load word vectors: ``"default"`` (the shipped ``wv-v1``), a shipped name, or a
    ``.npz`` written by :func:`save_word_vectors`. The file's bytes are checked against the
    SHA-256 of its card (a changed file raises ``ModelError`` PN462); nothing is unpickled.
    Shipped vectors are loaded once per process."""
    path = vectors_path(name_or_path)
    key = str(path.resolve())
    with _LOCK:
        if key in _LOADED:
            return _LOADED[key]
        side = card_path(path)
        card = (read_side_card(side, code="PN462", fix="copy it again with its .npz file") if side.is_file()
                else {})
        check_file_hash(path, None, card, code="PN462", fix="Copy the file and its card again, or retrain them with "
                                                            "proposal-nlp train-vectors")
        try:
            with np.load(path, allow_pickle=False) as z:
                words = z["words"].tobytes().decode("utf-8").split("\n")
                wv = WordVectors(words, z["vectors"], counts=z["counts"],
                                 neighbours=z["neighbours"], neighbour_sims=z["neighbour_sims"], card=card)
        except (ValueError, KeyError, OSError, UnicodeDecodeError, ModelError) as exc:
            raise ModelError(f"{path.name} is not a word vector file written by save_word_vectors ({exc}); "
                             "copy it again or retrain it", code="PN462") from exc
        wv.source_path = key
        _LOADED[key] = wv
        return wv


# ---------------------------------------------------------------------------- corpora
def vector_corpus(root=None):
    """(source, text) pairs of the public texts the shipped vectors are trained on, read from
    the shared data folder (``root``, ``$PROPOSAL_NLP_DATA`` or ``../shared/data``).

    Included: law articles, State Council documents, government work reports, Teddy 附件2
    raw messages (921 labelled, 495 sample, 2,801 test rows) and 附件4 messages with their
    replies, Jiangsu 2019 proposals except the three reserved ones. Never included: Teddy
    附件3, Jiangsu 2022 (evaluation only) and the other corpora (news, event sentences).
    """
    import gzip

    import pandas as pd

    from .resources import data_dir

    root = data_dir(root, required=True)
    laws = root / "lawrefbook_laws" / "laws_articles.jsonl.gz"
    if laws.exists():
        with gzip.open(laws, "rt", encoding="utf-8") as f:
            for line in f:
                yield "laws", json.loads(line).get("text") or ""
    for source, rel, field in (("state_council", "govcn_state_council_docs/govcn_policies.jsonl", "text"),
                               ("work_reports", "gov_work_reports/gov_work_reports_1954_2022.jsonl", "text")):
        p = root / rel
        if p.exists():
            with open(p, encoding="utf-8") as f:
                for line in f:
                    yield source, json.loads(line).get(field) or ""
    p = root / "jszx_cppcc_proposals" / "jszx_cppcc_proposals_2019_2022.jsonl"
    if p.exists():
        with open(p, encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                if str(r.get("year")) == "2019" and r.get("pkid") not in RESERVED_PROPOSALS:
                    yield "jiangsu_2019", f"{r.get('title') or ''}\n{r.get('content') or ''}"
    t = root / "teddy2020_c"
    for name in ("fj2_full_subset921_messages_labeled.csv", "fj2_sample_messages_labeled.csv",
                 "fj2_official_testset2801_unlabeled_with_team_predictions.csv", "fj4_message_reply_pairs.csv"):
        p = t / name
        if not p.exists():
            continue
        d = pd.read_csv(p, dtype=str, keep_default_na=False)
        src = "teddy_fj4" if name.startswith("fj4") else "teddy_fj2"
        for title, body in zip(d["留言主题"], d["留言详情"]):
            yield src, f"{title}\n{body}"
        if "答复意见" in d.columns:
            for reply in d["答复意见"]:
                yield "teddy_fj4_replies", reply


def corpus_sentences(texts, *, segmenter=None) -> list[list[str]]:
    """Texts cut into sentences (。！？；and line ends) of normalised, lower-cased words, with
    punctuation and spaces dropped: what the vectors are trained on and looked up with."""
    if segmenter is None:
        from .segment import Segmenter

        segmenter = Segmenter(backend="rjieba")
    cut = segmenter.cut
    out = []
    for text in texts:
        for sent in _SENT.split(normalize(text).lower()):
            words = [w for w in cut(sent) if _WORDLIKE.search(w) and not w.isspace()] if sent.strip() else []
            if len(words) > 1:
                out.append(words)
    return out


def train_word_vectors(sentences, *, dim: int = 200, window: int = 5, min_count: int = 3, epochs: int = 5,
                       negative: int = 5, sample: float = 1e-4, max_words: int = 30_000, n_neighbours: int = 10,
                       keep=(), seed: int = 17, workers: int = 2, card: dict | None = None) -> WordVectors:
    """CBOW word vectors (gensim ``Word2Vec(sg=0)``) of segmented ``sentences`` (lists of
    words, e.g. from :func:`corpus_sentences`), cut to ``max_words`` words: those of ``keep``
    that were trained (the domain lexicon and the synonym resource: rare in laws, frequent in
    asks) and then the most frequent, with each word's ``n_neighbours`` nearest words
    precomputed.

    Needs the optional package gensim (``pip install "proposal_nlp[vectors]"``). With more
    than one worker the result is not bit-for-bit reproducible (gensim's threads), which is
    why the shipped file's hash, not its training, is what the library checks.
    """
    try:
        from gensim.models import Word2Vec
    except ImportError:
        raise ModelError("training word vectors needs the optional package gensim; install it with "
                         "pip install \"proposal_nlp[vectors]\" (or pip install gensim)", code="PN463") from None
    sentences = list(sentences)
    if not sentences:
        raise InputError("no sentences to train word vectors on", code="PN464")
    model = Word2Vec(sentences=sentences, vector_size=dim, window=window, min_count=min_count, sg=0,
                     negative=negative, sample=sample, epochs=epochs, seed=seed, workers=workers)
    kv = model.wv
    kept = {w for w in keep if w in kv.key_to_index}
    kept_rows = set(sorted(kv.key_to_index[w] for w in kept)[:max_words])
    fill = [i for i in range(len(kv.index_to_key)) if i not in kept_rows][:max_words - len(kept_rows)]
    rows = sorted(kept_rows | set(fill))  # by descending training frequency (gensim's order)
    words = [kv.index_to_key[i] for i in rows]
    V = np.asarray(kv.vectors[rows], dtype=np.float32)
    counts = np.asarray([kv.get_vecattr(w, "count") for w in words], dtype=np.int64)
    nrm = np.linalg.norm(V, axis=1, keepdims=True)
    unit = V / np.where(nrm > 0, nrm, 1.0)
    nb, ns = _neighbour_table(unit, n_neighbours)
    info = {"method": "word2vec CBOW (gensim)", "dim": dim, "window": window, "min_count": min_count,
            "epochs": epochs, "negative": negative, "sample": sample, "max_words": max_words,
            "n_neighbours": n_neighbours, "kept_words": len(kept), "seed": seed, "workers": workers,
            "n_sentences": len(sentences), "n_tokens": int(sum(map(len, sentences))),
            "vocabulary_before_cut": len(kv.index_to_key)}
    import gensim

    info["versions"] = {"gensim": gensim.__version__, "numpy": np.__version__}
    return WordVectors(words, V.astype(np.float16), counts=counts, neighbours=nb, neighbour_sims=ns,
                       card={**info, **(card or {})})


#: times the sentences of a source are repeated in training: the colloquial side (messages,
#: proposals) is an eighth of the characters, laws the rest, and its rarer everyday words
#: need the extra passes to get usable vectors
SOURCE_REPEATS = {"teddy_fj2": 2, "teddy_fj4": 2, "jiangsu_2019": 2}


def build_word_vectors(root=None, *, segmenter=None, repeats: dict | None = None, epochs: int = 10,
                       **params) -> WordVectors:
    """The shipped recipe: :func:`vector_corpus` (from ``root``) segmented by
    :func:`corpus_sentences`, the sentences of the sources in ``repeats`` (default
    ``SOURCE_REPEATS``) repeated, all shuffled with the seed, and trained by
    :func:`train_word_vectors` (``params``); the card records the texts and characters of
    each source."""
    import hashlib
    import time

    repeats = SOURCE_REPEATS if repeats is None else repeats
    by_source: dict[str, list[int]] = {}
    texts: dict[str, list[str]] = {}
    digest = hashlib.sha256()
    for source, text in vector_corpus(root):
        n = by_source.setdefault(source, [0, 0])
        n[0] += 1
        n[1] += len(text)
        texts.setdefault(source, []).append(text)
        digest.update(text.encode("utf-8", "replace") + b"\0")
    t0 = time.perf_counter()
    sentences = []
    for source, group in texts.items():
        sentences.extend(corpus_sentences(group, segmenter=segmenter) * int(repeats.get(source, 1)))
    seg_s = time.perf_counter() - t0
    del texts
    order = np.random.default_rng(params.get("seed", 17)).permutation(len(sentences))
    sentences = [sentences[i] for i in order]
    params["epochs"] = epochs
    if "keep" not in params:
        params["keep"] = domain_terms()
    t0 = time.perf_counter()
    wv = train_word_vectors(sentences, **params)
    wv.card.update({"corpora": {k: {"texts": v[0], "characters": v[1], "repeats": int(repeats.get(k, 1))}
                                for k, v in by_source.items()},
                    "corpus_sha256": digest.hexdigest(), "segmenter": "Segmenter(backend='rjieba'), shipped lexicon",
                    "segment_s": round(seg_s, 1), "train_s": round(time.perf_counter() - t0, 1)})
    return wv


def domain_terms() -> list[str]:
    """The words the shipped vectors always keep when trained: the domain lexicon's terms and
    every term of the synonym resource, normalised and lower-cased as the corpus is."""
    from .resources import load_lexicon, read_domain

    syn, concepts = read_domain(None)
    terms = {e.term for e in load_lexicon()} | set(syn) | set(syn.values())
    terms |= {t for ts in concepts.values() for t in ts}
    return sorted({normalize(t).lower() for t in terms if t.strip()})
