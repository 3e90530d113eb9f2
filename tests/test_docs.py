"""Docs drift fails a test: the README names every command and the commands CI really runs."""

from __future__ import annotations

import argparse
import re

import pytest

from app import config, exports
from app.cli import build_parser

README = (config.PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
CI = (config.PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")


def subcommands(parser=None, prefix: str = "") -> dict[str, str]:
    """Every command and nested command ("users add") with its description."""
    out = {}
    for action in (parser or build_parser())._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out[prefix + name] = sub.description or ""
                out |= subcommands(sub, f"{prefix}{name} ")
    return out


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_every_command_has_help_and_is_in_the_readme(name):
    assert subcommands()[name].strip(), f"`resurface {name}` has no description"
    assert f"resurface {name}" in README


def fenced_after(marker: str) -> str:
    match = re.search(rf"{re.escape(marker)}\s*```(?:bash|sh)?\n(.+?)\n```", README, re.S)
    assert match, f"README has no code block after {marker!r}"
    return match.group(1).strip()


def test_ci_runs_the_readme_test_command():
    command = fenced_after("<!-- test-command -->")
    assert command in CI


def test_ci_validates_the_shipped_banks_against_the_sources():
    assert "resurface validate quizzes --sources ../shared/seeds" in CI


def test_readme_documents_every_quiz_field():
    from app.bank.schema import Quiz

    missing = [f for f in Quiz.model_fields if f"`{f}`" not in README]
    assert missing == []


@pytest.mark.parametrize("kind", exports.KINDS)
def test_readme_explains_every_column_of_every_export(kind):
    missing = [c for c in exports.MEANING[kind] if f"| `{c}` |" not in README]
    assert missing == []
