"""The Jupyter kernel nbgrader starts for each submission during ``nndl-course autograde``.

A scratch course's ``jupyter/kernels/python3/kernel.json`` runs
``python -m nndl_lib.grading.autograde_kernel -f {connection_file}``: this sets resource limits,
loads what the kernel needs, draws the operating-system boundary (:mod:`boundary`, Landlock,
unless ``NNDL_SANDBOX_BOUNDARY=off``: reads only the Python installation, the course library
and the folders in ``NNDL_SANDBOX_WRITE``; writes only in those; binds only the five ports of
its connection file, connects nowhere; signals nothing outside) while it is still one thread,
installs the guard (:mod:`guard`, the polite first line: clear messages, no new processes, no
``ctypes``), then starts an ordinary IPython kernel. If the boundary cannot be drawn the kernel
does not start, and nbgrader records the notebook as not run. Started without
``NNDL_SANDBOX_WRITE`` (``nbgrader validate``, see :mod:`nndl_lib.grading.nbgrader_hooks`), it
makes a fresh scratch folder of its own and confines itself to that. What the guard refuses goes to
the grader through a channel the submission cannot erase (see :func:`_open_report`).

The in-kernel test cells compute the library's references (that is the score the learner saw
in the notebook), so this kernel may read ``nndl_lib``; the out-of-kernel pass, which decides
the grade, may not. The submission's test cells
run as usual; the score they give is the one the learner saw, and the out-of-kernel pass decides
the grade.
"""

from __future__ import annotations

import os
import platform
import sys


def _int(name: str) -> int | None:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else None


def _connection_file(argv: list[str]) -> str | None:
    """The connection file given with ``-f``."""
    return next((argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "-f"), None)


def _ports(argv: list[str]) -> list[int]:
    """The TCP ports of the connection file given with ``-f`` (the kernel binds them)."""
    import json

    path = _connection_file(argv)
    if path is None:
        return []
    with open(path, encoding="utf-8") as f:
        info = json.load(f)
    return [int(info[k]) for k in ("shell_port", "iopub_port", "stdin_port", "control_port",
                                   "hb_port") if int(info.get(k) or 0) > 0]


#: the reader's first line: the report channel was open before any learner code ran
REPORT_OPEN = "# report channel open"
#: the reader's line when the kernel closed its end of the channel while still running
REPORT_CLOSED = "the kernel's attempt report channel was closed from inside the kernel"


def _open_report(path: str) -> int | None:
    """The channel the kernel reports refused attempts through: the write end of a pipe whose
    reader is a process forked now, before the boundary is drawn, so it stays outside it. The
    reader appends each line to ``path``, a file outside every folder the kernel may write
    (and read) once confined; the learner's code holds only the pipe's write end. It can add
    lines (which only flags its own submission) but not erase, truncate or remove what was
    reported, and cannot signal the reader (Landlock's signal scope; the reader is in a session
    of its own, so signals to the kernel's process group miss it too). Closing the write end
    while the kernel still runs is reported by the reader as an attempt of its own."""
    if not path:
        return None
    read_end, write_end = os.pipe()
    kernel = os.getpid()
    pid = os.fork()
    if pid != 0:
        os.close(read_end)
        return write_end
    # the reader: never returns; ends when every write end is closed. It leaves the kernel's
    # process group at once: nbgrader interrupts a cell that runs too long with SIGINT to that
    # group (and a kernel slow to shut down gets SIGTERM), which would kill the reader and lose
    # every attempt reported after it.
    try:
        os.setsid()
        os.close(write_end)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        os.write(fd, (REPORT_OPEN + "\n").encode())
        while True:
            data = os.read(read_end, 65536)
            if not data:
                break
            os.write(fd, data)
        import time

        time.sleep(0.3)  # a kernel that exits closes the pipe just before it is gone
        if os.getppid() == kernel:
            os.write(fd, ("\n" + REPORT_CLOSED + "\n").encode())
    finally:
        os._exit(0)


def _own_scratch() -> tuple[str, ...]:
    """Where nothing names the kernel's folders (``nbgrader validate`` starts it through the
    course's kernel spec, in the submission's folder): a fresh scratch folder of its own,
    made the working folder, home and temporary folder, and removed when the kernel is gone
    (by a process forked now, outside the boundary, that waits for the kernel's end of a pipe
    to close: a kernel killed outright leaves nothing behind either)."""
    import shutil
    import tempfile

    scratch = tempfile.mkdtemp(prefix="nndl-kernel-")
    read_end, write_end = os.pipe()
    if os.fork() == 0:  # the reaper: out of the kernel's process group, which is signalled
        try:
            os.setsid()
            os.close(write_end)
            while os.read(read_end, 4096):
                pass
            shutil.rmtree(scratch, ignore_errors=True)
        finally:
            os._exit(0)
    os.close(read_end)  # the kernel keeps write_end open until it ends
    for var, sub in (("HOME", ""), ("TMPDIR", "tmp"), ("IPYTHONDIR", "ipython"),
                     ("MPLCONFIGDIR", "mpl"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                     ("JUPYTER_DATA_DIR", "data"), ("JUPYTER_CONFIG_DIR", "config")):
        path = os.path.join(scratch, sub)
        os.makedirs(path, exist_ok=True)
        os.environ[var] = path
    os.chdir(scratch)
    os.environ["NNDL_SANDBOX_WRITE"] = scratch  # what the notebook's checks read as "sandboxed"
    return (scratch,)


def main() -> None:
    from nndl_lib.grading import boundary, guard

    guard.set_limits(cpu_seconds=_int("NNDL_KERNEL_CPU_S"),
                     memory_bytes=_int("NNDL_KERNEL_MEMORY"),
                     file_bytes=_int("NNDL_KERNEL_FILE_SIZE"))
    roots = tuple(p for p in os.environ.get("NNDL_SANDBOX_WRITE", "").split(os.pathsep) if p)
    roots = roots or _own_scratch()
    # What the kernel and the notebooks need, loaded before the guard forbids loading ctypes
    # and _posixsubprocess; a direct call of the latter is disabled below.
    import _posixsubprocess
    import ctypes  # noqa: F401
    import subprocess  # noqa: F401

    import numpy  # noqa: F401
    from ipykernel import kernelapp

    import nndl_lib

    # The kernel's own start-up, not the learner, would otherwise meet the guard: ipykernel's
    # debugger imports pydevd (ctypes at import) and debugpy's log asks ``platform`` for the
    # processor (a ``uname -p`` subprocess). Do both now, before the boundary and the guard.
    platform.platform()
    try:
        import ipykernel.debugger  # noqa: F401
    except Exception:  # no debugpy: nothing to load
        pass
    report = _open_report(os.environ.get("NNDL_SANDBOX_REFUSED", ""))

    if os.environ.get(boundary.ENV_MODE, "landlock") != "off":
        try:
            boundary.confine(write=roots, read=[
                *boundary.python_read_roots(exclude_packages=()),
                os.path.dirname(os.path.realpath(nndl_lib.__file__)),
                # read once more at start-up, wherever the starter put it
                *[f for f in [_connection_file(sys.argv)] if f]],
                bind_ports=_ports(sys.argv))
        except (boundary.BoundaryError, OSError, ValueError) as exc:
            print(f"grading sandbox: the kernel did not start: {exc}", file=sys.stderr)
            sys.exit(3)
    if os.environ.get("NNDL_SANDBOX_AUDIT_HOOK", "on") != "off":  # "off": only the tests
        def refuse(*args, **kwargs):
            raise PermissionError("grading sandbox: starting processes is not allowed")

        _posixsubprocess.fork_exec = refuse
        def refused(what: str) -> None:
            if report is not None:
                try:
                    os.write(report, (what.replace("\n", " ")[:300] + "\n").encode())
                except OSError:  # closed from inside: the reader reports that itself
                    pass

        watched = tuple(p for p in os.environ.get("NNDL_SANDBOX_WATCH", "").split(os.pathsep)
                        if p)
        guard.install(roots, on_refusal=refused, watched=watched)
    sys.argv = [sys.argv[0], *sys.argv[1:]]
    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
