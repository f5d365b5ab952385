"""Place names in citizen messages (小区 / 花园 / 路 / 街道 / 村 / 学校 / 公司 / 站 …), with offsets.

A hot issue is one problem at one place: two messages that tell the same complaint about two
estates are two issues. :func:`extract_places` finds the places a message names, each a
:class:`Place` span (``text[p.start:p.end] == p.text``) with a ``key`` for comparing places
across messages and a ``level``:

- ``fine``: an estate, a building, a road, a village, a school, a company, a station, a market;
- ``coarse``: a 街道 / 镇 / 乡 (many fine places lie in one);
- ``district``: a city, district or county (``A市``, ``A3区``, ``A7县`` in the pseudonymised Teddy
  texts; ``南京市``, ``江宁区`` in real ones).

A name is a run of name characters ending in a place suffix (:data:`SUFFIXES`), started after a
district, a punctuation mark or a word that cannot be part of a name (反映、投诉、关于、位于 …).
Names that name no particular place (该小区、水泥路、便利店) are left out. The key drops a generic
trailing word (小区、项目、工地) so that 魅力之城小区 and 魅力之城 compare equal;
:func:`same_place` also takes one key inside the other (万科魅力之城 / 魅力之城) or four
characters in common as the same place.

Rules only, on the length-preserving :func:`~proposal_nlp.normalize.normalize`: linear in the
length of the text, no model, no segmenter.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from .errors import check_text
from .normalize import normalize

__all__ = ["Place", "PlaceSet", "extract_places", "place_set", "same_place", "overlap", "LEVELS", "SUFFIXES"]

LEVELS = ("fine", "coarse", "district")

#: suffixes of a particular place, longest first within the pattern
SUFFIXES = (
    "小区", "花园", "家园", "公寓", "大厦", "广场", "公馆", "山庄", "名苑", "华庭", "新村", "新城", "社区", "村委会",
    "街道办", "街道", "大道", "学校", "小学", "中学", "高中", "大学", "学院", "幼儿园", "医院", "卫生院", "诊所",
    "公司", "集团", "车站", "地铁站", "高铁站", "汽车站", "市场", "工地", "项目", "中心", "酒店", "宾馆", "超市",
    "商场", "公园", "隧道", "大桥", "物流园", "工业园", "产业园", "园区", "驾校", "楼盘", "国际", "天地", "一品",
    "附中", "附小", "坊", "湖",
    "苑", "庭", "府", "园", "湾", "郡", "城", "村", "组", "镇", "乡", "路", "街", "巷", "站", "桥", "厂",
)
COARSE = ("街道办", "街道", "镇", "乡")
#: trailing words dropped from a key (the estate is the same with or without them)
GENERIC_TAILS = ("小区", "项目", "工地", "楼盘", "片区", "社区")
#: names (key without suffix) that name no particular place
GENERIC_NAMES = frozenset("""
该 本 此 这 那 这个 那个 我们 我 你们 我家 他们 各 每个 每 整个 全 附近 周边 周围 旁边 对面 隔壁 整 新 老 大 小
一个 几个 多个 部分 其他 其它 有关 相关 所在 所属 同一 所有 住宅 居民 商品房 安置 老旧 高档 普通 城市 农村 乡村
水泥 马 公 道 铁 高速 大马 主干 支 便利 小卖 商 饭 饭馆 药 理发 城中 城乡 县城 市区 城区 进 出 上 下 入 到 回 去 办
公交 地铁 火车 汽车 加油 派出 物业 开发 建筑 施工 装修 中 高 初 私立 民办 公办 培训 职业 大专 中专 技术 政府 人民
卫生 社区卫生 乡镇 工程 建设 改造 拆迁 一 二 三 四 五 两 学 医 村民 居 家 组 乡 镇 街 路 园 城 政 人民政 民办 私立民办
公立 国有 省 市 县 区 这段 那段 这条 那条 这么多 那么多 农 有一家 一家 当地 本地 外地 农贸 菜 停车 充电 垃圾 中转 污水 处理 自来水 电 变电 基 基站 信号 临时 违建 违章
""".split())
#: words that cannot be inside a name: a name starts after them
BREAK_WORDS = (
    "反映", "投诉", "举报", "关于", "请求", "恳请", "咨询", "建议", "希望", "要求", "请问", "位于", "地处", "座落",
    "坐落", "居住", "住在", "我是", "本人", "我们", "业主", "市民", "村民", "居民", "强烈", "严重", "问题", "为何",
    "为什么", "何时", "什么", "怎么", "如何", "能否", "是否", "尽快", "加快", "解决", "处理", "查处", "整治", "已经",
    "一直", "长期", "至今", "目前", "现在", "附近", "周边", "旁边", "对面", "门口", "楼下", "里面", "内部", "的",
    "修建", "新建", "增加", "建设", "迁移", "开通", "设立", "取消", "恢复", "拆除", "搬迁", "一带", "地段", "路段", "影响", "现有", "公里", "这", "相关", "部门", "本身",
    "告知", "了解", "全国", "全省", "全市", "上路", "能否", "可以", "应该", "已",
    "在", "是", "了", "和", "与", "及", "或", "对", "给", "把", "被", "从", "由", "于", "为", "请", "让", "将",
    "没", "不", "要", "到", "往", "有一家", "一家", "这家", "那家", "这么多", "那么多",
)
_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
_NAME_CHAR = f"[{_CJK}A-Za-z0-9]"
_SUFFIX_ALT = "|".join(sorted(SUFFIXES, key=len, reverse=True))
#: a pseudonymised district anywhere (A市, A3区, K11县); a real one at the start of a stretch
_DISTRICT_RE = re.compile(r"[A-Z][0-9]{0,2} ?[市区县州](?![长民委政府])")
_REAL_DISTRICT_RE = re.compile(
    rf"[{_CJK}]{{2,3}}(?<![城超都闹夜菜股楼小社园片景校街厂库新民商住工])(?:自治州|自治县|省|市|县|区)(?![长民委政府场])")
_BREAK_RE = re.compile("|".join(sorted(BREAK_WORDS, key=len, reverse=True)))
_RUN_RE = re.compile(f"{_NAME_CHAR}+")
_PLACE_RE = re.compile(rf"({_NAME_CHAR}{{1,10}}?)((?:{_SUFFIX_ALT})+)(?![织长建成合员市管委办])")
_LEADING_NUMBER = re.compile(r"^[0-9a-z]*[0-9][0-9a-z]*[号栋弄]?", re.I)
MAX_CHARS = 2000  # places are read in the first characters of a text only (titles and openings name them)


class Place(NamedTuple):
    """A place a text names: ``text[start:end] == self.text``; ``key`` compares places."""

    start: int
    end: int
    text: str
    key: str
    level: str


class PlaceSet(NamedTuple):
    """The keys of a text's places by level (frozen sets, comparable with :func:`overlap`)."""

    fine: frozenset
    coarse: frozenset
    district: frozenset

    @property
    def empty(self) -> bool:
        return not (self.fine or self.coarse or self.district)


EMPTY = PlaceSet(frozenset(), frozenset(), frozenset())


def _key(name: str, suffix: str) -> str | None:
    """The comparison key of ``name + suffix`` (None when it names no particular place)."""
    name = _LEADING_NUMBER.sub("", name)
    full = (name + suffix).lower()
    for tail in GENERIC_TAILS:
        if full.endswith(tail) and len(full) - len(tail) >= 2:
            full = full[:-len(tail)]
            break
    stem = name.lower()
    if stem in GENERIC_NAMES or len(full) < 2 or (len(stem) < 2 and suffix in ("路", "街", "站", "园", "城", "组")):
        return None
    if full.endswith("政府") or full.endswith("有限公司") and len(full) <= 5:
        return None
    if stem.isdigit() and suffix not in ("路", "组", "站"):  # 3栋 / 12号 are parts of a place, not places
        return None
    return full


def extract_places(text: str, *, max_chars: int = MAX_CHARS) -> list[Place]:
    """The places ``text`` names, in order of appearance (the first ``max_chars`` characters).

    >>> [(p.text, p.key, p.level) for p in extract_places("反映A7县春华镇金鼎村水泥路的问题")]
    [('A7县', 'a7县', 'district'), ('春华镇', '春华镇', 'coarse'), ('金鼎村', '金鼎村', 'fine')]
    """
    check_text(text)
    t = normalize(text[:max_chars])
    out: list[Place] = []
    cuts = sorted({m.start() for m in _BREAK_RE.finditer(t)} | {m.end() for m in _BREAK_RE.finditer(t)})
    districts = list(_DISTRICT_RE.finditer(t))
    for m in districts:
        out.append(Place(m.start(), m.end(), text[m.start():m.end()], m.group().lower(), "district"))
        cuts.extend((m.start(), m.end()))
    cuts = sorted(set(cuts))
    taken = [(m.start(), m.end()) for m in districts]
    district_ends = {m.end() for m in districts}
    for run in _RUN_RE.finditer(t):
        a, b = run.span()
        inner = [c for c in cuts if a < c < b]
        for s, e in zip([a, *inner], [*inner, b]):
            if any(ts <= s and e <= te for ts, te in taken):
                continue
            real = _REAL_DISTRICT_RE.match(t, s, e) if (s == a or s in district_ends) else None
            while real is not None:  # 南京市江宁区: one after another
                out.append(Place(s, real.end(), text[s:real.end()], real.group(), "district"))
                s = real.end()
                real = _REAL_DISTRICT_RE.match(t, s, e)
            for pm in _PLACE_RE.finditer(t, s, e):
                name, suffix = pm.group(1), pm.group(2)
                key = _key(name, suffix)
                if key is None:
                    continue
                level = "coarse" if suffix.endswith(COARSE) and not any(suffix.endswith(f) for f in ("小区", "村")) \
                    else "fine"
                out.append(Place(pm.start(), pm.end(), text[pm.start():pm.end()], key, level))
    out.sort(key=lambda p: (p.start, p.end))
    return out


def place_set(places, *, limit: int = 4) -> PlaceSet:
    """The keys of ``places`` by level (the first ``limit`` of each level)."""
    by: dict[str, list[str]] = {lvl: [] for lvl in LEVELS}
    for p in places:
        keys = by[p.level]
        if p.key not in keys and len(keys) < limit:
            keys.append(p.key)
    return PlaceSet(frozenset(by["fine"]), frozenset(by["coarse"]), frozenset(by["district"]))


_PSEUDO = re.compile(r"([a-z])([0-9]*) ?[市区县州]")


def same_place(a: str, b: str) -> bool:
    """Whether two keys name one place: equal, one inside the other, or four characters in common;
    a pseudonymised city holds its districts (``a市`` and ``a3区``)."""
    if a == b:
        return True
    pa, pb = _PSEUDO.fullmatch(a), _PSEUDO.fullmatch(b)
    if pa and pb:
        return pa.group(1) == pb.group(1) and (not pa.group(2) or not pb.group(2))
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 2 and short in long_:
        return True
    if len(short) < 4:
        return False
    return any(short[i:i + 4] in long_ for i in range(len(short) - 3))


def overlap(a, b) -> bool:
    """Whether two collections of keys share a place (:func:`same_place`)."""
    if not a or not b:
        return False
    if not a.isdisjoint(b) if isinstance(a, (set, frozenset)) else False:
        return True
    return any(same_place(x, y) for x in a for y in b)
