"""The CLI, in-process: outputs, exit codes and one-line errors; nothing written on error."""

import numpy as np
import pytest
from PIL import Image

from gip import assets
from gip.cli import main

FAST = ["--steps", "8", "--jump-length", "2", "--jump-n-sample", "2", "--no-progress"]


@pytest.fixture
def files(tmp_path):
    mask = np.zeros((32, 32), np.uint8)
    mask[8:17, 4:28] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")
    return str(assets.path("grinning")), str(assets.path("sunglasses")), str(tmp_path / "mask.png"), tmp_path


def test_inpaint_writes_output_and_keeps_scene(files):
    scene, target, mask, tmp = files
    out = tmp / "out.png"
    assert main(["inpaint", scene, target, mask, "-o", str(out), *FAST, "--buffer", "0"]) == 0
    res, sc = np.asarray(Image.open(out)), np.asarray(Image.open(scene).convert("RGB"))
    keep = np.asarray(Image.open(mask)) < 128
    assert res.shape == (32, 32, 3) and (res[keep] == sc[keep]).all()


def test_repaint_num_samples_and_keep_mask(files):
    scene, _, mask, tmp = files
    keep = tmp / "keep.png"
    Image.fromarray(255 - np.asarray(Image.open(mask))).save(keep)
    assert main(["repaint", scene, str(keep), "--keep-mask", "-o", str(tmp / "r.png"), "--num-samples", "2", *FAST]) == 0
    assert (tmp / "r_0.png").exists() and (tmp / "r_1.png").exists()


def test_demo_writes_figure(tmp_path):
    assert main(["demo", "-o", str(tmp_path / "d"), "--steps", "8", "--jump-length", "2", "--seeds", "2",
                 "--no-progress"]) == 0  # fmt: skip
    for name in ("demo.png", "repaint.png", "aligned_seed0.png", "aligned_seed1.png", "boxed_seed0.png"):
        assert (tmp_path / "d" / name).stat().st_size > 0


def test_models_lists_default(capsys):
    assert main(["models"]) == 0
    assert "emoji-faces-32  (default)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "extra,match",
    [(["--steps", "5000"], "training steps"), (["--jump-length", "8"], "jump_length"), (["--p", "1.5"], "p must be"),
     (["--buffer", "-1"], "buffer"), (["--lam", "2"], "lam_max")],
)  # fmt: skip
def test_bad_parameters_exit_2_and_write_nothing(files, capsys, extra, match):
    scene, target, mask, tmp = files
    out = tmp / "o.png"
    assert main(["inpaint", scene, target, mask, "-o", str(out), *FAST, *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("gip: error:") and match in err[0]
    assert not out.exists()


def test_bad_files(files, capsys):
    scene, target, mask, tmp = files
    (tmp / "junk.png").write_text("junk")
    Image.new("RGB", (40, 40)).save(tmp / "big.png")
    empty = tmp / "empty.png"
    Image.new("L", (32, 32), 0).save(empty)
    cases = [
        ([str(tmp / "junk.png"), target, mask], "not a readable image"),
        ([scene, target, str(tmp / "nope.png")], "no such file"),
        ([str(tmp / "big.png"), target, mask], "differ in size"),
        ([scene, target, str(empty)], "empty"),
    ]
    for args, match in cases:
        assert main(["inpaint", *args, "-o", str(tmp / "o.png"), *FAST]) == 2
        assert match in capsys.readouterr().err
    assert not (tmp / "o.png").exists()


def test_resolution_mismatch_needs_resize(tmp_path, capsys):
    Image.new("RGB", (64, 64), "white").save(tmp_path / "s.png")
    m = np.zeros((64, 64), np.uint8)
    m[16:48, 16:48] = 255
    Image.fromarray(m).save(tmp_path / "m.png")
    args = ["repaint", str(tmp_path / "s.png"), str(tmp_path / "m.png"), "-o", str(tmp_path / "o.png"), *FAST]
    assert main(args) == 2 and "--resize" in capsys.readouterr().err
    assert main([*args, "--resize"]) == 0 and Image.open(tmp_path / "o.png").size == (32, 32)


def test_never_overwrites_an_input(files, capsys):
    scene, target, mask, tmp = files
    before = open(mask, "rb").read()
    assert main(["inpaint", scene, target, mask, "-o", mask, *FAST]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert open(mask, "rb").read() == before


def test_unknown_model(files, capsys):
    scene, target, mask, tmp = files
    assert main(["inpaint", scene, target, mask, "-o", str(tmp / "o.png"), "--model", "nope", *FAST]) == 2
    assert "unknown model" in capsys.readouterr().err


def test_every_setting_has_an_option():
    """The sampler options are made from gip.Settings' fields (gip.settings.OPTIONS), lam and heat as
    --schedule/--p/--lam and --heat/--no-heat; parsing the defaults gives gip.Settings()."""
    import gip
    from gip.cli import build_parser, settings_from_args
    from gip.settings import OPTIONS

    args = build_parser().parse_args(["inpaint", "s", "t", "m", "-o", "o.png"])
    assert all(hasattr(args, n) for n in OPTIONS if n not in ("lam", "heat"))
    assert settings_from_args(args, guided=True) == gip.Settings()
    args = build_parser().parse_args(["inpaint", "s", "t", "m", "-o", "o.png", "--buffer-metric", "taxicab", "--schedule",
                                      "floor", "--p", "0.3", "--lam-reference", "128"])  # fmt: skip
    assert settings_from_args(args, guided=True) == gip.Settings(buffer_metric="taxicab", lam=gip.lambdas.Floor(p=0.3),
                                                                 lam_reference=128)  # fmt: skip


def test_inpaint_with_an_object_mask_and_the_matte(files, capsys):
    """A target photographed on white inside the fill: the matte is estimated (plain), or given as a file."""
    from gip import benchmark
    from gip.images import to_pil

    _, _, _, tmp = files
    c = benchmark.case(assets.insertion_pairs()[2], "boxed-white")
    paths = {k: tmp / f"{k}.png" for k in ("scene", "target", "fill", "object")}
    to_pil(c.scene)[0].save(paths["scene"]), to_pil(c.target)[0].save(paths["target"])
    Image.fromarray(c.mask.astype(np.uint8) * 255).save(paths["fill"])
    Image.fromarray((c.alpha > 0.5).astype(np.uint8) * 255).save(paths["object"])
    args = ["inpaint", str(paths["scene"]), str(paths["target"]), str(paths["fill"]), *FAST]
    assert main([*args, "-o", str(tmp / "a.png")]) == 0
    assert "target matte: plain" in capsys.readouterr().err
    assert main([*args, "-o", str(tmp / "b.png"), "--object-mask", str(paths["object"])]) == 0
    assert "target matte: given" in capsys.readouterr().err
    assert main([*args, "-o", str(tmp / "c.png"), "--matte", "off"]) == 0
    assert "target matte" not in capsys.readouterr().err
    assert main([*args, "-o", str(paths["object"]), "--object-mask", str(paths["object"])]) == 2  # an input
