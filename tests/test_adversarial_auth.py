"""Attacks on signing in: guessing passwords, forging or replaying the session cookie, and
looking for passwords wherever the app writes (audit log, server log, CLI output, exports).

The cookie attacks run twice: against app.websession, and against a real ``resurface serve``
with a real browser holding the forged cookie (Streamlit reads the cookie over its websocket,
so only a browser shows whether a cookie signs anyone in).
"""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from e2e_support import DESKTOP, open_app, served, settle
from ui_helpers import shipped_catalogue

from app import accounts, auditlog, clock, exports, throttle, useradmin, userimport, websession
from app.accounts import LoginFailed
from app.cli import EXIT_OK, main
from app.store import audit as audit_store
from app.store import open_store
from app.store import users as user_store
from conftest import PW, finish, sign_in_outcome

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WRONG = "Guess-Wrong-Q7zX-never-right"

# Hashing at full cost is not what these tests are about (the server hashes at full cost anyway).


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    """The signing key and session lifetime are the database's and the default, as in serve."""
    monkeypatch.delenv("RESURFACE_SECRET_KEY", raising=False)
    monkeypatch.delenv("RESURFACE_SESSION_HOURS", raising=False)


# --- guessing passwords ---------------------------------------------------------------------------


guess = sign_in_outcome


def test_guesses_from_many_threads_at_once_are_checked_five_times_only(people, fresh_db):
    """No guess slips through a race: each attempt is counted before its password is checked,
    so exactly FREE are checked and the others are turned away without a check."""
    threads, each = 10, 3
    barrier = threading.Barrier(threads)
    outcomes: list[str] = []

    def attack() -> None:
        barrier.wait()
        for _ in range(each):
            outcomes.append(guess(fresh_db, "ann", WRONG, T0))

    workers = [threading.Thread(target=attack) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    free = throttle.FREE["account"]
    assert len(outcomes) == threads * each
    assert outcomes.count("LoginFailed") == free
    assert outcomes.count("SignInDelayed") == threads * each - free
    with fresh_db.connect() as conn:
        checked = [
            line
            for line in audit_store.lines(conn, "login.failed")
            if line["detail"]["reason"] == "password"
        ]
    assert len(checked) == free, "each password guess checked is one more failure counted"
    # The guesser waits; the account is not locked: its owner signs in from elsewhere at once.
    assert guess(fresh_db, "ann", PW, T0 + timedelta(milliseconds=999)) == "SignInDelayed"
    assert guess(fresh_db, "ann", PW, T0, client="198.51.100.20") == "ok"
    assert guess(fresh_db, "ann", PW, T0 + timedelta(seconds=1)) == "ok"


def test_nobody_can_lock_the_only_manager_out(people, fresh_db):
    """Lockout as a weapon: a thousand guesses at the manager's name from one address leave the
    manager, at another address, signing in at once."""
    moment = T0
    for _ in range(1000):
        if guess(fresh_db, "boss", WRONG, moment, client="203.0.113.66") == "SignInDelayed":
            moment += timedelta(minutes=15)
    assert guess(fresh_db, "boss", PW, moment, client="198.51.100.20") == "ok"


@pytest.mark.parametrize("spelling", ["ANN", " ann ", "Ann", "\uff41\uff4e\uff4e"])
def test_other_spellings_of_the_username_count_towards_the_same_delay(people, fresh_db, spelling):
    """Case, spaces and full-width letters name the same account, so they share its counter."""
    free = throttle.FREE["account"]
    spellings = ["ann", spelling] * free
    outcomes = [guess(fresh_db, name, WRONG, T0) for name in spellings[: free + 1]]
    assert outcomes == ["LoginFailed"] * free + ["SignInDelayed"]
    assert guess(fresh_db, spelling, PW, T0) == "SignInDelayed"


@pytest.mark.parametrize(
    "username", ["ann\x00", "\x00", "a\x00nn", "ann\x1b[2J", "ann\ud800", "x" * 5000]
)
def test_impossible_usernames_fail_like_unknown_ones(people, fresh_db, username):
    """NUL (which PostgreSQL refuses), escapes, half surrogates, megabytes: a plain refusal."""
    with pytest.raises(LoginFailed, match=r"^wrong username or password$"):
        accounts.authenticate(fresh_db, username, WRONG, now=T0)
    with fresh_db.connect() as conn:
        line = audit_store.lines(conn, "login.failed")[-1]
        assert user_store.by_key(conn, "ann")["failed_logins"] == 0, (
            "a different name: not ann's count"
        )
    assert line["detail"] == {"reason": "unknown user"}
    assert line["target"] is None, "what was typed is not kept (it may be a password)"


# --- forged and replayed cookies: the core -----------------------------------------------------


def cookie_for(engine, username: str, now: datetime = T0) -> tuple[str, str]:
    """Sign in and collect the cookie, as the sign-in page and the browser do: (token, cookie)."""
    user = accounts.authenticate(engine, username, PW, now=now)
    token = websession.begin(engine, user, now=now)
    return token, websession.deliver(engine, token, now=now).value


def signed_in_as(engine, cookie: str | None, now: datetime) -> str | None:
    user = websession.user_for(engine, websession.token_from_cookie(engine, cookie), now=now)
    return user.username if user else None


def forgeries(engine, cookie: str, other: str, other_id: int) -> dict[str, str]:
    """Ways to bend a valid cookie (``other`` is another user's, ``other_id`` their user id)."""
    payload, signature = cookie.rsplit(".", 1)
    flip = lambda s, i: s[:i] + ("A" if s[i] != "A" else "B") + s[i + 1 :]  # noqa: E731
    return {
        "signature byte flipped": f"{payload}.{flip(signature, len(signature) // 2)}",
        "payload byte flipped": f"{flip(payload, len(payload) // 2)}.{signature}",
        "truncated by one": cookie[:-1],
        "truncated to the payload": payload,
        "truncated to half": cookie[: len(cookie) // 2],
        "another user's payload": f"{other.rsplit('.', 1)[0]}.{signature}",
        "upper-cased": cookie.upper(),
        "with a trailing space": cookie + " ",
        # Right key, right salt, but it carries a user id rather than a session token.
        "a user id, properly signed": websession._serializer(engine).dumps(other_id),
        "a user id, unsigned": str(other_id),
    }


def test_forged_cookies_sign_nobody_in(people, fresh_db):
    _, ann = cookie_for(fresh_db, "ann")
    _, boss = cookie_for(fresh_db, "boss")
    assert signed_in_as(fresh_db, ann, T0) == "ann"
    for name, forged in forgeries(fresh_db, ann, boss, people["boss"].id).items():
        assert signed_in_as(fresh_db, forged, T0) is None, name
    assert signed_in_as(fresh_db, ann, T0) == "ann", "forgeries do not spoil the real cookie"


def test_a_cookie_is_dead_once_its_session_expires(people, fresh_db):
    _, cookie = cookie_for(fresh_db, "ann")
    end = T0 + websession.session_lifetime()
    moment = T0  # in use all day long (unused, it would end after 30 minutes)
    while moment < end:
        assert signed_in_as(fresh_db, cookie, moment) == "ann"
        moment += timedelta(minutes=20)
    assert signed_in_as(fresh_db, cookie, end - timedelta(seconds=1)) == "ann"
    assert signed_in_as(fresh_db, cookie, end) is None
    assert signed_in_as(fresh_db, cookie, end + timedelta(days=365)) is None


def test_a_signed_out_cookie_stays_dead_even_after_signing_in_again(people, fresh_db):
    token, old = cookie_for(fresh_db, "ann")
    websession.end(fresh_db, token)
    assert signed_in_as(fresh_db, old, T0) is None
    _, new = cookie_for(fresh_db, "ann", T0 + timedelta(minutes=1))
    assert new != old
    assert signed_in_as(fresh_db, new, T0 + timedelta(minutes=1)) == "ann"
    assert signed_in_as(fresh_db, old, T0 + timedelta(minutes=1)) is None
    with pytest.raises(websession.SessionInvalid):  # nor can its token collect a new cookie
        websession.deliver(fresh_db, token, now=T0 + timedelta(seconds=1))


# --- the same against a real server and a real browser ------------------------------------------

SECRET_ANN = "Ann-Orig-Pass-k3Vq-9sZt"
SECRET_WRONG = "Ann-Typo-Pass-w8Lm-2rPd"
SECRET_NEW = "Ann-Next-Pass-u5Hc-7yNb"


@dataclass
class Server:
    url: str
    log: Path
    engine: object
    people: dict[str, accounts.User]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    """``resurface serve`` on its own SQLite file, shared by the tests of this module."""
    folder = tmp_path_factory.mktemp("adversarial")
    url = f"sqlite:///{folder / 'resurface.db'}"
    engine = open_store(url)
    boss = accounts.init_first_manager(engine, "boss", PW)
    people = {"boss": boss}
    for name, password in (("ann", SECRET_ANN), ("bob", PW), ("eve", PW)):
        people[name] = accounts.create_user(engine, boss, name, password, "trainee", "north")
    env = {k: v for k, v in os.environ.items() if k != "RESURFACE_SECRET_KEY"}
    env["RESURFACE_DATABASE_URL"] = url
    log = folder / "server.log"
    with served(env, log) as base:
        yield Server(base, log, engine, people)
    engine.dispose()


def post(server: Server, path: str, body: object, cookie: str | None = None, origin=True):
    """POST JSON to the server: (status, headers, body as JSON)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(f"{server.url}{path}", data=data, method="POST")
    request.add_header("Content-Type", "application/json")
    if origin is True:
        request.add_header("Origin", server.url)
    elif origin:
        request.add_header("Origin", origin)
    if cookie is not None:
        request.add_header("Cookie", f"{websession.COOKIE_NAME}={cookie}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read())


def served_cookie(server: Server, username: str, now: datetime | None = None) -> tuple[str, str]:
    """Begin a session as the sign-in page does; the server's /auth/session makes the cookie."""
    user = server.people[username]
    token = websession.begin(server.engine, user, now=now)
    status, headers, _ = post(server, "/auth/session", {"token": token})
    assert status == 200
    found = re.search(rf"{websession.COOKIE_NAME}=([^;]+)", headers["Set-Cookie"])
    assert found
    return token, found.group(1)


def test_session_route_hands_out_each_cookie_once_and_only_to_same_site_posts(server):
    user = server.people["bob"]
    token = websession.begin(server.engine, user)
    assert post(server, "/auth/session", {"token": token}, origin="https://evil.example")[0] == 403
    assert post(server, "/auth/session", {"token": token}, origin=None)[0] == 403
    assert post(server, "/auth/session", b"{not json")[0] == 400
    assert post(server, "/auth/session", {"token": 12345})[0] == 400
    assert post(server, "/auth/session", {"token": "made-up"})[0] == 401
    status, headers, _ = post(server, "/auth/session", {"token": token})
    assert status == 200
    cookie = headers["Set-Cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    replayed = post(server, "/auth/session", {"token": token})
    assert replayed[0] == 401
    assert replayed[2] == {"error": "this sign-in has been used already; sign in again"}
    stale = websession.begin(server.engine, user, now=clock.now() - timedelta(seconds=61))
    assert post(server, "/auth/session", {"token": stale})[0] == 401


def test_sign_out_route_kills_the_session_on_the_server(server):
    token, cookie = served_cookie(server, "bob")
    _, other = served_cookie(server, "bob")
    assert websession.user_for(server.engine, token) is not None
    # A forged cookie signs nothing out; a cross-site post is refused before anything happens.
    assert post(server, "/auth/signout", {}, cookie=cookie[:-2])[0] == 200
    assert post(server, "/auth/signout", {}, cookie=cookie, origin="https://evil.example")[0] == 403
    assert websession.user_for(server.engine, token) is not None
    status, headers, _ = post(server, "/auth/signout", {}, cookie=cookie)
    assert status == 200
    assert re.search(rf"{websession.COOKIE_NAME}=(\"\")?;", headers["Set-Cookie"])
    assert websession.user_for(server.engine, token) is None
    assert signed_in_as(server.engine, other, clock.now()) == "bob", "only that browser's session"


def browsers_show(browser, server: Server, cookies: dict[str, str]) -> dict[str, str]:
    """Open the app in a fresh browser profile per cookie, all at once; for each, whose home
    page shows, or "nobody" for the sign-in page."""
    contexts = {name: browser.new_context(viewport=DESKTOP) for name in cookies}
    try:
        pages = {}
        for name, cookie in cookies.items():
            jar = [{"name": websession.COOKIE_NAME, "value": cookie, "url": server.url}]
            contexts[name].add_cookies(jar)
            pages[name] = contexts[name].new_page()
            pages[name].goto(server.url)  # the server renders them side by side
        shown = {}
        for name, page in pages.items():
            settle(page)
            heading = page.locator("h1").first.inner_text().strip()
            if heading.startswith("Welcome, "):
                shown[name] = heading.removeprefix("Welcome, ")
            else:
                assert page.get_by_label("Username").is_visible(), (name, heading)
                shown[name] = "nobody"
        return shown
    finally:
        for context in contexts.values():
            context.close()


def test_the_server_refuses_forged_expired_and_signed_out_cookies(server, browser, monkeypatch):
    _, cookie = served_cookie(server, "eve")
    _, other = served_cookie(server, "bob")
    # The core test above tries every forgery; through the server, one of each kind will do.
    forged = forgeries(server.engine, cookie, other, server.people["boss"].id)
    picked = ("signature byte flipped", "truncated by one", "a user id, properly signed")
    refused = {name: forged[name] for name in picked}
    monkeypatch.setenv("RESURFACE_SECRET_KEY", "the key of some other installation")
    refused["signed with another key"] = websession.deliver(
        server.engine, websession.begin(server.engine, server.people["eve"])
    ).value
    monkeypatch.delenv("RESURFACE_SECRET_KEY")
    long_ago = clock.now() - websession.session_lifetime() - timedelta(minutes=1)
    refused["expired"] = websession.deliver(
        server.engine, websession.begin(server.engine, server.people["eve"], now=long_ago), long_ago
    ).value
    _, signed_out = served_cookie(server, "eve")
    post(server, "/auth/signout", {}, cookie=signed_out)
    refused["replayed after sign-out"] = signed_out

    shown = browsers_show(browser, server, {"genuine": cookie, **refused})
    assert shown == {"genuine": "eve", **dict.fromkeys(refused, "nobody")}


def type_and_submit(page, fields: dict[str, str], button: str) -> None:
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name=button).click()
    settle(page)


def test_passwords_typed_into_the_app_reach_no_log_url_or_audit_line(server, browser):
    context = browser.new_context(viewport=DESKTOP)
    seen_urls: list[str] = []
    try:
        page = context.new_page()
        page.on("request", lambda request: seen_urls.append(request.url))
        open_app(page, server.url)
        type_and_submit(page, {"Username": "ann", "Password": SECRET_WRONG}, "Sign in")
        assert page.get_by_text("Wrong username or password.").is_visible()
        type_and_submit(page, {"Username": "ann", "Password": SECRET_ANN}, "Sign in")
        page.get_by_role("heading", name="Welcome, ann").wait_for()
        open_app(page, f"{server.url}/account")
        fields = {
            "Current password": SECRET_ANN,
            "New password": SECRET_NEW,
            "New password again": SECRET_NEW,
        }
        type_and_submit(page, fields, "Change password")
        page.get_by_text("Your password was changed.").wait_for()
        page.get_by_role("button", name="Sign out").click()
        settle(page)
        html = page.content()
    finally:
        context.close()

    assert accounts.authenticate(server.engine, "ann", SECRET_NEW).username == "ann"
    with server.engine.connect() as conn:
        lines = audit_store.lines(conn)
    actions = [line["action"] for line in lines if line["target"] == "ann"]
    assert {"login.failed", "login", "user.password"} <= set(actions)
    log = server.log.read_text(errors="replace")
    for secret in (SECRET_ANN, SECRET_WRONG, SECRET_NEW):
        assert secret not in log
        assert secret not in repr(lines)
        assert secret not in html
        assert not [url for url in seen_urls if secret in url]
    assert "$argon2" not in log


# --- passwords in the audit log, the CLI's output and every export -------------------------------

# Every password this part uses, each different, so a grep finds any of them anywhere.
SECRETS = {
    "init": "Sec-Init-Boss-A1b2C3",
    "add": "Sec-Cli-Add-D4e5F6",
    "cli set": "Sec-Cli-Set-G7h8J9",
    "cli temporary": "Sec-Cli-Tmp-K1m2N3",
    "import": "Sec-Csv-File-P4q5R6",
    "core create": "Sec-Core-Make-S7t8U9",
    "reset typed": "Sec-Reset-Typed-V1w2X3",
    "own change": "Sec-Own-Change-Y4z5A6",
    "wrong guess": "Sec-Wrong-Guess-B7c8D9",
}


def test_no_password_in_the_audit_log_the_cli_output_or_any_export(
    db_url, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("RESURFACE_DATABASE_URL", db_url)
    printed: list[str] = []

    def cli(command: str, stdin: str = "") -> None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(shlex.split(command))
        out, err = capsys.readouterr()
        printed.append(out + err)
        assert code == EXIT_OK, out + err

    cli("init --username boss --password-stdin", SECRETS["init"] + "\n")
    cli("users add tina --role trainer --cohort north --password-stdin", SECRETS["add"] + "\n")
    cli("users set-password tina --password-stdin", SECRETS["cli set"] + "\n")
    cli("users set-password tina --temporary --password-stdin", SECRETS["cli temporary"] + "\n")
    sheet = tmp_path / "trainees.csv"
    sheet.write_text(f"username,display_name,cohort,password\nann,Ann,north,{SECRETS['import']}\n")
    cli(f"users import {sheet}")

    engine = open_store(db_url)
    try:
        boss = accounts.authenticate(engine, "boss", SECRETS["init"])
        accounts.create_user(engine, boss, "cat", SECRETS["core create"], "trainee", "north")
        useradmin.reset_password(engine, boss, "cat", SECRETS["reset typed"])
        ann = accounts.authenticate(engine, "ann", SECRETS["import"])
        ann = useradmin.change_own_password(engine, ann, SECRETS["import"], SECRETS["own change"])
        with pytest.raises(LoginFailed):
            accounts.authenticate(engine, "cat", SECRETS["wrong guess"])
        catalogue = shipped_catalogue()
        finish(engine, ann, catalogue, "certification-exam", right=3)
        made = [
            exports.export(engine, boss, kind, catalogue=catalogue)[0] for kind in exports.KINDS
        ]
        made += [auditlog.export(engine, boss, fmt=fmt)[0] for fmt in auditlog.FORMATS]
        made += [userimport.template_csv()]
        with engine.connect() as conn:
            lines = audit_store.lines(conn)
    finally:
        engine.dispose()
    cli("audit --limit 0")
    cli("audit --format json")
    cli("export attempts")

    assert len(lines) > 12
    everything = {
        "audit log": repr([(line["target"], line["detail"]) for line in lines]),
        "cli output": "\n".join(printed),
        "exports": b"\n".join(made).decode("utf-8-sig"),
    }
    for where, text in everything.items():
        assert "$argon2" not in text, where
        for what, secret in SECRETS.items():
            assert secret not in text, f"the {what} password is in the {where}"
    changed = [line["target"] for line in lines if line["action"] == "user.password"]
    assert sorted(changed) == ["ann", "cat", "tina", "tina"], "every change of password is logged"
