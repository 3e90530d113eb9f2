"""A prepared export kept on disk until it is downloaded, not in the server's memory.

The Exports page used to keep the finished file's bytes in the session (about 245 MB for
1,000,000 response rows) and hand them to the download button on every run. A ``Spooled`` file
lives in the temporary folder, readable only by the server's user; the page keeps this small
object and reads the file only when the manager clicks Download.

The file goes when the object does (the page prepares another file, or Python collects a session
that is gone). ``resurface serve`` gives the server a temporary folder of its own and removes it
when the server stops; ``sweep`` removes files older than a day (a session long closed, or a
server run without ``resurface serve`` that crashed), whichever format it was prepared in.
"""

from __future__ import annotations

import os
import tempfile
import time
import weakref
from pathlib import Path

from app.exports.excel import FORMATS

PREFIX = "resurface-export-"
SUFFIX = ".csv"  # the default; each format's file ends in its own (SUFFIXES)
SUFFIXES = tuple(f".{fmt}" for fmt in FORMATS)
STALE_SECONDS = 24 * 60 * 60


class Spooled:
    """A temporary file to write an export into; removed when this object is collected."""

    def __init__(self, folder: Path | None = None, suffix: str = SUFFIX) -> None:
        if suffix not in SUFFIXES:
            raise ValueError(f"unknown suffix '{suffix}' (expected one of {', '.join(SUFFIXES)})")
        handle, name = tempfile.mkstemp(prefix=PREFIX, suffix=suffix, dir=folder)
        self.path = Path(name)
        self.file = os.fdopen(handle, "wb")
        self._remove = weakref.finalize(self, _unlink, self.path)

    def close(self) -> None:
        self.file.close()

    @property
    def size(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0

    def exists(self) -> bool:
        return self.path.exists()

    def read(self) -> bytes:
        """The whole file, when it is downloaded; FileNotFoundError if it was removed."""
        return self.path.read_bytes()

    def discard(self) -> None:
        self.file.close()
        self._remove()


def _unlink(path: Path) -> None:
    path.unlink(missing_ok=True)


def sweep(folder: Path | None = None, older_than: float = STALE_SECONDS) -> int:
    """Remove prepared exports older than ``older_than`` seconds; returns how many went."""
    root = Path(folder or tempfile.gettempdir())
    cutoff = time.time() - older_than
    removed = 0
    for path in root.glob(f"{PREFIX}*"):
        if path.suffix not in SUFFIXES:
            continue  # not an export of ours
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except OSError:
            continue  # another server swept it first, or it is not ours to remove
    return removed
