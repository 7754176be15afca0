"""The three samplers of ``Settings.sampler``: "repaint", "ddim", "projection" (spec behaviours 3 and 4 for
each, exact model-call counts, the pure step functions of gip.diffusion)."""

import math

import pytest
import torch

import gip
from gip import lambdas
from gip.diffusion import mix_noisy, paste, predict_x0, project_x0, q_sample, reverse_step, step_from_x0

FAST = dict(steps=12, jump_length=3, jump_n_sample=2, progress=False)
SAMPLERS = ["repaint", "ddim", "projection"]


def _count_calls(model, fn):
    calls = []
    handle = model.unet.register_forward_hook(lambda *a: calls.append(1))
    try:
        res = fn()
    finally:
        handle.remove()
    return len(calls), res


@pytest.mark.parametrize("sampler", SAMPLERS)
@pytest.mark.parametrize("eta", [0.0, 0.5, 1.0])
@pytest.mark.parametrize(
    "lam,heat,buffer,mix",
    [(0.0, False, 0, "noisy"), (1.0, True, 1, "noisy"), (lambdas.Linear(p=0.5), "euclidean", 2, "x0"),
     (lambdas.Floor(p=0.3), True, 2, "noisy")],
)  # fmt: skip
def test_scene_is_exact_outside_fill_and_buffer(tiny_model, images16, sampler, eta, lam, heat, buffer, mix):
    scene, target, fill = images16
    res = gip.inpaint(scene, target, fill, model=tiny_model, lam=lam, heat=heat, buffer=buffer, mix=mix,
                      sampler=sampler, eta=eta, num_samples=2, **FAST)  # fmt: skip
    K = torch.from_numpy(res.keep)
    assert K.sum() > 0 and res.settings.sampler == sampler
    assert torch.equal(res.tensor[:, :, K], scene.expand(2, -1, -1, -1)[:, :, K])
    assert torch.isfinite(res.tensor).all() and res.tensor.abs().max() <= 1.0
    if buffer:  # the ring is the model's
        R = torch.from_numpy(res.ring)
        assert not torch.equal(res.tensor[:, :, R], scene.expand(2, -1, -1, -1)[:, :, R])


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_repaint_mode_keeps_the_scene_for_every_sampler(tiny_model, images16, sampler):
    scene, _, fill = images16
    res = gip.repaint(scene, fill, model=tiny_model, sampler=sampler, eta=0.0, **FAST)
    K = torch.from_numpy(~fill)
    assert torch.equal(res.tensor[:, :, K], scene[:, :, K])


@pytest.mark.parametrize("sampler", SAMPLERS)
@pytest.mark.parametrize("T,j,r", [(12, 3, 2), (10, 1, 1), (5, 1, 1), (20, 4, 3)])
def test_model_calls_are_exact(tiny_model, images16, sampler, T, j, r):
    scene, target, fill = images16
    n, res = _count_calls(tiny_model, lambda: gip.inpaint(
        scene, target, fill, model=tiny_model, steps=T, jump_length=j, jump_n_sample=r, sampler=sampler,
        eta=0.0, progress=False))  # fmt: skip
    assert n == res.model_calls == gip.count_model_calls(T, j, r) == res.settings.model_calls
    assert res.settings.row()["model_calls"] == n


@pytest.mark.parametrize("sampler", SAMPLERS)
@pytest.mark.parametrize("eta", [0.0, 1.0])
def test_lambda_one_without_heat_or_buffer_pastes_the_target(tiny_model, images16, sampler, eta):
    scene, target, fill = images16
    res = gip.inpaint(scene, target, fill, model=tiny_model, lam=1.0, heat=False, buffer=0, sampler=sampler, eta=eta,
                      **FAST)  # fmt: skip
    F = torch.from_numpy(fill)
    assert torch.equal(res.tensor[0][:, F], target[0][:, F])
    assert torch.equal(res.tensor[0][:, ~F], scene[0][:, ~F])


def test_bad_sampler_name_raises():
    with pytest.raises(gip.GipError, match="unknown sampler 'ddpm'.*'repaint', 'ddim', 'projection'"):
        gip.Settings(sampler="ddpm")
    with pytest.raises(gip.GipError, match="unknown sampler"):
        gip.Settings().replace(sampler=None)
    row = gip.Settings(sampler="projection", eta=0.0).row()
    assert row["sampler"] == "projection" and gip.Settings().sampler == "repaint"


def test_bad_sampler_in_inpaint_raises(tiny_model, images16):
    scene, target, fill = images16
    with pytest.raises(gip.GipError, match="unknown sampler"):
        gip.inpaint(scene, target, fill, model=tiny_model, sampler="DDIM", **FAST)


def test_ddim_at_eta_one_is_repaint_and_differs_below(tiny_model, images16):
    scene, target, fill = images16
    rep = gip.inpaint(scene, target, fill, model=tiny_model, seed=2, **FAST)
    ddim1 = gip.inpaint(scene, target, fill, model=tiny_model, seed=2, sampler="ddim", eta=1.0, **FAST)
    assert torch.equal(rep.tensor, ddim1.tensor)
    rep0 = gip.inpaint(scene, target, fill, model=tiny_model, seed=2, eta=0.0, **FAST)
    ddim0 = gip.inpaint(scene, target, fill, model=tiny_model, seed=2, sampler="ddim", eta=0.0, **FAST)
    assert not torch.equal(rep0.tensor, ddim0.tensor)


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_same_seed_same_output(tiny_model, images16, sampler):
    scene, target, fill = images16
    a = gip.inpaint(scene, target, fill, model=tiny_model, seed=4, sampler=sampler, eta=0.0, **FAST)
    b = gip.inpaint(scene, target, fill, model=tiny_model, seed=4, sampler=sampler, eta=0.0, **FAST)
    c = gip.inpaint(scene, target, fill, model=tiny_model, seed=5, sampler=sampler, eta=0.0, **FAST)
    assert torch.equal(a.tensor, b.tensor) and not torch.equal(a.tensor, c.tensor)


def test_projection_records_a_trajectory(tiny_model, images16):
    scene, target, fill = images16
    res = gip.inpaint(scene, target, fill, model=tiny_model, sampler="projection", record=True, **FAST)
    tr = res.trajectory
    assert tr.target is None and tr.known.shape == tr.x_t.shape
    K = torch.from_numpy(res.keep)
    assert torch.equal(tr.known[-1].float()[:, :, K], scene.half().float()[:, :, K])  # x0' holds the scene


# --- the pure step functions ----------------------------------------------------------------------------------


def test_step_from_x0_is_reverse_step_and_exact_at_the_clean_level():
    g = torch.Generator().manual_seed(0)
    x0 = torch.rand(2, 3, 8, 8, generator=g) * 2 - 1
    x_t = q_sample(x0, 0.4, torch.randn(x0.shape, generator=g))
    eps = torch.randn(x0.shape, generator=g)
    for eta in (0.0, 1.0):
        a, x0_hat = reverse_step(x_t, eps, 0.4, 0.6, eta, torch.Generator().manual_seed(3))
        b = step_from_x0(x_t, predict_x0(x_t, eps, 0.4), 0.4, 0.6, eta, torch.Generator().manual_seed(3))
        assert torch.equal(a, b)
    assert torch.equal(step_from_x0(x_t, x0, 0.4, 1.0, eta=1.0), x0)
    # eta = 0 and the true clean image: the noise of x_t is kept (DDIM's deterministic path)
    noise = (x_t - math.sqrt(0.4) * x0) / math.sqrt(0.6)
    assert torch.allclose(step_from_x0(x_t, x0, 0.4, 0.7, eta=0.0), q_sample(x0, 0.7, noise), atol=1e-6)


def test_project_x0_and_paste():
    g = torch.Generator().manual_seed(1)
    x0, s, t = (torch.rand(1, 3, 6, 6, generator=g) for _ in range(3))
    keep = torch.zeros(1, 1, 6, 6, dtype=torch.bool)
    keep[..., :2, :] = True
    fill = torch.zeros_like(keep)
    fill[..., 3:, :] = True  # row 2 is the ring
    L = torch.full((1, 1, 6, 6), 0.25)
    out = project_x0(x0, s, t, L, keep, fill)
    assert torch.equal(out[..., :2, :], s[..., :2, :]) and torch.equal(out[..., 2, :], x0[..., 2, :])
    assert torch.allclose(out[..., 3:, :], 0.25 * t[..., 3:, :] + 0.75 * x0[..., 3:, :])
    assert torch.equal(project_x0(x0, s, t, torch.ones_like(L), keep, fill)[..., 3:, :], t[..., 3:, :])
    assert torch.equal(project_x0(x0, s, None, 0.0, keep, fill)[..., 3:, :], x0[..., 3:, :])
    assert torch.equal(paste(s, t, x0, keep, fill), project_x0(x0, s, t, 1.0 * fill, keep, fill))
    assert torch.equal(mix_noisy(x0, t, torch.zeros_like(L)), x0)


@pytest.mark.parametrize("sampler", ["repaint", "projection"])
def test_the_power_grid_calls_the_model_at_its_timesteps(tiny_model, images16, sampler):
    scene, target, fill = images16
    seen = []  # the timestep of every model call
    hook = tiny_model.unet.register_forward_pre_hook(lambda module, args: seen.append(int(args[1])))
    try:
        st = gip.Settings(steps=5, jump_length=2, jump_n_sample=2, sampler=sampler, time_grid="power")
        res = gip.inpaint(scene, target, fill, st, model=tiny_model, seed=0, progress=False)
    finally:
        hook.remove()
    assert len(seen) == res.model_calls == st.model_calls
    assert set(seen) == {8, 64, 216, 511, 999} and seen[0] == 999 and seen[-1] == 8
    assert torch.equal(res.tensor[:, :, ~fill], scene[:, :, ~fill])
