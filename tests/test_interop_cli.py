"""Interop through the installed ``resurface`` command, as an operator runs it: each import
format lands drafts that ``resurface validate`` names and quizzes never draw, and is recorded in
the audit log; each export format writes a file (a QTI package valid against the vendored XSD);
a file wrong in several places lists every problem and writes nothing; the template is written."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from e2e_support import resurface_command
from sqlalchemy import select
from test_interop_qti import load_schemas, package, valid

from app import config
from app.bank import forms, load
from app.interop import aiken, gift, moodlexml, spreadsheet
from app.store import open_store
from app.store.tables import audit_log

FIXTURES = Path(__file__).parent / "fixtures" / "interop"


def resurface(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [resurface_command(), *argv], capture_output=True, text=True, env=env, check=False
    )


@pytest.fixture
def shipped(tmp_path) -> Path:
    return Path(shutil.copytree(config.PROJECT_ROOT / "quizzes", tmp_path / "quizzes"))


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return {**os.environ, "RESURFACE_DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}"}


# (fixture file, the format said or None to guess, the questions in it we can hold, counted by
# hand: Moodle's essay, numerical, short-answer, cloze, drag-and-drop, description and images
# are not ours; nor a single-answer question of 2 options or a matching one of 2 pairs, which
# our rules refuse: spec.xml 4 of 11. A spreadsheet is all or nothing: every row of
# questions.xlsx (6) and questions.csv (5) is one we take)
IMPORTS = [
    ("spec.gift", None, 9),
    ("spec.xml", None, 4),
    ("aiken_moodle.txt", None, 2),
    ("questions.xlsx", None, 6),
    ("questions.csv", "csv", 5),
]


@pytest.mark.parametrize(("name", "fmt", "count"), IMPORTS, ids=[i[0] for i in IMPORTS])
def test_each_format_imports_drafts_that_validate_names_and_quizzes_never_draw(
    shipped, env, sources, name, fmt, count
):
    argv = ["import", str(FIXTURES / name), "--bank", "brought-in", "--topic", "aftercare"]
    argv += ["--content", str(shipped), "--sources", str(sources)]
    done = resurface(*argv, *(["--format", fmt] if fmt else []), env=env)
    assert done.returncode == 0, done.stderr
    assert f"written: {count} question(s) from {name}" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr

    checked = resurface("validate", str(shipped), "--sources", str(sources), env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    drafts = [line for line in checked.stdout.splitlines() if line.endswith("[draft]")]
    ids = [f"brought-in-{n:03d}" for n in range(1, count + 1)]
    assert [line.split(": ")[2] for line in drafts] == ids, checked.stdout

    cat = load([shipped], sources_dir=sources, root=shipped)
    drawn = {qid for unit in forms.units(cat) for qid in unit.qids}
    assert drawn
    assert not drawn & set(ids)

    engine = open_store(env["RESURFACE_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            [line] = conn.execute(
                select(audit_log).where(audit_log.c.action == "content.import")
            ).mappings()
    finally:
        engine.dispose()
    assert (line["actor_id"], line["target"]) == (None, "brought-in")
    assert (line["detail"]["source"], line["detail"]["questions"]) == (name, count)


@pytest.mark.parametrize("name", ["bad_rows.csv", "aiken_bad.txt"])
def test_a_file_wrong_in_several_places_lists_each_and_writes_nothing(shipped, env, name):
    argv = ["import", str(FIXTURES / name), "--bank", "bad", "--topic", "aftercare"]
    done = resurface(*argv, "--content", str(shipped), "--dry-run", env=env)
    assert done.returncode == 1
    head, *problems = done.stderr.splitlines()
    assert head.startswith(f"resurface: error: {name}: ")
    assert head.endswith("problems; nothing was imported")
    assert int(head.split(": ")[3].split()[0]) == len(problems)
    assert all(p.startswith(("row ", "line ")) for p in problems), problems
    assert not (shipped / "banks" / "bad.yaml").exists()
    assert not Path(env["RESURFACE_DATABASE_URL"].removeprefix("sqlite:///")).exists()


def test_bad_rows_are_named_by_row_and_column(shipped, env):
    argv = ["import", str(FIXTURES / "bad_rows.csv"), "--bank", "bad", "--topic", "aftercare"]
    done = resurface(*argv, "--content", str(shipped), env=env)
    problems = done.stderr.splitlines()[1:]
    # the README's rows 2-9 are each wrong; row 10 is fine
    assert sorted({int(p.split()[1].rstrip(",:")) for p in problems}) == list(range(2, 10))
    assert any(p.startswith("row 2, column correct: ") for p in problems), problems


READ_BACK = {
    "gift": lambda data: gift.read(data, "x.gift").items,
    "moodle-xml": lambda data: moodlexml.read(data, "x.xml").items,
    "aiken": lambda data: aiken.read(data, "x.txt").items,
}


@pytest.mark.parametrize("fmt", ["gift", "moodle-xml", "aiken", "qti"])
def test_each_format_exports_a_file(shipped, env, tmp_path, fmt):
    target = tmp_path / f"out-{fmt}"
    argv = ["export-bank", "aftercare", "--format", fmt, "-o", str(target)]
    done = resurface(*argv, "--content", str(shipped), env=env)
    assert done.returncode == 0, done.stderr
    assert f"written {target} ({fmt})" in done.stderr
    cat = load([shipped])
    ours = [q for q, e in cat.entries.items() if e.bank == "aftercare"]
    if fmt == "qti":
        files = package(target.read_bytes())
        valid(files, load_schemas())
        assert len([n for n in files if n.startswith("items/")]) == len(ours)
    elif fmt == "aiken":  # single-answer and true/false questions only, without names
        kinds = [cat.entries[q].question.type for q in ours]
        items = READ_BACK[fmt](target.read_bytes())
        assert len(items) == kinds.count("single") + kinds.count("true_false")
    else:
        assert [i.name for i in READ_BACK[fmt](target.read_bytes())] == ours


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_the_template_is_written_and_reads_back_as_questions(tmp_path, env, suffix):
    target = tmp_path / f"template{suffix}"
    done = resurface("import-template", str(target), env=env)
    assert done.returncode == 0, done.stderr
    reading = spreadsheet.read(target.read_bytes(), target.name)
    assert {i.kind for i in reading.items} == {"single", "multiple", "true_false", "matching"}
    done = resurface("import-template", str(tmp_path / "template.ods"), env=env)
    assert done.returncode == 2
    assert "the template is an .xlsx or a .csv file" in done.stderr
