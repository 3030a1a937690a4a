"""The tripwire on the whole course folder during ``autograde``: what changed is put back.

Defence in depth behind the operating-system boundary: after each submission the trusted
grader checks that nothing in the course folder changed that it did not write itself
(``nbgrader_config.py``, ``source/``, ``release/``, ``submitted/``, ``autograded/``,
``feedback/``, ``grading/``, the gradebook, the course secret, anything else there) and
restores what did.

How, without holding files in memory and at a cost per submission that does not grow with the
class:

- **Once per run**, every file is read once: its SHA-256 is recorded with its stat data (type,
  mode, size, mtime, ctime, inode) and, in the same pass, a copy goes to a backup folder
  outside the course (on disk, mode 700; only the trusted grader reads it).
- **After each submission** the tree is walked with ``lstat`` only (metadata, no file is
  opened). A file is read again only where its stat data changed: ``ctime`` changes with every
  write, ``chmod`` or ``utime`` and cannot be set back by a process, so unchanged stat data
  means unchanged bytes. A changed file whose hash and mode still match is only re-recorded
  (a ``touch``); otherwise it is restored from its backup (written beside it and renamed over
  whatever is there: a file, a symbolic link). Missing files and folders come back; new ones
  are removed.
- **What the grader writes itself** (a student's autograded notebook, their record, the
  gradebook) is re-recorded and backed up with :meth:`Tripwire.refresh` of just those paths.

``files_read`` and ``bytes_read`` count the reads (the tests check that a check reads nothing
where nothing changed, whatever the size of the class).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

__all__ = ["Tripwire"]

_CHUNK = 1 << 20


class _Entry(NamedTuple):
    sig: tuple
    digest: str  # sha256 of a regular file; the target of a link; "" otherwise
    backup: str  # the backup file's name ("" for links and special files)


def _sig(st: os.stat_result) -> tuple:
    return (st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


class Tripwire:
    """A record of every file and folder below ``root``, with backups in ``backup_dir``."""

    def __init__(self, root: str | Path, backup_dir: str | Path) -> None:
        self.root = Path(root)
        self.backup_dir = Path(backup_dir)
        self.backup_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.backup_dir, 0o700)
        self.files: dict[str, _Entry] = {}
        self.dirs: set[str] = set()
        self.files_read = 0
        self.bytes_read = 0
        self._n = 0
        for rel, st in self._walk(""):
            self._record(rel, st)

    # -- walking and recording -----------------------------------------------------------

    def _walk(self, top: str) -> Iterator[tuple[str, os.stat_result]]:
        """Every entry below ``top`` (relative; "" for the root), links not followed."""
        stack = [top]
        while stack:
            folder = stack.pop()
            try:
                it = os.scandir(self.root / folder if folder else self.root)
            except (FileNotFoundError, NotADirectoryError):
                continue
            with it:
                for entry in it:
                    rel = f"{folder}/{entry.name}" if folder else entry.name
                    try:
                        st = entry.stat(follow_symlinks=False)
                    except FileNotFoundError:
                        continue
                    yield rel, st
                    if stat.S_ISDIR(st.st_mode):
                        stack.append(rel)

    def _hash_and_backup(self, path: Path, backup: str | None) -> str:
        """One read of ``path``: its hash, and (with ``backup``) a copy into the backup."""
        digest = hashlib.sha256()
        self.files_read += 1
        with open(path, "rb") as src:
            dst = open(self.backup_dir / backup, "wb") if backup else None  # noqa: SIM115
            try:
                while chunk := src.read(_CHUNK):
                    self.bytes_read += len(chunk)
                    digest.update(chunk)
                    if dst is not None:
                        dst.write(chunk)
            finally:
                if dst is not None:
                    dst.close()
        return digest.hexdigest()

    def _record(self, rel: str, st: os.stat_result) -> None:
        path = self.root / rel
        if stat.S_ISDIR(st.st_mode):
            self.dirs.add(rel)
        elif stat.S_ISLNK(st.st_mode):
            self.files[rel] = _Entry(_sig(st), os.readlink(path), "")
        elif stat.S_ISREG(st.st_mode):
            self._n += 1
            backup = f"{self._n}"
            self.files[rel] = _Entry(_sig(st), self._hash_and_backup(path, backup), backup)
        else:  # a FIFO or socket someone left there before the run: watched, not restored
            self.files[rel] = _Entry(_sig(st), "", "")

    def refresh(self, paths: Iterable[str | Path]) -> None:
        """Record again (and back up) what the grader itself wrote: files or folders below
        the root, each with everything inside it."""
        for p in paths:
            rel = Path(p).resolve().relative_to(self.root.resolve()).as_posix()
            prefix = rel + "/"
            for key in [k for k in self.files if k == rel or k.startswith(prefix)]:
                entry = self.files.pop(key)
                if entry.backup:
                    (self.backup_dir / entry.backup).unlink(missing_ok=True)
            self.dirs -= {d for d in self.dirs if d == rel or d.startswith(prefix)}
            parts = rel.split("/")
            for i in range(1, len(parts)):  # folders the grader made on the way
                parent = "/".join(parts[:i])
                if (self.root / parent).is_dir():
                    self.dirs.add(parent)
            try:
                st = os.lstat(self.root / rel)
            except FileNotFoundError:
                continue
            self._record(rel, st)
            if stat.S_ISDIR(st.st_mode):
                for sub, sub_st in self._walk(rel):
                    self._record(sub, sub_st)

    # -- checking ----------------------------------------------------------------------------

    def check_and_restore(self) -> list[str]:
        """Put back everything changed since the last record; the relative paths changed."""
        now = dict(self._walk(""))
        changed: list[str] = []
        # what is new, or a folder that is no longer a folder: removed (shallowest first)
        removed: list[str] = []
        for rel in sorted(now, key=lambda r: r.count("/")):
            if any(rel.startswith(r + "/") for r in removed):
                continue
            st = now[rel]
            is_dir = stat.S_ISDIR(st.st_mode)
            known = rel in self.dirs if is_dir else rel in self.files
            if not known:
                self._remove(rel, is_dir)
                removed.append(rel)
                changed.append(rel)
        for rel in removed:
            now.pop(rel, None)
        now = {r: s for r, s in now.items() if not any(r.startswith(x + "/") for x in removed)}
        for rel in sorted(self.dirs - set(now), key=lambda r: r.count("/")):
            (self.root / rel).mkdir(parents=True, exist_ok=True)
            changed.append(rel)
        for rel, entry in self.files.items():
            st = now.get(rel)
            if st is not None and _sig(st) == entry.sig:
                continue  # the usual case: nothing opened
            if st is not None and self._same(rel, st, entry):
                self.files[rel] = entry._replace(sig=_sig(st))  # touched, not changed
                continue
            if not entry.backup and entry.digest == "":
                continue  # a special file: nothing to restore it from
            self._restore(rel, entry)
            changed.append(rel)
        return sorted(set(changed))

    def _same(self, rel: str, st: os.stat_result, entry: _Entry) -> bool:
        if stat.S_IFMT(st.st_mode) != stat.S_IFMT(entry.sig[0]):
            return False
        if stat.S_ISLNK(st.st_mode):
            return os.readlink(self.root / rel) == entry.digest
        if not stat.S_ISREG(st.st_mode) or st.st_mode != entry.sig[0]:
            return False
        return self._hash_and_backup(self.root / rel, None) == entry.digest

    def _remove(self, rel: str, is_dir: bool) -> None:
        path = self.root / rel
        if is_dir:
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)

    def _restore(self, rel: str, entry: _Entry) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.parent / f".tripwire-restore-{os.getpid()}"
        tmp.unlink(missing_ok=True)
        if entry.backup:
            shutil.copyfile(self.backup_dir / entry.backup, tmp)
            os.chmod(tmp, stat.S_IMODE(entry.sig[0]))
        else:
            os.symlink(entry.digest, tmp)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        os.replace(tmp, path)
        self.files[rel] = entry._replace(sig=_sig(os.lstat(path)))
