"""Training: a few steps run, checkpoints resume exactly, and export loads back through gip.load_model."""

import json

import numpy as np
import torch

import gip
from gip import training


def cfg(steps):
    return training.TrainConfig(resolution=8, block_out_channels=(8, 8), attention_at=(False, False), steps=steps,
                                batch_size=4, save_every=2, sample_every=0, log_every=1, seed=0)  # fmt: skip


def data():
    return np.random.default_rng(0).integers(0, 256, (6, 8, 8, 3), dtype=np.uint8)


def test_resume_equals_uninterrupted(tmp_path):
    training.train(data(), tmp_path / "a", cfg(4), progress=False)
    training.train(data(), tmp_path / "b", cfg(2), progress=False)
    c = json.loads((tmp_path / "b" / "config.json").read_text())
    c["steps"] = 4
    (tmp_path / "b" / "config.json").write_text(json.dumps(c))
    training.train(data(), tmp_path / "b", None, progress=False)  # resumes from step 2
    a = torch.load(tmp_path / "a" / "last.pt", weights_only=True)
    b = torch.load(tmp_path / "b" / "last.pt", weights_only=True)
    assert a["step"] == b["step"] == 4
    for k in a["model"]:
        assert torch.equal(a["model"][k], b["model"][k]), k
    rows = (tmp_path / "b" / "loss.csv").read_text().splitlines()
    assert rows[0] == "step,loss,lr,elapsed_s" and len(rows) == 5


def test_export_loads_as_a_model(tmp_path):
    training.train(data(), tmp_path / "run", cfg(2), progress=False)
    out = training.export(tmp_path / "run", tmp_path / "model")
    m = gip.load_model(out)
    assert m.resolution == 8 and m.dtype == torch.float32
    assert json.loads((out / "training.json").read_text())["train_steps"] == 2
    res = gip.repaint(np.full((8, 8, 3), 128, np.uint8), np.pad(np.ones((4, 4)), 2), model=m, steps=4,
                      jump_n_sample=1, progress=False)  # fmt: skip
    assert res.tensor.shape == (1, 3, 8, 8)
