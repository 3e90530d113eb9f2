"""Sending mail (app.mail) against real SMTP servers on this machine: signing in, STARTTLS with
the certificate checked, and what each failure says."""

from __future__ import annotations

import ssl
import subprocess

import pytest
from aiosmtpd.smtp import AuthResult
from mail_support import smtp_server, use_server

from app import config, mail
from conftest import required

MESSAGE = mail.Message("ann@clinic.example", "Hello", "Dear ann,\n\nA test <b>message</b>.")


def only(user: str, password: str):
    """An aiosmtpd authenticator that lets ``user`` in with ``password`` only."""

    def text(value: bytes | str) -> str:
        return value.decode() if isinstance(value, bytes) else value

    def check(server, session, envelope, mechanism, auth_data) -> AuthResult:
        given = (text(auth_data.login), text(auth_data.password))
        # handled=False: the server itself answers a failure (535), as a real one does.
        return AuthResult(success=given == (user, password), handled=False)

    return check


def test_a_message_arrives_with_text_and_escaped_html(monkeypatch):
    with smtp_server() as inbox:
        use_server(monkeypatch, inbox.port)
        with mail.connect() as outbox:
            outbox.send(
                mail.Message(
                    MESSAGE.to, MESSAGE.subject, MESSAGE.text, mail.paragraphs(MESSAGE.text)
                )
            )
    [arrived] = inbox.messages
    assert arrived.to == ["ann@clinic.example"]
    assert arrived.mail["From"] == "Resurface <training@clinic.example>"
    assert "A test <b>message</b>." in arrived.text
    assert "A test &lt;b&gt;message&lt;/b&gt;." in arrived.html


# aiosmtpd warns that AUTH without TLS is unsafe: true on a network, not on this machine's loopback.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_signing_in_to_the_mail_server(monkeypatch):
    options = {"authenticator": only("mailer", "right-pass"), "auth_require_tls": False}
    with smtp_server(auth_required=True, **options) as inbox:
        use_server(monkeypatch, inbox.port)
        monkeypatch.setenv("RESURFACE_SMTP_USER", "mailer")
        monkeypatch.setenv("RESURFACE_SMTP_PASSWORD", "wrong-pass")
        with pytest.raises(mail.MailError) as refused, mail.connect():
            pass
        assert str(refused.value).startswith(
            f"mail server 127.0.0.1:{inbox.port} refused the sign-in as mailer: 535"
        )
        assert "wrong-pass" not in str(refused.value)
        monkeypatch.setenv("RESURFACE_SMTP_PASSWORD", "right-pass")
        with mail.connect() as outbox:
            outbox.send(MESSAGE)
    assert len(inbox.messages) == 1


def test_starttls_is_refused_when_the_server_does_not_offer_it(monkeypatch):
    with smtp_server() as inbox:
        use_server(monkeypatch, inbox.port)
        monkeypatch.setenv("RESURFACE_SMTP_TLS", "starttls")
        with pytest.raises(mail.MailError, match="does not offer STARTTLS"), mail.connect():
            pass
    assert inbox.messages == []


@pytest.fixture
def self_signed(tmp_path) -> ssl.SSLContext:
    """A server TLS context with a certificate nobody vouches for."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    try:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
    except FileNotFoundError:
        required("no openssl: install it with `apt-get install -y openssl`")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    return context


def test_starttls_checks_the_servers_certificate(monkeypatch, self_signed):
    with smtp_server(tls_context=self_signed, require_starttls=True) as inbox:
        use_server(monkeypatch, inbox.port)
        monkeypatch.setenv("RESURFACE_SMTP_TLS", "starttls")
        with pytest.raises(mail.MailError) as failed, mail.connect():
            pass
    assert "the encrypted connection failed" in str(failed.value)
    assert "CERTIFICATE_VERIFY_FAILED" in str(failed.value)
    assert inbox.messages == []


def test_no_mail_server_and_no_public_address_are_said(monkeypatch):
    monkeypatch.delenv("RESURFACE_SMTP_HOST", raising=False)
    monkeypatch.delenv("RESURFACE_PUBLIC_URL", raising=False)
    with pytest.raises(mail.MailNotConfigured, match="set RESURFACE_SMTP_HOST"):
        mail.settings()
    with pytest.raises(mail.MailNotConfigured, match="RESURFACE_PUBLIC_URL is not set"):
        mail.app_link()
    assert config.smtp() is None


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("", "email address: missing"),
        ("ann", "is not one"),
        ("ann@clinic", "is not one"),
        ("ann @clinic.example", "is not one"),
        ("a,b@clinic.example", "is not one"),
        ("a" * 250 + "@x.example", "longer than 254 characters"),
    ],
)
def test_addresses_that_cannot_be_one(address, problem):
    with pytest.raises(mail.InvalidAddress, match=problem):
        mail.check_address(address)
