"""The learner's path: every chapter (and every released exercise) run in JupyterLab, in Chromium.

JupyterLab is started the way the README tells a learner to start it (from the repository root,
with the learner install: jupyterlab-myst and nbgrader's extensions), on 127.0.0.1 with a free port
and no token. For each notebook a headless Chromium page opens a temporary copy (under
_build/lab/; the committed notebooks stay output-free), runs Run All Cells, waits until the kernel
is idle and every {eval} role has been evaluated, and then checks what the learner sees:

- no code cell produced an error (released exercises: only NotImplementedError, by design) and,
  in chapters, every code cell ran;
- every figure rendered (each image output is an <img> that loaded; interactive widgets are
  drawn and their figures load);
- every {eval} role was evaluated without error, and no raw MyST (``{glue``, ``{eval}``, a role
  in backticks, a ```{ or :::{ directive fence) or raw TeX is visible in the rendered markdown;
- no maths rendering error, no uncaught error in the page, no request to any host but 127.0.0.1.

It also checks that nbgrader needs no setup (no "No nbgrader_config.py file found" warning, the
Assignment List's exchange exists) and saves a screenshot per notebook in _build/screenshots/lab/.
Notebooks run two at a time (NNDL_LAB_JOBS), each kernel with one BLAS thread.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
from helpers import ROOT
from lab_server import running_lab

WORK = ROOT / "_build" / "lab"  # temporary copies of the notebooks (git-ignored)
SHOTS = ROOT / "_build" / "screenshots" / "lab"
RELEASE = ROOT / "exercises" / "release"
JOBS = max(1, int(os.environ.get("NNDL_LAB_JOBS", "2")))
NOTEBOOK_TIMEOUT_S = 600
RENDER_SETTLE_S = 60  # the longest wait, after Run All, for the markdown to be rendered
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [pytest.mark.browser, pytest.mark.lab]


def _notebooks() -> list[tuple[str, Path]]:
    """(kind, path) of every chapter and every released exercise notebook, found at collection."""
    found = [("chapter", p) for p in sorted((ROOT / "chapters").glob("*.ipynb"))]
    if RELEASE.is_dir():
        found += [("exercise", p) for p in sorted(RELEASE.rglob("*.ipynb"))
                  if ".ipynb_checkpoints" not in p.parts]
    return found


NOTEBOOKS = _notebooks()


def _label(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# ------------------------------------------------------------------------------------------------
# JupyterLab, started as the README says
# ------------------------------------------------------------------------------------------------

# User settings of the test's own (isolated) JupyterLab: render every cell (no virtual scrolling,
# so that the whole notebook is in the page), never autosave the copies, no news pop-up.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False},
}


@dataclass
class Lab:
    url: str
    log: Path
    data_dir: Path


def _copy_notebooks() -> dict[Path, Path]:
    """Copy chapters/ and each released assignment's folder under WORK, keeping relative paths.

    The other top-level folders of assets (images/, ...) are linked in, so relative links from a
    notebook (``../images/x.png``) resolve as they do in the repository.
    """
    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    code = {"chapters", "exercises", "_build", "nndl_lib", "tests", "tools", "benchmarks"}
    for item in ROOT.iterdir():
        if item.is_dir() and item.name not in code and not item.name.startswith("."):
            (WORK / item.name).symlink_to(item, target_is_directory=True)
    ignore = shutil.ignore_patterns(".ipynb_checkpoints")
    shutil.copytree(ROOT / "chapters", WORK / "chapters", ignore=ignore)
    copies = {}
    for _, path in NOTEBOOKS:
        rel = path.relative_to(ROOT)
        if rel.parts[:2] == ("exercises", "release") and not (WORK / rel).exists():
            if len(rel.parts) > 3:
                # an assignment may come with files beside it (data, helpers): copy its folder
                folder = Path(*rel.parts[:3])
                shutil.copytree(ROOT / folder, WORK / folder, ignore=ignore)
            else:
                (WORK / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, WORK / rel)
        copies[path] = WORK / rel
    return copies


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Lab:
    # NNDL_JUPYTER_LAB: run another install's JupyterLab (e.g. a fresh learner virtual environment)
    lab_exe = os.environ.get("NNDL_JUPYTER_LAB") or str(
        Path(sys.executable).with_name("jupyter-lab"))
    home = tmp_path_factory.mktemp("jupyter")
    settings = home / "settings"
    for name, value in LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(value))
    with running_lab(ROOT, home, exe=lab_exe,
                     args=[f"--LabApp.user_settings_dir={settings}"]) as (url, log):
        with urllib.request.urlopen(f"{url}/lab", timeout=30) as r:
            page = r.read().decode(errors="replace")
        if "jupyterlab-myst" not in page:  # the page config lists the enabled lab extensions
            pytest.fail('JupyterLab runs without jupyterlab-myst: install the learner extra, '
                        'pip install -e ".[learner]"')
        # nbgrader's exchange goes to the data folder (nbgrader_config.py)
        yield Lab(url=url, log=log, data_dir=home / "data")


# ------------------------------------------------------------------------------------------------
# Running a notebook like a learner: open it, Run All, wait until everything is done
# ------------------------------------------------------------------------------------------------

_APP_READY = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!(k && k.status === 'idle' && w.content && w.content.model);
}"""

_START_RUN_ALL = """() => {
  window.__nndlRun = {done: false};
  window.jupyterapp.commands.execute('notebook:run-all-cells').then(
    ok => { window.__nndlRun = {done: true, ok: ok}; },
    err => { window.__nndlRun = {done: true, ok: false, error: String(err)}; });
}"""

# The notebook's state as the model holds it: execution counts, outputs, evaluated {eval} roles.
_STATE = r"""() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const model = panel.content.model;
  const cells = [];
  for (let i = 0; i < model.cells.length; i++) {
    const j = model.cells.get(i).toJSON();
    const source = Array.isArray(j.source) ? j.source.join('') : j.source;
    if (j.cell_type === 'code') {
      cells.push({index: i, type: 'code', count: j.execution_count,
                  tags: (j.metadata && j.metadata.tags) || [],
                  errors: (j.outputs || []).filter(o => o.output_type === 'error').map(
                    o => ({ename: o.ename, evalue: String(o.evalue).slice(0, 300)})),
                  images: (j.outputs || []).filter(o => o.data && o.data['image/png']).length,
                  widgets: (j.outputs || []).filter(
                    o => o.data && o.data['application/vnd.jupyter.widget-view+json']).length});
    } else if (j.cell_type === 'markdown') {
      const roles = (source.match(/\{eval\}`/g) || []).length;
      const ue = (j.metadata && j.metadata.user_expressions) || null;
      cells.push({index: i, type: 'markdown', roles: roles, glue: source.includes('{glue'),
                  evaluated: ue ? ue.length : 0,
                  failed: ue ? ue.filter(u => !u.result || u.result.status !== 'ok').map(
                    u => u.expression + ': ' + JSON.stringify(u.result).slice(0, 200)) : []});
    }
  }
  const kernel = panel.sessionContext.session.kernel;
  return {kernel: kernel ? kernel.status : 'dead', run: window.__nndlRun, cells: cells};
}"""

# What the learner sees: rendered markdown text, images, maths errors.
_VIEW = r"""() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = Array.from(panel.content.node.querySelectorAll('.jp-Cell'));
  const markdown = cells.filter(c => c.classList.contains('jp-MarkdownCell')).map(c => {
    const out = c.querySelector('.jp-MarkdownOutput, .jp-RenderedMarkdown, .myst');
    return {rendered: c.classList.contains('jp-mod-rendered') && !!out,
            text: out ? out.innerText : ''};
  });
  // images of the cells' own outputs; those drawn inside interactive widgets are counted apart
  const allImages = Array.from(panel.content.node.querySelectorAll('.jp-OutputArea-output img'));
  const images = allImages.filter(i => !i.closest('.jupyter-widgets'))
    .map(i => ({complete: i.complete, width: i.naturalWidth}));
  const widgetImages = allImages.filter(i => i.closest('.jupyter-widgets'))
    .map(i => ({complete: i.complete, width: i.naturalWidth}));
  // a cell's widget output holds the drawn widget; one that failed holds only a message
  const widgetViews = Array.from(panel.content.node.querySelectorAll('.jp-OutputArea-output'))
    .filter(o => !o.parentElement.closest('.jupyter-widgets'))
    .filter(o => o.querySelector(':scope > .jupyter-widgets') || /widget/i.test(o.innerText)
                 && !o.querySelector('img, pre'))
    .map(o => ({rendered: !!o.querySelector(':scope > .jupyter-widgets'),
                text: o.innerText.slice(0, 120)}));
  const markdownImages = Array.from(panel.content.node.querySelectorAll('.jp-MarkdownCell img'))
    .map(i => ({src: i.getAttribute('src'), complete: i.complete, width: i.naturalWidth}));
  const mathErrors = Array.from(panel.content.node.querySelectorAll('.katex-error, mjx-merror'))
    .map(e => e.textContent.slice(0, 120));
  return {markdown: markdown, images: images, widgetImages: widgetImages,
          widgetViews: widgetViews, markdownImages: markdownImages, mathErrors: mathErrors};
}"""

RAW_PATTERNS = {
    "glue role": re.compile(r"\{glue"),
    "eval role": re.compile(r"\{eval\}"),
    "role in backticks": re.compile(r"\{[a-z][\w:-]*\}`"),
    "directive fence": re.compile(r"(```|:::)\s*\{"),
    "raw TeX": re.compile(r"\$\$|\\(frac|begin|end|sum|sigma|eta|lVert|text|partial)\b"),
}


@dataclass
class Result:
    kind: str
    label: str
    seconds: float | None = None
    timed_out: bool = False
    state: dict = field(default_factory=dict)
    view: dict = field(default_factory=dict)
    screenshot: Path | None = None
    page_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    failure: str | None = None  # the harness itself failed (page did not load, ...)


class Run:
    """One notebook in its own page: started, polled until done, then inspected."""

    def __init__(self, browser, lab: Lab, kind: str, original: Path, copy: Path):
        self.result = Result(kind=kind, label=_label(original))
        self.page = browser.new_page(viewport={"width": 1280, "height": 1000})
        self.page.on("pageerror", lambda e: self.result.page_errors.append(str(e)[:300]))
        self.page.on("request", self._record_request)
        rel = copy.relative_to(ROOT).as_posix()
        workspace = re.sub(r"\W", "-", rel)  # a fresh workspace: no other notebook restored
        self.page.goto(f"{lab.url}/lab/workspaces/{workspace}/tree/{quote(rel)}?reset")
        self.page.wait_for_function(_APP_READY, timeout=120_000)
        self.page.evaluate(_START_RUN_ALL)
        self.start = time.monotonic()
        self.last_progress = self.start
        self.snapshot = None

    def _record_request(self, request) -> None:
        url = urlparse(request.url)
        if url.scheme not in ("data", "blob", "about") and url.hostname != "127.0.0.1":
            self.result.foreign_requests.append(request.url[:200])

    def _complete(self, state: dict) -> bool:
        if not (state["run"] and state["run"]["done"]) or state["kernel"] != "idle":
            return False
        code = [c for c in state["cells"] if c["type"] == "code"]
        md = [c for c in state["cells"] if c["type"] == "markdown"]
        return (all(c["count"] is not None for c in code)
                and all(c["evaluated"] >= c["roles"] for c in md))

    def poll(self) -> bool:
        """True when the notebook is finished (complete, stopped by an error, or timed out)."""
        now = time.monotonic()
        state = self.page.evaluate(_STATE)
        key = json.dumps(state, sort_keys=True)
        if key != self.snapshot:
            self.snapshot, self.last_progress = key, now
        if self._complete(state):
            done = True
        elif state["run"] and state["run"]["done"] and state["kernel"] == "idle":
            done = now - self.last_progress > 5  # Run All stopped (an error): nothing moves
        else:
            done = False
        if now - self.start > NOTEBOOK_TIMEOUT_S:
            self.result.timed_out, done = True, True
        if done:
            self.result.seconds = round(now - self.start, 1)
            self.result.state = state
        return done

    def _settled_view(self) -> dict:
        """What the learner sees once rendering has settled.

        Run All can end before the markdown of a long notebook is rendered (jupyterlab-myst renders
        the cells one after another, after the notebook opens; a stub exercise runs in a second).
        The view is taken when every markdown cell is rendered and nothing changed for a second,
        or after RENDER_SETTLE_S: what is still unrendered then is reported by the test.
        """
        deadline = time.monotonic() + RENDER_SETTLE_S
        view = self.page.evaluate(_VIEW)
        while time.monotonic() < deadline:
            self.page.wait_for_timeout(1000)
            again = self.page.evaluate(_VIEW)
            settled = again == view and all(m["rendered"] for m in again["markdown"])
            view = again
            if settled:
                break
        return view

    def finish(self) -> Result:
        self.result.view = self._settled_view()
        SHOTS.mkdir(parents=True, exist_ok=True)
        shot = SHOTS / Path(self.result.label).with_suffix(".png")
        shot.parent.mkdir(parents=True, exist_ok=True)
        # Show the first paragraph whose numbers came from {eval} roles, with what follows it.
        self.page.evaluate("""() => {
          const panel = window.jupyterapp.shell.currentWidget;
          const cells = Array.from(panel.content.node.querySelectorAll('.jp-Cell'));
          const model = panel.content.model;
          for (let i = 0; i < model.cells.length; i++) {
            const m = model.cells.get(i).toJSON().metadata;
            if (m && m.user_expressions && m.user_expressions.length) {
              cells[i].scrollIntoView({block: 'start'}); return; } }
        }""")
        self.page.wait_for_timeout(500)
        self.page.screenshot(path=str(shot))
        self.result.screenshot = shot
        self.page.close()
        return self.result


@pytest.fixture(scope="module")
def results(request, lab: Lab, chromium_path: str) -> dict[str, Result]:
    """Run the selected notebooks, JOBS at a time; results by label (chapters/ch01_digits.ipynb).

    Also written to _build/lab/results.json (Run All times, screenshots, what was checked).
    """
    from playwright.sync_api import sync_playwright

    selected = {item.callspec.params["path"] for item in request.session.items
                if hasattr(item, "callspec") and "path" in item.callspec.params}
    copies = _copy_notebooks()
    pending = [(kind, path) for kind, path in NOTEBOOKS if path in selected]
    active: list[Run] = []
    done: dict[str, Result] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True,
                                    args=CHROMIUM_FLAGS)
        try:
            while pending or active:
                while pending and len(active) < JOBS:
                    kind, path = pending.pop(0)
                    try:
                        active.append(Run(browser, lab, kind, path, copies[path]))
                    except Exception as exc:  # noqa: BLE001 - reported by that notebook's test
                        done[_label(path)] = Result(kind=kind, label=_label(path),
                                                    failure=f"{type(exc).__name__}: {exc}")
                for run in list(active):
                    if run.poll():
                        active.remove(run)
                        done[run.result.label] = run.finish()
                time.sleep(0.5)
        finally:
            browser.close()
    summary = "\n".join(f"  {r.label}: Run All {r.seconds} s, screenshot {r.screenshot}"
                        for r in done.values())
    print(f"\nJupyterLab Run All ({JOBS} at a time):\n{summary}")
    report = {label: {**vars(r), "screenshot": str(r.screenshot)} for label, r in done.items()}
    (WORK / "results.json").write_text(json.dumps(report, indent=1))
    return done


# ------------------------------------------------------------------------------------------------
# Tests
# ------------------------------------------------------------------------------------------------


def test_every_chapter_is_checked():
    assert any(kind == "chapter" for kind, _ in NOTEBOOKS), "no notebook in chapters/"


@pytest.mark.parametrize(("kind", "path"), NOTEBOOKS, ids=[_label(p) for _, p in NOTEBOOKS])
def test_notebook_runs_in_jupyterlab_and_renders_like_the_book(results, kind, path):
    r = results[_label(path)]
    assert r.failure is None, f"{r.label}: could not open it in JupyterLab: {r.failure}"
    assert not r.timed_out, f"{r.label}: Run All did not finish within {NOTEBOOK_TIMEOUT_S} s"
    code = [c for c in r.state["cells"] if c["type"] == "code"]
    markdown = [c for c in r.state["cells"] if c["type"] == "markdown"]

    errors = [(c["index"], e["ename"], e["evalue"]) for c in code for e in c["errors"]
              if not (kind == "exercise" and (e["ename"] == "NotImplementedError"
                                              or "raises-exception" in c["tags"]))]
    assert errors == [], f"{r.label}: error output in cells (index, error, message): {errors}"
    if kind == "chapter":
        not_run = [c["index"] for c in code if c["count"] is None]
        assert not_run == [], f"{r.label}: cells never ran: {not_run}"
        failed = [f for c in markdown for f in c["failed"]]
        assert failed == [], f"{r.label}: {{eval}} roles that failed: {failed}"
        unevaluated = [c["index"] for c in markdown if c["evaluated"] < c["roles"]]
        assert unevaluated == [], (
            f"{r.label}: markdown cells whose {{eval}} roles show no value: {unevaluated}")

    # JupyterLab cannot show glued values (jupyterlab-myst prints the key): {eval} instead.
    glued = [c["index"] for c in markdown if c["glue"]]
    assert glued == [], f"{r.label}: markdown cells with glue roles (use {{eval}}): {glued}"

    view = r.view
    unrendered = [i for i, m in enumerate(view["markdown"]) if not m["rendered"]]
    assert unrendered == [], f"{r.label}: markdown cells not rendered: {unrendered}"
    raw = [(name, m["text"][max(0, hit.start() - 40): hit.end() + 40])
           for m in view["markdown"] for name, pattern in RAW_PATTERNS.items()
           if (hit := pattern.search(m["text"]))]
    assert raw == [], f"{r.label}: raw MyST or TeX visible in the rendered markdown: {raw}"
    assert view["mathErrors"] == [], f"{r.label}: maths that did not render: {view['mathErrors']}"

    expected_images = sum(c["images"] for c in code)
    loaded = [i for i in view["images"] if i["complete"] and i["width"] > 0]
    assert len(view["images"]) == expected_images, (
        f"{r.label}: {expected_images} image outputs but {len(view['images'])} <img> in the page")
    assert len(loaded) == expected_images, f"{r.label}: images that did not load: {view['images']}"
    broken = [i["src"] for i in view["markdownImages"] if not (i["complete"] and i["width"] > 0)]
    assert broken == [], f"{r.label}: images in the markdown that did not load: {broken}"
    # Interactive widgets (ipywidgets) are drawn, and the figures they draw load.
    expected_widgets = sum(c["widgets"] for c in code)
    drawn = [w for w in view["widgetViews"] if w["rendered"]]
    assert len(view["widgetViews"]) == expected_widgets == len(drawn), (
        f"{r.label}: {expected_widgets} widget outputs, drawn: {view['widgetViews']}")
    unloaded = [i for i in view["widgetImages"] if not (i["complete"] and i["width"] > 0)]
    assert unloaded == [], f"{r.label}: figures in widgets that did not load: {unloaded}"
    if kind == "chapter":
        # Guard against a vacuous pass (a wrong matplotlib backend once produced no figures).
        assert expected_images >= 3, f"{r.label}: only {expected_images} figures"
        assert sum(c["roles"] for c in markdown) == 0 or any(c["evaluated"] for c in markdown)
    assert r.page_errors == [], f"{r.label}: uncaught errors in the page: {r.page_errors}"
    # JupyterLab and jupyterlab-myst work offline: nothing is fetched from another host.
    assert r.foreign_requests == [], f"{r.label}: requests to other hosts: {r.foreign_requests}"
    assert r.screenshot is not None and r.screenshot.stat().st_size > 10_000


def test_nbgrader_works_for_a_single_learner_without_setup(lab: Lab):
    def get(path: str) -> dict:
        with urllib.request.urlopen(f"{lab.url}{path}", timeout=30) as r:
            return json.load(r)

    # What nbgrader's Assignment List and Course List panels ask the server for.
    courses = get("/courses")
    assignments = get("/assignments?course_id=nndl")
    assert courses["success"] is True, courses
    assert assignments["success"] is True, assignments  # not "exchange directory does not exist"
    assert (lab.data_dir / "nbgrader" / "exchange").is_dir()
    log = lab.log.read_text(errors="replace")
    assert "No nbgrader_config.py file found" not in log
    assert "could not be created" not in log
