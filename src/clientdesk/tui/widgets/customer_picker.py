"""Choosing a customer by typing: a code, part of a name, pinyin or initials.

Matches are looked up in a worker a moment after the last key (domain.lookup) and listed
under the input; down moves into the list, enter picks (in the input: the first match).
Used wherever a record needs its customer: planning a visit, a new contract, a complaint.

In a FormScreen, pass the picker as a FormField's control: the field's value is `chosen`,
(id, code, name) or None, so the form's `parse` can refuse an unpicked customer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from clientdesk.domain.lookup import lookup_customers
from clientdesk.errors import ClientdeskError

if TYPE_CHECKING:
    from clientdesk.tui.context import AppContext

Chosen = tuple[int, str, str]  # (id, code, name)
LOOKUP_DELAY = 0.12  # seconds without a key press before the lookup runs
MATCH_LIMIT = 8


def label(chosen: Chosen) -> str:
    return f"{chosen[1]}  {chosen[2]}"


class _Matches(Message):
    def __init__(self, typed: str, rows: list[Chosen], error: str = "") -> None:
        super().__init__()
        self.typed = typed
        self.rows = rows
        self.error = error


class PickerInput(Input):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "app.focus_next", "Matches", show=False, id="picker.to_matches"),
    ]


class CustomerPicker(Vertical, can_focus=False):
    """An input that finds customers as the user types, and the list of what it found."""

    DEFAULT_CSS = """
    CustomerPicker { height: auto; width: 1fr; }
    CustomerPicker > OptionList { max-height: 8; height: auto; display: none; }
    """

    class Picked(Message):
        """A customer was chosen (or the choice was cleared: `chosen` is None)."""

        def __init__(self, picker: CustomerPicker, chosen: Chosen | None) -> None:
            super().__init__()
            self.picker = picker
            self.chosen = chosen

        @property
        def control(self) -> CustomerPicker:
            return self.picker

    def __init__(
        self,
        ctx: AppContext,
        *,
        chosen: Chosen | None = None,
        placeholder: str = "code, name, pinyin or initials",
        id: str | None = None,
        exclude_id: int | None = None,
    ) -> None:
        super().__init__(id=id, classes="customer-picker")
        self.ctx = ctx
        self.chosen: Chosen | None = chosen
        self.placeholder = placeholder
        self.exclude_id = exclude_id
        self.matches: list[Chosen] = []
        self._timer: Timer | None = None

    @property
    def form_value(self) -> Chosen | None:
        """What a FormField reads: the chosen customer, or None."""
        return self.chosen

    @property
    def input(self) -> Input:
        return self.query_one(PickerInput)

    def compose(self) -> ComposeResult:
        yield PickerInput(
            label(self.chosen) if self.chosen else "",
            placeholder=self.placeholder,
            id=f"{self.id}-input" if self.id else None,
        )
        yield OptionList(compact=True)

    def focus(self, scroll_visible: bool = True) -> CustomerPicker:
        self.input.focus(scroll_visible)
        return self

    def preset(self, customer_id: int, code: str, name: str) -> None:
        """Show `customer_id` as chosen, as if the user had picked it."""
        self._choose((customer_id, code, name))

    def clear(self) -> None:
        self.chosen = None
        with self.input.prevent(Input.Changed):
            self.input.value = ""
        self._show([])

    # Typing and looking up.

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        typed = " ".join(event.value.split())
        if self.chosen is not None and typed == " ".join(label(self.chosen).split()):
            return
        if self.chosen is not None:
            self.chosen = None
            self.post_message(self.Picked(self, None))
        if self._timer is not None:
            self._timer.stop()
        if not typed:
            self._show([])
            return
        self._timer = self.set_timer(LOOKUP_DELAY, lambda: self._lookup(typed))

    @work(thread=True, exclusive=True, group="customer-picker")
    def _lookup(self, typed: str) -> None:
        exclude = self.exclude_id
        try:
            rows = self.ctx.read(
                lambda s: lookup_customers(typed, session=s, limit=MATCH_LIMIT, exclude_id=exclude)
            )
        except ClientdeskError as exc:
            self.post_message(_Matches(typed, [], str(exc)))
            return
        self.post_message(_Matches(typed, rows))

    @on(_Matches)
    def _matched(self, message: _Matches) -> None:
        message.stop()
        if message.typed != " ".join(self.input.value.split()):
            return  # the user typed on; a newer lookup is coming
        if message.error:
            self.notify(message.error, title="Could not look up customers", severity="error")
        self._show(message.rows, empty=f"no customer matches {message.typed!r}")

    def _show(self, rows: list[Chosen], *, empty: str = "") -> None:
        self.matches = rows
        options = self.query_one(OptionList)
        options.clear_options()
        if rows:
            options.add_options([Option(label(row), id=str(row[0])) for row in rows])
            options.highlighted = 0
        elif empty:
            options.add_option(Option(empty, disabled=True))
        options.display = bool(rows or empty)

    # Picking.

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if self.chosen is None and self.matches:
            event.stop()
            self._choose(self.matches[0])

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        chosen = next((r for r in self.matches if str(r[0]) == event.option.id), None)
        if chosen is not None:
            self._choose(chosen)
            self.input.focus()

    def _choose(self, chosen: Chosen) -> None:
        self.chosen = chosen
        with self.input.prevent(Input.Changed):
            self.input.value = label(chosen)
        self._show([])
        self.post_message(self.Picked(self, chosen))
