"""gip sweep: a TOML grid x seeds x pairs -> one CSV row per sample; resume; bad configs; accelerate shards."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import gip
import gip.sampler
from gip import experiment, sweep
from gip.cli import main

ROOT = Path(__file__).resolve().parents[1]
KEY = ["case", "label", "seed", "sample"]

CONFIG = """
[settings]
steps = 4
jump_n_sample = 1

[grid]
p = [0.25, 0.75]

[run]
seeds = {seeds}
cases = "insertion:2"
"""


def write_config(folder: Path, seeds=(0, 1), name: str = "sweep.toml", text: str = CONFIG) -> Path:
    path = folder / name
    path.write_text(text.format(seeds=list(seeds)))
    return path


def sweep_units() -> list[tuple]:
    """The one-process order: case -> setting -> seed."""
    cases = [c.name for c in gip.assets.insertion_cases()[:2]]
    return [(c, lb, s) for c in cases for lb in ("p=0.25", "p=0.75") for s in (0, 1)]


def units(df: pd.DataFrame) -> list[tuple]:
    return list(zip(df["case"], df["label"], df["seed"]))


@pytest.fixture
def calls(monkeypatch):
    """The seeds of every sampler call the sweep makes (experiment.run looks inpaint up when it runs)."""
    seen, real = [], gip.sampler.inpaint

    def counting(*args, seed=None, **kw):
        seen.append(seed)
        return real(*args, seed=seed, **kw)

    monkeypatch.setattr(gip.sampler, "inpaint", counting)
    return seen


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> pd.DataFrame:
    """The one-process sweep through the CLI: 2 pairs x 2 settings x 2 seeds, 1 sample each."""
    folder = tmp_path_factory.mktemp("sweep-one")
    out = folder / "out.csv"
    assert main(["sweep", str(write_config(folder)), "-o", str(out), "--device", "cpu", "--no-progress"]) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["out.csv", "sweep.toml"]  # no temp files, no shards
    return sweep.read_table(out)


def test_one_row_per_sample_as_experiment_run(reference):
    df = reference
    assert units(df) == sweep_units() and (df["sample"] == 0).all()
    assert list(df.columns[:4]) == KEY
    base = gip.Settings(steps=4, jump_n_sample=1)
    assert set(base.row()) | {"selection_score", "object_error", "seam", "harmony", "model", "seconds"} <= set(df)
    assert (df["steps"] == 4).all() and (df["p"] == df["label"].str.removeprefix("p=").astype(float)).all()
    # exactly the table gip.experiment.run makes in memory (same columns, same values), read back from the CSV
    exp = experiment.run(gip.assets.insertion_cases()[:2], experiment.grid(base, p=[0.25, 0.75]), seeds=[0, 1],
                         model=gip.load_model(), progress=False)  # fmt: skip
    assert list(df.columns) == list(exp.df.columns)
    pd.testing.assert_frame_equal(df.drop(columns="seconds"), exp.df.drop(columns="seconds"), check_dtype=False)


def test_resume_runs_only_the_missing_units(tmp_path, calls, reference):
    out = tmp_path / "out.csv"
    res = sweep.run(write_config(tmp_path, seeds=[0]), out, progress=False, device="cpu")
    assert calls == [0] * 4 and (res.units, res.skipped, res.ran) == (4, 0, 4)
    first = sweep.read_table(out)

    res = sweep.run(write_config(tmp_path, seeds=[0, 1]), out, progress=False, device="cpu")
    assert calls == [0] * 4 + [1] * 4 and (res.units, res.skipped, res.ran) == (8, 4, 4)  # only seed 1 ran
    df = sweep.read_table(out)
    assert units(df) == sweep_units()  # merged in the one-process order
    pd.testing.assert_frame_equal(df[df["seed"] == 0].reset_index(drop=True), first)  # seed 0 kept, 'seconds' too
    pd.testing.assert_frame_equal(df.drop(columns="seconds"), reference.drop(columns="seconds"))

    before = out.read_bytes()
    res = sweep.run(write_config(tmp_path, seeds=[0, 1]), out, progress=False, device="cpu")
    assert len(calls) == 8 and res.ran == 0 and out.read_bytes() == before  # nothing left to do


def test_shards_of_an_interrupted_run_are_merged(tmp_path, calls, reference):
    out = tmp_path / "out.csv"
    reference.iloc[:3].to_csv(tmp_path / "out.csv.part-1-of-2", index=False)  # left by a killed 2-process run
    res = sweep.run(write_config(tmp_path), out, progress=False, device="cpu")
    assert len(calls) == 5 and res.skipped == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "sweep.toml"]
    pd.testing.assert_frame_equal(sweep.read_table(out).drop(columns="seconds"), reference.drop(columns="seconds"))


def test_cases_from_files_and_plain_repaint(tmp_path, calls):
    """[[run.cases]] tables: paths relative to the config; without a target, plain RePaint (whose rows record
    lam = 0 and no heat, which resuming must accept)."""
    (tmp_path / "img").mkdir()
    for name, src in (("scene", "grinning"), ("target", "sunglasses")):
        (tmp_path / "img" / f"{name}.png").write_bytes(gip.assets.path(src).read_bytes())
    Image.fromarray(gip.masks.box(32, 4, 8, 24, 9).astype(np.uint8) * 255).save(tmp_path / "img" / "mask.png")
    text = CONFIG.replace('cases = "insertion:2"', "").replace("p = [0.25, 0.75]", "") + """
[[run.cases]]
name = "plain"
scene = "img/scene.png"
mask = "img/mask.png"

[[run.cases]]
name = "sunglasses"
scene = "img/scene.png"
target = "img/target.png"
mask = "img/mask.png"
"""
    out = tmp_path / "out.csv"
    sweep.run(write_config(tmp_path, seeds=[0], text=text), out, progress=False, device="cpu")
    df = sweep.read_table(out)
    assert units(df) == [("plain", "base", 0), ("sunglasses", "base", 0)] and calls == [0, 0]
    assert list(df["lam"]) == ["constant(0)", "floor(p=0.3)"] and df["fill_mse"].isna().tolist() == [True, False]
    res = sweep.run(write_config(tmp_path, seeds=[0, 1], text=text), out, progress=False, device="cpu")
    assert calls == [0, 0, 1, 1] and res.skipped == 2 and units(sweep.read_table(out))[1] == ("plain", "base", 1)


def test_other_settings_in_the_output_are_an_error(tmp_path, calls, reference):
    out = tmp_path / "out.csv"
    reference.to_csv(out, index=False)
    before = out.read_bytes()
    with pytest.raises(gip.GipError, match=r"steps = 4, but the config gives steps = 5: write to a new output file"):
        sweep.run(write_config(tmp_path, text=CONFIG.replace("steps = 4", "steps = 5")), out, progress=False)
    with pytest.raises(gip.GipError, match=r"1 samples per seed .* samples = 2"):
        sweep.run(write_config(tmp_path, text=CONFIG + "samples = 2\n"), out, progress=False)
    assert calls == [] and out.read_bytes() == before


BAD = [
    ("[setings]\nsteps = 4", "unknown section 'setings': did you mean 'settings'?"),
    ("[settings]\nstepz = 4", "[settings]: unknown setting 'stepz': did you mean 'steps'?"),
    ("[settings]\nsteps = 0", "[settings]: steps must be a whole number >= 1"),
    ("[settings]\nbuffer = [0, 2]", "buffer is a list: one value here (lists of values to try go in [grid])"),
    ("[settings]\nlam = 'wavy'", "[settings]: lam: unknown lambda schedule 'wavy'"),
    ("[grid]\np = []", "[grid]: p = [] has no values"),
    ("[grid]\nspeed = [1, 2]", "[grid]: unknown setting 'speed'"),
    ("[grid]\np = [0.5, 1.5]", "[grid]: p must be"),
    ("[grid]\nbuffer = [2, 2]", "[grid]: buffer repeats a value"),
    ("[run]\nseeds = 'all'", "[run]: seeds must be a count (seeds = 5: seeds 0..4) or a list"),
    ("[run]\nseeds = [0, 0]", "[run]: seeds repeats a seed"),
    ("[run]\nsamples = 0", "[run]: samples must be a whole number >= 1"),
    ("[run]\nseed = [0]", "[run]: unknown key 'seed': did you mean 'seeds'?"),
    ("[run]\ncases = 'insertion:99'", '"insertion:N" (the first N, 1 <= N <= 16)'),
    ("[run]\ncases = 'mine'", "cases = 'mine': use \"insertion\""),
    ("[[run.cases]]\nname = 'a'\nscene = 'scene.png'", "[run] cases[0]: needs mask"),
    ("[[run.cases]]\nname = 'a'\nscene = 'nope.png'\nmask = 'scene.png'", "scene 'nope.png': no such file"),
    ("[run]\nmodel = 'nope'", "[run] model: unknown model 'nope'"),
    ("[settings]\nsteps = = 4", "is not valid TOML"),
]


@pytest.mark.parametrize("text,match", BAD, ids=[t.replace("\n", " ")[:32] for t, _ in BAD])
def test_bad_config_exits_2_with_one_line_naming_the_key(tmp_path, capsys, calls, text, match):
    (tmp_path / "scene.png").write_bytes(gip.assets.path("grinning").read_bytes())
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text + "\n")
    out = tmp_path / "out.csv"
    assert main(["sweep", str(cfg), "-o", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("gip: error:") and match in err[0], err
    assert str(cfg) in err[0] and not out.exists() and calls == []


def test_bad_outputs(tmp_path, capsys, calls):
    cfg = write_config(tmp_path)
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    for args, match in [
        ([str(tmp_path / "missing.toml"), "-o", str(tmp_path / "o.csv")], "config file"),
        ([str(cfg), "-o", str(cfg)], "must be a .csv file"),
        ([str(cfg), "-o", str(tmp_path / "no" / "o.csv")], "does not exist: create it first"),
        ([str(cfg), "-o", str(other)], "not a gip sweep table (no case, label, seed, sample column)"),
        ([str(cfg), "-o", str(tmp_path / "o.csv"), "--device", "gpu"], "unknown device 'gpu'"),
    ]:
        assert main(["sweep", *args, "--no-progress"]) == 2
        assert match in capsys.readouterr().err
    named_csv = tmp_path / "config.csv"  # a TOML config that happens to end in .csv is still an input
    named_csv.write_text(cfg.read_text())
    assert main(["sweep", str(named_csv), "-o", str(named_csv), "--no-progress"]) == 2
    assert "refusing to overwrite the input file" in capsys.readouterr().err
    assert other.read_text() == "a,b\n1,2\n" and named_csv.read_text() == cfg.read_text() and calls == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.csv", "other.csv", "sweep.toml"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_accelerate_two_processes_give_the_same_rows(tmp_path, reference):
    """Two real processes (torchrun through `accelerate launch --multi_gpu`, gloo on the CPU; note that
    `accelerate launch --cpu --num_processes 2` starts only one without an MPI hostfile): each runs half of
    the units into its shard, the main process gathers them."""
    cfg, out = write_config(tmp_path), tmp_path / "out.csv"
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
           "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
           "--num_cpu_threads_per_process", "1", "--main_process_port", str(free_port()),
           "-m", "gip", "sweep", str(cfg), "-o", str(out), "--device", "cpu", "--no-progress"]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HOME": str(tmp_path / "hf")}  # no accelerate config of yours
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "8 of 8 units run on 2 process(es)" in proc.stderr and proc.stdout.strip() == str(out)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "hf") == ["out.csv", "sweep.toml"]  # shards gone
    df = sweep.read_table(out)
    assert units(df) == units(reference)  # gathered in the one-process order
    # and the same values in every column but the wall time, compared row by row whatever the order
    a, b = (d.drop(columns="seconds").sort_values(KEY).reset_index(drop=True) for d in (df, reference))
    pd.testing.assert_frame_equal(a, b, check_exact=True)
