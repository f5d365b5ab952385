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
