"""The "Export personal data" button: everything held about one person, as app.personal's zip.

Shown where a manager looks at a person (a trainee's record, the Users page) and on My account
for one's own. The zip is built when the button is clicked, by the core, which checks the actor
against the database and writes the export to the audit log; only then is the download offered.
"""

from __future__ import annotations

import streamlit as st

from app import personal
from app.accounts import AccountError, User
from app.permissions import Action, allowed
from app.ui import fmt, keys
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
