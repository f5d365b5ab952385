"""A self-contained HTML report of a batch: the Chinese summary (each figure linked to the row
it comes from), charts, the counts, the measures, the uncovered asks and the errors.

Charts are inline SVG drawn here (no plotting library, nothing loaded from elsewhere): each has a
``viewBox`` and is drawn at the width of its column, so it scales with the window and prints on
A4; page and chart text use a CJK font stack, so a machine with any common Chinese font shows
the labels. Every value shown is Chinese (:mod:`proposal_nlp.display`); a batch whose asks were
not checked against measures (no policy) says so (未对照措施) instead of showing an empty
coverage. Reports carry the users' own texts: they are outputs, never committed. Table cells are
escaped like the result files (a leading ``'`` before text a spreadsheet would run), since users
paste report tables into sheets; the report is written atomically.
"""
from __future__ import annotations

import html
import logging
from datetime import datetime
from pathlib import Path

import pandas as pd

from .display import CJK_FONTS, ask_lookup, coverage_name, display_columns, measure_asks_text, topic_ids, yes_no
from .errors import InputError
from .outputs import check_output_path, escape_cell, exists_message, staged_output
from .resources import display_label

log = logging.getLogger(__name__)

#: the page's and the charts' fonts: a Chinese font on Linux, Windows and macOS before the fallback
FONT_STACK = ", ".join([*(f'"{f}"' if " " in f else f for f in CJK_FONTS), "sans-serif"])
_SVG_FONT = FONT_STACK.replace('"', "'")
#: colours that mean what they say: covered green, partial amber, uncovered red, not checked grey
COVERAGE_COLORS = {"covered": "#2e7d32", "partial": "#f2a900", "uncovered": "#c62828", "unchecked": "#9e9e9e"}
_INK_ON = {"#f2a900": "#222", "#9e9e9e": "#222"}  # dark figures on light segments
FIRE_COLORS = {"消防事项": "#d35400", "其他": "#9fb3c8"}
BAR_COLORS = ("#2f6db5", "#5b8a3c")
CHART_WIDTH = 480  # the viewBox width: a chart is drawn at the width of its column
ASK_BINS = 8  # 0 … 7 asks, then 8及以上
MAX_UNCOVERED_ROWS = 1000
MAX_CELL_CHARS = 300


def _e(v) -> str:
    if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
        return ""
    return html.escape(str(v))


def _svg_open(w: int, h: int, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" '
            f'preserveAspectRatio="xMinYMin meet" role="img" aria-label="{_e(title)}" '
            f'font-family="{_SVG_FONT}" font-size="13">'
            f'<text x="0" y="18" font-weight="bold" font-size="15">{_e(title)}</text>')


def _short(label: str, n: int) -> str:
    return label if len(label) <= n else label[:n - 1] + "…"


def bar_chart(items: list[tuple[str, float]], *, title: str, unit: str = "", width: int = CHART_WIDTH,
              color: str = BAR_COLORS[0]) -> str:
    """A horizontal bar chart as an inline SVG string (``items`` = (label, value) pairs)."""
    bar_h, gap, left, top = 22, 8, 140, 34
    h = top + max(len(items), 1) * (bar_h + gap) + 10
    vmax = max([v for _, v in items] + [1])
    parts = [_svg_open(width, h, title)]
    if not items:
        parts.append(f'<text x="0" y="{top + 14}" fill="#666">（无数据）</text>')
    for k, (label, v) in enumerate(items):
        y = top + k * (bar_h + gap)
        w = 0 if vmax == 0 else (width - left - 50) * v / vmax
        parts.append(f'<text x="{left - 8}" y="{y + 16}" text-anchor="end"><title>{_e(label)}</title>'
                     f'{_e(_short(label, 10))}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}" rx="2"/>')
        parts.append(f'<text x="{left + w + 6:.1f}" y="{y + 16}">{_e(f"{v:g}{unit}")}</text>')
    parts.append("</svg>")
    return "".join(parts)


def stacked_chart(rows: list[tuple[str, list[tuple[str, float]]]], *, title: str, width: int = CHART_WIDTH,
                  colors: dict[str, str] | None = None) -> str:
    """Horizontal 100 % stacked bars (one per row label) with a legend, as inline SVG.

    ``colors`` gives each segment name its colour (the legend lists every name given)."""
    bar_h, gap, left, top = 24, 10, 110, 56
    h = top + max(len(rows), 1) * (bar_h + gap) + 10
    parts = [_svg_open(width, h, title)]
    seg_names = list(dict.fromkeys(name for _, segs in rows for name, _ in segs))
    fallback = ("#2f6db5", "#8e6bb8", "#5bc0de", "#999999")
    colors = {n: (colors or {}).get(n, fallback[i % len(fallback)]) for i, n in enumerate(seg_names)}
    x = 0
    for n in seg_names:
        parts.append(f'<rect x="{x}" y="30" width="12" height="12" fill="{colors[n]}"/>'
                     f'<text x="{x + 16}" y="41">{_e(n)}</text>')
        x += 30 + 14 * len(n)
    span = width - left - 10
    for k, (label, segs) in enumerate(rows):
        y = top + k * (bar_h + gap)
        total = sum(v for _, v in segs)
        parts.append(f'<text x="{left - 8}" y="{y + 17}" text-anchor="end"><title>{_e(label)}</title>'
                     f'{_e(_short(label, 7))}</text>')
        x = left
        for name, v in segs:
            w = 0 if total == 0 else span * v / total
            if w > 0:
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colors[name]}">'
                             f'<title>{_e(name)}：{v:g}</title></rect>')
                if w > 28:
                    ink = _INK_ON.get(colors[name], "#fff")
                    parts.append(f'<text x="{x + w / 2:.1f}" y="{y + 17}" text-anchor="middle" fill="{ink}">'
                                 f'{v:g}</text>')
            x += w
        if total == 0:
            parts.append(f'<text x="{left}" y="{y + 17}" fill="#666">（无）</text>')
    parts.append("</svg>")
    return "".join(parts)


def asks_checked(result) -> bool:
    """Whether the batch's asks were checked against measures (a policy was given and matched)."""
    summary = getattr(result, "summary", None)
    if summary is not None and len(summary) and "metric" in summary:
        metrics = set(summary["metric"])
        if "asks_unchecked" in metrics:
            return False
        if metrics & {"asks_covered", "asks_partial", "asks_uncovered"}:
            return True
    sugs = result.suggestions
    return bool(len(sugs) and "coverage" in sugs and sugs["coverage"].map(_present).any())


def _present(v) -> bool:
    return isinstance(v, str) and v != ""


def charts(result) -> list[str]:
    """The report's charts of a batch as inline SVG strings (topics, fire share, coverage, asks per proposal)."""
    from .resources import topic_label

    props, sugs = result.proposals, result.suggestions
    out = []
    classified = "fire_relevant" in props and props["fire_relevant"].notna().any()
    if classified:  # topics: only when the classifier ran
        counts: dict[str, int] = {}
        topics = [topic_ids(ts) for ts in props.get("topics", pd.Series(dtype=object))]
        for ts in topics:
            for t in ts:
                counts[t] = counts.get(t, 0) + 1
        items = [(topic_label(t), c) for t, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        items.append(("无应急管理主题", sum(1 for ts in topics if not ts)))
        out.append(bar_chart(items, title="主题领域分布（件）"))
        fire = props["fire_relevant"].map(lambda v: yes_no(v) == "是")
        kinds = props["kind"].fillna("").astype(str) if "kind" in props else pd.Series([""] * len(props))
        rows = [("全部", [("消防事项", int(fire.sum())), ("其他", int((~fire).sum()))])]
        for k in [k for k in dict.fromkeys(kinds) if k]:
            m = (kinds == k).to_numpy()
            rows.append((k, [("消防事项", int(fire[m].sum())), ("其他", int((~fire[m]).sum()))]))
        out.append(stacked_chart(rows, title="消防事项占比（件）", colors=FIRE_COLORS))
    if len(sugs):  # coverage of measures, or the state of not being checked
        title = "具体建议的措施覆盖情况（条）"
        if asks_checked(result):
            cov = sugs["coverage"].fillna("") if "coverage" in sugs else pd.Series([""] * len(sugs))
            segs = [(coverage_name(v), int((cov == v).sum())) for v in ("covered", "partial", "uncovered")]
            unchecked = int((~cov.isin(["covered", "partial", "uncovered"])).sum())
            if unchecked:  # asks whose match failed
                segs.append((coverage_name(None), unchecked))
        else:
            segs = [(coverage_name(None) + "措施", len(sugs))]
        colors = {coverage_name(k): c for k, c in COVERAGE_COLORS.items() if k != "unchecked"}
        colors[coverage_name(None)] = colors[coverage_name(None) + "措施"] = COVERAGE_COLORS["unchecked"]
        out.append(stacked_chart([("全部具体建议", segs)], title=title, colors=colors))
    if "n_asks" in props and props["n_asks"].notna().any():  # asks per proposal: every bin, zeros too
        n = pd.to_numeric(props["n_asks"], errors="coerce").dropna().astype(int)
        bins = [(f"{k}条", int((n == k).sum())) for k in range(ASK_BINS)]
        bins.append((f"{ASK_BINS}条及以上", int((n >= ASK_BINS).sum())))
        out.append(bar_chart(bins, title="每件提取的具体建议条数（件）", color=BAR_COLORS[1]))
    return out


def _cell(v, decimals: int = 2) -> str:
    if isinstance(v, float) and v == v:
        return f"{v:.{decimals}f}"  # a number (a negative one too): not escaped
    if isinstance(v, (list, tuple)):
        v = "、".join(map(str, v))
    if isinstance(v, str) and len(v) > MAX_CELL_CHARS:
        v = v[:MAX_CELL_CHARS] + f"…（共{len(v)}字）"
    return _e(escape_cell(v))


# short codes and numbers: never broken across lines
NOWRAP_COLUMNS = frozenset(("row", "id", "suggestion_id", "clause_id", "clause_group", "best_clause_id", "n_asks",
                            "n_covered", "n_partial", "value", "best_score", "p_covered", "stage"))


def _table(df: pd.DataFrame, columns: list[str], *, limit: int | None = None, table: str | None = None,
           shown: dict | None = None, row_ids: list[str] | None = None, labels: dict | None = None,
           lines: tuple = (), wide: tuple = ()) -> str:
    """An HTML table of ``columns`` (Chinese headers; ``shown`` gives display values by column,
    ``lines`` the columns whose line breaks are kept, ``wide`` those left out on a narrow screen)."""
    from .resources import column_label

    cols = [c for c in columns if c in df.columns]
    shown = shown or {}
    n = len(df) if limit is None else min(limit, len(df))
    attrs = {}
    for c in cols:
        classes = ["lines" if c in lines else "nowrap" if c in NOWRAP_COLUMNS else "", "wide" if c in wide else ""]
        attrs[c] = f' class="{" ".join(k for k in classes if k)}"' if any(classes) else ""
    wide_th = ' class="wide"'
    head = "".join(f"<th{wide_th if c in wide else ''}>"
                   f"{_e(escape_cell((labels or {}).get(c) or column_label(c, table)))}</th>" for c in cols)
    values = {c: (shown[c] if c in shown else df[c].tolist())[:n] for c in cols}
    body = []
    for i in range(n):
        attr = f' id="{row_ids[i]}"' if row_ids else ""
        cells = "".join(f"<td{attrs[c]}>{_cell(values[c][i])}</td>" for c in cols)
        body.append(f"<tr{attr}>{cells}</tr>")
    more = (f'<p class="note">仅显示前{limit}条，共{len(df)}条；完整列表见结果工作簿。</p>'
            if limit is not None and len(df) > limit else "")
    return (f'<div class="table"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'
            f"{more}")


def _summary_key(metric, kind, handling) -> tuple:
    return (str(metric), str(kind), str(handling))


def summary_html(result, row_ids: dict[tuple, str], *, checked: bool) -> str:
    """The 基本情况 paragraph, each figure a link to the rows behind it: the uncovered asks,
    the errors, or its row of the counts table."""
    from .summary import Figure, summary_parts

    out = []
    for part in summary_parts(result.summary):
        if not isinstance(part, Figure):
            out.append(_e(part))
            continue
        if part.metric == "asks_uncovered" and len(result.uncovered):
            target = "uncovered"
        elif part.metric == "rows_with_errors" and len(result.errors):
            target = "errors"
        else:
            target = row_ids.get(_summary_key(part.metric, part.kind, part.handling))
        out.append(f'<a class="fig" href="#{target}">{_e(part)}</a>' if target else _e(part))
    if not checked and len(result.suggestions):
        out.append('<span class="unchecked">（运行时没有提供措施文件。）</span>')
    return "".join(out)


_CSS = f"""
body{{font-family:{FONT_STACK};margin:2em auto;max-width:1100px;color:#222;padding:0 1em;line-height:1.6}}
h1{{font-size:1.6em}}h2{{font-size:1.25em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}}
.para{{background:#f6f8fa;border-left:4px solid #2f6db5;padding:.8em 1em;line-height:1.9}}
a.fig{{color:#1a4f8f;text-decoration:none;border-bottom:1px dotted #1a4f8f;font-weight:600}}
.unchecked,.state{{color:#555}}.state{{background:#f1f1f1;border-left:4px solid #9e9e9e;padding:.6em 1em}}
.charts{{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,420px),1fr));gap:1.2em;
align-items:start}}
.chart{{background:#fff;border:1px solid #eee;padding:.5em;min-width:0}}
.chart svg{{display:block;width:100%;height:auto}}
.table{{overflow-x:auto;max-width:100%}}.counts{{max-width:36em}}
table{{border-collapse:collapse;width:100%;font-size:.92em}}th,td{{border:1px solid #ddd;padding:.3em .5em;
vertical-align:top;text-align:left;overflow-wrap:anywhere}}th{{background:#f0f3f7}}
tr:nth-child(even) td{{background:#fafafa}}tr:target td{{background:#fff3c4}}
td.lines{{white-space:pre-line;min-width:9em}}td.nowrap{{white-space:nowrap}}
.note{{color:#666;font-size:.9em}}
@media (max-width:700px){{.wide{{display:none}}body{{margin:1em auto}}}}
@page{{size:A4;margin:15mm}}
@media print{{body{{max-width:none;margin:0;padding:0;font-size:10pt}}
.charts{{grid-template-columns:1fr 1fr}}.chart,tr,.para{{break-inside:avoid}}h2{{break-after:avoid}}
thead{{display:table-header-group}}a.fig{{color:inherit;border:0}}.table{{overflow:visible}}}}
"""


HOT_SHOWN = 50  # hot issues listed in the report (all are in the workbook)
HOT_CHART = 10


def hot_section(hot_issues) -> str:
    """The report's section on hot issues: the hottest as a chart, then the table (empty string
    when the batch did not group its rows)."""
    if hot_issues is None:
        return ""
    if not len(hot_issues):
        return '<h2 id="hot">热点问题</h2><p>没有相似的来件成组。</p>'
    top = hot_issues.head(HOT_CHART)
    chart = bar_chart([(str(lbl), float(h)) for lbl, h in zip(top["label"], top["heat"])], title="热度最高的问题")
    shown = {c: [v.strftime("%Y-%m-%d") if isinstance(v, pd.Timestamp) and pd.notna(v) else "" for v in
                 hot_issues[c]] for c in ("first", "last") if c in hot_issues.columns}
    table = _table(hot_issues, ["rank", "label", "size", "writers", "first", "last", "span_days", "reactions", "heat",
                                "representative_id"], limit=HOT_SHOWN, table="hot_issues", shown=shown,
                   wide=("writers", "span_days", "reactions"))
    note = ('<p class="note">热度 = (提出人数 + 0.25 × 同一人重复件数 + log2(1 + 点赞反对数)) × (1 + 0.5 × '
            "持续天数(至多90天)/90) × 0.5^(距最近一件的天数/30)。</p>")
    return f'<h2 id="hot">热点问题</h2><div class="charts"><div class="chart">{chart}</div></div>{table}{note}'


def render_hot_report(hot, out_html, *, force: bool = False, meta: dict | None = None,
                      title: str = "热点问题报告") -> Path:
    """Write an HTML report of hot issues alone (``hot``: :class:`proposal_nlp.hot.HotIssues`)."""
    out = Path(out_html)
    check_output_path(out)
    if out.exists() and not force:
        raise InputError(exists_message(out), code="PN150")
    meta = meta or {}
    when = datetime.now().astimezone().strftime("%Y年%m月%d日 %H:%M")
    source = _e(meta.get("input", ""))
    text = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{_e(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head>
<body>
<h1>{_e(title)}</h1>
<p class="note">生成时间：{when}{'；输入：' + source if source else ''}；共{len(hot.rows)}件，{len(hot.groups)}个问题。</p>
{hot_section(hot.groups)}
<p class="note">由 proposal_nlp 生成。报告含输入材料原文，仅供内部使用。</p>
</body></html>
"""
    with staged_output(out, force=force) as staged:
        with open(staged.stage, "w", encoding="utf-8") as f:
            f.write(text)
    return out


def render_html(result, *, title: str = "建议提案批量处理报告") -> str:
    """The report of a :class:`~proposal_nlp.batch.BatchResult` as one HTML string."""
    meta = getattr(result, "meta", {}) or {}
    summary = result.summary
    checked = asks_checked(result)
    keys = ([_summary_key(m, k, h) for m, k, h in zip(summary["metric"], summary["kind"], summary["handling"])]
            if len(summary) and {"metric", "kind", "handling"} <= set(summary.columns) else [])
    row_ids = {key: f"count-{i}" for i, key in enumerate(keys)}
    para = summary_html(result, row_ids, checked=checked)
    counts = (_table(summary, ["label", "value"], row_ids=[f"count-{i}" for i in range(len(summary))],
                     labels={"label": "项目", "value": "数量"}).replace('class="table"', 'class="table counts"', 1)
              if len(summary) else "<p>（无）</p>")
    charts_html = "".join(f'<div class="chart">{c}</div>' for c in charts(result))
    unc = result.uncovered
    if not checked:
        unc_html = ('<p class="state">未对照措施：本次运行没有提供措施文件，具体建议没有与措施对照，'
                    "因此无从判断哪些建议尚未覆盖。需要对照时，请指定措施文件后重新运行。</p>")
    elif len(unc):
        unc_html = _table(unc, ["id", "title", "suggestion_id", "text", "best_clause_id", "p_covered"],
                          limit=MAX_UNCOVERED_ROWS, table="uncovered",
                          wide=("suggestion_id", "best_clause_id", "p_covered"))
    else:
        unc_html = "<p>对照现有措施，没有未覆盖的具体建议。</p>"
    ms = getattr(result, "measures", None)
    measures_html = ""
    if ms is not None and len(ms):
        asks = ask_lookup(result.suggestions)
        shown = {"suggestion_ids": [measure_asks_text(v, asks, shown=10) for v in ms.get("suggestion_ids", [])]}
        measures_html = ('<h2 id="measures">各项措施对应的具体建议</h2>'
                         + _table(ms, ["clause_id", "clause_group", "clause_text", "n_asks", "n_covered",
                                       "n_partial", "suggestion_ids"], limit=200, shown=shown, table="measures",
                                  labels={"suggestion_ids": display_label("suggestion_ids", "measures")},
                                  lines=("suggestion_ids",), wide=("clause_group", "n_partial")))
    asks_html = ""
    sugs = result.suggestions
    if checked and len(sugs) and "p_covered" in sugs.columns:
        cols = [c for c in ("id", "suggestion_id", "text", "best_clause_id", "coverage", "p_covered", "evidence",
                            "related") if c in sugs.columns]
        asks_html = ('<h2 id="asks">具体建议的覆盖概率与依据</h2>'
                     '<p class="note">覆盖概率：某项措施回应该建议的概率（经人工标注样本校准）；'
                     '共有词与同义近义词：建议与最接近措施共同使用的词语。</p>'
                     + _table(sugs, cols, limit=MAX_UNCOVERED_ROWS, table="suggestions",
                              shown=display_columns("suggestions", sugs[[c for c in cols if c in
                                                                         ("coverage", "evidence", "related")]]),
                              wide=("id", "evidence", "related")))
    errs = result.errors
    if len(errs):
        shown = display_columns("errors", errs)
        err_html = _table(errs, ["row", "id", "stage", "message"], limit=200, shown=shown, table="errors")
    else:
        err_html = "<p>没有错误记录。</p>"
    when = datetime.now().astimezone().strftime("%Y年%m月%d日 %H:%M")
    source = _e(meta.get("input", ""))
    state = "" if checked or not len(result.suggestions) else "；具体建议未对照措施"
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{_e(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head>
<body>
<h1>{_e(title)}</h1>
<p class="note">生成时间：{when}{'；输入：' + source if source else ''}；共{len(result.proposals)}件，
{len(result.suggestions)}条具体建议{state}。</p>
<h2>基本情况</h2>
<p class="para">{para}</p>
<h2>图表</h2>
<div class="charts">{charts_html}</div>
<h2 id="counts">汇总数字</h2>
{counts}
{hot_section(getattr(result, "hot_issues", None))}
{measures_html}
{asks_html}
<h2 id="uncovered">尚未覆盖的具体建议</h2>
{unc_html}
<h2 id="errors">错误记录</h2>
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


__all__ = ["render_report", "render_html", "render_hot_report", "hot_section", "charts", "bar_chart", "stacked_chart", "asks_checked", "summary_html",
           "FONT_STACK", "COVERAGE_COLORS"]
