"""Helpers for the book's guided-inpainting chapters: measured side-by-side comparisons.

    from gip import study
    cmp = study.compare(scene, target, mask, {"RePaint": dict(lam=0.0), "copy-paste": dict(lam=1.0, heat=False)},
                        samples=3, steps=25, jump_n_sample=1)
    cmp.figure(scene, target)          # one column per setting, one row per sample
    cmp.table()                        # mean ± std of the metrics over the samples, and the cost

* :func:`compare` runs labelled settings of :func:`gip.inpaint` (the samples of one setting are one batched
  run) and scores every sample with :func:`gip.metrics.evaluate_samples`.
* :func:`one_at_a_time` is a one-factor-at-a-time study around a base setting on top of
  :func:`gip.sweep.sweep` (tidy rows, optional CSV), :func:`quality_cost_plot` plots it.
* :func:`mixed_noise_std` measures the noise-variance subtlety of mixing two noised images (eq. 3).
* :func:`lambda_plot` draws lambda schedules against tau and along a jump schedule.
* :func:`explorer` is a small live explorer (ipywidgets) for any sampler keywords.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from . import lambdas as lambdas_mod
from .errors import GipError
from .images import ImageLike, to_tensor
from .metrics import evaluate_samples
from .models import Model

#: Metrics shown by default in tables: seam, fidelity (heat-weighted and plain), preservation, cost.
DEFAULT_COLUMNS = ("seam", "fill_mse_heat", "fill_mse", "fill_ssim", "ring_mean", "keep_max", "model_calls", "seconds")


# ---------------------------------------------------------------------------------------------------------
# the noise-variance subtlety


def mixed_noise_std(lams: Sequence[float], n: int = 200_000, seed: int = 0) -> list[dict[str, float]]:
    """Std of ``lam * a + (1 - lam) * b`` for independent standard normal ``a``, ``b`` (n draws each).

    Returns one dict per lambda: ``lam``, ``measured`` (the sample std) and ``predicted``
    ``= sqrt(lam**2 + (1 - lam)**2)``. Mixing two images noised with independent noise of std sigma
    (eq. 3 with ``mix="noisy"``) leaves noise of std ``sigma * predicted``: 0.71 sigma at lam = 1/2.
    """
    if n < 2:
        raise GipError(f"n must be >= 2 draws, got {n}")
    g = torch.Generator().manual_seed(seed)
    a = torch.randn(n, generator=g, dtype=torch.float64)
    b = torch.randn(n, generator=g, dtype=torch.float64)
    out = []
    for lam in lams:
        if not 0.0 <= float(lam) <= 1.0:
            raise GipError(f"lam must be in [0, 1], got {lam}")
        lam = float(lam)
        mix = lam * a + (1.0 - lam) * b
        out.append({"lam": lam, "measured": float(mix.std()), "predicted": math.sqrt(lam**2 + (1 - lam) ** 2)})
    return out


# ---------------------------------------------------------------------------------------------------------
# tables


class Table:
    """A small table for notebooks: HTML in Jupyter and the book, aligned text in ``str``/``repr``."""

    def __init__(self, rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None, title: str = ""):
        self.rows = [dict(r) for r in rows]
        self.columns = list(columns) if columns is not None else (list(self.rows[0]) if self.rows else [])
        self.title = title

    @staticmethod
    def _fmt(v: Any) -> str:
        if isinstance(v, float):
            return "nan" if math.isnan(v) else f"{v:.3g}" if abs(v) >= 1e-3 or v == 0 else f"{v:.1e}"
        return "" if v is None else str(v)

    def cells(self) -> list[list[str]]:
        return [[self._fmt(r.get(c)) for c in self.columns] for r in self.rows]

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        td = '<td style="white-space: nowrap">'
        body = "".join("<tr>" + "".join(f"{td}{html.escape(x)}</td>" for x in row) + "</tr>" for row in self.cells())
        cap = f"<caption>{html.escape(self.title)}</caption>" if self.title else ""
        return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def __str__(self) -> str:
        cells = [self.columns, *self.cells()]
        widths = [max(len(r[i]) for r in cells) for i in range(len(self.columns))]
        lines = ["  ".join(x.rjust(w) for x, w in zip(r, widths)) for r in cells]
        return "\n".join(([self.title] if self.title else []) + lines)

    __repr__ = __str__


def summary_table(summary: Sequence[Mapping[str, Any]], by: Sequence[str], metrics: Sequence[str] = DEFAULT_COLUMNS,
                  title: str = "") -> Table:  # fmt: skip
    """A :class:`Table` of :func:`gip.sweep.summarize` output: the ``by`` columns, ``n`` and "mean ± std"."""
    rows = []
    for s in summary:
        r = {c: s[c] for c in by}
        r["n"] = s.get("n")
        for m in metrics:
            if f"{m}_mean" in s:
                mean, std = s[f"{m}_mean"], s[f"{m}_std"]
                r[m] = f"{Table._fmt(mean)} ± {Table._fmt(std)}" if std else Table._fmt(mean)
        rows.append(r)
    cols = [*by, "n", *(m for m in metrics if rows and m in rows[0])]
    return Table(rows, cols, title)


# ---------------------------------------------------------------------------------------------------------
# side-by-side comparisons


@dataclass
class Comparison:
    """The runs of :func:`compare`: ``results[label]`` (one batched :class:`gip.InpaintResult` per setting)
    and ``rows`` (one dict per sample: ``label``, ``sample``, the metrics, ``model_calls``, ``seconds``)."""

    labels: list[str]
    results: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def summary(self, metrics: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Mean and std over the samples of each setting (see :func:`gip.sweep.summarize`)."""
        from .sweep import summarize

        return summarize(self.rows, by=["label"], metrics=metrics)

    def mean(self, label: str, metric: str) -> float:
        """The mean of one metric over the samples of one setting."""
        return float(np.mean([r[metric] for r in self.rows if r["label"] == label]))

    def table(self, metrics: Sequence[str] = DEFAULT_COLUMNS, title: str = "") -> Table:
        """Mean ± std over the samples of each setting (cost: of the batched run)."""
        return summary_table(self.summary(), ["label"], metrics, title)

    def figure(self, scene: ImageLike | None = None, target: ImageLike | None = None, samples: int | None = None,
               scale: float = 1.4) -> plt.Figure:  # fmt: skip
        """One column per setting (after optional scene and target columns), one row per sample."""
        from .viz import show_grid

        n = min(r.tensor.shape[0] for r in self.results.values())
        n = n if samples is None else min(n, samples)
        lead = {k: to_tensor(v, k) for k, v in (("scene", scene), ("target", target)) if v is not None}
        rows = [[*lead.values(), *(self.results[lb].tensor[i] for lb in self.labels)] for i in range(n)]
        return show_grid(rows, col_titles=[*lead, *self.labels], row_titles=[f"sample {i}" for i in range(n)],
                         scale=scale)  # fmt: skip


def compare(
    scene: ImageLike,
    target: ImageLike | None,
    mask: ImageLike,
    settings: Mapping[str, Mapping[str, Any]],
    samples: int = 3,
    seed: int = 0,
    model: Model | None = None,
    **fixed: Any,
) -> Comparison:
    """Run every labelled setting of :func:`gip.inpaint` with ``num_samples=samples`` and score each sample.

    ``settings`` maps a label to sampler keywords (``{"lam=0": dict(lam=0.0), ...}``); ``fixed`` keywords
    apply to all (a setting overrides them). All settings use the same ``seed``, so they start from the same
    noise. ``target=None`` runs plain RePaint for every setting (no ``lam``/``heat``/``mix`` then).
    """
    from .sampler import default_model, inpaint

    if not settings:
        raise GipError("settings is empty: give at least one {label: {sampler keywords}}")
    if samples < 1:
        raise GipError(f"samples must be >= 1, got {samples}")
    for k in ("seed", "num_samples", "mask", "keep_mask", "model"):
        if k in fixed:
            raise GipError(f"compare() sets {k} itself: use samples=, seed= and model=")
    model = model or default_model()
    fixed.setdefault("progress", False)
    results, rows = {}, []
    for label, kw in settings.items():
        res = inpaint(scene, target, mask, model=model, seed=seed, num_samples=samples, **{**fixed, **kw})
        results[label] = res
        for i, m in enumerate(evaluate_samples(res, scene, target)):
            rows.append({"label": label, "sample": i, **m, "model_calls": float(res.model_calls),
                         "seconds": float(res.seconds)})  # fmt: skip
    return Comparison(list(settings), results, rows)


# ---------------------------------------------------------------------------------------------------------
# one-factor-at-a-time studies


def one_at_a_time(
    scene: ImageLike,
    target: ImageLike,
    mask: ImageLike,
    base: Mapping[str, Any],
    factors: Mapping[str, Sequence[Any]],
    seeds: Sequence[int] = (0, 1, 2),
    model: Model | None = None,
    csv_path: str | None = None,
    progress: bool = False,
) -> list[dict[str, Any]]:
    """Vary one factor at a time around ``base`` (the others stay at their base values).

    ``base``: sampler keywords accepted by :func:`gip.sweep.sweep` (``p`` for the linear schedule).
    ``factors``: ``{key: [values]}`` with keys among :data:`gip.sweep.GRID_KEYS`. Returns the tidy rows of
    :func:`gip.sweep.sweep` with two more columns, ``factor`` (the key varied) and ``value``; the base
    setting appears once per factor. ``csv_path``: all rows, rewritten after each factor.
    """
    from .sweep import sweep, write_csv

    rows: list[dict[str, Any]] = []
    for key, values in factors.items():
        fixed = {k: v for k, v in base.items() if k != key}
        part = sweep(scene, target, mask, {key: list(values)}, seeds=seeds, model=model, progress=progress, **fixed)
        for r in part:
            rows.append({"factor": key, "value": r[key], **r})
        if csv_path is not None:
            write_csv(rows, csv_path)
    return rows


def quality_cost_plot(
    summary: Sequence[Mapping[str, Any]],
    y: str = "seam",
    x: str = "model_calls",
    label: str | Callable[[Mapping[str, Any]], str] = "value",
    group: str | None = "factor",
    ax=None,
    dodge: float = 0.015,
) -> plt.Figure:
    """Scatter of ``<y>_mean`` (with ``<y>_std`` error bars) against ``<x>_mean``, one colour per ``group``.

    ``summary`` is :func:`gip.sweep.summarize` output; each point is annotated with its ``label`` column (or
    ``label(row)``). ``dodge``: groups are shifted sideways by this fraction of the x range, so that settings
    of the same cost (e.g. different p at the same T, j, r) do not hide each other (0 = exact positions).
    """
    fig = ax.figure if ax is not None else plt.figure(figsize=(5, 3.4))
    ax = ax or fig.add_subplot()
    groups: dict[Any, list] = {}
    for s in summary:
        groups.setdefault(s.get(group) if group else None, []).append(s)
    n = len(groups)
    allx = [s[f"{x}_mean"] for s in summary]
    span = (max(allx) - min(allx)) or 1.0
    for gi, (gname, members) in enumerate(groups.items()):
        shift = dodge * span * (gi - (n - 1) / 2)
        xs = [m[f"{x}_mean"] + shift for m in members]
        ys = [m[f"{y}_mean"] for m in members]
        es = [m[f"{y}_std"] for m in members]
        ax.errorbar(xs, ys, yerr=es, fmt="o", ms=4, capsize=2, label=None if gname is None else str(gname))
        for m, xv, yv in zip(members, xs, ys):
            text = label(m) if callable(label) else str(m.get(label))
            ax.annotate(text, (xv, yv), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel(x)
    ax.set_ylabel(f"{y} (mean ± std)")
    if group:
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def rank(summary: Sequence[Mapping[str, Any]], tolerance: float = 0.1, seam_weight: float = 1.0,
         fidelity_weight: float = 4.0) -> list[dict[str, Any]]:  # fmt: skip
    """Rank summarised settings by :func:`gip.metrics.combined_score` of their mean metrics (lower is better).

    Returns the summary rows sorted by ``score``, each with ``score`` and ``near_best`` (score within
    ``tolerance`` (relative) of the best one), so the cheapest near-best setting can be read off.
    """
    from .metrics import combined_score

    if not summary:
        raise GipError("no settings to rank")
    out = []
    for s in summary:
        means = {"seam": s["seam_mean"], "fill_mse_heat": s.get("fill_mse_heat_mean", math.nan)}
        out.append({**s, "score": combined_score(means, seam_weight, fidelity_weight)})
    out.sort(key=lambda r: r["score"])
    best = out[0]["score"]
    for r in out:
        r["near_best"] = bool(r["score"] <= best + tolerance * abs(best))
    return out


# ---------------------------------------------------------------------------------------------------------
# lambda schedules


def lambda_plot(schedules: Mapping[str, Any], steps: int = 50, jump_length: int = 5, jump_n_sample: int = 2) -> plt.Figure:
    """Left: each schedule's lambda against tau (1 = pure noise, 0 = clean). Right: lambda at every entry of
    the (steps, jump_length, jump_n_sample) jump schedule (the level being formed), so the resampling
    revisits are visible; down-steps only (up-steps do not mix)."""
    from .schedule import jump_schedule

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3))
    T = steps
    sched = jump_schedule(T, jump_length, jump_n_sample)
    prev = [T, *sched[:-1]]
    for name, lam in schedules.items():
        vals = lambdas_mod.values(lam, T)  # indexed by t + 1
        taus = [lambdas_mod.tau(t, T) for t in range(-1, T)]
        a.plot(taus, vals, label=name)
        xs = [i for i, (t, p) in enumerate(zip(sched, prev)) if t < p]
        b.plot(xs, [vals[sched[i]] for i in xs], lw=1, label=name)  # down entry t forms level t-1
    a.set_xlabel("tau = (t + 1) / T   (1 = noise, 0 = clean)")
    a.set_ylabel("lambda")
    a.invert_xaxis()
    a.legend(fontsize=7)
    b.set_xlabel(f"schedule entry (T={T}, j={jump_length}, r={jump_n_sample})")
    b.set_ylabel("lambda of the level formed")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------------------------
# a live explorer for any sampler keywords


def _control(name: str, spec: Any):
    import ipywidgets as W

    style = {"description_width": "90px"}
    if isinstance(spec, bool):
        return W.Checkbox(value=spec, description=name, style=style)
    if isinstance(spec, tuple) and len(spec) in (3, 4):
        lo, hi, step = spec[:3]
        value = spec[3] if len(spec) == 4 else lo
        cls = W.IntSlider if all(isinstance(v, int) for v in (lo, hi, step, value)) else W.FloatSlider
        return cls(value=value, min=lo, max=hi, step=step, description=name, style=style)
    if isinstance(spec, list) and spec:
        return W.Dropdown(options=spec, description=name, style=style)
    raise GipError(f"control {name!r}: use a bool, (min, max, step[, value]) or a list of options, got {spec!r}")


def explorer(
    scene: ImageLike,
    target: ImageLike | None,
    mask: ImageLike,
    controls: Mapping[str, Any],
    to_kwargs: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    model: Model | None = None,
    result=None,
    max_frames: int = 80,
    **fixed: Any,
):
    """A live explorer (ipywidgets): one control per entry of ``controls``, a Run button, the result row with
    its metrics and a :class:`gip.widgets.TrajectoryScrubber`.

    ``controls``: name -> ``bool`` (checkbox), ``(min, max, step[, value])`` (slider), or a list of options
    (dropdown; ``(label, value)`` pairs allowed). ``to_kwargs(values)`` turns the control values into
    :func:`gip.inpaint` keywords (default: used as they are); ``fixed`` are further keywords. ``result``
    shows an earlier run without sampling (what the static HTML displays). ``box.run()`` runs it.
    """
    import ipywidgets as W

    from .metrics import evaluate
    from .sampler import default_model, inpaint
    from .viz import show_row
    from .widgets import TrajectoryScrubber, figure_png

    model = model or default_model()
    fixed.setdefault("progress", False)
    ctrls = {k: _control(k, v) for k, v in controls.items()}
    button = W.Button(description="Run", button_style="primary", icon="play")
    status = W.Label()
    image = W.Image(format="png")
    view = W.VBox([image])

    def show(res):
        m = evaluate(res, scene, target)
        status.value = (f"{res.model_calls} model calls, {res.seconds:.1f} s | seam {m['seam']:.2f}, "
                        f"fill_mse_heat {m['fill_mse_heat']:.3f}, ring_mean {m['ring_mean']:.3f}")  # fmt: skip
        row = {"scene": scene, **({"target": target} if target is not None else {}),
               "Lambda / fill": res.heat if target is not None else res.fill.astype(float), "result": res.tensor}  # fmt: skip
        image.value = figure_png(show_row(row, scale=1.8))
        view.children = [image] + ([TrajectoryScrubber(res.trajectory)] if res.trajectory is not None else [])
        box.result = res

    def run(_=None):
        values = {k: c.value for k, c in ctrls.items()}
        kw = {**fixed, **(to_kwargs(values) if to_kwargs else values)}
        kw.setdefault("record", max(1, -(-4 * int(kw.get("steps", 50)) // max_frames)))
        button.disabled, status.value = True, "running..."
        try:
            res = inpaint(scene, target, mask, model=model, **kw)
        finally:
            button.disabled = False
        show(res)
        return res

    button.on_click(run)
    box = W.VBox([W.VBox(list(ctrls.values())), W.HBox([button, status]), view])
    box.controls, box.run, box.result = ctrls, run, None
    if result is not None:
        show(result)
    return box


__all__ = [
    "Comparison", "DEFAULT_COLUMNS", "Table", "compare", "explorer", "lambda_plot", "mixed_noise_std",
    "one_at_a_time", "quality_cost_plot", "rank", "summary_table",
]  # fmt: skip
