"""Column roles of an intake table: which column holds the text, title, id, kind, handling and
handling result, checked against the values where a header alone can mislead; and the header row
of a sheet whose column names are not in row 1.

A header names a role (:data:`ROLE_HEADERS`), but the kind and handling roles are taken from a
column only when its values look like kinds (建议 / 提案 / 议案) or handlings (主办 / 会办): a 类别
column holding subject categories (农林水利, 医卫体育) stays an ordinary column, and a note says
why. Every role can be named (``kind_col="类型"``) or switched off (``kind_col="none"``).
"""
from __future__ import annotations

import difflib
import logging
import re

import pandas as pd

from .errors import InputError
from .normalize import HANDLING_SPELLINGS, KIND_SPELLINGS, normalize_handling, normalize_kind

log = logging.getLogger(__name__)

#: the roles, and the headers that announce them (compared after lower-casing and removing spaces,
#: underscores and brackets); first match in this order wins
ROLE_HEADERS: dict[str, tuple[str, ...]] = {
    "text": ("内容", "正文", "提案内容", "建议内容", "留言详情", "详情", "留言内容", "来信内容",
             "诉求内容", "具体内容", "text", "body", "content", "contents", "message", "details"),
    "title": ("标题", "题目", "案由", "提案标题", "建议标题", "留言主题", "主题", "事由",
              "title", "subject", "topic", "headline"),
    "id": ("编号", "提案号", "建议号", "案号", "留言编号", "序号", "工单号", "件号", "提案编号",
           "建议编号", "id", "no", "number", "case_id", "message_id", "proposal_id"),
    "kind": ("类型", "类别", "建议提案类型", "来源", "kind", "type", "category"),
    "handling": ("办理方式", "主办会办", "承办方式", "承办类型", "handling", "role"),
    "result": ("办理结果", "答复类型", "答复类别", "办理结果类别", "办理类别", "答复结果", "result", "outcome"),
    "satisfaction": ("满意度", "满意程度", "代表满意度", "委员满意度", "代表委员满意度", "满意度测评", "测评结果",
                     "反馈意见", "征询意见", "satisfaction"),
    "proposer": ("提案人", "领衔人", "代表", "委员", "提出人", "建议人", "留言用户",
                 "proposer", "proposers", "author"),
    "session": ("届次", "会议", "届别", "session"),
}
#: headers of office intake sheets that name no role but show that a row is the header row
HEADER_WORDS = ("承办单位", "主办单位", "会办单位", "协办单位", "办理单位", "承办部门", "提出时间", "提交时间",
                "留言时间", "日期", "时间", "备注", "联系方式", "联系电话", "代表团", "界别", "所属界别",
                "附议人", "答复时间", "办理状态", "状态", "地区", "年份", "date", "time", "remark", "notes")
#: the value that switches a role off (``--kind-col none``, ``kind_col="none"``; ``False`` too)
OFF = "none"
#: share of a column's non-empty values that must look like kinds (or handlings) for the column to
#: be taken as the kind (or handling) column
ROLE_SHARE = 0.8
#: rows looked at for the header row, when row 1 is a title
HEADER_SCAN_ROWS = 10

KINDS = frozenset(KIND_SPELLINGS.values())
HANDLINGS = frozenset(HANDLING_SPELLINGS.values())
#: the four standard classes of a handling result (答复类型), as in handling reports
RESULT_CLASSES = ("解决采纳", "正在解决或列入计划", "因条件限制暂不能解决", "留作参考")
#: spellings of the result classes; letters are the A-D classes of the reply forms
RESULT_SPELLINGS = {
    "a": "解决采纳", "解决采纳": "解决采纳", "已解决": "解决采纳", "已采纳": "解决采纳", "解决": "解决采纳",
    "采纳": "解决采纳", "已经解决": "解决采纳", "已经采纳": "解决采纳", "已解决或采纳": "解决采纳",
    "b": "正在解决或列入计划", "正在解决": "正在解决或列入计划", "列入计划": "正在解决或列入计划",
    "列入计划解决": "正在解决或列入计划", "正在解决或列入计划": "正在解决或列入计划",
    "正在解决或列入计划解决": "正在解决或列入计划", "计划解决": "正在解决或列入计划",
    "c": "因条件限制暂不能解决", "因条件限制暂不能解决": "因条件限制暂不能解决", "条件限制": "因条件限制暂不能解决",
    "暂不能解决": "因条件限制暂不能解决", "暂时不能解决": "因条件限制暂不能解决", "以后解决": "因条件限制暂不能解决",
    "d": "留作参考", "留作参考": "留作参考", "参考": "留作参考", "作为参考": "留作参考",
}
# contained words, checked in this order (暂不能解决 and 正在解决 contain 解决)
_RESULT_WORDS = (("参考", "留作参考"), ("条件限制", "因条件限制暂不能解决"), ("暂不能", "因条件限制暂不能解决"),
                 ("暂时不能", "因条件限制暂不能解决"), ("以后解决", "因条件限制暂不能解决"),
                 ("正在解决", "正在解决或列入计划"), ("列入计划", "正在解决或列入计划"),
                 ("解决", "解决采纳"), ("采纳", "解决采纳"))
#: the levels of a deputy's or member's satisfaction with the handling, as in handling reports
SATISFACTION_LEVELS = ("满意", "基本满意", "不满意")
_SATISFACTION_WORDS = (("不满意", "不满意"), ("基本满意", "基本满意"), ("比较满意", "基本满意"), ("满意", "满意"))
_RESULT_LETTER = re.compile(r"^([A-Da-d])\s*类?(?![A-Za-z])")
_NUMBER = re.compile(r"^[+-]?\d+(?:[.,:/\-]\d+)*%?$")


def _key(header) -> str:
    return re.sub(r"[\s_\-()（）\[\]【】:：]", "", str(header)).lower()


def normalize_result(value) -> str:
    """One of :data:`RESULT_CLASSES` from common spellings of a handling result (解决采纳, 正在解决,
    列入计划, 留作参考, 因条件限制暂不能解决, A类 ... D类); other values are kept stripped."""
    v = str(value or "").strip()
    key = _key(v).removesuffix("类")
    if key in RESULT_SPELLINGS:
        return RESULT_SPELLINGS[key]
    m = _RESULT_LETTER.match(v)
    if m:
        return RESULT_SPELLINGS[m.group(1).lower()]
    for word, cls in _RESULT_WORDS:
        if word in v:
            return cls
    return v


def normalize_satisfaction(value) -> str:
    """One of :data:`SATISFACTION_LEVELS` from common spellings (满意, 基本满意, 比较满意, 不满意,
    非常满意); other values (blank, 未反馈) are kept stripped."""
    v = str(value or "").strip()
    for word, level in _SATISFACTION_WORDS:
        if word in v:
            return level
    return v


def is_off(name) -> bool:
    """Whether a column option switches its role off (``"none"`` or ``False``)."""
    return name is False or (isinstance(name, str) and name.strip().lower() == OFF)


# ---------------------------------------------------------------- roles


def detect_columns(columns, *, text_col=None, id_col=None, title_col=None, kind_col=None, handling_col=None,
                   result_col=None, satisfaction_col=None, sample: pd.DataFrame | None = None) -> dict[str, str | None]:
    """Map roles (``text``, ``title``, ``id``, ``kind``, ``handling``, ``result``, ``satisfaction``,
    ``proposer``, ``session``) to column names of a table, from its headers alone.

    Named columns win and must exist (PN110); ``"none"`` (or ``False``) switches a role off (not
    the text role: PN136). Other roles are detected from common Chinese and English headers. A
    table without a text column raises PN111 listing the columns found and, when one is close,
    suggesting it (never a column whose values in ``sample`` are mostly numbers).
    :func:`detect_roles` also checks the values.
    """
    columns = [str(c) for c in columns]
    explicit = {"text": text_col, "id": id_col, "title": title_col, "kind": kind_col, "handling": handling_col,
                "result": result_col, "satisfaction": satisfaction_col}
    roles: dict[str, str | None] = {}
    for role, name in explicit.items():
        if name is None:
            continue
        if is_off(name):
            if role == "text":
                raise InputError("the text column cannot be switched off; name it with --text-col (text_col=...)",
                                 code="PN136")
            roles[role] = None
            continue
        if str(name) not in columns:
            likely = columns
            if role == "text" and sample is not None and len(sample):
                likely = [c for c in columns if c in sample.columns and numeric_share(sample[c].tolist()) < 0.5]
            raise InputError(
                f"column {name!r} (given as the {role} column) is not in the table; "
                f"columns found: {', '.join(map(repr, columns)) or 'none'}" + _suggest(str(name), likely)
                + f"; or pass --{role}-col none ({role}_col='none') to leave the role out",
                code="PN110",
            )
        taken = [r for r, c in roles.items() if c == str(name)]
        if taken:
            raise InputError(f"column {name!r} is given as both the {taken[0]} and the {role} column; "
                             "give each role its own column", code="PN136")
        roles[role] = str(name)
    used = {c for c in roles.values() if c}
    for role in ROLE_HEADERS:
        if role not in roles:
            roles[role] = next(iter(candidates(columns, role, used)), None)
            if roles[role]:
                used.add(roles[role])
    if roles["text"] is None:
        raise InputError(_no_text_message(columns, sample), code="PN111")
    return {role: roles[role] for role in ROLE_HEADERS}


def candidates(columns, role: str, used=()) -> list[str]:
    """The columns whose header announces ``role``, in the order of :data:`ROLE_HEADERS`."""
    keyed: dict[str, str] = {}
    for c in columns:
        keyed.setdefault(_key(c), str(c))
    out = []
    for h in ROLE_HEADERS[role]:
        c = keyed.get(_key(h))
        if c is not None and c not in used and c not in out:
            out.append(c)
    return out


def detect_roles(table: pd.DataFrame, **names) -> tuple[dict[str, str | None], list[str]]:
    """``(roles, notes)``: :func:`detect_columns`, with the values of ``table`` (the whole table
    or its first rows) checked where a header alone can mislead.

    A column is taken as the kind column only when at least :data:`ROLE_SHARE` of its non-empty
    values look like kinds (建议 / 提案 / 议案 and their spellings), and as the handling column
    only when they look like 主办 / 会办; otherwise the next column with such a header is tried,
    and the column stays an ordinary column. ``notes`` says why, for the log and the result's
    ``meta``. A column named explicitly is always taken (a note says if its values look odd).
    """
    roles = detect_columns(table.columns, sample=table, **names)
    notes: list[str] = []
    checks = {"kind": (KINDS, normalize_kind, "kinds (建议 / 提案 / 议案)"),
              "handling": (HANDLINGS, normalize_handling, "handlings (主办 / 会办)"),
              "satisfaction": (frozenset(SATISFACTION_LEVELS), normalize_satisfaction,
                               "satisfaction levels (满意 / 基本满意 / 不满意)")}
    for role, (known, norm, what) in checks.items():
        given = names.get(f"{role}_col")
        if given is not None:
            if roles[role] and len(table):
                share, examples = _share(table[roles[role]], known, norm)
                if share < ROLE_SHARE:
                    notes.append(f"column {roles[role]!r} is used as the {role} column as asked, though only "
                                 f"{share:.0%} of its values are {what} (e.g. {examples})")
            continue
        used = {c for r, c in roles.items() if c and r != role}
        chosen = None
        for col in candidates(table.columns, role, used):
            share, examples = _share(table[col], known, norm)
            if share >= ROLE_SHARE:
                chosen = col
                break
            notes.append(f"column {col!r} is not taken as the {role} column: {share:.0%} of its values are {what}, "
                         f"e.g. {examples}; it stays an ordinary column. If the table has a {role} column, name it "
                         f"with --{role}-col NAME ({role}_col=...)")
        roles[role] = chosen
    for note in notes:
        log.info("%s", note)
    return roles, notes


def _share(values: pd.Series, known, norm) -> tuple[float, str]:
    """Share of the non-empty values that ``norm`` maps into ``known`` (1.0 for an empty column:
    nothing in it says it is not that column), and a few of the other values."""
    vals = [str(v).strip() for v in values.tolist() if isinstance(v, str) and v.strip()]
    if not vals:
        return 1.0, ""
    share = sum(norm(v) in known for v in vals) / len(vals)
    shown = list(dict.fromkeys(v for v in vals if norm(v) not in known))[:3]
    examples = ", ".join(repr(v) for v in shown) or ", ".join(repr(v) for v in vals[:3])
    return share, examples


def numeric_share(values) -> float:
    """Share of the non-empty cells that are numbers (ids, counts, dates written as digits)."""
    vals = [str(v).strip() for v in values if str(v).strip()]
    return sum(bool(_NUMBER.match(v)) for v in vals) / len(vals) if vals else 0.0


def _no_text_message(columns, sample) -> str:
    shown = ", ".join(map(repr, columns)) or "none"
    msg = (f"no text column found (expected a header such as 内容, 正文, 留言详情, text or body); "
           f"columns found: {shown}; ")
    guess = text_guess(columns, sample)
    msg += (f"did you mean {guess!r}? pass --text-col {guess!r} (text_col={guess!r})" if guess
            else "name the column with --text-col (text_col=...)")
    if columns and sum(c.startswith("Unnamed: ") for c in columns) * 2 >= len(columns):
        msg += ("; most columns have no name: if the column names are not in the first row (a title row "
                "above them), give their row with --header-row N (header_row=N)")
    return msg


def text_guess(columns, sample: pd.DataFrame | None = None) -> str | None:
    """The column most likely meant as the text: the header closest to a text header, else (with
    ``sample``) the column of the longest texts; never a column of mostly numbers."""
    columns = [str(c) for c in columns]
    if sample is not None and len(sample):
        columns = [c for c in columns if c in sample.columns and numeric_share(sample[c].tolist()) < 0.5]
    best, best_score = None, 0.0
    for c in columns:
        c_key = _key(c)
        for cand in ROLE_HEADERS["text"]:
            k = _key(cand)
            score = difflib.SequenceMatcher(None, c_key, k).ratio()
            if len(c_key) >= 2 and (k in c_key or c_key in k):
                score = max(score, 0.6)
            if score > best_score:
                best, best_score = c, score
    if best is not None and best_score >= 0.34:
        return best
    if sample is None or not len(sample) or not columns:
        return None
    lengths = {c: sample[c].map(lambda v: len(str(v))).mean() for c in columns if not c.startswith("Unnamed: ")}
    longest = max(lengths, key=lengths.get, default=None)
    return longest if longest is not None and lengths[longest] >= 15 else None


def _suggest(name: str, columns) -> str:
    match = difflib.get_close_matches(name, columns, n=1, cutoff=0.3)
    return f"; did you mean {match[0]!r}?" if match else ""


# ---------------------------------------------------------------- header row


def find_header_row(rows, *, names=()) -> int:
    """The 0-based position, among the first rows of a sheet, of its header row.

    Row 1 is the header when one of its cells is a known header (:data:`ROLE_HEADERS`,
    :data:`HEADER_WORDS` or ``names``, the columns the user named). Otherwise (a title row, a
    填报单位 row above the header) the row of the first :data:`HEADER_SCAN_ROWS` with the most
    known headers is, if it holds a text header, a named column or two known headers; failing
    that, row 1.
    """
    text = {_key(h) for h in ROLE_HEADERS["text"]}
    known = {_key(h) for hs in ROLE_HEADERS.values() for h in hs} | {_key(h) for h in HEADER_WORDS}
    named = {_key(n) for n in names if isinstance(n, str) and not is_off(n)}
    known |= named

    def score(row):
        keys = [_key(c) for c in row if str(c).strip()]
        return sum(k in known for k in keys), any(k in text or k in named for k in keys)

    rows = list(rows)[:HEADER_SCAN_ROWS]
    if not rows or score(rows[0])[0]:
        return 0
    best, best_score = 0, 0
    for i, row in enumerate(rows[1:], 1):
        n, has_text = score(row)
        if (n >= 2 or has_text) and n > best_score:
            best, best_score = i, n
    return best


__all__ = ["ROLE_HEADERS", "HEADER_WORDS", "RESULT_CLASSES", "SATISFACTION_LEVELS", "ROLE_SHARE", "detect_columns",
           "detect_roles", "find_header_row", "normalize_result", "normalize_satisfaction", "numeric_share", "text_guess",
           "is_off", "candidates"]
