"""The scorecard behind a grade (评分卡): each dimension's raw value, score, weight and points,
then the total, the grade it earns and the thresholds — enough to explain it to a manager."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from clientdesk.domain.scoring import Scorecard
from clientdesk.tui.screens.grade_support import thresholds_text

COLUMNS = (
    ("dimension", "Dimension 维度", 0),
    ("raw", "Raw value", 17),
    ("score", "Score", 5),
    ("weight", "Weight", 6),
    ("points", "Points", 6),
    ("note", "Note", 0),
)
DIMENSION_WIDTH = (20, 43)  # the labels are at most 43 cells; narrower, they are cut
NOTE_WIDTH = 6  # at least; the note gets what the dimension leaves


def _right(value: str, width: int, style: str = "") -> Text:
    # DataTable cells do not justify: pad so that numbers line up.
    return Text(value.rjust(width), style=style, no_wrap=True)


class ScorecardTable(DataTable[Text]):
    """Seven dimension rows and a total row."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self._widths = {"dimension": DIMENSION_WIDTH[1], "note": NOTE_WIDTH}

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width or self._widths[key])

    def show(self, card: Scorecard) -> None:
        self.clear()
        for d in card.dimensions:
            self.add_row(
                Text(d.label, no_wrap=True, overflow="ellipsis"),
                Text(d.raw, no_wrap=True, overflow="ellipsis"),
                _right(f"{d.score:.1f}", 5),
                _right(f"{d.weight:.2f}", 6),
                _right(f"{d.points:.1f}", 6),
                Text(d.note, style="dim", no_wrap=True, overflow="ellipsis"),
                key=d.name,
            )
        verdict = f"→ grade {card.grade}"
        if card.reason:
            verdict += f" ({card.reason})"
        self.add_row(
            Text("Total 总分", style="bold"),
            Text(""),
            Text(""),
            _right(f"{sum(d.weight for d in card.dimensions):.2f}", 6),
            _right(f"{card.total:.1f}", 6, "bold"),
            Text(verdict, style="bold", no_wrap=True, overflow="ellipsis"),
            key="total",
        )
        self.border_subtitle = f"grades: {thresholds_text(card.thresholds)}"

    def on_resize(self) -> None:
        # The numbers always show; the dimension's label and the note share what is left.
        fixed = sum(w + 2 * self.cell_padding for _, _, w in COLUMNS if w)
        spare = self.size.width - fixed - 4 * self.cell_padding - 1
        dimension = min(max(spare - NOTE_WIDTH, DIMENSION_WIDTH[0]), DIMENSION_WIDTH[1])
        widths = {"dimension": dimension, "note": max(spare - dimension, NOTE_WIDTH)}
        if widths == self._widths or not self.columns:
            return
        self._widths = widths
        for key, column in self.columns.items():
            if key.value in widths:
                column.width = widths[str(key.value)]
        self._require_update_dimensions = True
        self.refresh()
