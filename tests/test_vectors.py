"""proposal_nlp.vectors: the shipped domain word vectors, their file format and hash, the corpus
they are trained on (never the reserved sets) and training (gensim, optional)."""
from __future__ import annotations

import importlib.util
import json
import zipfile

import numpy as np
import pytest

from proposal_nlp.errors import ModelError, ResourceError
from proposal_nlp.persist import FILE_HASH_KEY, file_sha256
from proposal_nlp.vectors import (RESERVED_PROPOSALS, WordVectors, corpus_sentences, load_word_vectors,
                                  save_word_vectors, train_word_vectors, vector_corpus, vectors_path)

has_gensim = importlib.util.find_spec("gensim") is not None


@pytest.fixture(scope="module")
def shipped():
    return load_word_vectors()


def test_shipped_vectors_are_compact_and_carded(shipped):
    assert len(shipped) == 30_000 and shipped.dim == 200
    assert shipped.vectors.dtype == np.float16
    path = vectors_path("default")
    assert path.stat().st_size < 16e6  # about 12 MB of vectors, the words and their neighbours
    card = json.loads(path.with_suffix(".card.json").read_text(encoding="utf-8"))
    assert card[FILE_HASH_KEY] == file_sha256(path)
    for key in ("corpora", "seed", "training_command", "method", "dim", "window", "epochs", "max_words"):
        assert key in card, key
    assert card["dim"] == 200 and card["method"].startswith("word2vec CBOW")
    assert "jiangsu_2019" in card["corpora"] and "laws" in card["corpora"]


def test_the_file_holds_no_pickled_objects():
    with zipfile.ZipFile(vectors_path("default")) as z:
        for name in z.namelist():
            with z.open(name) as f:
                header = f.read(128)
            assert b"'descr': '|O'" not in header and b"'descr': 'O'" not in header, name
    with np.load(vectors_path("default"), allow_pickle=False) as z:
        assert set(z.files) == {"words", "vectors", "counts", "neighbours", "neighbour_sims"}


def test_neighbours_are_domain_words(shipped):
    near = [w for w, _ in shipped.most_similar("消火栓", 10)]
    assert any(w.startswith("消防") for w in near)
    assert shipped.most_similar("不在词表里的词语", 3) == []
    assert shipped.similarity("火灾", "火灾") == pytest.approx(1.0, abs=1e-3)
    assert shipped.similarity("火灾", "不在词表里的词语") == 0.0
    assert shipped.similarity("火灾", "火情") > shipped.similarity("火灾", "幼儿园")
    np.testing.assert_allclose(np.linalg.norm(shipped.unit[:50], axis=1), 1.0, atol=1e-5)
    assert shipped.ids(["火灾", "不在词表里的词语"]).tolist()[1] == -1


def test_save_and_load_round_trip_and_hash_check(tmp_path):
    rng = np.random.default_rng(0)
    wv = WordVectors(["消防", "通道", "火灾"], rng.normal(size=(3, 8)), counts=[5, 4, 3],
                     neighbours=[[1, 2], [0, 2], [0, 1]], neighbour_sims=np.full((3, 2), 0.5), card={"seed": 1})
    path = save_word_vectors(wv, tmp_path / "small.npz", card={"name": "small"})
    back = load_word_vectors(path)
    assert back.words == ["消防", "通道", "火灾"] and back.card["name"] == "small"
    np.testing.assert_array_equal(back.vectors, wv.vectors)
    assert [w for w, _ in back.most_similar("消防", 2)] == ["通道", "火灾"]
    # a changed file is refused
    other = tmp_path / "other.npz"
    save_word_vectors(wv, other)
    data = bytearray(other.read_bytes())
    data[-40] ^= 0xFF
    other.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="PN462"):
        load_word_vectors(other)
    with pytest.raises(ModelError, match="PN460"):
        save_word_vectors(wv, tmp_path / "x.bin")
    with pytest.raises(ModelError, match="PN460"):
        WordVectors(["a"], np.zeros((2, 3)))
    with pytest.raises(ResourceError, match="PN461"):
        load_word_vectors(tmp_path / "missing.npz")
    with pytest.raises(ResourceError, match="PN461"):
        load_word_vectors("wv-none")


def test_corpus_sentences_are_words_without_punctuation():
    sents = corpus_sentences(["楼道里堆满杂物，消防通道被堵！请尽快处理。", "好"])
    assert sents and all(isinstance(w, str) for s in sents for w in s)
    assert not any(w in "，。！" for s in sents for w in s)
    assert "消防通道" in sents[0]


def test_vector_corpus_never_reads_the_reserved_sets(tmp_path):
    (tmp_path / "jszx_cppcc_proposals").mkdir()
    rows = [{"year": 2019, "pkid": "a1", "title": "关于加强消防的提案", "content": "内容一"},
            {"year": 2022, "pkid": "b2", "title": "二〇二二年的提案", "content": "内容二"},
            {"year": 2019, "pkid": sorted(RESERVED_PROPOSALS)[0], "title": "保留的提案", "content": "内容三"}]
    with open(tmp_path / "jszx_cppcc_proposals" / "jszx_cppcc_proposals_2019_2022.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    (tmp_path / "teddy2020_c").mkdir()
    (tmp_path / "teddy2020_c" / "fj3_hot_issue_messages.csv").write_text("留言主题,留言详情\n附件三,不应读取\n",
                                                                          encoding="utf-8")
    got = list(vector_corpus(tmp_path))
    assert got == [("jiangsu_2019", "关于加强消防的提案\n内容一")]


@pytest.mark.skipif(not has_gensim, reason="gensim (the vectors extra) not installed")
def test_training_small_vectors():
    sents = [["消防", "通道", "畅通"], ["消防", "设施", "完好"], ["电动", "自行车", "充电"]] * 30
    wv = train_word_vectors(sents, dim=8, min_count=1, epochs=2, max_words=5, n_neighbours=2, workers=1,
                            keep=["充电"])
    assert len(wv) == 5 and wv.dim == 8 and "充电" in wv
    assert wv.neighbours.shape == (5, 2) and wv.card["kept_words"] == 1


def test_training_without_gensim_says_how_to_install(monkeypatch):
    import builtins

    real = builtins.__import__

    def fake(name, *a, **k):
        if name.startswith("gensim"):
            raise ImportError(name)
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(ModelError, match=r"PN463.*proposal_nlp\[vectors\]"):
        train_word_vectors([["消防", "通道"]])


def test_shipped_vectors_travel_as_their_path(shipped):
    import copy
    import pickle

    data = pickle.dumps(shipped)
    assert len(data) < 2000  # the path, not 12 MB of arrays
    assert pickle.loads(data) is shipped and copy.deepcopy(shipped) is shipped
    small = WordVectors(["消防", "通道"], np.ones((2, 4)), card={"seed": 1})
    back = pickle.loads(pickle.dumps(small))
    assert back.words == small.words and back.card == {"seed": 1} and "source_path" not in vars(back)
