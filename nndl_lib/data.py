"""MNIST: find, verify, parse, cache and split the four IDX files.

The book's split of the 70,000 MNIST images:

- ``train``: the first 50,000 of the 60,000 official training images,
- ``validation``: the LAST 10,000 of the 60,000 official training images,
- ``test``: the 10,000 official test images.

Images come back as rows ``x: (N, 784)`` of floats in [0, 1] (pixel / 255), labels as
``y: (N,)`` int64 digits 0-9.

Where the files are looked for, in order (see :func:`search_path`):

1. the directory in the environment variable ``NNDL_DATA_DIR``;
2. the user cache ``cache_dir()/mnist`` (``$NNDL_CACHE_DIR``, else ``$XDG_CACHE_HOME/nndl``,
   else ``~/.cache/nndl``), which is also where downloads go;
3. the course's shared folder ``<repository>/../shared/data/mnist`` and any ``shared/data/mnist``
   found walking up from the current working directory.

When nothing is found or downloadable, :class:`MnistNotFoundError` lists every place looked in
(including each ``shared/data/mnist`` above the working directory, absent ones too) and every
mirror tried; a failed search leaves no empty folder behind.

A directory "has" MNIST when all four files are there. Passing ``data_dir=`` replaces the
search path by that one directory; if files are missing there and ``download=True`` they are
downloaded into it. Every file is checked against its pinned sha256 (:data:`SHA256`) before it
is used, wherever it came from. Parsed arrays are cached as uint8 in ``cache_dir()`` under a
name derived from the sha256 of the source files, written atomically (temporary file in the same
directory, then ``os.replace``) so parallel notebooks never see a half-written cache.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import tempfile
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from nndl_lib.validate import check_int

__all__ = [
    "FILES",
    "SHA256",
    "MIRRORS",
    "TRAIN_SIZE",
    "VALIDATION_SIZE",
    "MnistNotFoundError",
    "DataCorruptionError",
    "Candidate",
    "cache_dir",
    "search_path",
    "read_idx",
    "load_mnist",
    "one_hot",
    "one_hot_features",
    "as_images",
    "subset",
    "expand_by_shifts",
    "load_expanded_training_data",
]

#: The four files, by role.
FILES: dict[str, str] = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}

#: sha256 of the canonical files (their md5s match the published ones:
#: f68b3c2d..., d53e105e..., 9fb629c4..., ec29112d...).
SHA256: dict[str, str] = {
    "train-images-idx3-ubyte.gz":
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz":
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz":
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz":
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

#: Public mirrors serving the four files under their canonical names, tried in order.
#: Override with the environment variable ``NNDL_MNIST_MIRRORS`` (comma-separated base URLs)
#: or the ``mirrors=`` argument of :func:`load_mnist`.
MIRRORS: list[str] = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
]

TRAIN_SIZE = 50_000
VALIDATION_SIZE = 10_000
IMAGE_SIDE = 28
IMAGE_PIXELS = IMAGE_SIDE * IMAGE_SIDE

_IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
_LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension
_UBYTE = 0x08
_DOWNLOAD_TIMEOUT_S = 30.0
_CACHE_FORMAT = 1  # bump when the layout of the .npz cache changes

Pair = tuple[np.ndarray, np.ndarray]


class MnistNotFoundError(FileNotFoundError):
    """No directory holds the four MNIST files and none could be downloaded."""


class DataCorruptionError(ValueError):
    """A data file (or a cached array file) is malformed or has the wrong checksum."""


class Candidate(NamedTuple):
    """One directory of the search path and where it came from."""

    path: Path
    origin: str


# --------------------------------------------------------------------------------------------
# Where to look
# --------------------------------------------------------------------------------------------


def cache_dir() -> Path:
    """The user cache: ``$NNDL_CACHE_DIR``, else ``$XDG_CACHE_HOME/nndl``, else ``~/.cache/nndl``.

    The directory is not created here.
    """
    env = os.environ.get("NNDL_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg).expanduser() / "nndl"
    return Path.home() / ".cache" / "nndl"


_ABOVE_CWD = "shared/data/mnist above the working directory"


def _repository_shared_dir() -> Candidate:
    """The shared data folder beside the repository: ``<repository>/../shared/data/mnist``."""
    repo_root = Path(__file__).resolve().parent.parent
    return Candidate(repo_root.parent / "shared" / "data" / "mnist",
                     "course shared folder beside the repository")


def _above_cwd_places() -> list[Path]:
    """Every ``shared/data/mnist`` looked for: in the working directory and each folder above it."""
    cwd = Path.cwd().resolve()
    return [parent / "shared" / "data" / "mnist" for parent in (cwd, *cwd.parents)]


def _shared_data_dirs() -> list[Candidate]:
    """The course's shared data folders: beside the repository, and above the working directory.

    The folder beside the repository is always listed; of the places above the working directory
    only those that exist (:func:`_above_cwd_places` has them all).
    """
    found = [_repository_shared_dir()]
    found += [Candidate(p, _ABOVE_CWD) for p in _above_cwd_places() if p.is_dir()]
    return found


def search_path() -> list[Candidate]:
    """Ordered candidate directories for the MNIST files, each with where it came from.

    ``NNDL_DATA_DIR`` (if set), then ``cache_dir()/mnist``, then the course's shared folders.
    Duplicates (same resolved directory) are listed once, at their first position.
    """
    candidates: list[Candidate] = []
    env = os.environ.get("NNDL_DATA_DIR")
    if env:
        candidates.append(Candidate(Path(env).expanduser(), "environment variable NNDL_DATA_DIR"))
    candidates.append(Candidate(cache_dir() / "mnist", "user cache (cache_dir()/mnist)"))
    candidates.extend(_shared_data_dirs())
    unique: list[Candidate] = []
    seen: set[Path] = set()
    for c in candidates:
        key = c.path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(c)
    return unique


def _missing_files(directory: Path) -> list[str]:
    """Names of the four MNIST files that are not regular files in ``directory``."""
    return [name for name in FILES.values() if not (directory / name).is_file()]


def _why_rejected(directory: Path) -> str:
    if not directory.exists():
        return "does not exist"
    if not directory.is_dir():
        return "is not a directory"
    missing = _missing_files(directory)
    return "missing " + ", ".join(missing) if missing else "has all four files"


# --------------------------------------------------------------------------------------------
# Checksums and IDX parsing
# --------------------------------------------------------------------------------------------

_SHA_MEMO: dict[tuple[str, int, int], str] = {}


def _sha256_of_file(path: Path) -> str:
    """sha256 hex digest of a file, remembered per (path, size, mtime) within the process."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    digest = _SHA_MEMO.get(key)
    if digest is None:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        digest = h.hexdigest()
        _SHA_MEMO[key] = digest
    return digest


def _verify_sha256(path: Path, expected: str | None) -> str:
    """Return the file's sha256; raise DataCorruptionError if it differs from ``expected``."""
    actual = _sha256_of_file(path)
    if expected is not None and actual != expected.lower():
        raise DataCorruptionError(
            f"{path} has the wrong sha256: expected {expected.lower()}, got {actual}. "
            "The file is corrupt or not the canonical MNIST file; delete it and load again "
            "(it will be found elsewhere or downloaded)."
        )
    return actual


def _parse_idx(raw: bytes, source: str) -> np.ndarray:
    """Parse the decompressed bytes of an IDX file of unsigned bytes; see :func:`read_idx`."""
    if len(raw) < 4:
        raise DataCorruptionError(f"{source}: IDX header truncated ({len(raw)} bytes)")
    magic = int.from_bytes(raw[:4], "big")
    if magic not in (_IMAGES_MAGIC, _LABELS_MAGIC):
        raise DataCorruptionError(
            f"{source}: wrong magic number {magic} (0x{magic:08x}); expected {_IMAGES_MAGIC} "
            f"(images) or {_LABELS_MAGIC} (labels). Is this an MNIST IDX file?"
        )
    dtype_byte, ndim = raw[2], raw[3]
    if dtype_byte != _UBYTE:  # unreachable given the magic check, kept for clarity
        raise DataCorruptionError(f"{source}: data type byte 0x{dtype_byte:02x}, expected 0x08")
    header_len = 4 + 4 * ndim
    if len(raw) < header_len:
        raise DataCorruptionError(f"{source}: IDX header truncated ({len(raw)} bytes)")
    dims = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    if magic == _IMAGES_MAGIC and dims[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise DataCorruptionError(
            f"{source}: images must be {IMAGE_SIDE}x{IMAGE_SIDE}; header says {dims[1:]}"
        )
    expected_len = int(np.prod(dims, dtype=np.int64))
    payload = len(raw) - header_len
    if payload != expected_len:
        raise DataCorruptionError(
            f"{source}: header announces {' x '.join(map(str, dims))} = {expected_len} bytes "
            f"of data but the file holds {payload}"
        )
    array = np.frombuffer(raw, dtype=np.uint8, offset=header_len).reshape(dims)
    if magic == _LABELS_MAGIC and array.size and int(array.max()) > 9:
        raise DataCorruptionError(f"{source}: label {int(array.max())} is not a digit 0-9")
    return array


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Parse one gzip-compressed IDX file of unsigned bytes, validating it.

    Checks: the gzip stream is complete; magic number 2051 (images, 3 dims) or 2049 (labels,
    1 dim), i.e. data type byte 0x08; images are 28x28; the payload length equals the product of
    the dimensions; labels are digits 0-9.

    Returns uint8 ``(N, 28, 28)`` for images or ``(N,)`` for labels.
    Raises ``FileNotFoundError`` if absent, :class:`DataCorruptionError` if malformed.
    """
    path = Path(path)
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except (EOFError, gzip.BadGzipFile, zlib.error) as err:
        raise DataCorruptionError(
            f"{path}: not a complete gzip file ({err}); delete it and load again"
        ) from err
    return _parse_idx(raw, str(path))


# --------------------------------------------------------------------------------------------
# Download
# --------------------------------------------------------------------------------------------


def _mirror_list(mirrors: Sequence[str] | None) -> list[str]:
    if mirrors is not None:
        chosen = list(mirrors)
    else:
        env = os.environ.get("NNDL_MNIST_MIRRORS", "")
        chosen = [m.strip() for m in env.split(",") if m.strip()] or list(MIRRORS)
    return [m if m.endswith("/") else m + "/" for m in chosen]


def _download_file(url: str, target: Path, expected_sha: str | None) -> None:
    """Download ``url`` to ``target`` atomically; reject (and delete) it on a sha256 mismatch."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        h = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(
            url, timeout=_DOWNLOAD_TIMEOUT_S
        ) as response:
            for block in iter(lambda: response.read(1 << 16), b""):
                h.update(block)
                out.write(block)
        actual = h.hexdigest()
        if expected_sha is not None and actual != expected_sha.lower():
            raise DataCorruptionError(
                f"sha256 mismatch: expected {expected_sha.lower()}, got {actual}"
            )
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _download_missing(
    directory: Path, mirrors: list[str], checksums: Mapping[str, str | None], log: list[str]
) -> bool:
    """Fetch each missing file from the first mirror that serves it intact.

    Appends ``"<url>: <error>"`` to ``log`` for every failed attempt. Returns True when all four
    files are present afterwards.
    """
    for name in _missing_files(directory):
        for base in mirrors:
            url = base + name
            try:
                _download_file(url, directory / name, checksums.get(name))
                break
            except (OSError, urllib.error.URLError, DataCorruptionError, ValueError) as err:
                log.append(f"{url}: {type(err).__name__}: {err}")
    return not _missing_files(directory)


# --------------------------------------------------------------------------------------------
# Parsed-array cache
# --------------------------------------------------------------------------------------------


def _atomic_save_npz(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """Write ``arrays`` to ``path`` (.npz) via a temporary file in the same directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_name, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)


def _load_npz(path: Path, names: Sequence[str]) -> dict[str, np.ndarray] | None:
    """Read arrays ``names`` from a cache file; None (and the file deleted) if it is unreadable."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {name: npz[name] for name in names}
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - any unreadable cache is discarded and rebuilt
        with contextlib.suppress(OSError):
            path.unlink()
        return None


_ARRAY_MEMO: dict[str, dict[str, np.ndarray]] = {}


def _raw_arrays(
    directory: Path, checksums: Mapping[str, str | None]
) -> tuple[dict[str, np.ndarray], str]:
    """Verified uint8 arrays of the four files in ``directory`` and where they were read from."""
    shas = {role: _verify_sha256(directory / name, checksums.get(name))
            for role, name in FILES.items()}
    key = hashlib.sha256(
        (f"v{_CACHE_FORMAT}:" + ",".join(shas[r] for r in FILES)).encode()
    ).hexdigest()[:20]
    if key in _ARRAY_MEMO:
        return _ARRAY_MEMO[key], "memory (already loaded in this process)"
    cache_file = cache_dir() / f"mnist-{key}.npz"
    arrays = _load_npz(cache_file, list(FILES))
    origin = f"cache {cache_file}"
    if arrays is not None and not _consistent(arrays):
        with contextlib.suppress(OSError):
            cache_file.unlink()
        arrays = None
    if arrays is None:
        arrays = {role: read_idx(directory / name) for role, name in FILES.items()}
        for split in ("train", "test"):
            n_img, n_lab = len(arrays[f"{split}_images"]), len(arrays[f"{split}_labels"])
            if n_img != n_lab:
                raise DataCorruptionError(
                    f"{directory}: {FILES[split + '_images']} holds {n_img} images but "
                    f"{FILES[split + '_labels']} holds {n_lab} labels"
                )
        try:
            _atomic_save_npz(cache_file, arrays)
            origin = f"parsed gzip files, cached to {cache_file}"
        except OSError as err:
            origin = f"parsed gzip files (cache not written: {err})"
    for a in arrays.values():
        a.flags.writeable = False
    _ARRAY_MEMO[key] = arrays
    return arrays, origin


def _consistent(arrays: Mapping[str, np.ndarray]) -> bool:
    """Shapes and dtypes a cache file must have to be trusted."""
    try:
        return all(
            arrays[f"{s}_images"].dtype == np.uint8
            and arrays[f"{s}_labels"].dtype == np.uint8
            and arrays[f"{s}_images"].ndim == 3
            and arrays[f"{s}_images"].shape[1:] == (IMAGE_SIDE, IMAGE_SIDE)
            and arrays[f"{s}_labels"].shape == (len(arrays[f"{s}_images"]),)
            for s in ("train", "test")
        )
    except KeyError:
        return False


# --------------------------------------------------------------------------------------------
# Public loader
# --------------------------------------------------------------------------------------------


def _to_pair(images: np.ndarray, labels: np.ndarray, dtype) -> Pair:
    x = images.reshape(len(images), -1).astype(dtype)
    x /= 255  # pixel intensities 0..255 -> [0, 1]
    return x, labels.astype(np.int64)


def _above_cwd_report(listed: set[Path]) -> list[str]:
    """Lines of the not-found message for the places above the working directory not yet listed."""
    places = [p for p in _above_cwd_places() if p.resolve() not in listed]
    if not places:
        return []
    absent = [p for p in places if not p.exists()]
    lines = [f"  - shared/data/mnist in the working directory {Path.cwd().resolve()} or any folder "
             f"above it [{_ABOVE_CWD}]:"]
    if absent:
        lines.append("      absent: " + ", ".join(str(p) for p in absent))
    lines += [f"      {p}: {_why_rejected(p)}" for p in places if p.exists()]
    return lines


def _missing_folders(directory: Path) -> list[Path]:
    """``directory`` and those of its parents that do not exist yet, deepest first."""
    missing = []
    for d in (directory, *directory.parents):
        if d.exists() or d.is_symlink():
            break
        missing.append(d)
    return missing


def _remove_if_empty(folders: Sequence[Path]) -> None:
    """Remove each folder (deepest first) that is empty; leave anything with content in place."""
    for d in folders:
        with contextlib.suppress(OSError):  # not empty, already gone, or not ours to remove
            d.rmdir()


def _find_source(
    data_dir: str | os.PathLike | None,
    download: bool,
    mirrors: Sequence[str] | None,
    checksums: Mapping[str, str | None],
) -> tuple[Path, str]:
    """The directory that holds (or now holds, after downloading) the four files."""
    if data_dir is not None:
        candidates = [Candidate(Path(data_dir).expanduser(), "data_dir argument")]
    else:
        candidates = search_path()
    for c in candidates:
        if c.path.is_dir() and not _missing_files(c.path):
            return c.path, c.origin

    tried: list[str] = []
    download_dir = candidates[0].path if data_dir is not None else cache_dir() / "mnist"
    urls = _mirror_list(mirrors)
    if download:
        created = _missing_folders(download_dir)
        try:
            if _download_missing(download_dir, urls, checksums, tried):
                return download_dir, f"downloaded into {download_dir}"
        except OSError as err:  # e.g. the download directory cannot be created
            tried.append(f"(could not write to {download_dir}: {err})")
        _remove_if_empty(created)  # a failed search leaves no empty folder behind

    lines = ["MNIST not found. Directories searched, in order:"]
    lines += [f"  - {c.path} [{c.origin}]: {_why_rejected(c.path)}" for c in candidates]
    if data_dir is None:
        lines += _above_cwd_report({c.path.resolve() for c in candidates})
    if download:
        lines.append(f"Downloads into {download_dir} failed; mirrors tried:")
        lines += [f"  - {t}" for t in tried] or ["  - (no mirrors configured)"]
    else:
        lines.append("Downloading was disabled (download=False).")
    lines.append(
        "To fix: put the four files (" + ", ".join(FILES.values()) + ") in one directory and "
        "set NNDL_DATA_DIR to it, or copy them into " + str(cache_dir() / "mnist") + ", or set "
        "NNDL_MNIST_MIRRORS to a reachable mirror."
    )
    raise MnistNotFoundError("\n".join(lines))


def load_mnist(
    data_dir: str | os.PathLike | None = None,
    *,
    dtype=np.float32,
    download: bool = True,
    verbose: bool = False,
    mirrors: Sequence[str] | None = None,
    checksums: Mapping[str, str | None] | None = None,
    validation_size: int = VALIDATION_SIZE,
) -> tuple[Pair, Pair, Pair]:
    """Load MNIST split as in the book: ``(train, validation, test)``, each a pair ``(x, y)``.

    x: ``(N, 784)`` of ``dtype`` in [0, 1]; y: ``(N,)`` int64 digits. Sizes 50,000 / 10,000 /
    10,000; validation is the LAST ``validation_size`` images of the 60,000 training images.

    data_dir: look only there (and download into it if files are missing); default: the search
        path of :func:`search_path`, downloads going to ``cache_dir()/mnist``.
    download: try the mirrors when no directory has the files.
    verbose: print where the data came from and how long loading took.
    mirrors: base URLs to try (default ``$NNDL_MNIST_MIRRORS`` or :data:`MIRRORS`).
    checksums: expected sha256 per file name (default :data:`SHA256`); a name mapped to None
        is not checked. Meant for tests with synthetic files.
    validation_size: how many of the last training images form the validation set.

    Raises :class:`MnistNotFoundError` (nothing found or downloadable; the message lists every
    directory and mirror tried) or :class:`DataCorruptionError` (bad checksum or malformed file).
    """
    start = time.perf_counter()
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(f"dtype must be a floating type such as np.float32; got {dtype}")
    checksums = SHA256 if checksums is None else checksums
    directory, where = _find_source(data_dir, download, mirrors, checksums)
    arrays, origin = _raw_arrays(directory, checksums)

    n_train_all = len(arrays["train_images"])
    if not 0 <= validation_size <= n_train_all:
        raise ValueError(
            f"validation_size must be between 0 and {n_train_all}; got {validation_size}"
        )
    cut = n_train_all - validation_size
    train = _to_pair(arrays["train_images"][:cut], arrays["train_labels"][:cut], dtype)
    validation = _to_pair(arrays["train_images"][cut:], arrays["train_labels"][cut:], dtype)
    test = _to_pair(arrays["test_images"], arrays["test_labels"], dtype)
    if verbose:
        print(f"MNIST files: {directory} ({where}); arrays from {origin}; "
              f"{len(train[0])} / {len(validation[0])} / {len(test[0])} images; "
              f"loaded in {time.perf_counter() - start:.2f} s")
    return train, validation, test


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def one_hot(y, num_classes: int = 10) -> np.ndarray:
    """One-hot rows: y ``(N,)`` integer labels in [0, num_classes) -> float64 (N, num_classes)."""
    num_classes = check_int(num_classes, "num_classes", minimum=1)
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(
            f"y must be a 1-D array of labels with shape (N,); got shape {y.shape}. "
            "If y is already one-hot, use it as it is."
        )
    if not np.issubdtype(y.dtype, np.integer) or y.dtype == np.bool_:
        raise TypeError(
            f"y must hold integer labels; got dtype {y.dtype}. Convert with y.astype(np.int64) "
            "if the values are whole numbers."
        )
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        bad = y[(y < 0) | (y >= num_classes)][0]
        raise ValueError(f"labels must lie in [0, {num_classes}); found {bad}")
    out = np.zeros((len(y), num_classes), dtype=np.float64)
    out[np.arange(len(y)), y] = 1.0
    return out


def one_hot_features(categories, sizes) -> np.ndarray:
    """One-hot code for several categorical features, the codes of the features side by side.

    categories: ``(N, F)`` integers, example n's value of feature f in ``[0, sizes[f])``;
    sizes: ``(F,)`` number of values of each feature. Returns float64 ``(N, sum(sizes))``: for
    each example, ``sizes[0]`` entries coding feature 0 (a single 1 at its value), then
    ``sizes[1]`` entries for feature 1, and so on. Example: sizes (2, 3, 4) and values
    (0, 1, 3) -> [1, 0 | 0, 1, 0 | 0, 0, 0, 1].
    """
    sizes = [int(s) for s in np.atleast_1d(np.asarray(sizes))]
    if not sizes or min(sizes) < 1:
        raise ValueError(f"sizes must list at least one positive number of values; got {sizes}")
    categories = np.asarray(categories)
    if categories.ndim == 1:
        categories = categories[None, :]
    if categories.ndim != 2 or categories.shape[1] != len(sizes):
        raise ValueError(
            f"categories must have shape (N, {len(sizes)}), one column per feature of sizes "
            f"{tuple(sizes)}; got shape {categories.shape}"
        )
    codes = []
    for f, size in enumerate(sizes):
        try:
            codes.append(one_hot(categories[:, f], size))
        except (ValueError, TypeError) as err:
            raise type(err)(f"feature {f} (size {size}): {err}") from None
    return np.concatenate(codes, axis=1)


def as_images(x: np.ndarray) -> np.ndarray:
    """Rows to images: x ``(N, 784)`` -> ``(N, 1, 28, 28)`` (a view when x is contiguous)."""
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != IMAGE_PIXELS:
        raise ValueError(f"x must have shape (N, {IMAGE_PIXELS}); got {x.shape}")
    return x.reshape(len(x), 1, IMAGE_SIDE, IMAGE_SIDE)


def subset(pair: Pair, n: int, *, seed: int | None = None) -> Pair:
    """The first ``n`` examples of ``pair = (x, y)``, or ``n`` drawn without replacement.

    seed None: ``(x[:n], y[:n])`` (views). seed given: a random sample of ``n`` distinct
    examples, in the order drawn by ``np.random.default_rng(seed)`` (copies).
    """
    x, y = pair
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length; got {len(x)} and {len(y)}")
    if check_int(n, "n", minimum=0) > len(x):
        raise ValueError(f"n must be an integer between 0 and {len(x)}; got {n!r}")
    if seed is None:
        return x[:n], y[:n]
    idx = np.random.default_rng(seed).choice(len(x), size=int(n), replace=False)
    return x[idx], y[idx]


# --------------------------------------------------------------------------------------------
# Chapter 6: training data expanded by one-pixel shifts
# --------------------------------------------------------------------------------------------

#: The order of the five versions of each image in :func:`expand_by_shifts`.
SHIFT_ORDER = ("original", "up", "down", "left", "right")


def expand_by_shifts(
    x: np.ndarray, y: np.ndarray, *, image_shape: tuple[int, int] = (IMAGE_SIDE, IMAGE_SIDE)
) -> Pair:
    """Each image followed by its four one-pixel shifts (zero fill), labels repeated.

    x: ``(N, H*W)``, y: ``(N,)`` -> ``(5N, H*W)`` (same dtype as x), ``(5N,)``. Rows ``5i`` to
    ``5i+4`` are image ``i``: original, shifted up, down, left, right (:data:`SHIFT_ORDER`);
    "up" moves the content one pixel up (the top row falls off, the bottom row becomes 0).
    """
    x, y = np.asarray(x), np.asarray(y)
    h, w = image_shape
    if x.ndim != 2 or x.shape[1] != h * w:
        raise ValueError(f"x must have shape (N, {h * w}); got {x.shape}")
    if y.shape != (len(x),):
        raise ValueError(f"y must have shape ({len(x)},); got {y.shape}")
    img = x.reshape(len(x), h, w)
    out = np.zeros((len(x), 5, h, w), dtype=x.dtype)
    out[:, 0] = img
    out[:, 1, :-1, :] = img[:, 1:, :]  # up
    out[:, 2, 1:, :] = img[:, :-1, :]  # down
    out[:, 3, :, :-1] = img[:, :, 1:]  # left
    out[:, 4, :, 1:] = img[:, :, :-1]  # right
    return out.reshape(5 * len(x), h * w), np.repeat(y, 5)


def load_expanded_training_data(
    *,
    dtype=np.float32,
    verbose: bool = True,
    source: Pair | None = None,
) -> Pair:
    """The 50,000 training images and their one-pixel shifts: x (250000, 784), y (250000,).

    Generated once and cached (uint8, about 196 MB) in ``cache_dir()``, atomically; loaded as
    ``dtype`` (about 784 MB in float32). Order as in :func:`expand_by_shifts`.

    source: an ``(x, y)`` pair to expand instead of ``load_mnist()``'s training set (x in
        [0, 1] with values k/255, as :func:`load_mnist` returns); the cache is keyed by its
        content, so different sources never share a cache file.
    """
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(f"dtype must be a floating type such as np.float32; got {dtype}")
    start = time.perf_counter()
    if source is None:
        source = load_mnist(dtype=np.float32)[0]
    x_src, y_src = np.asarray(source[0]), np.asarray(source[1])
    if x_src.ndim != 2 or x_src.shape[1] != IMAGE_PIXELS or y_src.shape != (len(x_src),):
        raise ValueError(
            f"source must be (x (N, {IMAGE_PIXELS}), y (N,)); got {x_src.shape}, {y_src.shape}"
        )
    if x_src.dtype == np.uint8:
        x8 = x_src
    else:
        x8 = np.rint(np.clip(x_src, 0.0, 1.0) * 255).astype(np.uint8)
    y8 = y_src.astype(np.uint8)
    digest = hashlib.sha256()
    digest.update(f"v{_CACHE_FORMAT}:{x8.shape}".encode())
    digest.update(np.ascontiguousarray(x8).data)
    digest.update(np.ascontiguousarray(y8).data)
    cache_file = cache_dir() / f"mnist-expanded-{digest.hexdigest()[:20]}.npz"

    n_out = 5 * len(x8)
    arrays = _load_npz(cache_file, ["x", "y"])
    if arrays is not None and (arrays["x"].shape != (n_out, IMAGE_PIXELS)
                               or arrays["y"].shape != (n_out,)):
        with contextlib.suppress(OSError):
            cache_file.unlink()
        arrays = None
    if arrays is None:
        if verbose:
            print(f"Generating the expanded training set ({n_out:,} images: each image and its "
                  f"four one-pixel shifts); about {n_out * IMAGE_PIXELS * 4 / 1e6:,.0f} MB in "
                  f"float32 once loaded. Caching it as uint8 in {cache_file} ...", flush=True)
        x_big, y_big = expand_by_shifts(x8, y8)
        arrays = {"x": x_big, "y": y_big}
        try:
            _atomic_save_npz(cache_file, arrays)
        except OSError as err:
            if verbose:
                print(f"(could not write the cache: {err})")
        origin = "a fresh expansion (now cached)"
    else:
        origin = f"cache {cache_file}"
    x = arrays["x"].astype(dtype)
    x /= 255  # back to [0, 1]
    y = arrays["y"].astype(np.int64)
    if verbose:
        print(f"Expanded training data: {len(x):,} images from {origin} "
              f"in {time.perf_counter() - start:.2f} s")
    return x, y

