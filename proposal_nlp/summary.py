"""Summary counts of a batch (like a 办理情况 report's 基本情况) and a Chinese paragraph from them."""
from __future__ import annotations

import pandas as pd

from .normalize import is_missing
from .resources import topic_label

SUMMARY_COLUMNS = ["metric", "kind", "handling", "value", "label"]
KIND_ORDER = ("人大代表建议", "政协提案", "议案")
HANDLING_ORDER = ("主办", "会办")


def _row(metric, kind, handling, value, label):
    return {"metric": metric, "kind": kind, "handling": handling, "value": int(value), "label": label}


def build_summary(proposals: pd.DataFrame, suggestions: pd.DataFrame | None = None, *, matched: bool = True,
                  errors: pd.DataFrame | None = None) -> pd.DataFrame:
    """Tidy summary counts: ``metric, kind, handling, value, label``.

    Metrics: ``proposals`` and ``fire`` (by kind and 主办 / 会办 where the table says so),
    ``topic:<id>``, ``asks``, ``asks_covered`` / ``asks_partial`` / ``asks_uncovered`` (when
    asks were matched), ``proposals_with_asks``, ``duplicate_ids``, ``rows_with_errors``.
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


def _split(summary, metric, kind) -> str:
    parts = [f"{h}{_get(summary, metric, kind, h)}件" for h in HANDLING_ORDER
             if _get(summary, metric, kind, h) is not None]
    return f"（{'，'.join(parts)}）" if parts else ""


def summary_paragraph(summary) -> str:
    """A short Chinese paragraph in the style of a 办理情况 report's 基本情况.

    ``summary`` is a summary table (from :func:`build_summary`) or a ``BatchResult``.

    >>> # 本批共受理建议提案57件。包括人大代表建议29件（主办11件，会办18件），其中消防事项13件（…）…
    """
    if hasattr(summary, "summary"):
        summary = summary.summary
    if summary is None or len(summary) == 0:
        return "本批没有可统计的建议提案。"
    total = _get(summary, "proposals") or 0
    kinds = [k for k in dict.fromkeys(summary.loc[(summary["metric"] == "proposals") & (summary["kind"] != "all"),
                                                   "kind"])]
    noun = "建议提案" if kinds else "件"
    out = []
    head = f"本批共受理{noun}{total}件" if kinds else f"本批共受理{total}件"
    topics = summary[summary["metric"].str.startswith("topic:") & (summary["metric"] != "topic:none")]
    topics = topics[topics["value"] > 0]
    if len(topics):
        names = [lab.split("：", 1)[-1] for lab in topics.sort_values("value", ascending=False)["label"].head(3)]
        more = "等多个领域事项" if len(topics) > 3 else "等领域事项" if len(topics) > 1 else "领域事项"
        head += f"，内容涵盖{'、'.join(names)}{more}"
    out.append(head + "。")
    has_fire = _get(summary, "fire") is not None
    if kinds:
        pieces = []
        for k in kinds:
            p = f"{k}{_get(summary, 'proposals', k)}件{_split(summary, 'proposals', k)}"
            if has_fire:
                f = _get(summary, "fire", k)
                p += f"，其中消防事项{f}件{_split(summary, 'fire', k) if f else ''}"
            pieces.append(p)
        out.append("包括" + "；".join(pieces) + "。")
    elif has_fire:
        out.append(f"其中消防事项{_get(summary, 'fire')}件。")
    asks = _get(summary, "asks")
    if asks is not None:
        s = f"共提取具体建议{asks}条"
        cov, part, unc = (_get(summary, f"asks_{v}") for v in ("covered", "partial", "uncovered"))
        if cov is not None:
            s += f"，对照现有措施，已有措施覆盖{cov}条"
            if part:
                s += f"，部分覆盖{part}条"
            s += f"，尚未覆盖{unc or 0}条"
        out.append(s + "。")
    bad = _get(summary, "rows_with_errors")
    if bad:
        out.append(f"另有{bad}件在处理中出现问题，详见错误记录。")
    dup = _get(summary, "duplicate_ids")
    if dup:
        out.append(f"{dup}件编号重复，已全部保留并标注。")
    return "".join(out)


__all__ = ["build_summary", "summary_paragraph"]
