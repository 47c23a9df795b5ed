"""Sign-in by certificate: any recognised CA's certificate, a signed single-use challenge."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from factories import seed_parties
from ggzy.pki import trust
from ggzy.pki.signatures import sign_detached
from ggzy.pki.testca import TestCA
from ggzy.web.app import create_app


@pytest.fixture
def client(platform):
    return TestClient(create_app(platform), raise_server_exceptions=False)


def listed_ca(platform, clock, algorithm):
    ca = TestCA.create(f"{algorithm} CA", algorithm, now=clock.now())
    with platform.command("account:admin") as uow:
        trust.add_ca(uow, ca.cert.der, ca.name, "root")
    return ca


def signed(client, cert):
    challenge = client.post("/api/v1/auth/challenge").json()
    blob = sign_detached(challenge["sign"].encode(), cert.key, cert.der)
    return {"challenge": challenge["challenge"], "signature": base64.b64encode(blob).decode()}


@pytest.mark.parametrize("algorithm", ["rsa", "ecdsa", "sm2"])
def test_a_bidder_signs_in_with_a_certificate_of_any_recognised_ca(
    platform, client, clock, algorithm
):
    parties = seed_parties(platform)
    ca = listed_ca(platform, clock, algorithm)
    bidder = parties.bidders[0]
    cert = ca.issue(bidder.display_name, bidder.entity, usage="sign")
    r = client.post("/api/v1/auth/certificate", json=signed(client, cert))
    assert r.status_code == 200, r.text
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {r.json()['token']}"})
    assert me.json()["account"]["username"] == "bidder1"


def test_a_challenge_signs_in_only_once(platform, client, clock):
    parties = seed_parties(platform)
    ca = listed_ca(platform, clock, "ecdsa")
    cert = ca.issue(parties.bidders[0].display_name, parties.bidders[0].entity)
    body = signed(client, cert)
    assert client.post("/api/v1/auth/certificate", json=body).status_code == 200
    again = client.post("/api/v1/auth/certificate", json=body)
    assert again.status_code == 401 and again.json()["code"] == "invalid-challenge"


def test_an_expired_challenge_is_refused(platform, client, clock):
    parties = seed_parties(platform)
    ca = listed_ca(platform, clock, "ecdsa")
    body = signed(client, ca.issue(parties.bidders[0].display_name, parties.bidders[0].entity))
    clock.advance(minutes=6)
    assert client.post("/api/v1/auth/certificate", json=body).json()["code"] == "invalid-challenge"


def test_a_revoked_certificate_signs_in_nowhere(platform, client, clock):
    parties = seed_parties(platform)
    ca = listed_ca(platform, clock, "rsa")
    cert = ca.issue(parties.bidders[0].display_name, parties.bidders[0].entity)
    with platform.command("account:admin") as uow:
        trust.import_crl(uow, ca.crl([cert]))
    r = client.post("/api/v1/auth/certificate", json=signed(client, cert))
    assert r.status_code == 422 and r.json()["code"] == "revoked"


def test_a_certificate_of_an_unknown_ca_signs_in_nowhere(platform, client, clock):
    parties = seed_parties(platform)
    ca = TestCA.create("未备案CA", "ecdsa", now=clock.now())
    cert = ca.issue(parties.bidders[0].display_name, parties.bidders[0].entity)
    r = client.post("/api/v1/auth/certificate", json=signed(client, cert))
    assert r.status_code == 422 and r.json()["code"] == "unknown-ca"


def test_a_signature_by_another_key_is_refused(platform, client, clock):
    parties = seed_parties(platform)
    ca = listed_ca(platform, clock, "ecdsa")
    mine = ca.issue(parties.bidders[0].display_name, parties.bidders[0].entity)
    other = ca.issue(parties.bidders[1].display_name, parties.bidders[1].entity)
    challenge = client.post("/api/v1/auth/challenge").json()
    with pytest.raises(Exception):  # noqa: B017 — the library refuses a mismatched pair
        sign_detached(challenge["sign"].encode(), other.key, mine.der)
    body = {"challenge": challenge["challenge"], "signature": base64.b64encode(b"garbage").decode()}
    r = client.post("/api/v1/auth/certificate", json=body)
    assert r.status_code == 401 and r.json()["code"] == "bad-signature"
