"""The reproduction ledger as a reader sees it: tables and a figure of ours vs the book.

Used by the book's reproduction page (``reproduction/results.ipynb``), which trains nothing: it
reads the committed ledger (:func:`nndl_lib.reproduction.ledger.full_results`) and the measured
epoch times
(:func:`nndl_lib.reproduction.row_timing.read_epoch_times`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from nndl_lib.companions.tables import format_value
from nndl_lib.reproduction.ledger import LedgerRow, rerun_command
from nndl_lib.reproduction.row_timing import estimate

__all__ = ["format_band", "ledger_table", "timing_table", "plot_ours_vs_book",
           "tally"]


def format_band(row: Any) -> str:
    """"±0.5 pp" or "±60%" (relative)."""
    return f"±{100 * row.band:g}%" if row.band_kind == "relative" else f"±{row.band:g} pp"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _cell(text: str) -> str:
    """A cell's text with its pipes escaped (e.g. "||dC/db||"), so they do not split the row."""
    return str(text).replace("|", "\\|")


def _seed_spread(row: LedgerRow) -> str:
    """For a relative band: how far the seeds lie from their mean, e.g. "; seeds within ±12% of
    their mean" (empty for a single seed or a zero mean)."""
    values = [r["value"] for r in row.runs]
    mean = sum(values) / len(values) if values else 0.0
    if len(values) < 2 or mean == 0:
        return ""
    widest = 100 * max(abs(v - mean) for v in values) / abs(mean)
    return f"; seeds within ±{widest:.0f}% of their mean"


def ledger_table(experiments: Mapping[str, Any], rows: Mapping[str, LedgerRow],
                 chapters: Sequence[int] | None = None) -> str:
    """A Markdown table, one line per experiment of ``experiments`` (the table's order): the
    book's value, ours (the compared number and every seed's value; for a relative band also the
    seeds' spread), band, pass or fail, seeds, wall time, the command that re-runs it, and the
    row's note (why its band or its result is what it is). Experiments without a full run say so.
    Every cell's pipes are escaped, so each line has as many cells as the header."""
    lines = ["| row | book | ours | band | result | seeds | wall time | re-run | note |",
             "|---|---|---|---|---|---|---|---|---|"]
    for key, e in experiments.items():
        if chapters is not None and e.chapter not in chapters:
            continue
        name = f"`{key}`: {e.description}" + (f" (corrected variant of `{e.variant_of}`)"
                                              if e.variant_of else "")
        book = format_value(e.book, e.unit)
        command = f"`{rerun_command(key, 'full')}`"
        note = e.note or ""
        row = rows.get(key)
        if row is None:
            cells = [name, book, "not yet run in full", format_band(e), "—", f"0 of {e.seeds}",
                     "—", command, note]
        else:
            each = ", ".join(format_value(r["value"], e.unit).rstrip("%")
                             for r in sorted(row.runs, key=lambda r: r["seed"]))
            how = f"{row.compare} of {len(row.seeds)}" if len(row.seeds) > 1 else "1 seed"
            spread = _seed_spread(row) if row.band_kind == "relative" else ""
            ours = f"**{format_value(row.value, e.unit)}** ({how}: {each}{spread})"
            result = {True: "pass", False: "**fail**", None: "—"}[row.passed]
            seeds = f"{len(row.seeds)} of {row.seeds_planned}" + ("" if row.complete else
                                                                   " (partial)")
            cells = [name, book, ours, format_band(row), result, seeds, _duration(row.wall_s),
                     command, note]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def tally(experiments: Mapping[str, Any], rows: Mapping[str, LedgerRow]) -> dict[str, int]:
    """Counts for prose: rows in the table, run in full, passed, failed, not yet run, and
    ``partial``: rows run with fewer seeds than planned (their verdict is provisional)."""
    run = [rows[k] for k in experiments if k in rows]
    return {"rows": len(experiments), "run": len(run),
            "passed": sum(r.passed is True for r in run),
            "failed": sum(r.passed is False for r in run),
            "not_run": len(experiments) - len(run),
            "partial": sum(len(r.seeds) < r.seeds_planned for r in run)}


def timing_table(experiments: Mapping[str, Any], times: Mapping[str, Mapping[str, Any]],
                 workers: Sequence[int] = (1, 3)) -> str:
    """A Markdown table of the measured epoch time of each timed row and what it implies: hours
    per seed on one worker, and for the row's seeds on each number of ``workers``."""
    head = " | ".join(f"{n} worker{'s' if n > 1 else ''}, all seeds" for n in workers)
    lines = [f"| row | epochs | one epoch | per seed | {head} |",
             "|---|---|---|---|" + "---|" * len(workers)]
    tasks = []  # hours of every (row, seed)
    for key, e in experiments.items():
        if key not in times:
            continue
        t = times[key]
        epochs = f"{t['epochs']}" + (f" × {t['ensemble']} nets" if t.get("ensemble", 1) > 1
                                     else "")
        cells = " | ".join(_duration(3600 * estimate(t, e.seeds, n)["row_h"]) for n in workers)
        lines.append(f"| `{key}` | {epochs} | {_duration(t['epoch_s'])} | "
                     f"{_duration(3600 * estimate(t)['per_seed_h'])} | {cells} |")
        tasks += [estimate(t)["per_seed_h"]] * e.seeds
    if len(tasks) > 1:  # all of them: the work shared out, never less than the longest task
        cells = " | ".join(_duration(3600 * max(max(tasks), sum(tasks) / n)) for n in workers)
        lines.append(f"| all rows above | | | | {cells} |")
    return "\n".join(lines)


def plot_ours_vs_book(experiments: Mapping[str, Any], rows: Mapping[str, LedgerRow],
                      ax: Any = None) -> Any:
    """Ours minus the book for every row run in full: each seed (small dots), the compared value
    (large dot, green in band, red outside) and the band (grey). Accuracy rows in percentage
    points; gradient-norm rows (relative bands) in percent of the book's value. Returns the
    figure."""
    import matplotlib.pyplot as plt

    keys = [k for k in experiments if k in rows]
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, max(2.5, 0.22 * len(keys) + 1)))
    else:
        fig = ax.figure
    for i, key in enumerate(keys):
        row, e = rows[key], experiments[key]
        if e.band_kind == "relative":  # percent of the book's value
            scale, band = 100 / e.book, 100 * row.band
        else:
            scale, band = 1.0, row.band
        y = len(keys) - 1 - i
        ax.barh(y, 2 * band, left=-band, height=0.6, color="0.88", zorder=0)
        for r in row.runs:
            ax.plot((r["value"] - e.book) * scale, y, ".", color="0.45", ms=4)
        colour = "tab:green" if row.passed else "tab:red"
        ax.plot((row.value - e.book) * scale, y, "o", color=colour, ms=6)
    ax.axvline(0, color="k", lw=0.8)
    ax.set_yticks(range(len(keys)), [k for k in reversed(keys)], fontsize=7)
    ax.set_xlabel("ours − book (percentage points; gradient norms: % of the book's value)")
    ax.set_xscale("symlog", linthresh=1.0)
    ax.set_title("Full-tier runs against the book (grey: the band)")
    if not math.isfinite(ax.get_xlim()[0]):
        ax.set_xlim(-1, 1)
    fig.tight_layout()
    return fig
