"""The node's own key: it signs tree heads (Ed25519), and anyone can verify them."""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ggzy.core.events import canonical_json, format_time


def key_id_of(public: Ed25519PublicKey) -> str:
    """Key id: first 16 bytes of SHA-256 over the raw public key, hex."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:32]


@dataclass(frozen=True)
class NodeKey:
    """A node's signing key pair."""

    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        """The public half, published with every tree head."""
        return self.private.public_key()

    @property
    def key_id(self) -> str:
        """Short id of the public key."""
        return key_id_of(self.public)

    def public_b64(self) -> str:
        """Raw public key, base64."""
        raw = self.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return base64.b64encode(raw).decode()

    def sign(self, data: bytes) -> bytes:
        """Ed25519 signature over data."""
        return self.private.sign(data)

    @classmethod
    def generate(cls) -> NodeKey:
        """A fresh key (tests, new nodes)."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load_or_create(cls, path: Path) -> NodeKey:
        """Load the PEM key at path, creating it (mode 0600) on first use."""
        if path.exists():
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise ValueError(f"{path.name} is not an Ed25519 key")
            return cls(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        return cls(key)


def tree_head_body(node_id: str, tree_size: int, root: bytes, signed_at: datetime) -> str:
    """The signed statement: canonical JSON of node, size, root (hex) and time."""
    return canonical_json(
        {
            "node": node_id,
            "tree_size": tree_size,
            "root_hash": root.hex(),
            "timestamp": format_time(signed_at),
            "hash_algorithm": "sha256",
            "signature_algorithm": "ed25519",
        }
    )


def verify_signature(public_b64: str, body: str, signature: bytes) -> bool:
    """True if signature is the Ed25519 signature of body by the raw public key given."""
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_b64))
        public.verify(signature, body.encode("utf-8"))
        return True
    except (InvalidSignature, ValueError, TypeError):
        return False
