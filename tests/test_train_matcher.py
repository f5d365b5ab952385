"""proposal_nlp.train_matcher: the team's ask → clause pairs (pointers only), their clause sets,
the figures, and that the shipped model never saw the test split."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from proposal_nlp.resources import data_dir
from proposal_nlp.train_matcher import PAIRS_RELPATH, load_clause_sets, load_pairs, matching_figures

ROOT = Path(__file__).resolve().parent.parent
PAIRS = ROOT / PAIRS_RELPATH
needs_data = pytest.mark.skipif(data_dir() is None, reason="shared data folder (../shared/data) not present")


def test_pairs_file_holds_pointers_not_texts():
    df = pd.read_csv(PAIRS / "pairs.csv", dtype=str, keep_default_na=False)
    assert len(df) >= 400
    assert set(df["split"]) == {"train", "dev", "test"}
    assert set(df["verdict"]) <= {"covered", "partial", "none"}
    assert ((df["verdict"] == "none") == (df["gold_clause_ids"] == "")).all()
    assert df["ask_row_id"].str.len().max() < 80 and "text" not in df.columns
    assert not df["ask_source"].str.contains("fj3").any()  # 附件3 is reserved for evaluation
    # split by document: no document in two splits
    doc = df["ask_source"] + ":" + df["ask_row_id"]
    assert (df.groupby(doc)["split"].nunique() == 1).all()


@needs_data
def test_pairs_resolve_and_clause_sets_build():
    pairs = load_pairs()
    assert pairs["text"].str.len().gt(0).all() and pairs["gold"].map(len).eq(
        pairs["gold_clause_ids"].map(lambda g: len([x for x in g.split("|") if x]))).all()
    sets = load_clause_sets()
    spec = json.loads((PAIRS / "clause_sets.json").read_text(encoding="utf-8"))
    for name, s in spec.items():
        assert len(sets[name]) == s["clauses"], name
        ids = {c.clause_id for c in sets[name]}
        gold = {g for gs in pairs.loc[pairs["clause_set"] == name, "gold"] for g in gs}
        assert gold <= ids, (name, sorted(gold - ids)[:5])


def test_matching_figures():
    pairs = pd.DataFrame({"pair_id": ["a", "b", "c", "d"], "gold": [("x",), ("y", "z"), (), ()],
                          "offtopic": [False, False, False, True]})
    rows = [("a", 1, "x", "covered", 0.9), ("a", 2, "y", "covered", 0.9),
            ("b", 1, "x", "partial", 0.6), ("b", 2, "z", "partial", 0.6),
            ("c", 1, "x", "uncovered", 0.1), ("d", 1, "x", "covered", 0.8)]
    matches = pd.DataFrame(rows, columns=["query_id", "rank", "clause_id", "coverage", "p_covered"])
    f = matching_figures(pairs, matches)
    assert f["asks_p1"] == 0.5 and f["asks_r3"] == 1.0
    assert f["offtopic_covered"] == 1.0 and f["answered_uncovered"] == 0.0
    assert f["unanswered_found"] == 0.5 and f["uncovered_f1"] == pytest.approx(2 / 3, abs=1e-4)


def test_shipped_model_was_trained_without_the_test_split():
    card = json.loads((ROOT / "proposal_nlp" / "data" / "models" / "mr-v1.card.json").read_text(encoding="utf-8"))
    df = pd.read_csv(PAIRS / "pairs.csv", dtype=str, keep_default_na=False)
    assert card["data"]["train_pairs"] == int((df["split"] == "train").sum())
    assert card["data"]["test_pairs_unused"] == int((df["split"] == "test").sum())
    assert set(card["metrics"]) == {"train", "dev"}
    assert card["n_queries"] == card["data"]["train_pairs"]
    assert np.isfinite(card["thresholds"]).all()
