"""The network's CA trust list: any listed CA works in every center; bad certificates are refused
with their reason and change nothing (SQLite and PostgreSQL, domain and HTTP API)."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from conftest import CLOCK_START
from factories import PASSWORD, seed_parties
from ggzy.core.codes import make_credit_code
from ggzy.core.errors import DomainError
from ggzy.core.projections import rebuild
from ggzy.core.tables import events
from ggzy.pki import trust
from ggzy.pki.tables import crls, revoked_certificates, trusted_cas
from ggzy.pki.testca import Issued, TestCA
from ggzy.registry import handlers as registry
from ggzy.web.app import create_app

NOW = CLOCK_START
BIDDER = make_credit_code("9", "1", "420100", "MA000010")  # bidder1 of seed_parties
OTHER_BIDDER = make_credit_code("9", "1", "420100", "MA000011")  # bidder2
UNREGISTERED = make_credit_code("9", "1", "420100", "MA000099")
COMPANY = "湖北楚天建设工程有限公司"

SM2_READY = importlib.util.find_spec("ggzy.pki.sm2cert") is not None
ALGORITHMS = [
    "rsa",
    "ecdsa",
    pytest.param(
        "sm2",
        marks=pytest.mark.skipif(
            not SM2_READY, reason="ggzy.pki.sm2cert (SM2 certificates) is not importable yet"
        ),
    ),
]


@dataclass
class Hierarchy:
    """One CA as Chinese CAs run them: a root, an issuing CA, the bidder's two certificates."""

    root: TestCA
    sub: TestCA
    sign: Issued
    encrypt: Issued


_CAS: dict[str, Hierarchy] = {}


def ca_of(algorithm: str = "rsa") -> Hierarchy:
    if algorithm not in _CAS:
        root = TestCA.create(f"湖北省数字证书认证中心 {algorithm}", algorithm, now=NOW, path_len=1)
        sub = root.intermediate(f"湖北CA 企业证书签发中心 {algorithm}", path_len=0)
        _CAS[algorithm] = Hierarchy(
            root, sub, sub.issue(COMPANY, BIDDER), sub.issue(COMPANY, BIDDER, usage="encrypt")
        )
    return _CAS[algorithm]


@pytest.fixture
def client(platform):
    return TestClient(create_app(platform), raise_server_exceptions=False)


@pytest.fixture
def network(platform):
    """Two centers, the parties of seed_parties, a platform administrator."""
    parties = seed_parties(platform, certificates=False)
    with platform.command("system") as uow:
        registry.register_center(uow, "420200", "黄石市公共资源交易中心", "黄石")
        registry.create_account(
            uow,
            username="admin",
            display_name="平台管理员",
            password=PASSWORD,
            roles=["platform_admin"],
        )
    return parties


def login(client, username):
    r = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def event_count(platform):
    with platform.read() as conn:
        return conn.execute(select(func.count()).select_from(events)).scalar_one()


def row_count(platform, table):
    with platform.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def list_ca(platform, h: Hierarchy) -> None:
    with platform.command("account:admin") as uow:
        trust.add_ca(uow, h.root.cert.pem, h.root.name, "root")
        trust.add_ca(uow, h.sub.cert.der, h.sub.name, "intermediate")


def status(platform, cert, usage="sign", code=BIDDER, at=None):
    with platform.read() as conn:
        return trust.check_certificate(conn, cert, at or platform.clock.now(), usage, code)


def assert_problem(r, status_code, code):
    assert r.status_code == status_code, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == code and body["title"] and body["title_zh"]
    return body


def tamper(der: bytes) -> bytes:
    marker = COMPANY.encode()
    i = der.index(marker) + len(marker) - 1
    return der[:i] + bytes([der[i] ^ 0x01]) + der[i + 1 :]


# ------------------------------------------------------------------ the trust list


def test_adding_a_ca_makes_its_certificates_valid_in_every_center_at_once(
    platform, network, client
):
    h = ca_of("rsa")
    admin = login(client, "admin")
    body = {"pem": h.sign.pem, "credit_code": BIDDER, "usage": "sign"}
    before = client.post("/api/v1/pki/certificates/status", json=body)
    assert before.status_code == 200 and before.json()["reason"] == "unknown-ca"

    r = client.post(
        "/api/v1/pki/cas",
        json={"pem": h.root.cert.pem, "name": h.root.name, "kind": "root"},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    assert r.json()["fingerprint"] == h.root.cert.fingerprint and r.json()["algorithm"] == "rsa"
    r = client.post(
        "/api/v1/pki/cas",
        json={"pem": h.sub.cert.pem, "name": h.sub.name, "kind": "intermediate"},
        headers=admin,
    )
    assert r.status_code == 201, r.text

    after = client.post("/api/v1/pki/certificates/status", json=body)
    assert after.status_code == 200
    answer = after.json()
    assert answer["ok"] and answer["reason"] is None, answer
    assert answer["entity"] == {"credit_code": BIDDER, "name": COMPANY}
    assert [p["fingerprint"] for p in answer["path"]] == [
        h.sign.fingerprint,
        h.sub.cert.fingerprint,
        h.root.cert.fingerprint,
    ]
    listed = client.get("/api/v1/pki/cas").json()
    assert [(c["name"], c["kind"]) for c in listed] == [
        (h.root.name, "root"),
        (h.sub.name, "intermediate"),
    ]
    # one network-wide event each, bound to no center: both centers read the same list
    with platform.read() as conn:
        added = conn.execute(
            select(events.c.center, events.c.actor).where(
                events.c.type == "CertificateAuthorityAdded"
            )
        ).all()
        centers = [c["code"] for c in registry.list_centers(conn)]
    assert added == [(None, "account:admin"), (None, "account:admin")]
    assert sorted(centers) == ["420100", "420200"]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_a_valid_chain_of_each_algorithm_is_accepted_for_signing_and_encryption(
    platform, network, algorithm
):
    h = ca_of(algorithm)
    list_ca(platform, h)
    signing = status(platform, h.sign.pem)
    assert signing.ok, signing.en
    assert signing.certificate is not None and signing.certificate.key_algorithm in (
        "rsa",
        "ecdsa-p256",
        "sm2",
    )
    assert status(platform, h.encrypt.der, "encrypt").ok
    trust.raise_for_status(signing)  # no exception for a good certificate


def test_removing_a_ca_makes_its_certificates_unknown(platform, network, client):
    h = ca_of("ecdsa")
    list_ca(platform, h)
    assert status(platform, h.sign.der).ok
    bidder = login(client, "bidder1")
    url = f"/api/v1/pki/cas/{h.root.cert.fingerprint}"
    assert_problem(client.delete(url, headers=bidder), 403, "forbidden")

    r = client.delete(url, params={"reason": "停止互认"}, headers=login(client, "admin"))
    assert r.status_code == 200, r.text
    result = status(platform, h.sign.der)
    assert result.reason == "unknown-ca"
    assert [c["kind"] for c in client.get("/api/v1/pki/cas").json()] == ["intermediate"]
    assert_problem(client.delete(url, headers=login(client, "admin")), 404, "not-found")


def test_only_a_platform_administrator_may_add_a_ca(platform, network, client):
    h = ca_of("rsa")
    before = event_count(platform)
    body = {"pem": h.root.cert.pem, "name": h.root.name, "kind": "root"}
    for user in ("bidder1", "staff.wuhan"):
        r = client.post("/api/v1/pki/cas", json=body, headers=login(client, user))
        assert_problem(r, 403, "forbidden")
    assert_problem(client.post("/api/v1/pki/cas", json=body), 401, "unauthorized")
    assert event_count(platform) == before + 2  # only the two sign-ins were recorded
    assert row_count(platform, trusted_cas) == 0


def test_a_retried_addition_with_the_same_idempotency_key_adds_once(platform, network, client):
    h = ca_of("rsa")
    headers = {**login(client, "admin"), "Idempotency-Key": "ca-hubei-root"}
    body = {"pem": h.root.cert.pem, "name": h.root.name, "kind": "root"}
    first = client.post("/api/v1/pki/cas", json=body, headers=headers)
    count = event_count(platform)
    again = client.post("/api/v1/pki/cas", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert event_count(platform) == count and row_count(platform, trusted_cas) == 1


@cache
def refused_additions():
    h = ca_of("rsa")
    expired = TestCA.create(
        "过期根CA",
        "rsa",
        now=NOW,
        not_before=NOW - timedelta(days=3000),
        not_after=NOW - timedelta(days=1),
    )
    weak = TestCA.create("弱密钥根CA", "rsa", now=NOW, key_size=1024)
    deeper = h.sub.intermediate("第三级CA", path_len=None)
    return {
        "a certificate that is not a CA": (h.sign.pem, "root", 422, "not-a-ca"),
        "an intermediate added as a root": (h.sub.cert.pem, "root", 422, "not-self-signed"),
        "an intermediate before its root": (h.sub.cert.pem, "intermediate", 422, "unknown-ca"),
        "an expired root": (expired.cert.pem, "root", 422, "expired"),
        "a 1024-bit root": (weak.cert.pem, "root", 422, "weak-key"),
        "a tampered root": (
            Issued(tamper_serial(h.root.cert.der, h.root.cert.serial), None).pem,
            "root",
            422,
            "bad-signature",
        ),
        "not a certificate": ("-----BEGIN CERTIFICATE-----\nAAAA\n", "root", 422, "malformed"),
        "a kind that does not exist": (h.root.cert.pem, "sub", 422, "invalid-ca-kind"),
        "the root already listed": (h.root.cert.pem, "root", 409, "ca-exists"),
        "a CA too deep for its issuer's pathLen": (
            deeper.cert.pem,
            "intermediate",
            422,
            "path-too-long",
        ),
    }


def tamper_serial(der: bytes, serial: int) -> bytes:
    """Change the serial number: the certificate still parses, its signature no longer fits."""
    encoded = serial.to_bytes((serial.bit_length() + 8) // 8, "big")
    i = der.index(encoded) + len(encoded) - 1
    return der[:i] + bytes([der[i] ^ 0x01]) + der[i + 1 :]


@pytest.mark.parametrize(
    "case",
    [
        "a certificate that is not a CA",
        "an intermediate added as a root",
        "an intermediate before its root",
        "an expired root",
        "a 1024-bit root",
        "a tampered root",
        "not a certificate",
        "a kind that does not exist",
        "the root already listed",
        "a CA too deep for its issuer's pathLen",
    ],
)
def test_a_refused_ca_addition_names_its_reason_and_changes_nothing(
    platform, network, client, case
):
    pem, kind, status_code, code = refused_additions()[case]
    h = ca_of("rsa")
    admin = login(client, "admin")
    if case in ("the root already listed", "a CA too deep for its issuer's pathLen"):
        list_ca(platform, h)
    before, listed = event_count(platform), row_count(platform, trusted_cas)
    r = client.post(
        "/api/v1/pki/cas", json={"pem": pem, "name": "某CA", "kind": kind}, headers=admin
    )
    body = assert_problem(r, status_code, code)
    assert body["detail"].count("/") >= 1  # Chinese and English
    assert event_count(platform) == before
    assert row_count(platform, trusted_cas) == listed


# ------------------------------------------------------------------ revocation


def test_a_revoked_certificate_is_refused_once_the_crl_is_imported(platform, network, client):
    h = ca_of("rsa")
    list_ca(platform, h)
    body = {"pem": h.sign.pem, "credit_code": BIDDER}
    assert client.post("/api/v1/pki/certificates/status", json=body).json()["ok"]

    crl = h.sub.crl([h.sign], number=1, revoked_at=NOW - timedelta(minutes=5))
    r = client.post(
        "/api/v1/pki/crls",
        json={"pem": _crl_pem(crl)},
        headers=login(client, "staff.wuhan"),
    )
    assert r.status_code == 201, r.text
    imported = r.json()
    assert imported["revoked_count"] == 1 and imported["crl_number"] == "1"

    answer = client.post("/api/v1/pki/certificates/status", json=body)
    assert answer.status_code == 200  # the status is the answer, even for a revoked certificate
    result = answer.json()
    assert result["ok"] is False and result["reason"] == "revoked"
    assert "吊销" in result["zh"] and "revoked" in result["en"]
    assert result["revocation"]["serial"] == h.sign.info.serial_hex
    # the encryption certificate of the same company is still good
    assert status(platform, h.encrypt.der, "encrypt").ok
    # the CRL is public evidence: listed, and downloadable by the hash its event carries
    listed = client.get("/api/v1/pki/crls").json()
    assert [c["sha256"] for c in listed] == [imported["sha256"]]
    download = client.get(f"/api/v1/documents/{imported['sha256']}")
    assert download.status_code == 200 and download.content == crl
    with pytest.raises(DomainError) as exc:
        trust.raise_for_status(status(platform, h.sign.der))
    assert exc.value.status == 422 and exc.value.code == "revoked"


def _crl_pem(der: bytes) -> str:
    from asn1crypto import pem

    return pem.armor("X509 CRL", der).decode()


def test_an_older_or_repeated_crl_is_refused(platform, network, client):
    h = ca_of("rsa")
    list_ca(platform, h)
    admin = login(client, "admin")
    newer = h.sub.crl([h.sign], number=2)
    older = h.sub.crl([], number=1)
    r = client.post("/api/v1/pki/crls", json={"pem": _crl_pem(newer)}, headers=admin)
    assert r.status_code == 201, r.text
    before = event_count(platform)
    for crl in (older, newer):
        r = client.post("/api/v1/pki/crls", json={"pem": _crl_pem(crl)}, headers=admin)
        body = assert_problem(r, 409, "crl-outdated")
        assert body["stored_number"] == "2"
    assert event_count(platform) == before
    assert status(platform, h.sign.der).reason == "revoked"  # the newer CRL still counts
    r = client.post(
        "/api/v1/pki/crls", json={"pem": _crl_pem(h.sub.crl([], number=3))}, headers=admin
    )
    assert r.status_code == 201
    assert status(platform, h.sign.der).ok  # CRL 3 no longer lists it (removed from hold)
    assert row_count(platform, revoked_certificates) == 0


def test_a_crl_of_an_unknown_ca_a_forged_crl_or_a_bidder_import_is_refused(
    platform, network, client
):
    h = ca_of("ecdsa")
    list_ca(platform, h)
    admin = login(client, "admin")
    before = event_count(platform)
    stranger = TestCA.create("陌生CA", "ecdsa", now=NOW)
    r = client.post(
        "/api/v1/pki/crls", json={"pem": _crl_pem(stranger.crl([h.sign]))}, headers=admin
    )
    assert_problem(r, 422, "unknown-ca")
    impostor = TestCA.create(h.sub.name, "ecdsa", now=NOW)  # same name, another key
    r = client.post(
        "/api/v1/pki/crls", json={"pem": _crl_pem(impostor.crl([h.sign]))}, headers=admin
    )
    assert_problem(r, 422, "bad-signature")
    r = client.post("/api/v1/pki/crls", json={"pem": "garbage"}, headers=admin)
    assert_problem(r, 422, "malformed-crl")
    r = client.post(
        "/api/v1/pki/crls",
        json={"pem": _crl_pem(h.sub.crl([h.sign]))},
        headers=login(client, "bidder1"),
    )
    assert_problem(r, 403, "forbidden")
    assert event_count(platform) == before + 1  # the bidder's sign-in only
    assert row_count(platform, crls) == 0
    assert status(platform, h.sign.der).ok


def test_a_crl_past_its_next_update_makes_the_status_unknown(platform, network, clock):
    h = ca_of("rsa")
    list_ca(platform, h)
    with platform.command("account:admin") as uow:
        trust.import_crl(uow, h.sub.crl([], number=1))  # nextUpdate in 7 days
    assert status(platform, h.sign.der).revocation_checked is False  # the root has no CRL yet
    clock.advance(days=8)
    result = status(platform, h.sign.der)
    assert result.reason == "crl-stale" and "吊销列表" in result.zh


# ------------------------------------------------------------------ status of bad certificates


@cache
def bad_certificates():
    h = ca_of("rsa")
    broken = h.root.intermediate("不是CA的中间证书", ca=False)
    deeper = h.sub.intermediate("第三级CA", path_len=None)
    stranger = TestCA.create("陌生CA", "rsa", now=NOW)
    expired = h.sub.issue(
        COMPANY, BIDDER, not_before=NOW - timedelta(days=400), not_after=NOW - timedelta(days=1)
    )
    return {
        "unknown-ca": (stranger.issue(COMPANY, BIDDER).pem, "sign", BIDDER),
        "expired": (expired.pem, "sign", BIDDER),
        "not-yet-valid": (
            h.sub.issue(COMPANY, BIDDER, not_before=NOW + timedelta(days=1)).pem,
            "sign",
            BIDDER,
        ),
        "wrong-key-usage": (h.encrypt.pem, "sign", BIDDER),
        "not-a-ca": (broken.issue(COMPANY, BIDDER).pem + broken.cert.pem, "sign", BIDDER),
        "path-too-long": (deeper.issue(COMPANY, BIDDER).pem + deeper.cert.pem, "sign", BIDDER),
        "bad-signature": (Issued(tamper(h.sign.der), None).pem, "sign", BIDDER),
        "weak-key": (h.sub.issue(COMPANY, BIDDER, key_size=1024).pem, "sign", BIDDER),
        "wrong-entity": (h.sign.pem, "sign", OTHER_BIDDER),
        "unregistered-entity": (h.sub.issue("未登记公司", UNREGISTERED).pem, "sign", None),
        "no-credit-code": (h.sub.issue("个人", None, holder="张三").pem, "sign", None),
    }


@pytest.mark.parametrize(
    "reason",
    [
        "unknown-ca",
        "expired",
        "not-yet-valid",
        "wrong-key-usage",
        "not-a-ca",
        "path-too-long",
        "bad-signature",
        "weak-key",
        "wrong-entity",
        "unregistered-entity",
        "no-credit-code",
    ],
)
def test_each_bad_certificate_gets_its_reason_and_nothing_changes(
    platform, network, client, reason
):
    pem, usage, code = bad_certificates()[reason]
    list_ca(platform, ca_of("rsa"))
    before = event_count(platform)
    body = {"pem": pem, "usage": usage, "credit_code": code}
    r = client.post("/api/v1/pki/certificates/status", json=body)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["ok"] is False and answer["status"] == "invalid"
    assert answer["reason"] == reason, answer
    assert answer["zh"] and answer["en"] and answer["zh"] != answer["en"]
    assert event_count(platform) == before
    with platform.read() as conn:
        result = trust.check_certificate(conn, pem, NOW, usage, code)
    with pytest.raises(DomainError) as exc:
        trust.raise_for_status(result)
    assert exc.value.code == reason
    assert exc.value.status == (403 if reason == "wrong-entity" else 422)


def test_a_certificate_is_checked_at_the_time_of_use_given(platform, network, client):
    h = ca_of("rsa")
    list_ca(platform, h)
    later = (NOW + timedelta(days=800)).isoformat()
    r = client.post("/api/v1/pki/certificates/status", json={"pem": h.sign.pem, "at": later})
    assert r.json()["reason"] == "expired"
    r = client.post(
        "/api/v1/pki/certificates/status", json={"pem": h.sign.pem, "at": "2026-03-02T09:00:00"}
    )
    assert_problem(r, 422, "naive-time")


def test_malformed_pem_or_a_bad_usage_is_a_422_problem(platform, network, client):
    before = event_count(platform)
    r = client.post("/api/v1/pki/certificates/status", json={"pem": "not a certificate"})
    assert_problem(r, 422, "malformed")
    r = client.post(
        "/api/v1/pki/certificates/status",
        json={"pem": "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n"},
    )
    assert_problem(r, 422, "malformed")
    r = client.post(
        "/api/v1/pki/certificates/status", json={"pem": ca_of().sign.pem, "usage": "fly"}
    )
    assert_problem(r, 422, "invalid-usage")
    r = client.post(
        "/api/v1/pki/certificates/status",
        json={"pem": ca_of().sign.pem, "credit_code": "91420100MA0000103Y"},
    )
    assert_problem(r, 422, "invalid-credit-code")
    assert event_count(platform) == before


def test_the_trust_list_is_rebuilt_from_the_log(platform, network):
    h = ca_of("rsa")
    list_ca(platform, h)
    with platform.command("account:admin") as uow:
        trust.import_crl(uow, h.sub.crl([h.sign]))
        trust.remove_ca(uow, h.sub.cert.fingerprint)
        trust.add_ca(uow, h.sub.cert.pem, h.sub.name, "intermediate")
    with platform.read() as conn:
        before = trust.list_cas(conn)
    with platform.engine.begin() as conn:
        rebuild(conn)
    with platform.read() as conn:
        assert trust.list_cas(conn) == before
    assert [c["kind"] for c in before] == ["root", "intermediate"]
    # removing the CA dropped its CRL: the certificate is good until a CRL is imported again
    assert status(platform, h.sign.der).ok
