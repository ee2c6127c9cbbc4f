"""Atomic file writes: a temporary file in the target's folder, fsynced, then renamed over it."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .errors import OutputError

# Errors that mean "this file cannot be written" even when raised by the caller's own write().
_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS})


def check_writable(path: str | os.PathLike[str]) -> None:
    """Fail fast, before hours of work, if ``path`` could not be written by :func:`atomic_write`."""
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"cannot write {target}: folder {parent} does not exist; create it first")
    if target.is_dir():
        raise OutputError(f"cannot write {target}: it is a folder; give a file name")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {target}: folder {parent} is not writable; check its permissions")


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w", **open_kwargs: Any) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success it replaces ``path`` in one rename.

    On any exception (KeyboardInterrupt included) the temporary file is removed and ``path``
    keeps its previous content, so readers never see a partial file.
    """
    target = Path(path)
    if "b" not in mode:
        open_kwargs.setdefault("encoding", "utf-8")
        open_kwargs.setdefault("newline", "")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"cannot write {target}: folder {parent} does not exist; create it first")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror}; check the folder's permissions") from exc
    tmp = Path(tmp_name)
    body_done = False
    try:
        with os.fdopen(fd, mode, **open_kwargs) as handle:
            yield handle
            body_done = True
            handle.flush()
            os.fsync(handle.fileno())
        # Keep the permissions a plain open() would have given (mkstemp uses 0600).
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError) and (body_done or exc.errno in _WRITE_ERRNOS):
            raise OutputError(f"cannot write {target}: {exc.strerror or exc}; any previous version is kept") from exc
        raise
    sync_folder(parent)


def sync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every system can fsync a folder)."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
