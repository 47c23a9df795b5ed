"""JSON API under /api/v1. Handlers are thin: parse, call the domain, answer."""

from __future__ import annotations

import base64
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from ggzy.bidding import receipts
from ggzy.core.calendar import WorkingCalendar
from ggzy.core.documents import document_info, register_document
from ggzy.core.errors import DomainError, forbidden, not_found
from ggzy.core.events import EVENT_TYPES
from ggzy.core.projections import row_to_event
from ggzy.core.tables import events
from ggzy.ledger import log
from ggzy.ledger.merkle import leaf_hash
from ggzy.procedures import views
from ggzy.procedures.calendar_days import ALL_CENTERS, declare_holidays
from ggzy.procedures.engine import calendar_for, get_procedure, get_project, list_projects, perform
from ggzy.registry import handlers as registry
from ggzy.registry.handlers import Account
from ggzy.web.auth import client_ip, optional_account, platform_of, require_account
from ggzy.web.commands import request_fingerprint, run_command

router = APIRouter(prefix="/api/v1")
Caller = Annotated[Account, Depends(require_account)]
MaybeCaller = Annotated[Account | None, Depends(optional_account)]
Fingerprint = Annotated[bytes, Depends(request_fingerprint)]


# ---------------------------------------------------------------- auth


class LoginBody(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


@router.post(
    "/auth/token", tags=["auth"], summary="登录并获取 API 令牌 / sign in for a bearer token"
)
def login(body: LoginBody, request: Request) -> dict[str, Any]:
    platform = platform_of(request)
    with platform.command(f"account:{body.username.strip().lower()}"[:64]) as uow:
        account, token = registry.sign_in(
            uow, body.username, body.password, kind="api", ip=client_ip(request)
        )
    return {"token": token, "token_type": "bearer", "account": account.__dict__}


@router.get("/me", tags=["auth"], summary="当前用户 / the signed-in account")
def me(account: Caller, request: Request) -> dict[str, Any]:
    with platform_of(request).read() as conn:
        entity = registry.find_entity(conn, account.entity) if account.entity else None
    return {"account": account.__dict__, "entity": entity}


# ---------------------------------------------------------------- registry


@router.get("/centers", tags=["registry"], summary="交易中心 / trading centers")
def centers(request: Request) -> list[dict[str, Any]]:
    with platform_of(request).read() as conn:
        return [
            {**c, "registered_at": c["registered_at"].isoformat()}
            for c in registry.list_centers(conn)
        ]


@router.get("/entities", tags=["registry"], summary="市场主体 / market entities")
def entities(request: Request, kind: str | None = None) -> list[dict[str, Any]]:
    with platform_of(request).read() as conn:
        found = registry.list_entities(conn, kind)
    return [_public_entity(e) for e in found]


@router.get("/entities/{credit_code}", tags=["registry"], summary="一个市场主体 / one entity")
def entity(credit_code: str, request: Request) -> dict[str, Any]:
    with platform_of(request).read() as conn:
        return _public_entity(registry.get_entity(conn, credit_code.strip().upper()))


def _public_entity(e: dict[str, Any]) -> dict[str, Any]:
    return {
        **e,
        "registered_at": e["registered_at"].isoformat(),
        "contacts": [{"name": c["name"]} for c in e["contacts"]],
    }


class Contact(BaseModel):
    name: str = Field(max_length=50)
    phone: str = Field(default="", max_length=20)
    email: str = Field(default="", max_length=100)


class Qualification(BaseModel):
    name: str = Field(max_length=100)
    grade: str = Field(default="", max_length=50)
    number: str = Field(default="", max_length=50)


class AdminAccount(BaseModel):
    username: str = Field(max_length=64)
    display_name: str = Field(max_length=100)
    password: str = Field(max_length=200)


class EntityBody(BaseModel):
    credit_code: str = Field(max_length=30)
    name: str = Field(max_length=200)
    kinds: list[str] = Field(min_length=1, max_length=3)
    legal_representative: str = Field(max_length=50)
    center: str = Field(max_length=16, description="登记所在交易中心 / center of registration")
    contacts: list[Contact] = Field(default_factory=list, max_length=10)
    qualifications: list[Qualification] = Field(default_factory=list, max_length=50)
    admin: AdminAccount


@router.post(
    "/entities",
    status_code=201,
    tags=["registry"],
    summary="登记市场主体及其管理员账号（全网一次） / register an entity once for the network",
)
def register_entity(body: EntityBody, request: Request, fp: Fingerprint) -> JSONResponse:
    def command(uow: Any) -> dict[str, Any]:
        registry.get_center(uow.conn, body.center)
        entity = registry.register_entity(
            uow,
            credit_code=body.credit_code,
            name=body.name,
            kinds=body.kinds,
            legal_representative=body.legal_representative,
            contacts=[c.model_dump() for c in body.contacts],
            qualifications=[q.model_dump() for q in body.qualifications],
        )
        account = registry.create_account(
            uow,
            username=body.admin.username,
            display_name=body.admin.display_name,
            password=body.admin.password,
            roles=["entity_admin"],
            entity=entity["credit_code"],
        )
        return {"entity": entity, "admin": account.username}

    return run_command(request, "public:registration", fp, command, center=body.center)


class AccountBody(BaseModel):
    username: str = Field(max_length=64)
    display_name: str = Field(max_length=100)
    password: str = Field(max_length=200)
    roles: list[str] = Field(default_factory=lambda: ["operator"], max_length=5)


@router.post(
    "/accounts",
    status_code=201,
    tags=["registry"],
    summary="为本单位添加账号 / add an account to my entity",
)
def add_account(
    body: AccountBody, account: Caller, request: Request, fp: Fingerprint
) -> JSONResponse:
    if not account.has_role("entity_admin"):
        raise forbidden("仅主体管理员可添加账号", "only an entity administrator may add accounts")
    if set(body.roles) - {"entity_admin", "operator"}:
        raise forbidden("只能授予本单位角色", "only entity roles may be granted")

    def command(uow: Any) -> dict[str, Any]:
        created = registry.create_account(
            uow,
            username=body.username,
            display_name=body.display_name,
            password=body.password,
            roles=body.roles,
            entity=account.entity,
        )
        return {"account": created.__dict__}

    return run_command(request, account.actor, fp, command)


# ---------------------------------------------------------------- methods and rules


@router.get("/methods", tags=["procedures"], summary="交易方式 / trading methods")
def methods(request: Request) -> list[dict[str, Any]]:
    return [views.procedure_schema(p) for p in views.all_procedures()]


@router.get(
    "/methods/{code}", tags=["procedures"], summary="一个交易方式的声明 / one method's declaration"
)
def method(code: str, region: str = "", on: date | None = None) -> dict[str, Any]:
    return views.procedure_schema(get_procedure(code), region, on)


class ScheduleBody(BaseModel):
    method: str = Field(max_length=64, description="交易方式代码，如 construction.open_tendering")
    start: date = Field(description="首个节点（如公告发布）的日期 / the first milestone's day")
    center: str = Field(max_length=16, description="交易中心代码 / trading center code")
    plan: dict[str, date] = Field(
        default_factory=dict,
        description="拟定的节点日期，逐项核对 / proposed milestone days to check",
    )


@router.post(
    "/schedule",
    tags=["procedures"],
    summary="排期：各节点的法定最早日期 / the earliest legal day of every milestone",
)
def schedule(body: ScheduleBody, request: Request) -> dict[str, Any]:
    """Date every milestone of a method from a start day, for one center's rules and calendar."""
    from ggzy.procedures.schedule import plan

    proc = get_procedure(body.method)
    with platform_of(request).read() as conn:
        center = registry.get_center(conn, body.center.strip())
        calendar = calendar_for(conn, center["code"])
    result = plan(proc, body.start, center["code"], calendar, body.plan)
    return result.to_dict(calendar)


@router.get("/event-types", tags=["ledger"], summary="事件类型 / event types")
def event_types() -> list[dict[str, Any]]:
    return [t.__dict__ for t in EVENT_TYPES.values()]


# ---------------------------------------------------------------- projects


@router.get("/projects", tags=["projects"], summary="项目列表 / projects")
def projects(
    request: Request,
    account: MaybeCaller,
    center: str | None = None,
    stage: str | None = None,
    limit: int = Query(100, ge=1, le=500),
) -> list[dict[str, Any]]:
    with platform_of(request).read() as conn:
        return [
            views.project_view(conn, p, account)
            for p in list_projects(conn, center=center, stage=stage, limit=limit)
        ]


class NewProject(BaseModel):
    method: str = Field(max_length=64, description="交易方式代码，如 construction.open_tendering")
    fields: dict[str, Any] = Field(
        description="该交易方式登记项目所需字段 / the method's registration fields"
    )


@router.post(
    "/projects", status_code=201, tags=["projects"], summary="登记项目并赋码 / register a project"
)
def create_project(
    body: NewProject, account: Caller, request: Request, fp: Fingerprint
) -> JSONResponse:
    def command(uow: Any) -> dict[str, Any]:
        return perform(uow, account, None, "register_project", body.fields, method=body.method)

    return run_command(
        request,
        account.actor,
        fp,
        command,
        center=str(body.fields.get("center") or "")[:16] or None,
    )


@router.get("/projects/{code}", tags=["projects"], summary="项目详情 / one project")
def project(code: str, request: Request, account: MaybeCaller) -> dict[str, Any]:
    with platform_of(request).read() as conn:
        p = get_project(conn, code)
        view = views.project_view(conn, p, account)
        view["actions"] = views.available_actions(conn, account, p)
        view["bids"] = views.opened_bids(conn, p)
        return view


@router.get(
    "/projects/{code}/events", tags=["projects"], summary="项目全过程记录 / the project's events"
)
def project_events(code: str, request: Request, account: MaybeCaller) -> list[dict[str, Any]]:
    with platform_of(request).read() as conn:
        p = get_project(conn, code)
        return views.timeline(conn, p["code"], account)


@router.get(
    "/projects/{code}/bids", tags=["projects"], summary="开标记录（开标后公开）/ opened bids"
)
def project_bids(code: str, request: Request) -> list[dict[str, Any]]:
    with platform_of(request).read() as conn:
        return views.opened_bids(conn, get_project(conn, code))


@router.get(
    "/projects/{code}/bids/{seq}/receipt",
    tags=["projects"],
    summary="投标回执（节点签名，含账本包含证明）/ signed bid receipt with inclusion proof",
)
def bid_receipt(code: str, seq: int, request: Request, account: Caller) -> dict[str, Any]:
    platform = platform_of(request)
    with platform.read() as conn:
        project = get_project(conn, code)
        receipt = receipts.bid_receipt(conn, platform.node_key, seq, account)
    if receipt["project"] != project["code"]:
        raise not_found(f"项目 {code} 的投标回执 {seq}", f"bid receipt {seq} of project {code}")
    return receipt


@router.get(
    "/projects/{code}/archive",
    tags=["projects"],
    summary="归档清单：资料要件及已提交文件 / archive checklist of the project's documents",
)
def project_archive(code: str, request: Request, account: Caller) -> dict[str, Any]:
    """Every document the method requires or produces, with the file filed for it (officials)."""
    from ggzy.procedures.archive import checklist

    with platform_of(request).read() as conn:
        p = get_project(conn, code)
        if not views.is_official(account, p, conn):
            raise forbidden(
                "归档清单仅限招标人、代理机构、交易中心和监督部门查看",
                "the archive checklist is for the project's officials",
            )
        items = checklist(conn, p)
    missing = [i for i in items if i["required"] and i["status"] == "not-provided"]
    return {"project": p["code"], "method": p["method"], "items": items, "missing": missing}


@router.get(
    "/projects/{code}/evidence",
    tags=["projects"],
    summary="围标串标线索：投标留存证据及相同特征 / collusion-screening evidence",
)
def project_evidence(code: str, request: Request, account: Caller) -> dict[str, Any]:
    """Per bidder what was kept at submission and opening, and the values bidders share.

    For regulators; the tenderee's side sees it only after the opening (who bid is secret
    until then, 招标投标法 art. 22).
    """
    from ggzy.bidding.evidence import screening

    with platform_of(request).read() as conn:
        p = get_project(conn, code)
        opened = p["data"].get("opened_at") is not None
        allowed = account.has_role("regulator") or (opened and views.is_official(account, p, conn))
        if not allowed:
            raise forbidden(
                "投标留存证据仅限监督部门查看（开标后招标人、代理机构和交易中心亦可查看）",
                "collusion evidence is for regulators (and the project's officials after opening)",
            )
        return screening(conn, p["code"])


class NewUpload(BaseModel):
    length: int = Field(gt=0, description="文件总长度（字节） / the file's length in bytes")
    filename: str = Field(default="投标文件.ggzyenv", max_length=255)
    media_type: str = Field(default="application/x-ggzy-envelope", max_length=100)
    project: str | None = Field(
        default=None, max_length=18, description="投标的项目（截止后拒收） / the project bid on"
    )


@router.post(
    "/uploads",
    status_code=201,
    tags=["documents"],
    summary="开始断点续传 / start a resumable upload",
)
def create_upload(body: NewUpload, request: Request, account: Caller) -> dict[str, Any]:
    """Announce a file's length; send it with PATCH at the offset the server gives."""
    from ggzy.bidding import uploads

    platform = platform_of(request)
    with platform.engine.begin() as conn:
        return uploads.create(
            conn,
            platform.documents,
            account.actor,
            length=body.length,
            filename=body.filename,
            media_type=body.media_type,
            project=body.project.strip().upper() if body.project else None,
            now=platform.clock.now(),
        )


@router.get("/uploads/{upload_id}", tags=["documents"], summary="续传位置 / upload state")
def upload_state(upload_id: str, request: Request, account: Caller) -> dict[str, Any]:
    """How many bytes the server holds (the offset to continue from), and the SHA-256 once done."""
    from ggzy.bidding import uploads

    with platform_of(request).read() as conn:
        return uploads.get(conn, upload_id, account.actor)


@router.patch("/uploads/{upload_id}", tags=["documents"], summary="续传一块 / send a chunk")
async def upload_chunk(upload_id: str, request: Request, account: Caller) -> dict[str, Any]:
    """The body is the chunk; `Upload-Offset` says where it goes (the server's offset).

    The body streams straight into the upload's part file under an exclusive lock (memory
    flat, one writer per upload); the new offset is acknowledged only when the chunk is whole.
    """
    import fcntl
    import os as _os

    from starlette.concurrency import run_in_threadpool
    from starlette.requests import ClientDisconnect

    from ggzy.bidding import uploads

    raw = request.headers.get("upload-offset", "")
    if not raw.isdigit():
        raise DomainError(
            "offset-required",
            "请在 Upload-Offset 请求头中给出续传位置（字节）",
            "give the offset in the Upload-Offset header",
        )
    platform = platform_of(request)

    def check() -> dict[str, Any]:
        with platform.read() as conn:
            return uploads.begin(conn, upload_id, account.actor, int(raw), platform.clock.now())

    await run_in_threadpool(check)  # refuse early, before reading the body
    part = uploads.part_file(platform.documents, upload_id)
    fh = await run_in_threadpool(part.open, "r+b")
    try:
        await run_in_threadpool(fcntl.flock, fh.fileno(), fcntl.LOCK_EX)
        state = await run_in_threadpool(check)  # again, under the lock
        written = state["received"]
        await run_in_threadpool(fh.truncate, written)
        fh.seek(written)
        pending = bytearray()  # the socket's small pieces, written 256 KiB at a time
        try:
            async for piece in request.stream():
                if written + len(pending) + len(piece) > state["length"]:
                    await run_in_threadpool(fh.truncate, state["received"])
                    raise uploads.too_long(state)
                pending += piece
                if len(pending) >= 256 << 10:
                    await run_in_threadpool(fh.write, pending)
                    written += len(pending)
                    pending = bytearray()
        except ClientDisconnect:  # a broken connection, not a bug: the chunk is dropped
            await run_in_threadpool(fh.truncate, state["received"])
            raise uploads.disconnected(state) from None
        if pending:
            await run_in_threadpool(fh.write, pending)
            written += len(pending)
        await run_in_threadpool(fh.flush)
        await run_in_threadpool(_os.fsync, fh.fileno())

        def finish() -> dict[str, Any]:
            with platform.engine.begin() as conn:
                return uploads.finish(
                    conn,
                    platform.documents,
                    upload_id,
                    account.actor,
                    state,
                    written,
                    platform.clock.now(),
                )

        return await run_in_threadpool(finish)
    finally:
        fh.close()  # closing releases the lock


@router.get(
    "/guarantees/{code}",
    tags=["projects"],
    summary="电子保函验真 / verify an electronic guarantee by its code",
)
def guarantee(code: str, request: Request) -> dict[str, Any]:
    """Whether a guarantee with this code was lodged, for which project, by which institution."""
    from ggzy.bidding.bonds import verify_guarantee

    with platform_of(request).read() as conn:
        found = verify_guarantee(conn, code.strip()[:64])
    if not found["found"]:
        raise not_found(f"编号为 {code} 的电子保函", f"guarantee {code}")
    return found


@router.get("/projects/{code}/questions", tags=["projects"], summary="疑问 / questions")
def project_questions(code: str, request: Request, account: Caller) -> list[dict[str, Any]]:
    with platform_of(request).read() as conn:
        return views.questions_view(conn, get_project(conn, code), account)


@router.post(
    "/projects/{code}/actions/{action}",
    tags=["projects"],
    summary="执行交易流程操作 / perform an action of the procedure",
)
def project_action(
    code: str, action: str, body: dict[str, Any], account: Caller, request: Request, fp: Fingerprint
) -> JSONResponse:
    with platform_of(request).read() as conn:
        center = get_project(conn, code)["center"]

    def command(uow: Any) -> dict[str, Any]:
        return perform(uow, account, code, action, body)

    return run_command(request, account.actor, fp, command, status=200, center=center)


# ---------------------------------------------------------------- documents


@router.post(
    "/documents", status_code=201, tags=["documents"], summary="上传文件 / upload a document"
)
def upload(
    request: Request, account: Caller, file: Annotated[UploadFile, File()]
) -> dict[str, Any]:
    platform = platform_of(request)
    sha, size = platform.documents.write_upload(file.file)
    with platform.engine.begin() as conn:
        register_document(
            conn,
            sha,
            size,
            file.filename or sha,
            file.content_type or "application/octet-stream",
            platform.clock.now(),
        )
    return {"sha256": sha, "size": size, "filename": file.filename}


@router.get("/documents/{sha256}", tags=["documents"], summary="下载文件 / download a document")
def download(sha256: str, request: Request, account: MaybeCaller) -> Response:
    platform = platform_of(request)
    sha256 = sha256.lower()
    with platform.read() as conn:
        info = document_info(conn, sha256)
        if info is None or info["sealed"]:
            raise not_found("文件", "document")
        if not _may_download(conn, sha256, account):
            raise forbidden(
                "无权下载该文件（须先获取招标文件）", "you may not download this document"
            )
    data = platform.documents.read(sha256)
    filename = str(info["filename"]).encode("ascii", "ignore").decode() or sha256
    return Response(
        data,
        media_type=str(info["media_type"]),
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _may_download(conn: Any, sha: str, account: Account | None) -> bool:
    from sqlalchemy import select

    rows = conn.execute(
        select(events).where(events.c.documents.like(f'%"{sha}"%')).order_by(events.c.seq)
    )
    for row in rows:
        ev = row_to_event(row)
        if ev.type == "AnnouncementPublished":  # the tender document: holders and officials
            if account is None:
                continue
            p = get_project(conn, ev.subject_id)
            if views.is_official(account, p, conn):
                return True
            from ggzy.bidding.handlers import is_holder

            if is_holder(conn, p["code"], account.entity):
                return True
        elif ev.public or (account is not None and ev.actor == account.actor):
            return True
        elif (
            account is not None
            and ev.subject_type == "project"
            and ev.type not in SEALED_BID_EVENTS
            and views.is_official(account, get_project(conn, ev.subject_id), conn)
        ):  # applications, objections, negotiation records: the project's officials
            return True
    return False


# Who bid stays unknown to the officials until the opening (招标投标法 art. 22).
SEALED_BID_EVENTS = frozenset({"BidSubmitted", "BidWithdrawn"})


# ---------------------------------------------------------------- ledger


@router.get("/ledger/tree-head", tags=["ledger"], summary="最新签名树头 / latest signed tree head")
def tree_head(request: Request) -> dict[str, Any]:
    platform = platform_of(request)
    with platform.read() as conn:
        head = log.latest_head(conn)
    body: dict[str, Any] = (
        head.as_json() if head else {"tree_size": 0, "root_hash": log.EMPTY_ROOT.hex()}
    )
    body["public_key"] = platform.node_key.public_b64()
    body["public_key_algorithm"] = "ed25519"
    return body


@router.get("/ledger/tree-heads", tags=["ledger"], summary="签名树头列表 / signed tree heads")
def tree_heads(
    request: Request, after: int = Query(0, ge=0), limit: int = Query(100, ge=1, le=1000)
) -> list[dict[str, Any]]:
    with platform_of(request).read() as conn:
        return [h.as_json() for h in log.heads_after(conn, after, limit)]


def _head_or_404(conn: Any, size: int) -> log.TreeHead:
    head = log.head_at(conn, size)
    if head is None:
        raise not_found(f"大小为 {size} 的签名树头", f"signed tree head of size {size}")
    return head


@router.get("/ledger/proof/inclusion", tags=["ledger"], summary="包含证明 / inclusion proof")
def inclusion(
    request: Request, seq: int = Query(ge=1), tree_size: int | None = Query(None, ge=1)
) -> dict[str, Any]:
    with platform_of(request).read() as conn:
        latest = log.latest_head(conn)
        size = tree_size or (latest.tree_size if latest else 0)
        if seq > size:
            raise DomainError(
                "out-of-range",
                f"事件 {seq} 不在大小为 {size} 的树中",
                f"event {seq} is not in a tree of size {size}",
                status=400,
            )
        head = _head_or_404(conn, size)
        proof = log.inclusion(conn, seq - 1, size)
        leaf = log.stored_leaf_hash(conn, seq - 1)
    return {
        "seq": seq,
        "leaf_index": seq - 1,
        "tree_size": size,
        "leaf_hash": leaf.hex(),
        "audit_path": [h.hex() for h in proof],
        "tree_head": head.as_json(),
    }


@router.get("/ledger/proof/consistency", tags=["ledger"], summary="一致性证明 / consistency proof")
def consistency(
    request: Request, first: int = Query(ge=1), second: int = Query(ge=1)
) -> dict[str, Any]:
    if first > second:
        raise DomainError(
            "out-of-range", "first 不能大于 second", "first must not exceed second", status=400
        )
    with platform_of(request).read() as conn:
        old, new = _head_or_404(conn, first), _head_or_404(conn, second)
        proof = log.consistency(conn, first, second)
    return {
        "first": first,
        "second": second,
        "consistency": [h.hex() for h in proof],
        "first_head": old.as_json(),
        "second_head": new.as_json(),
    }


@router.get("/ledger/leaves/{seq}", tags=["ledger"], summary="一个事件的叶子 / one event's leaf")
def leaf(seq: int, request: Request, account: MaybeCaller) -> dict[str, Any]:
    from sqlalchemy import select

    with platform_of(request).read() as conn:
        row = conn.execute(select(events).where(events.c.seq == seq)).first()
        if row is None:
            raise not_found(f"事件 {seq}", f"event {seq}")
        ev = row_to_event(row)
        data = ev.canonical()
        body: dict[str, Any] = {
            "seq": seq,
            "leaf_index": seq - 1,
            "leaf_hash": leaf_hash(data).hex(),
            "type": ev.type,
            "public": ev.public,
        }
        if views.may_read_event(conn, ev, account):
            body["leaf_data"] = base64.b64encode(data).decode()
            body["event"] = views.event_json(ev)
    return body


# ---------------------------------------------------------------- calendar


@router.get(
    "/calendar/{year}", tags=["calendar"], summary="工作日历 / working-day calendar of a year"
)
def calendar_year(year: int, request: Request, center: str | None = None) -> dict[str, Any]:
    with platform_of(request).read() as conn:
        cal = calendar_for(conn, center)
    if year not in cal.known_years():
        cal.is_working_day(date(year, 1, 1))  # raises the bilingual "holidays unknown" problem
    start = date(year, 1, 1)
    days = [
        start.replace(month=m, day=d)
        for m in range(1, 13)
        for d in range(1, 32)
        if _valid(year, m, d)
    ]
    rest = [d.isoformat() for d in days if not cal.is_working_day(d)]
    return {
        "year": year,
        "center": center,
        "rest_days": rest,
        "working_days": len(days) - len(rest),
    }


def _valid(y: int, m: int, d: int) -> bool:
    try:
        date(y, m, d)
        return True
    except ValueError:
        return False


class HolidayBody(BaseModel):
    year: int = Field(ge=2000, le=2100)
    holidays: list[date] = Field(max_length=60)
    workdays: list[date] = Field(default_factory=list, max_length=20)
    center: str = Field(default=ALL_CENTERS, max_length=16)


@router.post(
    "/calendar/holidays",
    status_code=201,
    tags=["calendar"],
    summary="补充法定节假日安排 / declare a year's holidays",
)
def add_holidays(
    body: HolidayBody, account: Caller, request: Request, fp: Fingerprint
) -> JSONResponse:
    if not (
        account.has_role("platform_admin")
        or (account.has_role("center_staff") and body.center == account.center)
    ):
        raise forbidden(
            "仅平台管理员或本中心工作人员可补充节假日",
            "only administrators or the center's staff may declare holidays",
        )

    def command(uow: Any) -> dict[str, Any]:
        return declare_holidays(uow, body.year, body.holidays, body.workdays, body.center)

    return run_command(request, account.actor, fp, command)


_ = WorkingCalendar  # the calendar type answered by calendar_for
