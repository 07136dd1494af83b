"""The row under the header naming every main screen and its key, the current one marked.

The footer keeps its room for the keys of the screen shown; this row says where else one
key takes you (a click works too).
"""

from __future__ import annotations

from textual.widgets import Static

from clientdesk.tui.registry import modes


class ModeBar(Static):
    """`c Customers  v Visits  k Contracts ...`, with `current` highlighted."""

    DEFAULT_CSS = """
    ModeBar {
        height: 1;
        width: 1fr;
        padding: 0 1;
        background: $panel;
        color: $text-muted;
    }
    """

    def __init__(self, current: str) -> None:
        super().__init__(self.markup_for(current), id="mode-bar")
        self.current = current

    @staticmethod
    def markup_for(current: str) -> str:
        parts = []
        for mode in modes():
            key = f"[b $accent]{mode.key}[/]"
            if mode.name == current:
                parts.append(f"[reverse] {key} {mode.title} [/]")
            else:
                parts.append(f"[@click=app.switch_mode('{mode.name}')] {key} {mode.title} [/]")
        return " ".join(parts)
