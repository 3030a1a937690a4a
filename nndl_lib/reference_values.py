"""Known numbers, kept in one place: the book's published results and the worked examples.

Chapters quote these as *the book's* values beside what they compute live; tests compare the
library against them with tolerances stated where they are used; the reproduction ledger uses the
``BOOK_RESULTS`` entries as its expected values. Nothing here is computed by the library.

The published results are read from ``experiments.toml`` beside this module: one row per
published number, with the configuration that reproduces it (see
:mod:`nndl_lib.reproduction.table`); this module reads and checks it, once (``TABLE_ROWS``).
Sources: Nielsen's *Neural Networks and Deep Learning* (text and result files of its code) and the
course plan's corrected worked examples (recomputed by the tests through the library).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nndl_lib.validate import check_int

__all__ = [
    "BookResult",
    "BOOK_RESULTS",
    "EXPERIMENT_TABLE",
    "ROW_FIELDS",
    "COMPARE",
    "BAND_KINDS",
    "check_row",
    "read_experiment_table",
    "TABLE_ROWS",
    "book_result",
    "CH5_GRADIENT_NORMS_AT_INIT",
    "WORKED_EXAMPLE_222",
    "EXERCISE_KEYS",
    "APPENDIX_SAI",
]

#: The table of the book's experiments (``experiments.toml``): one row per published number.
EXPERIMENT_TABLE = Path(__file__).with_name("experiments.toml")


@dataclass(frozen=True)
class BookResult:
    """One published number. ``accuracy`` is the book's value, in percent unless ``unit`` says
    otherwise (chapter 5's gradient norms); ``metric`` says on which data."""

    key: str
    chapter: int
    description: str
    accuracy: float
    metric: str = "test"  # "test", "validation" or "test at best validation"
    sizes: tuple[int, ...] | None = None
    cost: str | None = None
    init: str | None = None
    eta: float | None = None
    lmbda: float | None = None
    epochs: int | None = None
    mini_batch_size: int = 10
    training_size: int = 50_000
    note: str = ""
    extra: dict = field(default_factory=dict)
    unit: str = "%"


def _book_result(row: dict[str, Any]) -> BookResult:
    config = row.get("config", {})
    sizes = config.get("sizes")
    return BookResult(
        key=row["key"], chapter=row["chapter"], description=row["description"],
        accuracy=float(row["book"]), metric=row.get("metric", "test"),
        sizes=tuple(sizes) if sizes else None, cost=config.get("cost"), init=config.get("init"),
        eta=config.get("eta"), lmbda=config.get("lmbda"), epochs=config.get("epochs"),
        mini_batch_size=config.get("mini_batch_size", 10),
        training_size=config.get("training_size", 50_000), note=row.get("note", ""),
        unit=row.get("unit", "%"),
        extra={k: row[k] for k in EXTRA_FIELDS if k in row})


#: The fields of a row of the table (its header says what each means): the one list that every
#: reader of the table goes by. REQUIRED_FIELDS must be in every row.
ROW_FIELDS = ("key", "chapter", "description", "book", "metric", "measure", "config", "fast",
              "epoch", "layer", "images", "unit", "note", "compare", "band", "band_kind",
              "seeds", "variant_of", "errors")
REQUIRED_FIELDS = ("key", "chapter", "description", "book", "metric", "measure")
#: Row fields a :class:`BookResult` keeps in ``extra`` (it has no attribute of their own).
EXTRA_FIELDS = ("epoch", "layer", "images", "errors")
#: How a row's seeds are summarised for comparison: the best run (the book's best of three,
#: chapters 1 and 6) or the mean.
COMPARE = ("best", "mean")
#: A band in the row's unit (percentage points) or as a fraction of the expected value.
BAND_KINDS = ("absolute", "relative")


def check_row(row: dict[str, Any]) -> None:
    """A ValueError naming the row's key when ``row`` is not a well-formed row of the table."""
    key = row.get("key", "?")
    unknown = set(row) - set(ROW_FIELDS)
    if unknown:
        raise ValueError(f"experiment {key!r}: unknown fields {sorted(unknown)}; known: "
                         f"{sorted(ROW_FIELDS)} (see the header of experiments.toml)")
    missing = set(REQUIRED_FIELDS) - set(row)
    if missing:
        raise ValueError(f"experiment {key!r}: missing fields {sorted(missing)}")
    if row.get("compare", "mean") not in COMPARE:
        raise ValueError(f"experiment {key!r}: compare must be one of {COMPARE}; "
                         f"got {row['compare']!r}")
    if row.get("fast", {}).get("compare", "mean") not in COMPARE:
        raise ValueError(f"experiment {key!r}: fast compare must be one of {COMPARE}; "
                         f"got {row['fast']['compare']!r}")
    if row.get("band_kind", "absolute") not in BAND_KINDS:
        raise ValueError(f"experiment {key!r}: band_kind must be one of {BAND_KINDS}; "
                         f"got {row['band_kind']!r}")
    for name, value in (("band", row.get("band", 0.5)),
                        ("fast band", row.get("fast", {}).get("band", 1.0))):
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ValueError(f"experiment {key!r}: {name} must be a positive number; "
                             f"got {value!r}")
    seeds = row.get("seeds", 3)
    check_int(seeds, f"experiment {key!r}: seeds", minimum=1)


def read_experiment_table(path: Path = EXPERIMENT_TABLE) -> list[dict[str, Any]]:
    """The rows of the experiment table (a list of dicts), each checked by :func:`check_row`,
    and no key twice."""
    with path.open("rb") as f:
        rows = tomllib.load(f).get("experiment", [])
    for row in rows:
        check_row(row)
    keys = [r["key"] for r in rows]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ValueError(f"{path}: duplicate experiment keys {duplicates}")
    return rows


#: The rows of ``experiments.toml``, read and checked once (the reproduction ledger's
#: ``EXPERIMENTS`` are made from them).
TABLE_ROWS: tuple[dict[str, Any], ...] = tuple(read_experiment_table(EXPERIMENT_TABLE))

#: The published numbers (the table's rows less its corrected variants, which the book did not
#: publish), by key, in the book's order.
BOOK_RESULTS: dict[str, BookResult] = {
    row["key"]: _book_result(row) for row in TABLE_ROWS if "variant_of" not in row
}


def book_result(key: str) -> BookResult:
    """The published result ``key`` (see ``BOOK_RESULTS``), with a helpful error if unknown."""
    try:
        return BOOK_RESULTS[key]
    except KeyError:
        raise KeyError(f"no book result {key!r}; known keys: {sorted(BOOK_RESULTS)}") from None


# Chapter 5: norm of the mean gradient dC/db per hidden layer at initialisation, 1,000 images,
# cross-entropy, default init (first hidden layer first); the ch5_grad_* rows of the table.
CH5_GRADIENT_NORMS_AT_INIT: dict[tuple[int, ...], tuple[float, ...]] = {}
for _r in BOOK_RESULTS.values():
    if _r.unit == "norm":
        CH5_GRADIENT_NORMS_AT_INIT[_r.sizes] = (*CH5_GRADIENT_NORMS_AT_INIT.get(_r.sizes, ()),
                                                _r.accuracy)
del _r

# The worked 2-2-2 backprop example (foundations notes, corrected; see the course plan).
# w1, w2 feed h1; w3, w4 feed h2; w5, w6 feed o1; w7, w8 feed o2. In the library's layout:
# weights[0] = [[w1, w2], [w3, w4]], weights[1] = [[w5, w6], [w7, w8]].
WORKED_EXAMPLE_222: dict = {
    "x": (0.05, 0.10),
    "y": (0.01, 0.99),
    "w": (0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55),
    "b_hidden": 0.35,
    "b_output": 0.60,
    "eta": 0.5,
    "net_h1": 0.3775,
    "out_h1": 0.593269992,
    "out_h2": 0.596884378,
    "net_o1": 1.105905967,
    "out_o1": 0.751365070,
    "out_o2": 0.772928465,
    "E_o1": 0.274811083,
    "E_o2": 0.023560026,
    "E_total": 0.298371109,
    "dE_dw": (0.000438568, 0.000877135, 0.000497713, 0.000995425,
              0.082167041, 0.082667628, -0.022602540, -0.022740242),
    "w_after_step": (0.14978072, 0.19956143, 0.24975114, 0.29950229,
                     0.35891648, 0.40866619, 0.51130127, 0.56137012),
    "E_total_after_step": 0.291027774,
}

# Answers to exercises (computed and checked in the course plan).
EXERCISE_KEYS: dict = {
    "ch1_perceptron_vote": {"x": (4, 1, -3), "w": (1, 3, 2), "threshold": 3,
                            "weighted_sum": 1, "output": 0},
    "ch1_nand": {"w": (-2, -2), "b": 3, "inputs": ((0, 0), (0, 1), (1, 0), (1, 1)),
                 "outputs": (1, 1, 1, 0)},
    "ch1_parameter_counts": {(784, 30, 10): 23_860, (784, 100, 10): 79_510},
    "ch3_single_neuron": {"starts": ((0.6, 0.9), (2.0, 2.0)), "a": (0.817574, 0.982014),
                          "quadratic_dC_dw": (0.121938, 0.017345)},
    "ch3_z_std": {"large": 22.383, "default": 1.2247},
    "ch3_l2_decay_factor": {"eta": 0.5, "lmbda": 5.0, "n": 50_000, "factor": 0.99995},
    "ch3_softmax": {"z": (3.0, 1.0, -3.0), "a": (0.87888, 0.11894, 0.00218)},
    "ch3_hessian_entries": {"parameters": 10**7, "entries": 10**14},
    "ch5_widest_interval": {"width": 0.4477, "w": 6.894, "min_w": 4.0},
    "ch5_w100_factor": 25.0,
    "ch6_conv_output_size": {(28, 5, 1, 0): 24, (5, 3, 2, 0): 2, (5, 3, 2, 1): 3,
                             (227, 11, 4, 0): 55},
    "ch6_parameter_counts": {"two 3x3x3 filters": 56, "20 maps 5x5 on 1 channel": 520,
                             "40 maps 5x5 on 20 channels": 20_040},
    "ch6_conv_example": {
        "image": ((1, 1, 1, 0, 0), (0, 1, 1, 1, 0), (0, 0, 1, 1, 1), (0, 0, 1, 1, 0),
                  (0, 1, 1, 0, 0)),
        "filter": ((1, 0, 1), (0, 1, 0), (1, 0, 1)),
        "stride1": ((4, 3, 4), (2, 4, 3), (2, 3, 4)),
        "stride2": ((4, 4), (2, 4)),
    },
    "foundations_one_hot": {"categories": ((0, 1, 3), (1, 2, 1)), "sizes": (2, 3, 4),
                            "codes": ((1, 0, 0, 1, 0, 0, 0, 0, 1), (0, 1, 0, 0, 1, 0, 1, 0, 0))},
}

# The appendix "Is there a simple algorithm for intelligence?": the orders of magnitude its argument
# uses. "source" says where each number comes from: "book" = stated in the appendix's text (taken
# from the text as we know it; not re-checked against a copy of the page while writing),
# "estimate" = a standard round figure the argument relies on, stated by us, "definition" = exact.
APPENDIX_SAI: dict[str, dict] = {
    "neurons": {"value": 1e11, "source": "book",
                "note": "the human brain has on the order of 100 billion neurons"},
    "synapses": {"value": 1e14, "source": "book",
                 "note": "on the order of 100 trillion connections between neurons"},
    "human_chimp_difference_base_pairs": {
        "value": 125e6, "source": "book",
        "note": "the human and chimpanzee genomes differ in roughly 125 million base pairs "
                "(a few percent of the genome)"},
    "bits_per_base_pair": {"value": 2, "source": "definition",
                           "note": "one of four letters A, C, G, T: log2(4) = 2 bits"},
    "genome_base_pairs": {"value": 3e9, "source": "estimate",
                          "note": "the human genome has about 3 billion base pairs "
                                  "(about 3.1 billion in the reference assembly)"},
}
