"""Atomic output files, committed in groups: temporary file, fsync, rename, fsync the folder.

Each sealed PDF is written the way :func:`sealdoc._internal.files.write_atomic` writes one file
(a reader of ``<id>.pdf`` sees no file or the complete one, never a part), but for a whole
chunk of documents at a time: all temporary files are written first, their data is made
durable together (one ``syncfs(2)`` on Linux, else one fsync per file), then each is renamed
and the folder is fsync'ed once. A document then costs a fraction of a millisecond instead of
two flushes of a few milliseconds each. Nothing is reported as sealed before :meth:`commit`
returns, so the ledger never claims a file that a crash could lose.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
from pathlib import Path
from typing import Literal

from sealdoc._internal.files import fsync_directory
from sealdoc.errors import StorageError

__all__ = ["TEMP_PREFIX", "TEMP_SUFFIX", "OutputGroup", "remove_stale_temporaries"]

TEMP_PREFIX = ".sealdoc-"
TEMP_SUFFIX = ".partial"


class OutputGroup:
    """Files staged in ``directory`` and made durable together by :meth:`commit`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._staged: list[tuple[int, Path, Path]] = []  # fd, temporary, final

    def stage(self, name: str, data: bytes) -> Path:
        """Write ``data`` to a temporary file that :meth:`commit` will rename to ``name``."""
        final = self.directory / name
        temp = self.directory / f"{TEMP_PREFIX}{name}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise StorageError(f"{final}: cannot be written ({exc.strerror or exc})") from exc
        self._staged.append((fd, temp, final))
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
        except OSError as exc:
            raise StorageError(f"{final}: cannot be written ({exc.strerror or exc})") from exc
        return final

    def commit(self) -> None:
        """fsync every staged file, rename each into place, fsync the folder."""
        staged, self._staged = self._staged, []
        try:
            _sync([(fd, final) for fd, _temp, final in staged])
            for fd, temp, final in staged:
                os.close(fd)
                try:
                    os.replace(temp, final)
                except OSError as exc:
                    raise StorageError(f"{final}: cannot be written ({exc.strerror})") from exc
            if staged:
                try:
                    fsync_directory(self.directory)
                except OSError as exc:
                    raise StorageError(
                        f"{self.directory}: cannot be synced ({exc.strerror})"
                    ) from exc
        except BaseException:
            _discard(staged)
            raise

    def discard(self) -> None:
        staged, self._staged = self._staged, []
        _discard(staged)


def _syncfs(fd: int) -> bool:
    """``syncfs(2)``: flush the whole file system holding ``fd`` in one call (Linux)."""
    global _libc
    if _libc is False:
        return False
    if _libc is None:
        try:
            _libc = ctypes.CDLL(None, use_errno=True)
            _libc.syncfs  # noqa: B018 - probe that the symbol exists
        except (OSError, AttributeError):
            _libc = False
            return False
    return bool(_libc.syncfs(fd) == 0)


_libc: ctypes.CDLL | Literal[False] | None = None


def _sync(files: list[tuple[int, Path]]) -> None:
    """Make the data of ``files`` durable: one ``syncfs`` for the group, or one fsync each."""
    if not files:
        return
    if len(files) > 1 and _syncfs(files[0][0]):
        return
    for fd, final in files:
        try:
            os.fsync(fd)
        except OSError as exc:
            raise StorageError(f"{final}: cannot be written ({exc.strerror})") from exc


def _discard(staged: list[tuple[int, Path, Path]]) -> None:
    for fd, temp, _final in staged:
        with contextlib.suppress(OSError):
            os.close(fd)
        with contextlib.suppress(OSError):
            temp.unlink()


def remove_stale_temporaries(directory: Path) -> int:
    """Delete temporary files a killed run left behind (call only while holding the lock)."""
    removed = 0
    for path in directory.glob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed += 1
    return removed
