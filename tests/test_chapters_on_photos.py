"""Every chapter runs on the photo path: as a Colab reader with ``USE_HUB = True`` would, but on a local
RANDOM-INIT 64x64 UNet (``GIP_HUB_MODEL``, fast mode). A path check (photos, object renderings, face-coordinate
boxes, model resolution), not a result: the pictures are noise, and ``book.check`` only notes the claims the
text makes about the embedded model."""


import nbformat
import pytest
from conftest import make_tiny_model

import colab_cell

nbclient = pytest.importorskip("nbclient")


@pytest.fixture(scope="module")
def hub_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hub") / "ddpm-random-64"
    make_tiny_model(64).save_pretrained(folder)
    return folder


@pytest.mark.parametrize("path", colab_cell.chapters(), ids=lambda p: p.stem)
def test_chapter_runs_on_photos(path, hub_folder, monkeypatch):
    monkeypatch.setenv("GIP_FAST", "1")
    monkeypatch.setenv("GIP_HUB_MODEL", str(hub_folder))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    out = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "emoji-faces" not in out, f"{path.name} printed the embedded model's name on the photo path"
