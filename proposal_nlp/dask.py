"""Batch intake over a Dask DataFrame (optional extra: ``pip install 'proposal_nlp[dask]'``).

``process_dask(ddf, ...)`` runs the same per-chunk work as :func:`proposal_nlp.process_table`
on every partition with ``map_partitions`` and returns the same tables. Each worker process
keeps the models of a configuration in a per-process cache, so they load once per worker,
not once per partition. Works with any Dask scheduler (threads, processes, a
``distributed`` cluster).

>>> import dask.dataframe as dd                                    # doctest: +SKIP
>>> from distributed import Client, LocalCluster                   # doctest: +SKIP
>>> client = Client(LocalCluster(n_workers=4))                     # doctest: +SKIP
>>> ddf = dd.read_csv("messages-*.csv", dtype=str, keep_default_na=False)  # doctest: +SKIP
>>> result = process_dask(ddf, policy="framework.csv")             # doctest: +SKIP
>>> result.write("result.xlsx")                                    # doctest: +SKIP

``group_dask(ddf)`` groups the rows (messages on the same problem at the same place) with the
per-row work in the partitions, and ``steps=(..., "group")`` adds the hot issues to the batch;
both give the same groups as on the whole table in pandas.
"""
from __future__ import annotations

import logging

import pandas as pd

from .engine import (DEFAULT_CHUNK_SIZE, STEPS, TOP_K, StepTally, assemble, batch_meta, get_engine, make_config,
                     preflight, prepare_rows)
from .errors import InputTypeError, ProposalNLPError
from .grouping import group_similar, message_rows
from .hot import add_groups
from .normalize import is_missing
from .roles import detect_roles
from .results import BatchResult

log = logging.getLogger(__name__)


def _require_dask():
    try:
        import dask
        import dask.dataframe as dd
    except ImportError as exc:
        raise ProposalNLPError(
            "process_dask needs Dask; install the extra with pip install 'proposal_nlp[dask]' "
            "(or use proposal_nlp.process_table / process_file with jobs=N on one machine)",
            code="PN170",
        ) from exc
    return dask, dd


def _partition(part: pd.DataFrame, cfg, roles: dict, offsets: list[int], chunk_size: int, partition_info=None) -> pd.DataFrame:
    """Process one partition; returns a one-row frame holding the partition's result tables."""
    number = partition_info["number"] if partition_info else 0
    start = offsets[number]
    engine = get_engine(cfg)  # cached per worker process
    pieces = []
    for s in range(0, len(part), chunk_size):
        sub = part.iloc[s:s + chunk_size]
        errors: list[dict] = []
        chunk = prepare_rows(sub, roles, start + s, errors)
        res = engine.run(chunk)
        res["errors"] = errors + res["errors"]
        pieces.append(res)
    return pd.DataFrame({"part": pd.Series([pieces], dtype=object)})


def process_dask(ddf, *, text_col=None, id_col=None, title_col=None, kind_col=None, handling_col=None,
                 result_col=None, satisfaction_col=None, policy=None, steps=STEPS,
                 classifier="default", extractor=None, parser=None, matcher=None, top_k: int = TOP_K,
                 chunk_size: int = DEFAULT_CHUNK_SIZE, keep_text: bool = True) -> BatchResult:
    """Process a Dask DataFrame partition by partition; same tables as ``process_table``.

    Rows are numbered across partitions in order (``row`` 1..N), so the result equals
    ``process_table(ddf.compute(), ...)``. The arguments are those of
    :func:`proposal_nlp.process_table`; custom ``classifier`` / ``extractor`` / ``parser`` /
    ``matcher`` objects must be picklable to reach the workers. As there, a step that failed
    for every row it ran on raises :class:`~proposal_nlp.errors.BatchError` (PN169). The kind
    and handling roles are checked on the first rows of the first partition.
    """
    dask, dd = _require_dask()
    if not isinstance(ddf, dd.DataFrame):
        raise InputTypeError(f"process_dask needs a dask DataFrame, got {type(ddf).__name__}; "
                        "use dask.dataframe.from_pandas or read_csv, or call process_table on pandas")
    import warnings

    with warnings.catch_warnings():  # a first partition shorter than the sample is fine
        warnings.simplefilter("ignore", UserWarning)
        sample = ddf.head(1000, npartitions=1, compute=True)
    roles, notes = detect_roles(sample, text_col=text_col, id_col=id_col, title_col=title_col, kind_col=kind_col,
                                handling_col=handling_col, result_col=result_col, satisfaction_col=satisfaction_col)
    cfg = make_config(steps, classifier, policy, top_k, extractor, parser, matcher)
    preflight(cfg, jobs=2)  # the models are loaded here once to check them; the workers load their own
    lengths = ddf.map_partitions(len).compute()
    offsets = [0]
    for n in list(lengths)[:-1]:
        offsets.append(offsets[-1] + int(n))
    cfg_d = dask.delayed(cfg, pure=True)
    meta = pd.DataFrame({"part": pd.Series([], dtype=object)})
    with dask.config.set({"dataframe.convert-string": False}):
        parts_frame = ddf.map_partitions(_partition, cfg_d, roles, offsets, max(1, int(chunk_size)),
                                         meta=meta, enforce_metadata=False).compute()
    parts = [piece for pieces in parts_frame["part"] for piece in pieces]
    StepTally.of(parts).check()
    meta = batch_meta(roles, cfg, 0, int(sum(lengths))) | {"engine": "dask"}
    if notes:
        meta["notes"] = "\n".join(notes)
    result = assemble(parts, cfg, meta, keep_text=keep_text)
    if "group" in cfg.steps:  # grouping compares every row with every other: on the whole table
        with dask.config.set({"dataframe.convert-string": False}):
            add_groups(result, ddf.compute().reset_index(drop=True), roles)
    return result


def _message_rows(part: pd.DataFrame, text_col: str, title_col) -> pd.DataFrame:
    texts = ["" if is_missing(v) else str(v) for v in part[text_col]]
    titles = None if title_col is None else ["" if is_missing(v) else str(v) for v in part[title_col]]
    return pd.DataFrame({"rows": pd.Series(message_rows(texts, titles), dtype=object)})


def group_dask(ddf, *, kind: str = "messages", text_col=None, title_col=None, id_col=None, thresholds=None) -> pd.DataFrame:
    """:func:`proposal_nlp.group_similar` over a Dask DataFrame: the same groups as on the whole
    table. Each partition reads its messages' places and cleaned texts (``message_rows``); the
    groups, which compare every message with the others, are made once all partitions are in.
    Proposals are grouped on the whole table (their asks are extracted there)."""
    dask, dd = _require_dask()
    if not isinstance(ddf, dd.DataFrame):
        raise InputTypeError(f"group_dask needs a dask DataFrame, got {type(ddf).__name__}; "
                             "use dask.dataframe.from_pandas, or group_similar on pandas")
    with dask.config.set({"dataframe.convert-string": False}):
        sample = ddf.head(1000, npartitions=1, compute=True)
        roles, _ = detect_roles(sample, text_col=text_col, id_col=id_col, title_col=title_col, kind_col="none",
                                handling_col="none", result_col="none")
        cols = [c for c in (roles["text"], roles.get("title"), roles.get("id")) if c]
        whole = ddf[cols].compute().reset_index(drop=True)
        rows = None
        if kind == "messages":
            meta = pd.DataFrame({"rows": pd.Series([], dtype=object)})
            rows = ddf.map_partitions(_message_rows, roles["text"], roles.get("title"), meta=meta,
                                      enforce_metadata=False).compute()["rows"].tolist()
    texts = ["" if is_missing(v) else str(v) for v in whole[roles["text"]]]
    titles = None if not roles.get("title") else ["" if is_missing(v) else str(v) for v in whole[roles["title"]]]
    ids = whole[roles["id"]].tolist() if roles.get("id") else None
    return group_similar(texts, ids=ids, kind=kind, titles=titles, thresholds=thresholds, rows=rows)


__all__ = ["process_dask", "group_dask"]
