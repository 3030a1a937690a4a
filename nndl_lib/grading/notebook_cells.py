"""Reading an nbgrader notebook's cells: a cell's source text and nbgrader metadata, and which
cells of a submission are the learner's (the ones the out-of-kernel pass runs: answer cells
matched by nbgrader ``grade_id`` with the instructor's source notebook and any code cell the
learner added, never the instructor's own cells)."""

from __future__ import annotations

__all__ = ["learner_cells", "cell_source", "nbgrader_meta", "without_region",
           "changed_locked_cells"]


def nbgrader_meta(cell: dict) -> dict:
    """A cell's ``metadata.nbgrader`` dictionary ({} when it has none or it is malformed)."""
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nbg if isinstance(nbg, dict) else {}


def cell_source(cell: dict) -> str:
    """A notebook cell's source as one string (nbformat stores a string or a list of lines)."""
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def without_region(text: str, begin: str, end: str) -> str:
    """``text`` without its regions from a line holding ``begin`` to one holding ``end``
    (both lines included)."""
    kept, inside = [], False
    for line in text.split("\n"):
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif not inside:
            kept.append(line)
    return "\n".join(kept)


def learner_cells(source_nb: dict, submission_nb: dict) -> tuple[list[dict], list[str]]:
    """The code cells the child runs, in order, and notes about missing answer cells.

    Runs the submission's answer cells (matched by grade_id with the source notebook's
    solution cells) and any code cell the learner added; never the instructor's own cells (the
    setup cell, whose trusted imports the check module's PRELUDE provides, the test cells and
    the locked demonstration cells), nor any cell marked as a test. Answer cells missing from
    the submission are noted.
    """
    answers, given = [], set()
    for cell in source_nb.get("cells", []):
        gid = nbgrader_meta(cell).get("grade_id")
        if not gid:
            continue
        if cell.get("cell_type") == "code" and nbgrader_meta(cell).get("solution"):
            answers.append(gid)
        else:
            given.add(gid)
    cells, seen = [], set()
    for i, cell in enumerate(submission_nb.get("cells", [])):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        nbg = nbgrader_meta(cell)
        gid = nbg.get("grade_id")
        if gid in given or (nbg.get("grade") and not nbg.get("solution")):
            continue
        if gid:
            seen.add(gid)
        cells.append({"index": i, "source": cell_source(cell)})
    notes = [f"the answer cell '{gid}' is missing from the notebook (deleted, or its "
             "metadata changed): its code was not found" for gid in answers if gid not in seen]
    return cells, notes


def changed_locked_cells(released_nb: dict, submission_nb: dict) -> tuple[list[str], list[str]]:
    """The instructor's locked code cells (the check cells, the setup cell) that a submission
    edited, and those it deleted, by ``grade_id``: nbgrader grades with the released version of
    each (its ``OverwriteCells`` puts it back), so the learner's edit counts for nothing."""

    def locked(nb: dict) -> dict[str, str]:
        out = {}
        for cell in nb.get("cells", []):
            nbg = nbgrader_meta(cell)
            if (isinstance(cell, dict) and cell.get("cell_type") == "code" and nbg.get("grade_id")
                    and not nbg.get("solution") and (nbg.get("locked") or nbg.get("grade"))):
                out[str(nbg["grade_id"])] = "\n".join(
                    ln.rstrip() for ln in cell_source(cell).strip().split("\n"))
        return out

    released, submitted = locked(released_nb), locked(submission_nb)
    edited = [gid for gid, text in released.items() if gid in submitted
              and submitted[gid] != text]
    deleted = [gid for gid in released if gid not in submitted]
    return edited, deleted
