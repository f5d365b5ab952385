"""Small, fast, picklable stand-ins for the classifier, extractor and matcher.

The batch tests check orchestration (rows kept, order, errors, joins, files), not model
quality, so they plug these in through ``process_table(classifier=, extractor=, parser=,
matcher=)``. They live in a module of their own so that worker processes can import them.
"""
from __future__ import annotations

import re

import pandas as pd

from proposal_nlp.suggest import Suggestion

TOPICS = ("fire_safety", "e_bikes", "flood_disaster")


class KeywordClassifier:
    """Topics by keyword; fire when 火 or 消防 occurs; raises on texts containing BOOM."""

    keywords = {"fire_safety": ("消防", "火灾"), "e_bikes": ("电动自行车", "充电"), "flood_disaster": ("防汛", "内涝")}

    def predict_frame(self, texts):
        rows = []
        for t in texts:
            if t is None:
                t = ""
            if "BOOM" in t:
                raise RuntimeError("stand-in classifier failure")
            topics = [k for k, words in self.keywords.items() if any(w in t for w in words)]
            fire = ("火" in t) or ("消防" in t)
            row = {"topics": topics, "fire_relevant": fire, "fire_score": 0.9 if fire else 0.1}
            for k in TOPICS:
                row[f"score_{k}"] = 1.0 if k in topics else 0.0
            rows.append(row)
        return pd.DataFrame(rows, columns=["topics", "fire_relevant", "fire_score", *[f"score_{k}" for k in TOPICS]])


_ASK = re.compile(r"(建议|加快|加强|完善)[^。；;\n]*")


def extract_asks(text, *, kind=None):
    """Every clause starting with a cue word is an ask; raises on texts containing CRASH."""
    if "CRASH" in text:
        raise ValueError("stand-in extractor failure")
    out = []
    for m in _ASK.finditer(text):
        out.append(Suggestion(m.start(), m.end(), m.group(), m.group(1), m.group()[2:6] or None, "cue sentence", None, 0.8))
    return out


def parse_fields(text):
    m = re.search(r"第(\d+)号", text)
    return {"number": {"value": m.group(1), "start": m.start(1), "end": m.end(1)} if m else None,
            "session": None, "kind": None, "proposers": None, "title": None}


class OverlapMatcher:
    """Clauses ranked by shared characters; covered / partial / uncovered by the best share."""

    def fit(self, clauses):
        df = clauses if isinstance(clauses, pd.DataFrame) else pd.DataFrame(clauses)
        self.ids_ = df["clause_id"].astype(str).tolist()
        self.sets_ = [set(t) - set("，。、的和与") for t in df["text"].astype(str)]
        return self

    def match(self, texts, *, top_k=3, query_ids=None):
        query_ids = list(query_ids) if query_ids is not None else [str(i) for i in range(len(texts))]
        rows = []
        for q, t in zip(query_ids, texts):
            chars = set(t) - set("，。、的和与")
            scores = sorted(((len(chars & s) / (len(chars) or 1), cid) for cid, s in zip(self.ids_, self.sets_)),
                            key=lambda x: (-x[0], x[1]))[:top_k]
            best = scores[0][0] if scores else 0.0
            verdict = "covered" if best >= 0.5 else "partial" if best >= 0.3 else "uncovered"
            for r, (sc, cid) in enumerate(scores, 1):
                rows.append({"query_id": q, "rank": r, "clause_id": cid, "score": sc,
                             "evidence": sorted(chars & self.sets_[self.ids_.index(cid)])[:5], "coverage": verdict})
        return pd.DataFrame(rows, columns=["query_id", "rank", "clause_id", "score", "evidence", "coverage"])


FRAMEWORK = pd.DataFrame({
    "clause_id": ["一个目标.1", "四大问题.1", "五个突出.5"],
    "group": ["一个目标", "四大问题", "五个突出"],
    "index": [1, 1, 5],
    "text": ["建设韧性安全城市体系，提升防控能力", "解决极端情况下平灾转换不畅的问题", "强化社会、市场、公众等作用发挥"],
})

STANDINS = dict(classifier=KeywordClassifier(), extractor=extract_asks, parser=parse_fields, matcher=OverlapMatcher())


def run(df, **kw):
    """``process_table`` with the stand-ins and ``FRAMEWORK`` as policy (``kw`` overrides them)."""
    from proposal_nlp.batch import process_table

    opts = {**STANDINS, "policy": FRAMEWORK, **kw}
    return process_table(df, **opts)


def proposals_frame(n: int = 6) -> pd.DataFrame:
    """A small intake table written for the tests (no shared text)."""
    base = [
        ("0101", "政协提案", "主办", "关于整治电动自行车飞线充电的提案", "第0101号提案。楼道充电易引发火灾。建议加快建设集中充电设施；加强消防检查。"),
        ("0102", "人大代表建议", "会办", "关于提升城市防汛能力的建议", "近年内涝多发。建议完善防汛预案；加快排水管网改造。"),
        ("0103", "人大代表建议", "主办", "关于社区应急志愿者的建议", "建议加强社区志愿者培训。"),
        ("0104", "政协提案", "会办", "关于公园绿化的提案", "公园绿化不足，希望多种树。"),
    ]
    rows = [base[i % len(base)] for i in range(n)]
    return pd.DataFrame({
        "编号": [f"{r[0]}-{i}" for i, r in enumerate(rows)],
        "类型": [r[1] for r in rows], "办理方式": [r[2] for r in rows],
        "标题": [r[3] for r in rows], "内容": [r[4] for r in rows],
    })


class FailingMatcher(OverlapMatcher):
    """Fits, then fails on every ask (a matcher broken for this policy)."""

    def match(self, texts, *, top_k=3, query_ids=None):
        raise RuntimeError("stand-in matcher failure")


class FailingClassifier:
    """A classifier object that raises for every text."""

    def predict_frame(self, texts):
        raise RuntimeError("stand-in model cannot predict")
