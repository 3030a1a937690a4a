"""Automated hyper-parameter search (chapter 3): grid search and random search.

Both choose a list of *points* (dicts of hyper-parameter values, e.g. ``{"eta": 0.5,
"lmbda": 1.0}``); :func:`evaluate` trains one network per point and scores it. They differ only in
where the points lie:

- ``grid_points`` takes every combination of a few values per hyper-parameter: with k values for
  each of d hyper-parameters that is k^d runs, but only k distinct values of each one;
- ``random_points`` draws every coordinate independently (log-uniformly, since learning rates and
  regularisation strengths matter by their order of magnitude), so n runs try n distinct values of
  every hyper-parameter. When only a few hyper-parameters matter, that is why random search
  usually finds a better value for the same number of runs (Bergstra and Bengio, 2012).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from nndl_lib.validate import as_rng, check_int

__all__ = ["grid_points", "random_points", "SearchResult", "evaluate", "best"]

Point = dict[str, float]


def grid_points(axes: Mapping[str, Sequence[float]]) -> list[Point]:
    """Every combination of the values in ``axes`` (name -> values), the last name varying
    fastest. ``grid_points({"eta": [0.1, 1], "lmbda": [0, 5]})`` gives four points."""
    if not axes:
        raise ValueError("axes must name at least one hyper-parameter, e.g. {'eta': [0.1, 1.0]}")
    for name, values in axes.items():
        if len(values) == 0:
            raise ValueError(f"hyper-parameter {name!r} has no values to try")
    names = list(axes)
    return [dict(zip(names, map(float, combo), strict=True))
            for combo in itertools.product(*(axes[n] for n in names))]


def random_points(ranges: Mapping[str, tuple[float, float]], n: int,
                  seed: int | np.random.Generator | None = None) -> list[Point]:
    """``n`` points, each coordinate drawn log-uniformly from its (low, high) range.

    ranges: name -> (low, high) with 0 < low <= high. seed: int, Generator or None.
    """
    n = check_int(n, "n (the number of points)", minimum=1)
    rng = as_rng(seed)
    for name, (low, high) in ranges.items():
        if not 0 < low <= high:
            raise ValueError(f"range of {name!r} must satisfy 0 < low <= high for a log-uniform "
                             f"draw; got ({low!r}, {high!r})")
    draws = {name: np.exp(rng.uniform(np.log(low), np.log(high), size=int(n)))
             for name, (low, high) in ranges.items()}
    return [{name: float(draws[name][i]) for name in ranges} for i in range(int(n))]


@dataclass(frozen=True)
class SearchResult:
    """One tried point and its score (higher is better, e.g. a validation accuracy)."""

    point: Point
    score: float


def evaluate(score: Callable[[Point], float], points: Sequence[Point]) -> list[SearchResult]:
    """``score(point)`` for every point, in order. The score function trains and measures one
    network, e.g. ``lambda p: run_spec(spec.but(**p), train, valid).best_evaluation_accuracy``."""
    return [SearchResult(dict(p), float(score(p))) for p in points]


def best(results: Sequence[SearchResult]) -> SearchResult:
    """The result with the highest score (the first of equals); NaN scores never win."""
    finite = [r for r in results if np.isfinite(r.score)]
    if not finite:
        raise ValueError("no result with a finite score to choose from")
    return max(finite, key=lambda r: r.score)
