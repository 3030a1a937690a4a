"""Build the book: execute every chapter (fast configuration, cached) and write _build/html.

Used by `make book`. First generates the learner (released) exercise notebooks with nbgrader
(they are git-ignored, so a clean clone has none), using a throw-away gradebook so that building
the book never touches an instructor's. Fails on any Sphinx warning (-W), and if a built
exercise page shows solution code or hidden tests. Prints the page to open at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def release_exercises(root: Path = ROOT) -> list[Path]:
    """nbgrader generate_assignment for every assignment of exercises/source (a temporary
    gradebook; the released notebooks land in exercises/release/)."""
    sys.path.insert(0, str(root))
    try:
        from nndl_lib.grading.course import Course
    finally:
        sys.path.pop(0)
    course = Course(root / "exercises")
    with tempfile.TemporaryDirectory(prefix="nndl-book-gradebook-") as tmp:
        return [course.release(a, db_url=f"sqlite:///{tmp}/gradebook.db")
                for a in course.assignments()]


def check_exercise_pages(root: Path = ROOT) -> list[str]:
    """Solution lines, hidden tests or region markers found in the built exercise pages."""
    from nndl_lib.grading import leaks

    problems = []
    for source in sorted((root / "exercises" / "source").glob("*/*.ipynb")):
        page = root / "_build" / "html" / "exercises" / "release" / source.parent.name / (
            source.stem + ".html")
        if not page.is_file():
            problems.append(f"{page.relative_to(root)} was not built")
            continue
        found = leaks.find_leaks(leaks.html_text(page.read_text(encoding="utf-8")),
                                 leaks.protected_lines(source))
        problems += [f"{page.relative_to(root)} shows {x!r}" for x in found]
    return problems


def build(root: Path = ROOT) -> Path:
    """Release the exercises, run jupyter-book on ``root``, check the exercise pages, and
    return the path of the built index.html."""
    released = release_exercises(root)
    print(f"Released {len(released)} exercise notebooks into exercises/release/")
    env = dict(os.environ)
    env.pop("NNDL_FULL", None)  # the book always shows the fast configuration
    env.pop("MPLBACKEND", None)  # kernels must use the inline backend, or figures vanish
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(root), "-W", "-n", "--keep-going"]
    start = time.perf_counter()
    subprocess.run(cmd, cwd=root, env=env, check=True)
    index = root / "_build" / "html" / "index.html"
    if not index.is_file():
        raise SystemExit(f"build finished but {index} is missing")
    problems = check_exercise_pages(root)
    if problems:
        raise SystemExit("the built exercise pages leak solutions or hidden tests:\n  "
                         + "\n  ".join(problems))
    print(f"\nBook built in {time.perf_counter() - start:.0f} s. Open:\n  {index}")
    return index


if __name__ == "__main__":
    try:
        build()
    except subprocess.CalledProcessError as exc:
        sys.exit(f"jupyter-book failed (exit {exc.returncode}); see the messages above.")
