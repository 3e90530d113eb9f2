"""Imports land as drafts: the validator names each, quizzes never draw one, the CLI writes a bank
only when it brings no problem and never over another; exports carry citations and say what a
format could not hold."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from app import config
from app.accounts import Forbidden
from app.bank import forms, load
from app.bank.schema import Quiz
from app.banktables import never_drawn
from app.cli import EXIT_INVALID, EXIT_OK, main
from app.interop import FORMATS, banks, exporters, gift, importers, reader, writer
from app.interop.common import InteropError
from app.store import open_store
from app.store.tables import audit_log

DRAFT = """\
  - id: care-draft-001
    type: true_false
    difficulty: 2
    draft: true
    stem: Sun is fine straight after treatment.
    answer: false
    explanation: "No explanation yet: write one from the passages you cite."
"""

GIFT = b"""\
$CATEGORY: $course$/top/Skin care/After treatment

::Sun::What should the client avoid after treatment?{
  =Sun on the treated skin#Yes: new skin burns easily.
  ~Cold water on the skin
  ~Gentle daily cleansing
  ####The new skin is sensitive to light.
}

Fresh skin needs sun protection.{T}

::Essay::Describe your aftercare talk.{}

Only two options?{=Yes ~No}
"""


def test_a_draft_loads_without_citations_and_the_validator_names_it(check, content):
    bank = (content / "quizzes" / "banks" / "care.yaml").read_text()
    cat = check({"banks/care.yaml": bank + DRAFT})
    assert not cat.problems
    assert cat.entries["care-draft-001"].question.draft
    [note] = [w for w in cat.warnings if w.rule == "draft"]
    assert str(note) == (
        "banks/care.yaml:17: warning: care-draft-001: draft: no citations yet; no explanation "
        "yet; quizzes never draw it until its passages are cited [draft]"
    )


def test_without_the_draft_mark_a_question_still_needs_its_citations(check, content):
    bank = (content / "quizzes" / "banks" / "care.yaml").read_text()
    cat = check({"banks/care.yaml": bank + DRAFT.replace("    draft: true\n", "")})
    assert "banks/care.yaml:17: care-draft-001: sources: required field is missing" in [
        str(p) for p in cat.problems
    ]


def test_quizzes_never_draw_a_draft(check, content):
    bank = (content / "quizzes" / "banks" / "care.yaml").read_text()
    cat = check({"banks/care.yaml": bank + DRAFT})
    assert all("care-draft-001" not in u.qids for u in forms.units(cat))
    assert "care-draft-001" not in never_drawn(cat), "not drawn by design, so not a gap"
    quiz = Quiz(
        id="q", title="Q", description="d", mode="practice", pass_mark=50,
        draw=[{"bank": "care", "count": 1}],
    )  # fmt: skip
    for seed in range(20):
        form = forms.draw(quiz, cat, random.Random(seed))
        assert [qid for line in form for unit in line for qid in unit.qids] == ["care-sun-001"]


@pytest.fixture
def shipped(tmp_path) -> Path:
    return Path(shutil.copytree(config.PROJECT_ROOT / "quizzes", tmp_path / "quizzes"))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_dry_run_reports_every_question_and_writes_nothing(capsys, shipped, tmp_path):
    source = tmp_path / "moodle.gift"
    source.write_bytes(GIFT)
    code, out, err = run(
        capsys, "import", str(source), "--bank", "moodle-care", "--topic", "aftercare",
        "--content", str(shipped), "--dry-run",
    )  # fmt: skip
    assert code == EXIT_OK, err
    lines = out.splitlines()
    assert lines[0].split() == ["where", "outcome", "detail"]
    assert lines[1].split() == [
        "line",
        "3",
        "draft",
        "moodle-care-001",
        "single",
        "answer",
        "—",
        "Sun",
    ]
    assert lines[2].split() == ["line", "10", "draft", "moodle-care-002", "true/false"]
    assert lines[3].split()[:3] == ["line", "12", "skipped"]
    assert "essay" in lines[3]
    assert lines[4].startswith("line 14  skipped")
    assert "needs at least 3 options (has 2)" in lines[4]
    assert "dry run, nothing written: 2 question(s)" in err
    assert not (shipped / "banks" / "moodle-care.yaml").exists()


def test_import_writes_drafts_that_validate_and_refuses_to_overwrite(
    capsys, shipped, tmp_path, sources, monkeypatch
):
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    monkeypatch.setenv("RESURFACE_DATABASE_URL", url)
    source = tmp_path / "moodle.gift"
    source.write_bytes(GIFT)
    args = ["import", str(source), "--bank", "moodle-care", "--topic", "aftercare"]
    code, _, err = run(capsys, *args, "--content", str(shipped), "--title", "From Moodle")
    assert code == EXIT_OK, err
    written = (shipped / "banks" / "moodle-care.yaml").read_text()
    assert written.startswith("bank: {id: moodle-care, title: From Moodle, topic: aftercare}\n")
    cat = load([shipped], sources_dir=sources, root=shipped)
    assert not cat.problems, cat.problems
    first = cat.entries["moodle-care-001"].question
    assert (first.draft, first.difficulty, first.sources) == (True, 2, [])
    assert first.explanation == "The new skin is sensitive to light."
    assert [(o.text, o.correct, o.feedback) for o in first.options] == [  # type: ignore[attr-defined]
        ("Sun on the treated skin", True, "Yes: new skin burns easily."),
        ("Cold water on the skin", False, None),
        ("Gentle daily cleansing", False, None),
    ]
    assert first.tags == ["after-treatment"]
    drafts = [w.subject for w in cat.warnings if w.rule == "draft"]
    assert drafts == ["moodle-care-001", "moodle-care-002"]
    # strict validation fails while drafts remain
    code, _, err = run(capsys, "validate", "--strict", str(shipped), "--sources", str(sources))
    assert code == EXIT_INVALID
    assert "0 problems, 2 warnings (strict: warnings fail)" in err
    # a second import under the same id is refused; --replace replaces
    code, _, err = run(capsys, *args, "--content", str(shipped))
    assert code == EXIT_INVALID
    assert "bank 'moodle-care' already exists" in err
    code, _, err = run(capsys, *args, "--content", str(shipped), "--replace")
    assert code == EXIT_OK, err
    assert "replaces" in err
    # each write is one audit line by the console, as a write from the page is by its user
    engine = open_store(url)
    try:
        with engine.connect() as conn:
            lines = list(
                conn.execute(
                    select(audit_log).where(audit_log.c.action == "content.import")
                ).mappings()
            )
    finally:
        engine.dispose()
    assert [(r["actor_id"], r["target"], r["detail"]["replaced"]) for r in lines] == [
        (None, "moodle-care", False),
        (None, "moodle-care", True),
    ]


def test_an_unknown_topic_or_a_bad_bank_id_is_refused(capsys, shipped, tmp_path):
    source = tmp_path / "moodle.gift"
    source.write_bytes(GIFT)
    code, _, err = run(
        capsys, "import", str(source), "--bank", "x", "--topic", "no-such-topic",
        "--content", str(shipped),
    )  # fmt: skip
    assert code == EXIT_INVALID
    assert "unknown topic 'no-such-topic'" in err
    code, _, err = run(
        capsys, "import", str(source), "--bank", "Bad Id", "--topic", "aftercare",
        "--content", str(shipped),
    )  # fmt: skip
    assert code == EXIT_INVALID
    assert "'Bad Id' is not a bank id" in err
    assert sorted(p.name for p in (shipped / "banks").iterdir()) == sorted(
        p.name for p in (config.PROJECT_ROOT / "quizzes" / "banks").iterdir()
    )


def test_a_hostile_file_is_refused_by_the_command(capsys, shipped, tmp_path):
    source = tmp_path / "laughs.xml"
    source.write_bytes(
        b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
        b"<quiz>&b;</quiz>"
    )
    code, out, err = run(
        capsys, "import", str(source), "--bank", "x", "--topic", "aftercare",
        "--content", str(shipped),
    )  # fmt: skip
    assert code == EXIT_INVALID
    assert "declares XML entities" in err
    assert "Traceback" not in out + err


def test_export_bank_writes_citations_and_says_what_the_format_cannot_hold(
    capsys, shipped, tmp_path
):
    target = tmp_path / "aftercare.gift"
    code, _, err = run(
        capsys, "export-bank", "aftercare", "--format", "gift", "-o", str(target),
        "--content", str(shipped),
    )  # fmt: skip
    assert code == EXIT_OK, err
    items = gift.read(target.read_bytes(), target.name).items
    cat = load([shipped])
    expected = [qid for qid, e in cat.entries.items() if e.bank == "aftercare"]
    assert [i.name for i in items] == expected
    q = cat.entries[expected[0]].question
    ref = q.sources[0]
    assert f'{ref.doc}: "{ref.quote}"' in (items[0].general_feedback or "")
    assert "case vignette: written before the stem" in err
    assert "GIFT has no tags" in err
    code, _, err = run(capsys, "export-bank", "nope", "-o", str(target), "--content", str(shipped))
    assert code == EXIT_INVALID
    assert "no bank nope" in err


def test_drafts_are_not_exported(shipped):
    plan = banks.plan_import(shipped, GIFT, "m.gift", "moodle-care", "aftercare")
    banks.write_bank(plan)
    cat = load([shipped])
    items, left_out = banks.items_of(cat, ["moodle-care", "aftercare"])
    assert {i.ident for i in items} == {q for q, e in cat.entries.items() if e.bank == "aftercare"}
    assert [(s.where, s.reason.split(":")[0]) for s in left_out] == [
        ("moodle-care-001", "draft"),
        ("moodle-care-002", "draft"),
    ]


def test_writing_from_the_app_needs_content_editing_and_is_audited(people, fresh_db, shipped):
    plan = banks.plan_import(shipped, GIFT, "m.gift", "moodle-care", "aftercare")
    with pytest.raises(Forbidden):
        banks.commit(fresh_db, people["tina"], plan)
    assert not plan.path.exists()
    banks.commit(fresh_db, people["boss"], plan)
    assert plan.path.exists()
    with fresh_db.connect() as conn:
        [row] = conn.execute(
            select(audit_log).where(audit_log.c.action == "content.import")
        ).mappings()
    assert (row["actor_id"], row["target"]) == (people["boss"].id, "moodle-care")
    assert row["detail"] | {} == {
        "file": "moodle-care.yaml",
        "source": "m.gift",
        "format": "gift",
        "questions": 2,
        "skipped": 2,
        "replaced": False,
    }


def test_every_format_is_offered_for_what_it_can_do():
    """Written from the formats' descriptions: Moodle reads and writes GIFT, Moodle XML and Aiken;
    a spreadsheet is only read; a QTI package only written."""
    assert importers() == ["gift", "moodle-xml", "aiken", "xlsx", "csv"]
    assert exporters() == ["gift", "moodle-xml", "aiken", "qti"]
    with pytest.raises(InteropError, match="cannot import from 'qti'"):
        reader("qti")
    with pytest.raises(InteropError, match="cannot export to 'csv'"):
        writer("csv")


def test_a_format_whose_module_is_missing_is_an_error_not_a_format_left_out(monkeypatch):
    monkeypatch.setitem(FORMATS, "aiken", "app.interop.no_such_module")
    with pytest.raises(ModuleNotFoundError):
        importers()
