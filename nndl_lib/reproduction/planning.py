"""What the reproduction runner runs: the rows selected, their seeds, and one task per distinct run.

A task is one training run, (configuration signature, seed), and the rows whose value it is: rows
whose runs would be identical (same configuration, measure and seed) share one task.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence

__all__ = ["Task", "select", "planned_seeds", "plan"]


class Task(tuple):
    """(signature, seed, keys): one training run and the rows whose value it is."""

    __slots__ = ()

    def __new__(cls, signature: str, seed: int, keys: tuple[str, ...]) -> Task:
        return super().__new__(cls, (signature, seed, keys))

    signature = property(lambda self: self[0])
    seed = property(lambda self: self[1])
    keys = property(lambda self: self[2])


def select(patterns: Sequence[str] | None) -> list[str]:
    """Experiment keys matching any of ``patterns`` (shell wildcards), in the table's order."""
    from nndl_lib.reproduction.experiments import EXPERIMENTS

    if not patterns:
        return list(EXPERIMENTS)
    keys = [k for k in EXPERIMENTS if any(fnmatch.fnmatchcase(k, p) for p in patterns)]
    unmatched = [p for p in patterns if not any(fnmatch.fnmatchcase(k, p) for k in EXPERIMENTS)]
    if unmatched:
        raise SystemExit(f"--only {' '.join(unmatched)}: no such experiment. Known keys: "
                         f"{', '.join(EXPERIMENTS)}")
    return keys


def planned_seeds(key: str, seeds: int | None, tier: str = "full") -> int:
    """How many seeds a row runs: its own ``seeds`` (3 unless deterministic; the fast tier may
    set fewer for its slow rows), or ``seeds``; deterministic rows always run one."""
    from nndl_lib.reproduction.experiments import EXPERIMENTS

    own = EXPERIMENTS[key].seeds_at(tier)
    return own if seeds is None or EXPERIMENTS[key].seeds == 1 else seeds


def plan(keys: Sequence[str], tier: str, seeds: int | None,
         done: dict[str, dict[int, dict]], first: int | None = None) -> list[Task]:
    """The tasks still to run, seed by seed (every row's seed 0 first), rows with identical
    runs merged into one task. ``done[key][seed]``: the runs already in the ledger. first: run
    only seeds below this now (the rows stay partial)."""
    from nndl_lib.reproduction.experiments import EXPERIMENTS

    tasks: dict[tuple[str, int], list[str]] = {}
    for seed in range(max(planned_seeds(k, seeds, tier) for k in keys)):
        for key in keys:
            if (seed >= planned_seeds(key, seeds, tier) or seed in done.get(key, {})
                    or (first is not None and seed >= first)):
                continue
            tasks.setdefault((EXPERIMENTS[key].signature(tier), seed), []).append(key)
    return [Task(sig, seed, tuple(ks)) for (sig, seed), ks in tasks.items()]
