"""The Users page's Import trainees tab: upload a CSV, preview every row, import all or none."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from app import clock, invitations, userimport
from app.accounts import User
from app.errors import ResurfaceError
from app.permissions import EVERY_COHORT, Action, allowed
from app.ui import fmt, keys
from app.ui.resources import engine

REPORT_LINES = 30


def render(me: User, say: Callable[[str, str], None]) -> None:
    """The Import trainees tab: upload, preview every row, import, the passwords download."""
    done = st.session_state.get(keys.USERS_IMPORTED)
    if done:
        _imported(*done)
        return
    every = allowed(me, Action.MANAGE_USER, EVERY_COHORT)
    where = "any cohort" if every else f"your cohort ({me.cohort})"
    invite = st.toggle(
        "Invite by email (an email column instead of passwords)", key=keys.USERS_IMPORT_INVITE
    )
    if invite:
        _invite_mode(me, where, say)
        return
    st.markdown(
        "Upload a CSV file with a header row naming the columns **username**, "
        "**display_name** and **cohort**, and optionally **password**. Trainees may go into "
        f"{where}. Rows without a password get a generated one. Every imported trainee must "
        "choose their own password at their first sign-in. Nothing is imported unless every "
        "row is valid."
    )
    st.download_button(
        "Download an example file",
        userimport.template_csv(),
        file_name="trainees-example.csv",
        mime="text/csv",
        key=keys.USERS_TEMPLATE,
        icon=":material/download:",
        on_click="ignore",
    )
    generation = st.session_state.get(keys.USERS_UPLOADS, 0)
    upload = st.file_uploader(
        "CSV file of trainees", type=["csv", "txt"], key=keys.users_upload(generation)
    )
    if upload is None:
        return
    data = upload.getvalue()
    checked = userimport.preview(engine(), me, data)
    _preview(upload.name, checked)
    if not checked.ok:
        return
    count = len(checked.rows)
    if st.button(f"Import {count} trainees", key=keys.USERS_IMPORT, type="primary"):
        bar = st.progress(0.0, text="Preparing passwords…")

        def progress(done: int, total: int) -> None:
            bar.progress(
                done / total if total else 1.0, text=f"Preparing passwords: {done} of {total}"
            )

        try:
            imported = userimport.apply(engine(), me, data, progress)
        except userimport.ImportRefused as exc:
            bar.empty()
            say(f"Nothing imported from {upload.name}: {exc}. See the rows below.", "error")
            st.rerun()
        cohorts = ", ".join(sorted({u.cohort or "" for u in imported.users}))
        summary = f"Imported {len(imported.users)} trainees from {upload.name} into {cohorts}."
        st.session_state[keys.USERS_IMPORTED] = (summary, imported.passwords_csv())
        st.session_state[keys.USERS_UPLOADS] = generation + 1
        st.rerun()


def _invite_mode(me: User, where: str, say: Callable[[str, str], None]) -> None:
    st.markdown(
        "Upload a CSV file with a header row naming the columns **username**, "
        f"**display_name**, **cohort** and **email**. Trainees may go into {where}. Each gets "
        "an email with a link to choose their own password. Nothing is imported unless every "
        "row is valid."
    )
    st.download_button(
        "Download an example file",
        userimport.invite_template_csv(),
        file_name="trainees-to-invite-example.csv",
        mime="text/csv",
        key=keys.USERS_INVITE_TEMPLATE,
        icon=":material/download:",
        on_click="ignore",
    )
    generation = st.session_state.get(keys.USERS_UPLOADS, 0)
    upload = st.file_uploader(
        "CSV file of trainees to invite",
        type=["csv", "txt"],
        key=keys.users_invite_upload(generation),
    )
    if upload is None:
        return
    data = upload.getvalue()
    checked = userimport.preview(engine(), me, data, invite=True)
    _preview(upload.name, checked)
    if not checked.ok:
        return
    count = len(checked.rows)
    if st.button(f"Invite {count} trainees", key=keys.USERS_IMPORT_INVITE_GO, type="primary"):
        try:
            imported = userimport.apply(engine(), me, data, invite=True)
            failed = invitations.send_all(list(imported.invitations), me.display_name, engine())
        except ResurfaceError as exc:
            say(f"Nobody invited from {upload.name}: {exc}.", "error")
            st.rerun()
        text = f"Imported {len(imported.users)} trainees from {upload.name}"
        if failed:
            names = ", ".join(made.user.username for made, _ in failed)
            say(
                f"{text}, but {len(failed)} invitations were not sent ({names}): {failed[0][1]}. "
                "Send each again from the Invite by email tab once the mail server works.",
                "error",
            )
        else:
            say(f"{text}; each got an invitation by email.", "success")
        st.session_state[keys.USERS_UPLOADS] = generation + 1
        st.rerun()


def _preview(name: str, checked: userimport.Preview) -> None:
    problems = checked.report()
    if checked.rows:
        bad = sum(not r.ok for r in checked.rows)
        st.markdown(
            f"**{name}**: {len(checked.rows)} row{'s' if len(checked.rows) != 1 else ''}, "
            f"{len(checked.rows) - bad} ready, {bad} with problems."
        )
        st.dataframe(checked.frame(), hide_index=True, width="stretch")
    if problems:
        shown = "\n".join(f"- {fmt.plain(line)}" for line in problems[:REPORT_LINES])
        more = len(problems) - REPORT_LINES
        if more > 0:
            shown += f"\n- … and {more} more (see the table)"
        st.error(
            f"Nothing can be imported from {fmt.plain(name)} until every problem is fixed:"
            f"\n\n{shown}",
            icon=":material/error:",
        )
    else:
        st.success(f"All {len(checked.rows)} rows of {fmt.plain(name)} are ready to import.")


def _imported(summary: str, passwords: bytes) -> None:
    st.success(summary, icon=":material/check_circle:")
    st.download_button(
        "Download the temporary passwords (CSV)",
        passwords,
        file_name=f"temporary-passwords-{fmt.local(clock.now()):%Y-%m-%d}.csv",
        mime="text/csv",
        key=keys.USERS_PASSWORDS,
        type="primary",
        icon=":material/download:",
        on_click="ignore",
    )
    st.warning(
        "Give each trainee only their own line of the file, then delete it. The passwords are "
        "not kept anywhere and cannot be shown again once you click Done; each must be changed "
        "at the first sign-in."
    )
    st.button(
        "Done",
        key=keys.USERS_IMPORT_DONE,
        on_click=st.session_state.pop,
        args=(keys.USERS_IMPORTED, None),
    )
