"""The suggestion rules (``suggestion_rules.v1``): lexicon, patterns and numbers.

Action verbs, request cues, problem words, the section headings of proposals, replies and
summaries, and the phrases that introduce, quote or close the asks, all read on
``normalize``d text; ``RULES`` holds the weights, thresholds and lengths ``suggest`` applies.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .normalize import CLAUSE_ENDS, SENTENCE_ENDS, char_class
from .numbering import marker_pattern

RULES_VERSION = "suggestion_rules.v1"


@dataclass(frozen=True)
class SuggestionRules:
    """The numbers of the suggestion rules. Lengths count characters; weights add up to an
    item's ask score (> 0 asks, < 0 describes a problem) or to the evidence for where a
    proposal's asks begin."""

    version: str = RULES_VERSION
    # -- reading a lead clause
    lead_chars: int = 60            # a lead clause (or a cue sentence's lead) is read this far at most
    heading_chars: int = 40         # a lead names a section (对策建议, 存在问题) within this many characters
    background_chars: int = 25      # ... a background section (的必要性, 基本情况) within this many
    # -- ask score of a lead clause
    verb_first: float = 2.0         # it starts with an action verb (after adverbs such as 进一步)
    subject_verb: float = 1.5       # a subject (政府, 部门 …) and then an action verb
    adverb_only: float = 1.0        # adverbs or modals lead (建议, 切实 …) but no verb follows
    early_verb: float = 1.0         # an action verb comes early, within early_verb_chars
    early_verb_chars: int = 14      # how early that is
    strong_cue: float = 1.5         # a strong request cue (建议, 应当, 必须 …) anywhere in the lead
    cue: float = 0.5                # else a weaker cue (要, 加快, 完善 …)
    problem: float = 2.0            # penalty per problem word (不足, 滞后 …)
    problem_solved: float = 0.5     # ... per problem word when a solving verb (解决, 破解 …) is there
    problem_words: int = 2          # problem words counted at most
    report: float = 1.0             # penalty: the lead reports facts (已经, 近年来, 2019年 …)
    report_chars: int = 30          # ... looked for within this many characters
    statement: float = 2.5          # penalty: the first clause states or judges (X是Y, 有助于)
    statement_chars: int = 40       # ... looked for within this many characters
    # -- score of a span, from its ask score
    score_base: float = 0.5         # the score of a span whose lead scores 0
    score_slope: float = 0.12       # score per point of ask score
    score_floor: float = 0.05       # the lowest score (the highest is 1)
    score_decimals: int = 3         # a Suggestion's score is rounded to this many decimals
    cue_sentence_share: float = 0.9  # a cue sentence scores this share of an item's score
    quoted_score: float = 0.9       # the score of an ask quoted in a report sentence
    future_score: float = 0.5       # the score of a reply's announced measure (下一步，我们将…)
    # -- which spans are asks
    sentence_min: int = 8           # a sentence with fewer characters is no ask, measure or evidence
    item_min: int = 2               # an item with fewer characters (Han, letters, digits) is no ask
    group_lead_min: int = 25        # a group heading's own text is an ask from this many characters
    ask_share: float = 0.5          # sub-items are the asks when at least this share of them asks
    intro_max: int = 30             # a sentence that only introduces the asks (为此建议：) is shorter
    quote_verb_chars: int = 6       # a quoted ask has an action verb within this many characters
    section_depth: int = 1          # items that name a section sit at most this deep (0 = top)
    future_cue_chars: int = 40      # 下一步 / 我们将 opens a reply's measure within this many characters
    future_verb_chars: int = 20     # ... and an action verb follows within this many
    # -- where a proposal without headings asks (evidence, summed from the end)
    heading_weight: float = 3.0     # an item naming the asks' section (minus: a problem or background one)
    ask_item_min: float = 1.4       # an item scoring at least this counts for the asks ...
    ask_item_weight: float = 1.0    # ... with this weight
    neutral_item_max: float = 0.4   # above this (and below ask_item_min) an item counts nothing
    problem_item_max: float = -1.0  # at or below this an item counts against ...
    problem_item_weight: float = -1.0  # ... with this weight
    other_item_weight: float = -0.3  # any other item counts slightly against
    last_chain_bonus: float = 0.3   # added for items of the text's last top-level enumeration
    sub_item_share: float = 0.7     # an item below the top level weighs this share
    intro_weight: float = 2.5       # a phrase that introduces the asks (为此建议, 建议如下)
    cue_sentence_weight: float = 0.6  # a prose sentence led by a cue (建议, 应当 …)
    problem_sentence_weight: float = -0.5  # a prose sentence that describes a problem
    min_evidence: float = 0.5       # the asks begin where the evidence after them peaks, if it reaches this
    # -- action and object
    clause_chars: int = 80          # the first clause of an ask is looked for this far
    clause_fallback_chars: int = 60  # without a clause mark, the first clause is this long
    verb_chars: int = 12            # the action verb is looked for this far into the clause
    handover_chars: int = 10        # 督促X建立: the verb of the others is looked for this far
    object_min: int = 2             # a verb hands over to a later one only if this much text is left
    # -- kind of text
    kind_chars: int = 3000          # detect_kind reads the start of the text, this long


RULES = SuggestionRules()

# sentence and clause marks (the text is normalised: of normalize's marks only the half-width
# forms are left); an ellipsis trails off inside quoted speech (……), it ends no ask
ENDS = SENTENCE_ENDS.replace("…", "")
STOPS = ENDS + ":"  # a lead clause also stops at a colon
CLAUSE_MARKS = CLAUSE_ENDS.replace("、", "")  # 、 joins the objects of one verb (加强A、B建设)

# action verbs a concrete ask starts with (longest first when compiled)
_VERBS = (
    "加强 加快 加大 加紧 加速 建立 健全 建立健全 完善 推动 推进 推行 推广 强化 提升 提高 优化 制定 出台 "
    "设立 设置 实施 落实 开展 鼓励 支持 引导 规范 明确 探索 构建 打造 培育 培养 发挥 深化 扩大 统筹 "
    "整合 重视 注重 坚持 创新 营造 做好 抓好 拓宽 拓展 简化 降低 减轻 减少 增加 增设 配备 配齐 编制 修订 "
    "修改 取消 放宽 设计 改进 改革 改善 改造 建设 搭建 成立 组建 启动 开发 利用 用好 保障 确保 严格 严厉 "
    "实行 建成 形成 加以 把握 突出 发展 挖掘 激发 激活 促进 实现 细化 制订 增强 夯实 压实 畅通 打通 疏通 "
    "简化 完善 引进 引入 吸引 留住 扶持 补贴 补齐 提供 开放 共享 共建 联合 协调 对接 融入 融合 纳入 "
    "列入 运用 应用 借鉴 学习 参照 加码 兜牢 守牢 筑牢 织密 健全完善 解决 破解 化解 防范 防止 杜绝 严禁 "
    "禁止 限制 控制 管控 监管 监督 检查 评估 考核 追究 保护 保留 恢复 修复 治理 整治 清理 排查 推出 "
    "发布 公开 宣传 普及 倡导 呼吁 组织 举办 召开 开设 增补 补充 调整 理顺 厘清 界定 统一 细化 量化 "
    "固化 升级 更新 提速 扩容 提质 增效 赋能 给予 予以 适当 尽快 研究 研究制定 出台 制定出台 强化 "
    "优先 倾斜 聚焦 围绕 立足 依托 借助 审核 审查 审批 报送 上报 召开 跟踪 回访 收集 分析 研究 论证 "
    "谋划 规划 部署 推介 招引 培训 教育 宣传 指导 帮助 协助 扶助 资助 奖励 表彰 激励 约束 惩戒 处罚 "
    "取缔 关停 淘汰 替代 转变 转化 转型 提倡 号召 动员 从严 简政 放权 下放 授权 核定 核准 认定 "
    "登记 备案 公示 通报 督促 督查 巡查 落地 兑现 减免 免除 延长 缩短 放开 开通 安装 配置 "
    "投入 增拨 拨付 划拨 安排 保证 维护 守护 营建 新建 扩建 改建 迁建 增建 加装 铺设 布局 布设 "
    "树立 弘扬 传承 挖掘 打响 擦亮 做强 做大 做优 做实 做细 抓实 抓细 用活 盘活 激活 "
    "提醒 丰富 稳定 分解 标注 查处 拆除 整改 补齐 充实 挖潜 摸清 排查 普查 修剪 加固 配建 撤并 增开 追责 问责 叫应 打击 "
    "开辟 延伸 衔接 协同 联动 共治 集成 汇聚 接入 对标 试点 推动 简并 下沉 派驻 招录 聘用 选拔 "
    "将 把 让"
).split()
VERB_RE = re.compile("|".join(sorted({v for v in _VERBS if len(v) >= 2}, key=len, reverse=True)))
VERB_CHARS = frozenset(v for v in _VERBS if len(v) == 1)

# a modal or request cue anywhere in a sentence
CUE_RE = re.compile(
    r"建议|呼吁|希望|恳请|请求|提请|应当|应该|必须|亟需|亟须|务必|须|"
    r"(?<![适供响对相反效回答理])应(?![用急对变届收聘允有])|"
    r"(?<![重主必首纲摘只提简])要(?![素点是闻害])|需要|需|"
    r"加快|加大|加强|建立|健全|完善|推动|推进|鼓励|支持|出台|制定|强化|优化|落实|提升|设立|构建|打造"
)
STRONG_CUE_RE = re.compile(r"建议|呼吁|希望|恳请|请求|提请|应当|应该|务必|亟需|亟须|必须|需要|需(?!求)|不得|严禁|"
                            r"(?<![适供响对相反效回答理])应(?![用急对变届收聘允有])")
# problem descriptions
PROBLEM_STRONG_RE = re.compile(
    r"不(?:足|够|强|高|全|完善|健全|明确|规范|合理|到位|畅|平衡|均衡|匹配|充分|统一)|缺乏|缺少|缺失|欠缺|"
    r"滞后|薄弱|短缺|短板|瓶颈|难以|困难|难题|问题|矛盾|隐患|尚未|尚不|没有|未能|较低|偏低|较弱|有待|亟待|"
    r"制约|乏力|混乱|堪忧|落后|现状|原因|困境|挑战|无法|有限|脱节|失衡"
)
SOLVE_RE = re.compile(r"解决|破解|化解|防范|防止|应对|缓解|消除|改善|弥补|补齐|补足|扭转|克服|减少|降低|遏制|杜绝")

# section headings and their kinds
_HEAD_BACKGROUND = ("调研情况|基本情况|背景情况|背景|现状|情况分析|现状分析|主要做法|工作开展情况|办理情况|"
                    "工作情况|典型案例|案由|情况说明|提案理由|理由|有关情况|主要成效|工作成效|总体情况")
_HEAD_PROBLEM = ("问题分析|存在问题|存在的问题|主要问题|原因分析|问题及原因|问题与原因|问题和原因|问题及分析|"
                 "问题与分析|面临的问题|突出问题|困难和问题|问题和困难|问题与不足|存在的不足|问题及原因分析|"
                 "存在的主要问题|当前存在的问题|问题与挑战|主要困难|困难与问题")
_HEAD_SUGGEST = ("具体建议|对策建议|几点建议|意见建议|建议和对策|建议与对策|对策与建议|对策和建议|对策及建议|"
                 "建议及对策|工作建议|相关建议|政策建议|有关建议|措施建议|意见和建议|意见与建议|解决办法|"
                 "办法和措施|对策措施|思路和建议|具体措施|解决措施|建议措施|对策思路|建议|对策|措施")
_HEAD_MEASURE = ("下一步工作计划|下一步工作打算|下一步工作安排|下一步工作思路|下一步工作|下一步计划|下一步打算|"
                 "下一步措施|下一步举措|下步工作|今后工作|今后打算|工作计划|下一步")
HEAD_KIND = {}
for _kind, _words in (("background", _HEAD_BACKGROUND), ("problem", _HEAD_PROBLEM),
                      ("suggest", _HEAD_SUGGEST), ("measure", _HEAD_MEASURE)):
    for _w in _words.split("|"):
        HEAD_KIND.setdefault(_w, _kind)
_HEAD_WORDS = "|".join(sorted(HEAD_KIND, key=len, reverse=True))
_NUM_PREFIX = marker_pattern(("cn_dun", "cn_paren", "ar_dot", "ar_close", "ar_paren"),
                             capture=False, prose=False)
# a heading line: at a line start (or after a sentence end) and closed by a colon or the line end.
# No two runs of spaces meet (a marker, a heading word, a colon never start with a space, and
# ``$`` is the line end): a long run of spaces or tabs is crossed once, in linear time
HEADING_RE = re.compile(
    rf"(?:^|(?<={char_class(ENDS)}))[ \t]*(?:{_NUM_PREFIX}[ \t]*)?(?P<h>{_HEAD_WORDS})[ \t]*(?::|$)",
    re.M)
LEAD_MEASURE_RE = re.compile(rf"^(?:{_HEAD_MEASURE})")
# a sentence that introduces the asks (no two runs of commas or spaces meet, as in HEADING_RE)
INTRO_RE = re.compile(
    r"(?:为此|因此|对此|据此|鉴于此|综上|为此我们|特此|故|现|特)[, ]*(?:(?:我们|本人|我)[, ]*)?(?:特|郑重)?(?:提出|建议)|"
    r"建议如下|如下建议|以下建议|几点建议|(?:提出|提|现提出)(?:以下|如下|下列|几点|三点|四点|五点|以下几点|如下几点)"
    r"(?:建议|意见|对策)|(?:我们|本人|我)(?:特)?建议[:,]|(?:对策|措施|路径|方略|办法|建议)[^。;:\n]{0,6}如下|"
    r"建议[:]|(?:如下|以下)[^。;:\n]{0,8}?(?:建议|措施|对策|意见|举措|办法|方面|几点|浅见|思路|要点|工作)[^。;:\n]{0,6}[:]|"
    r"(?:内容|措施|要点|方面|做法|办法)(?:有|包括|主要有)[:]")
# an ask quoted inside a report sentence: 提出了“A”“B”，“C”的建议
QUOTE_RUN_RE = re.compile(
    r"(?:提出了?|建议|要求|希望|呼吁|提议|关于)[^。;!?\n“”]{0,12}"
    r"(?P<run>“[^“”\n]{2,80}”(?:[ ,、和及与以及]{0,3}“[^“”\n]{2,80}”)*)"
    r"[ ]*(?:等)?(?:的|等)?(?:建议|意见|提案|诉求|要求)")
CUE_START_RE = re.compile(
    r"(?:同时|此外|另外|并|还|因此|为此|所以|故)?[,]?"
    r"(?:(?:(?:对|针对|关于|凡)[^,。;]{0,24}?|[^,。;]{0,14}?),)?(?:我们|本人|我)?"
    r"(?:建议|应当|应该|要(?![素点是闻害])|需要|必须|请|恳请|呼吁|亟需|亟须|应(?![急用对变届收聘允有]))|"
    r"[^,。;]{1,10}?(?:应当|应该|必须|务必|亟需|亟须)")
CLOSER_RE = re.compile(r"(?:希望通过|期待|期望|相信|我们相信|衷心希望|以上建议|上述建议|"
                        r"[^,。;]{0,20}?(?:指出|强调|提出|要求|表示|认为)[,:]|"
                        r"[^,。;]{0,20}?(?:明确)[,:]?(?:要|应|必须)?“|"
                        r"[^,。;]{0,12}?(?:看到|认识到|意识到|看出))")
QUOTE_RE = re.compile(r"“([^“”\n]{2,80})”")
QUOTED_SPAN_RE = re.compile(r"“[^“”\n]{0,200}”|《[^《》\n]{0,100}》|\"[^\"\n]{0,200}\"")

# an attachment's first line (附件1：); no two runs of spaces meet, as in HEADING_RE
ATTACHMENT_RE = re.compile(r"(?:^|(?<=\n))[ \t]*附\s*件[ \t]*(?:\d+[ \t]*)?[:：\n]", re.M)
