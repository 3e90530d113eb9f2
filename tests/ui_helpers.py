"""Driving the Streamlit app with AppTest: sign in through the form, open pages, answer questions.

Widgets are found by key (app.ui.keys), never by position. Answers are set in canonical form, as
app.feedback.key_of gives them; the widgets show options shuffled but hold canonical values.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block
from streamlit.util import calc_hash

from app import config, feedback
from app.attempts import AttemptView
from app.bank import Catalogue, load
from app.ui import keys, nav, resources
from conftest import PW

APP = str(Path(__file__).resolve().parent.parent / "app" / "ui" / "main.py")


@contextmanager
def app_on(monkeypatch: pytest.MonkeyPatch, url: str) -> Iterator[None]:
    """Point the app at ``url`` with the shipped quizzes; dispose of the engines it opened."""
    monkeypatch.setenv("RESURFACE_DATABASE_URL", url)
    monkeypatch.setenv("RESURFACE_QUIZZES", str(config.PROJECT_ROOT / "quizzes"))
    monkeypatch.delenv("RESURFACE_SECRET_KEY", raising=False)
    monkeypatch.delenv("RESURFACE_SESSION_HOURS", raising=False)
    monkeypatch.delenv("RESURFACE_IDLE_MINUTES", raising=False)
    opened: list[Engine] = []

    def open_store(url: str) -> Engine:
        opened.append(engine := real_open_store(url))
        return engine

    real_open_store = resources.open_store
    monkeypatch.setattr(resources, "open_store", open_store)
    try:
        yield
    finally:
        # The engine is cached per URL for the whole process; a test's database dies with it.
        resources._engine.clear()
        for engine in opened:
            engine.dispose()


def shipped_catalogue() -> Catalogue:
    return load([config.quizzes_dir()], sources_dir=config.sources_dir())


def new_session() -> AppTest:
    """A fresh browser tab: no cookie, so it shows the sign-in page."""
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    return at


def fill_sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key=keys.SIGNIN_USERNAME).input(username)
    at.text_input(key=keys.SIGNIN_PASSWORD).input(password)
    return submit_form(at, keys.SIGNIN_FORM)


def sign_in(username: str, password: str = PW) -> AppTest:
    """A new session signed in through the form; fails unless the home page shows."""
    at = fill_sign_in(new_session(), username, password)
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.button(key=keys.SIGN_OUT)
    return at


def submit_form(at: AppTest, form_key: str) -> AppTest:
    """Click the one submit button of the form with this key, and run."""
    buttons = at.form(key=form_key).form_submit_button
    assert len(buttons) == 1, f"form {form_key!r} has {len(buttons)} submit buttons"
    return buttons[0].click().run()


def open_page(at: AppTest, url_path: str, **params: object) -> AppTest:
    """Open ``/<url_path>?<params>`` in this session, as a deep link or bookmark would.

    AppTest.switch_page only knows file pages; st.navigation keys a callable page on the hash
    of its url_path, so request that hash for one run, then stay wherever the run ended.
    """
    at._page_hash = calc_hash(url_path)
    at.query_params = {k: str(v) for k, v in params.items()}
    try:
        at.run()
    finally:
        at._page_hash = ""
    assert not at.exception, values(at.exception)
    assert nav.TROUBLE not in values(at.error), "the page failed (see the log)"
    return at


def attempt_id(at: AppTest) -> int:
    return int(at.query_params["attempt"])


def titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


# Elements whose text is Markdown: the page shows it with each backslash escape undone.
_MARKDOWN_ELEMENTS = {
    "Markdown", "Caption", "Title", "Header", "Subheader", "Error", "Warning", "Info", "Success",
    "Toast",
}  # fmt: skip
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def values(elements: Any) -> list[str]:
    """What each element shows: its value, as read on the page (``\\(`` shows as ``(``)."""
    return [shown(e) for e in elements]


def shown(element: Any) -> Any:
    value = element.value
    if type(element).__name__ in _MARKDOWN_ELEMENTS and isinstance(value, str):
        return _ESCAPE.sub(r"\1", value).replace("\u2060", "")  # (a WORD JOINER is invisible)
    return value


def metric(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert len(found) == 1, f"metrics: {[m.label for m in at.metric]}"
    return found[0]


def dialog(at: AppTest) -> Block | None:
    """The open dialog (Streamlit renders it outside the main area), if any."""
    found = at.get("dialog")
    assert len(found) <= 1
    return found[0] if found else None


def confirm_submit(at: AppTest) -> AppTest:
    """Click "Submit now" in the open confirmation dialog.

    A click inside st.dialog reruns only the dialog (a fragment) in Streamlit; AppTest reruns the
    whole script, where the dialog is not reopened (streamlit/streamlit#9786). Reopening it for
    that run gives the click the same run the fragment rerun would.
    """
    assert dialog(at) is not None, "no dialog is open"
    at.session_state[keys.CONFIRM_SUBMIT] = True
    return at.button(key=keys.QUIZ_SUBMIT_NOW).click().run()


def set_answer(at: AppTest, view: AttemptView, position: int, answer: Any) -> None:
    """Put a canonical answer into the question's widgets (the caller runs or submits)."""
    shown = view.questions[position].presented
    snap = shown.snapshot
    if snap.type in ("single", "true_false"):
        at.radio(key=keys.answer(view.id, position)).set_value(answer)
    elif snap.type == "multiple":
        for slot, index in enumerate(shown.option_order):
            at.checkbox(key=keys.option(view.id, position, slot)).set_value(index in answer)
    else:
        for row, left in enumerate(shown.left_order):
            at.radio(key=keys.match(view.id, position, row)).set_value(answer[left])


def set_right_answer(at: AppTest, view: AttemptView, position: int) -> None:
    set_answer(at, view, position, feedback.key_of(view.questions[position].presented.snapshot))


def shown_answer(at: AppTest, view: AttemptView, position: int) -> Any:
    """The canonical answer the question's widgets show."""
    shown = view.questions[position].presented
    snap = shown.snapshot
    if snap.type in ("single", "true_false"):
        return at.radio(key=keys.answer(view.id, position)).value
    if snap.type == "multiple":
        ticked = sorted(
            index
            for slot, index in enumerate(shown.option_order)
            if at.checkbox(key=keys.option(view.id, position, slot)).value
        )
        return ticked or None
    chosen: list[int | None] = [None] * len(snap.pairs)
    for row, left in enumerate(shown.left_order):
        chosen[left] = at.radio(key=keys.match(view.id, position, row)).value
    return chosen if any(c is not None for c in chosen) else None


def answer_keys(view: AttemptView, position: int) -> list[str]:
    """The keys of a question's answer widgets."""
    snap = view.questions[position].presented.snapshot
    if snap.type in ("single", "true_false"):
        return [keys.answer(view.id, position)]
    if snap.type == "multiple":
        return [keys.option(view.id, position, i) for i in range(len(snap.options))]
    return [keys.match(view.id, position, left) for left in range(len(snap.pairs))]


def widget_keys(at: AppTest) -> set[str]:
    """The keys of every keyed element on the page, sidebar and dialog included."""
    return {key for node in at if (key := getattr(node, "key", None))}
