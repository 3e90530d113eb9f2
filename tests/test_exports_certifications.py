"""The certifications export: who holds what, as of a date, the same from the CLI and the core."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from app import config, exports
from app.bank import load
from app.cli import EXIT_OK, EXIT_USAGE, main
from conftest import finish

# After the accounts exist: a certifications report lists only accounts made before its date.
T0 = (datetime.now(UTC) + timedelta(days=1)).replace(hour=8, minute=30, second=0, microsecond=0)
EXAM = "certification-exam"


@pytest.fixture(scope="module")
def catalogue():
    return load([config.quizzes_dir()])


def read(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)


@pytest.fixture
def passed(fresh_db, people, catalogue):
    """ann passed the exam at T0; bob failed it the same day; cat never tried."""
    finish(fresh_db, people["ann"], catalogue, EXAM, None, T0)
    finish(fresh_db, people["bob"], catalogue, EXAM, 0, T0)


def certifications(engine, catalogue, **given) -> pd.DataFrame:
    data, rows = exports.export(
        engine, None, "certifications", exports.ExportFilters(**given), catalogue=catalogue
    )
    frame = read(data)
    assert len(frame) == rows
    return frame.set_index("username")


def test_one_row_per_trainee_with_status_dates_and_best_score(fresh_db, passed, catalogue):
    frame = certifications(fresh_db, catalogue, until=T0 + timedelta(days=10))
    assert frame.reset_index().columns.tolist() == exports.CERTIFICATION_COLUMNS
    assert sorted(frame.index) == ["ann", "bob", "cat"]
    ann = frame.loc["ann"]
    assert (ann["status"], ann["quiz_id"], ann["best_score_percent"]) == ("current", EXAM, "100.0")
    assert ann["passed_at"] == f"{T0 + timedelta(minutes=5):%Y-%m-%dT%H:%M:%SZ}"
    assert ann["expires_at"] > ann["passed_at"]
    assert (frame.loc["bob", "status"], frame.loc["bob", "attempts"]) == ("never", 1)
    assert frame.loc["bob", "best_score_percent"] == "0.0"
    assert (frame.loc["cat", "status"], frame.loc["cat", "best_score_percent"]) == ("never", "")
    assert frame.loc["cat", "cohort"] == "south"


def test_as_of_a_date_before_the_pass_it_is_not_counted(fresh_db, passed, catalogue):
    frame = certifications(fresh_db, catalogue, until=T0)
    assert frame.loc["ann", "status"] == "never"
    assert frame.loc["ann", "attempts"] == 0


def test_cohort_and_certification_filters(fresh_db, passed, catalogue):
    assert sorted(certifications(fresh_db, catalogue, cohort="south").index) == ["cat"]
    with pytest.raises(exports.ExportError, match="grants no certification"):
        certifications(fresh_db, catalogue, quiz_id="quick-check")


def test_cli_to_date_is_the_end_of_that_day_and_from_is_refused(
    fresh_db, db_url, passed, catalogue, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("RESURFACE_DATABASE_URL", db_url)
    out = tmp_path / "certs.csv"
    argv = ["export", "certifications", "--to", f"{T0:%Y-%m-%d}", "-o", str(out)]
    assert main(argv) == EXIT_OK
    end_of_day = T0.replace(hour=0, minute=0) + timedelta(days=1)
    expected = exports.export(
        fresh_db,
        None,
        "certifications",
        exports.ExportFilters(until=end_of_day),
        catalogue=catalogue,
    )[0]
    assert out.read_bytes() == expected
    assert read(expected).set_index("username").loc["ann", "status"] == "current"
    assert main(["export", "certifications", "--from", "2026-05-01"]) == EXIT_USAGE
    assert "not a From date" in capsys.readouterr().err
