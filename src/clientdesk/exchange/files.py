"""Output files: created owner-only (0600) and put in place only once complete.

An export is written to a hidden temporary file beside the target and renamed over it at
the end, so an interrupted export never leaves half a file under the real name, and a
customer list never sits readable by other users of the machine, even for a moment.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from clientdesk.errors import UsageError


@contextlib.contextmanager
def private_output(
    path: Path | str,
    *,
    binary: bool = False,
    newline: str | None = None,
    encoding: str | None = None,
) -> Iterator[IO[Any]]:
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"{target} is a folder; give a file name to write to.")
    folder = target.parent
    try:
        fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".part")
    except FileNotFoundError:
        raise UsageError(f"cannot write {target}: the folder {folder} does not exist.") from None
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror}.") from None
    try:
        os.fchmod(fd, 0o600)  # mkstemp already makes it 0600; say so explicitly
        mode = "wb" if binary else "w"
        with os.fdopen(fd, mode, newline=newline, encoding=encoding) as handle:
            yield handle
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
