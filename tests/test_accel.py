"""CUDA graphs and torch.compile as a package feature (gip.accel): the API and the CPU fallback.

On a GPU the same outputs as eager to fp tolerance (the GPU test is skipped without CUDA, saying so)."""

import pytest
import torch

import gip
from gip.accel import CUDAGraphUNet, GraphFallback, denoiser

FAST = dict(steps=8, jump_length=2, jump_n_sample=2, progress=False)


def test_graph_on_the_cpu_warns_and_gives_the_eager_result(tiny_model, images16):
    scene, target, fill = images16
    tiny_model.accel.clear()
    eager = gip.inpaint(scene, target, fill, model=tiny_model, seed=2, **FAST)
    with pytest.warns(GraphFallback, match="CUDA graphs need a CUDA device"):
        graphed = gip.inpaint(scene, target, fill, model=tiny_model, seed=2, graph=True, **FAST)
    assert torch.equal(eager.tensor, graphed.tensor)


def test_the_wrapper_is_kept_on_the_model_and_reused(tiny_model):
    tiny_model.accel.clear()
    a = denoiser(tiny_model, graph=True)
    assert isinstance(a, CUDAGraphUNet) and denoiser(tiny_model, graph=True) is a
    assert denoiser(tiny_model) is tiny_model.unet  # neither option: the UNet itself
    tiny_model.to("cpu")  # same device and dtype: the cache stays
    assert denoiser(tiny_model, graph=True) is a
    tiny_model.to(dtype=torch.float64)
    try:
        assert not tiny_model.accel  # another dtype: captured graphs no longer apply
    finally:
        tiny_model.to(dtype=torch.float32)


def test_the_fallback_warns_once_and_keeps_the_reason(tiny_model):
    w = CUDAGraphUNet(tiny_model.unet)
    x, t = torch.randn(1, 3, 16, 16), torch.tensor(10)
    with pytest.warns(GraphFallback):
        out = w(x, t).sample
    assert "CUDA device" in w.error and w.captured == 0
    assert torch.equal(out, tiny_model.unet(x, t).sample)
    with __import__("warnings").catch_warnings():
        __import__("warnings").simplefilter("error")
        w(x, t)  # no second warning


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (the CPU fallback is tested above)")
def test_graph_replays_match_eager_on_a_gpu(tiny_model, images16):  # pragma: no cover - GPU only
    scene, target, fill = images16
    tiny_model.to("cuda")
    try:
        eager = gip.inpaint(scene, target, fill, model=tiny_model, seed=4, **FAST)
        graphed = gip.inpaint(scene, target, fill, model=tiny_model, seed=4, graph=True, **FAST)
        again = gip.inpaint(scene, target, fill, model=tiny_model, seed=4, graph=True, **FAST)
        assert denoiser(tiny_model, graph=True).captured == 1
        assert torch.allclose(eager.tensor, graphed.tensor, atol=1e-4) and torch.equal(graphed.tensor, again.tensor)
    finally:
        tiny_model.to("cpu")
