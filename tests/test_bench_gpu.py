"""benchmarks/bench_gpu.py: the --dry-run (every path that needs no CUDA) and its wrappers, on the CPU."""

import csv
import importlib.util
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
import torch
from conftest import make_tiny_model

from gip.accel import CUDAGraphUNet, GraphFallback

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "bench_gpu.py"
COLUMNS = ["model", "resolution", "batch", "precision", "variant", "compile", "cuda_graph",
           "ms_per_call", "s_per_image", "peak_mem_MB"]  # fmt: skip
VARIANTS = ("gip-guided", "gip-repaint", "diffusers", "unet-call")


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_gpu", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_gpu"] = mod  # its dataclass looks its module up there
    spec.loader.exec_module(mod)
    return mod


def _rows(lines):
    rows = [[c.strip() for c in ln.strip("|").split("|")] for ln in lines if ln.startswith("| ") and "---" not in ln]
    return [r for r in rows if r != COLUMNS]


def _dry_run(tmp_path, *extra, **popen):
    out = tmp_path / "sub" / "results.csv"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}
    cmd = [sys.executable, str(SCRIPT), "--dry-run", "--out", str(out), *extra]
    return out, cmd, env


def _split(stdout: str):
    """(the rows printed as they were measured, the rows of the final table)."""
    streamed, final = stdout.split("## All rows")
    return _rows(streamed.splitlines()), _rows(final.splitlines())


def _csv(out):
    with out.open(newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS
        return [[r[c] for c in COLUMNS] for r in reader]


def test_dry_run_prints_each_row_then_the_table_and_writes_the_csv(tmp_path):
    out, cmd, env = _dry_run(tmp_path)
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "| " + " | ".join(COLUMNS) + " |" in proc.stdout.splitlines()
    streamed, rows = _split(proc.stdout)
    assert streamed == rows, "every row is printed as it is measured, and the whole table at the end"
    for v in VARIANTS:  # one measured row (a number) and one row for what needs CUDA, per variant
        measured = [r for r in rows if r[4] == v and r[5] == "no" and r[6] == "no"]
        assert measured and all(float(r[7]) > 0 and float(r[8]) > 0 for r in measured), v
        assert any(r[4] == v and r[5] == r[6] == "skipped (no CUDA)" for r in rows), v
    assert {r[0] for r in rows if r[4] == "unet-call"} == {"emoji-faces-32", "tiny-random (celebahq-256 layout)"}
    assert any(r[0].startswith("tiny-random") and r[4] == "gip-guided" and r[5] == "no" for r in rows), \
        "gip.inpaint at the hub model's layout"
    assert _csv(out) == rows


def test_the_time_limit_stops_inside_a_row_and_still_prints_the_table(tmp_path):
    out, cmd, env = _dry_run(tmp_path, "--repeats", "100", "--max-minutes", "0.05")  # a row takes > 3 s
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    streamed, rows = _split(proc.stdout)
    assert "## All rows (skipped (time limit))" in proc.stdout
    assert len(rows) == 12 and rows[: len(streamed)] == streamed
    assert rows[0][7] == "skipped (time limit)", "the first row was running when the time was up"
    assert _csv(out) == rows
    assert not list(out.parent.glob("*.tmp")), "no temporary CSV left behind"


def test_sigterm_prints_the_table_and_writes_the_csv(tmp_path):
    out, cmd, env = _dry_run(tmp_path, "--repeats", "400")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        head = "| " + " | ".join(COLUMNS) + " |"
        for line in proc.stdout:  # the table's head is printed before the first row is measured
            if line.strip() == head:
                break
        time.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
        rest, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 143, err[-3000:]
    _, rows = _split(rest)
    assert len(rows) == 12 and any(r[7] == "skipped (interrupted: SIGTERM)" for r in rows)
    assert _csv(out) == rows


def test_cuda_graph_wrapper_is_the_package_one_and_falls_back_to_eager_off_cuda():
    bench = load_bench()
    assert bench.CUDAGraphUNet is CUDAGraphUNet  # gip.accel's, not a copy
    unet = make_tiny_model().unet
    g = bench.CUDAGraphUNet(unet, label="tiny")
    x, t = torch.randn(2, 3, 16, 16), torch.tensor(10)
    with torch.inference_mode(), pytest.warns(GraphFallback, match="running the UNet eagerly"):
        out = g(x, t).sample
        again = g(x, 10, return_dict=False)[0]  # a Python int timestep too
        ref = unet(x, t).sample
    assert torch.equal(out, ref) and torch.equal(again, ref)
    assert "CUDA device" in g.error
    assert g.config is unet.config and g.dtype == torch.float32 and g.device.type == "cpu"


def test_runners_take_the_wrappers():
    """Every variant runs through a CUDAGraphUNet (here: its eager fallback): the gip rows through
    gip.inpaint(..., graph=True) itself (the wrapper is the one on model.accel), the others through the
    benchmark's; diffusers in bfloat16 also through Float32Loop (RePaintPipeline's own bfloat16 loop fails at
    its final .numpy())."""
    bench = load_bench()
    args = bench.parse(["--dry-run"])
    for dtype in (torch.float32, torch.bfloat16):
        tiny = make_tiny_model()
        model = bench.gip.Model(tiny.unet.to(dtype), tiny.scheduler, tiny.name)
        for variant in bench.VARIANTS:
            fn, calls, wrapper = bench.make_runner(variant, model, 2, args, compile_=False, graph=True)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", GraphFallback)  # said once per wrapper; wrapper.error says it here
                fn()
            assert isinstance(wrapper, CUDAGraphUNet) and wrapper.error, variant
            if variant.startswith("gip"):
                assert wrapper in model.accel.values(), "gip's own graph (gip.accel.denoiser)"
            assert calls == (args.calls_per_repeat if variant == "unet-call" else 4)


def test_celebahq_layout_and_the_gpu_plan():
    bench = load_bench()
    with torch.device("meta"):
        unet = bench.celebahq_unet()
    assert sum(p.numel() for p in unet.parameters()) == 113_673_219  # google/ddpm-ema-celebahq-256's UNet
    assert unet.config.sample_size == 256 and unet.config.block_out_channels == (128, 128, 256, 256, 512, 512)
    tiny = bench.celebahq_unet(tiny=True)
    assert tiny.config.down_block_types == unet.config.down_block_types
    assert tiny.config.up_block_types == unet.config.up_block_types
    full = bench.plan(bench.parse([]), cuda=True)
    assert [p for p, _ in full] == ["float32", "float16", "bfloat16"]
    assert all(c == [(False, False), (False, True), (True, False), (True, True)] for _, c in full)
    quick = dict(bench.plan(bench.parse(["--quick"]), cuda=True))
    assert quick["float32"] == [(False, False), (False, True)] and len(quick["float16"]) == 4
    big = dict(bench.plan(bench.parse(["--quick"]), cuda=True, big=True))  # no torch.compile of the 256x256 UNet
    assert big["float32"] == big["float16"] == [(False, False), (False, True)]
    assert bench.parse(["--quick"]).max_minutes == bench.QUICK_MINUTES < 5 and bench.parse([]).max_minutes is None
    assert bench.plan(bench.parse(["--dry-run"]), cuda=False) == [("float32", [(False, False)])]
