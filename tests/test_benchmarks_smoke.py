"""Smoke test of benchmarks/bench_fc.py: it runs in a tiny --quick configuration and writes JSON
of the expected structure. Timings are NOT checked (they mean nothing at this size); the
agreement of the matrix network with the PyTorch reference after one epoch is.

Uses --synthetic data (random arrays of MNIST's shape) so the test needs no data files.
"""

import json
import subprocess
import sys

import pytest
from helpers import ROOT

SCRIPT = ROOT / "benchmarks" / "bench_fc.py"


@pytest.fixture(scope="module")
def bench_fc_json(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "bench_fc.json"
    cmd = [
        sys.executable,
        str(SCRIPT),
        "--quick",
        "--synthetic",
        "--n-train",
        "200",
        "--n-example",
        "20",
        "--threads",
        "1",
        "--out",
        str(out),
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "a/b speed-up" in proc.stdout and "extrapolated" in proc.stdout
    return json.loads(out.read_text()), proc.stdout


def test_bench_fc_quick_writes_json_with_one_row_per_configuration(bench_fc_json):
    data, _ = bench_fc_json
    assert data["benchmark"] == "bench_fc" and data["quick"] is True
    assert data["settings"]["n_train"] == 200 and data["settings"]["n_example"] == 20
    assert data["settings"]["example_extrapolated"] is True
    configs = {(tuple(r["sizes"]), r["mini_batch_size"], r["dtype"]) for r in data["results"]}
    assert configs == {
        (sizes, mb, dt)
        for sizes in ((784, 30, 10), (784, 100, 10))
        for mb in (10, 100)
        for dt in ("float64", "float32")
    }
    for r in data["results"]:
        assert r["example_measured_on"] == 20
        assert r["matrix_seconds"] > 0 and r["example_seconds"] > 0
        assert r["example_seconds"] == pytest.approx(r["example_seconds_measured"] * 200 / 20)
        assert r["speedup_matrix_vs_example"] == pytest.approx(
            r["example_seconds"] / r["matrix_seconds"]
        )


def test_bench_fc_quick_reports_threads_machine_and_targets(bench_fc_json):
    data, stdout = bench_fc_json
    assert data["threads"]["used"] == 1
    assert data["threads"]["numpy_blas_threads"] >= 1
    assert {"numpy", "blas", "cpu_count", "python"} <= set(data["machine"])
    statuses = {t["status"] for t in data["targets"]}
    assert statuses <= {"PASS", "FAIL", "SKIP"}
    # 4 speed-up targets (float64 rows) + 8 torch-ratio targets
    assert len(data["targets"]) == 12
    assert isinstance(data["all_passed"], bool)
    for t in data["targets"]:
        assert f"{t['status']:4}  {t['target']}" in stdout


def test_bench_fc_torch_reference_does_the_same_maths(bench_fc_json):
    data, _ = bench_fc_json
    if data["machine"]["torch"] is None:
        pytest.skip("PyTorch is not installed: the script skipped the reference column")
    assert data["threads"]["torch_threads"] == 1
    for r in data["results"]:
        assert r["torch_seconds"] > 0
        assert r["ratio_matrix_vs_torch"] == pytest.approx(r["matrix_seconds"] / r["torch_seconds"])
        # same initial weights, mini-batches, cost and update: weights agree after one epoch
        tol = 1e-10 if r["dtype"] == "float64" else 1e-4
        assert r["max_abs_diff_matrix_torch"] < tol
