"""Trainers' comments on attempts: who may write, read and take back which comment."""

from __future__ import annotations

import pytest

from app import attempts, comments, config
from app.accounts import Forbidden
from app.attempts import AttemptNotFound
from app.bank import load
from app.comments import CommentNotFound, InvalidComment
from app.store import audit as audit_store


@pytest.fixture(scope="module")
def catalogue():
    return load([config.quizzes_dir()])


@pytest.fixture
def ann_done(fresh_db, people, catalogue) -> int:
    """ann's submitted quick-check attempt (nothing answered)."""
    view = attempts.start(fresh_db, people["ann"], catalogue.quizzes["quick-check"], catalogue)
    return attempts.submit(fresh_db, people["ann"], view.id).id


def test_a_trainer_comments_and_the_trainee_reads_it(fresh_db, people, ann_done):
    whole = comments.add(fresh_db, people["tina"], ann_done, "  Good effort; revise aftercare.  ")
    one = comments.add(fresh_db, people["tina"], ann_done, "Check the source.", position=3)
    seen = comments.of_attempt(fresh_db, people["ann"], ann_done)
    assert [(c.id, c.position, c.body, c.author) for c in seen] == [
        (whole.id, None, "Good effort; revise aftercare.", "tina"),
        (one.id, 3, "Check the source.", "tina"),
    ]
    with fresh_db.connect() as conn:
        logged = audit_store.lines(conn, "comment.add")
    assert [(line["target"], line["detail"]["attempt"]) for line in logged] == [
        ("ann", ann_done),
        ("ann", ann_done),
    ]


def test_a_manager_may_comment_on_anyone(fresh_db, people, ann_done):
    comments.add(fresh_db, people["boss"], ann_done, "Seen.")
    assert [c.author for c in comments.of_attempt(fresh_db, people["tina"], ann_done)] == ["boss"]


@pytest.mark.parametrize(
    ("body", "position", "message"),
    [
        ("   ", None, "write something"),
        ("x" * (comments.MAX_LENGTH + 1), None, "at most"),
        ("fine", 10, "has no question 11"),
    ],
)
def test_bad_comments_are_refused_with_a_reason(
    fresh_db, people, ann_done, body, position, message
):
    with pytest.raises(InvalidComment, match=message):
        comments.add(fresh_db, people["tina"], ann_done, body, position=position)
    assert comments.of_attempt(fresh_db, people["tina"], ann_done) == []


def test_an_open_attempt_takes_no_comment(fresh_db, people, catalogue):
    view = attempts.start(fresh_db, people["ann"], catalogue.quizzes["quick-check"], catalogue)
    with pytest.raises(InvalidComment, match="still open"):
        comments.add(fresh_db, people["tina"], view.id, "Too early")


def test_trainees_may_not_comment(fresh_db, people, ann_done):
    with pytest.raises(Forbidden):
        comments.add(fresh_db, people["ann"], ann_done, "Note to self")


def test_outside_your_cohort_the_attempt_does_not_exist(fresh_db, people, ann_done):
    with pytest.raises(AttemptNotFound):
        comments.add(fresh_db, people["tom"], ann_done, "Hello")
    with pytest.raises(AttemptNotFound):
        comments.of_attempt(fresh_db, people["tom"], ann_done)
    with pytest.raises(AttemptNotFound):
        comments.of_attempt(fresh_db, people["bob"], ann_done)  # another trainee


def test_a_trainer_does_not_comment_on_their_own_attempt(fresh_db, people, catalogue):
    view = attempts.start(fresh_db, people["tina"], catalogue.quizzes["quick-check"], catalogue)
    attempts.submit(fresh_db, people["tina"], view.id)
    with pytest.raises(AttemptNotFound):
        comments.add(fresh_db, people["tina"], view.id, "Well done me")


def test_only_the_author_or_a_manager_takes_a_comment_back(fresh_db, people, catalogue, ann_done):
    first = comments.add(fresh_db, people["tina"], ann_done, "First")
    second = comments.add(fresh_db, people["boss"], ann_done, "Second")
    with pytest.raises(Forbidden):
        comments.remove(fresh_db, people["tina"], second.id)
    with pytest.raises(CommentNotFound):
        comments.remove(fresh_db, people["tom"], first.id)  # cannot even see it
    with pytest.raises(Forbidden):
        comments.remove(fresh_db, people["ann"], first.id)  # she reads it; not hers to remove
    comments.remove(fresh_db, people["tina"], first.id)
    comments.remove(fresh_db, people["boss"], second.id)
    assert comments.of_attempt(fresh_db, people["ann"], ann_done) == []
    with pytest.raises(CommentNotFound):
        comments.remove(fresh_db, people["boss"], first.id)
