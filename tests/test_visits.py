"""Visit rules: planning, return visits, rescheduling, cancelling, missing and logging."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import Session, col

from clientdesk.domain import AuditEntry, Complaint, Contact, Contract, Customer, Visit
from clientdesk.domain.enums import (
    ComplaintCategory,
    ComplaintChannel,
    VisitKind,
    VisitStatus,
)
from clientdesk.domain.visits import (
    VisitLog,
    cancel_visit,
    log_unplanned_visit,
    log_visit,
    mark_missed,
    plan_return_visit,
    plan_visit,
    reschedule_visit,
    revise_plan,
)
from clientdesk.errors import ConflictError, NotFoundError, ValidationError
from clientdesk.storage.database import Database
from test_visits_support import NOW, TODAY, ZONE, audit_count, local, make_customer

LATER = local(TODAY + timedelta(days=3), 14, 30)


def plan(session: Session, customer_id: int, **kw: object) -> Visit:
    args: dict[str, object] = {
        "planned_at": LATER,
        "purpose": "季度业务回顾",
        "actor": "tester",
        "now": NOW,
    }
    args.update(kw)
    return plan_visit(session=session, customer_id=customer_id, **args)  # type: ignore[arg-type]


def visits(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(Visit)).scalar_one())


def contract_of(session: Session, customer_id: int, number: str = "HT-2026-000001") -> Contract:
    contract = Contract(customer_id=customer_id, number=number, title="数控机床采购", owner="赵强")
    session.add(contract)
    session.flush()
    return contract


# -- planning -------------------------------------------------------------------------------------


def test_plan_meets_the_key_contact_and_the_account_manager_visits(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "北京华信科技有限公司", owner="王芳", contact="李明")
        visit = plan(s, customer.id)
        s.commit()
        assert visit.status == VisitStatus.PLANNED
        assert visit.kind == VisitKind.REGULAR
        assert visit.planned_at == LATER.astimezone(UTC)
        assert visit.owner == "王芳"
        assert visit.contact_id is not None
        entry = s.execute(select(AuditEntry).where(col(AuditEntry.entity) == "visit")).scalar_one()
        assert entry.entity_id == visit.id
        assert entry.changes["purpose"] == "季度业务回顾"
        assert entry.actor == "tester"


def test_plan_flushes_but_leaves_the_commit_to_the_caller(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司")
        s.commit()
        plan(s, customer.id)
        s.rollback()
        assert visits(s) == 0
        assert audit_count(s) == 0


def test_a_past_visit_is_logged_not_planned(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司")
        with pytest.raises(ValidationError, match="logged, not") as caught:
            plan(s, customer.id, planned_at=NOW - timedelta(minutes=1))
        assert caught.value.field == "planned_at"
        assert visits(s) == 0
        assert audit_count(s) == 0


def test_plan_refuses_a_time_without_zone(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司")
        with pytest.raises(ValidationError, match="no time zone") as caught:
            plan(s, customer.id, planned_at=datetime(2027, 1, 1, 10, 0))
        assert caught.value.field == "planned_at"


@pytest.mark.parametrize("purpose", ["", "   ", "x" * 201])
def test_plan_refuses_an_empty_or_overlong_purpose(database: Database, purpose: str) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司")
        with pytest.raises(ValidationError) as caught:
            plan(s, customer.id, purpose=purpose)
        assert caught.value.field == "purpose"
        assert visits(s) == 0


def test_plan_refuses_links_to_another_customers_records(database: Database) -> None:
    with Session(database.engine) as s:
        mine = make_customer(s, "甲公司", contact="李明")
        other = make_customer(s, "乙公司", contact="王五")
        other_contract = contract_of(s, other.id)
        stranger = s.execute(
            select(Contact).where(col(Contact.customer_id) == other.id)
        ).scalar_one()
        with pytest.raises(ValidationError, match="another customer") as caught:
            plan(s, mine.id, contact_id=stranger.id)
        assert caught.value.field == "contact_id"
        with pytest.raises(ValidationError, match="another customer") as caught:
            plan(s, mine.id, contract_id=other_contract.id)
        assert caught.value.field == "contract_id"
        with pytest.raises(ValidationError, match="does not exist") as caught:
            plan(s, mine.id, complaint_id=999)
        assert caught.value.field == "complaint_id"
        assert visits(s) == 0


def test_plan_for_an_unknown_customer(database: Database) -> None:
    with Session(database.engine) as s, pytest.raises(NotFoundError, match="customer 42"):
        plan(s, 42)


def test_revise_plan_changes_purpose_and_audits(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司")
        visit = plan(s, customer.id)
        assert visit.id is not None
        revise_plan(visit.id, session=s, actor="tester", purpose="  走访  工厂 ")
        assert visit.purpose == "走访 工厂"
        assert audit_count(s) == 2
        revise_plan(visit.id, session=s, actor="tester", purpose="走访 工厂")  # no change
        assert audit_count(s) == 2


# -- return visits (回访) ------------------------------------------------------------------------


def test_return_visit_is_planned_at_ten_local_within_the_days(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司", owner="王芳")
        contract = contract_of(s, customer.id)
        assert contract.id is not None
        visit = plan_return_visit(
            session=s,
            customer_id=customer.id,
            contract_id=contract.id,
            delivered_on=TODAY,
            within_days=7,
            zone=ZONE,
            actor="tester",
            now=NOW,
        )
        assert visit.kind == VisitKind.RETURN
        assert visit.planned_at == local(TODAY + timedelta(days=7), 10).astimezone(UTC)
        assert visit.planned_at.astimezone(ZONE).hour == 10
        assert visit.contract_id == contract.id
        assert visit.purpose.startswith("回访：交货后确认满意度")
        assert "HT-2026-000001" in visit.purpose
        assert visit.owner == "赵强"  # the contract's owner
        assert visit.contact_id is not None


def test_return_visit_for_a_late_recorded_delivery_is_tomorrow(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司")
        contract = contract_of(s, customer.id)
        assert contract.id is not None
        visit = plan_return_visit(
            session=s,
            customer_id=customer.id,
            contract_id=contract.id,
            delivered_on=TODAY - timedelta(days=30),
            within_days=7,
            zone=ZONE,
            actor="tester",
            now=NOW,
        )
        assert visit.planned_at == local(TODAY + timedelta(days=1), 10).astimezone(UTC)


def test_a_second_delivery_keeps_the_return_visit_still_planned(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司")
        contract = contract_of(s, customer.id)
        assert contract.id is not None
        args = {
            "session": s,
            "customer_id": customer.id,
            "contract_id": contract.id,
            "within_days": 7,
            "zone": ZONE,
            "actor": "tester",
            "now": NOW,
        }
        first = plan_return_visit(delivered_on=TODAY, **args)  # type: ignore[arg-type]
        second = plan_return_visit(delivered_on=TODAY + timedelta(days=2), **args)  # type: ignore[arg-type]
        assert second.id == first.id
        assert visits(s) == 1


def test_return_visit_refuses_a_contract_of_another_customer(database: Database) -> None:
    with Session(database.engine) as s:
        mine = make_customer(s, "甲公司")
        other = make_customer(s, "乙公司")
        contract = contract_of(s, other.id)
        assert contract.id is not None
        with pytest.raises(ValidationError, match="another customer") as caught:
            plan_return_visit(
                session=s,
                customer_id=mine.id,
                contract_id=contract.id,
                delivered_on=TODAY,
                within_days=7,
                zone=ZONE,
                actor="tester",
                now=NOW,
            )
        assert caught.value.field == "contract_id"


# -- reschedule, cancel, missed ---------------------------------------------------------------


def test_reschedule_moves_the_visit_and_audits_it(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司")
        visit = plan(s, customer.id)
        assert visit.id is not None
        new_time = LATER + timedelta(days=2)
        reschedule_visit(visit.id, session=s, planned_at=new_time, actor="tester", now=NOW)
        assert visit.planned_at == new_time.astimezone(UTC)
        entry = (
            s.execute(
                select(AuditEntry)
                .where(col(AuditEntry.entity) == "visit")
                .order_by(AuditEntry.id.desc())  # type: ignore[union-attr]
            )
            .scalars()
            .first()
        )
        assert entry is not None
        assert list(entry.changes) == ["planned_at"]


def test_rescheduling_a_done_visit_is_refused(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司")
        done = log_unplanned_visit(
            session=s,
            customer_id=customer.id,
            purpose="顺访",
            log=VisitLog(discussion="介绍新产品"),
            actor="tester",
            zone=ZONE,
            now=NOW,
        ).visit
        assert done.id is not None
        before = audit_count(s)
        with pytest.raises(ConflictError, match="done visit cannot be rescheduled"):
            reschedule_visit(done.id, session=s, planned_at=LATER, actor="tester", now=NOW)
        assert done.planned_at == NOW
        assert audit_count(s) == before


def test_rescheduling_into_the_past_is_refused(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司")
        visit = plan(s, customer.id)
        assert visit.id is not None
        with pytest.raises(ValidationError) as caught:
            reschedule_visit(
                visit.id, session=s, planned_at=NOW - timedelta(days=1), actor="t", now=NOW
            )
        assert caught.value.field == "planned_at"
        assert visit.planned_at == LATER.astimezone(UTC)


def test_missed_then_rescheduled_is_planned_again(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司")
        visit = plan(
            s, customer.id, now=NOW - timedelta(days=10), planned_at=NOW - timedelta(days=2)
        )
        assert visit.id is not None
        mark_missed(visit.id, session=s, actor="tester", now=NOW)
        assert visit.status == VisitStatus.MISSED
        reschedule_visit(visit.id, session=s, planned_at=LATER, actor="tester", now=NOW)
        assert visit.status == VisitStatus.PLANNED


def test_a_visit_still_ahead_cannot_be_missed(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司")
        visit = plan(s, customer.id)
        assert visit.id is not None
        with pytest.raises(ConflictError, match=r"still\s+ahead"):
            mark_missed(visit.id, session=s, actor="tester", now=NOW)
        assert visit.status == VisitStatus.PLANNED


def test_cancel_keeps_the_reason_in_the_audit_trail(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司")
        visit = plan(s, customer.id)
        assert visit.id is not None
        cancel_visit(visit.id, session=s, actor="tester", reason="客户出差", now=NOW)
        assert visit.status == VisitStatus.CANCELLED
        entry = (
            s.execute(
                select(AuditEntry).where(
                    col(AuditEntry.entity) == "visit", col(AuditEntry.entity_id) == visit.id
                )
            )
            .scalars()
            .all()[-1]
        )
        assert entry.changes == {"status": ["planned", "cancelled"], "reason": [None, "客户出差"]}
        with pytest.raises(ConflictError, match="already cancelled"):
            cancel_visit(visit.id, session=s, actor="tester")


def test_unknown_visit(database: Database) -> None:
    with Session(database.engine) as s, pytest.raises(NotFoundError, match="visit 77"):
        cancel_visit(77, session=s, actor="tester")


# -- logging ------------------------------------------------------------------------------------


def test_log_records_the_visit_and_moves_the_customers_dates(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司")
        visit = plan(
            s, customer.id, now=NOW - timedelta(days=5), planned_at=NOW - timedelta(days=1)
        )
        assert visit.id is not None
        done_at = NOW - timedelta(hours=20)
        logged = log_visit(
            visit.id,
            VisitLog(
                discussion=" 讨论明年框架协议 ",
                needs="交期太长",
                feedback="对售后满意",
                satisfaction=4,
                next_step="发送报价单",
            ),
            session=s,
            actor="tester",
            zone=ZONE,
            done_at=done_at,
            now=NOW,
        )
        s.commit()
        assert logged.follow_up is None
        assert visit.status == VisitStatus.DONE
        assert visit.done_at == done_at
        assert (visit.discussion, visit.needs, visit.feedback) == (
            "讨论明年框架协议",
            "交期太长",
            "对售后满意",
        )
        assert visit.satisfaction == 4
        assert visit.next_step == "发送报价单"
        s.refresh(customer)
        assert customer.last_contact_at == done_at
        assert customer.last_visit_at == done_at  # kept by the database trigger


def test_a_next_step_with_a_date_plans_the_follow_up(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司", owner="王芳")
        visit = plan(
            s, customer.id, now=NOW - timedelta(days=5), planned_at=NOW - timedelta(hours=3)
        )
        assert visit.id is not None
        logged = log_visit(
            visit.id,
            VisitLog(
                discussion="样品测试结果",
                next_step="带技术人员现场调试",
                next_step_on=TODAY + timedelta(days=10),
            ),
            session=s,
            actor="tester",
            zone=ZONE,
            now=NOW,
        )
        follow = logged.follow_up
        assert follow is not None
        assert follow.status == VisitStatus.PLANNED
        assert follow.purpose == "带技术人员现场调试"
        assert follow.planned_at == local(TODAY + timedelta(days=10), 10).astimezone(UTC)
        assert follow.contact_id == visit.contact_id
        assert follow.owner == "王芳"
        assert visits(s) == 2


@pytest.mark.parametrize("satisfaction", [0, 6, -1, 10])
def test_satisfaction_outside_one_to_five_is_refused(database: Database, satisfaction: int) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司")
        visit = plan(
            s, customer.id, now=NOW - timedelta(days=5), planned_at=NOW - timedelta(days=1)
        )
        assert visit.id is not None
        s.commit()
        before = audit_count(s)
        with pytest.raises(ValidationError, match="outside 1-5") as caught:
            log_visit(
                visit.id,
                VisitLog(discussion="谈了", satisfaction=satisfaction),
                session=s,
                actor="tester",
                zone=ZONE,
                now=NOW,
            )
        assert caught.value.field == "satisfaction"
        s.rollback()
        again = s.get(Visit, visit.id)
        assert again is not None
        assert again.status == VisitStatus.PLANNED
        assert again.satisfaction is None
        assert audit_count(s) == before


@pytest.mark.parametrize(
    ("log", "field"),
    [
        (VisitLog(discussion="  "), "discussion"),
        (VisitLog(discussion="谈了", next_step_on=date(2026, 12, 1)), "next_step"),
        (VisitLog(discussion="谈了", next_step="再访", next_step_on=TODAY), "next_step_on"),
        (VisitLog(discussion="谈了", satisfaction=True), "satisfaction"),  # type: ignore[arg-type]
    ],
)
def test_log_refusals_name_the_field(database: Database, log: VisitLog, field: str) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司")
        visit = plan(
            s, customer.id, now=NOW - timedelta(days=5), planned_at=NOW - timedelta(days=1)
        )
        assert visit.id is not None
        with pytest.raises(ValidationError) as caught:
            log_visit(visit.id, log, session=s, actor="tester", zone=ZONE, now=NOW)
        assert caught.value.field == field
        assert visit.status == VisitStatus.PLANNED


def test_a_visit_is_not_logged_in_the_future(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司")
        visit = plan(s, customer.id)
        assert visit.id is not None
        with pytest.raises(ValidationError, match="in the future") as caught:
            log_visit(
                visit.id,
                VisitLog(discussion="谈了"),
                session=s,
                actor="tester",
                zone=ZONE,
                done_at=NOW + timedelta(hours=2),
                now=NOW,
            )
        assert caught.value.field == "done_at"


def test_done_and_cancelled_visits_are_not_logged_again(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司")
        visit = plan(
            s, customer.id, now=NOW - timedelta(days=5), planned_at=NOW - timedelta(days=1)
        )
        other = plan(s, customer.id)
        assert visit.id is not None and other.id is not None
        log_visit(visit.id, VisitLog(discussion="谈了"), session=s, actor="t", zone=ZONE, now=NOW)
        with pytest.raises(ConflictError, match="already logged"):
            log_visit(
                visit.id, VisitLog(discussion="再谈"), session=s, actor="t", zone=ZONE, now=NOW
            )
        cancel_visit(other.id, session=s, actor="t")
        with pytest.raises(ConflictError, match="cancelled"):
            log_visit(
                other.id, VisitLog(discussion="谈了"), session=s, actor="t", zone=ZONE, now=NOW
            )


def test_an_old_visit_logged_late_does_not_move_last_contact_back(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司")
        for days_ago in (2, 40):
            log_unplanned_visit(
                session=s,
                customer_id=customer.id,
                purpose="顺访",
                log=VisitLog(discussion="谈了"),
                actor="tester",
                zone=ZONE,
                done_at=NOW - timedelta(days=days_ago),
                now=NOW,
            )
        s.commit()
        s.refresh(customer)
        assert customer.last_contact_at == NOW - timedelta(days=2)
        assert customer.last_visit_at == NOW - timedelta(days=2)


def test_unplanned_visit_is_logged_done_with_its_follow_up(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司")
        complaint = Complaint(
            customer_id=customer.id,
            channel=ComplaintChannel.PHONE,
            category=ComplaintCategory.DELIVERY,
            summary="交货延误",
            due_at=NOW,
        )
        s.add(complaint)
        s.flush()
        logged = log_unplanned_visit(
            session=s,
            customer_id=customer.id,
            purpose="投诉现场处理",
            log=VisitLog(
                discussion="当面道歉并说明原因",
                satisfaction=3,
                next_step="确认补发到货",
                next_step_on=TODAY + timedelta(days=3),
            ),
            actor="tester",
            zone=ZONE,
            kind=VisitKind.COMPLAINT_FOLLOWUP,
            complaint_id=complaint.id,
            done_at=NOW - timedelta(hours=1),
            now=NOW,
        )
        visit = logged.visit
        assert visit.status == VisitStatus.DONE
        assert visit.planned_at == visit.done_at == NOW - timedelta(hours=1)
        follow = logged.follow_up
        assert follow is not None
        assert follow.kind == VisitKind.COMPLAINT_FOLLOWUP
        assert follow.complaint_id == complaint.id
        assert audit_count(s) == 2


def test_every_change_writes_one_audit_entry(database: Database) -> None:
    with Session(database.engine) as s:
        customer = make_customer(s, "甲公司")
        visit = plan(s, customer.id)
        assert visit.id is not None
        reschedule_visit(
            visit.id, session=s, planned_at=LATER + timedelta(hours=1), actor="t", now=NOW
        )
        revise_plan(visit.id, session=s, actor="t", owner="张伟")
        cancel_visit(visit.id, session=s, actor="t")
        reschedule_visit(visit.id, session=s, planned_at=LATER, actor="t", now=NOW)
        log_visit(
            visit.id,
            VisitLog(discussion="谈了"),
            session=s,
            actor="t",
            zone=ZONE,
            now=LATER + timedelta(hours=1),
        )
        actions = (
            s.execute(
                select(col(AuditEntry.action)).where(
                    col(AuditEntry.entity) == "visit", col(AuditEntry.entity_id) == visit.id
                )
            )
            .scalars()
            .all()
        )
        assert [a.value for a in actions] == ["create"] + ["update"] * 5
        assert s.get(Customer, customer.id) is not None
