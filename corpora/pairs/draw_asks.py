"""Draw the asks that people read against four clause sets, and render the reading batches.

Run from the repository root:  python corpora/pairs/draw_asks.py OUT_DIR   (OUT_DIR outside the repo)

Asks (seed 20261205; the documents' split by a hash of the document id: 50 / 20 / 30 % train /
dev / test):
- citizen messages of the intake set (corpora/intake) read as fire-relevant: the sentence holding
  the reader's fire evidence; other messages with a topic: the asks ``extract_suggestions`` finds,
  else the subject line of a raw message;
- Jiangsu 2019 proposals (never the three reserved ones): the asks ``extract_suggestions`` finds;
  a proposal whose em-set label has no topic gives the off-topic asks.
Clause sets: the national fire law and Shanghai's fire regulation (articles, ``parse_policy``), the
seed's 15-item framework, and the team's plain-words measure list (``measures_plain.csv``).
Pairs: 130 fire asks against both fire texts; 170 other emergency asks and 40 of the fire asks
against the framework and the measure list; 220 off-topic asks, half against each of those two.
Writes OUT_DIR/pool.csv (ids and offsets), one reading batch per clause set and the second-reading
batches (76 pairs drawn at random).
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

DATA = ROOT.parent / "shared" / "data"
SEED = ROOT.parent / "shared" / "seeds" / "000_58b9e089a002dfe6.txt"
RESERVED = {"789ba86407344967998789872429f490", "07ca0a82646e47d6b9e4d0457e95273d", "b63563624c334a35b058c68dc6aace65"}
SENT = re.compile(r"[。！？!?；;\n]")
LAWS = {"law_fire_national": "中华人民共和国消防法", "reg_fire_shanghai": "上海市消防条例"}


def split_of(doc: str) -> str:
    h = int(hashlib.sha1(doc.encode()).hexdigest(), 16) % 100
    return "train" if h < 50 else "dev" if h < 70 else "test"


def sentence_around(text: str, a: int, b: int, cap: int = 220) -> tuple[int, int]:
    s = a
    while s > 0 and not SENT.match(text[s - 1]) and a - s < cap:
        s -= 1
    e = b
    while e < len(text) and not SENT.match(text[e]) and e - b < cap:
        e += 1
    if e < len(text):
        e += 1
    while s < e and text[s].isspace():
        s += 1
    return s, e


def clause_sets() -> dict:
    import pandas as pd

    from proposal_nlp import parse_policy

    sets = {}
    for line in open(DATA / "lawrefbook_laws" / "laws_emergency_fire_safety_subset.jsonl", encoding="utf-8"):
        r = json.loads(line)
        for name, title in LAWS.items():
            if r["title"] == title:
                sets[name] = [(c.clause_id, c.group, c.text) for c in parse_policy(r["text"], doc_id=title)]
    sets["framework_seed"] = [(c.clause_id, c.group, c.text) for c in parse_policy(SEED.read_text(encoding="utf-8"))]
    m = pd.read_csv(HERE / "measures_plain.csv", dtype=str)
    sets["measures_plain"] = list(zip(m.clause_id, m.group, m.text))
    return sets


def asks():
    import pandas as pd

    from proposal_nlp import extract_suggestions
    from proposal_nlp.train_default import load_em_dataset

    d = load_em_dataset(None, written=False)
    out = []
    for r in d[d.method == "intake"].itertuples():
        doc = f"{r.source}:{r.row_id}"
        base = dict(ask_source=r.source, ask_row_id=r.row_id, doc=doc, kind="message", topics="|".join(r.topics))
        if r.fire and r.evidence_start is not None and r.evidence_start == r.evidence_start:
            a, b = sentence_around(r.text, int(r.evidence_start), int(r.evidence_end))
            out.append({**base, "ask_start": a, "ask_end": b, "fire": True, "text": r.text[a:b]})
        elif r.topics:
            found = extract_suggestions(r.text)[:2]
            for s in found:
                out.append({**base, "ask_start": s.start, "ask_end": s.end, "fire": False, "text": r.text[s.start:s.end]})
            if not found and r.source != "teddy_fj2_seg9210" and "\n" in r.text:
                e = r.text.index("\n")  # the subject line of a raw message states its ask
                out.append({**base, "ask_start": 0, "ask_end": e, "fire": False, "text": r.text[:e]})
    js = d[(d.source == "jszx2019") & (d.start == "")]
    for r in js.itertuples():
        if r.row_id in RESERVED:
            continue
        for s in extract_suggestions(r.text):
            out.append(dict(ask_source="jszx2019", ask_row_id=r.row_id, ask_start=s.start, ask_end=s.end,
                            doc=f"jszx2019:{r.row_id}", kind="proposal_em" if r.topics else "proposal_off",
                            fire=bool(r.fire), topics="|".join(r.topics), text=r.text[s.start:s.end]))
    A = pd.DataFrame(out)
    A = A[A.text.str.len() >= 8]
    A["split"] = A.doc.map(split_of)
    return A


def draw(A):
    import pandas as pd

    fire = A[A.fire].sample(frac=1, random_state=1)
    fire = pd.concat([fire[fire.kind == "message"].head(100), fire[fire.kind != "message"].head(30)])
    em = A[(~A.fire) & (A.kind != "proposal_off")].sample(frac=1, random_state=2)
    em = pd.concat([em[em.kind == "proposal_em"].head(90), em[em.kind == "message"].head(80)])
    off = A[A.kind == "proposal_off"].groupby("doc").head(2).sample(n=220, random_state=3)
    rows = []
    for _, r in fire.iterrows():
        for cs in LAWS:
            rows.append({**r.to_dict(), "clause_set": cs, "offtopic": False})
    for _, r in pd.concat([em, fire.sample(n=40, random_state=4)]).iterrows():
        for cs in ("framework_seed", "measures_plain"):
            rows.append({**r.to_dict(), "clause_set": cs, "offtopic": False})
    for i, (_, r) in enumerate(off.iterrows()):
        rows.append({**r.to_dict(), "clause_set": "framework_seed" if i % 2 == 0 else "measures_plain", "offtopic": True})
    P = pd.DataFrame(rows)
    P["ask_id"] = P.ask_source + ":" + P.ask_row_id + ":" + P.ask_start.astype(str) + "-" + P.ask_end.astype(str)
    P = P.sample(frac=1, random_state=5).reset_index(drop=True)
    P["pair_id"] = P.clause_set + "#" + P.ask_id
    return P.rename(columns={"kind": "ask_kind"})


def render(P, out: Path) -> None:
    from proposal_nlp.train_default import iter_source

    sets = clause_sets()
    heads = {}
    for src in set(P.ask_source):
        for rec in iter_source(src, DATA):
            t = rec["text"]
            heads[(src, rec["row_id"])] = t[:50] if src == "teddy_fj2_seg9210" else t.split("\n", 1)[0][:60]
    reread = set(P.pair_id.sample(n=76, random_state=6))

    def write(path, name, rows):
        with open(path, "w", encoding="utf-8") as f:
            f.write(f"##### CLAUSE SET {name}: every clause, id | group | text\n")
            for cid, g, t in sets[name]:
                f.write(f"[{cid}] ({g}) {t}\n")
            f.write("\n##### ASKS\n")
            for r in rows.itertuples():
                f.write(f"=== {r.pair_id}\nfrom: {heads[(r.ask_source, r.ask_row_id)]}\nASK: {r.text}\n\n")

    for name in sets:
        sub = P[P.clause_set == name]
        write(out / f"batch_{name}.txt", name, sub)
        write(out / f"reread_{name}.txt", name, sub[sub.pair_id.isin(reread)])


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.exit(__doc__)
    out = Path(args[0]).resolve()
    if ROOT in out.parents or out == ROOT:
        sys.exit("render the texts outside the repository: they are not ours to store")
    out.mkdir(parents=True, exist_ok=True)
    P = draw(asks())
    P[["pair_id", "ask_source", "ask_row_id", "ask_start", "ask_end", "ask_kind", "clause_set", "offtopic",
       "split"]].to_csv(out / "pool.csv", index=False)
    render(P, out)
    print(P.groupby(["clause_set", "offtopic"]).size())


if __name__ == "__main__":
    main()
