"""proposal_nlp.outputs: the escaping rule, the lock, and outputs that may not be inputs."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from proposal_nlp.errors import InputError, OutputError
from proposal_nlp.outputs import OutputLock, needs_escape, unescape_cell
from proposal_nlp.results import ResultWriter, escape_cell, read_result, write_result
from test_results import FORMULAS, _mixed, _snapshot, _tables


def test_the_lock_refuses_a_second_writer(tmp_path):
    out = tmp_path / "out.xlsx"
    first = ResultWriter(out)
    with pytest.raises(OutputError) as exc:
        ResultWriter(out)
    assert exc.value.code == "PN155" and "being written by this Python session" in str(exc.value)
    assert ".out.xlsx.lock" in str(exc.value)
    first.write("proposals", _tables(["甲"])["proposals"])
    first.close()
    assert read_result(out).proposals["title"].tolist() == ["甲"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx"]
    w = ResultWriter(out, force=True)  # the lock was released
    w.abort()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx"]


def test_a_stale_lock_is_taken_over(tmp_path):
    out = tmp_path / "out"
    lock = OutputLock(out).path
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    lock.write_text(json.dumps({"pid": int(gone.stdout), "host": socket.gethostname(), "token": "x"}))
    write_result(_tables(["甲"]), out)  # its run is gone
    # a lock of another machine, not touched for longer than LOCK_STALE_SECONDS
    lock.write_text(json.dumps({"pid": os.getpid(), "host": "another-host", "token": "y"}))
    os.utime(lock, (1, 1))
    write_result(_tables(["乙"]), out, force=True)
    assert read_result(out).proposals["title"].tolist() == ["乙"] and not lock.exists()
    # a fresh lock of a live run is respected
    lock.write_text(json.dumps({"pid": os.getpid(), "host": "another-host", "token": "z"}))
    with pytest.raises(OutputError, match="PN155"):
        write_result(_tables(["丙"]), out, force=True)


def test_an_output_may_not_be_an_input_or_the_current_folder(tmp_path, monkeypatch):
    from proposal_nlp.batch import process_file

    inp = tmp_path / "data" / "intake.csv"
    inp.parent.mkdir()
    inp.write_text("编号,标题,内容\n1,甲,建议加强消防\n", encoding="utf-8")
    before = _snapshot(tmp_path)
    for out in (inp, inp.parent, tmp_path):
        with pytest.raises(InputError, match="PN156.*which this run reads"):
            process_file(inp, out=out, force=True, steps=("extract",), extractor=lambda t, kind=None: [])
    monkeypatch.chdir(tmp_path / "data")
    for out in (".", ".."):
        with pytest.raises(InputError, match="PN156.*current folder"):
            write_result(_tables(["甲"]), out, force=True)
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("value", FORMULAS)
def test_escape_rule(value):
    escaped = escape_cell(value)
    assert escaped == "'" + value and not needs_escape(escaped) and unescape_cell(escaped) == value


@pytest.mark.parametrize("value", ["正常文本", "' a=", "a=1", "  ", "", "'", "'正常", "1-2"])
def test_text_that_needs_no_escape(value):
    assert escape_cell(value) == value == unescape_cell(value)


@pytest.mark.parametrize("value", [-0.5, -3, None, 2.5])
def test_numbers_are_never_escaped(value):
    assert escape_cell(value) is value


@given(value=_mixed)
def test_escape_round_trip_is_exact(value):
    escaped = escape_cell(value)
    assert unescape_cell(escaped) == value
    assert not needs_escape(escaped)
    assert escaped in (value, "'" + value)


@given(st.text(st.sampled_from(["_", "x", "0", "0", "D", "5", "F", "a", "\r", "\n", "建"]), max_size=30))
def test_xlsx_escape_is_undone_exactly(text):
    from proposal_nlp.outputs import xlsx_escape, xlsx_unescape

    stored = xlsx_escape(text)
    assert "\r" not in stored and xlsx_unescape(stored) == text


def test_xlsx_escape_examples():
    from proposal_nlp.outputs import xlsx_escape, xlsx_unescape

    assert xlsx_escape("甲\r\n乙") == "甲_x000D_\n乙"
    assert xlsx_escape("_x003D_1") == "_x005F_x003D_1"  # Excel would show "=1"
    assert xlsx_escape("普通文本_x") == "普通文本_x"
    assert xlsx_unescape("_xD800_") == "_xD800_"  # no lone surrogate is made up
