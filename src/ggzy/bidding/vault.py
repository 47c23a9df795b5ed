"""Sealing bids at rest until opening (投标文件密封).

Until bidder-side encryption with CA certificates lands (issue 3), the node seals every bid
with AES-256-GCM under its own vault key, bound to the project and bidder (associated data).
No code path decrypts a bid before the opening action, which is allowed only after the
deadline; the event log carries only the SHA-256 of the sealed bytes.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ggzy.core.errors import DomainError

MAGIC = b"GGZYSEAL1"


def load_or_create_vault_key(path: Path) -> bytes:
    """The node's 32-byte vault key, created (mode 0600) on first use."""
    if path.exists():
        key = path.read_bytes()
        if len(key) != 32:
            raise ValueError(f"{path.name} is not a 32-byte key")
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


def _aad(project: str, bidder: str) -> bytes:
    return f"{project}|{bidder}".encode()


def seal(key: bytes, project: str, bidder: str, plain: bytes) -> bytes:
    """Encrypt a bid package for storage: MAGIC ‖ nonce ‖ AES-256-GCM(ciphertext ‖ tag)."""
    nonce = secrets.token_bytes(12)
    return MAGIC + nonce + AESGCM(key).encrypt(nonce, plain, _aad(project, bidder))


def unseal(key: bytes, project: str, bidder: str, sealed: bytes) -> bytes:
    """Decrypt a sealed bid; a tampered or misbound package is refused."""
    if not sealed.startswith(MAGIC) or len(sealed) < len(MAGIC) + 12 + 16:
        raise DomainError("sealed-bid-malformed", "密封投标文件格式错误", "sealed bid is malformed")
    nonce = sealed[len(MAGIC) : len(MAGIC) + 12]
    try:
        return AESGCM(key).decrypt(nonce, sealed[len(MAGIC) + 12 :], _aad(project, bidder))
    except InvalidTag:
        raise DomainError(
            "sealed-bid-tampered",
            "密封投标文件已被篡改或不属于该投标人",
            "sealed bid was tampered with or belongs to another bidder",
        ) from None
