"""The .ics export read back by the icalendar library, field by field."""

from __future__ import annotations

import io
import stat
from datetime import UTC, date, timedelta
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from sqlmodel import Session

from clientdesk.domain import Contract, Visit
from clientdesk.domain.visits import (
    VisitLog,
    cancel_visit,
    log_unplanned_visit,
    plan_visit,
    reschedule_visit,
)
from clientdesk.errors import UsageError
from clientdesk.exchange.ics import (
    IcsOptions,
    database_key,
    export_visits_ics,
    write_visits_ics,
)
from clientdesk.storage.database import Database, open_database
from test_visits_support import NOW, TODAY, ZONE, local, make_customer

ADDRESS = "北京市海淀区中关村大街 27 号, 8 层; 东门"
RANGE = IcsOptions(zone=ZONE, start=TODAY, end=TODAY + timedelta(days=30))


def plan(session: Session, customer_id: int, at: Any, purpose: str, **kw: Any) -> Visit:
    return plan_visit(
        session=session,
        customer_id=customer_id,
        planned_at=at,
        purpose=purpose,
        actor="tester",
        now=NOW,
        **kw,
    )


def read(path: Path) -> Calendar:
    return Calendar.from_ical(path.read_bytes())


def events(cal: Calendar) -> dict[str, Any]:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


@pytest.fixture
def seeded(database: Database) -> dict[str, int]:
    with Session(database.engine) as s:
        customer = make_customer(
            s, "北京华信科技有限公司", short_name="华信科技", address=ADDRESS, contact="李明"
        )
        assert customer.id is not None
        contract = Contract(customer_id=customer.id, number="HT-2026-000007", title="设备采购")
        s.add(contract)
        s.flush()
        ids = {
            "main": plan(
                s, customer.id, local(TODAY + timedelta(days=3), 14, 30), "季度业务回顾"
            ).id,
            "return": plan(
                s,
                customer.id,
                local(TODAY + timedelta(days=5), 10),
                "回访：交货后确认满意度",
                contract_id=contract.id,
                kind="return",
            ).id,
            "last day": plan(s, customer.id, local(TODAY + timedelta(days=30), 23, 30), "月末").id,
            "outside": plan(s, customer.id, local(TODAY + timedelta(days=31), 0), "下月").id,
            "cancelled": plan(s, customer.id, local(TODAY + timedelta(days=4), 9), "取消的").id,
        }
        cancel_id = ids["cancelled"]
        assert cancel_id is not None
        cancel_visit(cancel_id, session=s, actor="tester", now=NOW + timedelta(minutes=5))
        ids["done"] = log_unplanned_visit(
            session=s,
            customer_id=customer.id,
            purpose="顺访",
            log=VisitLog(discussion="谈了"),
            actor="tester",
            zone=ZONE,
            done_at=NOW + timedelta(minutes=30),
            now=NOW + timedelta(hours=1),
        ).visit.id
        s.commit()
        return {k: int(v) for k, v in ids.items() if v is not None}


def test_exported_file_reads_back_field_by_field(
    database: Database, seeded: dict[str, int], tmp_path: Path
) -> None:
    path = tmp_path / "visits.ics"
    with Session(database.engine) as s:
        written = export_visits_ics(s, path, RANGE, now=NOW)
        key = database_key(s)
        visit = s.get(Visit, seeded["main"])
        assert visit is not None
    assert written == 5  # main, return, last day, cancelled, done; not the one outside
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    cal = read(path)
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"]) == "-//clientdesk//visit plans//ZH"
    assert str(cal["METHOD"]) == "PUBLISH"
    zones = cal.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["Asia/Shanghai"]
    found = events(cal)
    uid = f"visit-{seeded['main']}.{key}@clientdesk"
    assert set(found) == {
        f"visit-{seeded[name]}.{key}@clientdesk"
        for name in ("main", "return", "last day", "cancelled", "done")
    }
    event = found[uid]
    assert str(event["SUMMARY"]) == "拜访 华信科技：季度业务回顾"
    start = event.decoded("DTSTART")
    assert start == local(TODAY + timedelta(days=3), 14, 30)
    assert str(start.tzinfo) == "Asia/Shanghai"
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert event.decoded("DTEND") - start == timedelta(hours=1)
    assert str(event["LOCATION"]) == ADDRESS
    description = str(event["DESCRIPTION"])
    assert "北京华信科技有限公司（B级）" in description
    assert "联系人：李明 138 0013 8000" in description
    assert "目的：季度业务回顾" in description
    assert "客户经理：王芳" in description
    assert str(event["STATUS"]) == "CONFIRMED"
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("LAST-MODIFIED") == visit.updated_at
    assert event.decoded("CREATED") == visit.created_at
    assert event.decoded("DTSTAMP") == NOW
    assert [str(c) for c in event["CATEGORIES"].cats] == ["例行拜访"]
    returned = found[f"visit-{seeded['return']}.{key}@clientdesk"]
    assert str(returned["SUMMARY"]) == "回访 华信科技：交货后确认满意度"
    assert "合同：HT-2026-000007" in str(returned["DESCRIPTION"])
    cancelled = found[f"visit-{seeded['cancelled']}.{key}@clientdesk"]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) == 300  # five minutes after it was planned
    finished = found[f"visit-{seeded['done']}.{key}@clientdesk"]
    assert str(finished["SUMMARY"]).endswith("（已拜访）")


def test_reexport_keeps_uids_and_moves_the_event(
    database: Database, seeded: dict[str, int], tmp_path: Path
) -> None:
    with Session(database.engine) as s:
        export_visits_ics(s, tmp_path / "first.ics", RANGE, now=NOW)
        moved_to = local(TODAY + timedelta(days=6), 16)
        reschedule_visit(
            seeded["main"],
            session=s,
            planned_at=moved_to,
            actor="tester",
            now=NOW + timedelta(hours=2),
        )
        s.commit()
        export_visits_ics(s, tmp_path / "second.ics", RANGE, now=NOW + timedelta(hours=3))
    first, second = events(read(tmp_path / "first.ics")), events(read(tmp_path / "second.ics"))
    assert set(first) == set(second)
    uid = next(u for u in first if u.startswith(f"visit-{seeded['main']}."))
    assert second[uid].decoded("DTSTART") == moved_to
    assert int(second[uid]["SEQUENCE"]) > int(first[uid]["SEQUENCE"])
    assert second[uid].decoded("LAST-MODIFIED") > first[uid].decoded("LAST-MODIFIED")
    untouched = next(u for u in first if u.startswith(f"visit-{seeded['return']}."))
    assert int(second[untouched]["SEQUENCE"]) == int(first[untouched]["SEQUENCE"])


def test_planned_only_and_the_local_day_range(database: Database, seeded: dict[str, int]) -> None:
    with Session(database.engine) as s:
        out = io.BytesIO()
        options = IcsOptions(
            zone=ZONE, start=TODAY, end=TODAY + timedelta(days=30), planned_only=True
        )
        assert write_visits_ics(s, out, options, now=NOW) == 3
        cal = Calendar.from_ical(out.getvalue())
        assert {str(e["STATUS"]) for e in cal.walk("VEVENT")} == {"CONFIRMED"}
        one_day = IcsOptions(
            zone=ZONE, start=TODAY + timedelta(days=31), end=TODAY + timedelta(days=31)
        )
        out = io.BytesIO()
        assert write_visits_ics(s, out, one_day, now=NOW) == 1
        everything = io.BytesIO()
        assert write_visits_ics(s, everything, IcsOptions(zone=ZONE), now=NOW) == 6


def test_an_empty_export_is_still_a_calendar(database: Database, tmp_path: Path) -> None:
    with Session(database.engine) as s:
        assert export_visits_ics(s, tmp_path / "none.ics", RANGE, now=NOW) == 0
    cal = read(tmp_path / "none.ics")
    assert cal.walk("VEVENT") == []
    assert len(cal.walk("VTIMEZONE")) == 1


def test_dates_in_the_wrong_order_are_refused(database: Database, tmp_path: Path) -> None:
    options = IcsOptions(zone=ZONE, start=date(2026, 12, 10), end=date(2026, 12, 1))
    folder = tmp_path / "out"
    folder.mkdir()
    with Session(database.engine) as s, pytest.raises(UsageError, match="before --from"):
        export_visits_ics(s, folder / "x.ics", options, now=NOW)
    assert list(folder.iterdir()) == []  # no file, not even a temporary one


def test_another_database_gets_other_uids(database: Database, tmp_path: Path) -> None:
    other = open_database(str(tmp_path / "other.db"))
    try:
        with Session(database.engine) as a, Session(other.engine) as b:
            assert database_key(a) != database_key(b)
            assert len(database_key(a)) == 10
    finally:
        other.dispose()


def test_times_follow_the_settings_zone(database: Database, seeded: dict[str, int]) -> None:
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    with Session(database.engine) as s:
        out = io.BytesIO()
        write_visits_ics(s, out, IcsOptions(zone=berlin), now=NOW)
    cal = Calendar.from_ical(out.getvalue())
    assert [str(z["TZID"]) for z in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    for event in cal.walk("VEVENT"):
        assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    main = next(
        e for e in cal.walk("VEVENT") if str(e["UID"]).startswith(f"visit-{seeded['main']}.")
    )
    assert main.decoded("DTSTART").astimezone(UTC) == local(TODAY + timedelta(days=3), 14, 30)
