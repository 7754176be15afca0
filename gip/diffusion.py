"""DDPM maths on tensors: forward noising, x0 prediction, one reverse (posterior) step.

All functions take the cumulative alphas as Python floats (no device syncs) and images in [-1, 1], NCHW.
"""

from __future__ import annotations

import math

import torch


def q_sample(x0: torch.Tensor, abar: float, noise: torch.Tensor) -> torch.Tensor:
    """Forward marginal ``x_t = sqrt(abar) x0 + sqrt(1 - abar) noise``; exactly ``x0`` when ``abar == 1``."""
    if abar >= 1.0:
        return x0.clone()
    return math.sqrt(abar) * x0 + math.sqrt(1.0 - abar) * noise


def renoise(x: torch.Tensor, beta: float, noise: torch.Tensor) -> torch.Tensor:
    """One forward step ``x_t = sqrt(1 - beta) x_{t-1} + sqrt(beta) noise`` (a RePaint up-step)."""
    return math.sqrt(1.0 - beta) * x + math.sqrt(beta) * noise


def predict_x0(x_t: torch.Tensor, eps: torch.Tensor, abar: float, clip: bool = True) -> torch.Tensor:
    """``x0_hat = (x_t - sqrt(1 - abar) eps) / sqrt(abar)``, clipped to [-1, 1] if ``clip``."""
    x0 = (x_t - math.sqrt(1.0 - abar) * eps) / math.sqrt(abar)
    return x0.clamp(-1.0, 1.0) if clip else x0


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
    if clip:
        eps = (x_t - math.sqrt(abar_t) * x0) / math.sqrt(1.0 - abar_t)
    beta = 1.0 - abar_t / abar_prev
    var = eta**2 * (1.0 - abar_prev) / (1.0 - abar_t) * beta
    x_prev = math.sqrt(abar_prev) * x0 + math.sqrt(max(1.0 - abar_prev - var, 0.0)) * eps
    if var > 0.0:
        x_prev = x_prev + math.sqrt(var) * torch.randn(
            x_t.shape, generator=generator, device=x_t.device, dtype=x_t.dtype
        )
    return x_prev, x0
