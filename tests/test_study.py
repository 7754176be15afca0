"""gip.study: the noise-std check, comparisons with metrics, one-factor studies, tables, plots, explorer."""

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import gip
from gip import study

FAST = dict(steps=4, jump_n_sample=1)


def test_mixed_noise_std_matches_formula():
    rows = study.mixed_noise_std([0.0, 0.5, 1.0], n=50_000)
    assert [r["lam"] for r in rows] == [0.0, 0.5, 1.0]
    for r in rows:
        assert r["predicted"] == pytest.approx(math.sqrt(r["lam"] ** 2 + (1 - r["lam"]) ** 2))
        assert r["measured"] == pytest.approx(r["predicted"], abs=0.01)
    assert rows[1]["predicted"] == pytest.approx(0.7071, abs=1e-4)
    with pytest.raises(gip.GipError):
        study.mixed_noise_std([1.5])


def test_compare_rows_summary_table_and_figure(tiny_model, images16):
    scene, target, fill = images16
    cmp = study.compare(scene, target, fill, {"repaint": dict(lam=0.0), "paste": dict(lam=1.0, heat=False, buffer=0)},
                        samples=2, model=tiny_model, **FAST)  # fmt: skip
    assert cmp.labels == ["repaint", "paste"] and len(cmp.rows) == 4
    assert {r["label"] for r in cmp.rows} == {"repaint", "paste"}
    assert all(r["keep_max"] == 0.0 and r["model_calls"] == 4 for r in cmp.rows)
    assert cmp.mean("paste", "fill_mse") == pytest.approx(0.0, abs=1e-10)  # lam = 1, no heat: the target exactly
    summ = cmp.summary()
    assert [s["label"] for s in summ] == ["repaint", "paste"] and summ[0]["n"] == 2
    table = cmp.table()
    assert "<table>" in table._repr_html_() and "repaint" in str(table) and "±" in str(table)
    fig = cmp.figure(scene, target)
    assert len(fig.axes) == 2 * 4
    with pytest.raises(gip.GipError):
        study.compare(scene, target, fill, {}, model=tiny_model)
    with pytest.raises(gip.GipError):
        study.compare(scene, target, fill, {"a": {}}, model=tiny_model, seed=1, num_samples=2)


def test_one_at_a_time_and_quality_cost_plot(tiny_model, images16, tmp_path):
    scene, target, fill = images16
    path = tmp_path / "ofat.csv"
    rows = study.one_at_a_time(scene, target, fill, dict(steps=4, jump_n_sample=1, p=0.5, buffer=0),
                               {"p": [0.5, 1.0], "buffer": [0, 1]}, seeds=[0, 1], model=tiny_model, csv_path=path)  # fmt: skip
    assert len(rows) == 8 and path.exists()
    assert [(r["factor"], r["value"]) for r in rows[::2]] == [("p", 0.5), ("p", 1.0), ("buffer", 0), ("buffer", 1)]
    assert all(r["buffer"] == 0 for r in rows[:4]) and all(r["p"] == 0.5 for r in rows[4:])
    summ = gip.summarize(rows, by=["factor", "value"])
    assert len(summ) == 4 and summ[0]["n"] == 2
    fig = study.quality_cost_plot(summ, y="seam")
    assert fig.axes[0].get_xlabel() == "model_calls"
    ranked = study.rank(summ, tolerance=0.0)
    assert [r["score"] for r in ranked] == sorted(r["score"] for r in ranked) and ranked[0]["near_best"]
    assert ranked[0]["score"] == pytest.approx(ranked[0]["seam_mean"] + 2 * math.sqrt(ranked[0]["fill_mse_heat_mean"]))
    t = study.summary_table(summ, ["factor", "value"], ["seam", "model_calls"])
    assert t.columns == ["factor", "value", "n", "seam", "model_calls"]


def test_lambda_plot_and_explorer(tiny_model, images16):
    fig = study.lambda_plot({"linear": gip.lambdas.Linear(0.5), "const": 0.3}, steps=10, jump_length=2, jump_n_sample=2)
    a, b = fig.axes
    assert len(a.lines) == 2 and len(b.lines) == 2
    ys = b.lines[1].get_ydata()
    assert np.allclose(ys, 0.3)
    down = gip.count_model_calls(10, 2, 2)
    assert len(b.lines[0].get_xdata()) == down
    scene, target, fill = images16
    box = study.explorer(scene, target, fill, {"lam": (0.0, 1.0, 0.1, 0.5), "mix": ["noisy", "x0"], "heat": True},
                         model=tiny_model, **FAST)  # fmt: skip
    assert set(box.controls) == {"lam", "mix", "heat"} and box.result is None
    res = box.run()
    assert box.result is res and res.settings["mix"] == "noisy" and res.trajectory is not None
    with pytest.raises(gip.GipError):
        study.explorer(scene, target, fill, {"x": object()}, model=tiny_model)
