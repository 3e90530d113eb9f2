"""The ASGI entry point: Streamlit's app plus the two routes that set and clear the session cookie.

``resurface serve`` runs ``streamlit run`` on this file; Streamlit finds ``app`` and serves it with
uvicorn. The routes exist because a Streamlit page talks over a websocket, where no cookie can be
set: the sign-in page hands the browser its new session token once, and ``/auth/session`` turns it
into the HttpOnly cookie (see app.websession).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import streamlit as st
from sqlalchemy import Engine
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import config, websession
from app.accounts import AccountInactive
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
    response.set_cookie(
        websession.COOKIE_NAME,
        cookie.value,
        max_age=cookie.max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
    return response


async def end_session(request: Request) -> Response:
    """POST: sign this browser out (the session row is deleted and the cookie cleared)."""
    if not _same_origin(request):
        return JSONResponse({"error": "cross-site request refused"}, status_code=403)
    engine = _engine()
    websession.end(
        engine, websession.token_from_cookie(engine, request.cookies.get(websession.COOKIE_NAME))
    )
    response = JSONResponse({"ok": True})
    response.delete_cookie(websession.COOKIE_NAME, path="/", httponly=True, samesite="strict")
    return response


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


class SecurityHeaders:
    """ASGI middleware: add SECURITY_HEADERS to every HTTP response (replacing any already set)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
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


app = st.App(
    Path(__file__).with_name("main.py"),
    routes=[
        Route("/auth/session", start_session, methods=["POST"]),
        Route("/auth/signout", end_session, methods=["POST"]),
    ],
    middleware=[Middleware(SecurityHeaders)],
)
