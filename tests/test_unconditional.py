import pytest
import torch

import gip
import gip.viz


def test_sample_shapes_range_and_determinism(tiny_model):
    a = gip.sample(tiny_model, n=2, steps=8, seed=3)
    b = gip.sample(tiny_model, n=2, steps=8, seed=3)
    c = gip.sample(tiny_model, n=2, steps=8, seed=4)
    assert a.tensor.shape == (2, 3, 16, 16)
    assert a.tensor.min() >= -1 and a.tensor.max() <= 1  # last step lands on the clipped x0_hat
    assert torch.equal(a.tensor, b.tensor)
    assert not torch.equal(a.tensor, c.tensor)
    assert a.model_calls == 8 and a.trajectory is None
    assert len(a.images) == 2


def test_sample_records_every_step(tiny_model):
    res = gip.sample(tiny_model, n=1, steps=10, seed=0, record=True)
    tr = res.trajectory
    assert len(tr) == 10 and tr.level == list(range(8, -2, -1))
    assert tr.x_t.shape == (10, 1, 3, 16, 16) and tr.x0.shape == tr.x_t.shape
    assert tr.known is None and tr.target is None and tr.generated is None
    assert list(gip.viz.trajectory_panels(tr, 0)) == ["x_t", "x0_hat"]
    assert torch.allclose(tr.x_t[-1].float(), res.tensor, atol=1e-2)
    strided = gip.sample(tiny_model, steps=10, record=4).trajectory
    assert strided.index == [0, 4, 8, 9]


def test_sample_deterministic_eta0_last_step_is_x0(tiny_model):
    res = gip.sample(tiny_model, steps=5, eta=0.0, record=True)
    assert torch.allclose(res.trajectory.x0[-1].float(), res.tensor, atol=1e-2)


def test_sample_rejects_bad_args(tiny_model):
    with pytest.raises(gip.GipError):
        gip.sample(tiny_model, steps=0)
    with pytest.raises(gip.GipError):
        gip.sample(tiny_model, n=0)
