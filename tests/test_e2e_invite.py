"""End to end for invitations: a manager invites a trainee on the Users page, the test reads the
link from a real SMTP server, opens it in a fresh browser, chooses a password, signs in, and the
link then refuses. Also screenshots the page the link opens and My account at 1280 and 390 px.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta
from e2e_support import (
    PASSWORD,
    SCREENSHOTS,
    _stop_group,
    click,
    free_port,
    launch,
    open_app,
    settle,
    shoot,
    sign_in,
)
from mail_support import SENDER, Inbox, smtp_server, use_server
from playwright.sync_api import Locator, Page, expect

from app import accounts, addresses, clock, config, reminders
from app.bank import load
from conftest import finish

NEW_PW = "lanterns drift over the harbour"


@pytest.fixture(scope="module")
def people(engine, inbox) -> dict[str, accounts.User]:
    """A manager, a trainer, and ann, who passed the exam 11 months ago and was reminded."""
    boss = accounts.init_first_manager(engine, "boss", PASSWORD)
    ann = accounts.create_user(engine, boss, "ann", PASSWORD, "trainee", "north", "Ann Example")
    addresses.set_email(engine, None, "ann", "ann@clinic.example")
    catalogue = load([config.quizzes_dir()])
    finish(engine, ann, catalogue, "certification-exam", at=clock.now() - relativedelta(months=11))
    with pytest.MonkeyPatch.context() as patch:
        use_server(patch, inbox.port)  # type: ignore[attr-defined]
        assert [d.username for d in reminders.run(engine, catalogue).sent] == ["ann"]
    return {
        "boss": boss,
        "tina": accounts.create_user(engine, boss, "tina", PASSWORD, "trainer", "north"),
        "ann": ann,
    }


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    with smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
def base_url(db_file: str, people, inbox, tmp_path_factory) -> Iterator[str]:
    """``resurface serve`` with mail settings pointing at the test's SMTP server, and its own
    address as the public one (the links in the messages lead back to it)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "RESURFACE_DATABASE_URL": db_file,
        "RESURFACE_PUBLIC_URL": url,
        "RESURFACE_SMTP_HOST": "127.0.0.1",
        "RESURFACE_SMTP_PORT": str(inbox.port),  # type: ignore[attr-defined]
        "RESURFACE_SMTP_TLS": "none",
        "RESURFACE_MAIL_FROM": SENDER,
    }
    server = launch(env, tmp_path_factory.mktemp("server") / "server.log", port)
    try:
        yield url
    finally:
        _stop_group(server)


def choose(page: Page, within: Locator, label: str, option: str) -> None:
    """Pick an option of a Streamlit selectbox (scrolled to first: see test_e2e_certification)."""
    box = within.get_by_role("combobox", name=label)
    box.scroll_into_view_if_needed()
    settle(page)
    box.click()
    page.get_by_role("option", name=option).click()
    settle(page)


def test_a_manager_invites_and_the_link_sets_a_password_once(
    browser, context, page, base_url, inbox, engine
):
    sign_in(page, base_url, "boss")
    click(page, page.get_by_role("link", name="Users"))
    click(page, page.get_by_role("tab", name="Invite by email"))
    form = page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="Send invitation")
    )
    form.get_by_role("textbox", name="Username").fill("dora")
    form.get_by_role("textbox", name="Display name").fill("Dora Diaz")
    form.get_by_role("textbox", name="Email address").fill("dora@x.example")
    choose(page, form, "Cohort", "north")
    click(page, page.get_by_role("button", name="Send invitation"))
    expect(
        page.get_by_text("Invited Dora Diaz (dora): the link went to dora@x.example.")
    ).to_be_visible()

    [message] = [m for m in inbox.messages if m.to == ["dora@x.example"]]
    link = re.search(re.escape(base_url) + r"/\?invite=[A-Za-z0-9_-]+", message.text)
    assert link, message.text

    fresh = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        tab = fresh.new_page()
        open_app(tab, link.group(0))
        expect(tab.get_by_role("heading", name="Choose your password")).to_be_visible()
        expect(tab.get_by_text("Your username is dora")).to_be_visible()
        shots: list[Path] = shoot(fresh, tab, "invite")
        assert set(shots) == {SCREENSHOTS / f"invite-{w}.png" for w in (1280, 390)}
        tab.get_by_label("New password", exact=True).fill(NEW_PW)
        tab.get_by_label("New password again").fill(NEW_PW)
        click(tab, tab.get_by_role("button", name="Save my password"))
        expect(tab.get_by_text("Your password is set, Dora Diaz.")).to_be_visible()
        sign_in(tab, base_url, "dora", NEW_PW)

    finally:
        fresh.close()
    other = browser.new_context(viewport={"width": 1280, "height": 900})  # not signed in
    try:
        again = other.new_page()
        open_app(again, link.group(0))
        expect(again.get_by_text("has been used already")).to_be_visible()
        expect(again.get_by_label("New password", exact=True)).to_have_count(0)
    finally:
        other.close()
    assert accounts.authenticate(engine, "dora", NEW_PW).cohort == "north"


def test_screenshots_of_my_account_with_reminders(context, page, base_url, people):
    sign_in(page, base_url, "ann")
    open_app(page, f"{base_url}/account")
    expect(page.get_by_role("heading", name="Email reminders")).to_be_visible()
    expect(page.get_by_text("No reminder has been sent to you yet.")).to_have_count(0)
    # fmt.plain puts an invisible word joiner after the @, so the address is not made a link.
    expect(page.get_by_text(re.compile(r"They go to ann@\u2060?clinic\.example"))).to_be_visible()
    shots = shoot(context, page, "account")
    assert set(shots) == {SCREENSHOTS / f"account-{w}.png" for w in (1280, 390)}
