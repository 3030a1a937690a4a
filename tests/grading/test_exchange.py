"""The course's collect on a shared exchange (nndl_lib/grading/exchange.py): each learner's
newest submission *that the learner owns*; one filed under a learner's name by someone else is
left out, even when it is newer. (PrivateSubmit, which needs several users, is exercised end to
end by tests/test_hub.py.)"""

from __future__ import annotations

import json
import os
import pwd

from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config

from nndl_lib.grading.exchange import OwnerCheckedCollect
from nndl_lib.grading.users import path_with_venv

A = "ch01_digits"


def _submit(inbound, student: str, stamp: str, marker: str) -> None:
    folder = inbound / f"{student}+{A}+{stamp}+r{marker}"
    folder.mkdir()
    (folder / f"{A}.ipynb").write_text(json.dumps({"marker": marker}))
    (folder / "timestamp.txt").write_text(stamp)


def test_collect_takes_each_learners_own_newest_submission_and_no_impostor(tmp_path,
                                                                           monkeypatch):
    monkeypatch.setenv("PATH", path_with_venv())  # nbgrader's gradebook runs alembic
    me = pwd.getpwuid(os.geteuid()).pw_name  # every file here is mine: the other name lies
    inbound = tmp_path / "exchange" / "nndl" / "inbound"
    inbound.mkdir(parents=True)
    course = tmp_path / "course"
    course.mkdir()
    _submit(inbound, me, "2026-12-05 10:00:00.000000 UTC", "old")
    _submit(inbound, me, "2026-12-05 11:00:00.000000 UTC", "mine")
    # the newest: filed under someone else's name, but owned by me
    _submit(inbound, "someone-else", "2026-12-05 12:00:00.000000 UTC", "forged")
    config = Config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.course_id = "nndl"
    config.CourseDirectory.assignment_id = A
    config.Exchange.root = str(tmp_path / "exchange")
    collect = OwnerCheckedCollect(coursedir=CourseDirectory(config=config),
                                  authenticator=Authenticator(config=config), config=config)
    collect.start()
    mine = course / "submitted" / me / A / f"{A}.ipynb"
    assert json.loads(mine.read_text()) == {"marker": "mine"}
    assert not (course / "submitted" / "someone-else").exists()


def test_a_learners_own_submission_wins_over_a_newer_one_filed_under_their_name():
    records = [{"username": "alice", "filename": "own", "timestamp": 1},
               {"username": "alice", "filename": "forged", "timestamp": 2}]
    collect = OwnerCheckedCollect.__new__(OwnerCheckedCollect)
    collect._genuine = lambda r: r["filename"] == "own"  # type: ignore[method-assign]
    assert [r["filename"] for r in collect._sort_by_timestamp(records)] == ["own", "forged"]
