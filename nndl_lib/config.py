"""Run configuration shared by chapters, benchmarks and the reproduction scripts.

The book is always built with the **fast** configuration, sized for CI. Setting the environment
variable ``NNDL_FULL=1`` switches every chapter notebook to the book's real experiment (full data,
full epochs). That is the one switch; nothing else changes between the two.
"""

from __future__ import annotations

import os

__all__ = ["FULL_ENV_VAR", "full_run", "pick"]

FULL_ENV_VAR = "NNDL_FULL"


def full_run() -> bool:
    """True when ``NNDL_FULL`` is set to 1/true/yes (case-insensitive)."""
    return os.environ.get(FULL_ENV_VAR, "").strip().lower() in {"1", "true", "yes", "on"}


def pick(fast, full):
    """Return ``full`` under ``NNDL_FULL=1`` and ``fast`` otherwise.

    >>> epochs = pick(fast=3, full=30)
    """
    return full if full_run() else fast
