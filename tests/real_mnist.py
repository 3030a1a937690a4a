"""Where the tests find the real MNIST files: the course's shared folder beside the repository.

Tests that need the real digits carry ``@needs_real_mnist``. Outside CI they are skipped (with the
reason) when the folder is absent; in CI (``CI`` set) they run regardless, so a missing data
folder fails loudly instead of silently shrinking the test suite.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nndl_lib.data import FILES

SHARED_MNIST = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist"
HAVE_REAL_MNIST = all((SHARED_MNIST / name).is_file() for name in FILES.values())

needs_real_mnist = pytest.mark.skipif(
    not HAVE_REAL_MNIST and not os.environ.get("CI"),
    reason=f"the real MNIST files are not in {SHARED_MNIST} (course shared folder absent)",
)
