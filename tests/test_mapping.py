"""proposal_nlp.mapping: the suggestion-to-measure mapping table, its transpose and the measures table."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest

from proposal_nlp.errors import InputError
from proposal_nlp.mapping import MAX_IDS_PER_MEASURE, mapping_table, measures_table
from proposal_nlp.results import MEASURE_COLUMNS


@dataclass
class _Ask:  # stands in for suggest.Suggestion (same attribute names)
    start: int
    end: int
    text: str
    action: str
    object: str = ""
    source: str = "enumeration"
    section: str = ""
    score: float = 1.0


def test_mapping_table_shapes(matcher, clauses):
    asks = pd.DataFrame({"suggestion_id": ["s1", "s2", "s3"], "proposal_id": ["0101", "0101", "0202"],
                         "text": ["建设电动自行车集中充电设施", "清理消防通道杂物", "延长图书馆开放时间"],
                         "action": ["建设", "清理", "延长"]})
    matches = matcher.match(asks["text"].tolist(), query_ids=asks["suggestion_id"].tolist())
    table, transpose = mapping_table(asks, matches, clauses=matcher)
    assert len(table) == 3
    assert list(table.columns[:9]) == ["query_id", "proposal_id", "ask", "action", "clause_id", "clause_text",
                                       "score", "coverage", "evidence"]
    row = table.set_index("query_id").loc["s1"]
    assert row["clause_id"] == "三个坚持.2" and "电动自行车" in row["clause_text"]
    assert table.set_index("query_id").loc["s3", "coverage"] == "uncovered"
    assert pd.isna(table.set_index("query_id").loc["s3", "clause_id"])
    assert transpose["n_asks"].sum() == 3
    last = transpose.iloc[-1]
    assert last["clause_id"] is None and last["query_ids"] == ["s3"]
    answered = transpose[transpose["clause_id"].notna()]
    assert set(answered["clause_id"]) == {"三个坚持.2", "三个坚持.3"}
    # a list of Suggestion-like objects in match order
    objs = [_Ask(0, 5, t, a) for t, a in zip(asks["text"], asks["action"])]
    table2, _ = mapping_table(objs, matcher.match([o.text for o in objs]), clauses=clauses)
    assert table2["clause_id"].tolist() == table["clause_id"].tolist()
    with pytest.raises(InputError, match="text"):
        mapping_table(pd.DataFrame({"x": [1]}), matches)


# ---------------------------------------------------------------------------- measures_table
CLAUSES = pd.DataFrame({"clause_id": ["c1", "c2", "c3"], "group": ["一个目标", "三个坚持", "三个坚持"],
                        "text": ["建设韧性安全城市", "电动自行车集中充电", "消防通道畅通"]})


def _asks(rows):
    return pd.DataFrame(rows, columns=["suggestion_id", "best_clause_id", "coverage"])


def test_measures_table_lists_every_measure_in_policy_order_with_the_asks_it_answers():
    asks = _asks([("1.1", "c3", "covered"), ("1.2", "c2", "partial"), ("2.1", "c3", "partial"),
                  ("3.1", "c1", "uncovered"), ("3.2", "c3", "covered"), ("4.1", None, None)])
    out = measures_table(asks, CLAUSES)
    assert list(out.columns) == MEASURE_COLUMNS
    assert out["clause_id"].tolist() == ["c1", "c2", "c3"]  # every measure, answered or not, in policy order
    assert out["clause_group"].tolist() == ["一个目标", "三个坚持", "三个坚持"]
    assert out["clause_text"].tolist() == CLAUSES["text"].tolist()
    assert out["n_asks"].tolist() == [0, 1, 3]  # an uncovered ask answers no measure
    assert out["n_covered"].tolist() == [0, 0, 2] and out["n_partial"].tolist() == [0, 1, 1]
    assert out["suggestion_ids"].tolist() == ["", "1.2", "1.1|2.1|3.2"]
    assert str(out["n_asks"].dtype) == "Int64"


@pytest.mark.parametrize("asks", [_asks([]), pd.DataFrame({"suggestion_id": ["1.1"], "coverage": ["covered"]})])
def test_measures_table_without_answered_asks_counts_zero(asks):
    out = measures_table(asks, CLAUSES)  # no asks, or asks that were never matched (no best_clause_id)
    assert out["clause_id"].tolist() == ["c1", "c2", "c3"]
    assert out["n_asks"].tolist() == [0, 0, 0] and out["suggestion_ids"].tolist() == ["", "", ""]


def test_measures_table_without_a_policy_is_empty():
    out = measures_table(_asks([("1.1", "c1", "covered")]), None)
    assert out.empty and list(out.columns) == MEASURE_COLUMNS


def test_measures_table_matches_clause_ids_as_text_and_shortens_long_id_lists():
    clauses = pd.DataFrame({"clause_id": [1, 2], "group": ["", ""], "text": ["甲", "乙"]})
    n = MAX_IDS_PER_MEASURE + 5
    asks = _asks([(f"{i}.1", "1", "covered") for i in range(n)])
    out = measures_table(asks, clauses)
    assert out["clause_id"].tolist() == ["1", "2"]
    assert out["n_asks"].tolist() == [n, 0] and out["n_covered"].tolist() == [n, 0]
    ids = out["suggestion_ids"][0].split("|")
    assert len(ids) == MAX_IDS_PER_MEASURE + 1 and ids[-1] == "…"
    assert ids[:3] == ["0.1", "1.1", "2.1"]
