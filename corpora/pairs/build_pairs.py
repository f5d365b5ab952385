"""Build ``corpora/pairs/pairs.csv`` from the readers' files: ask -> clause pairs read by people.

Run from the repository root, after drawing and reading (see README.md):

    python corpora/pairs/build_pairs.py --reads DIR

DIR holds ``pool.csv`` (written by ``draw_asks.py``), ``labels_<clause_set>.csv`` (one reader per
clause set) and ``reread_labels.csv`` (a second, blind reading of about 10 %), each
``pair_id,gold,verdict,note``. Writes ``pairs.csv`` (ids, offsets, clause ids and verdicts only)
and ``stats.json`` (counts and the agreement of the two readings).
"""
from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLUMNS = ["pair_id", "ask_source", "ask_row_id", "ask_start", "ask_end", "ask_kind", "clause_set", "gold_clause_ids",
           "verdict", "offtopic", "split"]


def _read(path: Path) -> dict:
    with open(path, encoding="utf-8", newline="") as f:
        return {r["pair_id"]: r for r in csv.DictReader(f)}


def kappa(a: list, b: list) -> float:
    """Cohen's kappa of two readings (scikit-learn's)."""
    from sklearn.metrics import cohen_kappa_score

    return float(cohen_kappa_score(a, b))


def build(reads: Path) -> dict:
    import pandas as pd

    pool = pd.read_csv(reads / "pool.csv", dtype=str, keep_default_na=False)
    first: dict = {}
    for path in sorted(reads.glob("labels_*.csv")):
        first.update(_read(path))
    second = _read(reads / "reread_labels.csv") if (reads / "reread_labels.csv").exists() else {}
    rows, missing = [], []
    for r in pool.itertuples(index=False):
        lab = first.get(r.pair_id)
        if lab is None:
            missing.append(r.pair_id)
            continue
        gold = "|".join(g.strip() for g in lab["gold"].split("|") if g.strip())
        verdict = lab["verdict"].strip()
        if verdict not in ("covered", "partial", "none") or (verdict == "none") != (gold == ""):
            raise SystemExit(f"{r.pair_id}: verdict {verdict!r} with gold {gold!r}")
        rows.append({"pair_id": r.pair_id, "ask_source": r.ask_source, "ask_row_id": r.ask_row_id,
                     "ask_start": r.ask_start, "ask_end": r.ask_end, "ask_kind": r.ask_kind,
                     "clause_set": r.clause_set, "gold_clause_ids": gold, "verdict": verdict,
                     "offtopic": r.offtopic, "split": r.split})
    df = pd.DataFrame(rows, columns=COLUMNS)
    df.to_csv(HERE / "pairs.csv", index=False)
    keys = sorted(set(first) & set(second))
    agree = None
    if keys:
        answered_a = [first[k]["verdict"] != "none" for k in keys]
        answered_b = [second[k]["verdict"] != "none" for k in keys]
        best_a = [first[k]["gold"].split("|")[0] for k in keys]
        best_b = [second[k]["gold"].split("|")[0] for k in keys]
        both = [i for i, k in enumerate(keys) if answered_a[i] and answered_b[i]]
        same_best = sum(best_a[i] == best_b[i] for i in both)
        overlap = sum(bool(set(first[keys[i]]["gold"].split("|")) & set(second[keys[i]]["gold"].split("|")))
                      for i in both)
        agree = {"n": len(keys),
                 "answered_kappa": round(kappa(answered_a, answered_b), 3),
                 "answered_agreement": round(sum(x == y for x, y in zip(answered_a, answered_b)) / len(keys), 3),
                 "verdict_kappa": round(kappa([first[k]["verdict"] for k in keys],
                                              [second[k]["verdict"] for k in keys]), 3),
                 "both_answered": len(both), "same_best_clause": same_best, "overlapping_gold": overlap}
    stats = {"pairs": len(df), "unread": len(missing),
             "by_set": {s: dict(Counter(g["verdict"])) | {"pairs": len(g)} for s, g in df.groupby("clause_set")},
             "by_split": {s: int((df.split == s).sum()) for s in ("train", "dev", "test")},
             "offtopic": int((df.offtopic == "True").sum()),
             "answered": int((df.verdict != "none").sum()),
             "agreement": agree}
    (HERE / "stats.json").write_text(json.dumps(stats, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return stats


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reads", required=True)
    args = ap.parse_args(argv)
    print(json.dumps(build(Path(args.reads)), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
