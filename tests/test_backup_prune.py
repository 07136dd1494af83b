"""Retention: exactly the backups restic's forget policy keeps, and never the newest good one."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from clientdesk.errors import UsageError
from clientdesk.storage.backup import Policy, create_backup, list_backups, prune_backups
from clientdesk.storage.backup.manifest import manifest_path, read_manifest, write_manifest
from clientdesk.storage.backup.prune import plan
from test_backup_support import clock, demo_database

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(stamp: str) -> datetime:
    """'2026-03-15 02:00' in UTC."""
    return datetime.strptime(stamp, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


@dataclass(frozen=True)
class Case:
    id: str
    backups: list[str]  # UTC times, any order
    policy: Policy
    kept: list[str]  # the times kept, newest first
    zone: tzinfo = UTC


NIGHTLY = [f"2026-03-{day:02d} 02:00" for day in range(1, 16)]  # 1st .. 15th March
CASES = [
    Case("last-3", NIGHTLY, Policy(last=3), NIGHTLY[:-4:-1]),
    Case("last-more-than-there-are", NIGHTLY[:2], Policy(last=5), NIGHTLY[1::-1]),
    Case(
        "daily-keeps-newest-of-each-day",
        [
            "2026-03-14 01:00",
            "2026-03-14 23:00",
            "2026-03-15 08:00",
            "2026-03-15 09:00",
            "2026-03-13 12:00",
            "2026-03-12 12:00",
        ],
        Policy(daily=3),
        ["2026-03-15 09:00", "2026-03-14 23:00", "2026-03-13 12:00"],
    ),
    Case(
        "daily-with-count-left-also-keeps-the-oldest",
        ["2026-03-15 09:00", "2026-03-15 08:00", "2026-03-14 23:00", "2026-03-14 01:00"],
        Policy(daily=7),
        ["2026-03-15 09:00", "2026-03-14 23:00", "2026-03-14 01:00"],
    ),
    Case(
        "weekly-by-iso-week-across-new-year",
        [
            "2025-12-27 02:00",
            "2025-12-28 02:00",
            "2025-12-29 02:00",
            "2026-01-04 02:00",
            "2026-01-05 02:00",
            "2026-01-06 02:00",
        ],
        Policy(weekly=2),
        ["2026-01-06 02:00", "2026-01-04 02:00"],  # 2026-W02, then 2026-W01 (from 29 Dec)
    ),
    Case(
        "monthly",
        [
            "2026-01-10 02:00",
            "2026-01-31 02:00",
            "2026-02-01 02:00",
            "2026-02-28 02:00",
            "2026-03-01 02:00",
            "2026-03-15 02:00",
        ],
        Policy(monthly=2),
        ["2026-03-15 02:00", "2026-02-28 02:00"],
    ),
    Case(
        "yearly",
        ["2024-06-01 02:00", "2025-01-01 02:00", "2025-12-31 02:00", "2026-03-15 02:00"],
        Policy(yearly=2),
        ["2026-03-15 02:00", "2025-12-31 02:00"],
    ),
    Case(
        "rules-combine-and-each-counts-the-backups-it-keeps",
        NIGHTLY,
        Policy(last=2, daily=4, weekly=3),
        # last: 15, 14; daily: 15, 14, 13, 12; weekly by ISO week: 15 (W11), 8 (W10), and
        # 1 (W09: the 1st of March 2026 is a Sunday)
        [
            "2026-03-15 02:00",
            "2026-03-14 02:00",
            "2026-03-13 02:00",
            "2026-03-12 02:00",
            "2026-03-08 02:00",
            "2026-03-01 02:00",
        ],
    ),
    Case(
        "days-follow-the-time-zone",
        ["2026-03-14 14:00", "2026-03-14 15:00", "2026-03-14 17:00"],
        Policy(daily=2),
        ["2026-03-14 17:00", "2026-03-14 15:00"],  # 01:00 on the 15th, 23:00 on the 14th
        SHANGHAI,
    ),
    Case(
        "the-same-times-are-one-day-in-utc",
        ["2026-03-14 14:00", "2026-03-14 15:00", "2026-03-14 17:00"],
        Policy(daily=2),
        ["2026-03-14 17:00", "2026-03-14 14:00"],  # one day, then the oldest (count left)
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_policy_keeps_exactly_what_restic_would(case: Case) -> None:
    items = [(stamp, at(stamp)) for stamp in case.backups]
    kept = plan(items, case.policy, case.zone)
    assert sorted(kept, key=at, reverse=True) == case.kept


def test_reasons_name_the_rules() -> None:
    kept = plan([(s, at(s)) for s in NIGHTLY[-3:]], Policy(last=1, daily=5))
    assert kept == {
        "2026-03-15 02:00": ["last", "daily"],
        "2026-03-14 02:00": ["daily"],
        "2026-03-13 02:00": ["daily"],
    }


def test_negative_counts_and_an_empty_policy_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--keep-daily"):
        Policy(daily=-1)
    with pytest.raises(UsageError, match="no --keep-"):
        prune_backups(tmp_path, Policy())


@pytest.fixture
def made(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> list[Path]:
    """Six nightly backups, 10th to 15th March, oldest first."""
    source = demo_database(tmp_path_factory, tmp_path / "clientdesk.db")
    now = clock(*(at(f"2026-03-{day} 02:00") for day in range(10, 16)))
    return [create_backup(source, tmp_path / "b", now=now).path for _ in range(6)]


def test_prune_removes_data_and_manifest_of_what_the_policy_drops(
    made: list[Path], tmp_path: Path
) -> None:
    folder = tmp_path / "b"
    dry = prune_backups(folder, Policy(last=2), dry_run=True)
    assert [e.path for e in dry.groups[0].remove] == made[3::-1]
    assert len(list(folder.iterdir())) == 12  # nothing removed in a dry run

    result = prune_backups(folder, Policy(last=2))
    assert [e.path for e, _ in result.groups[0].keep] == [made[5], made[4]]
    survivors = [made[4], made[5], manifest_path(made[4]), manifest_path(made[5])]
    assert sorted(folder.iterdir()) == sorted(survivors)
    json.dumps(result.as_dict())  # serialisable for --json


def test_newest_good_backup_is_kept_even_when_the_policy_would_drop_it(
    made: list[Path], tmp_path: Path
) -> None:
    folder = tmp_path / "b"
    for path in made[3:]:  # the three newest failed their last verification
        failed = read_manifest(path).with_verification(False, "damaged", at("2026-03-16 00:00"))
        write_manifest(folder, path.name.removesuffix(".db"), failed, replace_ok=True)
    result = prune_backups(folder, Policy(last=1))
    kept = {e.path: why for e, why in result.groups[0].keep}
    assert kept == {made[5]: ["last"], made[2]: ["newest good backup"]}
    assert [e.path for e in list_backups(folder)] == [made[2], made[5]]


def test_each_database_is_pruned_on_its_own(
    made: list[Path], tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    other = demo_database(tmp_path_factory, tmp_path / "other.db")
    mine = create_backup(other, tmp_path / "b", now=clock(at("2026-03-01 02:00"))).path
    result = prune_backups(tmp_path / "b", Policy(last=1))
    assert {g.source: [e.path for e, _ in g.keep] for g in result.groups} == {
        str(tmp_path / "clientdesk.db"): [made[5]],
        str(other): [mine],
    }


def test_incomplete_backups_are_left_alone_and_old_leftovers_cleared(
    made: list[Path], tmp_path: Path
) -> None:
    folder = tmp_path / "b"
    orphan = folder / "clientdesk-20260301T020000Z.db"
    orphan.write_bytes(b"no manifest")
    stale = folder / ".clientdesk.backup.0a1b2c3d.partial"
    fresh = folder / ".clientdesk.backup.4e5f6a7b.partial"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"x")
    day_ago = time.time() - 25 * 3600
    os.utime(stale, (day_ago, day_ago))
    result = prune_backups(folder, Policy(last=6))
    assert [e.path for e in result.skipped] == [orphan]
    assert result.leftovers == [stale]
    assert orphan.exists() and fresh.exists() and not stale.exists()
