"""The real gradebook: merging one student's results into it, overrides, records, grade rows.

Only the trusted parent writes here. For each autograded test cell, nbgrader's in-kernel score
becomes the cell's ``auto_score``; where the out-of-kernel score differs it is written as the
cell's ``manual_score`` (which nbgrader's totals prefer) unless an instructor set one; the reasons
go to ``grading/<assignment>/<student>.json`` and the grade CSV's ``flag``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import html
import json
import re
import shutil
import sqlite3
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nndl_lib.grading import flags as F
from nndl_lib.grading.autograde_parent import COURSE_ID, write_fallback_autograded
from nndl_lib.grading.notebook_cells import changed_locked_cells
from nndl_lib.grading.outofkernel_parent import SubmissionResult

__all__ = ["Outcome", "TEST_PREFIX", "quiet", "backup_gradebook", "merge_results",
           "grade_rows", "read_json", "inject_report", "with_instructor_scores",
           "cache_alembic_head", "ATTEMPT_FLAG"]

TEST_PREFIX = "test_"
#: start of the flag of a submission that tried something the sandbox refused
ATTEMPT_FLAG = F.ATTEMPT


@dataclass
class Outcome:
    """What autograde did for one student."""

    student: str
    in_kernel: float | None
    out_of_kernel: float
    max_points: float
    flags: list[str] = field(default_factory=list)
    seconds: float = 0.0


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """No warnings (nbgrader's SQLAlchemy warnings are noise)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def backup_gradebook(root: Path) -> Path | None:
    """A consistent copy of ``root/gradebook.db`` in ``root/grading/backups/`` (the last 20
    are kept)."""
    gradebook = root / "gradebook.db"
    if not gradebook.is_file():
        return None
    folder = root / "grading" / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    dest = folder / f"gradebook-{stamp}.db"
    with sqlite3.connect(gradebook) as src, sqlite3.connect(dest) as dst:
        src.backup(dst)
    for old in sorted(folder.glob("gradebook-*.db"))[:-20]:
        old.unlink()
    return dest


def merge_results(root: Path, db_url: str, assignment: str, student: str, src: Path,
                  source_nb: dict, in_kernel: dict, scratch: Path, ook: SubmissionResult,
                  tampered: list[str]) -> Outcome:
    """Write one student's results into the real gradebook and course folders: in-kernel
    scores, out-of-kernel overrides, the autograded notebook (for feedback) and the record."""
    from nbgrader.api import Gradebook

    nb_name = src.stem
    cells = _grade_cells(source_nb)
    record_path = root / "grading" / assignment / f"{student}.json"
    previous = read_json(record_path)
    flags: list[str] = []
    ran = in_kernel["ran"]
    if not ran:
        flags.append(f"{F.KERNEL_DIED} (its kernel died or timed out): in-kernel scores "
                     "set to 0")
    if tampered:
        flags.append(f"{F.TAMPERED}, restored: {tampered[:3]}")
    if ook.sandbox == "off":
        flags.append(f"{F.NO_SANDBOX} (--no-sandbox)")
    edited, deleted = _changed_locked(root / "release" / assignment / src.name,
                                      root / "submitted" / student / assignment / src.name)
    if edited or deleted:
        flags.append(f"{F.LOCKED}: edited {edited}; deleted {deleted}")
    attempts = [*ook.attempts, *(f"in the kernel: {a}" for a in in_kernel.get("attempts", []))]
    if attempts:
        flags.append(f"{ATTEMPT_FLAG}: {'; '.join(attempts[:4])[:500]}")
    timestamp = _read_timestamp(root / "submitted" / student / assignment)
    overrides: dict[str, float] = {}
    kept: list[str] = []
    in_kernel_total = 0.0
    with quiet(), Gradebook(db_url, course_id=COURSE_ID) as gb:
        gb.update_or_create_student(student)
        if timestamp:
            gb.update_or_create_submission(assignment, student, timestamp=timestamp)
        else:
            gb.update_or_create_submission(assignment, student)
        for name, info in cells.items():
            grade = gb.find_grade(name, nb_name, assignment, student)
            scratch_score = in_kernel["scores"].get(name, {})
            if info["manual"]:
                grade.auto_score = scratch_score.get("auto_score") if ran else None
                grade.needs_manual_grade = (scratch_score.get("needs_manual_grade", True)
                                            if ran else True)
                continue
            auto = float(scratch_score.get("auto_score") or 0.0) if ran else 0.0
            grade.auto_score = auto
            grade.needs_manual_grade = False
            in_kernel_total += auto
            task = name[len(TEST_PREFIX):] if name.startswith(TEST_PREFIX) else None
            if task is None or task not in {t.task for t in ook.tasks}:
                continue
            oof = ook.task(task).points
            ours_before = previous.get("overrides", {}).get(name)
            instructor = grade.manual_score is not None and grade.manual_score != ours_before
            if instructor:
                kept.append(name)
                continue
            if abs(oof - auto) > 1e-9:
                grade.manual_score = oof
                overrides[name] = oof
            else:
                grade.manual_score = None
        for comment in in_kernel["scores"].get("__comments__", []):
            with contextlib.suppress(Exception):
                c = gb.find_comment(comment["name"], nb_name, assignment, student)
                c.auto_comment = comment["auto_comment"]
        gb.db.commit()
    # the autograded notebook, for feedback
    dest = root / "autograded" / student / assignment
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    if ran:
        for f in (scratch / "autograded" / student / assignment).iterdir():
            if f.is_file():
                shutil.copy(f, dest / f.name)
    else:
        write_fallback_autograded(root / "submitted" / student / assignment / src.name,
                                   dest / src.name, source_nb)
    diff = [t for t in ook.tasks if f"{TEST_PREFIX}{t.task}" in overrides]
    if diff:
        flags.append(
            f"{F.OVERRIDDEN} {ook.points:g}/{ook.max_points:g} differs from in-kernel "
            f"{in_kernel_total:g}/{ook.max_points:g}; out-of-kernel recorded for "
            + ", ".join(f"{t.task} ({t.points:g}/{t.max_points:g}: {_why(t)})"
                        for t in diff))
    if kept:
        flags.append(f"{F.INSTRUCTOR} {kept}")
    flags += [f"{F.NOTE}{n}" for n in ook.notes[:5]]
    record = {
        "student": student, "assignment": assignment,
        "graded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "in_kernel": in_kernel_total if ran else None, "in_kernel_ran": ran,
        "in_kernel_log": in_kernel["log"][-1500:] if not ran else "",
        "out_of_kernel": ook.to_dict(), "overrides": overrides, "flags": flags,
    }
    record_path.parent.mkdir(parents=True, exist_ok=True)
    record_path.write_text(json.dumps(record, indent=1))
    return Outcome(student, in_kernel_total if ran else None, ook.points, ook.max_points,
                   flags)


def grade_rows(root: Path, db_url: str) -> list[dict[str, Any]]:
    """One row per (student, assignment): score and max_score as nbgrader computes them
    (manual scores, including the out-of-kernel overrides, over automatic ones), the
    autograded part, and the flag explaining any difference or problem."""
    from nbgrader.api import Gradebook, MissingEntry

    rows = []
    if not (root / "gradebook.db").is_file():
        return rows
    with quiet(), Gradebook(db_url, course_id=COURSE_ID) as gb:
        for assignment in gb.assignments:
            for student in gb.students:
                record = read_json(root / "grading" / assignment.name /
                                    f"{student.id}.json")
                try:
                    sub = gb.find_submission(assignment.name, student.id)
                except MissingEntry:
                    rows.append({"student": student.id, "assignment": assignment.name,
                                 "score": 0.0, "max_score": assignment.max_score,
                                 "flag": "no submission", "autograded_score": 0.0,
                                 "autograded_max": assignment.max_code_score,
                                 "needs_manual_grade": False})
                    continue
                flags = list(record.get("flags", []))
                if sub.needs_manual_grade:
                    flags.append("manual grading pending")
                rows.append({
                    "student": student.id, "assignment": assignment.name,
                    "score": round(float(sub.score), 4),
                    "max_score": float(sub.max_score),
                    "flag": "; ".join(flags),
                    "autograded_score": round(float(sub.code_score), 4),
                    "autograded_max": float(sub.max_code_score),
                    "needs_manual_grade": bool(sub.needs_manual_grade),
                })
    return rows


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _read_timestamp(folder: Path) -> str | None:
    path = folder / "timestamp.txt"
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


def _changed_locked(released: Path, submitted: Path) -> tuple[list[str], list[str]]:
    """The locked code cells the submission edited or deleted (none where either notebook
    cannot be read: the out-of-kernel pass says so)."""
    try:
        return changed_locked_cells(json.loads(released.read_text(encoding="utf-8")),
                                    json.loads(submitted.read_text(encoding="utf-8")))
    except (OSError, ValueError, AttributeError, TypeError):
        return [], []


def _why(task: Any) -> str:
    failed = [s for s in task.subresults if not s.passed]
    if not failed:
        return "in-kernel score was lower"
    first = failed[0]
    msg = first.result.message.split(": ", 1)[-1] if first.result is not None else ""
    return f"{first.name}: {msg}"[:160]


def _grade_cells(source_nb: dict) -> dict[str, dict]:
    cells = {}
    for cell in source_nb.get("cells", []):
        nbg = (cell.get("metadata") or {}).get("nbgrader") or {}
        if nbg.get("grade"):
            cells[nbg["grade_id"]] = {"manual": bool(nbg.get("solution")) or
                                      cell.get("cell_type") != "code",
                                      "points": float(nbg.get("points", 0))}
    return cells


def with_instructor_scores(db_url: str, assignment: str, student: str, source_nb: dict,
                           nb_name: str, record: dict) -> dict:
    """``record`` as the gradebook stands now (for the feedback page): an automatically graded
    cell whose manual score the instructor set (formgrader) since autograde is flagged as the
    instructor's (:data:`flags.INSTRUCTOR`), and no longer as an out-of-kernel override."""
    from nbgrader.api import Gradebook, MissingEntry

    if not record:
        return record
    ours = record.get("overrides", {})
    changed = []
    with quiet(), Gradebook(db_url, course_id=COURSE_ID) as gb:
        for name, info in _grade_cells(source_nb).items():
            if info["manual"]:
                continue
            try:
                grade = gb.find_grade(name, nb_name, assignment, student)
            except MissingEntry:
                continue
            if grade.manual_score is None:
                continue
            before = ours.get(name, grade.auto_score)
            if before is None or abs(float(grade.manual_score) - float(before)) > 1e-9:
                changed.append(name)
    overrides = {k: v for k, v in ours.items() if k not in changed}
    flags = [f for f in record.get("flags", []) if not f.startswith(F.INSTRUCTOR)
             and (overrides or not f.startswith(F.OVERRIDDEN))]
    flags += [f"{F.INSTRUCTOR} {changed}"] if changed else []
    return {**record, "overrides": overrides, "flags": flags}


def inject_report(page: str, record: dict) -> str:
    if not record:
        return page
    ook = record.get("out_of_kernel", {})
    lines = [f"Grade decided outside your notebook: {ook.get('points', 0):g} of "
             f"{ook.get('max_points', 0):g} autograded points "
             "(every task run again on inputs drawn for you, in a separate process)."]
    for task in ook.get("tasks", []):
        lines.append(f"\n{task['task']}: {task['points']:g} of {task['max_points']:g} points")
        for sc in task["subchecks"]:
            mark = "pass" if sc["passed"] else "FAIL"
            lines.append(f"  {mark}  {sc['max_points']:>4g}  {sc['name']}")
            if not sc["passed"]:
                if sc["case"]:
                    lines.append(f"              case: {sc['case']}")
                lines.append(f"              {sc['message']}")
        lines += [f"  note: {n}" for n in task.get("notes", [])]
    # the flags in the learner's words (the notes of the run among them): what was refused or
    # overridden and why, never what the instructor's flag says was tried
    said = F.learner_flags(record)
    block = ("<section id='nndl-grade-report' style='border:2px solid #446;padding:1em;"
             "margin:1em'><h2>Your grade</h2><pre style='white-space:pre-wrap'>"
             + html.escape("\n".join(lines)) + "</pre>"
             + ("<div id='nndl-grade-flags'><h3>How your notebook was graded</h3><ul>"
                + "".join(f"<li>{html.escape(s)}</li>" for s in said) + "</ul></div>"
                if said else "")
             + "</section>")
    match = re.search(r"<body[^>]*>", page)
    if match is None:
        return block + page
    return page[: match.end()] + block + page[match.end():]


_ALEMBIC: dict[str, str] = {}


def _alembic_head_from_scripts() -> str | None:
    """The newest revision among nbgrader's own alembic scripts (the one no other revises)."""
    import nbgrader

    folder = Path(nbgrader.__file__).parent / "alembic" / "versions"
    revisions, downs = set(), set()
    for script in folder.glob("*.py"):
        text = script.read_text(encoding="utf-8")
        rev = re.search(r"^revision\s*=\s*['\"]([0-9a-f]+)['\"]", text, re.M)
        down = re.search(r"^down_revision\s*=\s*['\"]([0-9a-f]+)['\"]", text, re.M)
        if rev:
            revisions.add(rev.group(1))
        if down:
            downs.add(down.group(1))
    heads = revisions - downs
    return heads.pop() if len(heads) == 1 else None


def cache_alembic_head(gradebook: Path) -> None:
    """nbgrader stamps a new gradebook by running the ``alembic`` command (seconds each time):
    read the head revision from nbgrader's alembic scripts (or an existing gradebook) instead,
    falling back to the command once per process."""
    import nbgrader.api as nbapi

    if "head" not in _ALEMBIC:
        head = _alembic_head_from_scripts()
        if head is None and gradebook.is_file():
            with contextlib.suppress(sqlite3.Error):
                con = sqlite3.connect(f"file:{gradebook}?mode=ro", uri=True)
                try:
                    row = con.execute("SELECT version_num FROM alembic_version").fetchone()
                finally:
                    con.close()
                head = str(row[0]) if row else None
        if head:
            _ALEMBIC["head"] = head
    original = getattr(nbapi.get_alembic_version, "__wrapped__", nbapi.get_alembic_version)

    @functools.wraps(original)
    def cached() -> str:
        if "head" not in _ALEMBIC:
            _ALEMBIC["head"] = original()
        return _ALEMBIC["head"]

    nbapi.get_alembic_version = cached
