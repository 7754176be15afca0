"""gip.matte: where the target's matte comes from, on inputs whose answer is known."""

import numpy as np
import pytest
import torch
from PIL import Image
from scipy import ndimage

import gip
from gip import benchmark, matte

FAST = dict(steps=8, jump_length=2, jump_n_sample=2, progress=False)


def _case(kind: str, pair: int = 2):
    return benchmark.case(gip.assets.insertion_pairs()[pair], kind)


def test_alpha_of_reads_transparency_only():
    rgba = Image.new("RGBA", (4, 4), (10, 20, 30, 0))
    rgba.putpixel((1, 1), (10, 20, 30, 255))
    a = matte.alpha_of(rgba)
    assert a.shape == (4, 4) and a[1, 1] == 1.0 and a.sum() == 1.0
    assert matte.alpha_of(rgba.convert("RGB")) is None and matte.alpha_of(torch.zeros(1, 3, 4, 4)) is None
    assert matte.alpha_of(np.asarray(rgba))[1, 1] == 1.0
    assert matte.alpha_of(Image.new("RGBA", (4, 4), (0, 0, 0, 255))) is None  # opaque: no matte in it


@pytest.mark.parametrize("kind,expected", [("aligned", "aligned"), ("boxed-white", "plain"), ("boxed-colour", "plain"),
                                           ("textured-face", "textured"), ("textured-photo", "textured"),
                                           ("degraded-cast", "aligned")])  # fmt: skip
def test_the_kind_is_read_from_the_inputs(kind, expected):
    c = _case(kind)
    assert matte.estimate(c.scene, c.target, c.mask).kind == expected


def test_a_plain_background_is_matted_close_to_the_true_alpha():
    for pair in range(0, 16, 3):
        c = _case("boxed-white", pair)
        m = matte.estimate(c.scene, c.target, c.mask)
        err = np.abs(m.alpha - c.alpha)[c.mask].mean()
        assert m.kind == "plain" and err < 0.2, (c.name, err)
        assert np.allclose(m.background, 1.0, atol=0.02)  # white, from the box's border
        assert (m.alpha[~c.mask] == 0).all()


def test_the_foreground_takes_the_background_out_of_edge_pixels():
    colour, bg = np.array([0.1, 0.6, 0.2]), np.array([1.0, 1.0, 1.0])
    a = np.linspace(0, 1, 16).reshape(4, 4)
    t = a[..., None] * colour + (1 - a[..., None]) * bg
    target = torch.from_numpy(t).permute(2, 0, 1)[None].float() * 2 - 1
    m = matte.Matte("alpha", a, np.broadcast_to(bg, t.shape))
    fg = ((m.foreground(target)[0].permute(1, 2, 0).double() + 1) / 2).numpy()
    assert np.allclose(fg[a > 0.05], colour, atol=1e-5)
    assert matte.Matte("aligned", a).foreground(target) is target


def test_the_membrane_reproduces_a_smooth_background():
    yy, xx = np.mgrid[0:12, 0:12].astype(float)
    ramp = np.stack([0.02 * xx + 0.03 * yy, 0.5 + 0 * xx, 0.01 * xx], -1)  # harmonic: the Laplace fill is exact
    region = np.zeros((12, 12), bool)
    region[3:9, 2:10] = True
    known = matte.border(region)
    holed = np.where((region & ~known)[..., None], 0.0, ramp)
    assert np.allclose(matte.membrane(holed, known, region), ramp, atol=1e-9)


def test_a_given_mask_and_an_alpha_win():
    c = _case("boxed-white")
    given = ndimage.binary_erosion(c.alpha > 0.5).astype(float)
    assert matte.estimate(c.scene, c.target, c.mask, given=given).kind == "given"
    m = matte.estimate(c.scene, c.target, c.mask, alpha=c.alpha, given=None)
    assert m.kind == "alpha" and np.array_equal(m.alpha, c.alpha * c.mask)


def test_a_canvas_of_its_own_is_all_object():
    # gip.place_object's canvas: the object on white, fill = its silhouette; the border of the fill is object
    scene = gip.assets.load_scene("grinning", 32)
    canvas, sil = gip.place_object(gip.assets.load("sunglasses-rgba64"), 32, (4, 8, 24, 10))
    m = matte.estimate(scene, gip.images.to_tensor(canvas), sil)
    assert m.kind == "canvas" and np.array_equal(m.alpha, sil.astype(float))


def test_inpaint_uses_the_matte_and_can_be_told_not_to(tiny_model):
    import gip.images as I

    c = _case("boxed-white")
    model = __import__("conftest").make_tiny_model(32)
    st = gip.Settings(lam=1.0, heat=False, buffer=0, **{k: v for k, v in FAST.items() if k != "progress"})
    res = gip.inpaint(c.scene, c.target, c.mask, st, model=model, progress=False)
    assert res.matte.kind == "plain" and np.allclose(res.heat, res.matte.alpha)
    # lambda = 1: where the matte is 1 the output is the target's foreground, where it is 0 the model's
    full, none = res.matte.alpha >= 1.0, c.mask & (res.matte.alpha == 0)
    fg = res.matte.foreground(c.target)
    assert torch.equal(res.tensor[0][:, torch.from_numpy(full)], fg[0][:, torch.from_numpy(full)])
    assert (res.tensor[0][:, torch.from_numpy(none)] - c.target[0][:, torch.from_numpy(none)]).abs().max() > 0.1
    off = gip.inpaint(c.scene, c.target, c.mask, st.replace(matte="off"), model=model, progress=False)
    assert off.matte is None and torch.equal(off.tensor[0][:, torch.from_numpy(c.mask)],
                                             c.target[0][:, torch.from_numpy(c.mask)])  # the paper's copy-paste
    given = gip.inpaint(c.scene, c.target, c.mask, st, model=model, object_mask=c.alpha > 0.5, progress=False)
    assert given.matte.kind == "given"
    # an RGBA target carries its matte: the object with transparency around it
    rgba = np.concatenate([I.to_uint8(c.answer)[0], (c.alpha * 255).round().astype(np.uint8)[..., None]], -1)
    assert gip.inpaint(c.scene, rgba, c.mask, st, model=model, progress=False).matte.kind == "alpha"
    with pytest.raises(gip.GipError, match="differ in size"):
        gip.inpaint(c.scene, c.target, c.mask, st, model=model, object_mask=np.ones((8, 8)), progress=False)
