"""Build ``corpora/intake/labels.csv`` from the annotators' reading files, and measure their
agreement with the second, blind reading (written to ``stats.json`` beside the labels).

Run from the repository root:

    python corpora/intake/build_labels.py --reads DIR [--data ../shared/data]

DIR holds the annotators' files (outside the repository, since they quote evidence passages):
``labels_*.csv`` (the first reading of every pooled message) and ``reread*_labels.csv`` (the
second reading of a random 10 %), each ``key,topics,fire,evidence,note``. The output keeps ids,
labels and the evidence passage's offsets into the message text (as
:func:`proposal_nlp.train_default.iter_source` resolves it), never the texts; ``pool.csv`` gives
the split. Prints the counts and Cohen's kappa, for the datasheet.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from proposal_nlp.train_default import TOPICS, iter_source  # noqa: E402

COLUMNS = ["source", "row_id", "topics", "fire", "evidence_start", "evidence_end", "split", "round", "stratum",
           "reader"]


def read_file(path: Path) -> dict:
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    out = {}
    for r in rows:
        topics = sorted(t for t in (r["topics"] or "").split("|") if t)
        bad = [t for t in topics if t not in TOPICS]
        if bad or r["fire"] not in ("0", "1"):
            raise SystemExit(f"{path}: row {r['key']} has unknown topics {bad} or fire {r['fire']!r}")
        out[r["key"]] = {"topics": topics, "fire": r["fire"], "evidence": r.get("evidence") or ""}
    return out


def kappa(a: list, b: list) -> float:
    """Cohen's kappa of two readings (scikit-learn's)."""
    from sklearn.metrics import cohen_kappa_score

    return float(cohen_kappa_score(a, b))


def agreement(first: dict, second: dict) -> dict:
    keys = sorted(set(first) & set(second))
    fire_a = [first[k]["fire"] for k in keys]
    fire_b = [second[k]["fire"] for k in keys]
    none_a = [not first[k]["topics"] for k in keys]
    none_b = [not second[k]["topics"] for k in keys]
    pooled_a = [t in first[k]["topics"] for k in keys for t in TOPICS]
    pooled_b = [t in second[k]["topics"] for k in keys for t in TOPICS]
    per_topic = {}
    for t in TOPICS:
        a = [t in first[k]["topics"] for k in keys]
        b = [t in second[k]["topics"] for k in keys]
        if any(a) or any(b):
            per_topic[t] = {"kappa": round(kappa(a, b), 3), "first": sum(a), "second": sum(b)}
    return {"n": len(keys), "fire_kappa": round(kappa(fire_a, fire_b), 3),
            "fire_agreement": round(sum(x == y for x, y in zip(fire_a, fire_b)) / len(keys), 3),
            "fire_first": fire_a.count("1"), "fire_second": fire_b.count("1"),
            "none_kappa": round(kappa(none_a, none_b), 3),
            "topics_pooled_kappa": round(kappa(pooled_a, pooled_b), 3),
            "same_topic_set": sum(first[k]["topics"] == second[k]["topics"] for k in keys),
            "per_topic": per_topic}


def build(reads: Path, data: Path, out: Path = HERE / "labels.csv") -> dict:
    import pandas as pd

    pool = pd.read_csv(HERE / "pool.csv", dtype=str, keep_default_na=False)
    first: dict = {}
    reader: dict = {}
    for path in sorted(reads.glob("labels_*.csv")):
        part = read_file(path)
        for k in part:
            reader[k] = path.stem.replace("labels_", "r")
        first.update(part)
    second: dict = {}
    for path in sorted(reads.glob("reread*_labels.csv")):
        second.update(read_file(path))
    texts = {}
    for name in sorted(set(pool.source)):
        for rec in iter_source(name, data):
            texts[f"{name}:{rec['row_id']}"] = rec["text"]
    rows, missing, not_found = [], [], 0
    for r in pool.itertuples(index=False):
        key = f"{r.source}:{r.row_id}"
        lab = first.get(key)
        if lab is None:
            missing.append(key)
            continue
        start = end = ""
        if lab["fire"] == "1" and lab["evidence"]:
            text = texts[key]
            at = text.find(lab["evidence"])
            if at < 0:
                not_found += 1
            else:
                start, end = str(at), str(at + len(lab["evidence"]))
        rows.append({"source": r.source, "row_id": r.row_id, "topics": "|".join(lab["topics"]), "fire": lab["fire"],
                     "evidence_start": start, "evidence_end": end, "split": r.split, "round": r.round,
                     "stratum": r.stratum, "reader": reader[key]})
    df = pd.DataFrame(rows, columns=COLUMNS)
    df.to_csv(out, index=False)
    stats = {"labelled": len(df), "unread_in_pool": len(missing), "evidence_not_found": not_found,
             "fire": int((df.fire == "1").sum()),
             "by_split": {s: {"rows": int((df.split == s).sum()), "fire": int(((df.split == s) & (df.fire == "1")).sum())}
                          for s in ("train", "dev", "test")},
             "by_round": {str(k): {"rows": int(len(g)), "fire": int((g.fire == "1").sum())} for k, g in df.groupby("round")},
             "topics": {t: int(df.topics.str.split("|").map(lambda x, t=t: t in x).sum()) for t in TOPICS},
             "none": int((df.topics == "").sum()),
             "agreement": agreement(first, second) if second else None}
    return stats


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reads", required=True, help="folder with labels_*.csv and reread*_labels.csv")
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    args = ap.parse_args(argv)
    stats = build(Path(args.reads), Path(args.data))
    (HERE / "stats.json").write_text(json.dumps(stats, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(stats, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
