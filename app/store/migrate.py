"""Schema migrations: upgrade to the newest revision, safely when two processes start at once."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from app.store.db import writing

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_LOCK_KEY = 0x5E5F_ACE  # any constant shared by every Resurface process


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head() -> str:
    """The newest revision the code knows."""
    return ScriptDirectory.from_config(_config()).get_current_head() or ""


def current(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` in one transaction that holds a lock.

    On SQLite the transaction takes the write lock (BEGIN IMMEDIATE); on PostgreSQL a
    transaction-scoped advisory lock. A second process waits, then finds nothing to do.
    """
    with writing(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
        cfg = _config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def known(revision: str) -> bool:
    """Whether ``revision`` is one of the code's own (an unknown one is a newer version's)."""
    return any(
        s.revision == revision for s in ScriptDirectory.from_config(_config()).walk_revisions()
    )
