"""Draw the intake labelling pool: Teddy 附件2 citizen messages to be read and labelled.

Run from the repository root:  python corpora/intake/build_pool.py [--data ../shared/data]
Writes ``corpora/intake/pool.csv`` (ids, the stratum a message was drawn from and its fixed
split; never the texts). With ``--render DIR`` it also writes the texts of the pool, in reading
batches, to DIR (outside the repository) for the annotators.

The pool (seed 20261204):
- every 附件2 message, raw (921 labelled, 495 sample, 2,801 test rows) or segmented only (the
  9,210 token rows that duplicate no raw row), minus any near-duplicate of a 附件3 message
  (附件3 is reserved for evaluation) and minus repeated bodies;
- all messages with a fire-like word (``FIRE``: 消防, 火灾, 燃气, 液化气, 充电, 加油站, 逃生 ...);
- up to 450 with a word of another taxonomy topic (``OTHER``: 内涝, 暴雨, 电梯, 施工安全, 化工 ...);
- 300 hard negatives (``HARD``: 安全隐患, 油烟, 烧烤, 火车 / 火锅 / 火爆 ..., 护栏, 窗户);
- random messages to 2,700.
Second round (after the first 2,700 were read: they held 224 fire-relevant messages, short of the
400 the set needs, and every 附件2 message with a fire-like word was already among them):
- every 附件2 message outside the first round with a weaker fire-like word (``WIDE``: 火, 烧, 烟,
  电线, 插座, 配电, 变压器, 爆, 安全隐患 ...);
- every 附件4 message (message + reply pairs; the message only) with a ``FIRE`` word that is not
  a near-duplicate of a 附件2 message of the pool or of a 附件3 message.
Split by message: a message already in ``corpora/em/labels.csv`` keeps its split there (train or
dev); the others go to train / dev / test at 55 / 15 / 30 %.
"""
from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SEED = 20261204
TOTAL = 2700
N_OTHER = 450
N_HARD = 300
SHARES = (("train", 0.55), ("dev", 0.15), ("test", 0.30))

RAW = (("teddy_fj2_921", "fj2_full_subset921_messages_labeled.csv"),
       ("teddy_fj2_sample", "fj2_sample_messages_labeled.csv"),
       ("teddy_fj2_test2801", "fj2_official_testset2801_unlabeled_with_team_predictions.csv"))
SEGMENTED = ("teddy_fj2_seg9210", "fj2_full_segmented9210_labeled.csv")

FIRE = re.compile(r"消防|火灾|起火|着火|失火|火情|火患|火险|灭火|燃气|煤气|液化|天然气|气罐|钢瓶|加油站|加气站|充电|"
                  r"电动车|电瓶车|电动自行车|电线|线路老化|电路|爆炸|烟花|鞭炮|爆竹|易燃|逃生|安全通道|疏散|群租|"
                  r"焚烧|明火|火源|烟雾|浓烟|电气|焊|防火")
OTHER = re.compile(r"内涝|积水|暴雨|洪|防汛|山体|滑坡|塌方|地震|台风|冰冻|电梯|施工安全|安全生产|矿|化工|危化|"
                   r"危险品|有毒|应急|救援|急救|预警|溺水|避难|人防|防空")
WIDE = re.compile(r"火|烧|电线|插座|配电|变压器|煤|气瓶|液化|爆|烟|安全隐患")
FJ4 = ("teddy_fj4", "fj4_message_reply_pairs.csv")
HARD = re.compile(r"安全隐患|油烟|烧烤|火车|火锅|火爆|火葬|火化|红火|上火|护栏|窗户|栏杆|高空坠物|井盖|漏水|漏电")


def _read(path):
    import pandas as pd

    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def messages(data: Path):
    """Every 附件2 message not reserved and not repeated: (key, source, row_id, text)."""
    import pandas as pd
    from sklearn.feature_extraction.text import HashingVectorizer

    d = data / "teddy2020_c"
    rows = []
    for source, name in RAW:
        df = _read(d / name)
        for r in df.itertuples(index=False):
            rows.append((source, r.留言编号.strip(), f"{r.留言主题.strip()}\n{r.留言详情.strip()}"))
    raw = pd.DataFrame(rows, columns=["source", "row_id", "text"])
    raw = raw[~raw.text.str.partition("\n")[2].duplicated()]
    seg = _read(d / SEGMENTED[1])
    seg = pd.DataFrame({"source": SEGMENTED[0], "row_id": [str(i) for i in range(len(seg))],
                        "text": seg["tokens_stopwords_removed"].tolist()})
    fj3 = _read(d / "fj3_hot_issue_messages.csv")
    fj3_text = (fj3["留言主题"].str.strip() + "\n" + fj3["留言详情"].str.strip()).tolist()

    hv = HashingVectorizer(analyzer="char", ngram_range=(2, 2), n_features=2 ** 20, norm="l2",
                           alternate_sign=False, binary=True)
    R = hv.transform(raw.text)
    S = hv.transform(seg.text.str.replace(" ", "", regex=False))
    F = hv.transform(fj3_text)
    raw_near3 = (R @ F.T).max(axis=1).toarray().ravel() >= 0.7
    seg_near3 = (S @ F.T).max(axis=1).toarray().ravel() >= 0.7
    seg_dup = (S @ R.T).max(axis=1).toarray().ravel() >= 0.5  # the raw row is read instead
    print(f"raw {len(raw)}: {raw_near3.sum()} near 附件3 dropped; segmented {len(seg)}: "
          f"{seg_dup.sum()} duplicate a raw row, {(seg_near3 & ~seg_dup).sum()} near 附件3 dropped")
    out = pd.concat([raw[~raw_near3], seg[~seg_near3 & ~seg_dup]], ignore_index=True)
    out["key"] = out.source + ":" + out.row_id
    fj4 = _read(d / FJ4[1])
    fj4 = pd.DataFrame({"source": FJ4[0], "row_id": fj4["留言编号"].str.strip(),
                        "text": fj4["留言主题"].str.strip() + "\n" + fj4["留言详情"].str.strip()})
    fj4 = fj4[~fj4.text.duplicated()]
    M = hv.transform(fj4.text)
    fj4_near = ((M @ F.T).max(axis=1).toarray().ravel() >= 0.7) | ((M @ R.T).max(axis=1).toarray().ravel() >= 0.7)
    fj4 = fj4[~fj4_near]
    fj4["key"] = fj4.source + ":" + fj4.row_id
    print(f"附件4 {len(M.indptr) - 1}: {fj4_near.sum()} near a 附件3 or 附件2 message dropped")
    return pd.concat([out, fj4], ignore_index=True)


def draw(msgs, em_splits: dict, *, seed=SEED):
    rng = random.Random(seed)
    strata = {}
    order = list(msgs.key)
    text = dict(zip(msgs.key, msgs.text))
    order = [k for k in order if not k.startswith(FJ4[0] + ":")]  # first round: 附件2 only
    for k in order:
        strata[k] = "fire" if FIRE.search(text[k]) else None
    rest = [k for k in order if strata[k] is None]
    other = [k for k in rest if OTHER.search(text[k])]
    for k in rng.sample(other, min(N_OTHER, len(other))):
        strata[k] = "other"
    rest = [k for k in order if strata[k] is None]
    hard = [k for k in rest if HARD.search(text[k])]
    for k in rng.sample(hard, min(N_HARD, len(hard))):
        strata[k] = "hard"
    rest = [k for k in order if strata[k] is None]
    n_rand = max(0, TOTAL - sum(v is not None for v in strata.values()))
    for k in rng.sample(rest, min(n_rand, len(rest))):
        strata[k] = "random"
    chosen = [k for k in order if strata[k] is not None]
    # second round
    for k in msgs.key:
        if k in strata and strata[k] is not None:
            continue
        if k.startswith(FJ4[0] + ":"):
            if FIRE.search(text[k]):
                strata[k] = "fire_fj4"
                chosen.append(k)
        elif WIDE.search(text[k]):
            strata[k] = "wide"
            chosen.append(k)
    split_rng = random.Random(seed + 1)
    splits = {}
    for k in chosen:
        if k in em_splits:
            splits[k] = em_splits[k]
            continue
        u, acc = split_rng.random(), 0.0
        for name, share in SHARES:
            acc += share
            if u < acc:
                splits[k] = name
                break
        else:
            splits[k] = SHARES[-1][0]
    return [(k, strata[k], splits[k]) for k in chosen]


def main(argv=None):
    import pandas as pd

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--render", default=None, help="write the texts in reading batches to this folder (not the repo)")
    ap.add_argument("--batches", type=int, default=5)
    args = ap.parse_args(argv)
    msgs = messages(Path(args.data))
    em = pd.read_csv(ROOT / "corpora" / "em" / "labels.csv", dtype=str, keep_default_na=False)
    em = em[em.source.str.startswith("teddy_")]
    em_splits = dict(zip(em.source + ":" + em.row_id, em.split))
    rows = draw(msgs, em_splits)
    pool = pd.DataFrame(rows, columns=["key", "stratum", "split"])
    pool["round"] = [2 if s in ("wide", "fire_fj4") else 1 for s in pool.stratum]
    pool[["source", "row_id"]] = pool.key.str.split(":", n=1, expand=True)
    pool = pool[["source", "row_id", "round", "stratum", "split"]]
    pool.to_csv(HERE / "pool.csv", index=False)
    print(pool.groupby(["stratum", "split"]).size().unstack(fill_value=0))
    if args.render:
        out = Path(args.render).resolve()
        if ROOT in out.parents or out == ROOT:
            sys.exit("render the texts outside the repository: they are not ours to store")
        out.mkdir(parents=True, exist_ok=True)
        text = dict(zip(msgs.key, msgs.text))
        for rnd, prefix in ((1, "batch"), (2, "round2_batch")):
            part_of = pool[pool["round"] == rnd]
            keys = (part_of.source + ":" + part_of.row_id).tolist()
            random.Random(SEED + 1 + rnd).shuffle(keys)
            for b in range(args.batches):
                part = keys[b::args.batches]
                with open(out / f"{prefix}_{b + 1}.txt", "w", encoding="utf-8") as f:
                    for k in part:
                        f.write(f"=== {k}\n{text[k]}\n\n")
                print(f"{prefix}_{b + 1}.txt: {len(part)} messages")


if __name__ == "__main__":
    main()
