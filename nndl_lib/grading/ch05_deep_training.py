"""The public path of chapter 5's checks: released and submitted notebooks run
``from nndl_lib.grading import ch05_deep_training as checks``. The module is
:mod:`nndl_lib.grading.assignments.ch05_deep_training`.
"""

from nndl_lib.grading.assignments.ch05_deep_training import *  # noqa: F403
from nndl_lib.grading.assignments.ch05_deep_training import __all__  # noqa: F401
