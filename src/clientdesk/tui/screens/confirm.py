"""A yes/no question in a small dialog: Enter or y confirms, Escape or n cancels."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(
        self,
        title: str,
        message: str,
        *,
        confirm: str = "OK",
        danger: bool = False,
        can_confirm: bool = True,
    ) -> None:
        super().__init__(classes="confirm-screen")
        self.title_text = title
        self.message = message
        self.confirm_label = confirm
        self.danger = danger
        self.can_confirm = can_confirm  # False: the dialog only explains why not

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog confirm-dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield Static(self.message, classes="dialog-message", markup=False)
            with Horizontal(classes="dialog-buttons"):
                if self.can_confirm:
                    yield Button(
                        f"{self.confirm_label}  y",
                        id="yes",
                        variant="error" if self.danger else "primary",
                        compact=True,
                    )
                yield Button(
                    "Cancel  n" if self.can_confirm else "Close  esc", id="no", compact=True
                )

    def on_mount(self) -> None:
        # Focus starts on the safe answer when the action destroys something.
        self.query_one("#no" if self.danger or not self.can_confirm else "#yes").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "answer" and parameters == (True,) and not self.can_confirm)

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer and self.can_confirm)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")
