"""Re-evaluating grades (定期评估): gather every customer's inputs in set-based SQL, score
them, and record each change as a GradeAssessment. A grade fixed by hand is kept.

The inputs come from one aggregate over transactions and one over contracts, joined to the
customers, streamed in chunks, never one query per customer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    String,
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    or_,
    select,
    type_coerce,
    update,
)
from sqlmodel import Session, col

from clientdesk.domain import audit
from clientdesk.domain.common import utcnow
from clientdesk.domain.contract import Contract
from clientdesk.domain.customer import Customer
from clientdesk.domain.enums import AuditAction, ContractStatus, Grade, TransactionKind
from clientdesk.domain.grading import GradeAssessment
from clientdesk.domain.scoring import Inputs, QuickGrader, Scorecard, score
from clientdesk.domain.transaction import Transaction

GRADES = {grade.value: grade for grade in Grade}
COUNTED_CONTRACTS = (
    ContractStatus.SIGNED,
    ContractStatus.ACTIVE,
    ContractStatus.EXPIRED,  # ran its term; revenue all the same (domain/contract_states.py)
    ContractStatus.COMPLETED,
)


@dataclass(frozen=True, slots=True)
class Grading:
    """What a scorecard is read against: the date and the settings."""

    as_of: date
    weights: Mapping[str, float]
    thresholds: Mapping[str, float]
    currency: str = "CNY"


class Evaluated(NamedTuple):
    """One customer's new total and grade; the full scorecard is built only when asked for."""

    customer_id: int
    code: str
    name: str
    owner: str | None
    current: Grade
    fixed: bool
    inputs: Inputs
    total: float
    grade: Grade
    grading: Grading

    @property
    def changed(self) -> bool:
        return self.grade != self.current

    @property
    def reason(self) -> str:
        return "" if self.inputs.has_data else "no data"

    def card(self) -> Scorecard:
        g = self.grading
        return score(
            self.inputs,
            as_of=g.as_of,
            weights=g.weights,
            thresholds=g.thresholds,
            currency=g.currency,
        )


@dataclass
class RunResult:
    as_of: date
    evaluated: int = 0
    upgrades: list[Evaluated] = field(default_factory=list)
    downgrades: list[Evaluated] = field(default_factory=list)
    kept_fixed: list[Evaluated] = field(default_factory=list)
    a_without_owner: list[Evaluated] = field(default_factory=list)
    no_data: int = 0
    dry_run: bool = False


def _window(as_of: date) -> tuple[date, date]:
    """Start of the last 12 months and of the 12 months before them."""
    start = as_of - timedelta(days=365)
    return start, start - timedelta(days=365)


def _inputs_query(as_of: date, customer_id: int | None) -> Any:
    start, previous = _window(as_of)
    t = Transaction.__table__.alias("t")  # type: ignore[attr-defined]
    signed_amount = case(
        (t.c.kind == TransactionKind.SALE.value, t.c.amount_cents),
        (t.c.kind == TransactionKind.REFUND.value, -t.c.amount_cents),
        else_=0,
    )
    in_last_year = and_(t.c.occurred_on >= start, t.c.occurred_on <= as_of)
    in_year_before = and_(t.c.occurred_on >= previous, t.c.occurred_on < start)
    is_invoice = and_(t.c.kind == TransactionKind.SALE.value, t.c.due_on.is_not(None))
    on_time = and_(is_invoice, t.c.paid_on.is_not(None), t.c.paid_on <= t.c.due_on)
    late = and_(
        is_invoice,
        or_(
            and_(t.c.paid_on.is_not(None), t.c.paid_on > t.c.due_on),
            and_(t.c.paid_on.is_(None), t.c.due_on < as_of),
        ),
    )
    trade = (
        select(
            t.c.customer_id,
            func.sum(case((in_last_year, signed_amount), else_=0)).label("net"),
            func.sum(
                case((and_(in_last_year, t.c.kind == TransactionKind.SALE.value), 1), else_=0)
            ).label("sales"),
            func.sum(case((in_year_before, signed_amount), else_=0)).label("previous"),
            func.min(t.c.occurred_on).label("first_on"),
            func.sum(case((on_time, 1), else_=0)).label("on_time"),
            func.sum(case((late, 1), else_=0)).label("late"),
        )
        .where(t.c.occurred_on <= as_of)
        .group_by(t.c.customer_id)
    )
    k = Contract.__table__.alias("k")  # type: ignore[attr-defined]
    x = Transaction.__table__.alias("x")  # type: ignore[attr-defined]
    invoiced = exists().where(x.c.contract_id == k.c.id, x.c.kind == TransactionKind.SALE.value)
    contracts = (
        select(k.c.customer_id, func.sum(k.c.value_cents).label("uninvoiced"))
        .where(
            k.c.status.in_([s.value for s in COUNTED_CONTRACTS]),
            k.c.signed_on >= start,
            k.c.signed_on <= as_of,
            ~invoiced,
        )
        .group_by(k.c.customer_id)
    )
    if customer_id is not None:
        trade = trade.where(t.c.customer_id == customer_id)
        contracts = contracts.where(k.c.customer_id == customer_id)
    trade_sq, contracts_sq = trade.subquery("trade"), contracts.subquery("contracts")
    stmt = (
        select(
            col(Customer.id),
            col(Customer.code),
            col(Customer.name),
            col(Customer.owner),
            # Read as plain text: type processing of 100,000 rows costs more than the SQL.
            type_coerce(col(Customer.grade), String),
            col(Customer.grade_fixed),
            type_coerce(col(Customer.created_at), String),
            col(Customer.market_share_rating),
            col(Customer.potential_rating),
            func.coalesce(trade_sq.c.net, 0),
            func.coalesce(trade_sq.c.sales, 0),
            func.coalesce(trade_sq.c.previous, 0),
            trade_sq.c.first_on,
            func.coalesce(trade_sq.c.on_time, 0),
            func.coalesce(trade_sq.c.late, 0),
            func.coalesce(contracts_sq.c.uninvoiced, 0),
        )
        .outerjoin(trade_sq, trade_sq.c.customer_id == col(Customer.id))
        .outerjoin(contracts_sq, contracts_sq.c.customer_id == col(Customer.id))
        .order_by(col(Customer.id))
    )
    if customer_id is not None:
        stmt = stmt.where(col(Customer.id) == customer_id)
    return stmt


def _first_date(value: Any) -> date | None:
    """A date or timestamp as the driver gives it: text on SQLite, objects elsewhere."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def evaluate(
    *,
    session: Session,
    as_of: date,
    weights: Mapping[str, float],
    thresholds: Mapping[str, float],
    customer_id: int | None = None,
    currency: str = "CNY",
) -> Iterator[Evaluated]:
    """Score every customer (or one), streamed in id order."""
    grading = Grading(as_of, weights, thresholds, currency)
    grader = QuickGrader(weights, thresholds)
    result = (
        session.connection()
        .execution_options(yield_per=2000)
        .execute(_inputs_query(as_of, customer_id))
    )
    for row in result:
        (cid, code, name, owner, grade, fixed, created_at, share, potential,
         net, sales, previous, first_on, on_time, late, uninvoiced) = row  # fmt: skip
        since = _first_date(created_at)
        first = _first_date(first_on)
        if first is not None and (since is None or first < since):
            since = first
        inputs = Inputs(
            net_sales_cents=int(net),
            uninvoiced_contract_cents=int(uninvoiced),
            sales_count=int(sales),
            previous_net_sales_cents=int(previous),
            customer_since=since,
            paid_on_time=int(on_time),
            paid_late=int(late),
            market_share_rating=share,
            potential_rating=potential,
        )
        total, new = grader(inputs, as_of)
        current = GRADES[grade]
        yield Evaluated(cid, code, name, owner, current, bool(fixed), inputs, total, new, grading)


def run_grading(
    *,
    session: Session,
    as_of: date,
    weights: Mapping[str, float],
    thresholds: Mapping[str, float],
    actor: str | None,
    dry_run: bool = False,
    customer_id: int | None = None,
    currency: str = "CNY",
    progress: Callable[[int], None] | None = None,
    assessed_at: datetime | None = None,
) -> RunResult:
    """Re-score and store what moved. The caller commits (or rolls back for a dry run)."""
    run = RunResult(as_of=as_of, dry_run=dry_run)
    changes: list[Evaluated] = []
    for item in evaluate(
        session=session,
        as_of=as_of,
        weights=weights,
        thresholds=thresholds,
        customer_id=customer_id,
        currency=currency,
    ):
        run.evaluated += 1
        if progress and run.evaluated % 5000 == 0:
            progress(run.evaluated)
        if not item.inputs.has_data:
            run.no_data += 1
        grade = item.current if item.fixed else item.grade
        if grade == Grade.A and not item.owner:
            run.a_without_owner.append(item)
        if not item.changed:
            continue
        if item.fixed:
            run.kept_fixed.append(item)
            continue
        (run.upgrades if item.grade < item.current else run.downgrades).append(item)
        changes.append(item)
    if changes and not dry_run:
        _store(session, changes, actor, assessed_at or utcnow())
        audit.record(
            session=session,
            actor=actor,
            entity="grading",
            entity_id=0,
            action=AuditAction.UPDATE,
            changes={
                "as_of": as_of.isoformat(),
                "evaluated": run.evaluated,
                "upgrades": len(run.upgrades),
                "downgrades": len(run.downgrades),
            },
        )
    return run


def _store(session: Session, changes: list[Evaluated], actor: str | None, now: datetime) -> None:
    conn = session.connection()
    customers = Customer.__table__  # type: ignore[attr-defined]
    for start in range(0, len(changes), 5000):
        chunk = changes[start : start + 5000]
        conn.execute(
            insert(GradeAssessment),
            [
                {
                    "customer_id": item.customer_id,
                    "assessed_at": now,
                    "previous_grade": item.current,
                    "grade": item.grade,
                    "total_score": item.total,
                    "scores": item.card().as_dict(),
                    "reason": item.reason or "re-evaluation",
                    "manual": False,
                    "actor": actor,
                }
                for item in chunk
            ],
        )
        conn.execute(
            update(customers)
            .where(customers.c.id == bindparam("cid"))
            .values(grade=bindparam("new_grade"), updated_at=now),
            [{"cid": item.customer_id, "new_grade": item.grade.value} for item in chunk],
        )
