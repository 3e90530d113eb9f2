"""The navigation registry: every page once, filtered per user by ``app.permissions.may_open``."""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from app import permissions
from app.accounts import User
from app.permissions import may_open
from app.ui import fmt, keys


@dataclass(frozen=True)
class PageDef:
    id: str
    title: str
    icon: str
    hidden: bool = False  # reached from links, not listed in the menu
    wide: bool = False  # staff tables and charts use the whole window
    module: str = ""  # the module in app/ui/views/ that renders it, when not named as the id

    @property
    def view(self) -> str:
        return f"app.ui.views.{self.module or self.id}"


PAGES = (
    PageDef("home", "Home", ":material/home:"),
    PageDef("quiz", "Quiz", ":material/quiz:", hidden=True),
    PageDef("results", "Results", ":material/grading:", hidden=True),
    PageDef("history", "History", ":material/history:"),
    PageDef("trainees", "Trainees", ":material/group:", wide=True, module="trainee_list"),
    PageDef("trainee", "Trainee", ":material/person:", hidden=True, module="trainee_record"),
    PageDef("review", "Attempt review", ":material/rate_review:", hidden=True),
    PageDef("items", "Item analysis", ":material/analytics:", wide=True),
    PageDef("bank", "Question bank", ":material/library_books:", wide=True),
    PageDef("import", "Import questions", ":material/upload_file:", module="bank_import"),
    PageDef("reported", "Reported questions", ":material/report:", wide=True),
    PageDef("certification", "Certification", ":material/verified:", wide=True),
    PageDef("users", "Users", ":material/manage_accounts:", wide=True),
    PageDef("passmark", "Pass mark", ":material/rule:", wide=True),
    PageDef("exports", "Exports", ":material/download:"),
    PageDef("audit", "Audit log", ":material/policy:", wide=True),
    PageDef("account", "My account", ":material/account_circle:"),
)
assert {p.id for p in PAGES} == set(permissions.PAGES), "every page needs a rule in app.permissions"


def _render(d: PageDef) -> Callable[[], None]:
    def run() -> None:
        if d.wide:
            st.set_page_config(layout="wide")
        importlib.import_module(d.view).render()

    run.__name__ = d.id  # Streamlit derives nothing from it; url_path identifies the page
    return run


def page(page_id: str) -> st.Page:
    """The Streamlit page for an id; equal ids give the same page (Streamlit keys on url_path)."""
    d = next(p for p in PAGES if p.id == page_id)
    return st.Page(
        _render(d),
        title=d.title,
        icon=d.icon,
        url_path=d.id,
        default=d.id == "home",
        visibility="hidden" if d.hidden else "visible",
    )


def pages_for(user: User) -> list[st.Page]:
    return [page(p.id) for p in PAGES if may_open(user, p.id)]


def go(page_id: str, **params: object) -> None:
    """Switch to another page, with query parameters (never anything secret)."""
    st.switch_page(page(page_id), query_params={k: str(v) for k, v in params.items()})


def require(page_id: str) -> User:
    """The signed-in user if their role may open this page; otherwise say so and stop the page."""
    user = st.session_state.get(keys.USER)
    if user is None or not may_open(user, page_id):
        st.error("You do not have access to this page.")
        st.stop()
    return user


_ID = re.compile(r"[0-9]{1,9}")  # ASCII digits only (str.isdigit takes "²"), within INTEGER


def query_id(name: str) -> int | None:
    """The record id in the URL parameter ``name``, or None unless it is a plain number."""
    raw = st.query_params.get(name, "")
    return int(raw) if _ID.fullmatch(raw) else None


TROUBLE = (
    "Something went wrong on the server, so this was not done. It has been logged for whoever runs "
    "the server; everything saved before is kept. Reload the page to try again."
)
log = logging.getLogger("resurface.ui")


def trouble(what: str) -> None:
    """Log the exception being handled and tell the user, never with its details."""
    log.exception("%s failed", what)
    notice(TROUBLE, "error")


def notice(text: str, kind: str = "info") -> None:
    """A message to show at the top of the next page that renders."""
    st.session_state[keys.NOTICE] = (text, kind)


def show_notice() -> None:
    found = st.session_state.pop(keys.NOTICE, None)
    if found:
        text, kind = found
        {"info": st.info, "success": st.success, "warning": st.warning, "error": st.error}[kind](
            fmt.plain(text)  # a notice may quote what someone typed (a name, an error about it)
        )
