"""The page an invitation link opens (``/?invite=<token>``): choose your password, once."""

from __future__ import annotations

import streamlit as st

from app import invitations
from app.accounts import PASSWORD_HINT, AccountError
from app.invitations import QUERY, InvitationError
from app.ui import auth, fmt, keys, nav
from app.ui.resources import engine


def token() -> str | None:
    """The invitation token in the address, if any."""
    value = st.query_params.get(QUERY)
    return value or None


@auth.public_callback
def _leave() -> None:
    st.query_params.pop(QUERY, None)


@auth.public_callback
def _choose(link: str) -> None:
    new = st.session_state.get(keys.INVITE_NEW, "")
    repeat = st.session_state.get(keys.INVITE_REPEAT, "")
    st.session_state.pop(keys.INVITE_ERROR, None)
    if not new:
        st.session_state[keys.INVITE_ERROR] = "Type the password you want, twice."
        return
    if new != repeat:
        st.session_state[keys.INVITE_ERROR] = "The two passwords differ: type them again."
        return
    try:
        user = invitations.accept(engine(), link, new)
    except AccountError as exc:  # a weak password, an account deactivated meanwhile
        st.session_state[keys.INVITE_ERROR] = _sentence(exc)
        return
    except InvitationError as exc:
        st.session_state[keys.INVITE_ERROR] = _sentence(exc)
        return
    st.query_params.pop(QUERY, None)
    nav.notice(
        f"Your password is set, {user.display_name}. Sign in with your username "
        f"{user.username} and your new password.",
        "success",
    )


def render(link: str) -> None:
    """Choose a password through the invitation ``link`` (its token), or say why it cannot."""
    st.title("Choose your password")
    try:
        user = invitations.opened(engine(), link)
    except InvitationError as exc:
        st.error(_sentence(exc), icon=":material/link_off:")
        st.button("Go to sign in", key=keys.INVITE_TO_SIGNIN, on_click=_leave, type="primary")
        return
    st.info(
        f"Welcome, {fmt.plain(user.display_name)}. Your username is "
        f"**{fmt.plain(user.username)}**. Choose the password you will sign in with; this link "
        "works once.",
        icon=":material/key:",
    )
    with st.form(keys.INVITE_FORM, border=True, clear_on_submit=True):
        st.text_input(
            "New password",
            type="password",
            key=keys.INVITE_NEW,
            autocomplete="new-password",
            help=PASSWORD_HINT,
        )
        st.text_input(
            "New password again",
            type="password",
            key=keys.INVITE_REPEAT,
            autocomplete="new-password",
        )
        st.form_submit_button(
            "Save my password", type="primary", on_click=_choose, args=(link,), width="stretch"
        )
    error = st.session_state.pop(keys.INVITE_ERROR, None)
    if error:
        st.error(error, icon=":material/error:")


def _sentence(exc: Exception) -> str:
    text = str(exc)
    return f"{text[:1].upper()}{text[1:]}."
