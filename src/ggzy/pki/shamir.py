"""Shamir secret sharing, k of n (门限秘密共享), for a center's bid-opening private key.

A trading center may require that every sealed bid also be openable without its bidder: the
content key is wrapped to the center's opening public key, and the opening private key is split
among n officers so that any k of them, together, after the deadline, can rebuild it
(see ggzy.pki.envelope.generate_opening_key / recover_opening_key). Fewer than k shares say
nothing about the key.

    >>> shares = split(b"opening key bytes", k=3, n=5)
    >>> combine([shares[4], shares[0], shares[2]])
    b'opening key bytes'
    >>> Share.from_json(shares[1].to_json()) == shares[1]
    True

Field: GF(2^8), byte by byte (the AES field, x^8 + x^4 + x^3 + x + 1). Each byte of the secret
is the constant term of its own random polynomial of degree k-1, evaluated at x = 1..n. Chosen
over a large prime field (e.g. 2^521-1) because a private key is a byte string of any length
(a P-256 scalar, an RSA PKCS#8 blob of 1.2 kB): the byte-wise field needs no blocking, no
padding and no length encoding, a share is exactly as long as the secret, and arithmetic is two
table look-ups (bytes.translate). The price is n <= 255 officers, far beyond any center.
Security is the same information-theoretic argument as over any field: for every candidate
secret byte there is exactly one polynomial through the k-1 known points, so k-1 shares are
uniformly distributed whatever the secret.

Detection instead of garbage: every share carries
- set_id: 16 random bytes naming the split, so shares of two different splits are refused;
- threshold k and count n, so too few shares are refused before any arithmetic;
- commitment: SHA-256("GGZY shamir commitment v1" ‖ set_id ‖ secret), so a combination that
  does not rebuild the original secret (a wrong or forged share) is refused, and with more than
  k shares the bad ones are named. The commitment is a hash of the secret: it hides only a
  high-entropy secret such as a private key; never split a password with it;
- checksum: SHA-256 of the share's other fields, so a share corrupted in storage or typing is
  refused on its own ("share 3 is corrupted").

Every refusal is a ShamirError (a DomainError) with one of the codes share-malformed,
share-corrupted, share-duplicate, shares-insufficient, shares-mismatched, shares-invalid.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ggzy.core.errors import DomainError

SHARE_FORMAT = "ggzy-shamir-share"
SHARE_VERSION = 1
MAX_SHARES = 255
_COMMIT_LABEL = b"GGZY shamir commitment v1"
_MAX_SUBSETS = 2000  # combinations tried when naming the bad shares among more than k


class ShamirError(DomainError):
    """A refused share or combination, e.g. ShamirError("shares-insufficient", zh, en)."""

    def __init__(self, code: str, zh: str, en: str, **extra: Any) -> None:
        super().__init__(code, zh, en, 422, **extra)


# ---------------------------------------------------------------- GF(2^8)


def _tables() -> tuple[list[int], list[int]]:
    exp = [0] * 510
    log = [0] * 256
    x = 1
    for i in range(255):
        exp[i] = x
        log[x] = i
        x2 = x << 1  # multiply by the generator 3 = x * 2 xor x
        if x2 & 0x100:
            x2 ^= 0x11B
        x = x2 ^ x
    for i in range(255, 510):
        exp[i] = exp[i - 255]
    return exp, log


_EXP, _LOG = _tables()


def _mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP[_LOG[a] + _LOG[b]]


def _div(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError("division by zero in GF(2^8)")
    if a == 0:
        return 0
    return _EXP[(_LOG[a] - _LOG[b]) % 255]


# _MUL[c] maps every byte b to c*b: multiplying a whole byte string by c is one translate()
_MUL: list[bytes] = [bytes(_mul(c, b) for b in range(256)) for c in range(256)]


def _xor(a: bytes, b: bytes) -> bytes:
    n = len(a)
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(n, "big")


# ---------------------------------------------------------------- shares


def _commitment(set_id: bytes, secret: bytes) -> str:
    return hashlib.sha256(_COMMIT_LABEL + set_id + secret).hexdigest()


@dataclass(frozen=True)
class Share:
    """One officer's share: index x in 1..n and value = the polynomials evaluated at x."""

    set_id: str  # hex, 16 bytes: the split this share belongs to
    threshold: int  # k
    count: int  # n
    index: int  # x, 1..n
    value: bytes = field(repr=False)
    commitment: str  # hex SHA-256 commitment to the secret
    label: str = ""  # free text, e.g. "420100 开标密钥 / opening key"

    def _body(self) -> dict[str, Any]:
        return {
            "format": SHARE_FORMAT,
            "version": SHARE_VERSION,
            "set_id": self.set_id,
            "threshold": self.threshold,
            "shares": self.count,
            "index": self.index,
            "value": self.value.hex(),
            "commitment": self.commitment,
            "label": self.label,
        }

    @staticmethod
    def _checksum(body: dict[str, Any]) -> str:
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form with its checksum, e.g. {"format": "ggzy-shamir-share", ...}."""
        body = self._body()
        return {**body, "checksum": self._checksum(body)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True, indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: Any) -> Share:
        """Parse and check a share; a damaged one raises share-malformed or share-corrupted."""
        if not isinstance(data, dict) or data.get("format") != SHARE_FORMAT:
            raise _malformed("not a GGZY Shamir share (format field)")
        if data.get("version") != SHARE_VERSION:
            raise _malformed(f"unsupported share version {data.get('version')!r}")
        try:
            body = {k: data[k] for k in cls._body_keys()}
            share = cls(
                set_id=_hex_field(body["set_id"], 16, "set_id"),
                threshold=_int_field(body["threshold"], "threshold"),
                count=_int_field(body["shares"], "shares"),
                index=_int_field(body["index"], "index"),
                value=bytes.fromhex(_hex_field(body["value"], None, "value")),
                commitment=_hex_field(body["commitment"], 32, "commitment"),
                label=str(body["label"]),
            )
        except KeyError as exc:
            raise _malformed(f"missing field {exc.args[0]!r}") from None
        checksum = data.get("checksum")
        if not isinstance(checksum, str) or not hmac.compare_digest(checksum, cls._checksum(body)):
            raise ShamirError(
                "share-corrupted",
                f"第 {share.index} 份密钥分片已损坏（校验和不符）",
                f"share {share.index} is corrupted (checksum mismatch)",
                index=share.index,
            )
        if not 2 <= share.threshold <= share.count <= MAX_SHARES:
            raise _malformed(f"threshold {share.threshold} of {share.count} is impossible")
        if not 1 <= share.index <= share.count:
            raise _malformed(f"index {share.index} outside 1..{share.count}")
        return share

    @classmethod
    def from_json(cls, text: str | bytes) -> Share:
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError):
            raise _malformed("not JSON") from None
        return cls.from_dict(data)

    @staticmethod
    def _body_keys() -> tuple[str, ...]:
        return (
            "format",
            "version",
            "set_id",
            "threshold",
            "shares",
            "index",
            "value",
            "commitment",
            "label",
        )


def _malformed(detail: str) -> ShamirError:
    return ShamirError(
        "share-malformed", f"密钥分片格式错误：{detail}", f"malformed share: {detail}"
    )


def _int_field(value: Any, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _malformed(f"{name} must be an integer")
    return value


def _hex_field(value: Any, size: int | None, name: str) -> str:
    if not isinstance(value, str):
        raise _malformed(f"{name} must be hex text")
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise _malformed(f"{name} is not hex") from None
    if size is not None and len(raw) != size:
        raise _malformed(f"{name} must be {size} bytes")
    return value.lower()


# ---------------------------------------------------------------- split and combine


def split(secret: bytes, k: int, n: int, *, label: str = "") -> list[Share]:
    """Split secret into n shares of which any k rebuild it (2 <= k <= n <= 255)."""
    if not isinstance(secret, bytes | bytearray) or not secret:
        raise ValueError("the secret must be non-empty bytes")
    if not 2 <= k <= n <= MAX_SHARES:
        raise ValueError(f"need 2 <= k <= n <= {MAX_SHARES}, got k={k}, n={n}")
    secret = bytes(secret)
    size = len(secret)
    coefficients = [secrets.token_bytes(size) for _ in range(k - 1)]  # degree 1 .. k-1
    set_id = secrets.token_bytes(16)
    commitment = _commitment(set_id, secret)
    shares = []
    for x in range(1, n + 1):
        table = _MUL[x]
        y = coefficients[-1] if coefficients else secret
        for c in reversed([secret, *coefficients[:-1]]):  # Horner: y = y*x + c
            y = _xor(y.translate(table), c)
        shares.append(Share(set_id.hex(), k, n, x, y, commitment, label))
    return shares


def _interpolate(points: Sequence[Share]) -> bytes:
    """Lagrange interpolation at x = 0 of the shares' polynomials."""
    xs = [s.index for s in points]
    result = bytes(len(points[0].value))
    for i, share in enumerate(points):
        weight = 1
        for j, xj in enumerate(xs):
            if j != i:
                weight = _mul(weight, _div(xj, xj ^ xs[i]))
        result = _xor(result, share.value.translate(_MUL[weight]))
    return result


def combine(shares: Sequence[Share]) -> bytes:
    """Rebuild the secret from at least k shares of one split; refuses with a clear reason."""
    shares = list(shares)
    if not shares:
        raise ShamirError("shares-insufficient", "未提供密钥分片", "no shares given")
    first = shares[0]
    for s in shares[1:]:
        if (s.set_id, s.threshold, s.count, s.commitment) != (
            first.set_id,
            first.threshold,
            first.count,
            first.commitment,
        ) or len(s.value) != len(first.value):
            raise ShamirError(
                "shares-mismatched",
                f"第 {s.index} 份分片与第 {first.index} 份不属于同一次拆分",
                f"share {s.index} does not belong to the same split as share {first.index}",
            )
    seen: dict[int, Share] = {}
    for s in shares:
        if s.index in seen:
            raise ShamirError(
                "share-duplicate",
                f"第 {s.index} 份分片重复提供",
                f"share {s.index} was given more than once",
                index=s.index,
            )
        if not 1 <= s.index <= s.count:
            raise _malformed(f"index {s.index} outside 1..{s.count}")
        seen[s.index] = s
    k = first.threshold
    if len(seen) < k:
        raise ShamirError(
            "shares-insufficient",
            f"需要 {k} 份密钥分片，只提供了 {len(seen)} 份",
            f"{k} shares are needed, only {len(seen)} given",
            needed=k,
            given=len(seen),
        )
    ordered = [seen[i] for i in sorted(seen)]
    set_id = bytes.fromhex(first.set_id)
    secret = _interpolate(ordered[:k])
    if hmac.compare_digest(_commitment(set_id, secret), first.commitment):
        return secret
    bad = _find_bad(ordered, k, set_id, first.commitment)
    detail_zh = f"（第 {'、'.join(map(str, bad))} 份有误）" if bad else ""
    detail_en = f" (bad: {', '.join(map(str, bad))})" if bad else ""
    raise ShamirError(
        "shares-invalid",
        f"密钥分片无法恢复原密钥{detail_zh}",
        f"the shares do not rebuild the committed secret{detail_en}",
        bad=bad,
    )


def _find_bad(shares: list[Share], k: int, set_id: bytes, commitment: str) -> list[int]:
    """With more than k shares, the indexes outside some subset that rebuilds the secret."""
    if len(shares) <= k:
        return []
    for subset in itertools.islice(itertools.combinations(shares, k), _MAX_SUBSETS):
        secret = _interpolate(subset)
        if hmac.compare_digest(_commitment(set_id, secret), commitment):
            good = {s.index for s in subset}
            value_of = {s.index: s for s in subset}
            bad = []
            for s in shares:
                if s.index in good:
                    continue
                # a share is good when it lies on the same polynomials as the good subset
                probe = [*list(value_of.values())[: k - 1], s]
                if _interpolate(probe) != secret:
                    bad.append(s.index)
            return bad
    return []
