"""Exam accommodations: a trainee's extra time on timed quizzes and extra attempts where attempts
are limited, set by their trainer or a manager with a reason, and what they change.

One home for the rule: the time an attempt is given (``time_limit``), the attempts a trainee may
make (``attempt_limit``) and the words the trainee reads (``notices``). app.attempts asks these
when it starts an attempt, inside its transaction, so the server enforces what the pages show.
Extra time is a factor of the quiz's time limit (1.5: half as long again), then minutes added;
either may be left at its neutral value (1 and 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from app import clock
from app.accounts import Forbidden, NotFound, User, recheck, require, username_key
from app.bank.schema import Quiz
from app.errors import ResurfaceError
from app.permissions import Action, acting, allowed
from app.store import audit as audit_store
from app.store import fair as fair_store
from app.store import users as user_store
from app.store.db import writing

MAX_EXTRA_MINUTES = 600
MAX_FACTOR = 4.0
MAX_EXTRA_ATTEMPTS = 20


class BadAccommodation(ResurfaceError):
    """An accommodation out of range, or without a reason."""


@dataclass(frozen=True)
class Accommodation:
    """What a trainee is given beyond a quiz's own limits (the neutral values: nothing)."""

    extra_minutes: int = 0
    time_factor: float = 1.0
    extra_attempts: int = 0
    reason: str = ""
    set_by: int | None = None
    set_at: datetime | None = None

    @property
    def any(self) -> bool:
        return self.extra_minutes > 0 or self.time_factor > 1 or self.extra_attempts > 0

    @classmethod
    def of(cls, row: dict[str, Any] | None) -> Accommodation:
        if row is None:
            return NONE
        return cls(
            row["extra_minutes"],
            row["time_factor"],
            row["extra_attempts"],
            row["reason"],
            row["set_by"],
            row["set_at"],
        )


NONE = Accommodation()


def time_limit(quiz: Quiz, given: Accommodation) -> int | None:
    """The minutes an attempt at ``quiz`` lasts for someone given ``given`` (None: untimed).

    The factor's product is rounded up to a whole minute: an accommodation never takes time away.
    """
    if quiz.time_limit_minutes is None:
        return None
    return math.ceil(quiz.time_limit_minutes * given.time_factor - 1e-9) + given.extra_minutes


def extra_minutes(quiz: Quiz, given: Accommodation) -> int:
    """The minutes ``time_limit`` adds to the quiz's own (0 for an untimed quiz)."""
    limit = time_limit(quiz, given)
    return (
        0 if limit is None or quiz.time_limit_minutes is None else limit - quiz.time_limit_minutes
    )


def attempt_limit(quiz: Quiz, given: Accommodation) -> int | None:
    """How many attempts at ``quiz`` someone given ``given`` may make (None: no limit)."""
    return None if quiz.max_attempts is None else quiz.max_attempts + given.extra_attempts


def notices(given: Accommodation) -> list[str]:
    """What the trainee reads on their home page about their accommodation."""
    out = []
    if given.time_factor > 1:
        share = round((given.time_factor - 1) * 100)
        out.append(f"You have {share}% more time on timed exams.")
    if given.extra_minutes:
        minutes = "minute" if given.extra_minutes == 1 else "minutes"
        more = " on top of that" if given.time_factor > 1 else ""
        out.append(f"You have {given.extra_minutes} extra {minutes} on timed exams{more}.")
    if given.extra_attempts:
        attempts = "attempt" if given.extra_attempts == 1 else "attempts"
        out.append(
            f"You have {given.extra_attempts} extra {attempts} at exams with an attempt limit."
        )
    return out


def given_to(conn: Connection, user_id: int) -> Accommodation:
    """The accommodation of a user, read in the caller's transaction (NONE if they have none)."""
    return Accommodation.of(fair_store.accommodation(conn, user_id))


def accommodation_of(engine: Engine, actor: User | None, user_id: int) -> Accommodation:
    """A user's accommodation, for themselves, their trainer or a manager. Raises NotFound."""
    with engine.connect() as conn:
        target = _target(conn, acting(actor), user_id)
        return given_to(conn, target.id)


def set_accommodation(
    engine: Engine,
    actor: User | None,
    trainee: int | str,
    *,
    extra_minutes: int = 0,
    time_factor: float = 1.0,
    extra_attempts: int = 0,
    reason: str,
) -> Accommodation:
    """Give a trainee (by id, or by username) extra time and/or attempts; all neutral values take
    the accommodation away.

    Audited as ``accommodation.set`` (or ``accommodation.clear``) with the values before and after
    and the reason. Raises BadAccommodation, NotFound, Forbidden, AccountInactive.
    """
    reason = reason.strip()
    _check(extra_minutes, time_factor, extra_attempts, reason)
    with writing(engine) as conn:
        fresh = recheck(conn, actor)
        who = acting(fresh)
        target = _target(conn, who, trainee)
        if target.role != "trainee":  # the console may do anything, but this means nothing
            raise Forbidden(
                f"accommodations are for trainees; {target.username} is a {target.role}"
            )
        require(who, Action.ACCOMMODATE, target)
        before = given_to(conn, target.id)
        now = clock.now()
        after = Accommodation(extra_minutes, time_factor, extra_attempts, reason, _id(fresh), now)
        if after.any:
            fair_store.put_accommodation(
                conn, target.id, **_values(after), reason=reason, set_by=_id(fresh), set_at=now
            )
        else:
            fair_store.drop_accommodation(conn, target.id)
        audit_store.record(
            conn,
            now,
            _id(fresh),
            "accommodation.set" if after.any else "accommodation.clear",
            target.username,
            before=_values(before),
            after=_values(after),
            reason=reason,
        )
    return after if after.any else NONE


def _check(extra_minutes: int, time_factor: float, extra_attempts: int, reason: str) -> None:
    if not 0 <= extra_minutes <= MAX_EXTRA_MINUTES:
        raise BadAccommodation(f"extra minutes: give 0 to {MAX_EXTRA_MINUTES}, not {extra_minutes}")
    if not 1 <= time_factor <= MAX_FACTOR or math.isnan(time_factor):
        raise BadAccommodation(
            f"time factor: give 1 (no extra) to {MAX_FACTOR:g} (four times as long), "
            f"not {time_factor:g}"
        )
    if not 0 <= extra_attempts <= MAX_EXTRA_ATTEMPTS:
        raise BadAccommodation(
            f"extra attempts: give 0 to {MAX_EXTRA_ATTEMPTS}, not {extra_attempts}"
        )
    if not reason:
        raise BadAccommodation("reason: say why (it is kept in the audit log)")


def _target(conn: Connection, who: Any, user: int | str) -> User:
    """The user (an id or a username) ``who`` may see, as the database has them. Raises NotFound."""
    if isinstance(user, str):
        row = user_store.by_key(conn, username_key(user.strip()))
    else:
        row = user_store.by_id(conn, user)
    if row is None or not allowed(who, Action.VIEW_USER, User.of(row)):
        raise NotFound(f"no user {user!r}" if isinstance(user, str) else f"no user {user}")
    return User.of(row)


def _values(given: Accommodation) -> dict[str, Any]:
    return {
        "extra_minutes": given.extra_minutes,
        "time_factor": given.time_factor,
        "extra_attempts": given.extra_attempts,
    }


def _id(actor: User | None) -> int | None:
    return None if actor is None else actor.id
