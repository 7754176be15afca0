import re

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
import torch
from PIL import Image

import gip
from gip import viz


@pytest.fixture(scope="module")
def guided(tiny_model):
    g = torch.Generator().manual_seed(1)
    scene = torch.rand(1, 3, 16, 16, generator=g) * 2 - 1
    target = torch.rand(1, 3, 16, 16, generator=g) * 2 - 1
    fill = gip.masks.box(16, 4, 4, 8, 8)
    return gip.inpaint(scene, target, fill, model=tiny_model, steps=10, jump_length=2, jump_n_sample=2,
                       buffer=1, record=True, progress=False)  # fmt: skip


@pytest.fixture(scope="module")
def plain(tiny_model):
    scene = torch.zeros(1, 3, 16, 16)
    return gip.repaint(scene, gip.masks.box(16, 2, 2, 6, 6), model=tiny_model, steps=6, record=True, progress=False)


def test_show_row_and_as_display_still_work():
    fig = viz.show_row({"a": torch.zeros(1, 3, 8, 8), "m": np.ones((8, 8), bool)})
    assert len(fig.axes) == 2
    assert viz.as_display(torch.ones(3, 4, 5)).shape == (4, 5, 3)


def test_frame_indices():
    assert viz.frame_indices(5) == [0, 1, 2, 3, 4]
    idx = viz.frame_indices(100, 10)
    assert len(idx) == 10 and idx[0] == 0 and idx[-1] == 99
    assert viz.frame_indices(100, 1) == [99]


def test_panels_guided_and_repaint(guided, plain):
    tr = guided.trajectory
    p = viz.trajectory_panels(tr, len(tr) - 1)
    assert list(p) == ["x_t", "x0_hat", "known", "target", "generated", "Lambda"]
    assert p["x_t"].shape == (16, 16, 3) and p["Lambda"].shape == (16, 16)
    assert np.all(p["known"][~tr.keep.numpy()] == viz.GRAY)  # masked outside K_b
    assert p["Lambda"].max() == pytest.approx(tr.lam[-1] * 1.0)
    q = viz.trajectory_panels(plain.trajectory, 0)
    assert list(q) == ["x_t", "x0_hat", "known", "generated", "mask"]
    assert "entry 1/" in viz.frame_title(plain.trajectory, 0)
    assert "t=clean" in viz.frame_title(tr, len(tr) - 1)


def test_scrubber_embeds_requested_frames(guided):
    n = len(guided.trajectory)
    html = viz.scrubber(guided.trajectory, max_frames=7).data
    assert len(re.findall(r"frames\[\d+\] = ", html)) == 7
    assert "data:image/png;base64" in html
    full = viz.scrubber(guided.trajectory, max_frames=None).data
    assert len(re.findall(r"frames\[\d+\] = ", full)) == n


def test_filmstrip_grid(guided):
    fig = viz.filmstrip(guided.trajectory, n=5, parts=("x_t", "x0", "target"))
    assert len(fig.axes) == 15
    assert fig.axes[4].get_title() == "clean"


def test_schedule_plot_points_and_colours():
    fig = viz.schedule_plot(50, 5, 2)
    ax = fig.axes[0]
    down, up = ax.collections
    assert len(down.get_offsets()) == gip.count_model_calls(50, 5, 2) == 95
    assert len(down.get_offsets()) + len(up.get_offsets()) == len(gip.jump_schedule(50, 5, 2))
    fig2 = viz.schedule_plot(gip.jump_schedule(10, 1, 1))
    assert len(fig2.axes[0].collections[1].get_offsets()) == 0  # r = 1: no up-steps


def test_alphabar_and_forward_grid(tiny_model):
    fig = viz.alphabar_plot(tiny_model.scheduler)
    y = fig.axes[0].lines[0].get_ydata()
    assert len(y) == 1000 and y[0] > 0.99 and y[-1] < 1e-3
    fig = viz.forward_grid(torch.zeros(1, 3, 8, 8), tiny_model.scheduler, timesteps=(0, 500, 999))
    assert len(fig.axes) == 3


def test_gif_export_has_frames(guided, tmp_path):
    out = viz.save_animation(guided.trajectory, tmp_path / "t.gif", max_frames=6)
    with Image.open(out) as im:
        assert im.n_frames == 6


def test_mp4_needs_ffmpeg_or_bad_ext(guided, tmp_path, monkeypatch):
    from matplotlib import animation

    monkeypatch.setattr(animation.writers, "is_available", lambda name: False)
    with pytest.raises(gip.GipError, match="ffmpeg"):
        viz.save_animation(guided.trajectory, tmp_path / "t.mp4")
    with pytest.raises(gip.GipError, match="gif"):
        viz.save_animation(guided.trajectory, tmp_path / "t.avi")


def test_show_grid():
    img, mask = torch.zeros(1, 3, 8, 8), np.ones((8, 8), bool)
    fig = viz.show_grid([[img, mask], [mask, img]], col_titles=["a", "b"], row_titles=["r0", "r1"])
    assert len(fig.axes) == 4 and fig.axes[1].get_title() == "b"
    assert [t.get_text() for t in fig.axes[2].texts] == ["r1"]
    assert not fig.axes[0].axison and fig.axes[1].axison  # masks keep a frame (white on the white page)
    with pytest.raises(ValueError, match="rows of equal length"):
        viz.show_grid([[img, img], [img]])


def test_page_grid_fills_the_page_with_large_panels():
    import torch

    from gip import viz

    img, mask = torch.zeros(1, 3, 32, 32), torch.zeros(32, 32)
    fig = viz.page_grid([[img, img, mask, img]] * 2, col_titles=list("abcd"), row_titles=["r0", "r1"])
    assert fig.get_figwidth() * fig.dpi <= viz.PAGE_PX and viz.panel_px(fig) >= 150
    titles = viz.page_grid([[img, img]], titles=[["left", "right"]])
    assert [ax.get_title() for ax in titles.axes] == ["left", "right"]
    with pytest.raises(ValueError):
        viz.page_grid([[img], [img, img]])


def test_the_scrubber_wraps_its_panels_at_the_page_width(tiny_model, images16):
    import gip
    from gip import viz

    scene, target, fill = images16
    res = gip.inpaint(scene, target, fill, model=tiny_model, steps=4, jump_n_sample=1, record=True, progress=False)
    anim = viz.scrubber_animation(res.trajectory, max_frames=3, cols=3)
    fig = anim._fig
    assert fig.get_figwidth() * fig.dpi <= viz.PAGE_PX + 1 and viz.panel_px(fig) >= 150
    anim.to_jshtml()  # renders (and so is not deleted unrendered)
    __import__("matplotlib.pyplot").pyplot.close(fig)
