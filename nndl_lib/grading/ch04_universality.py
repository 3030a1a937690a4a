"""The public path of chapter 4's checks: released and submitted notebooks run
``from nndl_lib.grading import ch04_universality as checks``. The module is
:mod:`nndl_lib.grading.assignments.ch04_universality`.
"""

from nndl_lib.grading.assignments.ch04_universality import *  # noqa: F403
from nndl_lib.grading.assignments.ch04_universality import __all__  # noqa: F401
