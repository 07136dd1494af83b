"""One labelled field of a form, with its error shown right beneath it."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static, TextArea


class FormField(Vertical):
    """Label, control and (when the value is wrong) the reason, beside and below the control."""

    def __init__(
        self, label: str, control: Widget, *, required: bool = False, hint: str = ""
    ) -> None:
        assert control.id, "a form control needs an id: it is the field's name"
        super().__init__(id=f"field-{control.id}", classes="form-field")
        self.control = control
        self.label = label
        self.required = required
        self.hint = hint
        self.error: str | None = None

    @property
    def field_name(self) -> str:
        assert self.control.id is not None
        return self.control.id

    def compose(self) -> ComposeResult:
        marker = " *" if self.required else ""
        with Horizontal(classes="field-row"):
            yield Label(f"{self.label}{marker}", classes="field-label", markup=False)
            yield self.control
        yield Static(self.hint, classes="field-hint", markup=False)
        yield Static("", classes="field-error", markup=False)

    def on_mount(self) -> None:
        self.query_one(".field-hint").display = bool(self.hint)

    def on_click(self) -> None:
        # Clicking the label focuses the control, as in any form.
        if not self.control.has_focus and self.control.focusable:
            self.control.focus()

    def show_error(self, message: str | None) -> None:
        self.error = message
        self.set_class(message is not None, "-error")
        self.control.set_class(message is not None, "-invalid")
        self.query_one(".field-error", Static).update(f"✗ {message}" if message else "")

    @property
    def raw(self) -> Any:
        """What the user entered, before parsing."""
        control = self.control
        if hasattr(control, "form_value"):  # composite controls, e.g. CustomerPicker
            return control.form_value
        if isinstance(control, Input):
            return control.value
        if isinstance(control, TextArea):
            return control.text
        if isinstance(control, Select):
            return None if control.is_blank() else control.value
        if isinstance(control, Checkbox):
            return control.value
        raise TypeError(f"unsupported form control {type(control).__name__}")
