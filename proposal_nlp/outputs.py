"""Outputs on disk: text a spreadsheet would run as a formula neutralised, in every writer.

:func:`escape_cell` / :func:`unescape_cell` are the one escaping every writer uses (workbook
and CSV cells, column headers, the about table, ``audit -o``, the report's tables);
:func:`live_formula_cells` counts what a written workbook or CSV folder would still run
(for benchmarks and checks).
"""
from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

# ---------------------------------------------------------------------------------------------
# cells

#: a text cell whose first non-blank character is one of these (or a control character) is run
#: as a formula by some spreadsheet: the ASCII forms, their full-width and small forms (Excel and
#: WPS turn full-width ＝ into = when a cell is entered), and the minus sign
FORMULA_CHARS = frozenset("=+-@＝＋－＠﹦﹢﹣﹫−")


def _control(ch: str) -> bool:
    o = ord(ch)
    return o < 0x20 or 0x7F <= o <= 0x9F  # C0 (tab, CR, LF, NUL ...), DEL and C1


def _blank(ch: str) -> bool:
    # spaces of any width and invisible format characters (zero-width space, BOM, bidi marks):
    # a spreadsheet may trim them, so the character after them decides
    return ch.isspace() or unicodedata.category(ch) == "Cf"


def needs_escape(value: str) -> bool:
    """True if a spreadsheet could run ``value`` as a formula: its first non-blank character is
    one of :data:`FORMULA_CHARS` or a control character (C0 incl. tab, CR, LF, NUL; C1)."""
    for ch in value:
        if _control(ch) or ch in FORMULA_CHARS:
            return True
        if not _blank(ch):
            return False
    return False


def escape_cell(value):
    """Text a spreadsheet could run as a formula, prefixed with ``'``; anything else unchanged.

    Also prefixed: text that already looks escaped (``'=1`` written by a user), so that
    :func:`unescape_cell` gives back exactly what was written. Non-text values (numbers, None)
    are returned as they are: a negative number stays a number.
    """
    if isinstance(value, str) and needs_escape(value.lstrip("'")):
        return "'" + value
    return value


def unescape_cell(value):
    """The exact inverse of :func:`escape_cell` (``unescape_cell(escape_cell(v)) == v``)."""
    if isinstance(value, str) and value[:1] == "'" and needs_escape(value.lstrip("'")):
        return value[1:]
    return value


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def live_formula_cells(path) -> int:
    """How many cells of a workbook, CSV file or CSV folder a spreadsheet would run as formulas.

    Counts workbook cells stored as formulas, and text cells (headers included) whose first
    non-blank character starts a formula and that are not neutralised by a leading ``'``
    (in a workbook such a cell becomes live as soon as it is copied or saved as CSV). A plain
    number such as ``-0.5`` in a CSV file is a number, not a formula.
    """
    path = Path(path)
    if path.is_dir():
        return sum(live_formula_cells(p) for p in sorted(path.glob("*.csv")))
    if path.suffix.lower() in (".csv", ".tsv", ".txt"):
        n = 0
        with open(path, encoding="utf-8-sig", newline="") as f:
            for row in csv.reader(f, delimiter="\t" if path.suffix.lower() == ".tsv" else ","):
                n += sum(1 for v in row if needs_escape(v) and not _NUMBER.fullmatch(v))
        return n
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        n = 0
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    v = getattr(cell, "value", None)
                    if getattr(cell, "data_type", None) == "f" or (isinstance(v, str) and needs_escape(v)):
                        n += 1
        return n
    finally:
        wb.close()


__all__ = ["escape_cell", "unescape_cell", "needs_escape", "live_formula_cells", "FORMULA_CHARS"]
