"""Look at built HTML pages in a real browser (headless Chromium + Selenium) and list what is wrong.

    python scripts/browser_check.py _build/html [--screenshots DIR] [--online]

For every page: JavaScript/console errors (favicon 404s ignored), blank widget areas (ipywidgets views
that rendered nothing, empty or zero-height widget containers) and horizontally clipped tables (wider
than their container, with no scrollable ancestor). The window is 1280x900; the book is served on
127.0.0.1 and, unless ``--online``, every other host is unreachable, as on an offline reader's machine.
Full-page screenshots go to ``--screenshots`` or ``$GIP_SCREENSHOTS``. Exit code 1 when any page has a
problem. Needs ``chromium`` and ``chromium-driver`` (Debian) and ``pip install selenium``.
"""
from __future__ import annotations

import argparse
import base64
import contextlib
import functools
import http.server
import os
import re
import shutil
import sys
import threading
import urllib.parse
from pathlib import Path

WAIT_S = 20  # page loads and scripts are bounded by this
SETTLE_S = 5  # after the load, widget views get this long to render
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "/usr/bin/chromium", "/usr/lib/chromium/chromium")
DRIVERS = ("chromedriver", "/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")
SKIP_DIRS = {"_static", "_sources", "_images", "_downloads"}


def find_chromium() -> tuple[str, str] | None:
    """``(browser, chromedriver)`` paths from PATH or Debian's locations, or None when either is missing."""
    def first(names):
        for n in names:
            p = shutil.which(n) if "/" not in n else (n if os.access(n, os.X_OK) else None)
            if p:
                return p
        return None

    browser, driver = first(BROWSERS), first(DRIVERS)
    return (browser, driver) if browser and driver else None


def make_driver(width: int = 1280, height: int = 900, online: bool = False):
    """A headless Chromium WebDriver with the console log enabled; offline (only 127.0.0.1) unless ``online``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    found = find_chromium()
    if found is None:
        raise RuntimeError("no chromium/chromedriver found: apt-get install chromium chromium-driver")
    opts = webdriver.ChromeOptions()
    opts.binary_location = found[0]
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={width},{height}", "--hide-scrollbars", "--no-first-run", "--mute-audio"):
        opts.add_argument(arg)
    if not online:
        opts.add_argument("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=found[1]), options=opts)  # no Selenium Manager
    driver.set_page_load_timeout(WAIT_S)
    driver.set_script_timeout(WAIT_S)
    driver.set_window_size(width, height)
    return driver


# Runs in the page; returns a list of problem strings (blank widgets and clipped tables).
_LAYOUT_JS = r"""
const out = [];
const hidden = el => !el.getClientRects().length || el.closest('details:not([open])') !== null;
const short = s => (s || '').replace(/\s+/g, ' ').trim().slice(0, 60);
const where = el => {  // the section heading above an element
  const sec = el.closest('section'); const h = sec && sec.querySelector('h1, h2, h3');
  return h ? ` in section '${short(h.textContent).replace(/#$/, '')}'` : '';
};
// ipywidgets views: the embed manager renders each view next to its <script>; nothing there = blank
document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').forEach(s => {
  const box = s.parentElement;
  const shown = [...box.children].some(c => c.tagName !== 'SCRIPT' && c.getBoundingClientRect().height > 0);
  if (!shown && !hidden(box)) {
    let id = ''; try { id = JSON.parse(s.textContent).model_id.slice(0, 8); } catch (e) {}
    out.push(`blank widget: view ${id} rendered nothing${where(box)}`);
  }
});
// rendered widget containers (outermost only): zero height or no children
document.querySelectorAll('.jupyter-widgets, .widget-subarea, .widget-area, .widget-output').forEach(el => {
  if (el.parentElement && el.parentElement.closest('.jupyter-widgets, .widget-subarea, .widget-area')) return;
  if (el.closest('details:not([open])')) return;
  const h = el.getBoundingClientRect().height;
  if (h === 0 || el.childElementCount === 0)
    out.push(`blank widget area: <${el.tagName.toLowerCase()} class="${short(el.className)}"> ` +
             `${h === 0 ? 'has zero height' : 'has no rendered children'}${where(el)}`);
});
// tables wider than their container, where no ancestor (or the table itself) scrolls horizontally
document.querySelectorAll('table').forEach((t, i) => {
  if (hidden(t) || !t.parentElement) return;
  const need = t.scrollWidth, have = t.parentElement.clientWidth;
  if (need <= have + 1) return;
  for (let a = t; a && a !== document.body; a = a.parentElement) {
    const ox = getComputedStyle(a).overflowX;
    if ((ox === 'auto' || ox === 'scroll') && a.scrollWidth > a.clientWidth) return;  // the reader can scroll
  }
  const head = short(t.querySelector('th, td') ? [...t.querySelectorAll('tr:first-child > *')].map(c => c.textContent).join(' | ') : '');
  out.push(`clipped table #${i + 1} ('${head}'): ${need} px wide in a ${have} px container ` +
           `(overflow-x: ${getComputedStyle(t.parentElement).overflowX}), not scrollable${where(t)}`);
});
return out;
"""

_SETTLED_JS = r"""
return document.readyState === 'complete' &&
  [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')]
    .every(s => [...s.parentElement.children].some(c => c.tagName !== 'SCRIPT'));
"""


def console_errors(driver) -> list[str]:
    """SEVERE browser-console entries since the last call (favicon 404s ignored)."""
    try:
        entries = driver.get_log("browser")
    except Exception as e:  # a driver without the legacy log endpoint
        return [f"cannot read the browser console: {e}"]
    return [f"console error: {e['message'][:300]}" for e in entries
            if e.get("level") == "SEVERE" and "favicon" not in e.get("message", "")]  # fmt: skip


def screenshot(driver, path: Path, max_height: int = 16000) -> None:
    """A full-page PNG (up to ``max_height`` px) through the DevTools protocol; the viewport if that fails."""
    try:
        h = min(max_height, int(driver.execute_script("return document.documentElement.scrollHeight")))
        w = int(driver.execute_script("return document.documentElement.clientWidth"))
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True, "clip": {"x": 0, "y": 0, "width": w, "height": h, "scale": 1}})
        path.write_bytes(base64.b64decode(shot["data"]))
    except Exception:
        driver.save_screenshot(str(path))


def check_page(driver, url: str, screenshots: str | os.PathLike | None = None) -> list[str]:
    """Load ``url`` (file:// or http://127.0.0.1 only) and return its problems; [] when it looks right.

    Waits at most ``WAIT_S`` s for the load, then ``SETTLE_S`` s for widget views to render. Saves a full-page
    screenshot to ``screenshots`` (default ``$GIP_SCREENSHOTS``) when set.
    """
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    if not re.match(r"(file://|https?://127\.0\.0\.1[:/])", url):
        raise ValueError(f"check_page only opens file:// or 127.0.0.1 URLs, got {url}")
    console_errors(driver)  # drop what earlier pages logged
    problems = []
    try:
        driver.get(url)
    except TimeoutException:
        problems.append(f"page did not finish loading within {WAIT_S} s")
    try:
        WebDriverWait(driver, SETTLE_S).until(lambda d: d.execute_script(_SETTLED_JS))
    except TimeoutException:
        pass  # reported below as blank widgets
    problems += console_errors(driver) + driver.execute_script(_LAYOUT_JS)
    folder = screenshots if screenshots is not None else os.environ.get("GIP_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        path = urllib.parse.urlparse(url).path  # http: the page's path in the site; file: its file name
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(path).name if url.startswith("file:") else path.strip("/"))
        screenshot(driver, Path(folder) / (re.sub(r"\.html?$", "", name or "index") + ".png"))
    return problems


def pages(html_dir: str | os.PathLike) -> list[Path]:
    """Every HTML page of a build (not the theme's files under _static/_sources/_images)."""
    root = Path(html_dir)
    return sorted(p for p in root.rglob("*.html") if not SKIP_DIRS & set(p.relative_to(root).parts[:-1]))


@contextlib.contextmanager
def serve(html_dir: str | os.PathLike):
    """Serve a folder on http://127.0.0.1:<free port>/ in a thread; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("html_dir", nargs="?", default="_build/html")
    ap.add_argument("--screenshots", default=os.environ.get("GIP_SCREENSHOTS"), help="folder for full-page PNGs")
    ap.add_argument("--online", action="store_true", help="let the browser reach other hosts (CDNs)")
    args = ap.parse_args(argv)
    root = Path(args.html_dir)
    found = pages(root)
    if not found:
        print(f"browser_check: no HTML pages under {root}: build the book first")
        return 2
    driver = make_driver(online=args.online)
    total = 0
    try:
        with serve(root) as base:
            for page in found:
                rel = page.relative_to(root).as_posix()
                problems = check_page(driver, base + rel, args.screenshots)
                total += len(problems)
                print(f"{rel}: {'ok' if not problems else f'{len(problems)} problem(s)'}")
                for p in problems:
                    print(f"  - {p}")
    finally:
        driver.quit()
    print(f"browser_check: {len(found)} pages, {total} problem(s)")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
