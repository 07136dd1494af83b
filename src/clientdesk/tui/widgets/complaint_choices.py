"""A one-line choice among a few options, picked with one key: the channel, category and
severity of a complaint, or the customer's satisfaction 1-5.

Faster than a drop-down for short lists: each option has a key (its underlined letter, or its
number), left and right step through the options, and the chosen one is shown in brackets
as well as in colour. In a FormScreen, give it as a FormField's control: the field reads
`form_value` (the chosen value, or None).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widget import Widget

from clientdesk.tui.formatting import choice


@dataclass(frozen=True)
class ChoiceOption:
    label: str  # what is shown, e.g. "电话 phone"
    value: Hashable
    key: str  # the key that picks it: one letter of the label, or a digit


class ChoiceBar(Widget, can_focus=True):
    """Options on one line; one of them (or none, if `allow_blank`) is chosen."""

    DEFAULT_CSS = """
    ChoiceBar {
        height: 1;
        width: 1fr;
        background: $boost;
    }
    ChoiceBar > .choicebar--chosen {
        background: $primary 50%;
        color: $text;
        text-style: bold;
    }
    ChoiceBar:focus > .choicebar--chosen {
        background: $accent;
    }
    ChoiceBar > .choicebar--key {
        text-style: underline;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"choicebar--chosen", "choicebar--key"}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "step(-1)", "Previous", show=False, id="choice.previous"),
        Binding("right", "step(1)", "Next", show=False, id="choice.next"),
    ]

    class Changed(Message):
        """The user chose another option."""

        def __init__(self, bar: ChoiceBar, value: Any) -> None:
            super().__init__()
            self.bar = bar
            self.value = value

        @property
        def control(self) -> ChoiceBar:
            return self.bar

    def __init__(
        self,
        options: Sequence[ChoiceOption],
        *,
        value: Hashable | None = None,
        allow_blank: bool = False,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        keys = [option.key.casefold() for option in options]
        assert len(set(keys)) == len(keys), f"two options share a key: {keys}"
        self.options = list(options)
        self.allow_blank = allow_blank
        if value is None and not allow_blank:
            value = self.options[0].value
        self.value: Hashable | None = value
        self._spans: list[tuple[int, int]] = []  # cells each option takes, for clicks

    @property
    def form_value(self) -> Any:
        return self.value

    def choose(self, value: Hashable | None) -> None:
        """Choose `value` (None clears, if blank is allowed), telling the form if it changed."""
        if value == self.value or (value is None and not self.allow_blank):
            return
        self.value = value
        self.refresh()
        self.post_message(self.Changed(self, value))

    def _index(self) -> int | None:
        values = [option.value for option in self.options]
        return values.index(self.value) if self.value in values else None

    def action_step(self, delta: int) -> None:
        index = self._index()
        if index is None:
            index = -1 if delta > 0 else len(self.options)
        self.choose(self.options[(index + delta) % len(self.options)].value)

    async def _on_key(self, event: events.Key) -> None:
        wanted = (event.character or "").casefold()
        if not wanted:
            return
        for option in self.options:
            if option.key.casefold() == wanted:
                event.stop()
                event.prevent_default()
                self.choose(option.value)
                return
        if event.key in ("backspace", "delete") and self.allow_blank:
            event.stop()
            self.choose(None)

    def on_click(self, event: events.Click) -> None:
        for option, (start, end) in zip(self.options, self._spans, strict=True):
            if start <= event.x < end:
                self.choose(option.value)
                return

    def render(self) -> Text:
        chosen = self.get_component_rich_style("choicebar--chosen", partial=True)
        key_style = self.get_component_rich_style("choicebar--key", partial=True)
        text = Text(no_wrap=True, overflow="ellipsis")
        self._spans = []
        for option in self.options:
            picked = option.value == self.value
            start = text.cell_len
            piece = _with_key(option, key_style)
            text.append("[" if picked else " ", chosen if picked else Style())
            text.append_text(piece if not picked else _styled(piece, chosen))
            text.append("]" if picked else " ", chosen if picked else Style())
            self._spans.append((start, text.cell_len))
            text.append(" ")
        return text


def _with_key(option: ChoiceOption, key_style: Style) -> Text:
    """The label with its key underlined; a key not in the label is put in front."""
    label = option.label
    # The key is looked for in the English word (after the Chinese label), then anywhere.
    head, _, tail = label.rpartition(" ")
    position = tail.casefold().find(option.key.casefold())
    if position >= 0:
        position += len(head) + (1 if head else 0)
    else:
        position = label.casefold().find(option.key.casefold())
    if position < 0:
        piece = Text(f"{option.key} ")
        piece.stylize(key_style, 0, len(option.key))
        piece.append(label)
        return piece
    piece = Text(label)
    piece.stylize(key_style, position, position + len(option.key))
    return piece


def _styled(text: Text, style: Style) -> Text:
    styled = text.copy()
    styled.stylize_before(style)
    return styled


def enum_options(enum_cls: type[StrEnum]) -> list[ChoiceOption]:
    """The members as options "电话 phone", each picked by the first letter of its value."""
    return [ChoiceOption(choice(member), member, member.value[0]) for member in enum_cls]


SATISFACTION_LABELS = {1: "很不满意", 2: "不满意", 3: "一般", 4: "满意", 5: "很满意"}
SATISFACTION_OPTIONS = [
    ChoiceOption(f"{score} {words}", score, str(score))
    for score, words in SATISFACTION_LABELS.items()
]
