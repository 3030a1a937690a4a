"""The instructor's loop end to end on a copy of the course: release -> collect -> autograde ->
feedback -> grades, with reference, stub, mutant and hostile submissions (a class of 13 for
chapter 1). Slow (nbgrader starts a kernel per submission): the `exercises` part of the tests."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from grading_mutants import mutant_source
from grading_support import (
    ASSIGNMENTS,
    COURSE,
    MODULES,
    learner_notebook,
    solution_code,
    source_nb,
)
from helpers import ROOT

from nndl_lib.grading import cli, leaks
from nndl_lib.grading.course import Course
from nndl_lib.grading.notebook_cells import nbgrader_meta
from nndl_lib.grading.outofkernel_parent import Limits

pytestmark = pytest.mark.grading

CELL_TIMEOUT = 8
# the reference student of each assignment (chapter 2's id comes from a Moodle folder name)
REF = {a: "ref-student" if a == "ch02_backprop" else "ref" for a in ASSIGNMENTS}
LIMITS = Limits(cell_s=3.0, case_s=3.0, grace_s=2.0, total_s=90.0)
CH1 = MODULES["ch01_digits"].ASSIGNMENT  # the points below follow its point table


def _without(*tasks: str) -> float:
    """Chapter 1's automatic points less those of ``tasks``."""
    return CH1.points - sum(CH1.task(t).points for t in tasks)


# Chapter 1's class: one reference, the released stub and hostile submissions.
HOSTILE = {
    "loop": {"accuracy": "def accuracy(a, labels):\n    while True:\n        pass"},
    "toploop": {"count_parameters": "while True:\n    pass"},
    "hog": {"accuracy": solution_code("ch01_digits")["accuracy"]
                        + "\n\nhog = np.ones(10**11)  # more memory than the grader allows\n"},
    "killer": {"perceptron_output": "import os\nos._exit(0)"},
    "quitter": {"perceptron_output": "import sys\nsys.exit()"},
    "typo": {"sigmoid_neuron_output": "def sigmoid_neuron_output(x, w, b)\n    return 0"},
    "editor": {"feedforward": "def feedforward(x, weights, biases):\n    return x",
               "test_feedforward": "result = None\n3.0"},
    "patcher": {"sigmoid": (
        "import numpy as np\n"
        "np.allclose = lambda *a, **k: True\n"
        "np.testing.assert_allclose = lambda *a, **k: None\n"
        "from nndl_lib.grading import framework\n"
        "_score = framework.Assignment.score\n"
        "def _full(self, task, planned, outcomes, mode, notes=()):\n"
        "    r = _score(self, task, planned, outcomes, mode, notes)\n"
        "    r.points = r.max_points\n"
        "    return r\n"
        "framework.Assignment.score = _full\n"
        "def sigmoid(z):\n"
        "    return np.zeros_like(np.asarray(z, dtype=float))")},
    "boaster": {"accuracy": "print('All tests passed!')\n"
                            "def accuracy(a, labels):\n    return 0.123"},
    "copier": {"feedforward": "from nndl_lib.fc import feedforward"},
}


def _writer_code(root: Path) -> str:
    return "\n".join([
        "import os, shutil",
        "for attack in [",
        f"    lambda: open({str(root / 'gradebook.db')!r}, 'wb').write(b''),",
        f"    lambda: open({str(root / 'submitted' / 'ref' / 'ch01_digits')!r} + "
        "'/ch01_digits.ipynb', 'w').write('{}'),",
        f"    lambda: shutil.rmtree({str(root / 'submitted' / 'stub')!r}),",
        "    lambda: open('../../../gradebook.db', 'wb').write(b''),",
        "    lambda: open('../../stub/ch01_digits/ch01_digits.ipynb', 'w').write(''),",
        "]:",
        "    try:",
        "        attack()",
        "    except Exception as err:",
        "        print(type(err).__name__)",
        solution_code("ch01_digits")["accuracy"],
    ])


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    base = tmp_path_factory.mktemp("grading")
    root = base / "exercises"
    shutil.copytree(COURSE / "source", root / "source")
    config = (COURSE / "nbgrader_config.py").read_text()
    (root / "nbgrader_config.py").write_text(
        config + f"\nc.ExecutePreprocessor.timeout = {CELL_TIMEOUT}\n")
    c = Course(root)
    released = {a: c.release(a) for a in ASSIGNMENTS}
    downloads = base / "lms"
    downloads.mkdir()

    def put(folder, name, nb):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(nb) if isinstance(nb, dict) else nb)

    # chapter 1: a zip of Canvas-style files, with the hostile class
    ch1 = downloads / "ch1"
    put(ch1, "ref_1001_2001_ch01_digits.ipynb", learner_notebook("ch01_digits"))
    shutil.copy(released["ch01_digits"], ch1 / "stub_1002_2002_ch01_digits.ipynb")
    for student, replace in HOSTILE.items():
        put(ch1, f"{student}_1_2_ch01_digits.ipynb", learner_notebook("ch01_digits",
                                                                      replace=replace))
    nb = learner_notebook("ch01_digits")
    nb["cells"] = [cell for cell in nb["cells"]
                   if nbgrader_meta(cell).get("grade_id") != "test_accuracy"]
    put(ch1, "deleter_1_2_ch01_digits.ipynb", nb)
    put(ch1, "writer_1_2_ch01_digits.ipynb",
        learner_notebook("ch01_digits", replace={"accuracy": _writer_code(root)}))
    put(ch1, "garbage_1_2_ch01_digits.ipynb", "this is not a notebook {")
    with zipfile.ZipFile(base / "ch1.zip", "w") as zf:
        for f in sorted(ch1.iterdir()):
            zf.write(f, f.name)
    c.collect("ch01_digits", base / "ch1.zip")
    # chapter 2: Moodle-style folders (ids from the folder names); one mutant
    ch2 = downloads / "ch2"
    put(ch2, "Ref Student_11_assignsubmission_file_/ch02_backprop.ipynb",
        learner_notebook("ch02_backprop"))
    shutil.copy(released["ch02_backprop"], ch2 / "Stub_12_assign.ipynb")
    bad = mutant_source("BP2_NO_PRIME", solution_code("ch02_backprop")["backprop"])
    put(ch2, "Mutant_13_assignsubmission_file_/anything.ipynb",
        learner_notebook("ch02_backprop", replace={"backprop": bad}))
    c.collect("ch02_backprop", ch2)
    # every other assignment: the reference and the released stub
    for assignment in ASSIGNMENTS:
        if assignment in ("ch01_digits", "ch02_backprop"):
            continue
        folder = downloads / assignment
        put(folder, f"{REF[assignment]}_1_{assignment}.ipynb", learner_notebook(assignment))
        shutil.copy(released[assignment], folder / f"stub_2_{assignment}.ipynb")
        c.collect(assignment, folder)

    outcomes = {}
    for assignment in ASSIGNMENTS:
        for o in c.autograde(assignment, jobs=2, limits=LIMITS):
            outcomes[(assignment, o.student)] = o
    pages = {a: c.feedback(a) for a in ASSIGNMENTS}
    rows = {(r["student"], r["assignment"]): r for r in c.grades()}
    return {"course": c, "root": root, "released": released, "outcomes": outcomes,
            "pages": pages, "rows": rows, "base": base}


def _record(course, assignment, student):
    return json.loads((course["root"] / "grading" / assignment / f"{student}.json").read_text())


def _row(course, student, assignment="ch01_digits"):
    return course["rows"][(student, assignment)]


def _autograded(course, student, assignment="ch01_digits"):
    path = course["root"] / "autograded" / student / assignment / f"{assignment}.ipynb"
    return json.loads(path.read_text())


# --- release ------------------------------------------------------------------------------


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_released_notebook_has_no_solution_no_hidden_tests_and_raises_in_answers(
        course, assignment):
    released = course["released"][assignment]
    src = source_nb(assignment)
    assert leaks.find_leaks(leaks.notebook_text(released), leaks.protected_lines(src)) == []
    nb = json.loads(released.read_text())
    answers = [c for c in nb["cells"] if nbgrader_meta(c).get("solution")
               and c["cell_type"] == "code"]
    assert answers and all("raise NotImplementedError()" in "".join(c["source"])
                           for c in answers)
    tests = [c for c in nb["cells"] if nbgrader_meta(c).get("grade")
             and not nbgrader_meta(c).get("solution")]
    assert len(tests) == len(Course(COURSE).check_module(assignment).ASSIGNMENT.tasks)


def test_the_course_secret_is_private_and_in_no_released_file(course):
    secret_file = course["root"] / ".course_secret"
    assert secret_file.is_file() and (secret_file.stat().st_mode & 0o077) == 0
    secret = secret_file.read_text().strip()
    for path in (course["root"] / "release").rglob("*"):
        if path.is_file():
            assert secret not in path.read_text(errors="replace")
    for page in (course["root"] / "feedback").rglob("*.html"):
        assert secret not in page.read_text()
    ignored = (ROOT / ".gitignore").read_text()
    assert "exercises/.course_secret" in ignored and "exercises/grading/" in ignored


# --- round trips -------------------------------------------------------------------------------


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_solution_gets_full_autograded_marks(course, assignment):
    student = REF[assignment]
    row = _row(course, student, assignment)
    assert row["autograded_score"] == row["autograded_max"] > 0
    record = _record(course, assignment, student)
    assert record["in_kernel"] == record["out_of_kernel"]["points"] == row["autograded_max"]
    assert record["overrides"] == {} and "differs" not in row["flag"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_released_stub_gets_zero_failing_only_with_not_implemented_error(course, assignment):
    row = _row(course, "stub", assignment)
    assert row["autograded_score"] == 0
    record = _record(course, assignment, "stub")
    assert record["in_kernel"] == 0 and record["out_of_kernel"]["points"] == 0
    for task in record["out_of_kernel"]["tasks"]:
        for sub in task["subchecks"]:  # the "inputs" check reports the crash once, above it
            assert "not written yet (it raises NotImplementedError)" in sub["message"] or (
                sub["kind"] == "not-credited" and "no call returned" in sub["message"])
    nb = _autograded(course, "stub", assignment)
    for cell in nb["cells"]:
        if nbgrader_meta(cell).get("grade") and cell["cell_type"] == "code":
            text = leaks.notebook_text({"cells": [cell]})
            assert "NotImplementedError" in text
            assert not any(e in text for e in ("NameError", "TypeError", "ValueError",
                                                "AttributeError", "Traceback"))


def test_mutant_round_trip_loses_points_in_kernel_and_out_of_kernel(course):
    record = _record(course, "ch02_backprop", "mutant")
    backprop = next(t for t in record["out_of_kernel"]["tasks"] if t["task"] == "backprop")
    assert backprop["points"] < backprop["max_points"]
    assert record["in_kernel"] < _row(course, "mutant", "ch02_backprop")["autograded_max"]
    assert _row(course, "mutant", "ch02_backprop")["autograded_score"] == (
        record["out_of_kernel"]["points"])


def test_every_collected_student_has_a_grade_row(course):
    students = {s for (s, a) in course["rows"] if a == "ch01_digits"}
    expected = {"ref", "stub", "deleter", "writer", "garbage", *HOSTILE}
    assert expected <= students
    for (student, assignment), row in course["rows"].items():
        if (course["root"] / "submitted" / student / assignment).is_dir():
            assert row["flag"] != "no submission"


# --- hostile submissions -------------------------------------------------------------------


def _lost(course, student):
    record = _record(course, "ch01_digits", student)
    ref = {t["task"]: t["max_points"] for t in record["out_of_kernel"]["tasks"]}
    return {t["task"] for t in record["out_of_kernel"]["tasks"] if t["points"] < ref[t["task"]]}


def _score(course, student):
    return _row(course, student)["autograded_score"]


def test_hostile_infinite_loop_is_stopped_and_costs_only_its_task(course):
    assert _lost(course, "loop") == {"accuracy"}
    assert _score(course, "loop") == _without("accuracy")


def test_hostile_top_level_loop_is_stopped(course):
    assert _lost(course, "toploop") == {"count_parameters"}
    assert _score(course, "toploop") == _without("count_parameters")


def test_hostile_huge_allocation_fails_alone(course):
    assert _lost(course, "hog") == set()  # the allocation fails; the answers still stand
    assert _score(course, "hog") == CH1.points


def test_hostile_os_exit_gets_a_row_with_the_out_of_kernel_grade_and_a_flag(course):
    row = _row(course, "killer")
    assert _lost(course, "killer") == {"perceptron_output"}
    assert row["autograded_score"] == _without("perceptron_output")
    assert "kernel died" in row["flag"]
    nb = _autograded(course, "killer")
    assert "could not run this notebook" in "".join(nb["cells"][0]["source"])


def test_hostile_sys_exit_and_syntax_error_cost_their_cells(course):
    assert _lost(course, "quitter") == {"perceptron_output"}
    assert _score(course, "quitter") == _without("perceptron_output")
    assert _lost(course, "typo") == {"sigmoid_neuron_output"}
    assert _score(course, "typo") == _without("sigmoid_neuron_output")


def test_hostile_deleted_and_edited_test_cells_change_nothing(course):
    assert _score(course, "deleter") == CH1.points  # the deleted test cell came back
    record = _record(course, "ch01_digits", "editor")
    assert _lost(course, "editor") == {"feedforward"}
    assert _score(course, "editor") == _without("feedforward") + (
        next(t for t in record["out_of_kernel"]["tasks"] if t["task"] == "feedforward")[
            "points"])
    # both are flagged, and the learner's page says what the grader did about it
    assert "edited []; deleted ['test_accuracy']" in _row(course, "deleter")["flag"]
    assert "edited ['test_feedforward']; deleted []" in _row(course, "editor")["flag"]
    page = course["root"] / "feedback" / "editor" / "ch01_digits" / "ch01_digits.html"
    assert ("You edited a check cell ('test_feedforward'); the grader used the original"
            in leaks.html_text(page.read_text()))


def test_hostile_monkeypatching_fools_only_the_kernel_and_is_overridden(course):
    record = _record(course, "ch01_digits", "patcher")
    assert record["in_kernel"] > record["out_of_kernel"]["points"]  # the kernel was fooled
    assert "test_sigmoid" in record["overrides"]
    assert _score(course, "patcher") == record["out_of_kernel"]["points"]
    assert "differs from in-kernel" in _row(course, "patcher")["flag"]


def test_hostile_printing_all_tests_passed_earns_nothing(course):
    assert _lost(course, "boaster") == {"accuracy"}
    assert _score(course, "boaster") < CH1.points


def test_hostile_calling_the_reference_earns_nothing_and_feedback_says_why(course):
    record = _record(course, "ch01_digits", "copier")
    # nothing for it when graded, and nothing in the learner's own check cell either (issue 26)
    assert record["in_kernel"] == _score(course, "copier") == _without("feedforward")
    page = (course["root"] / "feedback" / "copier" / "ch01_digits" / "ch01_digits.html")
    assert "not importable while your work is graded" in page.read_text()


def test_hostile_writing_elsewhere_is_refused_and_touches_no_other_grade(course):
    assert _score(course, "writer") == CH1.points
    assert "changed files" not in _row(course, "writer")["flag"]
    assert _score(course, "ref") == CH1.points and _score(course, "stub") == 0
    ref = course["root"] / "submitted" / "ref" / "ch01_digits" / "ch01_digits.ipynb"
    assert json.loads(ref.read_text())["cells"]


def test_unreadable_notebook_gets_zero_and_a_flag(course):
    row = _row(course, "garbage")
    assert row["autograded_score"] == 0 and "could not be read" in row["flag"]


# --- feedback and grades ---------------------------------------------------------------------


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_has_no_hidden_tests_no_instructor_solution_and_the_report(course,
                                                                            assignment):
    src = source_nb(assignment)
    hidden = leaks.protected_lines(src, solutions=False)
    everything = leaks.protected_lines(src)
    pages = course["pages"][assignment]
    assert pages
    for page in pages:
        text = leaks.html_text(page.read_text())
        assert leaks.find_leaks(text, hidden) == [], page
        student = page.parts[-3]
        if not student.startswith("ref"):  # the reference students handed in the solution
            found = [x for x in leaks.find_leaks(text, everything)
                     if x not in solution_code_lines(course, assignment, student)]
            assert found == [], page
        assert "Your grade" in text and "Grade decided outside your notebook" in text
        assert "AssertionError" not in text


def solution_code_lines(course, assignment, student):
    path = course["root"] / "submitted" / student / assignment / f"{assignment}.ipynb"
    try:
        return {ln.strip() for ln in leaks.notebook_text(path).splitlines()}
    except ValueError:
        return set()


def test_grades_csv_through_the_cli(course, tmp_path, capsys):
    out = tmp_path / "grades.csv"
    assert cli.main(["--course", str(course["root"]), "grades", "--csv", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert {"student", "assignment", "score", "max_score", "flag"} <= set(rows[0])
    by_key = {(r["student"], r["assignment"]): r for r in rows}
    assert float(by_key[("ref", "ch01_digits")]["score"]) == CH1.points
    assert float(by_key[("ref", "ch01_digits")]["max_score"]) == CH1.points + sum(
        CH1.manual.values())
    assert "manual grading pending" in by_key[("ref", "ch01_digits")]["flag"]
    assert by_key[("ref", "ch02_backprop")]["flag"] == "no submission"
    assert float(by_key[("ref-student", "ch02_backprop")]["score"]) == MODULES[
        "ch02_backprop"].ASSIGNMENT.points


def test_reautograde_keeps_the_instructors_manual_scores(course):
    from nbgrader.api import Gradebook

    c, root = course["course"], course["root"]
    with Gradebook(c.db_url, course_id="nndl") as gb:
        gb.find_grade("why_sigmoid", "ch01_digits", "ch01_digits", "patcher").manual_score = 1.5
        gb.find_grade("test_accuracy", "ch01_digits", "ch01_digits", "boaster").manual_score = 1
        gb.db.commit()
    c.autograde("ch01_digits", ["patcher", "boaster"], limits=LIMITS)
    with Gradebook(c.db_url, course_id="nndl") as gb:
        assert gb.find_grade("why_sigmoid", "ch01_digits", "ch01_digits",
                             "patcher").manual_score == 1.5
        assert gb.find_grade("test_accuracy", "ch01_digits", "ch01_digits",
                             "boaster").manual_score == 1
        assert gb.find_submission("ch01_digits", "ref").code_score == CH1.points
    assert "instructor's manual score kept" in c.grades()[
        [r["student"] for r in c.grades()].index("boaster")]["flag"]
    assert list((root / "grading" / "backups").glob("gradebook-*.db"))


def test_plain_nbgrader_validates_a_learner_notebook_in_the_course(course, tmp_path):
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    nbgrader = str(Path(sys.executable).parent / "nbgrader")
    outputs = {}
    for name, replace in (("right", None), ("wrong", {
            "accuracy": "def accuracy(a, labels):\n    return 0.123"})):
        nb = tmp_path / f"{name}.ipynb"
        nb.write_text(json.dumps(learner_notebook("ch01_digits", replace=replace)))
        proc = subprocess.run([nbgrader, "validate", str(nb)], cwd=course["root"], env=env,
                              capture_output=True, text=True, timeout=300)
        outputs[name] = proc.stdout + proc.stderr
    assert "Success! Your notebook passes all the tests." in outputs["right"], outputs["right"]
    assert "VALIDATION FAILED" in outputs["wrong"] and "accuracy" in outputs["wrong"]
