"""Batch intake at scale: 100,000 citizen messages through classify + extract + match.

Input: Teddy 附件3 messages (``fj3_hot_issue_messages.csv``; read as input only, nothing is
trained on them) repeated with varied ids up to ``--rows``, written to a temporary CSV and run
through ``process_file`` (streamed in chunks), once in one process and once with two worker
processes. Policy: the demo's 12345 framework table (``corpora/demo/framework_12345.csv``).

Prints a table and, as the last line, one JSON object:
rows, seconds, rows_per_s, peak_rss_mb (one process), seconds_jobs2, rows_per_s_jobs2,
peak_rss_mb_jobs2 (parent + workers), rows_out (== rows: no row lost), stage shares.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
import psutil  # noqa: E402

from proposal_nlp.batch import demo_files, process_file  # noqa: E402
from proposal_nlp.io import read_table  # noqa: E402
from proposal_nlp.resources import data_dir  # noqa: E402


class PeakRSS:
    """Samples the RSS of this process plus its children (worker processes) every 50 ms."""

    def __init__(self):
        self.proc = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()

    def _sample(self):
        while not self._stop.is_set():
            total = 0
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
                for p in procs:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                pass
            self.peak = max(self.peak, total)
            self._stop.wait(0.05)

    def __enter__(self):
        self._t = threading.Thread(target=self._sample, daemon=True)
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()


def build_input(rows: int, folder: Path) -> Path:
    d = data_dir()
    if d is None:
        raise SystemExit("shared data folder not found (../shared/data or $PROPOSAL_NLP_DATA); nothing to measure")
    src = read_table(d / "teddy2020_c" / "fj3_hot_issue_messages.csv")[["留言编号", "留言主题", "留言详情"]]
    reps = -(-rows // len(src))
    big = pd.concat([src.assign(留言编号=src["留言编号"] + f"-{k}") for k in range(reps)], ignore_index=True)
    big = big.head(rows)
    path = folder / "messages.csv"
    big.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def classifier_choice():
    try:
        from proposal_nlp.classify import load_classifier

        load_classifier("default")
        return "default", ("classify", "extract", "match"), None
    except Exception as exc:  # the default model is not shipped in this checkout
        return "default", ("extract", "match"), f"{type(exc).__name__}: {exc}"


def _cpu() -> float:
    t = psutil.Process().cpu_times()
    return t.user + t.system + t.children_user + t.children_system


def run(path: Path, *, jobs: int, steps, policy, chunk_size: int):
    """One run; returns the result, wall seconds, CPU seconds (this process and its workers), peak RSS MB."""
    with PeakRSS() as mem:
        c0, t0 = _cpu(), time.perf_counter()
        res = process_file(path, policy=policy, steps=steps, jobs=jobs, chunk_size=chunk_size, keep_text=True)
        secs, cpu = time.perf_counter() - t0, _cpu() - c0
    print(f"  jobs={jobs}: {secs:.1f} s wall, {cpu:.1f} s CPU, peak {mem.peak / 2**20:.0f} MB, "
          f"{len(res.proposals):,} rows out", file=sys.stderr, flush=True)
    return res, secs, cpu, mem.peak / 2**20


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--chunk-size", type=int, default=1000)
    ap.add_argument("--skip-single", action="store_true", help="only the two-process run")
    args = ap.parse_args()
    _, policy = demo_files()
    clf, steps, skipped = classifier_choice()
    out: dict = {"rows": args.rows, "steps": "+".join(steps), "cores": os.cpu_count(),
                 "load_avg_1min_at_start": round(os.getloadavg()[0], 2)}
    if skipped:
        out["classify_skipped"] = skipped
    with tempfile.TemporaryDirectory() as tmp:
        path = build_input(args.rows, Path(tmp))
        print(f"input: {args.rows:,} messages ({path.stat().st_size / 2**20:.0f} MB CSV), steps {'+'.join(steps)}, "
              f"policy {policy.name}", file=sys.stderr)
        lines = []
        if not args.skip_single:
            res, secs, cpu, peak = run(path, jobs=1, steps=steps, policy=policy, chunk_size=args.chunk_size)
            timings = dict(kv.split("=") for kv in res.meta["timings"].split(", ") if "=" in kv)
            stage = {k: float(v.rstrip("s")) for k, v in timings.items()}
            total = sum(stage.values()) or 1.0
            out.update(seconds=round(secs, 1), rows_per_s=round(args.rows / secs, 1), cpu_seconds=round(cpu, 1),
                       peak_rss_mb=round(peak),
                       rows_out=len(res.proposals), asks=len(res.suggestions), matches=len(res.matches),
                       stage_seconds={k: round(v, 1) for k, v in stage.items()},
                       stage_share={k: round(v / total, 3) for k, v in stage.items()})
            lines.append(("1 process", secs, args.rows / secs, peak, len(res.proposals)))
            del res
        res2, secs2, cpu2, peak2 = run(path, jobs=2, steps=steps, policy=policy, chunk_size=args.chunk_size)
        out.update(seconds_jobs2=round(secs2, 1), rows_per_s_jobs2=round(args.rows / secs2, 1),
                   cpu_seconds_jobs2=round(cpu2, 1),
                   peak_rss_mb_jobs2=round(peak2), rows_out_jobs2=len(res2.proposals),
                   no_row_lost=bool(len(res2.proposals) == args.rows
                                    and res2.proposals["row"].tolist() == list(range(1, args.rows + 1))))
        lines.append(("2 processes", secs2, args.rows / secs2, peak2, len(res2.proposals)))
    print(f"{'run':<14}{'seconds':>10}{'rows/s':>10}{'peak MB':>10}{'rows out':>10}")
    for name, s, r, p, n in lines:
        print(f"{name:<14}{s:>10.1f}{r:>10.0f}{p:>10.0f}{n:>10}")
    if "stage_share" in out:
        print("stage shares (one process):", ", ".join(f"{k} {v:.0%}" for k, v in out["stage_share"].items()))
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
