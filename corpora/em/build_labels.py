"""Build corpora/em/labels.csv: weak labels (rules.tsv + dataset metadata), manual labels
(manual.csv, which override), a seeded grouped stratified dev split.

Run from the repository root:  python corpora/em/build_labels.py [--data ../shared/data]
Writes only pointers and labels (source, row_id, start, end, group, topics, fire, method, split);
never the texts.
"""
from __future__ import annotations

import argparse
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from proposal_nlp.train_default import SOURCES, TOPICS, iter_units  # noqa: E402

SEED = 20240601
DEV_SHARE = 0.2
LONG = 800  # characters: above this a text needs repeated evidence

# safety context a generic term needs before it counts for these topics
CONTEXT = re.compile(r"安全|应急|灾|火|消防|预警|救援|风险|事故|隐患|险情|急救|自救|溺水|逃生|防汛|地震")
NEEDS_CONTEXT = {"smart_emergency", "grassroots_capacity", "public_education", "resilient_city"}

# law documents by title -> topics every on-topic article of the document carries (+ fire)
LAW_TITLE_TOPICS = [
    ("代表建议", (), False),
    ("石油地震勘探", (), False),
    ("消防救援衔", ("fire_safety", "emergency_rescue"), True),
    ("森林消防", ("fire_safety",), True),
    ("消防", ("fire_safety",), True),
    ("烟花爆竹", ("hazardous_chemicals",), True),
    ("危险化学品", ("hazardous_chemicals",), False),
    ("电动自行车", ("e_bikes",), False),
    ("生产安全事故应急", ("work_safety", "emergency_rescue"), False),
    ("电力安全事故应急", ("work_safety", "emergency_rescue"), False),
    ("铁路交通事故应急救援", ("emergency_rescue",), False),
    ("安全生产", ("work_safety",), False),
    ("煤矿安全", ("work_safety",), False),
    ("防汛", ("flood_disaster",), False),
    ("防震减灾", ("flood_disaster",), False),
    ("地震", ("flood_disaster",), False),
    ("突发事件应对", ("emergency_rescue",), False),
    ("应急保障", ("emergency_rescue",), False),
    ("核事故应急", ("emergency_rescue",), False),
]


def load_rules(path=HERE / "rules.tsv"):
    masks, pos = [], defaultdict(list)
    with open(path, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip() and not line.startswith("#")]
    for kind, label, weight, pattern, *_ in rows[1:]:
        if kind == "mask":
            masks.append(pattern)
        else:
            pos[label].append((int(weight), re.compile(pattern)))
    return re.compile("|".join(masks)), dict(pos)


MASK, POS = load_rules()


def evidence(text: str) -> dict:
    """label -> (strong hits, weak hits) after masking look-alike words."""
    t = MASK.sub(lambda m: "□" * len(m.group()), text)
    out = {}
    for label, pats in POS.items():
        strong = sum(len(p.findall(t)) for w, p in pats if w == 2)
        weak = sum(len(p.findall(t)) for w, p in pats if w == 1)
        out[label] = (strong, weak)
    return out


E_BIKE_MATTER = re.compile(r"充电|电池|头盔|牌照|上牌|登记|停放|车棚|进楼|入户|盗|禁摩|禁电|限行")


def rule_labels(text: str, title: str = "") -> tuple[set, bool]:
    ev = evidence(text)
    tev = evidence(title) if title else {}
    n = len(text)
    need = 1 if n <= LONG else max(2, round(n / 1500))
    topics = set()
    ctx = bool(CONTEXT.search(text))
    for label, (strong, weak) in ev.items():
        if label == "fire":
            continue
        title_hit = tev.get(label, (0, 0))[0] > 0
        if label in NEEDS_CONTEXT and not ctx:
            continue
        if label == "e_bikes" and not title_hit and strong < 2 and not E_BIKE_MATTER.search(text):
            continue  # an e-bike named in passing (a rider on a road) is not an e-bike matter
        if title_hit or strong >= need or (strong >= max(1, need - 1) and weak >= 2 * need):
            topics.add(label)
    fs, fw = ev["fire"]
    fire = bool(tev.get("fire", (0, 0))[0]) or fs >= need or (fs >= 1 and fw >= 2 and n <= LONG)
    return topics, fire


# gas regulations (燃气管理条例): by the labelling convention a gas-supply, gas-cylinder or
# gas-pipe hazard is work_safety + fire; their other articles (fees, licences) keep the rules' labels
GAS_LAW = "燃气"
GAS_HAZARD = re.compile(r"泄漏|泄露|爆炸|燃烧|火灾|明火|起火|消防|事故|隐患|抢险|抢修|气瓶|钢瓶|瓶装|安全(距离|间距|保护|检查)")


def law_title_labels(title: str):
    for key, topics, fire in LAW_TITLE_TOPICS:
        if key in title:
            return set(topics), fire
    return None


def weak_label(source: str, rec: dict) -> tuple[set, bool, str]:
    """(topics, fire, method) from rules and dataset metadata."""
    text, meta = rec["text"], rec["meta"]
    title = meta.get("title") or ""
    if source in ("law_articles", "law_subset"):
        topics, fire = rule_labels(text)
        if GAS_LAW in title:
            if GAS_HAZARD.search(text):
                topics.add("work_safety")
                fire = True
            return topics, fire, "weak"
        by_title = law_title_labels(title)
        if by_title is not None:
            t_topics, t_fire = by_title
            ev = evidence(text)
            # the document's topic holds for an article that itself speaks of the matter
            for t in t_topics:
                if sum(ev[t]) > 0:
                    topics.add(t)
            if t_fire and ev["fire"][0] > 0:
                fire = True
            if not t_topics:  # rules on deputies' suggestions etc.: out of scope
                topics, fire = set(), False
        return topics, fire, "weak"
    if source == "cec":
        topics, fire = rule_labels(text, title)
        cat = meta["category"]
        if cat == "fire":
            topics.add("fire_safety")
            fire = True
        elif cat == "earthquake":
            topics.add("flood_disaster")
            fire = fire and evidence(text)["fire"][0] >= 2
        else:  # traffic accidents, food poisoning, terror attacks: not the taxonomy's areas
            topics &= {"emergency_rescue", "hazardous_chemicals"}
            fire = evidence(text)["fire"][0] >= 2
        return topics, fire, "weak"
    if source.startswith("duee_"):
        topics, _ = rule_labels(text)
        types = meta["event_types"]
        fire = bool(meta["is_fire"])
        if fire:
            topics.add("fire_safety")
        if any(t.endswith(("地震", "洪灾")) for t in types):
            topics.add("flood_disaster")
        if not any(t.startswith("灾害/意外") for t in types):
            topics -= {"flood_disaster", "work_safety", "emergency_rescue", "fire_safety"}
        return topics, fire, "weak"
    if source == "hazmat":
        topics, fire = rule_labels(text, title)
        topics.add("hazardous_chemicals")
        fire = fire or bool(re.search(r"起火|爆炸|燃烧|爆燃|火灾", text))
        return topics, fire, "weak"
    if source == "jszx2019" and rec.get("start") is not None:  # a passage: judged on its own words
        title = ""
    if source.startswith("teddy_"):  # a message's subject line plays the title
        title = text.partition("\n")[0]
    return (*rule_labels(text, title), "rule")


HARD_NEG = re.compile(r"火车|火锅|火爆|火葬|火化|火热|红火|火箭|火速|上火|安全|排水|下水道|堵塞|污水|充电|电梯|施工|煤气|燃气|宣传|教育|平台|数据|社区|救助|应急")


def _reserved_teddy(root: Path):
    """Titles and bodies of the messages reserved for evaluation (附件3): never labelled."""
    import pandas as pd

    df = pd.read_csv(root / "teddy2020_c" / "fj3_hot_issue_messages.csv", dtype=str, keep_default_na=False)
    return set(df["留言主题"].str.strip()) | set(df["留言详情"].str.strip()), set(df["留言编号"].str.strip())


def candidates(root: Path):
    """Every annotation unit with its weak labels (texts stay in memory only)."""
    import pandas as pd

    reserved_text, reserved_ids = _reserved_teddy(root)
    rows, seen = [], set()
    for name in SOURCES:
        for rec in iter_units(name, root):
            text = rec["text"]
            if not text or not text.strip():
                continue
            if name.startswith("teddy_"):
                subject, _, body = text.partition("\n")
                if subject.strip() in reserved_text or body.strip() in reserved_text or rec["row_id"] in reserved_ids:
                    continue
                key = body.strip()[:200] or subject
                if key in seen:  # the same message in two Teddy files: keep the first
                    continue
                seen.add(key)
            topics, fire, method = weak_label(name, rec)
            start, end = rec.get("start"), rec.get("end")
            group = rec["group"] if rec["group"] is not None else f"{name}:{rec['row_id']}"
            rows.append({"source": name, "row_id": rec["row_id"], "start": "" if start is None else str(start),
                         "end": "" if end is None else str(end), "group": group, "text": text,
                         "title": rec["meta"].get("title") or "", "topics": sorted(topics), "fire": bool(fire),
                         "method": method})
    df = pd.DataFrame(rows)
    dup = df.duplicated(["source", "row_id", "start", "end"])
    return df[~dup].reset_index(drop=True)


def select(df, *, seed=SEED):
    """The labelled set: every positive where they are few, capped samples where they are many,
    and out-of-scope texts from every source (random and 'hard': look-alike words)."""
    rng = random.Random(seed)
    pos = df.topics.map(len).gt(0) | df.fire
    hard = df.text.str.contains(HARD_NEG)
    keep = set()

    def take(mask, n):
        idx = list(df.index[mask])
        rng.shuffle(idx)
        keep.update(idx[:n])

    teddy = df.source.str.startswith("teddy_")
    take(teddy & pos, 10_000)
    take(teddy & ~pos & hard, 450)
    take(teddy & ~pos & ~hard, 800)
    js = df.source.eq("jszx2019")
    whole = df.start.eq("")
    take(js & whole, 10_000)
    take(js & ~whole & pos, 10_000)
    take(js & ~whole & ~pos, 300)
    for src in ("cec", "hazmat", "govcn"):
        take(df.source.eq(src), 10_000)
    duee = df.source.str.startswith("duee_")
    take(duee & pos, 10_000)
    take(duee & ~pos & df.text.str.contains("火|爆|安全|救"), 150)
    take(duee & ~pos, 350)
    # law articles: the subset's documents (at most 14 articles each, positives first) ...
    sub = df.source.eq("law_subset")
    for _, g in df[sub].groupby("group"):
        p, n = list(g.index[pos[g.index]]), list(g.index[~pos[g.index]])
        rng.shuffle(p)
        rng.shuffle(n)
        keep.update(p[:10] + n[:4])
    rare = ("grassroots_capacity", "resilient_city", "smart_emergency")
    for t in rare:  # topics the citizen messages and proposals rarely carry
        take(sub & df.topics.map(lambda ts, t=t: t in ts), 40)
    # ... and other laws: on-topic articles of every topic, plus random articles
    law = df.source.eq("law_articles") & ~df.group.isin(set(df.loc[sub, "group"]))
    for t in TOPICS:
        take(law & df.topics.map(lambda ts, t=t: t in ts), 80 if t in rare else 50 if t in ("public_education", "e_bikes") else 25)
    take(law & df.fire & ~df.index.isin(keep), 25)
    take(law & ~pos & df.text.str.contains(HARD_NEG), 250)
    take(law & ~pos, 300)
    keep.update(select_gas_articles(df, seed=seed))
    return df.loc[sorted(keep)].reset_index(drop=True)


def select_gas_articles(df, *, seed=SEED, hazard=80, other=30) -> set:
    """Articles of the gas regulations (added after the first build, so drawn with their own
    random stream): the intake's gas-cylinder and gas-pipe hazards had almost no training
    examples. Returns row indices of ``df``."""
    rng = random.Random(seed + 1)
    gas = df.source.eq("law_articles") & df.title.str.contains(GAS_LAW)
    pos = df.fire.astype(bool)
    keep = set()
    for mask, n in ((gas & pos, hazard), (gas & ~pos, other)):
        idx = sorted(df.index[mask])
        rng.shuffle(idx)
        keep.update(idx[:n])
    return keep


def kappa(a, b) -> float:
    """Cohen's kappa of two binary sequences."""
    n = len(a)
    if n == 0:
        return float("nan")
    po = sum(x == y for x, y in zip(a, b)) / n
    pa, pb = sum(a) / n, sum(b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    return 1.0 if pe == 1 else (po - pe) / (1 - pe)


def agreement(cands, manual):
    """Weak labels against manual labels on the manually read units: per topic and fire."""
    import pandas as pd

    key = ["source", "row_id", "start", "end"]
    m = manual.merge(cands[key + ["topics", "fire"]], on=key, how="inner", suffixes=("_manual", "_weak"))
    rows = []
    for label in (*TOPICS, "fire"):
        if label == "fire":
            a = [bool(int(x)) for x in m["fire_manual"]]
            b = [bool(x) for x in m["fire_weak"]]
        else:
            a = [label in str(x).split("|") for x in m["topics_manual"]]
            b = [label in x for x in m["topics_weak"]]
        rows.append({"label": label, "n": len(a), "manual_pos": sum(a), "weak_pos": sum(b),
                     "agree": round(sum(x == y for x, y in zip(a, b)) / max(1, len(a)), 3),
                     "kappa": round(kappa(a, b), 3)})
    a_none = [str(x) == "" or str(x) == "nan" for x in m["topics_manual"]]
    b_none = [len(x) == 0 for x in m["topics_weak"]]
    rows.append({"label": "none", "n": len(a_none), "manual_pos": sum(a_none), "weak_pos": sum(b_none),
                 "agree": round(sum(x == y for x, y in zip(a_none, b_none)) / max(1, len(a_none)), 3),
                 "kappa": round(kappa(a_none, b_none), 3)})
    return pd.DataFrame(rows)


def assign_split(df, *, seed=SEED, share=DEV_SHARE, previous=None):
    """Dev split by document group, stratified by (fire, first topic or none, source family).

    ``previous`` (group -> split) keeps the split of groups already assigned, so that
    correcting labels or rules never moves a document between train and dev."""
    rng = random.Random(seed)
    previous = previous or {}
    if previous:
        known = df.group.isin(previous)
        out = df.group.map(previous)
        if (~known).any():
            out[~known] = assign_split(df[~known], seed=seed, share=share)
        return out
    fam = df.source.str.replace(r"_.*", "", regex=True)
    first = df.topics.map(lambda ts: ts[0] if ts else "none")
    stratum_of_row = fam + "/" + first + "/" + df.fire.map(int).astype(str)
    # a group's stratum: its most frequent row stratum (ties broken by name)
    g_stratum = stratum_of_row.groupby(df.group).agg(lambda s: sorted(Counter(s).items(), key=lambda kv: (-kv[1], kv[0]))[0][0])
    dev_groups = set()
    for _, groups in sorted(g_stratum.groupby(g_stratum).groups.items()):
        groups = sorted(groups)
        rng.shuffle(groups)
        sizes = df.group.value_counts()
        total = sum(sizes[g] for g in groups)
        taken = 0
        for g in groups:
            if taken >= share * total:
                break
            if taken + sizes[g] > share * total * 1.5 and taken > 0:
                continue
            dev_groups.add(g)
            taken += sizes[g]
    return df.group.isin(dev_groups).map({True: "dev", False: "train"})


def build(root: Path, *, out=HERE / "labels.csv", manual_path=HERE / "manual.csv"):
    import pandas as pd

    cands = candidates(root)
    manual = pd.read_csv(manual_path, dtype=str, keep_default_na=False)
    key = ["source", "row_id", "start", "end"]
    old = pd.read_csv(out, dtype=str, keep_default_na=False) if out.exists() else None
    if old is None:  # first build: sample the units
        sel = select(cands)
    else:  # later builds keep the same units (labels and rules may change, the set does not)
        sel = cands.merge(old[key], on=key)
        sel = pd.concat([sel, cands.loc[sorted(select_gas_articles(cands))]])
    # manual labels override weak ones (and manually read units always enter the set)
    sel = pd.concat([sel, cands.merge(manual[key], on=key)]).drop_duplicates(key).reset_index(drop=True)
    man = manual.set_index(key)
    for i, r in sel.iterrows():
        k = (r.source, r.row_id, r.start, r.end)
        if k in man.index:
            m = man.loc[k]
            sel.at[i, "topics"] = sorted(t for t in m["topics"].split("|") if t)
            sel.at[i, "fire"] = m["fire"] == "1"
            sel.at[i, "method"] = "manual"
    previous = {} if old is None else dict(zip(old["group"], old["split"]))
    sel["split"] = assign_split(sel, previous=previous)
    outdf = pd.DataFrame({
        "source": sel.source, "row_id": sel.row_id, "start": sel.start, "end": sel.end, "group": sel.group,
        "topics": sel.topics.map("|".join), "fire": sel.fire.map(int), "method": sel.method, "split": sel.split,
    }).sort_values(["source", "row_id", "start"], key=lambda s: s.map(str)).reset_index(drop=True)
    outdf.to_csv(out, index=False, lineterminator="\n")
    return outdf, cands, manual


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    args = ap.parse_args(argv)
    labels, cands, manual = build(Path(args.data))
    print(f"wrote {len(labels)} rows to {HERE / 'labels.csv'}")
    print(labels.groupby(["source", "split"]).size().unstack(fill_value=0).to_string())
    print(agreement(cands, manual).to_string(index=False))


if __name__ == "__main__":
    main()
