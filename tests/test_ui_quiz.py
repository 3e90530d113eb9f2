"""Taking quizzes through the UI: practice with feedback, an exam handed in early, resuming."""

from __future__ import annotations

import pytest
from ui_helpers import (
    answer_keys,
    attempt_id,
    confirm_submit,
    dialog,
    metric,
    open_page,
    set_right_answer,
    shipped_catalogue,
    shown_answer,
    sign_in,
    values,
    widget_keys,
)

from app import attempts, feedback
from app.bank import Catalogue
from app.ui import keys


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return shipped_catalogue()


def start(at, quiz_id: str, fresh_db, user) -> attempts.AttemptView:
    """Press Start on the home page; the quiz page opens on the new attempt."""
    at.button(key=keys.home_start(quiz_id)).click().run()
    assert not at.exception
    return attempts.get(fresh_db, user, attempt_id(at))


def test_practice_quiz_answered_right_throughout_passes(ui, fresh_db, catalogue):
    ann = ui["ann"]
    at = sign_in("ann")
    view = start(at, "practice-aftercare", fresh_db, ann)
    assert values(at.subheader) == ["Practice: Aftercare"]
    total = len(view.questions)
    assert total == sum(d.count for d in catalogue.quizzes["practice-aftercare"].draw)

    for position in range(total):
        check = keys.check_form(view.id, position)
        assert at.query_params.get("q", "1") == str(position + 1)
        set_right_answer(at, view, position)
        [button] = at.form(key=check).form_submit_button
        assert button.label == "Check answer"
        button.click().run()
        assert not at.exception

        assert at.query_params["q"] == str(position + 1), "the verdict shows on the same question"
        assert values(at.success) == ["Correct."]
        snap = view.questions[position].presented.snapshot
        for doc, _quote in snap.sources:
            title = catalogue.sources[doc].title
            assert any(title in c.value for c in at.caption), f"no citation of {title}"
        # Checked once: the answer is final, shown as text, with nothing left to change or check.
        assert check not in [f.key for f in at.form]
        assert not [b for b in at.button if b.label == "Check answer"]
        assert not widget_keys(at) & set(answer_keys(view, position))

        if position < total - 1:
            at.button(key=keys.QUIZ_NEXT).click().run()

    at.button(key=keys.QUIZ_SUBMIT_LAST).click().run()
    assert dialog(at) is not None
    assert "Every question is answered." in values(at.markdown)
    confirm_submit(at)
    assert not at.exception

    assert metric(at, "Score") == "100%"
    assert metric(at, "Result") == "Passed"
    assert values(at.success) == ["You scored 100% against a pass mark of 70%."]
    done = attempts.get(fresh_db, ann, view.id)
    assert (done.status, done.score_percent, done.passed) == ("submitted", 100, True)

    # A submitted attempt cannot be reopened for answering: its link leads to the results.
    open_page(at, "quiz", attempt=view.id)
    assert metric(at, "Result") == "Passed"
    assert not widget_keys(at) & {k for p in range(total) for k in answer_keys(view, p)}


def test_practice_check_with_nothing_chosen_asks_for_an_answer(ui, fresh_db):
    at = sign_in("ann")
    view = start(at, "practice-aftercare", fresh_db, ui["ann"])
    check = keys.check_form(view.id, 0)
    [button] = at.form(key=check).form_submit_button
    button.click().run()
    assert not at.exception
    assert values(at.warning) == ["Choose an answer before checking it."]
    assert not at.success, "no verdict, so the key stays hidden"
    assert not at.error
    assert check in [f.key for f in at.form], "the question can still be answered and checked"
    assert attempts.get(fresh_db, ui["ann"], view.id).questions[0].answered_at is None


def test_exam_submitted_early_scores_unanswered_questions_as_wrong(ui, fresh_db):
    ann = ui["ann"]
    at = sign_in("ann")
    view = start(at, "quick-check", fresh_db, ann)
    assert len(view.questions) == 10

    set_right_answer(at, view, 0)  # an exam saves on change: no form, no button
    at.run()
    at.button(key=keys.QUIZ_NEXT).click().run()
    at.button(key=keys.QUIZ_NEXT).click().run()
    set_right_answer(at, view, 2)
    at.run()
    at.toggle(key=keys.flag(view.id, 2)).set_value(True).run()
    assert not at.exception
    saved = attempts.get(fresh_db, ann, view.id)
    assert [s.answer is not None for s in saved.questions] == [True, False, True] + [False] * 7
    assert saved.questions[2].flagged
    assert not at.success, "an exam shows no verdict before it is submitted"
    assert not at.error

    at.button(key=keys.QUIZ_SUBMIT).click().run()
    assert dialog(at) is not None
    assert values(at.warning) == [
        "Unanswered or incomplete (8): questions 2, 4, 5, 6, 7, 8, 9, 10. "
        "What is missing scores nothing."
    ]
    assert values(at.info) == ["Flagged for review: questions 3."]

    confirm_submit(at)
    assert not at.exception
    assert dialog(at) is None
    assert metric(at, "Score") == "20%"
    assert metric(at, "Result") == "Not passed"
    assert values(at.error) == ["You scored 20% against a pass mark of 80%."]
    done = attempts.get(fresh_db, ann, view.id)
    assert done.status == "submitted"
    assert done.closed_by == "user"
    assert (done.points, done.max_points, done.score_percent) == (2, 10, 20)


def test_keep_working_closes_the_dialog_and_leaves_the_attempt_open(ui, fresh_db):
    at = sign_in("ann")
    view = start(at, "quick-check", fresh_db, ui["ann"])
    at.button(key=keys.QUIZ_SUBMIT).click().run()
    assert dialog(at) is not None

    at.session_state[keys.CONFIRM_SUBMIT] = True  # see ui_helpers.confirm_submit
    at.button(key=keys.QUIZ_KEEP).click().run()
    assert not at.exception
    assert dialog(at) is None
    assert at.button(key=keys.QUIZ_NEXT)
    assert attempts.get(fresh_db, ui["ann"], view.id).is_open


def test_saved_answer_is_shown_when_a_new_session_resumes(ui, fresh_db):
    ann = ui["ann"]
    first = sign_in("ann")
    view = start(first, "quick-check", fresh_db, ann)
    set_right_answer(first, view, 0)
    first.run()
    assert not first.exception
    right = feedback.key_of(view.questions[0].presented.snapshot)
    assert attempts.get(fresh_db, ann, view.id).questions[0].answer == right

    second = sign_in("ann")  # another browser: nothing shared but the database
    assert [(p.value, p.proto.query_string) for p in second.page_link] == [
        ("Resume Quick check", f"attempt={view.id}"),
        ("Resume Quick check", f"attempt={view.id}"),
    ], "the unfinished attempt at the top, and on its quiz card"
    assert not [b for b in second.button if b.key == keys.home_start("quick-check")]

    open_page(second, "quiz", attempt=view.id)
    assert second.query_params["q"] == "2", "resumes at the first unanswered question"
    assert "1 of 10 answered" in values(second.caption)
    second.button(key=keys.QUIZ_PREV).click().run()
    assert shown_answer(second, view, 0) == right


def _matching_qid(catalogue: Catalogue) -> str:
    return next(
        qid for qid, e in catalogue.entries.items() if e.question.type == "matching" and not e.case
    )


def test_matching_shows_its_options_and_refuses_one_option_for_two_items(ui, fresh_db, catalogue):
    ann = ui["ann"]
    quiz = catalogue.quizzes["quick-check"]
    view = attempts.start_questions(fresh_db, ann, quiz, [_matching_qid(catalogue)], catalogue)
    shown = view.questions[0].presented
    pairs = shown.snapshot.pairs
    at = sign_in("ann")
    open_page(at, "quiz", attempt=view.id)

    # Every option on the right is on the page, by letter, in the order shown.
    listed = "\n".join(values(at.markdown))
    for letter, right in zip("ABCDEFGH", shown.right_order, strict=False):
        assert f"**{letter}** {pairs[right][1]}" in listed
    rows = [at.radio(key=keys.match(view.id, 0, row)) for row in range(len(pairs))]
    assert [r.label for r in rows] == [pairs[left][0] for left in shown.left_order]

    first, second = shown.right_order[0], shown.right_order[1]
    rows[0].set_value(first).run()
    assert attempts.get(fresh_db, ann, view.id).questions[0].answer is not None
    saved = attempts.get(fresh_db, ann, view.id).questions[0].answer

    at.radio(key=keys.match(view.id, 0, 1)).set_value(first).run()
    assert not at.exception
    assert [w for w in values(at.warning) if w.startswith("Not saved: option A is picked")]
    assert attempts.get(fresh_db, ann, view.id).questions[0].answer == saved, "nothing saved"

    at.radio(key=keys.match(view.id, 0, 1)).set_value(second).run()
    assert not [w for w in values(at.warning) if w.startswith("Not saved")]
    answer = attempts.get(fresh_db, ann, view.id).questions[0].answer
    assert answer[shown.left_order[0]] == first
    assert answer[shown.left_order[1]] == second


def test_home_names_each_start_and_resume_after_its_quiz(ui, fresh_db, catalogue):
    at = sign_in("ann")
    at.button(key=keys.home_start("quick-check")).click().run()
    at = sign_in("ann")
    starts = {b.key: b.label for b in at.button if b.key and b.key.startswith(keys.HOME_START)}
    assert starts == {
        keys.home_start(q.id): f"Start {q.title}"
        for q in catalogue.quizzes.values()
        if q.id != "quick-check"
    }
    assert {p.value for p in at.page_link if "attempt=" in p.proto.query_string} == {
        f"Resume {catalogue.quizzes['quick-check'].title}"
    }
