"""Detached signatures on what matters (数字签名): tender documents, bids, opening records,
evaluation reports; verifiable offline with nothing but the signature and the document.

A signature is a DER CMS ContentInfo / SignedData (RFC 5652), detached (no eContent), holding
the signer's certificate, so any CMS tool can check it (`openssl cms -verify -binary -inform
DER -in doc.p7s -content doc -noverify` for RSA and ECDSA):

- encapContentInfo eContentType id-data (1.2.840.113549.1.7.1), content absent;
- one SignerInfo (version 1, issuerAndSerialNumber) with signed attributes contentType,
  signingTime (UTCTime) and messageDigest, DER-sorted as a SET OF;
- RSA: RSASSA-PSS, SHA-256, MGF1-SHA-256, salt 32 (id-RSASSA-PSS with parameters) for new
  signatures; verification accepts PSS and PKCS#1 v1.5 (rsaEncryption, sha256WithRSA);
- ECDSA P-256: ecdsa-with-SHA256 (1.2.840.10045.4.3.2), digest SHA-256;
- SM2: digest SM3 (1.2.156.10197.1.401), signature SM2-with-SM3 (1.2.156.10197.1.501, the OID
  OpenSSL and Tongsuo write; the GM/T 0010 sm2-1 OID 1.2.156.10197.1.301.1 is accepted too),
  e = SM3(Z_A ‖ DER(signedAttrs)) with the default user id 1234567812345678, signature the DER
  SEQUENCE {r, s}.

The signed document may be given as bytes, as a binary stream (hashed in 1 MiB reads), or as a
precomputed Digest("sha256" | "sm3", value) when only the hash travels (a 200 MB bid).

    >>> blob = sign_detached(document, private_key, certificate_der)
    >>> v = verify_detached(document, blob)
    >>> v.ok, v.algorithm, v.credit_code
    (True, 'ECDSA-P256-SHA256', '91420100MA4KXXXX1X')

verify_detached never raises: garbage, a different document or a broken signature give
ok=False and a reason. It checks the signature against the embedded certificate only; whether
that certificate chains to a trusted CA, was valid and unrevoked at signing time is
ggzy.pki.certs / ggzy.pki.trust's question.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, BinaryIO

from asn1crypto import algos, cms, core
from asn1crypto import x509 as asn1_x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from ggzy.core.errors import DomainError
from ggzy.pki.envelope import key_algorithm, load_private_key, public_key_from_spki, spki_der

SHA256 = "sha256"
SM3 = "sm3"
SM3_OID = "1.2.156.10197.1.401"
SM2_WITH_SM3_OID = "1.2.156.10197.1.501"
SM2_1_OID = "1.2.156.10197.1.301.1"  # GM/T 0010 "SM2-1" signature
ID_DATA = "1.2.840.113549.1.7.1"
_SIGNED_DATA = "1.2.840.113549.1.7.2"
_CONTENT_TYPE = "1.2.840.113549.1.9.3"
_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
_SIGNING_TIME = "1.2.840.113549.1.9.5"
_READ = 1 << 20
_DIGEST_OIDS = {
    SHA256: "2.16.840.1.101.3.4.2.1",
    "sha384": "2.16.840.1.101.3.4.2.2",
    "sha512": "2.16.840.1.101.3.4.2.3",
    SM3: SM3_OID,
}
_DIGEST_NAMES = {oid: name for name, oid in _DIGEST_OIDS.items()}
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    SHA256: hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
    SM3: hashes.SM3,
}
_RSA_PKCS1_OIDS = {
    "1.2.840.113549.1.1.1",  # rsaEncryption: the digest comes from digestAlgorithm
    "1.2.840.113549.1.1.11",
    "1.2.840.113549.1.1.12",
    "1.2.840.113549.1.1.13",
}
_RSA_PSS_OID = "1.2.840.113549.1.1.10"
_ECDSA_OIDS = {
    "1.2.840.10045.2.1",  # id-ecPublicKey, seen in the wild: digest from digestAlgorithm
    "1.2.840.10045.4.3.2",
    "1.2.840.10045.4.3.3",
    "1.2.840.10045.4.3.4",
}
_SM2_SIG_OIDS = {SM2_WITH_SM3_OID, SM2_1_OID, "1.2.156.10197.1.301"}


@dataclass(frozen=True)
class Digest:
    """A precomputed digest of the signed document, e.g. Digest("sha256", bytes.fromhex(h))."""

    algorithm: str  # "sha256" | "sm3"
    value: bytes

    @classmethod
    def sha256(cls, value: bytes | str) -> Digest:
        return cls(SHA256, bytes.fromhex(value) if isinstance(value, str) else bytes(value))

    @classmethod
    def sm3(cls, value: bytes | str) -> Digest:
        return cls(SM3, bytes.fromhex(value) if isinstance(value, str) else bytes(value))


Signable = bytes | bytearray | memoryview | BinaryIO | Digest


def digest_of(data: Signable, algorithm: str) -> Digest:
    """The digest of bytes or a stream (read in 1 MiB blocks); a Digest is checked and kept."""
    if isinstance(data, Digest):
        if data.algorithm != algorithm:
            raise ValueError(
                f"the signature uses {algorithm.upper()}, "
                f"a {data.algorithm.upper()} digest was given"
            )
        return data
    h = hashes.Hash(_HASHES[algorithm]())
    if isinstance(data, bytes | bytearray | memoryview):
        h.update(bytes(data))
    else:
        while block := data.read(_READ):
            h.update(block)
    return Digest(algorithm, h.finalize())


@dataclass(frozen=True)
class VerifiedSignature:
    """The answer of verify_detached: ok, or why not, and who signed what, when."""

    ok: bool
    reason: str  # "ok" or a short English reason
    signer_certificate_der: bytes | None = field(default=None, repr=False)
    credit_code: str | None = None  # 统一社会信用代码 in the signer's certificate, if any
    algorithm: str | None = (
        None  # "RSA-PSS-SHA256", "RSA-PKCS1-SHA256", "ECDSA-P256-SHA256", "SM2-SM3"
    )
    signed_at: datetime | None = None
    subject: str | None = None
    digest_algorithm: str | None = None
    digest: str | None = None  # hex, from the messageDigest attribute

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "reason": self.reason,
            "algorithm": self.algorithm,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "subject": self.subject,
            "credit_code": self.credit_code,
            "digest_algorithm": self.digest_algorithm,
            "digest": self.digest,
            "signer_certificate_sha256": hashlib.sha256(self.signer_certificate_der).hexdigest()
            if self.signer_certificate_der
            else None,
        }


def _sm() -> Any:
    from ggzy.pki import sm

    return sm


# ---------------------------------------------------------------- signing


def _tlv(tag: int, content: bytes) -> bytes:
    """One DER element: tag, definite length, content."""
    n = len(content)
    if n < 0x80:
        return bytes((tag, n)) + content
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(size))) + size + content


def _oid(dotted: str) -> bytes:
    return bytes(core.ObjectIdentifier(dotted).dump())


def _int(value: int) -> bytes:
    return bytes(core.Integer(value).dump())


@lru_cache(maxsize=16)
def _algorithm_der(kind: str) -> bytes:
    """AlgorithmIdentifier DER for "sha256", "sm3", "rsassa_pss", "sha256_rsa", … (built once)."""
    if kind in _DIGEST_OIDS:
        return bytes(algos.DigestAlgorithm({"algorithm": _DIGEST_OIDS[kind]}).dump())
    if kind == "rsassa_pss":
        sha256 = algos.DigestAlgorithm({"algorithm": "sha256"})
        params = algos.RSASSAPSSParams(
            {
                "hash_algorithm": sha256,
                "mask_gen_algorithm": algos.MaskGenAlgorithm(
                    {"algorithm": "mgf1", "parameters": sha256}
                ),
                "salt_length": 32,
                "trailer_field": "trailer_field_bc",
            }
        )
        return bytes(algos.SignedDigestAlgorithm({"algorithm": kind, "parameters": params}).dump())
    return bytes(algos.SignedDigestAlgorithm({"algorithm": kind}).dump())


@dataclass(frozen=True)
class _SignerCert:
    der: bytes
    issuer_der: bytes
    serial: int
    spki: bytes  # canonical SubjectPublicKeyInfo of the certified key


@lru_cache(maxsize=256)
def _signer_cert(certificate: bytes) -> _SignerCert:
    from ggzy.pki.certs import parse_certificate

    info = parse_certificate(certificate, strict=False)
    cert = asn1_x509.Certificate.load(info.der)
    issuer = bytes(cert["tbs_certificate"]["issuer"].dump())
    return _SignerCert(info.der, issuer, info.serial, spki_der(_public_key(info.spki_der)))


@lru_cache(maxsize=256)
def _public_key(spki: bytes) -> Any:
    return public_key_from_spki(spki)


def _utc_time(when: datetime) -> bytes:
    if not 1950 <= when.year < 2050:
        raise ValueError("signingTime must fall in 1950..2049 (UTCTime)")
    return _tlv(0x17, when.strftime("%y%m%d%H%M%SZ").encode("ascii"))


def _signed_attributes(digest: bytes, when: datetime) -> bytes:
    """The SET OF signed attributes, DER-sorted, as signed (tag 0x31)."""
    attrs = [
        _tlv(0x30, _oid(_CONTENT_TYPE) + _tlv(0x31, _oid(ID_DATA))),
        _tlv(0x30, _oid(_SIGNING_TIME) + _tlv(0x31, _utc_time(when))),
        _tlv(0x30, _oid(_MESSAGE_DIGEST) + _tlv(0x31, _tlv(0x04, digest))),
    ]
    return _tlv(0x31, b"".join(sorted(attrs)))


def sign_detached(
    data_or_digest: Signable,
    private_key: Any,
    certificate_der: bytes,
    *,
    signing_time: datetime | None = None,
    rsa_padding: str = "pss",
    passphrase: bytes | str | None = None,
) -> bytes:
    """A detached CMS SignedData (DER) over the document, with the signer's certificate.

    private_key: an RSA or P-256 key (cryptography), an SM2PrivateKey, or PEM/DER bytes.
    certificate_der: the signer's certificate (DER; PEM accepted). Its public key must match.
    rsa_padding: "pss" (default) or "pkcs1v15".
    """
    if isinstance(private_key, bytes | bytearray):
        private_key = load_private_key(bytes(private_key), passphrase)
    algorithm = key_algorithm(private_key)
    cert = _signer_cert(bytes(certificate_der))
    if spki_der(private_key.public_key()) != cert.spki:
        raise DomainError(
            "key-certificate-mismatch",
            "私钥与证书不匹配",
            "the private key does not belong to the certificate",
        )
    digest_name = SM3 if algorithm == "sm2" else SHA256
    digest = digest_of(data_or_digest, digest_name)
    when = (signing_time or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    attrs = _signed_attributes(digest.value, when)
    if algorithm == "rsa":
        if rsa_padding == "pss":
            pad: padding.AsymmetricPadding = padding.PSS(padding.MGF1(hashes.SHA256()), 32)
            sig_alg = _algorithm_der("rsassa_pss")
        elif rsa_padding == "pkcs1v15":
            pad = padding.PKCS1v15()
            sig_alg = _algorithm_der("sha256_rsa")
        else:
            raise ValueError("rsa_padding is pss or pkcs1v15")
        signature = private_key.sign(attrs, pad, hashes.SHA256())
    elif algorithm == "ec-p256":
        signature = private_key.sign(attrs, ec.ECDSA(hashes.SHA256()))
        sig_alg = _algorithm_der("sha256_ecdsa")
    else:
        sm = _sm()
        signature = sm.sm2_sign(private_key, attrs, sm.DEFAULT_UID)
        sig_alg = _algorithm_der(SM2_WITH_SM3_OID)
    digest_alg = _algorithm_der(digest_name)
    signer_info = _tlv(
        0x30,
        _int(1)
        + _tlv(0x30, cert.issuer_der + _int(cert.serial))  # issuerAndSerialNumber
        + digest_alg
        + b"\xa0"
        + attrs[1:]  # [0] IMPLICIT SET OF Attribute
        + sig_alg
        + _tlv(0x04, bytes(signature)),
    )
    signed_data = _tlv(
        0x30,
        _int(1)
        + _tlv(0x31, digest_alg)
        + _tlv(0x30, _oid(ID_DATA))  # encapContentInfo, detached: no eContent
        + _tlv(0xA0, cert.der)  # certificates [0] IMPLICIT
        + _tlv(0x31, signer_info),
    )
    return _tlv(0x30, _oid(_SIGNED_DATA) + _tlv(0xA0, signed_data))


# ---------------------------------------------------------------- verification


class _Refusal(Exception):
    def __init__(self, reason: str, **facts: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.facts = facts


def verify_detached(data_or_digest: Signable, signature_blob: bytes) -> VerifiedSignature:
    """Check a detached CMS signature over the document; never raises on bad input."""
    try:
        return _verify(data_or_digest, signature_blob)
    except _Refusal as refusal:
        return VerifiedSignature(False, refusal.reason, **refusal.facts)
    except Exception as exc:  # garbage in any shape: a reason, never a traceback
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return VerifiedSignature(False, f"unreadable signature: {first}")


def _find_signer_cert(signer: cms.SignerInfo, certs: list[asn1_x509.Certificate]) -> Any:
    sid = signer["sid"]
    for cert in certs:
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if cert["tbs_certificate"]["serial_number"].native != wanted["serial_number"].native:
                continue
            issuer = cert["tbs_certificate"]["issuer"]
            if (
                issuer.dump() == wanted["issuer"].dump()
                or issuer.hashable == wanted["issuer"].hashable
            ):  # same bytes, or the same name by RFC 5280 comparison
                return cert
        elif sid.name == "subject_key_identifier" and cert.key_identifier == sid.chosen.native:
            return cert
    return None


def _verify(data: Signable, blob: bytes) -> VerifiedSignature:
    if not isinstance(blob, bytes | bytearray) or not blob[:1] == b"\x30":
        raise _Refusal("not a DER CMS signature")
    info = cms.ContentInfo.load(bytes(blob), strict=True)
    if info["content_type"].native != "signed_data":
        raise _Refusal("not a CMS SignedData")
    signed = info["content"]
    if signed["encap_content_info"]["content"].native is not None:
        raise _Refusal("not a detached signature (the content is embedded)")
    signers = list(signed["signer_infos"])
    if len(signers) != 1:
        raise _Refusal(f"expected one signer, found {len(signers)}")
    signer = signers[0]
    certs = [c.chosen for c in (signed["certificates"] or []) if c.name == "certificate"]
    cert = _find_signer_cert(signer, certs)
    if cert is None:
        raise _Refusal("the signer's certificate is not embedded")
    cert_der = cert.dump()
    facts: dict[str, Any] = {"signer_certificate_der": cert_der}
    try:
        from ggzy.pki.certs import parse_certificate

        parsed = parse_certificate(cert_der, strict=False)
        facts["credit_code"] = parsed.credit_code
        facts["subject"] = parsed.subject
    except DomainError as exc:
        raise _Refusal(f"the signer's certificate is unreadable: {exc.en}", **facts) from None
    digest_oid = signer["digest_algorithm"]["algorithm"].dotted
    digest_name = _DIGEST_NAMES.get(digest_oid)
    if digest_name is None:
        raise _Refusal(f"unsupported digest algorithm {digest_oid}", **facts)
    facts["digest_algorithm"] = digest_name
    public_key = _public_key(parsed.spki_der)
    key_kind = key_algorithm(public_key)
    sig_alg = signer["signature_algorithm"]
    sig_oid = sig_alg["algorithm"].dotted
    signature = signer["signature"].native
    attrs = signer["signed_attrs"]
    try:
        content_digest = digest_of(data, digest_name).value
    except ValueError as exc:
        raise _Refusal(str(exc), **facts) from None
    if attrs.native is None or len(attrs) == 0:
        raise _Refusal("no signed attributes (messageDigest) in the signature", **facts)
    values = {a["type"].native: a["values"] for a in attrs}
    if "message_digest" not in values or "content_type" not in values:
        raise _Refusal("messageDigest or contentType attribute missing", **facts)
    if values["content_type"][0].dotted != ID_DATA:
        raise _Refusal("the signed content type is not id-data", **facts)
    declared = values["message_digest"][0].native
    facts["digest"] = declared.hex()
    if "signing_time" in values:
        when = values["signing_time"][0].native
        facts["signed_at"] = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    signed_bytes = b"\x31" + attrs.dump()[1:]  # [0] IMPLICIT -> SET OF, as signed
    if declared != content_digest:
        raise _Refusal("the document does not match the signature (digest differs)", **facts)
    algorithm = _check_signature(
        key_kind, public_key, sig_oid, sig_alg, digest_name, signed_bytes, signature, facts
    )
    facts["algorithm"] = algorithm
    return VerifiedSignature(True, "ok", **facts)


def _check_signature(
    key_kind: str,
    public_key: Any,
    sig_oid: str,
    sig_alg: algos.SignedDigestAlgorithm,
    digest_name: str,
    message: bytes,
    signature: bytes,
    facts: dict[str, Any],
) -> str:
    try:
        if key_kind == "rsa" and sig_oid == _RSA_PSS_OID:
            params = sig_alg["parameters"]
            hash_name = params["hash_algorithm"]["algorithm"].native
            mgf_hash = params["mask_gen_algorithm"]["parameters"]["algorithm"].native
            if hash_name not in _HASHES or mgf_hash not in _HASHES or hash_name == SM3:
                raise _Refusal(f"unsupported RSA-PSS hash {hash_name}", **facts)
            pss = padding.PSS(padding.MGF1(_HASHES[mgf_hash]()), params["salt_length"].native)
            public_key.verify(signature, message, pss, _HASHES[hash_name]())
            return f"RSA-PSS-{hash_name.upper()}"
        if key_kind == "rsa" and sig_oid in _RSA_PKCS1_OIDS:
            name = {
                "1.2.840.113549.1.1.11": SHA256,
                "1.2.840.113549.1.1.12": "sha384",
                "1.2.840.113549.1.1.13": "sha512",
            }.get(sig_oid, digest_name)
            if name == SM3:
                raise _Refusal("RSA with SM3 is not supported", **facts)
            public_key.verify(signature, message, padding.PKCS1v15(), _HASHES[name]())
            return f"RSA-PKCS1-{name.upper()}"
        if key_kind == "ec-p256" and sig_oid in _ECDSA_OIDS:
            name = {
                "1.2.840.10045.4.3.2": SHA256,
                "1.2.840.10045.4.3.3": "sha384",
                "1.2.840.10045.4.3.4": "sha512",
            }.get(sig_oid, digest_name)
            if name == SM3:
                raise _Refusal("ECDSA with SM3 is not supported", **facts)
            public_key.verify(signature, message, ec.ECDSA(_HASHES[name]()))
            return f"ECDSA-P256-{name.upper()}"
        if key_kind == "sm2" and sig_oid in _SM2_SIG_OIDS:
            if digest_name != SM3:
                raise _Refusal("SM2 signatures must use the SM3 digest", **facts)
            sm = _sm()
            if not sm.sm2_verify(public_key, message, signature, sm.DEFAULT_UID):
                raise _Refusal("the signature is invalid", **facts)
            return "SM2-SM3"
    except InvalidSignature:
        raise _Refusal("the signature is invalid", **facts) from None
    raise _Refusal(f"signature algorithm {sig_oid} does not fit a {key_kind} key", **facts)


# ---------------------------------------------------------------- raw primitives (benchmarks)


def raw_sign(private_key: Any, message: bytes) -> bytes:
    """The bare signature the CMS wraps: RSA-PSS/SHA-256, ECDSA/SHA-256 or SM2/SM3."""
    kind = key_algorithm(private_key)
    if kind == "rsa":
        assert isinstance(private_key, rsa.RSAPrivateKey)
        return private_key.sign(
            message, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256()
        )
    if kind == "ec-p256":
        return bytes(private_key.sign(message, ec.ECDSA(hashes.SHA256())))
    return bytes(_sm().sm2_sign(private_key, message))


def raw_verify(public_key: Any, message: bytes, signature: bytes) -> bool:
    """Check a raw_sign signature."""
    kind = key_algorithm(public_key)
    try:
        if kind == "rsa":
            public_key.verify(
                signature,
                message,
                padding.PSS(padding.MGF1(hashes.SHA256()), 32),
                hashes.SHA256(),
            )
        elif kind == "ec-p256":
            public_key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        else:
            return bool(_sm().sm2_verify(public_key, message, signature, _sm().DEFAULT_UID))
    except InvalidSignature:
        return False
    return True


__all__ = [
    "SHA256",
    "SM3",
    "Digest",
    "VerifiedSignature",
    "digest_of",
    "raw_sign",
    "raw_verify",
    "sign_detached",
    "verify_detached",
]
