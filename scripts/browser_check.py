"""Look at built HTML pages in a real browser (headless Chromium + Selenium) and list what is wrong.

    python scripts/browser_check.py _build/html [--screenshots DIR] [--online]

For every page: JavaScript/console errors (favicon 404s ignored), blank widget areas (ipywidgets views
that rendered nothing, empty or zero-height widget containers), horizontally clipped tables (wider than
their container, with no scrollable ancestor) and wide tables (they fit only by scrolling sideways;
``--scrolling-tables-ok`` drops those). The window is 1280x900; the book is served on
127.0.0.1 and, unless ``--online``, every other host is unreachable, as on an offline reader's machine.
Full-page screenshots go to ``--screenshots`` or ``$GIP_SCREENSHOTS``. Exit code 1 when any page has a
problem. Needs ``chromium`` and ``chromium-driver`` (Debian) and ``pip install selenium``.
"""
from __future__ import annotations

import argparse
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
# console messages that are not page errors: the favicon the server lacks, and pydata-sphinx-theme's
# notice on a first visit (no stored light/dark mode yet)
IGNORED = re.compile(r"favicon|Got invalid theme mode")


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
                f"--window-size={width},{height}", "--no-first-run", "--mute-audio"):
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
const out = [], wideTables = arguments[0];
const hidden = el => !el.getClientRects().length || el.closest('details:not([open])') !== null;
const short = s => (s || '').replace(/\s+/g, ' ').trim().slice(0, 60);
const where = el => {  // the section heading above an element
  const sec = el.closest('section'); const h = sec && sec.querySelector('h1, h2, h3');
  return h ? ` in section '${short(h.textContent).replace(/#$/, '')}'` : '';
};
// ipywidgets views: the embed manager (html-manager) renders each view into a div.widget-subarea it
// inserts just before the view's <script>; none there, or an empty one = blank
let state = {};
try {
  state = JSON.parse(document.querySelector('script[type="application/vnd.jupyter.widget-state+json"]').textContent).state;
} catch (e) {}
const kind = id => {
  const m = state[id]; if (!m) return 'widget';
  const kids = ((m.state || {}).children || []).map(c => (state[c.replace('IPY_MODEL_', '')] || {}).model_name);
  return m.model_name.replace(/Model$/, '') + (kids.includes('FloatProgressModel') ? ' (a progress bar)' : '');
};
document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').forEach(s => {
  const prev = s.previousElementSibling;
  const shown = prev && prev.classList.contains('widget-subarea') && prev.getBoundingClientRect().height > 0;
  if (!shown && !hidden(s.parentElement)) {
    let id = ''; try { id = JSON.parse(s.textContent).model_id; } catch (e) {}
    out.push(`blank widget: ${kind(id)} view ${id.slice(0, 8)} rendered nothing${where(s)}`);
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
  const head = short([...t.querySelectorAll('tr:first-child > *')].map(c => c.textContent).join(' | '));
  for (let a = t; a && a !== document.body; a = a.parentElement) {
    const ox = getComputedStyle(a).overflowX;
    if ((ox === 'auto' || ox === 'scroll') && a.scrollWidth > a.clientWidth) {  // the reader can scroll
      if (wideTables) out.push(`wide table #${i + 1} ('${head}'): ${need} px wide in a ${have} px column, ` +
                               `scrolls sideways (the right-hand columns are cut off until scrolled)${where(t)}`);
      return;
    }
  }
  out.push(`clipped table #${i + 1} ('${head}'): ${need} px wide in a ${have} px container ` +
           `(overflow-x: ${getComputedStyle(t.parentElement).overflowX}), not scrollable${where(t)}`);
});
return out;
"""

_SETTLED_JS = r"""
return document.readyState === 'complete' &&
  [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')]
    .every(s => s.previousElementSibling && s.previousElementSibling.classList.contains('widget-subarea'));
"""


def console_errors(driver) -> list[str]:
    """SEVERE browser-console entries since the last call (except :data:`IGNORED`: favicon 404s, theme notice)."""
    try:
        entries = driver.get_log("browser")
    except Exception as e:  # a driver without the legacy log endpoint
        return [f"cannot read the browser console: {e}"]
    return [f"console error: {e['message'][:300]}" for e in entries
            if e.get("level") == "SEVERE" and not IGNORED.search(e.get("message", ""))]  # fmt: skip


def screenshot(driver, path: Path, max_height: int = 16000) -> None:
    """A full-page PNG (up to ``max_height`` px): the window is made as tall as the page, then restored."""
    size = driver.get_window_size()
    chrome_h = size["height"] - int(driver.execute_script("return window.innerHeight"))  # toolbars, if any
    h = min(max_height, int(driver.execute_script("return document.documentElement.scrollHeight")))
    try:
        driver.set_window_size(size["width"], max(size["height"], h + chrome_h))
        driver.save_screenshot(str(path))
    finally:
        driver.set_window_size(size["width"], size["height"])


def check_page(driver, url: str, screenshots: str | os.PathLike | None = None, wide_tables: bool = True) -> list[str]:
    """Load ``url`` (file:// or http://127.0.0.1 only) and return its problems; [] when it looks right.

    Problems: console errors, blank widgets, clipped tables (wider than their container, nothing scrolls)
    and, with ``wide_tables``, tables that only fit by scrolling sideways (columns hidden at first sight).

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
    problems += console_errors(driver) + driver.execute_script(_LAYOUT_JS, wide_tables)
    folder = screenshots if screenshots is not None else os.environ.get("GIP_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        path = urllib.parse.urlparse(url).path  # http: the page's path in the site; file: its file name
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(path).name if url.startswith("file:") else path.strip("/"))
        screenshot(driver, Path(folder) / (re.sub(r"\.html?$", "", name or "index") + ".png"))
    return problems


def pages(html_dir: str | os.PathLike) -> list[Path]:
    """Every HTML page of a build (not the theme's files under _static/_sources/_images, nor redirects)."""
    root = Path(html_dir)
    found = [p for p in root.rglob("*.html") if not SKIP_DIRS & set(p.relative_to(root).parts[:-1])]
    return sorted(p for p in found if 'http-equiv="Refresh"' not in p.read_text(errors="replace")[:500])


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
    ap.add_argument("--scrolling-tables-ok", action="store_true", help="do not report tables that scroll sideways")
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
                problems = check_page(driver, base + rel, args.screenshots, wide_tables=not args.scrolling_tables_ok)
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
