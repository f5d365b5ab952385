"""What a text states of a proposal: number, session, kind, proposers and title.

``parse_proposal`` reads them with regular expressions on the length-preserving
``normalize`` of the text; each comes back as a ``Field`` whose offsets slice the input.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import check_text
from .normalize import normalize, trim_span
from .numbering import ORDINALS

__all__ = ["Field", "ProposalInfo", "parse_proposal"]


@dataclass(frozen=True)
class Field:
    """A value stated in the text, with its offsets: ``text[start:end] == value``."""

    value: str
    start: int
    end: int


@dataclass(frozen=True)
class ProposalInfo:
    """What a text states about a proposal; absent fields are None."""

    number: Field | None = None
    session: Field | None = None
    kind: Field | None = None
    proposers: Field | None = None
    title: Field | None = None

    @property
    def kind_id(self) -> str | None:
        """The kind as an id: ``cppcc_proposal`` (政协提案), ``npc_suggestion`` (人大代表建议) or
        ``npc_motion`` (议案), read from the stated kind and session; None when neither says."""
        kind = self.kind.value if self.kind else ""
        session = self.session.value if self.session else ""
        if "议案" in kind:
            return "npc_motion"
        if "政协" in kind or "委员" in kind or (kind.endswith("提案") and "人大" not in session):
            return "cppcc_proposal"
        if "代表" in kind or "人大" in kind or (kind == "建议" and "政协" not in session):
            return "npc_suggestion"
        if "政协" in session:
            return "cppcc_proposal"
        if "人大" in session or "人民代表大会" in session:
            return "npc_suggestion"
        return None

    def as_dict(self) -> dict:
        """Values only (``{"number": "0219", ...}``, plus ``kind_id``), None where absent."""
        d = {k: (getattr(self, k).value if getattr(self, k) else None) for k in self.__dataclass_fields__}
        d["kind_id"] = self.kind_id
        return d


_NUMBER_RE = re.compile(r"第\s*(?P<v>[A-Za-z]?\d{1,6})\s*号")
_CN3 = f"[{ORDINALS}]{{1,3}}"
# a place name: no function word or title in it (名代表在区十七届… is no place)
_PLACE = r"(?:全国|(?:(?![在于的名等上提出和与及是代委])[\u4e00-\u9fff]){0,6}?(?:省|市|自治区|区|县))?"
_SESSION_RE = re.compile(
    rf"(?P<v>{_PLACE}(?:(?:政协|人大)第?{_CN3}届(?:第?{_CN3}次)?(?:会议|全会|全体会议)?|"
    rf"第?{_CN3}届(?:全国|[\u4e00-\u9fff]{{1,6}}?(?:省|市|自治区|区|县))?(?:人大|人民代表大会|政协)(?:常委会)?"
    rf"(?:第?{_CN3}次)(?:会议|全会|全体会议)?|"
    rf"第?{_CN3}届(?:人民代表大会|政协委员会|委员会)第?{_CN3}次(?:会议|全会|全体会议)))")
_KIND_RE = re.compile(r"(?P<v>人大代表建议|代表建议|政协提案|委员提案|议案|提案|建议)")
_LEADING_FUNCTION = frozenset("在于对向从经由和与及是为将把被的据并同")
_PROPOSER_FIELD_RE = re.compile(
    r"(?:提案人|领衔人|提出人|建议人|领衔代表|提案者|提议人)\s*[:]\s*(?P<v>[^\n,;。]{2,40})")
_PROPOSER_GROUP_RE = re.compile(r"(?P<v>(?<![代委])[\u4e00-\u9fff·]{2,4}(?:(?:代表|委员)?等\d*[名位]?(?:委员|代表)|"
                                r"(?:代表|委员)等\d+[名位]?人?)|(?<=委员|代表)[\u4e00-\u9fff·]{2,4}等\d+[名位]?人)")
_PROPOSER_ONE_RE = re.compile(
    r"(?P<v>(?<![代委])(?:[\u4e00-\u9fff·]{2,4}、){0,5}[\u4e00-\u9fff·]{2,4}(?:委员|代表))(?=[,、在于提领的:\s]|$)")
_TITLE_RE = re.compile(r"(?P<v>关于[^\n。;!?“”《》]{2,60}?的(?:建议|提案|议案))")
_TITLE_FIELD_RE = re.compile(r"(?:案由|标题|题目)\s*[:]\s*(?P<v>[^\n]{2,80})")
_BAD_NAME = ("人大", "政协", "各位", "有关", "全体", "广大", "相关", "代表", "委员", "听取", "邀请", "市", "省")


def parse_proposal(text: str) -> ProposalInfo:
    """What ``text`` states about a proposal: number (第0219号 → "0219"), session
    (市政协十四届二次会议), kind (人大代表建议 / 政协提案 / 议案 / 提案 / 代表建议 as written),
    proposers (王训国等委员) and title (关于…的建议), each a ``Field`` with offsets into ``text``,
    or None when the text does not state it.

    The first statement of each field counts; in a summary that cites several proposals,
    pass the sentence or paragraph about one of them.
    """
    check_text(text)
    t = normalize(text)

    def field(m, group="v", strip_function=False):
        if m is None:
            return None
        s, e = m.span(group)
        if strip_function:
            while s < e and t[s] in _LEADING_FUNCTION:
                s += 1
        s, e = trim_span(text, s, e)
        return Field(text[s:e], s, e) if e > s else None

    number = field(_NUMBER_RE.search(t))
    session = field(_SESSION_RE.search(t), strip_function=True)
    kind = None
    for anchor in (number, session):
        if kind is None and anchor is not None:
            m = _KIND_RE.match(t, anchor.end + (1 if t[anchor.end:anchor.end + 1] == "号" else 0))
            if m is None:
                m = _KIND_RE.search(t, anchor.end, anchor.end + 12)
            kind = field(m)
    if kind is None:
        kind = field(re.search(r"(?P<v>人大代表建议|政协提案|议案)", t))
    proposers = field(_PROPOSER_FIELD_RE.search(t))
    if proposers is None:
        for rx in (_PROPOSER_GROUP_RE, _PROPOSER_ONE_RE):
            for m in rx.finditer(t):
                f = field(m, strip_function=True)
                head = f.value.split("等")[0] if f else ""
                if head.endswith(("代表", "委员")):
                    head = head[:-2]
                if f is None or len(head) < 2 or any(w in head for w in _BAD_NAME):
                    continue
                proposers = f
                break
            if proposers is not None:
                break
    title = field(_TITLE_FIELD_RE.search(t)) or field(_TITLE_RE.search(t))
    return ProposalInfo(number, session, kind, proposers, title)
