#!/usr/bin/env bash
# The GPU benchmark in one command: benchmarks/bench_gpu.py on cuda; every row on stdout as a markdown line
# as soon as it is measured, then the whole table (also on --max-minutes, Ctrl-C or SIGTERM: the rows not
# measured are listed as skipped), the same as CSV in benchmarks/gpu-results.csv, progress on stderr.
# Arguments pass through to bench_gpu.py:
#   bash benchmarks/gpu.sh                        # everything (long: torch.compile per precision and shape)
#   bash benchmarks/gpu.sh --quick                # fits 5 minutes (stops at 4.5 unless --max-minutes is given)
#   bash benchmarks/gpu.sh --no-compile --repeats 3 --max-minutes 9 --out /tmp/r.csv
# Interpreter: $PYTHON if set, else the first of .venv/bin/python and python3 whose torch sees CUDA, else
# the first that imports torch (bench_gpu.py then says that CUDA is missing). gip is taken from this
# checkout (PYTHONPATH), installed or not; diffusers must be importable.
set -euo pipefail
cd "$(dirname "$0")/.."

py="${PYTHON:-}"
if [ -z "$py" ]; then
  for c in .venv/bin/python python3; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys, torch; sys.exit(not torch.cuda.is_available())' 2>/dev/null; then
      py=$c
      break
    fi
  done
fi
if [ -z "$py" ]; then
  for c in .venv/bin/python python3; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import torch' 2>/dev/null; then
      py=$c
      break
    fi
  done
fi
if [ -z "$py" ] || ! "$py" -c 'import torch, diffusers' 2>/dev/null; then
  echo "gpu.sh: error: no Python here imports torch and diffusers (tried ${py:-.venv/bin/python, python3});" \
    "set PYTHON=/path/to/python or pip install diffusers" >&2
  exit 2
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
exec "$py" benchmarks/bench_gpu.py --device cuda --out benchmarks/gpu-results.csv "$@"
