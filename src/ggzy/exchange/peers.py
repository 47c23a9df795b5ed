"""Peer nodes (互联节点): following their feeds, replicating what the network shares, and
witnessing their ledgers.

A node adds a peer by its URL (its node id and Ed25519 key are read from /api/v1/node and
recorded as a PeerAdded event). Pulling a peer reads its feed from where it stopped, verifies
each page (ggzy.exchange.feed.check_page), applies the events the network shares to this node's
state (entities, accounts, certificates, the CA trust list: 一处登记、全网通用) and keeps their
leaf data, and cosigns every head of the peer whose root it recomputed (见证). A head that does
not match the history already read is refused: the peer is marked in alert and a public
PeerHeadRefused event records it. Requests between nodes are signed with the node key.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.exc import IntegrityError

from ggzy.core import projections
from ggzy.core.errors import DomainError
from ggzy.core.events import NewEvent, RecordedEvent, canonical_json, event_type, format_time
from ggzy.exchange.feed import FeedRefused, Frontier, check_page
from ggzy.exchange.tables import cosignatures, network_projects, peer_events, peers
from ggzy.ledger.signing import key_id_of, verify_signature

if TYPE_CHECKING:
    from ggzy.bootstrap import Platform

event_type("PeerAdded", "已添加互联节点", "peer node added")
event_type("PeerHeadRefused", "互联节点的签名树头未通过验证", "a peer's tree head was refused")

NODE_HEADER, DATE_HEADER, SIGNATURE_HEADER = "Ggzy-Node", "Ggzy-Date", "Ggzy-Signature"
CLOCK_SKEW = timedelta(minutes=5)
PAGE = 500


# ------------------------------------------------------------------------------ node identity


def node_info(platform: Platform) -> dict[str, Any]:
    """What a node says about itself at /api/v1/node."""
    from ggzy.registry.handlers import list_centers

    with platform.read() as conn:
        centers = [
            {"code": c["code"], "name": c["name"]}
            for c in list_centers(conn)
            if c["node_id"] == platform.settings.node_id
        ]
    return {
        "node_id": platform.settings.node_id,
        "name": platform.settings.node_name,
        "public_key": platform.node_key.public_b64(),
        "key_id": platform.node_key.key_id,
        "centers": centers,
        "feed": "/api/v1/feed",
    }


def signed_headers(platform: Platform, method: str, path: str) -> dict[str, str]:
    """Headers that prove a request comes from this node (Ed25519 over method, path, date)."""
    date = format_time(platform.clock.now())
    body = f"{method.upper()}\n{path}\n{date}"
    signature = base64.b64encode(platform.node_key.sign(body.encode())).decode()
    return {
        NODE_HEADER: platform.settings.node_id,
        DATE_HEADER: date,
        SIGNATURE_HEADER: signature,
    }


def requesting_peer(
    conn: Connection, headers: Any, method: str, path: str, now: datetime
) -> str | None:
    """The peer node that signed this request, or None (not signed, unknown, or stale)."""
    node = headers.get(NODE_HEADER)
    if not node:
        return None
    row = conn.execute(select(peers).where(peers.c.node_id == node)).first()
    if row is None:
        return None
    date = headers.get(DATE_HEADER, "")
    try:
        when = datetime.fromisoformat(date.replace("Z", "+00:00"))
        signature = base64.b64decode(headers.get(SIGNATURE_HEADER, ""), validate=True)
    except ValueError:
        return None
    if abs(when - now) > CLOCK_SKEW:
        return None
    body = f"{method.upper()}\n{path}\n{date}"
    return node if verify_signature(row.public_key, body, signature) else None


# ------------------------------------------------------------------------------ peers


def _get(url: str, headers: dict[str, str] | None = None, timeout: float = 30) -> Any:
    import httpx

    try:
        r = httpx.get(url, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        raise DomainError(
            "peer-unreachable",
            f"无法连接互联节点 {url}：{exc}",
            f"cannot reach the peer at {url}: {exc}",
            status=502,
        ) from None
    if r.status_code != 200:
        raise DomainError(
            "peer-error",
            f"互联节点返回 HTTP {r.status_code}（{url}）",
            f"the peer answered HTTP {r.status_code} ({url})",
            status=502,
        )
    return r.json()


def add_peer(platform: Platform, url: str, key_id: str | None = None) -> dict[str, Any]:
    """Follow the node at `url` (its key checked against `key_id` when given)."""
    base = url.rstrip("/")
    if urlsplit(base).scheme not in ("http", "https"):
        raise DomainError(
            "invalid-url", "节点地址须为 http(s) URL", "the node URL must be http(s)", field="url"
        )
    info = _get(f"{base}/api/v1/node")
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(info["public_key"]))
    except (KeyError, ValueError, TypeError):
        raise DomainError(
            "peer-invalid", "该地址不是 OpenGGZY 节点", "that URL is not a node", status=502
        ) from None
    actual = key_id_of(public)
    if key_id and key_id.lower() != actual:
        raise DomainError(
            "peer-key-mismatch",
            f"节点密钥标识为 {actual}，与给定的 {key_id} 不符",
            f"the node's key id is {actual}, not {key_id}",
            status=409,
        )
    if info["node_id"] == platform.settings.node_id:
        raise DomainError("peer-is-self", "不能添加本节点", "a node cannot follow itself")
    with platform.command("system") as uow:
        if uow.conn.execute(select(peers).where(peers.c.node_id == info["node_id"])).first():
            raise DomainError(
                "peer-exists",
                f"已添加节点 {info['node_id']}",
                f"node {info['node_id']} is already a peer",
                status=409,
            )
        uow.conn.execute(
            peers.insert().values(
                node_id=info["node_id"],
                url=base,
                public_key=info["public_key"],
                key_id=actual,
                name=str(info.get("name", ""))[:200],
                added_at=uow.now,
                pulled=0,
                frontier=Frontier().dumps(),
                verified_size=0,
                verified_root=None,
                status="ok",
                alert=None,
            )
        )
        uow.emit(
            NewEvent(
                "PeerAdded",
                "node",
                info["node_id"],
                {"node_id": info["node_id"], "url": base, "key_id": actual, "name": info["name"]},
            )
        )
    return {"node_id": info["node_id"], "key_id": actual, "name": info["name"]}


def list_peers(conn: Connection) -> list[dict[str, Any]]:
    """Every peer with how far it was read and verified, and any alert."""
    out = []
    for r in conn.execute(select(peers).order_by(peers.c.node_id)):
        out.append(
            {
                "node_id": r.node_id,
                "url": r.url,
                "name": r.name,
                "key_id": r.key_id,
                "pulled": r.pulled,
                "verified_size": r.verified_size,
                "verified_root": r.verified_root.hex() if r.verified_root else None,
                "status": r.status,
                "alert": json.loads(r.alert) if r.alert else None,
            }
        )
    return out


# ------------------------------------------------------------------------------ pulling


@dataclass
class PullResult:
    """What one pull of one peer did."""

    node_id: str
    read: int = 0
    applied: int = 0
    conflicts: int = 0
    verified_size: int = 0
    refused: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        """JSON form."""
        return dict(self.__dict__)


def pull(platform: Platform, node_id: str, page: int = PAGE) -> PullResult:
    """Read a peer's feed from where this node stopped until its end, page by page."""
    with platform.read() as conn:
        row = conn.execute(select(peers).where(peers.c.node_id == node_id)).first()
    if row is None:
        raise DomainError(
            "unknown-peer", f"没有互联节点 {node_id}", f"no peer {node_id}", status=404
        )
    result = PullResult(node_id, verified_size=row.verified_size)
    if row.status == "alert":
        result.refused = json.loads(row.alert)
        return result
    while True:
        with platform.read() as conn:
            row = conn.execute(select(peers).where(peers.c.node_id == node_id)).one()
        path = f"/api/v1/feed?after={row.pulled}&limit={page}"
        body = _get(row.url + path, signed_headers(platform, "GET", path))
        try:
            checked = check_page(
                body, node_id, row.public_key, row.pulled, Frontier.loads(row.frontier)
            )
            if checked.head is not None:
                _check_not_equivocating(platform, row, checked.head)
        except FeedRefused as refused:
            result.refused = _refuse(platform, row, refused)
            return result
        _store_page(platform, row, checked, result)
        result.read += checked.last - row.pulled
        if not body.get("more") or checked.last == row.pulled:
            return result


def _check_not_equivocating(platform: Platform, row: Any, head: dict[str, Any]) -> None:
    """A head at a size this node already cosigned must have the same root."""
    with platform.read() as conn:
        earlier = conn.execute(
            select(cosignatures.c.root_hash).where(
                cosignatures.c.witness == platform.settings.node_id,
                cosignatures.c.node_id == row.node_id,
                cosignatures.c.tree_size == head["tree_size"],
            )
        ).scalar()
    if earlier is not None and earlier.hex() != head["root_hash"]:
        raise FeedRefused(
            "equivocation",
            f"节点对大小 {head['tree_size']} 签过两个不同的根",
            f"the node signed two different roots for size {head['tree_size']}",
            tree_size=head["tree_size"],
            cosigned_root=earlier.hex(),
            signed_root=head["root_hash"],
        )


def _store_page(platform: Platform, row: Any, checked: Any, result: PullResult) -> None:
    """Apply a verified page, move the peer's position, and cosign the head it verified."""
    from ggzy.exchange.feed import NETWORK_TYPES

    now = platform.clock.now()
    with platform.engine.begin() as conn:
        for seq, canonical, ev in checked.events:
            if ev.type not in NETWORK_TYPES:
                if ev.subject_type == "project" and ev.public:
                    _network_project(conn, row.node_id, ev, now)
                continue
            status, note = "applied", None
            try:
                with conn.begin_nested():
                    projections.apply(conn, ev)
            except IntegrityError as exc:  # e.g. a credit code registered at two nodes
                status, note = "conflict", str(exc.orig).splitlines()[0][:500]
            conn.execute(
                peer_events.insert().values(
                    node_id=row.node_id,
                    seq=seq,
                    type=ev.type,
                    canonical=canonical,
                    status=status,
                    note=note,
                    received_at=now,
                )
            )
            result.applied += status == "applied"
            result.conflicts += status == "conflict"
        values: dict[str, Any] = {"pulled": checked.last, "frontier": checked.frontier.dumps()}
        head = checked.head
        if head is not None and head["tree_size"] > row.verified_size:
            root = bytes.fromhex(head["root_hash"])
            values |= {"verified_size": head["tree_size"], "verified_root": root}
            _cosign(conn, platform, row.node_id, head["tree_size"], root, row.key_id, now)
            result.verified_size = head["tree_size"]
        conn.execute(update(peers).where(peers.c.node_id == row.node_id).values(**values))


def _network_project(conn: Connection, node_id: str, ev: RecordedEvent, now: datetime) -> None:
    """Follow a peer's project from its public events: registered, then each stage and date."""
    p = ev.payload
    key = (network_projects.c.node_id == node_id) & (network_projects.c.code == ev.subject_id)
    if ev.type == "ProjectRegistered":
        conn.execute(delete(network_projects).where(key))
        conn.execute(
            network_projects.insert().values(
                node_id=node_id,
                code=ev.subject_id,
                title=str(p.get("title", ""))[:200],
                center=str(p.get("center", ""))[:6],
                method=str(p.get("method", ""))[:64],
                stage=str(p.get("stage", "registered"))[:32],
                bid_deadline=None,
                updated_at=now,
            )
        )
        return
    values: dict[str, Any] = {}
    if isinstance(p.get("stage"), str):
        values["stage"] = p["stage"][:32]
    deadline = (p.get("set") or {}).get("bid_deadline") if isinstance(p.get("set"), dict) else None
    if isinstance(deadline, str):
        values["bid_deadline"] = deadline[:40]
    if values:
        conn.execute(update(network_projects).where(key).values(updated_at=now, **values))


def projects_elsewhere(conn: Connection, stage: str | None = None) -> list[dict[str, Any]]:
    """Other nodes' projects (交易一张网), with where to act on them."""
    q = select(network_projects, peers.c.url, peers.c.name).join(
        peers, peers.c.node_id == network_projects.c.node_id
    )
    if stage:
        q = q.where(network_projects.c.stage == stage)
    rows = conn.execute(q.order_by(network_projects.c.bid_deadline, network_projects.c.code))
    return [
        {
            "node_id": r.node_id,
            "node_name": r.name,
            "code": r.code,
            "title": r.title,
            "center": r.center,
            "method": r.method,
            "stage": r.stage,
            "bid_deadline": r.bid_deadline,
            "url": f"{r.url}/projects/{r.code}",
        }
        for r in rows.all()
    ]


def cosignature_body(
    witness: str, node_id: str, size: int, root: bytes, key_id: str, now: datetime
) -> str:
    """The statement a witness signs: it verified `node_id`'s tree of `size` leaves."""
    return canonical_json(
        {
            "format": "ggzy-cosignature/1",
            "witness": witness,
            "node": node_id,
            "tree_size": size,
            "root_hash": root.hex(),
            "node_key_id": key_id,
            "timestamp": format_time(now),
        }
    )


def _cosign(
    conn: Connection,
    platform: Platform,
    node_id: str,
    size: int,
    root: bytes,
    key_id: str,
    now: datetime,
) -> None:
    body = cosignature_body(platform.settings.node_id, node_id, size, root, key_id, now)
    conn.execute(
        cosignatures.insert().values(
            witness=platform.settings.node_id,
            node_id=node_id,
            tree_size=size,
            root_hash=root,
            signed_at=now,
            key_id=platform.node_key.key_id,
            signature=platform.node_key.sign(body.encode()),
            body=body,
        )
    )


def cosignatures_of(conn: Connection, node_id: str | None, limit: int) -> list[dict[str, Any]]:
    """This node's cosignatures (of one peer's heads, or all), newest first."""
    q = select(cosignatures)
    if node_id:
        q = q.where(cosignatures.c.node_id == node_id)
    rows = conn.execute(q.order_by(cosignatures.c.signed_at.desc()).limit(limit))
    return [
        {
            "witness": r.witness,
            "node": r.node_id,
            "tree_size": r.tree_size,
            "root_hash": r.root_hash.hex(),
            "key_id": r.key_id,
            "signature": base64.b64encode(r.signature).decode(),
            "signed_body": r.body,
        }
        for r in rows
    ]


def _refuse(platform: Platform, row: Any, refused: FeedRefused) -> dict[str, Any]:
    """Stop following a peer whose feed did not verify, and record why (a public event)."""
    alert = {
        "kind": refused.kind,
        "zh": refused.zh,
        "en": refused.en,
        "at_pulled": row.pulled,
        **refused.facts,
    }
    with platform.command("system") as uow:
        uow.conn.execute(
            update(peers)
            .where(peers.c.node_id == row.node_id)
            .values(status="alert", alert=json.dumps(alert, ensure_ascii=False))
        )
        uow.emit(
            NewEvent("PeerHeadRefused", "node", row.node_id, {"node_id": row.node_id, **alert})
        )
    return alert


def replayed_peer_events(conn: Connection) -> list[RecordedEvent]:
    """The peers' events this node applied, for rebuilding its projections."""
    from ggzy.exchange.feed import _event

    rows = conn.execute(
        select(peer_events.c.canonical)
        .where(peer_events.c.status == "applied")
        .order_by(peer_events.c.received_at, peer_events.c.node_id, peer_events.c.seq)
    )
    return [_event(json.loads(r.canonical)) for r in rows]


def pull_all(platform: Platform) -> list[PullResult]:
    """Pull every peer not in alert (one round of the follower); failures are logged."""
    import logging

    with platform.read() as conn:
        wanted = [p["node_id"] for p in list_peers(conn) if p["status"] == "ok"]
    results = []
    for node_id in wanted:
        try:
            results.append(pull(platform, node_id))
        except DomainError as exc:  # unreachable for now: the next round tries again
            logging.getLogger("ggzy.peers").warning("pull %s: %s", node_id, exc.en)
    return results


# ------------------------------------------------------------------------------ roaming sign-in

PASSWORD_CHECK_PATH = "/api/v1/federation/password-check"


def answer_password_check(
    platform: Platform, peer: str, username: str, password: str
) -> dict[str, Any]:
    """At an account's home node: say, signed, whether the password is right (to a peer)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    from ggzy.registry.handlers import _hasher
    from ggzy.registry.tables import credentials

    with platform.read() as conn:
        row = conn.execute(
            select(credentials.c.password_hash).where(credentials.c.username == username)
        ).first()
    ok = False
    if row is None:
        _hasher.hash(password)  # the same time as a real check
    else:
        try:
            ok = bool(_hasher.verify(row[0], password))
        except (VerificationError, InvalidHashError):
            ok = False
    body = canonical_json(
        {
            "username": username,
            "ok": ok,
            "node": platform.settings.node_id,
            "for": peer,
            "checked_at": format_time(platform.clock.now()),
        }
    )
    signature = base64.b64encode(platform.node_key.sign(body.encode())).decode()
    return {"signed_body": body, "signature": signature}


def ask_home_node(uow: Any, account: Any, password: str) -> bool | None:
    """At another node: ask the account's home node (a peer) to check its password."""
    import httpx

    home = None  # the node the account was created at: the peer whose event created it here
    for r in uow.conn.execute(
        select(peer_events.c.node_id, peer_events.c.canonical).where(
            peer_events.c.type == "AccountCreated",
            peer_events.c.status == "applied",
            peer_events.c.canonical.contains(f'"id":"{account.username}"'),  # narrows the scan
        )
    ):
        if json.loads(r.canonical)["subject"]["id"] == account.username:
            home = r.node_id
    platform = uow.platform
    if not home or home == platform.settings.node_id:
        return None
    row = uow.conn.execute(select(peers).where(peers.c.node_id == home)).first()
    if row is None or row.status != "ok":
        return None
    headers = signed_headers(platform, "POST", PASSWORD_CHECK_PATH)
    try:
        r = httpx.post(
            row.url + PASSWORD_CHECK_PATH,
            json={"username": account.username, "password": password},
            headers=headers,
            timeout=5,
        )
        answer = r.json()
        signature = base64.b64decode(answer["signature"])
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return None
    if r.status_code != 200 or not verify_signature(
        row.public_key, answer["signed_body"], signature
    ):
        return None
    said = json.loads(answer["signed_body"])
    when = datetime.fromisoformat(said["checked_at"].replace("Z", "+00:00"))
    fresh = abs(when - platform.clock.now()) <= CLOCK_SKEW
    mine = said["for"] == platform.settings.node_id and said["node"] == home
    return bool(said["ok"]) and fresh and mine and said["username"] == account.username


projections.REPLAYED_SOURCES.append(replayed_peer_events)


def _register_roaming_sign_in() -> None:
    from ggzy.registry.handlers import REMOTE_PASSWORD_CHECKS

    if ask_home_node not in REMOTE_PASSWORD_CHECKS:
        REMOTE_PASSWORD_CHECKS.append(ask_home_node)


_register_roaming_sign_in()
