"""The error registry: every code defined once, every raise and warning uses a registered code,
and every error a user can trigger is a ProposalNLPError (the CLI shows no traceback for it)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from proposal_nlp import errors
from proposal_nlp.errors import CODES, InputError, InputTypeError, ProposalNLPError, check_text

PACKAGE = Path(errors.__file__).resolve().parent
MODULES = sorted(PACKAGE.glob("*.py"))
CODE = re.compile(r"PN\d{3}")
ERROR_CLASSES = {name for name, obj in vars(errors).items()
                 if isinstance(obj, type) and issubclass(obj, ProposalNLPError)}
# raising these is fine: the protocol of the language, not a user's input
ALLOWED_BUILTINS = {"AttributeError", "NotImplementedError", "StopIteration", "KeyboardInterrupt", "SystemExit",
                    "Exit", "BadParameter"}  # the last two: typer's own ways to end a command


def _parsed():
    for path in MODULES:
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def _used_codes() -> dict[str, list[str]]:
    """Code -> where it is used (file:line), from ``code=`` arguments and ``[PNxxx]`` texts."""
    used: dict[str, list[str]] = {}
    for path, tree in _parsed():
        if path.name == "errors.py":
            continue
        for node in ast.walk(tree):
            found = []
            if isinstance(node, ast.keyword) and node.arg == "code" and isinstance(node.value, ast.Constant):
                found = [node.value.value]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                found = re.findall(r"\[(PN\d{3})\]", node.value)
            for code in found:
                used.setdefault(code, []).append(f"{path.name}:{getattr(node, 'lineno', '?')}")
    return used


def test_codes_are_defined_once():
    tree = ast.parse((PACKAGE / "errors.py").read_text(encoding="utf-8"))
    keys = [k.value for node in ast.walk(tree) if isinstance(node, ast.Dict) for k in node.keys
            if isinstance(k, ast.Constant) and isinstance(k.value, str) and CODE.fullmatch(k.value)]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    assert not dup, f"codes defined twice in errors.CODES: {dup}"
    assert all(CODE.fullmatch(k) and v.strip() for k, v in CODES.items())


def test_every_code_used_is_registered():
    unknown = {c: where for c, where in _used_codes().items() if c not in CODES}
    assert not unknown, f"codes used but not in errors.CODES: {unknown}"


def test_every_registered_code_is_used():
    used = set(_used_codes()) | {cls.code for cls in vars(errors).values()
                                 if isinstance(cls, type) and issubclass(cls, ProposalNLPError)}
    unused = sorted(set(CODES) - used)
    assert not unused, f"codes in errors.CODES that nothing raises or warns with: {unused}"


def test_a_message_carries_one_code():
    doubled = []
    for path, tree in _parsed():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ERROR_CLASSES):
                continue
            text = ast.get_source_segment(path.read_text(encoding="utf-8"), node.args[0]) if node.args else ""
            if CODE.search(text or ""):
                doubled.append(f"{path.name}:{node.lineno}")
    assert not doubled, f"messages that write a code themselves (give code= instead): {doubled}"


def test_raises_use_the_package_errors():
    bare = []
    for path, tree in _parsed():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Raise) or node.exc is None:
                continue
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            name = exc.id if isinstance(exc, ast.Name) else exc.attr if isinstance(exc, ast.Attribute) else None
            if name is None or name in ERROR_CLASSES or name in ALLOWED_BUILTINS:
                continue
            if not isinstance(node.exc, ast.Call):  # re-raising a caught exception by its name
                continue
            bare.append(f"{path.name}:{node.lineno} raises {name}")
    assert not bare, "errors a user can trigger must be ProposalNLPError subclasses:\n" + "\n".join(bare)


def test_errors_keep_their_builtin_bases():
    # callers that catch ValueError / TypeError / OSError keep working
    assert issubclass(InputError, ValueError) and issubclass(InputTypeError, TypeError)
    assert issubclass(errors.ResourceError, OSError) and issubclass(errors.ModelError, ValueError)


@pytest.mark.parametrize("value", [None, 3, 2.5, ["a"], b"x"])
def test_check_text_names_the_code_and_the_fix(value):
    with pytest.raises(InputTypeError, match=r"^\[PN001\] text must be a str.*convert it first"):
        check_text(value)
