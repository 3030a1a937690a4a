"""How long a row of the experiment table takes: one measured epoch of its full configuration.

Chapter 6's full runs take from half an hour to days per seed on 2 cores, too long to run all of
them before publishing how long they take. :func:`time_row_epoch` trains one epoch of a row's full
configuration (on all its training images, or on the first ``images`` of them) and evaluates as
a real run does after each epoch (validation accuracy, and the test accuracy the first time), and
:func:`estimate` turns that into the time of a whole row: per seed on one worker, and for all
seeds on N workers (a Dask cluster or local processes) where each (row, seed) is one task.

``python -m nndl_lib.reproduce --time-epoch --only 'ch6_*'`` writes the measurements to
``reproduction/epoch-times.json`` (one entry per row, with the environment it ran in).
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

from nndl_lib.reproduction.ledger import ROOT, write_ledger

__all__ = ["EPOCH_TIMES_PATH", "time_row_epoch", "estimate", "read_epoch_times"]

#: The committed measurements.
EPOCH_TIMES_PATH = ROOT / "reproduction" / "epoch-times.json"


def time_row_epoch(key: str, *, images: int | None = None, seed: int = 0,
               data: tuple | None = None) -> dict[str, Any]:
    """Seconds of one training epoch and one evaluation of row ``key``'s full configuration.

    images: train on the first ``images`` of the row's training set (None: all of it) and scale
    the training time to the whole set (the cost per image does not change within an epoch).
    Returns a dict: key, images_timed, training_size, train_s (for the whole set), eval_s,
    epoch_s, epochs, ensemble, measured_s (what this call spent training).
    """
    from nndl_lib.data import load_mnist, subset
    from nndl_lib.reproduction.experiments import EXPERIMENTS
    from nndl_lib.training import train

    experiment = EXPERIMENTS[key]
    spec = experiment.spec_for("full")
    if spec is None or experiment.measure == "gradient_norm":
        raise ValueError(f"row {key!r} trains nothing; there is no epoch to time")
    if data is None:
        data = load_mnist(dtype=spec.dtype)
    train_set = spec.training_set(data[0])
    n = len(train_set[0])
    timed = n if images is None else min(int(images), n)
    part = subset(train_set, timed)
    model = spec.build(seed)
    start = time.perf_counter()
    train(model, part, 1, spec.mini_batch_size, spec.eta, spec.lmbda, monitor=(), seed=seed,
          progress=False, **spec.train_options())
    measured = time.perf_counter() - start
    evaluation = [data[1]] + ([data[2]] if experiment.metric == "test at best validation" else [])
    start = time.perf_counter()
    for x, y in evaluation:
        model.accuracy(x, y)
    eval_s = time.perf_counter() - start
    train_s = measured * n / timed
    return {"key": key, "images_timed": timed, "training_size": n,
            "train_s": round(train_s, 2), "eval_s": round(eval_s, 2),
            "epoch_s": round(train_s + eval_s, 2), "epochs": spec.epochs,
            "ensemble": experiment.setting("ensemble", "full"), "measured_s": round(measured, 2)}


def estimate(times: dict[str, Any], seeds: int = 3, workers: int = 1) -> dict[str, float]:
    """Hours for a row from its measured epoch: ``per_seed_h`` (one worker), and ``row_h`` for
    all ``seeds`` on ``workers`` workers (each seed is one task, so more workers than seeds do
    not help a single row)."""
    per_seed = times["epoch_s"] * times["epochs"] * times.get("ensemble", 1) / 3600
    return {"per_seed_h": per_seed, "row_h": per_seed * math.ceil(seeds / max(1, workers))}


def read_epoch_times(path: str | Path = EPOCH_TIMES_PATH) -> dict[str, dict[str, Any]]:
    """The committed measurements by row key ({} if none)."""
    path = Path(path)
    if not path.exists():
        return {}
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON ({exc.msg}); repair or delete it") from None
    return {r["key"]: r for r in rows}


def record_epoch_times(entries: list[dict[str, Any]], path: str | Path = EPOCH_TIMES_PATH) -> None:
    """Merge ``entries`` into the file at ``path`` (atomically), one entry per key."""
    merged = read_epoch_times(path)
    merged.update({e["key"]: e for e in entries})
    write_ledger(path, list(merged.values()))
