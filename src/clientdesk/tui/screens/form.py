"""The shape every form shares: labelled fields checked as the user leaves them, ctrl+s to
save in one transaction off the UI thread, escape to cancel.

Nothing is written while a field is wrong. When the save itself fails (database locked,
record changed meanwhile), the form stays open with everything the user typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Select, Static, TextArea

from clientdesk.errors import ClientdeskError, ValidationError
from clientdesk.tui.context import AppContext
from clientdesk.tui.fields import FieldError, model_errors
from clientdesk.tui.screens.confirm import ConfirmScreen
from clientdesk.tui.widgets.form_field import FormField

R = TypeVar("R")


class FormSaved(Message):
    def __init__(self, result: Any) -> None:
        super().__init__()
        self.result = result


class FormSaveFailed(Message):
    def __init__(self, error: ClientdeskError) -> None:
        super().__init__()
        self.error = error


class FormScreen(ModalScreen[R | None], Generic[R]):
    """A dialog of fields; subclasses say which fields, how to read them and what to write."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True, id="form.save"),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]

    def __init__(self, ctx: AppContext, *, heading: str) -> None:
        super().__init__(classes="form-screen")
        self.ctx = ctx
        self.heading = heading
        self.saving = False
        self._initial: dict[str, Any] = {}

    # What subclasses provide.

    def compose_fields(self) -> ComposeResult:
        raise NotImplementedError

    def parse(self, name: str, raw: Any) -> Any:
        """The value of field `name` from its raw entry; FieldError when it cannot be saved."""
        raise NotImplementedError

    def build(self, values: dict[str, Any]) -> Any:
        """The payload to save from the parsed values (a pydantic error maps to its fields)."""
        return values

    def save_job(self, payload: Any) -> Callable[[Session], R]:
        """What to write, run in a worker inside one transaction."""
        raise NotImplementedError

    def saved_message(self, result: R) -> str | None:
        return None

    def gate(self, payload: Any) -> bool:
        """False holds the save back (the subclass calls `start_save` when it may go on)."""
        return True

    # The form.

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form-dialog"):
            yield Static(self.heading, classes="dialog-title", markup=False)
            with VerticalScroll(classes="form-body"):
                yield from self.compose_fields()
            yield Static("", id="form-notice", classes="form-notice", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save  ctrl+s", id="save", variant="primary", compact=True)
                yield Button("Cancel  esc", id="cancel", compact=True)

    def on_mount(self) -> None:
        self._initial = {name: field.raw for name, field in self.fields().items()}
        self.query_one("#form-notice").display = False

    def fields(self) -> dict[str, FormField]:
        return {field.field_name: field for field in self.query(FormField)}

    def field(self, name: str) -> FormField:
        return self.query_one(f"#field-{name}", FormField)

    def check(self, name: str) -> bool:
        """Parse one field and show or clear its error; True when it is fine."""
        field = self.field(name)
        try:
            self.parse(name, field.raw)
        except FieldError as exc:
            field.show_error(str(exc))
            return False
        field.show_error(None)
        notice = self.query_one("#form-notice", Static)
        if notice.has_class("-error") and not any(f.error for f in self.fields().values()):
            self.set_notice("")  # everything marked has been put right
        return True

    def collect(self) -> dict[str, Any] | None:
        """Every field parsed, or None after marking each wrong field."""
        values: dict[str, Any] = {}
        wrong: list[FormField] = []
        for name, field in self.fields().items():
            try:
                values[name] = self.parse(name, field.raw)
            except FieldError as exc:
                field.show_error(str(exc))
                wrong.append(field)
            else:
                field.show_error(None)
        if wrong:
            self._refused(wrong)
            return None
        return values

    def show_errors(self, errors: dict[str, str]) -> bool:
        """Show errors by field name; False if none of them belongs to a field of this form."""
        known = self.fields()
        wrong = [known[name] for name in errors if name in known]
        for field in wrong:
            field.show_error(errors[field.field_name])
        if wrong:
            self._refused(wrong)
        return bool(wrong)

    def _refused(self, wrong: list[FormField]) -> None:
        wrong[0].control.focus()
        self.query_one(VerticalScroll).scroll_to_widget(wrong[0], animate=False)
        count = f"{len(wrong)} fields need" if len(wrong) > 1 else "1 field needs"
        self.set_notice(f"Not saved: {count} fixing (marked ✗).", error=True)

    def set_notice(self, text: str, *, error: bool = False) -> None:
        notice = self.query_one("#form-notice", Static)
        notice.update(text)
        notice.display = bool(text)
        notice.set_class(error, "-error")

    @property
    def dirty(self) -> bool:
        return any(self._initial.get(name) != f.raw for name, f in self.fields().items())

    # Checking as the user goes: a field is judged when left, and re-judged while wrong.

    @on(Input.Blurred)
    def _left(self, event: Input.Blurred) -> None:
        # A field passed through without typing is judged on save, not when left.
        fields = self.fields()
        name = event.input.id
        if name in fields and (fields[name].raw != self._initial.get(name) or fields[name].error):
            self.check(name)

    @on(Input.Changed)
    @on(TextArea.Changed)
    def _edited(self, event: Input.Changed | TextArea.Changed) -> None:
        control = event.input if isinstance(event, Input.Changed) else event.text_area
        fields = self.fields()
        if control.id in fields and fields[control.id].error is not None:
            self.check(control.id)

    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _chosen(self, event: Select.Changed | Checkbox.Changed) -> None:
        control = event.select if isinstance(event, Select.Changed) else event.checkbox
        if control.id in self.fields():
            self.check(control.id)

    # Saving.

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_save(self) -> None:
        if self.saving:
            return
        values = self.collect()
        if values is None:
            return
        try:
            payload = self.build(values)
        except PydanticValidationError as exc:
            errors = model_errors(exc)
            if not self.show_errors(errors):
                self.set_notice(f"Not saved: {'; '.join(errors.values())}", error=True)
            return
        except FieldError as exc:
            self.set_notice(f"Not saved: {exc}", error=True)
            return
        if self.gate(payload):
            self.start_save(payload)

    def start_save(self, payload: Any) -> None:
        self.saving = True
        self.set_notice("Saving…")
        self._save(payload)

    @work(thread=True, exclusive=True, group="form-save")
    def _save(self, payload: Any) -> None:
        try:
            result = self.ctx.write(self.save_job(payload))
        except ClientdeskError as exc:
            self.post_message(FormSaveFailed(exc))
        except SQLAlchemyError as exc:  # not a driver error: still never a traceback
            self.post_message(FormSaveFailed(ClientdeskError(f"{self.ctx.database.label}: {exc}")))
        else:
            self.post_message(FormSaved(result))

    @on(FormSaved)
    def _saved(self, message: FormSaved) -> None:
        self.saving = False
        text = self.saved_message(message.result)
        if text:
            self.notify(text)
        self.dismiss(message.result)

    @on(FormSaveFailed)
    def _save_failed(self, message: FormSaveFailed) -> None:
        self.saving = False
        error = message.error
        field = error.field if isinstance(error, ValidationError) else None
        if field and field in self.fields():
            self.show_errors({field: error.message})
        else:
            self.set_notice(f"Not saved: {error}", error=True)
        self.notify(str(error), title="Not saved", severity="error", timeout=8)

    def action_cancel(self) -> None:
        if self.saving:
            return
        if not self.dirty:
            self.dismiss(None)
            return

        def discard(confirmed: bool | None) -> None:
            if confirmed:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen(
                "Discard changes?",
                "What you typed in this form will be lost.",
                confirm="Discard",
                danger=True,
            ),
            discard,
        )
