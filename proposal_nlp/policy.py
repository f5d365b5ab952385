"""Policy documents into clauses: numbered frameworks, 一、/（一）/1. outlines and law articles.

``parse_policy`` finds the measures a policy states, each as a ``Clause`` whose offsets
slice the input (``text[c.start:c.end] == c.text``). Three structures are recognised:

* **frameworks** — 锚定“一个目标”：…。涵盖“两大领域”：…。紧抓“三个坚持”：…；…；…
  (any count word 一…十/两/digits with 个/大/项/条/种/类/方面… and a noun, followed by a
  colon or 即). Items are split on ；, then 。, then 、/，, then 一是/二是, ①, (1), then
  与/和/及 — the first split that yields the announced count wins; if none does, the items of
  the closest split are kept and a ``StructureWarning`` names the group;
* **law articles** — 第X条 under 第X章 / 第X节 headings;
* **outlines** — 一、 / （一） / 1. / （1） / ① numbering, levels in order of appearance.

``load_clauses`` reads a clause table users keep (CSV / XLSX / JSONL).
"""
from __future__ import annotations

import json
import logging
import re
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import DataWarning, InputError, StructureWarning, check_text
from .normalize import (CLAUSE_ENDS, SENTENCE_ENDS, SPACES, char_class, normalize, replace_unencodable_in,
                        trim_span)
from .numbering import NUMERAL_CHARS, ORDINALS, STYLES, cn_number

logger = logging.getLogger(__name__)

__all__ = ["Clause", "parse_policy", "load_clauses", "clauses_frame", "check_clause_ids", "cn_number",
           "boilerplate_kind", "BOILERPLATE_KINDS", "is_penalty"]

STRUCTURES = ("auto", "framework", "articles", "outline", "paragraphs")

@dataclass(frozen=True)
class Clause:
    """One measure of a policy document.

    ``clause_id`` is stable and hierarchical (``五个突出.3``, ``三.（二）.1``, ``第十二条``);
    ``group`` is the framework group or top heading it belongs to; ``index`` its 1-based
    position in that group; ``text == source[start:end]``; ``parent_id`` the id of the
    enclosing group, heading or chapter (None at the top); ``level`` its depth (1 = top);
    ``kind`` one of ``framework_item``, ``heading``, ``item``, ``article``, ``paragraph``.
    """

    clause_id: str
    group: str
    index: int
    text: str
    start: int
    end: int
    parent_id: str | None = None
    doc_id: str | None = None
    level: int = 1
    kind: str = "item"

    def to_dict(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------------------- helpers
_HAN = r"\u4e00-\u9fff"
# a count: 两 counts (两大领域) though it does not number
_NUM = rf"[两{ORDINALS}]{{1,3}}|\d{{1,2}}"
_UNIT = r"个|大|项|条|种|类|方面|张|支|批|点|环|线|化|位|翼|轮|网|极|心"
# “三个坚持”： / 三个坚持： / “两大领域”即 — the count phrase of a framework group
_GROUP = re.compile(
    rf"(?P<q>[“\"‘]?)(?P<name>(?P<num>{_NUM})(?P<unit>{_UNIT})(?P<noun>[{_HAN}]{{1,6}}?))"
    rf"(?P<cq>[”\"’]?)\s*(?P<sep>[:：]|[,，]?即|是指)"
)
# what a framework item does not start or end with: spaces and the marks between items
_STRIP = SPACES + "。；;，,：:"


def _split_points(body: str, pattern: str) -> list[tuple[int, int]]:
    """Pieces of ``body`` (relative offsets) separated by ``pattern`` (the separator dropped)."""
    pieces, pos = [], 0
    depth = 0
    for m in re.finditer(pattern + r"|[“”\"《》（）()]", body):
        ch = m.group()
        if ch in "“《（(":
            depth += 1
            continue
        if ch in "”》）)":
            depth = max(0, depth - 1)
            continue
        if ch == '"':
            continue
        if depth:
            continue
        pieces.append((pos, m.start()))
        pos = m.end()
    pieces.append((pos, len(body)))
    out = []
    for s, e in pieces:
        s, e = trim_span(body, s, e, _STRIP)
        if e > s:
            out.append((s, e))
    return out


def _split_markers(body: str, pattern: str) -> list[tuple[int, int]]:
    """Pieces of ``body`` that each start at a marker (一是, ①, (1), 1.); text before the first
    marker is kept with the first piece."""
    starts = [m.start() for m in re.finditer(pattern, body)]
    if len(starts) < 2:
        return []
    starts[0] = 0
    bounds = starts + [len(body)]
    out = []
    for s, e in zip(bounds, bounds[1:]):
        s, e = trim_span(body, s, e, _STRIP)
        if e > s:
            out.append((s, e))
    return out


_SPLITTERS = (
    ("sep", r"[；;]"),
    ("sep", r"。"),
    ("mark", r"(?:^|(?<=[，,；;。:：\s]))" + STYLES["shi"].regex(None, prose=False)),
    ("mark", STYLES["circ"].regex(None, prose=False)),
    ("mark", STYLES["ar_paren"].regex(None, prose=False)),
    ("mark", r"(?:^|(?<=[；;。:：\s]))" + STYLES["ar_dot"].regex(None, prose=False)),
    ("sep", r"[、]"),
    ("sep", r"[，,]"),
    ("sep", r"(?<=[" + _HAN + r"]{2})(?:与|和|及|以及)(?=[" + _HAN + r"]{2})"),
)


def _split_items(body: str, count: int) -> tuple[list[tuple[int, int]], bool]:
    """Split a group body into ``count`` items; return (pieces, count_matched)."""
    whole = [trim_span(body, 0, len(body), _STRIP)]
    whole = [p for p in whole if p[1] > p[0]]
    if count <= 1:
        return whole, len(whole) == count
    candidates = []
    for kind, pattern in _SPLITTERS:
        pieces = _split_points(body, pattern) if kind == "sep" else _split_markers(body, pattern)
        if len(pieces) == count:
            return pieces, True
        if len(pieces) > 1:
            candidates.append(pieces)
    if not candidates:
        return whole, False
    # keep the most plausible split: the first (strongest separator) with at most `count`
    # pieces, else the one closest to the announced count
    for pieces in candidates:
        if len(pieces) < count:
            return pieces, False
    return min(candidates, key=lambda p: abs(len(p) - count)), False


# ---------------------------------------------------------------------------- frameworks
def _find_groups(norm: str) -> list[re.Match]:
    groups = []
    for m in _GROUP.finditer(norm):
        if (m.group("q") == "") != (m.group("cq") == ""):
            continue  # an opening quote without its closer (or the reverse): not a group name
        if cn_number(m.group("num")) in (None, 0):
            continue
        groups.append(m)
    return groups


def _parse_framework(text: str, norm: str, doc_id, groups: list[re.Match]) -> list[Clause]:
    clauses: list[Clause] = []
    seen: dict[str, int] = {}
    for gi, m in enumerate(groups):
        body_start = m.end()
        if gi + 1 < len(groups):
            nxt = groups[gi + 1]
            # the next group starts at the sentence it opens (drop its verb, e.g. 涵盖)
            cut = max(norm.rfind(ch, body_start, nxt.start()) for ch in SENTENCE_ENDS)
            body_end = cut + 1 if cut >= body_start else nxt.start()
        else:
            nl = norm.find("\n", body_start)
            body_end = nl if nl >= 0 else len(norm)
            if not norm[body_start:body_end].strip():
                # items on the following lines: up to a blank line or a top heading (一、)
                stop = re.compile(r"\n[ \t\u3000]*\n|\n[ \t\u3000#]*" + STYLES["cn_dun"].regex(None, prose=False))
                m2 = stop.search(norm, body_end)
                body_end = m2.start() if m2 else len(norm)
        body = norm[body_start:body_end]
        name = m.group("name")
        count = cn_number(m.group("num"))
        pieces, ok = _split_items(body, count)
        if not ok:
            warnings.warn(
                f"[PN401] framework group “{name}” announces {count} items but {len(pieces)} "
                f"were found at offset {m.start()}; all {len(pieces)} are kept — check the "
                "separators (；、一是…) or the announced count",
                StructureWarning, stacklevel=3)
        gid = name
        if gid in seen:  # the same group name twice in a document: keep ids unique
            seen[gid] += 1
            gid = f"{name}#{seen[name]}"
        else:
            seen[gid] = 1
        for i, (s, e) in enumerate(pieces, 1):
            a, b = body_start + s, body_start + e
            clauses.append(Clause(f"{gid}.{i}", name, i, text[a:b], a, b, gid, doc_id, 2,
                                  "framework_item"))
    return clauses


# ---------------------------------------------------------------------------- law articles
_ART = re.compile(rf"(?m)^[ \t#]*(第[{NUMERAL_CHARS}\d]+条(?:之[{ORDINALS}]+)?)[ \t\u3000]*")
_CHAP = re.compile(rf"(?m)^[ \t#]*(第[{NUMERAL_CHARS}\d]+(章|节|编|分编))[ \t\u3000]*([^\n]*)$")


def _parse_articles(text: str, norm: str, doc_id) -> list[Clause]:
    marks = []  # (pos, kind, match)
    for m in _CHAP.finditer(norm):
        marks.append((m.start(), "chap", m))
    for m in _ART.finditer(norm):
        marks.append((m.start(), "art", m))
    marks.sort(key=lambda t: t[0])
    clauses: list[Clause] = []
    chapter, section, group = None, None, ""
    counts: dict[str, int] = {}
    used: dict[str, int] = {}
    for k, (pos, kind, m) in enumerate(marks):
        nxt = marks[k + 1][0] if k + 1 < len(marks) else len(norm)
        if kind == "chap":
            label, level_word = m.group(1), m.group(2)
            title = re.sub(r"\s+", " ", f"{label} {m.group(3).strip()}").strip()
            if level_word in ("章", "编", "分编"):
                chapter, section, group = label, None, title
            else:
                section = label
                group = title if chapter is None else group
            continue
        a, b = trim_span(norm, m.end(), nxt)
        if b <= a:
            continue
        aid = m.group(1)
        if aid in used:  # repeated numbering (several laws in one text): keep ids unique
            used[aid] += 1
            aid = f"{aid}#{used[aid]}"
        else:
            used[aid] = 1
        parent = chapter if section is None else (f"{chapter}.{section}" if chapter else section)
        counts[group] = counts.get(group, 0) + 1
        level = 1 + (chapter is not None) + (section is not None)
        clauses.append(Clause(aid, group, counts[group], text[a:b], a, b, parent, doc_id, level, "article"))
    return clauses


# ---------------------------------------------------------------------------- outlines
def _outline_re(style: str, where: str) -> tuple:
    """(style, pattern) of an outline marker that stands ``where``; its whole marker is the
    group ``m``, its numeral ``v``."""
    return STYLES[style], re.compile(where + "(?P<m>" + STYLES[style].regex(prose=False) + ")")


_LINE_START = r"(?m)^[ \t\u3000#]*"
# outline numbering, by where each marker may stand; levels come in order of appearance
_OUTLINE = [
    _outline_re("cn_dun", _LINE_START),
    _outline_re("cn_paren", _LINE_START),
    _outline_re("ar_dot", _LINE_START),
    _outline_re("ar_paren", r"(?:^|(?<=[\n。；;:：]))[ \t\u3000]*"),
    _outline_re("circ", ""),
]
# a heading's title ends at a clause mark; 、 lists within it (一、加强A、B建设)
_TITLE_END = re.compile(char_class(CLAUSE_ENDS.replace("、", "")))


def _parse_outline(text: str, norm: str, doc_id) -> list[Clause]:
    marks = []
    for style, pat in _OUTLINE:
        for m in pat.finditer(norm):
            marks.append((m.start("m"), m.end(), style.name, m.group("v")))
    if not marks:
        return []
    marks.sort()
    # levels in order of first appearance; a style seen again after a deeper one closes it
    order: list[str] = []
    for _, _, style, _ in marks:
        if style not in order:
            order.append(style)
    rows: list[tuple] = []  # the fields of each clause but its kind, in Clause's order
    stack: list[tuple[int, str, str]] = []  # (level, id, group)
    ids: set[str] = set()
    dups: dict[str, int] = {}  # id -> the last n of its repeats id#n (they count up from 2)
    for k, (pos, mend, style, value) in enumerate(marks):
        level = order.index(style) + 1
        while stack and stack[-1][0] >= level:
            stack.pop()
        parent = stack[-1][1] if stack else None
        label = STYLES[style].label(value)
        cid = f"{parent}.{label}" if parent else label
        if cid in ids:  # repeated numbering: the next free id#n, found in constant time
            base, n = cid, dups.get(cid, 1) + 1
            while f"{base}#{n}" in ids:
                n += 1
            dups[base] = n
            cid = f"{base}#{n}"
        ids.add(cid)
        nxt = marks[k + 1][0] if k + 1 < len(marks) else len(norm)
        a, b = trim_span(norm, pos, nxt)
        if b <= a:
            continue
        if stack:
            group = stack[0][2]
        else:
            t = _TITLE_END.search(norm, mend, b)
            group = norm[mend:(t.start() if t else b)].strip() or label
        index = STYLES[style].read(value)
        rows.append((cid, group, index or 0, text[a:b], a, b, parent, doc_id, level))
        stack.append((level, cid, group))
    # a node with children is a heading (each clause is built once, with its kind)
    parents = {r[6] for r in rows}
    return [Clause(*r, "heading" if r[0] in parents else "item") for r in rows]


def _parse_paragraphs(text: str, norm: str, doc_id) -> list[Clause]:
    clauses, pos, i = [], 0, 0
    for line in text.split("\n"):
        a, b = trim_span(norm, pos, pos + len(line))
        if b > a:
            i += 1
            clauses.append(Clause(f"p{i}", "", i, text[a:b], a, b, None, doc_id, 1, "paragraph"))
        pos += len(line) + 1
    return clauses


# ---------------------------------------------------------------------------- public API
def parse_policy(text: str, *, doc_id: str | None = None, structure: str = "auto") -> list[Clause]:
    """Split a policy document into clauses with offsets into ``text``.

    Parameters
    ----------
    text : str
        The document (any normalisation; offsets index this very string).
    doc_id : str, optional
        Stored on every clause (e.g. the document title), for matching several documents.
    structure : "auto", "framework", "articles", "outline" or "paragraphs"
        ``auto`` takes law articles when the text has at least two 第X条 at line starts, else a
        numbered framework when one is announced (“三个坚持”：…), else the 一、/（一）/1.
        outline, else one clause per paragraph.

    Returns
    -------
    list of Clause, in document order, with unique ``clause_id``.

    Warns
    -----
    StructureWarning
        when a framework group announces another count than the items found (all items
        found are still returned).

    >>> [c.clause_id for c in parse_policy("紧抓“两个坚持”：坚持规划引领；坚持项目支撑。")]
    ['两个坚持.1', '两个坚持.2']
    """
    check_text(text)
    if structure not in STRUCTURES:
        raise InputError(f"unknown structure {structure!r}; choose one of {STRUCTURES}", code="PN402")
    if not text.strip():
        return []
    norm = normalize(text)
    if structure in ("auto", "articles"):
        n_art = len(_ART.findall(norm))
        if n_art >= 2 or (structure == "articles" and n_art):
            return _parse_articles(text, norm, doc_id)
        if structure == "articles":
            return []
    if structure in ("auto", "framework"):
        groups = _find_groups(norm)
        if groups:
            return _parse_framework(text, norm, doc_id, groups)
        if structure == "framework":
            return []
    if structure in ("auto", "outline"):
        clauses = _parse_outline(text, norm, doc_id)
        if clauses or structure == "outline":
            return clauses
    return _parse_paragraphs(text, norm, doc_id)


def clauses_frame(clauses):
    """A tidy DataFrame of clauses (one row each, the ``Clause`` fields as columns) with the
    ``boilerplate`` flag column (:func:`boilerplate_kind`, "" for a measure)."""
    import pandas as pd

    cols = list(Clause.__dataclass_fields__)
    df = pd.DataFrame([c.to_dict() for c in clauses], columns=cols)
    df["boilerplate"] = [boilerplate_kind(t) for t in df["text"]] if len(df) else pd.Series(dtype=object)
    return df


# ---------------------------------------------------------------------------- boilerplate
#: what a clause that is no measure is (``boilerplate_kind``): entry into force, who interprets
#: the text, a designated publicity or activity day, an article that only defines terms, the
#: purpose-and-basis article (为了……制定本条例)
BOILERPLATE_KINDS = ("entry_into_force", "interpretation", "publicity_day", "definition", "purpose")
_DOC = r"本(?:条例|法|办法|规定|细则|决定|实施办法|实施细则|规则|意见|准则|标准|方案)"
# sentences that are boilerplate on their own; a clause all of whose sentences are such is boilerplate
_SENTENCE_KINDS = (
    ("entry_into_force", re.compile(rf"^(?:{_DOC})?(?:自|于|从)[^。；]{{0,30}}(?:起|之日)?(?:施行|生效|实施)|施行日期|"
                                    r"^[^。；]{0,60}同时废止")),
    ("interpretation", re.compile(rf"^(?:{_DOC})?[^。；]{{0,30}}(?:负责|由)[^。；]{{0,30}}解释|解释权")),
    ("publicity_day", re.compile(r"^每年[^。；，]{0,16}(?:为|是|定为|确定为)[^。；]{0,24}(?:宣传日|活动日|宣传周|宣传月|"
                                 r"活动周|活动月|纪念日|主题日|安全日|消防日|减灾日|节)")),
)
_DEFINITION = re.compile(rf"^(?:{_DOC}|前款|前两款|本条)(?:中|所称|所指|下列用语|用语)[^。]{{0,80}}(?:是指|指|含义|包括)")
_PURPOSE = re.compile(rf"^为了?[^。]{{4,300}}制定{_DOC}。?$")
_OBLIGATION = re.compile(r"应当|必须|不得|禁止|严禁|负责组织|建立健全")
_SENTENCES = re.compile(r"[^。；;\n]+")
_HAN_CHARS = re.compile(r"[\u4e00-\u9fff]")


_PENALTY = re.compile(r"罚款|处[^。；]{0,24}以下的?罚|吊销|拘留|没收违法所得|追究刑事责任|依法给予处分|给予[^。]{0,6}处分|"
                      r"违反本(?:条例|法|办法|规定)[^。]{0,40}(?:由|责令|处)")


def is_penalty(text: str) -> bool:
    """Whether a clause sets a penalty (罚款, 吊销, 责令…处…): such an article answers an ask
    only when the ask asks for punishment."""
    return isinstance(text, str) and bool(_PENALTY.search(normalize(text)[:3000]))


def boilerplate_kind(text: str) -> str:
    """What kind of boilerplate a clause is, or "" when it may be a measure: its entry into
    force (本条例自2024年1月1日起施行), who interprets it (由市应急管理局负责解释), a
    publicity or activity day (每年11月9日为本市消防宣传日), an article that only defines
    terms (本条例所称消防设施，是指……), the purpose article (为了……，制定本条例). A kind is
    recognised only in a clause short enough to be nothing else (a long article that also
    names a day keeps its measures). Such clauses are never offered as measures by
    :class:`~proposal_nlp.match.ClauseMatcher` (``exclude_boilerplate``)."""
    if not isinstance(text, str):
        return ""
    t = normalize(text).strip()
    if not t or len(t) > 600:
        return ""
    t = re.sub(r"^第[零〇一二三四五六七八九十百千\d]+条[之一二三四五六七八九十]*\s*", "", t)
    if _PURPOSE.match(t):
        return "purpose"
    if _DEFINITION.match(t) and not _OBLIGATION.search(t):
        return "definition"
    kinds = []
    for m in _SENTENCES.finditer(t):
        sent = m.group().strip(" ，,")
        if len(_HAN_CHARS.findall(sent)) < 4:
            continue  # numbering, a stray heading word
        kind = next((k for k, pat in _SENTENCE_KINDS if pat.search(sent)), None)
        if kind is None:
            return ""
        kinds.append(kind)
    return kinds[0] if kinds else ""


_TABLE_COLS = ("clause_id", "text")


def load_clauses(path, *, sheet_name=0, encoding: str = "utf-8-sig") -> list[Clause]:
    """Read a clause table a user keeps: CSV, TSV, XLSX or JSONL with at least ``clause_id``
    and ``text`` columns (optional ``group``, ``index``, ``parent_id``, ``doc_id``).

    Raises InputError on a missing file or column, an empty table, empty texts or
    duplicate ids (each named, with how to fix it).
    """
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise InputError(f"clause table {path} does not exist; check the path", code="PN410")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm", ".xls"):
            df = pd.read_excel(path, sheet_name=sheet_name, dtype=str, keep_default_na=False)
        elif suffix in (".jsonl", ".ndjson"):
            rows = []
            with open(path, encoding=encoding) as f:
                for n, line in enumerate(f, 1):
                    if line.strip():
                        try:
                            rows.append(json.loads(line))
                        except json.JSONDecodeError as exc:
                            raise InputError(f"{path} line {n} is not valid JSON ({exc.msg}); "
                                             "fix or remove that line", code="PN411") from exc
            rows = encodable_rows(rows, what=str(path))
            df = pd.DataFrame(rows)
            df = df.astype({c: str for c in df.columns if c != "index"}) if len(df) else df
        else:
            sep = "\t" if suffix in (".tsv", ".tab") else ","
            df = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding=encoding)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not {encoding}; pass encoding='gb18030' if it came from "
                         "Excel on a Chinese Windows", code="PN412") from exc
    return clauses_from_frame(df, what=str(path))


def check_clause_ids(df, *, what: str = "clause table"):
    """The stripped ``clause_id`` column of a clause table, after checking that the table has
    ``clause_id`` and ``text`` columns, at least one row and no empty id (PN413–PN415)."""
    missing = [c for c in _TABLE_COLS if c not in df.columns]
    if missing:
        raise InputError(f"{what} lacks column(s) {missing}; it needs clause_id and text "
                         f"(found {list(df.columns)[:10]})", code="PN413")
    if len(df) == 0:
        raise InputError(f"{what} has no clauses; give at least one row with clause_id and text",
                         code="PN414")
    raw = df["clause_id"]
    ids = raw.astype(str).str.strip()
    bad = raw.isna() | (ids == "")
    if bad.any():
        raise InputError(f"{what} has empty clause_id in rows {list(df.index[bad][:5])}; give every "
                         "clause an id", code="PN415")
    return ids


def clauses_from_frame(df, *, what: str = "clause table") -> list[Clause]:
    """Clauses from a DataFrame with ``clause_id`` and ``text`` (see ``load_clauses``)."""
    ids = check_clause_ids(df, what=what)
    dup = ids[ids.duplicated(keep=False)]
    if len(dup):
        shown = ", ".join(sorted(set(dup))[:5])
        raise InputError(f"{what} has duplicate clause_id: {shown}; make ids unique "
                         "(e.g. prefix the document)", code="PN416")
    out = []
    for i, (cid, row) in enumerate(zip(ids, df.to_dict("records"))):
        t = row.get("text")
        if t is None or (isinstance(t, float) and t != t):
            t = ""
        t = str(t)
        idx = row.get("index")
        try:
            idx = int(idx) if idx not in (None, "") else i + 1
        except (TypeError, ValueError):
            idx = i + 1
        parent = row.get("parent_id") or None
        doc = row.get("doc_id") or None
        out.append(Clause(cid, str(row.get("group") or ""), idx, t, 0, len(t),
                          None if parent in (None, "nan") else str(parent),
                          None if doc in (None, "nan") else str(doc), 1, str(row.get("kind") or "item")))
    return out


# ---------------------------------------------------------------------------- helpers
def clause_inputs(clauses):
    """(ids, texts, meta DataFrame) from clauses in any accepted form, validated."""
    import pandas as pd

    if isinstance(clauses, pd.DataFrame):
        return _frame_inputs(encodable_frame(clauses, what="the clause table"))
    elif isinstance(clauses, (str, bytes)):
        raise InputError("fit expects clauses (parse_policy's list or a DataFrame), not a str; "
                         "call parse_policy(text) first", code="PN431")
    clauses = list(clauses)
    if not clauses:
        raise InputError("no clauses to match against; give parse_policy's output or a table "
                         "with clause_id and text", code="PN414")
    rows = []
    for i, c in enumerate(clauses):
        if isinstance(c, dict):
            get = c.get
        elif isinstance(c, Clause) or hasattr(c, "clause_id"):
            get = lambda k, _c=c: getattr(_c, k, None)  # noqa: E731
        else:
            raise InputError(f"clause {i} is a {type(c).__name__}; give Clause objects, dicts or a "
                             "DataFrame with clause_id and text", code="PN432")
        cid, text = get("clause_id"), get("text")
        if cid is None or str(cid).strip() == "":
            raise InputError(f"clause {i} has no clause_id; give every clause an id", code="PN415")
        if text is None:
            text = ""
        check_text(text, what=f"text of clause {cid!r}")
        rows.append({"clause_id": str(cid), "doc_id": get("doc_id"), "group": get("group") or "",
                     "text": text})
    meta = pd.DataFrame(encodable_rows(rows, what="the clauses"))
    ids = meta["clause_id"]
    if ids.duplicated().any():
        docs = meta["doc_id"].fillna("")
        key = docs + "/" + ids
        if (docs != "").all() and not key.duplicated().any():
            meta["clause_id"] = key  # several documents: make ids unique with their doc_id
        else:
            dup = sorted(set(ids[ids.duplicated(keep=False)]))
            raise InputError(f"duplicate clause_id {', '.join(dup[:5])}; ids must be unique "
                             "(give each document a doc_id, or rename the clauses)", code="PN416")
    return meta["clause_id"].tolist(), meta["text"].tolist(), meta


def _warn_replaced(n: int, what: str) -> None:
    if n:
        warnings.warn(f"[PN010] {what}: {n} character(s) that UTF-8 cannot encode (lone surrogates) replaced "
                      "by U+FFFD, one for one", DataWarning, stacklevel=4)


def encodable_rows(rows: list[dict], *, what: str) -> list[dict]:
    """Rows (dicts) with the characters UTF-8 cannot encode replaced by U+FFFD in every str
    value (a pandas string column cannot hold them); a PN010 ``DataWarning`` names ``what``
    and the count when there were any."""
    out, total = [], 0
    for row in rows:
        values, n = replace_unencodable_in(row.values())
        out.append(dict(zip(row, values)) if n else row)
        total += n
    _warn_replaced(total, what)
    return out


def encodable_frame(df, *, what: str):
    """``df`` (a copy when changed) with the characters UTF-8 cannot encode replaced by U+FFFD
    in its object columns, as :func:`encodable_rows` does for rows."""
    fixed, total = {}, 0
    for col in df.columns:
        if df[col].dtype == object:
            values, n = replace_unencodable_in(df[col].tolist())
            if n:
                fixed[col], total = values, total + n
    if not total:
        return df
    df = df.copy()
    for col, values in fixed.items():
        df[col] = values
    _warn_replaced(total, what)
    return df


def _frame_inputs(df):
    """(ids, texts, meta) from a clause DataFrame, validated column-wise (fast for big tables)."""
    import pandas as pd

    what = "clause DataFrame"
    ids = check_clause_ids(df, what=what)
    texts = df["text"].where(df["text"].notna(), "")
    nonstr = ~texts.map(lambda x: isinstance(x, str))
    if nonstr.any():
        texts = texts.astype(str)
    meta = pd.DataFrame({"clause_id": ids.to_numpy(),
                         "doc_id": df["doc_id"].to_numpy() if "doc_id" in df.columns else None,
                         "group": df["group"].to_numpy() if "group" in df.columns else ""})
    if ids.duplicated().any():
        if "doc_id" in df.columns and df["doc_id"].notna().all():
            key = df["doc_id"].astype(str).to_numpy() + "/" + ids.to_numpy()
            if not pd.Series(key).duplicated().any():
                meta["clause_id"] = key
                return list(key), texts.tolist(), meta
        dup = sorted(set(ids[ids.duplicated(keep=False)]))
        raise InputError(f"{what} has duplicate clause_id: {', '.join(dup[:5])}; make ids unique "
                         "(give each document a doc_id, or rename the clauses)", code="PN416")
    return ids.tolist(), texts.tolist(), meta
