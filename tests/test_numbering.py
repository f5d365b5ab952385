"""Chinese numerals and enumeration markers: the one parser and the one set of marker styles
that suggest and policy share."""
from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from proposal_nlp import audit, policy
from proposal_nlp.normalize import normalize
from proposal_nlp.numbering import (
    STYLES,
    build_chains,
    build_tree,
    circled_number,
    cn_number,
    find_markers,
    marker_pattern,
)


# ---------------------------------------------------------------------------- numerals
@pytest.mark.parametrize("text,value", [
    ("一", 1), ("二", 2), ("两", 2), ("九", 9), ("十", 10), ("十二", 12), ("一十二", 12), ("二十", 20),
    ("二十一", 21), ("五十七", 57), ("九十九", 99), ("百", 100), ("一百", 100), ("一百零五", 105),
    ("一百一十", 110), ("一百二十三", 123), ("两百", 200), ("一千", 1000), ("两千", 2000),
    ("一千零五", 1005), ("一千零五十", 1050), ("九千九百九十九", 9999), ("一万", 10000), ("两万", 20000),
    ("十万", 100000), ("一万零五", 10005), ("一万零一十", 10010), ("三万五千", 35000),
    ("九万九千九百九十九", 99999), ("五千万", 50_000_000),
    ("〇", 0), ("零", 0),
    # a last digit right after 百 / 千 / 万 counts in the next lower unit, as it is said
    ("一百五", 150), ("两千五", 2500), ("三万五", 35000),
    # Arabic digits, half- and full-width, and surrounding spaces
    ("7", 7), ("57", 57), ("１２", 12), (" 十二 ", 12),
])
def test_cn_number(text, value):
    assert cn_number(text) == value


@pytest.mark.parametrize("text", [
    "", " ", "x", "十x", "3万", "二二", "十十", "十一十", "二十十", "百千", "十百", "一万万", "零五", "一零",
    "一百零", "零十", "一百零十", "一千零零五", "二〇二四", "亿",
])
def test_not_a_numeral(text):
    assert cn_number(text) is None


def test_one_parser_everywhere():
    assert policy.cn_number is cn_number
    assert audit.cn_number is cn_number


_DIGITS = "零一二三四五六七八九"


def _section(n: int, two: str, ten_one: bool) -> str:
    """1 … 9999 in Chinese numerals (一千零五, 十二 or 一十二, 两百 with two="两")."""
    out, zero = "", False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // unit % 10
        if d == 0:
            zero = zero or bool(out)
            continue
        if zero:
            out, zero = out + "零", False
        if unit == 10 and d == 1 and not out and not ten_one:
            out += "十"
        else:
            out += (two if d == 2 and unit >= 100 else _DIGITS[d]) + name
    return out


def write_cn(n: int, *, two: str = "二", ten_one: bool = False) -> str:
    """``n`` (0 … 99999) written in Chinese numerals, the way documents write them."""
    if n == 0:
        return "零"
    wan, rest = divmod(n, 10_000)
    out = _section(wan, two, ten_one) + "万" if wan else ""
    if rest:
        out += ("零" if wan and rest < 1000 else "") + _section(rest, two, ten_one or bool(wan))
    return out


@pytest.mark.parametrize("n,text", [(10, "十"), (12, "十二"), (105, "一百零五"), (1050, "一千零五十"),
                                    (10010, "一万零一十"), (35000, "三万五千"), (20000, "二万")])
def test_write_cn_helper(n, text):
    assert write_cn(n) == text


@given(n=st.integers(0, 99_999), two=st.sampled_from(["二", "两"]), ten_one=st.booleans())
def test_every_number_written_in_chinese_parses_back(n, two, ten_one):
    assert cn_number(write_cn(n, two=two, ten_one=ten_one)) == n


@given(n=st.integers(0, 10**9))
def test_arabic_numbers_parse(n):
    assert cn_number(str(n)) == n


@pytest.mark.parametrize("ch,value", [("①", 1), ("⑩", 10), ("⑳", 20), ("❶", 1), ("❿", 10), ("1", None),
                                      ("㉑", None), ("", None)])
def test_circled_number(ch, value):
    assert circled_number(ch) == value


# ---------------------------------------------------------------------------- markers
def _markers(text: str) -> list[tuple[str, str, int]]:
    t = normalize(text)
    found = [m for ms in find_markers(t).values() for m in ms]
    return sorted((m.style, t[m.start:m.end], m.value) for m in found)


@pytest.mark.parametrize("text,style,marker,value", [
    ("一、加强管理", "cn_dun", "一、", 1),
    ("十二、完善制度", "cn_dun", "十二、", 12),
    ("（一）加强管理", "cn_paren", "(一)", 1),
    ("(三)加强管理", "cn_paren", "(三)", 3),
    ("（-）加强管理", "cn_paren", "(-)", 1),
    ("第一，加强管理", "di", "第一,", 1),
    ("第十一、加强管理", "di", "第十一、", 11),
    ("一是加强管理", "shi", "一是", 1),
    ("十一是加强管理", "shi", "十一是", 11),
    ("二是，加强管理", "shi", "二是,", 2),
    ("一要加强管理", "yao", "一要", 1),
    ("1.加强管理", "ar_dot", "1.", 1),
    ("２．加强管理", "ar_dot", "2.", 2),
    ("3、加强管理", "ar_dot", "3、", 3),
    ("4，加强管理", "ar_dot", "4,", 4),
    ("1)加强管理", "ar_close", "1)", 1),
    ("（12）加强管理", "ar_paren", "(12)", 12),
    ("①加强管理", "circ", "①", 1),
    ("⑳加强管理", "circ", "⑳", 20),
    ("❷加强管理", "circ", "❷", 2),
    ("首先，加强管理", "seq", "首先,", 1),
    ("其次，加强管理", "seq", "其次,", 2),
    ("最后，加强管理", "seq", "最后,", 99),
])
def test_marker_styles(text, style, marker, value):
    assert _markers(text) == [(style, marker, value)]


@pytest.mark.parametrize("text", [
    "投入1.5亿元", "增长2.5%", "2025年", "一、、", "唯一是", "统一要求", "第(八)条", "(1)条", "0.加强", "(0)加强",
    "二二、加强", "十十、加强",
])
def test_not_markers(text):
    assert _markers(text) == []


def test_line_start_needs_no_guard():
    """In running text 一、2021 numbers nothing; at a line start it is a heading."""
    rx = re.compile(STYLES["cn_dun"].regex())
    assert rx.match("一、2021年工作回顾") is None
    assert re.compile(STYLES["cn_dun"].regex(prose=False)).match("一、2021年工作回顾").group("v") == "一"
    assert re.compile(STYLES["ar_dot"].regex(prose=False)).match("1.5亿元") is None  # a decimal


def test_labels_and_ranks():
    assert STYLES["cn_paren"].label("一") == "（一）"
    assert STYLES["ar_paren"].label("2") == "（2）"
    assert STYLES["cn_dun"].label("三") == "三"
    ranks = [STYLES[s].rank for s in ("cn_dun", "cn_paren", "di", "ar_dot", "ar_close", "ar_paren", "circ", "shi")]
    assert ranks == sorted(ranks)


def test_marker_pattern_groups():
    rx = re.compile(marker_pattern())
    m = rx.search(normalize("建议：（二）加强"))
    assert (m.lastgroup, m.group("v_cn_paren")) == ("cn_paren", "二")
    assert re.compile(marker_pattern(("cn_dun",), capture=False)).groups == 0


def test_markers_inside_skipped_spans_are_ignored():
    t = "“一、二、三”类场所"
    assert [m for ms in find_markers(t, [(0, len(t))]).values() for m in ms] == []


def test_chains_nest_into_items():
    t = normalize("一、总体要求\n（一）加强领导。\n（二）完善制度。\n二、保障措施\n1.落实经费。\n2.强化考核。\n")
    chains = build_chains(find_markers(t))
    assert [(c.style, [m.value for m in c.markers]) for c in chains] == [
        ("cn_dun", [1, 2]), ("cn_paren", [1, 2]), ("ar_dot", [1, 2])]
    top, kept = build_tree(chains, len(t), [])
    assert [c.style for c in top] == ["cn_dun"]
    first, second = top[0].items
    assert [ch.style for ch in first.children] == ["cn_paren"]
    assert [ch.style for ch in second.children] == ["ar_dot"]
    assert {it.depth for ch in first.children for it in ch.items} == {1}
    assert len(kept) == 3
    for c in kept:
        for it in c.items:
            assert 0 <= it.mstart < it.start <= it.end <= len(t)


def test_a_run_counts_up():
    t = normalize("1.甲。3.乙。1.丙。2.丁。")
    chains = build_chains(find_markers(t))
    assert [[m.value for m in c.markers] for c in chains] == [[1, 2]]


# ---------------------------------------------------------------------------- three-digit numbers
@pytest.mark.parametrize("text,style,marker,value", [
    ("100.加强管理", "ar_dot", "100.", 100),
    ("120、加强管理", "ar_dot", "120、", 120),
    ("(105)加强管理", "ar_paren", "(105)", 105),
    ("999)加强管理", "ar_close", "999)", 999),
])
def test_arabic_markers_have_up_to_three_digits(text, style, marker, value):
    assert _markers(text) == [(style, marker, value)]


@pytest.mark.parametrize("text", ["2023、2024年", "2023.加强", "(2023)加强", "1000.加强", "投入120.5万元"])
def test_years_and_longer_numbers_are_no_markers(text):
    assert _markers(text) == []


def test_a_chain_counts_past_ninety_nine():
    t = normalize("".join(f"{i}.加强第{i}项工作。\n" for i in range(1, 121)))
    (chain,) = build_chains(find_markers(t))
    assert [m.value for m in chain.markers] == list(range(1, 121))
