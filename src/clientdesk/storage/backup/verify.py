"""`backup verify`: re-hash a backup, open it, and integrity-check the database inside.

The result is written back into the manifest (verified_at / verified_ok) so that `backup
list`, prune and the app know which backups are good without checking them again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from clientdesk.errors import ClientdeskError, UsageError
from clientdesk.storage.backup.codec import decode
from clientdesk.storage.backup.crypto import Secret
from clientdesk.storage.backup.files import (
    cleaned_up,
    create_private,
    remove_quietly,
    sha256_file,
    temp_path,
)
from clientdesk.storage.backup.manifest import (
    Manifest,
    ManifestError,
    read_manifest,
    stem_of,
    write_manifest,
)
from clientdesk.storage.backup.snapshot import check_copy


class BackupDamagedError(ClientdeskError):
    """A backup failed a check: its hash, its decryption, or the database inside."""


@dataclass
class VerifyResult:
    path: Path
    status: str  # "ok", "failed" or "needs-key"
    problems: list[str] = field(default_factory=list)
    manifest: Manifest | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def as_dict(self) -> dict[str, object]:
        return {"path": str(self.path), "status": self.status, "problems": self.problems}


def data_path(path: Path, manifest: Manifest) -> Path:
    """The data file of a backup named by its data file or by its manifest."""
    return path.with_name(manifest.file)


def check_stored(data: Path, manifest: Manifest) -> None:
    """Size and SHA-256 of the stored file against the manifest."""
    check_size(data, manifest)
    check_hash(data, manifest)


def check_size(data: Path, manifest: Manifest) -> None:
    if not data.exists():
        raise BackupDamagedError(f"{data} is missing (its manifest is still there).")
    size = data.stat().st_size
    if size != manifest.size:
        raise BackupDamagedError(
            f"{data} is {size:,} bytes, but {manifest.size:,} were written: "
            "it was cut short or changed."
        )


def check_hash(data: Path, manifest: Manifest) -> None:
    sha, _ = sha256_file(data)
    if sha != manifest.sha256:
        raise BackupDamagedError(f"{data} has changed since it was made (SHA-256 differs).")


@contextlib.contextmanager
def hashing_beside(data: Path, manifest: Manifest) -> Iterator[None]:
    """Check the stored file's SHA-256 in a thread while the block works on it.

    Hashing releases the GIL, so it costs little beside an integrity check or a copy. A
    changed hash is the reason given, whatever else went wrong in the block, and the block
    is not trusted until the hash is known to match.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hash") as pool:
        hashed = pool.submit(check_hash, data, manifest)
        try:
            yield
        except BaseException:
            hashed.result()  # raises the changed hash in place of the block's error
            raise
        hashed.result()


def extract(data: Path, manifest: Manifest, secret: Secret | None, scratch: Path) -> Path:
    """The database inside a checked backup, as a temporary owner-only file in `scratch`.

    The caller removes it (storage.backup.files.cleaned_up).
    """
    if manifest.encryption and secret is None:
        raise UsageError(
            f"{data} is encrypted with a {manifest.encryption.replace('-', ' ')}.",
            hint="Pass --passphrase-file FILE or --key-file FILE (or run it in a terminal "
            "to be asked for the passphrase).",
        )
    plain = temp_path(scratch, f"{stem_of(data)}.open")
    create_private(plain)
    try:
        digests = decode(
            data,
            plain,
            compression=manifest.compression,
            secret=secret if manifest.encryption else None,
            where=str(data),
        )
        if digests.db_sha256 != manifest.database_sha256:
            raise BackupDamagedError(
                f"the database inside {data} differs from the one backed up (SHA-256)."
            )
    except BaseException:
        remove_quietly(plain)
        raise
    return plain


def check_inside(database: Path, manifest: Manifest, where: Path, *, full: bool = True) -> None:
    """Integrity check of the database in a backup, and that it is what the manifest says."""
    problems, revision, counts = check_copy(database, full=full)
    if problems:
        raise BackupDamagedError(
            f"the database in {where} fails its integrity check: {problems[0]}"
        )
    if revision != manifest.schema_revision or counts != manifest.row_counts:
        raise BackupDamagedError(
            f"the database in {where} does not match its manifest (schema or row counts)."
        )


def verify_backup(
    path: Path,
    *,
    secret: Secret | None = None,
    scratch: Path | None = None,
    record: bool = True,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> VerifyResult:
    """Check one backup (named by its data file or its manifest); never raises for damage.

    `scratch` is the folder for the temporary plain copy of a compressed or encrypted
    backup (default: the backup's folder). Pass the database's folder for encrypted
    backups, so that their plaintext never lands in the backup folder.
    """
    try:
        manifest = read_manifest(path)
    except ManifestError as exc:
        return VerifyResult(path, "failed", [str(exc)])
    data = data_path(path, manifest)
    result = VerifyResult(data, "ok", [], manifest)
    try:
        check_size(data, manifest)
        with hashing_beside(data, manifest):
            if manifest.compression == "none" and not manifest.encryption:
                check_inside(data, manifest, data)
            else:
                plain = extract(data, manifest, secret, scratch or data.parent)
                with cleaned_up(plain):
                    check_inside(plain, manifest, data)
    except UsageError as exc:
        return VerifyResult(data, "needs-key", [str(exc)], manifest)
    except ClientdeskError as exc:
        result = VerifyResult(data, "failed", [str(exc)], manifest)
    except OSError as exc:
        result = VerifyResult(data, "failed", [f"{data}: {exc.strerror or exc}"], manifest)
    if record:
        result.manifest = record_verification(data, manifest, result, now())
    return result


def record_verification(
    data: Path, manifest: Manifest, result: VerifyResult, at: datetime
) -> Manifest:
    """Note the outcome in the manifest; a read-only backup folder is simply left as it is."""
    updated = manifest.with_verification(
        result.ok, result.problems[0] if result.problems else None, at
    )
    with contextlib.suppress(OSError):
        write_manifest(data.parent, stem_of(data), updated, replace_ok=True)
        return updated
    return manifest
