"""Files waiting in the database for their download (app.prepared): exports and personal-data
zips. Each is handed out only to the session of the user who prepared it, and only while the rule
that let them prepare it still holds, asked again at the download of the same person."""

from __future__ import annotations

import io

import pytest
from ui_helpers import shipped_catalogue

from app import accounts, erasure, prepared, useradmin, websession
from app.accounts import Forbidden, User
from app.bank import Catalogue
from app.permissions import Action
from conftest import PW


def signed_in(engine, user: User) -> tuple[User, str]:
    """The user as a page holds them after signing in, and their session's token."""
    token = websession.begin(engine, user)
    acting = websession.user_for(engine, token)
    assert acting is not None
    return acting, token


def zip_of(engine, actor: User, subject: User, data: bytes = b"PK zip") -> str:
    return prepared.keep(
        engine,
        actor,
        io.BytesIO(data),
        f"personal-data-{subject.username}.zip",
        "application/zip",
        action=Action.EXPORT_PERSONAL_DATA,
        subject=subject,
    )


def fetched(engine, session: str, link: str) -> bytes:
    found = prepared.for_download(engine, session, link)
    return b"".join(prepared.chunks(engine, found.id))


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return shipped_catalogue()


def test_a_trainee_keeps_her_own_data_and_only_she_downloads_it(fresh_db, people):
    ann, session = signed_in(fresh_db, people["ann"])
    link = zip_of(fresh_db, ann, ann, b"ann's zip")
    # Not an export (trainees export nothing): the rule asked again is her own data's.
    assert fetched(fresh_db, session, link) == b"ann's zip"
    found = prepared.find(fresh_db, link)
    assert found is not None
    assert (found.action, found.subject_id) == (Action.EXPORT_PERSONAL_DATA, ann.id)
    _bob, bobs = signed_in(fresh_db, people["bob"])
    with pytest.raises(prepared.NotAvailable):
        prepared.for_download(fresh_db, bobs, link)
    _boss, boss_session = signed_in(fresh_db, people["boss"])
    with pytest.raises(prepared.NotAvailable):  # a manager may export it, but did not prepare it
        prepared.for_download(fresh_db, boss_session, link)


def test_nobody_keeps_anothers_data_without_the_right(fresh_db, people):
    ann, _ = signed_in(fresh_db, people["ann"])
    tina, _ = signed_in(fresh_db, people["tina"])
    with pytest.raises(Forbidden):
        zip_of(fresh_db, ann, people["bob"])
    with pytest.raises(Forbidden):  # a trainer sees bob's record, but exports only her own
        zip_of(fresh_db, tina, people["bob"])
    with pytest.raises(Forbidden):  # the other kind: a trainee exports nothing
        prepared.keep(fresh_db, ann, io.BytesIO(b"x"), "a.csv", "text/csv")
    with pytest.raises(ValueError, match=r"certificate\.bulk"):  # not kept here (yet)
        prepared.keep(
            fresh_db, ann, io.BytesIO(b"x"), "a", "text/plain", action=Action.DOWNLOAD_CERTIFICATES
        )


def test_a_manager_demoted_after_preparing_anothers_data_gets_nothing(fresh_db, people):
    meg = accounts.create_user(fresh_db, people["boss"], "meg", PW, "manager")
    meg, session = signed_in(fresh_db, meg)
    link = zip_of(fresh_db, meg, people["ann"], b"ann's zip")
    own = zip_of(fresh_db, meg, meg, b"meg's zip")
    assert fetched(fresh_db, session, link) == b"ann's zip"
    useradmin.edit_user(fresh_db, people["boss"], "meg", role="trainer", cohort="north")
    with pytest.raises(Forbidden):
        prepared.for_download(fresh_db, session, link)
    # Her own data she may still have; the file she kept last replaced nothing.
    assert fetched(fresh_db, session, own) == b"meg's zip"


def test_erasing_the_person_removes_the_files_about_them(fresh_db, people, catalogue):
    boss, session = signed_in(fresh_db, people["boss"])
    link = zip_of(fresh_db, boss, people["cat"])
    other = zip_of(fresh_db, boss, people["bob"])
    erasure.erase(fresh_db, None, "cat", "asked to be forgotten", catalogue)
    with pytest.raises(prepared.NotAvailable):
        prepared.for_download(fresh_db, session, link)
    assert prepared.find(fresh_db, link) is None
    assert prepared.find(fresh_db, other) is not None, "only the files about her"


def test_a_new_file_replaces_the_earlier_one(fresh_db, people):
    ann, session = signed_in(fresh_db, people["ann"])
    first = zip_of(fresh_db, ann, ann, b"first")
    second = prepared.keep(
        fresh_db,
        ann,
        io.BytesIO(b"second"),
        "personal-data-ann.zip",
        "application/zip",
        action=Action.EXPORT_PERSONAL_DATA,
        subject=ann,
        replacing=first,
    )
    with pytest.raises(prepared.NotAvailable):
        prepared.for_download(fresh_db, session, first)
    assert fetched(fresh_db, session, second) == b"second"
