"""The sweep's output: one CSV table, one row per sample, keyed by :data:`UNIT` + ``sample``; the shards of a
multi-process run next to it; resuming (which units are done, in what order rows go, whether old rows
match the config)."""

from __future__ import annotations

import glob
import math
import os
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import GipError
from ..experiment import Case
from ..images import check_output as check_writable, write_atomic
from .config import Config

#: One sampler call; the output's key is UNIT + ("sample",).
UNIT = ("case", "label", "seed")


def check_output(output: str | os.PathLike, cfg: Config) -> Path:
    """The output path, or a :class:`gip.GipError`: not a .csv, no such folder, or one of the config's inputs."""
    out = Path(output)
    if out.suffix.lower() != ".csv":
        raise GipError(f"the output {out} must be a .csv file, e.g. -o study.csv")
    return check_writable(out, cfg.inputs())


def shard(out: Path, rank: int, world: int) -> Path:
    return out.with_name(f"{out.name}.part-{rank}-of-{world}")


def leftover_shards(out: Path) -> list[Path]:
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


def merge(tables: list[pd.DataFrame | None]) -> pd.DataFrame:
    tables = [t for t in tables if t is not None and len(t)]
    if not tables:
        return pd.DataFrame()
    df = pd.concat(tables, ignore_index=True)
    return df.drop_duplicates([*UNIT, "sample"], keep="first").reset_index(drop=True)


def units_of(df: pd.DataFrame) -> list[tuple[str, str, int]]:
    if not len(df):
        return []
    return [(str(c), str(lb), int(s)) for c, lb, s in zip(df["case"], df["label"], df["seed"])]


def order(df: pd.DataFrame, units: list[tuple[str, str, int]]) -> pd.DataFrame:
    """Rows in the one-process order (units, then samples as written); rows of other units at the end."""
    pos = {u: i for i, u in enumerate(units)}
    key = [pos.get(u, len(units)) for u in units_of(df)]
    return df.iloc[sorted(range(len(df)), key=lambda i: key[i])].reset_index(drop=True)


def write_csv(df: pd.DataFrame, path: Path) -> None:
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


def check_compatible(done: pd.DataFrame, cfg: Config, model: str, cases: list[Case], out: Path) -> None:
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
