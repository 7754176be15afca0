"""gip.experiment: settings grids, one row per sample, summaries with pandas, figures."""

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
import pytest
import torch

import gip
from gip import experiment, lambdas

FAST = gip.Settings(steps=6, jump_length=2, jump_n_sample=1)


@pytest.fixture(scope="module")
def case():
    g = torch.Generator().manual_seed(3)
    scene = torch.rand(1, 3, 16, 16, generator=g) * 2 - 1
    target = scene.clone()
    sil = np.zeros((16, 16), bool)
    sil[6:10, 5:11] = True
    target[:, :, torch.from_numpy(sil)] = -0.9  # a dark object pasted on the scene
    fill = gip.masks.box(16, 4, 4, 8, 8)
    return gip.Case("dark-bar", scene, target, fill, silhouette=sil)


def test_grid_and_one_at_a_time_labels_and_settings():
    g = experiment.grid(FAST, p=[0.25, 0.5], buffer=[0, 2])
    assert list(g) == ["p=0.25, buffer=0", "p=0.25, buffer=2", "p=0.5, buffer=0", "p=0.5, buffer=2"]
    assert g["p=0.5, buffer=2"] == FAST.replace(lam=type(FAST.lam)(p=0.5), buffer=2)  # the base's own kind
    lin = experiment.grid(FAST.replace(lam=lambdas.Linear()), p=[0.5])["p=0.5"]
    assert lin.lam == lambdas.Linear(p=0.5)
    floor = experiment.grid(FAST.replace(lam=lambdas.Floor(0.3, lam_max=0.5)), p=[0.6])["p=0.6"]
    assert floor.lam == lambdas.Floor(p=0.6, lam_max=0.5)  # p changes the schedule's own parameter
    ofat = experiment.one_at_a_time(FAST, buffer=[0, 4], heat=[False])
    assert list(ofat) == ["base", "buffer=0", "buffer=4", "heat=off"] and ofat["heat=off"].heat is None
    with pytest.raises(gip.GipError, match="cannot vary 'speed'"):
        experiment.grid(FAST, speed=[1])
    with pytest.raises(gip.GipError, match="jump_length"):
        experiment.grid(FAST.replace(jump_n_sample=2), steps=[10, 2])  # every setting validated before a run


def test_run_gives_one_row_per_sample_with_every_setting_and_metric(tiny_model, case):
    settings = experiment.grid(FAST, lam=[0.0, 1.0], heat=[False])
    exp = experiment.run(case, settings, seeds=[0, 1], samples=2, model=tiny_model, progress=False)
    df = exp.df
    assert isinstance(df, pd.DataFrame) and len(df) == 2 * 2 * 2 == len(exp.images)
    for col in ("case", "label", "seed", "sample", "steps", "lam", "p", "buffer", "heat", "model_calls",
                "object_error", "object_survived", "seam", "harmony", "keep_max", "selection_score", "seconds"):
        assert col in df, col
    assert set(df["label"]) == set(settings) and sorted(df["seed"].unique()) == [0, 1]
    assert (df["keep_max"] == 0).all()  # the scene is pasted exactly
    # lam = 1 without heat or buffer pastes the target: the object is exact and survives
    pasted = df[df["label"] == "lam=constant(1), heat=off"]
    assert np.allclose(pasted["object_error"], 0.0, atol=1e-10) and (pasted["object_survived"] == 1.0).all()
    assert (df[df["label"] == "lam=constant(0), heat=off"]["object_error"] > 0.01).all()
    # rows are reproducible from their seed: sample 0 of seed 1 is gip.inpaint(seed=1)'s first sample
    one = gip.inpaint(case.scene, case.target, case.mask, settings["lam=constant(0), heat=off"], model=tiny_model,
                      seed=1, num_samples=2, progress=False)  # fmt: skip
    assert torch.equal(exp.image("dark-bar", "lam=constant(0), heat=off", 2), one.tensor[0])
    summ = exp.summary(by=["label"], metrics=["object_error"])
    assert summ.shape == (2, 2) and summ.loc["lam=constant(1), heat=off", ("object_error", "mean")] < 1e-8
    table = exp.table(metrics=["object_error", "model_calls"])
    assert list(table.columns) == ["n", "object_error", "model_calls"] and (table["n"] == 4).all()
    assert "±" in table.loc["lam=constant(0), heat=off", "object_error"] and table["model_calls"].iloc[0] == "6"
    fig = exp.figure(samples=2)
    assert len(fig.axes) == 2 * (2 + 2)  # scene, target + 2 settings, 2 rows


def test_run_errors(tiny_model, case):
    with pytest.raises(gip.GipError, match="own name"):
        experiment.run([case, case], FAST, model=tiny_model)
    with pytest.raises(gip.GipError, match="sets seed"):
        experiment.run(case, FAST, model=tiny_model, seed=3)
    with pytest.raises(gip.GipError, match="gip.Settings"):
        experiment.run(case, {"a": dict(steps=3)}, model=tiny_model)


def test_insertion_cases_carry_their_object_and_box():
    cases = gip.assets.insertion_cases()
    assert all(c.name.endswith("+" + c.object) for c in cases)
    assert {c.object for c in cases} == {"glasses", "dark-sunglasses", "tophat", "crown"}
    for c in cases:
        x, y, w, h = c.box
        assert c.silhouette[y : y + h, x : x + w].sum() == c.silhouette.sum()  # the object lies in its box
