"""Sweeps: a settings grid x seeds x input pairs from a small TOML file, one CSV row per sample; resumable,
and scaled out over processes (GPUs) with Hugging Face accelerate.

    gip sweep study.toml -o study.csv                                          # one process
    accelerate launch --num_processes 8 -m gip sweep study.toml -o study.csv   # 8 processes (GPUs)

    from gip import sweep
    res = sweep.run("study.toml", "study.csv")        # the same from Python; res.df is the whole table

The config (every section and key is optional; an empty file runs ``gip.Settings()`` on every held-out pair)::

    [settings]                # the base gip.Settings: any of its fields (gip.settings.FIELDS: steps,
    steps = 50                #   jump_length, jump_n_sample, lam, lam_axis, heat, buffer, mix, eta, ...)
    jump_n_sample = 2         #   plus p and lam_max, the parameters of the lambda schedule
    lam = "linear"            # a schedule name (linear, cosine, step, floor, constant) or a number (constant)
    p = 0.75                  # (gip.lambdas.reshape: without p, a schedule keeps its own default p)
    heat = true               # true / false / a metric name / a table {metric, exponent, ramp}

    [grid]                    # the settings to vary: every combination runs (gip.experiment.grid)
    p = [0.25, 0.5, 0.75]     # the same keys as [settings], each with a list of values
    buffer = [0, 2]

    [run]
    seeds = [0, 1, 2, 3, 4]   # a list, or a count n (seeds 0..n-1); default [0]
    samples = 1               # samples per seed, batched in one sampler call; default 1
    model = "emoji-faces-32"  # embedded name, hub id or local diffusers folder (relative to the config file)
    cases = "insertion"       # the held-out pairs of gip.assets.insertion_cases ("insertion:N": the first N)
    resize = false            # resize the inputs of path cases to the model's resolution

Instead of ``cases = "insertion"``, inputs of your own, one table each (paths relative to the config file;
without ``target`` the case is plain RePaint)::

    [[run.cases]]
    name = "cat-hat"
    scene = "images/cat.png"
    target = "images/cat-with-hat.png"
    mask = "images/hat-mask.png"      # the FILL mask: white = where the target goes

The unit of work is one sampler call: (case, label, seed), with ``samples`` samples, in the order case ->
setting (grid order) -> seed. The output is the table of :func:`gip.experiment.run`, one row per sample:
``case``, ``label``, ``seed``, ``sample``, every setting, every metric, ``selection_score``, ``model``,
``seconds``. It is written atomically (temp file + rename) and never over an input file.

Resume: units already in the output are skipped, so running the same command again after an interruption
(or with more seeds, cases or grid values) runs only what is missing. Rows of units that the config no
longer names are kept. A one-process sweep rewrites the output after every unit. Rows of a label made with
other settings, another model or another ``samples`` are an error (write to a new file instead).

Scale-out: under ``accelerate launch --num_processes N`` every process reads the config and the output, takes
its share of the missing units (``PartialState.split_between_processes``: contiguous, equal counts), runs
them on its own device (``cuda:<local rank>``) and writes its rows, after every unit, to a shard next to the
output (``OUT.csv.part-<rank>-of-<N>``). After ``wait_for_everyone`` the main process gathers the shards into
the output, in the one-process order, and removes them. Shards left by an interrupted run are merged into the
output when the next run starts, so they resume too. Several CPU processes (gloo):
``accelerate launch --multi_gpu --num_processes N -m gip sweep ... --device cpu``; ``accelerate launch --cpu``
starts a single process whatever ``--num_processes`` says, unless it is given an MPI hostfile.

The package: :mod:`gip.sweep.config` (the config language, :func:`load_config`), :mod:`gip.sweep.table`
(the CSV table, its shards, resuming) and :mod:`gip.sweep.runner` (:func:`run`, with accelerate).
"""

from .config import CASE_KEYS, RUN_KEYS, SECTIONS, SETTING_KEYS, Config, load_config
from .runner import BARRIER_TIMEOUT, SweepResult, run
from .table import UNIT, read_table

__all__ = ["BARRIER_TIMEOUT", "CASE_KEYS", "Config", "RUN_KEYS", "SECTIONS", "SETTING_KEYS", "SweepResult", "UNIT",
           "load_config", "read_table", "run"]  # fmt: skip
