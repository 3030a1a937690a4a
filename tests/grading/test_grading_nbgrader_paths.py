"""Every way an instructor can run nbgrader on the course runs learner code only in the sandbox.

Issue 25: formgrader's Autograde button (nbgrader's API), the plain ``nbgrader autograde``
command and ``nbgrader validate`` used to run a submission in the course folder, as the
instructor, with no boundary; a first cell writing ``x`` into ``../../*/*/*.ipynb`` destroyed
every other student's notebook. The course's ``nbgrader_config.py`` now routes them through
:mod:`nndl_lib.grading.nbgrader_hooks`. Each path below is taken on a class of three (alice and
bob hand in the reference answers, vandal the reference answers after that first cell, which
also aims at the gradebook, the configuration, the feedback pages and the instructor's home by
absolute path). Afterwards every other student's files and gradebook rows are byte-identical,
and vandal's row holds the out-of-kernel grade with the attempt flagged.
(The JupyterLab button itself, pressed in Chromium, is ``tests/test_formgrader.py``.)
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import hostile_cells as hc
import pytest
from grading_support import COURSE, learner_notebook
from helpers import tree
from ordinary_user import ordinary_user, proc_failed_text

from nndl_lib.grading import boundary, leaks
from nndl_lib.grading.course import Course
from nndl_lib.grading.feedback_page import external_requests
from nndl_lib.grading.gradebook import ATTEMPT_FLAG

pytestmark = [pytest.mark.grading,
              pytest.mark.skipif(boundary.unavailable_reason() is not None,
                                 reason=f"no Landlock here: {boundary.unavailable_reason()}")]

A = "ch02_backprop"
NBGRADER = [sys.executable, "-m", "nbgrader"]


def _others(root: Path, home: Path) -> dict[str, dict[str, str]]:
    """Everything vandal must not change: every file of the course but vandal's own autograded
    copy, its record and the gradebook (checked row by row), and the instructor's home."""
    mine = ("autograded/vandal/", "grading/", "gradebook.db", ".nbgrader.log")
    # the instructor's own tools keep state in the home (Jupyter's notebook signatures)
    tools = (".local/", ".cache/", ".jupyter/", ".ipython/")
    return {"course": tree(root, skip=mine), "home": tree(home, skip=tools)}


def _rows(root: Path) -> dict[str, dict]:
    return {r["student"]: r for r in Course(root).grades()}


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    """The class, graded once by ``nndl-course`` (alice and bob, with feedback pages), with
    vandal's notebook collected but not graded; an instructor's home beside it."""
    base = tmp_path_factory.mktemp("nbgrader-paths")
    root, home, downloads = base / "exercises", base / "home", base / "downloads"
    shutil.copytree(COURSE / "source", root / "source")
    shutil.copy(COURSE / "nbgrader_config.py", root)
    (root / ".course_secret").write_text("s3cret\n")
    home.mkdir()
    downloads.mkdir()
    c = Course(root)
    c.release(A)
    for i, student in enumerate(("alice", "bob")):
        (downloads / f"{student}_{i}_{A}.ipynb").write_text(json.dumps(learner_notebook(A)))
    c.collect(A, downloads)
    c.autograde(A, cell_timeout=30)
    c.feedback(A)
    evil = learner_notebook(A)
    evil["cells"].insert(0, {"cell_type": "code", "metadata": {}, "outputs": [],
                             "execution_count": None, "source": hc.vandal(root, home)})
    (downloads / f"vandal_9_{A}.ipynb").write_text(json.dumps(evil))
    c.collect(A, downloads)
    return root, home


def _check_vandal_graded_safely(root: Path, home: Path, before: dict, rows_before: dict,
                                said: str) -> None:
    assert _others(root, home) == before
    rows = _rows(root)
    for student in ("alice", "bob"):
        assert rows[student] == rows_before[student]
    vandal = rows["vandal"]
    # the grade is the out-of-kernel one (the reference answers: full marks), the attempt flagged
    assert vandal["autograded_score"] == vandal["autograded_max"] > 0, vandal
    assert ATTEMPT_FLAG in vandal["flag"], vandal["flag"]
    assert ATTEMPT_FLAG in said
    record = json.loads((root / "grading" / A / "vandal.json").read_text())
    assert record["out_of_kernel"]["points"] == record["out_of_kernel"]["max_points"]
    kernel_nb = next((root / "autograded" / "vandal" / A).glob("*.ipynb")).read_text()
    assert "VANDAL HIT [] REFUSED" in kernel_nb


def test_plain_nbgrader_autograde_force_grades_in_the_sandbox(klass):
    root, home = klass
    before, rows_before = _others(root, home), _rows(root)
    proc = subprocess.run([*NBGRADER, "autograde", A, "--student", "vandal", "--force"],
                          cwd=root, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    _check_vandal_graded_safely(root, home, before, rows_before, proc.stderr)


def test_the_api_behind_formgraders_autograde_button_grades_in_the_sandbox(klass):
    root, home = klass
    before, rows_before = _others(root, home), _rows(root)
    # formgrader's handler calls exactly this, with the course's configuration
    result = Course(root).api().autograde(A, "vandal", force=True, create=True)
    assert result["success"], result.get("log", "")[-3000:]
    _check_vandal_graded_safely(root, home, before, rows_before, result["log"])


def test_formgraders_feedback_buttons_keep_hidden_tests_out(klass):
    root, home = klass
    api = Course(root).api()
    # (Release Feedback copies this page into the exchange, for submissions that came through
    # it; this class was collected from LMS downloads)
    assert api.generate_feedback(A, "alice")["success"]
    page = next((root / "feedback" / "alice" / A).glob("*.html")).read_text()
    source = json.loads(next((root / "source" / A).glob("*.ipynb")).read_text())
    hidden = leaks.protected_lines(source, solutions=False)
    assert hidden, "the source has hidden tests to keep out"
    assert leaks.find_leaks(leaks.html_text(page), hidden) == []


def _report_block(page: str) -> str:
    return page[page.index("<section id='nndl-grade-report'"):page.index("</section>")]


def test_every_feedback_path_makes_the_same_page_with_the_learners_report(klass):
    """``nndl-course feedback``, formgrader's Generate Feedback (``NbGraderAPI.generate_feedback``,
    what the button calls) and plain ``nbgrader generate_feedback`` all run the course's
    exporter: each page has the grade report and the flags in the learner's words at the top,
    once and the same, its maths as MathML, nothing from another site and no hidden test."""
    from nbgrader.api import Gradebook

    root, _ = klass
    c = Course(root)
    source = json.loads(next((root / "source" / A).glob("*.ipynb")).read_text())
    hidden = leaks.protected_lines(source, solutions=False)

    def instructor_score(score):  # bob's, as the instructor sets it in formgrader
        with Gradebook(c.db_url, course_id="nndl") as gb:
            gb.find_grade("test_backprop_example", A, A, "bob").manual_score = score
            gb.db.commit()

    instructor_score(2)
    try:
        [path] = c.feedback(A, ["bob"])
        pages = {"nndl-course feedback": path.read_text()}
        assert c.api().generate_feedback(A, "bob")["success"]
        pages["Generate Feedback"] = path.read_text()
        proc = subprocess.run([*NBGRADER, "generate_feedback", A, "--student", "bob",
                               "--force"], cwd=root, capture_output=True, text=True,
                              timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
        pages["nbgrader generate_feedback"] = path.read_text()
    finally:
        instructor_score(None)
    block = _report_block(pages["nndl-course feedback"])
    for how, page in pages.items():
        assert page.count("id='nndl-grade-report'") == 1, how
        assert _report_block(page) == block, how
        plain = leaks.html_text(page)
        assert "Grade decided outside your notebook" in plain, how
        assert "How your notebook was graded" in plain, how
        assert "Your grade was changed by your instructor for 'backprop_example'" in plain, how
        assert page.count("<math") > 20, how
        assert external_requests(page) == [], how
        assert leaks.find_leaks(plain, hidden) == [], how


def test_nbgrader_validate_of_a_submission_runs_in_the_sandbox(klass):
    root, home = klass
    before = _others(root, home)
    own = tree(root / "submitted" / "vandal")
    scratch = Path(tempfile.gettempdir())
    kernels_before = set(scratch.glob("nndl-kernel-*"))
    proc = subprocess.run([*NBGRADER, "validate",
                           str(root / "submitted" / "vandal" / A / f"{A}.ipynb")],
                          cwd=root, capture_output=True, text=True, timeout=600)
    assert "Success! Your notebook passes all the tests." in proc.stdout, proc.stdout[-2000:]
    assert _others(root, home) == before
    assert tree(root / "submitted" / "vandal") == own  # not even its own notebook
    time.sleep(1)  # the kernel's scratch folder goes when the kernel has gone
    assert set(scratch.glob("nndl-kernel-*")) <= kernels_before


def test_without_a_boundary_nbgrader_refuses_unless_told_which_the_csv_flags(klass):
    root, home = klass
    before, rows_before = _others(root, home), _rows(root)
    env = {**os.environ, "NNDL_SANDBOX_PRETEND_MISSING": "1"}
    proc = subprocess.run([*NBGRADER, "autograde", A, "--student", "bob", "--force"],
                          cwd=root, capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode != 0
    assert "no grading sandbox" in proc.stderr and f"nndl-course autograde {A}" in proc.stderr
    assert _rows(root)["bob"] == rows_before["bob"]
    assert {k: v for k, v in _others(root, home)["course"].items()
            if not k.startswith("autograded/bob/")} == \
        {k: v for k, v in before["course"].items() if not k.startswith("autograded/bob/")}
    proc = subprocess.run([*NBGRADER, "autograde", A, "--student", "bob", "--force",
                           "--CourseAutograde.sandbox=False"],
                          cwd=root, capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    bob = _rows(root)["bob"]
    assert bob["autograded_score"] == bob["autograded_max"]
    assert "WITHOUT the operating-system sandbox" in bob["flag"]


def test_plain_nbgrader_autograde_as_an_ordinary_user(klass):
    """The instructor's own account: a course copy it owns, ``nbgrader autograde --force``."""
    user, why = ordinary_user()
    if user is None:
        print(f"\nSKIPPED: {why}")
        pytest.skip(why)
    src_root, _ = klass
    base = Path(tempfile.mkdtemp(prefix="nndl-ordinary-nbgrader-"))
    try:
        os.chmod(base, 0o755)
        root = base / "exercises"
        shutil.copytree(src_root, root, ignore=shutil.ignore_patterns("autograded", "feedback",
                                                                        "grading"))
        # the same class, the vandal's absolute targets pointing at this copy
        nb_path = root / "submitted" / "vandal" / A / f"{A}.ipynb"
        nb = json.loads(nb_path.read_text())
        nb["cells"][0]["source"] = hc.vandal(root, user.home)
        nb_path.write_text(json.dumps(nb))
        for p in [base, *base.rglob("*")]:
            os.lchown(p, user.uid, user.gid)
        for student in ("alice", "bob"):
            proc = user.run([user.python, "-m", "nbgrader", "autograde", A, "--student",
                             student, "--force"], cwd=root)
            assert not proc_failed_text(proc), proc_failed_text(proc)
        before, rows_before = _others(root, user.home), _rows(root)
        proc = user.run([user.python, "-m", "nbgrader", "autograde", A, "--student", "vandal",
                         "--force"], cwd=root)
        assert not proc_failed_text(proc), proc_failed_text(proc)
        _check_vandal_graded_safely(root, user.home, before, rows_before, proc.stderr)
        with open(root / "grades.csv", "w") as f:
            Course(root).write_grades(out=f)
        rows = list(csv.DictReader((root / "grades.csv").open()))
        assert {r["student"] for r in rows} == {"alice", "bob", "vandal"}
    finally:
        shutil.rmtree(base, ignore_errors=True)
