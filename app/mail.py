"""Sending mail: the settings (app.config), one message's form, and what a failure says.

Plain SMTP through the standard library (smtplib), with STARTTLS or TLS from the start and the
server's certificate checked. A failure is a MailError that names the server and what it said,
such as "mail server 127.0.0.1:2525 refused the connection: [Errno 111] Connection refused".
"""

from __future__ import annotations

import html
import re
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from app import config
from app.errors import ResurfaceError

TIMEOUT = 30  # seconds: a mail server that says nothing for this long is taken as down
MAX_ADDRESS = 254  # RFC 5321's limit for a path, and so for an address
# Deliberately loose (one @, a dot in the domain, no spaces): the mail server is the real test.
_ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\".]+$")


class MailError(ResurfaceError):
    """The mail server could not be reached, or refused what was asked of it."""


class MailNotConfigured(MailError):
    """No mail server is set (RESURFACE_SMTP_HOST), or no public address for links."""


class MessageRefused(MailError):
    """The mail server took the connection but refused one message (the others may go)."""


class InvalidAddress(ResurfaceError, ValueError):
    """An email address that cannot be one."""


@dataclass(frozen=True)
class Message:
    """One message: plain text, and the same as HTML if given (escaped by ``paragraphs``)."""

    to: str
    subject: str
    text: str
    html: str | None = None


def check_address(address: str) -> str:
    """The address stripped. Raises InvalidAddress saying why it cannot be one."""
    address = address.strip()
    if not address:
        raise InvalidAddress("email address: missing")
    if len(address) > MAX_ADDRESS:
        raise InvalidAddress(f"email address: longer than {MAX_ADDRESS} characters")
    if not _ADDRESS.match(address):
        raise InvalidAddress(f"email address: '{address}' is not one (expected name@example.org)")
    return address


def settings() -> config.Smtp:
    """The mail server settings. Raises MailNotConfigured when none is set, SettingError."""
    found = config.smtp()
    if found is None:
        raise MailNotConfigured(
            "no mail server is set: set RESURFACE_SMTP_HOST and RESURFACE_MAIL_FROM "
            "(see docs/administration.md, Mail)"
        )
    return found


def app_link(query: str = "") -> str:
    """The app's public address (RESURFACE_PUBLIC_URL), for links in messages.

    Raises MailNotConfigured when it is not set: a message would have nowhere to send people.
    """
    base = config.public_url()
    if base is None:
        raise MailNotConfigured(
            "RESURFACE_PUBLIC_URL is not set, so a message cannot link to the app; set it to "
            "the address people open, such as https://training.example.org"
        )
    return f"{base}/{query}"


def paragraphs(text: str) -> str:
    """The plain text as simple HTML: escaped, a paragraph per blank-line block."""
    blocks = [b for b in text.split("\n\n") if b.strip()]
    return "".join(f"<p>{html.escape(b).replace(chr(10), '<br>')}</p>" for b in blocks)


def build(message: Message, sender: str) -> EmailMessage:
    """The message as sent: From, To, Subject, Date, a Message-ID, text and HTML parts."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.to
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    mail["Message-ID"] = make_msgid(domain=domain)
    mail.set_content(message.text)
    if message.html is not None:
        mail.add_alternative(f"<!doctype html><html><body>{message.html}</body></html>", "html")
    return mail


class Outbox:
    """An open connection to the mail server (``connect``)."""

    def __init__(self, smtp: smtplib.SMTP, where: config.Smtp) -> None:
        self._smtp = smtp
        self._where = where

    def send(self, message: Message) -> None:
        """Hand one message to the server. Raises MessageRefused, MailError (connection lost)."""
        where = f"mail server {self._where.where}"
        try:
            self._smtp.send_message(build(message, self._where.sender))
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise MessageRefused(f"{where} refused {message.to}: {_said(code, reply)}") from None
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            text = _said(exc.smtp_code, exc.smtp_error)
            raise MessageRefused(f"{where} refused the message to {message.to}: {text}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(f"{where} failed while sending to {message.to}: {exc}") from None


@contextmanager
def connect(where: config.Smtp | None = None) -> Iterator[Outbox]:
    """An open, signed-in connection to the mail server, closed afterwards.

    Raises MailNotConfigured, MailError saying which server and what went wrong.
    """
    where = where or settings()
    smtp = _open(where)
    try:
        yield Outbox(smtp, where)
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _open(where: config.Smtp) -> smtplib.SMTP:
    name = f"mail server {where.where}"
    try:
        return _handshake(where)
    except ConnectionRefusedError as exc:
        raise MailError(f"{name} refused the connection: {exc}") from None
    except TimeoutError:
        raise MailError(f"{name} did not answer within {TIMEOUT} seconds") from None
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(
            f"{name} refused the sign-in as {where.user}: {_said(exc.smtp_code, exc.smtp_error)}"
        ) from None
    except smtplib.SMTPNotSupportedError:
        raise MailError(f"{name} does not offer STARTTLS (RESURFACE_SMTP_TLS=starttls)") from None
    except ssl.SSLError as exc:
        raise MailError(f"{name}: the encrypted connection failed: {exc}") from None
    except smtplib.SMTPResponseException as exc:
        raise MailError(f"{name} refused: {_said(exc.smtp_code, exc.smtp_error)}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"{name} could not be reached: {exc}") from None


def _handshake(where: config.Smtp) -> smtplib.SMTP:
    """Connect, greet, upgrade to TLS and sign in as the settings say; closed on failure."""
    if where.tls == "ssl":
        context = ssl.create_default_context()
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            where.host, where.port, timeout=TIMEOUT, context=context
        )
    else:
        smtp = smtplib.SMTP(where.host, where.port, timeout=TIMEOUT)
    try:
        smtp.ehlo()
        if where.tls == "starttls":
            if not smtp.has_extn("starttls"):
                raise smtplib.SMTPNotSupportedError("STARTTLS")
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if where.user is not None:
            smtp.login(where.user, where.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _said(code: int, said: bytes | str) -> str:
    text = said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)
    return f"{code} {text}".strip()
