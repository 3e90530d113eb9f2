"""Who is signed in: the session token in session state, or the browser's cookie on a new visit."""

from __future__ import annotations

import json

import streamlit as st

from app import websession
from app.accounts import User
from app.ui import keys
from app.ui.resources import engine


def current_user() -> User | None:
    """The signed-in user, checked against the database on every run (sign-out, deactivation).

    A user whose password someone else set (a reset, an import) counts as not signed in yet:
    the sign-in page asks them to choose a new password (``must_change``) before any page opens.
    """
    if keys.TOKEN not in st.session_state and not st.session_state.get(keys.SIGNED_OUT):
        cookie = st.context.cookies.get(websession.COOKIE_NAME)
        token = websession.token_from_cookie(engine(), cookie)
        if token:
            st.session_state[keys.TOKEN] = token
    user = websession.user_for(engine(), st.session_state.get(keys.TOKEN))
    if user is None:
        st.session_state.pop(keys.TOKEN, None)
    if user is not None and user.must_change_password:
        st.session_state[keys.MUST_CHANGE] = user
        return None
    st.session_state.pop(keys.MUST_CHANGE, None)
    return user


def must_change() -> User | None:
    """The signed-in user who must choose a new password before going on, if any."""
    return st.session_state.get(keys.MUST_CHANGE)


def sign_in(user: User) -> None:
    """Begin a session for a user who has just given the right password."""
    token = websession.begin(engine(), user)
    st.session_state[keys.TOKEN] = token
    st.session_state[keys.DELIVER] = token
    st.session_state.pop(keys.SIGNED_OUT, None)


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
