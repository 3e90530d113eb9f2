"""The shipped nginx site (deploy/nginx/resurface.conf) in front of a real ``resurface serve``.

Debian's nginx runs the shipped file itself, with only its placeholders replaced (the name, the
certificate paths, the ports), and a self-signed certificate made here by openssl; the app runs
on a SQLite file with ``RESURFACE_PUBLIC_URL`` set to the HTTPS address. Chromium resolves the
name to this machine, signs in over HTTPS, and the test checks what a clinic's server would
answer: the session cookie's flags, the security headers and HSTS, the redirect from HTTP, and
that requests for any other host get nothing.
"""

from __future__ import annotations

import http.client
import os
import pwd
import re
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest
from e2e_support import CHROMIUM, DESKTOP, PASSWORD, free_port, served, settle, sign_in
from playwright.sync_api import expect

from app import accounts, config, websession
from app.store import open_store
from app.store import throttle as throttle_store
from app.ui.server import SECURITY_HEADERS
from conftest import required

NGINX = Path("/usr/sbin/nginx")
OPENSSL = Path("/usr/bin/openssl")
SITE = config.PROJECT_ROOT / "deploy" / "nginx" / "resurface.conf"
SHIPPED_NAME = "training.example.org"  # the placeholder the checklist says to change
NAME = "training.example.test"
YEAR = 365 * 24 * 3600

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Proxy:
    https_port: int
    http_port: int
    certificate: Path
    folder: Path
    database: str

    @property
    def origin(self) -> str:
        return f"https://{NAME}:{self.https_port}"


def substituted(site: str, *, tls: Path, acme: Path, app: list[int], http: int, https: int) -> str:
    """The shipped site with its placeholders replaced; each must be there to be replaced, so a
    change to the shipped file that this test would no longer follow fails here. ``app``: the
    ports of the servers, one upstream line each."""
    site = _servers(site, app)
    replacements = [
        (f"/etc/letsencrypt/live/{SHIPPED_NAME}/", f"{tls}/"),
        (SHIPPED_NAME, NAME),
        ("root /var/www/html;", f"root {acme};"),
        ("listen 80", f"listen 127.0.0.1:{http}"),
        ("listen [::]:80", f"listen [::1]:{http}"),
        ("listen 443", f"listen 127.0.0.1:{https}"),
        ("listen [::]:443", f"listen [::1]:{https}"),
    ]
    for old, new in replacements:
        assert old in site, f"{SITE} no longer has {old!r}: update this test with it"
        site = site.replace(old, new)
    return site


def _servers(site: str, ports: list[int]) -> str:
    """The site's upstream block listing ``ports``, each line as the shipped file's first."""
    lines = site.splitlines(keepends=True)
    shipped = [i for i, line in enumerate(lines) if line.strip().startswith("server 127.0.0.1:")]
    assert len(shipped) >= 2, f"{SITE}: expected a line per server in its upstream block"
    first = lines[shipped[0]]
    ours = [first.replace("127.0.0.1:8501 ", f"127.0.0.1:{port} ") for port in ports]
    assert ours[0] != first, f"{SITE}'s first server is no longer 127.0.0.1:8501"
    return "".join([*lines[: shipped[0]], *ours, *lines[shipped[-1] + 1 :]])


def main_config(folder: Path, site: Path) -> str:
    """An nginx.conf around the site with every file nginx writes in ``folder``. As root, the
    workers run as root too: nginx's default user (nobody) could not use the test's folders."""
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
    return f"""{user}
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} notice;
events {{ worker_connections 256; }}
http {{
    log_format upstreams '$upstream_addr $status "$request" $cookie_resurface_route';
    access_log {folder / "access.log"} upstreams;
{temp}
    include {site};
}}
"""


def self_signed(folder: Path) -> Path:
    """A certificate for NAME and its key, as fullchain.pem and privkey.pem (certbot's names)."""
    if not OPENSSL.exists():
        required(f"no openssl at {OPENSSL}: install it with `apt-get install -y openssl`")
    folder.mkdir()
    key, certificate = folder / "privkey.pem", folder / "fullchain.pem"
    subprocess.run(
        [
            *(str(OPENSSL), "req", "-x509", "-nodes", "-days", "2"),
            *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-subj", f"/CN={NAME}", "-addext", f"subjectAltName=DNS:{NAME}"),
            *("-keyout", str(key), "-out", str(certificate)),
        ],
        check=True,
        capture_output=True,
    )
    return certificate


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def proxy(tmp_path_factory) -> Iterator[Proxy]:
    if not NGINX.exists():
        required(f"no nginx at {NGINX}: install Debian's with `apt-get install -y nginx`")
    folder = tmp_path_factory.mktemp("nginx")
    certificate = self_signed(folder / "tls")
    (folder / "acme").mkdir()
    https_port, http_port = free_port(), free_port()
    db = f"sqlite:///{folder / 'resurface.db'}"
    engine = open_store(db)
    accounts.init_first_manager(engine, "boss", PASSWORD, "Beatrice Boss")
    engine.dispose()
    env = {
        **os.environ,
        "RESURFACE_DATABASE_URL": db,
        "RESURFACE_PUBLIC_URL": f"https://{NAME}:{https_port}",
    }
    with served(env, folder / "server.log") as app:
        site = folder / "resurface.conf"
        site.write_text(
            substituted(
                SITE.read_text(encoding="utf-8"),
                tls=certificate.parent,
                acme=folder / "acme",
                app=[int(app.rsplit(":", 1)[1])],
                http=http_port,
                https=https_port,
            ),
            encoding="utf-8",
        )
        with nginx_running(folder, site, https_port, http_port):
            yield Proxy(https_port, http_port, certificate, folder, db)


@contextmanager
def nginx_running(folder: Path, site: Path, https_port: int, http_port: int) -> Iterator[None]:
    """Debian's nginx serving ``site`` (its files in ``folder``) until the block ends."""
    conf = folder / "nginx.conf"
    conf.write_text(main_config(folder, site), encoding="utf-8")
    command = [str(NGINX), "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    nginx = subprocess.Popen(
        [*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        while not (listening(https_port) and listening(http_port)):
            assert nginx.poll() is None, nginx.stderr.read().decode() if nginx.stderr else ""
            assert time.monotonic() < deadline, "nginx did not listen within 30 s"
            time.sleep(0.1)
        yield
    finally:
        nginx.send_signal(signal.SIGQUIT)  # graceful: finish what is under way, then stop
        try:
            nginx.wait(timeout=10)
        except subprocess.TimeoutExpired:
            nginx.kill()
            nginx.wait()
        if nginx.stderr:
            nginx.stderr.close()


# --- without a browser: raw requests, as any client could send them ------------------------------


def tls_context(proxy: Proxy) -> ssl.SSLContext:
    """Verifies the server's certificate and name, trusting only the test's certificate."""
    return ssl.create_default_context(cafile=str(proxy.certificate))


def ask(
    proxy: Proxy,
    host: str,
    path: str = "/",
    *,
    tls: bool = True,
    sni: str = NAME,
    verify: bool = True,
    method: str = "GET",
    body: bytes | None = None,
) -> http.client.HTTPResponse:
    """Send one request to nginx with the given Host header (over TLS with the given SNI name);
    its response, read. Raises ConnectionError or ssl.SSLError when nginx answers nothing."""
    port = proxy.https_port if tls else proxy.http_port
    raw = socket.create_connection(("127.0.0.1", port), timeout=15)
    context = tls_context(proxy)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    conn = context.wrap_socket(raw, server_hostname=sni) if tls else raw
    with conn:
        head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
        if body is not None:
            head += f"Content-Length: {len(body)}\r\nContent-Type: text/csv\r\n"
        conn.sendall(head.encode() + b"\r\n" + (body or b""))
        response = http.client.HTTPResponse(conn)  # type: ignore[arg-type]
        response.begin()  # a connection closed without an answer raises here
        response.read()
        return response


def test_the_app_answers_over_https_with_hsts_and_its_security_headers(proxy):
    response = ask(proxy, f"{NAME}:{proxy.https_port}")
    assert response.status == 200
    hsts = response.getheader("Strict-Transport-Security", "")
    found = re.fullmatch(r"max-age=(\d+)", hsts)
    assert found, f"no HSTS: {hsts!r}"
    assert int(found.group(1)) >= YEAR
    assert "frame-ancestors 'none'" in response.getheader("Content-Security-Policy", "")
    assert response.getheader("X-Frame-Options") == "DENY"
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert response.getheader("Referrer-Policy") == "same-origin"
    for name, value in SECURITY_HEADERS:  # nginx passes the app's on untouched, once each
        assert response.headers.get_all(name.decode()) == [value.decode()], name
    assert response.getheader("Server") == "nginx", "no version for a scanner to look up"
    route = response.getheader("Set-Cookie", "")  # which server this browser stays on
    assert re.fullmatch(
        r"resurface_route=[0-9a-f]{32}; Path=/; Secure; HttpOnly; SameSite=Strict", route
    ), route


def test_plain_http_is_sent_to_https_on_the_same_name(proxy):
    response = ask(proxy, f"{NAME}:{proxy.http_port}", "/quiz?attempt=3", tls=False)
    assert response.status == 301
    assert response.getheader("Location") == f"https://{NAME}/quiz?attempt=3"


def test_certbot_can_answer_its_challenge_over_plain_http(proxy):
    challenge = proxy.folder / "acme" / ".well-known" / "acme-challenge" / "token-1"
    challenge.parent.mkdir(parents=True, exist_ok=True)
    challenge.write_text("token-1.thumbprint")
    response = ask(proxy, NAME, "/.well-known/acme-challenge/token-1", tls=False)
    assert response.status == 200


def test_another_name_gets_nothing(proxy):
    with pytest.raises(ssl.SSLError):  # no certificate at all, so nothing to reveal our name
        ask(proxy, "rebound.evil.example", sni="rebound.evil.example", verify=False)
    for tls in (True, False):  # our name for TLS, another in the request: closed, unanswered
        port = proxy.https_port if tls else proxy.http_port
        with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
            ask(proxy, f"rebound.evil.example:{port}", tls=tls)


def test_the_app_itself_refuses_a_host_other_than_its_public_url(proxy):
    """nginx matches names without the port; the app compares the whole public address, so a
    request nginx lets through for another port of the name is refused by the app."""
    response = ask(proxy, f"{NAME}:{proxy.http_port}")
    assert response.status == 400
    assert response.getheader("Strict-Transport-Security"), "nginx's header on its answers too"


def test_an_upload_the_size_of_a_large_user_import_passes_the_proxy(proxy):
    """A CSV of many thousands of trainees is a few MB: nginx passes it on to the app (which
    refuses a post to its front page) rather than answering 413 itself."""
    body = b"username,display_name,cohort\n" + b"trainee-000000,Some Trainee,north\n" * 150_000
    assert len(body) > 5_000_000
    response = ask(proxy, f"{NAME}:{proxy.https_port}", method="POST", body=body)
    assert response.status != 413
    assert response.getheader("X-Frame-Options") == "DENY", "the app's answer, not nginx's"


# --- in Chromium: signing in over HTTPS through the proxy -----------------------------------------


@pytest.fixture(scope="module")
def chromium(playwright):
    """Debian's Chromium, resolving NAME to this machine; the test's certificate is not trusted
    by it, so certificate errors are ignored (Python's checks above verify it)."""
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=["--no-sandbox", f"--host-resolver-rules=MAP {NAME} 127.0.0.1"],
    )
    yield browser
    browser.close()


def test_signing_in_over_https_sets_a_host_only_secure_cookie_and_survives_a_reload(
    proxy, chromium
):
    context = chromium.new_context(viewport=DESKTOP, ignore_https_errors=True)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        first = page.goto(proxy.origin)
        assert first is not None
        headers = first.headers
        assert re.fullmatch(r"max-age=\d+", headers["strict-transport-security"])
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"

        with page.expect_response(re.compile(r"/auth/session$")) as delivered:
            sign_in(page, proxy.origin, "boss")  # the Home page renders: the websocket works
        set_cookie = delivered.value.header_value("set-cookie") or ""
        attributes = {part.strip().split("=", 1)[0].lower() for part in set_cookie.split(";")}
        assert set_cookie.startswith("__Host-resurface_session="), set_cookie
        assert {"secure", "httponly", "path"} <= attributes
        assert "domain" not in attributes, "a __Host- cookie names no domain"

        jar = {c["name"]: c for c in context.cookies()}
        assert websession.COOKIE_NAME not in jar, "never the plain name over HTTPS"
        cookie = jar["__Host-resurface_session"]
        assert cookie["secure"]
        assert cookie["httpOnly"]
        assert cookie["sameSite"] == "Strict"
        assert cookie["path"] == "/"
        assert cookie["domain"] == NAME, "for this host exactly (no leading dot: no Domain)"

        page.reload()
        settle(page)
        expect(page.get_by_role("heading", name="Welcome, Beatrice Boss")).to_be_visible()
        expect(page.get_by_role("button", name="Sign in")).to_have_count(0)
    finally:
        context.close()


def test_a_page_of_another_port_of_the_name_cannot_open_the_apps_websocket(proxy):
    """Through nginx, the app still compares the websocket's Origin with the Host it was
    asked for: a page served from the plain-HTTP port is refused."""
    key = "dGhlIHNhbXBsZSBub25jZQ=="
    for origin, expected in ((proxy.origin, 101), (f"http://{NAME}:{proxy.http_port}", 403)):
        raw = socket.create_connection(("127.0.0.1", proxy.https_port), timeout=15)
        with tls_context(proxy).wrap_socket(raw, server_hostname=NAME) as conn:
            conn.sendall(
                f"GET /_stcore/stream HTTP/1.1\r\nHost: {NAME}:{proxy.https_port}\r\n"
                f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                f"Sec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n".encode()
            )
            status_line = b""
            with suppress(TimeoutError):
                while b"\r\n" not in status_line:
                    chunk = conn.recv(1024)
                    if not chunk:
                        break
                    status_line += chunk
        assert int(status_line.split(b" ", 2)[1]) == expected, (origin, status_line[:80])


def test_a_failed_sign_in_is_counted_against_the_browsers_address_not_nginxs(proxy, chromium):
    """The server believes X-Forwarded-For from 127.0.0.1 only (nginx), which passes the chain
    on with the address it was connected from last; the server takes the last address it does
    not trust. So sign-in delays count each browser, not the proxy every browser comes through.
    The browser here is on this machine too, so it names an address of its own in the header."""
    address = "203.0.113.7"
    context = chromium.new_context(
        viewport=DESKTOP, ignore_https_errors=True, extra_http_headers={"X-Forwarded-For": address}
    )
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.goto(proxy.origin)
        settle(page)
        page.get_by_label("Username").fill("boss")
        page.get_by_label("Password", exact=True).fill("not the password at all")
        page.get_by_role("button", name="Sign in").click()
        settle(page)
        expect(page.get_by_text("wrong username or password", exact=False)).to_be_visible()
    finally:
        context.close()
    engine = open_store(proxy.database)
    try:
        with engine.connect() as conn:
            counted = throttle_store.rows(
                conn, [f"address|{address}", "address|127.0.0.1", "address|unknown"]
            )
    finally:
        engine.dispose()
    failures = {key: row["failures"] for key, row in counted.items() if row["failures"]}
    assert failures == {f"address|{address}": 1}, "counted against the browser's address only"
