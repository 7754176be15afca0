"""DDPM maths on tensors: forward noising, x0 prediction, one reverse (posterior) step, and the small pure
pieces of one sampler step (eq. 3's mix, eq. 4's paste, the x0-space projection).

All functions take the cumulative alphas as Python floats (no device syncs) and images in [-1, 1], NCHW.
Masks are bool tensors broadcastable to the images (True = the region named).
"""

from __future__ import annotations

import math

import torch


def q_sample(x0: torch.Tensor, abar: float, noise: torch.Tensor) -> torch.Tensor:
    """Forward marginal ``x_t = sqrt(abar) x0 + sqrt(1 - abar) noise``; exactly ``x0`` when ``abar == 1``."""
    if abar >= 1.0:
        return x0.expand_as(noise).clone()
    return torch.add(math.sqrt(1.0 - abar) * noise, x0, alpha=math.sqrt(abar))


def renoise(x: torch.Tensor, beta: float, noise: torch.Tensor) -> torch.Tensor:
    """One forward step ``x_t = sqrt(1 - beta) x_{t-1} + sqrt(beta) noise`` (a RePaint up-step)."""
    return torch.add(math.sqrt(beta) * noise, x, alpha=math.sqrt(1.0 - beta))


def predict_x0(x_t: torch.Tensor, eps: torch.Tensor, abar: float, clip: bool = True) -> torch.Tensor:
    """``x0_hat = (x_t - sqrt(1 - abar) eps) / sqrt(abar)``, clipped to [-1, 1] if ``clip``."""
    x0 = torch.add(x_t, eps, alpha=-math.sqrt(1.0 - abar)).div_(math.sqrt(abar))
    return x0.clamp_(-1.0, 1.0) if clip else x0


def step_from_x0(
    x_t: torch.Tensor,
    x0: torch.Tensor,
    abar_t: float,
    abar_prev: float,
    eta: float = 1.0,
    generator: torch.Generator | None = None,
    eps: torch.Tensor | None = None,
) -> torch.Tensor:
    """One reverse step from ``x_t`` (at ``abar_t``) to ``abar_prev`` given a clean estimate ``x0``.

    ``x_prev = sqrt(abar_prev) x0 + sqrt(1 - abar_prev - s^2) eps' + s z`` with ``s^2 = eta^2 beta~``.
    ``eps'`` is ``eps`` when given (DDIM's and DDNM's form: the model's noise estimate), else the noise that
    ``x_t`` carries relative to ``x0``, ``(x_t - sqrt(abar_t) x0) / sqrt(1 - abar_t)``; then ``eta = 1`` is a
    draw from the DDPM posterior ``N(mu~(x0, x_t), beta~)`` and ``eta = 0`` the deterministic DDIM step.
    At ``abar_prev >= 1`` (the clean level) it returns ``x0`` exactly.
    """
    if abar_prev >= 1.0:
        return x0.clone()
    beta = 1.0 - abar_t / abar_prev
    var = eta**2 * (1.0 - abar_prev) / (1.0 - abar_t) * beta
    c = math.sqrt(max(1.0 - abar_prev - var, 0.0))
    if eps is None:  # eps' = (x_t - sqrt(abar_t) x0) / sqrt(1 - abar_t), folded into two coefficients
        s = math.sqrt(1.0 - abar_t)
        x_prev = ((math.sqrt(abar_prev) - c * math.sqrt(abar_t) / s) * x0).add_(x_t, alpha=c / s)
    else:
        x_prev = (math.sqrt(abar_prev) * x0).add_(eps, alpha=c)
    if var > 0.0:
        x_prev.add_(torch.randn(x_t.shape, generator=generator, device=x_t.device, dtype=x_t.dtype), alpha=math.sqrt(var))
    return x_prev


def noise_of(x_t: torch.Tensor, x0: torch.Tensor, abar: float) -> torch.Tensor:
    """The noise ``x_t`` carries relative to a clean estimate: ``(x_t - sqrt(abar) x0) / sqrt(1 - abar)``
    (the model's noise estimate made consistent with a clipped ``x0``)."""
    return torch.add(x_t, x0, alpha=-math.sqrt(abar)).div_(math.sqrt(1.0 - abar))


def reverse_step(
    x_t: torch.Tensor,
    eps: torch.Tensor,
    abar_t: float,
    abar_prev: float,
    eta: float = 1.0,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One reverse step from ``abar_t`` to ``abar_prev`` given the predicted noise; returns (x_prev, x0_hat).

    ``x_prev = sqrt(abar_prev) x0_hat + sqrt(1 - abar_prev - s^2) eps' + s z`` with ``s^2 = eta^2 beta~``
    and ``eps'`` re-derived from the clipped ``x0_hat`` (:func:`step_from_x0`). With ``eta = 1`` this is
    exactly a draw from the DDPM posterior ``N(mu~(x0_hat, x_t), beta~)``; with ``eta = 0`` it is
    deterministic (DDIM-style).
    """
    x0 = predict_x0(x_t, eps, abar_t)
    return step_from_x0(x_t, x0, abar_t, abar_prev, eta, generator), x0


# --- the pieces of one guided step (the paper's eq. 3 and eq. 4: book chapter 3) ---------------------------


def mix_noisy(x_gen: torch.Tensor, x_tgt: torch.Tensor, lam: torch.Tensor) -> torch.Tensor:
    """eq. 3 on noised images: ``x_fill = Lambda x_tgt + (1 - Lambda) x_gen`` (the paper's mix)."""
    return lam * x_tgt + (1.0 - lam) * x_gen


def mix_x0(x_gen: torch.Tensor, x0: torch.Tensor, target: torch.Tensor, lam: torch.Tensor, abar: float) -> torch.Tensor:
    """The variance-preserving mix: eq. 3 on the clean parts, ``x_gen``'s noise kept:
    ``sqrt(abar) (Lambda g + (1 - Lambda) x0) + (x_gen - sqrt(abar) x0)``."""
    r = math.sqrt(abar)
    return r * (lam * target + (1.0 - lam) * x0) + (x_gen - r * x0)


def paste(
    x_scn: torch.Tensor, x_fill: torch.Tensor, x_gen: torch.Tensor, keep: torch.Tensor, fill: torch.Tensor
) -> torch.Tensor:
    """eq. 4: ``K_b x_scn + O x_fill + B x_gen`` (``keep`` = K_b, ``fill`` = O, the rest is the ring B)."""
    if x_fill is not x_gen:
        x_gen = torch.where(fill, x_fill, x_gen)
    return torch.where(keep, x_scn, x_gen)


def project_x0(
    x0: torch.Tensor,
    scene: torch.Tensor,
    target: torch.Tensor | None,
    lam: torch.Tensor | float,
    keep: torch.Tensor,
    fill: torch.Tensor,
) -> torch.Tensor:
    """Write the known pixels into a clean estimate (the ``"projection"`` sampler, DDNM-style):
    ``x0' = K_b scene + O (Lambda target + (1 - Lambda) x0) + B x0``.

    ``lam`` is the pixel-wise ``Lambda = lambda(level) H`` (a tensor) or 0; ``target=None`` or ``lam == 0``
    leaves the fill region to ``x0``. With ``Lambda = 1`` on O the fill region is the target exactly.
    """
    x_fill = x0
    if target is not None and not (isinstance(lam, (int, float)) and lam == 0.0):
        x_fill = mix_noisy(x0, target, lam)  # the same convex combination, on clean images
    return paste(scene, x_fill, x0, keep, fill)
