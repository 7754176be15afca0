"""gip.metrics: exact values on hand-made images, the seam ordering paste > blend, evaluate() on real runs."""

import math

import numpy as np
import pytest
import torch
from scipy import ndimage

import gip
from gip import masks
from gip import metrics as M

H = 32


def smooth_scene(seed: int = 0) -> np.ndarray:
    """(3, H, W) in [-1, 1]: gentle colour ramps plus a little texture."""
    yy, xx = np.mgrid[0:H, 0:H] / H
    s = np.stack([0.3 * xx - 0.2, 0.2 * yy, -0.4 + 0 * xx])
    return s + 0.03 * np.random.default_rng(seed).standard_normal(s.shape)


def disk_target() -> tuple[np.ndarray, np.ndarray]:
    """A dark disk on a white background (the target's own background differs from the scene)."""
    yy, xx = np.mgrid[0:H, 0:H]
    disk = (xx - 16) ** 2 + (yy - 16) ** 2 < 25
    t = np.ones((3, H, H))
    t[:, disk] = -0.8
    return t, disk


def test_scene_preservation_exact_values():
    scene = np.zeros((3, 8, 8))
    out = np.stack([scene, scene])  # (2, 3, 8, 8)
    keep = np.ones((8, 8), bool)
    keep[2:5, 2:5] = False
    out[1, 0, 0, 0] = 0.5  # inside keep: counted
    out[0, :, 3, 3] = 1.0  # outside keep: ignored
    r = M.scene_preservation(out, scene, keep)
    assert r["max"].tolist() == [0.0, 0.5]
    assert r["mean"][1] == pytest.approx(0.5 / (3 * keep.sum()))
    assert r["mean"][0] == 0.0


def test_masked_mse_and_heat_weighting():
    target = np.zeros((3, 9, 9))
    fill = np.zeros((9, 9), bool)
    fill[2:7, 2:7] = True
    heat = masks.heat_map(fill)  # {1/3, 2/3, 1}
    centre, edge = target.copy(), target.copy()
    centre[:, 4, 4] = 1.0
    edge[:, 2, 2] = 1.0
    assert M.masked_mse(centre, target, fill)[0] == pytest.approx(1 / 25)
    assert M.masked_mse(edge, target, fill)[0] == pytest.approx(1 / 25)
    # the heat map weights the centre 3x more than the rim
    assert M.masked_mse(centre, target, heat)[0] == pytest.approx(1.0 / heat.sum())
    assert M.masked_mse(centre, target, heat)[0] == pytest.approx(3 * M.masked_mse(edge, target, heat)[0])
    assert math.isnan(M.masked_mse(centre, target, np.zeros((9, 9)))[0])
    with pytest.raises(gip.GipError, match="must match"):
        M.masked_mse(centre, target, np.ones((8, 8)))
    with pytest.raises(gip.GipError, match="8x8"):
        M.masked_mse(centre, np.zeros((3, 8, 8)), fill)


def test_ssim_identical_is_one_and_noise_lowers_it():
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, (1, 3, 16, 16))
    noisy = np.clip(a + 0.3 * rng.standard_normal(a.shape), -1, 1)
    np.testing.assert_allclose(M.ssim_map(a, a), 1.0, atol=1e-12)
    fill = masks.box(16, 4, 4, 8, 8)
    assert M.masked_ssim(a, a, fill)[0] == pytest.approx(1.0)
    assert M.masked_ssim(noisy, a, fill)[0] < 0.9


def test_ssim_matches_scikit_image():
    skm = pytest.importorskip("skimage.metrics")
    rng = np.random.default_rng(1)
    a = rng.uniform(-1, 1, (3, 20, 20))
    b = np.clip(a + 0.4 * rng.standard_normal(a.shape), -1, 1)
    _, full = skm.structural_similarity(
        a, b, channel_axis=0, data_range=2.0, gaussian_weights=True, use_sample_covariance=False, full=True
    )
    np.testing.assert_allclose(M.ssim_map(a, b)[0], full.mean(0), atol=1e-10)


def test_gradient_magnitude_of_a_ramp():
    ramp = np.tile(np.arange(8) * 0.1 - 0.3, (3, 8, 1))  # slope 0.1 per pixel in each channel
    g = M.gradient_magnitude(ramp)
    np.testing.assert_allclose(g[0, :, 1:-1], 0.1 * math.sqrt(3))
    assert np.abs(M.gradient_magnitude(np.zeros((3, 8, 8)))).max() == 0.0


def test_seam_band_follows_the_fill_edge_only():
    fill = masks.box(16, 5, 5, 6, 6)
    band = M.seam_band(fill, width=1)
    inner = ndimage.binary_erosion(fill)
    outer = ndimage.binary_dilation(fill, np.ones((3, 3), bool))
    np.testing.assert_array_equal(band, outer & ~inner)
    inner2 = ndimage.binary_erosion(fill, np.ones((3, 3), bool), iterations=2)
    outer2 = ndimage.binary_dilation(fill, np.ones((3, 3), bool), iterations=2)
    np.testing.assert_array_equal(M.seam_band(fill), outer2 & ~inner2)  # default width 2
    corner = masks.box(16, 0, 0, 6, 6)  # the image border is not a seam
    assert not M.seam_band(corner, 1)[0, :4].any() and M.seam_band(corner, 1)[0, 5]
    with pytest.raises(gip.GipError, match="no longer takes the keep mask"):
        M.seam_band(fill, masks.scene_buffer(fill, 2))  # the old (fill, keep) call
    with pytest.raises(gip.GipError, match=">= 1"):
        M.seam_band(fill, 0)


def test_seam_visibility_copy_paste_scores_far_above_a_blend():
    scene = smooth_scene()
    target, disk = disk_target()
    fill = masks.box(H, 8, 8, 16, 16)
    paste = np.where(fill, target, scene)  # the target's white background lands in the scene
    alpha = ndimage.gaussian_filter(disk.astype(float), 1.0)
    blend = scene * (1 - alpha) + target * alpha  # the object, softly composited onto the scene
    out = np.stack([paste, blend, scene])
    s = M.seam_visibility(out, scene, fill)
    paste_s, blend_s, scene_s = s["seam"]
    assert paste_s > 2.0 and paste_s > 5 * blend_s  # e^2: edges over 7x as strong as the scene's
    assert blend_s < 0.5 and scene_s == 0.0  # the scene's own edges are the expected ones
    assert s["log_ratio"][0] > 0  # too sharp
    assert s["seam_grad"][0] > 10 * s["seam_grad"][1]
    # per-sample: the batch gives the same numbers as one at a time
    assert M.seam_visibility(blend, scene, fill)["seam"][0] == pytest.approx(blend_s)


@pytest.mark.parametrize("b", [1, 2, 3])
def test_seam_visibility_sees_a_hard_buffer_ring(b):
    """A ring pasted a different colour from the scene is a seam at the fill's edge, even if the fill is perfect."""
    scene = smooth_scene(1)
    fill = masks.box(H, 10, 10, 12, 12)
    ring = ~fill & ~masks.scene_buffer(fill, b)
    good = scene.copy()
    bad = np.where(ring, 0.9, scene)
    s = M.seam_visibility(np.stack([good, bad]), scene, fill)["seam"]
    assert s[0] == 0.0 and s[1] > math.log(5)


def test_evaluate_on_a_run(tiny_model, images16):
    scene, target, fill = images16
    res = gip.inpaint(scene, target, fill, model=tiny_model, steps=5, jump_n_sample=1, buffer=1, num_samples=2,
                      progress=False)  # fmt: skip
    out = M.evaluate(res, scene, target)
    assert list(out) == [*M.METRIC_KEYS, *M.COST_KEYS]
    assert all(isinstance(v, float) for v in out.values())
    assert all(math.isfinite(v) == (not k.startswith("object_")) for k, v in out.items())  # no silhouette: NaN
    assert out["keep_max"] == 0.0 and out["keep_mean"] == 0.0  # K_b is pasted exactly
    assert out["ring_mean"] > 0.0  # the buffer ring is generated
    assert out["model_calls"] == res.model_calls == 5
    per = M.evaluate_samples(res, scene, target)
    assert len(per) == 2 and per[0] != per[1]
    assert out["fill_mse"] == pytest.approx((per[0]["fill_mse"] + per[1]["fill_mse"]) / 2)
    rep = M.evaluate(gip.repaint(scene, fill, model=tiny_model, steps=3, jump_n_sample=1, progress=False), scene, None)
    assert math.isnan(rep["fill_mse"]) and rep["ring_mean"] == 0.0 and rep["keep_max"] == 0.0


def test_evaluate_with_a_silhouette_on_the_embedded_model(embedded_model):
    """Sunglasses placed with gip.place_object: the object metrics are measured, the others unchanged."""
    scene = gip.images.to_tensor(gip.assets.path("grinning"))
    canvas, sil = gip.place_object(gip.assets.load("sunglasses-rgba64"), 32, (4, 8, 24, 10))
    target = torch.where(torch.from_numpy(sil), gip.images.to_tensor(canvas), scene)
    fill = ndimage.binary_dilation(sil, np.ones((3, 3), bool))
    res = gip.inpaint(scene, target, fill, model=embedded_model, steps=10, jump_n_sample=1, buffer=1, seed=0,
                      num_samples=2, progress=False)  # fmt: skip
    out = M.evaluate(res, scene, target, silhouette=sil)
    assert list(out) == [*M.METRIC_KEYS, *M.COST_KEYS]
    assert all(isinstance(v, float) and math.isfinite(v) for v in out.values())
    per = M.evaluate_samples(res, scene, target, silhouette=sil)
    for p in per:
        assert p["object_survived"] == float(M.survived(p["object_presence"], p["object_structure"]))
        assert p["object_error"] > 0 and p["seam"] >= 0 and p["harmony"] >= 0
        assert math.isfinite(M.selection_score(p))
    assert out["object_survived"] == pytest.approx(np.mean([p["object_survived"] for p in per]))
    plain = M.evaluate(res, scene, target)
    for k in ("keep_max", "keep_mean", "ring_mean", "fill_mse", "fill_mse_heat", "fill_ssim"):
        assert plain[k] == out[k]
    assert math.isnan(M.selection_score(plain))  # no object_ratio: cannot be ranked


def test_evaluate_copy_paste_mode_matches_the_target(tiny_model, images16):
    """lam = 1, heat off, no buffer: the fill region is the target exactly (eq. 3 with Lambda = 1: book chapter 3)."""
    scene, target, fill = images16
    res = gip.inpaint(scene, target, fill, model=tiny_model, steps=4, jump_n_sample=1, lam=1.0, heat=False,
                      buffer=0, progress=False)  # fmt: skip
    out = M.evaluate(res, scene, target)
    assert out["fill_mse"] < 1e-12 and out["fill_mse_heat"] < 1e-12


def test_evaluate_resizes_the_references(tiny_model):
    big_scene = torch.rand(1, 3, 32, 32) * 2 - 1
    big_target = torch.rand(1, 3, 32, 32) * 2 - 1
    fill = masks.box(32, 8, 8, 16, 16)
    res = gip.inpaint(big_scene, big_target, fill, model=tiny_model, steps=3, jump_n_sample=1, resize=True,
                      progress=False)  # fmt: skip
    out = M.evaluate(res, big_scene, big_target)
    assert out["keep_max"] < 1e-6  # compared with the scene as the sampler saw it (resized)
