"""The figures a handling summary (办理情况总结) states, in any bureau's wording.

A summary states counts (``人大代表建议29件（主办11件，会办18件）``) and rates (``满意率98%``).
:func:`read_figures` reads every one of them with its offsets and what it counts: the ``kind``
(人大代表建议 / 政协提案 / 议案, or ``total``), a ``subset`` named by a topic (消防, 安全生产 …),
the ``handling`` (主办 / 会办; 协办, 分办, 参办, 配合办理 and 作为配合单位 are 会办) and a
``result`` (the four handling results, or the satisfaction levels).

What a number counts is read from the words before it (``涉及消防的建议提案共17件``), a label
before a colon (``市政协提案：37件``), the words after it (``42件建议提案``), and what is not
said there from the figure it belongs to: the number before a bracket (``29件（主办11件…``),
the whole ``其中`` refers to, the context of a list (``对主办件答复满意51件、基本满意2件``: both
of the 主办件), the set a reference names (``主办的38件建议中，…``) or the frame a clause opens
(``人大代表建议中，…``, ``主办件答复后，…``); a bare total after two parallel lists is the whole of
both (``主办建议10件、提案7件，协办建议14件、提案9件，合计40件``). A table (tab-separated, a header row of 主办 / 会办 / 合计 …) is read
cell by cell. A list of levels or results whose numbers add up to a whole stated just before
(17 of the 24 are 主办件: ``17件主办件…满意的14件、基本满意的2件、不满意的1件``) is read as
that whole's.

Numbers are Arabic, full-width or Chinese (四十二件, 百分之九十八点五). Years, dates, proposal
numbers and session names carry no unit of items and are never read; ranges (十余件, 近百件),
other years' counts and changes (较上年增加5件), rates of other things (办结率, 覆盖率) and
numbers whose subject cannot be read are left out with a note: a figure is never guessed.
The checks of the figures are :func:`proposal_nlp.report_checks.check_figures`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from .errors import check_text
from .normalize import normalize
from .numbering import NUMERAL_CHARS, cn_number
from .roles import RESULT_CLASSES, SATISFACTION_LEVELS

__all__ = ["read_figures", "FIGURE_COLUMNS", "NOTE_COLUMNS", "KINDS", "HANDLINGS", "OUTCOMES", "SATISFACTION",
           "SATISFIED_OR_BASIC", "ALL", "TOTAL", "SLOTS"]

ALL = "all"        # a slot the figure does not restrict (subset, handling, result)
TOTAL = "total"    # the kind of a figure over all kinds
KINDS = ("人大代表建议", "政协提案", "议案")
HANDLINGS = ("主办", "会办")
OUTCOMES = RESULT_CLASSES  # 解决采纳, 正在解决或列入计划, 因条件限制暂不能解决, 留作参考
SATISFACTION = SATISFACTION_LEVELS  # 满意, 基本满意, 不满意
SATISFIED_OR_BASIC = "满意或基本满意"
SLOTS = ("kind", "subset", "handling", "result")
FIGURE_COLUMNS = ["kind", "subset", "handling", "result", "measure", "count", "percent", "start", "end", "evidence"]
NOTE_COLUMNS = ["note", "start", "end", "text"]

# ------------------------------------------------------------------ the words of a figure
_NUM = rf"(?:\d+|[{NUMERAL_CHARS}]+)"
_COUNT_RE = re.compile(rf"(?P<num>\d+|[{NUMERAL_CHARS}]+)\s*(?P<unit>件次|件|项)")
_PERCENT_RE = re.compile(rf"(?P<num>\d+(?:\.\d+)?)\s*%|百分之(?P<cn>[{NUMERAL_CHARS}点]+|\d+(?:\.\d+)?)")
_RANGE_RE = re.compile(
    rf"(?:(?:近|约|逾|超过|将近|大约|不足|不到|数|几|若干|上(?=[百千万]))\s*{_NUM}\s*(?:余|多)?"
    rf"|{_NUM}\s*(?:余|多|来|几)|\d+\s*[-~至到]\s*\d+|[{NUMERAL_CHARS}]+\s*[至到]\s*[{NUMERAL_CHARS}]+)\s*(?:件|项)")
# a count of another year, a change or a plan: left out (with a note)
_OTHER_TIME_RE = re.compile(r"去年|上年|上一年|前年|上届|同期|往年|明年|下一年|预计|增加|减少|增长|下降|多出|少了|新增|同比")
_LEVEL = r"(?:全国|省|市|区|县|州|盟|旗|镇|乡|街道)?"
_KIND_RE = re.compile(
    rf"(?P<motion>{_LEVEL}(?:人大代表|人大|代表)?(?:提出)?的?议案)"
    rf"|(?P<npc>{_LEVEL}(?:人大代表|人大|代表)(?:提出)?的?建议|(?<!意见)(?<!意见和)建议)"
    rf"|(?P<cppcc>{_LEVEL}(?:政协委员|政协|委员|党派团体|民主党派|集体|界别)(?:提出)?的?提案|提案)")
_KIND_OF_GROUP = {"motion": "议案", "npc": "人大代表建议", "cppcc": "政协提案"}
_CONNECTOR = re.compile(r"和|及|与|暨|以及|、|/")
_HANDLING_RE = re.compile(r"(?P<lead>主办|牵头办理|独办|单办|单独办理|独立办理)"
                          r"|(?P<co>会办|协办|分办|参办|配合办理|协助办理|联办|会同办理|配合单位|作为配合|参与办理)")
_OUTCOME_RE = re.compile(
    r"(?P<c>因?(?:客观)?(?:[\u4e00-\u9fff、]{0,6}等)?条件(?:所)?限制,?(?:或其他原因)?(?:暂时?|目前)?(?:不能|无法|难以)?解决"
    r"|暂时?(?:不能|无法|难以)解决|(?<![A-Za-z])[Cc]类"
    r"|暂(?:时|不)?不具备(?:实施|解决)?条件|目前(?:还)?不具备(?:实施|解决)?条件)"
    r"|(?P<b>正在解决(?:或|和|、)?(?:已)?列入(?:计划|规划)(?:解决)?|正在(?:逐步|积极|加快|抓紧|稳步)?(?:解决|推进|实施|落实)"
    r"|(?:已)?(?:列入|纳入)[\u4e00-\u9fff]{0,6}?(?:计划|规划)(?:逐步)?(?:解决|推进)?|计划(?:逐步)?解决|逐步解决"
    r"|(?<![A-Za-z])[Bb]类)"
    r"|(?P<d>留作参考|作为(?:工作)?参考|供参考|(?<![A-Za-z])[Dd]类)"
    r"|(?P<a>(?:已经?)?解决(?:或|和|、)?采纳|(?<![未予不没分])(?:已|基本)?采纳|已经?解决|得到解决|基本解决|已经?落实"
    r"|(?<![A-Za-z])[Aa]类)")
_OUTCOME_OF_GROUP = {"a": "解决采纳", "b": "正在解决或列入计划", "c": "因条件限制暂不能解决", "d": "留作参考"}
_SATISFACTION_RE = re.compile(
    r"(?P<both>满意(?:或|和|及|与|、)基本满意|满意率?\(含基本满意\))"
    r"|(?P<basic>基本满意|比较满意)|(?P<not>不满意)|(?P<yes>满意)")
_SATISFACTION_OF_GROUP = {"both": SATISFIED_OR_BASIC, "basic": "基本满意", "not": "不满意", "yes": "满意"}
_SUBSET_RE = re.compile(
    r"(?:涉及|有关|属于|聚焦|针对)(?P<a>[\u4e00-\u9fff]{2,16}?)(?:方面|领域|类|事项|工作|问题)?(?:的|相关|内容|$)"
    r"|(?P<b>[\u4e00-\u9fff]{2,16}?)(?:事项|类|方面|领域)"
    r"|(?P<c>重点(?:督办)?)(?=(?:人大代表|代表|政协)?(?:建议|提案|议案))"
    r"|(?:与|同|和)(?P<e>[\u4e00-\u9fff]{2,16}?)(?:有关|相关)的?"
    r"|(?:含|包括|其中)(?P<d>[\u4e00-\u9fff]{2,8}?)的?(?=(?:人大代表|代表|政协委员|委员|政协)?(?:建议|提案|议案))")
_BARE_TOPIC = re.compile(r"\s*其中\s*(?P<x>[\u4e00-\u9fff]{2,6}?)(?:的|有|为|共)?\s*$")
_LISTED_TOPIC = re.compile(r"\s*(?:其次是|再次是|然后是|最后是|还有|以及|其次|和|及)?\s*(?P<x>[\u4e00-\u9fff]{2,12}?)"
                           r"(?:方面|领域|类|事项)?的?(?:最多|较多|居多)?\s*(?:有|为|共|共有)?\s*$")
_TOPIC_BEFORE_BRACKET = re.compile(r"(?:集中在|集中于|主要涉及|主要是|包括|涉及|聚焦|围绕|在|为|、|和|及|与)")
_NOT_TOPIC = re.compile(r"办|结|复|解决|采纳|满意|完成|落实|公开|答|参考|计划|条件|类|重点|以上|其他|其余|合计|总计|"
                        r"共计|小计|总数|全部|所有|今年|全年|本年|我局|我委|单位|部门|承接|交由")
_SUBSET_STOP = re.compile(r"办理|答复|结果|情况|满意|总体|整体|全部|所有|各项|各类|相关|上述|以上|这些|其余|其他")
_SUBSET_LEAD = re.compile(r"^(?:其中|包括|另有|此外|还有|以及|共有|内容|共|有|在|的|是|为|和|及|与|对|了)+")
_RATE_WORD = re.compile(r"率|度|比例|占比")
_OTHER_RATE = re.compile(r"办复率|办结率|答复率|见面率|沟通率|面商率|公开率|回复率|完成率|办理率|签收率|落实率|覆盖率")
_SHARE = re.compile(r"占")
_ANAPHORA = re.compile(r"\s*(?:其中|这些|上述|以上|前述|在这些|在上述|此外)")
# a count with no subject but 共 / 合计: the total (今年共承办57件, 以上共计60件, 合计：61件)
_BARE_TOTAL = re.compile(r"\s*(?:我局|我委|我办|本局|本单位|今年|全年|本年度|年内|以上|上述|两类|各类)*\s*"
                         r"(?:(?:共计|合计|总计|累计|一共|共)(?:承办|办理|受理|收到|承接|交办)?了?(?:各类)?(?:为|有|达)?"
                         r"|[在对]?(?:全部|所有|上述|以上)(?:的)?)\s*$")
_LINK = re.compile(r"\s*(?:达到|高达|已达|达|为|是|有|共|计|约)?\s*")  # words between a label and its number
_EACH = re.compile(r"各(?:有|为|是)?\s*$")
_APIECE = re.compile(r"分别(?:为|是|有|占)?")
_RESTRICTED = re.compile(r"且|需要|需|其中")  # a reference narrower than the words say (主办且需要书面答复的10件)
_BOUND = set(",;:。!?()\n\t【】")     # ends a figure's words (normalised text; 、 lists end at the number before)
_CLAUSE_BOUND = set(",;:。!?()\n\t【】")  # ends a clause
_SENTENCE_END = set("。!?\n")
_MAX_WORDS = 160  # the words of a figure are looked for this far back at most


def _value_of_percent(m: re.Match) -> float | None:
    if m.group("num") is not None:
        return float(m.group("num"))
    s = m.group("cn")
    if re.fullmatch(r"\d+(?:\.\d+)?", s):
        return float(s)
    whole, _, frac = s.partition("点")
    w = 100 if whole == "百" else cn_number(whole)
    if w is None:
        return None
    if frac:
        digits = [cn_number(c) for c in frac]
        if None in digits or any(d > 9 for d in digits):
            return None
        return float(f"{w}.{''.join(map(str, digits))}")
    return float(w)


# ------------------------------------------------------------------ cues: what a phrase says


@dataclass
class _Cues:
    """What the words of one figure say it counts (slot -> value), where each cue ends, and how."""

    slots: dict = field(default_factory=dict)
    ends: dict = field(default_factory=dict)   # slot -> where its cue ends in the words
    rate: bool = False          # 满意率, 采纳率
    other_rate: bool = False    # 办结率 and other rates no figure slot describes
    share: bool = False         # 占 (a share of the figure before)
    anaphora: bool = False      # 其中 …
    kinds: list = field(default_factory=list)  # distinct kinds named (two kinds joined: a total)

    def context(self) -> dict:
        """The slots but the one named last (nearest the number): the context of a list
        (对主办件答复满意51件、基本满意2件 — 主办 is the context, the level the list's dimension)."""
        if len(self.slots) < 2:
            return {}
        last = max(self.slots, key=lambda s: self.ends.get(s, 0))
        return {k: v for k, v in self.slots.items() if k != last}


def _kind_cues(w: str) -> tuple[str | None, list[str], int]:
    """The kind a phrase names: one kind, ``total`` for two different kinds joined (建议和提案,
    建议提案, 代表建议和委员提案), or None; with the kinds in order and where the cue ends."""
    found = [(m.start(), m.end(), _KIND_OF_GROUP[m.lastgroup]) for m in _KIND_RE.finditer(w)]
    if not found:
        return None, [], 0
    kinds = [k for _, _, k in found]
    for (s1, e1, k1), (s2, e2, k2) in zip(found, found[1:]):
        between = w[e1:s2]
        if k1 != k2 and (not between.strip(" ,") or (_CONNECTOR.search(between) and not re.search(r"\d|件|中", between))):
            return TOTAL, kinds, e2
    return found[-1][2], kinds, found[-1][1]


def _clean_topic(name: str) -> str | None:
    name = _SUBSET_LEAD.sub("", name)
    if len(name) >= 2 and not _SUBSET_STOP.search(name) and not re.search(r"[A-Za-z\d]", name):
        return name
    return None


def _subset_cue(w: str) -> tuple[str | None, int]:
    for m in _SUBSET_RE.finditer(w):
        name = m.group("a") or m.group("b") or m.group("c") or m.group("d") or m.group("e")
        if m.group("d") and (_KIND_RE.search(name) or re.search(r"人大|政协|代表|委员|[市区县省]$", name)):
            continue  # 其中人大代表建议: no topic
        # cut what comes before the topic: kinds, handlings, results and 中
        cut = 0
        for rx in (_KIND_RE, _HANDLING_RE, _OUTCOME_RE, _SATISFACTION_RE):
            for k in rx.finditer(name):
                cut = max(cut, k.end())
        if m.group("b"):
            for k in re.finditer(r"其中|之中|中的|中", name):
                cut = max(cut, k.end())
        name = _clean_topic(name[cut:])
        if name:
            return name, m.end()
    m = _BARE_TOPIC.match(w)
    if m and not _NOT_TOPIC.search(m.group("x")) and _KIND_RE.search(m.group("x")) is None:
        return m.group("x"), m.end("x")  # 其中消防6件
    return None, 0


def _cues(w: str) -> _Cues:
    c = _Cues()
    kind, c.kinds, end = _kind_cues(w)
    if kind is not None:
        c.slots["kind"], c.ends["kind"] = kind, end
    hs = [("主办" if m.lastgroup == "lead" else "会办", m.end()) for m in _HANDLING_RE.finditer(w)]
    if len({h for h, _ in hs}) == 1:  # 主办和会办 together restrict nothing
        c.slots["handling"], c.ends["handling"] = hs[-1]
    results = [(_SATISFACTION_OF_GROUP[m.lastgroup], m.end()) for m in _SATISFACTION_RE.finditer(w)]
    results = results or [(_OUTCOME_OF_GROUP[m.lastgroup], m.end()) for m in _OUTCOME_RE.finditer(w)]
    if results:
        c.slots["result"], c.ends["result"] = results[-1]
    subset, end = _subset_cue(w)
    if subset is not None:
        c.slots["subset"], c.ends["subset"] = subset, end
    c.rate = bool(_RATE_WORD.search(w))
    c.other_rate = bool(_OTHER_RATE.search(w))
    c.share = bool(_SHARE.search(w))
    c.anaphora = w.lstrip("、 ").startswith("其中")
    return c


# ------------------------------------------------------------------ frames: what a figure belongs to


@dataclass
class _Frame:
    slots: dict
    depth: int             # bracket depth where it was stated
    virtual: bool = False  # a context (人大代表建议中，/ a list's context / 10件代表建议中), no figure
    opaque: bool = False   # a number whose subject could not be read
    fig: int | None = None
    span: tuple = (0, 0)   # where its number is (figures)
    after_sibling: bool = False  # stated after a part of the same whole (会办 after 主办): a figure
    #                              that follows refers to the whole (主办9件，会办19件，其中消防事项9件)
    listed: bool = False   # a list's context (主办建议10件、提案7件: 主办)
    after_list: bool = False  # a list's context after another's of the same whole (协办建议… after 主办建议…):
    #                           a bare total that follows (合计40件) is of the whole
    totalled: bool = False    # a bare total was stated in this list's context (主办…，合计17件)


def _fits(frame: _Frame, cues: dict) -> bool:
    """Whether a figure saying ``cues`` can be a part of ``frame``: it restricts only slots the
    frame leaves open (a total restricts no kind, so it belongs under a frame of all kinds)."""
    for slot in cues:
        have = frame.slots.get(slot)
        if slot == "kind":
            if have not in (None, TOTAL):
                return False
        elif have is not None:
            return False
    return True


def _merge(parent: _Frame, cues: dict) -> dict:
    return {**{k: v for k, v in parent.slots.items() if not (k == "kind" and "kind" in cues)}, **cues}


class _Reader:
    """One pass over a normalised text, number by number, keeping the frames open."""

    def __init__(self, text: str, t: str):
        self.text, self.t = text, t
        self.rows: list[dict] = []
        self.notes: list[dict] = []
        self.root = _Frame({}, 0, virtual=True)
        self.stack: list[_Frame] = [self.root]
        self.anchor: _Frame | None = None   # the first top-level figure, while no other contradicts it
        self.anchor_broken = False
        self.depth = 0
        self.last_count: dict[int, int] = {}  # bracket depth -> the last count figure there (for 占 …%)
        self.stated: dict[tuple, int] = {}    # key -> first count stated (references restate)

    # --- text positions
    def window(self, start: int, floor: int, bounds=_BOUND) -> int:
        """Where the words of a number starting at ``start`` begin: after the last boundary (not
        before ``floor``). A label before a colon or a bracket right before the number belongs to
        them (市政协提案：37件, A类（解决采纳）20件, 满意率（含基本满意）达100%), and a bare 有 /
        为 after a comma takes the clause before it (涉及养老服务的最多，有10件)."""
        floor = max(floor, start - _MAX_WORDS)
        i = start
        while i > floor and self.t[i - 1] not in bounds:
            i -= 1
        if i <= floor or not _LINK.fullmatch(self.t[i:start]):
            return i
        before = self.t[i - 1]
        if before == ")":
            j = self.t.rfind("(", floor, i - 1)
            if j >= floor and i - j <= 20 and not _COUNT_RE.search(self.t, j, i):
                return self.window(j, floor, bounds)
        elif before == ":" or (before == "," and self.t[i:start].strip()):
            j = i - 1
            while j > floor and self.t[j - 1] not in bounds:
                j -= 1
            cut = j == floor and j > 0 and self.t[j - 1] not in bounds  # the last number's clause (…24件，共30件)
            if i - 1 - j <= 24 and not cut and not _COUNT_RE.search(self.t, j, i):
                return j
        return i

    def trailing(self, end: int) -> int:
        i, n = end, len(self.t)
        while i < n and self.t[i] not in _BOUND and self.t[i] != "、" and i - end < 24:
            i += 1
        return i

    def note(self, what: str, start: int, end: int) -> None:
        self.notes.append({"note": what, "start": start, "end": end, "text": self.text[start:end]})

    def opaque(self) -> None:
        top = self.stack[-1]
        if not (top.opaque and top.depth == self.depth):
            self.stack.append(_Frame({}, self.depth, opaque=True))

    # --- frames
    def parent_of(self, cues: dict, *, anaphora: bool = False, whole: bool = False) -> _Frame | None:
        for frame in reversed(self.stack):
            if (frame.after_sibling or (whole and frame.after_list)) and frame.depth == self.depth:
                continue
            if frame.opaque:
                if "kind" not in cues and (anaphora or frame.depth < self.depth):
                    return None  # a part (其中 …, or in brackets) of a number that could not be read
                continue
            if _fits(frame, cues):
                return frame
        return None

    def push(self, parent: _Frame, frame: _Frame) -> None:
        i = max(i for i, f in enumerate(self.stack) if f is parent)
        closed = [f for f in self.stack[i + 1:] if not f.opaque and f.depth == frame.depth]
        siblings = [f for f in closed if set(f.slots) == set(frame.slots) and f.slots != frame.slots
                    and (f.slots.get("kind") == frame.slots.get("kind")
                         or not re.search(r"[,;]", self.t[f.span[1]:frame.span[0]]))]
        # kinds listed apart (建议29件（…），…；提案28件) keep each open for the words after it, kinds
        # listed together (建议23件、提案15件) do not; a sibling with parts of its own (主办11件，其中
        # 消防6件；会办18件，其中…) keeps this one open; a context is never a part of a list
        frame.after_sibling = (bool(siblings) and not frame.virtual
                               and not any(len(f.slots) > len(frame.slots) for f in closed))
        # 主办建议10件、提案7件，协办建议14件、提案9件，合计40件: the 合计 is of both lists, unless
        # the first list had its own (主办…，合计17件；协办…，合计23件)
        frame.after_list = frame.listed and any(f.listed for f in siblings) and not any(f.totalled for f in siblings)
        self.stack = self.stack[:i + 1] + [frame]
        if parent is self.root and not frame.virtual and not frame.opaque and set(frame.slots) <= {"kind"}:
            # the summary's whole (共承办建议提案57件, or 县政协提案15件 in a report on one kind)
            if self.anchor is None and not self.anchor_broken:
                self.anchor = frame
            elif self.anchor is not None and frame is not self.anchor and frame.slots != self.anchor.slots:
                self.anchor, self.anchor_broken = None, True

    def open_bracket(self) -> None:
        self.depth += 1

    def close_bracket(self) -> None:
        self.stack = [f for f in self.stack if f.depth < self.depth or f is self.root]
        self.last_count = {d: f for d, f in self.last_count.items() if d < self.depth}
        self.depth = max(0, self.depth - 1)

    def end_sentence(self, next_start: int) -> None:
        self.last_count = {}
        self.depth = 0
        if _ANAPHORA.match(self.t, next_start):
            self.stack = [f for f in self.stack if (f.depth == 0 and not f.opaque) or f is self.root]
            return
        self.stack = [self.root] + ([self.anchor] if self.anchor is not None else [])

    # --- figures
    def emit(self, slots: dict, measure: str, value, start: int, end: int, ev_start: int, ev_end: int) -> int:
        s = ev_start
        while s < ev_end and (self.text[s].isspace() or self.t[s] in "、-—"):
            s += 1
        row = {"kind": slots.get("kind", TOTAL), "subset": slots.get("subset", ALL),
               "handling": slots.get("handling", ALL), "result": slots.get("result", ALL), "measure": measure,
               "count": value if measure == "count" else None, "percent": value if measure == "percent" else None,
               "start": start, "end": end, "evidence": self.text[s:ev_end]}
        self.rows.append(row)
        if measure == "count":
            self.stated.setdefault(tuple(row[k] for k in SLOTS), value)
            self.last_count[self.depth] = len(self.rows) - 1
        return len(self.rows) - 1


def _mentions(t: str) -> list[tuple]:
    """Counts and percentages of ``t`` in order: (start, end, measure, value, num_start, num_end);
    ranges come back as measure ``range``."""
    out = []
    ranges = [m.span() for m in _RANGE_RE.finditer(t)]
    for m in _COUNT_RE.finditer(t):
        s, e = m.span("num")
        before = t[s - 1] if s else ""
        after = t[m.end():m.end() + 1]
        if before in "第每逐这那" or before.isdigit() or after in ("一", "件", "事"):
            continue
        if any(a <= s < b for a, b in ranges):
            continue
        value = cn_number(m.group("num"))
        if value is not None:
            out.append((m.start(), m.end(), "count", value, s, e))
    for m in _PERCENT_RE.finditer(t):
        value = _value_of_percent(m)
        if value is None or value > 100:
            continue
        s, e = (m.span("num") if m.group("num") is not None else m.span())
        out.append((m.start(), m.end(), "percent", value, s, e))
    for a, b in ranges:
        out.append((a, b, "range", None, a, b))
    out.sort(key=lambda o: (o[0], o[1]))
    return out


def _distributed(parts: list[dict]) -> list[dict]:
    """The parts of a 分别 list: the slot whose values differ between them varies, every other
    slot named in any part is shared (主办和会办的人大代表建议 -> 建议·主办, 建议·会办)."""
    if len(parts) < 2:
        return []
    varying = {k for k in set().union(*parts) if len({p.get(k) for p in parts if k in p}) > 1
               and all(k in p for p in parts)}
    if not varying:
        return []
    shared = {k: v for p in parts for k, v in p.items() if k not in varying}
    return [{**shared, **{k: p[k] for k in varying}} for p in parts]


def _parts(w: str) -> list[dict]:
    return _distributed([_cues(p).slots for p in re.split(r"和|及|与|、|以及", w) if p.strip()])


def _apiece_cues(t: str, clause_start: int, at: int, memory: list[dict]) -> list[dict] | None:
    """``人大代表建议和政协提案分别为29件、28件``: the cues of each part named before 分别, in
    order, or None. The parts may be those of the sentence's last 分别 list (``memory``:
    主办和会办的建议分别为7件和5件，提案分别为5件和3件) or named in a clause before
    (建议和提案中，我局牵头办理的分别为10件和7件)."""
    w = t[clause_start:at]
    m = None
    for m in _APIECE.finditer(w):
        pass
    if m is None or re.search(r"\d|件", w[m.end():]):
        return None
    after = _cues(w[m.end():]).slots  # 我局分别主办12件和8件: 主办 is shared
    parts = _parts(w[:m.start()])
    if parts:
        return [{**p, **after} for p in parts]
    own = {**_cues(w[:m.start()]).slots, **after}
    if memory and not set(own) & set(memory[0]):
        return [{**own, **part} for part in memory]
    lo = max(0, clause_start - _MAX_WORDS)
    sentence = max([lo] + [t.rfind(c, lo, clause_start) + 1 for c in "。!?\n"])
    for clause in reversed(re.split(r"[,;:]", t[sentence:clause_start])):
        parts = _parts(clause.rstrip("中 "))
        if parts and not set(own) & {k for k in parts[0] if len({p.get(k) for p in parts}) > 1}:
            return [{**p, **own} for p in parts]
    return None


def _parallel_parts(memory: list[dict], own: dict, t: str, end: int, mentions: list, i: int) -> list[dict] | None:
    """``…分别主办12件和8件，会办6件和4件``: a clause after a 分别 list, two numbers joined by 和,
    is distributed over the same parts."""
    if not memory or not own or set(own) & set(memory[0]) or i + 1 >= len(mentions):
        return None
    if not re.fullmatch(r"\s*(?:和|及|与|、)\s*", t[end:mentions[i + 1][0]]):
        return None
    return [{**own, **part} for part in memory]


_TRAIL_KIND = re.compile(rf"\s*的?(?:主办|会办|协办|分办|参办)?件?的?{_LEVEL}(?:人大代表|代表|政协委员|委员|人大|政协)?"
                         r"(?:建议提案|建议和提案|建议|提案|议案)")
_REFERENCE = re.compile(r"[^,;。:]{0,12}?(?:之中|中)(?:$|,|的|有|共|:)")


def read_figures(text: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(figures, notes)`` of a handling summary: every count and rate it states, once.

    ``figures``: one row per figure (:data:`FIGURE_COLUMNS`): ``kind`` (人大代表建议 / 政协提案 /
    议案 / ``total``), ``subset`` (the topic it is restricted to, as named: 消防, 老旧小区改造 …,
    or ``all``), ``handling`` (主办 / 会办 / ``all``), ``result`` (解决采纳, 正在解决或列入计划,
    因条件限制暂不能解决, 留作参考, 满意, 基本满意, 不满意, 满意或基本满意, or ``all``),
    ``measure`` (``count`` or ``percent``), ``count`` (a whole number, for counts) or ``percent``
    (for rates and shares), ``start`` / ``end`` (the number in ``text``) and ``evidence`` (the
    phrase it was read from). A figure stated again with the same number is listed once.

    ``notes``: what was left out and why (:data:`NOTE_COLUMNS`): ranges, other years' counts and
    changes, rates of other things, numbers whose subject could not be read.
    """
    check_text(text)
    t = normalize(text)
    r = _Reader(text, t)
    tables, table_spans = _tables(text, t)
    apiece: dict[int, dict] = {}
    apiece_run = 0     # figures of a 分别 list still to come
    prev_dim = None    # the dimension of the last figure's list (subset: 涉及A的7件、B的5件)
    pos = prev_end = clause_from = 0
    listing = False    # inside the lines of a list introduced by a colon
    memory: list[dict] = []  # the parts of the sentence's last 分别 list
    mentions = [m for m in _mentions(t) if not any(a <= m[0] < b for a, b in table_spans)]
    for i, (m_start, m_end, measure, value, n_start, n_end) in enumerate(mentions):
        if m_start < pos:
            continue
        for j in range(pos, m_start):  # the brackets, clauses and sentences since the last number
            ch = t[j]
            if ch == "(":
                _frame_of_clause(r, clause_from, j)
                r.open_bracket()
                clause_from = j + 1
            elif ch == ")":
                r.close_bracket()
                clause_from = j + 1
            elif ch == "\n" and (listing or t[:j].rstrip(" ").endswith(":")) and t[j + 1:j + 2].strip():
                listing = True  # the lines of a list introduced by a colon share its frame
                _frame_of_clause(r, clause_from, j)
                clause_from = j + 1
            elif ch in _SENTENCE_END:
                r.end_sentence(j + 1)
                clause_from, prev_dim, listing, memory = j + 1, None, False, []
            elif ch in _CLAUSE_BOUND:
                _frame_of_clause(r, clause_from, j)
                clause_from = j + 1
        pos = m_end
        w_start = r.window(n_start, prev_end)
        prev_end = m_end
        if measure == "range":
            r.note("a range, not a number: left out", m_start, m_end)
            r.opaque()
            continue
        clause_start = r.window(n_start, 0, _CLAUSE_BOUND)
        if measure == "count" and _OTHER_TIME_RE.search(t, clause_start, m_start) and \
                not _OUTCOME_RE.search(t, clause_start, m_start):  # 列入明年计划的4件 is a result
            r.note("a count of another year, a change or a plan: left out", m_start, m_end)
            r.opaque()
            continue
        words = t[w_start:m_start]
        cues = _cues(words)
        if not cues.slots and not words.strip() and w_start and t[w_start - 1] == "(":
            # 老旧小区改造（11件）: the words before the bracket
            k = r.window(w_start - 1, 0, _CLAUSE_BOUND)
            phrase = t[k:w_start - 1]
            last = _TOPIC_BEFORE_BRACKET.split(phrase)[-1]
            cues = _cues(last)
            if not cues.slots:
                topic = _clean_topic(last)
                if topic and not _NOT_TOPIC.search(topic):
                    cues.slots, cues.ends = {"subset": topic}, {"subset": len(phrase)}
            w_start = k
        if not cues.slots and prev_dim == "subset":  # 涉及宅基地的七件、不动产登记的五件
            m = _LISTED_TOPIC.fullmatch(words.replace(",", "").lstrip("、 "))
            if m and not _NOT_TOPIC.search(m.group("x")) and not _KIND_RE.search(m.group("x")):
                cues.slots, cues.ends = {"subset": m.group("x")}, {"subset": len(words)}
        if i in apiece:
            cues.slots = dict(apiece.pop(i))
        else:
            apiece_run = 0
            parts = _apiece_cues(t, clause_start, n_start, memory)
            if parts:
                varying = [k for k in parts[0] if len({p.get(k) for p in parts}) > 1]
                memory = [{k: p[k] for k in varying} for p in parts]
                w_start = clause_start
            else:
                parts = _parallel_parts(memory, cues.slots, t, m_end, mentions, i)
            if parts:
                cues.slots, cues.ends = parts[0], {}
                cues.anaphora = t[clause_start:n_start].lstrip().startswith("其中")
                apiece_run = len(parts)
                k = i + 1
                for part in parts[1:]:
                    if k < len(mentions) and mentions[k][2] == measure:
                        apiece[k] = part
                    k += 1
        ev_end = m_end
        reference = False
        if measure == "count":
            trail_end = r.trailing(m_end)
            trail = t[m_end:trail_end]
            m = _TRAIL_KIND.match(trail)
            after = _cues(m.group(0)) if m else _Cues()
            if not m:  # 30件已解决或采纳, 13件涉及消防
                after = _cues(trail)
                after.slots.pop("kind", None)
            for slot, v in after.slots.items():
                if slot not in cues.slots:
                    cues.slots[slot] = v
                    cues.ends[slot] = len(words) + 1
                    ev_end = m_end + (m.end() if m else len(trail))
            reference = bool(_REFERENCE.match(t, m_end)) and t[m_end:m_end + 1] not in ",;。"
        if measure == "percent":
            _percent(r, cues, value, n_start, n_end, w_start, ev_end)
            continue
        if _EACH.search(words) and len(set(cues.kinds)) >= 2:  # 建议和提案各10件
            parent = r.parent_of({"kind": TOTAL}) or r.root
            for kind in dict.fromkeys(cues.kinds):
                r.emit({**_merge(parent, cues.slots), "kind": kind}, "count", value, n_start, n_end, w_start, ev_end)
            continue
        bare_total = False
        if not cues.slots:
            if _BARE_TOTAL.fullmatch(words):
                cues.slots, bare_total = {"kind": TOTAL}, True
            else:
                r.note("a count whose subject could not be read: left out", m_start, m_end)
                r.opaque()
                continue
        parent = r.parent_of(cues.slots, anaphora=cues.anaphora, whole=bare_total)
        if parent is None:
            r.note("a part of a number that could not be read: left out", m_start, m_end)
            r.opaque()
            continue
        context = cues.context()
        if context and not reference:  # 对主办件答复满意51件、基本满意2件: the list's context
            frame = _Frame(_merge(parent, context), r.depth, virtual=True, listed=True)
            r.push(parent, frame)
            parent = frame
        elif bare_total and parent.listed:
            parent.totalled = True
        slots = _merge(parent, cues.slots)
        key = tuple(slots.get(s, TOTAL if s == "kind" else ALL) for s in SLOTS)
        frame = _Frame(slots, r.depth, span=(n_start, n_end))
        if reference and (r.stated.get(key, value) != value or _RESTRICTED.search(words)):
            frame.virtual = True  # 主办且需要书面答复的10件代表建议中: a set narrower than its words
        else:
            frame.fig = r.emit(slots, "count", value, n_start, n_end, w_start, ev_end)
        r.push(parent, frame)
        if apiece_run > 0:  # the parts of a 分别 list: what follows refers to their whole
            frame.after_sibling = True
            apiece_run -= 1
        prev_dim = max(cues.slots, key=lambda s: cues.ends.get(s, 0)) if cues.ends else prev_dim
    for row in tables:
        r.rows.append(row)
    _rekey_levels(r.rows)
    _drop_clashes(r, t)
    figures = _dedupe(pd.DataFrame(r.rows, columns=FIGURE_COLUMNS))
    notes = pd.DataFrame(r.notes, columns=NOTE_COLUMNS)
    return figures, notes


def _frame_of_clause(r: _Reader, start: int, end: int) -> None:
    """A clause without a number that names what the next numbers count (人大代表建议中， /
    涉及消防的建议提案方面：/ 对主办件的答复，/ 主办件答复后，/ 会办件办结以后，) opens a frame for them."""
    words = r.t[start:end]
    if not words.strip() or _COUNT_RE.search(words) or re.search(r"\d", words):
        return
    cues = _cues(words)
    slots = {k: v for k, v in cues.slots.items() if k in ("kind", "subset", "handling")}
    if not slots or not re.search(r"(?:中|方面的?|来看|看|里|其中|答复|而言|(?:答复|办结|办理)(?:完毕|结束)?(?:以后|之后|后))\s*$", words):
        return
    parent = r.parent_of(slots)
    if parent is not None:
        r.push(parent, _Frame(_merge(parent, slots), r.depth, virtual=True))


def _percent(r: _Reader, cues: _Cues, value, start, end, w_start, ev_end) -> None:
    if cues.share and "result" not in cues.slots:  # 占64.2%: the share of the count before
        base = next((r.last_count[d] for d in sorted(r.last_count, reverse=True) if d <= r.depth), None)
        if base is None:
            r.note("a share whose count could not be read: left out", start, end)
            return
        slots = {s: r.rows[base][s] for s in SLOTS if r.rows[base][s] not in (ALL, TOTAL)}
        r.emit(slots, "percent", value, start, end, w_start, ev_end)
        return
    if "result" not in cues.slots or cues.other_rate:
        what = ("a rate of something else (办结率, 覆盖率 …): left out" if cues.other_rate or cues.rate
                else "a percentage whose subject could not be read: left out")
        r.note(what, start, end)
        return
    parent = r.parent_of(cues.slots) or r.root
    r.emit(_merge(parent, cues.slots), "percent", value, start, end, w_start, ev_end)


# ------------------------------------------------------------------ tables

_CELL_SPLIT = re.compile(r"\t+|\s*\|\s*| {2,}")
_TOTAL_LABEL = re.compile(r"合计|总计|小计|总数|全部")


def _tables(text: str, t: str) -> tuple[list[dict], list[tuple[int, int]]]:
    """The figures of tab-separated (or ``|``) tables: a header row naming columns (总数, 主办,
    会办, 解决采纳 …) above rows labelled by kind (人大代表建议, 政协提案, 合计). Cells are split
    in ``text`` (tabs kept) and read in its normalised form ``t``."""
    lines, pos = [], 0
    for line in text.replace("\r", "\n").split("\n"):
        lines.append((pos, line))
        pos += len(line) + 1
    rows, spans = [], []
    k = 0
    while k < len(lines):
        block = []
        while k < len(lines) and len(_cells(*lines[k])) >= 3:
            block.append(lines[k])
            k += 1
        k += 1 if not block else 0
        if len(block) < 2:
            continue
        header = [(t[s:e], s, e) for _, s, e in _cells(*block[0])]
        if any(re.fullmatch(r"\d+", c) for c, _, _ in header[1:]):
            continue
        columns = [_cues(c).slots for c, _, _ in header]
        for start, line in block[1:]:
            cells = [(t[s:e], s, e) for _, s, e in _cells(start, line)]
            label = cells[0][0]
            row_cues = _cues(label).slots
            if not row_cues and not _TOTAL_LABEL.search(label):
                continue
            spans.append((start, start + len(line)))
            for (cell, s, e), col in zip(cells[1:], columns[1:]):
                m = re.fullmatch(rf"({_NUM})\s*件?", cell)
                p = re.fullmatch(r"(?:占)?(\d+(?:\.\d+)?)\s*%", cell)
                value = cn_number(m.group(1)) if m else float(p.group(1)) if p else None
                if value is None or (p and value > 100):
                    continue
                slots = {**{k2: v for k2, v in col.items() if k2 != "kind"}, **row_cues}
                number = m or p
                rows.append({"kind": slots.get("kind", TOTAL), "subset": slots.get("subset", ALL),
                             "handling": slots.get("handling", ALL), "result": slots.get("result", ALL),
                             "measure": "count" if m else "percent", "count": value if m else None,
                             "percent": None if m else value, "start": s + number.start(1), "end": s + number.end(1),
                             "evidence": text[start:start + len(line)].strip()})
    return rows, spans


def _cells(start: int, line: str) -> list[tuple[str, int, int]]:
    if "\t" not in line and "|" not in line:
        return []
    out, pos = [], 0
    for piece in _CELL_SPLIT.split(line):
        at = line.find(piece, pos) if piece else pos
        if piece.strip():
            s = at + len(piece) - len(piece.lstrip())
            out.append((piece.strip(), start + s, start + s + len(piece.strip())))
        pos = at + len(piece)
    return out


# ------------------------------------------------------------------ the whole a list adds up to


def _rekey_levels(rows: list[dict]) -> None:
    """A list of satisfaction levels (or handling results) read as of a whole its numbers do not
    add up to, stated after a figure they do add up to that differs in one slot (17件主办件 …
    满意的14件、基本满意的2件、不满意的1件, of 24 in all): the list is that figure's."""
    counts = [r for r in rows if r["measure"] == "count"]
    first = {}
    for r in counts:
        first.setdefault((r["kind"], r["subset"], r["handling"], r["result"]), r)
    for family in (SATISFACTION, OUTCOMES):
        groups: dict[tuple, dict] = {}
        for (kind, subset, handling, result), r in first.items():
            if result in family:
                groups.setdefault((kind, subset, handling), {})[result] = r
        for key, levels in groups.items():
            if len(levels) < 2:
                continue
            total = sum(r["count"] for r in levels.values())
            whole = first.get((*key, ALL))
            if whole is None or whole["count"] == total:
                continue
            start = min(r["start"] for r in levels.values())
            found = {(k, s, h) for (k, s, h, res), r in first.items()
                     if res == ALL and r["count"] == total and r["start"] < start
                     and sum(a != b for a, b in zip((k, s, h), key)) == 1
                     and all(b in (ALL, TOTAL) for a, b in zip((k, s, h), key) if a != b)}
            if len(found) != 1:
                continue
            kind, subset, handling = found.pop()
            members = family + ((SATISFIED_OR_BASIC,) if family is SATISFACTION else ())
            for r in rows:
                if (r["kind"], r["subset"], r["handling"]) == key and r["result"] in members and r["start"] >= start:
                    r["kind"], r["subset"], r["handling"] = kind, subset, handling


def _drop_clashes(r: _Reader, t: str) -> None:
    """Two different numbers read as the same figure in one sentence (解决的10件，基本采纳的5件)
    are a misreading, not the summary's inconsistency: both are left out, with a note."""
    ends = [i for i, ch in enumerate(t) if ch in _SENTENCE_END]

    def sentence(pos):
        return sum(1 for e in ends if e < pos)

    groups: dict[tuple, list[dict]] = {}
    for row in r.rows:
        if row["measure"] == "count":
            groups.setdefault((sentence(row["start"]), *(row[s] for s in SLOTS)), []).append(row)
    drop = []
    for rows in groups.values():
        if len({row["count"] for row in rows}) > 1:
            drop += rows
            for row in rows:
                r.note("numbers read as the same figure in one sentence: left out", row["start"], row["end"])
    if drop:
        r.rows = [row for row in r.rows if not any(row is d for d in drop)]


def _dedupe(figures: pd.DataFrame) -> pd.DataFrame:
    keys = ["kind", "subset", "handling", "result", "measure", "count", "percent"]
    figures = figures.sort_values("start", kind="stable")
    out = figures.loc[~figures[keys].astype(str).duplicated()].reset_index(drop=True)
    out["count"] = pd.array([None if v is None or v != v else int(v) for v in out["count"]], dtype="Int64")
    out["percent"] = pd.array([None if v is None or v != v else float(v) for v in out["percent"]], dtype="Float64")
    out["start"] = out["start"].astype("int64")
    out["end"] = out["end"].astype("int64")
    return out
