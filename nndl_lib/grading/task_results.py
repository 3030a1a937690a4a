"""What grading one task gives: points per sub-check, the first failing case of each, and the
report the learner reads (and the plain data the grading records keep)."""

from __future__ import annotations

from dataclasses import dataclass, field

from nndl_lib.grading.checks import CheckResult

__all__ = ["SubResult", "TaskResult"]


@dataclass
class SubResult:
    """The outcome of one sub-check."""

    name: str
    points: float
    max_points: float
    passed: bool
    cases: int
    case_label: str = ""
    result: CheckResult | None = None
    hint: str = ""


@dataclass
class TaskResult:
    """The outcome of one task: points per sub-check and a readable report."""

    task: str
    points: float
    max_points: float
    subresults: list[SubResult]
    mode: str = "visible"
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.points == self.max_points

    def report(self) -> str:
        header = {
            "visible": "visible cases; the graded run repeats every check on new random inputs",
            "hidden": "cases drawn afresh for this run",
            "graded": "out-of-kernel grading on your own randomised inputs",
        }.get(self.mode, self.mode)
        lines = [f"{self.task}: {_num(self.points)} of {_num(self.max_points)} points "
                 f"({header})"]
        said: set = set()  # one error (its type and line) is explained once, where first met
        for sr in self.subresults:
            mark = "pass" if sr.passed else "FAIL"
            lines.append(f"  {mark}  {_num(sr.max_points):>4}  {sr.name}")
            if not sr.passed:
                r = sr.result
                crash = r is not None and r.kind == "exception"
                key = (r.details.get("type"), r.details.get("where") or r.message) if crash \
                    else None
                if crash and key in said:
                    lines.append("              the same error as above")
                    continue
                said.add(key)
                if sr.case_label:
                    lines.append(f"              case: {sr.case_label}")
                if r is not None:
                    lines.append(f"              {r.message}")
                if r is not None and r.kind in ("exception", "not-credited"):
                    continue  # the hint is about wrong values, not about this
                if sr.hint:
                    lines.append(f"              hint: {sr.hint}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.report()

    def to_dict(self) -> dict:
        """Plain data for the grading records (no inputs, no expected arrays)."""
        return {
            "task": self.task, "points": self.points, "max_points": self.max_points,
            "mode": self.mode, "notes": list(self.notes),
            "subchecks": [{"name": s.name, "points": s.points, "max_points": s.max_points,
                           "passed": s.passed, "case": s.case_label,
                           "message": s.result.message if s.result is not None else "",
                           "kind": s.result.kind if s.result is not None else "ok"}
                          for s in self.subresults],
        }


def _num(x: float) -> str:
    return f"{x:g}"
