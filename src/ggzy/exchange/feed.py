"""The node feed (节点事件订阅): every event of this node in order, as leaves a reader verifies.

`GET /api/v1/feed?after=N&limit=L` gives the events after sequence number N. Every entry carries
its leaf hash (RFC 6962: SHA-256(0x00 ‖ leaf data)); the leaf data itself (the canonical event)
comes with public events and, for a peer node that signs its request, with the events the
network shares (its registry and trust list); a confidential event (a bid) shows only its hash.
Each page ends with the node's newest signed tree head at or below its last entry, so a reader
that keeps the Merkle frontier of every leaf checks each page against the node's signature, and
holds, when it has read everything, a verified copy of the node's tree: the basis for
witnessing it (cosignatures) and for catching a node that rewrites its history.

Sequence numbers are allotted under the ledger lock and committed in that order (decision
0002), so reading "after N" never skips an event that commits late, and a reader resumes
anywhere by giving the last sequence number it holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from ggzy.core.errors import DomainError
from ggzy.core.events import EVENT_TYPES, RecordedEvent
from ggzy.core.projections import row_to_event
from ggzy.core.tables import events
from ggzy.ledger import log
from ggzy.ledger.merkle import IncrementalRoot, leaf_hash
from ggzy.ledger.tables import tree_heads

FORMAT = "ggzy-feed/1"
MAX_PAGE = 1000
# Events a peer node applies to its own state: who is registered and with which roles (shared
# with peers only, never with the public), the CA trust list and the credit lists (public), so
# an entity registered once trades in every city and a dishonest one is stopped in all.
NETWORK_TYPES = frozenset(
    {
        "CenterRegistered",
        "EntityRegistered",
        "AccountCreated",
        "CertificateBound",
        "CertificateAuthorityAdded",
        "CertificateAuthorityRemoved",
        "RevocationListImported",
        "CreditRecordAdded",
        "CreditRecordRepaired",
        "ExpertApplied",
        "ExpertReviewed",
        "ExpertLeaveDeclared",
        "ExpertBlacklisted",
        "ExpertRated",
        "ExpertRelationsDeclared",
    }
)


def shared_with_peers(kind: str) -> bool:
    """Whether a peer node receives the content of events of this type."""
    declared = EVENT_TYPES.get(kind)
    return kind in NETWORK_TYPES or bool(declared and declared.public)


def feed_page(conn: Connection, after: int, limit: int, *, peer: bool) -> dict[str, Any]:
    """One page of the feed: entries after `after`, and the newest head the page reaches."""
    if after < 0 or not 1 <= limit <= MAX_PAGE:
        raise DomainError(
            "invalid-page",
            f"after 须 ≥ 0，limit 须在 1 到 {MAX_PAGE} 之间",
            f"after must be ≥ 0 and limit between 1 and {MAX_PAGE}",
        )
    rows = conn.execute(
        select(events).where(events.c.seq > after).order_by(events.c.seq).limit(limit)
    ).all()
    entries: list[dict[str, Any]] = []
    for row in rows:
        ev = row_to_event(row)
        data = ev.canonical()
        shown = shared_with_peers(ev.type) if peer else ev.public
        entries.append(
            {
                "seq": ev.seq,
                "type": ev.type,
                "leaf_hash": leaf_hash(data).hex(),
                "leaf": data.decode("utf-8") if shown else None,
            }
        )
    last = int(entries[-1]["seq"]) if entries else after
    head_row = conn.execute(
        select(tree_heads)
        .where(tree_heads.c.tree_size <= max(last, 0))
        .order_by(tree_heads.c.tree_size.desc())
        .limit(1)
    ).first()
    size = log.current_size(conn)
    return {
        "format": FORMAT,
        "after": after,
        "entries": entries,
        "next_after": last,
        "more": last < size,
        "tree_head": log.head_from_row(head_row).as_json() if head_row is not None else None,
    }


# ------------------------------------------------------------------------------ reading


class Frontier(IncrementalRoot):
    """The Merkle frontier of a peer's leaves read so far: O(log n) hashes, saved as JSON."""

    def dumps(self) -> str:
        """JSON form for the peers table."""
        return json.dumps({"size": self.size, "stack": [[lv, h.hex()] for lv, h in self.state()]})

    @classmethod
    def loads(cls, text: str) -> Frontier:
        """Read the JSON form back."""
        data = json.loads(text)
        state = [(int(lv), bytes.fromhex(h)) for lv, h in data["stack"]]
        return cls.resume(int(data["size"]), state)  # type: ignore[return-value]

    def copy(self) -> Frontier:
        """An independent copy."""
        return self.resume(self.size, self.state())  # type: ignore[return-value]


class FeedRefused(Exception):
    """A page that does not verify: a gap, a leaf that is not its hash, a head that lies."""

    def __init__(self, kind: str, zh: str, en: str, **facts: Any) -> None:
        super().__init__(en)
        self.kind, self.zh, self.en, self.facts = kind, zh, en, facts


@dataclass
class CheckedPage:
    """A page that verified: events with content, the frontier after it, the head checked."""

    events: list[tuple[int, str, RecordedEvent]]  # (seq, canonical text, event)
    frontier: Frontier
    head: dict[str, Any] | None  # the head whose root the frontier matched, if one was reached
    last: int


def check_page(
    page: dict[str, Any], node_id: str, public_key: str, pulled: int, frontier: Frontier
) -> CheckedPage:
    """Verify a page read from `node_id` after `pulled`: gapless, every leaf its hash, every
    event from that node, and the frontier equal to its signed head where it reaches it."""
    from ggzy.ledger.signing import verify_signature

    head = page.get("tree_head")
    if head is not None:
        if head.get("node") != node_id or not verify_signature(
            public_key, head["signed_body"], _b64(head["signature"])
        ):
            raise FeedRefused(
                "bad-head-signature",
                "树头签名无效或不是该节点的",
                "the tree head is not signed by that node",
            )
        signed = json.loads(head["signed_body"])
        if signed["tree_size"] != head["tree_size"] or signed["root_hash"] != head["root_hash"]:
            raise FeedRefused("bad-head", "树头与其签名内容不符", "the head differs from its body")
    work = frontier.copy()
    checked: dict[str, Any] | None = None
    out = []
    expected = pulled
    for entry in page["entries"]:
        expected += 1
        if entry["seq"] != expected:
            raise FeedRefused(
                "gap",
                f"事件序号不连续：应为 {expected}",
                f"expected event {expected}",
                seq=expected,
            )
        lh = bytes.fromhex(entry["leaf_hash"])
        if entry.get("leaf") is not None:
            data = entry["leaf"].encode("utf-8")
            if leaf_hash(data) != lh:
                raise FeedRefused(
                    "leaf-mismatch",
                    f"事件 {expected} 的内容与其叶子哈希不符",
                    f"event {expected} does not match its leaf hash",
                    seq=expected,
                )
            ev = _event(json.loads(entry["leaf"]))
            if ev.node_id != node_id or ev.seq != expected:
                raise FeedRefused(
                    "foreign-event",
                    f"事件 {expected} 不是该节点的",
                    f"event {expected} is not that node's",
                    seq=expected,
                )
            out.append((expected, entry["leaf"], ev))
        work.append(lh)
        if head is not None and work.size == head["tree_size"]:
            if work.root().hex() != head["root_hash"]:
                raise FeedRefused(
                    "root-mismatch",
                    f"节点在大小 {work.size} 处签名的根与已读取的历史不符（历史被改写）",
                    f"the node's signed root at size {work.size} does not match the history "
                    f"already read: its log was rewritten",
                    tree_size=work.size,
                    signed_root=head["root_hash"],
                    computed_root=work.root().hex(),
                )
            checked = head
    if head is not None and checked is None and head["tree_size"] == frontier.size:
        if frontier.root().hex() != head["root_hash"]:
            raise FeedRefused(
                "root-mismatch",
                f"节点在大小 {frontier.size} 处签名的根与已读取的历史不符（历史被改写）",
                f"the node's signed root at size {frontier.size} does not match the history "
                "already read: its log was rewritten",
                tree_size=frontier.size,
                signed_root=head["root_hash"],
                computed_root=frontier.root().hex(),
            )
        checked = head
    return CheckedPage(out, work, checked, expected)


def _b64(text: str) -> bytes:
    import base64

    return base64.b64decode(text)


def _event(body: dict[str, Any]) -> RecordedEvent:
    """A RecordedEvent from its canonical JSON form (ggzy.core.events)."""
    from datetime import datetime

    return RecordedEvent(
        seq=body["seq"],
        recorded_at=datetime.fromisoformat(body["time"].replace("Z", "+00:00")),
        node_id=body["node"],
        center=body["center"],
        actor=body["actor"],
        type=body["type"],
        subject_type=body["subject"]["type"],
        subject_id=body["subject"]["id"],
        payload=body["payload"],
        documents=tuple(body["documents"]),
    )
