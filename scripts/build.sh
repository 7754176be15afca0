#!/usr/bin/env bash
# The main job: set up .venv, run the demo inpainting on the embedded model, build the book (offline).
set -euo pipefail
. "$(dirname "$0")/setup.sh"
gip demo -o _build/demo
if [ -f _toc.yml ]; then
  jupyter-book build .
  python scripts/check_book.py _build/html
  echo "book: $ROOT/_build/html/index.html"
fi
echo "demo: $ROOT/_build/demo/demo.png"
