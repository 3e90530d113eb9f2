"""The "Export personal data" button (a manager on a trainee's record and the Users page, anyone
on My account for their own data) and a manager's "Erase this person" form; neither for a
trainer, nor for an account deactivated meanwhile."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from ui_helpers import open_page, shipped_catalogue, sign_in, submit_form, values, widget_keys

from app import accounts, prepared, useradmin
from app.bank import Catalogue
from app.store import audit as audit_store
from app.store import users as user_store
from app.ui import keys
from conftest import PW, finish


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return shipped_catalogue()


@pytest.fixture
def done(ui, fresh_db, catalogue) -> int:
    """ann has one attempt at the quick check."""
    return finish(fresh_db, ui["ann"], catalogue, "quick-check", 4)


def exports_of(engine) -> list[tuple[int | None, str]]:
    with engine.connect() as conn:
        return [(r["actor_id"], r["target"]) for r in audit_store.lines(conn, "person.export")]


def links(at) -> list[str]:
    """Where the page's download links lead."""
    return [e.proto.url for e in at.get("link_button")]


def held(at, engine) -> dict:
    """person.json of the zip behind the page's download link (kept in the database, so that
    any server hands it out)."""
    (link,) = links(at)
    found = prepared.find(engine, link.removeprefix("/download/"))
    assert found is not None
    assert found.name.startswith("personal-data-")
    with zipfile.ZipFile(io.BytesIO(b"".join(prepared.chunks(engine, found.id)))) as z:
        return json.loads(z.read("person.json"))


def test_a_manager_exports_a_trainees_data_from_their_record(ui, fresh_db, done):
    at = open_page(sign_in("boss"), "trainee", user=ui["ann"].id)
    assert not links(at)
    at.button(key=keys.PERSON_EXPORT_PREPARE).click().run()
    assert not at.error
    data = held(at, fresh_db)
    assert data["account"]["username"] == "ann"
    assert [a["attempt_id"] for a in data["attempts"]] == [done]
    assert exports_of(fresh_db) == [(ui["boss"].id, "ann")]


def test_a_trainer_is_not_offered_the_button(ui, fresh_db, done):
    at = open_page(sign_in("tina"), "trainee", user=ui["ann"].id)
    assert at.title[0].value == ui["ann"].display_name  # the record itself is shown
    assert keys.PERSON_EXPORT_PREPARE not in widget_keys(at)


def test_a_manager_deactivated_meanwhile_gets_nothing(ui, fresh_db, done):
    accounts.create_user(fresh_db, ui["boss"], "max", PW, "manager")
    at = open_page(sign_in("max"), "trainee", user=ui["ann"].id)
    button = at.button(key=keys.PERSON_EXPORT_PREPARE)
    useradmin.set_active(fresh_db, ui["boss"], "max", False)
    button.click().run()
    assert not links(at)
    assert keys.PERSON_EXPORT_READY not in at.session_state
    assert exports_of(fresh_db) == []


def test_anyone_exports_their_own_data_from_my_account(ui, fresh_db, done):
    at = open_page(sign_in("ann"), "account")
    at.button(key=keys.PERSON_EXPORT_PREPARE).click().run()
    assert held(at, fresh_db)["account"]["username"] == "ann"
    assert exports_of(fresh_db) == [(ui["ann"].id, "ann")]


def test_a_manager_exports_a_trainers_data_from_the_users_page(ui, fresh_db):
    at = open_page(sign_in("boss"), "users")
    at.selectbox(key=keys.USERS_PICK).set_value("tom").run()
    at.button(key=keys.PERSON_EXPORT_PREPARE).click().run()
    account = held(at, fresh_db)["account"]
    assert account == {**account, "username": "tom", "role": "trainer"}
    assert exports_of(fresh_db) == [(ui["boss"].id, "tom")]


def erase_on_record(at, reason: str, typed: str):
    at.text_input(key=keys.PERSON_ERASE_REASON).input(reason)
    at.text_input(key=keys.PERSON_ERASE_CONFIRM).input(typed)
    return submit_form(at, keys.PERSON_ERASE_FORM)


def erased_lines(engine) -> list[dict]:
    with engine.connect() as conn:
        return audit_store.lines(conn, "person.erased")


def test_a_manager_erases_a_trainee_after_typing_the_username(ui, fresh_db, done):
    at = open_page(sign_in("boss"), "trainee", user=ui["bob"].id)
    erase_on_record(at, "left the clinic", "ann")  # the wrong name
    assert "Type the username bob exactly" in values(at.error)[0]
    assert erased_lines(fresh_db) == []
    erase_on_record(at, "left the clinic", "bob")
    (line,) = erased_lines(fresh_db)
    assert line["actor_id"] == ui["boss"].id
    assert line["detail"] == {"reason": "left the clinic"}
    assert at.title[0].value == f"Erased person {line['target'].removeprefix('erased-')}"
    with fresh_db.connect() as conn:
        assert user_store.by_id(conn, ui["bob"].id)["username"] == line["target"]


def test_a_certified_trainee_is_not_erased_from_the_page(ui, fresh_db, catalogue):
    finish(fresh_db, ui["ann"], catalogue, "certification-exam")
    at = open_page(sign_in("boss"), "trainee", user=ui["ann"].id)
    erase_on_record(at, "left the clinic", "ann")
    assert "--force" in values(at.error)[0]
    assert erased_lines(fresh_db) == []


def test_only_managers_are_offered_the_erase_form(ui, fresh_db, done):
    at = open_page(sign_in("tina"), "trainee", user=ui["ann"].id)
    assert keys.PERSON_ERASE_CONFIRM not in widget_keys(at)


def test_a_manager_deactivated_meanwhile_erases_nobody(ui, fresh_db, done):
    accounts.create_user(fresh_db, ui["boss"], "max", PW, "manager")
    at = open_page(sign_in("max"), "trainee", user=ui["ann"].id)
    useradmin.set_active(fresh_db, ui["boss"], "max", False)
    erase_on_record(at, "left the clinic", "ann")
    assert erased_lines(fresh_db) == []
    with fresh_db.connect() as conn:
        assert user_store.by_id(conn, ui["ann"].id)["username"] == "ann"
