"""Every action of app.permissions, every page and every service function that takes an acting
user, for every kind of user.

The actions are checked against tables written here, by hand, from what the app promises (not
copied from app.permissions): who may do each action at all, and to which people, accounts,
cohorts and comments. Kinds of user: a trainee (ann, cohort north), a trainer (tina, north), a manager (boss), a
deactivated manager (gone: the strongest test of "deactivated means nothing"), and nobody (pages:
not signed in; services: ``actor`` None, the operator at the console, where the signature admits
it). Allowed calls must succeed; refused calls must raise the error the design names (Forbidden,
or NotFound and its kin where even saying "forbidden" would reveal that something exists) and
must leave every table exactly as it was.
"""

from __future__ import annotations

import importlib
import inspect
import io
import pkgutil
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from ui_helpers import new_session, open_page, shipped_catalogue, sign_in, titles, values

import app
from app import (
    accommodations,
    accounts,
    addresses,
    attempts,
    auditlog,
    certificates,
    certification,
    comments,
    config,
    contentedit,
    dashboard,
    erasure,
    examwindows,
    exports,
    invitations,
    passmark,
    personal,
    prepared,
    progress,
    questionreports,
    regrade,
    reminders,
    reports,
    startterms,
    useradmin,
    userimport,
)
from app.accounts import AccountInactive, Forbidden, NotFound, User
from app.attempts import AttemptNotFound
from app.bank import Catalogue, editing
from app.comments import CommentNotFound
from app.interop import banks as interop_banks
from app.invitations import InvitationUsed
from app.permissions import (
    CONSOLE,
    EVERY_COHORT,
    PAGE_ROLES,
    Action,
    Cohort,
    NewAccount,
    Written,
    allowed,
    may_open,
)
from app.store.tables import metadata
from app.userimport import ImportRefused
from conftest import PW, finish

KINDS = ("trainee", "trainer", "manager", "deactivated", "nobody")
ACTING = {"trainee": "ann", "trainer": "tina", "manager": "boss", "deactivated": "gone"}
NEW_PW = "a brand new password"
NOW = datetime.now(UTC)
LONG_AGO = NOW - timedelta(days=30)
OK = "ok"
SKIP = "skip"  # the function takes a User, never None: there is no "nobody" to call it as


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return shipped_catalogue()


@dataclass
class World:
    """The people of conftest plus a deactivated manager, and attempts and a comment to aim at."""

    engine: Any
    catalogue: Catalogue
    users: dict[str, User]
    ann_done: int  # submitted, every answer blank: mistakes to practise
    ann_open: int  # open, untimed
    cat_done: int  # a trainee of the other cohort (south)
    gone_open: int  # opened by the manager before being deactivated
    comment: int  # tina's, on ann_done
    extra: dict[str, Any] = field(default_factory=dict)

    def actor(self, kind: str) -> User | None:
        return self.users[ACTING[kind]] if kind in ACTING else None


@pytest.fixture
def world(fresh_db, people, catalogue, tmp_path) -> World:
    boss = people["boss"]
    gone = accounts.create_user(fresh_db, boss, "gone", PW, "manager")
    quick = catalogue.quizzes["quick-check"]
    for name in ("tina", "boss"):  # staff with a mistake each, so they may practise it
        finish(fresh_db, people[name], catalogue, "practice-aftercare", right=0)
    ann_done = finish(fresh_db, people["ann"], catalogue, "practice-aftercare", right=0)
    cat_done = finish(fresh_db, people["cat"], catalogue, "practice-aftercare", right=0)
    ann_open = attempts.start(fresh_db, people["ann"], quick, catalogue).id
    gone_open = attempts.start(fresh_db, gone, quick, catalogue).id
    comment = comments.add(fresh_db, people["tina"], ann_done, "Look at the sun question.").id
    boss_comment = comments.add(fresh_db, boss, ann_done, "Agreed.").id
    # One of tina's comments for each actor to try to take back: tina's removal must not leave
    # the manager nothing to remove.
    tina_comment = {
        name: comments.add(fresh_db, people["tina"], ann_done, f"For {name} to remove.").id
        for name in ACTING.values()
    }
    # One of ann's reports for each actor to try to resolve, on questions 1 to 4 of ann_done.
    report = {
        name: questionreports.report(fresh_db, people["ann"], ann_done, i, "wrong", name).id
        for i, name in enumerate(ACTING.values())
    }
    # Two passes of cat's, each with its certificate: one for each actor allowed to revoke one.
    for _ in range(2):
        finish(fresh_db, people["cat"], catalogue, "certification-exam")
    cat_codes = [c.code for c in certificates.of_user(fresh_db, None, people["cat"].id)]
    useradmin.set_active(fresh_db, boss, "gone", False)
    users = {**people, "gone": accounts.get_user(fresh_db, boss, "gone")}
    assert not users["gone"].active
    return World(
        fresh_db,
        catalogue,
        users,
        ann_done,
        ann_open,
        cat_done,
        gone_open,
        comment,
        {
            "boss_comment": boss_comment,
            "tina_comment": tina_comment,
            "report": report,
            "cat_codes": cat_codes,
            "content": Path(shutil.copytree(config.quizzes_dir(), tmp_path / "quizzes")),
        },
    )


def snapshot(engine) -> dict[str, list[str]]:
    """Every row of every table, to show that a refused call wrote nothing at all."""
    with engine.connect() as conn:
        return {
            t.name: sorted(repr(tuple(r)) for r in conn.execute(select(t)))
            for t in metadata.sorted_tables
        }


# --- the actions themselves: pure, every action for every kind of actor ---------------------------

# The actors of the rule tables: a trainee and a trainer of cohort north, a manager, a deactivated
# manager, the console operator, and nobody signed in.
ACTORS: dict[str, Any] = {
    "trainee": User(1, "ann", "Ann", "trainee", "north", True),
    "trainer": User(2, "tina", "Tina", "trainer", "north", True),
    "manager": User(3, "boss", "Boss", "manager", None, True),
    "deactivated": User(4, "gone", "Gone", "manager", None, False),
    "console": CONSOLE,
    "nobody": None,
}
ACTOR_KINDS = tuple(ACTORS)
Y, N = True, False

# Who may do each action at all (to anything), in the order of ACTOR_KINDS:
#   trainee, trainer, manager, deactivated, console, nobody
EVERYONE = (Y, Y, Y, N, Y, N)
STAFF_ONLY = (N, Y, Y, N, Y, N)
MANAGERS = (N, N, Y, N, Y, N)
AT_ALL: dict[Action, tuple[bool, ...]] = {
    Action.OPEN_HOME: EVERYONE,
    Action.OPEN_QUIZ: EVERYONE,
    Action.OPEN_RESULTS: EVERYONE,
    Action.OPEN_HISTORY: EVERYONE,
    Action.OPEN_ACCOUNT: EVERYONE,
    Action.OPEN_PASSMARK: STAFF_ONLY,
    Action.OPEN_TRAINEES: STAFF_ONLY,
    Action.OPEN_TRAINEE: STAFF_ONLY,
    Action.OPEN_REVIEW: STAFF_ONLY,
    Action.OPEN_ITEMS: STAFF_ONLY,
    Action.OPEN_BANK: STAFF_ONLY,
    Action.OPEN_IMPORT: STAFF_ONLY,
    Action.OPEN_CERTIFICATION: STAFF_ONLY,
    Action.OPEN_USERS: STAFF_ONLY,
    Action.OPEN_EXPORTS: MANAGERS,
    Action.OPEN_AUDIT: MANAGERS,
    Action.VIEW_USER: EVERYONE,  # oneself at least; a deactivated account only with itself named
    Action.MANAGE_USER: STAFF_ONLY,
    Action.CREATE_USER: STAFF_ONLY,
    Action.RENAME_USER: EVERYONE,  # oneself at least
    Action.CHANGE_ROLE: MANAGERS,
    Action.CHANGE_COHORT: MANAGERS,
    Action.SET_PASSWORD: EVERYONE,  # one's own at least
    Action.RESET_PASSWORD: STAFF_ONLY,
    Action.SET_ACTIVE: STAFF_ONLY,
    Action.IMPORT_USERS: STAFF_ONLY,
    Action.INVITE_USER: STAFF_ONLY,
    Action.SET_EMAIL: EVERYONE,  # one's own at least
    Action.VIEW_RECORD: STAFF_ONLY,
    Action.REPORT: STAFF_ONLY,
    Action.COMMENT: STAFF_ONLY,
    Action.REMOVE_COMMENT: STAFF_ONLY,
    Action.EXPORT: MANAGERS,
    Action.READ_AUDIT: MANAGERS,
    Action.RATE_QUESTIONS: STAFF_ONLY,
    Action.ADOPT_PASS_MARK: MANAGERS,
    Action.OPEN_REPORTED: STAFF_ONLY,
    Action.REPORT_QUESTION: EVERYONE,  # from one's own attempts
    Action.READ_QUESTION_REPORTS: STAFF_ONLY,
    Action.RESOLVE_QUESTION_REPORT: STAFF_ONLY,
    Action.REGRADE: STAFF_ONLY,
    Action.VOID: MANAGERS,
    Action.EDIT_CONTENT: MANAGERS,  # and trainers a manager allows (test_a_granted_trainer_...)
    Action.GRANT_EDITING: MANAGERS,
    Action.EXPORT_PERSONAL_DATA: EVERYONE,  # one's own at least
    Action.ERASE_PERSON: MANAGERS,
    Action.ACCOMMODATE: STAFF_ONLY,
    Action.SET_EXAM_WINDOW: MANAGERS,
    Action.DOWNLOAD_CERTIFICATE: EVERYONE,  # one's own at least
    Action.DOWNLOAD_CERTIFICATES: MANAGERS,
    Action.REVOKE_CERTIFICATE: MANAGERS,
}


def test_every_action_has_a_row_in_the_table():
    assert set(AT_ALL) == set(Action)


@pytest.mark.parametrize("action", list(Action), ids=str)
def test_who_may_do_each_action_at_all(action):
    got = tuple(allowed(ACTORS[kind], action) for kind in ACTOR_KINDS)
    assert dict(zip(ACTOR_KINDS, got, strict=True)) == dict(
        zip(ACTOR_KINDS, AT_ALL[action], strict=True)
    )


# The people an action may be aimed at: the actor themselves, a trainee of cohort north (the
# trainer's), a trainee of cohort south, a trainer of cohort north, and another manager.
TARGETS: dict[str, Any] = {
    "self": None,  # the actor, filled in per actor
    "north trainee": User(11, "bob", "Bob", "trainee", "north", True),
    "south trainee": User(12, "cat", "Cat", "trainee", "south", True),
    "north trainer": User(13, "tim", "Tim", "trainer", "north", True),
    "other manager": User(14, "max", "Max", "manager", None, True),
}

# Per action aimed at a person, per kind of actor: "Y"/"N" for each of TARGETS in order.
ON_PEOPLE: dict[Action, dict[str, str]] = {
    Action.VIEW_USER: {
        "trainee": "YNNNN", "trainer": "YYNNN", "manager": "YYYYY", "deactivated": "YNNNN",
    },
    Action.MANAGE_USER: {
        "trainee": "NNNNN", "trainer": "NYNNN", "manager": "YYYYY", "deactivated": "NNNNN",
    },
    Action.RENAME_USER: {
        "trainee": "YNNNN", "trainer": "YYNNN", "manager": "YYYYY", "deactivated": "NNNNN",
    },
    Action.SET_EMAIL: {  # as renaming: oneself, or an account one manages
        "trainee": "YNNNN", "trainer": "YYNNN", "manager": "YYYYY", "deactivated": "NNNNN",
    },
    Action.CHANGE_ROLE: {
        "trainee": "NNNNN", "trainer": "NNNNN", "manager": "NYYYY", "deactivated": "NNNNN",
    },
    Action.CHANGE_COHORT: {
        "trainee": "NNNNN", "trainer": "NNNNN", "manager": "YYYYY", "deactivated": "NNNNN",
    },
    Action.SET_PASSWORD: {
        "trainee": "YNNNN", "trainer": "YYNNN", "manager": "YYYYY", "deactivated": "NNNNN",
    },
    Action.RESET_PASSWORD: {
        "trainee": "NNNNN", "trainer": "NYNNN", "manager": "NYYYY", "deactivated": "NNNNN",
    },
    Action.SET_ACTIVE: {
        "trainee": "NNNNN", "trainer": "NYNNN", "manager": "NYYYY", "deactivated": "NNNNN",
    },
    Action.VIEW_RECORD: {  # trainees' records only
        "trainee": "NNNNN", "trainer": "NYNNN", "manager": "NYYNN", "deactivated": "NNNNN",
    },
    Action.COMMENT: {  # on an attempt of this person's; never one's own
        "trainee": "NNNNN", "trainer": "NYNNN", "manager": "NYYYY", "deactivated": "NNNNN",
    },
    Action.REPORT_QUESTION: {  # a question of an attempt of this person's: one's own only
        "trainee": "YNNNN", "trainer": "YNNNN", "manager": "YNNNN", "deactivated": "NNNNN",
    },
    Action.GRANT_EDITING: {  # trainers only: managers edit anyway, trainees never
        "trainee": "NNNNN", "trainer": "NNNNN", "manager": "NNNYN", "deactivated": "NNNNN",
    },
    Action.EXPORT_PERSONAL_DATA: {  # one's own data; a manager anyone's
        "trainee": "YNNNN", "trainer": "YNNNN", "manager": "YYYYY", "deactivated": "NNNNN",
    },
    Action.ERASE_PERSON: {  # managers, never themselves
        "trainee": "NNNNN", "trainer": "NNNNN", "manager": "NYYYY", "deactivated": "NNNNN",
    },
    Action.ACCOMMODATE: {  # trainees only: their own cohort's for a trainer, any for a manager
        "trainee": "NNNNN", "trainer": "NYNNN", "manager": "NYYNN", "deactivated": "NNNNN",
    },
    Action.DOWNLOAD_CERTIFICATE: {  # one's own; a trainee's, for whoever sees their record
        "trainee": "YNNNN", "trainer": "YYNNN", "manager": "YYYNN", "deactivated": "NNNNN",
    },
}  # fmt: skip

# Per action aimed at something else: the resources, and "Y"/"N" for each per kind of actor.
NEW_ACCOUNTS = (
    NewAccount("trainee", "north"),
    NewAccount("trainee", "south"),
    NewAccount("trainer", "north"),
    NewAccount("manager", None),
)
COHORTS = (Cohort("north"), Cohort("south"), EVERY_COHORT)
COMMENTS_BY = (Written(1), Written(2), Written(99))  # by ann, by tina, by someone else
ON_OTHER_THINGS: dict[Action, tuple[tuple[Any, ...], dict[str, str]]] = {
    Action.CREATE_USER: (NEW_ACCOUNTS, {
        "trainee": "NNNN", "trainer": "YNNN", "manager": "YYYY", "deactivated": "NNNN",
    }),
    Action.INVITE_USER: (NEW_ACCOUNTS, {  # trainees only, into a cohort one manages
        "trainee": "NNNN", "trainer": "YNNN", "manager": "YYNN", "deactivated": "NNNN",
    }),
    Action.REPORT: (COHORTS, {
        "trainee": "NNN", "trainer": "YNN", "manager": "YYY", "deactivated": "NNN",
    }),
    Action.MANAGE_USER: (COHORTS, {
        "trainee": "NNN", "trainer": "YNN", "manager": "YYY", "deactivated": "NNN",
    }),
    Action.REGRADE: (COHORTS, {  # trainers their own cohort's attempts; managers any, or all
        "trainee": "NNN", "trainer": "YNN", "manager": "YYY", "deactivated": "NNN",
    }),
    Action.SET_EXAM_WINDOW: (COHORTS, {  # managers: a window holds for a whole cohort, or all
        "trainee": "NNN", "trainer": "NNN", "manager": "YYY", "deactivated": "NNN",
    }),
    Action.REMOVE_COMMENT: (COMMENTS_BY, {  # one's own, or any as a manager
        "trainee": "YNN", "trainer": "NYN", "manager": "YYY", "deactivated": "NNN",
    }),
    Action.DOWNLOAD_CERTIFICATES: (COHORTS, {  # a cohort's zip: managers only
        "trainee": "NNN", "trainer": "NNN", "manager": "YYY", "deactivated": "NNN",
    }),
}  # fmt: skip


def _yes_no(answers: list[bool]) -> str:
    return "".join("Y" if a else "N" for a in answers)


@pytest.mark.parametrize("action", list(ON_PEOPLE), ids=str)
def test_who_may_do_each_action_to_whom(action):
    problems = []
    for kind, actor in ACTORS.items():
        targets = [actor if name == "self" else t for name, t in TARGETS.items()]
        if kind in ("console", "nobody"):
            targets = targets[1:]
            expected = ("Y" if kind == "console" else "N") * len(targets)
        else:
            expected = ON_PEOPLE[action][kind]
        got = _yes_no([allowed(actor, action, target) for target in targets])
        if got != expected:
            problems.append(f"{kind}: {got}, expected {expected} (for {', '.join(TARGETS)})")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("action", list(ON_OTHER_THINGS), ids=str)
def test_who_may_do_each_action_to_what(action):
    resources, table = ON_OTHER_THINGS[action]
    problems = []
    for kind, actor in ACTORS.items():
        expected = table.get(kind) or ("Y" if kind == "console" else "N") * len(resources)
        got = _yes_no([allowed(actor, action, resource) for resource in resources])
        if got != expected:
            problems.append(f"{kind}: {got}, expected {expected} (for {resources})")
    assert not problems, "\n".join(problems)


def test_a_granted_trainer_may_edit_content_and_nobody_else_more():
    granted = User(2, "tina", "Tina", "trainer", "north", True, edits_content=True)
    assert allowed(granted, Action.EDIT_CONTENT)
    assert not allowed(granted, Action.GRANT_EDITING)
    # The flag means nothing on a trainee's or a deactivated account.
    assert not allowed(User(1, "ann", "Ann", "trainee", "north", True, edits_content=True),
                       Action.EDIT_CONTENT)  # fmt: skip
    assert not allowed(User(2, "tina", "Tina", "trainer", "north", False, edits_content=True),
                       Action.EDIT_CONTENT)  # fmt: skip


def test_which_roles_open_which_pages():
    everyone, staff = {"trainee", "trainer", "manager"}, {"trainer", "manager"}
    expected = {page: everyone for page in ("home", "quiz", "results", "history", "account")}
    expected |= {
        page: staff
        for page in (
            "trainees",
            "trainee",
            "review",
            "items",
            "bank",
            "import",
            "certification",
            "users",
            "passmark",
        )
    }
    expected |= {"reported": staff}
    expected |= {"exports": {"manager"}, "audit": {"manager"}}
    assert expected == PAGE_ROLES
    assert not may_open(ACTORS["deactivated"], "home")
    assert not may_open(None, "home")
    assert not may_open(ACTORS["manager"], "no-such-page")


# --- which functions: found by introspection ------------------------------------------------------

# Every public function of the core whose first parameter is the engine and that takes an acting
# user (a parameter named ``actor``, or ``user`` for what you do to your own account) must have a
# case below: a new one without a case fails test_every_service_function_has_a_case, so nobody
# adds a way in without saying who may use it. Functions that take no acting user at all (pure
# helpers, builders fed by these) cannot be found this way; they are reached only through these.
NOT_SERVICES = {
    # Starts a session for the user authenticate() has just returned: it checks nobody, and the
    # session it makes gives a deactivated user nothing (websession.user_for and deliver refuse).
    "app.websession.begin",
}


def service_functions() -> set[str]:
    found = set()
    for info in pkgutil.walk_packages(app.__path__, "app."):
        if info.name.startswith(("app.ui", "app.cli")):
            continue  # the UI and the CLI call the core; they are not a way around it
        module = importlib.import_module(info.name)
        for name, func in inspect.getmembers(module, inspect.isfunction):
            if func.__module__ != info.name or name.startswith("_"):
                continue
            params = list(inspect.signature(func).parameters)
            if params[:1] == ["engine"] and ("actor" in params or params[1:2] == ["user"]):
                found.add(f"{info.name}.{name}")
    return found - NOT_SERVICES


def admits_nobody(func: Callable) -> bool:
    """Whether the acting user may be None (the console operator)."""
    params = inspect.signature(func).parameters
    param = params.get("actor") or params.get("user")
    assert param is not None
    return "None" in str(param.annotation)


@dataclass(frozen=True)
class Case:
    name: str
    func: Callable
    call: Callable[[World, User | None], Any]
    expect: dict[str, Any]  # kind -> OK or the exception type; nobody: SKIP unless admitted

    @property
    def qualname(self) -> str:
        return f"{self.func.__module__}.{self.func.__name__}"


def rule(func, trainee, trainer, manager, deactivated, nobody=OK) -> dict[str, Any]:
    return {
        "trainee": trainee,
        "trainer": trainer,
        "manager": manager,
        "deactivated": deactivated,
        "nobody": nobody if admits_nobody(func) else SKIP,
    }


def new_name(actor: User | None) -> str:
    """A username for a new account, one per actor, so several actors may each make one."""
    return f"new-{actor.username if actor else 'console'}"


def csv_rows(actor: User | None, cohort: str) -> bytes:
    head = "username,display_name,cohort,password"
    return f"{head}\r\n{new_name(actor)},New One,{cohort},a temp password\r\n".encode()


def listed_only_visible(world: World, actor: User | None, result: list) -> None:
    """Listings filter instead of refusing: everyone listed must be someone the actor may see."""
    people = [getattr(item, "user", item) for item in result]
    if actor is None:
        return
    for person in people:
        assert allowed(actor, Action.VIEW_USER, person), (
            f"{actor.username} was shown {person.username}"
        )
    if not actor.active:
        assert {p.id for p in people} <= {actor.id}, "a deactivated user sees nobody else"


D = dashboard.DashboardFilters


def with_public_url(call: Callable[[], Any]) -> Any:
    """``call()`` with RESURFACE_PUBLIC_URL set, as a server that mails links has it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RESURFACE_PUBLIC_URL", "https://training.example.org")
        return call()


# Every function that writes on the actor's behalf re-reads the actor inside its transaction
# (accounts.recheck), so a deactivated actor is refused first, and by name, whatever it aimed at.
WRITES = frozenset(
    {
        accounts.create_user,
        useradmin.set_active,
        useradmin.set_password,
        useradmin.edit_user,
        useradmin.reset_password,
        useradmin.clear_delay,
        useradmin.change_own_password,
        userimport.apply,
        invitations.invite,
        invitations.reinvite,
        addresses.set_email,
        attempts.start,
        attempts.start_questions,
        attempts.save_answer,
        attempts.set_flag,
        attempts.submit,
        passmark.rate,
        passmark.adopt,
        contentedit.set_quiz_value,
        progress.start_mistakes,
        comments.add,
        comments.remove,
        questionreports.report,
        questionreports.resolve,
        regrade.apply,
        regrade.void,
        contentedit.save,
        contentedit.retire,
        useradmin.set_content_editor,
        accommodations.set_accommodation,
        examwindows.set_window,
        examwindows.clear_window,
        exports.write,
        exports.export,
        prepared.keep,
        auditlog.write,
        auditlog.export,
        auditlog.lines,
        personal.export,
        erasure.erase,
    }
)


def _cases() -> list[Case]:
    cases: list[Case] = []

    def add(name, func, call, *expect, check=None, nobody=OK):
        if func in WRITES:
            trainee, trainer, manager, _ = expect
            expect = (trainee, trainer, manager, AccountInactive)
        cases.append(Case(name, func, call, rule(func, *expect, nobody=nobody)))
        if check is not None:
            CHECKS[name] = check

    # accounts
    add(
        "create_user north trainee",
        accounts.create_user,
        lambda w, a: accounts.create_user(w.engine, a, new_name(a), PW, "trainee", "north"),
        Forbidden, OK, OK, Forbidden,
    )  # fmt: skip
    add(
        "create_user south trainee",
        accounts.create_user,
        lambda w, a: accounts.create_user(w.engine, a, new_name(a), PW, "trainee", "south"),
        Forbidden, Forbidden, OK, Forbidden,
    )  # fmt: skip
    add(
        "create_user manager",
        accounts.create_user,
        lambda w, a: accounts.create_user(w.engine, a, new_name(a), PW, "manager"),
        Forbidden, Forbidden, OK, Forbidden,
    )  # fmt: skip
    add(
        "get_user own cohort",
        accounts.get_user,
        lambda w, a: accounts.get_user(w.engine, a, "bob"),
        NotFound, OK, OK, NotFound,
    )  # fmt: skip
    add(
        "get_user other cohort",
        accounts.get_user,
        lambda w, a: accounts.get_user(w.engine, a, "cat"),
        NotFound, NotFound, OK, NotFound,
    )  # fmt: skip
    add(
        "get_user_by_id",
        accounts.get_user_by_id,
        lambda w, a: accounts.get_user_by_id(w.engine, a, w.users["bob"].id),
        NotFound, OK, OK, NotFound,
    )  # fmt: skip
    add(
        "list_users",
        accounts.list_users,
        lambda w, a: accounts.list_users(w.engine, a),
        OK, OK, OK, OK,
        check=listed_only_visible,
    )  # fmt: skip
    add(
        "app.useradmin set_active",
        useradmin.set_active,
        lambda w, a: useradmin.set_active(w.engine, a, "bob", False),
        NotFound, OK, OK, NotFound,
    )  # fmt: skip
    add(
        "app.useradmin set_password",
        useradmin.set_password,
        lambda w, a: useradmin.set_password(w.engine, a, "bob", NEW_PW),
        NotFound, OK, OK, NotFound,
    )  # fmt: skip
    add(
        "set_password of another cohort",
        useradmin.set_password,
        lambda w, a: useradmin.set_password(w.engine, a, "cat", NEW_PW),
        NotFound, NotFound, OK, NotFound,
    )  # fmt: skip
    add(
        "set_password of a trainer",
        useradmin.set_password,
        lambda w, a: useradmin.set_password(w.engine, a, "tom", NEW_PW),
        NotFound, NotFound, OK, NotFound,
    )  # fmt: skip

    # useradmin
    add(
        "edit_user display name",
        useradmin.edit_user,
        lambda w, a: useradmin.edit_user(w.engine, a, "bob", display_name="Bobby"),
        NotFound, OK, OK, NotFound,
    )  # fmt: skip
    add(
        "edit_user promote",
        useradmin.edit_user,
        lambda w, a: useradmin.edit_user(w.engine, a, "bob", role="trainer"),
        NotFound, Forbidden, OK, NotFound,
    )  # fmt: skip
    add(
        "edit_user other cohort",
        useradmin.edit_user,
        lambda w, a: useradmin.edit_user(w.engine, a, "cat", display_name="Kat"),
        NotFound, NotFound, OK, NotFound,
    )  # fmt: skip
    add(
        "reset_password",
        useradmin.reset_password,
        lambda w, a: useradmin.reset_password(w.engine, a, "bob"),
        NotFound, OK, OK, NotFound,
    )  # fmt: skip
    add(
        "clear_delay",
        useradmin.clear_delay,
        lambda w, a: useradmin.clear_delay(w.engine, a, "bob"),
        NotFound, OK, OK, NotFound,
    )  # fmt: skip
    add(
        "roster",
        useradmin.find_users,
        lambda w, a: useradmin.find_users(w.engine, a),
        OK, OK, OK, OK,
        check=listed_only_visible,
    )  # fmt: skip
    add(
        "cohorts",
        useradmin.cohorts,
        lambda w, a: useradmin.cohorts(w.engine, a),
        OK, OK, OK, OK,
        check=lambda w, a, result: a is None or a.active or result == [],
    )  # fmt: skip
    add(
        "change_own_password",
        useradmin.change_own_password,
        lambda w, a: useradmin.change_own_password(w.engine, a, PW, NEW_PW),
        OK, OK, OK, NotFound,
    )  # fmt: skip

    # userimport
    for func in (userimport.preview, userimport.apply):
        add(
            f"import {func.__name__} own cohort",
            func,
            lambda w, a, func=func: func(w.engine, a, csv_rows(a, "north")),
            Forbidden, OK, OK, Forbidden,
        )  # fmt: skip
    add(
        "import apply other cohort",
        userimport.apply,
        lambda w, a: userimport.apply(w.engine, a, csv_rows(a, "south")),
        Forbidden, ImportRefused, OK, Forbidden,
    )  # fmt: skip

    # invitations and addresses (the link needs the public address, as in production)
    add(
        "invite north trainee",
        invitations.invite,
        lambda w, a: with_public_url(
            lambda: invitations.invite(w.engine, a, new_name(a), None, "north", "n@x.example")
        ),
        Forbidden, OK, OK, Forbidden,
    )  # fmt: skip
    add(
        "invite south trainee",
        invitations.invite,
        lambda w, a: with_public_url(
            lambda: invitations.invite(w.engine, a, new_name(a), None, "south", "s@x.example")
        ),
        Forbidden, Forbidden, OK, Forbidden,
    )  # fmt: skip
    add(
        "reinvite bob (who has a password)",
        invitations.reinvite,
        lambda w, a: with_public_url(lambda: invitations.reinvite(w.engine, a, "bob")),
        NotFound, InvitationUsed, InvitationUsed, Forbidden,
        nobody=InvitationUsed,
    )  # fmt: skip
    add(
        "set_email of bob",
        addresses.set_email,
        lambda w, a: addresses.set_email(w.engine, a, "bob", "bob@x.example"),
        NotFound, OK, OK, NotFound,
    )  # fmt: skip
    add(
        "set_email of oneself",
        addresses.set_email,
        lambda w, a: addresses.set_email(w.engine, a, a.username if a else "ann", "me@x.example"),
        OK, OK, OK, NotFound,
    )  # fmt: skip
    add(
        "reminders for oneself",
        reminders.for_user,
        lambda w, a: reminders.for_user(w.engine, a),
        OK, OK, OK, OK,
    )  # fmt: skip

    # attempts: only the owner answers, flags and submits; staff read their trainees'
    def quiz(w: World) -> Any:
        return w.catalogue.quizzes["practice-planning"]

    add(
        "start",
        attempts.start,
        lambda w, a: attempts.start(w.engine, a, quiz(w), w.catalogue),
        OK, OK, OK, Forbidden,
    )  # fmt: skip
    add(
        "start_questions",
        attempts.start_questions,
        lambda w, a: attempts.start_questions(
            w.engine, a, quiz(w), [next(iter(w.catalogue.entries))], w.catalogue
        ),
        OK, OK, OK, Forbidden,
    )  # fmt: skip
    add(
        "save_answer on ann's open attempt",
        attempts.save_answer,
        lambda w, a: attempts.save_answer(w.engine, a, w.ann_open, 0, None),
        OK, AttemptNotFound, AttemptNotFound, AttemptNotFound,
    )  # fmt: skip
    add(
        "set_flag on ann's open attempt",
        attempts.set_flag,
        lambda w, a: attempts.set_flag(w.engine, a, w.ann_open, 0, True),
        OK, AttemptNotFound, AttemptNotFound, AttemptNotFound,
    )  # fmt: skip
    add(
        "submit ann's open attempt",
        attempts.submit,
        lambda w, a: attempts.submit(w.engine, a, w.ann_open),
        OK, AttemptNotFound, AttemptNotFound, AttemptNotFound,
    )  # fmt: skip
    add(
        "get ann's attempt",
        attempts.get,
        lambda w, a: attempts.get(w.engine, a, w.ann_done),
        OK, OK, OK, AttemptNotFound,
    )  # fmt: skip
    add(
        "get an attempt of the other cohort",
        attempts.get,
        lambda w, a: attempts.get(w.engine, a, w.cat_done),
        AttemptNotFound, AttemptNotFound, OK, AttemptNotFound,
    )  # fmt: skip
    add(
        "open_attempt (own only)",
        attempts.open_attempt,
        lambda w, a: attempts.open_attempt(w.engine, a, "quick-check"),
        OK, OK, OK, OK,
        check=lambda w, a, view: view is None or view.user_id == a.id,
    )  # fmt: skip
    add(
        "attempts_of ann",
        attempts.attempts_of,
        lambda w, a: attempts.attempts_of(w.engine, a, w.users["ann"].id),
        OK, OK, OK, AttemptNotFound,
    )  # fmt: skip
    add(
        "attempts_of cat",
        attempts.attempts_of,
        lambda w, a: attempts.attempts_of(w.engine, a, w.users["cat"].id),
        AttemptNotFound, AttemptNotFound, OK, AttemptNotFound,
    )  # fmt: skip

    add(
        "close_overdue of an attempt of the other cohort",
        attempts.close_overdue,
        lambda w, a: attempts.close_overdue(
            w.engine, a, [{"id": w.cat_done, "status": "open", "deadline": LONG_AGO}], NOW
        ),
        AttemptNotFound, AttemptNotFound, OK, AttemptNotFound,
    )  # fmt: skip
    add(
        "settled: an attempt of the other cohort closed, then read again",
        attempts.settled,
        lambda w, a: attempts.settled(
            w.engine, a, lambda: [{"id": w.cat_done, "status": "open", "deadline": LONG_AGO}], NOW
        ),
        AttemptNotFound, AttemptNotFound, OK, AttemptNotFound,
    )  # fmt: skip

    # progress: your own, or a trainee's you look after
    own = lambda w, a, rows: all(r["user_id"] == a.id for r in rows)  # noqa: E731
    add(
        "standings",
        progress.standings,
        lambda w, a: progress.standings(w.engine, a, w.catalogue),
        OK, OK, OK, OK,
    )  # fmt: skip
    add(
        "overview",
        progress.overview,
        lambda w, a: progress.overview(w.engine, a, w.catalogue),
        OK, OK, OK, OK,
        check=lambda w, a, o: own(w, a, o.open_attempts),
    )  # fmt: skip
    add(
        "open_attempts",
        progress.open_attempts,
        lambda w, a: progress.open_attempts(w.engine, a),
        OK, OK, OK, OK,
        check=own,
    )  # fmt: skip
    add(
        "recent_mistakes",
        progress.recent_mistakes,
        lambda w, a: progress.recent_mistakes(w.engine, a, w.catalogue),
        OK, OK, OK, OK,
    )  # fmt: skip
    add(
        "start_mistakes",
        progress.start_mistakes,
        lambda w, a: progress.start_mistakes(w.engine, a, w.catalogue),
        OK, OK, OK, Forbidden,
    )  # fmt: skip
    add(
        "history of ann",
        progress.history,
        lambda w, a: progress.history(w.engine, a, w.users["ann"].id),
        OK, OK, OK, AttemptNotFound,
    )  # fmt: skip
    add(
        "history of cat",
        progress.history,
        lambda w, a: progress.history(w.engine, a, w.users["cat"].id),
        AttemptNotFound, AttemptNotFound, OK, AttemptNotFound,
    )  # fmt: skip
    add(
        "certifications of ann",
        progress.certifications,
        lambda w, a: progress.certifications(w.engine, a, w.users["ann"].id, w.catalogue),
        OK, OK, OK, AttemptNotFound,
    )  # fmt: skip

    # dashboard and reports: staff, their own cohort (trainers) or any (managers)
    add(
        "cohort_dashboard",
        dashboard.cohort_dashboard,
        lambda w, a: dashboard.cohort_dashboard(w.engine, a, w.catalogue),
        Forbidden, OK, OK, Forbidden,
    )  # fmt: skip
    add(
        "cohort_dashboard of south",
        dashboard.cohort_dashboard,
        lambda w, a: dashboard.cohort_dashboard(w.engine, a, w.catalogue, D(cohort="south")),
        Forbidden, Forbidden, OK, Forbidden,
    )  # fmt: skip
    add(
        "trainee_record of ann",
        dashboard.trainee_record,
        lambda w, a: dashboard.trainee_record(w.engine, a, w.users["ann"].id, w.catalogue),
        Forbidden, OK, OK, Forbidden,
    )  # fmt: skip
    add(
        "trainee_record of cat",
        dashboard.trainee_record,
        lambda w, a: dashboard.trainee_record(w.engine, a, w.users["cat"].id, w.catalogue),
        Forbidden, NotFound, OK, Forbidden,
    )  # fmt: skip
    for func in (reports.quiz_responses, reports.item_analysis):
        with_catalogue = func is reports.item_analysis
        args = (lambda w: (w.catalogue,)) if with_catalogue else (lambda w: ())
        add(
            f"{func.__name__}",
            func,
            lambda w, a, func=func, args=args: func(w.engine, a, "practice-aftercare", *args(w)),
            Forbidden, OK, OK, Forbidden,
        )  # fmt: skip
        add(
            f"{func.__name__} of south",
            func,
            lambda w, a, func=func, args=args: func(
                w.engine, a, "practice-aftercare", *args(w), cohort="south"
            ),
            Forbidden, Forbidden, OK, Forbidden,
        )  # fmt: skip

    # certification
    add(
        "certification roster",
        certification.trainee_statuses,
        lambda w, a: certification.trainee_statuses(w.engine, a, w.catalogue),
        Forbidden, OK, OK, Forbidden,
    )  # fmt: skip
    add(
        "certification roster of south",
        certification.trainee_statuses,
        lambda w, a: certification.trainee_statuses(w.engine, a, w.catalogue, cohort="south"),
        Forbidden, Forbidden, OK, Forbidden,
    )  # fmt: skip
    add(
        "certification overview",
        certification.overview,
        lambda w, a: certification.overview(w.engine, a, w.catalogue),
        Forbidden, OK, OK, Forbidden,
    )  # fmt: skip

    # comments
    add(
        "comment on ann's attempt",
        comments.add,
        lambda w, a: comments.add(w.engine, a, w.ann_done, "Well done."),
        Forbidden, OK, OK, Forbidden,
    )  # fmt: skip
    add(
        "comment on cat's attempt",
        comments.add,
        lambda w, a: comments.add(w.engine, a, w.cat_done, "Well done."),
        Forbidden, AttemptNotFound, OK, Forbidden,
    )  # fmt: skip
    add(
        "comments of ann's attempt",
        comments.of_attempt,
        lambda w, a: comments.of_attempt(w.engine, a, w.ann_done),
        OK, OK, OK, AttemptNotFound,
    )  # fmt: skip
    add(
        "comments of cat's attempt",
        comments.of_attempt,
        lambda w, a: comments.of_attempt(w.engine, a, w.cat_done),
        AttemptNotFound, AttemptNotFound, OK, AttemptNotFound,
    )  # fmt: skip
    add(
        "remove tina's comment",
        comments.remove,
        lambda w, a: comments.remove(w.engine, a, w.extra["tina_comment"][a.username]),
        Forbidden, OK, OK, CommentNotFound,
    )  # fmt: skip
    add(
        "remove boss's comment",
        comments.remove,
        lambda w, a: comments.remove(w.engine, a, w.extra["boss_comment"]),
        Forbidden, Forbidden, OK, CommentNotFound,
    )  # fmt: skip

    # standard setting: trainers and managers rate an exam's questions and see the result
    add(
        "rate an exam question",
        passmark.rate,
        lambda w, a: passmark.rate(
            w.engine, a, w.catalogue, "certification-exam",
            {passmark.pool(w.catalogue.quizzes["certification-exam"], w.catalogue)[0]: 0.7},
        ),
        Forbidden, OK, OK, AccountInactive,
    )  # fmt: skip
    add(
        "standard setting of the exam",
        passmark.standing,
        lambda w, a: passmark.standing(w.engine, a, w.catalogue, "certification-exam"),
        Forbidden, OK, OK, Forbidden,
    )  # fmt: skip
    # reported questions: one's own attempts to report from; staff read and resolve every report,
    # with the reporter's name only where they may see the reporter
    add(
        "report a question of ann's attempt",
        questionreports.report,
        lambda w, a: questionreports.report(w.engine, a, w.ann_done, 4, "unclear", "Unclear"),
        OK, Forbidden, Forbidden, Forbidden,
    )  # fmt: skip
    add(
        "report a question of cat's attempt",
        questionreports.report,
        lambda w, a: questionreports.report(w.engine, a, w.cat_done, 0, "unclear", "Unclear"),
        AttemptNotFound, AttemptNotFound, Forbidden, Forbidden,
    )  # fmt: skip
    add(
        "one's own reports",
        questionreports.mine,
        lambda w, a: questionreports.mine(w.engine, a),
        OK, OK, OK, OK,
        check=lambda w, a, found: all(r.reporter_id == a.id for r in found),
    )  # fmt: skip
    add(
        "the queue of reported questions",
        questionreports.queue,
        lambda w, a: questionreports.queue(w.engine, a, catalogue=w.catalogue),
        Forbidden, OK, OK, Forbidden,
        check=lambda w, a, found: all(r.reporter == "ann" for q in found for r in q.reports),
    )  # fmt: skip
    add(
        "report counts",
        questionreports.report_counts,
        lambda w, a: questionreports.report_counts(w.engine, a),
        Forbidden, OK, OK, Forbidden,
    )  # fmt: skip
    add(
        "resolve a report",
        questionreports.resolve,
        lambda w, a: questionreports.resolve(
            w.engine, a, [w.extra["report"][a.username]], "Checked."
        ),
        Forbidden, OK, OK, Forbidden,
    )  # fmt: skip
    # regrade and void: trainers regrade their own cohort, only managers void
    on, qid = "practice-aftercare", "aftercare-sun-001"
    add(
        "regrade.outdated",
        regrade.outdated,
        lambda w, a: regrade.outdated(w.engine, a, w.catalogue, on),
        Forbidden, OK, OK, Forbidden,
    )  # fmt: skip
    add(
        "regrade.outdated south",
        regrade.outdated,
        lambda w, a: regrade.outdated(w.engine, a, w.catalogue, on, cohort="south"),
        Forbidden, Forbidden, OK, Forbidden,
    )  # fmt: skip
    add(
        "regrade.plan",
        regrade.plan,
        lambda w, a: regrade.plan(w.engine, a, w.catalogue, on, qid),
        Forbidden, OK, OK, Forbidden,
    )  # fmt: skip
    add(
        "regrade.apply",
        regrade.apply,
        lambda w, a: regrade.apply(w.engine, a, w.catalogue, on, qid, "Key corrected"),
        Forbidden, OK, OK, Forbidden,
    )  # fmt: skip
    add(
        "regrade.apply south",
        regrade.apply,
        lambda w, a: regrade.apply(w.engine, a, w.catalogue, on, qid, "Key", cohort="south"),
        Forbidden, Forbidden, OK, Forbidden,
    )  # fmt: skip
    add(
        "regrade.void_plan",
        regrade.void_plan,
        lambda w, a: regrade.void_plan(w.engine, a, w.catalogue, on, qid, "give"),
        Forbidden, Forbidden, OK, Forbidden,
    )  # fmt: skip
    add(
        "regrade.void",
        regrade.void,
        lambda w, a: regrade.void(w.engine, a, w.catalogue, on, qid, "drop", "Ambiguous"),
        Forbidden, Forbidden, OK, Forbidden,
    )  # fmt: skip
    add(
        "regrade.notes of ann's attempt",
        regrade.notes,
        lambda w, a: regrade.notes(w.engine, a, w.ann_done),
        OK, OK, OK, AttemptNotFound,
    )  # fmt: skip
    add(
        "regrade.notes of cat's attempt",
        regrade.notes,
        lambda w, a: regrade.notes(w.engine, a, w.cat_done),
        AttemptNotFound, AttemptNotFound, OK, AttemptNotFound,
    )  # fmt: skip

    # content editing: managers (and trainers a manager allows; none here) and the console
    qid = "aftercare-beach-sun-001"

    def content(w: World) -> Path:
        return w.extra["content"]

    def harder(w: World) -> tuple[editing.Opened, dict]:
        opened = editing.open_question(content(w), qid)
        level = 3 if opened.fields["difficulty"] != 3 else 2
        return opened, dict(opened.fields) | {"difficulty": level}

    add(
        "contentedit.set_quiz_value",
        contentedit.set_quiz_value,
        lambda w, a: contentedit.set_quiz_value(
            w.engine, a, content(w), editing.open_quizzes(content(w)), "quick-check",
            "pass_mark", 65 if a is None else 66, Action.EDIT_CONTENT,
        ),
        Forbidden, Forbidden, OK, AccountInactive,
    )  # fmt: skip
    add(
        "adopt the exam's pass mark",
        passmark.adopt,
        lambda w, a: passmark.adopt(
            w.engine, a, w.catalogue, content(w), passmark.quizzes_version(content(w)),
            "certification-exam", 75 if a is None else 76,
        ),
        Forbidden, Forbidden, OK, AccountInactive,
    )  # fmt: skip
    add(
        "contentedit.may_edit",
        contentedit.may_edit,
        lambda w, a: contentedit.may_edit(w.engine, a),
        OK, OK, OK, AccountInactive,
        check=lambda w, a, may: may == (a is None or a.role == "manager"),
    )  # fmt: skip
    add(
        "contentedit.open_question",
        contentedit.open_question,
        lambda w, a: contentedit.open_question(w.engine, a, content(w), qid),
        Forbidden, Forbidden, OK, Forbidden,
    )  # fmt: skip
    add(
        "contentedit.new_question",
        contentedit.new_question,
        lambda w, a: contentedit.new_question(w.engine, a, content(w), "aftercare"),
        Forbidden, Forbidden, OK, Forbidden,
    )  # fmt: skip
    add(
        "contentedit.check",
        contentedit.check,
        lambda w, a: contentedit.check(w.engine, a, content(w), *harder(w)),
        Forbidden, Forbidden, OK, Forbidden,
    )  # fmt: skip
    add(
        "contentedit.save",
        contentedit.save,
        lambda w, a: contentedit.save(w.engine, a, content(w), *harder(w), confirm_warnings=True),
        Forbidden, Forbidden, OK, Forbidden,
    )  # fmt: skip
    add(
        "contentedit.retire",
        contentedit.retire,
        lambda w, a: contentedit.retire(
            w.engine, a, content(w), qid, not editing.open_question(content(w), qid).fields.get(
                "retired", False), confirm_warnings=True
        ),
        Forbidden, Forbidden, OK, Forbidden,
    )  # fmt: skip
    add(
        "interop.banks.commit (write an imported bank of drafts)",
        interop_banks.commit,
        lambda w, a: interop_banks.commit(
            w.engine, a, interop_banks.plan_import(
                content(w), b"::q:: Which is right? {=this ~that ~other}\n", "q.gift",
                f"imported-{a.username if a else 'console'}", "aftercare",
            ),
        ),
        Forbidden, Forbidden, OK, Forbidden,
    )  # fmt: skip
    add(
        "contentedit.history",
        contentedit.history,
        lambda w, a: contentedit.history(w.engine, a, qid),
        Forbidden, OK, OK, Forbidden,
    )  # fmt: skip
    add(
        "useradmin.set_content_editor of tina",
        useradmin.set_content_editor,
        lambda w, a: useradmin.set_content_editor(w.engine, a, "tina", True),
        NotFound, Forbidden, OK, Forbidden,
    )  # fmt: skip

    # fair exam arrangements: accommodations by the trainee's trainer or a manager, windows by
    # managers; what a start would mean, for anyone signed in
    def accommodate(user: str):
        return lambda w, a: accommodations.set_accommodation(
            w.engine, a, w.users[user].id, extra_minutes=10, reason="agreed"
        )

    add(
        "accommodations.set_accommodation of ann",
        accommodations.set_accommodation,
        accommodate("ann"),
        Forbidden, OK, OK, Forbidden,
    )  # fmt: skip
    add(
        "accommodations.set_accommodation of cat (south)",
        accommodations.set_accommodation,
        accommodate("cat"),
        NotFound, NotFound, OK, Forbidden,
    )  # fmt: skip
    add(
        "accommodations.accommodation_of ann",
        accommodations.accommodation_of,
        lambda w, a: accommodations.accommodation_of(w.engine, a, w.users["ann"].id),
        OK, OK, OK, NotFound,
    )  # fmt: skip
    add(
        "examwindows.windows",
        examwindows.windows,
        lambda w, a: examwindows.windows(w.engine, a),
        OK, OK, OK, AccountInactive,
    )  # fmt: skip
    add(
        "examwindows.set_window",
        examwindows.set_window,
        lambda w, a: examwindows.set_window(
            w.engine, a, w.catalogue, "quick-check", "north", NOW, None
        ),
        Forbidden, Forbidden, OK, Forbidden,
    )  # fmt: skip
    add(
        "examwindows.clear_window",
        examwindows.clear_window,
        lambda w, a: examwindows.clear_window(w.engine, a, "quick-check", None),
        Forbidden, Forbidden, OK, Forbidden,
    )  # fmt: skip
    add(
        "startterms.terms",
        startterms.terms,
        lambda w, a: startterms.terms(w.engine, a, w.catalogue.quizzes["certification-exam"]),
        OK, OK, OK, AccountInactive,
    )  # fmt: skip

    # exports and the audit log: active managers and the console only
    for kind in exports.KINDS:
        for func in (exports.export, exports.write):

            def call(w, a, func=func, kind=kind):
                if func is exports.write:
                    return func(w.engine, a, kind, io.BytesIO(), catalogue=w.catalogue)
                return func(w.engine, a, kind, catalogue=w.catalogue)

            add(f"exports.{func.__name__} {kind}", func, call, Forbidden, Forbidden, OK, Forbidden)
    add(
        "prepared.keep (an export waiting for its download)",
        prepared.keep,
        lambda w, a: prepared.keep(w.engine, a, io.BytesIO(b"x"), "a.csv", "text/csv"),
        Forbidden, Forbidden, OK, Forbidden,
    )  # fmt: skip
    # certificates: one's own and those of the trainees one sees; a cohort's zip and revoking
    # are for managers
    add(
        "ann's certificates",
        certificates.of_user,
        lambda w, a: certificates.of_user(w.engine, a, w.users["ann"].id),
        OK, OK, OK, NotFound,
    )  # fmt: skip
    add(
        "cat's certificates",
        certificates.of_user,
        lambda w, a: certificates.of_user(w.engine, a, w.users["cat"].id),
        NotFound, NotFound, OK, NotFound,
    )  # fmt: skip
    add(
        "the certificates of cohort south",
        certificates.of_cohort,
        lambda w, a: certificates.of_cohort(w.engine, a, "south"),
        Forbidden, Forbidden, OK, Forbidden,
    )  # fmt: skip
    add(
        "a zip of cohort south's certificates",
        certificates.cohort_zip,
        lambda w, a: certificates.cohort_zip(w.engine, a, "south"),
        Forbidden, Forbidden, OK, Forbidden,
    )  # fmt: skip
    add(
        "revoke one of cat's certificates",
        certificates.revoke,
        lambda w, a: certificates.revoke(w.engine, a, w.extra["cat_codes"][a is None], "Why"),
        Forbidden, Forbidden, OK, AccountInactive,
    )  # fmt: skip
    audit_calls = {
        auditlog.search: lambda w, a: auditlog.search(w.engine, a),
        auditlog.count: lambda w, a: auditlog.count(w.engine, a),
        auditlog.lines: lambda w, a: list(auditlog.lines(w.engine, a)),
        auditlog.actions: lambda w, a: auditlog.actions(w.engine, a),
        auditlog.write: lambda w, a: auditlog.write(w.engine, a, io.BytesIO()),
        auditlog.export: lambda w, a: auditlog.export(w.engine, a, fmt="json"),
    }
    for func, call in audit_calls.items():
        add(f"auditlog.{func.__name__}", func, call, Forbidden, Forbidden, OK, Forbidden)

    # personal data: one's own, or anyone's as a manager; erasing is for managers (the console
    # erases cat, as bob is the manager's by then)
    add(
        "personal.export of bob",
        personal.export,
        lambda w, a: personal.export(w.engine, a, "bob", w.catalogue),
        NotFound, Forbidden, OK, AccountInactive,
    )  # fmt: skip
    add(
        "personal.export of one's own",
        personal.export,
        lambda w, a: personal.export(w.engine, a, a.username if a else "ann", w.catalogue),
        OK, OK, OK, AccountInactive,
    )  # fmt: skip
    add(
        "prepared.keep of bob's personal data (a zip waiting for its download)",
        prepared.keep,
        lambda w, a: prepared.keep(
            w.engine, a, io.BytesIO(b"PK"), "p.zip", "application/zip",
            action=Action.EXPORT_PERSONAL_DATA, subject=w.users["bob"],
        ),
        Forbidden, Forbidden, OK, Forbidden,
    )  # fmt: skip
    add(
        "prepared.keep of one's own personal data",
        prepared.keep,
        lambda w, a: prepared.keep(
            w.engine, a, io.BytesIO(b"PK"), "p.zip", "application/zip",
            action=Action.EXPORT_PERSONAL_DATA, subject=a,
        ),
        OK, OK, OK, Forbidden,
    )  # fmt: skip
    add(
        "erasure.erase",
        erasure.erase,
        lambda w, a: erasure.erase(w.engine, a, "bob" if a else "tom", "left", w.catalogue),
        NotFound, Forbidden, OK, AccountInactive,
    )  # fmt: skip
    return cases


CHECKS: dict[str, Callable[[World, User | None, Any], Any]] = {}
CASES = _cases()


def test_every_service_function_has_a_case():
    covered = {case.qualname for case in CASES}
    missing = service_functions() - covered
    assert not missing, f"add a permission case for: {sorted(missing)}"
    assert covered <= service_functions(), "a case names a function that is gone"


def outcome(case: Case, world: World, kind: str) -> str | None:
    """What went wrong for one kind of user, or None."""
    actor, expected = world.actor(kind), case.expect[kind]
    if expected == OK:
        try:
            result = case.call(world, actor)
        except Exception as exc:
            return f"{kind}: refused with {type(exc).__name__}: {exc}"
        check = CHECKS.get(case.name)
        if check is not None and check(world, actor, result) is False:
            return f"{kind}: allowed, but the result shows too much: {result!r:.200}"
        return None
    before = snapshot(world.engine)
    try:
        case.call(world, actor)
    except expected:
        pass
    except Exception as exc:
        return f"{kind}: expected {expected.__name__}, got {type(exc).__name__}: {exc}"
    else:
        return f"{kind}: expected {expected.__name__}, but it was allowed"
    if snapshot(world.engine) != before:
        return f"{kind}: refused, but it wrote something"
    return None


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_service_function_for_every_kind_of_user(world, case):
    # The refusals first: each must leave every table as it was, so the next kind meets the same
    # world; then the allowed calls, in the order of KINDS (none spoils another's: each acts on
    # its own things or repeats a change harmlessly).
    kinds = [k for k in KINDS if case.expect[k] != SKIP]
    refused = [k for k in kinds if case.expect[k] != OK]
    allowed = [k for k in kinds if case.expect[k] == OK]
    problems = [p for kind in refused + allowed if (p := outcome(case, world, kind))]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("act", ["save_answer", "set_flag", "submit"])
def test_a_deactivated_user_may_not_go_on_with_their_open_attempt(world, act):
    gone = world.users["gone"]
    calls = {
        "save_answer": lambda: attempts.save_answer(world.engine, gone, world.gone_open, 0, None),
        "set_flag": lambda: attempts.set_flag(world.engine, gone, world.gone_open, 0, True),
        "submit": lambda: attempts.submit(world.engine, gone, world.gone_open),
    }
    before = snapshot(world.engine)
    with pytest.raises(AccountInactive):
        calls[act]()
    assert snapshot(world.engine) == before


# --- pages ---------------------------------------------------------------------------------------

PAGE_KINDS = (*KINDS, "demoted")  # demoted: a trainer made a trainee while signed in


def page_signs(ann_done: int, ann_id: int) -> dict[str, tuple[dict, Callable[[Any], bool]]]:
    """Per page: the query parameters to open it with, and what shows that it rendered."""

    def title(text: str) -> Callable[[Any], bool]:
        return lambda at: text in titles(at)

    def warning(text: str) -> Callable[[Any], bool]:
        return lambda at: text in values(at.warning)

    return {
        "home": ({}, lambda at: any(t.startswith("Welcome, ") for t in titles(at))),
        "quiz": ({}, warning("No attempt chosen. Start or resume a quiz from your home page.")),
        "results": ({}, warning("No attempt chosen. Your attempts are listed under History.")),
        "history": ({}, title("History")),
        "trainees": ({}, title("Trainees")),
        "trainee": ({"user": ann_id}, title("Ann Example")),
        "review": ({"attempt": ann_done}, title("Practice: Aftercare")),
        "items": ({}, title("Item analysis")),
        "bank": ({}, title("Question bank")),
        "import": ({}, title("Import questions")),
        "reported": ({}, title("Reported questions")),
        "certification": ({}, title("Certification")),
        "users": ({}, title("Users")),
        "exports": ({}, title("Exports")),
        "audit": ({}, title("Audit log")),
        "account": ({}, title("My account")),
        "passmark": ({}, title("Pass mark")),
    }


def test_every_page_has_a_sign_to_look_for():
    assert set(page_signs(1, 1)) == set(PAGE_ROLES)


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_every_page_for_every_kind_of_user(ui, fresh_db, catalogue, kind):
    boss = ui["boss"]
    useradmin.edit_user(fresh_db, boss, "ann", display_name="Ann Example")
    ann_done = finish(fresh_db, ui["ann"], catalogue, "practice-aftercare", right=0)
    signs = page_signs(ann_done, ui["ann"].id)
    if kind == "nobody":
        at, user = new_session(), None
    else:
        name = {"deactivated": "tina", "demoted": "tina"}.get(kind, ACTING.get(kind))
        at = sign_in(name)
        if kind == "deactivated":
            useradmin.set_active(fresh_db, boss, name, False)
        if kind == "demoted":
            useradmin.edit_user(fresh_db, boss, name, role="trainee")
        user = accounts.get_user(fresh_db, boss, name)
    problems = []
    for page, (params, rendered) in signs.items():
        open_page(at, page, **params)
        if may_open(user, page):
            if not rendered(at) or at.error:
                problems.append(f"{page}: should render; shows {titles(at)} {values(at.error)}")
            continue
        shown = titles(at)
        fallback = (
            ["Resurface"] if user is None or not user.active else [f"Welcome, {user.display_name}"]
        )
        if rendered(at) or at.dataframe or shown != fallback:
            problems.append(f"{page}: should show nothing of it; shows {shown}")
    assert not problems, "\n".join(problems)
