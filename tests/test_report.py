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
from proposal_nlp.report import bar_chart, render_html, render_report
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


@pytest.fixture(scope="module")
def result():
    df = proposals_frame(8)
    df.loc[2, "标题"] = "<script>alert(1)</script>"
    return process_table(df, policy=FRAMEWORK, **STANDINS)


def test_report_from_result_and_from_files(result, tmp_path):
    html1 = render_report(result, tmp_path / "a.html").read_text(encoding="utf-8")
    wb = write_result(result, tmp_path / "r.xlsx")
    html2 = render_report(wb, tmp_path / "b.html").read_text(encoding="utf-8")
    folder = write_result(result, tmp_path / "r")
    html3 = render_report(folder, tmp_path / "c.html").read_text(encoding="utf-8")
    strip = lambda h: re.sub(r"生成时间：[^；<]*", "", h)  # noqa: E731
    assert strip(html2) == strip(html3)
    for h in (html1, html2):
        assert result.summary_text() in h
        assert h.count("<svg") == 4  # topics, fire share, coverage, asks per proposal
        assert "尚未覆盖的具体建议" in h and "建议加快建设集中充电设施" in h


def test_report_is_self_contained_and_escaped(result, tmp_path):
    h = render_report(result, tmp_path / "a.html").read_text(encoding="utf-8")
    p = _Collect()
    p.feed(h)
    assert "script" not in p.tags and p.refs == []  # nothing loaded from elsewhere
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
    assert result.summary_text() in out.read_text(encoding="utf-8")


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
                              "best_clause_id": ["-1+1"], "best_score": [-0.25]})
    h = render_html(dataclasses.replace(result, uncovered=uncovered))
    cells = [html.unescape(c) for c in re.findall(r"<t[dh]>(.*?)</t[dh]>", h)]
    assert {"'=A1", "'＝HYPERLINK(1)", "' @cmd", "'-1+1"} <= set(cells)
    assert "-0.250" in cells  # a negative number is not text: not escaped
    assert [c for c in cells if needs_escape(c)] == ["-0.250"]


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
