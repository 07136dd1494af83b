"""Owner-only files and folders, temporary names, durable renames, and where the database is.

Everything here is plain stdlib so that `clientdesk backup create` starts without importing
SQLAlchemy (its start-up alone would cost more than copying a 300 MB database).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from clientdesk.errors import DatabaseError, UsageError

CHUNK = 1 << 20  # 1 MiB reads: large enough for full disk speed, small in memory
SIDECARS = ("-wal", "-shm", "-journal")


def sqlite_path(location: str) -> Path:
    """The database file behind a --db value; a server URL is refused with the way out."""
    if "://" not in location:
        return Path(location).expanduser().resolve()
    from clientdesk.storage.engine import resolve_location

    url, path = resolve_location(location)
    if path is None:
        backend = url.get_backend_name()
        tool = "pg_dump / pg_restore" if backend.startswith("postgres") else "its own tools"
        raise UsageError(
            f"backups of a {backend} database are not supported yet (SQLite files only).",
            hint=f"Back it up with {tool}, e.g. `pg_dump -Fc -f clientdesk.dump DBNAME`.",
        )
    return path


def ensure_private_dir(folder: Path) -> list[str]:
    """Create the folder owner-only (0700); for an existing one, warn when others can enter.

    An existing folder is never re-permissioned: it may be a mount point or a shared folder
    the admin chose on purpose. The files in it are owner-only in any case.
    """
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is a file, not a folder.", hint="Give a folder with --dir.")
    if not folder.exists():
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(
                f"cannot create the backup folder {folder}: {exc.strerror}.",
                hint="Choose a folder you can write to with --dir or [backup] dir.",
            ) from None
        return []
    mode = stat.S_IMODE(folder.stat().st_mode)
    if mode & 0o077:
        return [f"{folder} can be opened by other users (mode {mode:o}); run `chmod 700 {folder}`."]
    return []


def create_private(path: Path) -> None:
    """Create an empty file readable by its owner only; fails if it exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)


def temp_path(folder: Path, label: str) -> Path:
    """A hidden name in `folder` that listings never mistake for a finished backup."""
    return folder / f".{label}.{secrets.token_hex(4)}.partial"


def is_temp(path: Path) -> bool:
    return path.name.startswith(".") and path.name.endswith(".partial")


def remove_quietly(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def remove_sidecars(path: Path) -> None:
    """Delete a database's -wal, -shm and -journal files (only call while it is locked)."""
    remove_quietly(*(Path(f"{path}{suffix}") for suffix in SIDECARS))


@contextlib.contextmanager
def cleaned_up(*paths: Path) -> Iterator[None]:
    """Remove these temporary files (and their SQLite sidecars) however the block ends."""
    try:
        yield
    finally:
        for path in paths:
            remove_quietly(path)
            remove_sidecars(path)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # some filesystems cannot sync a folder; nothing to do
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def publish(temp: Path, final: Path) -> None:
    """Give a finished, synced temporary file its final name, never replacing another file."""
    try:
        os.link(temp, final)  # fails if `final` exists: two backups never clobber each other
    except OSError as exc:
        if isinstance(exc, FileExistsError) or exc.errno not in (
            errno.EPERM,
            errno.ENOTSUP,
            errno.EXDEV,
            errno.EMLINK,
        ):
            raise
        if final.exists():
            raise FileExistsError(errno.EEXIST, "exists", str(final)) from None
        os.replace(temp, final)  # no hard links on this filesystem
    else:
        temp.unlink()


def sha256_file(path: Path) -> tuple[str, int]:
    """SHA-256 hex digest and size, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def copy_hashed(source: BinaryIO, target: BinaryIO) -> tuple[str, int]:
    """Copy a stream, returning the SHA-256 and size of what passed through."""
    digest = hashlib.sha256()
    size = 0
    while block := source.read(CHUNK):
        digest.update(block)
        size += len(block)
        target.write(block)
    return digest.hexdigest(), size


def os_problem(exc: OSError, what: str) -> DatabaseError:
    """An OSError as one line naming the file and the fix."""
    name = exc.filename or what
    if exc.errno == errno.ENOSPC:
        return DatabaseError(f"{name}: the disk is full.", hint="Free some space and try again.")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return DatabaseError(
            f"{name}: permission denied ({exc.strerror}).",
            hint="Check the permissions of the file and its folder.",
        )
    return DatabaseError(f"{what}: {name}: {exc.strerror or exc}.")
