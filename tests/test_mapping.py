"""proposal_nlp.mapping: the suggestion-to-measure mapping table and its transpose."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest

from proposal_nlp.errors import InputError
from proposal_nlp.mapping import mapping_table


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
