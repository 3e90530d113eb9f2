"""Accounts on a real database: hashing, lockout, deactivation, uniqueness, audit, permissions."""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from argon2 import PasswordHasher, extract_parameters, profiles
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app import accounts, clock, throttle, useradmin
from app.accounts import (
    AccountInactive,
    AlreadyInitialised,
    DuplicateUser,
    Forbidden,
    InvalidUser,
    LoginFailed,
    NotFound,
    SignInDelayed,
    User,
    WeakPassword,
)
from app.permissions import Action, NewAccount
from app.permissions import allowed as permitted
from app.store import audit as audit_store
from app.store import users as user_store
from app.store.db import make_engine
from conftest import PW, sign_in_outcome


def test_first_manager_only_on_an_empty_database(fresh_db):
    boss = accounts.init_first_manager(fresh_db, "boss", PW)
    assert (boss.role, boss.cohort) == ("manager", None)
    with pytest.raises(AlreadyInitialised):
        accounts.init_first_manager(fresh_db, "boss2", PW)


def test_console_operator_may_create_anyone(people, fresh_db):
    user = accounts.create_user(fresh_db, None, "ops", PW, "trainer", "west")
    assert accounts.authenticate(fresh_db, "ops", PW) == user


@pytest.mark.real_hashing
def test_passwords_are_hashed_with_argon2id_at_the_rfc_9106_low_memory_costs(fresh_db):
    accounts.init_first_manager(fresh_db, "boss", PW)
    with fresh_db.connect() as conn:
        stored = user_store.by_key(conn, "boss")["password_hash"]
    assert stored.startswith("$argon2id$")
    assert extract_parameters(stored) == profiles.RFC_9106_LOW_MEMORY
    assert PW not in stored


def test_usernames_are_unique_ignoring_case(people, fresh_db):
    with pytest.raises(DuplicateUser, match="already taken"):
        accounts.create_user(fresh_db, people["boss"], "ANN", PW, "trainee", "north")
    assert accounts.authenticate(fresh_db, "Ann", PW).username == "ann"


def test_password_minimum_length(fresh_db):
    with pytest.raises(WeakPassword, match="at least 10 characters"):
        accounts.init_first_manager(fresh_db, "boss", "short-pw!")


@pytest.mark.parametrize("name", ["", "two words", "tab\there", "x" * 65])
def test_bad_usernames_are_refused(fresh_db, name):
    with pytest.raises(InvalidUser):
        accounts.init_first_manager(fresh_db, name, PW)


def test_trainees_need_a_cohort(people, fresh_db):
    with pytest.raises(InvalidUser, match="needs a cohort"):
        accounts.create_user(fresh_db, people["boss"], "dan", PW, "trainee")


def test_sql_metacharacters_are_stored_literally(people, fresh_db):
    name = "o'brien\";--"
    accounts.create_user(
        fresh_db, people["boss"], name, PW, "trainee", "north'; DROP TABLE users;--"
    )
    user = accounts.authenticate(fresh_db, name, PW)
    assert (user.username, user.cohort) == (name, "north'; DROP TABLE users;--")


def test_wrong_password_and_unknown_user_say_the_same(people, fresh_db):
    with pytest.raises(LoginFailed) as wrong:
        accounts.authenticate(fresh_db, "ann", "not the password")
    with pytest.raises(LoginFailed) as unknown:
        accounts.authenticate(fresh_db, "nobody", "not the password")
    assert str(wrong.value) == str(unknown.value) == "wrong username or password"


HERE, THERE = "203.0.113.7", "198.51.100.20"  # two clients (documentation addresses)


def sign_in_as(engine, username, password, now, client=HERE) -> str:
    return sign_in_outcome(engine, username, password, now, client)


def test_failures_slow_down_the_client_that_makes_them_not_the_account(people, fresh_db):
    now = clock.now()
    outcomes = [sign_in_as(fresh_db, "ann", "wrong password!", now) for _ in range(6)]
    # Five wrong passwords are checked; the sixth, at once, is not even looked at.
    assert outcomes == ["LoginFailed"] * 5 + ["SignInDelayed"]
    with pytest.raises(SignInDelayed) as delayed:
        accounts.authenticate(fresh_db, "ann", PW, now=now, client=HERE)
    assert delayed.value.until == now + timedelta(seconds=1)
    # Ann herself, from another computer, is not held back at all.
    assert sign_in_as(fresh_db, "ann", PW, now, client=THERE) == "ok"
    # From the first computer, once the wait is over, the right password works...
    assert sign_in_as(fresh_db, "ann", PW, now + timedelta(seconds=1)) == "ok"
    # ...and clears the count: five more slips before any wait.
    later = now + timedelta(seconds=2)
    assert [sign_in_as(fresh_db, "ann", "wrong!!!!!!", later) for _ in range(5)] == [
        "LoginFailed"
    ] * 5


def test_each_failure_from_the_fifth_doubles_the_wait_up_to_15_minutes(people, fresh_db):
    moment = clock.now()
    for _ in range(4):
        assert sign_in_as(fresh_db, "ann", "wrong password!", moment) == "LoginFailed"
    waits = []
    for _ in range(16):  # a guesser who tries again the moment they may
        assert sign_in_as(fresh_db, "ann", "wrong password!", moment) == "LoginFailed"
        with pytest.raises(SignInDelayed) as delayed:
            accounts.authenticate(fresh_db, "ann", "wrong password!", now=moment, client=HERE)
        waits.append((delayed.value.until - moment).total_seconds())
        moment = delayed.value.until
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512] + [900] * 6
    # In the first hour after the fifth failure, about a dozen more guesses; then four an hour.
    assert sum(waits[:12]) < 3600 < sum(waits[:13])  # guess 5 + k comes sum(waits[:k]) later


def test_the_first_four_failures_cost_nothing(people, fresh_db):
    now = clock.now()
    assert [sign_in_as(fresh_db, "ann", "wrong password!", now) for _ in range(4)] == [
        "LoginFailed"
    ] * 4
    assert sign_in_as(fresh_db, "ann", PW, now) == "ok"


def test_unknown_usernames_are_slowed_down_alike(people, fresh_db):
    now = clock.now()
    known = [sign_in_as(fresh_db, "ann", "wrong password!", now) for _ in range(6)]
    unknown = [sign_in_as(fresh_db, "nobody", "wrong password!", now) for _ in range(6)]
    assert known == unknown == ["LoginFailed"] * 5 + ["SignInDelayed"]


def test_one_address_trying_many_usernames_is_slowed_down_too(people, fresh_db):
    now = clock.now()
    names = [f"guess{i}" for i in range(throttle.FREE["address"])]
    assert {sign_in_as(fresh_db, n, "wrong password!", now) for n in names} == {"LoginFailed"}
    assert sign_in_as(fresh_db, "yet-another", "wrong password!", now) == "SignInDelayed"
    assert sign_in_as(fresh_db, "ann", PW, now, client=THERE) == "ok"


def test_a_clinic_signing_in_all_day_from_one_address_is_never_slowed(people, fresh_db):
    now = clock.now()
    for i in range(3 * throttle.FREE["address"]):
        name = ("ann", "bob", "tina")[i % 3]
        if i % 10 == 0:  # now and then a typo, put right at once
            assert sign_in_as(fresh_db, name, "a typo in it", now) == "LoginFailed"
        assert sign_in_as(fresh_db, name, PW, now) == "ok"


def test_a_deactivated_account_is_named_only_to_its_right_password(people, fresh_db):
    useradmin.set_active(fresh_db, people["tina"], "ann", False)
    now = clock.now()
    assert sign_in_as(fresh_db, "ann", "wrong password!", now) == "LoginFailed"
    assert sign_in_as(fresh_db, "ann", PW, now) == "AccountInactive"


@pytest.mark.real_hashing
def test_a_delayed_client_costs_the_server_no_password_check(people, fresh_db, monkeypatch):
    now = clock.now()
    for _ in range(5):
        sign_in_as(fresh_db, "ann", "wrong password!", now)
    watched = Watched(accounts.hasher, lambda: True)
    monkeypatch.setattr(accounts, "hasher", watched)
    assert [sign_in_as(fresh_db, "ann", "wrong password!", now) for _ in range(50)] == [
        "SignInDelayed"
    ] * 50
    assert watched.seen == []


def test_success_resets_the_failure_count(people, fresh_db):
    for _ in range(4):
        with pytest.raises(LoginFailed):
            accounts.authenticate(fresh_db, "ann", "wrong password!")
    accounts.authenticate(fresh_db, "ann", PW)
    for _ in range(4):
        with pytest.raises(LoginFailed):
            accounts.authenticate(fresh_db, "ann", "wrong password!")
    assert accounts.authenticate(fresh_db, "ann", PW).username == "ann"


def test_deactivated_users_cannot_sign_in_but_remain(people, fresh_db):
    useradmin.set_active(fresh_db, people["tina"], "ann", False)
    with pytest.raises(AccountInactive):
        accounts.authenticate(fresh_db, "ann", PW)
    assert not accounts.get_user(fresh_db, people["boss"], "ann").active
    useradmin.set_active(fresh_db, people["boss"], "ann", True)
    assert accounts.authenticate(fresh_db, "ann", PW).active


@pytest.mark.real_hashing
def test_old_hash_parameters_are_upgraded_at_sign_in(people, fresh_db):
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PW)
    with fresh_db.begin() as conn:
        user_store.change(conn, people["ann"].id, password_hash=weak)
    accounts.authenticate(fresh_db, "ann", PW)
    with fresh_db.connect() as conn:
        rehashed = user_store.by_key(conn, "ann")["password_hash"]
    assert rehashed != weak
    assert not accounts.hasher.check_needs_rehash(rehashed)
    assert accounts.authenticate(fresh_db, "ann", PW).username == "ann"


def test_set_password_clears_a_delay(people, fresh_db):
    now = clock.now()
    for _ in range(6):
        with pytest.raises((LoginFailed, SignInDelayed)):
            accounts.authenticate(fresh_db, "ann", "wrong password!", now=now)
    useradmin.set_password(fresh_db, people["tina"], "ann", "a brand new password")
    assert accounts.authenticate(fresh_db, "ann", "a brand new password", now=now).username == "ann"


def test_audit_log_records_outcomes_and_never_a_password(people, fresh_db):
    with pytest.raises(LoginFailed):
        accounts.authenticate(fresh_db, "ann", "secret-typo-123")
    accounts.authenticate(fresh_db, "ann", PW)
    with fresh_db.connect() as conn:
        lines = audit_store.lines(conn)
    actions = [line["action"] for line in lines]
    assert actions.count("user.create") == 6
    assert actions[-2:] == ["login.failed", "login"]
    assert PW not in repr(lines)
    assert "secret-typo-123" not in repr(lines)


def test_trainer_lists_only_their_cohorts_trainees(people, fresh_db):
    assert [u.username for u in accounts.list_users(fresh_db, people["tina"])] == [
        "ann",
        "bob",
        "tina",
    ]
    assert len(accounts.list_users(fresh_db, people["boss"])) == 6
    assert [u.username for u in accounts.list_users(fresh_db, people["cat"])] == ["cat"]
    with pytest.raises(NotFound):
        accounts.get_user(fresh_db, people["tina"], "cat")


@pytest.mark.parametrize(
    ("actor", "username", "allowed"),
    [
        ("boss", "tina", True),
        ("boss", "ann", True),
        ("tina", "ann", True),
        ("tina", "cat", False),
        ("tina", "tom", False),
        ("ann", "bob", False),
        ("tom", "boss", False),
    ],
)
def test_deactivate_permission(people, fresh_db, actor, username, allowed):
    if allowed:
        assert useradmin.set_active(fresh_db, people[actor], username, False).active is False
    else:
        with pytest.raises((Forbidden, NotFound)):
            useradmin.set_active(fresh_db, people[actor], username, False)


def test_nobody_deactivates_themselves(people, fresh_db):
    with pytest.raises(Forbidden):
        useradmin.set_active(fresh_db, people["boss"], "boss", False)


# --- the permission rules themselves, every role against every kind of target ---------------

M = User(1, "m", "M", "manager", None, True)
T = User(2, "t", "T", "trainer", "north", True)
T2 = User(3, "t2", "T2", "trainer", "south", True)
A = User(4, "a", "A", "trainee", "north", True)
C = User(5, "c", "C", "trainee", "south", True)


@pytest.mark.parametrize(
    ("actor", "target", "expected"),
    [
        (M, M, True), (M, T, True), (M, A, True), (M, C, True),
        (T, T, True), (T, A, True), (T, C, False), (T, T2, False), (T, M, False),
        (A, A, True), (A, C, False), (A, T, False), (A, M, False),
    ],
)  # fmt: skip
def test_who_may_view_whom(actor, target, expected):
    assert permitted(actor, Action.VIEW_USER, target) is expected


@pytest.mark.parametrize(
    ("actor", "role", "cohort", "expected"),
    [
        (M, "manager", None, True), (M, "trainer", "south", True), (M, "trainee", "north", True),
        (T, "trainee", "north", True), (T, "trainee", "south", False), (T, "trainer", "north", False),
        (T, "manager", None, False),
        (A, "trainee", "north", False), (A, "trainer", "north", False), (A, "manager", None, False),
    ],
)  # fmt: skip
def test_who_may_create_which_account(actor, role, cohort, expected):
    assert permitted(actor, Action.CREATE_USER, NewAccount(role, cohort)) is expected


@pytest.mark.parametrize(
    ("actor", "role", "cohort", "allowed"),
    [
        ("boss", "manager", None, True), ("boss", "trainer", "north", True), ("boss", "trainee", "south", True),
        ("tina", "trainee", "north", True), ("tina", "trainee", "south", False), ("tina", "trainer", "north", False),
        ("tina", "manager", None, False),
        ("ann", "trainee", "north", False), ("ann", "trainer", "north", False), ("ann", "manager", None, False),
    ],
)  # fmt: skip
def test_create_user_permission(people, fresh_db, actor, role, cohort, allowed):
    if allowed:
        assert (
            accounts.create_user(fresh_db, people[actor], "newbie", PW, role, cohort).role == role
        )
    else:
        with pytest.raises(Forbidden):
            accounts.create_user(fresh_db, people[actor], "newbie", PW, role, cohort)


@pytest.mark.parametrize(
    ("actor", "username", "allowed"),
    [
        ("ann", "ann", True), ("ann", "bob", False), ("tina", "ann", True), ("tina", "cat", False),
        ("tina", "tom", False), ("boss", "tom", True), ("boss", "cat", True), ("tom", "boss", False),
    ],
)  # fmt: skip
def test_set_password_permission(people, fresh_db, actor, username, allowed):
    if allowed:
        useradmin.set_password(fresh_db, people[actor], username, "a fresh password")
        assert accounts.authenticate(fresh_db, username, "a fresh password").username == username
    else:
        with pytest.raises((Forbidden, NotFound)):
            useradmin.set_password(fresh_db, people[actor], username, "a fresh password")
        assert accounts.authenticate(fresh_db, username, PW).username == username


# --- a sign-in never holds the lock that answer saves wait for while it checks the password ----


class Watched:
    """The hasher in use, asking ``free()`` each time a password is checked."""

    def __init__(self, inner: PasswordHasher, free: Callable[[], bool]) -> None:
        self.inner, self.free, self.seen = inner, free, []

    def verify(self, password_hash: str, password: str) -> bool:
        self.seen.append(self.free())
        return self.inner.verify(password_hash, password)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


@contextlib.contextmanager
def lock_free(url: str, username: str) -> Iterator[Callable[[], bool]]:
    """Whether another connection could write now: take SQLite's write lock, or the user's row
    on PostgreSQL, without waiting."""
    if url.startswith("sqlite"):

        def sqlite_free() -> bool:
            other = sqlite3.connect(make_url(url).database, timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                return True
            except sqlite3.OperationalError:
                return False
            finally:
                other.close()

        yield sqlite_free
        return
    engine = make_engine(url)

    def row_free() -> bool:
        with engine.connect() as conn, conn.begin():
            try:
                conn.execute(
                    text("SELECT id FROM users WHERE username_key = :key FOR UPDATE NOWAIT"),
                    {"key": username},
                )
                return True
            except OperationalError:
                return False

    try:
        yield row_free
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("username", "password"),
    # One check each, whatever the outcome: a failure takes as long whether or not the account
    # exists or is deactivated, so timing tells no usernames apart.
    [("ann", PW), ("ann", "a wrong password"), ("nobody", PW), ("gone", PW), ("gone", "wrong!")],
)
def test_the_password_is_checked_with_no_write_lock_held(
    db_url, fresh_db, people, monkeypatch, username, password
):
    accounts.create_user(fresh_db, people["boss"], "gone", PW, "trainee", "north")
    useradmin.set_active(fresh_db, people["boss"], "gone", False)
    with lock_free(db_url, username) as free:
        watched = Watched(accounts.hasher, free)
        monkeypatch.setattr(accounts, "hasher", watched)
        with contextlib.suppress(LoginFailed, AccountInactive):
            accounts.authenticate(fresh_db, username, password)
    assert watched.seen == [True]


# --- passwords people would guess --------------------------------------------------------------


@pytest.mark.parametrize("password", ["Password1!", "welcome123", "qwertyuiop", "1234567890"])
def test_the_most_common_passwords_are_refused_and_told_why(people, fresh_db, password):
    with pytest.raises(WeakPassword, match=r"^password is too easy to guess \(.+\); a short"):
        accounts.create_user(fresh_db, people["boss"], "dan", password, "trainee", "north")
    with pytest.raises(WeakPassword, match="too easy to guess"):
        useradmin.set_password(fresh_db, people["boss"], "ann", password)


@pytest.mark.parametrize(
    "password", ["ann-lee-2026", "AnnLee!!2026", "lee.ann.lee.ann", "ann2026!!!!"]
)
def test_a_password_built_from_the_account_name_is_refused(people, fresh_db, password):
    useradmin.edit_user(fresh_db, people["boss"], "ann", display_name="Ann Lee")
    message = "password is built from the account's own name; choose other words"
    with pytest.raises(WeakPassword, match=f"^{re.escape(message)}$"):
        useradmin.set_password(fresh_db, people["boss"], "ann", password)
    with pytest.raises(WeakPassword, match=re.escape(message)):
        useradmin.change_own_password(fresh_db, people["ann"], PW, password)
    with pytest.raises(WeakPassword, match=re.escape(message)):
        accounts.create_user(fresh_db, people["boss"], "ann.lee", password, "trainee", "north")
    # For someone else, the same letters are no one's name: allowed unless guessable anyway.
    useradmin.set_password(fresh_db, people["boss"], "bob", "ann-lee-2026")
    assert accounts.authenticate(fresh_db, "bob", "ann-lee-2026").username == "bob"


def test_a_sentence_that_mentions_the_name_is_fine(people, fresh_db):
    useradmin.set_password(fresh_db, people["boss"], "ann", "ann likes quiet lasers")
    assert accounts.authenticate(fresh_db, "ann", "ann likes quiet lasers").username == "ann"


# --- usernames that could be mistaken for another ---------------------------------------------

CYRILLIC_A = "\u0430"


@pytest.mark.parametrize(
    ("existing", "new"),
    [("ann", f"{CYRILLIC_A}nn"), ("boss", "b0ss"), ("mary", "rnary"), ("annl", "ann1")],
)
def test_a_username_that_looks_like_an_existing_one_is_refused(people, fresh_db, existing, new):
    if existing not in people:
        accounts.create_user(fresh_db, people["boss"], existing, PW, "trainee", "north")
    with pytest.raises(InvalidUser, match=f"could be mistaken for the existing '{existing}'"):
        accounts.create_user(fresh_db, people["boss"], new, PW, "trainee", "north")
    assert new not in [u.username for u in accounts.list_users(fresh_db, None)]


def test_the_same_username_in_other_letters_is_taken_not_confusable(people, fresh_db):
    with pytest.raises(DuplicateUser, match="already taken"):
        accounts.create_user(fresh_db, people["boss"], "ANN", PW, "trainee", "north")


def test_usernames_that_merely_resemble_each_other_are_fine(people, fresh_db):
    for name in ("anne", "dan", "dam", "ann.lee", "ann_lee"):
        accounts.create_user(fresh_db, people["boss"], name, PW, "trainee", "north")
