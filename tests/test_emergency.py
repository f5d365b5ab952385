"""proposal_nlp.emergency: EmergencyClassifier's frame, thresholds, fire passages and fire-topic blend."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from proposal_nlp.classify import TextClassifier
from proposal_nlp.emergency import EmergencyClassifier
from proposal_nlp.errors import ModelError
from proposal_nlp.resources import TOPIC_IDS
from shared_data import BAD, SMALL, X, Y


@pytest.fixture(scope="module")
def emergency(multilabel):
    fire = TextClassifier(**SMALL).fit(X, [y == "fire" for y in Y])
    return EmergencyClassifier(multilabel, fire)


def test_emergency_predict_frame(emergency):
    frame = emergency.predict_frame(["电动自行车楼道充电起火", "学校收费太高"] + BAD)
    assert list(frame.columns) == (["topics", "fire_relevant", "fire_score", "fire_evidence", "fire_evidence_start",
                                    "fire_evidence_end"] + [f"score_{t}" for t in TOPIC_IDS])
    assert len(frame) == 2 + len(BAD)
    assert frame["fire_relevant"].dtype == bool
    assert frame["fire_relevant"][0] and "fire_safety" in frame["topics"][0]
    assert frame["topics"][1] == [] and not frame["fire_relevant"][1]
    for i in (2, 3, 6, 7, 9):  # empty, whitespace, None, NaN, NA
        assert frame["topics"][i] == [] and not frame["fire_relevant"][i]
        assert frame["fire_score"][i] == 0.0
    assert frame["fire_score"].between(0, 1).all()
    assert frame["score_flood_disaster"].eq(0).all()  # never trained on: no score
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        emergency.predict_frame(["学校", 3.5j])


def test_emergency_thresholds(emergency):
    strict = EmergencyClassifier(emergency.topics, emergency.fire, fire_threshold=1.0,
                                 topic_thresholds={t: 1.0 for t in TOPIC_IDS})
    frame = strict.predict_frame(["电动自行车楼道充电起火"])
    assert frame["topics"][0] == [] and not frame["fire_relevant"][0]


def test_emergency_refuses_wrong_models(fitted, multilabel):
    from proposal_nlp.errors import ModelError

    with pytest.raises(ModelError, match="multilabel"):
        EmergencyClassifier(fitted, fitted)
    with pytest.raises(ModelError, match="binary"):
        EmergencyClassifier(multilabel, fitted)


def test_emergency_fire_passages(emergency):
    long = "学校收费太高，孩子上学难，幼儿园学位不足，教师编制不足。" * 12 + "楼道电动车充电起火。"
    texts = [long, "电动自行车楼道充电起火", "学校收费太高" * 80, "", None]
    plain = emergency.predict_frame(texts)
    on = EmergencyClassifier(emergency.topics, emergency.fire, fire_passages=True, passage_chars=40,
                             passage_min_chars=100)
    frame = on.predict_frame(texts)
    assert frame["fire_score"][0] > plain["fire_score"][0]  # the passage with the fire counts
    assert frame["fire_score"][1] == plain["fire_score"][1]  # short texts: the whole text only
    assert (frame["fire_score"] >= plain["fire_score"] - 1e-12).all()
    for t in TOPIC_IDS:  # topics are scored on the whole text either way
        np.testing.assert_allclose(frame[f"score_{t}"], plain[f"score_{t}"], atol=1e-9)
    assert frame["fire_score"][3] == 0.0 and frame["fire_score"][4] == 0.0
    # the same scores in any batch: one text alone or among others
    alone = on.predict_frame([long])
    assert alone["fire_score"][0] == pytest.approx(frame["fire_score"][0], abs=1e-9)
    with pytest.raises(ModelError, match="passage_chars"):
        EmergencyClassifier(emergency.topics, emergency.fire, passage_chars=0)


def test_emergency_fire_passages_with_other_fire_features(emergency):
    from proposal_nlp.features import decision_tokens, passage_tokens

    fire = TextClassifier(char_ngram_range=(2, 3), **SMALL).fit(X, [y == "fire" for y in Y])
    clf = EmergencyClassifier(emergency.topics, fire, fire_passages=True, passage_chars=40, passage_min_chars=100)
    long = "学校收费太高，孩子上学难，幼儿园学位不足，教师编制不足。" * 12 + "楼道电动车充电起火。"
    frame = clf.predict_frame([long, "学校收费太高", None])
    _, passages = passage_tokens(long, fire._segmenter(), passage_chars=40, **fire._feature_kw())
    best = max(fire.predict_proba([long])[0, 1],
               fire._proba_from_decision(decision_tokens(fire.pipeline_, passages))[:, 1].max())
    assert frame["fire_score"][0] == pytest.approx(best, abs=1e-9)
    assert frame["fire_score"][1] == pytest.approx(fire.predict_proba(["学校收费太高"])[0, 1], abs=1e-9)
    assert frame["fire_score"][2] == 0.0


def test_prediction_restores_the_garbage_collector_state(emergency):
    import gc

    assert gc.isenabled()
    emergency.predict_frame(["楼道里电动车充电起火", None, ""])
    assert gc.isenabled()
    with pytest.raises(TypeError, match="texts\\[1\\]"):
        emergency.predict_frame(["楼道里电动车充电起火", 3])
    assert gc.isenabled()  # restored on the error path too
    gc.disable()
    try:
        emergency.topics.predict(["消防通道被堵"])
        assert not gc.isenabled()  # a caller's choice is left as it was
    finally:
        gc.enable()


def test_emergency_passages_with_single_characters():
    topics = TextClassifier(multilabel=True, char_ngram_range=(1, 2), **SMALL).fit(
        X, [["fire_safety"] if y == "fire" else [] for y in Y])
    fire = TextClassifier(char_ngram_range=(1, 2), **SMALL).fit(X, [y == "fire" for y in Y])
    long = "学校收费太高，孩子上学难，幼儿园学位不足，教师编制不足。" * 12 + "楼道电动车充电起火。"
    texts = [long, "电动自行车楼道充电起火", "", None]
    on = EmergencyClassifier(topics, fire, fire_passages=True, passage_chars=40, passage_min_chars=100)
    frame = on.predict_frame(texts)
    # topics read the whole text: counted from the passages, the same as from the text
    np.testing.assert_allclose(frame["score_fire_safety"][:2], topics.predict_proba(texts[:2])[:, 0], atol=1e-12)
    assert frame["fire_score"][0] >= fire.predict_proba([long])[0, 1] - 1e-12
    assert frame["fire_score"][1] == pytest.approx(fire.predict_proba([texts[1]])[0, 1], abs=1e-12)
    assert frame["fire_score"][2] == 0.0 and frame["fire_score"][3] == 0.0


def test_fire_score_blends_the_fire_safety_topic():
    topics = TextClassifier(multilabel=True, **SMALL).fit(X, [["fire_safety"] if y == "fire" else [] for y in Y])
    fire = TextClassifier(**SMALL).fit(X, [y == "fire" for y in Y])
    texts = ["电动自行车楼道充电起火", "学校收费太高", "", None, "学校收费太高，孩子上学难。" * 30 + "楼道电动车充电起火。"]
    plain = EmergencyClassifier(topics, fire, fire_passages=True, passage_chars=40, passage_min_chars=100)
    base = plain.predict_frame(texts)
    for w in (0.0, 0.5, 1.0):
        blend = EmergencyClassifier(topics, fire, fire_passages=True, passage_chars=40, passage_min_chars=100,
                                    fire_topic_weight=w, fire_threshold=0.5).predict_frame(texts)
        want = (1 - w) * base["fire_score"] + w * base["score_fire_safety"]
        np.testing.assert_allclose(blend["fire_score"], want, atol=1e-12)
        assert (blend["fire_relevant"] == (want >= 0.5)).all()
        assert blend["fire_score"].between(0, 1).all()
        assert blend["fire_score"][2] == 0.0 and blend["fire_score"][3] == 0.0
        pd.testing.assert_series_equal(blend["score_fire_safety"], base["score_fire_safety"])
    with pytest.raises(ModelError, match="fire_topic_weight"):
        EmergencyClassifier(topics, fire, fire_topic_weight=1.5)
    no_fire_topic = TextClassifier(multilabel=True, **SMALL).fit(X, [["e_bikes"] if y == "fire" else [] for y in Y])
    with pytest.raises(ModelError, match="fire_safety"):
        EmergencyClassifier(no_fire_topic, fire, fire_topic_weight=0.5)


# ---------------------------------------------------------------------- concerns and evidence
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from proposal_nlp.emergency import FIRE_TOPICS, concern_spans  # noqa: E402
from proposal_nlp.normalize import replace_unencodable  # noqa: E402

_PIECES = st.sampled_from(["消防通道被堵", "。", "！", "\n", " ", "小区 电梯 故障 ", "，", "火", "a", "１２３", "”", "\t"])


@given(st.lists(_PIECES, max_size=60).map("".join), st.integers(1, 200))
@settings(max_examples=200, deadline=None)
def test_concern_spans_lie_inside_the_text_in_order(text, size):
    spans = concern_spans(text, size)
    last = 0
    for a, b in spans:
        assert last <= a < b <= len(text)
        assert not text[a].isspace() and not text[b - 1].isspace()
        last = b
    # every visible character belongs to a concern
    covered = {i for a, b in spans for i in range(a, b)}
    assert all(i in covered for i, c in enumerate(text) if not c.isspace())


def test_concern_spans_cut_a_run_without_sentence_ends():
    run = " ".join(["消防", "通道", "堵塞"] * 200)
    spans = concern_spans(run, 150)
    assert len(spans) > 3 and all(b - a <= 300 for a, b in spans)
    assert concern_spans("", 150) == [] and concern_spans("   \n ", 150) == []


def _evidence_ok(frame, texts):
    for t, fire, ev, a, b in zip(texts, frame["fire_relevant"], frame["fire_evidence"],
                                 frame["fire_evidence_start"], frame["fire_evidence_end"]):
        if fire:
            assert 0 <= a < b <= len(t) and replace_unencodable(t[a:b])[0] == ev and ev.strip()
        else:
            assert ev == "" and pd.isna(a) and pd.isna(b)


def test_fire_evidence_is_the_fire_concern_of_a_long_message(emergency):
    long = ("小区物业费连年上涨，服务却没有改善。" * 8 + "楼道里电动自行车充电起火，消防通道被杂物堵死。"
            + "门口道路早晚高峰拥堵严重，希望增加信号灯。" * 8)
    texts = [long, "电动自行车楼道充电起火", "学校收费太高"]
    frame = EmergencyClassifier(emergency.topics, emergency.fire, fire_passages=True, fire_whole=False,
                                fire_threshold=0.3).predict_frame(texts)
    _evidence_ok(frame, texts)
    assert frame["fire_relevant"][0]
    assert "起火" in frame["fire_evidence"][0] and len(frame["fire_evidence"][0]) < 60


def test_fire_evidence_on_bad_input(emergency):
    texts = ["", "   ", "12345", "電動自行車樓道充電起火，消防通道堵塞", "消防 通道 堵塞 电动车 充电 " * 3000,
             "火" * 100_000, "\ud800消防通道堵塞", "。。。！！！"]
    clf = EmergencyClassifier(emergency.topics, emergency.fire, fire_passages=True, fire_whole=False, fire_threshold=0.2)
    frame = clf.predict_frame(texts)
    assert len(frame) == len(texts)
    _evidence_ok(frame, texts)


def test_topics_and_fire_flag_agree_by_construction(emergency):
    texts = ["电动自行车楼道充电起火", "学校收费太高", "消防通道堵塞", "燃气泄漏爆炸", "暴雨内涝"] * 3
    for thr in (0.0, 0.5, 1.0):
        frame = EmergencyClassifier(emergency.topics, emergency.fire, fire_threshold=thr,
                                    topic_thresholds={t: 1 - thr for t in TOPIC_IDS}).predict_frame(texts)
        for topics, fire in zip(frame["topics"], frame["fire_relevant"]):
            if fire:
                assert set(topics) & set(FIRE_TOPICS)
            assert "fire_safety" not in topics or fire


def test_fire_experts_blend_by_register(emergency):
    """fire_score = r * fire_intake + (1 - r) * fire, r the register probability of the text."""
    other = TextClassifier(**SMALL).fit(X, [y in ("fire", "traffic") for y in Y])
    register = TextClassifier(**SMALL).fit(X, [y != "edu" for y in Y])
    texts = ["电动自行车楼道充电起火", "学校收费太高", "道路拥堵", ""]
    base = EmergencyClassifier(emergency.topics, emergency.fire).predict_frame(texts)["fire_score"].to_numpy()
    expert = EmergencyClassifier(emergency.topics, other, fire_label=True).predict_frame(texts)["fire_score"].to_numpy()
    mixed = EmergencyClassifier(emergency.topics, emergency.fire, fire_intake=other, register=register)
    got = mixed.predict_frame(texts)["fire_score"].to_numpy()
    r = register.predict_proba(texts[:3])[:, list(register.classes_).index(True)]
    assert np.allclose(got[:3], r * expert[:3] + (1 - r) * base[:3])
    assert got[3] == 0.0


def test_fire_experts_are_checked(emergency):
    register = TextClassifier(**SMALL).fit(X, [y != "edu" for y in Y])
    with pytest.raises(ModelError, match="together"):
        EmergencyClassifier(emergency.topics, emergency.fire, register=register)
    with pytest.raises(ModelError, match="binary"):
        EmergencyClassifier(emergency.topics, emergency.fire, fire_intake=TextClassifier(**SMALL).fit(X, Y),
                            register=register)
    other_features = TextClassifier(**{**SMALL, "char_ngram_range": (1, 3)}).fit(X, [y == "fire" for y in Y])
    with pytest.raises(ModelError, match="same features"):
        EmergencyClassifier(emergency.topics, emergency.fire, fire_intake=other_features, register=register)
