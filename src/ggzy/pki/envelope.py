"""Sealed bid envelopes (投标文件加密封装): sealed by the bidder, unreadable by the server.

A bidder seals the bid file on its own machine (this module, the `ggzy bid seal` command or
the browser's static/js/seal.js): a fresh content key encrypts the file in chunks, and the
content key is wrapped to each recipient's certificate. The server stores the envelope and
its hash and cannot read the bid. At opening the bidder unwraps the content key on its side
and submits it; the server decrypts, and checks the plaintext digest the envelope declared at
upload time. A center may add a fallback recipient: its opening key, whose private key is split
among officers (k of n, ggzy.pki.shamir); see docs/decisions/0004-sealed-envelope.md.

Format, version 2 (all integers big-endian)::

    envelope = header ‖ record* ‖ trailer
    header   = "GGZYENV1" ‖ version u8 (2) ‖ json_length u32 ‖ json
    json     = canonical UTF-8 JSON (keys sorted, no spaces, non-ASCII kept), e.g.
               {"bidder": "91420100MA4KXXXX1X", "chunk_size": 1048576, "cipher": "AES-256-GCM",
                "declared": {"tool_machine_code": "…", "hardware_ids": ["…"]},
                "key_check": hex HMAC-SHA256(content_key, "GGZYENV1 key check"),
                "nonce_prefix": hex 8 random bytes, "project": "…", "recipients": [...],
                "sealed_at": "2026-03-02T01:00:00Z", "tool": "ggzy-python/1"}
    record   = final u8 (0 or 1) ‖ length u32 ‖ ciphertext[length] ‖ tag[16]
    trailer  = "GGZYEND2" ‖ plaintext_length u64

- Cipher: "AES-256-GCM" (32-byte content key) or "SM4-GCM" (16-byte key, the natural choice for
  SM2 certificates). Record i (from 0) is sealed with nonce = nonce_prefix ‖ u32 i and
  AAD = SHA-256(header) ‖ u32 i ‖ final u8, and for the final record also ‖ plaintext_length
  u64. Every record but the last holds exactly chunk_size bytes; the last
  holds 0..chunk_size (an empty file is one empty final record). So dropping, reordering,
  swapping (even between envelopes), extending or cutting records fails authentication.
- Recipients: each {"kind", "key_id", "key_id_of", "spki_sha256", "wrapped_key" (base64), ...}.
  key_id is the SHA-256 of the recipient's certificate DER (key_id_of "certificate") or of its
  SubjectPublicKeyInfo (key_id_of "spki"); spki_sha256 (always the SPKI) lets a private key
  find its entry. Kinds:
    "rsa-oaep-sha256": RSA-OAEP, SHA-256 and MGF1-SHA-256, no label;
    "ecdh-p256-hkdf-sha256-aes256kw": ephemeral-static ECDH on P-256 ("ephemeral_public":
        base64 uncompressed point), KEK = HKDF-SHA256(shared x, salt = ephemeral point,
        info = "GGZYENV1|ecdh-p256-hkdf-sha256-aes256kw|" + project code), then AES key wrap
        (RFC 3394) under the KEK;
    "sm2-encrypt": SM2 public-key encryption (GB/T 32918.4, GM/T 0009 ASN.1 ciphertext);
    "shamir-opening-key": the center's opening key, whose private key is split among officers;
        "wrap" names which of the three kinds above wrapped it.
- The trailer carries the plaintext length in the clear (bound by the final record's AAD), after
  the records so that sealing is one pass over a stream of unknown length.
- key_check commits the envelope to one content key (AES-GCM alone does not): a wrong key is
  told apart from tampering, and a bidder cannot craft an envelope that opens to two bids. With
  the envelope's SHA-256, which the server records at upload and the bidder signs, the one
  plaintext it can open to is fixed before the deadline, so no plaintext digest is needed.
- Version 1 (still read, no longer written) also declared the plaintext SHA-256: trailer
  "GGZYEND1" ‖ plaintext_length u64 ‖ plaintext_sha256[32], the final AAD ending with both. It
  hashed every byte twice over (the signature hashes it too) and capped sealing at SHA-256's
  speed; unsealing a version 1 envelope still checks that digest.

Memory is O(chunk_size) in both directions (unsealing with a plaintext digest keeps two chunk
buffers: one is hashed in a helper thread while the next record is decrypted).
Every refusal is an EnvelopeError (a DomainError) with code envelope-malformed,
envelope-tampered, envelope-truncated, wrong-key or unsupported-cipher.

    >>> key = ec.generate_private_key(ec.SECP256R1())
    >>> blob = seal_bytes(b"bid", recipients=[Recipient.from_public_key(key.public_key())],
    ...                   meta={"project": "P1", "bidder": "B1"})
    >>> unseal_bytes(blob, unwrap_content_key(read_header(io.BytesIO(blob)), key))
    b'bid'
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import json
import secrets
import struct
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, BinaryIO, Protocol, runtime_checkable

from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from ggzy.core.errors import DomainError

MAGIC = b"GGZYENV1"
TRAILER_MAGIC = b"GGZYEND2"
TRAILER_MAGIC_V1 = b"GGZYEND1"
VERSION = 2  # written; version 1 is still read
VERSIONS = (1, 2)
TOOL = "ggzy-python/1"
DEFAULT_CHUNK_SIZE = 1 << 20
MIN_CHUNK_SIZE = 64
MAX_CHUNK_SIZE = 64 << 20
MAX_HEADER_JSON = 1 << 20
TAG_SIZE = 16
NONCE_PREFIX_SIZE = 8
MAX_RECORDS = 1 << 32

AES_256_GCM = "AES-256-GCM"
SM4_GCM = "SM4-GCM"
CIPHERS: dict[str, int] = {AES_256_GCM: 32, SM4_GCM: 16}  # cipher -> content key length
CIPHER_ALIASES = {"aes": AES_256_GCM, "sm4": SM4_GCM, AES_256_GCM: AES_256_GCM, SM4_GCM: SM4_GCM}
AUTO = "auto"  # SM4-GCM for an SM2 bidder key, AES-256-GCM otherwise

RSA_OAEP = "rsa-oaep-sha256"
ECDH_P256 = "ecdh-p256-hkdf-sha256-aes256kw"
SM2_ENCRYPT = "sm2-encrypt"
OPENING_KEY = "shamir-opening-key"
WRAP_KINDS = (RSA_OAEP, ECDH_P256, SM2_ENCRYPT)
RECIPIENT_KINDS = (*WRAP_KINDS, OPENING_KEY)

KEY_CHECK_LABEL = b"GGZYENV1 key check"
HKDF_INFO_PREFIX = "GGZYENV1|" + ECDH_P256 + "|"

_HEADER_FIXED = struct.Struct(">8sBI")  # magic, version, json length
_RECORD = struct.Struct(">BI")  # final flag, ciphertext length
_TRAILER = struct.Struct(">8sQ")  # magic, plaintext length
_TRAILER_V1 = struct.Struct(">8sQ32s")  # magic, plaintext length, plaintext SHA-256

_RSA_OID = "1.2.840.113549.1.1.1"
_EC_OID = "1.2.840.10045.2.1"
_P256_OID = "1.2.840.10045.3.1.7"
_SM2_OID = "1.2.156.10197.1.301"

# ---------------------------------------------------------------- errors


class EnvelopeError(DomainError):
    """A refused envelope, e.g. EnvelopeError("envelope-tampered", "…被篡改", "… tampered")."""

    def __init__(self, code: str, zh: str, en: str, **extra: Any) -> None:
        super().__init__(code, zh, en, 422, **extra)


def _malformed(zh: str, en: str) -> EnvelopeError:
    return EnvelopeError(
        "envelope-malformed",
        f"不是有效的密封投标文件：{zh}",
        f"not a valid sealed bid envelope: {en}",
    )


def _tampered(zh: str, en: str, **extra: Any) -> EnvelopeError:
    return EnvelopeError(
        "envelope-tampered",
        f"密封投标文件已被篡改：{zh}",
        f"the sealed bid envelope was tampered with: {en}",
        **extra,
    )


def _truncated(zh: str, en: str) -> EnvelopeError:
    return EnvelopeError(
        "envelope-truncated",
        f"密封投标文件不完整（被截断）：{zh}",
        f"the sealed bid envelope is truncated: {en}",
    )


def _wrong_key(zh: str, en: str) -> EnvelopeError:
    return EnvelopeError("wrong-key", f"密钥错误：{zh}", f"wrong key: {en}")


def _unsupported_cipher(name: object) -> EnvelopeError:
    return EnvelopeError(
        "unsupported-cipher",
        f"不支持的加密算法 {name!r}（支持 AES-256-GCM、SM4-GCM）",
        f"unsupported cipher {name!r} (AES-256-GCM and SM4-GCM are supported)",
    )


def _invalid_key(zh: str, en: str) -> DomainError:
    return DomainError("invalid-key", f"密钥或证书无效：{zh}", f"invalid key or certificate: {en}")


# ---------------------------------------------------------------- keys and certificates


def _sm() -> Any:
    """ggzy.pki.sm, imported on first SM2 use (tongsuopy is only needed for SM2)."""
    try:
        from ggzy.pki import sm
    except ImportError as exc:  # pragma: no cover - tongsuopy is a dependency
        raise DomainError(
            "sm2-unavailable",
            "本机无法使用 SM2（缺少 tongsuopy）",
            f"SM2 is unavailable here: {exc}",
        ) from None
    return sm


def key_algorithm(key: Any) -> str:
    """ "rsa", "ec-p256" or "sm2" for a public or private key object; invalid-key otherwise."""
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return "rsa"
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        if key.curve.name != "secp256r1":
            raise _invalid_key(
                f"不支持的椭圆曲线 {key.curve.name}", f"unsupported curve {key.curve.name}"
            )
        return "ec-p256"
    name = type(key).__name__
    if name in ("SM2PublicKey", "SM2PrivateKey"):
        return "sm2"
    raise _invalid_key(f"不支持的密钥类型 {name}", f"unsupported key type {name}")


def spki_der(public_key: Any) -> bytes:
    """The canonical DER SubjectPublicKeyInfo of an RSA, P-256 or SM2 public key."""
    if key_algorithm(public_key) == "sm2":
        return bytes(public_key.to_der())
    der: bytes = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return der


def public_key_of(private_key: Any) -> Any:
    """The public half of a private key object."""
    key_algorithm(private_key)
    return private_key.public_key()


def public_key_from_spki(der: bytes) -> Any:
    """An RSA, P-256 (cryptography) or SM2 (ggzy.pki.sm) public key from SPKI DER."""
    try:
        info = asn1_keys.PublicKeyInfo.load(der, strict=True)
        oid = info["algorithm"]["algorithm"].dotted
        params = info["algorithm"]["parameters"]
        curve = params.chosen.dotted if oid == _EC_OID and params.name == "named" else None
    except (ValueError, TypeError) as exc:
        raise _invalid_key("公钥格式错误", f"malformed SubjectPublicKeyInfo: {exc}") from None
    if oid == _SM2_OID or curve == _SM2_OID:
        try:
            return _sm().sm2_public_from_spki(der)
        except ValueError as exc:
            raise _invalid_key("SM2 公钥无效", str(exc)) from None
    if oid == _RSA_OID or (oid == _EC_OID and curve == _P256_OID):
        try:
            return serialization.load_der_public_key(der)
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise _invalid_key("公钥无效", str(exc)) from None
    raise _invalid_key(
        f"不支持的公钥算法 {curve or oid}（支持 RSA、ECDSA P-256、SM2）",
        f"unsupported public key algorithm {curve or oid} (RSA, ECDSA P-256 and SM2 are)",
    )


def _pem_blocks(data: bytes) -> list[tuple[str, bytes]]:
    if asn1_pem.detect(data):
        try:
            return [(kind, der) for kind, _, der in asn1_pem.unarmor(data, multiple=True)]
        except (ValueError, TypeError, binascii.Error) as exc:
            raise _invalid_key("PEM 编码错误", f"bad PEM: {exc}") from None
    return [("", bytes(data))]


def load_private_key(data: bytes, passphrase: bytes | str | None = None) -> Any:
    """An RSA, P-256 or SM2 private key from PEM or DER (PKCS#8, encrypted PKCS#8 or SEC1)."""
    if isinstance(passphrase, str):
        passphrase = passphrase.encode("utf-8")
    pem = asn1_pem.detect(data)
    loader = serialization.load_pem_private_key if pem else serialization.load_der_private_key
    try:
        key = loader(data, passphrase)
    except TypeError as exc:  # encrypted without a passphrase, or a passphrase for a plain key
        raise DomainError(
            "key-passphrase",
            "私钥口令缺失或多余",
            f"the private key passphrase is missing or not needed: {exc}",
        ) from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        sm = _sm()
        try:
            return (sm.load_sm2_private_pem if pem else sm.load_sm2_private_der)(data, passphrase)
        except ValueError:
            raise _invalid_key(
                "无法读取私钥（口令错误，或不是 RSA、P-256、SM2 私钥）",
                f"cannot load the private key (wrong passphrase, or not RSA, P-256 or SM2): {exc}",
            ) from None
    key_algorithm(key)
    return key


@dataclass(frozen=True)
class Recipient:
    """Someone the content key is wrapped to: a bidder's encryption key or a center's opening key.

    Build with Recipient.load(pem_or_der) (an X.509 certificate or a public key) or
    Recipient.from_public_key(key); .as_opening_key() marks the center's split opening key.
    """

    public_key: Any = field(repr=False)
    algorithm: str  # "rsa" | "ec-p256" | "sm2"
    spki: bytes = field(repr=False)  # canonical SubjectPublicKeyInfo DER
    certificate_der: bytes | None = field(default=None, repr=False)
    opening: bool = False

    @property
    def wrap_kind(self) -> str:
        return {"rsa": RSA_OAEP, "ec-p256": ECDH_P256, "sm2": SM2_ENCRYPT}[self.algorithm]

    @property
    def kind(self) -> str:
        return OPENING_KEY if self.opening else self.wrap_kind

    @property
    def spki_sha256(self) -> str:
        return hashlib.sha256(self.spki).hexdigest()

    @property
    def key_id(self) -> str:
        """SHA-256 of the certificate DER if there is one, else of the SPKI."""
        return hashlib.sha256(self.certificate_der or self.spki).hexdigest()

    @classmethod
    def from_public_key(cls, public_key: Any, *, opening: bool = False) -> Recipient:
        return cls(public_key, key_algorithm(public_key), spki_der(public_key), None, opening)

    @classmethod
    def load(cls, data: bytes, *, opening: bool = False) -> Recipient:
        """From an X.509 certificate (PEM or DER) or a public key (PEM "PUBLIC KEY" or SPKI DER)."""
        kind, der = _pem_blocks(bytes(data))[0]
        if kind in ("PUBLIC KEY", ""):
            try:
                return cls.from_public_key(public_key_from_spki(der), opening=opening)
            except DomainError:
                if kind:
                    raise
        if kind not in ("CERTIFICATE", ""):
            raise _invalid_key(f"不认识的 PEM 块 {kind}", f"unexpected PEM block {kind}")
        from ggzy.pki.certs import parse_certificate

        info = parse_certificate(der)  # CertificateError (a DomainError) on bad input
        key = public_key_from_spki(info.spki_der)
        return cls(key, key_algorithm(key), spki_der(key), info.der, opening)

    def as_opening_key(self) -> Recipient:
        return replace(self, opening=True)


@runtime_checkable
class KeyUnwrapper(Protocol):
    """Anything that can unwrap a recipient entry: a token, a remote signing service, …"""

    spki_sha256: str

    def unwrap_key(self, entry: Mapping[str, Any], header: EnvelopeHeader) -> bytes: ...


# ---------------------------------------------------------------- header


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8 kept: the one byte form of a JSON value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any, what: str) -> bytes:
    if not isinstance(text, str):
        raise _malformed(f"{what} 不是 base64 文本", f"{what} is not base64 text")
    try:
        return base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        raise _malformed(f"{what} 不是 base64", f"{what} is not base64") from None


def _hex(value: Any, size: int, what: str) -> bytes:
    try:
        raw = bytes.fromhex(value) if isinstance(value, str) else b""
    except ValueError:
        raw = b""
    if len(raw) != size:
        raise _malformed(f"{what} 应为 {size} 字节十六进制", f"{what} must be {size} bytes of hex")
    return raw


@dataclass(frozen=True)
class EnvelopeHeader:
    """The parsed header: its metadata, its raw bytes and their SHA-256 (bound into every AAD)."""

    version: int
    meta: dict[str, Any]
    raw: bytes = field(repr=False)

    @property
    def sha256(self) -> bytes:
        return hashlib.sha256(self.raw).digest()

    @property
    def project(self) -> str:
        return str(self.meta["project"])

    @property
    def bidder(self) -> str:
        return str(self.meta["bidder"])

    @property
    def cipher(self) -> str:
        return str(self.meta["cipher"])

    @property
    def chunk_size(self) -> int:
        return int(self.meta["chunk_size"])

    @property
    def nonce_prefix(self) -> bytes:
        return bytes.fromhex(self.meta["nonce_prefix"])

    @property
    def key_check(self) -> bytes:
        return bytes.fromhex(self.meta["key_check"])

    @property
    def declared(self) -> dict[str, Any]:
        return dict(self.meta.get("declared") or {})

    @property
    def recipients(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.meta["recipients"]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe view for `ggzy bid inspect` and API answers."""
        return {"version": self.version, "header_sha256": self.sha256.hex(), **self.meta}


def _parse_header(raw_json: bytes, version: int, raw: bytes) -> EnvelopeHeader:
    try:
        meta = json.loads(raw_json.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _malformed("头部不是 UTF-8 JSON", "the header is not UTF-8 JSON") from None
    if not isinstance(meta, dict):
        raise _malformed("头部不是 JSON 对象", "the header is not a JSON object")
    if canonical_json(meta) != raw_json:
        raise _malformed("头部 JSON 不是规范形式", "the header JSON is not in canonical form")
    for name in ("project", "bidder", "cipher", "nonce_prefix", "key_check"):
        if not isinstance(meta.get(name), str) or not meta[name]:
            raise _malformed(f"头部缺少 {name}", f"the header lacks {name}")
    if meta["cipher"] not in CIPHERS:
        raise _unsupported_cipher(meta["cipher"])
    size = meta.get("chunk_size")
    if not isinstance(size, int) or isinstance(size, bool):
        raise _malformed("头部缺少 chunk_size", "the header lacks chunk_size")
    if not MIN_CHUNK_SIZE <= size <= MAX_CHUNK_SIZE:
        raise _malformed(f"分块大小 {size} 超出范围", f"chunk size {size} out of range")
    _hex(meta["nonce_prefix"], NONCE_PREFIX_SIZE, "nonce_prefix")
    _hex(meta["key_check"], 32, "key_check")
    if "declared" in meta and not isinstance(meta["declared"], dict):
        raise _malformed("declared 应为对象", "declared must be an object")
    recipients = meta.get("recipients")
    if not isinstance(recipients, list) or not recipients:
        raise _malformed("头部没有接收方", "the header names no recipients")
    for entry in recipients:
        if not isinstance(entry, dict) or not isinstance(entry.get("kind"), str):
            raise _malformed("接收方条目格式错误", "a recipient entry is malformed")
        for name in ("key_id", "spki_sha256"):
            _hex(entry.get(name), 32, name)
        _unb64(entry.get("wrapped_key"), "wrapped_key")
    return EnvelopeHeader(version, meta, raw)


def read_header(src: BinaryIO) -> EnvelopeHeader:
    """Read and check the header; src is left at the first record."""
    fixed = _read_full(src, _HEADER_FIXED.size)
    if len(fixed) < len(MAGIC) or fixed[: len(MAGIC)] != MAGIC:
        raise _malformed("文件头标识不符（不是 GGZYENV1 文件）", "bad magic (not a GGZYENV1 file)")
    if len(fixed) < _HEADER_FIXED.size:
        raise _truncated("头部不完整", "the header is cut short")
    _, version, length = _HEADER_FIXED.unpack(fixed)
    if version not in VERSIONS:
        raise _malformed(f"不支持的版本 {version}", f"unsupported version {version}")
    if not 2 <= length <= MAX_HEADER_JSON:
        raise _malformed(f"头部长度 {length} 不合理", f"implausible header length {length}")
    raw_json = _read_full(src, length)
    if len(raw_json) < length:
        raise _truncated("头部不完整", "the header is cut short")
    return _parse_header(raw_json, version, fixed + raw_json)


def _build_header(
    *,
    meta: Mapping[str, Any],
    cipher: str,
    chunk_size: int,
    key: bytes,
    nonce_prefix: bytes,
    recipients: Sequence[Recipient],
    sealed_at: datetime | None,
) -> EnvelopeHeader:
    unknown = set(meta) - {"project", "bidder", "declared"}
    if unknown:
        raise ValueError(f"unknown metadata {sorted(unknown)}: use project, bidder, declared")
    project, bidder = meta.get("project"), meta.get("bidder")
    if not isinstance(project, str) or not project or not isinstance(bidder, str) or not bidder:
        raise DomainError(
            "envelope-meta",
            "密封需要项目编号和投标人代码",
            "sealing needs the project code and the bidder code",
        )
    declared = dict(meta.get("declared") or {})
    canonical_json(declared)  # refuses values JSON cannot carry
    if not recipients:
        raise DomainError(
            "envelope-no-recipient",
            "至少需要一个接收方证书",
            "at least one recipient certificate is needed",
        )
    when = (sealed_at or datetime.now(UTC)).astimezone(UTC)
    entries = [_wrap_for(r, key, project) for r in recipients]
    body = {
        "bidder": bidder,
        "chunk_size": chunk_size,
        "cipher": cipher,
        "declared": declared,
        "key_check": _key_check(key).hex(),
        "nonce_prefix": nonce_prefix.hex(),
        "project": project,
        "recipients": entries,
        "sealed_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tool": TOOL,
    }
    raw_json = canonical_json(body)
    if len(raw_json) > MAX_HEADER_JSON:
        raise ValueError("the header metadata is too large")
    raw = _HEADER_FIXED.pack(MAGIC, VERSION, len(raw_json)) + raw_json
    return EnvelopeHeader(VERSION, json.loads(raw_json), raw)


# ---------------------------------------------------------------- wrapping the content key


def _key_check(key: bytes) -> bytes:
    return hmac.new(key, KEY_CHECK_LABEL, hashlib.sha256).digest()


def _hkdf_info(project: str) -> bytes:
    return (HKDF_INFO_PREFIX + project).encode("utf-8")


def _ecdh_kek(shared: bytes, ephemeral_point: bytes, project: str) -> bytes:
    kdf = HKDF(hashes.SHA256(), 32, salt=ephemeral_point, info=_hkdf_info(project))
    return kdf.derive(shared)


_OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def _wrap_for(recipient: Recipient, key: bytes, project: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "kind": recipient.kind,
        "key_id": recipient.key_id,
        "key_id_of": "certificate" if recipient.certificate_der else "spki",
        "spki_sha256": recipient.spki_sha256,
    }
    if recipient.opening:
        entry["wrap"] = recipient.wrap_kind
    if recipient.algorithm == "rsa":
        entry["wrapped_key"] = _b64(recipient.public_key.encrypt(key, _OAEP))
    elif recipient.algorithm == "ec-p256":
        eph = ec.generate_private_key(ec.SECP256R1())
        point = eph.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        kek = _ecdh_kek(eph.exchange(ec.ECDH(), recipient.public_key), point, project)
        entry["ephemeral_public"] = _b64(point)
        entry["wrapped_key"] = _b64(aes_key_wrap(kek, key))
    else:
        entry["wrapped_key"] = _b64(_sm().sm2_encrypt(recipient.public_key, key))
    return entry


def _unwrap_entry(
    entry: Mapping[str, Any], private_key: Any, algorithm: str, project: str
) -> bytes:
    wrapped = _unb64(entry.get("wrapped_key"), "wrapped_key")
    kind = entry.get("wrap") if entry.get("kind") == OPENING_KEY else entry.get("kind")
    expected = {"rsa": RSA_OAEP, "ec-p256": ECDH_P256, "sm2": SM2_ENCRYPT}[algorithm]
    if kind != expected:
        raise ValueError(f"entry kind {kind} does not fit a {algorithm} key")
    if algorithm == "rsa":
        result: bytes = private_key.decrypt(wrapped, _OAEP)
        return result
    if algorithm == "ec-p256":
        point = _unb64(entry.get("ephemeral_public"), "ephemeral_public")
        eph = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        kek = _ecdh_kek(private_key.exchange(ec.ECDH(), eph), point, project)
        return aes_key_unwrap(kek, wrapped)
    return bytes(_sm().sm2_decrypt(private_key, wrapped))


def unwrap_content_key(header: EnvelopeHeader, key: Any) -> bytes:
    """The content key, unwrapped with a recipient's private key (or opening-key shares).

    key: an RSA / P-256 private key (cryptography), an SM2PrivateKey, PEM/DER private key
    bytes, a list of ggzy.pki.shamir.Share of the opening key, or a KeyUnwrapper.
    Refuses with wrong-key when the key is not a recipient or does not unwrap.
    """
    if isinstance(key, bytes | bytearray):
        key = load_private_key(bytes(key))
    elif isinstance(key, list | tuple):
        key = recover_opening_key(key)
    if isinstance(key, KeyUnwrapper):
        unwrap = key.unwrap_key
        wanted = key.spki_sha256
        algorithm = ""
    else:
        algorithm = key_algorithm(key)
        wanted = hashlib.sha256(spki_der(public_key_of(key))).hexdigest()
    entries = [e for e in header.recipients if e.get("spki_sha256") == wanted]
    if not entries:
        raise _wrong_key(
            "此密钥不是该投标文件的接收方（证书不符）",
            "this key is not a recipient of the envelope (certificate mismatch)",
        )
    for entry in entries:
        try:
            if algorithm:
                content_key = _unwrap_entry(entry, key, algorithm, header.project)
            else:
                content_key = unwrap(entry, header)
        except (ValueError, InvalidUnwrap, InvalidTag, TypeError):
            continue
        if hmac.compare_digest(_key_check(content_key), header.key_check):
            return content_key
    raise _wrong_key(
        "密钥无法解开内容密钥（密钥不符或封装数据已损坏）",
        "the key does not unwrap the content key (wrong key or damaged wrapping)",
    )


# ---------------------------------------------------------------- opening key (fallback)


@dataclass(frozen=True)
class OpeningKey:
    """A center's opening key: its public key (PEM) for sealing, its private key as shares."""

    public_pem: bytes
    shares: list[Any]  # ggzy.pki.shamir.Share

    @property
    def recipient(self) -> Recipient:
        return Recipient.load(self.public_pem, opening=True)


def generate_opening_key(k: int, n: int, *, label: str = "") -> OpeningKey:
    """A fresh P-256 opening key whose private key (PKCS#8 DER) is split k of n among officers.

    The private key exists only inside this call; using the shares (recover_opening_key) is
    the caller's to allow only after the deadline and to record as an event each time.
    """
    from ggzy.pki import shamir

    key = ec.generate_private_key(ec.SECP256R1())
    secret = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return OpeningKey(public_pem, shamir.split(secret, k, n, label=label))


def recover_opening_key(shares: Sequence[Any]) -> Any:
    """The opening private key rebuilt from k shares (ShamirError if too few or wrong)."""
    from ggzy.pki import shamir

    return load_private_key(shamir.combine(list(shares)))


# ---------------------------------------------------------------- records


class _Aead:
    """AES-256-GCM or SM4-GCM over one record, into caller-owned buffers (no allocation)."""

    def __init__(self, cipher: str, key: bytes) -> None:
        if cipher not in CIPHERS:
            raise _unsupported_cipher(cipher)
        if len(key) != CIPHERS[cipher]:
            raise _wrong_key(
                f"内容密钥长度应为 {CIPHERS[cipher]} 字节",
                f"the content key must be {CIPHERS[cipher]} bytes for {cipher}",
            )
        self.key = bytes(key)
        self.aes = AESGCM(self.key) if cipher == AES_256_GCM else None

    def seal_into(self, nonce: bytes, data: memoryview, aad: bytes, out: memoryview) -> None:
        """out (len(data) + 16 bytes) <- ciphertext ‖ tag."""
        if self.aes is not None:
            self.aes.encrypt_into(nonce, data, aad, out)
            return
        enc = Cipher(algorithms.SM4(self.key), modes.GCM(nonce)).encryptor()
        enc.authenticate_additional_data(aad)
        body = enc.update(data) + enc.finalize()
        out[: len(body)] = body
        out[len(body) :] = enc.tag

    def open_into(self, nonce: bytes, data: memoryview, aad: bytes, out: memoryview) -> None:
        """out (len(data) - 16 bytes) <- plaintext; InvalidTag if not authentic."""
        if self.aes is not None:
            self.aes.decrypt_into(nonce, data, aad, out)
            return
        dec = Cipher(
            algorithms.SM4(self.key), modes.GCM(nonce, bytes(data[-TAG_SIZE:]))
        ).decryptor()
        dec.authenticate_additional_data(aad)
        plain = dec.update(data[:-TAG_SIZE]) + dec.finalize()
        out[:] = plain


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + struct.pack(">I", index)


def _aad(
    header_sha256: bytes, index: int, final: bool, length: int = 0, digest: bytes = b""
) -> bytes:
    aad = header_sha256 + struct.pack(">IB", index, 1 if final else 0)
    if final:
        aad += struct.pack(">Q", length) + digest
    return aad


def _read_full(src: BinaryIO, n: int) -> bytes:
    """Up to n bytes, fewer only at end of stream (raw streams may return short reads)."""
    data = src.read(n) or b""
    if len(data) == n or not data:
        return data
    parts = [data]
    got = len(data)
    while got < n:
        more = src.read(n - got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)


def _fill(src: BinaryIO, buf: memoryview) -> int:
    """Fill buf from src; returns the bytes read, fewer than len(buf) only at end of stream."""
    readinto = getattr(src, "readinto", None)
    if readinto is None:
        data = _read_full(src, len(buf))
        buf[: len(data)] = data
        return len(data)
    got = 0
    while got < len(buf):
        n = readinto(buf[got:])
        if not n:
            break
        got += n
    return got


def _write_all(dst: BinaryIO, data: memoryview) -> None:
    """dst.write until all of data is out (a raw, unbuffered file may write less)."""
    while data:
        n = dst.write(data)
        if n is None or n >= len(data):
            return
        data = data[n:]


def choose_cipher(cipher: str, recipients: Sequence[Recipient]) -> str:
    """The cipher's canonical name; "auto" picks SM4-GCM for an SM2 bidder, else AES-256-GCM."""
    if cipher == AUTO:
        bidders = [r for r in recipients if not r.opening] or list(recipients)
        return SM4_GCM if bidders and bidders[0].algorithm == "sm2" else AES_256_GCM
    name = CIPHER_ALIASES.get(cipher)
    if name is None:
        raise _unsupported_cipher(cipher)
    return name


@dataclass(frozen=True)
class SealResult:
    """What seal_stream wrote: the header and the plaintext length the trailer declares."""

    header: EnvelopeHeader
    plaintext_length: int
    records: int
    envelope_length: int


def seal_stream(
    src: BinaryIO,
    dst: BinaryIO,
    *,
    recipients: Sequence[Recipient],
    meta: Mapping[str, Any],
    cipher: str = AUTO,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    content_key: bytes | None = None,
    sealed_at: datetime | None = None,
) -> SealResult:
    """Seal src into dst in one pass with O(chunk_size) memory (two chunk buffers).

    meta: {"project": code, "bidder": credit code, "declared": {...} (optional, carried for
    collusion screening: tool machine code, hardware ids, …)}. cipher: "AES-256-GCM" or
    "SM4-GCM" (or "aes" / "sm4"); "auto" takes SM4-GCM when the bidder's key (the first that
    is not an opening key) is SM2. content_key: normally None (a fresh random key).
    """
    name = choose_cipher(cipher, recipients)
    if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
        raise ValueError(f"chunk_size must be in {MIN_CHUNK_SIZE}..{MAX_CHUNK_SIZE}")
    key = content_key if content_key is not None else secrets.token_bytes(CIPHERS[name])
    aead = _Aead(name, key)
    prefix = secrets.token_bytes(NONCE_PREFIX_SIZE)
    header = _build_header(
        meta=meta,
        cipher=name,
        chunk_size=chunk_size,
        key=key,
        nonce_prefix=prefix,
        recipients=recipients,
        sealed_at=sealed_at,
    )
    header_hash = header.sha256
    _write_all(dst, memoryview(header.raw))
    written = len(header.raw)
    # One input buffer: after a full chunk one more byte is read ahead to tell whether it was
    # the last, and carried into the next chunk (a second 1 MiB buffer costs more in cache).
    chunk = memoryview(bytearray(chunk_size))
    output = memoryview(bytearray(_RECORD.size + chunk_size + TAG_SIZE))
    total = 0
    index = 0
    carried = b""
    while True:
        chunk[: len(carried)] = carried
        n = len(carried) + _fill(src, chunk[len(carried) :])
        carried = _read_full(src, 1) if n == chunk_size else b""
        final = not carried
        total += n
        if index >= MAX_RECORDS:
            raise ValueError("the file is too large for this chunk size")
        record = output[: _RECORD.size + n + TAG_SIZE]
        _RECORD.pack_into(record, 0, 1 if final else 0, n)
        aad = _aad(header_hash, index, final, total)
        aead.seal_into(_nonce(prefix, index), chunk[:n], aad, record[_RECORD.size :])
        _write_all(dst, record)
        written += len(record)
        if final:
            break
        index += 1
    _write_all(dst, memoryview(_TRAILER.pack(TRAILER_MAGIC, total)))
    written += _TRAILER.size
    return SealResult(header, total, index + 1, written)


@dataclass(frozen=True)
class _Record:
    index: int
    final: bool
    body: memoryview  # ciphertext ‖ tag; valid until the next record is read
    plaintext_length: int = 0  # from the trailer, final record only
    plaintext_sha256: bytes = b""  # from a version 1 trailer

    @property
    def length(self) -> int:
        return len(self.body) - TAG_SIZE


def _records(
    src: BinaryIO, header: EnvelopeHeader, sink: Callable[[Any], None] | None = None
) -> Iterator[_Record]:
    """Walk the records and the trailer, checking the framing (no key needed).

    The body of each record lives in one reused buffer. sink, if given, receives every byte
    read (to hash the whole envelope).
    """
    size = header.chunk_size
    trailer, trailer_magic = (
        (_TRAILER_V1, TRAILER_MAGIC_V1) if header.version == 1 else (_TRAILER, TRAILER_MAGIC)
    )
    buffer = memoryview(bytearray(size + TAG_SIZE))
    index = 0
    seen = 0
    while True:
        head = _read_full(src, _RECORD.size)
        if sink:
            sink(head)
        if len(head) < _RECORD.size:
            raise _truncated(
                f"第 {index} 块之前文件结束，缺少最后一块和结尾",
                f"the file ends before record {index}; the final record and trailer are missing",
            )
        flag, length = _RECORD.unpack(head)
        if flag not in (0, 1):
            raise _tampered(f"第 {index} 块的标记字节无效", f"record {index} has a bad marker")
        if (flag == 0 and length != size) or length > size:
            raise _tampered(
                f"第 {index} 块长度 {length} 与分块大小 {size} 不符",
                f"record {index} length {length} does not fit chunk size {size}",
            )
        if index >= MAX_RECORDS:
            raise _tampered("分块过多", "too many records")
        body = buffer[: length + TAG_SIZE]
        got = _fill(src, body)
        if sink:
            sink(body[:got])
        if got < len(body):
            raise _truncated(f"第 {index} 块不完整", f"record {index} is cut short")
        seen += length
        if flag == 0:
            yield _Record(index, False, body)
            index += 1
            continue
        tail = _read_full(src, trailer.size)
        if sink:
            sink(tail)
        if len(tail) < trailer.size:
            raise _truncated("缺少结尾（明文长度）", "the trailer (plaintext length) is missing")
        magic, plain_length, *digest = trailer.unpack(tail)
        if magic != trailer_magic:
            raise _tampered("结尾标识不符", "bad trailer magic")
        if plain_length != seen:
            raise _tampered(
                f"结尾声明的明文长度 {plain_length} 与分块合计 {seen} 不符",
                f"the trailer declares {plain_length} plaintext bytes, the records hold {seen}",
            )
        if src.read(1):
            raise _tampered("结尾之后还有多余数据", "data follows the end of the envelope")
        yield _Record(index, True, body, plain_length, digest[0] if digest else b"")
        return


@dataclass(frozen=True)
class EnvelopeInfo:
    """What the server learns from an envelope without any key (`ggzy bid inspect`)."""

    header: EnvelopeHeader
    plaintext_length: int
    records: int
    envelope_length: int
    envelope_sha256: str
    plaintext_sha256: str | None = None  # declared by version 1 envelopes only

    def to_dict(self) -> dict[str, Any]:
        view = {
            **self.header.to_dict(),
            "plaintext_length": self.plaintext_length,
            "records": self.records,
            "envelope_length": self.envelope_length,
            "envelope_sha256": self.envelope_sha256,
        }
        if self.plaintext_sha256 is not None:
            view["plaintext_sha256"] = self.plaintext_sha256
        return view


def inspect_stream(src: BinaryIO) -> EnvelopeInfo:
    """Check an upload's structure without the key and hash it (O(chunk) memory).

    Refuses garbage (envelope-malformed), cut files (envelope-truncated) and broken framing
    (envelope-tampered); whether the ciphertext is authentic is known only at opening.
    """
    whole = hashlib.sha256()
    header = read_header(src)
    whole.update(header.raw)
    length = len(header.raw)

    def sink(data: Any) -> None:
        nonlocal length
        whole.update(data)
        length += len(data)

    last: _Record | None = None
    for record in _records(src, header, sink):
        last = record
    if last is None:  # pragma: no cover - _records always ends with the final record
        raise _truncated("没有分块", "no records")
    return EnvelopeInfo(
        header,
        last.plaintext_length,
        last.index + 1,
        length,
        whole.hexdigest(),
        last.plaintext_sha256.hex() if header.version == 1 else None,
    )


@dataclass(frozen=True)
class UnsealResult:
    header: EnvelopeHeader
    plaintext_length: int
    records: int
    # the plaintext's SHA-256: of a version 1 envelope always (checked against its
    # declaration), of a version 2 envelope when unseal_stream was asked for it (digest=True)
    plaintext_sha256: str | None = None


def unseal_stream(
    src: BinaryIO,
    dst: BinaryIO,
    content_key: bytes,
    *,
    digest: bool = False,
    sink: Callable[[memoryview], None] | None = None,
) -> UnsealResult:
    """Decrypt src into dst with O(chunk_size) memory, checking every record.

    Only authenticated plaintext is written, but a refusal after some records leaves those in
    dst: write to a temporary file and keep it only if this returns. digest: also hash the
    plaintext of a version 2 envelope on the way (UnsealResult.plaintext_sha256). sink, if
    given, sees each authenticated plaintext chunk in order before it is written (a view of a
    reused buffer, valid only during the call).
    """
    header = read_header(src)
    aead = _Aead(header.cipher, content_key)
    key_matches = hmac.compare_digest(_key_check(aead.key), header.key_check)
    header_hash = header.sha256
    prefix = header.nonce_prefix
    hasher = _HashBeside() if header.version == 1 or digest else None
    # two plaintext buffers when hashing: one is hashed while the next record is decrypted
    buffers = [memoryview(bytearray(header.chunk_size)) for _ in range(2 if hasher else 1)]
    total = 0
    try:
        for record in _records(src, header):
            aad = _aad(
                header_hash,
                record.index,
                record.final,
                record.plaintext_length,
                record.plaintext_sha256,
            )
            nonce = _nonce(prefix, record.index)
            plain = buffers[record.index % len(buffers)][: record.length]
            try:
                aead.open_into(nonce, record.body, aad, plain)
            except InvalidTag:
                raise _refusal(aead, record, header, nonce, key_matches) from None
            if not key_matches:  # the key opens the data, so the key check was altered
                raise _tampered("头部的密钥校验值被改动", "the key check in the header was altered")
            if hasher is not None:
                hasher.update(plain)  # in the helper thread; plain is not written to again
            if sink is not None:
                sink(plain)
            _write_all(dst, plain)
            total += len(plain)
            if record.final:
                found = hasher.digest() if hasher is not None else None
                if (
                    header.version == 1
                    and found is not None
                    and not hmac.compare_digest(found, record.plaintext_sha256)
                ):
                    raise _tampered(
                        "解密后的文件摘要与声明不符",
                        "the decrypted file does not match the declared SHA-256",
                    )
                return UnsealResult(
                    header, total, record.index + 1, found.hex() if found is not None else None
                )
    finally:
        if hasher is not None:
            hasher.close()
    raise AssertionError("unreachable: _records ends with the final record")


class _HashBeside:
    """SHA-256 of a sequence of chunks, each hashed in a helper thread while the caller goes on
    (hashlib releases the GIL): decrypting and writing the next chunk overlaps hashing this one
    on a second core. A chunk's buffer must stay unchanged until the next update or digest."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="ggzy-unseal-sha256")
        self._pending: Future[None] | None = None

    def _wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def update(self, chunk: memoryview) -> None:
        """Hash chunk after the ones before it, without waiting for it."""
        self._wait()
        self._pending = self._pool.submit(self._hash.update, chunk)

    def digest(self) -> bytes:
        """The SHA-256 of every chunk given."""
        self._wait()
        return self._hash.digest()

    def close(self) -> None:
        """Stop the helper thread (after the chunk it is hashing)."""
        self._pool.shutdown(wait=True)


def _opens(aead: _Aead, nonce: bytes, record: _Record, aad: bytes) -> bool:
    try:
        aead.open_into(nonce, record.body, aad, memoryview(bytearray(record.length)))
    except InvalidTag:
        return False
    return True


def _refusal(
    aead: _Aead, record: _Record, header: EnvelopeHeader, nonce: bytes, key_matches: bool
) -> EnvelopeError:
    """Why a record failed: a wrong key, cut-off records, or tampering."""
    if not key_matches and record.index == 0:
        # Was only the key check altered? Put back the one this key gives: the canonical
        # header then comes back byte for byte, and record 0 authenticates under it.
        meta = {**header.meta, "key_check": _key_check(aead.key).hex()}
        raw_json = canonical_json(meta)
        restored = hashlib.sha256(
            _HEADER_FIXED.pack(MAGIC, header.version, len(raw_json)) + raw_json
        ).digest()
        aad = _aad(restored, 0, record.final, record.plaintext_length, record.plaintext_sha256)
        if _opens(aead, nonce, record, aad):
            return _tampered("头部的密钥校验值被改动", "the key check in the header was altered")
        return _wrong_key(
            "内容密钥与该投标文件不符",
            "the content key does not belong to this envelope",
        )
    if (
        record.final
        and record.length > 0
        and _opens(aead, nonce, record, _aad(header.sha256, record.index, False))
    ):  # a full record sealed as not-final, presented as the last: the rest was cut off
        return _truncated(
            f"第 {record.index} 块之后的内容被删除",
            f"the records after record {record.index} were removed",
        )
    return _tampered(
        f"第 {record.index} 块校验失败",
        f"record {record.index} failed authentication",
        record=record.index,
    )


# ---------------------------------------------------------------- conveniences


def seal_bytes(
    data: bytes,
    *,
    recipients: Sequence[Recipient],
    meta: Mapping[str, Any],
    cipher: str = AUTO,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    content_key: bytes | None = None,
) -> bytes:
    """seal_stream for a bytes object."""
    out = io.BytesIO()
    seal_stream(
        io.BytesIO(data),
        out,
        recipients=recipients,
        meta=meta,
        cipher=cipher,
        chunk_size=chunk_size,
        content_key=content_key,
    )
    return out.getvalue()


def unseal_bytes(envelope: bytes, content_key: bytes) -> bytes:
    """unseal_stream for a bytes object."""
    out = io.BytesIO()
    unseal_stream(io.BytesIO(envelope), out, content_key)
    return out.getvalue()
