"""proposal_nlp.resources: lexicon, package files, data folder, display names, synonyms, concepts, term regex."""
from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proposal_nlp import data_dir, load_lexicon
from proposal_nlp.errors import InputError, ResourceError
from proposal_nlp import resources
from proposal_nlp.resources import (TOPIC_IDS, LexiconEntry, column_label, display_label, inverse_columns,
                                    load_concepts, read_domain,
                                    load_synonyms, package_file, package_path, read_package_text, sha256_text,
                                    terms_regex, topic_label)

ROOT = Path(__file__).resolve().parents[1]
TOPICS = {"resilient_city", "emergency_rescue", "hazardous_chemicals", "e_bikes", "fire_safety",
          "flood_disaster", "work_safety", "grassroots_capacity", "public_education", "smart_emergency"}


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon()


def test_shipped_lexicon_size_and_columns(lexicon):
    assert len(lexicon) >= 450
    assert all(isinstance(e, LexiconEntry) for e in lexicon)
    terms = [e.term for e in lexicon]
    assert len(set(terms)) == len(terms)
    assert all(e.term and not re.search(r"\s", e.term) for e in lexicon)
    assert all(isinstance(e.freq, int) and e.freq >= 1 for e in lexicon)
    assert all(e.source for e in lexicon)
    assert {e.topic for e in lexicon} - {""} <= TOPICS


def test_every_topic_has_seed_keywords(lexicon):
    for topic in TOPICS:
        assert sum(e.topic == topic for e in lexicon) >= 10, topic


@pytest.mark.parametrize("term", ["韧性安全城市", "平灾转换", "平急两用", "危险化学品", "电动自行车", "飞线充电",
                                  "消防通道", "应急救援", "防汛防台", "主办", "会办", "解决采纳", "政协委员",
                                  "代表建议", "消防救援", "应急预案", "避难场所", "内涝", "地质灾害", "安全生产",
                                  "特种设备", "燃气安全", "烟花爆竹", "高层建筑", "老旧小区", "微型消防站",
                                  "网格化管理", "韧性安全社区", "智慧应急", "城市生命线", "提案人", "承办单位",
                                  "办理情况", "答复意见", "重点督办", "政协提案", "人大代表", "十四届二次会议"])
def test_required_terms_are_shipped(lexicon, term):
    assert term in {e.term for e in lexicon}


def test_base_frequency_marks_words_jieba_knows(lexicon):
    by_term = {e.term: e for e in lexicon}
    assert by_term["地震"].base_freq and by_term["地震"].freq >= by_term["地震"].base_freq
    assert by_term["韧性安全城市"].base_freq is None


def test_shipped_lexicon_is_up_to_date():
    out = subprocess.run([sys.executable, str(ROOT / "corpora" / "lexicon" / "build_lexicon.py"), "--check"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr


def test_load_from_list_and_entries():
    entries = load_lexicon(["韧性", "  ", " 数治 ", LexiconEntry("平急两用", 5, "resilient_city")])
    assert [e.term for e in entries] == ["韧性", "数治", "平急两用"]
    assert entries[0].freq is None and entries[2].freq == 5
    with pytest.raises(TypeError, match="PN002"):
        load_lexicon(["ok", 3])


def test_load_jieba_user_dictionary(tmp_path):
    path = tmp_path / "user.txt"
    path.write_text("\ufeff消防通道 20 n\n飞线充电\n\n# a comment\n平急两用 3\n", encoding="utf-8")
    entries = load_lexicon(path)
    assert [(e.term, e.freq) for e in entries] == [("消防通道", 20), ("飞线充电", None), ("平急两用", 3)]
    assert [e.term for e in load_lexicon(str(path))] == ["消防通道", "飞线充电", "平急两用"]


def test_load_project_tsv(tmp_path):
    path = tmp_path / "lex.tsv"
    path.write_text("term\tfreq\ttopic\tsource\n韧性社区\t\tgrassroots_capacity\tteam\n数治\t7\t\tteam\n", encoding="utf-8")
    assert load_lexicon(path) == [LexiconEntry("韧性社区", None, "grassroots_capacity", "team"),
                                  LexiconEntry("数治", 7, "", "team")]


@pytest.mark.parametrize("content", ["消防 abc\n", "消防 0\n", "term\tfreq\n消防\t-1\n", "term\tfreq\n消防\tx\n"])
def test_bad_frequencies_are_reported(tmp_path, content):
    path = tmp_path / "bad.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ResourceError, match="PN200"):
        load_lexicon(path)


def test_missing_lexicon_file(tmp_path):
    with pytest.raises(ResourceError, match="not found"):
        load_lexicon(tmp_path / "missing.tsv")


def test_package_files():
    assert package_file("lexicon.tsv").is_file()
    assert read_package_text("lexicon.tsv").count("\n") > 450
    assert sha256_text("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_package_path_is_the_installed_file():
    path = package_path("lexicon.tsv")
    assert isinstance(path, Path) and path.is_file()
    assert path.read_text(encoding="utf-8") == read_package_text("lexicon.tsv")
    with pytest.raises(ResourceError, match="'nope.tsv' is missing from the installed package"):
        package_path("nope.tsv")


def test_package_path_extracts_once_from_a_zipped_package(tmp_path, monkeypatch):
    archive = tmp_path / "pkg.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("proposal_nlp/data/demo/x.csv", "编号,标题\n")
    root = zipfile.Path(archive, "proposal_nlp/data/")
    monkeypatch.setattr(resources, "package_file", lambda name: root.joinpath(name))
    monkeypatch.setattr(resources, "_extracted", {})
    path = package_path("demo/x.csv")
    assert isinstance(path, Path) and path.read_text(encoding="utf-8") == "编号,标题\n"
    assert package_path("demo/x.csv") == path
    with pytest.raises(ResourceError, match="missing"):
        package_path("demo/nope.csv")


def test_data_dir_resolution(tmp_path, monkeypatch):
    assert data_dir(tmp_path) == tmp_path.resolve()
    assert data_dir(tmp_path / "missing") is None
    with pytest.raises(ResourceError, match="PROPOSAL_NLP_DATA"):
        data_dir(tmp_path / "missing", required=True)
    monkeypatch.setenv("PROPOSAL_NLP_DATA", str(tmp_path))
    assert data_dir() == tmp_path.resolve()


# ---------------------------------------------------------------- synonyms, concepts, term regex
def test_synonym_and_concept_resources():
    syn = load_synonyms()
    assert syn["电瓶车"] == "电动自行车" and syn["危化品"] == "危险化学品" and syn["生命通道"] == "消防通道"
    assert syn["积水"] == "内涝" and syn["平灾转换"] == "平急两用"
    concepts = load_concepts()
    assert "科普" in concepts["素养培育"]
    assert load_synonyms(False) == {}
    assert load_synonyms({"电动自行车": ["电驴"]}) == {"电驴": "电动自行车"}
    with pytest.raises(InputError, match="does not exist"):
        load_synonyms("/nonexistent/syn.tsv")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(alphabet="电动自行车电瓶车动", min_size=1, max_size=4), min_size=1, max_size=6),
       st.text(alphabet="电动自行车电瓶车动和", max_size=30))
def test_trie_regex_finds_the_longest_term(terms, text):
    rx = terms_regex(terms)
    for m in rx.finditer(text):
        assert m.group() in terms
        longest = max((t for t in terms if text.startswith(t, m.start())), key=len)
        assert m.group() == longest


# ---------------------------------------------------------------- display names
def test_display_names_of_topics_and_columns():
    labels = [topic_label(t) for t in TOPIC_IDS]
    assert all(label and label != t for label, t in zip(labels, TOPIC_IDS))
    assert len(set(labels)) == len(labels)  # a reader tells every topic apart
    assert topic_label("no_such_topic") == "no_such_topic" and column_label("no_such_column") == "no_such_column"
    for t in TOPIC_IDS:  # score columns are headed by the topic's name and read back to its id
        header = column_label(f"score_{t}")
        assert topic_label(t) in header and inverse_columns()[header] == f"score_{t}"
    # a table's own header for a column wins in that table only, and reads back there
    assert column_label("text", "suggestions") != column_label("text")
    assert inverse_columns("suggestions")[column_label("text", "suggestions")] == "text"
    assert inverse_columns()[column_label("text")] == "text"


def test_a_header_two_columns_share_reads_back_as_the_first():
    # suggestion_id and query_id (the matcher's name for the same thing) are both headed 建议序号
    assert column_label("suggestion_id") == column_label("query_id") == "建议序号"
    for table in (None, "suggestions", "matches", "uncovered"):
        assert inverse_columns(table)["建议序号"] == "suggestion_id"


def test_display_labels_of_the_workbook():
    assert display_label("suggestion_ids", "measures") == "对应建议（编号、条目、内容）"
    assert inverse_columns("measures")[display_label("suggestion_ids", "measures")] == "suggestion_ids"
    assert display_label("coverage", "suggestions") == column_label("coverage") == "覆盖情况"
    assert [display_label(c, "about") for c in ("key", "value")] == ["项目", "值"]


# ---------------------------------------------------------------------------- traditional -> simplified
def test_the_t2s_table_maps_single_characters_to_a_fixed_point():
    from proposal_nlp.resources import load_t2s

    table = load_t2s()
    assert len(table) > 4000
    assert all(len(t) == len(s) == 1 and t != s for t, s in table.items())
    assert not set(table.values()) & set(table), "a simplified character is also mapped"
    assert table["關"] == "关" and table["於"] == "于" and table["後"] == "后"
    assert not {"乾", "薹", "麽", "苧"} & set(table)  # written so in simplified Chinese


def test_the_t2s_table_records_its_source_and_licence():
    from proposal_nlp.resources import read_package_text

    head = "".join(ln for ln in read_package_text("t2s.tsv").splitlines(True) if ln.startswith("#"))
    assert "opencc-python-reimplemented 0.1.7" in head and "Apache" in head and "build_t2s.py" in head
    assert read_package_text("t2s.LICENSE.txt").lstrip().startswith("Apache License")


def test_every_synonym_row_says_where_it_came_from():
    rows = [ln.split("\t") for ln in read_package_text("synonyms.tsv").splitlines()
            if ln.strip() and not ln.startswith("#")]
    assert rows[0] == ["canonical", "variants", "kind", "note", "source"]
    assert all(len(r) == 5 and r[4].strip() for r in rows[1:]), [r[0] for r in rows[1:] if len(r) != 5]
    grown = [r for r in rows[1:] if r[4].startswith("pairs train/dev")]
    assert len(grown) >= 10 and {r[2] for r in grown} == {"syn", "concept"}
    syn, concepts = read_domain(None)
    assert syn["违建"] == "违法建筑" and syn["抽烟"] == "吸烟" and "通道阻塞" in concepts
