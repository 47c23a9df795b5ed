"""Certificate parsing and path validation for RSA, ECDSA P-256 and SM2 (no database)."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID, ObjectIdentifier

from ggzy.core.codes import make_credit_code
from ggzy.pki.certs import (
    REASONS,
    CertificateError,
    load_der_all,
    parse_certificate,
    parse_crl,
    validate_path,
    verify_signed_by,
)
from ggzy.pki.testca import Issued, TestCA

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
CODE = make_credit_code("9", "1", "420100", "MA000010")
OTHER_CODE = make_credit_code("9", "1", "420100", "MA000011")
COMPANY = "武汉长江城建投资有限公司"
VECTORS = Path(__file__).resolve().parents[3] / ".." / "shared" / "vectors" / "x509_sm2"
CRL_NUMBER_ONE = bytes.fromhex("551d140403020101")  # extension cRLNumber, value INTEGER 1

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
class World:
    """A root, an issuing CA under it, and a signing and an encryption certificate."""

    root: TestCA
    sub: TestCA
    sign: Issued
    encrypt: Issued

    def check(self, cert: bytes, usage: str = "sign", at: datetime = NOW, crls=()):
        return validate_path(cert, self.sub.chain, [self.root.cert.der], at, list(crls), usage)


_WORLDS: dict[str, World] = {}


def world_of(algorithm: str) -> World:
    if algorithm not in _WORLDS:
        root = TestCA.create(f"测试根CA {algorithm}", algorithm, now=NOW, path_len=1)
        sub = root.intermediate(f"测试企业CA {algorithm}", path_len=0)
        _WORLDS[algorithm] = World(
            root, sub, sub.issue(COMPANY, CODE), sub.issue(COMPANY, CODE, usage="encrypt")
        )
    return _WORLDS[algorithm]


@pytest.fixture(params=ALGORITHMS)
def world(request: pytest.FixtureRequest) -> World:
    return world_of(request.param)


def assert_refused(result, reason: str) -> None:
    assert not result.ok
    assert result.reason == reason, (result.reason, result.en)
    zh, en = REASONS[reason]
    assert result.zh.startswith(zh) and result.en.startswith(en)


# ------------------------------------------------------------------ parsing


def test_a_certificate_of_each_algorithm_parses_the_same_way(world: World) -> None:
    info = world.sign.info
    assert (
        info.key_algorithm
        == {"rsa": "rsa", "ecdsa": "ecdsa-p256", "sm2": "sm2"}[world.root.algorithm]
    )
    assert info.credit_code == CODE
    assert info.not_before.tzinfo is UTC and info.not_after > info.not_before
    assert info.key_usage == frozenset({"digital_signature", "non_repudiation"})
    assert "client_auth" in info.extended_key_usage
    assert not info.is_ca and world.sub.cert.info.is_ca and world.sub.cert.info.path_len == 0
    assert info.authority_key_id == world.sub.cert.info.subject_key_id
    assert len(info.fingerprint) == 64 and info.common_name == COMPANY
    assert f"serialNumber={CODE}" in info.subject and "C=CN" in info.subject
    # PEM and DER give the same certificate
    assert parse_certificate(info.pem()) == parse_certificate(world.sign.der)


def test_the_credit_code_is_found_in_each_place_chinese_cas_put_it() -> None:
    key = ec.generate_private_key(ec.SECP256R1())

    def code_in(*attrs: tuple[ObjectIdentifier, str]) -> str | None:
        name = x509.Name([x509.NameAttribute(oid, v) for oid, v in attrs])
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(7)
            .not_valid_before(NOW)
            .not_valid_after(NOW + timedelta(days=1))
            .sign(key, hashes.SHA256())
        )
        return parse_certificate(cert.public_bytes(serialization.Encoding.DER)).credit_code

    cn = (NameOID.COMMON_NAME, COMPANY)
    assert code_in(cn, (NameOID.SERIAL_NUMBER, CODE)) == CODE
    assert code_in(cn, (NameOID.ORGANIZATION_IDENTIFIER, f"NTRCN-{CODE}")) == CODE
    assert code_in(cn, (NameOID.ORGANIZATION_IDENTIFIER, f"USCC{CODE}")) == CODE
    assert code_in(cn, (NameOID.ORGANIZATIONAL_UNIT_NAME, CODE.lower())) == CODE
    assert code_in(cn, (ObjectIdentifier("1.2.156.10260.4.1.4"), CODE)) == CODE
    # serialNumber comes first; a value that is not a valid code is skipped
    assert (
        code_in(cn, (NameOID.ORGANIZATIONAL_UNIT_NAME, OTHER_CODE), (NameOID.SERIAL_NUMBER, CODE))
        == CODE
    )
    assert code_in(cn, (NameOID.SERIAL_NUMBER, "91420100MA0000103Y")) is None
    assert code_in(cn, (NameOID.SERIAL_NUMBER, "ID-420102199001011234")) is None


def test_malformed_input_is_refused_as_malformed() -> None:
    for bad in (b"", "not a certificate", b"\x30\x03\x02\x01\x01", "-----BEGIN CERTIFICATE-----\n"):
        with pytest.raises(CertificateError) as exc:
            parse_certificate(bad)
        assert exc.value.reason == "malformed"
    result = validate_path(b"\x30\x00", [], [], NOW, [], "sign")
    assert_refused(result, "malformed")


def test_a_pem_chain_gives_every_block_in_order() -> None:
    w = world_of("ecdsa")
    text = w.sign.pem + w.sub.cert.pem
    assert load_der_all(text) == [w.sign.der, w.sub.cert.der]


def test_an_rsa_key_under_2048_bits_is_weak() -> None:
    ca = world_of("rsa").sub
    weak = ca.issue(COMPANY, CODE, key_size=1024)
    with pytest.raises(CertificateError) as exc:
        parse_certificate(weak.der)
    assert exc.value.reason == "weak-key" and "1024" in exc.value.zh
    assert parse_certificate(weak.der, strict=False).key_bits == 1024
    assert_refused(world_of("rsa").check(weak.der), "weak-key")


def test_a_p384_key_is_an_unsupported_algorithm() -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "P-384")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(9)
        .not_valid_before(NOW)
        .not_valid_after(NOW + timedelta(days=1))
        .sign(key, hashes.SHA384())
    )
    with pytest.raises(CertificateError) as exc:
        parse_certificate(cert.public_bytes(serialization.Encoding.DER))
    assert exc.value.reason == "unsupported-algorithm"


# ------------------------------------------------------------------ valid paths


def test_a_valid_chain_passes_for_signing_and_encryption(world: World) -> None:
    crls = [world.root.crl(), world.sub.crl()]
    ok = world.check(world.sign.der, "sign", crls=crls)
    assert ok.ok and ok.reason is None, ok.en
    assert [c.fingerprint for c in ok.path] == [
        world.sign.fingerprint,
        world.sub.cert.fingerprint,
        world.root.cert.fingerprint,
    ]
    assert ok.revocation_checked
    assert world.check(world.encrypt.der, "encrypt", crls=crls).ok
    assert world.check(world.sign.der, "login").ok
    without_crls = world.check(world.sign.der)
    assert without_crls.ok and not without_crls.revocation_checked


def test_the_third_party_tongsuo_sm2_chain_validates_and_a_tampered_one_does_not() -> None:
    if not SM2_READY:
        pytest.skip("ggzy.pki.sm2cert (SM2 certificates) is not importable yet")
    if not VECTORS.exists():
        pytest.skip(f"shared test vectors not found at {VECTORS}")
    root, sub = load_der_all((VECTORS / "tongsuo_chain_ca.pem").read_bytes())
    for name in ("tongsuo_server_sign.pem", "tongsuo_client_sign.pem"):
        leaf = load_der_all((VECTORS / name).read_bytes())[0]
        result = validate_path(leaf, [sub], [root], NOW, [], "sign")
        assert result.ok, result.en
        assert parse_certificate(leaf).key_algorithm == "sm2"
        assert_refused(validate_path(tamper(leaf), [sub], [root], NOW, [], "sign"), "bad-signature")


def test_rsa_pss_and_ecdsa_sha384_signatures_verify() -> None:
    ca = world_of("rsa").root
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, COMPANY)])
    issuer = x509.load_der_x509_certificate(ca.cert.der).subject
    pss = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(11)
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=1))
        .sign(
            ca.cert.key,
            hashes.SHA384(),
            rsa_padding=padding.PSS(padding.MGF1(hashes.SHA384()), 48),
        )
    )
    info = parse_certificate(pss.public_bytes(serialization.Encoding.DER))
    assert info.signature_algorithm == "rsassa_pss"
    spki = ca.cert.info.spki_der
    assert verify_signed_by(info.tbs_der, info.signature, info.signature_algorithm_der, spki)
    assert not verify_signed_by(info.tbs_der + b"x", info.signature, "rsassa_pss", spki)
    assert validate_path(info.der, [], [ca.cert.der], NOW, [], "sign").ok

    ec_ca = world_of("ecdsa").root
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(x509.load_der_x509_certificate(ec_ca.cert.der).subject)
        .public_key(ec.generate_private_key(ec.SECP256R1()).public_key())
        .serial_number(12)
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=1))
        .sign(ec_ca.cert.key, hashes.SHA384())
    )
    info = parse_certificate(cert.public_bytes(serialization.Encoding.DER))
    assert info.signature_algorithm == "sha384_ecdsa"
    assert verify_signed_by(info.tbs_der, info.signature, "sha384_ecdsa", ec_ca.cert.info.spki_der)
    # a key of the wrong type never verifies
    assert not verify_signed_by(info.tbs_der, info.signature, "sha384_ecdsa", spki)


# ------------------------------------------------------------------ refusals


def test_a_certificate_from_an_unknown_ca_is_refused(world: World) -> None:
    stranger = TestCA.create("陌生CA", world.root.algorithm, now=NOW)
    cert = stranger.issue(COMPANY, CODE)
    assert_refused(world.check(cert.der), "unknown-ca")
    # the stranger's own intermediate chain does not help without its root as an anchor
    result = validate_path(cert.der, [stranger.cert.der], [world.root.cert.der], NOW, [], "sign")
    assert_refused(result, "unknown-ca")


def test_an_expired_and_a_not_yet_valid_certificate_are_refused(world: World) -> None:
    old = world.sub.issue(
        COMPANY, CODE, not_before=NOW - timedelta(days=400), not_after=NOW - timedelta(days=35)
    )
    result = world.check(old.der)
    assert_refused(result, "expired")
    assert "过期" in result.zh and result.failed is not None
    future = world.sub.issue(COMPANY, CODE, not_before=NOW + timedelta(days=2))
    assert_refused(world.check(future.der), "not-yet-valid")
    # the same certificate is valid once its time has come, and expires after not_after
    assert world.check(future.der, at=NOW + timedelta(days=3)).ok
    assert_refused(world.check(world.sign.der, at=NOW + timedelta(days=800)), "expired")


def test_a_revoked_certificate_is_refused_from_its_revocation_date(world: World) -> None:
    revoked_at = NOW - timedelta(minutes=30)
    crls = [world.sub.crl([world.sign], revoked_at=revoked_at), world.root.crl()]
    result = world.check(world.sign.der, crls=crls)
    assert_refused(result, "revoked")
    assert world.sign.info.serial_hex in result.zh and result.details["revoked_at"]
    # before the revocation date the certificate was good; other certificates stay good
    assert world.check(world.sign.der, at=revoked_at - timedelta(minutes=1), crls=crls).ok
    assert world.check(world.encrypt.der, "encrypt", crls=crls).ok


def test_a_crl_past_its_next_update_is_stale(world: World) -> None:
    crls = [
        world.sub.crl(this_update=NOW - timedelta(days=9), next_update=NOW - timedelta(days=2)),
        world.root.crl(),
    ]
    result = world.check(world.sign.der, crls=crls)
    assert_refused(result, "crl-stale")
    # a CRL issued after the time of use covers it
    later = world.sub.crl(number=2, this_update=NOW + timedelta(hours=1))
    assert world.check(world.sign.der, crls=[*crls, later]).ok


def test_a_crl_signed_by_another_key_is_ignored(world: World) -> None:
    impostor = TestCA.create(world.sub.name, world.root.algorithm, now=NOW)
    fake = impostor.crl([world.sign])
    assert parse_crl(fake).issuer == parse_crl(world.sub.crl()).issuer
    result = world.check(world.sign.der, crls=[fake])
    assert result.ok and not result.revocation_checked


def test_an_encryption_certificate_cannot_sign(world: World) -> None:
    result = world.check(world.encrypt.der, "sign")
    assert_refused(result, "wrong-key-usage")
    assert "数字签名" in result.zh and "digitalSignature" in result.en
    assert_refused(world.check(world.sign.der, "encrypt"), "wrong-key-usage")


def test_an_intermediate_without_ca_true_cannot_issue(world: World) -> None:
    broken = world.root.intermediate("不是CA的中间证书", ca=False)
    leaf = broken.issue(COMPANY, CODE)
    result = validate_path(leaf.der, broken.chain, [world.root.cert.der], NOW, [], "sign")
    assert_refused(result, "not-a-ca")
    assert result.failed is not None and result.failed.fingerprint == broken.cert.fingerprint


def test_a_path_longer_than_the_path_length_constraint_is_refused(world: World) -> None:
    deeper = world.sub.intermediate("第三级CA", path_len=None)  # sub has pathLen 0
    leaf = deeper.issue(COMPANY, CODE)
    result = validate_path(leaf.der, deeper.chain, [world.root.cert.der], NOW, [], "sign")
    assert_refused(result, "path-too-long")
    # validated as a CA itself, the third-level CA already breaks its issuer's pathLen 0
    as_ca = validate_path(deeper.cert.der, world.sub.chain, [world.root.cert.der], NOW, [], "ca")
    assert_refused(as_ca, "path-too-long")


def test_a_tampered_certificate_has_a_bad_signature(world: World) -> None:
    result = world.check(tamper(world.sign.der))
    assert_refused(result, "bad-signature")


def test_a_tampered_crl_is_ignored_but_a_genuine_one_counts(world: World) -> None:
    genuine = world.sub.crl([world.sign])
    forged = tamper(genuine, CRL_NUMBER_ONE)  # still lists the certificate, signature broken
    assert world.check(world.sign.der, crls=[forged]).ok
    assert_refused(world.check(world.sign.der, crls=[genuine]), "revoked")


def tamper(der: bytes, inside: bytes | None = None) -> bytes:
    """Flip one byte inside a name in the signed part, keeping the DER well formed."""
    for marker in (inside, COMPANY.encode(), b"sign", b"CN"):
        if marker and marker in der:
            i = der.index(marker) + len(marker) - 1
            return der[:i] + bytes([der[i] ^ 0x01]) + der[i + 1 :]
    raise AssertionError("nothing to tamper with")
