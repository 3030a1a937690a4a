"""Who runs learner code: an unprivileged user for the grading processes, and the Python they run.

Where the grader runs as root, every process that runs learner code (the out-of-kernel child,
nbgrader's autograde of one submission and its kernel) is started as ``nobody`` (or
NNDL_SANDBOX_USER), so the operating system itself keeps it out of the course folder. Both the
user and the interpreter are probed once per process, exactly as they will be started.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nndl_lib

__all__ = ["PACKAGE_ROOT", "SandboxUser", "sandbox_user", "child_env", "kernel_python",
           "path_with_venv"]

#: the folder holding the nndl_lib package the grader itself runs (children import this one)
PACKAGE_ROOT = Path(nndl_lib.__file__).resolve().parents[1]


@dataclass(frozen=True)
class SandboxUser:
    """How to start a child as an unprivileged user: a command prefix (``setpriv``) or Popen
    keyword arguments (``user``/``group``), whichever works on this machine."""

    uid: int
    gid: int
    prefix: tuple[str, ...] = ()
    popen: tuple[tuple[str, Any], ...] = ()

    def wrap(self, cmd: list[str]) -> tuple[list[str], dict]:
        return [*self.prefix, *cmd], dict(self.popen)


_USER_PROBE: dict[str, SandboxUser | None] = {}


def child_env(workdir: Path) -> dict[str, str]:
    """The whole environment of a grading child: nothing inherited but PATH."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(PACKAGE_ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "HOME": str(workdir), "TMPDIR": str(workdir), "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(workdir), "LANG": "C.UTF-8",
    }


def sandbox_user(name: str = "nobody") -> SandboxUser | None:
    """An unprivileged user the grading children can run as, or None.

    Only when this process runs as root and the user exists: a probe child running as that
    user must start Python and import NumPy and the grading helpers (the project and the
    Python installation must be readable to it). Tries util-linux's ``setpriv`` first, then
    Popen's ``user``/``group``. NNDL_SANDBOX_USER names another user, or ``none`` to switch
    this off (the audit-hook guard and the limits then protect on their own).
    """
    name = os.environ.get("NNDL_SANDBOX_USER", name)
    if name in _USER_PROBE:
        return _USER_PROBE[name]
    result = None
    if name.lower() != "none" and hasattr(os, "geteuid") and os.geteuid() == 0:
        try:
            import pwd

            entry = pwd.getpwnam(name)
            uid, gid = entry.pw_uid, entry.pw_gid
            candidates = []
            setpriv = shutil.which("setpriv")
            if setpriv:
                candidates.append(SandboxUser(uid, gid, prefix=(
                    setpriv, f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--")))
            candidates.append(SandboxUser(uid, gid, popen=(
                ("user", uid), ("group", gid), ("extra_groups", []))))
            with tempfile.TemporaryDirectory(prefix="nndl-probe-") as tmp:
                os.chown(tmp, uid, gid)
                probe = [sys.executable, "-c",
                         "import os, numpy, nndl_lib.grading.outofkernel_child; "
                         f"assert os.getuid() == {uid}"]
                for candidate in candidates:
                    cmd, kwargs = candidate.wrap(probe)
                    try:
                        proc = subprocess.run(cmd, env=child_env(Path(tmp)), cwd=tmp,
                                              capture_output=True, timeout=60, **kwargs)
                    except (OSError, subprocess.SubprocessError):
                        continue
                    if proc.returncode == 0:
                        result = candidate
                        break
        except (KeyError, OSError):
            result = None
    _USER_PROBE[name] = result
    return result


@functools.cache
def _venv_bin() -> str:
    return str(Path(sys.executable).parent)


def path_with_venv() -> str:
    """PATH with this Python's bin folder first: nbgrader runs ``alembic`` from PATH."""
    return os.pathsep.join([_venv_bin(), os.environ.get("PATH", "/usr/bin:/bin")])


_KERNEL_PYTHON: dict[Any, tuple[str, dict]] = {}


def kernel_python(user: SandboxUser | None) -> tuple[str, dict]:
    """The interpreter the grading kernel runs with, and extra environment for it.

    Normally this Python. Where the sandbox user cannot execute it (a virtual environment
    whose base interpreter sits in a folder that user cannot enter), another interpreter of
    the same version that it can run, with this environment's site-packages on PYTHONPATH.
    Probed once per process.
    """
    key = None if user is None else (user.uid, user.prefix, user.popen)
    if key in _KERNEL_PYTHON:
        return _KERNEL_PYTHON[key]
    site = [p for p in sys.path if p.endswith("site-packages")]
    extra = {"PYTHONPATH": os.pathsep.join([str(PACKAGE_ROOT), *site])}
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    found = (sys.executable, {})
    if user is not None:
        candidates = [sys.executable]
        for name in (f"python{version}", "python3"):
            for folder in ("/usr/local/bin", "/usr/bin", "/bin"):
                exe = os.path.join(folder, name)
                if os.access(exe, os.X_OK):
                    candidates.append(exe)
        probe = ("import sys, ipykernel, numpy, nndl_lib.grading.autograde_kernel; "
                 f"assert sys.version.startswith('{version}')")
        # nbgrader (running as the user) starts the kernel with Popen: probe exactly that
        chooser = (
            "import json, os, subprocess, sys\n"
            "for exe in json.loads(sys.argv[1]):\n"
            "    for env in ({}, json.loads(sys.argv[2])):\n"
            "        try:\n"
            "            subprocess.run([exe, '-s', '-c', sys.argv[3]], check=True,\n"
            "                           capture_output=True, env={**os.environ, **env})\n"
            "        except Exception:\n"
            "            continue\n"
            "        print(json.dumps([exe, env]))\n"
            "        sys.exit(0)\n")
        with tempfile.TemporaryDirectory(prefix="nndl-probe-") as tmp:
            os.chown(tmp, user.uid, user.gid)
            cmd, kwargs = user.wrap([sys.executable, "-s", "-c", chooser,
                                     json.dumps(candidates), json.dumps(extra), probe])
            run_env = {"PATH": path_with_venv(), "HOME": tmp, "PYTHONPATH": str(PACKAGE_ROOT)}
            try:
                proc = subprocess.run(cmd, env=run_env, cwd=tmp, capture_output=True,
                                      timeout=300, **kwargs)
                if proc.returncode == 0 and proc.stdout.strip():
                    exe, env = json.loads(proc.stdout.decode().strip().splitlines()[-1])
                    found = (exe, env)
            except (OSError, subprocess.SubprocessError, ValueError):
                pass
    _KERNEL_PYTHON[key] = found
    return found
