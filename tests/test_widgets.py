import matplotlib

matplotlib.use("Agg")
import pytest
import torch

ipywidgets = pytest.importorskip("ipywidgets")

import gip
from gip import widgets


@pytest.fixture(scope="module")
def inputs():
    g = torch.Generator().manual_seed(2)
    scene = torch.rand(1, 3, 16, 16, generator=g) * 2 - 1
    target = torch.rand(1, 3, 16, 16, generator=g) * 2 - 1
    return scene, target, gip.masks.box(16, 4, 4, 8, 8)


def test_trajectory_scrubber(tiny_model, inputs):
    scene, target, fill = inputs
    res = gip.inpaint(scene, target, fill, model=tiny_model, steps=6, jump_length=2, record=True, progress=False)
    w = widgets.TrajectoryScrubber(res.trajectory)
    n = len(res.trajectory)
    assert w.slider.max == n - 1 and w.slider.value == n - 1
    last = w.image.value
    assert last[:4] == b"\x89PNG"
    w.slider.value = 0
    assert w.image.value != last


def test_explorer_guided_controls_and_run(tiny_model, inputs):
    scene, target, fill = inputs
    st = gip.Settings(steps=10, jump_length=2, jump_n_sample=2, lam=gip.lambdas.Linear(p=1.0))
    ex = widgets.explorer(scene, target, fill, st, model=tiny_model)
    assert set(ex.controls) == set(widgets.GUIDED_CONTROLS)
    assert ex.result is None and ex.settings() == st
    assert f"{gip.count_model_calls(10, 2, 2)} model calls" in ex.status.value
    ex.controls["p"].value = 0.5
    ex.controls["lam_axis"].value = "literal"
    ex.button.click()
    res = ex.result
    assert res is not None and res.tensor.shape == (1, 3, 16, 16)
    assert res.settings == st.replace(lam=gip.lambdas.Linear(p=0.5), lam_axis="literal")
    # the progress bar is driven by the step callback, one tick per model call
    assert ex.progress.value == ex.progress.max == res.model_calls == gip.count_model_calls(10, 2, 2)
    assert len(ex.view.children) == 2  # result row + scrubber
    assert isinstance(ex.view.children[1], widgets.TrajectoryScrubber)
    ex.controls["schedule"].value = "floor"
    ex.controls["heat"].value = True
    assert ex.settings().lam == gip.lambdas.Floor(p=0.5) and ex.settings().heat == gip.masks.Heat()
    ex.controls["steps"].value = 10
    ex.controls["jump_length"].value = 15
    assert "invalid" in ex.status.value  # j >= T: said, not raised


def test_explorer_chosen_controls_and_bad_names(tiny_model, inputs):
    scene, target, fill = inputs
    ex = widgets.explorer(scene, target, fill, gip.Settings(lam=gip.lambdas.Cosine(p=0.4)), model=tiny_model,
                          controls=["p", "buffer", "mix"])  # fmt: skip
    assert list(ex.controls) == ["p", "buffer", "mix"] and ex.settings().lam == gip.lambdas.Cosine(p=0.4)
    with pytest.raises(gip.GipError, match="unknown control 'quadratic'"):
        widgets.explorer(scene, target, fill, model=tiny_model, controls=["quadratic"])


def test_explorer_repaint_mode_and_saved_result(tiny_model, inputs):
    scene, _, fill = inputs
    ex = widgets.explorer(scene, None, fill, gip.Settings(steps=10, jump_length=5, jump_n_sample=1, buffer=0),
                          model=tiny_model)  # fmt: skip
    assert set(ex.controls) == set(widgets.REPAINT_CONTROLS)
    res = ex.run()
    assert res.model_calls == 10 and res.settings.lam == gip.lambdas.Constant(0.0)
    shown = widgets.explorer(scene, None, fill, model=tiny_model, result=res)
    assert shown.result is res and shown.progress.value == 10


def test_explorer_accepts_paths_like_inpaint(tiny_model):
    ex = widgets.explorer(gip.assets.path("grinning"), gip.assets.path("sunglasses"), gip.masks.box(32, 4, 8, 24, 9),
                          gip.Settings(steps=4, jump_length=2, jump_n_sample=1), model=gip.load_model())  # fmt: skip
    res = ex.run()
    assert res.tensor.shape == (1, 3, 32, 32) and ex.image.value[:4] == b"\x89PNG"


def test_every_setting_has_a_control(tiny_model, inputs):
    """The controls are made from gip.Settings' fields (lam as schedule and p): any of them, at their values."""
    from gip.settings import OPTIONS

    assert set(widgets.CONTROLS) == (set(OPTIONS) - {"lam"}) | {"schedule", "p", "seed"}
    scene, target, fill = inputs
    st = gip.Settings(steps=10, jump_length=2, buffer_metric="taxicab", lam_reference=128, sampler="ddim", eta=0.0)
    ex = widgets.explorer(scene, target, fill, st, model=tiny_model, controls=widgets.CONTROLS)
    assert ex.settings() == st and ex.controls["buffer_metric"].options == ("chessboard", "taxicab", "euclidean")
    ex.controls["sampler"].value = "projection"
    assert ex.settings() == st.replace(sampler="projection")
