"""Build the book: execute every chapter (fast configuration, cached, two at a time), then
write _build/html.

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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import yaml

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


def executed_pages(root: Path = ROOT) -> list[Path]:
    """The notebooks of _toc.yml that the build executes (every .ipynb page but the released
    exercises, which _config.yml excludes from execution)."""
    files: list[str] = []

    def visit(node: object) -> None:
        if isinstance(node, dict):
            if "file" in node:
                files.append(str(node["file"]))
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8")))
    pages = [root / f"{f}.ipynb" for f in files]
    return [p for p in pages if p.is_file() and "release" not in p.relative_to(root).parts]


def execute_into_cache(root: Path = ROOT, jobs: int = 2, timeout: int = 300) -> list[str]:
    """Execute, ``jobs`` at a time, the pages whose current code has no entry in the book's
    execution cache (_build/.jupyter_cache), and store them there exactly as myst-nb's "cache"
    mode does, so that jupyter-book then only reads them. myst-nb executes one notebook after
    another; on 2 cores this halves the build (chapter 3 alone takes about 5 minutes). Returns
    the pages executed; raises SystemExit naming each page that failed, with its traceback."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from jupyter_cache.executors.utils import single_nb_execution

    cache = get_cache(str(root / "_build" / ".jupyter_cache"))
    todo = []
    for page in executed_pages(root):
        nb = nbformat.read(page, as_version=4)
        try:
            cache.match_cache_notebook(nb)
        except KeyError:
            todo.append((page, nb))
    if not todo:
        return []
    # the longest first, so that the two workers finish together (sizes stand in for times)
    todo.sort(key=lambda item: -item[0].stat().st_size)

    def run(item):
        page, nb = item
        return page, nb, single_nb_execution(nb, cwd=str(page.parent), timeout=timeout,
                                             allow_errors=False, meta_override=True)

    failed = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for page, nb, result in pool.map(run, todo):
            name = page.relative_to(root)
            if result.err is not None:
                failed.append(f"{name}: {type(result.err).__name__}\n{result.exc_string}")
                continue
            print(f"  executed {name} in {result.time:.0f} s", flush=True)
            record = cache.add_nb_to_project(str(page))
            cache.cache_notebook_bundle(
                CacheBundleIn(nb, record.uri, data={"execution_seconds": result.time}),
                check_validity=False, overwrite=True)
    if failed:
        raise SystemExit("executing the book's pages failed:\n" + "\n".join(failed))
    return [str(p.relative_to(root)) for p, _ in todo]


def build(root: Path = ROOT) -> Path:
    """Release the exercises, execute the pages missing from the cache (in parallel), run
    jupyter-book on ``root``, check the exercise pages, and return the path of the built
    index.html. NNDL_BOOK_JOBS (default 2) pages run at a time."""
    released = release_exercises(root)
    print(f"Released {len(released)} exercise notebooks into exercises/release/")
    os.environ.pop("NNDL_FULL", None)  # the book always shows the fast configuration
    os.environ.pop("MPLBACKEND", None)  # kernels must use the inline backend, or figures vanish
    jobs = int(os.environ.get("NNDL_BOOK_JOBS", os.environ.get("NNDL_TEST_JOBS", "2")))
    if jobs > 1:  # pages run side by side: one BLAS thread each (conventions.md)
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, "1")
    begin = time.perf_counter()
    executed = execute_into_cache(root, jobs=jobs)
    print(f"Executed {len(executed)} pages into the cache ({jobs} at a time) in "
          f"{time.perf_counter() - begin:.0f} s", flush=True)
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(root), "-W", "-n", "--keep-going"]
    subprocess.run(cmd, cwd=root, check=True)
    index = root / "_build" / "html" / "index.html"
    if not index.is_file():
        raise SystemExit(f"build finished but {index} is missing")
    problems = check_exercise_pages(root)
    if problems:
        raise SystemExit("the built exercise pages leak solutions or hidden tests:\n  "
                         + "\n  ".join(problems))
    print(f"\nBook built in {time.perf_counter() - begin:.0f} s. Open:\n  {index}")
    return index


if __name__ == "__main__":
    try:
        build()
    except subprocess.CalledProcessError as exc:
        sys.exit(f"jupyter-book failed (exit {exc.returncode}); see the messages above.")
