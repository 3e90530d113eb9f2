"""Revocation takes effect at once: not one more write after a deactivation, a sign-out in another
tab, a password reset or a demotion.

The core: every kind of write, by a user acting through a browser session (as the app's pages
do), after every kind of revocation, is refused with the error that names it and leaves every
table as it was; with no revocation the same write goes through, so each refusal is the
revocation's doing. The app: a widget callback runs before the page checks the session again, so
each callback checks it first (auth.callback), which these tests drive through AppTest, and which
an AST scan requires of every on_click, on_change and on_select of the app.
"""

from __future__ import annotations

import ast
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from ui_helpers import open_page, set_answer, shipped_catalogue, sign_in, submit_form, values

from app import (
    accounts,
    attempts,
    clock,
    comments,
    exports,
    feedback,
    questionreports,
    useradmin,
    userimport,
    websession,
)
from app.accounts import AccountInactive, Forbidden, SessionEnded, User
from app.bank import Catalogue
from app.store.tables import metadata
from app.ui import keys
from conftest import PW, clock_at, finish

UI = Path(__file__).resolve().parent.parent / "app" / "ui"
NEW_PW = "a brand new password"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return shipped_catalogue()


def snapshot(engine: Engine) -> dict[str, list[str]]:
    with engine.connect() as conn:
        return {
            t.name: sorted(repr(tuple(r)) for r in conn.execute(select(t)))
            for t in metadata.sorted_tables
        }


def through_browser(engine: Engine, user: User) -> tuple[User, str]:
    """The user as a page holds them after signing in (session attached), and the token."""
    token = websession.begin(engine, user)
    acting = websession.user_for(engine, token)
    assert acting is not None
    assert acting.session is not None
    return acting, token


# --- the revocations -----------------------------------------------------------------------------

Revoke = Callable[[Engine, User, str], None]


def deactivate(engine: Engine, boss: User, name: str, token: str) -> None:
    useradmin.set_active(engine, boss, name, False)


def sign_out_elsewhere(engine: Engine, boss: User, name: str, token: str) -> None:
    websession.end(engine, token)  # what signing out in another tab of that browser does


def reset_password(engine: Engine, boss: User, name: str, token: str) -> None:
    useradmin.reset_password(engine, boss, name)


def demote(engine: Engine, boss: User, name: str, token: str) -> None:
    useradmin.edit_user(engine, boss, name, role="trainee", cohort="north")


REVOCATIONS: dict[str, tuple[Callable[..., None] | None, Any]] = {
    "none": (None, None),
    "deactivated": (deactivate, AccountInactive),
    "signed out in another tab": (sign_out_elsewhere, SessionEnded),
    "password reset": (reset_password, SessionEnded),
    # Refused as the new role is: Forbidden, or NotFound for what that role may not even see.
    "demoted": (demote, (Forbidden, accounts.NotFound)),
}
TRAINEE_REVOCATIONS = ("none", "deactivated", "signed out in another tab", "password reset")


# --- the writes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Write:
    actor: str
    prepare: Callable[[Engine, dict[str, User], Catalogue, User], Any]
    act: Callable[[Engine, User, Any, Catalogue], Any]


def key_at(view: attempts.AttemptView, position: int) -> Any:
    return feedback.key_of(view.questions[position].presented.snapshot)


def open_attempt(engine: Engine, people: dict[str, User], cat: Catalogue, actor: User) -> Any:
    return attempts.start(engine, actor, cat.quizzes["practice-aftercare"], cat)


def ann_done(engine: Engine, people: dict[str, User], cat: Catalogue, actor: User) -> int:
    return finish(engine, people["ann"], cat, "practice-planning", right=2)


def ann_reported(engine: Engine, people: dict[str, User], cat: Catalogue, actor: User) -> int:
    done = ann_done(engine, people, cat, actor)
    return questionreports.report(engine, people["ann"], done, 0, "wrong", "The key?").id


def nothing(engine: Engine, people: dict[str, User], cat: Catalogue, actor: User) -> None:
    return None


def export_rows(engine: Engine, actor: User, _: Any, cat: Catalogue) -> bytes:
    out = io.BytesIO()
    exports.write(engine, actor, "attempts", out, catalogue=cat)
    return out.getvalue()


def import_one(engine: Engine, actor: User, _: Any, cat: Catalogue) -> None:
    data = b"username,display_name,cohort\r\nnewbie,New Bie,north\r\n"
    userimport.apply(engine, actor, data)


WRITES: dict[str, Write] = {
    "answer": Write(
        "ann",
        open_attempt,
        lambda e, a, view, cat: attempts.save_answer(e, a, view.id, 0, key_at(view, 0)),
    ),
    "flag": Write(
        "ann", open_attempt, lambda e, a, view, cat: attempts.set_flag(e, a, view.id, 1, True)
    ),
    "submit": Write("ann", open_attempt, lambda e, a, view, cat: attempts.submit(e, a, view.id)),
    "start a quiz": Write(
        "ann",
        nothing,
        lambda e, a, _, cat: attempts.start(e, a, cat.quizzes["practice-planning"], cat),
    ),
    "change own password": Write(
        "ann", nothing, lambda e, a, _, cat: useradmin.change_own_password(e, a, PW, NEW_PW)
    ),
    "create user": Write(
        "meg",
        nothing,
        lambda e, a, _, cat: accounts.create_user(e, a, "newbie", PW, "manager"),
    ),
    "edit user": Write(
        "meg", nothing, lambda e, a, _, cat: useradmin.edit_user(e, a, "bob", display_name="B")
    ),
    "reset password": Write(
        "tina", nothing, lambda e, a, _, cat: useradmin.reset_password(e, a, "bob")
    ),
    "deactivate a user": Write(
        "tina", nothing, lambda e, a, _, cat: useradmin.set_active(e, a, "bob", False)
    ),
    "comment": Write(
        "tina",
        ann_done,
        lambda e, a, done, cat: comments.add(e, a, done, "Read the aftercare passage again."),
    ),
    "report a question": Write(
        "ann",
        ann_done,
        lambda e, a, done, cat: questionreports.report(e, a, done, 0, "unclear", "Which week?"),
    ),
    "resolve a reported question": Write(
        "tina",
        ann_reported,
        lambda e, a, report, cat: questionreports.resolve(e, a, [report], "Ok"),
    ),
    "import trainees": Write("tina", nothing, import_one),
    "export": Write("meg", nothing, export_rows),
}

CASES = [
    (write, revocation)
    for write, spec in WRITES.items()
    for revocation in (TRAINEE_REVOCATIONS if spec.actor == "ann" else REVOCATIONS)
]


@pytest.fixture
def staff(fresh_db, people) -> dict[str, User]:
    """The people of conftest and a second manager, meg, whom boss may demote or deactivate."""
    meg = accounts.create_user(fresh_db, people["boss"], "meg", PW, "manager")
    return {**people, "meg": meg}


@pytest.mark.parametrize(("write", "revocation"), CASES, ids=[f"{w}-{r}" for w, r in CASES])
def test_a_write_after_a_revocation_is_refused_and_writes_nothing(
    fresh_db, staff, catalogue, write, revocation
):
    spec = WRITES[write]
    revoke, refused = REVOCATIONS[revocation]
    actor, token = through_browser(fresh_db, staff[spec.actor])
    prepared = spec.prepare(fresh_db, staff, catalogue, actor)
    if revoke is None:
        before = snapshot(fresh_db)
        spec.act(fresh_db, actor, prepared, catalogue)
        assert snapshot(fresh_db) != before, "the write itself goes through"
        return
    revoke(fresh_db, staff["boss"], spec.actor, token)
    before = snapshot(fresh_db)
    with pytest.raises(refused) as raised:
        spec.act(fresh_db, actor, prepared, catalogue)
    if revocation == "demoted":  # refused for the new role, not as a revoked session
        assert not isinstance(raised.value, AccountInactive | SessionEnded)
    assert snapshot(fresh_db) == before, "refused, yet something was written"


def test_a_sign_out_refuses_an_export_before_any_row_is_written(fresh_db, staff, catalogue):
    actor, token = through_browser(fresh_db, staff["meg"])
    websession.end(fresh_db, token)
    out = io.BytesIO()
    with pytest.raises(SessionEnded):
        exports.write(fresh_db, actor, "responses", out, catalogue=catalogue)
    assert out.getvalue() == b""


def test_a_new_role_applies_to_the_very_next_write(fresh_db, staff):
    # Promoted while signed in: the promotion counts at once too, both ways.
    actor, _ = through_browser(fresh_db, staff["tina"])
    with pytest.raises(Forbidden):
        accounts.create_user(fresh_db, actor, "newbie", PW, "manager")
    useradmin.edit_user(fresh_db, staff["boss"], "tina", role="manager", cohort="")
    made = accounts.create_user(fresh_db, actor, "newbie", PW, "manager")
    assert made.role == "manager"


def test_a_trainer_moved_to_another_cohort_manages_only_the_new_one(fresh_db, staff):
    actor, _ = through_browser(fresh_db, staff["tina"])
    useradmin.edit_user(fresh_db, staff["boss"], "tina", cohort="south")
    with pytest.raises(accounts.NotFound):
        useradmin.reset_password(fresh_db, actor, "bob")  # north, her cohort a moment ago
    assert useradmin.reset_password(fresh_db, actor, "cat")  # south


# --- through the app ---------------------------------------------------------------------------


def on_sign_in_page_saying_why(at) -> None:
    assert not at.exception, values(at.exception)
    assert at.text_input(key=keys.SIGNIN_USERNAME), "the sign-in page shows"
    assert any("You have been signed out" in w for w in values(at.warning)), values(at.warning)


def test_a_callback_after_sign_out_elsewhere_saves_nothing(ui, fresh_db, catalogue):
    ann = ui["ann"]
    view = attempts.start(fresh_db, ann, catalogue.quizzes["quick-check"], catalogue)
    at = open_page(sign_in("ann"), "quiz", attempt=view.id)
    websession.end(fresh_db, at.session_state[keys.TOKEN])  # signed out in another tab
    set_answer(
        at, view, 0, key_at(view, 0)
    )  # the radio's on_change runs before the page checks anything
    at.run()
    assert attempts.get(fresh_db, ann, view.id).questions[0].answer is None
    on_sign_in_page_saying_why(at)


@pytest.mark.parametrize("revocation", ["deactivated", "password reset"])
def test_a_callback_after_a_manager_revokes_saves_nothing(ui, fresh_db, catalogue, revocation):
    ann = ui["ann"]
    view = attempts.start(fresh_db, ann, catalogue.quizzes["quick-check"], catalogue)
    at = open_page(sign_in("ann"), "quiz", attempt=view.id)
    REVOCATIONS[revocation][0](fresh_db, ui["boss"], "ann", at.session_state[keys.TOKEN])
    at.toggle(key=keys.flag(view.id, 0)).set_value(True)
    set_answer(at, view, 0, key_at(view, 0))
    at.run()
    after = attempts.get(fresh_db, ann, view.id).questions[0]
    assert (after.answer, after.flagged) == (None, False)
    on_sign_in_page_saying_why(at)


def test_a_tab_left_unused_for_thirty_minutes_is_signed_out_and_says_so(ui, fresh_db, catalogue):
    ann = ui["ann"]
    view = attempts.start(fresh_db, ann, catalogue.quizzes["quick-check"], catalogue)
    start = clock.now()
    with clock_at(start):
        at = open_page(sign_in("ann"), "quiz", attempt=view.id)
    with clock_at(start + timedelta(minutes=31)):
        set_answer(at, view, 0, key_at(view, 0))  # the first click after a long pause
        at.run()
    assert attempts.get(fresh_db, ann, view.id).questions[0].answer is None
    on_sign_in_page_saying_why(at)
    with clock_at(start + timedelta(minutes=32)):
        at = open_page(at, "home")  # a reload: the sign-in page, saying why once more
    assert at.text_input(key=keys.SIGNIN_USERNAME)


def test_a_manager_deactivated_at_the_console_creates_nobody(ui, fresh_db):
    accounts.create_user(fresh_db, ui["boss"], "meg", PW, "manager")
    at = open_page(sign_in("meg"), "users")
    at.text_input(key=keys.USERS_NEW_USERNAME).input("newbie")
    at.selectbox(key=keys.USERS_NEW_ROLE).set_value("manager")
    useradmin.set_active(fresh_db, None, "meg", False)  # the console: no session of its own
    submit_form(at, keys.USERS_NEW_FORM)
    names = [u.username for u in accounts.list_users(fresh_db, None)]
    assert "newbie" not in names
    on_sign_in_page_saying_why(at)


def test_a_demoted_trainer_saves_no_comment(ui, fresh_db, catalogue):
    done = finish(fresh_db, ui["ann"], catalogue, "practice-planning", right=2)
    at = open_page(sign_in("tina"), "review", attempt=done)
    at.text_area(key=keys.comment_text(done, None)).input("Read the planning passage again.")
    demote(fresh_db, ui["boss"], "tina", "")
    submit_form(at, keys.comment_form(done, None))
    assert not at.exception
    assert comments.of_attempt(fresh_db, ui["boss"], done) == []
    assert values(at.error) == [
        "Comment not saved: only trainers and managers comment on attempts."
    ]


@pytest.mark.parametrize("revocation", ["signed out in another tab", "demoted"])
def test_a_prepared_export_is_not_handed_over_after_a_revocation(
    ui, fresh_db, tmp_path, revocation
):
    import io

    from app import prepared

    meg = accounts.create_user(fresh_db, ui["boss"], "meg", PW, "manager")
    actor, token = through_browser(fresh_db, meg)
    link = prepared.keep(
        fresh_db, actor, io.BytesIO(b"username,score\r\nann,80\r\n"), "a.csv", "text/csv"
    )
    # GET /download/<link> runs this, from whichever server: no page run, so no other check.
    found = prepared.for_download(fresh_db, token, link)
    assert b"".join(prepared.chunks(fresh_db, found.id)) == b"username,score\r\nann,80\r\n"
    REVOCATIONS[revocation][0](fresh_db, ui["boss"], "meg", token)
    with pytest.raises((Forbidden, prepared.NotAvailable)):
        prepared.for_download(fresh_db, token, link)


# --- every callback of the app checks the session first ----------------------------------------

CALLBACK_ARGS = ("on_click", "on_change", "on_select")
# Callbacks that need no session: signing in and out, and clicks that only set what this tab shows.
EXEMPT = {
    "auth.sign_out",  # an auth.public_callback, as below
    "st.session_state.pop",
    "st.session_state.__setitem__",
}
GUARDS = ("auth.callback", "auth.password_callback", "auth.public_callback")
# The only callbacks that need no session: signing in, and choosing a password through an
# invitation link, whose token is the credential (app.invitations.accept checks it again inside
# the transaction that uses it) or leaving that page for the sign-in page.
PUBLIC = {"views/signin.py": {"_submit"}, "views/invite.py": {"_choose", "_leave"}}


def _decorated(func: ast.FunctionDef) -> bool:
    return any(ast.unparse(d) in GUARDS for d in func.decorator_list)


def test_every_widget_callback_checks_the_session_first():
    seen, problems = 0, []
    for path in sorted(UI.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            for kw in call.keywords:
                if kw.arg not in CALLBACK_ARGS or kw.value is None:
                    continue
                target = ast.unparse(kw.value)
                if isinstance(kw.value, ast.Constant) or target == "None":
                    continue  # "ignore", "rerun", or no callback
                seen += 1
                where = f"{path.relative_to(UI)}:{call.lineno} {kw.arg}={target}"
                if target in EXEMPT:
                    continue
                func = functions.get(target) if isinstance(kw.value, ast.Name) else None
                if func is None and target == "on_change":
                    continue  # questions.widgets passes on the page's own (checked below)
                if func is None or not _decorated(func):
                    problems.append(where)
                elif "auth.public_callback" in map(
                    ast.unparse, func.decorator_list
                ) and func.name not in PUBLIC.get(str(path.relative_to(UI)), set()):
                    problems.append(f"{where} (acts for someone not signed in)")
    assert seen > 20, "the scan found the app's callbacks"
    assert not problems, "callbacks that act without checking the session:\n" + "\n".join(problems)
