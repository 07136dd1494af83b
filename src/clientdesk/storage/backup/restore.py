"""`clientdesk restore`: replace the database with a verified backup, keeping a safety copy.

Order, so that a failure at any step leaves the database exactly as it was:
1. check the backup (hash, decryption, integrity, schema) into a temporary file beside
   the database; refuse a backup from a newer clientdesk;
2. migrate that temporary copy if it is from an older schema;
3. take the database exclusively (refused while any other program has it open);
4. copy the current database into the backup folder as a pre-restore backup;
5. remove its -wal/-shm/-journal files and rename the new file over it (atomic).
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from clientdesk import __version__
from clientdesk.errors import ClientdeskError, DatabaseError, SchemaTooNewError
from clientdesk.storage.backup.codec import encode
from clientdesk.storage.backup.create import publish_backup
from clientdesk.storage.backup.crypto import Secret
from clientdesk.storage.backup.files import (
    cleaned_up,
    create_private,
    ensure_private_dir,
    fsync_dir,
    fsync_file,
    os_problem,
    remove_sidecars,
    sha256_file,
    sqlite_path,
    temp_path,
)
from clientdesk.storage.backup.lock import DEFAULT_WAIT_S, ensure_not_in_use, exclusive_lock
from clientdesk.storage.backup.manifest import Manifest, read_manifest
from clientdesk.storage.backup.snapshot import (
    read_only,
    row_counts,
    schema_revision,
    sqlite_problem,
    table_names,
)
from clientdesk.storage.backup.verify import (
    VerifyResult,
    check_inside,
    check_size,
    data_path,
    extract,
    hashing_beside,
    record_verification,
)


@dataclass(frozen=True)
class RestoreResult:
    database: Path
    backup: Path
    revision: str  # of the database now in place
    migrated_from: str | None  # the backup's older revision, when it was migrated
    safety_copy: Path | None  # the database as it was, as a backup; None if there was none
    seconds: float
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "database": str(self.database),
            "backup": str(self.backup),
            "revision": self.revision,
            "migrated_from": self.migrated_from,
            "safety_copy": str(self.safety_copy) if self.safety_copy else None,
            "seconds": round(self.seconds, 3),
            "notes": self.notes,
        }


def restore_backup(
    backup: Path,
    database: str | Path,
    folder: Path,
    *,
    secret: Secret | None = None,
    wait_seconds: float = DEFAULT_WAIT_S,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> RestoreResult:
    """Replace `database` with the contents of `backup`; the safety copy goes to `folder`."""
    started = time.perf_counter()
    target = sqlite_path(str(database))
    manifest = read_manifest(backup)
    data = data_path(backup, manifest)
    check_size(data, manifest)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    existed = target.exists()
    try:
        with contextlib.ExitStack() as stack:
            # The backup's hash is checked while it is copied out; a changed hash is the
            # reason given before any other (a newer schema, a database in use).
            with hashing_beside(data, manifest):
                _refuse_newer(manifest, data)
                if existed:
                    ensure_not_in_use(target, wait_seconds=wait_seconds)
                plain = extract(data, manifest, secret, target.parent)
                stack.enter_context(cleaned_up(plain))  # also when the hash then differs
            check_inside(plain, manifest, data)
            record_verification(data, manifest, VerifyResult(data, "ok"), now())
            migrated_from = _bring_up_to_date(plain, manifest)
            safety = None
            if existed:
                with exclusive_lock(target, wait_seconds=wait_seconds) as held:
                    safety = _safety_copy(held, target, folder, secret, now())
                    _swap(plain, target)
            else:
                _swap(plain, target)
    except OSError as exc:
        raise os_problem(exc, f"restoring {target}") from None
    except sqlite3.Error as exc:
        raise sqlite_problem(exc, str(target)) from None
    notes = [] if existed else ["there was no database at that path, so no safety copy"]
    revision = manifest.schema_revision if migrated_from is None else _head()
    elapsed = time.perf_counter() - started
    return RestoreResult(target, data, str(revision), migrated_from, safety, elapsed, notes)


def _head() -> str:
    from clientdesk.storage import migrate

    return migrate.head_revision()


def _refuse_newer(manifest: Manifest, data: Path) -> None:
    """A backup from a newer clientdesk cannot be opened by this one: refuse it up front."""
    from clientdesk.storage import migrate

    revision = manifest.schema_revision
    if revision not in migrate.known_revisions():
        raise SchemaTooNewError(
            f"{data} was made by a newer clientdesk (schema {revision}, made with "
            f"clientdesk {manifest.program_version}); this is clientdesk {__version__}. "
            "Nothing was changed.",
            hint="Upgrade clientdesk (pip install -U clientdesk), then restore it.",
        )


def _bring_up_to_date(plain: Path, manifest: Manifest) -> str | None:
    """Migrate the restored copy, before it is put in place, if its schema is older."""
    from clientdesk.storage import migrate
    from clientdesk.storage.database import open_database

    revision = manifest.schema_revision
    if revision == migrate.head_revision():
        return None
    try:
        opened = open_database(str(plain), create=False, upgrade=True)
    except ClientdeskError:
        raise
    except Exception as exc:  # a failing migration: report it, the database is untouched
        raise DatabaseError(
            f"migrating the backup from schema {revision} failed ({exc}); nothing was changed.",
            hint="Restore it with the clientdesk version that made it "
            f"({manifest.program_version}), or report this.",
        ) from None
    opened.dispose()  # the last connection closing folds its WAL back into the file
    remove_sidecars(plain)
    return revision


def _safety_copy(
    held: sqlite3.Connection | None,
    target: Path,
    folder: Path,
    secret: Secret | None,
    at: datetime,
) -> Path:
    """The current database as a pre-restore backup in `folder` (encrypted like the backup).

    Read through `held`, the connection holding the lock (see lock.py for why).
    """
    ensure_private_dir(folder)
    # Plaintext stays beside the database when the safety copy is to be encrypted.
    plain = temp_path(target.parent if secret else folder, f"{target.name}.before")
    stored = temp_path(folder, f"{target.stem}.before") if secret else plain
    with cleaned_up(plain, stored):
        create_private(plain)
        if held is None:  # not a readable database: keep its bytes as they are
            shutil.copyfile(target, plain)
            revision, counts = None, dict[str, int]()
        else:
            copy = sqlite3.connect(plain, isolation_level=None)
            try:
                copy.execute("PRAGMA journal_mode = OFF")
                held.backup(copy, pages=-1)
                copy.execute("PRAGMA journal_mode = DELETE")
            finally:
                copy.close()
            revision, counts = _facts(plain)
        if secret:
            create_private(stored)
            digests = encode(plain, stored, compression="none", secret=secret)
            stored_sha, stored_size = digests.stored_sha256, digests.stored_size
            db_sha, db_size = digests.db_sha256, digests.db_size
        else:
            stored_sha, stored_size = sha256_file(plain)
            db_sha, db_size = stored_sha, stored_size
        fsync_file(stored)
        manifest = Manifest(
            file="",
            created_at=at,
            program_version=__version__,
            source=str(target),
            schema_revision=revision,
            size=stored_size,
            sha256=stored_sha,
            database_size=db_size,
            database_sha256=db_sha,
            row_counts=counts,
            encryption=secret.kind if secret else None,
            integrity="unchecked",
        )
        final, _, _ = publish_backup(folder, target, stored, manifest, reason="pre-restore")
    return final


def _facts(path: Path) -> tuple[str | None, dict[str, int]]:
    """Schema revision and row counts of the old database, as far as they can be read."""
    try:
        with read_only(path) as conn:
            tables = table_names(conn)
            return schema_revision(conn, tables, str(path)), row_counts(conn, tables)
    except (sqlite3.Error, ClientdeskError, UnicodeDecodeError):  # kept all the same if damaged
        return None, {}


def _swap(plain: Path, target: Path) -> None:
    """Put the new file in place: stale sidecars first, so no one reads them with it."""
    remove_sidecars(target)
    plain.chmod(0o600)
    plain.replace(target)
    fsync_dir(target.parent)
