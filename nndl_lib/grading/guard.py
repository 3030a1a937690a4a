"""Guards for processes that run learner code: resource limits and an audit hook.

Used by the out-of-kernel grading child (:mod:`nndl_lib.grading.outofkernel_child`) and by the
kernel
nbgrader starts for each submission (:mod:`nndl_lib.grading.autograde_kernel`). Standard library
only.

:func:`set_limits` caps CPU time, address space, file size and core dumps (``resource``).
:func:`install` adds a ``sys.addaudithook`` hook that, from then on, refuses

- opening for writing (or creating, renaming, removing, linking, ...) anything outside the
  process's own scratch folders (``write_roots``), relative paths and ``dir_fd`` tricks included;
- starting processes (``subprocess``, ``os.system``, ``os.exec*``, ``os.fork``, spawn), sending
  signals, connecting sockets, ``ctypes`` and the garbage collector's object lists;
- importing modules that would defeat the above (``_posixsubprocess``, ``ctypes``, ``cffi``, ...)
  and, when ``blocked_package`` is given, any module of that package not in ``allowed_modules``,
  and reading its source files (the references a learner must not call while being graded).

An audit hook cannot be removed, and its configuration lives in immutable values inside the
hook's closure. It is a guard against accidents and casual misuse, not a security boundary
against an attacker with native code; the grader adds an unprivileged user where it can (see
:mod:`nndl_lib.grading.course`) and checks the gradebook and the submissions after each run.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

__all__ = ["set_limits", "install", "BLOCKED_MESSAGE", "PROCESS_EVENTS"]

#: Start of the ImportError message for a blocked reference module (the grader looks for it).
BLOCKED_MESSAGE = "is not importable while your work is graded"

PROCESS_EVENTS = frozenset({
    "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
    "os.forkpty", "os.startfile", "os.kill", "os.killpg", "signal.pthread_kill", "pty.spawn",
    "resource.setrlimit", "resource.prlimit", "socket.connect", "socket.bind",
    "socket.sendto", "socket.sendmsg", "gc.get_objects", "gc.get_referrers",
    "gc.get_referents", "sys.remote_exec",
})
_ALWAYS_BLOCKED_IMPORTS = frozenset({
    "_posixsubprocess", "ctypes", "_ctypes", "cffi", "_cffi_backend", "_gdbm", "_dbm",
    "dbm.gnu", "dbm.ndbm", "_xxsubinterpreters", "_interpreters",
})
# events whose arguments name paths that the operation modifies: event -> argument positions
_MODIFYING = {
    "os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.chmod": (0,), "os.chown": (0,),
    "os.utime": (0,), "os.truncate": (0,), "os.symlink": (1,), "os.link": (0, 1),
    "os.rename": (0, 1), "os.chflags": (0,), "os.lchflags": (0,), "os.setxattr": (0,),
    "os.removexattr": (0,), "os.mkfifo": (0,), "os.mknod": (0,), "shutil.rmtree": (0,),
    "shutil.copyfile": (1,), "shutil.copytree": (1,), "shutil.copymode": (1,),
    "shutil.copystat": (1,), "shutil.move": (0, 1), "shutil.chown": (0,),
}
_DIR_FD_EVENTS = frozenset({"os.remove", "os.rmdir", "os.mkdir", "os.chmod", "os.chown",
                            "os.utime", "os.symlink", "os.link", "os.rename", "os.mkfifo",
                            "os.mknod"})


def set_limits(cpu_seconds: int | None = None, memory_bytes: int | None = None,
               file_bytes: int | None = None, processes: int | None = None) -> None:
    """Hard resource limits for this process (and anything it could start)."""
    import resource

    def limit(which: int, value: int | None) -> None:
        if value is None:
            return
        soft, hard = resource.getrlimit(which)
        value = int(value) if hard == resource.RLIM_INFINITY else min(int(value), hard)
        resource.setrlimit(which, (value, value))

    limit(resource.RLIMIT_CPU, cpu_seconds)
    limit(resource.RLIMIT_AS, memory_bytes)
    limit(resource.RLIMIT_FSIZE, file_bytes)
    limit(resource.RLIMIT_CORE, 0)
    if processes is not None:
        limit(resource.RLIMIT_NPROC, processes)


def install(write_roots: tuple[str, ...], *, blocked_package: str | None = None,
            allowed_modules: tuple[str, ...] = (), block_imports: bool = True,
            on_refusal: Callable[[str], None] | None = None,
            watched: tuple[str, ...] = ()) -> None:
    """Install the audit hook (see the module docstring). Cannot be undone.

    write_roots: folders (absolute) in which files may be created, written and removed.
    blocked_package: e.g. "nndl_lib": its modules other than ``allowed_modules`` (and the
    package itself, its ``grading`` subpackage's helpers already loaded) cannot be imported,
    nor their files read.
    on_refusal: called with a short description of each refused attempt (not for imports of
    ``blocked_package``, which the grader reports on its own), so the grader can flag it even
    when the learner's code catches the error.
    watched: folders (the course) whose files may not even be read: refused and reported here
    (the operating-system boundary refuses them as well, but silently).
    """
    sys.addaudithook(_make_hook(
        tuple(os.path.realpath(r) for r in write_roots),
        blocked_package,
        _package_dir(blocked_package),
        frozenset(allowed_modules),
        frozenset(_module_files(allowed_modules)),
        block_imports,
        on_refusal,
        tuple(os.path.realpath(w) for w in watched),
    ))


def _package_dir(package: str | None) -> str | None:
    if package is None:
        return None
    module = sys.modules.get(package)
    path = getattr(module, "__file__", None)
    return os.path.realpath(os.path.dirname(path)) if path else None


def _module_files(modules: tuple[str, ...]) -> list[str]:
    files = []
    for name in modules:
        path = getattr(sys.modules.get(name), "__file__", None)
        if path:
            files.append(os.path.realpath(path))
    return files


def _make_hook(write_roots: tuple[str, ...], blocked_package: str | None,
               blocked_dir: str | None, allowed: frozenset, allowed_files: frozenset,
               block_imports: bool, on_refusal: Callable[[str], None] | None = None,
               watched: tuple[str, ...] = ()):
    # Everything the hook uses is bound here, as immutable values: learner code that reaches a
    # frame of this hook (through a traceback) can read them but not change them.
    realpath, fspath, dirname, isabs, lexists = (os.path.realpath, os.fsdecode,
                                                 os.path.dirname, os.path.isabs,
                                                 os.path.lexists)
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
    sep = os.sep
    modifying, dir_fd_events = dict(_MODIFYING), _DIR_FD_EVENTS
    never = frozenset({"os.symlink", "os.mkfifo", "os.mknod"})  # Landlock refuses them all
    process_events, always_blocked = PROCESS_EVENTS, _ALWAYS_BLOCKED_IMPORTS
    prefix = None if blocked_package is None else blocked_package + "."
    grading_helpers = frozenset({f"{blocked_package}.grading", f"{blocked_package}.grading.wire",
                                 f"{blocked_package}.grading.drivers",
                                 f"{blocked_package}.grading.guard",
                                 f"{blocked_package}.grading.outofkernel_child"})

    def inside(path: str) -> bool:
        return any(path == r or path.startswith(r + sep) for r in write_roots)

    def writable(path) -> bool:
        if isinstance(path, int):
            return True  # an already open descriptor: its opening was checked
        try:
            p = fspath(path)
        except TypeError:
            return False
        if p in ("/dev/null",):
            return True
        if not isabs(p):
            return False
        real = realpath(p)
        if inside(real):
            return True
        # a file that does not exist yet: its folder decides
        return not lexists(p) and inside(realpath(dirname(p)))

    def in_watched(path) -> bool:
        if not watched or isinstance(path, int):
            return False
        try:
            real = realpath(fspath(path))
        except (TypeError, ValueError):
            return False
        return any(real == w or real.startswith(w + sep) for w in watched)

    def readable(path) -> bool:
        if blocked_dir is None or isinstance(path, int):
            return True
        try:
            real = realpath(fspath(path))
        except (TypeError, ValueError):
            return True
        if real == blocked_dir or real.startswith(blocked_dir + sep):
            return real in allowed_files or real.endswith((sep + "__init__.py",))
        return True

    def refused(what: str) -> None:
        if on_refusal is not None:
            try:
                on_refusal(what)
            except Exception:  # reporting must never change what is refused
                pass

    def hook(event: str, args: tuple) -> None:
        try:
            check(event, args)
        except (PermissionError, ImportError) as exc:
            if not (isinstance(exc, ImportError) and BLOCKED_MESSAGE in str(exc)):
                refused(f"{event}: {exc}")
            raise

    def check(event: str, args: tuple) -> None:
        if event == "open":
            path, mode, flags = args
            if isinstance(mode, str):
                write = any(c in mode for c in "wax+")
            else:
                write = bool((flags or 0) & write_flags)
            if write and not writable(path):
                raise PermissionError(f"grading sandbox: writing {path!r} is not allowed "
                                      "(only the grader's scratch folder is writable)")
            if not write and in_watched(path):
                raise PermissionError(f"grading sandbox: reading {path!r} is not allowed (the "
                                      "course's files)")
            if not write and not readable(path):
                raise PermissionError(f"grading sandbox: {path!r} {BLOCKED_MESSAGE}")
        elif event in never:
            raise PermissionError(f"grading sandbox: {event} is not allowed (the sandbox makes "
                                  "no links, FIFOs or device nodes)")
        elif event in modifying:
            if event in dir_fd_events and any(isinstance(a, int) and a >= 0 for a in args[2:]):
                raise PermissionError(f"grading sandbox: {event} with dir_fd is not allowed")
            for i in modifying[event]:
                if i < len(args) and not writable(args[i]):
                    raise PermissionError(f"grading sandbox: {event} on {args[i]!r} is not "
                                          "allowed outside the grader's scratch folder")
        elif event in process_events or event.startswith("ctypes."):
            raise PermissionError(f"grading sandbox: {event} is not allowed while grading")
        elif event == "sqlite3.connect":
            database = args[0]
            if fspath(database) != ":memory:" and not writable(database):
                raise PermissionError("grading sandbox: sqlite3 databases outside the "
                                      "scratch folder are not allowed")
        elif event == "import" and block_imports:
            name = args[0]
            if name in always_blocked:
                raise ImportError(f"grading sandbox: module {name} is not allowed while "
                                  "grading")
            if prefix is not None and (name == blocked_package or name.startswith(prefix)):
                if name not in allowed and name not in grading_helpers:
                    raise ImportError(f"{name} {BLOCKED_MESSAGE}: the grader calls your own "
                                      "code, not the course library's reference")

    return hook
