"""Run nbgrader's autograde for one student inside a scratch copy of the course.

``python -m nndl_lib.grading.autograde_child SCRATCH ASSIGNMENT STUDENT`` is started by
:mod:`nndl_lib.grading.course` (as an unprivileged user where possible) in a folder that holds
only the assignment's source, this one student's submission, a copy of a gradebook containing
just the assignment, and a kernel spec pointing at :mod:`nndl_lib.grading.autograde_kernel`. It
writes
``SCRATCH/result.json`` (success and the end of nbgrader's log); the trusted parent reads the
scratch gradebook and merges the scores into the real one.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path


def main(scratch: str, assignment: str, student: str) -> int:
    warnings.filterwarnings("ignore")
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    root = Path(scratch)
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    result = api.autograde(assignment, student, force=True, create=True)
    (root / "result.json").write_text(json.dumps({
        "success": bool(result.get("success")),
        "log": str(result.get("log", ""))[-4000:],
        "error": str(result.get("error", ""))[-4000:],
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
