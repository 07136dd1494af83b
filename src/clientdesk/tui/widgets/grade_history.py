"""A customer's grade history (评级记录): every assessment that set a grade, newest first."""

from __future__ import annotations

from datetime import tzinfo

from rich.text import Text
from textual.widgets import DataTable

from clientdesk.domain.grading import GradeAssessment
from clientdesk.tui.formatting import local_time

COLUMNS = (
    ("when", "When", 16),
    ("change", "Change", 6),
    ("total", "Total", 5),
    ("why", "Why", 0),
    ("by", "By", 8),
)
WHY_WIDTH = (12, 80)


def change_text(assessment: GradeAssessment) -> str:
    before = assessment.previous_grade.value if assessment.previous_grade else "—"
    return f"{before} → {assessment.grade.value}"


class GradeHistoryTable(DataTable[Text]):
    def __init__(self, *, zone: tzinfo, id: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self.zone = zone
        self.assessments: list[GradeAssessment] = []
        self._why_width = WHY_WIDTH[0]

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width or self._why_width)

    @property
    def current(self) -> GradeAssessment | None:
        if not self.assessments or not 0 <= self.cursor_row < len(self.assessments):
            return None
        return self.assessments[self.cursor_row]

    def show(self, assessments: list[GradeAssessment]) -> None:
        self.assessments = assessments
        self.clear()
        for item in assessments:
            self.add_row(
                Text(local_time(item.assessed_at, self.zone), no_wrap=True),
                Text(change_text(item), style="bold" if item.manual else "", no_wrap=True),
                Text(f"{item.total_score:.1f}".rjust(5), no_wrap=True),
                Text(item.reason or "", no_wrap=True, overflow="ellipsis"),
                Text(item.actor or "", no_wrap=True, overflow="ellipsis"),
                key=str(item.id),
            )

    def on_resize(self) -> None:
        others = sum(w + 2 * self.cell_padding for _, _, w in COLUMNS if w)
        spare = self.size.width - others - 2 * self.cell_padding - 1
        width = min(max(spare, WHY_WIDTH[0]), WHY_WIDTH[1])
        if width != self._why_width and self.columns:
            self._why_width = width
            for key, column in self.columns.items():
                if key.value == "why":
                    column.width = width
            self._require_update_dimensions = True
            self.refresh()
