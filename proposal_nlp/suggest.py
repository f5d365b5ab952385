"""The concrete asks of proposals, replies and summaries, as spans with offsets.

``extract_suggestions`` finds what a text asks for: the items of its enumerations
(一、 / （一） / 1. / （1） / ① / 一是… / 第一，… / 首先…其次…), sentences with action cues
(建议, 应, 要, 加快, 完善 …) and asks quoted inside a report sentence (委员提出了“…”“…”的建议).
Sections (调研情况 / 问题分析 / 具体建议 and their variants) keep problem descriptions out;
in replies and summaries the items of a 下一步工作计划 section come out as measures.
``parse_proposal`` reads what a text states of a proposal's number, session, kind,
proposers and title.

Everything is found with regular expressions on the length-preserving ``normalize`` of the
text, so every offset slices the original: ``text[s.start:s.end] == s.text``. Only the lead
clause of a span is segmented (for its ``object``), with one shared rjieba segmenter.
"""
from __future__ import annotations

import bisect
import logging
import re
from dataclasses import dataclass

from .errors import InputError, check_text
from .normalize import CLOSERS, char_class, normalize, trim_span
from .numbering import ORDINALS, Item, build_chains, build_tree, find_markers
from .proposal_fields import Field, ProposalInfo, parse_proposal
from .suggest_rules import (
    ATTACHMENT_RE, CLAUSE_MARKS, CLOSER_RE, CUE_RE, CUE_START_RE, ENDS, HEADING_RE, HEAD_KIND,
    INTRO_RE, LEAD_MEASURE_RE, PROBLEM_STRONG_RE, QUOTED_SPAN_RE, QUOTE_RE, QUOTE_RUN_RE, SOLVE_RE,
    STOPS, STRONG_CUE_RE, VERB_CHARS, VERB_RE,
)

log = logging.getLogger(__name__)

RULES_VERSION = "suggestion_rules.v1"
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


def _lead(t: str, start: int, end: int, limit: int = 60) -> tuple[int, int]:
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
        score += 2.0
    else:
        sm = _SUBJECT_HEAD_RE.match(lead)
        if sm and sm.end() > 0 and _verb_at(lead, sm.end()):
            score += 1.5
        elif stripped:
            score += 1.0
        elif _EARLY_VERB_RE.search(lead, 0, 14):
            score += 1.0
    if STRONG_CUE_RE.search(lead):
        score += 1.5
    elif CUE_RE.search(lead):
        score += 0.5
    prob = len(PROBLEM_STRONG_RE.findall(lead))
    if prob:
        solve = SOLVE_RE.search(lead)
        score -= (0.5 if solve else 2.0) * min(prob, 2)
    if _REPORT_RE.search(lead[:30]):
        score -= 1.0
    if _STATEMENT_RE.search(lead.split(",", 1)[0][:40]):
        score -= 2.5
    return score


_HEADING_WINDOW = 40
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
    win = core[:_HEADING_WINDOW]
    m = LEAD_MEASURE_RE.search(win)
    if m is not None:
        return "measure_heading", off + m.end()
    m = _LEAD_SUGGEST_RE.search(win)
    if m is not None:
        return "suggest_heading", off + m.end()
    m = _LEAD_PROBLEM_RE.search(win)
    if m is not None and not SOLVE_RE.search(win[:m.start()]):
        return "problem_heading", off + m.end()
    m = _LEAD_BACKGROUND_RE.search(win[:25])
    if m is not None and not _verb_at(core, 0):
        return "background_heading", off + m.end()
    m = _LEAD_BACKGROUND_RE.search(win[:25])
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
    v = VERB_RE.match(clause, pos) or VERB_RE.search(clause, pos, min(len(clause), pos + 12))
    if v is None:
        return None, pos
    action, aend = v.group(), v.end()
    while action in _CHAIN_VERBS:
        nxt = VERB_RE.match(clause, aend)
        if nxt is None or len(clause) - nxt.end() < 2:
            break
        action, aend = nxt.group(), nxt.end()
    if action in ("督促", "推动", "要求", "指导", "引导", "帮助", "协助"):
        # 督促企业建立X: the ask is what the others should do
        later = VERB_RE.search(clause, aend + 1, min(len(clause), aend + 10))
        if later is not None and len(clause) - later.end() >= 2:
            action, aend = later.group(), later.end()
    return action, aend


def _action_object(text: str) -> tuple[str | None, str | None]:
    """The leading verb of an ask and what it acts on, read from its first clause."""
    s = text.lstrip(" \t\n\u00a0:,")
    m = _CLAUSE_END.search(s, 0, 80)
    clause = s[:m.start()] if m else s[:60]
    if clause.startswith("对") and m is not None and s[m.start()] == ",":
        # 对X，要…查处: the object is X, the action the verb of the next clause
        m2 = _CLAUSE_END.search(s, m.end(), m.end() + 80)
        nxt = s[m.end():m2.start() if m2 else m.end() + 60]
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
    head = normalize(text[:3000])
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
                         code="PN401")
    if not text.strip():
        return []
    t = normalize(text)
    n = len(t)
    if kind is None:
        kind = detect_kind(text)

    quoted = [m.span() for m in QUOTED_SPAN_RE.finditer(t)]
    headings = _headings(t)
    attachments = [m.start() for m in ATTACHMENT_RE.finditer(t)]
    boundaries = sorted({h[0] for h in headings} | set(attachments))
    top, chains = build_tree(build_chains(find_markers(t, quoted)), n, boundaries)
    _end_last_items(t, chains)

    out: list[tuple] = []  # (start, end, source, section, score, level, marker)
    # asks quoted in a report sentence belong to replies and summaries; in a proposal such
    # quotes are slogans or cited policy
    quoted_asks = _quoted_asks(t) if kind != "proposal" else []
    if kind == "proposal":
        regions = _proposal_regions(t, top, headings, attachments)
        _emit_regions(t, top, regions, "enumeration", out)
    else:
        regions = [(s, e, w, h) for s, e, k, w, h in _heading_regions(t, top, headings, attachments)
                   if k == "measure"]
        _emit_regions(t, top, regions, "measure", out, cue_sentences=False)
        if kind == "reply":
            _emit_future_measures(t, out)
    # quoted asks win over anything they overlap
    out = _resolve(out, quoted_asks)
    result = []
    for s, e, source, section, score, level, marker in out:
        if marker is not None:
            marker = text[marker[0]:marker[1]].strip() or None
        s, e = trim_span(text, s, e)
        if e <= s:
            continue
        action, obj = _action_object(t[s:e])
        result.append(Suggestion(s, e, text[s:e], action, obj, source, section, round(score, 3),
                                 level, marker))
    return result


_FUTURE_RE = re.compile(
    r"(?:下一步|今后|接下来|下步|明年|近期|后续)[,]?|"
    r"(?:我们|我[局委办厅部院]|本[局委办厅部院]|[\u4e00-\u9fff]{0,8}(?:办公厅|办公室|部|局|委|厅|政府))"
    r"(?:还|也|仍)?(?:将|拟|计划|准备)(?:会同|继续|进一步|不断|加快|积极|认真|抓紧|着力|研究)?")


def _emit_future_measures(t: str, out: list) -> None:
    """In a reply, sentences that announce what will be done (下一步，我们将…) are measures."""
    taken = sorted((s, e) for s, e, *_ in out)
    for m in _SENT_RE.finditer(t):
        a, b = m.span()
        if a == b:
            continue
        a, b = trim_span(t, a, b)
        if b - a < 8:
            continue
        f = _FUTURE_RE.search(t, a, min(b, a + 40))
        if f is None or not VERB_RE.search(t, f.end(), min(b, f.end() + 20)):
            continue
        i = bisect.bisect_right(taken, (a, float("inf"))) - 1
        if i >= 0 and taken[i][1] > a:
            continue
        out.append((a, b, "measure", None, 0.5, None, None))


def _resolve(out: list, priority: list) -> list:
    """Order spans, drop those overlapping a priority span or an earlier kept span."""
    kept = sorted(priority, key=lambda x: x[0])
    starts = [k[0] for k in kept]
    merged = list(kept)
    for span in out:
        i = bisect.bisect_right(starts, span[0])
        clash = False
        for j in (i - 1, i):
            if 0 <= j < len(kept) and kept[j][0] < span[1] and span[0] < kept[j][1]:
                clash = True
        if not clash:
            merged.append(span)
    merged.sort(key=lambda x: (x[0], x[1]))
    res = []
    last_end = -1
    for span in merged:
        if span[0] >= last_end and span[1] > span[0]:
            res.append(span)
            last_end = span[1]
    return res


def _headings(t: str) -> list:
    """(start, end, kind, heading text) of heading lines such as "具体建议：" or "四、下一步工作计划"."""
    res = []
    for m in HEADING_RE.finditer(t):
        word = m.group("h")
        kind = HEAD_KIND[word]
        res.append((m.start() if t[m.start()] != "\n" else m.start() + 1, m.end(), kind, word))
    return res


def _quoted_asks(t: str) -> list:
    res = []
    for m in QUOTE_RUN_RE.finditer(t):
        run_s = m.start("run")
        for q in QUOTE_RE.finditer(t, run_s, m.end("run")):
            inner = q.group(1)
            if VERB_RE.match(inner) or VERB_RE.search(inner[:6]) or CUE_RE.search(inner):
                res.append((q.start(1), q.end(1), "quoted_ask", None, 0.9, None, None))
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


def _label_items(t: str, top: list) -> None:
    for it in _items_in_order(top):
        ls, le = _lead(t, it.start, min(it.end, _first_child_start(it)))
        lead = t[ls:le]
        it.label, hlen = _label_lead(lead)
        it.head_end = ls + hlen
        it.ask = _ask_score(lead) if not it.label else 0.0


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


def _heading_regions(t: str, top: list, headings: list, attachments: list) -> list:
    """Sections from heading lines and from items that name a section:
    (start, end, kind, heading text, heading end)."""
    n = len(t)
    _label_items(t, top)
    regions = []
    stops = sorted([h[0] for h in headings] + attachments + [n])
    top_starts = [c.items[0].mstart for c in top]
    for s, e, kind, word in headings:
        j = bisect.bisect_right(stops, s)
        end = stops[j] if j < len(stops) else n
        regions.append((e, max(e, end), kind, word, e))
    for it in _items_in_order(top):
        if it.label.endswith("_heading") and it.depth <= 1:
            kind = it.label[:-len("_heading")]
            regions.append((it.start, _section_end(it, top_starts, stops), kind,
                            t[it.start:it.head_end].strip(" :"), it.head_end))
    regions.sort()
    return regions


_MIN_EVIDENCE = 0.5
_LAST_CHAIN_BONUS = 0.3


def _proposal_regions(t: str, top: list, headings: list, attachments: list) -> list:
    """Where the asks of a proposal are: its suggestion sections when it has headings, else
    the stretch after the last problem description (found by a maximum suffix sum)."""
    n = len(t)
    sect = _heading_regions(t, top, headings, attachments)
    explicit = [r for r in sect if r[2] in ("suggest", "measure")]
    line_heads = [h for h in headings if h[2] in ("suggest", "measure")]
    top_heads = [it for c in top for it in c.items if it.label == "suggest_heading"]
    if line_heads:
        return [(s, e, w, h) for s, e, _, w, h in explicit]
    if top_heads:
        stops = sorted([h[0] for h in headings] + attachments + [n])
        top_starts = [c.items[0].mstart for c in top]
        return [(it.start, _section_end(it, top_starts, stops), t[it.start:it.head_end].strip(" :"),
                 it.head_end) for it in top_heads]
    if explicit and (line_heads or any(h[2] != "suggest" for h in headings) or
                     any(r[2] in ("problem", "background") for r in sect)):
        return [(s, e, w, h) for s, e, _, w, h in explicit]
    # no section structure: weigh the evidence along the text
    events = []  # (pos, weight)
    last_chain = top[-1] if top else None
    for it in _items_in_order(top):
        bonus = _LAST_CHAIN_BONUS if (it.depth == 0 and it.chain is last_chain) else 0.0
        if it.label == "suggest_heading" or it.label == "measure_heading":
            events.append((it.mstart, 3.0))
        elif it.label in ("problem_heading", "background_heading"):
            events.append((it.mstart, -3.0))
        else:
            w = 1.0 if it.ask >= 1.4 else (0.0 if it.ask > 0.4 else (-1.0 if it.ask <= -1.0 else -0.3))
            w += bonus
            if w:
                events.append((it.mstart, w * (1.0 if it.depth == 0 else 0.7)))
    for m in INTRO_RE.finditer(t):
        events.append((m.start(), 2.5))
    # prose sentences outside the enumerations: cue-led ones count for, problem ones against
    spans = sorted((c.items[0].mstart, c.items[-1].end) for c in top)
    si = 0
    for m in _SENT_RE.finditer(t):
        a, b = m.span()
        if a == b:
            continue
        while si < len(spans) and spans[si][1] <= a:
            si += 1
        if si < len(spans) and spans[si][0] < b:
            continue
        sent = t[a:b].strip()
        if len(sent) < 8:
            continue
        if CUE_START_RE.match(sent) and not CLOSER_RE.match(sent):
            events.append((a, 0.6))
        elif PROBLEM_STRONG_RE.search(sent) and not SOLVE_RE.search(sent):
            events.append((a, -0.5))
    for s, e, kind, _, _ in sect:
        if kind in ("problem", "background"):
            events.append((s, -3.0))
    if attachments:
        cut = attachments[0]
        events = [ev for ev in events if ev[0] < cut]
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
    if best_pos is None or best < _MIN_EVIDENCE:
        return []
    # start the region at the sentence that holds the first event
    start = best_pos
    return [(start, cut, None, start)]


def _emit_regions(t: str, top: list, regions: list, source: str, out: list,
                  cue_sentences: bool = True) -> None:
    if not regions:
        return
    items = sorted(_items_in_order(top), key=lambda x: x.mstart)  # parents before children
    starts = [it.mstart for it in items]
    for rs, re_, section, head_end in regions:
        covered: list = [(rs, head_end)] if head_end > rs else []
        # items whose marker is inside the region, at the top-most such level
        for k in range(bisect.bisect_left(starts, rs), bisect.bisect_left(starts, re_)):
            it = items[k]
            if any(c[0] <= it.mstart < c[1] for c in covered[-1:]):
                continue
            span_end = min(it.end, re_)
            covered.append((it.mstart, span_end))
            _emit_item(t, it, span_end, source, section, out)
        if cue_sentences:
            _emit_cues(t, rs, re_, covered, section, out)


def _emit_item(t: str, it: Item, end: int, source: str, section, out: list) -> None:
    """The item as one span, or its sub-items when they are the concrete asks."""
    kids = sorted((k for ch in it.children for k in ch.items), key=lambda k: k.mstart)
    kids = [k for k in kids if k.mstart < end]
    marker = (it.mstart, it.start)  # offsets: sliced from the caller's original text
    if it.label in ("suggest_heading", "measure_heading"):
        if kids:
            for k in kids:
                _emit_item(t, k, min(k.end, end), source, section, out)
        else:
            ls, le = _lead(t, it.start, end)
            _emit_cues(t, le, end, [], section, out)
        return
    if it.label in ("problem_heading", "background_heading"):
        return
    if kids:
        asks = sum(1 for k in kids if k.ask > 0 or k.children or k.label.endswith("suggest_heading"))
        if asks * 2 >= len(kids):
            fc = kids[0].mstart
            s, e = trim_span(t, it.start, fc)
            if e > s and _meaningful(t, s, e) >= 25:
                out.append((s, e, source, section, _score(it.ask), it.depth, marker))
            for k in kids:
                _emit_item(t, k, min(k.end, end), source, section, out)
            return
    s, e = trim_span(t, it.start, end)
    if e > s and _meaningful(t, s, e) >= 2:
        out.append((s, e, source, section, _score(it.ask), it.depth, marker))


def _score(ask: float) -> float:
    return max(0.05, min(1.0, 0.5 + 0.12 * ask))


def _emit_cues(t: str, rs: int, re_: int, covered: list, section, out: list) -> None:
    """Sentences with an action cue in [rs, re_) outside the covered stretches."""
    cov = sorted(covered)
    ci = 0
    pos = rs
    for m in _SENT_RE.finditer(t, rs, re_):
        s, e = m.span()
        if s >= re_:
            break
        if s == e:
            if e >= re_:
                break
            continue
        while ci < len(cov) and cov[ci][1] <= s:
            ci += 1
        if ci < len(cov) and cov[ci][0] < e:
            continue
        s, e = trim_span(t, s, min(e, re_))
        if e <= s:
            continue
        sent = t[s:e]
        if _meaningful(t, s, e) < 8:
            continue
        if not CUE_START_RE.match(sent):
            continue
        if sent.rstrip().endswith(":") and INTRO_RE.search(sent) and _meaningful(t, s, e) < 30:
            continue
        if CLOSER_RE.match(sent):
            continue
        score = _ask_score(sent[:60])
        if score <= 0:
            continue
        out.append((s, e, "cue_sentence", section, _score(score) * 0.9, None, None))


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
        raise InputError(f"{len(ids)} ids for {len(texts)} texts; give one id per text", code="PN402")
    rows = []
    for i, (pid, text) in enumerate(zip(ids, texts)):
        if not isinstance(text, str):
            raise TypeError(f"[PN001] texts[{i}] must be a str, got {type(text).__name__}")
        for n, s in enumerate(extract_suggestions(text, kind=kind), start=1):
            rows.append((pid, n, s.start, s.end, s.text, s.action, s.object, s.source, s.section,
                         s.score, s.level, s.marker))
    return pd.DataFrame(rows, columns=list(SUGGESTION_COLUMNS))
