"""Strip executed outputs (and saved widget state) from the book's notebooks, except the outputs of
cells tagged ``nbval-check-output``.

The published build executes every chapter itself (``execute_notebooks: cache``), so stored outputs are
only needed where nbval compares them. Run after editing a chapter:

    python scripts/strip_outputs.py            # all of book/*.ipynb
    python scripts/strip_outputs.py book/04_heated_masks.ipynb
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

KEEP_TAG = "nbval-check-output"


def strip(path: Path) -> bool:
    """Strip ``path`` in place (atomically); return whether anything changed."""
    text = path.read_text()
    nb = json.loads(text)
    nb["metadata"].pop("widgets", None)  # saved widget state: the executing build writes it afresh
    for cell in nb["cells"]:
        if cell["cell_type"] != "code" or KEEP_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        cell["outputs"] = []
        cell["execution_count"] = None
    new = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    if new == text:
        return False
    tmp = path.with_suffix(".ipynb.tmp")
    tmp.write_text(new)
    tmp.replace(path)
    return True


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    paths = [Path(p) for p in sys.argv[1:]] or sorted((root / "book").glob("*.ipynb"))
    for p in paths:
        print(("stripped " if strip(p) else "unchanged ") + str(p))
