"""`ggzy bench hall`: fan-out of the live opening hall to many WebSocket watchers.

A fresh node gets a construction project opened for remote decryption with a few sealed bids
(set up on a test clock three weeks back); the node is then served in a subprocess whose clock
runs on from the opening, so the hall is live. W watchers, split over client processes,
connect to /ws/projects/{code}/hall as the public. The driver then raises and answers
on-the-spot objections through the HTTP API, one event a second; each changes what every
watcher sees. The delay of an event is from the moment the driver sends its request (so the
action itself is included) to the moment a watcher receives a state that contains it.

The peer, in the same run: a bare `websockets` server broadcasting a message of the same size
to the same number of watchers (no database, no platform), timed from the start of each
broadcast. The ratio shows what the platform adds to the transport.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

PASSWORD = "bench-hall-9"
BIDS = 5


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RunningClock:
    """The system clock shifted by a fixed offset: time runs on from a chosen moment."""

    def __init__(self, offset_seconds: float) -> None:
        self.offset = timedelta(seconds=offset_seconds)

    def now(self) -> datetime:
        """Now, shifted."""
        return datetime.now(UTC) + self.offset


def _seed(folder: Path) -> dict[str, Any]:
    """A project in remote decryption with BIDS bids; what the driver needs to act on it."""
    from ggzy.bidding.tool import prepare_sealed_bid
    from ggzy.bootstrap import create_platform
    from ggzy.config import load_settings
    from ggzy.core.clock import MovableClock
    from ggzy.core.codes import make_credit_code
    from ggzy.core.documents import register_document
    from ggzy.ledger.signing import NodeKey
    from ggzy.migrate import upgrade
    from ggzy.pki import bindings, trust
    from ggzy.pki.testca import TestCA
    from ggzy.procedures.engine import perform
    from ggzy.procedures.scheduler import SYSTEM
    from ggzy.registry import handlers as registry

    settings = load_settings(
        database_url=f"sqlite:///{folder / 'ggzy.db'}", data_dir=folder, node_id="bench-hall"
    )
    upgrade(settings.database_url)
    start = (datetime.now(UTC) - timedelta(days=24)).replace(  # 09:00 Beijing, weeks back
        hour=1, minute=0, second=0, microsecond=0
    )
    clock = MovableClock(start)
    platform = create_platform(settings, clock, NodeKey.load_or_create(settings.node_key_path))

    def act(account: Any, code: str | None, action: str, data: dict[str, Any]) -> Any:
        with platform.command(account.actor, "420100") as uow:
            method = "construction.open_tendering" if code is None else None
            return perform(uow, account, code, action, data, method=method)

    ca = TestCA.create("基准测试CA", "ecdsa", now=start)
    with platform.command("system") as uow:
        registry.register_center(uow, "420100", "武汉市公共资源交易中心", "武汉")
        trust.add_ca(uow, ca.cert.der, ca.name, "root")
        accounts = []
        for i in range(BIDS + 1):
            code = make_credit_code("9", "1", "420100", f"MH{i:06d}")
            registry.register_entity(
                uow,
                credit_code=code,
                name=f"直播测试单位{i:02d}有限公司",
                kinds=["tenderee"] if i == 0 else ["bidder"],
                legal_representative="测试",
                contacts=[{"name": "测试", "phone": "027-00000000"}],
                qualifications=[],
            )
            accounts.append(
                registry.create_account(
                    uow,
                    username=f"hall{i:02d}",
                    display_name=f"直播测试单位{i:02d}有限公司",
                    password=PASSWORD,
                    roles=["entity_admin"],
                    entity=code,
                )
            )
    tenderee, bidders = accounts[0], accounts[1:]
    doc, size = platform.documents.write([b"%PDF-1.4 tender document"])
    with platform.engine.begin() as conn:
        register_document(conn, doc, size, "招标文件.pdf", "application/pdf", start)
    project = act(
        tenderee,
        None,
        "register_project",
        {"center": "420100", "title": "直播开标基准测试工程", "estimated_price": "90000000.00"},
    )["code"]
    act(
        tenderee,
        project,
        "publish_announcement",
        {
            "tender_document": doc,
            "doc_sale_start": start.isoformat(),
            "doc_sale_end": (start + timedelta(days=7)).isoformat(),
            "bid_deadline": (start + timedelta(days=21, hours=1)).isoformat(),
            "announcement": "基准测试",
        },
    )
    for i, b in enumerate(bidders):
        issued = {u: ca.issue(b.display_name, b.entity, usage=u) for u in ("sign", "encrypt")}
        with platform.command(b.actor) as uow:
            for usage, cert in issued.items():
                bindings.bind_certificate(uow, b, cert.pem, usage)
        act(b, project, "obtain_documents", {})
        sealed = prepare_sealed_bid(
            project=project,
            bidder=b.entity or "",
            bidder_name=b.display_name,
            price=80_000_000 + i * 100,
            duration_days=540,
            quality="合格",
            sign_key=issued["sign"].key,
            sign_cert=issued["sign"].der,
            encrypt_cert=issued["encrypt"].der,
            now=clock.now(),
        )
        sha, length = platform.documents.write([sealed.envelope])
        with platform.engine.begin() as conn:
            register_document(conn, sha, length, "bid.ggzyenv", "application/octet-stream", start)
        act(b, project, "submit_bid", {"sealed_file": sha, "signature": sealed.signature})
    opened_at = start + timedelta(days=21, hours=1, minutes=1)
    clock.set(opened_at)
    act(SYSTEM, project, "open_bids", {})
    platform.engine.dispose()
    return {
        "project": project,
        "offset": (opened_at - datetime.now(UTC)).total_seconds(),
        "tenderee": tenderee.username,
        "bidders": [b.username for b in bidders],
        "env": {
            **os.environ,
            "GGZY_DATABASE_URL": settings.database_url,
            "GGZY_DATA_DIR": str(folder),
            "GGZY_NODE_ID": "bench-hall",
        },
    }


def serve(port: int, offset: float) -> None:
    """The served node (run in a subprocess): its clock runs on from the opening."""
    import uvicorn

    from ggzy.bootstrap import create_platform
    from ggzy.config import load_settings
    from ggzy.ledger.signing import NodeKey
    from ggzy.web.app import create_app

    settings = load_settings()
    platform = create_platform(
        settings, RunningClock(offset), NodeKey.load_or_create(settings.node_key_path)
    )
    app: Any = create_app(platform)
    profile = os.environ.get("GGZY_BENCH_PROFILE")  # path: the server's cProfile
    if profile:
        import cProfile

        prof = cProfile.Profile()
        inner = app
        timer: list[Any] = []

        def dump() -> None:
            prof.disable()
            prof.dump_stats(profile)

        async def app(scope: Any, receive: Any, send: Any) -> None:
            if not timer:  # the first request starts the clock
                timer.append(
                    asyncio.get_running_loop().call_later(
                        float(os.environ.get("GGZY_BENCH_PROFILE_SECONDS", "40")), dump
                    )
                )
            await inner(scope, receive, send)

        prof.enable()
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        ws_per_message_deflate=False,  # as `ggzy serve` runs it (decision 0005)
    )


def serve_bare(port: int, size: int) -> None:
    """The peer (run in a subprocess): a bare websockets server broadcasting every second."""
    from websockets.asyncio.server import broadcast
    from websockets.asyncio.server import serve as ws_serve

    clients: set[Any] = set()

    async def handler(ws: Any) -> None:
        clients.add(ws)
        try:
            await ws.wait_closed()
        finally:
            clients.discard(ws)

    async def main() -> None:
        async with ws_serve(handler, "127.0.0.1", port, max_queue=None, compression=None):
            i = 0
            while True:
                await asyncio.sleep(1.0)
                i += 1
                head = json.dumps({"i": i, "t0": time.time()})
                broadcast(clients, head + " " * max(0, size - len(head)))

    asyncio.run(main())


class _Watcher(asyncio.Protocol):
    """One watcher on a bare socket: the upgrade by hand, then unmasked server frames parsed
    just enough to time each message (the instrument must cost little beside the server)."""

    def __init__(self, request: bytes, receipts: list[tuple[float, int, float]]) -> None:
        self.request = request
        self.receipts = receipts
        self.buffer = bytearray()
        self.upgraded = asyncio.get_running_loop().create_future()
        self.parts: list[bytes] = []

    def connection_made(self, transport: Any) -> None:
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.time()
        self.buffer += data
        if not self.upgraded.done():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            ok = self.buffer.startswith(b"HTTP/1.1 101")
            del self.buffer[: end + 4]
            if not ok:
                self.upgraded.set_exception(RuntimeError("the upgrade was refused"))
                return
            self.upgraded.set_result(None)
        buf = self.buffer
        while len(buf) >= 2:
            fin, length, head = buf[0] & 0x80, buf[1] & 0x7F, 2
            if length == 126:
                if len(buf) < 4:
                    return
                length, head = int.from_bytes(buf[2:4], "big"), 4
            elif length == 127:
                if len(buf) < 10:
                    return
                length, head = int.from_bytes(buf[2:10], "big"), 10
            if len(buf) < head + length:
                return
            opcode = buf[0] & 0x0F
            payload = bytes(buf[head : head + length])
            del buf[: head + length]
            if opcode in (0, 1, 2):
                self.parts.append(payload)
                if fin:
                    self.receipts.append((now, *_index(b"".join(self.parts))))
                    self.parts = []


def _index(message: bytes) -> tuple[int, float]:
    """A message's event index, and the bare server's send stamp (0 for the hall)."""
    if message.startswith(b'{"i":'):
        head = json.loads(message[: message.index(b"}") + 1])
        return int(head["i"]), float(head["t0"])
    return message.count(b'"raised_at"') + message.count(b'"answered_at":"'), 0.0


def watch(url: str, count: int, out: str) -> None:
    """A client process: `count` watchers; prints "ready", records until stdin closes.

    Each receipt is kept as (time received, event index, send time stamped by the bare server
    or 0): the hall's index is how many objections were raised plus answered in the state.
    """
    import base64
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    received: list[list[tuple[float, int, float]]] = [[] for _ in range(count)]

    async def one(n: int, gate: asyncio.Semaphore) -> Any:
        request = (
            f"GET {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        async with gate:
            loop = asyncio.get_running_loop()
            transport, protocol = await loop.create_connection(
                lambda: _Watcher(request, received[n]),
                parts.hostname or "127.0.0.1",
                parts.port or 80,
            )
            await asyncio.wait_for(protocol.upgraded, 120)
        return transport

    async def main() -> None:
        gate = asyncio.Semaphore(50)
        transports = await asyncio.gather(*(one(n, gate) for n in range(count)))
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        for t in transports:
            t.close()

    asyncio.run(main())
    Path(out).write_text(json.dumps(received))


def _wait_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start") from None
            time.sleep(0.1)


def _watchers(url: str, watchers: int, processes: int, folder: Path) -> list[Any]:
    per = [watchers // processes + (1 if i < watchers % processes else 0) for i in range(processes)]
    clients = []
    for i, n in enumerate(per):
        out = folder / f"watch-{i}-{abs(hash(url))}.json"
        proc = subprocess.Popen(
            [sys.executable, "-m", "ggzy.bidding.bench_hall", "watch", url, str(n), str(out)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        clients.append((proc, out))
    for proc, _ in clients:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if line.strip() != b"ready":
            raise RuntimeError("a watcher process did not connect its watchers")
    return clients


def _collect(clients: list[Any]) -> list[list[tuple[float, int, float]]]:
    """Every watcher's receipts, from every client process."""
    watchers: list[list[tuple[float, int, float]]] = []
    for proc, out in clients:
        proc.stdin.close()
        proc.wait(timeout=120)
        watchers.extend(json.loads(Path(out).read_text()))
    return watchers


def _summary(delays: list[float], missing: int) -> dict[str, Any]:
    delays.sort()
    if not delays:
        return {"samples": 0, "missing": missing}

    def pct(p: float) -> float:
        return round(delays[min(len(delays) - 1, int(p * len(delays)))] * 1000, 1)

    return {
        "samples": len(delays),
        "missing": missing,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "max_ms": round(delays[-1] * 1000, 1),
    }


def _hall_delays(watchers: list[list[Any]], sent: dict[int, float]) -> dict[str, Any]:
    """Per event and watcher: the first state containing the event, minus when it was sent."""
    delays: list[float] = []
    missing = 0
    for receipts in watchers:
        for index, t0 in sent.items():
            first = next((t for t, i, _ in receipts if i >= index), None)
            if first is None:
                missing += 1
            else:
                delays.append(first - t0)
    return _summary(delays, missing)


def _bare_delays(watchers: list[list[Any]], events: int) -> dict[str, Any]:
    """Per broadcast and watcher: received minus the server's stamp of the broadcast's start."""
    delays = [t - t0 for receipts in watchers for t, i, t0 in receipts if 1 <= i <= events]
    got = {(w, i) for w, receipts in enumerate(watchers) for _, i, _ in receipts}
    missing = sum(
        1 for w in range(len(watchers)) for i in range(1, events + 1) if (w, i) not in got
    )
    return _summary(delays, missing)


def _drive(base: str, seeded: dict[str, Any], events: int) -> tuple[dict[int, float], list[float]]:
    """Raise and answer objections, one event a second: when each request was sent, and how
    long each took to be answered (the action alone, before any fan-out)."""
    import httpx

    code = seeded["project"]
    sent: dict[int, float] = {}
    answered: list[float] = []
    with httpx.Client(base_url=base, timeout=60) as client:

        def token(username: str) -> dict[str, str]:
            r = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
            r.raise_for_status()
            return {"Authorization": f"Bearer {r.json()['token']}"}

        tenderee = token(seeded["tenderee"])
        bidders = [token(b) for b in seeded["bidders"]]
        raised = 0
        for n in range(1, events + 1):
            time.sleep(1.0)
            if n % 2:
                body = {"subject": "opening", "text": f"第 {n} 号现场异议：请核对唱标"}
                sent[n] = time.time()
                r = client.post(
                    f"/api/v1/projects/{code}/actions/raise_objection",
                    json=body,
                    headers=bidders[raised % len(bidders)],
                )
                raised += 1
            else:
                sent[n] = time.time()
                r = client.post(
                    f"/api/v1/projects/{code}/actions/answer_objection",
                    json={"objection": raised, "answer": "已当场核对，唱标无误"},
                    headers=tenderee,
                )
            r.raise_for_status()
            answered.append(time.time() - sent[n])
        time.sleep(2.0)
    return sent, answered


def _hall_message_size(base: str, code: str) -> int:
    import httpx

    r = httpx.get(f"{base}/api/v1/projects/{code}/hall", timeout=30)
    r.raise_for_status()
    return len(r.content)


def _peak_kib(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def run(watchers: int, events: int, processes: int) -> dict[str, Any]:
    """The benchmark; returns the JSON report."""
    folder = Path(tempfile.mkdtemp(prefix="ggzy-bench-hall-"))
    try:
        seeded = _seed(folder)
        port = _free_port()
        offset = seeded["offset"]
        server = subprocess.Popen(
            [sys.executable, "-m", "ggzy.bidding.bench_hall", "serve", str(port), str(offset)],
            env=seeded["env"],
        )
        try:
            _wait_port(port, server)
            base = f"http://127.0.0.1:{port}"
            size = _hall_message_size(base, seeded["project"]) + 2 * events * 60
            started = time.perf_counter()
            clients = _watchers(
                f"ws://127.0.0.1:{port}/ws/projects/{seeded['project']}/hall",
                watchers,
                processes,
                folder,
            )
            connect_seconds = time.perf_counter() - started
            sent, answered = _drive(base, seeded, events)
            ours = _hall_delays(_collect(clients), sent)
            peak = _peak_kib(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
        bare = _bare(watchers, events, processes, folder, size)
        return {
            "watchers": watchers,
            "events": events,
            "client_processes": processes,
            "connect_seconds": round(connect_seconds, 1),
            "message_bytes_about": size,
            **{f"hall_{k}": v for k, v in ours.items()},
            "action_p50_ms": round(sorted(answered)[len(answered) // 2] * 1000, 1),
            "goal_p99_ms": 200,
            "server_peak_rss_mb": round(peak / 1024, 1) if peak else None,
            **{f"bare_{k}": v for k, v in bare.items()},
            "ratio_p99_to_bare": (
                round(ours["p99_ms"] / bare["p99_ms"], 2)
                if ours.get("p99_ms") and bare.get("p99_ms")
                else None
            ),
            "note": "hall: from the driver sending the action's HTTP request to each watcher "
            "receiving a state containing its result (the action, its commit and ledger "
            "signature, the fold, the fan-out); bare: a websockets broadcast of a message of "
            "the same size, from the start of the broadcast",
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _bare(watchers: int, events: int, processes: int, folder: Path, size: int) -> dict[str, Any]:
    """The peer: the same watchers on a bare websockets broadcast of the same size."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "ggzy.bidding.bench_hall", "bare", str(port), str(size)]
    )
    try:
        _wait_port(port, server)
        clients = _watchers(f"ws://127.0.0.1:{port}/", watchers, processes, folder)
        first = time.time()
        time.sleep(events + 3)
        received = _collect(clients)
    finally:
        server.terminate()
        server.wait(timeout=30)
    # broadcasts are numbered from the server's start: renumber from the first one all saw
    start = min((i for receipts in received for t, i, _ in receipts if t >= first), default=1)
    shifted = [[(t, i - start + 1, t0) for t, i, t0 in receipts] for receipts in received]
    return _bare_delays(shifted, events)


def main(argv: list[str]) -> None:
    """Subprocess entry: serve | bare | watch."""
    if argv[0] == "serve":
        serve(int(argv[1]), float(argv[2]))
    elif argv[0] == "bare":
        serve_bare(int(argv[1]), int(argv[2]))
    elif argv[0] == "watch":
        watch(argv[1], int(argv[2]), argv[3])


if __name__ == "__main__":
    main(sys.argv[1:])
