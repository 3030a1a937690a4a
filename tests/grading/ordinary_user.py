"""An ordinary (unprivileged) user to run ``nndl-course`` as, for the tests that must not rely on
root: the way instructors grade.

CI runs as root, so :func:`ordinary_user` creates one (``useradd``) and gives it a Python it can
execute: the project's virtual environment usually links into the root user's home (a pyenv
Python), which an ordinary user cannot enter. So a second virtual environment is made from a
system Python of the same version (``/usr/bin/python3.X``, no pip), whose ``site-packages``
holds one ``.pth`` line naming this environment's own ``site-packages`` (read-only; compiled
extensions are for the same Python version), and whose ``share/jupyter`` and ``etc/jupyter``
link to this environment's (nbconvert's templates, server extensions). Where a package here
requires a newer Python than that system one (an older patch release), its newest release for
that Python is installed in front of it (pip, ``--target``). It is cached under
``_build/ordinary-user/``
(making it takes well under a second) and probed once as that user. The project's code comes
from ``PYTHONPATH`` (this checkout), exactly as the grading children get it.

Run as an ordinary user already, the tests use that user and this Python as they are.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from helpers import ROOT

__all__ = ["OrdinaryUser", "ordinary_user", "ordinary_user_or_skip", "USER_NAME"]

USER_NAME = "nndl-instructor"
CACHE = ROOT / "_build" / "ordinary-user"


@dataclass(frozen=True)
class OrdinaryUser:
    name: str
    uid: int
    gid: int
    home: Path
    python: str
    prefix: tuple[str, ...]  # the command prefix that runs a command as this user

    def env(self, **extra: str) -> dict[str, str]:
        return {"PATH": os.pathsep.join([str(Path(self.python).parent), "/usr/bin", "/bin"]),
                "HOME": str(self.home), "PYTHONPATH": str(ROOT), "LANG": "C.UTF-8",
                "PYTHONDONTWRITEBYTECODE": "1", "USER": self.name, "LOGNAME": self.name,
                "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", **extra}

    def run(self, args: list[str], cwd: Path, timeout: float = 600,
            **extra_env: str) -> subprocess.CompletedProcess:
        return subprocess.run([*self.prefix, *args], cwd=cwd, env=self.env(**extra_env),
                              capture_output=True, text=True, timeout=timeout)


def _system_python() -> str | None:
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    for folder in ("/usr/bin", "/usr/local/bin", "/bin"):
        exe = os.path.join(folder, f"python{version}")
        if os.access(exe, os.X_OK):
            return exe
    return None


def _venv_for_others() -> str:
    """A virtual environment an ordinary user can run (see the module docstring); cached."""
    base = _system_python()
    if base is None:
        raise RuntimeError(f"no system python{sys.version_info[0]}.{sys.version_info[1]} "
                           "(/usr/bin/python3.X) to make a virtual environment an ordinary "
                           "user can run; tools/system_deps.sh installs python3 and "
                           "python3-venv")
    sites = [p for p in sys.path if p.endswith(("site-packages", "dist-packages"))
             and os.path.isdir(p)]
    venv = CACHE / "venv"
    # Jupyter's data and config files of this environment (nbconvert's templates, which nbgrader's
    # feedback renders with; kernel specs; server extensions), linked where that Python looks
    jupyter = [d for d in ("share/jupyter", "etc/jupyter") if (Path(sys.prefix) / d).is_dir()]
    base_version = subprocess.run([base, "-c", "import platform; print(platform.python_version())"],
                                  capture_output=True, text=True, check=True,
                                  timeout=60).stdout.strip()
    misfits = _not_for(base_version, sites)
    stamp = "\n".join([base, base_version, *sites, *(f"link {d}" for d in jupyter),
                       *(f"replace {m}" for m in misfits)]) + "\n"
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    pth = venv / "lib" / version / "site-packages" / "nndl-grader-base.pth"
    made = CACHE / "venv.stamp"
    if not ((venv / "bin" / "python").exists() and pth.is_file() and made.is_file()
            and made.read_text() == stamp):
        shutil.rmtree(venv, ignore_errors=True)
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([base, "-m", "venv", "--without-pip", str(venv)], check=True,
                       capture_output=True, timeout=120)
        pth.write_text("".join(s + "\n" for s in sites))
        for d in jupyter:
            (venv / d).parent.mkdir(parents=True, exist_ok=True)
            (venv / d).symlink_to(Path(sys.prefix) / d)
        if misfits:  # their newest release for that Python, in front of the borrowed ones
            proc = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                                   "--no-deps", "--only-binary=:all:", "--python-version",
                                   base_version, "--target", str(pth.parent), *misfits],
                                  capture_output=True, text=True, timeout=300)
            if proc.returncode != 0:
                raise RuntimeError(f"{', '.join(misfits)} need a newer Python than {base} "
                                   f"({base_version}) and pip could not install versions for "
                                   f"it: {proc.stderr.strip()[-500:]}")
        made.write_text(stamp)
    return str(venv / "bin" / "python")


def _not_for(version: str, sites: list[str]) -> list[str]:
    """The distributions installed in ``sites`` whose Requires-Python excludes ``version`` (the
    system Python may be an older patch release than this one: Debian's 3.11.2 under a 3.11.7
    environment, where soupsieve 4.1 wants 3.11.5+ and nbconvert's HTML export then fails)."""
    from importlib.metadata import distributions

    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    out = set()
    for dist in distributions(path=sites):
        wanted = dist.metadata.get("Requires-Python")
        try:
            if wanted and not SpecifierSet(wanted).contains(version):
                out.add(dist.metadata["Name"])
        except InvalidSpecifier:
            continue
    return sorted(out)


def _closed_folder() -> Path | None:
    """The first folder on the way to the checkout (and its cached venv) that other users may
    not enter or read, or None."""
    for folder in [*reversed(ROOT.parents), ROOT, ROOT / "_build"]:
        if folder != Path("/") and folder.exists() and folder.stat().st_mode & 0o005 != 0o005:
            return folder
    return None


def ordinary_user(name: str = USER_NAME, private_home: bool = False
                  ) -> tuple[OrdinaryUser | None, str]:
    """(the user, "") or (None, why not). Root: creates the user ``name`` if needed (useradd)
    and the cached virtual environment; runs as ``setpriv --reuid --regid --init-groups``.
    ``private_home``: the home is made 0700 (a hub's learners: no one reads another's work).
    Not root: this process's own user, whatever ``name`` says."""
    import pwd

    if os.geteuid() != 0:
        entry = pwd.getpwuid(os.geteuid())
        return OrdinaryUser(entry.pw_name, entry.pw_uid, entry.pw_gid, Path(entry.pw_dir),
                            sys.executable, ()), ""
    if not sys.platform.startswith("linux"):
        return None, f"no ordinary user can be made on {sys.platform}"
    closed = _closed_folder()
    if closed is not None:  # e.g. a checkout under /root (mode 700): nothing to run as a user
        return None, (f"{closed} is closed to other users, so an ordinary user cannot run "
                      "this checkout's code; clone the repository where others can read it")
    useradd, setpriv = shutil.which("useradd"), shutil.which("setpriv")
    if not (useradd and setpriv):
        return None, "useradd or setpriv is missing: no ordinary user can be made here"
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        proc = subprocess.run([useradd, "--create-home", "--user-group", "--shell",
                               "/bin/sh", name], capture_output=True, text=True,
                              timeout=60)
        try:  # made meanwhile by another test run on this machine: fine
            entry = pwd.getpwnam(name)
        except KeyError:
            return None, (f"useradd {name} failed (exit {proc.returncode}): "
                          f"{proc.stderr.strip()[:300]}")
    home = Path(entry.pw_dir)
    home.mkdir(parents=True, exist_ok=True)
    os.chown(home, entry.pw_uid, entry.pw_gid)
    if private_home:
        os.chmod(home, 0o700)
    python = _venv_for_others()
    user = OrdinaryUser(name, entry.pw_uid, entry.pw_gid, home, python,
                        (setpriv, f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}",
                         "--init-groups", "--"))
    probe = user.run([python, "-c", (
        "import os, numpy, nbgrader, ipykernel, landlockpy, latex2mathml, nndl_lib\n"
        f"assert os.geteuid() == {entry.pw_uid}\n"
        f"assert nndl_lib.__file__.startswith({str(ROOT)!r}), nndl_lib.__file__\n")],
        cwd=Path("/"), timeout=120)
    if proc_failed := proc_failed_text(probe):
        raise RuntimeError(f"the ordinary user {name} cannot run the project's Python: "
                           f"{proc_failed}")
    return user, ""


def proc_failed_text(proc: subprocess.CompletedProcess) -> str:
    if proc.returncode == 0:
        return ""
    return f"exit {proc.returncode}: {(proc.stderr or '')[-1500:]}"


def ordinary_user_or_skip() -> OrdinaryUser:
    """:func:`ordinary_user` for a test: skips (saying why) where no ordinary user can be made;
    under ``CI`` a setup that should work and fails is an error, not a skip."""
    import pytest

    try:
        found, why = ordinary_user()
    except Exception as exc:  # a setup that should have worked
        if os.environ.get("CI"):
            raise
        pytest.skip(f"could not set up an ordinary user: {exc}")
    if found is None:
        print(f"\nskipped: {why}")
        pytest.skip(why)
    return found
