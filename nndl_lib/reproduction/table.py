"""The book's experiments as data: the rows of ``experiments.toml``, one :class:`Experiment` each.

Each row is a published number with its configuration (an
:class:`~nndl_lib.reproduction.spec.ExperimentSpec`), what is measured, and a reduced "fast"
configuration for CI. The table is read and checked once, by
:mod:`nndl_lib.reference_values` (``TABLE_ROWS``, against its one list of row fields); this
module turns those rows into :data:`EXPERIMENTS`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from nndl_lib.reference_values import TABLE_ROWS, BookResult, book_result
from nndl_lib.reproduction.spec import EXPANDED_ORDER_SEED, SPEC_FIELDS, ExperimentSpec

__all__ = ["TIERS", "Experiment", "EXPERIMENTS", "experiment_from_row", "spec_from_book"]

TIERS = ("fast", "full")


@dataclass(frozen=True)
class Experiment:
    """One published number of the book and how to reproduce it (a row of experiments.toml)."""

    key: str
    chapter: int
    description: str
    book: float
    metric: str
    measure: str
    spec: ExperimentSpec | None
    fast: Mapping[str, Any] = field(default_factory=dict)
    ensemble: int = 1
    epoch: int | None = None
    layer: int | None = None
    images: int | None = None
    unit: str = "%"
    note: str = ""
    compare: str = "mean"
    band: float = 0.5
    band_kind: str = "absolute"
    seeds: int = 3
    variant_of: str | None = None

    @property
    def result(self) -> BookResult:
        """The published result (``reference_values.book_result``); for a corrected variant,
        that of its faithful row."""
        return book_result(self.variant_of or self.key)

    def spec_for(self, tier: str) -> ExperimentSpec | None:
        """The spec at tier "full" (the book's) or "fast" (reduced, for CI)."""
        if tier not in TIERS:
            raise ValueError(f"tier must be one of {TIERS}; got {tier!r}")
        changes = {k: v for k, v in self.fast.items() if k in SPEC_FIELDS}
        if self.spec is None or tier == "full" or not changes:
            return self.spec
        return self.spec.but(**changes)

    def compare_at(self, tier: str) -> str:
        """Which number of the seeds is compared at ``tier``: the row's ``compare``, or the fast
        tier's own (chapter 6's fast rows compare the mean: steadier than the best of three)."""
        return self.fast.get("compare", self.compare) if tier == "fast" else self.compare

    def seeds_at(self, tier: str) -> int:
        """How many seeds (0, 1, ...) a run of the row at ``tier`` uses: its own ``seeds``, or
        the fast tier's (fewer for slow rows)."""
        return int(self.setting("seeds", tier, self.seeds))

    def setting(self, name: str, tier: str, default: Any = None) -> Any:
        """A non-spec setting (``ensemble``, ``evaluation_size``, ``seeds``) at ``tier``."""
        if tier == "fast" and name in self.fast:
            return self.fast[name]
        return {"ensemble": self.ensemble}.get(name, default)

    def expected(self, tier: str) -> float | None:
        """The value a run at ``tier`` should give: the book's (full), or the fast tier's own
        value recorded from a reference run of the reduced configuration (None if not recorded)."""
        if tier not in TIERS:
            raise ValueError(f"tier must be one of {TIERS}; got {tier!r}")
        if tier == "full":
            return self.book
        return self.fast.get("expected")

    def band_at(self, tier: str) -> float:
        """The half-width of the band at ``tier``: percentage points, or a fraction of the
        expected value when ``band_kind`` is "relative"."""
        return float(self.fast.get("band", self.band)) if tier == "fast" else self.band

    def signature(self, tier: str) -> str:
        """Everything that decides a run's value at ``tier`` except the seed, as one string:
        two rows with the same signature and seed give the same number (one run serves both)."""
        spec = self.spec_for(tier)
        what = {
            "spec": None if spec is None else asdict(spec),
            "metric": self.metric, "measure": self.measure, "epoch": self.epoch,
            "layer": self.layer, "images": self.images,
            "ensemble": self.setting("ensemble", tier),
            "evaluation_size": self.setting("evaluation_size", tier),
            "training_size": self.setting("training_size", tier) if spec is None else None,
        }
        if spec is not None and spec.expanded:
            what["expanded_order"] = EXPANDED_ORDER_SEED
        return json.dumps(what, sort_keys=True)


def experiment_from_row(row: dict[str, Any]) -> Experiment:
    """The :class:`Experiment` of a row checked by ``reference_values.check_row``."""
    config = dict(row.get("config", {}))
    ensemble = int(config.pop("ensemble", 1))
    unknown = set(config) - SPEC_FIELDS
    if unknown:
        raise ValueError(f"experiment {row['key']!r}: unknown config fields {sorted(unknown)}")
    spec = None
    if config:
        if "network" in config:
            config.setdefault("sizes", None)
        spec = ExperimentSpec(**config)
    return Experiment(key=row["key"], chapter=row["chapter"], description=row["description"],
                      book=float(row["book"]), metric=row["metric"], measure=row["measure"],
                      spec=spec, fast=dict(row.get("fast", {})), ensemble=ensemble,
                      epoch=row.get("epoch"), layer=row.get("layer"), images=row.get("images"),
                      unit=row.get("unit", "%"), note=row.get("note", ""),
                      compare=row.get("compare", "mean"), band=float(row.get("band", 0.5)),
                      band_kind=row.get("band_kind", "absolute"), seeds=row.get("seeds", 3),
                      variant_of=row.get("variant_of"))


#: Every published experiment of the book, by key, in the book's order.
EXPERIMENTS: dict[str, Experiment] = {row["key"]: experiment_from_row(row) for row in TABLE_ROWS}


def spec_from_book(key: str, **changes: Any) -> ExperimentSpec:
    """The full configuration of the book's experiment ``key``, with ``changes`` applied.

    e.g. ``spec_from_book("ch3_ce_30", epochs=2, training_size=5000)``.
    """
    if key not in EXPERIMENTS:
        raise KeyError(f"no experiment {key!r}; known keys: {sorted(EXPERIMENTS)}")
    spec = EXPERIMENTS[key].spec
    if spec is None:
        raise ValueError(f"book result {key!r} does not describe a training run")
    return spec.but(**changes)
