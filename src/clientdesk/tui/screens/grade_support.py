"""What the grading views share: the settings the scorecard reads, and a grade move in words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clientdesk.config import Settings
from clientdesk.domain.enums import Grade
from clientdesk.domain.regrade import Evaluated, RunResult


def grading_args(settings: Settings) -> dict[str, Any]:
    """Weights, thresholds and currency for regrade.evaluate / run_grading."""
    return {
        "weights": settings.grading.weights.model_dump(),
        "thresholds": settings.grading.thresholds.model_dump(),
        "currency": settings.general.currency,
    }


def thresholds_text(thresholds: Mapping[str, float]) -> str:
    """'A ≥ 65 · B ≥ 50 · C ≥ 35, else D'."""
    limits = " · ".join(f"{grade} ≥ {thresholds[grade]:g}" for grade in ("A", "B", "C"))
    return f"{limits}, else D"


def why(item: Evaluated) -> str:
    """Why the scorecard gives this grade, in a few words a manager can check."""
    if not item.inputs.has_data:
        return "no data: nothing bought, paid or rated"
    cuts = item.grading.thresholds
    grade = item.grade
    if grade is Grade.D:
        return f"score {item.total:.1f} < {cuts['C']:g} for C"
    return f"score {item.total:.1f} ≥ {cuts[grade.value]:g} for {grade}"


def direction(item: Evaluated) -> str:
    """'up', 'down' or 'same': A is the top grade, so A < B means better."""
    if item.grade == item.current:
        return "same"
    return "up" if item.grade < item.current else "down"


def movement(item: Evaluated) -> str:
    arrow = {"up": "↑", "down": "↓", "same": "="}[direction(item)]
    return f"{item.current} → {item.grade} {arrow}"


def run_summary(run: RunResult) -> str:
    """One paragraph: how many were evaluated and what moved (or would move)."""
    verb = "would move" if run.dry_run else "moved"
    text = (
        f"{run.evaluated:,} customers evaluated as of {run.as_of.isoformat()}: "
        f"{len(run.upgrades):,} up and {len(run.downgrades):,} down {verb}; "
        f"{len(run.kept_fixed):,} kept as fixed by hand; {run.no_data:,} with no data (D)."
    )
    if run.a_without_owner:
        names = ", ".join(item.code for item in run.a_without_owner[:5])
        more = len(run.a_without_owner) - 5
        text += (
            f" ⚠ {len(run.a_without_owner):,} A customers have no account manager: {names}"
            + (f" and {more:,} more" if more > 0 else "")
            + "."
        )
    return text
