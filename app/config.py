"""Settings from environment variables, in one place.

Every variable that the app, its tests and its benchmarks read is read here, and listed in
``SETTINGS`` (the table of settings in docs/administration.md is checked against it).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from app import present
from app.errors import ResurfaceError

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# (name, default, meaning): docs/administration.md's "Settings" table says the same, and a test
# checks it.
SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("RESURFACE_DATABASE_URL", "sqlite:///results/resurface.db", "the database"),
    ("RESURFACE_DEMO_DATABASE_URL", "sqlite:///results/demo.db", "the demo's database"),
    ("RESURFACE_QUIZZES", "quizzes/", "the content folder"),
    ("RESURFACE_SOURCES", "../shared/seeds", "the source documents"),
    ("RESURFACE_SECRET_KEY", "a key kept in the database", "signs session cookies"),
    ("RESURFACE_SESSION_HOURS", "12", "how long a sign-in lasts"),
    ("RESURFACE_IDLE_MINUTES", "30", "a sign-in unused this long ends"),
    ("RESURFACE_PUBLIC_URL", "unset", "the address people open; other hosts are refused"),
    ("RESURFACE_SMTP_HOST", "unset", "the mail server for reminders and invitations"),
    ("RESURFACE_SMTP_PORT", "587 (465 with ssl)", "the mail server's port"),
    ("RESURFACE_SMTP_TLS", "starttls", "none, starttls or ssl"),
    ("RESURFACE_SMTP_USER", "none", "the user to sign in to the mail server as"),
    ("RESURFACE_SMTP_PASSWORD", "none", "that user's password"),
    ("RESURFACE_MAIL_FROM", "unset", "the sender of every message"),
    ("RESURFACE_INVITE_HOURS", "72", "how long an invitation link works"),
    ("RESURFACE_AUDIT_RETENTION_DAYS", "keep", "`resurface retention`: audit lines older go"),
    (
        "RESURFACE_INACTIVE_RETENTION_DAYS",
        "keep",
        "`resurface retention`: accounts deactivated longer are erased",
    ),
    ("RESURFACE_CLINIC_NAME", "Resurface training", "the issuer named on certificates"),
    ("RESURFACE_LOGO", "none", "an image shown at the top of every page"),
    ("RESURFACE_ACCENT_COLOR", "Streamlit's red", "buttons, links and selections (#rrggbb)"),
    ("RESURFACE_WORKERS", "1", "`resurface serve`: server processes (`auto`: one per core)"),
    ("RESURFACE_TEST_DATABASE_URL", "none", "tests: PostgreSQL to test on"),
    ("CI", "unset", "tests: `true` turns a missing need into a failure"),
    ("RESURFACE_LOAD_TIMEOUT", "120", "load benchmark: seconds to wait for a page"),
    ("RESURFACE_LOAD_SHOTS", "none", "load benchmark: folder for screenshots of stuck pages"),
    ("RESURFACE_LOAD_KEEP", "none", "load benchmark: folder to keep its server log and database"),
)


class SettingError(ResurfaceError, ValueError):
    """An environment variable holds a value that cannot be used."""


def _path(name: str) -> Path | None:
    value = os.environ.get(name, "")
    return Path(value) if value else None


def _positive(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise SettingError(f"{name} must be a positive number, not {raw!r}")
    return value


def quizzes_dir() -> Path:
    """Where the content lives: ``RESURFACE_QUIZZES`` or the repository's ``quizzes/``."""
    return _path("RESURFACE_QUIZZES") or PROJECT_ROOT / "quizzes"


def default_sources_dir() -> Path:
    """Where the source documents are looked for when ``RESURFACE_SOURCES`` is not set."""
    return PROJECT_ROOT.parent / "shared" / "seeds"


def sources_dir() -> Path | None:
    """The source documents, if known: ``RESURFACE_SOURCES``, or ``../shared/seeds`` beside the
    repository when that folder exists.

    The documents are not ours to ship, so a clone alone has none: the app runs as usual (each
    citation carries its quote), but quotes cannot be checked against the documents.
    """
    given = _path("RESURFACE_SOURCES")
    if given is not None:
        return given
    default = default_sources_dir()
    return default if default.is_dir() else None


def demo_database_url() -> str:
    """``RESURFACE_DEMO_DATABASE_URL``, or ``results/demo.db`` (never the real database)."""
    default = f"sqlite:///{PROJECT_ROOT / 'results' / 'demo.db'}"
    return os.environ.get("RESURFACE_DEMO_DATABASE_URL") or default


def database_url() -> str:
    """``RESURFACE_DATABASE_URL``, or a SQLite file under ``results/``."""
    default = f"sqlite:///{PROJECT_ROOT / 'results' / 'resurface.db'}"
    return os.environ.get("RESURFACE_DATABASE_URL") or default


def secret_key() -> str | None:
    """``RESURFACE_SECRET_KEY``, or None: then a key made once is kept in the database."""
    return os.environ.get("RESURFACE_SECRET_KEY") or None


def session_hours() -> float:
    """``RESURFACE_SESSION_HOURS`` (default 12: one working day on a shared clinic computer).

    Raises SettingError unless it is a positive number.
    """
    return _positive("RESURFACE_SESSION_HOURS", 12)


def idle_minutes() -> float:
    """``RESURFACE_IDLE_MINUTES`` (default 30): a session not used for this long ends, so a clinic
    computer left signed in does not stay open to the next person. Raises SettingError."""
    return _positive("RESURFACE_IDLE_MINUTES", 30)


def public_host() -> str | None:
    """The host (and port, if any) of ``RESURFACE_PUBLIC_URL``, such as ``training.example.org``,
    or None when it is not set (any host is served). Raises SettingError for a URL without one."""
    raw = os.environ.get("RESURFACE_PUBLIC_URL", "").strip()
    if not raw:
        return None
    parsed = urlsplit(raw)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SettingError(
            f"RESURFACE_PUBLIC_URL must be an address such as https://training.example.org, "
            f"not {raw!r}"
        )
    return parsed.netloc


TLS_MODES = ("none", "starttls", "ssl")


@dataclass(frozen=True)
class Smtp:
    """How to reach the mail server (the password is left out of the repr)."""

    host: str
    port: int
    tls: str  # one of TLS_MODES
    user: str | None
    password: str | None = field(repr=False)
    sender: str

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def smtp() -> Smtp | None:
    """The mail server settings, or None when ``RESURFACE_SMTP_HOST`` is not set (no mail).

    Raises SettingError for a port, TLS mode or sender that cannot be used.
    """
    host = os.environ.get("RESURFACE_SMTP_HOST", "").strip()
    if not host:
        return None
    tls = os.environ.get("RESURFACE_SMTP_TLS", "").strip().lower() or "starttls"
    if tls not in TLS_MODES:
        raise SettingError(f"RESURFACE_SMTP_TLS must be one of {', '.join(TLS_MODES)}, not {tls!r}")
    raw = os.environ.get("RESURFACE_SMTP_PORT", "").strip()
    port = 465 if tls == "ssl" else 587
    if raw:
        if not raw.isdigit() or not 1 <= int(raw) <= 65535:
            raise SettingError(f"RESURFACE_SMTP_PORT must be a port number, not {raw!r}")
        port = int(raw)
    sender = os.environ.get("RESURFACE_MAIL_FROM", "").strip()
    if "@" not in sender:
        raise SettingError(
            "RESURFACE_MAIL_FROM must be the sender's address, such as "
            f"training@clinic.example, not {sender!r}"
        )
    user = os.environ.get("RESURFACE_SMTP_USER", "").strip() or None
    password = os.environ.get("RESURFACE_SMTP_PASSWORD") or None
    if password is not None and user is None:
        raise SettingError("RESURFACE_SMTP_PASSWORD is set but RESURFACE_SMTP_USER is not")
    return Smtp(host, port, tls, user, password, sender)


def public_url() -> str | None:
    """``RESURFACE_PUBLIC_URL`` without a trailing slash, for links in messages; None if unset.

    Raises SettingError for a URL without a host.
    """
    if public_host() is None:
        return None
    return os.environ["RESURFACE_PUBLIC_URL"].strip().rstrip("/")


def invite_hours() -> float:
    """``RESURFACE_INVITE_HOURS`` (default 72): how long an invitation link works."""
    return _positive("RESURFACE_INVITE_HOURS", 72)


def _days(name: str) -> int | None:
    raw = os.environ.get(name, "").strip()
    if not raw or raw.lower() == "keep":
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise SettingError(
            f"{name} must be a whole number of days (1 or more) or keep, not {raw!r}"
        )
    return int(raw)


def audit_retention_days() -> int | None:
    """``RESURFACE_AUDIT_RETENTION_DAYS``: audit lines older than this many days are deleted by
    ``resurface retention`` (unset or ``keep``: None, every line is kept). Raises SettingError."""
    return _days("RESURFACE_AUDIT_RETENTION_DAYS")


def inactive_retention_days() -> int | None:
    """``RESURFACE_INACTIVE_RETENTION_DAYS``: accounts deactivated longer than this many days are
    erased (pseudonymised) by ``resurface retention`` (unset or ``keep``: None, never).
    Raises SettingError."""
    return _days("RESURFACE_INACTIVE_RETENTION_DAYS")


def clinic_name() -> str:
    """``RESURFACE_CLINIC_NAME``: who issues the certificates (default "Resurface training")."""
    return " ".join(os.environ.get("RESURFACE_CLINIC_NAME", "").split()) or "Resurface training"


def app_name() -> str:
    """The name in the browser's tab and at the top of the sign-in page: the clinic's
    (``RESURFACE_CLINIC_NAME``) when it is set, else "Resurface"."""
    return " ".join(os.environ.get("RESURFACE_CLINIC_NAME", "").split()) or "Resurface"


LOGO_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")


def logo() -> Path | None:
    """``RESURFACE_LOGO``: an image file shown at the top of every page, or None.

    Raises SettingError for a path that is not an image file.
    """
    found = _path("RESURFACE_LOGO")
    if found is None:
        return None
    if not found.is_file():
        raise SettingError(f"RESURFACE_LOGO names {found}, which is not a file")
    if found.suffix.lower() not in LOGO_TYPES:
        raise SettingError(
            f"RESURFACE_LOGO must be an image ({', '.join(LOGO_TYPES)}), not {found.name}"
        )
    return found


MIN_CONTRAST = 4.5  # WCAG 2.1 AA for normal text (1.4.3): white on a button, a link on white
_HEX = re.compile(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


def contrast_on_white(colour: str) -> float:
    """The WCAG contrast ratio of ``#rrggbb`` (or ``#rgb``) against white, 1 to 21."""
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return 1.05 / (luminance + 0.05)


def accent_color() -> str | None:
    """``RESURFACE_ACCENT_COLOR``: the colour of buttons, links and selections as ``#rrggbb``,
    or None for Streamlit's own (unset).

    Raises SettingError for anything but a hex colour, and for a colour too light to read
    white text on (or to read on white): less than 4.5:1 against white.
    """
    raw = os.environ.get("RESURFACE_ACCENT_COLOR", "").strip()
    if not raw:
        return None
    if not _HEX.fullmatch(raw):
        raise SettingError(
            f"RESURFACE_ACCENT_COLOR must be a hex colour such as #1d4ed8, not {raw!r}"
        )
    ratio = contrast_on_white(raw)
    if ratio < MIN_CONTRAST:
        raise SettingError(
            f"RESURFACE_ACCENT_COLOR {raw} is too light: its contrast with white is "
            f"{present.ratio(ratio)}, and the white text on buttons and the "
            f"links on white pages need at least {MIN_CONTRAST}:1 to be readable; choose a "
            "darker shade"
        )
    return raw.lower()


def workers() -> int:
    """How many server processes ``resurface serve`` runs (``RESURFACE_WORKERS``): a whole number
    from 1, or ``auto`` for one per processor core. Raises SettingError."""
    return parse_workers(
        os.environ.get("RESURFACE_WORKERS", "").strip() or "1", "RESURFACE_WORKERS"
    )


MAX_WORKERS = 64


def parse_workers(raw: str, name: str = "--workers") -> int:
    """``auto`` (one per core) or a whole number from 1 to MAX_WORKERS."""
    if raw.strip().lower() == "auto":
        return max(1, min(os.cpu_count() or 1, MAX_WORKERS))
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_WORKERS:
        raise SettingError(
            f"{name} must be auto or a whole number from 1 to {MAX_WORKERS}, not {raw!r}"
        )
    return value


def check() -> None:
    """Read every setting the server needs once; raises SettingError for one it cannot use."""
    logo()
    accent_color()
    session_hours()
    workers()
    idle_minutes()
    public_host()
    smtp()
    invite_hours()
    for name in ("RESURFACE_QUIZZES", "RESURFACE_SOURCES"):
        folder = _path(name)
        if folder is not None and not folder.is_dir():
            raise SettingError(f"{name} names {folder}, which is not a folder")


# --- tests and benchmarks -----------------------------------------------------------------------


def in_ci() -> bool:
    """``CI=true``: what a test needs (a browser, PostgreSQL, the sources) must be there."""
    return os.environ.get("CI", "").strip().lower() == "true"


def test_database_url() -> str | None:
    """``RESURFACE_TEST_DATABASE_URL``: the PostgreSQL server the tests also run on."""
    return os.environ.get("RESURFACE_TEST_DATABASE_URL") or None


def load_timeout() -> float:
    """``RESURFACE_LOAD_TIMEOUT``: seconds the load benchmark waits for a page (default 120)."""
    return _positive("RESURFACE_LOAD_TIMEOUT", 120)


def load_screenshots_dir() -> Path | None:
    """``RESURFACE_LOAD_SHOTS``: where the load benchmark saves pages that stopped changing."""
    return _path("RESURFACE_LOAD_SHOTS")


def load_keep_dir() -> Path | None:
    """``RESURFACE_LOAD_KEEP``: where the load benchmark keeps its server log and database."""
    return _path("RESURFACE_LOAD_KEEP")
