"""The operating-system boundary around every process that runs learner code: Landlock.

Standard library only at import time (the out-of-kernel child imports this module); the
Landlock system calls go through the ``landlockpy`` binding (PyPI, 0BSD), imported when the
boundary is drawn. A process calls :func:`confine` once, single-threaded, after its trusted
imports and before any learner code runs. From then on, enforced by the Linux kernel:

- files: read only the folders given (the Python installation and site-packages, the process's
  scratch folders, a few system libraries); write, create and remove only inside the scratch
  folders; no symbolic links, device nodes, sockets or FIFOs made anywhere; nothing executed
  (``execve`` of any file is refused);
- network: no TCP ``connect`` or ``bind`` (127.0.0.1 included) except binding the ports listed
  (the Jupyter kernel's own channels);
- no signals to, and no ``ptrace`` of, processes outside the sandbox; no abstract Unix sockets
  outside it;
- inherited by every thread and process started afterwards; it cannot be lifted or widened from
  inside (``no_new_privs`` is set as well).

It needs no root: Landlock ABI 6 or newer (Linux 6.12+; ABI 4 brought TCP, ABI 6 the signal and
abstract-socket scopes). Not covered by ABI 6-7 (documented in the README): UDP, and connecting
to a Unix socket file that already exists elsewhere.

``NNDL_SANDBOX_PRETEND_MISSING=1`` in the grader's environment makes :func:`unavailable_reason`
answer as on a machine without Landlock (to try the refusal and ``--no-sandbox``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

__all__ = ["MIN_ABI", "BoundaryError", "unavailable_reason", "confine", "python_read_roots",
           "SYSTEM_READ", "ENV_MODE"]

#: the oldest Landlock ABI that covers files, TCP and signals
MIN_ABI = 6
#: environment variable telling a sandboxed process whether to draw the boundary
#: ("landlock") or not ("off": the instructor typed --no-sandbox)
ENV_MODE = "NNDL_SANDBOX_BOUNDARY"
#: read-only system files a Python process may need after startup (loading a library)
SYSTEM_READ = ("/usr/lib", "/usr/lib64", "/lib", "/lib64", "/etc/ld.so.cache",
               "/usr/share/zoneinfo", "/etc/localtime")
_DEVICES_RW = ("/dev/null",)
_DEVICES_RO = ("/dev/urandom", "/dev/random", "/dev/zero")


class BoundaryError(RuntimeError):
    """The boundary could not be drawn: no learner code may run in this process."""


def unavailable_reason() -> str | None:
    """None where the boundary can be drawn here, otherwise one line saying why not."""
    if os.environ.get("NNDL_SANDBOX_PRETEND_MISSING", "") not in ("", "0"):
        return "no Landlock on this machine (simulated: NNDL_SANDBOX_PRETEND_MISSING is set)"
    if not sys.platform.startswith("linux"):
        return f"the grading sandbox needs Linux's Landlock; this is {sys.platform}"
    try:
        import landlockpy
    except ImportError:
        return "the Python package landlockpy is not installed (pip install landlockpy)"
    try:
        abi = landlockpy.abi_version()
    except Exception as exc:  # a seccomp filter that kills or refuses the call, say
        return f"the Landlock system call failed ({exc})"
    if abi == 0:
        return "this kernel has no Landlock (disabled, too old, or refused by a container)"
    if abi < MIN_ABI:
        return (f"this kernel's Landlock ABI {abi} is older than {MIN_ABI} (Linux 6.12): it "
                "cannot refuse TCP and signals")
    return None


def python_read_roots(exclude_packages: Iterable[str] = ("nndl_lib",)) -> list[str]:
    """What a Python process needs to read to go on importing: the standard library, every
    site-packages folder on ``sys.path``; never the
    current folder or other ``sys.path`` entries (a project folder holds the course). Inside a
    site-packages folder that holds one of ``exclude_packages``, each other entry is listed
    on its own, so the excluded package stays unreadable."""
    exclude = tuple(exclude_packages)
    roots: list[str] = []
    # the standard library (in a virtual environment: its base installation's)
    roots.append(os.path.dirname(os.__file__))
    roots += [p for p in sys.path if os.path.basename(p.rstrip(os.sep)) == "lib-dynload"]
    sites = [p for p in sys.path if os.path.basename(p.rstrip(os.sep)) in
             ("site-packages", "dist-packages")]
    for site in sites:
        try:
            names = os.listdir(site)
        except OSError:
            continue
        if any(os.path.isdir(os.path.join(site, pkg)) for pkg in exclude):
            roots += [os.path.join(site, n) for n in names
                      if not any(n == pkg or n.startswith((pkg + "-", pkg + "."))
                                 for pkg in exclude)]
        else:
            roots.append(site)
    seen, out = set(), []
    for r in roots:
        real = os.path.realpath(r)
        if real not in seen and os.path.exists(real):
            seen.add(real)
            out.append(real)
    return out


def _threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 1


def confine(write: Iterable[str], read: Iterable[str] = (), *,
            bind_ports: Iterable[int] = ()) -> int:
    """Draw the boundary around this process (see the module docstring). Irreversible.

    write: folders where files may be read, written, created and removed.
    read: files and folders that may be read (and listed).
    bind_ports: TCP ports this process may still bind (nothing may be connected).
    Returns the Landlock ABI used. Raises :class:`BoundaryError` where it cannot be drawn,
    or where this process already runs other threads (they would stay outside).
    """
    reason = unavailable_reason()
    if reason:
        raise BoundaryError(reason)
    if _threads() != 1:
        raise BoundaryError(f"{_threads()} threads are running: the boundary must be drawn "
                            "before any thread starts")
    import landlockpy as ll

    fs = ll.AccessFS
    abi = ll.abi_version()
    read_rights = fs.READ_FILE | fs.READ_DIR
    write_rights = (read_rights | fs.WRITE_FILE | fs.TRUNCATE | fs.MAKE_REG | fs.MAKE_DIR
                    | fs.REMOVE_FILE | fs.REMOVE_DIR | fs.REFER)
    try:
        with ll.Ruleset(handled_fs=ll.fs_for_abi(abi),
                        handled_net=ll.AccessNet.BIND_TCP | ll.AccessNet.CONNECT_TCP,
                        scoped=ll.Scope.SIGNAL | ll.Scope.ABSTRACT_UNIX_SOCKET,
                        best_effort=False) as rules:
            for path in write:
                rules.allow_path(path, write_rights)
            for path in [*read, *SYSTEM_READ, *_DEVICES_RO]:
                if os.path.exists(path):
                    rules.allow_path(path, read_rights if os.path.isdir(path)
                                     else fs.READ_FILE)
            for path in _DEVICES_RW:
                if os.path.exists(path):
                    rules.allow_path(path, fs.READ_FILE | fs.WRITE_FILE)
            for port in bind_ports:
                rules.allow_port(int(port), ll.AccessNet.BIND_TCP)
            rules.restrict()
    except (OSError, ll.LandlockError, ll.UnsupportedError) as exc:
        raise BoundaryError(f"Landlock refused the ruleset: {exc}") from exc
    return abi
