"""The "Export personal data" button (everything held about one person, as app.personal's zip)
and a manager's "Erase this person" form (app.erasure).

The button is shown where a manager looks at a person (a trainee's record, the Users page) and on
My account for one's own. The zip is built when the button is clicked, by the core, which checks
the actor against the database and writes the export to the audit log; only then is the download
offered. The erase form asks for a reason and the username typed again; the core checks the actor
again inside its transaction. A certified person is erased only at the console (``--force``).
"""

from __future__ import annotations

import streamlit as st

from app import erasure, personal
from app.accounts import AccountError, User
from app.errors import ResurfaceError
from app.permissions import Action, allowed
from app.ui import fmt, keys, nav
from app.ui.resources import catalogue, engine

HELP = (
    "A zip of everything held about this person: their account, every attempt with its answers, "
    "comments, certifications, reported questions, ratings and audit lines, as person.json and "
    "readable CSV files. The export is recorded in the audit log."
)


def offered(user: User, person: User) -> bool:
    """Whether ``user`` is offered the button for ``person`` (the core checks again on click)."""
    return allowed(user, Action.EXPORT_PERSONAL_DATA, person)


def export_button(user: User, person: User, label: str = "Export personal data") -> None:
    """The button, and once the zip is made, its download."""
    if not offered(user, person):
        return
    ready = st.session_state.get(keys.PERSON_EXPORT_READY)
    if st.button(label, icon=":material/folder_zip:", key=keys.PERSON_EXPORT_PREPARE, help=HELP):
        st.session_state.pop(keys.PERSON_EXPORT_READY, None)
        ready = None
        try:
            done = personal.export(engine(), user, person.username, catalogue())
        except AccountError as exc:  # deactivated or signed out since the page was drawn
            message = str(exc)
            st.error(fmt.plain(message[:1].upper() + message[1:]), icon=":material/error:")
            return
        ready = (user.id, person.username, done)
        st.session_state[keys.PERSON_EXPORT_READY] = ready
    if ready is None or ready[:2] != (user.id, person.username):
        return
    done = ready[2]
    st.download_button(
        f"Download {fmt.plain(done.filename)}",
        done.data,
        file_name=done.filename,
        mime=personal.MIME,
        icon=":material/download:",
        on_click="ignore",
        key=keys.PERSON_EXPORT_DOWNLOAD,
    )


def erase_form(user: User, person: User) -> None:
    """A manager's form to erase ``person``, folded away; nothing for anyone else."""
    if not allowed(user, Action.ERASE_PERSON, person):
        return
    error = st.session_state.pop(keys.PERSON_ERASE_ERROR, None)
    with st.expander("Erase this person…", icon=":material/person_remove:", expanded=bool(error)):
        st.caption(
            "Replaces their name and username with a pseudonym everywhere, the audit log included, "
            "and deactivates the account for good. Their attempts and scores stay, under the "
            "pseudonym, so every figure reads the same. This cannot be undone."
        )
        with st.form(keys.PERSON_ERASE_FORM, border=False):
            st.text_input("Why", key=keys.PERSON_ERASE_REASON, max_chars=erasure.MAX_REASON)
            st.text_input(
                f"Type the username ({fmt.plain(person.username)}) to confirm",
                key=keys.PERSON_ERASE_CONFIRM,
            )
            clicked = st.form_submit_button("Erase", type="primary")
        if error:
            st.error(fmt.plain(error), icon=":material/error:")
    if clicked:
        _erase(user, person)


def _erase(user: User, person: User) -> None:
    typed = st.session_state.get(keys.PERSON_ERASE_CONFIRM, "").strip()
    if typed != person.username:
        st.session_state[keys.PERSON_ERASE_ERROR] = (
            f"Type the username {person.username} exactly to confirm; nothing was erased."
        )
        st.rerun()
    reason = st.session_state.get(keys.PERSON_ERASE_REASON, "")
    try:
        done = erasure.erase(engine(), user, person.username, reason, catalogue())
    except ResurfaceError as exc:  # refused, or the actor deactivated or signed out meanwhile
        message = str(exc)
        if isinstance(exc, erasure.MustKeep):
            message += " (`resurface person erase --force` at the console)"
        st.session_state[keys.PERSON_ERASE_ERROR] = message[:1].upper() + message[1:] + "."
        st.rerun()
    nav.notice(f"Erased: the account is now {done.username} ({done.display_name}).", "success")
    st.rerun()
