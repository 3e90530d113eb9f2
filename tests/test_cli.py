"""The command line: output format, exit codes, JSON export."""

from __future__ import annotations

import json
import subprocess

import pytest
from e2e_support import resurface_command
from sqlalchemy import text

from app.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE, main
from app.store import open_store
from conftest import BANK


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_valid_content_exits_0(capsys, content, monkeypatch):
    monkeypatch.chdir(content)
    code, out, err = run(capsys, "validate", "quizzes", "--sources", "seeds")
    assert (code, out) == (EXIT_OK, "")
    assert "1 questions in 1 banks" not in err
    assert "1 question in 1 bank, 0 quizzes; 0 problems" in err


def test_validate_invalid_content_exits_1_and_lists_every_problem(capsys, content, monkeypatch):
    monkeypatch.chdir(content)
    bad = BANK.replace("difficulty: 1", "difficulty: 9").replace(
        "{text: Cold water}", "{text: Cold water, extra: 1}"
    )
    (content / "quizzes" / "banks" / "care.yaml").write_text(bad)
    code, out, _ = run(capsys, "validate", "quizzes", "--sources", "seeds")
    assert code == EXIT_INVALID
    assert out.splitlines() == [
        "quizzes/banks/care.yaml:7: care-sun-001: difficulty: must be at most 3",
        "quizzes/banks/care.yaml:11: care-sun-001: options[1].extra: unknown key",
    ]


def test_validate_single_bank_file_finds_topics_and_sources_above_it(capsys, content, monkeypatch):
    monkeypatch.chdir(content)
    bad = BANK.replace("topic: care}", "topic: nowhere}")
    (content / "quizzes" / "banks" / "care.yaml").write_text(bad)
    code, out, _ = run(capsys, "validate", "quizzes/banks/care.yaml")
    assert code == EXIT_INVALID
    assert (
        out
        == "quizzes/banks/care.yaml:1: bank: topic: unknown topic 'nowhere' (not in topics.yaml)\n"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["validate", "no/such/dir"], "resurface: error: no such file or folder: no/such/dir"),
        (
            ["validate", "quizzes", "--sources", "nowhere"],
            "resurface: error: sources folder not found: nowhere",
        ),
    ],
)
def test_usage_errors_exit_2(capsys, content, monkeypatch, argv, message):
    monkeypatch.chdir(content)
    code, out, err = run(capsys, *argv)
    assert (code, out, err.strip()) == (EXIT_USAGE, "", message)


def test_unknown_option_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["validate", "--frobnicate"])
    assert info.value.code == EXIT_USAGE
    assert "unrecognized arguments: --frobnicate" in capsys.readouterr().err


def test_banks_table_counts_topics_and_types(capsys, content, monkeypatch):
    monkeypatch.chdir(content)
    code, out, _ = run(capsys, "banks", "quizzes")
    lines = out.splitlines()
    assert code == EXIT_OK
    assert lines[0].split() == [
        "topic",
        "single",
        "multiple",
        "true_false",
        "matching",
        "case-based",
        "total",
    ]
    assert lines[2].split() == ["care", "1", "0", "0", "0", "0", "1"]
    assert lines[3].split() == ["planning", "0", "0", "0", "0", "0", "0"]
    assert lines[4].split() == ["TOTAL", "1", "0", "0", "0", "0", "1"]


def test_banks_json_has_every_field(capsys, content, monkeypatch):
    monkeypatch.chdir(content)
    code, out, _ = run(capsys, "banks", "quizzes", "--json")
    [q] = json.loads(out)
    assert code == EXIT_OK
    assert q == {
        "id": "care-sun-001",
        "bank": "care",
        "topic": "care",
        "type": "single",
        "difficulty": 1,
        "stem": "What should the client avoid after treatment?",
        "case": None,
        "options": [
            {"text": "Sun on the skin", "correct": True, "feedback": None},
            {"text": "Cold water", "correct": False, "feedback": None},
            {"text": "Gentle cleansing", "correct": False, "feedback": None},
        ],
        "explanation": "The new skin reacts strongly to light.",
        "sources": [{"doc": "doc1", "quote": "protect the treated area from the sun"}],
        "tags": ["sun"],
        "exam_only": False,
        "variant": None,
        "retired": False,
    }


def test_banks_warns_about_problems_but_still_reports(capsys, content, monkeypatch):
    monkeypatch.chdir(content)
    (content / "quizzes" / "banks" / "broken.yaml").write_text("bank: [\n")
    code, out, err = run(capsys, "banks", "quizzes")
    assert code == EXIT_INVALID
    assert "TOTAL" in out
    assert err.startswith("warning: quizzes/banks/broken.yaml:2: bank: invalid YAML:")


def test_console_script_is_installed_beside_python_and_runs(content):
    done = subprocess.run(
        [resurface_command(), "validate", "quizzes", "--sources", "seeds"],
        cwd=content,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, "")


@pytest.mark.parametrize("command", ["serve", "demo"])
@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "RESURFACE_SESSION_HOURS",
            "twelve",
            "RESURFACE_SESSION_HOURS must be a positive number, not 'twelve'",
        ),
        (
            "RESURFACE_SESSION_HOURS",
            "-1",
            "RESURFACE_SESSION_HOURS must be a positive number, not '-1'",
        ),
        (
            "RESURFACE_SESSION_HOURS",
            "nan",
            "RESURFACE_SESSION_HOURS must be a positive number, not 'nan'",
        ),
        (
            "RESURFACE_SOURCES",
            "/no/such/folder",
            "RESURFACE_SOURCES names /no/such/folder, which is not a folder",
        ),
    ],
)
def test_serve_and_demo_name_a_setting_they_cannot_use_before_doing_anything(
    capsys, monkeypatch, tmp_path, command, name, value, message
):
    monkeypatch.setenv(name, value)
    monkeypatch.setenv("RESURFACE_DATABASE_URL", f"sqlite:///{tmp_path / 'real.db'}")
    monkeypatch.setenv("RESURFACE_DEMO_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    code, out, err = run(capsys, command)
    assert (code, out, err) == (EXIT_USAGE, "", f"resurface: error: {message}\n")
    assert list(tmp_path.iterdir()) == []  # no database made, no server started


def test_a_database_a_newer_version_has_used_is_one_clear_line(capsys, monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    engine = open_store(url)
    with engine.begin() as conn:  # as a later Resurface with one more migration leaves it
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    engine.dispose()
    monkeypatch.setenv("RESURFACE_DATABASE_URL", url)
    assert main(["users", "list"]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert err.startswith("resurface: error: ")
    assert "schema revision '9999_future'" in err
    assert "a newer version has used it" in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
