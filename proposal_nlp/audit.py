"""Read the figures a handling summary (办理情况总结) states and check that they add up.

A bureau's summary reports how many 建议 and 提案 it handled, split into 主办 and 会办, and
how many of them were 消防事项. ``audit_summary`` finds those figures with their offsets and
checks the sums; ``figures_from_table`` computes the same figures from a table of proposals
(for example the ``proposals`` table of a batch), and ``compare_figures`` lines the two up.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from .errors import InputError, check_text
from .normalize import KIND_SPELLINGS, SENTENCE_ENDS, char_class, normalize, normalize_kind
from .numbering import NUMERAL_CHARS, cn_number

KINDS = KIND_SPELLINGS  # the spellings a summary uses for each kind (one table for the package)
FIGURE_COLUMNS = ["kind", "subset", "handling", "count", "start", "end", "evidence"]

_NUM = rf"(\d+|[{NUMERAL_CHARS}]+)"


_KIND_WORDS = "|".join(sorted(KINDS, key=len, reverse=True))
_TOTAL_RE = re.compile(
    r"共(?:承办|办理|受理|收到|承接)?了?(?:各类)?(?:市?人大代表建议和政协(?:委员)?提案|建议、?提案|建议和提案|建议提案|议案、?建议和提案)"
    + _NUM + "件")
_SPLIT = r"[(（]\s*主办\s*" + _NUM + r"\s*件\s*[,，、;；]\s*会办\s*" + _NUM + r"\s*件\s*[)）]"
_KIND_RE = re.compile(r"(" + _KIND_WORDS + r")\s*" + _NUM + r"\s*件\s*(?:" + _SPLIT + r")?")
_FIRE_RE = re.compile(r"(?:其中)?\s*消防(?:事项|类|方面|相关)?(?:的|建议|提案)?\s*" + _NUM + r"\s*件\s*(?:" + _SPLIT + r")?")
_SENTENCE_BREAK = re.compile(char_class(SENTENCE_ENDS))


@dataclass(frozen=True)
class Check:
    """One consistency check of stated figures: ``found`` must equal ``expected``
    (a sum), or with ``at_most`` must not exceed it (a subset)."""

    check: str
    expected: int
    found: int
    at_most: bool = False

    @property
    def ok(self) -> bool:
        return self.found <= self.expected if self.at_most else self.found == self.expected


def _fig(rows, kind, subset, handling, value, m, group):
    count = cn_number(value)
    if count is None:  # a run of numeral characters that is no number (二二件)
        return
    rows.append({"kind": kind, "subset": subset, "handling": handling,
                 "count": count, "start": m.start(group), "end": m.end(group),
                 "evidence": m.group(0)})


def audit_summary(text: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Find the counts a handling summary states and check their sums.

    Returns ``(figures, checks)``. ``figures`` has one row per stated number
    (kind: ``total`` / 人大代表建议 / 政协提案 / 议案; subset: ``all`` / ``消防事项``;
    handling: ``all`` / 主办 / 会办; count; start / end offsets of the number in ``text``;
    evidence: the phrase it was read from). ``checks`` has one row per sum that can be
    checked (check, expected, found, ok): total = sum of kinds, kind = 主办 + 会办,
    消防事项 = 主办 + 会办, 消防事项 ≤ its kind.
    """
    check_text(text)
    norm = normalize(text)
    rows: list[dict] = []
    taken: list[tuple[int, int]] = []
    for m in _TOTAL_RE.finditer(norm):
        _fig(rows, "total", "all", "all", m.group(1), m, 1)
        taken.append(m.span())
    # kinds and their fire subsets, reading each sentence left to right
    pos = 0
    for sent_end in [m.end() for m in _SENTENCE_BREAK.finditer(norm)] + [len(norm)]:
        sent = (pos, sent_end)
        pos = sent_end
        events = []
        for m in _KIND_RE.finditer(norm, *sent):
            if not any(a <= m.start() < b for a, b in taken):  # "建议提案57件" is the total
                events.append((m.start(), "kind", m))
        for m in _FIRE_RE.finditer(norm, *sent):
            events.append((m.start(), "fire", m))
        events.sort(key=lambda e: e[0])
        current = None
        for _, what, m in events:
            if what == "kind":
                # "10件代表建议" style phrases ("主办且需要书面答复的10件代表建议中") are not totals
                if norm[m.end():m.end() + 1] == "中" or m.group(1) in ("建议",) and m.group(3) is None:
                    continue
                current = KINDS[m.group(1)]
                _fig(rows, current, "all", "all", m.group(2), m, 2)
                if m.group(3) is not None:
                    _fig(rows, current, "all", "主办", m.group(3), m, 3)
                    _fig(rows, current, "all", "会办", m.group(4), m, 4)
            elif current is not None:
                _fig(rows, current, "消防事项", "all", m.group(1), m, 1)
                if m.group(2) is not None:
                    _fig(rows, current, "消防事项", "主办", m.group(2), m, 2)
                    _fig(rows, current, "消防事项", "会办", m.group(3), m, 3)
    figures = pd.DataFrame(rows, columns=FIGURE_COLUMNS)
    figures = figures.drop_duplicates(subset=["kind", "subset", "handling", "start"]).reset_index(drop=True)
    return figures, _checks(figures)


def _lookup(figures: pd.DataFrame, kind, subset, handling):
    sel = figures[(figures["kind"] == kind) & (figures["subset"] == subset) & (figures["handling"] == handling)]
    return None if sel.empty else int(sel["count"].iloc[0])


def _checks(figures: pd.DataFrame) -> pd.DataFrame:
    checks: list[Check] = []
    kinds = [k for k in dict.fromkeys(figures["kind"]) if k != "total"]
    total = _lookup(figures, "total", "all", "all")
    kind_counts = [_lookup(figures, k, "all", "all") for k in kinds]
    if total is not None and kinds and None not in kind_counts:
        checks.append(Check("total = " + " + ".join(kinds), total, sum(kind_counts)))
    for k in kinds:
        for subset in ("all", "消防事项"):
            whole = _lookup(figures, k, subset, "all")
            lead, co = _lookup(figures, k, subset, "主办"), _lookup(figures, k, subset, "会办")
            if whole is not None and lead is not None and co is not None:
                checks.append(Check(f"{k} {subset}: 主办 + 会办", whole, lead + co))
        for handling in ("all", "主办", "会办"):
            fire, whole = _lookup(figures, k, "消防事项", handling), _lookup(figures, k, "all", handling)
            if fire is not None and whole is not None:
                checks.append(Check(f"{k} 消防事项 ≤ {handling}", whole, fire, at_most=True))
    frame = pd.DataFrame([{"check": c.check, "expected": c.expected, "found": c.found, "ok": c.ok}
                          for c in checks], columns=["check", "expected", "found", "ok"])
    return frame


def figures_from_table(proposals: pd.DataFrame, *, kind_col: str = "类型", handling_col: str = "办理方式",
                       fire_col: str = "fire_relevant") -> pd.DataFrame:
    """Compute the summary's figures from a proposals table (one row per proposal).

    ``kind_col`` holds 人大代表建议 / 政协提案 (or short forms such as 建议 / 提案),
    ``handling_col`` holds 主办 / 会办, ``fire_col`` a boolean fire flag.
    """
    for col in (kind_col, handling_col, fire_col):
        if col not in proposals.columns:
            raise InputError(
                f"column {col!r} not in the proposals table (columns: {list(proposals.columns)}); "
                "name the right one with kind_col= / handling_col= / fire_col="
            )
    kinds = proposals[kind_col].astype(str).map(normalize_kind)
    handling = proposals[handling_col].astype(str).str.strip()
    fire = proposals[fire_col].fillna(False).astype(bool)
    rows = [{"kind": "total", "subset": "all", "handling": "all", "count": len(proposals)}]
    for k in dict.fromkeys(kinds):
        in_kind = kinds == k
        for subset, mask in (("all", in_kind), ("消防事项", in_kind & fire)):
            rows.append({"kind": k, "subset": subset, "handling": "all", "count": int(mask.sum())})
            for h in ("主办", "会办"):
                rows.append({"kind": k, "subset": subset, "handling": h, "count": int((mask & (handling == h)).sum())})
    frame = pd.DataFrame(rows)
    for col in ("start", "end", "evidence"):
        frame[col] = None
    return frame[FIGURE_COLUMNS]


def compare_figures(stated: pd.DataFrame, computed: pd.DataFrame) -> pd.DataFrame:
    """Line stated figures up with computed ones: kind, subset, handling, stated, computed, agree."""
    keys = ["kind", "subset", "handling"]
    left = stated.drop_duplicates(keys)[keys + ["count"]].rename(columns={"count": "stated"})
    right = computed.drop_duplicates(keys)[keys + ["count"]].rename(columns={"count": "computed"})
    out = left.merge(right, on=keys, how="outer")
    out["agree"] = out["stated"] == out["computed"]
    return out.reset_index(drop=True)
