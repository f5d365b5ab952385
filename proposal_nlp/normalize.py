"""Length-preserving normalisation and sentence / clause splitting with offsets.

Everything here keeps ``len(normalize(text)) == len(text)``, so an offset found in the
normalised text is an offset into the original. NFKC belongs inside features only.
"""
from __future__ import annotations

import re
import sys
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


def normalize(text: str) -> str:
    """Return ``text`` with full-width ASCII made half-width and spaces and quotes unified.

    The result has exactly the same length as the input: each character maps to one
    character, so offsets computed on the result slice the original text too.

    >>> normalize("ＡＢＣ１２３，「韧性」")
    'ABC123,“韧性”'
    """
    check_text(text)
    return text.translate(_TABLE)


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


class _CallableModule(types.ModuleType):
    """``proposal_nlp.normalize`` names both this module and its main function: once the
    module is imported, the package attribute is the module, so the module itself calls
    ``normalize`` and ``from proposal_nlp import normalize; normalize(text)`` always works."""

    def __call__(self, text: str) -> str:
        return normalize(text)


sys.modules[__name__].__class__ = _CallableModule
