"""Managing accounts: edit within one's rights, temporary passwords, the last manager, the audit."""

from __future__ import annotations

import pytest

from app import accounts, clock, useradmin, websession
from app.accounts import (
    Forbidden,
    InvalidUser,
    LoginFailed,
    NotFound,
    SignedOutEverywhere,
    SignInDelayed,
    WeakPassword,
)
from app.store import audit as audit_store
from app.useradmin import LastManager, Rights, SamePassword, WrongPassword, rights
from conftest import PW


def audit(engine, action):
    with engine.connect() as conn:
        return audit_store.lines(conn, action)


def test_manager_edits_name_role_and_cohort_with_before_and_after_in_the_audit(people, fresh_db):
    edited = useradmin.edit_user(
        fresh_db, people["boss"], "ann", display_name="Ann Lee", role="trainer", cohort="south"
    )
    assert (edited.user.display_name, edited.user.role, edited.user.cohort) == (
        "Ann Lee",
        "trainer",
        "south",
    )
    assert (
        edited.describe()
        == "display name ann → Ann Lee; role trainee → trainer; cohort north → south"
    )
    assert accounts.authenticate(fresh_db, "ann", PW) == edited.user
    [line] = audit(fresh_db, "user.edit")
    assert (line["actor_id"], line["target"]) == (people["boss"].id, "ann")
    assert line["detail"] == {
        "display_name": ["ann", "Ann Lee"],
        "role": ["trainee", "trainer"],
        "cohort": ["north", "south"],
    }


def test_an_edit_that_changes_nothing_writes_nothing(people, fresh_db):
    edited = useradmin.edit_user(
        fresh_db, people["boss"], "ann", display_name=" ann ", cohort="north"
    )
    assert edited.changes == {}
    assert edited.describe() == "nothing changed"
    assert audit(fresh_db, "user.edit") == []


def test_trainer_renames_their_trainee_but_may_not_promote_or_move_them(people, fresh_db):
    tina = people["tina"]
    assert (
        useradmin.edit_user(fresh_db, tina, "ann", display_name="Ann L").user.display_name
        == "Ann L"
    )
    with pytest.raises(Forbidden, match="trainers cannot change anyone's role; ask a manager"):
        useradmin.edit_user(fresh_db, tina, "ann", role="trainer")
    with pytest.raises(
        Forbidden, match="trainers cannot move trainees out of their cohort 'north'; ask a manager"
    ):
        useradmin.edit_user(fresh_db, tina, "ann", cohort="south")
    with pytest.raises(NotFound, match="no user 'cat'"):  # a south trainee: not hers to see
        useradmin.edit_user(fresh_db, tina, "cat", display_name="Cat")
    with pytest.raises(NotFound):
        useradmin.edit_user(fresh_db, tina, "tom", display_name="Tom")
    with pytest.raises(NotFound):
        useradmin.edit_user(fresh_db, people["ann"], "bob", display_name="Bob")


def test_nobody_changes_their_own_role(people, fresh_db):
    with pytest.raises(Forbidden, match="you cannot change your own role; ask another manager"):
        useradmin.edit_user(fresh_db, people["boss"], "boss", role="trainee")
    with pytest.raises(Forbidden, match="you cannot change your own cohort; ask a manager"):
        useradmin.edit_user(fresh_db, people["tina"], "tina", cohort="south")
    assert useradmin.edit_user(fresh_db, people["tina"], "tina", display_name="Tina T").changes


def test_the_last_active_manager_cannot_be_demoted_or_deactivated(people, fresh_db):
    boss = people["boss"]
    with pytest.raises(LastManager, match="only active manager"):
        useradmin.edit_user(fresh_db, None, "boss", role="trainer", cohort="north")
    with pytest.raises(LastManager):
        useradmin.set_active(fresh_db, None, "boss", False)
    useradmin.edit_user(fresh_db, boss, "tom", role="manager")
    # With a second manager, either may step the other down, but not themselves.
    useradmin.edit_user(fresh_db, boss, "tom", role="trainer", cohort="south")
    tom = useradmin.edit_user(fresh_db, boss, "tom", role="manager").user
    useradmin.set_active(fresh_db, tom, "boss", False)
    with pytest.raises(LastManager):
        useradmin.edit_user(fresh_db, None, "tom", role="trainee", cohort="south")


def test_nobody_deactivates_themselves(people, fresh_db):
    useradmin.edit_user(fresh_db, people["boss"], "tom", role="manager")
    with pytest.raises(Forbidden, match="your own account"):
        useradmin.set_active(fresh_db, people["boss"], "boss", False)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"display_name": "  "}, "display name must be 1 to 200 characters"),
        ({"role": "admin"}, "role must be one of trainee, trainer, manager"),
        ({"cohort": ""}, "a trainee needs a cohort"),
        ({"cohort": "x" * 101}, "cohort must be at most 100 characters"),
    ],
)
def test_invalid_edits_are_refused_with_a_reason(people, fresh_db, changes, message):
    with pytest.raises(InvalidUser, match=message):
        useradmin.edit_user(fresh_db, people["boss"], "ann", **changes)


def test_a_manager_may_drop_a_cohort_only_for_a_manager(people, fresh_db):
    edited = useradmin.edit_user(fresh_db, people["boss"], "tom", role="manager", cohort="")
    assert (edited.user.role, edited.user.cohort) == ("manager", None)


def test_reset_password_sets_a_temporary_one_that_must_be_changed(people, fresh_db):
    temporary = useradmin.reset_password(fresh_db, people["tina"], "ann")
    assert len(temporary) == 14
    assert temporary.count("-") == 2
    with pytest.raises(LoginFailed):
        accounts.authenticate(fresh_db, "ann", PW)
    ann = accounts.authenticate(fresh_db, "ann", temporary)
    assert ann.must_change_password
    [line] = audit(fresh_db, "user.password")
    assert line["detail"] == {"temporary": True}
    assert temporary not in str(audit(fresh_db, None))

    with pytest.raises(WrongPassword, match="the current password is wrong"):
        useradmin.change_own_password(fresh_db, ann, "not it at all", "my own new password")
    with pytest.raises(SamePassword, match="must differ"):
        useradmin.change_own_password(fresh_db, ann, temporary, temporary)
    with pytest.raises(WeakPassword, match="at least 10"):
        useradmin.change_own_password(fresh_db, ann, temporary, "short")
    changed = useradmin.change_own_password(fresh_db, ann, temporary, "my own new password")
    assert not changed.must_change_password
    assert not accounts.authenticate(fresh_db, "ann", "my own new password").must_change_password


def test_guessing_the_current_password_signs_the_account_out_everywhere(people, fresh_db):
    ann = accounts.authenticate(fresh_db, "ann", PW)
    token = websession.begin(fresh_db, ann)
    for _ in range(accounts.MAX_FAILED - 1):
        with pytest.raises(WrongPassword):
            useradmin.change_own_password(fresh_db, ann, "a guess at it", "my own new password")
    assert websession.user_for(fresh_db, token) == ann, "a few slips sign nobody out"
    with pytest.raises(SignedOutEverywhere):
        useradmin.change_own_password(fresh_db, ann, "a guess at it", "my own new password")
    assert websession.user_for(fresh_db, token) is None
    lines = audit(fresh_db, "login.failed")
    assert [line["detail"] for line in lines] == [
        {"reason": "current password", "signed_out": False}
    ] * (accounts.MAX_FAILED - 1) + [{"reason": "current password", "signed_out": True}]
    assert "a guess at it" not in str(audit(fresh_db, None))
    # Signed out, not locked: the right password signs her in again at once, and the count of
    # wrong current passwords starts again from nothing.
    ann = accounts.authenticate(fresh_db, "ann", PW)
    for _ in range(accounts.MAX_FAILED - 1):
        with pytest.raises(WrongPassword):
            useradmin.change_own_password(fresh_db, ann, "a guess at it", "my own new password")


def test_a_wrong_current_password_then_the_right_one_starts_the_count_again(people, fresh_db):
    ann = accounts.authenticate(fresh_db, "ann", PW)
    for _ in range(2):
        for _ in range(accounts.MAX_FAILED - 1):
            with pytest.raises(WrongPassword):
                useradmin.change_own_password(fresh_db, ann, "a guess at it", "my own new password")
        ann = useradmin.change_own_password(fresh_db, ann, PW, "my own new password")
        ann = useradmin.change_own_password(fresh_db, ann, "my own new password", PW)
    assert accounts.authenticate(fresh_db, "ann", PW).username == "ann"


def test_a_typed_temporary_password_and_its_rules(people, fresh_db):
    assert (
        useradmin.reset_password(fresh_db, people["boss"], "tom", "typed by boss!")
        == "typed by boss!"
    )
    assert accounts.authenticate(fresh_db, "tom", "typed by boss!").must_change_password
    with pytest.raises(WeakPassword):
        useradmin.reset_password(fresh_db, people["boss"], "tom", "short")
    with pytest.raises(Forbidden, match="your own account"):
        useradmin.reset_password(fresh_db, people["boss"], "boss")
    for other in ("cat", "tom"):  # a south trainee, a fellow trainer: not hers even to see
        with pytest.raises(NotFound):
            useradmin.reset_password(fresh_db, people["tina"], other)
    with pytest.raises(Forbidden):
        useradmin.reset_password(fresh_db, people["ann"], "ann")


def test_reset_clears_a_sign_in_delay_and_ends_sessions(people, fresh_db):
    token = websession.begin(fresh_db, people["ann"])
    now = clock.now()
    for _ in range(accounts.MAX_FAILED + 1):
        with pytest.raises((LoginFailed, SignInDelayed)):
            accounts.authenticate(fresh_db, "ann", "wrong password!", now=now)
    temporary = useradmin.reset_password(fresh_db, people["boss"], "ann")
    assert websession.user_for(fresh_db, token) is None
    assert accounts.authenticate(fresh_db, "ann", temporary, now=now).username == "ann"


def test_a_manager_sees_and_clears_a_delayed_sign_in(people, fresh_db):
    now = clock.now()
    for _ in range(accounts.MAX_FAILED + 1):
        with pytest.raises((LoginFailed, SignInDelayed)):
            accounts.authenticate(fresh_db, "ann", "wrong password!", client="203.0.113.7")
    [listed] = [
        x for x in useradmin.find_users(fresh_db, people["boss"]) if x.user.username == "ann"
    ]
    assert listed.status() == "sign-in delayed"
    assert listed.delayed_until is not None
    assert listed.delayed_until > now
    with pytest.raises(NotFound):  # a trainer of another cohort may not even see her
        useradmin.clear_delay(fresh_db, people["tom"], "ann")
    assert useradmin.clear_delay(fresh_db, people["tina"], "ann") == 1  # her trainer may
    [listed] = [
        x for x in useradmin.find_users(fresh_db, people["boss"]) if x.user.username == "ann"
    ]
    assert listed.status() == "active"
    ann = accounts.authenticate(fresh_db, "ann", PW, client="203.0.113.7")
    assert ann.username == "ann"
    assert [line["target"] for line in audit(fresh_db, "user.clear_delay")] == ["ann"]


def test_setting_your_own_password_is_never_temporary(people, fresh_db):
    useradmin.set_password(fresh_db, people["ann"], "ann", "chosen by ann!", temporary=True)
    assert not accounts.authenticate(fresh_db, "ann", "chosen by ann!").must_change_password
    useradmin.set_password(fresh_db, None, "ann", "set at the console", temporary=True)
    assert accounts.authenticate(fresh_db, "ann", "set at the console").must_change_password


def test_created_with_a_temporary_password(people, fresh_db):
    made = accounts.create_user(
        fresh_db, people["boss"], "dan", PW, "trainee", "north", temporary=True
    )
    assert made.must_change_password
    assert accounts.authenticate(fresh_db, "dan", PW).must_change_password


def test_roster_filters_and_who_sees_whom(people, fresh_db):
    useradmin.set_active(fresh_db, people["boss"], "bob", False)
    accounts.authenticate(fresh_db, "ann", PW)
    names = lambda listed: [x.user.username for x in listed]  # noqa: E731
    everyone = useradmin.find_users(fresh_db, people["boss"])
    assert names(everyone) == ["ann", "bob", "boss", "cat", "tina", "tom"]
    assert names(useradmin.find_users(fresh_db, people["tina"])) == ["ann", "bob"]
    assert names(
        useradmin.find_users(fresh_db, people["boss"], role="trainee", cohort="north")
    ) == [
        "ann",
        "bob",
    ]
    assert names(useradmin.find_users(fresh_db, people["boss"], status="deactivated")) == ["bob"]
    assert names(useradmin.find_users(fresh_db, people["boss"], search="O")) == [
        "bob",
        "boss",
        "tom",
    ]
    by_name = {x.user.username: x for x in everyone}
    assert by_name["ann"].last_sign_in is not None
    assert by_name["cat"].last_sign_in is None
    assert (by_name["bob"].status(), by_name["ann"].status()) == ("deactivated", "active")
    assert useradmin.cohorts(fresh_db, people["boss"]) == ["north", "south"]
    assert useradmin.cohorts(fresh_db, people["tina"]) == ["north"]


def test_generated_passwords_are_readable_and_different():
    made = {useradmin.generate_password() for _ in range(50)}
    assert len(made) == 50
    assert not any(ch in p for p in made for ch in "0O1lI")


@pytest.mark.parametrize(
    ("actor", "target", "expected"),
    [
        (None, "boss", Rights(True, True, True, True, True)),
        ("boss", "tina", Rights(True, True, True, True, True, grant_editing=True)),
        ("boss", "boss", Rights(display_name=True, cohort=True)),
        ("tina", "ann", Rights(display_name=True, reset_password=True, activate=True)),
        ("tina", "tina", Rights(display_name=True)),
        ("tina", "cat", Rights()),
        ("tina", "tom", Rights()),
        ("ann", "bob", Rights()),
        ("ann", "ann", Rights(display_name=True)),
    ],
)
def test_rights(people, actor, target, expected):
    assert rights(people[actor] if actor else None, people[target]) == expected


def test_a_deactivated_manager_has_no_rights(people):
    from dataclasses import replace

    assert rights(replace(people["boss"], active=False), people["ann"]) == Rights()
