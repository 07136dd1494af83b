"""Group customers' credit against the concentration limit, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session

from clientdesk.domain import Customer, Transaction
from clientdesk.domain.customer import CustomerCreate
from clientdesk.domain.customers import create_customer
from clientdesk.domain.enums import TransactionKind
from clientdesk.domain.group_risk import (
    Limit,
    LimitState,
    group_detail,
    group_of,
    group_page,
)
from clientdesk.storage.database import Database

TODAY = date(2026, 6, 30)
# Net capital ¥100,000,000: the limit is 15% (¥15,000,000), the warning from 80% (¥12M).
LIMIT = Limit.from_settings(Decimal("100000000"), 0.15, 0.8)


def company(
    s: Session, name: str, line_yuan: int | None, parent: Customer | None = None
) -> Customer:
    made = CustomerCreate(
        name=name,
        credit_limit_cents=None if line_yuan is None else line_yuan * 100,
        parent_id=None if parent is None else parent.id,
    )
    return create_customer(made, session=s, actor="t")


def sale(s: Session, who: Customer, yuan: int, *, due: date, paid: date | None = None) -> None:
    s.add(
        Transaction(
            customer_id=who.id,  # type: ignore[arg-type]
            kind=TransactionKind.SALE,
            amount_cents=yuan * 100,
            occurred_on=due - timedelta(days=30),
            due_on=due,
            paid_on=paid,
        )
    )


@pytest.fixture
def groups(database: Database) -> dict[str, int]:
    """Three groups and a standalone company:

    - 华信集团 (¥10M line) → 华信北京 (¥2M, owes ¥2.5M of which ¥0.5M overdue since
      2026-05-01) → 华信北京物流 (a third level, ¥1M); and 华信上海 (no line, owes ¥300k,
      paid ones not counted). Used: 10M + 2.5M + 1M + 0.3M = ¥13.8M: early warning.
    - 金桥集团 (¥14M) → 金桥南京 (¥1.5M): ¥15.5M, over the limit.
    - 长江集团 (¥1M) → 长江深圳 (¥1M): ¥2M, fine.
    - 独立公司: in no group.
    """
    with Session(database.engine) as s:
        top = company(s, "华信集团有限公司", 10_000_000)
        beijing = company(s, "华信北京有限公司", 2_000_000, top)
        company(s, "华信北京物流有限公司", 1_000_000, beijing)
        shanghai = company(s, "华信上海有限公司", None, top)
        sale(s, beijing, 2_000_000, due=TODAY + timedelta(days=20))
        sale(s, beijing, 500_000, due=date(2026, 5, 1))
        sale(s, shanghai, 300_000, due=TODAY + timedelta(days=5))
        sale(s, shanghai, 9_000_000, due=date(2026, 1, 1), paid=date(2026, 1, 2))
        jinqiao = company(s, "金桥集团有限公司", 14_000_000)
        company(s, "金桥南京有限公司", 1_500_000, jinqiao)
        changjiang = company(s, "长江集团有限公司", 1_000_000)
        company(s, "长江深圳有限公司", 1_000_000, changjiang)
        alone = company(s, "独立公司有限公司", 50_000_000)
        s.commit()
        return {
            "huaxin": top.id,
            "beijing": beijing.id,
            "shanghai": shanghai.id,
            "jinqiao": jinqiao.id,
            "changjiang": changjiang.id,
            "alone": alone.id,
        }  # type: ignore[return-value]


def test_groups_add_up_their_members_and_are_judged_against_the_limit(
    database: Database, groups: dict[str, int]
) -> None:
    with Session(database.engine) as s:
        page = group_page(session=s, limit=LIMIT, today=TODAY)
    assert [r.root_id for r in page.rows] == [
        groups["jinqiao"],
        groups["huaxin"],
        groups["changjiang"],
    ]
    jinqiao, huaxin, changjiang = page.rows
    assert (huaxin.members, huaxin.line_cents) == (4, 13_000_000_00)
    assert (huaxin.owed_cents, huaxin.overdue_cents) == (2_800_000_00, 500_000_00)
    assert huaxin.used_cents == 13_800_000_00  # a member past its line counts at what it owes
    assert huaxin.state is LimitState.WARNING and huaxin.at_risk and huaxin.members_overdue == 1
    assert huaxin.share == pytest.approx(13.8 / 15)
    assert jinqiao.state is LimitState.OVER and not jinqiao.at_risk
    assert changjiang.state is LimitState.OK and changjiang.used_cents == 2_000_000_00
    assert (page.total, page.over, page.warning, page.at_risk) == (3, 1, 1, 1)


def test_flagged_only_keeps_groups_at_the_warning_level_or_with_a_member_overdue(
    database: Database, groups: dict[str, int]
) -> None:
    with Session(database.engine) as s:
        page = group_page(session=s, limit=LIMIT, today=TODAY, flagged_only=True)
        second = group_page(session=s, limit=LIMIT, today=TODAY, offset=1, page_size=1)
    assert [r.root_id for r in page.rows] == [groups["jinqiao"], groups["huaxin"]]
    assert page.total == 2
    assert [r.root_id for r in second.rows] == [groups["huaxin"]] and second.total == 3


def test_without_net_capital_groups_are_listed_but_not_judged(
    database: Database, groups: dict[str, int]
) -> None:
    unset = Limit.from_settings(Decimal(0), 0.15, 0.8)
    with Session(database.engine) as s:
        page = group_page(session=s, limit=unset, today=TODAY, flagged_only=True)
    assert {r.state for r in page.rows} == {LimitState.NO_LIMIT}
    assert [r.root_id for r in page.rows] == [groups["huaxin"]]  # overdue still flags it
    assert page.over == page.warning == 0 and page.rows[0].share is None


def test_a_groups_members_in_tree_order_with_their_oldest_overdue_sale(
    database: Database, groups: dict[str, int]
) -> None:
    with Session(database.engine) as s:
        detail = group_detail(groups["huaxin"], session=s, limit=LIMIT, today=TODAY)
        assert group_detail(groups["alone"], session=s, limit=LIMIT, today=TODAY) is None
    assert detail is not None
    names = [(m.depth, m.name) for m in detail.members]
    assert names == [
        (0, "华信集团有限公司"),
        (1, "华信北京有限公司"),
        (2, "华信北京物流有限公司"),
        (1, "华信上海有限公司"),
    ]
    beijing = detail.members[1]
    assert beijing.over_line and beijing.used_cents == 2_500_000_00
    assert beijing.oldest_overdue == date(2026, 5, 1)
    assert detail.members[3].owed_cents == 300_000_00 and detail.members[3].line_cents == 0
    assert detail.group.used_cents == sum(m.used_cents for m in detail.members)


def test_the_group_of_any_member_is_its_top_parent(
    database: Database, groups: dict[str, int]
) -> None:
    with Session(database.engine) as s:
        assert group_of(groups["beijing"], session=s) == groups["huaxin"]
        assert group_of(groups["huaxin"], session=s) == groups["huaxin"]
        assert group_of(groups["alone"], session=s) is None


@pytest.mark.parametrize(
    ("net", "share", "used", "state"),
    [
        # limit ¥150.00 = 15,000 cents, the warning from 12,000; the limit itself is allowed
        ("1000", 0.15, 15_000, LimitState.WARNING),
        ("1000", 0.15, 11_999, LimitState.OK),
        ("1000", 0.15, 12_000, LimitState.WARNING),
        ("1000", 0.15, 15_001, LimitState.OVER),
        ("0", 0.15, 10**12, LimitState.NO_LIMIT),
    ],
)
def test_limit_states_at_their_edges(net: str, share: float, used: int, state: LimitState) -> None:
    assert Limit.from_settings(Decimal(net), share, 0.8).state(used) is state
