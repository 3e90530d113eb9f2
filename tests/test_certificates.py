"""Certificates: issued for every certifying pass (once), read back from their PDF, verified by
code as current, expiring, expired or revoked, revoked by managers only (audited), revoked by a
regrade that takes the pass away, and a revoked pass certifying no longer. On SQLite and
PostgreSQL."""

from __future__ import annotations

import io
import string
import subprocess
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import segno
from pypdf import PdfReader
from regrade_support import loaded, write_content

from app import (
    accounts,
    attempts,
    certificates,
    certification,
    config,
    dashboard,
    progress,
    regrade,
    useradmin,
)
from app.accounts import AccountInactive, Forbidden, NotFound
from app.bank import load
from app.certificate_pdf import qr_matrix
from app.certificates import CertificateNotFound, CertificateRevoked, InvalidRevocation
from app.store import audit as audit_store
from conftest import PW, finish, required

T0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
SUBMITTED = T0 + timedelta(minutes=5)  # ``finish`` submits five minutes after it starts
EXAM = "certification-exam"  # 80% to pass, certifies for 12 months
CERTIFICATION = "Laser resurfacing technician"


@pytest.fixture(scope="module")
def catalogue():
    return load([config.quizzes_dir()])


@pytest.fixture
def passed(fresh_db, people, catalogue) -> int:
    """ann's passing attempt at the exam (every question right)."""
    return finish(fresh_db, people["ann"], catalogue, EXAM, None, T0)


def mine(engine, people, name="ann", now=SUBMITTED + timedelta(days=1), who=None):
    return certificates.of_user(engine, people[who or name], people[name].id, now=now)


def audit_lines(engine, action):
    with engine.connect() as conn:
        return audit_store.lines(conn, action)


def text_of(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


# --- issuing ------------------------------------------------------------------------------------


def test_a_pass_issues_one_certificate_and_a_fail_or_practice_none(
    fresh_db, people, catalogue, passed
):
    finish(fresh_db, people["bob"], catalogue, EXAM, 0, T0)  # nothing right: a fail
    finish(fresh_db, people["cat"], catalogue, "practice-aftercare", None, T0)  # no certification
    [cert] = mine(fresh_db, people)
    assert (cert.attempt_id, cert.certification, cert.status) == (passed, CERTIFICATION, "current")
    assert (cert.passed_at, cert.valid_until) == (SUBMITTED, SUBMITTED.replace(year=2031))
    assert mine(fresh_db, people, "bob") == []
    assert mine(fresh_db, people, "cat") == []
    # Asking again issues nothing new: one certificate per pass.
    assert [c.code for c in mine(fresh_db, people)] == [cert.code]
    assert certificates.issue(fresh_db, SUBMITTED + timedelta(days=2)) == 0


def test_every_pass_has_its_own_long_random_code(fresh_db, people, catalogue, passed):
    second = finish(fresh_db, people["ann"], catalogue, EXAM, None, T0 + timedelta(days=3))
    finish(fresh_db, people["bob"], catalogue, EXAM, None, T0)
    certs = mine(fresh_db, people, now=T0 + timedelta(days=4))
    assert [c.attempt_id for c in certs] == [second, passed]  # newest pass first
    codes = [c.code for c in [*certs, *mine(fresh_db, people, "bob")]]
    assert len(set(codes)) == 3
    for code in codes:
        assert len(code) >= 22  # 128 bits in URL-safe base64 is 22 characters
        assert code.replace("-", "").replace("_", "").isalnum()


def test_a_code_never_starts_like_a_spreadsheet_formula_or_an_option():
    # One code in 32 would start with "-" if drawn plainly: in 2,000 every start is seen.
    starts = {certificates.new_code()[0] for _ in range(2000)}
    assert starts <= set(string.ascii_letters + string.digits)
    assert len(starts) > 50


# --- the PDF ------------------------------------------------------------------------------------


def test_the_pdf_says_who_what_when_until_the_clinic_and_the_code(
    fresh_db, people, catalogue, monkeypatch
):
    monkeypatch.setenv("RESURFACE_CLINIC_NAME", "Clinique Lumière")
    monkeypatch.setenv("RESURFACE_PUBLIC_URL", "https://training.example.org")
    olga = accounts.create_user(
        fresh_db, people["boss"], "olga", PW, "trainee", "north", "Ольга Ñúñez"
    )
    finish(fresh_db, olga, catalogue, EXAM, None, T0)
    [cert] = certificates.of_user(fresh_db, olga, olga.id, SUBMITTED)
    text = text_of(certificates.pdf(cert))
    for expected in (
        "Ольга Ñúñez",
        CERTIFICATION,
        "Passed 7 January 2030",
        "Valid until 7 January 2031",
        "Clinique Lumière",
        cert.code,
        f"https://training.example.org/verify/{cert.code}",
    ):
        assert expected in text, expected


def test_the_qr_code_holds_the_verification_address(fresh_db, people, passed):
    [cert] = mine(fresh_db, people)
    address = certificates.verification_address(cert.code, "https://t.example.org/")
    assert address == f"https://t.example.org/verify/{cert.code}"
    # What the PDF draws is the matrix of exactly this text, as segno encodes it on its own.
    expected = segno.make(address, error="m", micro=False)
    assert qr_matrix(address) == [
        [bool(m) for m in row] for row in expected.matrix_iter(scale=1, border=4)
    ]
    # Drawn as filled rectangles (vector): far more than the page's few frames.
    pdf = certificates.pdf(cert, "https://t.example.org")
    content = PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data().decode("latin-1")
    assert content.count(" re") > 100


PDFTOPPM, ZBARIMG = Path("/usr/bin/pdftoppm"), Path("/usr/bin/zbarimg")


def test_a_phone_reading_the_printed_qr_code_gets_the_verification_address(
    fresh_db, people, passed, tmp_path
):
    """The page as printed (rendered by poppler) and the code read by a real QR reader (zbar),
    not by the library that drew it."""
    for tool, package in ((PDFTOPPM, "poppler-utils"), (ZBARIMG, "zbar-tools")):
        if not tool.exists():
            required(f"no {tool}: install it with `apt-get install -y {package}`")
    [cert] = mine(fresh_db, people)
    (tmp_path / "certificate.pdf").write_bytes(certificates.pdf(cert, "https://t.example.org"))
    subprocess.run(
        [PDFTOPPM, "-png", "-r", "150", tmp_path / "certificate.pdf", tmp_path / "page"],
        check=True,
    )
    read = subprocess.run(
        [ZBARIMG, "--quiet", "--raw", tmp_path / "page-1.png"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert read.stdout.strip() == f"https://t.example.org/verify/{cert.code}"


def test_without_a_public_address_the_certificate_says_where_to_check(
    fresh_db, people, passed, monkeypatch
):
    monkeypatch.delenv("RESURFACE_PUBLIC_URL", raising=False)
    [cert] = mine(fresh_db, people)
    text = text_of(certificates.pdf(cert))
    assert f"/verify/{cert.code} on Resurface training's training site" in text


# --- verifying ----------------------------------------------------------------------------------


def test_verification_reads_current_expiring_expired_and_unknown(fresh_db, people, passed):
    [cert] = mine(fresh_db, people)
    until = SUBMITTED.replace(year=2031)

    def status(now):
        found = certificates.lookup(fresh_db, cert.code, now)
        assert found is not None
        return found.status

    assert status(until - timedelta(days=31)) == "current"
    assert status(until - timedelta(days=30)) == "expiring"
    assert status(until) == "expired"
    other = "y" if cert.code.endswith("x") else "x"  # one character off (1 in 64 end in x)
    assert certificates.lookup(fresh_db, cert.code[:-1] + other, until) is None
    assert certificates.lookup(fresh_db, "", until) is None
    assert certificates.lookup(fresh_db, "x" * 10_000, until) is None
    assert certificates.lookup(fresh_db, "\x00", until) is None  # PostgreSQL refuses NUL
    assert certificates.lookup(fresh_db, "' OR 1=1 --", until) is None


def test_the_page_is_rate_limited_per_address(fresh_db):
    now = T0
    allowed = [certificates.verify_allowed(fresh_db, "203.0.113.9", now) for _ in range(40)]
    assert allowed == [True] * certificates.VERIFY_LIMIT + [False] * (
        40 - certificates.VERIFY_LIMIT
    )
    assert certificates.verify_allowed(fresh_db, "198.51.100.4", now)  # another address
    later = now + certificates.VERIFY_WINDOW + timedelta(seconds=1)
    assert certificates.verify_allowed(fresh_db, "203.0.113.9", later)  # a new window


# --- revoking -----------------------------------------------------------------------------------


def test_a_manager_revokes_with_a_reason_audited_and_the_pass_no_longer_certifies(
    fresh_db, people, catalogue, passed
):
    [cert] = mine(fresh_db, people)
    at = SUBMITTED + timedelta(days=2)
    done = certificates.revoke(fresh_db, people["boss"], cert.code, "  Exam  taken by another ", at)
    assert (done.status, done.revoked_at, done.revoke_reason) == (
        "revoked",
        at,
        "Exam taken by another",
    )
    found = certificates.lookup(fresh_db, cert.code, at)
    assert found is not None
    assert found.status == "revoked"
    [line] = audit_lines(fresh_db, "certificate.revoke")
    assert (line["target"], line["detail"]["reason"]) == ("ann", "Exam taken by another")
    # Home and the record: the certification went with it (a moment before, it held).
    [before] = progress.certifications(fresh_db, people["boss"], people["ann"].id, catalogue, at)
    assert before.status == "never"
    [earlier] = progress.certifications(
        fresh_db, people["boss"], people["ann"].id, catalogue, at - timedelta(seconds=1)
    )
    assert earlier.status == "current"
    # ... and so in the trainee's record, the trainees list and the certification roster.
    record = dashboard.trainee_record(fresh_db, people["boss"], people["ann"].id, catalogue, at)
    assert [c.status for c in record.certifications] == ["never"]
    roster = certification.trainee_statuses(fresh_db, people["boss"], catalogue, now=at)
    assert roster[roster["username"] == "ann"]["status"].tolist() == ["never"]
    with pytest.raises(CertificateRevoked):
        certificates.pdf(done)
    with pytest.raises(InvalidRevocation, match="revoked already"):
        certificates.revoke(fresh_db, people["boss"], cert.code, "again", at)


def test_only_active_managers_revoke_and_a_reason_is_needed(fresh_db, people, passed):
    [cert] = mine(fresh_db, people)
    with pytest.raises(Forbidden, match="only managers revoke"):
        certificates.revoke(fresh_db, people["tina"], cert.code, "no")
    with pytest.raises(Forbidden):
        certificates.revoke(fresh_db, people["ann"], cert.code, "no")
    with pytest.raises(InvalidRevocation, match="give a reason"):
        certificates.revoke(fresh_db, people["boss"], cert.code, "   ")
    with pytest.raises(CertificateNotFound):
        certificates.revoke(fresh_db, people["boss"], "nosuchcode", "why")
    other = accounts.create_user(fresh_db, people["boss"], "max", PW, "manager")
    useradmin.set_active(fresh_db, people["boss"], "max", False)
    with pytest.raises(AccountInactive):
        certificates.revoke(fresh_db, other, cert.code, "why")
    found = certificates.lookup(fresh_db, cert.code)
    assert found is not None
    assert found.revoked_at is None


def test_who_downloads_whose_certificates(fresh_db, people, catalogue, passed):
    finish(fresh_db, people["cat"], catalogue, EXAM, None, T0)
    assert len(mine(fresh_db, people, "ann", who="tina")) == 1  # her trainer
    assert len(mine(fresh_db, people, "ann", who="boss")) == 1
    with pytest.raises(NotFound):
        mine(fresh_db, people, "ann", who="bob")  # another trainee
    with pytest.raises(NotFound):
        mine(fresh_db, people, "cat", who="tina")  # another cohort's trainee
    north = certificates.of_cohort(fresh_db, people["boss"], "north", SUBMITTED)
    assert [c.username for c in north] == ["ann"]
    with pytest.raises(Forbidden, match="for managers"):
        certificates.of_cohort(fresh_db, people["tina"], "north", SUBMITTED)


def test_a_cohort_zip_holds_the_certificates_that_hold_and_is_audited(
    fresh_db, people, catalogue, passed
):
    finish(fresh_db, people["bob"], catalogue, EXAM, None, T0)
    finish(fresh_db, people["cat"], catalogue, EXAM, None, T0)
    [bobs] = mine(fresh_db, people, "bob")
    certificates.revoke(fresh_db, people["boss"], bobs.code, "cheated", SUBMITTED + timedelta(1))
    data = certificates.cohort_zip(
        fresh_db, people["boss"], "north", "https://t.example.org", SUBMITTED + timedelta(2)
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert names == [f"certificate-ann-certification-exam-2030-01-07-{passed}.pdf"]
        assert "ann" in text_of(archive.read(names[0]))
    [line] = audit_lines(fresh_db, "certificate.bulk")
    assert (line["target"], line["detail"]) == ("north", {"certificates": 1})


def test_a_regrade_that_takes_the_pass_away_revokes_the_certificate(fresh_db, people, tmp_path):
    content = write_content(tmp_path / "quizzes")
    v1 = loaded(content)
    user = people["bob"]
    view = attempts.start_questions(
        fresh_db, user, v1.quizzes["exam"], [f"care-q-{n:02d}" for n in range(5)], v1, now=T0
    )
    for state, pick in zip(view.questions, [0, 0, 0, 0, 1], strict=True):  # 4 of 5: a pass
        attempts.save_answer(fresh_db, user, view.id, state.presented.position, pick, now=T0)
    attempts.submit(fresh_db, user, view.id, now=SUBMITTED)
    [cert] = mine(fresh_db, people, "bob")
    assert cert.status == "current"
    write_content(content, keys={0: 1})  # q00's key corrected: bob now has 3 of 5
    later = SUBMITTED + timedelta(days=10)
    regrade.apply(fresh_db, people["boss"], loaded(content), "exam", "care-q-00", "Key", now=later)
    found = certificates.lookup(fresh_db, cert.code, later)
    assert found is not None
    assert found.status == "revoked"
    earlier = certificates.lookup(fresh_db, cert.code, later - timedelta(seconds=1))
    assert earlier is not None
    assert earlier.status == "current"


# --- the command line ---------------------------------------------------------------------------


def test_the_command_line_lists_and_revokes(fresh_db, db_url, people, passed, monkeypatch, capsys):
    from app.cli import main

    monkeypatch.setenv("RESURFACE_DATABASE_URL", db_url)
    assert main(["certificates", "list", "--user", "ann"]) == 0
    [cert] = certificates.of_username(fresh_db, "ann")
    listed = capsys.readouterr().out
    assert cert.code in listed
    assert "Current" in listed
    assert main(["certificates", "revoke", cert.code, "--reason", "Lost the paper"]) == 0
    assert "revoked Laser resurfacing technician of ann" in capsys.readouterr().out
    assert main(["certificates", "revoke", cert.code, "--reason", "again"]) == 1
    assert "revoked already (Lost the paper)" in capsys.readouterr().err
    assert main(["certificates", "list", "--cohort", "north"]) == 0
    assert "Revoked" in capsys.readouterr().out
