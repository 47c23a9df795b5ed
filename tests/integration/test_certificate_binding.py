"""An entity binds its certificates once; any recognised CA's certificate works in every center."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from factories import PASSWORD, seed_parties
from ggzy.core.tables import events
from ggzy.pki import trust
from ggzy.pki.testca import TestCA
from ggzy.web.app import create_app


def admin_adds(platform, ca):
    with platform.command("account:admin") as uow:
        trust.add_ca(uow, ca.root.cert.der, ca.root.name, "root")
        if ca.parent is not None:
            trust.add_ca(uow, ca.cert.der, ca.name, "intermediate")


@pytest.fixture
def client(platform):
    return TestClient(create_app(platform), raise_server_exceptions=False)


def login(client, username):
    r = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {r.json()['token']}"}


def count(platform):
    with platform.read() as conn:
        return conn.execute(select(func.count()).select_from(events)).scalar_one()


@pytest.mark.parametrize("algorithm", ["rsa", "ecdsa", "sm2"])
def test_a_bidder_binds_certificates_from_any_recognised_ca(platform, client, clock, algorithm):
    parties = seed_parties(platform, certificates=False)
    root = TestCA.create(f"{algorithm} 根CA", algorithm, now=clock.now())
    issuing = root.intermediate(f"{algorithm} 业务CA")
    admin_adds(platform, issuing)
    bidder = parties.bidders[0]
    for usage in ("sign", "encrypt"):
        cert = issuing.issue(bidder.display_name, bidder.entity, usage=usage)
        r = client.post(
            "/api/v1/certificates",
            json={"pem": cert.pem, "usage": usage},
            headers=login(client, "bidder1"),
        )
        assert r.status_code == 201, r.text
    listed = client.get(f"/api/v1/entities/{bidder.entity}/certificates").json()
    assert sorted(c["usage"] for c in listed) == ["encrypt", "sign"]
    assert {c["algorithm"] for c in listed} == {issuing.cert.info.key_algorithm}


def test_a_certificate_of_another_entity_is_refused_and_nothing_changes(platform, client, clock):
    parties = seed_parties(platform, certificates=False)
    ca = TestCA.create("湖北CA", "ecdsa", now=clock.now())
    admin_adds(platform, ca)
    other = parties.bidders[1]
    cert = ca.issue(other.display_name, other.entity, usage="sign")
    headers = login(client, "bidder1")
    before = count(platform)
    r = client.post(
        "/api/v1/certificates", json={"pem": cert.pem, "usage": "sign"}, headers=headers
    )
    assert r.status_code == 403 and r.json()["code"] == "wrong-entity"
    assert count(platform) == before


def test_a_certificate_from_an_unknown_ca_is_refused(platform, client, clock):
    parties = seed_parties(platform, certificates=False)
    ca = TestCA.create("未备案CA", "rsa", now=clock.now())
    bidder = parties.bidders[0]
    cert = ca.issue(bidder.display_name, bidder.entity, usage="sign")
    r = client.post(
        "/api/v1/certificates",
        json={"pem": cert.pem, "usage": "sign"},
        headers=login(client, "bidder1"),
    )
    assert r.status_code == 422 and r.json()["code"] == "unknown-ca"


def test_an_encryption_certificate_cannot_be_bound_for_signing(platform, client, clock):
    parties = seed_parties(platform, certificates=False)
    ca = TestCA.create("湖北CA", "rsa", now=clock.now())
    admin_adds(platform, ca)
    bidder = parties.bidders[0]
    cert = ca.issue(bidder.display_name, bidder.entity, usage="encrypt")
    r = client.post(
        "/api/v1/certificates",
        json={"pem": cert.pem, "usage": "sign"},
        headers=login(client, "bidder1"),
    )
    assert r.status_code == 422 and r.json()["code"] == "wrong-key-usage"


def test_binding_the_same_certificate_twice_is_a_conflict(platform, client, clock):
    parties = seed_parties(platform, certificates=False)
    ca = TestCA.create("湖北CA", "ecdsa", now=clock.now())
    admin_adds(platform, ca)
    bidder = parties.bidders[0]
    cert = ca.issue(bidder.display_name, bidder.entity, usage="sign")
    headers = login(client, "bidder1")
    client.post("/api/v1/certificates", json={"pem": cert.pem, "usage": "sign"}, headers=headers)
    r = client.post(
        "/api/v1/certificates", json={"pem": cert.pem, "usage": "sign"}, headers=headers
    )
    assert r.status_code == 409
