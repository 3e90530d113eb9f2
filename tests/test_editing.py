"""Editing questions in the app: the YAML written back round-trip, checked like `resurface
validate`, refused when stale, recorded in the audit log; retiring and creating questions.

Every test works on a copy of the shipped quizzes/ in a temp folder.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from app import attempts, config, contentedit, progress, useradmin
from app.accounts import Forbidden
from app.bank import forms, load
from app.bank.catalogue import source_index
from app.bank.editing import EditError, Refused
from app.contentedit import ChangedMeanwhile
from app.store import audit as audit_store
from conftest import finish

QID = "aftercare-beach-sun-001"
FILE = "banks/aftercare.yaml"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A copy of the shipped content, to edit."""
    return Path(shutil.copytree(config.quizzes_dir(), tmp_path / "quizzes"))


@pytest.fixture(scope="module")
def index(sources):
    return source_index(sources)


def swapped_key(fields: dict) -> dict:
    """The question with its key moved from the first option to the second."""
    options = [dict(o) for o in fields["options"]]
    options[0].pop("correct", None)
    options[1]["correct"] = True
    return dict(fields) | {"options": options}


def test_an_edit_keeps_comments_and_touches_only_the_question(fresh_db, people, content, index):
    path = content / FILE
    before = path.read_text(encoding="utf-8")
    comments = [line for line in before.splitlines() if line.lstrip().startswith("#")]
    assert len(comments) > 5
    opened = contentedit.open_question(fresh_db, people["boss"], content, QID)
    saved = contentedit.save(
        fresh_db, people["boss"], content, opened, swapped_key(dict(opened.fields)), index=index
    )
    after = path.read_text(encoding="utf-8")
    assert [line for line in after.splitlines() if line.lstrip().startswith("#")] == comments
    # The diff is two lines: "correct: true" leaves the first option and joins the second.
    old, new = before.splitlines(), after.splitlines()
    removed = [line for line in old if line not in new or old.count(line) != new.count(line)]
    assert [
        x for x in saved.diff.splitlines() if x[:1] in "+-" and x[:3] not in ("+++", "---")
    ] == [
        "-        correct: true",
        "+        correct: true",
    ]
    assert removed == [] or all("correct: true" in line for line in removed)
    assert len(old) == len(new)
    changed = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
    start = next(i for i, line in enumerate(old) if line.strip() == f"- id: {QID}")
    end = next(i for i in range(start + 1, len(old)) if old[i].strip().startswith("- id: "))
    assert changed
    assert all(start < i < end for i in changed)
    cat = load([content], sources_dir=config.sources_dir())
    assert not cat.problems
    assert not cat.warnings
    key = [o for o in cat.entries[QID].question.options if o.correct]
    assert key[0].text.startswith("She can sunbathe once her redness fades")


def test_a_save_is_recorded_with_a_readable_diff(fresh_db, people, content, index):
    opened = contentedit.open_question(fresh_db, people["boss"], content, QID)
    fields = dict(opened.fields) | {"difficulty": 3}
    saved = contentedit.save(fresh_db, people["boss"], content, opened, fields, index=index)
    with fresh_db.connect() as conn:
        [line] = audit_store.lines(conn, "content.edit")
    assert line["target"] == QID
    assert line["actor_id"] == people["boss"].id
    detail = line["detail"]
    assert detail["fields"] == ["difficulty"]
    assert detail["diff"] == saved.diff
    assert f"--- a/{FILE}" in detail["diff"]
    assert "-    difficulty: 2" in detail["diff"]
    assert "+    difficulty: 3" in detail["diff"]
    assert list(detail["files"]) == [FILE]
    assert detail["version"] == saved.version
    assert len(saved.version) == 64


def test_the_second_editor_of_a_file_is_refused_and_told_who(fresh_db, people, content, index):
    boss, tina = people["boss"], people["tina"]
    useradmin.set_content_editor(fresh_db, boss, "tina", True)
    tina = useradmin.set_content_editor(fresh_db, boss, "tina", True)
    first = contentedit.open_question(fresh_db, boss, content, QID)
    second = contentedit.open_question(fresh_db, tina, content, "aftercare-beach-activity-001")
    contentedit.save(fresh_db, boss, content, first, dict(first.fields) | {"difficulty": 3},
                     index=index)  # fmt: skip
    written = (content / FILE).read_text(encoding="utf-8")
    with pytest.raises(ChangedMeanwhile, match=r"changed by boss \(boss\) at .* UTC, saving "
                       rf"question '{QID}'"):  # fmt: skip
        contentedit.save(
            fresh_db, tina, content, second, dict(second.fields) | {"difficulty": 1}, index=index
        )
    assert (content / FILE).read_text(encoding="utf-8") == written
    with fresh_db.connect() as conn:
        assert len(audit_store.lines(conn, "content.edit")) == 1


def test_a_change_outside_the_app_is_named_as_such(fresh_db, people, content, index):
    opened = contentedit.open_question(fresh_db, people["boss"], content, QID)
    path = content / FILE
    path.write_text(path.read_text(encoding="utf-8") + "# a note\n", encoding="utf-8")
    with pytest.raises(ChangedMeanwhile, match=r"changed on disk outside the app at .* UTC"):
        contentedit.save(fresh_db, people["boss"], content, opened, dict(opened.fields),
                         index=index)  # fmt: skip


def test_two_editors_saving_at_once_write_one_change(fresh_db, people, content, index):
    boss = people["boss"]
    opened = contentedit.open_question(fresh_db, boss, content, QID)
    outcomes: list[str] = []

    def save(difficulty: int) -> None:
        try:
            contentedit.save(fresh_db, boss, content, opened,
                             dict(opened.fields) | {"difficulty": difficulty}, index=index)  # fmt: skip
            outcomes.append("saved")
        except ChangedMeanwhile:
            outcomes.append("refused")

    threads = [threading.Thread(target=save, args=(d,)) for d in (1, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused", "saved"]
    with fresh_db.connect() as conn:
        assert len(audit_store.lines(conn, "content.edit")) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"stem": "  "}, "stem: must not be empty"),
        ({"difficulty": 5}, "difficulty: must be at most 3"),
        ({"options": "no-key"}, "a single-answer question needs exactly one correct option"),
        ({"sources": [{"doc": "004_32b1bf62d34bcdc1", "quote": "a quote the guide never says"}]},
         "not found in"),
    ],
)  # fmt: skip
def test_an_invalid_edit_is_refused_with_the_validators_message(
    fresh_db, people, content, index, change, message
):
    opened = contentedit.open_question(fresh_db, people["boss"], content, QID)
    fields = dict(opened.fields) | change
    if change.get("options") == "no-key":
        fields["options"] = [{k: v for k, v in o.items() if k != "correct"} for o in
                             opened.fields["options"]]  # fmt: skip
    before = (content / FILE).read_bytes()
    proposal = contentedit.check(fresh_db, people["boss"], content, opened, fields, index=index)
    assert any(message in str(p) for p in proposal.problems), proposal.problems
    with pytest.raises(Refused, match="would break the content"):
        contentedit.save(fresh_db, people["boss"], content, opened, fields, index=index)
    assert (content / FILE).read_bytes() == before


def test_a_new_warning_needs_confirming(fresh_db, people, content, index):
    opened = contentedit.open_question(fresh_db, people["boss"], content, QID)
    fields = dict(opened.fields) | {"stem": "Which of these is not something you should tell her?"}
    proposal = contentedit.check(fresh_db, people["boss"], content, opened, fields, index=index)
    assert not proposal.problems
    assert [w.rule for w in proposal.warnings] == ["negative-stem"]
    with pytest.raises(Refused, match="item-writing warnings"):
        contentedit.save(fresh_db, people["boss"], content, opened, fields, index=index)
    contentedit.save(
        fresh_db, people["boss"], content, opened, fields, index=index, confirm_warnings=True
    )
    assert "not something" in (content / FILE).read_text(encoding="utf-8")


def test_a_question_id_does_not_change(fresh_db, people, content, index):
    opened = contentedit.open_question(fresh_db, people["boss"], content, QID)
    with pytest.raises(EditError, match="id cannot change"):
        contentedit.check(fresh_db, people["boss"], content, opened,
                          dict(opened.fields) | {"id": "aftercare-other-001"}, index=index)  # fmt: skip


def test_a_new_question_is_added_to_its_bank(fresh_db, people, content, index):
    boss = people["boss"]
    opened = contentedit.new_question(fresh_db, boss, content, "aftercare", "true_false")
    fields = dict(opened.fields) | {
        "id": "aftercare-new-tf-001",
        "stem": "After ablative resurfacing, should a client protect the treated skin from the sun?",
        "answer": True,
        "explanation": "The clinic overview (000) calls protecting the skin from the sun vital.",
        "sources": [
            {
                "doc": "000_86937eb6051dfac3",
                "quote": "protect the area from sun exposure. This is vital!",
            }
        ],
        "tags": ["sun"],
    }
    proposal = contentedit.check(fresh_db, boss, content, opened, fields, index=index)
    assert not proposal.problems
    saved = contentedit.save(fresh_db, boss, content, opened, fields, index=index,
                             confirm_warnings=True)  # fmt: skip
    assert saved.kind == "create"
    text = (content / FILE).read_text(encoding="utf-8")
    assert text.rstrip().endswith("tags: [sun]")
    assert "\n\n  - id: aftercare-new-tf-001\n    type: true_false\n    difficulty: 1\n" in text
    cat = load([content], sources_dir=config.sources_dir())
    assert cat.entries["aftercare-new-tf-001"].question.answer is True
    assert not cat.problems


def test_a_new_question_may_not_take_an_existing_id(fresh_db, people, content, index):
    opened = contentedit.new_question(fresh_db, people["boss"], content, "planning")
    with pytest.raises(EditError, match=f"question id '{QID}' is already used in {FILE}"):
        contentedit.check(fresh_db, people["boss"], content, opened,
                          dict(opened.fields) | {"id": QID}, index=index)  # fmt: skip


def test_a_retired_question_is_never_drawn_and_old_attempts_still_read(
    fresh_db, people, content, index
):
    cat = load([content], sources_dir=config.sources_dir())
    ann = people["ann"]
    done = finish(fresh_db, ann, cat, "practice-aftercare", right=0)
    view = attempts.get(fresh_db, ann, done)
    asked = [q.presented.snapshot.qid for q in view.questions]
    target = asked[0]
    saved = contentedit.retire(fresh_db, people["boss"], content, target, index=index,
                               confirm_warnings=True)  # fmt: skip
    assert saved.kind == "retire"
    assert "retired: true" in saved.diff
    after = load([content], sources_dir=config.sources_dir())
    assert not after.problems
    assert after.entries[target].question.retired
    assert all(target not in u.qids for u in forms.units(after))
    for quiz in after.quizzes.values():
        for pool in forms.pools(quiz, after):
            assert all(target not in u.qids for u in pool)
    assert target not in progress.recent_mistakes(fresh_db, ann, after)
    again = attempts.get(fresh_db, ann, done)
    assert [q.presented.snapshot.qid for q in again.questions] == asked
    restored = contentedit.retire(fresh_db, people["boss"], content, target, retired=False,
                                  index=index, confirm_warnings=True)  # fmt: skip
    assert restored.kind == "restore"
    assert not load([content]).entries[target].question.retired


def test_moving_a_question_to_another_topic(fresh_db, people, content, index):
    boss = people["boss"]
    cat = load([content])
    qid = next(q for q, e in cat.entries.items() if e.bank == "aftercare" and e.case is None)
    opened = contentedit.open_question(fresh_db, boss, content, qid)
    proposal = contentedit.check(fresh_db, boss, content, opened, opened.fields, "recovery",
                                 index=index)  # fmt: skip
    assert proposal.kind == "move"
    assert [f.name for f in proposal.files] == [FILE, "banks/recovery.yaml"]
    assert f"id: {qid}" not in proposal.files[0].after
    assert f"- id: {qid}" in proposal.files[1].after
    assert proposal.catalogue.entries[qid].topic == cat.banks["recovery"].topic


def test_editing_needs_the_right(fresh_db, people, content):
    for name in ("tina", "ann"):
        with pytest.raises(Forbidden):
            contentedit.open_question(fresh_db, people[name], content, QID)
    tina = useradmin.set_content_editor(fresh_db, people["boss"], "tina", True)
    assert contentedit.open_question(fresh_db, tina, content, QID).qid == QID
    with fresh_db.connect() as conn:
        [line] = audit_store.lines(conn, "user.content_editor")
    assert line["target"] == "tina"
    assert line["detail"] == {"edits_content": [False, True]}
    useradmin.set_content_editor(fresh_db, people["boss"], "tina", False)
    with pytest.raises(Forbidden):
        contentedit.open_question(fresh_db, tina, content, QID)
    with pytest.raises(Forbidden, match="only trainers"):
        useradmin.set_content_editor(fresh_db, people["boss"], "ann", True)
    with pytest.raises(Forbidden):
        useradmin.set_content_editor(fresh_db, tina, "bob", True)


def test_history_joins_saves_and_versions_in_attempts(fresh_db, people, content, index):
    boss = people["boss"]
    cat = load([content], sources_dir=config.sources_dir())
    ann = people["ann"]
    done = finish(fresh_db, ann, cat, "practice-aftercare", right=0)
    qid = attempts.get(fresh_db, ann, done).questions[0].presented.snapshot.qid
    opened = contentedit.open_question(fresh_db, boss, content, qid)
    saved = contentedit.save(fresh_db, boss, content, opened,
                             dict(opened.fields) | {"difficulty": 3 if opened.fields["difficulty"] != 3 else 2},
                             index=index, confirm_warnings=True)  # fmt: skip
    versions = contentedit.history(fresh_db, people["tina"], qid)
    assert [(v.kind, v.who, v.fields) for v in versions] == [
        ("edit", "boss", ("difficulty",)),
        ("asked", None, ()),
    ]
    assert versions[0].version == saved.version
    assert versions[0].attempts == 0
    assert versions[1].attempts == 1
    assert versions[1].version != saved.version
    with pytest.raises(Forbidden):
        contentedit.history(fresh_db, ann, qid)
