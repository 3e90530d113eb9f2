"""A trainer's view of their trainees: who did what and when, how well, and which topics are weak.

Frames out, no Streamlit. Trainers see the trainees of their own cohort, managers every trainee
or one cohort (``accounts.report_scope``); staff attempts never count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from app import attempts, certstatus, clock
from app.accounts import NotFound, User, get_user_by_id, list_users, report_scope, require
from app.bank import Catalogue
from app.certstatus import Certification, certifications_from
from app.permissions import Action, allowed
from app.store import comments as comment_store
from app.store import reports as report_store

# Topic mastery counts each trainee's latest few attempts that asked about the topic.
RECENT_ATTEMPTS = 5

TRAINEE_COLUMNS = [
    "user_id",
    "username",
    "display_name",
    "cohort",
    "active",
    "attempts",
    "open",
    "last_activity",
    "status",
    "certified_until",
]
SCORE_COLUMNS = ["user_id", "quiz_id", "attempts", "best", "latest", "latest_passed", "latest_at"]
MASTERY_COLUMNS = ["user_id", "topic", "points", "questions", "share"]
ATTEMPT_COLUMNS = ["attempt_id", "user_id", "quiz_id", "submitted_at", "score_percent", "passed"]


@dataclass(frozen=True)
class DashboardFilters:
    """Which attempts count. Dates bound when an attempt was submitted (open ones: started)."""

    quiz_id: str | None = None
    since: datetime | None = None  # at or after
    until: datetime | None = None  # before
    cohort: str | None = None  # managers: one cohort or None for all; trainers: their own


@dataclass(frozen=True)
class Dashboard:
    # One row per trainee in scope, with or without attempts (TRAINEE_COLUMNS). ``attempts``
    # counts submitted attempts, ``open`` unfinished ones; ``status`` is where the trainee stands
    # over every certification (certstatus.weakest; always as of now, whatever the filters);
    # ``certified_until`` is when the current certification ends.
    trainees: pd.DataFrame
    # Per trainee and quiz with submitted attempts: count, best and latest score (SCORE_COLUMNS).
    scores: pd.DataFrame
    # Per trainee and topic: points over questions in the latest RECENT_ATTEMPTS attempts that
    # asked about the topic, and their share (MASTERY_COLUMNS).
    mastery: pd.DataFrame
    # The submitted attempts themselves, for score distributions (ATTEMPT_COLUMNS).
    attempts: pd.DataFrame
    filters: DashboardFilters = field(default_factory=DashboardFilters)


@dataclass(frozen=True)
class Record:
    """One trainee for the drill-down: every attempt, certifications and topic mastery."""

    user: User
    attempts: list[dict[str, Any]]  # newest first, each with ``comments``: how many it has
    certifications: list[Certification]
    mastery: pd.DataFrame  # MASTERY_COLUMNS, this trainee only


def cohort_dashboard(
    engine: Engine,
    actor: User,
    catalogue: Catalogue,
    filters: DashboardFilters | None = None,
    now: datetime | None = None,
) -> Dashboard:
    """The trainees the actor looks after, with their attempts within ``filters``.

    Raises Forbidden (trainees; a trainer asking for another cohort).
    """
    filters = filters or DashboardFilters()
    now = now or clock.now()
    scope = report_scope(actor, filters.cohort)
    people = list_users(engine, actor, role="trainee", cohort=scope)
    rows = _settled(engine, actor, now, cohort=scope)
    with engine.connect() as conn:
        passes = report_store.passes(conn, _certifying(catalogue), cohort=scope)
    frame = _within(_frame(rows), filters)
    done = frame[frame["status"] == "submitted"]
    trainees = pd.DataFrame(
        [(u.id, u.username, u.display_name, u.cohort, u.active) for u in people],
        columns=TRAINEE_COLUMNS[:5],
    )
    trainees["attempts"] = _count(trainees, done)
    trainees["open"] = _count(trainees, frame[frame["status"] == "open"])
    last = frame.groupby("user_id")["at"].max().to_dict()
    trainees["last_activity"] = pd.to_datetime(trainees["user_id"].map(last), utc=True)
    certified = _certification(trainees["user_id"], passes, catalogue, now)
    trainees["status"] = [certified[i][0] for i in trainees["user_id"]]
    trainees["certified_until"] = pd.to_datetime(
        [certified[i][1] for i in trainees["user_id"]], utc=True
    )
    attempts_out = done.rename(columns={"id": "attempt_id"})[ATTEMPT_COLUMNS]
    return Dashboard(
        trainees[TRAINEE_COLUMNS],
        _scores(done),
        _mastery(done),
        attempts_out.reset_index(drop=True),
        filters,
    )


def trainee_record(
    engine: Engine, actor: User, user_id: int, catalogue: Catalogue, now: datetime | None = None
) -> Record:
    """One trainee's attempts (newest first, with comment counts), certifications and mastery.

    Raises NotFound for a user the actor may not see or who is not a trainee, and Forbidden.
    """
    now = now or clock.now()
    require(actor, Action.VIEW_RECORD)
    user = get_user_by_id(engine, actor, user_id)
    if not allowed(actor, Action.VIEW_RECORD, user):
        raise NotFound(f"no trainee {user_id}")
    rows = _settled(engine, actor, now, user_id=user_id)
    with engine.connect() as conn:
        passes = report_store.passes(conn, _certifying(catalogue), user_id=user_id)
        counts = comment_store.counts(conn, [r["id"] for r in rows])
    listed = [{**r, "comments": counts.get(r["id"], 0)} for r in reversed(rows)]
    done = _frame(rows)
    return Record(
        user,
        listed,
        certifications_from(passes, catalogue, now),
        _mastery(done[done["status"] == "submitted"]),
    )


# --- helpers ------------------------------------------------------------------------------------


def _settled(engine: Engine, actor: User, now: datetime, **scope: Any) -> list[dict[str, Any]]:
    """Attempt summaries, those overdue by ``now`` closed (and scored) first."""

    def read() -> list[dict[str, Any]]:
        with engine.connect() as conn:
            return report_store.summaries(conn, **scope)

    return attempts.settled(engine, actor, read, now)


def _certifying(catalogue: Catalogue) -> list[str]:
    return [quiz.id for quiz in catalogue.quizzes.values() if quiz.certifies]


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    columns = [c.key for c in report_store.SUMMARY_COLUMNS]
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("started_at", "deadline", "submitted_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    frame["score_percent"] = frame["score_percent"].astype("float64")
    frame["at"] = frame["submitted_at"].fillna(frame["started_at"])
    return frame


def _within(frame: pd.DataFrame, filters: DashboardFilters) -> pd.DataFrame:
    keep = pd.Series(True, index=frame.index)
    if filters.quiz_id is not None:
        keep &= frame["quiz_id"] == filters.quiz_id
    if filters.since is not None:
        keep &= frame["at"] >= pd.Timestamp(filters.since)
    if filters.until is not None:
        keep &= frame["at"] < pd.Timestamp(filters.until)
    return frame[keep]


def _count(trainees: pd.DataFrame, rows: pd.DataFrame) -> pd.Series:
    counts = rows.groupby("user_id").size()
    return trainees["user_id"].map(counts).fillna(0).astype("int64")


def _scores(done: pd.DataFrame) -> pd.DataFrame:
    if done.empty:
        return pd.DataFrame(columns=SCORE_COLUMNS)
    ordered = done.sort_values(["submitted_at", "id"])
    groups = ordered.groupby(["user_id", "quiz_id"], sort=True)
    latest = groups.tail(1).set_index(["user_id", "quiz_id"])
    out = groups.agg(attempts=("id", "size"), best=("score_percent", "max"))
    out["latest"] = latest["score_percent"]
    out["latest_passed"] = latest["passed"].astype(bool)
    out["latest_at"] = latest["submitted_at"]
    return out.reset_index()[SCORE_COLUMNS]


def _mastery(done: pd.DataFrame) -> pd.DataFrame:
    parts = [
        (user_id, at, attempt_id, topic, float(points), int(questions))
        for user_id, at, attempt_id, by_topic in zip(
            done["user_id"], done["submitted_at"], done["id"], done["by_topic"], strict=True
        )
        for topic, (points, questions) in (by_topic or {}).items()
    ]
    if not parts:
        return pd.DataFrame(columns=MASTERY_COLUMNS)
    long = pd.DataFrame(parts, columns=["user_id", "at", "id", "topic", "points", "questions"])
    recent = (
        long.sort_values(["at", "id"], ascending=False)
        .groupby(["user_id", "topic"], sort=False)
        .head(RECENT_ATTEMPTS)
    )
    out = recent.groupby(["user_id", "topic"], sort=True)[["points", "questions"]].sum()
    out = out[out["questions"] > 0]
    out["share"] = out["points"] / out["questions"]
    return out.reset_index()[MASTERY_COLUMNS]


def _certification(
    user_ids: pd.Series, passes: list[dict[str, Any]], catalogue: Catalogue, now: datetime
) -> dict[int, tuple[certstatus.Status, datetime | None]]:
    """Per trainee: the weakest status over every certification (certstatus.weakest) and, if
    every one holds (current or expiring), when the first of them ends."""
    by_user: dict[int, list[dict[str, Any]]] = {}
    for row in passes:
        by_user.setdefault(row["user_id"], []).append(row)
    out = {}
    for user_id in user_ids:
        certs = certifications_from(by_user.get(user_id, []), catalogue, now)
        status = certstatus.weakest(c.status for c in certs)
        ends = [c.valid_until for c in certs if c.valid_until is not None]
        out[user_id] = (status, min(ends) if status in certstatus.CERTIFIED else None)
    return out
