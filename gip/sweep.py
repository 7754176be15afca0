"""Hyper-parameter sweeps: run :func:`gip.inpaint` over a grid x seeds, score every run, write a tidy CSV.

    import gip
    from gip.sweep import sweep, summarize
    rows = sweep(scene, target, mask, {"p": [0.25, 0.5, 0.75, 1.0], "buffer": [0, 2]}, seeds=[0, 1, 2],
                 csv_path="runs/p_buffer.csv", steps=50, jump_n_sample=2)
    table = summarize(rows, by=["p", "buffer"])          # mean and std over the seeds

On a GPU with a hub model, pass ``model=gip.load_model("google/ddpm-ema-celebahq-256", device="cuda")`` and
256x256 inputs; nothing else changes. One CSV row per run: the model, every sampler parameter (the grid's,
the fixed ones and the defaults), the seed, every metric of :func:`gip.metrics.evaluate`, model calls and
seconds. The CSV is rewritten atomically after each run, so an interrupted study keeps what it finished.
"""

from __future__ import annotations

import csv
import inspect
import itertools
import math
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
from tqdm.auto import tqdm

from . import lambdas
from .errors import GipError
from .images import ImageLike
from .metrics import COST_KEYS, METRIC_KEYS, evaluate
from .models import Model

#: Keys a grid may sweep. ``p`` -> ``lam=Linear(p, lam_max=lam)``; ``lam`` alone -> ``lam=Constant(lam)``.
GRID_KEYS = ("steps", "jump_length", "jump_n_sample", "p", "lam", "buffer", "heat", "mix", "eta")
#: Parameter columns of every row, in this order (then ``seed``, the metrics and the cost).
PARAM_COLUMNS = (
    "model", "steps", "jump_length", "jump_n_sample", "schedule", "p", "lam", "buffer", "heat", "mix", "eta",
)  # fmt: skip
_RESERVED = ("seed", "progress", "mask", "keep_mask", "model", "record")


def _defaults() -> dict[str, Any]:
    from .sampler import inpaint

    return {k: v.default for k, v in inspect.signature(inpaint).parameters.items() if v.default is not inspect._empty}


def _schedule(setting: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The ``lam=`` argument for one setting and its table columns (schedule, p, lam)."""
    p, lam = setting.pop("p", None), setting.pop("lam", None)
    if p is not None:
        lam_max = 1.0 if lam is None else lam
        sched = lambdas.Linear(p=p, lam_max=lam_max)
        return sched, {"schedule": repr(sched), "p": p, "lam": lam_max}
    if lam is None:
        lam = _defaults()["lam"]
    if isinstance(lam, (int, float)) and not isinstance(lam, bool):
        sched = lambdas.Constant(float(lam))
        return sched, {"schedule": repr(sched), "p": None, "lam": float(lam)}
    sched = lambdas.as_schedule(lam)
    value = getattr(sched, "lam_max", getattr(sched, "value", None))
    return sched, {"schedule": repr(sched), "p": getattr(sched, "p", None), "lam": value}


def _grid(grid: dict[str, Sequence]) -> list[dict[str, Any]]:
    if not isinstance(grid, dict):
        raise GipError("grid must be a dict such as {'p': [0.25, 0.5, 1.0], 'buffer': [0, 2]}")
    bad = [k for k in grid if k not in GRID_KEYS]
    if bad:
        raise GipError(f"cannot sweep {', '.join(map(repr, bad))}: grid keys must be among {', '.join(GRID_KEYS)}")
    values = {}
    for k, v in grid.items():
        v = list(v) if isinstance(v, (list, tuple, range, np.ndarray)) else [v]
        if not v:
            raise GipError(f"grid[{k!r}] is empty: give at least one value")
        values[k] = v
    return [dict(zip(values, combo)) for combo in itertools.product(*values.values())]


def _preflight(kw: dict[str, Any], defaults: dict[str, Any]) -> None:
    """Catch the common bad settings (as gip.inpaint would) before hours of sampling, not in the middle."""
    steps, j, r = (kw.get(k, defaults[k]) for k in ("steps", "jump_length", "jump_n_sample"))
    where = f"(steps={steps}, jump_length={j}, jump_n_sample={r})"
    if not isinstance(steps, (int, np.integer)) or steps < 1 or j < 1 or r < 1:
        raise GipError(f"steps, jump_length and jump_n_sample must be whole numbers >= 1 {where}")
    if r > 1 and j >= steps:
        raise GipError(f"jump_length must be below steps when jump_n_sample > 1 {where}: drop that combination")
    eta, buffer, mix = (kw.get(k, defaults[k]) for k in ("eta", "buffer", "mix"))
    if not 0.0 <= eta <= 1.0 or buffer < 0 or mix not in ("noisy", "x0"):
        raise GipError(
            f"bad setting eta={eta}, buffer={buffer}, mix={mix!r}: need eta in [0, 1], buffer >= 0, mix 'noisy' or 'x0'"
        )


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, float) and math.isnan(v):
        return "nan"
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (np.integer, np.floating)):
        return v.item()
    return v


def write_csv(rows: Sequence[dict[str, Any]], path: str | os.PathLike) -> Path:
    """Write dict rows as a CSV atomically (temp file + rename); columns = union of keys in first-seen order."""
    path = Path(path)
    if not path.parent.is_dir():
        raise GipError(f"output folder {path.parent} does not exist: create it first")
    cols: dict[str, None] = {}
    for r in rows:
        cols.update(dict.fromkeys(r))
    fd, tmp = tempfile.mkstemp(prefix=".gip-", suffix=".csv", dir=path.parent)
    try:
        with os.fdopen(fd, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(cols))
            w.writeheader()
            for r in rows:
                w.writerow({k: _cell(v) for k, v in r.items()})
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _parse(s: str) -> Any:
    if s == "":
        return None
    if s in ("True", "False"):
        return s == "True"
    for cast in (int, float):
        try:
            return cast(s)
        except ValueError:
            pass
    return s


def load_csv(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Read a sweep CSV back as rows: numbers as int/float, ``True``/``False`` as bool, empty cells as None."""
    path = Path(path)
    if not path.is_file():
        raise GipError(f"{path}: no such file")
    with open(path, newline="") as f:
        return [{k: _parse(v) for k, v in r.items()} for r in csv.DictReader(f)]


def sweep(
    scene: ImageLike,
    target: ImageLike,
    mask: ImageLike,
    grid: dict[str, Sequence],
    seeds: Iterable[int] = (0, 1, 2),
    model: Model | None = None,
    csv_path: str | os.PathLike | None = None,
    progress: bool = True,
    **fixed: Any,
) -> list[dict[str, Any]]:
    """Run :func:`gip.inpaint` for every combination of ``grid`` x ``seeds`` and score each run.

    Args:
        scene, target, mask: the sampler's inputs (mask = fill mask, white = fill).
        grid: ``{key: [values]}`` with keys among :data:`GRID_KEYS`. ``p`` sweeps the paper's linear schedule
            (``lam=Linear(p, lam_max=lam)``, ``lam`` defaulting to 1); ``lam`` without ``p`` sweeps a
            constant lambda. ``heat`` takes True/False/a metric name.
        seeds: one run per seed and setting.
        model: a :class:`gip.Model` (default: the embedded model).
        csv_path: if given, the rows are written there (atomically, after every run).
        fixed: any other :func:`gip.inpaint` keyword, the same for all runs (``steps=10``, ``resize=True``,
            ``lam=gip.lambdas.Cosine(0.5)``...); a key may not be both in ``grid`` and ``fixed``.

    Returns one dict per run, in grid order (first grid key slowest) with seeds innermost: the columns of
    :data:`PARAM_COLUMNS`, ``seed``, :data:`gip.metrics.METRIC_KEYS`, ``model_calls`` and ``seconds``.
    """
    from .sampler import default_model, inpaint

    settings = _grid(grid)
    both = sorted(set(grid) & set(fixed))
    if both:
        raise GipError(f"{', '.join(both)} given both in grid and as a fixed keyword: keep one")
    reserved = sorted(set(fixed) & set(_RESERVED))
    if reserved:
        raise GipError(f"sweep() sets {', '.join(reserved)} itself: pass seeds=[...] and model=, not these keywords")
    unknown = sorted(set(fixed) - set(_defaults()) - {"p"})
    if unknown:
        raise GipError(f"gip.inpaint() has no keyword {', '.join(unknown)}")
    seeds = [int(s) for s in ([seeds] if isinstance(seeds, int) else seeds)]
    if not seeds:
        raise GipError("seeds is empty: give at least one seed, e.g. seeds=[0, 1, 2]")
    if csv_path is not None and not Path(csv_path).parent.is_dir():
        raise GipError(f"output folder {Path(csv_path).parent} does not exist: create it first")
    model = model or default_model()

    defaults = _defaults()
    runs = []
    for setting in settings:  # build every schedule first so bad values fail before any sampling
        kw = {**fixed, **setting}
        sched, sched_cols = _schedule(kw)
        _preflight(kw, defaults)
        cols = {k: kw.get(k, defaults.get(k)) for k in PARAM_COLUMNS if k not in ("model", "schedule", "p", "lam")}
        runs.append((kw, sched, {"model": model.name, **cols, **sched_cols}))
    rows: list[dict[str, Any]] = []
    total = len(runs) * len(seeds)
    with tqdm(total=total, desc="sweep", disable=not progress) as bar:
        for kw, sched, cols in runs:
            for seed in seeds:
                res = inpaint(scene, target, mask, model=model, lam=sched, seed=seed, progress=False, **kw)
                row = {k: cols[k] for k in PARAM_COLUMNS}
                row["seed"] = seed
                row.update(evaluate(res, scene, target))
                rows.append(row)
                if csv_path is not None:
                    write_csv(rows, csv_path)
                bar.update(1)
    return rows


def summarize(
    rows: Sequence[dict[str, Any]],
    by: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Mean and sample std (ddof = 1; 0 for a single run) of each metric per setting.

    ``by``: the grouping columns (default: the parameter columns that take more than one value in
    ``rows``; ``schedule`` only when neither ``p`` nor ``lam`` varies). ``metrics``: the columns to aggregate (default: every metric and cost column present).
    Returns one dict per group, in first-seen order: the ``by`` values, ``n``, then ``<metric>_mean`` and
    ``<metric>_std`` for each metric. NaN values propagate (a group with a NaN run has a NaN mean).
    """
    rows = list(rows)
    if not rows:
        raise GipError("no rows to summarize")
    if by is None:
        by = [c for c in PARAM_COLUMNS if len({repr(r.get(c)) for r in rows}) > 1]
        if "schedule" in by and ("p" in by or "lam" in by):
            by.remove("schedule")  # p / lam already tell the settings apart
    by = list(by)
    missing = [c for c in by if c not in rows[0]]
    if missing:
        raise GipError(f"cannot group by {', '.join(missing)}: the rows have columns {', '.join(rows[0])}")
    if metrics is None:
        metrics = [k for k in (*METRIC_KEYS, *COST_KEYS) if k in rows[0]]
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(tuple(r.get(c) for c in by), []).append(r)
    out = []
    for key, members in groups.items():
        d: dict[str, Any] = dict(zip(by, key))
        d["n"] = len(members)
        for m in metrics:
            v = np.array([np.nan if r.get(m) is None else float(r[m]) for r in members])
            d[f"{m}_mean"] = float(v.mean())
            d[f"{m}_std"] = float(v.std(ddof=1)) if len(v) > 1 else 0.0
        out.append(d)
    return out
