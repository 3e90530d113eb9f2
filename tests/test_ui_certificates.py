"""The certificate pages in Streamlit's AppTest: a trainee's download on Home, the trainer's and
manager's on the record, a manager's revocation there, and the cohort zip on Certification."""

from __future__ import annotations

from datetime import timedelta

import pytest
from ui_helpers import open_page, shipped_catalogue, sign_in, values

from app import certificates, clock
from app.bank import Catalogue
from app.ui import keys
from conftest import finish

EXAM = "certification-exam"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return shipped_catalogue()


@pytest.fixture
def passed(ui, fresh_db, catalogue) -> int:
    """ann's passing exam attempt, submitted an hour ago."""
    return finish(fresh_db, ui["ann"], catalogue, EXAM, None, clock.now() - timedelta(hours=1))


def download_keys(at) -> set[str]:
    """The ids of the download buttons on the page (AppTest knows them by their proto id)."""
    found = set()
    for node in at:
        proto = getattr(node, "proto", None)
        if node.type == "download_button" and proto is not None:
            found.add(proto.id)
    return found


def has_download(at, key: str) -> bool:
    return any(key in found for found in download_keys(at))


def test_a_trainee_downloads_their_certificate_from_home(ui, passed):
    at = open_page(sign_in("ann"), "home")
    assert not at.exception
    assert "#### Your certificates" in values(at.markdown)
    assert has_download(at, keys.certificate_download(passed))


def test_a_trainee_without_a_pass_has_no_certificates(ui, passed):
    at = open_page(sign_in("bob"), "home")
    assert not at.exception
    assert "#### Your certificates" not in values(at.markdown)
    assert not has_download(at, keys.certificate_download(passed))


def test_the_trainer_downloads_from_the_record_and_only_a_manager_revokes(ui, fresh_db, passed):
    at = open_page(sign_in("tina"), "trainee", user=ui["ann"].id)
    assert not at.exception
    assert has_download(at, keys.certificate_download(passed))
    assert keys.CERTIFICATE_REVOKE not in [b.key for b in at.button]

    at = open_page(sign_in("boss"), "trainee", user=ui["ann"].id)
    assert has_download(at, keys.certificate_download(passed))
    at.text_input(key=keys.CERTIFICATE_REVOKE_REASON).input("Taken by someone else")
    at.button(key=keys.CERTIFICATE_REVOKE).click().run()
    assert not at.exception
    [cert] = certificates.of_user(fresh_db, None, ui["ann"].id)
    assert (cert.status, cert.revoke_reason) == ("revoked", "Taken by someone else")
    assert not has_download(at, keys.certificate_download(passed))
    assert any("Revoked" in m and "Taken by someone else" in m for m in values(at.markdown))


def test_a_revocation_without_a_reason_is_refused(ui, fresh_db, passed):
    at = open_page(sign_in("boss"), "trainee", user=ui["ann"].id)
    at.button(key=keys.CERTIFICATE_REVOKE).click().run()
    assert any("give a reason" in e for e in values(at.error))
    [cert] = certificates.of_user(fresh_db, None, ui["ann"].id)
    assert cert.status == "current"


def test_the_cohort_zip_is_for_managers(ui, passed):
    assert has_download(open_page(sign_in("boss"), "certification"), keys.CERTIFICATE_ZIP)
    assert not has_download(open_page(sign_in("tina"), "certification"), keys.CERTIFICATE_ZIP)
