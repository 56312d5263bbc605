"""Every notebook in notebooks/ executes without an error (the outputs are not compared: timings vary)."""
import os

import pytest

nbformat = pytest.importorskip("nbformat", reason="executing notebooks needs nbformat (pip install nbclient)")
nbclient = pytest.importorskip("nbclient", reason="executing notebooks needs nbclient")
pytest.importorskip("ipykernel", reason="executing notebooks needs a Python kernel (pip install ipykernel)")

HERE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "notebooks")
NOTEBOOKS = sorted(f for f in os.listdir(HERE) if f.endswith(".ipynb")) if os.path.isdir(HERE) else []


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 4


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_executes(name):
    nb = nbformat.read(os.path.join(HERE, name), as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": HERE}})
    client.execute()   # raises CellExecutionError naming the cell on any error
    assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code")
