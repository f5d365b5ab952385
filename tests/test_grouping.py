"""proposal_nlp.grouping: same problem at the same place (messages), same asks (proposals).

The groups below are written for the tests: each message group is one problem at one place,
with hard negatives beside it (the same place with another problem; the same complaint about
another estate)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from proposal_nlp.errors import InputError, InputTypeError
from proposal_nlp.grouping import (GROUP_COLUMNS, SIMILAR_COLUMNS, common_asks, find_similar, group_similar,
                                   message_rows, place_level)

# (title, text, gold group)
MESSAGES = [
    ("A5区魅力之城小区临街门面油烟扰民", "魅力之城小区一楼的餐馆油烟直排，噪音扰民，晚上无法休息。", "lift"),
    ("A5区魅力之城小区底层餐馆油烟扰民", "小区楼下餐馆油烟直排进家里，夜宵摊噪音很大，请环保部门处理。", "lift"),
    ("投诉魅力之城小区油烟扰民问题", "魅力之城小区临街餐馆油烟扰民严重，多次反映无人处理。", "lift"),
    ("A5区魅力之城小区电梯经常停运", "魅力之城小区3栋电梯经常坏，停运一个多月，老人上下楼困难。", "elevator"),
    ("魅力之城小区电梯坏了一个月没人修", "电梯停运一个多月，物业不修，老人出行困难。", "elevator"),
    ("A5区丽发新城小区临街门面油烟扰民", "丽发新城小区一楼的餐馆油烟直排，噪音扰民，晚上无法休息。", "other_estate"),
    ("A2区丽发新城附近搅拌站噪音扰民", "丽发新城小区附近建了搅拌站，日夜施工，噪音灰尘严重。", "mixer"),
    ("投诉丽发新城小区旁搅拌站扰民", "丽发新城旁边的搅拌站噪音和灰尘扰民，孩子无法学习。", "mixer"),
    ("公积金贷款额度怎么算", "想咨询一下公积金贷款买房的额度是怎么计算的？", "fund"),
]


def _messages():
    titles = [m[0] for m in MESSAGES]
    texts = [m[1] for m in MESSAGES]
    return titles, texts, [m[2] for m in MESSAGES]


def _same(groups) -> set:
    g = list(groups)
    return {(i, j) for i in range(len(g)) for j in range(i + 1, len(g)) if g[i] == g[j]}


def test_messages_group_on_the_same_problem_at_the_same_place():
    titles, texts, gold = _messages()
    got = group_similar(texts, titles=titles, ids=[f"m{k}" for k in range(len(texts))])
    assert list(got.columns) == GROUP_COLUMNS
    assert _same(got["group"]) == _same(gold)
    assert got["id"].tolist() == [f"m{k}" for k in range(len(texts))] and got["row"].tolist() == list(range(len(texts)))
    sizes = got.groupby("group")["group"].transform("size")
    assert (got["group_size"] == sizes).all()
    assert got["group"].min() == 1 and got.loc[got["group"] == 1, "group_size"].iloc[0] == got["group_size"].max()
    assert got["similarity_to_group"].between(0, 1).all()
    assert (got.loc[got["group_size"] == 1, "similarity_to_group"] == 1.0).all()
    assert "魅力之城小区" in got["place"].iloc[0]


def test_a_template_about_other_places_is_another_issue():
    names = ["金华", "银泰", "东湖", "西园", "南山", "北辰"]
    titles = [f"投诉{n}小区电梯长期停运" for n in names]
    texts = [f"{n}小区的电梯停运一个月了，物业不修，老人上下楼困难，请相关部门督促维修。" for n in names]
    got = group_similar(texts, titles=titles)
    assert got["group"].nunique() == len(names)
    # the same texts without the place names are one issue
    bare = group_similar(["小区的电梯停运一个月了，物业不修，老人上下楼困难。"] * 3)
    assert bare["group"].nunique() == 1 and bare["group_size"].tolist() == [3, 3, 3]


@pytest.mark.parametrize("texts", [
    [], [""], ["", "", ""], ["电梯坏了"], ["同一句话"] * 5, ["没有地点的留言，物业乱收费"] * 2 + ["", "x"],
    ["！！！", "。。。", "123", "abc"],
])
def test_bad_input_gives_a_group_for_every_row(texts):
    for kind in ("messages", "proposals"):
        got = group_similar(texts, kind=kind)
        assert len(got) == len(texts) and list(got.columns) == GROUP_COLUMNS
        assert got["group"].notna().all() and (got["group_size"] >= 1).all()
    if texts and all(t == texts[0] and t.strip() for t in texts):
        assert got["group"].nunique() == 1


def test_empty_texts_are_alone_and_repeated_ids_are_kept():
    got = group_similar(["", "", "物业乱收费", "物业乱收费"], ids=["a", "a", "b", "b"])
    assert got["id"].tolist() == ["a", "a", "b", "b"]
    assert got.loc[0, "group"] != got.loc[1, "group"] and got.loc[2, "group"] == got.loc[3, "group"]


def test_a_series_keeps_its_index_as_ids_and_nan_is_an_empty_text():
    s = pd.Series(["物业乱收费", None, float("nan")], index=["x", "y", "z"])
    got = group_similar(s)
    assert got["id"].tolist() == ["x", "y", "z"] and got["group"].nunique() == 3


@pytest.mark.parametrize("call, error", [
    (lambda: group_similar("one str"), InputTypeError),
    (lambda: group_similar([1, 2]), InputTypeError),
    (lambda: group_similar(["a"], kind="letters"), InputError),
    (lambda: group_similar(["a"], ids=[1, 2]), InputError),
    (lambda: group_similar(["a"], titles=["x", "y"]), InputError),
    (lambda: group_similar(["a"], thresholds={"nope": 1}), InputError),
    (lambda: group_similar(["a"], kind="proposals", asks=[["x"], ["y"]]), InputError),
])
def test_wrong_arguments_say_what_to_fix(call, error):
    with pytest.raises(error, match=r"^\[PN\d{3}\]"):
        call()


def test_grouping_is_deterministic_and_does_not_depend_on_precomputed_rows():
    titles, texts, _ = _messages()
    a = group_similar(texts, titles=titles)
    b = group_similar(texts, titles=titles, rows=message_rows(texts, titles))
    pd.testing.assert_frame_equal(a, b)


def test_place_levels():
    rows = message_rows(["x"] * 4, ["A5区魅力之城小区油烟", "A5区丽发新城小区油烟", "A3区魅力之城小区油烟", "物业乱收费"])
    p = [r.places for r in rows]
    assert place_level(p[0], p[0]) == "fine"
    assert place_level(p[0], p[1]) is None  # two estates
    assert place_level(p[0], p[2]) is None  # two districts
    assert place_level(p[0], p[3]) == "unknown"


# ------------------------------------------------------------------------------------- proposals
PROPOSALS = [
    ("关于加强全科医生队伍建设的建议", "全科医生数量不足。建议：一、扩大全科医生培养规模；二、提高全科医生薪酬待遇；"
     "三、完善全科医生职称晋升制度。", "gp"),
    ("加强全科医生队伍建设 打造健康服务圈", "基层缺少全科医生。建议扩大全科医生培养规模，提高全科医生薪酬待遇，"
     "完善基层全科医生职称晋升。", "gp"),
    ("关于发展社区居家养老服务的建议", "老龄化加快。建议：一、建设社区养老服务中心；二、发展居家上门服务；"
     "三、培养养老护理员队伍。", "care"),
    ("关于加强大运河文化带建设的建议", "大运河是文化遗产。建议：一、保护运河沿线文物；二、建设运河文化公园；"
     "三、发展运河文化旅游。", "canal"),
    ("关于提升养老机构医疗服务的建议", "养老机构缺少医疗。建议：一、推进医养结合；二、养老机构内设医务室；"
     "三、医保覆盖养老机构。", "medcare"),
]


def test_proposals_group_on_their_asks():
    titles = [p[0] for p in PROPOSALS]
    texts = [p[1] for p in PROPOSALS]
    got = group_similar(texts, titles=titles, kind="proposals")
    assert _same(got["group"]) == _same([p[2] for p in PROPOSALS])
    assert (got["place"] == "").all()


def test_asks_given_are_used_instead_of_extracting():
    texts = ["甲", "乙", "丙"]
    asks = [["扩大全科医生培养规模", "提高全科医生薪酬"], ["扩大全科医生培养规模", "提高全科医生薪酬"], ["保护运河文物"]]
    got = group_similar(texts, titles=["全科医生", "全科医生", "运河"], kind="proposals", asks=asks)
    assert got.loc[0, "group"] == got.loc[1, "group"] != got.loc[2, "group"]


def test_find_similar_ranks_earlier_proposals_and_lists_shared_asks():
    corpus = [p[1] for p in PROPOSALS]
    new = "建议扩大全科医生培养规模，提高全科医生薪酬待遇。"
    got = find_similar(new, pd.Series(corpus, index=[f"p{k}" for k in range(len(corpus))]), top_k=3,
                       title="关于全科医生的建议", titles=[p[0] for p in PROPOSALS])
    assert list(got.columns) == SIMILAR_COLUMNS and len(got) == 3
    assert got["id"].iloc[0] in ("p0", "p1") and got["rank"].tolist() == [1, 2, 3]
    assert got["score"].is_monotonic_decreasing
    shared = got["shared_asks"].iloc[0]
    assert shared and all(isinstance(a, str) and isinstance(b, str) and 0 < s <= 1 for a, b, s in shared)
    assert find_similar("x", []).empty
    with pytest.raises(InputError, match="PN603"):
        find_similar("x", ["y"], top_k=0)
    with pytest.raises(InputTypeError):
        find_similar(None, ["y"])


def test_common_asks_are_those_most_members_share():
    texts = [p[1] for p in PROPOSALS[:2]]
    shared = common_asks(texts)
    assert shared and all("全科医生" in a for a in shared)
    assert common_asks([]) == []
    assert common_asks(["只有一件"]) == ["只有一件"]


def test_near_duplicates_group_in_a_larger_set():
    rng = np.random.default_rng(0)
    base = ["物业乱收费停车费", "电梯停运", "油烟扰民", "搅拌站噪音", "公交线路取消"]
    texts, gold = [], []
    for k in range(300):
        g = int(rng.integers(len(base)))
        texts.append(f"第{k}号{base[g]}请处理{base[g]}{base[g]}")
        gold.append(g)
    got = group_similar(texts)
    assert len(got) == 300 and got["group"].nunique() <= 2 * len(base)


def _template_copies(n: int) -> tuple[list[str], list[str]]:
    syll = "金银华新东西南北中兴盛泰安康乐福祥瑞丰裕嘉美景翠竹山水云龙凤春夏秋冬梅兰"
    names = [syll[k % 36] + syll[(k // 36) % 36] + syll[(k // 1296) % 36] + "小区" for k in range(n)]
    titles = [f"投诉{name}电梯长期停运" for name in names]
    texts = [f"{name}的电梯停运一个月了，物业不修，老人上下楼困难，请相关部门督促维修。" for name in names]
    return texts, titles


def test_thousands_of_copies_of_one_template_about_other_places_stay_apart():
    texts, titles = _template_copies(5000)  # above EXACT_ROWS: the neighbour search on rare n-grams
    got = group_similar(texts, titles=titles)
    assert len(got) == 5000
    assert got["group_size"].max() <= 2  # a name may come twice in 5,000 (36 ** 3 names)


@pytest.mark.slow
def test_100000_copies_of_one_template_about_other_places():
    texts, titles = _template_copies(100_000)
    got = group_similar(texts, titles=titles)
    assert len(got) == 100_000 and got["group"].notna().all()
    assert got["group_size"].max() <= 3
