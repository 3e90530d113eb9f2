"""A demo database: three well-known accounts and a few weeks of a trainee's attempts.

Only for trying the app out: the passwords are printed by ``resurface demo`` and written in the
README, so a demo database must never hold real people.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import Engine

from app import accounts, attempts, clock
from app.accounts import AlreadyInitialised, User
from app.bank import Catalogue
from app.engine import Presented
from app.errors import ResurfaceError
from app.feedback import key_of

COHORT = "demo"
# (username, password, role): fixed so the README can show them. DEMO ONLY.
ACCOUNTS: tuple[tuple[str, str, accounts.Role], ...] = (
    ("trainee", "quiet laser morning", "trainee"),
    ("trainer", "bright clinic review", "trainer"),
    ("manager", "steady chart summary", "manager"),
)
# (quiz id, days ago, share of questions answered right): a trainee who improves, fails the
# quick check once and then passes the certification exam.
HISTORY: tuple[tuple[str, int, float], ...] = (
    ("practice-aftercare", 24, 0.6),
    ("practice-ablative", 17, 0.8),
    ("quick-check", 10, 0.7),
    ("certification-exam", 3, 0.87),
)


class NotADemoDatabase(ResurfaceError):
    """The database has users but not the demo accounts, so it is not one to fill with a demo."""


def seed_demo(
    engine: Engine, catalogue: Catalogue, now: datetime | None = None
) -> list[tuple[str, str, str]]:
    """Fill an empty database with the demo accounts and attempts; returns the accounts.

    A database that already has the demo accounts is left as it is. Raises NotADemoDatabase
    when it has other users.
    """
    now = now or clock.now()
    rng = random.Random(42)
    by_role = {role: (username, password) for username, password, role in ACCOUNTS}
    try:
        # A first manager can only be created in an empty database, atomically, so this is the
        # check that seeds once.
        manager = accounts.init_first_manager(engine, *by_role["manager"], "Demo manager")
    except AlreadyInitialised:
        _check_is_demo(engine)
        return list(ACCOUNTS)

    def add(role: accounts.Role) -> User:
        username, password = by_role[role]
        return accounts.create_user(
            engine, manager, username, password, role, COHORT, f"Demo {role}"
        )

    add("trainer")
    trainee = add("trainee")
    for quiz_id, days_ago, share in HISTORY:
        if quiz_id in catalogue.quizzes:
            _past_attempt(engine, trainee, catalogue, quiz_id, days_ago, share, now, rng)
    return list(ACCOUNTS)


def _check_is_demo(engine: Engine) -> None:
    found = {(u.username, u.role) for u in accounts.list_users(engine, None)}
    if not {(username, role) for username, _, role in ACCOUNTS} <= found:
        raise NotADemoDatabase(
            "this database has users but not the demo accounts; give the demo its own database"
        )


def _past_attempt(
    engine: Engine,
    trainee: User,
    catalogue: Catalogue,
    quiz_id: str,
    days_ago: int,
    share: float,
    now: datetime,
    rng: random.Random,
) -> None:
    """Start, answer and submit one attempt as if it happened ``days_ago`` days before ``now``."""
    at = now - timedelta(days=days_ago, hours=rng.randint(1, 8), minutes=rng.randint(0, 59))
    quiz = catalogue.quizzes[quiz_id]
    view = attempts.start(engine, trainee, quiz, catalogue, now=at, seed=rng.randrange(2**31))
    positions = [q.presented.position for q in view.questions]
    right = set(rng.sample(positions, round(share * len(positions))))
    for state in view.questions:
        # Under a minute and a half per question keeps a timed exam inside its limit.
        at += timedelta(seconds=rng.randint(20, 80))
        p = state.presented
        answer = key_of(p.snapshot) if p.position in right else _wrong(p)
        attempts.save_answer(engine, trainee, view.id, p.position, answer, now=at)
    attempts.submit(engine, trainee, view.id, now=at + timedelta(seconds=30))


def _wrong(p: Presented) -> object:
    """A plausible mistake: a wrong option, one correct pick missed, or two pairs swapped."""
    snap = p.snapshot
    if snap.type == "single":
        return next(i for i, o in enumerate(snap.options) if not o.correct)
    if snap.type == "multiple":
        correct = [i for i, o in enumerate(snap.options) if o.correct]
        wrong = next(i for i, o in enumerate(snap.options) if not o.correct)
        return [*correct[1:], wrong]
    if snap.type == "true_false":
        return not snap.answer
    chosen = list(range(len(snap.pairs)))
    chosen[0], chosen[1] = chosen[1], chosen[0]
    return chosen
