"""Invitations and reminders in the app, through AppTest with a real SMTP server: the Users
page's invite form, the page the link opens, and My account's reminders."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from mail_support import PUBLIC, smtp_server, use_server
from ui_helpers import fill_sign_in, new_session, open_page, sign_in, submit_form, values

from app import accounts, config, reminders
from app.bank import load
from app.ui import keys
from conftest import clock_at, finish

NEW_PW = "lanterns drift over the harbour"
LINK = re.compile(re.escape(PUBLIC) + r"/\?invite=([A-Za-z0-9_-]+)")


@pytest.fixture
def inbox(ui, monkeypatch):
    with smtp_server() as server:
        use_server(monkeypatch, server.port)
        yield server


def open_link(token: str):
    at = new_session()
    at.query_params = {"invite": token}
    at.run()
    assert not at.exception
    return at


def test_a_trainer_invites_and_the_link_sets_the_password_once(ui, inbox, fresh_db):
    at = open_page(sign_in("tina"), "users")
    assert at.selectbox(key=keys.USERS_INVITE_COHORT).value == "north"
    assert at.selectbox(key=keys.USERS_INVITE_COHORT).disabled
    at.text_input(key=keys.USERS_INVITE_USERNAME).input("dora")
    at.text_input(key=keys.USERS_INVITE_NAME).input("Dora Diaz")
    at.text_input(key=keys.USERS_INVITE_EMAIL).input("dora@x.example")
    submit_form(at, keys.USERS_INVITE_FORM)
    assert values(at.success) == ["Invited Dora Diaz (dora): the link went to dora@x.example."]
    [message] = inbox.messages
    assert message.to == ["dora@x.example"]
    assert "tina has invited you" in message.text  # her display name, as the form sends it
    token = LINK.search(message.text).group(1)

    page = open_link(token)
    assert [t.value for t in page.title] == ["Choose your password"]
    assert "Your username is **dora**" in values(page.info)[0]
    page.text_input(key=keys.INVITE_NEW).input("short")
    page.text_input(key=keys.INVITE_REPEAT).input("short")
    submit_form(page, keys.INVITE_FORM)
    assert values(page.error) == ["Password must be at least 10 characters."]
    page.text_input(key=keys.INVITE_NEW).input(NEW_PW)
    page.text_input(key=keys.INVITE_REPEAT).input(NEW_PW)
    submit_form(page, keys.INVITE_FORM)
    assert "Your password is set, Dora Diaz." in values(page.success)[0]
    fill_sign_in(page, "dora", NEW_PW)
    assert page.button(key=keys.SIGN_OUT), values(page.error)

    again = open_link(token)
    assert "has been used already" in values(again.error)[0]
    assert not again.text_input  # no form to set a password with
    assert accounts.authenticate(fresh_db, "dora", NEW_PW).cohort == "north"


def test_the_invite_form_says_what_is_wrong_and_a_down_server_keeps_the_account(
    ui, monkeypatch, fresh_db
):
    at = open_page(sign_in("boss"), "users")
    at.text_input(key=keys.USERS_INVITE_USERNAME).input("eve")
    at.text_input(key=keys.USERS_INVITE_EMAIL).input("not an address")
    at.selectbox(key=keys.USERS_INVITE_COHORT).set_value("south")
    submit_form(at, keys.USERS_INVITE_FORM)
    assert values(at.error) == [
        "Nobody invited: Email address: 'not an address' is not one (expected name@example.org)."
    ]
    with smtp_server() as stopped:
        port = stopped.port
    use_server(monkeypatch, port)  # the server is gone: nothing listens there now
    at.text_input(key=keys.USERS_INVITE_USERNAME).input("eve")
    at.text_input(key=keys.USERS_INVITE_EMAIL).input("eve@x.example")
    at.selectbox(key=keys.USERS_INVITE_COHORT).set_value("south")
    submit_form(at, keys.USERS_INVITE_FORM)
    [error] = values(at.error)
    assert f"mail server 127.0.0.1:{port} refused the connection" in error
    assert "Send it again below" in error
    with smtp_server(port=port) as inbox:
        at.text_input(key=keys.USERS_INVITE_AGAIN_USERNAME).input("eve")
        submit_form(at, keys.USERS_INVITE_AGAIN_FORM)
        assert values(at.success) == ["Invited eve (eve): the link went to eve@x.example."]
    assert [m.to for m in inbox.messages] == [["eve@x.example"]]


def test_my_account_shows_the_reminders_and_those_sent(ui, inbox, fresh_db):
    catalogue = load([config.quizzes_dir()])
    at = open_page(sign_in("ann"), "account")
    assert "Resurface emails you 60, 30 and 7 days before" in " ".join(values(at.markdown))
    assert values(at.warning) == ["No email address is set for you, so no reminder can reach you."]
    at.text_input(key=keys.ACCOUNT_EMAIL).input("ann@clinic.example")
    submit_form(at, keys.ACCOUNT_EMAIL_FORM)
    assert values(at.success) == ["Reminders now go to ann@clinic.example."]
    assert "They go to **ann@clinic.example**." in values(at.markdown)
    # Saving the address draws the page once: one "Your data" section, in its place at the end.
    assert [h.value for h in at.subheader].count("Your data") == 1
    assert at.subheader[-1].value == "Your data"

    passed = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
    finish(fresh_db, ui["ann"], catalogue, "certification-exam", at=passed)
    with clock_at(datetime(2031, 1, 7, 9, 5, tzinfo=UTC) - timedelta(days=20)):
        report = reminders.run(fresh_db, catalogue)
    assert [d.username for d in report.sent] == ["ann"]
    assert report.no_address == ["tina"]  # her digest: she has no address
    assert [m.to for m in inbox.messages] == [["ann@clinic.example"]]
    at = open_page(sign_in("ann"), "account")
    [sent] = [d for d in at.dataframe if list(d.value.columns) == ["Sent", "Subject"]]
    assert sent.value["Subject"].tolist() == [
        "Your Laser resurfacing technician certification expires on 7 January 2031"
    ]
