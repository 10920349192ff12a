"""Walking an archive: which files it holds, under which normalised names, with which digest.

* Paths are relative to the archive root, ``/``-separated, Unicode NFC, sorted by their UTF-8
  bytes (the same order on every platform).
* Symbolic links are never followed (neither to files nor to directories) and special files
  (FIFOs, sockets, devices) are never opened: both are listed in ``skipped``.
* A file whose name is not valid UTF-8, or two names that become equal once normalised, cannot
  be recorded faithfully: they are listed in ``skipped`` with the reason, and
  :func:`sealdoc.audit.manifest.build_manifest` refuses to seal an archive that has them.
* The renewal journal (:data:`JOURNAL_NAME`) at the archive root and paths in ``exclude`` (the
  manifest being written) are not part of the archive.
"""

from __future__ import annotations

import hashlib
import os
import stat
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sealdoc.errors import InputError

__all__ = [
    "JOURNAL_NAME",
    "ArchiveFile",
    "ArchiveScan",
    "SkippedPath",
    "hash_file",
    "hash_prefix",
    "normalise_path",
    "scan_archive",
]

#: File name of the renewal journal kept at the archive root (never part of the archive).
JOURNAL_NAME = ".sealdoc-renewal.journal"

_CHUNK = 1 << 20


@dataclass(frozen=True)
class ArchiveFile:
    """A regular file of the archive."""

    path: str  # normalised relative path
    location: Path  # where it is on disk
    sha256: str
    size: int


@dataclass(frozen=True)
class SkippedPath:
    path: str
    reason: str


@dataclass(frozen=True)
class ArchiveScan:
    root: Path
    files: tuple[ArchiveFile, ...]
    skipped: tuple[SkippedPath, ...] = field(default=())

    def by_path(self) -> dict[str, ArchiveFile]:
        return {f.path: f for f in self.files}

    @property
    def unrecordable(self) -> tuple[SkippedPath, ...]:
        """Regular files that exist but cannot be named faithfully in a manifest."""
        return tuple(s for s in self.skipped if not s.reason.startswith(("symbolic", "special")))


def normalise_path(relative: str) -> str:
    """``a\\b/./c`` style names to ``a/b/c``, NFC. Raises ``ValueError`` for names a manifest
    cannot hold (``..``, absolute, empty)."""
    parts = [p for p in relative.replace(os.sep, "/").split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts) or relative.startswith("/"):
        raise ValueError(f"{relative!r} is not a relative path inside the archive")
    return unicodedata.normalize("NFC", "/".join(parts))


def hash_file(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, read in chunks, without following a final symlink."""
    digest = hashlib.sha256()
    size = 0
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from exc
    with os.fdopen(fd, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def hash_prefix(path: Path, length: int) -> str | None:
    """SHA-256 of the first ``length`` bytes, or ``None`` if the file is shorter."""
    digest = hashlib.sha256()
    remaining = length
    try:
        with path.open("rb") as handle:
            while remaining > 0:
                chunk = handle.read(min(_CHUNK, remaining))
                if not chunk:
                    return None
                digest.update(chunk)
                remaining -= len(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def _sort_key(path: str) -> bytes:
    return path.encode("utf-8")


def scan_archive(
    root: Path, *, exclude: Iterable[Path] = (), with_digests: bool = True
) -> ArchiveScan:
    """List (and hash, unless ``with_digests`` is false) every regular file under ``root``."""
    if not root.is_dir():
        raise InputError(f"{root}: not a directory")
    excluded = {os.path.realpath(p) for p in exclude}
    excluded.add(os.path.realpath(root / JOURNAL_NAME))
    files: dict[str, ArchiveFile] = {}
    skipped: list[SkippedPath] = []
    base = os.fspath(root)

    def on_error(exc: OSError) -> None:
        raise InputError(f"{exc.filename}: cannot be listed ({exc.strerror})")

    for directory, dirnames, filenames in os.walk(base, followlinks=False, onerror=on_error):
        rel_dir = os.path.relpath(directory, base)
        for name in list(dirnames):
            full = os.path.join(directory, name)
            if os.path.islink(full):
                dirnames.remove(name)
                skipped.append(SkippedPath(_display(rel_dir, name), "symbolic link (not followed)"))
        dirnames.sort()
        for name in sorted(filenames):
            full = os.path.join(directory, name)
            if os.path.realpath(full) in excluded and not os.path.islink(full):
                continue
            shown = _display(rel_dir, name)
            try:
                info = os.lstat(full)
            except OSError as exc:
                raise InputError(f"{full}: cannot be read ({exc.strerror})") from exc
            if stat.S_ISLNK(info.st_mode):
                skipped.append(SkippedPath(shown, "symbolic link (not followed)"))
                continue
            if not stat.S_ISREG(info.st_mode):
                skipped.append(SkippedPath(shown, "special file (not a regular file)"))
                continue
            try:
                shown.encode("utf-8")
            except UnicodeEncodeError:
                skipped.append(SkippedPath(ascii(shown), "file name is not valid UTF-8"))
                continue
            path = normalise_path(shown)
            if path in files:
                skipped.append(
                    SkippedPath(shown, f"same normalised name as {files[path].location.name!r}")
                )
                continue
            if with_digests:
                sha256, size = hash_file(Path(full))
            else:
                sha256, size = "", info.st_size
            files[path] = ArchiveFile(path=path, location=Path(full), sha256=sha256, size=size)
    ordered = tuple(sorted(files.values(), key=lambda f: _sort_key(f.path)))
    return ArchiveScan(root=root, files=ordered, skipped=tuple(skipped))


def _display(rel_dir: str, name: str) -> str:
    return name if rel_dir == "." else f"{rel_dir.replace(os.sep, '/')}/{name}"
