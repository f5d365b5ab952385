"""Chinese word segmentation with a domain lexicon and offsets (jieba or its Rust port).

Each ``Segmenter`` owns its tokenizer: nothing is loaded at import, nothing touches
jieba's process-global dictionary, nothing is logged or cached to disk.

Both backends give identical tokens. jieba (Python) defines the result; the Rust port
(rjieba) is used as a fast path and corrected where the two implementations differ:

* rjieba treats more code points as Chinese (CJK extension A/B…, compatibility ideographs)
  than jieba's ``[\\u4E00-\\u9FD5]``; the text is cut around those characters, which jieba
  always yields one by one.
* with the HMM on, jieba splits runs like ``abc-def`` or ``v1.2.3`` inside an unknown-word
  buffer with the pattern ``[a-zA-Z0-9]+(?:\\.\\d+)?%?``; rjieba keeps them whole. Such runs are
  re-split the jieba way.
* jieba's ``add_word`` adds the new frequency to the dictionary total without removing the
  old one when a word is already known (and its dictionary file counts one duplicated line
  twice); rjieba keeps an exact total. The Rust dictionary is padded with an unmatchable
  entry so both totals are the same.
* lone surrogates cannot cross into Rust; they are yielded one by one, as jieba does.
"""
from __future__ import annotations

import gc
import logging
import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import replace
from itertools import accumulate
from typing import NamedTuple

from .errors import InputError, InputTypeError, InternalError, check_text
from .resources import LexiconEntry, load_lexicon

logger = logging.getLogger(__name__)

BACKENDS = ("rjieba", "jieba")
DICTIONARIES = ("jieba", None)

# code points rjieba's block pattern takes as Chinese but jieba's does not, plus lone
# surrogates (not valid UTF-8): jieba yields each of them as a one-character token
_SPLIT = re.compile("[\u3400-\u4dbf\u9fd6-\u9fff\uf900-\ufaff\ud800-\udfff\U00020000-\U0003ffff]")
# a punctuation character of jieba's block pattern next to another block character: the
# only place where rjieba's HMM splits runs of letters and digits differently from jieba
_HMM_ASCII_HINT = re.compile(r"[a-zA-Z0-9+#&._%\-][+#&._%\-]|[+#&._%\-][a-zA-Z0-9+#&._%\-]")
# ... and in rjieba's output, a token of two or more such characters holding punctuation
_HMM_ASCII_TOKEN = re.compile(r"(?<![^\x00])(?=[a-zA-Z0-9]*[+#&._%\-])[a-zA-Z0-9+#&._%\-]{2,}(?![^\x00])")
_ASCII_BLOCK = re.compile(r"[a-zA-Z0-9+#&._%\-]+")
_JIEBA_HMM_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")  # jieba.finalseg.re_skip
# jieba 0.42.1's dict.txt lists "B超 3" twice and jieba counts both lines in its total
_JIEBA_DUPLICATE_TOTAL = 3
# an entry no text can reach (jieba's blocks never contain NUL): pads rjieba's total
_TOTAL_PAD = "\x00\x00proposal_nlp_total_pad"

# normalisation that can change a segmentation: full-width letters, digits and the
# punctuation jieba keeps inside words (+#&._%-) -> ASCII. Other full-width marks
# (，：；！) are single-character tokens either way, so they are left alone.
_FULLWIDTH_WORD_CHARS = "０-９Ａ-Ｚａ-ｚ＋＃＆．＿％－"
_FULLWIDTH = re.compile(f"[{_FULLWIDTH_WORD_CHARS}]+")
_FULLWIDTH_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)
                    if _FULLWIDTH.fullmatch(chr(cp))}


def _halfwidth(m: re.Match) -> str:
    return m.group().translate(_FULLWIDTH_TABLE)


_BASE_FREQ: dict[str, int] | None = None
_BASE_FREQ_LOCK = threading.Lock()


class Token(NamedTuple):
    """A token with its offsets: ``source[start:end] == text``."""

    text: str
    start: int
    end: int


class SegmentationScore(NamedTuple):
    """Word-level precision, recall and F1 of a segmentation against a gold one."""

    precision: float
    recall: float
    f1: float
    gold: int
    predicted: int
    correct: int


def _jieba_tokenizer(dictionary="jieba"):
    """A private jieba tokenizer with its prefix dictionary built in memory (or empty).

    jieba's own ``initialize`` logs to stderr and writes a cache file to the temp folder;
    building the dictionary directly does neither.
    """
    import jieba

    tok = jieba.Tokenizer()
    if dictionary == "jieba":
        with tok.get_dict_file() as f:
            tok.FREQ, tok.total = tok.gen_pfdict(f)
    tok.initialized = True
    return tok


def _base_frequencies() -> dict[str, int]:
    """Word -> frequency of jieba's own dictionary (read once per process, read-only)."""
    global _BASE_FREQ
    with _BASE_FREQ_LOCK:
        if _BASE_FREQ is None:
            tok = _jieba_tokenizer("jieba")
            _BASE_FREQ = {w: f for w, f in tok.FREQ.items() if f}
    return _BASE_FREQ


def _jieba_hmm_resplit(words: list[str], has_word) -> list[str]:
    """Re-split letter/digit runs the way jieba's HMM fallback does."""
    out: list[str] = []
    run: list[str] = []

    def flush():
        if run:
            joined = "".join(run)
            out.extend(x for x in _JIEBA_HMM_SKIP.split(joined) if x)
            run.clear()

    for w in words:
        if w.isascii() and _ASCII_BLOCK.fullmatch(w) and (len(w) == 1 or not has_word(w)):
            run.append(w)
        else:
            flush()
            out.append(w)
    flush()
    return out


class _Backend:
    """The built tokenizer of one segmenter: a ``cut(text) -> list[str]`` callable."""

    def __init__(self, cut, has_word, tokenizer):
        self.cut = cut
        self.has_word = has_word
        self.tokenizer = tokenizer  # the private jieba.Tokenizer or rjieba.Jieba


class Segmenter:
    """Segment Chinese text into words.

    Parameters
    ----------
    backend : "rjieba" (fast, default) or "jieba"
        Both give identical tokens for the same settings.
    lexicon : None, path, or iterable of words / LexiconEntry
        Extra words for this segmenter, added after the shipped domain lexicon. A word
        without a frequency gets the one jieba's ``add_word`` would pick.
    hmm : bool
        Let jieba's HMM join unknown words (default True).
    stopwords : iterable of str, optional
        Tokens dropped from ``cut`` and ``tokenize`` (offsets of the others are unchanged).
    default_lexicon : bool
        Load the shipped domain lexicon (default True). ``False`` gives jieba's dictionary only.
    dictionary : "jieba" or None
        The base dictionary: jieba's own (default) or none, so that only the lexicon's words
        are known (e.g. a bakeoff training word list; words without a frequency get 1).
    normalize : bool
        Segment as if full-width letters, digits and ``＋＃＆．＿％－`` were ASCII (so
        ``２０２４年`` splits like ``2024年``) and return slices of the original text
        (default True). Lexicon words are read the same way. ``False`` is plain jieba.

    The tokenizer is built lazily on first use, behind a lock; afterwards the instance
    is read-only and safe to share across threads.
    """

    def __init__(self, *, backend: str = "rjieba", lexicon=None, hmm: bool = True,
                 stopwords: Iterable[str] | None = None, default_lexicon: bool = True,
                 dictionary: str | None = "jieba", normalize: bool = True):
        if backend not in BACKENDS:
            raise InputError(f"unknown backend {backend!r}; choose one of {BACKENDS}", code="PN003")
        if dictionary not in DICTIONARIES:
            raise InputError(f"unknown dictionary {dictionary!r}; choose 'jieba' or None", code="PN004")
        self.backend = backend
        self.lexicon = lexicon
        self.hmm = bool(hmm)
        self.stopwords = frozenset(stopwords) if stopwords else frozenset()
        self.default_lexicon = default_lexicon
        self.dictionary = dictionary
        self.normalize = bool(normalize)
        self._tok: _Backend | None = None
        self._lock = threading.Lock()
        self._entries: list[LexiconEntry] | None = None

    def __repr__(self) -> str:
        return (f"Segmenter(backend={self.backend!r}, hmm={self.hmm}, "
                f"default_lexicon={self.default_lexicon}, dictionary={self.dictionary!r}, "
                f"normalize={self.normalize})")

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
        """The lexicon entries this segmenter adds to its dictionary, in order.

        After the first use, every entry carries the frequency it was given.
        """
        if self._entries is None:
            entries = load_lexicon(None) if self.default_lexicon else []
            if self.lexicon is not None:
                entries = entries + load_lexicon(self.lexicon)
            self._entries = entries
        return self._entries

    def _terms(self) -> list[str]:
        if self.normalize:
            return [e.term.translate(_FULLWIDTH_TABLE) for e in self.entries]
        return [e.term for e in self.entries]

    def _frequencies(self, terms: list[str]) -> tuple[list[int], list[int] | None]:
        """The frequency of each entry (its own, else what jieba's ``add_word`` picks) and,
        when jieba had to be asked, the frequency each term had just before it was added."""
        given = [e.freq for e in self.entries]
        if all(f is not None for f in given):
            return [int(f) for f in given], None
        if self.dictionary is None:
            return [1 if f is None else int(f) for f in given], None
        tok = _jieba_tokenizer(self.dictionary)
        freqs, before = [], []
        for term, f in zip(terms, given):
            before.append(tok.FREQ.get(term) or 0)
            f = tok.suggest_freq(term, False) if f is None else int(f)
            tok.add_word(term, f)
            freqs.append(f)
        return freqs, before

    def _build(self) -> _Backend:
        terms = self._terms()
        if self.dictionary is None and not terms:
            raise InputError("dictionary=None needs lexicon words; pass lexicon= or use dictionary='jieba'",
                             code="PN005")
        if self.backend == "jieba":
            tok = _jieba_tokenizer(self.dictionary)
            freqs = []
            for term, e in zip(terms, self.entries):
                if e.freq is not None:
                    f = int(e.freq)
                else:
                    f = 1 if self.dictionary is None else tok.suggest_freq(term, False)
                tok.add_word(term, f)
                freqs.append(f)

            def cut(text, _tok=tok, _hmm=self.hmm):
                return _tok.lcut(text, HMM=_hmm)

            backend = _Backend(cut, lambda w, _f=tok.FREQ: bool(_f.get(w)), tok)
        else:
            import rjieba

            tok = rjieba.Jieba() if self.dictionary == "jieba" else rjieba.Jieba.empty()
            freqs, before = self._frequencies(terms)
            pad = _JIEBA_DUPLICATE_TOTAL if self.dictionary == "jieba" else 0
            seen: dict[str, int] = {}
            for i, (term, f, e) in enumerate(zip(terms, freqs, self.entries)):
                if term in seen:
                    pad += seen[term]
                elif self.dictionary == "jieba" and tok.has_word(term):
                    if before is not None:
                        pad += before[i]
                    elif e.base_freq is not None and e.term == term:
                        pad += e.base_freq
                    else:
                        pad += _base_frequencies().get(term, 0)
                tok.add_word(term, f, None)
                seen[term] = f
            if pad:
                tok.add_word(_TOTAL_PAD, pad, None)
            backend = _Backend(self._rjieba_cut(tok), tok.has_word, tok)
        self._entries = [replace(e, freq=f) for e, f in zip(self.entries, freqs)]
        return backend

    def _rjieba_cut(self, tok):
        rcut = tok.cut
        hmm = self.hmm
        has_word = tok.has_word

        def cut(text):
            if _SPLIT.search(text) is None:
                words = rcut(text, hmm)
            else:
                words = []
                pos = 0
                for m in _SPLIT.finditer(text):
                    if m.start() > pos:
                        words.extend(rcut(text[pos:m.start()], hmm))
                    words.append(m.group())
                    pos = m.end()
                if pos < len(text):
                    words.extend(rcut(text[pos:], hmm))
            if hmm and _HMM_ASCII_HINT.search(text) is not None:
                # only a token that jieba's pattern would split needs the slow path
                for m in _HMM_ASCII_TOKEN.finditer("\x00".join(words)):
                    if _JIEBA_HMM_SKIP.fullmatch(m.group()) is None:
                        words = _jieba_hmm_resplit(words, has_word)
                        break
            return words

        return cut

    def _ensure(self) -> _Backend:
        tok = self._tok
        if tok is None:
            with self._lock:
                if self._tok is None:
                    self._tok = self._build()
                tok = self._tok
        return tok

    def add_words(self, words) -> None:
        """Add words (or LexiconEntry items) to this segmenter only (before sharing it)."""
        new = load_lexicon(words)
        with self._lock:
            self._entries = self.entries + new
            self._tok = None

    # ------------------------------------------------------------------ segmenting
    def _raw_cut(self, text: str) -> list[str]:
        tok = self._ensure()
        if not self.normalize:
            return tok.cut(text)
        runs = [m.span() for m in _FULLWIDTH.finditer(text)]
        if not runs:
            return tok.cut(text)
        words = tok.cut(_FULLWIDTH.sub(_halfwidth, text))
        # give back the original spelling of the words that overlap a full-width run
        ends = list(accumulate(map(len, words)))
        for start, end in runs:
            first = bisect_right(ends, start)
            last = bisect_left(ends, end)
            for k in range(first, last + 1):
                words[k] = text[ends[k - 1] if k else 0:ends[k]]
        return words

    def tokenize(self, text: str) -> list[Token]:
        """Tokens with offsets into ``text``; whitespace tokens are kept, stopwords dropped."""
        check_text(text)
        if not text:
            return []
        words = self._raw_cut(text)
        ends = list(accumulate(map(len, words)))
        covered = ends[-1] if ends else 0
        if covered != len(text):  # guards the no-loss promise
            raise InternalError(
                f"the {self.backend} segmenter lost characters: its words cover {covered} of the "
                f"{len(text)} characters of the text; this is a bug in proposal_nlp, please report it "
                "with the text", code="PN006")
        starts = [0]
        starts += ends[:-1]
        # a Token per word: the cyclic collector, run every few hundred of them, would scan
        # the whole heap again and again (half the time of a long text, more in a big process)
        was = gc.isenabled()
        gc.disable()
        try:
            tokens = list(map(Token, words, starts, ends))
        finally:
            if was:
                gc.enable()
        if self.stopwords:
            stop = self.stopwords
            tokens = [t for t in tokens if t.text not in stop]
        return tokens

    def cut(self, text: str) -> list[str]:
        """Words of ``text`` in order (stopwords dropped); they join back to ``text``
        when there are no stopwords."""
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
                raise InputTypeError(f"texts[{i}] must be a str, got {type(text).__name__}")
            yield fn(text)

    def features(self, text: str) -> str:
        """Space-joined words without whitespace, for scikit-learn vectorizers
        (``token_pattern=r"(?u)[^ ]+"``). With ``normalize`` the words are given in their
        normalised form, so full- and half-width spellings count as one feature."""
        words = self.cut(text)
        if self.normalize:
            from .normalize import normalize

            words = [normalize(w) for w in words]
        return " ".join(w for w in words if not w.isspace())


def _spans(tokens: Iterable[str]) -> tuple[list[tuple[int, int]], str]:
    spans = []
    chars = []
    pos = 0
    for t in tokens:
        t = "".join(t.split())
        if not t:
            continue
        spans.append((pos, pos + len(t)))
        chars.append(t)
        pos += len(t)
    return spans, "".join(chars)


def score_segmentation(gold_tokens: Iterable[str], pred_tokens: Iterable[str]) -> SegmentationScore:
    """Precision, recall and F1 of predicted words against gold words, by character spans.

    Whitespace is ignored. Both token sequences are laid over their characters; a predicted
    word is correct when a gold word covers exactly the same characters. When the two
    character sequences differ (a gold file that moved a quote to the previous line), they
    are aligned character by character and only spans whose both ends align can match.
    Score a whole corpus at once (all lines' tokens in one sequence) so that such moves
    between lines cancel out.
    """
    if isinstance(gold_tokens, str) or isinstance(pred_tokens, str):
        raise InputTypeError("gold_tokens and pred_tokens must be sequences of words, not one str")
    gold, gchars = _spans(gold_tokens)
    pred, pchars = _spans(pred_tokens)
    if gchars == pchars:
        correct = len(set(gold) & set(pred))
    else:
        import difflib

        # map gold word starts and ends to predicted positions through the aligned blocks
        starts: dict[int, int] = {}
        ends: dict[int, int] = {}
        sm = difflib.SequenceMatcher(a=gchars, b=pchars, autojunk=False)
        for a, b, size in sm.get_matching_blocks():
            for k in range(size):
                starts[a + k] = b + k
                ends[a + k + 1] = b + k + 1
        pset = set(pred)
        correct = 0
        for s, e in gold:
            ps, pe = starts.get(s), ends.get(e)
            if ps is not None and pe is not None and pe - ps == e - s and (ps, pe) in pset:
                correct += 1
    p = correct / len(pred) if pred else 0.0
    r = correct / len(gold) if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return SegmentationScore(p, r, f, len(gold), len(pred), correct)
