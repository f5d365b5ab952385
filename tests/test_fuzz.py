"""Fuzz and property tests over every public entry point, on hostile texts (tests/fuzz_cases.py).

Every test runs twice over: a few examples in CI and, marked ``slow`` (``pytest -m slow``), many
more. The invariants: no exception but a documented ``ProposalNLPError`` (``TypeError`` /
``InputTypeError`` for a value that is no text); offsets inside the text that slice back to the
span; one output row per input row, in order; the same output twice; the same tokens from both
segmenter backends; the same batch tables with one worker process and with two. Handling reports
are read by ``parse_report`` (``audit_summary`` is its figures and checks).
Lone surrogates (which UTF-8 cannot encode) are replaced one for one where texts enter, so they
run through the matcher and a batch like any other character.
"""
from __future__ import annotations

import random
import warnings
from typing import NamedTuple

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import fuzz_cases as fc
from batch_standins import FRAMEWORK, run
from proposal_nlp import (ClauseMatcher, Segmenter, TextClassifier, audit_summary, extract_suggestions,
                          load_classifier, normalize, parse_policy, parse_proposal, parse_report, process_table,
                          read_table, render_report)
from proposal_nlp.errors import ProposalNLPError
from proposal_nlp.results import live_formula_cells, read_result, write_result
from shared_data import POLICY, SMALL, X, Y

SAFE, HOSTILE, LONG_REPEATED = fc.strategies()
#: a long text mixed from many fragments (no run of one mark longer than a fragment)
LONG_MIXED = st.builds(lambda seed, size: fc.long_text(random.Random(seed), size), st.integers(0, 2**32),
                       st.integers(10_000, 30_000))
LONG = st.one_of(LONG_REPEATED, LONG_MIXED)
NOT_TEXT = st.one_of(st.none(), st.integers(), st.floats(), st.booleans(), st.binary(max_size=8),
                     st.lists(st.text(max_size=3), max_size=2), st.just(pd.NA))

class Examples(NamedTuple):
    n: int
    fixed: bool  # the same examples on every run (CI), or new ones each time (a fuzzing session)


def budget(ci: int, slow: int):
    """Two runs of a test: ``ci`` fixed examples, and ``slow`` random ones marked slow."""
    return pytest.mark.parametrize("examples", [
        pytest.param(Examples(ci, True), id="ci"),
        pytest.param(Examples(slow, False), id="many", marks=pytest.mark.slow)])


def fuzz(examples: Examples, *strategies, shrink: bool = True):
    """``@given(*strategies)`` with ``examples``, no deadline, quiet about slow data;
    ``shrink=False`` for a test expected to fail (a failure is not made smaller, which takes long)."""
    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if shrink else [])

    def wrap(fn):
        return settings(max_examples=examples.n, deadline=None, database=None, derandomize=examples.fixed,
                        phases=phases, suppress_health_check=list(HealthCheck))(given(*strategies)(fn))
    return wrap


# ------------------------------------------------------------------ shared, loaded once per module
@pytest.fixture(scope="module")
def segmenters():
    return [Segmenter(), Segmenter(backend="jieba")]


@pytest.fixture(scope="module")
def default_model():
    return load_classifier("default")


@pytest.fixture(scope="module")
def small_model():
    return TextClassifier(**SMALL).fit(X, Y)


@pytest.fixture(scope="module")
def policy_matcher():
    return ClauseMatcher().fit(parse_policy(POLICY))


# ------------------------------------------------------------------ texts in, spans out
@budget(100, 3000)
def test_normalize(examples):
    @fuzz(examples, st.one_of(HOSTILE, LONG))
    def run_one(text):
        fc.check_normalize(text)
    run_one()


@budget(80, 2000)
def test_segmenters_agree_and_tokens_slice_back(examples, segmenters):
    @fuzz(examples, HOSTILE)
    def run_one(text):
        fc.check_segment(segmenters, text)
    run_one()


@budget(6, 60)
def test_segmenters_on_long_texts(examples, segmenters):
    @fuzz(examples, LONG)
    def run_one(text):
        fc.check_segment(segmenters, text)
    run_one()


@budget(100, 3000)
def test_extract_suggestions(examples):
    @fuzz(examples, HOSTILE, st.sampled_from([None, "proposal", "reply", "summary"]))
    def run_one(text, kind):
        fc.check_extract(text, kind)
    run_one()


@budget(80, 3000)
def test_parse_proposal_policy_and_audit(examples):
    @fuzz(examples, HOSTILE)
    def run_one(text):
        fc.check_parse_proposal(text)
        fc.check_parse_policy(text)
        fc.check_audit(text)
        fc.check_report(text)
    run_one()


@budget(6, 60)
def test_long_texts(examples):
    @fuzz(examples, LONG)
    def run_one(text):
        fc.check_extract(text)
        fc.check_parse_proposal(text)
        fc.check_parse_policy(text)
        fc.check_audit(text)
        fc.check_report(text)
    run_one()


@budget(15, 300)
def test_a_value_that_is_no_text_is_a_type_error(examples, segmenters):
    functions = [normalize, segmenters[0].tokenize, segmenters[1].cut, extract_suggestions, parse_proposal,
                 parse_policy, audit_summary, parse_report]

    @fuzz(examples, NOT_TEXT)
    def run_one(value):
        for fn in functions:
            with pytest.raises(TypeError):  # InputTypeError is one
                fn(value)
    run_one()


# ------------------------------------------------------------------ classifiers
@budget(15, 300)
def test_default_model_predict_frame(examples, default_model):
    @fuzz(examples, st.lists(st.one_of(HOSTILE, NOT_TEXT), max_size=4))
    def run_one(values):
        try:
            fc.check_predict(default_model, values)
        except TypeError:
            assert any(not isinstance(v, str) for v in values)
    run_one()


@budget(3, 30)
def test_default_model_on_long_mixed_texts(examples, default_model):
    @fuzz(examples, st.lists(LONG_MIXED, min_size=1, max_size=2))
    def run_one(texts):
        fc.check_predict(default_model, texts)
    run_one()


@budget(30, 600)
def test_small_classifier_predicts_any_text(examples, small_model):
    @fuzz(examples, st.lists(HOSTILE, max_size=5))
    def run_one(texts):
        fc.check_predict(small_model, texts)
        assert len(small_model.predict(texts)) == len(texts)
    run_one()


@budget(5, 100)
def test_small_classifier_fits_any_labelled_texts(examples):
    @fuzz(examples, st.lists(HOSTILE, min_size=2, max_size=8), st.booleans())
    def run_one(texts, multilabel):
        y = [["a"] if i % 3 == 0 else ["b"] if i % 3 == 1 else [] for i in range(len(texts))] if multilabel \
            else ["a" if i % 2 else "b" for i in range(len(texts))]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                clf = TextClassifier(multilabel=multilabel, **SMALL).fit(texts, y)
            except ProposalNLPError as exc:
                assert fc.expected_error(exc)
                return
        fc.check_predict(clf, texts)
    run_one()


# ------------------------------------------------------------------ matching
@budget(25, 600)
def test_clause_matcher_match(examples, policy_matcher):
    @fuzz(examples, st.lists(SAFE, max_size=5), st.integers(1, 4))
    def run_one(texts, top_k):
        fc.check_match(policy_matcher, texts, top_k)
    run_one()


@budget(10, 300)
def test_clause_matcher_fits_any_clauses(examples):
    @fuzz(examples, st.lists(SAFE, min_size=1, max_size=6), st.lists(SAFE, max_size=3))
    def run_one(clauses, texts):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                m = ClauseMatcher().fit([{"clause_id": f"c{i}", "text": t} for i, t in enumerate(clauses)])
            except ProposalNLPError as exc:
                assert fc.expected_error(exc)
                return
        fc.check_match(m, texts)
    run_one()


@budget(15, 400)
def test_clause_matcher_with_lone_surrogates(examples, policy_matcher):
    @fuzz(examples, st.lists(HOSTILE, max_size=5), shrink=False)
    def run_one(texts):
        fc.check_match(policy_matcher, texts)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = ClauseMatcher().fit([{"clause_id": f"c{i}", "text": t} for i, t in enumerate(texts + ["建议"])])
        fc.check_match(m, texts)
    run_one()


# ------------------------------------------------------------------ tables in, tables out
@budget(12, 300)
def test_read_table_gives_back_what_was_written(examples, tmp_path_factory):
    @fuzz(examples, st.lists(SAFE, min_size=1, max_size=5), st.sampled_from(["csv", "xlsx", "jsonl"]))
    def run_one(texts, kind):
        df = fc.intake_frame(texts, [t[:10] for t in reversed(texts)])
        path = tmp_path_factory.mktemp("in") / f"intake.{kind}"
        fc.write_table(df, path)
        try:
            back = read_table(path)
        except ProposalNLPError as exc:  # a NUL byte in a CSV file is called binary, with a code
            assert fc.expected_error(exc) and exc.code == "PN102" and kind == "csv"
            return
        pd.testing.assert_frame_equal(back, fc.table_as_read(df, kind), check_dtype=False)
    run_one()


@budget(8, 200)
def test_read_table_with_any_headers(examples, tmp_path_factory):
    @fuzz(examples, st.lists(SAFE, min_size=1, max_size=4), st.sampled_from(["csv", "xlsx", "jsonl"]))
    def run_one(headers, kind):
        if kind == "jsonl":  # a JSON object holds each key once
            headers = list(dict.fromkeys(headers))
        df = pd.DataFrame([[f"v{i}" for i in range(len(headers))]], columns=headers)
        path = tmp_path_factory.mktemp("hdr") / f"intake.{kind}"
        fc.write_table(df, path)
        try:
            back = read_table(path)
        except ProposalNLPError as exc:
            assert fc.expected_error(exc)
            return
        assert len(back) <= 1 and all(isinstance(c, str) for c in back.columns)
    run_one()


@budget(15, 400)
def test_batch_with_stand_ins(examples):
    @fuzz(examples, st.lists(SAFE, max_size=6))
    def run_one(texts):
        df = fc.intake_frame(texts)
        try:
            first = run(df, chunk_size=3)
        except ProposalNLPError as exc:
            assert fc.expected_error(exc)
            return
        fc.check_batch_tables(first, texts, df["编号"].tolist())
        fc.assert_same_result(first, run(df, chunk_size=3))
    run_one()


@budget(10, 300)
def test_batch_with_lone_surrogates(examples):
    @fuzz(examples, st.lists(HOSTILE, min_size=1, max_size=6), shrink=False)
    def run_one(texts):
        df = fc.intake_frame(texts)
        try:
            result = run(df)
        except ProposalNLPError as exc:
            assert fc.expected_error(exc)
            return
        fc.check_batch_tables(result, texts, df["编号"].tolist())
    run_one()


@budget(4, 60)
def test_batch_with_the_default_components(examples):
    # the shipped model, extract_suggestions, parse_proposal and ClauseMatcher (loaded once per process)
    @fuzz(examples, st.lists(SAFE, min_size=1, max_size=3))
    def run_one(texts):
        df = fc.intake_frame(texts)
        first = process_table(df, policy=FRAMEWORK)
        fc.check_batch_tables(first, texts, df["编号"].tolist())
        fc.assert_same_result(first, process_table(df, policy=FRAMEWORK))
    run_one()


def test_one_worker_and_two_give_the_same_tables():
    rng = random.Random(7)
    texts = [fc.random_text(rng) for _ in range(9)]
    df = fc.intake_frame(texts)
    one, two = run(df, chunk_size=2), run(df, chunk_size=2, jobs=2)
    fc.check_batch_tables(one, texts, df["编号"].tolist())
    fc.assert_same_result(one, two)


@budget(6, 100)
def test_results_written_and_read_back(examples, tmp_path_factory):
    @fuzz(examples, st.lists(SAFE, min_size=1, max_size=5), st.lists(SAFE, min_size=5, max_size=5))
    def run_one(texts, titles):
        df = fc.intake_frame(texts, titles[:len(texts)])
        result = run(df)
        base = tmp_path_factory.mktemp("out")
        for out in (base / "result.xlsx", base / "result"):
            written = write_result(result, out)
            assert live_formula_cells(written) == 0
            back = read_result(written)
            assert len(back.proposals) == len(texts)
            for col in ("title", "text"):
                want = [v or None for v in result.proposals[col]]
                if out.suffix == ".xlsx":  # control characters an XLSX cell cannot hold are removed, recorded
                    want = [fc.xlsx_safe(v) or None if v else None for v in want]
                assert [v or None for v in back.proposals[col]] == want
            assert len(back.suggestions) == len(result.suggestions)
        report = render_report(result, base / "report.html")
        assert fc.live_formula_cells_html(report) == 0
    run_one()
