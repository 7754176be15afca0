"""benchmarks/bench_gpu.py: the --dry-run (every path that needs no CUDA) and its wrappers, on the CPU."""

import csv
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import torch
from conftest import make_tiny_model

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


def test_dry_run_prints_the_table_and_writes_the_csv(tmp_path):
    out = tmp_path / "sub" / "results.csv"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}
    proc = subprocess.run([sys.executable, str(SCRIPT), "--dry-run", "--out", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    assert "| " + " | ".join(COLUMNS) + " |" in lines
    rows = [[c.strip() for c in ln.strip("|").split("|")] for ln in lines if ln.startswith("| ") and "---" not in ln]
    rows = [r for r in rows if r != COLUMNS]
    for v in VARIANTS:  # one measured row (a number) and one row for what needs CUDA, per variant
        measured = [r for r in rows if r[4] == v and r[5] == "no" and r[6] == "no"]
        assert measured and all(float(r[7]) > 0 and float(r[8]) > 0 for r in measured), v
        assert any(r[4] == v and r[5] == r[6] == "skipped (no CUDA)" for r in rows), v
    assert {r[0] for r in rows if r[4] == "unet-call"} == {"emoji-faces-32", "tiny-random (celebahq-256 layout)"}
    with out.open(newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS
        csv_rows = list(reader)
    assert [[r[c] for c in COLUMNS] for r in csv_rows] == rows


def test_cuda_graph_wrapper_falls_back_to_eager_off_cuda(capsys):
    bench = load_bench()
    unet = make_tiny_model().unet
    g = bench.CUDAGraphUNet(unet, label="tiny")
    x, t = torch.randn(2, 3, 16, 16), torch.tensor(10)
    with torch.inference_mode():
        out = g(x, t).sample
        again = g(x, 10, return_dict=False)[0]  # a Python int timestep too
        ref = unet(x, t).sample
    assert torch.equal(out, ref) and torch.equal(again, ref)
    assert "CUDA device" in g.error
    assert capsys.readouterr().err.count("running the UNet eagerly") == 1  # said once, not per call
    assert g.config is unet.config and g.dtype == torch.float32 and g.device.type == "cpu"


def test_runners_take_the_wrappers(capsys):
    """Every variant runs through CUDAGraphUNet (here: its eager fallback) and, for diffusers in bfloat16,
    through Float32Loop (RePaintPipeline's own bfloat16 loop fails at its final .numpy())."""
    bench = load_bench()
    args = bench.parse(["--dry-run"])
    for dtype in (torch.float32, torch.bfloat16):
        tiny = make_tiny_model()
        model = bench.gip.Model(tiny.unet.to(dtype), tiny.scheduler, tiny.name)
        for variant in bench.VARIANTS:
            fn, calls, wrapper = bench.make_runner(variant, model, 2, args, compile_=False, graph=True)
            fn()
            assert isinstance(wrapper, bench.CUDAGraphUNet) and wrapper.error, variant
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
    assert bench.plan(bench.parse(["--dry-run"]), cuda=False) == [("float32", [(False, False)])]
