"""The tests mirror the package: every module proposal_nlp/<m>.py has its tests/test_<m>.py."""
from __future__ import annotations

from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parent
PACKAGE_DIR = TESTS_DIR.parent / "proposal_nlp"
# not modules with behaviour of their own: the package root (lazy re-exports) and an entry point.
# train_default is no mere training script (its labelled set, metrics and thresholds are an API):
# it has tests/test_train_default.py like any module.
NOT_MIRRORED = {"__init__", "__main__"}


def missing_test_files(package_dir: Path = PACKAGE_DIR, tests_dir: Path = TESTS_DIR) -> list[str]:
    """Modules of the package (``.py`` files directly in it) without ``tests/test_<module>.py``."""
    modules = sorted(p.stem for p in package_dir.glob("*.py") if p.stem not in NOT_MIRRORED)
    return [m for m in modules if not (tests_dir / f"test_{m}.py").is_file()]


def test_every_module_has_its_test_file():
    missing = missing_test_files()
    assert not missing, ("modules without tests/test_<module>.py: " + ", ".join(missing)
                         + "; add the file and move the module's tests there")


def test_missing_test_files_sees_a_module_without_tests(tmp_path):
    pkg, tests = tmp_path / "pkg", tmp_path / "tests"
    pkg.mkdir()
    tests.mkdir()
    for name in ("__init__", "__main__", "alpha", "beta", "gamma"):
        (pkg / f"{name}.py").write_text("", encoding="utf-8")
    (pkg / "data").mkdir()
    (pkg / "data" / "delta.py").write_text("", encoding="utf-8")  # not a module of the package's top level
    (pkg / "notes.txt").write_text("", encoding="utf-8")
    for name in ("test_alpha.py", "test_gamma_extra.py", "test___init__.py"):
        (tests / name).write_text("", encoding="utf-8")
    assert missing_test_files(pkg, tests) == ["beta", "gamma"]
    (tests / "test_beta.py").write_text("", encoding="utf-8")
    (tests / "test_gamma.py").write_text("", encoding="utf-8")
    assert missing_test_files(pkg, tests) == []
