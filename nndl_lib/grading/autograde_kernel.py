"""The Jupyter kernel nbgrader starts for each submission during ``nndl-course autograde``.

A scratch course's ``jupyter/kernels/python3/kernel.json`` runs
``python -m nndl_lib.grading.autograde_kernel -f {connection_file}``: this sets resource limits and
the
guard (:mod:`guard`: writes only inside the folders listed in ``NNDL_SANDBOX_WRITE``, no new
processes, no ``ctypes``), then starts an ordinary IPython kernel. The submission's test cells
run as usual; the score they give is the one the learner saw, and the out-of-kernel pass decides
the grade.
"""

from __future__ import annotations

import os
import sys


def _int(name: str) -> int | None:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else None


def main() -> None:
    from nndl_lib.grading import guard

    guard.set_limits(cpu_seconds=_int("NNDL_KERNEL_CPU_S"),
                     memory_bytes=_int("NNDL_KERNEL_MEMORY"),
                     file_bytes=_int("NNDL_KERNEL_FILE_SIZE"))
    roots = tuple(p for p in os.environ.get("NNDL_SANDBOX_WRITE", "").split(os.pathsep) if p)
    # What the kernel and the notebooks need, loaded before the guard forbids loading ctypes
    # and _posixsubprocess; a direct call of the latter is disabled below.
    import _posixsubprocess
    import ctypes  # noqa: F401
    import subprocess  # noqa: F401

    import numpy  # noqa: F401
    from ipykernel import kernelapp

    def refuse(*args, **kwargs):
        raise PermissionError("grading sandbox: starting processes is not allowed")

    _posixsubprocess.fork_exec = refuse
    guard.install(roots or (os.getcwd(),))
    sys.argv = [sys.argv[0], *sys.argv[1:]]
    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
