"""Prepared exports wait on disk: removed with their owner, or swept after a day."""

from __future__ import annotations

import gc
import os

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
