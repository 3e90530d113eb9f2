"""A client of Streamlit's own protocol: what a browser tab sends and reads, without the browser.

The page talks to the server over one websocket (``/_stcore/stream``): the browser sends
``BackMsg`` protobufs (``rerun_script`` carries the URL's query string, the page, and the
widgets' values), the server answers with ``ForwardMsg`` protobufs (``new_session`` when a script
run starts, a ``delta`` per element, ``page_info_changed`` when the URL changes,
``script_finished`` at the end). Both come from the installed streamlit package
(``streamlit.proto``), so this client speaks whatever version the server runs.

What it keeps, as the browser's frontend does: the current query string and page, and the
elements of the last complete run, each with its widget id, which ends with the widget's user
key (``$$ID-<hash>-<key>``), so a widget is found by its key without recomputing Streamlit's
hash. What it sends on a click: only the widget that changed (a button's trigger, a radio's
chosen option, a checkbox, a select box), with the query string and page of the moment; the
browser also re-sends the unchanged values of the other widgets on the page, which the server
only compares with what it holds (``SessionState.set_widgets_from_proto``): no callback runs for
them, so the server's work per click is the same but for those few comparisons.

Nothing here knows Resurface; ``benchmarks/exam_pace.py`` drives it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect

FINISHED = ForwardMsg.FINISHED_SUCCESSFULLY
FRAGMENT_FINISHED = ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY


@dataclass
class Shown:
    """One element of the page: its kind (``button``, ``radio``, ``markdown``...), its proto,
    and the fragment it was drawn by (a dialog is a fragment), if any."""

    kind: str
    proto: Any
    fragment_id: str = ""
    in_dialog: bool = False

    @property
    def widget_id(self) -> str:
        return getattr(self.proto, "id", "") or ""

    @property
    def key(self) -> str | None:
        """The widget's user key: what follows the id's hash (``$$ID-<hash>-<key>``)."""
        wid = self.widget_id
        if not wid.startswith("$$ID-"):
            return None
        parts = wid.split("-", 2)
        return parts[2] if len(parts) == 3 and parts[2] != "None" else None

    def text(self) -> str:
        """The text a reader sees in it (markdown body, heading, label, html body)."""
        for name in ("body", "label"):
            value = getattr(self.proto, name, None)
            if isinstance(value, str) and value:
                return value
        return ""


@dataclass
class Page:
    """The elements of the last finished run, in the order they arrived."""

    elements: dict[tuple[int, ...], Shown] = field(default_factory=dict)

    def all(self) -> list[Shown]:
        return list(self.elements.values())

    def widget(self, key: str) -> Shown | None:
        return next((e for e in self.elements.values() if e.key == key), None)

    def widgets(self, prefix: str) -> list[Shown]:
        return [e for e in self.elements.values() if (e.key or "").startswith(prefix)]

    def find(self, kind: str, test: Callable[[Shown], bool] = lambda _e: True) -> Shown | None:
        return next((e for e in self.elements.values() if e.kind == kind and test(e)), None)

    def texts(self) -> list[str]:
        return [e.text() for e in self.elements.values()]

    def has_text(self, start: str) -> bool:
        return any(t.strip().startswith(start) for t in self.texts())


class ProtocolError(RuntimeError):
    """The server did not answer as a browser would expect."""


class Client:
    """One browser tab's conversation with a Streamlit server."""

    def __init__(self, base_url: str, timeout: float = 60.0) -> None:
        self.base = base_url.rstrip("/")
        self.host = self.base.split("://", 1)[1]
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.query_string = ""
        self.page_script_hash = ""
        self.page = Page()  # the last complete run
        self._building = Page()  # the run under way
        self._dialogs: set[tuple[int, ...]] = set()  # delta paths of dialog blocks
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task | None = None
        self._finished = asyncio.Condition()
        self._finishes = 0  # script runs (or fragment runs) finished so far
        self.session_id = ""
        self.received = 0  # bytes from the server
        self.messages = 0
        self.error: BaseException | None = None

    # --- HTTP, as the page does it --------------------------------------------------------

    def _http(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = {"Origin": self.base, "User-Agent": "resurface-exam-pace"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        request = urllib.request.Request(self.base + path, body, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status, data = response.status, response.read()
                set_cookies = response.headers.get_all("Set-Cookie") or []
        except urllib.error.HTTPError as exc:
            status, data, set_cookies = (
                exc.code,
                exc.read(),
                exc.headers.get_all("Set-Cookie") or [],
            )
        for line in set_cookies:
            jar = SimpleCookie()
            jar.load(line)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        return status, data

    async def get(self, path: str) -> tuple[int, bytes]:
        return await asyncio.to_thread(self._http, "GET", path)

    async def post_json(self, path: str, payload: dict) -> tuple[int, bytes]:
        return await asyncio.to_thread(self._http, "POST", path, json.dumps(payload).encode())

    # --- the websocket ----------------------------------------------------------------------

    async def open(self, path: str = "/", query_string: str = "") -> None:
        """Load the page as a browser does (the HTML, the health and host-config checks), open the
        websocket and ask for the first run; return when it has finished."""
        for part in (path, "/_stcore/health", "/_stcore/host-config"):
            status, _ = await self.get(part)
            if status != 200:
                raise ProtocolError(f"GET {part}: HTTP {status}")
        ws_url = "ws" + self.base[4:] + "/_stcore/stream"
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self._ws = await connect(
            ws_url,
            subprotocols=["streamlit"],  # type: ignore[list-item]
            origin=self.base,  # type: ignore[arg-type]
            additional_headers=headers,
            max_size=None,
            ping_interval=None,  # the server pings; the browser answers, as websockets does
            open_timeout=self.timeout,
        )
        self._reader = asyncio.create_task(self._read())
        self.query_string = query_string
        page_name = path.strip("/")
        async with self._finished:
            seen = self._finishes
        await self.rerun([], page_name=page_name)
        await self.wait(lambda _page: True, seen)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for data in self._ws:
                if isinstance(data, str):
                    raise ProtocolError("a text frame from the server")
                self.received += len(data)
                self.messages += 1
                await self._handle(ForwardMsg.FromString(data))
        except BaseException as exc:  # a closed socket: the waiters are told
            self.error = exc
            async with self._finished:
                self._finished.notify_all()
            raise
        else:
            self.error = ProtocolError("the server closed the websocket")
            async with self._finished:
                self._finished.notify_all()

    async def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            if not msg.metadata.run.fragment_ids:
                self._building = Page()
                self._dialogs = set()
            else:  # a fragment run redraws only its part: start from the page as it is
                self._building = Page(dict(self.page.elements))
            if msg.new_session.page_script_hash:
                self.page_script_hash = msg.new_session.page_script_hash
            if msg.new_session.HasField("initialize"):
                self.session_id = msg.new_session.initialize.session_id
        elif kind == "delta":
            path = tuple(msg.metadata.delta_path)
            delta = msg.delta
            which = delta.WhichOneof("type")
            in_dialog = any(path[: len(d)] == d for d in self._dialogs)
            if which == "new_element":
                element = delta.new_element
                etype = element.WhichOneof("type")
                if etype is not None:
                    self._building.elements[path] = Shown(
                        etype, getattr(element, etype), delta.fragment_id, in_dialog
                    )
            elif which == "add_block" and delta.add_block.WhichOneof("type") == "dialog":
                self._dialogs.add(path)
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "navigation":
            if msg.navigation.page_script_hash:
                self.page_script_hash = msg.navigation.page_script_hash
        elif kind == "script_finished":
            if msg.script_finished in (FINISHED, FRAGMENT_FINISHED):
                self.page = self._building
                self._building = Page(dict(self.page.elements))
            async with self._finished:
                self._finishes += 1
                self._finished.notify_all()

    # --- clicks -----------------------------------------------------------------------------

    async def rerun(
        self, widgets: list[WidgetState], fragment_id: str = "", page_name: str = ""
    ) -> None:
        """Send what the browser sends when a widget changes (or the page first loads)."""
        assert self._ws is not None
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query_string
        state.page_script_hash = self.page_script_hash
        state.page_name = page_name
        state.fragment_id = fragment_id
        state.widget_states.widgets.extend(widgets)
        info = state.context_info
        info.timezone = "UTC"
        info.timezone_offset = 0
        info.locale = "en-GB"
        info.url = f"{self.base}/{page_name}" + (
            f"?{self.query_string}" if self.query_string else ""
        )
        info.color_scheme = "light"
        await self._ws.send(msg.SerializeToString())

    async def act(
        self,
        widgets: list[WidgetState],
        done: Callable[[Page], bool],
        fragment_id: str = "",
    ) -> float:
        """Send a click and wait until a finished run shows its result (``done`` of the page);
        return the seconds from the send to the end of that run."""
        async with self._finished:
            seen = self._finishes
        started = time.perf_counter()
        await self.rerun(widgets, fragment_id)
        await self.wait(done, seen)
        return time.perf_counter() - started

    async def wait(self, done: Callable[[Page], bool], after: int = -1) -> None:
        """Until a run finished after the ``after``-th shows what ``done`` looks for."""
        deadline = time.monotonic() + self.timeout
        async with self._finished:
            while True:
                if self._finishes > after and done(self.page):
                    return
                if self.error is not None:
                    raise ProtocolError(f"connection lost: {self.error!r}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ProtocolError(
                        f"no run showed the result in {self.timeout:.0f} s "
                        f"(query {self.query_string!r}; page shows "
                        f"{[t[:60] for t in self.page.texts() if t][:8]})"
                    )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._finished.wait(), left)


# --- widget values, as the frontend sends them ---------------------------------------------


def trigger(shown: Shown) -> WidgetState:
    """A button's click."""
    return WidgetState(id=shown.widget_id, trigger_value=True)


def string(shown: Shown, value: str) -> WidgetState:
    """A text box's text, a radio's or select box's chosen option (its text as shown)."""
    return WidgetState(id=shown.widget_id, string_value=value)


def boolean(shown: Shown, value: bool) -> WidgetState:
    """A checkbox or toggle."""
    return WidgetState(id=shown.widget_id, bool_value=value)
