"""Texts that stall naive regular expressions, and a normal text of the same size to time
them against: what ``tests/test_*`` (bounded work per row) and the robustness benchmark share.

``pathological_texts(n)`` gives ``{name: text}``, each text ``n`` characters made of one
repeated run (brackets, quotes, combining marks, marks, spaces, dashes, emoji, outline
numbers): half of it from the text's start, a few words, a line break, the other half at a
line start and a few words to end (so that no early exit for blank text hides the run and
both the patterns anchored at a line start and those that are not meet it);
``normal_text(n)`` gives ``n`` characters of a proposal written for the tests (headings,
numbered asks, quotes, a policy outline and law articles), so that a ratio of times compares
like with like. ``time_min(fn, text)`` is the best of a few runs, which damps noise, and
``slowdowns(fn, n)`` the ratio of times per pathological text.
"""
from __future__ import annotations

import time

#: the repeated runs, by name; each is cycled until the text has the wanted length
RUNS = {
    "open_paren": "（",
    "paren_pairs": "（）",
    "open_quote": "“",
    "close_quote": "”",
    "book_title": "《",
    "combining": "a" + "\u0301" * 999,  # a letter carrying a long run of combining acute accents
    "enum_comma": "、",
    "full_stop": "。",
    "spaces": " ",
    "bang_question": "!?",
    "dashes": "——",
    "emoji": "🚒",
    "outline_digits": "1.1.1.",
    "cn_heading": "一、",
    "law_article": "第一条",
    "cn_heading_lines": "一、\n",
    "law_article_lines": "第一条\n",
    "circled": "①",
    "tabs": "\t",
}
#: runs that a phrase opens, so that the patterns starting at that phrase must cross them
OPENED_RUNS = {
    "intro_commas": ("为此", "，"),
    "intro_spaces": ("为此我们", " "),
    "attachment_spaces": ("附件", " "),
    "heading_spaces": ("具体建议", " "),
    "proposer_spaces": ("提案人：", " "),
    "quote_chain": ("提出了", "“加强管理”"),
    "framework_spaces": ("三个坚持", " "),
}
# the words around the two halves of a run
_AFTER_FIRST, _AFTER_SECOND = "建议加强管理\n", "完善制度"

# written for the tests: a proposal with headings, numbered asks, quotes and a cited outline
_NORMAL = (
    "关于加强老旧小区电动自行车充电安全管理的建议\n"
    "提案人：李明等3位委员\n"
    "调研情况：近年来，我市电动自行车保有量快速增长，已超过120万辆。部分老旧小区缺少集中充电设施，"
    "居民“飞线充电”、楼道停放现象较为普遍，2023年全市共发生电动自行车火灾46起。\n"
    "问题分析：一是充电设施不足，建设用地和电力容量难以保障；二是管理责任不清，物业、社区和街道之间"
    "缺乏协同；三是宣传教育不到位，群众安全意识有待提高。\n"
    "具体建议：\n"
    "一、加快建设集中充电设施。将充电棚、智能充电桩纳入老旧小区改造内容，对建设运营单位给予补贴。\n"
    "二、压实各方管理责任。（一）明确物业服务企业的日常巡查责任；（二）建立街道、社区、物业联动机制；"
    "（三）对拒不整改的依法查处。\n"
    "三、加强宣传教育。1.利用《消防法》宣传周开展案例警示；2.组织入户走访，普及安全充电常识；"
    "3.鼓励居民举报楼道充电行为。\n"
    "第一条 为了预防火灾和减少火灾危害，制定本办法。\n"
    "第二条 本办法适用于本市行政区域内电动自行车的停放和充电管理。\n"
    "以上建议，恳请有关部门研究采纳！\n"
)


def normal_text(n: int) -> str:
    """``n`` characters of ordinary proposal text (the proposal above, repeated)."""
    return (_NORMAL * (n // len(_NORMAL) + 1))[:n]


def pathological_texts(n: int, names=None) -> dict[str, str]:
    """``{name: text}``: for each run of ``RUNS`` and ``OPENED_RUNS`` (or of ``names``), a
    text of ``n`` characters: the run (after its opening phrase), 建议加强管理, a line break,
    the run again, 完善制度."""
    out = {}
    rest = n - len(_AFTER_FIRST) - len(_AFTER_SECOND)
    for name in [*RUNS, *OPENED_RUNS] if names is None else names:
        opener, run = OPENED_RUNS[name] if name in OPENED_RUNS else ("", RUNS[name])
        body = opener + run * (rest // len(run) + 1)
        half = rest // 2
        out[name] = body[:half] + _AFTER_FIRST + body[:rest - half] + _AFTER_SECOND
    return out


def time_min(fn, text: str, repeat: int = 3) -> float:
    """The least of ``repeat`` wall-clock times of ``fn(text)``, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(text)
        best = min(best, time.perf_counter() - t0)
    return best


def slowdowns(fn, n: int, names=None, *, limit: float = 5.0, repeat: int = 3) -> dict[str, float]:
    """``{name: ratio}``: how many times longer ``fn`` takes on each pathological text of
    ``n`` characters (:func:`pathological_texts`) than on ``n`` characters of normal text.
    Noise on a shared machine only makes a run slower, so each time is the least of several:
    ``repeat`` runs for the normal text, one for a pathological text, ``repeat`` more for one
    that looks slower than ``limit / 2`` at first."""
    fn(normal_text(2000))  # warm up: lazy tables, the segmenter's dictionary
    base = time_min(fn, normal_text(n), repeat)
    ratios = {}
    for name, text in pathological_texts(n, names).items():
        t = time_min(fn, text, 1)
        if t > base * limit / 2:
            t = min(t, time_min(fn, text, repeat))
        ratios[name] = round(t / base, 2)
    return ratios
