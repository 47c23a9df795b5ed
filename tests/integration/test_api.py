"""The JSON API: problem+json errors in Chinese and English, idempotent POSTs, never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from factories import PASSWORD, announce, bid, open_and_decrypt, seal, seed_parties
from ggzy.bidding.tool import content_key_for
from ggzy.core.codes import make_credit_code
from ggzy.core.tables import events
from ggzy.ledger import verify_consistency, verify_inclusion
from ggzy.web.app import create_app


@pytest.fixture
def client(platform):
    return TestClient(create_app(platform), raise_server_exceptions=False)


def token(client, username):
    r = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def event_count(platform):
    with platform.read() as conn:
        return conn.execute(select(func.count()).select_from(events)).scalar_one()


def assert_problem(r, status, code=None):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["title"] and body["title_zh"]
    if code:
        assert body["code"] == code
    return body


def entity_body(credit_code, username="newco"):
    return {
        "credit_code": credit_code,
        "name": "武汉新港建设有限公司",
        "kinds": ["bidder"],
        "legal_representative": "陈志强",
        "center": "420100",
        "contacts": [{"name": "周敏", "phone": "13800000000"}],
        "admin": {"username": username, "display_name": "周敏", "password": PASSWORD},
    }


def test_a_wrong_credit_code_is_refused_with_the_expected_check_character(platform, client):
    seed_parties(platform)
    before = event_count(platform)
    body = assert_problem(
        client.post("/api/v1/entities", json=entity_body("91420100MA0000001X")),
        422,
        "invalid-credit-code",
    )
    assert "校验位" in body["title_zh"]
    assert event_count(platform) == before


def test_registering_an_entity_twice_in_the_network_is_a_conflict(platform, client):
    seed_parties(platform)
    code = make_credit_code("9", "1", "420100", "MA000099")
    assert client.post("/api/v1/entities", json=entity_body(code)).status_code == 201
    assert_problem(
        client.post("/api/v1/entities", json=entity_body(code, "other")), 409, "entity-exists"
    )


def test_a_retried_post_with_the_same_idempotency_key_creates_one_project(platform, client):
    seed_parties(platform)
    headers = {**token(client, "tenderee1"), "Idempotency-Key": "proj-001"}
    body = {
        "method": "construction.open_tendering",
        "fields": {"center": "420100", "title": "东湖绿道二期", "estimated_price": "5000000"},
    }
    first = client.post("/api/v1/projects", json=body, headers=headers)
    before = event_count(platform)
    again = client.post("/api/v1/projects", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert event_count(platform) == before
    assert len(client.get("/api/v1/projects").json()) == 1


def test_an_idempotency_key_reused_for_another_body_is_refused(platform, client):
    seed_parties(platform)
    headers = {**token(client, "tenderee1"), "Idempotency-Key": "k"}
    body = {
        "method": "construction.open_tendering",
        "fields": {"center": "420100", "title": "一", "estimated_price": "5000000"},
    }
    client.post("/api/v1/projects", json=body, headers=headers)
    body["fields"]["title"] = "二"
    assert_problem(
        client.post("/api/v1/projects", json=body, headers=headers), 422, "idempotency-key-reused"
    )


def test_a_retried_bid_is_stored_once(platform, client):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    headers = {**token(client, "bidder1"), "Idempotency-Key": "bid-1"}
    client.post(
        f"/api/v1/projects/{code}/actions/obtain_documents",
        json={},
        headers=headers | {"Idempotency-Key": "o"},
    )
    sealed = seal(platform, parties, parties.bidders[0], code, "10000000.00")
    body = {"sealed_file": sealed.sealed_sha256, "signature": sealed.signature}
    first = client.post(f"/api/v1/projects/{code}/actions/submit_bid", json=body, headers=headers)
    second = client.post(f"/api/v1/projects/{code}/actions/submit_bid", json=body, headers=headers)
    assert first.json()["receipt"] == second.json()["receipt"]
    assert (
        client.get(f"/api/v1/projects/{code}", headers=headers).json()["my"]["bid"]["seq"]
        == first.json()["seq"]
    )


def test_a_bid_after_the_deadline_is_a_409_problem(platform, client, clock):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    headers = token(client, "bidder1")
    client.post(f"/api/v1/projects/{code}/actions/obtain_documents", json={}, headers=headers)
    sealed = seal(platform, parties, parties.bidders[0], code, "1")
    clock.advance(days=22)
    before = event_count(platform)
    r = client.post(
        f"/api/v1/projects/{code}/actions/submit_bid",
        json={"sealed_file": sealed.sealed_sha256, "signature": sealed.signature},
        headers=headers,
    )
    assert "截止" in assert_problem(r, 409, "too-late")["title_zh"]
    assert event_count(platform) == before


def test_an_action_by_the_wrong_role_is_a_403_problem(platform, client):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    r = client.post(
        f"/api/v1/projects/{code}/actions/clarify",
        json={"text": "x"},
        headers=token(client, "bidder1"),
    )
    assert_problem(r, 403, "forbidden")


def test_malformed_json_is_a_400_problem(platform, client):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    r = client.post(
        f"/api/v1/projects/{code}/actions/clarify",
        content=b'{"text": ',
        headers={**token(client, "tenderee1"), "content-type": "application/json"},
    )
    assert_problem(r, 400, "malformed-json")


@pytest.mark.parametrize("body", [[], "text", 5, None])
def test_a_body_that_is_not_an_object_is_a_4xx_problem(platform, client, body):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    r = client.post(
        f"/api/v1/projects/{code}/actions/clarify", json=body, headers=token(client, "tenderee1")
    )
    assert 400 <= r.status_code < 500
    assert r.headers["content-type"].startswith("application/problem+json")


def test_an_unknown_project_is_a_404_problem(platform, client):
    seed_parties(platform)
    assert_problem(client.get("/api/v1/projects/4201002026J999999X"), 404, "not-found")
    r = client.post(
        "/api/v1/projects/4201002026J999999X/actions/open_bids",
        json={},
        headers=token(client, "tenderee1"),
    )
    assert_problem(r, 404, "not-found")


def test_an_unknown_route_is_a_404_problem(client):
    assert_problem(client.get("/api/v1/nothing-here"), 404)


def test_acting_without_signing_in_is_a_401_problem(platform, client):
    assert_problem(
        client.post("/api/v1/projects", json={"method": "x", "fields": {}}), 401, "unauthorized"
    )


def test_a_wrong_password_is_a_401_problem(platform, client):
    seed_parties(platform)
    r = client.post("/api/v1/auth/token", json={"username": "bidder1", "password": "wrong-one"})
    assert_problem(r, 401, "bad-credentials")


def test_money_given_as_a_float_is_refused(platform, client):
    seed_parties(platform)
    r = client.post(
        "/api/v1/projects",
        headers=token(client, "tenderee1"),
        json={
            "method": "construction.open_tendering",
            "fields": {"center": "420100", "title": "x", "estimated_price": 12.5},
        },
    )
    assert_problem(r, 422, "invalid-amount")


def test_bids_are_hidden_before_opening_and_read_out_after(platform, client, clock):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    for b, price in zip(parties.bidders[:3], ["1000", "2000", "3000"], strict=True):
        bid(platform, b, code, price)
    assert client.get(f"/api/v1/projects/{code}/bids").json() == []
    clock.advance(days=22)
    r = client.post(
        f"/api/v1/projects/{code}/actions/open_bids", json={}, headers=token(client, "tenderee1")
    )
    assert r.json()["stage"] == "decrypting"
    assert client.get(f"/api/v1/projects/{code}/bids").json() == []  # sealed until decrypted
    for b in parties.bidders[:3]:
        key = content_key_for(
            parties.sealed[(code, b.username)].envelope, parties.keys[b.username]["encrypt"].key
        )
        r = client.post(
            f"/api/v1/projects/{code}/actions/decrypt_bid",
            json={"content_key": key.hex()},
            headers=token(client, b.username),
        )
        assert r.status_code == 200, r.text
    read_out = client.get(f"/api/v1/projects/{code}/bids").json()
    assert [b["price_capitals"] for b in read_out] == ["壹仟元整", "贰仟元整", "叁仟元整"]


def test_ledger_proofs_from_the_api_verify_against_the_signed_heads(platform, client):
    parties = seed_parties(platform)
    announce(platform, parties)
    head = client.get("/api/v1/ledger/tree-head").json()
    size = head["tree_size"]
    proof = client.get(f"/api/v1/ledger/proof/inclusion?seq=3&tree_size={size}").json()
    assert verify_inclusion(
        bytes.fromhex(proof["leaf_hash"]),
        2,
        size,
        [bytes.fromhex(h) for h in proof["audit_path"]],
        bytes.fromhex(head["root_hash"]),
    )
    first = client.get("/api/v1/ledger/tree-heads").json()[1]["tree_size"]
    c = client.get(f"/api/v1/ledger/proof/consistency?first={first}&second={size}").json()
    assert verify_consistency(
        first,
        size,
        bytes.fromhex(c["first_head"]["root_hash"]),
        bytes.fromhex(head["root_hash"]),
        [bytes.fromhex(h) for h in c["consistency"]],
    )


def test_a_confidential_leaf_shows_its_hash_but_not_its_data(platform, client):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    receipt = bid(platform, parties.bidders[0], code, "1000")
    public = client.get(f"/api/v1/ledger/leaves/{receipt['seq']}").json()
    assert public["leaf_hash"] and "leaf_data" not in public
    own = client.get(f"/api/v1/ledger/leaves/{receipt['seq']}", headers=token(client, "bidder1"))
    assert "leaf_data" in own.json()


def test_the_openapi_document_describes_the_api(client):
    spec = client.get("/openapi.json").json()
    assert "/api/v1/projects/{code}/actions/{action}" in spec["paths"]
    assert "/api/v1/ledger/proof/inclusion" in spec["paths"]


def test_an_unknown_year_of_holidays_is_explained_and_a_center_can_add_it(platform, client):
    seed_parties(platform)
    assert_problem(client.get("/api/v1/calendar/2027"), 422, "holidays-unknown")
    r = client.post(
        "/api/v1/calendar/holidays",
        headers=token(client, "staff.wuhan"),
        json={
            "year": 2027,
            "center": "420100",
            "holidays": ["2027-01-01", "2027-02-06", "2027-02-07", "2027-02-08"],
            "workdays": ["2027-02-14"],
        },
    )
    assert r.status_code == 201, r.text
    cal = client.get("/api/v1/calendar/2027?center=420100").json()
    assert "2027-02-08" in cal["rest_days"] and "2027-02-14" not in cal["rest_days"]


def test_publicity_of_candidates_is_public_and_reads_in_capitals(platform, client, clock):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    for b, price in zip(parties.bidders[:3], ["1234567.89", "2000000", "3000000"], strict=True):
        bid(platform, b, code, price)
    clock.advance(days=22)
    open_and_decrypt(platform, parties, code)
    h = token(client, "tenderee1")
    client.post(f"/api/v1/projects/{code}/actions/evaluate", json={}, headers=h)
    end = (clock.now() + timedelta(days=3)).isoformat()
    client.post(
        f"/api/v1/projects/{code}/actions/publicize_candidates",
        json={"publicity_end": end},
        headers=h,
    )
    view = client.get(f"/api/v1/projects/{code}").json()
    assert view["candidates"][0]["price_capitals"] == "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"
