"""Invitations by email against a real SMTP server: the link arrives, sets the password once, then
refuses; an expired link says so; a trainer invites into their own cohort only. On SQLite, and on
PostgreSQL when configured."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from mail_support import PUBLIC, smtp_server, use_server

from app import accounts, clock, invitations, mail
from app.accounts import DuplicateUser, Forbidden, LoginFailed, WeakPassword
from app.cli import EXIT_OK, main
from app.invitations import InvitationExpired, InvitationUsed
from app.store import audit as audit_store
from app.store import mail as mail_store

NEW_PW = "lanterns drift over the harbour"
LINK = re.compile(re.escape(PUBLIC) + r"/\?invite=([A-Za-z0-9_-]+)")


@pytest.fixture
def inbox(monkeypatch):
    with smtp_server() as server:
        use_server(monkeypatch, server.port)
        yield server


def token_in(text: str) -> str:
    found = LINK.search(text)
    assert found, f"no invitation link in {text!r}"
    return found.group(1)


def test_an_invitation_arrives_sets_the_password_once_and_then_refuses(fresh_db, people, inbox):
    made = invitations.invite(
        fresh_db, people["tina"], "dora", "Dora Diaz", "north", "dora@x.example"
    )
    invitations.send(made, "Tina", fresh_db)
    assert [m.to for m in inbox.messages] == [["dora@x.example"]]
    message = inbox.messages[0]
    assert message.subject == "Your Resurface account: choose your password"
    assert "Tina has invited you" in message.text
    assert "Your username is dora" in message.text
    token = token_in(message.text)
    assert len(token) >= 22  # at least 128 bits, URL-safe base64
    # Not yet: no password signs in to an invited account.
    with pytest.raises(LoginFailed):
        accounts.authenticate(fresh_db, "dora", "!invited")
    assert invitations.opened(fresh_db, token).username == "dora"
    with pytest.raises(WeakPassword):
        invitations.accept(fresh_db, token, "password1")
    user = invitations.accept(fresh_db, token, NEW_PW)
    assert (user.username, user.role, user.cohort) == ("dora", "trainee", "north")
    assert accounts.authenticate(fresh_db, "dora", NEW_PW).username == "dora"
    with pytest.raises(InvitationUsed, match="used already"):
        invitations.accept(fresh_db, token, "another long pass phrase here")
    with pytest.raises(InvitationUsed):
        invitations.opened(fresh_db, token)
    assert accounts.authenticate(fresh_db, "dora", NEW_PW).username == "dora"
    with fresh_db.connect() as conn:
        assert mail_store.invitation(conn, token) is None  # only the hash is kept
        assert mail_store.email_of(conn, user.id) == "dora@x.example"
        actions = [(line["action"], line["target"]) for line in audit_store.lines(conn)]
    assert ("user.invite", "dora") in actions
    assert ("mail.invite", "dora") in actions
    assert ("user.invite.accept", "dora") in actions


def test_an_expired_link_says_so_and_a_new_invitation_replaces_the_old(fresh_db, people, inbox):
    made = invitations.invite(fresh_db, None, "eve", None, "south", "eve@x.example")
    token = made.link.rsplit("=", 1)[1]
    later = clock.now() + timedelta(hours=72, seconds=1)
    with pytest.raises(InvitationExpired, match="expired"):
        invitations.accept(fresh_db, token, NEW_PW, now=later)
    again = invitations.reinvite(fresh_db, people["tom"], "eve")
    with pytest.raises(InvitationUsed):
        invitations.opened(fresh_db, token)  # the old link was replaced
    invitations.accept(fresh_db, again.link.rsplit("=", 1)[1], NEW_PW)
    with pytest.raises(InvitationUsed, match="chosen a password already"):
        invitations.reinvite(fresh_db, None, "eve")


def test_a_trainer_invites_into_their_own_cohort_only(fresh_db, people, inbox):
    with pytest.raises(Forbidden, match="may not invite a trainee into cohort south"):
        invitations.invite(fresh_db, people["tina"], "fay", None, "south", "fay@x.example")
    with pytest.raises(Forbidden):
        invitations.invite(fresh_db, people["ann"], "fay", None, "north", "fay@x.example")
    with pytest.raises(DuplicateUser):
        invitations.invite(fresh_db, people["boss"], "Ann", None, "north", "a@x.example")
    with pytest.raises(mail.InvalidAddress, match="is not one"):
        invitations.invite(fresh_db, people["boss"], "fay", None, "north", "fay at x")
    with fresh_db.connect() as conn:
        assert not [l for l in audit_store.lines(conn) if l["action"] == "user.invite"]  # noqa: E741


def test_an_unknown_link_is_refused(fresh_db, people, inbox):
    with pytest.raises(invitations.InvitationError, match="not known"):
        invitations.opened(fresh_db, "no-such-token")


def test_the_cli_invites_and_mails_the_link(fresh_db, people, inbox, monkeypatch, capsys):
    monkeypatch.setenv("RESURFACE_DATABASE_URL", fresh_db.url.render_as_string(False))
    code = main(["users", "invite", "gus", "--email", "gus@x.example", "--cohort", "north"])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert "the link went to gus@x.example" in out
    token = token_in(inbox.messages[0].text)
    invitations.accept(fresh_db, token, NEW_PW)
    assert accounts.authenticate(fresh_db, "gus", NEW_PW).cohort == "north"
