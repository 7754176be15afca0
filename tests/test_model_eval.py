"""Model evaluation helpers, and the embedded model measured against classical baselines."""

import numpy as np
import torch

import gip
from gip import assets
import model_eval as evaluation
from gip.images import to_tensor

HELD_OUT = ("grinning", "crying", "boy", "bearded")


def test_mean_colour_fill_paints_the_mean_of_the_kept_pixels():
    x = torch.rand(2, 3, 8, 8) * 2 - 1
    fill = gip.masks.box(8, 2, 2, 4, 4)
    out = evaluation.mean_colour_fill(x, fill)
    F = torch.from_numpy(fill)
    assert torch.equal(out[:, :, ~F], x[:, :, ~F])
    assert torch.allclose(out[0, :, 3, 3], x[0][:, ~F].mean(-1))


def test_biharmonic_fill_is_smooth_on_a_ramp():
    ramp = torch.linspace(-1, 1, 16).expand(1, 3, 16, 16).clone()
    fill = gip.masks.box(16, 5, 5, 6, 6)
    out = evaluation.biharmonic_fill(ramp, fill)
    assert gip.metrics.masked_mse(out, ramp, fill).item() < 1e-3


def test_embedded_model_beats_random_level_and_mean_fill(embedded_model):
    x0 = torch.cat([to_tensor(assets.path(n)) for n in HELD_OUT])
    trained = evaluation.eps_mse(embedded_model, x0)
    assert all(v < 0.3 for v in trained.values()), trained  # a random network scores ~1
    fill = gip.masks.box(32, 8, 8, 16, 16)
    rec = evaluation.reconstruction(embedded_model, x0, fill, steps=25, jump_length=5, jump_n_sample=1)
    assert rec["mse"]["RePaint"] < rec["mse"]["mean colour"], rec["mse"]
    assert set(rec["images"]) == {"RePaint", "mean colour", "biharmonic"}
