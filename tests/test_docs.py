"""Docs drift fails a test: the docs name every command, setting, quiz field and export column,
the README gives the commands CI really runs, and every relative link in the docs leads somewhere."""

from __future__ import annotations

import argparse
import ast
import re

import pytest

from app import config, exports
from app.cli import build_parser

README = (config.PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
CI = (config.PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
DOCS = config.PROJECT_ROOT / "docs"


def doc(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


CLI_DOC = doc("cli.md")  # every command
ADMINISTRATION = doc("administration.md")  # the settings
AUTHORING = doc("authoring.md")  # the quiz fields
EXPORTS = doc("exports.md")  # the export columns


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
def test_every_command_has_help_and_is_in_the_cli_doc(name):
    assert subcommands()[name].strip(), f"`resurface {name}` has no description"
    assert f"resurface {name}" in CLI_DOC


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


def test_ci_type_checks_app_with_mypy_as_development_says():
    assert "\n.venv/bin/mypy\n" in CI  # under set -e: any error fails the run
    assert "[tool.mypy]" in (config.PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert ".venv/bin/mypy" in (config.PROJECT_ROOT / "docs" / "development.md").read_text(
        encoding="utf-8"
    )


def section(text: str, title: str) -> str:
    start = text.index(f"\n{title}\n")
    end = text.find("\n#", start + len(title) + 2)
    return text[start : end if end > 0 else None]


def test_the_settings_table_lists_every_setting_in_order():
    documented = re.findall(r"^\| `([A-Z_]+)` \|", section(ADMINISTRATION, "## Settings"), re.M)
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


def test_the_authoring_doc_documents_every_quiz_field():
    from app.bank.schema import Quiz

    quizzes = section(AUTHORING, "## Quiz definitions")
    missing = [f for f in Quiz.model_fields if f"`{f}`" not in quizzes]
    assert missing == []


@pytest.mark.parametrize("kind", exports.KINDS)
def test_the_exports_doc_explains_every_column_of_every_export(kind):
    columns = section(EXPORTS, f"## {kind}")
    missing = [c for c in exports.MEANING[kind] if f"| `{c}` |" not in columns]
    assert missing == []


def anchors(text: str) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown file (code blocks left out)."""
    prose = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    found = set()
    for heading in re.findall(r"^#+ (.+)$", prose, re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        found.add(slug)
    return found


DOC_FILES = [config.PROJECT_ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


@pytest.mark.parametrize("path", DOC_FILES, ids=lambda p: p.name)
def test_every_relative_link_in_the_docs_leads_to_a_file_and_heading(path):
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", path.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue  # http(s), mailto: not ours to check
        file, _, anchor = target.partition("#")
        linked = (path.parent / file).resolve() if file else path
        missing = not linked.exists()
        if missing or (anchor and anchor not in anchors(linked.read_text(encoding="utf-8"))):
            broken.append(target)
    assert broken == []
