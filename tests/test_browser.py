"""The built book, checked the way a reader sees it: in headless Chromium, served from 127.0.0.1.

For every page of the built book this asserts that
- every equation was typeset by MathJax (no raw TeX left in the page),
- every image loaded (natural width > 0) and every figure has alt text,
- the console shows no errors and the page raised no exception,
- no request went to any host but 127.0.0.1 (so the book works offline: MathJax is local).
It also saves a screenshot of chapter 1 under _build/screenshots/ for people to look at.
"""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
from helpers import ROOT

HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"

pytestmark = pytest.mark.browser


def _book_is_current() -> bool:
    """True when _build/html is newer than every page source and the book's configuration
    (the test command's `book` part has just built it: building again would re-execute the
    notebooks that compute numbers for their prose)."""
    index = HTML / "index.html"
    if not index.is_file():
        return False
    sources = [ROOT / "_config.yml", ROOT / "_toc.yml"]
    sources += [ROOT / (page[:-len(".html")] + suffix) for page in _book_pages()
                for suffix in (".md", ".ipynb")]
    newest = max(p.stat().st_mtime for p in sources if p.is_file())
    return index.stat().st_mtime > newest


@pytest.fixture(scope="module")
def built_book() -> Path:
    """The built book: built now unless _build/html is already newer than every source."""
    if not _book_is_current():
        sys.path.insert(0, str(ROOT / "tools"))
        try:
            from build_book import build
        finally:
            sys.path.pop(0)
        build(ROOT)
    return HTML


@pytest.fixture(scope="module")
def server(built_book: Path):
    handler = functools.partial(_QuietHandler, directory=str(built_book))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature from the base class
        pass


@pytest.fixture(scope="module")
def browser(chromium_path: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


def _book_pages() -> list[str]:
    """Content pages of the built book (relative paths), from the table of contents."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part.get("chapters", [])]
    return [f + ".html" for f in files]


PAGES = _book_pages()


def _visit(browser, url: str, screenshot: Path | None = None) -> dict:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    console_errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console_errors.append(f"uncaught: {e}"))
    page.goto(url, wait_until="load")
    # Load every image now (some themes mark images lazy) and let MathJax finish typesetting.
    page.evaluate("document.querySelectorAll('img').forEach(i => { i.loading = 'eager'; })")
    page.wait_for_function(
        "() => Array.from(document.images).every(i => i.complete)", timeout=20_000
    )
    page.wait_for_function(
        "() => !document.querySelector('.math') || "
        "(window.MathJax && MathJax.startup && MathJax.startup.promise)",
        timeout=20_000,
    )
    page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
    info = page.evaluate(
        """() => ({
            maths: document.querySelectorAll('.math').length,
            typeset: Array.from(document.querySelectorAll('.math'))
                         .filter(m => m.querySelector('mjx-container')).length,
            rawTex: Array.from(document.querySelectorAll('.math'))
                         .filter(m => !m.querySelector('mjx-container'))
                         .map(m => m.textContent.slice(0, 80)),
            images: Array.from(document.images).map(i => ({
                src: i.currentSrc || i.src, width: i.naturalWidth, alt: i.alt,
                inOutput: !!i.closest('.cell_output, figure')})),
        })"""
    )
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=True)
    page.close()
    info["requests"] = requests
    info["console_errors"] = console_errors
    return info


@pytest.mark.parametrize("page_path", PAGES)
def test_page_renders_offline_with_math_images_and_no_errors(browser, server, page_path):
    shot = SCREENSHOTS / "ch01_digits.png" if page_path.endswith("ch01_digits.html") else None
    info = _visit(browser, f"{server}/{page_path}", screenshot=shot)

    foreign = [u for u in info["requests"]
               if urlparse(u).scheme not in ("data", "blob", "about")
               and urlparse(u).hostname != "127.0.0.1"]
    assert foreign == [], f"{page_path} requested hosts other than 127.0.0.1: {foreign[:5]}"
    assert info["console_errors"] == [], f"{page_path} console errors: {info['console_errors']}"
    assert info["rawTex"] == [], f"{page_path}: equations not typeset by MathJax: {info['rawTex']}"
    assert info["typeset"] == info["maths"]
    broken = [i["src"] for i in info["images"] if i["width"] == 0]
    assert broken == [], f"{page_path}: images that did not load: {broken}"
    no_alt = [i["src"][-60:] for i in info["images"] if i["inOutput"] and not i["alt"].strip()]
    assert no_alt == [], f"{page_path}: figures without alt text: {no_alt}"
    if page_path.startswith("chapters/"):
        # Guard against a vacuous pass: chapters are full of figures (a wrong matplotlib backend
        # in the kernel once produced none at all).
        figures = [i for i in info["images"] if i["inOutput"]]
        assert len(figures) >= 3, f"{page_path}: only {len(figures)} figures rendered"
    if shot is not None:
        assert shot.stat().st_size > 10_000


def test_pages_with_equations_exist_and_are_typeset(browser, server):
    """Guard against a vacuous pass: the notation page has equations, and MathJax typeset them."""
    info = _visit(browser, f"{server}/notation.html")
    assert info["maths"] >= 2
    assert info["typeset"] == info["maths"]


def test_mathjax_is_served_locally(built_book):
    assert (built_book / "_static" / "mathjax" / "tex-chtml.js").is_file()
    index = (built_book / "index.html").read_text(encoding="utf-8")
    assert "cdn.jsdelivr.net" not in index and "mathjax@3" not in index


def test_chapter_4_sliders_work_in_the_page_without_a_kernel(browser, server):
    """The step, the bump and the bump count have sliders in the built page (issue 22 §2):
    moving one changes its figure, and the figures ask no other host for anything."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{server}/chapters/ch04_universality.html", wait_until="load")
    for fig_id in ("web-step", "web-bump", "web-bumps"):
        assert page.locator(f"#{fig_id} input[type=range]").count() >= 1, fig_id
    curve = page.locator("#web-step .nndl-curve-0")
    title = page.locator("#web-step .nndl-title")
    before = (curve.get_attribute("points"), title.text_content())
    page.locator('#web-step input[data-slider="1"]').fill("12")  # move the step to s = 0.65
    after = (curve.get_attribute("points"), title.text_content())
    page.close()
    assert after[0] != before[0] and "s = -b/w = 0.65" in after[1]
    foreign = [u for u in requests if urlparse(u).scheme not in ("data", "blob", "about")
               and urlparse(u).hostname != "127.0.0.1"]
    assert foreign == []


def test_a_feedback_page_shows_its_maths_offline(browser, tmp_path):
    """A learner's feedback page (nndl_lib/grading/feedback_page.py) opened from its file with
    the network off: its maths is MathML that Chromium lays out itself (no script), a fraction's
    numerator above its denominator, and the page asks for nothing."""
    import nbformat

    from nndl_lib.grading.feedback_page import OfflineFeedbackExporter

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(
        r"Recap: $\sigma'(z) = \sigma(z)(1 - \sigma(z))$ and"
        "\n\n" r"$$C = \frac{1}{2n}\sum_x \|y(x) - a^L(x)\|^2$$")]
    html, _ = OfflineFeedbackExporter(template_name="classic").from_notebook_node(nb)
    (tmp_path / "feedback.html").write_text(html, encoding="utf-8")
    context = browser.new_context(offline=True)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((tmp_path / "feedback.html").as_uri(), wait_until="load")
    info = page.evaluate("""() => {
        const maths = Array.from(document.querySelectorAll('math'));
        const frac = document.querySelector('mfrac');
        const [num, den] = frac ? Array.from(frac.children).map(e => e.getBoundingClientRect())
                                : [null, null];
        return {count: maths.length, scripts: document.scripts.length,
                mathml: maths.every(m => m instanceof MathMLElement),
                sizes: maths.map(m => [m.getBoundingClientRect().width,
                                       m.getBoundingClientRect().height]),
                stacked: !!num && num.bottom <= den.top + 1};
    }""")
    context.close()
    assert info["count"] == 2 and info["mathml"] and info["scripts"] == 0, info
    assert all(w > 20 and h > 5 for w, h in info["sizes"]), info
    assert info["stacked"], info
    assert [u for u in requests if not u.startswith("file:")] == []
