"""Storage: tables, connections and migrations. The only package that writes SQL."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from app.store.db import DatabaseError, make_engine
from app.store.migrate import upgrade


def open_store(url: str) -> Engine:
    """An engine on ``url`` with the schema upgraded to the newest migration.

    Raises DatabaseError when the database cannot be reached.
    """
    engine = make_engine(url)
    try:
        upgrade(engine)
    except OperationalError as exc:
        engine.dispose()
        raise DatabaseError(f"cannot open the database: {exc.orig}") from None
    return engine


__all__ = ["DatabaseError", "make_engine", "open_store", "upgrade"]
