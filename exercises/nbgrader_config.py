"""nbgrader configuration of the course. Read by plain ``nbgrader`` (run it in this folder) and
by ``nndl-course``, which adds isolation and the out-of-kernel pass (see the README)."""

import os

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

here = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "nndl"
c.CourseDirectory.root = here
c.Exchange.root = os.path.join(here, "exchange")  # the default is a system folder

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
