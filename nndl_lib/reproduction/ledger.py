"""The reproduction ledger: what our runs of the book's experiments gave, beside the book.

A ledger is a JSON file holding a list of rows, one per experiment of ``experiments.toml`` that
has been run (see :mod:`nndl_lib.reproduce`, which writes it). A row holds the runs (one per
seed: value, wall time, the environment it ran in) and their summary:

=============  ===============================================================================
id             the experiment's key
chapter        the book's chapter
book           the published value (the fast tier: the value expected of its reduced run)
best, mean,    the highest value, the mean and the (population) standard deviation over the
std            seeds run
compare        "best" (the book reports a best of three: chapters 1 and 6) or "mean"
value          the compared number: ``best`` or ``mean``
band           the half-width of the band; ``band_kind`` "absolute" (percentage points) or
               "relative" (a fraction of ``book``); ``low``/``high`` its ends
pass           whether ``value`` lies in the band (null until a run exists)
tier           "full" (the book's configuration) or "fast" (a reduced one, for CI)
seeds          the seeds run; ``seeds_planned`` how many the row asks for; ``complete``
wall_s         seconds of training over all seeds (the sum of the runs' wall times)
command        the command that re-runs the row
=============  ===============================================================================

The committed full-tier ledger is ``reproduction/ledger.json``; the chapters read it with
:func:`full_results` and show an "ours (full)" column only for the keys it holds. Reading a file
that is not a well-formed ledger raises :class:`LedgerError` and never changes the file.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "LEDGER_PATH",
    "FAST_LEDGER_PATH",
    "LedgerError",
    "LedgerRow",
    "ledger_path",
    "summarize",
    "read_ledger",
    "write_ledger",
    "ledger_lock",
    "full_results",
]

ROOT = Path(__file__).resolve().parents[2]
#: The committed full-tier ledger.
LEDGER_PATH = ROOT / "reproduction" / "ledger.json"
#: Where the fast tier writes (never committed).
FAST_LEDGER_PATH = ROOT / "_build" / "reproduction" / "fast-ledger.json"

REQUIRED_ROW = ("id", "chapter", "book", "best", "mean", "std", "band", "pass", "tier", "seeds",
                "wall_s", "runs")
REQUIRED_RUN = ("seed", "value", "wall_s", "signature", "environment")


class LedgerError(ValueError):
    """A ledger file that cannot be read as a ledger (corrupt, partial, of another tier)."""


@dataclass
class LedgerRow:
    """One experiment's runs and their summary (see the module docstring for the fields).

    Read fields as attributes (``row.best``) or by their JSON names (``row["pass"]``; ``pass`` is
    a Python keyword, so the attribute is ``passed``).
    """

    id: str
    chapter: int
    description: str
    tier: str
    unit: str
    metric: str
    measure: str
    compare: str
    book: float
    band: float
    band_kind: str
    low: float | None
    high: float | None
    best: float | None
    mean: float | None
    std: float | None
    value: float | None
    passed: bool | None
    seeds: list[int]
    seeds_planned: int
    complete: bool
    wall_s: float
    command: str
    variant_of: str | None = None
    note: str = ""
    runs: list[dict[str, Any]] = field(default_factory=list)

    def __getitem__(self, name: str) -> Any:
        return getattr(self, "passed" if name == "pass" else name)

    def get(self, name: str, default: Any = None) -> Any:
        """Like ``dict.get`` on the JSON form."""
        try:
            return self[name]
        except AttributeError:
            return default

    def as_dict(self) -> dict[str, Any]:
        """The row as written to the ledger file (``passed`` becomes ``pass``)."""
        out = asdict(self)
        out["pass"] = out.pop("passed")
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LedgerRow:
        d = dict(d)
        d["passed"] = d.pop("pass")
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in d.items() if k in known})


def ledger_path(tier: str) -> Path:
    """The default ledger file of ``tier`` ("full": committed; "fast": under _build/)."""
    if tier not in ("fast", "full"):
        raise ValueError(f"tier must be 'fast' or 'full'; got {tier!r}")
    return LEDGER_PATH if tier == "full" else FAST_LEDGER_PATH


def rerun_command(key: str, tier: str) -> str:
    """The shell command that re-runs one row."""
    return f"python -m nndl_lib.reproduce --tier {tier} --only {key}"


def summarize(experiment: Any, runs: Sequence[Mapping[str, Any]], tier: str,
              seeds_planned: int | None = None) -> LedgerRow:
    """The ledger row of ``experiment`` (an :class:`nndl_lib.reproduction.experiments.Experiment`)
    from its
    finished ``runs`` (dicts with at least seed, value, wall_s) at ``tier``."""
    runs = sorted(runs, key=lambda r: r["seed"])
    values = [float(r["value"]) for r in runs]
    expected = experiment.expected(tier)
    band = experiment.band_at(tier)
    compare = experiment.compare_at(tier)
    if expected is None:
        low = high = None
    elif experiment.band_kind == "relative":
        low, high = expected * (1 - band), expected * (1 + band)
    else:
        low, high = expected - band, expected + band
    best = mean = std = value = passed = None
    if values:
        best, mean = max(values), sum(values) / len(values)
        std = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
        value = best if compare == "best" else mean
        passed = None if expected is None else bool(low <= value <= high)
    planned = seeds_planned if seeds_planned is not None else experiment.seeds
    return LedgerRow(
        id=experiment.key, chapter=experiment.chapter, description=experiment.description,
        tier=tier, unit=experiment.unit, metric=experiment.metric, measure=experiment.measure,
        compare=compare, book=experiment.book if expected is None else expected,
        band=band, band_kind=experiment.band_kind, low=low, high=high, best=best, mean=mean,
        std=std, value=value, passed=passed, seeds=[int(r["seed"]) for r in runs],
        seeds_planned=planned, complete=len(runs) >= planned,
        wall_s=round(sum(float(r["wall_s"]) for r in runs), 3),
        command=rerun_command(experiment.key, tier), variant_of=experiment.variant_of,
        note=experiment.note, runs=[dict(r) for r in runs])


def _problem(path: Path, what: str) -> LedgerError:
    return LedgerError(
        f"{path} is not a readable reproduction ledger: {what}. The file was left as it is. "
        f"Look at it (an interrupted copy or a merge conflict?), repair it or move it aside, "
        f"then run again (a missing ledger is started afresh).")


def read_ledger(path: str | os.PathLike, tier: str | None = None) -> list[dict[str, Any]]:
    """The rows of the ledger at ``path`` (a list of dicts); [] if there is no file.

    Raises :class:`LedgerError` when the file is not valid JSON, not a list of rows, a row or run
    lacks a required field, or (with ``tier``) a row belongs to another tier.
    """
    path = Path(path)
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _problem(path, f"invalid JSON ({exc.msg} at line {exc.lineno}, column "
                             f"{exc.colno}; {len(text)} characters)") from None
    if not isinstance(rows, list):
        raise _problem(path, f"expected a JSON list of rows, found {type(rows).__name__}")
    seen = set()
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise _problem(path, f"row {i} is {type(row).__name__}, not an object")
        missing = [k for k in REQUIRED_ROW if k not in row]
        if missing:
            raise _problem(path, f"row {i} ({row.get('id', '?')}) lacks {missing}")
        if row["id"] in seen:
            raise _problem(path, f"row {row['id']!r} appears twice")
        seen.add(row["id"])
        if tier is not None and row["tier"] != tier:
            raise _problem(path, f"row {row['id']!r} is of tier {row['tier']!r}, not {tier!r} "
                                 "(use the ledger file of that tier)")
        if not isinstance(row["runs"], list):
            raise _problem(path, f"row {row['id']!r}: runs is not a list")
        for run in row["runs"]:
            lacking = [k for k in REQUIRED_RUN if k not in run] if isinstance(run, dict) else [
                "everything"]
            if lacking:
                raise _problem(path, f"a run of row {row['id']!r} lacks {lacking}")
    return rows


def write_ledger(path: str | os.PathLike, rows: Sequence[Mapping[str, Any] | LedgerRow]) -> None:
    """Write ``rows`` to ``path`` atomically (a temporary file in the same folder, flushed to disk,
    then renamed over the old one), so a reader never sees half a ledger."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = [r.as_dict() if isinstance(r, LedgerRow) else dict(r) for r in rows]
    text = json.dumps(data, indent=1, allow_nan=False, default=_json_default) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a ledger is for everyone to read
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item"):  # NumPy scalars
        return obj.item()
    raise TypeError(f"cannot write {type(obj).__name__} to a ledger")


@contextlib.contextmanager
def ledger_lock(path: str | os.PathLike) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (a ``.lock`` file beside it) for one runner at a time.

    Raises :class:`LedgerError` if another process holds it. Where ``fcntl`` is missing
    (Windows) no lock is taken.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    lock = Path(f"{path}.lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LedgerError(f"another run is writing {path} (it holds {lock}); wait for it to "
                              "finish or stop it, then run again") from None
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def full_results(path: str | os.PathLike | None = None) -> dict[str, LedgerRow]:
    """The rows of the committed full-tier ledger (``reproduction/ledger.json``) by experiment
    key, in the book's order; an empty dict if nothing has been run in full.

    Only rows with at least one finished run are returned. ``path`` (or the environment variable
    ``NNDL_LEDGER``) reads another ledger file.
    """
    path = Path(path or os.environ.get("NNDL_LEDGER") or LEDGER_PATH)
    rows = read_ledger(path, tier="full")
    return {r["id"]: LedgerRow.from_dict(r) for r in rows if r["runs"]}
