"""The demo corpus is well formed and self-consistent: the proposals and the framework ship in
proposal_nlp/data/demo/ (for `proposal-nlp run --demo`), the master file, gold asks, labels and
policy text stay in corpora/demo/."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "corpora" / "demo"
SHIPPED = ROOT / "proposal_nlp" / "data" / "demo"
PROPOSAL_COLUMNS = ["编号", "类型", "届次", "提案人", "标题", "办理方式", "内容"]
FRAMEWORK_GROUPS = ["一个目标", "两大领域", "三个坚持", "四大问题", "五个突出"]
ASK_KEYS = {"编号", "ask_index", "start", "end", "text", "action", "object", "clause_id"}


def _read_csv(name: str, folder: Path = DEMO) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False, encoding="utf-8-sig")


@pytest.fixture(scope="module")
def proposals() -> pd.DataFrame:
    return _read_csv("proposals.csv", SHIPPED)


@pytest.fixture(scope="module")
def framework() -> pd.DataFrame:
    return _read_csv("framework_12345.csv", SHIPPED)


@pytest.fixture(scope="module")
def gold() -> list[dict]:
    lines = (DEMO / "asks_gold.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_proposals_csv_has_bom_for_excel():
    assert (SHIPPED / "proposals.csv").read_bytes()[:3] == b"\xef\xbb\xbf"


def test_proposals_columns_rows_and_ids(proposals):
    assert list(proposals.columns) == PROPOSAL_COLUMNS
    assert len(proposals) == 36
    assert proposals["编号"].is_unique
    assert (proposals[PROPOSAL_COLUMNS].apply(lambda col: col.str.strip() != "")).all().all()


def test_proposal_fields_take_known_values(proposals):
    assert set(proposals["类型"]) == {"人大代表建议", "政协提案"}
    assert set(proposals["办理方式"]) == {"主办", "会办"}
    assert proposals["届次"].str.contains("会议").all()
    lengths = proposals["内容"].str.len()
    assert lengths.between(500, 1500).all(), proposals.loc[~lengths.between(500, 1500), "编号"].tolist()


def test_stated_numbers_agree_with_the_id(proposals):
    stated = 0
    for pid, text in zip(proposals["编号"], proposals["内容"]):
        first_line = text.splitlines()[0]
        m = re.search(r"第(\d{3,4})号", first_line)
        if m:
            stated += 1
            assert pid.endswith(m.group(1)), (pid, first_line)
    assert stated >= 6


def test_gold_asks_slice_back_and_are_ordered(proposals, gold):
    texts = dict(zip(proposals["编号"], proposals["内容"]))
    assert gold, "no gold asks"
    by_id: dict[str, list[dict]] = {}
    for ask in gold:
        assert set(ask) == ASK_KEYS
        assert ask["编号"] in texts
        content = texts[ask["编号"]]
        assert 0 <= ask["start"] < ask["end"] <= len(content)
        assert content[ask["start"]:ask["end"]] == ask["text"]
        assert ask["action"] and ask["action"] in ask["text"]
        assert ask["object"] and ask["object"] in ask["text"]
        by_id.setdefault(ask["编号"], []).append(ask)
    assert set(by_id) == set(texts), "every proposal has at least one gold ask"
    for asks in by_id.values():
        assert [a["ask_index"] for a in asks] == list(range(1, len(asks) + 1))
        for prev, nxt in zip(asks, asks[1:]):
            assert prev["end"] <= nxt["start"], "asks in text order, not overlapping"


def test_gold_spans_exclude_numbering_markers(gold):
    marker = re.compile(r"^(?:[一二三四五六七八九十]+是|（[一二三四五六七八九十]+）|\d+[.．、]|第[一二三四五六七八九十]+，|[一二三四五六七八九十]+、)")
    assert not [a for a in gold if marker.match(a["text"])]


def test_gold_clause_ids_exist_in_framework(gold, framework):
    known = set(framework["clause_id"])
    assert {a["clause_id"] for a in gold if a["clause_id"] is not None} <= known
    assert any(a["clause_id"] is None for a in gold), "some asks are covered by no clause"


def test_framework_has_15_items_in_1_2_3_4_5_order(framework):
    assert list(framework.columns) == ["clause_id", "group", "index", "text"]
    expected = [f"{group}.{i}" for n, group in enumerate(FRAMEWORK_GROUPS, 1) for i in range(1, n + 1)]
    assert framework["clause_id"].tolist() == expected
    assert (framework["clause_id"] == framework["group"] + "." + framework["index"]).all()
    assert (framework["text"].str.len() > 5).all()


def test_policy_text_states_every_framework_item(framework):
    policy = (DEMO / "policy_framework.txt").read_text(encoding="utf-8")
    for group, n in zip(FRAMEWORK_GROUPS, range(1, 6)):
        assert f"“{group}”" in policy
    missing = [cid for cid, text in zip(framework["clause_id"], framework["text"]) if text not in policy]
    assert not missing
    assert re.search(r"^一、", policy, re.M) and re.search(r"^（一）", policy, re.M)
    assert re.search(r"^1\.", policy, re.M)


def test_labels_cover_every_proposal(proposals):
    labels = _read_csv("labels.csv")
    assert labels["编号"].tolist() == proposals["编号"].tolist()
    fire = labels["fire_relevant"].astype(int)
    assert 0.35 <= fire.mean() <= 0.45
    assert (labels["topics"] == "").sum() >= 6, "non-emergency proposals give the classifier its none class"


def test_build_script_reproduces_committed_files(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_demo", DEMO / "build_demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(tmp_path, tmp_path)
    for name, folder in (("proposals.csv", SHIPPED), ("asks_gold.jsonl", DEMO), ("labels.csv", DEMO)):
        assert (tmp_path / name).read_bytes() == (folder / name).read_bytes(), name
    assert module.PACKAGE_DEMO.resolve() == SHIPPED.resolve()


def test_one_copy_of_each_shipped_demo_file():
    from proposal_nlp.batch import DEMO_FILES, demo_files

    assert [p.name for p in demo_files()] == list(DEMO_FILES)
    for name in DEMO_FILES:
        assert (SHIPPED / name).is_file() and not (DEMO / name).exists(), name
