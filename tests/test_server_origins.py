"""Who may talk to ``resurface serve``: the configured host only, and a websocket only from the
app's own origin; the session cookie under the ``__Host-`` prefix over HTTPS.

The rules are pure functions of app/ui/server.py, tested directly; then a real ``resurface serve``
with ``RESURFACE_PUBLIC_URL`` set is asked over raw HTTP, as a browser of another site (or a page
on another port of this host) would ask it.
"""

from __future__ import annotations

import base64
import os
import re
import socket
from collections.abc import Iterator

import pytest
from e2e_support import served

from app import accounts, websession
from app.store import open_store
from app.ui.server import host_allowed, websocket_allowed
from conftest import PW


def test_with_a_public_url_only_its_host_and_this_machines_names_are_served():
    public = "training.example.org"
    assert host_allowed("training.example.org", public)
    assert host_allowed("TRAINING.example.org", public)
    for local in ("localhost:8501", "127.0.0.1:8501", "[::1]:8501", "localhost"):
        assert host_allowed(local, public), local
    for other in ("evil.example", "training.example.org.evil.example", "", "example.org"):
        assert not host_allowed(other, public), other
    assert host_allowed("anything.example", None), "no public URL: any host, as before"


def test_a_websocket_is_accepted_only_from_its_own_origin():
    assert websocket_allowed("http://127.0.0.1:8501", "127.0.0.1:8501")
    assert websocket_allowed(None, "127.0.0.1:8501"), "not a browser: no origin to check"
    assert not websocket_allowed("http://127.0.0.1:9999", "127.0.0.1:8501"), "another port"
    assert not websocket_allowed("https://evil.example", "127.0.0.1:8501")


def test_the_cookie_is_named_with_the_host_prefix_over_https_and_read_under_either_name():
    assert websession.cookie_name(True) == "__Host-resurface_session"
    assert websession.cookie_name(False) == "resurface_session"
    assert websession.carried({"__Host-resurface_session": "a", "resurface_session": "b"}) == "a"
    assert websession.carried({"resurface_session": "b"}) == "b"
    assert websession.carried({}) is None


@pytest.fixture(scope="module")
def public(tmp_path_factory) -> Iterator[tuple[str, str]]:
    """A server whose public URL names a host that is not 127.0.0.1: (base URL, that host)."""
    folder = tmp_path_factory.mktemp("origins")
    url = f"sqlite:///{folder / 'resurface.db'}"
    engine = open_store(url)
    accounts.init_first_manager(engine, "boss", PW)
    engine.dispose()
    env = {**os.environ, "RESURFACE_DATABASE_URL": url}
    env["RESURFACE_PUBLIC_URL"] = "https://training.example.test"
    with served(env, folder / "server.log") as base:
        yield base, "training.example.test"


def ask(base: str, request: str) -> str:
    """Send a raw HTTP request to the server; its status line and headers."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(request.encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = conn.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer.decode("latin-1")


def status(answer: str) -> int:
    return int(answer.split(" ", 2)[1])


@pytest.mark.slow
def test_the_server_answers_its_public_host_and_refuses_others(public):
    base, host = public
    page = "GET /_stcore/health HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n"
    assert status(ask(base, page.format(host))) == 200
    assert status(ask(base, page.format(base.removeprefix("http://")))) == 200, "health checks"
    refused = ask(base, page.format("rebound.evil.example"))
    assert status(refused) == 400
    assert re.search(r"(?im)^content-security-policy: .*frame-ancestors 'none'", refused)


@pytest.mark.slow
def test_the_websocket_opens_only_for_the_apps_own_origin(public):
    base, _ = public
    here = base.removeprefix("http://")
    key = base64.b64encode(os.urandom(16)).decode()

    def handshake(origin: str) -> int:
        return status(
            ask(
                base,
                "GET /_stcore/stream HTTP/1.1\r\n"
                f"Host: {here}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                f"Origin: {origin}\r\n\r\n",
            )
        )

    assert handshake(base) == 101, "the app's own page opens it"
    other_port = f"http://127.0.0.1:{int(here.split(':')[1]) + 1}"
    assert handshake(other_port) == 403, "a page on another port of this host does not"
    assert handshake("https://evil.example") == 403
