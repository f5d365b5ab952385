"""Batch intake at scale: 100,000 citizen messages through classify + extract + match.

Input: Teddy 附件3 messages (``fj3_hot_issue_messages.csv``; read as input only, nothing is
trained on them) repeated with varied ids up to ``--rows``, written to a temporary CSV and run
through ``proposal_nlp.batch.process_file`` (streamed in chunks), once in one process and once
with two worker processes, each run in a fresh interpreter so that memory and model loading
are measured as a user's run would see them. Policy: the demo's 12345 framework table
(``proposal_nlp/data/demo/framework_12345.csv``).

Prints a table and, as the last line, one JSON object: rows, seconds, rows_per_s, cpu_seconds,
peak_rss_mb (one process), the same with ``_jobs2`` (parent + worker processes), rows_out
(== rows: no row lost), per-stage seconds and shares (summed over chunks, one process).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402


def build_input(rows: int, folder: Path) -> Path:
    import pandas as pd

    from proposal_nlp.io import read_table
    from proposal_nlp.resources import data_dir

    d = data_dir()
    if d is None:
        raise SystemExit("shared data folder not found (../shared/data or $PROPOSAL_NLP_DATA); nothing to measure")
    src = read_table(d / "teddy2020_c" / "fj3_hot_issue_messages.csv")[["留言编号", "留言主题", "留言详情"]]
    reps = -(-rows // len(src))
    big = pd.concat([src.assign(留言编号=src["留言编号"] + f"-{k}") for k in range(reps)], ignore_index=True)
    path = folder / "messages.csv"
    big.head(rows).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def steps_available():
    """``(steps, model, note)``: the default model, else the first shipped one, else no classification."""
    try:
        from proposal_nlp.persist import available_models, model_path
    except ImportError as exc:
        return ("extract", "match"), None, f"no classifier module: {exc}"
    try:
        model_path("default")
        return ("classify", "extract", "match"), "default", None
    except Exception as exc:  # the default name is not wired to a shipped model in this checkout
        models = available_models()
        if models:
            return ("classify", "extract", "match"), models[0], f"'default' not found ({exc}); used {models[0]}"
        return ("extract", "match"), None, f"{type(exc).__name__}: {exc}"


def one_run(args) -> None:
    """Child: one run of process_file; prints one JSON line."""
    from proposal_nlp.batch import demo_files, process_file

    _, policy = demo_files()
    t0 = time.perf_counter()
    res = process_file(args.input, policy=policy, steps=tuple(args.steps.split("+")), jobs=args.jobs,
                       chunk_size=args.chunk_size, classifier=args.model or "default",
                       out=args.out, stream=args.out is not None, force=True)
    secs = time.perf_counter() - t0
    stage = {}
    for kv in res.meta["timings"].split(", "):
        if "=" in kv:
            k, v = kv.split("=")
            stage[k] = float(v.rstrip("s"))
    p = res.proposals
    import resource

    cpu = sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
              for f in ("ru_utime", "ru_stime"))
    print(json.dumps({"seconds": secs, "cpu_seconds": cpu, "rows_out": len(p), "asks": len(res.suggestions), "matches": len(res.matches),
                      "errors": len(res.errors), "stage_seconds": stage,
                      "in_order": p["row"].tolist() == list(range(1, len(p) + 1))}))


def measure(input_path: Path, *, jobs: int, steps: str, chunk_size: int, model, out=None) -> dict:
    cmd = [sys.executable, __file__, "--one", "--input", str(input_path), "--jobs", str(jobs), "--steps", steps,
           "--chunk-size", str(chunk_size), "--model", model or "default"] + (["--out", str(out)] if out else [])
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak = 0
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            total = 0
            try:
                for p in [ps, *ps.children(recursive=True)]:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                pass
            peak = max(peak, total)
            done.wait(0.1)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, _ = proc.communicate()
    done.set()
    th.join()
    if proc.returncode != 0:
        raise SystemExit(f"run with jobs={jobs} failed (exit {proc.returncode})")
    res = json.loads(out.strip().splitlines()[-1])
    res["peak_rss_mb"] = peak / 2**20
    print(f"  jobs={jobs}: {res['seconds']:.1f} s wall, {res['cpu_seconds']:.0f} s CPU (all processes), "
          f"peak {res['peak_rss_mb']:.0f} MB, {res['rows_out']:,} rows out", file=sys.stderr, flush=True)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--chunk-size", type=int, default=1000)
    ap.add_argument("--skip-single", action="store_true", help="only the two-process run")
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--input", help=argparse.SUPPRESS)
    ap.add_argument("--jobs", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--steps", default="classify+extract+match", help=argparse.SUPPRESS)
    ap.add_argument("--model", default="default", help=argparse.SUPPRESS)
    ap.add_argument("--out", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--stream", choices=("xlsx", "csv"), action="append", default=[],
                    help="also time what `proposal-nlp run --jobs 2 -o OUT` does: stream the tables to a workbook "
                         "(xlsx) or a CSV folder (csv); may be given twice")
    ap.add_argument("--skip-memory", action="store_true", help="only the streamed runs (with --stream)")
    args = ap.parse_args()
    if args.one:
        return one_run(args)
    steps, model, note = steps_available()
    out: dict = {"rows": args.rows, "steps": "+".join(steps), "model": model, "cores": os.cpu_count(),
                 "load_avg_1min_at_start": round(os.getloadavg()[0], 2)}
    if note:
        out["note"] = note
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        path = build_input(args.rows, Path(tmp))
        print(f"input: {args.rows:,} messages ({path.stat().st_size / 2**20:.0f} MB CSV), steps {'+'.join(steps)}",
              file=sys.stderr, flush=True)
        kw = dict(steps="+".join(steps), chunk_size=args.chunk_size, model=model)
        if not (args.skip_single or args.skip_memory):
            r = measure(path, jobs=1, **kw)
            total = sum(r["stage_seconds"].values()) or 1.0
            out.update(seconds=round(r["seconds"], 1), rows_per_s=round(args.rows / r["seconds"], 1),
                       cpu_seconds=round(r["cpu_seconds"], 1), peak_rss_mb=round(r["peak_rss_mb"]),
                       rows_out=r["rows_out"], asks=r["asks"], matches=r["matches"],
                       stage_seconds={k: round(v, 1) for k, v in r["stage_seconds"].items()},
                       stage_share={k: round(v / total, 3) for k, v in r["stage_seconds"].items()})
            runs.append(("1 process", r))
        if not args.skip_memory:
            r = measure(path, jobs=2, **kw)
            out.update(seconds_jobs2=round(r["seconds"], 1), rows_per_s_jobs2=round(args.rows / r["seconds"], 1),
                       cpu_seconds_jobs2=round(r["cpu_seconds"], 1), peak_rss_mb_jobs2=round(r["peak_rss_mb"]),
                       rows_out_jobs2=r["rows_out"])
            runs.append(("2 processes", r))
        for fmt in args.stream:
            r = measure(path, jobs=2, out=f"{tmp}/result.xlsx" if fmt == "xlsx" else f"{tmp}/result/", **kw)
            out.update({f"seconds_jobs2_stream_{fmt}": round(r["seconds"], 1),
                        f"cpu_seconds_jobs2_stream_{fmt}": round(r["cpu_seconds"], 1),
                        f"peak_rss_mb_jobs2_stream_{fmt}": round(r["peak_rss_mb"]),
                        f"rows_out_stream_{fmt}": r["rows_out"]})
            runs.append((f"2 proc.+{fmt}", r))
    out["no_row_lost"] = all(r["rows_out"] == args.rows and r["in_order"] for _, r in runs)
    print(f"{'run':<14}{'seconds':>10}{'rows/s':>10}{'CPU s':>10}{'peak MB':>10}{'rows out':>10}")
    for name, r in runs:
        print(f"{name:<14}{r['seconds']:>10.1f}{args.rows / r['seconds']:>10.0f}{r['cpu_seconds']:>10.0f}"
              f"{r['peak_rss_mb']:>10.0f}{r['rows_out']:>10}")
    if "stage_share" in out:
        print("stage shares (one process):", ", ".join(f"{k} {v:.0%}" for k, v in out["stage_share"].items()))
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
