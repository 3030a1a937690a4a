"""Tests of nndl_lib.data: IDX parsing, validation, search path, cache, download, helpers."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from real_mnist import SHARED_MNIST, needs_real_mnist

from nndl_lib import data
from nndl_lib.data import (
    FILES,
    SHA256,
    DataCorruptionError,
    MnistNotFoundError,
    as_images,
    expand_by_shifts,
    load_expanded_training_data,
    load_mnist,
    one_hot,
    read_idx,
    subset,
)

# ---------------------------------------------------------------------------------------------
# Synthetic IDX files
# ---------------------------------------------------------------------------------------------


def idx_bytes(array: np.ndarray, magic: int | None = None) -> bytes:
    """Uncompressed IDX encoding of a uint8 array (magic 0x08 0x<ndim> unless given)."""
    array = np.asarray(array, dtype=np.uint8)
    if magic is None:
        magic = 0x0800 + array.ndim
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.tobytes()


def write_gz(path: Path, payload: bytes) -> str:
    """gzip ``payload`` into ``path``; return the sha256 of the file."""
    path.write_bytes(gzip.compress(payload, mtime=0))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_fake_mnist(
    directory: Path, n_train: int = 12, n_test: int = 5, seed: int = 0
) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Write four small valid IDX files; return the arrays (by role) and their sha256 by name."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    arrays = {
        "train_images": rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, size=n_train, dtype=np.uint8),
        "test_images": rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, size=n_test, dtype=np.uint8),
    }
    arrays["train_images"][0, 0, 0], arrays["train_images"][0, 0, 1] = 0, 255
    sums = {
        FILES[role]: write_gz(directory / FILES[role], idx_bytes(a)) for role, a in arrays.items()
    }
    return arrays, sums


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No real MNIST anywhere: cache in tmp, no env overrides, cwd elsewhere, no shared folder.

    The folder "beside the repository" is redirected to a path in tmp that does not exist; the
    search above the working directory runs for real (from a folder in tmp, where there is none).
    """
    cache = tmp_path / "cache"
    monkeypatch.setenv("NNDL_CACHE_DIR", str(cache))
    for var in ("NNDL_DATA_DIR", "NNDL_MNIST_MIRRORS", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    beside = data.Candidate(tmp_path / "no-repo" / "shared" / "data" / "mnist",
                            "course shared folder beside the repository")
    monkeypatch.setattr(data, "_repository_shared_dir", lambda: beside)
    assert not any(p.exists() for p in data._above_cwd_places()), "a shared/data/mnist above tmp"
    monkeypatch.setattr(data, "_ARRAY_MEMO", {})
    monkeypatch.setattr(data, "_SHA_MEMO", {})
    return cache


def cache_files(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.glob("*")) if cache.exists() else []


# ---------------------------------------------------------------------------------------------
# Parsing and splitting
# ---------------------------------------------------------------------------------------------


def test_read_idx_returns_exact_uint8_images_and_labels(tmp_path):
    arrays, _ = make_fake_mnist(tmp_path / "m")
    images = read_idx(tmp_path / "m" / FILES["train_images"])
    labels = read_idx(tmp_path / "m" / FILES["train_labels"])
    assert images.dtype == np.uint8 and images.shape == (12, 28, 28)
    assert labels.dtype == np.uint8 and labels.shape == (12,)
    np.testing.assert_array_equal(images, arrays["train_images"])
    np.testing.assert_array_equal(labels, arrays["train_labels"])


def test_load_mnist_splits_last_validation_size_images_off_the_training_set(isolated, tmp_path):
    arrays, sums = make_fake_mnist(tmp_path / "m", n_train=12, n_test=5)
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = load_mnist(
        tmp_path / "m", checksums=sums, validation_size=4
    )
    assert x_tr.shape == (8, 784) and x_va.shape == (4, 784) and x_te.shape == (5, 784)
    assert x_tr.dtype == np.float32 and y_tr.dtype == np.int64
    flat = arrays["train_images"].reshape(12, 784)
    np.testing.assert_array_equal(x_tr, flat[:8].astype(np.float32) / 255)
    np.testing.assert_array_equal(x_va, flat[8:].astype(np.float32) / 255)
    np.testing.assert_array_equal(y_va, arrays["train_labels"][8:])
    np.testing.assert_array_equal(y_te, arrays["test_labels"])
    assert x_tr.min() == 0.0 and x_tr.max() == 1.0  # pixel 0 -> 0, pixel 255 -> 1


def test_load_mnist_float64_and_rejects_integer_dtype(isolated, tmp_path):
    arrays, sums = make_fake_mnist(tmp_path / "m")
    (x, _), _, _ = load_mnist(tmp_path / "m", dtype=np.float64, checksums=sums, validation_size=2)
    assert x.dtype == np.float64
    np.testing.assert_array_equal(x[0], arrays["train_images"][0].reshape(-1) / 255.0)
    with pytest.raises(TypeError, match="floating"):
        load_mnist(tmp_path / "m", dtype=np.int32, checksums=sums)


def test_returned_arrays_are_fresh_and_writable_even_from_memory(isolated, tmp_path):
    _, sums = make_fake_mnist(tmp_path / "m")
    (x1, _), _, _ = load_mnist(tmp_path / "m", checksums=sums, validation_size=2)
    x1[:] = 7.0
    (x2, _), _, _ = load_mnist(tmp_path / "m", checksums=sums, validation_size=2)
    assert x2.max() <= 1.0


# ---------------------------------------------------------------------------------------------
# Search path
# ---------------------------------------------------------------------------------------------


def test_cache_dir_prefers_nndl_cache_dir_then_xdg_then_home(monkeypatch, tmp_path):
    monkeypatch.setenv("NNDL_CACHE_DIR", str(tmp_path / "a"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert data.cache_dir() == tmp_path / "a"
    monkeypatch.delenv("NNDL_CACHE_DIR")
    assert data.cache_dir() == tmp_path / "x" / "nndl"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data.cache_dir() == tmp_path / "home" / ".cache" / "nndl"


def test_search_path_order_env_then_cache_then_shared_folders(monkeypatch, tmp_path):
    monkeypatch.setenv("NNDL_DATA_DIR", str(tmp_path / "env"))
    monkeypatch.setenv("NNDL_CACHE_DIR", str(tmp_path / "cache"))
    shared = tmp_path / "course" / "shared" / "data" / "mnist"
    shared.mkdir(parents=True)
    deep = tmp_path / "course" / "main" / "chapters"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    path = data.search_path()
    dirs = [c.path for c in path]
    assert dirs[0] == tmp_path / "env" and "NNDL_DATA_DIR" in path[0].origin
    assert dirs[1] == tmp_path / "cache" / "mnist"
    repo_shared = Path(data.__file__).resolve().parents[2] / "shared" / "data" / "mnist"
    assert dirs[2] == repo_shared
    assert shared.resolve() in [d.resolve() for d in dirs[3:]]


def test_load_mnist_uses_nndl_data_dir_before_the_cache(isolated, tmp_path, monkeypatch):
    a, sums_a = make_fake_mnist(tmp_path / "env", seed=1)
    b, sums_b = make_fake_mnist(isolated / "mnist", seed=2)
    monkeypatch.setenv("NNDL_DATA_DIR", str(tmp_path / "env"))
    (_, _), _, (_, y_te) = load_mnist(checksums=sums_a, validation_size=2)
    np.testing.assert_array_equal(y_te, a["test_labels"])
    monkeypatch.delenv("NNDL_DATA_DIR")
    (_, _), _, (_, y_te) = load_mnist(checksums=sums_b, validation_size=2)
    np.testing.assert_array_equal(y_te, b["test_labels"])


def test_verbose_reports_source_and_time(isolated, tmp_path, capsys):
    _, sums = make_fake_mnist(tmp_path / "m")
    load_mnist(tmp_path / "m", checksums=sums, validation_size=2, verbose=True)
    out = capsys.readouterr().out
    assert str(tmp_path / "m") in out and "parsed gzip" in out and " s" in out


# ---------------------------------------------------------------------------------------------
# Corrupt input: clear errors, nothing cached
# ---------------------------------------------------------------------------------------------


def _corrupt(kind: str, directory: Path) -> dict[str, str]:
    arrays, sums = make_fake_mnist(directory)
    name = FILES["train_images"]
    if kind == "truncated gzip":
        raw = (directory / name).read_bytes()
        (directory / name).write_bytes(raw[: len(raw) // 2])
    elif kind == "wrong magic":
        write_gz(directory / name, idx_bytes(arrays["train_images"], magic=2052))
    elif kind == "bad dimensions":
        write_gz(directory / name, idx_bytes(arrays["train_images"].reshape(12, 14, 56)))
    elif kind == "payload length":
        write_gz(directory / name, idx_bytes(arrays["train_images"])[:-3])
    elif kind == "count mismatch":
        write_gz(directory / FILES["train_labels"], idx_bytes(arrays["train_labels"][:-1]))
    elif kind == "label out of range":
        bad = arrays["train_labels"].copy()
        bad[3] = 11
        write_gz(directory / FILES["train_labels"], idx_bytes(bad))
    else:
        raise AssertionError(kind)
    # the test's checksums describe the corrupt files, so only the structural checks can catch them
    return {n: hashlib.sha256((directory / n).read_bytes()).hexdigest() for n in sums}


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("truncated gzip", "not a complete gzip file"),
        ("wrong magic", "wrong magic number 2052"),
        ("bad dimensions", "must be 28x28"),
        ("payload length", "holds 9405"),
        ("count mismatch", "12 images but .* 11 labels"),
        ("label out of range", "label 11 is not a digit"),
    ],
)
def test_malformed_files_raise_clear_errors_and_leave_no_cache(isolated, tmp_path, kind, message):
    sums = _corrupt(kind, tmp_path / "m")
    with pytest.raises(DataCorruptionError, match=message):
        load_mnist(tmp_path / "m", checksums=sums, validation_size=2)
    assert not list(isolated.glob("*.npz")) and not list(isolated.glob(".*tmp"))


def test_wrong_sha256_names_file_and_both_checksums_and_leaves_no_cache(isolated, tmp_path):
    _, sums = make_fake_mnist(tmp_path / "m")
    good = sums[FILES["test_labels"]]
    bad = dict(sums)
    bad[FILES["test_labels"]] = "0" * 64
    with pytest.raises(DataCorruptionError) as err:
        load_mnist(tmp_path / "m", checksums=bad, validation_size=2)
    text = str(err.value)
    assert FILES["test_labels"] in text and "0" * 64 in text and good in text
    assert cache_files(isolated) == []


def test_default_checksums_reject_files_that_are_not_the_canonical_mnist(isolated, tmp_path):
    make_fake_mnist(tmp_path / "m")
    with pytest.raises(DataCorruptionError, match="wrong sha256"):
        load_mnist(tmp_path / "m")


def test_errors_are_subclasses_of_builtin_exceptions():
    assert issubclass(MnistNotFoundError, FileNotFoundError)
    assert issubclass(DataCorruptionError, ValueError)


# ---------------------------------------------------------------------------------------------
# Parsed-array cache
# ---------------------------------------------------------------------------------------------


def test_cache_file_is_written_and_reused_on_the_next_load(isolated, tmp_path, monkeypatch, capsys):
    arrays, sums = make_fake_mnist(tmp_path / "m")
    load_mnist(tmp_path / "m", checksums=sums, validation_size=2)
    cached = list(isolated.glob("mnist-*.npz"))
    assert len(cached) == 1
    monkeypatch.setattr(data, "_ARRAY_MEMO", {})
    monkeypatch.setattr(data, "read_idx", lambda path: pytest.fail("cache was not used"))
    _, _, (x_te, _) = load_mnist(tmp_path / "m", checksums=sums, validation_size=2, verbose=True)
    assert "cache" in capsys.readouterr().out
    np.testing.assert_array_equal(x_te, arrays["test_images"].reshape(5, 784) / np.float32(255))


def test_changed_source_files_never_reuse_a_stale_cache(isolated, tmp_path, monkeypatch):
    _, sums1 = make_fake_mnist(tmp_path / "m", seed=1)
    load_mnist(tmp_path / "m", checksums=sums1, validation_size=2)
    arrays2, sums2 = make_fake_mnist(tmp_path / "m", seed=2)
    monkeypatch.setattr(data, "_ARRAY_MEMO", {})
    _, _, (_, y_te) = load_mnist(tmp_path / "m", checksums=sums2, validation_size=2)
    np.testing.assert_array_equal(y_te, arrays2["test_labels"])
    assert len(list(isolated.glob("mnist-*.npz"))) == 2


def test_corrupt_cache_file_is_discarded_and_rebuilt(isolated, tmp_path, monkeypatch):
    arrays, sums = make_fake_mnist(tmp_path / "m")
    load_mnist(tmp_path / "m", checksums=sums, validation_size=2)
    (cache_file,) = isolated.glob("mnist-*.npz")
    raw = cache_file.read_bytes()
    cache_file.write_bytes(raw[: len(raw) // 3])  # a torn write from some other tool
    monkeypatch.setattr(data, "_ARRAY_MEMO", {})
    (x_tr, _), _, _ = load_mnist(tmp_path / "m", checksums=sums, validation_size=2)
    expected = arrays["train_images"][:10].reshape(10, 784) / np.float32(255)
    np.testing.assert_array_equal(x_tr, expected)
    with np.load(cache_file) as npz:  # rebuilt, readable, complete
        np.testing.assert_array_equal(npz["train_images"], arrays["train_images"])


def test_failed_cache_write_leaves_no_partial_file(isolated, tmp_path, monkeypatch):
    _, sums = make_fake_mnist(tmp_path / "m")

    def crash(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(np, "savez", crash)
    (x, _), _, _ = load_mnist(tmp_path / "m", checksums=sums, validation_size=2)
    assert x.shape == (10, 784)  # loading still works without a cache
    assert cache_files(isolated) == []


def test_concurrent_loads_in_threads_agree_and_leave_one_valid_cache(
    isolated, tmp_path, monkeypatch
):
    arrays, sums = make_fake_mnist(tmp_path / "m", n_train=40, n_test=8)

    class NoMemo(dict):
        def __setitem__(self, key, value):  # force every thread through the file cache
            pass

    monkeypatch.setattr(data, "_ARRAY_MEMO", NoMemo())
    results, errors = [], []

    def worker():
        try:
            results.append(load_mnist(tmp_path / "m", checksums=sums, validation_size=8))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(results) == 6
    for (x_tr, _), _, _ in results:
        np.testing.assert_array_equal(x_tr, results[0][0][0])
    assert [p.suffix for p in isolated.iterdir()] == [".npz"]  # no temporary files left behind
    with np.load(next(isolated.glob("*.npz"))) as npz:
        np.testing.assert_array_equal(npz["test_labels"], arrays["test_labels"])


def test_concurrent_loads_in_two_processes_leave_a_valid_cache(isolated, tmp_path):
    arrays, sums = make_fake_mnist(tmp_path / "m", n_train=40, n_test=8)
    script = (
        "import sys, json; from nndl_lib.data import load_mnist\n"
        "sums = json.loads(sys.argv[2])\n"
        "_, _, (x, y) = load_mnist(sys.argv[1], checksums=sums, validation_size=8)\n"
        "print(int(y.sum()))\n"
    )
    env = {**os.environ, "NNDL_CACHE_DIR": str(isolated), "OMP_NUM_THREADS": "1"}
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "m"), json.dumps(sums)],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert [int(o[0]) for o in outs] == [int(arrays["test_labels"].sum())] * 2
    (cache_file,) = isolated.glob("*.npz")
    with np.load(cache_file) as npz:
        np.testing.assert_array_equal(npz["train_images"], arrays["train_images"])


# ---------------------------------------------------------------------------------------------
# Download from mirrors (a local HTTP server)
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def mirror_server(tmp_path):
    """HTTP server on 127.0.0.1: /missing/* -> 404, /corrupt/* -> wrong bytes, /good/* -> files."""
    good = tmp_path / "served"
    arrays, sums = make_fake_mnist(good, seed=5)
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server API
            requests.append(self.path)
            kind, _, name = self.path.strip("/").partition("/")
            if kind == "good" and (good / name).is_file():
                body = (good / name).read_bytes()
            elif kind == "corrupt" and name in sums:
                body = b"this is not the file you are looking for"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    yield base, arrays, sums, requests
    server.shutdown()
    server.server_close()


def test_download_skips_404_and_corrupt_mirrors_then_verifies_and_caches(isolated, mirror_server):
    base, arrays, sums, requests = mirror_server
    mirrors = [f"{base}/missing", f"{base}/corrupt/", f"{base}/good/"]
    _, _, (x_te, y_te) = load_mnist(mirrors=mirrors, checksums=sums, validation_size=2)
    np.testing.assert_array_equal(y_te, arrays["test_labels"])
    target = isolated / "mnist"
    for name, sha in sums.items():
        assert hashlib.sha256((target / name).read_bytes()).hexdigest() == sha
        assert [r.split("/")[1] for r in requests if r.endswith(name)] == [
            "missing", "corrupt", "good"
        ]
    assert sorted(p.name for p in target.iterdir()) == sorted(FILES.values())  # no .part files
    assert len(list(isolated.glob("mnist-*.npz"))) == 1
    requests.clear()  # the next load finds the files in the cache folder: no requests at all
    load_mnist(mirrors=mirrors, checksums=sums, validation_size=2)
    assert requests == []


def test_mirrors_can_be_set_with_the_environment_variable(isolated, mirror_server, monkeypatch):
    base, arrays, sums, _ = mirror_server
    monkeypatch.setenv("NNDL_MNIST_MIRRORS", f"{base}/missing/, {base}/good/")
    _, _, (_, y_te) = load_mnist(checksums=sums, validation_size=2)
    np.testing.assert_array_equal(y_te, arrays["test_labels"])


def test_data_dir_with_missing_files_downloads_only_those_into_it(
    isolated, tmp_path, mirror_server
):
    base, arrays, sums, requests = mirror_server
    own = tmp_path / "own"
    own.mkdir()
    name = FILES["test_labels"]
    (own / name).write_bytes((tmp_path / "served" / name).read_bytes())
    load_mnist(own, mirrors=[f"{base}/good/"], checksums=sums, validation_size=2)
    assert sorted(p.name for p in own.iterdir()) == sorted(FILES.values())
    assert not any(r.endswith(name) for r in requests)


def test_when_everything_fails_one_error_names_every_directory_and_mirror(
    isolated, mirror_server, monkeypatch, tmp_path
):
    base, _, sums, _ = mirror_server
    monkeypatch.setenv("NNDL_DATA_DIR", str(tmp_path / "nowhere"))
    partial = isolated / "mnist"
    partial.mkdir(parents=True)
    (partial / FILES["test_labels"]).write_bytes(b"x")
    mirrors = [f"{base}/missing/", f"{base}/corrupt/"]
    with pytest.raises(MnistNotFoundError) as err:
        load_mnist(mirrors=mirrors, checksums=sums)
    text = str(err.value)
    assert str(tmp_path / "nowhere") in text and "does not exist" in text
    assert str(partial) in text and "missing " + FILES["train_images"] in text
    for mirror in mirrors:
        for name in FILES.values():
            if name != FILES["test_labels"]:
                assert mirror + name in text
    assert "HTTP Error 404" in text and "sha256 mismatch" in text
    assert "NNDL_DATA_DIR" in text  # how to fix it
    assert sorted(p.name for p in partial.iterdir()) == [FILES["test_labels"]]  # nothing poisoned


def test_download_false_says_so_and_unreachable_mirror_is_reported(isolated, tmp_path):
    with pytest.raises(MnistNotFoundError, match="download=False"):
        load_mnist(download=False)
    with pytest.raises(MnistNotFoundError, match="127.0.0.1:9/"):
        load_mnist(mirrors=["http://127.0.0.1:9/"])  # discard port: connection refused
    assert not isolated.exists()  # neither the cache folder nor cache/mnist was left behind


def test_failed_search_lists_every_place_including_absent_ones_above_the_working_directory(
    isolated, tmp_path, monkeypatch
):
    monkeypatch.setenv("NNDL_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(MnistNotFoundError) as err:
        load_mnist(mirrors=["http://127.0.0.1:9/"])
    text = str(err.value)
    cwd = Path.cwd().resolve()
    places = [
        (tmp_path / "nowhere", "NNDL_DATA_DIR"),
        (isolated / "mnist", "user cache"),
        (tmp_path / "no-repo" / "shared" / "data" / "mnist", "beside the repository"),
    ]
    for path, origin in places:
        line = next((ln for ln in text.splitlines() if f"{path} [" in ln), None)
        assert line is not None, f"{path} is not in the message:\n{text}"
        assert origin in line and line.endswith("does not exist")
    # shared/data/mnist in the working directory and in every folder above it, each named absent
    above = [ln for ln in text.splitlines() if "above the working directory" in ln]
    assert len(above) == 1 and str(cwd) in above[0], text
    absent_line = next(ln for ln in text.splitlines() if ln.strip().startswith("absent:"))
    for folder in (cwd, *cwd.parents):
        assert str(folder / "shared" / "data" / "mnist") in absent_line
    assert text.index("above the working directory") < text.index("mirrors tried")


def test_a_shared_folder_above_the_working_directory_is_found(isolated, tmp_path, monkeypatch):
    arrays, sums = make_fake_mnist(tmp_path / "course" / "shared" / "data" / "mnist", seed=3)
    deep = tmp_path / "course" / "repo" / "chapters"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    _, _, (_, y_te) = load_mnist(checksums=sums, validation_size=2, download=False)
    np.testing.assert_array_equal(y_te, arrays["test_labels"])


@pytest.mark.parametrize("where", ["cache", "data_dir"])
def test_a_failed_search_leaves_no_empty_folder_behind(isolated, tmp_path, where):
    kwargs = {"mirrors": ["http://127.0.0.1:9/"]}
    if where == "data_dir":
        target = tmp_path / "new" / "deeper" / "mnist"
        kwargs["data_dir"] = target
    with pytest.raises(MnistNotFoundError) as err:
        load_mnist(**kwargs)
    assert "Downloads into" in str(err.value)
    assert not isolated.exists()
    if where == "data_dir":
        assert not (tmp_path / "new").exists()


def test_a_failed_search_keeps_folders_that_existed_and_files_that_were_verified(
    isolated, mirror_server
):
    base, _, sums, _ = mirror_server
    isolated.mkdir()  # the user's cache folder exists already and holds something else
    (isolated / "keep.txt").write_text("mine")
    with pytest.raises(MnistNotFoundError):
        load_mnist(mirrors=[f"{base}/missing/"], checksums=sums)
    assert sorted(p.name for p in isolated.iterdir()) == ["keep.txt"]  # only cache/mnist went
    # One file fails its checksum: the three verified downloads stay (the folder is not empty).
    bad = {**sums, FILES["test_labels"]: "0" * 64}
    with pytest.raises(MnistNotFoundError, match="sha256 mismatch"):
        load_mnist(mirrors=[f"{base}/good/"], checksums=bad)
    kept = sorted(p.name for p in (isolated / "mnist").iterdir())
    assert kept == sorted(n for n in FILES.values() if n != FILES["test_labels"])


# ---------------------------------------------------------------------------------------------
# one_hot, as_images, subset
# ---------------------------------------------------------------------------------------------


def test_one_hot_puts_a_single_one_at_each_label():
    y = np.array([3, 0, 9, 3])
    e = one_hot(y)
    assert e.dtype == np.float64 and e.shape == (4, 10)
    np.testing.assert_array_equal(e.argmax(axis=1), y)
    np.testing.assert_array_equal(e.sum(axis=1), np.ones(4))
    assert one_hot([1], num_classes=2).tolist() == [[0.0, 1.0]]
    assert one_hot(np.array([], dtype=np.int64)).shape == (0, 10)


@pytest.mark.parametrize(
    ("y", "error", "message"),
    [
        (np.array([0, 10]), ValueError, r"\[0, 10\); found 10"),
        (np.array([-1, 2]), ValueError, "found -1"),
        (np.array([1.0, 2.0]), TypeError, "integer labels"),
        (np.zeros((2, 10), dtype=int), ValueError, "1-D"),
    ],
)
def test_one_hot_rejects_bad_labels_clearly(y, error, message):
    with pytest.raises(error, match=message):
        one_hot(y)


def test_as_images_is_a_view_of_shape_n_1_28_28():
    x = np.arange(2 * 784, dtype=np.float32).reshape(2, 784)
    im = as_images(x)
    assert im.shape == (2, 1, 28, 28) and np.shares_memory(im, x)
    assert im[1, 0, 0, 5] == x[1, 5] and im[0, 0, 1, 0] == x[0, 28]
    with pytest.raises(ValueError, match=r"\(N, 784\); got \(10, 783\)"):
        as_images(np.zeros((10, 783)))


def test_subset_first_n_or_seeded_sample_without_replacement():
    x = np.arange(20).reshape(10, 2)
    y = np.arange(10)
    xs, ys = subset((x, y), 3)
    np.testing.assert_array_equal(ys, [0, 1, 2])
    a, b = subset((x, y), 6, seed=4), subset((x, y), 6, seed=4)
    np.testing.assert_array_equal(a[1], b[1])
    assert len(set(a[1].tolist())) == 6
    np.testing.assert_array_equal(a[0][:, 0] // 2, a[1])  # rows stay paired with labels
    assert not np.array_equal(subset((x, y), 6, seed=5)[1], a[1])
    with pytest.raises(ValueError, match="between 0 and 10"):
        subset((x, y), 11)
    with pytest.raises(ValueError, match="same length"):
        subset((x, y[:5]), 2)


# ---------------------------------------------------------------------------------------------
# Expanded training data (chapter 6)
# ---------------------------------------------------------------------------------------------


def test_expand_by_shifts_exact_on_a_3x3_image():
    img = np.arange(1, 10).reshape(1, 9)  # [[1,2,3],[4,5,6],[7,8,9]]
    x, y = expand_by_shifts(img, np.array([7]), image_shape=(3, 3))
    expected = [
        [[1, 2, 3], [4, 5, 6], [7, 8, 9]],  # original
        [[4, 5, 6], [7, 8, 9], [0, 0, 0]],  # up
        [[0, 0, 0], [1, 2, 3], [4, 5, 6]],  # down
        [[2, 3, 0], [5, 6, 0], [8, 9, 0]],  # left
        [[0, 1, 2], [0, 4, 5], [0, 7, 8]],  # right
    ]
    np.testing.assert_array_equal(x.reshape(5, 3, 3), expected)
    np.testing.assert_array_equal(y, [7] * 5)
    assert x.dtype == img.dtype


def test_expand_by_shifts_orders_rows_image_by_image_on_28x28():
    x = np.zeros((2, 784), dtype=np.float32)
    x[0, 10 * 28 + 10] = 1.0
    x[1, 0] = 0.5  # top-left pixel: falls off when shifted up or left
    big, y = expand_by_shifts(x, np.array([3, 8]))
    assert big.shape == (10, 784) and y.tolist() == [3] * 5 + [8] * 5
    where = [divmod(int(r.argmax()), 28) for r in big[:5]]
    assert where == [(10, 10), (9, 10), (11, 10), (10, 9), (10, 11)]
    assert big[5:].sum(axis=1).tolist() == [0.5, 0.0, 0.5, 0.0, 0.5]


def test_load_expanded_training_data_announces_caches_and_is_deterministic(isolated, capsys):
    rng = np.random.default_rng(0)
    source = (rng.integers(0, 256, size=(6, 784)).astype(np.float32) / 255, np.arange(6) % 10)
    x1, y1 = load_expanded_training_data(source=source)
    first = capsys.readouterr().out
    assert first.index("Generating") < first.index("Expanded training data")
    assert x1.shape == (30, 784) and x1.dtype == np.float32 and y1.dtype == np.int64
    np.testing.assert_array_equal(x1, expand_by_shifts(*source)[0])
    (cache_file,) = isolated.glob("mnist-expanded-*.npz")
    x2, y2 = load_expanded_training_data(source=source, dtype=np.float64)
    assert "Generating" not in capsys.readouterr().out
    assert x2.dtype == np.float64
    np.testing.assert_array_equal(np.rint(x2 * 255), np.rint(x1 * 255.0))
    np.testing.assert_array_equal(y2, y1)
    cache_file.write_bytes(b"garbage")  # a corrupt cache is rebuilt
    x3, _ = load_expanded_training_data(source=source, verbose=False)
    np.testing.assert_array_equal(x3, x1)
    other = (source[0][::-1].copy(), source[1])
    load_expanded_training_data(source=other, verbose=False)
    assert len(list(isolated.glob("mnist-expanded-*.npz"))) == 2


# ---------------------------------------------------------------------------------------------
# The real files (present in CI via the course's shared folder)
# ---------------------------------------------------------------------------------------------

# md5s published with the files (shared/README.md), to cross-check the pinned sha256s.
MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}

# Digit counts 0..9, computed once from the real files (np.bincount) and pinned here.
COUNTS = {
    "train": [4932, 5678, 4968, 5101, 4859, 4506, 4951, 5175, 4842, 4988],
    "validation": [991, 1064, 990, 1030, 983, 915, 967, 1090, 1009, 961],
    "test": [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
}


@pytest.fixture(scope="module")
def real():
    return load_mnist(SHARED_MNIST, download=False)


@needs_real_mnist
def test_real_files_match_the_pinned_sha256_and_published_md5():
    for name in FILES.values():
        raw = (SHARED_MNIST / name).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == SHA256[name]
        assert hashlib.md5(raw).hexdigest() == MD5[name]


@needs_real_mnist
def test_real_mnist_split_shapes_dtypes_range_and_label_counts(real):
    for (x, y), n, split in zip(real, (50_000, 10_000, 10_000), COUNTS, strict=True):
        assert x.shape == (n, 784) and x.dtype == np.float32
        assert y.shape == (n,) and y.dtype == np.int64
        assert x.min() == 0.0 and x.max() == 1.0
        assert np.bincount(y, minlength=10).tolist() == COUNTS[split]


@needs_real_mnist
def test_real_validation_set_is_the_last_10000_training_images(real):
    raw = read_idx(SHARED_MNIST / FILES["train_images"])
    (x_tr, _), (x_va, _), _ = real
    np.testing.assert_array_equal(x_va[-1], raw[-1].reshape(784) / np.float32(255))
    np.testing.assert_array_equal(x_va[0], raw[50_000].reshape(784) / np.float32(255))
    np.testing.assert_array_equal(x_tr[-1], raw[49_999].reshape(784) / np.float32(255))
