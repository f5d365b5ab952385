"""The notebooks: committed without outputs, and showing their figures when run.

``make test`` executes every notebook (``pytest --nbmake notebooks``), which only says that no
cell failed. Here one notebook is run with ``nbclient`` and its outputs are read: its figures are
there as images, and the confusion matrix is labelled with the class names.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _code(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_committed_without_outputs_and_display_their_figures(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)  # cell ids included
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == [None] * len(code)
    assert [c.outputs for c in code] == [[]] * len(code)
    source = _code(nb)
    assert 'matplotlib.use("Agg")' not in source  # a figure drawn off screen is never shown
    if "matplotlib" in source:
        assert "%matplotlib inline" in source and "plt.show()" in source


def test_an_executed_notebook_holds_its_figures_with_class_names_on_the_axes(tmp_path, monkeypatch):
    from nbclient import NotebookClient

    path = ROOT / "notebooks" / "train_your_own_classifier.ipynb"
    nb = nbformat.read(path, as_version=4)
    # the confusion matrix's axes, read back from the kernel once the notebook has run
    nb.cells.append(nbformat.v4.new_code_cell(
        "import json\n"
        "print(json.dumps({'x': [t.get_text() for t in ax1.get_xticklabels()],\n"
        "                  'y': [t.get_text() for t in ax1.get_yticklabels()], 'classes': labels}))"))
    empty = tmp_path / "no_shared_data"
    empty.mkdir()
    monkeypatch.setenv("PROPOSAL_NLP_DATA", str(empty))  # the texts written in the notebook: fast
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "display_data" and "image/png" in o.data]
    assert images, "no figure was displayed"
    axes = json.loads(nb.cells[-1].outputs[0].text)
    assert axes["x"] == axes["y"] == axes["classes"] == ["交通", "教育", "消防"]
