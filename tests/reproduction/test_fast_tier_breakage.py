"""A broken chapter 6 kernel fails the fast tier: the runner (``python -m nndl_lib.reproduce``,
as the test command runs it) is started with one kernel of the library broken, and must report
the row outside its band and exit 1. Each case runs one row's three fast seeds (seconds)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from helpers import ROOT
from real_mnist import needs_real_mnist

# Each patch breaks one kernel before any network is built (layers look their kernels up
# when they are made), then runs the fast tier of one row in this process (--workers 0).
BREAKAGES = {
    # the conv layer's weight gradient is zeroed: the filters never learn
    "conv backward, dw zeroed": ("ch6_conv1", """
        from nndl_lib.deep import conv
        right = conv.conv2d_backward
        def broken(dout, x, w, stride=1, pad=0):
            dx, dw, db = right(dout, x, w, stride, pad)
            return dx, 0 * dw, db
        conv.conv2d_backward = broken
        """),
}


@needs_real_mnist
@pytest.mark.parametrize("what", list(BREAKAGES))
def test_a_broken_kernel_fails_its_fast_row(what, tmp_path):
    key, patch = BREAKAGES[what]
    program = textwrap.dedent(patch) + textwrap.dedent(f"""
        import sys
        from nndl_lib.reproduce import main
        sys.exit(main(["--tier", "fast", "--only", "{key}", "--workers", "0", "--threads", "1",
                       "--ledger", r"{tmp_path / 'ledger.json'}"]))
        """)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", program], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith(key + " ")), "")
    assert done.returncode == 1 and line.endswith("FAIL"), (
        f"{what}: the fast tier did not notice (exit {done.returncode}):\n{done.stdout}\n"
        f"{done.stderr[-2000:]}")
