import numpy as np
import pytest
import torch
from scipy import ndimage

import gip
from gip import masks


def hole(n=9, k=5):
    m = np.zeros((n, n), bool)
    o = (n - k) // 2
    m[o : o + k, o : o + k] = True
    return m


def test_heat_map_5x5_hole_chessboard():
    h = masks.heat_map(hole())
    assert h.max() == 1.0
    assert (h[~hole()] == 0).all()
    assert sorted(np.unique(np.round(h[hole()], 6))) == pytest.approx([1 / 3, 2 / 3, 1.0])


@pytest.mark.parametrize("metric", ["chessboard", "taxicab", "euclidean"])
def test_heat_map_properties(metric):
    rng = np.random.default_rng(0)
    fill = ndimage.binary_dilation(rng.random((24, 24)) > 0.97, iterations=3)
    h = masks.heat_map(fill, metric=metric)
    assert h.max() == 1.0 and (h[~fill] == 0).all() and (h[fill] > 0).all() and (h <= 1).all()
    d = masks.distance_to(fill, metric)
    # non-decreasing with distance: sorting by distance sorts the heat
    order = np.argsort(d[fill], kind="stable")
    assert (np.diff(h[fill][order]) >= -1e-12).all()


def test_heat_map_options():
    f = hole(11, 7)
    assert np.allclose(masks.heat_map(f, exponent=2.0), masks.heat_map(f) ** 2)
    r = masks.heat_map(f, ramp=2)
    assert set(np.unique(r[f])) == {0.5, 1.0}
    with pytest.raises(gip.GipError, match="metric"):
        masks.heat_map(f, metric="manhattan")


def test_scene_buffer_zero_is_keep():
    f = hole()
    assert np.array_equal(masks.scene_buffer(f, 0), ~f)


@pytest.mark.parametrize("b", [1, 2, 3])
def test_scene_buffer_removes_exactly_the_ring(b):
    f = hole(15, 3)
    kb = masks.scene_buffer(f, b)
    assert not (kb & f).any() and (kb <= ~f).all()
    ys, xs = np.nonzero(f)
    for y in range(15):
        for x in range(15):
            if f[y, x]:
                continue
            dist = np.max(np.stack([abs(ys - y), abs(xs - x)]), axis=0).min()  # chessboard
            assert kb[y, x] == (dist > b), (y, x, dist)


def test_scene_buffer_rejects_negative():
    with pytest.raises(gip.GipError, match="buffer"):
        masks.scene_buffer(hole(), -1)


def test_validate_fill_errors_and_threshold():
    with pytest.raises(gip.GipError, match="empty"):
        masks.validate_fill(np.zeros((4, 4)))
    with pytest.raises(gip.GipError, match="whole image"):
        masks.validate_fill(np.ones((4, 4)))
    with pytest.raises(gip.GipError, match="NaN"):
        masks.validate_fill(np.full((4, 4), np.nan))
    soft = np.zeros((4, 4))
    soft[1, 1], soft[2, 2] = 0.7, 0.3
    assert masks.validate_fill(soft).sum() == 1


def test_fill_keep_roundtrip():
    f = hole()
    assert np.array_equal(~masks.keep_from_fill(f), f)
    assert np.array_equal(masks.keep_from_fill(torch.from_numpy(f)[None, None]), ~f)


def test_box_mask():
    m = masks.box(8, 2, 1, 3, 4)
    assert m.sum() == 12 and m[1, 2] and m[4, 4] and not m[5, 2]
    with pytest.raises(gip.GipError, match="inside"):
        masks.box(8, 6, 0, 3, 2)


def test_check_box_is_the_one_box_check():
    assert masks.check_box((1, 2, 3, 4), 8, 8) == (1, 2, 3, 4)
    with pytest.raises(gip.GipError, match="reaches past the 8x6 canvas: it must lie inside"):
        masks.check_box((6, 0, 3, 2), 8, 6, "canvas")
    with pytest.raises(gip.GipError, match="x and y must be >= 0"):
        masks.check_box((-1, 0, 3, 2))
    assert gip.auto.check_box is masks.check_box
