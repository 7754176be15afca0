"""Sweeps: a settings grid x seeds x input pairs from a small TOML file, one CSV row per sample; resumable,
and scaled out over processes (GPUs) with Hugging Face accelerate.

    gip sweep study.toml -o study.csv                                          # one process
    accelerate launch --num_processes 8 -m gip sweep study.toml -o study.csv   # 8 processes (GPUs)

    from gip import sweep
    res = sweep.run("study.toml", "study.csv")        # the same from Python; res.df is the whole table

The config (every section and key is optional; an empty file runs ``gip.Settings()`` on every held-out pair)::

    [settings]                # the base gip.Settings: any of its fields (steps, jump_length, jump_n_sample,
    steps = 50                #   lam, lam_axis, heat, buffer, mix, eta, ...) plus p and lam_max, the
    jump_n_sample = 2         #   parameters of the lambda schedule
    lam = "linear"            # a schedule name (linear, cosine, step, floor, constant) or a number (constant)
    p = 0.75
    heat = true               # true / false / a metric name / a table {metric, exponent, ramp}

    [grid]                    # the settings to vary: every combination runs (gip.experiment.grid)
    p = [0.25, 0.5, 0.75]     # the same keys as [settings], each with a list of values
    buffer = [0, 2]

    [run]
    seeds = [0, 1, 2, 3, 4]   # a list, or a count n (seeds 0..n-1); default [0]
    samples = 1               # samples per seed, batched in one sampler call; default 1
    model = "emoji-faces-32"  # embedded name, hub id or local diffusers folder (relative to the config file)
    cases = "insertion"       # the held-out pairs of gip.assets.insertion_cases ("insertion:N": the first N)
    resize = false            # resize the inputs of path cases to the model's resolution

Instead of ``cases = "insertion"``, inputs of your own, one table each (paths relative to the config file;
without ``target`` the case is plain RePaint)::

    [[run.cases]]
    name = "cat-hat"
    scene = "images/cat.png"
    target = "images/cat-with-hat.png"
    mask = "images/hat-mask.png"      # the FILL mask: white = where the target goes

The unit of work is one sampler call: (case, label, seed), with ``samples`` samples, in the order case ->
setting (grid order) -> seed. The output is the table of :func:`gip.experiment.run`, one row per sample:
``case``, ``label``, ``seed``, ``sample``, every setting, every metric, ``selection_score``, ``model``,
``seconds``. It is written atomically (temp file + rename) and never over an input file.

Resume: units already in the output are skipped, so running the same command again after an interruption
(or with more seeds, cases or grid values) runs only what is missing. Rows of units that the config no
longer names are kept. A one-process sweep rewrites the output after every unit. Rows of a label made with
other settings, another model or another ``samples`` are an error (write to a new file instead).

Scale-out: under ``accelerate launch --num_processes N`` every process reads the config and the output, takes
its share of the missing units (``PartialState.split_between_processes``: contiguous, equal counts), runs
them on its own device (``cuda:<local rank>``) and writes its rows, after every unit, to a shard next to the
output (``OUT.csv.part-<rank>-of-<N>``). After ``wait_for_everyone`` the main process gathers the shards into
the output, in the one-process order, and removes them. Shards left by an interrupted run are merged into the
output when the next run starts, so they resume too. Several CPU processes (gloo):
``accelerate launch --multi_gpu --num_processes N -m gip sweep ... --device cpu``; ``accelerate launch --cpu``
starts a single process whatever ``--num_processes`` says, unless it is given an MPI hostfile.
"""

from __future__ import annotations

import difflib
import glob
import math
import numbers
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from . import lambdas
from .errors import GipError
from .experiment import Case, grid
from .images import write_atomic
from .settings import FIELDS, Settings

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

SECTIONS = ("settings", "grid", "run")
SETTING_KEYS = (*FIELDS, "p", "lam_max")
RUN_KEYS = ("seeds", "samples", "model", "cases", "resize")
CASE_KEYS = ("name", "scene", "target", "mask")
#: One sampler call; the output's key is UNIT + ("sample",).
UNIT = ("case", "label", "seed")
#: How long a process waits for the others at a barrier (the slowest shard sets the pace).
BARRIER_TIMEOUT = timedelta(hours=24)


@dataclass(frozen=True)
class Config:
    """A validated sweep config (:func:`load_config`)."""

    settings: dict[str, Settings]  # label -> Settings, in grid order ("base" when there is no [grid])
    seeds: list[int]
    samples: int = 1
    model: str | None = None  # None: the embedded default
    cases: int | list[dict] | None = None  # insertion pairs: None = all, N = the first N; or case tables
    resize: bool = False
    path: Path | None = None  # the config file

    def make_cases(self, resolution: int) -> list[Case]:
        """The cases at the model's ``resolution``."""
        if isinstance(self.cases, list):
            return [Case(c["name"], c["scene"], c.get("target"), c["mask"]) for c in self.cases]
        from . import assets

        return [assets.insertion_case(p, resolution) for p in assets.insertion_pairs()[: self.cases]]

    def inputs(self) -> list[Path]:
        """The files the sweep reads (never overwritten)."""
        files = [self.path] if self.path else []
        if isinstance(self.cases, list):
            files += [c[k] for c in self.cases for k in ("scene", "target", "mask") if k in c]
        return files


@dataclass
class SweepResult:
    """What :func:`run` did. ``df`` is the whole output table on the main process, None on the others."""

    output: Path
    df: pd.DataFrame | None
    units: int  # units in the config
    skipped: int  # of which were already in the output
    ran: int  # of which ran now (by all processes together)
    processes: int


# -- the config ---------------------------------------------------------------------------------------------


def _fail(where: str, message: str) -> GipError:
    return GipError(f"{where}: {message}")


def _check_keys(table: Mapping, allowed: tuple[str, ...], where: str, what: str) -> None:
    for key in table:
        if key not in allowed:
            near = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"did you mean {near[0]!r}? " if near else ""
            raise _fail(where, f"unknown {what} {key!r}: {hint}use {', '.join(allowed)}")


def _scalar(key: str, value: Any, where: str) -> None:
    if isinstance(value, list):
        raise _fail(where, f"{key} is a list: one value here (lists of values to try go in [grid])")
    if isinstance(value, dict) and key != "heat":
        raise _fail(where, f"{key} is a table: give a number or a name")


def _lam(value: Any, p: float, lam_max: float, where: str) -> Any:
    """A schedule name -> the schedule; anything else is left to gip.Settings to validate."""
    if not isinstance(value, str):
        return value
    try:
        return lambdas.by_name(value, p, lam_max)
    except GipError as e:
        raise _fail(where, f"lam: {e}") from None


def _base_settings(table: Any, where: str) -> Settings:
    if not isinstance(table, dict):
        raise _fail(where, "must be a table of gip.Settings fields, e.g. [settings] steps = 50")
    _check_keys(table, SETTING_KEYS, where, "setting")
    for k, v in table.items():
        _scalar(k, v, where)
    kw = dict(table)
    shape = {k: kw.pop(k) for k in ("p", "lam_max") if k in kw}
    default = Settings().lam
    if isinstance(kw.get("lam"), str):
        kw["lam"] = _lam(kw["lam"], shape.pop("p", default.p), shape.pop("lam_max", default.lam_max), where)
    try:
        base = Settings().replace(**kw)
        return next(iter(grid(base, **{k: [v] for k, v in shape.items()}).values())) if shape else base
    except GipError as e:
        raise _fail(where, str(e)) from None


def _grid(table: Any, base: Settings, where: str) -> dict[str, Settings]:
    if not isinstance(table, dict):
        raise _fail(where, "must be a table of settings to vary, e.g. [grid] p = [0.25, 0.5]")
    _check_keys(table, SETTING_KEYS, where, "setting")
    if not table:
        return {"base": base}
    p0, lm0 = getattr(base.lam, "p", 0.75), getattr(base.lam, "lam_max", 1.0)
    axes = {}
    for key, value in table.items():
        values = value if isinstance(value, list) else [value]
        if not values:
            raise _fail(where, f"{key} = [] has no values: give at least one, e.g. {key} = [...]")
        for v in values:
            if isinstance(v, list) or (isinstance(v, dict) and key != "heat"):
                raise _fail(where, f"{key} must be a list of single values, got {value!r}")
        if len({repr(v) for v in values}) != len(values):
            raise _fail(where, f"{key} repeats a value in {value!r}: give each value once")
        axes[key] = [_lam(v, p0, lm0, where) for v in values] if key == "lam" else values
    try:
        return grid(base, **axes)
    except GipError as e:
        raise _fail(where, str(e)) from None


def _whole(value: Any, low: int) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= low


def _cases(value: Any, where: str, folder: Path) -> int | list[dict] | None:
    from . import assets

    n_pairs = len(assets.insertion_pairs())
    if isinstance(value, str):
        name, _, count = value.partition(":")
        if name == "insertion" and not count:
            return None
        if name == "insertion" and count.isdigit() and 1 <= int(count) <= n_pairs:
            return int(count)
        raise _fail(where, f'cases = {value!r}: use "insertion" (all {n_pairs} held-out pairs), '
                           f'"insertion:N" (the first N, 1 <= N <= {n_pairs}) '
                           "or [[run.cases]] tables with name, scene, target, mask")  # fmt: skip
    if not isinstance(value, list) or not value or not all(isinstance(c, dict) for c in value):
        raise _fail(where, 'cases must be "insertion", "insertion:N" or [[run.cases]] tables '
                           "(name, scene, target, mask)")  # fmt: skip
    out, names = [], set()
    for i, c in enumerate(value):
        at = f"{where} cases[{i}]"
        _check_keys(c, CASE_KEYS, at, "key")
        missing = [k for k in ("name", "scene", "mask") if k not in c]
        if missing:
            raise _fail(at, f"needs {', '.join(missing)} (target is optional: without it, plain RePaint)")
        if not isinstance(c["name"], str) or not c["name"] or c["name"] in names:
            raise _fail(at, f"name must be a non-empty text, unique among the cases, got {c['name']!r}")
        names.add(c["name"])
        case = {"name": c["name"]}
        for k in ("scene", "target", "mask"):
            if k not in c:
                continue
            if not isinstance(c[k], str):
                raise _fail(at, f"{k} must be a path (text), got {c[k]!r}")
            path = (folder / Path(c[k]).expanduser()).resolve()
            if not path.is_file():
                raise _fail(at, f"{k} {c[k]!r}: no such file {path} (paths are relative to {folder})")
            case[k] = path
        out.append(case)
    return out


def _run_section(table: Any, where: str, folder: Path) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise _fail(where, "must be a table: [run] seeds = [0, 1], samples = 1, model = ..., cases = ...")
    _check_keys(table, RUN_KEYS, where, "key")
    seeds = table.get("seeds", [0])
    if _whole(seeds, 1):
        seeds = list(range(seeds))
    elif not (isinstance(seeds, list) and seeds and all(_whole(s, 0) for s in seeds)):
        raise _fail(where, f"seeds must be a count (seeds = 5: seeds 0..4) or a list of whole numbers >= 0 "
                           f"(seeds = [0, 1, 2]), got {seeds!r}")  # fmt: skip
    if len(set(seeds)) != len(seeds):
        raise _fail(where, f"seeds repeats a seed in {seeds!r}: give each seed once")
    samples = table.get("samples", 1)
    if not _whole(samples, 1):
        raise _fail(where, f"samples must be a whole number >= 1 (samples per seed), got {samples!r}")
    model = table.get("model")
    if model is not None and (not isinstance(model, str) or not model):
        raise _fail(where, f"model must be an embedded name, a local folder or a hub id (text), got {model!r}")
    if model is not None and not Path(model).is_absolute() and (folder / model).is_dir():
        model = str((folder / model).resolve())  # a local folder next to the config
    resize = table.get("resize", False)
    if not isinstance(resize, bool):
        raise _fail(where, f"resize must be true or false, got {resize!r}")
    cases = _cases(table.get("cases", "insertion"), where, folder)
    return dict(seeds=[int(s) for s in seeds], samples=int(samples), model=model, cases=cases, resize=resize)


def load_config(source: str | os.PathLike | Mapping[str, Any]) -> Config:
    """Read and validate a sweep config: a TOML file, or the same as a dict (paths relative to the current
    folder). Every problem is a :class:`gip.GipError` that names the section, the key and the fix."""
    if isinstance(source, Mapping):
        data, path, name, folder = dict(source), None, "config", Path.cwd()
    else:
        path = Path(source)
        name, folder = str(path), path.resolve().parent
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise GipError(f"config file {path} not found: give the path of a .toml sweep config") from None
        except (IsADirectoryError, UnicodeDecodeError) as e:
            raise GipError(f"cannot read the config {path} ({e}): give a .toml text file") from None
        except tomllib.TOMLDecodeError as e:
            raise GipError(f"{path} is not valid TOML ({e}): fix the syntax (sections [settings], [grid], [run])") \
                from None
    _check_keys(data, SECTIONS, name, "section")
    base = _base_settings(data.get("settings", {}), f"{name} [settings]")
    settings = _grid(data.get("grid", {}), base, f"{name} [grid]")
    run_kw = _run_section(data.get("run", {}), f"{name} [run]", folder)
    return Config(settings=settings, path=path.resolve() if path else None, **run_kw)


# -- the output table ---------------------------------------------------------------------------------------


def _shard(out: Path, rank: int, world: int) -> Path:
    return out.with_name(f"{out.name}.part-{rank}-of-{world}")


def _leftover_shards(out: Path) -> list[Path]:
    return sorted(out.parent.glob(f"{glob.escape(out.name)}.part-*-of-*"))


def read_table(path: str | os.PathLike) -> pd.DataFrame | None:
    """A sweep table (the output or a shard) as written, or None when there is no such file."""
    path = Path(path)
    try:
        df = pd.read_csv(path, dtype={"case": str, "label": str, "model": str}, keep_default_na=False, na_values=[""])
    except FileNotFoundError:
        return None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as e:
        raise GipError(f"{path} exists but is not a gip sweep table ({e}): choose another output file") from None
    missing = [c for c in (*UNIT, "sample") if c not in df]
    if missing:
        raise GipError(f"{path} exists but is not a gip sweep table (no {', '.join(missing)} column): "
                       "choose another output file, or delete it to start over")  # fmt: skip
    return df


def _merge(tables: list[pd.DataFrame | None]) -> pd.DataFrame:
    tables = [t for t in tables if t is not None and len(t)]
    if not tables:
        return pd.DataFrame()
    df = pd.concat(tables, ignore_index=True)
    return df.drop_duplicates([*UNIT, "sample"], keep="first").reset_index(drop=True)


def _units_of(df: pd.DataFrame) -> list[tuple[str, str, int]]:
    if not len(df):
        return []
    return [(str(c), str(lb), int(s)) for c, lb, s in zip(df["case"], df["label"], df["seed"])]


def _order(df: pd.DataFrame, units: list[tuple[str, str, int]]) -> pd.DataFrame:
    """Rows in the one-process order (units, then samples as written); rows of other units at the end."""
    pos = {u: i for i, u in enumerate(units)}
    key = [pos.get(u, len(units)) for u in _units_of(df)]
    return df.iloc[sorted(range(len(df)), key=lambda i: key[i])].reset_index(drop=True)


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    """Atomically: a temp file in the same folder, then a rename."""
    write_atomic(path, lambda f: df.to_csv(f, index=False), mode="w")


def _same(a: Any, b: Any) -> bool:
    null = [x is None or (isinstance(x, float) and math.isnan(x)) for x in (a, b)]
    if any(null):
        return all(null)
    if isinstance(a, bool) or isinstance(b, bool):
        return str(a) == str(b)
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    except (TypeError, ValueError):
        return str(a) == str(b)


def _check_compatible(done: pd.DataFrame, cfg: Config, model: str, cases: list[Case], out: Path) -> None:
    """Rows of a label in ``out`` must come from the same settings, model and samples as the config's.
    (Rows of a case without a target are plain RePaint: they do not record the guidance settings.)"""
    if not len(done):
        return
    fix = f"write to a new output file, or delete {out} to start over"
    guided = {c.name: c.target is not None for c in cases}
    mine = done[done["case"].isin(list(guided))]
    for label, st in cfg.settings.items():
        rows = mine[mine["label"] == label]
        if not len(rows):
            continue
        for is_guided in (True, False):
            some = rows[rows["case"].map(guided) == is_guided]
            if not len(some):
                continue
            first = some.iloc[0]
            for key, want in {**st.row(), "model": model}.items():
                if key not in some or (not is_guided and key in ("lam", "p", "lam_max", "heat")):
                    continue
                if not _same(first[key], want):
                    got = first[key].item() if hasattr(first[key], "item") else first[key]  # numpy -> Python
                    raise GipError(f"{out} has rows of {label!r} made with {key} = {got!r}, but the config "
                                   f"gives {key} = {want!r}: {fix}")  # fmt: skip
        counts = rows.groupby(["case", "seed"]).size()
        if (counts != cfg.samples).any():
            raise GipError(f"{out} has {counts.iloc[0]} samples per seed for {label!r}, but the config asks for "
                           f"samples = {cfg.samples}: {fix}")  # fmt: skip


def _check_output(output: str | os.PathLike, cfg: Config) -> Path:
    out = Path(output)
    if out.suffix.lower() != ".csv":
        raise GipError(f"the output {out} must be a .csv file, e.g. -o study.csv")
    if not out.parent.is_dir():
        raise GipError(f"output folder {out.parent} does not exist: create it first")
    for p in cfg.inputs():
        if out.resolve() == Path(p).resolve() or (out.exists() and Path(p).exists() and out.samefile(p)):
            raise GipError(f"refusing to overwrite the input file {p}: choose another output path")
    return out


# -- the run ------------------------------------------------------------------------------------------------


def run(
    config: str | os.PathLike | Mapping[str, Any] | Config,
    output: str | os.PathLike,
    progress: bool = True,
    device: str | None = None,
) -> SweepResult:
    """Run the sweep of ``config`` (a TOML path, a dict or a :class:`Config`) into the CSV ``output``,
    skipping the units already there. Under ``accelerate launch`` every process runs its share (see the
    module docstring); call it on every process.

    Args:
        progress: a progress bar (the main process's units).
        device: default: accelerate's device for this process (``cuda:<local rank>``, or the CPU).
    """
    import torch
    from accelerate import PartialState
    from accelerate.utils import parse_flag_from_env
    from tqdm.auto import tqdm

    from .experiment import run as run_experiment
    from .models import load_model

    cfg = config if isinstance(config, Config) else load_config(config)
    out = _check_output(output, cfg)
    # Everything below up to the first barrier is the same on every process (same files, same config), so
    # a bad output or config fails everywhere before any process waits for another.
    leftovers = _leftover_shards(out)
    done = _merge([read_table(out), *(read_table(p) for p in leftovers)])
    # CPU processes: `accelerate launch --cpu` (as Accelerator reads it) or --device cpu; gloo then, not nccl
    try:
        cpu = parse_flag_from_env("ACCELERATE_USE_CPU") or (device is not None and torch.device(device).type == "cpu")
    except RuntimeError:
        raise GipError(f"unknown device {device!r}: use cpu, cuda, cuda:1 ...") from None
    state = PartialState(cpu=cpu, timeout=BARRIER_TIMEOUT)
    world, rank = state.num_processes, state.process_index
    try:
        model = load_model(cfg.model, device=device or state.device)
    except GipError as e:
        raise GipError(f"{cfg.path or 'config'} [run] model: {e}") from None
    cases = cfg.make_cases(model.resolution)
    by_name = {c.name: c for c in cases}
    units = [(c.name, label, seed) for c in cases for label in cfg.settings for seed in cfg.seeds]
    _check_compatible(done, cfg, model.name, cases, out)
    finished = set(_units_of(done))
    pending = [u for u in units if u not in finished]

    state.wait_for_everyone()  # every process has read the output and the leftover shards
    if state.is_main_process and leftovers:
        _write_csv(_order(done, units), out)
        for p in leftovers:
            p.unlink()
    state.wait_for_everyone()  # ... before any process writes a shard of the same name

    shard = out if world == 1 else _shard(out, rank, world)
    new: list[pd.DataFrame] = []
    with state.split_between_processes(pending) as mine:
        desc = "sweep" if world == 1 else f"sweep (process 0 of {world})"
        with tqdm(total=len(mine), desc=desc, disable=not (progress and state.is_main_process)) as bar:
            bar.set_postfix(skipped=len(units) - len(pending), refresh=False)
            for case, label, seed in mine:
                exp = run_experiment(by_name[case], {label: cfg.settings[label]}, seeds=[seed], samples=cfg.samples,
                                     model=model, progress=False, resize=cfg.resize)  # fmt: skip
                new.append(exp.df)
                table = _order(_merge([done, *new]), units) if world == 1 else _merge(new)
                _write_csv(table, shard)
                bar.update(1)

    state.wait_for_everyone()  # every shard is complete
    final = None
    if state.is_main_process:
        if world == 1:
            final = _order(_merge([done, *new]), units)
        else:
            shards = [_shard(out, r, world) for r in range(world)]
            final = _order(_merge([done, *(read_table(p) for p in shards)]), units)
            if len(pending):
                _write_csv(final, out)
            for p in shards:
                p.unlink(missing_ok=True)
    return SweepResult(out, final, len(units), len(units) - len(pending), len(pending), world)
