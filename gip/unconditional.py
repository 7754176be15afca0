"""Unconditional DDPM sampling: the plain reverse loop (no mask, no jumps), for the DDPM chapter."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from .diffusion import reverse_step
from .errors import GipError
from .images import to_pil
from .models import Model
from .recorder import Recorder, Trajectory
from .sampler import Step
from .schedule import NoiseTables


@dataclass
class SampleResult:
    """``tensor`` (N, 3, H, W) float32 in [-1, 1] on the CPU; ``trajectory`` if recorded."""

    tensor: torch.Tensor
    trajectory: Trajectory | None
    model_calls: int
    seconds: float

    @property
    def images(self):
        return to_pil(self.tensor)


def sample(
    model: Model,
    n: int = 1,
    steps: int = 50,
    seed: int = 0,
    record: bool | int = False,
    eta: float = 1.0,
    progress: bool = False,
) -> SampleResult:
    """Draw ``n`` images from noise with ``steps`` DDPM reverse steps (levels T-1 ... 0 -> clean).

    ``record`` (True or a stride) keeps a :class:`gip.Trajectory` whose parts are ``x_t``, ``x0`` (the
    prediction x0_hat); its fill region is the whole image.
    """
    if not isinstance(steps, (int, np.integer)) or steps < 1:
        raise GipError(f"steps must be a whole number >= 1, got {steps!r}")
    if n < 1:
        raise GipError(f"n must be >= 1, got {n}")
    if record is not False and record is not True and (not isinstance(record, int) or record < 1):
        raise GipError(f"record must be True, False or a stride >= 1, got {record!r}")
    tables = NoiseTables.from_scheduler(model.scheduler, steps)
    dev, udtype, res = model.device, model.dtype, model.resolution
    gen = torch.Generator(device=dev).manual_seed(int(seed))
    rec = None if record is False else Recorder(1 if record is True else int(record))
    x = torch.randn((n, 3, res, res), generator=gen, device=dev)
    timesteps = torch.arange(steps, device=dev) * tables.stride  # built once: no host->device copy per step
    t0 = time.perf_counter()
    with torch.inference_mode():
        for i, a in enumerate(tqdm(range(steps - 1, -1, -1), desc="sample", disable=not progress, leave=False)):
            eps = model.unet(x.to(udtype), timesteps[a]).sample.float()
            x, x0 = reverse_step(x, eps, tables.abar_at(a), tables.abar_at(a - 1), eta, gen)
            if rec is not None:
                rec(Step(i, steps, a - 1, True, 0.0, x, x0))
    seconds = time.perf_counter() - t0
    traj = None
    if rec is not None:
        ones = np.ones((res, res), bool)
        traj = rec.finish(steps, list(range(steps - 1, -1, -1)), ones.astype(np.float32), ones, ~ones)
    return SampleResult(x.to("cpu", torch.float32), traj, steps, seconds)
