"""Session-state keys, in one place. Widget keys are namespaced by attempt and position."""

from __future__ import annotations

USER = "auth.user"  # the signed-in User, refreshed from the database on every run
TOKEN = "auth.token"  # the session token of the signed-in user (app.websession)
DELIVER = "auth.deliver"  # a fresh token the browser still has to exchange for its cookie
SIGNED_OUT = "auth.signed_out"  # signed out in this tab: ignore the cookie it arrived with
DROP = "auth.drop"  # the browser still has to drop its cookie
NOTICE = "ui.notice"  # a one-off message for the next page (text, kind)
SIGN_OUT = "auth.sign_out"  # the sidebar's "Sign out" button
CONFIRM_SUBMIT = "quiz.confirm_submit"  # open the "Submit this attempt?" dialog in the next run


def answer(attempt_id: int, position: int) -> str:
    return f"quiz.answer.{attempt_id}.{position}"


# Keys reach the browser (as element ids and CSS classes), so they name the place an option or a
# row is shown at, never its index in the bank: that index would tell which options are right.


def option(attempt_id: int, position: int, slot: int) -> str:
    """The checkbox shown ``slot``-th (from 0) in a multiple-answer question."""
    return f"quiz.answer.{attempt_id}.{position}.{slot}"


def match(attempt_id: int, position: int, row: int) -> str:
    """The select box on the ``row``-th (from 0) row shown of a matching question."""
    return f"quiz.match.{attempt_id}.{position}.{row}"


def save_again(attempt_id: int, position: int) -> str:
    return f"quiz.save_again.{attempt_id}.{position}"


def flag(attempt_id: int, position: int) -> str:
    return f"quiz.flag.{attempt_id}.{position}"


def navigator(attempt_id: int) -> str:
    return f"quiz.nav.{attempt_id}"


# The quiz page's buttons and its confirmation dialog (app/ui/views/quiz.py)
QUIZ_PREV = "quiz.prev"
QUIZ_NEXT = "quiz.next"
QUIZ_SUBMIT = "quiz.submit"  # "Submit quiz…" under the navigator, before the last question
QUIZ_SUBMIT_LAST = "quiz.submit_last"  # "Submit…" in place of Next on the last question
QUIZ_KEEP = "quiz.keep"  # the dialog's "Keep working"
QUIZ_SUBMIT_NOW = "quiz.submit_now"  # the dialog's "Submit now"


def check_form(attempt_id: int, position: int) -> str:
    """The "Check answer" form of a practice question (immediate feedback)."""
    return f"quiz.check.{attempt_id}.{position}"


def scrolled_to(attempt_id: int) -> str:
    """The position of the question last scrolled to the top (a new one starts at the top)."""
    return f"quiz.shown.{attempt_id}"


def focused_on(attempt_id: int) -> str:
    """The position of the question whose heading last got the focus (app/ui/a11y.py)."""
    return f"quiz.focused.{attempt_id}"


QUIZ_REFOCUS = "quiz.refocus"  # a practice check: the focus goes back to the question's heading
A11Y_SERIAL = "a11y.serial"  # numbers the focus and live-region scripts, so each one runs
A11Y_SAID = "a11y.said"  # what the polite live region says on the next run ("Answer saved")


# Home and History: the attempt a click started, to open at the start of the next run
# (app/ui/views/home.py, history.py)
HOME_GO = "home.go"
HISTORY_GO = "history.go"
HISTORY_MISTAKES = "history.mistakes"  # "Practise my mistakes"


HOME_START = "home.start."  # the Start buttons of the home page's quiz cards, by quiz id


def home_start(quiz_id: str) -> str:
    """A quiz card's Start button on the home page."""
    return f"{HOME_START}{quiz_id}"


# A timed or limited quiz asks before it starts (app.startterms): the quiz whose card shows the
# question, and its two buttons.
HOME_ASKING = "home.asking"


def home_confirm(quiz_id: str) -> str:
    """The card's "Start <title>" button: the start itself."""
    return f"home.confirm.{quiz_id}"


def home_cancel(quiz_id: str) -> str:
    return f"home.cancel.{quiz_id}"


# Exam windows on the Certification page (app/ui/windows.py)
WINDOW_FORM = "windows.form"
WINDOW_QUIZ = "windows.quiz"
WINDOW_COHORT = "windows.cohort"
WINDOW_OPENS = "windows.opens"
WINDOW_OPENS_AT = "windows.opens_at"
WINDOW_CLOSES = "windows.closes"
WINDOW_CLOSES_AT = "windows.closes_at"
WINDOW_PICK = "windows.pick"  # the window to remove
WINDOW_REMOVE = "windows.remove"
WINDOW_MESSAGE = "windows.message"  # (text, kind) for the next run

# A trainee's accommodation on their record (app/ui/views/trainee_record.py)
ACCOMMODATION_FORM = "record.accommodation"
ACCOMMODATION_MINUTES = "record.accommodation.minutes"
ACCOMMODATION_FACTOR = "record.accommodation.factor"
ACCOMMODATION_ATTEMPTS = "record.accommodation.attempts"
ACCOMMODATION_REASON = "record.accommodation.reason"
ACCOMMODATION_MESSAGE = "record.accommodation.message"  # (text, kind) for the next run


# The sign-in page (app/ui/views/signin.py)
SIGNIN_FORM = "signin"
SIGNIN_USERNAME = "signin.username"
SIGNIN_PASSWORD = "signin.password"


# Item analysis page (app/ui/views/items.py)
ITEMS_QUIZ = "items.quiz"
ITEMS_WHICH = "items.which"
ITEMS_COHORT = "items.cohort"
ITEMS_FLAGGED = "items.flagged_only"
ITEMS_QUESTION = "items.question"
ITEMS_REFRESH = "items.refresh"
ITEMS_RESULT = "items.result"  # the last analysis, with what it was computed for and when

# Regrade and void on the Item analysis page (app/ui/regrading.py)
REGRADE_FORM = "regrade.form"
REGRADE_TABLE = "regrade.table"  # the dry run's table
REGRADE_REASON = "regrade.reason"
REGRADE_APPLY = "regrade.apply"
REGRADE_CANCEL = "regrade.cancel"
REGRADE_TYPED = "regrade.typed"  # the reason typed, kept when an apply fails
VOID_OPEN = "void.open"  # the question whose void dry run is open, or None
VOID_FORM = "void.form"
VOID_TABLE = "void.table"
VOID_HOW = "void.how"
VOID_REASON = "void.reason"
VOID_APPLY = "void.apply"
VOID_CANCEL = "void.cancel"
VOID_TYPED = "void.typed"


def regrade_open(qid: str) -> str:
    """A question's "Regrade…" button in the list of questions answered in earlier versions."""
    return f"regrade.open.{qid}"


def void_open(qid: str) -> str:
    """The "Void…" button of the question looked at."""
    return f"void.open.{qid}"


# The question bank page (app/ui/views/bank.py)
BANK_SEARCH = "bank.search"
BANK_TOPICS = "bank.topics"
BANK_TYPES = "bank.types"
BANK_DIFFICULTY = "bank.difficulty"
BANK_DOCS = "bank.docs"
BANK_FILTERS = (BANK_SEARCH, BANK_TOPICS, BANK_TYPES, BANK_DIFFICULTY, BANK_DOCS)
BANK_CLEAR = "bank.clear"
BANK_PICK = "bank.pick"  # the question picker; the previewed qid is copied into BANK_PREVIEW
BANK_PREVIEW = "bank.preview"
BANK_PREV = "bank.prev"
BANK_NEXT = "bank.next"
BANK_REVALIDATE = "bank.revalidate"
BANK_VALIDATED = "bank.validated"  # the summary of the last "Re-validate now", for its message
BANK_STATS = "bank.stats"  # this session's item analyses, by quiz, with when they were computed
BANK_TABLE = "bank.table"  # the question table; its selected row follows the preview
# The question editor (app/ui/views/bank_editor.py)
BANK_EDITING = "bank.editing"  # the question being edited (app.bank.editing.Opened), or absent
BANK_EDIT_MESSAGE = "bank.edit.message"  # (text, kind) for the next run
BANK_EDIT_OPEN = "bank.edit.open"
BANK_EDIT_SAVE = "bank.edit.save"
BANK_EDIT_CANCEL = "bank.edit.cancel"
BANK_EDIT_CONFIRM = "bank.edit.confirm"  # save with new item-writing warnings
BANK_EDIT_COUNTS = "bank.edit.counts"  # how many options, pairs and citations the form shows
BANK_NEW_BANK = "bank.new.bank"
BANK_NEW_TYPE = "bank.new.type"
BANK_NEW = "bank.new"
BANK_RETIRE = "bank.retire"  # Retire… / Bring back…
BANK_RETIRE_CONFIRM = "bank.retire.confirm"  # the qid whose retirement awaits confirmation
BANK_RETIRE_YES = "bank.retire.yes"
BANK_RETIRE_NO = "bank.retire.no"
BANK_EXPORT_FORMAT = "bank.export.format"  # the Question bank page's Export bank format
BANK_EXPORT_BANKS = "bank.export.banks"
BANK_EXPORT = "bank.export"  # its download button

# The Import questions page (app/ui/views/bank_import.py)
IMPORT_FORMAT = "import.format"
IMPORT_BANK = "import.bank"
IMPORT_TITLE = "import.title"
IMPORT_TOPIC = "import.topic"
IMPORT_REPLACE = "import.replace"
IMPORT_WRITE = "import.write"
IMPORT_UPLOADS = "import.uploads"  # imports this session wrote: a fresh uploader after each
IMPORT_MESSAGE = "import.message"  # (text, kind) for the next run
IMPORT_TEMPLATE_XLSX = "import.template.xlsx"
IMPORT_TEMPLATE_CSV = "import.template.csv"


def edit_field(name: str) -> str:
    """A field of the question editor: ``bank.edit.stem``."""
    return f"bank.edit.{name}"


def edit_part(kind: str, i: int, part: str) -> str:
    """One part of an option, pair or citation in the editor: ``bank.edit.options.2.text``."""
    return f"bank.edit.{kind}.{i}.{part}"


def edit_more(kind: str, sign: str) -> str:
    """The add (``+``) or remove (``-``) button of the editor's options, pairs or citations."""
    return f"bank.edit.{kind}.{'add' if sign == '+' else 'drop'}"


# Trainees dashboard, a trainee's record and an attempt's review (app/ui/views/trainee_list.py,
# trainee_record.py, review.py)
DASH_QUIZ = "trainees.quiz"
DASH_FROM = "trainees.from"
DASH_TO = "trainees.to"
DASH_COHORT = "trainees.cohort"
DASH_INACTIVE = "trainees.inactive"
DASH_TABLE = "trainees.table"
DASH_PICK = "trainees.pick"
DASH_GO = "trainees.go"  # the trainee picked, to open at the start of the next run


def comment_form(attempt_id: int, position: int | None) -> str:
    return f"review.comment.{attempt_id}.{'all' if position is None else position}"


def comment_text(attempt_id: int, position: int | None) -> str:
    return f"{comment_form(attempt_id, position)}.text"


def comment_remove(comment_id: int) -> str:
    return f"review.remove.{comment_id}"


def review_question(attempt_id: int, position: int) -> str:
    """The bordered box of one question in an attempt's review."""
    return f"review.q.{attempt_id}.{position}"


# The certification dashboard (app/ui/views/certification.py)
CERT_COHORT = "certification.cohort"
CERT_QUIZ = "certification.quiz"
CERT_AS_OF = "certification.as_of"
CERT_INACTIVE = "certification.inactive"
CERT_EXPIRING = "certification.expiring"
CERT_EXPIRED = "certification.expired"
CERT_NEVER = "certification.never"
CERT_ALL = "certification.all"
CERT_TABLES = (CERT_EXPIRING, CERT_EXPIRED, CERT_NEVER, CERT_ALL)
CERT_PICK = "certification.pick"
CERT_NARROW = "certification.narrow"  # a cohort clicked in the table, to choose in the next run
CERT_GO = "certification.go"  # the trainee picked, to open at the start of the next run


def cert_cohorts(cohort: str | None) -> str:
    """The per-cohort table of the certification page (a new one, unselected, per cohort)."""
    return f"certification.cohorts.{cohort or 'all'}"


# Exports page (app/ui/views/exports.py)
EXPORT_KIND = "exports.kind"
EXPORT_FROM = "exports.from"
EXPORT_TO = "exports.to"
EXPORT_COHORT = "exports.cohort"
EXPORT_QUIZ = "exports.quiz"
EXPORT_BOM = "exports.bom"
EXPORT_FORMAT = "exports.format"  # xlsx or csv
EXPORT_PREPARE = "exports.prepare"
EXPORT_DOWNLOAD = "exports.download"
EXPORT_READY = "exports.ready"  # the last prepared file: (made for, spool.Spooled, rows, name)


def export_quiz(kind: str) -> str:
    """The quiz filter, one per export kind: the choices differ by kind."""
    return f"{EXPORT_QUIZ}.{kind}"


# A password someone else set must be replaced before any page opens (app/ui/auth.py, signin.py);
# My account (app/ui/views/account.py) uses the same form.
MUST_CHANGE = "auth.must_change"  # the signed-in user who must choose a new password first
PASSWORD_FORM = "account.password"
PASSWORD_FORCED_FORM = "signin.new_password"
PASSWORD_CURRENT = "account.password.current"
PASSWORD_NEW = "account.password.new"
PASSWORD_REPEAT = "account.password.repeat"
PASSWORD_ERROR = "account.password.error"
SIGNIN_ERROR = "signin.error"  # why the sign-in page is shown again (set by other pages too)
FORCED_SIGN_OUT = "signin.new_password.sign_out"

# The Users page (app/ui/views/users.py)
USERS_SEARCH = "users.search"
USERS_ROLE = "users.role"
USERS_COHORT = "users.cohort"
USERS_STATUS = "users.status"
USERS_TABLE = "users.table"  # the accounts table; its selected row follows USERS_PICK
USERS_PICK = "users.pick"  # the username whose panel is open
USERS_MESSAGE = "users.message"  # (text, kind) for the next run
USERS_TEMP = "users.temporary"  # (who, password) shown once, then forgotten
USERS_RESET_FORM = "users.reset"
USERS_RESET_MODE = "users.reset.mode"
USERS_RESET_TYPED = "users.reset.typed"
USERS_TOGGLE = "users.toggle"  # Deactivate… / Reactivate…
USERS_EDITS_CONTENT = "users.edits_content"  # the toggle: this trainer may edit questions
USERS_CLEAR_DELAY = "users.clear_delay"  # let a username be tried again at once (app.throttle)
USERS_CONFIRM = "users.confirm"  # the username whose (de)activation awaits confirmation
USERS_CONFIRM_YES = "users.confirm.yes"
USERS_CONFIRM_NO = "users.confirm.no"
USERS_NEW_FORM = "users.new"
USERS_NEW_USERNAME = "users.new.username"
USERS_NEW_NAME = "users.new.name"
USERS_NEW_ROLE = "users.new.role"
USERS_NEW_COHORT = "users.new.cohort"
USERS_NEW_MODE = "users.new.mode"
USERS_NEW_PASSWORD = "users.new.password"
USERS_UPLOADS = "users.uploads"  # how many files were imported: a new uploader key clears it
USERS_IMPORT = "users.import"
USERS_IMPORTED = "users.imported"  # (summary, passwords CSV) until the manager is done with it
USERS_IMPORT_DONE = "users.import.done"
USERS_TEMPLATE = "users.template"
USERS_PASSWORDS = "users.passwords"


def import_upload(generation: int) -> str:
    return f"import.upload.{generation}"


def users_upload(generation: int) -> str:
    return f"users.upload.{generation}"


def users_edit_form(user_id: int) -> str:
    return f"users.edit.{user_id}"


def users_edit(user_id: int, field: str) -> str:
    """A field of the edit form, per user, so switching users never carries values over."""
    return f"users.edit.{user_id}.{field}"


# The audit log (app/ui/views/audit.py)
AUDIT_FROM = "audit.from"
AUDIT_TO = "audit.to"
AUDIT_ACTIONS = "audit.actions"
AUDIT_USER = "audit.user"
AUDIT_SEARCH = "audit.search"
AUDIT_FILTERS = (AUDIT_FROM, AUDIT_TO, AUDIT_ACTIONS, AUDIT_USER, AUDIT_SEARCH)
AUDIT_CLEAR = "audit.clear"
AUDIT_REFRESH = "audit.refresh"
AUDIT_PAGE = "audit.page"
AUDIT_PER_PAGE = "audit.per_page"
AUDIT_PREV = "audit.prev"
AUDIT_NEXT = "audit.next"
AUDIT_TABLE = "audit.table"
AUDIT_TABLE_BOX = "audit-lines"  # the table's container; a CSS class, so no dot
AUDIT_DOWNLOAD = "audit.download"
AUDIT_SEEN = "audit.seen"  # the filters of the last run: a change goes back to page 1
AUDIT_KNOWN = "audit.known"  # (when read, the actions in the log) for the action filter


# Standard setting of a pass mark (app/ui/views/passmark.py)
PASSMARK_QUIZ = "passmark.quiz"
PASSMARK_FORM = "passmark.form"
PASSMARK_SAVE = "passmark.save"
PASSMARK_ERROR = "passmark.error"  # why the last save was refused, shown once
PASSMARK_ADOPT_FORM = "passmark.adopt.form"
PASSMARK_ADOPT_MARK = "passmark.adopt.mark"
PASSMARK_ADOPT = "passmark.adopt"


def passmark_rating(quiz_id: str, qid: str) -> str:
    """The box for one's own estimate of one question of one exam."""
    return f"passmark.rating.{quiz_id}.{qid}"


# Reported questions: the report form on the quiz and results pages (by attempt and position, as
# the question was shown; the form is the same for every question, whatever its key), and the
# queue of reports (app/ui/views/reported.py)
def report_form(attempt_id: int, position: int) -> str:
    return f"report.{attempt_id}.{position}"


def report_kind(attempt_id: int, position: int) -> str:
    return f"{report_form(attempt_id, position)}.kind"


def report_comment(attempt_id: int, position: int) -> str:
    return f"{report_form(attempt_id, position)}.comment"


REPORTED_RESOLVED = "reported.resolved"  # "Show resolved reports too"


def resolve_form(qid: str) -> str:
    return f"reported.resolve.{qid}"


def resolve_note(qid: str) -> str:
    return f"{resolve_form(qid)}.note"


def report_error(attempt_id: int, position: int) -> str:
    """Why the last report from this form was not sent, shown in the form (what was typed stays)."""
    return f"{report_form(attempt_id, position)}.error"


def resolve_error(qid: str) -> str:
    return f"{resolve_form(qid)}.error"


def reported_question(qid: str) -> str:
    """The bordered box of one question in the queue; a CSS class, so no dot."""
    return f"reported-{qid}"


# --- mail: invitations and reminders (app.invitations, app.reminders) --------------------------
INVITE_FORM = "invite.form"  # the "choose your password" page an invitation link opens
INVITE_NEW = "invite.new"
INVITE_REPEAT = "invite.repeat"
INVITE_ERROR = "invite.error"
INVITE_TO_SIGNIN = "invite.to_signin"
USERS_INVITE_FORM = "users.invite"
USERS_INVITE_USERNAME = "users.invite.username"
USERS_INVITE_NAME = "users.invite.name"
USERS_INVITE_COHORT = "users.invite.cohort"
USERS_INVITE_EMAIL = "users.invite.email"
USERS_INVITE_AGAIN_FORM = "users.invite.again"
USERS_INVITE_AGAIN_USERNAME = "users.invite.again.username"
USERS_INVITE_MESSAGE = "users.invite.message"  # (text, kind) for the next run
ACCOUNT_EMAIL_FORM = "account.email"
ACCOUNT_EMAIL = "account.email.address"
ACCOUNT_EMAIL_MESSAGE = "account.email.message"  # (text, kind) for the next run
USERS_IMPORT_INVITE = "users.import.invite"  # the toggle: import by inviting each trainee
USERS_IMPORT_INVITE_GO = "users.import.invite.go"
USERS_INVITE_TEMPLATE = "users.invite.template"


def users_invite_upload(generation: int) -> str:
    """The uploader of a file of trainees to invite; a new generation clears it."""
    return f"users.invite_upload.{generation}"


# Personal data (app.personal): one button on a trainee's record, the Users page and My account.
PERSON_EXPORT_PREPARE = "person.export.prepare"  # "Export personal data": builds the zip
PERSON_EXPORT_READY = "person.export.ready"  # (by user id, username, link token, name, size)
PERSON_ERASE_FORM = "person.erase"  # a manager's "Erase this person": reason, username typed again
PERSON_ERASE_REASON = "person.erase.reason"
PERSON_ERASE_CONFIRM = "person.erase.confirm"
PERSON_ERASE_ERROR = "person.erase.error"
# Certificates (app.certificates): by attempt, never by code (keys reach the browser).
CERTIFICATE_REVOKE_PICK = "certificate.revoke.pick"
CERTIFICATE_REVOKE_REASON = "certificate.revoke.reason"
CERTIFICATE_REVOKE = "certificate.revoke"
CERTIFICATE_ZIP = "certificate.zip"


def certificate_download(attempt_id: int) -> str:
    """The download button of the certificate of one pass."""
    return f"certificate.download.{attempt_id}"
