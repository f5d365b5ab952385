"""Reading users' intake tables (CSV, TSV, XLSX, JSONL, Parquet): every cell as ``str``, the
header row found below a title, lines that cannot be read as rows reported by their number.

Tables are read with every cell as ``str`` and no NA guessing (an empty cell is ``""``),
UTF-8 (with or without BOM) by default, GB18030 detected, never ``errors="ignore"``. The header
is row 1 unless a title (and a 填报单位 row) stand above it: then it is found among the first
rows (:func:`proposal_nlp.roles.find_header_row`), or named with ``header_row``. A CSV line with
more cells than the header is an error naming the line (PN107) or, with ``bad_lines="keep"``,
left out and listed in ``df.attrs["bad_lines"]``: rows read + lines listed = the file's rows.
Column roles are found by :mod:`proposal_nlp.roles`; results are written and read back by
:mod:`proposal_nlp.results`.
"""
from __future__ import annotations

import codecs
import csv
import io as _io
import itertools
import json
import logging
import sys
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from .errors import InputError
from .normalize import is_missing
from .outputs import xlsx_unescape
from .roles import HEADER_SCAN_ROWS, ROLE_HEADERS, detect_columns, find_header_row  # noqa: F401 (re-exported)

log = logging.getLogger(__name__)

#: limits of reading a workbook (all configurable on read_table): data rows of a sheet (an XLSX
#: sheet holds at most 1,048,576 rows), bytes its parts unpack to, and the unpacked / packed
#: ratio above 16 MB (office exports stay far below it; zip bombs far above)
XLSX_MAX_ROWS = 1_048_575
XLSX_MAX_BYTES = 1 << 30
XLSX_MAX_RATIO = 200.0


# ---------------------------------------------------------------- reading


def detect_encoding(path, *, sample_bytes: int | None = None, block_bytes: int = 1 << 20) -> str:
    """Guess a text file's encoding: ``utf-8-sig``, ``utf-16`` (with BOM) or ``gb18030``.

    Decoding is strict and goes through the whole file in blocks (a file that is UTF-8 for
    its first megabytes and GB18030 further on is seen as what it is); a file that is none of
    these raises ``InputError`` suggesting ``--encoding``, and a file that holds NUL bytes
    outside UTF-16 is called binary. With ``sample_bytes`` only the start is checked.
    """
    path = Path(path)
    decoders = {enc: codecs.getincrementaldecoder(enc)(errors="strict") for enc in ("utf-8-sig", "gb18030")}
    failed: dict[str, tuple[int, int]] = {}  # encoding -> (position, byte) of its first error
    head = b""
    pos = 0
    with open(path, "rb") as f:
        while sample_bytes is None or pos < sample_bytes:
            want = block_bytes if sample_bytes is None else min(block_bytes, sample_bytes - pos)
            block = f.read(want)
            final = len(block) < want  # the end of the file
            if pos == 0:
                head = block[:200_000]
                if block.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                    return "utf-16"
            if b"\x00" in block:
                at = pos + block.index(b"\x00")
                raise InputError(f"{path.name} looks binary, not a text table (a NUL byte at position {at}); "
                                 "give a CSV, TSV, XLSX, JSONL or Parquet file", code="PN102")
            for enc, dec in decoders.items():
                if enc in failed:
                    continue
                try:
                    dec.decode(block, final=final)
                except UnicodeDecodeError as exc:
                    failed[enc] = (pos + exc.start, block[exc.start])
            pos += len(block)
            if len(failed) == len(decoders) or final:
                break
    for enc in decoders:
        if enc not in failed:
            if enc != "utf-8-sig":
                log.info("%s is not UTF-8; read it as %s", path.name, enc)
            return enc
    at, byte = failed["utf-8-sig"]
    guess = None
    try:  # a hint only: the guess is never used silently
        from charset_normalizer import from_bytes

        best = from_bytes(head).best()
        guess = best.encoding if best is not None else None
    except Exception:  # pragma: no cover - optional helper
        guess = None
    hint = f"--encoding {guess}" if guess and guess not in ("utf_8", "gb18030") else "--encoding gb18030 or --encoding big5"
    raise InputError(
        f"{path.name} is not UTF-8 (byte 0x{byte:02x} at position {at}) "
        f"and not GB18030 either; try {hint} with the encoding the file was saved in",
        code="PN103",
    )



#: what to do with a CSV line that has more cells than the header (or opens a quote it never
#: closes), or a JSONL line that is not a JSON object: "error" (a coded error naming the line)
#: or "keep" (go on; the line is listed in ``attrs["bad_lines"]`` and a batch's errors table)
BAD_LINES = ("error", "keep")


def _sniff_delimiter(lines, suffix: str) -> str:
    """The delimiter of the first of ``lines`` that holds one (a title row above the header may
    hold none)."""
    if suffix in (".tsv", ".tab"):
        return "\t"
    for line in ([lines] if isinstance(lines, str) else lines):
        counts = {d: line.count(d) for d in (",", "\t", ";", "|")}
        best = max(counts, key=counts.get)
        if counts[best] > 0:
            return best
    return ","


def check_bad_lines(bad_lines) -> str:
    """``bad_lines`` if it is one of :data:`BAD_LINES`; PN134 otherwise."""
    if bad_lines not in BAD_LINES:
        raise InputError(f"bad_lines={bad_lines!r} is not an option; give 'error' (stop at a line that cannot be "
                         "read as a row) or 'keep' (list it in the errors table and go on)", code="PN134")
    return bad_lines


def _check_header_row(header_row, name: str, kind: str):
    if header_row is None:
        return None
    if kind in ("jsonl", "parquet"):
        raise InputError(f"{name} is a {kind.upper()} file, which has no header row; header_row (--header-row) is "
                         "for CSV, TSV and XLSX tables", code="PN135")
    if isinstance(header_row, bool) or not isinstance(header_row, int) or header_row < 1:
        raise InputError(f"header_row={header_row!r}: give the row of the column names, counting from 1 "
                         "(--header-row 3 when a title and a 填报单位 row stand above them)", code="PN135")
    return header_row


def bad_lines_message(name: str, bad: list[dict], *, header_line: int | None = None) -> str:
    """The PN107 message for the lines of ``name`` that cannot be read as rows: the first named
    with its reason, the others counted, and the fixes."""
    first = bad[0]
    where = f" (the header is line {header_line})" if header_line and header_line > 1 else ""
    more = ""
    if len(bad) > 1:
        others = ", ".join(str(b["line"]) for b in bad[1:6]) + (", ..." if len(bad) > 6 else "")
        more = f"; {len(bad)} such lines in all (also line{'s' if len(bad) > 2 else ''} {others})"
    return (f"{name} line {first['line']} {first['reason']}{where}{more}. A comma or tab inside a cell that is not "
            "in double quotes splits the cell: put the cell in double quotes or fix the line, or pass "
            "--bad-lines keep (bad_lines=\"keep\") to list such lines in the errors table and go on")

def _all_str(df: pd.DataFrame) -> pd.DataFrame:
    """Every cell as ``str``; missing values become ``""``; headers become ``str``."""
    out = {}
    for c in df.columns:
        s = df[c]
        if s.dtype != object or s.map(lambda v: not isinstance(v, str)).any():
            s = s.map(cell_str)
        out[str(c)] = s
    return pd.DataFrame(out, index=df.index).reset_index(drop=True)


def cell_str(v) -> str:
    """A cell as text: missing values (:func:`~proposal_nlp.normalize.is_missing`) give "",
    whole floats lose their ``.0`` (an id read as a number), lists and dicts become JSON."""
    if isinstance(v, str):
        return v
    if is_missing(v):
        return ""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def _check_not_empty(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path} not found; check the path", code="PN100")
    if path.is_dir():
        raise InputError(f"{path} is a folder; give a CSV, TSV, XLSX, JSONL or Parquet file", code="PN100")
    if path.stat().st_size == 0:
        raise InputError(
            f"{path.name} is empty (0 bytes); export the table again with a header row and one row per proposal",
            code="PN101",
        )


def _kind_of(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    s = suffixes[-1] if suffixes else ""
    if s in (".gz", ".bz2", ".xz", ".zip") and len(suffixes) > 1:
        s = suffixes[-2]
    if s in (".xlsx", ".xlsm", ".xls"):
        return "xlsx"
    if s in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if s in (".parquet", ".pq"):
        return "parquet"
    return "csv"




def read_table(path, *, encoding: str | None = None, sheet=None, header_row: int | None = None,
               bad_lines: str = "error", names=(), max_rows: int | None = XLSX_MAX_ROWS,
               max_bytes: int | None = XLSX_MAX_BYTES, max_ratio: float | None = XLSX_MAX_RATIO) -> pd.DataFrame:
    """Read a user's table (CSV, TSV, XLSX, JSONL or Parquet) with every cell as ``str``.

    Parameters
    ----------
    path : str or Path
    encoding : str, optional
        Text encoding for CSV/TSV/JSONL; detected (UTF-8, UTF-8 with BOM, UTF-16 with BOM,
        GB18030) when not given.
    sheet : str or int, optional
        Worksheet of an XLSX file (default the first): its name, or its 0-based position
        when no sheet has that name.
    header_row : int, optional
        The row of the column names, counting from 1 (CSV, TSV, XLSX). By default row 1, or,
        when row 1 is a title, the row among the first ten whose cells are known headers
        (:func:`proposal_nlp.roles.find_header_row`; ``names``: more headers to look for, e.g.
        the columns named by the user). Rows above the header are not data.
    bad_lines : "error" or "keep"
        A CSV line with more cells than the header (an unquoted comma in a cell), a quote never
        closed, or a JSONL line that is not an object: PN107 / PN108 naming the line, or
        (``"keep"``) left out and listed in ``df.attrs["bad_lines"]`` (``line``, ``reason``,
        ``raw``), so that rows read + lines listed = the rows of the file.
    max_rows, max_bytes, max_ratio : limits of reading a workbook, checked before its rows
        are read (``max_bytes``, ``max_ratio``: see :data:`XLSX_MAX_BYTES`,
        :data:`XLSX_MAX_RATIO`) or while they are (``max_rows``); None switches one off.

    ``df.attrs["header_row"]`` is the row the column names were taken from. A header-only file
    gives an empty table with its columns (logged). Errors (empty file, undecodable bytes, a
    file that is not a workbook) raise ``InputError`` with a code.
    """
    path = Path(path)
    _check_not_empty(path)
    check_bad_lines(bad_lines)
    kind = _kind_of(path)
    header_row = _check_header_row(header_row, path.name, kind)
    bad: list[dict] = []
    row_of_header = 1
    if kind == "xlsx":
        df, row_of_header = _read_xlsx(path, sheet, header_row=header_row, names=names, max_rows=max_rows,
                                       max_bytes=max_bytes, max_ratio=max_ratio)
    elif kind == "parquet":
        try:
            df = pd.read_parquet(path)
        except ImportError as exc:
            raise InputError("reading Parquet needs pyarrow; pip install 'proposal_nlp[parquet]'", code="PN105") from exc
        except Exception as exc:
            raise InputError(f"{path.name} is not a readable Parquet file ({exc}); export it again", code="PN104") from exc
        df = _all_str(df)
    else:
        enc = encoding or detect_encoding(path)
        try:
            # newline="": a line break inside a quoted cell ("\r\n", a lone "\r") is kept as it is,
            # as iter_table_chunks (process_file) reads it
            with open(path, encoding=enc, newline="") as f:
                text = f.read()
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{path.name} cannot be decoded as {enc} (byte 0x{exc.object[exc.start]:02x} at position {exc.start}); "
                "try another --encoding such as gb18030 or utf-8",
                code="PN103",
            ) from exc
        except LookupError as exc:
            raise InputError(f"unknown encoding {enc!r}; use e.g. utf-8, gb18030, big5", code="PN106") from exc
        text = text.lstrip("\ufeff")
        if not text.strip():
            raise InputError(
                f"{path.name} holds no text; export the table again with a header row and one row per proposal",
                code="PN101",
            )
        if kind == "jsonl":
            df = _read_jsonl_text(text, path.name, bad_lines=bad_lines, bad=bad)
        else:
            rows = CsvRows(_io.StringIO(text), name=path.name, suffix=path.suffix.lower(), header_row=header_row,
                           names=names)
            data = list(rows)
            bad = rows.take_bad()
            if bad and bad_lines == "error":
                raise InputError(bad_lines_message(path.name, bad, header_line=rows.header_line), code="PN107")
            df = pd.DataFrame(data, columns=rows.columns, dtype=str)
            row_of_header = rows.header_row
    if len(df.columns) == 0:
        raise InputError(f"{path.name} has no columns; the first row must name the columns", code="PN101")
    if len(df) == 0:
        log.warning("%s has a header but no rows", path.name)
    if bad:
        log.warning("%s: %d line(s) could not be read as rows and were left out (first: line %d)", path.name,
                    len(bad), bad[0]["line"])
    df.attrs["header_row"] = row_of_header
    df.attrs["bad_lines"] = bad
    return df


@contextmanager
def _wide_fields():
    """Let the csv module read cells of any length (a proposal may hold more than its default
    limit of 131,072 characters) while a table is read."""
    old = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        yield
    finally:
        csv.field_size_limit(old)


class _Tap:
    """The lines of a text file, remembered until taken: the raw text of each CSV record."""

    def __init__(self, lines):
        self._lines = iter(lines)
        self.lines: list[str] = []
        self.n = 0  # lines read so far

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        if self.n == 0:
            line = line.lstrip("\ufeff")
        self.n += 1
        self.lines.append(line)
        return line

    def take(self) -> tuple[int, str]:
        """(line number the record started on, raw text of the record)."""
        raw = "".join(self.lines)
        start = self.n - len(self.lines) + 1
        self.lines.clear()
        return start, raw


class CsvRows:
    """The rows of a CSV text, header found, every row as wide as the header.

    Iterating gives the data rows (lists of ``str``); a line with more non-empty cells than the
    header, or a quoted cell never closed, gives no row and is collected (:meth:`take_bad`:
    ``line``, ``reason``, ``raw``). Blank lines are skipped; a row with fewer cells is padded
    with ``""`` and empty cells past the header's width are dropped. ``columns``,
    ``header_row`` (1-based row of the header, blank rows counted as a spreadsheet does) and
    ``header_line`` (its line in the file) are known once it is made.
    """

    def __init__(self, stream, *, name: str, suffix: str = ".csv", header_row: int | None = None, names=()):
        self.name = name
        first = stream.readline() if hasattr(stream, "readline") else ""
        look = [first] + [stream.readline() for _ in range(HEADER_SCAN_ROWS - 1)]
        sep = _sniff_delimiter(look, suffix)
        self._tap = _Tap(itertools.chain((x for x in look if x), stream))
        self._bad: list[dict] = []
        self._records = self._read(csv.reader(self._tap, delimiter=sep))
        wanted = HEADER_SCAN_ROWS if header_row is None else header_row
        with _wide_fields():
            head = list(itertools.islice(self._records, wanted))
        i = _header_index([fields for _, fields, _ in head], header_row, name, names)
        line, fields, _ = head[i]
        self.columns = _header_names(fields)
        self.header_row, self.header_line = i + 1, line
        self.width = len(self.columns)
        self._pending = head[i + 1:]

    def _read(self, reader):
        """(start line, cells, raw) of every record; a last record that runs to the end of the
        file inside a quoted cell is marked by cells None."""
        prev = None
        try:
            for fields in reader:
                start, raw = self._tap.take()
                if prev is not None:
                    yield prev
                prev = (start, fields, raw)
        except csv.Error as exc:
            start, _ = self._tap.take()
            raise InputError(f"{self.name} line {start} cannot be read as CSV ({exc}); fix the line or export the "
                             "table again", code="PN107") from exc
        if prev is not None:
            start, fields, raw = prev
            if "\n" in raw.rstrip("\r\n") and _unclosed_quote(raw, reader.dialect.delimiter):
                prev = (start, None, raw)
            yield prev

    def __iter__(self):
        width = self.width
        with _wide_fields():
            for line, fields, raw in itertools.chain(self._pending, self._records):
                if fields is None:
                    end = line + raw.rstrip("\r\n").count("\n")
                    self._bad.append({"line": line, "raw": raw.rstrip("\r\n"), "reason": (
                        f"opens a quoted cell that is never closed: lines {line}-{end} were read as one cell")})
                    continue
                if not fields:
                    continue  # a blank line
                if len(fields) > width:
                    if any(c for c in fields[width:]):
                        self._bad.append({"line": line, "raw": raw.rstrip("\r\n"),
                                          "reason": f"has {len(fields)} fields, the header has {width}"})
                        continue
                    fields = fields[:width]
                elif len(fields) < width:
                    fields = fields + [""] * (width - len(fields))
                yield fields
        self._pending = []

    def take_bad(self) -> list[dict]:
        """The bad lines met since the last call."""
        bad, self._bad = self._bad, []
        return bad


def _unclosed_quote(raw: str, delimiter: str) -> bool:
    try:
        list(csv.reader(_io.StringIO(raw), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        return "end of data" in str(exc)
    return False


def _read_jsonl_text(text: str, name: str, *, bad_lines: str = "error", bad: list | None = None) -> pd.DataFrame:
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            records = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name} is not valid JSON ({exc}); fix the file", code="PN108") from exc
    else:
        records = []
        # JSON Lines are separated by "\n" only: str.splitlines would also cut at U+2028, U+0085 and
        # other breaks that json.dumps(..., ensure_ascii=False) leaves unescaped inside a string
        for n, line in enumerate(text.split("\n"), 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                reason = "" if isinstance(rec, dict) else f"holds a JSON {type(rec).__name__}, not an object"
            except json.JSONDecodeError as exc:
                reason = f"is not valid JSON ({exc.msg})"
            if reason:
                if bad_lines == "error" or bad is None:
                    raise InputError(f"{name}, line {n} {reason}; one JSON object per line: fix the line, or pass "
                                     "--bad-lines keep (bad_lines=\"keep\") to list it in the errors table and go on",
                                     code="PN108")
                bad.append({"line": n, "reason": reason, "raw": line})
                continue
            records.append(rec)
    if not records and not bad:
        raise InputError(f"{name} holds no records", code="PN101")
    try:
        return _all_str(pd.DataFrame.from_records(records))
    except UnicodeEncodeError:  # a lone surrogate ("\ud800"): kept in object columns, so that the
        # batch replaces it one for one and records it (engine.prepare_rows), as for a DataFrame
        return _all_str(pd.DataFrame(records, dtype=object)).astype(object)

def _check_workbook_size(path: Path, *, max_bytes: int | None, max_ratio: float | None) -> None:
    """Refuse a workbook whose parts unpack to more than ``max_bytes``, or that unpacks to
    over 16 MB at more than ``max_ratio`` times its packed size (a zip bomb), before reading it."""
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path.name} is not a readable workbook ({exc}); open and save it again as .xlsx",
                         code="PN104") from exc
    unpacked = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if max_bytes is not None and unpacked > max_bytes:
        raise InputError(f"{path.name} unpacks to {unpacked / 2**20:,.0f} MB, more than the limit of "
                         f"{max_bytes / 2**20:,.0f} MB; export it as CSV (read in chunks) or raise the limit "
                         "(read_table(..., max_bytes=...))", code="PN112")
    if max_ratio is not None and unpacked > 16 * 2**20 and unpacked / packed > max_ratio:
        raise InputError(f"{path.name} unpacks {unpacked / packed:,.0f} times its size ({packed / 2**20:,.1f} MB "
                         f"to {unpacked / 2**20:,.0f} MB), which office exports never do; it is refused as a "
                         "possible zip bomb. If you trust it, export it as CSV or pass max_ratio=None",
                         code="PN112")


def _header_names(cells) -> list[str]:
    """Column names as pandas gives them: empty ones ``Unnamed: i``, repeats ``name.1``, ``name.2``."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, v in enumerate(cells):
        name = xlsx_unescape(cell_str(v)).strip() if v is not None else ""
        name = name or f"Unnamed: {i}"
        base, k = name, seen.get(name, 0)
        while name in seen:
            k += 1
            name = f"{base}.{k}"
        seen[base] = k
        seen[name] = 0
        names.append(name)
    return names




def _read_xlsx(path: Path, sheet, *, header_row: int | None = None, names=(), max_rows: int | None = XLSX_MAX_ROWS,
               max_bytes: int | None = XLSX_MAX_BYTES, max_ratio: float | None = XLSX_MAX_RATIO
               ) -> tuple[pd.DataFrame, int]:
    """One sheet of a workbook, read once, row by row (openpyxl read-only), every cell as ``str``;
    and the 1-based row its header was taken from."""
    if not zipfile.is_zipfile(path):
        if path.suffix.lower() == ".xls":
            msg = f"{path.name} is an old .xls file, not an XLSX workbook; save it as .xlsx (or CSV) and try again"
        else:
            msg = (f"{path.name} is not an Excel workbook (not a ZIP/XLSX file); if it is a CSV or HTML export, "
                   "rename it to .csv or save it again as .xlsx")
        raise InputError(msg, code="PN104")
    _check_workbook_size(path, max_bytes=max_bytes, max_ratio=max_ratio)
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise InputError(f"{path.name} is not a readable workbook ({exc}); open and save it again as .xlsx",
                         code="PN104") from exc
    try:
        sheets = wb.sheetnames
        if sheet is None:
            ws = wb.worksheets[0] if wb.worksheets else None
        elif str(sheet) in sheets:  # a sheet named "2024" is that sheet, not the 2025th
            ws = wb[str(sheet)]
        elif isinstance(sheet, int) and 0 <= sheet < len(sheets):
            ws = wb.worksheets[sheet]
        else:
            raise InputError(f"{path.name} has no sheet {sheet!r}; its sheets are {sheets}; pass one of them with "
                             "--sheet NAME (sheet=...)", code="PN109")
        if ws is None:
            raise InputError(f"{path.name} holds no worksheet", code="PN101")
        rows = ws.iter_rows(values_only=True)
        head = [[cell_str(v) if v is not None else "" for v in values]
                for values in itertools.islice(rows, HEADER_SCAN_ROWS if header_row is None else header_row)]
        i = _header_index(head, header_row, path.name, names)
        columns = _header_names(head[i])
        width = len(columns)
        data: list[list[str]] = []
        blank_tail = 0
        for values in itertools.chain(head[i + 1:], rows):
            if max_rows is not None and len(data) >= max_rows:
                raise InputError(f"{path.name} has more than {max_rows:,} rows (the limit); split it, export it as "
                                 "CSV, or raise the limit (read_table(..., max_rows=...))", code="PN112")
            cells = [xlsx_unescape(v) if isinstance(v, str) else cell_str(v) if v is not None else ""
                     for v in values[:width]]
            cells += [""] * (width - len(cells))
            blank_tail = blank_tail + 1 if not any(cells) else 0
            data.append(cells)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"{path.name} is not a readable workbook ({exc}); open and save it again as .xlsx",
                         code="PN104") from exc
    finally:
        wb.close()
    if blank_tail:  # formatted but empty rows at the end of a sheet are no data
        del data[len(data) - blank_tail:]
    while columns and columns[-1].startswith("Unnamed: ") and all(not r[len(columns) - 1] for r in data):
        columns.pop()  # formatted but empty columns at the right edge
        for r in data:
            r.pop()
    return pd.DataFrame(data, columns=columns, dtype=str), i + 1


def _header_index(head: list[list[str]], header_row: int | None, name: str, names=()) -> int:
    """0-based position of the header among the first rows ``head`` of a sheet."""
    if not any(any(c.strip() for c in r) for r in head):
        raise InputError(f"{name} has no columns; the first row must name the columns", code="PN101")
    if header_row is not None:
        if header_row > len(head):
            raise InputError(f"{name} has {len(head)} row(s), so --header-row {header_row} (header_row={header_row})"
                             " is past its end; give the row of the column names", code="PN135")
        if not any(c.strip() for c in head[header_row - 1]):
            raise InputError(f"row {header_row} of {name} (given as the header row) is empty; give the row of the "
                             "column names with --header-row N (header_row=N)", code="PN135")
        return header_row - 1
    i = find_header_row(head, names=names)
    if not any(c.strip() for c in head[i]):  # blank rows above a header nobody recognises
        i = next(k for k, r in enumerate(head) if any(c.strip() for c in r))
    if i:
        log.info("%s: the column names were found in row %d (rows above it are a title, not data)", name, i + 1)
    return i


def iter_table_chunks(path, *, chunk_size: int = 2000, encoding: str | None = None, sheet=None, columns=None,
                      table: pd.DataFrame | None = None, header_row: int | None = None, bad_lines: str = "error",
                      names=(), **limits):
    """Yield a large table in chunks of rows (CSV/TSV streamed; other formats read whole).

    Every chunk keeps the file's columns (or only ``columns``), cells as ``str``, and a
    ``RangeIndex`` continuing across chunks so row numbers stay those of the file. ``table``:
    the file already read whole (:func:`read_table`), so that a workbook is read once however
    often it is gone through; ``header_row``, ``bad_lines``, ``names`` and ``limits`` as in
    :func:`read_table`. Each chunk's ``attrs`` hold ``header_row`` and the ``bad_lines`` met
    since the previous chunk (a last, empty chunk carries any after the last row); with
    ``bad_lines="error"`` the first chunk that meets one raises PN107 naming it.
    """
    path = Path(path)
    check_bad_lines(bad_lines)
    if table is None:
        _check_not_empty(path)
    if table is not None or _kind_of(path) != "csv":
        df = table if table is not None else read_table(path, encoding=encoding, sheet=sheet, header_row=header_row,
                                                        bad_lines=bad_lines, names=names, **limits)
        attrs = dict(df.attrs)
        if columns is not None:
            df = df[list(columns)]
        for start in range(0, max(len(df), 1), chunk_size):
            part = df.iloc[start:start + chunk_size]
            if len(part) or start == 0:
                part.attrs = {"header_row": attrs.get("header_row", 1),
                              "bad_lines": list(attrs.get("bad_lines", [])) if start == 0 else []}
                yield part
        return
    enc = encoding or detect_encoding(path)
    try:
        f = open(path, encoding=enc, newline="")  # line breaks inside quoted cells kept as written
    except LookupError as exc:
        raise InputError(f"unknown encoding {enc!r}; use e.g. utf-8, gb18030, big5", code="PN106") from exc
    try:
        with f:
            rows = CsvRows(f, name=path.name, suffix=path.suffix.lower(), header_row=header_row, names=names)
            keep = [rows.columns.index(c) for c in columns] if columns is not None else None
            cols = list(columns) if columns is not None else rows.columns
            if columns is not None and any(c not in rows.columns for c in columns):
                raise InputError(f"{path.name} has no column {next(c for c in columns if c not in rows.columns)!r}",
                                 code="PN110")
            start, buf = 0, []
            for cells in itertools.chain(rows, [None]):
                if cells is not None:
                    buf.append(cells if keep is None else [cells[k] for k in keep])
                    if len(buf) < chunk_size:
                        continue
                bad = rows.take_bad()
                if bad and bad_lines == "error":
                    raise InputError(bad_lines_message(path.name, bad, header_line=rows.header_line), code="PN107")
                if buf or bad or start == 0:
                    part = pd.DataFrame(buf, columns=cols, dtype=str, index=pd.RangeIndex(start, start + len(buf)))
                    part.attrs = {"header_row": rows.header_row, "bad_lines": bad}
                    yield part
                start, buf = start + len(buf), []
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path.name} cannot be decoded as {enc} further into the file (byte 0x{exc.object[exc.start]:02x}); "
            "pass the right --encoding",
            code="PN103",
        ) from exc

# writing and reading results moved to proposal_nlp.results, display names to
# proposal_nlp.resources: re-exported here for one release
from .resources import column_label, display_names, topic_label  # noqa: E402
from .results import XLSX_CELL_MAX, ResultWriter, escape_cell, read_result, unescape_cell, write_result  # noqa: E402

def streams_in_chunks(path) -> bool:
    """Whether :func:`iter_table_chunks` reads ``path`` piece by piece (CSV / TSV) rather than whole."""
    return _kind_of(Path(path)) == "csv"


__all__ = ["read_table", "detect_columns", "detect_encoding", "iter_table_chunks", "cell_str", "streams_in_chunks",
           "BAD_LINES", "check_bad_lines", "bad_lines_message", "CsvRows",
           # moved, re-exported for one release
           "write_result", "read_result", "escape_cell", "unescape_cell", "ResultWriter", "display_names",
           "column_label", "topic_label", "XLSX_CELL_MAX"]
