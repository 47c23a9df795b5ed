"""The no-show opening hall (不见面开标): sign-in, live decryption, 唱标, on-the-spot objections,
the signed record, all folded from events and pushed to WebSocket watchers."""

from __future__ import annotations

import base64
import json

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from factories import PASSWORD, act, announce, bid, decrypt, open_and_decrypt, seed_parties
from ggzy.bidding.hall import hall_view, load_hall, sign_in_statement
from ggzy.bootstrap import create_platform
from ggzy.core.errors import DomainError
from ggzy.pki.signatures import sign_detached
from ggzy.web.app import create_app

PRICES = ["10500000.00", "11000000.00", "11250000.50"]


def hall(platform, code, *, official=False, entity=None):
    with platform.read() as conn:
        return hall_view(load_hall(conn, code), official=official, entity=entity)


def sign_in_signature(parties, bidder, code):
    key = parties.keys[bidder.username]["sign"]
    blob = sign_detached(sign_in_statement(code, bidder.entity), key.key, key.der)
    return base64.b64encode(blob).decode()


def three_bids(platform):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    for bidder, price in zip(parties.bidders, PRICES, strict=False):
        bid(platform, bidder, code, price)
    return parties, code


def login(client, account):
    r = client.post("/api/v1/auth/token", json={"username": account.username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_before_the_opening_the_hall_shows_the_countdown_but_not_who_bid(platform):
    parties, code = three_bids(platform)
    public = hall(platform, code)
    assert public["phase"] == "waiting" and public["times"]["bid_deadline"]
    assert public["bidders"] == [] and public["count"] is None
    official = hall(platform, code, official=True)
    assert official["bidders"] == [] and official["count"] is None  # Law art. 22: nor officials
    mine = hall(platform, code, entity=parties.bidders[0].entity)["mine"]
    assert mine["submitted_at"] and "signed_in_at" not in mine
    assert "mine" not in hall(platform, code, entity=parties.bidders[3].entity)


def test_a_bidder_signs_in_with_its_certificate_in_the_hour_before_the_deadline(platform, clock):
    parties, code = three_bids(platform)
    first = parties.bidders[0]
    with pytest.raises(DomainError) as early:
        act(platform, first, code, "sign_in_opening", {"signature": "x"})
    assert early.value.code == "sign-in-not-open" and early.value.status == 409
    clock.advance(days=21, minutes=10)
    act(
        platform,
        first,
        code,
        "sign_in_opening",
        {"signature": sign_in_signature(parties, first, code)},
    )
    assert hall(platform, code, entity=first.entity)["mine"]["signed_in_at"]
    with pytest.raises(DomainError) as twice:
        act(
            platform,
            first,
            code,
            "sign_in_opening",
            {"signature": sign_in_signature(parties, first, code)},
        )
    assert twice.value.code == "already-signed-in"


def test_sign_in_with_another_bidders_signature_or_without_a_bid_is_refused(platform, clock):
    parties, code = three_bids(platform)
    clock.advance(days=21, minutes=10)
    first, second, no_bid = parties.bidders[0], parties.bidders[1], parties.bidders[3]
    with pytest.raises(DomainError) as borrowed:
        act(
            platform,
            first,
            code,
            "sign_in_opening",
            {"signature": sign_in_signature(parties, second, code)},
        )
    assert borrowed.value.code == "bad-signature"  # signed another statement
    with pytest.raises(DomainError) as nothing:
        act(
            platform,
            no_bid,
            code,
            "sign_in_opening",
            {"signature": sign_in_signature(parties, no_bid, code)},
        )
    assert nothing.value.code == "no-bid-to-sign-in"
    assert hall(platform, code, official=True)["bidders"] == []


def test_sign_in_closes_at_the_deadline(platform, clock):
    parties, code = three_bids(platform)
    clock.advance(days=21, hours=2)
    first = parties.bidders[0]
    with pytest.raises(DomainError) as late:
        act(
            platform,
            first,
            code,
            "sign_in_opening",
            {"signature": sign_in_signature(parties, first, code)},
        )
    assert late.value.status == 409


def test_the_opening_lists_the_bidders_with_their_sign_in_and_decryption_status(platform, clock):
    parties, code = three_bids(platform)
    clock.advance(days=21, minutes=10)
    first = parties.bidders[0]
    act(
        platform,
        first,
        code,
        "sign_in_opening",
        {"signature": sign_in_signature(parties, first, code)},
    )
    clock.advance(hours=1)
    act(platform, parties.staff, code, "open_bids", {})
    decrypt(platform, parties, first, code)
    public = hall(platform, code)
    assert public["phase"] == "decrypting" and public["count"] == 3
    assert public["times"]["decrypt_until"]
    rows = {b["bidder_name"]: b for b in public["bidders"]}
    assert rows[first.display_name]["signed_in_at"]
    assert rows[parties.bidders[1].display_name]["signed_in_at"] is None
    assert rows[first.display_name]["status"] == "opened"
    assert rows[parties.bidders[1].display_name]["status_zh"] == "待解密"


def test_each_bid_is_read_out_with_price_in_figures_and_capitals_and_its_bond(platform, clock):
    parties, code = three_bids(platform)
    clock.advance(days=22)
    open_and_decrypt(platform, parties, code)
    public = hall(platform, code)
    assert public["phase"] == "opened" and public["record"]["sha256"]
    read = {b["bidder_name"]: b["read_out"] for b in public["bidders"]}
    third = read[parties.bidders[2].display_name]
    assert third["price"] == 1125000050
    assert third["price_capitals"] == "壹仟壹佰贰拾伍万元零伍角整"
    assert third["duration_days"] == 540 and third["quality"] == "合格"
    assert third["bond"]["status"] == "missing" and third["valid"] is True
    assert public["times"]["objections_until"] > public["times"]["closed_at"]


def test_an_on_the_spot_objection_is_answered_and_only_officials_see_its_text(platform, clock):
    parties, code = three_bids(platform)
    clock.advance(days=22)
    open_and_decrypt(platform, parties, code)
    objector = parties.bidders[1]
    raised = act(
        platform,
        objector,
        code,
        "raise_objection",
        {"subject": "opening", "text": "第三家投标人的报价大写与小写不一致"},
    )
    answer = "经核对，大写与小写一致，异议不成立"
    act(
        platform,
        parties.tenderee,
        code,
        "answer_objection",
        {"objection": raised["objection"], "answer": answer},
    )
    [public] = hall(platform, code)["objections"]
    assert public["answer"] == answer and public["answered_at"]
    assert "text" not in public and "by" not in public
    [official] = hall(platform, code, official=True)["objections"]
    assert official["by"] == objector.entity and official["text"].startswith("第三家")
    [own] = hall(platform, code, entity=objector.entity)["objections"]
    assert own["text"] == official["text"]


def test_an_opening_objection_after_the_on_the_spot_window_is_refused(platform, clock):
    parties, code = three_bids(platform)
    clock.advance(days=22)
    open_and_decrypt(platform, parties, code)
    clock.advance(minutes=31)
    with pytest.raises(DomainError) as late:
        act(
            platform,
            parties.bidders[1],
            code,
            "raise_objection",
            {"subject": "opening", "text": "唱标有误"},
        )
    assert late.value.code == "objection-too-late" and late.value.status == 409
    assert hall(platform, code)["objections"] == []


def test_the_hall_shows_who_signed_the_opening_record(platform, clock):
    parties, code = three_bids(platform)
    clock.advance(days=22)
    open_and_decrypt(platform, parties, code)
    record = hall(platform, code)["record"]["sha256"]
    first = parties.bidders[0]
    key = parties.keys[first.username]["sign"]
    signature = base64.b64encode(
        sign_detached(platform.documents.read(record), key.key, key.der)
    ).decode()
    act(platform, first, code, "sign_document", {"document": record, "signature": signature})
    [signed] = hall(platform, code)["record"]["signatures"]
    assert signed["signer"] == first.entity and signed["signer_name"] == first.display_name
    assert signed["ok"] is True


def test_too_few_bids_fail_the_opening_without_naming_the_bidders(platform, clock):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    bid(platform, parties.bidders[0], code, PRICES[0])
    clock.advance(days=22)
    act(platform, parties.staff, code, "open_bids", {})
    public = hall(platform, code)
    assert public["phase"] == "failed" and public["failure"]["reason"] == "too-few-bids"
    assert public["bidders"] == []


# ------------------------------------------------------------------------------ live


def test_watchers_see_each_decryption_as_it_happens(platform, clock):
    parties, code = three_bids(platform)
    clock.advance(days=22)
    client = TestClient(create_app(platform))
    with client.websocket_connect(f"/ws/projects/{code}/hall") as ws:
        assert ws.receive_json()["hall"]["phase"] == "waiting"
        act(platform, parties.staff, code, "open_bids", {})
        opened = ws.receive_json()["hall"]
        assert opened["phase"] == "decrypting"
        assert {b["status"] for b in opened["bidders"]} == {"pending"}
        decrypt(platform, parties, parties.bidders[0], code)
        after = ws.receive_json()["hall"]
        first = next(b for b in after["bidders"] if b["bidder"] == parties.bidders[0].entity)
        assert first["status"] == "opened" and first["read_out"]["price"] == 1050000000


def test_a_bid_arriving_sends_the_public_watchers_nothing(platform, clock):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    client = TestClient(create_app(platform))
    with client.websocket_connect(f"/ws/projects/{code}/hall") as ws:
        ws.receive_json()
        for bidder, price in zip(parties.bidders, PRICES, strict=False):
            bid(platform, bidder, code, price)
        clock.advance(days=22)
        act(platform, parties.staff, code, "open_bids", {})
        # the next message is the opening itself: nothing betrayed the bids before it
        assert ws.receive_json()["hall"]["phase"] == "decrypting"


def test_a_bidder_watching_sees_its_own_sign_in(platform, clock):
    parties, code = three_bids(platform)
    first = parties.bidders[0]
    client = TestClient(create_app(platform))
    headers = login(client, first)
    with client.websocket_connect(f"/ws/projects/{code}/hall", headers=headers) as ws:
        assert ws.receive_json()["hall"]["mine"]["submitted_at"]
        clock.advance(days=21, minutes=10)
        r = client.post(
            f"/api/v1/projects/{code}/actions/sign_in_opening",
            json={"signature": sign_in_signature(parties, first, code)},
            headers=headers,
        )
        assert r.status_code == 200, r.text
        assert ws.receive_json()["hall"]["mine"]["signed_in_at"]


def test_a_cross_site_page_is_served_the_public_hall(platform):
    parties, code = three_bids(platform)
    client = TestClient(create_app(platform))
    headers = login(client, parties.bidders[0]) | {"Origin": "https://evil.example"}
    with client.websocket_connect(f"/ws/projects/{code}/hall", headers=headers) as ws:
        assert "mine" not in ws.receive_json()["hall"]


def test_an_unknown_project_closes_the_socket_with_4404(platform):
    seed_parties(platform)
    client = TestClient(create_app(platform))
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect("/ws/projects/4201002026J999999L/hall") as ws,
    ):
        ws.receive_json()
    assert closed.value.code == 4404


def test_after_a_restart_a_reconnecting_client_gets_the_same_hall(platform, clock, node_key):
    parties, code = three_bids(platform)
    clock.advance(days=22)
    act(platform, parties.staff, code, "open_bids", {})
    decrypt(platform, parties, parties.bidders[0], code)
    with TestClient(create_app(platform)).websocket_connect(f"/ws/projects/{code}/hall") as ws:
        before = ws.receive_json()["hall"]
    restarted = create_platform(platform.settings, clock, node_key)  # a new process, same data
    try:
        client = TestClient(create_app(restarted))
        with client.websocket_connect(f"/ws/projects/{code}/hall") as ws:
            after = ws.receive_json()["hall"]
        assert after == before and after["phase"] == "decrypting"
        assert client.get(f"/api/v1/projects/{code}/hall").json() == before
    finally:
        restarted.engine.dispose()


def test_events_from_another_process_reach_the_watchers(platform, clock, node_key):
    parties, code = three_bids(platform)
    clock.advance(days=22)
    app = create_app(platform)
    other = create_platform(platform.settings, clock, node_key)  # e.g. the scheduler's process
    try:
        with TestClient(app) as client:
            app.state.hall_hub.poll_seconds = 0.05
            with client.websocket_connect(f"/ws/projects/{code}/hall") as ws:
                ws.receive_json()
                with other.command(parties.staff.actor) as uow:
                    from ggzy.procedures.engine import perform

                    perform(uow, parties.staff, code, "open_bids", {})
                assert ws.receive_json()["hall"]["phase"] == "decrypting"
    finally:
        other.engine.dispose()


def test_the_hall_message_carries_the_server_time_for_the_countdown(platform):
    _, code = three_bids(platform)
    client = TestClient(create_app(platform))
    with client.websocket_connect(f"/ws/projects/{code}/hall") as ws:
        message = json.loads(ws.receive_text())
    assert message["type"] == "hall"
    assert message["server_now"] == platform.clock.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
