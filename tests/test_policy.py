"""parse_policy and load_clauses: frameworks, outlines and law articles written for these
tests, the seed's 12345 framework, bad input, and offsets under Hypothesis."""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proposal_nlp.errors import InputError, StructureWarning
from proposal_nlp.policy import (BOILERPLATE_KINDS, Clause, boilerplate_kind, clauses_frame, cn_number, is_penalty,
                                  load_clauses, parse_policy)
from proposal_nlp.resources import data_dir

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / ".." / "shared" / "seeds" / "000_58b9e089a002dfe6.txt"


def _check(text: str, clauses: list[Clause]) -> None:
    assert len({c.clause_id for c in clauses}) == len(clauses), "clause ids must be unique"
    for c in clauses:
        assert 0 <= c.start <= c.end <= len(text)
        assert text[c.start:c.end] == c.text


@pytest.mark.parametrize("s, n", [("一", 1), ("两", 2), ("十", 10), ("十二", 12), ("二十一", 21),
                                  ("一百零五", 105), ("7", 7), ("", None), ("x", None)])
def test_cn_number(s, n):
    assert cn_number(s) == n


# ---------------------------------------------------------------------------- the seed
@pytest.mark.skipif(not SEED.exists(), reason="the seed (../shared/seeds) is not beside this checkout")
def test_seed_framework_has_the_15_clauses_in_order():
    text = SEED.read_text(encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", StructureWarning)
        clauses = parse_policy(text, doc_id="seed")
    _check(text, clauses)
    groups = ["一个目标", "两大领域", "三个坚持", "四大问题", "五个突出"]
    expected = [f"{g}.{i}" for n, g in enumerate(groups, 1) for i in range(1, n + 1)]
    assert [c.clause_id for c in clauses] == expected
    assert [c.group for c in clauses] == [c.clause_id.split(".")[0] for c in clauses]
    assert all(c.kind == "framework_item" and c.doc_id == "seed" for c in clauses)
    assert len({c.text for c in clauses}) == 15, "each clause has its own text"
    by_id = {c.clause_id: c.text for c in clauses}
    assert by_id["三个坚持.2"] == "以韧性为主线"
    assert by_id["四大问题.1"].startswith("聚焦灾害性气候") and by_id["四大问题.1"].endswith("平灾转换不畅的问题")
    assert by_id["五个突出.5"].startswith("突出多元力量")
    assert "自然灾害" in by_id["两大领域.1"] and "事故灾难" in by_id["两大领域.2"]


# ---------------------------------------------------------------------------- frameworks
def test_framework_with_other_counts_and_words():
    text = ("构建“一条主线、两个抓手、三项机制”工作格局。一条主线：以人民安全为中心。"
            "两个抓手：网格化管理；数字化平台。三项机制：一是会商机制，二是督办机制，三是评估机制。")
    clauses = parse_policy(text)
    _check(text, clauses)
    assert [c.clause_id for c in clauses] == ["一条主线.1", "两个抓手.1", "两个抓手.2",
                                              "三项机制.1", "三项机制.2", "三项机制.3"]
    assert clauses[2].text == "数字化平台"
    assert clauses[-1].text.endswith("评估机制")


def test_framework_items_listed_after_a_colon_with_dunhao():
    text = "坚持“四个着力”：着力补短板、着力强基层、着力防风险、着力促融合。"
    clauses = parse_policy(text)
    _check(text, clauses)
    assert [c.text for c in clauses] == ["着力补短板", "着力强基层", "着力防风险", "着力促融合"]
    assert {c.parent_id for c in clauses} == {"四个着力"}


def test_framework_arabic_count_and_unquoted_name():
    text = "实施3项工程：老旧小区消防改造；高层建筑隐患整治；电动自行车集中充电设施建设。"
    clauses = parse_policy(text)
    assert [c.clause_id for c in clauses] == ["3项工程.1", "3项工程.2", "3项工程.3"]


def test_count_that_disagrees_warns_and_keeps_every_item():
    text = "强化“五个突出”：突出上海特点；突出远近推进；突出韧性牵引；突出体系应对。"
    with pytest.warns(StructureWarning, match="五个突出"):
        clauses = parse_policy(text)
    _check(text, clauses)
    assert [c.text for c in clauses] == ["突出上海特点", "突出远近推进", "突出韧性牵引", "突出体系应对"]


# ---------------------------------------------------------------------------- outlines
OUTLINE = """一、总体要求
（一）指导思想。坚持人民至上、生命至上。
（二）工作目标。到2027年，基本建成韧性安全城市。
二、重点任务
（一）加强规划引领。
1.编制专项规划。以国土空间规划为底图。
2.划定安全控制线。
（1）化工园区控制线；（2）危险品仓储控制线。
（二）推进项目建设。①海绵城市；②平急两用设施。
"""


def test_outline_ids_levels_and_groups():
    clauses = parse_policy(OUTLINE)
    _check(OUTLINE, clauses)
    ids = [c.clause_id for c in clauses]
    assert ids[:3] == ["一", "一.（一）", "一.（二）"]
    assert "二.（一）.1" in ids and "二.（一）.2.（1）" in ids and "二.（一）.2.（2）" in ids
    assert "二.（二）.①" in ids and "二.（二）.②" in ids
    by = {c.clause_id: c for c in clauses}
    assert by["二.（一）.1"].group == "重点任务"
    assert by["二.（一）.1"].parent_id == "二.（一）"
    assert by["二.（一）.1"].level == 3
    assert by["二"].kind == "heading" and by["一.（二）"].kind == "item"
    assert by["二.（一）.1"].text == "1.编制专项规划。以国土空间规划为底图。"


def test_seed_as_outline_when_asked():
    if not SEED.exists():
        pytest.skip("the seed (../shared/seeds) is not beside this checkout")
    text = SEED.read_text(encoding="utf-8")
    ids = [c.clause_id for c in parse_policy(text, structure="outline")]
    assert ids[:3] == ["一", "二", "二.（一）"]


# ---------------------------------------------------------------------------- law articles
LAW = """## 第一章  总则
第一条 为了预防火灾，制定本条例。
第二条 本市行政区域内的消防工作，适用本条例。
单位应当落实消防安全责任。
## 第二章  火灾预防
### 第一节 一般规定
第三条 禁止占用、堵塞、封闭消防车通道。
第十二条 电动自行车应当在安全区域停放、充电。
## 第三章  附则
第十三条 本条例自2025年1月1日起施行。
"""


def test_law_articles_under_chapters_and_sections():
    clauses = parse_policy(LAW, doc_id="消防条例")
    _check(LAW, clauses)
    assert [c.clause_id for c in clauses] == ["第一条", "第二条", "第三条", "第十二条", "第十三条"]
    by = {c.clause_id: c for c in clauses}
    assert by["第一条"].group == "第一章 总则" and by["第一条"].parent_id == "第一章"
    assert by["第二条"].text.endswith("落实消防安全责任。")
    assert by["第十二条"].group == "第二章 火灾预防"
    assert by["第十二条"].parent_id == "第二章.第一节" and by["第十二条"].level == 3
    assert by["第十三条"].group == "第三章 附则"
    assert all(c.kind == "article" and c.doc_id == "消防条例" for c in clauses)


@pytest.mark.skipif(data_dir() is None, reason="shared data folder (../shared/data) is absent")
def test_every_law_of_the_emergency_subset_parses_to_its_article_count():
    path = data_dir() / "lawrefbook_laws" / "laws_emergency_fire_safety_subset.jsonl"
    if not path.exists():
        pytest.skip(f"{path.name} is not in the shared data folder")
    with open(path, encoding="utf-8") as f:
        docs = [json.loads(line) for line in f]
    for d in docs:
        clauses = parse_policy(d["text"], doc_id=d["title"])
        assert len(clauses) == len(d["articles"]), d["title"]
        assert [c.clause_id for c in clauses][:3] == [a["article"] for a in d["articles"]][:3]
        _check(d["text"], clauses)


# ---------------------------------------------------------------------------- edge cases
def test_empty_and_paragraph_fallback_and_bad_input():
    assert parse_policy("") == []
    assert parse_policy("  \n ") == []
    text = "加强消防安全管理。\n\n推进老旧小区改造。"
    clauses = parse_policy(text)
    assert [c.clause_id for c in clauses] == ["p1", "p2"] and clauses[1].text == "推进老旧小区改造。"
    with pytest.raises(TypeError):
        parse_policy(None)
    with pytest.raises(InputError, match="PN402"):
        parse_policy("x", structure="chapters")


def test_one_megabyte_policy():
    item = "突出韧性牵引，创新提出韧性安全社区等新举措"
    text = "强化“三个突出”：" + "；".join([item] * 3) + "。\n" + "附" * 1_000_000
    clauses = parse_policy(text)
    assert len(clauses) == 3
    _check(text, clauses)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["一、", "（二）", "1.", "（3）", "①", "第五条 ", "第二章 总则\n", "“两大领域”：",
                                 "；", "、", "。", "\n", "消防", "韧性安全", "Ａ", " ", "“", "”", "十"]),
                max_size=40))
def test_offsets_slice_back_and_ids_are_unique(parts):
    text = "".join(parts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StructureWarning)
        clauses = parse_policy(text)
    _check(text, clauses)


# ---------------------------------------------------------------------------- load_clauses
def test_load_clauses_csv_xlsx_jsonl(tmp_path):
    df = pd.DataFrame({"clause_id": ["第一条", "第二条"], "text": ["预防火灾。", "消防车通道。"],
                       "group": ["总则", "总则"]})
    df.to_csv(tmp_path / "c.csv", index=False, encoding="utf-8-sig")
    df.to_excel(tmp_path / "c.xlsx", index=False)
    with open(tmp_path / "c.jsonl", "w", encoding="utf-8") as f:
        for r in df.to_dict("records"):
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    for name in ("c.csv", "c.xlsx", "c.jsonl"):
        clauses = load_clauses(tmp_path / name)
        assert [c.clause_id for c in clauses] == ["第一条", "第二条"]
        assert clauses[1].text == "消防车通道。" and clauses[0].group == "总则"
    assert list(clauses_frame(clauses).columns)[:3] == ["clause_id", "group", "index"]


def test_load_clauses_errors(tmp_path):
    (tmp_path / "dup.csv").write_text("clause_id,text\na,x\na,y\n", encoding="utf-8")
    with pytest.raises(InputError, match="duplicate clause_id: a"):
        load_clauses(tmp_path / "dup.csv")
    (tmp_path / "empty.csv").write_text("clause_id,text\n", encoding="utf-8")
    with pytest.raises(InputError, match="no clauses"):
        load_clauses(tmp_path / "empty.csv")
    (tmp_path / "cols.csv").write_text("id,body\na,x\n", encoding="utf-8")
    with pytest.raises(InputError, match="clause_id"):
        load_clauses(tmp_path / "cols.csv")
    with pytest.raises(InputError, match="does not exist"):
        load_clauses(tmp_path / "missing.csv")


def test_framework_items_on_their_own_lines():
    text = ("强化“三个突出”：\n1.突出上海特点，发挥区域优势；\n2.突出远近推进；\n3.突出多元力量。\n\n"
            "四、下一步工作计划\n")
    clauses = parse_policy(text)
    _check(text, clauses)
    assert [c.clause_id for c in clauses] == ["三个突出.1", "三个突出.2", "三个突出.3"]
    assert clauses[2].text.startswith("3.突出多元力量")


def test_outline_clauses_start_at_their_marker_without_edge_spaces():
    text = "一、总体要求\n\u00a0\u00a0（一）加强领导。\u00a0\n\u00a0\u00a0（二）完善制度。\n❶落实经费；❷强化考核。"
    clauses = parse_policy(text, structure="outline")
    _check(text, clauses)
    assert [(c.clause_id, c.index, c.text) for c in clauses] == [
        ("一", 1, "一、总体要求"), ("一.（一）", 1, "（一）加强领导。"),
        ("一.（二）", 2, "（二）完善制度。"), ("一.（二）.❶", 1, "❶落实经费；"), ("一.（二）.❷", 2, "❷强化考核。")]


# ---------------------------------------------------------------------------- bounded work per text
# these runs make a clause (or an article mark) every one to four characters (a heading or an
# article per line, a circled number per character): their time follows the number of
# clauses (checked linear below), not the length of normal text
_CLAUSE_PER_CHARACTER = {"cn_heading_lines", "law_article_lines", "circled"}


@pytest.mark.parametrize("n", [100_000, pytest.param(1_000_000, marks=pytest.mark.slow)])
def test_parse_policy_takes_linear_time_on_pathological_runs(n):
    from pathological import RUNS, OPENED_RUNS, slowdowns

    names = [k for k in [*RUNS, *OPENED_RUNS] if k not in _CLAUSE_PER_CHARACTER]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StructureWarning)  # framework groups without their items
        slow = {k: r for k, r in slowdowns(parse_policy, n, names).items() if r > 5}
    assert not slow, f"parse_policy is more than 5x slower on these runs than on normal text: {slow}"


@pytest.mark.slow  # a time ratio: run with -m slow on a quiet machine (benchmarks/robustness.py times it too)
@pytest.mark.parametrize("unit", ["一、目标\n", "（一）目标\n", "1.目标\n", "①加强", "一、目标\n二、任务\n", "第一条 内容\n"])
def test_parse_policy_time_grows_linearly_in_headings(unit):
    # 4x the headings takes about 4x the time (repeated numbering took quadratic time:
    # 10,000 headings 1.4 s, 40,000 headings 45 s); 8x leaves room for noise
    from pathological import time_min

    small, big = unit * 2_500, unit * 10_000
    assert len(parse_policy(small)) == 2_500 * unit.count("\n") or unit.count("\n") == 0
    assert time_min(parse_policy, big) < 8 * time_min(parse_policy, small)


def test_repeated_numbering_gives_unique_ids_in_order():
    ids = [c.clause_id for c in parse_policy("一、甲\n一、乙\n（一）子\n（一）丑\n一、丙\n（一）寅\n")]
    assert ids == ["一", "一#2", "一#2.（一）", "一#2.（一）#2", "一#3", "一#3.（一）"]


# ---------------------------------------------------------------------------- text as it comes
def test_a_traditional_policy_parses_as_its_simplified_twin():
    # written for this test, character for character
    simp = "第一章 总则\n第一条 为了预防火灾，制定本条例。\n第二条 本条例适用于本市。\n"
    trad = "第一章 總則\n第一條 為了預防火災，制定本條例。\n第二條 本條例適用於本市。\n"
    a, b = parse_policy(simp), parse_policy(trad)
    assert [(c.clause_id, c.start, c.end, c.kind) for c in b] == [(c.clause_id, c.start, c.end, c.kind) for c in a]
    assert len(b) == 2 and all(trad[c.start:c.end] == c.text for c in b)


def test_lone_surrogates_in_a_jsonl_clause_table_are_replaced(tmp_path):
    from proposal_nlp.errors import DataWarning

    path = tmp_path / "clauses.jsonl"
    path.write_text('{"clause_id": "c\\ud800", "text": "加强\\udfff消防管理"}\n{"clause_id": "c2", "text": "建设"}\n',
                    encoding="utf-8")
    with pytest.warns(DataWarning, match=r"PN010.*2 character"):
        clauses = load_clauses(path)
    assert [(c.clause_id, c.text) for c in clauses] == [("c\ufffd", "加强\ufffd消防管理"), ("c2", "建设")]


# ---------------------------------------------------------------------------- boilerplate and penalties
@pytest.mark.parametrize("text, kind", [
    ("本条例自2024年1月1日起施行。", "entry_into_force"),
    ("第七十四条 本办法自公布之日起施行。2010年的《某某规定》同时废止。", "entry_into_force"),
    ("本规定由市应急管理局负责解释。", "interpretation"),
    ("每年11月9日为本市消防活动日。", "publicity_day"),
    ("本条例所称消防设施，是指火灾自动报警系统、自动灭火系统、消火栓系统等。", "definition"),
    ("本法下列用语的含义：\n（一）消防产品，是指专门用于火灾预防的产品。", "definition"),
    ("为了预防火灾和减少火灾危害，根据有关法律，结合本市实际，制定本条例。", "purpose"),
    # measures stay measures
    ("每年11月9日为本市消防日。各级人民政府应当在消防日组织开展消防安全宣传活动。", ""),
    ("本规定施行前已经购买的电动自行车，所有人应当自本规定施行之日起三个月内申请临时通行号牌。", ""),
    ("本条例所称高层建筑的管理单位应当定期检查消防设施。", ""),
    ("任何单位、个人不得占用、堵塞、封闭疏散通道、安全出口、消防车通道。", ""),
    ("坚持以消防通道畅通为底线", ""),
    ("", ""),
])
def test_boilerplate_kind(text, kind):
    assert boilerplate_kind(text) == kind
    assert kind in BOILERPLATE_KINDS + ("",)


def test_boilerplate_flag_column():
    df = clauses_frame(parse_policy("第一条 为了预防火灾，制定本条例。\n第二条 禁止占用消防车通道。\n"
                                    "第三条 本条例自2024年1月1日起施行。\n"))
    assert df["boilerplate"].tolist() == ["purpose", "", "entry_into_force"]
    assert boilerplate_kind(None) == ""


@pytest.mark.parametrize("text, penalty", [
    ("违反本条例规定，占用消防车通道的，由消防救援机构责令改正，处五千元以上五万元以下罚款。", True),
    ("单位违反本法规定，有下列行为之一的，责令改正，处五千元以上五万元以下罚款", True),
    ("任何单位、个人不得占用、堵塞、封闭疏散通道。", False),
])
def test_is_penalty(text, penalty):
    assert is_penalty(text) is penalty
