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
