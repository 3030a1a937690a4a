"""The public path of the foundations page's checks: released and submitted notebooks run
``from nndl_lib.grading import foundations as checks``. The module is
:mod:`nndl_lib.grading.assignments.foundations`.
"""

from nndl_lib.grading.assignments.foundations import *  # noqa: F403
from nndl_lib.grading.assignments.foundations import __all__  # noqa: F401
