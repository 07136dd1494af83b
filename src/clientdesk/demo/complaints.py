"""Complaints (客户投诉): deadlines by grade and severity, escalation, resolution, disputes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clientdesk.demo import tables as T
from clientdesk.demo import vocab as V
from clientdesk.demo.clock import MINUTES_PER_DAY as DAY
from clientdesk.demo.names import pick
from clientdesk.domain.enums import ComplaintChannel, label_zh

if TYPE_CHECKING:
    from clientdesk.demo.generate import Customer, Generator

GRADE_HOURS = {"A": 4, "B": 8, "C": 24, "D": 48}  # complaint answer time (响应时间)
SEVERITY_FACTOR = {"low": 2.0, "medium": 1.0, "high": 0.5, "critical": 0.25}
SEVERITIES = ("low", "medium", "high", "critical")
SEVERITY_CUM = (0.30, 0.70, 0.92, 1.0)
CHANNELS = ("phone", "phone", "email", "wechat", "wechat", "visit", "letter")
CATEGORIES = ("product", "product", "service", "delivery", "delivery", "billing", "other")


def complaints(g: Generator, c: Customer) -> None:
    rnd = g.rnd
    r = rnd.random
    if c.status == "prospect":
        return
    x = r()
    count = 1 if x < 0.13 else 2 if x < 0.155 else 3 if x < 0.165 else 0
    clock = g.clock
    now = clock.now
    at = clock.at
    begin = c.first * DAY
    stop = now - 30 if c.end >= clock.today else c.end * DAY
    hours = GRADE_HOURS[c.grade]
    events = g.rows[T.COMPLAINT_EVENTS]
    for _ in range(count):
        if c.end >= clock.today and r() < 0.15:  # some are recent, and so still open
            received = max(begin, stop - int(r() * 14 * DAY))
        else:
            received = begin + int(r() * (stop - begin))
        y = r()
        severity = next(s for s, cut in zip(SEVERITIES, SEVERITY_CUM, strict=True) if y < cut)
        allowed = int(hours * 60 * SEVERITY_FACTOR[severity])
        due = received + allowed
        category = pick(rnd, CATEGORIES)
        channel = pick(rnd, CHANNELS)
        summary = pick(rnd, V.COMPLAINT_SUMMARIES[category])
        # The complaint's life; steps that would lie after `now` have not happened yet.
        if r() < 0.85:
            acknowledged: int | None = received + 1 + int(allowed * (0.1 + 0.8 * r()))
        else:
            acknowledged = received + int(allowed * (1.1 + 3.0 * r()))
        assert acknowledged is not None
        started: int | None = acknowledged + 10 + int(r() * 600)
        assert started is not None
        speed = 0.3 if severity == "critical" else 1.0
        resolved: int | None = None
        if r() > 0.04:
            resolved = started + 240 + int(r() * 10 * DAY * speed)
        closed: int | None = None
        if resolved is not None and r() < 0.9:
            closed = resolved + DAY + int(r() * 6 * DAY)
        if closed is not None and closed > now:
            closed = None
        if resolved is not None and resolved > now:
            resolved = closed = None
        if started > now:
            started = resolved = closed = None
        if acknowledged > now:
            acknowledged = started = resolved = closed = None
        status = (
            "closed"
            if closed is not None
            else "resolved"
            if resolved is not None
            else "in_progress"
            if started is not None
            else "acknowledged"
            if acknowledged is not None
            else "received"
        )
        escalated_at: int | None = None
        if (acknowledged is None or acknowledged > due) and due < now:
            escalated_at = due + 5 + int(r() * 55)
            if acknowledged is not None:
                escalated_at = min(escalated_at, due + (acknowledged - due) // 2)
            escalated_at = min(escalated_at, now)
        resolution = satisfaction = None
        if resolved is not None:
            resolution = pick(rnd, V.RESOLUTIONS)
            satisfaction = g.satisfaction[c.grade]()
            if severity in ("high", "critical") and satisfaction > 3:
                satisfaction -= 1
        positions = outcome = compensation = None
        if r() < (0.15 if severity in ("high", "critical") else 0.03):
            positions = pick(rnd, V.DISPUTE_POSITIONS)
            if resolved is not None:
                outcome = pick(rnd, V.DISPUTE_OUTCOMES)
                if r() < 0.6:
                    compensation = (1000 + int(r() * 49_000)) * 100
        g.complaint_id += 1
        kid = g.complaint_id
        contact = c.contacts[0] if r() < 0.8 else pick(rnd, c.contacts)
        staff = pick(rnd, V.SERVICE_STAFF)
        steps: list[tuple[int, str | None, str | None, str, str | None]] = [
            (
                received,
                None,
                "received",
                f"通过{label_zh(ComplaintChannel(channel))}受理投诉：{summary}",
                staff,
            )
        ]
        if acknowledged is not None:
            steps.append((acknowledged, "received", "acknowledged", "已联系客户确认问题", staff))
        if escalated_at is not None:
            steps.append((escalated_at, None, None, "超过响应时限未答复，已升级至部门经理", None))
        if started is not None:
            steps.append((started, "acknowledged", "in_progress", "已安排专人处理", c.owner))
        if resolved is not None:
            steps.append((resolved, "in_progress", "resolved", resolution or "", c.owner))
        if closed is not None:
            steps.append((closed, "resolved", "closed", "客户确认，投诉关闭", staff))
        steps.sort(key=lambda step: step[0])
        for moment, before, after, note, actor in steps:
            g.complaint_event_id += 1
            events.append((g.complaint_event_id, kid, at(moment), before, after, note, actor))
        g.rows[T.COMPLAINTS].append(
            (
                kid,
                c.id,
                contact,
                channel,
                category,
                severity,
                summary,
                pick(rnd, V.COMPLAINT_DETAILS) if r() < 0.7 else None,
                c.owner,
                status,
                at(received),
                at(due),
                at(acknowledged) if acknowledged is not None else None,
                at(resolved) if resolved is not None else None,
                at(closed) if closed is not None else None,
                escalated_at is not None,
                at(escalated_at) if escalated_at is not None else None,
                resolution,
                satisfaction,
                positions,
                outcome,
                compensation,
                at(received),
                at(steps[-1][0]),
            )
        )
        if acknowledged is not None and r() < 0.5:
            c.followups.append((kid, acknowledged + DAY + int(r() * 4 * DAY)))
