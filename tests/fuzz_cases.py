"""Hostile texts and the invariants every public entry point must keep on them.

Shared by ``tests/test_fuzz.py`` (Hypothesis strategies, a few examples per entry point) and
``benchmarks/robustness.py`` (a seeded random generator, thousands of cases). Every fragment
below was written for these tests: proposal-like phrases, numbering in every style the library
reads, full-width forms, numerals, quote and bracket runs, emoji, control characters, formula-like
cells, lone surrogates. A ``check_*`` function runs one entry point on its input twice and raises
``AssertionError`` naming the broken promise; an exception of the library that is not a
:class:`~proposal_nlp.errors.ProposalNLPError` (or an ``InternalError``, which is a defect by
definition) is a failure too.
"""
from __future__ import annotations

import random

import pandas as pd

# ---------------------------------------------------------------------------------- fragments
PHRASES = (
    "建议加快建设集中充电设施", "加强消防安全检查", "完善防汛应急预案", "推进韧性城市建设",
    "关于加强老旧小区消防安全管理的建议", "关于提升城市防汛能力的提案", "第0101号", "第A12号",
    "市政协十四届二次会议", "市十六届人大三次会议", "王某某等委员", "李某代表", "提案人：张三",
    "案由：关于社区应急志愿者的建议", "共办理建议提案57件", "人大代表建议30件（主办20件，会办10件）",
    "政协提案27件", "其中消防事项5件（主办3件，会办2件）", "“三个坚持”：", "坚持规划引领；",
    "“两大领域”即", "具体建议如下：", "下一步，我们将", "为此建议：", "存在火灾隐患。",
    "楼道充电易引发火灾。", "近年内涝多发。", "希望多种树。", "办理情况总结", "我局将会同有关部门",
)
ENUMERATIONS = (
    "一、", "二、", "三、", "十一、", "（一）", "（二）", "(三)", "㈠", "①", "②", "⑩", "1.", "2.", "10.",
    "1、", "２．", "(1)", "（２）", "第一条", "第二条", "第十二条", "第一百条", "第一，", "第二，",
    "一是", "二是", "三是", "首先，", "其次，", "最后，", "一要", "\n一、", "\n（一）", "\n1.", "\n第一条　",
)
FULL_WIDTH = ("ＡＢＣ１２３", "＝ＳＵＭ（Ａ１）", "％＋－＠", "\u3000", "，", "：", "；", "！", "？", "．", "～")
NUMERALS = ("一百零五", "二十", "两千", "〇", "十十", "九十九", "一百", "三万五", "零", "二二", "百千")
BRACKETS = ("“", "”", "‘", "’", "「」", "『』", "（", "）", "(", ")", "【", "】", "《", "》", "〈〉",
            "((((", "（（（（", "））））", "“”“”", "《《《", "\"", "'", "[[", "]]")
EMOJI = ("🔥", "🚒", "👨‍👩‍👧", "🇨🇳", "\U0001F600", "\u2764\ufe0f", "🧯")
CONTROL = ("\x00", "\x07", "\x08", "\x1b[31m", "\x1b]0;t\x07", "\r\n", "\r", "\n", "\n\n", "\t", "\x0b",
           "\x0c", "\x7f", "\x85", "\u2028", "\u200b", "\ufeff", "\u202e", "\u00a0")
FORMULAS = ("=1+1", "+SUM(A1:A3)", "-2+3", "@cmd", "＝HYPERLINK(\"x\")", "=cmd|' /C calc'!A0", " =1",
            "'=1", "\t=1", "－1", "#N/A", "-0.5")
COMBINING = ("\u0301", "e\u0301", "\u0300\u0301\u0302", "\u20dd")
TRADITIONAL = ("建議", "消防設施", "臺灣", "應急管理")
SURROGATES = ("\ud800", "\udfff", "\udc80", "\ud83d")

SAFE_FRAGMENTS = (PHRASES + ENUMERATIONS + FULL_WIDTH + NUMERALS + BRACKETS + EMOJI + CONTROL + FORMULAS
                  + COMBINING + TRADITIONAL)
#: an alphabet for single characters drawn between fragments (CJK, ASCII, punctuation, symbols)
ALPHABET = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产"
            "种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本"
            "去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或"
            "但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品"
            "式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先"
            "回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清"
            "abcXYZ0123456789 .,;:!?-=+@#%&*/\\|<>")


def random_text(rng: random.Random, *, surrogates: bool = False, max_parts: int = 30) -> str:
    """A hostile text from fragments and single characters (``surrogates``: lone ones too)."""
    pools = [SAFE_FRAGMENTS] * 6 + [SURROGATES] * surrogates
    parts = []
    for _ in range(rng.randint(0, max_parts)):
        r = rng.random()
        if r < 0.6:
            pool = rng.choice(pools)
            parts.append(rng.choice(pool))
        elif r < 0.9:
            parts.append("".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 12))))
        else:
            parts.append(chr(rng.randint(0x20, 0x2FFFF) if not surrogates else rng.randint(0x20, 0x10FFFF)))
    text = "".join(parts)
    if not surrogates:
        text = "".join(ch for ch in text if not 0xD800 <= ord(ch) <= 0xDFFF)
    return text


def long_text(rng: random.Random, size: int, **kw) -> str:
    """A hostile text of about ``size`` characters (random texts joined)."""
    parts, n = [], 0
    while n < size:
        t = random_text(rng, **kw) or "。"
        parts.append(t)
        n += len(t)
    return "".join(parts)[:size]


def has_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)


def xlsx_safe(text: str) -> str:
    """``text`` without what an XLSX cell cannot hold (XML control characters, surrogates)."""
    return "".join(ch for ch in text if not (ord(ch) < 0x20 and ch not in "\t\n\r") and not 0xD800 <= ord(ch) <= 0xDFFF)


# ---------------------------------------------------------------------------------- Hypothesis
def strategies():
    """``(texts, texts_with_surrogates, long_texts)`` as Hypothesis strategies."""
    from hypothesis import strategies as st

    def build(surrogates: bool):
        chars = st.characters(codec=None if surrogates else "utf-8")
        pieces = [st.sampled_from(SAFE_FRAGMENTS), st.text(alphabet=ALPHABET, min_size=1, max_size=12),
                  st.text(alphabet=chars, max_size=4)]
        if surrogates:
            pieces.append(st.sampled_from(SURROGATES))
        return st.lists(st.one_of(*pieces), max_size=30).map("".join)

    safe = build(False)
    hostile = build(True)
    long = st.tuples(safe.filter(bool), st.integers(10_000, 30_000)).map(
        lambda p: (p[0] * (p[1] // len(p[0]) + 1))[:p[1]])
    return safe, hostile, long


# ---------------------------------------------------------------------------------- invariants
def expected_error(exc: BaseException) -> bool:
    """An exception the library documents for a text input: a ProposalNLPError that is not a defect."""
    from proposal_nlp.errors import InternalError, ProposalNLPError

    return isinstance(exc, ProposalNLPError) and not isinstance(exc, InternalError)


def twice(fn, *args, **kw):
    """``fn`` run twice; the outputs (equal, else AssertionError) or the documented error both times raised."""
    try:
        first = fn(*args, **kw)
    except Exception as exc:
        if expected_error(exc):
            return None
        raise
    second = fn(*args, **kw)
    if isinstance(first, pd.DataFrame):
        pd.testing.assert_frame_equal(first, second)
    elif isinstance(first, tuple) and first and isinstance(first[0], pd.DataFrame):
        for a, b in zip(first, second):
            pd.testing.assert_frame_equal(a, b)
    else:
        assert first == second, "two calls gave different outputs"
    return first


def check_normalize(text: str) -> None:
    from proposal_nlp import normalize

    out = twice(normalize, text)
    assert isinstance(out, str) and len(out) == len(text), "normalize changed the length"
    assert normalize(out) == out, "normalize is not idempotent"


def check_segment(segmenters, text: str) -> None:
    """Tokens cover the text, slice back, equal ``cut``; every backend gives the same tokens."""
    tokens = None
    for seg in segmenters:
        toks = twice(seg.tokenize, text)
        if toks is None:
            return
        pos = 0
        for t in toks:
            assert t.start == pos and t.end > t.start, f"token {t} does not follow offset {pos}"
            assert text[t.start:t.end] == t.text, f"token {t} does not slice back"
            pos = t.end
        assert pos == len(text), "tokens do not cover the text"
        assert seg.cut(text) == [t.text for t in toks], "cut and tokenize differ"
        if tokens is not None:
            assert toks == tokens, f"{seg.backend} tokens differ from the first backend's"
        tokens = toks


def check_extract(text: str, kind=None) -> None:
    from proposal_nlp import extract_suggestions

    sugs = twice(extract_suggestions, text, kind=kind)
    if sugs is None:
        return
    last = 0
    for s in sugs:
        assert 0 <= s.start < s.end <= len(text), f"span {s.start}:{s.end} outside the text"
        assert text[s.start:s.end] == s.text, f"span {s.start}:{s.end} does not slice back"
        assert s.start >= last, "asks overlap or are out of order"
        last = s.end


def check_parse_proposal(text: str) -> None:
    from proposal_nlp import parse_proposal

    info = twice(parse_proposal, text)
    if info is None:
        return
    for name in ("number", "session", "kind", "proposers", "title"):
        f = getattr(info, name)
        if f is not None:
            assert 0 <= f.start <= f.end <= len(text), f"{name} offsets outside the text"
            assert text[f.start:f.end] == f.value, f"{name} does not slice back"
    info.as_dict()


def check_parse_policy(text: str) -> None:
    import warnings

    from proposal_nlp import parse_policy

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clauses = twice(parse_policy, text)
    if clauses is None:
        return
    ids = [c.clause_id for c in clauses]
    assert len(ids) == len(set(ids)), "duplicate clause ids"
    for c in clauses:
        assert 0 <= c.start <= c.end <= len(text), f"clause {c.clause_id} outside the text"
        assert text[c.start:c.end] == c.text, f"clause {c.clause_id} does not slice back"


def check_audit(text: str) -> None:
    from proposal_nlp import audit_summary
    from proposal_nlp.report_checks import CHECK_COLUMNS

    out = twice(audit_summary, text)
    if out is None:
        return
    figures, checks = out
    for rec in figures.itertuples(index=False):
        assert 0 <= rec.start < rec.end <= len(text), "figure offsets outside the text"
        if rec.measure == "count":
            assert int(rec.count) == rec.count and rec.count >= 0, "a count that is no whole number"
        else:
            assert 0 <= rec.percent <= 100, "a percentage outside 0-100"
    assert list(checks.columns) == CHECK_COLUMNS


def check_report(text: str) -> None:
    """parse_report: every table's offsets inside the text, plans and asks slicing back."""
    from proposal_nlp import parse_report

    tables = ("sections", "figures", "checks", "cited", "cited_asks", "plans", "notes")
    report = twice(lambda t: tuple(getattr(parse_report(t), name) for name in tables), text)
    if report is None:
        return
    report = parse_report(text)
    for table in (report.sections, report.figures, report.plans, report.cited, report.cited_asks, report.notes):
        for rec in table.itertuples(index=False):
            assert 0 <= rec.start <= rec.end <= len(text), "offsets outside the text"
    for table in (report.plans, report.cited_asks):
        for rec in table.itertuples(index=False):
            assert text[rec.start:rec.end] == rec.text, "a plan or ask that does not slice back"


def check_predict(clf, texts: list[str]) -> None:
    frame = twice(clf.predict_frame, texts)
    if frame is None:
        return
    assert len(frame) == len(texts), "predict_frame gave another number of rows than texts"


def check_match(matcher, texts: list[str], top_k: int = 3) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = twice(matcher.match, texts, top_k=top_k)
    if out is None:
        return
    ids = list(dict.fromkeys(out["query_id"]))
    assert ids == list(range(len(texts))), "match rows are not one group per query, in order"
    counts = out.groupby("query_id").size()
    assert ((counts >= 1) & (counts <= top_k)).all(), "a query without rows or with more than top_k"
    assert set(out["coverage"]) <= {"covered", "partial", "uncovered"}


def check_batch_tables(result, texts: list[str], ids: list[str]) -> None:
    """One proposals row per input row in order; asks slice back into their row's text (the
    text as the batch keeps it: characters UTF-8 cannot encode replaced one for one, recorded)."""
    from proposal_nlp.normalize import replace_unencodable

    p = result.proposals
    assert len(p) == len(texts), f"{len(p)} proposals rows for {len(texts)} input rows"
    assert p["row"].tolist() == list(range(1, len(texts) + 1)), "rows out of order"
    assert [replace_unencodable(i)[0] for i in ids] == p["id"].tolist(), "ids out of order"
    kept = [replace_unencodable(t)[0] for t in texts]
    for t, k, r in zip(texts, kept, p["row"]):
        if t != k:  # every replacement is recorded in the errors table
            assert ((result.errors["row"] == r) & (result.errors["stage"] == "input")).any(), f"row {r} unrecorded"
    for rec in result.suggestions.itertuples(index=False):
        src = kept[int(rec.row) - 1]
        assert src[int(rec.start):int(rec.end)] == rec.text, f"ask {rec.suggestion_id} does not slice back"


def comparable(result) -> dict:
    """The tables of a result, for comparing two runs (timings and the jobs count left out)."""
    return {name: df.reset_index(drop=True) for name, df in result.tables().items()}


def assert_same_result(a, b) -> None:
    ta, tb = comparable(a), comparable(b)
    for name in ta:
        pd.testing.assert_frame_equal(ta[name], tb[name], check_dtype=False, obj=name)


def intake_frame(texts: list[str], titles: list[str] | None = None) -> pd.DataFrame:
    """An intake table of ``texts`` (ids ``F1`` …)."""
    n = len(texts)
    return pd.DataFrame({"编号": [f"F{i + 1}" for i in range(n)],
                         "标题": titles if titles is not None else [t[:20] for t in texts],
                         "内容": texts}, dtype=object)


def write_table(df: pd.DataFrame, path) -> None:
    """Write ``df`` as a user's export would be: CSV (UTF-8 with BOM, CRLF rows), JSONL, or an XLSX
    workbook of text cells with a CR stored as ``_x000D_`` (as Excel and xlsxwriter do)."""
    from pathlib import Path

    path = Path(path)
    kind = path.suffix.lower()
    if kind == ".csv":
        df.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    elif kind == ".jsonl":
        df.to_json(path, orient="records", lines=True, force_ascii=False)
    elif kind == ".xlsx":
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell

        from proposal_nlp.outputs import xlsx_escape

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("intake")

        def cell(v):
            c = WriteOnlyCell(ws, value=xlsx_escape(xlsx_safe(str(v))))
            c.data_type = "s"  # text, even when it starts with "="
            return c

        ws.append([cell(c) for c in df.columns])
        for rec in df.itertuples(index=False):
            ws.append([cell(v) for v in rec])
        wb.save(path)
    else:
        raise ValueError(f"no writer for {kind}")


def table_as_read(df: pd.DataFrame, kind: str) -> pd.DataFrame:
    """What ``read_table`` must give back for ``df`` written by :func:`write_table` as ``kind``."""
    out = df.astype(str).reset_index(drop=True)
    if kind == "xlsx":
        out = out.map(xlsx_safe)
        # a header is stripped like any cell; trailing rows with no text at all are no data
        out.columns = [c.strip() for c in out.columns]
        while len(out) and not out.iloc[-1].map(bool).any():
            out = out.iloc[:-1]
    return out


def live_formula_cells_html(path) -> int:
    """Table cells of an HTML report that a spreadsheet would run once pasted into it: text whose
    first non-blank character starts a formula, not neutralised by a leading ``'`` (plain numbers
    such as ``-0.500`` are numbers)."""
    import html
    import re
    from pathlib import Path

    from proposal_nlp.outputs import needs_escape

    number = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
    raw = Path(path).read_text(encoding="utf-8")
    n = 0
    for m in re.finditer(r"<t[dh]>(.*?)</t[dh]>", raw, flags=re.S):
        cell = html.unescape(m.group(1))
        if needs_escape(cell) and not number.fullmatch(cell.strip()):
            n += 1
    return n
