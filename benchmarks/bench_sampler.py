"""Benchmark gip's sampler against diffusers' RePaintPipeline on the SAME UNet, schedule, batch and device.

    python benchmarks/bench_sampler.py                          # CPU, embedded model, (50, 5, 2)
    python benchmarks/bench_sampler.py --device cuda --dtype float16 --steps 250 --jump-length 10 --jump-n-sample 10
    python benchmarks/bench_sampler.py --model google/ddpm-ema-celebahq-256 --device cuda   # with internet

Prints a markdown table: (1) gip RePaint mode vs diffusers, alternating runs, time ratio gip/diffusers and
peak memory; (2) the guided mode's overhead over gip's RePaint mode; (3) per-image time at num_samples=8
relative to num_samples=1. Peak memory: CUDA max_memory_allocated, or on the CPU each variant's peak RSS
in a fresh subprocess (``--memory``).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import time

import numpy as np
import torch
from diffusers import RePaintPipeline, RePaintScheduler

import gip
from gip import assets, masks


def setup(args):
    model = gip.load_model(args.model, device=args.device, dtype=getattr(torch, args.dtype))
    res = model.resolution
    scene = gip.images.resize(gip.images.to_tensor(assets.path("grinning")), res)
    target = gip.images.resize(gip.images.to_tensor(assets.path("sunglasses")), res)
    fill = masks.box(res, res // 8, res // 4, 3 * res // 4, res // 4 + 1)
    pipe = RePaintPipeline(unet=model.unet, scheduler=RePaintScheduler.from_config(model.scheduler.config))
    pipe.set_progress_bar_config(disable=True)
    return model, scene, target, fill, pipe


def sync(device):
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def runner(name, args, model, scene, target, fill, pipe, batch):
    T, j, r = args.steps, args.jump_length, args.jump_n_sample
    common = dict(model=model, steps=T, jump_length=j, jump_n_sample=r, num_samples=batch, progress=False, seed=0)
    if name == "gip":
        return lambda: gip.repaint(scene, fill, **common)
    if name == "guided":
        return lambda: gip.inpaint(scene, target, fill, lam=gip.lambdas.Linear(p=0.75), heat=True, buffer=2, **common)
    if name == "diffusers":
        img = scene.expand(batch, -1, -1, -1).to(model.device)
        keep = torch.from_numpy(~fill).float()[None, None].expand(batch, -1, -1, -1)
        gen = torch.Generator(device=model.device)

        def run():
            gen.manual_seed(0)
            with torch.inference_mode():
                return pipe(img, keep, num_inference_steps=T, jump_length=j, jump_n_sample=r, eta=1.0,
                            generator=gen, output_type="np")  # fmt: skip

        return run
    raise ValueError(name)


def timed(fn, device) -> float:
    sync(device)
    t0 = time.perf_counter()
    fn()
    sync(device)
    return time.perf_counter() - t0


def compare(names, args, ctx, batch) -> dict[str, list[float]]:
    """Alternate the variants' runs (ABAB..., order flipped each round) after one warm-up each."""
    fns = {n: runner(n, args, *ctx, batch) for n in names}
    for fn in fns.values():
        fn()
    times = {n: [] for n in names}
    for rep in range(args.repeats):
        order = names if rep % 2 == 0 else names[::-1]
        for n in order:
            times[n].append(timed(fns[n], args.device))
    return times


def peak_memory_mb(name, args, ctx, batch) -> float:
    device = args.device
    if str(device).startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
        runner(name, args, *ctx, batch)()
        return torch.cuda.max_memory_allocated() / 2**20
    cmd = [sys.executable, __file__, "--only", name, "--batch", str(batch)] + forwarded(args)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])["maxrss_mb"]


def forwarded(args) -> list[str]:
    out = ["--steps", str(args.steps), "--jump-length", str(args.jump_length), "--jump-n-sample", str(args.jump_n_sample),
           "--device", args.device, "--dtype", args.dtype, "--threads", str(args.threads)]  # fmt: skip
    return out + (["--model", args.model] if args.model else [])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=None)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--dtype", default="float32", choices=["float32", "float16", "bfloat16"])
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--jump-length", type=int, default=5)
    ap.add_argument("--jump-n-sample", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    ap.add_argument("--memory", action="store_true", help="also measure peak memory (CPU: one subprocess each)")
    ap.add_argument("--only", choices=["gip", "guided", "diffusers"], help=argparse.SUPPRESS)
    ap.add_argument("--batch", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    ctx = setup(args)

    if args.only:  # subprocess mode for CPU peak memory
        runner(args.only, args, *ctx, args.batch)()
        print(json.dumps({"maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
        return

    model = ctx[0]
    calls = gip.count_model_calls(args.steps, args.jump_length, args.jump_n_sample)
    dev = torch.cuda.get_device_name() if args.device.startswith("cuda") else platform.processor() or platform.machine()
    print(f"# {model.name} ({model.resolution}x{model.resolution}), {args.device} [{dev}], {args.dtype}, "
          f"{args.threads} threads, (T, j, r) = ({args.steps}, {args.jump_length}, {args.jump_n_sample}) = "
          f"{calls} model calls, {args.repeats} alternating repeats, torch {torch.__version__}\n")  # fmt: skip
    med = statistics.median
    print("| comparison | batch | A median s | B median s | ratio A/B | A peak MB | B peak MB |")
    print("|---|---|---|---|---|---|---|")
    for batch in (1, 8):
        t = compare(["gip", "diffusers"], args, ctx, batch)
        mem = [peak_memory_mb(n, args, ctx, batch) for n in ("gip", "diffusers")] if args.memory else ["-", "-"]
        mem = [m if isinstance(m, str) else f"{m:.0f}" for m in mem]
        a, b = med(t["gip"]), med(t["diffusers"])
        print(f"| gip RePaint (A) vs diffusers RePaintPipeline (B) | {batch} | {a:.3f} | {b:.3f} | {a / b:.3f} | {mem[0]} | {mem[1]} |")
    t = compare(["guided", "gip"], args, ctx, 1)
    a, b = med(t["guided"]), med(t["gip"])
    print(f"| gip guided (A) vs gip RePaint (B): overhead {100 * (a / b - 1):+.1f} % | 1 | {a:.3f} | {b:.3f} | {a / b:.3f} | - | - |")
    t1 = compare(["gip"], args, ctx, 1)["gip"]
    t8 = compare(["gip"], args, ctx, 8)["gip"]
    a, b = med(t8) / 8, med(t1)
    print(f"| gip per image at num_samples=8 (A) vs num_samples=1 (B) | 8 vs 1 | {a:.3f} | {b:.3f} | {a / b:.3f} | - | - |")


if __name__ == "__main__":
    main()
