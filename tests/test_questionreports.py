"""Reported questions: a trainee reports what they were shown; trainers read the queue, resolve."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from ui_helpers import shipped_catalogue

from app import attempts, feedback, questionreports, useradmin
from app.accounts import AccountInactive, Forbidden
from app.attempts import AttemptNotFound
from app.questionreports import AlreadyReported, InvalidReport, InvalidResolution
from app.store import audit as audit_store
from app.store.tables import question_reports
from conftest import finish, wrong

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def catalogue():
    return shipped_catalogue()


def practice(engine, user, catalogue, qids, answered=(0,)):
    """An open practice attempt (immediate feedback) at exactly ``qids``, with the questions at
    ``answered`` checked (wrongly)."""
    quiz = catalogue.quizzes["practice-aftercare"]
    view = attempts.start_questions(engine, user, quiz, qids, catalogue)
    for position in answered:
        snap = view.questions[position].presented.snapshot
        attempts.save_answer(engine, user, view.id, position, wrong(snap))
    return view.id


def aftercare(catalogue, n=3):
    return [q for q, e in catalogue.entries.items() if e.topic == "aftercare"][:n]


def rows(engine):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(question_reports)).scalar_one()


def test_a_trainee_reports_a_checked_practice_question(fresh_db, people, catalogue):
    ann = people["ann"]
    qids = aftercare(catalogue)
    attempt = practice(fresh_db, ann, catalogue, qids)
    made = questionreports.report(
        fresh_db, ann, attempt, 0, "unclear", "  Which week does it mean?  ", now=T0
    )
    view = attempts.get(fresh_db, ann, attempt)
    snap = view.questions[0].presented.snapshot
    assert (made.qid, made.version, made.attempt_id, made.number) == (
        snap.qid,
        snap.content_hash(),
        attempt,
        1,
    )
    assert (made.kind, made.comment, made.status, made.reporter) == (
        "unclear",
        "Which week does it mean?",
        "open",
        ann.display_name,
    )
    assert made.created_at == T0
    assert [r.id for r in questionreports.mine(fresh_db, ann)] == [made.id]
    with fresh_db.connect() as conn:
        [line] = audit_store.lines(conn, "question.report")
    assert (line["actor_id"], line["target"]) == (ann.id, snap.qid)
    assert line["detail"] == {
        "report": made.id,
        "attempt": attempt,
        "position": 0,
        "kind": "unclear",
    }


def test_a_question_not_yet_checked_cannot_be_reported(fresh_db, people, catalogue):
    ann = people["ann"]
    attempt = practice(fresh_db, ann, catalogue, aftercare(catalogue))
    with pytest.raises(InvalidReport, match="once its feedback or review"):
        questionreports.report(fresh_db, ann, attempt, 1, "wrong", "Looks off")
    with pytest.raises(InvalidReport, match="once its feedback or review"):
        questionreports.report(fresh_db, ann, attempt, 7, "wrong", "No such question")
    assert rows(fresh_db) == 0


@pytest.mark.parametrize(
    ("kind", "comment", "message"),
    [
        (None, "Looks off", "wrong or unclear"),
        ("broken", "Looks off", "wrong or unclear"),
        ("wrong", "   ", "write a comment"),
        ("wrong", "x" * (questionreports.MAX_COMMENT + 1), "at most 1000 characters"),
    ],
)
def test_a_report_needs_a_kind_and_a_comment(fresh_db, people, catalogue, kind, comment, message):
    ann = people["ann"]
    attempt = practice(fresh_db, ann, catalogue, aftercare(catalogue))
    with pytest.raises(InvalidReport, match=message):
        questionreports.report(fresh_db, ann, attempt, 0, kind, comment)
    assert rows(fresh_db) == 0


def test_the_same_version_twice_is_refused_while_the_first_is_open(fresh_db, people, catalogue):
    ann = people["ann"]
    qids = aftercare(catalogue)
    first = practice(fresh_db, ann, catalogue, qids)
    questionreports.report(fresh_db, ann, first, 0, "wrong", "The key is wrong", now=T0)
    with pytest.raises(AlreadyReported, match="already reported this question on 02 Mar 2026"):
        questionreports.report(fresh_db, ann, first, 0, "unclear", "And unclear")
    # The same version met again in a later attempt is the same question.
    attempts.submit(fresh_db, ann, first)
    second = practice(fresh_db, ann, catalogue, qids)
    with pytest.raises(AlreadyReported):
        questionreports.report(fresh_db, ann, second, 0, "wrong", "Still wrong")
    assert rows(fresh_db) == 1
    # Another trainee may report it; so may ann once hers is resolved.
    bob_attempt = practice(fresh_db, people["bob"], catalogue, qids)
    questionreports.report(fresh_db, people["bob"], bob_attempt, 0, "wrong", "Agree with Ann")
    [mine] = questionreports.mine(fresh_db, ann)
    questionreports.resolve(fresh_db, people["tina"], [mine.id], "Checked: the key is right.")
    again = questionreports.report(fresh_db, ann, second, 0, "wrong", "Still wrong to me")
    assert again.status == "open"
    assert rows(fresh_db) == 3


def test_a_closed_attempts_review_may_be_reported_even_with_the_key_withheld(
    fresh_db, people, catalogue
):
    ann = people["ann"]
    done = finish(fresh_db, ann, catalogue, "certification-exam", right=1)
    view = attempts.get(fresh_db, ann, done)
    assert not view.passed
    shown = {v.position: v for v in feedback.review(view)}
    assert 0 not in shown  # right, and a "mistakes" review shows only mistakes
    assert shown[1].withheld
    assert shown[1].key is None
    with pytest.raises(InvalidReport):
        questionreports.report(fresh_db, ann, done, 0, "wrong", "Not shown to me")
    made = questionreports.report(fresh_db, ann, done, 1, "unclear", "Two options say the same")
    assert made.version == view.questions[1].presented.snapshot.content_hash()
    # What the reporter reads back is their own words and the status; the report has no key.
    assert set(vars(made)) == {
        "id", "qid", "version", "attempt_id", "quiz_id", "position", "reporter_id", "reporter",
        "kind", "comment", "created_at", "status", "resolved_by", "resolved_at", "resolution",
        "current",
    }  # fmt: skip


def test_only_the_owner_of_the_attempt_reports_from_it(fresh_db, people, catalogue):
    done = finish(fresh_db, people["ann"], catalogue, "practice-aftercare", right=0)
    with pytest.raises(Forbidden, match="your own attempts only"):
        questionreports.report(fresh_db, people["tina"], done, 0, "wrong", "As her trainer")
    with pytest.raises(Forbidden):
        questionreports.report(fresh_db, people["boss"], done, 0, "wrong", "As a manager")
    with pytest.raises(AttemptNotFound):
        questionreports.report(fresh_db, people["tom"], done, 0, "wrong", "Other cohort")
    with pytest.raises(AttemptNotFound):
        questionreports.report(fresh_db, people["bob"], done, 0, "wrong", "Another trainee")
    assert rows(fresh_db) == 0


def test_a_revoked_user_is_refused_and_nothing_is_written(fresh_db, people, catalogue):
    done = finish(fresh_db, people["ann"], catalogue, "practice-aftercare", right=0)
    made = questionreports.report(fresh_db, people["ann"], done, 1, "wrong", "First")
    useradmin.set_active(fresh_db, people["boss"], "ann", False)
    with pytest.raises(AccountInactive):
        questionreports.report(fresh_db, people["ann"], done, 0, "wrong", "Second")
    useradmin.set_active(fresh_db, people["boss"], "tina", False)
    with pytest.raises(AccountInactive):
        questionreports.resolve(fresh_db, people["tina"], [made.id], "Fixed")
    [still] = questionreports.mine(fresh_db, people["ann"])
    assert (rows(fresh_db), still.status) == (1, "open")
    with fresh_db.connect() as conn:
        assert audit_store.lines(conn, "question.resolve") == []


@pytest.fixture
def reported(fresh_db, people, catalogue):
    """ann (north) and cat (south) report question A, bob (north) question B, in this order."""
    a, b = aftercare(catalogue, 2)
    made = {}
    for name, qid, kind, at in (
        ("ann", a, "wrong", T0),
        ("bob", b, "unclear", T0 + timedelta(minutes=1)),
        ("cat", a, "unclear", T0 + timedelta(minutes=2)),
    ):
        attempt = practice(fresh_db, people[name], catalogue, [qid])
        made[name] = questionreports.report(
            fresh_db, people[name], attempt, 0, kind, f"{name} on {qid}", now=at
        )
    return a, b, made


def test_the_queue_counts_per_question_newest_first(fresh_db, people, catalogue, reported):
    a, b, _ = reported
    listed = questionreports.queue(fresh_db, people["boss"], catalogue=catalogue)
    assert [(q.qid, q.open_count, q.total, q.newest) for q in listed] == [
        (a, 2, 2, T0 + timedelta(minutes=2)),
        (b, 1, 1, T0 + timedelta(minutes=1)),
    ]
    assert [r.comment for r in listed[0].reports] == [f"cat on {a}", f"ann on {a}"]
    assert [r.kind for r in listed[0].reports] == ["unclear", "wrong"]
    assert all(r.current for q in listed for r in q.reports)  # the banks still hold that version
    assert [q.qid for q in questionreports.queue(fresh_db, people["tina"], qid=b)] == [b]
    counts = questionreports.report_counts(fresh_db, people["tina"])
    assert {q: (c.open, c.total) for q, c in counts.items()} == {a: (2, 2), b: (1, 1)}


def test_trainers_see_every_report_but_only_their_trainees_names(fresh_db, people, reported):
    a, b, _ = reported
    by_comment = {
        r.comment: r.reporter
        for q in questionreports.queue(fresh_db, people["tina"])
        for r in q.reports
    }
    assert by_comment == {f"ann on {a}": "ann", f"bob on {b}": "bob", f"cat on {a}": None}
    managers = {
        r.reporter for q in questionreports.queue(fresh_db, people["boss"]) for r in q.reports
    }
    assert managers == {"ann", "bob", "cat"}
    with pytest.raises(Forbidden, match="trainers and managers"):
        questionreports.queue(fresh_db, people["ann"])
    with pytest.raises(Forbidden):
        questionreports.report_counts(fresh_db, people["ann"])


def test_resolving_needs_a_note_which_the_reporter_reads(fresh_db, people, reported):
    a, _, made = reported
    tina = people["tina"]
    ids = [made["ann"].id, made["cat"].id]
    for note in ("", "   "):
        with pytest.raises(InvalidResolution, match="write a note"):
            questionreports.resolve(fresh_db, tina, ids, note)
    with pytest.raises(Forbidden):
        questionreports.resolve(fresh_db, people["ann"], ids, "I fixed it myself")
    assert all(r.is_open for r in questionreports.mine(fresh_db, people["ann"]))

    done_at = T0 + timedelta(hours=1)
    assert questionreports.resolve(fresh_db, tina, ids, " Reworded option B. ", now=done_at) == 2
    [ann_sees] = questionreports.mine(fresh_db, people["ann"])
    assert (ann_sees.status, ann_sees.resolution, ann_sees.resolved_by, ann_sees.resolved_at) == (
        "resolved",
        "Reworded option B.",
        "tina",
        done_at,
    )
    # Resolved reports leave the queue unless asked for; the counts keep them.
    assert [q.qid for q in questionreports.queue(fresh_db, tina)] == [reported[1]]
    [with_resolved] = questionreports.queue(fresh_db, tina, qid=a, resolved_too=True)
    assert (with_resolved.open_count, with_resolved.total) == (0, 2)
    with pytest.raises(InvalidResolution, match="resolved meanwhile by tina"):
        questionreports.resolve(fresh_db, people["boss"], [made["bob"].id, made["ann"].id], "Again")
    [bob_sees] = questionreports.mine(fresh_db, people["bob"])
    assert bob_sees.is_open  # all or nothing
    with fresh_db.connect() as conn:
        logged = audit_store.lines(conn, "question.resolve")
    assert [(line["target"], line["detail"]) for line in logged] == [
        (a, {"report": made["ann"].id, "reporter": "ann"}),
        (a, {"report": made["cat"].id, "reporter": "cat"}),
    ]


def test_home_lists_open_reports_and_those_resolved_lately(fresh_db, people, reported):
    _, _, made = reported
    questionreports.resolve(fresh_db, people["boss"], [made["ann"].id], "Fixed", now=T0)
    [resolved] = questionreports.mine(fresh_db, people["ann"])
    assert questionreports.recent([resolved], T0 + timedelta(days=30)) == [resolved]
    assert questionreports.recent([resolved], T0 + timedelta(days=31)) == []
    [still_open] = questionreports.mine(fresh_db, people["bob"])
    assert questionreports.recent([still_open], T0 + timedelta(days=400)) == [still_open]
