"""The public path of chapter 2's checks: released and submitted notebooks run
``from nndl_lib.grading import ch02_backprop as checks``. The module is
:mod:`nndl_lib.grading.assignments.ch02_backprop`.
"""

from nndl_lib.grading.assignments.ch02_backprop import *  # noqa: F403
from nndl_lib.grading.assignments.ch02_backprop import __all__  # noqa: F401
