"""Accessibility: axe-core scans every page of every role, at 1280 and 390 px, in Debian's Chromium
against a real ``resurface serve`` on a demo database.

The pages come from the navigation registry (app.ui.nav.PAGES) filtered by the permission rules
(app.permissions.PAGE_ROLES), so a new page is scanned without touching this file; a new hidden
page (reached by a link with a record's id) fails here until _hidden_states says how to reach it.
Beside the pages as they open: the quiz in its states (practice with feedback shown, the timed
exam with its countdown, a matching question, the submit dialog), a result, a trainee's record, an
attempt's review, the pages of someone not signed in (sign-in, an invitation, a certificate's
check), and a server with a clinic's name, logo and accent colour.

axe runs with the WCAG 2.0 and 2.1 A and AA rules and its best practices (landmarks, headings).
No serious or critical finding may remain; the moderate and minor ones are printed (and written
to tests/artifacts/axe-report.txt) as a list to work through.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from e2e_support import (
    DESKTOP,
    PHONE,
    SCREENSHOTS,
    answer_current,
    click,
    full_page_screenshot,
    served,
    settle,
    sign_in,
)
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from app import accounts, attempts, certificates, config, demo, invitations, permissions
from app.bank import load
from app.engine import assemble
from app.store import tables
from app.ui.nav import PAGES

REPORT = Path(__file__).parent / "artifacts" / "axe-report.txt"
SHOTS = SCREENSHOTS / "axe"  # what each scan saw, at the window's size
OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
BLOCKING = {"serious", "critical"}
WIDTHS = (DESKTOP, PHONE)
PASSWORDS = {role: password for _, password, role in demo.ACCOUNTS}
USERNAMES = {role: username for username, _, role in demo.ACCOUNTS}


@dataclass(frozen=True)
class Finding:
    where: str  # "trainee /history @390"
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]
    html: str


# --- the database: the demo, plus what the hidden pages and the signed-out pages need ---------


@pytest.fixture(scope="module")
def catalogue():
    return load([config.quizzes_dir()], sources_dir=config.sources_dir())


@pytest.fixture(scope="module")
def people(engine, catalogue) -> dict[str, object]:
    """The demo's accounts and attempts; a certificate for the demo trainee's passed exam; an
    invitation for a new trainee; a practice quiz with a matching question and the timed exam
    begun by the demo trainee (left open for the quiz page's states)."""
    demo.seed_demo(engine, catalogue)
    users = {u.role: u for u in accounts.list_users(engine, None)}
    trainee = users["trainee"]
    certificates.issue(engine, user_id=trainee.id)
    with engine.connect() as conn:
        code = conn.execute(select(tables.certificates.c.code)).scalar_one()
        done = conn.execute(
            select(tables.attempts.c.id)
            .where(tables.attempts.c.user_id == trainee.id)
            .order_by(tables.attempts.c.id)
        ).scalars()
        finished = list(done)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RESURFACE_PUBLIC_URL", "https://training.example.org")
        made = invitations.invite(
            engine, users["manager"], "newcomer", "New Comer", "demo", "new@example.org"
        )
    token = made.link.rsplit("=", 1)[1]
    matching = _attempt_with_matching(engine, trainee, catalogue)
    exam = attempts.start(engine, trainee, catalogue.quizzes["certification-exam"], catalogue)
    return {
        "users": users,
        "code": code,
        "token": token,
        "finished": finished[-1],
        "matching": matching,
        "exam": exam.id,
    }


def _attempt_with_matching(engine, trainee, catalogue) -> tuple[int, int]:
    """A practice attempt holding a matching question, and that question's number (from 1)."""
    for quiz in catalogue.quizzes.values():
        if quiz.mode != "practice" or quiz.time_limit_minutes:
            continue
        for seed in range(50):
            found = [
                n
                for n, p in enumerate(assemble(quiz, catalogue, seed), 1)
                if p.snapshot.type == "matching"
            ]
            if found:
                view = attempts.start(engine, trainee, quiz, catalogue, seed=seed)
                return view.id, found[0]
    raise AssertionError("no practice quiz draws a matching question")


# --- scanning -----------------------------------------------------------------------------------


class Scanner:
    """Runs axe on pages and keeps every finding, for one report at the end of the module."""

    def __init__(self, base_url: str) -> None:
        self.axe = Axe()
        self.base_url = base_url
        self.findings: list[Finding] = []
        self.scanned: list[str] = []

    def scan(self, page: Page, who: str, what: str, streamlit: bool = True) -> None:
        """Run axe on what ``page`` shows, at each width (resized, not reloaded)."""
        for size in WIDTHS:
            page.set_viewport_size(size)
            if streamlit:
                settle(page)
            where = f"{who} {what} @{size['width']}"
            self.scanned.append(where)
            name = re.sub(r"[^a-z0-9]+", "-", f"{who} {what} {size['width']}".lower()).strip("-")
            page.screenshot(path=str(SHOTS / f"{name}.png"))
            for v in self.run(page)["violations"]:
                node = v["nodes"][0]
                said = "; ".join(c["message"] for c in node["any"] + node["all"] + node["none"])
                self.findings.append(
                    Finding(
                        where,
                        v["id"],
                        v["impact"] or "minor",
                        v["help"],
                        tuple(" ".join(map(str, n["target"])) for n in v["nodes"]),
                        f"{node['html'][:160]} -- {said}",
                    )
                )
        page.set_viewport_size(DESKTOP)

    def run(self, page: Page) -> dict:
        """axe's results for the page; its script is put in once per page load (half a
        megabyte: not again for the second width)."""
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(self.axe.axe_script)
        return page.evaluate("options => axe.run(document, options)", OPTIONS)

    def visit(self, page: Page, who: str, path: str, shown: str | None = None) -> None:
        """Open ``path`` and scan it; ``shown`` names it in the report instead of the path."""
        page.goto(f"{self.base_url}{path}")
        settle(page)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        self.scan(page, who, shown or path)

    def report(self) -> str:
        counts = Counter(f.impact for f in self.findings)
        lines = [
            f"axe-core {self.axe_version}: {len(self.scanned)} scans",
            "findings (scans x rule) by impact: "
            + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"),
        ]
        by_rule: dict[tuple[str, str, str], list[Finding]] = {}
        for f in self.findings:
            by_rule.setdefault((f.impact, f.rule, f.help), []).append(f)
        for (impact, rule, text), found in sorted(by_rule.items()):
            lines.append(f"\n[{impact}] {rule}: {text} ({len(found)} scans)")
            for f in found:
                lines.append(f"  {f.where}: {len(f.targets)} nodes, e.g. {f.targets[0]}")
                lines.append(f"      {f.html}")
        lines.append("\nscanned:\n  " + "\n  ".join(self.scanned))
        return "\n".join(lines)

    @property
    def axe_version(self) -> str:
        found = re.search(r"axe v([\d.]+)", self.axe.axe_script[:200])
        return found.group(1) if found else "?"


@pytest.fixture(scope="module")
def scanner(base_url) -> Iterator[Scanner]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    found = Scanner(base_url)
    yield found
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(found.report() + "\n", encoding="utf-8")


def _hidden_states(people) -> dict[str, list[tuple[str, str]]]:
    """How to reach each hidden page: (path, who) pairs."""
    trainee = people["users"]["trainee"]
    return {
        "quiz": [],  # its states are driven by the trainee's own test below
        "results": [(f"/results?attempt={people['finished']}", "trainee")],
        "trainee": [(f"/trainee?user={trainee.id}", r) for r in ("trainer", "manager")],
        "review": [(f"/review?attempt={people['finished']}", r) for r in ("trainer", "manager")],
    }


def test_every_hidden_page_has_a_way_in(people):
    hidden = {p.id for p in PAGES if p.hidden}
    assert hidden == set(_hidden_states(people)), "say in _hidden_states how to reach the page"


def _signed_in(browser: Browser, base_url: str, role: str):
    context = browser.new_context(viewport=DESKTOP, timezone_id="Europe/London")
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, base_url, USERNAMES[role], PASSWORDS[role])
    return context, page


def test_signed_out_pages(browser, base_url, people, scanner):
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        scanner.visit(page, "signed out", "/")
        scanner.visit(page, "signed out", f"/?invite={people['token']}", "/?invite=<token>")
        page.goto(f"{base_url}/verify/{people['code']}")
        expect(page.get_by_text("This certificate is current.")).to_be_visible()
        scanner.scan(page, "signed out", "/verify/<code>", streamlit=False)  # plain HTML
    finally:
        context.close()


@pytest.mark.parametrize("role", permissions.ROLES)
def test_pages_of_a_role(browser, base_url, people, scanner, role):
    context, page = _signed_in(browser, base_url, role)
    try:
        for p in PAGES:
            if role not in permissions.PAGE_ROLES[p.id] or p.hidden:
                continue
            scanner.visit(page, role, f"/{p.id}")
        for paths in _hidden_states(people).values():
            for path, who in paths:
                if who == role:
                    scanner.visit(page, role, path)
        if role == "trainee":
            _quiz_states(page, scanner, people)
    finally:
        context.close()


def _quiz_states(page: Page, scanner: Scanner, people) -> None:
    attempt, number = people["matching"]
    scanner.visit(
        page,
        "trainee",
        f"/quiz?attempt={attempt}&q={number}",
        f"/quiz?attempt={attempt}&q={number} (a matching question)",
    )
    answer_current(page)
    click(page, page.get_by_role("button", name="Check answer"))
    expect(
        page.get_by_test_id("stAlert").filter(has_text=re.compile("Correct|Not quite|Partly"))
    ).to_be_visible()
    scanner.scan(page, "trainee", "practice quiz, feedback shown")

    scanner.visit(page, "trainee", f"/quiz?attempt={people['exam']}")
    expect(page.locator("[data-resurface-countdown]")).to_be_visible()
    answer_current(page)
    scanner.scan(page, "trainee", "timed exam, one answered")
    click(page, page.get_by_role("button", name="Submit quiz…"))
    expect(page.get_by_role("dialog")).to_be_visible()
    scanner.scan(page, "trainee", "timed exam, submit dialog")


CLINIC = "Northside Skin Clinic"
ACCENT = "#1d4ed8"
ACCENT_RGB = "rgb(29, 78, 216)"  # #1d4ed8, worked by hand


def test_a_clinics_name_logo_and_accent_colour_show(
    browser, db_file, people, scanner, tmp_path_factory
):
    """The three branding settings on a server of their own (the same database): the name in the
    tab and as the sign-in page's heading, the logo above the page (and the menu, once signed
    in), the accent on the buttons; and the branded pages pass axe as the plain ones do."""
    from PIL import Image

    folder = tmp_path_factory.mktemp("branded")
    logo = folder / "logo.png"
    Image.new("RGB", (240, 48), (29, 78, 216)).save(logo)
    env = {
        **os.environ,
        "RESURFACE_DATABASE_URL": db_file,
        "RESURFACE_CLINIC_NAME": CLINIC,
        "RESURFACE_LOGO": str(logo),
        "RESURFACE_ACCENT_COLOR": ACCENT,
    }
    with served(env, folder / "server.log") as url:
        context = browser.new_context(viewport=DESKTOP)
        try:
            page = context.new_page()
            page.goto(url)
            settle(page)
            expect(page).to_have_title(CLINIC)
            expect(page.get_by_role("heading", name=CLINIC, level=1)).to_be_visible()
            expect(page.get_by_test_id("stHeaderLogo")).to_be_visible()
            sign_in_button = page.get_by_role("button", name="Sign in")
            expect(sign_in_button).to_have_css("background-color", ACCENT_RGB)
            scanner.scan(page, "signed out, branded", "/")
            full_page_screenshot(page, "branded-signin")

            sign_in(page, url, USERNAMES["trainee"], PASSWORDS["trainee"])
            expect(page.get_by_test_id("stSidebarLogo")).to_be_visible()
            expect(page).to_have_title(CLINIC)
            scanner.scan(page, "trainee, branded", "/")
            full_page_screenshot(page, "branded-home")
        finally:
            context.close()


def test_no_serious_or_critical_findings(scanner, capsys):
    """Last in the module: the verdict over every scan above. The findings left (moderate and
    minor) are printed into the test run's output whether it passes or not; the report file
    also lists every scan."""
    report = scanner.report()
    with capsys.disabled():
        print("\n" + report.split("\nscanned:")[0])
    expected = {
        f"{role} /{p.id} @{size['width']}"
        for role in permissions.ROLES
        for p in PAGES
        if not p.hidden and role in permissions.PAGE_ROLES[p.id]
        for size in WIDTHS
    }
    assert expected <= set(scanner.scanned), "every page of every role, at both widths"
    blocking = [f for f in scanner.findings if f.impact in BLOCKING]
    assert not blocking, report
