"""Build the demo proposal table and its gold asks from the annotated master file.

The master file ``proposals_annotated.txt`` holds the team's demo proposals with every
intended ask wrapped as ``«ask text»[clause_id|action|object]`` (``-`` for no clause).
This script strips the marks, computes character offsets into the clean 内容 and writes

* ``proposals.csv``   (UTF-8 with BOM, Chinese headers, one row per proposal) into
  ``proposal_nlp/data/demo/``, where it ships with the package for ``proposal-nlp run --demo``,
* ``asks_gold.jsonl`` (one JSON object per ask, offsets into 内容) beside this script,
* ``labels.csv``      (topic ids and fire relevance the team assigned to each proposal) beside
  this script.

Run from the repository root:  ``python corpora/demo/build_demo.py``
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MASTER = HERE / "proposals_annotated.txt"
PACKAGE_DEMO = HERE.parents[1] / "proposal_nlp" / "data" / "demo"  # shipped with the package
COLUMNS = ["编号", "类型", "届次", "提案人", "标题", "办理方式", "内容"]
ASK = re.compile(r"«(.*?)»\[([^\]]*)\]", re.S)


def parse_master(text: str) -> list[dict]:
    records = []
    for block in text.split("\n###\n"):
        block = block.strip("\n")
        if not block.strip():
            continue
        head, sep, body = block.partition("\n内容:\n")
        if not sep:
            raise ValueError(f"record without 内容 section: {block[:60]!r}")
        fields = {}
        for line in head.splitlines():
            key, _, value = line.partition(":")
            fields[key.strip()] = value.strip()
        fields["内容_annotated"] = body.rstrip("\n")
        records.append(fields)
    return records


def strip_asks(annotated: str, pid: str) -> tuple[str, list[dict]]:
    if annotated.count("«") != annotated.count("»"):
        raise ValueError(f"{pid}: unbalanced ask marks")
    clean, asks, pos = [], [], 0
    length = 0
    for m in ASK.finditer(annotated):
        before = annotated[pos:m.start()]
        clean.append(before)
        length += len(before)
        ask_text = m.group(1)
        if "«" in ask_text or "»" in ask_text:
            raise ValueError(f"{pid}: nested ask marks near {ask_text[:30]!r}")
        parts = m.group(2).split("|")
        if len(parts) != 3:
            raise ValueError(f"{pid}: ask annotation needs clause|action|object: {m.group(2)!r}")
        clause_id, action, obj = (p.strip() for p in parts)
        start = length
        clean.append(ask_text)
        length += len(ask_text)
        asks.append({
            "编号": pid,
            "ask_index": len(asks) + 1,
            "start": start,
            "end": length,
            "text": ask_text,
            "action": action,
            "object": obj,
            "clause_id": None if clause_id in ("", "-") else clause_id,
        })
        pos = m.end()
    clean.append(annotated[pos:])
    content = "".join(clean)
    for mark in "«»":
        if mark in content:
            raise ValueError(f"{pid}: stray {mark} in text")
    for ask in asks:
        if content[ask["start"]:ask["end"]] != ask["text"]:
            raise AssertionError(f"{pid}: ask {ask['ask_index']} does not slice back")
        if ask["text"] != ask["text"].strip():
            raise ValueError(f"{pid}: ask {ask['ask_index']} starts or ends with whitespace")
        if not ask["action"] or ask["action"] not in ask["text"] or ask["object"] not in ask["text"]:
            raise ValueError(f"{pid}: ask {ask['ask_index']} action/object must be substrings of its text")
    return content, asks


def build(out_dir: Path = HERE, proposals_dir: Path = PACKAGE_DEMO) -> tuple[int, int]:
    records = parse_master(MASTER.read_text(encoding="utf-8"))
    rows, gold, labels = [], [], []
    for rec in records:
        pid = rec["编号"]
        content, asks = strip_asks(rec["内容_annotated"], pid)
        rows.append({**{c: rec[c] for c in COLUMNS[:-1]}, "内容": content})
        gold.extend(asks)
        labels.append({"编号": pid, "topics": rec["主题"], "fire_relevant": int(rec["消防"])})
    ids = [r["编号"] for r in rows]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate 编号 in master file")
    with open(proposals_dir / "proposals.csv", "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, quoting=csv.QUOTE_MINIMAL)
        writer.writeheader()
        writer.writerows(rows)
    with open(out_dir / "asks_gold.jsonl", "w", encoding="utf-8", newline="\n") as fh:
        for ask in gold:
            fh.write(json.dumps(ask, ensure_ascii=False) + "\n")
    with open(out_dir / "labels.csv", "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["编号", "topics", "fire_relevant"])
        writer.writeheader()
        writer.writerows(labels)
    return len(rows), len(gold)


if __name__ == "__main__":
    n_rows, n_asks = build()
    sys.stdout.write(f"{n_rows} proposals written to {PACKAGE_DEMO}, {n_asks} gold asks to {HERE}\n")
