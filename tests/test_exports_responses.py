"""The responses export: one row per question per attempt, answers as the words chosen."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from app import attempts, config, exports, feedback
from app.bank import load
from app.cli import EXIT_OK, EXIT_USAGE, main
from app.engine.assemble import assemble
from app.exports import responses
from conftest import finish, wrong

T0 = datetime(2026, 5, 4, 8, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def catalogue():
    return load([config.quizzes_dir()])


def read(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)


def words(snap, answer) -> str:
    """What the trainee chose, spelled out independently of the exporter."""
    if snap.type == "single":
        return snap.options[answer].text
    if snap.type == "multiple":
        return " | ".join(snap.options[i].text for i in sorted(answer))
    if snap.type == "true_false":
        return str(answer)
    return " | ".join(
        f"{left} → {snap.pairs[chosen][1]}"
        for (left, _), chosen in zip(snap.pairs, answer, strict=True)
    )


TYPES = {"single", "multiple", "true_false", "matching"}


def covering_seed(quiz, catalogue) -> int:
    """The first seed whose draw has every question type before its last (blank) question.

    The quick check draws at random and the bank holds few matching and true/false questions (the
    certification exam, all secure single best answers, holds none), so a random seed can leave
    a type out, or put the only one last, where it is left blank.
    """
    for seed in range(1000):
        answered = assemble(quiz, catalogue, seed)[:-1]
        if {p.snapshot.type for p in answered} == TYPES:
            return seed
    raise AssertionError("no seed below 1000 draws every question type")


@pytest.fixture
def exam(fresh_db, people, catalogue):
    """ann's quick check: odd questions right, even ones wrong, the last left blank; submitted."""
    quiz = catalogue.quizzes["quick-check"]
    seed = covering_seed(quiz, catalogue)
    view = attempts.start(fresh_db, people["ann"], quiz, catalogue, seed=seed, now=T0)
    given = {}
    for state in view.questions[:-1]:
        snap = state.presented.snapshot
        answer = feedback.key_of(snap) if state.presented.position % 2 == 0 else wrong(snap)
        moment = T0 + timedelta(seconds=10 * state.presented.position)
        attempts.save_answer(
            fresh_db, people["ann"], view.id, state.presented.position, answer, now=moment
        )
        given[state.presented.position] = (snap, answer, moment)
    last = view.questions[-1].presented
    attempts.submit(fresh_db, people["ann"], view.id, now=T0 + timedelta(minutes=30))
    return view, given, last


def test_every_question_is_a_row_with_the_answer_and_key_in_words(fresh_db, people, exam):
    view, given, last = exam
    frame = read(exports.export(fresh_db, people["boss"], "responses")[0])
    assert frame.columns.tolist() == exports.RESPONSE_COLUMNS
    assert len(frame) == len(view.questions)
    assert frame["question_number"].tolist() == list(range(1, len(view.questions) + 1))
    assert set(frame["username"]) == {"ann"}
    assert set(frame["cohort"]) == {"north"}
    types = set()
    for row in frame.itertuples():
        position = row.question_number - 1
        if position == last.position:
            assert (row.question_id, row.answer, row.answered_at) == (last.snapshot.qid, "", "")
            assert (str(row.correct), row.points) == ("False", 0)
            assert row.correct_answer == words(last.snapshot, feedback.key_of(last.snapshot))
            continue
        snap, answer, moment = given[position]
        types.add(snap.type)
        assert (row.question_id, row.topic, row.type) == (snap.qid, snap.topic, snap.type)
        assert row.answer == words(snap, answer)
        assert row.correct_answer == words(snap, feedback.key_of(snap))
        assert row.answered_at == moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        right = position % 2 == 0
        assert (str(row.correct), row.points) == (str(right), 1 if right else 0)
    assert types == TYPES, "the exam covers every type"


def test_an_open_attempt_has_no_points_or_verdicts_yet(fresh_db, people, catalogue):
    view = attempts.start(fresh_db, people["bob"], catalogue.quizzes["quick-check"], catalogue)
    first = view.questions[0].presented
    attempts.save_answer(fresh_db, people["bob"], view.id, first.position, wrong(first.snapshot))
    frame = read(exports.export(fresh_db, people["boss"], "responses")[0])
    assert len(frame) == len(view.questions)
    assert set(frame["points"]) == {""}
    assert set(frame["correct"]) == {""}
    assert frame["answer"].tolist()[0] == words(first.snapshot, wrong(first.snapshot))


def test_chunks_join_into_the_same_file(fresh_db, people, catalogue, monkeypatch):
    for i in range(5):
        finish(fresh_db, people["ann" if i % 2 else "cat"], catalogue, "quick-check", i, T0)
    whole = exports.export(fresh_db, people["boss"], "responses", now=T0)[0]
    seen = []
    monkeypatch.setattr(responses, "ATTEMPTS_PER_CHUNK", 2)
    out = io.BytesIO()
    rows = exports.write(
        fresh_db, people["boss"], "responses", out, now=T0, progress=lambda *a: seen.append(a)
    )
    assert out.getvalue() == whole
    assert rows == 50
    assert len(read(whole)) == 50
    assert seen == [(2, 5), (4, 5), (5, 5)]


def test_filters_apply_to_the_attempts_whose_questions_are_listed(fresh_db, people, catalogue):
    finish(fresh_db, people["ann"], catalogue, "quick-check", None, T0)
    finish(fresh_db, people["cat"], catalogue, "practice-aftercare", None, T0 + timedelta(days=3))

    def who(**given):
        data = exports.export(
            fresh_db, people["boss"], "responses", exports.ExportFilters(**given)
        )[0]
        return sorted(set(read(data)["username"]))

    assert who(cohort="south") == ["cat"]
    assert who(quiz_id="quick-check") == ["ann"]
    assert who(since=T0 + timedelta(days=1)) == ["cat"]
    assert who(cohort="nowhere") == []


def test_an_empty_export_still_has_its_header(fresh_db, people):
    data, rows = exports.export(fresh_db, people["boss"], "responses")
    assert rows == 0
    assert read(data).columns.tolist() == exports.RESPONSE_COLUMNS


@pytest.mark.parametrize(
    ("content", "answer", "text"),
    [
        ({"type": "single", "options": [{"text": "=A", "correct": True}]}, 0, "=A"),
        ({"type": "true_false", "answer": True}, False, "False"),
        (
            {
                "type": "matching",
                "pairs": [{"left": "a", "right": "1"}, {"left": "b", "right": "2"}],
            },
            [1, None],
            "a → 2 | b → (none)",
        ),
    ],
)
def test_answer_text_spells_out_each_kind_of_answer(content, answer, text):
    assert responses.answer_text(content, answer) == text


def test_cli_writes_the_same_bytes_and_leaves_no_partial_file(
    fresh_db, db_url, people, catalogue, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("RESURFACE_DATABASE_URL", db_url)
    finish(fresh_db, people["ann"], catalogue, "quick-check", 4, T0)
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "responses.csv"
    assert main(["export", "responses", "--cohort", "north", "-o", str(out)]) == EXIT_OK
    expected = exports.export(fresh_db, None, "responses", exports.ExportFilters(cohort="north"))[0]
    assert out.read_bytes() == expected
    assert [p.name for p in out.parent.iterdir()] == ["responses.csv"]
    assert "wrote 10 responses rows" in capsys.readouterr().err
    missing = tmp_path / "no such folder" / "x.csv"
    assert main(["export", "responses", "-o", str(missing)]) == EXIT_USAGE
    assert "cannot write" in capsys.readouterr().err


def test_cli_refuses_from_and_to_the_wrong_way_round(db_url, monkeypatch, capsys):
    monkeypatch.setenv("RESURFACE_DATABASE_URL", db_url)
    argv = ["export", "responses", "--from", "2026-05-04", "--to", "2026-05-01"]
    assert main(argv) == EXIT_USAGE
    assert "the From date must be before the To date" in capsys.readouterr().err
