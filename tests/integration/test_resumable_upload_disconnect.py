"""A connection that breaks mid-chunk (断点续传 from a browser): not a server error.

The browser's resumable upload (static/js/resumable.js) retries a chunk whose connection broke.
The server side of that break is an ASGI `http.disconnect` while the PATCH body streams in:
the chunk is dropped (the part file cut back to the acknowledged offset), the upload stays at
its offset, nothing is logged as an unexpected error, and the chunk sent again completes it.
Driven at the ASGI level, so the disconnect arrives at a known point of the body.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import PASSWORD, seed_parties
from ggzy.bidding import uploads
from ggzy.bootstrap import Platform
from ggzy.web.app import create_app


def patch_then_disconnect(app: Any, upload_id: str, token: str, offset: int, sent: bytes) -> None:
    """A PATCH announcing more bytes than `sent`, whose client goes away after `sent`."""
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": sent[i : i + 65536], "more_body": True}
        for i in range(0, len(sent), 65536)
    ]
    replies: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        replies.append(message)

    path = f"/api/v1/uploads/{upload_id}"
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "PATCH",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"upload-offset", str(offset).encode()),
            (b"content-length", str(len(sent) + 1000).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))  # raises nothing
    [start] = [m for m in replies if m["type"] == "http.response.start"]
    assert start["status"] == 400


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_chunk_cut_off_mid_body_is_dropped_and_sent_again(
    platform: Platform, caplog: pytest.LogCaptureFixture
) -> None:
    seed_parties(platform, bidders=1)
    app = create_app(platform)
    client = TestClient(app, raise_server_exceptions=False)
    r = client.post("/api/v1/auth/token", json={"username": "bidder1", "password": PASSWORD})
    token = r.json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    data = os.urandom(600 * 1024)
    upload_id = client.post("/api/v1/uploads", json={"length": len(data)}, headers=headers).json()[
        "id"
    ]
    first = client.patch(
        f"/api/v1/uploads/{upload_id}",
        content=data[:100_000],
        headers={**headers, "Upload-Offset": "0"},
    )
    assert first.json()["offset"] == 100_000

    # 300 KiB of the next chunk arrive (more than one 256 KiB write), then the connection breaks
    with caplog.at_level(logging.WARNING):
        patch_then_disconnect(app, upload_id, token, 100_000, data[100_000 : 100_000 + 300 * 1024])
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    state = client.get(f"/api/v1/uploads/{upload_id}", headers=headers).json()
    assert state["offset"] == 100_000 and state["complete"] is False
    assert uploads.part_file(platform.documents, upload_id).stat().st_size == 100_000

    done = client.patch(
        f"/api/v1/uploads/{upload_id}",
        content=data[100_000:],
        headers={**headers, "Upload-Offset": "100000"},
    ).json()
    assert done["complete"] is True and done["sha256"] == hashlib.sha256(data).hexdigest()
    assert platform.documents.read(done["sha256"]) == data
