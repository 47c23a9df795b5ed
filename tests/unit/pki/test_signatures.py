"""Detached CMS signatures (ggzy.pki.signatures): RSA-PSS / PKCS#1 v1.5, ECDSA P-256 and
SM2-with-SM3, verified offline against the embedded certificate; garbage never raises; RSA and
ECDSA signatures interoperate with `openssl cms` both ways when openssl is on the PATH."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import cms
from hypothesis import given, settings
from hypothesis import strategies as st

from ggzy.core.codes import make_credit_code
from ggzy.core.errors import DomainError
from ggzy.pki.signatures import Digest, digest_of, sign_detached, verify_detached

try:
    from ggzy.pki import sm as _sm  # noqa: F401

    SM2_SKIP = ""
except ImportError as exc:  # pragma: no cover - depends on the machine
    SM2_SKIP = f"ggzy.pki.sm is not available yet: {exc}"

needs_sm2 = pytest.mark.skipif(bool(SM2_SKIP), reason=SM2_SKIP or "SM2 available")
ALGORITHMS = ["rsa", "ecdsa", pytest.param("sm2", marks=needs_sm2)]
CODE = make_credit_code("9", "1", "420100", "MA4K2QX5")
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
DOCUMENT = "招标文件 / tender document\n".encode() * 300
EXPECTED = {"rsa": "RSA-PSS-SHA256", "ecdsa": "ECDSA-P256-SHA256", "sm2": "SM2-SM3"}
OPENSSL = shutil.which("openssl")


@pytest.fixture(scope="module")
def signers() -> dict[str, Any]:
    from ggzy.pki.testca import TestCA

    made = {}
    for algorithm in ("rsa", "ecdsa", "sm2"):
        if algorithm == "sm2" and SM2_SKIP:
            continue
        ca = TestCA.create(f"签名测试CA {algorithm}", algorithm=algorithm, now=NOW)
        made[algorithm] = ca.issue("武汉长江城建投资有限公司", CODE, usage="sign")
    return made


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_sign_and_verify(signers: dict[str, Any], algorithm: str) -> None:
    signer = signers[algorithm]
    when = datetime(2026, 3, 2, 9, 30, 15, tzinfo=UTC)
    blob = sign_detached(DOCUMENT, signer.key, signer.der, signing_time=when)
    result = verify_detached(DOCUMENT, blob)
    assert result.ok, result.reason
    assert result.reason == "ok"
    assert result.algorithm == EXPECTED[algorithm]
    assert result.signed_at == when
    assert result.credit_code == CODE
    assert result.signer_certificate_der == signer.der
    assert "武汉长江城建投资有限公司" in (result.subject or "")
    digest_name = "sm3" if algorithm == "sm2" else "sha256"
    assert result.digest_algorithm == digest_name
    assert result.digest == digest_of(DOCUMENT, digest_name).value.hex()
    assert result.to_dict()["signer_certificate_sha256"] == hashlib.sha256(signer.der).hexdigest()


def test_cms_structure(signers: dict[str, Any]) -> None:
    blob = sign_detached(DOCUMENT, signers["ecdsa"].key, signers["ecdsa"].der)
    info = cms.ContentInfo.load(blob, strict=True)
    assert info["content_type"].native == "signed_data"
    signed = info["content"]
    assert signed["encap_content_info"]["content_type"].native == "data"
    assert signed["encap_content_info"]["content"].native is None  # detached
    signer = signed["signer_infos"][0]
    assert signer["digest_algorithm"]["algorithm"].native == "sha256"
    attrs = {a["type"].native for a in signer["signed_attrs"]}
    assert attrs == {"content_type", "signing_time", "message_digest"}
    assert signed["certificates"][0].chosen.dump() == signers["ecdsa"].der


@needs_sm2
def test_sm2_uses_the_gm_oids(signers: dict[str, Any]) -> None:
    blob = sign_detached(DOCUMENT, signers["sm2"].key, signers["sm2"].der)
    signer = cms.ContentInfo.load(blob)["content"]["signer_infos"][0]
    assert signer["digest_algorithm"]["algorithm"].dotted == "1.2.156.10197.1.401"
    assert signer["signature_algorithm"]["algorithm"].dotted == "1.2.156.10197.1.501"


def test_rsa_pkcs1v15_is_accepted(signers: dict[str, Any]) -> None:
    blob = sign_detached(DOCUMENT, signers["rsa"].key, signers["rsa"].der, rsa_padding="pkcs1v15")
    result = verify_detached(DOCUMENT, blob)
    assert result.ok and result.algorithm == "RSA-PKCS1-SHA256"


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_digest_and_stream_inputs(signers: dict[str, Any], algorithm: str) -> None:
    signer = signers[algorithm]
    name = "sm3" if algorithm == "sm2" else "sha256"
    digest = digest_of(DOCUMENT, name)
    from_digest = sign_detached(digest, signer.key, signer.der)
    from_stream = sign_detached(io.BytesIO(DOCUMENT), signer.key, signer.der)
    for blob in (from_digest, from_stream):
        assert verify_detached(DOCUMENT, blob).ok
        assert verify_detached(digest, blob).ok
        assert verify_detached(io.BytesIO(DOCUMENT), blob).ok
    other = Digest("sha256" if name == "sm3" else "sm3", digest.value)
    wrong = verify_detached(other, from_digest)
    assert not wrong.ok and "digest was given" in wrong.reason
    if name == "sha256":
        assert verify_detached(Digest.sha256(hashlib.sha256(DOCUMENT).hexdigest()), from_stream).ok


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_another_document_is_refused(signers: dict[str, Any], algorithm: str) -> None:
    signer = signers[algorithm]
    blob = sign_detached(DOCUMENT, signer.key, signer.der)
    result = verify_detached(DOCUMENT + b" ", blob)
    assert not result.ok
    assert "does not match" in result.reason
    assert result.credit_code == CODE  # who claimed to sign is still reported


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_a_damaged_signature_value_is_refused(signers: dict[str, Any], algorithm: str) -> None:
    signer = signers[algorithm]
    blob = bytearray(sign_detached(DOCUMENT, signer.key, signer.der))
    blob[-5] ^= 0x01  # inside the signature OCTET STRING at the end
    result = verify_detached(DOCUMENT, bytes(blob))
    assert not result.ok
    assert "invalid" in result.reason or "unreadable" in result.reason


def test_altered_signed_attributes_are_refused(signers: dict[str, Any]) -> None:
    signer = signers["ecdsa"]
    when = datetime(2026, 3, 2, 9, 30, 15, tzinfo=UTC)
    blob = sign_detached(DOCUMENT, signer.key, signer.der, signing_time=when)
    forged = blob.replace(b"260302093015Z", b"260301093015Z")  # back-date the signing time
    assert forged != blob
    result = verify_detached(DOCUMENT, forged)
    assert not result.ok and result.reason == "the signature is invalid"


def test_a_key_that_does_not_match_the_certificate_is_refused(signers: dict[str, Any]) -> None:
    with pytest.raises(DomainError) as info:
        sign_detached(DOCUMENT, signers["ecdsa"].key, signers["rsa"].der)
    assert info.value.code == "key-certificate-mismatch"


@pytest.mark.parametrize(
    "garbage",
    [b"", b"garbage", b"\x30\x03\x02\x01\x01", b"\x30\x80", bytes(1000), "text", None],
)
def test_garbage_never_raises(garbage: Any) -> None:
    result = verify_detached(DOCUMENT, garbage)
    assert not result.ok and result.reason


def test_a_certificate_is_not_a_signature(signers: dict[str, Any]) -> None:
    result = verify_detached(DOCUMENT, signers["rsa"].der)
    assert not result.ok


@given(st.binary(max_size=300))
@settings(max_examples=200, deadline=None)
def test_random_bytes_never_raise(blob: bytes) -> None:
    assert not verify_detached(DOCUMENT, blob).ok


@pytest.fixture(scope="module")
def ecdsa_blob(signers: dict[str, Any]) -> bytes:
    return sign_detached(DOCUMENT, signers["ecdsa"].key, signers["ecdsa"].der)


@given(st.data())
@settings(max_examples=80, deadline=None)
def test_mutated_signatures_never_raise(ecdsa_blob: bytes, data: st.DataObject) -> None:
    blob = bytearray(ecdsa_blob)
    position = data.draw(st.integers(min_value=0, max_value=len(blob) - 1))
    blob[position] ^= data.draw(st.integers(min_value=1, max_value=255))
    result = verify_detached(DOCUMENT, bytes(blob))
    # never raises; a byte inside the embedded certificate (say its validity) may still verify:
    # the certificate itself is judged by ggzy.pki.certs / trust, not here
    assert isinstance(result.ok, bool) and result.reason


# ---------------------------------------------------------------- OpenSSL interoperability

needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="openssl is not on the PATH")


def _write(folder: Path, name: str, data: bytes) -> str:
    path = folder / name
    path.write_bytes(data)
    return str(path)


@needs_openssl
@pytest.mark.parametrize(
    ("algorithm", "padding"), [("rsa", "pss"), ("rsa", "pkcs1v15"), ("ecdsa", "pss")]
)
def test_openssl_verifies_ours(
    signers: dict[str, Any], algorithm: str, padding: str, tmp_path: Path
) -> None:
    signer = signers[algorithm]
    blob = sign_detached(DOCUMENT, signer.key, signer.der, rsa_padding=padding)
    run = subprocess.run(
        [
            str(OPENSSL),
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-noverify",  # the chain is ggzy.pki.trust's business, not this test's
            "-in",
            _write(tmp_path, "doc.p7s", blob),
            "-content",
            _write(tmp_path, "doc.txt", DOCUMENT),
            "-out",
            os.devnull,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr


@needs_openssl
@pytest.mark.parametrize("algorithm", ["rsa", "ecdsa"])
def test_we_verify_openssl(signers: dict[str, Any], algorithm: str, tmp_path: Path) -> None:
    signer = signers[algorithm]
    cmd = [
        str(OPENSSL),
        "cms",
        "-sign",
        "-binary",
        "-md",
        "sha256",
        "-outform",
        "DER",
        "-in",
        _write(tmp_path, "doc.txt", DOCUMENT),
        "-signer",
        _write(tmp_path, "cert.pem", signer.pem.encode()),
        "-inkey",
        _write(tmp_path, "key.pem", signer.key_pem()),
        "-out",
        str(tmp_path / "doc.p7s"),
    ]
    if algorithm == "rsa":
        cmd += ["-keyopt", "rsa_padding_mode:pss"]
    run = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    result = verify_detached(DOCUMENT, (tmp_path / "doc.p7s").read_bytes())
    assert result.ok, result.reason
    assert result.algorithm == ("RSA-PSS-SHA256" if algorithm == "rsa" else "ECDSA-P256-SHA256")
    assert result.credit_code == CODE
