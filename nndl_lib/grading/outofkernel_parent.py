"""The out-of-kernel grading pass: the trusted parent that decides each submission's grade.

For one submission (a notebook) and its assignment's check module:

1. take the learner's code cells from the submission (answer cells matched by nbgrader
   ``grade_id`` against the instructor's source notebook; the setup cell is replaced by the
   check module's trusted ``PRELUDE``; test cells are never run);
2. draw every task's cases from a seed derived from the course secret, the assignment, the
   student and the task (:func:`student_seed`): each student gets their own inputs, which no
   released file can predict;
3. run :mod:`nndl_lib.grading.outofkernel_child` in a fresh subprocess, in its own temporary folder,
   with CPU-time, memory and file-size limits, a wall-clock limit per cell and per case, the
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
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nndl_lib.grading import boundary, wire
from nndl_lib.grading.framework import Assignment, PlannedCase, TaskResult
from nndl_lib.grading.guard import BLOCKED_MESSAGE
from nndl_lib.grading.users import PACKAGE_ROOT, SandboxUser, child_env, sandbox_user

__all__ = ["Limits", "SubmissionResult", "SandboxUnavailable", "student_seed", "grade_notebook",
           "learner_cells", "PACKAGE_ROOT", "SandboxUser", "sandbox_user"]


class SandboxUnavailable(RuntimeError):
    """No operating-system boundary on this machine: learner code is not run (see
    :func:`nndl_lib.grading.boundary.unavailable_reason`)."""


@dataclass(frozen=True)
class Limits:
    """Limits of one grading child. Times in seconds, sizes in MiB."""

    cpu_s: int = 120
    memory_mb: int = 1536
    file_mb: int = 64
    cell_s: float = 10.0
    case_s: float = 10.0
    total_s: float = 180.0
    restarts: int = 6
    #: the parent's own watchdog allows this much more than the child's alarm
    grace_s: float = 5.0


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


# --------------------------------------------------------------------------------------------
# Which cells run
# --------------------------------------------------------------------------------------------


def _nbgrader(cell: dict) -> dict:
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nbg if isinstance(nbg, dict) else {}


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def learner_cells(source_nb: dict, submission_nb: dict) -> tuple[list[dict], list[str]]:
    """The code cells the child runs, in order, and notes about missing answer cells.

    Runs the submission's answer cells (matched by grade_id with the source notebook's
    solution cells) and any code cell the learner added; never the instructor's own cells (the
    setup cell, whose trusted imports the check module's PRELUDE provides, the test cells and
    the locked demonstration cells), nor any cell marked as a test. Answer cells missing from
    the submission are noted.
    """
    answers, given = [], set()
    for cell in source_nb.get("cells", []):
        gid = _nbgrader(cell).get("grade_id")
        if not gid:
            continue
        if cell.get("cell_type") == "code" and _nbgrader(cell).get("solution"):
            answers.append(gid)
        else:
            given.add(gid)
    cells, seen = [], set()
    for i, cell in enumerate(submission_nb.get("cells", [])):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        nbg = _nbgrader(cell)
        gid = nbg.get("grade_id")
        if gid in given or (nbg.get("grade") and not nbg.get("solution")):
            continue
        if gid:
            seen.add(gid)
        cells.append({"index": i, "source": _source(cell)})
    notes = [f"the answer cell '{gid}' is missing from the notebook (deleted, or its "
             "metadata changed): its code was not found" for gid in answers if gid not in seen]
    return cells, notes


# --------------------------------------------------------------------------------------------
# Running the child
# --------------------------------------------------------------------------------------------


def _read_progress(path: Path) -> list[dict]:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return []
    events = []
    for line in text.splitlines()[:100_000]:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            events.append(event)
    return events


def _fresh(path: Path, user: SandboxUser | None, mode: int = 0o600) -> int:
    """A new empty file at ``path`` in the child's folder, opened for writing: whatever the
    learner's code left there (a symbolic link to a file of the instructor's, say) is removed
    first, and the new file is created, never followed."""
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                 mode)
    if user is not None:
        os.fchown(fd, user.uid, user.gid)
    return fd


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.kill()
    except ProcessLookupError:
        pass
    proc.wait()


def _run_child(workdir: Path, limits: Limits, deadline: float,
               user: SandboxUser | None) -> tuple[str, dict | None, list[dict]]:
    """Run the child once. Returns (how it ended, the unfinished item or None, events)."""
    progress = workdir / "progress.jsonl"
    os.close(_fresh(progress, user))

    # The child sets these limits on itself before anything else (no learner code runs before).
    limit_args = [str(limits.cpu_s), str(limits.memory_mb * 2**20), str(limits.file_mb * 2**20),
                  "256" if user is not None else "-1"]
    cmd = [sys.executable, "-s", "-m", "nndl_lib.grading.outofkernel_child", str(workdir),
           *limit_args]
    kwargs: dict = {}
    if user is not None:
        cmd, kwargs = user.wrap(cmd)
    with os.fdopen(_fresh(workdir / "stderr.txt", None), "wb") as err:
        proc = subprocess.Popen(
            cmd, cwd=workdir, env=child_env(workdir), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=err, start_new_session=True, **kwargs)
    ended, started_at, current = "", time.monotonic(), None
    first_seen: dict[tuple, float] = {}
    try:
        while True:
            try:
                rc = proc.wait(timeout=0.05)
                ended = "exited" if rc == 0 else f"stopped (exit status {rc})"
                if rc < 0:
                    sig = -rc
                    ended = {signal.SIGKILL: "killed (memory or CPU limit?)",
                             signal.SIGXCPU: "stopped at the CPU-time limit",
                             signal.SIGSEGV: "crashed (segmentation fault)",
                             signal.SIGXFSZ: "stopped at the file-size limit"}.get(
                        sig, f"killed by signal {sig}")
                break
            except subprocess.TimeoutExpired:
                pass
            events = _read_progress(progress)
            current = _unfinished(events, first_seen)
            now = time.monotonic()
            if now > deadline:
                ended = "stopped: the submission's total time limit was reached"
                break
            if current is not None:
                limit = (limits.cell_s if current["what"] == "cell" else limits.case_s
                         ) + limits.grace_s
                if now - current["seen"] > limit:
                    ended = f"stopped after {limit:g} s (an endless loop?)"
                    break
                continue
            if now - started_at > 60 and not events:
                ended = "stopped: the grader's process did not start"
                break
    finally:
        if proc.poll() is None:
            _kill(proc)
        else:
            try:  # nothing the child started may outlive it
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    events = _read_progress(progress)
    return ended, _unfinished(events, first_seen), events


def _unfinished(events: list[dict], first_seen: dict[tuple, float]) -> dict | None:
    """The cell or case that started and has not ended, with the time we first saw it."""
    open_item = None
    for e in events:
        if e.get("event") == "start":
            open_item = (e.get("what"), e.get("index"))
        elif e.get("event") == "end":
            open_item = None
    if open_item is None:
        return None
    seen = first_seen.setdefault(open_item, time.monotonic())
    return {"what": open_item[0], "index": open_item[1], "seen": seen}


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
        outcomes, run_notes, attempts = _run(assignment, cells, planned, keys, limits,
                                             workroot, sandbox, audit_hook, watched)
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


def _run(assignment: Assignment, cells: list[dict], planned: list[PlannedCase],
         keys: list[str], limits: Limits, workroot: Path | None, sandbox: bool = True,
         audit_hook: bool = True, watched: tuple[str, ...] = ()
         ) -> tuple[dict[str, Any], list[str], list[str]]:
    notes: list[str] = []
    attempts: list[str] = []
    user = sandbox_user()
    workdir = Path(tempfile.mkdtemp(prefix="nndl-ook-", dir=workroot))
    try:
        os.chmod(workdir, 0o700)
        if user is not None:
            os.chown(workdir, user.uid, user.gid)
        skip_cells: list[int] = []
        skip_cases: list[str] = []
        outcomes: dict[str, Any] = {}
        deadline = time.monotonic() + limits.total_s
        cases = [{"key": k, "driver": p.driver, "data": p.case.data}
                 for k, p in zip(keys, planned, strict=True)]
        for _attempt in range(limits.restarts + 1):
            request = {"prelude": assignment.prelude, "cell_s": limits.cell_s,
                       "case_s": limits.case_s,
                       "allowed_modules": list(assignment.allowed_modules),
                       "cells": cells, "cases": cases, "skip_cells": skip_cells,
                       "skip_cases": skip_cases + list(outcomes),
                       "boundary": "landlock" if sandbox else "off",
                       "audit_hook": audit_hook, "watched": list(watched)}
            for f in ("request.json", "request.json.npz"):
                (workdir / f).unlink(missing_ok=True)  # never write through a planted link
            wire.dump(request, workdir / "request.json")
            for f in ("request.json", "request.json.npz"):
                os.chmod(workdir / f, 0o644)
            ended, unfinished, events = _run_child(workdir, limits, deadline, user)
            outcomes.update(_collect(workdir, keys, outcomes))
            failed = [e for e in events if e.get("event") == "boundary_failed"]
            if failed:
                notes.append("the operating-system sandbox could not be drawn "
                             f"({str(failed[0].get('reason'))[:200]}): no learner code was run")
                break
            attempts += [str(e.get("what"))[:300] for e in events
                         if e.get("event") == "refused"]
            for e in events:
                if e.get("event") == "end" and e.get("what") == "cell" and e.get("error"):
                    err = e["error"]
                    notes.append(f"cell {e.get('index')} raised {err.get('type')}: "
                                 f"{str(err.get('message'))[:200]}")
            if ended == "exited" and any(e.get("event") == "done" for e in events):
                break
            if ended == "exited":
                ended = "exited before it finished (sys.exit or os._exit?)"
            if unfinished is None:
                if not any(e.get("event") == "ready" for e in events):
                    notes.append(f"the grading process failed to start ({ended}); "
                                 f"{_tail(workdir / 'stderr.txt')}")
                    break
                notes.append(f"the grading process {ended} between steps")
                continue
            if unfinished["what"] == "cell":
                skip_cells.append(unfinished["index"])
                notes.append(f"cell {unfinished['index']} {ended}; it was skipped and the "
                             "rest graded without it")
            else:
                key = unfinished["index"]
                task = key.split("c")[0]
                for k in keys:  # this case and the rest of its task
                    if k == key or (k.split("c")[0] == task and k not in outcomes):
                        skip_cases.append(k)
                        outcomes[k] = wire.RaisedError(
                            "GradingTimeout", f"the grading process {ended} on "
                            + ("this case" if k == key else "an earlier case of this task"))
            if time.monotonic() > deadline:
                notes.append("the submission's total time limit was reached")
                break
        else:
            notes.append(f"the grading process stopped {limits.restarts + 1} times; the "
                         "remaining cases were not graded")
        return outcomes, _dedupe(notes), _dedupe(attempts)[:20]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _collect(workdir: Path, keys: list[str], have: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key in keys:
        if key in have:
            continue
        path = workdir / "out" / f"{key}.json"
        if not path.is_file():
            continue
        if path.is_symlink() or Path(str(path) + ".npz").is_symlink():
            out[key] = wire.RaisedError("OutputError", "a link instead of a result")
            continue
        try:
            out[key] = wire.load(path)
        except Exception as exc:  # malformed files written by learner code
            out[key] = wire.RaisedError("OutputError", f"unreadable result ({exc})")
    return out


def _tail(path: Path, n: int = 400) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


def _dedupe(notes: list[str]) -> list[str]:
    seen, out = set(), []
    for n in notes:
        if n not in seen:
            seen.add(n)
            out.append(n)
    return out
