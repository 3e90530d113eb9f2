"""The "Export personal data" button (everything held about one person, as app.personal's zip)
and a manager's "Erase this person" form (app.erasure).

The button is shown where a manager looks at a person (a trainee's record, the Users page) and on
My account for one's own. The zip is built when the button is clicked, by the core, which checks
the actor against the database and writes the export to the audit log; it then waits in the
database (app.prepared) behind a link that any server hands out, to this user only, after asking
the same rule again. The erase form asks for a reason and the username typed again; the core
checks the actor again inside its transaction. A certified person is erased only at the console
(``--force``).
"""

from __future__ import annotations

import io

import streamlit as st

from app import erasure, personal, prepared, present
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
    """The button, and once the zip is made, the link to download it."""
    if not offered(user, person):
        return
    ready = st.session_state.get(keys.PERSON_EXPORT_READY)
    if st.button(label, icon=":material/folder_zip:", key=keys.PERSON_EXPORT_PREPARE, help=HELP):
        st.session_state.pop(keys.PERSON_EXPORT_READY, None)
        ready = _prepare(user, person, ready[2] if ready and ready[0] == user.id else None)
        if ready is None:
            return
        st.session_state[keys.PERSON_EXPORT_READY] = ready
    if ready is None or ready[:2] != (user.id, person.username):
        return
    _, _, token, filename, size = ready
    if prepared.find(engine(), token) is None:
        st.info("The file was cleared from the server (after a day, or it was replaced): export "
                "again.")  # fmt: skip
        return
    hours = int(prepared.LIFETIME.total_seconds() // 3600)
    st.caption(
        f"{fmt.plain(filename)} is ready ({present.size(size)}). Only you can "
        f"download it, for {hours} hours."
    )
    # A link to the file in the database, not Streamlit's download button (whose file lives in
    # this server's memory): with several servers, any of them hands it out.
    st.link_button(
        f"Download {fmt.plain(filename)}", f"/download/{token}", icon=":material/download:"
    )


def _prepare(user: User, person: User, earlier: str | None) -> tuple | None:
    """Build the zip and keep it for ``user``'s download in place of their earlier one:
    (user id, username, link token, file name, size), or None, said why, if refused."""
    try:
        done = personal.export(engine(), user, person.username, catalogue())
        token = prepared.keep(
            engine(),
            user,
            io.BytesIO(done.data),
            done.filename,
            personal.MIME,
            action=Action.EXPORT_PERSONAL_DATA,
            subject=person,
            replacing=earlier,
        )
    except (AccountError, prepared.NotAvailable) as exc:  # deactivated or signed out meanwhile
        message = str(exc)
        st.error(fmt.plain(message[:1].upper() + message[1:]), icon=":material/error:")
        return None
    return (user.id, person.username, token, done.filename, len(done.data))


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
