"""Chinese numerals and enumeration markers: one parser, one set of marker styles.

``cn_number`` reads a Chinese or Arabic numeral. ``find_markers`` finds the numbering
markers of a (normalised) text by style, ``build_chains`` links markers of one style that
count up (一、 二、 三、), and ``build_tree`` nests the chains into items with offsets.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import NamedTuple

__all__ = ["cn_number", "find_markers", "build_chains", "build_tree", "Marker", "Chain", "Item", "Tree"]

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def cn_number(s: str) -> int | None:
    """Value of a Chinese or Arabic numeral (``"十二"`` → 12, ``"两"`` → 2, ``"3"`` → 3)."""
    s = s.strip()
    if not s:
        return None
    if s.isdigit():
        return int(s)
    total, cur = 0, 0
    for ch in s:
        if ch in _CN_DIGITS:
            cur = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (cur or 1) * _CN_UNITS[ch]
            cur = 0
        else:
            return None
    return total + cur


# ---------------------------------------------------------------------------- markers
_CNUM = "一二三四五六七八九十"
_MARK_RE = re.compile(
    r"(?P<cn_paren>\((?P<v_cn_paren>[一二三四五六七八九十]{1,3}|-)\))"
    r"|(?P<ar_paren>\((?P<v_ar_paren>\d{1,2})\))"
    r"|(?P<circ>[\u2460-\u2473\u2776-\u277f])"
    r"|(?P<di>第(?P<v_di>[一二三四五六七八九十]{1,2})[,、:])"
    r"|(?P<shi>(?P<v_shi>[一二三四五六七八九十]{1,2})是(?=[^,。;:\s]))"
    r"|(?P<yao>(?P<v_yao>[一二三四五六七八九十]{1,2})要(?=[^,。;:\s是求素点]))"
    r"|(?P<cn_dun>(?P<v_cn_dun>[一二三四五六七八九十]{1,3})[、.](?![\d.、]))"
    r"|(?P<ar_close>(?<![\d.])(?P<v_ar_close>\d{1,2})\)(?![\d)]))"
    r"|(?P<ar_dot>(?<![\d.])(?P<v_ar_dot>\d{1,2})(?:[、.](?![\d.%、])|,(?=[\u4e00-\u9fff])))"
    r"|(?P<seq>(?:首先|其次|再次|再者|最后),)"
)
_STYLES = ("cn_dun", "cn_paren", "di", "ar_dot", "ar_close", "ar_paren", "circ", "shi", "yao", "seq")
# default depth of each style: 一、 above （一） above 1. above （1） above ① above 一是
_RANK = {"cn_dun": 0, "cn_paren": 1, "di": 2, "ar_dot": 3, "ar_close": 4, "ar_paren": 5,
         "circ": 6, "shi": 7, "yao": 7, "seq": 7}
_INLINE = frozenset(("di", "shi", "yao", "seq"))
_HARD_BOUNDARY = frozenset("\n。;:!?")
_SOFT_BOUNDARY = frozenset(",、")
_WORD_BEFORE_NUM = frozenset("第统唯之其万专同单逐归合如独纯任择另每十百千这那哪某约近超逾共计有了是即和与及或等个年月日号")
_AFTER_REF = frozenset("条款项章节号期批届次类种")
_SEQ_VALUE = {"首先": 1, "其次": 2, "再次": 3, "再者": 3, "最后": 99}


def _cn_value(s: str) -> int:
    d = {c: i + 1 for i, c in enumerate(_CNUM)}
    if s == "十":
        return 10
    if len(s) == 1:
        return d.get(s, 0)
    if s[0] == "十":
        return 10 + d.get(s[1], 0)
    if len(s) == 2 and s[1] == "十":
        return d.get(s[0], 0) * 10
    if len(s) == 3 and s[1] == "十":
        return d.get(s[0], 0) * 10 + d.get(s[2], 0)
    return 0


@dataclass
class Marker:
    style: str
    start: int
    end: int
    value: int
    strong: bool


@dataclass
class Chain:
    style: str
    markers: list
    rank: int
    parent: "Item | None" = None
    close: int = 0  # end of the last item
    starts: list = None  # marker starts, for bisecting
    items: list = None  # the Item of each marker, filled by build_tree


@dataclass
class Item:
    chain: Chain
    index: int
    mstart: int     # numbering marker start
    start: int      # text start (right after the marker)
    end: int
    depth: int = 0
    children: list = None  # child chains
    label: str = ""
    ask: float = 0.0
    head_end: int = 0


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
    """Numbering markers of ``t`` by style; none inside the ``skip`` spans (e.g. quotes)."""
    quoted = _Intervals(skip)
    by_style: dict = {s: [] for s in _STYLES}
    for m in _MARK_RE.finditer(t):
        style = next(s for s in _STYLES if m.group(s) is not None)
        start, end = m.start(style), m.end(style)
        if quoted.contains(start):
            continue
        if style == "circ":
            c = ord(t[start])
            value = c - 0x2460 + 1 if c <= 0x2473 else c - 0x2776 + 1
        elif style == "seq":
            value = _SEQ_VALUE[m.group(style)[:-1]]
        else:
            raw = m.group("v_" + style)
            value = int(raw) if raw.isdigit() else (1 if raw == "-" else _cn_value(raw))
        if value <= 0:
            continue
        p = _prev_char(t, start)
        nxt = t[end] if end < len(t) else ""
        strong = p is None or p in _HARD_BOUNDARY or (style in _INLINE and p in _SOFT_BOUNDARY)
        if not strong:
            if style in _INLINE and style != "shi":
                continue
            if p in _WORD_BEFORE_NUM or p.isdigit() or p.isascii() and p.isalnum():
                continue
            if style in ("cn_dun", "ar_dot") and p in ",、":
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
                chains.append(Chain(style, list(cur), _RANK[style], starts=[m.start for m in cur]))

        for i, c in enumerate(cands):
            if cur and (c.value == cur[-1].value + 1 or (style == "seq" and c.value == 99)) \
                    and c.start >= cur[-1].end:
                cur.append(c)
                if style == "seq" and c.value == 99:
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


def build_tree(chains: list, n: int, boundaries: list) -> Tree:
    """Nest chains into items. ``boundaries`` close every item that is still open when they
    are reached (headings, attachments); ``n`` is the text length."""
    stack: list = []  # (chain, bound)
    top: list = []
    bidx = 0

    def close(entry, pos):
        ch, bound = entry
        ch.close = min(pos, bound)

    kept = []
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
                    c.parent = (pch, i)
                    stack.append((c, nxt))
                    placed = True
                else:
                    drop = True
                break
            if c.rank > pch.rank and p < bound:
                c.parent = (pch, len(ms) - 1)
                stack.append((c, bound))
                placed = True
                break
            close(stack.pop(), p)
        if drop:
            continue
        if not placed:
            c.parent = None
            nb = boundaries[bidx] if bidx < len(boundaries) else n
            stack.append((c, nb))
            top.append(c)
        kept.append(c)
    while stack:
        entry = stack.pop()
        nb = boundaries[bidx] if bidx < len(boundaries) else n
        close(entry, max(entry[0].markers[-1].end, min(nb, n)))
    # items
    for c in kept:
        ms = c.markers
        c.items = []
        for i, m in enumerate(ms):
            end = ms[i + 1].start if i + 1 < len(ms) else max(c.close, m.end)
            c.items.append(Item(c, i, m.start, m.end, end, children=[]))
    for c in kept:
        if c.parent is not None:
            pch, i = c.parent
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
