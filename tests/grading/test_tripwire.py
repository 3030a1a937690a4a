"""The tripwire on the whole course folder (nndl_lib.grading.tripwire): each kind of file, changed
in each way, is detected and restored; a check reads no file where nothing changed, so its
work per submission does not grow with the class."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from nndl_lib.grading.tripwire import Tripwire

KINDS = ["nbgrader_config.py", ".course_secret", "gradebook.db",
         "source/a/a.ipynb", "release/a/a.ipynb", "submitted/s1/a/a.ipynb",
         "submitted/s1/a/timestamp.txt", "autograded/s1/a/a.ipynb", "feedback/s1/a/a.html",
         "grading/a/s1.json"]


def make_course(root: Path, students: int, size: int = 2000) -> None:
    files = {"nbgrader_config.py": "c = get_config()\n", ".course_secret": "s3cret\n",
             "gradebook.db": "SQLite" * 100, "source/a/a.ipynb": "{}" * 500,
             "release/a/a.ipynb": "{ }" * 300}
    for i in range(students):
        s = f"s{i}"
        files[f"submitted/{s}/a/a.ipynb"] = f"{s} " * (size // 4)
        files[f"submitted/{s}/a/timestamp.txt"] = "2026-12-05 10:00:00.000000 UTC"
        files[f"autograded/{s}/a/a.ipynb"] = f"graded {s} " * (size // 10)
        files[f"feedback/{s}/a/a.html"] = f"<p>{s}</p>" * 50
        files[f"grading/a/{s}.json"] = f'{{"student": "{s}"}}'
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def state(root: Path) -> dict[str, tuple]:
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_symlink():
            out[rel] = ("link", os.readlink(p))
        elif p.is_file():
            out[rel] = (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mode & 0o7777)
        else:
            out[rel] = ("dir",)
    return out


def _same_size_rewrite(path: Path, outside: Path) -> None:
    data = path.read_bytes()
    st = path.stat()
    path.write_bytes(b"X" + data[1:])
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # size and mtime as before


def _symlink_out(path: Path, outside: Path) -> None:
    path.unlink()
    path.symlink_to(outside)


CHANGES = {
    "appended": lambda p, o: p.open("a").write("\nimport os; os.system('pwn')\n"),
    "same size, mtime put back": _same_size_rewrite,
    "removed": lambda p, o: p.unlink(),
    "chmod": lambda p, o: p.chmod(0o777),
    "replaced by a link outside": _symlink_out,
}


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("kind", KINDS)
def test_a_change_to_each_kind_of_file_is_detected_and_restored(tmp_path, kind, change):
    root, outside = tmp_path / "course", tmp_path / "outside.txt"
    make_course(root, students=3)
    outside.write_text("the instructor's file\n")
    before = state(root)
    wire = Tripwire(root, tmp_path / "backup")
    CHANGES[change](root / kind, outside)
    assert wire.check_and_restore() == [kind]
    assert state(root) == before
    assert outside.read_text() == "the instructor's file\n"
    assert wire.check_and_restore() == []  # and the record follows the restored file


def test_new_files_and_folders_are_removed_missing_folders_come_back(tmp_path):
    root = tmp_path / "course"
    make_course(root, students=3)
    before = state(root)
    wire = Tripwire(root, tmp_path / "backup")
    (root / "submitted" / "s1" / "a" / "planted.py").write_text("x")
    (root / "autograded" / "mallory").mkdir()
    (root / "autograded" / "mallory" / "a.ipynb").write_text("{}")
    (root / "release" / "a" / "link").symlink_to("/etc/passwd")
    import shutil

    shutil.rmtree(root / "feedback" / "s2")
    changed = wire.check_and_restore()
    assert state(root) == before
    assert {"submitted/s1/a/planted.py", "autograded/mallory", "release/a/link",
            "feedback/s2", "feedback/s2/a/a.html"} <= set(changed)


def test_a_folder_swapped_for_a_link_is_put_back(tmp_path):
    root = tmp_path / "course"
    make_course(root, students=2)
    before = state(root)
    wire = Tripwire(root, tmp_path / "backup")
    (root / "submitted" / "s0" / "a").rename(tmp_path / "moved")
    (root / "submitted" / "s0" / "a").symlink_to(tmp_path / "moved")
    wire.check_and_restore()
    assert state(root) == before


def test_what_the_grader_writes_itself_is_recorded_again_not_restored(tmp_path):
    root = tmp_path / "course"
    make_course(root, students=3)
    wire = Tripwire(root, tmp_path / "backup")
    (root / "gradebook.db").write_text("SQLite with s3's grades")
    (root / "autograded" / "s3" / "a").mkdir(parents=True)
    (root / "autograded" / "s3" / "a" / "a.ipynb").write_text("{}")
    (root / "grading" / "a" / "s3.json").write_text("{}")
    wire.refresh([root / "gradebook.db", root / "autograded" / "s3" / "a",
                  root / "grading" / "a" / "s3.json"])
    after = state(root)
    assert wire.check_and_restore() == []
    (root / "autograded" / "s3" / "a" / "a.ipynb").write_text("tampered")
    assert wire.check_and_restore() == ["autograded/s3/a/a.ipynb"]
    assert state(root) == after


@pytest.mark.parametrize("students", [10, 300])
def test_a_check_reads_no_file_where_nothing_changed_whatever_the_class(tmp_path, students):
    """Per submission: one stat per file (metadata), and only changed files are read. The
    reads and bytes per submission are the same for a class of 10 and of 300."""
    root = tmp_path / "course"
    make_course(root, students=students, size=20_000)
    wire = Tripwire(root, tmp_path / "backup")
    assert wire.files_read == 5 + 5 * students  # each file read once, at the start
    reads = []
    for i in range(5):  # five submissions graded: the grader writes one student's files
        wire.files_read = wire.bytes_read = 0
        assert wire.check_and_restore() == []
        (root / "gradebook.db").write_text(f"SQLite after student {i}")
        (root / "grading" / "a" / f"s{i}.json").write_text(f'{{"graded": {i}}}')
        wire.refresh([root / "gradebook.db", root / "grading" / "a" / f"s{i}.json"])
        reads.append((wire.files_read, wire.bytes_read))
    assert all(r == (2, reads[0][1]) for r in reads[1:]) and reads[0][0] == 2, reads
    wire.files_read = 0
    (root / "submitted" / "s7" / "a" / "a.ipynb").write_text("changed")
    assert wire.check_and_restore() == ["submitted/s7/a/a.ipynb"]
    assert wire.files_read == 1  # the one file whose stat changed
