"""The sweep config language: a TOML file (or the same as a dict) -> a validated :class:`Config`
(the format: ``help(gip.sweep)``). Every problem is a :class:`gip.GipError` naming the section, the key and
the fix."""

from __future__ import annotations

import difflib
import numbers
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from .. import lambdas
from ..errors import GipError
from ..experiment import Case, grid
from ..settings import FIELDS, Settings

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

SECTIONS = ("settings", "grid", "run")
#: The keys of [settings] and [grid]: every gip.Settings field, and the schedule's parameters.
SETTING_KEYS = (*FIELDS, *lambdas.PARAMETERS)
RUN_KEYS = ("seeds", "samples", "model", "cases", "resize")
CASE_KEYS = ("name", "scene", "target", "mask")


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
        from .. import assets

        return [assets.insertion_case(p, resolution) for p in assets.insertion_pairs()[: self.cases]]

    def inputs(self) -> list[Path]:
        """The files the sweep reads (never overwritten)."""
        files = [self.path] if self.path else []
        if isinstance(self.cases, list):
            files += [c[k] for c in self.cases for k in ("scene", "target", "mask") if k in c]
        return files


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


def _lam(lam: Any, value: Any, shape: dict[str, float], where: str) -> Any:
    """A schedule name -> ``lam`` reshaped to it (:func:`gip.lambdas.reshape`, with [settings]' ``p`` and
    ``lam_max`` in ``shape``); anything else is left to gip.Settings to validate."""
    if not isinstance(value, str):
        return value
    try:
        return lambdas.reshape(lam, value, **shape)
    except GipError as e:
        raise _fail(where, f"lam: {e}") from None


def _base_settings(table: Any, where: str) -> tuple[Settings, dict[str, float]]:
    """[settings] -> the base Settings, and its explicit ``p`` / ``lam_max`` (the grid's names take them too)."""
    if not isinstance(table, dict):
        raise _fail(where, "must be a table of gip.Settings fields, e.g. [settings] steps = 50")
    _check_keys(table, SETTING_KEYS, where, "setting")
    for k, v in table.items():
        _scalar(k, v, where)
    kw = dict(table)
    shape = {k: kw.pop(k) for k in lambdas.PARAMETERS if k in kw}
    lam = _lam(Settings().lam, kw.get("lam", Settings().lam), shape, where)
    try:
        kw["lam"] = lambdas.reshape(lam, **shape) if shape else lam
        return Settings().replace(**kw), shape
    except GipError as e:
        raise _fail(where, str(e)) from None


def _grid(table: Any, base: Settings, shape: dict[str, float], where: str) -> dict[str, Settings]:
    if not isinstance(table, dict):
        raise _fail(where, "must be a table of settings to vary, e.g. [grid] p = [0.25, 0.5]")
    _check_keys(table, SETTING_KEYS, where, "setting")
    if not table:
        return {"base": base}
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
        axes[key] = [_lam(base.lam, v, shape, where) for v in values] if key == "lam" else values
    try:
        return grid(base, **axes)
    except GipError as e:
        raise _fail(where, str(e)) from None


def _whole(value: Any, low: int) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= low


def _cases(value: Any, where: str, folder: Path) -> int | list[dict] | None:
    from .. import assets

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
        data = _read_toml(path)
    _check_keys(data, SECTIONS, name, "section")
    base, shape = _base_settings(data.get("settings", {}), f"{name} [settings]")
    settings = _grid(data.get("grid", {}), base, shape, f"{name} [grid]")
    run_kw = _run_section(data.get("run", {}), f"{name} [run]", folder)
    return Config(settings=settings, path=path.resolve() if path else None, **run_kw)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GipError(f"config file {path} not found: give the path of a .toml sweep config") from None
    except (IsADirectoryError, UnicodeDecodeError) as e:
        raise GipError(f"cannot read the config {path} ({e}): give a .toml text file") from None
    except tomllib.TOMLDecodeError as e:
        raise GipError(f"{path} is not valid TOML ({e}): fix the syntax (sections [settings], [grid], [run])") from None
