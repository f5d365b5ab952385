"""Packaging: the pins in pyproject are the ones the code needs, the licence ships, and the
wheel alone (no source checkout) runs `proposal-nlp run --demo`."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[1]
# what the wheel is built from: everything else in the checkout must not be needed
BUILD_INPUTS = ("pyproject.toml", "README.md", "LICENSE", "proposal_nlp")
DEMO_DATA = ("proposal_nlp/data/demo/proposals.csv", "proposal_nlp/data/demo/framework_12345.csv")


@pytest.fixture(scope="module")
def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


@pytest.fixture(scope="module")
def requirements(project) -> dict[str, Requirement]:
    reqs = [Requirement(r) for r in project["dependencies"]]
    return {r.name.lower(): r for r in reqs}


# ---------------------------------------------------------------- pins
def test_jieba_is_pinned_to_the_version_whose_internals_the_code_reads(requirements):
    import jieba

    # segment.py uses Tokenizer.FREQ / gen_pfdict and the duplicate line of 0.42.1's dict.txt
    assert str(requirements["jieba"].specifier) == "==0.42.1"
    assert jieba.__version__ == "0.42.1"
    tok = jieba.Tokenizer()
    assert callable(tok.gen_pfdict) and hasattr(tok, "FREQ")


def test_rjieba_range_holds_the_tested_version_and_stops_at_the_next_minor(requirements):
    spec = requirements["rjieba"].specifier
    installed = metadata.version("rjieba")
    assert spec.contains(installed), f"rjieba {installed} is outside {spec}"
    assert not spec.contains("0.3.0")
    assert not spec.contains("0.2.1")


def test_scikit_learn_floor_has_shuffling_group_kfold(requirements):
    from sklearn.model_selection import GroupKFold

    spec = requirements["scikit-learn"].specifier
    assert not spec.contains("1.5.2") and spec.contains("1.6.0")
    GroupKFold(n_splits=2, shuffle=True, random_state=0)  # what train_default.cv_scores calls


def test_installed_dependencies_satisfy_the_pins(requirements):
    bad = []
    for name, req in requirements.items():
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            bad.append(f"{name} not installed")
            continue
        if not req.specifier.contains(version, prereleases=True):
            bad.append(f"{name} {version} not in {req.specifier}")
    assert not bad, f"{bad}; reinstall with pip install -e '.[test]'"


def test_licence_file_is_mit_and_named_in_pyproject(project):
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "proposal_nlp authors" in text.splitlines()[2]
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in text
    assert project["license"] == "MIT"  # an SPDX expression: needs setuptools >= 77
    assert project["license-files"] == ["LICENSE"]
    assert not any(c.startswith("License ::") for c in project.get("classifiers", []))


# ---------------------------------------------------------------- the wheel
def _python_env(**extra) -> dict:
    """This environment without the variables that would put other code on the path."""
    drop = {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONSAFEPATH", "PYTHONUSERBASE"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(PYTHONNOUSERSITE="1", PYTHONIOENCODING="utf-8", **extra)
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    import setuptools

    if Version(setuptools.__version__) < Version("77"):
        pytest.fail(f"setuptools {setuptools.__version__} cannot build this project (pyproject needs >= 77 "
                    "for license-files); install the test extra: pip install -e '.[test]'")
    src = tmp_path_factory.mktemp("src")
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, src / name)
    out = tmp_path_factory.mktemp("dist")
    # the setuptools checked above builds it: no build isolation, no package index
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                           "-q", "-w", str(out), str(src)],
                          capture_output=True, encoding="utf-8", check=False, cwd=src, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (whl,) = out.glob("proposal_nlp-*.whl")
    return whl


def test_wheel_ships_the_demo_and_the_licence(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        (meta,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        metadata_text = zf.read(meta).decode("utf-8")
    assert set(DEMO_DATA) <= names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "License-Expression: MIT" in metadata_text.splitlines()
    assert "License-File: LICENSE" in metadata_text.splitlines()
    assert "Requires-Dist: jieba==0.42.1" in metadata_text.splitlines()
    assert not any(n.startswith(("corpora/", "tests/")) or "__pycache__" in n for n in names)


def test_installed_wheel_runs_the_demo_without_the_checkout(wheel, tmp_path):
    site = tmp_path / "site"
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                           "--target", str(site), str(wheel)],
                          capture_output=True, encoding="utf-8", check=False, timeout=300, env=_python_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    work = tmp_path / "work"
    work.mkdir()
    # the wheel's files come first on the path; the working folder and the checkout are not on it
    env = _python_env(PYTHONPATH=str(site), PYTHONSAFEPATH="1")
    probe = subprocess.run(
        [sys.executable, "-c", ("import proposal_nlp; from proposal_nlp.batch import demo_files; "
                                "print(proposal_nlp.__file__); print(*demo_files(), sep='\\n')")],
        capture_output=True, encoding="utf-8", check=False, cwd=work, env=env, timeout=120)
    assert probe.returncode == 0, probe.stderr
    paths = [Path(line) for line in probe.stdout.splitlines()]
    assert len(paths) == 3
    for p in paths:
        assert p.resolve().is_relative_to(site.resolve()), f"{p} is not from the installed wheel"
    run = subprocess.run([sys.executable, "-m", "proposal_nlp.cli", "run", "--demo", "-o", "out.xlsx"],
                         capture_output=True, encoding="utf-8", check=False, cwd=work, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    assert (work / "out.xlsx").is_file() and (work / "out.html").is_file()
    assert "36 rows" in run.stderr and "本批共受理建议提案36件" in run.stdout
