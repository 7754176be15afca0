# Sourced by scripts/build.sh, scripts/test.sh and .ci/run: make .venv with gip and its extras, once.
# torch is pinned to 2.13.0 first: on these machines that CPU build is on local disk (an unpinned torch
# would pull a multi-GB CUDA build). Re-installs only when pyproject.toml changes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
stamp=".venv/.gip-installed-$(sha1sum pyproject.toml | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  python -m pip install -q --upgrade pip
  python -m pip install -q "torch==2.13.0"
  python -m pip install -q -e ".[book,test]"
  rm -f .venv/.gip-installed-* && touch "$stamp"
fi
