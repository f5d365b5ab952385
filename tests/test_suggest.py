"""extract_suggestions: rules on texts written for these tests, invariants under Hypothesis,
the seed's case 0219 and the demo corpus gold."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proposal_nlp.errors import InputError
from proposal_nlp.normalize import normalize
from proposal_nlp.suggest import (
    SOURCES,
    Suggestion,
    detect_kind,
    extract_suggestions,
    parse_proposal,
)

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "corpora" / "demo"
SEED = ROOT / ".." / "shared" / "seeds" / "000_58b9e089a002dfe6.txt"


def _check_invariants(text: str, spans: list[Suggestion]) -> None:
    last = 0
    for s in spans:
        assert 0 <= s.start < s.end <= len(text)
        assert text[s.start:s.end] == s.text
        assert s.start >= last, "spans overlap or are out of order"
        assert s.source in SOURCES
        assert 0.0 <= s.score <= 1.0
        last = s.end


def asks(text: str, **kw) -> list[str]:
    spans = extract_suggestions(text, **kw)
    _check_invariants(text, spans)
    return [s.text for s in spans]


# ---------------------------------------------------------------------------- table of cases
PROBLEM_THEN_ASKS = (
    "近年来本区老旧小区电动自行车数量增长较快。\n"
    "存在的问题：一是充电设施数量不足，二是楼道堆放现象较多，三是巡查力量薄弱。\n"
    "为此建议：一是加快建设集中充电棚，每个小区至少配建一处。二是开展楼道堆物专项清理，"
    "由街道牵头每季度检查一次。三是充实网格巡查力量。"
)

NESTED = (
    "一、基本情况\n本市共有高层住宅四千余幢。\n"
    "二、存在问题\n（一）消防设施老化。部分楼宇喷淋系统无法正常启动。\n（二）维保资金缺乏。\n"
    "三、对策建议\n"
    "（一）完善设施更新机制。\n1.建立高层住宅消防设施体检制度，每两年评估一次。\n"
    "2.将设施更新纳入城市更新项目库。\n"
    "（二）拓宽维保资金来源，允许使用专项维修资金支付消防设施维保费用。\n"
)

CASES = [
    # (id, text, kind, expected ask texts)
    ("problem_then_yishi", PROBLEM_THEN_ASKS, None, [
        "加快建设集中充电棚，每个小区至少配建一处。",
        "开展楼道堆物专项清理，由街道牵头每季度检查一次。",
        "充实网格巡查力量。",
    ]),
    ("nested_group_heading", NESTED, None, [
        "建立高层住宅消防设施体检制度，每两年评估一次。",
        "将设施更新纳入城市更新项目库。",
        "拓宽维保资金来源，允许使用专项维修资金支付消防设施维保费用。",
    ]),
    ("di_yi", "河道堤防年久失修，汛期隐患突出。为此提出以下建议：第一，开展堤防安全普查。"
              "第二，设立堤防加固专项资金。第三，建立汛期巡堤责任制度。", None, [
        "开展堤防安全普查。", "设立堤防加固专项资金。", "建立汛期巡堤责任制度。"]),
    ("shouxian", "地下车库进水风险较高。建议如下：首先，在车库入口加装挡水板。其次，汛前组织演练。"
                 "最后，完善预警信息推送。", None, [
        "在车库入口加装挡水板。", "汛前组织演练。", "完善预警信息推送。"]),
    ("cue_sentences_only", "商业街通道经常被占用，救援车辆难以通行。\n"
                           "建议由区政府牵头开展一次通道专项排查。应当增设临时停车泊位。\n"
                           "希望通过集中治理形成长效机制。", None, [
        "建议由区政府牵头开展一次通道专项排查。", "应当增设临时停车泊位。"]),
    ("arabic_after_heading", "具体建议：\n1.推广独立式烟感报警器。\n2.加强独居老人走访。\n", None, [
        "推广独立式烟感报警器。", "加强独居老人走访。"]),
    ("fullwidth_digits", "为此建议：\n１．开展危化品车辆专项检查。\n２．建立运输企业黑名单制度。\n", None, [
        "开展危化品车辆专项检查。", "建立运输企业黑名单制度。"]),
    ("quoted_asks_in_report", "张某某等委员在第0101号提案中提出了“加快建设避难场所”“完善物资储备体系”的建议。"
                              "我局高度重视。", "summary", [
        "加快建设避难场所", "完善物资储备体系"]),
    ("no_asks", "今天天气晴朗，气温二十度。", None, []),
    ("empty", "", None, []),
]


@pytest.mark.parametrize("case_id,text,kind,expected", CASES, ids=[c[0] for c in CASES])
def test_cases(case_id, text, kind, expected):
    assert asks(text, kind=kind) == expected


def test_problem_enumeration_is_not_an_ask():
    got = asks(PROBLEM_THEN_ASKS)
    assert not any("不足" in a or "薄弱" in a for a in got)


def test_summary_next_steps_are_measures():
    text = ("市政府办公厅：\n现将我局今年建议提案办理情况总结报告如下。\n一、基本情况\n今年共承办建议提案二十件。\n"
            "二、下一步工作计划\n（一）加强跟踪回访，巩固办理成效。定期回访代表委员。\n"
            "（二）推动成果转化，完善应急预案体系。\n附件：1.办理清单\n2.公开网址\n")
    assert detect_kind(text) == "summary"
    spans = extract_suggestions(text)
    _check_invariants(text, spans)
    assert [s.source for s in spans] == ["measure", "measure"]
    assert spans[0].text == "加强跟踪回访，巩固办理成效。定期回访代表委员。"
    assert spans[0].section == "下一步工作计划"
    assert spans[1].text == "推动成果转化，完善应急预案体系。"


def test_fields_of_a_suggestion():
    text = "为此建议：\n（一）加快编制全区防汛专项规划。\n（二）健全应急物资储备制度。\n"
    s = extract_suggestions(text)[0]
    assert (s.source, s.marker, s.level) == ("enumeration", "（一）", 0)
    assert s.action == "编制"
    assert s.object == "全区防汛专项规划"
    assert set(s.as_dict()) >= {"start", "end", "text", "action", "object", "source", "section", "score"}


@pytest.mark.parametrize("text,action,obj", [
    ("加快补齐小区充电设施短板。", "补齐", "小区充电设施短板"),
    ("加大对非法改装电池的打击力度。", "打击", "非法改装电池"),
    ("将消防设施维保纳入物业服务标准。", "纳入", "消防设施维保"),
    ("对占用通道的车辆，要依法查处。", "查处", "占用通道的车辆"),
])
def test_action_object(text, action, obj):
    s = extract_suggestions("为此建议：\n1." + text + "\n2.开展专项检查。\n")[0]
    assert (s.action, s.object) == (action, obj)


@pytest.mark.parametrize("text", [
    "2025年全市完成改造1.5亿元，2.3万户受益。建议：1.扩大补贴范围。2.简化申请流程。",
    "根据第（八）条和第3条规定，“一、二、三”类场所应当配置灭火器。",
    "1.开展排查。（二）建立台账。3)完善制度。① 推进宣传",
    "一、二、三、四、五、",
    "（一）（二）（三）",
    "1.\n2.\n3.\n",
])
def test_numbering_garbage_keeps_invariants(text):
    spans = extract_suggestions(text)
    _check_invariants(text, spans)


def test_dates_and_decimals_are_not_markers():
    text = "2025年投入1.5亿元。建议：1.扩大补贴范围。2.简化申请流程。"
    assert asks(text) == ["扩大补贴范围。", "简化申请流程。"]


def test_long_text_is_handled():
    unit = ("调研发现，部分小区消防通道被占用，问题较为突出。为此建议：一是开展专项整治。二是建立长效机制。\n")
    text = unit * (1_000_000 // len(unit) + 1)
    assert len(text) > 1_000_000
    spans = extract_suggestions(text)
    _check_invariants(text, spans)
    assert spans


def test_bad_arguments():
    with pytest.raises(TypeError):
        extract_suggestions(None)
    with pytest.raises(InputError):
        extract_suggestions("建议加强管理。", kind="letter")


# ---------------------------------------------------------------------------- properties
_PIECES = st.sampled_from([
    "一、", "二、", "三、", "（一）", "（二）", "(三)", "1.", "2.", "3、", "１．", "２．", "（1）", "(2)",
    "①", "②", "一是", "二是", "第一，", "第二，", "首先，", "其次，", "最后，", "建议", "应当", "要",
    "加快", "完善", "问题", "不足", "。", "，", "；", "：", "\n", " ", "“", "”", "《", "》",
    "2025年", "1.5亿", "为此建议：", "具体建议：", "问题分析：", "下一步工作计划", "附件：",
    "提出了“加强管理”的建议", "消防", "设施", "建立", "制度",
])
_TEXTS = st.lists(st.one_of(_PIECES, st.text(min_size=0, max_size=5)), max_size=80).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_TEXTS, kind=st.sampled_from([None, "proposal", "reply", "summary"]))
def test_spans_inside_ordered_non_overlapping(text, kind):
    spans = extract_suggestions(text, kind=kind)
    _check_invariants(text, spans)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.data_too_large])
@given(unit=st.lists(_PIECES, min_size=5, max_size=40).map("".join))
def test_megabyte_texts(unit):
    text = (unit * (1_000_000 // max(1, len(unit)) + 1))[:1_000_000]
    spans = extract_suggestions(text)
    _check_invariants(text, spans)


# ---------------------------------------------------------------------------- seed and demo
SEED_ASKS = ["加快编制建设上海韧性安全城市专项规划",
             "加快构建上海与长三角区域韧性安全城市建设紧密协同",
             "强化推进工作的协同机制，细化年度行动计划"]


@pytest.mark.skipif(not SEED.is_file(), reason="seed text ../shared/seeds not present on this machine")
def test_seed_0219_three_quoted_asks():
    text = SEED.read_text(encoding="utf-8")
    spans = extract_suggestions(text)
    _check_invariants(text, spans)
    quoted = [s for s in spans if s.source == "quoted_ask"]
    assert [normalize(s.text) for s in quoted] == [normalize(a) for a in SEED_ASKS]
    measures = [s for s in spans if s.source == "measure"]
    assert len(measures) == 3
    info = parse_proposal(text)
    assert info.number.value == "0219"
    assert info.session.value == "市政协十四届二次会议"
    assert info.proposers.value == "王训国等委员"


@pytest.mark.skipif(not (DEMO / "asks_gold.jsonl").is_file(), reason="demo corpus gold not present")
def test_demo_corpus_golden():
    import pandas as pd

    from proposal_nlp.batch import demo_files

    df = pd.read_csv(demo_files()[0], dtype=str, keep_default_na=False, encoding="utf-8-sig")
    gold: dict = {}
    with open(DEMO / "asks_gold.jsonl", encoding="utf-8") as f:
        for line in f:
            g = json.loads(line)
            gold.setdefault(g["编号"], []).append(g)
    n_pred = n_gold = matched_gold = matched_pred = 0

    def overlap(a, b):  # share of the shorter span covered by the other
        inter = min(a[1], b[1]) - max(a[0], b[0])
        return inter / min(a[1] - a[0], b[1] - b[0]) if inter > 0 else 0.0

    for _, row in df.iterrows():
        text = row["内容"]
        spans = extract_suggestions(text)
        _check_invariants(text, spans)
        gs = [(g["start"], g["end"]) for g in gold.get(row["编号"], [])]
        ps = [(s.start, s.end) for s in spans]
        n_pred += len(ps)
        n_gold += len(gs)
        matched_gold += sum(any(overlap(g, p) >= 0.8 for p in ps) for g in gs)
        matched_pred += sum(any(overlap(g, p) >= 0.8 for g in gs) for p in ps)
    assert n_gold > 0
    assert matched_gold / n_gold >= 0.90
    assert matched_pred / max(n_pred, 1) >= 0.90


def test_suggestions_table_is_tidy():
    from proposal_nlp import suggestions_table
    from proposal_nlp.suggest import SUGGESTION_COLUMNS

    texts = ["为此建议：\n1.开展通道排查。\n2.建立巡查台账。\n", "今天开会。", "建议每年对储备物资进行检查。"]
    df = suggestions_table(texts, ids=["a", "b", "c"])
    assert list(df.columns) == list(SUGGESTION_COLUMNS)
    assert df["id"].tolist() == ["a", "a", "c"]
    assert df["ask_no"].tolist() == [1, 2, 1]
    by_id = dict(zip(["a", "b", "c"], texts))
    for row in df.itertuples():
        assert by_id[row.id][row.start:row.end] == row.text
    assert (df.loc[2, "action"], df.loc[2, "object"]) == ("检查", "储备物资")
    with pytest.raises(InputError):
        suggestions_table(texts, ids=["a"])


def test_reply_announced_measures():
    text = ("李明远代表：\n您提出的《关于加强社区消防宣传的建议》收悉。经研究，答复如下：\n"
            "近年来，我局持续开展消防宣传进社区活动。\n"
            "下一步，我局将会同各区在老旧小区增设消防宣传栏，并组织志愿者入户讲解。\n"
            "感谢您对消防工作的关心和支持。")
    assert detect_kind(text) == "reply"
    spans = extract_suggestions(text)
    _check_invariants(text, spans)
    assert [(s.source, s.text) for s in spans] == [
        ("measure", "下一步，我局将会同各区在老旧小区增设消防宣传栏，并组织志愿者入户讲解。")]


def test_numbering_inside_quotes_does_not_split_an_item():
    text = "为此建议：\n1.推广“一、二、三”分级管理办法，明确“1.2.3”级响应要求。\n2.建立隐患台账。\n"
    assert asks(text) == ["推广“一、二、三”分级管理办法，明确“1.2.3”级响应要求。", "建立隐患台账。"]


def test_very_long_item_stays_one_span():
    body = "结合城市更新同步推进管网改造，" * 3000
    text = "为此建议：\n1.加快老旧管网改造。" + body + "\n2.建立巡检制度。\n"
    got = asks(text)
    assert len(got) == 2
    assert got[0].startswith("加快老旧管网改造。") and len(got[0]) > 40000


def test_closing_remarks_are_not_part_of_the_last_item():
    text = "为此建议：1.开展通道排查。2.建立巡查台账，定期更新。总之，消防安全无小事，需要各方共同努力。"
    assert asks(text) == ["开展通道排查。", "建立巡查台账，定期更新。"]


@pytest.mark.parametrize("text,expected", [
    # 一是，/ 二是， (a comma after the marker) number the asks as 一是 / 二是 do
    ("为此建议：一是，加快建设集中充电棚。二是，开展楼道堆物专项清理。",
     ["加快建设集中充电棚。", "开展楼道堆物专项清理。"]),
    # a closing bracket after the full stop stays with its sentence
    ("建议由区政府牵头开展一次通道专项排查。》", ["建议由区政府牵头开展一次通道专项排查。》"]),
])
def test_shared_marks_and_markers(text, expected):
    assert asks(text) == expected


# ---------------------------------------------------------------------------- bounded work per text
@pytest.mark.parametrize("n", [100_000, pytest.param(1_000_000, marks=pytest.mark.slow)])
def test_extraction_takes_linear_time_on_pathological_runs(n):
    # a ratio of times on the same machine, generous (5x) and damped (least of several runs)
    from pathological import slowdowns

    for fn in (extract_suggestions, detect_kind):
        slow = {k: r for k, r in slowdowns(fn, n).items() if r > 5}
        assert not slow, f"{fn.__name__} is more than 5x slower on these runs than on normal text: {slow}"


# ---------------------------------------------------------------------------- traditional text
# written for these tests: a proposal and its traditional twin, character for character
SIMPLIFIED = (
    "关于加强高层住宅消防安全管理的建议\n"
    "近年来，我市高层住宅数量快速增长，部分小区消防通道被占用，电动自行车在楼道内充电现象突出，火灾隐患较大。"
    "为此建议：\n"
    "一、加强消防通道日常巡查，对占用通道的车辆依法处理。\n"
    "二、建设集中充电设施，禁止电动自行车进楼入户充电。\n"
    "三、完善物业消防责任制度，定期组织居民开展疏散演练。\n"
)
TRADITIONAL = (
    "關於加強高層住宅消防安全管理的建議\n"
    "近年來，我市高層住宅數量快速增長，部分小區消防通道被佔用，電動自行車在樓道內充電現象突出，火災隱患較大。"
    "為此建議：\n"
    "一、加強消防通道日常巡查，對佔用通道的車輛依法處理。\n"
    "二、建設集中充電設施，禁止電動自行車進樓入戶充電。\n"
    "三、完善物業消防責任制度，定期組織居民開展疏散演練。\n"
)


def test_a_traditional_proposal_gives_the_asks_of_its_simplified_twin():
    assert len(TRADITIONAL) == len(SIMPLIFIED)
    simp, trad = extract_suggestions(SIMPLIFIED), extract_suggestions(TRADITIONAL)
    _check_invariants(TRADITIONAL, trad)
    assert len(simp) == 3
    assert [(s.start, s.end, s.source, s.marker) for s in trad] == [(s.start, s.end, s.source, s.marker) for s in simp]
    assert trad[0].text == "加強消防通道日常巡查，對佔用通道的車輛依法處理。"  # sliced from the traditional text
    assert [(s.action, s.object) for s in trad] == [(s.action, s.object) for s in simp]  # read as simplified
    assert detect_kind(TRADITIONAL) == "proposal"
    assert detect_kind("關於您提出的建議，現答覆如下") == detect_kind("关于您提出的建议，现答复如下") == "reply"


def test_more_than_ninety_nine_items_stay_apart():
    text = "具体建议：\n" + "".join(f"{i}.加强第{i}项工作的管理。\n" for i in range(1, 121))
    spans = extract_suggestions(text)
    assert len(spans) == 120 and [s.marker for s in spans[98:101]] == ["99.", "100.", "101."]
    assert spans[-1].text == "加强第120项工作的管理。"
