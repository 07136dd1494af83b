"""The contract lifecycle as an explicit state machine (签订 → 生效 → 完成 / 解除 / 到期).

    draft ──sign──▶ signed ──(start date comes)──▶ active ──complete──▶ completed
      │               │                              │  ╲
      └─terminate─┐   └─terminate─┐      terminate───┘   (end date passes)
                  ▼               ▼      ▼                 ▼
               terminated ◀──────────────            expired ──complete──▶ completed

`activate` and `expire` are not asked for by a user: they follow the calendar and are
applied by `contracts.activate_due` (see there). Every other step is a user action; some
actions change the status (sign, complete, terminate), the others work on a contract in
certain states and leave the status as it is (edit a draft, amend, renew, plan a
delivery milestone, record a delivery, assess risk). Completed and terminated contracts
are closed: nothing more can be done with them except renewing a completed one.
"""

from __future__ import annotations

from enum import StrEnum

from clientdesk.domain.enums import ContractStatus, label_zh
from clientdesk.errors import ConflictError

S = ContractStatus


class Action(StrEnum):
    SIGN = "sign"
    ACTIVATE = "activate"  # automatic, on the start date
    EXPIRE = "expire"  # automatic, the day after the end date
    COMPLETE = "complete"
    TERMINATE = "terminate"
    EDIT = "edit"
    AMEND = "amend"
    RENEW = "renew"
    MILESTONE = "milestone"
    DELIVER = "deliver"
    RISK = "risk"


AUTOMATIC = frozenset({Action.ACTIVATE, Action.EXPIRE})

TRANSITIONS: dict[ContractStatus, dict[Action, ContractStatus]] = {
    S.DRAFT: {Action.SIGN: S.SIGNED, Action.TERMINATE: S.TERMINATED},
    S.SIGNED: {Action.ACTIVATE: S.ACTIVE, Action.TERMINATE: S.TERMINATED},
    S.ACTIVE: {
        Action.COMPLETE: S.COMPLETED,
        Action.TERMINATE: S.TERMINATED,
        Action.EXPIRE: S.EXPIRED,
    },
    S.EXPIRED: {Action.COMPLETE: S.COMPLETED},
    S.COMPLETED: {},
    S.TERMINATED: {},
}
"""Status changes: from a status, which action leads to which status."""

WORK: dict[ContractStatus, frozenset[Action]] = {
    S.DRAFT: frozenset({Action.EDIT, Action.MILESTONE, Action.RISK}),
    S.SIGNED: frozenset({Action.AMEND, Action.MILESTONE, Action.DELIVER, Action.RISK}),
    S.ACTIVE: frozenset(
        {Action.AMEND, Action.RENEW, Action.MILESTONE, Action.DELIVER, Action.RISK}
    ),
    S.EXPIRED: frozenset({Action.RENEW, Action.DELIVER, Action.RISK}),
    S.COMPLETED: frozenset({Action.RENEW}),
    S.TERMINATED: frozenset(),
}
"""Actions that keep the status, by the statuses they are allowed in."""

ORDER = (
    Action.SIGN,
    Action.EDIT,
    Action.AMEND,
    Action.MILESTONE,
    Action.DELIVER,
    Action.RISK,
    Action.RENEW,
    Action.COMPLETE,
    Action.TERMINATE,
)
"""The order actions are offered in (and listed in messages)."""

VERBS: dict[Action, str] = {
    Action.SIGN: "signed",
    Action.ACTIVATE: "activated",
    Action.EXPIRE: "expired",
    Action.COMPLETE: "completed",
    Action.TERMINATE: "terminated",
    Action.EDIT: "edited",
    Action.AMEND: "amended",
    Action.RENEW: "renewed",
    Action.MILESTONE: "given a delivery milestone",
    Action.DELIVER: "given a delivery",
    Action.RISK: "given a risk assessment",
}

LIVE = (S.SIGNED, S.ACTIVE)
"""In force or about to be: these can expire and need renewal attention."""

OWED = (S.SIGNED, S.ACTIVE, S.EXPIRED)
"""Deliveries are still owed: an undelivered milestone past its due date is overdue."""


def allowed_actions(status: ContractStatus) -> tuple[Action, ...]:
    """What a user can do with a contract in this status, in the order they are offered."""
    possible = set(TRANSITIONS[status]) | WORK[status]
    return tuple(action for action in ORDER if action in possible)


def is_allowed(status: ContractStatus, action: Action) -> bool:
    return action in TRANSITIONS[status] or action in WORK[status]


def next_status(status: ContractStatus, action: Action) -> ContractStatus:
    """The status after `action` (the same one for actions that keep it); refused if not allowed."""
    check(status, action)
    return TRANSITIONS[status].get(action, status)


def describe(status: ContractStatus) -> str:
    return f"{status.value} ({label_zh(status)})"


def check(status: ContractStatus, action: Action, *, number: str | None = None) -> None:
    """Refuse `action` in `status` with a message naming what is allowed instead."""
    if is_allowed(status, action):
        return
    which = f"contract {number}" if number else "the contract"
    allowed = allowed_actions(status)
    if allowed:
        hint = f"From {status.value} you can: {', '.join(a.value for a in allowed)}."
    else:
        hint = f"A {status.value} contract is closed; nothing more can be done with it."
    raise ConflictError(f"{which} is {describe(status)}: it cannot be {VERBS[action]}.", hint=hint)
