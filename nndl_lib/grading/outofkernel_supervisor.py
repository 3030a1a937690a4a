"""The out-of-kernel pass's supervision of its child: one grading child run under limits, and
restarted without the cell or case that stopped it.

The parent (:mod:`nndl_lib.grading.outofkernel_parent`) hands over the learner's cells and the
planned cases; this module writes the request into a fresh private folder, starts
:mod:`nndl_lib.grading.outofkernel_child` (as the sandbox user where there is one), watches its
progress file against the per-cell, per-case and total time limits, kills what overran, and
collects the outputs the child wrote. Nothing here compares or scores.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nndl_lib.grading import wire
from nndl_lib.grading.framework import Assignment
from nndl_lib.grading.task_spec import PlannedCase
from nndl_lib.grading.users import SandboxUser, child_env, sandbox_user

__all__ = ["Limits", "run_learner_code"]


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


def run_learner_code(assignment: Assignment, cells: list[dict], planned: list[PlannedCase],
                     keys: list[str], limits: Limits, workroot: Path | None,
                     sandbox: bool = True, audit_hook: bool = True,
                     watched: tuple[str, ...] = ()) -> tuple[dict[str, Any], list[str], list[str]]:
    """Run the learner's ``cells``, then the ``planned`` cases (named ``keys``), in the grading
    child, restarting it without whatever cell or case stopped it, at most ``limits.restarts``
    times. Returns (driver outputs by key, notes for the learner, what the guard refused)."""
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
