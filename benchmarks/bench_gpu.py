"""GPU benchmark: gip's sampler and diffusers' RePaintPipeline by precision, torch.compile and CUDA graphs.

    bash benchmarks/gpu.sh                                   # = python benchmarks/bench_gpu.py --device cuda --out benchmarks/gpu-results.csv
    bash benchmarks/gpu.sh --quick                           # a subset that fits 5 minutes (stops at 4.5 by default)
    python benchmarks/bench_gpu.py --dry-run                 # CPU: every path that needs no CUDA, tiny sizes

Measures, on one device:

* the embedded 32x32 model (``gip.load_model()``) at batch (``num_samples``) 1 / 8 / 64: ``gip.inpaint``
  guided mode (gip-guided), ``gip.repaint`` (gip-repaint, plain RePaint), diffusers' ``RePaintPipeline`` on
  the same UNet (diffusers), and the bare UNet call (unet-call);
* a random-init 256x256 ``UNet2DModel`` with the configuration of google/ddpm-ema-celebahq-256 (built
  locally, no hub access): the bare UNet call at batch 1 / 8 and ``gip.inpaint`` at batch 1 (what a Colab
  chapter with ``USE_HUB = True`` runs);

each in float32 / float16 / bfloat16, eager or ``torch.compile`` (gip's ``compile=True``), with or without a
CUDA graph. The CUDA graph is the package's (:mod:`gip.accel`): the gip rows run ``gip.inpaint(...,
graph=True)`` itself (with ``compile=True`` too, gip graphs the compiled UNet, what ``mode="reduce-overhead"``
does); the diffusers and unet-call rows wrap the UNet in the same :class:`gip.accel.CUDAGraphUNet`.
Timing: CUDA events after ``torch.cuda.synchronize`` (CPU: ``time.perf_counter``), one warm-up run first
(it also compiles and captures), then the median of ``--repeats`` runs.

Output: every row is printed to stdout as a markdown table line as soon as it is measured (the table's
header first), and the whole table again at the end, also written as CSV to ``--out`` (rewritten after
every row). The end comes early on ``--max-minutes`` (default 4.5 with ``--quick``: a timer that interrupts
even a running torch.compile), on Ctrl-C or on SIGTERM: the rows not measured are listed as skipped, and the
table and CSV are written all the same.

* ms_per_call: sampler rows: run time / UNet calls of (T, j, r); unet-call rows: time of one UNet call.
* s_per_image: sampler rows: run time / batch; unet-call rows: ms_per_call x UNet calls of (T, j, r) / batch,
  the UNet's share of a full run of that schedule.
* peak_mem_MB: ``torch.cuda.max_memory_allocated`` over warm-up and timed runs (weights included); "-" on
  the CPU.
"""

from __future__ import annotations

import argparse
import copy
import csv
import gc
import importlib
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from diffusers import DDPMScheduler, RePaintPipeline, RePaintScheduler, UNet2DModel
from diffusers.models.unets.unet_2d import UNet2DOutput

import gip
from gip import assets, masks
from gip.accel import CUDAGraphUNet, denoiser

COLUMNS = ["model", "resolution", "batch", "precision", "variant", "compile", "cuda_graph",
           "ms_per_call", "s_per_image", "peak_mem_MB"]  # fmt: skip
VARIANTS = ("gip-guided", "gip-repaint", "diffusers", "unet-call")
PRECISIONS = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
NO_CUDA = "skipped (no CUDA)"
#: --max-minutes when --quick is given without it: the quick subset takes about 3 minutes on an H200, and
#: the table must be out within 5.
QUICK_MINUTES = 4.5


class Stop(BaseException):
    """The run ends early (time limit, Ctrl-C or SIGTERM): ``reason`` is what the skipped rows show."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def quiet() -> None:
    """Silence diffusers' notes that do not concern a benchmark (dtype casts, deprecated preprocess)."""
    import warnings

    from diffusers.utils import logging as dlog

    dlog.set_verbosity_error()
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"diffusers\..*")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------------- wrappers
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
    only: dict = field(default_factory=dict)  # variant -> the batches it runs at (default: all of ``batches``)
    big: bool = False  # the 256x256 UNet: --quick leaves out its torch.compile (minutes per shape)

    def rows(self) -> list[tuple[int, str]]:
        """(batch, variant) in run order."""
        return [(b, v) for b in self.batches for v in self.variants if b in self.only.get(v, self.batches)]


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
        Spec(big_name, big.config.sample_size, make_big, ("unet-call", "gip-guided"), b256,
             only={"gip-guided": b256[:1]}, big=True),
    ]


# ----------------------------------------------------------------------------------------------- runners
def inputs(res: int):
    scene = gip.images.resize(gip.images.to_tensor(assets.path("grinning")), res)
    target = gip.images.resize(gip.images.to_tensor(assets.path("sunglasses")), res)
    fill = masks.box(res, res // 8, res // 4, 3 * res // 4, res // 4 + 1)
    return scene, target, fill


def make_runner(variant: str, model: gip.Model, batch: int, args, compile_: bool, graph: bool):
    """Return (fn, UNet calls per fn(), the CUDAGraphUNet or None): fn runs the variant once.

    The gip rows call ``gip.inpaint``/``gip.repaint`` with ``compile=`` and ``graph=`` (the package's own
    :func:`gip.accel.denoiser`, whose wrapper is returned); the others wrap the UNet here, in the same
    :class:`CUDAGraphUNet` (of ``torch.compile(unet)`` with both)."""
    unet = model.unet
    T, j, r = args.steps, args.jump_length, args.jump_n_sample
    calls = gip.count_model_calls(T, j, r)
    if variant in ("gip-guided", "gip-repaint"):
        wrapper = denoiser(model, compile_, graph) if graph else None  # the object gip.inpaint runs through
        scene, target, fill = inputs(model.resolution)
        common = dict(model=model, steps=T, jump_length=j, jump_n_sample=r, seed=0, num_samples=batch,
                      compile=compile_, graph=graph, progress=False)  # fmt: skip
        if variant == "gip-guided":
            return (lambda: gip.inpaint(scene, target, fill, lam=gip.lambdas.Linear(p=0.75), heat=True, buffer=2,
                                        **common)), calls, wrapper  # fmt: skip
        return (lambda: gip.repaint(scene, fill, **common)), calls, wrapper
    fn_unet = torch.compile(unet) if compile_ else unet
    wrapper = CUDAGraphUNet(unet, fn=fn_unet, label=f"{model.name} b{batch} {variant}") if graph else None
    if wrapper is not None:
        fn_unet = wrapper
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
    try:
        with os.fdopen(fd, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=COLUMNS)
            w.writeheader()
            w.writerows(rows)
        os.replace(tmp, path)
    finally:  # a stop (time limit, SIGTERM) during the write leaves no temporary file behind
        Path(tmp).unlink(missing_ok=True)


def row_line(row: dict) -> str:
    return "| " + " | ".join(str(row[c]) for c in COLUMNS) + " |"


def table_head() -> str:
    return "| " + " | ".join(COLUMNS) + " |\n" + "|" + "---|" * len(COLUMNS)


def markdown(rows: list[dict]) -> str:
    return "\n".join([table_head(), *map(row_line, rows)])


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
                         f"float16 and not for the 256x256 UNet, 3 repeats, --max-minutes {QUICK_MINUTES:g}")
    ap.add_argument("--dry-run", action="store_true",
                    help="CPU, tiny sizes: batch 1, steps 4, jump_n_sample 1, a tiny UNet for the 256x256 one, float32")
    ap.add_argument("--no-compile", action="store_true", help="leave out the torch.compile rows")
    ap.add_argument("--precisions", default=None,
                    help="comma-separated subset of float32,float16,bfloat16 (default all; --quick float32,float16)")
    ap.add_argument("--max-minutes", type=float, default=None,
                    help="stop after this many minutes, even inside a row (a torch.compile included): the rows "
                         f"not measured are listed as skipped and the table is printed (default: none; --quick "
                         f"{QUICK_MINUTES:g})")
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
    if args.max_minutes is None and args.quick:
        args.max_minutes = QUICK_MINUTES
    if args.max_minutes is not None and args.max_minutes <= 0:
        ap.error(f"--max-minutes must be > 0, got {args.max_minutes:g}")
    args.repeats = args.repeats or (1 if args.dry_run else 3 if args.quick else 5)
    args.warmup = 1
    args.calls_per_repeat = 2 if args.dry_run else 10
    return args


def plan(args, cuda: bool, big: bool = False) -> list[tuple[str, list[tuple[bool, bool]]]]:
    """[(precision, [(compile, cuda_graph), ...]), ...] in run order; ``big``: the 256x256 UNet, which
    --quick runs without torch.compile (compiling it takes minutes per input shape)."""
    if not cuda:
        return [("float32", [(False, False)])]
    out = []
    for p in args.precisions:
        quick_compile = "float16" if "float16" in args.precisions else args.precisions[0]
        comp = not args.no_compile and (not args.quick or (p == quick_compile and not big))
        out.append((p, [(c, g) for c in ((False, True) if comp else (False,)) for g in (False, True)]))
    return out


@dataclass
class Task:
    """One row to measure: the spec, the precision, compile and graph, and the row's fixed columns."""

    spec: Spec
    precision: str
    compile: bool
    graph: bool
    batch: int
    variant: str

    @property
    def base(self) -> dict:
        return dict(model=self.spec.name, resolution=self.spec.resolution, batch=self.batch,
                    precision=self.precision, variant=self.variant, compile="yes" if self.compile else "no",
                    cuda_graph="yes" if self.graph else "no")  # fmt: skip


def tasks(args, cuda: bool, all_specs: list[Spec]) -> list[Task | dict]:
    """Every row in run order: a :class:`Task` to measure, or (without CUDA) a finished row for what needs it."""
    out: list[Task | dict] = []
    for spec in all_specs:
        for prec, combos in plan(args, cuda, spec.big):
            out += [Task(spec, prec, comp, graph, b, v) for comp, graph in combos for b, v in spec.rows()]
        if not cuda:  # the rows a GPU run adds, in the same table shape
            out += [dict(model=spec.name, resolution=spec.resolution, batch=b, precision="float32", variant=v,
                         compile=NO_CUDA, cuda_graph=NO_CUDA, ms_per_call="-", s_per_image="-", peak_mem_MB="-")
                    for b, v in spec.rows()]  # fmt: skip
    return out


class Stopper:
    """Turns the time limit (a real-time timer: it interrupts a running torch.compile too), SIGTERM and
    Ctrl-C into :class:`Stop`; ``reason`` stays set, so a row that swallowed the exception is still the last."""

    def __init__(self, max_minutes: float | None):
        self.reason: str | None = None
        self._old = {}
        signals = {"SIGTERM": "skipped (interrupted: SIGTERM)", "SIGINT": "skipped (interrupted: Ctrl-C)"}
        if max_minutes is not None and hasattr(signal, "setitimer"):
            signals["SIGALRM"] = "skipped (time limit)"
            signal.setitimer(signal.ITIMER_REAL, 60.0 * max_minutes)
        for name, reason in signals.items():
            sig = getattr(signal, name)
            self._old[sig] = signal.signal(sig, self._handler(reason))

    def _handler(self, reason: str):
        def handle(signum, frame):
            if self.reason is None:
                self.reason = reason
                raise Stop(reason)

        return handle

    def check(self) -> None:
        if self.reason is not None:
            raise Stop(self.reason)

    def close(self) -> None:
        """Disarm the timer and restore the handlers (before the table is written)."""
        if hasattr(signal, "setitimer"):
            signal.setitimer(signal.ITIMER_REAL, 0)
        for sig, old in self._old.items():
            signal.signal(sig, old)


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
              + (f", stops after {args.max_minutes:g} min" if args.max_minutes is not None else "")
              + (" -- DRY RUN (CPU, tiny sizes; numbers are not benchmarks)" if args.dry_run else ""))  # fmt: skip
    t_start = time.perf_counter()
    todo = tasks(args, cuda, specs(args))  # builds the models on the CPU (the 256x256 one: seconds)
    left = None if args.max_minutes is None else max(args.max_minutes - (time.perf_counter() - t_start) / 60, 1e-3)
    stopper = Stopper(left)  # the time limit counts from t_start
    rows: list[dict] = []
    errors: list[str] = []
    compile_broken = None

    def emit(row):
        rows.append(row)
        print(row_line(row), flush=True)
        log(f"  row {len(rows)}/{len(rows) + len(todo)}: {row['variant']} {row['precision']} b{row['batch']} "
            f"compile={row['compile']} graph={row['cuda_graph']} -> {row['ms_per_call']}   "
            f"[{time.perf_counter() - t_start:.0f} s]")  # fmt: skip
        if args.out:
            write_csv(rows, args.out)

    print(header + "\n", flush=True)
    print(table_head(), flush=True)
    log(header)
    model, model_key, current = None, None, None
    try:
        while todo:
            stopper.check()
            current = task = todo.pop(0)  # until its row is out, ``current`` is listed as skipped on a stop
            if isinstance(task, dict):
                current = None
                emit(task)
                continue
            key = (task.spec.name, task.precision)
            if key != model_key:
                model = None
                gc.collect()
                model, model_key = task.spec.make(PRECISIONS[task.precision], device), key
                if cuda:
                    torch._dynamo.reset()  # one compile cache per (model, precision), shared by its rows
            base = task.base
            try:
                if task.compile and compile_broken:
                    row = {**base, "ms_per_call": "skipped (compile failed)", "s_per_image": "-", "peak_mem_MB": "-"}
                else:
                    row = {**base, **measure(task.variant, model, task.batch, args, task.compile, task.graph, device)}
            except Exception as e:  # noqa: BLE001 - one failing row must not lose the others
                stopper.check()  # an error raised while stopping is the stop
                msg = f"{type(e).__name__}: {e}".splitlines()[0][:300]
                errors.append(f"{task.spec.name} b{task.batch} {task.precision} {task.variant} "
                              f"compile={task.compile} graph={task.graph}: {msg}")  # fmt: skip
                log("  ERROR " + errors[-1])
                if task.compile:
                    compile_broken = msg
                row = {**base, "ms_per_call": "error", "s_per_image": "-", "peak_mem_MB": "-"}
            current = None
            emit(row)
    except (Stop, KeyboardInterrupt) as stop:
        reason = stop.reason if isinstance(stop, Stop) else "skipped (interrupted: Ctrl-C)"
        stopper.reason = stopper.reason or reason
    finally:
        stopper.close()
    stopped = stopper.reason
    if stopped:  # the rest, as skipped (the row that was running included)
        log(f"  stopping: {stopped}")
        for task in ([current] if current is not None else []) + todo:
            row = task if isinstance(task, dict) else {**task.base, "ms_per_call": stopped, "s_per_image": "-",
                                                       "peak_mem_MB": "-"}  # fmt: skip
            rows.append(row)
        if args.out:
            write_csv(rows, args.out)
    print(f"\n## All rows{f' ({stopped})' if stopped else ''}\n\n{header}\n")
    print(markdown(rows))
    if errors:
        print("\nerrors:\n" + "\n".join("- " + e for e in errors))
    if args.out:
        print(f"\nCSV: {args.out}")
    log(f"total {time.perf_counter() - t_start:.0f} s")
    sys.stdout.flush()
    if stopped and "SIGTERM" in stopped:
        return 143
    if stopped and "Ctrl-C" in stopped:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
