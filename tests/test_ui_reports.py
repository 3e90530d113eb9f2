"""Reported questions through the pages: the trainee's report form (practice feedback, results),
the trainers' queue and its resolve form, and the note back on the trainee's side."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from ui_helpers import (
    open_page,
    set_answer,
    shipped_catalogue,
    sign_in,
    submit_form,
    values,
    widget_keys,
)

from app import attempts, feedback, questionreports
from app.bank import Catalogue
from app.store.tables import question_reports
from app.ui import keys
from conftest import finish, wrong


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return shipped_catalogue()


def checked_practice(at, fresh_db, user, catalogue) -> attempts.AttemptView:
    """A practice attempt opened on the quiz page, its first question checked (wrongly)."""
    view = attempts.start(fresh_db, user, catalogue.quizzes["practice-aftercare"], catalogue)
    open_page(at, "quiz", attempt=view.id, q=1)
    set_answer(at, view, 0, wrong(view.questions[0].presented.snapshot))
    submit_form(at, keys.check_form(view.id, 0))
    assert not at.exception
    return view


def report_rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        query = select(question_reports.c.kind, question_reports.c.comment)
        return [tuple(r) for r in conn.execute(query)]


def test_a_report_from_practice_feedback_keeps_what_was_typed_until_it_is_sent(
    ui, fresh_db, catalogue
):
    at = sign_in("ann")
    view = checked_practice(at, fresh_db, ui["ann"], catalogue)
    form = keys.report_form(view.id, 0)
    assert at.radio(key=keys.report_kind(view.id, 0)).options == [
        "Wrong: the right answer, a fact or a source looks wrong",
        "Unclear: the question or its options are hard to understand",
    ]
    # No kind chosen: refused in the form, the comment kept.
    at.text_area(key=keys.report_comment(view.id, 0)).input("Option B and C say the same")
    submit_form(at, form)
    assert values(at.error) == [
        "Not quite.",  # the verdict on the wrong answer
        "Not sent: choose whether the question is wrong or unclear.",
    ]
    assert at.text_area(key=keys.report_comment(view.id, 0)).value == "Option B and C say the same"
    assert report_rows(fresh_db) == []

    at.radio(key=keys.report_kind(view.id, 0)).set_value("unclear")
    submit_form(at, form)
    assert values(at.error) == ["Not quite."]
    assert report_rows(fresh_db) == [("unclear", "Option B and C say the same")]
    assert values(at.info) == [
        "Your report on question 1 (unclear): open, a trainer has not answered yet."
    ]
    assert keys.report_kind(view.id, 0) not in widget_keys(at), "the form gives way"


def test_a_failed_exam_review_offers_the_same_form_for_withheld_questions(ui, fresh_db, catalogue):
    ann = ui["ann"]
    done = finish(fresh_db, ann, catalogue, "certification-exam", right=0)
    view = attempts.get(fresh_db, ann, done)
    shown = feedback.review(view)
    assert shown
    assert all(v.withheld for v in shown)
    at = sign_in("ann")
    open_page(at, "results", attempt=done)
    kind_keys = {
        k for k in widget_keys(at) if k.startswith(f"report.{done}.") and k.endswith(".kind")
    }
    assert kind_keys == {keys.report_kind(done, v.position) for v in shown}
    # Every form alike, whatever the question's key: the same labels and the same choices.
    kinds = {tuple(at.radio(key=keys.report_kind(done, v.position)).options) for v in shown}
    assert len(kinds) == 1
    position = shown[0].position
    at.radio(key=keys.report_kind(done, position)).set_value("wrong")
    at.text_area(key=keys.report_comment(done, position)).input("Two answers look right")
    submit_form(at, keys.report_form(done, position))
    assert report_rows(fresh_db) == [("wrong", "Two answers look right")]
    line = f"Your report on question {position + 1} (wrong): open, a trainer has not answered yet."
    assert values(at.info).count(line) == 2  # at the top of the results, and by the question
    # Nothing on the page names a right option of a withheld question.
    page_text = " ".join(
        str(v) for kind in ("markdown", "caption", "info") for v in values(at.get(kind))
    )
    for verdict in shown:
        snap = verdict.snapshot
        if snap.type == "single":
            [right] = [o.text for o in snap.options if o.correct]
            assert right not in page_text


def test_a_trainer_resolves_from_the_queue_and_the_trainee_reads_the_note(ui, fresh_db, catalogue):
    ann_at = sign_in("ann")
    ann_view = checked_practice(ann_at, fresh_db, ui["ann"], catalogue)
    questionreports.report(fresh_db, ui["ann"], ann_view.id, 0, "wrong", "The key is B")
    qid = ann_view.questions[0].presented.snapshot.qid
    cat_view = attempts.start_questions(
        fresh_db, ui["cat"], catalogue.quizzes["practice-aftercare"], [qid], catalogue
    )
    attempts.save_answer(
        fresh_db, ui["cat"], cat_view.id, 0, wrong(cat_view.questions[0].presented.snapshot)
    )
    questionreports.report(fresh_db, ui["cat"], cat_view.id, 0, "unclear", "Which week?")

    at = sign_in("tina")
    open_page(at, "bank", q=qid)
    links = [(p.value, p.proto.query_string) for p in at.page_link]
    assert ("Reported by trainees: 2 open", f"question={qid}") in links

    open_page(at, "reported", question=qid)
    assert [t.value for t in at.title] == ["Reported questions"]
    assert "2 open reports on 1 question" in values(at.caption)[0]
    captions = " ".join(values(at.caption))
    assert "ann · " in captions
    assert f"{questionreports.UNNAMED} · " in captions, "cat is not tina's trainee"
    assert "cat · " not in captions

    submit_form(at, keys.resolve_form(qid))
    assert values(at.error) == ["Not resolved: write a note for the reporter first."]
    at.text_area(key=keys.resolve_note(qid)).input("Checked against the leaflet: the key is right.")
    submit_form(at, keys.resolve_form(qid))
    assert f"{qid}: 2 reports resolved; the reporters see your note." in values(at.success)
    assert "No open reports on" in values(at.info)[0]

    open_page(ann_at, "home")
    assert values(ann_at.success)[:1] == [
        "Your report on question 1 of Practice: Aftercare: resolved — Checked against the "
        "leaflet: the key is right."
    ]


def test_trainees_cannot_open_the_queue(ui, fresh_db):
    at = sign_in("ann")
    open_page(at, "reported")
    assert "Reported questions" not in [t.value for t in at.title]
