"""Signed bid receipts (投标回执): proof that the platform received a sealed bid, and when.

A receipt names the project, the bidder, the SHA-256 of the sealed file and the server time of
receipt, and carries the ledger's inclusion proof of the BidSubmitted event in the tree head
signed by the same command. The node signs the receipt, so a bidder can prove its submission
to anyone, offline, with the node's public key: `verify_receipt(receipt, public_key_b64)`.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlalchemy import Connection, select

from ggzy.core.errors import forbidden, not_found
from ggzy.core.events import canonical_json
from ggzy.core.projections import row_to_event
from ggzy.core.tables import events
from ggzy.ledger import leaf_hash, log, verify_inclusion
from ggzy.ledger.signing import NodeKey, verify_signature
from ggzy.ledger.tables import tree_heads
from ggzy.registry.handlers import Account

RECEIPT_FORMAT = "ggzy-bid-receipt/1"


def bid_receipt(
    conn: Connection, key: NodeKey, seq: int, account: Account | None
) -> dict[str, Any]:
    """The signed receipt of the BidSubmitted event `seq`, for its bidder (or a regulator)."""
    row = conn.execute(select(events).where(events.c.seq == seq)).first()
    if row is None or row.type != "BidSubmitted":
        raise not_found(f"投标回执 {seq}", f"bid receipt {seq}")
    ev = row_to_event(row)
    allowed = account is not None and (
        account.entity == ev.payload.get("bidder") or account.has_role("regulator")
    )
    if not allowed:
        raise forbidden("只有投标人本人可以获取回执", "only the bidder may fetch its receipt")
    head_row = conn.execute(
        select(tree_heads.c.tree_size)
        .where(tree_heads.c.tree_size >= seq)
        .order_by(tree_heads.c.tree_size)
        .limit(1)
    ).first()
    head = log.head_at(conn, int(head_row.tree_size)) if head_row else None
    if head is None:  # pragma: no cover - every command signs a head
        raise not_found("签名树头", "signed tree head")
    body = {
        "format": RECEIPT_FORMAT,
        "project": ev.subject_id,
        "bidder": ev.payload.get("bidder"),
        "sealed_sha256": ev.payload.get("sealed_sha256"),
        "received_at": ev.recorded_at.isoformat(),
        "seq": seq,
        "leaf_hash": leaf_hash(ev.canonical()).hex(),
        "tree_head": head.as_json(),
        "inclusion_proof": [h.hex() for h in log.inclusion(conn, seq - 1, head.tree_size)],
        "node": head.node_id,
    }
    signature = key.sign(canonical_json(body).encode())
    return {
        **body,
        "signature": base64.b64encode(signature).decode(),
        "public_key": key.public_b64(),
        "signature_algorithm": "ed25519",
    }


def verify_receipt(receipt: dict[str, Any], public_key_b64: str) -> bool:
    """True if the node signed this receipt and its event is in the signed tree head."""
    try:
        body = {
            k: v
            for k, v in receipt.items()
            if k not in ("signature", "public_key", "signature_algorithm")
        }
        if not verify_signature(
            public_key_b64, canonical_json(body), base64.b64decode(receipt["signature"])
        ):
            return False
        head = body["tree_head"]
        if not verify_signature(
            public_key_b64, head["signed_body"], base64.b64decode(head["signature"])
        ):
            return False
        signed = json.loads(head["signed_body"])  # trust only what the node signed
        return verify_inclusion(
            bytes.fromhex(body["leaf_hash"]),
            int(body["seq"]) - 1,
            int(signed["tree_size"]),
            [bytes.fromhex(h) for h in body["inclusion_proof"]],
            bytes.fromhex(signed["root_hash"]),
        )
    except (KeyError, TypeError, ValueError):
        return False
