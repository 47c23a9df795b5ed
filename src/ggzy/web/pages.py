"""Server-rendered pages, Chinese first (zh-CN) with English second labels.

Routes are thin. A GET reads through the domain's public functions and renders a template from
templates/. A POST checks the CSRF token (double submit: the random `ggzy_csrf` cookie must
equal the form's hidden `csrf_token`, compared in constant time), runs the same engine action as
the JSON API in one command, and redirects (303) with a flash message; a refusal re-renders the
page with the message in both languages and the refusal's 4xx status.

    GET  /                          portal: notices, projects in bidding, centers, tree head
    GET  /projects                  projects, filtered by center and stage
    GET  /projects/{code}           one project; the signed-in caller's actions as forms
    POST /projects/{code}/act/{a}   perform action a of the project's method
    GET  /projects/{code}/evaluation  评标工作台 (committee members and officials only)
    GET  /login, POST /login        session sign-in;  POST /logout
    POST /login/certificate         session sign-in with a certificate (signed challenge)
    GET  /workspace                 the caller's projects and forms
    POST /workspace/projects        register a project;  POST /workspace/documents  upload
    GET  /ledger                    signed tree head, how to verify, leaf and proof lookup
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from ggzy.bidding.handlers import bids_of, projects_of_bidder
from ggzy.bootstrap import Platform
from ggzy.core.calendar import SHANGHAI, format_shanghai
from ggzy.core.documents import document_info, register_document
from ggzy.core.errors import DomainError, forbidden, not_found
from ggzy.core.money import format_yuan, to_capitals
from ggzy.core.uow import UnitOfWork
from ggzy.evaluation import workbench
from ggzy.ledger import leaf_hash, log, verify_inclusion
from ggzy.pki import login as login_challenge
from ggzy.procedures import views
from ggzy.procedures.declaration import Field, Procedure
from ggzy.procedures.engine import get_procedure, get_project, list_projects, perform
from ggzy.registry import handlers as registry
from ggzy.registry.handlers import SESSION_TTL, Account
from ggzy.web import api
from ggzy.web.auth import (
    SESSION_COOKIE,
    client_ip,
    optional_account,
    platform_of,
    request_origin,
)

router = APIRouter(include_in_schema=False)

PLATFORM_NAME = "公共资源交易平台（武汉都市圈）· OpenGGZY"
CSRF_COOKIE = "ggzy_csrf"
CSRF_FIELD = "csrf_token"
FLASH_COOKIE = "ggzy_flash"
MAX_FORM_FILES = 10
NAV = (
    ("/", "首页", "Home"),
    ("/projects", "项目", "Projects"),
    ("/schedule", "排期", "Schedule"),
    ("/workspace", "工作台", "Workspace"),
    ("/ledger", "存证账本", "Ledger"),
    ("/laws", "法规", "Laws"),
)
# Kinds of public notice (公告) on the portal: event type -> (中文, English, css class).
NOTICE_KINDS = {
    "AnnouncementPublished": ("招标公告", "tender notice", "notice"),
    "ClarificationIssued": ("澄清", "clarification", "clarify"),
    "BidsOpened": ("开标记录", "opening record", "opened"),
    "TenderFailed": ("流标公告", "failed tender", "failed"),
    "CandidatesPublicized": ("中标候选人公示", "candidates", "candidates"),
    "AwardNoticeIssued": ("中标结果", "award result", "award"),
}
# Labels of the public project data (project_view()["dates"]); declared fields label the rest.
FACT_LABELS = {
    "registered_at": ("登记时间", "registered"),
    "announced_at": ("公告发布时间", "announced"),
    "doc_sale_start": ("招标文件获取开始", "documents on sale from"),
    "doc_sale_end": ("招标文件获取截止", "documents on sale until"),
    "bid_deadline": ("投标截止时间", "bid deadline"),
    "opening_at": ("开标时间", "opening"),
    "opened_at": ("实际开标时间", "opened"),
    "decrypt_until": ("解密截止时间", "decryption deadline"),
    "decrypted_at": ("解密唱标完成时间", "decryption completed"),
    "failed_at": ("流标时间", "failed"),
    "evaluated_at": ("评标完成时间", "evaluated"),
    "publicity_start": ("公示开始", "publicity from"),
    "publicity_end": ("公示截止", "publicity until"),
    "awarded_at": ("中标通知书发出时间", "award notice issued"),
    "contract_due": ("合同签订期限", "contract due by"),
    "plan_approved_at": ("采购计划核准时间", "procurement plan approved"),
    "pq_announced_at": ("资格预审公告发布时间", "prequalification notice"),
    "pq_sale_start": ("资格预审文件获取开始", "PQ documents from"),
    "pq_sale_end": ("资格预审文件获取截止", "PQ documents until"),
    "pq_deadline": ("资格预审申请截止", "PQ applications due"),
    "pq_reviewed_at": ("资格审查完成时间", "prequalification reviewed"),
    "invited_at": ("投标邀请书发出时间", "invitations sent"),
    "drawn_at": ("随机抽取供应商时间", "suppliers drawn"),
    "contract_signed_at": ("合同签订时间", "contract signed"),
    "contract_published_at": ("合同公告时间", "contract published"),
    "accepted_at": ("验收时间", "accepted"),
    "terminated_at": ("终止时间", "terminated"),
    "bid_bond": ("投标保证金", "bid bond"),
    "max_price": ("最高投标限价", "maximum bid price"),
    "award_price": ("中标价", "award price"),
    "state_capital": ("国有资金占控股或主导地位", "state-funded"),
    "investment_code": ("投资项目统一代码", "investment project code"),
    "description": ("项目概况", "description"),
}
MONEY_KEYS = frozenset({"bid_bond", "max_price", "award_price"})
# Public dates of the opening that project_view does not list (the OpeningStarted and BidsOpened
# events that set them are public).
OPENING_DATES = ("decrypt_until", "decrypted_at")
# How bids were sealed and are opened, shown above the forms: action -> (中文, English).
ACTION_HELP = {
    "submit_bid": (
        "在本地用投标工具（ggzy bid package → ggzy bid seal）生成密封文件并签名，"
        "平台无法读取投标内容",
        "seal and sign the bid on your own computer with the bid tool "
        "(ggzy bid package → ggzy bid seal); the platform cannot read it",
    ),
    "decrypt_bid": (
        "在本地用 ggzy bid unwrap 得到内容密钥后提交",
        "get the content key on your own computer with `ggzy bid unwrap`, then submit it",
    ),
}
# Long text fields holding a base64 CMS signature: the form also takes a .p7s file for them.
SIGNATURE_FIELDS = frozenset({"signature"})
SIGNATURE_FILE_SUFFIX = ".p7s"
# A bid's status in the decryption (bids.status) -> (中文, English, css class).
DECRYPTION_STATUS = {
    "submitted": ("待解密", "waiting to be decrypted", "pending"),
    "opened": ("已解密", "decrypted", "done"),
    "undecrypted": ("未解密视为撤销", "not decrypted: treated as withdrawn", "lapsed"),
}
HIDDEN_FACTS = frozenset({"winner"})  # shown in the award box with the winner's name
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
CSRF_REFUSED = DomainError(
    "csrf-failed",
    "请求校验失败（CSRF 令牌缺失或不符），请刷新页面后重新提交",
    "request check failed (CSRF token missing or wrong): reload the page and submit again",
    status=403,
)


# ---------------------------------------------------------------- templates


def _beijing(value: Any) -> str:
    """An instant (datetime or ISO text) in Beijing time; plain dates stay as they are."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        if parsed.tzinfo is None:
            return value
        value = parsed
    return format_shanghai(value)


def _yuan(fen: int | None) -> str:
    return "—" if fen is None else format_yuan(int(fen))


def _capitals(fen: int | None) -> str:
    return "" if fen is None else to_capitals(int(fen))


ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(("html",)),
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters.update(beijing=_beijing, yuan=_yuan, capitals=_capitals)
ENV.globals.update(
    platform_name=PLATFORM_NAME,
    nav=NAV,
    notice_kinds=NOTICE_KINDS,
    csrf_field=CSRF_FIELD,
    signature_fields=SIGNATURE_FIELDS,
    signature_file_suffix=SIGNATURE_FILE_SUFFIX,
)


def render(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """Render a page with the common context: user, CSRF token, flash and server time."""
    platform = platform_of(request)
    token = _csrf_token(request)
    flash = _read_flash(request)
    path = request.url.path
    active = next((h for h, _, _ in NAV if path == h or (h != "/" and path.startswith(h))), "")
    html = ENV.get_template(template).render(
        account=optional_account(request),
        csrf=token,
        flash=flash,
        active=active,
        path=path,
        server_time=format_shanghai(platform.clock.now()),
        node_name=platform.settings.node_name,
        node_id=platform.settings.node_id,
        **context,
    )
    response = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
    if request.cookies.get(CSRF_COOKIE) != token:
        _set_cookie(response, request, CSRF_COOKIE, token)
    if flash is not None:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def _error_page(request: Request, exc: DomainError) -> HTMLResponse:
    return render(request, "error.html", status=_status(exc), error=exc)


def _status(exc: DomainError) -> int:
    """A refusal's HTTP status on a page: always a 4xx."""
    return exc.status if 400 <= exc.status < 500 else 409


# ---------------------------------------------------------------- cookies, CSRF, flash


def _set_cookie(
    response: Response, request: Request, name: str, value: str, max_age: int | None = None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=platform_of(request).settings.secure_cookies,
    )


def _csrf_token(request: Request) -> str:
    """The caller's CSRF token: its cookie, or a fresh one set with this response."""
    token = request.cookies.get(CSRF_COOKIE, "")
    if 32 <= len(token) <= 128 and token.isascii():
        return token
    if not getattr(request.state, "csrf", None):
        request.state.csrf = secrets.token_urlsafe(32)
    return str(request.state.csrf)


def _csrf_ok(request: Request, form: FormData) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = form.get(CSRF_FIELD)
    if not cookie or not isinstance(sent, str):
        return False
    return hmac.compare_digest(cookie.encode(), sent.encode())


def _redirect(request: Request, url: str, zh: str, en: str) -> RedirectResponse:
    """303 to url with a flash message shown once on the next page."""
    response = RedirectResponse(url, status_code=303)
    data = json.dumps({"zh": zh, "en": en}, ensure_ascii=False).encode()
    _set_cookie(response, request, FLASH_COOKIE, base64.urlsafe_b64encode(data).decode(), 120)
    return response


def _read_flash(request: Request) -> dict[str, str] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(raw.encode()))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(data, dict):
        return None
    return {"zh": str(data.get("zh", ""))[:500], "en": str(data.get("en", ""))[:500]}


def _safe_next(value: str) -> str:
    """A local path to go to after signing in, or ''."""
    if value.startswith("/") and not value.startswith(("//", "/\\")) and len(value) <= 200:
        return value
    return ""


def _login_redirect(request: Request, target: str) -> RedirectResponse:
    return _redirect(request, f"/login?next={quote(target)}", "请先登录", "please sign in first")


# ---------------------------------------------------------------- form inputs


def _text_values(form: FormData) -> dict[str, str]:
    """The text a user typed, to fill the form again after a refusal."""
    return {k: v for k, v in form.multi_items() if isinstance(v, str) and k != CSRF_FIELD}


def _form_inputs(
    platform: Platform, form: FormData, fields: Sequence[Field]
) -> tuple[dict[str, Any], dict[str, tuple[str, int, str, str]]]:
    """The declared fields' values as the engine takes them, and the files uploaded for them.

    Empty inputs are left out (the engine reports missing required ones); a document field
    takes a file, or else the SHA-256 of a document uploaded before (`<name>.sha256`); a
    signature field takes pasted base64, or else a .p7s file (`<name>.p7s`, DER or PEM).
    """
    raw: dict[str, Any] = {}
    uploads: dict[str, tuple[str, int, str, str]] = {}
    try:
        _read_fields(platform, form, fields, raw, uploads)
    except DomainError:
        _discard_uploads(platform, uploads)
        raise
    return raw, uploads


def _read_fields(
    platform: Platform,
    form: FormData,
    fields: Sequence[Field],
    raw: dict[str, Any],
    uploads: dict[str, tuple[str, int, str, str]],
) -> None:
    for f in fields:
        value = form.get(f.name)
        if f.kind == "document":
            if isinstance(value, UploadFile) and value.filename:
                uploads[f.name] = _store_upload(platform, value)
            elif isinstance(sha := form.get(f"{f.name}.sha256"), str) and sha.strip():
                raw[f.name] = sha.strip()
            continue
        if f.name in SIGNATURE_FIELDS and not (isinstance(value, str) and value.strip()):
            file = form.get(f.name + SIGNATURE_FILE_SUFFIX)
            if isinstance(file, UploadFile) and file.filename:
                value = _signature_file(f, file)
        if not isinstance(value, str) or not value.strip():
            continue
        raw[f.name] = _json_input(f, value) if f.kind == "json" else value


def _json_input(f: Field, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise DomainError(
            "invalid-field", f"{f.zh}须为合法的 JSON", f"{f.en} must be valid JSON", field=f.name
        ) from None


def _signature_file(f: Field, file: UploadFile) -> str:
    """A .p7s signature file as the base64 text the signature field takes (DER or PEM in)."""
    limit = f.max_len or 100_000
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise DomainError(
            "file-too-large",
            f"{f.zh}文件过大",
            f"the {f.en} file is too large",
            field=f.name,
            status=413,
        )
    if data.lstrip().startswith(b"-----BEGIN"):  # PEM: keep the base64 between the armour lines
        lines = data.decode("ascii", "replace").splitlines()
        return "".join(line.strip() for line in lines if line.strip() and "-----" not in line)
    try:
        text = data.decode("ascii").strip()
        base64.b64decode(text, validate=True)
    except (UnicodeDecodeError, binascii.Error, ValueError):
        return base64.b64encode(data).decode()  # DER
    return "".join(text.split())


def _store_upload(platform: Platform, file: UploadFile) -> tuple[str, int, str, str]:
    """Write an uploaded file to the document store: (sha256, size, filename, media type)."""
    sha, size = platform.documents.write_upload(file.file)
    name = file.filename or sha
    return sha, size, name, file.content_type or "application/octet-stream"


def _register_uploads(
    uow: UnitOfWork, uploads: dict[str, tuple[str, int, str, str]]
) -> dict[str, str]:
    """Record uploaded files in the command's transaction; returns field -> SHA-256."""
    for sha, size, name, media in uploads.values():
        register_document(uow.conn, sha, size, name, media, uow.now)
    return {field: upload[0] for field, upload in uploads.items()}


def _discard_uploads(platform: Platform, uploads: dict[str, tuple[str, int, str, str]]) -> None:
    """After a refusal: remove the files of this request that no document record refers to."""
    if not uploads:
        return
    with platform.read() as conn:
        orphans = [u[0] for u in uploads.values() if document_info(conn, u[0]) is None]
    for sha in orphans:
        platform.documents.path(sha).unlink(missing_ok=True)


# ---------------------------------------------------------------- portal


@router.get("/", response_class=HTMLResponse)
def portal(request: Request) -> HTMLResponse:
    """门户: latest notices, projects in bidding, the centers and the ledger's tree head."""
    platform = platform_of(request)
    account = optional_account(request)
    with platform.read() as conn:
        model = _portal_model(conn, account)
        head = _head_view(platform, log.latest_head(conn))
    return render(request, "portal.html", head=head, **model)


def _portal_model(conn: Connection, account: Account | None) -> dict[str, Any]:
    projects = list_projects(conn, limit=1000)
    titles = {p["code"]: p["title"] for p in projects}
    notices = views.public_notices(conn, limit=15)
    for notice in notices:
        code = notice["subject"]["id"]
        if code not in titles:
            titles[code] = get_project(conn, code)["title"]
        notice["title"] = titles[code]
    bidding = [views.project_view(conn, p, account) for p in projects if p["stage"] == "bidding"]
    bidding.sort(key=lambda v: v["dates"].get("bid_deadline") or "")
    counts = Counter(p["center"] for p in projects)
    centers = [{**c, "projects": counts[c["code"]]} for c in registry.list_centers(conn)]
    return {
        "notices": notices,
        "bidding": bidding[:12],
        "centers": centers,
        "stats": {"projects": len(projects), "bidding": len(bidding), "centers": len(centers)},
    }


def _head_view(platform: Platform, head: log.TreeHead | None) -> dict[str, Any]:
    body: dict[str, Any] = (
        head.as_json() if head else {"tree_size": 0, "root_hash": log.EMPTY_ROOT.hex()}
    )
    body["public_key"] = platform.node_key.public_b64()
    body["key_id"] = platform.node_key.key_id
    return body


# ---------------------------------------------------------------- projects


@router.get("/projects", response_class=HTMLResponse)
def projects_page(request: Request, center: str = "", stage: str = "") -> HTMLResponse:
    """项目列表, filtered by center and stage."""
    platform = platform_of(request)
    account = optional_account(request)
    with platform.read() as conn:
        found = list_projects(conn, center=center or None, stage=stage or None, limit=200)
        rows = [views.project_view(conn, p, account) for p in found]
        centers = registry.list_centers(conn)
    return render(
        request,
        "projects.html",
        rows=rows,
        centers=centers,
        center_names=_names(centers),
        stages=_all_stages(),
        center=center,
        stage=stage,
    )


def _names(centers: list[dict[str, Any]]) -> dict[str, str]:
    return {c["code"]: c["name"] for c in centers}


def _all_stages() -> list[tuple[str, str, str]]:
    """(name, 中文, English) of every stage of every method, once each."""
    seen: dict[str, tuple[str, str, str]] = {}
    for proc in views.all_procedures():
        for s in proc.stages:
            seen.setdefault(s.name, (s.name, s.zh, s.en))
    return list(seen.values())


@router.get("/schedule", response_class=HTMLResponse)
def schedule_page(
    request: Request, method: str = "", start: str = "", center: str = ""
) -> HTMLResponse:
    """排期：the legal timeline of a method from a start day, for a center."""
    from datetime import date

    from ggzy.procedures.engine import calendar_for
    from ggzy.procedures.schedule import plan

    platform = platform_of(request)
    methods = [p for p in views.all_procedures() if p.schedule]
    with platform.read() as conn:
        centers = registry.list_centers(conn)
        chosen_center = center or (centers[0]["code"] if centers else "")
        today = platform.clock.now().astimezone(SHANGHAI).date()
        context: dict[str, Any] = {
            "methods": methods,
            "centers": centers,
            "method": method or (methods[0].code if methods else ""),
            "center": chosen_center,
            "start": start or today.isoformat(),
            "result": None,
            "error": None,
        }
        if method and start:
            try:
                try:
                    day = date.fromisoformat(start)
                except ValueError:
                    raise DomainError(
                        "invalid-date",
                        f"开始日期“{start}”不是有效日期（YYYY-MM-DD）",
                        f"the start day {start!r} is not a date (YYYY-MM-DD)",
                    ) from None
                proc = get_procedure(method)
                registry.get_center(conn, chosen_center)
                calendar = calendar_for(conn, chosen_center)
                result = plan(proc, day, chosen_center, calendar).to_dict(calendar)
                result["timeline"] = sorted(
                    result["milestones"], key=lambda m: (m["date"], m["latest"] is not None)
                )
                context["result"] = result
            except DomainError as exc:
                context["error"] = exc
                return render(request, "schedule.html", status=_status(exc), **context)
    return render(request, "schedule.html", **context)


@router.get("/projects/{code}", response_class=HTMLResponse)
def project_page(request: Request, code: str) -> HTMLResponse:
    """项目详情: facts, dates, timeline, opened bids, candidates, result, the caller's actions."""
    try:
        return _render_project(request, code)
    except DomainError as exc:
        return _error_page(request, exc)


def _render_project(
    request: Request,
    code: str,
    *,
    status: int = 200,
    error: DomainError | None = None,
    failed_action: str = "",
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    platform = platform_of(request)
    account = optional_account(request)
    with platform.read() as conn:
        model = _project_model(conn, code, account, platform.clock.now())
    return render(
        request,
        "project.html",
        status=status,
        error=error,
        failed_action=failed_action,
        values=values or {},
        **model,
    )


def _project_model(
    conn: Connection, code: str, account: Account | None, now: datetime
) -> dict[str, Any]:
    project = get_project(conn, code)
    proc = get_procedure(project["method"])
    view = views.project_view(conn, project, account)
    timeline = views.timeline(conn, project["code"], account)
    official = views.is_official(account, project, conn)
    my = view.get("my") or {}
    if my.get("bid"):
        bid = my["bid"]
        bid["receipt_url"] = f"/api/v1/projects/{quote(project['code'])}/bids/{bid['seq']}/receipt"
    dates = dict(view["dates"])
    dates.update({k: project["data"][k] for k in OPENING_DATES if project["data"].get(k)})
    actions = [_with_help(a) for a in views.available_actions(conn, account, project)]
    return {
        "p": view,
        "center": registry.get_center(conn, project["center"]),
        "steps": _steps(proc, project["stage"]),
        "facts": _facts(dates, proc),
        "timeline": timeline,
        "decryption": decryption_status(conn, project, now),
        "bids": [_opening_record(b) for b in views.opened_bids(conn, project)],
        "actions": actions,
        "archive": _archive(conn, project) if official else None,
        "browser_seal": _browser_seal(conn, project, account, actions),
        "questions": views.questions_view(conn, project, account),
        "award": _last_payload(timeline, "AwardNoticeIssued"),
        "failure": _last_payload(timeline, "TenderFailed"),
        "official": official,
        "may_download": bool(view["tender_document"]) and (official or bool(my.get("holder"))),
        "hall_open": proc.action("open_bids") is not None
        and project["stage"] in ("bidding", "decrypting", "opened", "failed"),
        "evaluation_link": _evaluation_link(conn, account, project["code"]),
    }


def _browser_seal(
    conn: Connection,
    project: dict[str, Any],
    account: Account | None,
    actions: list[dict[str, Any]],
) -> dict[str, Any] | None:
    """What bid-page.js needs to seal a bid in the browser (在浏览器中加密并递交), or None.

    Only for a bidder that may submit now (stage bidding); "ok" is False unless its bound
    encryption certificate is ECDSA P-256 (WebCrypto's ECDH), when the page points to
    `ggzy bid seal` instead. Keys are SPKI DER in base64; custody: a custody key's fingerprint.
    """
    if account is None or not account.entity or project["stage"] != "bidding":
        return None
    if not any(a.get("name") == "submit_bid" for a in actions):
        return None
    from ggzy.pki.bindings import certificates_of
    from ggzy.pki.certs import parse_certificate
    from ggzy.pki.custody import custody_of

    found = certificates_of(conn, account.entity, "encrypt")
    if not found or found[0].get("algorithm") != "ecdsa-p256":
        return {"ok": False}
    info = parse_certificate(found[0]["pem"])
    opening = (project["data"].get("opening_key") or {}).get("public_pem")
    custody = custody_of(conn, account.username)
    return {
        "ok": True,
        "spki": base64.b64encode(info.spki_der).decode(),
        "certificate": base64.b64encode(info.der).decode(),
        "opening_spki": _spki_of_pem(opening) if opening else "",
        "bidder": account.entity,
        "project": project["code"],
        "custody": custody[0].fingerprint if custody else "",
    }


def _spki_of_pem(pem: str) -> str:
    """A PEM public key's SubjectPublicKeyInfo DER, base64."""
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_public_key(pem.encode())
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def decryption_status(
    conn: Connection, project: dict[str, Any], now: datetime
) -> dict[str, Any] | None:
    """The public state of the remote decryption (开标解密), or None before the opening.

    Who bid is public from the opening on (the OpeningStarted event lists them); each bid shows
    待解密, 已解密 or 未解密视为撤销, with the deadline of the window and the time left.
    """
    data = project["data"]
    if not data.get("opened_at"):
        return None
    rows = bids_of(conn, project["code"], tuple(DECRYPTION_STATUS))
    names: dict[str, str] = {}
    bidders = []
    for row in rows:
        code = row["bidder"]
        if code not in names:
            entity = registry.find_entity(conn, code)
            names[code] = entity["name"] if entity else code
        zh, en, css = DECRYPTION_STATUS[row["status"]]
        opened = row["opened"] or {}
        bidders.append(
            {
                "seq": row["seq"],
                "bidder": code,
                "bidder_name": names[code],
                "status": row["status"],
                "status_zh": zh,
                "status_en": en,
                "css": css,
                "decrypted_by": opened.get("decrypted_by"),
            }
        )
    until_text = data.get("decrypt_until")
    until = datetime.fromisoformat(until_text) if until_text else None
    window_open = project["stage"] == "decrypting" and until is not None and now < until
    left = int((until - now).total_seconds()) if window_open and until is not None else 0
    return {
        "decrypt_until": until_text,
        "open": window_open,
        "in_stage": project["stage"] == "decrypting",
        "seconds_left": left,
        "left_zh": _duration_zh(left),
        "left_en": _duration_en(left),
        "bidders": bidders,
        "counts": Counter(b["status"] for b in bidders),
    }


def _duration_zh(seconds: int) -> str:
    minutes, sec = divmod(max(seconds, 0), 60)
    hours, minutes = divmod(minutes, 60)
    text = f"{hours} 小时 " if hours else ""
    return f"{text}{minutes} 分 {sec} 秒"


def _duration_en(seconds: int) -> str:
    minutes, sec = divmod(max(seconds, 0), 60)
    hours, minutes = divmod(minutes, 60)
    return (f"{hours} h " if hours else "") + f"{minutes} min {sec} s"


def _opening_record(record: dict[str, Any]) -> dict[str, Any]:
    """A bid's reading (唱标) with its checks: the bid letter's signature and any problems."""
    signature = record.get("signature") or {}
    problems = [str(p) for p in record.get("problems") or []]
    valid = bool(record.get("valid", not problems))
    return {
        **record,
        "valid": valid,
        "problems": problems,
        "signer": signature.get("subject") or "",
        "signature_algorithm": signature.get("algorithm") or "",
        "signed_at": signature.get("signed_at"),
    }


def _archive(conn: Connection, project: dict[str, Any]) -> list[dict[str, Any]]:
    """The archive checklist (归档清单) for the project's officials."""
    from ggzy.procedures.archive import checklist

    return checklist(conn, project)


def _with_help(action: dict[str, Any]) -> dict[str, Any]:
    """An action's schema with its help text for the form, if any."""
    zh, en = ACTION_HELP.get(action["name"], ("", ""))
    return {**action, "help_zh": zh, "help_en": en}


def _steps(proc: Procedure, current: str) -> list[dict[str, str]]:
    """The stages as a progress line: the ordinary ones, then the final one reached or next."""
    now = proc.stage(current)
    shown = [s for s in proc.stages if not s.final]
    final = now if now.final else next((s for s in proc.stages if s.final), None)
    if final is not None:
        shown.append(final)
    at = next(i for i, s in enumerate(shown) if s.name == current)
    return [
        {"zh": s.zh, "en": s.en, "state": "done" if i < at else "current" if i == at else "todo"}
        for i, s in enumerate(shown)
    ]


def _facts(data: dict[str, Any], proc: Procedure) -> dict[str, list[dict[str, Any]]]:
    """A project's public data as labelled times (sorted), amounts and other facts."""
    declared = {f.name: f for a in proc.actions for f in a.fields}
    times, amounts, other = [], [], []
    for key, value in data.items():
        if value is None or key in HIDDEN_FACTS:
            continue
        field = declared.get(key)
        zh, en = FACT_LABELS.get(key) or ((field.zh, field.en) if field else (key, key))
        item = {"key": key, "zh": zh, "en": en, "value": value}
        if key in MONEY_KEYS or (field is not None and field.kind == "money"):
            amounts.append(item)
        elif isinstance(value, str) and _is_time(value):
            times.append(item)
        else:
            other.append(item)
    order = list(FACT_LABELS)
    times.sort(
        key=lambda t: (_sort_time(t["value"]), order.index(t["key"]) if t["key"] in order else 99)
    )
    return {"times": times, "amounts": amounts, "other": other}


def _is_time(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _sort_time(text: str) -> str:
    value = datetime.fromisoformat(text)
    return format_shanghai(value) if value.tzinfo else text


def _last_payload(timeline: list[dict[str, Any]], event: str) -> dict[str, Any] | None:
    found = [e for e in timeline if e["type"] == event]
    return found[-1]["payload"] if found else None


@router.post("/projects/{code}/act/{action}", response_class=HTMLResponse)
async def project_act(request: Request, code: str, action: str) -> Response:
    """Perform one action of the project's method from its form."""
    form = await request.form(max_files=MAX_FORM_FILES)
    try:
        return await run_in_threadpool(_project_act, request, form, code, action)
    finally:
        await form.close()


def _project_act(request: Request, form: FormData, code: str, action: str) -> Response:
    if not _csrf_ok(request, form):
        return _error_page(request, CSRF_REFUSED)
    account = optional_account(request)
    if account is None:
        return _login_redirect(request, f"/projects/{quote(code)}")
    platform = platform_of(request)
    uploads: dict[str, tuple[str, int, str, str]] = {}
    try:
        with platform.read() as conn:
            project = get_project(conn, code)
        declared = get_procedure(project["method"]).action(action)
        if declared is None or declared.creates:
            raise not_found(f"操作 {action}", f"action {action}")
        raw, uploads = _form_inputs(platform, form, declared.fields)
        with platform.command(account.actor, project["center"], request_origin(request)) as uow:
            raw.update(_register_uploads(uow, uploads))
            result = perform(uow, account, project["code"], action, raw)
    except DomainError as exc:
        _discard_uploads(platform, uploads)
        try:
            return _render_project(
                request,
                code,
                status=_status(exc),
                error=exc,
                failed_action=action,
                values=_text_values(form),
            )
        except DomainError as missing:
            return _error_page(request, missing)
    seq = result["seq"]
    back = "/hall" if form.get("return_to") == "hall" else ""  # a form in the opening hall
    return _redirect(
        request,
        f"/projects/{quote(project['code'])}{back}",
        f"已完成：{declared.zh}（存证事件 #{seq}）",
        f"done: {declared.en} (evidence event #{seq})",
    )


# ---------------------------------------------------------------- laws and regulations


@router.get("/laws", response_class=HTMLResponse)
def laws_page(request: Request, q: str = "") -> HTMLResponse:
    """法律法规库: search the laws, and see what the platform enforces under each article."""
    from ggzy import laws

    query = q.strip()[:100]
    return render(request, "laws.html", q=query, results=laws.search(query))


# ---------------------------------------------------------------- publishing (信息发布)


def _publishing_staff(account: Account | None) -> bool:
    return account is not None and bool({"center_staff", "platform_admin"} & set(account.roles))


@router.get("/publishing", response_class=HTMLResponse)
def publishing_page(request: Request) -> Response:
    """信息发布: the media, each notice's deliveries, and the dead letters (staff only)."""
    from ggzy.exchange import media

    account = optional_account(request)
    if account is None:
        return _login_redirect(request, "/publishing")
    if not _publishing_staff(account):
        return _error_page(
            request,
            forbidden("仅交易中心与平台管理员可查看", "center staff and administrators only"),
        )
    with platform_of(request).read() as conn:
        return render(
            request,
            "publishing.html",
            media_list=media.list_media(conn),
            dead=media.deliveries_of(conn, status="dead"),
            failed=media.deliveries_of(conn, status="failed"),
            delivered=media.deliveries_of(conn, status="delivered")[-50:],
            admin=account.has_role("platform_admin"),
        )


@router.post("/publishing/retry/{delivery}", response_class=HTMLResponse)
async def publishing_retry(request: Request, delivery: str) -> Response:
    """Send a dead letter again at the next round (platform administrators)."""
    from ggzy.exchange import media

    form = await request.form()
    if not _csrf_ok(request, form):
        return _error_page(request, CSRF_REFUSED)
    account = optional_account(request)
    if account is None or not account.has_role("platform_admin"):
        return _error_page(request, forbidden("仅平台管理员可重发", "administrators only"))
    platform = platform_of(request)
    try:
        with platform.engine.begin() as conn:
            media.retry(conn, delivery, platform.clock.now())
    except DomainError as exc:
        return _error_page(request, exc)
    return _redirect(request, "/publishing", "已安排重发", "queued to be sent again")


# ---------------------------------------------------------------- the opening hall

HALL_ACTIONS = (  # what a participant does in the opening hall, in the order of the opening
    "sign_in_opening",
    "open_bids",
    "decrypt_bid",
    "submit_opening_share",
    "finish_opening",
    "raise_objection",
    "answer_objection",
    "sign_document",
)
HALL_PHASES = {
    "waiting": ("等待开标", "waiting for the opening"),
    "decrypting": ("开标中：远程解密", "opening: remote decryption"),
    "opened": ("唱标完成", "bids read out"),
    "failed": ("流标", "failed"),
    "other": ("未在开标阶段", "not at the opening stage"),
}


@router.get("/projects/{code}/hall", response_class=HTMLResponse)
def hall_page(request: Request, code: str) -> HTMLResponse:
    """开标大厅: countdown, sign-in, decryption statuses, 唱标, objections, signatures, live."""
    from ggzy.bidding.hall import STATUS, hall_view, load_hall, sign_in_statement

    platform = platform_of(request)
    account = optional_account(request)
    try:
        with platform.read() as conn:
            project = get_project(conn, code)
            official = views.is_official(account, project, conn)
            entity = account.entity if account else None
            h = hall_view(load_hall(conn, project["code"]), official=official, entity=entity)
            available = {a["name"]: a for a in views.available_actions(conn, account, project)}
    except DomainError as exc:
        return _error_page(request, exc)
    actions = [_with_help(available[n]) for n in HALL_ACTIONS if n in available]
    statement, custody = None, ""
    if "sign_in_opening" in available and entity and (h.get("mine") or {}).get("submitted_at"):
        statement = sign_in_statement(project["code"], entity).decode()
        custody = _custody_fingerprint(platform, account)
    return render(
        request,
        "hall.html",
        h=h,
        actions=actions,
        statement=statement,
        custody=custody,
        phases=HALL_PHASES,
        statuses=STATUS,
        server_now=platform.clock.now().isoformat(),
    )


def _custody_fingerprint(platform: Any, account: Account | None) -> str:
    """The fingerprint of the account's custody signing key (去介质), or ""."""
    from ggzy.pki.custody import custody_of

    if account is None:
        return ""
    with platform.read() as conn:
        found = custody_of(conn, account.username)
    return found[0].fingerprint if found else ""


# ---------------------------------------------------------------- the evaluation workbench

EVALUATION_PHASES = {
    "qualification": ("签到与资格和符合性审查", "check-in and qualification review"),
    "scoring": ("独立评分", "scoring, each expert alone"),
    "summary": ("评分汇总与异常低价审查", "totals and abnormally low prices"),
    "report": ("评标报告待签署", "the report awaits the members' signatures"),
    "signed": ("评标报告已全部签署", "the report is signed by every member"),
}
ABNORMAL_TRIGGERS = {
    "mean": ("明显低于其他有效投标报价的平均值", "far below the mean of the valid prices"),
    "second_lowest": ("明显低于次低报价", "far below the second lowest price"),
    "max_price": ("明显低于最高投标限价", "far below the maximum price"),
}
ABNORMAL_DECISIONS = {
    "pending": ("待认定", "awaiting the committee's decision"),
    "explained": ("说明合理，保留", "explained: kept"),
    "rejected": ("不能证明合理，按无效投标处理", "not justified: rejected"),
}
FACTOR_KINDS = {"technical": ("技术", "technical"), "business": ("商务", "business")}
OFFICIAL_ROLES = ("center_staff", "platform_admin", "regulator")


@router.get("/projects/{code}/evaluation", response_class=HTMLResponse)
def evaluation_page(request: Request, code: str) -> Response:
    """评标工作台: check-in, bids, qualification, scoring, totals, report and signatures."""
    platform = platform_of(request)
    account = optional_account(request)
    if account is None:
        return _login_redirect(request, f"/projects/{quote(code)}/evaluation")
    project: dict[str, Any] | None = None
    try:
        with platform.read() as conn:
            project = get_project(conn, code)
            model = _evaluation_model(conn, account, project)
    except DomainError as exc:
        if exc.code == "not-opened" and project is not None:
            return render(
                request, "evaluation.html", status=_status(exc), project=project, not_opened=exc
            )
        return _error_page(request, exc)
    custody = _custody_fingerprint(platform, account) if model["me"] else ""
    return render(request, "evaluation.html", project=project, custody=custody, **model)


def _evaluation_model(
    conn: Connection, account: Account, project: dict[str, Any]
) -> dict[str, Any]:
    """What the workbench shows this caller: members see their own part by label only."""
    code = project["code"]
    progress = workbench.progress(conn, account, code)  # 409 unopened, 403 for outsiders
    me = workbench.member_view(conn, code, account) if progress["me"] else None
    staff = me is None and (account.has_role("center_staff") or account.has_role("platform_admin"))
    s = workbench.opened_state(conn, code)
    scheme = progress["scheme"]
    factors = [
        {**f, "kind_zh": FACTOR_KINDS.get(f.get("kind", ""), ("", ""))}
        for f in scheme.get("factors") or []
    ]
    members = progress["members"] = sorted(
        progress["members"], key=lambda m: (len(m["label"]), m["label"])
    )  # 专家1, 专家2, … 专家10
    summary = None
    if progress["all_scored"] and (staff or (me is not None and me["checked_in"])):
        summary = workbench.summary(conn, account, code)
    pending = [a for a in (summary or {}).get("abnormal", []) if a["decision"] == "pending"]
    concluded = s["concluded"]
    return {
        "ev": progress,
        "me": me,
        "staff": staff,
        "phase": _evaluation_phase(progress),
        "factors": factors,
        "params": scheme.get("params") or {},
        "names": workbench.bidder_names(conn, code),
        "declaration": (
            workbench.declaration_text(conn, code, account)
            if me is not None and not me["checked_in"] and not progress["concluded"]
            else None
        ),
        "waiting": {
            key: [m["label"] for m in members if not m[key]]
            for key in ("checked_in", "qualification", "scored", "signed")
        },
        "summary": summary,
        "pending": pending,
        "ready": staff and progress["all_scored"] and not pending and not concluded,
        "candidates": concluded["candidates"] if concluded else [],
        "phases": EVALUATION_PHASES,
        "triggers": ABNORMAL_TRIGGERS,
        "decisions": ABNORMAL_DECISIONS,
    }


def _evaluation_phase(progress: dict[str, Any]) -> str:
    """Where the evaluation stands, a key of EVALUATION_PHASES."""
    if progress["concluded"]:
        return "signed" if all(m["signed"] for m in progress["members"]) else "report"
    if progress["all_scored"]:
        return "summary"
    if progress["qualified"] is not None:
        return "scoring"
    return "qualification"


def _evaluation_link(conn: Connection, account: Account | None, code: str) -> bool:
    """Link the workbench: opened, and the caller an official or on the committee."""
    if account is None or workbench.state(conn, code) is None:
        return False
    if any(account.has_role(r) for r in OFFICIAL_ROLES):
        return True
    try:
        workbench.member_view(conn, code, account)
    except DomainError:
        return False
    return True


def _expert_evaluations(conn: Connection, account: Account) -> list[dict[str, Any]]:
    """我的评标安排: the expert's committees, newest day first, with its project's title."""
    from sqlalchemy import select

    from ggzy.evaluation.tables import experts
    from ggzy.evaluation.venues import assignments_of

    row = conn.execute(select(experts.c.id).where(experts.c.username == account.username)).first()
    if row is None:
        return []
    out, seen = [], set()
    for a in sorted(assignments_of(conn, row.id), key=lambda a: a["day"], reverse=True):
        if a["project"] in seen:
            continue
        seen.add(a["project"])
        try:
            project = get_project(conn, a["project"])
        except DomainError:
            continue
        out.append(
            {
                **a,
                "title": project["title"],
                "opened": workbench.state(conn, a["project"]) is not None,
            }
        )
    return out


# ---------------------------------------------------------------- sign-in


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "") -> HTMLResponse:
    """登录表单: password, or a certificate signing a fresh challenge."""
    return _login_form(request, next=_safe_next(next), username="")


def _login_form(request: Request, *, status: int = 200, **context: Any) -> HTMLResponse:
    """The login page with a fresh single-use certificate sign-in challenge."""
    platform = platform_of(request)
    with platform.engine.begin() as conn:
        challenge = login_challenge.new_challenge(
            conn, platform.settings.node_id, platform.clock.now()
        )
    context.setdefault("cert_username", "")
    return render(request, "login.html", status=status, challenge=challenge, **context)


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    """Check the password, set the session cookie and go to the workspace."""
    form = await request.form(max_files=0)
    return await run_in_threadpool(_login, request, form)


def _login(request: Request, form: FormData) -> Response:
    if not _csrf_ok(request, form):
        return _error_page(request, CSRF_REFUSED)
    username = str(form.get("username") or "").strip()[:64]
    password = str(form.get("password") or "")[:200]
    target = _safe_next(str(form.get("next") or "")) or "/workspace"
    platform = platform_of(request)
    try:
        if not username or not password:
            raise DomainError("missing-field", "请输入用户名和密码", "enter username and password")
        with platform.command(f"account:{username.lower()}"[:64]) as uow:
            account, token = registry.sign_in(
                uow, username, password, kind="session", ip=client_ip(request)
            )
    except DomainError as exc:
        return _login_form(request, status=_status(exc), error=exc, next=target, username=username)
    return _signed_in(request, target, account, token)


def _signed_in(request: Request, target: str, account: Account, token: str) -> Response:
    """Redirect with the session cookie of a fresh sign-in (password or certificate)."""
    response = _redirect(
        request, target, f"欢迎，{account.display_name}", f"welcome, {account.display_name}"
    )
    _set_cookie(response, request, SESSION_COOKIE, token, int(SESSION_TTL.total_seconds()))
    _set_cookie(response, request, CSRF_COOKIE, secrets.token_urlsafe(32))  # new session
    return response


@router.post("/login/certificate", response_class=HTMLResponse)
async def certificate_login(request: Request) -> Response:
    """Check the signed challenge and the certificate, then set the session cookie."""
    form = await request.form(max_files=0)
    return await run_in_threadpool(_certificate_login, request, form)


def _certificate_login(request: Request, form: FormData) -> Response:
    if not _csrf_ok(request, form):
        return _error_page(request, CSRF_REFUSED)
    challenge = str(form.get("challenge") or "").strip()[:100]
    signature = "".join(str(form.get("signature") or "")[:100_000].split())
    username = str(form.get("username") or "").strip()[:64]
    target = _safe_next(str(form.get("next") or "")) or "/workspace"
    platform = platform_of(request)
    try:
        if not challenge or not signature:
            raise DomainError(
                "missing-field",
                "请粘贴对登录挑战的 Base64 签名",
                "paste the base64 signature of the sign-in challenge",
            )
        with platform.command("public:certificate-login") as uow:
            account, token, _status_info = login_challenge.sign_in_with_certificate(
                uow, challenge, signature, username or None, kind="session", ip=client_ip(request)
            )
    except DomainError as exc:
        return _login_form(
            request,
            status=_status(exc),
            error=exc,
            next=target,
            username="",
            cert_username=username,
        )
    return _signed_in(request, target, account, token)


@router.post("/logout", response_class=HTMLResponse)
async def logout(request: Request) -> Response:
    """Revoke the session token and clear the cookie."""
    form = await request.form(max_files=0)
    return await run_in_threadpool(_logout, request, form)


def _logout(request: Request, form: FormData) -> Response:
    if not _csrf_ok(request, form):
        return _error_page(request, CSRF_REFUSED)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with platform_of(request).engine.begin() as conn:
            registry.revoke_token(conn, token)
    response = _redirect(request, "/", "已退出登录", "signed out")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# ---------------------------------------------------------------- workspace


@router.get("/workspace", response_class=HTMLResponse)
def workspace(request: Request) -> Response:
    """工作台: the caller's projects, what to do next, and forms to start new work."""
    account = optional_account(request)
    if account is None:
        return RedirectResponse("/login?next=/workspace", status_code=303)
    return _render_workspace(request, account)


def _render_workspace(
    request: Request,
    account: Account,
    *,
    status: int = 200,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
    failed_method: str = "",
) -> HTMLResponse:
    with platform_of(request).read() as conn:
        model = _workspace_model(conn, account)
    return render(
        request,
        "workspace.html",
        status=status,
        error=error,
        values=values or {},
        failed_method=failed_method,
        **model,
    )


def _workspace_model(conn: Connection, account: Account) -> dict[str, Any]:
    entity = registry.find_entity(conn, account.entity) if account.entity else None
    kinds = set(entity["kinds"]) if entity else set()
    centers = registry.list_centers(conn)
    model: dict[str, Any] = {
        "entity": entity,
        "kind_names": [registry.ENTITY_KINDS[k] for k in sorted(kinds)],
        "role_names": [registry.ACCOUNT_ROLES[r] for r in account.roles],
        "centers": centers,
        "center_names": _names(centers),
        "organised": None,
        "creating": None,
        "mine": None,
        "joinable": None,
        "elsewhere": None,
        "supervised": None,
        "evaluations": _expert_evaluations(conn, account) if account.has_role("expert") else None,
    }
    if kinds & {"tenderee", "agency"}:
        model["organised"] = [
            _with_actions(conn, account, p) for p in list_projects(conn, party=account.entity)
        ]
        model["creating"] = [
            {
                "method": proc.code,
                "zh": proc.zh,
                "en": proc.en,
                "action": views.action_schema(proc.creating_action),
            }
            for proc in views.all_procedures()
        ]
    if "bidder" in kinds:
        from ggzy.exchange.peers import projects_elsewhere

        model["mine"], model["joinable"] = _bidder_projects(conn, account)
        model["elsewhere"] = projects_elsewhere(conn, "bidding")  # 交易一张网
    if {"center_staff", "regulator", "platform_admin"} & set(account.roles):
        found = list_projects(conn, center=account.center or None, limit=500)
        model["supervised"] = [_with_actions(conn, account, p) for p in found]
    return model


def _with_actions(conn: Connection, account: Account, project: dict[str, Any]) -> dict[str, Any]:
    return {
        "view": views.project_view(conn, project, account),
        "actions": views.available_actions(conn, account, project),
    }


def _bidder_projects(
    conn: Connection, account: Account
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Projects the bidder takes part in, and open ones it may join now."""
    taking_part = projects_of_bidder(conn, account.entity or "")
    mine = [_with_actions(conn, account, get_project(conn, code)) for code in sorted(taking_part)]
    joinable = []
    for project in list_projects(conn, stage="bidding", limit=500):
        if project["code"] not in taking_part:
            row = _with_actions(conn, account, project)
            if row["actions"]:
                joinable.append(row)
    return mine, joinable


@router.post("/workspace/projects", response_class=HTMLResponse)
async def create_project(request: Request) -> Response:
    """Register a project under a method from the creating action's form."""
    form = await request.form(max_files=MAX_FORM_FILES)
    try:
        return await run_in_threadpool(_create_project, request, form)
    finally:
        await form.close()


def _create_project(request: Request, form: FormData) -> Response:
    if not _csrf_ok(request, form):
        return _error_page(request, CSRF_REFUSED)
    account = optional_account(request)
    if account is None:
        return _login_redirect(request, "/workspace")
    platform = platform_of(request)
    method = str(form.get("method") or "")
    uploads: dict[str, tuple[str, int, str, str]] = {}
    try:
        action = get_procedure(method).creating_action
        raw, uploads = _form_inputs(platform, form, action.fields)
        center = str(raw.get("center") or "")[:16] or None
        with platform.command(account.actor, center) as uow:
            raw.update(_register_uploads(uow, uploads))
            result = perform(uow, account, None, action.name, raw, method=method)
    except DomainError as exc:
        _discard_uploads(platform, uploads)
        return _render_workspace(
            request,
            account,
            status=_status(exc),
            error=exc,
            values=_text_values(form),
            failed_method=method,
        )
    code = result["code"]
    return _redirect(
        request,
        f"/projects/{quote(code)}",
        f"项目已登记，统一交易标识码 {code}",
        f"project registered, unified deal code {code}",
    )


@router.post("/workspace/documents", response_class=HTMLResponse)
async def upload_document(request: Request) -> Response:
    """Upload a document; the flash message gives its SHA-256 for later forms."""
    form = await request.form(max_files=1)
    try:
        return await run_in_threadpool(_upload_document, request, form)
    finally:
        await form.close()


def _upload_document(request: Request, form: FormData) -> Response:
    if not _csrf_ok(request, form):
        return _error_page(request, CSRF_REFUSED)
    account = optional_account(request)
    if account is None:
        return _login_redirect(request, "/workspace")
    platform = platform_of(request)
    file = form.get("file")
    try:
        if not isinstance(file, UploadFile) or not file.filename:
            raise DomainError("missing-file", "请选择要上传的文件", "choose a file to upload")
        sha, size, name, media = _store_upload(platform, file)
        with platform.engine.begin() as conn:
            register_document(conn, sha, size, name, media, platform.clock.now())
    except DomainError as exc:
        return _render_workspace(request, account, status=_status(exc), error=exc)
    return _redirect(
        request,
        "/workspace",
        f"文件已上传：{name}（{size} 字节），SHA-256：{sha}",
        f"uploaded {name} ({size} bytes), SHA-256: {sha}",
    )


# ---------------------------------------------------------------- ledger


@router.get("/ledger", response_class=HTMLResponse)
def ledger_page(request: Request, seq: str = "") -> HTMLResponse:
    """存证账本: the signed tree head, how to verify it, and a leaf with its inclusion proof."""
    platform = platform_of(request)
    with platform.read() as conn:
        head = _head_view(platform, log.latest_head(conn))
    lookup, error = None, None
    if seq.strip():
        try:
            lookup = _lookup_leaf(request, seq.strip())
        except DomainError as exc:
            error = exc
    return render(
        request,
        "ledger.html",
        status=_status(error) if error else 200,
        error=error,
        head=head,
        lookup=lookup,
        seq=seq.strip()[:20],
        base_url=str(request.base_url).rstrip("/"),
    )


def _lookup_leaf(request: Request, text: str) -> dict[str, Any]:
    """One event's leaf and its inclusion proof (as the API serves them), checked here."""
    if not text.isdigit() or not 0 < int(text) < 2**62:
        raise DomainError(
            "invalid-seq",
            "事件序号须为正整数",
            "the event number must be a positive integer",
            status=400,
        )
    number = int(text)
    proof = api.inclusion(request, seq=number, tree_size=None)
    leaf = api.leaf(number, request, optional_account(request))
    verified = verify_inclusion(
        bytes.fromhex(proof["leaf_hash"]),
        proof["leaf_index"],
        proof["tree_size"],
        [bytes.fromhex(h) for h in proof["audit_path"]],
        bytes.fromhex(str(proof["tree_head"]["root_hash"])),
    )
    data_ok = None
    if "leaf_data" in leaf:
        data_ok = leaf_hash(base64.b64decode(leaf["leaf_data"])).hex() == proof["leaf_hash"]
    return {
        "leaf": leaf,
        "proof": proof,
        "verified": verified,
        "data_ok": data_ok,
        "event_json": views.dumps(leaf.get("event")) if "event" in leaf else None,
    }
