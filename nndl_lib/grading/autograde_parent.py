"""nbgrader's autograde of one submission, isolated: a scratch course, a sandboxed kernel, and a
tripwire on the real course.

The scratch course holds the assignment's source, this one submission and a gradebook with only
the assignment; nbgrader runs there in its own process (as the sandbox user where possible) with
the kernel spec of :mod:`nndl_lib.grading.autograde_kernel`. The trusted parent reads the scratch
gradebook (read-only SQL) and the autograded notebook; :class:`Tripwire`
(:mod:`nndl_lib.grading.tripwire`) checks that nothing in the real course changed.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from nndl_lib.grading.autograde_kernel import REPORT_CLOSED, REPORT_OPEN
from nndl_lib.grading.tripwire import Tripwire
from nndl_lib.grading.users import PACKAGE_ROOT, SandboxUser, kernel_python, path_with_venv

__all__ = ["COURSE_ID", "nbgrader_in_scratch", "scratch_scores", "read_kernel_report",
           "write_fallback_autograded", "Tripwire"]

COURSE_ID = "nndl"


def nbgrader_in_scratch(course_root: Path, assignment: str, student: str, scratch: Path,
                        template: Path, user: SandboxUser | None, timeout: int, *,
                        sandbox: bool = True, audit_hook: bool = True) -> dict[str, Any]:
    """nbgrader autograde of one submission in its own scratch course (a subprocess).

    sandbox: the kernel draws the operating-system boundary (False: ``--no-sandbox``);
    audit_hook=False leaves the guard out of the kernel (tests of the boundary alone).
    """
    src_dir = course_root / "source" / assignment
    (scratch / "source").mkdir(parents=True)
    shutil.copytree(src_dir, scratch / "source" / assignment)
    shutil.copytree(course_root / "submitted" / student / assignment,
                    scratch / "submitted" / student / assignment)
    shutil.copy(template, scratch / "gradebook.db")
    home = scratch / "home"
    for sub in ("ipython", "tmp", "runtime", "mpl", "data"):
        (home / sub).mkdir(parents=True)
    autograded = scratch / "autograded"
    autograded.mkdir()
    # where the kernel's report reader writes: outside every folder the kernel may touch
    (scratch / "report").mkdir()
    report = scratch / "report" / "refused.txt"
    kernels = scratch / "jupyter" / "kernels" / "python3"
    kernels.mkdir(parents=True)
    python, python_env = kernel_python(user)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [python, "-s", "-m", "nndl_lib.grading.autograde_kernel", "-f",
                 "{connection_file}"],
        "display_name": "Python 3 (grading sandbox)", "language": "python",
        "env": python_env,
    }))
    (scratch / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.root = {str(scratch)!r}\n"
        f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
        f"c.Exchange.root = {str(scratch / 'exchange')!r}\n"
        f"c.ExecutePreprocessor.timeout = {int(timeout)}\n"
        "c.OverwriteCells.add_missing_cells = True\n")
    if user is not None:
        for p in [scratch, *scratch.rglob("*")]:
            os.lchown(p, user.uid, user.gid)
    env = {
        "PATH": path_with_venv(), "PYTHONPATH": str(PACKAGE_ROOT),
        "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0", "LANG": "C.UTF-8",
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2",
        "HOME": str(home), "TMPDIR": str(home / "tmp"), "IPYTHONDIR": str(home / "ipython"),
        "MPLCONFIGDIR": str(home / "mpl"), "MPLBACKEND": "Agg",
        "JUPYTER_PATH": str(scratch / "jupyter"),
        "JUPYTER_CONFIG_DIR": str(home / "jupyter_config"),
        "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "NNDL_SANDBOX_WRITE": os.pathsep.join([str(autograded), str(home)]),
        "NNDL_KERNEL_CPU_S": str(max(60, 4 * timeout)),
        "NNDL_KERNEL_MEMORY": str(2 * 2**30),
        "NNDL_KERNEL_FILE_SIZE": str(64 * 2**20),
        "NNDL_SANDBOX_BOUNDARY": "landlock" if sandbox else "off",
        "NNDL_SANDBOX_AUDIT_HOOK": "on" if audit_hook else "off",
        "NNDL_SANDBOX_REFUSED": str(report),
        "NNDL_SANDBOX_WATCH": str(course_root),
    }
    cmd = [sys.executable, "-s", "-m", "nndl_lib.grading.autograde_child", str(scratch), assignment,
           student]
    kwargs: dict = {}
    if user is not None:
        cmd, kwargs = user.wrap(cmd)
    n_cells = max(1, len(json.loads(
        next(src_dir.glob("*.ipynb")).read_text(encoding="utf-8"))["cells"]))
    wall = 120 + 2 * timeout * min(n_cells, 10)
    try:
        proc = subprocess.run(cmd, cwd=scratch, env=env, capture_output=True, timeout=wall,
                              start_new_session=True, **kwargs)
        ran = proc.returncode == 0
        log = proc.stderr.decode(errors="replace")[-2000:]
    except subprocess.TimeoutExpired:
        ran, log = False, f"nbgrader did not finish within {wall} s"
    result = {}
    try:
        result = json.loads((scratch / "result.json").read_text())
    except (OSError, ValueError):
        pass
    scores = scratch_scores(scratch / "gradebook.db", assignment, student)
    nb = next((scratch / "autograded" / student / assignment).glob("*.ipynb"), None) if (
        scratch / "autograded" / student / assignment).is_dir() else None
    ran = ran and bool(result.get("success")) and nb is not None
    refused = read_kernel_report(report, expected=ran and audit_hook)
    return {"ran": ran,
            "attempts": refused,
            "log": (result.get("log") or "") + (result.get("error") or "") + log,
            "scores": scores, "notebook": nb}


def read_kernel_report(report: Path, expected: bool) -> list[str]:
    """The attempts the kernel reported (see ``autograde_kernel._open_report``), at most ten.
    expected: the kernel ran with the guard, so its report must exist and say it was open
    from the start; where it does not, that is reported as an attempt."""
    lines: list[str] = []
    if report.is_file() and not report.is_symlink():
        with open(report, encoding="utf-8", errors="replace") as f:
            lines = [line.strip() for line in f.read(100_000).splitlines()]
    opened = bool(lines) and lines[0] == REPORT_OPEN
    # the channel's own alarm first: the flag keeps only the first few attempts
    refused = sorted({line for line in lines[1:] if line}, key=lambda a: (a != REPORT_CLOSED, a))
    refused = refused[:10]
    if expected and not opened:
        refused.insert(0, "the kernel's attempt report is missing or was rewritten")
    return refused


def scratch_scores(db: Path, assignment: str, student: str) -> dict[str, Any]:
    """The scratch gradebook's scores of one submission (read-only, plain sqlite)."""
    out: dict[str, Any] = {}
    if not db.is_file():
        return out
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            rows = con.execute(
                "SELECT bc.name, g.auto_score, g.needs_manual_grade FROM grade g "
                "JOIN base_cell bc ON g.cell_id = bc.id "
                "JOIN submitted_notebook sn ON g.notebook_id = sn.id "
                "JOIN submitted_assignment sa ON sn.assignment_id = sa.id "
                "JOIN assignment a ON sa.assignment_id = a.id "
                "WHERE sa.student_id = ? AND a.name = ?", (student, assignment)).fetchall()
            for name, auto, manual in rows:
                out[str(name)] = {"auto_score": None if auto is None else float(auto),
                                  "needs_manual_grade": bool(manual)}
            comments = con.execute(
                "SELECT bc.name, c.auto_comment FROM comment c "
                "JOIN base_cell bc ON c.cell_id = bc.id "
                "JOIN submitted_notebook sn ON c.notebook_id = sn.id "
                "JOIN submitted_assignment sa ON sn.assignment_id = sa.id "
                "JOIN assignment a ON sa.assignment_id = a.id "
                "WHERE sa.student_id = ? AND a.name = ?", (student, assignment)).fetchall()
            out["__comments__"] = [{"name": str(n), "auto_comment": None if c is None else
                                    str(c)[:500]} for n, c in comments]
        finally:
            con.close()
    except sqlite3.Error:
        return {}
    return out


def write_fallback_autograded(submitted: Path, dest: Path, source_nb: dict) -> None:
    """An autograded copy for a notebook nbgrader could not run: the submission (outputs
    cleared) with a note at the top, or the source's structure if unreadable."""
    try:
        nb = json.loads(submitted.read_text(encoding="utf-8"))
        if not isinstance(nb.get("cells"), list):
            raise ValueError
    except (OSError, ValueError):
        nb = json.loads(json.dumps(source_nb))
        for cell in nb["cells"]:
            nbg = (cell.get("metadata") or {}).get("nbgrader") or {}
            if nbg.get("solution"):
                cell["source"] = "(no readable answer)"
    for cell in nb["cells"]:
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
    nb["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "source":
                           "**nbgrader could not run this notebook** (its kernel died, e.g. "
                           "through `os._exit`, or it ran out of time): the in-kernel scores "
                           "are 0. The grade comes from the out-of-kernel pass; see its "
                           "report above."})
    dest.write_text(json.dumps(nb), encoding="utf-8")
