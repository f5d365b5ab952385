"""Segmentation benchmark: bakeoff F1, domain-term integrity, speed and backend parity.

    python benchmarks/segmentation.py [--data PATH]

Figures (the last line printed is one JSON object with all of them):

* ``pku_f1`` / ``msr_f1``: SIGHAN 2005 test sets, jieba's dictionary only (no domain
  lexicon, HMM on, no normalisation: plain jieba); ``*_f1_normalized`` the same with the
  library's default full-width normalisation.
* ``pku_f1_wordlist`` / ``msr_f1_wordlist``: the bakeoff training word list as the only
  dictionary (every word frequency 1), HMM off, default normalisation.
* ``*_f1_default_segmenter``: the default segmenter (domain lexicon, HMM, normalisation), to
  compare with ``*_f1_normalized``: the domain lexicon must not hurt general text.
* ``domain_term_integrity``: share of lexicon-term occurrences kept whole in the seed and in
  the emergency-related Jiangsu proposals (a proposal whose title holds a topic keyword of the
  lexicon), default segmenter. Overlapping occurrences (``市人大代表`` / ``人大代表建议``) form
  one group, kept when one of its terms is a token and no token crosses the group's edges.
* ``chars_per_s_jieba`` / ``chars_per_s_fast`` / ``speedup``: the default segmenter (domain
  lexicon, HMM on) over the PKU and MSR test lines and the seed, same text, same process;
  best of three interleaved passes.
* ``parity``: both backends gave identical tokens on every PKU and MSR test line and on the
  seed under every configuration above.

Scores come from :func:`proposal_nlp.segment.score_segmentation` (word spans over characters,
whole corpus at once, so the 16 MSR gold lines that moved a quote to the previous line align).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from proposal_nlp.resources import data_dir, load_lexicon  # noqa: E402
from proposal_nlp.segment import Segmenter, score_segmentation  # noqa: E402

SEED = "000_58b9e089a002dfe6.txt"


def read_lines(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as f:
        return f.read().split("\n")


def gold_words(path: Path) -> list[str]:
    return [w for line in read_lines(path) for w in line.split()]


def cut_all(seg: Segmenter, lines: list[str]) -> list[list[str]]:
    return [seg.cut(line) for line in lines]


def term_groups(text: str, pattern: re.Pattern, lengths: range) -> list[list[tuple[int, int]]]:
    """Occurrences of lexicon terms (overlaps included), grouped where they overlap."""
    occ = []
    for i in range(len(text)):
        for n in lengths:
            if i + n <= len(text) and pattern(text[i:i + n]):
                occ.append((i, i + n))
    occ.sort()
    groups: list[list[tuple[int, int]]] = []
    end = -1
    for s, e in occ:
        if groups and s < end:
            groups[-1].append((s, e))
            end = max(end, e)
        else:
            groups.append([(s, e)])
            end = e
    return groups


def integrity(seg: Segmenter, texts: list[str], terms: set[str]) -> tuple[int, int]:
    lengths = range(max(map(len, terms)), 1, -1)
    kept = total = 0
    for text in texts:
        toks = seg.tokenize(text)
        spans = {(t.start, t.end) for t in toks}
        bounds = {t.start for t in toks} | {len(text)}
        for group in term_groups(text, terms.__contains__, lengths):
            total += 1
            g0, g1 = group[0][0], max(e for _, e in group)
            if g0 in bounds and g1 in bounds and any(o in spans for o in group):
                kept += 1
    return kept, total


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description="segmentation benchmark")
    ap.add_argument("--data", help="shared data folder (default: $PROPOSAL_NLP_DATA or ../shared/data)")
    args = ap.parse_args(argv)
    data = data_dir(args.data, required=True)
    sig = data / "sighan2005"
    seed = (data.parent / "seeds" / SEED).read_text(encoding="utf-8")
    corpora = {c: (read_lines(sig / f"{c}_test.utf8"), gold_words(sig / f"{c}_test_gold.utf8")) for c in ("pku", "msr")}
    parity_lines = corpora["pku"][0] + corpora["msr"][0] + [seed]
    n_pku = len(corpora["pku"][0])
    where = {"pku": (0, n_pku), "msr": (n_pku, n_pku + len(corpora["msr"][0]))}
    figures: dict = {}
    parity = True
    rows = []

    def both(**kw):
        return Segmenter(backend="jieba", **kw), Segmenter(backend="rjieba", **kw)

    def check(name, segs, lines):
        nonlocal parity
        a, b = (cut_all(s, lines) for s in segs)
        bad = sum(x != y for x, y in zip(a, b))
        parity &= bad == 0
        rows.append((f"parity {name}", f"{bad} differing of {len(lines)} lines"))
        return b

    # 1. jieba's dictionary, HMM on, plain and normalised
    for key, kw in (("", dict(normalize=False)), ("_normalized", dict(normalize=True))):
        segs = both(default_lexicon=False, **kw)
        out = check(f"default-dictionary{key}", segs, parity_lines)
        for c, (raw, gold) in corpora.items():
            lo, hi = where[c]
            pred = [w for ws in out[lo:hi] for w in ws]
            sc = score_segmentation(gold, pred)
            figures[f"{c}_f1{key}"] = round(sc.f1, 4)
            rows.append((f"{c}_f1{key}", f"P {sc.precision:.4f} R {sc.recall:.4f} F1 {sc.f1:.4f}"))

    # 2. bakeoff training word list as the dictionary, HMM off (default normalisation, then none)
    for key, norm in (("", True), ("_raw", False)):
        for c, (raw, gold) in corpora.items():
            words = sig / f"{c}_training_words.utf8"
            t0 = time.perf_counter()
            segs = both(lexicon=words, default_lexicon=False, dictionary=None, hmm=False, normalize=norm)
            for s in segs:
                s.cut("预热")
            rows.append((f"{c} word list load{key} (both backends)", f"{time.perf_counter() - t0:.2f} s"))
            out = check(f"{c}-wordlist{key}", segs, parity_lines)
            lo, hi = where[c]
            sc = score_segmentation(gold, [w for ws in out[lo:hi] for w in ws])
            figures[f"{c}_f1_wordlist{key}"] = round(sc.f1, 4)
            rows.append((f"{c}_f1_wordlist{key}", f"P {sc.precision:.4f} R {sc.recall:.4f} F1 {sc.f1:.4f}"))

    # 3. the default segmenter: parity, domain terms, speed
    jb, fast = both()
    out = check("default segmenter", (jb, fast), parity_lines)
    for c, (raw, gold) in corpora.items():  # the domain lexicon must not hurt general text
        lo, hi = where[c]
        sc = score_segmentation(gold, [w for ws in out[lo:hi] for w in ws])
        figures[f"{c}_f1_default_segmenter"] = round(sc.f1, 4)
        rows.append((f"{c}_f1_default_segmenter", f"P {sc.precision:.4f} R {sc.recall:.4f} F1 {sc.f1:.4f}"))
    lex = load_lexicon()
    terms = {e.term for e in lex}
    topic_terms = [e.term for e in lex if e.topic]
    proposals = {2019: [], 2022: []}
    path = data / "jszx_cppcc_proposals" / "jszx_cppcc_proposals_2019_2022.jsonl"
    with open(path, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if any(t in rec["title"] for t in topic_terms):
                proposals[rec["year"]].append(rec["title"] + "\n" + rec["content"])
    kept = total = 0
    for name, texts in (("seed", [seed]), ("jiangsu_2019", proposals[2019]), ("jiangsu_2022", proposals[2022])):
        k, t = integrity(fast, texts, terms)
        kept, total = kept + k, total + t
        figures[f"domain_term_integrity_{name}"] = round(k / t, 4) if t else None
        rows.append((f"integrity {name}", f"{k}/{t} term groups kept ({len(texts)} texts)"))
    check("default segmenter, emergency proposals", (jb, fast), proposals[2019] + proposals[2022])
    figures["domain_term_integrity"] = round(kept / total, 4)

    def speed(texts):
        best = {"jieba": float("inf"), "rjieba": float("inf")}
        for _ in range(3):
            for seg in (jb, fast):
                t0 = time.perf_counter()
                for text in texts:
                    seg.cut(text)
                best[seg.backend] = min(best[seg.backend], time.perf_counter() - t0)
        return best

    n_chars = sum(map(len, parity_lines))
    best = speed(parity_lines)
    figures["chars_per_s_jieba"] = round(n_chars / best["jieba"])
    figures["chars_per_s_fast"] = round(n_chars / best["rjieba"])
    figures["speedup"] = round(best["jieba"] / best["rjieba"], 1)
    rows.append(("speed text", f"{n_chars} characters, {len(parity_lines)} lines (PKU, MSR test, seed)"))
    best = speed(proposals[2019])
    figures["speedup_proposals"] = round(best["jieba"] / best["rjieba"], 1)
    rows.append(("speed, 2019 emergency proposals", f"{sum(map(len, proposals[2019]))} characters, "
                 f"jieba {best['jieba']:.2f} s, rjieba {best['rjieba']:.3f} s"))
    figures["parity"] = parity
    figures["lexicon_terms"] = len(lex)

    width = max(len(k) for k, _ in rows)
    print("segmentation benchmark")
    for k, v in rows:
        print(f"  {k:<{width}}  {v}")
    for k, v in figures.items():
        print(f"  {k:<{width}}  {v}")
    print(json.dumps(figures, ensure_ascii=False))
    return figures


if __name__ == "__main__":
    main()
