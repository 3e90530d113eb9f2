"""Prepared exports wait on disk: removed with their owner, or swept after a day."""

from __future__ import annotations

import gc
import os

import pytest

from app.exports import spool


def test_the_file_goes_when_its_owner_does(tmp_path):
    spooled = spool.Spooled(tmp_path)
    spooled.file.write(b"a,b\r\n")
    spooled.close()
    path = spooled.path
    assert spooled.read() == b"a,b\r\n"
    assert spooled.size == 5
    del spooled
    gc.collect()
    assert not path.exists()


def test_discard_removes_the_file_at_once(tmp_path):
    spooled = spool.Spooled(tmp_path)
    spooled.discard()
    assert not spooled.exists()
    assert spooled.size == 0
    assert list(tmp_path.iterdir()) == []


def test_sweep_removes_only_our_files_older_than_the_limit(tmp_path):
    old = spool.Spooled(tmp_path)
    old.close()
    new = spool.Spooled(tmp_path)
    new.close()
    foreign = tmp_path / "notes.csv"
    foreign.write_text("x")
    hour_ago = old.path.stat().st_mtime - 3600
    for path in (old.path, foreign):
        os.utime(path, (hour_ago, hour_ago))
    assert spool.sweep(tmp_path, older_than=1800) == 1
    assert not old.exists()
    assert new.exists()
    assert foreign.exists()
    assert spool.sweep(tmp_path, older_than=1800) == 0


def test_a_workbook_is_spooled_as_xlsx_and_swept_like_a_csv(tmp_path):
    book = spool.Spooled(tmp_path, suffix=".xlsx")
    book.close()
    sheet = spool.Spooled(tmp_path)
    sheet.close()
    assert (book.path.suffix, sheet.path.suffix) == (".xlsx", ".csv")
    other = tmp_path / f"{spool.PREFIX}notes.txt"
    other.write_text("x")
    hour_ago = book.path.stat().st_mtime - 3600
    for path in (book.path, sheet.path, other):
        os.utime(path, (hour_ago, hour_ago))
    assert spool.sweep(tmp_path, older_than=1800) == 2
    assert not book.exists()
    assert not sheet.exists()
    assert other.exists(), "not an export of ours"


def test_only_an_export_format_names_a_spooled_file(tmp_path):
    with pytest.raises(ValueError, match=r"^unknown suffix '\.exe'"):
        spool.Spooled(tmp_path, suffix=".exe")
    assert list(tmp_path.iterdir()) == []
