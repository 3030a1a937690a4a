"""Run nbgrader's autograde for one student inside a scratch copy of the course.

``python -m nndl_lib.grading.scratch SCRATCH ASSIGNMENT STUDENT`` is started by
:mod:`nndl_lib.grading.course` (as an unprivileged user where possible) in a folder that holds
only the assignment's source, this one student's submission, a copy of a gradebook containing
just the assignment, and a kernel spec pointing at :mod:`nndl_lib.grading.kernel`. It writes
``SCRATCH/result.json`` (success and the end of nbgrader's log); the trusted parent reads the
scratch gradebook and merges the scores into the real one.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path


def _fix_kernel_spec(root: Path) -> None:
    """Make the kernel spec start an interpreter this user can execute.

    Where this process runs as an unprivileged user, the virtual environment's ``python`` may
    point into a folder that user cannot enter (e.g. a pyenv build under /root): then start the
    interpreter actually running now, with the same import path.
    """
    import os
    import shutil
    import subprocess

    spec_path = root / "jupyter" / "kernels" / "python3" / "kernel.json"
    spec = json.loads(spec_path.read_text())
    if os.access(spec["argv"][0], os.X_OK):
        return
    paths = [p for p in sys.path if p.endswith("site-packages")]
    env = dict(spec.get("env", {}))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH", ""),
                                                      *paths]))
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    candidates = [os.readlink("/proc/self/exe") if os.path.exists("/proc/self/exe") else "",
                  shutil.which(f"python{version}") or "", shutil.which("python3") or ""]
    for exe in candidates:
        if not exe or not os.access(exe, os.X_OK):
            continue
        probe = subprocess.run(
            [exe, "-c", f"import sys, ipykernel; assert sys.version.startswith('{version}')"],
            env={**os.environ, **env}, capture_output=True)
        if probe.returncode == 0:
            spec["argv"][0] = exe
            spec["env"] = env
            spec_path.write_text(json.dumps(spec))
            return


def main(scratch: str, assignment: str, student: str) -> int:
    warnings.filterwarnings("ignore")
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    root = Path(scratch)
    _fix_kernel_spec(root)
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
