"""A trainee by keyboard alone and through a screen reader's view of the page, and on a phone.

The keyboard test presses keys only (Tab, Shift+Tab, Space, arrows, Enter): no click after the
sign-in. It reads what a screen reader reads: the focused element, accessible names, the polite
live region. The phone test scrolls a timed exam to the bottom and looks for the countdown.
"""

from __future__ import annotations

import re

import pytest
from e2e_support import (
    EXAM,
    PASSWORD,
    PHONE,
    click,
    full_page_screenshot,
    matching_items,
    open_app,
    settle,
    shoot,
    sign_in,
    start_quiz,
    wait_until,
)
from playwright.sync_api import Locator, Page, expect

from app import accounts, attempts, config
from app.bank import Catalogue, load

pytestmark = pytest.mark.slow

QUICK = "quick-check"
STATUS = "#resurface-status"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load([config.quizzes_dir()])


@pytest.fixture(scope="module")
def people(engine) -> dict[str, accounts.User]:
    """kim takes a quiz by keyboard; pia takes the timed exam on a phone."""
    boss = accounts.init_first_manager(engine, "boss", PASSWORD)
    return {
        name: accounts.create_user(engine, boss, name, PASSWORD, "trainee", "north")
        for name in ("kim", "pia")
    }


def one_of_each_type(catalogue: Catalogue) -> list[str]:
    """A question of every type (none of a case): single, multiple, true or false, matching."""
    firsts: dict[str, str] = {}
    for qid, entry in catalogue.entries.items():
        if entry.case is None:
            firsts.setdefault(entry.question.type, qid)
    assert set(firsts) == {"single", "multiple", "true_false", "matching"}, firsts
    return list(firsts.values())


# --- keys only ----------------------------------------------------------------------------------


def focused(page: Page) -> dict:
    return page.evaluate(
        """() => { const el = document.activeElement;
            return {tag: el.tagName, id: el.id, text: el.innerText || '',
                    name: el.getAttribute('aria-label') || el.innerText || ''}; }"""
    )


def holds_focus(target: Locator) -> bool:
    return target.evaluate(
        "el => el === document.activeElement || el.contains(document.activeElement)"
    )


def tab_to(page: Page, target: Locator, limit: int = 60) -> None:
    """Press Tab (or Shift+Tab, when the focus is past it) until ``target`` holds the focus."""
    for _ in range(limit):
        if holds_focus(target):
            return
        after = target.evaluate(
            "el => !!(el.compareDocumentPosition(document.activeElement)"
            " & Node.DOCUMENT_POSITION_FOLLOWING)"
        )
        page.keyboard.press("Shift+Tab" if after else "Tab")
    raise AssertionError(f"Tab never reached {target}; the focus is on {focused(page)}")


def press(page: Page, key: str) -> None:
    page.keyboard.press(key)
    settle(page)


def status(page: Page) -> str:
    return page.locator(STATUS).text_content() or ""


def forget_status(page: Page) -> None:
    """Empty the live region, so the next words in it are the next action's."""
    page.locator(STATUS).evaluate("el => el.textContent = ''")


def said(page: Page, words: str | re.Pattern) -> None:
    def heard() -> bool:
        text = status(page)
        return bool(words.search(text)) if isinstance(words, re.Pattern) else text == words

    wait_until(heard, f"the live region never said {words!r} (it says {status(page)!r})")


def expect_heading_focused(page: Page, position: int, stem: str) -> None:
    """The focus is on the question's heading, in the container of the question at
    ``position`` (not the last one's, still on screen while the page is redrawn)."""
    where = f".st-key-resurface-question-{position}"
    wait_until(
        lambda: page.evaluate(
            f"() => /^H[1-6]$/.test(document.activeElement.tagName)"
            f" && !!document.activeElement.closest('{where}')"
        ),
        f"the focus is not on question {position + 1}'s heading but on {focused(page)}",
    )
    heading = focused(page)
    assert " ".join(heading["text"].split()) == " ".join(stem.split())
    assert page.evaluate("() => document.activeElement.getAttribute('tabindex')") == "-1"


def relative_luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, two: str) -> float:
    """WCAG contrast ratio of two CSS ``rgb(…)`` colours."""
    a, b = (
        relative_luminance(tuple(float(v) for v in re.findall(r"[\d.]+", c)[:3]))
        for c in (one, two)
    )
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def focus_ring(page: Page) -> dict:
    """The outline the focused control shows (on its label, for a radio or a checkbox) and the
    colour behind it (the first ancestor with a background)."""
    return page.evaluate(
        """() => {
            let el = document.activeElement;
            if (el.matches('input[type=radio], input[type=checkbox]')) el = el.closest('label');
            const style = getComputedStyle(el);
            let back = el.parentElement, bg = 'rgb(255, 255, 255)';
            while (back) {
                const c = getComputedStyle(back).backgroundColor;
                if (c && c !== 'transparent' && !c.startsWith('rgba(0, 0, 0, 0')) { bg = c; break; }
                back = back.parentElement;
            }
            return {style: style.outlineStyle, width: parseFloat(style.outlineWidth),
                    color: style.outlineColor, background: bg};
        }"""
    )


def expect_focus_ring(page: Page) -> None:
    """A solid ring of 2 px or more, at 3:1 or more against what is behind it (WCAG 2.4.13)."""
    ring = focus_ring(page)
    assert ring["style"] == "solid", ring
    assert ring["width"] >= 2, ring
    assert contrast(ring["color"], ring["background"]) >= 3, ring


def answer_by_keyboard(page: Page, kind: str) -> None:
    """Answer the question on screen with keys: Space on the first choice; for matching, each
    item gets its own letter with the arrow keys (item n: n presses of →)."""
    main = page.get_by_test_id("stMain")
    if kind == "matching":
        items = matching_items(page)
        for index in range(items.count()):
            tab_to(page, items.nth(index))
            if index == 0:
                press(page, "Space")
            for _ in range(index):
                press(page, "ArrowRight")
        return
    first = main.get_by_role("checkbox" if kind == "multiple" else "radio").first
    tab_to(page, first)
    expect_focus_ring(page)
    press(page, "Space")
    expect(first).to_be_checked()


def test_a_whole_quiz_by_keyboard_alone(context, page, base_url, engine, people, catalogue):
    kim = people["kim"]
    quiz = catalogue.quizzes[QUICK]
    view = attempts.start_questions(engine, kim, quiz, one_of_each_type(catalogue), catalogue)
    sign_in(page, base_url, "kim")

    # Home: every control names its quiz; no two share a name.
    main = page.get_by_test_id("stMain")
    for other in catalogue.quizzes.values():
        if other.id != QUICK:
            expect(
                main.get_by_role("button", name=f"Start {other.title}", exact=True)
            ).to_have_count(1)
    expect(main.get_by_role("button", name="Start", exact=True)).to_have_count(0)
    expect(main.get_by_role("link", name="Resume", exact=True)).to_have_count(0)
    resume = main.get_by_role("link", name=f"Resume {quiz.title}", exact=True)
    expect(resume.first).to_be_visible()
    # What a screen reader lists: each button's accessible name once.
    names = re.findall(r'- button "([^"]*)"', main.aria_snapshot())
    assert names
    assert len(names) == len(set(names)), names

    tab_to(page, resume.first)
    press(page, "Enter")
    expect(page).to_have_url(re.compile(rf"/quiz\?attempt={view.id}"))

    total = len(view.questions)
    for position, state in enumerate(view.questions):
        snap = state.presented.snapshot
        expect(page.get_by_text(f"Question {position + 1} of {total}")).to_be_visible()
        expect_heading_focused(page, position, snap.stem)
        forget_status(page)
        answer_by_keyboard(page, snap.type)
        said(page, "Answer saved")
        saved = attempts.get(engine, kim, view.id).questions[position].answer
        assert saved is not None, f"question {position + 1} ({snap.type}) was not saved"
        if snap.type == "matching":
            shoot(context, page, "quiz-matching")
            assert len({c for c in saved if c is not None}) == len(snap.pairs)
            # The same option for a second item: refused, said, and nothing saved.
            forget_status(page)
            tab_to(page, matching_items(page).nth(1))
            press(page, "ArrowLeft")  # item 2 from B back to A, which item 1 has
            said(page, re.compile(r"^Not saved: option A is picked for more than one item"))
            expect(
                main.get_by_text("Not saved: option A is picked for more than one")
            ).to_be_visible()
            assert attempts.get(engine, kim, view.id).questions[position].answer == saved
            forget_status(page)
            press(page, "ArrowRight")
            said(page, "Answer saved")
            expect(main.get_by_text("Not saved: option A")).to_have_count(0)
        last = position == total - 1
        tab_to(page, main.get_by_role("button", name="Submit…" if last else "Next"))
        expect_focus_ring(page)
        press(page, "Enter")

    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    tab_to(page, dialog.get_by_role("button", name="Submit now"))
    press(page, "Enter")
    expect(page).to_have_url(re.compile(rf"/results\?attempt={view.id}"))
    assert not attempts.get(engine, kim, view.id).is_open


# --- a phone ------------------------------------------------------------------------------------


def on_screen(page: Page, selector: str) -> bool:
    """Whether the element is inside the window and nothing covers its middle."""
    return page.evaluate(
        """sel => { const el = document.querySelector(sel); if (!el) return false;
            const r = el.getBoundingClientRect();
            if (r.top < 0 || r.bottom > innerHeight || r.height === 0) return false;
            const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return !!hit && el.contains(hit); }""",
        selector,
    )


def test_on_a_phone_the_countdown_stays_in_view_and_the_menu_says_menu(page, base_url):
    page.set_viewport_size(PHONE)
    sign_in(page, base_url, "pia")
    menu = page.get_by_role("button", name="Menu", exact=True)
    expect(menu).to_be_visible()
    assert menu.evaluate("el => getComputedStyle(el, '::after').content") == '"Menu"'

    start_quiz(page, EXAM)
    countdown = "[data-resurface-countdown]"
    expect(page.locator(countdown)).to_be_visible()
    page.evaluate(
        """() => { for (const el of [document.querySelector('[data-testid="stMain"]'),
            document.scrollingElement]) el.scrollTo(0, el.scrollHeight); }"""
    )
    expect(page.get_by_role("button", name="Submit quiz…")).to_be_in_viewport()
    assert on_screen(page, countdown), "the countdown scrolled out of sight"

    click(page, page.get_by_role("button", name="Submit quiz…"))
    click(page, page.get_by_role("dialog").get_by_role("button", name="Submit now"))
    expect(page).to_have_url(re.compile(r"/results\?attempt=\d+"))
    figures = page.get_by_test_id("stMetric")
    expect(figures).to_have_count(3)
    boxes = [figures.nth(i).bounding_box() for i in range(3)]
    assert len({round(b["y"]) for b in boxes}) == 1, f"the figures are not in one row: {boxes}"
    assert max(b["height"] for b in boxes) < PHONE["height"] / 4, boxes
    full_page_screenshot(page, "results-figures")


def test_the_sign_in_page_says_what_to_do_after_a_forgotten_password(page, base_url):
    open_app(page, base_url)
    expect(
        page.get_by_text(re.compile(r"Forgotten your password\? Ask your trainer"))
    ).to_be_visible()
