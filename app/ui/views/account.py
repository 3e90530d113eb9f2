"""My account: who you are, changing your own password (also the forced change at sign-in),
and the email reminders you get."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import addresses, reminders, useradmin
from app.accounts import PASSWORD_HINT, AccountError, SignedOutEverywhere, User
from app.mail import InvalidAddress
from app.ui import auth, fmt, keys, nav, personaldata
from app.ui.resources import engine


@auth.password_callback
def _change(user: User) -> None:
    current = st.session_state.get(keys.PASSWORD_CURRENT, "")
    new = st.session_state.get(keys.PASSWORD_NEW, "")
    repeat = st.session_state.get(keys.PASSWORD_REPEAT, "")
    st.session_state.pop(keys.PASSWORD_ERROR, None)
    if not current or not new:
        st.session_state[keys.PASSWORD_ERROR] = "Enter your current password and a new one."
        return
    if new != repeat:
        st.session_state[keys.PASSWORD_ERROR] = "The two new passwords differ: type them again."
        return
    try:
        changed = useradmin.change_own_password(engine(), user, current, new)
    except SignedOutEverywhere as exc:
        # Every session of the account ended, this one too: say why on the sign-in page.
        auth.sign_out()
        st.session_state[keys.SIGNIN_ERROR] = f"{str(exc)[:1].upper()}{str(exc)[1:]}."
        return
    except AccountError as exc:
        st.session_state[keys.PASSWORD_ERROR] = f"{str(exc)[:1].upper()}{str(exc)[1:]}."
        return
    # Changing the password ended every session of the user, this one too: begin a fresh one.
    auth.sign_in(changed)
    st.session_state.pop(keys.MUST_CHANGE, None)
    nav.notice(
        "Your password was changed. Any other browser signed in as you has been signed out.",
        "success",
    )


def password_form(form_key: str, submit: str) -> None:
    """Current password, new one twice; the error (if any) below the form."""
    with st.form(form_key, border=True, clear_on_submit=True):
        st.text_input(
            "Current password",
            type="password",
            key=keys.PASSWORD_CURRENT,
            autocomplete="current-password",
        )
        st.text_input(
            "New password",
            type="password",
            key=keys.PASSWORD_NEW,
            autocomplete="new-password",
            help=PASSWORD_HINT,
        )
        st.text_input(
            "New password again",
            type="password",
            key=keys.PASSWORD_REPEAT,
            autocomplete="new-password",
        )
        st.form_submit_button(submit, type="primary", on_click=_change)
    error = st.session_state.pop(keys.PASSWORD_ERROR, None)
    if error:
        st.error(error, icon=":material/error:")


def render() -> None:
    user = nav.require("account")
    nav.show_notice()
    st.title("My account")
    facts = [
        f"**{fmt.plain(user.display_name)}**",
        f"Username {fmt.plain(user.username)}",
        user.role.title(),
    ]
    if user.cohort:
        facts.append(f"Cohort {fmt.plain(user.cohort)}")
    st.markdown(" · ".join(facts))
    st.caption("To change your name, role or cohort, ask a manager.")
    st.subheader("Change your password")
    password_form(keys.PASSWORD_FORM, "Change password")
    _reminders(user)
    st.subheader("Your data")
    st.caption(
        "Everything this app holds about you (your account and email address, attempts and "
        "answers, comments, certifications and certificates, reminders sent, reports and what "
        "the audit log says about you), as one zip file."
    )
    personaldata.export_button(user, user, "Export my data")


def _reminders(user: User) -> None:
    """Which reminders this account gets, where they go, and those sent (app.reminders)."""
    mine = reminders.for_user(engine(), user)
    st.subheader("Email reminders")
    if mine.gets:
        st.markdown(mine.gets)
    if mine.email:
        st.markdown(f"They go to **{fmt.plain(mine.email)}**.")
    else:
        st.warning("No email address is set for you, so no reminder can reach you.")
    with st.form(keys.ACCOUNT_EMAIL_FORM, border=False):
        st.text_input(
            "Email address", value=mine.email or "", key=keys.ACCOUNT_EMAIL, autocomplete="email"
        )
        st.form_submit_button("Save address", on_click=_save_email)
    said = st.session_state.pop(keys.ACCOUNT_EMAIL_MESSAGE, None)
    if said:
        (st.success if said[1] == "success" else st.error)(said[0])
    if mine.sent:
        st.markdown("**Sent to you**")
        frame = pd.DataFrame(
            {"Sent": [fmt.when(s.at) for s in mine.sent], "Subject": [s.subject for s in mine.sent]}
        )
        st.dataframe(frame, hide_index=True, width="stretch")
    else:
        st.caption("No reminder has been sent to you yet.")


@auth.callback
def _save_email(user: User) -> None:
    typed = st.session_state.get(keys.ACCOUNT_EMAIL, "")
    try:
        kept = addresses.set_email(engine(), user, user.username, typed)
    except (AccountError, InvalidAddress) as exc:
        st.session_state[keys.ACCOUNT_EMAIL_MESSAGE] = (
            f"{str(exc)[:1].upper()}{str(exc)[1:]}.",
            "error",
        )
        return
    text = f"Reminders now go to {kept}." if kept else "Your address was removed."
    st.session_state[keys.ACCOUNT_EMAIL_MESSAGE] = (text, "success")
