"""Small texts, labels, a stand-in embedder and a policy written for the tests, shared by
several test files (classify, features, emergency, dense; match, mapping), and the seed handling
summary read from ../shared (audit, handling_report)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

# ------------------------------------------------------------------ classifier training texts
FIRE = [
    "小区楼道里电动车充电存在起火隐患，请物业清理",
    "消防通道被私家车长期占用，发生火灾消防车进不来",
    "老旧小区消火栓没有水，灭火器过期多年",
    "电动自行车飞线充电引发火灾，希望建设充电桩",
    "商场疏散通道堆放杂物，消防设施损坏",
    "高层住宅消防设施维护不到位，火灾风险大",
    "出租屋电线老化容易起火，请消防部门检查",
    "厂房内易燃物堆放，存在火灾隐患",
]
EDU = [
    "孩子上学难，学区划分不合理",
    "幼儿园收费太高，家长负担重",
    "学校食堂饭菜质量差，请教育局监管",
    "中学课外补习班乱收费问题",
    "希望增加公办学校学位",
    "小学放学时间太早，家长无法接送",
    "教师编制不足，班级人数过多",
    "大学生就业指导课程需要加强",
]
TRAFFIC = [
    "公交线路调整后居民出行不便",
    "路口红绿灯时间太短，行人过马路危险",
    "地铁站出口缺少非机动车停车位",
    "道路施工导致交通拥堵，请合理安排",
    "高速公路收费站排队时间太长",
    "希望开通到工业园区的公交专线",
    "停车位不足，小区周边乱停车严重",
    "出租车拒载绕路现象严重",
]
X = FIRE + EDU + TRAFFIC
Y = ["fire"] * 8 + ["edu"] * 8 + ["traffic"] * 8
SMALL = dict(cv=2, n_features=2**14)

# inputs a predict_frame must survive: empty, blank, no Chinese, 1M chars, None, NaN, NA
BAD = ["", "   \n\t", "hello world, no chinese here 123", "消防" * 500_000, None, float("nan"),
       "楼道电动车充电", pd.NA]


class HashEmbedder:
    """A deterministic stand-in for a sentence-embedding model: character counts hashed into
    16 dimensions (texts that share characters get close vectors)."""

    def __init__(self):
        self.calls = 0

    def query(self, texts):
        self.calls += 1
        out = np.zeros((len(texts), 16))
        for i, t in enumerate(texts):
            for ch in t:
                out[i, ord(ch) % 16] += 1.0
        n = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(n == 0, 1.0, n)


# ------------------------------------------------------------------ a framework for the matcher
POLICY = ("锚定“一个目标”：建设韧性安全城市。"
          "紧抓“三个坚持”：坚持以规划为底图；坚持以电动自行车集中充电设施建设为抓手；坚持以消防通道畅通为底线。"
          "解决“两大问题”：解决汛期地下空间内涝积水的问题；解决危险化学品运输监管薄弱的问题。")


# ------------------------------------------------------------------ the seed handling summary
# read from ../shared beside the checkout (never copied into the repo); tests that need it skip
SEED = Path(__file__).resolve().parents[1] / ".." / "shared" / "seeds" / "000_58b9e089a002dfe6.txt"
SEED_TEXT = SEED.read_text(encoding="utf-8") if SEED.is_file() else ""
needs_seed = pytest.mark.skipif(not SEED_TEXT, reason="shared seed not present (fresh machine)")
