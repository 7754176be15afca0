"""The wheel carries the embedded model and the demo images (not only an editable install)."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_contains_package_data(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
    )
    (wheel,) = tmp_path.glob("gip-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for f in ("config.json", "scheduler_config.json", "diffusion_pytorch_model.safetensors", "MODEL_CARD.md"):
        assert f"gip/weights/emoji-faces-32/{f}" in names, f
    assert {"gip/assets/NOTICE", "gip/assets/grinning.png", "gip/assets/glasses-rgba64.png",
            "gip/assets/insertion_pairs.json", "gip/assets/heldout/google-1f648.png"} <= names  # fmt: skip
    assert not any(n.startswith(("runs/", ".cache/", "tests/", "scripts/")) for n in names)
    # developer tools (data preparation, model-card evaluation) stay outside the shipped package
    assert not {"gip/data.py", "gip/evaluation.py", "gip/study.py"} & names
    size = zipfile.ZipFile(wheel).getinfo("gip/weights/emoji-faces-32/diffusion_pytorch_model.safetensors").file_size
    assert size <= 10_000_000
