"""`backup create`: a checked copy of the live database, published under its final name last."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from clientdesk import __version__
from clientdesk.errors import CorruptDatabaseError, UsageError
from clientdesk.storage.backup.codec import COMPRESSIONS, SUFFIX, Digests, encode
from clientdesk.storage.backup.crypto import Secret
from clientdesk.storage.backup.files import (
    cleaned_up,
    create_private,
    ensure_private_dir,
    fsync_dir,
    fsync_file,
    os_problem,
    publish,
    remove_quietly,
    sha256_file,
    sqlite_path,
    temp_path,
)
from clientdesk.storage.backup.manifest import (
    MANIFEST_SUFFIX,
    Manifest,
    data_name,
    stem_for,
    write_manifest,
)
from clientdesk.storage.backup.snapshot import check_copy, describe_source, online_copy


@dataclass(frozen=True)
class BackupResult:
    path: Path  # the backup file
    manifest_path: Path
    manifest: Manifest
    seconds: float
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "manifest_path": str(self.manifest_path),
            "seconds": round(self.seconds, 3),
            "warnings": self.warnings,
            "manifest": self.manifest.as_dict(),
        }


def _utcnow() -> datetime:
    return datetime.now(UTC)


def create_backup(
    database: str | Path,
    folder: Path,
    *,
    compression: str = "none",
    secret: Secret | None = None,
    full_check: bool = False,
    now: Callable[[], datetime] = _utcnow,
) -> BackupResult:
    """Back up the SQLite database `database` (a path or URL) into `folder`.

    Safe while other processes write: the copy is one read transaction. The copy passes
    SQLite's quick_check (integrity_check with full_check=True) before it is kept; its
    file appears under its final name only once it is complete and synced, and the
    manifest after it. Raises a ClientdeskError with the reason otherwise, keeping nothing.

    Why quick_check by default: the copy is page for page what SQLite read, so what can go
    wrong between the database and the backup file (a short or failed write, a flipped
    byte, a full disk) is in the pages, and quick_check reads every page of every b-tree,
    the freelist and every row's NOT NULL and CHECK constraints. What only the full check
    adds (every index entry matched against its row) is a property of the database the
    copy came from, which `clientdesk db check` tests; `backup verify` and `restore`
    always run the full check. On the 1 GB demo database the full check is ~6x the copy.
    """
    if compression not in COMPRESSIONS:
        raise UsageError(
            f"unknown compression {compression!r}.", hint=f"Use one of {', '.join(COMPRESSIONS)}."
        )
    started = time.perf_counter()
    source = sqlite_path(str(database))
    describe_source(source)
    warnings = ensure_private_dir(folder)
    created_at = now()
    encoded = compression != "none" or secret is not None
    # Plaintext of an encrypted backup stays beside the database, never in the backup folder.
    plain = temp_path(source.parent if secret else folder, f"{source.name}.copy")
    stored = temp_path(folder, f"{source.stem}.backup") if encoded else plain
    try:
        with cleaned_up(plain, stored):
            create_private(plain)
            if encoded:
                create_private(stored)
            online_copy(source, plain)

            def digest() -> Digests:
                if encoded:
                    digests = encode(plain, stored, compression=compression, secret=secret)
                    fsync_file(stored)
                    return digests
                sha, size = sha256_file(plain)
                return Digests(sha, size, sha, size)

            # Hashing (or compressing), syncing and the check run side by side: all of them
            # release the GIL, and syncing mostly waits on the disk, so on two cores the
            # whole costs little more than the longest of them.
            with ThreadPoolExecutor(max_workers=2) as pool:
                pending = pool.submit(digest)
                synced = None if encoded else pool.submit(fsync_file, plain)
                problems, revision, counts = check_copy(plain, full=full_check)
                digests = pending.result()
                if synced is not None:
                    synced.result()
            if problems:
                raise CorruptDatabaseError(
                    f"the copy of {source} fails SQLite's integrity check "
                    f"({problems[0]}); no backup was kept.",
                    hint="The database itself is damaged: run `clientdesk db check`, "
                    "and keep your earlier backups.",
                )
            manifest = Manifest(
                file="",
                created_at=created_at,
                program_version=__version__,
                source=str(source),
                schema_revision=revision,
                size=digests.stored_size,
                sha256=digests.stored_sha256,
                database_size=digests.db_size,
                database_sha256=digests.db_sha256,
                row_counts=counts,
                compression=compression,
                encryption=secret.kind if secret else None,
                integrity="ok" if full_check else "quick-ok",
            )
            final, manifest_file, manifest = publish_backup(folder, source, stored, manifest)
    except OSError as exc:
        raise os_problem(exc, f"backing up {source}") from None
    return BackupResult(final, manifest_file, manifest, time.perf_counter() - started, warnings)


def publish_backup(
    folder: Path, source: Path, stored: Path, manifest: Manifest, *, reason: str = "manual"
) -> tuple[Path, Path, Manifest]:
    """Give a finished, synced backup file its timestamped name, then write its manifest."""
    suffix = SUFFIX[manifest.compression]
    for attempt in range(1000):
        stem = stem_for(source, manifest.created_at, reason, attempt)
        final = folder / data_name(stem, suffix, manifest.encryption is not None)
        if (folder / (stem + MANIFEST_SUFFIX)).exists():
            continue
        try:
            publish(stored, final)
        except FileExistsError:
            continue  # another backup took this second's name: take the next
        break
    else:  # pragma: no cover - a thousand backups of one database in one second
        raise UsageError(f"too many backups of {source} at {manifest.created_at}.")
    manifest = replace(manifest, file=final.name, reason=reason)
    try:
        manifest_file = write_manifest(folder, stem, manifest, replace_ok=False)
    except BaseException:
        remove_quietly(final)
        raise
    fsync_dir(folder)
    return final, manifest_file, manifest
