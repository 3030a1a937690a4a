"""nbgrader's own commands on the course take the safe path: its configuration hooks.

An instructor can autograde in three ways besides ``nndl-course autograde``: formgrader's
**Autograde** button, the plain ``nbgrader autograde`` command and nbgrader's Python API. All
three build nbgrader's ``Autograde`` converter from the course's ``nbgrader_config.py``, whose
``autograde_preprocessors`` list is configurable. :func:`configure` replaces the two steps of
that list that run and score the learner's notebook (``Execute`` and ``SaveAutoGrades``) with
:class:`CourseAutograde`, which grades the submission exactly as ``nndl-course autograde`` does
(:meth:`nndl_lib.grading.course.Course.autograde`: a scratch course, the sandboxed kernel inside
the operating-system boundary, the out-of-kernel pass, the tripwire, the flags) and hands
nbgrader back the notebook that path wrote. nbgrader's remaining steps (output limits, late
penalties, metadata checks) and its file copying run as before; none of them runs learner code.

``nbgrader validate`` executes a notebook with nbgrader's plain ``Execute``, whose kernel
manager cannot be configured; its kernel can. :func:`configure` names the kernel spec shipped
in ``nndl_lib/grading/kernelspec`` (``python -m nndl_lib.grading.autograde_kernel``), which
draws the same boundary around a fresh scratch folder of its own before any cell runs.

Where no boundary can be drawn, :class:`CourseAutograde` refuses in one line that names the safe
command; ``--CourseAutograde.sandbox=False`` is the explicit opt-out (every row it grades is
flagged, as with ``nndl-course autograde --no-sandbox``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool

from nndl_lib.grading.feedback_page import course_root

__all__ = ["CourseAutograde", "GradingRefused", "KERNEL_NAME", "KERNELSPEC_ROOT",
           "AUTOGRADE_PREPROCESSORS", "configure"]

#: the kernel ``nbgrader validate`` runs (see ``kernelspec/kernels/<KERNEL_NAME>/kernel.json``)
KERNEL_NAME = "nndl-grading-sandbox"
#: a Jupyter data folder holding that one kernel spec (put on ``JUPYTER_PATH`` by configure)
KERNELSPEC_ROOT = Path(__file__).resolve().parent / "kernelspec"

#: nbgrader's autograde steps with ``Execute`` and ``SaveAutoGrades`` replaced by the course's
AUTOGRADE_PREPROCESSORS = [
    "nndl_lib.grading.nbgrader_hooks.CourseAutograde",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]


class GradingRefused(RuntimeError):
    """The course's grader would not run this submission (no sandbox); the message says why
    and what to do instead."""


class CourseAutograde(NbGraderPreprocessor):
    """nbgrader's autograde of one notebook, done by the course's grader.

    Runs :meth:`Course.autograde` for this (assignment, student), which writes the scores, the
    out-of-kernel overrides, the flags and the autograded notebook, then returns that notebook
    so nbgrader writes the same file. Takes the place of ``Execute`` *and* ``SaveAutoGrades``:
    a notebook whose kernel died comes back without outputs, which ``SaveAutoGrades`` would
    score as passing.
    """

    sandbox = Bool(True, help=(
        "Grade inside the operating-system sandbox. False grades without it where none is "
        "available; every submission graded so is flagged in the grades CSV.")).tag(config=True)

    def preprocess(self, nb: Any, resources: dict) -> tuple[Any, dict]:
        from nndl_lib.grading import boundary
        from nndl_lib.grading.course import Course
        from nndl_lib.grading.lms import CourseError

        info = resources["nbgrader"]
        assignment, student, notebook = info["assignment"], info["student"], info["notebook"]
        missing = boundary.unavailable_reason()
        if self.sandbox and missing:
            self._refuse(f"no grading sandbox: {missing}; nbgrader ran none of {student}'s "
                         "code. Grade on Linux 6.12+ (a machine or container that allows "
                         f"Landlock) with `nndl-course autograde {assignment}`, or pass "
                         "--CourseAutograde.sandbox=False to grade without it (the grades "
                         "CSV flags each submission)")
        course = Course(self._course_root())
        try:
            [outcome] = course.autograde(assignment, [student], sandbox=self.sandbox)
        except CourseError as exc:
            self._refuse(f"{exc}; the course's grading command is "
                         f"`nndl-course autograde {assignment}`")
        in_kernel = "not run" if outcome.in_kernel is None else f"{outcome.in_kernel:g}"
        self.log.info("%s: %g of %g points (out of kernel; in the kernel: %s)", student,
                      outcome.out_of_kernel, outcome.max_points, in_kernel)
        for flag in outcome.flags:
            self.log.warning("%s: %s", student, flag)
        graded = course.root / "autograded" / student / assignment / f"{notebook}.ipynb"
        nb = nbformat.read(graded, as_version=nbformat.NO_CONVERT)
        graded.unlink()  # read-only (444); nbgrader writes it again next
        return nb, resources

    def _refuse(self, message: str) -> None:
        self.log.error("%s", message)
        raise GradingRefused(message)

    def _course_root(self) -> Path:
        """The course folder of the converter running this step (its ``coursedir``), else the
        configured ``CourseDirectory.root``, else the working folder."""
        return course_root(self)


def configure(c: Any) -> None:
    """Make every nbgrader path on the course the safe one (call from ``nbgrader_config.py``).

    - autograde (command, API, formgrader's button): :data:`AUTOGRADE_PREPROCESSORS`;
    - validate: the sandboxed kernel :data:`KERNEL_NAME`, found through ``JUPYTER_PATH``
      (prepended once, in this process only).
    """
    c.Autograde.autograde_preprocessors = list(AUTOGRADE_PREPROCESSORS)
    c.Execute.kernel_name = KERNEL_NAME
    paths = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    if str(KERNELSPEC_ROOT) not in paths:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([str(KERNELSPEC_ROOT), *paths])
