"""Chinese numerals and enumeration markers: one parser, one set of marker styles.

``cn_number`` reads a Chinese or Arabic numeral. ``find_markers`` finds the numbering
markers of a (normalised) text by style, ``build_chains`` links markers of one style that
count up (一、 二、 三、), and ``build_tree`` nests the chains into items with offsets.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

from .normalize import CLAUSE_ENDS, SENTENCE_ENDS

__all__ = ["cn_number", "circled_number", "MarkerStyle", "STYLES", "marker_pattern", "find_markers",
           "build_chains", "build_tree", "Marker", "Chain", "Item", "Tree", "NUMERAL_CHARS", "ORDINALS"]

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000}
# every character of a Chinese numeral, for character classes: [零〇一二两…百千万]
NUMERAL_CHARS = "".join(CN_DIGITS) + "".join(CN_UNITS)
# the numerals enumeration markers are written with (一、 （二） 第三， 四是); 两 counts (两个),
# it does not number
ORDINALS = "一二三四五六七八九十"


def cn_number(s: str) -> int | None:
    """Value of a numeral in Chinese or Arabic digits; None when ``s`` is not one.

    ``"十二"`` → 12, ``"二十"`` → 20, ``"一百零五"`` → 105, ``"两千"`` → 2000,
    ``"三万五千"`` → 35000, ``"〇"`` / ``"零"`` → 0, ``"7"`` → 7. A last digit right after
    百 / 千 / 万 counts in the next lower unit, as it is said (一百五 → 150, 三万五 → 35000).
    Malformed numerals (二二, 十十, 百千, 一百零) and mixed digits (3万) give None.
    """
    s = s.strip()
    if not s:
        return None
    if s.isdecimal():
        return int(s)
    if s in ("零", "〇"):
        return 0
    total = section = 0  # whole 万 read, and the part below 万
    digit = None         # the digit read, waiting for its unit
    last = 0             # the last unit read (0: none yet)
    small = 10 ** 9      # units below 万 must fall: 千 > 百 > 十
    gap = False          # a 零 was read since the last unit (一百零五)
    for ch in s:
        value = CN_DIGITS.get(ch)
        if value == 0:  # 零 only between a unit and a digit (一百零五)
            if digit is not None or gap or not last:
                return None
            gap = True
        elif value is not None:
            if digit is not None:
                return None
            digit = value
        elif ch in CN_UNITS:
            unit = CN_UNITS[ch]
            if (gap and digit is None) or (unit == 10_000 and total) or (unit < 10_000 and unit >= small):
                return None  # 零十, a second 万, units that do not fall (百千, 十十)
            if digit is None and not (unit == 10_000 and section):  # 十万 needs no digit
                if last:  # only a leading unit goes without its digit (十二, 百)
                    return None
                digit = 1
            if unit == 10_000:
                total, section, small = (section + (digit or 0)) * unit, 0, unit
            else:
                section, small = section + digit * unit, unit
            digit, last, gap = None, unit, False
        else:
            return None
    if gap and digit is None:
        return None
    if digit is not None and not gap and last >= 100:
        digit *= last // 10  # 一百五: 五 counts tens
    return total + section + (digit or 0)


def circled_number(ch: str) -> int | None:
    """Value of a circled number: ① … ⑳ → 1 … 20, ❶ … ❿ → 1 … 10."""
    c = ord(ch) if len(ch) == 1 else 0
    if 0x2460 <= c <= 0x2473:
        return c - 0x2460 + 1
    if 0x2776 <= c <= 0x277F:
        return c - 0x2776 + 1
    return None


# 首先，其次，… : their order; 最后 closes the run whatever came before it
SEQ_VALUE = {"首先": 1, "其次": 2, "再次": 3, "再者": 3, "最后": 99}
LAST = SEQ_VALUE["最后"]


def _ordinal_or_dash(s: str) -> int | None:
    return 1 if s == "-" else cn_number(s)  # (-): （一） typed with a hyphen


@dataclass(frozen=True)
class MarkerStyle:
    """One way of numbering items, e.g. ``cn_dun`` for 一、 二、 三、.

    ``pattern`` matches the marker in ``normalize``d text (half-width brackets and commas),
    its numeral in the group ``v``; ``read`` turns that numeral into a value (None when it is
    none). In running text, where numerals also count and date, a marker must moreover stand
    after ``before`` and before ``after`` (lookarounds: 一、1.5亿 and 2.5% number nothing); at
    a line start they are not needed (一、2021年工作回顾). ``rank`` is the default depth (一、
    above （一） above 1. above （1） above ① above 一是); ``inline`` styles may stand inside
    a sentence (第一， / 一是 / 首先，); ``paren`` styles are written in brackets.
    """

    name: str
    pattern: str
    read: Callable[[str], int | None]
    rank: int
    before: str = ""
    after: str = ""
    inline: bool = False
    paren: bool = False

    def regex(self, group: str | None = "v", *, prose: bool = True) -> str:
        """The marker's regular expression, its numeral in ``group`` (None: not captured);
        with ``prose`` the lookarounds for running text included."""
        core = self.pattern.replace("(?P<v>", f"(?P<{group}>" if group else "(?:")
        return self.before + core + self.after if prose else core

    def label(self, numeral: str) -> str:
        """The marker as written in an id: ``（一）`` for bracket styles, else the numeral."""
        return f"（{numeral}）" if self.paren else numeral


_O = f"[{ORDINALS}]"
# in the order they are tried at a position. Arabic numbers have up to three digits (999
# items); a fourth would read years (2023、2024年) as markers at line starts
STYLES = {s.name: s for s in (
    MarkerStyle("cn_paren", rf"\((?P<v>{_O}{{1,3}}|-)\)", _ordinal_or_dash, 1, paren=True),
    MarkerStyle("ar_paren", r"\((?P<v>\d{1,3})\)", int, 5, paren=True),
    MarkerStyle("circ", r"(?P<v>[\u2460-\u2473\u2776-\u277f])", circled_number, 6),
    MarkerStyle("di", rf"第(?P<v>{_O}{{1,2}})[,、:]", cn_number, 2, inline=True),
    MarkerStyle("shi", rf"(?P<v>{_O}{{1,2}})是,?", cn_number, 7, after=r"(?=[^,。;:\s])", inline=True),
    MarkerStyle("yao", rf"(?P<v>{_O}{{1,2}})要", cn_number, 7, after=r"(?=[^,。;:\s是求素点])", inline=True),
    MarkerStyle("cn_dun", rf"(?P<v>{_O}{{1,3}})[、.]", cn_number, 0, after=r"(?![\d.、])"),
    MarkerStyle("ar_close", r"(?P<v>\d{1,3})\)", int, 4, before=r"(?<![\d.])", after=r"(?![\d)])"),
    MarkerStyle("ar_dot", r"(?P<v>\d{1,3})(?:[、.](?!\d)|,(?=[\u4e00-\u9fff]))", int, 3,
                before=r"(?<![\d.])", after=r"(?![\d.%、])"),
    MarkerStyle("seq", r"(?P<v>首先|其次|再次|再者|最后),", SEQ_VALUE.get, 7, inline=True),
)}


def marker_pattern(names=None, *, capture: bool = True, prose: bool = True) -> str:
    """One alternation of the styles ``names`` (default: all, in ``STYLES`` order). With
    ``capture`` each style is the group of its name and its numeral the group ``v_<name>``;
    ``prose`` as in ``MarkerStyle.regex``."""
    names = list(STYLES) if names is None else names
    if capture:
        return "|".join(f"(?P<{n}>{STYLES[n].regex('v_' + n, prose=prose)})" for n in names)
    return "(?:" + "|".join(STYLES[n].regex(None, prose=prose) for n in names) + ")"


_MARK_RE = re.compile(marker_pattern())
# a marker after a sentence end or a colon is strong; inline ones also after a comma or 、
_HARD_BOUNDARY = frozenset(SENTENCE_ENDS + ":")
_SOFT_BOUNDARY = frozenset(CLAUSE_ENDS) - frozenset(SENTENCE_ENDS) - frozenset(":：")
# after these a numeral is part of a word or a count (第一次, 唯一, 十二个), not a marker
_WORD_BEFORE_NUM = frozenset("第统唯之其万专同单逐归合如独纯任择另每十百千这那哪某约近超逾共计有了是即和与及或等个年月日号")
# (一)条, (3)款: a bracketed numeral before these cites a provision
_AFTER_REF = frozenset("条款项章节号期批届次类种")


@dataclass(frozen=True)
class Marker:
    """A numbering marker: ``t[start:end]`` (e.g. "(二)") of ``style`` with its ``value``;
    ``strong`` when it stands where items begin (text start, after a sentence end or colon)."""

    style: str
    start: int
    end: int
    value: int
    strong: bool


@dataclass(eq=False)
class Chain:
    """Markers of one style that count up; ``items`` and ``parent`` are set by ``build_tree``."""

    style: str
    markers: list
    rank: int
    starts: list                   # marker starts, for bisecting
    parent: Item | None = None     # the item the chain is nested in (None at the top)
    close: int = 0                 # where its last item ends at the latest
    items: list | None = None      # one Item per marker


@dataclass(eq=False)
class Item:
    """One numbered item: its marker is ``t[mstart:start]``, its text ``t[start:end]``."""

    chain: Chain
    index: int                     # its place in the chain
    mstart: int
    start: int
    end: int
    depth: int = 0                 # nesting depth, 0 at the top
    children: list = field(default_factory=list)  # chains nested in the item


class _Intervals:
    """Sorted, non-overlapping intervals with a point-in-interval test."""

    def __init__(self, spans):
        self.starts = [s for s, _ in spans]
        self.ends = [e for _, e in spans]

    def contains(self, pos: int) -> bool:
        i = bisect.bisect_right(self.starts, pos) - 1
        return i >= 0 and self.starts[i] < pos < self.ends[i]


def _prev_char(t: str, pos: int) -> str | None:
    i = pos - 1
    while i >= 0 and t[i] in " \t\u00a0":
        i -= 1
    return t[i] if i >= 0 else None


def find_markers(t: str, skip=()) -> dict:
    """The numbering markers of the ``normalize``d text ``t``: a list of ``Marker`` per style
    name, in text order; none inside the ``skip`` spans ((start, end), sorted: e.g. quotes).

    A marker is strong where items begin (text start, after a sentence end or colon, and for
    inline styles after a comma); a weak one counts only when no word runs into it.
    """
    quoted = _Intervals(skip)
    by_style: dict = {s: [] for s in STYLES}
    for m in _MARK_RE.finditer(t):
        style = m.lastgroup
        start, end = m.start(style), m.end(style)
        if quoted.contains(start):
            continue
        value = STYLES[style].read(m.group("v_" + style))
        if not value:
            continue
        inline = STYLES[style].inline
        p = _prev_char(t, start)
        nxt = t[end] if end < len(t) else ""
        strong = p is None or p in _HARD_BOUNDARY or (inline and p in _SOFT_BOUNDARY)
        if not strong:
            if inline and style != "shi":
                continue
            if p in _WORD_BEFORE_NUM or p.isdigit() or p.isascii() and p.isalnum():
                continue
            if style in ("cn_dun", "ar_dot") and p in _SOFT_BOUNDARY:
                continue
        if nxt in _AFTER_REF and style in ("cn_paren", "ar_paren", "ar_close"):
            continue
        if style == "ar_dot" and t[end - 1] == "," and not strong:
            continue
        by_style[style].append(Marker(style, start, end, value, strong))
    return by_style


def build_chains(by_style: dict) -> list:
    """Runs of markers of one style that count up (1, 2, 3 …), in order of their first marker."""
    chains = []
    for style, cands in by_style.items():
        cur: list = []

        def flush():
            if len(cur) >= 2:
                chains.append(Chain(style, list(cur), STYLES[style].rank, [m.start for m in cur]))

        for i, c in enumerate(cands):
            if cur and (c.value == cur[-1].value + 1 or (style == "seq" and c.value == LAST)) \
                    and c.start >= cur[-1].end:
                cur.append(c)
                if style == "seq" and c.value == LAST:
                    flush()
                    cur = []
                continue
            if c.value == 1:
                if c.strong or not cur or (i + 1 < len(cands) and cands[i + 1].value == 2):
                    flush()
                    cur = [c]
        flush()
    chains.sort(key=lambda ch: ch.markers[0].start)
    return chains


class Tree(NamedTuple):
    """Nested enumerations: the top-level chains and every chain kept, in text order."""

    top: list
    chains: list


class _Open(NamedTuple):
    """A chain still open while nesting, and where it must close at the latest."""

    chain: Chain
    bound: int


def build_tree(chains: list, n: int, boundaries: list) -> Tree:
    """Nest chains into items. ``boundaries`` close every item that is still open when they
    are reached (headings, attachments); ``n`` is the text length."""
    stack: list[_Open] = []
    top: list = []
    kept: list = []
    slot: dict = {}  # chain -> (parent chain, index of the parent item)
    bidx = 0

    def close(entry: _Open, pos: int) -> None:
        entry.chain.close = min(pos, entry.bound)

    for c in chains:
        p = c.markers[0].start
        # hard boundaries between the previous chain and this one close everything open
        while bidx < len(boundaries) and boundaries[bidx] <= p:
            while stack:
                close(stack.pop(), boundaries[bidx])
            bidx += 1
        placed = False
        drop = False
        while stack:
            pch, bound = stack[-1]
            ms = pch.markers
            if p < ms[-1].start:
                i = bisect.bisect_right(pch.starts, p) - 1
                nxt = ms[i + 1].start
                if c.markers[-1].start < nxt:
                    slot[c] = (pch, i)
                    stack.append(_Open(c, nxt))
                    placed = True
                else:
                    drop = True
                break
            if c.rank > pch.rank and p < bound:
                slot[c] = (pch, len(ms) - 1)
                stack.append(_Open(c, bound))
                placed = True
                break
            close(stack.pop(), p)
        if drop:
            continue
        if not placed:
            nb = boundaries[bidx] if bidx < len(boundaries) else n
            stack.append(_Open(c, nb))
            top.append(c)
        kept.append(c)
    while stack:
        entry = stack.pop()
        nb = boundaries[bidx] if bidx < len(boundaries) else n
        close(entry, max(entry.chain.markers[-1].end, min(nb, n)))
    # items
    for c in kept:
        ms = c.markers
        c.items = []
        for i, m in enumerate(ms):
            end = ms[i + 1].start if i + 1 < len(ms) else max(c.close, m.end)
            c.items.append(Item(c, i, m.start, m.end, end))
    for c in kept:
        c.parent = None
        if c in slot:
            pch, i = slot[c]
            c.parent = pch.items[i]
            c.parent.children.append(c)

    # depths
    def setdepth(chain, d):
        for it in chain.items:
            it.depth = d
            for ch in it.children:
                setdepth(ch, d + 1)
    for c in top:
        setdepth(c, 0)
    return Tree(top, kept)
