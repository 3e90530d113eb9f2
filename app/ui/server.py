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
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

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


app = st.App(
    Path(__file__).with_name("main.py"),
    routes=[
        Route("/auth/session", start_session, methods=["POST"]),
        Route("/auth/signout", end_session, methods=["POST"]),
    ],
)
