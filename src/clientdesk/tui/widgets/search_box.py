"""The search box above the customer list: it says what it searches and how to leave it."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input

PLACEHOLDER = "code, name, 拼音 pinyin or initials, contact, phone, e-mail"


class SearchBox(Input):
    """Typing searches as you go; Enter or ↓ goes to the results, Esc clears and leaves."""

    DEFAULT_CSS = """
    SearchBox {
        height: 3;
        margin: 0 1;
        padding: 0 1;
        border: round $primary 40%;
        border-title-color: $text-muted;
        background: $surface;

        &:focus {
            border: round $accent;
            border-title-color: $accent;
            border-title-style: bold;
            background-tint: $foreground 3%;
        }

        &.-active {
            border-title-color: $accent;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave(True)", "Clear search", id="search.clear"),
        Binding("down", "leave(False)", "To the list", show=False, id="search.to_list"),
    ]

    class Left(Message):
        """The user left the box for the list; `cleared`: the search was cleared first."""

        def __init__(self, cleared: bool) -> None:
            super().__init__()
            self.cleared = cleared

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder=PLACEHOLDER, id=id, select_on_focus=False)
        self.border_title = "Search  /"

    def action_leave(self, clear: bool) -> None:
        if clear:
            self.value = ""
        self.post_message(self.Left(cleared=clear))
