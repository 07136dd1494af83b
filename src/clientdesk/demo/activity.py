"""Day-to-day records: visits (拜访), transactions (购销, 回款) and interactions (服务记录).

Most rows of a demo database are made here (≈ 10 visits and 10 transactions a customer).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clientdesk.demo import tables as T
from clientdesk.demo import vocab as V
from clientdesk.demo.clock import HISTORY_DAYS, business_minute
from clientdesk.demo.clock import MINUTES_PER_DAY as DAY
from clientdesk.demo.names import pick

if TYPE_CHECKING:
    from clientdesk.demo.generate import Customer, Generator

VISITS_PER_GRADE = {"A": 34.0, "B": 14.0, "C": 8.0, "D": 4.0}  # over two years
SALES_PER_GRADE = {"A": 18.0, "B": 10.5, "C": 6.8, "D": 4.0}
SALE_RANGE = {  # yuan, log-uniform
    "A": (30_000, 800_000),
    "B": (10_000, 300_000),
    "C": (3_000, 100_000),
    "D": (1_000, 30_000),
}
INTERACTIONS_PER_GRADE = {"A": 7.6, "B": 4.4, "C": 3.0, "D": 1.9}
INTERACTION_KINDS = (
    ("call",) * 38
    + ("email",) * 25
    + ("meeting",) * 15
    + ("seminar",) * 7
    + ("dinner",) * 12
    + ("other",) * 3
)


# The loops below build most of the rows (≈ 10 visits and 10 transactions a customer), so
# they turn minutes into column values inline (midnight[m // DAY] + time_of_day[m % DAY])
# and keep ids in locals: at 100,000 customers every microsecond a row is two seconds.
def visits(g: Generator, c: Customer) -> None:
    rnd = g.rnd
    r = rnd.random
    clock = g.clock
    today = clock.today
    now = clock.now
    at = clock.at
    midnight = clock.midnight
    time_of_day = clock.time_of_day
    dates = clock.date
    append = g.rows[T.VISITS].append
    satisfaction = g.satisfaction[c.grade]
    contacts = c.contacts
    n_contacts = len(contacts)
    primary = contacts[0]
    floor = c.created + 60
    cid = c.id
    owner = c.owner
    last = c.last_contact
    purposes = V.VISIT_PURPOSES
    n_purposes = len(purposes)
    discussions, needs_pool, feedbacks, next_steps = (
        V.DISCUSSIONS,
        V.NEEDS,
        V.FEEDBACKS,
        V.NEXT_STEPS,
    )
    n_discussions, n_needs, n_feedbacks, n_steps = (
        len(discussions),
        len(needs_pool),
        len(feedbacks),
        len(next_steps),
    )

    first, end = c.first, c.end
    span = end - first
    if c.status == "prospect":
        count = int(r() * 3) + (span > 30)
    else:
        count = int(VISITS_PER_GRADE[c.grade] * span / HISTORY_DAYS + r())
    vid = g.visit_id
    interval = span / count if count else 0.0
    for index in range(count):  # regular visits, spread evenly over the customer's history
        day = first + int((index + 0.15 + 0.7 * r()) * interval)
        if day >= today:
            day = today - 1
        base = midnight[day]
        minute = 60 + 30 * int(r() * 17)  # 09:00-17:00 Beijing
        planned_at = base + time_of_day[minute]
        planned = day * DAY + minute
        created = planned - (1 + int(r() * 14)) * DAY
        if created < floor:
            created = floor
        created_at = midnight[created // DAY] + time_of_day[created % DAY]
        contact = primary if r() < 0.7 else contacts[int(r() * n_contacts)]
        purpose = purposes[int(r() * n_purposes)]
        vid += 1
        x = r()
        if x < 0.85:
            done = minute + int(r() * 60)  # the visit, and its log later that day
            if day * DAY + done > last:
                last = day * DAY + done
            step = next_on = None
            if r() < 0.7:
                step = next_steps[int(r() * n_steps)]
                next_on = dates[day + 7 + int(r() * 30)]
            append(
                (
                    vid,
                    cid,
                    contact,
                    "regular",
                    purpose,
                    planned_at,
                    owner,
                    None,
                    None,
                    "done",
                    base + time_of_day[done],
                    discussions[int(r() * n_discussions)],
                    needs_pool[int(r() * n_needs)] if r() < 0.7 else None,
                    feedbacks[int(r() * n_feedbacks)] if r() < 0.8 else None,
                    satisfaction() if r() < 0.9 else None,
                    step,
                    next_on,
                    created_at,
                    base + time_of_day[done + 30 + int(r() * 480)],
                )
            )
        else:
            if x < 0.93:
                status = "cancelled"
                updated = planned - int(r() * 2 * DAY)
                if updated < created:
                    updated = created
            else:
                status = "missed"
                updated = planned + DAY if planned + DAY < now else now
            append(
                (
                    vid,
                    cid,
                    contact,
                    "regular",
                    purpose,
                    planned_at,
                    owner,
                    None,
                    None,
                    status,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    created_at,
                    midnight[updated // DAY] + time_of_day[updated % DAY],
                )
            )
    g.visit_id = vid

    def visit(
        day: int, kind: str, purpose: str, contract: int | None, complaint: int | None
    ) -> None:
        """A return visit, complaint follow-up or future visit; planned if not in the past."""
        nonlocal last
        g.visit_id += 1
        planned = day * DAY + business_minute(r())
        contact = primary if r() < 0.7 else contacts[int(r() * n_contacts)]
        if day >= today:
            created = min(max(now - int(r() * 20 * DAY), floor), now)
            append(
                (
                    g.visit_id,
                    cid,
                    contact,
                    kind,
                    purpose,
                    at(planned),
                    owner,
                    contract,
                    complaint,
                    "planned",
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    at(created),
                    at(created),
                )
            )
            return
        created = max(planned - (1 + int(r() * 6)) * DAY, floor)
        if r() < 0.9:
            done = planned + int(r() * 60)
            last = max(last, done)
            append(
                (
                    g.visit_id,
                    cid,
                    contact,
                    kind,
                    purpose,
                    at(planned),
                    owner,
                    contract,
                    complaint,
                    "done",
                    at(done),
                    pick(rnd, discussions),
                    pick(rnd, needs_pool) if r() < 0.5 else None,
                    pick(rnd, feedbacks),
                    satisfaction(),
                    None,
                    None,
                    at(created),
                    at(done + 30 + int(r() * 480)),
                )
            )
        else:
            append(
                (
                    g.visit_id,
                    cid,
                    contact,
                    kind,
                    purpose,
                    at(planned),
                    owner,
                    contract,
                    complaint,
                    "cancelled",
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    at(created),
                    at(created),
                )
            )

    for contract, delivered in c.deliveries:  # return visits (回访) after deliveries
        if r() < 0.5:
            day = delivered + 2 + int(r() * 8)
            if day < end or today <= day <= today + 60:
                visit(day, "return", pick(rnd, V.RETURN_PURPOSES), contract, None)
    for complaint, moment in c.followups:
        day = moment // DAY
        if day <= today + 60:
            visit(day, "complaint_followup", pick(rnd, V.FOLLOWUP_PURPOSES), None, complaint)
    if c.status == "active":
        if r() < 0.3:
            for _ in range(1 + (r() < 0.3)):
                visit(today + 1 + int(r() * 60), "regular", pick(rnd, purposes), None, None)
        if r() < 0.06:  # planned but never logged: overdue
            g.visit_id += 1
            day = today - 1 - int(r() * 20)
            planned = day * DAY + business_minute(r())
            created = max(planned - (3 + int(r() * 10)) * DAY, floor)
            append(
                (
                    g.visit_id,
                    cid,
                    primary,
                    "regular",
                    pick(rnd, purposes),
                    at(planned),
                    owner,
                    None,
                    None,
                    "planned",
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    at(created),
                    at(created),
                )
            )
    c.last_contact = last


# -- transactions ------------------------------------------------------------------------------
def transactions(g: Generator, c: Customer) -> None:
    if c.status == "prospect":
        return
    rnd = g.rnd
    r = rnd.random
    clock = g.clock
    today = clock.today
    yesterday = today - 1
    midnight = clock.midnight
    time_of_day = clock.time_of_day
    dates = clock.date
    compact = clock.compact
    quarter = clock.quarter
    sales = g.sales
    owner = c.owner
    cid = c.id
    append = g.rows[T.TRANSACTIONS].append
    supplier = c.kind == "supplier"
    kind, prefix = ("purchase", "CG") if supplier else ("sale", "XS")
    on_time, late = c.payer
    if supplier:
        on_time, late = 0.9, 0.09  # we pay our suppliers
    if c.status in ("dormant", "lost"):
        on_time *= 0.8
    terms = c.terms
    low, high = SALE_RANGE[c.grade]
    ratio = high / low
    in_force = c.contracts
    first, span = c.first, c.end - c.first
    count = int(SALES_PER_GRADE[c.grade] * span / HISTORY_DAYS + r())
    tid = g.transaction_id
    for _ in range(count):
        day = first + int(r() * span)
        if day > yesterday:
            day = yesterday
        amount = int(low * ratio ** r()) * 100
        due = day + terms
        paid: int | None = None
        if due < today:
            x = r()
            if x < on_time:
                paid = day + 3 + int(r() * (terms - 2))  # on or before the due date
            elif x < on_time + late:
                paid = due + 1 + int(r() * 60)
                if paid > yesterday:
                    paid = None  # late and still unpaid
        elif day + 3 <= yesterday and r() < 0.35:
            paid = day + 3 + int(r() * (yesterday - day - 2))
        contract = None
        for kid, start, until in in_force:
            if start <= day <= until and r() < 0.7:
                contract = kid
                break
        tid += 1
        reference = f"{prefix}-{compact[day]}-{tid % 10000:04d}"
        moment = 60 + 30 * int(r() * 17)
        append(
            (
                tid,
                cid,
                contract,
                kind,
                amount,
                "CNY",
                dates[day],
                dates[due],
                dates[paid] if paid is not None else None,
                reference,
                None,
                midnight[day] + time_of_day[moment],
            )
        )
        if supplier:
            continue
        key = (owner, quarter[day])
        sales[key] = sales.get(key, 0) + amount
        if paid is not None and r() < 0.75:  # the payment (回款) booked against the sale
            tid += 1
            append(
                (
                    tid,
                    cid,
                    contract,
                    "payment",
                    amount,
                    "CNY",
                    dates[paid],
                    None,
                    None,
                    f"SK-{compact[paid]}-{tid % 10000:04d}",
                    f"回款 {reference}",
                    midnight[paid] + time_of_day[moment],
                )
            )
        if r() < 0.03:
            back = day + 10 + int(r() * 50)
            if back <= yesterday:
                tid += 1
                refund = max(1, int(amount * (0.05 + 0.25 * r())) // 100) * 100
                append(
                    (
                        tid,
                        cid,
                        contract,
                        "refund",
                        refund,
                        "CNY",
                        dates[back],
                        None,
                        None,
                        f"TK-{compact[back]}-{tid % 10000:04d}",
                        f"退货退款 {reference}",
                        midnight[back] + time_of_day[moment],
                    )
                )
        if r() < 0.03:
            tid += 1
            bought = int(low * ratio ** r()) * 50
            append(
                (
                    tid,
                    cid,
                    None,
                    "purchase",
                    bought,
                    "CNY",
                    dates[day],
                    dates[due],
                    dates[day + 1 + int(r() * terms)] if due < today else None,
                    f"CG-{compact[day]}-{tid % 10000:04d}",
                    "向客户采购",
                    midnight[day] + time_of_day[moment],
                )
            )
    g.transaction_id = tid


# -- interactions ------------------------------------------------------------------------------
def interactions(g: Generator, c: Customer) -> None:
    r = g.rnd.random
    clock = g.clock
    today = clock.today
    midnight = clock.midnight
    time_of_day = clock.time_of_day
    append = g.rows[T.INTERACTIONS].append
    subjects = V.INTERACTION_SUBJECTS
    notes = V.INTERACTION_NOTES
    kinds = INTERACTION_KINDS
    contacts = c.contacts
    cid, owner = c.id, c.owner
    first, span = c.first, c.end - c.first
    if c.status == "prospect":
        count = 1 + int(r() * 4)
    else:
        count = int(INTERACTIONS_PER_GRADE[c.grade] * span / HISTORY_DAYS + r())
    last = c.last_contact
    iid = g.interaction_id
    for _ in range(count):
        day = first + int(r() * span)
        if day >= today:
            day = today - 1
        kind = kinds[int(r() * len(kinds))]
        if kind == "email":
            minute = int(r() * 840)  # 08:00-22:00 Beijing
        elif kind == "dinner":
            minute = 600 + 30 * int(r() * 5)  # 18:00-20:00 Beijing
        else:
            minute = 60 + 30 * int(r() * 17)
        moment = day * DAY + minute
        if moment > last:
            last = moment
        options = subjects[kind]
        iid += 1
        append(
            (
                iid,
                cid,
                contacts[int(r() * len(contacts))] if r() < 0.9 else None,
                kind,
                midnight[day] + time_of_day[minute],
                options[int(r() * len(options))],
                notes[int(r() * len(notes))] if r() < 0.5 else None,
                owner,
                midnight[day] + time_of_day[minute + int(r() * 180)],
            )
        )
    g.interaction_id = iid
    c.last_contact = last
