"""Command line: ``gip inpaint``, ``gip repaint``, ``gip demo``, ``gip auto``, ``gip sweep``, ``gip models``.

Bad input exits with code 2 and one line ``gip: error: ...`` naming the problem and the fix; nothing is
written then. Outputs are written atomically and never overwrite an input file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from . import __version__, lambdas, masks
from .auto import AUTO_SETTINGS
from .errors import GipError
from .images import check_output
from .settings import OPTIONS, Option, Settings, describe


def lambdas_desc(st: Settings) -> str:
    return f"lambda {describe(st.lam)} on the {st.lam_axis} axis"


DEFAULTS = Settings()


def _option(g, o: Option, default: Any) -> None:
    """One field's option (``--jump-length``): its type, choices and help from :data:`gip.settings.OPTIONS`."""
    if isinstance(o.default, bool):
        g.add_argument(o.flag, action=argparse.BooleanOptionalAction, default=default, help=o.help_text(default))
    else:
        g.add_argument(o.flag, type=type(o.default), choices=o.choices, default=default, help=o.help_text(default))


def _lam_args(g, d: Settings) -> None:
    """``lam`` as ``--schedule``, ``--p`` and ``--lam`` (:func:`gip.lambdas.parameters` of ``d.lam``)."""
    name, p, lam_max = lambdas.parameters(d.lam)
    g.add_argument("--schedule", choices=[*lambdas.SCHEDULES, "constant"], default=name,
                   help=f"lambda schedule (default {name})")  # fmt: skip
    g.add_argument("--p", type=float, default=p, help=f"schedule parameter p in [0, 1] (default {p:g})")
    g.add_argument("--lam", type=float, default=lam_max, help="lam_max, or the value for --schedule constant")


def _heat_args(g, d: Settings) -> None:
    """``heat`` as ``--heat {off,chessboard,taxicab,euclidean}`` (and ``--no-heat``)."""
    now = getattr(d.heat, "metric", "off")
    g.add_argument("--heat", choices=["off", *masks.METRICS], default=now,
                   help=f"the paper's heated mask and its distance, or off (default {now})")  # fmt: skip
    g.add_argument("--no-heat", action="store_true", help="the same as --heat off")


#: Fields whose options are not ``--<field>``: made by these functions, read back in settings_from_args.
_SPECIAL = {"lam": _lam_args, "heat": _heat_args}


def _settings_args(g, guided: bool, d: Settings = DEFAULTS) -> None:
    """The :class:`gip.Settings` options, one per field (:data:`gip.settings.OPTIONS`; those that only matter
    with a target when ``guided``), those of plain RePaint first; every default is read from ``d``."""
    for o in sorted((o for o in OPTIONS.values() if guided or not o.guided), key=lambda o: o.guided):
        if o.name in _SPECIAL:
            _SPECIAL[o.name](g, d)
        else:
            _option(g, o, getattr(d, o.name))


def settings_from_args(args, guided: bool, base: Settings = DEFAULTS) -> Settings:
    """The validated :class:`gip.Settings` of parsed options (fields without an option come from ``base``)."""
    kw = {n: getattr(args, n) for n, o in OPTIONS.items() if n not in _SPECIAL and (guided or not o.guided)}
    if guided:
        kw.update(lam=lambdas.reshape(base.lam, args.schedule, args.p, args.lam),
                  heat=False if args.no_heat or args.heat == "off" else args.heat)  # fmt: skip
    else:
        kw.update(lam=0.0, heat=False)
    return base.replace(**kw)


def _sampler_args(p: argparse.ArgumentParser, guided: bool) -> None:
    g = p.add_argument_group("sampler")
    g.add_argument("--model", default=None, help="embedded name, local diffusers folder or hub id (default: embedded)")
    _settings_args(g, guided, DEFAULTS if guided else DEFAULTS.replace(buffer=0))
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--num-samples", type=int, default=1, help="N > 1 writes OUT_0.png ... OUT_{N-1}.png")
    g.add_argument("--keep-mask", action="store_true", help="the mask is a keep mask (white = keep), as in RePaint")
    g.add_argument("--resize", action="store_true", help="resize inputs to the model's resolution")
    g.add_argument("--device", default=None, help="cpu, cuda, cuda:1 ... (default: cuda if available)")
    g.add_argument("--dtype", choices=["float32", "float16", "bfloat16"], default=None)
    g.add_argument("--compile", action="store_true", help="torch.compile the UNet")
    g.add_argument("--graph", action="store_true", help="replay the UNet from a CUDA graph (GPU; gip.accel)")
    if guided:
        g.add_argument("--object-mask", default=None, metavar="PATH",
                       help="which target pixels are the object (white); default: the target's alpha, or "
                            "estimated (gip.matte)")  # fmt: skip
    g.add_argument("--no-progress", action="store_true")


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="gip", description="Target-guided diffusion inpainting.")
    ap.add_argument("--version", action="version", version=f"gip {__version__}")
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser("inpaint", help="fill MASK (white) of SCENE with TARGET")
    p.add_argument("scene")
    p.add_argument("target")
    p.add_argument("mask")
    p.add_argument("-o", "--output", required=True, help="output image (.png/.jpg)")
    _sampler_args(p, guided=True)

    p = sub.add_parser("repaint", help="plain RePaint: fill MASK (white) of SCENE with whatever the model draws")
    p.add_argument("scene")
    p.add_argument("mask")
    p.add_argument("-o", "--output", required=True)
    _sampler_args(p, guided=False)

    p = sub.add_parser("demo", help="sunglasses on a held-out face, aligned and photographed on white: RePaint, "
                                    "the paper's configuration, gip, the answer")  # fmt: skip
    p.add_argument("-o", "--output", default="gip-demo", help="output folder (default gip-demo)")
    p.add_argument("--model", default=None)
    for name in ("steps", "jump_length", "jump_n_sample"):
        _option(p, OPTIONS[name], getattr(DEFAULTS, name))
    p.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 of the guided run (default 3)")
    p.add_argument("--device", default=None)
    p.add_argument("--no-progress", action="store_true")

    p = sub.add_parser("auto", help="insert OBJECT into SCENE at --box: silhouette mask, several seeds, keep the best")
    p.add_argument("scene")
    p.add_argument("object", help="object image: RGBA cut-out, or a photo on a plain background")
    p.add_argument("--box", required=True, help="where the object goes: X,Y,W,H in scene pixels")
    p.add_argument("-o", "--output", required=True, help="output image (.png/.jpg): the best candidate")
    p.add_argument("--seeds", type=int, default=4, help="number of seeds to try, 0..N-1 (default 4)")
    p.add_argument("--save-all", action="store_true", help="also write every candidate as OUT_seed<k>.png")
    p.add_argument("--dilate", type=int, default=1, help="grow the silhouette mask by this many pixels (default 1)")
    p.add_argument("--model", default=None, help="embedded name, local diffusers folder or hub id (default: embedded)")
    _settings_args(p.add_argument_group("sampler (defaults: gip.auto.AUTO_SETTINGS)"), guided=True, d=AUTO_SETTINGS)
    p.add_argument("--resize", action="store_true", help="resize the scene to the model's resolution")
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:1 ... (default: cuda if available)")
    p.add_argument("--no-progress", action="store_true")

    sub.add_parser("models", help="list the embedded models and known hub ids")

    p = sub.add_parser("sweep", help="run a settings grid x seeds x inputs from a TOML config into one CSV (resumable; "
                                     "scales out under accelerate launch)")  # fmt: skip
    p.add_argument("config", help="the sweep's TOML file: [settings], [grid], [run] (format: the README's Sweeps, "
                                  "help(gip.sweep))")  # fmt: skip
    p.add_argument("-o", "--output", required=True,
                   help="output table (.csv), one row per sample; units already in it are skipped")  # fmt: skip
    p.add_argument("--device", default=None, help="cpu, cuda ... (default: accelerate's device for each process)")
    p.add_argument("--no-progress", action="store_true")
    return ap


def _outputs(output: str, n: int) -> list[Path]:
    out = Path(output)
    if n == 1:
        return [out]
    return [out.with_name(f"{out.stem}_{k}{out.suffix}") for k in range(n)]


def _device_dtype(args):
    import torch

    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    dtype = getattr(torch, args.dtype) if getattr(args, "dtype", None) else None
    return device, dtype


def _run_sampler(args, guided: bool) -> int:
    from .images import save_image
    from .models import load_model
    from .sampler import inpaint

    inputs = [args.scene, args.mask] + ([args.target] if guided else [])
    obj_mask = getattr(args, "object_mask", None)
    inputs += [obj_mask] if obj_mask else []
    outs = _outputs(args.output, args.num_samples)
    for o in outs:
        check_output(o, inputs)
    device, dtype = _device_dtype(args)
    st = settings_from_args(args, guided)  # validated before the model loads
    model = load_model(args.model, device=device, dtype=dtype)
    mask_kw = {"keep_mask" if args.keep_mask else "mask": args.mask}
    res = inpaint(args.scene, args.target if guided else None, settings=st, **mask_kw, model=model, seed=args.seed,
                  num_samples=args.num_samples, resize=args.resize, compile=args.compile, graph=args.graph or None,
                  object_mask=obj_mask, progress=not args.no_progress)  # fmt: skip
    if res.matte is not None:
        print(f"target matte: {res.matte.kind} (gip.matte)", file=sys.stderr)
    for img, out in zip(res.images, outs):
        save_image(img, out, protect=inputs)
        print(out)
    print(f"{res.model_calls} model calls in {res.seconds:.1f} s on {device}", file=sys.stderr)
    return 0


def _demo(args) -> int:
    """Dark sunglasses on the held-out grinning face (a photo for a hub model), in two target kinds of
    :mod:`gip.benchmark`: aligned (scene + sunglasses) and boxed (the sunglasses photographed on white, the
    fill a box around them: the paper's case); plain RePaint, the paper's configuration and gip's defaults
    beside the answer."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .benchmark import compose
    from .book import for_model
    from .images import save_image
    from .models import load_model
    from .sampler import inpaint
    from .viz import show_grid

    out = Path(args.output)
    device, _ = _device_dtype(args)
    model = load_model(args.model, device=device)
    book = for_model(model)  # the held-out grinning emoji, or a photo for a hub model (gip.book)
    st = DEFAULTS.replace(steps=args.steps, jump_length=args.jump_length, jump_n_sample=args.jump_n_sample)
    paper = Settings.paper(steps=st.steps, jump_length=st.jump_length, jump_n_sample=st.jump_n_sample)
    kw, seeds, rows, secs = dict(model=model, progress=not args.no_progress), list(range(args.seeds)), [], 0.0
    out.mkdir(parents=True, exist_ok=True)
    for kind in ("aligned", "boxed-white"):
        c = compose(book.scene(), book.object("dark-sunglasses"), book.where(3, 8, 26, 9), kind)
        rep = inpaint(c.scene, None, c.mask, st, seed=0, **kw)
        ref = inpaint(c.scene, c.target, c.mask, paper, seed=0, **kw)
        gui = [inpaint(c.scene, c.target, c.mask, st, seed=sd, **kw) for sd in seeds]
        secs += rep.seconds + ref.seconds + sum(g.seconds for g in gui)
        for sd, g in zip(seeds, gui):
            save_image(g.images[0], out / f"{kind.split('-')[0]}_seed{sd}.png")
        rows.append([c.target, c.mask, rep.tensor, ref.tensor, *(g.tensor for g in gui), c.answer])
    save_image(rep.images[0], out / "repaint.png")
    titles = ["target", "fill mask", "RePaint", "paper config", *(f"gip, seed {sd}" for sd in seeds), "answer"]
    fig = show_grid(rows, col_titles=titles, row_titles=["aligned", "boxed (on white)"], scale=1.6)
    fig.suptitle(f"{model.name}: T={st.steps}, j={st.jump_length}, r={st.jump_n_sample}, {lambdas_desc(st)}, "
                 f"matte {st.matte}; {gui[0].model_calls} model calls per image, {secs:.1f} s in all",
                 fontsize=9, y=1.04)  # fmt: skip  (above the column titles)
    fig.savefig(out / "demo.png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    print(out / "demo.png")
    return 0


def _auto(args) -> int:
    from .auto import auto_inpaint, parse_box
    from .images import load_image, save_image
    from .models import load_model

    box = parse_box(args.box)
    masks.check_box(box, *load_image(args.scene).size, "scene")  # before loading the model
    if args.seeds < 1:
        raise GipError(f"--seeds must be >= 1, got {args.seeds}")
    st = settings_from_args(args, guided=True, base=AUTO_SETTINGS)
    inputs = [args.scene, args.object]
    out = Path(args.output)
    extra = [out.with_name(f"{out.stem}_seed{k}{out.suffix}") for k in range(args.seeds)] if args.save_all else []
    for o in (out, *extra):
        check_output(o, inputs)
    device, _ = _device_dtype(args)
    model = load_model(args.model, device=device)
    res = auto_inpaint(args.scene, args.object, box, seeds=args.seeds, model=model, settings=st, dilate=args.dilate,
                       resize=args.resize, progress=not args.no_progress)  # fmt: skip
    save_image(res.image, out, protect=inputs)
    print(out)
    for img, path in zip(res.images, extra):
        save_image(img, path, protect=inputs)
        print(path)
    for k, (seed, score, m) in enumerate(zip(res.seeds, res.scores, res.metrics)):
        best = "  (best)" if k == res.best else ""
        survived = "kept" if m.get("object_survived") == 1.0 else "LOST"
        line = (f"seed {seed}: score {score:.3f}  object {survived} (error {m['object_error']:.3f})  "
                f"seam {m['seam']:.2f}  harmony {m['harmony']:.3f}{best}")  # fmt: skip
        print(line, file=sys.stderr)
    print(f"{res.model_calls} model calls in {res.seconds:.1f} s on {device}", file=sys.stderr)
    return 0


def _models() -> int:
    from .models import DEFAULT_MODEL, HUB_MODELS, embedded_models

    for m in embedded_models():
        print(f"{m}{'  (default)' if m == DEFAULT_MODEL else ''}")
    for m in HUB_MODELS:
        print(f"{m}  (hub: needs the internet)")
    return 0


def _sweep(args) -> int:
    import torch.distributed as dist

    from .sweep import run

    try:
        res = run(args.config, args.output, progress=not args.no_progress, device=args.device)
    finally:
        if dist.is_available() and dist.is_initialized():  # under accelerate launch: a clean exit
            dist.destroy_process_group()
    if res.df is not None:  # the main process
        print(res.output)
        print(f"{res.ran} of {res.units} units run on {res.processes} process(es), {res.skipped} already done; "
              f"{len(res.df)} rows in {res.output}", file=sys.stderr)  # fmt: skip
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "inpaint":
            return _run_sampler(args, guided=True)
        if args.command == "repaint":
            return _run_sampler(args, guided=False)
        if args.command == "demo":
            return _demo(args)
        if args.command == "auto":
            return _auto(args)
        if args.command == "sweep":
            return _sweep(args)
        return _models()
    except GipError as e:
        print(f"gip: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
