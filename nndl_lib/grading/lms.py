"""Reading LMS downloads for ``collect``: which files, and which student each one is.

A folder or a ``.zip`` of notebooks, one per student. The student id is derived from the name
(:func:`student_id_from_name`): of the top-level folder when each student has one (Moodle), else
of the file (Canvas), or picked out by a regular expression with a group named ``student``.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["CourseError", "student_id_from_name", "id_for", "lms_entries"]


class CourseError(RuntimeError):
    """A problem the instructor must fix (the message says what and how)."""


def student_id_from_name(name: str) -> str:
    """The nbgrader student id derived from an LMS file or folder name.

    The part before the first underscore (LMS downloads are ``<who>_<numbers>_...``), lower
    case, with every character other than a-z, 0-9, '.' and '-' replaced by '-'. E.g.
    ``smithjane_12345_67890_ch01.ipynb`` -> ``smithjane``;
    ``Jane Smith_12345_assignsubmission_file_`` -> ``jane-smith``.
    """
    stem = Path(name).name
    if stem.endswith(".ipynb"):
        stem = stem[: -len(".ipynb")]
    head = stem.split("_", 1)[0].strip().lower()
    ident = re.sub(r"[^a-z0-9.-]+", "-", head).strip("-.")
    if not ident:
        raise CourseError(f"cannot derive a student id from {name!r}: its name must start with "
                          "the student's name or login, followed by '_' (or pass --id-regex)")
    return ident


def lms_entries(path: Path) -> Iterator[tuple[str, bytes, dt.datetime]]:
    """(name relative to PATH, bytes, modification time) of every .ipynb in a folder or zip."""
    limit = 50 * 2**20
    if path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                name = info.filename
                parts = Path(name).parts
                if (info.is_dir() or not name.endswith(".ipynb") or name.startswith("/")
                        or ".." in parts or "__MACOSX" in parts or info.file_size > limit
                        or any(p.startswith(".") for p in parts)):
                    continue
                yield name, zf.read(info), dt.datetime(*info.date_time)
    elif path.is_dir():
        for file in sorted(path.rglob("*.ipynb")):
            rel = file.relative_to(path)
            if any(p.startswith(".") for p in rel.parts) or file.stat().st_size > limit:
                continue
            yield str(rel), file.read_bytes(), dt.datetime.fromtimestamp(file.stat().st_mtime)
    else:
        raise CourseError(f"{path} is neither a folder nor a .zip file")


def id_for(name: str, id_regex: str | None) -> str:
    parts = Path(name).parts
    if id_regex:
        match = re.search(id_regex, Path(name).name)
        if not match or "student" not in match.groupdict():
            raise CourseError(f"--id-regex {id_regex!r} (with a group named 'student') does not "
                              f"match {name!r}")
        return student_id_from_name(match.group("student").replace("_", "-"))
    return student_id_from_name(parts[0] if len(parts) > 1 else parts[-1])
