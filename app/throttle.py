"""Failed sign-ins slow down the client making them: a progressive delay, never a lock.

Two counters per attempt, both kept in the database so that every server of a PostgreSQL
deployment sees them: one for the client's address, and one for the address and the username
tried from it (an *account key*; the username need not exist, so the delay says nothing about
which usernames do). The first ``FREE - 1`` failures on a counter cost nothing; from the
``FREE``-th on, each makes the client wait before its next try, twice as long each time (1 s,
2 s, 4 s ...), up to ``CAP``. A right password clears the account key and takes its own charge
back from the address. A counter with no failure for ``FORGET`` is forgotten.

So after five wrong passwords for one username, a guesser waits twice as long before each next
try, up to 15 minutes: a dozen more tries in the first hour, four an hour after that. The
account's owner, from any other address, signs in as usual: the hard 15-minute lock this
replaces let anyone lock anyone out, the only manager too, again and again. An address is
allowed more failures than an account key (``FREE``): a clinic's trainees share one address
behind its router, and mistype their passwords.

Every attempt is charged *before* its password is checked, in one short write, so that guesses
made at the same moment cannot all slip through before the first failure is counted; the check
(argon2, slow on purpose) runs with no transaction open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from app.store import throttle as throttle_store

FREE = {"address": 30, "account": 5}
CAP = {"address": timedelta(minutes=5), "account": timedelta(minutes=15)}
FORGET = timedelta(days=1)
UNKNOWN = "unknown"  # no address known (the console, a test): one shared counter


@dataclass(frozen=True)
class Keys:
    """The two counters one sign-in attempt is charged to."""

    address: str
    username_key: str

    @property
    def address_key(self) -> str:
        return f"address|{self.address}"

    @property
    def account_key(self) -> str:
        return f"account|{self.address}|{self.username_key}"


def keys(address: str | None, username_key: str) -> Keys:
    return Keys((address or UNKNOWN)[:100], username_key[:64])


def delay(failures: int, kind: str) -> timedelta:
    """How long a client waits after its ``failures``-th failure on a counter of ``kind``."""
    over = failures - FREE[kind]
    if over < 0:
        return timedelta(0)
    return min(CAP[kind], timedelta(seconds=2 ** min(over, 30)))


def blocked_until(rows: dict[str, dict[str, Any]], now: datetime) -> datetime | None:
    """When the client may try again, if it must wait (the later of its two counters)."""
    waits = [r["blocked_until"] for r in rows.values() if r["blocked_until"] is not None]
    later = max(waits, default=None)
    return later if later is not None and later > now else None


def must_wait(conn: Connection, k: Keys, now: datetime) -> datetime | None:
    """Until when the client must wait before trying again, if it must (a read only)."""
    return blocked_until(throttle_store.rows(conn, [k.address_key, k.account_key]), now)


def charge(conn: Connection, k: Keys, now: datetime) -> datetime | None:
    """Count this attempt as a failure on both counters, inside the caller's write transaction;
    or, if the client must still wait, charge nothing and return until when."""
    throttle_store.forget_before(conn, now - FORGET)
    counters = ((k.address_key, None), (k.account_key, k.username_key))
    throttle_store.ensure(
        conn,
        [
            {
                "key": key,
                "address": k.address,
                "username_key": user,
                "failures": 0,
                "last_failure": now,
                "blocked_until": None,
            }
            for key, user in counters
        ],
    )
    found = throttle_store.rows(conn, [k.address_key, k.account_key], lock=True)
    wait = blocked_until(found, now)
    if wait is not None:
        return wait
    for key, kind, user in (
        (k.address_key, "address", None),
        (k.account_key, "account", k.username_key),
    ):
        old = found[key]
        failures = old["failures"] + 1
        pause = delay(failures, kind)
        throttle_store.put(
            conn,
            {
                "key": key,
                "address": k.address,
                "username_key": user,
                "failures": failures,
                "last_failure": now,
                "blocked_until": now + pause if pause else None,
            },
        )
    return None


def succeeded(conn: Connection, k: Keys) -> None:
    """The password was right: clear the account key, take the charge back from the address."""
    throttle_store.remove(conn, k.account_key)
    found = throttle_store.rows(conn, [k.address_key], lock=True).get(k.address_key)
    if found is None:
        return
    failures = max(found["failures"] - 1, 0)
    still = delay(failures, "address")
    throttle_store.put(
        conn,
        {
            **found,
            "failures": failures,
            "blocked_until": found["last_failure"] + still if still else None,
        },
    )


def delayed(conn: Connection, now: datetime) -> dict[str, datetime]:
    """Usernames some client must wait to try again, with until when (for the Users page)."""
    return throttle_store.delayed(conn, now)


def clear(conn: Connection, username_key: str) -> int:
    """Forget every failure of a username from every address (a manager's "clear", a new
    password); returns how many counters went."""
    return throttle_store.clear_user(conn, username_key)
