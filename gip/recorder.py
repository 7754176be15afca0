"""Recording a sampler run: every (or every ``stride``-th) schedule entry, on the CPU, in a small dtype.

A (T, j, r) = (250, 10, 10) run has 4,570 entries; at 256x256 one fp16 frame of one part is 384 KB, so
keep ``stride`` large there. At 32x32 every entry of every part costs about 120 MB in fp16.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from .images import to_uint8

PARTS = ("x_t", "x0", "known", "target", "generated")


@dataclass
class Trajectory:
    """A recorded run. Frame tensors are (S, N, 3, H, W) in ``dtype`` on the CPU, S = recorded entries.

    ``x_t`` is the image after the entry; ``x0`` the model's prediction x0_hat at the last down-step; the
    composite parts ``known`` (noised scene), ``target`` (noised target; None in RePaint mode) and
    ``generated`` (the model's reverse step) are those of the last down-step (carried over up-steps).
    ``lam[s]`` is the scalar lambda of the level formed; :meth:`lambda_map` gives ``Lambda = lam * H``.
    """

    steps: int
    schedule: list[int]
    heat: torch.Tensor  # (H, W) float32, the heat map H (or the fill mask when heat is off)
    fill: torch.Tensor  # (H, W) bool, fill region
    keep: torch.Tensor  # (H, W) bool, enforced keep region K_b
    index: list[int] = field(default_factory=list)  # position in the schedule
    level: list[int] = field(default_factory=list)  # level after the entry (-1 = clean)
    down: list[bool] = field(default_factory=list)
    lam: list[float] = field(default_factory=list)
    frames: dict[str, torch.Tensor | None] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.index)

    def __getattr__(self, name: str):
        frames = self.__dict__.get("frames", {})
        if name in PARTS:
            return frames.get(name)
        raise AttributeError(name)

    def lambda_map(self, s: int) -> torch.Tensor:
        """``Lambda = lam * H`` (H, W) for recorded frame ``s``."""
        return self.lam[s] * self.heat

    def images(self, part: str = "x_t", sample: int = 0) -> np.ndarray:
        """(S, H, W, 3) uint8 frames of one part (values clipped to [-1, 1])."""
        t = self.frames[part]
        if t is None:
            raise KeyError(f"part {part!r} was not recorded (RePaint mode has no target)")
        return to_uint8(t[:, sample])


class Recorder:
    """A step callback (see :func:`gip.inpaint`) that collects frames on the CPU in ``dtype``.

    Keeps every ``stride``-th schedule entry plus the last one. The parts of a down-step (x0, known, target,
    generated) carry over the up-steps that follow it.
    """

    def __init__(self, stride: int = 1, dtype: torch.dtype = torch.float16):
        if stride < 1:
            raise ValueError(f"record stride must be >= 1, got {stride}")
        self.stride, self.dtype = stride, dtype
        self._buf: dict[str, list[torch.Tensor]] = {p: [] for p in PARTS}
        self._last: dict[str, torch.Tensor | None] = {p: None for p in PARTS}
        self.meta: dict[str, list] = {"index": [], "level": [], "down": [], "lam": []}

    def __call__(self, step) -> None:
        """Take one :class:`gip.sampler.Step`."""
        if step.down:
            self._last.update(x0=step.x0, known=step.known, target=step.target, generated=step.generated)
        if step.index % self.stride and step.index != step.total - 1:
            return
        self._last["x_t"] = step.x
        for p in PARTS:
            if self._last[p] is not None:
                self._buf[p].append(self._last[p].detach().to("cpu", self.dtype))
        for k, v in zip(("index", "level", "down", "lam"), (step.index, step.level, step.down, step.lam)):
            self.meta[k].append(v)

    def finish(self, steps: int, schedule: list[int], heat, fill, keep) -> Trajectory:
        frames = {p: (torch.stack(b) if b else None) for p, b in self._buf.items()}
        return Trajectory(
            steps=steps,
            schedule=list(schedule),
            heat=torch.as_tensor(heat, dtype=torch.float32),
            fill=torch.as_tensor(fill),
            keep=torch.as_tensor(keep),
            frames=frames,
            **self.meta,
        )
