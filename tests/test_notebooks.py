"""Notebooks run top to bottom (teaching material that breaks is worse than none).

Each notebook reads ``KIZUNA_NOTEBOOK_SIZE``: people get ``full`` (the default), the suite
runs ``small`` (small towns, few runs, well under a minute each). The kernel starts in
notebooks/ as Jupyter would, and ``KIZUNA_NOTEBOOK_OUT`` sends the notebooks' outputs to
a temporary folder, so the suite never writes into results/ nor shares a folder with a
notebook someone is running.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 600  # seconds; small mode needs a fraction of it


def code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code"]


def test_notebooks_are_numbered_in_order():
    numbers = [int(m.group(1)) for p in NOTEBOOKS if (m := re.match(r"(\d\d)_\w+\.ipynb$", p.name))]
    assert len(numbers) == len(NOTEBOOKS) >= 3, [p.name for p in NOTEBOOKS]
    assert numbers == list(range(1, len(NOTEBOOKS) + 1))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_clean(path):
    """Valid nbformat 4 with the python3 kernel, committed without outputs."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert nb.metadata.kernelspec.name == "python3"
    for cell in code_cells(nb):
        assert not cell.outputs and cell.execution_count is None, cell.source[:80]
    assert any("KIZUNA_NOTEBOOK_SIZE" in c.source for c in code_cells(nb))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    env = {**os.environ, "KIZUNA_NOTEBOOK_SIZE": "small", "KIZUNA_NOTEBOOK_OUT": str(tmp_path)}
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    client.execute(env=env)  # a failing cell raises CellExecutionError with its traceback
    cells = code_cells(nb)
    assert all(c.execution_count for c in cells)
    errors = [o for c in cells for o in c.outputs if o.output_type == "error"]
    assert not errors
    # figures first: every cell that draws a figure shows it inline (kizuna's figure
    # modules select the Agg backend when imported, which silently hides inline figures)
    for cell in cells:
        if "plt.subplots(" in cell.source:
            shown = [o for o in cell.outputs if "image/png" in o.get("data", {})]
            assert shown, f"no figure shown by the cell starting {cell.source[:60]!r}"
    assert list(tmp_path.iterdir()), "the notebook wrote nothing to KIZUNA_NOTEBOOK_OUT"
