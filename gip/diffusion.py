"""DDPM maths on tensors: forward noising, x0 prediction, one reverse (posterior) step.

All functions take the cumulative alphas as Python floats (no device syncs) and images in [-1, 1], NCHW.
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


def reverse_step(
    x_t: torch.Tensor,
    eps: torch.Tensor,
    abar_t: float,
    abar_prev: float,
    eta: float = 1.0,
    generator: torch.Generator | None = None,
    clip: bool = True,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One reverse step from ``abar_t`` to ``abar_prev`` given the predicted noise; returns (x_prev, x0_hat).

    ``x_prev = sqrt(abar_prev) x0_hat + sqrt(1 - abar_prev - s^2) eps' + s z`` with ``s^2 = eta^2 beta~``
    and ``eps'`` re-derived from the (clipped) ``x0_hat``. With ``eta = 1`` this is exactly a draw from the
    DDPM posterior ``N(mu~(x0_hat, x_t), beta~)``; with ``eta = 0`` it is deterministic (DDIM-style).
    """
    x0 = predict_x0(x_t, eps, abar_t, clip)
    beta = 1.0 - abar_t / abar_prev
    var = eta**2 * (1.0 - abar_prev) / (1.0 - abar_t) * beta
    c = math.sqrt(max(1.0 - abar_prev - var, 0.0))
    if clip:  # eps' = (x_t - sqrt(abar_t) x0) / sqrt(1 - abar_t), folded into two coefficients
        s = math.sqrt(1.0 - abar_t)
        x_prev = ((math.sqrt(abar_prev) - c * math.sqrt(abar_t) / s) * x0).add_(x_t, alpha=c / s)
    else:
        x_prev = (math.sqrt(abar_prev) * x0).add_(eps, alpha=c)
    if var > 0.0:
        x_prev.add_(torch.randn(x_t.shape, generator=generator, device=x_t.device, dtype=x_t.dtype), alpha=math.sqrt(var))
    return x_prev, x0
