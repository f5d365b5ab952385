"""Model files that must be refused, built from a small classifier trained in the test.

Each kind names the code its refusal carries; the files live in the test's tmp_path. They
live in a module of their own so that the persist, engine and CLI tests share them.
"""
from __future__ import annotations

import datetime
import json

import skops.io as sio

from proposal_nlp import TextClassifier, save_classifier
from proposal_nlp.persist import FILE_HASH_KEY, FORMAT, card_path, file_sha256

X = ["楼道电动车充电起火", "消防通道被占用", "老旧小区灭火器过期", "学校收费太高", "孩子上学难", "幼儿园学位不足"]
Y = ["fire"] * 3 + ["edu"] * 3

#: kind of bad model file -> the code of its refusal
BAD_MODELS = {"tampered": "PN329", "untrusted": "PN325", "unknown_backend": "PN332", "broken_card": "PN323"}


def small_model() -> TextClassifier:
    return TextClassifier(cv=2, n_features=2**12).fit(X, Y)


def _rewrite(path, change, *, side_card: bool) -> None:
    """Change the unpacked model object and write it back; with ``side_card`` the side card
    is rewritten with the new file's hash (a consistent pair), else it is left as it was."""
    obj = sio.load(path, trusted=None)
    change(obj)
    sio.dump(obj, path)
    if side_card:
        try:
            card = json.loads(obj["card"])
        except json.JSONDecodeError:
            card = {}
        card_path(path).write_text(json.dumps({**card, FILE_HASH_KEY: file_sha256(path)}), encoding="utf-8")


def _card_change(change):
    def apply(obj):
        card = json.loads(obj["card"])
        change(card)
        obj["card"] = json.dumps(card)
    return apply


def make_bad_model(kind: str, folder, clf=None):
    """Write a model file of ``kind`` (a key of :data:`BAD_MODELS`) into ``folder``."""
    path = folder / f"{kind}.skops"
    if kind == "untrusted":  # a type skops does not trust; no card
        sio.dump({"format": FORMAT, "obj": datetime.timedelta(days=1)}, path)
        return path
    save_classifier(clf or small_model(), path)
    if kind == "tampered":  # other bytes than the card records
        _rewrite(path, _card_change(lambda c: c.update({"seed": 99})), side_card=False)
    elif kind == "unknown_backend":
        _rewrite(path, _card_change(lambda c: c["params"].update({"backend": "pkuseg"})), side_card=True)
    elif kind == "broken_card":
        _rewrite(path, lambda obj: obj.update({"card": "{cut in the mid"}), side_card=True)
    else:
        raise ValueError(f"unknown kind {kind!r}")
    return path
