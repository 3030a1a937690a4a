"""The learner's feedback page, readable offline: its maths rendered as MathML when the page is
made, and nothing on it loaded from elsewhere.

A feedback page travels alone (an LMS download, an e-mail, nbgrader's Fetch Feedback), so it
must render with no network and no companion files. nbconvert's page loads MathJax from a CDN
and leaves the maths as ``$...$`` text for it; offline the learner sees raw TeX. Here:

- :class:`OfflineFeedbackExporter` (the course's ``nbgrader_config.py`` names it as
  ``GenerateFeedback.exporter_class``, so ``nndl-course feedback`` and formgrader's Generate
  Feedback both use it) renders Markdown with :class:`MathMLRenderer`: every piece of maths
  that nbconvert's Markdown parser finds (``$...$``, ``$$...$$``, ``\\\\(...\\\\)``,
  ``\\\\[...\\\\]``, ``\\begin{env}...\\end{env}``; the same delimiters JupyterLab shows as
  maths) becomes a ``<math>`` element (MathML Core, which browsers render natively, no
  script). Code (cells, fenced blocks, inline code) is never touched: the parser hands maths
  only from prose.
- The same exporter removes every script, style sheet or image the page would fetch from
  another site (:func:`strip_external`): nbconvert's MathJax loader among them.
- And it puts the learner's grade report at the top of every graded page
  (:func:`add_grade_report`): the out-of-kernel grade task by task and the flags in the
  learner's words, read from ``grading/<assignment>/<student>.json`` (which
  ``Course.autograde`` writes, whichever way the instructor autogrades) and the gradebook as it
  stands (an instructor's score set in formgrader since), then replaces any hidden-test line
  still on the page by ``[hidden test]``. nbgrader's converter names the student and the
  assignment (``resources["nbgrader"]``); the course folder is its ``coursedir``. So every way
  of making feedback (``nndl-course feedback``, formgrader's Generate Feedback,
  ``nbgrader generate_feedback``, ``NbGraderAPI.generate_feedback``) makes the same page. A
  notebook with no record (autograded by an nbgrader that does not use the course's
  configuration) says so in one plain sentence where the report would be.

TeX that the converter (``latex2mathml``) cannot read is shown as its source, in ``<code>``.
"""

from __future__ import annotations

import html
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from jinja2 import pass_context  # Jinja's context filter, as nbconvert's markdown2html is declared
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

__all__ = ["tex_to_mathml", "MathMLRenderer", "OfflineFeedbackExporter", "strip_external",
           "external_requests", "add_grade_report", "course_root", "NO_REPORT"]

_MATHML = "{http://www.w3.org/1998/Math/MathML}"
#: MathML Core's elements (and ``semantics``' annotations): anything else in the converter's
#: output (``\\text{<b>x</b>}`` passes HTML through) falls back to the TeX source
_MATHML_TAGS = {
    "math", "mi", "mn", "mo", "ms", "mspace", "mtext", "merror", "mfrac", "mpadded",
    "mphantom", "mroot", "mrow", "msqrt", "mstyle", "mmultiscripts", "mover", "mprescripts",
    "msub", "msubsup", "msup", "munder", "munderover", "mtable", "mtd", "mtr", "semantics",
    "annotation", "annotation-xml", "none", "menclose", "mfenced", "mlabeledtr", "maction",
}
#: a TeX command the converter does not know comes out as ``<mi>\\name</mi>``: shown as its name
#: (``\\arg`` reads "arg", upright as every multi-letter identifier is)
_UNKNOWN_COMMAND = re.compile(r"<mi>\\([A-Za-z]+)</mi>")


def tex_to_mathml(tex: str, display: bool = False) -> str:
    """One piece of TeX as a ``<math>`` element (``display="block"`` for display maths), or, where
    it cannot be converted, its source in ``<code class="nndl-tex">``."""
    from latex2mathml.converter import convert

    try:
        out = convert(tex.strip(), display="block" if display else "inline")
        root = ET.fromstring(out)
        if any(el.tag.removeprefix(_MATHML) not in _MATHML_TAGS for el in root.iter()):
            raise ValueError("not MathML")
    except Exception:  # the converter raises many kinds on TeX it cannot read
        return f'<code class="nndl-tex">{html.escape(tex.strip(), quote=False)}</code>'
    return _UNKNOWN_COMMAND.sub(r"<mi>\1</mi>", out)


#: the maths a little larger than the browsers' default math font (whose letters are small
#: beside the notebook's 14px text)
MATH_STYLE = ("<style>math { font-size: 1.15em; } "
              "math[display='block'] { margin: 0.6em 0; }</style>\n")


class MathMLRenderer(IPythonRenderer):
    """nbconvert's Markdown renderer with the maths written as MathML instead of left as TeX
    for MathJax."""

    def block_math(self, body: str) -> str:
        return tex_to_mathml(body, display=True)

    def inline_math(self, body: str) -> str:
        return tex_to_mathml(body)

    def latex_environment(self, name: str, body: str) -> str:
        if name.rstrip("*") in ("equation", "displaymath"):
            return tex_to_mathml(body, display=True)
        return tex_to_mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", display=True)


class OfflineFeedbackExporter(HTMLExporter):
    """nbgrader's feedback page (the HTML exporter, its ``feedback`` template) with MathML maths,
    nothing loaded from another site and, when nbgrader's converter runs it on a student's
    notebook, the learner's grade report at the top (:func:`add_grade_report`)."""

    @pass_context
    def markdown2html(self, context: Any, source: str) -> str:
        cell = context.get("cell", {})
        renderer = MathMLRenderer(
            escape=False,
            attachments=cell.get("attachments", {}),
            embed_images=self.embed_images,
            path=context.get("resources", {}).get("metadata", {}).get("path", ""),
            anchor_link_text=self.anchor_link_text,
            exclude_anchor_links=self.exclude_anchor_links,
            **self.lexer_options,
        )
        return MarkdownWithMath(renderer=renderer).render(source)

    def from_notebook_node(self, nb: Any, resources: dict | None = None,
                           **kw: Any) -> tuple[str, dict]:
        output, resources = super().from_notebook_node(nb, resources, **kw)
        output = strip_external(output).replace("</head>", MATH_STYLE + "</head>", 1)
        info = (resources or {}).get("nbgrader") or {}
        if info.get("student") and info.get("assignment"):
            output = add_grade_report(output, course_root(self), info["assignment"],
                                      info["student"], notebook=info.get("notebook"),
                                      db_url=info.get("db_url"))
        return output, resources


#: what a graded page says where no grading record exists (the notebook was autograded by an
#: nbgrader that does not take the course's path, so no out-of-kernel grade or flags exist)
NO_REPORT = ("No detailed grade report was made for this notebook: the points below are "
             "those shown in each check cell. Ask your instructor if you expected one.")


def add_grade_report(page: str, root: str | Path, assignment: str, student: str, *,
                     notebook: str | None = None, db_url: str | None = None) -> str:
    """``page`` (one student's feedback page) with the learner's grade report at the top and
    every hidden-test line of the source notebook left on it replaced by ``[hidden test]``.

    The report is :func:`gradebook.inject_report` of the record
    ``<root>/grading/<assignment>/<student>.json`` brought up to date with the gradebook
    (:func:`gradebook.with_instructor_scores`). Without a record the page says
    :data:`NO_REPORT` instead. ``notebook``: the notebook's name (default: the one source
    notebook of the assignment); ``db_url``: the gradebook (default ``<root>/gradebook.db``).
    """
    from nndl_lib.grading import leaks
    from nndl_lib.grading.gradebook import inject_report, read_json, with_instructor_scores

    root = Path(root)
    folder = root / "source" / assignment
    source = folder / f"{notebook}.ipynb" if notebook else None
    if source is None or not source.is_file():
        found = sorted(folder.glob("*.ipynb"))
        source = found[0] if len(found) == 1 else None
    source_nb = read_json(source) if source is not None else {}
    record = read_json(root / "grading" / assignment / f"{student}.json")
    if record and source_nb:
        record = with_instructor_scores(db_url or f"sqlite:///{root / 'gradebook.db'}",
                                        assignment, student, source_nb, source.stem, record)
    if record:
        page = inject_report(page, record)
    else:
        page = _insert_at_top(page, "<section id='nndl-grade-report' style='border:2px solid "
                              "#446;padding:1em;margin:1em'><h2>Your grade</h2><p>"
                              + html.escape(NO_REPORT) + "</p></section>")
    if source_nb:
        hidden = leaks.protected_lines(source_nb, solutions=False)
        for line in sorted(hidden, key=len, reverse=True):
            page = page.replace(html.escape(line, quote=False), "[hidden test]")
    return page


def _insert_at_top(page: str, block: str) -> str:
    match = re.search(r"<body[^>]*>", page)
    return block + page if match is None else page[: match.end()] + block + page[match.end():]


def course_root(node: Any) -> Path:
    """The course folder of the nbgrader converter that ``node`` (a preprocessor or an exporter)
    runs under (its ``coursedir``), else the configured ``CourseDirectory.root``, else the
    working folder (nbgrader's own default)."""
    config = getattr(node, "config", None) or {}
    while node is not None:
        coursedir = getattr(node, "coursedir", None)
        if coursedir is not None:
            return Path(coursedir.root)
        node = getattr(node, "parent", None)
    return Path(config.get("CourseDirectory", {}).get("root") or os.getcwd())


_EXTERNAL = r"""\s(?:src|href)\s*=\s*["']?\s*(?:https?:)?//"""
_EXTERNAL_SCRIPT = re.compile(rf"<script\b[^>]*{_EXTERNAL}[^>]*>.*?</script\s*>", re.S | re.I)
_MATHJAX_CONFIG = re.compile(r"<script\b[^>]*text/x-mathjax-config[^>]*>.*?</script\s*>",
                             re.S | re.I)
#: a script that imports a module from another site (nbconvert's Mermaid loader)
_IMPORTS_EXTERNAL = r"""(?:\bfrom\s*|\bimport\s*\(?\s*)["'](?:https?:)?//"""
_EXTERNAL_MODULE = re.compile(rf"<script\b[^>]*>(?:(?!</script).)*?{_IMPORTS_EXTERNAL}.*?"
                              r"</script\s*>", re.S | re.I)
_EXTERNAL_TAG = re.compile(rf"<(?:link|img|iframe|source|embed)\b[^>]*{_EXTERNAL}[^>]*>", re.I)
_MATHJAX_COMMENTS = re.compile(r"<!-- (?:Load mathjax|MathJax configuration|End of mathjax "
                               r"configuration|Loading mathjax macro) -->\n?")


def strip_external(page: str) -> str:
    """``page`` without the scripts, modules, style sheets, images and frames it would load from
    another site, and without MathJax's configuration (nothing is left to read it)."""
    for pattern in (_EXTERNAL_SCRIPT, _EXTERNAL_MODULE, _MATHJAX_CONFIG, _EXTERNAL_TAG,
                    _MATHJAX_COMMENTS):
        page = pattern.sub("", page)
    return page


def external_requests(page: str) -> list[str]:
    """The tags of ``page`` that would load something from another site (scripts, style sheets,
    images, frames; scripts that import a module from one) and the style sheets' ``url(...)`` /
    ``@import`` of one: what must be empty for the page to render offline. Links a reader may
    click (``<a href>``) are not requests."""
    tags = re.findall(rf"<(?:script|link|img|iframe|source|embed|video|audio)\b[^>]*{_EXTERNAL}"
                      r"[^>]*>", page, re.I)
    modules = [m.group(0)[:200] for m in _EXTERNAL_MODULE.finditer(page)]
    css = re.findall(r"""(?:url\(\s*["']?|@import\s+["'])\s*(?:https?:)?//[^)"'\s]*""", page,
                     re.I)
    return tags + modules + css
