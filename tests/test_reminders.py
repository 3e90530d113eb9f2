"""``resurface remind`` against a real SMTP server on this machine: the reminders before a
certification lapses and on the day, the trainers' weekly digest, each sent once (a rerun, two
runs at once), a down or refusing server said plainly and retried at the next run, --dry-run.
On SQLite, and on PostgreSQL when configured."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from mail_support import PUBLIC, Refusing, free_port, smtp_server, use_server

from app import addresses, config, reminders
from app.bank import load
from app.cli import EXIT_INVALID, EXIT_OK, main
from app.store import audit as audit_store
from app.store import mail as mail_store
from app.store.tables import mail_sent
from conftest import clock_at, finish

T0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)  # after the people's accounts exist
EXAM = "certification-exam"  # 12 months
CERT = "Laser resurfacing technician"
# A pass submitted at T0 + 5 minutes holds for 12 calendar months: until 7 January 2031, 09:05.
ANN_UNTIL = datetime(2031, 1, 7, 9, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def catalogue():
    return load([config.quizzes_dir()])


@pytest.fixture
def world(fresh_db, people, monkeypatch, catalogue):
    """The people with addresses; ann passed the exam at T0. The CLI uses their database."""
    monkeypatch.setenv("RESURFACE_DATABASE_URL", fresh_db.url.render_as_string(False))
    for name in ("ann", "bob", "cat", "tina", "tom"):
        addresses.set_email(fresh_db, None, name, f"{name}@clinic.example")
    finish(fresh_db, people["ann"], catalogue, EXAM, at=T0)
    return people


def remind(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["remind", *args])
    out, err = capsys.readouterr()
    return code, out, err


def arrived_at(inbox) -> list[tuple[str, str]]:
    return sorted((m.to[0], m.subject) for m in inbox.messages)


def test_each_reminder_and_digest_is_sent_once_at_its_time(world, fresh_db, capsys, monkeypatch):
    with smtp_server() as inbox:
        use_server(monkeypatch, inbox.port)
        # 50 days before: the 60-day reminder, and no digest (ann is not expiring yet).
        with clock_at(ANN_UNTIL - timedelta(days=50)):
            code, out, _ = remind(capsys)
            assert code == EXIT_OK, out
            assert remind(capsys)[0] == EXIT_OK  # the rerun sends nothing
        assert arrived_at(inbox) == [
            ("ann@clinic.example", f"Your {CERT} certification expires on 7 January 2031")
        ]
        first = inbox.messages[0]
        assert "valid until 7 January 2031, 50 days from now" in first.text
        assert 'pass "Laser resurfacing certification exam" again' in first.text
        assert PUBLIC in first.text
        assert "60, 30 and 7 days before" in first.text
        assert "<p>Dear ann,</p>" in first.html
        inbox.messages.clear()

        # 20 days before (a Wednesday): the 30-day reminder, and tina's digest (her cohort).
        with clock_at(ANN_UNTIL - timedelta(days=20)):
            assert remind(capsys)[0] == EXIT_OK
        with clock_at(ANN_UNTIL - timedelta(days=19)):  # the same week: no second digest
            assert remind(capsys)[0] == EXIT_OK
        assert arrived_at(inbox) == [
            ("ann@clinic.example", f"Your {CERT} certification expires on 7 January 2031"),
            ("tina@clinic.example", "Certifications in north: 1 expiring, 0 expired"),
        ]
        digest = next(m for m in inbox.messages if m.to == ["tina@clinic.example"])
        assert f"ann): {CERT}, valid until 7 January 2031" in digest.text
        assert "bob" not in digest.text
        assert "cat" not in digest.text
        inbox.messages.clear()

        # 5 days before, the next week: the 7-day reminder and a new digest.
        with clock_at(ANN_UNTIL - timedelta(days=5)):
            assert remind(capsys)[0] == EXIT_OK
        assert [m.to[0] for m in inbox.messages] == ["ann@clinic.example", "tina@clinic.example"]
        inbox.messages.clear()

        # The day it lapses.
        with clock_at(ANN_UNTIL + timedelta(hours=1)):
            assert remind(capsys)[0] == EXIT_OK
            assert remind(capsys)[0] == EXIT_OK
        lapsed = [m for m in inbox.messages if m.to == ["ann@clinic.example"]]
        assert [m.subject for m in lapsed] == [f"Your {CERT} certification has lapsed"]
        assert "lapsed on 7 January 2031" in lapsed[0].text
        digest = next(m for m in inbox.messages if m.to == ["tina@clinic.example"])
        assert digest.subject == "Certifications in north: 0 expiring, 1 expired"
    with fresh_db.connect() as conn:
        lines = audit_store.lines(conn, "mail.reminder")
        assert [(line["target"], line["detail"]["threshold"]) for line in lines] == [
            ("ann", "60"),
            ("ann", "30"),
            ("ann", "7"),
            ("ann", "lapsed"),
        ]
        assert all(line["actor_id"] is None for line in lines)
        assert [line["target"] for line in audit_store.lines(conn, "mail.digest")] == ["tina"] * 3
        assert mail_store.counts(conn) == {"sent": 7}


def test_a_late_run_sends_only_the_nearest_reminder_and_old_lapses_none(
    world, fresh_db, capsys, monkeypatch, people, catalogue
):
    # bob passed long ago: lapsed on 7 January 2030 + 1 month... more than a week before the run.
    finish(fresh_db, people["bob"], catalogue, EXAM, at=T0 - timedelta(days=400))
    with smtp_server() as inbox:
        use_server(monkeypatch, inbox.port)
        with clock_at(ANN_UNTIL - timedelta(days=3)):  # the first run ever, 3 days before
            assert remind(capsys)[0] == EXIT_OK
    to_ann = [m for m in inbox.messages if m.to == ["ann@clinic.example"]]
    assert len(to_ann) == 1
    assert "3 days from now" in to_ann[0].text
    assert not [m for m in inbox.messages if m.to == ["bob@clinic.example"]]


def test_a_new_pass_starts_a_new_period_with_its_own_reminders(
    world, fresh_db, capsys, monkeypatch, people, catalogue
):
    with smtp_server() as inbox:
        use_server(monkeypatch, inbox.port)
        with clock_at(ANN_UNTIL - timedelta(days=50)):
            assert remind(capsys)[0] == EXIT_OK
        renewed = ANN_UNTIL - timedelta(days=40)
        finish(fresh_db, people["ann"], catalogue, EXAM, at=renewed)
        # Valid 12 months from that pass (28 November 2030, 09:10): until 28 November 2031.
        with clock_at(datetime(2031, 11, 28, 9, 10, tzinfo=UTC) - timedelta(days=45)):
            assert remind(capsys)[0] == EXIT_OK
    subjects = [m.subject for m in inbox.messages if m.to == ["ann@clinic.example"]]
    assert subjects == [
        f"Your {CERT} certification expires on 7 January 2031",
        f"Your {CERT} certification expires on 28 November 2031",
    ]


def test_dry_run_prints_and_sends_and_records_nothing(world, fresh_db, capsys, monkeypatch):
    with smtp_server() as inbox:
        use_server(monkeypatch, inbox.port)
        with clock_at(ANN_UNTIL - timedelta(days=20)):
            code, out, _ = remind(capsys, "--dry-run")
    assert code == EXIT_OK
    assert "would send reminder to ann <ann@clinic.example>" in out
    assert "would send digest to tina <tina@clinic.example>" in out
    assert inbox.messages == []
    with fresh_db.connect() as conn:
        assert mail_store.counts(conn) == {}
        assert not [line for line in audit_store.lines(conn) if line["action"].startswith("mail.")]


def test_a_down_server_is_named_and_the_next_run_sends_it(world, fresh_db, capsys, monkeypatch):
    port = free_port()  # nothing listens there
    use_server(monkeypatch, port)
    with clock_at(ANN_UNTIL - timedelta(days=50)):
        code, _, err = remind(capsys)
    assert code == EXIT_INVALID
    assert f"mail server 127.0.0.1:{port} refused the connection" in err
    assert "they will be sent at the next run" in err
    assert "Traceback" not in err
    with fresh_db.connect() as conn:
        assert mail_store.counts(conn) == {"failed": 1}
        assert audit_store.lines(conn, "mail.reminder") == []
    with smtp_server(port=port) as inbox, clock_at(ANN_UNTIL - timedelta(days=49)):
        assert remind(capsys)[0] == EXIT_OK
    assert arrived_at(inbox) == [
        ("ann@clinic.example", f"Your {CERT} certification expires on 7 January 2031")
    ]
    with fresh_db.connect() as conn:
        assert mail_store.counts(conn) == {"sent": 1}


def test_a_refusing_server_is_quoted_and_the_next_run_sends_it(
    world, fresh_db, capsys, monkeypatch
):
    with smtp_server(Refusing()) as refusing, clock_at(ANN_UNTIL - timedelta(days=50)):
        use_server(monkeypatch, refusing.port)
        code, out, err = remind(capsys)
    assert code == EXIT_INVALID
    assert f"mail server 127.0.0.1:{refusing.port} refused ann@clinic.example: 550" in err
    assert "Relaying denied" in err
    assert "NOT sent reminder to ann" in out
    assert refusing.messages == []
    with smtp_server() as inbox, clock_at(ANN_UNTIL - timedelta(days=50)):
        use_server(monkeypatch, inbox.port)
        assert remind(capsys)[0] == EXIT_OK
    assert len(inbox.messages) == 1


def test_two_runs_at_once_send_each_message_once(world, fresh_db, monkeypatch, people, catalogue):
    for name in ("bob", "cat"):
        finish(fresh_db, people[name], catalogue, EXAM, at=T0)
    barrier = threading.Barrier(2)
    reports: list[reminders.Report] = []
    errors: list[BaseException] = []

    def one_run() -> None:
        try:
            barrier.wait()
            reports.append(reminders.run(fresh_db, catalogue))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    with smtp_server() as inbox:
        use_server(monkeypatch, inbox.port)
        with clock_at(ANN_UNTIL - timedelta(days=20)):
            threads = [threading.Thread(target=one_run) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    assert not errors, errors
    # 30-day reminders to ann, bob and cat; digests to tina (north) and tom (south).
    expected = sorted(f"{n}@clinic.example" for n in ("ann", "bob", "cat", "tina", "tom"))
    assert sorted(m.to[0] for m in inbox.messages) == expected
    assert sum(len(r.sent) for r in reports) == 5
    assert sum(len(r.skipped) for r in reports) == 5


def test_no_mail_server_set_is_said_before_anything_is_claimed(
    world, fresh_db, capsys, monkeypatch
):
    monkeypatch.delenv("RESURFACE_SMTP_HOST", raising=False)
    monkeypatch.setenv("RESURFACE_PUBLIC_URL", PUBLIC)
    with clock_at(ANN_UNTIL - timedelta(days=50)):
        code, _, err = remind(capsys)
    assert code == EXIT_INVALID
    assert "no mail server is set: set RESURFACE_SMTP_HOST" in err
    with fresh_db.connect() as conn:
        assert mail_store.counts(conn) == {}


def test_a_trainee_without_an_address_is_named(world, fresh_db, capsys, monkeypatch):
    addresses.set_email(fresh_db, None, "ann", "")
    with smtp_server() as inbox, clock_at(ANN_UNTIL - timedelta(days=50)):
        use_server(monkeypatch, inbox.port)
        code, out, _ = remind(capsys)
    assert code == EXIT_OK
    assert "no email address for 'ann'" in out
    assert inbox.messages == []


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"RESURFACE_SMTP_TLS": "yes"}, "RESURFACE_SMTP_TLS must be one of none, starttls, ssl"),
        ({"RESURFACE_SMTP_PORT": "99999"}, "RESURFACE_SMTP_PORT must be a port number"),
        ({"RESURFACE_MAIL_FROM": "nobody"}, "RESURFACE_MAIL_FROM must be the sender's address"),
    ],
)
def test_config_check_names_a_mail_setting_it_cannot_use(monkeypatch, value, problem):
    use_server(monkeypatch, 25)
    for name, raw in value.items():
        monkeypatch.setenv(name, raw)
    with pytest.raises(config.SettingError, match=problem):
        config.check()


def test_the_smtp_password_is_not_in_the_settings_repr(monkeypatch):
    use_server(monkeypatch, 25)
    monkeypatch.setenv("RESURFACE_SMTP_USER", "mailer")
    monkeypatch.setenv("RESURFACE_SMTP_PASSWORD", "s3cret-smtp-pass")
    found = config.smtp()
    assert found is not None
    assert found.password == "s3cret-smtp-pass"
    assert "s3cret" not in repr(found)


def test_a_claim_left_by_a_run_that_died_is_taken_over_after_an_hour(
    world, fresh_db, capsys, monkeypatch
):
    moment = ANN_UNTIL - timedelta(days=50)
    key = {
        "user_id": world["ann"].id, "kind": "reminder", "about": EXAM,
        "period": ANN_UNTIL.isoformat(), "threshold": "60", "subject": "(claimed)",
    }  # fmt: skip
    with fresh_db.begin() as conn:  # another run claimed it 10 minutes ago and is still sending
        mail_store.claim(conn, {**key, "claimed_at": moment - timedelta(minutes=10)}, moment)
    with smtp_server() as inbox:
        use_server(monkeypatch, inbox.port)
        with clock_at(moment):
            code, _, err = remind(capsys)
        assert code == EXIT_OK
        assert "sent 0, already sent 1" in err
        assert inbox.messages == []  # that run may yet send it: this one leaves it be
        with fresh_db.begin() as conn:  # ... but it died: an hour on, its claim is stale
            conn.execute(mail_sent.update().values(claimed_at=moment - timedelta(hours=2)))
        with clock_at(moment + timedelta(minutes=1)):
            assert remind(capsys)[0] == EXIT_OK
    assert arrived_at(inbox) == [
        ("ann@clinic.example", f"Your {CERT} certification expires on 7 January 2031")
    ]
    with fresh_db.connect() as conn:
        assert mail_store.counts(conn) == {"sent": 1}
