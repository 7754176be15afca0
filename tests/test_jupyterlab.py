"""A real JupyterLab, clicked by a real browser: the live explorer (:func:`gip.widgets.explorer`) renders in a
notebook, its Run button runs the sampler in the kernel, and the result image and status come back.

A JupyterLab server is started on 127.0.0.1 (a free port, a random token, no browser) in a temporary root
folder with a one-cell notebook; headless Chromium (Selenium) opens the notebook, runs the cell with
Shift+Enter, waits for the widget, clicks "Run" and waits for the result. Every wait is bounded; the browser
cannot reach any host but 127.0.0.1; the server and its kernels are always stopped (REST shutdown, then
the process groups are killed). A screenshot is saved under the test's tmp folder and, when set, to
``$GIP_SCREENSHOTS/jupyterlab_explorer.png``.

Skipped (with the reason) when selenium, jupyterlab, chromium or chromedriver is missing
(Debian: apt-get install chromium chromium-driver; pip install -e ".[test]").
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import make_browser

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import browser_check  # noqa: E402

SERVER_START_S = 90  # JupyterLab's first start on a busy 2-core machine
NOTEBOOK_OPEN_S = 90  # the page, the notebook panel and an idle kernel
WIDGET_S = 90  # the cell's output: import gip + the explorer's first draw
RUN_S = 90  # the explorer's Run: 10 model calls at 32x32, the metrics and the figures
WIDTH, HEIGHT = 1280, 1500

CELL = """\
import gip
from gip import widgets

scene, target = gip.assets.load("grinning"), gip.assets.load("sunglasses")
mask = gip.masks.box(32, 4, 8, 24, 9)
ex = widgets.explorer(scene, target, mask, gip.Settings(steps=10, jump_length=2, jump_n_sample=1))
ex"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _descendants(pid: int) -> list:
    try:
        import psutil

        return psutil.Process(pid).children(recursive=True)
    except Exception:  # no psutil, or the process is gone
        return []


def _kill(proc: subprocess.Popen, children: list) -> None:
    """SIGTERM then SIGKILL the server's process group and each kernel's (kernels start their own session)."""
    groups = {proc.pid}
    for c in children:
        try:
            groups.add(os.getpgid(c.pid))
        except (ProcessLookupError, PermissionError):
            pass
    groups.discard(os.getpgid(0))  # never our own group
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        for g in groups:
            try:
                os.killpg(g, sig)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        if all(not c.is_running() for c in children):
            break


class Lab:
    def __init__(self, url: str, token: str, root: Path, log: Path):
        self.url, self.token, self.root, self.log = url, token, root, log

    def api(self, path: str, method: str = "GET", timeout: float = 5):
        req = urllib.request.Request(f"{self.url}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})  # fmt: skip
        with urllib.request.urlopen(req, timeout=timeout) as r:
            body = r.read()
        return json.loads(body) if body else None


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    pytest.importorskip("jupyterlab", reason="jupyterlab is not installed: pip install -e '.[test]'")
    pytest.importorskip("ipywidgets", reason="ipywidgets is not installed: pip install -e '.[book]'")
    pytest.importorskip("ipykernel", reason="ipykernel is not installed: pip install -e '.[book]'")
    nbformat = pytest.importorskip("nbformat")
    root = tmp_path_factory.mktemp("lab")
    nb_dir, home = root / "notebooks", root / "home"
    nb_dir.mkdir()
    home.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(CELL))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(nb, nb_dir / "explorer.ipynb")

    port, token = _free_port(), secrets.token_hex(16)
    # the user's Jupyter/IPython folders are replaced by empty ones (no user settings, workspaces, kernels or
    # extensions); the venv's share/jupyter still gives the widget extension and the python3 kernel spec
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONUNBUFFERED="1",
               JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), IPYTHONDIR=str(home / "ipython"))  # fmt: skip
    for k in ("JUPYTER_PATH", "MPLBACKEND"):  # the kernel picks its own (inline) plotting backend
        env.pop(k, None)
    # no "would you like news?" toast over the notebook, no update check (both would go online)
    (home / "settings" / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (home / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True}))
    log = root / "server.log"
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={nb_dir}", "--ServerApp.open_browser=False",
           "--ServerApp.terminals_enabled=False", "--LabApp.news_url=", "--LabApp.extension_manager=readonly",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI and the project machines run as root
        cmd.append("--allow-root")
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=nb_dir, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    server = Lab(f"http://127.0.0.1:{port}", token, nb_dir, log)
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                server.api("/api/status", timeout=2)
                break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not answer within {SERVER_START_S} s:\n{log.read_text()[-3000:]}")
                time.sleep(0.5)
        yield server
    finally:
        children = _descendants(proc.pid)  # the kernels, before the server forgets them
        try:
            server.api("/api/shutdown", method="POST", timeout=10)  # shuts the kernels down too
            proc.wait(timeout=15)
        except Exception:
            pass
        _kill(proc, children)


@pytest.fixture(scope="module")
def driver():
    d = make_browser(WIDTH, HEIGHT)  # only 127.0.0.1 is reachable
    yield d
    d.quit()


# The explorer's output area: its Run button, status label (the label right after the progress bar) and the
# sources of the <img> elements in its output (the result figure and, after a run, the scrubber's frame).
_EXPLORER_JS = r"""
const out = [...document.querySelectorAll('.jp-OutputArea-output')].find(o => o.querySelector('.widget-button'));
if (!out) return null;
const run = [...out.querySelectorAll('button.widget-button')].find(b => b.textContent.trim() === 'Run');
if (!run) return null;
const labels = [...run.closest('.widget-hbox').querySelectorAll('.widget-label')];
const imgs = [...out.querySelectorAll('img')].filter(i => i.src && i.complete && i.naturalWidth > 0);
return {found: true, disabled: run.disabled, status: labels.length ? labels[labels.length - 1].textContent.trim() : '',
        imgs: imgs.map(i => i.src), widths: imgs.map(i => i.naturalWidth)};
"""


_IDLE_JS = r"""
return !!document.querySelector('.jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status="idle"]') ||
  [...document.querySelectorAll('.jp-StatusBar-Widget')].some(w => /\| Idle\b/.test(w.textContent));
"""
RUN_ALL = "//li[contains(@class,'lm-Menu-item')][.//div[normalize-space()='Run All Cells']]"
_PROMPT_JS = ("const p = document.querySelector('.jp-NotebookPanel .jp-InputPrompt');"
              "return p ? p.textContent.trim() : ''")


def _wait(driver, what: str, timeout: float, fn, poll: float = 0.5):
    """Poll ``fn(driver)`` until it returns something truthy; fail with ``what`` after ``timeout`` s."""
    from selenium.common.exceptions import WebDriverException

    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            got = fn(driver)
            if got:
                return got
            last = got
        except WebDriverException as e:  # the page is still being built
            last = e
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last: {str(last)[:500]})")


def _shot(driver, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    driver.save_screenshot(str(path))
    folder = os.environ.get("GIP_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(folder) / name)
    return path


def test_explorer_runs_in_jupyterlab(driver, lab, tmp_path):  # driver first: its skip starts no server
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    try:
        driver.get(f"{lab.url}/lab/tree/explorer.ipynb?reset&token={lab.token}")
        # the notebook panel with its cell, and its kernel started and idle (the server's and the page's view)
        _wait(driver, "the notebook's cell editor", NOTEBOOK_OPEN_S,
              lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-NotebookPanel .jp-Cell .cm-content"))  # fmt: skip
        _wait(driver, "an idle kernel", NOTEBOOK_OPEN_S, lambda d: d.execute_script(_IDLE_JS) and any(
            k["execution_state"] == "idle" for k in lab.api("/api/kernels")))  # fmt: skip
        # a reader's click in the cell and Shift+Enter; the Run menu if the keys did not start it
        _wait(driver, "a click in the cell editor", 20, lambda d: d.find_element(
            By.CSS_SELECTOR, ".jp-NotebookPanel .jp-Cell .cm-content").click() or True)  # fmt: skip
        ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT).perform()
        try:
            _wait(driver, "the cell to start", 20, lambda d: d.execute_script(_PROMPT_JS) != "[ ]:")
            print("cell run with Shift+Enter")
        except AssertionError:
            print("Shift+Enter did not start the cell: Run > Run All Cells")
            driver.find_element(By.XPATH, "//li[contains(@class,'lm-MenuBar-item')][normalize-space()='Run']").click()
            _wait(driver, "Run > Run All Cells", 10, lambda d: d.find_element(By.XPATH, RUN_ALL)).click()
            _wait(driver, "the cell to start", 20, lambda d: d.execute_script(_PROMPT_JS) != "[ ]:")

        def rendered(d):
            for out in d.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output[data-mime-type*='stderr']"):
                if "Traceback (most recent call last)" in out.text:  # an exception (warnings are stderr too)
                    raise AssertionError(f"the cell raised:\n{out.text[-2000:]}")
            st = d.execute_script(_EXPLORER_JS)
            return st if st and st["found"] and "model calls per run" in st["status"] else None

        before = _wait(driver, "the explorer widget to render", WIDGET_S, rendered)
        assert "10 model calls per run" in before["status"], before
        driver.find_element(By.XPATH, "//div[contains(@class,'jp-OutputArea-output')]"
                                      "//button[contains(@class,'widget-button')][normalize-space()='Run']").click()

        def finished(d):
            st = d.execute_script(_EXPLORER_JS)
            done = st and re.search(r"\b\d+ model calls, [\d.]+ s\b", st["status"]) and not st["disabled"]
            # the result figure is new, and the trajectory scrubber (drawn after the status) shows its frame
            return st if done and len(st["imgs"]) >= 2 and st["imgs"][0] not in before["imgs"] else None

        after = _wait(driver, "the explorer's result (status 'N model calls, S s', the result figure and the "
                              "trajectory scrubber)", RUN_S, finished)  # fmt: skip
        # scroll the explorer into view: the controls, the status row and the result figure
        driver.execute_script("document.querySelector('.jp-OutputArea-output .widget-button')"
                              ".scrollIntoView({block: 'center'})")  # fmt: skip
        time.sleep(0.5)
    finally:
        try:  # what the page showed, passed or failed
            shot = _shot(driver, tmp_path, "jupyterlab_explorer.png")
            print(f"screenshot: {shot}")
        except Exception as e:  # keep the test's own error
            print(f"no screenshot: {e}")
    m = re.search(r"(\d+) model calls, ([\d.]+) s", after["status"])
    assert int(m.group(1)) == 10, after["status"]
    assert "seam" in after["status"], after["status"]  # the metrics came back too (object_error needs a silhouette)
    assert after["widths"][0] > 200, after  # the result figure (scene, fill mask, target, result)
    assert shot.stat().st_size > 20_000
