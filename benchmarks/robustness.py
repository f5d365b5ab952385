"""Robustness of the public entry points on hostile input, outputs under faults, and time on
pathological texts.

Parts (each timed, ``seconds``):

* ``fuzz``: at least 10,000 generated cases (``--quick``: 1,000) across the entry points, with the
  invariants of ``tests/test_fuzz.py`` (``tests/fuzz_cases.py``): no exception but a documented
  ``ProposalNLPError`` (a ``TypeError`` for a value that is no text), offsets that slice back, one
  output row per input row in order, the same output twice, the same tokens from both segmenter
  backends. Texts mix proposal phrases, every numbering style, full-width forms, numerals, quote and
  bracket runs, emoji, control characters, formula-like text, a few long texts and, in a fifth of the
  cases, lone surrogates. ``fuzz_failures`` counts the cases that broke an invariant; the first
  few are printed.
* ``rows``: a 10,000-row hostile table (``--quick``: 2,000), written as CSV and as XLSX, run through
  ``process_file`` with the shipped components into a workbook; ``rows_out`` counts the rows of the
  proposals sheet read back with ``read_result``.
* ``threads``: 8 threads call the default classifier's ``predict_frame``, ``extract_suggestions``,
  ``ClauseMatcher.match`` and ``Segmenter.tokenize`` on the same texts at once (instances shared
  and cold); ``thread_mismatches`` counts outputs that differ from a one-thread run.
* ``faults``: outputs that exist (a workbook, a CSV folder, files of the user beside them) go
  through a run killed mid-write (SIGKILL from inside at the flush and inside the folder swap,
  and from outside after a delay), a full disk (ENOSPC from ``os.fsync`` or the writes), a
  read-only folder, and ``--force`` over folders holding other files or an input;
  ``files_destroyed`` counts pre-existing files gone or changed afterwards (a previous output
  replaced by a complete new one, as ``force`` asks, is not counted).
* ``formulas``: results full of formula-like text written with every writer (``write_result``
  XLSX and CSV, ``process_file`` streaming, ``render_report``, the CLI's ``extract -o`` and
  ``audit -o``); ``live_formulas`` counts cells a spreadsheet would run.
* ``pathological``: 100,000 characters (``--quick``: 10,000) of ``（``, ``（）``, ``“”``, combining
  marks, ``、``, emoji, ``一、``, ``第一条`` repeated and outline headings, through every public text
  function; for each, the slowest function's time against its time on normal proposal text of the
  same size; ``worst_time_ratio`` is the largest (the goal is 5 or less).
* ``bomb``: XLSX zip bombs (parts unpacking to hundreds of MB; one whose directory states small
  sizes) must be refused by ``read_table`` with a coded error, quickly: ``bomb_refused``.

Usage: python benchmarks/robustness.py [--quick] [--seed N]
Prints a table per part and, as the last line, one JSON object with the figures.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import warnings
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "tests"))

import pandas as pd  # noqa: E402

import fuzz_cases as fc  # noqa: E402
from batch_standins import FRAMEWORK, STANDINS  # noqa: E402

warnings.simplefilter("ignore")
CHILD_ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}


def table(rows, headers) -> str:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(str(h).ljust(w) for h, w in zip(headers, widths))
    body = ["  ".join(str(v).ljust(w) for v, w in zip(r, widths)) for r in rows]
    return "\n".join([line, "-" * len(line), *body])


# ============================================================================ fuzz
def _has_surrogate(arg) -> bool:
    if isinstance(arg, str):
        return fc.has_surrogate(arg)
    if isinstance(arg, (list, tuple)):
        return any(_has_surrogate(a) for a in arg)
    return False


NOT_TEXT = (None, 0, -1.5, float("nan"), True, b"\xe5\xbb\xba", ["建议"], {"text": "建议"}, pd.NA)


class Fuzz:
    """Generated cases over the entry points; failures kept with their input."""

    def __init__(self, rng: random.Random):
        import proposal_nlp as pn
        from shared_data import POLICY, SMALL, X, Y

        self.pn = pn
        self.rng = rng
        self.segmenters = [pn.Segmenter(), pn.Segmenter(backend="jieba")]
        self.model = pn.load_classifier("default")
        self.small = pn.TextClassifier(**SMALL).fit(X, Y)
        self.small_params = SMALL
        self.matcher = pn.ClauseMatcher().fit(pn.parse_policy(POLICY))
        self.tmp = Path(tempfile.mkdtemp(prefix="pn-fuzz-"))
        self.cases: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        self.failures: list[tuple[str, str, str, bool]] = []

    def text(self, *, surrogates=None, long_share=0.01) -> str:
        rng = self.rng
        sur = rng.random() < 0.2 if surrogates is None else surrogates
        if rng.random() < long_share:
            return fc.long_text(rng, rng.randint(10_000, 30_000), surrogates=sur)
        return fc.random_text(rng, surrogates=sur)

    def texts(self, lo=1, hi=4, **kw) -> list[str]:
        return [self.text(**kw) for _ in range(self.rng.randint(lo, hi))]

    def case(self, entry: str, fn, arg) -> None:
        self.cases[entry] = self.cases.get(entry, 0) + 1
        t0 = time.perf_counter()
        try:
            fn(arg)
        except Exception as exc:  # an invariant broken, or an exception that is not documented
            msg = f"{type(exc).__name__}: {str(exc)[:160]}"
            self.failures.append((entry, msg, repr(arg)[:240], _has_surrogate(arg)))
        self.seconds[entry] = self.seconds.get(entry, 0.0) + time.perf_counter() - t0

    # ---------------------------------------------------------------- one check per entry point
    def not_text(self, value) -> None:
        pn = self.pn
        for fn in (pn.normalize, self.segmenters[0].tokenize, self.segmenters[1].cut, pn.extract_suggestions,
                   pn.parse_proposal, pn.parse_policy, pn.audit_summary, pn.parse_report):
            try:
                fn(value)
            except TypeError:
                continue
            raise AssertionError(f"{getattr(fn, '__name__', fn)} accepted {value!r}")

    def small_fit(self, texts) -> None:
        multilabel = len(texts) % 2 == 0
        y = ([["a"] if i % 3 == 0 else ["b"] if i % 3 == 1 else [] for i in range(len(texts))] if multilabel
             else ["a" if i % 2 else "b" for i in range(len(texts))])
        try:
            clf = self.pn.TextClassifier(multilabel=multilabel, **self.small_params).fit(texts, y)
        except Exception as exc:
            if fc.expected_error(exc):
                return
            raise
        fc.check_predict(clf, texts)

    def matcher_fit(self, pair) -> None:
        clauses, texts = pair
        try:
            m = self.pn.ClauseMatcher().fit([{"clause_id": f"c{i}", "text": t} for i, t in enumerate(clauses)])
        except Exception as exc:
            if fc.expected_error(exc):
                return
            raise
        fc.check_match(m, texts)

    def read_back(self, pair) -> None:
        texts, kind = pair
        df = fc.intake_frame(texts, [t[:10] for t in reversed(texts)])
        path = self.tmp / f"in{sum(self.cases.values())}.{kind}"
        fc.write_table(df, path)
        try:
            back = self.pn.read_table(path)
        except Exception as exc:
            if fc.expected_error(exc) and getattr(exc, "code", "") == "PN102":  # a NUL byte: "binary"
                return
            raise
        pd.testing.assert_frame_equal(back, fc.table_as_read(df, kind), check_dtype=False)

    def batch(self, texts, **kw) -> None:
        df = fc.intake_frame(texts)
        opts = {"policy": FRAMEWORK, "chunk_size": 3, **kw}
        try:
            first = self.pn.process_table(df, **opts)
        except Exception as exc:
            if fc.expected_error(exc):
                return
            raise
        fc.check_batch_tables(first, texts, df["编号"].tolist())
        fc.assert_same_result(first, self.pn.process_table(df, **opts))

    def results(self, texts) -> None:
        from proposal_nlp.results import live_formula_cells, read_result, write_result

        df = fc.intake_frame(texts, [self.text(surrogates=False, long_share=0) for _ in texts])
        result = self.pn.process_table(df, policy=FRAMEWORK, **STANDINS)
        base = self.tmp / f"out{sum(self.cases.values())}"
        for out in (base / "result.xlsx", base / "result"):
            written = write_result(result, out)
            assert live_formula_cells(written) == 0, "a live formula"
            back = read_result(written)
            assert len(back.proposals) == len(texts), "rows lost"
            for col in ("title", "text"):
                want = [v or None for v in result.proposals[col]]
                if out.suffix == ".xlsx":
                    want = [fc.xlsx_safe(v) or None if v else None for v in want]
                assert [v or None for v in back.proposals[col]] == want, f"{col} changed"
        report = self.pn.render_report(result, base / "report.html")
        assert fc.live_formula_cells_html(report) == 0, "a live formula in the report"

    def run(self, scale: float) -> None:
        rng = self.rng
        safe = dict(surrogates=False)
        plan = [  # (entry, cases in a full run, input, check)
            ("normalize", 2400, lambda: self.text(), fc.check_normalize),
            ("segment (rjieba = jieba)", 800, lambda: self.text(), lambda t: fc.check_segment(self.segmenters, t)),
            ("extract_suggestions", 2400, lambda: (self.text(), rng.choice([None, "proposal", "reply", "summary"])),
             lambda a: fc.check_extract(*a)),
            ("parse_proposal", 1200, lambda: self.text(), fc.check_parse_proposal),
            ("parse_policy", 1200, lambda: self.text(), fc.check_parse_policy),
            ("audit_summary", 1000, lambda: self.text(), fc.check_audit),
            ("parse_report", 1000, lambda: self.text(), fc.check_report),
            ("non-str input", 200, lambda: rng.choice(NOT_TEXT), self.not_text),
            ("default predict_frame", 400, lambda: self.texts(long_share=0.003),
             lambda ts: fc.check_predict(self.model, ts)),
            ("TextClassifier predict", 300, lambda: self.texts(1, 6), lambda ts: fc.check_predict(self.small, ts)),
            ("TextClassifier fit", 20, lambda: self.texts(2, 8, long_share=0), self.small_fit),
            ("ClauseMatcher.match", 400, lambda: self.texts(1, 4), lambda ts: fc.check_match(self.matcher, ts)),
            ("ClauseMatcher.fit", 30, lambda: (self.texts(1, 6, long_share=0), self.texts(1, 3, long_share=0)),
             self.matcher_fit),
            ("read_table", 100, lambda: (self.texts(1, 5, long_share=0, **safe), rng.choice(["csv", "xlsx", "jsonl"])),
             self.read_back),
            ("process_table (stand-ins)", 100, lambda: self.texts(1, 6, long_share=0),
             lambda ts: self.batch(ts, **STANDINS)),
            ("process_table (shipped)", 15, lambda: self.texts(1, 3, long_share=0), self.batch),
            ("write_result + read_result", 20, lambda: self.texts(1, 4, long_share=0, **safe), self.results),
        ]
        for entry, n, make, check in plan:
            for _ in range(max(3, round(n * scale))):
                self.case(entry, check, make())


def part_fuzz(args) -> dict:
    fz = Fuzz(random.Random(args.seed))
    fz.run(0.1 if args.quick else 1.0)
    by_entry = {}
    for entry, *_ in fz.failures:
        by_entry[entry] = by_entry.get(entry, 0) + 1
    print(table([(e, n, by_entry.get(e, 0), f"{fz.seconds[e]:.1f}") for e, n in fz.cases.items()],
                ["entry point", "cases", "failures", "seconds"]))
    if fz.failures:
        print("\nfirst failures:")
        seen = set()
        for entry, msg, arg, _ in fz.failures:
            key = (entry, msg.split(":")[0])
            if key in seen:
                continue
            seen.add(key)
            print(f"  [{entry}] {msg}\n      input: {arg}")
            if len(seen) >= 5:
                break
    return {"fuzz_cases": sum(fz.cases.values()), "fuzz_failures": len(fz.failures),
            "fuzz_failures_by_entry": by_entry,
            "fuzz_failures_with_surrogates": sum(1 for *_, sur in fz.failures if sur)}


# ============================================================================ rows
def hostile_table(n: int, rng: random.Random) -> pd.DataFrame:
    """``n`` rows: hostile texts and titles (no NUL: a CSV holding one is refused as binary), empty
    and blank texts, a few long ones, formula-like and repeated ids."""
    ids, titles, texts = [], [], []
    formulas = [f"{p}{c}1+1" for p in ("", " ", "\u3000") for c in "=+-@＝"]
    for i in range(n):
        r = rng.random()
        text = ("" if r < 0.02 else "  \n\t" if r < 0.04 else fc.long_text(rng, 12_000) if r < 0.045
                else fc.random_text(rng))
        texts.append(text.replace("\x00", ""))
        titles.append(fc.random_text(rng, max_parts=3).replace("\x00", ""))
        ids.append(rng.choice(formulas) + str(i) if i % 97 == 0 else f"R{i // 2 if i % 50 == 0 else i}")
    return pd.DataFrame({"编号": ids, "标题": titles, "内容": texts, "类型": "政协提案", "办理方式": "主办"},
                        dtype=object)


def part_rows(args) -> dict:
    from proposal_nlp import process_file
    from proposal_nlp.results import read_result

    n = 2_000 if args.quick else 10_000
    df = hostile_table(n, random.Random(args.seed + 1))
    tmp = Path(tempfile.mkdtemp(prefix="pn-rows-"))
    out = {"rows_in": n}
    rows = []
    for kind in ("csv", "xlsx"):
        src = tmp / f"hostile.{kind}"
        fc.write_table(df, src)
        t0 = time.perf_counter()
        try:
            process_file(src, out=tmp / f"result_{kind}.xlsx", policy=FRAMEWORK, stream=True, chunk_size=1000)
            back = read_result(tmp / f"result_{kind}.xlsx")
            got = len(back.proposals)
            in_order = back.proposals["row"].tolist() == list(range(1, n + 1))
        except Exception as exc:
            print(f"  {kind}: {type(exc).__name__}: {exc}")
            got, in_order = 0, False
        rows.append((kind, n, got, in_order, f"{time.perf_counter() - t0:.1f}"))
        out[f"rows_out_{kind}"] = got
    print(table(rows, ["input", "rows in", "rows out", "in order", "seconds"]))
    out["rows_out"] = min(out["rows_out_csv"], out["rows_out_xlsx"])
    return out


# ============================================================================ threads
def part_threads(args) -> dict:
    import proposal_nlp as pn
    from shared_data import POLICY

    rng = random.Random(args.seed + 2)
    texts = [fc.random_text(rng) for _ in range(24 if args.quick else 64)]
    texts += [fc.long_text(rng, 8_000)]
    clauses = pn.parse_policy(POLICY)

    def calls(clf, seg, matcher):
        return {"predict_frame": lambda t: clf.predict_frame([t]).reset_index(drop=True),
                "extract_suggestions": pn.extract_suggestions,
                "ClauseMatcher.match": lambda t: matcher.match([t]),
                "Segmenter.tokenize": seg.tokenize}

    # reference: one thread, instances of its own
    ref_calls = calls(pn.load_classifier("default"), pn.Segmenter(), pn.ClauseMatcher().fit(clauses))
    reference = {name: [fn(t) for t in texts] for name, fn in ref_calls.items()}
    # shared, cold instances (the segmenter and the classifier's tokenizer load on first use)
    shared = calls(pn.load_classifier("default"), pn.Segmenter(), pn.ClauseMatcher().fit(clauses))
    mismatches: dict[str, int] = {name: 0 for name in shared}
    n_calls = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def same(a, b) -> bool:
        if isinstance(a, pd.DataFrame):
            return isinstance(b, pd.DataFrame) and a.equals(b)
        return a == b

    def worker(k: int):
        order = list(range(len(texts)))
        random.Random(k).shuffle(order)
        barrier.wait()
        for i in order:
            for name, fn in shared.items():
                try:
                    ok = same(fn(texts[i]), reference[name][i])
                except Exception:
                    ok = False
                with lock:
                    n_calls[0] += 1
                    mismatches[name] += not ok

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(table([(name, n_calls[0] // len(shared), m) for name, m in mismatches.items()],
                ["function", "calls", "mismatches"]))
    return {"thread_mismatches": sum(mismatches.values()), "thread_calls": n_calls[0]}


# ============================================================================ faults
def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) -> its SHA-256."""
    return {str(p.relative_to(folder)): digest(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def destroyed(before: dict[str, str], folder: Path, *, target: str | None = None, new_rows: int | None = None) -> int:
    """Pre-existing files whose content is no longer anywhere under ``folder`` (a killed swap may
    leave the previous output beside the target, whole: not destroyed). The target's own files
    do not count when the target now is a complete new output of ``new_rows`` rows."""
    from proposal_nlp.results import read_result

    after = set(tree(folder).values())
    replaced = False
    if target is not None and new_rows is not None and (folder / target).exists():
        try:
            replaced = len(read_result(folder / target).proposals) == new_rows
        except Exception:
            replaced = False
    lost = 0
    for rel, h in before.items():
        if h in after:
            continue
        if replaced and (rel == target or rel.startswith(target + os.sep)):
            continue
        lost += 1
    return lost


_WRITER = r"""
import errno, os, signal, sys, time, zipfile
import pandas as pd
from proposal_nlp.results import write_result
mode, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])

def enospc(*a, **k):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

def eacces(*a, **k):
    raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

if mode == "kill-flush":
    real = os.fsync
    os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)
elif mode == "kill-swap":
    real_rename = os.rename
    def rename(src, dst):
        real_rename(src, dst)
        if ".old-" in os.fsdecode(dst):
            os.kill(os.getpid(), signal.SIGKILL)
    os.rename = rename
elif mode == "enospc-fsync":
    os.fsync = enospc
elif mode == "enospc-write":
    zipfile.ZipFile.writestr = enospc
    zipfile.ZipFile.write = enospc
    pd.DataFrame.to_csv = enospc
elif mode == "readonly-access":
    real_access = os.access
    os.access = lambda p, m, *a, **k: False if m & os.W_OK else real_access(p, m, *a, **k)
elif mode == "readonly-open":
    real_open = os.open
    os.open = lambda p, flags, *a, **k: eacces() if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) else real_open(p, flags, *a, **k)
    real_mkdir = os.mkdir
    os.mkdir = eacces
props = pd.DataFrame({"row": range(1, n + 1), "id": [f"N{i}" for i in range(n)],
                      "title": ["新的结果"] * n, "text": ["建议加快建设集中充电设施，加强消防安全检查。" * 20] * n})
print("go", flush=True)
try:
    write_result({"proposals": props}, out, force=True)
except Exception as exc:
    print(type(exc).__name__, getattr(exc, "code", ""), flush=True)
    sys.exit(3)
"""


def _previous_outputs(folder: Path) -> None:
    """A workbook and a CSV folder written by the project, and files of the user beside them."""
    from proposal_nlp.results import write_result

    old = pd.DataFrame({"row": [1, 2], "id": ["A1", "A2"], "title": ["旧的一", "旧的二"], "text": ["旧", "旧"]})
    write_result({"proposals": old}, folder / "out.xlsx")
    write_result({"proposals": old}, folder / "out")
    (folder / "笔记.txt").write_text("用户自己的文件", encoding="utf-8")
    (folder / "intake.csv").write_text("编号,内容\n1,建议加强消防检查\n", encoding="utf-8-sig")


def _cli(*argv, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "proposal_nlp.cli", *argv], cwd=cwd, env=CHILD_ENV,
                          capture_output=True, text=True, timeout=600)


def part_faults(args) -> dict:
    base = Path(tempfile.mkdtemp(prefix="pn-faults-"))
    rows, total = [], 0
    big = 3_000 if args.quick else 8_000

    def case(name: str, run, *, target: str | None = None, new_rows: int | None = None, prepare=None):
        nonlocal total
        folder = base / name
        folder.mkdir()
        _previous_outputs(folder)
        if prepare is not None:  # the user's own changes, before the run
            prepare(folder)
        before = tree(folder)
        try:
            outcome = run(folder)
        except Exception as exc:
            outcome = f"{type(exc).__name__}: {exc}"
        lost = destroyed(before, folder, target=target, new_rows=new_rows)
        total += lost
        rows.append((name, outcome, lost))

    def writer(mode: str, target: str, n: int = 50):
        def run(folder: Path):
            proc = subprocess.run([sys.executable, "-c", _WRITER, mode, str(folder / target), str(n)], cwd=folder,
                                  env=CHILD_ENV, capture_output=True, text=True, timeout=600)
            said = proc.stdout.split("go", 1)[-1].strip()
            return f"exit {proc.returncode}" + (f" ({said})" if said else "")
        return run

    def write_seconds(target: str) -> float:
        """How long the child takes from "go" to its end, writing ``big`` rows to a new ``target``."""
        scratch = base / f"timing-{target}"
        scratch.mkdir()
        proc = subprocess.Popen([sys.executable, "-c", _WRITER, "none", str(scratch / target), str(big)],
                                cwd=scratch, env=CHILD_ENV, stdout=subprocess.PIPE, text=True)
        proc.stdout.readline()
        t0 = time.perf_counter()
        proc.wait()
        return time.perf_counter() - t0

    def killed_after(delay: float, target: str):
        def run(folder: Path):
            proc = subprocess.Popen([sys.executable, "-c", _WRITER, "none", str(folder / target), str(big)],
                                    cwd=folder, env=CHILD_ENV, stdout=subprocess.PIPE, text=True)
            proc.stdout.readline()  # "go": about to write
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return f"killed after {delay:.2f}s (exit {proc.returncode})"
        return run

    for target in ("out.xlsx", "out"):
        case(f"kill at flush {target}", writer("kill-flush", target), target=target, new_rows=50)
        full = write_seconds(target)
        for share in (0.1, 0.3, 0.5, 0.7, 0.9, 0.98):
            case(f"kill at {share:.0%} of the write {target}", killed_after(share * full, target), target=target,
                 new_rows=big)
        case(f"disk full (fsync) {target}", writer("enospc-fsync", target))
        case(f"disk full (writes) {target}", writer("enospc-write", target))
        case(f"read-only (access) {target}", writer("readonly-access", target))
        case(f"read-only (open) {target}", writer("readonly-open", target))
    case("kill inside the folder swap", writer("kill-swap", "out"), target="out", new_rows=50)

    def cli_run(out: str, *more):
        def run(folder: Path):
            proc = _cli("run", "intake.csv", "-o", out, "--steps", "extract", "--force", *more, cwd=folder)
            return f"exit {proc.returncode} {proc.stderr.strip().splitlines()[-1][:70] if proc.stderr.strip() else ''}"
        return run

    def user_files(folder: Path):
        (folder / "docs").mkdir()
        (folder / "docs" / "a.docx").write_bytes(b"PK user")
        (folder / "out" / "我的.txt").write_text("用户的文件", encoding="utf-8")

    def user_edit(folder: Path):
        with open(folder / "out" / "proposals.csv", "a", encoding="utf-8") as f:
            f.write("用户改过\n")

    case("--force over a folder of user files", cli_run("docs"), prepare=user_files)
    case("--force over a result + a user file", cli_run("out"), prepare=user_files)
    case("--force over a result with a changed file", cli_run("out"), prepare=user_edit)
    case("--force over the current folder", cli_run("."))
    case("--force over the input", cli_run("intake.csv"))
    case("--force over the previous workbook", cli_run("out.xlsx"), target="out.xlsx", new_rows=1)
    print(table(rows, ["fault", "outcome", "files destroyed"]))
    return {"files_destroyed": total, "fault_cases": len(rows)}


# ============================================================================ formulas
def formula_texts() -> list[str]:
    heads = ["", " ", "\u3000", "\t", "\u200b", "\ufeff", "\r\n", "'", "''"]
    marks = "=+-@＝＋－＠﹦﹢﹣﹫−"
    bodies = ["1+1", "cmd|' /C calc'!A0", 'HYPERLINK("http://x","点我")', "SUM(A1:A9)"]
    return [h + m + b for h in heads for m in marks for b in bodies] + [t for t in fc.FORMULAS]


def part_formulas(args) -> dict:
    import proposal_nlp as pn
    from proposal_nlp.outputs import live_formula_cells
    from proposal_nlp.results import write_result

    tmp = Path(tempfile.mkdtemp(prefix="pn-formulas-"))
    texts = formula_texts()
    n = len(texts)
    df = pd.DataFrame({"=编号": texts, "+标题": texts[::-1], "内容": [f"{t}建议加强{t}" for t in texts],
                       "类型": texts, "办理方式": "主办", "提案人": texts}, dtype=object)
    result = pn.process_table(df, id_col="=编号", title_col="+标题", policy=FRAMEWORK, **STANDINS)
    result.meta["input"] = "=evil.csv"
    counts = {}
    counts["write_result xlsx"] = live_formula_cells(write_result(result, tmp / "result.xlsx"))
    counts["write_result csv"] = live_formula_cells(write_result(result, tmp / "result"))
    src = tmp / "formulas.csv"
    fc.write_table(df, src)
    pn.process_file(src, out=tmp / "streamed.xlsx", stream=True, id_col="=编号", title_col="+标题",
                    policy=FRAMEWORK, **STANDINS)
    counts["process_file stream xlsx"] = live_formula_cells(tmp / "streamed.xlsx")
    counts["render_report"] = fc.live_formula_cells_html(pn.render_report(result, tmp / "report.html"))
    proc = _cli("extract", str(src), "-o", str(tmp / "asks.xlsx"), "--id-col", "=编号", cwd=tmp)
    counts["CLI extract -o"] = live_formula_cells(tmp / "asks.xlsx") if proc.returncode == 0 else f"exit {proc.returncode}"
    summary = tmp / "summary.txt"
    summary.write_text("".join(f"{t}共办理建议提案{k}件，" for k, t in enumerate(texts[:40])), encoding="utf-8")
    proc = _cli("audit", str(summary), "--against", str(tmp / "result.xlsx"), "-o", str(tmp / "audit.csv"), cwd=tmp)
    counts["CLI audit -o"] = live_formula_cells(tmp / "audit.csv") if proc.returncode == 0 else f"exit {proc.returncode}"
    print(table([(k, v) for k, v in counts.items()], ["writer", f"live formulas ({n} formula-like texts)"]))
    live = sum(v for v in counts.values() if isinstance(v, int))
    failed = [k for k, v in counts.items() if not isinstance(v, int)]
    return {"live_formulas": live, "formula_writers": len(counts), "formula_writers_failed": failed}


# ============================================================================ pathological texts
NORMAL = ("近年来，我市老旧小区电动自行车数量快速增长，楼道停放、飞线充电现象普遍，存在较大火灾隐患。",
          "为此建议：一是加快建设集中充电设施，由街道牵头统筹场地；",
          "二是加强消防安全检查，对违规充电行为及时劝阻并整改；",
          "三是完善社区应急预案，定期开展疏散演练，提升居民自救能力。",
          "据统计，去年全市共发生电动自行车火灾{n}起，其中夜间充电引发的占六成以上。",
          "希望有关部门会同物业企业落实责任，形成长效机制。\n")


def normal_text(size: int) -> str:
    parts, n, k = [], 0, 0
    while n < size:
        s = NORMAL[k % len(NORMAL)].format(n=k % 97 + 3)
        parts.append(s)
        n += len(s)
        k += 1
    return "".join(parts)[:size]


def pathological(size: int) -> dict[str, str]:
    return {"（": "（" * size, "（）": "（）" * (size // 2), "“”": "“”" * (size // 2),
            "combining marks": "字" + "\u0301" * (size - 1), "、": "、" * size, "emoji": "🔥" * size,
            "一、 repeated": "一、" * (size // 2), "第一条 repeated": "第一条" * (size // 3),
            "outline headings": ("一、加强管理\n（一）完善制度\n1.推进建设\n" * (size // 20 + 1))[:size]}


def part_pathological(args) -> dict:
    import proposal_nlp as pn
    from shared_data import POLICY

    size = 10_000 if args.quick else 100_000
    clf = pn.load_classifier("default")
    seg, segj = pn.Segmenter(), pn.Segmenter(backend="jieba")
    matcher = pn.ClauseMatcher().fit(pn.parse_policy(POLICY))
    fns = {"normalize": pn.normalize, "tokenize (rjieba)": seg.tokenize, "tokenize (jieba)": segj.tokenize,
           "predict_frame": lambda t: clf.predict_frame([t]), "extract_suggestions": pn.extract_suggestions,
           "parse_proposal": pn.parse_proposal, "parse_policy": pn.parse_policy, "audit_summary": pn.audit_summary,
           "parse_report": pn.parse_report,
           "ClauseMatcher.match": lambda t: matcher.match([t])}
    for fn in fns.values():
        fn("预热：建议加强消防检查。")

    def timed(fn, text) -> float:
        t0 = time.perf_counter()
        try:
            fn(text)
        except Exception:  # failing is not this part's measure (the fuzz part counts it)
            pass
        return time.perf_counter() - t0

    normal = normal_text(size)
    base = {name: min(timed(fn, normal) for _ in range(2)) for name, fn in fns.items()}
    rows = [("normal text", "", f"{max(base.values()):.3f}", "", "1.0")]
    worst, worst_case = 0.0, ""
    for case, text in pathological(size).items():
        times = {name: timed(fn, text) for name, fn in fns.items()}
        slowest = max(times, key=times.get)
        ratio = times[slowest] / max(base[slowest], 1e-4)
        rows.append((case, slowest, f"{times[slowest]:.3f}", f"{base[slowest]:.3f}", f"{ratio:.1f}"))
        if ratio > worst:
            worst, worst_case = ratio, f"{case} / {slowest}"
    print(table(rows, [f"text ({size:,} chars)", "slowest function", "seconds", "on normal text", "ratio"]))
    return {"worst_time_ratio": round(worst, 1), "worst_time_case": worst_case, "pathological_chars": size}


# ============================================================================ zip bombs
_CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       '<Default Extension="xml" ContentType="application/xml"/>'
       '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
       '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
       '</Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
         'Target="xl/workbook.xml"/></Relationships>')
_WB = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
       '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>')


def zip_bomb(path: Path, megabytes: int, *, forge_sizes: bool = False) -> None:
    """A workbook whose sheet unpacks to ``megabytes`` MB of rows (a few hundred KB packed);
    ``forge_sizes``: its directory states 1 KB for the sheet."""
    row = b'<row><c t="inlineStr"><is><t>' + "建议加强消防检查".encode() + b"</t></is></c></row>"
    chunk = row * (1_048_576 // len(row) + 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB)
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                    b'spreadsheetml/2006/main"><sheetData><row><c t="inlineStr"><is><t>'
                    + "内容".encode() + b"</t></is></c></row>")
            for _ in range(megabytes):
                f.write(chunk[:1_048_576])
            f.write(b"</sheetData></worksheet>")
        if forge_sizes:
            z.filelist[-1].file_size = 1024


def part_bomb(args) -> dict:
    from proposal_nlp import read_table

    tmp = Path(tempfile.mkdtemp(prefix="pn-bomb-"))
    mb = 200 if args.quick else 500
    rows, refused = [], []
    for name, forge in (("honest sizes", False), ("forged sizes", True)):
        path = tmp / f"bomb-{forge}.xlsx"
        zip_bomb(path, mb, forge_sizes=forge)
        t0 = time.perf_counter()
        try:
            read_table(path)
            outcome, ok = "read (not refused)", False
        except Exception as exc:
            code = getattr(exc, "code", None)
            outcome, ok = f"{type(exc).__name__} {code or ''}".strip(), code is not None
        seconds = time.perf_counter() - t0
        ok = ok and seconds < 10
        refused.append(ok)
        rows.append((name, f"{path.stat().st_size / 1024:,.0f} KB -> {mb} MB", outcome, f"{seconds:.2f}"))
    print(table(rows, ["zip bomb", "packed -> unpacked", "read_table", "seconds"]))
    return {"bomb_refused": all(refused), "bomb_cases": len(refused)}


# ============================================================================ main
PARTS = {"fuzz": part_fuzz, "rows": part_rows, "threads": part_threads, "faults": part_faults,
         "formulas": part_formulas, "pathological": part_pathological, "bomb": part_bomb}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--quick", action="store_true", help="a smaller run (about a tenth of the cases and rows)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the generated cases")
    ap.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated subset of {','.join(PARTS)}")
    args = ap.parse_args(argv)
    import logging

    logging.disable(logging.WARNING)  # the library warns about every odd row; the figures say it
    figures: dict = {"quick": args.quick}
    seconds: dict = {}
    for name in [p.strip() for p in args.parts.split(",") if p.strip()]:
        print(f"\n== {name}")
        t0 = time.perf_counter()
        try:
            figures.update(PARTS[name](args))
        except Exception:  # one broken part does not hide the others' figures
            traceback.print_exc()
            figures[f"{name}_error"] = True
        seconds[name] = round(time.perf_counter() - t0, 1)
    figures["seconds"] = seconds
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
