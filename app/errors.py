"""The root of the errors the core raises on purpose.

Imports nothing from app, so any module can use it without an import cycle.
"""

from __future__ import annotations


class ResurfaceError(Exception):
    """A problem the core detected and explains in its message, fit to show a user as is.

    Each module defines its own small named subclasses (``accounts.AccountError``,
    ``attempts.AttemptError``, ...); a caller that treats them all alike catches this one.
    """
