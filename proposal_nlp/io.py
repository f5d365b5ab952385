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

log = logging.getLogger(__name__)


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


# writing and reading results moved to proposal_nlp.results, display names to
# proposal_nlp.resources: re-exported here for one release
from .resources import column_label, display_names, topic_label  # noqa: E402
from .results import XLSX_CELL_MAX, ResultWriter, escape_cell, read_result, unescape_cell, write_result  # noqa: E402

__all__ = ["read_table", "detect_columns", "detect_encoding", "iter_table_chunks", "cell_str",
           # moved, re-exported for one release
           "write_result", "read_result", "escape_cell", "unescape_cell", "ResultWriter", "display_names",
           "column_label", "topic_label", "XLSX_CELL_MAX"]
