"""The lock files: every dependency pinned within its range, with hashes, the app's lock a part of
the tests' one, each written by the command docs/administration.md gives, and installed here as
locked."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import metadata

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from app import config

ROOT = config.PROJECT_ROOT
ADMINISTRATION = (ROOT / "docs" / "administration.md").read_text(encoding="utf-8")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LOCKS = ("requirements.lock", "requirements-test.lock")


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    marker: str | None
    hashes: int


def pins(lock: str) -> list[Pin]:
    """Each `name==version [; marker]` entry of a lock, with how many file hashes it lists."""
    text = (ROOT / lock).read_text(encoding="utf-8")
    entries = re.split(r"\n(?=\S)", text)
    found = []
    for entry in entries:
        head = entry.split("\\", 1)[0].strip()
        if not head or head.startswith("#"):
            continue
        requirement = Requirement(head)
        (spec,) = requirement.specifier
        assert spec.operator == "==", f"{lock}: {head} is not pinned"
        marker = str(requirement.marker) if requirement.marker else None
        found.append(
            Pin(canonicalize_name(requirement.name), spec.version, marker, entry.count("--hash="))
        )
    return found


def declared() -> list[Requirement]:
    project = PYPROJECT["project"]
    names = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    names += PYPROJECT["dependency-groups"]["build"]
    return [Requirement(name) for name in names]


@pytest.mark.parametrize("lock", LOCKS)
def test_every_pin_has_the_hashes_of_its_files(lock):
    assert [p.name for p in pins(lock) if p.hashes == 0] == []


def test_every_declared_dependency_is_pinned_at_a_version_its_range_allows():
    locked = pins("requirements-test.lock")
    for requirement in declared():
        versions = [p.version for p in locked if p.name == canonicalize_name(requirement.name)]
        assert versions, f"{requirement.name} is in pyproject.toml but not in the lock"
        outside = [v for v in versions if v not in requirement.specifier]
        assert outside == [], f"{requirement}: the lock has {outside}; compile the locks again"


def test_the_app_lock_is_the_test_lock_without_the_test_tools():
    app, test = set(pins("requirements.lock")), set(pins("requirements-test.lock"))
    assert app - test == set()
    assert {p.name for p in test - app} >= {"pytest", "playwright", "hypothesis", "ruff"}


@pytest.mark.parametrize("lock", LOCKS)
def test_each_lock_was_written_by_the_command_the_docs_give(lock):
    header = (ROOT / lock).read_text(encoding="utf-8").splitlines()[1]
    command = header.removeprefix("#").strip()
    assert command.startswith("uv pip compile pyproject.toml ")
    assert command.endswith(f"-o {lock}")
    assert command in ADMINISTRATION


def test_this_environment_has_the_locked_versions():
    """The suite runs on what the lock says (the README's test command installs it)."""
    different = {}
    for pin in pins("requirements-test.lock"):
        if pin.marker is not None and not Marker(pin.marker).evaluate():
            continue
        installed = metadata.version(pin.name)
        if installed != pin.version:
            different[pin.name] = (installed, pin.version)
    assert different == {}, "installed differs from the lock: run the README test command"
