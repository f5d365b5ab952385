"""HTML report: self-contained, escaped, with the counts, charts and uncovered asks."""
from __future__ import annotations

import dataclasses
import errno
import html
import os
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from batch_standins import FRAMEWORK, STANDINS, proposals_frame
from proposal_nlp.batch import process_table
from proposal_nlp.errors import InputError, OutputError
from proposal_nlp.outputs import OutputLock, needs_escape
from proposal_nlp.report import COVERAGE_COLORS, FONT_STACK, bar_chart, charts, render_html, render_report
from proposal_nlp.summary import Figure, summary_parts
from proposal_nlp.results import read_result, write_result


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.refs = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for k, v in attrs:
            if k in ("src", "href") and v:
                self.refs.append(v)


def _frame():
    df = proposals_frame(8)
    df.loc[2, "标题"] = "<script>alert(1)</script>"
    df.loc[1, "内容"] = "建议建设韧性安全城市体系，提升防控能力。加强社会、市场、公众等作用发挥。"  # covered by measures
    df.loc[5, "内容"] = "CRASH"  # an error row
    return df


@pytest.fixture(scope="module")
def result():
    return process_table(_frame(), policy=FRAMEWORK, **STANDINS)


@pytest.fixture(scope="module")
def unchecked():
    """No policy: asks extracted, not checked against measures."""
    return process_table(_frame(), policy=None, **STANDINS)


def _paragraph(h: str) -> str:
    para = re.search(r'<p class="para">(.*?)</p>', h, re.S).group(1)
    return html.unescape(re.sub(r"<[^>]+>", "", para))


def test_report_from_result_and_from_files(result, tmp_path):
    html1 = render_report(result, tmp_path / "a.html").read_text(encoding="utf-8")
    wb = write_result(result, tmp_path / "r.xlsx")
    html2 = render_report(wb, tmp_path / "b.html").read_text(encoding="utf-8")
    folder = write_result(result, tmp_path / "r")
    html3 = render_report(folder, tmp_path / "c.html").read_text(encoding="utf-8")
    strip = lambda h: re.sub(r"生成时间：[^；<]*", "", h)  # noqa: E731
    assert strip(html2) == strip(html3)
    for h in (html1, html2):
        assert _paragraph(h) == result.summary_text()
        assert h.count("<svg") == 4  # topics, fire share, coverage, asks per proposal
        assert "尚未覆盖的具体建议" in h and "建议加快建设集中充电设施" in h


def test_report_is_self_contained_and_escaped(result, tmp_path):
    h = render_report(result, tmp_path / "a.html").read_text(encoding="utf-8")
    p = _Collect()
    p.feed(h)
    assert "script" not in p.tags and [r for r in p.refs if not r.startswith("#")] == []  # nothing from elsewhere
    assert "&lt;script&gt;" in h or "<script>" not in h


def test_report_refuses_to_overwrite_by_default(result, tmp_path):
    out = tmp_path / "a.html"
    out.write_text("kept", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        render_report(result, out)
    msg = str(exc.value)
    assert exc.value.code == "PN150" and str(out) in msg and "already exists" in msg
    assert "force=True" in msg and "--force" in msg
    assert out.read_text(encoding="utf-8") == "kept"
    with pytest.raises(InputError, match="already exists"):  # checked before the result is read
        render_report(tmp_path / "nope.xlsx", out)


def test_report_overwrites_with_force(result, tmp_path):
    out = tmp_path / "a.html"
    out.write_text("old", encoding="utf-8")
    assert render_report(result, out, force=True) == out
    assert _paragraph(out.read_text(encoding="utf-8")) == result.summary_text()


def test_report_of_a_missing_result(tmp_path):
    with pytest.raises(InputError, match="not found"):
        render_report(tmp_path / "nope.xlsx", tmp_path / "a.html")


def test_bar_chart_handles_empty_and_long_labels():
    assert "（无数据）" in bar_chart([], title="空")
    svg = bar_chart([("很长很长很长很长很长很长很长的标签", 3), ("短", 0)], title="t")
    assert svg.startswith("<svg") and svg.endswith("</svg>") and "…" in svg


def test_a_full_disk_keeps_the_old_report(result, tmp_path, monkeypatch):
    out = tmp_path / "a.html"
    out.write_text("good old report", encoding="utf-8")

    def full_disk(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OutputError) as exc:
        render_report(result, out, force=True)
    assert exc.value.code == "PN153" and "disk is full" in str(exc.value)
    assert out.read_text(encoding="utf-8") == "good old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html"]  # no temporary file, no lock


def test_report_tables_are_escaped_like_the_result_files(result):
    uncovered = pd.DataFrame({"id": ["=A1"], "title": ["＝HYPERLINK(1)"], "suggestion_id": ["s1"], "text": [" @cmd"],
                              "best_clause_id": ["-1+1"], "best_score": [0.5], "p_covered": [-0.25]})
    h = render_html(dataclasses.replace(result, uncovered=uncovered))
    cells = [html.unescape(c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", h)]
    assert {"'=A1", "'＝HYPERLINK(1)", "' @cmd", "'-1+1"} <= set(cells)
    assert "-0.25" in cells  # a negative number is not text: not escaped
    assert [c for c in cells if needs_escape(c)] == ["-0.25"]


def test_report_is_never_written_over_the_result_it_reads(result, tmp_path):
    for target in (write_result(result, tmp_path / "r.xlsx"), write_result(result, tmp_path / "r")):
        with pytest.raises(InputError, match="PN156.*which this run reads"):
            render_report(target, target, force=True)
        assert read_result(target).proposals["id"].tolist() == result.proposals["id"].tolist()


def test_a_report_being_written_is_locked(result, tmp_path):
    out = tmp_path / "a.html"
    lock = OutputLock(out).acquire()
    with pytest.raises(OutputError, match="PN155"):
        render_report(result, out)
    lock.release()
    assert render_report(result, out) == out


# ---- what the clerk reads in the report

def test_every_figure_of_the_paragraph_links_to_the_rows_behind_it(result):
    h = render_html(result)
    para = re.search(r'<p class="para">(.*?)</p>', h, re.S).group(1)
    links = re.findall(r'<a class="fig" href="#([^"]+)">([^<]+)</a>', para)
    figures = [p for p in summary_parts(result.summary) if isinstance(p, Figure)]
    assert [text for _, text in links] == [f.text for f in figures] and len(links) > 10
    ids = set(re.findall(r' id="([^"]+)"', h))
    assert {target for target, _ in links} <= ids  # every link lands somewhere
    by_metric = {f.metric: target for f, (target, _) in zip(figures, links)}
    assert by_metric["asks_uncovered"] == "uncovered" and by_metric["rows_with_errors"] == "errors"
    row = re.search(rf'<tr id="{by_metric["asks"]}">(.*?)</tr>', h).group(1)  # the counts row of that figure
    assert "提取具体建议条数" in row and f">{len(result.suggestions)}<" in row


def _segments(svg: str) -> dict[str, str]:
    """Segment name -> colour of a stacked chart."""
    return {name: fill for fill, name in re.findall(r'<rect [^>]*fill="(#[0-9a-f]+)"><title>([^：<]+)：', svg)}


def test_coverage_colours_mean_what_they_say(result):
    (cov,) = [c for c in charts(result) if "措施覆盖情况" in c]
    seg = _segments(cov)
    assert seg.get("已覆盖") == COVERAGE_COLORS["covered"] == "#2e7d32"  # green
    assert seg.get("未覆盖") == COVERAGE_COLORS["uncovered"] == "#c62828"  # red
    assert COVERAGE_COLORS["partial"] == "#f2a900" and COVERAGE_COLORS["unchecked"] == "#9e9e9e"  # amber, grey
    legend = dict((name, fill) for fill, name in re.findall(r'<rect [^>]*fill="(#[0-9a-f]+)"/><text[^>]*>([^<]+)<', cov))
    assert legend == {"已覆盖": "#2e7d32", "部分覆盖": "#f2a900", "未覆盖": "#c62828"}


def test_asks_not_checked_against_measures_are_said_so(unchecked, tmp_path):
    for res in (unchecked, read_result(write_result(unchecked, tmp_path / "r.xlsx"))):
        h = render_html(res)
        assert "没有未覆盖的具体建议" not in h and "对照现有措施" not in h
        assert "未对照措施" in h and "本次未对照措施" in _paragraph(h)
        (cov,) = [c for c in charts(res) if "措施覆盖情况" in c]
        assert _segments(cov) == {"未对照措施": COVERAGE_COLORS["unchecked"]}  # one grey bar, never an empty one
        assert f">{len(res.suggestions)}<" in cov
        section = h[h.index('id="uncovered"'):h.index('id="errors"')]
        assert "<table" not in section and "没有提供措施文件" in section


def test_the_asks_per_proposal_chart_has_every_bin(result):
    (asks,) = [c for c in charts(result) if "每件提取" in c]
    labels = re.findall(r'text-anchor="end"><title>([^<]+)</title>', asks)
    assert labels == [f"{k}条" for k in range(8)] + ["8条及以上"]


def test_charts_scale_with_the_page_and_name_chinese_fonts(result):
    h = render_html(result)
    svgs = re.findall(r"<svg [^>]*>", h)
    assert len(svgs) == 4
    for svg in svgs:
        assert re.search(r'viewBox="0 0 \d+ \d+"', svg) and 'width="100%"' in svg and "height=" not in svg
        assert "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', SimSun, sans-serif" in svg
    assert f"font-family:{FONT_STACK}" in h and "@media print" in h and "size:A4" in h


def test_the_report_has_a_hot_issue_section_when_the_batch_grouped_its_rows(tmp_path):
    df = pd.DataFrame({"留言编号": ["1", "2", "3"], "留言主题": ["A5区魅力之城小区油烟扰民", "魅力之城小区餐馆油烟扰民", "公积金"],
                       "留言详情": ["魅力之城小区楼下餐馆油烟直排扰民。", "魅力之城小区餐馆油烟扰民严重。", "咨询公积金贷款。"],
                       "留言时间": ["2019-11-01", "2019-11-03", "2019-11-05"]})
    res = process_table(df, steps=("extract", "group"))
    page = render_html(res)
    assert '<h2 id="hot">热点问题</h2>' in page and "魅力之城" in page and "热度 =" in page
    assert 'id="hot"' not in render_html(process_table(df, steps=("extract",)))
    out = render_report(res, tmp_path / "r.html")
    assert "热点问题" in out.read_text(encoding="utf-8")
