"""Chinese display values of the result tables: coverage verdicts, ask sources, topics, status,
yes / no, summary metrics, error stages and messages, the about table and the asks a measure
answers, all from ``data/display_names.json``; and the Chinese fonts the report and the
notebooks' figures ask for (:data:`CJK_FONTS`, :func:`use_cjk_font`).

The result tables keep their machine values (``covered``, ``e_bikes``, ``topic:fire_safety``);
the workbook shows these display values beside them and the report shows only these. Nothing
here changes a table.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from .normalize import is_missing
from .resources import column_label, display_names, topic_label

#: the verdict of an ask no measure was checked against (no policy given, or its match failed)
UNCHECKED = "unchecked"
#: the asks a measure's cell lists before it says how many more there are
MEASURE_ASKS_SHOWN = 50
MEASURE_ASK_CHARS = 60
#: Chinese fonts, in the order asked for: Linux (Noto, Source Han), Windows (YaHei), macOS (PingFang)
CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "SimSun")
# other names the same or similar fonts go by in matplotlib (a .ttc collection is named by its first face)
_MORE_CJK_FONTS = ("Noto Sans CJK JP", "Source Han Sans CN", "Noto Serif CJK SC", "Noto Serif CJK JP", "SimHei",
                   "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Heiti SC", "STHeiti", "Arial Unicode MS")
_CJK_FILES = re.compile(r"NotoSansCJK|NotoSerifCJK|SourceHan|msyh|simsun|simhei|PingFang|wqy|STHeiti", re.I)


def _names(section: str) -> dict:
    return display_names().get(section, {})


def _text(v) -> str:
    return "" if v is None or is_missing(v) else str(v)


def coverage_name(v) -> str:
    """已覆盖 / 部分覆盖 / 未覆盖, and 未对照 for an ask not checked against measures (missing)."""
    v = _text(v)
    return _names("coverage").get(v or UNCHECKED, v)


def source_name(v) -> str:
    """How an ask was found: 分条列举, 建议语句, 引述建议, 措施条目."""
    v = _text(v)
    return _names("sources").get(v, v)


def status_name(v) -> str:
    v = _text(v)
    return _names("status").get(v, v)


def stage_name(v) -> str:
    """The step a problem arose in (读取输入, 主题分类 …); an unknown stage is shown as it is."""
    v = _text(v)
    return _names("stages").get(v, v)


def yes_no(v) -> str:
    """是 / 否, and empty for missing (a step that did not run)."""
    if v is None or is_missing(v):
        return ""
    if isinstance(v, str):
        low = v.strip().lower()
        if low in ("true", "1", "是"):
            v = True
        elif low in ("false", "0", "否"):
            v = False
        else:
            return v
    return _names("yes_no")["true" if bool(v) else "false"]


def topic_ids(v) -> list[str]:
    """Topic ids of a cell: a list, or ids joined with ``|`` (as written to files)."""
    if isinstance(v, (list, tuple, set)):
        return [str(t) for t in v]
    v = _text(v)
    return [t for t in v.split("|") if t]


def topics_text(v) -> str:
    """Topic names joined with 、 (消防安全、电动自行车)."""
    return "、".join(topic_label(t) for t in topic_ids(v))


def evidence_text(v) -> str:
    """Shared terms joined with 、; a shared policy concept (``~term``) marked （概念）."""
    terms = [t for t in re.split(r"[|、]", _text(v)) if t]
    return "、".join(t[1:] + "（概念）" if t.startswith("~") else t for t in terms)


def related_text(v) -> str:
    """The ask's words that reached a clause word, in Chinese: ``电瓶车=电动自行车`` (a domain
    synonym) as 电瓶车→电动自行车（同义）, ``消火栓≈消防设施`` (the word vectors) as
    消火栓→消防设施（近义）, joined with 、."""
    out = []
    for t in (t for t in re.split(r"[|、]", _text(v)) if t):
        for mark, kind in (("=", "同义"), ("≈", "近义")):
            if mark in t:
                a, _, b = t.partition(mark)
                out.append(f"{a}→{b}（{kind}）")
                break
        else:
            out.append(t)
    return "、".join(out)


def summary_value_name(v) -> str:
    """A summary row's kind or handling: ``all`` is 全部; the Chinese kinds stay as they are."""
    v = _text(v)
    return _names("summary_values").get(v, v)


def metric_name(metric) -> str:
    """The Chinese name of a summary metric (``topic:fire_safety`` is 主题：消防安全,
    ``result:解决采纳`` is 办理结果：解决采纳)."""
    metric = _text(metric)
    names = _names("metrics")
    if metric in names:
        return names[metric]
    if metric.startswith("topic:"):
        return names.get("topic:", "{topic}").format(topic=topic_label(metric[len("topic:"):]))
    for prefix in ("result:", "satisfaction:"):  # the value after the prefix is already Chinese
        if metric.startswith(prefix):
            return names.get(prefix, "{value}").format(value=metric[len(prefix):])
    return metric


# messages of the errors table, by what they say (the table keeps the English text for programs)
_BAD_LINE = r"; left out of the tables, not processed \(fix the line and run again\): (?P<raw>.*)"
_MESSAGES = (
    ("empty_text", re.compile(r"empty text; the row is kept with no topics and no asks")),
    ("missing_text", re.compile(r"missing text; the row is kept with no topics and no asks")),
    ("converted_text", re.compile(r"text cell of type \w+ converted to text \((?P<value>.*)\)", re.S)),
    ("duplicate_id", re.compile(r"id (?P<id>.+) appears (?P<n>\d+) times in the input; .*", re.S)),
    ("control_characters", re.compile(
        r"(?:(?P<table>\w+)\.)?(?P<column>\w+): control characters removed \(an XLSX cell cannot hold them\)")),
    ("cell_cut", re.compile(r"(?:(?P<table>\w+)\.)?(?P<column>\w+): cell cut from (?P<n>[\d,]+) to "
                            r"(?P<limit>[\d,]+) characters.*", re.S)),
    ("rows_left_out", re.compile(r"(?P<table>\w+): (?P<n>[\d,]+) rows left out: .*", re.S)),
    ("bad_line_fields", re.compile(r"line (?P<line>\d+) has (?P<n>\d+) fields, the header has (?P<width>\d+)" + _BAD_LINE,
                                   re.S)),
    ("bad_line_quote", re.compile(r"line (?P<line>\d+) opens a quoted cell that is never closed: lines "
                                  r"(?P<first>\d+)-(?P<last>\d+) were read as one cell" + _BAD_LINE, re.S)),
    ("bad_line", re.compile(r"line (?P<line>\d+) .*?" + _BAD_LINE, re.S)),
)
# notes on the columns (the about table's ``notes``, one a line), from proposal_nlp.roles
_NOTES = (
    ("note_used", re.compile(r"column (?P<column>.+?) is used as the (?P<role>\w+) column as asked, though only "
                             r"(?P<share>\d+%) of its values are .*? \(e\.g\. (?P<examples>.*)\)", re.S)),
    ("note_not_taken", re.compile(r"column (?P<column>.+?) is not taken as the (?P<role>\w+) column: (?P<share>\d+%) of "
                                  r"its values are .*?, e\.g\. (?P<examples>.*?); it stays an ordinary column\..*",
                                  re.S)),
)
_STEPS = ("classify", "extract", "parse", "match")
_CODE = re.compile(r"\[(PN\d{3})\]")
_ASK = re.compile(r"ask (?P<ask>\S+): ")


def message_text(stage, message) -> str:
    """The Chinese text of an errors-table message.

    Known messages are translated; a step that raised (``classify`` … ``match``) is said in
    Chinese with its error code, the technical text staying in the table; any other message is
    shown as it is.
    """
    stage, message = _text(stage), _text(message)
    templates = _names("messages")
    for key, pattern in _MESSAGES:
        m = pattern.fullmatch(message)
        if m is None:
            continue
        parts = {k: (v or "") for k, v in m.groupdict().items()}
        if "column" in parts:
            parts["column"] = column_label(parts["column"], parts.get("table") or "proposals")
        if "table" in parts:
            parts["table"] = display_names()["tables"].get(parts["table"], parts["table"])
        if "n" in parts:
            parts["n"] = parts["n"].replace(",", "")
        if "limit" in parts:
            parts["limit"] = parts["limit"].replace(",", "")
        if parts.get("table") and parts.get("column"):
            parts["column"] = f"{parts['table']}·{parts['column']}"
        return templates[key].format(**parts)
    if stage in _STEPS:
        code = _CODE.search(message)
        key = "step_failed_code" if code else "step_failed"
        text = templates[key].format(stage=stage_name(stage), code=code.group(1) if code else "")
        ask = _ASK.match(message)
        return (templates["ask_prefix"].format(ask=ask.group("ask")) if ask else "") + text
    return message


def note_text(note) -> str:
    """A note on the input's columns (why a column was or was not taken for a role) in Chinese."""
    note = _text(note)
    for key, pattern in _NOTES:
        m = pattern.fullmatch(note)
        if m is not None:
            parts = m.groupdict()
            role = parts["role"]
            parts["column"] = parts["column"].strip("'\"")
            parts["what"] = _names("role_values").get(role, role)
            parts["role"] = _names("roles").get(role, role)
            return _names("messages")[key].format(**parts)
    return note


def about_key_name(key) -> str:
    key = _text(key)
    return _names("about").get(key, key)


def about_value_text(key, value) -> str:
    """A value of the about table for people: steps and timings named in Chinese, the default
    model named, yes / no for flags; file and column names as they are."""
    key, value = _text(key), _text(value)
    values = _names("about_values")
    if key == "steps":
        return "、".join(stage_name(s) for s in value.split(",") if s)
    if key == "timings":
        parts = []
        for item in value.split(","):
            step, _, secs = item.strip().partition("=")
            if step:
                secs = secs.strip().removesuffix("s")
                parts.append(f"{stage_name(step)} " + values["seconds"].format(seconds=secs))
        return "，".join(parts)
    if key == "classifier":
        if value == "default":
            return values["default"]
        if not re.search(r"[\\/.]", value):  # a model object's class name, not a file
            return values["custom"]
    if key == "streamed":
        return yes_no(value)
    if key == "notes":
        return "\n".join(note_text(n) for n in value.split("\n"))
    if key == "policy_clauses" and value == "0":
        return values["none"]
    return value


def ask_lookup(suggestions: pd.DataFrame | None) -> dict[str, tuple[str, str, str]]:
    """``suggestion_id`` -> (proposal id, ask number, ask text) from a suggestions table."""
    if suggestions is None or len(suggestions) == 0 or "suggestion_id" not in suggestions:
        return {}
    n = len(suggestions)
    get = (lambda c: suggestions[c].tolist() if c in suggestions else [None] * n)  # noqa: E731
    return {str(s): (_text(i), _text(k), _text(t))
            for s, i, k, t in zip(get("suggestion_id"), get("id"), get("ask_index"), get("text"))}


def measure_asks_text(suggestion_ids, asks: Mapping, *, shown: int = MEASURE_ASKS_SHOWN,
                      chars: int = MEASURE_ASK_CHARS) -> str:
    """The asks a measure answers, one a line: proposal number, ask number and the ask's text
    (cut to ``chars``), the first ``shown`` of them and then how many more."""
    ids = topic_ids(suggestion_ids)  # joined with "|" like topics
    more = 0
    if ids and ids[-1] == "…":  # the measures table keeps the first 200 ids
        ids.pop()
    if len(ids) > shown:
        more, ids = len(ids) - shown, ids[:shown]
    fmt = _names("measure_asks")
    lines = []
    for sid in ids:
        pid, k, text = asks.get(sid, ("", "", ""))
        number = fmt["number"].format(n=k) if k else fmt["number_id"].format(n=sid)
        if len(text) > chars:
            text = text[:chars - 1] + "…"
        line = fmt["line" if text else "line_no_text"].format(id=pid, n=number, text=text)
        lines.append(line.strip())
    if more:
        lines.append(fmt["more"].format(n=more))
    return "\n".join(lines)


def display_columns(table: str, df: pd.DataFrame, *, asks: Mapping | None = None) -> dict[str, list[str]]:
    """The display values of the coded columns of ``table`` present in ``df`` (column -> values)."""
    out: dict[str, list[str]] = {}

    def col(c):
        return df[c].tolist()

    one = {"coverage": coverage_name, "source": source_name, "status": status_name, "topics": topics_text,
           "evidence": evidence_text, "related": related_text, "duplicate_id": yes_no, "fire_relevant": yes_no}
    if table == "summary":
        one = {"metric": metric_name, "kind": summary_value_name, "handling": summary_value_name}
    elif table == "errors":
        one = {"stage": stage_name}
        if "message" in df:
            stages = col("stage") if "stage" in df else [""] * len(df)
            out["message"] = [message_text(s, m) for s, m in zip(stages, col("message"))]
    elif table == "about":
        one = {"key": about_key_name}
        if "value" in df:
            keys = col("key") if "key" in df else [""] * len(df)
            out["value"] = [about_value_text(k, v) for k, v in zip(keys, col("value"))]
    elif table == "measures":
        one = {}
        if "suggestion_ids" in df:
            out["suggestion_ids"] = [measure_asks_text(v, asks or {}) for v in col("suggestion_ids")]
    for c, fn in one.items():
        if c in df:
            out[c] = [fn(v) for v in col(c)]
    return out


def use_cjk_font() -> str | None:
    """Make matplotlib draw Chinese text: the first installed Chinese font goes first in its
    sans-serif list. Fonts installed after matplotlib made its font cache are found too.

    Returns the font's name, or ``None`` when the machine has none (Chinese labels then show as
    boxes: install one, e.g. Debian's ``fonts-noto-cjk``). Changes matplotlib's settings, so it
    is called by the notebook or script that draws, never at import.
    """
    from matplotlib import font_manager, rcParams

    wanted = (*CJK_FONTS, *_MORE_CJK_FONTS)

    def installed():
        names = {f.name for f in font_manager.fontManager.ttflist}
        return next((n for n in wanted if n in names), None)

    found = installed()
    if found is None:
        for path in font_manager.findSystemFonts():
            if _CJK_FILES.search(Path(path).name):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # a font file matplotlib cannot read
                    continue
        found = installed()
    if found is not None:
        rcParams["font.family"] = "sans-serif"
        rcParams["font.sans-serif"] = [found, *[f for f in rcParams["font.sans-serif"] if f != found]]
        rcParams["axes.unicode_minus"] = False  # the minus sign most Chinese fonts lack
    return found


__all__ = ["use_cjk_font", "CJK_FONTS", "coverage_name", "source_name", "status_name", "stage_name", "yes_no", "topics_text", "topic_ids",
           "evidence_text", "related_text", "summary_value_name", "metric_name", "message_text", "note_text", "about_key_name",
           "about_value_text", "ask_lookup", "measure_asks_text", "display_columns", "UNCHECKED",
           "MEASURE_ASKS_SHOWN"]
