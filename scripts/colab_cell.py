"""The chapters' Colab install cell, generated from the one place the repository URL lives: _config.yml.

    python scripts/colab_cell.py           # rewrite the first code cell of every chapter in _toc.yml
    python scripts/colab_cell.py --check   # exit 1 if a chapter's cell differs (tests/test_book.py runs it)

The cell installs gip from ``repository.url`` at ``repository.branch`` when the notebook runs in Google
Colab, and does nothing elsewhere; it is tagged ``remove-cell`` (not shown in the HTML book). It never
installs torch (Colab ships a CUDA build).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
TAG = "remove-cell"


def cell_source(config: Path = ROOT / "_config.yml") -> str:
    repo = yaml.safe_load(config.read_text())["repository"]
    url = repo["url"].rstrip("/")
    return (
        "import sys\n\n"
        'if "google.colab" in sys.modules:  # the URL comes from _config.yml (scripts/colab_cell.py)\n'
        f'    %pip install -q "gip @ git+{url}@{repo.get("branch", "main")}"'
    )


def chapters() -> list[Path]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for part in toc.get("parts", []) for c in part["chapters"]]
    return [ROOT / f"{f}.ipynb" for f in files]


def first_code_cell(nb) -> dict:
    return next(c for c in nb.cells if c.cell_type == "code")


def main() -> int:
    check = "--check" in sys.argv[1:]
    src = cell_source()
    bad = []
    for path in chapters():
        nb = nbformat.read(path, as_version=4)
        cell = first_code_cell(nb)
        ok = "".join(cell["source"]) == src and TAG in cell.get("metadata", {}).get("tags", [])
        if ok:
            continue
        bad.append(path.name)
        if not check:
            if "google.colab" not in "".join(cell["source"]):  # no install cell yet: insert one
                cell = nbformat.v4.new_code_cell("")
                nb.cells.insert(next(i for i, c in enumerate(nb.cells) if c.cell_type == "code"), cell)
            cell["source"] = src
            tags = cell.setdefault("metadata", {}).setdefault("tags", [])
            if TAG not in tags:
                tags.append(TAG)
            nbformat.write(nb, path)
    if check and bad:
        print(f"Colab cell out of date in: {', '.join(bad)} (run python scripts/colab_cell.py)")
        return 1
    print("updated: " + (", ".join(bad) if bad else "nothing") if not check else "Colab cells: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
