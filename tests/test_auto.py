"""gip.auto and ``gip auto``: silhouettes, placement, best-of-seeds selection, CLI outputs and errors."""

import numpy as np
import pytest
import torch
from PIL import Image

import gip
from gip import assets, cli
from gip.auto import compose, object_mask, parse_box

FAST = dict(steps=4, jump_n_sample=1)
SCENE, OBJ_RGBA, OBJ_RGB = (str(assets.path(n)) for n in ("grinning", "sunglasses-rgba64", "sunglasses"))
CLI_FAST = ["--steps", "10", "--jump-n-sample", "1", "--no-progress", "--device", "cpu"]


def photo_on_white(size: int = 20) -> np.ndarray:
    """(size, size, 3) uint8: a dark ring (with a white hole) on a white background."""
    yy, xx = np.mgrid[0:size, 0:size]
    r2 = (xx - size / 2 + 0.5) ** 2 + (yy - size / 2 + 0.5) ** 2
    img = np.full((size, size, 3), 255, np.uint8)
    img[(r2 < (size / 3) ** 2)] = (40, 30, 120)
    img[(r2 < (size / 8) ** 2)] = 255  # enclosed hole: white but not connected to the border
    return img


# -- silhouettes --------------------------------------------------------------------------------------------


def test_object_mask_from_alpha():
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[2:5, 3:7] = (200, 10, 10, 255)
    sil = object_mask(Image.fromarray(rgba, "RGBA"))
    expected = np.zeros((8, 8), bool)
    expected[2:5, 3:7] = True
    np.testing.assert_array_equal(sil, expected)
    assert object_mask(OBJ_RGBA).mean() < 0.9  # the shipped cut-out has a transparent surround


def test_object_mask_flood_fills_a_plain_background():
    img = photo_on_white()
    sil = object_mask(img)
    dark = img.sum(-1) < 600
    assert sil[dark].all()  # every object pixel kept
    assert not sil[0].any() and not sil[:, 0].any()  # the border is background
    assert sil[10, 10]  # the enclosed white hole counts as object (not connected to the border)
    assert object_mask(OBJ_RGB)[16, 16] and not object_mask(OBJ_RGB)[0, 0]


def test_object_mask_errors():
    noise = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    with pytest.raises(gip.GipError, match="no plain background"):
        object_mask(noise)
    with pytest.raises(gip.GipError, match="no object found"):
        object_mask(np.full((8, 8, 3), 255, np.uint8))


@pytest.mark.parametrize("resolution", [32, 128, 256])
@pytest.mark.parametrize("name", ["glasses", "dark-sunglasses", "tophat", "crown", "heart", "mouth", "ghost"])
def test_every_shipped_object_photographed_on_white_is_cut_out(name, resolution):
    """Book chapter 8 at any model size: the object (RGBA cut to its pixels: at >= 128 px the 256-px rendering,
    whose edges touch the image border) composited on white has no alpha, and the background removal must
    still find it, agreeing with the alpha."""
    obj = gip.assets.load_object(name, resolution)
    flat = gip.images.composite_on_white(obj)
    assert flat.mode == "RGB"
    agree = (object_mask(flat) == object_mask(obj)).mean()
    assert agree > 0.94, f"{name} at {resolution}: {agree:.3f}"


def test_object_mask_refuses_a_border_that_is_half_clutter():
    img = np.full((32, 32, 3), 255, np.uint8)
    img[:, 16:] = np.random.default_rng(1).integers(0, 256, (32, 16, 3), dtype=np.uint8)
    with pytest.raises(gip.GipError, match="no plain background"):
        object_mask(img)


def test_parse_box():
    assert parse_box("4, 8,24,10") == (4, 8, 24, 10)
    assert parse_box((1, 2, 3.0, 4)) == (1, 2, 3, 4)
    for bad in ("4,8,24", "a,b,c,d", "1,2,3,4,5", "1.5,2,3,4", (1, 2, 3)):
        with pytest.raises(gip.GipError, match="four whole numbers"):
            parse_box(bad)
    for bad in ("-1,0,3,3", "0,0,0,3"):
        with pytest.raises(gip.GipError, match=">= 0"):
            parse_box(bad)


def test_compose_places_the_object_over_the_scene():
    scene = torch.rand(1, 3, 32, 32) * 2 - 1
    target, fill0, sil = compose(scene, photo_on_white(), (8, 4, 16, 12), dilate=0)
    assert np.array_equal(sil, fill0)  # without dilation the fill mask is the silhouette
    _, fill1, sil1 = compose(scene, photo_on_white(), (8, 4, 16, 12), dilate=1)
    assert fill0[4:16, 8:24].any() and not fill0[:4].any() and not fill0[:, :8].any()  # inside the box only
    assert np.array_equal(sil1, sil)  # dilation grows the fill mask, not the silhouette
    outside = torch.from_numpy(~fill0)[None, None].expand_as(scene)
    assert torch.equal(target[outside], scene[outside])  # no white background leaks into the target
    sil = torch.from_numpy(fill0)[None]
    assert (target[:, 2][sil] > target[:, 0][sil]).float().mean() > 0.8  # the object's blue, not white
    assert fill1.sum() > fill0.sum() and (fill1 >= fill0).all()
    with pytest.raises(gip.GipError, match="reaches past"):
        compose(scene, photo_on_white(), (20, 4, 16, 12))


# -- the pipeline -------------------------------------------------------------------------------------------


def test_auto_inpaint_picks_the_lowest_score(tiny_model):
    scene = torch.rand(1, 3, 16, 16) * 2 - 1
    res = gip.auto_inpaint(scene, photo_on_white(), (3, 3, 10, 10), seeds=3, model=tiny_model, **FAST)
    assert isinstance(res, gip.AutoResult)
    assert res.seeds == [0, 1, 2] and len(res.candidates) == len(res.scores) == len(res.metrics) == 3
    assert res.best == int(np.argmin(res.scores)) and torch.equal(res.tensor, res.candidates[res.best])
    assert len({round(s, 9) for s in res.scores}) == 3  # different seeds, different candidates
    keep = torch.from_numpy(gip.masks.scene_buffer(res.fill, res.settings.buffer))[None, None].expand_as(scene)
    for c in res.candidates:
        assert torch.equal(c[keep], scene[keep])  # the scene outside the fill + buffer is untouched
    assert res.image.size == (16, 16) and len(res.images) == 3
    assert res.scores == pytest.approx([gip.metrics.selection_score(m) for m in res.metrics])
    assert res.silhouette.sum() < res.fill.sum() and not (res.silhouette & ~res.fill).any()
    assert res.model_calls == 3 * res.settings.model_calls


def test_auto_inpaint_seed_list_batch_and_reproducibility(tiny_model):
    scene = torch.rand(1, 3, 16, 16) * 2 - 1
    a = gip.auto_inpaint(scene, photo_on_white(), (3, 3, 10, 10), seeds=[7], model=tiny_model, **FAST)
    b = gip.auto_inpaint(scene, photo_on_white(), (3, 3, 10, 10), seeds=[5, 7], model=tiny_model, **FAST)
    assert torch.equal(a.candidates[0], b.candidates[1])  # a candidate is reproducible from its seed
    c = gip.auto_inpaint(scene, photo_on_white(), (3, 3, 10, 10), seeds=2, model=tiny_model, batch=True, **FAST)
    assert len(c.candidates) == 2 and c.model_calls == c.settings.model_calls  # one batched call


def test_auto_inpaint_resize_scales_the_box(tiny_model):
    scene = torch.rand(1, 3, 32, 32) * 2 - 1
    with pytest.raises(gip.GipError, match="resize=True"):
        gip.auto_inpaint(scene, photo_on_white(), (6, 6, 20, 20), seeds=1, model=tiny_model, **FAST)
    res = gip.auto_inpaint(scene, photo_on_white(), (6, 6, 20, 20), seeds=1, model=tiny_model, resize=True, **FAST)
    ys, xs = np.nonzero(res.fill)
    assert res.fill.shape == (16, 16) and 2 <= xs.min() and xs.max() <= 13 and 2 <= ys.min() and ys.max() <= 13


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(seed=1), "unknown setting 'seed'"),
        (dict(steps=0), "steps must be"),
        (dict(seeds=0), "seeds must be"),
        (dict(seeds=[]), "seeds must be"),
        (dict(box=(10, 10, 10, 10)), "reaches past"),
        (dict(dilate=-1), "dilate must be"),
    ],
)
def test_auto_inpaint_errors(tiny_model, kwargs, match):
    kw = dict(box=(3, 3, 10, 10), seeds=1, model=tiny_model, **FAST)
    kw.update(kwargs)
    with pytest.raises(gip.GipError, match=match):
        gip.auto_inpaint(torch.zeros(1, 3, 16, 16), photo_on_white(), **kw)


# -- the CLI ------------------------------------------------------------------------------------------------


def test_cli_auto_on_the_demo_images(tmp_path, capsys):
    out = tmp_path / "out.png"
    args = ["auto", SCENE, OBJ_RGBA, "--box", "4,8,24,10", "-o", str(out), "--seeds", "2", "--save-all"]
    rc = cli.main([*args, *CLI_FAST])
    assert rc == 0
    with Image.open(out) as im:
        assert im.size == (32, 32) and im.mode == "RGB"
        best = np.asarray(im)
    for k in range(2):
        assert (tmp_path / f"out_seed{k}.png").is_file()
    err = capsys.readouterr().err
    assert "seed 0: score" in err and "seed 1: score" in err and "(best)" in err and "object" in err
    with Image.open(SCENE) as sc:
        scene = np.asarray(sc.convert("RGB"))
    assert np.array_equal(best[:4], scene[:4])  # rows far above the box are the scene, bit for bit
    assert not np.array_equal(best, scene)


def test_cli_auto_object_without_alpha(tmp_path):
    out = tmp_path / "out.jpg"
    assert cli.main(["auto", SCENE, OBJ_RGB, "--box", "6,6,20,12", "-o", str(out), "--seeds", "1", *CLI_FAST]) == 0
    assert out.is_file()


@pytest.mark.parametrize(
    "box, match",
    [
        ("4,8,24", "four whole numbers"),
        ("4,8,x,10", "four whole numbers"),
        ("4,8,30,10", "reaches past the 32x32 scene"),
        ("-1,0,3,3", ">= 0"),
    ],
)
def test_cli_auto_bad_box(tmp_path, capsys, box, match):
    out = tmp_path / "out.png"
    assert cli.main(["auto", SCENE, OBJ_RGBA, f"--box={box}", "-o", str(out), *CLI_FAST]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("gip: error:") and match in err[0]
    assert not out.exists()


def test_cli_auto_refuses_to_overwrite_inputs_and_missing_folders(tmp_path, capsys):
    scene = tmp_path / "scene.png"
    Image.open(SCENE).save(scene)
    before = scene.read_bytes()
    assert cli.main(["auto", str(scene), OBJ_RGBA, "--box", "4,8,24,10", "-o", str(scene), *CLI_FAST]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err and scene.read_bytes() == before
    missing = tmp_path / "nope" / "out.png"
    assert cli.main(["auto", str(scene), OBJ_RGBA, "--box", "4,8,24,10", "-o", str(missing), *CLI_FAST]) == 2
    assert "does not exist" in capsys.readouterr().err
    ok = str(tmp_path / "o.png")
    assert cli.main(["auto", str(scene), OBJ_RGBA, "--box", "4,8,24,10", "-o", ok, "--seeds", "0"]) == 2
    assert "--seeds must be >= 1" in capsys.readouterr().err
    assert cli.main(["auto", str(tmp_path / "nothing.png"), OBJ_RGBA, "--box", "4,8,24,10", "-o", ok]) == 2
    assert "no such file" in capsys.readouterr().err and not (tmp_path / "o.png").exists()


def test_auto_inpaint_uses_gips_settings(tiny_model):
    scene = torch.rand(1, 3, 16, 16) * 2 - 1
    res = gip.auto_inpaint(scene, photo_on_white(), (3, 3, 10, 10), seeds=1, model=tiny_model, **FAST)
    assert res.settings == gip.auto.AUTO_SETTINGS.replace(**FAST)
    assert gip.auto.AUTO_SETTINGS == gip.Settings() and gip.Settings().lam == gip.lambdas.Floor(p=0.3)
    st = gip.Settings(lam=gip.lambdas.Linear(p=1.0), **FAST)  # the paper's schedule, on request
    res = gip.auto_inpaint(scene, photo_on_white(), (3, 3, 10, 10), seeds=1, model=tiny_model, settings=st)
    assert res.settings.lam == gip.lambdas.Linear(p=1.0)


def test_cli_auto_schedule_options(tmp_path, monkeypatch):
    seen = {}
    real = gip.auto.auto_inpaint

    def spy(*args, **kwargs):
        seen["settings"] = kwargs["settings"]
        return real(*args, **kwargs)

    monkeypatch.setattr(gip.auto, "auto_inpaint", spy)
    out = tmp_path / "out.png"
    base = ["auto", SCENE, OBJ_RGBA, "--box", "4,8,24,10", "--seeds", "1", *CLI_FAST]
    assert cli.main([*base, "-o", str(out)]) == 0
    assert seen["settings"] == gip.auto.AUTO_SETTINGS.replace(steps=10, jump_n_sample=1)
    assert cli.main([*base, "-o", str(tmp_path / "f.png"), "--schedule", "linear", "--p", "0.75", "--lam-axis", "literal"]) == 0
    assert seen["settings"].lam == gip.lambdas.Linear(p=0.75) and seen["settings"].lam_axis == "literal"
