"""Personal data: the export of everything held about a person, the erase that pseudonymises
them, and retention. On SQLite and PostgreSQL, with real attempts, comments and audit lines."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import JSON, String, Text, select, update
from ui_helpers import shipped_catalogue

from app import (
    accommodations,
    accounts,
    addresses,
    attempts,
    certificates,
    certification,
    comments,
    dashboard,
    erasure,
    passmark,
    personal,
    prepared,
    questionreports,
    reports,
    retention,
    useradmin,
    websession,
)
from app import (
    invitations as invitations_core,
)
from app.accounts import AccountInactive, Forbidden, NotFound
from app.bank import Catalogue
from app.exports import formula_like
from app.store import attempts as attempt_store
from app.store import audit as audit_store
from app.store import mail as mail_store
from app.store import users as user_store
from app.store.db import writing
from app.store.tables import accommodations as accommodation_table
from app.store.tables import (
    invitations,
    mail_sent,
    metadata,
    prepared_files,
    users,
    web_sessions,
)
from app.useradmin import LastManager
from conftest import PW, clock_at, finish, sign_in_outcome

FORMULA = '=HYPERLINK("http://evil.example","Zelda")'
ZELDA_MAIL = "zq.quarrington@north-clinic.example"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return shipped_catalogue()


@pytest.fixture
def seeded(fresh_db, people, catalogue) -> dict[str, Any]:
    """zelda-q, a north trainee once called "Zee Quarry": two attempts (three answers right on
    the first), tina's comment on it, a question she reported, a sign-in; tina rated a question."""
    boss, tina = people["boss"], people["tina"]
    zelda = accounts.create_user(
        fresh_db, boss, "zelda-q", PW, "trainee", "north", display_name="Zee Quarry"
    )
    useradmin.edit_user(fresh_db, boss, "zelda-q", display_name="Zelda Quarrington")
    accounts.authenticate(fresh_db, "zelda-q", PW)
    zelda = accounts.get_user(fresh_db, boss, "zelda-q")
    first = finish(fresh_db, zelda, catalogue, "practice-aftercare", right=3)
    second = finish(fresh_db, zelda, catalogue, "quick-check", right=0)
    note = comments.add(fresh_db, tina, first, "Well done Zelda, look again at question 4.")
    report = questionreports.report(
        fresh_db, zelda, first, 5, "unclear", "Zelda here: the wording is unclear"
    )
    qid = passmark.pool(catalogue.quizzes["certification-exam"], catalogue)[0]
    passmark.rate(fresh_db, tina, catalogue, "certification-exam", {qid: 0.7})
    # Contact details and what they brought: an address, a reminder the mail server refused (its
    # answer, which quotes the address, in the audit log), an invitation, an accommodation.
    addresses.set_email(fresh_db, boss, "zelda-q", ZELDA_MAIL)
    accommodations.set_accommodation(
        fresh_db, tina, "zelda-q", extra_minutes=20, reason="Zelda's reading plan"
    )
    when = datetime.now(UTC)
    with writing(fresh_db) as conn:
        values = {
            "user_id": zelda.id, "kind": "reminder", "about": "certification-exam",
            "period": "2027-01-01", "threshold": "30", "claimed_at": when,
            "subject": "Your certification expires in 30 days",
        }  # fmt: skip
        mail_id = mail_store.claim(conn, values, when)
        mail_store.mark(conn, mail_id, "failed", when, f"550 <{ZELDA_MAIL}>: mailbox full")
        audit_store.record(
            conn, when, None, "mail.failed", "zelda-q", error=f"550 <{ZELDA_MAIL}>: mailbox full"
        )
        mail_store.add_invitation(
            conn, token_hash="cd" * 32, user_id=zelda.id, invited_by=boss.id,
            created_at=when, expires_at=when + timedelta(hours=72), used_at=None,
        )  # fmt: skip
    # Someone else's work, which must come through the erase untouched.
    finish(fresh_db, people["ann"], catalogue, "practice-aftercare", right=5)
    finish(fresh_db, people["bob"], catalogue, "practice-aftercare", right=1)
    return {
        **people,
        "zelda": zelda,
        "attempts": [first, second],
        "comment": note,
        "report": report,
        "rated": qid,
    }


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


# --- export -------------------------------------------------------------------------------------


def test_the_export_holds_every_kind_of_record(fresh_db, seeded, catalogue):
    done = personal.export(fresh_db, seeded["boss"], "zelda-q", catalogue)
    files = unzip(done.data)
    assert set(files) == {"README.txt", "person.json", *personal.FILES}
    held = json.loads(files["person.json"])
    assert held["account"]["username"] == "zelda-q"
    assert held["account"]["display_name"] == "Zelda Quarrington"
    assert held["account"]["cohort"] == "north"
    assert [a["attempt_id"] for a in held["attempts"]] == seeded["attempts"]
    sizes = [len(attempts.get(fresh_db, seeded["boss"], a).questions) for a in seeded["attempts"]]
    first = held["attempts"][0]
    assert [len(a["answers"]) for a in held["attempts"]] == sizes
    answered = [q for q in first["answers"] if q["answer"]]
    # finish() answered the first three with the key: the words are the right answer's.
    assert [q["question_number"] for q in answered] == [1, 2, 3]
    assert all(q["answer"] == q["correct_answer"] and q["points"] == 1 for q in answered)
    assert all(q["question"] for q in first["answers"])
    assert {c["direction"]: c["body"] for c in held["comments"]} == {
        "to": "Well done Zelda, look again at question 4."
    }
    assert [(r["role"], r["kind"], r["question_number"]) for r in held["question_reports"]] == [
        ("filed", "unclear", 6)
    ]
    assert [c["certification"] for c in held["certifications"]] == ["Laser resurfacing technician"]
    assert held["certifications"][0]["status"] == "Never"
    assert held["certificates"] == []
    assert held["account"]["email"] == ZELDA_MAIL
    assert [(m["threshold"], m["status"]) for m in held["reminders"]] == [("30", "failed")]
    assert held["reminders"][0]["subject"] == "Your certification expires in 30 days"
    assert [(a["extra_minutes"], a["reason"]) for a in held["accommodation"]] == [
        (20, "Zelda's reading plan")
    ]
    assert [i["invited_by"] for i in held["invitations"]] == ["boss"]
    assert "token_hash" not in held["invitations"][0]
    actions = {(line["action"], line["relation"]) for line in held["audit"]}
    assert {("user.create", "about"), ("user.edit", "about"), ("login", "by, about")} <= actions
    assert ("attempt.start", "by") in actions or any(r == "by" for _, r in actions)
    # The readable files say the same.
    assert len(csv_rows(files["answers.csv"])) == sum(sizes)
    assert [r["question_number"] for r in csv_rows(files["answers.csv"]) if r["answer"]] == [
        "1",
        "2",
        "3",
    ]
    assert csv_rows(files["certificates.csv"]) == []
    assert csv_rows(files["account.csv"])[0]["email"] == ZELDA_MAIL
    assert csv_rows(files["reminders.csv"])[0]["status"] == "failed"
    assert "certificates.csv" in files["README.txt"].decode()


def test_the_export_holds_each_certificate_with_its_code_and_status(fresh_db, seeded, catalogue):
    exam = finish(fresh_db, seeded["zelda"], catalogue, "certification-exam", right=30)
    # Asked for nowhere before the export: the export issues it, as Home would.
    files = unzip(personal.export(fresh_db, seeded["boss"], "zelda-q", catalogue).data)
    (shown,) = csv_rows(files["certificates.csv"])
    (issued,) = certificates.of_user(fresh_db, seeded["boss"], seeded["zelda"].id)
    assert issued.attempt_id == exam
    assert shown["code"] == issued.code
    assert shown["verification_address"].endswith(f"/verify/{issued.code}")
    assert (shown["certification"], shown["status"]) == ("Laser resurfacing technician", "Current")
    certificates.revoke(fresh_db, seeded["boss"], issued.code, "Issued in error")
    files = unzip(personal.export(fresh_db, seeded["boss"], "zelda-q", catalogue).data)
    (shown,) = csv_rows(files["certificates.csv"])
    assert (shown["status"], shown["revoke_reason"]) == ("Revoked", "Issued in error")


def test_the_export_withholds_the_keys_of_a_failed_exams_secure_questions(
    fresh_db, seeded, catalogue
):
    exam = finish(fresh_db, seeded["zelda"], catalogue, "certification-exam", right=0)
    with fresh_db.connect() as conn:
        secure = [bool(q["content"].get("secure")) for q in attempt_store.questions(conn, exam)]
    assert any(secure)
    files = unzip(personal.export(fresh_db, seeded["zelda"], "zelda-q", catalogue).data)
    (taken,) = [a for a in json.loads(files["person.json"])["attempts"] if a["attempt_id"] == exam]
    # Every answer was wrong (left blank): the review shows each mistake, secure ones without key.
    assert [q["correct_answer"] is None for q in taken["answers"]] == secure
    assert all(q["question"] for q in taken["answers"])


def test_the_export_holds_comments_and_ratings_by_a_trainer(fresh_db, seeded, catalogue):
    files = unzip(personal.export(fresh_db, seeded["boss"], "tina", catalogue).data)
    held = json.loads(files["person.json"])
    assert [(c["direction"], c["author"]) for c in held["comments"]] == [("by", "tina")]
    assert [(r["question_id"], r["rating"]) for r in held["pass_mark_ratings"]] == [
        (seeded["rated"], 0.7)
    ]
    assert csv_rows(files["pass_mark_ratings.csv"])[0]["rating"] == "0.7"


def test_no_password_hash_anywhere_in_the_zip(fresh_db, seeded, catalogue):
    with fresh_db.connect() as conn:
        stored = user_store.by_key(conn, "zelda-q")["password_hash"]
    files = unzip(personal.export(fresh_db, seeded["boss"], "zelda-q", catalogue).data)
    for name, data in files.items():
        assert stored.encode() not in data, name
        assert b"argon2" not in data, name
        assert b"password_hash" not in data, name


def test_the_csvs_are_formula_safe(fresh_db, seeded, catalogue):
    useradmin.edit_user(fresh_db, seeded["boss"], "zelda-q", display_name=FORMULA)
    files = unzip(personal.export(fresh_db, seeded["boss"], "zelda-q", catalogue).data)
    (account,) = csv_rows(files["account.csv"])
    assert account["display_name"] == "'" + FORMULA
    for name in personal.FILES:
        for row in csv_rows(files[name]):
            assert not any(formula_like(v) for v in row.values()), (name, row)
    assert json.loads(files["person.json"])["account"]["display_name"] == FORMULA


def test_who_may_export_whose_data_and_every_export_is_audited(fresh_db, seeded, catalogue):
    with pytest.raises(Forbidden):
        personal.export(fresh_db, seeded["tina"], "zelda-q", catalogue)  # her trainer
    with pytest.raises(NotFound):
        personal.export(fresh_db, seeded["ann"], "zelda-q", catalogue)  # another trainee
    with pytest.raises(NotFound):
        personal.export(fresh_db, seeded["boss"], "nobody-at-all", catalogue)
    mine = personal.export(fresh_db, seeded["zelda"], "zelda-q", catalogue)
    assert json.loads(unzip(mine.data)["person.json"])["account"]["username"] == "zelda-q"
    personal.export(fresh_db, None, "zelda-q", catalogue)  # the console
    with fresh_db.connect() as conn:
        lines = audit_store.lines(conn, "person.export")
    assert [(line["actor_id"], line["target"]) for line in lines] == [
        (seeded["zelda"].id, "zelda-q"),
        (None, "zelda-q"),
    ]
    gone = accounts.create_user(fresh_db, seeded["boss"], "gone", PW, "manager")
    useradmin.set_active(fresh_db, seeded["boss"], "gone", False)
    with pytest.raises(AccountInactive):
        personal.export(fresh_db, gone, "zelda-q", catalogue)


# --- erase --------------------------------------------------------------------------------------


def every_text(engine) -> list[tuple[str, str, str]]:
    """Every text and JSON value of every table, as (table, column, text)."""
    found = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
            if not columns:
                continue
            for row in conn.execute(select(*columns)).mappings():
                for column in columns:
                    value = row[column.name]
                    if value is None:
                        continue
                    text = (
                        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                    )
                    found.append((table.name, column.name, text))
    return found


def figures(engine, boss, catalogue) -> dict[str, Any]:
    """The statistics an erase must leave as they were."""
    items = reports.item_analysis(engine, boss, "practice-aftercare", catalogue)
    north = reports.item_analysis(engine, boss, "practice-aftercare", catalogue, cohort="north")
    board = dashboard.cohort_dashboard(engine, boss, catalogue)
    overview = certification.overview(engine, boss, catalogue)
    return {
        "items": items.items.to_json(date_format="iso"),
        "distractors": items.distractors.to_json(date_format="iso"),
        "summary": json.dumps(items.summary, default=str, sort_keys=True),
        "north": north.items.to_json(date_format="iso"),
        "scores": board.scores.to_json(date_format="iso"),
        "mastery": board.mastery.to_json(date_format="iso"),
        "attempts": board.attempts.to_json(date_format="iso"),
        "trainees": board.trainees.drop(columns=["username", "display_name"]).to_json(
            date_format="iso"
        ),
        "cohorts": overview.cohorts.to_json(date_format="iso"),
        "totals": overview.totals.to_json(date_format="iso"),
    }


def test_an_erase_leaves_no_name_and_the_same_statistics(fresh_db, seeded, catalogue):
    boss = seeded["boss"]
    # She left: deactivated (which takes her out of the certification counts) before the erase,
    # which then changes no figure at all.
    useradmin.set_active(fresh_db, boss, "zelda-q", False)
    before = figures(fresh_db, boss, catalogue)
    with fresh_db.connect() as conn:
        last_line = max(line["id"] for line in audit_store.lines(conn))
    found = [t for t in every_text(fresh_db) if "zelda" in t[2].lower() or "quarr" in t[2].lower()]
    assert {t[0] for t in found} >= {
        "users", "audit_log", "comments", "question_reports", "user_emails", "mail_sent",
        "accommodations",
    }  # fmt: skip

    done = erasure.erase(fresh_db, boss, "zelda-q", "Asked to be forgotten by Zelda", catalogue)

    left = [t for t in every_text(fresh_db) if "zelda" in t[2].lower() or "quarr" in t[2].lower()]
    assert left == []
    assert figures(fresh_db, boss, catalogue) == before
    with fresh_db.connect() as conn:
        row = conn.execute(select(users).where(users.c.id == seeded["zelda"].id)).mappings().one()
        new_lines = [line for line in audit_store.lines(conn) if line["id"] > last_line]
    assert row["username"] == done.username
    assert done.username.startswith("erased-")
    assert row["display_name"] == f"Erased person {done.username.removeprefix('erased-')}"
    assert row["cohort"] == "north"  # the cohort figures stay (docs/administration.md)
    assert not row["active"]
    (line,) = new_lines
    assert (line["action"], line["target"], line["actor_id"]) == (
        "person.erased",
        done.username,
        boss.id,
    )
    assert line["detail"] == {"reason": f"Asked to be forgotten by {done.display_name}"}
    # Her comment's text stays, with her name replaced.
    with fresh_db.connect() as conn:
        body = comments.of_attempt(fresh_db, boss, seeded["attempts"][0])[0].body
    assert body == f"Well done {done.display_name}, look again at question 4."
    assert sign_in_outcome(fresh_db, "zelda-q", PW, datetime.now(UTC)) == "LoginFailed"
    assert sign_in_outcome(fresh_db, done.username, PW, datetime.now(UTC)) != "ok"


def test_an_erase_forgets_the_address_invitations_mail_and_accommodation(
    fresh_db, seeded, catalogue
):
    zelda = seeded["zelda"]
    useradmin.set_active(fresh_db, seeded["boss"], "zelda-q", False)
    erasure.erase(fresh_db, seeded["boss"], "zelda-q", "left", catalogue)
    with fresh_db.connect() as conn:
        assert mail_store.email_of(conn, zelda.id) is None
        assert mail_store.of_user(conn, zelda.id) == []
        held = {
            t.name: conn.execute(select(t).where(t.c.user_id == zelda.id)).all()
            for t in (invitations, mail_sent, accommodation_table)
        }
    assert held == {"invitations": [], "mail_sent": [], "accommodations": []}
    assert not [t for t in every_text(fresh_db) if ZELDA_MAIL in t[2]]


def test_an_invited_account_that_never_chose_a_password_can_be_erased(
    fresh_db, people, catalogue, monkeypatch
):
    monkeypatch.setenv("RESURFACE_PUBLIC_URL", "https://training.example.org")
    monkeypatch.setenv("RESURFACE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("RESURFACE_MAIL_FROM", "training@example.org")
    invitations_core.invite(
        fresh_db, people["boss"], "newbie", "New Bie", "north", "newbie@north-clinic.example"
    )
    done = erasure.erase(fresh_db, people["boss"], "newbie", "never started", catalogue)
    assert done.username.startswith("erased-")
    with pytest.raises(erasure.AlreadyErased):
        erasure.erase(fresh_db, people["boss"], done.username, "again", catalogue)


def test_an_erased_person_cannot_sign_in_and_their_sessions_end(
    fresh_db, people, seeded, catalogue
):
    ann = seeded["ann"]
    websession.begin(fresh_db, ann)
    accounts.authenticate(fresh_db, "ann", PW)
    # A file waiting for her download (as if she had been a manager: only they prepare files).
    boss_file = prepared.keep(fresh_db, people["boss"], io.BytesIO(b"x"), "a.csv", "text/csv")
    with writing(fresh_db) as conn:
        conn.execute(update(prepared_files).values(user_id=ann.id))
    done = erasure.erase(fresh_db, None, "ann", "asked to be forgotten", catalogue)
    assert prepared.find(fresh_db, boss_file) is None, "files prepared for her go too"
    with fresh_db.connect() as conn:
        sessions = conn.execute(select(web_sessions).where(web_sessions.c.user_id == ann.id))
        assert sessions.all() == []
        row = user_store.by_id(conn, ann.id)
    assert row["username"] == done.username
    assert not row["active"]
    assert not accounts.verify(row["password_hash"], PW)
    for name in ("ann", done.username):
        assert sign_in_outcome(fresh_db, name, PW, datetime.now(UTC)) == "LoginFailed"


def test_in_free_text_a_names_parts_go_as_written_and_everyday_words_stay(
    fresh_db, people, catalogue
):
    will = accounts.create_user(
        fresh_db, people["boss"], "whart", PW, "trainee", "north", display_name="Will Hart"
    )
    attempt = finish(fresh_db, will, catalogue, "quick-check", right=2)
    comments.add(fresh_db, people["tina"], attempt, "You will pass next time, Will. WHART, see me.")
    done = erasure.erase(fresh_db, None, "whart", "asked", catalogue)
    (note,) = comments.of_attempt(fresh_db, people["boss"], attempt)
    assert note.body == (
        f"You will pass next time, {done.display_name}. {done.username}, see me."  # the username
    )


@pytest.mark.parametrize("meanwhile", ["a failed sign-in", "a rename"])
def test_lines_written_after_the_search_are_erased_too(fresh_db, seeded, catalogue, meanwhile):
    found = erasure.search(fresh_db, "zelda-q")  # what erase() does before taking the lock
    if meanwhile == "a failed sign-in":
        assert sign_in_outcome(fresh_db, "zelda-q", "not her password", NOW) == "LoginFailed"
    else:
        useradmin.edit_user(fresh_db, seeded["boss"], "zelda-q", display_name="Zora Quill")
    with writing(fresh_db) as conn:
        row = user_store.by_key(conn, "zelda-q")
        erasure.erase_in(conn, row, None, "asked", catalogue, False, NOW, found)
    names = ("zelda", "quarr", "zora", "quill")
    assert [t for t in every_text(fresh_db) if any(n in t[2].lower() for n in names)] == []


def test_erase_refusals(fresh_db, seeded, catalogue):
    boss = seeded["boss"]
    finish(fresh_db, seeded["cat"], catalogue, "certification-exam")  # every answer right
    with pytest.raises(erasure.MustKeep, match="Laser resurfacing technician"):
        erasure.erase(fresh_db, boss, "cat", "left the clinic", catalogue)
    with pytest.raises(LastManager):
        erasure.erase(fresh_db, None, "boss", "left the clinic", catalogue)
    with pytest.raises(Forbidden):
        erasure.erase(fresh_db, boss, "boss", "left the clinic", catalogue)
    with pytest.raises(Forbidden):
        erasure.erase(fresh_db, seeded["tina"], "zelda-q", "left the clinic", catalogue)
    with pytest.raises(NotFound):
        erasure.erase(fresh_db, boss, "nobody-at-all", "left the clinic", catalogue)
    with pytest.raises(erasure.InvalidReason):
        erasure.erase(fresh_db, boss, "zelda-q", "   ", catalogue)
    done = erasure.erase(fresh_db, boss, "cat", "left the clinic", catalogue, force=True)
    with pytest.raises(erasure.AlreadyErased, match="erased already"):
        erasure.erase(fresh_db, boss, done.username, "again", catalogue)
    with fresh_db.connect() as conn:
        (line,) = audit_store.lines(conn, "person.erased")
    assert line["detail"] == {"reason": "left the clinic", "forced": True}


# --- retention ----------------------------------------------------------------------------------

NOW = datetime.now(UTC).replace(microsecond=0)


def table_rows(engine) -> dict[str, list[str]]:
    with engine.connect() as conn:
        return {
            t.name: sorted(repr(tuple(r)) for r in conn.execute(select(t)))
            for t in metadata.sorted_tables
        }


def test_retention_keeps_everything_by_default(fresh_db, seeded, catalogue, monkeypatch):
    monkeypatch.delenv("RESURFACE_AUDIT_RETENTION_DAYS", raising=False)
    monkeypatch.delenv("RESURFACE_INACTIVE_RETENTION_DAYS", raising=False)
    useradmin.set_active(fresh_db, seeded["boss"], "bob", False)
    before = table_rows(fresh_db)
    done = retention.apply(fresh_db, catalogue, now=NOW + timedelta(days=5000))
    after = table_rows(fresh_db)
    assert (done.audit_deleted, done.erased) == (0, [])
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"
    }
    assert set(before["audit_log"]) < set(after["audit_log"])
    with fresh_db.connect() as conn:
        (line,) = audit_store.lines(conn, "retention")
    assert line["detail"]["audit_deleted"] == 0
    assert line["detail"]["accounts_erased"] == 0


def test_retention_deletes_and_erases_only_what_is_due(fresh_db, seeded, catalogue, monkeypatch):
    monkeypatch.setenv("RESURFACE_AUDIT_RETENTION_DAYS", "30")
    monkeypatch.setenv("RESURFACE_INACTIVE_RETENTION_DAYS", "90")
    boss = seeded["boss"]
    # ann earns the certification on day 12: still current on day 110, so she is kept.
    finish(fresh_db, seeded["ann"], catalogue, "certification-exam", at=NOW + timedelta(days=12))
    with clock_at(NOW + timedelta(days=10)):
        useradmin.set_active(fresh_db, boss, "bob", False)  # 100 days before: erased
    with clock_at(NOW + timedelta(days=14)):
        useradmin.set_active(fresh_db, boss, "ann", False)  # 96 days before, but certified: kept
    with clock_at(NOW + timedelta(days=95)):
        useradmin.set_active(fresh_db, boss, "cat", False)  # 15 days before: kept
    day_110 = NOW + timedelta(days=110)
    with fresh_db.connect() as conn:
        old = [
            line
            for line in audit_store.lines(conn)
            if line["at"] < day_110 - timedelta(days=30)
            and not (line["action"] == "user.deactivate" and line["target"] == "ann")
        ]

    before = table_rows(fresh_db)
    dry = retention.apply(fresh_db, catalogue, dry_run=True, now=day_110)
    assert table_rows(fresh_db) == before
    assert dry.erased == ["bob"]
    assert dry.kept_certified == ["ann"]

    done = retention.apply(fresh_db, catalogue, now=day_110)
    with fresh_db.connect() as conn:
        names = {r["id"]: r["username"] for r in user_store.listing(conn)}
        lines = audit_store.lines(conn)
    assert names[seeded["bob"].id] == done.erased[0]
    assert done.erased[0].startswith("erased-")
    assert names[seeded["ann"].id] == "ann"
    assert names[seeded["cat"].id] == "cat"
    assert done.kept_certified == ["ann"]
    # Every old line went (bob's deactivation too, once he was erased) but ann's deactivation,
    # which dates it for the next run; bob's erase line was written on day 110.
    assert done.audit_deleted == dry.audit_deleted == len(old)
    assert [(line["action"], line["target"]) for line in lines if line["at"] < day_110] == [
        ("user.deactivate", "ann"),
        ("user.deactivate", "cat"),
    ]
    assert [line["action"] for line in lines if line["at"] >= day_110] == [
        "person.erased",
        "retention",
    ]
    assert lines[-1]["detail"]["accounts_erased"] == 1
    assert lines[-1]["detail"]["audit_deleted"] == done.audit_deleted


def test_retention_refuses_a_setting_that_is_not_days(fresh_db, catalogue, monkeypatch):
    from app.config import SettingError

    monkeypatch.setenv("RESURFACE_AUDIT_RETENTION_DAYS", "a year")
    with pytest.raises(SettingError, match="RESURFACE_AUDIT_RETENTION_DAYS"):
        retention.apply(fresh_db, catalogue)


def test_frames_compare_equal_only_when_equal():
    # The statistics comparison above is by JSON text: it would notice a changed figure.
    assert pd.DataFrame({"a": [1.0]}).to_json(date_format="iso") != pd.DataFrame(
        {"a": [1.5]}
    ).to_json(date_format="iso")
