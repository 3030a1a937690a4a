"""The reproduction ledger: every published result of the book re-run and recorded.

``experiments`` (every row of ``nndl_lib/experiments.toml`` as a spec: ``run(key, tier)``),
``planning`` (the tasks still to run), ``execution`` (where they run: this process, local
workers or Dask), ``runner`` (``python -m nndl_lib.reproduce``: the ledger and the command
line), ``task`` (one (row, seed) as a worker's task, with its environment), ``ledger`` (the
ledger file; ``full_results()`` for the chapters), ``report`` (the book page's tables and
figure), ``resumable`` (training in checkpointed pieces), ``row_timing`` (one measured epoch
per row).

The book's numbers themselves (``experiments.toml`` and its reader ``nndl_lib.reference_values``)
live in the core, because the companions and the graders quote them too. The ledger imports the
core, the chapter companions and the deep stack; nothing imports the ledger.
"""
