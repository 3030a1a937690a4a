"""The child process of the out-of-kernel grading pass (standard library and NumPy only).

Run as ``python -m nndl_lib.grading.outofkernel_child WORKDIR`` by
:mod:`nndl_lib.grading.outofkernel_parent`,
with resource limits already set. It reads ``WORKDIR/request.json`` (see :mod:`wire`):

- ``prelude``: trusted code run first (the imports a notebook's setup cell provides);
- ``cells``: the learner's code cells, run in order in one namespace (each one's errors, or
  ``sys.exit``, are recorded and the next cell runs);
- ``cases``: ``{key, driver, data}``, each run with :mod:`drivers` on that namespace; each
  output is written to ``WORKDIR/out/<key>.json`` (plain data, never the reference's: the child
  computes no reference at all);
- ``skip_cells`` / ``skip_cases``: what an earlier attempt died on (the parent restarts us).

Before any learner code runs, and after the trusted imports, the operating-system boundary
(:mod:`boundary`, Landlock) is drawn when the request asks for it (``boundary: "landlock"``):
from then on the kernel itself lets this process read only the Python installation and
WORKDIR, write only in WORKDIR, and connect, bind or signal nothing outside; if it cannot be
drawn, the process stops before running any learner code. Then the guard (:mod:`guard`), the
polite first line, is installed: only WORKDIR is writable, no processes, no ``ctypes``, and
``nndl_lib`` modules other than ``allowed_modules`` cannot be imported or read; what it refuses
is reported to the parent (``refused`` events). Progress goes to ``WORKDIR/progress.jsonl`` so
the parent can tell which cell or case was running when the process stopped.
"""

from __future__ import annotations

import io
import json
import os
import sys
import traceback
import warnings


class _Capped(io.TextIOBase):
    """A text sink that keeps at most ``limit`` characters (learner prints)."""

    def __init__(self, limit: int = 20_000) -> None:
        self.limit, self.parts, self.size = limit, [], 0

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        if self.size < self.limit:
            self.parts.append(str(s)[: self.limit - self.size])
            self.size += len(self.parts[-1])
        return len(s)


class _Timeout(BaseException):
    """Raised by the alarm inside learner code that runs too long."""


class _alarm:
    """Interrupt the block after ``seconds`` of wall time (0: no alarm). Learner code that
    blocks the signal is stopped by the parent instead, which then restarts this process."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __enter__(self) -> None:
        if self.seconds > 0:
            import signal

            def ring(signum, frame):
                raise _Timeout()

            self.old = signal.signal(signal.SIGALRM, ring)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc) -> None:
        if self.seconds > 0:
            import signal

            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.old)


def _strip_magics(source: str) -> str:
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        lines.append("" if stripped.startswith(("%", "!")) else line)
    return "\n".join(lines)


def main(workdir: str, cpu_s: int = -1, memory: int = -1, file_size: int = -1,
         processes: int = -1) -> None:
    from nndl_lib.grading import guard

    guard.set_limits(cpu_seconds=cpu_s if cpu_s > 0 else None,
                     memory_bytes=memory if memory > 0 else None,
                     file_bytes=file_size if file_size > 0 else None,
                     processes=processes if processes > 0 else None)
    workdir = os.path.realpath(workdir)
    progress = open(os.path.join(workdir, "progress.jsonl"), "a", buffering=1)  # noqa: SIM115

    def note(**event) -> None:
        progress.write(json.dumps(event) + "\n")
        progress.flush()

    import numpy as np  # noqa: F401  (loaded before the guard, like the prelude's imports)

    from nndl_lib.grading import boundary, wire
    from nndl_lib.grading.drivers import preload, run_driver, where_raised

    request = wire.load(os.path.join(workdir, "request.json"))
    # the drivers of this request's cases that live in modules of their own (drivers_*: kept)
    preload(case["driver"] for case in request["cases"])
    outdir = os.path.join(workdir, "out")
    os.makedirs(outdir, exist_ok=True)
    ns: dict = {"__name__": "__main__", "__builtins__": __builtins__}
    sink = _Capped()
    real_stdout, real_stderr = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = sink

    exec(compile(request["prelude"], "<prelude>", "exec"), ns)
    # Nothing of the package but what the prelude needed and the helpers above stays loaded.
    allowed = tuple(request["allowed_modules"])
    for name in list(sys.modules):
        if name.startswith("nndl_lib.") and name not in allowed and not name.startswith(
                ("nndl_lib.grading.wire", "nndl_lib.grading.drivers", "nndl_lib.grading.guard",
                 "nndl_lib.grading.outofkernel_child", "nndl_lib.grading.boundary")
        ) and name != "nndl_lib.grading":
            del sys.modules[name]
    if request.get("boundary", "landlock") != "off":
        try:
            boundary.confine(write=(workdir,), read=boundary.python_read_roots())
        except boundary.BoundaryError as exc:
            sys.stdout, sys.stderr = real_stdout, real_stderr
            note(event="boundary_failed", reason=str(exc)[:500])
            progress.close()
            os._exit(3)
        note(event="boundary", kind="landlock")
    if request.get("audit_hook", True):  # False only in the tests that prove the boundary
        guard.install((workdir,), blocked_package="nndl_lib", allowed_modules=allowed,
                      watched=tuple(request.get("watched", ())),
                      on_refusal=lambda what: note(event="refused", what=str(what)[:300]))
    note(event="ready", pid=os.getpid())

    skip_cells = set(request.get("skip_cells", []))
    for cell in request["cells"]:
        if cell["index"] in skip_cells:
            continue
        note(event="start", what="cell", index=cell["index"])
        error = None
        try:
            with warnings.catch_warnings(), _alarm(float(request.get("cell_s", 0))):
                warnings.simplefilter("ignore")
                exec(compile(_strip_magics(cell["source"]), f"<cell {cell['index']}>", "exec"),
                     ns)
        except KeyboardInterrupt:
            raise
        except _Timeout:
            error = {"type": "GradingTimeout", "message": "stopped after "
                     f"{request.get('cell_s')} s (an endless loop?); the next cells still ran"}
        except BaseException as exc:  # SystemExit included: the next cell still runs
            error = {"type": type(exc).__name__, "message": str(exc)[:500],
                     "trace": "".join(traceback.format_exception_only(type(exc), exc))[-800:]}
        note(event="end", what="cell", index=cell["index"], error=error)

    sources = {f"<cell {cell['index']}>": cell["source"] for cell in request["cells"]}
    skip_cases = set(request.get("skip_cases", []))
    timed_out_tasks: set[str] = set()
    case_s = float(request.get("case_s", 0))
    for case in request["cases"]:
        key = case["key"]
        task = key.split("c")[0]
        if key in skip_cases:
            continue
        note(event="start", what="case", index=key)
        if task in timed_out_tasks:
            out = wire.RaisedError("GradingTimeout", "not run: an earlier case of this task "
                                                     "ran out of time")
        else:
            try:
                with warnings.catch_warnings(), np.errstate(all="ignore"), _alarm(case_s):
                    warnings.simplefilter("ignore")
                    out = run_driver(case["driver"], ns, case["data"])
            except KeyboardInterrupt:
                raise
            except _Timeout:
                timed_out_tasks.add(task)
                out = wire.RaisedError("GradingTimeout", f"stopped after {case_s:g} s (an "
                                                         "endless loop?)")
            except BaseException as exc:
                out = wire.RaisedError(type(exc).__name__, str(exc)[:500],
                                       where_raised(exc, sources))
        try:
            wire.dump(out, os.path.join(outdir, f"{key}.json"), output=True)
        except BaseException as exc:  # e.g. an output too large for the file-size limit
            wire.dump(wire.RaisedError("OutputError", f"the result could not be recorded "
                                                      f"({type(exc).__name__})"),
                      os.path.join(outdir, f"{key}.json"), output=True)
        note(event="end", what="case", index=key)

    sys.stdout, sys.stderr = real_stdout, real_stderr
    note(event="done", printed="".join(sink.parts)[:2000])
    progress.close()
    os._exit(0)  # no atexit handlers or threads of the learner's code run after this


if __name__ == "__main__":
    main(sys.argv[1], *(int(a) for a in sys.argv[2:6]))
