"""Issue 19's attack, graded as an instructor grades: as an ordinary user, with the course in a
folder that user owns, through ``nndl-course`` (release, collect, autograde, feedback, grades
--csv). No root anywhere in the grading: only the operating-system boundary (and the audit hook
in front of it) stands between the submission and the instructor's account.

The attack submission is the reference answers plus one cell that replaces
``posixpath.lexists`` (the hook looked it up at call time), makes a symbolic link in its own
scratch folder pointing at the course's ``nbgrader_config.py`` and writes through it, then
tries to write the instructor's home, the course's ``nbgrader_config.py``, the gradebook and
another student's submission and feedback, and to read the course secret and source. It runs
in nbgrader's kernel and in the out-of-kernel child. Nothing outside the sandbox may change,
the other student's grade stays, the attempt is flagged, and the reference answers still
score full marks.

Skipped, with the reason, only where no ordinary user can be made (not Linux, no useradd);
under ``CI`` a setup that should work and fails is an error, not a skip.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from pathlib import Path

import hostile_cells as hc
import pytest
from grading_support import COURSE, learner_notebook
from helpers import tree
from ordinary_user import ordinary_user_or_skip

from nndl_lib.grading import boundary
from nndl_lib.grading.gradebook import ATTEMPT_FLAG

pytestmark = [pytest.mark.grading,
              pytest.mark.skipif(boundary.unavailable_reason() is not None,
                                 reason=f"no Landlock here: {boundary.unavailable_reason()}")]

A = "ch02_backprop"


@pytest.fixture(scope="module")
def user():
    return ordinary_user_or_skip()


def test_the_issue_attack_as_an_ordinary_user_changes_nothing_and_is_flagged(user):
    base = Path(tempfile.mkdtemp(prefix="nndl-ordinary-"))
    try:
        os.chmod(base, 0o755)
        root, downloads = base / "exercises", base / "downloads"
        shutil.copytree(COURSE / "source", root / "source")
        shutil.copy(COURSE / "nbgrader_config.py", root)
        downloads.mkdir()
        (downloads / "bob_1_ch02.ipynb").write_text(json.dumps(learner_notebook(A)))
        for p in [base, *base.rglob("*")]:
            os.lchown(p, user.uid, user.gid)

        def course(*args: str) -> str:
            proc = user.run([user.python, "-m", "nndl_lib.grading.cli", "--course",
                             str(root), *args], cwd=base)
            assert proc.returncode == 0, (args, proc.stdout[-3000:], proc.stderr[-3000:])
            return proc.stdout

        course("release", A)
        course("collect", A, str(downloads))
        course("autograde", A, "--cell-timeout", "30")
        course("feedback", A)
        csv_path = base / "grades.csv"
        course("grades", "--csv", str(csv_path))
        [bob_before] = list(csv.DictReader(csv_path.open()))
        assert bob_before["autograded_score"] == bob_before["autograded_max"]
        assert ATTEMPT_FLAG not in bob_before["flag"], bob_before["flag"]

        evil = learner_notebook(A)
        evil["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [],
                              "execution_count": None,
                              "source": hc.issue19_attack(root, user.home, A, "bob")})
        (downloads / "bob_1_ch02.ipynb").unlink()
        (downloads / "eve_2_ch02.ipynb").write_text(json.dumps(evil))
        os.lchown(downloads / "eve_2_ch02.ipynb", user.uid, user.gid)
        course("collect", A, str(downloads))
        outside = {"home": tree(user.home),
                   "course": tree(root, skip=("autograded/eve", "grading/", "gradebook.db"))}
        said = course("autograde", A, "--student", "eve", "--cell-timeout", "30")
        course("grades", "--csv", str(csv_path))
        rows = {r["student"]: r for r in csv.DictReader(csv_path.open())}

        # nothing outside the sandbox changed: the instructor's home, the course's config,
        # source, release, bob's submission, autograded notebook and feedback
        assert tree(user.home) == outside["home"]
        assert not (user.home / "pwned.txt").exists()
        assert tree(root, skip=("autograded/eve", "grading/", "gradebook.db")) == \
            outside["course"]
        # the other student's grade is unchanged; the reference answers score full marks
        assert rows["bob"] == bob_before
        assert rows["eve"]["autograded_score"] == rows["eve"]["autograded_max"], rows["eve"]
        # the attempt is flagged, in the CSV and in the autograde output
        assert ATTEMPT_FLAG in rows["eve"]["flag"], rows["eve"]
        assert ATTEMPT_FLAG in said and "os.symlink" in rows["eve"]["flag"]
        # every step of the attack was refused, in the kernel and in the out-of-kernel child
        kernel_nb = next((root / "autograded" / "eve" / A).glob("*.ipynb")).read_text()
        assert "ALL REFUSED" in kernel_nb and "NOT REFUSED" not in kernel_nb
        record = json.loads((root / "grading" / A / "eve.json").read_text())
        notes = " ".join(record["out_of_kernel"]["notes"])
        assert "ALL REFUSED" in notes and "NOT REFUSED" not in notes, notes

        # the same attack with the audit hook left out: the operating system alone refuses
        # every step, as this same user (no file permission helps: it owns the course)
        (downloads / "eve_2_ch02.ipynb").rename(downloads / "mallory_3_ch02.ipynb")
        course("collect", A, str(downloads))
        outside = {"home": tree(user.home),
                   "course": tree(root, skip=("autograded/mallory", "grading/",
                                               "gradebook.db"))}
        proc = user.run([user.python, "-c", (
            "from nndl_lib.grading.course import Course\n"
            f"[o] = Course({str(root)!r}).autograde({A!r}, ['mallory'], cell_timeout=30, "
            "audit_hook=False)\n"
            "assert o.out_of_kernel == o.max_points and o.in_kernel == o.max_points, o\n")],
            cwd=base)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert tree(user.home) == outside["home"]
        assert tree(root, skip=("autograded/mallory", "grading/", "gradebook.db")) == \
            outside["course"]
        course("grades", "--csv", str(csv_path))
        rows_after = {r["student"]: r for r in csv.DictReader(csv_path.open())}
        assert rows_after["bob"] == bob_before and rows_after["eve"] == rows["eve"]
        os_kernel = next((root / "autograded" / "mallory" / A).glob("*.ipynb")).read_text()
        os_kernel = os_kernel[os_kernel.index("ALL REFUSED"):].split("\\n")[0]
        os_notes = " ".join(json.loads((root / "grading" / A / "mallory.json").read_text())
                            ["out_of_kernel"]["notes"])
        os_notes = os_notes[os_notes.index("ALL REFUSED"):].split("}")[0]
        assert "guard" not in os_kernel and "guard" not in os_notes, (os_kernel, os_notes)
        print("\nhook left out, kernel:", os_kernel[:300])
        print("hook left out, out-of-kernel:", os_notes[:300])

        print("\nattack as", user.name, "kernel:",
              kernel_nb[kernel_nb.index("ALL REFUSED"):][:300].split("\\n")[0])
        print("out-of-kernel:", notes[notes.index("ALL REFUSED"):][:300])
        print("flag:", rows["eve"]["flag"][:400])
    finally:
        shutil.rmtree(base, ignore_errors=True)
