"""Every flag the grader records about a submission, in two voices, in one table.

The instructor reads the flags as written (the grades CSV's ``flag`` column, the autograde
output, ``grading/<assignment>/<student>.json``): the grader's own terms. The learner reads the
same flags on the feedback page as :func:`learner_flags` words them: what was refused or
overridden and why, in plain words, with no detail of what the grader refused (the instructor's
flag has that).

:mod:`nndl_lib.grading.gradebook` writes each flag starting with one of the prefixes below, and
the notes of the out-of-kernel pass behind ``note:``; :data:`LEARNER` and :data:`NOTES` map each
to its sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["KERNEL_DIED", "TAMPERED", "NO_SANDBOX", "ATTEMPT", "OVERRIDDEN", "INSTRUCTOR",
           "LOCKED", "NOTE", "LEARNER", "NOTES", "INTERNAL_TERMS", "learner_flags",
           "learner_sentence"]

# -- the instructor's flags (the start of each) --------------------------------------------------
KERNEL_DIED = "nbgrader could not run the notebook"
TAMPERED = "the grading run changed files it must not touch"
NO_SANDBOX = "graded WITHOUT the operating-system sandbox"
#: (also ``gradebook.ATTEMPT_FLAG``; the tests and the hub grep the CSV for it)
ATTEMPT = "tried something the grading sandbox refused"
OVERRIDDEN = "out-of-kernel"
INSTRUCTOR = "instructor's manual score kept for"
LOCKED = "locked cells changed in the submission, graded as released"
NOTE = "note: "

#: words of the grader's that the learner's page never shows
INTERNAL_TERMS = ("tripwire", "out-of-kernel", "in-kernel", "sandbox", "nbgrader",
                  "operating-system", "landlock", "manual score", "audit hook")


def _tasks(record: dict) -> str:
    names = [name.removeprefix("test_") for name in record.get("overrides", {})]
    return ", ".join(f"'{n}'" for n in names) or "some tasks"


def _overridden(record: dict) -> str:
    ook = record.get("out_of_kernel", {})
    in_kernel = record.get("in_kernel")
    said = (f"gave {in_kernel:g} points" if isinstance(in_kernel, int | float)
            else "could not run to the end")
    return (f"The check cells in your notebook {said}, but running each task again on inputs "
            f"drawn for you gave {ook.get('points', 0):g} of {ook.get('max_points', 0):g}. "
            f"Your grade for {_tasks(record)} is the second: the check cells run inside your "
            "notebook, where your own code could change what they see; the second run keeps "
            "your code apart from the checks. The report above shows each check.")


def _instructor(flag: str) -> str:
    tasks = re.findall(r"'test_([^']+)'", flag)
    which = " for " + ", ".join(f"'{t}'" for t in tasks) if tasks else ""
    return f"Your grade was changed by your instructor{which}; their score stands."


def _locked(flag: str) -> str:
    edited = re.findall(r"'([^']+)'", flag.partition("edited")[2].partition(";")[0])
    deleted = re.findall(r"'([^']+)'", flag.partition("deleted")[2])

    def cells(ids: list[str]) -> str:  # "a check cell ('test_x')", "locked cells ('setup', ...)"
        kind = "check cell" if all(i.startswith("test_") for i in ids) else "locked cell"
        return (f"a {kind}" if len(ids) == 1 else f"{kind}s") + \
            f" ({', '.join(repr(i) for i in ids)})"

    said = []
    if edited:
        said.append(f"You edited {cells(edited)}; the grader used the original, so the edit "
                    "changed nothing.")
    if deleted:
        said.append(f"You deleted {cells(deleted)}; the grader put the original back and "
                    "graded with it.")
    return " ".join(said) or "You changed a locked cell; the grader used the original."


#: the learner's sentence for each instructor's flag (by its start); the record gives numbers
LEARNER: dict[str, Callable[[str, dict], str]] = {
    KERNEL_DIED: lambda flag, record: (
        "Your notebook could not be run from top to bottom (it crashed, stopped itself or ran "
        "out of time), so the check cells in it scored 0. Your grade comes from running each "
        "task again on its own (the report above)."),
    TAMPERED: lambda flag, record: (
        "Your notebook changed files outside its own folder while it was graded. The grader "
        "put every one of them back; nothing it changed counts."),
    NO_SANDBOX: lambda flag, record: (
        "Your instructor graded this notebook without the usual walls between your code and "
        "the rest of the computer. That does not change your grade."),
    ATTEMPT: lambda flag, record: (
        "Your notebook tried something code being graded may not do (such as writing outside "
        "its own folder, reading the course's files, starting a program or opening a network "
        "connection). The grader refused it and went on; nothing it tried got through."),
    OVERRIDDEN: lambda flag, record: _overridden(record),
    INSTRUCTOR: lambda flag, record: _instructor(flag),
    LOCKED: lambda flag, record: _locked(flag),
}

#: the learner's sentence for each note of the out-of-kernel pass (matched from its start)
NOTES: list[tuple[re.Pattern[str], str]] = [(re.compile(p, re.S), s) for p, s in [
    (r"the answer cell '(?P<cell>[^']*)' is missing",
     "The answer cell '{cell}' was not found in your notebook (deleted, or its cell settings "
     "changed), so its code could not be graded."),
    (r"the notebook could not be read \((?P<why>.*)\); no code was run",
     "Your notebook file could not be read ({why}), so none of it was run."),
    (r"(?P<task>\w+): a call ran out of time",
     "In task '{task}', a call to your code took too long (an endless loop?); the cases it "
     "did not finish earned nothing."),
    (r"cell (?P<cell>\d+) raised (?P<error>.*)",
     "Cell {cell} of your notebook raised {error} when it was run for grading; the grader went "
     "on with the next cell."),
    (r"cell (?P<cell>\d+) .*; it was skipped",
     "Cell {cell} of your notebook did not finish (it ran out of time, used too much memory or "
     "ended the run); it was skipped and the rest graded without it."),
    (r"the submission's total time limit was reached",
     "Your notebook used up the total time allowed for grading; what had not run by then "
     "earned nothing."),
    (r"the operating-system sandbox could not be drawn",
     "The grader could not set up a safe place to run your notebook, so none of it was run. "
     "Ask your instructor to grade it again."),
    (r"the grading process",
     "The grader stopped unexpectedly while running your notebook, so some checks may not have "
     "been graded. If your grade looks wrong, ask your instructor."),
    (r"your code uses (?P<uses>.*)",
     "Your code uses {uses}"),
]]


def learner_sentence(flag: str, record: dict | None = None) -> str:
    """The learner's sentence for one of the instructor's flags (``record``: the student's
    grading record, for the numbers)."""
    record = record or {}
    if flag.startswith(NOTE):
        note = flag[len(NOTE):]
        for pattern, sentence in NOTES:
            match = pattern.match(note)
            if match:
                return sentence.format(**match.groupdict())
        if not any(term in note.lower() for term in INTERNAL_TERMS):
            return note[:1].upper() + note[1:]
    else:
        for start, sentence in LEARNER.items():
            if flag.startswith(start):
                return sentence(flag, record)
    return "Your instructor has a note on how this notebook was graded; ask them about it."


def learner_flags(record: dict) -> list[str]:
    """The learner's sentences for every flag of ``record`` (a student's grading record), in
    order, each once."""
    out: list[str] = []
    for flag in record.get("flags") or []:
        sentence = learner_sentence(flag, record)
        if sentence not in out:
            out.append(sentence)
    return out
