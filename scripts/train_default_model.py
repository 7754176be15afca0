"""Train (or resume) the embedded default model on emoji faces that wear things; optionally export it.

    python scripts/train_default_model.py                 # fetch data (npm), train or resume runs/emoji-faces-32-v2
    python scripts/train_default_model.py --steps 12000   # continue a finished run further
    python scripts/train_default_model.py --export        # EMA weights -> gip/weights/emoji-faces-32
    python scripts/train_default_model.py --resolution 64 --device cuda --from-scratch   # the 64x64 variant

The v2 recipe (model card): the v1 architecture (1.1 M parameters) fine-tuned from the v1 weights on the base
faces of Noto + Twemoji (train split), half of each batch wearing an accessory composited on the fly
(``emoji_data.Composer``); AdamW lr 2e-4 with cosine decay, EMA 0.999, batch 32. Checkpoints every 250 steps,
written atomically: an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

import emoji_data
from gip import training

ROOT = Path(__file__).resolve().parents[1]
V1 = ROOT / "runs" / "v1-weights"  # a copy of the v1 weights (the start of the fine-tune)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run-dir", default=None, help="default: runs/emoji-faces-<res>-v2")
    ap.add_argument("--cache", default=str(ROOT / ".cache"))
    ap.add_argument("--resolution", type=int, default=32)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--steps", type=int, default=None, help="total steps (raise it to continue a finished run)")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--p-wear", type=float, default=0.5, help="fraction of each batch wearing an accessory")
    ap.add_argument("--from-scratch", action="store_true", help="do not start from the v1 weights")
    ap.add_argument("--export", action="store_true", help="export the EMA weights instead of training")
    ap.add_argument("--out", default=str(ROOT / "gip" / "weights" / "emoji-faces-32"))
    args = ap.parse_args()
    run_dir = Path(args.run_dir or ROOT / "runs" / f"emoji-faces-{args.resolution}-v2")

    if args.export:
        print(training.export(run_dir, args.out))
        return
    cfg_file = run_dir / "config.json"
    if cfg_file.exists():
        cfg = training.TrainConfig(**json.loads(cfg_file.read_text()))
        cfg.steps = args.steps or cfg.steps
        cfg.threads = args.threads or cfg.threads
        cfg.device = args.device
        cfg_file.write_text(json.dumps(asdict(cfg), indent=2))
    else:
        init = None
        if not args.from_scratch and args.resolution == 32:
            if not (V1 / "config.json").exists():
                from gip.models import load_model

                load_model("emoji-faces-32").save_pretrained(V1)  # before the export replaces it
            init = str(V1)
        cfg = training.TrainConfig(
            resolution=args.resolution,
            block_out_channels=(32, 64, 64) if args.resolution == 32 else (32, 64, 64, 128),
            attention_at=(False, False, True) if args.resolution == 32 else (False, False, True, False),
            steps=args.steps or 6000,
            lr=2e-4,
            lr_min=2e-5,
            warmup=100,
            ema_decay=0.999,
            sample_every=1000,
            threads=args.threads,
            init_from=init,
            device=args.device,
            extra={"p_wear": args.p_wear, "data": "noto+twemoji faces, accessories composited (scripts/emoji_data.py)"},
        )
    faces = emoji_data.load_faces(args.cache)
    acc = emoji_data.load_accessories(args.cache)
    composer = emoji_data.Composer(faces, acc, cfg.resolution, p_wear=cfg.extra.get("p_wear", args.p_wear))
    print(f"training on {len(composer.faces)} base faces, {int(faces.holdout.sum())} held out, {len(acc)} accessories")
    training.train(composer, run_dir, cfg)


if __name__ == "__main__":
    main()
