"""gip.static_explorer: the HTML structure of the self-contained explorer and its input checks."""

import base64
import io
import itertools
import json
import re

import numpy as np
import pytest
import torch
from PIL import Image

import gip
from gip.static_explorer import StaticExplorer, to_rgb

CONTROLS = {"p": [0.25, 0.5, 0.75, 1.0], "heat": [False, True], "buffer": [0, 2]}


def _img(k: int, size: int = 32) -> np.ndarray:
    a = np.zeros((size, size, 3), np.uint8)
    a[..., 0] = (k * 37) % 256
    a[k % size, :, 1] = 255
    return a


def _runs(controls=CONTROLS, size: int = 32) -> dict:
    combos = itertools.product(*controls.values())
    return {c: {"images": _img(k, size), "metrics": {"psnr": 20.0 + k / 3, "seam": k / 7}} for k, c in enumerate(combos)}


def _data(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="[^"]+">(.*?)</script>', html, re.S).group(1))


def _png(uri: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))


def test_every_combination_once_with_controls_and_panels():
    ex = StaticExplorer(_runs(), CONTROLS, references={"scene": _img(99), "mask": np.ones((32, 32), bool)})
    html = ex._repr_html_()
    data = _data(html)
    keys = ["-".join(map(str, i)) for i in itertools.product(range(4), range(2), range(2))]
    assert sorted(data["runs"]) == sorted(keys) and len(data["runs"]) == 16
    assert len(set(tuple(r["images"]) for r in data["runs"].values())) == 16  # each run's own image
    assert data["labels"] == [["0.25", "0.5", "0.75", "1.0"], ["False", "True"], ["0", "2"]]
    # p and buffer are numbers -> range sliders over the value indices; heat (bool) -> a select
    assert len(re.findall(r'<input type="range"[^>]*min="0" max="3"', html)) == 1
    assert len(re.findall(r'<input type="range"[^>]*max="1"', html)) == 1
    assert html.count("<select") == 1 and html.count("<option") == 2
    assert html.count("<figure>") == 3  # scene, mask, result
    assert "image-rendering: pixelated" in html
    assert re.search(r'<td id="[^"]+-m0">20</td>', html)  # the first run's metrics are rendered server-side
    assert "<script src" not in html and "http" not in html.replace("http-equiv", "")  # no CDN, nothing fetched


def test_images_are_upscaled_crisply():
    ex = StaticExplorer(_runs(), CONTROLS)
    uri = _data(ex._repr_html_())["runs"]["1-0-1"]["images"][0]
    im = _png(uri)
    assert im.size == (160, 160)  # 32 px x 5 >= 128, NEAREST: every 5x5 block is one source pixel
    a = np.asarray(im.convert("RGB"))
    src = _img(list(itertools.product(*CONTROLS.values())).index((0.5, False, 2)))
    assert np.array_equal(a[::5, ::5], src) and np.array_equal(a[4::5, 4::5], src)
    assert 'width="160" height="160"' in ex._repr_html_()
    assert StaticExplorer(_runs(size=8), CONTROLS, size=128).factor == 16


def test_ids_unique_across_instances():
    ex = StaticExplorer(_runs(), CONTROLS)
    both = ex._repr_html_() + StaticExplorer(_runs(), CONTROLS)._repr_html_() + ex._repr_html_()
    ids = re.findall(r'\bid="([^"]+)"', both)
    assert len(ids) == len(set(ids)) > 20


def test_keys_as_dicts_tensors_and_several_panels(tmp_path):
    pairs = []
    for k, (p, heat) in enumerate(itertools.product([0.5, 1.0], ["x", "y"])):
        t = torch.full((1, 3, 16, 16), -1.0 + k / 2)
        pairs.append(({"heat": heat, "p": p}, {"images": {"a": t, "b": t[0]}, "metrics": {"m": k}}))
    ex = StaticExplorer(pairs, {"p": [0.5, 1.0], "heat": ["x", "y"]}, title="demo </script>")
    html = ex._repr_html_()
    assert len(_data(html)["runs"]["1-1"]["images"]) == 2 and _data(html)["runs"]["1-1"]["metrics"] == ["3"]
    assert "</script>" not in html.split("application/json")[1].split("</script>")[0]
    page = ex.save(tmp_path / "ex.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and 'class="gip-explorer"' in page
    assert to_rgb(torch.ones(3, 4, 4)).getpixel((0, 0)) == (255, 255, 255)


def test_from_dataframe_with_rows_and_a_frame_like_object():
    rows = [{"p": p, "buffer": b, "image": _img(i), "psnr": 1.5 * i, "schedule": "Linear"}
            for i, (p, b) in enumerate(itertools.product([1.0, 0.5], [2, 0]))]  # fmt: skip
    ex = StaticExplorer.from_dataframe(rows, ["p", "buffer"])
    assert ex.controls == {"p": [0.5, 1.0], "buffer": [0, 2]}  # sorted distinct values
    assert ex.metric_names == ["psnr"]  # strings are not metrics

    class Frame:  # what pandas.DataFrame offers
        def to_dict(self, orient):
            assert orient == "records"
            return rows

    assert StaticExplorer.from_dataframe(Frame(), {"p": [1.0, 0.5], "buffer": [2, 0]}).controls["p"] == [1.0, 0.5]
    with pytest.raises(gip.GipError, match="no column 'img'"):
        StaticExplorer.from_dataframe(rows, ["p"], image="img")
    with pytest.raises(gip.GipError, match="twice"):
        StaticExplorer.from_dataframe(rows + rows[:1], ["p", "buffer"])


def test_missing_combination_names_it_and_the_fix():
    runs = _runs()
    del runs[(0.5, True, 2)]
    with pytest.raises(gip.GipError, match=r"no run for p=0\.5, heat=True, buffer=2: add that run, or drop"):
        StaticExplorer(runs, CONTROLS)


@pytest.mark.parametrize("controls, match", [
    ({"p": [0.5], "heat": []}, "control 'heat' has no values: give it a list"),
    ({}, "controls must be a non-empty dict"),
    ({"p": [0.5, 0.5]}, "lists a value twice"),
])  # fmt: skip
def test_bad_controls(controls, match):
    with pytest.raises(gip.GipError, match=match):
        StaticExplorer({(0.5,): {"images": _img(0)}}, controls)


def test_images_of_different_sizes():
    runs = _runs()
    runs[(1.0, True, 0)]["images"] = _img(3, size=16)
    with pytest.raises(gip.GipError, match=r"image 'result' is 16x16 but the first image is 32x32: give all images the same"):
        StaticExplorer(runs, CONTROLS)
    with pytest.raises(gip.GipError, match="reference 'scene' is 8x8"):
        StaticExplorer(_runs(), CONTROLS, references={"scene": _img(0, size=8)})


def test_other_bad_runs():
    with pytest.raises(gip.GipError, match=r"p=0\.3 is not among controls\['p'\]"):
        StaticExplorer({**_runs(), (0.3, True, 0): {"images": _img(0)}}, CONTROLS)
    with pytest.raises(gip.GipError, match="has 2 values but there are 3 controls"):
        StaticExplorer({(0.25, True): {"images": _img(0)}}, CONTROLS)
    with pytest.raises(gip.GipError, match="has no images"):
        StaticExplorer({0.5: {"metrics": {"a": 1.0}}}, {"p": [0.5]})
    with pytest.raises(gip.GipError, match="an image must be"):
        StaticExplorer({0.5: {"images": np.zeros((2, 3, 4, 5))}}, {"p": [0.5]})
    with pytest.raises(gip.GipError, match="same panels"):
        StaticExplorer({0: {"images": [_img(0)]}, 1: {"images": [_img(0), _img(1)]}}, {"p": [0, 1]})


def test_to_rgb_accepts_paths_rgba_and_masks():
    assert to_rgb(gip.assets.path("grinning")).size == (32, 32)
    rgba = np.zeros((4, 4, 4), np.uint8)  # fully transparent -> white, as everywhere in gip
    assert to_rgb(rgba).getpixel((0, 0)) == (255, 255, 255)
    assert to_rgb(Image.fromarray(rgba, "RGBA")).getpixel((1, 1)) == (255, 255, 255)
    assert to_rgb(np.eye(3, dtype=bool)).getpixel((1, 1)) == (255, 255, 255)
    assert to_rgb(np.full((2, 2), 0.5)).getpixel((0, 0)) == (128, 128, 128)
    with pytest.raises(gip.GipError, match="no such file"):
        to_rgb("/nonexistent.png")
