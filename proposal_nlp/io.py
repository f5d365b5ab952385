"""Reading users' intake tables and writing batch results (XLSX workbook or CSV folder).

Tables are read with every cell as ``str`` and no NA guessing (an empty cell is ``""``),
UTF-8 (with or without BOM) by default, GB18030 detected, never ``errors="ignore"``.
Results are written with Chinese column headers from ``data/display_names.json``, cells that
a spreadsheet would execute (``= + - @``) escaped with a leading ``'``, and cells longer than
an XLSX cell holds cut with a record in the errors table.
"""
from __future__ import annotations

import codecs
import difflib
import io as _io
import json
import logging
import os
import re
import zipfile
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .errors import InputError
from .resources import read_package_text

log = logging.getLogger(__name__)

XLSX_CELL_MAX = 32_767
XLSX_ROWS_MAX = 1_048_575  # data rows of a sheet (1,048,576 minus the header)
TABLE_ORDER = ("proposals", "suggestions", "matches", "measures", "uncovered", "summary", "errors")
# a leading character that makes a spreadsheet treat a cell as a formula
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED = re.compile(r"^'[=+\-@\t\r]")
# characters an XLSX file cannot hold (XML 1.0 control characters)
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

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


def _decode_sample(raw: bytes, encoding: str, *, final: bool) -> str:
    dec = codecs.getincrementaldecoder(encoding)(errors="strict")
    return dec.decode(raw, final=final)


def detect_encoding(path, *, sample_bytes: int | None = None) -> str:
    """Guess a text file's encoding: ``utf-8-sig``, ``utf-16`` (with BOM) or ``gb18030``.

    Decoding is strict; a file that is none of these raises ``InputError`` suggesting
    ``--encoding``. With ``sample_bytes`` only the start of the file is checked.
    """
    path = Path(path)
    with open(path, "rb") as f:
        raw = f.read() if sample_bytes is None else f.read(sample_bytes)
        final = sample_bytes is None or len(raw) < sample_bytes
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    errors = {}
    for enc in ("utf-8-sig", "gb18030"):
        try:
            _decode_sample(raw, enc, final=final)
            if enc != "utf-8-sig":
                log.info("%s is not UTF-8; read it as %s", path.name, enc)
            return enc
        except UnicodeDecodeError as exc:
            errors[enc] = exc
    exc = errors["utf-8-sig"]
    guess = None
    try:  # a hint only: the guess is never used silently
        from charset_normalizer import from_bytes

        best = from_bytes(raw[:200_000]).best()
        guess = best.encoding if best is not None else None
    except Exception:  # pragma: no cover - optional helper
        guess = None
    hint = f"--encoding {guess}" if guess and guess not in ("utf_8", "gb18030") else "--encoding gb18030 or --encoding big5"
    raise InputError(
        f"{path.name} is not UTF-8 (byte 0x{raw[exc.start]:02x} at position {exc.start}) "
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
            s = s.map(_cell_str)
        out[str(c)] = s
    return pd.DataFrame(out, index=df.index).reset_index(drop=True)


def _cell_str(v) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, float):
        if v != v:
            return ""
        return str(int(v)) if v.is_integer() else repr(v)
    if v is pd.NaT:
        return ""
    try:
        if pd.isna(v):
            return ""
    except (TypeError, ValueError):
        pass
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


def read_table(path, *, encoding: str | None = None, sheet=None) -> pd.DataFrame:
    """Read a user's table (CSV, TSV, XLSX, JSONL or Parquet) with every cell as ``str``.

    Parameters
    ----------
    path : str or Path
    encoding : str, optional
        Text encoding for CSV/TSV/JSONL; detected (UTF-8, UTF-8 with BOM, UTF-16 with BOM,
        GB18030) when not given.
    sheet : str or int, optional
        Worksheet of an XLSX file (default the first).

    A header-only file gives an empty table with its columns (logged). Errors (empty file,
    undecodable bytes, a file that is not a workbook) raise ``InputError`` with a code.
    """
    path = Path(path)
    _check_not_empty(path)
    kind = _kind_of(path)
    if kind == "xlsx":
        df = _read_xlsx(path, sheet)
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
            text = path.read_text(encoding=enc)
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
        for n, line in enumerate(text.splitlines(), 1):
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


def _read_xlsx(path: Path, sheet) -> pd.DataFrame:
    if not zipfile.is_zipfile(path):
        if path.suffix.lower() == ".xls":
            msg = f"{path.name} is an old .xls file, not an XLSX workbook; save it as .xlsx (or CSV) and try again"
        else:
            msg = (f"{path.name} is not an Excel workbook (not a ZIP/XLSX file); if it is a CSV or HTML export, "
                   "rename it to .csv or save it again as .xlsx")
        raise InputError(msg, code="PN104")
    try:
        df = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=str,
                           keep_default_na=False, na_filter=False, engine="openpyxl")
    except (ValueError, KeyError) as exc:
        if sheet is not None:
            raise InputError(f"{path.name} has no sheet {sheet!r}; name one of its sheets", code="PN109") from exc
        raise InputError(f"{path.name} is not a readable workbook ({exc}); open and save it again as .xlsx",
                         code="PN104") from exc
    except Exception as exc:
        raise InputError(f"{path.name} is not a readable workbook ({exc}); open and save it again as .xlsx",
                         code="PN104") from exc
    return _all_str(df)


def iter_table_chunks(path, *, chunk_size: int = 2000, encoding: str | None = None, sheet=None, columns=None):
    """Yield a large table in chunks of rows (CSV/TSV streamed; other formats read whole).

    Every chunk keeps the file's columns (or only ``columns``), cells as ``str``, and a
    ``RangeIndex`` continuing across chunks so row numbers stay those of the file.
    """
    path = Path(path)
    _check_not_empty(path)
    if _kind_of(path) != "csv":
        df = read_table(path, encoding=encoding, sheet=sheet)
        if columns is not None:
            df = df[list(columns)]
        for start in range(0, max(len(df), 1), chunk_size):
            part = df.iloc[start:start + chunk_size]
            if len(part) or start == 0:
                yield part
        return
    enc = encoding or detect_encoding(path, sample_bytes=4 << 20)
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


# ---------------------------------------------------------------- display names


@lru_cache(maxsize=1)
def display_names() -> dict:
    """The shipped display names: ``{"tables": {...}, "columns": {...}, "topics": {...}}``."""
    return json.loads(read_package_text("display_names.json"))


def column_label(col: str, table: str | None = None) -> str:
    """The Chinese header of a column (``table`` picks a table's own name where it has one)."""
    own = display_names().get("table_columns", {}).get(table or "", {})
    if col in own:
        return own[col]
    names = display_names()["columns"]
    if col in names:
        return names[col]
    if col.startswith("score_"):
        topic = col[len("score_"):]
        return names.get("score_", "得分_") + display_names()["topics"].get(topic, topic)
    return col


def topic_label(topic: str) -> str:
    return display_names()["topics"].get(topic, topic)


def _inverse_columns(table: str | None = None) -> dict[str, str]:
    inv = {v: k for k, v in display_names()["columns"].items()}
    inv.update({v: k for k, v in display_names().get("table_columns", {}).get(table or "", {}).items()})
    prefix = display_names()["columns"].get("score_", "得分_")
    for t, label in display_names()["topics"].items():
        inv[prefix + label] = f"score_{t}"
    return inv


# ---------------------------------------------------------------- writing


def escape_cell(value: str) -> str:
    """Prefix ``'`` to text a spreadsheet would run as a formula (``= + - @``, tab, CR)."""
    if value and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def unescape_cell(value: str) -> str:
    if value and _ESCAPED.match(value):
        return value[1:]
    return value


def _cell_text(v) -> str | None:
    if isinstance(v, (list, tuple)):
        return "|".join(map(str, v))
    if isinstance(v, str):
        return v
    return None


def _prepare(name: str, df: pd.DataFrame, *, limit: int | None, errors: list) -> pd.DataFrame:
    """Text cells escaped, lists joined with ``|``, control characters dropped, long cells cut."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if not (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)):
            continue
        s = s.astype(object)

        def fix(v, _row=None):
            t = _cell_text(v)
            if t is None:
                return v
            return escape_cell(t)

        s = s.map(fix)
        if limit is not None:
            ill = s.map(lambda v: isinstance(v, str) and _ILLEGAL_XML.search(v) is not None)
            for i in s.index[ill]:
                errors.append(_write_error(out, i, name, col,
                                           "control characters removed (an XLSX cell cannot hold them)"))
            if ill.any():
                s = s.where(~ill, s[ill].map(lambda v: _ILLEGAL_XML.sub("", v)))
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
    cols = {}
    for c in df.columns:
        label = id_header if (c == "id" and id_header) else column_label(c, table)
        cols[c] = label
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
    """

    def __init__(self, path, *, force: bool = False, id_header: str | None = None, fmt: str | None = None,
                 tables=TABLE_ORDER):
        path = Path(path)
        self.fmt = fmt or ("xlsx" if path.suffix.lower() in (".xlsx", ".xlsm") else "csv")
        if path.exists():
            if not force:
                raise InputError(f"{path} already exists; choose another output or pass --force (force=True) "
                                 "to overwrite", code="PN150")
            if path.is_dir() and self.fmt != "csv":
                raise InputError(f"{path} is a folder; give a .xlsx file name", code="PN150")
            if not path.is_dir() and self.fmt == "csv":
                raise InputError(f"{path} is a file; give a folder for CSV output or a .xlsx name", code="PN150")
        self.path = path
        self.id_header = id_header
        self.limit = XLSX_CELL_MAX if self.fmt == "xlsx" else None
        self.changed: list[dict] = []  # cells changed while writing (cut, control characters)
        self.order = [t for t in TABLE_ORDER if t in tables] + [t for t in tables if t not in TABLE_ORDER]
        if "errors" not in self.order:
            self.order.append("errors")
        self._started: dict[str, int] = {}
        self._pending: dict[str, list[str]] = {}
        self._overflow: dict[str, int] = {}  # rows left out of a full XLSX sheet
        if self.fmt == "xlsx":
            from openpyxl import Workbook

            path.parent.mkdir(parents=True, exist_ok=True)
            self._wb = Workbook(write_only=True)
            self._sheets = {name: self._wb.create_sheet(_sheet_name(name)) for name in [*self.order, "about"]}
        else:
            self._tmp = path.with_name(path.name + ".part")
            if self._tmp.exists():
                for f in self._tmp.glob("*"):
                    f.unlink()
            self._tmp.mkdir(parents=True, exist_ok=True)
            self._files: dict = {}

    def write(self, name: str, df: pd.DataFrame) -> None:
        """Append the rows of ``df`` to table ``name`` (escaped, cut where needed, Chinese headers)."""
        if name == "errors":
            raise ValueError("errors are written by close()")
        prepared = _prepare(name, df, limit=self.limit, errors=self.changed)
        self._append(name, _labelled(prepared, self.id_header, name))

    def _append(self, name: str, df: pd.DataFrame, *, final: bool = False) -> None:
        if name not in self._started:
            if len(df) == 0 and not final:
                self._pending[name] = list(df.columns)
                return
            self._start(name, df)
        if self.fmt == "xlsx":
            ws = self._sheets[name]
            room = max(XLSX_ROWS_MAX - self._started[name], 0)
            if len(df) > room:
                self._overflow[name] = self._overflow.get(name, 0) + len(df) - room
                df = df.iloc[:room]
            for rec in df.itertuples(index=False, name=None):
                ws.append([_xlsx_value(ws, v) for v in rec])
        else:
            df.to_csv(self._files[name], index=False, header=False, lineterminator="\r\n")
        self._started[name] += len(df)

    def _start(self, name: str, df: pd.DataFrame) -> None:
        self._started[name] = 0
        if self.fmt == "xlsx":
            from openpyxl.cell import WriteOnlyCell
            from openpyxl.styles import Font
            from openpyxl.utils import get_column_letter

            ws = self._sheets[name]
            ws.freeze_panes = "A2"
            for j, c in enumerate(df.columns, 1):
                sample = df[c].head(200)
                lens = [_display_width(str(c))] + [_display_width(_cell_text(v) or str(v)) for v in sample]
                ws.column_dimensions[get_column_letter(j)].width = max(min(max(lens) + 2, 60), 6)
            bold = Font(bold=True)
            header = []
            for c in df.columns:
                cell = WriteOnlyCell(ws, value=str(c))
                cell.font = bold
                header.append(cell)
            ws.append(header)
        else:
            f = open(self._tmp / f"{name}.csv", "w", encoding="utf-8-sig", newline="")
            self._files[name] = f
            pd.DataFrame(columns=df.columns).to_csv(f, index=False, lineterminator="\r\n")

    def abort(self) -> None:
        """Give up: close and remove what was written so far (the output path is left untouched)."""
        if self.fmt == "csv":
            for f in self._files.values():
                f.close()
            for f in self._tmp.glob("*"):
                f.unlink()
            self._tmp.rmdir()

    def close(self, errors: pd.DataFrame | None = None, meta: dict | None = None) -> Path:
        """Write the errors and about tables, finish every table and move the output into place."""
        for name, cols in list(self._pending.items()):
            if name not in self._started:
                self._append(name, pd.DataFrame(columns=cols), final=True)
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
        self._append("errors", _labelled(_prepare("errors", err, limit=self.limit, errors=[]), self.id_header),
                     final=True)
        for name in self.order:
            if name not in self._started:
                self._append(name, pd.DataFrame(), final=True)
        about = _about_table(meta or {}).rename(columns={"key": "项目", "value": "值"})
        if self.fmt == "xlsx":
            self._append("about", about, final=True)
            from openpyxl.utils import get_column_letter

            for name, n in self._started.items():
                ws = self._sheets[name]
                ncols = max(len(ws.column_dimensions), 1)
                ws.auto_filter.ref = f"A1:{get_column_letter(ncols)}{n + 1}"
            tmp = self.path.with_name(self.path.name + ".part")
            self._wb.save(tmp)
            os.replace(tmp, self.path)
        else:
            for f in self._files.values():
                f.close()
            about.rename(columns={"项目": "key", "值": "value"}).to_csv(self._tmp / "about.csv", index=False,
                                                                     encoding="utf-8-sig")
            if self.path.exists():
                for f in self.path.glob("*.csv"):
                    f.unlink()
                for f in self._tmp.iterdir():
                    os.replace(f, self.path / f.name)
                self._tmp.rmdir()
            else:
                os.replace(self._tmp, self.path)
        return self.path


def write_result(result, path, *, force: bool = False, fmt: str | None = None) -> Path:
    """Write a ``BatchResult`` (or a dict of tables) as an XLSX workbook or a CSV folder.

    ``path`` ending in ``.xlsx`` gives one sheet per table (proposals first, Chinese headers,
    frozen header row, column widths to fit); any other path is a folder of UTF-8-with-BOM
    CSV files (``proposals.csv`` …). An existing output is refused unless ``force``.
    Cells that a spreadsheet would execute are written with a leading ``'``; XLSX cells over
    32,767 characters are cut and each cut is recorded in the errors table.
    """
    tables = _result_tables(result)
    meta = dict(getattr(result, "meta", {}) or {})
    writer = ResultWriter(path, force=force, id_header=meta.get("id_col"), fmt=fmt, tables=list(tables))
    for name, df in tables.items():
        if name != "errors":
            writer.write(name, df)
    return writer.close(tables.get("errors"), meta)


def _about_table(meta: dict) -> pd.DataFrame:
    from . import __version__

    rows = [("library", f"proposal_nlp {__version__}")]
    for k, v in meta.items():
        if isinstance(v, (list, tuple)):
            v = ",".join(map(str, v))
        rows.append((str(k), "" if v is None else str(v)))
    return pd.DataFrame(rows, columns=["key", "value"])


def _sheet_name(name: str) -> str:
    label = display_names()["tables"].get(name, name)
    return re.sub(r"[\[\]:*?/\\]", "_", label)[:31]


def _xlsx_value(ws, v):
    if v is None:
        return None
    if isinstance(v, float) and v != v:
        return None
    if isinstance(v, str):
        if v.startswith("="):  # already escaped by _prepare; never a formula
            from openpyxl.cell import WriteOnlyCell

            cell = WriteOnlyCell(ws, value=v)
            cell.data_type = "s"
            return cell
        return v
    if hasattr(v, "item"):
        return v.item()
    if v is pd.NA or v is pd.NaT:
        return None
    return v


def _display_width(s: str) -> int:
    s = s[:80]
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in s)


# ---------------------------------------------------------------- reading results back


def read_result(path):
    """Read a workbook or CSV folder written by :func:`write_result` back into a ``BatchResult``."""
    from .batch import BatchResult

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path} not found; give the workbook or folder written by `proposal-nlp run`", code="PN100")
    raw: dict[str, pd.DataFrame] = {}
    about = None
    if path.is_dir():
        for name in [*TABLE_ORDER, "about"]:
            f = path / f"{name}.csv"
            if f.exists():
                df = pd.read_csv(f, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig")
                if name == "about":
                    about = df
                else:
                    raw[name] = df
    else:
        if not zipfile.is_zipfile(path):
            raise InputError(f"{path.name} is not a workbook written by `proposal-nlp run`", code="PN104")
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False, na_filter=False,
                               engine="openpyxl")
        by_label = {_sheet_name(n): n for n in [*TABLE_ORDER, "about"]}
        for label, df in sheets.items():
            name = by_label.get(label)
            if name == "about":
                about = df.rename(columns={"项目": "key", "值": "value"})
            elif name:
                raw[name] = df
    if "proposals" not in raw:
        raise InputError(f"{path.name} holds no proposals table; give the output of `proposal-nlp run`",
                         code="PN151")
    meta = {}
    if about is not None and {"key", "value"} <= set(about.columns):
        meta = dict(zip(about["key"], about["value"]))
    id_header = meta.get("id_col")
    tables = {}
    for name, df in raw.items():
        inv = _inverse_columns(name)
        df = df.rename(columns={c: ("id" if (id_header and c == id_header) else inv.get(c, c)) for c in df.columns})
        df = df.apply(lambda s: s.map(unescape_cell)) if len(df) else df
        tables[name] = _restore_types(name, df)
    for name in TABLE_ORDER:
        tables.setdefault(name, pd.DataFrame())
    return BatchResult(**{n: tables[n] for n in TABLE_ORDER}, meta=meta)


_INT_COLS = {"row", "n_asks", "n_covered", "n_partial", "n_uncovered", "start", "end", "rank", "value", "text_chars",
             "ask_index"}
_FLOAT_COLS = {"fire_score", "score", "best_score"}
_BOOL_COLS = {"fire_relevant", "duplicate_id"}


def _restore_types(name: str, df: pd.DataFrame) -> pd.DataFrame:
    for c in df.columns:
        if c in _INT_COLS or (name == "summary" and c == "value"):
            df[c] = pd.to_numeric(df[c].replace("", None), errors="coerce").astype("Int64")
        elif c in _FLOAT_COLS or c.startswith("score_"):
            df[c] = pd.to_numeric(df[c].replace("", None), errors="coerce")
        elif c in _BOOL_COLS:
            df[c] = df[c].map({"True": True, "False": False, "TRUE": True, "FALSE": False, "1": True, "0": False,
                               "是": True, "否": False}).astype("boolean")
        elif c == "topics":
            df[c] = df[c].map(lambda v: [t for t in v.split("|") if t] if isinstance(v, str) else [])
    return df


__all__ = ["read_table", "write_result", "read_result", "detect_columns", "detect_encoding", "iter_table_chunks",
           "escape_cell", "display_names", "XLSX_CELL_MAX"]
