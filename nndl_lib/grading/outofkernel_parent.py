"""The out-of-kernel grading pass: the trusted parent that decides each submission's grade.

For one submission (a notebook) and its assignment's check module:

1. take the learner's code cells from the submission
   (:mod:`~nndl_lib.grading.notebook_cells`: answer cells matched by nbgrader ``grade_id``
   against the instructor's source notebook; the setup cell is replaced by the check module's
   trusted ``PRELUDE``; test cells are never run);
2. draw every task's cases from a seed derived from the course secret, the assignment, the
   student and the task (:func:`student_seed`): each student gets their own inputs, which no
   released file can predict;
3. run :mod:`nndl_lib.grading.outofkernel_child` (supervised by
   :mod:`nndl_lib.grading.outofkernel_supervisor`) in a fresh subprocess, in its own temporary
   folder, with CPU-time, memory and file-size limits, a wall-clock limit per cell and per case, the
   operating-system boundary (:mod:`nndl_lib.grading.boundary`: Landlock; reads only the Python
   installation and that folder, writes only there, no TCP, no signals outside), the guard
   (the polite first line: clear messages, reference modules not importable) and, where the
   grader runs as root, an unprivileged user; it returns only the learner's outputs, and what
   the guard refused (``SubmissionResult.attempts``);
4. compute the references here and compare, sub-check by sub-check (:meth:`Assignment.score`).

A cell or case that kills the process, loops or exhausts a limit costs only that cell or case:
the parent restarts the child without it. Nothing about the expected results leaves this
process.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nndl_lib.grading import boundary, wire
from nndl_lib.grading.framework import Assignment
from nndl_lib.grading.guard import BLOCKED_MESSAGE
from nndl_lib.grading.notebook_cells import learner_cells
from nndl_lib.grading.outofkernel_supervisor import Limits, run_learner_code
from nndl_lib.grading.task_results import TaskResult
from nndl_lib.grading.task_spec import PlannedCase

__all__ = ["Limits", "SubmissionResult", "SandboxUnavailable", "student_seed", "grade_notebook",
           "learner_cells"]


class SandboxUnavailable(RuntimeError):
    """No operating-system boundary on this machine: learner code is not run (see
    :func:`nndl_lib.grading.boundary.unavailable_reason`)."""


@dataclass
class SubmissionResult:
    """The out-of-kernel grade of one submission."""

    assignment: str
    student: str
    tasks: list[TaskResult]
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: what the submission tried that the sandbox refused (for the instructor, not the learner)
    attempts: list[str] = field(default_factory=list)
    #: "landlock", or "off" where the instructor chose --no-sandbox
    sandbox: str = "landlock"

    @property
    def points(self) -> float:
        return float(sum(t.points for t in self.tasks))

    @property
    def max_points(self) -> float:
        return float(sum(t.max_points for t in self.tasks))

    def task(self, name: str) -> TaskResult:
        return next(t for t in self.tasks if t.task == name)

    def report(self) -> str:
        lines = [f"Out-of-kernel grade of {self.assignment} for {self.student}: "
                 f"{self.points:g} of {self.max_points:g} points"]
        lines += [f"note: {n}" for n in self.notes]
        lines += [t.report() for t in self.tasks]
        return "\n\n".join(lines)

    def to_dict(self) -> dict:
        return {"assignment": self.assignment, "student": self.student,
                "points": self.points, "max_points": self.max_points, "notes": self.notes,
                "seconds": round(self.seconds, 3), "attempts": self.attempts,
                "sandbox": self.sandbox, "tasks": [t.to_dict() for t in self.tasks]}


def student_seed(secret: bytes, assignment: str, student: str, task: str) -> int:
    """A 63-bit seed from the course secret: HMAC-SHA256 of (assignment, student, task)."""
    msg = "\0".join((assignment, student, task)).encode()
    return int.from_bytes(hmac.new(secret, msg, hashlib.sha256).digest()[:8], "big") >> 1


def grade_notebook(assignment: Assignment, source_nb: dict, submission: Path | dict,
                   student: str, secret: bytes, limits: Limits | None = None,
                   workroot: Path | None = None, *, sandbox: bool = True,
                   audit_hook: bool = True, watched: tuple[str, ...] = ()
                   ) -> SubmissionResult:
    """The out-of-kernel grade of one submitted notebook (see the module docstring).

    sandbox: draw the operating-system boundary around the child (the default). Where it is
    not available, :class:`SandboxUnavailable` is raised before anything runs; ``False`` (the
    instructor's ``--no-sandbox``) runs without it. audit_hook=False leaves the guard out
    (the tests that prove the boundary holds on its own). watched: folders (the course) whose
    reading the guard refuses and reports (the boundary refuses it anyway, silently).
    """
    limits = limits or Limits()
    if sandbox:
        reason = boundary.unavailable_reason()
        if reason:
            raise SandboxUnavailable(reason)
    start = time.monotonic()
    notes: list[str] = []
    try:
        if isinstance(submission, dict):
            sub_nb = submission
        else:
            if Path(submission).stat().st_size > 50 * 2**20:
                raise ValueError("the notebook is larger than 50 MiB")
            sub_nb = json.loads(Path(submission).read_text(encoding="utf-8"))
        if not isinstance(sub_nb, dict) or not isinstance(sub_nb.get("cells"), list):
            raise ValueError("it is not a Jupyter notebook")
        cells, missing = learner_cells(source_nb, sub_nb)
        notes += missing
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        cells = None
        notes.append(f"the notebook could not be read ({exc}); no code was run")

    planned: list[PlannedCase] = []
    keys: list[str] = []
    for ti, task in enumerate(assignment.tasks):
        for ci, p in enumerate(assignment.plan(task, student_seed(secret, assignment.name,
                                                                  student, task.name))):
            planned.append(p)
            keys.append(f"t{ti}c{ci}")

    outcomes: dict[str, Any] = {}
    attempts: list[str] = []
    if cells is not None:
        outcomes, run_notes, attempts = run_learner_code(
            assignment, cells, planned, keys, limits, workroot, sandbox, audit_hook, watched)
        notes += run_notes
    blocked_in_cells = any(BLOCKED_MESSAGE in n for n in notes)
    results = []
    for task in assignment.tasks:
        idx = [i for i, p in enumerate(planned) if p.task == task.name]
        task_outcomes = [outcomes.get(keys[i], wire.RaisedError(
            "NotRun", "not run: the notebook could not be read" if cells is None else
            "not run: the grading process stopped before this case")) for i in idx]
        task_notes = []
        if any(isinstance(o, wire.RaisedError) and (
                BLOCKED_MESSAGE in o.message or (blocked_in_cells and o.type_name == "NameError"))
               for o in task_outcomes):
            task_notes.append("the course library's reference modules cannot be imported "
                              "while your work is graded: these points need your own code")
        if any(isinstance(o, wire.RaisedError) and o.type_name == "GradingTimeout"
               for o in task_outcomes):  # said at submission level, so the grades CSV flags it
            notes.append(f"{task.name}: a call ran out of time (an endless loop?); the cases "
                         "it did not finish earned nothing")
        results.append(assignment.score(task, [planned[i] for i in idx], task_outcomes,
                                        "graded", task_notes))
    return SubmissionResult(assignment.name, student, results, notes,
                            time.monotonic() - start, attempts,
                            "landlock" if sandbox else "off")


