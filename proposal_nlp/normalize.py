"""Length-preserving normalisation and sentence / clause splitting with offsets.

Everything here keeps ``len(normalize(text)) == len(text)``, so an offset found in the
normalised text is an offset into the original. NFKC belongs inside features only.
Traditional characters read as simplified ones (:func:`to_simplified`, a 1:1 table loaded on
first use), and :func:`replace_unencodable` makes a text that UTF-8 cannot encode safe to keep.
"""
from __future__ import annotations

import re
import sys
import threading
import types
from typing import NamedTuple

from .errors import check_text

# full-width ASCII U+FF01..U+FF5E -> U+0021..U+007E, ideographic space -> space
_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_TABLE[0x3000] = 0x20
# other one-character spaces -> space (newlines are kept as they are)
for _cp in (0x09, 0x0B, 0x0C, 0xA0, 0x1680, 0x202F, 0x205F, 0xFEFF, *range(0x2000, 0x200B)):
    _TABLE[_cp] = 0x20
_TABLE[0x0D] = 0x0A  # \r -> \n, one for one
# quote variants -> the curly quotes Chinese text uses
_TABLE.update({
    0x300C: 0x201C, 0x300D: 0x201D,  # 「」 -> “”
    0x300E: 0x2018, 0x300F: 0x2019,  # 『』 -> ‘’
    0x301D: 0x201C, 0x301E: 0x201D, 0x301F: 0x201D,  # 〝〞〟
    0x2033: 0x201D, 0x2032: 0x2019,
})


_T2S_LOCK = threading.Lock()
_T2S: tuple | None = None  # (pattern finding a character to map, t2s table, normalize's whole table)


def _t2s_tables() -> tuple:
    """The traditional -> simplified tables, built from the shipped ``t2s.tsv`` on first use."""
    global _T2S
    if _T2S is None:
        with _T2S_LOCK:
            if _T2S is None:
                from .resources import load_t2s

                t2s = {ord(t): ord(s) for t, s in load_t2s().items()}
                # the traditional characters of the BMP, and any character beyond it (one range,
                # so the search stays a table lookup per character; the few texts with emoji
                # are translated, a no-op for them)
                bmp = "".join(re.escape(chr(c)) for c in sorted(t2s) if c <= 0xFFFF)
                _T2S = (re.compile(f"[{bmp}\U00010000-\U0010FFFF]"), t2s, {**_TABLE, **t2s})
    return _T2S


def to_simplified(text: str) -> str:
    """``text`` with traditional characters read as simplified ones (關於 -> 关于), one
    character for one: the length and every offset are kept, simplified text comes back as it
    is (the identity), and mapping twice changes nothing more. The table is OpenCC's
    (``proposal_nlp/data/t2s.tsv``), without the characters simplified Chinese writes as they
    are (乾 of 乾坤). :func:`normalize` does this too; features call it alone."""
    pattern, t2s, _ = _t2s_tables()
    return text.translate(t2s) if pattern.search(text) is not None else text


def normalize(text: str) -> str:
    """Return ``text`` with full-width ASCII made half-width, spaces and quotes unified and
    traditional characters read as simplified ones (:func:`to_simplified`).

    The result has exactly the same length as the input: each character maps to one
    character, so offsets computed on the result slice the original text too.

    >>> normalize("ＡＢＣ１２３，「韧性」關於")
    'ABC123,“韧性”关于'
    """
    check_text(text)
    return text.translate(_t2s_tables()[2])


_UNENCODABLE = re.compile("[\ud800-\udfff]")


def replace_unencodable(text: str) -> tuple[str, int]:
    """``(text, n)``: ``text`` with each of the ``n`` characters UTF-8 cannot encode (lone
    surrogates, as a JSON ``"\\ud800"`` or a damaged DataFrame gives them) replaced by U+FFFD,
    one for one, so the length and every offset are kept. Such characters break writing a
    table and building a pandas string column; the batch and the matcher call this where texts
    enter.

    >>> text, n = replace_unencodable("消防\\ud800通道")
    >>> n, text == "消防\\ufffd通道"
    (1, True)
    """
    check_text(text)
    if text.isascii() or _UNENCODABLE.search(text) is None:
        return text, 0
    return _UNENCODABLE.subn("\ufffd", text)


def replace_unencodable_in(values) -> tuple[list, int]:
    """``(values, n)``: the values as a list, :func:`replace_unencodable` applied to each str
    (other values kept as they are), and how many characters were replaced in all."""
    out, total = [], 0
    for v in values:
        if isinstance(v, str) and not v.isascii():
            v, n = replace_unencodable(v)
            total += n
        out.append(v)
    return out, total


SPACES = " \t\n\u00a0\u3000\r"
# Marks that end a sentence or a clause, in both widths: ``split_sentences`` reads raw text,
# the other modules read ``normalize``d text, where only the half-width forms are left.
SENTENCE_ENDS = "。！？!?；;\n…"
CLAUSE_ENDS = SENTENCE_ENDS + "，,：:、"
# closing quotes and brackets that stay with the sentence they end
CLOSERS = "”’\"')）】」』》"


def char_class(chars: str, *, negate: bool = False) -> str:
    """A regular-expression character class of ``chars``: ``[。!?]`` (``[^。!?]`` with ``negate``)."""
    return f"[{'^' if negate else ''}{re.escape(chars)}]"


def trim_span(text: str, start: int, end: int, chars: str = SPACES) -> tuple[int, int]:
    """``(start, end)`` moved inwards past ``chars`` (default: spaces and newlines)."""
    while start < end and text[start] in chars:
        start += 1
    while end > start and text[end - 1] in chars:
        end -= 1
    return start, end


class Span(NamedTuple):
    """A piece of a text with its offsets: ``source[start:end] == text``."""

    text: str
    start: int
    end: int


_SENT_RE = re.compile(
    f"{char_class(SENTENCE_ENDS, negate=True)}*(?:{char_class(SENTENCE_ENDS)}+{char_class(CLOSERS)}*|$)")
_CLAUSE_RE = re.compile(
    f"{char_class(CLAUSE_ENDS, negate=True)}*(?:{char_class(CLAUSE_ENDS)}+{char_class(CLOSERS)}*|$)")


def _split(text: str, pattern: re.Pattern, strip: bool) -> list[Span]:
    check_text(text)
    spans = []
    for m in pattern.finditer(text):
        start, end = m.start(), m.end()
        if start == end:
            continue
        if strip:
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if start == end:
                continue
        spans.append(Span(text[start:end], start, end))
    return spans


def split_sentences(text: str, *, strip: bool = True) -> list[Span]:
    """Split on sentence-ending punctuation (。！？；…, newlines), with offsets.

    A closing quote or bracket right after the end mark stays with its sentence.
    With ``strip`` (default) surrounding whitespace is left out of each span; with
    ``strip=False`` the spans tile the text exactly.
    """
    return _split(text, _SENT_RE, strip)


def split_clauses(text: str, *, strip: bool = True) -> list[Span]:
    """Split into clauses on sentence marks plus ，：、 (full- and half-width), with offsets."""
    return _split(text, _CLAUSE_RE, strip)


#: common spellings of the three kinds of item, each mapped to its full name
KIND_SPELLINGS = {
    "人大代表建议": "人大代表建议", "代表建议": "人大代表建议", "建议": "人大代表建议", "市人大代表建议": "人大代表建议",
    "人大建议": "人大代表建议", "政协提案": "政协提案", "提案": "政协提案", "委员提案": "政协提案",
    "政协委员提案": "政协提案", "市政协提案": "政协提案", "议案": "议案", "代表议案": "议案",
}
#: how an item is handled: 主办 (lead) or 会办 (co-handler), from common spellings
HANDLING_SPELLINGS = {"主办": "主办", "会办": "会办", "协办": "会办", "独办": "主办", "单办": "主办"}


def normalize_kind(value) -> str:
    """人大代表建议 / 政协提案 / 议案 from common spellings; other values are kept stripped."""
    v = str(value or "").strip()
    if v in KIND_SPELLINGS:
        return KIND_SPELLINGS[v]
    if "提案" in v:
        return "政协提案"
    if "议案" in v:
        return "议案"
    if "建议" in v:
        return "人大代表建议"
    return v


def normalize_handling(value) -> str:
    """主办 / 会办 from common spellings (协办 is 会办, 独办 and 单办 are 主办); others kept stripped."""
    v = str(value or "").strip()
    return HANDLING_SPELLINGS.get(v, v)


def is_missing(value) -> bool:
    """Whether a cell value is missing: None, NaN (float or numpy), ``pd.NA`` or ``pd.NaT``.

    The one test of a missing value for the whole package (empty strings are not missing:
    they are texts with no characters). Works without importing pandas.
    """
    if value is None:
        return True
    if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)):
        return False
    try:
        return bool(value != value)  # NaN and NaT are not equal to themselves
    except (TypeError, ValueError):  # pd.NA refuses bool(); arrays are not cell values
        return type(value).__name__ == "NAType"


class _CallableModule(types.ModuleType):
    """``proposal_nlp.normalize`` names both this module and its main function: once the
    module is imported, the package attribute is the module, so the module itself calls
    ``normalize`` and ``from proposal_nlp import normalize; normalize(text)`` always works."""

    def __call__(self, text: str) -> str:
        return normalize(text)


sys.modules[__name__].__class__ = _CallableModule
