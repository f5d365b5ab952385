"""Grouping: messages on one problem at one place, proposals with the same asks (并案 / 热点问题).

Quality, on the team's hand-grouped set (``corpora/groups/groups.csv``: 420 Teddy 附件2 / 附件4
messages, 200 Jiangsu 2019 proposals, split dev / test by group): every text of a kind is grouped
at once with :func:`proposal_nlp.group_similar`, and the groups are scored on the rows of each
split (B-cubed precision / recall / F1, pairwise precision / recall / F1). The test split is the
headline; the thresholds in the code were chosen on dev (``--tune`` prints the dev grid, and only
dev). Baseline: the issue's character TF-IDF with one fixed threshold (single linkage), as named
there.

Scale: 100,000 messages (Teddy 附件3 messages, read as input only, each repeated with another
place name put in its title and an edit in its text, so the copies are neither identical nor
alike in place) grouped in a fresh interpreter; seconds and peak RSS (the process and its
children) are measured. ``--rows`` changes the number, ``--no-scale`` skips it.

Prints tables and, as its last line, one JSON object: messages_bcubed_f1,
proposals_bcubed_f1, messages_pair_precision (test), their dev figures, grouped_rows,
group_100k_seconds, group_100k_peak_rss_mb, and the baseline's figures.
"""
from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOLD = ROOT / "corpora" / "groups" / "groups.csv"


# ------------------------------------------------------------------------------------------- data
def load_gold():
    """(messages frame, proposals frame) with row_id, group, split, title, text."""
    import pandas as pd

    from proposal_nlp.resources import data_dir
    from proposal_nlp.train_default import SOURCES

    root = data_dir()
    if root is None:
        raise SystemExit("shared data folder not found (../shared/data or $PROPOSAL_NLP_DATA); nothing to measure")
    gold = pd.read_csv(GOLD, dtype=str, keep_default_na=False)
    texts = {}
    for source in sorted(set(gold["source"])):
        rel = SOURCES[source][0]
        if source.startswith("teddy_"):
            df = pd.read_csv(root / rel, dtype=str, keep_default_na=False, encoding="utf-8")
            for r in df.itertuples(index=False):
                texts[(source, r.留言编号.strip())] = (r.留言主题.strip(), r.留言详情.strip(), r.留言时间, r.留言用户)
        else:
            with open(root / rel, encoding="utf-8") as f:
                for line in f:
                    r = json.loads(line)
                    if str(r.get("year")) == "2019":
                        texts[(source, r["pkid"])] = (r["title"].strip(), r["content"].strip(), r.get("publish_time"),
                                                      r.get("proposer"))
    missing = [k for k in zip(gold["source"], gold["row_id"]) if k not in texts]
    if missing:
        raise SystemExit(f"{len(missing)} rows of groups.csv not found in the shared data, e.g. {missing[:3]}")
    vals = [texts[k] for k in zip(gold["source"], gold["row_id"])]
    gold = gold.assign(title=[v[0] for v in vals], text=[v[1] for v in vals])
    return (gold[gold["kind"] == "messages"].reset_index(drop=True),
            gold[gold["kind"] == "proposals"].reset_index(drop=True))


# ------------------------------------------------------------------------------------------- scores
def scores(gold: list, pred: list) -> dict:
    """B-cubed and pairwise precision / recall / F1 of a predicted grouping against a gold one."""
    n = len(gold)
    g_size, p_size = Counter(gold), Counter(pred)
    both = Counter(zip(gold, pred))
    bp = sum(both[(g, p)] / p_size[p] for g, p in zip(gold, pred)) / n
    br = sum(both[(g, p)] / g_size[g] for g, p in zip(gold, pred)) / n
    pairs_both = sum(c * (c - 1) / 2 for c in both.values())
    pairs_pred = sum(c * (c - 1) / 2 for c in p_size.values())
    pairs_gold = sum(c * (c - 1) / 2 for c in g_size.values())
    pp = pairs_both / pairs_pred if pairs_pred else 1.0
    pr = pairs_both / pairs_gold if pairs_gold else 1.0
    f = lambda p, r: 2 * p * r / (p + r) if p + r else 0.0  # noqa: E731
    return {"bcubed_p": bp, "bcubed_r": br, "bcubed_f1": f(bp, br), "pair_p": pp, "pair_r": pr, "pair_f1": f(pp, pr)}


def by_split(frame, labels) -> dict:
    out = {}
    for split in ("dev", "test"):
        m = (frame["split"] == split).to_numpy()
        out[split] = scores(frame["group"][m].tolist(), [labels[k] for k in m.nonzero()[0]])
    return out


def baseline(frame, threshold: float) -> list:
    """The issue's baseline: character TF-IDF of the whole text, single linkage at a fixed cosine."""
    import numpy as np
    from scipy.sparse.csgraph import connected_components
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = (frame["title"] + "\n" + frame["text"]).tolist()
    X = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True).fit_transform(docs)
    S = (X @ X.T).toarray()
    return connected_components(S >= threshold, directed=False)[1].tolist()


def run_kind(frame, kind: str, thresholds=None) -> list:
    from proposal_nlp.grouping import group_similar

    g = group_similar(frame["text"].tolist(), ids=frame["row_id"].tolist(), kind=kind,
                      titles=frame["title"].tolist(), thresholds=thresholds)
    return g["group"].tolist()


def tune(messages, proposals) -> None:
    """Print the dev figures over a grid of thresholds (dev rows only are scored)."""
    print("dev grid, messages (fine, coarse, district, unknown) -> B-cubed F1, pair P, pair R")
    for fine, coarse, district, unknown in itertools.product((0.15, 0.2, 0.25), (0.25, 0.35, 0.45), (0.3, 0.4, 0.5),
                                                             (0.4, 0.5)):
        th = {"fine": fine, "coarse": coarse, "district": district, "unknown": unknown}
        s = by_split(messages, run_kind(messages, "messages", th))["dev"]
        print(f"  {fine:.2f} {coarse:.2f} {district:.2f} {unknown:.2f}  {s['bcubed_f1']:.3f} {s['pair_p']:.3f} "
              f"{s['pair_r']:.3f}")
    print("dev grid, proposals (asks, pair) -> B-cubed F1, pair P, pair R")
    for asks, pair in itertools.product((0.0, 0.1, 0.15, 0.2, 0.25), (0.16, 0.18, 0.2, 0.22, 0.25, 0.3)):
        th = {"asks": asks, "pair": pair}
        s = by_split(proposals, run_kind(proposals, "proposals", th))["dev"]
        print(f"  {asks:.2f} {pair:.2f}  {s['bcubed_f1']:.3f} {s['pair_p']:.3f} {s['pair_r']:.3f}")


# ------------------------------------------------------------------------------------------- scale
SCALE_CODE = r"""
import json, sys, time
import pandas as pd
sys.path.insert(0, sys.argv[2])
from proposal_nlp.grouping import group_similar
df = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
t = time.perf_counter()
g = group_similar(df["text"].tolist(), ids=df["id"].tolist(), titles=df["title"].tolist())
print(json.dumps({"seconds": time.perf_counter() - t, "rows": len(g), "groups": int(g["group"].max()),
                  "largest": int(g["group_size"].max())}))
"""


def build_scale_input(rows: int, folder: Path) -> Path:
    """附件3 messages repeated: each copy names another (made-up) estate in its title and text."""
    import numpy as np
    import pandas as pd

    from proposal_nlp.resources import data_dir

    src = pd.read_csv(data_dir() / "teddy2020_c" / "fj3_hot_issue_messages.csv", dtype=str, keep_default_na=False)
    rng = np.random.default_rng(18)
    syll = list("金银华新东西南北中兴盛泰安康乐福祥瑞丰裕嘉美景翠竹山水云龙凤春夏秋冬梅兰")
    reps = -(-rows // len(src))
    parts = []
    for k in range(reps):
        names = ["".join(rng.choice(syll, 3)) + "小区" for _ in range(len(src))]
        cut = rng.integers(0, 20, len(src))
        parts.append(pd.DataFrame({
            "id": src["留言编号"] + f"-{k}",
            "title": [f"{n}{t}" if k else t for n, t in zip(names, src["留言主题"])],
            "text": [f"我住在{n}，{t[c:]}" if k else t for n, t, c in zip(names, src["留言详情"], cut)]}))
    path = folder / "messages.csv"
    pd.concat(parts, ignore_index=True).head(rows).to_csv(path, index=False)
    return path


def measure_scale(rows: int) -> dict:
    import psutil

    with tempfile.TemporaryDirectory() as tmp:
        path = build_scale_input(rows, Path(tmp))
        proc = subprocess.Popen([sys.executable, "-c", SCALE_CODE, str(path), str(ROOT)], stdout=subprocess.PIPE,
                                text=True)
        peak = [0]

        def watch():
            p = psutil.Process(proc.pid)
            while proc.poll() is None:
                try:
                    rss = p.memory_info().rss + sum(c.memory_info().rss for c in p.children(recursive=True))
                except psutil.Error:
                    break
                peak[0] = max(peak[0], rss)
                time.sleep(0.05)

        th = threading.Thread(target=watch, daemon=True)
        th.start()
        out, _ = proc.communicate()
        th.join()
        if proc.returncode != 0:
            raise SystemExit(f"the scale run failed (exit {proc.returncode})")
        res = json.loads(out.strip().splitlines()[-1])
        res["peak_rss_mb"] = peak[0] / 2 ** 20
        return res


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000, help="messages in the scale run")
    ap.add_argument("--no-scale", action="store_true", help="skip the scale run")
    ap.add_argument("--tune", action="store_true", help="print the dev grid of thresholds and stop")
    args = ap.parse_args(argv)
    messages, proposals = load_gold()
    if args.tune:
        tune(messages, proposals)
        return
    res = {}
    print(f"{'kind':10} {'split':5} {'method':9} {'B3 P':>6} {'B3 R':>6} {'B3 F1':>6} {'pairP':>6} {'pairR':>6} "
          f"{'pairF1':>6}")
    for name, frame, kind, base_t in (("messages", messages, "messages", 0.5), ("proposals", proposals,
                                                                                  "proposals", 0.5)):
        for method, labels in (("grouping", run_kind(frame, kind)), ("baseline", baseline(frame, base_t))):
            for split, s in by_split(frame, labels).items():
                print(f"{name:10} {split:5} {method:9} {s['bcubed_p']:6.3f} {s['bcubed_r']:6.3f} {s['bcubed_f1']:6.3f} "
                      f"{s['pair_p']:6.3f} {s['pair_r']:6.3f} {s['pair_f1']:6.3f}")
                prefix = f"{name}_" if method == "grouping" else f"baseline_{name}_"
                suffix = "" if split == "test" else "_dev"
                for k in ("bcubed_f1", "pair_precision", "pair_recall", "pair_f1"):
                    key = {"pair_precision": "pair_p", "pair_recall": "pair_r"}.get(k, k)
                    res[f"{prefix}{k}{suffix}"] = round(s[key], 4)
    res["grouped_rows"] = len(messages) + len(proposals)
    if not args.no_scale:
        sc = measure_scale(args.rows)
        print(f"scale: {sc['rows']} messages in {sc['seconds']:.1f} s, peak RSS {sc['peak_rss_mb']:.0f} MB, "
              f"{sc['groups']} groups (largest {sc['largest']})")
        res["group_100k_rows"] = sc["rows"]
        res["group_100k_seconds"] = round(sc["seconds"], 1)
        res["group_100k_peak_rss_mb"] = round(sc["peak_rss_mb"], 1)
    print(json.dumps(res, ensure_ascii=False))


if __name__ == "__main__":
    main()
