import numpy as np
import pytest
import torch
from PIL import Image

import gip
from gip import images


def test_to_tensor_accepts_all_input_kinds(tmp_path):
    arr = (np.arange(4 * 4 * 3) % 256).astype(np.uint8).reshape(4, 4, 3)
    Image.fromarray(arr).save(tmp_path / "a.png")
    ref = torch.from_numpy(arr).permute(2, 0, 1)[None].float() / 127.5 - 1
    for x in (tmp_path / "a.png", str(tmp_path / "a.png"), Image.fromarray(arr), arr, ref, ref[0], arr / 255.0):
        t = images.to_tensor(x)
        assert t.shape == (1, 3, 4, 4) and torch.allclose(t, ref, atol=1e-6)
        assert t.is_contiguous()  # NCHW, not the channels-last strides of a permuted HWC array (slow UNet)


def test_rgba_is_composited_on_white_and_gray_repeated():
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[0, 0] = (255, 0, 0, 255)  # opaque red, rest transparent
    t = images.to_tensor(rgba)
    assert t[0, :, 0, 0].tolist() == [1.0, -1.0, -1.0] and (t[0, :, 1, 1] == 1.0).all()
    g = images.to_tensor(np.full((3, 3), 0, np.uint8))
    assert g.shape == (1, 3, 3, 3) and (g == -1).all()


def test_to_tensor_errors(tmp_path):
    (tmp_path / "bad.png").write_bytes(b"not an image")
    with pytest.raises(gip.GipError, match="not a readable image"):
        images.to_tensor(tmp_path / "bad.png")
    with pytest.raises(gip.GipError, match="no such file"):
        images.to_tensor(tmp_path / "missing.png")
    with pytest.raises(gip.GipError, match="NaN"):
        images.to_tensor(torch.full((1, 3, 2, 2), float("inf")))
    with pytest.raises(gip.GipError, match="cannot read"):
        images.to_tensor(42)


def test_masks_from_images():
    m = np.zeros((4, 4, 3), np.uint8)
    m[1:3, 1:3] = 255
    a = images.to_mask_array(m)
    assert a.shape == (4, 4) and a.sum() == 4
    assert images.to_mask_array(Image.fromarray(m).convert("L")).sum() == 4
    assert images.to_mask_array(torch.from_numpy(a)[None, None]).sum() == 4


def test_alpha_and_place_object():
    obj = np.zeros((8, 8, 4), np.uint8)
    obj[2:6, 2:6] = (0, 0, 255, 255)
    assert images.alpha_to_mask(obj).sum() == 16
    canvas, fill = images.place_object(obj, 16, (4, 4, 8, 8))
    assert canvas.size == (16, 16) and fill.shape == (16, 16)
    assert fill[8, 8] and not fill[0, 0] and not fill[4, 4]  # only the opaque silhouette
    assert np.asarray(canvas)[8, 8].tolist() == [0, 0, 255] and np.asarray(canvas)[0, 0].tolist() == [255, 255, 255]
    with pytest.raises(gip.GipError, match="inside"):
        images.place_object(obj, 16, (10, 10, 8, 8))


def test_save_image_is_atomic_and_protects_inputs(tmp_path):
    src = tmp_path / "in.png"
    Image.new("RGB", (4, 4), "red").save(src)
    before = src.read_bytes()
    with pytest.raises(gip.GipError, match="refusing to overwrite"):
        images.save_image(Image.new("RGB", (4, 4)), src, protect=[src])
    assert src.read_bytes() == before
    out = images.save_image(torch.zeros(1, 3, 4, 4), tmp_path / "out.png")
    assert Image.open(out).size == (4, 4)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".gip-")] == []
    with pytest.raises(gip.GipError, match="extension"):
        images.save_image(Image.new("RGB", (4, 4)), tmp_path / "out.xyz")


def test_to_pil_roundtrip():
    t = images.to_tensor(np.full((2, 2, 3), 37, np.uint8))
    assert np.asarray(images.to_pil(t)[0])[0, 0].tolist() == [37, 37, 37]


def test_as_pil_is_the_one_converter(tmp_path):
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[1:3, 1:3] = (255, 0, 0, 255)
    assert images.as_pil(rgba).mode == "RGBA" and images.as_pil(rgba).getpixel((1, 1)) == (255, 0, 0, 255)  # alpha kept
    Image.fromarray(rgba, "RGBA").save(tmp_path / "o.png")
    assert images.as_pil(tmp_path / "o.png").mode == "RGBA"
    assert images.as_pil(torch.ones(1, 3, 2, 2)).getpixel((0, 0)) == (255, 255, 255)  # [-1, 1] tensors
    assert images.as_pil(np.eye(2, dtype=bool)).getpixel((0, 0)) == 255 and images.as_pil(np.full((2, 2), 0.5)).getpixel((0, 0)) == 128
    with pytest.raises(gip.GipError, match="an image must be"):
        images.as_pil(np.zeros((2, 3, 4, 5)))
    with pytest.raises(gip.GipError, match="cannot read the object from a list"):
        images.as_pil([1, 2], "object")


def test_check_output_guards_every_output(tmp_path):
    src = tmp_path / "in.png"
    src.write_bytes(b"x")
    assert images.check_output(tmp_path / "out.png", [src, None]) == tmp_path / "out.png"
    with pytest.raises(gip.GipError, match=f"refusing to overwrite the input file {src}"):
        images.check_output(tmp_path / "." / "in.png", [str(src)])
    with pytest.raises(gip.GipError, match="does not exist: create it first"):
        images.check_output(tmp_path / "no" / "out.png", [src])
