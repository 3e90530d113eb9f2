"""Who is signed in: the session token in session state, or the browser's cookie on a new visit."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

import streamlit as st

from app import websession
from app.accounts import AccountInactive, SessionEnded, User
from app.ui import keys, nav
from app.ui.resources import engine

P = ParamSpec("P")
R = TypeVar("R")

ENDED_NOTICE = (
    "You have been signed out: your sign-in ended (signed out elsewhere, unused for a while, or "
    "past its time). Everything you saved is kept; sign in to go on."
)
SIGNED_OUT_NOTICE = (
    "You have been signed out (in another tab, by a manager, or because your password was "
    "changed), so what you just did was not carried out and nothing was saved. Sign in to go on."
)


def current_user() -> User | None:
    """The signed-in user, checked against the database on every run (sign-out, deactivation).

    A user whose password someone else set (a reset, an import) counts as not signed in yet:
    the sign-in page asks them to choose a new password (``must_change``) before any page opens.
    """
    from_cookie = False
    if keys.TOKEN not in st.session_state and not st.session_state.get(keys.SIGNED_OUT):
        cookie = websession.carried(st.context.cookies)
        token = websession.token_from_cookie(engine(), cookie)
        if token:
            st.session_state[keys.TOKEN] = token
            from_cookie = True
    user = websession.user_for(engine(), st.session_state.get(keys.TOKEN))
    if user is None and st.session_state.pop(keys.TOKEN, None):
        if from_cookie:
            st.session_state[keys.DROP] = True  # a dead cookie: have the browser forget it
        else:
            nav.notice(ENDED_NOTICE, "info")  # this tab was signed in a moment ago
    if user is not None and user.must_change_password:
        st.session_state[keys.MUST_CHANGE] = user
        return None
    st.session_state.pop(keys.MUST_CHANGE, None)
    return user


def acting(*, own_password: bool = False) -> User | None:
    """The user a click acts for, read from the database now; None (and the page will say why)
    if their session has ended or the account is deactivated.

    Widget callbacks, dialogs and fragments run before the page checks the session again, so
    they act through this, never through the ``User`` of the previous run. Someone given a
    password by someone else may only choose their own (``own_password``).
    """
    user = websession.user_for(engine(), st.session_state.get(keys.TOKEN))
    if user is not None and user.must_change_password and not own_password:
        user = None
    if user is None:
        session_ended()
        return None
    st.session_state[keys.USER] = user
    return user


def session_ended() -> None:
    """Forget the session in this tab and have the sign-in page say why."""
    st.session_state.pop(keys.TOKEN, None)
    st.session_state[keys.USER] = None
    nav.notice(SIGNED_OUT_NOTICE, "warning")


def _guard(act: Callable[..., R], own_password: bool) -> Callable[..., R | None]:
    @functools.wraps(act)
    def run(*args: object, **kwargs: object) -> R | None:
        try:
            user = acting(own_password=own_password)
            if user is None:
                return None
            return act(user, *args, **kwargs)
        except (AccountInactive, SessionEnded):  # revoked between the check and the write
            session_ended()
        except Exception:  # never a traceback on the page: logged, and the user told
            nav.trouble(act.__qualname__)
        return None

    return run


def public_callback(act: Callable[P, R]) -> Callable[P, R | None]:
    """A widget callback for someone not signed in (signing in, signing out): no session to
    check, but, as for every callback, a failure is logged and told in plain words."""

    @functools.wraps(act)
    def run(*args: P.args, **kwargs: P.kwargs) -> R | None:
        try:
            return act(*args, **kwargs)
        except Exception:
            nav.trouble(act.__qualname__)
            return None

    return run


def client_address() -> str | None:
    """The address the browser connects from, as the server sees it (None: this machine)."""
    address = st.context.ip_address
    return address if isinstance(address, str) else None


def callback(act: Callable[Concatenate[User, P], R]) -> Callable[P, R | None]:
    """Make a widget callback that first re-checks the session against the database and then
    calls ``act(user, *args)`` with the user as they are now; if the session has ended or the
    account is deactivated (now, or while ``act`` writes), nothing is done and the next run shows
    the sign-in page with a notice. Every ``on_click`` and ``on_change`` of the app is one."""
    return _guard(act, own_password=False)


def password_callback(act: Callable[Concatenate[User, P], R]) -> Callable[P, R | None]:
    """As ``callback``, for the one thing a user given a password may do: choose their own."""
    return _guard(act, own_password=True)


def must_change() -> User | None:
    """The signed-in user who must choose a new password before going on, if any."""
    return st.session_state.get(keys.MUST_CHANGE)


def sign_in(user: User) -> None:
    """Begin a session for a user who has just given the right password."""
    carried = websession.token_from_cookie(engine(), websession.carried(st.context.cookies))
    token = websession.begin(engine(), user, replacing=carried)
    st.session_state[keys.TOKEN] = token
    st.session_state[keys.DELIVER] = token
    st.session_state.pop(keys.SIGNED_OUT, None)


@public_callback
def sign_out() -> None:
    """End the session in the database at once; the browser drops its cookie on the next run."""
    st.session_state.pop(keys.MUST_CHANGE, None)
    websession.end(engine(), st.session_state.pop(keys.TOKEN, None))
    st.session_state.pop(keys.DELIVER, None)
    st.session_state[keys.SIGNED_OUT] = True
    st.session_state[keys.DROP] = True


def sync_cookie() -> None:
    """Have the browser fetch or drop its HttpOnly cookie; only our own routes can set it."""
    token = st.session_state.pop(keys.DELIVER, None)
    if token:
        _post("/auth/session", {"token": token})
    elif st.session_state.pop(keys.DROP, None):
        _post("/auth/signout", {})


def _post(path: str, body: dict) -> None:
    # json.dumps makes a safe JS literal of the token (URL-safe base64 in any case).
    script = (
        f"<script>fetch({json.dumps(path)}, {{method: 'POST', credentials: 'same-origin', "
        "headers: {'Content-Type': 'application/json'}, "
        f"body: JSON.stringify({json.dumps(body)})}})"
        f".then(r => document.body.dataset.resurfaceCookie = r.ok ? 'set' : 'refused');</script>"
    )
    st.html(script, unsafe_allow_javascript=True)
