"""Session-state keys, in one place. Widget keys are namespaced by attempt and position."""

from __future__ import annotations

USER = "auth.user"  # the signed-in User, refreshed from the database on every run
TOKEN = "auth.token"  # the session token of the signed-in user (app.websession)
DELIVER = "auth.deliver"  # a fresh token the browser still has to exchange for its cookie
SIGNED_OUT = "auth.signed_out"  # signed out in this tab: ignore the cookie it arrived with
DROP = "auth.drop"  # the browser still has to drop its cookie
NOTICE = "ui.notice"  # a one-off message for the next page (text, kind)
CONFIRM_SUBMIT = "quiz.confirm_submit"


def answer(attempt_id: int, position: int) -> str:
    return f"quiz.answer.{attempt_id}.{position}"


def option(attempt_id: int, position: int, index: int) -> str:
    return f"quiz.answer.{attempt_id}.{position}.{index}"


def match(attempt_id: int, position: int, left: int) -> str:
    return f"quiz.match.{attempt_id}.{position}.{left}"


def flag(attempt_id: int, position: int) -> str:
    return f"quiz.flag.{attempt_id}.{position}"


def navigator(attempt_id: int) -> str:
    return f"quiz.nav.{attempt_id}"


# Item analysis page (app/ui/views/items.py)
ITEMS_QUIZ = "items.quiz"
ITEMS_WHICH = "items.which"
ITEMS_COHORT = "items.cohort"
ITEMS_FLAGGED = "items.flagged_only"
ITEMS_QUESTION = "items.question"
ITEMS_REFRESH = "items.refresh"
ITEMS_RESULT = "items.result"  # the last analysis, with what it was computed for and when


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


# Trainees dashboard, a trainee's record and an attempt's review (app/ui/views/trainees.py,
# trainee.py, review.py)
DASH_QUIZ = "trainees.quiz"
DASH_FROM = "trainees.from"
DASH_TO = "trainees.to"
DASH_COHORT = "trainees.cohort"
DASH_INACTIVE = "trainees.inactive"
DASH_TABLE = "trainees.table"
DASH_PICK = "trainees.pick"


def comment_form(attempt_id: int, position: int | None) -> str:
    return f"review.comment.{attempt_id}.{'all' if position is None else position}"


def comment_text(attempt_id: int, position: int | None) -> str:
    return f"{comment_form(attempt_id, position)}.text"


def comment_remove(comment_id: int) -> str:
    return f"review.remove.{comment_id}"
