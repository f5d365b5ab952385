"""A self-contained HTML report of a batch: counts, charts, the Chinese summary, uncovered asks.

Charts are inline SVG drawn here (no plotting library, no fonts needed: the browser draws
the Chinese labels), so the file opens in any browser without a server or network.
Reports carry the users' own texts: they are outputs, never committed. Table cells are
escaped like the result files (a leading ``'`` before text a spreadsheet would run), since
users paste report tables into sheets; the report is written atomically.
"""
from __future__ import annotations

import html
import logging
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from .errors import InputError
from .outputs import check_output_path, escape_cell, exists_message, staged_output

log = logging.getLogger(__name__)

_PALETTE = ("#2f6db5", "#d9534f", "#f0ad4e", "#5cb85c", "#8e6bb8", "#5bc0de", "#999999")
MAX_UNCOVERED_ROWS = 1000
MAX_CELL_CHARS = 300


def _e(v) -> str:
    if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
        return ""
    return html.escape(str(v))


def bar_chart(items: list[tuple[str, float]], *, title: str, unit: str = "", width: int = 560,
              color: str = _PALETTE[0]) -> str:
    """A horizontal bar chart as an inline SVG string (``items`` = (label, value) pairs)."""
    bar_h, gap, left, top = 22, 8, 170, 34
    h = top + len(items) * (bar_h + gap) + 10
    vmax = max([v for _, v in items] + [1])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" role="img" '
             f'aria-label="{_e(title)}" font-family="sans-serif" font-size="13">',
             f'<text x="0" y="18" font-weight="bold" font-size="15">{_e(title)}</text>']
    if not items:
        parts.append(f'<text x="0" y="{top + 14}" fill="#666">（无数据）</text>')
    for k, (label, v) in enumerate(items):
        y = top + k * (bar_h + gap)
        w = 0 if vmax == 0 else (width - left - 70) * v / vmax
        shown = label if len(label) <= 12 else label[:11] + "…"
        parts.append(f'<text x="{left - 8}" y="{y + 16}" text-anchor="end"><title>{_e(label)}</title>{_e(shown)}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}" rx="2"/>')
        vs = f"{v:g}{unit}"
        parts.append(f'<text x="{left + w + 6:.1f}" y="{y + 16}">{_e(vs)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def stacked_chart(rows: list[tuple[str, list[tuple[str, float]]]], *, title: str, width: int = 560) -> str:
    """Horizontal 100 % stacked bars (one per row label) with a legend, as inline SVG."""
    bar_h, gap, left, top = 24, 10, 130, 56
    h = top + len(rows) * (bar_h + gap) + 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" role="img" '
             f'aria-label="{_e(title)}" font-family="sans-serif" font-size="13">',
             f'<text x="0" y="18" font-weight="bold" font-size="15">{_e(title)}</text>']
    seg_names = list(dict.fromkeys(name for _, segs in rows for name, _ in segs))
    colors = {n: _PALETTE[(i + 1) % len(_PALETTE)] if i else _PALETTE[1] for i, n in enumerate(seg_names)}
    x = 0
    for n in seg_names:
        parts.append(f'<rect x="{x}" y="30" width="12" height="12" fill="{colors[n]}"/>'
                     f'<text x="{x + 16}" y="41">{_e(n)}</text>')
        x += 30 + 14 * len(n)
    span = width - left - 20
    for k, (label, segs) in enumerate(rows):
        y = top + k * (bar_h + gap)
        total = sum(v for _, v in segs)
        parts.append(f'<text x="{left - 8}" y="{y + 17}" text-anchor="end">{_e(label)}</text>')
        x = left
        for name, v in segs:
            w = 0 if total == 0 else span * v / total
            if w > 0:
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colors[name]}">'
                             f'<title>{_e(name)}: {v:g}</title></rect>')
                if w > 28:
                    parts.append(f'<text x="{x + w / 2:.1f}" y="{y + 17}" text-anchor="middle" fill="#fff">{v:g}</text>')
            x += w
        if total == 0:
            parts.append(f'<text x="{left}" y="{y + 17}" fill="#666">（无）</text>')
    parts.append("</svg>")
    return "".join(parts)


def charts(result) -> list[str]:
    """The report's charts of a batch as inline SVG strings (topics, fire share, coverage, asks per proposal)."""
    from .resources import topic_label

    props, sugs = result.proposals, result.suggestions
    out = []
    # topics
    counts: dict[str, int] = {}
    for ts in props.get("topics", pd.Series(dtype=object)):
        for t in ts if isinstance(ts, (list, tuple)) else []:
            counts[t] = counts.get(t, 0) + 1
    items = [(topic_label(t), c) for t, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    no_topic = sum(1 for ts in props.get("topics", []) if not (isinstance(ts, (list, tuple)) and ts))
    classified = "fire_relevant" in props and props["fire_relevant"].notna().any()
    if classified:
        items.append(("无应急管理主题", no_topic))
        out.append(bar_chart(items, title="主题领域分布（件）"))
    # fire share, by kind when known
    if "fire_relevant" in props and props["fire_relevant"].notna().any():
        fire = props["fire_relevant"].fillna(False).astype(bool)
        kinds = props["kind"].fillna("").astype(str) if "kind" in props else pd.Series([""] * len(props))
        rows = [("全部", [("消防事项", int(fire.sum())), ("其他", int((~fire).sum()))])]
        for k in [k for k in dict.fromkeys(kinds) if k]:
            m = (kinds == k).to_numpy()
            rows.append((k, [("消防事项", int(fire[m].sum())), ("其他", int((~fire[m]).sum()))]))
        out.append(stacked_chart(rows, title="消防事项占比"))
    # coverage of measures
    if len(sugs) and "coverage" in sugs and sugs["coverage"].notna().any():
        cov = sugs["coverage"].fillna("")
        rows = [("全部建议", [("已覆盖", int((cov == "covered").sum())), ("部分覆盖", int((cov == "partial").sum())),
                            ("未覆盖", int((cov == "uncovered").sum()))])]
        out.append(stacked_chart(rows, title="具体建议的措施覆盖情况（条）"))
    # asks per proposal
    if "n_asks" in props and props["n_asks"].notna().any():
        n = pd.to_numeric(props["n_asks"], errors="coerce").dropna().astype(int)
        bins = [(str(k), int((n == k).sum())) for k in range(0, 8)] + [("8及以上", int((n >= 8).sum()))]
        while len(bins) > 2 and bins[-2][1] == 0 and bins[-1][1] == 0:
            bins.pop(-2)
        out.append(bar_chart(bins, title="每件提取的具体建议条数（件数）", color=_PALETTE[3]))
    return out


def _table(df: pd.DataFrame, columns: list[str], *, limit: int | None = None, table: str | None = None) -> str:
    from .resources import column_label

    cols = [c for c in columns if c in df.columns]
    shown = df if limit is None else df.head(limit)
    head = "".join(f"<th>{_e(escape_cell(column_label(c, table)))}</th>" for c in cols)
    body = []
    for rec in shown[cols].itertuples(index=False, name=None):
        cells = []
        for v in rec:
            if isinstance(v, float) and v == v:
                v = f"{v:.3f}"  # a number (a negative one too): not escaped
            else:
                if isinstance(v, (list, tuple)):
                    v = "、".join(map(str, v))
                if isinstance(v, str) and len(v) > MAX_CELL_CHARS:
                    v = v[:MAX_CELL_CHARS] + f"…（共{len(v)}字）"
                v = escape_cell(v)
            cells.append(f"<td>{_e(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (f'<p class="note">仅显示前{limit}条，共{len(df)}条；完整列表见结果工作簿。</p>'
            if limit is not None and len(df) > limit else "")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


_CSS = """
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:2em auto;
max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
.para{background:#f6f8fa;border-left:4px solid #2f6db5;padding:.8em 1em;line-height:1.8}
.charts{display:flex;flex-wrap:wrap;gap:1.5em}.charts svg{background:#fff;border:1px solid #eee;padding:.5em}
table{border-collapse:collapse;width:100%;font-size:.92em}th,td{border:1px solid #ddd;padding:.3em .5em;
vertical-align:top;text-align:left}th{background:#f0f3f7}tr:nth-child(even) td{background:#fafafa}
.note{color:#666;font-size:.9em}
"""


def render_html(result, *, title: str = "建议提案批量处理报告") -> str:
    """The report of a :class:`~proposal_nlp.batch.BatchResult` as one HTML string."""
    from .summary import summary_paragraph

    para = summary_paragraph(result.summary)
    meta = getattr(result, "meta", {}) or {}
    summary = result.summary
    counts = _table(summary, ["label", "value"]) if len(summary) else "<p>（无）</p>"
    charts_html = "".join(f"<div>{c}</div>" for c in charts(result))
    unc = result.uncovered
    unc_html = (_table(unc, ["id", "title", "suggestion_id", "text", "best_clause_id", "best_score"],
                       limit=MAX_UNCOVERED_ROWS, table="uncovered") if len(unc) else "<p>没有未覆盖的具体建议。</p>")
    ms = getattr(result, "measures", None)
    measures_html = ""
    if ms is not None and len(ms):
        measures_html = ("<h2>各项措施对应的具体建议</h2>"
                         + _table(ms, ["clause_id", "clause_group", "clause_text", "n_asks", "n_covered",
                                       "n_partial"], limit=200))
    errs = result.errors
    err_html = (_table(errs, ["row", "id", "stage", "message"], limit=200) if len(errs) else "<p>没有错误记录。</p>")
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    source = _e(meta.get("input", ""))
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{_e(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head>
<body>
<h1>{_e(title)}</h1>
<p class="note">生成时间：{when}{'；输入：' + source if source else ''}；共{len(result.proposals)}件，
{len(result.suggestions)}条具体建议。</p>
<h2>基本情况</h2>
<p class="para">{_e(para)}</p>
<h2>图表</h2>
<div class="charts">{charts_html}</div>
<h2>汇总数字</h2>
{counts}
{measures_html}
<h2>尚未覆盖的具体建议</h2>
{unc_html}
<h2>错误记录</h2>
{err_html}
<p class="note">由 proposal_nlp 生成。报告含输入材料原文，仅供内部使用。</p>
</body></html>
"""


def render_report(result_or_path, out_html, *, force: bool = False, title: str = "建议提案批量处理报告") -> Path:
    """Write the HTML report of a batch.

    ``result_or_path`` is a :class:`~proposal_nlp.batch.BatchResult` or the workbook / CSV
    folder written by ``proposal-nlp run``. An existing ``out_html`` is refused unless
    ``force``; it is replaced only once the new report is complete on disk (written beside it,
    then renamed), so a full disk leaves the old report whole (PN153). Returns the path written.
    """
    out = Path(out_html)
    reads_file = not hasattr(result_or_path, "proposals")
    check_output_path(out, inputs=(result_or_path,) if reads_file else ())
    if out.exists() and not force:
        raise InputError(exists_message(out), code="PN150")
    result = result_or_path
    if reads_file:
        from .results import read_result

        result = read_result(result_or_path)
    text = render_html(result, title=title)
    with staged_output(out, force=force) as staged:
        with open(staged.stage, "w", encoding="utf-8") as f:
            f.write(text)
    return out


__all__ = ["render_report", "render_html", "charts", "bar_chart", "stacked_chart"]
