"""GPU benchmark: gip's sampler and diffusers' RePaintPipeline by precision, torch.compile and CUDA graphs.

    bash benchmarks/gpu.sh                                   # = python benchmarks/bench_gpu.py --device cuda --out benchmarks/gpu-results.csv
    bash benchmarks/gpu.sh --quick --max-minutes 8           # a subset that fits a short GPU session
    python benchmarks/bench_gpu.py --dry-run                 # CPU: every path that needs no CUDA, tiny sizes

Measures, on one device:

* the embedded 32x32 model (``gip.load_model()``) at batch (``num_samples``) 1 / 8 / 64: ``gip.inpaint``
  guided mode (gip-guided), ``gip.repaint`` (gip-repaint, plain RePaint), diffusers' ``RePaintPipeline`` on
  the same UNet (diffusers), and the bare UNet call (unet-call);
* a random-init 256x256 ``UNet2DModel`` with the configuration of google/ddpm-ema-celebahq-256 (built
  locally, no hub access): the bare UNet call at batch 1 / 8;

each in float32 / float16 / bfloat16, eager or ``torch.compile`` (gip's ``compile=True``), with or without a
CUDA graph (:class:`CUDAGraphUNet`: one captured UNet forward per input shape, replayed). Timing: CUDA
events after ``torch.cuda.synchronize`` (CPU: ``time.perf_counter``), one warm-up run first (it also
compiles and captures), then the median of ``--repeats`` runs. One markdown table is printed (and written as
CSV to ``--out``):

* ms_per_call: sampler rows: run time / UNet calls of (T, j, r); unet-call rows: time of one UNet call.
* s_per_image: sampler rows: run time / batch; unet-call rows: ms_per_call x UNet calls of (T, j, r) / batch,
  the UNet's share of a full run of that schedule.
* peak_mem_MB: ``torch.cuda.max_memory_allocated`` over warm-up and timed runs (weights included); "-" on
  the CPU.

With torch.compile and a CUDA graph together, the graph captures the compiled UNet (what
``mode="reduce-overhead"`` does); gip is then called with ``compile=False`` on that wrapper.
"""

from __future__ import annotations

import argparse
import copy
import csv
import gc
import importlib
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from diffusers import DDPMScheduler, RePaintPipeline, RePaintScheduler, UNet2DModel
from diffusers.models.unets.unet_2d import UNet2DOutput

import gip
from gip import assets, masks

COLUMNS = ["model", "resolution", "batch", "precision", "variant", "compile", "cuda_graph",
           "ms_per_call", "s_per_image", "peak_mem_MB"]  # fmt: skip
VARIANTS = ("gip-guided", "gip-repaint", "diffusers", "unet-call")
PRECISIONS = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
NO_CUDA = "skipped (no CUDA)"


def quiet() -> None:
    """Silence diffusers' notes that do not concern a benchmark (dtype casts, deprecated preprocess)."""
    import warnings

    from diffusers.utils import logging as dlog

    dlog.set_verbosity_error()
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"diffusers\..*")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------------- CUDA graphs
class CUDAGraphUNet(torch.nn.Module):
    """A UNet whose forward replays a CUDA graph captured once per input shape (fixed batch).

    ``forward(sample, timestep)`` copies the inputs into the static buffers of the graph captured for that
    (shape, dtype) and replays it; the first call at a shape warms up on a side stream and captures. ``fn``
    is what gets captured (default: the UNet itself; pass ``torch.compile(unet)`` to graph compiled code).
    If capture fails (or the device is not CUDA) the reason is kept in ``error``, printed once, and every
    call runs ``fn`` eagerly. ``config``/``dtype``/``device`` are the UNet's, so ``gip.Model`` and
    ``RePaintPipeline`` take the wrapper where they take the UNet.
    """

    def __init__(self, unet: torch.nn.Module, fn=None, warmup: int = 3, label: str = "UNet"):
        super().__init__()
        self.unet = unet
        self._fn = fn if fn is not None else unet
        self.warmup = warmup
        self.label = label
        self.error: str | None = None
        self._graphs: dict = {}

    @property
    def config(self):
        return self.unet.config

    @property
    def dtype(self) -> torch.dtype:
        return next(self.unet.parameters()).dtype

    @property
    def device(self) -> torch.device:
        return next(self.unet.parameters()).device

    def _fail(self, reason: str) -> None:
        self.error = reason
        log(f"CUDA graph capture failed for {self.label}: {reason} -- running the UNet eagerly instead")

    def _capture(self, sample: torch.Tensor, t: torch.Tensor):
        static_x, static_t = sample.clone(), t.clone()
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):  # warm-up (cuDNN/cuBLAS choices, lazy inits, compilation) off-graph
            for _ in range(self.warmup):
                self._fn(static_x, static_t)
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            static_out = self._fn(static_x, static_t).sample
        return graph, static_x, static_t, static_out

    def forward(self, sample: torch.Tensor, timestep, return_dict: bool = True):
        t = timestep if torch.is_tensor(timestep) else torch.tensor(timestep)
        t = t.to(sample.device)
        key = (tuple(sample.shape), sample.dtype, tuple(t.shape), t.dtype, torch.is_inference_mode_enabled())
        if self.error is None and key not in self._graphs:
            if sample.device.type != "cuda":
                self._fail(f"CUDA graphs need a CUDA device, the input is on {sample.device}")
            else:
                try:
                    self._graphs[key] = self._capture(sample, t)
                except Exception as e:  # noqa: BLE001 - any capture failure falls back to eager
                    self._fail(f"{type(e).__name__}: {e}".splitlines()[0][:300])
        entry = self._graphs.get(key) if self.error is None else None
        if entry is None:
            out = self._fn(sample, t).sample
        else:
            graph, static_x, static_t, static_out = entry
            static_x.copy_(sample)
            static_t.copy_(t)
            graph.replay()
            out = static_out.clone()  # the next replay overwrites static_out
        return UNet2DOutput(sample=out) if return_dict else (out,)


class Float32Loop(torch.nn.Module):
    """Shows ``RePaintPipeline`` a float32 UNet while ``fn`` runs the UNet in its own (half) precision.

    The pipeline then keeps its loop (image, noise, scheduler step) in float32 and casts around the UNet
    call, as gip does; without it RePaintPipeline runs the whole loop in the UNet's dtype and its final
    ``.numpy()`` fails for bfloat16.
    """

    def __init__(self, unet: torch.nn.Module, fn):
        super().__init__()
        self.unet = unet
        self._fn = fn

    @property
    def config(self):
        return self.unet.config

    @property
    def dtype(self) -> torch.dtype:
        return torch.float32

    @property
    def device(self) -> torch.device:
        return next(self.unet.parameters()).device

    def forward(self, sample: torch.Tensor, timestep, return_dict: bool = True):
        out = self._fn(sample.to(next(self.unet.parameters()).dtype), timestep).sample.float()
        return UNet2DOutput(sample=out) if return_dict else (out,)


# ----------------------------------------------------------------------------------------------- models
def celebahq_unet(tiny: bool = False) -> UNet2DModel:
    """google/ddpm-ema-celebahq-256's UNet configuration, random init; ``tiny``: same block layout, small
    channels and 64x64 (for --dry-run)."""
    torch.manual_seed(0)
    unet = UNet2DModel(
        sample_size=64 if tiny else 256,
        in_channels=3,
        out_channels=3,
        block_out_channels=(8, 8, 16, 16, 32, 32) if tiny else (128, 128, 256, 256, 512, 512),
        layers_per_block=2,
        down_block_types=("DownBlock2D",) * 4 + ("AttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "AttnUpBlock2D") + ("UpBlock2D",) * 4,
        attention_head_dim=None,
        downsample_padding=0,
        flip_sin_to_cos=False,
        freq_shift=1,
        norm_eps=1e-6,
        norm_num_groups=8 if tiny else 32,
        act_fn="silu",
        center_input_sample=False,
        mid_block_scale_factor=1,
        time_embedding_type="positional",
    )
    return unet.eval().requires_grad_(False)


@dataclass
class Spec:
    name: str
    resolution: int
    make: object  # (torch.dtype, device) -> gip.Model
    variants: tuple
    batches: tuple


def specs(args) -> list[Spec]:
    emb = gip.load_model()  # float32 on the CPU; copied per precision

    def make_emb(dtype, device):
        return gip.Model(copy.deepcopy(emb.unet).to(device, dtype), emb.scheduler, emb.name)

    big = celebahq_unet(tiny=args.dry_run)
    sched = DDPMScheduler(num_train_timesteps=1000, beta_schedule="linear", beta_start=1e-4, beta_end=0.02,
                          clip_sample=True, variance_type="fixed_small")  # fmt: skip

    def make_big(dtype, device):
        return gip.Model(copy.deepcopy(big).to(device, dtype), sched, big_name)

    big_name = "tiny-random (celebahq-256 layout)" if args.dry_run else "celebahq-256 config (random init)"
    if args.dry_run:
        b32, b256 = (1,), (1,)
    elif args.quick:
        b32, b256 = (1, 64), (1, 8)
    else:
        b32, b256 = (1, 8, 64), (1, 8)
    return [
        Spec(emb.name, emb.resolution, make_emb, VARIANTS, b32),
        Spec(big_name, big.config.sample_size, make_big, ("unet-call",), b256),
    ]


# ----------------------------------------------------------------------------------------------- runners
def inputs(res: int):
    scene = gip.images.resize(gip.images.to_tensor(assets.path("grinning")), res)
    target = gip.images.resize(gip.images.to_tensor(assets.path("sunglasses")), res)
    fill = masks.box(res, res // 8, res // 4, 3 * res // 4, res // 4 + 1)
    return scene, target, fill


def make_runner(variant: str, model: gip.Model, batch: int, args, compile_: bool, graph: bool):
    """Return (fn, UNet calls per fn(), the CUDAGraphUNet or None): fn runs the variant once."""
    unet = model.unet
    sampler = variant in ("gip-guided", "gip-repaint")
    # gip compiles through its own compile=True; the others (and anything inside a graph) get torch.compile here
    fn_unet = torch.compile(unet) if compile_ and (graph or not sampler) else unet
    wrapper = CUDAGraphUNet(unet, fn=fn_unet, label=f"{model.name} b{batch} {variant}") if graph else None
    if wrapper is not None:
        fn_unet = wrapper
    T, j, r = args.steps, args.jump_length, args.jump_n_sample
    calls = gip.count_model_calls(T, j, r)
    if sampler:
        m = gip.Model(fn_unet, model.scheduler, model.name)
        scene, target, fill = inputs(model.resolution)
        common = dict(model=m, steps=T, jump_length=j, jump_n_sample=r, seed=0, num_samples=batch,
                      compile=compile_ and not graph, progress=False)  # fmt: skip
        if variant == "gip-guided":
            return (lambda: gip.inpaint(scene, target, fill, lam=gip.lambdas.Linear(p=0.75), heat=True, buffer=2,
                                        **common)), calls, wrapper  # fmt: skip
        return (lambda: gip.repaint(scene, fill, **common)), calls, wrapper
    if variant == "diffusers":
        scene, _, fill = inputs(model.resolution)
        if model.dtype != torch.float32:
            fn_unet = Float32Loop(unet, fn_unet)
        pipe = RePaintPipeline(unet=fn_unet, scheduler=RePaintScheduler.from_config(model.scheduler.config))
        pipe.set_progress_bar_config(disable=True)
        dev = model.device
        img = scene.expand(batch, -1, -1, -1).to(dev)
        keep = torch.from_numpy(~fill).float()[None, None].expand(batch, -1, -1, -1)
        gen = torch.Generator(device=dev)

        def run():
            gen.manual_seed(0)
            with torch.inference_mode():
                return pipe(img, keep, num_inference_steps=T, jump_length=j, jump_n_sample=r, eta=1.0,
                            generator=gen, output_type="pt")  # fmt: skip

        return run, calls, wrapper
    if variant == "unet-call":
        n = args.calls_per_repeat
        res = model.resolution
        g = torch.Generator(device=model.device).manual_seed(0)
        x = torch.randn(batch, 3, res, res, generator=g, device=model.device).to(model.dtype)
        t = torch.tensor(500, device=model.device)

        def run():
            with torch.inference_mode():
                for _ in range(n):
                    out = fn_unet(x, t).sample
            return out

        return run, n, wrapper
    raise ValueError(variant)


def sync(device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def timed(fn, device) -> float:
    """Seconds for one fn() call: CUDA events on a GPU, perf_counter otherwise."""
    if device.type == "cuda":
        torch.cuda.synchronize()
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        return start.elapsed_time(end) / 1000.0
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def measure(variant, model, batch, args, compile_, graph, device) -> dict:
    if device.type == "cuda":
        gc.collect()
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    fn, calls, wrapper = make_runner(variant, model, batch, args, compile_, graph)
    for _ in range(args.warmup):  # also compiles (torch.compile) and captures (CUDA graph)
        fn()
    sync(device)
    med = statistics.median(timed(fn, device) for _ in range(args.repeats))
    ms = 1000.0 * med / calls
    if variant == "unet-call":
        s_img = ms * gip.count_model_calls(args.steps, args.jump_length, args.jump_n_sample) / 1000.0 / batch
    else:
        s_img = med / batch
    peak = torch.cuda.max_memory_allocated() / 2**20 if device.type == "cuda" else None
    state = "no" if wrapper is None else "failed (ran eager)" if wrapper.error else "yes"
    return dict(cuda_graph=state, ms_per_call=f"{ms:.3f}", s_per_image=f"{s_img:.4f}",
                peak_mem_MB="-" if peak is None else f"{peak:.0f}")  # fmt: skip


# ----------------------------------------------------------------------------------------------- output
def write_csv(rows: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, path)


def markdown(rows: list[dict]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(str(r[c]) for c in COLUMNS) + " |" for r in rows]
    return "\n".join(lines)


def tf32() -> str:
    """The TF32 settings float32 runs get (torch's defaults are kept)."""
    try:
        return (f"cudnn.allow_tf32={torch.backends.cudnn.allow_tf32}, "
                f"matmul.allow_tf32={torch.backends.cuda.matmul.allow_tf32}")  # fmt: skip
    except Exception as e:  # noqa: BLE001 - newer torch may only have the fp32_precision API
        return f"tf32 settings unreadable ({type(e).__name__})"


def configure_dynamo() -> None:
    """Static shapes per batch (no automatic dynamic-batch kernels) and room for one entry per shape."""
    importlib.import_module("torch._dynamo")
    cfg = torch._dynamo.config
    cfg.automatic_dynamic_shapes = False
    for name in ("recompile_limit", "cache_size_limit"):
        if hasattr(cfg, name):
            setattr(cfg, name, 64)


# ----------------------------------------------------------------------------------------------- main
def parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--repeats", type=int, default=None, help="timed runs per row, median reported (default 5, --quick 3)")
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--jump-length", type=int, default=5)
    ap.add_argument("--jump-n-sample", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None, help="write the table as CSV here")
    ap.add_argument("--quick", action="store_true",
                    help="32x32 at batch 1 and 64 (256x256: 1 and 8), float32 and float16, torch.compile at "
                         "float16 only, 3 repeats")
    ap.add_argument("--dry-run", action="store_true",
                    help="CPU, tiny sizes: batch 1, steps 4, jump_n_sample 1, a tiny UNet for the 256x256 one, float32")
    ap.add_argument("--no-compile", action="store_true", help="leave out the torch.compile rows")
    ap.add_argument("--precisions", default=None,
                    help="comma-separated subset of float32,float16,bfloat16 (default all; --quick float32,float16)")
    ap.add_argument("--max-minutes", type=float, default=None,
                    help="start no new row after this many minutes; the rest are listed as skipped")
    args = ap.parse_args(argv)
    if args.dry_run:
        args.device = "cpu"
        args.steps, args.jump_n_sample = 4, 1
        args.jump_length = min(args.jump_length, args.steps - 1)
    if args.precisions:
        args.precisions = tuple(p.strip() for p in args.precisions.split(","))
        bad = [p for p in args.precisions if p not in PRECISIONS]
        if bad:
            ap.error(f"--precisions: unknown {bad}; choose from {', '.join(PRECISIONS)}")
    else:
        args.precisions = ("float32", "float16") if args.quick else tuple(PRECISIONS)
    args.repeats = args.repeats or (1 if args.dry_run else 3 if args.quick else 5)
    args.warmup = 1
    args.calls_per_repeat = 2 if args.dry_run else 10
    return args


def plan(args, cuda: bool) -> list[tuple[str, list[tuple[bool, bool]]]]:
    """[(precision, [(compile, cuda_graph), ...]), ...] in run order."""
    if not cuda:
        return [("float32", [(False, False)])]
    out = []
    for p in args.precisions:
        quick_compile = "float16" if "float16" in args.precisions else args.precisions[0]
        comp = not args.no_compile and (not args.quick or p == quick_compile)
        out.append((p, [(c, g) for c in ((False, True) if comp else (False,)) for g in (False, True)]))
    return out


def main(argv=None) -> int:
    args = parse(argv)
    quiet()
    device = torch.device(args.device)
    cuda = device.type == "cuda"
    if cuda and not torch.cuda.is_available():
        print("bench_gpu: error: --device cuda but torch.cuda.is_available() is False "
              f"(torch {torch.__version__}); use a CUDA build of torch, or --dry-run on the CPU", file=sys.stderr)  # fmt: skip
        return 2
    if cuda:
        configure_dynamo()
    calls = gip.count_model_calls(args.steps, args.jump_length, args.jump_n_sample)
    name = torch.cuda.get_device_name(device) if cuda else platform.processor() or platform.machine()
    import diffusers

    header = (f"# {args.device} [{name}], torch {torch.__version__}, diffusers {diffusers.__version__}, "
              f"(T, j, r) = ({args.steps}, {args.jump_length}, {args.jump_n_sample}) = {calls} UNet calls, "
              f"median of {args.repeats} after {args.warmup} warm-up"
              + (f", {tf32()}" if cuda else "")
              + (" -- DRY RUN (CPU, tiny sizes; numbers are not benchmarks)" if args.dry_run else ""))  # fmt: skip
    t_start = time.perf_counter()
    rows: list[dict] = []
    errors: list[str] = []
    compile_broken = None

    def emit(row):
        rows.append(row)
        log("  " + " | ".join(str(row[c]) for c in COLUMNS) + f"   [{time.perf_counter() - t_start:.0f} s]")
        if args.out:
            write_csv(rows, args.out)

    log(header)
    for spec in specs(args):
        for prec, combos in plan(args, cuda):
            model = spec.make(PRECISIONS[prec], device)
            if cuda:
                torch._dynamo.reset()  # one compile cache per (model, precision), shared by its rows
            for comp, graph in combos:
                for batch in spec.batches:
                    for variant in spec.variants:
                        base = dict(model=spec.name, resolution=spec.resolution, batch=batch, precision=prec,
                                    variant=variant, compile="yes" if comp else "no",
                                    cuda_graph="yes" if graph else "no")  # fmt: skip
                        over = args.max_minutes is not None and time.perf_counter() - t_start > 60 * args.max_minutes
                        skip = "skipped (time limit)" if over else None
                        if comp and compile_broken and not skip:
                            skip = "skipped (compile failed)"
                        if skip:
                            emit({**base, "ms_per_call": skip, "s_per_image": "-", "peak_mem_MB": "-"})
                            continue
                        try:
                            emit({**base, **measure(variant, model, batch, args, comp, graph, device)})
                        except Exception as e:  # noqa: BLE001 - one failing row must not lose the others
                            msg = f"{type(e).__name__}: {e}".splitlines()[0][:300]
                            errors.append(f"{spec.name} b{batch} {prec} {variant} compile={comp} graph={graph}: {msg}")
                            log("  ERROR " + errors[-1])
                            if comp:
                                compile_broken = msg
                            emit({**base, "ms_per_call": "error", "s_per_image": "-", "peak_mem_MB": "-"})
            del model
        if not cuda:  # the rows a GPU run adds, in the same table shape
            for batch in spec.batches:
                for variant in spec.variants:
                    emit(dict(model=spec.name, resolution=spec.resolution, batch=batch, precision="float32",
                              variant=variant, compile=NO_CUDA, cuda_graph=NO_CUDA, ms_per_call="-",
                              s_per_image="-", peak_mem_MB="-"))  # fmt: skip
    print(header + "\n")
    print(markdown(rows))
    if errors:
        print("\nerrors:\n" + "\n".join("- " + e for e in errors))
    if args.out:
        print(f"\nCSV: {args.out}")
    log(f"total {time.perf_counter() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
