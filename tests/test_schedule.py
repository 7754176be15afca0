import pytest
import torch
from diffusers import DDPMScheduler, RePaintScheduler

import gip
from gip.schedule import NoiseTables, moves


@pytest.mark.parametrize("T,j,r", [(250, 10, 10), (100, 10, 5), (50, 5, 2), (50, 5, 5), (37, 4, 3), (10, 3, 1), (1, 1, 1)])
def test_jump_schedule_equals_diffusers(T, j, r):
    ref = RePaintScheduler(num_train_timesteps=1000)
    ref.set_timesteps(T, j, r)
    assert gip.jump_schedule(T, j, r) == (ref.timesteps // (1000 // T)).tolist()


@pytest.mark.parametrize("T,j,r,entries,calls", [(250, 10, 10, 4570, 2410), (100, 10, 5, 820, 460), (50, 5, 2, 140, 95), (50, 5, 1, 50, 50)])
def test_schedule_sizes(T, j, r, entries, calls):
    assert len(gip.jump_schedule(T, j, r)) == entries
    assert gip.count_model_calls(T, j, r) == calls


def test_moves_walk_from_noise_to_clean_one_level_at_a_time():
    T = 30
    level = T - 1
    for m in moves(gip.jump_schedule(T, 4, 3), T):
        assert m.src == level
        assert m.dst == (level - 1 if m.down else level + 1)
        level = m.dst
    assert level == -1


def test_noise_tables_respacing():
    sched = DDPMScheduler(num_train_timesteps=1000)
    tab = NoiseTables.from_scheduler(sched, 50)
    assert tab.stride == 20 and tab.steps == 50
    assert tab.abar_at(3) == pytest.approx(sched.alphas_cumprod[60].item())
    assert tab.abar_at(-1) == 1.0
    # respaced betas chain back to abar: prod(1 - beta'_i) over i <= k == abar'_k
    prod = 1.0
    for i in range(50):
        prod *= 1 - tab.beta(i)
        assert prod == pytest.approx(tab.abar_at(i), rel=1e-9)
    assert tab.timestep(49) == 980


def test_noise_tables_reject_too_many_steps():
    with pytest.raises(gip.GipError, match="between 1 and the model's 1000"):
        NoiseTables.from_scheduler(DDPMScheduler(num_train_timesteps=1000), 1001)


def test_schedule_rejects_bad_sizes():
    with pytest.raises(gip.GipError):
        gip.jump_schedule(0, 1, 1)
    with pytest.raises(gip.GipError):
        gip.jump_schedule(10, 0, 2)


def test_the_uniform_grid_is_repaints_respacing():
    assert gip.schedule.grid_timesteps(1000, 50) == tuple(range(0, 1000, 20))
    tab = NoiseTables.from_scheduler(DDPMScheduler(num_train_timesteps=1000), 50, "uniform")
    assert tab == NoiseTables.from_scheduler(DDPMScheduler(num_train_timesteps=1000), 50)


@pytest.mark.parametrize("T", [1, 3, 5, 10, 50, 250, 1000])
def test_the_power_grid_is_dense_at_low_noise_and_ends_at_pure_noise(T):
    ks = gip.schedule.grid_timesteps(1000, T, "power")
    assert len(ks) == T and ks[-1] == 999 and all(b > a for a, b in zip(ks, ks[1:]))  # strictly ascending
    if 3 <= T <= 50:  # the cube: most levels in the clean half of the training steps
        assert sum(k < 500 for k in ks) > T / 2
        assert ks[:T // 2][-1] < 200


def test_the_power_grid_sets_the_noise_tables():
    sched = DDPMScheduler(num_train_timesteps=1000)
    tab = NoiseTables.from_scheduler(sched, 5, "power")
    assert [tab.timestep(i) for i in range(5)] == [8, 64, 216, 511, 999]
    assert tab.abar_at(2) == pytest.approx(sched.alphas_cumprod[216].item())
    with pytest.raises(gip.GipError, match="time_grid must be one of 'uniform', 'power'"):
        NoiseTables.from_scheduler(sched, 5, "cosine")
