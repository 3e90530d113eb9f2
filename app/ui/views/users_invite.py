"""The Users page's Invite by email tab: a new trainee gets a link to choose their own password."""

from __future__ import annotations

import streamlit as st

from app import config, invitations, useradmin
from app.accounts import User
from app.errors import ResurfaceError
from app.mail import MailError
from app.permissions import EVERY_COHORT, Action, allowed
from app.ui import auth, keys
from app.ui.resources import engine


def _say(text: str, kind: str = "success") -> None:
    st.session_state[keys.USERS_INVITE_MESSAGE] = (text, kind)


def _sentence(exc: Exception) -> str:
    text = str(exc)
    return f"{text[:1].upper()}{text[1:]}."


def render(me: User) -> None:
    """The invitation form, the form to send a link again, and what the last click did."""
    any_cohort = allowed(me, Action.MANAGE_USER, EVERY_COHORT)
    hours = config.invite_hours()
    st.markdown(
        "Invite a trainee by email: they get a link to choose their own password, which works "
        f"once, for {hours:g} hours. Nobody else ever knows their password."
    )
    said = st.session_state.pop(keys.USERS_INVITE_MESSAGE, None)
    if said:
        (st.success if said[1] == "success" else st.error)(said[0])
    cohorts = useradmin.cohorts(engine(), me)
    with st.form(keys.USERS_INVITE_FORM, border=True, clear_on_submit=True):
        first, second = st.columns(2)
        first.text_input(
            "Username", key=keys.USERS_INVITE_USERNAME, help="No spaces; case is ignored."
        )
        second.text_input("Display name", key=keys.USERS_INVITE_NAME, help="Default: the username.")
        first.text_input("Email address", key=keys.USERS_INVITE_EMAIL, autocomplete="off")
        second.selectbox(
            "Cohort",
            cohorts,
            index=None if any_cohort else 0,
            key=keys.USERS_INVITE_COHORT,
            accept_new_options=any_cohort,
            disabled=not any_cohort,
            placeholder="Choose or type a cohort",
        )
        st.form_submit_button("Send invitation", type="primary", on_click=_invite)
    again = st.expander("Send an invitation again (a new link; the old one stops working)")
    with again, st.form(keys.USERS_INVITE_AGAIN_FORM, border=False, clear_on_submit=True):
        st.text_input("Username", key=keys.USERS_INVITE_AGAIN_USERNAME)
        st.form_submit_button("Send a new link", on_click=_again)


@auth.callback
def _invite(me: User) -> None:
    state = st.session_state
    any_cohort = allowed(me, Action.MANAGE_USER, EVERY_COHORT)
    cohort = state.get(keys.USERS_INVITE_COHORT) if any_cohort else me.cohort
    try:
        made = invitations.invite(
            engine(),
            me,
            state.get(keys.USERS_INVITE_USERNAME, ""),
            state.get(keys.USERS_INVITE_NAME) or None,
            cohort,
            state.get(keys.USERS_INVITE_EMAIL, ""),
        )
    except ResurfaceError as exc:
        _say(f"Nobody invited: {_sentence(exc)}", "error")
        return
    _send(made, me)


@auth.callback
def _again(me: User) -> None:
    try:
        made = invitations.reinvite(
            engine(), me, st.session_state.get(keys.USERS_INVITE_AGAIN_USERNAME, "")
        )
    except ResurfaceError as exc:
        _say(f"No new link: {_sentence(exc)}", "error")
        return
    _send(made, me)


def _send(made: invitations.Invitation, me: User) -> None:
    who = f"{made.user.display_name} ({made.user.username})"
    try:
        invitations.send(made, me.display_name, engine())
    except MailError as exc:
        _say(
            f"The account of {who} is made, but the invitation was not sent: {exc}. "
            "Send it again below once the mail server works.",
            "error",
        )
        return
    _say(f"Invited {who}: the link went to {made.email}.")
