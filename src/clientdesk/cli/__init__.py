"""The command line: a thin Typer shell over domain/, storage/ and exchange/.

One module per command group; each registers itself on the root app when imported.
"""

from clientdesk.cli import config_cmd, db, demo, grade, report  # noqa: F401
from clientdesk.cli.root import app


def main() -> None:
    app(prog_name="clientdesk")


__all__ = ["app", "main"]
