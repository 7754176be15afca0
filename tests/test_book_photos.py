"""The book's inputs for hub models: real photos at 256x256, boxes in face coordinates, photo cases."""

import numpy as np
import pytest
import torch
from conftest import make_tiny_model
from PIL import Image

import gip
from gip import assets
from gip.book import Book, setup


def test_face_coordinates_are_pixels_on_an_emoji_and_the_face_box_on_a_photo():
    assert assets.place((3, 8, 26, 9), "grinning", 32) == (3, 8, 26, 9)
    fx, fy, fw, fh = assets.photos()["astronaut-face"]["face_box"]
    assert assets.place((0, 0, 32, 32), "astronaut-face", 256) == (fx, fy, fw, fh)
    assert assets.place((0, 0, 32, 32), "astronaut-face", 128) == (fx // 2, fy // 2, fw // 2, fh // 2)


def test_every_photo_is_a_256_square_with_its_face_box_inside():
    for name, info in assets.photos().items():
        img = assets.load(info["file"])
        assert img.size == (256, 256) and img.mode == "RGB", name
        x, y, w, h = info["face_box"]
        assert 0 <= x and 0 <= y and x + w <= 256 and y + h <= 256, name
        assert "public domain" in info["source"] or "CC0" in info["source"], name


def test_objects_are_big_renderings_for_big_models_and_emoji_for_small():
    big, small = assets.load_object("dark-sunglasses", 256), assets.load_object("dark-sunglasses", 32)
    assert big.mode == small.mode == "RGBA"
    assert big.width > 200 and small.width <= 64
    alpha = np.asarray(big)[..., 3]
    assert alpha[0].any() and alpha[:, 0].any(), "cut to its visible pixels"


@pytest.mark.parametrize("photo", ["astronaut-face", "chelsea"])
def test_photo_cases_put_each_accessory_on_the_photo(photo):
    cases = assets.photo_cases(photo, 256)
    assert [c.name.split("+")[1] for c in cases] == ["glasses", "dark-sunglasses", "tophat", "crown"]
    scene = assets.load_scene(photo, 256)
    for c in cases:
        assert c.scene.shape == (1, 3, 256, 256) and torch.equal(c.scene, scene)
        keep = torch.from_numpy(~c.mask)
        assert torch.equal(c.target[..., keep], scene[..., keep]), "the target differs only inside the fill"
        assert c.silhouette.sum() > 500 and not (c.silhouette & ~c.mask).any()
        changed = (c.target - scene).abs().amax(1)[0] > 0.1
        assert changed[torch.from_numpy(c.silhouette)].float().mean() > 0.5, "the object is on the target"
    glasses = cases[0].silhouette.nonzero()
    fx, fy, fw, fh = assets.photos()[photo]["face_box"]
    assert fy + fh * 0.2 < glasses[0].mean() < fy + fh * 0.55, "the glasses sit at eye height on the face box"


def test_emoji_cases_are_unchanged_by_the_photo_path():
    pair = assets.insertion_pairs()[0]
    case = assets.insertion_case(pair, 32)
    x, y, w, h = pair["box"]
    ys, xs = case.silhouette.nonzero()
    assert xs.min() >= x and xs.max() < x + w and ys.min() >= max(y, 0) and ys.max() < y + h


def test_book_with_a_photo_uses_it_everywhere():
    book = Book(model=make_tiny_model(64), fast=True, photo="chelsea")
    scene = book.scene()
    assert scene.shape == (1, 3, 64, 64)
    ref = gip.images.resize(gip.images.to_tensor(Image.open(assets.path("photo/chelsea"))), 64)
    assert torch.equal(scene, ref)
    assert book.box(4, 8, 24, 9).sum() == np.prod(book.where(4, 8, 24, 9)[2:])
    assert [c.name for c in book.cases(2)] == ["chelsea+glasses", "chelsea+dark-sunglasses"]
    emoji = Book(model=make_tiny_model(32), fast=True)
    assert emoji.scene_name == "grinning" and torch.equal(emoji.scene(), emoji.demo("grinning"))
    assert emoji.box(4, 8, 24, 9).sum() == 24 * 9


def test_setup_picks_the_photo_from_the_hub_id(tmp_path):
    make_tiny_model(64).save_pretrained(tmp_path / "ddpm-ema-cat-64")
    assert setup(use_hub=True, hub_model=str(tmp_path / "ddpm-ema-cat-64")).photo == "chelsea"
    assert setup(use_hub=True, hub_model=str(tmp_path / "ddpm-ema-cat-64"), photo="astronaut-face").photo == "astronaut-face"
    with pytest.raises(gip.GipError, match="no photo"):
        setup(use_hub=True, hub_model=str(tmp_path / "ddpm-ema-cat-64"), photo="mona-lisa")
    assert setup().photo is None


def test_check_asserts_on_the_embedded_model_and_notes_on_a_hub_model(capsys):
    emoji = Book(model=make_tiny_model(32), fast=True)
    emoji.check(True)
    with pytest.raises(AssertionError, match="three seeds"):
        emoji.check(False, "three seeds")
    hub = Book(model=make_tiny_model(64), fast=True, photo="astronaut-face")
    hub.check(False, "three seeds")
    assert "three seeds" in capsys.readouterr().out
    with pytest.raises(gip.GipError, match="book.scene"):
        hub.demo("grinning")


def test_gip_hub_model_runs_setup_on_that_folder(tmp_path, monkeypatch):
    make_tiny_model(64).save_pretrained(tmp_path / "m")
    monkeypatch.setenv("GIP_HUB_MODEL", str(tmp_path / "m"))
    book = setup()
    assert book.R == 64 and book.photo == "astronaut-face" and book.scene().shape == (1, 3, 64, 64)


def test_for_model_gives_emoji_to_the_embedded_model_and_a_photo_to_others(embedded_model):
    from gip.book import for_model

    assert for_model(embedded_model).photo is None
    tiny = make_tiny_model(64)
    tiny.name = "google/ddpm-ema-cat-256"
    assert for_model(tiny).photo == "chelsea"


def test_face_is_a_held_out_emoji_or_the_tinted_photo():
    emoji = Book(model=make_tiny_model(32), fast=True)
    case = next(c for c in emoji.cases() if c.name.startswith("twitter-1f475-1f3ff+"))
    assert torch.equal(emoji.face("twitter-1f475-1f3ff", (0.5, 0.5, 0.5)), case.scene)
    assert torch.equal(emoji.face("grinning"), emoji.scene())
    hub = Book(model=make_tiny_model(64), fast=True, photo="astronaut-face")
    assert torch.allclose(hub.face("anything"), hub.scene(), atol=1e-6)
    dark = hub.face("anything", (0.5, 0.5, 0.5))
    assert dark.shape == (1, 3, 64, 64) and (dark <= hub.scene() + 1e-6).all() and (dark < hub.scene() - 0.05).any()


def test_a_failed_claim_raises_or_is_reported(monkeypatch, capsys):
    book = Book(model=make_tiny_model(64), fast=True, photo=None)
    book.check(True, "holds")
    with pytest.raises(AssertionError, match="the claim"):
        book.check(False, "the claim")
    monkeypatch.setenv("GIP_CHECKS", "report")  # a maintainer re-measuring a chapter: every stale claim at once
    book.check(False, "the claim")
    assert "CHECK FAILED: the claim" in capsys.readouterr().out
