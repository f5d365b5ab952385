"""process_dask on a local multi-process Dask cluster gives the same tables as process_table."""
from __future__ import annotations

import sys

import pandas as pd
import pytest

from batch_standins import FRAMEWORK, STANDINS, proposals_frame
from proposal_nlp.batch import process_table
from proposal_nlp.errors import ProposalNLPError

TABLES = ("proposals", "suggestions", "matches", "measures", "uncovered", "summary", "errors")


def _frame():
    df = proposals_frame(45)
    df.loc[7, "内容"] = "BOOM 建议加强"  # a failing row stays a row
    df.loc[20, "编号"] = df.loc[3, "编号"]  # duplicate ids across partitions
    return df


@pytest.fixture(scope="module")
def client():
    pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=3, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster, distributed.Client(cluster) as c:
        yield c


def test_same_tables_as_process_table_on_a_local_cluster(client):
    import dask.dataframe as dd

    from proposal_nlp.dask import process_dask

    df = _frame()
    ddf = dd.from_pandas(df, npartitions=4)
    got = process_dask(ddf, policy=FRAMEWORK, chunk_size=6, **STANDINS)
    ref = process_table(df, policy=FRAMEWORK, **STANDINS)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(got, name), getattr(ref, name), check_dtype=False)
    assert got.proposals["row"].tolist() == list(range(1, len(df) + 1))
    # the work really ran on several worker processes
    assert len(client.scheduler_info()["workers"]) == 3


def test_models_load_once_per_worker(client):
    import dask.dataframe as dd

    from proposal_nlp.dask import process_dask

    ddf = dd.from_pandas(proposals_frame(30), npartitions=6)
    process_dask(ddf, policy=FRAMEWORK, **STANDINS)
    process_dask(ddf, policy=FRAMEWORK, **STANDINS)

    def engines():
        from proposal_nlp import engine

        return len(engine._ENGINES)

    # one configuration -> one cached engine per worker, however many partitions and calls
    assert set(client.run(engines).values()) <= {0, 1}


def test_threads_scheduler_without_a_cluster():
    dd = pytest.importorskip("dask.dataframe")
    import dask

    from proposal_nlp.dask import process_dask

    df = proposals_frame(12)
    with dask.config.set(scheduler="threads"):
        got = process_dask(dd.from_pandas(df, npartitions=3), policy=FRAMEWORK, **STANDINS)
    ref = process_table(df, policy=FRAMEWORK, **STANDINS)
    pd.testing.assert_frame_equal(got.proposals, ref.proposals, check_dtype=False)


def test_missing_dask_is_a_clear_error(monkeypatch):
    from proposal_nlp import dask as pdask

    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "dask.dataframe", None)
    with pytest.raises(ProposalNLPError, match=r"PN170.*pip install 'proposal_nlp\[dask\]'"):
        pdask.process_dask(object())


def test_needs_a_dask_dataframe():
    pytest.importorskip("dask.dataframe")
    from proposal_nlp.dask import process_dask

    with pytest.raises(TypeError, match="dask DataFrame"):
        process_dask(proposals_frame(2))


def _messages_frame(n: int = 60) -> pd.DataFrame:
    estates = ["金华小区", "银泰花园", "东湖家园", "西园新村"]
    problems = ["电梯停运一个多月没人修", "楼下餐馆油烟扰民", "物业乱收停车费"]
    rows = []
    for k in range(n):
        e, p = estates[k % 4], problems[(k // 4) % 3]
        rows.append({"留言编号": str(k), "留言主题": f"投诉A5区{e}{p}", "留言详情": f"{e}{p}，请有关部门处理。第{k}次反映。",
                     "留言时间": f"2019-12-{1 + k % 28:02d} 10:00:00"})
    return pd.DataFrame(rows)


def test_group_dask_gives_the_groups_of_group_similar():
    pytest.importorskip("dask.dataframe")
    import dask
    import dask.dataframe as dd

    from proposal_nlp.dask import group_dask
    from proposal_nlp.grouping import group_similar

    df = _messages_frame()
    ref = group_similar(df["留言详情"].tolist(), ids=df["留言编号"].tolist(), titles=df["留言主题"].tolist())
    with dask.config.set(scheduler="synchronous"):
        got = group_dask(dd.from_pandas(df, npartitions=4))
    pd.testing.assert_frame_equal(got, ref)
    assert ref["group"].nunique() >= 4


def test_the_group_step_on_dask_gives_the_hot_issues_of_process_table():
    pytest.importorskip("dask.dataframe")
    import dask
    import dask.dataframe as dd

    from proposal_nlp.dask import process_dask

    df = _messages_frame(24)
    ref = process_table(df, steps=("extract", "group"))
    with dask.config.set(scheduler="synchronous"):
        got = process_dask(dd.from_pandas(df, npartitions=3), steps=("extract", "group"))
    pd.testing.assert_frame_equal(got.groups, ref.groups)
    pd.testing.assert_frame_equal(got.hot_issues, ref.hot_issues)
