"""`backup prune`: keep backups by a retention policy, with restic's `forget` semantics.

Backups are taken newest first. --keep-last N keeps the N newest. --keep-daily N keeps the
newest backup of each of the N most recent days that have backups (likewise weekly by ISO
week, monthly, yearly), and, while a rule still has count left when the list runs out,
the oldest backup too (restic 0.16+). A backup kept by several rules counts against each.
Days are calendar days in the configured time zone. On top of the policy, the newest good
backup of each database is always kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, TypeVar

from clientdesk.errors import UsageError
from clientdesk.storage.backup.catalog import BackupEntry, list_backups
from clientdesk.storage.backup.files import is_temp, remove_quietly
from clientdesk.storage.backup.manifest import manifest_path

K = TypeVar("K", bound=Hashable)
LEFTOVER_AGE_S = 24 * 3600  # a temporary file this old belongs to no running backup


@dataclass(frozen=True)
class Policy:
    last: int = 0
    daily: int = 0
    weekly: int = 0
    monthly: int = 0
    yearly: int = 0

    def __post_init__(self) -> None:
        for name, value in self.rules():
            if value < 0:
                raise UsageError(f"--keep-{name} must be 0 or more (got {value}).")

    def rules(self) -> list[tuple[str, int]]:
        names = ("last", "daily", "weekly", "monthly", "yearly")
        return [(name, getattr(self, name)) for name in names]

    @property
    def empty(self) -> bool:
        return not any(value for _, value in self.rules())


def _bucket(rule: str, moment: datetime, index: int) -> Hashable:
    if rule == "last":
        return index
    if rule == "daily":
        return moment.date()
    if rule == "weekly":
        return moment.isocalendar()[:2]
    if rule == "monthly":
        return (moment.year, moment.month)
    return moment.year


def plan(
    items: Sequence[tuple[K, datetime]], policy: Policy, zone: tzinfo = UTC
) -> dict[K, list[str]]:
    """Which items the policy keeps, each with its reasons; items not returned go.

    Pure: `items` are (key, aware time) pairs in any order.
    """
    ordered = sorted(items, key=lambda item: item[1], reverse=True)
    counts = dict(policy.rules())
    seen: dict[str, Hashable] = {}
    kept: dict[K, list[str]] = {}
    for index, (key, moment) in enumerate(ordered):
        local = moment.astimezone(zone)
        oldest = index == len(ordered) - 1
        for rule, _ in policy.rules():
            if counts[rule] <= 0:
                continue
            value = _bucket(rule, local, index)
            if rule not in seen or value != seen[rule] or oldest:
                reason = rule if rule not in seen or value != seen[rule] else f"oldest {rule}"
                kept.setdefault(key, []).append(reason)
                seen[rule] = value
                counts[rule] -= 1
    return kept


@dataclass
class GroupPlan:
    source: str
    keep: list[tuple[BackupEntry, list[str]]] = field(default_factory=list)
    remove: list[BackupEntry] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "keep": [{"path": str(e.path), "reasons": why} for e, why in self.keep],
            "remove": [str(e.path) for e in self.remove],
        }


@dataclass
class PruneResult:
    groups: list[GroupPlan]
    skipped: list[BackupEntry]  # no readable manifest: never touched
    leftovers: list[Path]  # stale temporary files of interrupted backups
    dry_run: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "groups": [group.as_dict() for group in self.groups],
            "skipped": [{"path": str(e.path), "problem": e.problem} for e in self.skipped],
            "leftovers": [str(path) for path in self.leftovers],
        }


def prune_backups(
    folder: Path,
    policy: Policy,
    *,
    zone: tzinfo = UTC,
    dry_run: bool = False,
    clock: Callable[[], float] = time.time,
) -> PruneResult:
    """Apply `policy` to each database's backups in `folder` (grouped by their source)."""
    if policy.empty:
        raise UsageError(
            "no --keep-* option given, so every backup would go; nothing was removed.",
            hint="Say what to keep, e.g. --keep-daily 7 --keep-weekly 4 --keep-monthly 12.",
        )
    entries = list_backups(folder)
    skipped = [e for e in entries if e.manifest is None]
    groups: dict[str, list[BackupEntry]] = {}
    for entry in entries:
        if entry.manifest is not None:
            groups.setdefault(entry.manifest.source, []).append(entry)
    plans = [_plan_group(source, members, policy, zone) for source, members in groups.items()]
    leftovers = [
        item
        for item in (sorted(folder.iterdir()) if folder.is_dir() else [])
        if is_temp(item) and clock() - item.stat().st_mtime > LEFTOVER_AGE_S
    ]
    if not dry_run:
        for group in plans:
            for entry in group.remove:
                # Data first: a crash in between leaves a manifest that lists it as missing.
                remove_quietly(entry.path, manifest_path(entry.path))
        remove_quietly(*leftovers)
    return PruneResult(plans, skipped, leftovers, dry_run)


def _plan_group(source: str, members: list[BackupEntry], policy: Policy, zone: tzinfo) -> GroupPlan:
    timed = sorted(
        ((entry, entry.manifest.created_at) for entry in members if entry.manifest),
        key=lambda pair: pair[1],
        reverse=True,
    )
    kept = plan([(entry.path, moment) for entry, moment in timed], policy, zone)
    newest_good = next((entry for entry, _ in timed if entry.good), None)
    if newest_good is not None and newest_good.path not in kept:
        kept[newest_good.path] = ["newest good backup"]
    group = GroupPlan(source)
    for entry, _ in timed:
        if entry.path in kept:
            group.keep.append((entry, kept[entry.path]))
        else:
            group.remove.append(entry)
    return group
