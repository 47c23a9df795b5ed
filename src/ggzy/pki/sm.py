"""ShangMi (商用密码) primitives: SM3 hashing, SM4 encryption, SM2 keys, signatures and encryption.

SM3 and SM4 run on OpenSSL through ``cryptography``. SM2 runs on Tongsuo through ``tongsuopy``:

- signatures (GB/T 32918.2): this module computes ZA = SM3(ENTL || ID || a || b || xG || yG ||
  xA || yA) and e = SM3(ZA || M) itself, then Tongsuo signs or verifies the 32-byte digest e
  natively (``EVP_PKEY_sign`` / ``EVP_PKEY_verify`` on an SM2 ``EVP_PKEY``). tongsuopy's cffi
  binding does not expose ``EVP_PKEY_CTX_set1_id``, so ``EVP_DigestSign`` could only use
  Tongsuo's built-in default ID; the digest path takes any user ID and gives the same
  signatures for the default one. Signatures are DER ``SEQUENCE { r INTEGER, s INTEGER }``.
- encryption (GB/T 32918.4): Tongsuo's ``EVP_PKEY_encrypt`` / ``EVP_PKEY_decrypt`` with SM3,
  ciphertext in the GM/T 0009 ASN.1 form ``SEQUENCE { x, y, C3 hash, C2 ciphertext }``.

Keys use the recommended curve sm2p256v1 (OID 1.2.156.10197.1.301) only. Private keys are
written as PKCS#8 and public keys as SubjectPublicKeyInfo, both with id-ecPublicKey and the
sm2p256v1 curve OID, the way Tongsuo and OpenSSL write them.

Example::

    key = generate_sm2_key()
    sig = sm2_sign(key, b"message digest")
    assert sm2_verify(key.public_key(), b"message digest", sig)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from asn1crypto import core
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from tongsuopy.backends.tongsuo.binding import Binding
from tongsuopy.crypto import serialization as _ts_serialization
from tongsuopy.crypto.asymciphers import ec as _ts_ec

__all__ = [
    "DEFAULT_UID",
    "EC_PUBLIC_KEY_OID",
    "SM2P256V1",
    "SM2P256V1_OID",
    "SM2_WITH_SM3_OID",
    "SM3_OID",
    "SM4_OID",
    "DecryptionError",
    "SM2Curve",
    "SM2PrivateKey",
    "SM2PublicKey",
    "generate_sm2_key",
    "load_sm2_private_der",
    "load_sm2_private_pem",
    "load_sm2_public_der",
    "load_sm2_public_pem",
    "sm2_ciphertext_from_raw",
    "sm2_ciphertext_to_raw",
    "sm2_decrypt",
    "sm2_encrypt",
    "sm2_public_from_spki",
    "sm2_sign",
    "sm2_sign_digest",
    "sm2_signature_from_rs",
    "sm2_signature_to_rs",
    "sm2_verify",
    "sm2_verify_digest",
    "sm2_za",
    "sm2_za_from_coordinates",
    "sm3",
    "sm3_hex",
    "sm4_cbc_encrypt",
    "sm4_ecb_decrypt",
    "sm4_ecb_encrypt",
    "sm4_gcm_decrypt",
    "sm4_gcm_encrypt",
]

SM2P256V1_OID = "1.2.156.10197.1.301"
SM2_WITH_SM3_OID = "1.2.156.10197.1.501"
SM3_OID = "1.2.156.10197.1.401"
SM4_OID = "1.2.156.10197.1.104"
EC_PUBLIC_KEY_OID = "1.2.840.10045.2.1"

DEFAULT_UID = b"1234567812345678"
"""The default SM2 user identifier of GM/T 0009-2012 and GB/T 35276-2017 (ENTL = 0x0080)."""

_binding = Binding()
_lib: Any = _binding.lib
_ffi: Any = _binding.ffi

_SM4_BLOCK = 16
_GCM_TAG = 16
_MAX_SIG_DER = 80  # DER of two 256-bit INTEGERs is at most 72 bytes


class DecryptionError(ValueError):
    """Raised when SM4-GCM authentication or SM2 decryption fails (wrong key or tampered data)."""


@dataclass(frozen=True)
class SM2Curve:
    """Domain parameters of an SM2 curve y^2 = x^3 + ax + b over GF(p), base point G of order n."""

    p: int
    a: int
    b: int
    n: int
    gx: int
    gy: int


SM2P256V1 = SM2Curve(
    p=0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF,
    a=0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC,
    b=0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93,
    n=0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123,
    gx=0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7,
    gy=0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0,
)
"""The recommended curve of GB/T 32918.5 (sm2p256v1), the only curve the SM2 functions accept."""


# --------------------------------------------------------------------------------------------
# SM3


def sm3(data: bytes) -> bytes:
    """Return the 32-byte SM3 digest (GB/T 32905) of data."""
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def sm3_hex(data: bytes) -> str:
    """Return the SM3 digest of data as 64 lowercase hex characters."""
    return sm3(data).hex()


# --------------------------------------------------------------------------------------------
# SM4


def _check_sm4_key(key: bytes) -> None:
    if len(key) != 16:
        raise ValueError(f"SM4 key must be 16 bytes, got {len(key)}")


def _check_blocks(data: bytes) -> None:
    if len(data) % _SM4_BLOCK:
        raise ValueError(f"SM4 ECB/CBC data must be a multiple of 16 bytes, got {len(data)}")


def sm4_gcm_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    """Encrypt with SM4-GCM (RFC 8998); return ciphertext || 16-byte tag. Never reuse a nonce."""
    _check_sm4_key(key)
    if len(nonce) != 12:
        raise ValueError(f"SM4-GCM nonce must be 12 bytes, got {len(nonce)}")
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    if aad:
        enc.authenticate_additional_data(aad)
    body = enc.update(plaintext) + enc.finalize()
    return body + enc.tag


def sm4_gcm_decrypt(key: bytes, nonce: bytes, data: bytes, aad: bytes = b"") -> bytes:
    """Decrypt ciphertext || tag from sm4_gcm_encrypt; raise DecryptionError on a bad tag."""
    _check_sm4_key(key)
    if len(nonce) != 12:
        raise ValueError(f"SM4-GCM nonce must be 12 bytes, got {len(nonce)}")
    if len(data) < _GCM_TAG:
        raise DecryptionError("SM4-GCM data is shorter than the 16-byte tag")
    body, tag = data[:-_GCM_TAG], data[-_GCM_TAG:]
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    if aad:
        dec.authenticate_additional_data(aad)
    plaintext = dec.update(body)
    try:
        dec.finalize()
    except InvalidTag:
        raise DecryptionError(
            "SM4-GCM authentication failed: wrong key, nonce or AAD, or tampered data"
        ) from None
    return plaintext


def sm4_ecb_encrypt(key: bytes, data: bytes) -> bytes:
    """Raw SM4-ECB encryption without padding (known-answer tests and interop only)."""
    _check_sm4_key(key)
    _check_blocks(data)
    enc = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    return enc.update(data) + enc.finalize()


def sm4_ecb_decrypt(key: bytes, data: bytes) -> bytes:
    """Raw SM4-ECB decryption without padding (known-answer tests and interop only)."""
    _check_sm4_key(key)
    _check_blocks(data)
    dec = Cipher(algorithms.SM4(key), modes.ECB()).decryptor()
    return dec.update(data) + dec.finalize()


def sm4_cbc_encrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    """Raw SM4-CBC encryption without padding (known-answer tests and interop only)."""
    _check_sm4_key(key)
    _check_blocks(data)
    if len(iv) != _SM4_BLOCK:
        raise ValueError(f"SM4-CBC IV must be 16 bytes, got {len(iv)}")
    enc = Cipher(algorithms.SM4(key), modes.CBC(iv)).encryptor()
    return enc.update(data) + enc.finalize()


# --------------------------------------------------------------------------------------------
# SM2 keys


def _native_evp_pkey(native: Any) -> Any:
    """The EVP_PKEY* behind a tongsuopy key (tongsuopy 1.0 keeps it in ``_evp_pkey``)."""
    evp = getattr(native, "_evp_pkey", None)
    if evp is None:  # pragma: no cover - only if tongsuopy changes its internals
        raise RuntimeError("this tongsuopy version does not expose the key's EVP_PKEY")
    if _lib.EVP_PKEY_id(evp) != _lib.EVP_PKEY_SM2:
        raise ValueError("key is not an SM2 key on curve sm2p256v1")
    return evp


def _uncompressed_point(native_public: Any) -> bytes:
    return bytes(
        native_public.public_bytes(
            _ts_serialization.Encoding.X962, _ts_serialization.PublicFormat.UncompressedPoint
        )
    )


def _encryption(password: bytes | None) -> Any:
    if password is None:
        return _ts_serialization.NoEncryption()
    return _ts_serialization.BestAvailableEncryption(password)


class SM2PublicKey:
    """An SM2 public key on sm2p256v1; equal keys compare equal and hash alike."""

    __slots__ = ("_evp", "_native", "_point")

    def __init__(self, native: Any) -> None:
        """Wrap a tongsuopy SM2 public key (use from_point or the load_* functions instead)."""
        if not isinstance(native, _ts_ec.EllipticCurvePublicKey) or native.curve.name != "SM2":
            raise ValueError("not an SM2 public key")
        self._evp = _native_evp_pkey(native)
        self._native = native
        self._point = _uncompressed_point(native)

    @classmethod
    def from_point(cls, point: bytes) -> SM2PublicKey:
        """Load 04 || x || y (or a compressed 02/03 || x point); raise ValueError if off-curve."""
        if not isinstance(point, bytes | bytearray) or len(point) not in (33, 65):
            raise ValueError("SM2 public point must be 65 bytes 04||x||y or 33 bytes compressed")
        try:
            native = _ts_ec.EllipticCurvePublicKey.from_encoded_point(_ts_ec.SM2(), bytes(point))
        except Exception as exc:
            _lib.ERR_clear_error()
            raise ValueError("invalid SM2 public point (not on sm2p256v1)") from exc
        return cls(native)

    def point(self) -> bytes:
        """Return the uncompressed point 04 || x || y (65 bytes)."""
        return self._point

    def to_der(self) -> bytes:
        """Return the DER SubjectPublicKeyInfo (id-ecPublicKey, curve 1.2.156.10197.1.301)."""
        return bytes(
            self._native.public_bytes(
                _ts_serialization.Encoding.DER,
                _ts_serialization.PublicFormat.SubjectPublicKeyInfo,
            )
        )

    def to_pem(self) -> bytes:
        """Return the SubjectPublicKeyInfo as a PEM "PUBLIC KEY" block."""
        return bytes(
            self._native.public_bytes(
                _ts_serialization.Encoding.PEM,
                _ts_serialization.PublicFormat.SubjectPublicKeyInfo,
            )
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SM2PublicKey) and other._point == self._point

    def __hash__(self) -> int:
        return hash(self._point)

    def __repr__(self) -> str:
        return f"SM2PublicKey({self._point[1:9].hex()}…)"


class SM2PrivateKey:
    """An SM2 private key on sm2p256v1; its repr never shows the secret."""

    __slots__ = ("_evp", "_native", "_public")

    def __init__(self, native: Any) -> None:
        """Wrap a tongsuopy SM2 private key (use generate_sm2_key or the load_* functions)."""
        if not isinstance(native, _ts_ec.EllipticCurvePrivateKey) or native.curve.name != "SM2":
            raise ValueError("not an SM2 private key")
        self._evp = _native_evp_pkey(native)
        self._native = native
        self._public = SM2PublicKey(native.public_key())

    @classmethod
    def from_private_value(cls, d: int) -> SM2PrivateKey:
        """Build the key with secret scalar d, 1 <= d <= n - 2 (GB/T 32918.1 6.1)."""
        if not isinstance(d, int) or not 1 <= d <= SM2P256V1.n - 2:
            raise ValueError("SM2 private value must be an integer in [1, n-2]")
        return cls(_ts_ec.derive_private_key(d, _ts_ec.SM2()))

    def public_key(self) -> SM2PublicKey:
        """Return the matching public key."""
        return self._public

    def private_value(self) -> int:
        """Return the secret scalar d."""
        return int(self._native.private_numbers().private_value)

    def to_der(self, password: bytes | None = None) -> bytes:
        """Return PKCS#8 DER (encrypted PKCS#8 with the best available cipher if password)."""
        return bytes(
            self._native.private_bytes(
                _ts_serialization.Encoding.DER,
                _ts_serialization.PrivateFormat.PKCS8,
                _encryption(password),
            )
        )

    def to_pem(self, password: bytes | None = None) -> bytes:
        """Return PKCS#8 PEM ("PRIVATE KEY", or "ENCRYPTED PRIVATE KEY" with a password)."""
        return bytes(
            self._native.private_bytes(
                _ts_serialization.Encoding.PEM,
                _ts_serialization.PrivateFormat.PKCS8,
                _encryption(password),
            )
        )

    def __repr__(self) -> str:
        return f"SM2PrivateKey(public={self._public!r})"


def generate_sm2_key() -> SM2PrivateKey:
    """Generate a fresh SM2 key pair with Tongsuo's CSPRNG."""
    return SM2PrivateKey(_ts_ec.generate_private_key(_ts_ec.SM2()))


def _load_private(loader: Any, data: bytes, password: bytes | None) -> SM2PrivateKey:
    try:
        native = loader(data, password)
    except Exception as exc:
        _lib.ERR_clear_error()
        raise ValueError(f"cannot load SM2 private key: {exc}") from exc
    return SM2PrivateKey(native)


def _load_public(loader: Any, data: bytes) -> SM2PublicKey:
    try:
        native = loader(data)
    except Exception as exc:
        _lib.ERR_clear_error()
        raise ValueError(f"cannot load SM2 public key: {exc}") from exc
    return SM2PublicKey(native)


def load_sm2_private_pem(data: bytes, password: bytes | None = None) -> SM2PrivateKey:
    """Load a PEM SM2 private key (PKCS#8, encrypted PKCS#8 or SEC1 "EC PRIVATE KEY")."""
    return _load_private(_ts_serialization.load_pem_private_key, data, password)


def load_sm2_private_der(data: bytes, password: bytes | None = None) -> SM2PrivateKey:
    """Load a DER SM2 private key (PKCS#8, encrypted PKCS#8 or SEC1)."""
    return _load_private(_ts_serialization.load_der_private_key, data, password)


def load_sm2_public_pem(data: bytes) -> SM2PublicKey:
    """Load a PEM "PUBLIC KEY" (SubjectPublicKeyInfo) holding an SM2 key."""
    return _load_public(_ts_serialization.load_pem_public_key, data)


def load_sm2_public_der(data: bytes) -> SM2PublicKey:
    """Load a DER SubjectPublicKeyInfo holding an SM2 key."""
    return _load_public(_ts_serialization.load_der_public_key, data)


def sm2_public_from_spki(spki_der: bytes) -> SM2PublicKey:
    """Load the SM2 key of a certificate's subjectPublicKeyInfo (DER); ValueError if not SM2."""
    return load_sm2_public_der(spki_der)


# --------------------------------------------------------------------------------------------
# SM2 signatures


def sm2_za_from_coordinates(uid: bytes, x: int, y: int, curve: SM2Curve = SM2P256V1) -> bytes:
    """ZA = SM3(ENTL || ID || a || b || xG || yG || xA || yA) for any curve (GB/T 32918.2 5.5)."""
    entl = len(uid) * 8
    if entl > 0xFFFF:
        raise ValueError("SM2 user id must be at most 8191 bytes")
    size = (curve.p.bit_length() + 7) // 8
    parts = [curve.a, curve.b, curve.gx, curve.gy, x, y]
    return sm3(entl.to_bytes(2, "big") + uid + b"".join(v.to_bytes(size, "big") for v in parts))


def sm2_za(pub: SM2PublicKey, uid: bytes = DEFAULT_UID) -> bytes:
    """Return ZA, the SM3 hash of the user id, curve and public key that prefixes signed data."""
    point = pub.point()
    x, y = int.from_bytes(point[1:33], "big"), int.from_bytes(point[33:65], "big")
    return sm2_za_from_coordinates(uid, x, y)


def sm2_sign_digest(priv: SM2PrivateKey, digest: bytes) -> bytes:
    """Sign a 32-byte e = SM3(ZA || M) natively; return DER SEQUENCE{r, s}."""
    if len(digest) != 32:
        raise ValueError("SM2 digest e must be 32 bytes")
    ctx = _lib.EVP_PKEY_CTX_new(priv._evp, _ffi.NULL)
    if ctx == _ffi.NULL:  # pragma: no cover - allocation failure
        raise MemoryError("EVP_PKEY_CTX_new failed")
    try:
        siglen = _ffi.new("size_t *", _MAX_SIG_DER)
        buf = _ffi.new("unsigned char[]", _MAX_SIG_DER)
        if (
            _lib.EVP_PKEY_sign_init(ctx) != 1
            or _lib.EVP_PKEY_sign(ctx, buf, siglen, digest, len(digest)) != 1
        ):
            _lib.ERR_clear_error()
            raise ValueError("Tongsuo SM2 signing failed")
        return bytes(_ffi.buffer(buf, siglen[0]))
    finally:
        _lib.EVP_PKEY_CTX_free(ctx)


def sm2_sign(priv: SM2PrivateKey, message: bytes, uid: bytes = DEFAULT_UID) -> bytes:
    """Sign message per GB/T 32918.2 with SM3 and ZA(uid); return DER SEQUENCE{r, s}."""
    e = sm3(sm2_za(priv.public_key(), uid) + message)
    return sm2_sign_digest(priv, e)


def sm2_verify_digest(pub: SM2PublicKey, digest: bytes, signature_der: bytes) -> bool:
    """Verify a DER signature over a 32-byte e = SM3(ZA || M); False on any bad input."""
    try:
        if not isinstance(pub, SM2PublicKey) or len(digest) != 32:
            return False
        sig = bytes(signature_der)
        if not 8 <= len(sig) <= 72:
            return False
        ctx = _lib.EVP_PKEY_CTX_new(pub._evp, _ffi.NULL)
        if ctx == _ffi.NULL:  # pragma: no cover - allocation failure
            return False
        try:
            ok = (
                _lib.EVP_PKEY_verify_init(ctx) == 1
                and _lib.EVP_PKEY_verify(ctx, sig, len(sig), bytes(digest), len(digest)) == 1
            )
        finally:
            _lib.EVP_PKEY_CTX_free(ctx)
        if not ok:
            _lib.ERR_clear_error()
        return ok
    except Exception:
        _lib.ERR_clear_error()
        return False


def sm2_verify(
    pub: SM2PublicKey, message: bytes, signature_der: bytes, uid: bytes = DEFAULT_UID
) -> bool:
    """Verify a GB/T 32918.2 signature (DER r, s) over message with ZA(uid); never raises."""
    try:
        e = sm3(sm2_za(pub, bytes(uid)) + bytes(message))
    except Exception:
        return False
    return sm2_verify_digest(pub, e, signature_der)


class _ECSignature(core.Sequence):
    _fields = [("r", core.Integer), ("s", core.Integer)]  # noqa: RUF012 - asn1crypto API


def sm2_signature_from_rs(r: int, s: int) -> bytes:
    """Encode integers r and s as the DER SEQUENCE{r, s} used by certificates and CMS."""
    if r < 0 or s < 0:
        raise ValueError("r and s must be non-negative")
    return bytes(_ECSignature({"r": r, "s": s}).dump())


def sm2_signature_to_rs(signature_der: bytes) -> tuple[int, int]:
    """Decode a DER SEQUENCE{r, s}; raise ValueError if it is not strict DER."""
    try:
        parsed = _ECSignature.load(bytes(signature_der), strict=True)
        r, s = int(parsed["r"].native), int(parsed["s"].native)
    except Exception as exc:
        raise ValueError("not a DER SM2 signature SEQUENCE{r, s}") from exc
    if sm2_signature_from_rs(r, s) != bytes(signature_der):
        raise ValueError("SM2 signature is not in canonical DER")
    return r, s


# --------------------------------------------------------------------------------------------
# SM2 encryption


class _SM2Ciphertext(core.Sequence):
    """GM/T 0009-2012 7.2 SM2Cipher ::= SEQUENCE { x, y INTEGER, hash, ciphertext OCTET STRING }."""

    _fields = [  # noqa: RUF012 - asn1crypto API
        ("x", core.Integer),
        ("y", core.Integer),
        ("hash", core.OctetString),
        ("ciphertext", core.OctetString),
    ]


def _parse_sm2_ciphertext(ciphertext: bytes) -> tuple[int, int, bytes, bytes]:
    try:
        parsed = _SM2Ciphertext.load(bytes(ciphertext), strict=True)
        x, y = int(parsed["x"].native), int(parsed["y"].native)
        c3, c2 = bytes(parsed["hash"].native), bytes(parsed["ciphertext"].native)
    except Exception as exc:
        raise DecryptionError("SM2 ciphertext is not GM/T 0009 DER") from exc
    if not (0 <= x < SM2P256V1.p and 0 <= y < SM2P256V1.p) or len(c3) != 32 or not c2:
        raise DecryptionError("SM2 ciphertext fields are out of range")
    return x, y, c3, c2


def sm2_encrypt(pub: SM2PublicKey, plaintext: bytes) -> bytes:
    """Encrypt with SM2 (GB/T 32918.4, SM3 KDF and hash); return GM/T 0009 DER ciphertext."""
    if not plaintext:
        raise ValueError("SM2 cannot encrypt an empty plaintext")
    ctx = _lib.EVP_PKEY_CTX_new(pub._evp, _ffi.NULL)
    if ctx == _ffi.NULL:  # pragma: no cover - allocation failure
        raise MemoryError("EVP_PKEY_CTX_new failed")
    try:
        outlen = _ffi.new("size_t *")
        if (
            _lib.EVP_PKEY_encrypt_init(ctx) != 1
            or _lib.EVP_PKEY_encrypt(ctx, _ffi.NULL, outlen, plaintext, len(plaintext)) != 1
        ):
            _lib.ERR_clear_error()
            raise ValueError("Tongsuo SM2 encryption setup failed")
        out = _ffi.new("unsigned char[]", outlen[0])
        if _lib.EVP_PKEY_encrypt(ctx, out, outlen, plaintext, len(plaintext)) != 1:
            _lib.ERR_clear_error()
            raise ValueError("Tongsuo SM2 encryption failed")
        return bytes(_ffi.buffer(out, outlen[0]))
    finally:
        _lib.EVP_PKEY_CTX_free(ctx)


def sm2_decrypt(priv: SM2PrivateKey, ciphertext: bytes) -> bytes:
    """Decrypt a GM/T 0009 DER ciphertext; raise DecryptionError (a ValueError) on failure."""
    _, _, _, c2 = _parse_sm2_ciphertext(ciphertext)
    data = bytes(ciphertext)
    ctx = _lib.EVP_PKEY_CTX_new(priv._evp, _ffi.NULL)
    if ctx == _ffi.NULL:  # pragma: no cover - allocation failure
        raise MemoryError("EVP_PKEY_CTX_new failed")
    try:
        # Size the buffer from the parsed C2 rather than Tongsuo's estimate (CVE-2021-3711).
        outlen = _ffi.new("size_t *", len(c2))
        out = _ffi.new("unsigned char[]", len(c2))
        ok = (
            _lib.EVP_PKEY_decrypt_init(ctx) == 1
            and _lib.EVP_PKEY_decrypt(ctx, out, outlen, data, len(data)) == 1
            and outlen[0] == len(c2)
        )
        if not ok:
            _lib.ERR_clear_error()
            raise DecryptionError("SM2 decryption failed: wrong key or tampered ciphertext")
        return bytes(_ffi.buffer(out, outlen[0]))
    finally:
        _lib.EVP_PKEY_CTX_free(ctx)


def sm2_ciphertext_to_raw(ciphertext_der: bytes) -> bytes:
    """Convert GM/T 0009 DER to the raw GB/T 32918.4 order C1 || C3 || C2 (C1 = 04||x||y)."""
    x, y, c3, c2 = _parse_sm2_ciphertext(ciphertext_der)
    return b"\x04" + x.to_bytes(32, "big") + y.to_bytes(32, "big") + c3 + c2


def sm2_ciphertext_from_raw(raw: bytes) -> bytes:
    """Convert raw C1 || C3 || C2 (C1 = 04||x||y, 65 bytes) to GM/T 0009 DER."""
    if len(raw) < 65 + 32 + 1 or raw[0] != 4:
        raise ValueError("raw SM2 ciphertext must be 04||x||y||C3(32)||C2 (at least 98 bytes)")
    value = _SM2Ciphertext(
        {
            "x": int.from_bytes(raw[1:33], "big"),
            "y": int.from_bytes(raw[33:65], "big"),
            "hash": bytes(raw[65:97]),
            "ciphertext": bytes(raw[97:]),
        }
    )
    return bytes(value.dump())
