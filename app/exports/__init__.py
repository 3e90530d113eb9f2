"""Exports for managers, as CSV or Excel workbooks: built in one pass, logged in the audit log.

Three kinds (KINDS): ``attempts`` (one row per attempt), ``responses`` (one row per question of
each attempt) and ``certifications`` (one row per trainee per certification), each in two
formats (FORMATS): Excel-safe CSV, or an .xlsx workbook with typed cells. The page and the CLI
both call ``write``, so what a manager downloads and what ``resurface export`` writes are the
same bytes. See app.exports.excel for what Excel-safe means and what the workbook holds.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, BinaryIO

from sqlalchemy import Connection, Engine

from app import clock
from app.accounts import User, recheck, require
from app.bank import Catalogue
from app.certification import NotACertification
from app.errors import ResurfaceError
from app.exports import attempts as attempts_export
from app.exports import certifications as certifications_export
from app.exports import responses as responses_export
from app.exports.excel import (
    FORMATS,
    FORMULA_START,
    MIME,
    XLSX_MAX_ROWS,
    Format,
    TooLarge,
    excel_safe,
    formula_like,
    to_csv,
    write_frames,
    write_xlsx,
)
from app.permissions import Action, acting
from app.store import audit as audit_store
from app.store.db import writing

__all__ = [
    "ATTEMPT_COLUMNS",
    "CERTIFICATION_COLUMNS",
    "FORMATS",
    "FORMULA_START",
    "KINDS",
    "MEANING",
    "MIME",
    "RESPONSE_COLUMNS",
    "XLSX_MAX_ROWS",
    "ExportError",
    "ExportFilters",
    "Format",
    "excel_safe",
    "export",
    "filename",
    "formula_like",
    "to_csv",
    "write",
]

ATTEMPT_COLUMNS = attempts_export.COLUMNS
RESPONSE_COLUMNS = responses_export.COLUMNS
CERTIFICATION_COLUMNS = certifications_export.COLUMNS
BUILDERS = {
    "attempts": attempts_export.frames,
    "responses": responses_export.frames,
    "certifications": certifications_export.frames,
}
KINDS = tuple(BUILDERS)
# What each column means, by kind: shown on the Exports page and repeated in docs/exports.md.
MEANING = {
    "attempts": attempts_export.MEANING,
    "responses": responses_export.MEANING,
    "certifications": certifications_export.MEANING,
}
Progress = Callable[[int, int], None]


class ExportError(ResurfaceError, ValueError):
    """An export was asked for with filters that do not fit it."""


@dataclass(frozen=True)
class ExportFilters:
    """Which rows an export covers.

    ``attempts`` and ``responses``: attempts started within [since, until), by one cohort's
    trainees, at one quiz. ``certifications``: the status at ``until`` (default: now), counting
    only what happened before it; ``since`` does not apply.
    """

    since: datetime | None = None
    until: datetime | None = None
    cohort: str | None = None
    quiz_id: str | None = None


@dataclass(frozen=True)
class _Job:
    engine: Engine
    conn: Any
    actor: User | None
    filters: ExportFilters
    catalogue: Catalogue | None
    as_of: datetime


def write(
    engine: Engine,
    actor: User | None,
    kind: str,
    out: BinaryIO,
    filters: ExportFilters | None = None,
    *,
    catalogue: Catalogue | None = None,
    fmt: Format = "csv",
    bom: bool = True,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> int:
    """Write one kind of export to ``out`` as CSV or xlsx; its number of rows. Logged in the
    audit log, with its format.

    ``actor`` None is the operator at the console. ``bom`` is for CSV only. ``progress(done,
    total)`` is called as the export goes (in attempts for attempts and responses, in rows for
    certifications). The certifications export needs the ``catalogue``. Raises Forbidden for
    anyone but an active manager, ExportError for an unknown kind or format, filters that do not
    fit it, or an xlsx export too large for Excel (more than 1,048,575 rows).
    """
    if kind not in BUILDERS:
        raise ExportError(f"unknown export '{kind}' (expected one of {', '.join(KINDS)})")
    if fmt not in FORMATS:
        raise ExportError(f"unknown format '{fmt}' (expected one of {', '.join(FORMATS)})")
    filters = filters or ExportFilters()
    now = now or clock.now()
    _check(kind, filters, catalogue)
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # One snapshot for every chunk: an attempt submitted meanwhile is in all or none.
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        _may_export(conn, actor)
        job = _Job(engine, conn, actor, filters, catalogue, filters.until or now)
        frames = BUILDERS[kind](job, progress or _quiet)
        try:
            if fmt == "xlsx":
                rows = write_xlsx(frames, out, sheet=kind, created=now)
            else:
                rows = write_frames(frames, out, bom)
        except (NotACertification, TooLarge) as exc:
            raise ExportError(str(exc)) from None
    shown = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(filters).items()}
    with writing(engine) as conn:
        # Signed out or demoted while the file was made: it is not handed over (the caller
        # discards it on Forbidden) and no export is logged.
        _may_export(conn, actor)
        audit_store.record(
            conn, now, actor.id if actor else None, "export", kind, format=fmt, rows=rows, **shown
        )
    return rows


def _may_export(conn: Connection, actor: User | None) -> None:
    """Refuse (Forbidden) anyone the rules do not let export, or whose session has ended."""
    require(acting(recheck(conn, actor)), Action.EXPORT)


def export(
    engine: Engine,
    actor: User | None,
    kind: str,
    filters: ExportFilters | None = None,
    bom: bool = True,
    now: datetime | None = None,
    catalogue: Catalogue | None = None,
    *,
    fmt: Format = "csv",
) -> tuple[bytes, int]:
    """The bytes of one kind of export (CSV or xlsx) and its number of rows (see ``write``)."""
    out = io.BytesIO()
    rows = write(engine, actor, kind, out, filters, catalogue=catalogue, fmt=fmt, bom=bom, now=now)
    return out.getvalue(), rows


def filename(kind: str, filters: ExportFilters, now: datetime, fmt: Format = "csv") -> str:
    """A download name that says what is in the file: kind, cohort, quiz, dates and format."""
    parts = ["resurface", kind]
    parts += [p for p in (filters.cohort, filters.quiz_id) if p]
    if kind == "certifications":
        parts.append(f"as-of-{(filters.until or now):%Y-%m-%d}")
    else:
        if filters.since:
            parts.append(f"from-{filters.since:%Y-%m-%d}")
        if filters.until:
            parts.append(f"before-{filters.until:%Y-%m-%d}")
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in "-".join(parts))
    return f"{safe}.{fmt}"


def _check(kind: str, filters: ExportFilters, catalogue: Catalogue | None) -> None:
    if filters.since and filters.until and filters.since >= filters.until:
        raise ExportError("the From date must be before the To date")
    if kind == "certifications":
        if filters.since is not None:
            raise ExportError(
                "a certifications export is the status at one moment: give a To date (or none "
                "for now), not a From date"
            )
        if catalogue is None:
            raise ExportError("the certifications export needs the quiz catalogue")


def _quiet(done: int, total: int) -> None:
    """No progress to show."""
