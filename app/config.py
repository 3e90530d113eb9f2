"""Settings from environment variables, in one place."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def quizzes_dir() -> Path:
    """Where the content lives: ``RESURFACE_QUIZZES`` or the repository's ``quizzes/``."""
    return Path(os.environ.get("RESURFACE_QUIZZES", PROJECT_ROOT / "quizzes"))


def sources_dir() -> Path | None:
    """The source documents, if known: ``RESURFACE_SOURCES`` or ``../shared/seeds`` when present."""
    if "RESURFACE_SOURCES" in os.environ:
        return Path(os.environ["RESURFACE_SOURCES"])
    default = PROJECT_ROOT.parent / "shared" / "seeds"
    return default if default.is_dir() else None


def demo_database_url() -> str:
    """``RESURFACE_DEMO_DATABASE_URL``, or ``results/demo.db`` (never the real database)."""
    default = f"sqlite:///{PROJECT_ROOT / 'results' / 'demo.db'}"
    return os.environ.get("RESURFACE_DEMO_DATABASE_URL", default)


def database_url() -> str:
    """``RESURFACE_DATABASE_URL``, or a SQLite file under ``results/``."""
    default = f"sqlite:///{PROJECT_ROOT / 'results' / 'resurface.db'}"
    return os.environ.get("RESURFACE_DATABASE_URL", default)
