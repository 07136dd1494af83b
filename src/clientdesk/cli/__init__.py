"""The command line: a thin Typer shell over domain/, storage/ and exchange/.

One module per command group; each registers itself on the root app when imported, and
every module in this package is imported here, so a new command group is just a new file.
"""

import importlib
import pkgutil

from clientdesk.cli.root import app

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "root":
        importlib.import_module(f"{__name__}.{_module.name}")


def main() -> None:
    app(prog_name="clientdesk")


__all__ = ["app", "main"]
