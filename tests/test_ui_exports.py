"""The Exports page: managers prepare and download the same bytes the core and CLI write."""

from __future__ import annotations

import csv
import io
import os
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from ui_helpers import open_page, shipped_catalogue, sign_in, titles, values

from app import accounts, exports
from app import prepared as kept
from app.bank import Catalogue
from app.exports import spool
from app.store import audit as audit_store
from app.ui import keys
from conftest import PW, finish

T0 = datetime(2026, 5, 4, 8, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return shipped_catalogue()


@pytest.fixture
def done(ui, fresh_db, catalogue) -> None:
    """ann (north) on 4 May, cat (south) on 6 May: the quick check each."""
    finish(fresh_db, ui["ann"], catalogue, "quick-check", 10, T0)
    finish(fresh_db, ui["cat"], catalogue, "quick-check", 4, T0 + timedelta(days=2))


def exports_page():
    at = open_page(sign_in("boss"), "exports")
    assert titles(at) == ["Exports"]
    return at


def prepared(at, engine) -> tuple[bytes, int]:
    """The prepared file's bytes, read from the database, and its number of rows."""
    ready = at.session_state[keys.EXPORT_READY]
    assert isinstance(ready[1], str), "the session keeps the link's token, not the file's bytes"
    found = kept.find(engine, ready[1])
    assert found is not None
    return b"".join(kept.chunks(engine, found.id)), ready[2]


def link(at) -> list[str]:
    """The download links the page shows (to GET /download/<token>, from any server)."""
    return [e.proto.url for e in at.get("link_button")]


def explained_columns(at) -> list[str]:
    """The column names the "What the columns mean" list gives, in its order (``name``: ...)."""
    (listing,) = [m for m in values(at.markdown) if m.startswith("- `")]
    return [line.split("`")[1] for line in listing.splitlines()]


def test_the_page_explains_each_column_of_the_chosen_kind(done):
    at = exports_page()
    assert not at.dataframe  # a list that wraps on a phone, not a table running off the side
    assert explained_columns(at) == list(exports.MEANING["attempts"])
    at.radio(key=keys.EXPORT_KIND).set_value("responses").run()
    assert explained_columns(at) == exports.RESPONSE_COLUMNS


def test_the_page_speaks_plainly_to_a_manager(done):
    at = exports_page()
    said = " ".join([*values(at.caption), at.toggle(key=keys.EXPORT_BOM).label])
    assert "Opens correctly in Excel" in at.toggle(key=keys.EXPORT_BOM).label
    for jargon in ("Byte-order", "byte-order", "resurface export", "UTF-8", "command"):
        assert jargon not in said


def test_a_manager_prepares_the_same_bytes_as_the_core(ui, fresh_db, done):
    at = exports_page()
    at.radio(key=keys.EXPORT_KIND).set_value("responses").run()
    at.selectbox(key=keys.EXPORT_COHORT).set_value("north").run()
    at.button(key=keys.EXPORT_PREPARE).click().run()
    assert not at.exception
    data, rows = prepared(at, fresh_db)
    # A small file is said in kB: "0.0 MB" read as an empty file
    assert len(data) < 1_000_000
    assert values(at.success) == [f"{rows:,} rows ready ({len(data) / 1000:.1f} kB)."]
    expected = exports.export(fresh_db, None, "responses", exports.ExportFilters(cohort="north"))[0]
    assert data == expected
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert set(frame["username"]) == {"ann"}
    assert rows == 10
    assert link(at) == [f"/download/{at.session_state[keys.EXPORT_READY][1]}"]
    with fresh_db.connect() as conn:
        line = audit_store.lines(conn, "export")[0]
    assert (line["actor_id"], line["target"], line["detail"]["cohort"]) == (
        ui["boss"].id,
        "responses",
        "north",
    )


def test_dates_filter_and_a_changed_setting_asks_to_prepare_again(done, fresh_db):
    at = exports_page()
    at.date_input(key=keys.EXPORT_FROM).set_value(date(2026, 5, 5)).run()
    at.button(key=keys.EXPORT_PREPARE).click().run()
    data, rows = prepared(at, fresh_db)
    assert rows == 1
    assert pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")["username"].tolist() == ["cat"]
    at.toggle(key=keys.EXPORT_BOM).set_value(False).run()
    assert values(at.info) == [
        "The settings changed since the last file was prepared: prepare it again."
    ]
    assert not link(at)


def test_from_after_to_is_refused_with_a_message(done):
    at = exports_page()
    at.date_input(key=keys.EXPORT_FROM).set_value(date(2026, 5, 6)).run()
    at.date_input(key=keys.EXPORT_TO).set_value(date(2026, 5, 4)).run()
    at.button(key=keys.EXPORT_PREPARE).click().run()
    assert not at.exception
    assert values(at.error) == ["The From date must be before the To date"]
    assert keys.EXPORT_READY not in at.session_state


@pytest.mark.parametrize("name", ["ann", "tina"])
def test_trainees_and_trainers_cannot_open_exports(ui, name):
    at = open_page(sign_in(name), "exports")
    assert "Exports" not in titles(at)
    assert not [b for b in at.button if b.key == keys.EXPORT_PREPARE]


def test_preparing_again_replaces_the_file_in_the_database(done, fresh_db):
    at = exports_page()
    at.button(key=keys.EXPORT_PREPARE).click().run()
    first = at.session_state[keys.EXPORT_READY][1]
    assert kept.find(fresh_db, first) is not None
    at.radio(key=keys.EXPORT_KIND).set_value("responses").run()
    at.button(key=keys.EXPORT_PREPARE).click().run()
    second = at.session_state[keys.EXPORT_READY][1]
    assert second != first
    found = kept.find(fresh_db, second)
    assert found is not None
    assert found.name.startswith("resurface-responses")
    assert kept.find(fresh_db, first) is None


def test_a_refused_export_leaves_no_file_behind(done, fresh_db):
    at = exports_page()
    at.button(key=keys.EXPORT_PREPARE).click().run()
    earlier = at.session_state[keys.EXPORT_READY][1]
    at.date_input(key=keys.EXPORT_FROM).set_value(date(2026, 5, 6)).run()
    at.date_input(key=keys.EXPORT_TO).set_value(date(2026, 5, 4)).run()
    at.button(key=keys.EXPORT_PREPARE).click().run()
    assert values(at.error) == ["The From date must be before the To date"]
    assert kept.find(fresh_db, earlier) is None
    assert keys.EXPORT_READY not in at.session_state


def test_a_file_cleared_from_the_server_asks_to_prepare_again(done, fresh_db):
    at = exports_page()
    at.button(key=keys.EXPORT_PREPARE).click().run()
    kept.discard(fresh_db, at.session_state[keys.EXPORT_READY][1])  # expired and swept
    at.run()
    assert not at.exception
    assert values(at.info) == ["The prepared file was cleared from the server: prepare it again."]
    assert not link(at)


def test_old_files_left_by_a_crashed_server_are_swept_when_preparing(done, tmp_path, monkeypatch):
    monkeypatch.setattr(spool.tempfile, "tempdir", str(tmp_path))
    old = tmp_path / f"{spool.PREFIX}old{spool.SUFFIX}"
    recent = tmp_path / f"{spool.PREFIX}recent{spool.SUFFIX}"
    other = tmp_path / "someone-elses.csv"
    for path in (old, recent, other):
        path.write_text("x")
    two_days_ago = old.stat().st_mtime - 2 * spool.STALE_SECONDS
    os.utime(old, (two_days_ago, two_days_ago))
    os.utime(other, (two_days_ago, two_days_ago))
    at = exports_page()
    at.button(key=keys.EXPORT_PREPARE).click().run()
    assert not old.exists()
    assert recent.exists()
    assert other.exists()
    assert at.session_state[keys.EXPORT_READY] is not None
    assert list(tmp_path.glob(f"{spool.PREFIX}*")) == [recent], "written there, then stored"


def test_a_server_that_cannot_write_the_file_says_so(done, tmp_path, monkeypatch):
    gone = tmp_path / "no-such-folder"
    monkeypatch.setattr(spool.tempfile, "tempdir", str(gone))
    at = exports_page()
    at.button(key=keys.EXPORT_PREPARE).click().run()
    assert not at.exception
    (message,) = values(at.error)
    assert message.startswith(f"The file could not be written on the server ({gone}")
    assert "No such file or directory" in message
    assert keys.EXPORT_READY not in at.session_state
    assert not link(at)


def test_the_csv_prepared_on_the_page_has_no_formula_cell_whatever_the_separator(ui, fresh_db):
    catalogue = shipped_catalogue()
    lee = accounts.create_user(
        fresh_db, ui["boss"], "lee", PW, "trainee", "north;=2+3;", "Ann Lee;=2+3;"
    )
    finish(fresh_db, lee, catalogue, "quick-check", 2, T0)
    at = exports_page()
    assert at.radio(key=keys.EXPORT_FORMAT).value == "csv", "CSV unless asked, as in the CLI"
    prepare = at.button(key=keys.EXPORT_PREPARE)
    assert prepare.label == "Prepare file"
    prepare.click().run()
    data, rows = prepared(at, fresh_db)
    assert rows == 1
    found = kept.find(fresh_db, at.session_state[keys.EXPORT_READY][1])
    assert found is not None
    assert (found.name[-4:], found.media_type) == (".csv", exports.MIME["csv"])
    text = data.decode("utf-8-sig")
    assert "\"'Ann Lee;'=2+3;\",\"'north;'=2+3;\"" in text, "quoted, each = after a ; neutralised"
    for delimiter in (",", ";", "\t", "|"):
        cells = [c for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
                 for c in row]  # fmt: skip
        assert [c for c in cells if c.lstrip()[:1] in exports.FORMULA_START] == [], delimiter
