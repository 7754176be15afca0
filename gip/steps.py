"""One function per sampler: how the known pixels (scene and target) enter one down-step a -> b = a - 1.

Every step function has the same signature, ``step(run, x, eps, a, b, L) -> Down``: ``run`` is the
:class:`Run` (the inputs on the device, the noise tables and random streams), ``x`` the image at level a,
``eps`` the model's noise prediction there, and ``L`` the pixel-wise weight of the target at level b,
``Lambda_b = lambda(b) * W`` (W the heat map times the target's matte; a tensor), or the number 0.0 where
the target plays no part. :func:`gip.inpaint` calls the model and then the step of
``Settings.sampler``; up-steps (RePaint's re-noising) are the same for every sampler.

**Adding a sampler**: write ``def my_step(run, x, eps, a, b, L) -> Down`` here (the pieces are the pure
functions of :mod:`gip.diffusion`) and name it in :data:`SAMPLERS`; ``gip.Settings(sampler="my")``, the
CLI's ``--sampler`` and the sweeps take it from there. A sampler that needs noise drawn once at the start
names a function ``init(run)`` beside it (see ``"ddim"``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

import torch

from .diffusion import mix_noisy, mix_x0, noise_of, paste, predict_x0, project_x0, q_sample, reverse_step, step_from_x0
from .schedule import NoiseTables


class Down(NamedTuple):
    """What a down-step produced: ``x`` at level b, the model's clean estimate ``x0``, the ``known`` pixels
    (the noised scene; x0' for the projection), the noised ``target`` (None without one or for the
    projection) and ``generated`` (the model's step after eq. 3 inside the fill region)."""

    x: torch.Tensor
    x0: torch.Tensor
    known: torch.Tensor
    target: torch.Tensor | None
    generated: torch.Tensor


@dataclass
class Run:
    """Everything a step function reads, on the device: the scene (1, 3, H, W), the target (or None), the
    keep mask K_b and fill region O ((1, 1, H, W) bool), the noise tables, eta, the mix of eq. 3, the main
    and target random generators and the batch shape. ``fixed`` holds noise drawn once (``"ddim"``)."""

    scene: torch.Tensor
    target: torch.Tensor | None
    keep: torch.Tensor
    fill: torch.Tensor
    tables: NoiseTables
    eta: float
    mix: str
    gen: torch.Generator
    tgen: torch.Generator
    shape: tuple[int, int, int, int]
    fixed: dict[str, torch.Tensor] = field(default_factory=dict)

    def noise(self, generator: torch.Generator | None = None) -> torch.Tensor:
        """Standard normal noise of the batch's shape from ``generator`` (default: the main stream)."""
        g = self.gen if generator is None else generator
        return torch.randn(self.shape, generator=g, device=self.scene.device, dtype=torch.float32)

    def abar(self, level: int) -> float:
        return self.tables.abar_at(level)


def guided_paste(run: Run, x_gen, x0, x_scn, x_tgt, b: int, L) -> Down:
    """eq. 3 inside the fill region, then eq. 4 (the paper's mask-conflict resolution).

    eq. 3: ``x_fill = Lambda_b x_tgt + (1 - Lambda_b) x_gen`` (``mix="x0"``: the same on the clean parts,
    x_gen's noise kept); eq. 4: ``x_b = K_b x_scn + O x_fill + B x_gen`` (B = the scene-buffer ring).
    """
    x_fill = x_gen
    if x_tgt is not None and not isinstance(L, float):
        x_fill = mix_noisy(x_gen, x_tgt, L) if run.mix == "noisy" else mix_x0(x_gen, x0, run.target, L, run.abar(b))
        x_gen = torch.where(run.fill, x_fill, x_gen)
    return Down(paste(x_scn, x_gen, x_gen, run.keep, run.fill), x0, x_scn, x_tgt, x_gen)


def repaint_step(run: Run, x, eps, a: int, b: int, L) -> Down:
    """The paper's step (RePaint's, with the target): one DDPM posterior step, the scene and the target
    noised to level b with fresh noise (the target from its own stream), then eq. 3 and eq. 4."""
    x_gen, x0 = reverse_step(x, eps, run.abar(a), run.abar(b), run.eta, run.gen)
    x_scn = q_sample(run.scene, run.abar(b), run.noise())
    x_tgt = None if run.target is None else q_sample(run.target, run.abar(b), run.noise(run.tgen))
    return guided_paste(run, x_gen, x0, x_scn, x_tgt, b, L)


def ddim_init(run: Run) -> None:
    """Draw the scene's and the target's one noise image each (right after x_T), for eta < 1."""
    if run.eta < 1.0:
        run.fixed["scene"] = run.noise()
        if run.target is not None:
            run.fixed["target"] = run.noise(run.tgen)


def _on_path(run: Run, name: str, generator) -> torch.Tensor:
    """DDIM's forward path: the fixed noise, blended with fresh noise as sqrt(1 - eta^2) eps + eta z."""
    eps = run.fixed[name]
    return eps if run.eta == 0.0 else math.sqrt(1.0 - run.eta**2) * eps + run.eta * run.noise(generator)


def ddim_step(run: Run, x, eps, a: int, b: int, L) -> Down:
    """[ours] :func:`repaint_step` with the scene and target noised along DDIM's deterministic forward path
    (one noise image each, drawn at the start); eta = 1 is exactly ``"repaint"``."""
    if run.eta >= 1.0:
        return repaint_step(run, x, eps, a, b, L)
    x_gen, x0 = reverse_step(x, eps, run.abar(a), run.abar(b), run.eta, run.gen)
    x_scn = q_sample(run.scene, run.abar(b), _on_path(run, "scene", run.gen))
    x_tgt = None if run.target is None else q_sample(run.target, run.abar(b), _on_path(run, "target", run.tgen))
    return guided_paste(run, x_gen, x0, x_scn, x_tgt, b, L)


def projection_step(run: Run, x, eps, a: int, b: int, L) -> Down:
    """[ours] DDNM/DiffPIR-style: write the known pixels into the model's clean estimate,
    ``x0' = K_b s + O (Lambda g + (1 - Lambda) x0_hat) + B x0_hat``, then one DDIM/DDPM step from it,
    ``x_b = sqrt(abar_b) x0' + sqrt(1 - abar_b - s^2) eps_hat + s z`` (``s^2 = eta^2 beta~``). No scene or
    target noise is drawn; ``mix`` does not apply. At the last step ``x = x0'`` exactly."""
    x0 = predict_x0(x, eps, run.abar(a))
    x_proj = project_x0(x0, run.scene, run.target, L, run.keep, run.fill)
    x_new = step_from_x0(x, x_proj, run.abar(a), run.abar(b), run.eta, run.gen, eps=noise_of(x, x0, run.abar(a)))
    return Down(x_new, x0, x_proj, None, x_new)


StepFn = Callable[[Run, torch.Tensor, torch.Tensor, int, int, object], Down]

#: The samplers by name: (step function, init or None). ``Settings.sampler`` chooses one.
SAMPLERS: dict[str, tuple[StepFn, Callable[[Run], None] | None]] = {
    "repaint": (repaint_step, None),
    "ddim": (ddim_step, ddim_init),
    "projection": (projection_step, None),
}
