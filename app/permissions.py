"""Who may do what: one question, ``allowed(actor, action, resource)``, for pages and services.

Modelled on datasette's ``permission_allowed(actor, action, resource)``. An actor is a person
(``app.accounts.User`` or anything with its id, role, cohort and active flag), the operator at
the console (CONSOLE, who may do anything), or None: nobody signed in, who may do nothing. The
core's functions take ``actor`` None to mean the console; they ask through ``acting(actor)``.

A resource says what the action is aimed at, when the rule depends on it: a person (Person), an
account about to be created (NewAccount), a cohort (Cohort; EVERY_COHORT for all of them) or a
comment's author (Authored). Without one, ``allowed`` answers whether the actor may do the
action to anything at all: whether a trainer may comment (yes, on some attempts) or a trainee
(never).

Pure: no database, no I/O, so every rule is tested on its own (tests/test_permissions_matrix.py).
The refusal itself (``Forbidden``) is raised by ``app.accounts.require``, where the account
errors live.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal, Protocol, TypeVar

Role = Literal["trainee", "trainer", "manager"]
ROLES: tuple[Role, ...] = ("trainee", "trainer", "manager")
STAFF: frozenset[str] = frozenset({"trainer", "manager"})


class Person(Protocol):
    """Whoever acts or is acted on, as the rules see them (``app.accounts.User`` is one)."""

    @property
    def id(self) -> int: ...

    @property
    def role(self) -> Role: ...

    @property
    def cohort(self) -> str | None: ...

    @property
    def active(self) -> bool: ...


class Authored(Protocol):
    """A comment, as its rules see it: who wrote it (``app.comments.Comment`` is one)."""

    @property
    def author_id(self) -> int: ...


@dataclass(frozen=True)
class Written:
    """A comment known only by its author's id (a row read from the database)."""

    author_id: int


@dataclass(frozen=True)
class NewAccount:
    """An account about to be created: its role and cohort."""

    role: str
    cohort: str | None


@dataclass(frozen=True)
class Cohort:
    """A cohort by name; ``name`` None stands for every cohort at once (EVERY_COHORT)."""

    name: str | None


EVERY_COHORT = Cohort(None)


@dataclass(frozen=True)
class Console:
    """The operator at the console (the ``resurface`` command), who may do anything."""


CONSOLE = Console()

Actor = Person | Console | None
Resource = Person | NewAccount | Cohort | Authored | None


class Action(StrEnum):
    """Everything the rules are asked about; ``page.<id>`` opens a page of the app."""

    OPEN_HOME = "page.home"
    OPEN_QUIZ = "page.quiz"
    OPEN_RESULTS = "page.results"
    OPEN_HISTORY = "page.history"
    OPEN_TRAINEES = "page.trainees"
    OPEN_TRAINEE = "page.trainee"
    OPEN_REVIEW = "page.review"
    OPEN_ITEMS = "page.items"
    OPEN_BANK = "page.bank"
    OPEN_IMPORT = "page.import"  # the page; writing a bank needs EDIT_CONTENT, asked again there
    OPEN_CERTIFICATION = "page.certification"
    OPEN_USERS = "page.users"
    OPEN_EXPORTS = "page.exports"
    OPEN_AUDIT = "page.audit"
    OPEN_ACCOUNT = "page.account"
    OPEN_PASSMARK = "page.passmark"
    OPEN_REPORTED = "page.reported"
    VIEW_USER = "user.view"  # Person: see an account, its attempts and their comments
    MANAGE_USER = "user.manage"  # Person: list it among the accounts one manages; EVERY_COHORT
    CREATE_USER = "user.create"  # NewAccount
    RENAME_USER = "user.rename"  # Person: change the display name
    CHANGE_ROLE = "user.role"  # Person
    CHANGE_COHORT = "user.cohort"  # Person
    SET_PASSWORD = "user.password"  # Person: one's own, or an account one manages
    RESET_PASSWORD = "user.reset"  # Person: a temporary password; also clearing a sign-in delay
    SET_ACTIVE = "user.activate"  # Person: deactivate or reactivate
    IMPORT_USERS = "user.import"  # each row is then a CREATE_USER (or an INVITE_USER)
    INVITE_USER = "user.invite"  # NewAccount: a trainee, by an emailed link to set a password
    SET_EMAIL = "user.email"  # Person: one's own address, or that of an account one manages
    VIEW_RECORD = "trainee.record"  # Person: a trainee's record (attempts, certifications)
    REPORT = "report"  # Cohort: dashboards, item analysis, certification reports
    COMMENT = "comment.add"  # Person: the owner of the attempt commented on
    REMOVE_COMMENT = "comment.remove"  # Authored
    EXPORT = "export"
    READ_AUDIT = "audit.read"
    RATE_QUESTIONS = "passmark.rate"  # standard setting: rate an exam's questions, see the result
    ADOPT_PASS_MARK = "passmark.adopt"  # write a quiz's pass mark into quizzes.yaml
    REPORT_QUESTION = "question.report"  # Person: the owner of the attempt it was seen in
    READ_QUESTION_REPORTS = "question.reports"  # the queue; reporters' names need VIEW_USER
    RESOLVE_QUESTION_REPORT = "question.resolve"
    REGRADE = "attempt.regrade"  # Cohort: carry a question's corrected key to its attempts
    VOID = "question.void"  # give a question's point to everyone, or drop it, in one quiz
    EDIT_CONTENT = "content.edit"  # edit, create and retire questions (the YAML banks)
    GRANT_EDITING = "content.grant"  # Person: let a trainer edit content, or stop them
    EXPORT_PERSONAL_DATA = "person.export"  # Person: everything held about them, as a zip
    ERASE_PERSON = "person.erase"  # Person: replace their identity with a pseudonym
    ACCOMMODATE = "trainee.accommodate"  # Person: a trainee's extra time and extra attempts
    SET_EXAM_WINDOW = "quiz.window"  # Cohort: when a quiz opens and closes; EVERY_COHORT
    DOWNLOAD_CERTIFICATE = "certificate.download"  # Person: the certificates' owner
    DOWNLOAD_CERTIFICATES = "certificate.bulk"  # Cohort: a zip of a cohort's; EVERY_COHORT
    REVOKE_CERTIFICATE = "certificate.revoke"


# What a refusal says, for the actions refused by role alone.
REFUSALS: dict[Action, str] = {
    Action.IMPORT_USERS: "importing trainees is for trainers and managers",
    Action.VIEW_RECORD: "reports are for trainers and managers",
    Action.REPORT: "reports are for trainers and managers",
    Action.COMMENT: "only trainers and managers comment on attempts",
    Action.REMOVE_COMMENT: "only its author or a manager can remove a comment",
    Action.EXPORT: "exports are for managers",
    Action.READ_AUDIT: "the audit log is for managers",
    Action.RATE_QUESTIONS: "standard setting is for trainers and managers",
    Action.ADOPT_PASS_MARK: "only managers adopt a pass mark",
    Action.REPORT_QUESTION: "you can report the questions of your own attempts only",
    Action.READ_QUESTION_REPORTS: "reported questions are for trainers and managers",
    Action.RESOLVE_QUESTION_REPORT: "only trainers and managers resolve reported questions",
    Action.REGRADE: "regrading is for trainers and managers",
    Action.VOID: "voiding a question is for managers: it changes every cohort's scores",
    Action.EDIT_CONTENT: "editing questions is for managers and the trainers they allow",
    Action.GRANT_EDITING: "only managers let trainers edit questions",
    Action.EXPORT_PERSONAL_DATA: "you can export your own data; managers export anyone's",
    Action.ERASE_PERSON: "only managers erase a person, and never themselves",
    Action.ACCOMMODATE: "accommodations are set by the trainee's trainer or a manager",
    Action.SET_EXAM_WINDOW: "only managers set when a quiz opens and closes",
    Action.DOWNLOAD_CERTIFICATES: "downloading a cohort's certificates is for managers",
    Action.REVOKE_CERTIFICATE: "only managers revoke certificates",
}

# Which roles may open each page. Every page checks it again when it renders, so a deep link to a
# page outside a role's navigation shows nothing of it.
_PAGES: dict[Action, frozenset[str]] = {
    Action.OPEN_HOME: frozenset(ROLES),
    Action.OPEN_QUIZ: frozenset(ROLES),
    Action.OPEN_RESULTS: frozenset(ROLES),
    Action.OPEN_HISTORY: frozenset(ROLES),
    Action.OPEN_TRAINEES: STAFF,
    Action.OPEN_TRAINEE: STAFF,
    Action.OPEN_REVIEW: STAFF,
    Action.OPEN_ITEMS: STAFF,
    Action.OPEN_BANK: STAFF,
    Action.OPEN_IMPORT: STAFF,
    Action.OPEN_CERTIFICATION: STAFF,
    Action.OPEN_USERS: STAFF,
    Action.OPEN_EXPORTS: frozenset({"manager"}),
    Action.OPEN_AUDIT: frozenset({"manager"}),
    Action.OPEN_ACCOUNT: frozenset(ROLES),
    Action.OPEN_PASSMARK: STAFF,
    Action.OPEN_REPORTED: STAFF,
}


def _reaches(actor: Person, role: str, cohort: str | None) -> bool:
    """Managers reach every account; trainers the trainees of their own cohort; trainees nobody."""
    if actor.role == "manager":
        return True
    return actor.role == "trainer" and role == "trainee" and cohort == actor.cohort


def _view_user(actor: Person, target: Any) -> bool:
    """Oneself, and the accounts one reaches."""
    if target is None:
        return True
    return bool(target.id == actor.id or _reaches(actor, target.role, target.cohort))


def _manage_user(actor: Person, target: Any) -> bool:
    if target is None:
        return actor.role in STAFF
    if isinstance(target, Cohort):
        return _report(actor, target)
    return _reaches(actor, target.role, target.cohort)


def _create_user(actor: Person, account: Any) -> bool:
    return actor.role in STAFF if account is None else _reaches(actor, account.role, account.cohort)


def _invite_user(actor: Person, account: Any) -> bool:
    """Trainees only (staff accounts are made by hand), into a cohort one reaches."""
    if account is None:
        return actor.role in STAFF
    return account.role == "trainee" and _reaches(actor, account.role, account.cohort)


def _self_or_reached(actor: Person, target: Any) -> bool:
    """Oneself, or an account one reaches: renaming, setting a password."""
    return target is None or target.id == actor.id or _reaches(actor, target.role, target.cohort)


def _someone_else_reached(actor: Person, target: Any) -> bool:
    """An account one reaches but never one's own: a reset, a deactivation."""
    if target is None:
        return actor.role in STAFF
    return bool(target.id != actor.id and _reaches(actor, target.role, target.cohort))


def _change_role(actor: Person, target: Any) -> bool:
    return actor.role == "manager" and (target is None or target.id != actor.id)


def _report(actor: Person, cohort: Any) -> bool:
    """Trainers their own cohort; managers any, and every cohort at once (EVERY_COHORT)."""
    if cohort is None:
        return actor.role in STAFF
    if actor.role == "manager":
        return True
    return actor.role == "trainer" and cohort.name is not None and cohort.name == actor.cohort


def _view_record(actor: Person, target: Any) -> bool:
    if actor.role not in STAFF:
        return False
    return target is None or (target.role == "trainee" and _view_user(actor, target))


def _comment(actor: Person, owner: Any) -> bool:
    """Staff, on an attempt of someone they see, never on their own."""
    if actor.role not in STAFF:
        return False
    return owner is None or (owner.id != actor.id and _view_user(actor, owner))


def _remove_comment(actor: Person, comment: Any) -> bool:
    if comment is None:
        return actor.role in STAFF
    return bool(comment.author_id == actor.id or actor.role == "manager")


def _report_question(actor: Person, owner: Any) -> bool:
    """Anyone, on a question of their own attempt: what they saw is theirs to report."""
    return owner is None or owner.id == actor.id


def _edit_content(actor: Person, _resource: Any) -> bool:
    """Managers; a trainer a manager has let (the account's ``edits_content``)."""
    if actor.role == "manager":
        return True
    return actor.role == "trainer" and bool(getattr(actor, "edits_content", False))


def _grant_editing(actor: Person, target: Any) -> bool:
    """Managers, to trainers (managers edit anyway; trainees never do)."""
    return actor.role == "manager" and (target is None or target.role == "trainer")


def _export_personal_data(actor: Person, target: Any) -> bool:
    """Anyone their own ("send me everything you hold about me"); managers anyone's."""
    return target is None or target.id == actor.id or actor.role == "manager"


def _erase_person(actor: Person, target: Any) -> bool:
    """Managers, someone else: erasing oneself would leave nobody to answer for it."""
    return actor.role == "manager" and (target is None or target.id != actor.id)


def _accommodate(actor: Person, target: Any) -> bool:
    """Trainers for the trainees of their cohort, managers for any trainee."""
    if actor.role not in STAFF:
        return False
    return target is None or (
        target.role == "trainee" and _reaches(actor, "trainee", target.cohort)
    )


def _set_exam_window(actor: Person, _cohort: Any) -> bool:
    """Managers: a window decides when a whole cohort (or everyone) may sit an exam."""
    return actor.role == "manager"


def _download_certificate(actor: Person, owner: Any) -> bool:
    """One's own certificates; a trainee's, for whoever may see their record."""
    return owner is None or owner.id == actor.id or _view_record(actor, owner)


def _roles(*roles: str) -> Callable[[Person, Any], bool]:
    return lambda actor, _resource: actor.role in roles


_RULES: dict[Action, Callable[[Person, Any], bool]] = {
    **{page: _roles(*roles) for page, roles in _PAGES.items()},
    Action.VIEW_USER: _view_user,
    Action.MANAGE_USER: _manage_user,
    Action.CREATE_USER: _create_user,
    Action.RENAME_USER: _self_or_reached,
    Action.CHANGE_ROLE: _change_role,
    Action.CHANGE_COHORT: _roles("manager"),
    Action.SET_PASSWORD: _self_or_reached,
    Action.RESET_PASSWORD: _someone_else_reached,
    Action.SET_ACTIVE: _someone_else_reached,
    Action.IMPORT_USERS: _roles(*STAFF),
    Action.INVITE_USER: _invite_user,
    Action.SET_EMAIL: _self_or_reached,
    Action.VIEW_RECORD: _view_record,
    Action.REPORT: _report,
    Action.COMMENT: _comment,
    Action.REMOVE_COMMENT: _remove_comment,
    Action.EXPORT: _roles("manager"),
    Action.READ_AUDIT: _roles("manager"),
    Action.RATE_QUESTIONS: _roles(*STAFF),
    Action.ADOPT_PASS_MARK: _roles("manager"),
    Action.REPORT_QUESTION: _report_question,
    Action.READ_QUESTION_REPORTS: _roles(*STAFF),
    Action.RESOLVE_QUESTION_REPORT: _roles(*STAFF),
    # Trainers regrade their own cohort's attempts, managers any cohort's or all at once. A void
    # holds for the whole quiz, every cohort and every attempt to come: managers only.
    Action.REGRADE: _report,
    Action.VOID: _roles("manager"),
    Action.EDIT_CONTENT: _edit_content,
    Action.GRANT_EDITING: _grant_editing,
    Action.EXPORT_PERSONAL_DATA: _export_personal_data,
    Action.ERASE_PERSON: _erase_person,
    Action.ACCOMMODATE: _accommodate,
    Action.SET_EXAM_WINDOW: _set_exam_window,
    Action.DOWNLOAD_CERTIFICATE: _download_certificate,
    Action.DOWNLOAD_CERTIFICATES: _roles("manager"),
    Action.REVOKE_CERTIFICATE: _roles("manager"),
}


def allowed(actor: Actor, action: Action, resource: Resource = None) -> bool:
    """Whether ``actor`` may do ``action`` to ``resource`` (None: to anything at all).

    The console may do anything and nobody (None) nothing. A deactivated account may see itself
    and do nothing else, whatever its role.
    """
    if isinstance(actor, Console):
        return True
    if actor is None:
        return False
    if not actor.active:
        return action is Action.VIEW_USER and resource is not None and _is_self(actor, resource)
    return _RULES[action](actor, resource)


def _is_self(actor: Person, resource: Any) -> bool:
    return getattr(resource, "id", None) == actor.id


P = TypeVar("P", bound=Person)


def acting(actor: P | None) -> P | Console:
    """The actor a core function acts for: its ``actor``, where None is the console operator."""
    return CONSOLE if actor is None else actor


def refusal(action: Action) -> str:
    """What a refusal of ``action`` says when the caller has nothing more particular to say."""
    return REFUSALS.get(action, "you may not do this")


# --- pages ----------------------------------------------------------------------------------------

PAGES: tuple[str, ...] = tuple(a.value.removeprefix("page.") for a in _PAGES)


def page_action(page: str) -> Action | None:
    """The action of opening the page ``page`` (None: no such page)."""
    return next((a for a in _PAGES if a.value == f"page.{page}"), None)


def may_open(actor: Person | None, page: str) -> bool:
    """Whether a signed-in, active user may open an app page (unknown pages: nobody)."""
    action = page_action(page)
    return action is not None and actor is not None and allowed(actor, action)


@dataclass(frozen=True)
class _Anyone:
    """An active account of some role, to ask the rules what the role alone allows."""

    role: Role
    id: int = 0
    cohort: str | None = None
    active: bool = True


# Which roles may open each page, as a table for whoever wants one (the tests); the rule is the
# page's action above.
PAGE_ROLES: dict[str, frozenset[Role]] = {
    page: frozenset(r for r in ROLES if may_open(_Anyone(r), page)) for page in PAGES
}
