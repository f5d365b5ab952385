"""Fixtures shared by several test files: small fitted classifiers and a fitted clause matcher."""
from __future__ import annotations

import pytest

from shared_data import FIRE, POLICY, SMALL, X, Y

# the package modules are imported inside the fixtures, so that collecting a test file that
# needs none of them (io, segment, packaging...) does not load scikit-learn


# ------------------------------------------------------------------ classifiers (classify, features, emergency)
@pytest.fixture(scope="module")
def fitted():
    from proposal_nlp.classify import TextClassifier

    return TextClassifier(**SMALL).fit(X, Y)


@pytest.fixture(scope="module")
def multilabel():
    from proposal_nlp.classify import TextClassifier

    y = [["fire_safety", "e_bikes"] if "电动" in t else ["fire_safety"] for t in FIRE] + [[]] * 16
    return TextClassifier(multilabel=True, **SMALL).fit(X, y)


# ------------------------------------------------------------------ shared_data.POLICY as clauses (match, mapping)
@pytest.fixture(scope="module")
def clauses():
    from proposal_nlp.policy import parse_policy

    return parse_policy(POLICY)


@pytest.fixture(scope="module")
def matcher(clauses):
    from proposal_nlp.match import ClauseMatcher

    return ClauseMatcher().fit(clauses)
