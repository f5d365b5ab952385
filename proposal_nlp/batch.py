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
from pathlib import Path

import pandas as pd

from .engine import (DEFAULT_CHUNK_SIZE, STEPS, TOP_K, StepTally, assemble, batch_meta, load_policy, make_config,
                     measures_table, prepare_rows, resolve_jobs, run_chunks)
from .errors import InputError, InputTypeError, ResourceError
from .io import cell_str, detect_columns, iter_table_chunks, read_table, streams_in_chunks
from .outputs import check_output_path
from .resources import package_path
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


def process_table(df: pd.DataFrame, *, text_col=None, id_col=None, title_col=None, policy=None,
                  steps=STEPS, classifier="default", extractor=None, parser=None, matcher=None, top_k: int = TOP_K,
                  chunk_size: int = DEFAULT_CHUNK_SIZE, jobs: int = 1, progress: bool = False,
                  keep_text: bool = True) -> BatchResult:
    """Classify, extract asks from and match every row of a table of proposals or messages.

    Parameters
    ----------
    df : DataFrame
        One proposal or message per row. Column roles (text, title, id, 类型, 办理方式,
        提案人, 届次) are detected from common Chinese and English headers.
    text_col, id_col, title_col : str, optional
        Name the columns explicitly.
    policy : path, list of clauses or DataFrame, optional
        The measures asks are matched to (``clause_id``, ``text``, optional ``group``). Without
        it asks are extracted but not matched.
    steps : subset of ("classify", "extract", "match"); "match" without "extract" matches each
        row's whole text as one ask (for a table of asks).
    classifier : "default", a model path, or an object with ``predict_frame``
    extractor, parser : callables replacing :func:`proposal_nlp.extract_suggestions` and
        :func:`proposal_nlp.parse_proposal` (``text -> list of suggestions`` / ``text -> fields``).
    matcher : an unfitted matcher with ``fit(clauses)`` and ``match(texts, top_k=, query_ids=)``
        (default :class:`proposal_nlp.ClauseMatcher`). With ``jobs > 1`` these must be picklable.
    top_k : measures listed per ask in ``matches``.
    chunk_size : rows per chunk; ``jobs`` worker processes (``0`` or less: all cores).
    progress : show a progress bar on stderr.
    keep_text : keep the text column in the proposals table.

    Returns
    -------
    BatchResult with one ``proposals`` row per input row, in input order.

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
    roles = detect_columns(df.columns, text_col=text_col, id_col=id_col, title_col=title_col)
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
    return assemble(parts, cfg, batch_meta(roles, cfg, jobs, len(df)), keep_text=keep_text)


def process_file(path, *, out=None, force: bool = False, stream: bool = False, encoding=None, sheet=None,
                 text_col=None, id_col=None, title_col=None, policy=None, steps=STEPS, classifier="default",
                 extractor=None, parser=None, matcher=None, top_k: int = TOP_K, chunk_size: int = DEFAULT_CHUNK_SIZE,
                 jobs: int = 1, progress: bool = False, keep_text: bool = True) -> BatchResult:
    """Process a table file chunk by chunk (CSV/TSV read in chunks) and optionally write the result.

    Same tables as :func:`process_table` on the whole file. With ``out`` (``.xlsx`` or a
    folder of CSV files) the result is written there (refused if it exists, unless ``force``).

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
    if stream and out is None:
        raise InputError("stream=True writes the tables as it goes: give out= (an .xlsx file or a folder)",
                         code="PN166")
    if out is not None:
        check_output_path(out, inputs=(path, policy))  # never write over what the run reads
    if out is not None and Path(out).exists() and not force:
        raise InputError(f"{out} already exists; choose another output or pass --force (force=True) to overwrite",
                         code="PN150")
    cfg = make_config(steps, classifier, policy, top_k, extractor, parser, matcher)
    jobs = resolve_jobs(jobs)
    chunk_size = max(1, int(chunk_size))
    # a CSV is read in chunks as it is processed; any other file is read once, whole
    table = None if streams_in_chunks(path) else read_table(path, encoding=encoding, sheet=sheet)
    head = next(iter_table_chunks(path, chunk_size=1, encoding=encoding, sheet=sheet, table=table))
    roles = detect_columns(head.columns, text_col=text_col, id_col=id_col, title_col=title_col)
    state = {"n": 0}

    def chunks():
        for part in iter_table_chunks(path, chunk_size=chunk_size, encoding=encoding, sheet=sheet, table=table):
            if len(part) == 0:
                continue
            start = state["n"]
            state["n"] += len(part)
            errs: list[dict] = []
            yield prepare_rows(part, roles, start, errs), errs

    results = run_chunks(chunks(), cfg, jobs=jobs, progress=progress, total=None)
    if not stream:
        parts = list(results)
        StepTally.of(parts).check(output=out)
        result = assemble(parts, cfg, batch_meta(roles, cfg, jobs, state["n"]), keep_text=keep_text)
        result.meta["input"] = path.name
        if out is not None:
            result.write(out, force=force)
        return result
    return _stream(results, path, out, force, cfg, roles, jobs, state, encoding=encoding, sheet=sheet, table=table,
                   keep_text=keep_text, chunk_size=chunk_size)


_LEAN_PROPOSALS = ["row", "id", "duplicate_id", "title", "kind", "handling", "topics", "topic_names", "fire_relevant",
                   "fire_score", "n_asks", "n_covered", "n_partial", "n_uncovered", "status"]


def _id_counts(path, roles, *, encoding, sheet, chunk_size, table=None) -> dict | None:
    """How often each id occurs in the whole file (read the id column only)."""
    if not roles.get("id"):
        return None
    counts: dict[str, int] = {}
    for part in iter_table_chunks(path, chunk_size=max(chunk_size, 50_000), encoding=encoding, sheet=sheet,
                                  columns=[roles["id"]], table=table):
        for i in part[roles["id"]].map(cell_str):
            if i:
                counts[i] = counts.get(i, 0) + 1
    return counts


def _stream(results, path, out, force, cfg, roles, jobs, state, *, encoding, sheet, keep_text, chunk_size, table=None):
    id_counts = _id_counts(path, roles, encoding=encoding, sheet=sheet, chunk_size=chunk_size, table=table)
    meta = batch_meta(roles, cfg, jobs, 0)
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
            part = assemble([res], cfg, meta, id_counts=id_counts or {}, keep_text=keep_text, with_summary=False)
            for name in ("proposals", "suggestions", "matches"):
                writer.write(name, getattr(part, name))
            lean.append(part.proposals[_LEAN_PROPOSALS])
            asks.append(part.suggestions[["row", "id", "suggestion_id", "coverage", "best_clause_id"]])
            uncovered.append(part.uncovered)
            errors.append(part.errors)
        tally.check(output=out)  # a step that failed for every row: the partly written output is removed
        done = True
    finally:
        if not done:
            writer.abort()
    proposals = pd.concat(lean, ignore_index=True) if lean else pd.DataFrame(columns=_LEAN_PROPOSALS)
    suggestions = (pd.concat(asks, ignore_index=True) if asks
                   else pd.DataFrame(columns=["row", "id", "suggestion_id", "coverage", "best_clause_id"]))
    unc = pd.concat(uncovered, ignore_index=True) if uncovered else pd.DataFrame(columns=UNCOVERED_COLUMNS)
    err = pd.concat(errors, ignore_index=True) if errors else pd.DataFrame(columns=ERROR_COLUMNS)
    matched = "match" in cfg.steps and cfg.clauses is not None
    summary = build_summary(proposals, suggestions, matched=matched, errors=err)
    meta = {**meta, "rows": state["n"], "steps": list(cfg.steps), "input": path.name,
            "timings": ", ".join(f"{k}={round(v, 3)}s" for k, v in timings.items())}
    measures = measures_table(suggestions, cfg.clauses) if "match" in cfg.steps else pd.DataFrame(
        columns=MEASURE_COLUMNS)
    writer.write("measures", measures)
    writer.write("uncovered", unc)
    writer.write("summary", summary)
    writer.close(err, meta)
    meta["streamed"] = True
    return BatchResult(proposals, suggestions, pd.DataFrame(columns=MATCH_COLUMNS), unc, summary, err, meta,
                       measures)


__all__ = ["BatchResult", "process_table", "process_file", "load_policy", "demo_files", "STEPS"]
