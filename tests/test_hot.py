"""proposal_nlp.hot: the heat index, the groups table and hot issues from an intake table."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from proposal_nlp.errors import InputError
from proposal_nlp.grouping import group_similar
from proposal_nlp.hot import HEAT, HOT_COLUMNS, detect_extra_columns, groups_table, heat_index, hot_issues


def _intake() -> pd.DataFrame:
    rows = [
        ("1", "u1", "A5区魅力之城小区油烟扰民", "2019/11/01 10:00:00", "魅力之城小区楼下餐馆油烟直排，噪音扰民。", "3", "0"),
        ("2", "u2", "A5区魅力之城小区临街餐馆油烟扰民", "2019/11/20 09:00:00", "魅力之城小区临街餐馆油烟扰民严重。", "10", "1"),
        ("3", "u2", "投诉魅力之城小区餐馆油烟扰民", "2019/12/01 08:00:00", "魅力之城小区餐馆油烟扰民，多次反映。", "0", "0"),
        ("4", "u3", "A2区丽发新城附近搅拌站噪音扰民", "2019/12/20 22:00:00", "丽发新城附近搅拌站日夜施工，噪音扰民。", "", "0"),
        ("5", "u4", "公积金贷款额度怎么算", "2019/06/01 12:00:00", "想咨询公积金贷款的额度。", "0", "0"),
    ]
    return pd.DataFrame(rows, columns=["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "点赞数", "反对数"])


def test_heat_follows_its_documented_formula():
    assert heat_index(1) == 1.0
    assert heat_index(4, 2) == round(2 + HEAT["repeat_weight"] * 2, 2)
    assert heat_index(3, 3, reactions=7) == round(3 + math.log2(8), 2)
    assert heat_index(2, 2, span_days=90) == round(2 * 1.5, 2) == heat_index(2, 2, span_days=400)
    assert heat_index(2, 2, age_days=30) == 1.0
    assert heat_index(5, 5) > heat_index(5, 1) > heat_index(1, 1)
    assert heat_index(2, None, float("nan"), float("nan")) == 2.0


def test_hot_issues_of_an_intake_table():
    hot = hot_issues(_intake())
    g = hot.groups
    assert list(g.columns) == HOT_COLUMNS
    assert g["rank"].tolist() == list(range(1, len(g) + 1)) and g["heat"].is_monotonic_decreasing
    top = g.iloc[0]
    assert top["size"] == 3 and top["writers"] == 2 and top["reactions"] == 14.0
    assert "魅力之城" in top["place"] and top["label"].startswith(top["place"] + "：")
    assert top["first"] == pd.Timestamp("2019-11-01 10:00") and top["last"] == pd.Timestamp("2019-12-01 08:00")
    assert top["span_days"] == pytest.approx(29.9, abs=0.1)
    assert sorted(top["ids"]) == ["1", "2", "3"] and top["representative_id"] in top["ids"]
    # recency from the latest date of the intake (12-20): 19 days old
    assert top["heat"] == heat_index(3, 2, 29.9166, 19.5833, 14)
    assert len(hot.rows) == 5 and hot.rows["title"].iloc[0] == "A5区魅力之城小区油烟扰民"
    assert sorted(g["size"].tolist()) == [1, 1, 3]


def test_min_size_and_now():
    df = _intake()
    later = hot_issues(df, now="2020-06-01", min_size=2).groups
    assert len(later) == 1 and later["heat"].iloc[0] < hot_issues(df).groups["heat"].iloc[0]


def test_groups_table_without_times_writers_or_reactions():
    texts = ["电梯停运一个月", "电梯停运一个月", ""]
    g = groups_table(texts)
    assert len(g) == 2 and g["first"].isna().all() and (g["reactions"] == 0).all()
    assert g["heat"].tolist() == [2.0, 1.0]
    assert groups_table([]).empty


def test_proposals_are_labelled_by_their_shared_asks():
    texts = ["建议：一、扩大全科医生培养规模；二、提高全科医生薪酬待遇。",
             "建议扩大全科医生培养规模，提高全科医生的薪酬待遇。"]
    g = groups_table(texts, kind="proposals", titles=["全科医生", "全科医生队伍"])
    assert len(g) == 1 and "全科医生" in g["label"].iloc[0] and g["place"].iloc[0] == ""


@pytest.mark.parametrize("kw", [{"times": ["2019-01-01"]}, {"writers": ["a"]}, {"reactions": [1]}])
def test_values_per_text_must_match_the_texts(kw):
    with pytest.raises(InputError, match="PN604"):
        groups_table(["a", "b"], **kw)


def test_groups_must_be_those_of_the_texts():
    g = group_similar(["a", "b"])
    with pytest.raises(InputError, match="PN605"):
        groups_table(["a", "b", "c"], groups=g)
    with pytest.raises(InputError, match="PN605"):
        groups_table(["a", "b"], groups=g.drop(columns=["group"]))


def test_columns_are_found_by_header_or_named():
    assert detect_extra_columns(["留言时间", "点赞数", "反对数", "x"]) == ("留言时间", ["点赞数", "反对数"])
    assert detect_extra_columns(["date", "likes"]) == ("date", ["likes"])
    assert detect_extra_columns(["x"], time_col=None) == (None, [])
    with pytest.raises(InputError, match="PN110"):
        detect_extra_columns(["x"], time_col="when")
    with pytest.raises(InputError, match="PN110"):
        hot_issues(_intake(), writer_col="nobody")
