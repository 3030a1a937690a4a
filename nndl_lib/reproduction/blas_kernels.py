"""Which OpenBLAS kernel runs, and how to run a command under another one.

numpy's bundled OpenBLAS picks its GEMM kernel by CPU at start-up: ``Haswell`` on most AVX2
machines (``Zen`` is served by the same kernels in numpy 2.4's build), ``SkylakeX`` where the CPU
has AVX-512, older families on older CPUs. The environment variable ``OPENBLAS_CORETYPE``, read
once when numpy is first imported, forces one. A kernel sums in its own order, so a float32
training run that is short and chaotic can end differently per kernel: the fast tier of the
reproduction ledger is measured under several (:mod:`nndl_lib.reproduction.fast_spread`), and
the test command re-runs its most sensitive rows under a kernel other than the machine's own.

A kernel needs the CPU's instructions: ``SkylakeX`` on a CPU without AVX-512 dies with SIGILL.
:func:`probe` runs a small product in a child process and reports what actually ran (or None).
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["CANDIDATES", "current", "probe", "runnable", "another", "coretype_env",
           "rerun_under"]

#: Kernels worth comparing on x86-64, newest first. "Zen" is listed by the issue that asked for
#: this, but in numpy 2.4's OpenBLAS it runs the Haswell kernels.
CANDIDATES = ("SkylakeX", "Haswell", "Zen", "Sandybridge", "Nehalem")

_PROBE = (
    "import numpy as np\n"
    "from threadpoolctl import threadpool_info\n"
    "a = np.arange(64 * 64, dtype=np.float32).reshape(64, 64) / 4096\n"
    "float((a @ a).sum())\n"
    "print(next((i.get('architecture') for i in threadpool_info()\n"
    "            if i.get('user_api') == 'blas'), None))\n"
)


def current() -> str | None:
    """The kernel family this process's OpenBLAS runs (None: not OpenBLAS, or unknown)."""
    from nndl_lib.reproduction.task import blas_kernel

    return blas_kernel()


def coretype_env(kernel: str | None, base: dict[str, str] | None = None) -> dict[str, str]:
    """A copy of ``base`` (default: this process's environment) that forces ``kernel``
    (None: the CPU's own choice)."""
    env = dict(os.environ if base is None else base)
    env.pop("OPENBLAS_CORETYPE", None)
    if kernel is not None:
        env["OPENBLAS_CORETYPE"] = kernel
    return env


@functools.cache
def probe(kernel: str | None) -> str | None:
    """The kernel family that actually runs when ``kernel`` is asked for (None: the CPU's own),
    or None when it cannot run here (the child died, e.g. SIGILL for AVX-512 on an AVX2 CPU)."""
    try:
        done = subprocess.run([sys.executable, "-c", _PROBE], env=coretype_env(kernel),
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    name = done.stdout.strip()
    return name if done.returncode == 0 and name and name != "None" else None


def runnable(candidates: Sequence[str] = CANDIDATES) -> dict[str, str]:
    """``{asked: what runs}`` for each of ``candidates`` that runs on this CPU."""
    out = {}
    for kernel in candidates:
        ran = probe(kernel)
        if ran is not None:
            out[kernel] = ran
    return out


def another(candidates: Sequence[str] = CANDIDATES) -> str | None:
    """A kernel that runs here and differs from the one this environment runs (the CPU's own
    choice, or ``OPENBLAS_CORETYPE`` where it is set): the first of ``candidates`` to do so. An
    AVX-512 machine gets Haswell; an AVX2 machine, where SkylakeX cannot run and Zen is
    Haswell, gets Sandybridge. None when no other kernel runs (not OpenBLAS, or not x86-64)."""
    own = probe(os.environ.get("OPENBLAS_CORETYPE"))
    if own is None:
        return None
    for kernel in candidates:
        ran = probe(kernel)
        if ran is not None and ran != own:
            return kernel
    return None


def rerun_under(kernel: str, argv: list[str], ledger: Path) -> int:
    """Run ``python -m nndl_lib.reproduce ARGV`` again (less its ``--blas-kernel``) in a child
    process whose OpenBLAS runs ``kernel``, or "other" (:func:`another`): the variable must be
    set before numpy loads. Its ledger, unless ARGV names one, is ``ledger`` with the kernel in
    its name. Returns the child's exit status (0 when no other kernel runs here, 2 when
    ``kernel`` cannot run on this CPU)."""
    own = probe(os.environ.get("OPENBLAS_CORETYPE"))
    if kernel == "other":
        chosen = another()
        if chosen is None:
            print(f"--blas-kernel other: no OpenBLAS kernel other than this environment's "
                  f"({own}) runs here; nothing to compare", file=sys.stderr)
            return 0
        kernel = chosen
    ran = probe(kernel)
    if ran is None:
        print(f"error: OpenBLAS kernel {kernel!r} does not run on this CPU (this environment "
              f"runs {own}); "
              f"kernels that run here: {runnable()}", file=sys.stderr)
        return 2
    rest, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--blas-kernel":
            skip = True
        elif not arg.startswith("--blas-kernel="):
            rest.append(arg)
    if "--ledger" not in rest and not any(a.startswith("--ledger=") for a in rest):
        rest += ["--ledger", str(ledger.with_name(f"{ledger.stem}-{kernel}{ledger.suffix}"))]
    print(f"running under OPENBLAS_CORETYPE={kernel} ({ran} kernels; without it: {own})",
          file=sys.stderr, flush=True)
    return subprocess.run([sys.executable, "-m", "nndl_lib.reproduce", *rest],
                          env=coretype_env(kernel)).returncode
