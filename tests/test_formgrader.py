"""The instructor presses formgrader's Autograde button on a hostile submission, in JupyterLab.

Issue 25, as the instructor meets it: JupyterLab runs in the course folder (so formgrader reads
the course's ``nbgrader_config.py``), Nbgrader → Formgrader opens, Manage Submissions of
``ch02_backprop`` lists alice (the reference answers, already graded by ``nndl-course``) and
vandal (the reference answers after a first cell that writes ``x`` into every notebook it can
reach, ``../../*/*/*.ipynb`` and by absolute path). Headless Chromium presses vandal's Autograde
button. Afterwards alice's files and gradebook row are byte-identical, and vandal's row holds
the out-of-kernel grade with the attempt flagged. Part of the ``lab`` part of the test command.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import ROOT, tree
from lab_server import running_lab

from nndl_lib.grading import boundary
from nndl_lib.grading.course import Course
from nndl_lib.grading.gradebook import ATTEMPT_FLAG
from nndl_lib.grading.submissions import submission

pytestmark = [pytest.mark.browser, pytest.mark.lab,
              pytest.mark.skipif(boundary.unavailable_reason() is not None,
                                 reason=f"no Landlock here: {boundary.unavailable_reason()}")]

A = "ch02_backprop"
WORK = ROOT / "_build" / "formgrader"
SHOTS = ROOT / "_build" / "screenshots" / "formgrader"


@pytest.fixture(scope="module")
def course() -> Path:
    if WORK.exists():
        shutil.rmtree(WORK)
    root, downloads = WORK / "exercises", WORK / "downloads"
    shutil.copytree(ROOT / "exercises" / "source", root / "source")
    shutil.copy(ROOT / "exercises" / "nbgrader_config.py", root)
    (root / ".course_secret").write_text("formgrader-test\n")
    downloads.mkdir(parents=True)
    source = json.loads((root / "source" / A / f"{A}.ipynb").read_text())
    c = Course(root)
    c.release(A)
    (downloads / f"alice_1_{A}.ipynb").write_text(json.dumps(submission(source)))
    c.collect(A, downloads)
    c.autograde(A, cell_timeout=30)
    targets = sorted(str(p) for p in root.rglob("*")
                     if p.suffix in (".ipynb", ".db") or p.name == "nbgrader_config.py")
    vandal = submission(source)
    vandal["cells"].insert(0, {"cell_type": "code", "metadata": {}, "outputs": [],
                               "execution_count": None, "source": "\n".join([
                                   "import glob",
                                   "hit = []",
                                   f"for p in glob.glob('../../*/*/*.ipynb') + {targets!r}:",
                                   "    try:",
                                   "        open(p, 'w').write('x')",
                                   "        hit.append(p)",
                                   "    except OSError:",
                                   "        pass",
                                   "print('VANDAL HIT', hit)"])})
    (downloads / f"alice_1_{A}.ipynb").unlink()
    (downloads / f"vandal_2_{A}.ipynb").write_text(json.dumps(vandal))
    c.collect(A, downloads)
    return root


@pytest.fixture(scope="module")
def lab_url(course: Path, tmp_path_factory):
    home = tmp_path_factory.mktemp("formgrader-jupyter")
    with running_lab(course, home) as (url, _):  # in the course folder: its nbgrader_config.py
        yield url


def test_formgraders_autograde_button_on_a_hostile_row_harms_nobody(course, lab_url,
                                                                   chromium_path):
    from playwright.sync_api import sync_playwright

    mine = ("autograded/vandal/", "grading/", "gradebook.db", "release/", ".nbgrader.log")
    before = tree(course, mine)
    alice_before = {r["student"]: r for r in Course(course).grades()}["alice"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True,
                                    args=["--no-sandbox", "--disable-gpu",
                                          "--disable-dev-shm-usage"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{lab_url}/lab", wait_until="domcontentloaded", timeout=120_000)
            page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started",
                                   timeout=120_000)
            page.evaluate("() => window.jupyterapp.started.then(() => "
                          "window.jupyterapp.commands.execute('nbgrader:open-formgrader'))")
            formgrader = page.frame_locator("iframe[src*='formgrader']")
            formgrader.locator(f"a[href$='/manage_submissions/{A}']").click(timeout=120_000)
            row = formgrader.locator("tr", has_text="vandal")
            row.locator("td.autograde a").click(timeout=60_000)
            modal = formgrader.locator("#success-modal, #error-modal")
            modal.wait_for(state="visible", timeout=300_000)
            said = modal.inner_text()
            page.screenshot(path=str(SHOTS / "autograde-vandal.png"))
        finally:
            browser.close()
    assert "Successfully autograded" in said, said[-2000:]
    # alice's notebooks, feedback and configuration untouched; her grade the same
    assert tree(course, mine) == before
    rows = {r["student"]: r for r in Course(course).grades()}
    assert rows["alice"] == alice_before
    vandal = rows["vandal"]
    assert vandal["autograded_score"] == vandal["autograded_max"] > 0, vandal
    assert ATTEMPT_FLAG in vandal["flag"], vandal["flag"]
    kernel_nb = next((course / "autograded" / "vandal" / A).glob("*.ipynb")).read_text()
    assert "VANDAL HIT []" in kernel_nb
