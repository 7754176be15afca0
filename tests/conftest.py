"""Shared fixtures: a tiny randomly initialised UNet (structure tests) and the embedded model."""

import numpy as np
import pytest
import torch
from diffusers import DDPMScheduler, UNet2DModel

import gip

# The test models are tiny: one thread is as fast, and it avoids oversubscribing the cores when
# notebooks, a training run or a second test process share the machine.
torch.set_num_threads(1)


def make_tiny_model(size: int = 16) -> gip.Model:
    """A ~20k-parameter random UNet at ``size``x``size``: fast, for tests where the weights do not matter."""
    torch.manual_seed(0)
    unet = UNet2DModel(
        sample_size=size,
        block_out_channels=(8, 16),
        layers_per_block=1,
        down_block_types=("DownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "UpBlock2D"),
        norm_num_groups=4,
    )
    return gip.Model(unet.eval().requires_grad_(False), DDPMScheduler(num_train_timesteps=1000), "tiny-random")


def make_photo_model(size: int = 256) -> gip.Model:
    """A ~24k-parameter random UNet at ``size``x``size`` for the photo path (the hub models' resolution):
    4 to 8 channels and four down blocks, so the mid block's attention runs at ``size / 8`` (the UNet of
    :func:`make_tiny_model` attends over ``(size / 2)^2`` pixels: 0.5 s a call at 256x256). About 25 ms a
    call at 256x256 on one CPU thread."""
    torch.manual_seed(0)
    unet = UNet2DModel(
        sample_size=size,
        block_out_channels=(4, 8, 8, 8),
        layers_per_block=1,
        down_block_types=("DownBlock2D",) * 4,
        up_block_types=("UpBlock2D",) * 4,
        norm_num_groups=2,
    )
    return gip.Model(unet.eval().requires_grad_(False), DDPMScheduler(num_train_timesteps=1000), "tiny-random")


@pytest.fixture(scope="session")
def tiny_model() -> gip.Model:
    return make_tiny_model()


@pytest.fixture(scope="session")
def embedded_model() -> gip.Model:
    return gip.load_model()


@pytest.fixture
def images16():
    """(scene, target, fill) at 16x16: random scene/target tensors in [-1, 1], a centred 8x8 hole."""
    g = torch.Generator().manual_seed(1)
    scene = torch.rand(1, 3, 16, 16, generator=g) * 2 - 1
    target = torch.rand(1, 3, 16, 16, generator=g) * 2 - 1
    fill = np.zeros((16, 16), bool)
    fill[4:12, 4:12] = True
    return scene, target, fill


# Developer tools (model evaluation, data preparation) live in scripts/, outside the package.
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))


def make_browser(*size):
    """Headless Chromium (Selenium) for the browser tests, or skip with the install hint."""
    pytest.importorskip("selenium", reason="selenium is not installed: pip install selenium")
    import browser_check

    if browser_check.find_chromium() is None:
        pytest.skip("no chromium/chromedriver found (PATH, /usr/bin/chromium, /usr/lib/chromium/chromedriver): "
                    "apt-get install chromium chromium-driver")  # fmt: skip
    return browser_check.make_driver(*size)
