"""Contracts (合同) with their history: created, signed, amended, milestones, renewed, ended."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clientdesk.demo import tables as T
from clientdesk.demo import vocab as V
from clientdesk.demo.clock import HISTORY_DAYS, business_minute
from clientdesk.demo.clock import MINUTES_PER_DAY as DAY
from clientdesk.demo.names import pick
from clientdesk.domain.money import format_cents

if TYPE_CHECKING:
    from clientdesk.demo.generate import Customer, Generator

CONTRACTS_PER_GRADE = {"A": 1.6, "B": 0.8, "C": 0.4, "D": 0.15}
CONTRACT_VALUE = {  # yuan, drawn log-uniformly
    "A": (500_000, 5_000_000),
    "B": (200_000, 1_500_000),
    "C": (50_000, 500_000),
    "D": (20_000, 150_000),
}
DURATIONS = (182, 365, 365, 365, 730, 1095)
RISK_ZH = {"low": "低", "medium": "中", "high": "高"}


def contracts(g: Generator, c: Customer) -> None:
    r = g.rnd.random
    today = g.clock.today
    if c.status == "prospect":
        if r() < 0.1:
            _contract(g, c, max(c.first, today - 5 - int(r() * 40)), None)
        return
    expected = CONTRACTS_PER_GRADE[c.grade] * (c.end - c.first) / HISTORY_DAYS
    for _ in range(int(expected + r())):
        created = c.first + int(r() * max(1, c.end - c.first - 10))
        previous = _contract(g, c, created, None)
        while previous is not None and r() < 0.4:  # renewed (续签) when it was completed
            previous = _contract(g, c, 0, previous)


def _contract(
    g: Generator, c: Customer, created: int, previous: tuple[int, int, int] | None
) -> tuple[int, int, int] | None:
    """One contract with its events; (id, end, duration) when completed (renewable), else None."""
    rnd = g.rnd
    r = rnd.random
    clock = g.clock
    today = clock.today
    yesterday = today - 1
    if previous is not None:
        previous_id, previous_end, duration = previous
        start = previous_end + 1
        signed = start - 5 - int(r() * 25)
        created = signed - 3 - int(r() * 15)
    else:
        signed = created + 3 + int(r() * 25)
        if c.status == "prospect":  # still negotiating: a draft to be signed soon
            signed = max(signed, today + int(r() * 20))
        start = signed + int(r() * 20)
        duration = pick(rnd, DURATIONS)
    end = start + duration - 1
    g.contract_id += 1
    kid = g.contract_id
    year = clock.year[created]
    sequence = g.contract_numbers.get(year, 0) + 1
    g.contract_numbers[year] = sequence
    number = f"HT-{year}-{sequence:06d}"
    low, high = CONTRACT_VALUE[c.grade]
    value = int(low * (high / low) ** r()) // 1000 * 100_000  # whole thousands of yuan, cents
    signed_value = value

    terminated: int | None = None
    reason: str | None = None
    if signed > yesterday:
        status = "draft"
    elif start > yesterday:
        status = "signed"
    elif end >= today:
        status = "active"
        if r() < 0.07:
            status, terminated = "terminated", start + int(r() * (yesterday - start + 1))
    else:
        x = r()
        if x < 0.65:
            status = "completed"
        elif x < 0.85:
            status = "expired"
        else:
            status, terminated = "terminated", start + int(r() * duration)
    if c.status == "lost" and status in ("active", "signed"):
        status, terminated = "terminated", max(signed, min(c.end, yesterday))
        reason = "客户流失，双方协商解除合同"
    if status == "terminated" and reason is None:
        reason = pick(rnd, V.TERMINATION_REASONS)
    in_force_until = min(terminated if terminated is not None else end, yesterday)

    events: list[tuple[str, int, str, int | None, int | None, int | None, int]] = []
    bm = business_minute
    events.append(("created", created, "起草合同", None, None, None, created * DAY + bm(r())))
    if status != "draft":
        signed_at = signed * DAY + bm(r())
        money = format_cents(signed_value)
        events.append(
            ("signed", signed, f"双方签订合同，金额 ¥{money}", None, None, None, signed_at)
        )
        if start <= yesterday:
            events.append(("activated", start, "合同生效", None, None, None, start * DAY + bm(r())))
        if in_force_until >= start and r() < 0.2:
            for _ in range(1 + (r() < 0.3)):
                day = start + int(r() * (in_force_until - start + 1))
                change = max(1, int(value * (0.05 + 0.15 * r())) // 100_000) * 100_000
                if r() < 0.25 and value - change > 0:
                    change = -change
                value += change
                what = pick(rnd, V.AMENDMENTS)
                direction = "增加" if change > 0 else "减少"
                text = f"{what}，合同金额{direction} ¥{format_cents(abs(change))}"
                events.append(("amended", day, text, change, None, None, day * DAY + bm(r())))
        milestones = 1 + int(r() * 3)
        for index in range(milestones):
            due = start + (index + 1) * (end - start) // (milestones + 1) + int(r() * 10)
            if terminated is not None and due > terminated:
                break
            delivered: int | None = None
            if due <= yesterday:
                x = r()
                if status != "active" or x < 0.92:
                    delivered = due - int(r() * 6) if x < 0.8 else due + 1 + int(r() * 30)
                    delivered = min(max(delivered, start), yesterday)
            name = V.MILESTONES[min(index, len(V.MILESTONES) - 1)]
            if index == milestones - 1 and milestones > 1:
                name = "项目验收"
            happened = delivered if delivered is not None else signed
            events.append(("milestone", happened, name, None, due, delivered, signed_at))
            if delivered is not None:
                c.deliveries.append((kid, delivered))
        if status == "completed":
            events.append(("completed", end, "合同履行完毕", None, None, None, end * DAY + bm(r())))
        elif terminated is not None:
            events.append(
                (
                    "terminated",
                    terminated,
                    reason or "",
                    None,
                    None,
                    None,
                    terminated * DAY + bm(r()),
                )
            )
        elif status == "expired":  # the term ran out without being closed (domain/contracts.py)
            events.append(
                ("expired", end + 1, "合同到期", None, None, None, (end + 1) * DAY + bm(0))
            )
        if start <= yesterday:
            c.contracts.append((kid, start, in_force_until))
    if previous is not None:  # the contract it renews records the renewal
        day = signed if status != "draft" else created
        g.contract_event_id += 1
        g.rows[T.CONTRACT_EVENTS].append(
            (
                g.contract_event_id,
                previous_id,
                "renewed",
                clock.date[day],
                f"续签为 {number}",
                None,
                None,
                None,
                clock.at(day * DAY + bm(r())),
            )
        )

    if kid % 5 == 0 and created + 1 <= min(yesterday, signed - 3):  # terms reworked before signing
        events.append(
            ("edited", created + 1, "修改合同条款", None, None, None, (created + 1) * DAY)
        )
    risk = notes = None
    if r() < 0.35:
        x = r() - (0.25 if c.payer[0] < 0.5 else 0.0)
        risk = "low" if x > 0.5 else "medium" if x > 0.15 else "high"
        notes = pick(rnd, V.RISK_NOTES[risk])
        assessed = min(created if status == "draft" else signed, yesterday)
        text = f"风险等级：{RISK_ZH[risk]}；{notes}"
        events.append(("risk", assessed, text, None, None, None, assessed * DAY + bm(0.9)))
    at = clock.at
    dates = clock.date
    append = g.rows[T.CONTRACT_EVENTS].append
    updated = created * DAY
    for kind, day, text, change_cents, due_day, delivered_day, stamp in events:
        g.contract_event_id += 1
        append(
            (
                g.contract_event_id,
                kid,
                kind,
                dates[day],
                text,
                change_cents,
                dates[due_day] if due_day is not None else None,
                dates[delivered_day] if delivered_day is not None else None,
                at(stamp),
            )
        )
        updated = max(updated, stamp)
    g.rows[T.CONTRACTS].append(
        (
            kid,
            c.id,
            number,
            pick(rnd, V.CONTRACT_TITLES),
            dates[start],
            dates[end],
            value,
            "CNY",
            pick(rnd, V.PAYMENT_TERMS),
            c.owner,
            "含年度返利条款" if r() < 0.1 else None,
            status,
            dates[signed] if status != "draft" else None,
            dates[terminated] if terminated is not None else None,
            reason,
            previous[0] if previous is not None else None,
            risk,
            notes,
            at(events[0][6]),
            at(updated),
        )
    )
    if status == "completed" and end < today:
        return (kid, end, duration)
    return None
