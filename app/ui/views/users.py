"""Users: managers manage every account, trainers the trainees of their cohort.

A filtered list with one account's panel (edit, reset password, deactivate or reactivate), a form
for a new user, and a bulk import of trainees from a CSV file with a preview of every row.
"""

from __future__ import annotations

from typing import Final, Literal

import pandas as pd
import streamlit as st

from app import accounts, useradmin
from app.accounts import ROLES, AccountError, User
from app.permissions import EVERY_COHORT, Action, NewAccount, Role, allowed
from app.ui import auth, fmt, keys, nav, personaldata
from app.ui.fmt import day, when
from app.ui.resources import engine
from app.ui.views import users_import, users_invite
from app.useradmin import Listed

ALL: Final = "All"
STATUS_LABELS = {"All": None, "Active": "active", "Deactivated": "deactivated"}
GENERATE, TYPE = "Generate one", "Type one"


def _say(text: str, kind: str = "success") -> None:
    st.session_state[keys.USERS_MESSAGE] = (text, kind)


def _sentence(exc: Exception) -> str:
    text = str(exc)
    return f"{text[:1].upper()}{text[1:]}."


def _who(user: User) -> str:
    return f"{user.display_name} ({user.username})"


def render() -> None:
    me = nav.require("users")
    st.title("Users")
    st.caption(
        "Every account: edit, reset a password, deactivate, add one or import trainees."
        if allowed(me, Action.MANAGE_USER, EVERY_COHORT)
        else f"The trainees of your cohort {me.cohort}: edit, reset a password, deactivate, "
        "add one or import several."
    )
    _messages()
    accounts_tab, new_tab, invite_tab, import_tab = st.tabs(
        ["Accounts", "New user", "Invite by email", "Import trainees"]
    )
    with accounts_tab:
        _accounts(me)
    with new_tab:
        _new_user(me)
    with invite_tab:
        users_invite.render(me)
    with import_tab:
        users_import.render(me, _say)


def _messages() -> None:
    found = st.session_state.pop(keys.USERS_MESSAGE, None)
    if found:
        text, kind = found
        {"success": st.success, "error": st.error, "info": st.info, "warning": st.warning}[kind](
            fmt.plain(text)  # names and errors carry what people typed
        )
    shown = st.session_state.pop(keys.USERS_TEMP, None)  # shown this once, then forgotten
    if shown:
        who, password = shown
        with st.container(border=True):
            st.markdown(f"**Temporary password for {fmt.plain(who)}**")
            st.code(password, language=None)
            st.caption(
                "Give it to them in person. They must choose their own password when they next "
                "sign in. It is not shown again: if it is lost, reset the password again."
            )


# --- the list and one account's panel -----------------------------------------------------------


def _accounts(me: User) -> None:
    every = allowed(me, Action.MANAGE_USER, EVERY_COHORT)  # else their cohort's trainees only
    filters = st.columns([3, 2, 2, 2] if every else [3, 2])
    search = filters[0].text_input(
        "Search", key=keys.USERS_SEARCH, placeholder="Part of a name or username"
    )
    role: Role | Literal["All"] | None = None
    cohort = None
    if every:
        role = filters[1].selectbox("Role", [ALL, *ROLES], key=keys.USERS_ROLE)
        cohort = filters[2].selectbox(
            "Cohort", [ALL, *useradmin.cohorts(engine(), me)], key=keys.USERS_COHORT
        )
    status = filters[-1].selectbox("Status", list(STATUS_LABELS), key=keys.USERS_STATUS)
    listed = useradmin.find_users(
        engine(),
        me,
        search,
        None if role is None or role == ALL else role,
        None if cohort in (None, ALL) else cohort,
        STATUS_LABELS[status],
    )
    _table(listed)
    if not listed:
        st.info("No accounts match these filters." if every else "No trainees match these filters.")
        return
    by_name = {x.user.username: x for x in listed}
    picked = st.session_state.get(keys.USERS_PICK)
    if picked not in by_name:
        st.session_state[keys.USERS_PICK] = None
    st.selectbox(
        "Manage an account",
        list(by_name),
        key=keys.USERS_PICK,
        placeholder="Choose an account, or click its row in the table",
        format_func=lambda name: _who(by_name[name].user),
    )
    chosen = st.session_state.get(keys.USERS_PICK)
    if chosen in by_name:
        _panel(me, by_name[chosen])


def _table(listed: list[Listed]) -> None:
    names = [x.user.username for x in listed]
    frame = pd.DataFrame(
        [
            {
                "Name": x.user.display_name,
                "Username": x.user.username,
                "Role": x.user.role,
                "Cohort": x.user.cohort or "",
                "Status": x.status(),
                "Last sign-in": when(x.last_sign_in) if x.last_sign_in else "never",
                "Created": day(x.created_at),
            }
            for x in listed
        ],
        columns=["Name", "Username", "Role", "Cohort", "Status", "Last sign-in", "Created"],
    )

    @auth.callback
    def picked(_user: User) -> None:
        rows = st.session_state[keys.USERS_TABLE]["selection"]["rows"]
        if rows:
            st.session_state[keys.USERS_PICK] = names[rows[0]]

    chosen = st.session_state.get(keys.USERS_PICK)
    st.session_state[keys.USERS_TABLE] = {
        "selection": {
            "rows": [names.index(chosen)] if chosen in names else [],
            "columns": [],
            "cells": [],
        }
    }
    st.caption(f"{len(listed)} account{'s' if len(listed) != 1 else ''}")
    st.dataframe(
        frame,
        key=keys.USERS_TABLE,
        on_select=picked,
        selection_mode="single-row",
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * max(len(frame), 1), 390),
    )


def _panel(me: User, item: Listed) -> None:
    user = item.user
    allowed = useradmin.rights(me, user)
    with st.container(border=True):
        st.subheader(fmt.plain(user.display_name))
        facts = [
            fmt.plain(user.username),
            user.role,
            f"cohort {fmt.plain(user.cohort)}" if user.cohort else "no cohort",
        ]
        facts += [
            item.status(),
            f"last sign-in {when(item.last_sign_in)}" if item.last_sign_in else "never signed in",
        ]
        st.caption(" · ".join(facts))
        left, right = st.columns(2, gap="large")
        with left:
            _edit_form(me, user, allowed)
        with right:
            if allowed.reset_password and item.status() == "sign-in delayed":
                _delay(item)
            if allowed.reset_password:
                _reset_form(me, user)
            if allowed.activate:
                _activation(me, user)
            if allowed.grant_editing:
                _content_editor(user)
            personaldata.export_button(me, user)
            if user.id == me.id:
                st.info("Your own password is changed under My account.", icon=":material/info:")


def _delay(item: Listed) -> None:
    assert item.delayed_until is not None
    st.warning(
        fmt.plain(
            f"Sign-in delayed until {when(item.delayed_until)}: too many wrong passwords for "
            f"{item.user.username} from some computer. Others, and that person from another "
            "computer, can still sign in."
        ),
        icon=":material/hourglass_top:",
    )
    st.button(
        "Clear the delay",
        key=keys.USERS_CLEAR_DELAY,
        icon=":material/lock_reset:",
        on_click=_clear_delay,
        args=(item.user,),
    )


@auth.callback
def _clear_delay(me: User, user: User) -> None:
    try:
        useradmin.clear_delay(engine(), me, user.username)
    except AccountError as exc:
        _say(f"The delay for {_who(user)} was not cleared: {_sentence(exc)}", "error")
        return
    _say(f"{_who(user)} can try to sign in again at once, from anywhere.")


def _edit_form(me: User, user: User, allowed: useradmin.Rights) -> None:
    if not allowed.display_name:
        st.info("You may not change this account.")
        return
    with st.form(keys.users_edit_form(user.id), border=False):
        st.markdown("**Details**")
        st.text_input("Display name", value=user.display_name, key=keys.users_edit(user.id, "name"))
        st.selectbox(
            "Role",
            ROLES,
            index=ROLES.index(user.role),
            key=keys.users_edit(user.id, "role"),
            disabled=not allowed.role,
            help=None if allowed.role else _why_fixed(me, user, "role"),
        )
        options = useradmin.cohorts(engine(), me)
        if user.cohort and user.cohort not in options:
            options = [user.cohort, *options]
        st.selectbox(
            "Cohort",
            options,
            index=options.index(user.cohort) if user.cohort in options else None,
            key=keys.users_edit(user.id, "cohort"),
            disabled=not allowed.cohort,
            accept_new_options=allowed.cohort,
            placeholder="No cohort (managers only)",
            help="Type a name to start a new cohort."
            if allowed.cohort
            else _why_fixed(me, user, "cohort"),
        )
        st.form_submit_button("Save changes", type="primary", on_click=_save, args=(user,))


def _why_fixed(me: User, user: User, what: str) -> str:
    if me.id == user.id:
        return f"You cannot change your own {what}; ask another manager."
    return f"Only a manager can change a {what}."


@auth.callback
def _save(me: User, user: User) -> None:
    cohort = st.session_state.get(keys.users_edit(user.id, "cohort"))
    try:
        edited = useradmin.edit_user(
            engine(),
            me,
            user.username,
            display_name=st.session_state.get(keys.users_edit(user.id, "name")),
            role=st.session_state.get(keys.users_edit(user.id, "role")),
            cohort=cohort if cohort is not None else "",
        )
    except AccountError as exc:
        _say(f"Nothing saved for {_who(user)}: {_sentence(exc)}", "error")
        return
    if edited.changes:
        _say(f"Saved {_who(edited.user)}: {edited.describe()}.")
    else:
        _say(f"Nothing to save for {_who(user)}: no detail was changed.", "info")


def _reset_form(me: User, user: User) -> None:
    with st.form(keys.USERS_RESET_FORM, border=False, clear_on_submit=True):
        st.markdown("**Reset password**")
        st.radio("New password", [GENERATE, TYPE], key=keys.USERS_RESET_MODE, horizontal=True)
        st.text_input(
            "Typed password (if you chose to type one)",
            type="password",
            key=keys.USERS_RESET_TYPED,
            autocomplete="new-password",
        )
        st.caption("They will have to choose their own password at their next sign-in.")
        st.form_submit_button("Reset password", on_click=_reset, args=(user,))


@auth.callback
def _reset(me: User, user: User) -> None:
    typed = st.session_state.get(keys.USERS_RESET_TYPED) or None
    if st.session_state.get(keys.USERS_RESET_MODE) == GENERATE:
        typed = None
    elif typed is None:
        _say(f"No password reset for {_who(user)}: type the new password first.", "error")
        return
    try:
        password = useradmin.reset_password(engine(), me, user.username, typed)
    except AccountError as exc:
        _say(f"No password reset for {_who(user)}: {_sentence(exc)}", "error")
        return
    _say(f"Password reset for {_who(user)}; they were signed out everywhere.")
    st.session_state[keys.USERS_TEMP] = (_who(user), password)


def _activation(me: User, user: User) -> None:
    verb = "Deactivate" if user.active else "Reactivate"
    if st.session_state.get(keys.USERS_CONFIRM) != user.username:
        st.button(
            f"{verb}…",
            key=keys.USERS_TOGGLE,
            icon=":material/person_off:" if user.active else ":material/person_check:",
            on_click=st.session_state.__setitem__,
            args=(keys.USERS_CONFIRM, user.username),
        )
        return
    if user.active:
        st.warning(
            fmt.plain(
                f"Deactivate {_who(user)}? They are signed out and can no longer sign in. Their "
                "attempts, results and certificates are kept; you can reactivate them later."
            )
        )
    else:
        st.warning(
            fmt.plain(f"Reactivate {_who(user)}? They can sign in again with their password.")
        )
    yes, no = st.columns(2)
    yes.button(
        f"Yes, {verb.lower()}",
        key=keys.USERS_CONFIRM_YES,
        type="primary",
        on_click=_set_active,
        args=(user, not user.active),
        width="stretch",
    )
    no.button(
        "Cancel",
        key=keys.USERS_CONFIRM_NO,
        on_click=st.session_state.pop,
        args=(keys.USERS_CONFIRM, None),
        width="stretch",
    )


@auth.callback
def _set_active(me: User, user: User, active: bool) -> None:
    st.session_state.pop(keys.USERS_CONFIRM, None)
    try:
        useradmin.set_active(engine(), me, user.username, active)
    except AccountError as exc:
        verb = "reactivated" if active else "deactivated"
        _say(f"{_who(user)} was not {verb}: {_sentence(exc)}", "error")
        return
    if active:
        _say(f"Reactivated {_who(user)}: they can sign in again.")
    else:
        _say(f"Deactivated {_who(user)}: they can no longer sign in; their history is kept.")


def _content_editor(user: User) -> None:
    st.session_state[keys.USERS_EDITS_CONTENT] = user.edits_content
    st.toggle(
        "May edit questions",
        key=keys.USERS_EDITS_CONTENT,
        on_change=_set_content_editor,
        args=(user,),
        help="Edit, create and retire questions on the Question bank page. Managers may always.",
    )


@auth.callback
def _set_content_editor(me: User, user: User) -> None:
    edits = bool(st.session_state.get(keys.USERS_EDITS_CONTENT))
    try:
        useradmin.set_content_editor(engine(), me, user.username, edits)
    except AccountError as exc:
        _say(f"Nothing changed for {_who(user)}: {_sentence(exc)}", "error")
        return
    if edits:
        _say(f"{_who(user)} may now edit questions on the Question bank page.")
    else:
        _say(f"{_who(user)} may no longer edit questions.")


# --- a new user ---------------------------------------------------------------------------------


def _new_user(me: User) -> None:
    any_cohort = allowed(me, Action.MANAGE_USER, EVERY_COHORT)  # else their own
    roles = [r for r in ROLES if allowed(me, Action.CREATE_USER, NewAccount(r, me.cohort))]
    cohorts = useradmin.cohorts(engine(), me)
    with st.form(keys.USERS_NEW_FORM, border=True, clear_on_submit=True):
        first, second = st.columns(2)
        first.text_input(
            "Username", key=keys.USERS_NEW_USERNAME, help="No spaces; case is ignored."
        )
        second.text_input("Display name", key=keys.USERS_NEW_NAME, help="Default: the username.")
        first.selectbox("Role", roles, key=keys.USERS_NEW_ROLE, disabled=len(roles) == 1)
        second.selectbox(
            "Cohort",
            cohorts,
            index=None if any_cohort else 0,
            key=keys.USERS_NEW_COHORT,
            accept_new_options=any_cohort,
            disabled=not any_cohort,
            placeholder="Choose or type a cohort (none for a manager)",
        )
        first.radio("Password", [GENERATE, TYPE], key=keys.USERS_NEW_MODE, horizontal=True)
        second.text_input(
            "Typed password (if you chose to type one)",
            type="password",
            key=keys.USERS_NEW_PASSWORD,
            autocomplete="new-password",
        )
        st.caption("The new user must choose their own password at their first sign-in.")
        st.form_submit_button("Create user", type="primary", on_click=_create)


@auth.callback
def _create(me: User) -> None:
    state = st.session_state
    typed = state.get(keys.USERS_NEW_PASSWORD) or ""
    generate = state.get(keys.USERS_NEW_MODE) == GENERATE
    if not generate and not typed:
        _say("No user created: type their first password, or choose to generate one.", "error")
        return
    password = useradmin.generate_password() if generate else typed
    role: Role = state.get(keys.USERS_NEW_ROLE) or "trainee"
    any_cohort = allowed(me, Action.MANAGE_USER, EVERY_COHORT)
    cohort = state.get(keys.USERS_NEW_COHORT) if any_cohort else me.cohort
    try:
        made = accounts.create_user(
            engine(),
            me,
            state.get(keys.USERS_NEW_USERNAME, ""),
            password,
            role,
            cohort,
            state.get(keys.USERS_NEW_NAME) or None,
            temporary=True,
        )
    except AccountError as exc:
        _say(f"No user created: {_sentence(exc)}", "error")
        return
    where = f" in cohort {made.cohort}" if made.cohort else ""
    _say(f"Created {made.role} {_who(made)}{where}.")
    state[keys.USERS_TEMP] = (_who(made), password)
    state[keys.USERS_PICK] = made.username
