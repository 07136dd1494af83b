"""How the app finds its main screens (modes) and the extra tabs of the customer file.

A main screen is a module in `clientdesk.tui.screens` that defines `MODE = Mode(...)`; a tab
of the customer file is a module in `clientdesk.tui.file_tabs` that defines `TAB = SomeTab`
(a `FileTab` subclass). Like the command line, adding an area is adding a file: the app
binds the mode's key, lists its palette commands and runs its housekeeping on its own.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen

    from clientdesk.tui.context import AppContext
    from clientdesk.tui.file_tabs import FileTab


@dataclass(frozen=True)
class Command:
    """One palette entry: titled "Area: action", with a line of help."""

    title: str
    help: str
    run: Callable[[], Any]


@dataclass(frozen=True)
class Housekeeping:
    """Work the app does by itself: once at start, then every `every_seconds` if set.

    `run` is called in a worker thread with the app's context; what it returns (if not
    None) is shown to the user as a notification, with `severity`.
    """

    run: Callable[[AppContext], str | None]
    every_seconds: float | None = None
    severity: str = "information"


@dataclass(frozen=True)
class Mode:
    """A main screen of the app, switched to with one key from anywhere."""

    name: str
    key: str
    title: str
    order: int
    screen: Callable[[AppContext], Screen[Any]]
    # Palette commands of the area, given the app and the screen on top.
    commands: Callable[[App[Any], Screen[Any]], list[Command]] | None = None
    housekeeping: tuple[Housekeeping, ...] = ()


def _discover(package: str, attribute: str) -> list[Any]:
    module = importlib.import_module(package)
    found = []
    for info in sorted(pkgutil.iter_modules(module.__path__), key=lambda m: m.name):
        loaded = importlib.import_module(f"{package}.{info.name}")
        value = getattr(loaded, attribute, None)
        if value is not None:
            found.append(value)
    return found


@cache
def modes() -> tuple[Mode, ...]:
    """Every main screen, in footer order."""
    found: list[Mode] = _discover("clientdesk.tui.screens", "MODE")
    keys = [m.key for m in found]
    names = [m.name for m in found]
    if len(set(keys)) != len(keys) or len(set(names)) != len(names):
        raise RuntimeError(f"two main screens share a key or a name: {keys} {names}")
    return tuple(sorted(found, key=lambda m: m.order))


@cache
def file_tabs() -> tuple[type[FileTab], ...]:
    """The customer file's tabs after Profile, Contacts and Timeline, in order."""
    found: list[type[FileTab]] = _discover("clientdesk.tui.file_tabs", "TAB")
    return tuple(sorted(found, key=lambda t: t.ORDER))
