"""proposal_nlp.rerank: gold parsing, query features from pair scores, thresholds, training the
reranker and the coverage model, and the shipped match model (hash, audit, card predictions)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from proposal_nlp.errors import InputError, ModelError, ResourceError
from proposal_nlp.persist import FILE_HASH_KEY, file_sha256
from proposal_nlp.rerank import (PAIR_FEATURES, QUERY_FEATURES, STATIC_QUERY_FEATURES, MatchModel, calibrate_thresholds,
                                 choose_thresholds, gold_sets, load_match_model, match_model_path, order_candidates,
                                 query_matrix, save_match_model, train_match_model)

ROOT = Path(__file__).resolve().parents[1]
MEASURES = ROOT / "corpora" / "pairs" / "measures_plain.csv"


@pytest.mark.parametrize("given, want", [
    (None, set()), ("", set()), (float("nan"), set()), ("第十六条", {"第十六条"}),
    ("第十六条|第五十三条", {"第十六条", "第五十三条"}), (["M01", None, " "], {"M01"}), (("a", "b"), {"a", "b"}),
])
def test_gold_sets(given, want):
    assert gold_sets([given]) == [frozenset(want)]


def test_order_and_query_matrix():
    qi = np.array([0, 0, 0, 2, 2])
    scores = np.array([0.2, 0.9, 0.9, 0.4, 0.1])
    lex = np.array([0.0, 0.1, 0.3, 0.0, 0.0])
    assert order_candidates(qi, scores, lex).tolist() == [2, 1, 0, 3, 4]  # ties broken by the lexical score
    pairs = {"soft_q": np.array([0.1, 0.5, 0.3, 0.2, 0.9]), "bm25": np.arange(5.0), "tfidf": np.zeros(5),
             "char": np.zeros(5), "expand": np.zeros(5)}
    static = {k: np.array([1.0, 2.0, 3.0]) for k in STATIC_QUERY_FEATURES}
    X, top = query_matrix(qi, scores, pairs, static, QUERY_FEATURES, 3, lex)
    col = {k: i for i, k in enumerate(QUERY_FEATURES)}
    assert top.tolist() == [2, -1, 3]
    assert X[0, col["top_score"]] == 0.9 and X[0, col["top_gap"]] == 0.0
    assert X[2, col["top_gap"]] == pytest.approx(0.3) and X[0, col["max_soft_q"]] == 0.5
    assert X[0, col["top_bm25"]] == 2.0 and X[2, col["top_soft_q"]] == 0.2
    assert X[1, col["top_score"]] == 0.0 and X[1, col["known"]] == 2.0  # a query without candidates


def test_thresholds():
    p = np.r_[np.linspace(0, 0.3, 30), np.linspace(0.5, 1, 30)]
    answered = np.r_[np.zeros(30, bool), np.ones(30, bool)]
    covered, partial = choose_thresholds(p, answered)
    assert 0.3 < partial <= 0.5 and covered >= partial
    assert choose_thresholds(p, answered, partial=0.2)[1] == 0.2
    assert calibrate_thresholds([0.5, 0.4, 0.1], [True, True, False], min_precision=0.9)[1] > 0.1


def _frames(seed=0, n=40, k=5):
    rng = np.random.default_rng(seed)
    rows, qs = [], []
    for q in range(n):
        answered = q % 3 != 0
        gold = rng.integers(k) if answered else -1
        for j in range(k):
            f = {c: rng.normal() for c in PAIR_FEATURES}
            f["soft_q"] = rng.random() + (1.5 if j == gold else 0.0)
            f["bm25"] = rng.random() + (1.0 if j == gold else 0.0)
            rows.append({"qid": f"q{q}", "clause_id": f"c{j}", "lex": -j, "label": int(j == gold), **f})
        qs.append({"qid": f"q{q}", "answered": answered, "covered": answered, "known": 1.0, "with_vector": 1.0,
                   "query_len": 2.0, "domain_overlap": 0.5 if answered else 0.05, "ask_topic": 0.5})
    return pd.DataFrame(rows), pd.DataFrame(qs)


def test_training_and_round_trip(tmp_path):
    pairs, queries = _frames()
    model = train_match_model(pairs, queries, dev=_frames(1), card={"name": "test"})
    assert isinstance(model, MatchModel) and model.thresholds[0] >= model.thresholds[1]
    assert model.card["thresholds_chosen_on"].startswith("dev split")
    path = save_match_model(model, tmp_path / "m.skops")
    card = json.loads(path.with_suffix(".card.json").read_text(encoding="utf-8"))
    assert card[FILE_HASH_KEY] == file_sha256(path) and card["name"] == "test"
    back = load_match_model(path)
    X = pairs[list(PAIR_FEATURES)].to_numpy(float)
    np.testing.assert_allclose(back.reranker.predict_proba(X), model.reranker.predict_proba(X))
    # a changed file is refused
    bad = tmp_path / "bad.skops"
    save_match_model(model, bad)
    data = bytearray(bad.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="PN474"):
        load_match_model(bad)
    with pytest.raises(ModelError, match="PN473"):
        save_match_model(model, tmp_path / "m.pkl")
    with pytest.raises(ResourceError, match="PN472"):
        match_model_path("mr-none")


def test_training_refuses_one_sided_or_incomplete_frames():
    pairs, queries = _frames()
    with pytest.raises(InputError, match="PN470"):
        train_match_model(pairs.drop(columns=["soft_q"]), queries)
    with pytest.raises(InputError, match="PN471"):
        train_match_model(pairs.assign(label=0), queries)
    with pytest.raises(InputError, match="PN470"):
        train_match_model(pairs, queries, dense=True)


def test_shipped_model_is_audited_and_predicts_as_its_card_says():
    import skops.io as sio

    from proposal_nlp.match import ClauseMatcher
    from proposal_nlp.policy import load_clauses

    path = match_model_path("default")
    assert sio.get_untrusted_types(file=path) == []
    model = load_match_model("default")
    card = model.card
    assert card[FILE_HASH_KEY] == file_sha256(path)
    for key in ("seed", "training_command", "data", "thresholds", "metrics", "reranker_coef", "coverage_coef"):
        assert key in card, key
    assert card["data"]["test_pairs_unused"] > 0 and card["thresholds_chosen_on"].startswith("dev split")
    samples = card["sample_predictions"]
    res = ClauseMatcher().fit(load_clauses(MEASURES)).match([s["ask"] for s in samples], top_k=1, evidence=False)
    assert res["clause_id"].tolist() == [s["clause_id"] for s in samples]
    np.testing.assert_allclose(res["p_covered"], [s["p_covered"] for s in samples], atol=1e-3)
