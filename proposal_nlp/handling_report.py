"""A handling summary (建议提案办理情况总结) read whole: its sections, figures, checks, the
proposals it cites and the next year's measures.

>>> report = parse_report(text)                                   # doctest: +SKIP
>>> report.sections      # name, label, level, marker, start, end, heading_end
>>> report.figures       # kind, subset, handling, result, measure, count, percent, start, end, evidence
>>> report.checks        # check, type, expected, found, ok, detail, figures
>>> report.cited         # number, session, kind, proposers, title, start, end, n_asks
>>> report.cited_asks    # number, ask_index, text, start, end, action, object
>>> report.plans         # item, marker, text, start, end
>>> report.notes         # what could not be read, and why

Every offset slices ``text``: ``text[start:end]``. Nothing here guesses: a number whose
subject cannot be read, a range (十余件) or a missing section is a note, never a figure.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import pandas as pd

from .errors import check_text
from .normalize import normalize, trim_span
from .proposal_fields import parse_proposal
from .report_checks import check_figures
from .report_figures import NOTE_COLUMNS, read_figures
from .suggest import extract_suggestions

log = logging.getLogger(__name__)

__all__ = ["HandlingReport", "parse_report", "SECTION_LABELS", "SECTION_COLUMNS", "CITED_COLUMNS",
           "CITED_ASK_COLUMNS", "PLAN_COLUMNS"]

SECTION_COLUMNS = ["name", "label", "level", "marker", "start", "end", "heading_end"]
CITED_COLUMNS = ["number", "session", "kind", "proposers", "title", "start", "end", "n_asks"]
CITED_ASK_COLUMNS = ["number", "ask_index", "text", "start", "end", "action", "object"]
PLAN_COLUMNS = ["item", "marker", "text", "start", "end"]

#: section labels and the words of their headings, as bureaus write them
SECTION_LABELS = {
    "overview": r"基本情况|办理概况|总体情况|基本概况|工作概况|总体概况|办理情况|概况|总体成效",
    "measures": r"主要做法|工作举措|主要措施|工作措施|主要工作|办理措施|具体做法|工作做法|做法|举措|经验",
    "cases": r"典型案例|办理成效|工作成效|取得成效|主要成效|案例|成效|成果",
    "problems": r"存在问题|存在的问题|问题和不足|问题与不足|不足之处|不足|困难",
    "plans": r"下一步|下步|今后|明年|来年|工作计划|工作打算|打算|努力方向|工作思路",
}
_LABEL_RES = {k: re.compile(v) for k, v in SECTION_LABELS.items()}
_O = "[一二三四五六七八九十]"
_LINE_MARKERS = (
    ("part", re.compile(rf"第{_O}{{1,3}}部分\s*[,、:.]?\s*")),
    ("cn_dun", re.compile(rf"{_O}{{1,3}}\s*[、.]\s*")),
    ("cn_paren", re.compile(rf"\(\s*{_O}{{1,3}}\s*\)\s*[、.]?\s*")),
    ("ar_dot", re.compile(r"\d{1,2}\s*(?:[、.](?!\d)|\s)\s*")),
    ("ar_paren", re.compile(r"\(\s*\d{1,2}\s*\)\s*")),
    ("circ", re.compile(r"[\u2460-\u2473]\s*")),
)
_PLAIN_HEADING = re.compile(r"\s*[【\[]?\s*(?P<name>[\u4e00-\u9fff、和及与]{2,14}?)\s*[】\]]?\s*:?\s*$")
_BRACKET_HEADING = re.compile(r"【\s*(?P<name>[^】\n]{2,20}?)\s*】")
_NOT_HEADING = re.compile(r"关于|报告|总结|[局委办厅]$|函$|附件|\d{4}年")
_END_MATTER = re.compile(r"\s*(?:附件|附表|附\s*[:：]|抄送|联系人)")
_HEADING_MAX = 40
_DATE_LINE = re.compile(r"\s*(?:\d{4}|[〇零一二三四五六七八九]{4})\s*年\s*[\d一二三四五六七八九十]{1,3}\s*月"
                        r"(?:\s*[\d一二三四五六七八九十]{1,3}\s*日)?\s*")
_PROSE_ITEM = re.compile(rf"(?:(?<=^)|(?<=[。;:,!?\n\s]))(?P<m>(?P<n>{_O}{{1,2}})是|首先|其次|再次|最后|第(?P<d>{_O}{{1,2}})[,、])")
_NUMBER_RE = re.compile(r"第\s*(?P<n>[A-Za-z]?\d{1,6})\s*号")
_CITE_KIND = re.compile(r"提案|建议|议案")
_SENTENCE = re.compile(r"[。!?]")
FIELDS = ("session", "kind", "proposers", "title")
_PLAN_LEAD = re.compile(r"(?:^|\n)\s*(?:下一步|今后|明年|来年)[,:，：]?")


@dataclass(frozen=True, eq=False)
class HandlingReport:
    """What a handling summary states (see :func:`parse_report`); tables joined by offsets and
    proposal numbers. Two reports are equal only when they are the same object (compare their
    tables with ``DataFrame.equals``)."""

    text: str
    sections: pd.DataFrame
    figures: pd.DataFrame
    checks: pd.DataFrame
    cited: pd.DataFrame
    cited_asks: pd.DataFrame
    plans: pd.DataFrame
    notes: pd.DataFrame

    @property
    def ok(self) -> bool:
        """Whether every check holds (True when there is nothing to check)."""
        return bool(self.checks["ok"].all()) if len(self.checks) else True

    @property
    def failing(self) -> pd.DataFrame:
        """The checks that fail, each naming its numbers in ``detail``."""
        return self.checks[~self.checks["ok"].astype(bool)].reset_index(drop=True) if len(self.checks) else self.checks

    def section(self, label: str) -> str:
        """The text of the first section of ``label`` (``overview``, ``measures``, ``cases``,
        ``problems``, ``plans``), or ``""`` when the summary has none."""
        rows = self.sections[self.sections["label"] == label]
        if rows.empty:
            return ""
        row = rows.iloc[0]
        return self.text[int(row["heading_end"]):int(row["end"])].strip()


# ------------------------------------------------------------------ sections


def _label(name: str) -> str:
    best, where = "other", len(name) + 1
    for label, rx in _LABEL_RES.items():
        m = rx.search(name)
        if m and m.start() < where:
            best, where = label, m.start()
    return best


def _lines(t: str):
    pos = 0
    for line in t.split("\n"):
        yield pos, line
        pos += len(line) + 1


def _end_of_text(t: str) -> int:
    """Where the end matter (the signature: bureau and date; 附件, 抄送 …) starts, or the length
    of the text."""
    prev = None  # the last non-empty line: (pos, line)
    for pos, line in _lines(t):
        if pos and _END_MATTER.match(line):
            return pos
        if pos and _DATE_LINE.fullmatch(line):
            if prev is not None and len(prev[1].strip()) <= 25 and not re.search(r"[。;,:!?]", prev[1]):
                return prev[0]
            return pos
        if line.strip():
            prev = (pos, line)
    return len(t)


def _headings(text: str, t: str, stop: int) -> list[dict]:
    out = []
    for pos, line in _lines(t):
        if pos >= stop:
            break
        lead = len(line) - len(line.lstrip())
        body = line[lead:]
        if not body:
            continue
        style = None
        for name, rx in _LINE_MARKERS:
            m = rx.match(body)
            if m and m.end() < len(body):
                style, mark_end = name, m.end()
                break
        if style is not None:
            rest = body[mark_end:]
            cut = re.search(r"[。;!?]", rest)
            head = rest[:cut.start()] if cut else rest
            head = head.rstrip(": ")
            if not head or len(head) > _HEADING_MAX or re.fullmatch(r"[\d\s.%]+", head):
                continue
            start = pos + lead
            s, e = trim_span(text, pos + lead + mark_end, pos + lead + mark_end + len(head))
            out.append({"name": text[s:e], "style": style, "marker": text[start:pos + lead + mark_end].strip(),
                        "start": start, "heading_end": pos + lead + mark_end + (cut.end() if cut else len(rest))})
            continue
        m = _BRACKET_HEADING.match(body)
        if m:  # 【基本情况】, its text on the same line or below
            s, e = pos + lead + m.start("name"), pos + lead + m.end("name")
            out.append({"name": text[s:e], "style": "bracket", "marker": "【】", "start": pos + lead,
                        "heading_end": pos + lead + m.end()})
            continue
        m = _PLAIN_HEADING.match(body)
        if m and _label(m.group("name")) != "other" and not _NOT_HEADING.search(m.group("name")):
            s, e = pos + lead + m.start("name"), pos + lead + m.end("name")
            out.append({"name": text[s:e], "style": "plain", "marker": "", "start": pos + lead,
                        "heading_end": pos + len(line)})
    return out


def _sections(text: str, t: str) -> pd.DataFrame:
    stop = _end_of_text(t)
    heads = _headings(text, t, stop)
    order: list[str] = []
    for h in heads:
        if h["style"] not in order:
            order.append(h["style"])
    rows = []
    for i, h in enumerate(heads):
        level = order.index(h["style"]) + 1
        end = stop
        for g in heads[i + 1:]:
            if order.index(g["style"]) + 1 <= level:
                end = g["start"]
                break
        rows.append({"name": h["name"], "label": _label(h["name"]), "level": level, "marker": h["marker"],
                     "start": h["start"], "end": max(end, h["heading_end"]), "heading_end": h["heading_end"]})
    frame = pd.DataFrame(rows, columns=SECTION_COLUMNS)
    for c in ("level", "start", "end", "heading_end"):
        frame[c] = frame[c].astype("int64")
    return frame


# ------------------------------------------------------------------ plans


def _item(text: str, marker: str, start: int, end: int, n: int) -> dict | None:
    s, e = trim_span(text, start, end)
    return {"item": n, "marker": marker, "text": text[s:e], "start": s, "end": e} if e > s else None


def _plans(text: str, t: str, sections: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    notes = []
    plan_rows = sections[sections["label"] == "plans"]
    if len(plan_rows):
        sec = plan_rows.iloc[0]
        body_start, body_end, level = int(sec["heading_end"]), int(sec["end"]), int(sec["level"])
        subs = sections[(sections["start"] >= body_start) & (sections["start"] < body_end)
                        & (sections["level"] == level + 1)]
    else:
        m = None
        for m in _PLAN_LEAD.finditer(t, 0, _end_of_text(t)):
            pass
        if m is None:
            if t.strip():
                notes.append({"note": "no next-year plans (下一步 …) found", "start": 0, "end": 0, "text": ""})
            return pd.DataFrame(columns=PLAN_COLUMNS), notes
        body_start = m.start() + (1 if t[m.start()] == "\n" else 0)
        nxt = t.find("\n", m.end())
        body_end = len(t) if nxt < 0 else nxt
        subs = sections.iloc[0:0]
    items = []
    if len(subs):
        starts = subs["start"].tolist() + [body_end]
        for k, (_, row) in enumerate(subs.iterrows()):
            items.append(_item(text, row["marker"], int(row["start"]), starts[k + 1], k + 1))
    else:
        marks = [m for m in _PROSE_ITEM.finditer(t, body_start, body_end)]
        if len(marks) >= 2:
            bounds = [m.start("m") for m in marks] + [body_end]
            for k, m in enumerate(marks):
                items.append(_item(text, m.group("m"), bounds[k], bounds[k + 1], k + 1))
        else:
            paras = [(p, line) for p, line in _lines(t) if body_start <= p < body_end and line.strip()]
            if len(paras) <= 1:
                items.append(_item(text, "", body_start, body_end, 1))
            else:
                for k, (p, line) in enumerate(paras):
                    items.append(_item(text, "", p, p + len(line), k + 1))
    items = [i for i in items if i is not None]
    for n, it in enumerate(items, 1):
        it["item"] = n
    frame = pd.DataFrame(items, columns=PLAN_COLUMNS)
    return frame, notes


# ------------------------------------------------------------------ cited proposals


def _cited(text: str, t: str, *, asks: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows: dict[str, dict] = {}
    tries: dict[str, int] = {}
    ask_rows: list[dict] = []
    prev_end = 0
    for m in _NUMBER_RE.finditer(t):
        lo, hi = max(0, m.start() - 40), min(len(t), m.end() + 40)
        if not _CITE_KIND.search(t, lo, hi):
            continue
        ends = [e.end() for e in _SENTENCE.finditer(t, max(prev_end, m.start() - 300), m.start())]
        ctx_s = max([prev_end, m.start() - 300] + ends)
        nxt = _SENTENCE.search(t, m.end())
        ctx_e = min(nxt.end() if nxt else len(t), m.end() + 300)
        prev_end = m.end()
        number = m.group("n")
        row = rows.get(number)
        tries[number] = tries.get(number, 0) + 1
        if row is not None and (tries[number] > 3 or all(row[k] is not None for k in FIELDS)):
            continue  # cited again: nothing more to learn
        info = parse_proposal(text[ctx_s:ctx_e])

        def value(f):
            return f.value if f is not None else None

        if row is None:
            row = rows[number] = {"number": number, "session": None, "kind": None, "proposers": None, "title": None,
                                  "start": m.start("n"), "end": m.end("n"), "n_asks": 0}
        for key in FIELDS:
            if row[key] is None:
                row[key] = value(getattr(info, key))
        if asks and row["n_asks"] == 0:
            try:
                found = extract_suggestions(text[ctx_s:ctx_e], kind="summary")
            except Exception as exc:  # an ask the extractor cannot read leaves the citation whole
                log.debug("asks of the proposal cited at %d not read: %s", m.start(), exc)
                found = []
            for k, a in enumerate(found, 1):
                ask_rows.append({"number": number, "ask_index": k, "text": a.text, "start": a.start + ctx_s,
                                 "end": a.end + ctx_s, "action": getattr(a, "action", None),
                                 "object": getattr(a, "object", None)})
            row["n_asks"] = len(found)
    cited = pd.DataFrame(list(rows.values()), columns=CITED_COLUMNS)
    return cited, pd.DataFrame(ask_rows, columns=CITED_ASK_COLUMNS)


# ------------------------------------------------------------------ the report


def parse_report(text: str, *, asks: bool = True) -> HandlingReport:
    """Read a handling summary: sections, figures and their checks, cited proposals, plans.

    Parameters
    ----------
    text : the summary, as written (any bureau's wording; Arabic, full-width or Chinese numerals).
    asks : read the asks of each cited proposal (``extract_suggestions``); ``False`` is faster.

    Returns
    -------
    HandlingReport with ``sections`` (the headings 基本情况, 主要做法, 典型案例, 存在问题, 下一步…,
    numbered 一、 / （一） / 1. or not, each with its ``label``, ``level`` and span), ``figures``
    and ``checks`` (see :func:`proposal_nlp.report_figures.read_figures` and
    :func:`~proposal_nlp.report_figures.check_figures`), ``cited`` (proposals the summary cites
    by number, with session, kind, proposers and title from
    :func:`~proposal_nlp.proposal_fields.parse_proposal`) and their asks in ``cited_asks``,
    ``plans`` (the next year's measures, one row each) and ``notes`` (what could not be read).
    """
    check_text(text)
    t = normalize(text)
    sections = _sections(text, t)
    figures, fig_notes = read_figures(text)
    checks = check_figures(figures, fig_notes)
    cited, cited_asks = _cited(text, t, asks=asks)
    plans, plan_notes = _plans(text, t, sections)
    notes = [*fig_notes.to_dict("records"), *plan_notes]
    if t.strip() and not (sections["label"] == "overview").any():
        notes.append({"note": "no 基本情况 section: figures were read from the whole text", "start": 0, "end": 0,
                      "text": ""})
    if t.strip() and figures.empty:
        notes.append({"note": "no figure found", "start": 0, "end": 0, "text": ""})
    notes_frame = pd.DataFrame(notes, columns=NOTE_COLUMNS).sort_values("start", kind="stable").reset_index(drop=True)
    return HandlingReport(text, sections, figures, checks, cited, cited_asks, plans, notes_frame)
