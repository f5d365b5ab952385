"""A handling summary's figures against a batch: stated, computed, lined up, and written.

``audit_summary`` reads the figures a handling summary (办理情况总结) states and checks them
(the reading itself is :func:`proposal_nlp.handling_report.parse_report`).
``figures_from_table`` computes the same figures from a table of proposals (for example the
``proposals`` table of a batch), each with the rows behind it; ``compare_figures`` lines stated
and computed figures up; ``basic_situation`` writes the 基本情况 paragraph of a batch and its
figures table, in the structure ``parse_report`` reads, every number traceable to its rows.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .errors import InputError, check_text
from .handling_report import parse_report
from .normalize import is_missing, normalize_handling, normalize_kind
from .numbering import cn_number  # noqa: F401  (kept importable from here: audit.cn_number)
from .report_figures import ALL, FIGURE_COLUMNS, OUTCOMES, SATISFACTION, SATISFIED_OR_BASIC, TOTAL
from .roles import normalize_result, normalize_satisfaction
from .summary import Figure, basic_parts, build_summary

__all__ = ["audit_summary", "figures_from_table", "figures_from_result", "compare_figures", "basic_situation",
           "BasicSituation", "COMPUTED_COLUMNS", "COMPARE_COLUMNS", "FIRE_SUBSET"]

#: the subset name of fire items (消防事项), as summaries name it and figures carry it
FIRE_SUBSET = "消防"
COMPUTED_COLUMNS = FIGURE_COLUMNS + ["rows"]
KEYS = ["kind", "subset", "handling", "result", "measure"]
COMPARE_COLUMNS = KEYS + ["stated", "computed", "agree", "status", "evidence", "rows"]


def audit_summary(text: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(figures, checks)`` of a handling summary: the counts and rates it states, with their
    offsets, and whether they add up. The figures and checks of :func:`parse_report`
    (see :func:`proposal_nlp.report_figures.read_figures` for the columns); use
    ``parse_report`` for the sections, cited proposals, plans and notes too.
    """
    check_text(text)
    report = parse_report(text, asks=False)
    return report.figures, report.checks


def _column(proposals: pd.DataFrame, col, what: str, option: str):
    if col is None:
        return None
    if col not in proposals.columns:
        raise InputError(
            f"column {col!r} ({what}) not in the proposals table (columns: {list(proposals.columns)}); "
            f"name the right one with {option}= or pass {option}=None to leave it out", code="PN182")
    return proposals[col]


def _share(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1)


def figures_from_table(proposals: pd.DataFrame, *, kind_col: str | None = "类型",
                       handling_col: str | None = "办理方式", fire_col: str | None = "fire_relevant",
                       result_col: str | None = None, satisfaction_col: str | None = None,
                       row_col: str | None = None) -> pd.DataFrame:
    """The figures of a proposals table (one row per proposal), in the structure of
    :func:`audit_summary`'s figures, each with ``rows``: the ids of the rows it counts.

    ``kind_col`` holds 人大代表建议 / 政协提案 / 议案 (or 建议 / 提案 …), ``handling_col`` 主办 /
    会办 (协办 … read as 会办), ``fire_col`` a boolean fire flag (the subset 消防),
    ``result_col`` the handling result (解决采纳 … A类 …), ``satisfaction_col`` 满意 / 基本满意 /
    不满意; ``None`` leaves a column out. ``row_col`` names the row ids (default: ``row`` when
    the table has it, else 1, 2, …). Counts come by kind, 主办 / 会办, the fire subset, result and
    satisfaction level; the rates of 满意 and 满意或基本满意 among the rows that have a level.
    """
    kinds = _column(proposals, kind_col, "the kind", "kind_col")
    handling = _column(proposals, handling_col, "主办 / 会办", "handling_col")
    fire = _column(proposals, fire_col, "the fire flag", "fire_col")
    result = _column(proposals, result_col, "the handling result", "result_col")
    satisfaction = _column(proposals, satisfaction_col, "the satisfaction level", "satisfaction_col")
    if row_col is None and "row" in proposals.columns:
        row_col = "row"
    ids = (_column(proposals, row_col, "the row ids", "row_col").tolist() if row_col is not None
           else list(range(1, len(proposals) + 1)))
    n = len(proposals)

    def cells(col, norm):
        return [norm("" if is_missing(v) else str(v)) for v in col.tolist()] if col is not None else [""] * n

    kind = cells(kinds, normalize_kind)
    hand = cells(handling, normalize_handling)
    res = cells(result, normalize_result)
    sat = cells(satisfaction, normalize_satisfaction)
    is_fire = [False if is_missing(v) else bool(v) for v in fire.tolist()] if fire is not None else [False] * n
    has_fire = fire is not None and fire.notna().any()
    rows: list[dict] = []

    def add(mask, kind_v=TOTAL, subset=ALL, hand_v=ALL, result_v=ALL, measure="count", percent=None):
        picked = [ids[i] for i in range(n) if mask[i]]
        rows.append({"kind": kind_v, "subset": subset, "handling": hand_v, "result": result_v, "measure": measure,
                     "count": len(picked) if measure == "count" else None, "percent": percent, "start": None,
                     "end": None, "evidence": None, "rows": tuple(picked)})

    def both(a, b):
        return [x and y for x, y in zip(a, b)]

    handlings = [h for h in ("主办", "会办") if h in hand]
    results = [v for v in OUTCOMES if v in res]
    levels = [v for v in SATISFACTION if v in sat]
    present = [k for k in ("人大代表建议", "政协提案", "议案") if k in kind]
    present += sorted({k for k in kind if k and k not in present})
    everyone = [True] * n
    add(everyone)
    for k in [TOTAL, *present]:
        in_k = everyone if k == TOTAL else [x == k for x in kind]
        if k != TOTAL:
            add(in_k, k)
        subsets = [(ALL, everyone)] + ([(FIRE_SUBSET, is_fire)] if has_fire else [])
        for subset, in_s in subsets:
            in_ks = both(in_k, in_s)
            if subset != ALL:
                add(in_ks, k, subset)
            for h in handlings:
                add(both(in_ks, [x == h for x in hand]), k, subset, h)
        for v in results:
            add(both(in_k, [x == v for x in res]), k, result_v=v)
        for v in levels:
            add(both(in_k, [x == v for x in sat]), k, result_v=v)
        rated = both(in_k, [x in SATISFACTION for x in sat])
        if any(rated):
            pleased = sum(both(rated, [x == "满意" for x in sat]))
            basic = sum(both(rated, [x == "基本满意" for x in sat]))
            add(rated, k, result_v="满意", measure="percent", percent=_share(pleased, sum(rated)))
            add(rated, k, result_v=SATISFIED_OR_BASIC, measure="percent", percent=_share(pleased + basic, sum(rated)))
    frame = pd.DataFrame(rows, columns=COMPUTED_COLUMNS)
    frame["count"] = pd.array(frame["count"], dtype="Int64")
    frame["percent"] = pd.array(frame["percent"], dtype="Float64")
    return frame


def figures_from_result(result) -> pd.DataFrame:
    """:func:`figures_from_table` of a batch result (a ``BatchResult`` or its ``proposals``
    table), with the batch's column names: ``kind``, ``handling``, ``fire_relevant``,
    ``result``, ``satisfaction``, ``row`` (those it has)."""
    proposals = result.proposals if hasattr(result, "proposals") else result
    if not isinstance(proposals, pd.DataFrame):
        raise InputError(f"figures_from_result needs a BatchResult or its proposals table, got "
                         f"{type(result).__name__}; read a written result with proposal_nlp.results.read_result",
                         code="PN183")
    cols = {"kind_col": "kind", "handling_col": "handling", "fire_col": "fire_relevant", "result_col": "result",
            "satisfaction_col": "satisfaction", "row_col": "row"}
    return figures_from_table(proposals, **{k: (v if v in proposals.columns else None) for k, v in cols.items()})


def _value(frame: pd.DataFrame) -> pd.Series:
    count = frame["count"].astype("Float64") if "count" in frame else pd.Series([pd.NA] * len(frame), dtype="Float64")
    if "percent" not in frame:
        return count
    return count.where(frame["measure"] == "count", frame["percent"].astype("Float64"))


def _keyed(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col, default in (("result", ALL), ("measure", "count")):
        if col not in out:
            out[col] = default
    out["value"] = _value(out)
    return out


def _close(stated, computed) -> bool:
    text = f"{float(stated):g}"
    places = len(text.partition(".")[2])
    return abs(float(stated) - float(computed)) <= 0.5 * 10 ** -places + 0.05


def compare_figures(stated: pd.DataFrame, computed: pd.DataFrame) -> pd.DataFrame:
    """Line stated figures up with computed ones, one row per figure of either
    (:data:`COMPARE_COLUMNS`): the figure's slots, ``stated`` and ``computed`` values,
    ``agree`` (both there and equal; a rate to its stated precision, and a stated 满意率 also
    when it counts 基本满意 in), ``status`` (``agree`` / ``differ`` / ``not stated`` /
    ``not computed``), the stated ``evidence`` and the computed ``rows``."""
    left = _keyed(stated).drop_duplicates(KEYS).assign(_order=lambda d: range(len(d)))
    right = _keyed(computed).drop_duplicates(KEYS).assign(_rorder=lambda d: range(len(d)))
    if "rows" not in right:
        right["rows"] = None
    if "evidence" not in left:
        left["evidence"] = None
    out = left[KEYS + ["value", "evidence", "_order"]].rename(columns={"value": "stated"}).merge(
        right[KEYS + ["value", "rows", "_rorder"]].rename(columns={"value": "computed"}), on=KEYS, how="outer")
    # the stated figures in the summary's order, then the ones only computed, in their order
    out = out.sort_values(["_order", "_rorder"], na_position="last", kind="stable").reset_index(drop=True)
    both = {tuple(r[k] for k in KEYS): r["value"] for _, r in right.iterrows()}
    agree, status = [], []
    for _, r in out.iterrows():
        s, c = r["stated"], r["computed"]
        if is_missing(s):
            agree.append(False)
            status.append("not stated")
            continue
        if is_missing(c):
            agree.append(False)
            status.append("not computed")
            continue
        ok = float(s) == float(c) if r["measure"] == "count" else _close(s, c)
        if not ok and r["measure"] == "percent" and r["result"] == "满意":
            alt = both.get((r["kind"], r["subset"], r["handling"], SATISFIED_OR_BASIC, "percent"))
            ok = alt is not None and not is_missing(alt) and _close(s, alt)
        agree.append(bool(ok))
        status.append("agree" if ok else "differ")
    out["agree"] = agree
    out["status"] = status
    for col in ("stated", "computed"):
        out[col] = out[col].astype("Float64")
    return out[COMPARE_COLUMNS].reset_index(drop=True)


# ------------------------------------------------------------------ the 基本情况 paragraph


@dataclass(frozen=True, eq=False)
class BasicSituation:
    """The 基本情况 paragraph of a batch and its figures.

    ``table`` has the columns of :func:`audit_summary`'s figures plus ``rows``: one row per
    number of the paragraph, ``start`` / ``end`` its offsets in ``paragraph`` and ``rows`` the
    ids of the batch rows it counts. ``parse_report(paragraph).figures`` reads the same figures
    back. ``summary`` is the batch's summary table the paragraph was written from.
    """

    paragraph: str
    table: pd.DataFrame
    summary: pd.DataFrame

    def __str__(self) -> str:
        return self.paragraph


def _figure_key(f: Figure) -> tuple:
    kind = TOTAL if f.kind in ("all", "") else f.kind
    handling = ALL if f.handling in ("all", "") else f.handling
    subset, result, measure = ALL, ALL, "count"
    if f.metric == "fire":
        subset = FIRE_SUBSET
    elif f.metric.startswith(("result:", "satisfaction:")):
        result = f.metric.partition(":")[2]
    elif f.metric == "satisfaction_rate":
        result, measure = SATISFIED_OR_BASIC, "percent"
    return kind, subset, handling, result, measure


def basic_situation(source) -> BasicSituation:
    """The 基本情况 paragraph of a batch, written as a bureau's summary states it, and its table.

    ``source`` is a ``BatchResult`` or a proposals table with the batch's columns (``kind``,
    ``handling``, ``fire_relevant`` and, when the intake had them, ``result`` and
    ``satisfaction``; ``row`` for the row ids). The paragraph states the total, each kind with
    主办 / 会办 and its 消防事项, the handling results and the satisfaction levels with the
    satisfaction rate; the table holds each of its numbers with its offsets in the paragraph
    and the rows behind it.

    >>> situation = basic_situation(result)                      # doctest: +SKIP
    >>> situation.paragraph   # 本批共受理建议提案57件。包括人大代表建议29件（主办11件，会办18件）…
    >>> situation.table       # kind, subset, handling, result, measure, count, percent, start, end, evidence, rows
    """
    proposals = source.proposals if hasattr(source, "proposals") else source
    if not isinstance(proposals, pd.DataFrame):
        raise InputError(f"basic_situation needs a BatchResult or its proposals table, got {type(source).__name__}; "
                         "run proposal_nlp.process_table first, or read a written result with read_result",
                         code="PN183")
    summary = build_summary(proposals, None)
    parts = basic_parts(summary)
    computed = figures_from_result(proposals)
    by_key = {tuple(r[k] for k in KEYS): r for _, r in computed.iterrows()}
    paragraph = "".join(map(str, parts))
    rows = []
    pos = 0
    for part in parts:
        text = str(part)
        if isinstance(part, Figure):
            key = _figure_key(part)
            number = text.rstrip("件条%")
            row = by_key.get(key)
            if row is not None:
                ev = max(paragraph.rfind(c, 0, pos) for c in "，。；（、：") + 1
                rows.append({**{k: v for k, v in zip(KEYS, key)}, "count": row["count"], "percent": row["percent"],
                             "start": pos, "end": pos + len(number), "evidence": paragraph[ev:pos + len(text)],
                             "rows": row["rows"]})
        pos += len(text)
    table = pd.DataFrame(rows, columns=COMPUTED_COLUMNS)
    table["count"] = pd.array(table["count"], dtype="Int64")
    table["percent"] = pd.array(table["percent"], dtype="Float64")
    return BasicSituation(paragraph, table, summary)
