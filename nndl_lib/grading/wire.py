"""Plain-data encoding of grading inputs and outputs: a JSON tree plus an ``.npz`` of arrays.

The trusted grader and the sandboxed child exchange only this: no pickle in either direction
(``numpy.load(..., allow_pickle=False)``), so nothing a submission returns can run code in the
grader. Uses the standard library and NumPy only.

Values: None, bool, int, float, str, NumPy arrays of numbers or booleans, NumPy scalars,
lists, tuples, dicts with string keys, and :class:`RngSeed` (a ``numpy.random.Generator`` to be
created at call time). Outputs of learner code may hold anything; :func:`encode_output` turns
what is not plain data into an :class:`Unsupported` marker naming its type.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["RngSeed", "Unsupported", "RaisedError", "encode", "decode", "encode_output",
           "dump", "load", "MAX_ELEMENTS"]

#: The largest number of array entries an output may hold (bigger outputs are not compared).
MAX_ELEMENTS = 5_000_000
_MAX_DEPTH = 8


@dataclass(frozen=True)
class RngSeed:
    """Stands for ``numpy.random.default_rng(seed)``, created afresh for every call."""

    seed: int


@dataclass(frozen=True)
class Unsupported:
    """An output that is not plain data (an object of ``type_name``, or too large/deep)."""

    type_name: str
    why: str = ""


@dataclass(frozen=True)
class RaisedError:
    """The learner's code raised ``type_name`` with ``message`` (or the sandbox stopped it);
    ``where``: the learner's line that raised it (see :func:`drivers.where_raised`)."""

    type_name: str
    message: str
    where: str = ""


def encode(value: Any, arrays: dict[str, np.ndarray] | None = None) -> tuple[Any, dict]:
    """(JSON-able tree, arrays) for plain data; raises TypeError for anything else."""
    arrays = {} if arrays is None else arrays
    return _enc(value, arrays, strict=True, depth=0, budget=[MAX_ELEMENTS]), arrays


def encode_output(value: Any, arrays: dict[str, np.ndarray] | None = None) -> tuple[Any, dict]:
    """Like :func:`encode`, but never fails: whatever is not plain data becomes Unsupported."""
    arrays = {} if arrays is None else arrays
    return _enc(value, arrays, strict=False, depth=0, budget=[MAX_ELEMENTS]), arrays


def _array(value: np.ndarray, arrays: dict, budget: list[int]) -> Any:
    if value.size > budget[0]:
        return {"$unsupported": "ndarray", "why": f"too large ({value.size} entries)"}
    budget[0] -= value.size
    key = f"a{len(arrays)}"
    arrays[key] = np.array(value, order="C")  # a copy; keeps 0-d arrays 0-d
    return {"$a": key}


def _enc(value: Any, arrays: dict, strict: bool, depth: int, budget: list[int]) -> Any:
    if depth > _MAX_DEPTH:
        return _unsupported(value, strict, "nested too deeply")
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**63 else float(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, RngSeed):
        return {"$rng": int(value.seed)}
    if isinstance(value, RaisedError):
        return {"$raised": value.type_name, "message": value.message, "where": value.where}
    if isinstance(value, Unsupported):
        return {"$unsupported": value.type_name, "why": value.why}
    if isinstance(value, np.ndarray) and type(value) is np.ndarray:
        if value.dtype.kind in "biuf":
            return _array(value, arrays, budget)
        if not strict and value.dtype == object:
            try:
                return _array(value.astype(np.float64), arrays, budget)
            except (TypeError, ValueError):
                pass
        return _unsupported(value, strict, f"dtype {value.dtype}")
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return {"$scalar": _array(np.asarray(value), arrays, budget)["$a"]} if (
            budget[0] > 0) else _unsupported(value, strict, "too large")
    if type(value) in (list, tuple):
        items = [_enc(v, arrays, strict, depth + 1, budget) for v in value]
        return {"$list" if type(value) is list else "$tuple": items}
    if type(value) is dict and all(isinstance(k, str) for k in value):
        return {"$dict": {k: _enc(v, arrays, strict, depth + 1, budget)
                          for k, v in value.items()}}
    if not strict:
        # an ndarray subclass or an object with __array__: keep its numbers, drop its methods
        try:
            arr = np.array(value, copy=True)
        except Exception:
            arr = None
        if arr is not None and arr.dtype.kind in "biuf" and type(arr) is np.ndarray:
            return _array(arr, arrays, budget)
    return _unsupported(value, strict, "")


def _unsupported(value: Any, strict: bool, why: str) -> dict:
    if strict:
        raise TypeError(f"cannot encode {type(value).__name__} {why}".strip())
    return {"$unsupported": type(value).__name__[:80], "why": why}


def decode(tree: Any, arrays: Any) -> Any:
    """Rebuild a value from :func:`encode`'s tree and arrays (a dict or an NpzFile)."""
    if isinstance(tree, list):  # plain JSON lists only appear inside the markers below
        return [decode(v, arrays) for v in tree]
    if not isinstance(tree, dict):
        return tree
    if "$a" in tree:
        return np.array(arrays[tree["$a"]])
    if "$scalar" in tree:
        return np.array(arrays[tree["$scalar"]])[()]
    if "$float" in tree:
        return float(tree["$float"])
    if "$rng" in tree:
        return RngSeed(int(tree["$rng"]))
    if "$raised" in tree:
        return RaisedError(str(tree["$raised"]), str(tree.get("message", "")),
                           str(tree.get("where", ""))[:300])
    if "$unsupported" in tree:
        return Unsupported(str(tree["$unsupported"]), str(tree.get("why", "")))
    if "$list" in tree:
        return [decode(v, arrays) for v in tree["$list"]]
    if "$tuple" in tree:
        return tuple(decode(v, arrays) for v in tree["$tuple"])
    if "$dict" in tree:
        return {str(k): decode(v, arrays) for k, v in tree["$dict"].items()}
    raise ValueError(f"unknown marker in encoded data: {sorted(tree)[:3]}")


def dump(value: Any, path: str | Path, *, output: bool = False) -> None:
    """Write value as ``path`` (JSON) and ``path`` + ``.npz`` (arrays)."""
    tree, arrays = (encode_output if output else encode)(value)
    path = Path(path)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    Path(str(path) + ".npz").write_bytes(buf.getvalue())
    path.write_text(json.dumps(tree))


def load(path: str | Path, max_bytes: int = 200_000_000) -> Any:
    """Read what :func:`dump` wrote; refuses files over ``max_bytes`` and never unpickles."""
    path = Path(path)
    npz = Path(str(path) + ".npz")
    for p in (path, npz):
        if p.stat().st_size > max_bytes:
            raise ValueError(f"{p.name} is larger than {max_bytes} bytes")
    tree = json.loads(path.read_text())
    with np.load(npz, allow_pickle=False) as arrays:
        return decode(tree, arrays)
