"""Invitations by email against a real SMTP server: the link arrives, sets the password once, then
refuses; an expired link says so; a trainer invites into their own cohort only. On SQLite, and on
PostgreSQL when configured."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from mail_support import PUBLIC, smtp_server, use_server

from app import accounts, clock, invitations, mail, userimport
from app.accounts import DuplicateUser, Forbidden, LoginFailed, WeakPassword
from app.cli import EXIT_INVALID, EXIT_OK, main
from app.invitations import InvitationExpired, InvitationUsed
from app.store import audit as audit_store
from app.store import mail as mail_store
from app.store import users as user_store

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


INVITE_CSV = (
    "username,display_name,cohort,email\r\n"
    "hal,Hal Hart,north,hal@x.example\r\n"
    "ivy,Ivy Ives,north,ivy@x.example\r\n"
)


def test_a_csv_import_invites_every_row_by_email(fresh_db, people, inbox):
    preview = userimport.preview(fresh_db, people["tina"], INVITE_CSV.encode(), invite=True)
    assert preview.ok, preview.report()
    imported = userimport.apply(fresh_db, people["tina"], INVITE_CSV.encode(), invite=True)
    assert imported.generated == {}
    assert invitations.send_all(list(imported.invitations), "Tina", fresh_db) == []
    assert sorted(m.to[0] for m in inbox.messages) == ["hal@x.example", "ivy@x.example"]
    ivy = next(m for m in inbox.messages if m.to == ["ivy@x.example"])
    assert "Your username is ivy" in ivy.text
    invitations.accept(fresh_db, token_in(ivy.text), NEW_PW)
    assert accounts.authenticate(fresh_db, "ivy", NEW_PW).display_name == "Ivy Ives"
    with pytest.raises(LoginFailed):  # hal has not chosen one yet
        accounts.authenticate(fresh_db, "hal", NEW_PW)


def test_a_csv_import_by_invitation_reports_bad_rows_and_imports_nothing(fresh_db, people, inbox):
    data = (
        b"username,display_name,cohort,email\r\n"
        b"jo,Jo,north,jo@x.example\r\n"
        b"kim,Kim,south,kim@x.example\r\n"
        b"lee,Lee,north,not-an-address\r\n"
        b"ann,Ann again,north,ann@x.example\r\n"
    )
    preview = userimport.preview(fresh_db, people["tina"], data, invite=True)
    assert preview.report() == [
        "row 3: cohort: you may add trainees to your own cohort 'north' only",
        "row 4: email: 'not-an-address' is not one (expected name@example.org)",
        "row 5: username: already taken",
    ]
    with pytest.raises(userimport.ImportRefused):
        userimport.apply(fresh_db, people["tina"], data, invite=True)
    with_password = "username,display_name,cohort,password\r\nmo,Mo,north,a long password\r\n"
    assert userimport.preview(
        fresh_db, people["boss"], with_password.encode(), invite=True
    ).report() == [
        "row 1: column 'password': invited trainees choose their own; remove the column",
        "row 1: missing column 'email'",
    ]
    assert inbox.messages == []
    with fresh_db.connect() as conn:
        assert user_store.taken(conn, ["jo", "mo"]) == {}


def test_the_cli_imports_by_invitation_and_a_down_server_is_named(
    fresh_db, people, inbox, monkeypatch, capsys, tmp_path
):
    monkeypatch.setenv("RESURFACE_DATABASE_URL", fresh_db.url.render_as_string(False))
    path = tmp_path / "invite.csv"
    path.write_text(INVITE_CSV, encoding="utf-8")
    with smtp_server() as stopped:
        port = stopped.port
    use_server(monkeypatch, port)  # nothing listens there any more
    code = main(["users", "import", str(path), "--invite"])
    out, err = capsys.readouterr()
    assert code == EXIT_INVALID
    assert f"NOT sent to hal <hal@x.example>: mail server 127.0.0.1:{port} refused" in out
    assert "2 invitations were not sent" in err
    with smtp_server(port=port) as inbox_again:
        assert main(["users", "invite", "hal", "--again"]) == EXIT_OK
    assert [m.to for m in inbox_again.messages] == [["hal@x.example"]]
