"""Training in resumable pieces: a long run that survives being stopped.

Chapter 6's full runs take hours per seed on 2 cores. :func:`train_in_pieces` trains with
:func:`nndl_lib.training.train` a few epochs at a time and, after each piece, saves a checkpoint:
the parameters, the history so far and the state of the random generator. Started again with the
same checkpoint file, it loads that state and trains only the epochs that are left.

The result does not depend on where the run was cut. The trainer draws its random numbers (the
shuffling order, dropout masks) from one generator whose state is carried from piece to piece, and
plain SGD keeps no other state, so pieces of 5 + 5 epochs make the same updates as 10 epochs in one
call. The histories of the pieces are joined into one: per-epoch series are concatenated and the
best epoch is chosen again over all of them, with the same tie rule (the test accuracy is known at
the global best epoch because that epoch was also a new best within its own piece).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from nndl_lib.conventions import CHAPTER_3
from nndl_lib.persist import load_model, save_model
from nndl_lib.training import History, train
from nndl_lib.validate import as_rng, check_int

__all__ = ["train_in_pieces", "join_histories", "checkpoint_seconds", "CHECKPOINT_KIND"]

CHECKPOINT_KIND = "TrainingCheckpoint"
_SERIES = ("training_cost", "training_accuracy", "evaluation_cost", "evaluation_accuracy",
           "test_accuracy", "eta")


def join_histories(first: History, second: History, ties: str = "first") -> History:
    """One history for two consecutive pieces of training (``second`` ran after ``first``).

    ties: the trainer's tie rule for the best epoch ("first" or "last", chapter 6).
    """
    out = History(**{name: list(getattr(first, name)) + list(getattr(second, name))
                     for name in _SERIES})
    out.epochs_run = first.epochs_run + second.epochs_run
    out.stop_reason = second.stop_reason
    accuracies = out.evaluation_accuracy
    if accuracies:
        best = max(accuracies)
        hits = [i for i, a in enumerate(accuracies) if a == best]
        out.best_epoch = hits[-1] if ties == "last" else hits[0]
        out.best_evaluation_accuracy = best
        if out.test_accuracy:
            out.test_accuracy_at_best = out.test_accuracy[out.best_epoch]
    return out


def _save(path: Path, model: Any, history: History, rng: np.random.Generator, epochs_done: int,
          fingerprint: str, seconds: float) -> None:
    config = {"epochs_done": epochs_done, "fingerprint": fingerprint, "seconds": seconds,
              "history": history.as_dict(), "rng": rng.bit_generator.state}
    arrays = list(model.weights) + list(model.biases)
    save_model(path, CHECKPOINT_KIND, json.loads(json.dumps(config)), arrays)


def checkpoint_seconds(path: str | os.PathLike | None) -> float:
    """Seconds of training already saved in checkpoint ``path`` (0.0 if there is none, or it
    predates this record): what a resumed run adds to its own time for its total wall time."""
    if path is None or not Path(path).exists():
        return 0.0
    config, _ = load_model(Path(path), CHECKPOINT_KIND)
    return float(config.get("seconds", 0.0))


def _load(path: Path, model: Any, fingerprint: str) -> tuple[History, dict, int]:
    config, arrays = load_model(path, CHECKPOINT_KIND)
    if config.get("fingerprint") != fingerprint:
        raise ValueError(
            f"checkpoint {path} belongs to another run (its configuration or seed differs from "
            f"this one's). Delete it to start this run afresh, or run the configuration it was "
            f"made for.")
    params = list(model.weights) + list(model.biases)
    if len(arrays) != len(params) or any(a.shape != p.shape
                                         for a, p in zip(arrays, params, strict=True)):
        raise ValueError(f"checkpoint {path} does not hold this model's parameters; delete it")
    for p, saved in zip(params, arrays, strict=True):
        p[...] = saved
    history = History(**config["history"])
    return history, config["rng"], int(config["epochs_done"])


def train_in_pieces(
    model: Any,
    training_data: tuple[Any, Any],
    epochs: int,
    mini_batch_size: int,
    eta: float,
    lmbda: float = 0.0,
    *,
    checkpoint: str | os.PathLike | None = None,
    every: int = 5,
    fingerprint: str = "",
    seed: int | np.random.Generator | None = None,
    **train_options: Any,
) -> History:
    """:func:`nndl_lib.training.train`, saving a checkpoint every ``every`` epochs.

    checkpoint: the file to save to and resume from (None: one call to ``train``, nothing
        saved). If it exists, the model's parameters, the history and the generator are restored
        from it and only the remaining epochs are trained; it must have been written for the
        same ``fingerprint`` (a string naming the run: configuration, seed), else ValueError.
    The other arguments are ``train``'s (early stopping and the learning-rate schedule are not
    supported in pieces: their patience would restart at each piece).
    Returns the joined :class:`~nndl_lib.training.History` of all pieces.
    """
    if checkpoint is None:
        return train(model, training_data, epochs, mini_batch_size, eta, lmbda, seed=seed,
                     **train_options)
    every = check_int(every, "every", minimum=1)
    for name in ("early_stopping_patience", "lr_schedule_patience"):
        if train_options.get(name) is not None:
            raise ValueError(f"{name} is not supported when training in pieces")
    path = Path(checkpoint)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = as_rng(seed)
    history, done, seconds = History(), 0, 0.0
    if path.exists():
        seconds = checkpoint_seconds(path)
        history, state, done = _load(path, model, fingerprint)
        rng = np.random.Generator(type(rng.bit_generator)())
        rng.bit_generator.state = state
    ties = train_options.get("conventions", CHAPTER_3).ties
    callback = train_options.pop("callback", None)
    while done < epochs:
        n = min(every, epochs - done)
        offset = done

        def shifted(epoch: int, m: Any, h: History, offset: int = offset) -> Any:
            return callback(offset + epoch, m, h) if callback is not None else None

        start = time.perf_counter()
        piece = train(model, training_data, n, mini_batch_size, eta, lmbda, seed=rng,
                      callback=shifted, **train_options)
        seconds += time.perf_counter() - start
        history = join_histories(history, piece, ties) if done else piece
        done += piece.epochs_run
        _save(path, model, history, rng, done, fingerprint, seconds)
        if piece.stop_reason == "callback":
            break
    return history
