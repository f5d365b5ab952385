"""proposal_nlp.places: place names read from messages, with offsets, keys and levels."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proposal_nlp.places import EMPTY, extract_places, overlap, place_set, same_place


@pytest.mark.parametrize("text, want", [
    ("反映A7县春华镇金鼎村水泥路的问题", [("A7县", "district"), ("春华镇", "coarse"), ("金鼎村", "fine")]),
    ("A5区劳动东路魅力之城小区油烟扰民", [("A5区", "district"), ("劳动东路", "fine"), ("魅力之城小区", "fine")]),
    ("投诉A市伊景园滨河苑捆绑销售车位", [("A市", "district"), ("伊景园", "fine"), ("滨河苑", "fine")]),
    ("A3区西湖街道茶场村五组何时拆迁", [("A3区", "district"), ("西湖街道", "coarse"), ("茶场村", "fine")]),
    ("南京市江宁区某某花园电梯坏了", [("南京市", "district"), ("江宁区", "district"), ("某某花园", "fine")]),
])
def test_places_of_a_title(text, want):
    got = [(p.text, p.level) for p in extract_places(text)]
    assert got == want


@pytest.mark.parametrize("text", [
    "该小区物业不作为", "楼下的便利店光污染严重", "农村的水泥路何时修", "请政府管一管", "咨询公积金贷款买房的问题", "",
])
def test_names_of_no_particular_place_are_left_out(text):
    assert [p for p in extract_places(text) if p.level == "fine"] == []


def test_a_key_drops_the_generic_tail_and_compares_inside_longer_names():
    a = extract_places("魅力之城小区油烟扰民")[0]
    assert a.key == "魅力之城"
    assert same_place("魅力之城", "万科魅力之城")
    assert not same_place("魅力之城", "丽发新城")
    assert same_place("a市", "a3区") and not same_place("a3区", "a5区") and not same_place("a市", "b市")


def test_place_sets_by_level():
    ps = place_set(extract_places("A7县星沙街道吾悦广场商演噪音扰民"))
    assert ps.fine == {"吾悦广场"} and ps.coarse == {"星沙街道"} and ps.district == {"a7县"}
    assert place_set([]) == EMPTY and EMPTY.empty
    assert overlap(ps.fine, {"吾悦广场"}) and not overlap(ps.fine, frozenset())


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("A市3区县镇村路小区花园的在反映投诉金银华新东 ，。\n①ＡＢ關於")), max_size=60))
def test_every_place_slices_the_text_and_lies_inside_it(text):
    for p in extract_places(text):
        assert 0 <= p.start < p.end <= len(text)
        assert text[p.start:p.end] == p.text
        assert p.level in ("fine", "coarse", "district") and p.key


def test_a_long_text_is_read_in_its_opening_only():
    text = "反映" + "的" * 5000 + "金鼎村"
    assert extract_places(text) == []
    assert extract_places(text, max_chars=len(text))[-1].text == "金鼎村"
