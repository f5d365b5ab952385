"""Batch intake: a table of proposals or messages in, tidy result tables out.

``process_table`` classifies every row (topics, fire flag), extracts its concrete asks,
matches each ask to the measures of a policy, and returns a :class:`BatchResult` with the
tables ``proposals`` (one row per input row, always, in input order), ``suggestions``,
``matches``, ``uncovered``, ``summary`` and ``errors``, joined by ``row`` (the 1-based data
row of the input) and ``id``. A row that fails at a stage keeps its output row; the failure is
recorded in ``errors`` (row, id, stage, message) and the batch goes on. A step that fails for
every row it ran on (a model that cannot predict, say) fails the batch instead: a
:class:`~proposal_nlp.errors.BatchError` (PN169) names the step and its first error, and
nothing is written.

Rows are processed in chunks; ``jobs=N`` spreads the chunks over N worker processes, each
loading the models once. ``process_file`` reads CSV files in chunks and, with
``stream=True``, writes every chunk's tables as soon as they are done, so memory stays flat
however long the input (this is what ``proposal-nlp run`` does). Beyond one machine,
:func:`proposal_nlp.dask.process_dask` runs the same work over a Dask DataFrame.

>>> result = process_table(df, policy="framework_12345.csv")      # doctest: +SKIP
>>> result.proposals, result.suggestions, result.uncovered         # doctest: +SKIP
>>> print(result.summary_text())                                    # doctest: +SKIP
>>> result.write("result.xlsx")                                     # doctest: +SKIP
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

import pandas as pd

from .engine import (DEFAULT_CHUNK_SIZE, STEPS, TOP_K, StepTally, assemble, batch_meta, load_policy, make_config,
                     measures_table, prepare_rows, resolve_jobs, run_chunks)
from .errors import InputError, InputTypeError, ResourceError
from .hot import add_groups
from .io import (bad_lines_message, cell_str, check_bad_lines, detect_encoding, iter_table_chunks, read_table,
                 streams_in_chunks)
from .normalize import is_missing
from .outputs import check_output_path
from .progress import Progress, note, progress_mode
from .resources import package_path
from .roles import detect_roles
from .results import ERROR_COLUMNS, MATCH_COLUMNS, MEASURE_COLUMNS, UNCOVERED_COLUMNS, BatchResult, ResultWriter
# moved to proposal_nlp.engine and proposal_nlp.results; importable from here for one release
from .engine import PARSE_HEAD_CHARS, get_engine, normalize_handling, normalize_kind  # noqa: F401,E402
from .results import PROPOSAL_COLUMNS, SUGGESTION_COLUMNS  # noqa: F401,E402
from .summary import build_summary

log = logging.getLogger(__name__)


DEMO_FILES = ("proposals.csv", "framework_12345.csv")


def demo_files() -> tuple[Path, Path]:
    """``(proposals.csv, framework_12345.csv)`` of the demo shipped in ``proposal_nlp/data/demo``."""
    paths = []
    for name in DEMO_FILES:
        try:
            paths.append(package_path(f"demo/{name}"))
        except ResourceError as exc:
            raise ResourceError(f"demo file {name} is missing from the installed package "
                                "(proposal_nlp/data/demo); reinstall proposal_nlp", code="PN207") from exc
    proposals, framework = paths
    return proposals, framework


def demo_dir() -> Path:
    """The folder holding the shipped demo files."""
    return demo_files()[0].parent


def process_table(df: pd.DataFrame, *, text_col=None, id_col=None, title_col=None, kind_col=None, handling_col=None,
                  result_col=None, satisfaction_col=None, policy=None, steps=STEPS, classifier="default",
                  extractor=None, parser=None, matcher=None, top_k: int = TOP_K, chunk_size: int = DEFAULT_CHUNK_SIZE, jobs: int = 1,
                  progress=False, keep_text: bool = True) -> BatchResult:
    """Classify, extract asks from and match every row of a table of proposals or messages.

    Parameters
    ----------
    df : DataFrame
        One proposal or message per row. Column roles (text, title, id, 类型, 办理方式, 办理结果,
        满意度, 提案人, 届次) are detected from common Chinese and English headers; the kind and handling
        roles only from a column whose values look like kinds (建议 / 提案 / 议案), handlings
        (主办 / 会办) or satisfaction levels (满意 / 基本满意 / 不满意), see :func:`proposal_nlp.roles.detect_roles`. A table read by
        :func:`proposal_nlp.read_table` with ``bad_lines="keep"`` brings the lines it left out
        (``df.attrs["bad_lines"]``) into ``errors``.
    text_col, id_col, title_col, kind_col, handling_col, result_col, satisfaction_col : str, optional
        Name the columns explicitly; ``"none"`` switches a role off (not the text).
    policy : path, list of clauses or DataFrame, optional
        The measures asks are matched to (``clause_id``, ``text``, optional ``group``). Without
        it asks are extracted but not matched.
    steps : subset of ("classify", "extract", "match", "group"); "match" without "extract" matches
        each row's whole text as one ask (for a table of asks); "group" (not run by default) groups
        the rows once all are done (:func:`proposal_nlp.hot.add_groups`: messages on the same
        problem at the same place, proposals with the same asks) into ``result.groups`` and ranks
        the groups by heat in ``result.hot_issues`` (the 热点问题 sheet and the report's section).
    classifier : "default", a model path, or an object with ``predict_frame``
    extractor, parser : callables replacing :func:`proposal_nlp.extract_suggestions` and
        :func:`proposal_nlp.parse_proposal` (``text -> list of suggestions`` / ``text -> fields``).
    matcher : an unfitted matcher with ``fit(clauses)`` and ``match(texts, top_k=, query_ids=)``
        (default :class:`proposal_nlp.ClauseMatcher`). With ``jobs > 1`` these must be picklable.
    top_k : measures listed per ask in ``matches``.
    chunk_size : rows per chunk; ``jobs`` worker processes (``0`` or less: all cores).
    progress : False, True / "bar" (a bar on stderr) or "log" (a line every few seconds in the
        log); see :mod:`proposal_nlp.progress`.
    keep_text : keep the text column in the proposals table.

    Returns
    -------
    BatchResult with one ``proposals`` row per input row, in input order; ``meta["notes"]``
    says which columns were not taken for a role and why.

    Raises
    ------
    BatchError (PN169)
        When a step (classify, extract, parse, match) failed for every row with text (every
        ask, for match): such a result would hold errors only. Failures of some rows are not
        raised; they are in ``result.errors``.
    """
    if not isinstance(df, pd.DataFrame):
        raise InputTypeError(f"process_table needs a pandas DataFrame, got {type(df).__name__}; "
                        "read files with proposal_nlp.read_table or use process_file")
    progress_mode(progress)
    roles, notes = detect_roles(df, text_col=text_col, id_col=id_col, title_col=title_col, kind_col=kind_col,
                                handling_col=handling_col, result_col=result_col, satisfaction_col=satisfaction_col)
    cfg = make_config(steps, classifier, policy, top_k, extractor, parser, matcher)
    jobs = resolve_jobs(jobs)
    chunk_size = max(1, int(chunk_size))
    if jobs > 1 and len(df) <= chunk_size:
        jobs = 1

    def chunks():
        for start in range(0, len(df), chunk_size):
            errs: list[dict] = []
            yield prepare_rows(df.iloc[start:start + chunk_size], roles, start, errs), errs

    parts = list(run_chunks(chunks(), cfg, jobs=jobs, progress=progress, total=len(df)))
    StepTally.of(parts).check()
    bad = list(df.attrs.get("bad_lines", []))
    result = assemble(parts, cfg, _meta(roles, cfg, jobs, len(df), notes, bad, df.attrs.get("header_row")),
                      keep_text=keep_text)
    result.errors = with_bad_lines(result.errors, bad)
    if "group" in cfg.steps:
        add_groups(result, df, roles)
    return result


def output_format(out) -> str:
    """``"xlsx"`` or ``"csv"``: what ``out`` (``-o``) asks for, or PN158 listing the choices.

    A name ending in ``.xlsx`` is a workbook; a name ending in ``/`` (``result/``) or an existing
    folder is a folder of CSV files; anything else (``out.csv``, ``out``) is refused before any
    work, rather than guessed: one CSV file cannot hold the result's tables, and a name without
    ``/`` may be meant as a file. A ``Path`` loses a trailing ``/``: give a new folder as a str
    (``out="result/"``).
    """
    text = os.fspath(out)
    path = Path(text)
    if path.suffix.lower() == ".xlsx":
        return "xlsx"
    if text.endswith(("/", os.sep)) or path.is_dir():
        return "csv"
    stem = path.stem or "result"
    if path.suffix.lower() in (".csv", ".tsv", ".txt"):
        why = "one CSV file cannot hold the result's tables (proposals, asks, matches, errors ...)"
    elif path.suffix:
        why = f"{path.suffix} is not a format the result is written in (only .xlsx workbooks)"
    else:
        why = "it is no existing folder, and a name without / may be meant as a file"
    raise InputError(f"cannot tell what to write to {text}: {why}. Give -o {stem}.xlsx for a workbook, or "
                     f"-o {stem}/ (ending in /) or an existing folder for a folder of CSV files", code="PN158")


def with_bad_lines(errors: pd.DataFrame, bad: list[dict]) -> pd.DataFrame:
    """``errors`` with a record (stage ``input``, no row) for each line left out of the input,
    first, holding the line's number, why and its raw text."""
    if not bad:
        return errors
    recs = pd.DataFrame([{"row": None, "id": "", "stage": "input",
                          "message": f"line {b['line']} {b['reason']}; left out of the tables, not processed "
                                     f"(fix the line and run again): {b['raw']}"} for b in bad], columns=ERROR_COLUMNS)
    out = pd.concat([recs, errors], ignore_index=True) if len(errors) else recs
    out["row"] = pd.array(out["row"].map(lambda v: None if is_missing(v) else int(v)), dtype="Int64")
    return out


def _meta(roles, cfg, jobs, n, notes, bad, header_row) -> dict:
    meta = batch_meta(roles, cfg, jobs, n)
    if header_row is not None and header_row != 1:
        meta["header_row"] = header_row
    if bad:
        meta["bad_lines"] = len(bad)
    if notes:
        meta["notes"] = "\n".join(notes)
    return meta


ROLE_SAMPLE_ROWS = 1000


def process_file(path, *, out=None, force: bool = False, stream: bool = False, encoding=None, sheet=None,
                 header_row: int | None = None, bad_lines: str = "error", text_col=None, id_col=None, title_col=None,
                 kind_col=None, handling_col=None, result_col=None, satisfaction_col=None, policy=None, steps=STEPS,
                 classifier="default",
                 extractor=None, parser=None, matcher=None, top_k: int = TOP_K, chunk_size: int = DEFAULT_CHUNK_SIZE,
                 jobs: int = 1, progress=False, keep_text: bool = True) -> BatchResult:
    """Process a table file chunk by chunk (CSV/TSV read in chunks) and optionally write the result.

    Same tables as :func:`process_table` on the whole file. ``header_row`` and ``bad_lines``
    are those of :func:`proposal_nlp.read_table`: the header is found below a title row, and
    with ``bad_lines="keep"`` a line that cannot be read as a row is listed in ``errors``
    (stage ``input``, with its line number and text) instead of stopping the run; rows in the
    tables + lines listed = rows of the file. A CSV file is read through once before any work,
    so that a bad line (``bad_lines="error"``) stops the run before it starts, and the progress
    knows the number of rows. The kind and handling roles are checked on the first
    :data:`ROLE_SAMPLE_ROWS` rows (:func:`proposal_nlp.roles.detect_roles`).

    With ``out`` the result is written there: a name ending in ``.xlsx`` is a workbook, a name
    ending in ``/`` or an existing folder a folder of CSV files, anything else is refused before
    any work (PN158, see :func:`output_format`); an existing output is refused unless ``force``.

    With ``stream=True`` (needs ``out``) every chunk's tables are written as soon as they are
    done and only what the summary and the report need stays in memory, so memory stays flat
    however long the input: the returned result then holds the ``proposals`` without text and
    score columns, ``suggestions`` reduced to ``row, id, suggestion_id, coverage``, no
    ``matches``, and the full ``uncovered``, ``summary`` and ``errors`` (``meta["streamed"]``).
    The files written are the same as without streaming.

    When a step failed for every row it ran on, :class:`~proposal_nlp.errors.BatchError`
    (PN169) is raised and nothing is written: a streamed output written so far is removed
    and an existing ``out`` (with ``force``) is left as it was.
    """
    path = Path(path)
    mode = progress_mode(progress)
    check_bad_lines(bad_lines)
    if stream and out is None:
        raise InputError("stream=True writes the tables as it goes: give out= (an .xlsx file or a folder)",
                         code="PN166")
    if out is not None:
        check_output_path(out, inputs=(path, policy))  # never write over what the run reads
        output_format(out)
    if out is not None and Path(out).exists() and not force:
        raise InputError(f"{out} already exists; choose another output or pass --force (force=True) to overwrite",
                         code="PN150")
    cfg = make_config(steps, classifier, policy, top_k, extractor, parser, matcher)
    jobs = resolve_jobs(jobs)
    chunk_size = max(1, int(chunk_size))
    names = [n for n in (text_col, id_col, title_col, kind_col, handling_col, result_col, satisfaction_col)
             if isinstance(n, str)]
    # a CSV is read in chunks as it is processed (its encoding found once, not at every pass);
    # any other file is read once, whole
    chunked = streams_in_chunks(path)
    if chunked and encoding is None:
        encoding = detect_encoding(path)
    read = {"encoding": encoding, "sheet": sheet, "header_row": header_row, "names": names}
    table = None if chunked else read_table(path, bad_lines=bad_lines, **read)
    head = next(iter_table_chunks(path, chunk_size=ROLE_SAMPLE_ROWS, table=table, bad_lines="keep", **read))
    roles, notes = detect_roles(head, text_col=text_col, id_col=id_col, title_col=title_col, kind_col=kind_col,
                                handling_col=handling_col, result_col=result_col, satisfaction_col=satisfaction_col)
    found_row = head.attrs.get("header_row", 1)
    if found_row != 1 and header_row is None:
        notes.insert(0, f"the column names were found in row {found_row} of {path.name}; the rows above it are "
                        "taken as a title, not data (--header-row N to give another row)")
        log.info("%s", notes[0])
    n_rows, id_counts, bad = _scan(path, roles, table, read, mode, chunk_size=chunk_size)
    if bad and bad_lines == "error":
        raise InputError(bad_lines_message(path.name, bad, header_line=found_row), code="PN107")
    state = {"n": 0}

    def chunks():
        for part in iter_table_chunks(path, chunk_size=chunk_size, table=table, bad_lines="keep", **read):
            if len(part) == 0:
                continue  # its bad lines, if any, were counted by _scan
            start = state["n"]
            state["n"] += len(part)
            errs: list[dict] = []
            yield prepare_rows(part, roles, start, errs), errs

    results = run_chunks(chunks(), cfg, jobs=jobs, progress=mode, total=n_rows)
    meta = _meta(roles, cfg, jobs, n_rows, notes, bad, found_row)
    if "group" in cfg.steps:
        stream = False  # grouping needs every row at once: the tables are written when all are done
    if not stream:
        parts = list(results)
        StepTally.of(parts).check(output=out)
        result = assemble(parts, cfg, meta, keep_text=keep_text)
        result.errors = with_bad_lines(result.errors, bad)
        result.meta["input"] = path.name
        if "group" in cfg.steps:
            whole = table if table is not None else read_table(path, bad_lines="keep", **read)
            add_groups(result, whole, roles)
        if out is not None:
            note(mode, "writing %s", out)
            result.write(out, force=force)
        return result
    return _stream(results, path, out, force, cfg, meta, state, id_counts=id_counts, bad=bad, mode=mode,
                   keep_text=keep_text)


_LEAN_PROPOSALS = ["row", "id", "duplicate_id", "title", "kind", "handling", "result", "satisfaction", "topics",
                   "topic_names", "fire_relevant", "fire_score", "fire_evidence", "n_asks", "n_covered", "n_partial",
                   "n_uncovered", "status"]


# what a streamed run keeps of each ask: enough for the summary, the measures and the report
# (the ask's number lets the report name it "0101 第2条"; its text stays in the output only)
_LEAN_ASKS = ["row", "id", "suggestion_id", "ask_index", "coverage", "best_clause_id"]


def _scan(path, roles, table, read, mode, *, chunk_size) -> tuple[int, dict, list[dict]]:
    """Rows, how often each id occurs, and the lines that cannot be read as rows, of the whole
    input (a CSV read through once, its id or text column only)."""
    col = roles.get("id") or roles["text"]
    counts: dict[str, int] = {}
    bad: list[dict] = []
    n = 0
    with Progress(mode if table is None else None, desc=f"reading {path.name}", last_line=False) as bar:
        for part in iter_table_chunks(path, chunk_size=max(chunk_size, 50_000), columns=[col], table=table,
                                      bad_lines="keep", **read):
            bad.extend(part.attrs.get("bad_lines", []))
            n += len(part)
            if roles.get("id"):
                for i in part[col].map(cell_str):
                    if i:
                        counts[i] = counts.get(i, 0) + 1
            bar.update(len(part))
    return n, counts, bad


def _stream(results, path, out, force, cfg, meta, state, *, id_counts, bad, mode, keep_text):
    writer = ResultWriter(out, force=force, id_header=meta.get("id_col"))
    lean, asks, uncovered, errors = [], [], [], []
    timings: dict[str, float] = {}
    tally = StepTally()
    done = False
    try:
        for res in results:
            tally.add(res)
            for k, v in res["timings"].items():
                timings[k] = timings.get(k, 0.0) + v
            part = assemble([res], cfg, meta, id_counts=id_counts, keep_text=keep_text, with_summary=False)
            for name in ("proposals", "suggestions", "matches"):
                writer.write(name, getattr(part, name))
            lean.append(part.proposals[_LEAN_PROPOSALS])
            asks.append(part.suggestions[_LEAN_ASKS])
            uncovered.append(part.uncovered)
            errors.append(part.errors)
        tally.check(output=out)  # a step that failed for every row: the partly written output is removed
        done = True
    finally:
        if not done:
            writer.abort()
    proposals = pd.concat(lean, ignore_index=True) if lean else pd.DataFrame(columns=_LEAN_PROPOSALS)
    suggestions = (pd.concat(asks, ignore_index=True) if asks
                   else pd.DataFrame(columns=_LEAN_ASKS))
    unc = pd.concat(uncovered, ignore_index=True) if uncovered else pd.DataFrame(columns=UNCOVERED_COLUMNS)
    err = pd.concat(errors, ignore_index=True) if errors else pd.DataFrame(columns=ERROR_COLUMNS)
    err = with_bad_lines(err, bad)
    matched = "match" in cfg.steps and cfg.clauses is not None
    summary = build_summary(proposals, suggestions, matched=matched, errors=err)
    meta = {**meta, "rows": state["n"], "steps": list(cfg.steps), "input": path.name,
            "timings": ", ".join(f"{k}={round(v, 3)}s" for k, v in timings.items())}
    measures = measures_table(suggestions, cfg.clauses) if "match" in cfg.steps else pd.DataFrame(
        columns=MEASURE_COLUMNS)
    writer.write("measures", measures)
    writer.write("uncovered", unc)
    writer.write("summary", summary)
    note(mode, "writing %s", out)
    writer.close(err, meta)
    meta["streamed"] = True
    return BatchResult(proposals, suggestions, pd.DataFrame(columns=MATCH_COLUMNS), unc, summary, err, meta,
                       measures)


__all__ = ["BatchResult", "process_table", "process_file", "load_policy", "demo_files", "output_format", "STEPS"]
