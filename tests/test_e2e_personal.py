"""End to end: a manager downloads a trainee's personal data from their record in Chromium, and
the zip that arrives holds their attempt. Screenshots of the record with the button at 1280 and
390 px (the shot fails if the page scrolls sideways on a phone)."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from e2e_support import PASSWORD, click, fetched, open_app, shoot, sign_in
from playwright.sync_api import expect
from ui_helpers import shipped_catalogue

from app import accounts
from app.store import audit as audit_store
from conftest import finish


@pytest.fixture(scope="module")
def people(engine) -> dict:
    """A manager, and a trainee with one attempt at the quick check."""
    boss = accounts.init_first_manager(engine, "boss", PASSWORD)
    ann = accounts.create_user(engine, boss, "ann", PASSWORD, "trainee", "north", "Ann Lee")
    attempt = finish(engine, ann, shipped_catalogue(), "quick-check", 6)
    return {"boss": boss, "ann": ann, "attempt": attempt}


def test_a_manager_downloads_a_trainees_data(context, page, base_url, engine, people):
    sign_in(page, base_url, "boss")
    open_app(page, f"{base_url}/trainee?user={people['ann'].id}")
    expect(page.get_by_role("heading", name="Ann Lee")).to_be_visible()
    click(page, page.get_by_role("button", name="Export personal data"))
    download = page.get_by_role("link", name=re.compile(r"^Download personal-data-ann-"))
    expect(download).to_be_visible()
    page.mouse.move(600, 900)  # away from the button: its help would cover the title
    expect(page.get_by_role("tooltip")).to_have_count(0)
    shots = shoot(context, page, "personal-data-record")
    # A link to the file kept in the database (any server hands it out), opened in a new tab
    # that the attachment turns into a download; its bytes fetched as the link fetches them.
    href = download.get_attribute("href") or ""
    assert href.startswith("/download/"), href
    download.click()
    status, headers, data = fetched(page, href)
    assert status == 200
    assert headers["content-type"] == "application/zip"
    name = re.fullmatch(r"attachment; filename\*=UTF-8''(.+)", headers["content-disposition"])
    assert name, headers["content-disposition"]
    assert name[1].startswith("personal-data-ann-")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        held = json.loads(z.read("person.json"))
    assert held["account"]["display_name"] == "Ann Lee"
    assert [a["attempt_id"] for a in held["attempts"]] == [people["attempt"]]
    with engine.connect() as conn:
        lines = audit_store.lines(conn, "person.export")
    assert [(line["actor_id"], line["target"]) for line in lines] == [(people["boss"].id, "ann")]
    assert all(shot.exists() for shot in shots)
