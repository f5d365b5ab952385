"""proposal_nlp.engine: rows prepared, failures isolated, duplicates flagged, steps and policy checked."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from batch_standins import FRAMEWORK, proposals_frame, run
from proposal_nlp.engine import load_policy
from proposal_nlp.errors import InputError


def test_bad_rows_never_stop_the_batch():
    df = proposals_frame(6)
    df.loc[1, "内容"] = "BOOM 建议加强"      # classifier fails on this row
    df.loc[3, "内容"] = "CRASH 建议完善"     # extractor fails on this row
    res = run(df, chunk_size=4)
    p = res.proposals
    assert len(p) == 6 and p["row"].tolist() == list(range(1, 7))
    assert p.loc[1, "status"] == "error" and pd.isna(p.loc[1, "fire_relevant"]) and p.loc[1, "topics"] == []
    assert p.loc[1, "n_asks"] == 1  # the other stages still ran
    assert p.loc[3, "status"] == "error" and pd.isna(p.loc[3, "n_asks"])
    assert p.loc[0, "status"] == "ok" and p.loc[2, "status"] == "ok"
    e = res.errors.set_index("row")
    assert e.loc[2, "stage"] == "classify" and "stand-in classifier failure" in e.loc[2, "message"]
    assert e.loc[4, "stage"] == "extract"
    assert e.loc[2, "id"] == df.loc[1, "编号"]


def test_duplicate_ids_are_kept_and_flagged():
    df = proposals_frame(5)
    df.loc[3, "编号"] = df.loc[0, "编号"]
    res = run(df)
    assert len(res.proposals) == 5
    assert res.proposals["duplicate_id"].tolist() == [True, False, False, True, False]
    dup = res.errors[res.errors["message"].str.contains("appears 2 times")]
    assert sorted(dup["row"]) == [1, 4]
    # asks of both rows are kept apart
    assert res.suggestions["suggestion_id"].is_unique


def test_mixed_types_and_missing_text():
    df = pd.DataFrame({"id": [1, 2, 3, 4, 5], "text": ["建议加强消防", 12345, None, np.nan, 3.5]})
    res = run(df)
    p = res.proposals
    assert len(p) == 5 and p["id"].tolist() == ["1", "2", "3", "4", "5"]
    assert p["text"].tolist() == ["建议加强消防", "12345", "", "", "3.5"]
    msgs = res.errors.set_index("row")["message"]
    assert "type int" in msgs[2] and "missing text" in msgs[3] and "missing text" in msgs[4]
    assert p.loc[2, "n_asks"] == 0 and p.loc[2, "topics"] == []


def test_steps_and_no_policy():
    res = run(proposals_frame(4), steps=("classify",))
    assert res.suggestions.empty and res.proposals["n_asks"].isna().all()
    res = run(proposals_frame(4), policy=None)
    assert res.matches.empty and res.uncovered.empty and len(res.suggestions) > 0
    assert "对照现有措施" not in res.summary_text()
    with pytest.raises(InputError, match="unknown step"):
        run(proposals_frame(2), steps=("classify", "translate"))


def test_policy_forms(tmp_path):
    p = tmp_path / "fw.csv"
    FRAMEWORK.to_csv(p, index=False, encoding="utf-8-sig")
    for pol in (FRAMEWORK, p, FRAMEWORK.to_dict("records")):
        assert load_policy(pol)["clause_id"].tolist() == FRAMEWORK["clause_id"].tolist()
    with pytest.raises(InputError, match="PN160"):
        load_policy(tmp_path / "missing.csv")
    with pytest.raises(InputError, match="PN162"):
        load_policy(FRAMEWORK.iloc[:0])
