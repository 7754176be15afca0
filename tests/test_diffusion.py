import math

import pytest
import torch

from gip.diffusion import predict_x0, q_sample, renoise, reverse_step


def test_q_sample_mean_and_variance():
    """Statistical: x_t has mean sqrt(abar) x0 and variance 1 - abar."""
    g = torch.Generator().manual_seed(0)
    x0 = torch.full((200_000,), 0.6)
    for abar in (0.9, 0.5, 0.05):
        x = q_sample(x0, abar, torch.randn(x0.shape, generator=g))
        assert x.mean().item() == pytest.approx(math.sqrt(abar) * 0.6, abs=0.01)
        assert x.var().item() == pytest.approx(1 - abar, rel=0.02)


def test_q_sample_is_exact_at_abar_one():
    x0 = torch.rand(2, 3, 4, 4)
    assert torch.equal(q_sample(x0, 1.0, torch.randn_like(x0)), x0)


def test_renoise_variance():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(200_000, generator=g)  # unit variance stays unit variance
    y = renoise(x, 0.3, torch.randn(x.shape, generator=g))
    assert y.var().item() == pytest.approx(1.0, rel=0.02)


def test_predict_x0_inverts_q_sample():
    x0 = torch.rand(1, 3, 8, 8) * 2 - 1
    eps = torch.randn_like(x0)
    assert torch.allclose(predict_x0(q_sample(x0, 0.3, eps), eps, 0.3), x0, atol=1e-5)


def test_reverse_step_with_true_noise_is_posterior_mean_at_eta0():
    """eta = 0 and the true eps: x_prev is exactly the noised x0 at abar_prev (DDIM property)."""
    x0 = torch.rand(1, 3, 8, 8) * 1.6 - 0.8
    eps = torch.randn_like(x0)
    x_t = q_sample(x0, 0.4, eps)
    x_prev, x0_hat = reverse_step(x_t, eps, 0.4, 0.6, eta=0.0)
    assert torch.allclose(x0_hat, x0, atol=1e-5)
    assert torch.allclose(x_prev, q_sample(x0, 0.6, eps), atol=1e-5)


def test_reverse_step_eta1_matches_ddpm_posterior():
    """eta = 1: mean mu~(x0, x_t) and variance beta~ of the DDPM posterior."""
    g = torch.Generator().manual_seed(2)
    at, ap = 0.4, 0.6
    x0 = torch.full((100_000,), 0.3)
    eps = torch.randn(x0.shape, generator=g)
    x_t = q_sample(x0, at, eps)
    beta = 1 - at / ap
    mu = (math.sqrt(ap) * beta / (1 - at)) * x0 + (math.sqrt(1 - beta) * (1 - ap) / (1 - at)) * x_t
    var = (1 - ap) / (1 - at) * beta
    x_prev, _ = reverse_step(x_t, eps, at, ap, eta=1.0, generator=g)
    resid = x_prev - mu
    assert resid.mean().item() == pytest.approx(0.0, abs=0.005)
    assert resid.var().item() == pytest.approx(var, rel=0.03)


def test_reverse_step_last_step_is_x0():
    x_t = torch.randn(1, 3, 4, 4)
    x_prev, x0 = reverse_step(x_t, torch.randn_like(x_t), 0.99, 1.0, eta=1.0)
    assert torch.equal(x_prev, x0)
    assert x0.abs().max() <= 1.0
