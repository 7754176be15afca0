"""Real-browser checks (headless Chromium + Selenium): the static explorer works with no kernel, and the
pages of a built book have no JavaScript errors, blank widget areas or clipped tables.

Skipped when selenium, chromium or chromedriver is missing (Debian: apt-get install chromium chromium-driver).
The book check uses ``$GIP_BOOK_HTML``, else ``_build/html`` or ``_build/ci/_build/html``; skipped when none
exists. Set ``GIP_SCREENSHOTS=DIR`` to keep a full-page screenshot of every page checked.
"""

import itertools
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import make_browser

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import browser_check  # noqa: E402

from gip.static_explorer import StaticExplorer  # noqa: E402

CONTROLS = {"p": [0.25, 0.5, 0.75, 1.0], "heat": [False, True], "buffer": [0, 2]}


def _book_dir() -> Path | None:
    cands = [os.environ.get("GIP_BOOK_HTML"), ROOT / "_build/html", ROOT / "_build/ci/_build/html"]
    return next((Path(c) for c in cands if c and (Path(c) / "index.html").exists()), None)


BOOK = _book_dir()
BOOK_PAGES = browser_check.pages(BOOK) if BOOK else []


@pytest.fixture(scope="module")
def driver():
    d = make_browser()
    yield d
    d.quit()


def _explorer() -> StaticExplorer:
    runs = {}
    for k, combo in enumerate(itertools.product(*CONTROLS.values())):
        img = np.zeros((32, 32, 3), np.uint8)
        img[k, :] = (255, 128, 0)  # a different row per run
        runs[combo] = {"images": img, "metrics": {"psnr": 20 + k, "seam": k / 10}}
    ref = np.full((32, 32, 3), 200, np.uint8)
    return StaticExplorer(runs, CONTROLS, references={"scene": ref}, title="test explorer")


def _state(driver, root_id: str) -> list:
    return driver.execute_script(
        "const r = document.getElementById(arguments[0]);"
        "return [r.querySelector('img[id$=\"-img0\"]').src, [...r.querySelectorAll('td')].map(td => td.textContent)];",
        root_id)  # fmt: skip


def test_static_explorer_in_the_browser(driver, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    ex = _explorer()
    page = tmp_path / "explorer.html"
    # two explorers on one page: each must drive its own panel
    page.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
                    + ex._repr_html_() + _explorer()._repr_html_() + "</body></html>")  # fmt: skip
    assert browser_check.check_page(driver, page.as_uri()) == []  # no console errors, nothing clipped
    roots = [e.get_attribute("id") for e in driver.find_elements(By.CSS_SELECTOR, ".gip-explorer")]
    assert len(roots) == 2 and roots[0] != roots[1]
    src0, cells0 = _state(driver, roots[0])
    assert cells0 == ["20", "0"] and src0.startswith("data:image/png;base64,")
    img = driver.find_element(By.ID, roots[0] + "-img0")
    assert img.size["width"] >= 128 and img.value_of_css_property("image-rendering") == "pixelated"

    # a range slider moved by script (value + input event), as a reader's drag does
    driver.execute_script("const c = arguments[0]; c.value = 2; c.dispatchEvent(new Event('input', {bubbles: true}));",
                          driver.find_element(By.ID, roots[0] + "-c0"))  # fmt: skip
    src1, cells1 = _state(driver, roots[0])
    k = list(itertools.product(*CONTROLS.values())).index((0.75, False, 0))
    assert src1 != src0 and cells1 == [str(20 + k), f"{k / 10:.4g}"]
    assert driver.find_element(By.ID, roots[0] + "-v0").text == "0.75"
    assert _state(driver, roots[1]) == [src0, cells0]  # the other explorer did not move

    # the keyboard on a slider, and a <select>
    driver.find_element(By.ID, roots[0] + "-c2").send_keys(Keys.ARROW_RIGHT)
    Select(driver.find_element(By.ID, roots[0] + "-c1")).select_by_visible_text("True")
    src2, cells2 = _state(driver, roots[0])
    k = list(itertools.product(*CONTROLS.values())).index((0.75, True, 2))
    assert src2 not in (src0, src1) and cells2 == [str(20 + k), f"{k / 10:.4g}"]
    assert driver.find_element(By.ID, roots[0] + "-v2").text == "2"
    assert browser_check.console_errors(driver) == []


def test_explorer_inserted_like_a_notebook_front_end(driver, tmp_path):
    """JupyterLab sets innerHTML on an output node and re-creates the <script> tags; they run when attached."""
    from selenium.webdriver.common.by import By

    page = tmp_path / "blank.html"
    page.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body></body></html>")
    driver.get(page.as_uri())
    browser_check.console_errors(driver)
    driver.execute_script("""
        const host = document.createElement('div');
        host.innerHTML = arguments[0];
        host.querySelectorAll('script').forEach(old => {
            const s = document.createElement('script');
            if (old.type) s.type = old.type;
            s.id = old.id; s.textContent = old.textContent; old.replaceWith(s);
        });
        document.body.appendChild(host);""", _explorer()._repr_html_())
    root = driver.find_element(By.CSS_SELECTOR, ".gip-explorer").get_attribute("id")
    src0, _ = _state(driver, root)
    driver.execute_script("const c = arguments[0]; c.value = 3; c.dispatchEvent(new Event('input'));",
                          driver.find_element(By.ID, root + "-c0"))  # fmt: skip
    assert _state(driver, root)[0] != src0 and driver.find_element(By.ID, root + "-v0").text == "1.0"
    assert browser_check.console_errors(driver) == []


def test_saved_explorer_page_loads_clean(driver, tmp_path):
    path = _explorer().save(tmp_path / "saved.html")
    assert browser_check.check_page(driver, path.as_uri(), screenshots=tmp_path / "shots") == []
    assert (tmp_path / "shots" / "saved.png").stat().st_size > 1000


def test_check_page_finds_each_kind_of_problem(driver, tmp_path):
    wide = "<table><tr>" + "".join(f"<th>column_{i}</th>" for i in range(40)) + "</tr></table>"
    bad = tmp_path / "bad.html"
    bad.write_text(f"""<!DOCTYPE html><html><body>
        <div style="width: 400px; overflow-x: hidden">{wide}</div>
        <div style="width: 400px; overflow-x: auto">{wide}</div>
        <div class="output"><p>fallback text</p><script type="application/vnd.jupyter.widget-view+json">
            {{"version_major": 2, "version_minor": 0, "model_id": "abcdef0123456789"}}</script></div>
        <div class="jupyter-widgets widget-box"></div>
        <div class="output"><div class="widget-subarea"><div class="jupyter-widgets widget-box">a rendered view</div>
            </div><script type="application/vnd.jupyter.widget-view+json">{{"model_id": "1234"}}</script></div>
        <script>undefined_function_in_page();</script></body></html>""")
    problems = browser_check.check_page(driver, bad.as_uri())
    kinds = sorted(p.split(" (")[0].split(":")[0] for p in problems)
    assert kinds == ["blank widget", "blank widget area", "clipped table #1", "console error", "wide table #2"], problems
    assert "in a 400 px container (overflow-x: hidden), not scrollable" in " ".join(problems)
    assert not any(p.startswith("wide") for p in browser_check.check_page(driver, bad.as_uri(), wide_tables=False))
    assert "undefined_function_in_page" in next(p for p in problems if p.startswith("console error"))
    with pytest.raises(ValueError, match="only opens file:// or 127.0.0.1"):
        browser_check.check_page(driver, "https://example.com/")


@pytest.mark.skipif(BOOK is None, reason="no built book (_build/html, _build/ci/_build/html or $GIP_BOOK_HTML)")
@pytest.mark.parametrize("page", [p.relative_to(BOOK).as_posix() for p in BOOK_PAGES] or ["-"])
def test_book_page(driver, page):
    with browser_check.serve(BOOK) as base:
        problems = browser_check.check_page(driver, base + page)
    assert not problems, f"{page}:\n  " + "\n  ".join(problems)
