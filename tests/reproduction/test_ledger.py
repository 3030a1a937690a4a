"""The reproduction ledger: the table's ledger fields, book-results.md coverage, the ledger file
(atomic, resumable, never overwritten when unreadable), the runner's band check, the Dask path,
and training in resumable pieces."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from helpers import ROOT, blobs, cells_of, read_notebook, text_of
from real_mnist import needs_real_mnist

from nndl_lib.reproduction.experiments import EXPERIMENTS
from nndl_lib.reproduction.ledger import (
    LedgerError,
    full_results,
    read_ledger,
    summarize,
    write_ledger,
)

# the course's shared folder beside the repository (NNDL_SHARED_DIR overrides, e.g. in a worktree)
SHARED = Path(os.environ.get("NNDL_SHARED_DIR") or ROOT.parent / "shared")
BOOK_RESULTS_MD = SHARED / "book-results.md"


# -- the table -----------------------------------------------------------------------------------

def test_every_row_carries_what_the_ledger_needs():
    for key, e in EXPERIMENTS.items():
        assert e.compare == ("best" if e.chapter in (1, 6) else "mean"), key
        assert e.seeds in (1, 3), key
        if e.unit == "norm":
            assert e.band_kind == "relative" and 0 < e.band < 1, key
        else:
            default = 0.3 if e.chapter == 6 else 0.5
            # a band other than the default is reasoned in the row's note
            assert e.band == default or "band" in e.note, key
        if e.seeds == 1:
            assert "deterministic" in e.note, key
        assert e.expected("fast") is not None, f"{key}: no fast expected value recorded"
        assert e.band_at("fast") > 0, key
        if e.variant_of is not None:
            assert EXPERIMENTS[e.variant_of].book == e.book, key


def test_every_row_builds_at_both_tiers_through_the_public_api():
    for key, e in EXPERIMENTS.items():
        for tier in ("fast", "full"):
            spec = e.spec_for(tier)
            if spec is not None:
                model = spec.build(seed=0)
                assert model.weights and hasattr(model, "batch_gradients"), (key, tier)


def test_a_malformed_row_is_refused_with_its_key():
    from nndl_lib.reference_values import check_row

    row = {"key": "x", "chapter": 1, "description": "d", "book": 1.0, "metric": "test",
           "measure": "max", "compare": "median"}
    with pytest.raises(ValueError, match="'x': compare must be one of"):
        check_row(row)
    with pytest.raises(ValueError, match="unknown fields"):
        check_row({**row, "compare": "best", "bnad": 1})


def _published_numbers(text: str) -> list[tuple[int, float]]:
    """(chapter, value) for every number of book-results.md's result tables and the chapter 5
    gradient norms."""
    out = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 7 or set(cells[0]) <= {"-"}:
            continue
        if cells[0].isdigit():  # chapters 1, 3, 5: | Ch | ... | Result |
            chapter, result = int(cells[0]), cells[-1]
        elif cells[-1].endswith("%") or "%" in cells[-1]:  # chapter 6: | ... | Test accuracy |
            chapter, result = 6, cells[-1]
        else:
            continue
        result = re.sub(r"epoch \d+", "", result)
        numbers = [float(n) for n in re.findall(r"\d+\.\d+|\d+(?=\s*%)", result)]
        if result.startswith("≈") and len(numbers) == 2:  # "≈ 10% (9.82%)": the exact one
            numbers = numbers[1:]
        out += [(chapter, n) for n in numbers]
    norms = re.search(r"Chapter 5 gradient norms.*?slower", text, re.S).group(0)
    norms = norms.split("):", 1)[1]  # after "(cross-entropy, default init)"
    out += [(5, float(n)) for n in re.findall(r"\b0\.\d+", norms)]
    return out


@pytest.mark.skipif(not BOOK_RESULTS_MD.exists() and not os.environ.get("CI"),
                    reason=f"{BOOK_RESULTS_MD} (the course's shared folder) is absent")
def test_every_published_number_of_book_results_has_a_row_and_no_row_is_invented():
    published = sorted(_published_numbers(BOOK_RESULTS_MD.read_text(encoding="utf-8")))
    rows = sorted((e.chapter, e.book) for e in EXPERIMENTS.values() if e.variant_of is None)
    assert published == rows, (
        f"only in book-results.md: {sorted(set(published) - set(rows))}; "
        f"only in experiments.toml: {sorted(set(rows) - set(published))}")


# -- the ledger file -----------------------------------------------------------------------------

def _runs(values, seeds=None):
    return [{"seed": s, "value": v, "wall_s": 1.5, "signature": "sig", "environment": {}}
            for s, v in zip(seeds or range(len(values)), values, strict=True)]


def test_summary_compares_best_or_mean_against_the_band():
    best_row = summarize(EXPERIMENTS["ch1_30"], _runs([95.0, 95.6, 94.0]), "full")
    assert best_row.value == best_row.best == 95.6 and best_row.passed  # 95.42 ± 0.5
    assert best_row.mean == pytest.approx(94.8667, abs=1e-4)
    assert best_row.std == pytest.approx(np.std([95.0, 95.6, 94.0]))
    assert best_row.complete and best_row.seeds == [0, 1, 2] and best_row.wall_s == 4.5
    mean_row = summarize(EXPERIMENTS["ch3_ce_30"], _runs([95.0, 96.6]), "full")
    assert mean_row.value == pytest.approx(95.8) and mean_row.passed is True
    assert not mean_row.complete and mean_row.seeds_planned == 3
    assert mean_row["pass"] is True and mean_row.command.endswith("--tier full --only ch3_ce_30")
    norm = summarize(EXPERIMENTS["ch5_grad_2h_layer1"], _runs([0.11]), "full")
    assert norm.band_kind == "relative" and norm.passed is False  # 0.066 * 1.6 = 0.1056


def test_ledger_round_trip_and_full_results(tmp_path):
    path = tmp_path / "ledger.json"
    assert full_results(path) == {}
    rows = [summarize(EXPERIMENTS[k], _runs([95.3]), "full") for k in ("ch1_30", "ch3_ce_30")]
    write_ledger(path, rows)
    got = full_results(path)
    assert list(got) == ["ch1_30", "ch3_ce_30"]
    assert got["ch1_30"].best == 95.3 and got["ch1_30"]["pass"] is True
    for field in ("id", "chapter", "book", "best", "mean", "std", "band", "pass", "tier",
                  "seeds", "wall_s"):
        assert field in json.loads(path.read_text())[0]


@pytest.mark.parametrize("content, problem", [
    ('[{"id": "ch1_30", "chapter": 1, "bo', "invalid JSON"),             # cut off mid-write
    ('{"rows": []}', "expected a JSON list"),
    ('[{"id": "ch1_30", "chapter": 1}]', "lacks"),                       # a partial row
    ("<<<<<<< HEAD\n[]\n=======\n[]\n>>>>>>> other\n", "invalid JSON"),   # a merge conflict
])
def test_an_unreadable_ledger_is_an_error_and_is_never_overwritten(tmp_path, capsys, content,
                                                                   problem):
    from nndl_lib.reproduction.runner import main

    path = tmp_path / "ledger.json"
    path.write_text(content)
    with pytest.raises(LedgerError, match=problem):
        read_ledger(path)
    assert main(["--tier", "fast", "--only", "ch1_darkness", "--workers", "0",
                 "--ledger", str(path)]) == 2
    err = capsys.readouterr().err
    assert problem in err and "left as it is" in err
    assert path.read_text() == content


def test_a_ledger_of_the_other_tier_is_refused(tmp_path):
    path = tmp_path / "ledger.json"
    write_ledger(path, [summarize(EXPERIMENTS["ch1_30"], _runs([95.3]), "fast")])
    with pytest.raises(LedgerError, match="tier 'fast', not 'full'"):
        full_results(path)


# -- the runner ----------------------------------------------------------------------------------

def _reproduce(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "nndl_lib.reproduce", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@needs_real_mnist
def test_a_killed_run_resumes_without_rerunning_finished_rows(tmp_path):
    path = tmp_path / "ledger.json"
    rows = ["ch3_overfit_1000", "ch3_l2_1000"]  # a few seconds per seed at the fast tier
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, "-m", "nndl_lib.reproduce", "--tier", "fast",
                             "--workers", "0", "--ledger", str(path), "--only", *rows],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if path.exists() and sum(len(r["runs"]) for r in read_ledger(path)) >= 2:
            break
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    before = {(r["id"], run["seed"]): run["finished"] + run["started"]
              for r in read_ledger(path) for run in r["runs"]}
    assert 2 <= len(before) < 6, "the run should have been stopped part-way"
    done = _reproduce("--tier", "fast", "--workers", "0", "--ledger", str(path), "--only", *rows)
    assert done.returncode in (0, 1), done.stderr
    after = {(r["id"], run["seed"]): run["finished"] + run["started"]
             for r in read_ledger(path) for run in r["runs"]}
    assert len(after) == 6 and all(after[k] == v for k, v in before.items())
    assert f"{6 - len(before)} runs to do" in done.stderr


@needs_real_mnist
def test_the_fast_tier_fails_when_a_row_leaves_its_band(tmp_path, monkeypatch, capsys):
    from nndl_lib import reproduce

    path = tmp_path / "fast.json"
    args = ["--tier", "fast", "--only", "ch5_grad_2h_layer1", "--workers", "0",
            "--ledger", str(path)]
    assert reproduce.main(args) == 0
    assert "pass" in capsys.readouterr().out
    e = EXPERIMENTS["ch5_grad_2h_layer1"]
    monkeypatch.setitem(EXPERIMENTS, e.key, replace(e, fast={**e.fast, "expected": 10 * e.book}))
    assert reproduce.main(args + ["--report"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "ch5_grad_2h_layer1" in out


@needs_real_mnist
def test_rows_with_identical_runs_share_one_run(tmp_path):
    from nndl_lib.reproduction.planning import plan

    tasks = plan(["ch3_init_default_30", "ch5_depth_1", "ch3_ce_30"], "full", None, {})
    merged = [t for t in tasks if len(t.keys) > 1]
    assert len(tasks) == 6 and {t.keys for t in merged} == {("ch3_init_default_30",
                                                             "ch5_depth_1")}
    assert plan(["ch1_darkness"], "full", 3, {}) == plan(["ch1_darkness"], "full", None, {})


def test_a_row_takes_the_finished_runs_of_an_identical_row(tmp_path):
    from nndl_lib.reproduction.runner import Runner

    path = tmp_path / "ledger.json"
    e = EXPERIMENTS["ch3_init_default_30"]
    runs = [dict(r, signature=e.signature("full")) for r in _runs([96.5, 96.6])]
    write_ledger(path, [summarize(e, runs, "full")])
    runner = Runner(path, "full", None)
    assert runner.share_identical(["ch5_depth_1", "ch3_ce_30"]) == 2
    assert runner.runs["ch5_depth_1"][1]["same_run_as"] == ["ch3_init_default_30"]
    assert "ch3_ce_30" not in runner.runs


@needs_real_mnist
def test_the_dask_path_gives_the_numbers_of_the_local_path(tmp_path):
    distributed = pytest.importorskip("distributed")
    rows = ["ch5_grad_2h_layer1", "ch1_30_epoch0"]
    local = _reproduce("--tier", "fast", "--workers", "0", "--ledger",
                       str(tmp_path / "local.json"), "--only", *rows)
    assert local.returncode == 0, local.stderr
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        remote = _reproduce("--tier", "fast", "--dask", cluster.scheduler_address, "--ledger",
                            str(tmp_path / "dask.json"), "--only", *rows)
    assert remote.returncode == 0, remote.stderr
    assert "Dask scheduler" in remote.stderr

    def values(name):
        return {(r["id"], run["seed"]): run["value"]
                for r in read_ledger(tmp_path / name) for run in r["runs"]}

    assert values("dask.json") == values("local.json") and len(values("local.json")) == 6


# -- training in pieces --------------------------------------------------------------------------

class _Stop(Exception):
    pass


def test_training_in_pieces_is_the_same_run_even_when_interrupted(tmp_path):
    from nndl_lib.network import Network
    from nndl_lib.reproduction.resumable import checkpoint_seconds, train_in_pieces
    from nndl_lib.training import train

    data, valid = blobs(200, 12, spread=0.5), blobs(60, 12, seed=1, spread=0.5)
    kw = {"evaluation_data": valid, "test_data": valid, "progress": False}

    def net():
        n = Network([12, 8, 3], seed=1, dtype=np.float32)
        n.dropout = 0.2  # dropout masks come from the generator: it must carry over
        return n

    whole = net()
    h_whole = train(whole, data, 7, 10, 0.5, 0.1, seed=5, **kw)
    path = tmp_path / "ck.npz"

    def stop_at_epoch_4(epoch, model, history):
        if epoch == 4:
            raise _Stop

    with pytest.raises(_Stop):
        train_in_pieces(net(), data, 7, 10, 0.5, 0.1, checkpoint=path, every=2, seed=5,
                        fingerprint="run", callback=stop_at_epoch_4, **kw)
    before = checkpoint_seconds(path)  # the two saved pieces' training time
    assert before > 0 and checkpoint_seconds(tmp_path / "none.npz") == 0.0
    resumed = net()
    h = train_in_pieces(resumed, data, 7, 10, 0.5, 0.1, checkpoint=path, every=2, seed=5,
                        fingerprint="run", **kw)
    assert checkpoint_seconds(path) > before  # a resumed run's time adds to the earlier pieces'
    for a, b in zip(whole.weights + whole.biases, resumed.weights + resumed.biases, strict=True):
        np.testing.assert_array_equal(a, b)
    assert h.evaluation_accuracy == h_whole.evaluation_accuracy and h.epochs_run == 7
    assert (h.best_epoch, h.test_accuracy_at_best) == (h_whole.best_epoch,
                                                       h_whole.test_accuracy_at_best)
    with pytest.raises(ValueError, match="belongs to another run"):
        train_in_pieces(net(), data, 7, 10, 0.5, 0.1, checkpoint=path, seed=5,
                        fingerprint="other", **kw)


# -- the book page -------------------------------------------------------------------------------

PAGE = ROOT / "reproduction" / "results.ipynb"


def test_the_page_is_committed_clean_and_trains_nothing():
    code = text_of(PAGE, "code")
    assert all(not c.get("outputs") and not c.get("execution_count")
               for c in cells_of(PAGE, "code"))
    assert "full_results()" in code
    for call in ("train(", ".SGD(", "run(", "import nndl_lib.reproduction.runner", "load_mnist"):
        assert call not in code, f"the reproduction page must only read the ledger ({call})"
    # re-read on every build
    assert read_notebook(PAGE)["metadata"]["mystnb"]["execution_mode"] == "inline"
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    assert "reproduction/results" in toc


def test_the_page_tables_say_plainly_which_rows_were_not_run():
    from nndl_lib.reproduction.report import ledger_table, plot_ours_vs_book, tally, timing_table

    rows = {k: summarize(EXPERIMENTS[k], _runs([95.3, 95.5, 94.9]), "full")
            for k in ("ch1_30", "ch1_100")}
    table = ledger_table(EXPERIMENTS, rows, chapters=[1])
    lines = table.splitlines()
    assert len(lines) == 2 + sum(e.chapter == 1 for e in EXPERIMENTS.values())
    line_30 = next(line for line in lines if "`ch1_30`" in line)
    assert "**95.50%** (best of 3: 95.30, 95.50, 94.90)" in line_30 and "| pass |" in line_30
    assert "**fail**" in next(line for line in lines if "`ch1_100`" in line)
    assert "not yet run in full" in next(line for line in lines if "`ch1_svm`" in line)
    assert "--tier full --only ch1_svm" in table
    assert tally(EXPERIMENTS, rows)["failed"] == 1
    fig = plot_ours_vs_book(EXPERIMENTS, rows)
    assert len(fig.axes[0].get_yticklabels()) == 2
    times = {"ch6_conv1": {"key": "ch6_conv1", "epoch_s": 60.0, "epochs": 60, "ensemble": 1}}
    assert "| `ch6_conv1` | 60 | 60 s | 60 min | 3.0 h | 2.0 h |" in timing_table(
        EXPERIMENTS, times, workers=(1, 2))
