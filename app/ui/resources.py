"""Shared resources, cached at the UI edge: the database engine and the loaded banks."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from sqlalchemy import Engine

from app import config
from app.bank import Catalogue, load
from app.store import open_store


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    return open_store(url)


def engine() -> Engine:
    """The engine for ``RESURFACE_DATABASE_URL`` (schema upgraded on first use)."""
    return _engine(config.database_url())


def _signature(root: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of the content files: a change reloads the banks."""
    files = sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    return tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files)


@st.cache_resource(show_spinner=False, max_entries=2)
def _catalogue(root: str, sources: str | None, signature: tuple) -> Catalogue:
    return load([Path(root)], sources_dir=Path(sources) if sources else None)


def catalogue() -> Catalogue:
    """The banks as they are on disk now; a broken file is left out and listed in ``problems``."""
    root = config.quizzes_dir()
    sources = config.sources_dir()
    return _catalogue(str(root), str(sources) if sources else None, _signature(root))
