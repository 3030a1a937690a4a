"""Grid and random search (nndl_lib.companions.ch03_hyper_search)."""

from __future__ import annotations

import math

import pytest

from nndl_lib.companions.ch03_hyper_search import (
    SearchResult,
    best,
    evaluate,
    grid_points,
    random_points,
)


def test_grid_is_every_combination_last_axis_fastest():
    pts = grid_points({"eta": [0.1, 1.0], "lmbda": [0.0, 5.0, 50.0]})
    assert len(pts) == 6
    assert pts[0] == {"eta": 0.1, "lmbda": 0.0} and pts[1] == {"eta": 0.1, "lmbda": 5.0}
    assert {p["eta"] for p in pts} == {0.1, 1.0}


def test_random_points_are_log_uniform_in_range_and_reproducible():
    pts = random_points({"eta": (0.01, 10.0), "lmbda": (0.1, 100.0)}, 2000, seed=0)
    assert pts == random_points({"eta": (0.01, 10.0), "lmbda": (0.1, 100.0)}, 2000, seed=0)
    etas = [p["eta"] for p in pts]
    assert min(etas) >= 0.01 and max(etas) <= 10.0
    # log-uniform: about a third of the draws in each decade of [0.01, 10]
    share = sum(0.1 <= e < 1.0 for e in etas) / len(etas)
    assert share == pytest.approx(1 / 3, abs=0.04)


def test_random_search_tries_more_distinct_values_per_axis_than_a_grid():
    grid = grid_points({"eta": [0.01, 0.1, 1.0], "lmbda": [0.1, 1.0, 10.0]})
    rand = random_points({"eta": (0.01, 1.0), "lmbda": (0.1, 10.0)}, len(grid), seed=1)
    assert len({p["eta"] for p in grid}) == 3
    assert len({p["eta"] for p in rand}) == 9


def test_evaluate_scores_every_point_and_best_picks_the_highest():
    pts = grid_points({"x": [-1.0, 0.5, 2.0]})
    results = evaluate(lambda p: -(p["x"] - 0.4) ** 2, pts)
    assert [r.point["x"] for r in results] == [-1.0, 0.5, 2.0]
    assert best(results).point == {"x": 0.5}
    assert best([SearchResult({"x": 1.0}, math.nan), SearchResult({"x": 2.0}, 0.1)]).point == {
        "x": 2.0}


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="at least one"):
        grid_points({})
    with pytest.raises(ValueError, match="no values"):
        grid_points({"eta": []})
    with pytest.raises(ValueError, match="0 < low <= high"):
        random_points({"eta": (0.0, 1.0)}, 3)
    with pytest.raises(ValueError, match="integer >= 1"):
        random_points({"eta": (0.1, 1.0)}, 0)
    with pytest.raises(ValueError, match="finite"):
        best([SearchResult({}, math.nan)])
