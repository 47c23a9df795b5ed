"""The bid tool (投标工具), the bidder's side: sign the bid package, seal it, later unwrap.

What a bidder's client does before upload and at opening; the platform never runs it for a
bidder (the demo and the tests play the bidders with it, and `ggzy bid …` wraps the same steps):

    bid = prepare_sealed_bid(project=code, bidder=credit_code, ..., sign_key=k, sign_cert=c,
                             encrypt_cert=e, opening_public_pem=center_key)
    upload bid.envelope; submit_bid {sealed_file: bid.sealed_sha256, signature: bid.signature}
    at opening: content_key_for(bid.envelope, encryption_private_key).hex() → decrypt_bid
"""

from __future__ import annotations

import base64
import hashlib
import io
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ggzy.pki.envelope import Recipient, read_header, seal_stream, unwrap_content_key
from ggzy.pki.signatures import sign_detached


@dataclass(frozen=True)
class SealedBid:
    """A sealed bid ready for upload, with what its bidder keeps for the opening."""

    envelope: bytes = field(repr=False)
    sealed_sha256: str
    signature: str  # base64 CMS over the sealed file's SHA-256, for submit_bid
    content_key: bytes = field(repr=False)  # the bidder's own copy (also unwrappable)


def prepare_sealed_bid(
    *,
    project: str,
    bidder: str,
    bidder_name: str,
    price: int,
    duration_days: int,
    quality: str,
    sign_key: Any,
    sign_cert: bytes,
    encrypt_cert: bytes,
    opening_public_pem: bytes | str | None = None,
    attachments: Sequence[tuple[str, bytes | Path]] = (),
    declared: Mapping[str, str] | None = None,
    now: datetime,
) -> SealedBid:
    """Build and sign the bid package, seal it to the bidder (and the center), sign the seal."""
    from ggzy.bidding.package import build_bid_package

    package = build_bid_package(
        project=project,
        bidder=bidder,
        bidder_name=bidder_name,
        price=price,
        duration_days=duration_days,
        quality=quality,
        attachments=attachments,
        signing_key=sign_key,
        signing_certificate_der=sign_cert,
        declared=declared or {},
        created_at=now,
    )
    recipients = [Recipient.load(encrypt_cert)]
    if opening_public_pem:
        pem = (
            opening_public_pem.encode()
            if isinstance(opening_public_pem, str)
            else opening_public_pem
        )
        recipients.append(Recipient.load(pem, opening=True))
    key_size = 16 if recipients[0].algorithm == "sm2" else 32
    content_key = secrets.token_bytes(key_size)
    out = io.BytesIO()
    seal_stream(
        io.BytesIO(package),
        out,
        recipients=recipients,
        content_key=content_key,
        meta={"project": project, "bidder": bidder, "declared": dict(declared or {})},
        sealed_at=now,
    )
    envelope = out.getvalue()
    sealed_sha256 = hashlib.sha256(envelope).hexdigest()
    # over the sealed file itself: SHA-256 for RSA/ECDSA, SM3 for SM2 certificates
    signature = sign_detached(envelope, sign_key, sign_cert, signing_time=now)
    return SealedBid(envelope, sealed_sha256, base64.b64encode(signature).decode(), content_key)


def content_key_for(envelope: bytes | Path, private_key: Any) -> bytes:
    """Unwrap the content key of a sealed bid with the bidder's encryption private key."""
    data = envelope.read_bytes() if isinstance(envelope, Path) else envelope
    return unwrap_content_key(read_header(io.BytesIO(data)), private_key)
