"""Managers: the audit log, newest first, filtered and paged, downloadable as CSV.

Deep links may preset the filters: ``/audit?user=ann&action=login.failed&q=north``.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from app import accounts, auditlog, clock
from app.accounts import User
from app.ui import auth, fmt, keys, nav
from app.ui.resources import engine

ALL = "__all__"
PAGE_SIZES = (25, 50, 100, 250, 500)
KNOWN_SECONDS = 120  # how long this session reuses the list of actions before reading it again
MAX_DOWNLOAD = 200_000  # lines; more than this belongs to `resurface audit --format csv`


def render() -> None:
    user = nav.require("audit")
    st.title("Audit log")
    zone = st.context.timezone or "UTC"
    st.caption(
        "Every sign-in, account change, attempt, comment and export, newest first. "
        f"Times in {zone}."
    )
    filters = _filters(user)
    per_page = st.session_state.get(keys.AUDIT_PER_PAGE, auditlog.PER_PAGE)
    _page_back_to_one_if_changed(filters, per_page)
    wanted = st.session_state.get(keys.AUDIT_PAGE, 1)
    try:
        found = auditlog.search(engine(), user, filters, wanted, per_page)
    except accounts.NotFound:
        st.warning("No such user. Choose someone from the list.")
        return
    st.session_state[keys.AUDIT_PAGE] = found.page
    if not found.total:
        st.info("No lines match these filters.")
        return
    st.markdown(f"**{found.label}** {_lines(found.total)}")
    _table(found, zone)
    _pager(found)
    _download(user, filters, found.total)


# --- filters --------------------------------------------------------------------------------


def _known_actions(user: User) -> list[str]:
    """The actions in the log, read again at most every KNOWN_SECONDS (or on Refresh)."""
    cached = st.session_state.get(keys.AUDIT_KNOWN)
    if cached is None or time.monotonic() - cached[0] > KNOWN_SECONDS:
        cached = (time.monotonic(), auditlog.actions(engine(), user))
        st.session_state[keys.AUDIT_KNOWN] = cached
    return cached[1]


def _from_link() -> None:
    """Preset the filters from the link's query parameters, once per session and parameter."""
    params = st.query_params
    if "user" in params and keys.AUDIT_USER not in st.session_state:
        st.session_state[keys.AUDIT_USER] = params["user"]
    if "action" in params and keys.AUDIT_ACTIONS not in st.session_state:
        st.session_state[keys.AUDIT_ACTIONS] = params.get_all("action")
    if "q" in params and keys.AUDIT_SEARCH not in st.session_state:
        st.session_state[keys.AUDIT_SEARCH] = params["q"]


@auth.callback
def _clear(_user: User) -> None:
    for key in (*keys.AUDIT_FILTERS, keys.AUDIT_PAGE):
        st.session_state.pop(key, None)


@auth.callback
def _refresh(_user: User) -> None:
    st.session_state.pop(keys.AUDIT_KNOWN, None)


def _action_label(action: str) -> str:
    return f"{action.rstrip('*').rstrip('.')} (all)" if action.endswith("*") else action


def _filters(user: User) -> auditlog.AuditFilters:
    _from_link()
    known = _known_actions(user)
    chosen = st.session_state.get(keys.AUDIT_ACTIONS) or []
    options = sorted({*auditlog.groups(known), *known, *chosen})
    people = accounts.list_users(engine(), user)
    who = {ALL: "Everyone", auditlog.CONSOLE: "The console (command line)"} | {
        p.username: p.display_name
        if p.display_name == p.username
        else f"{p.display_name} ({p.username})"
        for p in people
    }
    picked_user = st.session_state.get(keys.AUDIT_USER)
    if picked_user is not None and picked_user not in who:  # e.g. a link with another case
        match = next((u for u in who if u.casefold() == str(picked_user).casefold()), None)
        st.session_state[keys.AUDIT_USER] = match or ALL

    top = st.columns([1, 1, 2])
    since = top[0].date_input("From", value=None, key=keys.AUDIT_FROM, format="DD/MM/YYYY")
    until = top[1].date_input("To", value=None, key=keys.AUDIT_TO, format="DD/MM/YYYY")
    person = top[2].selectbox("Who", list(who), format_func=lambda u: who[u], key=keys.AUDIT_USER)
    middle = st.columns([2, 2])
    actions = middle[0].multiselect(
        "Actions",
        options,
        key=keys.AUDIT_ACTIONS,
        format_func=_action_label,
        placeholder="All actions",
        help="'(all)' picks a group: 'user (all)' is every user.… action.",
    )
    text = middle[1].text_input(
        "Target or details contain",
        key=keys.AUDIT_SEARCH,
        placeholder="e.g. a username, quiz or attempt number",
        help="Any case. Details are searched as stored, e.g. 1005 finds attempt=1005.",
    )
    buttons = st.columns([1, 1, 4])
    buttons[0].button(
        "Clear filters", key=keys.AUDIT_CLEAR, on_click=_clear, icon=":material/filter_alt_off:"
    )
    buttons[1].button(
        "Refresh",
        key=keys.AUDIT_REFRESH,
        on_click=_refresh,
        icon=":material/refresh:",
        help="Read the log again, with any lines written since.",
    )
    if since and until and until < since:
        st.warning("The 'To' date is before the 'From' date, so no line can match.")
    return auditlog.AuditFilters(
        since=fmt.start_of(since) if since else None,
        until=fmt.start_of(until + timedelta(days=1)) if until else None,
        actions=tuple(actions),
        user=None if person in (None, ALL) else person,
        text=text.strip() or None,
    )


def _page_back_to_one_if_changed(filters: auditlog.AuditFilters, per_page: int) -> None:
    seen = (filters, per_page)
    if st.session_state.get(keys.AUDIT_SEEN) != seen:
        st.session_state[keys.AUDIT_SEEN] = seen
        st.session_state[keys.AUDIT_PAGE] = 1


# --- the table and its pages ------------------------------------------------------------------


def _table(found: auditlog.Page, zone: str) -> None:
    lines = found.lines
    frame = pd.DataFrame(
        {
            "When": [fmt.local(line.at).replace(tzinfo=None) for line in lines],
            "Who": [line.who for line in lines],
            "Action": [line.action for line in lines],
            "Target": [line.target or "" for line in lines],
            "Details": [line.details for line in lines],
            "Line": [line.id for line in lines],
        }
    )
    # The table's own "Download as CSV" would take the page's lines unlogged and not Excel-safe:
    # the download below is the one that is recorded.
    st.html(
        f"<style>.st-key-{keys.AUDIT_TABLE_BOX} [data-testid='stElementToolbar'] "
        "button[aria-label='Download as CSV'] {display: none;}</style>"
    )
    st.container(key=keys.AUDIT_TABLE_BOX).dataframe(
        frame,
        hide_index=True,
        width="stretch",
        key=keys.AUDIT_TABLE,
        column_config={
            "When": st.column_config.DatetimeColumn(
                f"When ({zone})", format="D MMM YYYY, HH:mm:ss", width=165
            ),
            "Who": st.column_config.TextColumn(width=170),
            "Action": st.column_config.TextColumn(width=125),
            "Target": st.column_config.TextColumn(width=120),
            "Details": st.column_config.TextColumn(width="large"),
            "Line": st.column_config.NumberColumn(
                width="small", format="%d", help="The line's number in the log"
            ),
        },
    )


@auth.callback
def _step(_user: User, delta: int, pages: int) -> None:
    page = st.session_state.get(keys.AUDIT_PAGE, 1) + delta
    st.session_state[keys.AUDIT_PAGE] = min(max(1, page), pages)


def _pager(found: auditlog.Page) -> None:
    row = st.columns([1, 2, 1, 2], vertical_alignment="bottom")
    row[0].button(
        "Newer",
        key=keys.AUDIT_PREV,
        icon=":material/chevron_left:",
        disabled=found.page <= 1,
        on_click=_step,
        args=(-1, found.pages),
        width="stretch",
    )
    row[1].number_input(
        f"Page (of {found.pages:,})",
        min_value=1,
        max_value=found.pages,
        step=1,
        key=keys.AUDIT_PAGE,
    )
    row[2].button(
        "Older",
        key=keys.AUDIT_NEXT,
        icon=":material/chevron_right:",
        icon_position="right",
        disabled=found.page >= found.pages,
        on_click=_step,
        args=(1, found.pages),
        width="stretch",
    )
    row[3].selectbox("Lines per page", PAGE_SIZES, index=2, key=keys.AUDIT_PER_PAGE)


# --- the download -----------------------------------------------------------------------------


def _download(user: User, filters: auditlog.AuditFilters, total: int) -> None:
    too_many = total > MAX_DOWNLOAD

    def build() -> bytes:
        # Runs when the button is clicked, so the export's own audit line says when it was taken.
        return auditlog.export(engine(), user, filters)[0]

    st.download_button(
        "Download this line (CSV)" if total == 1 else f"Download these {total:,} lines (CSV)",
        data=build,
        file_name=f"resurface-audit-{_today()}.csv",
        mime="text/csv",
        key=keys.AUDIT_DOWNLOAD,
        icon=":material/download:",
        on_click="ignore",
        disabled=too_many,
    )
    if too_many:
        st.caption(
            f"More than {MAX_DOWNLOAD:,} lines: narrow the filters, or export them all at the "
            "server with `resurface audit --format csv --limit 0 -o audit.csv`."
        )
    else:
        st.caption(
            "Excel-safe CSV, times in UTC. The download itself is recorded in this log, "
            "with its filters."
        )


def _lines(count: int) -> str:
    return "line" if count == 1 else "lines"


def _today() -> date:
    return fmt.local(clock.now()).date()
