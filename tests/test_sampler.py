import itertools

import numpy as np
import pytest
import torch

import gip
from gip import lambdas

FAST = dict(steps=12, jump_length=3, jump_n_sample=2, progress=False)


def test_lambda_zero_is_bit_identical_to_repaint(tiny_model, images16):
    scene, target, fill = images16
    rep = gip.repaint(scene, fill, model=tiny_model, seed=3, **FAST)
    for lam in (0.0, lambdas.Linear(p=0.0), lambda t, T: 0.0):
        res = gip.inpaint(scene, target, fill, model=tiny_model, seed=3, lam=lam, buffer=0, **FAST)
        assert torch.equal(res.tensor, rep.tensor)


@pytest.mark.parametrize(
    "lam,heat,buffer,mix",
    [(0.0, False, 0, "noisy"), (1.0, True, 1, "noisy"), (lambdas.Linear(p=0.5), "euclidean", 2, "x0"),
     (lambdas.Step(p=0.3), False, 3, "noisy"), (lambdas.Floor(p=0.5), {"ramp": 2}, 1, "x0")],
)  # fmt: skip
def test_scene_is_exact_outside_fill_and_buffer(tiny_model, images16, lam, heat, buffer, mix):
    scene, target, fill = images16
    res = gip.inpaint(scene, target, fill, model=tiny_model, lam=lam, heat=heat, buffer=buffer, mix=mix, num_samples=2, **FAST)
    K = torch.from_numpy(res.keep)
    assert K.sum() > 0
    assert torch.equal(res.tensor[:, :, K], scene.expand(2, -1, -1, -1)[:, :, K])
    assert torch.isfinite(res.tensor).all() and res.tensor.abs().max() <= 1.0
    # the ring is left to the model: it differs from the scene when buffer > 0
    if buffer:
        R = torch.from_numpy(res.ring)
        assert R.sum() > 0 and not torch.equal(res.tensor[:, :, R], scene.expand(2, -1, -1, -1)[:, :, R])


@pytest.mark.parametrize("mix", ["noisy", "x0"])
def test_lambda_one_without_heat_or_buffer_pastes_the_target(tiny_model, images16, mix):
    scene, target, fill = images16
    res = gip.inpaint(scene, target, fill, model=tiny_model, lam=1.0, heat=False, buffer=0, mix=mix, **FAST)
    F = torch.from_numpy(fill)
    assert torch.equal(res.tensor[0][:, F], target[0][:, F])


def test_same_seed_same_output_other_seed_differs(tiny_model, images16):
    scene, target, fill = images16
    a = gip.inpaint(scene, target, fill, model=tiny_model, seed=5, **FAST)
    b = gip.inpaint(scene, target, fill, model=tiny_model, seed=5, **FAST)
    c = gip.inpaint(scene, target, fill, model=tiny_model, seed=6, **FAST)
    assert torch.equal(a.tensor, b.tensor)
    assert not torch.equal(a.tensor, c.tensor)


def test_eta_zero_is_deterministic_given_the_start(tiny_model, images16):
    scene, _, fill = images16
    a = gip.repaint(scene, fill, model=tiny_model, eta=0.0, seed=1, **FAST)
    b = gip.repaint(scene, fill, model=tiny_model, eta=1.0, seed=1, **FAST)
    assert not torch.equal(a.tensor, b.tensor)


def test_outputs_finite_for_parameter_grid(tiny_model, images16):
    scene, target, fill = images16
    grid = itertools.product([0.0, 0.5, 1.0], [True, False], [0, 2], ["noisy", "x0"], [0.0, 1.0])
    for lam, heat, buffer, mix, eta in grid:
        res = gip.inpaint(scene, target, fill, model=tiny_model, steps=6, jump_length=2, jump_n_sample=2,
                          lam=lam, heat=heat, buffer=buffer, mix=mix, eta=eta, progress=False)  # fmt: skip
        assert torch.isfinite(res.tensor).all() and res.tensor.abs().max() <= 1.0


def test_fill_and_keep_masks_agree(tiny_model, images16):
    scene, target, fill = images16
    a = gip.inpaint(scene, target, fill, model=tiny_model, **FAST)
    b = gip.inpaint(scene, target, keep_mask=~fill, model=tiny_model, **FAST)
    c = gip.inpaint(scene, target, (fill * 255).astype(np.uint8), model=tiny_model, **FAST)
    assert torch.equal(a.tensor, b.tensor) and torch.equal(a.tensor, c.tensor)


def test_model_calls_equal_down_steps(tiny_model, images16):
    scene, _, fill = images16
    calls = []
    handle = tiny_model.unet.register_forward_hook(lambda *a: calls.append(1))
    try:
        res = gip.repaint(scene, fill, model=tiny_model, **FAST)
    finally:
        handle.remove()
    assert len(calls) == res.model_calls == gip.count_model_calls(12, 3, 2)


def test_batched_samples_differ(tiny_model, images16):
    scene, target, fill = images16
    res = gip.inpaint(scene, target, fill, model=tiny_model, num_samples=3, **FAST)
    assert res.tensor.shape == (3, 3, 16, 16) and len(res.images) == 3
    F = torch.from_numpy(fill)
    assert not torch.equal(res.tensor[0][:, F], res.tensor[1][:, F])


def test_recording_every_entry_and_with_stride(tiny_model, images16):
    scene, target, fill = images16
    n = len(gip.jump_schedule(12, 3, 2))
    res = gip.inpaint(scene, target, fill, model=tiny_model, record=True, lam_axis="literal", **FAST)
    tr = res.trajectory
    assert len(tr) == n and tr.x_t.shape == (n, 1, 3, 16, 16) and tr.x_t.dtype == torch.float16
    assert tr.x0.shape == tr.known.shape == tr.target.shape == tr.generated.shape == tr.x_t.shape
    assert tr.level[-1] == -1 and tr.down == [m.down for m in gip.moves(tr.schedule, 12)]
    assert torch.allclose(tr.x_t[-1].float(), res.tensor, atol=1e-2)  # fp16 copy of the output
    assert tr.lambda_map(0).shape == (16, 16) and tr.lam[0] == pytest.approx(gip.Settings().lam(tr.level[0], 12))
    strided = gip.inpaint(scene, target, fill, model=tiny_model, record=5, **FAST).trajectory
    assert strided.index == sorted(set(range(0, n, 5)) | {n - 1})
    assert gip.repaint(scene, fill, model=tiny_model, record=True, **FAST).trajectory.target is None


def test_resize_option(tiny_model):
    scene = np.full((32, 32, 3), 200, np.uint8)
    fill = np.zeros((32, 32), bool)
    fill[8:24, 8:24] = True
    with pytest.raises(gip.GipError, match="--resize"):
        gip.repaint(scene, fill, model=tiny_model, **FAST)
    res = gip.repaint(scene, fill, model=tiny_model, resize=True, **FAST)
    assert res.tensor.shape == (1, 3, 16, 16)


@pytest.mark.parametrize(
    "kwargs,match",
    [(dict(jump_length=12), "jump_length"), (dict(steps=2000), "training steps"), (dict(buffer=-1), "buffer"),
     (dict(lam=1.5), "lam"), (dict(lam=lambdas.Linear), "lam"), (dict(eta=2.0), "eta"), (dict(num_samples=0), "num_samples"),
     (dict(mix="other"), "mix"), (dict(record=0), "record"), (dict(buffer=16), "whole scene")],
)  # fmt: skip
def test_bad_parameters(tiny_model, images16, kwargs, match):
    scene, target, fill = images16
    kw = {**FAST, **kwargs}
    with pytest.raises(gip.GipError, match=match):
        gip.inpaint(scene, target, fill, model=tiny_model, **kw)


def test_p_out_of_range():
    with pytest.raises(gip.GipError, match="p must be"):
        lambdas.Linear(p=1.5)


def test_bad_inputs(tiny_model, images16):
    scene, target, fill = images16
    with pytest.raises(gip.GipError, match="differ in size"):
        gip.inpaint(scene, target[..., :8], fill, model=tiny_model, **FAST)
    with pytest.raises(gip.GipError, match="NaN"):
        gip.inpaint(scene * float("nan"), target, fill, model=tiny_model, **FAST)
    with pytest.raises(gip.GipError, match="empty"):
        gip.inpaint(scene, target, np.zeros((16, 16)), model=tiny_model, **FAST)
    with pytest.raises(gip.GipError, match="whole image"):
        gip.inpaint(scene, target, np.ones((16, 16)), model=tiny_model, **FAST)
    with pytest.raises(gip.GipError, match="exactly one"):
        gip.inpaint(scene, target, fill, keep_mask=~fill, model=tiny_model, **FAST)
    with pytest.raises(gip.GipError, match="no lam"):
        gip.repaint(scene, fill, model=tiny_model, lam=0.5)
    with pytest.raises(gip.GipError, match=r"\[-1, 1\]"):
        gip.inpaint(scene * 3, target, fill, model=tiny_model, **FAST)


def test_guidance_pulls_the_fill_region_towards_the_target(tiny_model, images16):
    """More lambda, closer to the target inside the fill region (averaged over samples)."""
    scene, target, fill = images16
    F = torch.from_numpy(fill)
    err = []
    for lam in (0.0, 0.5, 1.0):
        res = gip.inpaint(scene, target, fill, model=tiny_model, lam=lambdas.Linear(p=1.0, lam_max=lam),
                          heat=False, buffer=0, num_samples=4, **FAST)  # fmt: skip
        err.append(((res.tensor - target)[:, :, F] ** 2).mean().item())
    assert err[0] > err[1] > err[2]
