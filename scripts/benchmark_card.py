"""The model card's benchmark sections: the held-out insertion pairs and the known-answer integration
benchmark (gip.benchmark), under gip's defaults and the settings they were chosen against (developer step).

    python scripts/benchmark_card.py                 # run both (about 40 min on 2 CPU cores), rewrite the
                                                     # sections of gip/weights/emoji-faces-32/MODEL_CARD.md
    python scripts/benchmark_card.py --reuse         # only rewrite the text and figures from runs/card-*.pkl

Needs no training data (only the shipped assets); ``scripts/model_card.py`` writes the rest of the card.
"""

from __future__ import annotations

import argparse
import pickle
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np
import torch

import gip
from gip import benchmark
from gip.images import to_uint8
from gip.lambdas import Floor

ROOT = Path(__file__).resolve().parents[1]
CARD = ROOT / "gip" / "weights" / "emoji-faces-32"
RUNS = ROOT / "runs"
SEEDS = (0, 1)
START, END = "<!-- benchmark:start (scripts/benchmark_card.py) -->", "<!-- benchmark:end -->"


def settings() -> dict[str, gip.Settings]:
    """The defaults and what they were chosen against."""
    d = gip.Settings()
    paper = d.replace(matte="off", heat=True, buffer=2)
    return {"paper (no matte, heat, b = 2)": paper, "defaults": d, "Floor(0.3)": d.replace(lam=Floor(0.3))}


def run(model) -> "gip.experiment.Experiment":
    return benchmark.run(benchmark.cases(resolution=model.resolution), settings(), seeds=list(SEEDS), model=model)


def fmt(v: float, pct: bool = False) -> str:
    return "–" if not np.isfinite(v) else (f"{100 * v:.0f} %" if pct else f"{v:.3f}")


def markdown(t, pct=("object_survived",)) -> str:
    cols = list(t.columns)
    head = "| kind | setting | " + " | ".join(cols) + " |\n|" + "---|" * (len(cols) + 2)
    rows = [f"| {k} | {lb} | " + " | ".join(fmt(r[c], c in pct) for c in cols) + " |" for (k, lb), r in t.iterrows()]
    return head + "\n" + "\n".join(rows)


def grid(exp, path: Path, pair: int = 10, label: str = "defaults") -> None:
    """One pair, every kind: target, copy-paste-free result of ``label`` (seed 0), the paper's, the answer."""
    from gip.viz import show_grid

    rows, names = [], []
    for kind in benchmark.KINDS:
        name = next(n for n, c in exp.cases.items() if c.kind == kind and n.startswith(
            exp.cases[list(exp.cases)[pair * len(benchmark.KINDS)]].name.split("/")[0]))  # fmt: skip
        c = exp.cases[name]
        rows.append([c.target, exp.image(name, "paper (no matte, heat, b = 2)"), exp.image(name, label), c.answer])
        names.append(kind)
    fig = show_grid(rows, col_titles=["target", "paper", label, "answer"], row_titles=names, scale=1.8)
    fig.savefig(path, dpi=100)


def section(exp) -> str:
    df = exp.df
    t = benchmark.table(df)
    return TEMPLATE.format(table=markdown(t), n=len(exp.cases) // len(benchmark.KINDS), seeds=len(SEEDS))


TEMPLATE = """## Integration benchmark: a known answer the target does not give away
`gip.benchmark`: {n} held-out (face, object) pairs, each object at its kind's place, in seven *target kinds*;
the answer is the object alpha-composited on the scene. {seeds} seeds each, (T, j, r) = (50, 5, 2).
*answer_error*: MSE to the answer over the fill; *answer_object*: on the object's pixels; *leak*: the
target's own background left (1 = pasted, 0 = none); *object_survived*: kept, decided between both
hypotheses on the object's opaque pixels (`gip.metrics.object_survived`); *sharpness* and *colour_shift*
against the answer; *vs_copy*: answer_error over copy-paste's on the same kind.

{table}

![benchmark](card/benchmark.png)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reuse", action="store_true", help="reuse runs/card-benchmark.pkl")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cache = RUNS / "card-benchmark.pkl"
    if args.reuse:
        exp = pickle.loads(cache.read_bytes())
    else:
        exp = run(gip.load_model())
        RUNS.mkdir(exist_ok=True)
        cache.write_bytes(pickle.dumps(exp))
    (CARD / "card").mkdir(exist_ok=True)
    exp.df.drop(columns=["model"]).to_csv(CARD / "card" / "benchmark.csv", index=False)
    grid(exp, CARD / "card" / "benchmark.png")
    text = (CARD / "MODEL_CARD.md").read_text()
    new = f"{START}\n{section(exp)}\n{END}"
    text = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: new, text, flags=re.S) if START in text \
        else text.replace("## Limits", new + "\n\n## Limits")
    (CARD / "MODEL_CARD.md").write_text(text)
    print(section(exp))


if __name__ == "__main__":
    main()
