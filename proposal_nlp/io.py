"""Reading users' intake tables (CSV, TSV, XLSX, JSONL) and finding their column roles.

Tables are read with every cell as ``str`` and no NA guessing (an empty cell is ``""``),
UTF-8 (with or without BOM) by default, GB18030 detected, never ``errors="ignore"``.
Batch results are written and read back by :mod:`proposal_nlp.results`.
"""
from __future__ import annotations

import codecs
import difflib
import io as _io
import json
import logging
import re
import zipfile
from pathlib import Path

import pandas as pd

from .errors import InputError
from .normalize import is_missing
from .outputs import xlsx_unescape

log = logging.getLogger(__name__)

#: limits of reading a workbook (all configurable on read_table): data rows of a sheet (an XLSX
#: sheet holds at most 1,048,576 rows), bytes its parts unpack to, and the unpacked / packed
#: ratio above 16 MB (office exports stay far below it; zip bombs far above)
XLSX_MAX_ROWS = 1_048_575
XLSX_MAX_BYTES = 1 << 30
XLSX_MAX_RATIO = 200.0


# column roles and the headers that announce them (compared after lower-casing and
# removing spaces, underscores and brackets); first match in this order wins
ROLE_HEADERS: dict[str, tuple[str, ...]] = {
    "text": ("内容", "正文", "提案内容", "建议内容", "留言详情", "详情", "留言内容", "来信内容",
             "诉求内容", "具体内容", "text", "body", "content", "contents", "message", "details"),
    "title": ("标题", "题目", "案由", "提案标题", "建议标题", "留言主题", "主题", "事由",
              "title", "subject", "topic", "headline"),
    "id": ("编号", "提案号", "建议号", "案号", "留言编号", "序号", "工单号", "件号", "提案编号",
           "建议编号", "id", "no", "number", "case_id", "message_id", "proposal_id"),
    "kind": ("类型", "类别", "建议提案类型", "来源", "kind", "type", "category"),
    "handling": ("办理方式", "主办会办", "承办方式", "承办类型", "handling", "role"),
    "proposer": ("提案人", "领衔人", "代表", "委员", "提出人", "建议人", "留言用户",
                 "proposer", "proposers", "author"),
    "session": ("届次", "会议", "届别", "session"),
}


def _key(header: str) -> str:
    return re.sub(r"[\s_\-()（）\[\]【】:：]", "", str(header)).lower()


def detect_columns(columns, *, text_col=None, id_col=None, title_col=None) -> dict[str, str | None]:
    """Map roles (``text``, ``title``, ``id``, ``kind``, ``handling``, ``proposer``,
    ``session``) to column names of a table.

    Explicit names win and must exist; others are detected from common Chinese and English
    headers. A table without a text column raises ``InputError`` listing the columns found
    and suggesting the closest one.
    """
    columns = [str(c) for c in columns]
    explicit = {"text": text_col, "id": id_col, "title": title_col}
    roles: dict[str, str | None] = {}
    for role, name in explicit.items():
        if name is not None:
            if str(name) not in columns:
                raise InputError(
                    f"column {name!r} (given as the {role} column) is not in the table; "
                    f"columns found: {', '.join(map(repr, columns)) or 'none'}"
                    + _suggest(str(name), columns),
                    code="PN110",
                )
            roles[role] = str(name)
    keyed = {}
    for c in columns:
        keyed.setdefault(_key(c), c)
    used = set(roles.values())
    for role, headers in ROLE_HEADERS.items():
        if role in roles:
            continue
        roles[role] = None
        for h in headers:
            c = keyed.get(_key(h))
            if c is not None and c not in used:
                roles[role] = c
                used.add(c)
                break
    if roles["text"] is None:
        guess = _closest(columns, ROLE_HEADERS["text"])
        raise InputError(
            "no text column found (expected a header such as 内容, 正文, 留言详情, text or body); "
            f"columns found: {', '.join(map(repr, columns)) or 'none'}; "
            + (f"did you mean {guess!r}? pass --text-col {guess!r} (text_col={guess!r})"
               if guess else "name the column with --text-col (text_col=...)"),
            code="PN111",
        )
    return roles


def _closest(columns, candidates) -> str | None:
    if not columns:
        return None
    keys = {_key(c): c for c in columns}
    best, best_score = None, 0.0
    for c_key, c in keys.items():
        for cand in candidates:
            score = difflib.SequenceMatcher(None, c_key, _key(cand)).ratio()
            if cand in c_key or c_key in _key(cand):
                score = max(score, 0.6)
            if score > best_score:
                best, best_score = c, score
    if best is None or best_score < 0.34:
        # fall back to the column holding the longest header-free guess: the last column
        return None
    return best


def _suggest(name: str, columns) -> str:
    match = difflib.get_close_matches(name, columns, n=1, cutoff=0.3)
    return f"; did you mean {match[0]!r}?" if match else ""


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


def _sniff_delimiter(first_line: str, suffix: str) -> str:
    if suffix in (".tsv", ".tab"):
        return "\t"
    counts = {d: first_line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


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


def read_table(path, *, encoding: str | None = None, sheet=None, max_rows: int | None = XLSX_MAX_ROWS,
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
    max_rows, max_bytes, max_ratio : limits of reading a workbook, checked before its rows
        are read (``max_bytes``, ``max_ratio``: see :data:`XLSX_MAX_BYTES`,
        :data:`XLSX_MAX_RATIO`) or while they are (``max_rows``); None switches one off.

    A header-only file gives an empty table with its columns (logged). Errors (empty file,
    undecodable bytes, a file that is not a workbook) raise ``InputError`` with a code.
    """
    path = Path(path)
    _check_not_empty(path)
    kind = _kind_of(path)
    if kind == "xlsx":
        df = _read_xlsx(path, sheet, max_rows=max_rows, max_bytes=max_bytes, max_ratio=max_ratio)
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
            df = _read_jsonl_text(text, path.name)
        else:
            first = text.split("\n", 1)[0]
            try:
                df = pd.read_csv(_io.StringIO(text), sep=_sniff_delimiter(first, path.suffix.lower()), dtype=str,
                                 keep_default_na=False, na_filter=False)
            except pd.errors.ParserError as exc:
                raise InputError(f"{path.name} is not a well-formed CSV ({exc}); check quoting and delimiters",
                                 code="PN107") from exc
            df.columns = [str(c) for c in df.columns]
    if len(df.columns) == 0:
        raise InputError(f"{path.name} has no columns; the first row must name the columns", code="PN101")
    if len(df) == 0:
        log.warning("%s has a header but no rows", path.name)
    return df


def _read_jsonl_text(text: str, name: str) -> pd.DataFrame:
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
            except json.JSONDecodeError as exc:
                raise InputError(f"{name}, line {n}: not valid JSON ({exc.msg}); one JSON object per line",
                                 code="PN108") from exc
            if not isinstance(rec, dict):
                raise InputError(f"{name}, line {n}: expected a JSON object, got {type(rec).__name__}",
                                 code="PN108")
            records.append(rec)
    if not records:
        raise InputError(f"{name} holds no records", code="PN101")
    return _all_str(pd.DataFrame.from_records(records))


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


def _read_xlsx(path: Path, sheet, *, max_rows: int | None = XLSX_MAX_ROWS, max_bytes: int | None = XLSX_MAX_BYTES,
               max_ratio: float | None = XLSX_MAX_RATIO) -> pd.DataFrame:
    """One sheet of a workbook, read once, row by row (openpyxl read-only), every cell as ``str``."""
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
        names = wb.sheetnames
        if sheet is None:
            ws = wb.worksheets[0] if wb.worksheets else None
        elif str(sheet) in names:  # a sheet named "2024" is that sheet, not the 2025th
            ws = wb[str(sheet)]
        elif isinstance(sheet, int) and 0 <= sheet < len(names):
            ws = wb.worksheets[sheet]
        else:
            raise InputError(f"{path.name} has no sheet {sheet!r}; its sheets are {names}", code="PN109")
        if ws is None:
            raise InputError(f"{path.name} holds no worksheet", code="PN101")
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise InputError(f"{path.name} has no columns; the first row must name the columns", code="PN101")
        columns = _header_names(header)
        width = len(columns)
        data: list[list[str]] = []
        blank_tail = 0
        for values in rows:
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
    return pd.DataFrame(data, columns=columns, dtype=str)


def iter_table_chunks(path, *, chunk_size: int = 2000, encoding: str | None = None, sheet=None, columns=None,
                      table: pd.DataFrame | None = None, **limits):
    """Yield a large table in chunks of rows (CSV/TSV streamed; other formats read whole).

    Every chunk keeps the file's columns (or only ``columns``), cells as ``str``, and a
    ``RangeIndex`` continuing across chunks so row numbers stay those of the file. ``table``:
    the file already read whole (:func:`read_table`), so that a workbook is read once however
    often it is gone through; ``limits`` go to :func:`read_table`.
    """
    path = Path(path)
    if table is None:
        _check_not_empty(path)
    if table is not None or _kind_of(path) != "csv":
        df = table if table is not None else read_table(path, encoding=encoding, sheet=sheet, **limits)
        if columns is not None:
            df = df[list(columns)]
        for start in range(0, max(len(df), 1), chunk_size):
            part = df.iloc[start:start + chunk_size]
            if len(part) or start == 0:
                yield part
        return
    enc = encoding or detect_encoding(path)
    with open(path, encoding=enc, newline="") as f:
        first = f.readline().lstrip("\ufeff")
        f.seek(0)
        if not first.strip():
            raise InputError(f"{path.name} holds no header row", code="PN101")
        try:
            usecols = None
            if columns is not None:
                wanted = set(columns)
                usecols = lambda c: str(c).lstrip("\ufeff") in wanted  # noqa: E731
            reader = pd.read_csv(f, sep=_sniff_delimiter(first, path.suffix.lower()), dtype=str,
                                 keep_default_na=False, na_filter=False, chunksize=chunk_size, usecols=usecols)
            for part in reader:
                part.columns = [str(c).lstrip("\ufeff") for c in part.columns]
                yield part
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{path.name} cannot be decoded as {enc} further into the file (byte 0x{exc.object[exc.start]:02x}); "
                "pass the right --encoding",
                code="PN103",
            ) from exc
        except pd.errors.EmptyDataError as exc:
            raise InputError(f"{path.name} is empty", code="PN101") from exc


# writing and reading results moved to proposal_nlp.results, display names to
# proposal_nlp.resources: re-exported here for one release
from .resources import column_label, display_names, topic_label  # noqa: E402
from .results import XLSX_CELL_MAX, ResultWriter, escape_cell, read_result, unescape_cell, write_result  # noqa: E402

def streams_in_chunks(path) -> bool:
    """Whether :func:`iter_table_chunks` reads ``path`` piece by piece (CSV / TSV) rather than whole."""
    return _kind_of(Path(path)) == "csv"


__all__ = ["read_table", "detect_columns", "detect_encoding", "iter_table_chunks", "cell_str", "streams_in_chunks",
           # moved, re-exported for one release
           "write_result", "read_result", "escape_cell", "unescape_cell", "ResultWriter", "display_names",
           "column_label", "topic_label", "XLSX_CELL_MAX"]
