"""Node interconnection API (节点互联): who this node is, its feed, its peers and cosignatures."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from ggzy.core.errors import forbidden
from ggzy.exchange import media, peers
from ggzy.exchange.feed import MAX_PAGE, feed_page
from ggzy.registry.handlers import Account
from ggzy.web.auth import platform_of, require_account

router = APIRouter(prefix="/api/v1")
Caller = Annotated[Account, Depends(require_account)]


def _require_admin(account: Account) -> None:
    if not account.has_role("platform_admin"):
        raise forbidden("仅平台管理员可管理互联节点", "only a platform administrator manages peers")


@router.get("/node", tags=["exchange"], summary="本节点 / this node")
def node(request: Request) -> dict[str, Any]:
    """This node's id, name, Ed25519 public key and the centers it hosts."""
    return peers.node_info(platform_of(request))


@router.get("/feed", tags=["exchange"], summary="事件订阅 / the node's event feed")
def feed(
    request: Request,
    after: int = Query(0, ge=0, description="已读到的事件序号 / last sequence number held"),
    limit: int = Query(500, ge=1, le=MAX_PAGE),
) -> dict[str, Any]:
    """Events after `after` with their leaf hashes and the newest head reached; contents of
    public events, and for a peer node signing its request, of the events the network shares."""
    platform = platform_of(request)
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    with platform.read() as conn:
        peer = peers.requesting_peer(conn, request.headers, "GET", path, platform.clock.now())
        page = feed_page(conn, after, limit, peer=peer is not None)
    return {"node": platform.settings.node_id, "reader": peer, **page}


@router.get("/ledger/cosignatures", tags=["ledger"], summary="见证签名 / this node's cosignatures")
def node_cosignatures(
    request: Request,
    node: str | None = Query(None, description="被见证的节点 / the witnessed node"),
    limit: int = Query(100, ge=1, le=1000),
) -> list[dict[str, Any]]:
    """Signatures of this node over peers' tree heads it recomputed and verified."""
    with platform_of(request).read() as conn:
        return peers.cosignatures_of(conn, node, limit)


@router.get("/peers", tags=["exchange"], summary="互联节点 / peer nodes")
def peer_list(request: Request) -> list[dict[str, Any]]:
    """The nodes this node follows, how far each is verified, and any alert."""
    with platform_of(request).read() as conn:
        return peers.list_peers(conn)


class NewPeer(BaseModel):
    url: str = Field(min_length=8, max_length=500, description="节点地址 / the node's base URL")
    key_id: str | None = Field(None, max_length=64, description="预期的节点密钥标识")


@router.post("/peers", tags=["exchange"], summary="添加互联节点 / follow a node", status_code=201)
def add_peer(body: NewPeer, account: Caller, request: Request) -> dict[str, Any]:
    """Follow another node (platform administrators)."""
    _require_admin(account)
    return peers.add_peer(platform_of(request), body.url, body.key_id)


@router.post("/peers/{node_id}/pull", tags=["exchange"], summary="拉取 / pull a peer's feed")
def pull_peer(node_id: str, account: Caller, request: Request) -> dict[str, Any]:
    """Read a peer's feed now, verify it, apply what the network shares, cosign its head."""
    _require_admin(account)
    return peers.pull(platform_of(request), node_id).as_json()


@router.get(
    "/network/projects", tags=["exchange"], summary="其他节点的项目 / projects at other nodes"
)
def network_projects(
    request: Request, stage: str | None = Query(None, max_length=32)
) -> list[dict[str, Any]]:
    """Projects of the nodes this node follows (交易一张网), each with its address there."""
    with platform_of(request).read() as conn:
        return peers.projects_elsewhere(conn, stage)


# ------------------------------------------------------------------ information publishing


def _require_staff(account: Account) -> None:
    if not (account.has_role("platform_admin") or account.has_role("center_staff")):
        raise forbidden("仅交易中心与平台管理员可查看推送", "center staff and administrators only")


@router.get("/notices.atom", tags=["publishing"], summary="交易公告 Atom 订阅 / notices (Atom)")
def notices_atom(request: Request) -> Response:
    """The latest notices (announcements, clarifications, results…) as an Atom 1.0 feed."""
    import os

    platform = platform_of(request)
    url = os.environ.get("GGZY_PUBLIC_URL") or str(request.base_url)
    with platform.read() as conn:
        body = media.atom_feed(conn, url, platform.settings.node_name)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


class NewMedium(BaseModel):
    kind: str = Field(max_length=16, description="webhook | email | file")
    name: str = Field(max_length=100)
    target: str = Field(max_length=500)


@router.post("/media", tags=["publishing"], summary="添加发布媒体 / add a medium", status_code=201)
def add_medium(body: NewMedium, account: Caller, request: Request) -> dict[str, Any]:
    """Push every notice to this medium from now on (the webhook secret is shown only here)."""
    _require_admin(account)
    platform = platform_of(request)
    with platform.engine.begin() as conn:
        return media.add_medium(conn, body.kind, body.name, body.target, platform.clock.now())


@router.get("/media", tags=["publishing"], summary="发布媒体 / media")
def list_media(account: Caller, request: Request) -> list[dict[str, Any]]:
    """The media notices are pushed to."""
    _require_staff(account)
    with platform_of(request).read() as conn:
        return media.list_media(conn)


@router.get(
    "/notices/{seq}/deliveries", tags=["publishing"], summary="各媒体推送状态 / delivery status"
)
def notice_deliveries(seq: int, account: Caller, request: Request) -> list[dict[str, Any]]:
    """Where one notice went: per medium, delivered, retrying or dead, with the last error."""
    _require_staff(account)
    with platform_of(request).read() as conn:
        return media.deliveries_of(conn, seq=seq)


@router.get("/deliveries", tags=["publishing"], summary="推送记录与死信 / deliveries")
def list_deliveries(
    account: Caller, request: Request, status: str | None = Query(None, max_length=16)
) -> list[dict[str, Any]]:
    """Deliveries in a status (?status=dead is the dead-letter view)."""
    _require_staff(account)
    with platform_of(request).read() as conn:
        return media.deliveries_of(conn, status=status)


@router.post("/deliveries/{delivery}/retry", tags=["publishing"], summary="重发 / retry")
def retry_delivery(delivery: str, account: Caller, request: Request) -> dict[str, Any]:
    """Send a dead or failed delivery again at the next round."""
    _require_admin(account)
    platform = platform_of(request)
    with platform.engine.begin() as conn:
        media.retry(conn, delivery, platform.clock.now())
    return {"id": delivery, "status": "pending"}


# ------------------------------------------------------------------ laws and regulations


@router.get("/laws", tags=["laws"], summary="法律法规库 / laws and regulations")
def laws_search(q: str = Query("", max_length=100, description="关键词或条号")) -> list[Any]:
    """Laws by name, number or issuer; articles by number or by what the platform enforces."""
    from ggzy import laws

    return laws.search(q)


@router.get("/laws/{law_id}", tags=["laws"], summary="一部法规 / one law")
def law_detail(law_id: str) -> dict[str, Any]:
    """One law with every article the platform enforces and the methods based on it."""
    from ggzy import laws
    from ggzy.core.errors import not_found

    found = laws.find_law(law_id)
    if found is None:
        raise not_found(f"法规 {law_id}", f"law {law_id}")
    return found


# ------------------------------------------------------------------ roaming sign-in


class PasswordCheck(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=200)


@router.post("/federation/password-check", tags=["exchange"], summary="漫游登录核验（节点间）")
def password_check(body: PasswordCheck, request: Request) -> dict[str, Any]:
    """For a peer node only (signed request): whether an account of this node has this
    password, as a statement signed by this node."""
    from ggzy.core.errors import DomainError

    platform = platform_of(request)
    with platform.read() as conn:
        peer = peers.requesting_peer(
            conn, request.headers, "POST", request.url.path, platform.clock.now()
        )
    if peer is None:
        raise DomainError(
            "not-a-peer", "仅限互联节点调用", "only a peer node may ask this", status=403
        )
    return peers.answer_password_check(platform, peer, body.username.strip().lower(), body.password)
