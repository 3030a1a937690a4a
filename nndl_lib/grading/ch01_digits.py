"""The public path of chapter 1's checks: released and submitted notebooks run
``from nndl_lib.grading import ch01_digits as checks``. The module is
:mod:`nndl_lib.grading.assignments.ch01_digits`.
"""

from nndl_lib.grading.assignments.ch01_digits import *  # noqa: F403
from nndl_lib.grading.assignments.ch01_digits import __all__  # noqa: F401
