"""Segmenter: both backends agree, offsets are truth, bad input is handled, no side effects."""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proposal_nlp import Segmenter, Token, data_dir
from proposal_nlp.errors import InputError
from proposal_nlp.resources import LexiconEntry
from proposal_nlp import score_segmentation

ROOT = Path(__file__).resolve().parents[1]

# lines the team wrote to exercise every block type jieba and rjieba treat differently
SAMPLES = [
    "关于加快推进韧性安全城市建设的建议",
    "建议在老旧小区设置电动自行车集中充电设施，杜绝飞线充电和楼道充电。",
    "我局共承办建议提案57件（主办20件，会办37件），办理结果均为“解决采纳”。",
    "市政协十四届二次会议第0219号提案提出3-5年内完成v1.2.3版本的城市生命线监测平台。",
    "危险化学品运输车辆须安装GPS，E-mail: abc-def@example.com，网址www.example.gov.cn。",
    "ＡＢＣ－ｄｅｆ，１２３４５热线在２０２４年受理了１．５万件诉求，增长３０％。",
    "防汛防台期间，内涝积水点共３２处；地质灾害隐患点12处。",
    "第一行\r\n第二行\n\n\t缩进　全角空格 a b  c",
    "生僻字㐀㐁䶵鿐鿑龥和兼容汉字丽以及扩展字𠀀𠀁𪚥混在中文里",
    "emoji 🚒🔥消防🧯 😀表情，旗帜🇨🇳",
    "控制字符\x00\x01\x07\x1b\x7f和零宽\u200b\u200d字符",
    "孤立代理\ud800项\udfff不会丢字",
    "C++和C#以及AT&T.com，3.5%、12.5%以及-40%到+30%之间",
    "Mixed 中文 English русский 日本語のテキスト 한국어 العربية",
]


@pytest.fixture(scope="module")
def pair():
    return Segmenter(backend="jieba"), Segmenter(backend="rjieba")


@pytest.fixture(scope="module")
def fast():
    return Segmenter()


def seed_text():
    data = data_dir()
    if data is None:
        pytest.skip("shared data folder not found (set PROPOSAL_NLP_DATA); runs in CI")
    return (data.parent / "seeds" / "000_58b9e089a002dfe6.txt").read_text(encoding="utf-8")


# ---------------------------------------------------------------- parity
@pytest.mark.parametrize("kw", [
    {}, {"hmm": False}, {"default_lexicon": False}, {"normalize": False},
    {"hmm": False, "normalize": False, "default_lexicon": False},
], ids=repr)
def test_backends_agree_on_samples(kw):
    a, b = Segmenter(backend="jieba", **kw), Segmenter(backend="rjieba", **kw)
    for text in SAMPLES:
        assert a.cut(text) == b.cut(text), text


def test_backends_agree_on_seed(pair):
    text = seed_text()
    a, b = pair
    assert a.cut(text) == b.cut(text)
    for line in text.splitlines():
        assert a.cut(line) == b.cut(line)


def test_backends_agree_when_lexicon_repeats_known_words():
    # words jieba already knows, without frequencies: jieba adds their new frequency to its
    # total without removing the old one; the fast backend must reproduce that total
    words = ["的", "了", "是", "人民代表大会", "地震", "韧性安全城市", "韧性安全城市"]
    a = Segmenter(backend="jieba", lexicon=words)
    b = Segmenter(backend="rjieba", lexicon=words)
    for text in SAMPLES:
        assert a.cut(text) == b.cut(text)
    assert [e.freq for e in a.entries] == [e.freq for e in b.entries]
    # same dictionary total: frequencies suggested from it agree (they scale with the total)
    py, rs = a._ensure().tokenizer, b._ensure().tokenizer
    for phrase in ("的的的", "人民代表大会的", "地震了"):
        assert abs(py.suggest_freq(phrase, False) / rs.suggest_freq(phrase) - 1) < 1e-6


def test_duplicate_dictionary_total_matches_installed_jieba():
    from proposal_nlp.segment import _JIEBA_DUPLICATE_TOTAL, _jieba_tokenizer

    tok = _jieba_tokenizer()
    assert tok.total - sum(tok.FREQ.values()) == _JIEBA_DUPLICATE_TOTAL


def test_backends_agree_with_word_list_only():
    words = ["韧性", "安全", "城市", "韧性安全", "电动", "自行车", "电动自行车", "充电"]
    a = Segmenter(backend="jieba", lexicon=words, default_lexicon=False, dictionary=None, hmm=False)
    b = Segmenter(backend="rjieba", lexicon=words, default_lexicon=False, dictionary=None, hmm=False)
    for text in SAMPLES:
        assert a.cut(text) == b.cut(text)
    assert a.cut("韧性安全城市电动自行车充电") == ["韧性安全", "城市", "电动自行车", "充电"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list("韧性安全城市电动自行车充电消防通道的了和")
                                        + list("abcXYZ019+#&._%-，。 \r\n\t、“”") + ["㐀", "鿑", "𠀀", "🔥", "ｄ", "１", "\ud800"]),
               max_size=40))
def test_backends_agree_property(pair, text):
    a, b = pair
    assert a.cut(text) == b.cut(text)


# ---------------------------------------------------------------- domain terms
@pytest.mark.parametrize("term", ["韧性安全城市", "平灾转换", "平急两用", "危险化学品", "电动自行车",
                                  "飞线充电", "消防通道", "应急救援", "防汛防台", "解决采纳", "政协委员",
                                  "代表建议", "微型消防站", "城市生命线"])
def test_domain_terms_stay_whole(fast, term):
    assert term in fast.cut(f"关于{term}的建议")


def test_default_lexicon_can_be_switched_off():
    assert "韧性安全城市" not in Segmenter(default_lexicon=False).cut("韧性安全城市")


def test_lexicon_extends_per_segmenter():
    plain = Segmenter()
    extended = Segmenter(lexicon=["数治赋能"])
    assert "数治赋能" in extended.cut("推进数治赋能工作")
    assert "数治赋能" not in plain.cut("推进数治赋能工作")
    extended.add_words([LexiconEntry("十五分钟生活圈", 1)])
    assert "十五分钟生活圈" in extended.cut("打造十五分钟生活圈")


def test_full_width_text_segments_like_half_width(fast):
    full, half = "２０２４年ＧＤＰ增长５．２％", "2024年GDP增长5.2%"
    assert [len(w) for w in fast.cut(full)] == [len(w) for w in fast.cut(half)]
    assert "".join(fast.cut(full)) == full


# ---------------------------------------------------------------- offsets and tiling
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200))
def test_tokens_tile_the_text(fast, text):
    tokens = fast.tokenize(text)
    assert "".join(t.text for t in tokens) == text
    pos = 0
    for t in tokens:
        assert t.start == pos and text[t.start:t.end] == t.text and t.end > t.start
        pos = t.end
    assert fast.cut(text) == [t.text for t in tokens]


@pytest.mark.parametrize("text", SAMPLES)
def test_samples_lose_no_character(pair, text):
    for seg in pair:
        tokens = seg.tokenize(text)
        assert "".join(t.text for t in tokens) == text
        assert all(text[t.start:t.end] == t.text for t in tokens)


@pytest.mark.parametrize("backend", ["rjieba", "jieba"])
@pytest.mark.parametrize("loss", ["last_word", "all_words"])
def test_a_backend_that_loses_characters_is_caught(monkeypatch, backend, loss):
    seg = Segmenter(backend=backend)
    built = seg._ensure()
    cut = built.cut
    monkeypatch.setattr(built, "cut", lambda text: cut(text)[:-1] if loss == "last_word" else [])
    text = "建议加强消防检查。"
    covered = len(text) - len(cut(text)[-1]) if loss == "last_word" else 0
    with pytest.raises(RuntimeError) as exc:
        seg.tokenize(text)
    msg = str(exc.value)
    assert msg.startswith("[PN006]")
    assert f"the {backend} segmenter lost characters" in msg
    assert f"cover {covered} of the {len(text)} characters" in msg


def test_stopwords_drop_tokens_but_keep_offsets():
    seg = Segmenter(stopwords={"的", "，"})
    text = "韧性安全城市的建设，电动自行车的管理"
    tokens = seg.tokenize(text)
    assert all(t.text not in {"的", "，"} for t in tokens)
    assert all(text[t.start:t.end] == t.text for t in tokens)
    assert seg.cut(text) == [t.text for t in tokens]


def test_features_are_space_joined_without_whitespace():
    seg = Segmenter()
    feats = seg.features("加强 消防通道\n管理，ＡＢＣ")
    assert "  " not in feats and "\n" not in feats
    assert feats.split(" ")[:3] == ["加强", "消防通道", "管理"]
    assert feats.endswith("ABC")


def test_pipe_yields_lists_and_tokens(fast):
    texts = ["消防通道", "", "电动自行车"]
    assert list(fast.pipe(texts)) == [["消防通道"], [], ["电动自行车"]]
    assert list(fast.pipe(texts, offsets=True))[2] == [Token("电动自行车", 0, 5)]
    with pytest.raises(TypeError, match="texts\\[1\\]"):
        list(fast.pipe(["a", None]))


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("bad", [None, 1, 2.5, b"bytes", ["list"]])
def test_non_strings_raise_type_error(fast, bad):
    with pytest.raises(TypeError, match="PN001"):
        fast.cut(bad)
    with pytest.raises(TypeError, match="PN001"):
        fast.tokenize(bad)


def test_empty_and_whitespace(fast):
    assert fast.cut("") == [] and fast.tokenize("") == []
    assert "".join(fast.cut(" \t\r\n\u3000 ")) == " \t\r\n\u3000 "
    assert fast.features("   ") == ""


def test_one_megabyte_text(fast):
    text = ("建议加强电动自行车充电管理，防止飞线充电引发火灾。ABC-123　" * 40000)[:1_000_000]
    tokens = fast.tokenize(text)
    assert tokens[-1].end == len(text)
    assert sum(len(t.text) for t in tokens) == len(text)


def test_options_are_validated():
    with pytest.raises(ValueError, match="PN003"):
        Segmenter(backend="hanlp")
    with pytest.raises(ValueError, match="PN004"):
        Segmenter(dictionary="big")
    with pytest.raises(InputError, match="PN005"):
        Segmenter(dictionary=None, default_lexicon=False).cut("文本")


# ---------------------------------------------------------------- sharing and pickling
def test_shared_segmenter_is_thread_safe():
    seg = Segmenter()  # built lazily by whichever thread comes first
    texts = SAMPLES * 20
    reference = Segmenter()
    expected = [reference.cut(t) for t in texts]
    results: dict[int, list] = {}

    def work(k):
        results[k] = [seg.cut(t) for t in texts]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == expected for r in results.values())


def test_pickle_round_trip(fast):
    fast.cut("预热")
    clone = pickle.loads(pickle.dumps(fast))
    assert clone.cut(SAMPLES[1]) == fast.cut(SAMPLES[1])


# ---------------------------------------------------------------- side effects
def _run(code: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **(env or {})}, timeout=120)


def test_import_does_no_work():
    out = _run("import proposal_nlp")
    assert out.stdout == "" and out.stderr == ""
    out = _run("import sys, proposal_nlp; proposal_nlp.Segmenter; print(sorted(m for m in sys.modules if 'jieba' in m))")
    assert out.stdout.strip() == "[]", out.stderr


def test_first_use_prints_nothing_and_writes_no_cache(tmp_path):
    code = ("from proposal_nlp import Segmenter\n"
            "for b in ('jieba', 'rjieba'):\n"
            "    Segmenter(backend=b).cut('韧性安全城市')\n")
    out = _run(code, env={"TMPDIR": str(tmp_path), "TEMP": str(tmp_path), "TMP": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    assert out.stdout == "" and out.stderr == ""
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- scorer
def test_score_identical_and_partial():
    gold = ["韧性", "安全", "城市", "建设"]
    assert score_segmentation(gold, gold).f1 == 1.0
    s = score_segmentation(gold, ["韧性安全城市", "建设"])
    assert (s.correct, s.gold, s.predicted) == (1, 4, 2)
    assert s.precision == 0.5 and s.recall == 0.25


def test_score_ignores_whitespace_and_aligns_moved_characters():
    # gold moved an opening quote to the end of the previous line: same characters overall
    gold = ["他", "说", "“", "\r\n", "好", "”"]
    pred = ["他", "说", "\r\n", "“", "好", "”"]
    assert score_segmentation(gold, pred).f1 == 1.0
    # characters that differ are aligned; only spans whose ends align can match
    s = score_segmentation(["消防", "通道", "。"], ["消防", "通道", "！", "。"])
    assert s.correct == 3 and s.predicted == 4


def test_score_rejects_a_plain_string():
    with pytest.raises(TypeError):
        score_segmentation("韧性 安全", ["韧性", "安全"])


# ---------------------------------------------------------------------- bounded work per text
@pytest.mark.parametrize("n", [100_000, pytest.param(1_000_000, marks=pytest.mark.slow)])
def test_tokenize_takes_linear_time_on_pathological_runs(n):
    # a run of marks is one token per character (Chinese text: about one per 1.7), so a ratio
    # of about 2 is expected; 5x leaves room for noise, a quadratic step is far beyond it
    from pathological import slowdowns

    slow = {k: r for k, r in slowdowns(Segmenter().tokenize, n).items() if r > 5}
    assert not slow, f"Segmenter.tokenize is more than 5x slower on these runs than on normal text: {slow}"


@pytest.mark.parametrize("backend", ["rjieba", "jieba"])
def test_lone_surrogates_and_traditional_text_segment_without_loss(backend):
    seg = Segmenter(backend=backend)
    for text in ("消防\ud800通道\udfff", "關於加強消防\ud83d管理的建議"):
        toks = seg.tokenize(text)
        assert "".join(t.text for t in toks) == text and all(text[t.start:t.end] == t.text for t in toks)
        assert seg.cut(text) == [t.text for t in toks]
