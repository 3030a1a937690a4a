"""Every hostile case of part 1, graded as an instructor grades: one class of assignment ``A``
(``NNDL_HOSTILE_ASSIGNMENT``, default below) where each case is one student's submission,
graded once through ``nndl-course`` (release, collect, autograde ``--jobs 2``, feedback,
grades ``--csv``) AS AN ORDINARY USER, with the course in a folder that user owns, as
``test_grading_ordinary_user.py`` does. The cells are part 1's (:mod:`hostile_cells`), placed
as part 1 places them: in place of an answer cell, in front of the reference answer, as an
added first or last cell.

The tasks a hostile cell wraps come from the assignment itself (:func:`targets`): ``T``, the
cheapest task whose answer is one function that no other answer calls and whose reference
lives in a library module learner code may not import (``T2``: the next one), and for
hard-coding, the first task whose answer stands alone and that has an example that is the same
for every student (a visible one).

Afterwards nothing outside the sandbox has changed (the course tree but the grader's own
outputs, the instructor's home, the other students' files; the tripwire restored nothing);
the honest student ``alice`` has full marks and no flag (but the written question's "manual
grading pending"); every row's autograded score is the out-of-kernel one; each hostile student
scores and is flagged as part 1 expects; and a student whose cell tries nothing the sandbox
refuses (a loop, an exit, an error, a broken notebook) is not flagged as having tried
(:data:`NO_ATTEMPT`):

=========================  ==============================================================
student                    part 1's case (test file: test)
=========================  ==============================================================
loop-in-function           sandbox: infinite loop in a graded function (costs T only)
loop-at-top                sandbox: infinite loop at the top of a cell
loop-ignoring-alarm        sandbox: a loop that ignores the alarm
huge-allocation            sandbox: huge allocation, in T's function and atop T2's cell
sys-exit                   sandbox: sys.exit in a cell
os-exit-at-top             sandbox: os._exit at the top of a cell
os-exit-in-function        sandbox: os._exit inside a graded function
syntax-error               sandbox: syntax error
deleted-answer             sandbox: deleted answer cell
edited-tests               sandbox: edited (T's) and deleted (T2's) test cells
patcher                    sandbox: monkeypatching numpy.testing and the checks
boaster                    sandbox: printing "all tests passed"
hard-coder                 sandbox: hard-coding the visible answers
copier                     sandbox: calling the reference (import, load by path, exec)
writer                     sandbox: writing into another student's folder or the gradebook
processes                  sandbox: processes, signals and ctypes
busy-threads               sandbox: fork bomb or thread storm (in the cell of the last
                           task called plainly, not trained: its kernel is starved; the
                           name sorts early, so its long nbgrader run overlaps the others)
liar                       sandbox: output that lies about its type
boundary                   boundary: every attack at once (with the audit hook in front)
prober                     boundary: an attempt is flagged, the learner is told "refused"
channel                    boundary: the kernel's report channel cannot be erased
issue19                    ordinary_user: issue 19's attack
vandal                     nbgrader_paths: issue 25's first cell
=========================  ==============================================================

Not expressible as a submission graded by ``nndl-course``, so not here:

- sandbox: *a child killed from outside* -- the test kills the grading child from the grader's
  side (a patched supervisor); a submission killing itself is ``os-exit-at-top``.
- sandbox: the reference and stub scores and the secret inputs each student gets -- not hostile
  (the reference is ``alice`` here).
- boundary: *the boundary alone* (the audit hook left out) -- ``nndl-course`` always runs the
  hook; ``test_grading_ordinary_user.py`` grades issue 19's attack that way as this user.
- boundary: *no boundary, no grading unless --no-sandbox* -- a property of the machine, not of
  a submission; *a missing or rewritten kernel report* -- a unit test of the parent's reader;
  *the tripwire restores the course after an escape* -- the escape is simulated in the grader.
- nbgrader_paths: plain ``nbgrader autograde``/``validate`` and formgrader's API -- other
  commands than ``nndl-course`` (their own test runs them, also as this user).

Slow: 24 submissions, each a kernel run by nbgrader and an out-of-kernel child, about 230 s of
CPU (measured on 2 shared cores: 4.5 to 5 minutes for ch02_backprop and ch03_improving; the
busy threads' starved kernel alone takes about 2 minutes, the three loops about 30 s each).

Skipped, with the reason, where there is no Landlock or no ordinary user can be made; under
``CI`` a setup that should work and fails is an error, not a skip.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import hostile_cells as hc
import numpy as np
import pytest
from grading_support import ASSIGNMENTS, COURSE, MODULES, learner_notebook, solution_code
from helpers import tree
from ordinary_user import ordinary_user_or_skip

from nndl_lib.grading import boundary
from nndl_lib.grading.gradebook import ATTEMPT_FLAG
from nndl_lib.grading.notebook_cells import nbgrader_meta

pytestmark = [pytest.mark.grading,
              pytest.mark.skipif(boundary.unavailable_reason() is not None,
                                 reason=f"no Landlock here: {boundary.unavailable_reason()}")]

#: the assignment the class hands in (any of the course's)
A = os.environ.get("NNDL_HOSTILE_ASSIGNMENT", "ch06_deep_learning")
CELL_TIMEOUT = 10  # nbgrader's, per cell
CASE_TIMEOUT = 3  # the out-of-kernel pass's, per graded call
HONEST = "alice"
#: what the instructor's own tools keep in the home (Jupyter's notebook signatures)
TOOLS = (".local/", ".cache/", ".jupyter/", ".ipython/")
#: what grading writes in the course folder
OUTPUTS = ("autograded/", "grading/", "gradebook.db", ".nbgrader.log")


# --- the tasks a hostile cell wraps, chosen from the assignment ------------------------------


def _only_function(code: str, name: str) -> bool:
    defs = [n for n in ast.parse(code).body
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]
    return [(type(d), d.name) for d in defs] == [(ast.FunctionDef, name)]


def _stands_alone(task, solutions: dict[str, str]) -> bool:
    """The answer is one function, quick to check, that no other answer calls (so breaking it
    costs its own task only)."""
    code = solutions.get(task.name)
    return (code is not None and _only_function(code, task.name)
            and not any(sc.costly for sc in task.subchecks)
            and not any(task.name in _names(other)
                        for name, other in solutions.items() if name != task.name))


def _names(code: str) -> set[str]:
    """Every name the code uses (not the words of its strings and comments)."""
    return {n.id for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Name)}


def _reference_module(module, task) -> str | None:
    """The library module of the task's reference, where learner code may not import it."""
    name = getattr(module.REFERENCES.get(task.name), "__module__", None) or ""
    return name if (name.startswith("nndl_lib.")
                    and name not in module.ASSIGNMENT.allowed_modules) else None


def _same(a: object, b: object) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype
                and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def _fixed_example(assignment, module, task) -> tuple[object, int, bool] | None:
    """(the reference's answer, its sub-check, whether that sub-check has no other case) for
    the first case of ``task`` that is the same for every student (a visible example to
    hard-code), else None."""
    first, again = assignment.plan(task, 0), assignment.plan(task, 12345)
    if [p.subcheck for p in first] != [p.subcheck for p in again]:
        return None
    for p, q in zip(first, again, strict=True):
        data = p.case.data
        if p.driver != "call" or set(data) != {"fn", "args"} or not _same(data, q.case.data):
            continue
        value = module.REFERENCES[task.name](*data["args"])
        try:
            hc.literal(value)
        except TypeError:
            continue
        return value, p.subcheck, sum(x.subcheck == p.subcheck for x in first) == 1
    return None


def targets(a: str = A) -> SimpleNamespace:
    """T and T2 (see the module docstring), their signatures and reference answers, T's
    reference module, and ``hard``: (task, its fixed example's answer, that example's sub-check,
    whether the sub-check is that example alone) or None."""
    if a not in ASSIGNMENTS:
        raise LookupError(f"NNDL_HOSTILE_ASSIGNMENT={a!r} is not an assignment of the course; "
                          f"known: {', '.join(ASSIGNMENTS)}")
    module = MODULES[a]
    assignment = module.ASSIGNMENT
    solutions = solution_code(a)
    alone = [t for t in assignment.tasks if _stands_alone(t, solutions)]
    wrapped = sorted((t for t in alone if _reference_module(module, t)), key=lambda t: t.points)
    if len(wrapped) < 2:
        raise LookupError(f"{a} has fewer than two tasks a hostile cell can wrap (one function "
                          "no other answer calls, its reference in a library module)")
    hard = next(((t.name, *v) for t in alone
                 if (v := _fixed_example(assignment, module, t)) is not None), None)
    # the last one that is plainly called (not a training run): the thread storm's cell
    last = [t for t in alone if {sc.driver for sc in t.subchecks} <= {"call", None}][-1].name
    t, t2 = wrapped[0].name, wrapped[1].name
    return SimpleNamespace(
        t=t, t2=t2, sig=hc.signature(solutions[t], t), ref=solutions[t], ref2=solutions[t2],
        last=last, ref_last=solutions[last],
        module=_reference_module(module, wrapped[0]), hard=hard,
        hard_sig=hard and hc.signature(solutions[hard[0]], hard[0]))


# --- the cases -------------------------------------------------------------------------------


@dataclass
class Case:
    student: str
    build: Callable[[SimpleNamespace], dict]  # ctx -> the submitted notebook
    check: Callable[[SimpleNamespace, SimpleNamespace], None]  # (ctx, the student's results)


def _replace(**cells: Callable[[SimpleNamespace], str]) -> Callable[[SimpleNamespace], dict]:
    """A notebook of the reference answers with cells replaced: {"t": ctx -> source} (the
    keys "t", "t2", "hard", "test_t", ... name ctx's tasks)."""
    def build(ctx):
        return learner_notebook(A, replace={_grade_id(ctx, k): f(ctx) for k, f in cells.items()})
    return build


def _grade_id(ctx, key: str) -> str:
    prefix = "test_" if key.startswith("test_") else ""
    key = key.removeprefix("test_")
    return prefix + (ctx.hard[0] if key == "hard" else getattr(ctx, key))


def _without(build, *keys: str) -> Callable[[SimpleNamespace], dict]:
    def without(ctx):
        nb = build(ctx)
        gone = {_grade_id(ctx, k) for k in keys}
        nb["cells"] = [c for c in nb["cells"] if nbgrader_meta(c).get("grade_id") not in gone]
        return nb
    return without


def _adding(cell: Callable[[SimpleNamespace], str], first: bool = False):
    def build(ctx):
        nb = learner_notebook(A)
        new = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
               "source": cell(ctx)}
        nb["cells"].insert(0 if first else len(nb["cells"]), new)
        return nb
    return build


def _loses(*keys: str, notes: tuple[str, ...] = (), task_notes: tuple[str, ...] = ()):
    """Only the tasks ``keys`` lose points; the record's notes hold each of ``notes`` ("{t}"
    stands for T's name) and T's own record each of ``task_notes``."""
    def check(ctx, s):
        assert s.lost == {_grade_id(ctx, k) for k in keys}, s.points
        said = " | ".join(s.notes)
        for n in notes:
            assert n.format(t=ctx.t) in said, (n, said[:1500])
        for n in task_notes:
            assert n in json.dumps(s.task[ctx.t]), (n, s.task[ctx.t])
    return check


def _zero(key: str, *also: Callable):
    def check(ctx, s):
        assert s.task[_grade_id(ctx, key)]["points"] == 0, s.task[_grade_id(ctx, key)]
        for c in also:
            c(ctx, s)
    return check


def _full_and_flagged(*kernel_says: str, flag_says: tuple[str, ...] = ()):
    """The reference answers still score full marks; the attempt is flagged (CSV and the
    autograde output); the kernel's notebook and the out-of-kernel notes say ``kernel_says``
    (e.g. "ALL REFUSED") and never "NOT REFUSED"."""
    def check(ctx, s):
        assert s.lost == set(), s.points
        assert ATTEMPT_FLAG in s.row["flag"], s.row["flag"]
        line = ctx.said.split(f"\n  {s.name}: ", 1)[1].split("\n")[0]
        assert "  [" in line, line  # flagged in the autograde output too (cut at 200 chars)
        for f in flag_says:
            assert f in s.row["flag"], (f, s.row["flag"][:1500])
        assert "NOT REFUSED" not in s.kernel and "NOT REFUSED" not in " ".join(s.notes)
        for k in kernel_says:
            assert k in s.kernel, (k, s.kernel[-1500:])
    return check


def _both(*checks: Callable) -> Callable:
    def check(ctx, s):
        for c in checks:
            c(ctx, s)
    return check


def _hard_coding(ctx, s):
    name, _, subcheck, alone = ctx.hard
    task = s.task[name]
    assert task["points"] < task["max_points"], task  # the random checks are lost
    if alone:  # the visible example is a sub-check of its own: that one passes
        assert task["subchecks"][subcheck]["passed"] and task["points"] > 0, task
    assert s.lost == {ctx.hard[0]}


def _thread_storm(ctx, s):
    # it may starve its own calls (any task called after its cell ran), no one else's: the
    # honest student, graded beside it, is checked for the class
    assert float(s.row["autograded_score"]) <= float(s.row["autograded_max"]), s.row


def _boundary(ctx, s):
    _full_and_flagged("ALL REFUSED")(ctx, s)
    assert "ALL REFUSED" in " ".join(s.notes), s.notes  # the out-of-kernel child too
    assert ctx.witness.poll() is None  # the instructor's process got no signal it died of
    try:
        ctx.listener.accept()
        raise AssertionError("the submission connected to a port on 127.0.0.1")
    except BlockingIOError:
        pass


def _prober(ctx, s):
    _full_and_flagged(flag_says=("sandbox refused", "x.txt", "in the kernel"))(ctx, s)
    assert "The grader refused it" in s.feedback and f"{ATTEMPT_FLAG}:" not in s.feedback


def _channel(ctx, s):
    _full_and_flagged(flag_says=("x.txt", "in the kernel",
                                 "report channel was closed from inside the kernel"))(ctx, s)
    said = s.kernel[s.kernel.index("CHANNEL {"):].split("\\n")[0]
    assert "DONE" not in said and "truncated" not in said and "'closed'" in said, said


def _issue19(ctx, s):
    _full_and_flagged("ALL REFUSED", flag_says=("os.symlink",))(ctx, s)
    assert "ALL REFUSED" in " ".join(s.notes), s.notes


def _processes(ctx, s):
    assert s.lost == set(), s.points
    assert ATTEMPT_FLAG in s.row["flag"], s.row["flag"]
    assert "nbgrader could not run" not in s.row["flag"]  # its kernel survived the kill too


CASES = [
    Case("loop-in-function", _replace(t=lambda c: hc.loop_in_function(c.sig)),
         _loses("t", notes=("{t}: a call ran out of time",))),
    Case("loop-at-top", _replace(t=lambda c: hc.LOOP_AT_TOP),
         _loses("t", notes=("GradingTimeout",))),
    Case("loop-ignoring-alarm", _replace(t=lambda c: hc.loop_ignoring_alarm(c.sig)),
         _loses("t", notes=("{t}: a call ran out of time",))),
    Case("huge-allocation",
         _replace(t=lambda c: hc.huge_allocation_in_function(c.sig),
                  t2=lambda c: hc.HUGE_ALLOCATION_AT_TOP + c.ref2),
         _loses("t", "t2", task_notes=("MemoryError",))),
    Case("sys-exit", _replace(t=lambda c: hc.SYS_EXIT), _loses("t", notes=("SystemExit",))),
    Case("os-exit-at-top", _replace(t=lambda c: hc.OS_EXIT_AT_TOP),
         _loses("t", notes=("exited before it finished",))),
    Case("os-exit-in-function", _replace(t=lambda c: hc.os_exit_in_function(c.sig)),
         _loses("t")),
    Case("syntax-error", _replace(t=lambda c: hc.syntax_error(c.sig)),
         _loses("t", notes=("SyntaxError",))),
    Case("deleted-answer", _without(lambda c: learner_notebook(A), "t"),
         _loses("t", notes=("'{t}' is missing",))),
    Case("edited-tests",
         _without(_replace(test_t=lambda c: hc.EDITED_TEST_CELL,
                           t=lambda c: hc.returning(c.sig, "None")), "test_t2"),
         _loses("t")),
    Case("patcher", _replace(t=lambda c: hc.PATCHES + hc.returning(c.sig, "None")),
         _zero("t", _loses("t"))),
    Case("boaster", _replace(t=lambda c: hc.BOAST + hc.returning(c.sig, "0.123")), _zero("t")),
    Case("hard-coder", _replace(hard=lambda c: hc.hard_coded(c.hard_sig, c.hard[1])),
         _hard_coding),
    Case("copier", _replace(t=lambda c: hc.reference_attempts(c.module, c.t)),
         _zero("t", _loses("t", notes=("not importable while your work is graded",),
                           task_notes=("reference modules cannot be imported",)))),
    Case("writer", _replace(t=lambda c: hc.write_attacks(c.root, c.honest_nb) + "\n" + c.ref),
         _both(_loses(), _full_and_flagged())),
    Case("processes", _replace(t=lambda c: hc.process_attacks(c.root) + "\n" + c.ref),
         _processes),
    Case("busy-threads", _replace(last=lambda c: hc.THREAD_STORM + c.ref_last), _thread_storm),
    Case("liar", _replace(t=lambda c: hc.liar(c.sig)), _zero("t")),
    Case("boundary", _adding(lambda c: hc.boundary_attack(
        c.root, c.home, c.listener.getsockname()[1], c.witness.pid, A, HONEST,
        guard_refusals=True)), _boundary),
    Case("prober", _adding(lambda c: hc.probe_home(c.home)), _prober),
    Case("channel", _adding(lambda c: hc.report_channel(c.home)), _channel),
    Case("issue19", _adding(lambda c: hc.issue19_attack(c.root, c.home, A, HONEST)), _issue19),
    Case("vandal", _adding(lambda c: hc.vandal(c.root, c.home), first=True),
         _full_and_flagged("VANDAL HIT [] REFUSED")),
]


#: the students whose cells try nothing the sandbox refuses
NO_ATTEMPT = {"loop-in-function", "loop-at-top", "loop-ignoring-alarm", "huge-allocation",
              "sys-exit", "os-exit-at-top", "os-exit-in-function", "syntax-error",
              "deleted-answer", "edited-tests", "boaster", "hard-coder", "busy-threads", "liar"}


# --- the class, graded -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def user():
    return ordinary_user_or_skip()


def _results(root: Path, rows: dict, student: str) -> SimpleNamespace:
    record = json.loads((root / "grading" / A / f"{student}.json").read_text())
    ook = record["out_of_kernel"]
    tasks = {t["task"]: t for t in ook["tasks"]}
    notes = [*ook["notes"], *(n for t in ook["tasks"] for n in t["notes"])]
    kernel = "".join(p.read_text() for p in (root / "autograded" / student / A).glob("*.ipynb"))
    feedback = "".join(p.read_text() for p in (root / "feedback" / student / A).glob("*.html"))
    return SimpleNamespace(
        name=student, row=rows[student], record=record, task=tasks, notes=notes,
        points={n: t["points"] for n, t in tasks.items()},
        lost={n for n, t in tasks.items() if t["points"] < t["max_points"]},
        kernel=kernel, feedback=feedback)


def _diff(before: dict, after: dict) -> dict:
    return {k: (before.get(k), after.get(k)) for k in sorted(set(before) | set(after))
            if before.get(k) != after.get(k)}


def test_a_hostile_class_graded_as_an_ordinary_user_harms_nobody(user):
    ctx = targets()
    cases = [c for c in CASES if c.student != "hard-coder" or ctx.hard is not None]
    if ctx.hard is None:
        print(f"\n{A}: no task has an example the same for every student: no hard-coder")
    base = Path(tempfile.mkdtemp(prefix="nndl-hostile-class-"))
    listener = socket.socket()
    witness = None
    try:
        os.chmod(base, 0o755)
        root, downloads = base / "exercises", base / "downloads"
        shutil.copytree(COURSE / "source", root / "source")
        shutil.copy(COURSE / "nbgrader_config.py", root)
        (root / ".course_secret").write_text("s3cret\n")
        downloads.mkdir()
        for p in [base, *base.rglob("*")]:
            os.lchown(p, user.uid, user.gid)
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)
        listener.setblocking(False)
        # a process of the instructor's, outside the sandbox, for the boundary case to signal
        witness = subprocess.Popen([*user.prefix, "sleep", "600"], env=user.env())
        ctx.root, ctx.home, ctx.listener, ctx.witness = root, user.home, listener, witness
        ctx.honest_nb = root / "submitted" / HONEST / A / f"{A}.ipynb"
        timings = {}

        def course(*args: str) -> str:
            start = time.monotonic()
            proc = user.run([user.python, "-m", "nndl_lib.grading.cli", "--course",
                             str(root), *args], cwd=base)
            timings[args[0]] = time.monotonic() - start
            assert proc.returncode == 0, (args, proc.stdout[-3000:], proc.stderr[-3000:])
            return proc.stdout

        course("release", A)
        (downloads / f"{HONEST}_0_{A}.ipynb").write_text(json.dumps(learner_notebook(A)))
        for i, case in enumerate(cases, start=1):
            (downloads / f"{case.student}_{i}_{A}.ipynb").write_text(json.dumps(
                case.build(ctx)))
        for p in downloads.iterdir():
            os.lchown(p, user.uid, user.gid)
        course("collect", A, str(downloads))
        outside = {"course": tree(root, skip=OUTPUTS), "home": tree(user.home, skip=TOOLS)}
        ctx.said = course("autograde", A, "--jobs", "2", "--cell-timeout", str(CELL_TIMEOUT),
                          "--case-timeout", str(CASE_TIMEOUT))
        after_autograde = tree(root, skip=OUTPUTS)
        course("feedback", A)
        csv_path = base / "grades.csv"
        course("grades", "--csv", str(csv_path))
        rows = {r["student"]: r for r in csv.DictReader(csv_path.open())}
        print(f"\n{A}: T={ctx.t}, T2={ctx.t2}, hard-coded={ctx.hard and ctx.hard[0]}; "
              f"{len(cases) + 1} students; "
              + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))

        print(ctx.said)
        failed = []

        def expect(ok: bool, what: str) -> None:
            if not ok:
                failed.append(what)

        # nothing outside the sandbox changed: the course (source, release, every submission,
        # the configuration, the secret), the instructor's home; the tripwire restored nothing
        expect(after_autograde == outside["course"], "the course changed in autograde: "
               f"{_diff(outside['course'], after_autograde)}")
        after_feedback = tree(root, skip=(*OUTPUTS, "feedback/"))
        expect(after_feedback == outside["course"],
               f"the course changed in feedback: {_diff(outside['course'], after_feedback)}")
        home_now = tree(user.home, skip=TOOLS)
        expect(home_now == outside["home"],
               f"the home changed: {_diff(outside['home'], home_now)}")
        restored = [s for s, r in rows.items() if "changed files it must not touch" in r["flag"]]
        expect(not restored, f"the tripwire restored files after {restored}")
        # the whole class is graded; every grade is the out-of-kernel pass's
        assert set(rows) == {HONEST, *(c.student for c in cases)}, sorted(rows)
        results = {s: _results(root, rows, s) for s in rows}
        for s, r in results.items():
            expect(float(r.row["autograded_score"]) == pytest.approx(
                r.record["out_of_kernel"]["points"], abs=1e-3),
                f"{s}: the CSV's score is not the out-of-kernel one: {r.row}")
        # the honest student: full marks, no flag, a feedback page
        honest = results[HONEST]
        expect(honest.lost == set() and bool(honest.feedback)
               and honest.row["flag"] in ("", "manual grading pending")
               and honest.row["autograded_score"] == honest.row["autograded_max"],
               f"{HONEST}: {honest.row}")
        # each hostile student as part 1 expects
        for case in cases:
            try:
                case.check(ctx, results[case.student])
            except AssertionError as err:
                failed.append(f"{case.student}: {str(err)[:1500]}")
            if case.student in NO_ATTEMPT:
                expect(ATTEMPT_FLAG not in results[case.student].row["flag"],
                       f"{case.student} is flagged as an attempt: "
                       f"{results[case.student].row['flag'][:600]}")
        for case in cases:
            s = results[case.student]
            print(f"  {case.student}: {s.row['autograded_score']}/{s.row['autograded_max']}"
                  f" lost {sorted(s.lost)}  flag: {s.row['flag'][:120]}")
        assert not failed, "\n".join(failed)
    finally:
        listener.close()
        if witness is not None:
            witness.kill()
            witness.wait()
        shutil.rmtree(base, ignore_errors=True)
