"""gip.sweep: grid x seeds, tidy rows, the CSV round trip, summaries, and errors before any sampling."""

import math

import numpy as np
import pytest

import gip
from gip import metrics
from gip.sweep import GRID_KEYS, PARAM_COLUMNS, load_csv, summarize, sweep, write_csv

FAST = dict(steps=4, jump_n_sample=1, progress=False)


class Exploding:
    """A stand-in model that fails the test if the sweep starts sampling."""

    name = "exploding"
    resolution = 16

    def __getattr__(self, k):
        raise AssertionError("the sweep sampled before validating its arguments")


def test_grid_times_seeds_rows_and_csv(tiny_model, images16, tmp_path):
    scene, target, fill = images16
    path = tmp_path / "runs.csv"
    rows = sweep(scene, target, fill, {"p": [0.5, 1.0], "buffer": [0, 1]}, seeds=[0, 1], model=tiny_model,
                 csv_path=path, **FAST)  # fmt: skip
    assert len(rows) == 8
    assert [(r["p"], r["buffer"], r["seed"]) for r in rows[:4]] == [(0.5, 0, 0), (0.5, 0, 1), (0.5, 1, 0), (0.5, 1, 1)]
    assert list(rows[0]) == [*PARAM_COLUMNS, "seed", *metrics.METRIC_KEYS, *metrics.COST_KEYS]
    r = rows[0]
    assert r["model"] == "tiny-random" and r["steps"] == 4 and r["jump_n_sample"] == 1 and r["lam"] == 1.0
    assert r["schedule"] == repr(gip.lambdas.Linear(p=0.5)) and r["heat"] is True and r["mix"] == "noisy"
    assert all(row["keep_max"] == 0.0 and row["model_calls"] == 4 for row in rows)
    assert rows[0]["fill_mse"] != rows[1]["fill_mse"]  # the seed matters
    table = summarize(rows)  # default grouping: the swept columns
    assert [(d["p"], d["buffer"], d["n"]) for d in table] == [(0.5, 0, 2), (0.5, 1, 2), (1.0, 0, 2), (1.0, 1, 2)]
    assert "schedule" not in table[0] and table[0]["seam_mean"] == pytest.approx((rows[0]["seam"] + rows[1]["seam"]) / 2)
    back = load_csv(path)
    assert len(back) == 8 and list(back[0]) == list(rows[0])
    for a, b in zip(rows, back):
        for k, v in a.items():
            assert b[k] == pytest.approx(v) if isinstance(v, float) else b[k] == v, k
    assert [p.name for p in tmp_path.iterdir()] == ["runs.csv"]  # no temp files left behind


def test_same_seed_same_row(tiny_model, images16):
    scene, target, fill = images16
    a = sweep(scene, target, fill, {"lam": [0.3]}, seeds=[5], model=tiny_model, **FAST)
    b = sweep(scene, target, fill, {"lam": [0.3]}, seeds=[5], model=tiny_model, **FAST)
    drop = ("seconds",)
    assert {k: v for k, v in a[0].items() if k not in drop} == {k: v for k, v in b[0].items() if k not in drop}
    assert a[0]["p"] is None and a[0]["schedule"] == repr(gip.lambdas.Constant(0.3))


def test_lam_zero_vs_one_changes_fidelity(tiny_model, images16):
    """Sanity of the whole chain: lam = 1 without heat or buffer copies the target, lam = 0 does not."""
    scene, target, fill = images16
    rows = sweep(scene, target, fill, {"lam": [0.0, 1.0]}, seeds=[0], model=tiny_model, heat=False, buffer=0, **FAST)
    assert rows[1]["fill_mse"] < 1e-12 < rows[0]["fill_mse"]
    assert rows[1]["heat"] is False and rows[1]["buffer"] == 0


def test_summarize_mean_std_by_setting():
    rows = [
        {"p": 0.5, "buffer": 0, "seed": s, "seam": v, "fill_mse": 2 * v}
        for s, v in enumerate([1.0, 2.0, 3.0])
    ] + [{"p": 1.0, "buffer": 0, "seed": 0, "seam": 5.0, "fill_mse": float("nan")}]
    out = summarize(rows, by=["p"])
    assert [(d["p"], d["n"]) for d in out] == [(0.5, 3), (1.0, 1)]
    assert out[0]["seam_mean"] == 2.0 and out[0]["seam_std"] == pytest.approx(1.0)  # ddof = 1
    assert out[0]["fill_mse_mean"] == 4.0
    assert out[1]["seam_std"] == 0.0 and math.isnan(out[1]["fill_mse_mean"])
    auto = summarize(rows)  # groups by the parameter columns that vary: p only
    assert [k for k in auto[0] if k in PARAM_COLUMNS] == ["p"]
    with pytest.raises(gip.GipError, match="cannot group by"):
        summarize(rows, by=["eta"])
    with pytest.raises(gip.GipError, match="no rows"):
        summarize([])


def test_write_csv_is_readable_and_atomic(tmp_path):
    rows = [{"a": 1, "b": None, "c": True, "d": 0.5, "e": "x"}, {"a": 2, "f": float("nan")}]
    path = write_csv(rows, tmp_path / "t.csv")
    back = load_csv(path)
    assert back[0] == {"a": 1, "b": None, "c": True, "d": 0.5, "e": "x", "f": None}
    assert back[1]["a"] == 2 and math.isnan(back[1]["f"])
    with pytest.raises(gip.GipError, match="does not exist"):
        write_csv(rows, tmp_path / "missing" / "t.csv")


@pytest.mark.parametrize(
    "grid, kwargs, match",
    [
        ({"temperature": [1.0]}, {}, "grid keys must be among"),
        ({"p": []}, {}, "is empty"),
        ({"p": [1.5]}, {}, "p must be"),
        ({"buffer": [0, 1]}, {"buffer": 2}, "both in grid"),
        ({"p": [0.5]}, {"seed": 3}, "sets seed"),
        ({"p": [0.5]}, {"stepz": 3}, "no keyword stepz"),
        ({"p": [0.5]}, {"seeds": []}, "seeds is empty"),
        ({"p": [0.5]}, {"csv_path": "/nonexistent-dir/x.csv"}, "does not exist"),
        ({"steps": [20, 5]}, {"jump_length": 5, "jump_n_sample": 2}, "jump_length must be below steps"),
        ({"eta": [0.0, 2.0]}, {}, "need eta in"),
        ({"mix": ["noisy", "x1"]}, {}, "mix 'noisy' or 'x0'"),
        ("p", {}, "grid must be a dict"),
    ],
)
def test_bad_arguments_fail_before_sampling(images16, grid, kwargs, match):
    scene, target, fill = images16
    with pytest.raises(gip.GipError, match=match):
        sweep(scene, target, fill, grid, model=Exploding(), **kwargs)


def test_grid_keys_cover_the_brief():
    assert set(GRID_KEYS) == {"steps", "jump_length", "jump_n_sample", "p", "lam", "buffer", "heat", "mix", "eta"}
    assert np.all([k in PARAM_COLUMNS for k in GRID_KEYS])
