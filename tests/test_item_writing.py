"""Item-writing checks: each rule in app.bank.writing has a failing and a passing fixture under
tests/fixtures/writing/<rule>/ (docs/authoring.md's table links them); the failing one raises that
rule and no other, the passing one raises nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.bank import writing
from conftest import messages

FIXTURES = Path(__file__).parent / "fixtures" / "writing"
AUTHORING = Path(__file__).parents[1] / "docs" / "authoring.md"


def load_fixture(check, content: Path, rule: str, kind: str):
    folder = FIXTURES / rule / kind
    (content / "quizzes" / "banks" / "care.yaml").unlink()
    files = {"banks/care.yaml": (folder / "care.yaml").read_text(encoding="utf-8")}
    if (folder / "quizzes.yaml").exists():
        files["quizzes.yaml"] = (folder / "quizzes.yaml").read_text(encoding="utf-8")
    return check(files)


def test_every_rule_has_both_fixtures_and_a_line_in_the_authoring_doc():
    assert sorted(p.name for p in FIXTURES.iterdir()) == sorted(writing.RULES)
    authoring = AUTHORING.read_text(encoding="utf-8")
    for rule in writing.RULES:
        assert (FIXTURES / rule / "fail" / "care.yaml").is_file(), rule
        assert (FIXTURES / rule / "pass" / "care.yaml").is_file(), rule
        assert f"| `{rule}` |" in authoring, f"docs/authoring.md lists no rule {rule}"
        # relative to docs/, so the link works
        assert f"(../tests/fixtures/writing/{rule}/fail/care.yaml)" in authoring, rule


@pytest.mark.parametrize("rule", sorted(writing.RULES))
def test_the_failing_fixture_raises_its_rule_and_no_other(check, content, rule):
    cat = load_fixture(check, content, rule, "fail")
    assert messages(cat) == []  # a warning, never a problem: the content still loads
    assert cat.warnings, rule
    assert {w.rule for w in cat.warnings} == {rule}
    for w in cat.warnings:
        assert str(w).startswith(f"{w.file}:{w.line}: warning: ")
        assert str(w).endswith(f" [{rule}]")


@pytest.mark.parametrize("rule", sorted(writing.RULES))
def test_the_passing_fixture_raises_nothing(check, content, rule):
    cat = load_fixture(check, content, rule, "pass")
    assert messages(cat) == []
    assert [str(w) for w in cat.warnings] == []


def test_validate_prints_warnings_and_fails_on_them_only_when_strict(content):
    folder = content / "quizzes"
    shutil.copy(FIXTURES / "key-longest" / "fail" / "care.yaml", folder / "banks" / "care.yaml")

    def validate(*flags: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app.cli", "validate", *flags, str(folder)],
            capture_output=True,
            text=True,
            check=False,
            cwd=content,
        )

    lenient, strict = validate(), validate("--strict")
    assert lenient.returncode == 0
    assert strict.returncode != 0
    for run in (lenient, strict):
        [line] = run.stdout.splitlines()
        assert line.startswith("quizzes/banks/care.yaml:")
        assert ": warning: care-sun-001: options: the key is longer than every other option" in line
        assert line.endswith("[key-longest]")
    assert "0 problems, 1 warning (strict: warnings fail)" in strict.stderr
    assert "0 problems, 1 warning " in lenient.stderr


def test_the_thresholds_live_in_one_place():
    assert writing.LIMITS.true_false_share == 0.15
    assert set(writing.RULES) >= {
        "key-longest",
        "absolute-distractors",
        "all-none-above",
        "negative-stem",
        "option-length",
        "near-duplicate",
        "case-order",
        "true-false-share",
        "select-all-share",
    }


def test_a_secure_key_a_practice_question_repeats_is_exposed_whatever_the_stems(check, content):
    practice = (FIXTURES / "secure-exposed" / "pass" / "care.yaml").read_text(encoding="utf-8")
    # The pass fixture's secure question asks about packing for the coast; give it the
    # practice question's key (keeping its own distractors): the stems stay far apart.
    same_key = practice.replace(
        "Clothing and a hat to shade the area.", "Shield the treated area from the sun."
    )
    (content / "quizzes" / "banks" / "care.yaml").unlink()
    cat = check({"banks/care.yaml": same_key})
    [warning] = cat.warnings
    assert (warning.rule, warning.subject) == ("secure-exposed", "care-sun-002")
    assert "its key says what the key of the practice question 'care-sun-001'" in str(warning)
