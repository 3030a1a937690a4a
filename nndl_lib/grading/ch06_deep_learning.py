"""The public path of chapter 6's checks: released and submitted notebooks run
``from nndl_lib.grading import ch06_deep_learning as checks``. The module is
:mod:`nndl_lib.grading.assignments.ch06_deep_learning`.
"""

from nndl_lib.grading.assignments.ch06_deep_learning import *  # noqa: F403
from nndl_lib.grading.assignments.ch06_deep_learning import __all__  # noqa: F401
