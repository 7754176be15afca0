"""The embedded model: loads offline, from safetensors, and is a real (trained) DDPM."""

import shutil

import numpy as np
import pytest
import torch

import gip
from gip import assets
from gip.diffusion import q_sample
from gip.images import to_tensor


def test_default_model_loads_offline(monkeypatch, embedded_model):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    m = gip.load_model()
    assert m.name == gip.DEFAULT_MODEL and m.resolution == 32 and m.dtype == torch.float32
    assert m.scheduler.config.num_train_timesteps == 1000
    assert gip.DEFAULT_MODEL in gip.embedded_models()


def test_local_folder_roundtrip(tmp_path, tiny_model):
    tiny_model.save_pretrained(tmp_path / "m")
    m = gip.load_model(tmp_path / "m")
    x = torch.randn(1, 3, 16, 16)
    with torch.no_grad():
        assert torch.allclose(m.unet(x, 10).sample, tiny_model.unet(x, 10).sample, atol=1e-6)


def test_pipeline_layout_folder(tmp_path, tiny_model):
    """A DDPMPipeline-style folder (unet/ and scheduler/ subfolders) loads too."""
    tiny_model.unet.save_pretrained(tmp_path / "p" / "unet")
    tiny_model.scheduler.save_pretrained(tmp_path / "p" / "scheduler")
    assert gip.load_model(tmp_path / "p").resolution == 16


def test_unknown_model_lists_known_ones():
    with pytest.raises(gip.GipError, match="emoji-faces-32"):
        gip.load_model("no-such-model")


def test_hub_id_offline_says_what_to_do(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(gip.GipError, match="save_pretrained"):
        gip.load_model("google/ddpm-ema-celebahq-256")


def test_corrupted_weights_give_a_clear_error(tmp_path, tiny_model):
    tiny_model.save_pretrained(tmp_path / "m")
    (tmp_path / "m" / "diffusion_pytorch_model.safetensors").write_bytes(b"garbage")
    with pytest.raises(gip.GipError, match="missing or corrupted"):
        gip.load_model(tmp_path / "m")
    shutil.rmtree(tmp_path / "m")
    (tmp_path / "m").mkdir()
    with pytest.raises(gip.GipError, match="config.json"):
        gip.load_model(tmp_path / "m")


def test_embedded_model_predicts_noise_on_held_out_images(embedded_model):
    """A random network scores eps-MSE ~1; the trained one must do much better on unseen faces."""
    x0 = torch.cat([to_tensor(assets.path(n)) for n in ("grinning", "crying", "boy", "bearded")])
    acp = embedded_model.scheduler.alphas_cumprod
    g = torch.Generator().manual_seed(0)
    for t in (50, 200, 500):
        eps = torch.randn(x0.shape, generator=g)
        with torch.no_grad():
            pred = embedded_model.unet(q_sample(x0, acp[t].item(), eps), t).sample
        assert ((pred - eps) ** 2).mean().item() < 0.5, t
