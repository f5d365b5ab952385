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

from proposal_nlp.classify import TextClassifier, train_classifier
from proposal_nlp.errors import InputError
from proposal_nlp.features import WORD_PATTERN
from shared_data import BAD, FIRE, SMALL, X, Y, HashEmbedder


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


# ------------------------------------------------------------------ dense part (the blend in TextClassifier)
def test_dense_blends_probabilities():
    emb = HashEmbedder()
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
    assert isinstance(clone(clf).get_params()["dense"], HashEmbedder)
    assert clf.explain(FIRE[0])  # explanations stay lexical
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        clf.dense_features(["学校", 3])


def test_dense_errors_before_training():
    with pytest.raises(InputError, match="PN117"):
        TextClassifier(dense="bert", **SMALL).fit(X, Y)
    with pytest.raises(InputError, match="multi-class"):
        TextClassifier(dense=HashEmbedder(), multilabel=True, **SMALL).fit(X, [["a"]] * 12 + [[]] * 12)
    with pytest.raises(InputError, match="dense_weight"):
        TextClassifier(dense=HashEmbedder(), dense_weight=1.5, **SMALL).fit(X, Y)


@pytest.mark.parametrize("X, y, multilabel", [
    (["", " "], ["a", "b"], False),                       # nothing to segment
    (["同样的话"] * 4, ["a", "b", "a", "b"], False),        # every text alike
    (["", "\n", "\t"], [["a"], ["b"], ["a"]], True),
])
def test_texts_that_give_nothing_to_learn_are_a_coded_error(X, y, multilabel):
    with pytest.raises(InputError) as exc:
        TextClassifier(multilabel=multilabel, **SMALL).fit(X, y)
    assert exc.value.code == "PN133"


def test_a_calibration_fold_of_one_text_falls_back_to_training_texts(caplog):
    # three texts and cv=2: one fold trains on a single text, in which no feature varies
    clf = TextClassifier(multilabel=True, **SMALL).fit(["楼道充电起火", "学校食堂", "公交线路"], [["a"], ["b"], ["a"]])
    assert len(clf.predict_frame(["楼道充电"])) == 1
    assert "calibrating on the training texts" in caplog.text
