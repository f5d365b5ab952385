"""Summary counts of a batch (like a 办理情况 report's 基本情况) and a Chinese paragraph from them."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .normalize import is_missing
from .resources import topic_label
from .roles import RESULT_CLASSES, SATISFACTION_LEVELS

SUMMARY_COLUMNS = ["metric", "kind", "handling", "value", "label"]
KIND_ORDER = ("人大代表建议", "政协提案", "议案")
HANDLING_ORDER = ("主办", "会办")


def _row(metric, kind, handling, value, label):
    return {"metric": metric, "kind": kind, "handling": handling, "value": int(value), "label": label}


def build_summary(proposals: pd.DataFrame, suggestions: pd.DataFrame | None = None, *, matched: bool = True,
                  errors: pd.DataFrame | None = None) -> pd.DataFrame:
    """Tidy summary counts: ``metric, kind, handling, value, label``.

    Metrics: ``proposals`` and ``fire`` (by kind and 主办 / 会办 where the table says so),
    ``result:<class>`` (解决采纳, 正在解决或列入计划, 因条件限制暂不能解决, 留作参考) and
    ``satisfaction:<level>`` (满意, 基本满意, 不满意) by kind, when the table has a ``result`` /
    ``satisfaction`` column with such values, ``topic:<id>``, ``asks``, ``asks_covered`` / ``asks_partial`` / ``asks_uncovered`` (when
    asks were matched against measures) or ``asks_unchecked`` (when they were not: no policy),
    ``proposals_with_asks``, ``duplicate_ids``, ``rows_with_errors``.
    """
    rows = []
    n = len(proposals)
    rows.append(_row("proposals", "all", "all", n, "建议提案总数"))
    kinds = proposals["kind"].fillna("").astype(str) if "kind" in proposals else pd.Series([""] * n)
    handling = proposals["handling"].fillna("").astype(str) if "handling" in proposals else pd.Series([""] * n)
    fire = (proposals["fire_relevant"].fillna(False).astype(bool) if "fire_relevant" in proposals
            else pd.Series([False] * n))
    has_fire = "fire_relevant" in proposals and proposals["fire_relevant"].notna().any()
    kinds = kinds.reset_index(drop=True)
    handling = handling.reset_index(drop=True)
    fire = fire.reset_index(drop=True)
    if has_fire:
        rows.append(_row("fire", "all", "all", fire.sum(), "消防事项"))
    present = [k for k in KIND_ORDER if (kinds == k).any()]
    present += sorted(k for k in set(kinds) - set(KIND_ORDER) if k)
    if (kinds == "").any() and present:
        present.append("")
    for k in present:
        in_k = kinds == k
        name = k or "未注明类型"
        rows.append(_row("proposals", name, "all", in_k.sum(), f"{name}件数"))
        for h in HANDLING_ORDER:
            if (handling == h).any():
                rows.append(_row("proposals", name, h, (in_k & (handling == h)).sum(), f"{name}{h}件数"))
        if has_fire:
            rows.append(_row("fire", name, "all", (in_k & fire).sum(), f"{name}中消防事项"))
            for h in HANDLING_ORDER:
                if (handling == h).any():
                    rows.append(_row("fire", name, h, (in_k & fire & (handling == h)).sum(),
                                     f"{name}中消防事项（{h}）"))
    for col, values, label in (("result", RESULT_CLASSES, "办理结果"), ("satisfaction", SATISFACTION_LEVELS, "满意度")):
        if col not in proposals:
            continue
        cells = proposals[col].fillna("").astype(str).reset_index(drop=True)
        if not cells.isin(values).any():
            continue
        for k in ["all", *present]:
            in_k = pd.Series([True] * n) if k == "all" else kinds == k
            name = "" if k == "all" else (k or "未注明类型")
            for v in values:
                rows.append(_row(f"{col}:{v}", name or "all", "all", (in_k & (cells == v)).sum(), f"{name}{label}：{v}"))
    if not present:
        for h in HANDLING_ORDER:
            if (handling == h).any():
                rows.append(_row("proposals", "all", h, (handling == h).sum(), f"{h}件数"))
    if "topics" in proposals and n and has_fire:  # topics only when the classifier ran
        counts: dict[str, int] = {}
        for ts in proposals["topics"]:
            for t in ts if isinstance(ts, (list, tuple)) else []:
                counts[t] = counts.get(t, 0) + 1
        for t, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            rows.append(_row(f"topic:{t}", "all", "all", c, f"主题：{topic_label(t)}"))
        no_topic = sum(1 for ts in proposals["topics"] if not (isinstance(ts, (list, tuple)) and ts))
        rows.append(_row("topic:none", "all", "all", no_topic, "无应急管理主题"))
    if suggestions is not None and "n_asks" in proposals and proposals["n_asks"].notna().any():
        rows.append(_row("asks", "all", "all", len(suggestions), "提取具体建议条数"))
        rows.append(_row("proposals_with_asks", "all", "all", (proposals["n_asks"].fillna(0) > 0).sum(),
                         "含具体建议的件数"))
        if matched and len(suggestions) and "coverage" in suggestions:
            cov = suggestions["coverage"].fillna("")
            for verdict, label in (("covered", "已有措施覆盖"), ("partial", "部分覆盖"), ("uncovered", "尚未覆盖")):
                rows.append(_row(f"asks_{verdict}", "all", "all", (cov == verdict).sum(), f"具体建议{label}条数"))
        elif not matched:  # no policy (or no match step): say so, never "none uncovered"
            rows.append(_row("asks_unchecked", "all", "all", len(suggestions), "未对照措施的具体建议条数"))
    if "duplicate_id" in proposals:
        rows.append(_row("duplicate_ids", "all", "all", proposals["duplicate_id"].fillna(False).astype(bool).sum(),
                         "编号重复的行"))
    if errors is not None:
        bad = errors[errors["stage"] != "input"]["row"].nunique() if len(errors) else 0
        rows.append(_row("rows_with_errors", "all", "all", bad, "处理出错的行"))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _get(summary: pd.DataFrame, metric: str, kind: str = "all", handling: str = "all"):
    m = summary[(summary["metric"] == metric) & (summary["kind"] == kind) & (summary["handling"] == handling)]
    if len(m) == 0:
        return None
    v = m["value"].iloc[0]
    return None if is_missing(v) else int(v)


@dataclass(frozen=True)
class Figure:
    """A count in the paragraph (e.g. ``36件``) and the summary row it comes from."""

    text: str
    metric: str
    kind: str = "all"
    handling: str = "all"

    def __str__(self) -> str:
        return self.text


def _fig(summary, metric, kind="all", handling="all", unit="件") -> Figure:
    return Figure(f"{_get(summary, metric, kind, handling) or 0}{unit}", metric, kind, handling)


def _split(summary, metric, kind) -> list:
    parts: list = []
    for h in HANDLING_ORDER:
        if _get(summary, metric, kind, h) is not None:
            parts += ["，" if parts else "（", h, _fig(summary, metric, kind, h)]
    return parts + ["）"] if parts else []


def _results_parts(summary) -> list:
    """从办理结果看，解决采纳45件，正在解决或列入计划8件…。 and the satisfaction sentence, from the
    ``result:`` and ``satisfaction:`` rows of all kinds (nothing when the batch has none)."""
    out: list = []
    total = _get(summary, "proposals") or 0
    results = [(v, _get(summary, f"result:{v}")) for v in RESULT_CLASSES]
    stated = [(v, c) for v, c in results if c]
    if stated:
        known = sum(c for _, c in stated)
        out.append("从办理结果看，" if known == total else f"已明确办理结果的{known}件中，")
        for i, (v, _) in enumerate(stated):
            out += (["，"] if i else []) + [v, _fig(summary, f"result:{v}")]
        out.append("。")
    levels = [(v, _get(summary, f"satisfaction:{v}")) for v in SATISFACTION_LEVELS]
    rated = sum(c or 0 for _, c in levels)
    if rated:
        out.append("代表委员对办理工作表示" if rated == total else f"已反馈满意度的{rated}件中，")
        for i, (v, c) in enumerate((v, c) for v, c in levels if c):
            out += (["、"] if i else []) + [v, _fig(summary, f"satisfaction:{v}")]
        pleased = sum(c or 0 for v, c in levels if v != "不满意")
        rate = round(100.0 * pleased / rated, 1)
        out += ["，满意和基本满意率", Figure(f"{rate:g}%", "satisfaction_rate"), "。"]
    return out


def basic_parts(summary) -> list:
    """The counts of the 基本情况 paragraph (totals, kinds, 主办 / 会办, 消防事项, handling results,
    satisfaction) as texts and :class:`Figure` s, without the asks and error lines of
    :func:`summary_parts`."""
    if hasattr(summary, "summary"):
        summary = summary.summary
    if summary is None or len(summary) == 0:
        return ["本批没有可统计的建议提案。"]
    parts = summary_parts(summary, _basic=True)
    return parts


def summary_parts(summary, *, _basic: bool = False) -> list:
    """The paragraph of :func:`summary_paragraph` as texts and :class:`Figure` s (each count with
    its summary row: the report links it to that row)."""
    if hasattr(summary, "summary"):
        summary = summary.summary
    if summary is None or len(summary) == 0:
        return ["本批没有可统计的建议提案。"]
    kinds = [k for k in dict.fromkeys(summary.loc[(summary["metric"] == "proposals") & (summary["kind"] != "all"),
                                                   "kind"])]
    out: list = ["本批共受理建议提案" if kinds else "本批共受理", _fig(summary, "proposals")]
    topics = summary[summary["metric"].str.startswith("topic:") & (summary["metric"] != "topic:none")]
    topics = topics[topics["value"] > 0]
    if len(topics):
        names = [lab.split("：", 1)[-1] for lab in topics.sort_values("value", ascending=False)["label"].head(3)]
        more = "等多个领域事项" if len(topics) > 3 else "等领域事项" if len(topics) > 1 else "领域事项"
        out.append(f"，内容涵盖{'、'.join(names)}{more}")
    out.append("。")
    has_fire = _get(summary, "fire") is not None
    if kinds:
        out.append("包括")
        for i, k in enumerate(kinds):
            out += (["；"] if i else []) + [k, _fig(summary, "proposals", k), *_split(summary, "proposals", k)]
            if has_fire:
                f = _get(summary, "fire", k)
                out += ["，其中消防事项", _fig(summary, "fire", k), *(_split(summary, "fire", k) if f else [])]
        out.append("。")
    elif has_fire:
        out += ["其中消防事项", _fig(summary, "fire"), "。"]
    out += _results_parts(summary)
    if _basic:
        return out
    if _get(summary, "asks") is not None:
        out += ["共提取具体建议", _fig(summary, "asks", unit="条")]
        cov, part = _get(summary, "asks_covered"), _get(summary, "asks_partial")
        if cov is not None:
            out += ["，对照现有措施，已有措施覆盖", _fig(summary, "asks_covered", unit="条")]
            if part:
                out += ["，部分覆盖", _fig(summary, "asks_partial", unit="条")]
            out += ["，尚未覆盖", _fig(summary, "asks_uncovered", unit="条")]
        elif _get(summary, "asks_unchecked") is not None:
            out.append("，本次未对照措施")
        out.append("。")
    if _get(summary, "rows_with_errors"):
        out += ["另有", _fig(summary, "rows_with_errors"), "在处理中出现问题，详见错误记录。"]
    if _get(summary, "duplicate_ids"):
        out += [_fig(summary, "duplicate_ids"), "编号重复，已全部保留并标注。"]
    return out


def summary_paragraph(summary) -> str:
    """A short Chinese paragraph in the style of a 办理情况 report's 基本情况.

    ``summary`` is a summary table (from :func:`build_summary`) or a ``BatchResult``.

    >>> # 本批共受理建议提案57件。包括人大代表建议29件（主办11件，会办18件），其中消防事项13件（…）…
    """
    return "".join(map(str, summary_parts(summary)))


__all__ = ["build_summary", "summary_paragraph", "summary_parts", "basic_parts", "Figure"]
