"""Checks of a figures table (stated in a handling summary, or computed from a batch).

:func:`check_figures` checks that parts add up to their whole (the kinds to the total, 主办 +
会办, the handling results, the satisfaction levels), that a subset never exceeds its whole, that
a rate agrees with the counts it describes and that a count stated twice states the same number.
A failing row names the numbers (``人大代表建议 29 ≠ 主办 11 + 会办 17 = 28``) and the figures it
rests on.
"""
from __future__ import annotations

import pandas as pd

from .report_figures import ALL, HANDLINGS, KINDS, OUTCOMES, SATISFACTION, SATISFIED_OR_BASIC, SLOTS, TOTAL

__all__ = ["check_figures", "figure_label", "CHECK_COLUMNS"]

CHECK_COLUMNS = ["check", "type", "expected", "found", "ok", "detail", "figures"]


def figure_label(kind=TOTAL, subset=ALL, handling=ALL, result=ALL) -> str:
    """A figure's slots as people read them: ``人大代表建议·消防·主办``; ``全部`` for the total."""
    parts = [v for v in (kind if kind != TOTAL else "", subset, handling, result) if v and v != ALL]
    return "·".join(parts) or "全部"


def _fmt(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


_UNREAD = ("could not be read", "a range", "same figure")


def _unread_between(notes, rows, whole, figures) -> int:
    """How many numbers of the summary were left out (notes) among the parts ``rows``, or
    between their whole and them (a list's first numbers)."""
    if notes is None or not len(notes) or len(rows) < 2:
        return 0
    starts = [int(figures.at[r, "start"]) for r in rows]
    lo = max(min(starts + [int(figures.at[whole, "start"])]), min(starts) - 120)
    hi = max(int(figures.at[r, "end"]) for r in rows)
    unread = notes[notes["note"].map(lambda n: any(w in str(n) for w in _UNREAD))]
    return int(((unread["start"] > lo) & (unread["start"] < hi)).sum())


def check_figures(figures: pd.DataFrame, notes: pd.DataFrame | None = None) -> pd.DataFrame:
    """The checks of a figures table (:data:`CHECK_COLUMNS`): one row per sum, subset, rate and
    repeated statement that can be checked, with ``expected`` (the whole, or the stated rate),
    ``found`` (the sum of the parts, the part, or the computed rate), ``ok`` and ``detail``
    naming the numbers; ``figures`` lists the rows of ``figures`` it rests on.

    * ``sum``: the parts of one dimension add up to their whole: the kinds to the total,
      主办 + 会办, the handling results, the satisfaction levels (满意 + 基本满意 also to
      满意或基本满意). With one part only, the part must not exceed the whole.
    * ``subset``: a topic's count never exceeds the count it is a part of.
    * ``rate``: a stated rate agrees with the counts it describes (to its stated precision; 满意率
      may count 基本满意 too); a share (占…%) with its count and whole.
    * ``repeat``: a count stated twice states the same number.

    ``notes`` (those of :func:`~proposal_nlp.report_figures.read_figures`): when numbers among the
    parts of a sum could not be read, the parts are only checked not to exceed their whole.
    """
    checks: list[dict] = []
    counts = figures[figures["measure"] == "count"] if len(figures) else figures
    by_key: dict[tuple, list[int]] = {}
    for idx, row in counts.iterrows():
        by_key.setdefault(tuple(row[s] for s in SLOTS), []).append(idx)

    def val(key):
        rows = by_key.get(key)
        return (int(figures.at[rows[0], "count"]), rows[0]) if rows else (None, None)

    def add(name, kind, expected, found, ok, detail, rows):
        checks.append({"check": name, "type": kind, "expected": expected, "found": found, "ok": bool(ok),
                       "detail": detail, "figures": tuple(int(r) for r in rows)})

    for key, rows in by_key.items():
        values = list(dict.fromkeys(int(figures.at[r, "count"]) for r in sorted(rows, key=lambda r: figures.at[r, "start"])))
        if len(values) > 1:
            label = figure_label(*key)
            add(f"{label} 前后一致", "repeat", values[0], values[1], False,
                f"{label} 先后写作 " + "件、".join(map(str, values)) + "件", rows)
    dims = (("kind", KINDS), ("handling", HANDLINGS), ("result", OUTCOMES), ("result", SATISFACTION))
    for key in by_key:
        whole, w_row = val(key)
        slots = dict(zip(SLOTS, key))
        for slot, values in dims:
            if slots[slot] not in (ALL, TOTAL):
                continue
            parts = []
            for v in values:
                n, row = val(tuple(v if s == slot else slots[s] for s in SLOTS))
                if n is not None:
                    parts.append((v, n, row))
            if not parts:
                continue
            found = sum(n for _, n, _ in parts)
            label = figure_label(*key)
            names = " + ".join(figure_label(*(v if s == slot else slots[s] for s in SLOTS)) for v, _, _ in parts)
            shown = " + ".join(f"{v} {n}" for v, n, _ in parts)
            rows = [w_row] + [row for _, _, row in parts]
            unread = _unread_between(notes, [row for _, _, row in parts], w_row, figures)
            if len(parts) >= 2 and unread:
                add(f"{names} ≤ {label}", "sum", whole, found, found <= whole,
                    f"{shown} = {found} {'≤' if found <= whole else '>'} {label} {whole} "
                    f"({unread} number(s) among them not read)", rows)
            elif len(parts) >= 2:
                add(f"{label} = {names}", "sum", whole, found, found == whole,
                    f"{label} {whole} {'=' if found == whole else '≠'} {shown} = {found}", rows)
            else:
                add(f"{names} ≤ {label}", "sum", whole, found, found <= whole,
                    f"{shown} {'≤' if found <= whole else '>'} {label} {whole}", rows)
        if slots["result"] == ALL:  # 满意 + 基本满意 = 满意或基本满意
            both, b_row = val(tuple(SATISFIED_OR_BASIC if s == "result" else slots[s] for s in SLOTS))
            if both is not None:
                label = figure_label(*key)
                add(f"{figure_label(**{**slots, 'result': SATISFIED_OR_BASIC})} ≤ {label}", "sum", whole, both,
                    both <= whole, f"{SATISFIED_OR_BASIC} {both} {'≤' if both <= whole else '>'} {label} {whole}",
                    [w_row, b_row])
                parts = [(v, *val(tuple(v if s == "result" else slots[s] for s in SLOTS))) for v in SATISFACTION[:2]]
                if all(n is not None for _, n, _ in parts):
                    found = sum(n for _, n, _ in parts)
                    add(f"{figure_label(**{**slots, 'result': SATISFIED_OR_BASIC})} = 满意 + 基本满意", "sum", both,
                        found, found == both, f"{SATISFIED_OR_BASIC} {both} {'=' if found == both else '≠'} "
                        + " + ".join(f"{v} {n}" for v, n, _ in parts) + f" = {found}", [b_row] + [r for *_, r in parts])
        if slots["subset"] != ALL:
            whole_key = tuple(ALL if s == "subset" else slots[s] for s in SLOTS)
            parent, p_row = val(whole_key)
            if parent is not None:
                label, plabel = figure_label(*key), figure_label(*whole_key)
                add(f"{label} ≤ {plabel}", "subset", parent, whole, whole <= parent,
                    f"{label} {whole} {'≤' if whole <= parent else '>'} {plabel} {parent}", [w_row, p_row])
    if len(figures):
        for idx, row in figures[figures["measure"] == "percent"].iterrows():
            _check_rate(row, idx, val, add)
    return pd.DataFrame(checks, columns=CHECK_COLUMNS)


def _agrees(stated: float, num: int, den: int) -> bool:
    if den <= 0:
        return False
    exact = 100.0 * num / den
    text = f"{stated:g}"
    places = len(text.partition(".")[2])
    tol = 0.5 * 10 ** -places + 1e-9
    return abs(exact - stated) <= tol or abs(int(exact * 10 ** places) / 10 ** places - stated) <= 1e-9 or \
        abs(exact - stated) <= 1.0 and places == 0 and 0 < exact < 100 and round(exact) == round(stated)


def _check_rate(row, idx, val, add) -> None:
    slots = {s: row[s] for s in SLOTS}
    stated = float(row["percent"])
    label = figure_label(**slots)
    result = slots["result"]
    key = tuple(slots[s] for s in SLOTS)
    candidates: list[tuple[int, int, list[int]]] = []  # (part, whole, rows)
    if result != ALL:
        whole_key = tuple(ALL if s == "result" else slots[s] for s in SLOTS)
        whole, w_row = val(whole_key)
        family = SATISFACTION if result in SATISFACTION or result == SATISFIED_OR_BASIC else OUTCOMES
        if whole is None:  # the whole is then the sum of the levels stated
            found = [val(tuple(v if s == "result" else slots[s] for s in SLOTS)) for v in family]
            if sum(n is not None for n, _ in found) >= 2:
                whole, w_row = sum(n for n, _ in found if n is not None), None
        if whole is None:
            return
        nums = []
        n, r = val(key)
        if n is not None:
            nums.append((n, [r]))
        if result in ("满意", SATISFIED_OR_BASIC):
            a, ra = val(tuple("满意" if s == "result" else slots[s] for s in SLOTS))
            b, rb = val(tuple("基本满意" if s == "result" else slots[s] for s in SLOTS))
            c, rc = val(tuple(SATISFIED_OR_BASIC if s == "result" else slots[s] for s in SLOTS))
            if a is not None and b is not None:
                nums.append((a + b, [ra, rb]))
            if c is not None:
                nums.append((c, [rc]))
            if a is not None:
                nums.append((a, [ra]))
        if not nums and stated == 100.0:
            return
        if not nums:
            return
        candidates = [(n, whole, [x for x in [w_row, *rows] if x is not None]) for n, rows in nums]
    else:
        n, r = val(key)
        if n is None:
            return
        for drop in ("subset", "handling", "kind"):
            if slots[drop] in (ALL, TOTAL):
                continue
            whole_key = tuple((TOTAL if s == "kind" else ALL) if s == drop else slots[s] for s in SLOTS)
            whole, w_row = val(whole_key)
            if whole is not None:
                candidates.append((n, whole, [r, w_row]))
        if not candidates:
            return
    ok = any(_agrees(stated, n, w) for n, w, _ in candidates)
    n, w, rows = next(((n, w, rows) for n, w, rows in candidates if _agrees(stated, n, w)), candidates[0])
    computed = round(100.0 * n / w, 2) if w else float("nan")
    add(f"{label} {_fmt(stated)}%", "rate", stated, computed, ok,
        f"{label} {_fmt(stated)}% {'=' if ok else '≠'} {n}/{w} = {computed:g}%", [idx, *rows])
