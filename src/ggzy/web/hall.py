"""The live opening hall over WebSockets (网上直播开标): one hub per app, fed by the events.

A watcher connects to /ws/projects/{code}/hall and is sent the hall as its account may see it
(ggzy.bidding.hall), then again whenever the project's events change it. The hub learns of new
events two ways: a commit in this process wakes it at once (Platform.on_commit), and it polls
the event table every `poll_seconds` for events other processes appended (the scheduler, other
workers). Every message is the whole state, so a restart, a reconnect or a skipped message
loses nothing; a slow watcher never holds up the others: its mailbox keeps only the newest
state, so it skips states it had no time to read instead of falling behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Coroutine
from typing import Any
from urllib.parse import urlsplit

import anyio
from fastapi import APIRouter, Request, WebSocket, WebSocketDisconnect
from sqlalchemy import func, select

from ggzy.bidding.hall import encode, hall_view, load_hall, stamp
from ggzy.bootstrap import Platform
from ggzy.core.errors import DomainError
from ggzy.core.events import RecordedEvent
from ggzy.core.tables import events
from ggzy.procedures.engine import get_project
from ggzy.procedures.views import is_official
from ggzy.registry.handlers import Account, account_for_token
from ggzy.web.auth import SESSION_COOKIE, optional_account, platform_of

router = APIRouter()
log = logging.getLogger("ggzy.hall")


def eager(coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any] | None:
    """Run a coroutine now, up to its first suspension; if it suspends, a task finishes it.

    A WebSocket send with room in the socket's buffer completes without suspending, so a
    fan-out to thousands costs no task switch per watcher (Python 3.12's eager tasks, by hand).
    Exceptions of the synchronous part propagate to the caller."""
    try:
        waiting = coro.send(None)
    except StopIteration:
        return None
    return asyncio.ensure_future(_finish(coro, waiting))


async def _finish(coro: Coroutine[Any, Any, Any], waiting: Any) -> Any:
    """Drive a coroutine that `eager` started, from the future it is waiting on."""
    while True:
        try:
            if waiting is None:  # a bare yield (asyncio.sleep(0))
                await asyncio.sleep(0)
            else:
                await waiting
        except BaseException as exc:  # hand the failure (or cancellation) to the coroutine
            try:
                waiting = coro.throw(exc)
            except StopIteration as done:
                return done.value
            continue
        try:
            waiting = coro.send(None)
        except StopIteration as done:
            return done.value


class Watcher:
    """One connected client: who it is, and a one-message mailbox holding the newest state.

    A state is sent at once when no send is in flight; otherwise it waits in the mailbox,
    replacing an older one, and goes when the send in flight completes."""

    def __init__(self, websocket: WebSocket, official: bool, entity: str | None) -> None:
        self.websocket = websocket
        self.official = official
        self.entity = entity
        self.audience = ("official" if official else "public") + (f":{entity}" if entity else "")
        self.closed = False
        self._latest: tuple[int, str] | None = None
        self._sent = -1
        self._sending = False
        self._body = ""  # the last state offered: an unchanged view is not sent again, so a
        # confidential event (a bid arriving) shows the public nothing

    def offer(self, version: int, body: str, message: str) -> None:
        """Send a state (or keep it for later) unless it is unchanged or older than one sent."""
        if body == self._body or version < self._sent:
            return
        if self._latest and version < self._latest[0]:
            return
        self._body = body
        self._latest = (version, message)
        if not self._sending:
            self._flush()

    def _flush(self) -> None:
        while self._latest is not None and not self.closed:
            (version, message), self._latest = self._latest, None
            if version < self._sent:
                continue
            self._sent = version
            try:
                rest = eager(self.websocket.send_text(message))
            except Exception:  # the client has gone; its receive loop will notice
                self.closed = True
                return
            if rest is not None:  # the socket's buffer is full: finish, then send the newest
                self._sending = True
                rest.add_done_callback(self._sent_later)
                return

    def _sent_later(self, task: asyncio.Task[Any]) -> None:
        self._sending = False
        if task.cancelled() or task.exception() is not None:
            self.closed = True
            return
        self._flush()


class HallHub:
    """Every watcher of every hall served by this process, and the loop that feeds them."""

    def __init__(self, platform: Platform, poll_seconds: float = 1.0) -> None:
        self.platform = platform
        self.poll_seconds = poll_seconds
        self.watchers: dict[str, set[Watcher]] = defaultdict(set)
        self._cache: dict[str, dict[str, Any]] = {}
        self._seen = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Begin following the events (idempotent; the first watcher starts it too)."""
        if self._task is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._seen = await anyio.to_thread.run_sync(self._last_seq)
        self.platform.on_commit.append(self._committed)
        self._task = asyncio.create_task(self._follow())

    async def stop(self) -> None:
        """Stop following (on shutdown)."""
        if self._task is None:
            return
        with contextlib.suppress(ValueError):
            self.platform.on_commit.remove(self._committed)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    def _committed(self, emitted: list[RecordedEvent]) -> None:
        """A commit in this process (any thread): wake the follower now."""
        if self._loop is None or self._wake is None:
            return
        if any(ev.subject_type == "project" for ev in emitted):
            with contextlib.suppress(RuntimeError):  # the loop has closed
                self._loop.call_soon_threadsafe(self._wake.set)

    def _last_seq(self) -> int:
        with self.platform.read() as conn:
            return int(conn.execute(select(func.coalesce(func.max(events.c.seq), 0))).scalar_one())

    def _changed_since(self, since: int, codes: set[str]) -> tuple[set[str], int]:
        """The watched projects with events after `since`, and the newest sequence number."""
        with self.platform.read() as conn:
            rows = conn.execute(
                select(events.c.seq, events.c.subject_id).where(
                    events.c.seq > since, events.c.subject_type == "project"
                )
            ).all()
        newest = max((r.seq for r in rows), default=since)
        return {r.subject_id for r in rows if r.subject_id in codes}, newest

    async def _follow(self) -> None:
        assert self._wake is not None
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            self._wake.clear()
            try:
                if not self.watchers:  # nobody to tell: only remember how far the log is
                    self._seen = await anyio.to_thread.run_sync(self._last_seq)
                    continue
                changed, self._seen = await anyio.to_thread.run_sync(
                    self._changed_since, self._seen, set(self.watchers)
                )
                for code in changed:
                    self._cache.pop(code, None)
                    await self.publish(code)
            except Exception:  # a failed round is logged and retried on the next one
                log.exception("hall round failed")

    async def _hall(self, code: str) -> dict[str, Any]:
        hall = self._cache.get(code)
        if hall is None:
            hall = await anyio.to_thread.run_sync(self._load, code)
            if code in self.watchers:
                self._cache[code] = hall
        return hall

    def _load(self, code: str) -> dict[str, Any]:
        with self.platform.read() as conn:
            return load_hall(conn, code)

    async def publish(self, code: str) -> None:
        """Send the project's hall to each of its watchers, encoded once per audience."""
        watchers = list(self.watchers.get(code, ()))
        if not watchers:
            return
        hall = await self._hall(code)
        now = self.platform.clock.now()
        encoded: dict[str, tuple[str, str]] = {}
        for w in watchers:
            pair = encoded.get(w.audience)
            if pair is None:
                body = encode(hall_view(hall, official=w.official, entity=w.entity))
                pair = encoded[w.audience] = (body, stamp(body, now))
            w.offer(hall["version"], *pair)

    async def watch(self, websocket: WebSocket, code: str, account: Account | None) -> None:
        """Serve one watcher until it disconnects."""
        await self.start()
        official = await anyio.to_thread.run_sync(self._official, code, account)
        watcher = Watcher(websocket, official, account.entity if account else None)
        self.watchers[code].add(watcher)  # first: an event from now on reaches it
        try:
            hall = await self._hall(code)
            body = encode(hall_view(hall, official=watcher.official, entity=watcher.entity))
            watcher.offer(hall["version"], body, stamp(body, self.platform.clock.now()))
            while True:  # the client sends nothing that matters; this notices it leave
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
        except WebSocketDisconnect:
            pass
        finally:
            watcher.closed = True
            self.watchers[code].discard(watcher)
            if not self.watchers[code]:
                del self.watchers[code]
                self._cache.pop(code, None)

    def _official(self, code: str, account: Account | None) -> bool:
        with self.platform.read() as conn:
            return is_official(account, get_project(conn, code), conn)


def hub_of(app: Any) -> HallHub:
    """The app's hub, made on first use."""
    hub: HallHub | None = getattr(app.state, "hall_hub", None)
    if hub is None:
        hub = app.state.hall_hub = HallHub(app.state.platform)
    return hub


def _ws_account(websocket: WebSocket, platform: Platform) -> Account | None:
    """The account behind a WebSocket: bearer header or session cookie; a cross-site page's
    connection (its Origin is another host) is served as the public."""
    origin = websocket.headers.get("origin")
    if origin and urlsplit(origin).netloc != websocket.headers.get("host"):
        return None
    header = websocket.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else None
    token = token or websocket.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    with platform.read() as conn:
        return account_for_token(conn, token, platform.clock.now())


@router.websocket("/ws/projects/{code}/hall")
async def hall_socket(websocket: WebSocket, code: str) -> None:
    """开标大厅直播: the hall's state now, then after every change, until the client leaves."""
    platform: Platform = websocket.app.state.platform
    try:
        account = await anyio.to_thread.run_sync(_ws_account, websocket, platform)
        with platform.read() as conn:
            code = get_project(conn, code)["code"]
    except DomainError as exc:
        await websocket.close(code=4404 if exc.status == 404 else 4400, reason=exc.code)
        return
    await websocket.accept()
    await hub_of(websocket.app).watch(websocket, code, account)


@router.get(
    "/api/v1/projects/{code}/hall",
    tags=["projects"],
    summary="开标大厅当前状态 / the opening hall now",
)
def hall_now(code: str, request: Request) -> dict[str, Any]:
    """The opening hall as the caller may see it (the same state the WebSocket sends)."""
    platform = platform_of(request)
    account = optional_account(request)
    with platform.read() as conn:
        project = get_project(conn, code)
        hall = load_hall(conn, project["code"])
        official = is_official(account, project, conn)
    return hall_view(hall, official=official, entity=account.entity if account else None)
