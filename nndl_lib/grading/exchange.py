"""nbgrader's file exchange made safe for a class sharing one folder (a JupyterHub).

nbgrader 0.9's default exchange hides each submission behind a name no other learner can list
(``inbound/`` is write-only, mode 2733) but leaves it open to anyone who learns that name: the
submission's folder is world-writable (0777) and its files world-readable. And ``collect`` only
*warns* when a submission filed under one learner's name is owned by another: a learner who
submits with ``--student=<someone else>`` replaces that learner's work for the instructor.

- :class:`PrivateSubmit` (the learners' ``ExchangeFactory.submit``, deploy/singleuser) closes a
  submission to everyone but its owner and the group of ``inbound/`` (the instructor's, which
  the setgid bit of ``inbound/`` gives every new entry): folders 2770, files 0440.
- :class:`OwnerCheckedCollect` (the course's ``ExchangeFactory.collect``,
  exercises/nbgrader_config.py) collects, per learner, the newest submission that learner owns;
  submissions owned by someone else are left out and named in the log.
"""

from __future__ import annotations

import os
import pwd
import shutil
from pathlib import Path

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.submit import ExchangeSubmit

__all__ = ["PrivateSubmit", "OwnerCheckedCollect", "SUBMISSION_DIR_MODE", "SUBMISSION_FILE_MODE"]

SUBMISSION_DIR_MODE = 0o2770
SUBMISSION_FILE_MODE = 0o440


class PrivateSubmit(ExchangeSubmit):
    """nbgrader's submit, then the submission closed to other learners (see the module).

    nbgrader's copy gives the submission's folder the mode of the learner's folder, which drops
    the setgid bit it inherited from ``inbound/``, so the files nbgrader writes next
    (``timestamp.txt``, ``submission_secret.txt``) get the learner's own group, and a learner
    may not give a file to a group they are not in. So the submission is copied once more into
    a fresh folder made in ``inbound/`` (which inherits its group and setgid bit), closed there
    and renamed over the first.
    """

    def copy_files(self) -> None:
        super().copy_files()
        dest = Path(self.inbound_path) / self.assignment_filename
        fresh = dest.with_name("." + dest.name)  # collect's pattern ignores it meanwhile
        os.mkdir(fresh)
        for folder, dirs, files in os.walk(dest):
            target = fresh / Path(folder).relative_to(dest)
            for name in dirs:
                os.mkdir(target / name)
            for name in files:
                shutil.copyfile(os.path.join(folder, name), target / name)
                os.chmod(target / name, SUBMISSION_FILE_MODE)
        for folder, _dirs, _files in os.walk(fresh, topdown=False):
            os.chmod(folder, SUBMISSION_DIR_MODE)
        shutil.rmtree(dest)
        os.rename(fresh, dest)


def _owner(path: str) -> str:
    try:
        return pwd.getpwuid(os.stat(path).st_uid).pw_name
    except (KeyError, OSError):
        return "unknown"


class OwnerCheckedCollect(ExchangeCollect):
    """nbgrader's collect of each learner's newest submission *that the learner owns*."""

    def _sort_by_timestamp(self, records: list[dict]) -> list[dict]:
        # a learner's own submissions first, newest first; then the ones filed by others
        return sorted(records, key=lambda r: (self._genuine(r), r["timestamp"]), reverse=True)

    def _genuine(self, record: dict) -> bool:
        return _owner(os.path.join(self.inbound_path, record["filename"])) == record["username"]

    def init_src(self) -> None:
        super().init_src()
        kept = []
        for record in self.src_records:
            if self._genuine(record):
                kept.append(record)
            else:
                self.log.warning("not collected: %s is filed under %s but owned by %s",
                                 record["filename"], record["username"],
                                 _owner(os.path.join(self.inbound_path, record["filename"])))
        self.src_records = kept
