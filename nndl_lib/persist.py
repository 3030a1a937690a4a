"""One file format for every model of the library: a NumPy ``.npz`` holding a JSON description
and the parameter arrays.

``save_model(path, kind, config, arrays)`` writes exactly ``path`` (no suffix is added), through a
temporary file and a rename, so an interrupted save never leaves a half-written model.
``load_model(path, kind)`` returns ``(config, arrays)`` or raises ``ValueError`` saying why the
file is not a model of that kind. Arrays keep their dtype; nothing is pickled.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["FORMAT", "VERSION", "save_model", "load_model"]

FORMAT = "nndl_lib.model"
VERSION = 1


def save_model(path: str | os.PathLike, kind: str, config: dict[str, Any],
               arrays: Sequence[np.ndarray]) -> None:
    """Write ``config`` (JSON-serialisable) and ``arrays`` (in order) to ``path`` atomically."""
    path = Path(path)
    meta = {"format": FORMAT, "version": VERSION, "kind": kind, "config": config,
            "n_arrays": len(arrays)}
    named = {f"p{i}": np.asarray(a) for i, a in enumerate(arrays)}
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as f:  # a file object: np.savez would append ".npz" to a name
            np.savez(f, meta=np.array(json.dumps(meta)), **named)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_model(path: str | os.PathLike, kind: str) -> tuple[dict[str, Any], list[np.ndarray]]:
    """Read a file written by :func:`save_model` for a model of ``kind``.

    Returns (config, arrays). A missing file raises FileNotFoundError; anything else that is not
    such a model raises ValueError naming the file and the reason.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}")
    try:
        with np.load(path, allow_pickle=False) as f:
            meta = json.loads(str(f["meta"]))
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                found = meta.get("format") if isinstance(meta, dict) else meta
                raise ValueError(f"format is {found!r}, expected {FORMAT!r}")
            arrays = [f[f"p{i}"] for i in range(int(meta["n_arrays"]))]
    except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile, json.JSONDecodeError,
            EOFError) as exc:
        raise ValueError(f"{path} is not a model saved by nndl_lib ({type(exc).__name__}: {exc})"
                         ) from None
    if meta.get("kind") != kind:
        raise ValueError(f"{path} holds a {meta.get('kind')!r} model, not a {kind!r}")
    if meta.get("version", 0) > VERSION:
        raise ValueError(f"{path} was written by a newer nndl_lib (file version "
                         f"{meta.get('version')}, this library reads up to {VERSION})")
    if not isinstance(meta.get("config"), dict):
        raise ValueError(f"{path} is not a model saved by nndl_lib: no configuration")
    return meta["config"], arrays
