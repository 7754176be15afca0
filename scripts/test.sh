#!/usr/bin/env bash
# Every test: the package (pytest), the notebooks (nbval) and an offline book build, the last two with
# GIP_FAST=1 (fewer sampler steps), then every built page in a real browser (headless Chromium). The check
# build goes to _build/ci, so its execution cache never feeds the published build (scripts/build.sh).
set -euo pipefail
. "$(dirname "$0")/setup.sh"
MPLBACKEND=Agg python -m pytest tests  # headless; the notebooks keep their inline backend (figures)
if [ -f _toc.yml ]; then
  GIP_FAST=1 python -m pytest --nbval-lax book/
  GIP_FAST=1 jupyter-book build . --path-output _build/ci
  python scripts/check_book.py _build/ci/_build/html
  echo "book check build: ok"
  if command -v chromedriver >/dev/null 2>&1 || [ -x /usr/lib/chromium/chromedriver ]; then
    python scripts/browser_check.py _build/ci/_build/html --screenshots _build/ci/screenshots
  else
    echo "browser check skipped: no chromium/chromedriver (apt-get install chromium chromium-driver)"
  fi
fi
