"""Hot issues: the groups of :func:`proposal_nlp.group_similar` with their heat, place, time span
and a short description, ranked; and the same from an intake table.

**The heat index.** For a group of ``size`` texts from ``writers`` distinct writers (the size when
the intake names no writer), first and last dated ``first`` and ``last``, whose texts drew
``reactions`` (likes, dislikes, seconds: the sum of the reaction columns; 0 when there are none)::

    base        = writers + 0.25 * (size - writers) + log2(1 + reactions)
    persistence = 1 + 0.5 * min(span_days, 90) / 90        # a problem raised for months weighs more
    recency     = 0.5 ** (age_days / 30)                   # halves every 30 days since the last text
    heat        = base * persistence * recency

``span_days`` is ``last - first`` in days and ``age_days`` is ``now - last`` (``now``: the latest
date in the intake unless given). Without dates both factors are 1. Each distinct writer counts
once, a writer's repeated posts a quarter, and reactions on a log scale, so a hundred likes
weigh like six or seven more writers. :data:`HEAT` holds the numbers.

:func:`groups_table` gives one row per group (``group``, ``size``, ``writers``, ``place``,
``label``, ``description``, ``first``, ``last``, ``span_days``, ``reactions``, ``heat``,
``representative_id``, ``ids``), hottest first. ``label`` is the place and the problem for
messages (魅力之城小区：油烟、扰民、夜宵) and the measures the members share for proposals.
:func:`hot_issues` reads an intake table (columns found by their Chinese or English headers) and
returns the rows with their groups and the groups table.
"""
from __future__ import annotations

import logging
import math
import re
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from .errors import InputError
from .grouping import GROUP_COLUMNS, common_asks, group_similar
from .normalize import is_missing, normalize
from .roles import detect_roles

log = logging.getLogger(__name__)

__all__ = ["groups_table", "hot_issues", "heat_index", "HotIssues", "HEAT", "HOT_COLUMNS", "detect_extra_columns",
           "add_groups", "group_file", "group_kind"]

#: the numbers of the heat index (see the module's doc)
HEAT = {"repeat_weight": 0.25, "span_cap_days": 90, "span_gain": 0.5, "half_life_days": 30}
HOT_COLUMNS = ["rank", "group", "size", "writers", "place", "label", "description", "first", "last", "span_days",
               "reactions", "heat", "representative_id", "ids"]
TIME_HEADERS = ("留言时间", "时间", "日期", "提出时间", "提交时间", "发布时间", "来信时间", "受理时间", "publish_time",
                "date", "time", "created", "created_at", "timestamp")
REACTION_HEADERS = ("点赞数", "反对数", "点赞", "反对", "附议数", "附议人数", "支持数", "likes", "dislikes", "votes",
                    "upvotes", "reactions")
LABEL_WORDS = 3  # problem words in a message group's label
DESCRIPTION_CHARS = 40
_STOP = frozenset("""
问题 反映 投诉 举报 咨询 建议 希望 请求 要求 关于 请问 为何 为什么 何时 什么 怎么 如何 能否 是否 严重 强烈 我们 业主 居民 市民
村民 政府 相关 部门 有关 领导 情况 一直 没有 不能 现在 已经 还是 这个 那个 可以 进行 解决 处理 尽快 多次 长期 不到 得不到
""".split())


class HotIssues(NamedTuple):
    """``rows``: the input rows with their group (``row``, ``id``, ``group`` …); ``groups``: the
    groups table, hottest first."""

    rows: pd.DataFrame
    groups: pd.DataFrame


def heat_index(size: int, writers: int | None = None, span_days: float | None = None,
               age_days: float | None = None, reactions: float = 0.0) -> float:
    """The heat of one group (see the module's doc); rounded to two places."""
    writers = size if writers is None else min(max(int(writers), 0), size)
    base = writers + HEAT["repeat_weight"] * (size - writers) + math.log2(1.0 + max(float(reactions or 0.0), 0.0))
    persistence = 1.0
    if span_days is not None and span_days == span_days:
        persistence += HEAT["span_gain"] * min(max(span_days, 0.0), HEAT["span_cap_days"]) / HEAT["span_cap_days"]
    recency = 1.0
    if age_days is not None and age_days == age_days:
        recency = 0.5 ** (max(age_days, 0.0) / HEAT["half_life_days"])
    return round(base * persistence * recency, 2)


def _times(values, n: int) -> pd.Series:
    if values is None:
        return pd.Series([pd.NaT] * n, dtype="datetime64[ns]")
    s = pd.Series(list(values), dtype=object)
    if len(s) != n:
        raise InputError(f"times has {len(s)} entries for {n} texts; give one time per text", code="PN604")
    s = s.map(lambda v: None if is_missing(v) else v)
    return pd.to_datetime(s, errors="coerce", format="mixed")


def _numbers(values, n: int, what: str) -> np.ndarray:
    if values is None:
        return np.zeros(n)
    if isinstance(values, pd.DataFrame):
        return np.nan_to_num(values.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)).sum(axis=1)
    arr = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce").to_numpy(dtype=float)
    if len(arr) != n:
        raise InputError(f"{what} has {len(arr)} entries for {n} texts; give one value per text", code="PN604")
    return np.nan_to_num(arr)


def _problem_words(titles: list[str], place_text: str, seg) -> str:
    """The words most of a group's titles (or openings) share, the place's own words left out."""
    count: Counter = Counter()
    for t in titles:
        words = {w for w in seg.cut(normalize(t)) if len(w) > 1 and re.search("[\u4e00-\u9fff]", w)
                 and w not in _STOP and w not in place_text and not re.search("[0-9A-Za-z]", w)}
        count.update(words)
    return "、".join(w for w, _ in count.most_common(LABEL_WORDS))


def _short(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[:limit - 1] + "…"


def groups_table(texts, *, ids=None, kind: str = "messages", titles=None, times=None, writers=None, reactions=None,
                 now=None, groups: pd.DataFrame | None = None, asks=None, thresholds=None,
                 min_size: int = 1) -> pd.DataFrame:
    """One row per group of ``texts``, hottest first (see the module's doc for the heat).

    ``groups`` is the output of :func:`group_similar` for the same texts (computed when absent,
    with ``kind``, ``titles``, ``asks`` and ``thresholds``). ``times``, ``writers`` and ``reactions``
    (one value per text; ``reactions`` may be a DataFrame of several columns, summed) feed the
    heat; ``now`` is the date recency is measured from (default: the latest of ``times``).
    ``min_size`` drops smaller groups (2: only what more than one text raised).
    """
    from .segment import Segmenter

    if groups is None:
        groups = group_similar(texts, ids=ids, kind=kind, titles=titles, asks=asks, thresholds=thresholds)
    missing = [c for c in GROUP_COLUMNS if c not in groups.columns]
    if missing:
        raise InputError(f"groups lacks the columns {missing}; pass the table group_similar returned", code="PN605")
    texts = ["" if is_missing(t) else str(t) for t in texts]
    n = len(texts)
    if len(groups) != n:
        raise InputError(f"groups has {len(groups)} rows for {n} texts; pass group_similar's table for these texts",
                         code="PN605")
    titles = None if titles is None else ["" if is_missing(t) else str(t) for t in titles]
    when = _times(times, n)
    react = _numbers(reactions, n, "reactions")
    who = None if writers is None else ["" if is_missing(w) else str(w) for w in writers]
    if who is not None and len(who) != n:
        raise InputError(f"writers has {len(who)} entries for {n} texts; give one writer per text", code="PN604")
    ref = pd.Timestamp(now) if now is not None else (when.max() if when.notna().any() else None)
    seg = Segmenter()
    rows = []
    g = groups.reset_index(drop=True)
    for number, idx in g.groupby("group", sort=True).indices.items():
        idx = np.sort(idx)
        size = len(idx)
        if size < min_size:
            continue
        sims = g["similarity_to_group"].to_numpy()[idx]
        rep = int(idx[np.lexsort((idx, -sims))[0]])
        named = [who[k] for k in idx if who[k]] if who is not None else []
        n_writers = (len(set(named)) + (size - len(named))) if who is not None else size
        t = when.iloc[idx]
        first, last = (t.min(), t.max()) if t.notna().any() else (pd.NaT, pd.NaT)
        span = (last - first).total_seconds() / 86400 if first is not pd.NaT and pd.notna(first) else None
        age = (ref - last).total_seconds() / 86400 if ref is not None and pd.notna(last) else None
        heads = [titles[k] if titles and titles[k].strip() else texts[k][:DESCRIPTION_CHARS] for k in idx]
        description = _short(heads[list(idx).index(rep)])
        if kind == "proposals":
            shared = common_asks([texts[k] for k in idx], asks=None if asks is None else [asks[k] for k in idx])
            place, label = "", "；".join(_short(a, 30) for a in shared[:3]) or description
        else:
            places = [p for p in g["place"].to_numpy()[idx] if p]
            place = Counter(places).most_common(1)[0][0] if places else ""
            words = _problem_words(heads, place, seg) if size > 1 else ""
            label = f"{place}：{words or description}" if place else (words or description)
        rows.append({"group": int(number), "size": size, "writers": int(n_writers), "place": place, "label": label,
                     "description": description, "first": first, "last": last,
                     "span_days": None if span is None else round(span, 1), "reactions": float(react[idx].sum()),
                     "heat": heat_index(size, n_writers, span, age, float(react[idx].sum())),
                     "representative_id": g["id"].iloc[rep], "ids": [g["id"].iloc[k] for k in idx]})
    out = pd.DataFrame(rows, columns=HOT_COLUMNS[1:])
    if len(out):
        out = out.sort_values(["heat", "size", "group"], ascending=[False, False, True], kind="stable")
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out["first"] = pd.to_datetime(out["first"])
    out["last"] = pd.to_datetime(out["last"])
    return out.reset_index(drop=True)


def _find(columns, headers) -> str | None:
    keyed = {re.sub(r"[\s_()（）]", "", str(c)).lower(): c for c in columns}
    for h in headers:
        if h.lower() in keyed:
            return keyed[h.lower()]
    return None


def detect_extra_columns(columns, *, time_col=None, reaction_cols=None) -> tuple[str | None, list[str]]:
    """The time column and the reaction columns of an intake table, by header (or as named)."""
    cols = list(columns)
    for name in [time_col, *(reaction_cols or [])]:
        if name and name not in cols:
            raise InputError(f"column {name!r} is not in the table; its columns are {cols}", code="PN110")
    time_col = time_col or _find(cols, TIME_HEADERS)
    if reaction_cols is None:
        reaction_cols = [c for c in cols if _find([c], REACTION_HEADERS)]
    return time_col, list(reaction_cols)


def hot_issues(df: pd.DataFrame, *, kind: str = "messages", text_col=None, title_col=None, id_col=None,
               writer_col=None, time_col=None, reaction_cols=None, now=None, month=None, thresholds=None,
               min_size: int = 1) -> HotIssues:
    """Group the rows of an intake table and rank the groups by heat.

    Columns are found by their headers (留言详情 / 内容, 留言主题 / 标题, 留言编号 / 编号, 留言用户 /
    提案人, 留言时间 / 日期, 点赞数 / 反对数 / 附议数 …) or named. Returns :class:`HotIssues`:
    ``rows`` (the grouping of every row, with ``title`` and ``time`` beside it) and ``groups``
    (:func:`groups_table`). ``month`` (``"2019-12"``) keeps the rows dated in that month only and
    measures recency from its end (unless ``now`` is given).
    """
    if not isinstance(df, pd.DataFrame):
        from .errors import InputTypeError

        raise InputTypeError(f"hot_issues needs a pandas DataFrame, got {type(df).__name__}; read files with "
                             "proposal_nlp.read_table", code="PN001")
    roles, _ = detect_roles(df, text_col=text_col, title_col=title_col, id_col=id_col, kind_col="none",
                            handling_col="none", result_col="none")
    if writer_col is not None:
        if writer_col not in df.columns:
            raise InputError(f"column {writer_col!r} (given as the writer column) is not in the table; its columns "
                             f"are {list(df.columns)}", code="PN110")
        roles["proposer"] = writer_col
    time_col, reaction_cols = detect_extra_columns(df.columns, time_col=time_col, reaction_cols=reaction_cols)
    if month is not None:
        if time_col is None:
            raise InputError(f"the table has no time column (留言时间 / 日期 …) to pick {month} from; name it with "
                             "time_col= (--time-col)", code="PN606")
        df = df[_in_month(_times(df[time_col].tolist(), len(df)), month)].reset_index(drop=True)
        now = pd.Period(str(month), freq="M").end_time if now is None else now

    def col(name):
        return None if name is None else ["" if is_missing(v) else str(v) for v in df[name]]

    texts = col(roles["text"])
    titles = col(roles.get("title"))
    ids = col(roles["id"]) if roles.get("id") else list(range(1, len(df) + 1))
    writers = col(roles.get("proposer"))
    times = df[time_col].tolist() if time_col else None
    reactions = df[reaction_cols] if reaction_cols else None
    rows = group_similar(texts, ids=ids, kind=kind, titles=titles, thresholds=thresholds)
    table = groups_table(texts, ids=ids, kind=kind, titles=titles, times=times, writers=writers, reactions=reactions,
                         now=now, groups=rows, min_size=min_size)
    rows = rows.assign(title=titles if titles is not None else [""] * len(rows),
                       time=_times(times, len(rows)) if times is not None else pd.NaT)
    return HotIssues(rows, table)


# ------------------------------------------------------------------------------------------- batches and files
#: a batch groups its rows as proposals when their median text is at least this long
PROPOSAL_CHARS = 600


def group_kind(texts, kind_values=None) -> str:
    """``"proposals"`` for a table of proposals (a kind column saying 建议 / 提案 / 议案, or long
    texts), else ``"messages"``."""
    if kind_values is not None and any(str(v).strip() in ("建议", "提案", "议案") for v in kind_values):
        return "proposals"
    lengths = sorted(len(t) for t in texts if t)
    return "proposals" if lengths and lengths[len(lengths) // 2] >= PROPOSAL_CHARS else "messages"


def add_groups(result, df: pd.DataFrame, roles: dict, *, kind: str = "auto", now=None) -> None:
    """Group the rows of a batch (``df`` with its column ``roles``) and put the hot issues and the
    group of every row into ``result`` (``result.hot_issues``, ``result.groups``). Proposals are
    grouped on the asks the batch extracted when it has them."""
    def col(name):
        return None if not name else ["" if is_missing(v) else str(v) for v in df[name]]

    texts = col(roles["text"])
    titles = col(roles.get("title"))
    if kind == "auto":
        kind = group_kind(texts, df[roles["kind"]] if roles.get("kind") else None)
    ids = result.proposals["id"].tolist() if len(result.proposals) == len(df) else col(roles.get("id"))
    asks = None
    sugs = result.suggestions
    if kind == "proposals" and len(sugs) and "text" in sugs.columns and len(result.proposals) == len(df):
        by_row = sugs.groupby("row")["text"].apply(list).to_dict()
        asks = [by_row.get(r, []) for r in result.proposals["row"]]
    time_col, reaction_cols = detect_extra_columns(df.columns)
    rows = group_similar(texts, ids=ids, kind=kind, titles=titles, asks=asks)
    table = groups_table(texts, ids=ids, kind=kind, titles=titles, times=df[time_col].tolist() if time_col else None,
                         writers=col(roles.get("proposer")), reactions=df[reaction_cols] if reaction_cols else None,
                         now=now, groups=rows, asks=asks)
    if len(result.proposals) == len(rows) and "row" in result.proposals.columns:
        rows["row"] = result.proposals["row"].to_numpy()
    result.groups = rows
    result.hot_issues = table
    result.meta["group_kind"] = kind


def _in_month(times: pd.Series, month: str) -> np.ndarray:
    period = None
    if re.fullmatch(r"\d{4}-\d{1,2}", str(month)):
        try:
            period = pd.Period(str(month), freq="M")
        except ValueError:
            period = None
    if period is None:
        raise InputError(f"month {month!r} is not a month; give it as YYYY-MM (e.g. 2019-12)", code="PN606")
    return (times.dt.to_period("M") == period).fillna(False).to_numpy(dtype=bool)


def group_file(path, *, out=None, force: bool = False, hot: bool = False, kind: str = "auto", month=None,
               min_size: int | None = None, encoding=None, sheet=None, header_row=None, text_col=None, title_col=None,
               id_col=None, writer_col=None, time_col=None, thresholds=None, report=None) -> HotIssues:
    """Read an intake table, group its rows and (with ``out``) write the groups.

    ``hot=False`` (``proposal-nlp group``): every group, numbered by size; ``hot=True``
    (``proposal-nlp hot``): the groups of two texts or more (``min_size``), hottest first, of the
    rows dated in ``month`` (``YYYY-MM``) when given, the heat measured from that month's end.
    ``out`` ending in ``.xlsx`` gives a workbook (热点问题 and 相似分组 sheets, in Chinese), a folder
    name a CSV folder; ``report`` an HTML report with the hot issues. Outputs are refused when
    they exist, unless ``force``.
    """
    from .io import read_table
    from .outputs import check_output_path

    if out is not None:
        check_output_path(out, inputs=(path,))
        name = str(out)
        if not (name.lower().endswith(".xlsx") or name.endswith(("/", "\\")) or Path(out).is_dir()):
            raise InputError(f"{name}: give a workbook (.xlsx) or a folder (ending in /) for the groups",
                             code="PN158")
        if Path(out).exists() and not force:
            raise InputError(f"{name} already exists; choose another output or pass --force (force=True)",
                             code="PN150")
    df = read_table(path, encoding=encoding, sheet=sheet, header_row=header_row)
    if kind == "auto":
        roles, _ = detect_roles(df, text_col=text_col, kind_col=None) if len(df) else ({"text": None}, [])
        texts = [] if not len(df) else ["" if is_missing(v) else str(v) for v in df[roles["text"]]]
        kind = group_kind(texts, df[roles["kind"]] if roles.get("kind") else None)
    min_size = (2 if hot else 1) if min_size is None else min_size
    res = hot_issues(df, kind=kind, text_col=text_col, title_col=title_col, id_col=id_col, writer_col=writer_col,
                     time_col=time_col, month=month, thresholds=thresholds, min_size=min_size)
    groups = res.groups if hot else res.groups.sort_values("group", kind="stable").reset_index(drop=True)
    res = HotIssues(res.rows, groups)
    meta = {"input": Path(path).name, "rows": len(res.rows), "group_kind": kind}
    if out is not None:
        from .results import write_result

        write_result({"hot_issues": res.groups, "groups": res.rows, "errors": pd.DataFrame(
            columns=["row", "id", "stage", "message"])}, out, force=force)
    if report is not None:
        from .report import render_hot_report

        render_hot_report(res, report, force=force, meta=meta)
    return res
