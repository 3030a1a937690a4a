"""The operating-system boundary (Landlock) holds on its own: with the audit hook left out, and
the learner code running as the grader's own user (NNDL_SANDBOX_USER=none: as root here, so no
file permission helps), every attack below is refused by the kernel, from the out-of-kernel
child and from nbgrader's kernel, and nobody else's grade changes. Also: no boundary, no
grading, unless --no-sandbox, which the CSV flags."""

from __future__ import annotations

import csv
import json
import shutil
import signal
import socket
from pathlib import Path

import hostile_cells as hc
import pytest
from grading_support import COURSE, MODULES, learner_notebook

from nndl_lib.grading import boundary, cli
from nndl_lib.grading.course import Course, CourseError
from nndl_lib.grading.gradebook import ATTEMPT_FLAG
from nndl_lib.grading.outofkernel_parent import Limits, SandboxUnavailable, grade_notebook

pytestmark = [pytest.mark.grading,
              pytest.mark.skipif(boundary.unavailable_reason() is not None,
                                 reason=f"no Landlock here: {boundary.unavailable_reason()}")]

FAST = Limits(cell_s=5.0, case_s=3.0, grace_s=2.0, total_s=90.0)


def attack_cell(course, home, port, pid) -> str:
    """The boundary's attack (:func:`hostile_cells.boundary_attack`) on chapter 1's course."""
    return hc.boundary_attack(course, home, port, pid)


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A course copy with two students (bob: the reference; eve: the reference and the attack),
    graded as the grader's own user, with an instructor's home beside it."""
    monkeypatch.setenv("NNDL_SANDBOX_USER", "none")
    monkeypatch.setenv("NNDL_COURSE_SECRET", "")
    root = tmp_path / "exercises"
    shutil.copytree(COURSE / "source", root / "source")
    shutil.copy(COURSE / "nbgrader_config.py", root)
    (root / ".course_secret").write_text("s3cret\n")
    home = tmp_path / "home"
    home.mkdir()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.setblocking(False)
    hits = []
    old = signal.signal(signal.SIGUSR1, lambda *a: hits.append(1))
    yield root, home, listener, hits
    signal.signal(signal.SIGUSR1, old)
    listener.close()


def _no_connection(listener) -> bool:
    try:
        listener.accept()
    except BlockingIOError:
        return True
    return False


def _hand_in(root: Path, c: Course, name: str, nb: dict) -> Path:
    """One learner's notebook as an LMS download ``name``, collected into the course."""
    downloads = root.parent / "downloads"
    downloads.mkdir(exist_ok=True)
    (downloads / name).write_text(json.dumps(nb))
    c.collect("ch01_digits", downloads)
    return downloads


def test_out_of_kernel_child_alone_refuses_every_attack(course):
    root, home, listener, hits = course
    (root / "submitted" / "bob" / "ch01_digits").mkdir(parents=True)
    other = root / "submitted" / "bob" / "ch01_digits" / "ch01_digits.ipynb"
    other.write_text("bob's work")
    (root / "feedback" / "bob" / "ch01_digits").mkdir(parents=True)
    (root / "gradebook.db").write_bytes(b"grades")
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    nb = learner_notebook("ch01_digits")
    nb["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [],
                        "execution_count": None, "source": attack_cell(
                            root, home, listener.getsockname()[1], __import__("os").getpid())})
    source = json.loads((root / "source" / "ch01_digits" / "ch01_digits.ipynb").read_text())
    result = grade_notebook(MODULES["ch01_digits"].ASSIGNMENT, source, nb, "eve", b"k", FAST,
                            audit_hook=False)
    said = " ".join(result.notes)
    assert "ALL REFUSED" in said and "NOT REFUSED" not in said, said
    assert result.points == result.max_points
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before
    assert list(home.iterdir()) == [] and _no_connection(listener) and hits == []


def test_nbgrader_kernel_and_child_alone_refuse_every_attack(course, capsys):
    root, home, listener, hits = course
    c = Course(root)
    c.release("ch01_digits")
    ref = learner_notebook("ch01_digits")
    downloads = _hand_in(root, c, "bob_1_ch01.ipynb", ref)
    c.autograde("ch01_digits", cell_timeout=20, limits=FAST)
    c.feedback("ch01_digits")
    bob_before = {r["student"]: r["score"] for r in c.grades()}
    evil = learner_notebook("ch01_digits")
    evil["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [],
                          "execution_count": None, "source": attack_cell(
                              root, home, listener.getsockname()[1], __import__("os").getpid())})
    (downloads / "eve_2_ch01.ipynb").write_text(json.dumps(evil))
    (downloads / "bob_1_ch01.ipynb").unlink()
    c.collect("ch01_digits", downloads)
    watched = [root / "nbgrader_config.py", root / ".course_secret",
               *(root / "submitted" / "bob").rglob("*.ipynb"),
               *(root / "feedback" / "bob").rglob("*.html")]
    before = {p: p.read_bytes() for p in watched}
    [eve] = c.autograde("ch01_digits", ["eve"], cell_timeout=20, limits=FAST,
                        audit_hook=False)
    kernel_nb = json.loads(next((root / "autograded" / "eve" / "ch01_digits").glob(
        "*.ipynb")).read_text())
    kernel_said = json.dumps(kernel_nb)
    assert "ALL REFUSED" in kernel_said and "NOT REFUSED" not in kernel_said
    record = json.loads((root / "grading" / "ch01_digits" / "eve.json").read_text())
    ook_said = " ".join(record["out_of_kernel"]["notes"])
    assert "ALL REFUSED" in ook_said and "NOT REFUSED" not in ook_said
    assert eve.out_of_kernel == eve.max_points and eve.in_kernel == eve.max_points
    assert {p: p.read_bytes() for p in watched} == before
    assert not any("tampered" in f or "changed files" in f for f in eve.flags)
    assert {r["student"]: r["score"] for r in c.grades()}["bob"] == bob_before["bob"]
    assert list(home.iterdir()) == [] and _no_connection(listener) and hits == []


def test_no_boundary_no_grading_unless_no_sandbox_which_the_csv_flags(course, monkeypatch,
                                                                      capsys):
    root, home, listener, hits = course
    c = Course(root)
    c.release("ch01_digits")
    _hand_in(root, c, "ann_1_ch01.ipynb", learner_notebook("ch01_digits"))
    monkeypatch.setenv("NNDL_SANDBOX_PRETEND_MISSING", "1")
    with pytest.raises(CourseError, match="no grading sandbox.*--no-sandbox"):
        c.autograde("ch01_digits")
    with pytest.raises(SandboxUnavailable):
        grade_notebook(MODULES["ch01_digits"].ASSIGNMENT, {}, learner_notebook("ch01_digits"),
                       "ann", b"k", FAST)
    assert not (root / "autograded").exists()
    assert cli.main(["--course", str(root), "autograde", "ch01_digits"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--no-sandbox" in err
    assert cli.main(["--course", str(root), "autograde", "ch01_digits", "--no-sandbox",
                     "--cell-timeout", "20"]) == 0
    out = root.parent / "grades.csv"
    assert cli.main(["--course", str(root), "grades", "--csv", str(out)]) == 0
    [row] = list(csv.DictReader(out.open()))
    assert row["autograded_score"] == row["autograded_max"]
    assert "WITHOUT the operating-system sandbox" in row["flag"]


def test_attempts_are_flagged_for_the_instructor_and_only_said_refused_to_the_learner(course):
    root, home, listener, hits = course
    c = Course(root)
    c.release("ch01_digits")
    nb = learner_notebook("ch01_digits")
    nb["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [],
                        "execution_count": None, "source": hc.probe_home(home)})
    _hand_in(root, c, "mal_1_ch01.ipynb", nb)
    [o] = c.autograde("ch01_digits", cell_timeout=20, limits=FAST)
    assert o.out_of_kernel == o.max_points
    flag = " ".join(o.flags)
    assert "sandbox refused" in flag and "x.txt" in flag and "in the kernel" in flag
    [page] = c.feedback("ch01_digits")
    text = page.read_text()
    assert "The grader refused it" in text and ATTEMPT_FLAG not in text
    assert list(home.iterdir()) == []


def test_an_attempt_after_a_cell_that_timed_out_is_still_reported_by_the_kernel(course):
    """nbgrader interrupts a cell that runs past its timeout with SIGINT to the kernel's process
    group: the report's reader must not be in that group, or it dies with the interrupt and
    every later attempt in the kernel goes unreported."""
    root, home, listener, hits = course
    c = Course(root)
    c.release("ch01_digits")
    nb = learner_notebook("ch01_digits")
    for source in ["while True:\n    pass\n", hc.probe_home(home)]:
        nb["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [],
                            "execution_count": None, "source": source})
    _hand_in(root, c, "late_1_ch01.ipynb", nb)
    [o] = c.autograde("ch01_digits", cell_timeout=5, limits=FAST)
    kernel = [f for f in o.flags if "in the kernel" in f]
    assert kernel and "x.txt" in kernel[0], o.flags
    assert list(home.iterdir()) == []


def test_the_kernel_reports_attempts_through_a_channel_the_submission_cannot_erase(course):
    """The kernel reports refused attempts to a reader outside the boundary (a pipe); the
    submission cannot remove, rewrite or truncate the report, and closing its end of the
    channel while the kernel runs is itself reported."""
    root, home, listener, hits = course
    c = Course(root)
    c.release("ch01_digits")
    nb = learner_notebook("ch01_digits")
    nb["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [],
                        "execution_count": None, "source": hc.report_channel(home)})
    _hand_in(root, c, "mal_1_ch01.ipynb", nb)
    [o] = c.autograde("ch01_digits", cell_timeout=20, limits=FAST)
    kernel_said = json.dumps(json.loads(next((root / "autograded" / "mal" / "ch01_digits")
                                              .glob("*.ipynb")).read_text()))
    said = kernel_said[kernel_said.index("CHANNEL {"):].split("\\n")[0]
    # the report cannot be removed, rewritten, renamed or truncated ...
    assert "DONE" not in said and "truncated" not in said, said
    assert "'closed'" in said  # ... but the submission found and closed its end of the pipe
    flag = " ".join(o.flags)
    # reported before the submission turned on the channel, and the closing itself
    assert "x.txt" in flag and "in the kernel" in flag, flag
    assert "report channel was closed from inside the kernel" in flag, flag
    assert o.out_of_kernel == o.max_points
    assert list(home.iterdir()) == []


def test_a_missing_or_rewritten_kernel_report_is_flagged(tmp_path):
    from nndl_lib.grading.autograde_kernel import REPORT_OPEN
    from nndl_lib.grading.autograde_parent import read_kernel_report

    report = tmp_path / "refused.txt"
    assert read_kernel_report(report, expected=False) == []
    assert "missing" in read_kernel_report(report, expected=True)[0]
    report.write_text("open: x\n")
    assert "missing or was rewritten" in read_kernel_report(report, expected=True)[0]
    report.write_text(f"{REPORT_OPEN}\nopen: x\n")
    assert read_kernel_report(report, expected=True) == ["open: x"]


def test_the_tripwire_restores_the_whole_course_folder_after_an_escape(course, monkeypatch):
    """Were the boundary to fail, the tripwire puts back anything changed in the course
    folder (here an escape is simulated from inside one submission's nbgrader run)."""
    from nndl_lib.grading import course as course_module

    root, home, listener, hits = course
    c = Course(root)
    c.release("ch01_digits")
    downloads = _hand_in(root, c, "bob_1_ch01.ipynb", learner_notebook("ch01_digits"))
    c.autograde("ch01_digits", cell_timeout=20, limits=FAST)
    c.feedback("ch01_digits")
    (downloads / "bob_1_ch01.ipynb").unlink()
    downloads = _hand_in(root, c, "eve_2_ch01.ipynb", learner_notebook("ch01_digits"))
    targets = [root / "nbgrader_config.py", root / ".course_secret",
               root / "release" / "ch01_digits" / "ch01_digits.ipynb",
               *(root / "autograded" / "bob").rglob("*.ipynb"),
               *(root / "feedback" / "bob").rglob("*.html"),
               *(root / "submitted" / "bob").rglob("*.ipynb")]
    before = {p: p.read_bytes() for p in targets}
    real = course_module.nbgrader_in_scratch

    def escaped(*args, **kwargs):
        for p in targets:
            with open(p, "ab") as f:
                f.write(b"\nimport os  # planted\n")
        (root / "feedback" / "planted.html").write_text("x")
        return real(*args, **kwargs)

    monkeypatch.setattr(course_module, "nbgrader_in_scratch", escaped)
    [eve] = c.autograde("ch01_digits", ["eve"], cell_timeout=20, limits=FAST)
    assert {p: p.read_bytes() for p in targets} == before
    assert not (root / "feedback" / "planted.html").exists()
    assert any("changed files it must not touch" in f and ".course_secret" in f
               for f in eve.flags), eve.flags
