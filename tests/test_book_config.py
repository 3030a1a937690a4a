"""The book's configuration keeps its promises: offline maths, strict build, the right pages."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())


def toc_files() -> list[str]:
    files = [TOC["root"]]
    for part in TOC.get("parts", []):
        files += [c["file"] for c in part.get("chapters", [])]
    return files


def _source(name: str) -> Path | None:
    for suffix in (".md", ".ipynb"):
        if (ROOT / (name + suffix)).is_file():
            return ROOT / (name + suffix)
    return None


def test_every_toc_entry_exists_and_has_one_source_format():
    for name in toc_files():
        sources = [s for s in (".md", ".ipynb") if (ROOT / (name + s)).is_file()]
        assert len(sources) == 1, f"{name}: expected exactly one of .md/.ipynb, found {sources}"


def test_every_chapter_notebook_is_in_the_toc():
    listed = set(toc_files())
    for nb in sorted((ROOT / "chapters").glob("*.ipynb")):
        assert f"chapters/{nb.stem}" in listed, f"{nb.name} is not in _toc.yml"


def test_mathjax_is_local_and_thebe_is_off():
    extensions = CONFIG["sphinx"]["config"]["extensions"]
    assert "sphinx-mathjax-offline" in extensions
    assert "sphinx_thebe" not in extensions  # it references a CDN
    assert CONFIG["launch_buttons"]["thebe"] is False


def test_execution_is_cached_with_a_cell_timeout():
    assert CONFIG["execute"]["execute_notebooks"] == "cache"
    assert 0 < CONFIG["execute"]["timeout"] <= 600


def test_release_notebooks_are_excluded_from_execution_by_tail_patterns():
    # myst-nb matches each pattern against the END of the notebook's path (PurePosixPath.match).
    patterns = CONFIG["execute"]["exclude_patterns"]

    def excluded(path: str) -> bool:
        return any(PurePosixPath(path).match(p) for p in patterns)

    assert excluded("/work/course/exercises/release/ch01_feedforward/ch01_feedforward.ipynb")
    assert excluded("exercises/release/ch06/part/conv.ipynb")
    assert not excluded("/work/course/chapters/ch01_digits.ipynb")
    assert not excluded("/work/course/exercises/source/ch01_feedforward/ch01_feedforward.ipynb")
