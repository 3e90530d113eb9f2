"""Browser sessions on a real database: begin, deliver the cookie once, read it back, sign out."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app import accounts, useradmin, websession
from app.accounts import AccountInactive
from app.permissions import PAGE_ROLES, may_open
from app.store import users as user_store
from app.store.db import make_engine
from app.store.tables import settings, web_sessions
from app.websession import SessionInvalid
from conftest import PW, clock_at

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    """Each test chooses its own key and lifetime; nothing leaks in from the shell."""
    monkeypatch.delenv("RESURFACE_SECRET_KEY", raising=False)
    monkeypatch.delenv("RESURFACE_SESSION_HOURS", raising=False)
    monkeypatch.delenv("RESURFACE_IDLE_MINUTES", raising=False)


def sign_in(engine, username: str, now: datetime = T0) -> str:
    """What the sign-in page does: check the password, then begin a session."""
    user = accounts.authenticate(engine, username, PW, now=now)
    return websession.begin(engine, user, now=now)


def browser_cookie(engine, token: str, now: datetime = T0) -> str:
    """What the browser does: exchange the token for the cookie, then send the cookie back."""
    return websession.deliver(engine, token, now=now).value


def user_from_cookie(engine, cookie: str | None, now: datetime):
    return websession.user_for(engine, websession.token_from_cookie(engine, cookie), now=now)


def used_until(engine, cookie: str, end: datetime, every: timedelta = timedelta(minutes=20)):
    """Someone working all along: a page every ``every`` from T0 up to ``end``."""
    moment = T0
    while moment < end:
        assert user_from_cookie(engine, cookie, moment), f"signed out at {moment}"
        moment += every


def test_a_delivered_cookie_signs_the_user_in(fresh_db, people):
    token = sign_in(fresh_db, "ann")
    cookie = websession.deliver(fresh_db, token, now=T0 + timedelta(seconds=5))
    assert cookie.value != token
    assert websession.token_from_cookie(fresh_db, cookie.value) == token
    user = user_from_cookie(fresh_db, cookie.value, T0 + timedelta(minutes=10))
    assert user == people["ann"]


def test_the_database_keeps_only_a_hash_of_the_token(fresh_db, people):
    token = sign_in(fresh_db, "ann")
    with fresh_db.connect() as conn:
        stored = conn.execute(select(web_sessions.c.token_hash)).scalars().all()
    assert len(stored) == 1
    assert token not in stored[0]
    assert len(stored[0]) == 64


def test_deliver_twice_is_refused(fresh_db, people):
    token = sign_in(fresh_db, "ann")
    websession.deliver(fresh_db, token, now=T0 + timedelta(seconds=1))
    with pytest.raises(SessionInvalid, match="used already"):
        websession.deliver(fresh_db, token, now=T0 + timedelta(seconds=2))


def test_deliver_within_sixty_seconds_works_and_after_sixty_one_is_refused(fresh_db, people):
    on_time = sign_in(fresh_db, "ann")
    late = sign_in(fresh_db, "bob")
    assert websession.deliver(fresh_db, on_time, now=T0 + timedelta(seconds=60))
    with pytest.raises(SessionInvalid, match="expired"):
        websession.deliver(fresh_db, late, now=T0 + timedelta(seconds=61))


def test_deliver_of_an_unknown_token_is_refused(fresh_db, people):
    sign_in(fresh_db, "ann")
    with pytest.raises(SessionInvalid):
        websession.deliver(fresh_db, "not-a-token-anyone-was-given", now=T0)


def test_cookie_lives_as_long_as_the_session_default_twelve_hours(fresh_db, people):
    token = sign_in(fresh_db, "ann")
    cookie = websession.deliver(fresh_db, token, now=T0 + timedelta(seconds=10))
    assert cookie.max_age == 12 * 3600 - 10
    used_until(fresh_db, cookie.value, T0 + timedelta(hours=11, minutes=59))
    assert user_from_cookie(fresh_db, cookie.value, T0 + timedelta(hours=11, minutes=59))
    assert user_from_cookie(fresh_db, cookie.value, T0 + timedelta(hours=12)) is None


def test_session_lifetime_comes_from_resurface_session_hours(fresh_db, people, monkeypatch):
    monkeypatch.setenv("RESURFACE_SESSION_HOURS", "2")
    token = sign_in(fresh_db, "ann")
    cookie = websession.deliver(fresh_db, token, now=T0)
    assert cookie.max_age == 2 * 3600
    used_until(fresh_db, cookie.value, T0 + timedelta(hours=2, seconds=-1))
    assert user_from_cookie(fresh_db, cookie.value, T0 + timedelta(hours=2, seconds=-1))
    assert user_from_cookie(fresh_db, cookie.value, T0 + timedelta(hours=2)) is None


def test_expired_sessions_are_purged_when_a_new_one_begins(fresh_db, people, monkeypatch):
    monkeypatch.setenv("RESURFACE_SESSION_HOURS", "1")
    sign_in(fresh_db, "ann")
    sign_in(fresh_db, "bob", now=T0 + timedelta(minutes=30))
    sign_in(fresh_db, "cat", now=T0 + timedelta(hours=1, minutes=1))
    with fresh_db.connect() as conn:
        left = conn.execute(select(func.count()).select_from(web_sessions)).scalar_one()
    assert left == 2  # ann's is gone; bob's still has a minute to go


def test_a_sign_in_unused_for_thirty_minutes_ends(fresh_db, people):
    cookie = browser_cookie(fresh_db, sign_in(fresh_db, "ann"))
    assert user_from_cookie(fresh_db, cookie, T0 + timedelta(minutes=29, seconds=59))
    # Used at 29:59, so it lasts to 59:59; then nothing for 30 minutes.
    assert user_from_cookie(fresh_db, cookie, T0 + timedelta(minutes=59, seconds=58))
    assert user_from_cookie(fresh_db, cookie, T0 + timedelta(minutes=89, seconds=57))
    assert user_from_cookie(fresh_db, cookie, T0 + timedelta(minutes=119, seconds=58)) is None


def test_a_sign_in_never_used_ends_thirty_minutes_after_it_began(fresh_db, people):
    cookie = browser_cookie(fresh_db, sign_in(fresh_db, "ann"))
    assert user_from_cookie(fresh_db, cookie, T0 + timedelta(minutes=30)) is None


def test_the_idle_limit_comes_from_resurface_idle_minutes(fresh_db, people, monkeypatch):
    monkeypatch.setenv("RESURFACE_IDLE_MINUTES", "5")
    cookie = browser_cookie(fresh_db, sign_in(fresh_db, "ann"))
    assert user_from_cookie(fresh_db, cookie, T0 + timedelta(minutes=4, seconds=59))
    assert user_from_cookie(fresh_db, cookie, T0 + timedelta(minutes=10)) is None


def test_a_write_after_the_idle_limit_is_refused(fresh_db, people):
    token = sign_in(fresh_db, "tina")
    tina = websession.user_for(fresh_db, token, now=T0)
    with clock_at(T0 + timedelta(minutes=31)), pytest.raises(accounts.SessionEnded):
        accounts.create_user(fresh_db, tina, "dan", PW, "trainee", "north")


def test_signing_in_over_another_users_session_ends_it(fresh_db, people):
    anns = sign_in(fresh_db, "ann")
    bob = accounts.authenticate(fresh_db, "bob", PW, now=T0)
    bobs = websession.begin(fresh_db, bob, now=T0, replacing=anns)
    assert websession.user_for(fresh_db, anns, now=T0) is None
    assert websession.user_for(fresh_db, bobs, now=T0) == people["bob"]
    # The same person signing in again (a second tab) keeps the other session.
    again = websession.begin(fresh_db, bob, now=T0, replacing=bobs)
    assert websession.user_for(fresh_db, bobs, now=T0) == people["bob"]
    assert websession.user_for(fresh_db, again, now=T0) == people["bob"]


def test_a_tampered_cookie_signs_nobody_in(fresh_db, people):
    ann = browser_cookie(fresh_db, sign_in(fresh_db, "ann"))
    bob = browser_cookie(fresh_db, sign_in(fresh_db, "bob"))
    ann_payload, ann_sig = ann.split(".")
    bob_payload, _ = bob.split(".")
    middle = len(ann_sig) // 2
    flipped = ann_sig[:middle] + ("A" if ann_sig[middle] != "A" else "B") + ann_sig[middle + 1 :]
    for cookie in (f"{bob_payload}.{ann_sig}", f"{ann_payload}.{flipped}", ann + "x", "garbage"):
        assert websession.token_from_cookie(fresh_db, cookie) is None, cookie
        assert user_from_cookie(fresh_db, cookie, T0) is None
    assert websession.token_from_cookie(fresh_db, "") is None
    assert websession.token_from_cookie(fresh_db, None) is None


def test_cookie_signed_with_another_secret_key_is_refused(fresh_db, people, monkeypatch):
    monkeypatch.setenv("RESURFACE_SECRET_KEY", "the key of another installation")
    foreign = browser_cookie(fresh_db, sign_in(fresh_db, "ann"))
    assert websession.token_from_cookie(fresh_db, foreign) is not None
    monkeypatch.setenv("RESURFACE_SECRET_KEY", "this installation's own key")
    assert websession.token_from_cookie(fresh_db, foreign) is None
    assert user_from_cookie(fresh_db, foreign, T0) is None


def test_environment_key_overrides_the_stored_key(fresh_db, people, monkeypatch):
    stored = browser_cookie(fresh_db, sign_in(fresh_db, "ann"))
    monkeypatch.setenv("RESURFACE_SECRET_KEY", "configured by the operator")
    assert websession.token_from_cookie(fresh_db, stored) is None


def test_end_kills_the_session_so_a_copied_cookie_is_dead(fresh_db, people):
    token = sign_in(fresh_db, "ann")
    cookie = browser_cookie(fresh_db, token)
    websession.end(fresh_db, websession.token_from_cookie(fresh_db, cookie))
    assert user_from_cookie(fresh_db, cookie, T0 + timedelta(seconds=5)) is None
    websession.end(fresh_db, token)  # signing out twice is harmless
    websession.end(fresh_db, None)


def test_end_of_an_undelivered_session_makes_delivery_fail(fresh_db, people):
    token = sign_in(fresh_db, "ann")
    websession.end(fresh_db, token)
    with pytest.raises(SessionInvalid):
        websession.deliver(fresh_db, token, now=T0 + timedelta(seconds=1))


def test_end_leaves_other_sessions_of_the_same_user_alone(fresh_db, people):
    laptop = browser_cookie(fresh_db, sign_in(fresh_db, "ann"))
    tablet = browser_cookie(fresh_db, sign_in(fresh_db, "ann"))
    websession.end(fresh_db, websession.token_from_cookie(fresh_db, laptop))
    assert user_from_cookie(fresh_db, laptop, T0) is None
    assert user_from_cookie(fresh_db, tablet, T0) == people["ann"]


def test_deactivating_a_user_ends_their_sessions_for_good(fresh_db, people):
    cookie = browser_cookie(fresh_db, sign_in(fresh_db, "ann"))
    pending = sign_in(fresh_db, "ann")
    useradmin.set_active(fresh_db, people["boss"], "ann", False)
    assert user_from_cookie(fresh_db, cookie, T0 + timedelta(seconds=1)) is None
    with pytest.raises(SessionInvalid):
        websession.deliver(fresh_db, pending, now=T0 + timedelta(seconds=1))
    useradmin.set_active(fresh_db, people["boss"], "ann", True)
    assert user_from_cookie(fresh_db, cookie, T0 + timedelta(seconds=2)) is None


def test_an_inactive_account_cannot_collect_a_cookie(fresh_db, people):
    pending = sign_in(fresh_db, "ann")
    with fresh_db.begin() as conn:  # deactivated by some path that left the session in place
        user_store.change(conn, people["ann"].id, active=False)
    with pytest.raises(AccountInactive, match="deactivated"):
        websession.deliver(fresh_db, pending, now=T0 + timedelta(seconds=1))


def test_a_new_password_signs_the_user_out_everywhere(fresh_db, people):
    cookie = browser_cookie(fresh_db, sign_in(fresh_db, "ann"))
    other = browser_cookie(fresh_db, sign_in(fresh_db, "bob"))
    useradmin.set_password(fresh_db, people["boss"], "ann", "a brand new password")
    assert user_from_cookie(fresh_db, cookie, T0 + timedelta(seconds=1)) is None
    assert user_from_cookie(fresh_db, other, T0 + timedelta(seconds=1)).username == "bob"


def test_user_for_without_a_token_is_nobody(fresh_db, people):
    assert websession.user_for(fresh_db, None, now=T0) is None
    assert websession.user_for(fresh_db, "", now=T0) is None
    assert websession.user_for(fresh_db, "unknown", now=T0) is None


def test_secret_key_is_stored_once_and_shared_by_two_engines(db_url, fresh_db, people):
    cookie = browser_cookie(fresh_db, sign_in(fresh_db, "ann"))
    other_server = make_engine(db_url)
    try:
        assert user_from_cookie(other_server, cookie, T0) == people["ann"]
        cookie_2 = browser_cookie(other_server, sign_in(other_server, "bob"))
        assert user_from_cookie(fresh_db, cookie_2, T0) == people["bob"]
    finally:
        other_server.dispose()
    with fresh_db.connect() as conn:
        keys = conn.execute(select(settings.c.value).where(settings.c.key == "secret_key")).all()
    assert len(keys) == 1
    assert len(keys[0].value) >= 48


def test_two_servers_making_the_first_key_at_once_agree_on_one(db_url, fresh_db, people):
    tokens = {name: sign_in(fresh_db, name) for name in ("ann", "bob")}
    engines = {"ann": fresh_db, "bob": make_engine(db_url)}
    barrier = threading.Barrier(2)
    cookies, errors = {}, []

    def deliver(name: str) -> None:
        barrier.wait()
        try:
            cookies[name] = browser_cookie(engines[name], tokens[name])
        except Exception as exc:  # collected, then asserted empty
            errors.append(exc)

    threads = [threading.Thread(target=deliver, args=(name,)) for name in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engines["bob"].dispose()
    assert errors == []
    assert user_from_cookie(fresh_db, cookies["ann"], T0) == people["ann"]
    assert user_from_cookie(fresh_db, cookies["bob"], T0) == people["bob"]
    with fresh_db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(settings)).scalar_one() == 1


EVERYONE = ("home", "quiz", "results", "history", "account")
STAFF_PAGES = (
    "trainees",
    "trainee",
    "review",
    "items",
    "bank",
    "certification",
    "users",
    "passmark",
    "reported",
    "import",
)


@pytest.mark.parametrize(
    ("username", "pages"),
    [
        ("ann", {*EVERYONE}),
        ("tina", {*EVERYONE, *STAFF_PAGES}),
        ("boss", {*EVERYONE, *STAFF_PAGES, "exports", "audit"}),
    ],
)
def test_the_signed_in_user_may_open_the_pages_of_their_role(fresh_db, people, username, pages):
    user = user_from_cookie(fresh_db, browser_cookie(fresh_db, sign_in(fresh_db, username)), T0)
    allowed = {page for page in PAGE_ROLES if may_open(user, page)}
    assert allowed == pages
    assert not may_open(user, "no-such-page")


def test_nobody_and_deactivated_users_may_open_no_page(fresh_db, people):
    inactive = useradmin.set_active(fresh_db, people["boss"], "tina", False)
    for page in PAGE_ROLES:
        assert not may_open(None, page)
        assert not may_open(inactive, page)
