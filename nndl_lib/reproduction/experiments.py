"""The book's experiments as data, and one way to run any of them: ``run(key, tier)``.

The public names the chapters, the reproduction runner and the tests use, from three modules:

- :mod:`nndl_lib.reproduction.spec`: :class:`ExperimentSpec` (alias ``RunSpec``), one training
  run as data;
- :mod:`nndl_lib.reproduction.table`: :class:`Experiment` and :data:`EXPERIMENTS`, the rows of
  ``experiments.toml`` (read and checked once by :mod:`nndl_lib.reference_values`), and
  :func:`spec_from_book`;
- :mod:`nndl_lib.reproduction.runs`: :func:`run` (a row at tier "fast" or "full", one seed),
  and chapter 3's :func:`run_spec` and :func:`more_data_sweep`.
"""

from nndl_lib.reference_values import BAND_KINDS, COMPARE
from nndl_lib.reproduction.runs import ExperimentResult, RunResult, more_data_sweep, run, run_spec
from nndl_lib.reproduction.spec import ExperimentSpec, RunSpec
from nndl_lib.reproduction.table import EXPERIMENTS, TIERS, Experiment, spec_from_book

__all__ = [
    "ExperimentSpec",
    "RunSpec",
    "Experiment",
    "EXPERIMENTS",
    "TIERS",
    "COMPARE",
    "BAND_KINDS",
    "ExperimentResult",
    "run",
    "RunResult",
    "spec_from_book",
    "run_spec",
    "more_data_sweep",
]
