"""The manifest beside each backup, and how backup files are named.

A backup is two files in the backup folder:

    clientdesk-20261128T021500Z.db[.zst|.gz][.enc]   the database copy
    clientdesk-20261128T021500Z.manifest.json        what it holds and how to check it

The manifest is written last, so a backup without one is incomplete and never trusted.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from clientdesk.errors import ClientdeskError
from clientdesk.storage.backup.files import (
    create_private,
    fsync_file,
    publish,
    remove_quietly,
    temp_path,
)

FORMAT = "clientdesk-backup"
FORMAT_VERSION = 1
MANIFEST_SUFFIX = ".manifest.json"
DATA_SUFFIXES = (".enc", ".zst", ".gz", ".db")
STAMP = "%Y%m%dT%H%M%SZ"


class ManifestError(ClientdeskError):
    """A manifest is missing or unreadable."""


@dataclass(frozen=True)
class Manifest:
    file: str  # name of the data file, in the manifest's folder
    created_at: datetime  # UTC, when the snapshot was taken
    program_version: str
    source: str  # the database that was backed up
    schema_revision: str | None
    size: int  # bytes of the stored file
    sha256: str  # of the stored file
    database_size: int
    database_sha256: str  # of the database inside, after decryption and decompression
    row_counts: dict[str, int]
    compression: str = "none"
    encryption: str | None = None  # None, "passphrase" or "key-file"
    # "ok": integrity_check passed at creation; "quick-ok": quick_check passed;
    # "unchecked": a safety copy taken by restore, not checked until `backup verify`.
    integrity: str = "ok"
    reason: str = "manual"  # "manual" or "pre-restore"
    verified_at: datetime | None = None
    verified_ok: bool | None = None
    verify_problem: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def good(self) -> bool:
        """Passed its last check: the one at creation, or a later `backup verify`."""
        if self.verified_ok is not None:
            return self.verified_ok
        return self.integrity in ("ok", "quick-ok")

    def as_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"format": FORMAT, "format_version": FORMAT_VERSION}
        doc |= asdict(self)
        for key in ("created_at", "verified_at"):
            if doc[key] is not None:
                doc[key] = _iso(doc[key])
        extra = doc.pop("extra")
        return doc | extra

    @classmethod
    def from_dict(cls, doc: dict[str, Any], where: str) -> Manifest:
        if doc.get("format") != FORMAT or not isinstance(doc.get("format_version"), int):
            raise ManifestError(f"{where} is not a clientdesk backup manifest.")
        if doc["format_version"] > FORMAT_VERSION:
            raise ManifestError(
                f"{where} was written by a newer clientdesk (manifest format "
                f"{doc['format_version']}).",
                hint="Upgrade clientdesk to read it.",
            )
        names = {f.name for f in fields(cls)} - {"extra"}
        known = {k: v for k, v in doc.items() if k in names}
        extra = {k: v for k, v in doc.items() if k not in names | {"format", "format_version"}}
        try:
            known["created_at"] = _parse_time(known["created_at"])
            if known.get("verified_at"):
                known["verified_at"] = _parse_time(known["verified_at"])
            manifest = cls(**known, extra=extra)
        except (KeyError, TypeError, ValueError) as exc:
            raise ManifestError(f"{where} is damaged ({exc}).") from None
        if Path(manifest.file).name != manifest.file or manifest.file.startswith("."):
            raise ManifestError(f"{where} names a data file outside its folder.")
        return manifest

    def with_verification(self, ok: bool, problem: str | None, at: datetime) -> Manifest:
        return replace(self, verified_at=at, verified_ok=ok, verify_problem=problem)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse_time(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"time {value!r} has no time zone")
    return moment.astimezone(UTC)


def stem_for(database: Path, created_at: datetime, reason: str, attempt: int) -> str:
    stem = f"{database.stem}-{created_at.astimezone(UTC).strftime(STAMP)}"
    if reason != "manual":
        stem += f"-{reason}"
    return stem if attempt == 0 else f"{stem}-{attempt + 1}"


def data_name(stem: str, compression_suffix: str, encrypted: bool) -> str:
    return f"{stem}.db{compression_suffix}{'.enc' if encrypted else ''}"


def stem_of(path: Path) -> str:
    """The backup's stem from its data file or manifest name."""
    name = path.name
    if name.endswith(MANIFEST_SUFFIX):
        return name[: -len(MANIFEST_SUFFIX)]
    for suffix in DATA_SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name


def manifest_path(path: Path) -> Path:
    return path.with_name(stem_of(path) + MANIFEST_SUFFIX)


def read_manifest(path: Path) -> Manifest:
    """The manifest of a backup, given its data file or the manifest itself."""
    where = manifest_path(path)
    try:
        doc = json.loads(where.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(
            f"{path} has no manifest ({where.name} is missing), so it cannot be checked.",
            hint="Only backups made by `clientdesk backup create` can be verified or restored.",
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(f"{where} cannot be read ({exc}).") from None
    if not isinstance(doc, dict):
        raise ManifestError(f"{where} is not a clientdesk backup manifest.")
    return Manifest.from_dict(doc, str(where))


def write_manifest(folder: Path, stem: str, manifest: Manifest, *, replace_ok: bool) -> Path:
    """Write atomically and owner-only; replace_ok=False never overwrites another manifest."""
    final = folder / (stem + MANIFEST_SUFFIX)
    temp = temp_path(folder, stem + ".manifest")
    try:
        create_private(temp)
        text = json.dumps(manifest.as_dict(), indent=2, ensure_ascii=False, sort_keys=True)
        temp.write_text(text + "\n", encoding="utf-8")
        fsync_file(temp)
        if replace_ok:
            os.replace(temp, final)
        else:
            publish(temp, final)
    finally:
        remove_quietly(temp)
    return final
