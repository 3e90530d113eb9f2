"""Shared resources, cached at the UI edge: the database engine and the loaded banks."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import streamlit as st
from sqlalchemy import Engine

from app import clock, config
from app.bank import Catalogue, load
from app.bank.catalogue import source_index
from app.bank.text import SourceIndex
from app.store import open_store


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    return open_store(url)


def engine() -> Engine:
    """The engine for ``RESURFACE_DATABASE_URL`` (schema upgraded on first use)."""
    return _engine(config.database_url())


@dataclass(frozen=True)
class Loaded:
    """A catalogue with how it was loaded: how many content files, when, and how long it took."""

    catalogue: Catalogue
    files: int
    at: datetime
    seconds: float


def _signature(root: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of the content files: a change reloads the banks."""
    files = sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    return tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files)


@st.cache_resource(show_spinner=False, max_entries=2)
def _catalogue(root: str, sources: str | None, signature: tuple) -> Loaded:
    started = time.perf_counter()
    # Problems name files from the folder above the content ("quizzes/banks/x.yaml:12"), the
    # same wherever the server was started.
    cat = load(
        [Path(root)],
        sources_dir=Path(sources) if sources else None,
        root=Path(root).resolve().parent,
    )
    return Loaded(cat, len(signature), clock.now(), time.perf_counter() - started)


def loaded() -> Loaded:
    """The banks as they are on disk now, with when they were loaded."""
    root = config.quizzes_dir()
    sources = config.sources_dir()
    return _catalogue(str(root), str(sources) if sources else None, _signature(root))


def catalogue() -> Catalogue:
    """The banks as they are on disk now; a broken file is left out and listed in ``problems``."""
    return loaded().catalogue


def revalidate() -> Loaded:
    """Load and check every content file again, now, for every session.

    Edits to the YAML files reload by themselves (their size or time changes); this also picks
    up what that check cannot see, such as a changed source document or a same-second edit.
    """
    _catalogue.clear()
    return loaded()


@st.cache_resource(show_spinner=False, max_entries=2)
def _sources(folder: str, signature: tuple) -> SourceIndex:
    return source_index(Path(folder))


def sources() -> SourceIndex | None:
    """The source documents (None: not known), read again when one of them changes."""
    folder = config.sources_dir()
    if folder is None or not folder.is_dir():
        return None
    docs = sorted(folder.glob("*.txt"))
    return _sources(str(folder), tuple((str(p), p.stat().st_mtime_ns) for p in docs))
