"""Points follow effort: every graded task is worth its effort tier, one rule for the course.

=====  ==========================================================================================
tier   what the task asks
=====  ==========================================================================================
1      one expression the recap states (a dropout mask, a count, a fraction, a weight decay)
2      one idea beyond the recap's formula: numerical stability, one example and a batch alike,
       state kept between calls, a whole network's lists, a perceptron's exact boundary
3      a computation of several steps: a loop over layers, derivatives by hand, an optimiser
       with bias correction, finite differences over any shape
4      a backward pass (BP1-BP4), or a transfer task built on a tier-3 task
5      a transfer task built on a backward pass
=====  ==========================================================================================

A written answer (graded by hand against its rubric) is worth 3 points. :func:`reweight` sets
each task's points to its tier, scaling its sub-checks in proportion (to quarter points, at
least a quarter each), so a sub-check keeps its share of the task.
"""

from __future__ import annotations

from nndl_lib.grading.framework import Assignment

__all__ = ["TIER_POINTS", "WRITTEN_POINTS", "reweight"]

#: Points of each effort tier (see the module docstring).
TIER_POINTS = {1: 1.0, 2: 2.0, 3: 3.0, 4: 4.0, 5: 5.0}
#: Points of a written answer.
WRITTEN_POINTS = 3.0


def _shares(points: list[float], target: float, keep: int | None) -> list[float]:
    """``points`` scaled to sum to ``target``, in quarter points, at least a quarter each, by
    largest remainders; the sub-check ``keep`` (the inputs one) gets no more than its share."""
    units = round(target * 4)
    raw = [p * units / sum(points) for p in points]
    new = [max(1, int(r)) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (i == keep, -(raw[i] - int(raw[i]))))
    i = 0
    while sum(new) < units:
        new[order[i % len(order)]] += 1
        i += 1
    for j in sorted(range(len(raw)), key=lambda i: -raw[i]):
        while sum(new) > units and new[j] > 1:
            new[j] -= 1
    if sum(new) != units:
        raise ValueError(f"{len(points)} sub-checks do not fit in {target} points")
    return [n / 4 for n in new]


def reweight(assignment: Assignment, tiers: dict[str, int]) -> Assignment:
    """Give every task of ``assignment`` the points of its tier in ``tiers``, its sub-checks
    scaled in proportion; returns the assignment. A task without a tier keeps its declared
    points (the tests require a tier for every task); a tier naming no task is an error."""
    unknown = sorted(set(tiers) - {t.name for t in assignment.tasks})
    if unknown:
        raise ValueError(f"{assignment.name}: tiers name no task: {unknown}")
    for task in assignment.tasks:
        if task.name not in tiers:
            continue
        target = TIER_POINTS[tiers[task.name]]
        new = _shares([sc.points for sc in task.subchecks], target, task.inputs_subcheck)
        for sc, points in zip(task.subchecks, new, strict=True):
            sc.points = points
        if task.inputs_subcheck is not None:
            task.inputs_points = task.subchecks[task.inputs_subcheck].points
    assignment.manual = {name: WRITTEN_POINTS for name in assignment.manual}
    return assignment
