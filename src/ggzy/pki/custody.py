"""Key custody for medium-less certificates (去介质): held by the platform, locked by the holder.

The holder's private key is stored only encrypted: AES-256-GCM under a key derived from the
holder's passphrase with argon2id (salt per key, parameters stored with it), bound to the account
and the certificate fingerprint as associated data. It is decrypted in memory for exactly one
signing and never written, logged or put in an event in the clear. Enrolment and every use are
events (confidential: only the fingerprint, never key material).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select

from ggzy.core.errors import DomainError, not_found
from ggzy.core.events import NewEvent, event_type
from ggzy.core.uow import UnitOfWork
from ggzy.pki.tables import custody_keys

event_type(
    "CustodyKeyEnrolled", "去介质证书密钥已托管", "medium-less key put in custody", public=False
)
event_type(
    "CustodyKeyUsed",
    "托管密钥已解锁签名一次",
    "custody key unlocked for one signature",
    public=False,
)

MIN_PASSPHRASE = 10
TIME_COST, MEMORY_COST_KIB, PARALLELISM = 3, 65536, 4  # argon2id: 64 MiB, ~0.2 s here
KDF = {
    "algorithm": "argon2id",
    "time_cost": TIME_COST,
    "memory_cost": MEMORY_COST_KIB,
    "parallelism": PARALLELISM,
}


@dataclass(frozen=True)
class CustodyRecord:
    """What the platform knows of a custodied key, without the key."""

    fingerprint: str
    username: str
    certificate: bytes


def _kek(passphrase: str, salt: bytes, time_cost: int, memory_cost: int, parallelism: int) -> bytes:
    return hash_secret_raw(
        passphrase.encode("utf-8"),
        salt,
        time_cost=time_cost,
        memory_cost=memory_cost,
        parallelism=parallelism,
        hash_len=32,
        type=Type.ID,
    )


def _aad(username: str, fingerprint: str) -> bytes:
    return f"ggzy-custody|{username}|{fingerprint}".encode()


def fingerprint_of(certificate_der: bytes) -> str:
    """SHA-256 of a certificate's DER, hex."""
    return hashlib.sha256(certificate_der).hexdigest()


def enroll(
    uow: UnitOfWork,
    username: str,
    private_key_der: bytes,
    certificate_der: bytes,
    passphrase: str,
) -> CustodyRecord:
    """Put a PKCS#8 private key in custody under the holder's passphrase."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise DomainError(
            "weak-passphrase",
            f"托管口令至少 {MIN_PASSPHRASE} 位",
            f"the custody passphrase needs at least {MIN_PASSPHRASE} characters",
        )
    fp = fingerprint_of(certificate_der)
    if uow.conn.execute(
        select(custody_keys.c.fingerprint).where(custody_keys.c.fingerprint == fp)
    ).first():
        raise DomainError(
            "already-in-custody",
            "该证书的密钥已托管",
            "this certificate's key is already in custody",
            status=409,
        )
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    kek = _kek(passphrase, salt, TIME_COST, MEMORY_COST_KIB, PARALLELISM)
    wrapped = AESGCM(kek).encrypt(nonce, private_key_der, _aad(username, fp))
    uow.conn.execute(
        custody_keys.insert().values(
            fingerprint=fp,
            username=username,
            certificate=certificate_der,
            salt=salt,
            nonce=nonce,
            wrapped_key=wrapped,
            time_cost=TIME_COST,
            memory_cost=MEMORY_COST_KIB,
            parallelism=PARALLELISM,
            created_at=uow.now,
        )
    )
    uow.emit(
        NewEvent(
            "CustodyKeyEnrolled",
            "account",
            username,
            {"username": username, "fingerprint": fp, "kdf": KDF},
        )
    )
    return CustodyRecord(fp, username, certificate_der)


def custody_of(conn: Any, username: str) -> list[CustodyRecord]:
    """The keys an account holds in custody."""
    rows = conn.execute(select(custody_keys).where(custody_keys.c.username == username))
    return [CustodyRecord(r.fingerprint, r.username, bytes(r.certificate)) for r in rows]


@contextmanager
def unlocked(
    uow: UnitOfWork, username: str, fingerprint: str, passphrase: str, purpose: str
) -> Iterator[bytes]:
    """The PKCS#8 DER of a custodied key, for one use inside the block; every use is an event.

    A wrong passphrase is refused (401) and recorded; the key bytes exist only in memory.
    """
    row = uow.conn.execute(
        select(custody_keys).where(
            custody_keys.c.fingerprint == fingerprint, custody_keys.c.username == username
        )
    ).first()
    if row is None:
        raise not_found("托管密钥", "custody key")
    kek = _kek(passphrase, bytes(row.salt), row.time_cost, row.memory_cost, row.parallelism)
    try:
        key = AESGCM(kek).decrypt(
            bytes(row.nonce), bytes(row.wrapped_key), _aad(username, fingerprint)
        )
    except InvalidTag:
        raise DomainError(
            "wrong-passphrase",
            "托管口令错误，密钥未解锁",
            "wrong passphrase: the key stays locked",
            status=401,
        ) from None
    uow.emit(
        NewEvent(
            "CustodyKeyUsed",
            "account",
            username,
            {"username": username, "fingerprint": fingerprint, "purpose": purpose[:200]},
        )
    )
    yield key


def pkcs8_der(private_key: Any) -> bytes:
    """PKCS#8 DER of an RSA or EC private key object (SM2 keys give their own DER)."""
    if hasattr(private_key, "private_bytes"):
        return private_key.private_bytes(  # type: ignore[no-any-return]
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    raise TypeError("pass the key's PKCS#8 DER directly")
