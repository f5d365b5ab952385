"""Batch results: the ``BatchResult`` tables, their column schemas, and writing them (XLSX
workbook or CSV folder) and reading them back.

The two outputs serve two readers:

- the **XLSX workbook** is the clerk's: every column shown is Chinese, values included
  (已覆盖 / 未对照, topic names, 是 / 否, 全部, error stages and messages), decimals shown with
  two places, long texts wrapped, the topic scores on their own sheet (主题得分), and the
  measures sheet listing its asks by proposal number and text; the machine values stay beside
  them in hidden columns headed by their ids (:mod:`proposal_nlp.sheets`);
- the **CSV folder** is for programs and very large batches: the machine values (ids such as
  ``covered``, ``e_bikes|fire_safety``) under the same Chinese headers, one file per table,
  nothing hidden (a CSV file cannot hide a column) and nothing written twice.

:func:`read_result` reads either back into the same machine tables. Headers come from
``data/display_names.json``; every text a spreadsheet could run as a formula (cells, headers,
the about table) is escaped with a leading ``'`` by :func:`proposal_nlp.outputs.escape_cell`,
and cells longer than an XLSX cell holds are cut with a record in the errors table. Outputs are
written beside the target and renamed into place (:mod:`proposal_nlp.outputs`): a failed or
killed run leaves the previous output whole.
"""
from __future__ import annotations

import functools
import logging
import re
import weakref
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .errors import InputError
from .normalize import is_missing
from .outputs import (StagedOutput, escape_cell, live_formula_cells, needs_escape, staged_output, unescape_cell,
                      xlsx_escape, xlsx_unescape)
from .display import ask_lookup
from .resources import column_label, display_names
from .sheets import SCORES, column_widths, machine_frame, merge_scores, sheet_columns, sheet_values, split_scores

log = logging.getLogger(__name__)


PROPOSAL_COLUMNS = [
    "row", "id", "duplicate_id", "title", "kind", "handling", "result", "satisfaction", "proposer", "session",
    "topics", "topic_names", "fire_relevant", "fire_score", "fire_evidence",
    "n_asks", "n_covered", "n_partial", "n_uncovered",
    "parsed_number", "parsed_session", "parsed_kind", "parsed_proposers", "parsed_title",
    "text_chars", "status",
]
SUGGESTION_COLUMNS = ["row", "id", "suggestion_id", "ask_index", "start", "end", "text", "action", "object",
                      "source", "section", "score", "coverage", "p_covered", "best_clause_id", "best_score",
                      "evidence", "related"]
MATCH_COLUMNS = ["row", "id", "suggestion_id", "rank", "clause_id", "clause_group", "clause_text", "score",
                 "evidence", "coverage", "p_covered", "related"]
UNCOVERED_COLUMNS = ["row", "id", "title", "suggestion_id", "text", "action", "object", "best_clause_id",
                     "best_score", "p_covered"]
ERROR_COLUMNS = ["row", "id", "stage", "message"]
MEASURE_COLUMNS = ["clause_id", "clause_group", "clause_text", "n_asks", "n_covered", "n_partial", "suggestion_ids"]


@dataclass
class BatchResult:
    """Tidy result tables of a batch, joined by ``row`` and ``id``.

    ``meta`` records the column roles used, the steps, the policy and stage timings.
    """

    proposals: pd.DataFrame
    suggestions: pd.DataFrame
    matches: pd.DataFrame
    uncovered: pd.DataFrame
    summary: pd.DataFrame
    errors: pd.DataFrame
    meta: dict = field(default_factory=dict)
    measures: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MEASURE_COLUMNS))
    #: the hot issues and the group of every row, when the batch ran the ``group`` step
    hot_issues: pd.DataFrame | None = None
    groups: pd.DataFrame | None = None

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables in workbook order (the group tables only when the batch has them)."""
        out = {"proposals": self.proposals, "suggestions": self.suggestions, "matches": self.matches,
               "measures": self.measures, "uncovered": self.uncovered, "summary": self.summary,
               "errors": self.errors}
        extra = {n: getattr(self, n) for n in GROUP_TABLES if getattr(self, n) is not None}
        if not extra:
            return out
        both = {**out, **extra}
        return {k: both[k] for k in SHEET_ORDER if k in both}

    def summary_text(self) -> str:
        """A short Chinese 办理情况-style paragraph from the summary counts."""
        from .summary import summary_paragraph

        return summary_paragraph(self.summary)

    def write(self, path, *, force: bool = False):
        """Write the tables (XLSX workbook or CSV folder); see :func:`proposal_nlp.write_result`."""
        return write_result(self, path, force=force)

    def __repr__(self) -> str:
        return (f"BatchResult(proposals={len(self.proposals)}, suggestions={len(self.suggestions)}, "
                f"matches={len(self.matches)}, uncovered={len(self.uncovered)}, errors={len(self.errors)})")


XLSX_CELL_MAX = 32_767
XLSX_ROWS_MAX = 1_048_575  # data rows of a sheet (1,048,576 minus the header)
TABLE_ORDER = ("proposals", "suggestions", "matches", "measures", "uncovered", "summary", "errors")
#: tables a batch has only when it grouped its rows (the ``group`` step, :mod:`proposal_nlp.hot`)
GROUP_TABLES = ("hot_issues", "groups")
#: the sheets of a workbook in order: the hot issues right after the proposals
SHEET_ORDER = ("proposals", "hot_issues", "groups", "suggestions", "matches", "measures", "uncovered", "summary",
               "errors")
# characters an XLSX file cannot hold (XML 1.0 control characters)
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def object_column(s: pd.Series) -> pd.Series:
    """A text column as ``object`` with ``None`` for missing, whatever path built it."""
    return pd.Series([None if is_missing(v) else v for v in s], index=s.index, dtype=object)


def _cell_text(v) -> str | None:
    if isinstance(v, (list, tuple)):
        return "|".join(map(str, v))
    if isinstance(v, str):
        return v
    return None


def _prepare(name: str, df: pd.DataFrame, *, limit: int | None, errors: list) -> pd.DataFrame:
    """Lists joined with ``|``, control characters an XLSX cell cannot hold dropped, text cells
    escaped, long cells cut (in that order: what is read back is the cleaned text exactly)."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if not (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)):
            continue
        s = s.astype(object).map(lambda v: v if (t := _cell_text(v)) is None else t)
        if limit is not None:
            ill = s.map(lambda v: isinstance(v, str) and _ILLEGAL_XML.search(v) is not None)
            for i in s.index[ill]:
                errors.append(_write_error(out, i, name, col,
                                           "control characters removed (an XLSX cell cannot hold them)"))
            if ill.any():
                s = s.where(~ill, s[ill].map(lambda v: _ILLEGAL_XML.sub("", v)))
        s = s.map(escape_cell)
        if limit is not None:
            long = s.map(lambda v: isinstance(v, str) and len(v) > limit)
            for i in s.index[long]:
                n = len(s[i])
                errors.append(_write_error(
                    out, i, name, col,
                    f"cell cut from {n:,} to {limit:,} characters (the most an XLSX cell holds); "
                    f"the full text is in the input, or write CSV output to keep it"))
            if long.any():
                s = s.where(~long, s[long].map(lambda v: v[:limit]))
        out[col] = s
    return out


def _write_error(df, i, table, col, message) -> dict:
    row = df.at[i, "row"] if "row" in df.columns else None
    ident = df.at[i, "id"] if "id" in df.columns else None
    if table not in ("proposals",):
        message = f"{table}.{col}: {message}"
    else:
        message = f"{col}: {message}"
    return {"row": row, "id": ident, "stage": "write", "message": message}


def _result_tables(result) -> dict[str, pd.DataFrame]:
    if isinstance(result, dict):
        return dict(result)
    return result.tables()


def _labelled(df: pd.DataFrame, id_header: str | None, table: str | None = None) -> pd.DataFrame:
    """Chinese headers (the user's own id header kept), escaped like any cell."""
    cols = {}
    for c in df.columns:
        label = id_header if (c == "id" and id_header) else column_label(c, table)
        cols[c] = escape_cell(str(label))
    return df.rename(columns=cols)


class ResultWriter:
    """Write result tables to an XLSX workbook or a CSV folder, in as many pieces as needed.

    ``write(name, df)`` appends rows to a table (call it once per chunk); ``close(errors, meta)``
    adds the errors table (with a record of every cell changed while writing) and the
    ``about`` table, and moves the finished output into place.

    A CSV folder is written row by row (memory of one chunk, fastest). An XLSX workbook keeps
    its table of distinct cell texts in memory until it is saved (that is how openpyxl writes
    workbooks) and a sheet holds at most 1,048,575 rows (rows beyond are left out and
    recorded in the errors table): for hundreds of thousands of rows, write a CSV folder.

    Everything is written beside the output (``.NAME.part-…``) and renamed into place by
    ``close``, under a lock file ``.NAME.lock`` (PN155 for a second writer). An existing output
    is replaced only with ``force``, and a CSV folder only if it holds nothing but what
    proposal_nlp wrote there (its ``.proposal_nlp_manifest.json``; PN154 otherwise). Any failure,
    or :meth:`abort`, removes what was written and leaves the previous output as it was; an
    ``OSError`` (read-only, disk full) becomes PN153.
    """

    def __init__(self, path, *, force: bool = False, id_header: str | None = None, fmt: str | None = None,
                 tables=TABLE_ORDER):
        path = Path(path)
        self.fmt = fmt or ("xlsx" if path.suffix.lower() in (".xlsx", ".xlsm") else "csv")
        self.path = path
        self.id_header = id_header
        self.limit = XLSX_CELL_MAX if self.fmt == "xlsx" else None
        self.changed: list[dict] = []  # cells changed while writing (cut, control characters)
        self.order = [t for t in SHEET_ORDER if t in tables] + [t for t in tables if t not in SHEET_ORDER]
        if "errors" not in self.order:
            self.order.append("errors")
        self._started: dict[str, int] = {}
        self._pending: dict[str, list[str]] = {}
        self._overflow: dict[str, int] = {}  # rows left out of a full XLSX sheet
        self._files: dict = {}
        self._layouts: dict[str, list] = {}  # XLSX: each sheet's columns (sheets.sheet_columns)
        self._cells: dict[str, list] = {}  # XLSX: each visible column's styled cell, refilled row by row
        self._ncols: dict[str, int] = {}
        self._asks: dict = {}  # XLSX: suggestion_id -> (proposal id, ask number, text), for the measures sheet
        self._out = StagedOutput(path, folder=self.fmt == "csv", force=force)
        self._out.on_abort.append(functools.partial(_close_files, self._files))
        with self._out.guard():
            if self.fmt == "xlsx":
                from openpyxl import Workbook

                self._wb = Workbook(write_only=True)
                self._out.on_abort.append(functools.partial(_discard_workbook, self._wb))
                self._sheets = {name: self._wb.create_sheet(_sheet_name(name)) for name in [*self.order, "about"]}
            self._tmp = self._out.stage
        # a writer dropped without close() or abort() (an exception elsewhere) still cleans up;
        # the callback holds no reference to the writer
        self._finalizer = weakref.finalize(self, self._out.abort)

    def write(self, name: str, df: pd.DataFrame) -> None:
        """Append the rows of ``df`` to table ``name`` (escaped, cut where needed, Chinese headers)."""
        if name == "errors":
            raise InputError("the errors table is written by close(errors, meta), not by write(); "
                             "pass it there", code="PN152")
        with self._out.guard():
            self._out.lock.refresh()
            prepared = _prepare(name, df, limit=self.limit, errors=self.changed)
            if self.fmt == "xlsx":
                self._write_sheets(name, df, prepared)
            else:
                self._append(name, _labelled(prepared, self.id_header, name))

    def _write_sheets(self, name: str, raw: pd.DataFrame, prepared: pd.DataFrame, *, final: bool = False) -> None:
        """A chunk of a table onto its sheet (and the proposals' scores onto theirs), in the
        clerk's layout (:mod:`proposal_nlp.sheets`)."""
        if name == "suggestions":  # the measures sheet lists the asks by proposal number and text
            self._asks.update(ask_lookup(raw))
        own, scores = split_scores(name, prepared.columns)
        for key, cols in ((name, own), (SCORES, scores)):
            if not cols:
                continue
            layout = self._layouts.get(key)
            if layout is None:
                layout = self._layouts[key] = sheet_columns(key, cols, self.id_header)
            values = sheet_values(key, layout, raw, prepared, asks=self._asks, limit=self.limit)
            self._append_rows(key, layout, values, len(prepared), final=final)

    def _append_rows(self, key: str, layout: list, values: list[list], n: int, *, final: bool = False) -> None:
        if key not in self._started:
            if n == 0 and not final:
                return
            self._start_sheet(key, layout, values)
        ws = self._sheets[key]
        room = max(XLSX_ROWS_MAX - self._started[key], 0)
        if n > room:
            self._overflow[key] = self._overflow.get(key, 0) + n - room
            n = room
        cells = self._cells[key]
        for i in range(n):
            ws.append([_styled(cell, _xlsx_value(ws, col[i])) for cell, col in zip(cells, values)])
        self._started[key] += n

    def _start_sheet(self, key: str, layout: list, values: list[list]) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Font, PatternFill
        from openpyxl.utils import get_column_letter

        self._started[key] = 0
        if key not in self._sheets:  # the scores sheet: made when the first scores come, before the errors
            self._sheets[key] = self._wb.create_sheet(_sheet_name(key), self._wb.worksheets.index(
                self._sheets["errors"]))
        ws = self._sheets[key]
        ws.freeze_panes = "A2"
        top = Alignment(vertical="top")
        wrap = Alignment(vertical="top", wrap_text=True)
        cells = []
        for j, (c, width) in enumerate(zip(layout, column_widths(layout, values)), 1):
            dim = ws.column_dimensions[get_column_letter(j)]
            dim.width = width
            if c.hidden:
                dim.hidden = True
                cells.append(None)
                continue
            # every shown cell top-aligned (a row made tall by a wrapped text reads from its top);
            # this styling is most of what writing a workbook costs beyond the values, small
            # beside the batch itself
            cell = WriteOnlyCell(ws)
            cell.alignment = wrap if c.wrap else top
            if c.number_format:
                cell.number_format = c.number_format
            cells.append(cell)
        self._cells[key] = cells
        self._ncols[key] = len(layout)
        bold, fill = Font(bold=True), PatternFill("solid", fgColor="F0F3F7")
        header = []
        for c in layout:
            cell = _text_cell(ws, xlsx_escape(c.header))
            cell.font = bold
            cell.fill = fill
            cell.alignment = wrap
            header.append(cell)
        ws.append(header)

    def _append(self, name: str, df: pd.DataFrame, *, final: bool = False) -> None:
        """A chunk of a table (machine values, Chinese headers) onto its CSV file."""
        if name not in self._started:
            if len(df) == 0 and not final:
                self._pending[name] = list(df.columns)
                return
            self._started[name] = 0
            f = open(self._tmp / f"{name}.csv", "w", encoding="utf-8-sig", newline="")
            self._files[name] = f
            pd.DataFrame(columns=df.columns).to_csv(f, index=False, lineterminator="\r\n")
        df.to_csv(self._files[name], index=False, header=False, lineterminator="\r\n")
        self._started[name] += len(df)

    def abort(self) -> None:
        """Give up: remove what was written so far (the output path is left untouched)."""
        self._out.abort()

    def close(self, errors: pd.DataFrame | None = None, meta: dict | None = None) -> Path:
        """Write the errors and about tables, finish every table and move the output into place."""
        with self._out.guard():
            self._finish(errors, meta)
        path = self._out.commit()
        self._finalizer.detach()
        return path

    def _finish(self, errors, meta) -> None:
        xlsx = self.fmt == "xlsx"
        for name, cols in list(self._pending.items()):
            if name not in self._started:
                self._append(name, pd.DataFrame(columns=cols), final=True)
        for name, layout in list(self._layouts.items()):
            if name not in self._started:  # a table given with its columns and no row
                self._append_rows(name, layout, [[] for _ in layout], 0, final=True)
        err = errors if errors is not None else pd.DataFrame(columns=["row", "id", "stage", "message"])
        for name, n in self._overflow.items():
            self.changed.append({"row": None, "id": None, "stage": "write", "message": (
                f"{name}: {n:,} rows left out: an XLSX sheet holds {XLSX_ROWS_MAX:,} rows; "
                "write a CSV folder (-o FOLDER) to keep every row")})
            log.warning("%s: %d rows did not fit in the XLSX sheet", name, n)
        if self.changed:
            extra = pd.DataFrame(self.changed)
            extra = extra.iloc[pd.to_numeric(extra["row"], errors="coerce").argsort(kind="stable")]
            err = pd.concat([err, extra], ignore_index=True)
            log.warning("%d cells were changed while writing %s; see the errors table", len(self.changed),
                        self.path.name)
        prepared = _prepare("errors", err, limit=self.limit, errors=[])
        if xlsx:
            self._write_sheets("errors", err, prepared, final=True)
        else:
            self._append("errors", _labelled(prepared, self.id_header), final=True)
        for name in self.order:
            if name not in self._started:
                if xlsx:
                    self._append_rows(name, [], [], 0, final=True)
                else:
                    self._append(name, pd.DataFrame(), final=True)
        raw_about = _about_table(meta or {})
        about = _prepare("about", raw_about, limit=self.limit, errors=[])
        if xlsx:
            from openpyxl.utils import get_column_letter

            self._write_sheets("about", raw_about, about, final=True)
            for name, n in self._started.items():
                ws = self._sheets[name]
                ncols = max(self._ncols.get(name, 1), 1)
                ws.auto_filter.ref = f"A1:{get_column_letter(ncols)}{n + 1}"
            self._wb.save(self._tmp)
        else:
            for f in self._files.values():
                f.close()
            about.to_csv(self._tmp / "about.csv", index=False, encoding="utf-8-sig")


def _close_files(files: dict) -> None:
    for f in files.values():
        try:
            f.close()
        except OSError:
            pass


def _discard_workbook(wb) -> None:
    # a write-only sheet streams its rows to a temporary file of openpyxl (openpyxl.* in the
    # system temporary folder), removed only when the workbook is saved or Python exits
    for ws in wb.worksheets:
        writer = getattr(ws, "_writer", None)
        if writer is None:
            continue
        for stream in (getattr(ws, "_rows", None), writer):  # the row stream first, then its file
            try:
                if stream is not None:
                    stream.close()
            except Exception:  # a full disk: the file is removed all the same
                pass
        Path(writer.out).unlink(missing_ok=True)


def write_result(result, path, *, force: bool = False, fmt: str | None = None) -> Path:
    """Write a ``BatchResult`` (or a dict of tables) as an XLSX workbook or a CSV folder.

    ``path`` ending in ``.xlsx`` gives one sheet per table (proposals first, then the asks,
    matches, measures, uncovered asks, summary, topic scores, errors and about), in Chinese for
    the clerk with the machine values in hidden columns, frozen header row, filters; any other
    path is a folder of UTF-8-with-BOM CSV files of the machine values (``proposals.csv`` … and
    the manifest ``.proposal_nlp_manifest.json``). An
    existing output is refused unless ``force``; a folder is replaced only if it holds nothing
    but what proposal_nlp wrote there. The output is written beside the target and renamed into
    place: a failure leaves the previous output as it was. Text a spreadsheet could run as a
    formula is written with a leading ``'``; XLSX cells over 32,767 characters are cut and each
    cut is recorded in the errors table.
    """
    tables = _result_tables(result)
    meta = dict(getattr(result, "meta", {}) or {})
    writer = ResultWriter(path, force=force, id_header=meta.get("id_col"), fmt=fmt, tables=list(tables))
    for name, df in tables.items():
        if name != "errors":
            writer.write(name, df)
    return writer.close(tables.get("errors"), meta)


def write_table_csv(df: pd.DataFrame, path, *, force: bool = False) -> Path:
    """Write one table as a UTF-8-with-BOM CSV file, headers and text cells escaped like a result.

    Written atomically beside ``path`` and refused if it exists, unless ``force``. Values read
    back by :func:`read_result` (unescaped) are escaped again here.
    """
    prepared = _prepare("table", df, limit=None, errors=[])
    prepared.columns = [escape_cell(str(c)) for c in prepared.columns]
    with staged_output(path, force=force) as out:
        prepared.to_csv(out.stage, index=False, encoding="utf-8-sig")
    return Path(path)


def _about_table(meta: dict) -> pd.DataFrame:
    from . import __version__

    rows = [("library", f"proposal_nlp {__version__}")]
    for k, v in meta.items():
        if isinstance(v, (list, tuple)):
            v = ",".join(map(str, v))
        rows.append((str(k), "" if v is None else str(v)))
    return pd.DataFrame(rows, columns=["key", "value"])


def _sheet_name(name: str) -> str:
    label = re.sub(r"[\[\]:*?/\\]", "_", display_names()["tables"].get(name, name))
    if needs_escape(label.lstrip("'")):  # the escaping rule; Excel refuses a leading ' in a sheet name
        label = "_" + label
    return label[:31]


# the texts openpyxl would store as error values (openpyxl.cell.cell.ERROR_CODES)
_XLSX_ERROR_CODES = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))


def _text_cell(ws, text: str):
    """A cell holding ``text`` as text whatever it looks like (openpyxl makes a str starting with
    ``=`` a formula and ``#N/A`` an error value)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"
    return cell


def _xlsx_value(ws, v):
    if v is None:
        return None
    if isinstance(v, float) and v != v:
        return None
    if isinstance(v, str):
        v = xlsx_escape(v)  # a CR and a literal _xHHHH_ read back as written
        # every str is written as text: openpyxl infers another type only for these two cases
        # (escaped cells never start with "=", but no text may ever become a formula)
        if v[:1] == "=" or v in _XLSX_ERROR_CODES:
            return _text_cell(ws, v)
        return v
    if hasattr(v, "item"):
        return v.item()
    if v is pd.NA or v is pd.NaT:
        return None
    return v


def _styled(cell, value):
    """``value`` in its column's styled cell (refilled for each row: a write-only sheet writes a
    row out as it is appended); ``cell`` is ``None`` for a hidden column, written plain."""
    if cell is None:
        return value
    if hasattr(value, "data_type"):  # a text openpyxl would take for a formula or an error value
        cell.value = value.value
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


def read_result(path):
    """Read a workbook or CSV folder written by :func:`write_result` back into a ``BatchResult``."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path} not found; give the workbook or folder written by `proposal-nlp run`", code="PN100")
    raw: dict[str, pd.DataFrame] = {}
    about = None
    if path.is_dir():
        for name in [*TABLE_ORDER, *GROUP_TABLES, "about"]:
            f = path / f"{name}.csv"
            if f.exists():
                try:
                    df = pd.read_csv(f, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig")
                except pd.errors.EmptyDataError:  # a table written without columns
                    df = pd.DataFrame()
                if name == "about":
                    about = df
                else:
                    raw[name] = df
    else:
        if not zipfile.is_zipfile(path):
            raise InputError(f"{path.name} is not a workbook written by `proposal-nlp run`", code="PN104")
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False, na_filter=False,
                               engine="openpyxl")
        by_label = {_sheet_name(n): n for n in [*TABLE_ORDER, *GROUP_TABLES, SCORES, "about"]}
        for label, df in sheets.items():
            name = by_label.get(label)
            df = df.rename(columns=lambda c: xlsx_unescape(str(c)))
            df = df.apply(lambda s: s.map(xlsx_unescape)) if len(df) else df
            if name == "about":
                about = df
            elif name:
                raw[name] = df
    if "proposals" not in raw:
        raise InputError(f"{path.name} holds no proposals table; give the output of `proposal-nlp run`",
                         code="PN151")
    meta = {}
    if about is not None:
        about = machine_frame("about", about)
        if {"key", "value"} <= set(about.columns):
            meta = dict(zip(about["key"], about["value"]))
    id_header = meta.get("id_col")
    tables = {name: _restore_types(name, machine_frame(name, df, id_header)) for name, df in raw.items()}
    scores = tables.pop(SCORES, None)
    if scores is not None:
        tables["proposals"] = merge_scores(tables["proposals"], scores)
    for name in TABLE_ORDER:
        tables.setdefault(name, pd.DataFrame())
    return BatchResult(**{n: tables[n] for n in TABLE_ORDER}, meta=meta,
                       **{n: tables[n] for n in GROUP_TABLES if n in tables})


_INT_COLS = {"row", "n_asks", "n_covered", "n_partial", "n_uncovered", "start", "end", "rank", "value", "text_chars",
             "ask_index", "group", "group_size", "size", "writers"}
_FLOAT_COLS = {"fire_score", "score", "best_score", "p_covered", "similarity_to_group", "span_days", "reactions", "heat"}
_TIME_COLS = {"first", "last", "time"}
_BOOL_COLS = {"fire_relevant", "duplicate_id"}
# texts the batch leaves missing (None), never empty: an empty cell reads back as None
_NONE_WHEN_EMPTY = {"parsed_number", "parsed_session", "parsed_kind", "parsed_proposers", "parsed_title", "action",
                    "object", "section", "coverage", "best_clause_id"}


def _restore_types(name: str, df: pd.DataFrame) -> pd.DataFrame:
    for c in df.columns:
        if c in _INT_COLS or (name == "summary" and c == "value"):
            df[c] = pd.to_numeric(df[c].replace("", None), errors="coerce").astype("Int64")
        elif c in _FLOAT_COLS or c.startswith("score_"):
            df[c] = pd.to_numeric(df[c].replace("", None), errors="coerce")
        elif c in _BOOL_COLS:
            df[c] = df[c].map({"True": True, "False": False, "TRUE": True, "FALSE": False, "1": True, "0": False,
                               "是": True, "否": False}).astype("boolean")
        elif c in _NONE_WHEN_EMPTY:
            df[c] = pd.Series([None if v == "" else v for v in df[c]], index=df.index, dtype=object)
        elif c == "topics":
            df[c] = df[c].map(lambda v: [t for t in v.split("|") if t] if isinstance(v, str) else [])
        elif c in _TIME_COLS and name in GROUP_TABLES:
            df[c] = pd.to_datetime(df[c].replace("", None), errors="coerce")
        elif c == "ids" and name == "hot_issues":
            df[c] = df[c].map(lambda v: [t for t in v.split("|") if t] if isinstance(v, str) else [])
    return df


__all__ = ["BatchResult", "ResultWriter", "write_result", "read_result", "write_table_csv", "escape_cell",
           "unescape_cell", "live_formula_cells",
           "PROPOSAL_COLUMNS", "SUGGESTION_COLUMNS", "MATCH_COLUMNS", "UNCOVERED_COLUMNS", "ERROR_COLUMNS",
           "MEASURE_COLUMNS", "TABLE_ORDER", "GROUP_TABLES", "SHEET_ORDER", "XLSX_CELL_MAX", "XLSX_ROWS_MAX"]
