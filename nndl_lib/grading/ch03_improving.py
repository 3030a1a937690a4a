"""The public path of chapter 3's checks: released and submitted notebooks run
``from nndl_lib.grading import ch03_improving as checks``. The module is
:mod:`nndl_lib.grading.assignments.ch03_improving`.
"""

from nndl_lib.grading.assignments.ch03_improving import *  # noqa: F403
from nndl_lib.grading.assignments.ch03_improving import __all__  # noqa: F401
