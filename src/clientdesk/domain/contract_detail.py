"""One contract as its detail view shows it: current terms, amendment history, milestones,
the full event history, the renewal chain and what can be done next.

A handful of indexed reads for one contract (its events come from ix_contract_events_contract_id).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from clientdesk.domain.contract import Contract, ContractEvent
from clientdesk.domain.contract_list import days_to_expiry
from clientdesk.domain.contract_states import OWED, Action, allowed_actions
from clientdesk.domain.contracts import get_contract
from clientdesk.domain.customer import Customer
from clientdesk.domain.enums import ContractEventKind, ContractStatus

K = ContractEventKind
MAX_CHAIN = 100  # renewals followed each way; a real chain is a handful


@dataclass(frozen=True)
class Amendment:
    id: int
    on: date
    description: str
    value_change_cents: int
    value_after_cents: int  # the contract's value once this amendment applied


@dataclass(frozen=True)
class Milestone:
    id: int
    what: str
    due_on: date | None
    delivered_on: date | None
    overdue: bool  # due before today, not delivered, and the contract still owes it

    @property
    def late_days(self) -> int | None:
        """Days delivered after the due date (None when on time or not delivered)."""
        if self.delivered_on and self.due_on and self.delivered_on > self.due_on:
            return (self.delivered_on - self.due_on).days
        return None


@dataclass(frozen=True)
class ChainLink:
    id: int
    number: str
    status: ContractStatus
    start_on: date | None
    end_on: date | None
    value_cents: int


@dataclass(frozen=True)
class ContractDetail:
    contract: Contract
    customer_code: str
    customer_name: str
    original_value_cents: int  # the value when signed: before any amendment
    amendments: list[Amendment]  # in date order (then as entered)
    milestones: list[Milestone]  # by due date
    history: list[ContractEvent]  # every event, in date order (then as entered)
    chain: list[ChainLink]  # the renewal chain this contract is in, oldest first
    allowed: tuple[Action, ...]  # what a user can do now (contract_states.allowed_actions)
    days_to_expiry: int | None
    completed_on: date | None

    @property
    def renewal_of(self) -> ChainLink | None:
        index = self._index()
        return self.chain[index - 1] if index > 0 else None

    @property
    def renewed_by(self) -> ChainLink | None:
        index = self._index()
        return self.chain[index + 1] if index + 1 < len(self.chain) else None

    @property
    def overdue_deliveries(self) -> int:
        return sum(1 for m in self.milestones if m.overdue)

    def _index(self) -> int:
        return next(i for i, link in enumerate(self.chain) if link.id == self.contract.id)


def _link(contract: Contract) -> ChainLink:
    assert contract.id is not None
    return ChainLink(
        contract.id,
        contract.number,
        contract.status,
        contract.start_on,
        contract.end_on,
        contract.value_cents,
    )


def _successor(contract_id: int, *, session: Session) -> Contract | None:
    """The renewal of a contract: the latest one not terminated, else the latest."""
    candidates = list(
        session.execute(
            select(Contract)
            .where(col(Contract.renewal_of_id) == contract_id)
            .order_by(col(Contract.id).desc())
        ).scalars()
    )
    live = [c for c in candidates if c.status != ContractStatus.TERMINATED]
    return (live or candidates or [None])[0]


def renewal_chain(contract_id: int, *, session: Session) -> list[ChainLink]:
    """Every contract in the renewal chain (续签) through this one, oldest first."""
    contract = get_contract(contract_id, session=session)
    seen = {contract_id}
    before: list[ChainLink] = []
    current = contract
    while current.renewal_of_id is not None and len(before) < MAX_CHAIN:
        previous = session.get(Contract, current.renewal_of_id)
        if previous is None or previous.id in seen:
            break
        seen.add(previous.id)  # type: ignore[arg-type]
        before.append(_link(previous))
        current = previous
    after: list[ChainLink] = []
    current = contract
    while len(after) < MAX_CHAIN:
        assert current.id is not None
        following = _successor(current.id, session=session)
        if following is None or following.id in seen:
            break
        seen.add(following.id)  # type: ignore[arg-type]
        after.append(_link(following))
        current = following
    return [*reversed(before), _link(contract), *after]


def contract_detail(contract_id: int, *, session: Session, today: date) -> ContractDetail:
    contract = get_contract(contract_id, session=session)
    customer = session.get(Customer, contract.customer_id)
    assert customer is not None
    history = list(
        session.execute(
            select(ContractEvent)
            .where(col(ContractEvent.contract_id) == contract_id)
            .order_by(col(ContractEvent.occurred_on), col(ContractEvent.id))
        ).scalars()
    )
    changes = [e for e in history if e.kind == K.AMENDED]
    original = contract.value_cents - sum(e.value_change_cents or 0 for e in changes)
    amendments: list[Amendment] = []
    running = original
    for event in changes:
        assert event.id is not None
        running += event.value_change_cents or 0
        amendments.append(
            Amendment(
                event.id,
                event.occurred_on,
                event.description,
                event.value_change_cents or 0,
                running,
            )
        )
    owed = contract.status in OWED
    milestones = sorted(
        (
            Milestone(
                e.id,
                e.description,
                e.due_on,
                e.delivered_on,
                overdue=owed
                and e.delivered_on is None
                and e.due_on is not None
                and e.due_on < today,
            )
            for e in history
            if e.kind == K.MILESTONE
        ),
        key=lambda m: (m.due_on or date.max, m.id),
    )
    completed = [e.occurred_on for e in history if e.kind == K.COMPLETED]
    return ContractDetail(
        contract=contract,
        customer_code=customer.code,
        customer_name=customer.name,
        original_value_cents=original,
        amendments=amendments,
        milestones=milestones,
        history=history,
        chain=renewal_chain(contract_id, session=session),
        allowed=allowed_actions(contract.status),
        days_to_expiry=days_to_expiry(contract.status, contract.end_on, today),
        completed_on=completed[-1] if completed else None,
    )
