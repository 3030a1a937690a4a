"""The learner's feedback page reads offline and speaks to the learner: its maths is MathML made
when the page is made (no MathJax, nothing fetched from another site), code is left as written,
and every flag the grader can set reaches the learner as a plain sentence, never in the grader's
own terms. The last test grades one submission end to end (needs the sandbox)."""

from __future__ import annotations

import html
import inspect
import json
import re
import shutil

import nbformat
import pytest
from grading_support import COURSE, learner_notebook

from nndl_lib.grading import boundary
from nndl_lib.grading import flags as F
from nndl_lib.grading.course import Course
from nndl_lib.grading.feedback_page import (
    OfflineFeedbackExporter,
    external_requests,
    strip_external,
    tex_to_mathml,
)
from nndl_lib.grading.gradebook import ATTEMPT_FLAG, inject_report, merge_results
from nndl_lib.grading.notebook_cells import cell_source, changed_locked_cells, nbgrader_meta
from nndl_lib.grading.outofkernel_parent import Limits

pytestmark = pytest.mark.grading

MATHS = (r"**Recap.** $\sigma'(z) = \sigma(z)(1 - \sigma(z))$ where $a < b$, and "
         "`cost = $5 or $x$`.\n\n"
         r"$$C = \frac{1}{2n}\sum_x \|y(x) - a^L(x)\|^2$$" "\n\n"
         r"Also \\(z^l_j\\), \\[\delta^L = \nabla_a C \odot \sigma'(z^L)\\] and "
         r"\begin{equation} a^l = \sigma(w^l a^{l-1} + b^l) \end{equation}" "\n\n"
         "```python\nprice = '$5'  # $x$ stays\n```\n")
CODE = "label = '$\\\\sigma$ and $5'  # $z$ is not maths here\nprint(label)"
#: the grader's terms that the learner's page never shows
JARGON = ("tripwire", "out-of-kernel", "in-kernel", "sandbox=False", "--no-sandbox",
          "nbgrader could not", "manual score kept")


def _raw_tex(page: str) -> list[str]:
    """``$...$``, ``$$...$$``, ``\\(...\\)`` and ``\\[...\\]`` left in the page's text outside
    code, scripts and styles."""
    text = re.sub(r"<(script|style|code|pre)\b.*?</\1>", " ", page, flags=re.S | re.I)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return re.findall(r"\$\$?[^$\s][^$]*\$|\\\(.*?\\\)|\\\[.*?\\\]", text, re.S)


def _page(cells: list) -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    out, _ = OfflineFeedbackExporter(template_name="classic").from_notebook_node(nb)
    return out


def test_markdown_maths_becomes_mathml_and_code_is_left_alone():
    code = nbformat.v4.new_code_cell(CODE)
    page = _page([nbformat.v4.new_markdown_cell(MATHS), code])
    assert page.count("<math") == 6 and page.count('display="block"') == 3
    assert _raw_tex(page) == [], _raw_tex(page)
    # inline code, fenced code and the code cell: as written
    assert "<code>cost = $5 or $x$</code>" in page
    assert re.sub(r"<[^>]+>", "", page).count("$x$ stays") == 1
    plain = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert "label = '$\\\\sigma$ and $5'  # $z$ is not maths here" in plain


def test_the_page_loads_nothing_from_elsewhere():
    page = _page([nbformat.v4.new_markdown_cell(MATHS)])
    assert external_requests(page) == []
    assert "mathjax" not in re.sub(r"<style\b.*?</style>", "", page, flags=re.S).lower()
    planted = ('<script src="https://cdn.example/x.js"></script><link rel="stylesheet" '
               'href="//cdn.example/a.css"><img src="http://x.example/i.png">'
               '<script type="module">\n  import m from "https://cdn.example/m.mjs";\n</script>'
               '<a href="https://example.org/">a link stays</a>')
    assert len(external_requests(planted)) == 4
    assert strip_external(planted) == '<a href="https://example.org/">a link stays</a>'


def test_tex_the_converter_cannot_read_is_shown_as_its_source_in_code():
    assert tex_to_mathml(r"\frac{1}{2}").startswith("<math")
    assert "<mi>arg</mi>" in tex_to_mathml(r"\arg\max_j a_j")
    assert tex_to_mathml(r"\text{<b>x</b>}") == \
        r'<code class="nndl-tex">\text{&lt;b&gt;x&lt;/b&gt;}</code>'
    assert tex_to_mathml(r"\frac{1}{").startswith("<code")


#: one instructor's flag of each kind, as gradebook.merge_results writes it, and the notes of the
#: out-of-kernel pass (outofkernel_parent, outofkernel_supervisor, notebook_cells, notebook)
FLAGS = [
    f"{F.KERNEL_DIED} (its kernel died or timed out): in-kernel scores set to 0",
    f"{F.TAMPERED}, restored: ['gradebook.db']",
    f"{F.NO_SANDBOX} (--no-sandbox)",
    f"{ATTEMPT_FLAG}: open('/home/x.txt', 'w'); in the kernel: os.symlink",
    f"{F.OVERRIDDEN} 3/10 differs from in-kernel 10/10; out-of-kernel recorded for "
    "sigmoid (0/2: graded: wrong values)",
    f"{F.INSTRUCTOR} ['test_sigmoid']",
    f"{F.LOCKED}: edited ['test_sigmoid']; deleted []",
    f"{F.LOCKED}: edited []; deleted ['test_sigmoid', 'setup']",
    "note: the answer cell 'sigmoid' is missing from the notebook (deleted, or its metadata "
    "changed): its code was not found",
    "note: the notebook could not be read (Expecting value: line 1 column 1 (char 0)); no "
    "code was run",
    "note: sigmoid: a call ran out of time (an endless loop?); the cases it did not finish "
    "earned nothing",
    "note: cell 4 raised NameError: name 'x' is not defined",
    "note: cell 4 stopped after 5 s (an endless loop?); it was skipped and the rest graded "
    "without it",
    "note: the submission's total time limit was reached",
    "note: the operating-system sandbox could not be drawn (no Landlock): no learner code "
    "was run",
    "note: the grading process failed to start (killed); ",
    "note: the grading process stopped (exit status 1) between steps",
    "note: the grading process stopped 3 times; the remaining cases were not graded",
]
RECORD = {"in_kernel": 10.0, "overrides": {"test_sigmoid": 0.0},
          "out_of_kernel": {"points": 3.0, "max_points": 10.0, "tasks": [], "notes": []}}


@pytest.mark.parametrize("flag", FLAGS)
def test_each_flag_reaches_the_learner_as_a_plain_sentence(flag):
    said = F.learner_sentence(flag, RECORD)
    assert said != F.learner_sentence("something new", RECORD), "no sentence of its own"
    assert said[0].isupper() and re.search(r"\byour?\b", said, re.I), said  # to the learner
    assert not any(term in said.lower() for term in F.INTERNAL_TERMS), said
    assert "open(" not in said and "symlink" not in said  # what was tried: the instructor's


def test_edited_and_deleted_check_cells_are_found_against_the_release():
    released = learner_notebook("ch02_backprop", answers="stub")
    nb = learner_notebook("ch02_backprop", replace={"test_backprop": "result = None\n4.0"})
    nb["cells"] = [cell for cell in nb["cells"]
                   if nbgrader_meta(cell).get("grade_id") != "test_worked_example"]
    for cell in nb["cells"]:  # trailing blanks are no edit; answers are the learner's
        if nbgrader_meta(cell).get("grade_id") == "setup":
            cell["source"] = cell_source(cell) + "\n   \n"
    assert changed_locked_cells(released, nb) == (["test_backprop"], ["test_worked_example"])
    assert changed_locked_cells(released, learner_notebook("ch02_backprop")) == ([], [])


def test_every_flag_the_gradebook_writes_has_a_sentence():
    """Each flag merge_results records starts with one of flags.py's prefixes, which LEARNER
    words (or is a note, which NOTES words)."""
    source = inspect.getsource(merge_results)
    calls = re.findall(r"flags(?:\.append\(| \+= \[)\s*(.{0,40})", source)
    assert len(calls) >= 7, calls
    for call in calls:
        assert re.search(r"\{F\.\w+\}|\{ATTEMPT_FLAG\}", call), f"a flag without a prefix: {call}"
    for name in re.findall(r"\{F\.(\w+)\}", source):
        assert getattr(F, name) in F.LEARNER or getattr(F, name) == F.NOTE, name


def test_an_override_is_said_with_the_numbers_or_without_them():
    flag = next(f for f in FLAGS if f.startswith(F.OVERRIDDEN))
    assert "gave 10 points, but" in F.learner_sentence(flag, RECORD)
    assert "could not run to the end, but" in F.learner_sentence(flag, {**RECORD,
                                                                        "in_kernel": None})


def test_the_report_shows_the_learner_sentences_not_the_flags():
    record = {**RECORD, "flags": FLAGS}
    page = inject_report("<html><body><p>x</p></body></html>", record)
    block = page[page.index("nndl-grade-flags"):page.index("</section>")]
    assert block.count("<li>") == len({F.learner_sentence(f, record) for f in FLAGS})
    assert "Your grade was changed by your instructor for &#x27;sigmoid&#x27;" in block
    for term in (*JARGON, *F.INTERNAL_TERMS):
        assert term not in page.lower(), term


def _graded_page(root, student: str, cells: list) -> str:
    """The exporter's page as nbgrader's GenerateFeedback converter asks for it: the course
    folder configured, the student and the assignment named in ``resources["nbgrader"]``."""
    from traitlets.config import Config

    from nndl_lib.grading.gradebook import cache_alembic_head

    cache_alembic_head(root / "gradebook.db")
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    config = Config()
    config.CourseDirectory.root = str(root)
    exporter = OfflineFeedbackExporter(template_name="classic", config=config)
    resources = {"nbgrader": {"student": student, "assignment": "ch02_backprop",
                              "notebook": "ch02_backprop",
                              "db_url": f"sqlite:///{root / 'gradebook.db'}"}}
    out, _ = exporter.from_notebook_node(nb, resources)
    return out


def _course_with_record(tmp_path, record: dict | None):
    root = tmp_path / "exercises"
    shutil.copytree(COURSE / "source" / "ch02_backprop", root / "source" / "ch02_backprop")
    if record is not None:
        (root / "grading" / "ch02_backprop").mkdir(parents=True)
        (root / "grading" / "ch02_backprop" / "ann.json").write_text(json.dumps(record))
    return root


def test_the_exporter_puts_the_learners_report_on_every_graded_page(tmp_path):
    """Whatever makes the page (formgrader's Generate Feedback, ``nbgrader generate_feedback``,
    ``nndl-course feedback``), nbgrader's converter runs this exporter: the report and the
    flags in the learner's words come at the top, once, and a hidden-test line a cell's
    output still quotes is replaced. (The record is brought up to date with the gradebook,
    where no instructor has set a score: that flag is dropped.)"""
    from nndl_lib.grading import leaks

    said = [f for f in FLAGS if not f.startswith(F.INSTRUCTOR)]
    record = {**RECORD, "flags": [*said, f"{F.INSTRUCTOR} ['test_sigmoid']"]}
    root = _course_with_record(tmp_path, record)
    source = json.loads((root / "source" / "ch02_backprop" / "ch02_backprop.ipynb").read_text())
    hidden = sorted(leaks.protected_lines(source, solutions=False))
    assert hidden
    quoting = nbformat.v4.new_code_cell("print('x')", outputs=[nbformat.v4.new_output(
        "stream", name="stdout", text=f"line 3\n    {hidden[0]}\n")])
    page = _graded_page(root, "ann", [nbformat.v4.new_markdown_cell(MATHS), quoting])
    assert page.count("id='nndl-grade-report'") == 1
    assert page.index("nndl-grade-report") < page.index("<math")  # at the top
    assert _block(page) == _block(inject_report("<html><body></body></html>",
                                                {**record, "flags": said}))
    plain = html.unescape(re.sub(r"<[^>]+>", "", page))
    for flag in said:
        assert F.learner_sentence(flag, record) in plain, flag
    assert "changed by your instructor" not in plain
    assert page.count("<math") == 6 and _raw_tex(page) == []
    assert leaks.find_leaks(leaks.html_text(page), set(hidden)) == []
    assert "[hidden test]" in page
    for term in (*JARGON, *F.INTERNAL_TERMS):
        assert term not in page.lower(), term


def _block(page: str) -> str:
    return page[page.index("nndl-grade-report"):page.index("</section>")]


def test_a_graded_page_without_a_record_says_so_and_an_ungraded_one_is_left_alone(tmp_path):
    from nndl_lib.grading.feedback_page import NO_REPORT

    root = _course_with_record(tmp_path, None)
    page = _graded_page(root, "ann", [nbformat.v4.new_markdown_cell(MATHS)])
    assert page.count("id='nndl-grade-report'") == 1
    assert html.escape(NO_REPORT) in page
    assert "nndl-grade-report" not in _page([nbformat.v4.new_markdown_cell(MATHS)])


@pytest.mark.skipif(boundary.unavailable_reason() is not None,
                    reason=f"no Landlock here: {boundary.unavailable_reason()}")
def test_a_graded_submissions_feedback_page_renders_offline(tmp_path):
    """Chapter 2 (maths in every task's text), graded for real: its feedback page has MathML,
    no raw TeX outside code, no request outside the page, the code cells as handed in, and the
    refused write, the edited check cell and the instructor's score said in the learner's
    words."""
    from nbgrader.api import Gradebook

    assignment = "ch02_backprop"
    root = tmp_path / "exercises"
    shutil.copytree(COURSE / "source" / assignment, root / "source" / assignment)
    shutil.copy(COURSE / "nbgrader_config.py", root)
    c = Course(root)
    c.release(assignment)
    nb = learner_notebook(assignment, replace={"test_backprop": "result = None\n4.0"})
    outside = tmp_path / "outside.txt"
    nb["cells"] += [
        {"cell_type": "markdown", "metadata": {}, "source": MATHS},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": f"{CODE}\ntry:\n    open({str(outside)!r}, 'w')\nexcept OSError:\n"
                   "    pass\n"},
    ]
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    (downloads / f"ann_1_{assignment}.ipynb").write_text(json.dumps(nb))
    c.collect(assignment, downloads)
    [outcome] = c.autograde(assignment, cell_timeout=30,
                            limits=Limits(cell_s=10.0, case_s=5.0, grace_s=2.0, total_s=120.0))
    assert any(f.startswith(ATTEMPT_FLAG) for f in outcome.flags), outcome.flags
    with Gradebook(c.db_url, course_id="nndl") as gb:  # the instructor's score, in formgrader
        gb.find_grade("test_backprop_example", assignment, assignment, "ann").manual_score = 2
        gb.db.commit()
    [page_path] = c.feedback(assignment)
    page = page_path.read_text(encoding="utf-8")
    assert page.count("<math") > 20
    assert _raw_tex(page) == [], _raw_tex(page)[:5]
    assert external_requests(page) == []
    assert "<script" not in page.lower()
    plain = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert "label = '$\\\\sigma$ and $5'  # $z$ is not maths here" in plain
    assert F.learner_sentence(ATTEMPT_FLAG) in plain
    assert "You edited a check cell ('test_backprop'); the grader used the original" in plain
    assert outcome.out_of_kernel == outcome.max_points  # the reference answers, graded
    assert "Your grade was changed by your instructor for 'backprop_example'" in plain
    for term in JARGON:
        assert term not in page, term
    assert not outside.exists()
