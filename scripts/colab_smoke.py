"""A Colab reader's first minutes, on this machine: the chapters' install cell installs gip from git into a
fresh Python, and a 256x256 "hub" model then loads and samples through ``gip.book.setup(use_hub=True)``.

    python scripts/colab_smoke.py [--workdir DIR]      # prints each stage's time; exit 1 on failure

What it does (tests/test_colab_smoke.py runs it):

1. ``git clone`` of this repository at HEAD into a temporary folder (committed work only: HEAD may lag the
   working tree), with ``refs/heads/<branch>`` set to HEAD for the branch the cell names (_config.yml).
2. A plain venv (``python -m venv``, *no* ``--system-site-packages``: nothing of this machine's or the project
   venv's packages leaks in), pip upgraded (Colab's pip is recent; Python 3.11's bundled pip 23.2 cannot
   parse a host-less ``git+file:///`` URL) and ``ipykernel`` (Colab's kernel). torch, which Colab ships and
   the cell never installs, is by default the running interpreter's own torch, made visible to the fresh
   venv by a ``.pth`` file that names a folder holding links to torch's four top-level folders only (torch,
   functorch, torchgen, its dist-info) and nothing else: pip sees torch installed and must still install
   torch's own dependencies (sympy, networkx, ...) and all of gip's. This saves 1-2.5 minutes of unpacking
   torch; ``--install-torch`` (or ``GIP_COLAB_SMOKE_TORCH=install``) pip-installs ``torch==2.13.0`` instead
   (on the project machines that CPU build is a local wheel). pip runs with ``--no-compile`` /
   ``PIP_NO_COMPILE=1`` (no .pyc byte-compiling at install time; Python compiles on first import): this
   changes nothing about what is resolved or installed.
3. A notebook executed by nbclient in that venv's kernel, in an empty folder, with a stand-in ``google.colab``
   (an empty package, imported at kernel start by an IPython startup file, as Colab does):

   - cell 1 is ``scripts/colab_cell.py``'s ``cell_source()`` verbatim except that the repository URL is
     replaced by ``file://`` of the clone: the real ``%pip install -q "gip @ git+...@<branch>"`` runs, so
     gip and every dependency come from that exact package spec;
   - cell 2 checks what got installed: gip imported from the venv (not from this checkout), installed from
     git at the clone's HEAD, torch untouched, the embedded model's weights packaged;
   - cell 3 does what a Colab reader does with ``use_hub=True``: ``book = setup(use_hub=True,
     hub_model=<folder>)`` and one ``gip.inpaint`` at 256x256 (steps=2, jump_n_sample=1) on
     the book's photo inputs: ``book.scene()`` (the astronaut photo at 256x256), the sunglasses rendered at
     256 px placed with ``book.where`` (face coordinates), ``book.box`` and ``book.cases()``.

   The folder is a RANDOM-INIT UNet2DModel of google/ddpm-ema-celebahq-256's configuration (113.7M
   parameters, 256x256) plus a DDPMScheduler, written with ``save_pretrained``: a SHAPE AND PATH CHECK of the
   256x256 route (loading a diffusers folder, the photo inputs and masks, sampling at 256x256), not a
   result: its output is noise. The real checkpoint cannot be downloaded on the project machines.

Everything runs offline (``HF_HUB_OFFLINE=1``) except pip, which uses this machine's package indexes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from colab_cell import cell_source  # noqa: E402

TORCH = "torch==2.13.0"  # the CPU build on local disk on the project machines (scripts/setup.sh)
PIP_S = 600  # each pip step
CELL_S = 600  # each notebook cell (the install cell resolves and downloads gip's dependencies)
KERNEL = "gip-colab-smoke"

# google/ddpm-ema-celebahq-256's UNet2DModel configuration (its config.json)
CELEBAHQ_256 = dict(
    sample_size=256, in_channels=3, out_channels=3, layers_per_block=2,
    block_out_channels=(128, 128, 256, 256, 512, 512),
    down_block_types=("DownBlock2D",) * 4 + ("AttnDownBlock2D", "DownBlock2D"),
    up_block_types=("UpBlock2D", "AttnUpBlock2D") + ("UpBlock2D",) * 4,
)  # fmt: skip

CHECK_INSTALL = """\
import importlib.metadata as md, json, sys
from pathlib import Path

import gip, torch

assert "google.colab" in sys.modules, "the stand-in google.colab was not imported: the install cell did nothing"
where = Path(gip.__file__).resolve()
assert where.is_relative_to(Path(sys.prefix).resolve()), f"gip imported from {where}, not from this venv"
for name in ("diffusers", "numpy", "scipy", "pandas", "matplotlib", "accelerate", "safetensors", "PIL"):
    mod = __import__(name)
    assert Path(mod.__file__).resolve().is_relative_to(Path(sys.prefix).resolve()), f"{name} from {mod.__file__}"
direct = json.loads(md.distribution("gip").read_text("direct_url.json"))
assert direct.get("vcs_info", {}).get("vcs") == "git", direct
assert direct["vcs_info"]["commit_id"] == EXPECTED_COMMIT, direct
assert torch.__version__ == EXPECTED_TORCH, f"the install cell replaced torch: {torch.__version__}"
assert gip.embedded_models(), "the embedded model's weights are not in the installed package"
print("gip", md.version("gip"), "from", direct["url"], "at", direct["vcs_info"]["commit_id"][:12], "in", where.parent)
"""

INPAINT = """\
import gip
from gip.book import setup

# a RANDOM-INIT model of google/ddpm-ema-celebahq-256's configuration: a shape/path check, not a result
book = setup(use_hub=True, hub_model=MODEL_DIR)
assert book.R == 256, book.R
assert book.photo == "astronaut-face", book.photo  # a real photo, not an upscaled emoji
scene, mask = book.scene(), book.box(2, 7, 28, 11)
target, _, silhouette = gip.auto.compose(scene, book.object("dark-sunglasses"), book.where(3, 8, 26, 9))
assert tuple(scene.shape) == (1, 3, 256, 256) and mask.shape == (256, 256), (scene.shape, mask.shape)
assert book.object("dark-sunglasses").width > 200 and not (silhouette & ~mask).any()
case = book.cases()[0]
assert case.name == "astronaut-face+glasses" and tuple(case.target.shape) == (1, 3, 256, 256), case.name
res = gip.inpaint(scene, target, mask, model=book.model, steps=2, jump_n_sample=1, seed=0, progress=False)
assert tuple(res.tensor.shape) == (1, 3, 256, 256), res.tensor.shape
assert res.images[0].size == (256, 256) and bool(res.tensor.isfinite().all())
print("inpainted", tuple(res.tensor.shape), "with", res.model_calls, "model calls")
"""


def _run(cmd: list[str], log, timeout: float = PIP_S, **kw) -> None:
    t = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL, **kw)  # fmt: skip
    if p.returncode:
        raise RuntimeError(f"{' '.join(cmd)} exited with {p.returncode}:\n{p.stdout[-4000:]}")
    log(f"  {' '.join(Path(c).name if i == 0 else c for i, c in enumerate(cmd))}: {time.monotonic() - t:.0f} s")


def clone_head(dest: Path, branch: str, log=print) -> str:
    """Clone this repository's HEAD into ``dest``; ``branch`` points at it. Returns the commit."""
    _run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(dest)], log)
    commit = subprocess.check_output(["git", "-C", str(dest), "rev-parse", "HEAD"], text=True).strip()
    subprocess.run(["git", "-C", str(dest), "update-ref", f"refs/heads/{branch}", commit], check=True)
    return commit


def install_cell(repo: Path) -> str:
    """The chapters' install cell with the repository URL replaced by ``file://`` of ``repo``."""
    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"].rstrip("/")
    src = cell_source()
    needle = f"git+{url}@"
    if src.count(needle) != 1:
        raise RuntimeError(f"the install cell does not name {needle!r} once:\n{src}")
    return src.replace(needle, f"git+{repo.resolve().as_uri()}@")


def make_venv(dest: Path, install_torch: bool = False, log=print) -> Path:
    """A plain venv (no system site-packages) with a recent pip, ipykernel and torch (linked or installed)."""
    base = getattr(sys, "_base_executable", sys.executable)
    _run([base, "-m", "venv", str(dest)], log)
    py = dest / "bin" / "python"
    env = _clean_env()
    _run([str(py), "-m", "pip", "install", "-q", "--no-compile", "--upgrade", "pip"], log, env=env)
    if not install_torch:
        link_torch(py, dest.parent / "torch-only", log)
    _run([str(py), "-m", "pip", "install", "-q", "--no-compile", "ipykernel"] + ([TORCH] if install_torch else []),
         log, env=env)  # fmt: skip
    return py


def link_torch(py: Path, folder: Path, log=print) -> None:
    """Make this interpreter's torch (and only torch) importable in the venv of ``py``: links to torch's
    top-level folders in ``folder``, named by a .pth file in the venv's site-packages."""
    import importlib.metadata as md

    dist = md.distribution("torch")
    tops = sorted({f.parts[0] for f in dist.files or [] if f.parts[0] != ".."})
    if not any(t.endswith(".dist-info") for t in tops) or "torch" not in tops:
        raise RuntimeError(f"cannot tell torch's folders from its RECORD: {tops}")
    src = Path(dist.locate_file(""))
    folder.mkdir(parents=True)
    for t in tops:
        (folder / t).symlink_to(src / t)
    site = Path(subprocess.check_output([str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                        text=True, env=_clean_env(), timeout=60).strip())  # fmt: skip
    (site / "_gip_smoke_torch.pth").write_text(f"{folder}\n")
    log(f"  torch {dist.version} linked from {src} ({', '.join(tops)})")


def make_model(dest: Path) -> Path:
    """A RANDOM-INIT UNet2DModel of google/ddpm-ema-celebahq-256's configuration + DDPMScheduler, saved."""
    import torch
    from diffusers import DDPMScheduler, UNet2DModel

    torch.manual_seed(0)
    UNet2DModel(**CELEBAHQ_256).save_pretrained(dest)
    DDPMScheduler(num_train_timesteps=1000).save_pretrained(dest)
    return dest


def _clean_env() -> dict:
    """This environment without anything that would put the project's packages on the fresh venv's path."""
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP", "JUPYTER_PATH", "IPYTHONDIR")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if not p.startswith(str(Path(sys.prefix))))  # fmt: skip
    return env


def kernel_spec(work: Path, py: Path) -> Path:
    """A kernel spec for ``py`` whose kernel imports a stand-in ``google.colab`` at start; returns JUPYTER_PATH."""
    standin = work / "colab_standin"
    (standin / "google" / "colab").mkdir(parents=True)  # google/ stays a namespace package (no __init__.py)
    (standin / "google" / "colab" / "__init__.py").write_text('"""A stand-in for Colab\'s google.colab."""\n')
    ipython = work / "ipython"
    (ipython / "profile_default" / "startup").mkdir(parents=True)
    (ipython / "profile_default" / "startup" / "00-colab.py").write_text("import google.colab  # as Colab does\n")
    jpath = work / "jupyter"
    spec = jpath / "kernels" / KERNEL
    spec.mkdir(parents=True)
    env = {"PYTHONPATH": str(standin), "IPYTHONDIR": str(ipython), "PATH": f"{py.parent}{os.pathsep}"
           + _clean_env()["PATH"], "VIRTUAL_ENV": str(py.parent.parent), "OMP_NUM_THREADS": "1",
           "HF_HUB_OFFLINE": "1", "MPLBACKEND": "Agg", "PIP_NO_COMPILE": "1"}  # fmt: skip
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(py), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "gip Colab smoke", "language": "python", "env": env}))  # fmt: skip
    return jpath


def run(work: Path, install_torch: bool | None = None, log=print) -> dict:
    """Every stage in ``work``; returns the executed notebook and each stage's seconds. Raises on failure."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    if install_torch is None:
        install_torch = os.environ.get("GIP_COLAB_SMOKE_TORCH") == "install"
    times, t0 = {}, time.monotonic()
    branch = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"].get("branch", "main")
    log("clone HEAD")
    commit = clone_head(work / "repo", branch, log)
    times["clone"] = time.monotonic() - t0
    log(f"fresh venv: pip, ipykernel, torch ({'installed' if install_torch else 'linked'})")
    t = time.monotonic()
    py = make_venv(work / "venv", install_torch, log)
    times["venv"] = time.monotonic() - t
    log("random-init 256x256 model (celebahq-256 configuration)")
    t = time.monotonic()
    model_dir = make_model(work / "ddpm-256-random-init")
    times["model"] = time.monotonic() - t

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(install_cell(work / "repo")),
                nbformat.v4.new_code_cell(f"EXPECTED_COMMIT = {commit!r}\nEXPECTED_TORCH = {_torch_version(py)!r}\n"
                                          + CHECK_INSTALL),
                nbformat.v4.new_code_cell(f"MODEL_DIR = {str(model_dir)!r}\n" + INPAINT)]  # fmt: skip
    (work / "cwd").mkdir()  # an empty folder: no gip/ next to the notebook
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = str(kernel_spec(work, py))
    log("notebook: the install cell, the install check, setup(use_hub=True) + inpaint at 256x256")
    t = time.monotonic()
    client = NotebookClient(nb, kernel_name=KERNEL, timeout=CELL_S, startup_timeout=120,
                            resources={"metadata": {"path": str(work / "cwd")}})  # fmt: skip
    try:
        client.execute()
    except CellExecutionError as e:
        pip_out = _text(nb.cells[0])
        raise RuntimeError(f"{e}\n--- the install cell printed:\n{pip_out[-4000:]}") from None
    finally:
        if old is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = old
        nbformat.write(nb, work / "colab_smoke.ipynb")
    times["notebook"] = time.monotonic() - t
    for c, name in zip(nb.cells, ("cell 1 (install)", "cell 2 (check)", "cell 3 (setup + inpaint)")):
        ex = c.metadata.get("execution", {})
        if "iopub.execute_input" in ex and "shell.execute_reply" in ex:
            times[name] = (_stamp(ex["shell.execute_reply"]) - _stamp(ex["iopub.execute_input"])).total_seconds()
    times["total"] = time.monotonic() - t0
    for i, c in enumerate(nb.cells):
        log(f"  cell {i + 1}: {_text(c).strip()[-300:] or '(no output)'}")
    return {"notebook": nb, "times": times, "commit": commit}


def _torch_version(py: Path) -> str:
    """torch's version in the venv of ``py``, before the cell runs (read from its metadata, not imported)."""
    code = "import importlib.metadata as md; print(md.version('torch'))"
    return subprocess.check_output([str(py), "-c", code], text=True, env=_clean_env(), timeout=120).strip()


def _stamp(s: str):
    from datetime import datetime

    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def _text(cell) -> str:
    out = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream":
            out.append(o.get("text", ""))
        elif o.get("output_type") == "error":
            out.append(f"{o.get('ename')}: {o.get('evalue')}")
        elif "data" in o:
            out.append(o["data"].get("text/plain", ""))
    return "".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workdir", help="keep everything here (default: a temporary folder, removed after)")
    ap.add_argument("--install-torch", action="store_true", help=f"pip install {TORCH} instead of linking torch")
    args = ap.parse_args(argv)
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="gip-colab-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        out = run(work, install_torch=args.install_torch or None)
    except Exception as e:
        print(f"colab smoke: FAILED: {e}")
        return 1
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    print("colab smoke: ok (" + ", ".join(f"{k} {v:.0f} s" for k, v in out["times"].items()) + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
