"""Group customers and their credit against the concentration limit (集团客户风险管理).

A group is a parent company at the top (no parent of its own) with the subsidiaries and
affiliates below it, at any depth; a customer with neither parent nor subsidiaries is not
in a group. The group is managed as one, so its members' figures add up:

- credit line (授信额度): each member's `credit_limit_cents`;
- owed (应收未收): sales not yet paid;
- overdue (逾期): of what is owed, the sales past their due date;
- credit used against the limit: for each member its line, or what it owes when that is
  more (a member past its line is counted at what it owes), summed over the group.

The rules cap the credit to any one group at a share of net capital (资本净额):
`risk.concentration_limit` (15%) of `risk.net_capital`, with an early warning (风险预警)
from `risk.warning_level` (80%) of that limit. Risk passes between related companies
(风险传导): a group with any member overdue is flagged as a whole.

Everything is computed in SQL (a recursive query for the members, one aggregate over the
unpaid sales of members only), on SQLite and PostgreSQL alike, and paged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, case, exists, func, literal, literal_column, select
from sqlmodel import Session, col

from clientdesk.domain.customer import Customer
from clientdesk.domain.customers import ancestors
from clientdesk.domain.enums import Grade, TransactionKind
from clientdesk.domain.transaction import Transaction


class LimitState(StrEnum):
    NO_LIMIT = "no limit"  # net capital not set: nothing to measure against
    OK = "ok"
    WARNING = "warning"  # at or past the early-warning level of the limit
    OVER = "over"  # past the limit


STATE_LABELS_ZH = {
    LimitState.NO_LIMIT: "未设限额",
    LimitState.OK: "正常",
    LimitState.WARNING: "预警",
    LimitState.OVER: "超限",
}


@dataclass(frozen=True)
class Limit:
    """The concentration limit in cents (None when net capital is not set)."""

    cents: int | None
    warning_level: float

    @classmethod
    def from_settings(cls, net_capital: Decimal, share: float, warning_level: float) -> Limit:
        if net_capital <= 0:
            return cls(None, warning_level)
        cents = int(net_capital * 100 * Decimal(str(share)))
        return cls(cents, warning_level)

    @property
    def warning_cents(self) -> int | None:
        if self.cents is None:
            return None
        return int(Decimal(self.cents) * Decimal(str(self.warning_level)))

    def state(self, used_cents: int) -> LimitState:
        if self.cents is None:
            return LimitState.NO_LIMIT
        if used_cents > self.cents:
            return LimitState.OVER
        warning = self.warning_cents
        if warning is not None and used_cents >= warning:
            return LimitState.WARNING
        return LimitState.OK

    def share(self, used_cents: int) -> float | None:
        """Used credit as a fraction of the limit (1.0 = the whole limit)."""
        return None if not self.cents else used_cents / self.cents


@dataclass(frozen=True)
class GroupRow:
    """One group, with its members' figures added up."""

    root_id: int
    code: str
    name: str
    owner: str | None
    grade: Grade
    members: int  # the parent included
    line_cents: int
    owed_cents: int
    overdue_cents: int
    used_cents: int  # credit used against the limit
    members_overdue: int
    state: LimitState
    share: float | None  # of the limit

    @property
    def at_risk(self) -> bool:
        """Overdue anywhere in the group: the risk passes to every member (风险传导)."""
        return self.members_overdue > 0


@dataclass(frozen=True)
class MemberRow:
    id: int
    code: str
    name: str
    parent_id: int | None
    depth: int  # 0 for the parent at the top
    line_cents: int
    owed_cents: int
    overdue_cents: int
    oldest_overdue: date | None  # due date of its oldest unpaid overdue sale

    @property
    def used_cents(self) -> int:
        return max(self.line_cents, self.owed_cents)

    @property
    def over_line(self) -> bool:
        return self.owed_cents > self.line_cents


@dataclass(frozen=True)
class GroupDetail:
    group: GroupRow
    members: list[MemberRow]  # the parent first, then each subsidiary under its parent


def _tree(root_id: int | None = None) -> Any:
    """(root_id, member_id, parent_id, depth) for every member of every group (or one)."""
    c = Customer.__table__.alias("c")  # type: ignore[attr-defined]
    sub = Customer.__table__.alias("sub")  # type: ignore[attr-defined]
    top = select(
        c.c.id.label("root_id"),
        c.c.id.label("member_id"),
        c.c.parent_id.label("parent_id"),
        literal(0).label("depth"),
    ).where(c.c.parent_id.is_(None), exists().where(sub.c.parent_id == c.c.id))
    if root_id is not None:
        top = top.where(c.c.id == root_id)
    tree = top.cte("tree", recursive=True)
    m = Customer.__table__.alias("m")  # type: ignore[attr-defined]
    return tree.union_all(
        # A parent cycle cannot hang from a top parent, and depth stops a runaway anyway.
        select(tree.c.root_id, m.c.id, m.c.parent_id, tree.c.depth + 1).where(
            m.c.parent_id == tree.c.member_id, tree.c.depth < 50
        )
    )


def _unpaid(tree: Any, today: date) -> Any:
    """Per member: what it owes, what of that is overdue, and the oldest overdue due date.

    Read from the partial index of unpaid sales (migration 0005), whose condition is
    spelled here with literals for SQLite to use it.
    """
    t = Transaction.__table__.alias("t")  # type: ignore[attr-defined]
    late = and_(t.c.due_on.is_not(None), t.c.due_on < today)
    return (
        select(
            t.c.customer_id,
            func.sum(t.c.amount_cents).label("owed"),
            func.sum(case((late, t.c.amount_cents), else_=0)).label("overdue"),
            func.min(case((late, t.c.due_on))).label("oldest_overdue"),
        )
        .where(
            t.c.kind == literal_column(f"'{TransactionKind.SALE.value}'"),
            t.c.paid_on.is_(None),
            t.c.customer_id.in_(select(tree.c.member_id)),
        )
        .group_by(t.c.customer_id)
        .subquery("unpaid")
    )


def _members(tree: Any, today: date) -> Any:
    unpaid = _unpaid(tree, today)
    m = Customer.__table__.alias("member")  # type: ignore[attr-defined]
    line = func.coalesce(m.c.credit_limit_cents, 0)
    owed = func.coalesce(unpaid.c.owed, 0)
    return (
        select(
            tree.c.root_id,
            tree.c.member_id,
            tree.c.parent_id,
            tree.c.depth,
            m.c.code,
            m.c.name,
            line.label("line"),
            owed.label("owed"),
            func.coalesce(unpaid.c.overdue, 0).label("overdue"),
            unpaid.c.oldest_overdue,
            case((owed > line, owed), else_=line).label("used"),
        )
        .select_from(tree)
        .join(m, m.c.id == tree.c.member_id)
        .outerjoin(unpaid, unpaid.c.customer_id == tree.c.member_id)
        .subquery("members")
    )


def _groups(members: Any) -> Any:
    used = func.sum(members.c.used)
    return (
        select(
            members.c.root_id,
            func.count().label("members"),
            func.sum(members.c.line).label("line"),
            func.sum(members.c.owed).label("owed"),
            func.sum(members.c.overdue).label("overdue"),
            used.label("used"),
            func.sum(case((members.c.overdue > 0, 1), else_=0)).label("members_overdue"),
        )
        .group_by(members.c.root_id)
        .subquery("groups")
    )


def _group_rows(session: Session, groups: Any, limit: Limit, stmt: Any) -> list[GroupRow]:
    rows = []
    for row in session.connection().execute(stmt):
        used = int(row.used or 0)
        rows.append(
            GroupRow(
                root_id=row.root_id,
                code=row.code,
                name=row.name,
                owner=row.owner,
                grade=Grade(row.grade),
                members=int(row.members),
                line_cents=int(row.line or 0),
                owed_cents=int(row.owed or 0),
                overdue_cents=int(row.overdue or 0),
                used_cents=used,
                members_overdue=int(row.members_overdue or 0),
                state=limit.state(used),
                share=limit.share(used),
            )
        )
    return rows


def _select_groups(groups: Any) -> Any:
    root = Customer.__table__.alias("root")  # type: ignore[attr-defined]
    return select(
        groups.c.root_id,
        root.c.code,
        root.c.name,
        root.c.owner,
        root.c.grade,
        groups.c.members,
        groups.c.line,
        groups.c.owed,
        groups.c.overdue,
        groups.c.used,
        groups.c.members_overdue,
    ).join(root, root.c.id == groups.c.root_id)


@dataclass(frozen=True)
class GroupCounts:
    total: int  # every group
    over: int  # past the limit
    warning: int  # at the early warning, not past the limit
    at_risk: int  # with a member overdue
    flagged: int  # past the warning level or with a member overdue


@dataclass(frozen=True)
class GroupPage:
    rows: list[GroupRow]
    offset: int
    total: int  # groups matching
    over: int  # of all groups, past the limit
    warning: int  # of all groups, at the early warning
    at_risk: int  # of all groups, with a member overdue


def _flagged(groups: Any, limit: Limit) -> Any:
    flagged = groups.c.overdue > 0
    warning = limit.warning_cents
    return flagged | (groups.c.used >= warning) if warning is not None else flagged


def group_counts(*, session: Session, limit: Limit, today: date) -> GroupCounts:
    groups = _groups(_members(_tree(), today))
    warning = limit.warning_cents
    over = groups.c.used > limit.cents if limit.cents is not None else literal(False)
    warned = groups.c.used >= warning if warning is not None else literal(False)
    counts = select(
        func.count(),
        func.sum(case((over, 1), else_=0)),
        func.sum(case((warned, 1), else_=0)),
        func.sum(case((groups.c.overdue > 0, 1), else_=0)),
        func.sum(case((_flagged(groups, limit), 1), else_=0)),
    )
    total, n_over, n_warned, at_risk, flagged = session.connection().execute(counts).one()
    return GroupCounts(
        total=int(total or 0),
        over=int(n_over or 0),
        warning=int(n_warned or 0) - int(n_over or 0),
        at_risk=int(at_risk or 0),
        flagged=int(flagged or 0),
    )


def group_rows(
    *,
    session: Session,
    limit: Limit,
    today: date,
    offset: int = 0,
    page_size: int = 100,
    flagged_only: bool = False,
) -> list[GroupRow]:
    """Groups by credit used, largest first (the id breaks ties); `flagged_only`: past the
    warning level or with a member overdue."""
    groups = _groups(_members(_tree(), today))
    stmt = _select_groups(groups)
    if flagged_only:
        stmt = stmt.where(_flagged(groups, limit))
    stmt = stmt.order_by(groups.c.used.desc(), groups.c.root_id).offset(offset).limit(page_size)
    return _group_rows(session, groups, limit, stmt)


def group_page(
    *,
    session: Session,
    limit: Limit,
    today: date,
    offset: int = 0,
    page_size: int = 100,
    flagged_only: bool = False,
) -> GroupPage:
    """A page of `group_rows` with the counts of every group."""
    counts = group_counts(session=session, limit=limit, today=today)
    rows = group_rows(
        session=session,
        limit=limit,
        today=today,
        offset=offset,
        page_size=page_size,
        flagged_only=flagged_only,
    )
    return GroupPage(
        rows=rows,
        offset=offset,
        total=counts.flagged if flagged_only else counts.total,
        over=counts.over,
        warning=counts.warning,
        at_risk=counts.at_risk,
    )


def group_of(customer_id: int, *, session: Session) -> int | None:
    """The id of the parent at the top of the customer's group; None when the customer
    has neither parent nor subsidiaries."""
    chain = ancestors(customer_id, session=session)
    if chain:
        return chain[-1]
    has_subsidiary = session.execute(
        select(col(Customer.id)).where(col(Customer.parent_id) == customer_id).limit(1)
    ).first()
    return customer_id if has_subsidiary is not None else None


def group_detail(
    root_id: int, *, session: Session, limit: Limit, today: date
) -> GroupDetail | None:
    """The group under `root_id` with every member, in tree order; None if it is no group."""
    members = _members(_tree(root_id), today)
    rows = [
        MemberRow(
            id=row.member_id,
            code=row.code,
            name=row.name,
            parent_id=row.parent_id,
            depth=int(row.depth),
            line_cents=int(row.line or 0),
            owed_cents=int(row.owed or 0),
            overdue_cents=int(row.overdue or 0),
            oldest_overdue=_day(row.oldest_overdue),
        )
        for row in session.connection().execute(select(members))
    ]
    if not rows:
        return None
    groups = _groups(members)
    [group] = _group_rows(session, groups, limit, _select_groups(groups))
    return GroupDetail(group, _in_tree_order(rows))


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _in_tree_order(rows: list[MemberRow]) -> list[MemberRow]:
    """Each member right under its parent, siblings by code."""
    children: dict[int | None, list[MemberRow]] = {}
    for row in rows:
        children.setdefault(row.parent_id if row.depth else None, []).append(row)
    ordered: list[MemberRow] = []

    def visit(parent: int | None) -> None:
        for row in sorted(children.get(parent, []), key=lambda r: r.code):
            ordered.append(row)
            visit(row.id)

    visit(None)
    return ordered
