"""The lower layers never pull in the UI or CLI frameworks (checked in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "clientdesk.domain",
        "clientdesk.storage.database",
        "clientdesk.storage.inspect",
        "clientdesk.exchange",
        "clientdesk.config",
        "clientdesk.demo",
    ],
)
def test_lower_layers_do_not_import_ui(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "bad = sorted(m for m in ('textual', 'typer', 'rich') if m in sys.modules)\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_cli_help_does_not_import_textual_or_database() -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from clientdesk.cli import app\n"
        "CliRunner().invoke(app, ['--help'])\n"
        "print(','.join(m for m in ('textual', 'sqlalchemy', 'sqlmodel') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
