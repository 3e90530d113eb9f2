"""The public page ``/verify/<code>`` of a real ``resurface serve``: no sign-in, only the fields a
certificate shows, a hostile name escaped, "no such certificate" as a 404, the security headers,
and a 429 once an address has made its lookups for the window."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from e2e_support import served

from app import accounts, certificates, clock, config
from app.bank import load
from app.store import open_store
from conftest import PW, finish

HOSTILE = "<script>alert(1)</script> & Zoë"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A served app whose database holds one trainee's certificate: (base URL, code)."""
    folder = tmp_path_factory.mktemp("verify")
    url = f"sqlite:///{folder / 'resurface.db'}"
    engine = open_store(url)
    catalogue = load([config.quizzes_dir()])
    boss = accounts.init_first_manager(engine, "boss", PW)
    ann = accounts.create_user(engine, boss, "ann.user", PW, "trainee", "northcohort", HOSTILE)
    finish(engine, ann, catalogue, "certification-exam", None, clock.now() - timedelta(hours=1))
    [cert] = certificates.of_user(engine, ann, ann.id)
    engine.dispose()
    with served({**os.environ, "RESURFACE_DATABASE_URL": url}, folder / "server.log") as base:
        yield base, cert.code


def get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def test_the_page_shows_only_what_the_certificate_says_escaped(site):
    base, code = site
    status, headers, body = get(f"{base}/verify/{code}")
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Zoë" in body
    assert "<script" not in body
    assert "Laser resurfacing technician" in body
    assert 'data-status="current"' in body
    for secret in ("ann.user", "northcohort", "%", "score", "boss"):
        assert secret not in body, secret


def test_an_unknown_code_is_no_such_certificate(site):
    base, code = site
    status, _, body = get(f"{base}/verify/{code[::-1]}x")
    assert status == 404
    assert "No such certificate" in body
    assert HOSTILE not in body
    assert get(f"{base}/verify/%00")[0] in (400, 404)  # a NUL byte: refused, never a 500


def test_an_address_is_refused_after_its_lookups_for_the_window(site):
    base, code = site
    statuses = [get(f"{base}/verify/{code}")[0] for _ in range(certificates.VERIFY_LIMIT + 1)]
    assert statuses[-1] == 429
    assert 429 not in statuses[: certificates.VERIFY_LIMIT - 2]  # the two tests above made two
    status, headers, body = get(f"{base}/verify/{code}")
    assert status == 429
    assert headers["retry-after"] == str(int(certificates.VERIFY_WINDOW.total_seconds()))
    assert "Too many checks" in body
