"""benchmarks/fast_sampler.py: its copy of gip's loop (any time grid, any step function) is gip.inpaint on
the uniform grid, bit for bit, and reads lambda as gip does; its research step functions keep the scene."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import gip
from gip.experiment import Case
from gip.steps import projection_step

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "fast_sampler.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("fast_sampler", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["fast_sampler"] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def case(images16):
    scene, target, fill = images16
    return Case("random", scene, target, fill, silhouette=fill)


@pytest.mark.parametrize("T", [5, 7, 10])
def test_the_loop_copy_is_gip_inpaint_on_the_uniform_grid(bench, tiny_model, case, T):
    st = bench.REFERENCE.replace(sampler="projection", steps=T, jump_n_sample=1, eta=0.0)
    mine = bench.grid_inpaint(case, st, None, projection_step, tiny_model, seed=2)
    ref = gip.inpaint(case.scene, case.target, case.mask, st, model=tiny_model, seed=2, progress=False)
    assert torch.equal(mine.tensor, ref.tensor) and mine.model_calls == ref.model_calls == T


@pytest.mark.parametrize("T", [4, 5, 10, 20])
def test_grid_lambdas_on_the_uniform_grid_are_gips(bench, embedded_model, T):
    st = bench.REFERENCE.replace(steps=T, jump_n_sample=1)
    uniform = [i * (1000 // T) for i in range(T)]
    assert np.allclose(bench.grid_lambdas(st, embedded_model, uniform), st.lam_levels(embedded_model), atol=1e-9)


def test_power_grid_and_the_research_steps_keep_the_scene(bench, tiny_model, case):
    assert bench.power_grid(5, 3.0) == [8, 64, 216, 511, 999]
    st = bench.REFERENCE.replace(sampler="projection", steps=5, jump_n_sample=1, eta=0.0)
    keep = torch.from_numpy(~np.asarray(case.mask, bool))
    for step in (projection_step, bench.diffpir_step(0.2), bench.diffpir_step(0.0, "projected"),
                 bench.per_pixel_time_step(1.0), bench.dpm2m_step):
        out = bench.grid_inpaint(case, st, bench.power_grid(5, 3.0), step, tiny_model, seed=0).tensor
        assert torch.isfinite(out).all() and torch.equal(out[:, :, keep], case.scene[:, :, keep])


@pytest.mark.parametrize("T", [5, 6, 10])
def test_the_package_power_grid_is_the_research_loops(bench, tiny_model, case, T):
    st = bench.REFERENCE.replace(sampler="projection", steps=T, jump_n_sample=1, eta=0.0)
    mine = bench.grid_inpaint(case, st, bench.power_grid(T, 3.0), projection_step, tiny_model, seed=1)
    ref = gip.inpaint(case.scene, case.target, case.mask, st.replace(time_grid="power"), model=tiny_model, seed=1,
                      progress=False)
    assert torch.equal(mine.tensor, ref.tensor)
