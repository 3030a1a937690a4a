"""The fast tier's expected values and bands come from a measured spread over OpenBLAS kernels
and seeds (reproduction/fast-spread.json), not from one run on one machine; and the chapter 6
fast rows learn (a broken kernel fails them: see test_fast_tier_breakage.py)."""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys

import pytest
from helpers import ROOT

from nndl_lib.reproduction import blas_kernels
from nndl_lib.reproduction.experiments import EXPERIMENTS
from nndl_lib.reproduction.fast_spread import (
    CHAOS,
    FLOOR,
    KERNEL_MARGIN,
    SIGMA_MARGIN,
    SPREAD_PATH,
    TRAINED,
    apply_to_table,
    ci_seeds,
    load_spread,
    propose,
)
from nndl_lib.reproduction.ledger import read_ledger

SPREAD = load_spread()
REMEASURE = ("re-measure: python -m nndl_lib.reproduction.fast_spread --measure own:6 "
             "Sandybridge:3 Nehalem:3 --write --toml (see its docstring)")


def test_the_spread_was_measured_and_committed():
    assert SPREAD is not None, f"{SPREAD_PATH} is missing; {REMEASURE}"
    # at least two kernel families measured on this project's machines (SkylakeX needs AVX-512)
    assert len(SPREAD["kernels"]) >= 2, SPREAD["kernels"]


@pytest.mark.parametrize("key", list(EXPERIMENTS))
def test_every_fast_row_was_measured_in_its_current_configuration(key):
    row = SPREAD["rows"].get(key)
    assert row is not None, f"{key}: not in {SPREAD_PATH.name}; {REMEASURE}"
    assert row["signature"] == EXPERIMENTS[key].signature("fast"), (
        f"{key}: its fast configuration changed since it was measured; {REMEASURE}")
    assert row["ci_seeds"] == ci_seeds(key) and row["compare"] == EXPERIMENTS[key].compare_at(
        "fast"), key
    for kernel, runs in row["runs"].items():
        assert {str(s) for s in range(ci_seeds(key))} <= set(runs), (key, kernel)


@pytest.mark.parametrize("key", list(EXPERIMENTS))
def test_fast_band_covers_the_measured_spread(key):
    """Recomputed from the raw runs: the band covers every kernel's compared number with
    margin, and a chaotic row's band covers three times its seed spread."""
    e, row = EXPERIMENTS[key], SPREAD["rows"][key]
    expected, band, n = e.expected("fast"), e.band_at("fast"), ci_seeds(key)
    scale = 1.0 if e.band_kind == "absolute" else abs(expected)
    runs = {k: {int(s): v for s, v in r.items()} for k, r in row["runs"].items()}
    assert band >= FLOOR[e.band_kind], key
    for kernel, by_seed in runs.items():
        values = [by_seed[s] for s in range(n)]
        value = max(values) if e.compare_at("fast") == "best" else sum(values) / n
        assert abs(value - expected) <= band * scale / KERNEL_MARGIN + 1e-9, (
            f"{key}: under {kernel} the fast tier gives {value:.4g}, outside {expected} ± "
            f"{band}/{KERNEL_MARGIN}")
    every = [v for r in runs.values() for v in r.values()]
    sigma = statistics.stdev(every) if len(every) > 1 else 0.0
    moved = max(max(r[s] for r in runs.values()) - min(r[s] for r in runs.values())
                for s in range(n))
    if e.measure in TRAINED and moved > CHAOS:
        spread = sigma if e.compare_at("fast") == "best" else sigma / math.sqrt(n)
        assert band * scale >= SIGMA_MARGIN * spread - 1e-9, (
            f"{key}: a run moves by {moved:.3g} between kernels, so the band must cover "
            f"{SIGMA_MARGIN} x the compared number's seed spread {spread:.3g}; it is {band}")
    assert math.isclose(expected, row["expected"], rel_tol=0, abs_tol=0.06 * scale), (
        f"{key}: experiments.toml says {expected}, the measurement {row['expected']}")


@pytest.mark.parametrize("key", [k for k, e in EXPERIMENTS.items() if e.chapter == 6])
def test_chapter6_fast_rows_learn_well_clear_of_chance(key):
    e = EXPERIMENTS[key]
    assert e.expected("fast") >= 80.0, key
    # the band's low end stays far above a net that does not learn (10 %)
    assert e.expected("fast") - e.band_at("fast") >= 75.0, key
    assert ci_seeds(key) >= 3, f"{key}: one seed of a chaotic run is not a measurement"


class _Row:
    key, measure, unit, band_kind = "ch1_30", "max", "%", "absolute"

    @staticmethod
    def compare_at(tier):
        return "mean"


def test_rule_widens_a_chaotic_rows_band_to_three_times_the_seed_spread():
    # seed 2 ends half a point apart on the two kernels: a chaotic row
    runs = {"Haswell": {0: 90.0, 1: 92.0, 2: 94.0, 3: 90.0, 4: 94.0, 5: 92.0},
            "Sandybridge": {0: 90.0, 1: 92.0, 2: 94.5}}
    got = propose(_Row(), runs)
    sigma = got["sigma_one_run"]
    assert got["chaotic"] and got["kernel_moved_one_run"] == pytest.approx(0.5)
    assert got["sigma_compared"] == pytest.approx(sigma / math.sqrt(ci_seeds("ch1_30")), abs=1e-6)
    assert got["band"] >= SIGMA_MARGIN * got["sigma_compared"] > FLOOR["absolute"]
    assert got["expected"] == pytest.approx((92.0 + 92.1666667) / 2, abs=0.01)


def test_rule_gives_a_kernel_stable_row_the_kernel_deviation_with_margin():
    # seeds differ a lot, kernels not at all (the last bits are damped): no seed term
    runs = {"Haswell": {0: 80.0, 1: 92.0, 2: 86.0, 3: 70.0}, "Sandybridge": {0: 80.0, 1: 92.0,
                                                                             2: 86.0}}
    got = propose(_Row(), runs)
    assert not got["chaotic"] and got["band"] == FLOOR["absolute"]


def test_rule_keeps_the_floor_for_identical_runs():
    runs = {"Haswell": {0: 50.0, 1: 50.0, 2: 50.0}, "Sandybridge": {0: 50.0, 1: 50.0, 2: 50.0}}
    got = propose(_Row(), runs)
    assert got["band"] == FLOOR["absolute"] and got["expected"] == 50.0


def test_rule_refuses_a_kernel_without_the_ci_seeds():
    with pytest.raises(ValueError, match="fast tier runs seeds 0..2"):
        propose(_Row(), {"Haswell": {0: 1.0, 1: 1.0}})


def test_another_kernel_differs_from_this_environments():
    own = blas_kernels.probe(os.environ.get("OPENBLAS_CORETYPE"))
    if own is None:
        pytest.skip("numpy's BLAS here is not an OpenBLAS that names its kernel")
    other = blas_kernels.another()
    assert other is not None, f"no kernel other than {own} runs on this CPU"
    assert blas_kernels.probe(other) not in (None, own)


def test_measured_values_are_written_into_the_table(tmp_path):
    from nndl_lib.reference_values import EXPERIMENT_TABLE

    table = tmp_path / "experiments.toml"
    table.write_text(EXPERIMENT_TABLE.read_text(encoding="utf-8"), encoding="utf-8")
    spread = {"rows": {"ch1_30": {"expected": 12.34, "band": 5.6}}}
    assert apply_to_table(spread, table) == ["ch1_30"]
    text = table.read_text(encoding="utf-8")
    assert "epochs = 2, expected = 12.34, band = 5.6 }" in text
    # nothing else changed
    assert len(text.splitlines()) == len(EXPERIMENT_TABLE.read_text().splitlines())
    assert apply_to_table(spread, table) == []


def test_the_runner_runs_a_row_under_another_kernel(tmp_path):
    other = blas_kernels.another()
    if other is None:
        pytest.skip("no second OpenBLAS kernel runs on this CPU")
    ledger = tmp_path / "fast.json"
    done = subprocess.run(
        [sys.executable, "-m", "nndl_lib.reproduce", "--tier", "fast", "--only", "ch1_darkness",
         "--workers", "0", "--blas-kernel", "other", "--ledger", str(ledger)],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"OPENBLAS_CORETYPE={other}" in done.stderr
    env = read_ledger(ledger, "fast")[0]["runs"][0]["environment"]
    assert env["openblas_coretype"] == other
    assert env["blas_kernel"] == blas_kernels.probe(other)


def test_a_kernel_this_cpu_cannot_run_is_a_clear_error(tmp_path):
    unrunnable = [k for k in blas_kernels.CANDIDATES if blas_kernels.probe(k) is None]
    if not unrunnable:
        pytest.skip("every candidate kernel runs on this CPU")
    done = subprocess.run(
        [sys.executable, "-m", "nndl_lib.reproduce", "--tier", "fast", "--only", "ch1_darkness",
         "--workers", "0", "--blas-kernel", unrunnable[0], "--ledger", str(tmp_path / "x.json")],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "does not run on this CPU" in done.stderr, done.stderr
    assert not (tmp_path / "x.json").exists()


def test_the_kernel_part_runs_exactly_the_chaotic_rows(tmp_path, capsys):
    from nndl_lib.reproduction.runner import main

    chaotic = {k for k, r in SPREAD["rows"].items() if r["chaotic"]}
    assert chaotic, "no fast row ends differently on two kernels: the kernel part would run none"
    main(["--tier", "fast", "--chaotic", "--dry-run", "--ledger", str(tmp_path / "x.json")])
    planned = {line.split()[2] for line in capsys.readouterr().out.splitlines()
               if line.startswith("would run")}
    assert planned == chaotic
