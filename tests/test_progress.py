"""Progress a person sees: a bar on a terminal, log lines with rows done and rate elsewhere, none
when switched off. Times are never asserted, only that the lines say rows and a rate."""
from __future__ import annotations

import logging
import re

import pytest

from proposal_nlp import progress
from proposal_nlp.errors import InputError
from proposal_nlp.progress import Progress, note, progress_mode

LINE = re.compile(r"^classify, extract: [\d,]+ of 300 rows done \([\d,.]+ rows/s\)$")
LAST = re.compile(r"^classify, extract: 300 rows in all \([\d,.]+ rows/s\)$")


@pytest.mark.parametrize("value, mode", [(False, None), (None, None), (True, "bar"), ("bar", "bar"), ("log", "log")])
def test_progress_modes(value, mode):
    assert progress_mode(value) == mode


def test_an_unknown_mode_is_a_coded_error():
    with pytest.raises(InputError, match="PN137"):
        progress_mode("loud")


def test_log_lines_say_rows_done_and_rate(monkeypatch, caplog):
    monkeypatch.setattr(progress, "LOG_EVERY", 0.0)  # a line at every update
    with caplog.at_level(logging.INFO, logger="proposal_nlp.progress"):
        with Progress("log", desc="classify, extract", total=300) as p:
            for _ in range(3):
                p.update(100)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 4
    assert all(LINE.match(x) for x in lines[:3]), lines
    assert LAST.match(lines[-1]) and "1,200" not in lines[0]


def test_a_short_stage_logs_one_line_at_its_end_or_none(monkeypatch, caplog):
    monkeypatch.setattr(progress, "LOG_EVERY", 3600.0)
    with caplog.at_level(logging.INFO, logger="proposal_nlp.progress"):
        with Progress("log", desc="classify, extract", total=300) as p:
            p.update(300)
        with Progress("log", desc="reading in.csv", last_line=False) as p:
            p.update(300)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and LAST.match(lines[0])  # none for the reading stage that was too short


def test_thousands_are_grouped(monkeypatch):
    p = Progress("log", desc="extract", total=3000)
    p.done = 1200
    assert re.fullmatch(r"extract: 1,200 of 3,000 rows done \([\d,.]+ rows/s\)", p.line())


def test_no_mode_no_output(caplog, capsys):
    with caplog.at_level(logging.INFO, logger="proposal_nlp.progress"):
        with Progress(False, desc="x", total=5) as p:
            p.update(5)
        note(False, "writing %s", "out.xlsx")
        note("bar", "writing %s", "out.xlsx")
    assert caplog.records == [] and capsys.readouterr().err == ""


def test_a_bar_on_stderr(capsys):
    with Progress("bar", desc="classify", total=4) as p:
        p.update(4)
    assert "classify" in capsys.readouterr().err


def test_notes_in_log_mode(caplog):
    with caplog.at_level(logging.INFO, logger="proposal_nlp.progress"):
        note("log", "writing %s", "out.xlsx")
    assert [r.getMessage() for r in caplog.records] == ["writing out.xlsx"]
