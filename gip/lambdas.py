"""Lambda schedules: how strongly the diffused target is mixed in at each level (eq. 3).

A schedule is called as ``lam(t, T) -> float`` with ``t`` the level being formed (T-1 ... -1) and T the
number of inference steps; it depends on nothing else, so resampling revisits get the same value.
``tau = (t + 1) / T`` runs from 1 (pure noise) to 0 (clean).

``Linear(p)`` is the paper's schedule (our exact formula): ``lam_max * clip((tau - (1 - p)) / p, 0, 1)``:
the target dominates the first, coarse part of the trajectory and fades out after a fraction p of it.

**The time axis [ours]** (:class:`Axis`, :func:`level_taus`). The paper's p is a fraction of a 256x256
trajectory. A 32x32 image at signal-to-noise ratio SNR carries about what a 256x256 image carries at
SNR * (32/256)**2 (Hoogeboom et al. 2023, "simple diffusion"; Chen 2023, "On the importance of noise
scheduling for diffusion models"), so gip reads every parametric schedule at the tau of the *reference*
resolution's level of the same information: ``Axis("snr", reference=256)`` (the default). ``Axis("literal")``
is ``tau = (t + 1) / T`` at the model's own resolution; both coincide when the model is 256x256. Custom
callables ``(t, T) -> float`` always see the literal level.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Literal, Sequence, Union

import numpy as np

from .errors import GipError


def tau(t: int, T: int) -> float:
    """Position on the trajectory: 1 = pure noise (t = T-1), 0 = clean (t = -1)."""
    return (t + 1) / T


def _unit(name: str, value: float) -> float:
    if isinstance(value, bool) or not (isinstance(value, numbers.Real) and 0.0 <= value <= 1.0):
        raise GipError(f"{name} must be a number in [0, 1], got {value!r}")
    return float(value)


@dataclass(frozen=True)
class Constant:
    """``lam = value`` at every level (0 = RePaint, 1 = harmonised copy-paste)."""

    value: float = 0.0

    def __post_init__(self):
        _unit("lam", self.value)

    def at(self, tau: float) -> float:
        return self.value

    def __call__(self, t: int, T: int) -> float:
        return self.value


@dataclass(frozen=True)
class _Parametric:
    """A schedule with a shape parameter ``p`` and a maximum ``lam_max``, both in [0, 1]."""

    p: float
    lam_max: float = 1.0

    def __post_init__(self):
        _unit("p", self.p)
        _unit("lam_max", self.lam_max)

    def at(self, tau: float) -> float:
        """lambda at position ``tau`` of the trajectory (1 = pure noise, 0 = clean)."""
        raise NotImplementedError

    def __call__(self, t: int, T: int) -> float:
        """lambda of level ``t`` of ``T`` on the literal axis ``tau = (t + 1) / T``."""
        return self.at(tau(t, T))


@dataclass(frozen=True)
class Linear(_Parametric):
    """The paper's linear schedule: ``lam_max`` at tau = 1 falling linearly to 0 at tau = 1 - p
    (p = 1, gip's default: over the whole trajectory)."""

    p: float = 1.0

    def ramp(self, tau: float) -> float:
        if self.p == 0.0:
            return 0.0
        return min(max((tau - (1.0 - self.p)) / self.p, 0.0), 1.0)

    def at(self, tau: float) -> float:
        return self.lam_max * self.ramp(tau)


@dataclass(frozen=True)
class Cosine(Linear):
    """A smooth version of :class:`Linear`: ``lam_max * (1 - cos(pi * ramp)) / 2``."""

    def at(self, tau: float) -> float:
        return self.lam_max * 0.5 * (1.0 - math.cos(math.pi * self.ramp(tau)))


@dataclass(frozen=True)
class Step(_Parametric):
    """``lam_max`` for the first fraction p of the trajectory (tau > 1 - p), then 0."""

    p: float = 0.5

    def at(self, tau: float) -> float:
        return self.lam_max if tau > 1.0 - self.p else 0.0


@dataclass(frozen=True)
class Floor(_Parametric):
    """``lam = lam_max * (p + (1 - p) * tau)``: never below ``lam_max * p``, full strength at the start."""

    p: float = 0.5

    def at(self, tau: float) -> float:
        return self.lam_max * (self.p + (1.0 - self.p) * tau)


@dataclass(frozen=True)
class Function:
    """Any callable ``(t, T) -> float`` in [0, 1]."""

    fn: Callable[[int, int], float]

    def __call__(self, t: int, T: int) -> float:
        return float(self.fn(t, T))


LambdaLike = Union[None, float, int, Callable[[int, int], float]]

#: The parametric schedules by name (CLI ``--schedule``, the explorer's dropdown).
SCHEDULES = {"linear": Linear, "cosine": Cosine, "step": Step, "floor": Floor}
#: A schedule's parameters, which grids and sweeps vary beside the Settings fields (:func:`reshape`).
PARAMETERS = ("p", "lam_max")


def name_of(lam: Any, default: str = "linear") -> str:
    """The :data:`SCHEDULES` name of a parametric schedule (``Floor(p=0.3)`` -> ``"floor"``), ``"constant"`` for
    :class:`Constant`, else ``default`` (a custom callable has no name)."""
    if isinstance(lam, Constant):
        return "constant"
    return next((n for n, cls in SCHEDULES.items() if type(lam) is cls), default)


def by_name(name: str, p: float, lam_max: float = 1.0) -> Callable[[int, int], float]:
    """``by_name("floor", 0.3)`` -> ``Floor(p=0.3)``; ``"constant"`` gives ``Constant(lam_max)``."""
    return reshape(None, name, p, lam_max)


def reshape(lam: LambdaLike, name: str | None = None, p: float | None = None,
            lam_max: float | None = None) -> Callable[[int, int], float]:  # fmt: skip
    """``lam`` with its kind (``name``: a :data:`SCHEDULES` name or ``"constant"``) and parameters changed:
    the one place where a schedule name, p and lam_max become a schedule (CLI, explorer, grids, sweeps).

    What is not given is kept: ``lam``'s kind (a constant or custom callable given ``p`` becomes
    :class:`Linear`), its ``p`` while the kind stays (a new kind takes its class's default: ``Linear`` and
    ``Cosine`` 1.0, ``Step`` and ``Floor`` 0.5) and its ``lam_max`` (1.0 when it has none). ``"constant"``
    is ``Constant(lam_max)``, by default ``lam``'s value or lam_max. Nothing given: ``as_schedule(lam)``.

        reshape(Floor(p=0.3), p=0.6)               # Floor(p=0.6)
        reshape(Linear(p=0.75), "floor")           # Floor(p=0.5): a new kind, its own default p
        reshape(Linear(lam_max=0.8), "constant")   # Constant(0.8)
        reshape(Constant(0.3), p=0.5)              # Linear(p=0.5)
    """
    sched = as_schedule(lam)
    given = {k: v for k, v in (("p", p), ("lam_max", lam_max)) if v is not None}
    if name is None:
        if isinstance(sched, _Parametric):
            return dataclasses.replace(sched, **given)
        if not given:
            return sched
        name = "constant" if isinstance(sched, Constant) and p is None else "linear"
    if name == "constant":
        own = sched.value if isinstance(sched, Constant) else getattr(sched, "lam_max", 1.0)
        return Constant(own if lam_max is None else lam_max)
    if name not in SCHEDULES:
        raise GipError(f"unknown lambda schedule {name!r}: use one of {', '.join([*SCHEDULES, 'constant'])}")
    cls = SCHEDULES[name]
    keep = {"p": sched.p} if type(sched) is cls else {}
    keep["lam_max"] = getattr(sched, "lam_max", 1.0)
    return cls(**{**keep, **given})


def parameters(lam: LambdaLike) -> tuple[str, float, float]:
    """``(name, p, lam_max)`` of a schedule, as the CLI's and the explorer's controls show it: a parametric
    schedule's own; ``("constant", 1.0, value)`` for a constant; ``("linear", 1.0, 1.0)`` for a custom
    callable (:func:`reshape` turns them back into a schedule)."""
    sched = as_schedule(lam)
    if isinstance(sched, _Parametric):
        return name_of(sched), sched.p, sched.lam_max
    if isinstance(sched, Constant):
        return "constant", Linear.p, sched.value
    return "linear", Linear.p, 1.0


def as_schedule(lam: LambdaLike) -> Callable[[int, int], float]:
    """None -> Constant(0); a number -> Constant; a gip schedule stays; any other callable -> Function."""
    if lam is None:
        return Constant(0.0)
    if isinstance(lam, bool):
        raise GipError("lam must be a number in [0, 1] or a schedule such as gip.lambdas.Linear(p=0.75)")
    if isinstance(lam, type):
        raise GipError(f"lam is the class {lam.__name__}: pass an instance, e.g. gip.lambdas.{lam.__name__}(p=0.75)")
    if isinstance(lam, numbers.Real):
        return Constant(_unit("lam", lam))
    if isinstance(lam, (Constant, _Parametric, Function)):
        return lam
    if callable(lam):
        return Function(lam)
    raise GipError(f"lam must be a number in [0, 1] or a callable (t, T) -> float, got {type(lam).__name__}")


#: The time axes a schedule can be read on (:class:`Axis`): resolution-matched by SNR, or literal.
AXES = ("snr", "literal")


@dataclass(frozen=True)
class Axis:
    """The time axis schedules are read on: ``"snr"`` (matched to ``reference`` px by SNR) or ``"literal"``."""

    kind: Literal["snr", "literal"] = "snr"
    reference: int = 256

    def __post_init__(self):
        if self.kind not in AXES:
            raise GipError(f"lam_axis must be 'snr' (resolution-matched) or 'literal', got {self.kind!r}")
        if isinstance(self.reference, bool) or not isinstance(self.reference, numbers.Integral) or self.reference < 1:
            raise GipError(f"lam_reference must be a resolution in pixels >= 1, got {self.reference!r}")


def level_taus(T: int, alphas_cumprod: Sequence[float], resolution: int, axis: Axis = Axis(),
               timesteps: Sequence[int] | None = None) -> list[float]:  # fmt: skip
    """``tau`` of every level t = -1 .. T-1 (indexed by t + 1) on ``axis``; 0 = clean, 1 = pure noise.

    Literal: ``(t + 1) / T``. SNR-matched: level t sits at training step k = t * (N // T) with
    ``SNR = abar_k / (1 - abar_k)``; find the (fractional) step k' with ``SNR(k') = SNR * (resolution /
    reference)**2`` by interpolating log SNR, and return ``(k' / stride + 1) / T`` clipped to [1/T, 1]
    (the same formula as the literal axis, at the matched step). Equal to the literal axis when
    ``resolution == reference``. ``timesteps`` (a non-uniform time grid, :func:`gip.schedule.grid_timesteps`):
    level t sits at ``timesteps[t]`` and ``tau = k' / N + 1 / T``, so lambda follows the noise level, not
    the level's index (on the literal axis ``k' = k``).
    """
    acp = np.asarray(alphas_cumprod, dtype=np.float64)
    n = len(acp)
    stride = n // T
    literal = [(t + 1) / T for t in range(-1, T)]
    same = axis.kind == "literal" or resolution == axis.reference
    if same and timesteps is None:
        return literal
    log_snr = np.log(acp) - np.log1p(-acp)  # decreasing in k
    shift = 0.0 if same else 2.0 * math.log(resolution / axis.reference)
    ks = [t * stride for t in range(T)] if timesteps is None else list(timesteps)
    taus = [0.0]
    for k0 in ks:
        k = float(np.interp(-(log_snr[k0] + shift), -log_snr, np.arange(n)))  # np.interp needs increasing x
        tau = (k / stride + 1.0) / T if timesteps is None else k / n + 1.0 / T
        taus.append(min(max(tau, 1.0 / T), 1.0))
    return taus


def per_level(lam: LambdaLike, T: int, alphas_cumprod: Sequence[float], resolution: int, axis: Axis = Axis(),
              timesteps: Sequence[int] | None = None) -> list[float]:  # fmt: skip
    """lambda of every level t = -1 .. T-1 (indexed by ``t + 1``) for a model with ``alphas_cumprod`` at
    ``resolution`` px: the schedule read on ``axis`` (:func:`level_taus`, :func:`values`; ``timesteps`` for a
    non-uniform time grid). The one place where a schedule becomes numbers; :meth:`gip.Settings.lam_levels`
    calls it with a model."""
    return values(lam, T, level_taus(T, alphas_cumprod, resolution, axis, timesteps))


def values(lam: LambdaLike, T: int, taus: Sequence[float] | None = None) -> list[float]:
    """``[lambda of level t for t in -1 .. T-1]`` indexed by ``t + 1``; checks every value lies in [0, 1].

    ``taus`` (from :func:`level_taus`) places the levels on a time axis for gip's parametric schedules;
    default (None) the literal axis. Custom callables are always called as ``lam(t, T)``.
    """
    sched = as_schedule(lam)
    if taus is not None and len(taus) != T + 1:
        raise GipError(f"taus has {len(taus)} entries, need T + 1 = {T + 1}")
    on_axis = taus is not None and isinstance(sched, (Constant, _Parametric))
    out = []
    for t in range(-1, T):
        raw = sched.at(taus[t + 1]) if on_axis else sched(t, T)
        try:
            v = float(raw)
        except (TypeError, ValueError):
            raise GipError(f"lam({t}, {T}) returned {raw!r}: a lambda schedule must return a number") from None
        if not 0.0 <= v <= 1.0:  # also rejects NaN
            raise GipError(f"lam({t}, {T}) = {raw!r} is outside [0, 1]: a lambda schedule must stay in [0, 1]")
        out.append(v)
    if max(out[:-1]) == 0.0 and sched != Constant(0.0):  # the sampler forms levels T-2 .. -1
        warnings.warn(
            f"{sched!r} is 0 at every level of T={T} steps: this run is plain RePaint (the target does nothing). "
            "Raise p, or use more steps.",
            stacklevel=3,
        )
    return out
