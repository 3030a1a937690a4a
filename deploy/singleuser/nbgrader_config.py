"""nbgrader settings of every server on the course's hub (learners and instructors alike).

The hub puts this folder on each server's JUPYTER_CONFIG_PATH (deploy/jupyterhub_config.py); in a
container image, copy this file to /etc/jupyter/nbgrader_config.py instead. The Assignment List
then fetches from and submits to the shared exchange, course ``nndl``.

An instructor's server also has NNDL_COURSE (set by the hub for the members of its
``instructors`` group): the course folder (a checkout's ``exercises/``), whose own
``nbgrader_config.py`` is loaded on top, so formgrader manages that course and grades through the
course's sandbox. It reads the same exchange from NNDL_EXCHANGE.
"""

import os

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

c.CourseDirectory.course_id = "nndl"
c.Exchange.root = os.environ.get("NNDL_EXCHANGE", "/srv/nbgrader/exchange")
# A submission is readable by its owner and the instructors only (nbgrader's own makes it
# world-readable and its folder world-writable, hidden only by its name); see
# nndl_lib/grading/exchange.py
c.ExchangeFactory.submit = "nndl_lib.grading.exchange.PrivateSubmit"
# Per-cell time limit when a learner presses Validate.
c.ExecutePreprocessor.timeout = 300

course = os.environ.get("NNDL_COURSE")
if course and os.path.isfile(os.path.join(course, "nbgrader_config.py")):
    load_subconfig(os.path.join(course, "nbgrader_config.py"))  # noqa: F821 (traitlets)
