"""The Users and My account pages, and the forced password change at sign-in, through AppTest."""

from __future__ import annotations

import io
from datetime import timedelta

import pandas as pd
import pytest
from ui_helpers import fill_sign_in, new_session, open_page, sign_in, submit_form, titles, values

from app import accounts, clock, useradmin
from app.accounts import AccountInactive
from app.ui import keys
from conftest import PW, clock_at

NEW_PW = "my very own password"


def users_page(name: str):
    return open_page(sign_in(name), "users")


def table(at) -> pd.DataFrame:
    [found] = [d for d in at.dataframe if d.key == keys.USERS_TABLE]
    return found.value


def pick(at, username: str):
    at.selectbox(key=keys.USERS_PICK).set_value(username).run()
    assert not at.exception
    return at


def temporary_password(at) -> str:
    [code] = at.code
    return code.value


def test_manager_lists_and_filters_every_account(ui):
    at = users_page("boss")
    assert titles(at) == ["Users"]
    assert sorted(table(at)["Username"]) == ["ann", "bob", "boss", "cat", "tina", "tom"]
    at.selectbox(key=keys.USERS_ROLE).set_value("trainee").run()
    at.selectbox(key=keys.USERS_COHORT).set_value("north").run()
    assert list(table(at)["Username"]) == ["ann", "bob"]
    at.text_input(key=keys.USERS_SEARCH).input("BO").run()
    assert list(table(at)["Username"]) == ["bob"]
    at.text_input(key=keys.USERS_SEARCH).input("nobody").run()
    assert values(at.info) == ["No accounts match these filters."]


def test_manager_edits_role_and_cohort_and_the_message_says_what_changed(ui, fresh_db):
    ann = ui["ann"]
    at = pick(users_page("boss"), "ann")
    at.text_input(key=keys.users_edit(ann.id, "name")).input("Ann Lee")
    at.selectbox(key=keys.users_edit(ann.id, "role")).set_value("trainer")
    at.selectbox(key=keys.users_edit(ann.id, "cohort")).set_value("south")
    submit_form(at, keys.users_edit_form(ann.id))
    assert not at.exception
    assert values(at.success) == [
        "Saved Ann Lee (ann): display name ann → Ann Lee; role trainee → trainer; cohort north → south."
    ]
    user = accounts.get_user(fresh_db, ui["boss"], "ann")
    assert (user.display_name, user.role, user.cohort) == ("Ann Lee", "trainer", "south")
    row = table(at).set_index("Username").loc["ann"]
    assert (row["Role"], row["Cohort"]) == ("trainer", "south")


def test_manager_cannot_change_their_own_role_or_deactivate_themselves(ui):
    boss = ui["boss"]
    at = pick(users_page("boss"), "boss")
    assert at.selectbox(key=keys.users_edit(boss.id, "role")).disabled
    assert not at.text_input(key=keys.users_edit(boss.id, "name")).disabled
    assert not [b for b in at.button if b.key == keys.USERS_TOGGLE]
    assert not [r for r in at.radio if r.key == keys.USERS_RESET_MODE], "no password reset"


def test_reset_shows_the_temporary_password_once_and_it_must_be_changed(ui, fresh_db):
    at = pick(users_page("boss"), "ann")
    submit_form(at, keys.USERS_RESET_FORM)
    assert values(at.success) == ["Password reset for ann (ann); they were signed out everywhere."]
    password = temporary_password(at)
    at.text_input(key=keys.USERS_SEARCH).input("a").run()
    assert not at.code, "shown once only"

    # ann signs in with it: nothing opens until she has chosen her own password.
    mine = fill_sign_in(new_session(), "ann", password)
    assert not at.exception
    assert titles(mine) == ["Choose a new password"]
    assert not [b for b in mine.button if b.key == keys.SIGN_OUT], "no pages, no menu"
    open_page(mine, "history")
    assert titles(mine) == ["Choose a new password"]

    mine.text_input(key=keys.PASSWORD_CURRENT).input("not the one")
    mine.text_input(key=keys.PASSWORD_NEW).input(NEW_PW)
    mine.text_input(key=keys.PASSWORD_REPEAT).input(NEW_PW)
    submit_form(mine, keys.PASSWORD_FORCED_FORM)
    assert values(mine.error) == ["The current password is wrong."]

    mine.text_input(key=keys.PASSWORD_CURRENT).input(password)
    mine.text_input(key=keys.PASSWORD_NEW).input(NEW_PW)
    mine.text_input(key=keys.PASSWORD_REPEAT).input(NEW_PW + "!")
    submit_form(mine, keys.PASSWORD_FORCED_FORM)
    assert values(mine.error) == ["The two new passwords differ: type them again."]

    mine.text_input(key=keys.PASSWORD_CURRENT).input(password)
    mine.text_input(key=keys.PASSWORD_NEW).input(NEW_PW)
    mine.text_input(key=keys.PASSWORD_REPEAT).input(NEW_PW)
    submit_form(mine, keys.PASSWORD_FORCED_FORM)
    assert not mine.exception
    assert titles(mine) == ["Welcome, ann"]
    assert values(mine.success) == [
        "Your password was changed. Any other browser signed in as you has been signed out."
    ]
    assert not accounts.authenticate(fresh_db, "ann", NEW_PW).must_change_password


def test_forced_change_survives_a_new_tab_and_sign_out_leaves(ui, fresh_db):
    useradmin.reset_password(fresh_db, ui["boss"], "bob", "given by boss")
    at = fill_sign_in(new_session(), "bob", "given by boss")
    assert titles(at) == ["Choose a new password"]
    at.button(key=keys.FORCED_SIGN_OUT).click().run()
    assert titles(at) == ["Resurface"]
    assert at.text_input(key=keys.SIGNIN_USERNAME)


def test_deactivate_and_reactivate_ask_for_confirmation(ui, fresh_db):
    at = pick(users_page("boss"), "bob")
    at.button(key=keys.USERS_TOGGLE).click().run()
    assert values(at.warning)[0].startswith("Deactivate bob (bob)? They are signed out")
    at.button(key=keys.USERS_CONFIRM_NO).click().run()
    assert accounts.get_user(fresh_db, ui["boss"], "bob").active

    at.button(key=keys.USERS_TOGGLE).click().run()
    at.button(key=keys.USERS_CONFIRM_YES).click().run()
    assert values(at.success) == [
        "Deactivated bob (bob): they can no longer sign in; their history is kept."
    ]
    with pytest.raises(AccountInactive):
        accounts.authenticate(fresh_db, "bob", PW)
    assert table(at).set_index("Username").loc["bob", "Status"] == "deactivated"

    at.button(key=keys.USERS_TOGGLE).click().run()
    assert values(at.warning)[0].startswith("Reactivate bob (bob)?")
    at.button(key=keys.USERS_CONFIRM_YES).click().run()
    assert values(at.success) == ["Reactivated bob (bob): they can sign in again."]
    assert accounts.authenticate(fresh_db, "bob", PW).active


def test_trainer_sees_and_manages_only_their_cohorts_trainees(ui, fresh_db):
    ann = ui["ann"]
    at = users_page("tina")
    assert titles(at) == ["Users"]
    assert sorted(table(at)["Username"]) == ["ann", "bob"]
    assert not [s for s in at.selectbox if s.key in (keys.USERS_ROLE, keys.USERS_COHORT)]
    pick(at, "ann")
    assert at.selectbox(key=keys.users_edit(ann.id, "role")).disabled
    assert at.selectbox(key=keys.users_edit(ann.id, "cohort")).disabled
    at.text_input(key=keys.users_edit(ann.id, "name")).input("Ann L")
    submit_form(at, keys.users_edit_form(ann.id))
    assert values(at.success) == ["Saved Ann L (ann): display name ann → Ann L."]

    at.radio(key=keys.USERS_RESET_MODE).set_value("Type one")
    at.text_input(key=keys.USERS_RESET_TYPED).input("typed by tina")
    submit_form(at, keys.USERS_RESET_FORM)
    assert temporary_password(at) == "typed by tina"
    assert accounts.authenticate(fresh_db, "ann", "typed by tina").must_change_password


def test_trainer_creates_a_trainee_in_their_cohort_only(ui, fresh_db):
    at = users_page("tina")
    assert at.selectbox(key=keys.USERS_NEW_ROLE).disabled
    assert at.selectbox(key=keys.USERS_NEW_COHORT).value == "north"
    at.text_input(key=keys.USERS_NEW_USERNAME).input("dan")
    at.text_input(key=keys.USERS_NEW_NAME).input("Dan Dee")
    submit_form(at, keys.USERS_NEW_FORM)
    assert values(at.success) == ["Created trainee Dan Dee (dan) in cohort north."]
    dan = accounts.authenticate(fresh_db, "dan", temporary_password(at))
    assert (dan.role, dan.cohort, dan.must_change_password) == ("trainee", "north", True)


def test_new_user_errors_say_what_is_wrong(ui):
    at = users_page("boss")
    at.text_input(key=keys.USERS_NEW_USERNAME).input("ANN")
    at.selectbox(key=keys.USERS_NEW_COHORT).set_value("north")
    submit_form(at, keys.USERS_NEW_FORM)
    assert values(at.error) == ["No user created: Username 'ANN' is already taken."]
    at.text_input(key=keys.USERS_NEW_USERNAME).input("eve")
    submit_form(at, keys.USERS_NEW_FORM)
    assert values(at.error) == [
        "No user created: A trainee needs a cohort (the clinic or site they belong to)."
    ]


def test_trainee_is_refused(ui):
    at = users_page("ann")
    assert "Users" not in titles(at)
    assert not at.dataframe


BAD = "username;display_name;cohort\r\ndan;Dan Dee;north\r\nANN;Ann Again;north\r\neve;;south\r\n"
GOOD = "username;display_name;cohort\r\ndan;Dan Dee;north\r\neve;Eve;north\r\n"


def upload(at, text: str, name: str = "trainees.csv"):
    generation = (
        at.session_state[keys.USERS_UPLOADS] if keys.USERS_UPLOADS in at.session_state else 0  # noqa: SIM401
    )
    at.file_uploader(key=keys.users_upload(generation)).set_value(
        (name, text.encode("utf-8-sig"), "text/csv")
    )
    at.run()
    assert not at.exception
    return at


def test_import_preview_with_problems_then_a_valid_import(ui, fresh_db):
    at = upload(users_page("tina"), BAD, "bad.csv")
    [preview] = [d.value for d in at.dataframe if "Problems" in d.value.columns]
    assert list(preview["Row"]) == [2, 3, 4]
    assert list(preview["Problems"]) == [
        "",
        "username: already taken",
        "display_name: missing; cohort: you may add trainees to your own cohort 'north' only",
    ]
    [error] = values(at.error)
    assert error.splitlines()[-3:] == [
        "- row 3: username: already taken",
        "- row 4: display_name: missing",
        "- row 4: cohort: you may add trainees to your own cohort 'north' only",
    ]
    assert not [b for b in at.button if b.key == keys.USERS_IMPORT], "no import with problems"

    upload(at, GOOD, "good.csv")
    assert values(at.success) == ["All 2 rows of good.csv are ready to import."]
    at.button(key=keys.USERS_IMPORT).click().run()
    assert not at.exception
    assert values(at.success)[0] == "Imported 2 trainees from good.csv into north."
    assert at.download_button(key=keys.USERS_PASSWORDS)
    _, data = at.session_state[keys.USERS_IMPORTED]
    sheet = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    assert list(sheet["username"]) == ["dan", "eve"]
    eve = accounts.authenticate(fresh_db, "eve", sheet.loc[1, "temporary_password"])
    assert (eve.cohort, eve.must_change_password) == ("north", True)

    at.button(key=keys.USERS_IMPORT_DONE).click().run()
    assert keys.USERS_IMPORTED not in at.session_state
    assert at.file_uploader(key=keys.users_upload(1)).value is None, "a fresh uploader"


def test_my_account_changes_the_password(ui, fresh_db):
    at = open_page(sign_in("ann"), "account")
    assert titles(at) == ["My account"]
    at.text_input(key=keys.PASSWORD_CURRENT).input("wrong password")
    at.text_input(key=keys.PASSWORD_NEW).input(NEW_PW)
    at.text_input(key=keys.PASSWORD_REPEAT).input(NEW_PW)
    submit_form(at, keys.PASSWORD_FORM)
    assert values(at.error) == ["The current password is wrong."]
    at.text_input(key=keys.PASSWORD_CURRENT).input(PW)
    at.text_input(key=keys.PASSWORD_NEW).input(NEW_PW)
    at.text_input(key=keys.PASSWORD_REPEAT).input(NEW_PW)
    submit_form(at, keys.PASSWORD_FORM)
    assert not at.exception
    assert titles(at) == ["My account"], "still signed in, in a fresh session"
    assert values(at.success)[0].startswith("Your password was changed.")
    assert accounts.authenticate(fresh_db, "ann", NEW_PW).username == "ann"


def test_guessing_the_current_password_on_my_account_signs_out_everywhere(ui, fresh_db):
    at = open_page(sign_in("ann"), "account")
    for attempt in range(1, accounts.MAX_FAILED + 1):
        at.text_input(key=keys.PASSWORD_CURRENT).input(f"guess number {attempt}")
        at.text_input(key=keys.PASSWORD_NEW).input(NEW_PW)
        at.text_input(key=keys.PASSWORD_REPEAT).input(NEW_PW)
        submit_form(at, keys.PASSWORD_FORM)
        assert not at.exception
        if attempt < accounts.MAX_FAILED:
            assert values(at.error) == ["The current password is wrong."]
    assert titles(at) == ["Resurface"], "signed out, on the sign-in page"
    assert values(at.error) == [
        f"{accounts.MAX_FAILED} wrong current passwords in a row: you have been signed out "
        "everywhere; sign in again."
    ]
    assert accounts.authenticate(fresh_db, "ann", PW).username == "ann", "not locked"


def test_a_delayed_sign_in_shows_on_the_users_page_and_a_manager_clears_it(ui, fresh_db):
    # Wrong passwords a few minutes apart, so each counts: the twelfth in a row holds bob back
    # for minutes (2 ** 7 s), longer than the page takes to draw on a busy machine (the fifth
    # alone holds him back for one second, which a loaded machine outlasted).
    start = clock.now()
    for n in range(12):
        with (
            clock_at(start + timedelta(minutes=5 * n)),
            pytest.raises((accounts.LoginFailed, accounts.SignInDelayed)),
        ):
            accounts.authenticate(fresh_db, "bob", "wrong password!", client="203.0.113.7")
    with clock_at(start + timedelta(minutes=5 * 11, seconds=1)):
        at = users_page("boss")
        assert table(at).set_index("Username").loc["bob", "Status"] == "sign-in delayed"
        pick(at, "bob")
        [warning] = [w for w in values(at.warning) if w.startswith("Sign-in delayed until ")]
        assert "too many wrong passwords for bob from some computer" in warning
        at.button(key=keys.USERS_CLEAR_DELAY).click().run()
        assert values(at.success) == ["bob (bob) can try to sign in again at once, from anywhere."]
        assert table(at).set_index("Username").loc["bob", "Status"] == "active"
        assert accounts.authenticate(fresh_db, "bob", PW, client="203.0.113.7").username == "bob"
