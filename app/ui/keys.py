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
