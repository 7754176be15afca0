"""The experiment runner: inputs x settings x seeds -> one pandas DataFrame row per sample.

    cases = [gip.Case("grinning+sunglasses", scene, target, mask, silhouette=sil)]
    settings = gip.experiment.grid(gip.Settings(), p=[0.25, 0.5, 0.75], buffer=[0, 2])
    exp = gip.experiment.run(cases, settings, seeds=[0], samples=5)
    exp.df                                    # case, label, seed, sample, every setting, every metric
    exp.df.groupby("label")[["object_error", "seam"]].agg(["mean", "std"])
    exp.figure()                              # the pictures: one column per setting, one row per sample

Every other study in gip is a thin call on :func:`run`: a side-by-side comparison is ``run`` with
labelled settings, a one-factor-at-a-time study is ``run(cases, one_at_a_time(base, ...))``, and seed picking
(:func:`gip.auto_inpaint`) sorts one case's rows by ``selection_score``.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from . import lambdas
from .errors import GipError
from .images import ImageLike, to_tensor
from .metrics import evaluate_samples, selection_score
from .models import Model
from .settings import FIELDS, Settings, describe


@dataclass(frozen=True, eq=False)
class Case:
    """One input of an experiment: ``scene``, ``target`` (None = plain RePaint), fill ``mask`` and, when
    the object's own pixels are known (:func:`gip.place_object`), its ``silhouette`` (H, W) bool.

    What is known about the object, when it is: its name (``object``, e.g. ``"crown"``), its ``box``
    (x, y, w, h) in pixels; and for a known-answer case (:mod:`gip.benchmark`) the target's ``kind``, the
    ``answer`` (1, 3, H, W) (the object alpha-composited on the scene) and the object's matte on the canvas
    ``alpha`` (H, W) in [0, 1]."""

    name: str
    scene: ImageLike
    target: ImageLike | None
    mask: ImageLike
    silhouette: np.ndarray | None = None
    object: str | None = None
    box: tuple[int, int, int, int] | None = None
    kind: str | None = None
    answer: torch.Tensor | None = None
    alpha: np.ndarray | None = None


def _label(changes: Mapping[str, Any], st: Settings) -> str:
    """``"p=0.5, buffer=2"``: schedules and heat as :func:`gip.settings.describe` writes them."""
    def text(k: str, v: Any) -> str:
        if k in ("lam", "heat"):
            return describe(getattr(st, k))
        return f"{v:g}" if isinstance(v, float) else str(v)

    return ", ".join(f"{k}={text(k, v)}" for k, v in changes.items())


def _apply(base: Settings, changes: Mapping[str, Any]) -> Settings:
    """``base`` with ``changes``; ``p`` and ``lam_max`` change the schedule's parameters
    (:func:`gip.lambdas.reshape`: its kind kept, a constant or custom schedule becomes linear with ``p``)."""
    changes = dict(changes)
    shape = {k: changes.pop(k) for k in lambdas.PARAMETERS if k in changes}
    if shape:
        changes["lam"] = lambdas.reshape(changes.get("lam", base.lam), **shape)
    return base.replace(**changes)


def grid(base: Settings | None = None, **axes: Sequence[Any]) -> dict[str, Settings]:
    """Every combination of ``axes`` (setting name -> values; ``p``/``lam_max`` change the schedule's
    parameter) around ``base``, labelled ``"p=0.5, buffer=2"``. All are validated before anything runs."""
    base = base or Settings()
    bad = sorted(set(axes) - set(FIELDS) - set(lambdas.PARAMETERS))
    if bad:
        raise GipError(f"cannot vary {', '.join(map(repr, bad))}: settings are {', '.join(FIELDS)} (and p, lam_max)")
    values = {k: list(v) if isinstance(v, (list, tuple, range, np.ndarray)) else [v] for k, v in axes.items()}
    empty = [k for k, v in values.items() if not v]
    if empty:
        raise GipError(f"no values for {', '.join(empty)}: give at least one")
    out = {}
    for combo in itertools.product(*values.values()):
        changes = dict(zip(values, combo))
        st = _apply(base, changes)
        out[_label(changes, st)] = st
    return out


def one_at_a_time(base: Settings | None = None, **factors: Sequence[Any]) -> dict[str, Settings]:
    """``base`` plus, for each factor, every value with the other settings at their base values."""
    base = base or Settings()
    out = {"base": base}
    for key, vals in factors.items():
        for v in vals:
            out.update(grid(base, **{key: [v]}))
    return out


@dataclass
class Experiment:
    """The runs of :func:`run`: ``df`` (one row per sample), ``images`` (the samples (3, H, W) in [-1, 1],
    by row), ``cases`` and ``settings`` (by label)."""

    df: pd.DataFrame
    images: list[torch.Tensor]
    cases: dict[str, Case]
    settings: dict[str, Settings]
    results: dict[tuple[str, str, int], Any] = field(default_factory=dict)

    def summary(self, by: Sequence[str] = ("case", "label"), metrics: Sequence[str] | None = None) -> pd.DataFrame:
        """Mean and std (over seeds and samples) of ``metrics`` per group: a two-level column index."""
        metrics = list(metrics or [c for c in DEFAULT_METRICS if c in self.df])
        return self.df.groupby(list(by), sort=False)[metrics].agg(["mean", "std"])

    def table(self, by: Sequence[str] = ("label",), metrics: Sequence[str] | None = None, digits: int = 3) -> pd.DataFrame:
        """:meth:`summary` as readable ``mean ± std`` text cells (for pages), plus ``n`` per group."""
        from .viz import mean_std_table

        metrics = list(metrics or [c for c in DEFAULT_METRICS if c in self.df])
        return mean_std_table(self.df, by, metrics, digits)

    def image(self, case: str, label: str, k: int = 0) -> torch.Tensor:
        """The ``k``-th sample (seed-major) of one case and setting, (3, H, W)."""
        rows = self.df.index[(self.df["case"] == case) & (self.df["label"] == label)]
        if len(rows) <= k:
            raise GipError(f"no sample {k} of case {case!r} with setting {label!r}")
        return self.images[rows[k]]

    def figure(self, case: str | None = None, labels: Sequence[str] | None = None, samples: int = 3,
               lead: Sequence[str] = ("scene", "target"), scale: float = 1.6):  # fmt: skip
        """One column per setting (after the ``lead`` inputs), one row per sample, for one case."""
        from .viz import show_grid

        case = case or next(iter(self.cases))
        labels = list(labels or self.settings)
        c = self.cases[case]
        inputs = {"scene": c.scene, "target": c.target, "mask": c.mask}
        lead = [k for k in lead if inputs.get(k) is not None]
        n = min(samples, int((self.df["case"] == case).groupby(self.df["label"]).sum().min()))
        rows = [[*(to_tensor(inputs[k], k) if k != "mask" else inputs[k] for k in lead),
                 *(self.image(case, lb, i) for lb in labels)] for i in range(n)]  # fmt: skip
        return show_grid(rows, col_titles=[*lead, *labels], row_titles=[f"sample {i}" for i in range(n)], scale=scale)


def score(case: Case, label: str, seed: int, result, model_name: str) -> list[dict[str, Any]]:
    """The table rows of one run (one per sample): ``case``, ``label``, ``seed``, ``sample``, ``kind`` and
    ``object`` (None where unknown), every setting, every metric (against the case's answer when it has
    one), ``selection_score``, ``model`` and ``seconds`` (the run's wall time / samples)."""
    per = evaluate_samples(result, case.scene, case.target, case.silhouette, case.answer, case.alpha)
    head = {"case": case.name, "label": label, "seed": seed}
    return [{**head, "sample": k, "kind": case.kind, "object": case.object, **result.settings.row(), **m, "selection_score": selection_score(m),
             "model": model_name, "seconds": result.seconds / len(per)} for k, m in enumerate(per)]  # fmt: skip


#: The metrics tables show by default.
DEFAULT_METRICS = ("object_error", "object_survived", "seam", "harmony", "fill_mse", "keep_max", "model_calls")


def run(
    cases: Case | Iterable[Case],
    settings: Settings | Mapping[str, Settings],
    seeds: int | Iterable[int] = (0,),
    samples: int = 1,
    model: Model | None = None,
    keep_results: bool = False,
    progress: bool = True,
    **run_kwargs: Any,
) -> Experiment:
    """Run every case x setting x seed (``samples`` batched samples per seed) and score every sample.

    Args:
        cases: one :class:`Case` or several (names unique).
        settings: one :class:`gip.Settings` or ``{label: Settings}`` (:func:`grid`, :func:`one_at_a_time`).
        seeds: a count n (seeds 0..n-1) or a list; each seed is one sampler call with ``samples`` samples.
        model: default: the embedded model.
        keep_results: also keep each :class:`gip.InpaintResult` in ``results[(case, label, seed)]``.
        run_kwargs: more :func:`gip.inpaint` run arguments (``device``, ``resize``, ``record``...).

    Returns an :class:`Experiment` whose ``df`` has one row per sample: ``case``, ``label``, ``seed``,
    ``sample``, every setting (:meth:`gip.Settings.row`), every metric (:func:`gip.metrics.evaluate_samples`),
    ``selection_score``, ``model_calls`` and ``seconds`` (the batched call's wall time / samples).
    """
    from .sampler import default_model, inpaint

    cases = [cases] if isinstance(cases, Case) else list(cases)
    names = [c.name for c in cases]
    if not cases or len(set(names)) != len(names):
        raise GipError("give at least one Case, each with its own name")
    settings = {"base": settings} if isinstance(settings, Settings) else dict(settings)
    if not settings or not all(isinstance(s, Settings) for s in settings.values()):
        raise GipError("settings must be a gip.Settings or a non-empty {label: gip.Settings}")
    seeds = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
    if not seeds or (isinstance(samples, bool) or samples < 1):
        raise GipError("need at least one seed and samples >= 1")
    reserved = sorted(set(run_kwargs) & {"seed", "num_samples", "settings", "mask", "keep_mask", "model", "progress"})
    if reserved:
        raise GipError(f"run() sets {', '.join(reserved)} itself: use seeds=, samples=, model=")
    model = model or default_model()
    rows, images, results = [], [], {}
    total = len(cases) * len(settings) * len(seeds)
    with tqdm(total=total, desc="experiment", disable=not progress) as bar:
        for case in cases:
            for label, st in settings.items():
                for seed in seeds:
                    t0 = time.perf_counter()
                    res = inpaint(case.scene, case.target, case.mask, st, model=model, seed=seed,
                                  num_samples=samples, progress=False, **run_kwargs)  # fmt: skip
                    rows += score(case, label, seed, res, model.name)
                    images += list(res.tensor)
                    if keep_results:
                        results[(case.name, label, seed)] = res
                    bar.update(1)
                    bar.set_postfix(last=f"{time.perf_counter() - t0:.1f}s")
    df = pd.DataFrame(rows)
    return Experiment(df, images, {c.name: c for c in cases}, settings, results)
