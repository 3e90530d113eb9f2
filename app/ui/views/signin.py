"""Sign in with username and password; every refusal says why."""

from __future__ import annotations

import math
from datetime import datetime

import streamlit as st

from app import accounts, clock
from app.accounts import AccountError, User
from app.ui import auth, branding, fmt, keys, nav
from app.ui.fmt import when
from app.ui.resources import engine
from app.ui.views import invite
from app.ui.views.account import password_form


def delayed(until: datetime) -> str:
    """What the sign-in page says to a client that must wait before trying again."""
    seconds = max(1, math.ceil((until - clock.now()).total_seconds()))
    wait = (
        f"{seconds} second{'s' if seconds != 1 else ''}"
        if seconds < 120
        else f"until {when(until)}"
    )
    return (
        f"Too many failed sign-ins from this computer: wait {wait}, then try again. "
        "If you have forgotten your password, ask your trainer or a manager to reset it."
    )


FORGOTTEN = (
    ":material/help: Forgotten your password? Ask your trainer or a manager to reset it: they give "
    "you a temporary one, and you choose your own the next time you sign in."
)


@auth.public_callback
def _submit() -> None:
    username = st.session_state.get(keys.SIGNIN_USERNAME, "")
    password = st.session_state.get(keys.SIGNIN_PASSWORD, "")
    st.session_state.pop(keys.SIGNIN_ERROR, None)
    if not username.strip() or not password:
        st.session_state[keys.SIGNIN_ERROR] = "Enter your username and password."
        return
    try:
        user = accounts.authenticate(engine(), username, password, client=auth.client_address())
    except accounts.SignInDelayed as exc:
        st.session_state[keys.SIGNIN_ERROR] = delayed(exc.until)
        return
    except AccountError as exc:
        st.session_state[keys.SIGNIN_ERROR] = f"{str(exc)[:1].upper()}{str(exc)[1:]}."
        return
    auth.sign_in(user)


def render() -> None:
    user = auth.must_change()
    if user is not None:
        _choose_password(user)
        return
    link = invite.token()
    if link is not None:
        invite.render(link)
        return
    st.title(branding.title())
    st.caption("Laser skin resurfacing training and certification")
    nav.show_notice()  # why this tab was signed out, if it was
    with st.form(keys.SIGNIN_FORM, border=True):
        st.text_input("Username", key=keys.SIGNIN_USERNAME, autocomplete="username")
        st.text_input(
            "Password", type="password", key=keys.SIGNIN_PASSWORD, autocomplete="current-password"
        )
        st.form_submit_button("Sign in", type="primary", on_click=_submit, width="stretch")
    error = st.session_state.pop(keys.SIGNIN_ERROR, None)
    if error:
        st.error(error, icon=":material/error:")
    st.caption(FORGOTTEN)


def _choose_password(user: User) -> None:
    """Signed in with a password someone else set: no page opens until the user chooses theirs."""
    st.title("Choose a new password")
    st.info(
        f"Welcome, {fmt.plain(user.display_name)}. Your password was set by a trainer or manager; "
        "choose your own to continue. Type the one you were given as the current password.",
        icon=":material/key:",
    )
    password_form(keys.PASSWORD_FORCED_FORM, "Save new password")
    st.button(
        "Sign out", key=keys.FORCED_SIGN_OUT, on_click=auth.sign_out, icon=":material/logout:"
    )
