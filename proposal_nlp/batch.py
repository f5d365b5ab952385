"""Batch intake: a table of proposals or messages in, tidy result tables out.

``process_table`` classifies every row (topics, fire flag), extracts its concrete asks,
matches each ask to the measures of a policy, and returns a :class:`BatchResult` with the
tables ``proposals`` (one row per input row, always, in input order), ``suggestions``,
``matches``, ``uncovered``, ``summary`` and ``errors``, joined by ``row`` (the 1-based data
row of the input) and ``id``. A row that fails at a stage keeps its output row; the failure is
recorded in ``errors`` (row, id, stage, message) and the batch goes on.

Rows are processed in chunks; ``jobs=N`` spreads the chunks over N worker processes, each
loading the models once. ``process_file`` reads CSV files in chunks and, with
``stream=True``, writes every chunk's tables as soon as they are done, so memory stays flat
however long the input (this is what ``proposal-nlp run`` does). Beyond one machine,
:func:`proposal_nlp.dask.process_dask` runs the same work over a Dask DataFrame.

>>> result = process_table(df, policy="framework_12345.csv")      # doctest: +SKIP
>>> result.proposals, result.suggestions, result.uncovered         # doctest: +SKIP
>>> print(result.summary_text())                                    # doctest: +SKIP
>>> result.write("result.xlsx")                                     # doctest: +SKIP
"""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from .errors import InputError, ProposalNLPError

log = logging.getLogger(__name__)

STEPS = ("classify", "extract", "match")
DEFAULT_CHUNK_SIZE = 1000
TOP_K = 3
# a proposal states its number, session, kind, proposers and title at its head
PARSE_HEAD_CHARS = 500

PROPOSAL_COLUMNS = [
    "row", "id", "duplicate_id", "title", "kind", "handling", "proposer", "session",
    "topics", "topic_names", "fire_relevant", "fire_score",
    "n_asks", "n_covered", "n_partial", "n_uncovered",
    "parsed_number", "parsed_session", "parsed_kind", "parsed_proposers", "parsed_title",
    "text_chars", "status",
]
SUGGESTION_COLUMNS = ["row", "id", "suggestion_id", "ask_index", "start", "end", "text", "action", "object",
                      "source", "section", "score", "coverage", "best_clause_id", "best_score"]
MATCH_COLUMNS = ["row", "id", "suggestion_id", "rank", "clause_id", "clause_group", "clause_text", "score",
                 "evidence", "coverage"]
UNCOVERED_COLUMNS = ["row", "id", "title", "suggestion_id", "text", "action", "object", "best_clause_id",
                     "best_score"]
ERROR_COLUMNS = ["row", "id", "stage", "message"]
MEASURE_COLUMNS = ["clause_id", "clause_group", "clause_text", "n_asks", "n_covered", "n_partial", "suggestion_ids"]
MAX_IDS_PER_MEASURE = 200

_KINDS = {
    "人大代表建议": "人大代表建议", "代表建议": "人大代表建议", "建议": "人大代表建议", "市人大代表建议": "人大代表建议",
    "人大建议": "人大代表建议", "政协提案": "政协提案", "提案": "政协提案", "委员提案": "政协提案",
    "政协委员提案": "政协提案", "市政协提案": "政协提案", "议案": "议案", "代表议案": "议案",
}
_HANDLING = {"主办": "主办", "会办": "会办", "协办": "会办", "独办": "主办", "单办": "主办"}


def normalize_kind(value) -> str:
    """人大代表建议 / 政协提案 / 议案 from common spellings; other values are kept stripped."""
    v = str(value or "").strip()
    if v in _KINDS:
        return _KINDS[v]
    if "提案" in v:
        return "政协提案"
    if "议案" in v:
        return "议案"
    if "建议" in v:
        return "人大代表建议"
    return v


def normalize_handling(value) -> str:
    v = str(value or "").strip()
    return _HANDLING.get(v, v)


@dataclass
class BatchResult:
    """Tidy result tables of a batch, joined by ``row`` and ``id``.

    ``meta`` records the column roles used, the steps, the policy and stage timings.
    """

    proposals: pd.DataFrame
    suggestions: pd.DataFrame
    matches: pd.DataFrame
    uncovered: pd.DataFrame
    summary: pd.DataFrame
    errors: pd.DataFrame
    meta: dict = field(default_factory=dict)
    measures: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MEASURE_COLUMNS))

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables in workbook order."""
        return {"proposals": self.proposals, "suggestions": self.suggestions, "matches": self.matches,
                "measures": self.measures, "uncovered": self.uncovered, "summary": self.summary,
                "errors": self.errors}

    def summary_text(self) -> str:
        """A short Chinese 办理情况-style paragraph from the summary counts."""
        from .summary import summary_paragraph

        return summary_paragraph(self.summary)

    def write(self, path, *, force: bool = False):
        """Write the tables (XLSX workbook or CSV folder); see :func:`proposal_nlp.write_result`."""
        from .io import write_result

        return write_result(self, path, force=force)

    def __repr__(self) -> str:
        return (f"BatchResult(proposals={len(self.proposals)}, suggestions={len(self.suggestions)}, "
                f"matches={len(self.matches)}, uncovered={len(self.uncovered)}, errors={len(self.errors)})")


# ---------------------------------------------------------------- policy


def load_policy(policy) -> pd.DataFrame | None:
    """A clause table (``clause_id``, ``group``, ``text``) from a path, a clause list or a DataFrame.

    A ``.txt`` / ``.md`` file is parsed with :func:`proposal_nlp.parse_policy`; other files
    (CSV, XLSX, JSONL) are read with :func:`proposal_nlp.load_clauses`.
    """
    if policy is None:
        return None
    if isinstance(policy, pd.DataFrame):
        df = policy
    elif isinstance(policy, (str, os.PathLike)):
        path = Path(policy)
        if not path.is_file():
            raise InputError(f"policy file {str(path)!r} not found; give a clause table (CSV/XLSX/JSONL) "
                             "or a policy text (.txt)", code="PN160")
        policy_mod = _require("policy", "reading a policy")
        if path.suffix.lower() in (".txt", ".md"):
            from .io import detect_encoding

            text = path.read_text(encoding=detect_encoding(path))
            clauses = policy_mod.parse_policy(text, doc_id=path.stem)
        else:
            clauses = policy_mod.load_clauses(path)
        df = _clauses_frame(clauses)
    else:
        df = _clauses_frame(list(policy))
    if "clause_id" not in df.columns or "text" not in df.columns:
        raise InputError(f"the policy table needs columns clause_id and text; it has {list(df.columns)}",
                         code="PN161")
    if len(df) == 0:
        raise InputError("the policy holds no clauses; give a clause table with at least one row", code="PN162")
    df = df.copy()
    if "group" not in df.columns:
        df["group"] = ""
    df["clause_id"] = df["clause_id"].astype(str)
    df["text"] = df["text"].fillna("").astype(str)
    df["group"] = df["group"].fillna("").astype(str)
    return df.reset_index(drop=True)


def _clauses_frame(clauses) -> pd.DataFrame:
    if isinstance(clauses, pd.DataFrame):
        return clauses
    rows = []
    for c in clauses:
        if isinstance(c, dict):
            rows.append(c)
        elif hasattr(c, "_asdict"):
            rows.append(c._asdict())
        elif hasattr(c, "__dataclass_fields__"):
            rows.append({k: getattr(c, k) for k in c.__dataclass_fields__})
        else:
            rows.append({"clause_id": getattr(c, "clause_id"), "text": getattr(c, "text"),
                         "group": getattr(c, "group", "")})
    return pd.DataFrame(rows)


DEMO_FILES = ("proposals.csv", "framework_12345.csv")


def demo_files() -> tuple[Path, Path]:
    """``(proposals.csv, framework_12345.csv)`` of the demo shipped in ``proposal_nlp/data/demo``."""
    from .errors import ResourceError
    from .resources import package_path

    paths = []
    for name in DEMO_FILES:
        try:
            paths.append(package_path(f"demo/{name}"))
        except ResourceError as exc:
            raise ResourceError(f"demo file {name} is missing from the installed package "
                                "(proposal_nlp/data/demo); reinstall proposal_nlp", code="PN201") from exc
    proposals, framework = paths
    return proposals, framework


def demo_dir() -> Path:
    """The folder holding the shipped demo files."""
    return demo_files()[0].parent


# ---------------------------------------------------------------- models, once per process


def _require(name: str, purpose: str):
    import importlib

    try:
        return importlib.import_module(f"proposal_nlp.{name}")
    except ImportError as exc:
        raise ProposalNLPError(
            f"{purpose} needs proposal_nlp.{name}, which is not available in this installation ({exc}); "
            f"update proposal_nlp or leave that step out with steps=...",
            code="PN163",
        ) from exc


@dataclass(frozen=True)
class _Config:
    steps: tuple
    classifier: object = "default"
    clauses: pd.DataFrame | None = None
    top_k: int = TOP_K
    extractor: object = None
    parser: object = None
    matcher: object = None

    @cached_property
    def key(self) -> str:
        """Stable across copies of this configuration (so each worker builds one engine)."""
        h = hashlib.sha256(repr((self.steps, self.top_k)).encode())
        for part in (self.classifier, self.extractor, self.parser, self.matcher):
            if part is None or isinstance(part, (str, os.PathLike)):
                h.update(repr(part).encode())
            else:
                try:
                    h.update(pickle.dumps(part, protocol=5))
                except Exception:  # unpicklable: only usable in this process anyway
                    h.update(repr(id(part)).encode())
        if self.clauses is not None:
            h.update(pd.util.hash_pandas_object(self.clauses[["clause_id", "text"]], index=False).values.tobytes())
        return h.hexdigest()


class _Engine:
    """The models of one configuration, loaded lazily, once per process."""

    def __init__(self, cfg: _Config):
        self.cfg = cfg
        self._clf = None
        self._matcher = None
        self._clause_info = None
        self._extract = None
        self._parse = None

    @property
    def classifier(self):
        if self._clf is None:
            c = self.cfg.classifier
            if isinstance(c, (str, os.PathLike)):
                self._clf = _require("classify", "the classify step").load_classifier(c)
            else:
                self._clf = c
        return self._clf

    @property
    def extract(self):
        if self._extract is None:
            self._extract = self.cfg.extractor or _require("suggest", "the extract step").extract_suggestions
        return self._extract

    @property
    def parse(self):
        if self._parse is None:
            self._parse = self.cfg.parser or _require("suggest", "the extract step").parse_proposal
        return self._parse

    @property
    def matcher(self):
        if self._matcher is None:
            clauses = self.cfg.clauses
            proto = self.cfg.matcher
            if proto is None:
                proto = _require("match", "the match step").ClauseMatcher()
            else:  # fit a copy: the caller's matcher (and this configuration's key) stay unchanged
                import copy

                proto = copy.deepcopy(proto)
            self._matcher = proto.fit(clauses)
            self._clause_info = {cid: (g, t) for cid, g, t in
                                 zip(clauses["clause_id"], clauses["group"], clauses["text"])}
        return self._matcher

    def run(self, chunk: pd.DataFrame) -> dict:
        return _run_chunk(self, chunk)


_ENGINES: dict[str, _Engine] = {}
_WORKER_CFG: _Config | None = None


def get_engine(cfg: _Config) -> _Engine:
    """The engine for ``cfg`` in this process (created on first use, then reused)."""
    key = cfg.key
    eng = _ENGINES.get(key)
    if eng is None:
        if len(_ENGINES) > 4:
            _ENGINES.clear()
        eng = _ENGINES[key] = _Engine(cfg)
    return eng


def _init_worker(cfg: _Config) -> None:
    global _WORKER_CFG
    _WORKER_CFG = cfg
    logging.getLogger("proposal_nlp").addHandler(logging.NullHandler())


def _worker_run(chunk: pd.DataFrame) -> dict:
    return get_engine(_WORKER_CFG).run(chunk)


# ---------------------------------------------------------------- one chunk


def _value(obj, name):
    """``obj.name`` (or ``obj[name]``), reduced to its ``value`` when it is a field with offsets."""
    if obj is None:
        return None
    v = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
    if v is None:
        return None
    if isinstance(v, (str, int, float)):
        return v if v != "" else None
    for attr in ("value", "text"):
        inner = v.get(attr) if isinstance(v, dict) else getattr(v, attr, None)
        if inner is not None:
            return inner if not isinstance(inner, (list, tuple)) else "、".join(map(str, inner))
    if isinstance(v, (list, tuple)):
        return "、".join(str(_value({"x": x}, "x")) for x in v)
    return str(v)


def _short(exc: BaseException) -> str:
    msg = f"{type(exc).__name__}: {exc}"
    return msg if len(msg) < 500 else msg[:497] + "..."


def _classify(engine: _Engine, texts: list[str], rows, ids, errors) -> pd.DataFrame:
    clf = engine.classifier
    try:
        frame = clf.predict_frame(texts)
        if len(frame) != len(texts):
            raise ProposalNLPError(f"classifier returned {len(frame)} rows for {len(texts)} texts", code="PN164")
        return frame.reset_index(drop=True)
    except Exception as exc:  # isolate the failing rows
        if len(texts) == 1:
            raise
        log.info("classify failed on a chunk (%s); retrying row by row", _short(exc))
    parts = []
    for t, r, i in zip(texts, rows, ids):
        try:
            parts.append(clf.predict_frame([t]).reset_index(drop=True))
        except Exception as exc:
            errors.append({"row": r, "id": i, "stage": "classify", "message": _short(exc)})
            parts.append(pd.DataFrame({"topics": [[]], "fire_relevant": [pd.NA], "fire_score": [float("nan")],
                                       "_failed": [True]}))
    return pd.concat(parts, ignore_index=True)


def _labels_of(frame: pd.DataFrame, n: int) -> list[list]:
    """Topic ids (default model) or a user model's label(s), as a list per row."""
    for col in ("topics", "labels"):
        if col in frame.columns:
            return [list(t) if isinstance(t, (list, tuple, set)) else [] for t in frame[col]]
    if "label" in frame.columns:
        return [[] if _missing(v) else [v] for v in frame["label"]]
    return [[] for _ in range(n)]


def _run_chunk(engine: _Engine, chunk: pd.DataFrame) -> dict:
    """Process one chunk of prepared rows (columns row, id, title, text, kind, ...)."""
    steps = engine.cfg.steps
    errors: list[dict] = []
    timings: dict[str, float] = {}
    n = len(chunk)
    rows = chunk["row"].tolist()
    ids = chunk["id"].tolist()
    texts = chunk["text"].tolist()
    titles = chunk["title"].tolist()
    out = {c: chunk[c].tolist() for c in ("row", "id", "title", "kind", "handling", "proposer", "session")}
    out["text_chars"] = [len(t) for t in texts]
    status = ["ok"] * n

    if "classify" in steps:
        t0 = time.perf_counter()
        inputs = [f"{ti}\n{tx}" if ti and tx else (ti or tx) for ti, tx in zip(titles, texts)]
        try:
            frame = _classify(engine, inputs, rows, ids, errors)
        except Exception as exc:
            for r, i in zip(rows, ids):
                errors.append({"row": r, "id": i, "stage": "classify", "message": _short(exc)})
            frame = pd.DataFrame({"topics": [[] for _ in range(n)], "fire_relevant": [pd.NA] * n,
                                  "fire_score": [float("nan")] * n, "_failed": [True] * n})
        failed = frame["_failed"].fillna(False).tolist() if "_failed" in frame.columns else [False] * n
        out["topics"] = _labels_of(frame, n)
        if "fire_relevant" in frame.columns:  # the emergency-management model
            out["fire_relevant"] = [pd.NA if f or _missing(v) else bool(v) for v, f in zip(frame["fire_relevant"], failed)]
            out["fire_score"] = [float("nan") if _missing(v) else float(v) for v in frame["fire_score"]]
        for c in frame.columns:
            if c.startswith("score_"):
                out[c] = frame[c].astype(float).tolist()
        for k, f in enumerate(failed):
            if f:
                status[k] = "error"
        timings["classify"] = time.perf_counter() - t0

    suggestions: list[dict] = []
    parsed = [None] * n
    n_asks: list = [pd.NA] * n
    if "extract" in steps:
        extract = engine.extract
        t0 = time.perf_counter()
        for k in range(n):
            text = texts[k]
            try:
                sugs = extract(text) if text else []
            except Exception as exc:
                errors.append({"row": rows[k], "id": ids[k], "stage": "extract", "message": _short(exc)})
                status[k] = "error"
                continue
            n_asks[k] = len(sugs)
            for j, s in enumerate(sugs, 1):
                suggestions.append({
                    "row": rows[k], "id": ids[k], "suggestion_id": f"{rows[k]}.{j}", "ask_index": j,
                    "start": s.start, "end": s.end, "text": s.text,
                    "action": getattr(s, "action", None), "object": getattr(s, "object", None),
                    "source": getattr(s, "source", None), "section": getattr(s, "section", None),
                    "score": getattr(s, "score", None),
                })
        timings["extract"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        parse = engine.parse
        for k in range(n):
            if not texts[k]:
                continue
            try:
                parsed[k] = parse(texts[k][:PARSE_HEAD_CHARS])
            except Exception as exc:
                errors.append({"row": rows[k], "id": ids[k], "stage": "parse", "message": _short(exc)})
        timings["parse"] = time.perf_counter() - t0
    elif "match" in steps:  # no extraction: each row's text is one ask (a table of asks)
        for k in range(n):
            if texts[k].strip():
                suggestions.append({"row": rows[k], "id": ids[k], "suggestion_id": f"{rows[k]}.1", "ask_index": 1,
                                    "start": 0, "end": len(texts[k]), "text": texts[k], "action": None,
                                    "object": None, "source": "row", "section": None, "score": None})
            n_asks[k] = 1 if texts[k].strip() else 0
    out["n_asks"] = n_asks
    for f in ("number", "session", "kind", "proposers", "title"):
        out[f"parsed_{f}"] = [_value(p, f) for p in parsed]

    matches = pd.DataFrame(columns=MATCH_COLUMNS)
    if "match" in steps and engine.cfg.clauses is not None and suggestions:
        t0 = time.perf_counter()
        matches = _match(engine, suggestions, errors)
        timings["match"] = time.perf_counter() - t0
    out["status"] = status
    out["text"] = texts
    return {"proposals": pd.DataFrame(out), "suggestions": pd.DataFrame(suggestions), "matches": matches,
            "errors": errors, "timings": timings}


def _match(engine: _Engine, suggestions: list[dict], errors: list) -> pd.DataFrame:
    matcher = engine.matcher
    texts = [s["text"] or "" for s in suggestions]
    qids = [s["suggestion_id"] for s in suggestions]
    top_k = engine.cfg.top_k
    try:
        m = matcher.match(texts, top_k=top_k, query_ids=qids)
    except Exception as exc:
        log.info("match failed on a chunk (%s); retrying ask by ask", _short(exc))
        parts = []
        for s, t, q in zip(suggestions, texts, qids):
            try:
                parts.append(matcher.match([t], top_k=top_k, query_ids=[q]))
            except Exception as exc2:
                errors.append({"row": s["row"], "id": s["id"], "stage": "match",
                               "message": f"ask {q}: {_short(exc2)}"})
        m = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
            columns=["query_id", "rank", "clause_id", "score", "evidence", "coverage"])
    m = m.rename(columns={"query_id": "suggestion_id"}).copy()
    m["suggestion_id"] = m["suggestion_id"].astype(str)
    owner = {s["suggestion_id"]: (s["row"], s["id"]) for s in suggestions}
    m["row"] = [owner.get(q, (None, None))[0] for q in m["suggestion_id"]]
    m["id"] = [owner.get(q, (None, None))[1] for q in m["suggestion_id"]]
    info = engine._clause_info or {}
    m["clause_group"] = [info.get(str(c), ("", ""))[0] for c in m["clause_id"]]
    m["clause_text"] = [info.get(str(c), ("", ""))[1] for c in m["clause_id"]]
    if "evidence" in m.columns:
        m["evidence"] = [("、".join(map(str, e)) if isinstance(e, (list, tuple, set)) else e) for e in m["evidence"]]
    for c in MATCH_COLUMNS:
        if c not in m.columns:
            m[c] = None
    return m[MATCH_COLUMNS]


# ---------------------------------------------------------------- preparing input


def _prepare_rows(df: pd.DataFrame, roles: dict, start_row: int, errors: list) -> pd.DataFrame:
    """The columns a chunk needs, as clean ``str``; odd cells recorded in ``errors``."""
    n = len(df)
    rows = list(range(start_row + 1, start_row + n + 1))
    if roles.get("id"):
        ids = [_as_str(v) for v in df[roles["id"]].tolist()]
    else:
        ids = [str(r) for r in rows]
    texts = []
    for r, i, v in zip(rows, ids, df[roles["text"]].tolist()):
        if isinstance(v, str):
            texts.append(v)
            if not v.strip():
                errors.append({"row": r, "id": i, "stage": "input",
                               "message": "empty text; the row is kept with no topics and no asks"})
            continue
        s = _as_str(v)
        if s == "":
            errors.append({"row": r, "id": i, "stage": "input",
                           "message": "missing text; the row is kept with no topics and no asks"})
        else:
            errors.append({"row": r, "id": i, "stage": "input",
                           "message": f"text cell of type {type(v).__name__} converted to text ({s[:40]!r})"})
        texts.append(s)

    def col(role, fn=_as_str):
        c = roles.get(role)
        return [fn(v) for v in df[c].tolist()] if c else [""] * n

    return pd.DataFrame({
        "row": rows, "id": ids, "title": col("title"), "text": texts,
        "kind": col("kind", lambda v: normalize_kind(_as_str(v))),
        "handling": col("handling", lambda v: normalize_handling(_as_str(v))),
        "proposer": col("proposer"), "session": col("session"),
    })


def _as_str(v) -> str:
    from .io import _cell_str

    return _cell_str(v)


# ---------------------------------------------------------------- assembling


def _missing(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and v != v)


def _obj(s: pd.Series) -> pd.Series:
    """A text column as ``object`` with ``None`` for missing, whatever path built it."""
    return pd.Series([None if _missing(v) else v for v in s], index=s.index, dtype=object)


def _assemble(parts: list[dict], cfg: _Config, meta: dict, *, id_counts: dict | None = None, keep_text: bool = True,
              with_summary: bool = True) -> BatchResult:
    """Chunk results -> the six tidy tables (coverage joined, duplicates flagged, summary)."""
    from .summary import build_summary
    from .io import topic_label

    props = [p["proposals"] for p in parts]
    proposals = pd.concat(props, ignore_index=True) if props else pd.DataFrame()
    sug_parts = [p["suggestions"] for p in parts if len(p["suggestions"])]
    suggestions = pd.concat(sug_parts, ignore_index=True) if sug_parts else pd.DataFrame(columns=SUGGESTION_COLUMNS)
    m_parts = [p["matches"] for p in parts if len(p["matches"])]
    matches = pd.concat(m_parts, ignore_index=True) if m_parts else pd.DataFrame(columns=MATCH_COLUMNS)
    errors: list[dict] = []
    for p in parts:
        errors.extend(p["errors"])
    timings: dict[str, float] = {}
    for p in parts:
        for k, v in p["timings"].items():
            timings[k] = timings.get(k, 0.0) + v

    # duplicate ids: kept, flagged (id_counts: counts over the whole input when it comes in pieces)
    if len(proposals):
        ids = proposals["id"].fillna("").astype(str)
        counts = id_counts if id_counts is not None else ids[ids != ""].value_counts().to_dict()
        n_seen = ids.map(lambda i: counts.get(i, 0) if i else 0)
        dup = n_seen > 1
        proposals["duplicate_id"] = dup.to_numpy()
        for r, ident, n in zip(proposals.loc[dup, "row"], ids[dup], n_seen[dup]):
            errors.append({"row": r, "id": ident, "stage": "input",
                           "message": f"id {ident!r} appears {n} times in the input; all kept and flagged "
                                      "in duplicate_id"})
    else:
        proposals = pd.DataFrame(columns=PROPOSAL_COLUMNS)

    # coverage per ask and per proposal
    if len(suggestions):
        suggestions["coverage"] = None
        suggestions["best_clause_id"] = None
        suggestions["best_score"] = float("nan")
        if len(matches):
            first = matches.sort_values(["suggestion_id", "rank"]).drop_duplicates("suggestion_id")
            by = first.set_index("suggestion_id")
            suggestions["coverage"] = suggestions["suggestion_id"].map(by["coverage"])
            suggestions["best_clause_id"] = suggestions["suggestion_id"].map(by["clause_id"])
            suggestions["best_score"] = suggestions["suggestion_id"].map(by["score"]).astype(float)
        suggestions = suggestions[SUGGESTION_COLUMNS]
    if "match" in cfg.steps and cfg.clauses is not None and len(suggestions):
        cov = suggestions.groupby("row")["coverage"].value_counts().unstack(fill_value=0)
        for verdict in ("covered", "partial", "uncovered"):
            col = cov[verdict] if verdict in cov.columns else pd.Series(dtype=int)
            proposals[f"n_{verdict}"] = proposals["row"].map(col).where(proposals["n_asks"].notna())
            proposals[f"n_{verdict}"] = proposals[f"n_{verdict}"].fillna(0).where(proposals["n_asks"].notna())
    for c in PROPOSAL_COLUMNS:
        if c not in proposals.columns:
            proposals[c] = pd.NA if c not in ("topics",) else [[] for _ in range(len(proposals))]
    if len(proposals):
        proposals["topic_names"] = ["、".join(topic_label(t) for t in ts) if isinstance(ts, list) else ""
                                    for ts in proposals["topics"]]
        err_rows = {e["row"] for e in errors if e["stage"] not in ("input",)}
        proposals.loc[proposals["row"].isin(err_rows), "status"] = "error"
    for c in ("n_asks", "n_covered", "n_partial", "n_uncovered", "text_chars", "row"):
        proposals[c] = pd.array(proposals[c], dtype="Int64") if len(proposals) else proposals[c]
    if len(proposals):
        proposals["fire_relevant"] = pd.array(proposals["fire_relevant"], dtype="boolean")
    for c in ("id", "title", "kind", "handling", "proposer", "session", "topic_names", "parsed_number",
              "parsed_session", "parsed_kind", "parsed_proposers", "parsed_title", "status", "text"):
        if c in proposals.columns:
            proposals[c] = _obj(proposals[c])
    for c in ("id", "suggestion_id", "text", "action", "object", "source", "section", "coverage", "best_clause_id"):
        if c in suggestions.columns:
            suggestions[c] = _obj(suggestions[c])
    for c in ("id", "suggestion_id", "clause_id", "clause_group", "clause_text", "evidence", "coverage"):
        if c in matches.columns:
            matches[c] = _obj(matches[c])
    score_cols = [c for c in proposals.columns if c.startswith("score_")]
    proposals = proposals[PROPOSAL_COLUMNS + score_cols + (["text"] if keep_text and "text" in proposals.columns else [])]

    if len(suggestions) and "coverage" in suggestions.columns:
        unc = suggestions[suggestions["coverage"] == "uncovered"]
        titles = proposals.drop_duplicates("row").set_index("row")["title"]
        uncovered = unc.assign(title=unc["row"].map(titles))[UNCOVERED_COLUMNS].reset_index(drop=True)
    else:
        uncovered = pd.DataFrame(columns=UNCOVERED_COLUMNS)

    err = pd.DataFrame(errors, columns=ERROR_COLUMNS)
    if len(err):
        err = err.sort_values("row", kind="stable", key=lambda s: pd.to_numeric(s, errors="coerce")).reset_index(
            drop=True)
    meta = {**meta, "steps": list(cfg.steps), "timings": {k: round(v, 3) for k, v in timings.items()}}
    summary = (build_summary(proposals, suggestions, matched="match" in cfg.steps and cfg.clauses is not None,
                             errors=err) if with_summary else pd.DataFrame())
    meta["timings"] = ", ".join(f"{k}={v}s" for k, v in meta["timings"].items())
    measures = (measures_table(suggestions, cfg.clauses) if with_summary and "match" in cfg.steps
                else pd.DataFrame(columns=MEASURE_COLUMNS))
    return BatchResult(proposals, suggestions, matches, uncovered, summary, err, meta, measures)


def measures_table(suggestions: pd.DataFrame, clauses: pd.DataFrame | None) -> pd.DataFrame:
    """Each measure (clause, in policy order) with the asks it answers best: counts of covered
    and partly covered asks and their ``suggestion_id`` s (the first 200, then …)."""
    if clauses is None:
        return pd.DataFrame(columns=MEASURE_COLUMNS)
    answered = pd.DataFrame(columns=["best_clause_id", "coverage", "suggestion_id"])
    if len(suggestions) and "best_clause_id" in suggestions.columns:
        answered = suggestions[suggestions["coverage"].isin(["covered", "partial"])]
    groups = {str(k): g for k, g in answered.groupby("best_clause_id", sort=False)} if len(answered) else {}
    rows = []
    for cid, group, text in zip(clauses["clause_id"], clauses["group"], clauses["text"]):
        g = groups.get(str(cid))
        ids = [] if g is None else g["suggestion_id"].astype(str).tolist()
        cov = 0 if g is None else int((g["coverage"] == "covered").sum())
        shown = "|".join(ids[:MAX_IDS_PER_MEASURE]) + ("|…" if len(ids) > MAX_IDS_PER_MEASURE else "")
        rows.append({"clause_id": str(cid), "clause_group": group, "clause_text": text, "n_asks": len(ids),
                     "n_covered": cov, "n_partial": len(ids) - cov, "suggestion_ids": shown})
    out = pd.DataFrame(rows, columns=MEASURE_COLUMNS)
    for c in ("n_asks", "n_covered", "n_partial"):
        out[c] = out[c].astype("Int64")
    for c in ("clause_id", "clause_group", "clause_text", "suggestion_ids"):
        out[c] = _obj(out[c])
    return out


# ---------------------------------------------------------------- public entry points


def _check_steps(steps) -> tuple:
    steps = tuple(steps)
    unknown = [s for s in steps if s not in STEPS]
    if unknown:
        raise InputError(f"unknown step(s) {unknown}; choose from {list(STEPS)}", code="PN112")
    return steps


def _jobs(jobs) -> int:
    if jobs is None or jobs == 1:
        return 1
    if jobs <= 0:
        return os.cpu_count() or 1
    return int(jobs)


def _make_config(steps, classifier, policy, top_k, extractor=None, parser=None, matcher=None) -> _Config:
    steps = _check_steps(steps)
    clauses = load_policy(policy) if "match" in steps else None
    if "match" in steps and clauses is None:
        log.info("no policy given: asks are extracted but not matched to measures")
    if "match" in steps and clauses is None and "extract" not in steps:
        raise InputError("the match step needs a policy (policy=... / --policy FILE)", code="PN112")
    return _Config(steps=steps, classifier=classifier, clauses=clauses, top_k=top_k, extractor=extractor,
                   parser=parser, matcher=matcher)


def _preflight(cfg: _Config, jobs: int) -> None:
    """Fail before any row is read when a step cannot run at all (missing module or model).

    In one process the models are loaded here (they are needed anyway); with workers only
    their presence is checked, each worker then loads them once.
    """
    if "classify" in cfg.steps:
        if isinstance(cfg.classifier, (str, os.PathLike)):
            if jobs == 1:
                get_engine(cfg).classifier
            else:
                _require("persist", "the classify step").model_path(cfg.classifier)
        elif not hasattr(cfg.classifier, "predict_frame"):
            raise InputError(f"classifier must be a model name, a path or an object with predict_frame; got "
                             f"{type(cfg.classifier).__name__}", code="PN165")
    if "extract" in cfg.steps:
        if jobs == 1:
            get_engine(cfg).extract, get_engine(cfg).parse
        elif cfg.extractor is None or cfg.parser is None:
            _require("suggest", "the extract step")
    if "match" in cfg.steps and cfg.clauses is not None:
        if jobs == 1:
            get_engine(cfg).matcher
        elif cfg.matcher is None:
            _require("match", "the match step")


def _run_chunks(chunks, cfg: _Config, *, jobs: int, progress, total=None):
    """Run ``(chunk, input_errors)`` pairs in order, in this process or a pool; yields chunk results
    (with the input errors first in their ``errors``) in input order."""
    from tqdm import tqdm

    _preflight(cfg, jobs)
    bar = tqdm(total=total, unit="row", disable=not progress, file=sys.stderr, leave=False, dynamic_ncols=True)
    try:
        if jobs == 1:
            engine = get_engine(cfg)
            for ch, errs in chunks:
                res = engine.run(ch)
                res["errors"] = errs + res["errors"]
                bar.update(len(ch))
                yield res
            return
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        ctx = mp.get_context("spawn")
        pending: deque = deque()
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                                 initargs=(cfg,)) as pool:
            it = iter(chunks)
            exhausted = False
            while True:
                while not exhausted and len(pending) < 2 * jobs:
                    try:
                        ch, errs = next(it)
                    except StopIteration:
                        exhausted = True
                        break
                    pending.append((ch, errs, pool.submit(_worker_run, ch)))
                if not pending:
                    break
                ch, errs, fut = pending.popleft()
                try:
                    res = fut.result()
                except Exception as exc:  # a crashed worker: redo the chunk here
                    log.warning("a worker failed on rows %s-%s (%s); processing them in the main process",
                                ch["row"].iloc[0] if len(ch) else "?", ch["row"].iloc[-1] if len(ch) else "?",
                                _short(exc))
                    res = get_engine(cfg).run(ch)
                res["errors"] = errs + res["errors"]
                bar.update(len(ch))
                yield res
    finally:
        bar.close()


def process_table(df: pd.DataFrame, *, text_col=None, id_col=None, title_col=None, policy=None,
                  steps=STEPS, classifier="default", extractor=None, parser=None, matcher=None, top_k: int = TOP_K,
                  chunk_size: int = DEFAULT_CHUNK_SIZE, jobs: int = 1, progress: bool = False,
                  keep_text: bool = True) -> BatchResult:
    """Classify, extract asks from and match every row of a table of proposals or messages.

    Parameters
    ----------
    df : DataFrame
        One proposal or message per row. Column roles (text, title, id, 类型, 办理方式,
        提案人, 届次) are detected from common Chinese and English headers.
    text_col, id_col, title_col : str, optional
        Name the columns explicitly.
    policy : path, list of clauses or DataFrame, optional
        The measures asks are matched to (``clause_id``, ``text``, optional ``group``). Without
        it asks are extracted but not matched.
    steps : subset of ("classify", "extract", "match"); "match" without "extract" matches each
        row's whole text as one ask (for a table of asks).
    classifier : "default", a model path, or an object with ``predict_frame``
    extractor, parser : callables replacing :func:`proposal_nlp.extract_suggestions` and
        :func:`proposal_nlp.parse_proposal` (``text -> list of suggestions`` / ``text -> fields``).
    matcher : an unfitted matcher with ``fit(clauses)`` and ``match(texts, top_k=, query_ids=)``
        (default :class:`proposal_nlp.ClauseMatcher`). With ``jobs > 1`` these must be picklable.
    top_k : measures listed per ask in ``matches``.
    chunk_size : rows per chunk; ``jobs`` worker processes (``0`` or less: all cores).
    progress : show a progress bar on stderr.
    keep_text : keep the text column in the proposals table.

    Returns
    -------
    BatchResult with one ``proposals`` row per input row, in input order.
    """
    from .io import detect_columns

    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"[PN001] process_table needs a pandas DataFrame, got {type(df).__name__}; "
                        "read files with proposal_nlp.read_table or use process_file")
    roles = detect_columns(df.columns, text_col=text_col, id_col=id_col, title_col=title_col)
    cfg = _make_config(steps, classifier, policy, top_k, extractor, parser, matcher)
    jobs = _jobs(jobs)
    chunk_size = max(1, int(chunk_size))
    if jobs > 1 and len(df) <= chunk_size:
        jobs = 1

    def chunks():
        for start in range(0, len(df), chunk_size):
            errs: list[dict] = []
            yield _prepare_rows(df.iloc[start:start + chunk_size], roles, start, errs), errs

    parts = list(_run_chunks(chunks(), cfg, jobs=jobs, progress=progress, total=len(df)))
    return _assemble(parts, cfg, _meta(roles, cfg, jobs, len(df)), keep_text=keep_text)


def _meta(roles, cfg, jobs, n) -> dict:
    meta = {f"{role}_col": col for role, col in roles.items() if col}
    meta.update({"rows": n, "jobs": jobs, "policy_clauses": 0 if cfg.clauses is None else len(cfg.clauses),
                 "classifier": cfg.classifier if isinstance(cfg.classifier, (str, os.PathLike))
                 else type(cfg.classifier).__name__})
    return meta


def process_file(path, *, out=None, force: bool = False, stream: bool = False, encoding=None, sheet=None,
                 text_col=None, id_col=None, title_col=None, policy=None, steps=STEPS, classifier="default",
                 extractor=None, parser=None, matcher=None, top_k: int = TOP_K, chunk_size: int = DEFAULT_CHUNK_SIZE,
                 jobs: int = 1, progress: bool = False, keep_text: bool = True) -> BatchResult:
    """Process a table file chunk by chunk (CSV/TSV read in chunks) and optionally write the result.

    Same tables as :func:`process_table` on the whole file. With ``out`` (``.xlsx`` or a
    folder of CSV files) the result is written there (refused if it exists, unless ``force``).

    With ``stream=True`` (needs ``out``) every chunk's tables are written as soon as they are
    done and only what the summary and the report need stays in memory, so memory stays flat
    however long the input: the returned result then holds the ``proposals`` without text and
    score columns, ``suggestions`` reduced to ``row, id, suggestion_id, coverage``, no
    ``matches``, and the full ``uncovered``, ``summary`` and ``errors`` (``meta["streamed"]``).
    The files written are the same as without streaming.
    """
    from .io import detect_columns, iter_table_chunks

    path = Path(path)
    if stream and out is None:
        raise InputError("stream=True writes the tables as it goes: give out= (an .xlsx file or a folder)",
                         code="PN166")
    if out is not None and Path(out).exists() and not force:
        raise InputError(f"{out} already exists; choose another output or pass --force (force=True) to overwrite",
                         code="PN150")
    cfg = _make_config(steps, classifier, policy, top_k, extractor, parser, matcher)
    jobs = _jobs(jobs)
    chunk_size = max(1, int(chunk_size))
    head = next(iter_table_chunks(path, chunk_size=1, encoding=encoding, sheet=sheet))
    roles = detect_columns(head.columns, text_col=text_col, id_col=id_col, title_col=title_col)
    state = {"n": 0}

    def chunks():
        for part in iter_table_chunks(path, chunk_size=chunk_size, encoding=encoding, sheet=sheet):
            if len(part) == 0:
                continue
            start = state["n"]
            state["n"] += len(part)
            errs: list[dict] = []
            yield _prepare_rows(part, roles, start, errs), errs

    results = _run_chunks(chunks(), cfg, jobs=jobs, progress=progress, total=None)
    if not stream:
        result = _assemble(list(results), cfg, _meta(roles, cfg, jobs, state["n"]), keep_text=keep_text)
        result.meta["input"] = path.name
        if out is not None:
            result.write(out, force=force)
        return result
    return _stream(results, path, out, force, cfg, roles, jobs, state, encoding=encoding, sheet=sheet,
                   keep_text=keep_text, chunk_size=chunk_size)


_LEAN_PROPOSALS = ["row", "id", "duplicate_id", "title", "kind", "handling", "topics", "topic_names", "fire_relevant",
                   "fire_score", "n_asks", "n_covered", "n_partial", "n_uncovered", "status"]


def _id_counts(path, roles, *, encoding, sheet, chunk_size) -> dict | None:
    """How often each id occurs in the whole file (read the id column only)."""
    from .io import iter_table_chunks

    if not roles.get("id"):
        return None
    counts: dict[str, int] = {}
    for part in iter_table_chunks(path, chunk_size=max(chunk_size, 50_000), encoding=encoding, sheet=sheet,
                                  columns=[roles["id"]]):
        for i in part[roles["id"]].map(_as_str):
            if i:
                counts[i] = counts.get(i, 0) + 1
    return counts


def _stream(results, path, out, force, cfg, roles, jobs, state, *, encoding, sheet, keep_text, chunk_size):
    from .io import ResultWriter
    from .summary import build_summary

    id_counts = _id_counts(path, roles, encoding=encoding, sheet=sheet, chunk_size=chunk_size)
    meta = _meta(roles, cfg, jobs, 0)
    writer = ResultWriter(out, force=force, id_header=meta.get("id_col"))
    lean, asks, uncovered, errors = [], [], [], []
    timings: dict[str, float] = {}
    done = False
    try:
        for res in results:
            for k, v in res["timings"].items():
                timings[k] = timings.get(k, 0.0) + v
            part = _assemble([res], cfg, meta, id_counts=id_counts or {}, keep_text=keep_text, with_summary=False)
            for name in ("proposals", "suggestions", "matches"):
                writer.write(name, getattr(part, name))
            lean.append(part.proposals[_LEAN_PROPOSALS])
            asks.append(part.suggestions[["row", "id", "suggestion_id", "coverage", "best_clause_id"]])
            uncovered.append(part.uncovered)
            errors.append(part.errors)
        done = True
    finally:
        if not done:
            writer.abort()
    proposals = pd.concat(lean, ignore_index=True) if lean else pd.DataFrame(columns=_LEAN_PROPOSALS)
    suggestions = (pd.concat(asks, ignore_index=True) if asks
                   else pd.DataFrame(columns=["row", "id", "suggestion_id", "coverage", "best_clause_id"]))
    unc = pd.concat(uncovered, ignore_index=True) if uncovered else pd.DataFrame(columns=UNCOVERED_COLUMNS)
    err = pd.concat(errors, ignore_index=True) if errors else pd.DataFrame(columns=ERROR_COLUMNS)
    matched = "match" in cfg.steps and cfg.clauses is not None
    summary = build_summary(proposals, suggestions, matched=matched, errors=err)
    meta = {**meta, "rows": state["n"], "steps": list(cfg.steps), "input": path.name,
            "timings": ", ".join(f"{k}={round(v, 3)}s" for k, v in timings.items())}
    measures = measures_table(suggestions, cfg.clauses) if "match" in cfg.steps else pd.DataFrame(
        columns=MEASURE_COLUMNS)
    writer.write("measures", measures)
    writer.write("uncovered", unc)
    writer.write("summary", summary)
    writer.close(err, meta)
    meta["streamed"] = True
    return BatchResult(proposals, suggestions, pd.DataFrame(columns=MATCH_COLUMNS), unc, summary, err, meta,
                       measures)


__all__ = ["BatchResult", "process_table", "process_file", "load_policy", "demo_files", "STEPS"]
