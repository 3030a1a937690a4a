"""Points follow effort (issue 26): every task is worth its tier's points, the README's table
says what the check modules say, and the notebooks' test cells carry the same points."""

from __future__ import annotations

import re

import pytest
from grading_support import ASSIGNMENTS, MODULES
from helpers import ROOT

from nndl_lib.grading.points import TIER_POINTS, WRITTEN_POINTS


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_task_is_worth_its_tier(assignment):
    module = MODULES[assignment]
    for task in module.ASSIGNMENT.tasks:
        assert task.name in module.TIERS, f"{task.name}: give it an effort tier in TIERS"
        assert task.points == TIER_POINTS[module.TIERS[task.name]], task.name
        assert all(sc.points >= 0.25 and (sc.points * 4).is_integer() for sc in task.subchecks)
    assert set(module.ASSIGNMENT.manual.values()) == {WRITTEN_POINTS}


def test_one_liners_are_worth_less_than_a_backward_pass():
    ch03 = MODULES["ch03_improving"].ASSIGNMENT
    dropout = sum(ch03.task(t).points for t in ("dropout_forward", "dropout_backward",
                                                "dropout_evaluate"))
    assert dropout < MODULES["ch02_backprop"].ASSIGNMENT.task("backprop").points


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_readme_table_is_the_check_modules(assignment):
    readme = (ROOT / "README.md").read_text()
    (row,) = [line for line in readme.splitlines() if line.startswith(f"| `{assignment}` |")]
    a = MODULES[assignment].ASSIGNMENT
    listed = dict(re.findall(r"(\w+) (\d+(?:\.\d+)?)", row.split("|")[2]))
    assert {k: float(v) for k, v in listed.items()} == {t.name: t.points for t in a.tasks}
    auto, written, total = (float(c) for c in row.split("|")[3:6])
    assert (auto, written, total) == (a.points, sum(a.manual.values()),
                                      a.points + sum(a.manual.values()))
