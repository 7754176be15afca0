"""gip.benchmark (the known-answer integration cases) and gip.metrics.answer (metrics against the answer)."""

import numpy as np
import pytest
import torch

import gip
from gip import benchmark
from gip.metrics import answer as A


@pytest.fixture(scope="module")
def cases():
    return benchmark.cases()


def test_every_pair_in_every_kind(cases):
    assert len(cases) == 16 * len(benchmark.KINDS)
    assert {c.kind for c in cases} == set(benchmark.KINDS) and len({c.name for c in cases}) == len(cases)


def test_the_answer_is_the_object_on_the_scene_and_the_target_does_not_give_it_away(cases):
    for c in cases:
        scene, target, answer, fill = c.scene[0], c.target[0], c.answer[0], torch.from_numpy(c.mask)
        obj = torch.from_numpy(c.alpha > 0.5)
        assert obj.any() and not (obj & ~fill).any() and fill.any() and not fill.all()
        assert torch.equal(target[:, ~fill], scene[:, ~fill]) or c.kind == "aligned"
        far = torch.from_numpy(c.alpha == 0) & fill
        assert torch.allclose(answer[:, far], scene[:, far], atol=1e-6)  # no object: the scene
        if c.kind == "aligned":
            assert torch.equal(target, answer)  # the control: copy-paste is perfect
        elif c.kind.startswith(("boxed", "textured")):
            assert (target[:, far] - scene[:, far]).abs().mean() > 0.05, c.name  # a background of its own
        else:
            assert (target[:, obj] - answer[:, obj]).abs().mean() > 0.02, c.name  # the object itself is off


def test_boxed_white_is_white_around_the_object(cases):
    c = next(c for c in cases if c.kind == "boxed-white")
    bg = torch.from_numpy((c.alpha == 0) & c.mask)
    assert torch.allclose(c.target[0][:, bg], torch.ones(3, int(bg.sum())))


def test_the_photo_path_builds_the_same_kinds_at_256():
    cs = benchmark.cases(kinds=["boxed-white", "textured-photo"], n=1, resolution=256, scene="astronaut-face")
    assert [c.kind for c in cs] == ["boxed-white", "textured-photo"] and cs[0].answer.shape[-1] == 256
    with pytest.raises(gip.GipError, match="unknown target kind"):
        benchmark.cases(kinds=["boxed"])


def test_answer_metrics_rank_the_known_outputs(cases):
    c = next(c for c in cases if c.kind == "boxed-white")
    out = torch.cat([c.answer, c.target, c.scene, 0.5 * (c.answer + c.target)])  # answer, copy-paste, deleted, half
    m = A.against_answer(out, c.scene, c.target, c.answer, c.alpha, c.mask)
    assert m["answer_error"][0] == 0 and m["answer_error"][1] > m["answer_error"][3] > 0
    np.testing.assert_allclose(m["leak"][:3], [0.0, 1.0, 0.0], atol=1e-9)
    assert m["leak"][3] == pytest.approx(0.5)  # half the background left
    core = A.opaque_core(c.alpha)
    assert gip.metrics.object_survived(out, c.answer, core, c.scene).tolist()[:3] == [True, True, False]
    assert core.sum() < (c.alpha > 0.5).sum() and (c.alpha[core] >= A.OPAQUE).all()
    assert m["sharpness"][0] == pytest.approx(1.0) and m["colour_shift"][0] == 0


def test_blur_and_a_colour_cast_are_measured_as_such(cases):
    c = next(c for c in cases if c.kind == "aligned")
    blurred = torch.nn.functional.avg_pool2d(c.answer, 3, 1, 1, count_include_pad=False)
    cast = (c.answer + torch.tensor([0.3, 0.0, -0.3]).view(1, 3, 1, 1)).clamp(-1, 1)
    assert A.sharpness(blurred, c.answer, c.alpha)[0] < 0.8
    shift = A.colour_shift(torch.cat([c.answer, cast]), c.answer, c.alpha)
    assert shift[0] == 0 and 0.1 < shift[1] <= 0.2


def test_run_adds_the_reference_rows_and_table_compares_with_copy_paste():
    from conftest import make_tiny_model

    cs = benchmark.cases(kinds=["aligned", "boxed-white"], n=1)
    st = gip.Settings(steps=4, jump_n_sample=1, heat=False, buffer=0)
    exp = benchmark.run(cs, {"gip": st}, seeds=[0, 1], model=make_tiny_model(32), progress=False)
    assert len(exp.df) == len(exp.images) == 2 * 4 * 2  # cases x (gip + 3 references) x seeds
    t = benchmark.table(exp.df)
    assert list(t.index.get_level_values("label")[:4]) == ["copy-paste", "RePaint", "answer", "gip"]
    assert t.loc[("boxed-white", "copy-paste"), "vs_copy"] == 1 and t.loc[("boxed-white", "answer"), "vs_copy"] == 0
    assert t.loc[("aligned", "copy-paste"), "answer_error"] == 0 and t.loc[("aligned", "answer"), "object_survived"] == 1
    with pytest.raises(gip.GipError, match="unknown reference"):
        benchmark.run(cs, st, references=["oracle"])


def test_the_modules_are_reachable_from_the_package():
    assert gip.benchmark is benchmark and gip.matte.estimate and gip.accel.denoiser  # as the README uses them
