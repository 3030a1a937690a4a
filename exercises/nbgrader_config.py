"""nbgrader configuration of the course, read by ``nndl-course`` and by plain ``nbgrader`` run in
this folder (formgrader included). Whatever the instructor runs, learner code runs only inside
the grading sandbox: nbgrader's autograde grades through ``nndl-course``'s path and its validate
runs the sandboxed kernel (``nndl_lib.grading.nbgrader_hooks``; see the README)."""

import os

from nndl_lib.grading.nbgrader_hooks import configure

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

here = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "nndl"
c.CourseDirectory.root = here
c.Exchange.root = os.path.join(here, "exchange")  # the default is a system folder
os.makedirs(c.Exchange.root, exist_ok=True)  # formgrader's Release Feedback writes there

# Seconds per cell when nbgrader executes a notebook (autograde and validate).
c.ExecutePreprocessor.timeout = 60

# A test cell a learner deleted comes back (with a note) instead of failing the autograde.
c.OverwriteCells.add_missing_cells = True

# Feedback pages: hidden tests are removed from the test cells AND from their outputs.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nndl_lib.grading.leaks.ScrubHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# Autograde (formgrader's button, `nbgrader autograde`, the API) and validate: the sandboxed path.
configure(c)
