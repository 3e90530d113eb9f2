"""CSV exports for managers: built as frames, written Excel-safe, and logged in the audit log.

Excel-safe means: a text cell that starts with a character a spreadsheet would read as the start
of a formula (``= + - @``, tab, carriage return, line feed, or their full-width forms) gets a
leading ``'``, so it shows as text and never runs; numbers stay numbers. Quoting follows RFC 4180
(fields with commas, quotes or line breaks are quoted, quotes doubled, CRLF line ends), and the
file is UTF-8 with a byte-order mark unless asked not to (Excel needs it to read accents right).
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine

from app import clock
from app.accounts import Forbidden, User
from app.store import cohorts as q
from app.store import users as user_store
from app.store.db import writing

# The full-width forms (U+FF1D = , U+FF0B + , U+FF0D - , U+FF20 @) written as escapes.
FORMULA_START = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
KINDS = ("attempts",)

ATTEMPT_COLUMNS = [
    "attempt_id",
    "username",
    "display_name",
    "cohort",
    "quiz_id",
    "quiz_title",
    "mode",
    "started_at",
    "submitted_at",
    "duration_seconds",
    "status",
    "points",
    "max_points",
    "score_percent",
    "pass_mark",
    "passed",
]


@dataclass(frozen=True)
class Filters:
    """Which attempts an export covers: started within [since, until), a cohort, a quiz."""

    since: datetime | None = None
    until: datetime | None = None
    cohort: str | None = None
    quiz_id: str | None = None


def excel_safe(value: object) -> object:
    """``value`` with a leading ``'`` if it is text a spreadsheet would take for a formula."""
    if isinstance(value, str) and value and value[0] in FORMULA_START:
        return "'" + value
    return value


def to_csv(frame: pd.DataFrame, bom: bool = True) -> bytes:
    """The frame as Excel-safe RFC 4180 CSV bytes (UTF-8, with a BOM unless ``bom`` is False)."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(excel_safe)
    text = io.StringIO()
    safe.to_csv(text, index=False, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    return text.getvalue().encode("utf-8-sig" if bom else "utf-8")


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def attempts(engine: Engine, actor: User | None, filters: Filters | None = None) -> pd.DataFrame:
    """One row per trainee attempt (ATTEMPT_COLUMNS, then ``topic_<id>_percent`` per topic).

    Times are ISO 8601 in UTC. ``actor`` None is the operator at the console. Raises Forbidden
    for anyone but an active manager.
    """
    _allowed(actor)
    filters = filters or Filters()
    with engine.connect() as conn:
        rows = q.for_export(conn, filters.cohort, filters.quiz_id, filters.since, filters.until)
    topics = sorted({t for r in rows for t in (r["by_topic"] or {})})
    out = []
    for r in rows:
        done = r["submitted_at"]
        line = {
            "attempt_id": r["id"],
            **{c: r[c] for c in ("username", "display_name", "cohort", "quiz_id", "quiz_title")},
            "mode": r["mode"],
            "started_at": _iso(r["started_at"]),
            "submitted_at": _iso(done),
            "duration_seconds": round((done - r["started_at"]).total_seconds()) if done else None,
            "status": r["status"],
            "points": r["points"],
            "max_points": r["max_points"],
            "score_percent": None if r["score_percent"] is None else round(r["score_percent"], 2),
            "pass_mark": r["pass_mark"],
            "passed": r["passed"],
        }
        by_topic = r["by_topic"] or {}
        for topic in topics:
            points, most = by_topic.get(topic, (None, 0))
            line[f"topic_{topic}_percent"] = round(100 * points / most, 2) if most else None
        out.append(line)
    frame = pd.DataFrame(out, columns=[*ATTEMPT_COLUMNS, *(f"topic_{t}_percent" for t in topics)])
    return frame.astype({"duration_seconds": "Int64", "max_points": "Int64"})


def export(
    engine: Engine,
    actor: User | None,
    kind: str,
    filters: Filters | None = None,
    bom: bool = True,
    now: datetime | None = None,
) -> tuple[bytes, int]:
    """The CSV of one kind of export and its number of rows; written to the audit log.

    Raises Forbidden, and ValueError for an unknown kind.
    """
    builders = {"attempts": attempts}
    if kind not in builders:
        raise ValueError(f"unknown export '{kind}' (expected one of {', '.join(KINDS)})")
    filters = filters or Filters()
    frame = builders[kind](engine, actor, filters)
    data = to_csv(frame, bom)
    shown = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(filters).items()}
    with writing(engine) as conn:
        user_store.audit(
            conn,
            now or clock.now(),
            actor.id if actor else None,
            "export",
            kind,
            rows=len(frame),
            **shown,
        )
    return data, len(frame)


def _allowed(actor: User | None) -> None:
    if actor is not None and not (actor.active and actor.role == "manager"):
        raise Forbidden("exports are for managers")
