"""Shared fixtures: a small content tree on disk, validated the same way the CLI does it."""

from __future__ import annotations

import os
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import NoReturn

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, create_engine, text

from app import accounts, attempts, clock, config, feedback
from app.bank import Catalogue, load
from app.store import open_store
from app.store.db import make_engine
from app.store.migrate import upgrade

SEED = (
    "After the procedure you must protect the treated area from the sun for several weeks, "
    "because the new skin is very sensitive to light and can burn easily. Keep it clean and moist."
)

TOPICS = """\
topics:
  - {id: care, title: Care}
  - {id: planning, title: Planning}
"""

SOURCES = """\
sources:
  - {id: doc1, title: Doc one, summary: A made-up aftercare leaflet.}
"""

# A valid bank; tests replace parts of it. Line numbers matter: keep this layout.
BANK = """\
bank: {id: care, title: Care, topic: care}
cases:
  - {id: care-case-beach, title: Beach trip, vignette: A client flies to the coast next week.}
questions:
  - id: care-sun-001
    type: single
    difficulty: 1
    stem: What should the client avoid after treatment?
    options:
      - {text: Sun on the skin, correct: true}
      - {text: Cold water}
      - {text: Gentle cleansing}
    explanation: The new skin reacts strongly to light.
    sources:
      - {doc: doc1, quote: "protect the treated area from the sun"}
    tags: [sun]
"""


# --- the quick loop: `pytest -m "not slow"` leaves out what starts servers and browsers ---------

SLOW_FIXTURES = {"browser", "base_url", "server"}  # Chromium, or a `resurface serve` of a module's
SLOW_MODULES = {  # servers started by the tests themselves, killed processes, benchmark runs
    "test_adversarial_faults",
    "test_attempts_stress",
    "test_benchmarks",
    "test_cli_serve",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = item.module.__name__ if item.module else ""
        if module in SLOW_MODULES or SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def required(message: str) -> NoReturn:
    """Something a test needs is missing: under ``CI=true`` that fails the test, elsewhere it is
    skipped with the reason (a developer's machine may lack a browser or PostgreSQL)."""
    if config.in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def sources() -> Path:
    """The source documents the shipped banks cite (``RESURFACE_SOURCES``)."""
    found = config.sources_dir()
    if found is None or not found.is_dir() or not any(found.glob("*.txt")):
        where = found or config.default_sources_dir()
        required(
            f"the source documents are not at {where}: set RESURFACE_SOURCES to the folder "
            "that holds the seed documents (*.txt), e.g. RESURFACE_SOURCES=/path/to/shared/seeds"
        )
    return found


# --- passwords: argon2id at its smallest costs, except where hashing itself is tested ----------
# The production costs take a tenth of a second or more a hash, and the fixtures make users by
# the hundred. Servers that tests start hash at full cost; they verify these cheap hashes at the
# costs each hash carries.

REAL_HASHER = accounts.hasher


@pytest.fixture(scope="session", autouse=True)
def _cheap_hashing() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        yield


@pytest.fixture(autouse=True)
def _real_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """``@pytest.mark.real_hashing``: the production hasher, for tests of hashing itself."""
    if request.node.get_closest_marker("real_hashing"):
        monkeypatch.setattr(accounts, "hasher", REAL_HASHER)


# --- the clock: tests whose expectations depend on the calendar set it to fixed dates ---------


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """``app.clock.now()`` starts at ``moment`` and runs on from there at the real pace, so the
    date is fixed and durations (deadlines, lockouts) still pass."""
    started = time.monotonic()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "now", lambda: moment + timedelta(seconds=time.monotonic() - started))
        yield


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A content folder with topics, sources, one seed document and one valid bank."""
    write(tmp_path / "quizzes" / "topics.yaml", TOPICS)
    write(tmp_path / "quizzes" / "sources.yaml", SOURCES)
    write(tmp_path / "quizzes" / "banks" / "care.yaml", BANK)
    write(tmp_path / "seeds" / "doc1.txt", SEED)
    return tmp_path


@pytest.fixture
def check(content: Path) -> Callable[..., Catalogue]:
    """Write the given files (path -> text) under the content folder, then load and validate it."""

    def run(files: dict[str, str] | None = None, *, sources: bool = True) -> Catalogue:
        for rel, body in (files or {}).items():
            write(content / "quizzes" / rel, body)
        return load(
            [content / "quizzes"],
            sources_dir=content / "seeds" if sources else None,
            root=content / "quizzes",
        )

    return run


def messages(cat: Catalogue) -> list[str]:
    return [str(p) for p in cat.problems]


# --- databases: every storage test runs on SQLite, and on PostgreSQL when configured ----------

PG_URL = config.test_database_url()
BACKENDS = ["sqlite", "postgresql"] if (PG_URL or config.in_ci()) else ["sqlite"]


@contextmanager
def throwaway_database(backend: str, folder: Path) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file in ``folder``, or a PostgreSQL schema of its own
    that is dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'resurface.db'}"
        return
    if not PG_URL:
        required(
            "CI=true but RESURFACE_TEST_DATABASE_URL is not set: PostgreSQL tests must run in CI"
        )
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> Iterator[str]:
    """A fresh, empty database URL: a temp SQLite file, or a throwaway PostgreSQL schema."""
    with throwaway_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def fresh_db(db_url) -> Iterator[Engine]:
    """An engine on a fresh database with the schema at the newest migration."""
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


PW = "correct horse battery"


@pytest.fixture
def people(fresh_db):
    """A manager, two trainers and three trainees across two cohorts."""
    boss = accounts.init_first_manager(fresh_db, "boss", PW)
    make = lambda name, role, cohort: accounts.create_user(fresh_db, boss, name, PW, role, cohort)  # noqa: E731
    return {
        "boss": boss,
        "tina": make("tina", "trainer", "north"),
        "tom": make("tom", "trainer", "south"),
        "ann": make("ann", "trainee", "north"),
        "bob": make("bob", "trainee", "north"),
        "cat": make("cat", "trainee", "south"),
    }


def finish(
    engine: Engine,
    user: accounts.User,
    catalogue: Catalogue,
    quiz: str,
    right: int | None = None,
    at: datetime | None = None,
) -> int:
    """Submit an attempt at ``quiz`` with its first ``right`` questions (None: all) answered
    right and the rest left blank; begun ``at`` (default now) and submitted 5 minutes later."""
    view = attempts.start(engine, user, catalogue.quizzes[quiz], catalogue, now=at)
    for state in view.questions if right is None else view.questions[:right]:
        key = feedback.key_of(state.presented.snapshot)
        attempts.save_answer(engine, user, view.id, state.presented.position, key, now=at)
    done_at = None if at is None else at + timedelta(minutes=5)
    return attempts.submit(engine, user, view.id, now=done_at).id


def sign_in_outcome(
    engine: Engine, username: str, password: str, now: datetime, client: str | None = None
) -> str:
    """The outcome of one sign-in through the core: ``ok`` or the name of the error."""
    try:
        accounts.authenticate(engine, username, password, now=now, client=client)
    except accounts.AccountError as exc:
        return type(exc).__name__
    return "ok"


def wrong(snap):
    """A valid answer that scores nothing, even with partial scoring."""
    if snap.type == "single":
        return next(i for i, o in enumerate(snap.options) if not o.correct)
    if snap.type == "multiple":
        return [next(i for i, o in enumerate(snap.options) if not o.correct)]
    if snap.type == "true_false":
        return not snap.answer
    size = len(snap.pairs)
    return [(i + 1) % size for i in range(size)]


@pytest.fixture
def ui(monkeypatch, db_url, people):
    """The people, with the Streamlit app pointed at their database."""
    from ui_helpers import app_on

    with app_on(monkeypatch, db_url):
        yield people


# --- browser tests: a module's own database and server ----------------------------------------
# For the test_e2e_* modules, each of which defines a module-scoped ``people`` fixture that fills
# its database before the server starts.


@pytest.fixture(scope="module")
def db_file(request, tmp_path_factory) -> str:
    """A temp SQLite database URL of the module's own."""
    return f"sqlite:///{tmp_path_factory.mktemp(request.path.stem) / 'resurface.db'}"


@pytest.fixture(scope="module")
def engine(db_file: str) -> Iterator[Engine]:
    """The test's own engine on the server's database, to set it up and check what happened."""
    engine = open_store(db_file)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def base_url(db_file: str, people, tmp_path_factory) -> Iterator[str]:
    """``resurface serve`` on the module's database once its ``people`` are in it."""
    from e2e_support import served

    env = {**os.environ, "RESURFACE_DATABASE_URL": db_file}
    with served(env, tmp_path_factory.mktemp("server") / "server.log") as url:
        yield url


@pytest.fixture(scope="session")
def playwright():
    """Playwright's one driver for the session: a second sync_playwright() while one runs fails
    ("Sync API inside the asyncio loop"), so every browser test launches from this one."""
    from e2e_support import CHROMIUM
    from playwright.sync_api import expect, sync_playwright

    if not CHROMIUM.exists():
        required(f"no Chromium at {CHROMIUM}: install it with `apt-get install -y chromium`")
    # Patience for a loaded 2-CPU machine: a rerun can take seconds there; the checks are the same.
    expect.set_options(timeout=10_000)
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright):
    """Debian's Chromium, headless, for the browser tests (never a downloaded browser)."""
    from e2e_support import CHROMIUM

    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
    yield browser
    browser.close()


@pytest.fixture
def context(browser):
    """A fresh browser profile (no cookies) for each test."""
    from e2e_support import DESKTOP

    context = browser.new_context(viewport=DESKTOP, timezone_id="Europe/London")
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()
