"""Docs drift fails a test: the README names every command and the commands CI really runs."""

from __future__ import annotations

import argparse
import ast
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


def test_ci_runs_the_readme_test_command_in_a_fresh_environment_with_ci_set():
    command = fenced_after("<!-- test-command -->")
    assert command in CI
    lines = CI.splitlines()
    assert "export CI=true" in " ".join(
        lines[: lines.index(next(x for x in lines if command in x))]
    )
    assert "rm -rf .venv" in CI


@pytest.mark.parametrize(
    ("marker", "lock"),
    [
        ("<!-- run-command -->", "requirements.lock"),
        ("<!-- test-command -->", "requirements-test.lock"),
    ],
)
def test_both_readme_commands_install_the_lock_into_a_virtual_environment(marker, lock):
    command = fenced_after(marker)
    assert command.startswith("python3 -m venv .venv && ")
    assert f".venv/bin/pip install --require-hashes -r {lock} && " in command
    assert ".venv/bin/pip install --no-deps --no-build-isolation -e . && " in command


def test_ci_validates_the_shipped_banks_against_the_sources():
    assert 'resurface validate --strict quizzes --sources "$RESURFACE_SOURCES"' in CI
    assert "RESURFACE_SOURCES:-" in CI  # the default, ../shared/seeds, unless the caller says


def section(title: str) -> str:
    start = README.index(f"\n{title}\n")
    end = README.find("\n#", start + len(title) + 2)
    return README[start : end if end > 0 else None]


def test_the_settings_table_lists_every_setting_in_order():
    documented = re.findall(r"^\| `([A-Z_]+)` \|", section("## Settings"), re.M)
    assert documented == [name for name, _, _ in config.SETTINGS]


SOURCE_FILES = sorted(
    path
    for folder in ("app", "tests", "benchmarks")
    for path in (config.PROJECT_ROOT / folder).rglob("*.py")
)


def environment_reads(tree: ast.AST) -> list[int]:
    """Lines that read a variable from the environment (copying all of it for a child process,
    or setting one, is not reading)."""
    found = []
    for node in ast.walk(tree):
        target = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "getenv" or (
                node.func.attr == "get" and ast.unparse(node.func.value) == "os.environ"
            ):
                target = node
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            if ast.unparse(node.value) == "os.environ":
                target = node
        elif isinstance(node, ast.Compare) and any(
            ast.unparse(c) == "os.environ" for c in node.comparators
        ):
            target = node
        if target is not None:
            found.append(target.lineno)
    return found


def test_only_app_config_reads_environment_variables():
    readers = {
        f"{path.relative_to(config.PROJECT_ROOT)}:{line}"
        for path in SOURCE_FILES
        if path.name != "config.py" or path.parent.name != "app"
        for line in environment_reads(ast.parse(path.read_text(encoding="utf-8")))
    }
    assert readers == set()


def test_every_resurface_variable_the_code_names_is_a_documented_setting():
    named = {
        name
        for path in SOURCE_FILES
        for name in re.findall(r"\bRESURFACE_[A-Z_]+\b", path.read_text(encoding="utf-8"))
    }
    assert named - {name for name, _, _ in config.SETTINGS} == set()


def test_readme_documents_every_quiz_field():
    from app.bank.schema import Quiz

    missing = [f for f in Quiz.model_fields if f"`{f}`" not in README]
    assert missing == []


@pytest.mark.parametrize("kind", exports.KINDS)
def test_readme_explains_every_column_of_every_export(kind):
    missing = [c for c in exports.MEANING[kind] if f"| `{c}` |" not in README]
    assert missing == []
