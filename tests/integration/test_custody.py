"""Medium-less certificates (去介质): the key lives in custody, usable only when unlocked."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from factories import seed_parties
from ggzy.core.codes import make_credit_code
from ggzy.core.errors import DomainError
from ggzy.core.tables import events
from ggzy.pki.custody import custody_of, enroll, unlocked
from ggzy.pki.tables import custody_keys
from ggzy.pki.testca import TestCA

PASSPHRASE = "楚天建设-2026-签章口令"
CREDIT_CODE = make_credit_code("9", "1", "420100", "MA000010")


@pytest.fixture
def issued(clock):
    ca = TestCA.create("湖北数字证书认证中心（测试）", "ecdsa", now=clock.now())
    return ca.issue("湖北楚天建设工程有限公司", CREDIT_CODE, usage="sign")


def der_key(issued):
    return issued.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def test_an_unlocked_custody_key_signs_and_the_signature_verifies(platform, issued):
    seed_parties(platform)
    with platform.command("account:bidder1") as uow:
        record = enroll(uow, "bidder1", der_key(issued), issued.der, PASSPHRASE)
    with (
        platform.command("account:bidder1") as uow,
        unlocked(uow, "bidder1", record.fingerprint, PASSPHRASE, "sign bid") as key_der,
    ):
        key = serialization.load_der_private_key(key_der, None)
        signature = key.sign(b"bid", ec.ECDSA(hashes.SHA256()))
    issued.key.public_key().verify(signature, b"bid", ec.ECDSA(hashes.SHA256()))
    with platform.read() as conn:
        kinds = [e for e in conn.execute(select(events.c.type)).scalars() if "Custody" in e]
    assert kinds == ["CustodyKeyEnrolled", "CustodyKeyUsed"]


def test_a_wrong_passphrase_leaves_the_key_locked(platform, issued):
    seed_parties(platform)
    with platform.command("account:bidder1") as uow:
        record = enroll(uow, "bidder1", der_key(issued), issued.der, PASSPHRASE)
    with (
        pytest.raises(DomainError) as err,
        platform.command("account:bidder1") as uow,
        unlocked(uow, "bidder1", record.fingerprint, "not-the-passphrase", "sign bid"),
    ):
        pytest.fail("the key must not unlock")
    assert err.value.status == 401 and err.value.code == "wrong-passphrase"


def test_the_private_key_is_never_stored_or_logged_in_the_clear(platform, issued):
    seed_parties(platform)
    secret = der_key(issued)
    with platform.command("account:bidder1") as uow:
        enroll(uow, "bidder1", secret, issued.der, PASSPHRASE)
    with platform.read() as conn:
        stored = conn.execute(select(custody_keys)).one()
        payloads = " ".join(conn.execute(select(events.c.payload)).scalars())
    assert secret not in bytes(stored.wrapped_key)
    assert secret[-32:] not in bytes(stored.wrapped_key)
    assert base64.b64encode(secret[-32:]).decode()[:20] not in payloads
    assert secret.hex()[-40:] not in payloads


def test_another_account_cannot_unlock_the_key(platform, issued):
    seed_parties(platform)
    with platform.command("account:bidder1") as uow:
        record = enroll(uow, "bidder1", der_key(issued), issued.der, PASSPHRASE)
    with (
        pytest.raises(DomainError) as err,
        platform.command("account:bidder2") as uow,
        unlocked(uow, "bidder2", record.fingerprint, PASSPHRASE, "sign"),
    ):
        pass
    assert err.value.status == 404
    with platform.read() as conn:
        assert [r.username for r in custody_of(conn, "bidder1")] == ["bidder1"]


def test_a_short_passphrase_is_refused(platform, issued):
    seed_parties(platform)
    with pytest.raises(DomainError) as err, platform.command("account:bidder1") as uow:
        enroll(uow, "bidder1", der_key(issued), issued.der, "short")
    assert err.value.code == "weak-passphrase"


def test_a_custody_key_signs_a_digest_over_the_api_without_seeing_the_document(platform, issued):
    import hashlib

    from fastapi.testclient import TestClient

    from factories import PASSWORD
    from ggzy.pki.signatures import verify_detached
    from ggzy.web.app import create_app

    seed_parties(platform, certificates=False)
    with platform.command("account:bidder1") as uow:
        record = enroll(uow, "bidder1", der_key(issued), issued.der, PASSPHRASE)
    client = TestClient(create_app(platform), raise_server_exceptions=False)
    token = client.post("/api/v1/auth/token", json={"username": "bidder1", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    letter = "投标函：投标报价人民币玖佰捌拾万元整".encode()
    body = {
        "fingerprint": record.fingerprint,
        "passphrase": PASSPHRASE,
        "digest": hashlib.sha256(letter).hexdigest(),
        "purpose": "sign bid letter",
    }
    r = client.post("/api/v1/custody/sign", json=body, headers=headers)
    assert r.status_code == 200, r.text
    verified = verify_detached(letter, base64.b64decode(r.json()["signature"]))
    assert verified.ok and verified.credit_code == CREDIT_CODE
    wrong = client.post(
        "/api/v1/custody/sign", json=body | {"passphrase": "wrong-passphrase"}, headers=headers
    )
    assert wrong.status_code == 401 and wrong.json()["code"] == "wrong-passphrase"
