"""Prepare the emoji-faces data and train (or resume) the embedded default model; optionally export it.

    python scripts/train_default_model.py                     # train / resume in runs/emoji-faces-32
    python scripts/train_default_model.py --export            # write gip/weights/emoji-faces-32
"""

from __future__ import annotations

import argparse
from pathlib import Path

from gip import data, training

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run-dir", default=str(ROOT / "runs" / "emoji-faces-32"))
    ap.add_argument("--cache", default=str(ROOT / ".cache"))
    ap.add_argument("--steps", type=int, default=None, help="total steps (raise it to continue a finished run)")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--export", action="store_true", help="export the EMA weights instead of training")
    ap.add_argument("--out", default=str(ROOT / "gip" / "weights" / "emoji-faces-32"))
    args = ap.parse_args()

    if args.export:
        print(training.export(args.run_dir, args.out))
        return
    cfg_file = Path(args.run_dir) / "config.json"
    cfg = None if cfg_file.exists() else training.TrainConfig()
    if cfg is None and (args.steps or args.threads):
        import json

        cfg = training.TrainConfig(**json.loads(cfg_file.read_text()))
    if cfg is not None:
        cfg.steps = args.steps or cfg.steps
        cfg.threads = args.threads or cfg.threads
        if cfg_file.exists():
            cfg_file.write_text(json.dumps(training.asdict(cfg), indent=2))
    faces = data.prepared(args.cache, resolution=32)
    print(f"training on {len(faces.train)} images, {int(faces.holdout.sum())} held out")
    training.train(faces.train, args.run_dir, cfg)


if __name__ == "__main__":
    main()
