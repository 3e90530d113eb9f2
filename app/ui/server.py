"""The ASGI entry point: Streamlit's app, the two routes that set and clear the session cookie,
and the public page that checks a certificate (``/verify/<code>``).

``resurface serve`` runs ``streamlit run`` on this file; Streamlit finds ``app`` and serves it with
uvicorn. The routes exist because a Streamlit page talks over a websocket, where no cookie can be
set: the sign-in page hands the browser its new session token once, and ``/auth/session`` turns it
into the HttpOnly cookie (see app.websession). ``/download/<token>`` hands out a prepared export
from the database, so it works whichever of several servers the request reaches (app.prepared).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import quote

import streamlit as st
from sqlalchemy import Engine
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import certificates, config, prepared, verification, websession
from app.accounts import AccountInactive, Forbidden
from app.store import open_store


@cache
def _engine() -> Engine:
    return open_store(config.database_url())


def _same_origin(request: Request) -> bool:
    """Refuse cross-site posts: a browser always sends Origin on a fetch POST."""
    origin = request.headers.get("origin")
    host = request.headers.get("host")
    return origin is not None and host is not None and origin.split("://", 1)[-1] == host


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


async def start_session(request: Request) -> Response:
    """POST {"token": ...}: hand out the cookie of a session begun on the sign-in page."""
    if not _same_origin(request):
        return JSONResponse({"error": "cross-site request refused"}, status_code=403)
    try:
        body = await request.json()
        token = body.get("token") if isinstance(body, dict) else None
    except ValueError:
        token = None
    if not isinstance(token, str):
        return JSONResponse({"error": "expected a JSON body with a token"}, status_code=400)
    try:
        cookie = websession.deliver(_engine(), token)
    except (websession.SessionInvalid, AccountInactive) as exc:
        return JSONResponse({"error": str(exc)}, status_code=401)
    response = JSONResponse({"ok": True})
    secure = _secure(request)
    response.set_cookie(
        websession.cookie_name(secure),
        cookie.value,
        max_age=cookie.max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=secure,
    )
    return response


async def end_session(request: Request) -> Response:
    """POST: sign this browser out (the session row is deleted and the cookie cleared)."""
    if not _same_origin(request):
        return JSONResponse({"error": "cross-site request refused"}, status_code=403)
    engine = _engine()
    websession.end(
        engine, websession.token_from_cookie(engine, websession.carried(request.cookies))
    )
    response = JSONResponse({"ok": True})
    response.delete_cookie(websession.COOKIE_NAME, path="/", httponly=True, samesite="strict")
    if _secure(request):
        response.delete_cookie(
            websession.SECURE_COOKIE_NAME, path="/", httponly=True, samesite="strict", secure=True
        )
    return response


async def download(request: Request) -> Response:
    """GET /download/<token>: a file prepared on the Exports page (app.prepared), from whichever
    server the request reaches; only to the manager who prepared it, signed in with this
    browser's session and still allowed to export at this moment."""
    engine = _engine()
    headers = {"cache-control": "no-store"}
    session = await run_in_threadpool(
        websession.token_from_cookie, engine, websession.carried(request.cookies)
    )
    try:
        found = await run_in_threadpool(
            prepared.for_download, engine, session, request.path_params["token"]
        )
    except prepared.NotAvailable as exc:
        return PlainTextResponse(str(exc), 404, headers)
    except Forbidden as exc:
        return PlainTextResponse(str(exc), 403, headers)
    disposition = "attachment; filename*=UTF-8''" + quote(found.name, safe="")
    return StreamingResponse(
        iterate_in_threadpool(prepared.chunks(engine, found.id)),
        media_type=found.media_type,
        headers={
            **headers,
            "content-disposition": disposition,
            "content-length": str(found.size),
        },
    )


async def verify_certificate(request: Request) -> Response:
    """GET /verify/<code>: a certificate's public check, no sign-in (app.verification); each
    client address may look up certificates.VERIFY_LIMIT a window, counted in the database so
    every server counts the same. Behind nginx the address is the browser's (X-Forwarded-For
    from this machine, which uvicorn trusts)."""
    engine = _engine()
    address = request.client.host if request.client else None
    headers = {"cache-control": "no-store"}
    if not await run_in_threadpool(certificates.verify_allowed, engine, address):
        retry = str(int(certificates.VERIFY_WINDOW.total_seconds()))
        return HTMLResponse(verification.too_many(), 429, {**headers, "retry-after": retry})
    found = await run_in_threadpool(certificates.lookup, engine, request.path_params["code"])
    if found is None:
        return HTMLResponse(verification.not_found(), 404, headers)
    return HTMLResponse(verification.page(found), 200, headers)


# Sent with every page and file the server answers. Images only from the app itself (a remote
# image in a comment or a name would tell its owner who read it, and when), no plugins, and no
# page of another site, or of another port of this host, may show the app in a frame.
SECURITY_HEADERS = (
    (
        b"content-security-policy",
        b"img-src 'self' data: blob:; object-src 'none'; base-uri 'self'; "
        b"form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)
_SECURITY_NAMES = {name for name, _ in SECURITY_HEADERS}


_LOOPBACK = {"localhost", "127.0.0.1", "[::1]", "::1"}


def host_allowed(host: str, public: str | None) -> bool:
    """Whether a request naming ``host`` (its Host header) is for this app: with a public URL
    configured, only that host (and this machine's own names, for health checks) is; so a page
    of another domain that resolves to this server (DNS rebinding) gets nothing."""
    if public is None:
        return True
    name = host.lower().rsplit(":", 1)[0] if not host.endswith("]") else host.lower()
    return host.lower() == public.lower() or name in _LOOPBACK


def websocket_allowed(origin: str | None, host: str) -> bool:
    """A browser opening the app's websocket from another origin (another site, or another port
    of this host) is refused; browsers always send Origin, other clients may not."""
    return origin is None or origin.split("://", 1)[-1].lower() == host.lower()


class SecurityHeaders:
    """ASGI middleware: refuse requests for another host and websockets opened from another
    origin; add SECURITY_HEADERS to every HTTP response (replacing any already set)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.public = config.public_host()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        if not host_allowed(host, self.public):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            else:
                await _refuse(send, 400, b"unknown host")
            return
        if scope["type"] == "websocket":
            if not websocket_allowed(headers.get("origin"), host):
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [
                    h for h in message.get("headers", []) if h[0].lower() not in _SECURITY_NAMES
                ]
                message = {**message, "headers": [*kept, *SECURITY_HEADERS]}
            await send(message)

        await self.app(scope, receive, sending)


async def _refuse(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain"), *SECURITY_HEADERS],
        }
    )
    await send({"type": "http.response.body", "body": body})


app = st.App(
    Path(__file__).with_name("main.py"),
    routes=[
        Route("/auth/session", start_session, methods=["POST"]),
        Route("/auth/signout", end_session, methods=["POST"]),
        Route("/verify/{code}", verify_certificate, methods=["GET"]),
        Route("/download/{token}", download, methods=["GET"]),
    ],
    middleware=[Middleware(SecurityHeaders)],
)
