"""`ggzy bench upload`: many concurrent resumable uploads against a real server on loopback.

A fresh node (temporary SQLite database and document store) is served by `ggzy serve` in a
subprocess, so its peak memory (VmHWM) is the server's alone. N clients each upload a file
of S MB in chunks through POST/PATCH /api/v1/uploads at once; every file is unique (its
first 16 bytes), and each completed upload's SHA-256 is checked against the client's. The
throughput is set against `dd` writing the same amount to the same disk, in the same run.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PASSWORD = "bench-upload-9"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _seed(folder: Path) -> dict[str, str]:
    """A node with one center and one bidder account; the environment that serves it."""
    from ggzy.bootstrap import create_platform
    from ggzy.config import load_settings
    from ggzy.core.codes import make_credit_code
    from ggzy.migrate import upgrade
    from ggzy.registry import handlers as registry

    env = {
        **os.environ,
        "GGZY_DATABASE_URL": f"sqlite:///{folder / 'ggzy.db'}",
        "GGZY_DATA_DIR": str(folder),
        "GGZY_NODE_ID": "bench-upload",
    }
    settings = load_settings(
        database_url=env["GGZY_DATABASE_URL"], data_dir=folder, node_id="bench-upload"
    )
    upgrade(settings.database_url)
    platform = create_platform(settings)
    with platform.command("system") as uow:
        registry.register_center(uow, "420100", "武汉市公共资源交易中心", "武汉")
        code = make_credit_code("9", "1", "420100", "MA0BENCH")
        registry.register_entity(
            uow,
            credit_code=code,
            name="基准测试建设有限公司",
            kinds=["bidder"],
            legal_representative="测试",
            contacts=[{"name": "测试", "phone": "027-00000000"}],
            qualifications=[],
        )
        registry.create_account(
            uow,
            username="bench",
            display_name="基准测试",
            password=PASSWORD,
            roles=["entity_admin"],
            entity=code,
        )
    platform.engine.dispose()
    return env


def _peak_kib(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _dd_mb_s(folder: Path, mb: int) -> dict[str, Any]:
    """`dd` writing mb MB of zeros to the folder's disk (page cache, like the server)."""
    target = folder / "dd.bin"
    started = time.perf_counter()
    run = subprocess.run(
        ["dd", "if=/dev/zero", f"of={target}", "bs=1M", f"count={mb}", "status=none"],
        capture_output=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    target.unlink(missing_ok=True)
    if run.returncode != 0:
        return {"error": run.stderr.decode(errors="replace").strip()}
    return {"mb_s": round(mb * 1.048576 / seconds, 1), "mb": mb}


async def _upload_all(
    base: str, uploads: int, size: int, chunk: int, concurrency: int
) -> dict[str, Any]:
    import httpx

    body = os.urandom(size)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=600, limits=limits) as client:
        r = await client.post(
            "/api/v1/auth/token", json={"username": "bench", "password": PASSWORD}
        )
        r.raise_for_status()
        auth = {"Authorization": f"Bearer {r.json()['token']}"}
        gate = asyncio.Semaphore(concurrency)
        results: list[dict[str, Any]] = []

        async def one(i: int) -> None:
            head = i.to_bytes(16, "big")
            expected = hashlib.sha256(head + body[16:]).hexdigest()
            async with gate:
                r = await client.post("/api/v1/uploads", json={"length": size}, headers=auth)
                r.raise_for_status()
                upload = r.json()["id"]
                offset = 0
                state: dict[str, Any] = {}
                while offset < size:
                    piece = body[offset : offset + chunk]
                    if offset == 0:
                        piece = head + piece[16:]
                    r = await client.patch(
                        f"/api/v1/uploads/{upload}",
                        content=piece,
                        headers={**auth, "Upload-Offset": str(offset)},
                    )
                    if r.status_code == 409:  # resume from the server's offset
                        offset = int(r.json()["offset"])
                        continue
                    r.raise_for_status()
                    state = r.json()
                    offset = int(state["offset"])
                results.append({"ok": state.get("sha256") == expected})

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(uploads)))
        seconds = time.perf_counter() - started
    return {
        "completed": sum(1 for r in results if r["ok"]),
        "lost_or_wrong": uploads - sum(1 for r in results if r["ok"]),
        "seconds": round(seconds, 2),
        "mb_s": round(uploads * size / 1e6 / seconds, 1),
    }


def run(uploads: int, size_mb: int, chunk_mb: int, concurrency: int) -> dict[str, Any]:
    """The benchmark; returns the JSON report."""
    folder = Path(tempfile.mkdtemp(prefix="ggzy-bench-upload-"))
    try:
        env = _seed(folder)
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "ggzy", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("the server did not start") from None
                    time.sleep(0.1)
            idle = _peak_kib(server.pid)
            size = size_mb * 1_000_000
            ours = asyncio.run(_upload_all(base, uploads, size, chunk_mb * 1_000_000, concurrency))
            peak = _peak_kib(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
        total_mb = uploads * size // 1_000_000
        dd = _dd_mb_s(folder, min(total_mb, 2048))
        return {
            "uploads": uploads,
            "size_mb": size_mb,
            "chunk_mb": chunk_mb,
            "concurrency": concurrency,
            **ours,
            "server_peak_rss_mb": round(peak / 1024, 1) if peak else None,
            "server_idle_rss_mb": round(idle / 1024, 1) if idle else None,
            "dd_mb_s": dd.get("mb_s"),
            "ratio_to_dd": round(ours["mb_s"] / dd["mb_s"], 3) if dd.get("mb_s") else None,
            "note": "each upload is hashed twice by design: by the client (to check) and by the "
            "server (to store); dd writes the same disk without hashing or HTTP",
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)
