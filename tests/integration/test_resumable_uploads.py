"""Resumable uploads (断点续传): chunks at the server's offset, resumed after a restart,
completed into the document store, refused from the deadline on."""

from __future__ import annotations

import hashlib
import os

import pytest
from fastapi.testclient import TestClient

from factories import PASSWORD, act, announce, seal, seed_parties
from ggzy.bidding.handlers import bids_of
from ggzy.web.app import create_app


def client_for(platform) -> TestClient:
    return TestClient(create_app(platform), raise_server_exceptions=False)


def token(client, username):
    r = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def send(client, headers, upload_id: str, offset: int, chunk: bytes):
    return client.patch(
        f"/api/v1/uploads/{upload_id}",
        content=chunk,
        headers={**headers, "Upload-Offset": str(offset)},
    )


@pytest.fixture
def net(platform):
    return seed_parties(platform)


def start(client, headers, length: int, project: str | None = None) -> str:
    r = client.post("/api/v1/uploads", json={"length": length, "project": project}, headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["offset"] == 0
    return str(r.json()["id"])


def test_a_file_sent_in_chunks_becomes_a_document_with_its_hash(platform, net) -> None:
    client = client_for(platform)
    headers = token(client, "bidder1")
    data = os.urandom(3 * 1024 * 1024 + 17)
    upload = start(client, headers, len(data))
    offset = 0
    for size in (1 << 20, 1 << 20, len(data) - (2 << 20)):
        r = send(client, headers, upload, offset, data[offset : offset + size])
        assert r.status_code == 200, r.text
        offset = r.json()["offset"]
    state = r.json()
    assert state["complete"] is True and state["sha256"] == hashlib.sha256(data).hexdigest()
    assert platform.documents.read(state["sha256"]) == data


def test_an_interrupted_upload_resumes_after_a_restart(platform, net) -> None:
    data = os.urandom(2 * 1024 * 1024)
    first = client_for(platform)
    headers = token(first, "bidder1")
    upload = start(first, headers, len(data))
    assert send(first, headers, upload, 0, data[: 1 << 20]).json()["offset"] == 1 << 20
    # the server restarts: a new app over the same database and document store
    second = client_for(platform)
    state = second.get(f"/api/v1/uploads/{upload}", headers=headers).json()
    assert state["offset"] == 1 << 20 and state["complete"] is False
    done = send(second, headers, upload, state["offset"], data[1 << 20 :]).json()
    assert done["sha256"] == hashlib.sha256(data).hexdigest()


def test_a_chunk_at_the_wrong_offset_is_refused_with_the_right_one(platform, net) -> None:
    client = client_for(platform)
    headers = token(client, "bidder1")
    upload = start(client, headers, 100)
    send(client, headers, upload, 0, b"a" * 40)
    r = send(client, headers, upload, 0, b"a" * 40)  # a retry of a chunk already received
    assert r.status_code == 409 and r.json()["code"] == "offset-mismatch"
    assert r.json()["offset"] == 40 and "40" in r.json()["title_zh"]


def test_more_bytes_than_announced_are_refused_and_nothing_is_kept(platform, net) -> None:
    client = client_for(platform)
    headers = token(client, "bidder1")
    upload = start(client, headers, 100)
    send(client, headers, upload, 0, b"a" * 60)
    r = send(client, headers, upload, 60, b"b" * 41)
    assert r.status_code == 413 and r.json()["code"] == "upload-too-long"
    assert client.get(f"/api/v1/uploads/{upload}", headers=headers).json()["offset"] == 60
    done = send(client, headers, upload, 60, b"b" * 40).json()
    assert done["sha256"] == hashlib.sha256(b"a" * 60 + b"b" * 40).hexdigest()


def test_another_account_cannot_see_or_continue_an_upload(platform, net) -> None:
    client = client_for(platform)
    owner, other = token(client, "bidder1"), token(client, "bidder2")
    upload = start(client, owner, 10)
    assert client.get(f"/api/v1/uploads/{upload}", headers=other).status_code == 404
    assert send(client, other, upload, 0, b"x" * 10).status_code == 404


def test_an_upload_for_a_project_closes_at_the_deadline(platform, clock, net) -> None:
    client = client_for(platform)
    headers = token(client, "bidder1")
    code = announce(platform, net)
    upload = start(client, headers, 100, code)
    send(client, headers, upload, 0, b"a" * 50)
    clock.advance(days=21, hours=2)
    r = send(client, headers, upload, 50, b"a" * 50)
    assert r.status_code == 409 and r.json()["code"] == "too-late"
    r = client.post("/api/v1/uploads", json={"length": 10, "project": code}, headers=headers)
    assert r.status_code == 409


def test_a_sealed_bid_uploaded_in_chunks_is_submitted(platform, net) -> None:
    client = client_for(platform)
    bidder = net.bidders[0]
    headers = token(client, bidder.username)
    code = announce(platform, net)
    act(platform, bidder, code, "obtain_documents", {})
    sealed = seal(platform, net, bidder, code, "9880000")
    envelope = sealed.envelope
    upload = start(client, headers, len(envelope), code)
    half = len(envelope) // 2
    send(client, headers, upload, 0, envelope[:half])
    sha = send(client, headers, upload, half, envelope[half:]).json()["sha256"]
    assert sha == sealed.sealed_sha256
    body = {"sealed_file": sha, "signature": sealed.signature}
    r = client.post(f"/api/v1/projects/{code}/actions/submit_bid", json=body, headers=headers)
    assert r.status_code == 200, r.text
    with platform.read() as conn:
        assert [b["sealed_sha256"] for b in bids_of(conn, code)] == [sha]
