"""JupyterLab started for a browser test: on 127.0.0.1, a free port, no token, its own Jupyter
configuration, data and runtime folders, the checkout's library on PYTHONPATH, one BLAS thread.
Used by the learner's notebooks in JupyterLab (test_lab.py) and formgrader's button
(test_formgrader.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers import ROOT, free_port

__all__ = ["running_lab"]


@contextmanager
def running_lab(cwd: Path, home: Path, *, exe: str | None = None,
                args: Sequence[str] = ()) -> Iterator[tuple[str, Path]]:
    """JupyterLab serving ``cwd``, its folders under ``home``; yields ``(url, log)`` once it
    answers, and stops it (SIGTERM, which shuts its kernels down; SIGKILL after 30 s)."""
    exe = exe or str(Path(sys.executable).with_name("jupyter-lab"))
    env = dict(os.environ)
    for var in ("MPLBACKEND", "NNDL_FULL"):  # kernels need the inline backend; fast configuration
        env.pop(var, None)
    env.update(
        JUPYTER_CONFIG_DIR=str(home / "config"),  # no personal configuration
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        PYTHONPATH=os.pathsep.join([str(ROOT)] + [p for p in [env.get("PYTHONPATH")] if p]),
        OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
    )
    port = free_port()
    cmd = [exe, "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--IdentityProvider.token=",
           f"--LabApp.workspaces_dir={home / 'workspaces'}",
           "--LabApp.expose_app_in_browser=True", *args]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = home / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.5)
        yield url, log
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
