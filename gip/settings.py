"""The sampler's settings: one frozen object, validated once, shared by the API, the CLI, the explorer and
the experiment runner.

    s = gip.Settings(lam=gip.lambdas.Linear(p=1.0), buffer=2)        # the paper's schedule, a buffer
    s.replace(steps=100)                                             # a new Settings, validated again
    gip.inpaint(scene, target, mask, settings=s, seed=1)             # or gip.inpaint(..., steps=100)
    s.row()                                                          # flat columns for a DataFrame row

Per-run arguments (seed, number of samples, device, recording, progress) are not settings: they are
arguments of :func:`gip.inpaint`.
"""

from __future__ import annotations

import dataclasses
import numbers
from dataclasses import dataclass
from typing import Any, Literal

from . import lambdas as lambdas_mod
from . import masks
from .errors import GipError
from .schedule import GRIDS, count_model_calls, grid_timesteps
from .steps import SAMPLERS as _STEPS

#: The samplers of :attr:`Settings.sampler`, by name (one step function each: :mod:`gip.steps`).
SAMPLERS = tuple(_STEPS)


#: The mixes of eq. 3 (:attr:`Settings.mix`): the paper's on noised images, or variance-preserving.
MIXES = ("noisy", "x0")


def _whole(name: str, v: Any, low: int) -> int:
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < low:
        raise GipError(f"{name} must be a whole number >= {low}, got {v!r}")
    return int(v)


def _opt(default: Any, help: str, label: str, *, choices: tuple | None = None, slider: tuple | None = None,
         guided: bool = False) -> Any:  # fmt: skip
    """A :class:`Settings` field and how the CLI, the live explorer and the sweeps offer it (:data:`OPTIONS`):
    ``help`` (its ``{default}`` is filled in), the explorer's ``label``, the allowed ``choices``, the
    explorer's ``slider`` range ``(min, max, step)``, and ``guided``: it only matters with a target."""
    meta = {"help": help, "label": label, "choices": choices, "slider": slider, "guided": guided}
    return dataclasses.field(default=default, metadata=meta)


@dataclass(frozen=True)
class Settings:
    """Every setting of one guided-inpainting run (the method: the book, chapters 2-6, and :mod:`gip.sampler`).

    Attributes:
        steps, jump_length, jump_n_sample: RePaint's T, j, r (model calls: :attr:`model_calls`).
        lam: the lambda schedule (a number, ``gip.lambdas.Linear(p)`` and friends, or ``(t, T) -> float``);
            0 = RePaint. Coerced with :func:`gip.lambdas.as_schedule`. Default: ``Floor(p=0.3)`` (λ falls from
            1 to 0.3, never below [ours]), read on the resolution-matched axis; the paper's linear schedule is
            ``Linear(p=1.0)``.
        lam_axis, lam_reference: where the schedule is read: ``"snr"`` (the level of a ``lam_reference`` px
            model with the same information, gip's default) or ``"literal"`` (``tau = (t + 1) / T``).
        heat: the heated mask (``True``/a metric name/``gip.masks.Heat``/an (H, W) map; False = none).
        matte: ``"auto"``: the target is weighted per pixel by its matte (how much each pixel is object, not
            the target's own background: :mod:`gip.matte`), and the fill shrinks to the object's support
            [ours, beyond the paper]; ``"off"``: the paper's ``Lambda = lam H`` over the whole fill.
        buffer, buffer_metric: the scene-buffer width b in pixels (0 = none) and its distance.
        mix: ``"noisy"`` (the paper's eq. 3 on noised images) or ``"x0"`` (variance-preserving).
        eta: 1 = DDPM posterior sampling, 0 = deterministic DDIM-style steps.
        sampler: how the known pixels enter a down-step (:mod:`gip.steps`, one step function each):
            ``"repaint"`` (noised scene and target pasted, the paper's; default), ``"ddim"`` (the same paste
            along DDIM's deterministic forward path; use with ``eta=0``) or ``"projection"`` (scene and target
            written into the model's clean estimate x0_hat, then one DDIM/DDPM step from it: few model
            calls) [ours].
        time_grid: where the T levels sit among the training timesteps: ``"uniform"`` (RePaint's, default)
            or ``"power"`` (dense at low noise, :func:`gip.schedule.grid_timesteps`) [ours]; lambda follows
            each level's noise level.

    The defaults were decided on the known-answer benchmark (:mod:`gip.benchmark`, the model card): with the
    matte, the paper's heated mask and scene buffer made every target kind worse, so both are off; with the
    matte, ``Floor(0.3)`` kept more objects than the paper's ``Linear(1)`` and came closer to the answer on
    six of the seven target kinds. ``Settings.paper()`` = ``Settings(lam=Linear(1.0), matte="off", heat=True, buffer=2)`` is the
    paper's configuration (gip's earlier defaults).

    Every field carries its help text, choices and slider range (:func:`_opt`): the CLI's options
    (``gip inpaint --help``), the explorer's controls (:func:`gip.widgets.explorer`) and the sweeps' keys
    are made from them (:data:`OPTIONS`), so a new field appears in all three.
    """

    steps: int = _opt(50, "inference steps T", "steps T", slider=(10, 250, 10))
    jump_length: int = _opt(5, "RePaint jump length j", "jump length j", slider=(1, 20, 1))
    jump_n_sample: int = _opt(2, "RePaint resamples r (default {default}; 1 = no resampling)", "resamples r",
                              slider=(1, 10, 1))  # fmt: skip
    lam: Any = _opt(lambdas_mod.Floor(p=0.3), "the lambda schedule (default Floor(0.3): lambda never below 0.3, "
                    "chosen on the benchmark; the paper's: --schedule linear --p 1)", "lambda schedule",
                    guided=True)  # fmt: skip
    lam_axis: Literal["snr", "literal"] = _opt(
        "snr", "read the schedule on the resolution-matched (snr) or literal time axis", "lambda axis",
        choices=lambdas_mod.AXES, guided=True)  # fmt: skip
    lam_reference: int = _opt(256, "the resolution in pixels that the snr axis matches the schedule's p to",
                              "lambda reference", slider=(32, 1024, 32), guided=True)  # fmt: skip
    heat: Any = _opt(False, "the heated mask (the paper's; off by default: measured no help with the matte)",
                     "heated mask", guided=True)  # fmt: skip
    matte: str = _opt("auto", "weight the target by its matte, how much each pixel is object (gip.matte): auto = "
                      "from an object mask, the target's alpha or estimated; off = the paper's", "matte",
                      choices=("auto", "off"), guided=True)  # fmt: skip
    buffer: int = _opt(0, "scene-buffer width in pixels (the paper's; 0 by default: measured no help with the matte)",
                       "buffer b", slider=(0, 6, 1))  # fmt: skip
    buffer_metric: masks.Metric = _opt("chessboard", "the scene buffer's distance", "buffer metric",
                                       choices=masks.METRICS)  # fmt: skip
    mix: Literal["noisy", "x0"] = _opt("noisy", "noisy (paper) or x0 (variance-preserving)", "mix", choices=MIXES,
                                       guided=True)  # fmt: skip
    eta: float = _opt(1.0, "1 = DDPM, 0 = deterministic", "eta", slider=(0.0, 1.0, 0.1))
    sampler: str = _opt("repaint", "how the known pixels enter a down-step, one step function each (gip.steps): "
                        "repaint = the paper's", "sampler", choices=SAMPLERS)  # fmt: skip
    time_grid: str = _opt("uniform", "where the T levels sit in time: uniform (RePaint's) or power (dense at low "
                          "noise: few-call runs, e.g. --sampler projection --steps 6)", "time grid",
                          choices=GRIDS)  # fmt: skip

    def __post_init__(self):
        steps = _whole("steps", self.steps, 1)
        r = _whole("jump_n_sample", self.jump_n_sample, 1)
        j = _whole("jump_length", self.jump_length, 1)
        if r > 1 and j >= steps:
            raise GipError(f"jump_length must be between 1 and steps - 1 = {steps - 1} when jump_n_sample > 1, got {j}")
        buffer = _whole("buffer", self.buffer, 0)
        if self.buffer_metric not in masks.METRICS:
            raise GipError(f"unknown buffer metric {self.buffer_metric!r}: use one of {', '.join(masks.METRICS)}")
        if self.mix not in MIXES:
            raise GipError(f"mix must be 'noisy' (the paper's) or 'x0' (variance-preserving), got {self.mix!r}")
        if isinstance(self.eta, bool) or not isinstance(self.eta, numbers.Real) or not 0.0 <= self.eta <= 1.0:
            raise GipError(f"eta must be in [0, 1] (1 = DDPM, 0 = deterministic), got {self.eta!r}")
        if self.sampler not in SAMPLERS:
            raise GipError(f"unknown sampler {self.sampler!r}: use one of {', '.join(map(repr, SAMPLERS))} "
                           "('repaint' = the paper's, 'ddim' = deterministic steps, 'projection' = few model calls)")
        lambdas_mod.Axis(self.lam_axis, self.lam_reference)  # validates both
        for f in dataclasses.fields(self):  # any other field with choices (those above have their own message)
            if f.metadata["choices"] is not None and getattr(self, f.name) not in f.metadata["choices"]:
                raise GipError(f"{f.name} must be one of {', '.join(map(repr, f.metadata['choices']))}, "
                               f"got {getattr(self, f.name)!r}")  # fmt: skip
        for name, value in (("steps", steps), ("jump_n_sample", r), ("jump_length", j), ("buffer", buffer),
                            ("lam", lambdas_mod.as_schedule(self.lam)), ("heat", masks.as_heat(self.heat)),
                            ("eta", float(self.eta))):  # fmt: skip
            object.__setattr__(self, name, value)

    @classmethod
    def paper(cls, **changes: Any) -> "Settings":
        """The paper's configuration as gip reads it, with ``changes``: the linear schedule with p = 1, the
        heated mask, a 2-px scene buffer, no matte (gip's defaults before the known-answer benchmark)."""
        return cls(**{"lam": lambdas_mod.Linear(p=1.0), "matte": "off", "heat": True, "buffer": 2, **changes})

    @property
    def axis(self) -> lambdas_mod.Axis:
        return lambdas_mod.Axis(self.lam_axis, self.lam_reference)

    @property
    def model_calls(self) -> int:
        """UNet evaluations of one run (the down-steps of the jump schedule)."""
        return count_model_calls(self.steps, self.jump_length, self.jump_n_sample)

    def lam_levels(self, model) -> list[float]:
        """lambda of every level t = -1 .. T-1 (indexed by ``t + 1``) on this run's time axis, for ``model``
        (a :class:`gip.Model`: its noise schedule and resolution place the levels): :func:`gip.lambdas.per_level`."""
        acp = model.scheduler.alphas_cumprod
        ks = None if self.time_grid == "uniform" else grid_timesteps(len(acp), self.steps, self.time_grid)
        return lambdas_mod.per_level(self.lam, self.steps, acp, model.resolution, self.axis, ks)

    def replace(self, **changes: Any) -> "Settings":
        """A copy with ``changes`` applied (and validated); unknown names are an error."""
        unknown = sorted(set(changes) - set(FIELDS))
        if unknown:
            raise GipError(f"unknown setting {', '.join(map(repr, unknown))}: settings are {', '.join(FIELDS)}")
        return dataclasses.replace(self, **changes)

    def row(self) -> dict[str, Any]:
        """Flat, table-friendly columns: every field (schedules and heat as short text, plus ``p`` and
        ``lam_max``), and ``model_calls``."""
        lam = self.lam
        d = {f: getattr(self, f) for f in FIELDS}
        d["lam"] = describe(lam)
        d["p"] = getattr(lam, "p", None)
        d["lam_max"] = getattr(lam, "lam_max", getattr(lam, "value", None))
        d["heat"] = describe(self.heat)
        d["model_calls"] = self.model_calls
        return d


FIELDS = tuple(f.name for f in dataclasses.fields(Settings))


@dataclass(frozen=True)
class Option:
    """One :class:`Settings` field as the CLI, the live explorer and the sweeps offer it (its metadata)."""

    name: str
    default: Any  # the field's default, as written in the class (before coercion)
    help: str
    label: str
    choices: tuple | None
    slider: tuple | None  # (min, max, step) of the explorer's slider
    guided: bool  # only matters with a target

    @property
    def flag(self) -> str:
        """The command-line option: ``--jump-length``."""
        return "--" + self.name.replace("_", "-")

    def help_text(self, default: Any) -> str:
        """The help with ``default`` filled in (appended as ``(default ...)`` where the help has no place)."""
        text = f"{default:g}" if isinstance(default, float) else str(default)
        return self.help.format(default=text) if "{default}" in self.help else f"{self.help} (default {text})"


#: Every field's :class:`Option`, in field order.
OPTIONS = {f.name: Option(f.name, f.default, **f.metadata) for f in dataclasses.fields(Settings)}


def describe(value: Any) -> str:
    """Short text for a schedule or heat recipe: ``linear(p=0.75)``, ``floor(p=0.3, lam_max=0.5)``,
    ``constant(1.0)``, ``chessboard``, ``off``, ``custom``."""
    if value is None:
        return "off"
    if isinstance(value, masks.Heat):
        extra = [f"exponent={value.exponent:g}"] if value.exponent != 1 else []
        extra += [f"ramp={value.ramp:g}"] if value.ramp is not None else []
        return value.metric + (f"({', '.join(extra)})" if extra else "")
    if isinstance(value, lambdas_mod.Constant):
        return f"constant({value.value:g})"
    if isinstance(value, lambdas_mod._Parametric):
        name = lambdas_mod.name_of(value, default=type(value).__name__.lower())
        lm = f", lam_max={value.lam_max:g}" if value.lam_max != 1 else ""
        return f"{name}(p={value.p:g}{lm})"
    return "custom"


def resolve(settings: Settings | None, overrides: dict[str, Any]) -> Settings:
    """``settings`` (default: ``Settings()``) with keyword ``overrides`` applied; one validation."""
    base = Settings() if settings is None else settings
    if not isinstance(base, Settings):
        raise GipError(f"settings must be a gip.Settings, got {type(base).__name__}: use gip.Settings(...)")
    return base.replace(**overrides) if overrides else base
