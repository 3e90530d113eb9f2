"""Storage: tables, connections and migrations. The only package that writes SQL."""

from __future__ import annotations

from alembic.util.exc import CommandError
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from app.store.db import DatabaseError, make_engine
from app.store.migrate import current, head, upgrade


class NewerSchema(DatabaseError):
    """The database is at a schema revision this version does not know: a newer one wrote it."""


def open_store(url: str) -> Engine:
    """An engine on ``url`` with the schema upgraded to the newest migration.

    Raises DatabaseError when the database cannot be reached, NewerSchema when a newer version
    of Resurface has migrated it past this version's newest revision.
    """
    engine = make_engine(url)
    try:
        upgrade(engine)
    except OperationalError as exc:
        engine.dispose()
        raise DatabaseError(f"cannot open the database: {exc.orig}") from None
    except CommandError:
        found = current(engine)
        engine.dispose()
        raise NewerSchema(
            f"the database is at schema revision {found!r}, which this version of Resurface "
            f"(newest revision {head()!r}) does not know: a newer version has used it; "
            "run that version, or restore a backup taken before it"
        ) from None
    return engine


__all__ = ["DatabaseError", "NewerSchema", "make_engine", "open_store", "upgrade"]
