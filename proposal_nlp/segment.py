"""Chinese word segmentation with a domain lexicon and offsets (jieba or its Rust port).

Each ``Segmenter`` owns its tokenizer: nothing is loaded at import, nothing touches
jieba's process-global dictionary, nothing is logged or cached to disk.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from .errors import check_text
from .resources import LexiconEntry, load_lexicon

BACKENDS = ("rjieba", "jieba")
# characters that neither backend can hand across the Rust boundary (lone surrogates)
_SURROGATE = re.compile("[\ud800-\udfff]")


class Token(NamedTuple):
    """A token with its offsets: ``source[start:end] == text``."""

    text: str
    start: int
    end: int


def _jieba_tokenizer():
    """A private jieba tokenizer with its prefix dictionary built in memory.

    jieba's own ``initialize`` logs to stderr and writes a cache file to the temp folder;
    building the dictionary directly does neither.
    """
    import jieba

    tok = jieba.Tokenizer()
    with tok.get_dict_file() as f:
        tok.FREQ, tok.total = tok.gen_pfdict(f)
    tok.initialized = True
    return tok


class Segmenter:
    """Segment Chinese text into words.

    Parameters
    ----------
    backend : "rjieba" (fast, default) or "jieba"
        Both give identical tokens for the same lexicon and HMM setting.
    lexicon : None, path, or iterable of words / LexiconEntry
        Extra words for this segmenter, added after the shipped domain lexicon.
    hmm : bool
        Let jieba's HMM join unknown words (default True).
    stopwords : iterable of str, optional
        Tokens dropped from ``cut`` and ``tokenize`` (offsets of the others are unchanged).
    default_lexicon : bool
        Load the shipped domain lexicon (default True). ``False`` gives jieba's dictionary only.

    The tokenizer is built lazily on first use, behind a lock; afterwards the instance
    is read-only and safe to share across threads.
    """

    def __init__(self, *, backend: str = "rjieba", lexicon=None, hmm: bool = True,
                 stopwords: Iterable[str] | None = None, default_lexicon: bool = True):
        if backend not in BACKENDS:
            raise ValueError(f"[PN003] unknown backend {backend!r}; choose one of {BACKENDS}")
        self.backend = backend
        self.lexicon = lexicon
        self.hmm = bool(hmm)
        self.stopwords = frozenset(stopwords) if stopwords else frozenset()
        self.default_lexicon = default_lexicon
        self._tok = None
        self._lock = threading.Lock()
        self._entries: list[LexiconEntry] | None = None

    def __repr__(self) -> str:
        return f"Segmenter(backend={self.backend!r}, hmm={self.hmm}, default_lexicon={self.default_lexicon})"

    def __getstate__(self):  # picklable for worker processes: the tokenizer is rebuilt there
        state = self.__dict__.copy()
        state["_tok"] = None
        state["_lock"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ loading
    @property
    def entries(self) -> list[LexiconEntry]:
        """The lexicon entries this segmenter adds to jieba's dictionary, in order."""
        if self._entries is None:
            entries = load_lexicon(None) if self.default_lexicon else []
            if self.lexicon is not None:
                entries = entries + load_lexicon(self.lexicon)
            self._entries = entries
        return self._entries

    def _build(self):
        if self.backend == "rjieba":
            import rjieba

            tok = rjieba.Jieba()
            suggest = tok.suggest_freq
            add = lambda w, f: tok.add_word(w, f, None)  # noqa: E731
            self._cut = tok.cut
        else:
            tok = _jieba_tokenizer()
            suggest = lambda w: tok.suggest_freq(w, False)  # noqa: E731
            add = lambda w, f: tok.add_word(w, f)  # noqa: E731
            self._cut = lambda text, hmm: tok.lcut(text, HMM=hmm)
        for e in self.entries:
            # jieba picks suggest_freq(word) when no frequency is given; the shipped lexicon
            # stores that number so both backends are fed exactly the same one
            freq = e.freq if e.freq is not None else suggest(e.term)
            add(e.term, int(freq))
        return tok

    def _ensure(self):
        if self._tok is None:
            with self._lock:
                if self._tok is None:
                    self._tok = self._build()
        return self._tok

    def add_words(self, words) -> None:
        """Add words (or LexiconEntry items) to this segmenter only."""
        new = load_lexicon(words)
        with self._lock:
            self._entries = self.entries + new
            self._tok = None

    # ------------------------------------------------------------------ segmenting
    def _raw_cut(self, text: str) -> list[str]:
        self._ensure()
        if _SURROGATE.search(text) is None:
            return self._cut(text, self.hmm)
        out: list[str] = []
        pos = 0
        for m in _SURROGATE.finditer(text):
            if m.start() > pos:
                out.extend(self._cut(text[pos:m.start()], self.hmm))
            out.append(m.group())
            pos = m.end()
        if pos < len(text):
            out.extend(self._cut(text[pos:], self.hmm))
        return out

    def tokenize(self, text: str) -> list[Token]:
        """Tokens with offsets into ``text``; whitespace tokens are kept, stopwords dropped."""
        check_text(text)
        if not text:
            return []
        tokens = []
        pos = 0
        stop = self.stopwords
        for w in self._raw_cut(text):
            end = pos + len(w)
            if w not in stop:
                tokens.append(Token(w, pos, end))
            pos = end
        if pos != len(text):  # pragma: no cover - guards the no-loss promise
            raise RuntimeError(f"segmenter lost characters: covered {pos} of {len(text)}")
        return tokens

    def cut(self, text: str) -> list[str]:
        """Words of ``text`` in order (stopwords dropped)."""
        check_text(text)
        if not text:
            return []
        words = self._raw_cut(text)
        if self.stopwords:
            words = [w for w in words if w not in self.stopwords]
        return words

    def pipe(self, texts: Iterable[str], *, offsets: bool = False) -> Iterator[list]:
        """Segment many texts lazily: lists of words, or of ``Token`` with ``offsets=True``."""
        fn = self.tokenize if offsets else self.cut
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"[PN001] texts[{i}] must be a str, got {type(text).__name__}")
            yield fn(text)

    def features(self, text: str) -> str:
        """Space-joined words without whitespace, for scikit-learn vectorizers
        (``token_pattern=r"(?u)[^ ]+"``)."""
        return " ".join(w for w in self.cut(text) if not w.isspace())
