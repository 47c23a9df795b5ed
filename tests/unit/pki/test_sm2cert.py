"""SM2 certificates and CRLs: issue a chain, verify it here and natively in Tongsuo, and verify
the third-party Tongsuo chain in ../shared/vectors/x509_sm2."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import crl as asn1_crl
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509 as crypto_x509
from tongsuopy.backends.tongsuo.binding import Binding

from ggzy.pki.sm import (
    EC_PUBLIC_KEY_OID,
    SM2_WITH_SM3_OID,
    SM2P256V1_OID,
    SM2PrivateKey,
    generate_sm2_key,
)
from ggzy.pki.sm2cert import (
    issue_sm2_certificate,
    issue_sm2_crl,
    sm2_key_identifier,
    sm2_public_key_of_certificate,
    verify_sm2_certificate,
    verify_sm2_crl,
    verify_sm2_signed,
)

SHARED_CHAIN = Path(__file__).resolve().parents[3] / ".." / "shared" / "vectors" / "x509_sm2"
NOW = datetime.now(UTC).replace(microsecond=0)
CREDIT_CODE = "91350100M000100Y43"


@dataclass(frozen=True)
class Chain:
    root_key: SM2PrivateKey
    inter_key: SM2PrivateKey
    leaf_key: SM2PrivateKey
    root: bytes
    inter: bytes
    leaf: bytes


def _issue_chain() -> Chain:
    root_key, inter_key, leaf_key = generate_sm2_key(), generate_sm2_key(), generate_sm2_key()
    start, end = NOW - timedelta(days=1), NOW + timedelta(days=3650)
    ca_usage = {"key_cert_sign", "crl_sign"}
    root = issue_sm2_certificate(
        {"country_name": "CN", "organization_name": "OpenGGZY", "common_name": "示例根CA"},
        root_key.public_key(),
        None,
        root_key,
        serial=1,
        not_before=start,
        not_after=end,
        ca=True,
        path_len=1,
        key_usage=ca_usage,
    )
    inter = issue_sm2_certificate(
        {"country_name": "CN", "organization_name": "OpenGGZY", "common_name": "示例中级CA"},
        inter_key.public_key(),
        root,
        root_key,
        serial=2,
        not_before=start,
        not_after=end,
        ca=True,
        path_len=0,
        key_usage=ca_usage,
    )
    leaf = issue_sm2_certificate(
        {
            "country_name": "CN",
            "organization_name": "示例建设工程有限公司",
            "serial_number": CREDIT_CODE,
            "common_name": "张三",
        },
        leaf_key.public_key(),
        inter,
        inter_key,
        serial=0x1234567890ABCDEF,
        not_before=start,
        not_after=NOW + timedelta(days=365),
        ca=False,
        path_len=None,
        key_usage={"digital_signature", "non_repudiation"},
    )
    return Chain(root_key, inter_key, leaf_key, root, inter, leaf)


@pytest.fixture(scope="module")
def chain() -> Chain:
    return _issue_chain()


def _tbs_sig_spki(cert_der: bytes) -> tuple[bytes, bytes, bytes]:
    cert = asn1_x509.Certificate.load(cert_der)
    tbs = cert["tbs_certificate"]
    return tbs.dump(), bytes(cert["signature_value"].native), tbs["subject_public_key_info"].dump()


def _flip_in_tbs(cert_der: bytes) -> bytes:
    """Change 张三 to 张丈 in the subject: the DER stays well-formed, the signature does not."""
    at = cert_der.index("张三".encode()) + 5
    return cert_der[:at] + bytes([cert_der[at] ^ 1]) + cert_der[at + 1 :]


def _roles(chain: Chain) -> dict[str, tuple[bytes, bytes]]:
    return {
        "root": (chain.root, chain.root),
        "intermediate": (chain.inter, chain.root),
        "end entity": (chain.leaf, chain.inter),
    }


# ----------------------------------------------------------------------- issued chain


@pytest.mark.parametrize("role", ["root", "intermediate", "end entity"])
def test_each_issued_certificate_verifies_against_its_issuer(chain: Chain, role: str) -> None:
    cert, issuer = _roles(chain)[role]
    tbs, signature, _ = _tbs_sig_spki(cert)
    assert verify_sm2_signed(tbs, signature, _tbs_sig_spki(issuer)[2])
    assert verify_sm2_certificate(cert, issuer)


def test_a_certificate_does_not_verify_against_a_ca_that_did_not_sign_it(chain: Chain) -> None:
    assert not verify_sm2_certificate(chain.leaf, chain.root)
    tbs, signature, _ = _tbs_sig_spki(chain.leaf)
    assert not verify_sm2_signed(tbs, signature, _tbs_sig_spki(chain.root)[2])


def test_a_tampered_tbs_certificate_fails_verification(chain: Chain) -> None:
    tampered = _flip_in_tbs(chain.leaf)
    tbs, signature, _ = _tbs_sig_spki(tampered)
    assert not verify_sm2_signed(tbs, signature, _tbs_sig_spki(chain.inter)[2])
    assert not verify_sm2_certificate(tampered, chain.inter)


def test_verify_signed_returns_false_for_an_issuer_spki_that_is_not_sm2(chain: Chain) -> None:
    tbs, signature, _ = _tbs_sig_spki(chain.leaf)
    assert verify_sm2_signed(tbs, signature, b"\x30\x00") is False


def test_issued_certificate_uses_sm2_with_sm3_without_parameters(chain: Chain) -> None:
    cert = asn1_x509.Certificate.load(chain.leaf)
    for algorithm in (cert["signature_algorithm"], cert["tbs_certificate"]["signature"]):
        assert algorithm["algorithm"].dotted == SM2_WITH_SM3_OID
        assert algorithm["parameters"].native is None
        assert algorithm.dump() == bytes.fromhex("300a06082a811ccf55018375")


def test_issued_certificate_has_an_sm2_subject_public_key_info(chain: Chain) -> None:
    spki = asn1_x509.Certificate.load(chain.leaf)["tbs_certificate"]["subject_public_key_info"]
    assert spki["algorithm"]["algorithm"].dotted == EC_PUBLIC_KEY_OID
    assert spki["algorithm"]["parameters"].chosen.dotted == SM2P256V1_OID
    assert sm2_public_key_of_certificate(chain.leaf) == chain.leaf_key.public_key()


def test_issued_certificate_carries_the_requested_subject_serial_and_validity(
    chain: Chain,
) -> None:
    cert = asn1_x509.Certificate.load(chain.leaf)
    subject = cert.subject.native
    assert subject["common_name"] == "张三"
    assert subject["serial_number"] == CREDIT_CODE
    assert subject["country_name"] == "CN"
    assert cert.serial_number == 0x1234567890ABCDEF
    assert cert.issuer == asn1_x509.Certificate.load(chain.inter).subject
    assert cert.not_valid_before == NOW - timedelta(days=1)
    assert cert.not_valid_after == NOW + timedelta(days=365)


def test_basic_constraints_and_key_usage_are_critical_and_as_requested(chain: Chain) -> None:
    inter = asn1_x509.Certificate.load(chain.inter)
    leaf = asn1_x509.Certificate.load(chain.leaf)
    assert {"basic_constraints", "key_usage"} <= inter.critical_extensions
    assert inter.basic_constraints_value.native == {"ca": True, "path_len_constraint": 0}
    assert inter.key_usage_value.native == {"key_cert_sign", "crl_sign"}
    assert leaf.basic_constraints_value.native == {"ca": False, "path_len_constraint": None}
    assert leaf.key_usage_value.native == {"digital_signature", "non_repudiation"}


def test_authority_key_identifier_is_the_issuers_subject_key_identifier(chain: Chain) -> None:
    root = asn1_x509.Certificate.load(chain.root)
    inter = asn1_x509.Certificate.load(chain.inter)
    assert root.key_identifier == sm2_key_identifier(chain.root_key.public_key())
    assert root.authority_key_identifier == root.key_identifier
    assert inter.authority_key_identifier == root.key_identifier
    assert inter.key_identifier == sm2_key_identifier(chain.inter_key.public_key())


def test_validity_from_2050_is_written_as_generalized_time() -> None:
    key = generate_sm2_key()
    cert = issue_sm2_certificate(
        {"common_name": "long-lived"},
        key.public_key(),
        None,
        key,
        serial=9,
        not_before=datetime(2049, 12, 31, tzinfo=UTC),
        not_after=datetime(2060, 1, 1, tzinfo=UTC),
        ca=True,
        path_len=None,
        key_usage={"key_cert_sign"},
    )
    validity = asn1_x509.Certificate.load(cert)["tbs_certificate"]["validity"]
    assert validity["not_before"].name == "utc_time"
    assert validity["not_after"].name == "general_time"


def test_extra_extensions_are_added_after_the_standard_ones(chain: Chain) -> None:
    cert = issue_sm2_certificate(
        {"common_name": "server"},
        chain.leaf_key.public_key(),
        chain.inter,
        chain.inter_key,
        serial=77,
        not_before=NOW,
        not_after=NOW + timedelta(days=30),
        ca=False,
        path_len=None,
        key_usage={"digital_signature"},
        extra_extensions=[
            {
                "extn_id": "subject_alt_name",
                "critical": False,
                "extn_value": [asn1_x509.GeneralName({"dns_name": "ggzy.example.cn"})],
            }
        ],
    )
    parsed = asn1_x509.Certificate.load(cert)
    assert parsed.valid_domains == ["ggzy.example.cn"]
    assert verify_sm2_certificate(cert, chain.inter)


def test_cryptography_parses_issued_certificates_but_not_their_sm2_key(chain: Chain) -> None:
    cert = crypto_x509.load_der_x509_certificate(chain.leaf)
    assert cert.signature_algorithm_oid.dotted_string == SM2_WITH_SM3_OID
    assert cert.extensions.get_extension_for_class(crypto_x509.BasicConstraints).critical
    assert cert.tbs_certificate_bytes == _tbs_sig_spki(chain.leaf)[0]


# ----------------------------------------------------------- refusals at construction


def _issue_leaf_under(issuer_cert: bytes, issuer_key: SM2PrivateKey, **overrides: Any) -> bytes:
    args: dict[str, Any] = {
        "subject": {"common_name": "x"},
        "subject_public": generate_sm2_key().public_key(),
        "issuer_cert_der": issuer_cert,
        "issuer_key": issuer_key,
        "serial": 5,
        "not_before": NOW,
        "not_after": NOW + timedelta(days=1),
        "ca": False,
        "path_len": None,
        "key_usage": {"digital_signature"},
    }
    args.update(overrides)
    return issue_sm2_certificate(**args)


def test_issuing_with_a_key_that_does_not_match_the_issuer_certificate_is_refused(
    chain: Chain,
) -> None:
    with pytest.raises(ValueError, match="does not match the issuer certificate"):
        _issue_leaf_under(chain.inter, chain.root_key)


def test_an_end_entity_certificate_cannot_issue_certificates(chain: Chain) -> None:
    with pytest.raises(ValueError, match="not a CA"):
        _issue_leaf_under(chain.leaf, chain.leaf_key)


def test_check_issuer_false_builds_a_deliberately_invalid_chain_for_tests(chain: Chain) -> None:
    cert = _issue_leaf_under(chain.leaf, chain.leaf_key, check_issuer=False)
    assert verify_sm2_certificate(cert, chain.leaf)


def test_a_ca_with_path_length_zero_cannot_issue_a_sub_ca(chain: Chain) -> None:
    with pytest.raises(ValueError, match="pathLenConstraint 0"):
        _issue_leaf_under(chain.inter, chain.inter_key, ca=True, key_usage={"key_cert_sign"})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"not_before": datetime(2026, 1, 1)}, "timezone-aware"),
        ({"not_after": NOW - timedelta(days=1)}, "earlier than not_after"),
        ({"serial": 0}, "positive"),
        ({"serial": 1 << 160}, "20 octets"),
        ({"key_usage": {"sign_everything"}}, "unknown key usage"),
        ({"key_usage": {"key_cert_sign"}}, "requires ca=True"),
        ({"path_len": 3}, "only allowed on CA"),
        ({"subject": {}}, "at least one attribute"),
    ],
    ids=[
        "naive",
        "inverted",
        "zero serial",
        "huge serial",
        "usage",
        "certsign",
        "pathlen",
        "empty",
    ],
)
def test_invalid_requests_are_refused_with_a_message(
    chain: Chain, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        _issue_leaf_under(chain.inter, chain.inter_key, **overrides)


def test_a_self_signed_certificate_needs_the_subjects_own_key() -> None:
    with pytest.raises(ValueError, match="self-signed"):
        _issue_leaf_under(None, generate_sm2_key())  # type: ignore[arg-type]


def test_duplicate_extensions_are_refused(chain: Chain) -> None:
    duplicate = {"extn_id": "key_usage", "critical": True, "extn_value": {"crl_sign"}}
    with pytest.raises(ValueError, match="duplicate extension"):
        _issue_leaf_under(chain.inter, chain.inter_key, extra_extensions=[duplicate])


# ------------------------------------------------------------------------------ CRLs


@pytest.fixture(scope="module")
def crl(chain: Chain) -> bytes:
    return issue_sm2_crl(
        chain.inter,
        chain.inter_key,
        revoked=[(0x1234567890ABCDEF, NOW - timedelta(hours=1)), (99, NOW)],
        this_update=NOW,
        next_update=NOW + timedelta(days=7),
        crl_number=42,
        reasons={99: "key_compromise"},
    )


def test_crl_verifies_against_its_issuer_and_not_another(chain: Chain, crl: bytes) -> None:
    assert verify_sm2_crl(crl, chain.inter)
    assert not verify_sm2_crl(crl, chain.root)


def test_crl_lists_the_revoked_serials_times_reasons_and_number(crl: bytes) -> None:
    tbs = asn1_crl.CertificateList.load(crl)["tbs_cert_list"]
    entries = {e["user_certificate"].native: e for e in tbs["revoked_certificates"]}
    assert set(entries) == {0x1234567890ABCDEF, 99}
    assert entries[99]["revocation_date"].native == NOW
    assert entries[99].crl_reason_value.native == "key_compromise"
    assert entries[0x1234567890ABCDEF].crl_reason_value is None
    assert asn1_crl.CertificateList.load(crl).crl_number_value.native == 42
    assert tbs["version"].native == "v2"


def test_a_crl_with_a_tampered_tbs_fails_verification(chain: Chain, crl: bytes) -> None:
    original = asn1_crl.CertificateList.load(crl)
    other_tbs = asn1_crl.CertificateList.load(
        issue_sm2_crl(chain.inter, chain.inter_key, [], NOW, NOW + timedelta(days=7), 42)
    )["tbs_cert_list"]
    tampered = asn1_crl.CertificateList(
        {
            "tbs_cert_list": other_tbs,
            "signature_algorithm": original["signature_algorithm"],
            "signature": original["signature"],
        }
    ).dump()
    assert not verify_sm2_crl(tampered, chain.inter)
    spki = _tbs_sig_spki(chain.inter)[2]
    assert not verify_sm2_signed(other_tbs.dump(), original["signature"].native, spki)


def test_a_crl_without_revocations_omits_the_revoked_list(chain: Chain) -> None:
    empty = issue_sm2_crl(chain.inter, chain.inter_key, [], NOW, NOW + timedelta(days=1), 43)
    tbs = asn1_crl.CertificateList.load(empty)["tbs_cert_list"]
    assert tbs["revoked_certificates"].native is None
    assert not tbs["revoked_certificates"].contents
    assert verify_sm2_crl(empty, chain.inter)


def test_an_issuer_without_crl_sign_cannot_issue_a_crl() -> None:
    key = generate_sm2_key()
    ca = issue_sm2_certificate(
        {"common_name": "certs only"},
        key.public_key(),
        None,
        key,
        serial=3,
        not_before=NOW,
        not_after=NOW + timedelta(days=1),
        ca=True,
        path_len=0,
        key_usage={"key_cert_sign"},
    )
    with pytest.raises(ValueError, match="crl_sign"):
        issue_sm2_crl(ca, key, [], NOW, NOW + timedelta(days=1), 1)


# ------------------------------------------------------ native cross-check in Tongsuo


class _Tongsuo:
    """Just enough of Tongsuo's X509 API through tongsuopy's cffi binding."""

    def __init__(self) -> None:
        binding = Binding()
        self.lib, self.ffi = binding.lib, binding.ffi

    def _bio(self, der: bytes) -> Any:
        bio = self.lib.BIO_new_mem_buf(der, len(der))
        assert bio != self.ffi.NULL
        return self.ffi.gc(bio, self.lib.BIO_free)

    def x509(self, der: bytes) -> Any:
        cert = self.lib.d2i_X509_bio(self._bio(der), self.ffi.NULL)
        assert cert != self.ffi.NULL
        return self.ffi.gc(cert, self.lib.X509_free)

    def verify_chain(self, root: bytes, intermediates: list[bytes], leaf: bytes) -> str:
        """Run X509_verify_cert (signatures, names, validity, CA flags); return the result text."""
        lib, ffi = self.lib, self.ffi
        store = ffi.gc(lib.X509_STORE_new(), lib.X509_STORE_free)
        assert lib.X509_STORE_add_cert(store, self.x509(root)) == 1
        lib.X509_STORE_set_flags(store, lib.X509_V_FLAG_CHECK_SS_SIGNATURE)
        untrusted = ffi.gc(lib.sk_X509_new_null(), lib.sk_X509_free)
        kept = [self.x509(der) for der in intermediates]
        for cert in kept:
            lib.sk_X509_push(untrusted, cert)
        target = self.x509(leaf)
        ctx = ffi.gc(lib.X509_STORE_CTX_new(), lib.X509_STORE_CTX_free)
        assert lib.X509_STORE_CTX_init(ctx, store, target, untrusted) == 1
        ok = lib.X509_verify_cert(ctx)
        error = ffi.string(lib.X509_verify_cert_error_string(lib.X509_STORE_CTX_get_error(ctx)))
        lib.ERR_clear_error()
        return "ok" if ok == 1 else error.decode()

    def verify_crl(self, crl: bytes, issuer: bytes) -> bool:
        lib, ffi = self.lib, self.ffi
        parsed = lib.d2i_X509_CRL_bio(self._bio(crl), ffi.NULL)
        assert parsed != ffi.NULL
        parsed = ffi.gc(parsed, lib.X509_CRL_free)
        key = ffi.gc(lib.X509_get_pubkey(self.x509(issuer)), lib.EVP_PKEY_free)
        ok = lib.X509_CRL_verify(parsed, key) == 1
        lib.ERR_clear_error()
        return bool(ok)


@pytest.fixture(scope="module")
def tongsuo() -> _Tongsuo:
    return _Tongsuo()


def test_tongsuo_verifies_the_issued_chain_natively(chain: Chain, tongsuo: _Tongsuo) -> None:
    assert tongsuo.verify_chain(chain.root, [chain.inter], chain.leaf) == "ok"


def test_tongsuo_rejects_the_issued_chain_with_a_tampered_leaf(
    chain: Chain, tongsuo: _Tongsuo
) -> None:
    result = tongsuo.verify_chain(chain.root, [chain.inter], _flip_in_tbs(chain.leaf))
    assert result == "certificate signature failure"


def test_tongsuo_verifies_the_issued_crl_natively(
    chain: Chain, crl: bytes, tongsuo: _Tongsuo
) -> None:
    assert tongsuo.verify_crl(crl, chain.inter)
    assert not tongsuo.verify_crl(crl, chain.root)


# ------------------------------------------- third-party chain from Tongsuo's test suite


def _shared_certs(name: str) -> list[bytes]:
    path = SHARED_CHAIN / name
    if not path.exists():
        pytest.skip(f"{path} is not present")
    return [der for _, _, der in pem.unarmor(path.read_bytes(), multiple=True)]


@pytest.fixture(scope="module")
def shared_chain() -> dict[str, tuple[bytes, bytes]]:
    root, sub = _shared_certs("tongsuo_chain_ca.pem")
    (server,) = _shared_certs("tongsuo_server_sign.pem")
    (client,) = _shared_certs("tongsuo_client_sign.pem")
    return {
        "root ca": (root, root),
        "sub ca": (sub, root),
        "server sign": (server, sub),
        "client sign": (client, sub),
    }


@pytest.fixture(scope="module")
def shared_expected() -> dict[str, Any]:
    path = SHARED_CHAIN / "README.json"
    if not path.exists():
        pytest.skip(f"{path} is not present")
    return dict(json.loads(path.read_text(encoding="utf-8"))["expected"])


SHARED_ROLES = ["root ca", "sub ca", "server sign", "client sign"]


@pytest.mark.parametrize("role", SHARED_ROLES)
def test_shared_tongsuo_certificate_signature_verifies_as_expected(
    shared_chain: dict[str, tuple[bytes, bytes]], shared_expected: dict[str, Any], role: str
) -> None:
    cert, issuer = shared_chain[role]
    tbs, signature, _ = _tbs_sig_spki(cert)
    result = verify_sm2_signed(tbs, signature, _tbs_sig_spki(issuer)[2])
    assert result is shared_expected["all_four_signatures_verify"]
    assert verify_sm2_certificate(cert, issuer) is shared_expected["all_four_signatures_verify"]


@pytest.mark.parametrize("role", SHARED_ROLES)
def test_shared_tongsuo_certificate_with_a_tampered_tbs_fails_as_expected(
    shared_chain: dict[str, tuple[bytes, bytes]], shared_expected: dict[str, Any], role: str
) -> None:
    cert, issuer = shared_chain[role]
    tbs, signature, _ = _tbs_sig_spki(cert)
    tampered = tbs[:-40] + bytes([tbs[-40] ^ 1]) + tbs[-39:]
    result = verify_sm2_signed(tampered, signature, _tbs_sig_spki(issuer)[2])
    assert result is not shared_expected["tampered_tbs_must_fail"]


def test_shared_sub_ca_is_a_path_length_zero_ca(
    shared_chain: dict[str, tuple[bytes, bytes]],
) -> None:
    sub = asn1_x509.Certificate.load(shared_chain["sub ca"][0])
    assert sub.basic_constraints_value.native == {"ca": True, "path_len_constraint": 0}
    assert sm2_public_key_of_certificate(shared_chain["sub ca"][0]).point()[0] == 4


def test_tongsuo_verifies_the_shared_chain_natively(
    shared_chain: dict[str, tuple[bytes, bytes]], tongsuo: _Tongsuo
) -> None:
    root, sub = shared_chain["root ca"][0], shared_chain["sub ca"][0]
    assert tongsuo.verify_chain(root, [sub], shared_chain["server sign"][0]) == "ok"
