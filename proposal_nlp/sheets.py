"""How a result table is laid out on a workbook sheet for the clerk, and read back.

Every column a person reads is in Chinese: a coded column (verdicts, ask sources, topics, status,
summary metrics, error stages and messages, the about table, a measure's asks) is shown by its
Chinese display values (:mod:`proposal_nlp.display`), with the machine column kept beside it in
a **hidden column headed by its id** (``coverage``, ``topics`` …) for programs and for
:func:`proposal_nlp.results.read_result`; yes / no columns are written 是 / 否; the topic scores
go to a sheet of their own (主题得分); decimals are shown with two places (the cell keeps the
full value); long texts wrap at a fixed width. Hidden columns (not a hidden sheet) keep each row
whole when a clerk sorts or filters the sheet.

A CSV folder keeps the machine values (see :mod:`proposal_nlp.results`): this module is the
workbook's layout only.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from .display import display_columns
from .outputs import escape_cell, unescape_cell
from .resources import column_label, display_label, display_names, inverse_columns

#: the sheet of the topic scores (the ``score_*`` columns of the proposals table)
SCORES = "scores"
#: id columns copied to the scores sheet so each row says whose scores they are
SCORE_KEYS = ("row", "id", "title")

# coded columns: a hidden machine column, then its Chinese display column
CODED = {
    "proposals": ("topics", "status"),
    "suggestions": ("source", "coverage", "evidence", "related"),
    "matches": ("coverage", "evidence", "related"),
    "measures": ("suggestion_ids",),
    "summary": ("metric", "kind", "handling"),
    "errors": ("stage", "message"),
    "about": ("key", "value"),
}
# machine columns only programs need (offsets, the topic names the display column repeats)
HIDDEN = {"proposals": ("topic_names",), "suggestions": ("start", "end")}
YES_NO = ("duplicate_id", "fire_relevant")
DECIMALS = ("fire_score", "score", "best_score", "p_covered")
NUMBER_FORMAT = "0.00"
# widths (in characters of a Latin font; a Chinese character takes two) of the wrapped columns
WRAP_WIDTHS = {"title": 34, "text": 50, "clause_text": 44, "message": 50, "suggestion_ids": 70, "parsed_title": 30,
               "evidence": 24, "related": 30, "topics": 22, "label": 26, "proposer": 16, "session": 20}
TABLE_WRAP_WIDTHS = {("about", "value"): 50, ("about", "key"): None, ("proposals", "text"): None}
BODY_WIDTH = 60  # the proposals' full text: one line, not wrapped (a wrapped body makes rows pages high)
MAX_WIDTH = 24
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class SheetColumn:
    """One column of a sheet: the table column it comes from, its header, whether it is a
    hidden machine column or a display column (values from :func:`display.display_columns`)."""

    source: str
    header: str
    hidden: bool = False
    shown: bool = False  # Chinese display values instead of the machine values
    number_format: str | None = None
    wrap: bool = False
    width: float | None = None


def is_score(col: str) -> bool:
    return str(col).startswith("score_")


def split_scores(table: str, columns) -> tuple[list[str], list[str]]:
    """(the columns of the table's own sheet, the columns of the scores sheet)."""
    columns = list(columns)
    if table != "proposals" or not any(is_score(c) for c in columns):
        return columns, []
    return ([c for c in columns if not is_score(c)],
            [c for c in SCORE_KEYS if c in columns] + [c for c in columns if is_score(c)])


def sheet_columns(table: str, columns, id_header: str | None = None) -> list[SheetColumn]:
    """The sheet's columns for a table with ``columns`` (in order; the scores sheet is ``SCORES``)."""
    out = []
    for c in columns:
        c = str(c)
        label = escape_cell(id_header if (c == "id" and id_header) else column_label(c, table))
        fmt = NUMBER_FORMAT if (c in DECIMALS or is_score(c)) else None
        width = TABLE_WRAP_WIDTHS.get((table, c), WRAP_WIDTHS.get(c))
        wrap = width is not None
        if table == "proposals" and c == "text":
            width = BODY_WIDTH
        if c in CODED.get(table, ()):
            out.append(SheetColumn(c, c, hidden=True))
            out.append(SheetColumn(c, escape_cell(display_label(c, table)), shown=True, wrap=wrap, width=width))
        elif c in HIDDEN.get(table, ()):
            out.append(SheetColumn(c, c, hidden=True))
        elif c in YES_NO:
            out.append(SheetColumn(c, label, shown=True))
        else:
            out.append(SheetColumn(c, label, number_format=fmt, wrap=wrap, width=width))
    return out


def _shown_cell(v, limit: int | None):
    """A display value as written: no control character an XLSX cell refuses, escaped, cut."""
    if not isinstance(v, str):
        return v
    v = escape_cell(_ILLEGAL_XML.sub("", v))
    return v[:limit] if limit is not None else v


def sheet_values(table: str, layout: list[SheetColumn], raw: pd.DataFrame, prepared: pd.DataFrame, *,
                 asks: Mapping | None = None, limit: int | None = None) -> list[list]:
    """The values of each sheet column: the prepared (escaped, cut) machine values, or the
    display values computed from the raw ones."""
    shown = display_columns(table, raw, asks=asks) if any(c.shown for c in layout) else {}
    out = []
    for c in layout:
        if c.shown:
            out.append([_shown_cell(v, limit) for v in shown.get(c.source, prepared[c.source].tolist())])
        else:
            out.append(prepared[c.source].tolist())
    return out


def display_width(s: str) -> int:
    s = s[:80]
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in s)


def column_widths(layout: list[SheetColumn], values: list[list]) -> list[float]:
    """Each column's width: fixed for wrapped texts, else to fit the header and the first
    values (at most ``MAX_WIDTH``)."""
    widths = []
    for c, vals in zip(layout, values):
        if c.width is not None:
            widths.append(c.width)
            continue
        lens = [display_width(c.header)] + [display_width(v if isinstance(v, str) else _number_text(v))
                                            for v in vals[:200]]
        widths.append(max(min(max(lens) + 2, MAX_WIDTH), 6))
    return widths


def _number_text(v) -> str:
    if isinstance(v, float):
        return f"{v:.2f}"
    return "" if v is None else str(v)


# ------------------------------------------------------------------------------- reading back
def machine_ids() -> set[str]:
    """Every column id a sheet may carry as the header of a hidden machine column."""
    ids = set(display_names()["columns"]) | {"key", "value"}
    for cols in (*CODED.values(), *HIDDEN.values()):
        ids.update(cols)
    return ids


def machine_frame(table: str, df: pd.DataFrame, id_header: str | None = None) -> pd.DataFrame:
    """A sheet (or CSV file) read as text back into the table's machine columns: headers to
    ids, a display column dropped where its machine column is there, cells unescaped.

    Works for the CSV folder (Chinese headers, machine values) and for workbooks written
    before hidden columns existed (the same).
    """
    headers = [unescape_cell(str(c)) for c in df.columns]
    known = machine_ids()
    present = {h for h in headers if h in known and h != id_header}
    inv = inverse_columns(table)
    keep, names = [], []
    for j, h in enumerate(headers):
        if id_header and h == id_header:
            target = "id"
        elif h in present:
            target = h
        else:
            target = inv.get(h, h)
            if target in present:  # the Chinese display of a hidden machine column
                continue
        keep.append(j)
        names.append(target)
    out = df.iloc[:, keep].copy()
    out.columns = names
    return out.apply(lambda s: s.map(unescape_cell)) if len(out) else out


def merge_scores(proposals: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """The proposals table with the scores sheet's ``score_*`` columns put back (before the
    full text, where the batch puts them), joined by ``row`` (the order of either sheet may
    have been changed by a sort), or by position when rows are not unique."""
    cols = [c for c in scores.columns if is_score(c)]
    if not cols:
        return proposals
    rows_ok = ("row" in proposals and "row" in scores and proposals["row"].notna().all()
               and proposals["row"].is_unique and scores["row"].notna().all() and scores["row"].is_unique)
    if rows_ok:
        part = scores.set_index("row")[cols].reindex(proposals["row"].to_numpy())
    elif len(scores) == len(proposals):
        part = scores[cols]
    else:
        return proposals
    out = proposals.copy()
    at = list(out.columns).index("text") if "text" in out.columns else len(out.columns)
    for k, c in enumerate(cols):
        out.insert(at + k, c, part[c].to_numpy())
    return out


__all__ = ["SheetColumn", "sheet_columns", "sheet_values", "column_widths", "split_scores", "machine_frame",
           "merge_scores", "machine_ids", "SCORES", "CODED", "HIDDEN", "YES_NO", "NUMBER_FORMAT"]
