"""gip.Settings: one validation, overrides, table rows; the lambda time axis; the fixed method defects."""

import warnings

import numpy as np
import pytest
import torch
from diffusers import DDPMScheduler, UNet2DModel

import gip
from gip import lambdas, masks
from gip.settings import FIELDS, Settings, describe


def test_defaults_are_coerced_and_frozen():
    s = Settings()
    assert s.lam == lambdas.Floor(p=0.3)  # chosen on the benchmark (model card)
    assert s.heat is None and s.buffer == 0 and s.matte == "auto"  # the matte replaces them (model card)
    assert s.lam_axis == "snr" and s.lam_reference == 256 and Settings(heat=True).heat == masks.Heat()
    assert s.model_calls == gip.count_model_calls(50, 5, 2) == 95
    with pytest.raises(Exception):
        s.steps = 10  # frozen
    assert Settings(lam=0.3).lam == lambdas.Constant(0.3)
    assert Settings(heat=False).heat is None and Settings(heat="taxicab").heat == masks.Heat("taxicab")


@pytest.mark.parametrize(
    "kw,match",
    [(dict(steps=0), "steps"), (dict(steps=2.5), "steps"), (dict(jump_length=50), "jump_length"),
     (dict(jump_n_sample=0), "jump_n_sample"), (dict(buffer=-1), "buffer"), (dict(mix="avg"), "mix"),
     (dict(eta=1.5), "eta"), (dict(lam=2.0), "lam"), (dict(lam_axis="log"), "lam_axis"),
     (dict(lam_reference=0), "lam_reference"), (dict(heat="manhattan"), "heat metric"),
     (dict(buffer_metric="l3"), "buffer metric"), (dict(sampler="ddnm"), "sampler")],
)  # fmt: skip
def test_bad_settings_are_refused_once_with_a_clear_message(kw, match):
    with pytest.raises(gip.GipError, match=match):
        Settings(**kw)


def test_replace_validates_and_rejects_unknown_names():
    s = Settings().replace(steps=20, jump_length=4)
    assert (s.steps, s.jump_length) == (20, 4)
    with pytest.raises(gip.GipError, match="unknown setting 'step'"):
        Settings().replace(step=20)
    with pytest.raises(gip.GipError, match="jump_length"):
        Settings().replace(steps=5)  # j = 5 >= T = 5


def test_row_is_flat_and_describes_schedules():
    row = Settings(lam=lambdas.Floor(p=0.3, lam_max=0.5), heat={"ramp": 2}).row()
    assert set(FIELDS) <= set(row) and row["model_calls"] == 95
    assert row["lam"] == "floor(p=0.3, lam_max=0.5)" and row["p"] == 0.3 and row["lam_max"] == 0.5
    assert row["heat"] == "chessboard(ramp=2)"
    assert describe(None) == "off" and describe(lambdas.Constant(1.0)) == "constant(1)"


def test_inpaint_accepts_settings_and_overrides(tiny_model, images16):
    scene, target, fill = images16
    st = Settings(steps=8, jump_length=2, jump_n_sample=2, lam=0.5)
    a = gip.inpaint(scene, target, fill, st, model=tiny_model, progress=False)
    b = gip.inpaint(scene, target, fill, model=tiny_model, progress=False, steps=8, jump_length=2, jump_n_sample=2, lam=0.5)
    assert torch.equal(a.tensor, b.tensor) and a.settings == st == b.settings
    c = gip.inpaint(scene, target, fill, st, model=tiny_model, progress=False, buffer=0)
    assert c.settings == st.replace(buffer=0)
    with pytest.raises(gip.GipError, match="unknown setting"):
        gip.inpaint(scene, target, fill, model=tiny_model, jump=3)


# --- the lambda time axis ---------------------------------------------------------------------------------


def test_snr_axis_equals_the_literal_axis_at_the_reference_resolution():
    acp = DDPMScheduler(num_train_timesteps=1000).alphas_cumprod
    lit = lambdas.level_taus(50, acp, 256, lambdas.Axis("literal"))
    assert lit == [(t + 1) / 50 for t in range(-1, 50)]
    assert np.allclose(lambdas.level_taus(50, acp, 256, lambdas.Axis("snr", 256)), lit)


def test_snr_axis_matches_the_signal_to_noise_ratio():
    acp = DDPMScheduler(num_train_timesteps=1000).alphas_cumprod.double().numpy()
    T, res, ref = 50, 32, 256
    taus = lambdas.level_taus(T, acp, res, lambdas.Axis("snr", ref))
    snr = acp / (1 - acp)
    assert taus[0] == 0.0 and all(b >= a for a, b in zip(taus, taus[1:]))  # monotone
    assert all(tau >= lit for tau, lit in zip(taus, lambdas.level_taus(T, acp, res, lambdas.Axis("literal"))))
    for t in (2, 5, 10):  # the matched level carries the same information: SNR_ref(k') = SNR(k) * (32/256)^2
        k_matched = (taus[t + 1] * T - 1) * (1000 // T)
        assert np.interp(k_matched, np.arange(1000), np.log(snr)) == pytest.approx(
            np.log(snr[t * 20]) + 2 * np.log(res / ref), abs=1e-3
        )


def test_the_paper_schedule_acts_longer_on_the_matched_axis(embedded_model):
    acp = embedded_model.scheduler.alphas_cumprod
    lit = lambdas.values(lambdas.Linear(0.75), 50)
    snr = lambdas.values(lambdas.Linear(0.75), 50, lambdas.level_taus(50, acp, 32))
    assert sum(v > 0 for v in snr) > sum(v > 0 for v in lit)
    assert lit[10 + 1] == 0.0 and snr[10 + 1] > 0.4  # level 10 of 50 (training step 200)


def test_custom_callables_see_the_literal_level():
    acp = DDPMScheduler(num_train_timesteps=1000).alphas_cumprod
    seen = []
    lambdas.values(lambda t, T: seen.append((t, T)) or 0.5, 10, lambdas.level_taus(10, acp, 32))
    assert seen == [(t, 10) for t in range(-1, 10)]


def test_a_schedule_that_is_zero_everywhere_warns():
    with pytest.warns(UserWarning, match="plain RePaint"):
        lambdas.values(lambdas.Linear(p=0.01), 50)  # p * T < 1: zero at every level
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lambdas.values(0.0, 50)  # asking for RePaint is not a surprise


# --- defects found by an independent check of the method ------------------------------------------------


def test_fill_and_keep_masks_agree_at_exactly_one_half(tiny_model, images16):
    scene, target, _ = images16
    m = np.zeros((16, 16))
    m[4:12, 4:12] = 1.0
    m[4:12, 3] = 0.5  # a resized edge: exactly 0.5
    a = gip.inpaint(scene, target, m, model=tiny_model, steps=6, jump_n_sample=1, progress=False)
    b = gip.inpaint(scene, target, keep_mask=1.0 - m, model=tiny_model, steps=6, jump_n_sample=1, progress=False)
    assert np.array_equal(a.fill, b.fill) and a.fill.sum() == 64
    assert torch.equal(a.tensor, b.tensor)


def test_unconditional_sampling_builds_no_timestep_tensor_per_step(tiny_model, monkeypatch):
    calls = []
    real = torch.tensor
    monkeypatch.setattr(torch, "tensor", lambda *a, **k: calls.append(a) or real(*a, **k))
    gip.sample(tiny_model, n=1, steps=6)
    assert calls == []


def _saved(tmp_path, **sched):
    unet = UNet2DModel(sample_size=16, block_out_channels=(8, 16), layers_per_block=1, norm_num_groups=4,
                       down_block_types=("DownBlock2D",) * 2, up_block_types=("UpBlock2D",) * 2,
                       out_channels=sched.pop("out_channels", 3))  # fmt: skip
    unet.save_pretrained(tmp_path)
    DDPMScheduler(**sched).save_pretrained(tmp_path)
    return tmp_path


def test_loader_refuses_checkpoints_it_cannot_sample(tmp_path):
    with pytest.raises(gip.GipError, match="epsilon-prediction"):
        gip.load_model(_saved(tmp_path / "v", prediction_type="v_prediction"))
    with pytest.raises(gip.GipError, match="learns its variance"):
        gip.load_model(_saved(tmp_path / "l", variance_type="learned_range", out_channels=6))
    assert gip.load_model(_saved(tmp_path / "ok")).resolution == 16


def test_the_papers_configuration():
    p = Settings.paper(steps=20)
    assert p.lam == lambdas.Linear(p=1.0) and p.matte == "off" and p.heat == masks.Heat() and p.buffer == 2
    assert p.steps == 20 and Settings.paper() != Settings()


def test_time_grid_is_a_validated_setting_with_a_cli_option():
    assert Settings().time_grid == "uniform" and Settings(time_grid="power").row()["time_grid"] == "power"
    with pytest.raises(gip.GipError, match="time_grid must be one of 'uniform', 'power'"):
        Settings(time_grid="log")
    assert "time_grid" in gip.settings.OPTIONS


def test_lambda_on_the_power_grid_follows_the_noise_level(embedded_model):
    # literal axis at the reference resolution: tau = k / N + 1 / T, so a level's lambda is that of its noise level
    st = Settings(steps=5, jump_n_sample=1, lam=lambdas.Linear(p=1.0), lam_axis="literal", time_grid="power")
    lam = st.lam_levels(embedded_model)
    ks = gip.schedule.grid_timesteps(1000, 5, "power")
    expected = [0.0] + [min(k / 1000 + 1 / 5, 1.0) for k in ks]  # Linear(1): lambda = tau
    assert np.allclose(lam, expected, atol=1e-9)
    assert lam != st.replace(time_grid="uniform").lam_levels(embedded_model)
