"""nbgrader settings for a learner who starts JupyterLab in this folder (see the README).

nbgrader's JupyterLab extensions read this file when JupyterLab runs from the repository root:
without it the server warns "No nbgrader_config.py file found" and the Assignment List reports
"The exchange directory does not exist and could not be created" (its default exchange is a system
folder that needs root). Here the exchange is a folder of the learner's own Jupyter data directory,
created on first use, so a single learner needs no administrator.

The instructor's course is configured separately, in exercises/nbgrader_config.py (course id
"nndl", the same as here); instructors run nbgrader from exercises/.

The Validate button that nbgrader adds to every notebook checks graded exercise notebooks (their
test cells). Chapter notebooks have no graded cells: on a chapter, Validate only re-runs it.
"""

from pathlib import Path

from jupyter_core.paths import jupyter_data_dir

c = get_config()  # noqa: F821 - provided by the config loader

c.CourseDirectory.course_id = "nndl"

# The exchange for nbgrader's Assignment List (fetch / submit): no root needed.
exchange = Path(jupyter_data_dir()) / "nbgrader" / "exchange"
exchange.mkdir(parents=True, exist_ok=True)
c.Exchange.root = str(exchange)

# Per-cell time limit when Validate runs a notebook (chapter cells stay well below it).
c.ExecutePreprocessor.timeout = 300
