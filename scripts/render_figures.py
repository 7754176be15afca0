"""Execute chapters and write every figure they produce as a PNG, to look at them (maintainers' tool).

    python scripts/render_figures.py book/04_heated_masks.ipynb [more.ipynb ...] --out /tmp/figs [--fast]

For each notebook: ``OUT/<stem>/cell<NN>_<k>.png`` for every image output, ``OUT/<stem>/cell<NN>.txt`` for
text/HTML outputs (tables), and ``OUT/<stem>/executed.ipynb``. A failing cell stops that notebook and says
which cell. ``--fast`` sets GIP_FAST=1 (the test-size runs).
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebooks", nargs="+")
    ap.add_argument("--out", default="_build/figures")
    ap.add_argument("--fast", action="store_true")
    ap.add_argument("--timeout", type=int, default=900)
    args = ap.parse_args()
    if args.fast:
        os.environ["GIP_FAST"] = "1"
    rc = 0
    for path in map(Path, args.notebooks):
        out = Path(args.out) / path.stem
        out.mkdir(parents=True, exist_ok=True)
        nb = nbformat.read(path, as_version=4)
        t0 = time.perf_counter()
        try:
            NotebookClient(nb, timeout=args.timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
        except Exception as e:  # report and keep what ran
            print(f"{path}: FAILED: {str(e).splitlines()[0] if str(e) else e!r}", file=sys.stderr)
            rc = 1
        nbformat.write(nb, out / "executed.ipynb")
        n = 0
        for i, cell in enumerate(nb.cells):
            texts = []
            for k, o in enumerate(cell.get("outputs", [])):
                data = o.get("data", {})
                if "image/png" in data:
                    (out / f"cell{i:02d}_{k}.png").write_bytes(base64.b64decode(data["image/png"]))
                    n += 1
                elif "text/html" in data:
                    texts.append(re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "data:...", "".join(data["text/html"]))[:20000])
                elif "text/plain" in data:
                    texts.append("".join(data["text/plain"]))
                elif o.get("output_type") == "stream":
                    texts.append("".join(o.get("text", "")))
                elif o.get("output_type") == "error":
                    texts.append("ERROR: " + o.get("ename", "") + ": " + o.get("evalue", ""))
            if texts:
                (out / f"cell{i:02d}.txt").write_text("\n".join(texts))
        print(f"{path}: {n} figures in {out} ({time.perf_counter() - t0:.0f} s)")
    return rc


if __name__ == "__main__":
    sys.exit(main())
