"""Who holds which certification, as of a moment: a roster per trainee and certification, and an
overview per cohort for the manager's dashboard. Frames out, no Streamlit.

A quiz with ``certifies:`` grants its certification on a passed attempt, for the months the quiz
said when it was taken (``app.certstatus`` holds that rule, and its words). Everything here is
as of ``now``: an attempt counts if it was started before it, its result if it was submitted
before it, and a trainee is listed if their account was created before it, so a report for a past
date reads the same whenever it is run. ``active`` is the account's state when the report is run.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from app import attempts, clock, present
from app.accounts import User, report_scope
from app.bank import Catalogue
from app.bank.schema import Quiz
from app.certstatus import CERTIFIED, STATUSES, certifications_from
from app.errors import ResurfaceError
from app.permissions import Console, acting
from app.store import reports as report_store

ROSTER_COLUMNS = [
    "user_id",
    "username",
    "display_name",
    "cohort",
    "active",
    "certification",
    "quiz_id",
    "status",
    "passed_at",
    "expires_at",
    "best_score_percent",
    "attempts",
]
COHORT_COLUMNS = [
    "quiz_id",
    "certification",
    "cohort",
    "trainees",
    "certified",
    "share",
    *STATUSES,
]
FUNNEL_STAGES = ("invited", "attempted", "passed", "certified")
FUNNEL_COLUMNS = ["quiz_id", "certification", "stage", "trainees", "share"]


class NotACertification(ResurfaceError, ValueError):
    """The quiz asked for is not in the banks or grants no certification."""


@dataclass(frozen=True)
class CertificationOverview:
    """The certification dashboard for one scope, as of ``now``."""

    now: datetime
    cohort: str | None  # the cohort covered; None: every cohort
    # The trainees counted, one row per trainee and certification (ROSTER_COLUMNS).
    roster: pd.DataFrame
    # Per certification and cohort (COHORT_COLUMNS): trainees, certified now (current or
    # expiring), their share (0 to 1), and how many are in each status.
    cohorts: pd.DataFrame
    # The same per certification over the whole scope (``cohort`` None).
    totals: pd.DataFrame
    # Roster rows expiring (certstatus) with ``days_left`` (whole days), soonest first.
    expiring: pd.DataFrame
    # Roster rows expired with ``days_since`` (whole days), longest lapsed first.
    expired: pd.DataFrame
    # Per certification, trainees at each of FUNNEL_STAGES and their share of those invited.
    funnel: pd.DataFrame


def certifying(catalogue: Catalogue, quiz_id: str | None = None) -> list[Quiz]:
    """The quizzes that grant a certification (only ``quiz_id``'s, if given).

    Raises NotACertification for a quiz_id that is not a certifying quiz of the banks.
    """
    quizzes = [quiz for quiz in catalogue.quizzes.values() if quiz.certifies is not None]
    if quiz_id is None:
        return quizzes
    found = [quiz for quiz in quizzes if quiz.id == quiz_id]
    if not found:
        raise NotACertification(f"quiz '{quiz_id}' grants no certification")
    return found


def trainee_statuses(
    engine: Engine,
    actor: User | None,
    catalogue: Catalogue,
    cohort: str | None = None,
    quiz_id: str | None = None,
    now: datetime | None = None,
    include_inactive: bool = True,
) -> pd.DataFrame:
    """One row per trainee in scope and certification, as of ``now`` (ROSTER_COLUMNS).

    ``status`` is current, expiring, expired or never (certstatus); ``passed_at`` is the
    latest pass, ``expires_at`` when it ends (UTC); ``best_score_percent`` the best submitted score
    at the certifying quiz, rounded down to 2 decimals; ``attempts`` every attempt at it, open
    ones included. ``actor`` None is the operator at the console. Raises Forbidden (trainees, a
    trainer asking for another cohort) and NotACertification.
    """
    now = now or clock.now()
    scope = report_scope(actor, cohort)
    quizzes = certifying(catalogue, quiz_id)
    wanted = {quiz.id for quiz in quizzes}
    with engine.connect() as conn:
        people = [
            p
            for p in report_store.trainee_accounts(conn, scope)
            if p["created_at"] < now and (include_inactive or p["active"])
        ]
    rows = _as_of(_settled(engine, acting(actor), sorted(wanted), scope, now), now)
    by_user: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_user[row["user_id"]].append(row)
    lines = []
    for person in people:
        mine = by_user.get(person["id"], [])
        for cert in certifications_from(mine, catalogue, now):
            if cert.quiz_id not in wanted:
                continue
            at_quiz = [r for r in mine if r["quiz_id"] == cert.quiz_id]
            scores = [
                r["score_percent"]
                for r in at_quiz
                if r["status"] == "submitted" and r["score_percent"] is not None
            ]
            lines.append(
                {
                    "user_id": person["id"],
                    "username": person["username"],
                    "display_name": person["display_name"],
                    "cohort": person["cohort"],
                    "active": bool(person["active"]),
                    "certification": cert.name,
                    "quiz_id": cert.quiz_id,
                    "status": cert.status,
                    "passed_at": cert.earned_at,
                    "expires_at": cert.valid_until,
                    "best_score_percent": present.export_percent(max(scores)) if scores else None,
                    "attempts": len(at_quiz),
                }
            )
    frame = pd.DataFrame(lines, columns=ROSTER_COLUMNS)
    for column in ("passed_at", "expires_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True).astype("datetime64[us, UTC]")
    frame = frame.astype(
        {"user_id": "int64", "active": "bool", "best_score_percent": "float64", "attempts": "int64"}
    )
    # People come by username; a stable sort groups them by cohort and keeps that order.
    return frame.sort_values("cohort", kind="stable", na_position="last").reset_index(drop=True)


def overview(
    engine: Engine,
    actor: User,
    catalogue: Catalogue,
    cohort: str | None = None,
    quiz_id: str | None = None,
    now: datetime | None = None,
    include_inactive: bool = False,
) -> CertificationOverview:
    """Certification per cohort and in total, who is expiring or expired, and the funnel from
    invited to certified, as of ``now``; deactivated trainees only if ``include_inactive``.

    Raises Forbidden (trainees; a trainer asking for another cohort) and NotACertification.
    """
    now = now or clock.now()
    scope = report_scope(actor, cohort)
    people = trainee_statuses(engine, actor, catalogue, scope, quiz_id, now, include_inactive)
    moment = pd.Timestamp(now)
    expiring = people[people["status"] == "expiring"]
    expiring = expiring.assign(days_left=(expiring["expires_at"] - moment).dt.days.astype("int64"))
    expired = people[people["status"] == "expired"]
    expired = expired.assign(days_since=(moment - expired["expires_at"]).dt.days.astype("int64"))
    return CertificationOverview(
        now,
        scope,
        people,
        _counts(people, ["quiz_id", "certification", "cohort"]),
        _counts(people, ["quiz_id", "certification"]).assign(cohort=None)[COHORT_COLUMNS],
        expiring.sort_values(["expires_at", "username"]).reset_index(drop=True),
        expired.sort_values(["expires_at", "username"]).reset_index(drop=True),
        _funnel(people),
    )


# --- helpers ------------------------------------------------------------------------------------


def _settled(
    engine: Engine, actor: User | Console, quiz_ids: list[str], cohort: str | None, now: datetime
) -> list[dict[str, Any]]:
    """Attempts at these quizzes started before ``now``, those overdue by then closed first."""

    def read() -> list[dict[str, Any]]:
        with engine.connect() as conn:
            return report_store.at_quizzes(conn, quiz_ids, cohort, before=now)

    return attempts.settled(engine, actor, read, now)


def _as_of(rows: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """The attempts as they stood at ``now``: one submitted later was still open then."""
    out = []
    for row in rows:
        if row["started_at"] >= now:
            continue
        if row["status"] == "submitted" and row["submitted_at"] >= now:
            row = {**row, "status": "open", "submitted_at": None, "score_percent": None}
            row["passed"] = None
        out.append(row)
    return out


def _counts(people: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    columns = [c for c in COHORT_COLUMNS if c not in ("quiz_id", "certification", "cohort")]
    if people.empty:
        return pd.DataFrame(columns=[*keys, *columns])
    counts = (
        people.groupby([*keys, "status"], dropna=False, sort=True)
        .size()
        .unstack("status", fill_value=0)
        .reindex(columns=list(STATUSES), fill_value=0)
    )
    counts["trainees"] = counts[list(STATUSES)].sum(axis=1)
    counts["certified"] = counts[list(CERTIFIED)].sum(axis=1)
    counts["share"] = counts["certified"] / counts["trainees"]
    return counts.reset_index()[[*keys, *columns]].rename_axis(columns=None)


def _funnel(people: pd.DataFrame) -> pd.DataFrame:
    lines = []
    for (quiz_id, name), rows in people.groupby(["quiz_id", "certification"], sort=False):
        invited = len(rows)
        reached = {
            "invited": invited,
            "attempted": int((rows["attempts"] > 0).sum()),
            "passed": int(rows["passed_at"].notna().sum()),
            "certified": int(rows["status"].isin(CERTIFIED).sum()),
        }
        for stage in FUNNEL_STAGES:
            share = reached[stage] / invited if invited else 0.0
            lines.append((quiz_id, name, stage, reached[stage], share))
    return pd.DataFrame(lines, columns=FUNNEL_COLUMNS)
