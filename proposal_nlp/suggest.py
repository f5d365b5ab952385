"""The concrete asks of proposals, replies and summaries, as spans with offsets.

``extract_suggestions`` finds what a text asks for: the items of its enumerations
(一、 / （一） / 1. / （1） / ① / 一是… / 第一，… / 首先…其次…), sentences with action cues
(建议, 应, 要, 加快, 完善 …) and asks quoted inside a report sentence (委员提出了“…”“…”的建议).
Sections (调研情况 / 问题分析 / 具体建议 and their variants) keep problem descriptions out;
in replies and summaries the items of a 下一步工作计划 section come out as measures.
``parse_proposal`` (defined in ``proposal_fields``) reads what a text states of a proposal's
number, session, kind, proposers and title.

Everything is found with regular expressions on the length-preserving ``normalize`` of the
text, so every offset slices the original: ``text[s.start:s.end] == s.text``. The numbering
comes from ``numbering``; the lexicon, patterns and numbers of the rules (``RULES_VERSION``)
from ``suggest_rules``.
"""
from __future__ import annotations

import bisect
import logging
import re
from dataclasses import dataclass
from typing import NamedTuple

from .errors import InputError, InputTypeError, check_text
from .normalize import CLOSERS, char_class, normalize, trim_span
from .numbering import ORDINALS, Item, build_chains, build_tree, find_markers
from .proposal_fields import Field, ProposalInfo, parse_proposal
from .suggest_rules import (
    ATTACHMENT_RE, CLAUSE_MARKS, CLOSER_RE, CUE_RE, CUE_START_RE, ENDS, HEAD_KIND, HEADING_RE, INTRO_RE,
    LEAD_MEASURE_RE, PROBLEM_STRONG_RE, QUOTE_RE, QUOTE_RUN_RE, QUOTED_SPAN_RE, RULES, RULES_VERSION,
    SOLVE_RE, STOPS, STRONG_CUE_RE, VERB_CHARS, VERB_RE,
)

log = logging.getLogger(__name__)

KINDS = ("proposal", "reply", "summary")
SOURCES = ("enumeration", "cue_sentence", "quoted_ask", "measure")

__all__ = ["Suggestion", "Field", "ProposalInfo", "extract_suggestions", "parse_proposal",
           "detect_kind", "suggestions_table", "RULES_VERSION", "KINDS", "SOURCES",
           "SUGGESTION_COLUMNS"]


@dataclass(frozen=True)
class Suggestion:
    """One ask (or, in a reply or summary, one measure) with its offsets in the input.

    ``text == input[start:end]``. ``action`` is the leading verb (e.g. 编制), ``object`` what
    it acts on (e.g. 专项规划); both may be None. ``source`` is one of ``SOURCES``;
    ``section`` the heading the span sits under (None when there is none); ``level`` the
    nesting depth of an enumeration item (0 = top) and ``marker`` its numbering (e.g. "(一)").
    """

    start: int
    end: int
    text: str
    action: str | None
    object: str | None
    source: str
    section: str | None
    score: float
    level: int | None = None
    marker: str | None = None

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


class _Stretch(NamedTuple):
    """A stretch of the text already taken by a span."""

    start: int
    end: int


class _Candidate(NamedTuple):
    """A span that may become a ``Suggestion`` (offsets into the normalised text)."""

    start: int
    end: int
    source: str
    section: str | None
    score: float
    level: int | None = None
    marker: tuple[int, int] | None = None  # offsets of the item's numbering


class _Heading(NamedTuple):
    """A heading line such as 具体建议： or 四、下一步工作计划; ``kind`` as in ``HEAD_KIND``."""

    start: int
    end: int
    kind: str
    word: str


class _Section(NamedTuple):
    """A section, from a heading line or an item that names one; its text starts at ``start``."""

    start: int
    end: int
    kind: str
    title: str
    head_end: int  # where its heading ends (the heading is no ask)


class _Region(NamedTuple):
    """Where asks or measures are looked for."""

    start: int
    end: int
    section: str | None
    head_end: int


class _Lead(NamedTuple):
    """What an item's lead clause says: the section it names (``suggest_heading`` …, or "")
    with the heading's end, and its ask score (0 for a heading)."""

    label: str
    head_end: int
    ask: float


@dataclass(frozen=True)
class _Doc:
    """A normalised text with its enumerations, heading lines and attachments."""

    t: str
    top: list          # the top-level chains (numbering.build_tree)
    headings: list     # a _Heading per heading line
    attachments: list  # where each attachment (附件：) starts
    leads: dict        # the _Lead of every item

    @property
    def stops(self) -> list:
        """Where sections end at the latest: heading lines, attachments, the text end."""
        return sorted([h.start for h in self.headings] + self.attachments + [len(self.t)])


# ---------------------------------------------------------------------------- item ends
_PARA_END_RE = re.compile(char_class(ENDS.replace("\n", "")) + char_class(" \t" + CLOSERS) + "*(?P<end>)\n")
# closing remarks after the last item: 总之… / 我们相信… / 以上建议…
_CLOSING_RE = re.compile(r"[。!?][”’\"\)]*(?P<end>)\s*(?:总之|综上所述|总而言之|我们相信|相信|希望通过|以上建议|"
                         r"上述建议|以上意见|期待|衷心希望)")


def _end_last_items(t: str, chains: list) -> None:
    """The last item of a chain ends with its paragraph (closing remarks are not part of it)."""
    for c in sorted(chains, key=lambda ch: -ch.items[0].depth):
        last = c.items[-1]
        frm = last.start
        for ch in last.children:
            frm = max(frm, ch.items[-1].end - 1)
        m = _PARA_END_RE.search(t, frm, last.end)
        if m is not None:
            last.end = m.start("end")
        m = _CLOSING_RE.search(t, frm, last.end)
        if m is not None:
            last.end = m.start("end")


# ---------------------------------------------------------------------------- item labels
_LEAD_END = re.compile(char_class(STOPS))


def _lead(t: str, start: int, end: int, limit: int = RULES.lead_chars) -> tuple[int, int]:
    """The lead clause of an item: up to the first sentence mark (or ``limit`` chars)."""
    s = start
    while s < end and t[s] in " \t\u00a0\n":
        s += 1
    stop = min(end, s + limit)
    m = _LEAD_END.search(t, s, stop)
    e = m.start() if m else stop
    return s, e


_LEAD_STRIP_RE = re.compile(
    r"^(?:(?:建议|进一步|切实|大力|积极|着力|全面|持续|不断|逐步|尽快|抓紧|认真|努力|继续|深入|扎实|"
    r"有效|及时|主动|应当|应该|需要|必须|务必|可以|要|应|需|可|还要|同时|加快|加紧)[,]?)+")
_SUBJECT_HEAD_RE = re.compile(
    r"^[^,。;:\n]{0,8}?(?:政府|部门|单位|机构|我省|各地|全省|省委|省级|市级|县级|各级|企业|学校|高校|医院|社会|"
    r"有关方面|相关方面|国家|监管|主管|行业|协会|社区|街道|乡镇|家长|家庭|财政|人社|教育部门|公安|"
    r"人大|政协|[厅局委])(?:要|应|应当|需|需要|可|可以|必须|进一步|加快|尽快|切实|积极|大力)?")
_REPORT_RE = re.compile(r"已经|已|取得|逐渐|逐步形成|日益|近年来|以来|年来|目前|当前|\d{4}年|\d{1,2}月|曾|先后|成效|显著|"
                        r"明显|达到|位居|居全国|占比|同比|增长|提供了|奠定了|为例|例如|比如|如:")


_EARLY_VERB_RE = re.compile(
    r"(?:要|应|需|可|须)?(?:给予|加快|加大|加强|建立|完善|推动|出台|制定|设立|纳入|提高|降低|简化|取消|放宽|鼓励|"
    r"支持|引导|规范|明确|推进|实施|落实|开展|增加|扩大|强化|提升|优化|保障|建设|构建|打造|设置|配备|统筹)")


# "推进X是Y的需要", "X有助于Y": a reason or a judgement, not an ask
_STATEMENT_RE = re.compile(
    rf"(?<![{ORDINALS}就而还或要总但凡只也都即若])是(?!否)|有助于|有利于|具有|迫切需要|有巨大|有较好|必将|"
    r"将会|已成为|成为了|在于|取决于|意味着|体现了|体现在")


def _verb_at(lead: str, pos: int) -> bool:
    m = VERB_RE.match(lead, pos)
    return m is not None or (pos < len(lead) and lead[pos] in VERB_CHARS and pos + 1 < len(lead)
                             and lead[pos + 1] not in "们的了是")


def _ask_score(lead: str) -> float:
    """> 0 for a lead clause that asks for something, < 0 for one that describes a problem."""
    lead = lead.strip(" \t\n")
    if not lead:
        return 0.0
    score = 0.0
    m = _LEAD_STRIP_RE.match(lead)
    stripped = m.end() if m else 0
    if _verb_at(lead, stripped):
        score += RULES.verb_first
    else:
        sm = _SUBJECT_HEAD_RE.match(lead)
        if sm and sm.end() > 0 and _verb_at(lead, sm.end()):
            score += RULES.subject_verb
        elif stripped:
            score += RULES.adverb_only
        elif _EARLY_VERB_RE.search(lead, 0, RULES.early_verb_chars):
            score += RULES.early_verb
    if STRONG_CUE_RE.search(lead):
        score += RULES.strong_cue
    elif CUE_RE.search(lead):
        score += RULES.cue
    prob = len(PROBLEM_STRONG_RE.findall(lead))
    if prob:
        solve = SOLVE_RE.search(lead)
        score -= (RULES.problem_solved if solve else RULES.problem) * min(prob, RULES.problem_words)
    if _REPORT_RE.search(lead[:RULES.report_chars]):
        score -= RULES.report
    if _STATEMENT_RE.search(lead.split(",", 1)[0][:RULES.statement_chars]):
        score -= RULES.statement
    return score


_LEAD_SUGGEST_RE = re.compile(
    r"(?:的|几点|对策|具体|相关|政策|工作|主要|若干|有关|措施|几条|意见|方面)(?:建议|对策|举措)|"
    r"建议(?:与|和|及)(?:对策|措施|思考)|对策(?:与|和|及)?(?:建议|措施)|思考(?:与|和|及)建议|"
    r"^(?:建议|对策|措施|对策措施|几点思考|思考与建议|对策思路|解决办法|解决措施)(?:$|[:\s]|如下)")
_LEAD_PROBLEM_RE = re.compile(
    r"(?:面临|存在|突出|主要|当前|目前|现存|显现|暴露)的?(?:主要|突出)?(?:问题|困难|不足|短板|挑战|障碍|瓶颈)|"
    r"问题(?:及|与|和)?(?:原因|分析|成因)|原因分析|成因分析|"
    r"^(?:问题|困难|不足|短板|瓶颈|原因|存在问题|主要问题|问题分析)(?:$|[^\u4e00-\u9fff])")
_LEAD_BACKGROUND_RE = re.compile(
    r"的(?:必要性|可行性|重要性|紧迫性|重要意义|意义|优势|现状|做法|经验|探索|成效|基本情况|发展现状|"
    r"有益探索|经验教训|启示|主要做法|特点|进展)|"
    r"^(?:背景|基本情况|现状|概况|工作意义|工作现状|发展现状|现状分析|基本概况|主要做法|国外经验|经验借鉴|"
    r"他山之石|必要性|可行性|重要意义|意义)|"
    r"(?:必要性|可行性|重要性|紧迫性|经验教训|发展现状|基本情况|有益探索)")


def _label_lead(lead: str) -> tuple[str, int]:
    """A section label for an item's lead clause ("" for none) and the heading's length
    (from the lead's start)."""
    off = len(lead) - len(lead.lstrip(" :,\t\n"))
    core = lead.strip(" :,\t\n")
    win = core[:RULES.heading_chars]
    m = LEAD_MEASURE_RE.search(win)
    if m is not None:
        return "measure_heading", off + m.end()
    m = _LEAD_SUGGEST_RE.search(win)
    if m is not None:
        return "suggest_heading", off + m.end()
    m = _LEAD_PROBLEM_RE.search(win)
    if m is not None and not SOLVE_RE.search(win[:m.start()]):
        return "problem_heading", off + m.end()
    m = _LEAD_BACKGROUND_RE.search(win[:RULES.background_chars])
    if m is not None and not _verb_at(core, 0):
        return "background_heading", off + m.end()
    m = _LEAD_BACKGROUND_RE.search(win[:RULES.background_chars])
    if m is not None and m.group().startswith("的"):
        return "background_heading", off + m.end()
    return "", 0


# ---------------------------------------------------------------------------- action / object
_CLAUSE_END = re.compile(char_class(CLAUSE_MARKS))
_ACTION_STRIP_RE = re.compile(
    r"^(?:(?:建议|同时建议|进一步|切实|大力|积极|着力|全面|持续|不断|逐步|尽快|抓紧|认真|努力|继续|深入|扎实|"
    r"有效|及时|主动|应当|应该|需要|必须|务必|可以|要|应|需|可|还要|同时|此外|另外|并|加紧|严格|合理|"
    r"按标准|按照标准|依法|适时|适当|分批|逐步|率先|先行|由)[,]?)+")
_SUBJECT_JIANG_RE = re.compile(r"^[^,。;]{1,10}?(?:政府|部门|单位|街道|机构|企业|各区|各地|我市|本市|全市)(?=[将把])")
_TOWARD_RE = re.compile(r"^(?:加大|加强|强化|提高|提升)对(?P<obj>.{1,30}?)的(?P<verb>[\u4e00-\u9fff]{2})(?:力度|工作|水平|能力)?$")
_JIANG_RE = re.compile(
    r"^[将把](?P<obj>.{1,30}?)(?P<verb>纳入|列入|作为|融入|写入|嵌入|放在|转移到|统一到|提高到|下放到|交由)")
_JIANG_YU_RE = re.compile(r"^[将把](?P<obj>.{1,30}?)与.{1,24}?(?P<verb>挂钩|衔接|结合|对接|融合|联动|同步)")
_DUI_JINXING_RE = re.compile(
    r"^(?:每年|定期|逐步|全面|及时)?对(?P<obj>[^,。;]{1,24}?)(?:进行|开展|实施|实行|予以|加以|给予)"
    r"(?P<verb>[\u4e00-\u9fff]{2})")
# a verb that hands over to the next one: 加快补齐 → 补齐, 推广安装 → 安装, 督促企业建立 → 建立
_CHAIN_VERBS = frozenset("加快 加紧 加速 整合 推广 推动 尽快 统筹 挖潜 研究 逐步 着力 大力 探索 全面 持续".split())
_OBJ_ADJ_RE = re.compile(r"^[\u4e00-\u9fff]{1,4}的(?=[\u4e00-\u9fff]{2})")


def _verbs_from(clause: str, pos: int) -> tuple[str | None, int]:
    """The verb at or after ``pos`` (within a few characters); a chaining verb (加快, 推广 …)
    gives way to the verb right after it."""
    v = VERB_RE.match(clause, pos) or VERB_RE.search(clause, pos, min(len(clause), pos + RULES.verb_chars))
    if v is None:
        return None, pos
    action, aend = v.group(), v.end()
    while action in _CHAIN_VERBS:
        nxt = VERB_RE.match(clause, aend)
        if nxt is None or len(clause) - nxt.end() < RULES.object_min:
            break
        action, aend = nxt.group(), nxt.end()
    if action in ("督促", "推动", "要求", "指导", "引导", "帮助", "协助"):
        # 督促企业建立X: the ask is what the others should do
        later = VERB_RE.search(clause, aend + 1, min(len(clause), aend + RULES.handover_chars))
        if later is not None and len(clause) - later.end() >= RULES.object_min:
            action, aend = later.group(), later.end()
    return action, aend


def _action_object(text: str) -> tuple[str | None, str | None]:
    """The leading verb of an ask and what it acts on, read from its first clause."""
    s = text.lstrip(" \t\n\u00a0:,")
    m = _CLAUSE_END.search(s, 0, RULES.clause_chars)
    clause = s[:m.start()] if m else s[:RULES.clause_fallback_chars]
    if clause.startswith("对") and m is not None and s[m.start()] == ",":
        # 对X，要…查处: the object is X, the action the verb of the next clause
        m2 = _CLAUSE_END.search(s, m.end(), m.end() + RULES.clause_chars)
        nxt = s[m.end():m2.start() if m2 else m.end() + RULES.clause_fallback_chars]
        st = _ACTION_STRIP_RE.match(nxt)
        action, _ = _verbs_from(nxt, st.end() if st else 0)
        if action:
            return action, clause[1:] or None
    st = _ACTION_STRIP_RE.match(clause)
    body = clause[st.end():] if st else clause
    sj = _SUBJECT_JIANG_RE.match(body)
    if sj:
        body = body[sj.end():]
    for rx in (_TOWARD_RE, _JIANG_RE, _JIANG_YU_RE, _DUI_JINXING_RE):
        mm = rx.match(body)
        if mm:
            return mm.group("verb"), mm.group("obj")
    action, aend = _verbs_from(body, 0)
    if action is None:
        return None, None
    obj = body[aend:].strip(" \t\"“")
    adj = _OBJ_ADJ_RE.match(obj)
    if adj:
        obj = obj[adj.end():]
    return action, (obj or None)


# ---------------------------------------------------------------------------- kind
_SUMMARY_RE = re.compile(r"办理(?:工作)?情况(?:的)?(?:总结|报告)|总结(?:函报|报告)|共承办|承办(?:建议|提案|代表建议|政协提案)|"
                         r"办理工作总结|建议提案办理")
_REPLY_RE = re.compile(r"(?:您|你们?|贵)(?:提出的|所提|领衔提出|们提出)|答复如下|现答复|现将.{0,12}答复|收悉|"
                       r"答复函|办理答复|感谢您")


def detect_kind(text: str) -> str:
    """Guess whether ``text`` is a proposal, a reply to one, or a handling summary."""
    check_text(text)
    head = normalize(text[:RULES.kind_chars])
    if _SUMMARY_RE.search(head):
        return "summary"
    if _REPLY_RE.search(head):
        return "reply"
    return "proposal"


# ---------------------------------------------------------------------------- main
_SENT_RE = re.compile(f"{char_class(ENDS, negate=True)}*(?:{char_class(ENDS)}+{char_class(CLOSERS)}*|$)")


def _meaningful(t: str, s: int, e: int) -> int:
    return sum(1 for ch in t[s:e] if "\u4e00" <= ch <= "\u9fff" or ch.isalnum())


def extract_suggestions(text: str, *, kind: str | None = None) -> list[Suggestion]:
    """The asks of a proposal (or the asks and measures of a reply or summary), in text order.

    Parameters
    ----------
    text : str
        A proposal, a reply to one, or a bureau's handling summary.
    kind : None, "proposal", "reply" or "summary"
        None guesses it (see ``detect_kind``). In a proposal every ask comes out; in a reply
        or summary the asks it quotes (source ``quoted_ask``) and the items of its
        下一步 / 工作计划 sections (source ``measure``).

    Returns
    -------
    list of Suggestion, non-overlapping, ordered by ``start``; ``text[s.start:s.end] == s.text``.
    An empty list when the text asks for nothing.

    Notes
    -----
    An enumerated ask is the whole item (lead sentence and elaboration) at the lowest level
    whose items are asks, starting right after its numbering; a group heading whose sub-items
    are the asks is not an ask itself. Where a proposal has no 具体建议-like heading, the asks
    begin after the last stretch that describes problems or background (weighed over its
    items, intro phrases such as 为此建议 and cue-led sentences). ``action`` skips adverbs
    and chaining verbs (加快补齐… → 补齐); ``object`` is the rest of the lead clause
    (将X纳入Y → X). Rules: ``RULES_VERSION``.
    """
    check_text(text)
    if kind is not None and kind not in KINDS:
        raise InputError(f"kind={kind!r} is not known; use None (guess) or one of {KINDS}",
                         code="PN501")
    if not text.strip():
        return []
    t = normalize(text)
    n = len(t)
    if kind is None:
        kind = detect_kind(text)

    quoted = [m.span() for m in QUOTED_SPAN_RE.finditer(t)]
    headings = _headings(t)
    attachments = [m.start() for m in ATTACHMENT_RE.finditer(t)]
    boundaries = sorted({h.start for h in headings} | set(attachments))
    top, chains = build_tree(build_chains(find_markers(t, quoted)), n, boundaries)
    _end_last_items(t, chains)
    doc = _Doc(t, top, headings, attachments, _label_items(t, top))

    out: list[_Candidate] = []
    # asks quoted in a report sentence belong to replies and summaries; in a proposal such
    # quotes are slogans or cited policy
    quoted_asks = _quoted_asks(t) if kind != "proposal" else []
    if kind == "proposal":
        _emit_regions(doc, _proposal_regions(doc), "enumeration", out)
    else:
        regions = [_Region(r.start, r.end, r.title, r.head_end) for r in _heading_regions(doc)
                   if r.kind == "measure"]
        _emit_regions(doc, regions, "measure", out, cue_sentences=False)
        if kind == "reply":
            _emit_future_measures(t, out)
    # quoted asks win over anything they overlap
    result = []
    for c in _resolve(out, quoted_asks):
        marker = text[c.marker[0]:c.marker[1]].strip() or None if c.marker is not None else None
        s, e = trim_span(text, c.start, c.end)
        if e <= s:
            continue
        action, obj = _action_object(t[s:e])
        result.append(Suggestion(s, e, text[s:e], action, obj, c.source, c.section,
                                 round(c.score, RULES.score_decimals), c.level, marker))
    return result


_FUTURE_RE = re.compile(
    r"(?:下一步|今后|接下来|下步|明年|近期|后续)[,]?|"
    r"(?:我们|我[局委办厅部院]|本[局委办厅部院]|[\u4e00-\u9fff]{0,8}(?:办公厅|办公室|部|局|委|厅|政府))"
    r"(?:还|也|仍)?(?:将|拟|计划|准备)(?:会同|继续|进一步|不断|加快|积极|认真|抓紧|着力|研究)?")


def _emit_future_measures(t: str, out: list) -> None:
    """In a reply, sentences that announce what will be done (下一步，我们将…) are measures."""
    taken = sorted(_Stretch(c.start, c.end) for c in out)
    for m in _SENT_RE.finditer(t):
        a, b = m.span()
        if a == b:
            continue
        a, b = trim_span(t, a, b)
        if b - a < RULES.sentence_min:
            continue
        f = _FUTURE_RE.search(t, a, min(b, a + RULES.future_cue_chars))
        if f is None or not VERB_RE.search(t, f.end(), min(b, f.end() + RULES.future_verb_chars)):
            continue
        i = bisect.bisect_right(taken, (a, float("inf"))) - 1
        if i >= 0 and taken[i].end > a:
            continue
        out.append(_Candidate(a, b, "measure", None, RULES.future_score))


def _resolve(out: list, priority: list) -> list:
    """Order spans, drop those overlapping a priority span or an earlier kept span."""
    kept = sorted(priority, key=lambda c: c.start)
    starts = [k.start for k in kept]
    merged = list(kept)
    for span in out:
        i = bisect.bisect_right(starts, span.start)
        clash = False
        for j in (i - 1, i):
            if 0 <= j < len(kept) and kept[j].start < span.end and span.start < kept[j].end:
                clash = True
        if not clash:
            merged.append(span)
    merged.sort(key=lambda c: (c.start, c.end))
    res = []
    last_end = -1
    for span in merged:
        if span.start >= last_end and span.end > span.start:
            res.append(span)
            last_end = span.end
    return res


def _headings(t: str) -> list[_Heading]:
    """The heading lines of ``t``, such as "具体建议：" or "四、下一步工作计划"."""
    res = []
    for m in HEADING_RE.finditer(t):
        word = m.group("h")
        res.append(_Heading(m.start() if t[m.start()] != "\n" else m.start() + 1, m.end(), HEAD_KIND[word], word))
    return res


def _quoted_asks(t: str) -> list:
    res = []
    for m in QUOTE_RUN_RE.finditer(t):
        run_s = m.start("run")
        for q in QUOTE_RE.finditer(t, run_s, m.end("run")):
            inner = q.group(1)
            if VERB_RE.match(inner) or VERB_RE.search(inner[:RULES.quote_verb_chars]) or CUE_RE.search(inner):
                res.append(_Candidate(q.start(1), q.end(1), "quoted_ask", None, RULES.quoted_score))
    return res


def _items_in_order(top: list):
    """Every item of the tree, depth first, in text order."""
    stack = []
    for c in reversed(top):
        for it in reversed(c.items):
            stack.append(it)
    while stack:
        it = stack.pop()
        yield it
        kids = []
        for ch in it.children:
            kids.extend(ch.items)
        kids.sort(key=lambda x: x.mstart)
        for k in reversed(kids):
            stack.append(k)


def _first_child_start(it: Item) -> int:
    return min((ch.markers[0].start for ch in it.children), default=it.end)


def _label_items(t: str, top: list) -> dict:
    """The ``_Lead`` of every item."""
    leads = {}
    for it in _items_in_order(top):
        ls, le = _lead(t, it.start, min(it.end, _first_child_start(it)))
        lead = t[ls:le]
        label, hlen = _label_lead(lead)
        leads[it] = _Lead(label, ls + hlen, _ask_score(lead) if not label else 0.0)
    return leads


def _section_end(it: Item, top_starts: list, stops: list) -> int:
    """Where the section an item names ends: at the next item of the same or a higher level,
    else where its parent item ends, else at the next heading line, attachment or text end.
    ``top_starts`` are the first positions of the top-level chains, in order."""
    j = bisect.bisect_right(stops, it.start)
    end = stops[j] if j < len(stops) else stops[-1]
    chain = it.chain
    if it.index + 1 < len(chain.items):
        return min(end, chain.items[it.index + 1].mstart)
    parent = chain.parent
    if parent is not None:
        return min(end, max(parent.end, it.end))
    k = bisect.bisect_right(top_starts, it.mstart)
    return min(end, top_starts[k]) if k < len(top_starts) else end


def _heading_regions(doc: _Doc) -> list[_Section]:
    """Sections from heading lines and from items that name a section, in text order."""
    t, n = doc.t, len(doc.t)
    regions = []
    stops = doc.stops
    top_starts = [c.items[0].mstart for c in doc.top]
    for h in doc.headings:
        j = bisect.bisect_right(stops, h.start)
        end = stops[j] if j < len(stops) else n
        regions.append(_Section(h.end, max(h.end, end), h.kind, h.word, h.end))
    for it in _items_in_order(doc.top):
        lead = doc.leads[it]
        if lead.label.endswith("_heading") and it.depth <= RULES.section_depth:
            kind = lead.label[:-len("_heading")]
            regions.append(_Section(it.start, _section_end(it, top_starts, stops), kind,
                                    t[it.start:lead.head_end].strip(" :"), lead.head_end))
    regions.sort()
    return regions


def _proposal_regions(doc: _Doc) -> list[_Region]:
    """Where the asks of a proposal are: its suggestion sections when it has headings, else
    the stretch after the last problem description (found by a maximum suffix sum)."""
    t, top, headings, attachments, leads = doc.t, doc.top, doc.headings, doc.attachments, doc.leads
    n = len(t)
    sect = _heading_regions(doc)
    explicit = [_Region(r.start, r.end, r.title, r.head_end) for r in sect if r.kind in ("suggest", "measure")]
    line_heads = [h for h in headings if h.kind in ("suggest", "measure")]
    top_heads = [it for c in top for it in c.items if leads[it].label == "suggest_heading"]
    if line_heads:
        return explicit
    if top_heads:
        stops = doc.stops
        top_starts = [c.items[0].mstart for c in top]
        return [_Region(it.start, _section_end(it, top_starts, stops),
                        t[it.start:leads[it].head_end].strip(" :"), leads[it].head_end) for it in top_heads]
    if explicit and (line_heads or any(h.kind != "suggest" for h in headings) or
                     any(r.kind in ("problem", "background") for r in sect)):
        return explicit
    # no section structure: weigh the evidence along the text
    events: list[tuple[int, float]] = []  # (position, weight), summed from the end
    last_chain = top[-1] if top else None
    for it in _items_in_order(top):
        bonus = RULES.last_chain_bonus if (it.depth == 0 and it.chain is last_chain) else 0.0
        label = leads[it].label
        if label == "suggest_heading" or label == "measure_heading":
            events.append((it.mstart, RULES.heading_weight))
        elif label in ("problem_heading", "background_heading"):
            events.append((it.mstart, -RULES.heading_weight))
        else:
            w = _item_weight(leads[it].ask) + bonus
            if w:
                events.append((it.mstart, w * (1.0 if it.depth == 0 else RULES.sub_item_share)))
    for m in INTRO_RE.finditer(t):
        events.append((m.start(), RULES.intro_weight))
    # prose sentences outside the enumerations: cue-led ones count for, problem ones against
    spans = sorted(_Stretch(c.items[0].mstart, c.items[-1].end) for c in top)
    si = 0
    for m in _SENT_RE.finditer(t):
        a, b = m.span()
        if a == b:
            continue
        while si < len(spans) and spans[si].end <= a:
            si += 1
        if si < len(spans) and spans[si].start < b:
            continue
        sent = t[a:b].strip()
        if len(sent) < RULES.sentence_min:
            continue
        if CUE_START_RE.match(sent) and not CLOSER_RE.match(sent):
            events.append((a, RULES.cue_sentence_weight))
        elif PROBLEM_STRONG_RE.search(sent) and not SOLVE_RE.search(sent):
            events.append((a, RULES.problem_sentence_weight))
    for r in sect:
        if r.kind in ("problem", "background"):
            events.append((r.start, -RULES.heading_weight))
    if attachments:
        cut = attachments[0]
        events = [(pos, w) for pos, w in events if pos < cut]
    else:
        cut = n
    if not events:
        return []
    events.sort()
    best, best_pos, acc = 0.0, None, 0.0
    for pos, w in reversed(events):
        acc += w
        if acc > best:
            best, best_pos = acc, pos
    log.debug("events %s", events)
    if best_pos is None or best < RULES.min_evidence:
        return []
    # start the region at the sentence that holds the first event
    start = best_pos
    return [_Region(start, cut, None, start)]


def _emit_regions(doc: _Doc, regions: list[_Region], source: str, out: list,
                  cue_sentences: bool = True) -> None:
    if not regions:
        return
    items = sorted(_items_in_order(doc.top), key=lambda x: x.mstart)  # parents before children
    starts = [it.mstart for it in items]
    for r in regions:
        covered = [_Stretch(r.start, r.head_end)] if r.head_end > r.start else []
        # items whose marker is inside the region, at the top-most such level
        for k in range(bisect.bisect_left(starts, r.start), bisect.bisect_left(starts, r.end)):
            it = items[k]
            if any(a <= it.mstart < b for a, b in covered[-1:]):
                continue
            span_end = min(it.end, r.end)
            covered.append(_Stretch(it.mstart, span_end))
            _emit_item(doc, it, span_end, source, r.section, out)
        if cue_sentences:
            _emit_cues(doc.t, r.start, r.end, covered, r.section, out)


def _emit_item(doc: _Doc, it: Item, end: int, source: str, section, out: list) -> None:
    """The item as one span, or its sub-items when they are the concrete asks."""
    t, leads = doc.t, doc.leads
    kids = sorted((k for ch in it.children for k in ch.items), key=lambda k: k.mstart)
    kids = [k for k in kids if k.mstart < end]
    marker = (it.mstart, it.start)  # offsets: sliced from the caller's original text
    label, ask = leads[it].label, leads[it].ask
    if label in ("suggest_heading", "measure_heading"):
        if kids:
            for k in kids:
                _emit_item(doc, k, min(k.end, end), source, section, out)
        else:
            ls, le = _lead(t, it.start, end)
            _emit_cues(t, le, end, [], section, out)
        return
    if label in ("problem_heading", "background_heading"):
        return
    if kids:
        asks = sum(1 for k in kids if leads[k].ask > 0 or k.children or leads[k].label.endswith("suggest_heading"))
        if asks >= RULES.ask_share * len(kids):
            fc = kids[0].mstart
            s, e = trim_span(t, it.start, fc)
            if e > s and _meaningful(t, s, e) >= RULES.group_lead_min:
                out.append(_Candidate(s, e, source, section, _score(ask), it.depth, marker))
            for k in kids:
                _emit_item(doc, k, min(k.end, end), source, section, out)
            return
    s, e = trim_span(t, it.start, end)
    if e > s and _meaningful(t, s, e) >= RULES.item_min:
        out.append(_Candidate(s, e, source, section, _score(ask), it.depth, marker))


def _score(ask: float) -> float:
    """The score (0 … 1) of a span whose lead has the ask score ``ask``."""
    return max(RULES.score_floor, min(1.0, RULES.score_base + RULES.score_slope * ask))


def _item_weight(ask: float) -> float:
    """The evidence an item with the ask score ``ask`` gives that the asks follow."""
    if ask >= RULES.ask_item_min:
        return RULES.ask_item_weight
    if ask > RULES.neutral_item_max:
        return 0.0
    return RULES.problem_item_weight if ask <= RULES.problem_item_max else RULES.other_item_weight


def _emit_cues(t: str, rs: int, re_: int, covered: list, section, out: list) -> None:
    """Sentences with an action cue in [rs, re_) outside the covered stretches."""
    cov = sorted(covered)
    ci = 0
    for m in _SENT_RE.finditer(t, rs, re_):
        s, e = m.span()
        if s >= re_:
            break
        if s == e:
            if e >= re_:
                break
            continue
        while ci < len(cov) and cov[ci].end <= s:
            ci += 1
        if ci < len(cov) and cov[ci].start < e:
            continue
        s, e = trim_span(t, s, min(e, re_))
        if e <= s:
            continue
        sent = t[s:e]
        if _meaningful(t, s, e) < RULES.sentence_min:
            continue
        if not CUE_START_RE.match(sent):
            continue
        if sent.rstrip().endswith(":") and INTRO_RE.search(sent) and _meaningful(t, s, e) < RULES.intro_max:
            continue
        if CLOSER_RE.match(sent):
            continue
        score = _ask_score(sent[:RULES.lead_chars])
        if score <= 0:
            continue
        out.append(_Candidate(s, e, "cue_sentence", section, _score(score) * RULES.cue_sentence_share))


# ---------------------------------------------------------------------------- tables
SUGGESTION_COLUMNS = ("id", "ask_no", "start", "end", "text", "action", "object", "source",
                      "section", "score", "level", "marker")


def suggestions_table(texts, *, ids=None, kind: str | None = None):
    """The suggestions of many texts as one tidy ``pandas.DataFrame``, one row per ask.

    Parameters
    ----------
    texts : iterable of str
    ids : iterable, optional
        One id per text (default: 0, 1, 2 …); the ``id`` column joins the rows back to the
        proposals table.
    kind : None, "proposal", "reply" or "summary"
        Passed to ``extract_suggestions``.

    Columns: ``SUGGESTION_COLUMNS``; ``ask_no`` counts from 1 within each text. A text with
    no ask gives no row.
    """
    import pandas as pd

    texts = list(texts)
    ids = list(range(len(texts))) if ids is None else list(ids)
    if len(ids) != len(texts):
        raise InputError(f"{len(ids)} ids for {len(texts)} texts; give one id per text", code="PN502")
    rows = []
    for i, (pid, text) in enumerate(zip(ids, texts)):
        if not isinstance(text, str):
            raise InputTypeError(f"texts[{i}] must be a str, got {type(text).__name__}")
        for n, s in enumerate(extract_suggestions(text, kind=kind), start=1):
            rows.append((pid, n, s.start, s.end, s.text, s.action, s.object, s.source, s.section,
                         s.score, s.level, s.marker))
    return pd.DataFrame(rows, columns=list(SUGGESTION_COLUMNS))
