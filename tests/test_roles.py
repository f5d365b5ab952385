"""Column roles checked against their values, options that name or switch off a role, the
handling result's classes, the header row below a title, and "did you mean" guesses."""
from __future__ import annotations

import pandas as pd
import pytest

from proposal_nlp.errors import InputError
from proposal_nlp.roles import (RESULT_CLASSES, ROLE_SHARE, SATISFACTION_LEVELS, detect_columns, detect_roles,
                                find_header_row, normalize_result, normalize_satisfaction, numeric_share, text_guess)

CATEGORIES = ["农林水利", "医卫体育", "城乡建设", "教育科技", "农林水利"]


def _table(**cols):
    n = len(next(iter(cols.values())))
    return pd.DataFrame({"编号": [str(i) for i in range(n)], "内容": ["建议加强管理。"] * n, **cols})


# ---------------------------------------------------------------- kind and handling, by their values


def test_a_category_column_is_not_taken_as_the_kind():
    roles, notes = detect_roles(_table(类别=CATEGORIES))
    assert roles["kind"] is None
    assert len(notes) == 1 and "'类别'" in notes[0] and "'农林水利'" in notes[0] and "--kind-col" in notes[0]


def test_a_kind_column_is_taken_with_its_spellings():
    roles, notes = detect_roles(_table(类型=["建议", "政协提案", "代表建议", "委员提案", "议案"]))
    assert roles["kind"] == "类型" and notes == []


@pytest.mark.parametrize("n_kinds, taken", [(4, True), (3, False)])
def test_the_share_of_kinds_decides(n_kinds, taken):
    assert ROLE_SHARE == 0.8
    values = ["提案"] * n_kinds + ["农林水利"] * (5 - n_kinds)
    roles, notes = detect_roles(_table(类别=values + ["", ""]))  # empty cells do not count
    assert (roles["kind"] == "类别") is taken and bool(notes) is not taken


def test_the_next_header_is_tried_when_the_first_holds_no_kinds():
    roles, notes = detect_roles(_table(类型=CATEGORIES, 类别=["建议"] * 5))
    assert roles["kind"] == "类别" and "'类型'" in notes[0]


def test_an_empty_kind_column_is_kept():
    roles, notes = detect_roles(_table(类型=[""] * 5))
    assert roles["kind"] == "类型" and notes == []


def test_a_handling_column_must_hold_lead_or_co_handling():
    roles, notes = detect_roles(_table(办理方式=["书面答复", "当面答复", "书面答复", "电话", "书面答复"]))
    assert roles["handling"] is None and "'办理方式'" in notes[0] and "--handling-col" in notes[0]
    roles, notes = detect_roles(_table(办理方式=["主办", "协办", "会办", "独办", "主办"]))
    assert roles["handling"] == "办理方式" and notes == []


def test_a_satisfaction_column_must_hold_satisfaction_levels():
    roles, notes = detect_roles(_table(满意度=["满意", "基本满意", "满意", "不满意", ""]))
    assert roles["satisfaction"] == "满意度" and notes == []
    roles, notes = detect_roles(_table(反馈意见=["希望尽快落实", "已收到答复", "满意", "无", "建议加快"]))
    assert roles["satisfaction"] is None and "--satisfaction-col" in notes[0]
    assert detect_columns(["内容", "测评"], satisfaction_col="测评")["satisfaction"] == "测评"


@pytest.mark.parametrize("value, level", [("满意", "满意"), ("非常满意", "满意"), ("基本满意", "基本满意"),
                                          ("比较满意", "基本满意"), (" 不满意 ", "不满意"), ("未反馈", "未反馈"),
                                          ("", ""), (None, "")])
def test_satisfaction_in_its_three_levels(value, level):
    assert normalize_satisfaction(value) == level
    assert level in SATISFACTION_LEVELS or level == str(value or "").strip()


def test_a_named_column_wins_and_says_when_its_values_look_odd():
    roles, notes = detect_roles(_table(类别=CATEGORIES), kind_col="类别")
    assert roles["kind"] == "类别"
    assert len(notes) == 1 and "as asked" in notes[0] and "0%" in notes[0]


def test_none_switches_a_role_off():
    df = _table(类型=["建议"] * 5, 办理方式=["主办"] * 5, 办理结果=["已解决"] * 5)
    roles, notes = detect_roles(df, kind_col="none", handling_col="None", result_col=False)
    assert roles["kind"] is None and roles["handling"] is None and roles["result"] is None and notes == []
    assert detect_roles(df)[0]["result"] == "办理结果"


def test_the_text_role_cannot_be_switched_off():
    with pytest.raises(InputError, match=r"PN136.*cannot be switched off"):
        detect_columns(["编号", "内容"], text_col="none")


def test_one_column_for_two_roles_is_refused():
    with pytest.raises(InputError, match=r"PN136.*'内容' is given as both the text and the kind"):
        detect_columns(["编号", "内容"], text_col="内容", kind_col="内容")


def test_a_named_column_that_is_missing_says_how_to_leave_the_role_out():
    with pytest.raises(InputError, match=r"PN110.*'类别x'.*did you mean '类别'.*--kind-col none"):
        detect_columns(["内容", "类别"], kind_col="类别x")


@pytest.mark.parametrize("columns, role, col", [
    (["内容", "办理结果"], "result", "办理结果"),
    (["内容", "答复类型"], "result", "答复类型"),
    (["text", "Result"], "result", "Result"),
    (["内容", "主办会办"], "handling", "主办会办"),
])
def test_role_headers(columns, role, col):
    assert detect_columns(columns)[role] == col


# ---------------------------------------------------------------- handling results


@pytest.mark.parametrize("value, cls", [
    ("解决采纳", "解决采纳"), ("已解决", "解决采纳"), ("A类", "解决采纳"), ("a", "解决采纳"), ("已采纳", "解决采纳"),
    ("正在解决", "正在解决或列入计划"), ("列入计划", "正在解决或列入计划"), ("B类（列入计划解决）", "正在解决或列入计划"),
    ("因条件限制暂不能解决", "因条件限制暂不能解决"), ("暂不能解决", "因条件限制暂不能解决"), ("C", "因条件限制暂不能解决"),
    ("因条件限制或其他原因需以后解决", "因条件限制暂不能解决"),
    ("留作参考", "留作参考"), ("D类", "留作参考"), (" 留作参考 ", "留作参考"),
    ("已函复", "已函复"), ("", ""), (None, ""),  # unknown values are kept as written
])
def test_results_in_their_four_classes(value, cls):
    assert normalize_result(value) == cls
    assert cls in RESULT_CLASSES or cls == str(value or "").strip()


# ---------------------------------------------------------------- the header row


TITLE = ["2024年代表建议汇总表", "", "", ""]
UNIT = ["填报单位：市应急管理局", "", "", "填报日期：2024年12月"]
HEADER = ["序号", "类别", "标题", "内容"]
ROW = ["1", "农林水利", "关于防汛的建议", "建议加快排水管网改造。"]


@pytest.mark.parametrize("rows, want", [
    ([HEADER, ROW], 0),
    ([TITLE, HEADER, ROW], 1),
    ([TITLE, UNIT, HEADER, ROW, ROW], 2),
    ([TITLE, [], UNIT, [""] * 4, HEADER, ROW], 4),  # blank rows count, as a spreadsheet shows them
    ([TITLE, UNIT, ["甲", "乙"], ROW], 0),  # nothing known: row 1, and the text column error says why
    ([TITLE, ["序号", "诉求描述"], ROW], 0),  # one known header without a text header is not enough
    ([TITLE, ["序号", "标题", "诉求描述"], ROW], 1),
    ([TITLE] * 11 + [HEADER], 0),  # only the first rows are looked at
])
def test_find_header_row(rows, want):
    assert find_header_row(rows) == want


def test_columns_the_user_names_are_known_headers():
    rows = [TITLE, ["编码", "诉求描述"], ["1", "路灯坏了"]]
    assert find_header_row(rows) == 0 and find_header_row(rows, names=["诉求描述"]) == 1


# ---------------------------------------------------------------- did you mean


def test_did_you_mean_never_proposes_a_column_of_numbers():
    df = pd.DataFrame({"a": ["1", "2", "3"], "b": ["小区路灯坏了很久没人修", "楼道堆放杂物存在隐患", "希望增设公交线路"]})
    assert numeric_share(df["a"]) == 1.0 and numeric_share(df["b"]) == 0.0
    with pytest.raises(InputError) as info:
        detect_roles(df)
    assert "did you mean 'b'" in str(info.value) and "'a'?" not in str(info.value)
    with pytest.raises(InputError) as info:
        detect_roles(df, text_col="a1")
    assert "PN110" in str(info.value) and "did you mean 'a'" not in str(info.value)


def test_did_you_mean_the_column_of_the_longest_texts():
    df = pd.DataFrame({"编码": ["A1", "A2"], "x1": ["甲", "乙"], "诉求": ["小区路灯坏了很久没人修，晚上出行不便", "楼道堆放杂物，存在火灾隐患，请物业清理"]})
    assert text_guess(df.columns, df) == "诉求"
    assert text_guess(["编码", "x1"], df[["编码", "x1"]]) is None


def test_no_text_column_below_a_title_row_points_to_header_row():
    with pytest.raises(InputError, match=r"PN111.*'2024年代表建议汇总表', 'Unnamed: 1'.*--header-row N"):
        detect_columns(["2024年代表建议汇总表", "Unnamed: 1", "Unnamed: 2"])
