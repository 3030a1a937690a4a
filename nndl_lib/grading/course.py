"""The instructor's loop over an nbgrader course folder: release, collect, autograde, feedback,
grades. Thin over nbgrader's own API; ``nndl-course`` (:mod:`nndl_lib.grading.cli`) calls it.

The course folder (default ``exercises/``) is an ordinary nbgrader course, so plain nbgrader
works on it too. What ``autograde`` adds:

- **Isolation.** Each submission is autograded by nbgrader in its own scratch copy of the course
  (the assignment's source, this one submission, a gradebook holding only the assignment), in a
  separate process, as an unprivileged user where the grader runs as root, with a kernel that
  runs under the guard (:mod:`nndl_lib.grading.autograde_kernel`). The trusted parent merges the
  scores
  into the real gradebook. A kernel that dies gets zeros and a flag, not a missing row.
- **The out-of-kernel pass decides.** :mod:`nndl_lib.grading.outofkernel_parent` grades every task
  again on the student's own secret random inputs; where its score differs from the in-kernel
  one, it is written as nbgrader's manual-score override of that test cell and the grade CSV's
  ``flag`` says why. An instructor's own later override is kept.
- **Nothing is lost.** The gradebook is backed up before each run
  (``grading/backups/``); after every submission the whole course folder is checked against
  a record of hashes and stat data and anything changed is restored
  (:mod:`nndl_lib.grading.tripwire`: stat only per submission, files read once per run).

Files the grader keeps, all git-ignored: ``.course_secret`` (see :func:`Course.secret`),
``grading/<assignment>/<student>.json`` (each out-of-kernel result, its overrides and flags),
``grading/backups/``.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from importlib import import_module
from pathlib import Path
from typing import Any

from nndl_lib.grading import boundary, leaks
from nndl_lib.grading.autograde_parent import COURSE_ID, Tripwire, nbgrader_in_scratch
from nndl_lib.grading.feedback_page import add_grade_report
from nndl_lib.grading.gradebook import (
    Outcome,
    backup_gradebook,
    cache_alembic_head,
    grade_rows,
    merge_results,
    quiet,
)
from nndl_lib.grading.lms import CourseError, id_for, lms_entries, student_id_from_name
from nndl_lib.grading.outofkernel_parent import Limits, grade_notebook
from nndl_lib.grading.users import path_with_venv, sandbox_user

__all__ = ["Course", "CourseError", "Outcome", "student_id_from_name", "DEFAULT_COURSE"]

DEFAULT_COURSE = Path("exercises")
SECRET_ENV = "NNDL_COURSE_SECRET"
SECRET_FILE = ".course_secret"
#: the exchange shared with the learners on a hub (deploy/README.md); unset: <course>/exchange
EXCHANGE_ENV = "NNDL_EXCHANGE"


class Course:
    """An nbgrader course folder with the course's assignments and check modules."""

    def __init__(self, root: str | Path = DEFAULT_COURSE) -> None:
        self.root = Path(root).resolve()
        if not (self.root / "source").is_dir():
            raise CourseError(f"{self.root} is not a course folder: it has no source/ "
                              "(pass --course DIR, the folder holding nbgrader_config.py)")
        os.environ["PATH"] = path_with_venv()
        self._lock = threading.Lock()

    # -- paths, config, modules -----------------------------------------------------------------

    @property
    def gradebook(self) -> Path:
        return self.root / "gradebook.db"

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.gradebook}"

    def assignments(self) -> list[str]:
        return sorted(p.name for p in (self.root / "source").iterdir()
                      if p.is_dir() and any(p.glob("*.ipynb")))

    def _check_assignment(self, assignment: str) -> None:
        if assignment not in self.assignments():
            raise CourseError(f"no assignment {assignment!r} in {self.root / 'source'}; "
                              f"known: {', '.join(self.assignments()) or 'none'}")

    def source_notebook(self, assignment: str) -> tuple[Path, dict]:
        self._check_assignment(assignment)
        notebooks = sorted((self.root / "source" / assignment).glob("*.ipynb"))
        if len(notebooks) != 1:
            raise CourseError(f"source/{assignment} must hold exactly one notebook; found "
                              f"{[p.name for p in notebooks]}")
        return notebooks[0], json.loads(notebooks[0].read_text(encoding="utf-8"))

    def check_module(self, assignment: str) -> Any:
        """``nndl_lib.grading.assignments.<assignment>``: the assignment's checks."""
        try:
            return import_module(f"nndl_lib.grading.assignments.{assignment}")
        except ModuleNotFoundError:
            raise CourseError(f"assignment {assignment} has no check module: add "
                              f"nndl_lib/grading/assignments/{assignment}.py") from None

    def config(self, db_url: str | None = None) -> Any:
        from traitlets.config import Config
        from traitlets.config.loader import PyFileConfigLoader

        config = Config()
        if (self.root / "nbgrader_config.py").is_file():
            config.merge(PyFileConfigLoader("nbgrader_config.py",
                                            path=str(self.root)).load_config())
        config.CourseDirectory.root = str(self.root)
        config.CourseDirectory.course_id = COURSE_ID
        config.CourseDirectory.db_url = db_url or self.db_url
        config.Exchange.root = os.environ.get(EXCHANGE_ENV) or str(self.root / "exchange")
        return config

    def api(self, db_url: str | None = None) -> Any:
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory

        cache_alembic_head(self.gradebook)
        config = self.config(db_url)
        return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)

    def secret(self) -> bytes:
        """The course secret that seeds each student's graded inputs.

        From the environment variable NNDL_COURSE_SECRET if set; otherwise from
        ``<course>/.course_secret`` (git-ignored, mode 600), created with 256 random bits the
        first time it is needed. Keep it out of every released file; changing it changes every
        student's graded inputs.
        """
        env = os.environ.get(SECRET_ENV)
        if env:
            return env.encode()
        path = self.root / SECRET_FILE
        if not path.is_file():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32) + "\n")
        return path.read_text().strip().encode()

    # -- release -------------------------------------------------------------------------------

    def release(self, assignment: str, db_url: str | None = None) -> Path:
        """nbgrader's generate_assignment, then a check that nothing protected leaked.

        db_url: another gradebook (the book build uses a temporary one, so building the book
        never touches the instructor's gradebook). Returns the released notebook's path.
        """
        src, source_nb = self.source_notebook(assignment)
        with quiet():
            result = self.api(db_url).generate_assignment(assignment, force=True)
        if not result.get("success"):
            raise CourseError(f"nbgrader generate_assignment failed for {assignment}:\n"
                              f"{result.get('error') or result.get('log')}")
        released = self.root / "release" / assignment / src.name
        found = leaks.find_leaks(leaks.notebook_text(released), leaks.protected_lines(source_nb))
        if found:
            released.unlink()
            raise CourseError(f"the released {released.name} would contain solution code or "
                              f"hidden tests: {found[:5]}; fix the source notebook's markers")
        return released

    def _ensure_in_gradebook(self, assignment: str) -> None:
        from nbgrader.api import Gradebook, MissingEntry

        if self.gradebook.is_file():
            with quiet(), Gradebook(self.db_url, course_id=COURSE_ID) as gb:
                try:
                    gb.find_assignment(assignment)
                    return
                except MissingEntry:
                    pass
        self.release(assignment)

    # -- collect -------------------------------------------------------------------------------

    def collect(self, assignment: str, path: str | Path, id_regex: str | None = None
                ) -> list[tuple[str, str]]:
        """Copy LMS downloads (a folder or a .zip, one notebook per student) into
        ``submitted/<student>/<assignment>/<notebook>.ipynb`` with a ``timestamp.txt``.

        Student ids: with ``id_regex``, its named group ``student`` matched against the file
        name; otherwise :func:`student_id_from_name` of the file's top-level folder inside PATH
        (Moodle: one folder per student) or, for files directly in PATH, of the file name
        (Canvas: ``login_numbers_..._name.ipynb``). Two files for one id is an error (nothing
        is copied). Returns (student, original name) pairs.
        """
        src, _ = self.source_notebook(assignment)
        entries = list(lms_entries(Path(path)))
        if not entries:
            raise CourseError(f"no .ipynb files found in {path}")
        by_id: dict[str, list[tuple[str, bytes, dt.datetime]]] = {}
        for name, data, when in entries:
            ident = id_for(name, id_regex)
            by_id.setdefault(ident, []).append((name, data, when))
        clashes = {k: [n for n, _, _ in v] for k, v in by_id.items() if len(v) > 1}
        if clashes:
            raise CourseError("several files map to one student id (nothing was copied): "
                              + "; ".join(f"{k}: {v}" for k, v in sorted(clashes.items()))
                              + ". Rename them or pass --id-regex.")
        copied = []
        for ident, [(name, data, when)] in sorted(by_id.items()):
            dest = self.root / "submitted" / ident / assignment
            if dest.exists():
                shutil.rmtree(dest)
            dest.mkdir(parents=True)
            (dest / src.name).write_bytes(data)
            (dest / "timestamp.txt").write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
            copied.append((ident, name))
        return copied

    # -- autograde ---------------------------------------------------------------------------

    def students(self, assignment: str) -> list[str]:
        sub = self.root / "submitted"
        if not sub.is_dir():
            return []
        return sorted(p.name for p in sub.iterdir() if (p / assignment).is_dir())

    def autograde(self, assignment: str, students: Iterable[str] | None = None, *,
                  jobs: int = 1, limits: Limits | None = None, cell_timeout: int | None = None,
                  progress: Any = None, sandbox: bool = True,
                  audit_hook: bool = True) -> list[Outcome]:
        """Autograde every submission of ``assignment`` (or ``students``): nbgrader in a
        per-student scratch course, then the out-of-kernel pass; see the module docstring.

        No boundary, no grading: where the operating-system sandbox
        (:mod:`nndl_lib.grading.boundary`) is not available, nothing runs and
        :class:`CourseError` says why in one line, unless ``sandbox=False``
        (``--no-sandbox``), which every graded submission's flag then records.
        ``audit_hook=False`` leaves the guard out (the tests that prove the boundary alone).
        """
        limits = limits or Limits()
        missing_boundary = boundary.unavailable_reason()
        if sandbox and missing_boundary:
            raise CourseError(f"no grading sandbox: {missing_boundary}. Grade on Linux 6.12+ "
                              "(a machine or container that allows Landlock), or pass "
                              "--no-sandbox to grade without it (the CSV flags every "
                              "submission)")
        module = self.check_module(assignment)
        src, source_nb = self.source_notebook(assignment)
        self._ensure_in_gradebook(assignment)
        students = sorted(students) if students is not None else self.students(assignment)
        missing = [s for s in students if not (self.root / "submitted" / s / assignment).is_dir()]
        if missing:
            raise CourseError(f"no submission of {assignment} for {missing}; run collect first")
        backup_gradebook(self.root)
        secret = self.secret()
        user = sandbox_user()
        timeout = cell_timeout or int(getattr(self.config().ExecutePreprocessor, "timeout",
                                              60) or 60)
        run_root = Path(tempfile.mkdtemp(prefix="nndl-grade-"))
        os.chmod(run_root, 0o711)  # an unprivileged child may pass through, not list it
        tripwire = Tripwire(self.root, run_root / "tripwire")
        try:
            template = self._template_gradebook(assignment, run_root)

            def grade(student: str) -> Outcome:
                start = time.monotonic()
                scratch = run_root / f"s-{len(student)}-{_safe(student)}"
                in_kernel = nbgrader_in_scratch(self.root, assignment, student, scratch,
                                                template, user, timeout, sandbox=sandbox,
                                                audit_hook=audit_hook)
                ook = grade_notebook(module.ASSIGNMENT, source_nb,
                                     self.root / "submitted" / student / assignment / src.name,
                                     student, secret, limits, workroot=run_root,
                                     sandbox=sandbox, audit_hook=audit_hook,
                                     watched=(str(self.root),))
                with self._lock:
                    tampered = tripwire.check_and_restore()
                    outcome = merge_results(self.root, self.db_url, assignment, student, src,
                                            source_nb, in_kernel, scratch, ook, tampered)
                    # what merge_results wrote: recorded again, nothing else re-read
                    tripwire.refresh([self.gradebook,
                                      self.root / "autograded" / student / assignment,
                                      self.root / "grading" / assignment / f"{student}.json"])
                shutil.rmtree(scratch, ignore_errors=True)
                outcome.seconds = time.monotonic() - start
                if progress is not None:
                    progress(outcome)
                return outcome

            if jobs > 1 and len(students) > 1:
                with ThreadPoolExecutor(max_workers=jobs) as pool:
                    return list(pool.map(grade, students))
            return [grade(s) for s in students]
        finally:
            shutil.rmtree(run_root, ignore_errors=True)

    def _template_gradebook(self, assignment: str, run_root: Path) -> Path:
        """A gradebook holding only ``assignment`` (no students), made by generate_assignment
        in a scratch course (so no other student's data is ever copied into a scratch)."""
        tmp = run_root / "template"
        (tmp / "source").mkdir(parents=True)
        (tmp / "exchange").mkdir()  # nbgrader checks that it can write there
        shutil.copytree(self.root / "source" / assignment, tmp / "source" / assignment)
        db = tmp / "gradebook.db"
        scratch_course = Course(tmp)
        with quiet():
            result = scratch_course.api(f"sqlite:///{db}").generate_assignment(assignment,
                                                                                force=True)
        if not result.get("success"):
            raise CourseError(f"could not prepare the scratch gradebook: {result.get('log')}")
        return db

    # -- feedback -----------------------------------------------------------------------------

    def feedback(self, assignment: str, students: Iterable[str] | None = None) -> list[Path]:
        """nbgrader's generate_feedback with the course's exporter, which scrubs the hidden tests
        and puts the learner's grade report at the top of each page
        (:func:`feedback_page.add_grade_report`; formgrader's Generate Feedback makes the same
        page). Returns the HTML files."""
        src, _ = self.source_notebook(assignment)
        students = sorted(students) if students is not None else sorted(
            p.name for p in (self.root / "autograded").iterdir()
            if (p / assignment).is_dir()) if (self.root / "autograded").is_dir() else []
        api = self.api()
        pages = []
        for student in students:
            with quiet():
                result = api.generate_feedback(assignment, student, force=True)
            page = self.root / "feedback" / student / assignment / f"{src.stem}.html"
            if not result.get("success") or not page.is_file():
                page.parent.mkdir(parents=True, exist_ok=True)
                page.write_text(add_grade_report(
                    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>"
                    f"{html.escape(assignment)}</title></head><body>"
                    "<p>Your notebook could not be shown on this page (the file may be "
                    "damaged); the grade report stands. Ask your instructor for a copy of the "
                    "graded notebook.</p></body></html>",
                    self.root, assignment, student, notebook=src.stem, db_url=self.db_url),
                    encoding="utf-8")
            # what nbgrader's release_feedback names the page by in the exchange (the learner's
            # fetch_feedback finds it by the same hash): the submission's time and secret
            for name in ("timestamp.txt", "submission_secret.txt"):
                kept = self.root / "submitted" / student / assignment / name
                if kept.is_file():  # (nbgrader's copy may be read-only: replaced, not written)
                    (page.parent / name).unlink(missing_ok=True)
                    shutil.copyfile(kept, page.parent / name)
            pages.append(page)
        return pages

    # -- grades ---------------------------------------------------------------------------------

    def grades(self) -> list[dict[str, Any]]:
        """One row per (student, assignment) of the gradebook (see ``gradebook.grade_rows``)."""
        return grade_rows(self.root, self.db_url)

    def write_grades(self, out: io.TextIOBase | None = None, path: str | Path | None = None
                     ) -> list[dict[str, Any]]:
        rows = self.grades()
        columns = ["student", "assignment", "score", "max_score", "flag", "autograded_score",
                   "autograded_max", "needs_manual_grade"]
        if path is not None:
            with open(path, "w", newline="", encoding="utf-8") as f:
                _write_csv(f, columns, rows)
        else:
            _write_csv(out or sys.stdout, columns, rows)
        return rows


def _write_csv(f: Any, columns: list[str], rows: list[dict]) -> None:
    writer = csv.DictWriter(f, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "-", name)[:60] or "student"
