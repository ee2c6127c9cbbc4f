"""An exclusive lock beside an output file, so two runs never write the same result at once."""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from .errors import OutputError

LOCK_SUFFIX = ".lock"


class OutputLock:
    """Holds ``FILE.lock`` (``flock``, released by the kernel when the process dies) with its owner's pid."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.path = target.with_name(target.name + LOCK_SUFFIX)
        self._fd: int | None = None

    def acquire(self) -> OutputLock:
        """Take the lock or raise OutputError naming the process that holds it."""
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError as exc:
                raise OutputError(f"cannot write {self.path}: {exc.strerror}; check the folder") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                owner = _read_owner(fd)
                os.close(fd)
                who = f"process {owner}" if owner else "another process"
                raise OutputError(
                    f"{self.target} is being written by another framing run ({who}); "
                    "wait for it to finish, or write to another file"
                ) from None
            # A finishing run removes the lock file; if ours was removed meanwhile, lock the new one.
            if _same_file(fd, self.path):
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        self._fd = fd
        return self

    def release(self, *, remove: bool) -> None:
        """Give the lock up; ``remove`` deletes the lock file too (the run is complete)."""
        if self._fd is None:
            return
        if remove:
            with contextlib.suppress(OSError):
                self.path.unlink()
        os.close(self._fd)  # closing the descriptor releases the flock
        self._fd = None


def _read_owner(fd: int) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        return int(os.pread(fd, 32, 0).decode("ascii").strip())
    return None


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = path.stat()
    except OSError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino)
