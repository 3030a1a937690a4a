"""What must never reach a learner: solution code, hidden tests and the rubrics of the written
questions (nbgrader's mark-scheme regions). Finding and removing them.

- :func:`protected_lines` lists the distinctive lines of a source notebook's solution regions,
  hidden-test regions and mark-scheme regions;
- :func:`find_leaks` finds them (or the region markers) in any text: a released notebook, a
  feedback page, the built book (HTML is reduced to its text first);
- :class:`ScrubHiddenTests` is an nbconvert preprocessor for nbgrader's ``GenerateFeedback``:
  it removes hidden-test regions from test cells (as nbgrader's ClearHiddenTests does) and also
  every line of them from the cells' outputs (a traceback quotes the line that failed), and the
  mark-scheme regions that autograde puts back into the written questions' task cells (so that
  formgrader shows the rubric to whoever grades).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from nndl_lib.grading.notebook_cells import cell_source, without_region

__all__ = ["protected_lines", "find_leaks", "notebook_text", "html_text", "ScrubHiddenTests",
           "MARKERS"]

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS",
           "BEGIN MARK SCHEME", "END MARK SCHEME")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
MIN_LENGTH = 12  # shorter lines ("return a", "a = x") are too common to call a leak


def _regions(text: str, begin: str, end: str) -> list[str]:
    lines, inside, out = text.split("\n"), False, []
    for line in lines:
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            out.append(line)
    return out


def protected_lines(source_nb: dict | str | Path, *, hidden: bool = True,
                    solutions: bool = True) -> set[str]:
    """Distinctive lines (stripped, at least MIN_LENGTH characters) of the solution and/or
    hidden-test regions of a source notebook."""
    if not isinstance(source_nb, dict):
        source_nb = json.loads(Path(source_nb).read_text(encoding="utf-8"))
    found = set()
    for cell in source_nb.get("cells", []):
        text = cell_source(cell)
        lines = []
        if solutions:
            lines += _regions(text, "BEGIN SOLUTION", "END SOLUTION")
        if hidden:
            lines += _regions(text, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
        if solutions:
            lines += _regions(text, "BEGIN MARK SCHEME", "END MARK SCHEME")
        found |= {ln.strip() for ln in lines if len(ln.strip()) >= MIN_LENGTH}
    return found


def notebook_text(nb: dict | str | Path) -> str:
    """All sources and outputs of a notebook as plain text (ANSI colours removed)."""
    if not isinstance(nb, dict):
        nb = json.loads(Path(nb).read_text(encoding="utf-8"))
    parts = []
    for cell in nb.get("cells", []):
        parts.append(cell_source(cell))
        for out in cell.get("outputs", []) or []:
            parts.append(_output_text(out))
    return _ANSI.sub("", "\n".join(parts))


def _output_text(out: dict) -> str:
    parts = []
    for key in ("text", "traceback", "evalue"):
        value = out.get(key)
        if value:
            parts.append("\n".join(value) if isinstance(value, list) else str(value))
    for value in (out.get("data") or {}).values():
        parts.append("".join(value) if isinstance(value, list) else str(value))
    return "\n".join(parts)


def html_text(page: str) -> str:
    """The visible text of an HTML page (tags dropped, entities decoded)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def find_leaks(text: str, lines: set[str]) -> list[str]:
    """The protected lines (and region markers) that occur in ``text``."""
    squeezed = re.sub(r"[ \t]+", " ", text)
    leaks = [m for m in MARKERS if m in text]
    leaks += sorted(ln for ln in lines if re.sub(r"[ \t]+", " ", ln) in squeezed)
    return leaks


class ScrubHiddenTests(Preprocessor):
    """Remove hidden-test regions from cell sources and their lines from cell outputs."""

    enabled = Bool(True)  # nbconvert's preprocessors are off unless enabled
    begin = "BEGIN HIDDEN TESTS"
    end = "END HIDDEN TESTS"

    def preprocess(self, nb: Any, resources: dict) -> tuple[Any, dict]:
        hidden: set[str] = set()
        for cell in nb.cells:
            if "BEGIN MARK SCHEME" in cell.source:  # a rubric: for the grader's eyes only
                cell.source = without_region(cell.source, "BEGIN MARK SCHEME", "END MARK SCHEME")
            text = cell.source
            if self.begin in text:
                hidden |= {ln.strip() for ln in _regions(text, self.begin, self.end)
                           if ln.strip()}
                kept, inside = [], False
                for line in text.split("\n"):
                    if self.begin in line:
                        inside = True
                    elif self.end in line:
                        inside = False
                    elif not inside:
                        kept.append(line)
                cell.source = "\n".join(kept)
        if hidden:
            for cell in nb.cells:
                for out in cell.get("outputs", []):
                    self._scrub_output(out, hidden)
        return nb, resources

    @staticmethod
    def _keep(line: str, hidden: set[str]) -> bool:
        plain = _ANSI.sub("", line)
        return not any(h in plain for h in hidden) and not any(m in plain for m in MARKERS)

    def _scrub_output(self, out: Any, hidden: set[str]) -> None:
        if "evalue" in out and not self._keep(str(out["evalue"]), hidden):
            out["evalue"] = "[a message quoting hidden tests was removed]"
        if "traceback" in out:
            kept = []
            for entry in out["traceback"]:
                lines = [ln for ln in entry.split("\n") if self._keep(ln, hidden)]
                kept.append("\n".join(lines))
            out["traceback"] = kept
        if "text" in out:
            text = out["text"] if isinstance(out["text"], str) else "".join(out["text"])
            out["text"] = "\n".join(ln for ln in text.split("\n") if self._keep(ln, hidden))
