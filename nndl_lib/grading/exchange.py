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
- :class:`PrivateReleaseFeedback` (the course's ``ExchangeFactory.release_feedback``): nbgrader
  leaves each feedback page world-readable, hidden only by its name; here the page is closed to
  everyone (mode 0600) but the instructor and, through a POSIX access-control entry that the
  file's owner may set without root, the learner whose page it is. Where the learner is no
  system user or the file system has no ACLs, the page stays as nbgrader left it (logged).
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import struct
from pathlib import Path

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback
from nbgrader.exchange.default.submit import ExchangeSubmit
from nbgrader.utils import notebook_hash

__all__ = ["PrivateSubmit", "OwnerCheckedCollect", "PrivateReleaseFeedback", "SUBMISSION_DIR_MODE",
           "SUBMISSION_FILE_MODE", "readable_by"]

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


# POSIX access ACL as the kernel stores it (xattr system.posix_acl_access): a version, then
# (tag, permission, id) entries sorted by tag and id
_ACL_VERSION, _NO_ID = 2, 0xFFFFFFFF
_USER_OBJ, _USER, _GROUP_OBJ, _MASK, _OTHER = 0x01, 0x02, 0x04, 0x10, 0x20
_READ, _WRITE = 4, 2


def readable_by(path: str | Path, uid: int) -> None:
    """Close ``path`` to everyone but its owner (read-write) and the user ``uid`` (read):
    mode 0600 plus one ACL entry. Raises OSError where the file system has no ACLs."""
    os.chmod(path, 0o600)
    acl = struct.pack("<I", _ACL_VERSION) + b"".join(struct.pack("<HHI", *entry) for entry in [
        (_USER_OBJ, _READ | _WRITE, _NO_ID), (_USER, _READ, uid), (_GROUP_OBJ, 0, _NO_ID),
        (_MASK, _READ, _NO_ID), (_OTHER, 0, _NO_ID)])
    os.setxattr(path, "system.posix_acl_access", acl)


class PrivateReleaseFeedback(ExchangeReleaseFeedback):
    """nbgrader's release of feedback, then each page readable by its learner alone."""

    def copy_files(self) -> None:
        super().copy_files()
        pattern = re.escape(os.path.sep).join([
            self.coursedir.format_path(self.coursedir.feedback_directory, "(?P<student_id>.*)",
                                       self.coursedir.assignment_id, escape=True),
            "(?P<notebook_id>.*).html"])
        for page in glob.glob(os.path.join(self.src_path, "*.html")):
            match = re.match(pattern, page)
            secret_file = os.path.join(os.path.dirname(page), "submission_secret.txt")
            if match is None or not os.path.isfile(secret_file):
                continue  # nbgrader released nothing for it either
            student, notebook = match.group("student_id"), match.group("notebook_id")
            with open(secret_file) as fh:
                checksum = notebook_hash(secret=fh.read(), notebook_id=notebook)
            released = os.path.join(self.dest_path, f"{checksum}.html")
            try:
                readable_by(released, pwd.getpwnam(student).pw_uid)
            except (KeyError, OSError) as exc:
                self.log.warning("feedback for %s left as nbgrader made it (readable by whoever "
                                 "learns its name): %s", student, exc)
