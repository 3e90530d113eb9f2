"""Sign in with username and password; every refusal says why."""

from __future__ import annotations

import streamlit as st

from app import accounts
from app.accounts import AccountError
from app.ui import auth
from app.ui.fmt import when
from app.ui.resources import engine

ERROR = "signin.error"


def _submit() -> None:
    username = st.session_state.get("signin.username", "")
    password = st.session_state.get("signin.password", "")
    st.session_state.pop(ERROR, None)
    if not username.strip() or not password:
        st.session_state[ERROR] = "Enter your username and password."
        return
    try:
        user = accounts.authenticate(engine(), username, password)
    except accounts.AccountLocked as exc:
        st.session_state[ERROR] = (
            f"Too many wrong passwords: this account is locked until {when(exc.until)}. "
            "Try again then, or ask a manager to reset your password."
        )
        return
    except AccountError as exc:
        st.session_state[ERROR] = f"{str(exc)[:1].upper()}{str(exc)[1:]}."
        return
    auth.sign_in(user)


def render() -> None:
    st.title("Resurface")
    st.caption("Laser skin resurfacing training and certification")
    with st.form("signin", border=True):
        st.text_input("Username", key="signin.username", autocomplete="username")
        st.text_input(
            "Password", type="password", key="signin.password", autocomplete="current-password"
        )
        st.form_submit_button("Sign in", type="primary", on_click=_submit, width="stretch")
    error = st.session_state.pop(ERROR, None)
    if error:
        st.error(error, icon=":material/error:")
