"""What someone typed shows as text on every page: never a link, an image, a heading or a list.

Each hostile value goes in through the real entry point (the Users page's forms, a comment
saved by a trainer, a URL parameter) and every Markdown element of the page that shows it is
read as Streamlit receives it: none may hold a live link (``](``), image (``![``), autolink
(``://``) or raw HTML (``<``), that is, one without a backslash before it.
"""

from __future__ import annotations

import re

from ui_helpers import open_page, shipped_catalogue, sign_in, submit_form, values

from app import accounts, comments
from app.ui import keys
from conftest import finish

LINK = "[Reset your password](https://evil.example/reset)"
IMAGE = "![pixel](https://evil.example/pixel.png)"
DATA = "[open](data:text/html,<script>alert(1)</script>)"
HOSTILE_NAME = f"{LINK} {IMAGE}"
HOSTILE_COMMENT = (
    f"# Big\n\n- {IMAGE}\n1. {DATA}\n<img src=https://evil.example/x.png>\n---\n"
    "www.evil.example and mallory@evil.example"
)
# Markup that acts when not preceded by a backslash: a link or image, an autolink, raw HTML.
LIVE = [re.compile(p) for p in (r"(?<!\\)\]\(", r"(?<!\\)!\[", r"(?<!\\)<", r"(?<!\\)://")]
MARKDOWN_KINDS = ("markdown", "caption", "error", "warning", "info", "success", "title")


def pick(at, username: str):
    at.selectbox(key=keys.USERS_PICK).set_value(username).run()
    assert not at.exception
    return at


def sources(at) -> list[str]:
    """The Markdown of every element that reads Markdown, as sent to the browser."""
    found = []
    for kind in MARKDOWN_KINDS:
        found += [e.value for e in getattr(at, kind) if isinstance(e.value, str)]
    return found


# A bare address, which GitHub-flavoured Markdown links whatever the escapes around it.
AUTOLINK = re.compile(r"(?i)(?:https?:|mailto:)//|www\.|\w@\w")
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def assert_no_live_markup(at) -> None:
    for source in sources(at):
        for mark in LIVE:
            assert not mark.search(source), f"{mark.pattern!r} is live in: {source!r}"
        bare = AUTOLINK.search(_ESCAPED.sub(r"\1", source))
        assert bare is None, f"{bare.group(0)!r} would be a link in: {source!r}"


def test_a_hostile_display_name_is_text_in_every_users_page_message(ui, fresh_db):
    at = open_page(sign_in("boss"), "users")
    at.text_input(key=keys.USERS_NEW_USERNAME).input("eve")
    at.text_input(key=keys.USERS_NEW_NAME).input(HOSTILE_NAME)
    at.selectbox(key=keys.USERS_NEW_COHORT).set_value("north")
    submit_form(at, keys.USERS_NEW_FORM)
    assert values(at.success) == [f"Created trainee {HOSTILE_NAME} (eve) in cohort north."]
    assert_no_live_markup(at)  # "Created trainee …", "Temporary password for …"
    pick(at, "eve")
    assert_no_live_markup(at)  # the panel's heading
    submit_form(at, keys.USERS_RESET_FORM)
    assert any("Password reset for" in v for v in values(at.success))
    assert_no_live_markup(at)
    at.button(key=keys.USERS_TOGGLE).click().run()
    assert any(v.startswith(f"Deactivate {HOSTILE_NAME} (eve)?") for v in values(at.warning))
    assert_no_live_markup(at)
    at.button(key=keys.USERS_CONFIRM_YES).click().run()
    assert values(at.success) == [
        f"Deactivated {HOSTILE_NAME} (eve): they can no longer sign in; their history is kept."
    ]
    assert_no_live_markup(at)


def test_a_hostile_comment_is_text_for_the_trainee_and_the_trainer(ui, fresh_db):
    catalogue = shipped_catalogue()
    done = finish(fresh_db, ui["ann"], catalogue, "quick-check", 3)
    at = open_page(sign_in("tina"), "review", attempt=done)
    at.text_area(key=keys.comment_text(done, None)).input(HOSTILE_COMMENT)
    submit_form(at, keys.comment_form(done, None))
    [saved] = comments.of_attempt(fresh_db, ui["tina"], done)
    assert saved.body == HOSTILE_COMMENT
    at = open_page(at, "review", attempt=done)
    assert_no_live_markup(at)
    trainee = open_page(sign_in("ann"), "results", attempt=done)
    # As typed, line for line (each line break a Markdown hard break).
    lines = [[line.rstrip() for line in v.split("\n")] for v in values(trainee.markdown)]
    assert HOSTILE_COMMENT.split("\n") in lines
    assert_no_live_markup(trainee)
    [raw] = [m.value for m in trainee.markdown if "pixel" in m.value]
    for line in raw.split("\n"):  # no heading, list or rule: each starts with its escape
        assert not line.lstrip().startswith(("#", "- ", "1. ", "---", "<")), line


def test_a_hostile_quiz_parameter_is_text_in_the_item_analysis_warning(ui):
    at = open_page(sign_in("tina"), "items", quiz=LINK)
    assert f"There is no quiz '{LINK}'. Pick one below." in values(at.warning)
    assert_no_live_markup(at)


def test_a_hostile_cohort_and_username_are_text_too(ui, fresh_db):
    name = "x](https://evil.example)"
    accounts.create_user(fresh_db, ui["boss"], "mallory", "a long password", "trainee", name)
    at = open_page(sign_in("boss"), "users")
    pick(at, "mallory")
    assert any(f"cohort {name}" in v for v in values(at.caption))
    assert_no_live_markup(at)
