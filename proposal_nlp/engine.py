"""The batch engine: configuration, models loaded once per process, one chunk of rows
processed through classify / extract / match, and the chunk results assembled into a
:class:`~proposal_nlp.results.BatchResult`.

These are the internals that :mod:`proposal_nlp.batch` (one machine, ``jobs=N`` worker
processes) and :mod:`proposal_nlp.dask` (a Dask cluster) share; users call those.
"""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
import time
import zipfile
from collections import deque
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from .errors import BatchError, InputError, ProposalNLPError
from .io import cell_str, detect_encoding
from .mapping import measures_table
from .normalize import is_missing, normalize_handling, normalize_kind, replace_unencodable
from .policy import encodable_frame, load_clauses, parse_policy
from .progress import Progress
from .resources import topic_label
from .roles import normalize_result, normalize_satisfaction
from .results import (ERROR_COLUMNS, MATCH_COLUMNS, MEASURE_COLUMNS, PROPOSAL_COLUMNS, SUGGESTION_COLUMNS,
                      UNCOVERED_COLUMNS, BatchResult, object_column)
from .summary import build_summary

log = logging.getLogger(__name__)


STEPS = ("classify", "extract", "match")
#: steps a batch runs only when asked: "group" groups the rows once all are done (proposal_nlp.hot)
OPTIONAL_STEPS = ("group",)
DEFAULT_CHUNK_SIZE = 1000
TOP_K = 3
# a proposal states its number, session, kind, proposers and title at its head
PARSE_HEAD_CHARS = 500
def load_policy(policy) -> pd.DataFrame | None:
    """A clause table (``clause_id``, ``group``, ``text``) from a path, a clause list or a DataFrame.

    A ``.txt`` / ``.md`` file is parsed with :func:`proposal_nlp.parse_policy`; other files
    (CSV, XLSX, JSONL) are read with :func:`proposal_nlp.load_clauses`, text files in the
    encoding detected (UTF-8 or GB18030). A file that cannot be read (a damaged workbook, a
    malformed CSV) raises a coded :class:`~proposal_nlp.errors.InputError` naming it.
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
        clauses = _read_policy_file(path)
        df = clauses_frame_of(clauses)
    else:
        df = clauses_frame_of(list(policy))
    if "clause_id" not in df.columns or "text" not in df.columns:
        raise InputError(f"the policy table needs columns clause_id and text; it has {list(df.columns)}",
                         code="PN161")
    if len(df) == 0:
        raise InputError("the policy holds no clauses; give a clause table with at least one row", code="PN162")
    df = encodable_frame(df, what="the policy").copy()
    if "group" not in df.columns:
        df["group"] = ""
    df["clause_id"] = df["clause_id"].astype(str)
    df["text"] = df["text"].fillna("").astype(str)
    df["group"] = df["group"].fillna("").astype(str)
    return df.reset_index(drop=True)


_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")


def _read_policy_file(path: Path):
    """The clauses of a policy file; a file that cannot be read is a coded InputError naming it."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".txt", ".md"):
            return parse_policy(path.read_text(encoding=detect_encoding(path)), doc_id=path.stem)
        if suffix in _WORKBOOK_SUFFIXES:
            return load_clauses(path)
        return load_clauses(path, encoding=detect_encoding(path))  # UTF-8 or GB18030, as saved by Excel
    except ProposalNLPError:
        raise
    except ImportError as exc:  # .xls needs xlrd
        raise InputError(f"policy file {path.name} cannot be read ({exc}); save it from Excel as .xlsx",
                         code="PN163") from exc
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:  # ParserError, UnicodeDecodeError: ValueError
        kind = "workbook" if suffix in _WORKBOOK_SUFFIXES else "text file" if suffix in (".txt", ".md") else "table"
        raise InputError(f"policy file {path.name} is not a readable {kind} ({type(exc).__name__}: "
                         f"{str(exc).strip()[:200]}); open it in Excel and save it again as .xlsx or as a UTF-8 "
                         "CSV with the columns clause_id and text (or give the policy's text as a .txt file)",
                         code="PN163") from exc


def clauses_frame_of(clauses) -> pd.DataFrame:
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


@dataclass(frozen=True)
class EngineConfig:
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


class Engine:
    """The models of one configuration, loaded lazily, once per process."""

    def __init__(self, cfg: EngineConfig):
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
                from .persist import load_classifier  # models load lazily, in the process that runs them

                self._clf = load_classifier(c)
            else:
                self._clf = c
        return self._clf

    @property
    def extract(self):
        if self._extract is None:
            from .suggest import extract_suggestions

            self._extract = self.cfg.extractor or extract_suggestions
        return self._extract

    @property
    def parse(self):
        if self._parse is None:
            from .proposal_fields import parse_proposal

            self._parse = self.cfg.parser or parse_proposal
        return self._parse

    @property
    def matcher(self):
        if self._matcher is None:
            clauses = self.cfg.clauses
            proto = self.cfg.matcher
            if proto is None:
                from .match import ClauseMatcher

                proto = ClauseMatcher()
            else:  # fit a copy: the caller's matcher (and this configuration's key) stay unchanged
                import copy

                proto = copy.deepcopy(proto)
            self._matcher = proto.fit(clauses)
            self._clause_info = {cid: (g, t) for cid, g, t in
                                 zip(clauses["clause_id"], clauses["group"], clauses["text"])}
        return self._matcher

    def run(self, chunk: pd.DataFrame) -> dict:
        return run_chunk(self, chunk)


_ENGINES: dict[str, Engine] = {}
_WORKER_CFG: EngineConfig | None = None


def get_engine(cfg: EngineConfig) -> Engine:
    """The engine for ``cfg`` in this process (created on first use, then reused)."""
    key = cfg.key
    eng = _ENGINES.get(key)
    if eng is None:
        if len(_ENGINES) > 4:
            _ENGINES.clear()
        eng = _ENGINES[key] = Engine(cfg)
    return eng


def init_worker(cfg: EngineConfig) -> None:
    global _WORKER_CFG
    _WORKER_CFG = cfg
    logging.getLogger("proposal_nlp").addHandler(logging.NullHandler())


def worker_run(chunk: pd.DataFrame) -> dict:
    return get_engine(_WORKER_CFG).run(chunk)


def field_value(obj, name):
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
        return "、".join(str(field_value({"x": x}, "x")) for x in v)
    return str(v)


def short_error(exc: BaseException) -> str:
    msg = f"{type(exc).__name__}: {exc}"
    return msg if len(msg) < 500 else msg[:497] + "..."


def classify_texts(engine: Engine, texts: list[str], rows, ids, errors) -> pd.DataFrame:
    clf = engine.classifier
    try:
        frame = clf.predict_frame(texts)
        if len(frame) != len(texts):
            raise ProposalNLPError(f"classifier returned {len(frame)} rows for {len(texts)} texts", code="PN164")
        return frame.reset_index(drop=True)
    except Exception as exc:  # isolate the failing rows
        if len(texts) == 1:
            raise
        log.info("classify failed on a chunk (%s); retrying row by row", short_error(exc))
    parts = []
    for t, r, i in zip(texts, rows, ids):
        try:
            parts.append(clf.predict_frame([t]).reset_index(drop=True))
        except Exception as exc:
            errors.append({"row": r, "id": i, "stage": "classify", "message": short_error(exc)})
            parts.append(pd.DataFrame({"topics": [[]], "fire_relevant": [pd.NA], "fire_score": [float("nan")],
                                       "_failed": [True]}))
    return pd.concat(parts, ignore_index=True)


def labels_of(frame: pd.DataFrame, n: int) -> list[list]:
    """Topic ids (default model) or a user model's label(s), as a list per row."""
    for col in ("topics", "labels"):
        if col in frame.columns:
            return [list(t) if isinstance(t, (list, tuple, set)) else [] for t in frame[col]]
    if "label" in frame.columns:
        return [[] if is_missing(v) else [v] for v in frame["label"]]
    return [[] for _ in range(n)]


def run_chunk(engine: Engine, chunk: pd.DataFrame) -> dict:
    """Process one chunk of prepared rows (columns row, id, title, text, kind, ...)."""
    steps = engine.cfg.steps
    errors: list[dict] = []
    timings: dict[str, float] = {}
    ran: dict[str, list[int]] = {}  # step -> [rows (asks) it ran on, of which failed]
    n = len(chunk)
    rows = chunk["row"].tolist()
    ids = chunk["id"].tolist()
    texts = chunk["text"].tolist()
    titles = chunk["title"].tolist()
    out = {c: chunk[c].tolist() for c in ("row", "id", "title", "kind", "handling", "result", "satisfaction",
                                          "proposer", "session")}
    out["text_chars"] = [len(t) for t in texts]
    status = ["ok"] * n

    if "classify" in steps:
        t0 = time.perf_counter()
        inputs = [f"{ti}\n{tx}" if ti and tx else (ti or tx) for ti, tx in zip(titles, texts)]
        try:
            frame = classify_texts(engine, inputs, rows, ids, errors)
        except Exception as exc:
            for r, i in zip(rows, ids):
                errors.append({"row": r, "id": i, "stage": "classify", "message": short_error(exc)})
            frame = pd.DataFrame({"topics": [[] for _ in range(n)], "fire_relevant": [pd.NA] * n,
                                  "fire_score": [float("nan")] * n, "_failed": [True] * n})
        failed = frame["_failed"].fillna(False).tolist() if "_failed" in frame.columns else [False] * n
        out["topics"] = labels_of(frame, n)
        if "fire_relevant" in frame.columns:  # the emergency-management model
            out["fire_relevant"] = [pd.NA if f or is_missing(v) else bool(v) for v, f in zip(frame["fire_relevant"], failed)]
            out["fire_score"] = [float("nan") if is_missing(v) else float(v) for v in frame["fire_score"]]
            if "fire_evidence" in frame.columns:
                out["fire_evidence"] = ["" if f or is_missing(v) else str(v)
                                        for v, f in zip(frame["fire_evidence"], failed)]
        for c in frame.columns:
            if c.startswith("score_"):
                out[c] = frame[c].astype(float).tolist()
        for k, f in enumerate(failed):
            if f:
                status[k] = "error"
        has_input = [bool(x and x.strip()) for x in inputs]
        ran["classify"] = [sum(has_input), sum(1 for h, f in zip(has_input, failed) if h and f)]
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
                errors.append({"row": rows[k], "id": ids[k], "stage": "extract", "message": short_error(exc)})
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
                errors.append({"row": rows[k], "id": ids[k], "stage": "parse", "message": short_error(exc)})
        timings["parse"] = time.perf_counter() - t0
        n_text = sum(1 for t in texts if t.strip())
        ran["extract"] = [n_text, sum(e["stage"] == "extract" for e in errors)]
        ran["parse"] = [n_text, sum(e["stage"] == "parse" for e in errors)]
    elif "match" in steps:  # no extraction: each row's text is one ask (a table of asks)
        for k in range(n):
            if texts[k].strip():
                suggestions.append({"row": rows[k], "id": ids[k], "suggestion_id": f"{rows[k]}.1", "ask_index": 1,
                                    "start": 0, "end": len(texts[k]), "text": texts[k], "action": None,
                                    "object": None, "source": "row", "section": None, "score": None})
            n_asks[k] = 1 if texts[k].strip() else 0
    out["n_asks"] = n_asks
    for f in ("number", "session", "kind", "proposers", "title"):
        out[f"parsed_{f}"] = [field_value(p, f) for p in parsed]

    matches = pd.DataFrame(columns=MATCH_COLUMNS)
    if "match" in steps and engine.cfg.clauses is not None and suggestions:
        t0 = time.perf_counter()
        matches = match_asks(engine, suggestions, errors)
        timings["match"] = time.perf_counter() - t0
        ran["match"] = [len(suggestions), sum(e["stage"] == "match" for e in errors)]
    out["status"] = status
    out["text"] = texts
    return {"proposals": pd.DataFrame(out), "suggestions": pd.DataFrame(suggestions), "matches": matches,
            "errors": errors, "timings": timings, "ran": ran}


_STEP_FIXES = {
    "classify": "check the classifier: a model file must load with proposal_nlp.load_classifier (retrain it "
                "or give another with --model), or leave the step out with --steps extract,match",
    "extract": "check the extractor given as extractor=, or leave the step out with --steps",
    "parse": "check the parser given as parser=",
    "match": "check the policy (--policy) and the matcher given as matcher=",
}


class StepTally:
    """Over a whole batch: how many rows (asks, for matching) each step ran on and failed on.

    A step that failed for every row it ran on (a classifier that raises for each text, say)
    makes the batch fail: :meth:`check` raises :class:`~proposal_nlp.errors.BatchError`
    instead of letting a result that holds errors only pass for a result. A few failing rows
    do not: they stay in the errors table and the batch goes on.
    """

    def __init__(self):
        self.ran: dict[str, list[int]] = {}
        self.first: dict[str, dict] = {}

    def add(self, res: dict) -> None:
        for step, (n, failed) in res.get("ran", {}).items():
            tally = self.ran.setdefault(step, [0, 0])
            tally[0] += n
            tally[1] += failed
        for e in res["errors"]:
            if e["stage"] in _STEP_FIXES:
                self.first.setdefault(e["stage"], e)

    def check(self, *, output=None) -> None:
        """Raise BatchError for the first step that failed for every row it ran on; ``output``
        (the path the result was for) is named as left unwritten."""
        for step in _STEP_FIXES:
            n, failed = self.ran.get(step, (0, 0))
            if n and failed >= n:
                e = self.first.get(step, {})
                what = "asks" if step == "match" else "rows with text"
                unwritten = f"; nothing was written to {output}" if output is not None else ""
                raise BatchError(f"the {step} step failed for all {n} {what}, so the result would hold errors "
                                 f"only{unwritten}. First error (row {e.get('row')}, id {e.get('id')!r}): "
                                 f"{e.get('message')}. Fix: {_STEP_FIXES[step]}", stage=step)

    @classmethod
    def of(cls, parts) -> StepTally:
        tally = cls()
        for res in parts:
            tally.add(res)
        return tally


def match_asks(engine: Engine, suggestions: list[dict], errors: list) -> pd.DataFrame:
    matcher = engine.matcher
    texts = [s["text"] or "" for s in suggestions]
    qids = [s["suggestion_id"] for s in suggestions]
    top_k = engine.cfg.top_k
    try:
        m = matcher.match(texts, top_k=top_k, query_ids=qids)
    except Exception as exc:
        log.info("match failed on a chunk (%s); retrying ask by ask", short_error(exc))
        parts = []
        for s, t, q in zip(suggestions, texts, qids):
            try:
                parts.append(matcher.match([t], top_k=top_k, query_ids=[q]))
            except Exception as exc2:
                errors.append({"row": s["row"], "id": s["id"], "stage": "match",
                               "message": f"ask {q}: {short_error(exc2)}"})
        m = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
            columns=["query_id", "rank", "clause_id", "score", "evidence", "coverage", "p_covered", "related"])
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
        if c not in m.columns:  # a matcher of the user's own may give fewer columns
            m[c] = float("nan") if c == "p_covered" else ("" if c == "related" else None)
    m["p_covered"] = pd.to_numeric(m["p_covered"], errors="coerce").astype(float)
    return m[MATCH_COLUMNS]


def prepare_rows(df: pd.DataFrame, roles: dict, start_row: int, errors: list) -> pd.DataFrame:
    """The columns a chunk needs, as clean ``str``; odd cells recorded in ``errors``.

    Characters UTF-8 cannot encode (lone surrogates) are replaced by U+FFFD one for one in
    every cell (:func:`~proposal_nlp.normalize.replace_unencodable`: offsets stay true), and
    each row that had some gets an ``input`` error saying how many, where: no such character
    goes on to abort a step or the writing of the result."""
    n = len(df)
    rows = list(range(start_row + 1, start_row + n + 1))
    replaced: dict[int, dict[str, int]] = {}  # position in the chunk -> {column: characters replaced}

    def clean(k: int, column: str, value: str) -> str:
        value, count = replace_unencodable(value)
        if count:
            replaced.setdefault(k, {})[column] = count
        return value

    if roles.get("id"):
        ids = [clean(k, "id", cell_str(v)) for k, v in enumerate(df[roles["id"]].tolist())]
    else:
        ids = [str(r) for r in rows]
    texts = []
    for k, (r, i, v) in enumerate(zip(rows, ids, df[roles["text"]].tolist())):
        if isinstance(v, str):
            v = clean(k, "text", v)
            texts.append(v)
            if not v.strip():
                errors.append({"row": r, "id": i, "stage": "input",
                               "message": "empty text; the row is kept with no topics and no asks"})
            continue
        s = clean(k, "text", cell_str(v))
        if s == "":
            errors.append({"row": r, "id": i, "stage": "input",
                           "message": "missing text; the row is kept with no topics and no asks"})
        else:
            errors.append({"row": r, "id": i, "stage": "input",
                           "message": f"text cell of type {type(v).__name__} converted to text ({s[:40]!r})"})
        texts.append(s)

    def col(role, fn=cell_str):
        c = roles.get(role)
        return [clean(k, role, fn(v)) for k, v in enumerate(df[c].tolist())] if c else [""] * n

    out = pd.DataFrame({
        "row": rows, "id": ids, "title": col("title"), "text": texts,
        "kind": col("kind", lambda v: normalize_kind(cell_str(v))),
        "handling": col("handling", lambda v: normalize_handling(cell_str(v))),
        "result": col("result", lambda v: normalize_result(cell_str(v))),
        "satisfaction": col("satisfaction", lambda v: normalize_satisfaction(cell_str(v))),
        "proposer": col("proposer"), "session": col("session"),
    })
    for k, where in sorted(replaced.items()):
        errors.append({"row": rows[k], "id": ids[k], "stage": "input", "message": (
            f"[PN010] {sum(where.values())} character(s) that UTF-8 cannot encode (lone surrogates) replaced "
            f"by U+FFFD in {', '.join(f'{c} ({m})' for c, m in where.items())}; lengths and offsets are unchanged")})
    return out


def assemble(parts: list[dict], cfg: EngineConfig, meta: dict, *, id_counts: dict | None = None, keep_text: bool = True,
              with_summary: bool = True) -> BatchResult:
    """Chunk results -> the six tidy tables (coverage joined, duplicates flagged, summary)."""
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
        suggestions["p_covered"] = float("nan")
        suggestions["evidence"] = ""
        suggestions["related"] = ""
        if len(matches):
            first = matches.sort_values(["suggestion_id", "rank"]).drop_duplicates("suggestion_id")
            by = first.set_index("suggestion_id")
            suggestions["coverage"] = suggestions["suggestion_id"].map(by["coverage"])
            suggestions["best_clause_id"] = suggestions["suggestion_id"].map(by["clause_id"])
            suggestions["best_score"] = suggestions["suggestion_id"].map(by["score"]).astype(float)
            suggestions["p_covered"] = suggestions["suggestion_id"].map(by["p_covered"]).astype(float)
            for c in ("evidence", "related"):  # of the best clause ("" when there is none)
                suggestions[c] = suggestions["suggestion_id"].map(by[c]).fillna("").astype(str)
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
        # the passage behind the fire flag ("" when there is none: the cell reads back the same)
        proposals["fire_evidence"] = ["" if is_missing(v) else str(v) for v in proposals["fire_evidence"]]
    for c in ("id", "title", "kind", "handling", "result", "satisfaction", "proposer", "session", "topic_names",
              "parsed_number",
              "parsed_session", "parsed_kind", "parsed_proposers", "parsed_title", "status", "text"):
        if c in proposals.columns:
            proposals[c] = object_column(proposals[c])
    for c in ("id", "suggestion_id", "text", "action", "object", "source", "section", "coverage", "best_clause_id",
              "evidence", "related"):
        if c in suggestions.columns:
            suggestions[c] = object_column(suggestions[c])
    for c in ("id", "suggestion_id", "clause_id", "clause_group", "clause_text", "evidence", "coverage", "related"):
        if c in matches.columns:
            matches[c] = object_column(matches[c])
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


def check_steps(steps) -> tuple:
    steps = tuple(steps)
    unknown = [s for s in steps if s not in STEPS + OPTIONAL_STEPS]
    if unknown:
        raise InputError(f"unknown step(s) {unknown}; choose from {list(STEPS + OPTIONAL_STEPS)}", code="PN167")
    return steps


def resolve_jobs(jobs) -> int:
    if jobs is None or jobs == 1:
        return 1
    if jobs <= 0:
        return os.cpu_count() or 1
    return int(jobs)


def make_config(steps, classifier, policy, top_k, extractor=None, parser=None, matcher=None) -> EngineConfig:
    steps = check_steps(steps)
    clauses = load_policy(policy) if "match" in steps else None
    if "match" in steps and clauses is None:
        log.info("no policy given: asks are extracted but not matched to measures")
    if "match" in steps and clauses is None and "extract" not in steps:
        raise InputError("the match step needs a policy (policy=... / --policy FILE)", code="PN168")
    return EngineConfig(steps=steps, classifier=classifier, clauses=clauses, top_k=top_k, extractor=extractor,
                        parser=parser, matcher=matcher)


def preflight(cfg: EngineConfig, jobs: int) -> None:
    """Fail before any row is read when a step cannot run at all (a missing module, a model
    file that is missing, changed, refused or holds a bad card, a policy the matcher cannot
    fit), whatever ``jobs``.

    The same things are built in this process whatever ``jobs``: in one process they are the
    engine the run uses; with workers (or Dask) they are built once to check them and then
    dropped, and each worker loads its own.
    """
    if ("classify" in cfg.steps and not isinstance(cfg.classifier, (str, os.PathLike))
            and not hasattr(cfg.classifier, "predict_frame")):
        raise InputError(f"classifier must be a model name, a path or an object with predict_frame; got "
                         f"{type(cfg.classifier).__name__}", code="PN165")
    engine = get_engine(cfg) if jobs == 1 else Engine(cfg)
    if "classify" in cfg.steps:
        engine.classifier
    if "extract" in cfg.steps:
        engine.extract, engine.parse
    if "match" in cfg.steps and cfg.clauses is not None:
        engine.matcher


def run_chunks(chunks, cfg: EngineConfig, *, jobs: int, progress, total=None):
    """Run ``(chunk, input_errors)`` pairs in order, in this process or a pool; returns an iterator
    of chunk results (with the input errors first in their ``errors``) in input order.

    :func:`preflight` runs at once, before the iterator is returned (not on its first step), so
    a step that cannot run fails before any output is opened."""
    preflight(cfg, jobs)
    return _results(chunks, cfg, jobs=jobs, progress=progress, total=total)


def _results(chunks, cfg: EngineConfig, *, jobs: int, progress, total=None):
    bar = Progress(progress, desc=", ".join(cfg.steps), total=total)
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
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=init_worker,
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
                    pending.append((ch, errs, pool.submit(worker_run, ch)))
                if not pending:
                    break
                ch, errs, fut = pending.popleft()
                try:
                    res = fut.result()
                except Exception as exc:  # a crashed worker: redo the chunk here
                    log.warning("a worker failed on rows %s-%s (%s); processing them in the main process",
                                ch["row"].iloc[0] if len(ch) else "?", ch["row"].iloc[-1] if len(ch) else "?",
                                short_error(exc))
                    res = get_engine(cfg).run(ch)
                res["errors"] = errs + res["errors"]
                bar.update(len(ch))
                yield res
    finally:
        bar.close()


def batch_meta(roles, cfg, jobs, n) -> dict:
    meta = {f"{role}_col": col for role, col in roles.items() if col}
    meta.update({"rows": n, "jobs": jobs, "policy_clauses": 0 if cfg.clauses is None else len(cfg.clauses),
                 "classifier": cfg.classifier if isinstance(cfg.classifier, (str, os.PathLike))
                 else type(cfg.classifier).__name__})
    return meta
