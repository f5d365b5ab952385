"""Matching benchmark: reply matching (Teddy 附件4), the seed's framework, the demo gold asks,
and all law articles at scale. Prints a table; the last line is one JSON object.

    python benchmarks/matching.py              # everything (about 3-4 minutes on 2 cores)
    python benchmarks/matching.py --calibrate  # also print coverage thresholds from the demo gold
    python benchmarks/matching.py --part laws  # one part only (seed, demo, reply, laws)

Reply matching: each of the 2,816 messages (主题 + 。 + 详情) ranks all 2,816 replies with
``ClauseMatcher`` (replies as the "clauses"). A tie with another reply counts against the
message, unless that reply has the very same text as the true one (88 replies are
duplicates). Three figures: ``raw`` (each message on its own), ``hubness`` (CSLS: scores
corrected for replies that are close to every message of the batch — uses the other
messages, never the pairing) and ``one_to_one`` (the assignment that pairs each message
with a different reply — uses the knowledge that the batch pairs one to one). The headline
``reply_p1`` / ``reply_mrr10`` is the ``hubness`` setting.

Scale: 10,000 messages (Teddy 附件3, 附件4, 附件2 raw and test rows, in that order) against
all 147,288 articles of ``laws_articles.jsonl.gz``, top 5 each, in a fresh process so its
peak memory is its own.
"""
from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from proposal_nlp.match import ClauseMatcher, calibrate_thresholds  # noqa: E402
from proposal_nlp.policy import parse_policy  # noqa: E402
from proposal_nlp.resources import data_dir  # noqa: E402

SEED = ROOT / ".." / "shared" / "seeds" / "000_58b9e089a002dfe6.txt"
GOLD = ROOT / "corpora" / "demo" / "asks_gold.jsonl"
# reply matching: long texts on both sides, so the char channel carries most of the weight
REPLY_WEIGHTS = {"bm25": 0.1, "tfidf": 0.2, "char": 0.7}
LAWS_OPTIONS = {"max_df": 0.05, "max_query_terms": 32, "chunk_size": 256}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def part_seed() -> dict:
    if not SEED.exists():
        print("seed: ../shared/seeds absent, skipped")
        return {}
    clauses = parse_policy(SEED.read_text(encoding="utf-8"))
    groups = pd.Series([c.group for c in clauses]).value_counts(sort=False)
    print(f"seed framework: {len(clauses)} clauses — " + ", ".join(f"{g} {n}" for g, n in groups.items()))
    return {"seed_framework_clauses": len(clauses)}


def part_demo(calibrate: bool) -> dict:
    if not (SEED.exists() and GOLD.exists()):
        print("demo gold: seed or corpora/demo/asks_gold.jsonl absent, skipped")
        return {}
    clauses = parse_policy(SEED.read_text(encoding="utf-8"))
    with open(GOLD, encoding="utf-8") as f:
        gold = [json.loads(line) for line in f]
    texts = [g["text"] for g in gold]
    gid = [g["clause_id"] for g in gold]
    m = ClauseMatcher().fit(clauses)
    res = m.match(texts, top_k=3)
    top = res[res["rank"] == 1].reset_index(drop=True)
    answered = np.array([g is not None for g in gid])
    hit = np.array([g is not None and c == g for g, c in zip(gid, top["clause_id"])])
    r3 = np.array([g is not None and g in set(res[res.query_id == i]["clause_id"]) for i, g in enumerate(gid)])
    verdict = top["coverage"].to_numpy()
    unc = verdict == "uncovered"
    out = {
        "demo_asks": len(gold),
        "demo_p1": round(float(hit[answered].mean()), 4),
        "demo_r3": round(float(r3[answered].mean()), 4),
        "demo_uncovered_recall": round(float(unc[~answered].mean()), 4),
        "demo_uncovered_precision": round(float((~answered[unc]).mean()) if unc.any() else 0.0, 4),
        "demo_verdict_accuracy": round(float(((~unc) == answered).mean()), 4),
    }
    print(f"demo gold: {len(gold)} asks ({int((~answered).sum())} answered by no clause); "
          f"P@1 {out['demo_p1']:.3f}, in top 3 {out['demo_r3']:.3f}; 'uncovered' recall "
          f"{out['demo_uncovered_recall']:.3f}, precision {out['demo_uncovered_precision']:.3f}")
    print("  (calibration set of the default thresholds: in-sample, not a held-out figure)")
    if calibrate:
        th = calibrate_thresholds(top["support"].to_numpy(), answered, hit)
        print(f"  calibrated thresholds (covered, partial) on support: {th}")
        out["demo_thresholds"] = list(th)
    return out


def _ranks(S: np.ndarray, replies: list[str]) -> np.ndarray:
    n = S.shape[0]
    diag = S[np.arange(n), np.arange(n)]
    codes = pd.factorize(pd.Series(replies))[0]
    other = codes[None, :] != codes[:, None]  # replies with the very same text count as the true one
    better = ((S > diag[:, None]) | (S == diag[:, None])) & other
    return better.sum(axis=1) + 1


def part_reply() -> dict:
    root = data_dir()
    path = root / "teddy2020_c" / "fj4_message_reply_pairs.csv" if root else None
    if path is None or not path.exists():
        print("reply matching: shared data absent, skipped")
        return {}
    from proposal_nlp.match import _csls

    d = pd.read_csv(path, dtype=str, keep_default_na=False)
    messages = (d["留言主题"] + "。" + d["留言详情"]).tolist()
    replies = d["答复意见"].tolist()
    t = time.perf_counter()
    m = ClauseMatcher(weights=REPLY_WEIGHTS).fit(pd.DataFrame({"clause_id": [str(i) for i in range(len(d))],
                                                               "text": replies}))
    Q, Qc, _ = m._query_matrix(messages)
    S = np.asarray((Q @ m.index_t_).toarray(), dtype=np.float64)
    elapsed = time.perf_counter() - t
    out = {}
    variants = {"raw": S, "hubness": _csls(S)}
    from scipy.optimize import linear_sum_assignment

    C = variants["hubness"]
    ri, ci = linear_sum_assignment(-C)
    A = C.copy()
    A[ri, ci] += C.max() - C.min() + 1.0
    variants["one_to_one"] = A
    print(f"reply matching: {len(d)} messages x {len(d)} replies, fused scores in {elapsed:.1f} s")
    print(f"  {'setting':<12} {'P@1':>6} {'MRR@10':>7}")
    for name, M in variants.items():
        r = _ranks(M, replies)
        p1, mrr = float((r == 1).mean()), float(np.where(r <= 10, 1.0 / r, 0.0).mean())
        print(f"  {name:<12} {p1:6.3f} {mrr:7.3f}")
        out[f"reply_p1_{name}"] = round(p1, 4)
        out[f"reply_mrr10_{name}"] = round(mrr, 4)
    out["reply_p1"] = out["reply_p1_hubness"]
    out["reply_mrr10"] = out["reply_mrr10_hubness"]
    # support (char-bigram cosine) of true pairs vs each message's best wrong reply
    Cm = (Qc @ m.char_index_.T).toarray()
    true = np.diag(Cm).copy()
    np.fill_diagonal(Cm, -1)
    wrong = Cm.max(axis=1)
    q = [0.1, 0.5, 0.9]
    print(f"  support of true pairs, quantiles {q}: {np.round(np.quantile(true, q), 3).tolist()}; "
          f"best wrong reply: {np.round(np.quantile(wrong, q), 3).tolist()}")
    return out


def _law_queries(root: Path, n: int) -> list[str]:
    t = root / "teddy2020_c"
    qs: list[str] = []
    for name in ("fj3_hot_issue_messages.csv", "fj4_message_reply_pairs.csv",
                 "fj2_full_subset921_messages_labeled.csv", "fj2_official_testset2801_unlabeled_with_team_predictions.csv"):
        p = t / name
        if p.exists():
            d = pd.read_csv(p, dtype=str, keep_default_na=False)
            qs += (d["留言主题"] + "。" + d["留言详情"]).tolist()
    return qs[:n]


def part_laws(n_queries: int = 10_000, n_jobs: int = 1) -> dict:
    root = data_dir()
    path = root / "lawrefbook_laws" / "laws_articles.jsonl.gz" if root else None
    if path is None or not path.exists():
        print("laws: shared data absent, skipped")
        return {}
    ids, texts = [], []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            ids.append(f"{r['path']}#{r['idx']}")
            texts.append(r["text"])
    df = pd.DataFrame({"clause_id": ids, "text": texts})
    del ids, texts
    queries = _law_queries(root, n_queries)
    t = time.perf_counter()
    m = ClauseMatcher(n_jobs=n_jobs, **LAWS_OPTIONS).fit(df)
    build = time.perf_counter() - t
    m.match(queries[:50], top_k=5)  # warm-up
    t = time.perf_counter()
    res = m.match(queries, top_k=5)
    elapsed = time.perf_counter() - t
    assert len(res) == 5 * len(queries)
    qps = len(queries) / elapsed
    print(f"laws: {len(df):,} articles indexed in {build:.1f} s ({m.index_t_.nnz:,} weights); "
          f"{len(queries):,} queries, top 5, in {elapsed:.1f} s = {qps:,.0f} queries/s; "
          f"peak memory {_peak_rss_mb():,.0f} MB")
    return {"laws_articles": len(df), "laws_queries": len(queries), "index_build_s": round(build, 2),
            "laws_queries_per_s": round(qps, 1), "laws_peak_rss_mb": round(_peak_rss_mb(), 1)}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=["seed", "demo", "reply", "laws"], action="append")
    ap.add_argument("--calibrate", action="store_true")
    ap.add_argument("--queries", type=int, default=10_000)
    ap.add_argument("--jobs", type=int, default=1, help="processes for the law index build")
    ap.add_argument("--json-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    parts = args.part or ["seed", "demo", "reply", "laws"]
    out: dict = {}
    if "seed" in parts:
        out.update(part_seed())
    if "demo" in parts:
        out.update(part_demo(args.calibrate))
    if "reply" in parts:
        out.update(part_reply())
    if "laws" in parts:
        if args.part:  # run here
            out.update(part_laws(args.queries, args.jobs))
        else:  # a fresh process, so the peak memory is the law index's own
            cmd = [sys.executable, __file__, "--part", "laws", "--queries", str(args.queries),
                   "--jobs", str(args.jobs)]
            proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
            lines = proc.stdout.strip().splitlines()
            print("\n".join(lines[:-1]))
            out.update(json.loads(lines[-1]))
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
