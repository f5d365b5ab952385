"""Build ``corpora/groups/groups.csv`` from the readers' grouping files and measure agreement.

Run from the repository root:  python corpora/groups/build_groups.py --reads DIR

DIR holds ``labels_messages_*.csv`` and ``labels_proposals.csv`` (``key,group,note``; key is
``source:row_id``) and the blind second reading ``reread_labels_messages.csv`` /
``reread_labels_proposals.csv``. Writes ``groups.csv`` (``kind, source, row_id, group, split``:
ids and group ids only, never the texts) and ``stats.json``. The split is by group (a hash of the
group id): every member of a group is in the same split, dev 50 % / test 50 %.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
from collections import Counter
from itertools import combinations
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _read(path: Path) -> dict:
    with open(path, encoding="utf-8", newline="") as f:
        return {r["key"]: r["group"].strip() for r in csv.DictReader(f)}


def bcubed(gold: dict, pred: dict) -> tuple[float, float, float]:
    keys = sorted(set(gold) & set(pred))
    gm, pm = {}, {}
    for k in keys:
        gm.setdefault(gold[k], set()).add(k)
        pm.setdefault(pred[k], set()).add(k)
    p = sum(len(gm[gold[k]] & pm[pred[k]]) / len(pm[pred[k]]) for k in keys) / len(keys)
    r = sum(len(gm[gold[k]] & pm[pred[k]]) / len(gm[gold[k]]) for k in keys) / len(keys)
    return p, r, 2 * p * r / (p + r)


def pair_agreement(a: dict, b: dict) -> dict:
    keys = sorted(set(a) & set(b))
    x = [a[i] == a[j] for i, j in combinations(keys, 2)]
    y = [b[i] == b[j] for i, j in combinations(keys, 2)]
    n = len(x)
    po = sum(u == v for u, v in zip(x, y)) / n
    pa, pb = sum(x) / n, sum(y) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    return {"texts": len(keys), "pairs": n, "same_group_pairs_first": sum(x), "same_group_pairs_second": sum(y),
            "both_same": sum(u and v for u, v in zip(x, y)),
            "pair_kappa": round((po - pe) / (1 - pe), 3) if pe < 1 else 1.0,
            "bcubed_f1": round(bcubed(a, b)[2], 3)}


def split_of(group: str) -> str:
    return "dev" if int(hashlib.sha1(group.encode()).hexdigest(), 16) % 2 == 0 else "test"


def build(reads: Path) -> dict:
    rows, stats = [], {}
    for kind, pattern, reread in (("messages", "labels_messages_*.csv", "reread_labels_messages.csv"),
                                  ("proposals", "labels_proposals.csv", "reread_labels_proposals.csv")):
        first: dict = {}
        for path in sorted(reads.glob(pattern)):
            first.update(_read(path))
        sizes = Counter(first.values())
        for key, group in first.items():
            source, row_id = key.split(":", 1)
            rows.append({"kind": kind, "source": source, "row_id": row_id, "group": group, "split": split_of(group)})
        stats[kind] = {"texts": len(first), "groups": len(sizes),
                       "in_groups_of_2_or_more": sum(n for n in sizes.values() if n > 1),
                       "size_counts": {str(k): v for k, v in sorted(Counter(sizes.values()).items())},
                       "dev": sum(1 for r in rows if r["kind"] == kind and r["split"] == "dev"),
                       "test": sum(1 for r in rows if r["kind"] == kind and r["split"] == "test")}
        if (reads / reread).exists():
            stats[kind]["agreement"] = pair_agreement(first, _read(reads / reread))
    with open(HERE / "groups.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["kind", "source", "row_id", "group", "split"])
        w.writeheader()
        w.writerows(rows)
    stats["grouped_rows"] = len(rows)
    (HERE / "stats.json").write_text(json.dumps(stats, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return stats


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reads", required=True)
    print(json.dumps(build(Path(ap.parse_args(argv).reads)), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
