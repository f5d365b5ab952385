"""The batch engine: a step that cannot run fails before any row, whatever ``jobs``; a step that
failed for every row fails the batch; a few failing rows do not."""
from __future__ import annotations

import pandas as pd
import pytest

import batch_standins as bs
from bad_models import BAD_MODELS, make_bad_model, small_model
from proposal_nlp.batch import process_file, process_table
from proposal_nlp.errors import BatchError, ModelError


@pytest.fixture(scope="module")
def small():
    return small_model()


@pytest.fixture
def no_workers(monkeypatch):
    """Fail the test if a worker pool starts."""
    def refuse(*a, **k):
        raise AssertionError("a worker pool started before the model was checked")

    monkeypatch.setattr("concurrent.futures.ProcessPoolExecutor", refuse)


@pytest.mark.parametrize("jobs", [1, 2, 0])
@pytest.mark.parametrize("kind", list(BAD_MODELS))
def test_a_bad_model_fails_before_any_row_whatever_jobs(tmp_path, small, no_workers, kind, jobs):
    path = make_bad_model(kind, tmp_path, small)
    with pytest.raises(ModelError, match=BAD_MODELS[kind]):
        process_table(bs.proposals_frame(6), steps=("classify",), classifier=path, jobs=jobs, chunk_size=2)


def test_a_bad_model_fails_before_any_row_with_dask(tmp_path, small):
    dd = pytest.importorskip("dask.dataframe")
    import dask

    from proposal_nlp.dask import process_dask

    path = make_bad_model("tampered", tmp_path, small)
    ddf = dd.from_pandas(bs.proposals_frame(6), npartitions=2)
    with dask.config.set(scheduler="threads"), pytest.raises(ModelError, match="PN329"):
        process_dask(ddf, steps=("classify",), classifier=path)


def test_a_good_model_file_runs_with_workers(tmp_path, small):
    from proposal_nlp import save_classifier

    path = save_classifier(small, tmp_path / "good.skops")
    res = process_table(bs.proposals_frame(4), steps=("classify",), classifier=path, jobs=2, chunk_size=2)
    assert res.errors.empty and len(res.proposals) == 4


def _all(text: str, n: int = 5) -> pd.DataFrame:
    df = bs.proposals_frame(n)
    df["内容"] = [f"{text} {i} 建议加强消防检查" for i in range(n)]
    df["标题"] = ""
    return df


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("text, step", [("BOOM", "classify"), ("CRASH", "extract")])
def test_a_step_failing_for_every_row_fails_the_batch(text, step, jobs):
    with pytest.raises(BatchError, match=rf"PN169.*the {step} step failed for all 5 rows with text") as info:
        process_table(_all(text), **bs.STANDINS, policy=bs.FRAMEWORK, jobs=jobs, chunk_size=2)
    assert info.value.stage == step
    assert "First error (row 1" in str(info.value) and "stand-in" in str(info.value)


def test_a_classifier_object_that_raises_for_every_text():
    with pytest.raises(BatchError, match=r"PN169.*classify step failed for all 4 rows.*stand-in model cannot predict"):
        process_table(bs.proposals_frame(4), steps=("classify",), classifier=bs.FailingClassifier())


def test_a_matcher_failing_for_every_ask_fails_the_batch():
    with pytest.raises(BatchError, match=r"PN169.*match step failed for all \d+ asks") as info:
        process_table(bs.proposals_frame(4), **{**bs.STANDINS, "matcher": bs.FailingMatcher()}, policy=bs.FRAMEWORK)
    assert info.value.stage == "match"


def test_a_few_failing_rows_do_not_fail_the_batch():
    df = _all("BOOM", 5)
    df.loc[2, "内容"] = "建议加强消防检查"
    res = process_table(df, **bs.STANDINS, policy=bs.FRAMEWORK)
    assert (res.errors["stage"] == "classify").sum() == 4 and len(res.proposals) == 5


def test_rows_without_text_do_not_count():
    df = pd.DataFrame({"编号": ["1", "2", "3"], "内容": ["", "  ", None]})
    res = process_table(df, steps=("classify", "extract"), classifier=bs.FailingClassifier(),
                        extractor=bs.extract_asks, parser=bs.parse_fields)
    assert len(res.proposals) == 3


@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize("name", ["out.xlsx", "outdir"])
def test_nothing_is_written_when_a_step_failed_for_every_row(tmp_path, stream, name):
    src = tmp_path / "in.csv"
    _all("BOOM", 7).to_csv(src, index=False)
    out = tmp_path / name
    with pytest.raises(BatchError, match=rf"PN169.*nothing was written to .*{name}"):
        process_file(src, out=out, stream=stream, chunk_size=3, **bs.STANDINS, policy=bs.FRAMEWORK)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]  # no output, no partial output


def test_an_existing_output_is_left_as_it_was(tmp_path):
    src = tmp_path / "in.csv"
    bs.proposals_frame(3).to_csv(src, index=False)
    out = tmp_path / "outdir"
    process_file(src, out=out, stream=True, **bs.STANDINS, policy=bs.FRAMEWORK)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    _all("BOOM", 3).to_csv(src, index=False)
    with pytest.raises(BatchError):
        process_file(src, out=out, stream=True, force=True, **bs.STANDINS, policy=bs.FRAMEWORK)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not (tmp_path / "outdir.part").exists()
