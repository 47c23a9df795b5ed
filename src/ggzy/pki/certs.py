"""X.509 certificates of any recognised CA (RSA, ECDSA P-256, SM2) and path validation (证书验证).

One parser for the three algorithms: asn1crypto reads the certificate, so SM2 certificates
(SPKI id-ecPublicKey on curve 1.2.156.10197.1.301, signature 1.2.156.10197.1.501) are read
like the others; the `cryptography` package refuses SM2 public keys.

    info = parse_certificate(pem_text)   # CertInfo, or CertificateError("malformed", ...)
    info.key_algorithm, info.credit_code  # ("sm2", "91420100MA0000103X")
    v = validate_path(leaf_der, [sub_ca_der], [root_der], at, crls, "sign")
    v.ok, v.reason, v.zh                  # (False, "revoked", "证书已被吊销：…")

`validate_path` follows RFC 5280 §6 where it matters for a trading platform: a path built by
issuer name (and authority/subject key identifiers) to a trust anchor, a signature at every
link, every certificate valid at the time of use, basicConstraints CA=true and pathLen on
issuers, keyCertSign on issuers, the leaf's key usage for the intended use, and revocation
from CRLs signed by the issuer. Every failure has a reason code and a Chinese and English
message (see :data:`REASONS`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from asn1crypto import algos, keys, pem, x509
from asn1crypto import crl as asn1_crl
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

from ggzy.core.codes import is_valid_credit_code, validate_credit_code
from ggzy.core.errors import DomainError

# ---------------------------------------------------------------------------------------------
# Reasons
# ---------------------------------------------------------------------------------------------

#: Every reason a certificate or CRL can be refused for: code -> (中文, English).
REASONS: dict[str, tuple[str, str]] = {
    "malformed": ("证书格式错误，无法解析", "the certificate is malformed"),
    "unsupported-algorithm": (
        "证书密钥算法不受支持（仅支持 RSA、ECDSA P-256 和 SM2）",
        "the certificate's key algorithm is not supported (RSA, ECDSA P-256 and SM2 are)",
    ),
    "weak-key": ("证书密钥强度不足", "the certificate's key is too weak"),
    "unknown-ca": (
        "证书不是由受信任的CA签发（无法构建到受信任根证书的路径）",
        "the certificate was not issued by a trusted CA (no path to a trusted root)",
    ),
    "bad-signature": (
        "证书签名验证失败（证书可能被篡改）",
        "the certificate's signature does not verify (it may have been tampered with)",
    ),
    "expired": ("证书已过期", "the certificate has expired"),
    "not-yet-valid": ("证书尚未生效", "the certificate is not yet valid"),
    "not-a-ca": ("签发者证书不是CA证书", "an issuing certificate is not a CA certificate"),
    "path-too-long": (
        "证书路径长度超过CA允许的限制",
        "the certification path is longer than a CA allows",
    ),
    "wrong-key-usage": (
        "证书的密钥用法不允许该用途",
        "the certificate's key usage does not allow this use",
    ),
    "revoked": ("证书已被吊销", "the certificate has been revoked"),
    "crl-stale": (
        "证书吊销列表已过期，无法确认证书状态，请导入最新的吊销列表",
        "the certificate revocation list is out of date, so the certificate's status is "
        "unknown: import the latest CRL",
    ),
}

#: Intended uses of a leaf certificate and the key usage bits that allow each (any one).
USAGES: dict[str, tuple[frozenset[str], str, str]] = {
    "sign": (
        frozenset({"digital_signature", "non_repudiation"}),
        "签名",
        "signing",
    ),
    "encrypt": (
        frozenset({"key_encipherment", "key_agreement"}),
        "加密",
        "encryption",
    ),
    "login": (frozenset({"digital_signature"}), "登录认证", "sign-in"),
    "ca": (frozenset({"key_cert_sign"}), "签发证书", "issuing certificates"),
}

#: Key usage bits: asn1crypto name -> (中文, RFC 5280 name).
KEY_USAGE_LABELS: dict[str, tuple[str, str]] = {
    "digital_signature": ("数字签名", "digitalSignature"),
    "non_repudiation": ("不可否认", "nonRepudiation"),
    "key_encipherment": ("密钥加密", "keyEncipherment"),
    "data_encipherment": ("数据加密", "dataEncipherment"),
    "key_agreement": ("密钥协商", "keyAgreement"),
    "key_cert_sign": ("签发证书", "keyCertSign"),
    "crl_sign": ("签发CRL", "cRLSign"),
    "encipher_only": ("仅加密", "encipherOnly"),
    "decipher_only": ("仅解密", "decipherOnly"),
}

MIN_RSA_BITS = 2048
MAX_PATH = 8  # longest path tried (leaf to anchor); real Chinese CAs use 2 or 3

OID_SM2_CURVE = "1.2.156.10197.1.301"  # sm2p256v1 (GB/T 32918.5)
OID_SM2_SM3 = "1.2.156.10197.1.501"  # SM2 signature with SM3 (GM/T 0006)
OID_GB_CREDIT_CODE = "1.2.156.10260.4.1.4"  # 统一社会信用代码 in the subject (GB/T CA practice)

_SIGNATURE_NAMES = {
    OID_SM2_SM3: "sm2_sm3",
    "1.2.840.113549.1.1.11": "sha256_rsa",
    "1.2.840.113549.1.1.12": "sha384_rsa",
    "1.2.840.113549.1.1.13": "sha512_rsa",
    "1.2.840.113549.1.1.10": "rsassa_pss",
    "1.2.840.10045.4.3.2": "sha256_ecdsa",
    "1.2.840.10045.4.3.3": "sha384_ecdsa",
}
_RSA_PKCS1: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "sha256_rsa": hashes.SHA256,
    "sha384_rsa": hashes.SHA384,
    "sha512_rsa": hashes.SHA512,
}
_ECDSA: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "sha256_ecdsa": hashes.SHA256,
    "sha384_ecdsa": hashes.SHA384,
}
_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
# Prefixes CAs put before the credit code in organizationIdentifier or OU (ETSI "NTRCN-").
_CODE_PREFIX = re.compile(r"^(?:USCC|NTRCN|CN|NTR)[-:+ ]?$")
_SHORT_NAMES = {
    "2.5.4.3": "CN",
    "2.5.4.6": "C",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.5": "serialNumber",
    "2.5.4.97": "organizationIdentifier",
    "1.2.840.113549.1.9.1": "emailAddress",
    OID_GB_CREDIT_CODE: "creditCode",
}


class CertificateError(DomainError):
    """A certificate or CRL that cannot be used, e.g. CertificateError("weak-key", detail)."""

    def __init__(self, reason: str, zh_detail: str = "", en_detail: str = "") -> None:
        zh, en = REASONS.get(reason, ("证书无效", "the certificate is invalid"))
        if zh_detail:
            zh, en = f"{zh}：{zh_detail}", f"{en}: {en_detail}"
        super().__init__(reason, zh, en, status=422, reason=reason)
        self.reason = reason


# ---------------------------------------------------------------------------------------------
# Certificates
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertInfo:
    """Everything the platform needs from one certificate, for RSA, ECDSA and SM2 alike."""

    der: bytes
    subject: str  # RFC 4514 style, most specific first: "CN=…,O=…,serialNumber=…,C=CN"
    issuer: str
    subject_key: str  # normalised name (RFC 5280 §7.1 comparison), for matching issuers
    issuer_key: str
    serial: int
    not_before: datetime  # aware, UTC
    not_after: datetime
    key_algorithm: str  # "rsa" | "ecdsa-p256" | "sm2"
    key_bits: int
    spki_der: bytes
    fingerprint: str  # SHA-256 of the DER, lowercase hex
    is_ca: bool
    path_len: int | None
    key_usage: frozenset[str] | None  # asn1crypto names; None: no extension (no restriction)
    extended_key_usage: frozenset[str]
    subject_key_id: bytes | None
    authority_key_id: bytes | None
    credit_code: str | None  # 统一社会信用代码 bound by the subject, validated
    subject_fields: tuple[tuple[str, str], ...]  # (short name or OID, value) in DER order
    tbs_der: bytes
    signature_algorithm: str  # "sha256_rsa", "rsassa_pss", "sha256_ecdsa", "sm2_sm3", ...
    signature_algorithm_der: bytes  # the AlgorithmIdentifier, with PSS parameters
    signature: bytes

    @property
    def serial_hex(self) -> str:
        """The serial number as uppercase hex, as CAs print it, e.g. "1A2B3C"."""
        return format(self.serial, "X")

    @property
    def self_issued(self) -> bool:
        """Subject and issuer are the same name (a root, or a CA's re-key certificate)."""
        return self.subject_key == self.issuer_key

    @property
    def common_name(self) -> str:
        """The CN, or the subject if there is none."""
        for name, value in self.subject_fields:
            if name == "CN":
                return value
        return self.subject

    def allows(self, usage: str) -> bool:
        """True if the key usage extension allows `usage` ("sign", "encrypt", "login", "ca")."""
        if self.key_usage is None:
            return True  # RFC 5280 §4.2.1.3: without the extension the key is unrestricted
        return bool(self.key_usage & USAGES[usage][0])

    def allows_crl_sign(self) -> bool:
        """True if this CA certificate may sign CRLs (cRLSign, or no key usage extension)."""
        return self.key_usage is None or "crl_sign" in self.key_usage

    def pem(self) -> str:
        """The certificate as PEM text."""
        return pem.armor("CERTIFICATE", self.der).decode("ascii")

    def summary(self) -> dict[str, Any]:
        """JSON-safe facts for events and API answers."""
        return {
            "fingerprint": self.fingerprint,
            "subject": self.subject,
            "issuer": self.issuer,
            "serial": self.serial_hex,
            "algorithm": self.key_algorithm,
            "key_bits": self.key_bits,
            "not_before": _iso(self.not_before),
            "not_after": _iso(self.not_after),
            "is_ca": self.is_ca,
            "key_usage": sorted(self.key_usage) if self.key_usage is not None else None,
            "credit_code": self.credit_code,
        }


def load_der(data: bytes | str, label: str = "CERTIFICATE") -> bytes:
    """DER bytes from PEM text, PEM bytes, base64 text or DER bytes (the first PEM block)."""
    return load_der_all(data, label)[0]


def load_der_all(data: bytes | str, label: str = "CERTIFICATE") -> list[bytes]:
    """Every DER object in PEM (several blocks allowed), base64 or DER input, in order."""
    raw = data.encode("ascii", "replace") if isinstance(data, str) else bytes(data)
    if isinstance(data, bytes | bytearray | memoryview) and raw[:1] == b"\x30":
        return [raw]  # DER: never strip, its last byte may look like white space
    stripped = raw.strip()
    if not stripped:
        raise CertificateError("malformed", "内容为空", "the input is empty")
    if b"-----BEGIN" in stripped:
        try:
            blocks = [(kind, der) for kind, _, der in pem.unarmor(stripped, multiple=True)]
        except (ValueError, TypeError, binascii.Error) as exc:
            raise CertificateError("malformed", "PEM 编码错误", f"bad PEM: {exc}") from exc
        wanted = [der for kind, der in blocks if kind == label]
        if not wanted:
            raise CertificateError(
                "malformed",
                f"PEM 中没有 {label} 块",
                f"the PEM holds no {label} block",
            )
        return wanted
    try:
        decoded = base64.b64decode(b"".join(stripped.split()), validate=True)
    except (ValueError, binascii.Error) as exc:
        raise CertificateError("malformed", "既不是 PEM 也不是 DER", "neither PEM nor DER") from exc
    if decoded[:1] != b"\x30":
        raise CertificateError("malformed", "既不是 PEM 也不是 DER", "neither PEM nor DER")
    return [decoded]


def parse_certificate(data: bytes | str, *, strict: bool = True) -> CertInfo:
    """Parse a PEM or DER certificate of any supported algorithm into a CertInfo.

    With strict=True (the default) an RSA key under 2048 bits raises "weak-key"; strict=False
    parses it anyway, for showing what was refused. Unsupported algorithms always raise.
    """
    der = load_der(data)
    return _parse_cached(der, strict)


@lru_cache(maxsize=512)
def _parse_cached(der: bytes, strict: bool) -> CertInfo:
    try:
        cert = x509.Certificate.load(der, strict=True)
        info = _cert_info(cert, der)
    except CertificateError:
        raise
    except Exception as exc:  # asn1crypto parses lazily: any failure on bad bytes is malformed
        raise CertificateError(
            "malformed", "证书不是合法的 X.509 结构", f"not a valid X.509 certificate ({exc})"
        ) from exc
    if strict:
        check_key_strength(info)
    return info


def check_key_strength(info: CertInfo) -> None:
    """Refuse RSA keys under 2048 bits ("weak-key")."""
    if info.key_algorithm == "rsa" and info.key_bits < MIN_RSA_BITS:
        raise CertificateError(
            "weak-key",
            f"RSA 密钥仅 {info.key_bits} 位，至少需要 {MIN_RSA_BITS} 位（{info.subject}）",
            f"the RSA key has {info.key_bits} bits, at least {MIN_RSA_BITS} are required "
            f"({info.subject})",
        )


def _cert_info(cert: x509.Certificate, der: bytes) -> CertInfo:
    tbs = cert["tbs_certificate"]
    outer_alg = cert["signature_algorithm"]
    if outer_alg.dump() != tbs["signature"].dump():
        raise CertificateError(
            "malformed",
            "证书内外签名算法不一致",
            "the signature algorithm inside and outside the certificate differ",
        )
    spki = tbs["subject_public_key_info"]
    algorithm, bits = _key_algorithm(spki)
    bc = cert.basic_constraints_value
    ku = cert.key_usage_value
    eku = cert.extended_key_usage_value
    validity = tbs["validity"]
    fields = _name_fields(cert.subject)
    return CertInfo(
        der=der,
        subject=_name_text(fields),
        issuer=_name_text(_name_fields(cert.issuer)),
        subject_key=cert.subject.hashable,
        issuer_key=cert.issuer.hashable,
        serial=int(tbs["serial_number"].native),
        not_before=_aware(validity["not_before"].native),
        not_after=_aware(validity["not_after"].native),
        key_algorithm=algorithm,
        key_bits=bits,
        spki_der=spki.dump(),
        fingerprint=hashlib.sha256(der).hexdigest(),
        is_ca=bool(bc and bc["ca"].native),
        path_len=bc["path_len_constraint"].native if bc else None,
        key_usage=frozenset(ku.native) if ku is not None else None,
        extended_key_usage=frozenset(eku.native) if eku is not None else frozenset(),
        subject_key_id=cert.key_identifier,
        authority_key_id=cert.authority_key_identifier,
        credit_code=credit_code_of(fields),
        subject_fields=fields,
        tbs_der=tbs.dump(),
        signature_algorithm=_signature_name(outer_alg),
        signature_algorithm_der=outer_alg.dump(),
        signature=cert["signature_value"].native,
    )


def _key_algorithm(spki: keys.PublicKeyInfo) -> tuple[str, int]:
    """("rsa", bits), ("ecdsa-p256", 256) or ("sm2", 256); anything else is unsupported."""
    oid = spki["algorithm"]["algorithm"].dotted
    if oid == "1.2.840.113549.1.1.1":
        modulus = spki["public_key"].parsed["modulus"].native
        return "rsa", int(modulus).bit_length()
    if oid == OID_SM2_CURVE:  # some SM2 certificates name the curve as the key algorithm
        return "sm2", 256
    if oid == "1.2.840.10045.2.1":
        params = spki["algorithm"]["parameters"]
        curve = params.chosen.dotted if params.name == "named" else None
        if curve == "1.2.840.10045.3.1.7":
            return "ecdsa-p256", 256
        if curve == OID_SM2_CURVE:
            return "sm2", 256
        raise CertificateError(
            "unsupported-algorithm",
            f"椭圆曲线 {curve or '显式参数'}",
            f"elliptic curve {curve or 'with explicit parameters'}",
        )
    raise CertificateError("unsupported-algorithm", f"密钥算法 {oid}", f"key algorithm {oid}")


def _signature_name(alg: algos.SignedDigestAlgorithm) -> str:
    oid = alg["algorithm"].dotted
    return _SIGNATURE_NAMES.get(oid, oid)


def _name_fields(name: x509.Name) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for rdn in name.chosen:
        for atv in rdn:
            oid = atv["type"].dotted
            out.append((_SHORT_NAMES.get(oid, oid), _attribute_text(atv["value"])))
    return tuple(out)


def _attribute_text(value: Any) -> str:
    native = value.native
    if isinstance(native, str):
        return native
    try:  # an attribute type asn1crypto does not know (e.g. 1.2.156.10260.4.1.4): parse it
        parsed = value.parse().native
        if isinstance(parsed, str):
            return parsed
    except Exception:
        pass
    if isinstance(native, bytes):
        return native.hex()
    return str(native)


def _name_text(fields: Sequence[tuple[str, str]]) -> str:
    """RFC 4514 order (most specific first), e.g. "CN=武汉长江城建,O=…,C=CN"."""

    def esc(v: str) -> str:
        v = re.sub(r'([,+"\\<>;])', r"\\\1", v)
        if v[:1] in (" ", "#"):
            v = "\\" + v
        return v[:-1] + "\\ " if v.endswith(" ") else v

    return ",".join(f"{k}={esc(v)}" for k, v in reversed(fields))


def credit_code_of(fields: Sequence[tuple[str, str]]) -> str | None:
    """The unified social credit code a subject binds to, or None.

    Looked for, in order: serialNumber (2.5.4.5), organizationIdentifier (2.5.4.97, maybe
    prefixed "USCC" or "NTRCN-"), OU, and the GB/T CA attribute 1.2.156.10260.4.1.4; the first
    value that is a valid code (GB 32100 check characters) wins.
    """
    for attr in ("serialNumber", "organizationIdentifier", "OU", "creditCode"):
        for name, value in fields:
            if name != attr:
                continue
            code = _code_in(value)
            if code is not None:
                return code
    return None


def resident_id_of(fields: Sequence[tuple[str, str]]) -> str | None:
    """The resident ID (公民身份号码, GB 11643) a personal certificate's serialNumber holds,
    or None (e.g. an entity certificate, whose serialNumber is a credit code)."""
    from ggzy.core.codes import validate_resident_id
    from ggzy.core.errors import DomainError

    for name, value in fields:
        if name == "serialNumber" and len(value.strip()) == 18:
            try:
                return validate_resident_id(value)
            except DomainError:
                continue
    return None


def _code_in(value: str) -> str | None:
    text = value.strip().upper()
    candidates = [text]
    if len(text) > 18 and _CODE_PREFIX.match(text[:-18]):
        candidates.append(text[-18:])
    for candidate in candidates:
        if len(candidate) == 18 and is_valid_credit_code(candidate):
            return validate_credit_code(candidate)
    return None


def _aware(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------------------------
# Signatures
# ---------------------------------------------------------------------------------------------


def verify_signed_by(
    tbs_der: bytes, signature: bytes, signature_algorithm: str | bytes, issuer_spki_der: bytes
) -> bool:
    """True if `signature` over `tbs_der` verifies with the issuer's SubjectPublicKeyInfo.

    signature_algorithm is a name ("sha256_rsa", "rsassa_pss", "sha256_ecdsa", "sm2_sm3"), a
    dotted OID, or the DER AlgorithmIdentifier (needed for RSA-PSS parameters; a bare
    "rsassa_pss" means SHA-256 with MGF1-SHA-256 and any salt length). Supported: RSA PKCS#1
    v1.5 and PSS with SHA-256/384/512, ECDSA P-256 with SHA-256/384, SM2 with SM3 and the
    default user id (GB/T 32918, via ggzy.pki.sm2cert). Anything else is False.
    """
    name, alg = _algorithm(signature_algorithm)
    if name is None:
        return False
    if name == "sm2_sm3":
        from ggzy.pki.sm2cert import verify_sm2_signed  # lazy: optional SM2 support

        try:
            return bool(verify_sm2_signed(tbs_der, signature, issuer_spki_der))
        except (ValueError, TypeError):
            return False
    try:
        key = load_der_public_key(issuer_spki_der)
    except (ValueError, UnsupportedAlgorithm):
        return False
    try:
        if name in _RSA_PKCS1 and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, tbs_der, padding.PKCS1v15(), _RSA_PKCS1[name]())
            return True
        if name == "rsassa_pss" and isinstance(key, rsa.RSAPublicKey):
            pss, digest = _pss_padding(alg)
            key.verify(signature, tbs_der, pss, digest)
            return True
        if (
            name in _ECDSA
            and isinstance(key, ec.EllipticCurvePublicKey)
            and isinstance(key.curve, ec.SECP256R1)
        ):
            key.verify(signature, tbs_der, ec.ECDSA(_ECDSA[name]()))
            return True
    except (InvalidSignature, ValueError):
        return False
    return False


def _algorithm(alg: str | bytes) -> tuple[str | None, algos.SignedDigestAlgorithm | None]:
    if isinstance(alg, bytes):
        try:
            parsed = algos.SignedDigestAlgorithm.load(alg)
            name = _signature_name(parsed)
        except Exception:
            return None, None
    else:
        parsed, name = None, _SIGNATURE_NAMES.get(alg, alg)
    known = {"sm2_sm3", "rsassa_pss", *_RSA_PKCS1, *_ECDSA}
    return (name, parsed) if name in known else (None, None)


def _pss_padding(alg: algos.SignedDigestAlgorithm | None) -> tuple[padding.PSS, Any]:
    if alg is None:
        return padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.AUTO), hashes.SHA256()
    params = alg["parameters"]
    digest_name = params["hash_algorithm"]["algorithm"].native
    mgf_hash = params["mask_gen_algorithm"]["parameters"]["algorithm"].native
    if digest_name not in _HASHES or mgf_hash not in _HASHES:
        raise ValueError(f"unsupported PSS hash {digest_name}/{mgf_hash}")
    salt = int(params["salt_length"].native)
    return padding.PSS(padding.MGF1(_HASHES[mgf_hash]()), salt), _HASHES[digest_name]()


# ---------------------------------------------------------------------------------------------
# Revocation lists
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrlInfo:
    """A parsed CRL: who issued it, when, its number, and the revoked serials."""

    der: bytes
    issuer: str
    issuer_key: str  # normalised issuer name, compared with CertInfo.subject_key
    authority_key_id: bytes | None
    this_update: datetime
    next_update: datetime | None
    number: int | None
    revoked: Mapping[int, tuple[datetime, str | None]]  # serial -> (revocation date, reason)
    tbs_der: bytes
    signature_algorithm: str
    signature_algorithm_der: bytes
    signature: bytes
    sha256: str

    def signed_by(self, issuer: CertInfo) -> bool:
        """True if the issuer's name matches and its key verifies this CRL's signature."""
        if issuer.subject_key != self.issuer_key:
            return False
        if (
            self.authority_key_id is not None
            and issuer.subject_key_id is not None
            and self.authority_key_id != issuer.subject_key_id
        ):
            return False
        return _verify_cached(
            self.tbs_der, self.signature, self.signature_algorithm_der, issuer.spki_der
        )

    def is_stale(self, at: datetime) -> bool:
        """True if nextUpdate has passed at `at`."""
        return self.next_update is not None and self.next_update < at


def parse_crl(data: bytes | str) -> CrlInfo:
    """Parse a PEM ("X509 CRL") or DER certificate revocation list."""
    try:
        der = load_der(data, "X509 CRL")
    except CertificateError as exc:
        raise _bad_crl(exc.en) from exc
    return _parse_crl_cached(der)


def _bad_crl(detail: str) -> DomainError:
    return DomainError(
        "malformed-crl",
        "证书吊销列表（CRL）格式错误，无法解析",
        f"the certificate revocation list is malformed ({detail})",
    )


@lru_cache(maxsize=64)
def _parse_crl_cached(der: bytes) -> CrlInfo:
    try:
        cl = asn1_crl.CertificateList.load(der, strict=True)
        tbs = cl["tbs_cert_list"]
        revoked: dict[int, tuple[datetime, str | None]] = {}
        for entry in tbs["revoked_certificates"]:
            reason = entry.crl_reason_value
            revoked[int(entry["user_certificate"].native)] = (
                _aware(entry["revocation_date"].native),
                reason.native if reason is not None else None,
            )
        next_update = tbs["next_update"].native
        number = cl.crl_number_value
        alg = cl["signature_algorithm"]
        return CrlInfo(
            der=der,
            issuer=_name_text(_name_fields(cl.issuer)),
            issuer_key=cl.issuer.hashable,
            authority_key_id=cl.authority_key_identifier,
            this_update=_aware(tbs["this_update"].native),
            next_update=_aware(next_update) if next_update is not None else None,
            number=int(number.native) if number is not None else None,
            revoked=MappingProxyType(revoked),  # read-only: the object is cached
            tbs_der=tbs.dump(),
            signature_algorithm=_signature_name(alg),
            signature_algorithm_der=alg.dump(),
            signature=cl["signature"].native,
            sha256=hashlib.sha256(der).hexdigest(),
        )
    except Exception as exc:  # asn1crypto parses lazily: any failure on bad bytes is malformed
        raise _bad_crl(str(exc)) from exc


@lru_cache(maxsize=2048)
def _verify_cached(tbs: bytes, signature: bytes, alg_der: bytes, spki: bytes) -> bool:
    return verify_signed_by(tbs, signature, alg_der, spki)


# ---------------------------------------------------------------------------------------------
# Path validation
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Validation:
    """The answer of validate_path: ok, or the reason with a message in Chinese and English."""

    ok: bool
    reason: str | None
    zh: str
    en: str
    leaf: CertInfo | None
    path: tuple[CertInfo, ...] = ()  # leaf first, trust anchor last
    failed: CertInfo | None = None  # the certificate the failure is about
    revocation_checked: bool = False  # every non-anchor certificate had a current CRL
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form for API answers."""
        return {
            "ok": self.ok,
            "reason": self.reason,
            "zh": self.zh,
            "en": self.en,
            "certificate": self.leaf.summary() if self.leaf else None,
            "path": [{"subject": c.subject, "fingerprint": c.fingerprint} for c in self.path],
            "failed": self.failed.subject if self.failed else None,
            "revocation_checked": self.revocation_checked,
            **self.details,
        }


class _Refused(Exception):
    def __init__(self, reason: str, cert: CertInfo | None, zh: str, en: str, **details: Any):
        super().__init__(reason)
        self.reason, self.cert, self.zh, self.en, self.details = reason, cert, zh, en, details


def validate_path(
    cert_der: bytes | str,
    intermediates: Iterable[bytes | str],
    anchors: Iterable[bytes | str],
    at: datetime,
    crls: Iterable[bytes | str],
    usage: str,
) -> Validation:
    """Validate a certificate for `usage` at time `at` against trust anchors and CRLs.

    usage: "sign" (digitalSignature or nonRepudiation), "encrypt" (keyEncipherment or
    keyAgreement), "login" (digitalSignature), "ca" (keyCertSign). Malformed intermediates,
    anchors and CRLs are skipped; a malformed leaf is the reason "malformed".
    """
    if usage not in USAGES:
        raise ValueError(f"usage must be one of {sorted(USAGES)}, not {usage!r}")
    if at.tzinfo is None:
        raise ValueError("naive datetime refused: give `at` with a timezone")
    at = at.astimezone(UTC)
    try:
        leaf = parse_certificate(cert_der, strict=False)
    except CertificateError as exc:
        return Validation(False, exc.reason, exc.zh, exc.en, None)
    anchors, intermediates = list(anchors), list(intermediates)
    anchor_infos = _parse_many(anchors)
    pool = _parse_many([*anchors, *intermediates])  # non-CAs too: refused as "not-a-ca"
    anchor_prints = {a.fingerprint for a in anchor_infos}
    crl_infos = _parse_crls(crls)

    paths = _build_paths(leaf, pool, anchor_prints)
    if not paths:
        return _fail(
            leaf,
            (),
            _Refused(
                "unknown-ca",
                leaf,
                f"签发者“{leaf.issuer}”不在受信任的CA列表中",
                f"the issuer {leaf.issuer!r} is not in the trusted CA list",
            ),
        )
    first: tuple[tuple[CertInfo, ...], _Refused] | None = None
    for path in paths:
        try:
            checked = _check_path(path, at, crl_infos, usage)
        except _Refused as refusal:
            if first is None:
                first = (path, refusal)
            continue
        return Validation(
            True,
            None,
            f"证书有效，可用于{USAGES[usage][1]}",
            f"the certificate is valid for {USAGES[usage][2]}",
            leaf,
            path,
            revocation_checked=checked,
        )
    assert first is not None
    return _fail(leaf, *first)


def _fail(leaf: CertInfo, path: tuple[CertInfo, ...], refusal: _Refused) -> Validation:
    zh, en = REASONS[refusal.reason]
    if refusal.zh:
        zh, en = f"{zh}：{refusal.zh}", f"{en}: {refusal.en}"
    return Validation(
        False, refusal.reason, zh, en, leaf, path, refusal.cert, details=refusal.details
    )


def _parse_many(items: Iterable[bytes | str]) -> list[CertInfo]:
    out: list[CertInfo] = []
    seen: set[str] = set()
    for item in items:
        try:
            info = parse_certificate(item, strict=False)
        except CertificateError:
            continue
        if info.fingerprint not in seen:
            seen.add(info.fingerprint)
            out.append(info)
    return out


def _parse_crls(items: Iterable[bytes | str]) -> list[CrlInfo]:
    out: list[CrlInfo] = []
    for item in items:
        try:
            out.append(parse_crl(item))
        except DomainError:
            continue
    return out


def _build_paths(
    leaf: CertInfo, pool: list[CertInfo], anchors: set[str]
) -> list[tuple[CertInfo, ...]]:
    """Every path leaf -> ... -> anchor by issuer name and key identifiers (depth-first)."""
    found: list[tuple[CertInfo, ...]] = []

    def extend(path: tuple[CertInfo, ...]) -> None:
        current = path[-1]
        if current.fingerprint in anchors:
            found.append(path)
            return
        if len(path) >= MAX_PATH:
            return
        used = {c.fingerprint for c in path}
        for candidate in pool:
            if candidate.fingerprint in used or candidate.subject_key != current.issuer_key:
                continue
            if (
                current.authority_key_id is not None
                and candidate.subject_key_id is not None
                and current.authority_key_id != candidate.subject_key_id
            ):
                continue
            extend((*path, candidate))

    extend((leaf,))
    return found


def _check_path(path: tuple[CertInfo, ...], at: datetime, crls: list[CrlInfo], usage: str) -> bool:
    """Raise _Refused at the first failure, from the anchor down; returns revocation_checked."""
    for cert in reversed(path):  # key strength first: nothing signed by a weak key counts
        if cert.key_algorithm == "rsa" and cert.key_bits < MIN_RSA_BITS:
            raise _Refused(
                "weak-key",
                cert,
                f"“{cert.common_name}”的 RSA 密钥仅 {cert.key_bits} 位，至少需要 {MIN_RSA_BITS} 位",
                f"the RSA key of {cert.common_name!r} has {cert.key_bits} bits, at least "
                f"{MIN_RSA_BITS} are required",
            )
    anchor = path[-1]
    if len(path) > 1:
        _check_issuer(anchor, path, len(path) - 1, usage == "ca")
    _check_validity(anchor, at)
    all_checked = True
    for i in range(len(path) - 2, -1, -1):  # from the certificate under the anchor to the leaf
        cert, issuer = path[i], path[i + 1]
        if not _verify_cached(
            cert.tbs_der, cert.signature, cert.signature_algorithm_der, issuer.spki_der
        ):
            raise _Refused(
                "bad-signature",
                cert,
                f"“{cert.common_name}”的签名不能用“{issuer.common_name}”的公钥验证",
                f"the signature of {cert.common_name!r} does not verify with the key of "
                f"{issuer.common_name!r}",
            )
        _check_validity(cert, at)
        if i > 0:
            _check_issuer(cert, path, i, usage == "ca")
        all_checked = _check_revocation(cert, issuer, at, crls) and all_checked
    leaf = path[0]
    if not leaf.allows(usage):
        needed, has = sorted(USAGES[usage][0]), sorted(leaf.key_usage or ())
        raise _Refused(
            "wrong-key-usage",
            leaf,
            f"用于{USAGES[usage][1]}需要{_ku(needed, 0, '或')}，"
            f"该证书的密钥用法为{_ku(has, 0, '、') or '空'}",
            f"{USAGES[usage][2]} needs {_ku(needed, 1, ' or ')}, the certificate allows "
            f"{_ku(has, 1, ', ') or 'nothing'}",
            usage=usage,
            key_usage=[KEY_USAGE_LABELS.get(k, (k, k))[1] for k in has],
        )
    return all_checked


def _ku(names: Sequence[str], lang: int, sep: str) -> str:
    return sep.join(KEY_USAGE_LABELS.get(n, (n, n))[lang] for n in names)


def _check_issuer(
    ca: CertInfo, path: tuple[CertInfo, ...], index: int, target_is_ca: bool = False
) -> None:
    """ca = path[index] issues path[index-1]: CA=true, keyCertSign, pathLen respected.

    target_is_ca: the leaf is validated to issue certificates itself (usage "ca"), so it
    counts as an intermediate for the pathLen of the CAs above it.
    """
    if not ca.is_ca:
        raise _Refused(
            "not-a-ca",
            ca,
            f"“{ca.common_name}”没有 basicConstraints CA=true，不能签发证书",
            f"{ca.common_name!r} lacks basicConstraints CA=true and may not issue certificates",
        )
    if not ca.allows("ca"):
        raise _Refused(
            "wrong-key-usage",
            ca,
            f"“{ca.common_name}”的密钥用法不含 keyCertSign，不能签发证书",
            f"the key usage of {ca.common_name!r} lacks keyCertSign, so it may not issue "
            "certificates",
        )
    if ca.path_len is not None:
        # intermediate CA certificates below this one, not counting self-issued ones (§6.1.4)
        first = 0 if target_is_ca else 1
        below = sum(1 for c in path[first:index] if not c.self_issued)
        if below > ca.path_len:
            raise _Refused(
                "path-too-long",
                ca,
                f"“{ca.common_name}”限制其下最多 {ca.path_len} 级中间CA，实际为 {below} 级",
                f"{ca.common_name!r} allows at most {ca.path_len} intermediate CAs below it, "
                f"the path has {below}",
            )


def _check_validity(cert: CertInfo, at: datetime) -> None:
    if at < cert.not_before:
        raise _Refused(
            "not-yet-valid",
            cert,
            f"“{cert.common_name}”自 {_iso(cert.not_before)} 起生效",
            f"{cert.common_name!r} is valid from {_iso(cert.not_before)}",
            not_before=_iso(cert.not_before),
        )
    if at > cert.not_after:
        raise _Refused(
            "expired",
            cert,
            f"“{cert.common_name}”已于 {_iso(cert.not_after)} 过期",
            f"{cert.common_name!r} expired on {_iso(cert.not_after)}",
            not_after=_iso(cert.not_after),
        )


def _check_revocation(cert: CertInfo, issuer: CertInfo, at: datetime, crls: list[CrlInfo]) -> bool:
    """Refuse a revoked certificate or a stale CRL; False if no CRL of the issuer is known.

    A CRL counts when the issuer's key verifies it (and the issuer may sign CRLs). A CRL
    issued after `at` still proves revocations dated at or before `at` and covers the time;
    otherwise the newest CRL issued at or before `at` must not be past its nextUpdate.
    """
    own = [c for c in crls if c.signed_by(issuer) and issuer.allows_crl_sign()]
    if not own:
        return False
    for crl_info in own:
        entry = crl_info.revoked.get(cert.serial)
        if entry is not None and entry[0] <= at:
            when, why = entry
            raise _Refused(
                "revoked",
                cert,
                f"“{cert.common_name}”（序列号 {cert.serial_hex}）已于 {_iso(when)} 被"
                f"“{issuer.common_name}”吊销" + (f"，原因 {why}" if why else ""),
                f"{cert.common_name!r} (serial {cert.serial_hex}) was revoked by "
                f"{issuer.common_name!r} on {_iso(when)}" + (f", reason {why}" if why else ""),
                revoked_at=_iso(when),
                revocation_reason=why,
            )
    if any(c.this_update > at for c in own):
        return True
    newest = max(own, key=lambda c: (c.this_update, c.number or 0))
    if newest.is_stale(at):
        assert newest.next_update is not None
        raise _Refused(
            "crl-stale",
            cert,
            f"“{issuer.common_name}”的吊销列表应于 {_iso(newest.next_update)} 更新",
            f"the CRL of {issuer.common_name!r} was due for update on {_iso(newest.next_update)}",
            crl_next_update=_iso(newest.next_update),
        )
    return True
