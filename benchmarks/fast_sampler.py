"""The fast sampler against guided RePaint at (T, j, r) = (50, 5, 2) (95 model calls): object error at
<= 10 model calls on two held-out sets, and the error to the known answer on boxed targets (issue 16). Rerun it to refresh ``fast_sampler.{md,csv,png}``:

    OMP_NUM_THREADS=1 python benchmarks/fast_sampler.py                  # ~5 minutes on one idle CPU thread
    python benchmarks/fast_sampler.py --seeds 0 1 2 --out /tmp/fs        # more seeds, another folder
    python benchmarks/fast_sampler.py --quick --out /tmp/fs              # 2 pairs per set, 1 seed: a smoke run

**The reference** is ``gip.inpaint(scene, target, mask, seed=s)`` with gip's defaults (:data:`REFERENCE`):
guided RePaint, (50, 5, 2), eta = 1, ``Floor(p=0.3)`` on the SNR axis, no heat, no buffer, the matte.
Every candidate keeps those settings and changes only the sampler, (T, j, r), eta and the time grid.
**Object error** = ``gip.metrics.object_error(output, target, silhouette)``, the mean over the pairs and
seeds of a set; the ratio is that mean over the reference's. On the ``boxed`` set the error is
``answer_error`` (to the object alpha-composited on the scene, which the boxed target does not give away).

**The held-out sets**: ``insertion`` = ``gip.assets.insertion_cases()`` (16 (face, accessory) pairs, the
target the scene with the object pasted on, fill = the silhouette dilated by 1 px), ``aligned`` =
``gip.benchmark.cases(kinds=["aligned"])`` (the same faces, the object alpha-composited: its soft edge) and
``boxed`` = ``gip.benchmark.cases(kinds=["boxed-white", "boxed-colour"])`` (the object photographed on
its own white or coloured card: copy-paste is no answer there).

Three groups of rows:

* ``package``: ``gip.inpaint`` with the package's samplers and time grids (``time_grid="power"``:
  ``k_i = round(999 ((i + 1) / T)^3)``, dense at low noise), ``gip.experiment.run``, every metric.
* ``heat``: the same comparison with the paper's heated mask and a 2-px scene buffer (gip's defaults before
  issue 16) for both the reference and the projection: the setting of the issue's 1.31x.
* ``research``: samplers and time grids the package does not have, run by :func:`grid_inpaint`, a copy of
  gip's loop (``gip.sampler.start``, ``gip.steps`` step functions, the model call) that takes any list of
  training timesteps and any step function; on the package's uniform grid it gives ``gip.inpaint``'s
  outputs bit for bit (checked at the start of every run). Tried there: DiffPIR's re-noising (a share zeta
  of fresh noise; the noise re-derived from the projected estimate), TD-Paint-style per-pixel time (the
  fill written at a lower noise level where Lambda is high), a DPM-Solver++(2M) extrapolation of the clean
  estimates, and another exponent of the power grid (rho = 2 in ``k_i = 999 ((i + 1) / T)^rho``; the
  package's is rho = 3: it started here).
  On a custom grid lambda is read as on the uniform grid of the same T, at the level's noise level
  (:func:`grid_lambdas`, as the package's ``time_grid`` does): the schedule, the SNR axis and the last step's share of the target stay those of
  the package; only where the model calls sit changes.

Outputs (in ``--out``, default this folder): ``fast_sampler.csv`` (one row per sample: group, set, label,
case, seed, the settings that vary and the metrics of the table, :data:`CSV_COLUMNS`), ``fast_sampler.md`` (the table: calls, object error per set, the
ratio to the reference, survival, seam, harmony, seconds per image) and ``fast_sampler.png`` (the pictures
at equal cost: per set the first pair of each accessory, seed 0).
"""

from __future__ import annotations

import argparse
import math
import platform
import re
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import torch

import gip
import gip.benchmark
from gip.diffusion import noise_of, predict_x0, project_x0
from gip.experiment import Case, score
from gip.inputs import prepare
from gip.schedule import NoiseTables
from gip.steps import Down, Run, projection_step

HERE = Path(__file__).resolve().parent

#: The reference: gip's defaults (Floor(0.3), no heated mask, no scene buffer, the target's matte).
REFERENCE = gip.Settings()
#: The error each set is measured by: against the target where it is the answer, else against the answer.
METRIC = {"insertion": "object_error", "aligned": "object_error", "boxed": "answer_error"}
#: The columns of fast_sampler.csv (one row per sample).
CSV_COLUMNS = ("group", "set", "label", "case", "object", "seed", "sampler", "steps", "jump_length", "jump_n_sample",
               "eta", "heat", "buffer", "matte", "time_grid", "model_calls", "object_error", "answer_error",
               "object_ratio", "object_survived",
               "seam", "harmony", "seconds")  # fmt: skip
#: The goal of issue 16: at most this ratio to the reference's object error, at most MAX_CALLS model calls.
GOAL, MAX_CALLS = 1.1, 10


def sets(quick: bool) -> dict[str, list[Case]]:
    n = 2 if quick else None
    return {"insertion": gip.assets.insertion_cases()[:n], "aligned": gip.benchmark.cases(kinds=["aligned"], n=n),
            "boxed": gip.benchmark.cases(kinds=["boxed-white", "boxed-colour"], n=n)}


def fast(T: int, sampler: str = "projection", eta: float = 0.0, j: int = 1, r: int = 1, **more) -> gip.Settings:
    """The reference's settings with another sampler, (T, j, r), eta (and ``more``: e.g. the time grid)."""
    return REFERENCE.replace(sampler=sampler, steps=T, jump_length=j, jump_n_sample=r, eta=eta, **more)


def package_settings(quick: bool) -> dict[str, gip.Settings]:
    out = {"repaint 95 (reference)": REFERENCE}
    for T in (5, 10) if quick else (5, 6, 7, 8, 9, 10, 20):
        out[f"projection {T}"] = fast(T)
    for T in (5,) if quick else (3, 4, 5, 6, 8, 10):
        out[f"projection {T}, power grid"] = fast(T, time_grid="power")
    if not quick:
        out["projection 10, eta=0.3"] = fast(10, eta=0.3)
        out["projection 9, time travel (5, 1, 2)"] = fast(5, j=1, r=2)
        out["projection 10, time travel (6, 2, 2)"] = fast(6, j=2, r=2)
        out["projection 10, time travel (4, 1, 3)"] = fast(4, j=1, r=3)
        out["projection 9, power grid, time travel (5, 1, 2)"] = fast(5, j=1, r=2, time_grid="power")
        out["projection 10, power grid, time travel (6, 2, 2)"] = fast(6, j=2, r=2, time_grid="power")
        out["ddim 10"] = fast(10, "ddim")
    out["repaint 10"] = fast(10, "repaint", eta=1.0)
    return out


def heat_settings() -> dict[str, gip.Settings]:
    """The comparison with the paper's heated mask and a 2-px scene buffer (gip's defaults until the
    benchmark of issue 16) for both."""
    base = REFERENCE.replace(heat=True, buffer=2)
    return {"repaint 95 (reference), heat + buffer 2": base,
            "projection 10, heat + buffer 2": base.replace(sampler="projection", steps=10, jump_n_sample=1, eta=0.0)}


# --------------------------------------------------------------------------------- the research loop
def grid_lambdas(st: gip.Settings, model: gip.Model, ks: list[int]) -> list[float]:
    """lambda of the levels of a time grid ``ks`` (ascending training timesteps, one per level), indexed by
    level + 1 as ``Settings.lam_levels``: the schedule read at each level's noise level as gip reads it on
    the uniform grid of the same T (SNR matched to ``lam_reference``, then ``tau = k' / N + 1 / T``). On the
    uniform grid this is ``st.lam_levels(model)``. The package's own reading (``time_grid``), on any grid."""
    acp = model.scheduler.alphas_cumprod
    return gip.lambdas.per_level(st.lam, len(ks), acp, model.resolution, st.axis, timesteps=ks)


def grid_inpaint(case: Case, st: gip.Settings, ks: list[int] | None, step: Callable, model: gip.Model,
                 seed: int) -> gip.InpaintResult:  # fmt: skip
    """One run of gip's loop (no time travel) on the time grid ``ks`` (ascending training timesteps, one
    model call each; None = the package's uniform grid of ``st.steps``) with the step function ``step``
    (``gip.steps``' signature)."""
    from gip.sampler import start

    inp = prepare(case.scene, case.target, case.mask, None, st, model.resolution, model.name)
    run = start(inp, st, model, seed, 1)
    stride = 1000 // st.steps
    ks = list(range(0, stride * st.steps, stride)) if ks is None else list(ks)
    acp = model.scheduler.alphas_cumprod
    run.tables = NoiseTables(tuple(float(acp[k]) for k in ks), stride, tuple(ks))
    lam = grid_lambdas(st, model, ks) if ks != list(range(0, stride * st.steps, stride)) else st.lam_levels(model)
    W = torch.from_numpy(inp.weight).to(model.device, torch.float32)[None, None]
    t = torch.tensor(ks, device=model.device)
    t0 = time.perf_counter()
    x = run.noise()
    with torch.inference_mode():
        for a in reversed(range(len(ks))):
            eps = model.unet(x.to(model.dtype), t[a]).sample.to(torch.float32)
            L = lam[a] * W if lam[a] > 0.0 else 0.0
            x = step(run, x, eps, a, a - 1, L).x
    seconds = time.perf_counter() - t0
    return gip.InpaintResult(x.cpu(), None, inp.fill, inp.keep, inp.weight, len(ks), seconds,
                             st.replace(steps=len(ks)), seed, inp.matte)  # fmt: skip


def diffpir_step(zeta: float, eps_from: str = "model") -> Callable:
    """DiffPIR (Zhu et al. 2023): the projection as its data step, then ``x_b = sqrt(abar_b) x0' +
    sqrt(1 - abar_b) (sqrt(1 - zeta) eps + sqrt(zeta) z)``; ``eps`` the model's noise (``"model"``, DDNM's)
    or re-derived from the projected estimate (``"projected"``, DiffPIR's)."""

    def step(run: Run, x, eps, a, b, L):
        x0 = predict_x0(x, eps, run.abar(a))
        xp = project_x0(x0, run.scene, run.target, L, run.keep, run.fill)
        if run.abar(b) >= 1.0:
            return Down(xp, x0, xp, None, xp)
        e = noise_of(x, xp if eps_from == "projected" else x0, run.abar(a))
        if zeta > 0:
            e = math.sqrt(1 - zeta) * e + math.sqrt(zeta) * run.noise()
        xn = math.sqrt(run.abar(b)) * xp + math.sqrt(1 - run.abar(b)) * e
        return Down(xn, x0, xp, None, xn)

    return step


def per_pixel_time_step(k: float) -> Callable:
    """TD-Paint's idea on a pretrained model: the fill is written at a lower noise level where Lambda is
    high (log-SNR raised by ``k * Lambda``), the rest at the level's own."""

    def step(run: Run, x, eps, a, b, L):
        d = projection_step(run, x, eps, a, b, L)
        ab = run.abar(b)
        if ab >= 1.0 or isinstance(L, float):
            return d
        e = noise_of(x, d.x0, run.abar(a))
        abar = torch.sigmoid(math.log(ab / (1 - ab)) + k * L)
        xn = torch.where(run.fill, abar.sqrt() * d.known + (1 - abar).sqrt() * e, d.x)
        return Down(xn, d.x0, d.known, None, xn)

    return step


def dpm2m_step(run: Run, x, eps, a, b, L):
    """The projection of a DPM-Solver++(2M) extrapolation of the model's clean estimates (no extra call)."""
    ab, aa = run.abar(b), run.abar(a)
    x0 = predict_x0(x, eps, aa)
    prev, run.fixed["dpm2m"] = run.fixed.get("dpm2m"), (a, x0)
    D = x0
    if prev is not None and prev[0] == a + 1 and ab < 1.0:
        half_log_snr = lambda v: 0.5 * math.log(v / (1 - v))  # noqa: E731
        h = half_log_snr(ab) - half_log_snr(aa)
        h_prev = half_log_snr(aa) - half_log_snr(run.abar(a + 1))
        D = (x0 + (x0 - prev[1]) * h / (2 * h_prev)).clamp(-1, 1)
    xp = project_x0(D if ab < 1.0 else x0, run.scene, run.target, L, run.keep, run.fill)
    xn = xp if ab >= 1.0 else math.sqrt(ab) * xp + math.sqrt(1 - ab) * noise_of(x, D, aa)
    return Down(xn, x0, xp, None, xn)


def power_grid(T: int, rho: float) -> list[int]:
    """``T`` training timesteps ``round(999 ((i + 1) / T)^rho)``, ascending: dense at low noise for rho > 1."""
    return [round(999 * ((i + 1) / T) ** rho) for i in range(T)]


def research_runs(quick: bool) -> dict[str, tuple[int, list[int] | None, Callable]]:
    """label -> (T, time grid or None for the uniform one, step function)."""
    out: dict[str, tuple[int, list[int] | None, Callable]] = {}
    for T in (5, 10):
        out[f"DiffPIR zeta=0.2, {T}"] = (T, None, diffpir_step(0.2))
        if not quick:
            out[f"DiffPIR zeta=0.5, {T}"] = (T, None, diffpir_step(0.5))
            out[f"DiffPIR eps from x0', {T}"] = (T, None, diffpir_step(0.0, "projected"))
            out[f"per-pixel time k=1, {T}"] = (T, None, per_pixel_time_step(1.0))
            out[f"DPM-Solver++(2M) projection, {T}"] = (T, None, dpm2m_step)
    if not quick:
        out["projection 5, power grid rho=2"] = (5, power_grid(5, 2.0), projection_step)
    return out


def check_grid_loop(case: Case, model: gip.Model) -> None:
    """:func:`grid_inpaint` is ``gip.inpaint`` bit for bit, on the uniform grid and on the power grid."""
    st = REFERENCE.replace(sampler="projection", steps=7, jump_n_sample=1, eta=0.0)
    for ks, grid in ((None, "uniform"), (power_grid(7, 3.0), "power")):
        mine = grid_inpaint(case, st, ks, projection_step, model, seed=3).tensor
        ref = gip.inpaint(case.scene, case.target, case.mask, st.replace(time_grid=grid), model=model, seed=3,
                          progress=False).tensor  # fmt: skip
        if not torch.equal(mine, ref):
            raise SystemExit(f"grid_inpaint differs from gip.inpaint on the {grid} grid (max {(mine - ref).abs().max():.2e})")


# --------------------------------------------------------------------------------- table and pictures
def summarise(df: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (group, label), part in df.groupby(["group", "label"], sort=False):
        row = {"group": group, "label": label, "calls": int(part["model_calls"].iloc[0])}
        for name, s in part.groupby("set", sort=False):
            ref_label = "repaint 95 (reference), heat + buffer 2" if group == "heat" else "repaint 95 (reference)"
            metric = METRIC[name]
            ref = df[(df["set"] == name) & (df["label"] == ref_label)][metric].mean()
            row[f"{name} {metric.replace('_', ' ')}"] = s[metric].mean()
            row[f"{name} ratio"] = s[metric].mean() / ref
        row["survived"] = part["object_survived"].mean()
        row["seam"] = part["seam"].mean()
        row["harmony"] = part["harmony"].mean()
        row["s per image"] = part["seconds"].mean()
        rows.append(row)
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame, header: str) -> str:
    cols = list(table.columns)
    fmt = {c: (lambda v: f"{v:.3f}") for c in cols if c not in ("group", "label", "calls")}
    fmt["s per image"] = lambda v: f"{v:.2f}"
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in table.iterrows():
        cells = []
        for c in cols:
            v = r[c]
            cells.append(fmt[c](v) if c in fmt and isinstance(v, float) and not math.isnan(v) else str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return header + "\n\n" + "\n".join(lines) + "\n"


def pictures(images: dict, all_sets: dict[str, list[Case]], labels: list[str], path: Path) -> None:
    from gip import viz

    rows, names = [], []
    for name, cases in all_sets.items():
        first: dict[str, Case] = {}
        for c in cases:
            first.setdefault(c.object, c)
        for c in first.values():
            answer = c.target if c.answer is None else c.answer  # the target where it is the answer
            rows.append([gip.images.to_tensor(c.target)[0], *(images[(name, lb, c.name)] for lb in labels),
                         gip.images.to_tensor(answer)[0]])  # fmt: skip
            names.append(f"{name}: {c.object}")
    fig = viz.show_grid(rows, col_titles=["target", *[re.sub(r", (?![^(]*\))", ",\n", lb).replace(" (r", "\n(r") for lb in labels], "answer"], row_titles=names,
                        scale=1.25)  # fmt: skip
    fig.savefig(path, dpi=110, bbox_inches="tight")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1], help="seeds per pair (default 0 1)")
    ap.add_argument("--out", type=Path, default=HERE, help="folder for fast_sampler.{csv,md,png} (default benchmarks/)")
    ap.add_argument("--quick", action="store_true", help="2 pairs per set, 1 seed, fewer rows: a smoke run")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    seeds = args.seeds[:1] if args.quick else args.seeds
    model = gip.load_model()
    all_sets = sets(args.quick)
    check_grid_loop(all_sets["insertion"][0], model)
    t_start = time.perf_counter()
    frames, images = [], {}

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - t_start:6.0f} s] {msg}", file=sys.stderr, flush=True)

    for group, settings in (("package", package_settings(args.quick)), ("heat", heat_settings())):
        for name, cases in all_sets.items():
            exp = gip.experiment.run(cases, settings, seeds=seeds, model=model, progress=False)
            df = exp.df.assign(group=group, set=name)
            for i, row in df.iterrows():
                if row["seed"] == seeds[0]:
                    images[(name, row["label"], row["case"])] = exp.images[i]
            frames.append(df)
            log(f"{group} / {name}: {len(df)} samples")
    for name, cases in all_sets.items():
        rows = []
        for label, (T, ks, step) in research_runs(args.quick).items():
            st = REFERENCE.replace(sampler="projection", steps=T, jump_n_sample=1, eta=0.0)
            for c in cases:
                for s in seeds:
                    res = grid_inpaint(c, st, ks, step, model, s)
                    rows += score(c, label, s, res, model.name)
                    if s == seeds[0]:
                        images[(name, label, c.name)] = res.tensor[0]
        frames.append(pd.DataFrame(rows).assign(group="research", set=name))
        log(f"research / {name}: {len(rows)} samples")
    df = pd.concat(frames, ignore_index=True)
    table = summarise(df)
    args.out.mkdir(parents=True, exist_ok=True)
    df[[c for c in CSV_COLUMNS if c in df]].to_csv(args.out / "fast_sampler.csv", index=False, float_format="%.6g")
    best = table[(table["group"] != "heat") & (table["calls"] <= MAX_CALLS)].copy()
    best["worse ratio"] = best[[f"{name} ratio" for name in all_sets]].max(axis=1)
    met = best[best["worse ratio"] <= GOAL].sort_values(["calls", "worse ratio"])
    header = (f"# Fast sampler vs guided RePaint (50, 5, 2): object error at <= {MAX_CALLS} model calls\n\n"
              f"Made by `python benchmarks/fast_sampler.py{' --quick' if args.quick else ''}` (seeds {seeds}, "
              f"{len(all_sets['insertion'])} pairs per set, the embedded model `emoji-faces-32`, torch "
              f"{torch.__version__}, {platform.machine()} CPU, 1 thread; seconds are this machine's, under load). "
              f"Reference: `gip.Settings()` (gip's defaults: Floor(0.3), no heat, no buffer, the matte), guided "
              f"RePaint at 95 calls; ratio = mean error / the reference's on the same set: object error on "
              f"`insertion` and `aligned`, error to the known answer on `boxed` (group `heat`: both with the "
              f"paper's heated mask and buffer 2). Goal: ratio <= {GOAL} on every set at <= {MAX_CALLS} calls.\n\n"
              + ("Fewest calls that meet the goal on every set: "
                 + "; ".join(f"`{r.label}` ({r.calls} calls: " + " / ".join(f"{r[f'{n} ratio']:.2f}" for n in all_sets) + ")"
                             for _, r in met.groupby("group", sort=False).head(1).iterrows())
                 if len(met) else "No row at <= 10 calls meets the goal on every set.")
              + "\n\nClosest at <= 10 calls (the worst of the sets' ratios): "
              + "; ".join(f"`{r.label}` ({r.calls} calls: {r['worse ratio']:.2f})"
                          for _, r in best.sort_values("worse ratio").head(3).iterrows()))  # fmt: skip
    (args.out / "fast_sampler.md").write_text(markdown(table, header))
    labels = ["repaint 10", "projection 10", f"projection {5 if args.quick else 6}, power grid",
              "projection 10" if args.quick else "projection 10, power grid, time travel (6, 2, 2)",
              "repaint 95 (reference)"]
    pictures(images, all_sets, labels, args.out / "fast_sampler.png")
    print(markdown(table, header))
    log(f"wrote {args.out / 'fast_sampler.md'}, .csv, .png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
