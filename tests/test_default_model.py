"""The shipped default model em-v1: its file, card and predictions (its labelled set: test_train_default.py)."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from proposal_nlp.train_default import LABELS_RELPATH, MODEL_FILE, MODEL_ID, TOPICS

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "proposal_nlp" / "data" / "models" / MODEL_FILE
needs_model = pytest.mark.skipif(not MODEL.is_file(), reason=f"{MODEL_FILE} not built yet")


@pytest.fixture(scope="module")
def model():
    from proposal_nlp.persist import load_classifier

    return load_classifier(MODEL_ID)


# ---------------------------------------------------------------------- the shipped model
@needs_model
def test_model_file_is_small_and_has_no_untrusted_types():
    import skops.io as sio

    assert MODEL.stat().st_size < 20 * 1024 * 1024
    assert sio.get_untrusted_types(file=MODEL) == []


@needs_model
def test_card_records_dev_metrics(model):
    card = json.loads(MODEL.with_suffix(".card.json").read_text(encoding="utf-8"))
    m = card["metrics"]
    for key in ("em_dev_micro_f1", "fire_dev_f1", "none_accuracy", "per_topic_f1"):
        assert key in m
    assert set(m["per_topic_f1"]) == set(TOPICS)
    assert card["training_command"] == "python -m proposal_nlp.train_default"
    assert card["labels_file"] == str(LABELS_RELPATH).replace("\\", "/")


@needs_model
def test_predictions_equal_those_in_the_card(model):
    card = model.card_
    texts = card["sample_texts"]
    frame = model.predict_frame(texts)
    for row, want in zip(frame.to_dict("records"), card["sample_predictions"]):
        assert list(row["topics"]) == want["topics"]
        assert bool(row["fire_relevant"]) == want["fire_relevant"]
        assert row["fire_score"] == pytest.approx(want["fire_score"], abs=1e-6)
        for t in TOPICS:
            assert row[f"score_{t}"] == pytest.approx(want[f"score_{t}"], abs=1e-6)


@needs_model
@pytest.mark.parametrize("text, topic, fire", [
    ("小区楼道里电动车充电时电瓶起火，火势蔓延到楼上，居民被困，请求禁止电动自行车进楼入户充电，建设集中充电桩。",
     "e_bikes", True),
    ("老旧小区消防通道被私家车长期占用，消防车无法进入，一旦发生火灾后果不堪设想，请求城管和消防部门清理。",
     "fire_safety", True),
    ("每逢暴雨，我们村的道路和农田都被淹，排涝泵站年久失修，请求加固堤防、修复泵站，做好防汛准备。",
     "flood_disaster", False),
])
def test_sanity_positives(model, text, topic, fire):
    row = model.predict_frame([text]).iloc[0]
    assert topic in row["topics"]
    assert bool(row["fire_relevant"]) is fire


@needs_model
@pytest.mark.parametrize("text", [
    "建议提高中小学午餐的营养标准，增加蔬菜和水果，规范学校食堂收费，让学生吃得健康。",
    "新开的火锅店生意火爆，每天晚上排长队，希望附近多设几个停车位。",
    "建议开通从火车站到高铁站的快速公交，方便市民换乘。",
])
def test_sanity_out_of_scope(model, text):
    row = model.predict_frame([text]).iloc[0]
    assert not bool(row["fire_relevant"])
    assert row["fire_score"] < 0.5
    if "午餐" in text or "火车站" in text:
        assert row["topics"] == []


@needs_model
def test_bad_rows_each_give_a_row(model):
    texts = ["", "   ", None, float("nan"), "Hello, world!", "火" * 1_000_000, "消防通道被占用"]
    frame = model.predict_frame(texts)
    assert len(frame) == len(texts)
    for i in range(4):
        assert frame["topics"].iloc[i] == []
        assert not frame["fire_relevant"].iloc[i]
        assert frame["fire_score"].iloc[i] == 0.0
    assert all(0.0 <= s <= 1.0 for s in frame["fire_score"])
    assert not any(math.isnan(s) for s in frame["fire_score"])


@needs_model
def test_series_input_keeps_its_index(model):
    s = pd.Series(["消防通道被占用", None], index=["a", "b"])
    frame = model.predict_frame(s)
    assert list(frame.index) == ["a", "b"]


@needs_model
def test_wrong_type_names_the_row(model):
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        model.predict_frame(["消防", 42])
