"""Suggestion extraction on the Jiangsu CPPCC proposals, the seed's case 0219, and speed.

Protocol (../shared/data/DATASETS.md, "Suggestion extraction"):

* input: each proposal's ``content`` with the three headings 调研情况： / 问题分析： / 具体建议：
  removed, so the extractor must find where the asks begin by itself; rows without a
  ``sec_具体建议`` (or whose section cannot be located in the body) are left out and counted;
* precision: extracted characters inside the 具体建议 section / all extracted characters
  (micro, over the corpus; a per-proposal mean is printed too);
* recall: share of the section's *enumerated items* that an extracted span overlaps by at
  least one character. Enumerated items are defined here, independently of the extractor:
  the section is split at every numbering marker (一、 （一） 1. 1、 1） （1） ① 一是 第一， …)
  that stands at the start of the section, after a sentence mark (。；：！？) or whitespace,
  or -- for the Chinese-numeral forms 一、 and （一） -- anywhere; each piece runs from the end
  of its marker to the start of the next one; pieces with fewer than 8 characters of text
  (labels such as "设计：") are not items, nor are group headings -- pieces followed directly
  by the *first* marker of another numbering style (一、…一是, （一）…1., 1.…（1）), whose
  sub-items are the items; a section without markers is one item;
* item coverage (reported, not a target): share of item characters covered by spans;
* figures for 2019 (where the rules were tuned), 2022 (held out) and both; for reference, the
  same figures with the headings left in the text (as a user's file has them);
* seed_0219_exact: the seed summary gives exactly the three quoted asks of proposal 0219,
  each as one span;
* proposals_per_s: extraction on 1,600-character proposals (the last 1,600 characters of
  each 2019 body that long), one process.

Usage: python benchmarks/suggestions.py [--data PATH]
The last line printed is one JSON object with the figures.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from proposal_nlp import data_dir, extract_suggestions  # noqa: E402
from proposal_nlp.normalize import normalize  # noqa: E402

HEADINGS = ("调研情况：", "问题分析：", "具体建议：")
SEED_0219 = ("加快编制建设上海韧性安全城市专项规划",
             "加快构建上海与长三角区域韧性安全城市建设紧密协同",
             "强化推进工作的协同机制，细化年度行动计划")

_CN = "[一二三四五六七八九十]{1,3}"
_ITEM_MARK = re.compile(
    rf"(?:(?<=[。；：！？;:!?\s])|^)(?:\d{{1,2}}[、.．)）](?![\d.．])|[（(]\d{{1,2}}[)）]|[①-⑳]|"
    rf"[一二三四五六七八九十]是|第[一二三四五六七八九十]{{1,2}}[，,、])"
    rf"|(?<![第统唯之其万])(?:{_CN}、|[（(]{_CN}[)）])"
)


def load_rows(root: Path) -> list[dict]:
    path = root / "jszx_cppcc_proposals" / "jszx_cppcc_proposals_2019_2022.jsonl"
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def protocol_case(row: dict, *, keep_headings: bool = False):
    """(body, section start, section end) or None when the row cannot be scored."""
    sec = row.get("sec_具体建议") or ""
    if not sec.strip():
        return None
    body = row["content"]
    if not keep_headings:
        for h in HEADINGS:
            body = body.replace(h, "")
    start = body.find(sec)
    if start < 0:
        return None
    return body, start, start + len(sec)


_FIRST = re.compile(r"^(?:[（(]?(?:一|1)[)）]?[、.．)）]?|①|一是|第一[，,、])$")


def _style(marker: str) -> str:
    m = marker.strip()
    if m[0] in "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳":
        return "circled"
    paren = m[0] in "（("
    digit = any(ch.isdigit() for ch in m)
    if m.endswith("是"):
        return "shi"
    if m.startswith("第"):
        return "di"
    return ("p" if paren else "") + ("digit" if digit else "cn") + ("" if paren else m[-1].replace("．", "."))


def enumerated_items(sec: str) -> list[tuple[int, int]]:
    """Items of a 具体建议 section as (start, end) offsets into the section (see module doc)."""
    marks = [m for m in _ITEM_MARK.finditer(sec)]
    if not marks:
        return [(0, len(sec))] if _chars(sec) >= 8 else []
    items = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(sec)
        if _chars(sec[m.end():end]) < 8:
            continue
        if i + 1 < len(marks):
            nxt = marks[i + 1].group()
            if _FIRST.match(nxt.strip()) and _style(nxt) != _style(m.group()):
                continue  # a group heading: its sub-items are the items
        items.append((m.end(), end))
    return items


def _chars(s: str) -> int:
    return sum(1 for ch in s if "\u4e00" <= ch <= "\u9fff" or ch.isalnum())


def score_rows(rows: list[dict], *, keep_headings: bool = False) -> dict:
    inside = total = 0
    found = n_items = 0
    cov_chars = item_chars = 0
    per_prec = []
    skipped = 0
    empty = 0
    for row in rows:
        case = protocol_case(row, keep_headings=keep_headings)
        if case is None:
            skipped += 1
            continue
        body, s0, e0 = case
        spans = extract_suggestions(body, kind="proposal")
        if not spans:
            empty += 1
        ins = sum(max(0, min(sp.end, e0) - max(sp.start, s0)) for sp in spans)
        tot = sum(sp.end - sp.start for sp in spans)
        inside += ins
        total += tot
        if tot:
            per_prec.append(ins / tot)
        items = [(s0 + a, s0 + b) for a, b in enumerated_items(body[s0:e0])]
        n_items += len(items)
        for a, b in items:
            ov = sum(max(0, min(sp.end, b) - max(sp.start, a)) for sp in spans)
            found += ov > 0
            cov_chars += ov
            item_chars += b - a
    p = inside / total if total else 0.0
    r = found / n_items if n_items else 0.0
    return {
        "proposals": len(rows) - skipped, "skipped": skipped, "no_span": empty,
        "items": n_items,
        "precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
        "precision_macro": statistics.fmean(per_prec) if per_prec else 0.0,
        "item_coverage": cov_chars / item_chars if item_chars else 0.0,
    }


def seed_exact(root: Path | None) -> bool | None:
    candidates = [Path(__file__).resolve().parents[1] / ".." / "shared" / "seeds"]
    if root is not None:
        candidates.insert(0, root.parent / "seeds")
    for folder in candidates:
        path = folder / "000_58b9e089a002dfe6.txt"
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            got = [normalize(s.text) for s in extract_suggestions(text) if s.source == "quoted_ask"]
            return got == [normalize(a) for a in SEED_0219]
    return None


def speed(rows: list[dict], n_chars: int = 1600, seconds: float = 5.0) -> float:
    texts = []
    for row in rows:
        case = protocol_case(row)
        if case and len(case[0]) >= n_chars:
            texts.append(case[0][-n_chars:])
    if not texts:
        return 0.0
    extract_suggestions(texts[0])  # warm up (segmenter build)
    done, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for text in texts:
            extract_suggestions(text, kind="proposal")
        done += len(texts)
    return done / (time.perf_counter() - t0)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=None, help="shared data folder (default: auto)")
    args = ap.parse_args(argv)
    root = data_dir(args.data)
    figures: dict = {}
    if root is None:
        print("shared data folder not found: Jiangsu figures skipped")
    else:
        rows = load_rows(root)
        by_year = {"2019": [r for r in rows if r["year"] == 2019],
                   "2022": [r for r in rows if r["year"] == 2022], "all": rows}
        print(f"{'set':<6}{'props':>7}{'skip':>6}{'nospan':>8}{'items':>7}{'prec':>8}"
              f"{'recall':>8}{'f1':>8}{'p_macro':>9}{'cover':>8}")
        for name, part in by_year.items():
            s = score_rows(part)
            print(f"{name:<6}{s['proposals']:>7}{s['skipped']:>6}{s['no_span']:>8}{s['items']:>7}"
                  f"{s['precision']:>8.3f}{s['recall']:>8.3f}{s['f1']:>8.3f}"
                  f"{s['precision_macro']:>9.3f}{s['item_coverage']:>8.3f}")
            suffix = "" if name == "all" else f"_{name}"
            for k in ("precision", "recall", "f1"):
                figures[f"jszx_{k}{suffix}"] = round(s[k], 4)
            figures[f"jszx_item_coverage{suffix}"] = round(s["item_coverage"], 4)
        s = score_rows(rows, keep_headings=True)
        print(f"with the headings kept (as a user's file has them): precision {s['precision']:.3f}, "
              f"recall {s['recall']:.3f}")
        figures["jszx_headings_kept_precision"] = round(s["precision"], 4)
        figures["jszx_headings_kept_recall"] = round(s["recall"], 4)
        pps = speed(by_year["2019"])
        figures["proposals_per_s"] = round(pps, 1)
        print(f"speed: {pps:.0f} proposals of 1,600 characters per second (one process)")
    exact = seed_exact(root)
    print(f"seed 0219 exact: {exact}")
    figures["seed_0219_exact"] = exact
    print(json.dumps(figures, ensure_ascii=False))
    return figures


if __name__ == "__main__":
    main()
