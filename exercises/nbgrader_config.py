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
# nbgrader's exchange (release, fetch, submit, collect, feedback): on a JupyterHub the folder
# shared with the learners (deploy/README.md), named by NNDL_EXCHANGE; on one machine a folder
# of the course (nbgrader's own default is a system folder).
c.Exchange.root = os.environ.get("NNDL_EXCHANGE") or os.path.join(here, "exchange")
os.makedirs(c.Exchange.root, exist_ok=True)  # formgrader's Release Feedback writes there
# Collect only the submissions each learner owns (nbgrader itself merely warns when one learner
# files a submission under another's name); see nndl_lib/grading/exchange.py.
c.ExchangeFactory.collect = "nndl_lib.grading.exchange.OwnerCheckedCollect"
# Each released feedback page readable by its learner alone (nbgrader's: by whoever learns its name)
c.ExchangeFactory.release_feedback = "nndl_lib.grading.exchange.PrivateReleaseFeedback"

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
# ... and readable offline (the page travels alone: LMS download, e-mail, Fetch Feedback): the
# maths rendered as MathML when the page is made, no MathJax or anything else from a CDN; the
# learner's grade report and flags on top (so formgrader's Generate Feedback, plain
# `nbgrader generate_feedback` and `nndl-course feedback` make the same page).
c.GenerateFeedback.exporter_class = "nndl_lib.grading.feedback_page.OfflineFeedbackExporter"

# Autograde (formgrader's button, `nbgrader autograde`, the API) and validate: the sandboxed path.
configure(c)
