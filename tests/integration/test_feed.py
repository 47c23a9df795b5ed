"""The node feed: gapless under concurrent writers, resumable anywhere, verifiable page by page,
and showing each reader only what it may read."""

from __future__ import annotations

import threading
from datetime import timedelta

from fastapi.testclient import TestClient

from factories import seed_parties
from ggzy.core.events import NewEvent, event_type
from ggzy.exchange import peers
from ggzy.exchange.feed import FeedRefused, Frontier, check_page, feed_page
from ggzy.exchange.tables import peers as peers_table
from ggzy.ledger.signing import NodeKey
from ggzy.web.app import create_app

event_type("FeedTestPinged", "测试事件", "test ping")


def ping(platform, n: int) -> None:
    with platform.command("system") as uow:
        uow.emit(NewEvent("FeedTestPinged", "node", "test", {"n": n}))


def test_a_reader_following_concurrent_writers_never_skips_an_event(platform):
    writers, each = 4, 25
    done = threading.Event()

    def write(w: int) -> None:
        for i in range(each):
            ping(platform, w * 1000 + i)

    seen: list[int] = []

    def read() -> None:
        after = 0
        while True:
            finished = done.is_set()
            with platform.read() as conn:
                page = feed_page(conn, after, 7, peer=False)
            seen.extend(e["seq"] for e in page["entries"])
            after = page["next_after"]
            if finished and not page["more"]:
                return

    reader = threading.Thread(target=read)
    reader.start()
    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    reader.join(timeout=60)
    assert seen == list(range(1, writers * each + 1))


def test_a_reader_resumes_anywhere_and_each_page_verifies_against_the_signed_head(platform):
    for n in range(10):
        ping(platform, n)
    frontier, pulled = Frontier(), 0
    key = platform.node_key.public_b64()
    while True:
        with platform.read() as conn:
            page = feed_page(conn, pulled, 3, peer=False)
        checked = check_page(page, platform.settings.node_id, key, pulled, frontier)
        frontier, pulled = checked.frontier, checked.last
        if not page["more"]:
            break
    assert pulled == 10 and checked.head is not None and checked.head["tree_size"] == 10


def test_a_page_with_a_changed_leaf_or_a_gap_is_refused(platform):
    for n in range(3):
        ping(platform, n)
    with platform.read() as conn:
        page = feed_page(conn, 0, 10, peer=False)
    key = platform.node_key.public_b64()
    changed = {**page, "entries": [dict(e) for e in page["entries"]]}
    changed["entries"][1]["leaf"] = changed["entries"][1]["leaf"].replace('"n":1', '"n":9')
    gap = {**page, "entries": page["entries"][1:]}
    for bad, kind in ((changed, "leaf-mismatch"), (gap, "gap")):
        try:
            check_page(bad, platform.settings.node_id, key, 0, Frontier())
        except FeedRefused as refused:
            assert refused.kind == kind
        else:
            raise AssertionError(f"{kind} was not refused")


def test_a_head_signed_by_another_key_is_refused(platform):
    ping(platform, 1)
    with platform.read() as conn:
        page = feed_page(conn, 0, 10, peer=False)
    stranger = NodeKey.generate().public_b64()
    try:
        check_page(page, platform.settings.node_id, stranger, 0, Frontier())
    except FeedRefused as refused:
        assert refused.kind == "bad-head-signature"
    else:
        raise AssertionError("a head under a foreign key was accepted")


def test_only_a_signed_request_from_a_known_peer_reads_the_shared_registry(platform, clock):
    seed_parties(platform, certificates=False)
    client = TestClient(create_app(platform))
    entries = client.get("/api/v1/feed?after=0&limit=50").json()["entries"]
    assert all(e["leaf"] is None for e in entries if e["type"] == "EntityRegistered")
    other = NodeKey.generate()
    with platform.engine.begin() as conn:
        conn.execute(
            peers_table.insert().values(
                node_id="node-x",
                url="http://127.0.0.1:9",
                public_key=other.public_b64(),
                key_id=other.key_id,
                name="x",
                added_at=clock.now(),
                pulled=0,
                frontier=Frontier().dumps(),
                verified_size=0,
                status="ok",
            )
        )

    class Signer:  # node-x's side of signed_headers
        settings = type("S", (), {"node_id": "node-x"})()
        node_key = other

        def __init__(self, clock):
            self.clock = clock

    path = "/api/v1/feed?after=0&limit=50"
    headers = peers.signed_headers(Signer(clock), "GET", path)  # type: ignore[arg-type]
    body = client.get(path, headers=headers).json()
    assert body["reader"] == "node-x"
    assert all(e["leaf"] for e in body["entries"] if e["type"] == "EntityRegistered")
    clock.advance(minutes=10)  # a replayed, stale signature reads like the public
    assert client.get(path, headers=headers).json()["reader"] is None
    clock.set(clock.now() - timedelta(minutes=10), allow_backwards=True)


def test_a_bad_page_request_is_a_problem_in_both_languages(platform):
    client = TestClient(create_app(platform), raise_server_exceptions=False)
    r = client.get("/api/v1/feed?after=-1")
    assert r.status_code in (400, 422)
    assert r.headers["content-type"].startswith("application/problem+json")
