"""What is in a backup folder: `backup list`, and the last good backup for the app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from clientdesk.storage.backup.files import is_temp
from clientdesk.storage.backup.manifest import (
    MANIFEST_SUFFIX,
    Manifest,
    ManifestError,
    read_manifest,
    stem_of,
)


@dataclass(frozen=True)
class BackupEntry:
    """One backup in a folder, as its manifest describes it (None when unreadable)."""

    path: Path  # the data file (or the manifest, when that cannot be read)
    manifest: Manifest | None
    problem: str | None = None  # why it cannot be used as it stands

    @property
    def created_at(self) -> datetime | None:
        return self.manifest.created_at if self.manifest else None

    @property
    def good(self) -> bool:
        return self.problem is None and self.manifest is not None and self.manifest.good

    @property
    def state(self) -> str:
        """A word for `backup list`: verified, checked, unchecked, FAILED or a problem."""
        if self.problem:
            return self.problem
        assert self.manifest is not None
        if self.manifest.verified_ok is True:
            return "verified"
        if self.manifest.verified_ok is False:
            return "FAILED"
        return "checked" if self.manifest.good else "unchecked"

    def as_dict(self) -> dict[str, object]:
        doc: dict[str, object] = {
            "path": str(self.path),
            "state": self.state,
            "good": self.good,
        }
        if self.manifest is not None:
            doc["manifest"] = self.manifest.as_dict()
        return doc


def list_backups(folder: Path) -> list[BackupEntry]:
    """Every backup in `folder`, oldest first; a missing folder holds none.

    Reads only the manifests (and whether each data file is there), so it stays quick for
    hundreds of large backups. Data files without a manifest are listed as incomplete.
    """
    if not folder.is_dir():
        return []
    entries: list[BackupEntry] = []
    named: set[str] = set()
    for item in sorted(folder.iterdir()):
        if is_temp(item) or not item.name.endswith(MANIFEST_SUFFIX):
            continue
        try:
            manifest = read_manifest(item)
        except ManifestError as exc:
            entries.append(BackupEntry(item, None, f"unreadable manifest: {exc.message}"))
            continue
        data = item.with_name(manifest.file)
        named.add(manifest.file)
        problem = None if data.exists() else "data file missing"
        if problem is None and data.stat().st_size != manifest.size:
            problem = "size differs from manifest"
        entries.append(BackupEntry(data, manifest, problem))
    for item in sorted(folder.iterdir()):
        if item.name in named or is_temp(item) or item.name.endswith(MANIFEST_SUFFIX):
            continue
        if item.is_file() and _looks_like_backup(item):
            entries.append(BackupEntry(item, None, "incomplete: no manifest"))
    return sorted(entries, key=_order)


def _looks_like_backup(path: Path) -> bool:
    return ".db" in path.name and stem_of(path) != path.name and "-" in stem_of(path)


def _order(entry: BackupEntry) -> tuple[int, str, int, str]:
    # Backups made in the same second are named stem, stem-2, stem-3...: shorter first.
    stamp = entry.created_at.isoformat() if entry.created_at else ""
    return (0 if entry.created_at else 1, stamp, len(entry.path.name), entry.path.name)


def last_good_backup(folder: Path, source: Path | None = None) -> BackupEntry | None:
    """The newest backup that passed its last check, optionally only of one database.

    For the app: `entry.created_at` (aware UTC) and `entry.path`; None when there is none.
    """
    wanted = str(source.expanduser().resolve()) if source else None
    good = [
        entry
        for entry in list_backups(folder)
        if entry.good and (wanted is None or (entry.manifest and entry.manifest.source == wanted))
    ]
    return good[-1] if good else None
