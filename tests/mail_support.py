"""A real SMTP server on this machine (aiosmtpd) for the mail tests, and what arrived at it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

SENDER = "Resurface <training@clinic.example>"
PUBLIC = "https://training.example.org"


@dataclass(frozen=True)
class Arrived:
    """One message as the server took it."""

    to: list[str]
    mail: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.mail["Subject"]).strip()  # a long one is folded onto its own line

    @property
    def text(self) -> str:
        part = self.mail.get_body(("plain",))
        assert part is not None
        return part.get_content()

    @property
    def html(self) -> str:
        part = self.mail.get_body(("html",))
        return part.get_content() if part is not None else ""


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[Arrived] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(Arrived(list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class Refusing(Inbox):
    """A server that refuses every recipient, as a full or misconfigured relay does."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        return "550 5.7.1 Relaying denied"


def free_port() -> int:
    """A port nothing listens on (just now): a mail server that is down."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def smtp_server(
    handler: Inbox | None = None, port: int | None = None, **options: Any
) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 (``port``, or a free one) while the block runs;
    ``options`` go to aiosmtpd's SMTP (``authenticator``, ``tls_context``, ...)."""
    handler = handler or Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port or free_port(), **options)
    controller.start()
    try:
        handler.port = controller.port  # type: ignore[attr-defined]
        yield handler
    finally:
        controller.stop()


def use_server(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    """Point the app's mail settings at 127.0.0.1:``port``, plain SMTP, no sign-in."""
    monkeypatch.setenv("RESURFACE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("RESURFACE_SMTP_PORT", str(port))
    monkeypatch.setenv("RESURFACE_SMTP_TLS", "none")
    monkeypatch.setenv("RESURFACE_MAIL_FROM", SENDER)
    monkeypatch.setenv("RESURFACE_PUBLIC_URL", PUBLIC)
    for name in ("RESURFACE_SMTP_USER", "RESURFACE_SMTP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
