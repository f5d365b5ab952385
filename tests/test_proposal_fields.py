"""parse_proposal: the number, session, kind, proposers and title a text states, with offsets."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proposal_nlp import proposal_fields, suggest
from proposal_nlp.proposal_fields import Field, ProposalInfo, parse_proposal

_PIECES = st.sampled_from([
    "市政协十四届二次会议", "市十六届人大二次会议", "第0219号", "第12号", "提案", "代表建议", "议案", "建议",
    "提案人：", "领衔人：", "张明远等委员", "李晓岚代表", "关于加强管理的建议", "案由：", "\n", "，", "。", " ",
    "（一）", "一、", "“", "”",
])
_TEXTS = st.lists(st.one_of(_PIECES, st.text(min_size=0, max_size=5)), max_size=40).map("".join)


@settings(max_examples=200, deadline=None)
@given(text=_TEXTS)
def test_parse_proposal_offsets(text):
    info = parse_proposal(text)
    for name in ("number", "session", "kind", "proposers", "title"):
        f = getattr(info, name)
        if f is not None:
            assert text[f.start:f.end] == f.value


@pytest.mark.parametrize("text,expected", [
    ("在市政协十四届二次会议第0219号提案中，张明远等委员提出了建议。",
     {"number": "0219", "session": "市政协十四届二次会议", "kind": "提案", "proposers": "张明远等委员"}),
    ("市十六届人大二次会议第0142号代表建议\n领衔人：李晓岚代表\n关于加强地下空间防汛管理的建议\n正文",
     {"number": "0142", "session": "市十六届人大二次会议", "kind": "代表建议", "proposers": "李晓岚代表",
      "title": "关于加强地下空间防汛管理的建议"}),
    ("关于完善社区微型消防站建设的提案\n提案人：周安澜等委员\n内容……",
     {"number": None, "session": None, "proposers": "周安澜等委员",
      "title": "关于完善社区微型消防站建设的提案"}),
    ("今天开会讨论了防汛工作。", {"number": None, "session": None, "kind": None, "proposers": None,
                                 "title": None}),
    # national sessions in both word orders, a proposer before a colon, several proposers
    ("办公厅对十届全国人大四次会议第7240号建议的答复\n周桂英等代表：\n你们提出的建议收悉",
     {"number": "7240", "session": "十届全国人大四次会议", "kind": "建议", "proposers": "周桂英等代表"}),
    ("对全国政协十届三次会议第2741号提案的答复\n邓乃扬、韩汝琦委员：\n你们提出的提案收悉",
     {"number": "2741", "session": "全国政协十届三次会议", "proposers": "邓乃扬、韩汝琦委员"}),
    ("王超斌委员：\n您提出的提案收悉。", {"proposers": "王超斌委员"}),
    # a title word before the names is no part of them, nor of the place of the session
    ("区人大代表周明远等8名代表在区十七届人大四次会议上提出的第23号建议",
     {"number": "23", "session": "区十七届人大四次会议", "proposers": "周明远等8名代表"}),
    ("市政协委员陈立明等5人在市政协十三届三次会议上提出第0137号提案",
     {"number": "0137", "session": "市政协十三届三次会议", "proposers": "陈立明等5人"}),
])
def test_parse_proposal(text, expected):
    info = parse_proposal(text)
    assert isinstance(info, ProposalInfo)
    got = info.as_dict()
    for key, value in expected.items():
        assert got[key] == value, key
        f = getattr(info, key)
        if f is not None:
            assert isinstance(f, Field) and text[f.start:f.end] == f.value


@pytest.mark.parametrize("text,kind_id", [
    ("市政协十四届二次会议第0219号提案", "cppcc_proposal"),
    ("市十六届人大二次会议第0142号代表建议", "npc_suggestion"),
    ("市十六届人大二次会议第12号议案", "npc_motion"),
    ("今天开会讨论防汛工作。", None),
])
def test_parse_proposal_kind_id(text, kind_id):
    assert parse_proposal(text).kind_id == kind_id
    assert parse_proposal(text).as_dict()["kind_id"] == kind_id


def test_suggest_keeps_exporting_parse_proposal():
    assert suggest.parse_proposal is proposal_fields.parse_proposal
    assert (suggest.Field, suggest.ProposalInfo) == (Field, ProposalInfo)


# ---------------------------------------------------------------------------- bounded work, traditional text
@pytest.mark.parametrize("n", [100_000, pytest.param(1_000_000, marks=pytest.mark.slow)])
def test_parse_proposal_takes_linear_time_on_pathological_runs(n):
    from pathological import slowdowns

    slow = {k: r for k, r in slowdowns(parse_proposal, n).items() if r > 5}
    assert not slow, f"parse_proposal is more than 5x slower on these runs than on normal text: {slow}"


def test_a_traditional_head_states_the_fields_of_its_simplified_twin():
    # written for this test, character for character
    simp = "市政协十四届二次会议第0219号提案\n提案人：张明远等委员\n案由：关于加强电动自行车充电安全管理的建议"
    trad = "市政協十四屆二次會議第0219號提案\n提案人：張明遠等委員\n案由：關於加強電動自行車充電安全管理的建議"
    a, b = parse_proposal(simp), parse_proposal(trad)
    for name in ("number", "session", "kind", "proposers", "title"):
        fa, fb = getattr(a, name), getattr(b, name)
        assert fa is not None and (fb.start, fb.end) == (fa.start, fa.end), name
        assert trad[fb.start:fb.end] == fb.value
    assert b.title.value == "關於加強電動自行車充電安全管理的建議" and b.kind_id == a.kind_id == "cppcc_proposal"
