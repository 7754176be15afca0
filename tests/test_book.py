"""The book's files: every chapter in the TOC exists, opens with the Colab cell generated from _config.yml,
and starts with the short setup (gip.book.setup)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

import colab_cell

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = colab_cell.chapters()


def test_every_chapter_exists():
    assert CHAPTERS and all(p.exists() for p in CHAPTERS), [p for p in CHAPTERS if not p.exists()]


def test_colab_cells_come_from_config():
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "colab_cell.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "git+https://" in colab_cell.cell_source()


def test_the_cell_follows_the_config(tmp_path):
    cfg = tmp_path / "_config.yml"
    cfg.write_text("repository:\n  url: https://example.org/me/gip/\n  branch: v2\n")
    assert '"gip @ git+https://example.org/me/gip@v2"' in colab_cell.cell_source(cfg)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapters_start_with_the_short_setup(path):
    nb = json.loads(path.read_text())
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert "from gip.book import setup" in code[1], f"{path.name}: the second code cell should call gip.book.setup()"
    assert all("!gip" not in c for c in code), f"{path.name}: call the CLI through sys.executable -m gip"
    assert "book = setup(use_hub=USE_HUB)" in code[1] and "USE_HUB = False" in code[1], (
        f"{path.name}: the setup cell should read `USE_HUB = False` then `book = setup(use_hub=USE_HUB)`")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapters_take_their_inputs_from_the_book(path):
    # with a hub model the chapters must run on photos: no emoji loaded behind the book's back
    code = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code")
    for call in ("gip.assets.", "book.demo(", "assets.load(", "load_model("):
        assert call not in code, f"{path.name} calls {call}: use book.scene(), book.object(), book.cases()"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_code_a_reader_sees_fits_the_page(path):
    # the page's code column holds 88 characters; longer lines scroll sideways and hide their comments
    cells = json.loads(path.read_text())["cells"]
    long = [(i, line) for i, c in enumerate(cells) if c["cell_type"] == "code"
            and not {"remove-cell", "remove-input"} & set(c.get("metadata", {}).get("tags", []))
            for line in "".join(c["source"]).splitlines() if len(line) > 88]
    assert not long, long
