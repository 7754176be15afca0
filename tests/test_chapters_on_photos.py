"""Every chapter runs on the photo path at the hub models' size: as a Colab reader with ``USE_HUB = True``
would (google/ddpm-ema-celebahq-256: 256x256 photos, the accessories rendered at 256 px, face-coordinate
boxes), but on a local RANDOM-INIT 256x256 UNet (``GIP_HUB_MODEL``, fast mode) small enough for the CPU
(:func:`conftest.make_photo_model`, ~25 ms a call). A path check, not a result: the pictures are noise, and
``book.check`` only notes the claims the text makes about the embedded model. It reaches every branch a
256-px model takes (objects at >= 128 px are the 256-px renderings: chapter 8 cuts one out of its white
background), which a smaller test model would not."""

import nbformat
import pytest
from conftest import make_photo_model

import colab_cell

nbclient = pytest.importorskip("nbclient")

#: The hub models' resolution (google/ddpm-ema-celebahq-256, google/ddpm-ema-cat-256).
RESOLUTION = 256


@pytest.fixture(scope="module")
def hub_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hub") / f"ddpm-random-{RESOLUTION}"
    make_photo_model(RESOLUTION).save_pretrained(folder)
    return folder


def test_the_photo_model_is_the_hub_size_and_fast(hub_folder):
    import gip

    model = gip.load_model(str(hub_folder))
    assert model.resolution == RESOLUTION
    assert sum(p.numel() for p in model.unet.parameters()) < 50_000


@pytest.mark.parametrize("path", colab_cell.chapters(), ids=lambda p: p.stem)
def test_chapter_runs_on_photos(path, hub_folder, monkeypatch):
    monkeypatch.setenv("GIP_FAST", "1")
    monkeypatch.setenv("GIP_HUB_MODEL", str(hub_folder))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    out = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "emoji-faces" not in out, f"{path.name} printed the embedded model's name on the photo path"
