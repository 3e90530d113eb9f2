"""Exam pace: N trainees take the certification exam at a person's pace, over Streamlit's protocol.

Each simulated trainee is a client of Streamlit's own websocket protocol (``stproto.py``), not a
browser, so hundreds fit on the machine beside the server. Each one loads the page, signs in on the
sign-in page (and fetches its session cookie from ``/auth/session``, as the page's script does),
then waits. At one moment all of them click Start and confirm (the exam is timed, so a start asks
first): the time from that moment until the last of them sees question 1 is the synchronized
start. Then each answers the 30 questions, thinking a time drawn uniformly from 10 to 40 s before
each answer (the first option; the first box of a multiple-answer question; the n-th option for
the n-th row of a matching question, so none is given twice), clicks Next after each, and submits.

Click-to-result: from sending the click's message until the end of the script run that shows its
result (the answered count, the next question, the dialog, the results page): what the browser
load test (``load_trainees.py``) times from the pointerdown to the end of that run, without the
browser's own drawing. Answers lost: each trainee's clicks compared with what the database holds.
Server CPU and memory: the server's process tree, read from /proc (CPU seconds used during the
exam, over its wall time; resident memory added per trainee). The load generator's own CPU is
reported too: it shares the machine.

For N = 50, 100, 200, 300, 400, ... it stops after the first N whose p95 passes 1 s (or that loses
an answer or fails a trainee). By default it starts its own ``resurface serve`` on a temporary
SQLite database; ``--url`` with ``--database-url`` points it at a running server (several servers
behind nginx, say) and ``--server-pid`` names the processes to measure.

    python -m benchmarks --only exam_pace [--quick]
    python benchmarks/exam_pace.py --steps 50 100 --think 10 40
    python benchmarks/exam_pace.py --url http://127.0.0.1:8080 --database-url URL --server-pid 123
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from load_trainees import Trainee, lost_answers
from measure import PW, Row, Run, children_cpu, machine_busy, markdown, seconds, timing, tree_usage
from stproto import Client, Page, ProtocolError, Shown, boolean, string, trigger

from app import accounts, clock
from app.store import open_store
from app.store import users as user_store
from app.store.db import writing

ROOT = Path(__file__).resolve().parent.parent
STEPS = (50, 100, 200, 300, 400, 500, 600, 800, 1000)
QUICK_STEPS = (3,)
THINK = (10.0, 40.0)
QUICK_THINK = (0.2, 0.6)
LIMIT = 1.0  # seconds: the p95 click-to-result the issue asks about
EXAM = "certification-exam"
QUICK_QUIZ = "quick-check"  # untimed, 10 questions: no confirmation, shorter
QUICK_ANSWER = 3  # questions the quick mode answers before it submits
SIGN_IN_AT_ONCE = 8  # sign-ins in flight together (each is an argon2 check on the server)


@dataclass
class Taker:
    """One simulated trainee: what it clicked and how long each click took."""

    trainee: Trainee
    client: Client | None = None
    clicks: list[float] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # what each click was
    start: float | None = None  # seconds from the common start until question 1 was shown
    start_clicks: list[float] = field(default_factory=list)
    done: bool = False
    error: str | None = None


# --- one trainee ------------------------------------------------------------------------------


def _query(client: Client) -> dict[str, str]:
    return dict(p.split("=", 1) for p in client.query_string.split("&") if "=" in p)


def _answered(page: Page, count: int, total: int) -> bool:
    return page.has_text(f"{count} of {total} answered")


def _on_question(client: Client, attempt: int, position: int) -> bool:
    """Question ``position`` (from 0) is in the URL and its answer widgets on the page."""
    if _query(client).get("q") != str(position + 1):
        return False
    page = client.page
    return bool(
        page.widgets(f"quiz.answer.{attempt}.{position}")
        or page.widgets(f"quiz.match.{attempt}.{position}.")
    )


class Script:
    """What one trainee does, click by click."""

    def __init__(self, taker: Taker, url: str, timeout: float, rng: random.Random) -> None:
        self.taker = taker
        self.url = url
        self.timeout = timeout
        self.rng = rng

    @property
    def client(self) -> Client:
        assert self.taker.client is not None
        return self.taker.client

    async def timed(self, kind: str, widgets, done, fragment_id: str = "") -> float:
        took = await self.client.act(widgets, done, fragment_id)
        self.taker.clicks.append(took)
        self.taker.kinds.append(kind)
        return took

    def need(self, key: str) -> Shown:
        found = self.client.page.widget(key)
        if found is None:
            shown = [t[:50] for t in self.client.page.texts() if t][:10]
            where = self.client.query_string
            raise ProtocolError(f"no widget {key!r} on the page (query {where!r}; shows {shown})")
        return found

    async def sign_in(self) -> None:
        self.taker.client = Client(self.url, self.timeout)
        client = self.client
        await client.open()
        user = self.taker.trainee.user
        submit = client.page.find("button", lambda e: e.proto.is_form_submitter)
        if submit is None:
            raise ProtocolError("no sign-in form")
        await client.act(
            [
                string(self.need("signin.username"), user.username),
                string(self.need("signin.password"), PW),
                trigger(submit),
            ],
            lambda page: page.has_text("Welcome"),
        )
        # The page hands the browser its session token once; the browser posts it for the cookie.
        script = client.page.find("html", lambda e: "/auth/session" in e.proto.body)
        if script is None:
            raise ProtocolError("signed in, but the page sent no session token")
        token = re.search(r'\{"token": "([^"]+)"\}', script.proto.body)
        if token is None:
            raise ProtocolError("no token in the page's script")
        status, body = await client.post_json("/auth/session", {"token": token.group(1)})
        if status != 200 or not client.cookies:
            raise ProtocolError(f"POST /auth/session: HTTP {status} {body[:200]!r}")

    async def start(self, quiz_id: str, go: float) -> tuple[int, int]:
        """Start (and confirm, for a timed exam); return (attempt id, questions)."""
        client = self.client
        took = await client.act(
            [trigger(self.need(f"home.start.{quiz_id}"))],
            lambda page: (
                page.widget(f"home.confirm.{quiz_id}") is not None
                or "attempt=" in client.query_string
            ),
        )
        self.taker.start_clicks.append(took)
        if "attempt=" not in client.query_string:
            took = await client.act(
                [trigger(self.need(f"home.confirm.{quiz_id}"))],
                lambda page: "attempt=" in client.query_string and _query(client).get("q") == "1",
            )
            self.taker.start_clicks.append(took)
        attempt = int(_query(client)["attempt"])
        await client.wait(lambda _page: _on_question(client, attempt, 0))
        self.taker.start = time.monotonic() - go
        self.taker.trainee.attempt_id = attempt
        progress = client.page.find("progress")
        total = int(progress.proto.text.rsplit(" ", 1)[1]) if progress else 0
        if not total:
            raise ProtocolError("question 1 shows no 'Question 1 of N'")
        return attempt, total

    async def take(self, quiz_id: str, go: float, think: tuple[float, float], answer: int) -> None:
        attempt, total = await self.start(quiz_id, go)
        answered = 0
        for position in range(total):
            if position < answer:
                await asyncio.sleep(self.rng.uniform(*think))
                answered += 1
                await self.answer(attempt, position, answered, total)
            if position < total - 1 and position < answer:
                await self.timed(
                    "next",
                    [trigger(self.need("quiz.next"))],
                    lambda _page, p=position + 1: _on_question(self.client, attempt, p),
                )
        await self.timed(
            "submit",
            [trigger(self.need("quiz.submit_last" if answer >= total else "quiz.submit"))],
            lambda page: page.widget("quiz.submit_now") is not None,
        )
        now = self.need("quiz.submit_now")
        await self.timed(
            "submit now",
            [trigger(now)],
            lambda page: (
                "attempt=" in self.client.query_string
                and page.widget("quiz.next") is None
                and page.widget("quiz.submit_now") is None
                and page.widget("quiz.submit_last") is None
            ),
            fragment_id=now.fragment_id,
        )
        self.taker.done = True

    async def answer(self, attempt: int, position: int, count: int, total: int) -> None:
        page = self.client.page
        picked = self.taker.trainee.picked
        shown = page.widget(f"quiz.answer.{attempt}.{position}")
        done = lambda page: _answered(page, count, total)  # noqa: E731
        if shown is not None and shown.kind == "radio":
            choice = shown.proto.options[0]
            picked[position] = choice
            await self.timed("answer", [string(shown, choice)], done)
            return
        boxes = page.widgets(f"quiz.answer.{attempt}.{position}.")
        if boxes:
            first = min(boxes, key=lambda e: int((e.key or "").rsplit(".", 1)[1]))
            picked[position] = [first.proto.label]
            await self.timed("answer", [boolean(first, True)], done)
            return
        rows = sorted(
            page.widgets(f"quiz.match.{attempt}.{position}."),
            key=lambda e: int((e.key or "").rsplit(".", 1)[1]),
        )
        if not rows:
            raise ProtocolError(f"question {position + 1}: no answer widgets")
        # The options on the right are listed once by letter ("- **A** text"); each row is a
        # radio of letters. Row i takes the i-th letter, so no option is given twice (refused).
        listed = {}
        for text in page.texts():
            for line in text.splitlines():
                found = re.fullmatch(r"- \*\*([A-Z])\*\* (.*)", line.strip())
                if found:
                    listed[found[1]] = found[2]
        pairs = {}
        for index, row in enumerate(rows):
            key = row.key or ""
            current = self.client.page.widget(key) or row
            letter = current.proto.options[index]
            last = index == len(rows) - 1
            await self.timed(
                "answer" if last else "match row",
                [string(current, letter)],
                done if last else (lambda _page: True),
            )
            pairs[current.proto.label] = listed.get(letter, letter)
        picked[position] = pairs


# --- the machine ------------------------------------------------------------------------------


def own_cpu() -> float:
    """CPU seconds this process (the load generator) has used."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- one step ---------------------------------------------------------------------------------


@dataclass
class Step:
    n: int
    think: tuple[float, float]
    clicks: list[float]
    start_clicks: list[float]
    starts: list[float]  # per trainee: common start until question 1
    completed: int
    lost: int
    errors: list[str]
    wall: float  # seconds from the common start to the last submit
    sign_in: float  # seconds to sign all N in
    server_cpu: float  # CPU seconds of the server during the exam
    generator_cpu: float
    rss_before: int  # server resident memory before the sign-ins
    rss_after: int  # ... with all N signed in and through their exams (peak seen)
    received: int  # bytes the clients received
    machine_cpu: float = float("nan")  # CPU seconds the whole machine was busy during the exam

    @property
    def failed(self) -> int:
        return len(self.errors)


def seed(engine, n: int, prefix: str) -> list[accounts.User]:
    """N trainee accounts in one transaction, the password hashed once (argon2 is slow on
    purpose: hashing it per account would take minutes for hundreds)."""
    hashed = accounts.hasher.hash(PW)
    now = clock.now()
    made = []
    with writing(engine) as conn:
        for i in range(n):
            name = f"{prefix}{i:04}"
            row = accounts.new_user(name, name, "trainee", "north", hashed, now, False)
            made.append(accounts.User(user_store.add(conn, **row), name, name, "trainee", "north",
                                      True, False))  # fmt: skip
    return made


async def step(
    url: str | list[str],
    engine,
    n: int,
    prefix: str,
    quiz_id: str,
    think: tuple[float, float],
    answer: int,
    server: list[int],
    timeout: float,
    seed_value: int,
) -> Step:
    users = seed(engine, n, prefix)
    takers = [Taker(Trainee(u)) for u in users]
    rng = random.Random(seed_value + n)
    urls = [url] if isinstance(url, str) else url  # several servers: trainees dealt round them
    scripts = [
        Script(t, urls[i % len(urls)], timeout, random.Random(rng.random()))
        for i, t in enumerate(takers)
    ]
    _cpu0, rss_before = tree_usage(server)
    peak = {"rss": rss_before}

    async def watch() -> None:
        while True:
            peak["rss"] = max(peak["rss"], tree_usage(server)[1])
            await asyncio.sleep(2)

    watcher = asyncio.create_task(watch())
    gate = asyncio.Semaphore(SIGN_IN_AT_ONCE)

    async def sign_in(script: Script) -> None:
        async with gate:
            try:
                await script.sign_in()
            except Exception as exc:
                script.taker.error = f"{script.taker.trainee.user.username}: sign-in: {exc}"[:400]

    began = time.monotonic()
    try:
        await asyncio.gather(*(sign_in(s) for s in scripts))
        signed = time.monotonic() - began
        print(f"exam_pace: N={n}: signed in in {signed:.0f} s", file=sys.stderr, flush=True)
        cpu0, _ = tree_usage(server)
        gen0, busy0 = own_cpu(), machine_busy()
        go = time.monotonic()

        async def run(script: Script) -> None:
            if script.taker.error:
                return
            try:
                await script.take(quiz_id, go, think, answer)
            except Exception as exc:  # a timeout or a missing widget: counted, not fatal
                name = script.taker.trainee.user.username
                script.taker.error = f"{name}: {type(exc).__name__}: {exc}"[:400]

        await asyncio.gather(*(run(s) for s in scripts))
        wall = time.monotonic() - go
        cpu1, rss_end = tree_usage(server)
        gen1, busy1 = own_cpu(), machine_busy()
    finally:
        watcher.cancel()
        await asyncio.gather(*(s.taker.client.close() for s in scripts if s.taker.client))
    lost, why = 0, []
    for t in takers:
        count, reasons = lost_answers(engine, t.trainee)
        lost += count
        why += reasons
    return Step(
        n=n,
        think=think,
        clicks=[c for t in takers for c in t.clicks],
        start_clicks=[c for t in takers for c in t.start_clicks],
        starts=[t.start for t in takers if t.start is not None],
        completed=sum(t.done for t in takers),
        lost=lost,
        errors=[t.error for t in takers if t.error] + why[:5],
        wall=wall,
        sign_in=signed,
        server_cpu=cpu1 - cpu0 if server else float("nan"),
        generator_cpu=gen1 - gen0,
        rss_before=rss_before,
        rss_after=max(peak["rss"], rss_end),
        received=sum(t.client.received for t in takers if t.client),
        machine_cpu=busy1 - busy0,
    )


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[int(q * (len(ordered) - 1))] if ordered else float("nan")


@contextlib.contextmanager
def own_server(
    database_url: str | None, log: Path, workers: int = 1
) -> Iterator[tuple[list[str], list[int], str]]:
    """``resurface serve [--workers N]`` on a temporary SQLite database (or ``database_url``), as
    the browser tests start it: yields (each server's URL, the pids to measure, the database
    URL)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from e2e_support import _stop_group, free_port, launch

    with tempfile.TemporaryDirectory() as tmp:
        db = database_url or f"sqlite:///{Path(tmp) / 'exam_pace.db'}"
        engine = open_store(db)
        if not accounts.list_users(engine, None):
            accounts.init_first_manager(engine, "boss", PW)
        engine.dispose()
        port = free_port()
        log.write_bytes(b"")
        server = launch({**os.environ, "RESURFACE_DATABASE_URL": db}, log, port, workers=workers)
        try:
            yield [f"http://127.0.0.1:{port + i}" for i in range(workers)], [server.pid], db
        finally:
            _stop_group(server)


def run_steps(
    quick: bool | str,
    steps: tuple[int, ...],
    think: tuple[float, float],
    url: str | None = None,
    database_url: str | None = None,
    server_pids: list[int] | None = None,
    timeout: float = 120.0,
    seed_value: int = 42,
    stop: bool = True,
    after_each: Callable[[list[Step]], object] | None = None,
) -> list[Step]:
    quiz_id = QUICK_QUIZ if quick else EXAM
    answer = QUICK_ANSWER if quick is True else 10_000  # "all": the quick check, every question
    found: list[Step] = []
    with contextlib.ExitStack() as stack:
        if url is None:
            log = Path(tempfile.mkdtemp(prefix="exam-pace-")) / "server.log"
            urls, server, database_url = stack.enter_context(own_server(database_url, log))
            url = urls[0]
        else:
            if not database_url:
                raise SystemExit("--url needs --database-url: the trainees are seeded there")
            server = list(server_pids or [])
        engine = open_store(database_url)
        stamp = datetime.now(UTC).strftime("%H%M%S")
        try:
            for n in steps:
                prefix = f"pace{stamp}n{n}x"
                where = (url, engine, n, prefix, quiz_id)
                found.append(asyncio.run(step(*where, think, answer, server, timeout, seed_value)))
                if after_each is not None:  # written as it goes: a long run may be cut short
                    after_each(found)
                s = found[-1]
                p95 = percentile(s.clicks, 0.95)
                print(
                    f"exam_pace: N={n}: {len(s.clicks)} clicks, p50 "
                    f"{seconds(percentile(s.clicks, 0.5))}, p95 {seconds(p95)}, "
                    f"{s.completed}/{n} completed, {s.lost} lost, {s.failed} errors, "
                    f"start {seconds(max(s.starts) if s.starts else float('nan'))}",
                    file=sys.stderr,
                    flush=True,
                )
                if stop and (p95 > LIMIT or s.completed < n or s.lost):
                    break
        finally:
            engine.dispose()
    return found


def describe(s: Step) -> dict:
    """One step as the JSON file and the notes have it."""
    cpus = os.cpu_count() or 1
    clicks = len(s.clicks) + len(s.start_clicks)
    return {
        "n": s.n,
        "think_s": list(s.think),
        "clicks": len(s.clicks),
        "p50_s": percentile(s.clicks, 0.5),
        "p95_s": percentile(s.clicks, 0.95),
        "p99_s": percentile(s.clicks, 0.99),
        "max_s": max(s.clicks) if s.clicks else None,
        "completed": s.completed,
        "answers_lost": s.lost,
        "errors": s.errors,
        "start_until_all_on_q1_s": max(s.starts) if s.starts else None,
        "start_median_s": percentile(s.starts, 0.5),
        "sign_in_all_s": s.sign_in,
        "exam_wall_s": s.wall,
        "server_cpu_s": s.server_cpu,
        "server_cpu_share_of_machine": s.server_cpu / (s.wall * cpus) if s.wall else None,
        "server_cpu_ms_per_click": 1000 * s.server_cpu / max(1, clicks),
        "server_rss_before_mb": s.rss_before / 2**20,
        "server_rss_peak_mb": s.rss_after / 2**20,
        "server_rss_per_trainee_mb": (s.rss_after - s.rss_before) / 2**20 / s.n,
        "generator_cpu_s": s.generator_cpu,
        "machine_busy_cpu_s": s.machine_cpu,
        "received_mb": s.received / 2**20,
        "clicks_per_trainee_per_minute": 60 * clicks / (s.n * s.wall) if s.wall else None,
        # One server process runs Python on one CPU at a time (the GIL): the trainees it holds
        # at this pace before that CPU is full, from the CPU each click cost.
        "one_process_saturates_at": (
            s.wall * s.n / s.server_cpu if s.server_cpu and s.server_cpu == s.server_cpu else None
        ),
    }


def measure(
    run: Run,
    steps: tuple[int, ...] | None = None,
    think: tuple[float, float] | None = None,
    **where,
) -> list[Row]:
    think = think or (QUICK_THINK if run.quick else THINK)
    out = ROOT / "results" / f"exam_pace-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    steps = steps or (QUICK_STEPS if run.quick else STEPS)
    kept = lambda found: save(found, run, out)  # noqa: E731
    found = run_steps(run.quick, steps, think, seed_value=run.seed, after_each=kept, **where)
    rows = []
    pace = f"think {think[0]:g}-{think[1]:g} s"
    for s in found:
        d = describe(s)
        if s.clicks:
            rows.append(
                timing(
                    f"exam pace: {s.n} trainees, click-to-result (protocol, {pace})",
                    f"N={s.n}: {len(s.clicks)} clicks; {s.completed}/{s.n} submitted; "
                    f"answers lost: {s.lost}; errors: {s.failed}",
                    s.clicks,
                    target="p95 < 1 s",
                )
            )
        if s.starts:
            rows.append(
                Row(
                    f"exam pace: synchronized start of {s.n}, until all see question 1",
                    f"N={s.n}: {len(s.starts)} started",
                    seconds(percentile(s.starts, 0.5)),
                    f"all {seconds(max(s.starts))}",
                    target="all < 10 s (N=100)",
                )
            )
        run.note(
            f"exam pace: N={s.n} ({pace}): p50 {seconds(d['p50_s'])}, p95 {seconds(d['p95_s'])}, "
            f"p99 {seconds(d['p99_s'])}; server CPU {s.server_cpu:.0f} s in {s.wall:.0f} s "
            f"({100 * (d['server_cpu_share_of_machine'] or 0):.0f}% of {os.cpu_count()} CPUs, "
            f"{d['server_cpu_ms_per_click']:.0f} ms per click); server RSS "
            f"{d['server_rss_before_mb']:.0f} -> {d['server_rss_peak_mb']:.0f} MB "
            f"({d['server_rss_per_trainee_mb']:.2f} MB per trainee); load generator CPU "
            f"{s.generator_cpu:.0f} s; all {s.n} signed in in {s.sign_in:.0f} s; "
            f"{d['clicks_per_trainee_per_minute'] or 0:.1f} clicks a trainee a minute, so one "
            f"server process (one CPU at a time) would be full at about "
            f"{d['one_process_saturates_at'] or 0:.0f} trainees at this pace"
            + (f"; errors: {'; '.join(s.errors[:3])}" if s.errors else "")
        )
    over = next((s.n for s in found if s.clicks and percentile(s.clicks, 0.95) > LIMIT), None)
    run.note(
        f"exam pace: p95 click-to-result first passed {seconds(LIMIT)} at N={over}"
        if over
        else f"exam pace: p95 stayed under {seconds(LIMIT)} up to N={found[-1].n if found else 0}"
    )
    save(found, run, out)
    run.note(f"exam pace: figures and every sample in {out.relative_to(ROOT)}")
    return rows


def save(found: list[Step], run: Run, out: Path) -> None:
    out.parent.mkdir(exist_ok=True)
    body = {
        "quick": run.quick,
        "cpus": os.cpu_count(),
        "load_average_at_end": os.getloadavg(),
        "steps": [describe(s) for s in found],
        "samples": [asdict(s) for s in found],
    }
    out.write_text(json.dumps(body, indent=1, default=str))


def compare_browser(n: int, run: Run) -> list[Row]:
    """The same clicks by N trainees, in Chromium (load_trainees.py) and over the protocol, one
    after the other on fresh servers: the 10-question quick check, answered in full, no think
    time (the browser test's own pace). The start clicks count in both."""
    import load_trainees

    browser = load_trainees.run_steps(True, (n,), run)
    [proto] = run_steps("all", (n,), (0.0, 0.0), seed_value=run.seed, stop=False)
    rows = []
    if browser and browser[0].clicks:
        rows.append(
            timing(
                f"click-to-render, {n} trainees in Chromium (load_trainees.py)",
                f"{len(browser[0].clicks)} clicks, quick check, no think time",
                browser[0].clicks,
            )
        )
        clicks = proto.start_clicks + proto.clicks
        rows.append(
            timing(
                f"click-to-result, {n} trainees over the protocol (exam_pace.py)",
                f"{len(clicks)} clicks, quick check, no think time",
                clicks,
                "the same clicks in Chromium",
                browser[0].clicks,
            )
        )
        run.note(
            f"browser vs protocol at N={n}: p95 {seconds(percentile(browser[0].clicks, 0.95))} "
            f"vs {seconds(percentile(clicks, 0.95))}; lost {browser[0].lost} vs {proto.lost}; "
            f"errors {browser[0].errors or 'none'} vs {proto.errors or 'none'}"
        )
    else:
        run.note(f"browser vs protocol: the browser run timed no click: {browser}")
    return rows


def compare_servers(
    n: int,
    run: Run,
    database_url: str | None = None,
    counts: tuple[int, ...] = (1, 2),
    timeout: float = 120.0,
) -> list[Row]:
    """What one server holds against two: N trainees take the 30-question exam with no think
    time (each clicks again as soon as it sees the result), so the servers are the bottleneck, on
    ``resurface serve --workers 1`` and then ``--workers 2`` (trainees dealt round the servers
    as nginx's hash would spread them). Held: clicks completed a second, over the exam.
    PostgreSQL (``database_url``) is what several servers are for; on SQLite their writes take
    turns. The load generator shares the machine's CPUs with the servers and the database."""
    found: dict[int, Step] = {}
    split: dict[int, list[float]] = {}  # each server's CPU seconds over the run
    stamp = datetime.now(UTC).strftime("%H%M%S")
    for workers in counts:
        log = Path(tempfile.mkdtemp(prefix="exam-pace-servers-")) / "server.log"
        with own_server(database_url, log, workers) as (urls, pids, db):
            engine = open_store(db)
            try:
                plan = (urls, engine, n, f"srv{stamp}w{workers}x", EXAM, (0.0, 0.0), 10_000)
                before = children_cpu(pids[0])
                found[workers] = asyncio.run(step(*plan, pids, timeout, run.seed))
                after = children_cpu(pids[0])
                split[workers] = [after[p] - before.get(p, 0.0) for p in sorted(after)]
            finally:
                engine.dispose()
        s = found[workers]
        print(f"exam_pace: {workers} server(s), N={n}: {held(s):.1f} clicks/s, "
              f"{s.completed}/{n} completed, {s.lost} lost, {s.failed} errors",
              file=sys.stderr, flush=True)  # fmt: skip
    rows = []
    one = found[counts[0]]
    where = "PostgreSQL" if database_url and database_url.startswith("postgres") else "SQLite"
    for workers, s in found.items():
        d = describe(s)
        rows.append(
            Row(
                f"{workers} server process{'es' if workers > 1 else ''} ({where}), no think "
                "time: clicks completed a second",
                f"N={n}, no think time: {len(s.clicks)} clicks; {s.completed}/{n} submitted; "
                f"answers lost: {s.lost}; errors: {s.failed}",
                f"{held(s):.1f}/s",
                f"p95 click {seconds(d['p95_s'])}",
                f"{counts[0]} server" if workers != counts[0] else "",
                f"{held(one):.1f}/s" if workers != counts[0] else "",
                f"{held(s) / held(one):.2f}x" if workers != counts[0] and held(one) else "",
                "about 2x with 2 servers" if workers == 2 else "",
            )
        )
        run.note(
            f"servers: {workers} ({where}), N={n}, no think: {held(s):.1f} clicks a "
            f"second, p50 {seconds(d['p50_s'])}, p95 {seconds(d['p95_s'])}; servers' CPU "
            f"{s.server_cpu:.0f} s in {s.wall:.0f} s: {cpus(s.server_cpu, s)} CPUs; load "
            f"generator {cpus(s.generator_cpu, s)}; the database and the rest "
            f"{cpus(max(0.0, s.machine_cpu - s.server_cpu - s.generator_cpu), s)}; the machine "
            "busy "
            f"{cpus(s.machine_cpu, s)} of {os.cpu_count()} CPUs; each server's CPU over the "
            f"run: {', '.join(f'{c:.1f} s' for c in split[workers])}"
            + (f"; errors: {'; '.join(s.errors[:3])}" if s.errors else "")
        )
    out = ROOT / "results" / f"exam_pace-servers-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(exist_ok=True)
    body = {"n": n, "database": where, "cpus": os.cpu_count(),
            "servers": {w: {**describe(s), "clicks_per_s": held(s)}
                        for w, s in found.items()}}  # fmt: skip
    out.write_text(json.dumps(body, indent=1, default=str))
    run.note(f"servers: figures in {out.relative_to(ROOT)}")
    return rows


def cpus(seconds_used: float, s: Step) -> str:
    """CPU seconds used over the exam, as CPUs kept busy."""
    return f"{seconds_used / s.wall:.2f}" if s.wall else "?"


def held(s: Step) -> float:
    """Clicks (answers, moves, submits) completed a second, common start to last submit."""
    return len(s.clicks) / s.wall if s.wall else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 trainees, 3 questions, short think")
    parser.add_argument("--steps", type=int, nargs="+", help=f"values of N (default {STEPS})")
    parser.add_argument("--think", type=float, nargs=2, metavar=("MIN", "MAX"),
                        help="think time per question, seconds (default 10 40)")  # fmt: skip
    parser.add_argument("--url", help="a running server (default: start one)")
    parser.add_argument("--database-url", help="its database (to seed trainees and check answers)")
    parser.add_argument("--server-pid", type=int, nargs="+", default=[],
                        help="processes whose tree is the server, for CPU and memory")  # fmt: skip
    parser.add_argument("--timeout", type=float, default=120.0, help="per click, seconds")
    parser.add_argument("--no-stop", action="store_true", help="run every N, even past 1 s")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--compare-browser", type=int, metavar="N",
                        help="only compare with the browser load test at N trainees")  # fmt: skip
    parser.add_argument("--compare-servers", type=int, metavar="N",
                        help="only compare 1 server with 2: N trainees, no think time")  # fmt: skip
    args = parser.parse_args()
    run = Run(quick=args.quick, seed=args.seed)
    if args.compare_servers:
        rows = compare_servers(args.compare_servers, run, args.database_url, timeout=args.timeout)
        print(markdown(rows))
        print("\n".join(f"- {note}" for note in run.notes))
        return 0
    if args.compare_browser:
        print(markdown(compare_browser(args.compare_browser, run)))
        print("\n".join(f"- {note}" for note in run.notes))
        return 0
    rows = measure(
        run,
        tuple(args.steps) if args.steps else None,
        tuple(args.think) if args.think else None,
        url=args.url,
        database_url=args.database_url,
        server_pids=args.server_pid,
        timeout=args.timeout,
        stop=not args.no_stop,
    )
    print(markdown(rows))
    print("\n".join(f"- {note}" for note in run.notes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
