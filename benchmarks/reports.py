"""Handling summaries read by ``parse_report``: figures, checks, cited proposals, sections, plans.

Protocol (``corpora/reports/README.md``):

* the team-written set ``corpora/reports/``: 18 summaries in different bureaus' styles, r01-r12
  the **dev** set (the headline), r13-r18 the **test** set (held out: reported apart, never
  tuned on); ``gold.jsonl`` marks every figure by hand;
* a figure matches a gold figure when kind, subset, handling, result, measure and value agree
  (the library's ``all`` is the gold's ""; a subset is compared stripped of 涉及/有关/方面/事项/类/的);
  matching is one to one; precision = matched / read, recall = matched / gold, over all figures
  of a split (micro);
* checks_correct: every summary marked ``wrong_sum`` has at least one failing check and no other
  summary has any (share of the 18 summaries; 1.0 when all are right; also per split);
* also reported: cited proposals (number and session, the session without body and level:
  市政协十三届三次会议 -> 十三届三次会议) exact per summary, the top-level section names exact,
  the number of plans exact;
* seed_exact: the seed (``../shared/seeds/000_58b9e089a002dfe6.txt``) gives exactly its 13
  figures with the right kind, subset and handling, all checks pass, a copy with 会办18件 changed
  to 会办17件 fails the 人大代表建议 sum, and 0219 is cited with its session, proposers and three
  asks (None when the seed is absent);
* replies_cited_exact: the five State Council reply letters in
  ``../shared/data/govcn_state_council_docs/`` give exactly the cited number and session of
  ``gold_replies.jsonl`` (None when the shared data is absent).

Usage: python benchmarks/reports.py [--data PATH] [--split dev|test|all] [--errors dev]
``--errors dev`` prints the dev set's missed and extra figures (never the test set's).
The last line printed is one JSON object with the figures.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from proposal_nlp import data_dir  # noqa: E402
from proposal_nlp.handling_report import parse_report  # noqa: E402

GOLD_DIR = ROOT / "corpora" / "reports"
SEED_NAME = "000_58b9e089a002dfe6.txt"
# the seed's 13 figures (kind, subset, handling, count), as tests/test_handling_report.py knows them
SEED_FIGURES = {
    ("total", "", "", 57), ("人大代表建议", "", "", 29), ("人大代表建议", "", "主办", 11), ("人大代表建议", "", "会办", 18),
    ("人大代表建议", "消防", "", 13), ("人大代表建议", "消防", "主办", 6), ("人大代表建议", "消防", "会办", 7),
    ("政协提案", "", "", 28), ("政协提案", "", "主办", 9), ("政协提案", "", "会办", 19),
    ("政协提案", "消防", "", 9), ("政协提案", "消防", "主办", 1), ("政协提案", "消防", "会办", 8),
}
_CN = "[一二三四五六七八九十]+"


def subset_key(s: str) -> str:
    s = "" if s in ("all", None) else str(s)
    return re.sub(r"^(?:涉及|有关)|(?:方面|事项|类|的)+$", "", s)


def figure_key(kind, subset, handling, result, measure, value) -> tuple:
    blank = ("all", None, "")
    return (kind, subset_key(subset), "" if handling in blank else handling, "" if result in blank else result,
            measure, round(float(value), 2))


def read_keys(figures) -> list[tuple]:
    return [figure_key(r.kind, r.subset, r.handling, r.result, r.measure,
                       r.count if r.measure == "count" else r.percent) for r in figures.itertuples()]


def gold_keys(row: dict) -> list[tuple]:
    return [figure_key(f["kind"], f["subset"], f["handling"], f["result"], f["measure"], f["value"])
            for f in row["figures"]]


def session_key(s) -> str:
    m = re.search(rf"({_CN})届.*?({_CN})次", str(s or ""))
    return f"{m.group(1)}届{m.group(2)}次会议" if m else str(s or "")


def cited_keys(cited) -> set:
    return {(str(r.number).translate(str.maketrans("０１２３４５６７８９", "0123456789")), session_key(r.session))
            for r in cited.itertuples()}


def load_gold() -> list[dict]:
    path = GOLD_DIR / "gold.jsonl"
    if not path.is_file():
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def score_docs(rows: list[dict]) -> dict:
    matched = read = gold = 0
    per_doc = []
    for row in rows:
        text = (GOLD_DIR / "summaries" / f"{row['doc']}.txt").read_text(encoding="utf-8")
        t0 = time.perf_counter()
        report = parse_report(text)
        seconds = time.perf_counter() - t0
        got, want = Counter(read_keys(report.figures)), Counter(gold_keys(row))
        hit = sum((got & want).values())
        matched, read, gold = matched + hit, read + sum(got.values()), gold + sum(want.values())
        flagged = bool(len(report.checks)) and not bool(report.checks["ok"].all())
        sections = list(report.sections.loc[report.sections["level"] == 1, "name"])
        per_doc.append({
            "doc": row["doc"], "split": row["split"], "read": sum(got.values()), "gold": sum(want.values()),
            "matched": hit, "missed": sorted((want - got).elements()), "extra": sorted((got - want).elements()),
            "wrong_sum": bool(row["wrong_sum"]), "flagged": flagged, "checks_right": flagged == bool(row["wrong_sum"]),
            "failing": list(report.failing["detail"]),
            "cited_exact": cited_keys(report.cited) == {(c["number"], session_key(c["session"])) for c in row["cited"]},
            "sections_exact": [re.sub(r"\s", "", s) for s in sections] == [re.sub(r"\s", "", s) for s in row["sections"]],
            "plans_exact": len(report.plans) == row["plans"], "seconds": seconds})
    return {"precision": matched / read if read else 0.0, "recall": matched / gold if gold else 0.0,
            "matched": matched, "read": read, "gold": gold, "docs": per_doc}


def seed_exact(root: Path | None) -> dict | None:
    candidates = [ROOT / ".." / "shared" / "seeds"]
    if root is not None:
        candidates.insert(0, root.parent / "seeds")
    path = next((c / SEED_NAME for c in candidates if (c / SEED_NAME).is_file()), None)
    if path is None:
        return None
    text = path.read_text(encoding="utf-8")
    report = parse_report(text)
    got = {(r.kind, subset_key(r.subset), "" if r.handling == "all" else r.handling, int(r.count))
           for r in report.figures.itertuples() if r.measure == "count" and r.result == "all"}
    figures = got == SEED_FIGURES and len(report.figures) == 13
    checks = len(report.checks) == 11 and report.ok
    tampered = parse_report(text.replace("会办18件", "会办17件"), asks=False).failing
    flagged = list(tampered["check"]) == ["人大代表建议 = 人大代表建议·主办 + 人大代表建议·会办"] and \
        "会办 17" in tampered["detail"].iloc[0]
    c = report.cited
    cited = (len(c) == 1 and c.iloc[0]["number"] == "0219" and c.iloc[0]["session"] == "市政协十四届二次会议"
             and c.iloc[0]["proposers"] == "王训国等委员" and int(c.iloc[0]["n_asks"]) == 3)
    return {"figures": figures, "checks": checks, "tampered_flagged": flagged, "cited_0219": cited,
            "exact": figures and checks and flagged and cited}


def replies_exact(root: Path | None) -> bool | None:
    path = (root / "govcn_state_council_docs" / "govcn_policies.jsonl") if root is not None else None
    gold_path = GOLD_DIR / "gold_replies.jsonl"
    if path is None or not path.is_file() or not gold_path.is_file():
        return None
    with open(gold_path, encoding="utf-8") as f:
        gold = {r["doc"]: r for r in map(json.loads, filter(str.strip, f))}
    docs = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            if d["index_number"] in gold:
                docs[d["index_number"]] = d["text"]
    ok = len(docs) == len(gold)
    for idx, g in gold.items():
        if idx not in docs:
            continue
        report = parse_report(docs[idx], asks=False)
        want = {(c["number"], session_key(c["session"])) for c in g["cited"]}
        got = cited_keys(report.cited)
        print(f"  reply {idx}: cited {sorted(got)} {'==' if got == want else '!='} gold {sorted(want)}")
        ok = ok and got == want
    return ok


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=None, help="shared data folder (default: auto)")
    ap.add_argument("--errors", choices=["dev"], default=None, help="print the dev set's missed and extra figures")
    ap.add_argument("--split", choices=["dev", "test", "all"], default="all", help="score only this split")
    args = ap.parse_args(argv)
    root = data_dir(args.data)
    figures: dict = {}
    gold = load_gold()
    if not gold:
        print("corpora/reports/gold.jsonl not found: the team-written set is skipped")
    scores = {}
    for split in ("dev", "test"):
        if args.split not in ("all", split):
            continue
        rows = [r for r in gold if r["split"] == split]
        if rows:
            scores[split] = score_docs(rows)
    if scores:
        print(f"{'doc':<36}{'gold':>5}{'read':>5}{'hit':>5}{'wrong':>7}{'flag':>6}{'cited':>7}{'sect':>6}{'plans':>7}")
        for split, s in scores.items():
            for d in s["docs"]:
                print(f"{d['doc']:<36}{d['gold']:>5}{d['read']:>5}{d['matched']:>5}{str(d['wrong_sum']):>7}"
                      f"{str(d['flagged']):>6}{str(d['cited_exact']):>7}{str(d['sections_exact']):>6}"
                      f"{str(d['plans_exact']):>7}")
            print(f"{split}: precision {s['precision']:.3f}, recall {s['recall']:.3f} "
                  f"({s['matched']} of {s['gold']} gold figures, {s['read']} read)")
        if args.errors == "dev" and "dev" in scores:
            for d in scores["dev"]["docs"]:
                for what in ("missed", "extra"):
                    for k in d[what]:
                        print(f"  {d['doc']} {what}: {k}")
                for f in d["failing"]:
                    print(f"  {d['doc']} failing: {f}")
        docs = [d for s in scores.values() for d in s["docs"]]
        if "dev" in scores:
            figures["figure_precision"] = round(scores["dev"]["precision"], 4)
            figures["figure_recall"] = round(scores["dev"]["recall"], 4)
        if "test" in scores:
            figures["test_figure_precision"] = round(scores["test"]["precision"], 4)
            figures["test_figure_recall"] = round(scores["test"]["recall"], 4)
        figures["checks_correct"] = round(sum(d["checks_right"] for d in docs) / len(docs), 4)
        for split, s in scores.items():
            figures[f"{split}_checks_correct"] = round(sum(d["checks_right"] for d in s["docs"]) / len(s["docs"]), 4)
        for split, s in scores.items():
            prefix = "" if split == "dev" else "test_"
            n = len(s["docs"])
            figures[f"{prefix}cited_exact"] = round(sum(d["cited_exact"] for d in s["docs"]) / n, 4)
            figures[f"{prefix}sections_exact"] = round(sum(d["sections_exact"] for d in s["docs"]) / n, 4)
            figures[f"{prefix}plans_exact"] = round(sum(d["plans_exact"] for d in s["docs"]) / n, 4)
        figures["ms_per_summary"] = round(1000 * sum(d["seconds"] for d in docs) / len(docs), 1)
        print(f"checks right on {sum(d['checks_right'] for d in docs)} of {len(docs)} summaries; "
              f"{figures['ms_per_summary']} ms per summary")
    seed = seed_exact(root)
    print(f"seed: {seed}")
    figures["seed_exact"] = None if seed is None else seed["exact"]
    figures["replies_cited_exact"] = replies_exact(root)
    print(json.dumps(figures, ensure_ascii=False))
    return figures


if __name__ == "__main__":
    main()
