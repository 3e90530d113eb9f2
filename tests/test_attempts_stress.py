"""Many writers at once and a process killed mid-attempt: no answer lost, none duplicated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading

import pytest
from sqlalchemy import func, select

from app import accounts, attempts, config
from app.bank import load
from app.bank.schema import Quiz
from app.store import make_engine
from app.store.tables import responses
from conftest import PW

THREADS, ANSWERS = 20, 50


@pytest.fixture(scope="module")
def catalogue():
    return load([config.quizzes_dir()])


@pytest.fixture(scope="module")
def long_quiz(catalogue) -> Quiz:
    """An untimed 50-question quiz across every topic, unshuffled so answers are easy to predict."""
    # Practice questions only (it certifies nothing): every topic's practice pool can fill these.
    per_topic = {"ablative": 8, "contraindications": 8, "aftercare": 8, "certification": 6}
    per_topic |= {"side-effects": 6, "recovery": 6, "planning": 4, "collagen": 4}
    draw = [{"topic": t, "count": n} for t, n in per_topic.items()]
    return Quiz.model_validate(
        {
            "id": "long",
            "title": "Long",
            "description": "50 questions",
            "mode": "exam",
            "draw": draw,
            "pass_mark": 50,
        }
    )


def first_option(snapshot):
    """A valid answer for any question type."""
    return {"single": 0, "multiple": [0], "true_false": True}.get(
        snapshot.type, [0] * len(snapshot.pairs)
    )


def test_twenty_threads_fifty_answers_each(fresh_db, people, long_quiz, catalogue):
    trainees = [
        accounts.create_user(fresh_db, people["boss"], f"t{i:02}", PW, "trainee", "north")
        for i in range(THREADS)
    ]
    views = [attempts.start(fresh_db, t, long_quiz, catalogue) for t in trainees]
    assert all(len(v.questions) == ANSWERS for v in views)
    barrier = threading.Barrier(THREADS)
    errors = []

    def answer_all(user, view):
        barrier.wait()
        try:
            for q in view.questions:
                attempts.save_answer(
                    fresh_db,
                    user,
                    view.id,
                    q.presented.position,
                    first_option(q.presented.snapshot),
                )
        except Exception as exc:  # collected and asserted empty below
            errors.append(exc)

    threads = [
        threading.Thread(target=answer_all, args=pair) for pair in zip(trainees, views, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with fresh_db.connect() as conn:
        total = conn.execute(select(func.count()).select_from(responses)).scalar_one()
    assert total == THREADS * ANSWERS
    for user, view in zip(trainees, views, strict=True):
        saved = attempts.get(fresh_db, user, view.id).questions
        assert all(q.answered_at is not None for q in saved)


def test_twenty_trainees_starting_at_once_on_a_new_database_all_start(
    fresh_db, people, long_quiz, catalogue
):
    """Their first starts store the same question snapshots, each attempt in its own order:
    on PostgreSQL that deadlocked unless the snapshots go in in one order."""
    trainees = [
        accounts.create_user(fresh_db, people["boss"], f"s{i:02}", PW, "trainee", "north")
        for i in range(THREADS)
    ]
    barrier = threading.Barrier(THREADS)
    started, errors = [], []

    def start(user):
        barrier.wait()
        try:
            started.append(attempts.start(fresh_db, user, long_quiz, catalogue).id)
        except Exception as exc:  # collected and asserted empty below
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(t,)) for t in trainees]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(started)) == THREADS


CHILD = textwrap.dedent(
    """
    import sys
    from app import accounts, attempts, config
    from app.bank import load
    from app.store import open_store

    url, quiz_id = sys.argv[1], sys.argv[2]
    engine = open_store(url)
    catalogue = load([config.quizzes_dir()])
    user = accounts.authenticate(engine, "ann", sys.argv[3])
    view = attempts.start(engine, user, catalogue.quizzes[quiz_id], catalogue)
    print("attempt", view.id, flush=True)
    for q in view.questions:
        snap = q.presented.snapshot
        answer = {"single": 0, "multiple": [0], "true_false": True}.get(snap.type, [0] * len(snap.pairs))
        attempts.save_answer(engine, user, view.id, q.presented.position, answer)
        print("saved", q.presented.position, flush=True)  # only after the save returned
    print("done", flush=True)
    sys.stdin.read()  # wait to be killed
    """
)


def test_sigkill_mid_attempt_loses_no_saved_answer(db_url, fresh_db, people, catalogue):
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, db_url, "certification-exam", PW],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    saved, attempt_id = [], None
    for line in child.stdout:
        word, value = line.split()[:2]
        if word == "attempt":
            attempt_id = int(value)
        elif word == "saved":
            saved.append(int(value))
            if len(saved) == 12:
                os.kill(child.pid, signal.SIGKILL)  # mid-attempt, between or during saves
                break
    child.wait(timeout=30)
    child.stdout.close()
    child.stdin.close()
    assert child.returncode == -signal.SIGKILL

    engine = make_engine(db_url)  # a "restarted server": a new engine, new connections
    try:
        catalogue_again = load([config.quizzes_dir()])
        resumed = attempts.start(
            engine, people["ann"], catalogue_again.quizzes["certification-exam"], catalogue_again
        )
        assert resumed.id == attempt_id
        assert resumed.is_open
        answered = {q.presented.position for q in resumed.questions if q.answered_at is not None}
        assert set(saved) <= answered
    finally:
        engine.dispose()
