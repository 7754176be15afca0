"""Running a sweep: every process (one, or N under ``accelerate launch``) plans the same units, runs its share
into its shard (or, alone, straight into the output), and the main process gathers the shards."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from ..errors import GipError
from ..experiment import Case
from .config import Config, load_config
from .table import check_compatible, check_output, leftover_shards, merge, order, read_table, shard, units_of, write_csv

#: How long a process waits for the others at a barrier (the slowest shard sets the pace).
BARRIER_TIMEOUT = timedelta(hours=24)


@dataclass
class SweepResult:
    """What :func:`run` did. ``df`` is the whole output table on the main process, None on the others."""

    output: Path
    df: pd.DataFrame | None
    units: int  # units in the config
    skipped: int  # of which were already in the output
    ran: int  # of which ran now (by all processes together)
    processes: int


@dataclass
class _Plan:
    """What every process knows before running: the same on all of them (same files, same config)."""

    cfg: Config
    out: Path
    model: Any  # gip.Model
    cases: dict[str, Case]
    units: list[tuple[str, str, int]]  # every unit of the config, in the one-process order
    done: pd.DataFrame  # the rows already in the output and its leftover shards
    pending: list[tuple[str, str, int]]  # the units to run now


def _state(device: str | None):
    """accelerate's ``PartialState``; CPU processes (gloo, not nccl) under ``accelerate launch --cpu`` (as
    Accelerator reads it) or with ``device="cpu"``."""
    import torch
    from accelerate import PartialState
    from accelerate.utils import parse_flag_from_env

    try:
        cpu = parse_flag_from_env("ACCELERATE_USE_CPU") or (device is not None and torch.device(device).type == "cpu")
    except RuntimeError:
        raise GipError(f"unknown device {device!r}: use cpu, cuda, cuda:1 ...") from None
    return PartialState(cpu=cpu, timeout=BARRIER_TIMEOUT)


def _plan(cfg: Config, out: Path, done: pd.DataFrame, device) -> _Plan:
    from ..models import load_model

    try:
        model = load_model(cfg.model, device=device)
    except GipError as e:
        raise GipError(f"{cfg.path or 'config'} [run] model: {e}") from None
    cases = cfg.make_cases(model.resolution)
    units = [(c.name, label, seed) for c in cases for label in cfg.settings for seed in cfg.seeds]
    check_compatible(done, cfg, model.name, cases, out)
    finished = set(units_of(done))
    pending = [u for u in units if u not in finished]
    return _Plan(cfg, out, model, {c.name: c for c in cases}, units, done, pending)


def _merge_leftovers(state, plan: _Plan, leftovers: list[Path]) -> None:
    """The main process writes the rows of an interrupted run's shards into the output and removes them."""
    state.wait_for_everyone()  # every process has read the output and the leftover shards
    if state.is_main_process and leftovers:
        write_csv(order(plan.done, plan.units), plan.out)
        for p in leftovers:
            p.unlink()
    state.wait_for_everyone()  # ... before any process writes a shard of the same name


def _run_share(state, plan: _Plan, progress: bool) -> list[pd.DataFrame]:
    """This process's share of the pending units, each written to its shard (alone: the output) at once."""
    from tqdm.auto import tqdm

    from ..experiment import run as run_experiment

    world, cfg = state.num_processes, plan.cfg
    path = plan.out if world == 1 else shard(plan.out, state.process_index, world)
    new: list[pd.DataFrame] = []
    with state.split_between_processes(plan.pending) as mine:
        desc = "sweep" if world == 1 else f"sweep (process 0 of {world})"
        with tqdm(total=len(mine), desc=desc, disable=not (progress and state.is_main_process)) as bar:
            bar.set_postfix(skipped=len(plan.units) - len(plan.pending), refresh=False)
            for case, label, seed in mine:
                exp = run_experiment(plan.cases[case], {label: cfg.settings[label]}, seeds=[seed], samples=cfg.samples,
                                     model=plan.model, progress=False, resize=cfg.resize)  # fmt: skip
                new.append(exp.df)
                write_csv(order(merge([plan.done, *new]), plan.units) if world == 1 else merge(new), path)
                bar.update(1)
    return new


def _gather(world: int, plan: _Plan, new: list[pd.DataFrame]) -> pd.DataFrame:
    """The main process's final table: its own rows (one process) or every shard's, in the one-process order."""
    if world == 1:
        return order(merge([plan.done, *new]), plan.units)
    shards = [shard(plan.out, r, world) for r in range(world)]
    final = order(merge([plan.done, *(read_table(p) for p in shards)]), plan.units)
    if plan.pending:
        write_csv(final, plan.out)
    for p in shards:
        p.unlink(missing_ok=True)
    return final


def run(
    config: str | os.PathLike | Mapping[str, Any] | Config,
    output: str | os.PathLike,
    progress: bool = True,
    device: str | None = None,
) -> SweepResult:
    """Run the sweep of ``config`` (a TOML path, a dict or a :class:`Config`) into the CSV ``output``,
    skipping the units already there. Under ``accelerate launch`` every process runs its share (see
    ``help(gip.sweep)``); call it on every process.

    Args:
        progress: a progress bar (the main process's units).
        device: default: accelerate's device for this process (``cuda:<local rank>``, or the CPU).
    """
    cfg = config if isinstance(config, Config) else load_config(config)
    out = check_output(output, cfg)
    # Everything up to the first barrier is the same on every process (same files, same config), so a bad
    # output or config fails everywhere before any process waits for another.
    leftovers = leftover_shards(out)
    done = merge([read_table(out), *(read_table(p) for p in leftovers)])
    state = _state(device)
    plan = _plan(cfg, out, done, device or state.device)
    _merge_leftovers(state, plan, leftovers)
    new = _run_share(state, plan, progress)
    state.wait_for_everyone()  # every shard is complete
    final = _gather(state.num_processes, plan, new) if state.is_main_process else None
    n, todo = len(plan.units), len(plan.pending)
    return SweepResult(out, final, n, n - todo, todo, state.num_processes)
