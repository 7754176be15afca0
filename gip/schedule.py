"""Time: the RePaint jump schedule and the respaced noise tables.

Levels. With T inference steps, level ``i`` (0 <= i < T) is training timestep ``k_i = i * (1000 // T)``
(diffusers' RePaintScheduler convention), with ``abar'_i = abar_{k_i}``; level -1 is the clean image
(``abar'_{-1} = 1``). The sampler starts from pure noise at level T-1 and ends at level -1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch

from .errors import GipError


def jump_schedule(steps: int, jump_length: int = 10, jump_n_sample: int = 10) -> list[int]:
    """RePaint's time schedule: the list of levels, as in ``RePaintScheduler.set_timesteps(T, j, r)``.

    Equals diffusers' ``scheduler.timesteps // (1000 // T)``. An entry lower than its predecessor (the
    first entry counts as lower than T) is a down-step: the model is called at that level and the image
    moves one level down. An entry higher than its predecessor is an up-step: the image is re-noised one
    level up. (T, j, r) = (250, 10, 10) gives 4570 entries, 2410 of them down-steps.
    """
    if steps < 1:
        raise GipError(f"steps must be >= 1, got {steps}")
    if jump_length < 1 or jump_n_sample < 1:
        raise GipError(f"jump_length and jump_n_sample must be >= 1, got {jump_length}, {jump_n_sample}")
    jumps = {p: jump_n_sample - 1 for p in range(0, steps - jump_length, jump_length)}
    t, ts = steps, []
    while t >= 1:
        t -= 1
        ts.append(t)
        if jumps.get(t, 0) > 0:
            jumps[t] -= 1
            for _ in range(jump_length):
                t += 1
                ts.append(t)
    return ts


class Move(NamedTuple):
    """One schedule entry as a move between levels: ``down`` (model call) or up (re-noise)."""

    down: bool
    src: int  # level before the move
    dst: int  # level after the move (-1 = clean)


def moves(schedule: list[int], steps: int) -> list[Move]:
    """Turn a :func:`jump_schedule` into moves. Down entry t: t -> t-1; up entry t: t-2 -> t-1."""
    out, prev = [], steps
    for t in schedule:
        down = t < prev
        out.append(Move(down, t if down else t - 2, t - 1))
        prev = t
    return out


def count_model_calls(steps: int, jump_length: int = 10, jump_n_sample: int = 10) -> int:
    """Number of down-steps (UNet evaluations) of a schedule."""
    return sum(m.down for m in moves(jump_schedule(steps, jump_length, jump_n_sample), steps))


#: The time grids of :attr:`gip.Settings.time_grid`: where the T levels sit among the training timesteps.
GRIDS = ("uniform", "power")


def grid_timesteps(n_train: int, steps: int, grid: str = "uniform") -> tuple[int, ...]:
    """The training timestep of each of ``steps`` levels, ascending (level 0 is the least noisy).

    ``"uniform"`` (RePaint's and gip's default): ``k_i = i * (N // T)``. ``"power"`` [ours]:
    ``k_i = round((N - 1) ((i + 1) / T)^3)``, dense at low noise (each k at least one above the last), so the
    last model calls clean up a nearly finished image: with few calls (the ``"projection"`` sampler) it
    reaches the uniform grid's quality with about half the calls (benchmarks/fast_sampler.md).
    """
    if grid == "uniform":
        stride = n_train // steps
        return tuple(i * stride for i in range(steps))
    if grid != "power":
        raise GipError(f"time_grid must be one of {', '.join(map(repr, GRIDS))}, got {grid!r}")
    ks: list[int] = []
    for i in range(steps):
        k = round((n_train - 1) * ((i + 1) / steps) ** 3)
        ks.append(max(k, ks[-1] + 1) if ks else k)
    if ks[-1] > n_train - 1:  # only when steps is near n_train: fall back to every step
        return tuple(range(n_train - steps, n_train))
    return tuple(ks)


@dataclass(frozen=True)
class NoiseTables:
    """Respaced noise levels for T inference steps, from a checkpoint's training ``alphas_cumprod``.

    ``abar[i]`` is level i's cumulative alpha (float64, length T); ``abar_at(-1) == 1``.
    """

    abar: tuple[float, ...]
    stride: int  # training timesteps per level on the uniform grid (N // T)
    timesteps: tuple[int, ...]  # the training timestep of each level (ascending)

    @classmethod
    def from_scheduler(cls, scheduler, steps: int, grid: str = "uniform") -> "NoiseTables":
        """Build from a diffusers scheduler (``DDPMScheduler``) or anything with ``alphas_cumprod``."""
        acp = torch.as_tensor(scheduler.alphas_cumprod, dtype=torch.float64)
        return cls.from_alphas_cumprod(acp, steps, grid)

    @classmethod
    def from_alphas_cumprod(cls, alphas_cumprod: torch.Tensor, steps: int, grid: str = "uniform") -> "NoiseTables":
        """The levels of ``steps`` inference steps on the time ``grid`` (:func:`grid_timesteps`)."""
        n_train = len(alphas_cumprod)
        if not 1 <= steps <= n_train:
            raise GipError(f"steps must be between 1 and the model's {n_train} training steps, got {steps}")
        ks = grid_timesteps(n_train, steps, grid)
        acp = torch.as_tensor(alphas_cumprod, dtype=torch.float64)
        return cls(tuple(acp[k].item() for k in ks), n_train // steps, ks)

    @property
    def steps(self) -> int:
        return len(self.abar)

    def abar_at(self, level: int) -> float:
        return 1.0 if level < 0 else self.abar[level]

    def timestep(self, level: int) -> int:
        """The training timestep the model is conditioned on at ``level``."""
        return self.timesteps[level]

    def beta(self, level: int) -> float:
        """Respaced ``beta'_i = 1 - abar'_i / abar'_{i-1}`` (re-noising from level i-1 to i)."""
        return 1.0 - self.abar_at(level) / self.abar_at(level - 1)

    def posterior_variance(self, level: int) -> float:
        """``beta~`` of the move level -> level-1: ``(1 - abar'_{i-1}) / (1 - abar'_i) * beta'_i``."""
        return (1.0 - self.abar_at(level - 1)) / (1.0 - self.abar_at(level)) * self.beta(level)
