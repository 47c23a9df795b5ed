"""Who may bid: prequalification (资格预审), invitations (投标邀请) and the random draw of
suppliers (随机抽取供应商).

Prequalification (招标投标法实施条例 arts. 15–22; 政府采购法实施条例 art. 21): the tenderee
publishes a prequalification notice with the prequalification documents on sale; potential
bidders obtain them and apply with a document signed by their certificate before the deadline;
the committee (资格审查委员会) records each applicant as qualified or not, with reasons. Fewer
qualified applicants than the rule table's minimum make the prequalification fail: the tenderee
must tender again (实施条例 art. 19). Only qualified applicants may then obtain the tender
documents and bid (实施条例 arts. 19, 36).

Invitational tendering (招标投标法 art. 17): the tenderee names at least three bidders; only they
may obtain the tender documents and bid.

Government procurement invitational tendering (政府采购法 art. 34): after the prequalification
the platform draws at least three of the qualified suppliers at random, verifiably:

    seed  = SHA-256(signed_body ‖ "\\n" ‖ signature ‖ "\\n" ‖ project code)
    drawn = the `count` qualified credit codes c with the smallest SHA-256(seed ‖ c)

where signed_body and signature are those of the first signed ledger tree head that covers the
draw request (the head the request's own commit signs, recorded after the request). Nobody
knows that head before the request is committed, and once it is committed nobody can choose
another one: a draw seeded by whatever head is newest when the draw runs could be steered by
whoever times the draw or appends events in between. Anyone holding the draw record recomputes
it from the published tree head (GET /api/v1/ledger/tree-heads) with :func:`draw_seed` and
:func:`draw`, or any SHA-256 implementation.

Who applied, who qualified, who was invited or drawn stays confidential until the opening
(招标投标法 art. 22): those events are not public; the public sees the notices, the stage and
a failure with its counts.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

# the effects wrapped below: obtain_documents and submit_sealed_bid
import ggzy.bidding.handlers
import ggzy.bidding.sealed  # noqa: F401
from ggzy.core.calendar import SHANGHAI
from ggzy.core.codes import validate_credit_code
from ggzy.core.documents import document_info, register_document
from ggzy.core.errors import DomainError, forbidden
from ggzy.core.events import RecordedEvent, canonical_json, event_type
from ggzy.core.projections import projector
from ggzy.core.tables import events
from ggzy.ledger import log
from ggzy.procedures.engine import EFFECTS, Context, Outcome, effect, project_changed
from ggzy.procedures.signing import check_entity_signature
from ggzy.registry.handlers import find_entity

event_type(
    "PrequalificationNoticePublished", "资格预审公告已发布", "prequalification notice published"
)
event_type(
    "PrequalificationDocumentsObtained",
    "已获取资格预审文件",
    "prequalification documents obtained",
    public=False,
)
event_type(
    "PrequalificationClarified",
    "资格预审文件澄清/修改已发布",
    "prequalification clarification or amendment issued",
)
event_type(
    "PrequalificationApplied",
    "资格预审申请文件已递交",
    "prequalification application submitted",
    public=False,
)
event_type(
    "PrequalificationReviewed",
    "资格审查记录（逐一合格/不合格及理由）",
    "prequalification review record (each applicant, with reasons)",
    public=False,
)
event_type(
    "PrequalificationCompleted",
    "资格预审结束，结果已通知申请人",
    "prequalification completed, applicants notified",
)
event_type(
    "PrequalificationFailed",
    "资格预审失败（合格申请人不足，重新招标）",
    "prequalification failed (too few qualified, re-tender)",
)
event_type("BidInvitationsSent", "投标邀请书已发出", "invitations to bid sent", public=False)
event_type("SupplierDrawRequested", "已申请随机抽取供应商", "random draw of suppliers requested")
event_type("SuppliersDrawn", "已随机抽取受邀供应商", "suppliers drawn at random", public=False)

ADMITTED_BY = {  # how the bidders allowed to bid were fixed -> (zh, en, basis)
    "prequalification": (
        "通过资格预审的申请人",
        "applicants that passed the prequalification",
        "招标投标法实施条例 第19、36条",
    ),
    "invitation": ("受邀请的投标人", "invited bidders", "招标投标法 第17条"),
    "draw": ("随机抽取并受邀请的供应商", "suppliers drawn and invited", "政府采购法 第34条"),
}


# ---------------------------------------------------------------- helpers


def _stored(ctx: Context, sha: str, field: str, zh: str, en: str) -> str:
    if document_info(ctx.conn, sha) is None:
        raise DomainError(
            "unknown-document", f"{zh}尚未上传", f"the {en} has not been uploaded", field=field
        )
    return sha


def _project(ctx: Context) -> dict[str, Any]:
    assert ctx.project is not None
    return ctx.project


def project_events(conn: Connection, project: str, type_: str) -> list[dict[str, Any]]:
    """Payloads (with seq) of one type of a project's events, oldest first."""
    rows = conn.execute(
        select(events.c.seq, events.c.payload)
        .where(
            events.c.subject_type == "project",
            events.c.subject_id == project,
            events.c.type == type_,
        )
        .order_by(events.c.seq)
    )
    return [{**json.loads(r.payload), "seq": int(r.seq)} for r in rows]


def pq_holders(conn: Connection, project: str) -> set[str]:
    """Entities that obtained the prequalification documents of a project."""
    return {e["entity"] for e in project_events(conn, project, "PrequalificationDocumentsObtained")}


def applications(conn: Connection, project: str) -> dict[str, dict[str, Any]]:
    """The application that counts for each applicant (its last one), by credit code."""
    out: dict[str, dict[str, Any]] = {}
    for e in project_events(conn, project, "PrequalificationApplied"):
        out[e["applicant"]] = e
    return out


def _name(conn: Connection, code: str) -> str:
    entity = find_entity(conn, code)
    return entity["name"] if entity else code


def is_admitted(project: dict[str, Any], entity: str | None) -> bool:
    """True if entity may obtain the tender documents and bid (qualified, invited or drawn)."""
    return bool(entity) and entity in (project["data"].get("admitted") or [])


def _require_admitted(ctx: Context) -> None:
    p = _project(ctx)
    if is_admitted(p, ctx.account.entity):
        return
    zh, en, basis = ADMITTED_BY.get(p["data"].get("admitted_by") or "", ADMITTED_BY["invitation"])
    raise forbidden(
        f"只有{zh}才能获取招标文件和投标（{basis}）",
        f"only {en} may obtain the tender documents and bid ({basis})",
        reason="not-admitted",
    )


# ---------------------------------------------------------------- documents and bids


@effect("obtain_documents_if_admitted")
def _obtain_if_admitted(ctx: Context) -> Outcome:
    """获取招标文件, refused to anyone not qualified, invited or drawn; then as obtain_documents."""
    _require_admitted(ctx)
    obtain, _ = EFFECTS["obtain_documents"]
    return obtain(ctx)


@effect("submit_sealed_bid_if_admitted")
def _submit_if_admitted(ctx: Context) -> Outcome:
    """A sealed bid, refused from anyone not admitted (实施条例 art. 36: 拒收); else as usual."""
    _require_admitted(ctx)
    submit, _ = EFFECTS["submit_sealed_bid"]
    return submit(ctx)


# ---------------------------------------------------------------- prequalification


@effect("publish_pq_notice")
def _publish_pq_notice(ctx: Context) -> Outcome:
    """资格预审公告: the prequalification documents, their sale period and the deadline."""
    d = ctx.data
    sha = _stored(ctx, d["pq_document"], "pq_document", "资格预审文件", "prequalification document")
    start = datetime.fromisoformat(d["pq_sale_start"])
    end = datetime.fromisoformat(d["pq_sale_end"])
    deadline = datetime.fromisoformat(d["pq_deadline"])
    if (ctx.now - start).total_seconds() > 3600:
        raise DomainError(
            "start-in-past",
            "资格预审文件发售开始时间不能早于公告发布时间",
            "the sale of the prequalification documents cannot start before the notice",
            field="pq_sale_start",
        )
    if end > deadline:
        raise DomainError(
            "sale-after-deadline",
            "资格预审文件发售截止时间不能晚于提交资格预审申请文件截止时间",
            "the sale must end by the application deadline",
            field="pq_sale_end",
        )
    dates = {
        "pq_announced_at": ctx.now.isoformat(),
        "pq_sale_start": d["pq_sale_start"],
        "pq_sale_end": d["pq_sale_end"],
        "pq_deadline": d["pq_deadline"],
        "pq_document": sha,
    }
    # the document itself goes to those who obtain it (like the tender documents)
    return Outcome(payload=dict(d), set=dates)


@effect("obtain_pq_documents")
def _obtain_pq(ctx: Context) -> Outcome:
    """A potential bidder obtains the prequalification documents during their sale."""
    p = _project(ctx)
    start = datetime.fromisoformat(p["data"]["pq_sale_start"])
    end = datetime.fromisoformat(p["data"]["pq_sale_end"])
    if not start <= ctx.now <= end:
        raise DomainError(
            "outside-sale-period",
            "不在资格预审文件发售期内",
            "outside the sale period of the prequalification documents",
            status=409,
        )
    doc = p["data"]["pq_document"]
    first = ctx.account.entity not in pq_holders(ctx.conn, p["code"])
    return Outcome(
        payload={"entity": ctx.account.entity, "first": first},
        documents=(doc,),
        result={"document": doc},
    )


@effect("clarify_prequalification")
def _clarify_pq(ctx: Context) -> Outcome:
    """澄清/修改 of the prequalification documents; too late → the deadline moves (art. 21)."""
    p = _project(ctx)
    payload: dict[str, Any] = {"text": ctx.data["text"]}
    dates: dict[str, Any] = {}
    if ctx.data.get("affects_applications", True):
        rule = ctx.rule("pq_clarification_min_days")
        deadline = datetime.fromisoformat(p["data"]["pq_deadline"]).astimezone(SHANGHAI)
        earliest = ctx.calendar.period_end(
            ctx.now.astimezone(SHANGHAI).date(), rule.value, rule.working
        )
        if deadline.date() < earliest:
            moved = deadline.replace(year=earliest.year, month=earliest.month, day=earliest.day)
            payload["deadline_extended"] = {
                "from": deadline.isoformat(),
                "to": moved.isoformat(),
                "rule": rule.key,
                "basis": rule.source,
            }
            dates["pq_deadline"] = moved.isoformat()
    return Outcome(payload=payload, set=dates)


@effect("apply_prequalification")
def _apply(ctx: Context) -> Outcome:
    """A prequalification application: a stored document signed by the applicant's certificate.

    A later application replaces the applicant's earlier one.
    """
    p = _project(ctx)
    applicant = ctx.account.entity or ""
    if applicant not in pq_holders(ctx.conn, p["code"]):
        raise forbidden(
            "须先获取资格预审文件",
            "obtain the prequalification documents first",
            reason="not-a-holder",
        )
    sha = _stored(ctx, ctx.data["application"], "application", "资格预审申请文件", "application")
    verified = check_entity_signature(
        ctx,
        sha,
        ctx.data["signature"],
        applicant,
        "资格预审申请文件签章",
        "application signature",
    )
    previous = applications(ctx.conn, p["code"]).get(applicant)
    payload = {
        "applicant": applicant,
        "application": sha,
        "signature": verified.to_dict(),
        "replaces": previous["seq"] if previous else None,
    }
    receipt = {
        "application": sha,
        "received_at": ctx.now.isoformat(),
        "replaces": payload["replaces"],
    }
    return Outcome(payload=payload, documents=(sha,), result={"receipt": receipt})


def _reviews(raw: Any, applied: set[str]) -> dict[str, tuple[bool, str]]:
    """The committee's findings, one per applicant: [{applicant, qualified, reason}]."""
    bad = DomainError(
        "invalid-reviews",
        "资格审查意见须为列表：[{applicant, qualified, reason}]",
        "reviews must be a list of {applicant, qualified, reason}",
        field="reviews",
    )
    if not isinstance(raw, list):
        raise bad
    out: dict[str, tuple[bool, str]] = {}
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("qualified"), bool):
            raise bad
        who = item.get("applicant")
        if who not in applied:
            raise DomainError(
                "unknown-applicant",
                f"{who} 未递交资格预审申请文件",
                f"{who} did not apply",
                field="reviews",
            )
        if who in out:
            raise DomainError(
                "duplicate-review",
                f"{who} 的审查意见重复",
                f"{who} is reviewed twice",
                field="reviews",
            )
        reason = str(item.get("reason") or "").strip()
        if not item["qualified"] and not reason:
            raise DomainError(
                "reason-required",
                "不合格的申请人须写明理由",
                "an applicant found not qualified needs a reason",
                field="reviews",
                applicant=who,
            )
        out[who] = (item["qualified"], reason[:2000])
    missing = sorted(applied - set(out))
    if missing:
        raise DomainError(
            "review-incomplete",
            f"以下申请人尚未审查：{'、'.join(missing)}",
            f"applicants not reviewed: {', '.join(missing)}",
            field="reviews",
            missing=missing,
        )
    return out


@effect("review_prequalification", outcomes=("qualified", "too_few"))
def _review(ctx: Context) -> Outcome:
    """资格审查: each applicant qualified or not with reasons; too few qualified → 重新招标."""
    p = _project(ctx)
    applied = applications(ctx.conn, p["code"])
    found = _reviews(ctx.data.get("reviews") or [], set(applied))
    qualified = sorted(code for code, (ok, _) in found.items() if ok)
    report = {
        "project": p["code"],
        "title": p["title"],
        "reviewed_at": ctx.now.isoformat(),
        "summary": ctx.data.get("summary", ""),
        "applicants": [
            {
                "applicant": code,
                "applicant_name": _name(ctx.conn, code),
                "application": applied[code]["application"],
                "qualified": found[code][0],
                "reason": found[code][1],
            }
            for code in sorted(applied)
        ],
        "qualified": qualified,
    }
    body = canonical_json(report).encode()
    sha, size = ctx.uow.platform.documents.write([body])
    register_document(
        ctx.conn,
        sha,
        size,
        f"{p['code']}-prequalification-report.json",
        "application/json",
        ctx.now,
    )
    minimum = ctx.rule("pq_min_qualified")
    ok = len(qualified) >= minimum.value
    record: dict[str, Any] = {"report": sha, **{k: report[k] for k in ("applicants", "qualified")}}
    if ok:  # a confidential record: who qualified is not published before the opening
        record["set"] = {
            "qualified": qualified,
            "admitted": qualified,
            "admitted_by": "prequalification",
        }
    ctx.emit("PrequalificationReviewed", record, (sha,))
    if not ok:
        return Outcome(
            name="too_few",
            event="PrequalificationFailed",
            payload={
                "reason": "too-few-qualified",
                "applicants": len(applied),
                "qualified": len(qualified),
                "minimum": minimum.value,
                "basis": minimum.source,
                "zh": f"通过资格预审的申请人少于 {minimum.value} 个，应当重新招标"
                f"（{minimum.source}）",
                "en": f"fewer than {minimum.value} applicants qualified: re-tender "
                f"({minimum.source})",
            },
            set={"failed_at": ctx.now.isoformat()},
        )
    mine = {code: {"qualified": found[code][0], "reason": found[code][1]} for code in sorted(found)}
    return Outcome(
        name="qualified",
        payload={"zh": "资格预审结束，结果通知书已发给各申请人", "en": "applicants notified"},
        set={"pq_reviewed_at": ctx.now.isoformat()},
        result={"qualified": qualified, "results": mine, "report": sha},
    )


@projector("PrequalificationReviewed", "PrequalificationFailed")
def _reviewed(conn: Connection, ev: RecordedEvent) -> None:
    project_changed(conn, ev)


# ---------------------------------------------------------------- invitations


def _invitees(ctx: Context, raw: Any) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(c, str) for c in raw):
        raise DomainError(
            "invalid-field",
            "受邀投标人须为统一社会信用代码列表",
            "invitees must be a list of credit codes",
            field="invitees",
        )
    codes = [validate_credit_code(c) for c in raw]
    if len(set(codes)) != len(codes):
        raise DomainError(
            "duplicate-invitee", "受邀投标人有重复", "an invitee is listed twice", field="invitees"
        )
    p = _project(ctx)
    for code in codes:
        entity = find_entity(ctx.conn, code)
        if entity is None or "bidder" not in entity["kinds"]:
            raise DomainError(
                "unknown-bidder",
                f"{code} 未登记为投标人",
                f"{code} is not a registered bidder",
                field="invitees",
            )
        if code in (p["tenderee"], p.get("agency")):
            raise DomainError(
                "invalid-invitee",
                "招标人或其代理机构不能被邀请投标",
                "the tenderee or its agency cannot be invited",
                field="invitees",
            )
    return codes


@effect("invite_bidders")
def _invite(ctx: Context) -> Outcome:
    """投标邀请书 to at least three named bidders (招标投标法 art. 17); only they may bid."""
    codes = _invitees(ctx, ctx.data["invitees"])
    minimum = ctx.rule("invite_min_bidders")
    if len(codes) < minimum.value:
        raise DomainError(
            "too-few-invitees",
            f"邀请招标应当向 {minimum.value} 个以上的潜在投标人发出投标邀请书（{minimum.source}）",
            f"invitational tendering invites at least {minimum.value} bidders ({minimum.source})",
            field="invitees",
            minimum=minimum.value,
        )
    invited = sorted(codes)
    return Outcome(
        payload={
            "invitees": [{"bidder": c, "bidder_name": _name(ctx.conn, c)} for c in invited],
            "basis": minimum.source,
        },
        set={"invited_at": ctx.now.isoformat(), "admitted": invited, "admitted_by": "invitation"},
        result={"invited": invited},
    )


# ---------------------------------------------------------------- the random draw


def draw_seed(signed_body: str, signature: bytes, project: str) -> bytes:
    """SHA-256 of a signed tree head (its signed body and signature) and the project code."""
    data = signed_body.encode() + b"\n" + signature + b"\n" + project.encode()
    return hashlib.sha256(data).digest()


def draw(seed: bytes, candidates: Sequence[str], count: int) -> list[str]:
    """The `count` candidates with the smallest SHA-256(seed ‖ code), in that order.

    A deterministic function of (seed, the sorted candidates, count): each candidate's chance
    is the same and nothing but the seed decides, e.g. draw(seed, ["A", "B", "C", "D"], 3).
    """
    pool = sorted(set(candidates))
    if not 0 <= count <= len(pool):
        raise ValueError(f"cannot draw {count} of {len(pool)}")
    ranked = sorted(pool, key=lambda code: (hashlib.sha256(seed + code.encode()).digest(), code))
    return ranked[:count]


@effect("request_draw")
def _request_draw(ctx: Context) -> Outcome:
    """The purchaser asks the platform to draw `count` (≥ 3) qualified suppliers at random."""
    p = _project(ctx)
    qualified = p["data"].get("qualified") or []
    count = ctx.data["count"]
    minimum = ctx.rule("draw_min_suppliers")
    if count < minimum.value:
        raise DomainError(
            "too-few-to-draw",
            f"应随机选择 {minimum.value} 家以上的供应商（{minimum.source}）",
            f"at least {minimum.value} suppliers are drawn ({minimum.source})",
            field="count",
            minimum=minimum.value,
        )
    if count > len(qualified):
        raise DomainError(
            "too-many-to-draw",
            f"抽取数量不能超过资格预审合格的供应商数量（{len(qualified)}）",
            f"cannot draw more than the {len(qualified)} qualified suppliers",
            field="count",
        )
    request = {"count": count, "requested_at": ctx.now.isoformat()}
    return Outcome(
        payload={"count": count, "basis": minimum.source},
        set={"draw_request": request, "draw_requested_at": ctx.now.isoformat()},
    )


@effect("draw_suppliers")
def _draw(ctx: Context) -> Outcome:
    """The platform draws the invited suppliers from the first tree head after the request."""
    p = _project(ctx)
    request = p["data"]["draw_request"]
    asked = project_events(ctx.conn, p["code"], "SupplierDrawRequested")[-1]["seq"]
    heads = log.heads_after(ctx.conn, asked - 1, 1)  # the first head covering the request
    if not heads:
        raise DomainError(
            "tree-head-pending",
            "账本尚未签发覆盖抽取申请的树头，请稍后",
            "no signed tree head covers the draw request yet",
            status=409,
        )
    head = heads[0]
    qualified = sorted(p["data"]["qualified"])
    seed = draw_seed(head.body, head.signature, p["code"])
    drawn = draw(seed, qualified, request["count"])
    record = {
        "request_seq": asked,
        "tree_size": head.tree_size,
        "root_hash": head.root_hash.hex(),
        "signed_body": head.body,
        "signature": base64.b64encode(head.signature).decode(),
        "key_id": head.key_id,
        "seed": seed.hex(),
        "qualified": qualified,
        "count": request["count"],
        "drawn": drawn,
        "drawn_names": [_name(ctx.conn, c) for c in drawn],
        "formula": "seed = SHA-256(signed_body || '\\n' || signature || '\\n' || project); "
        "drawn = the count qualified codes with the smallest SHA-256(seed || code)",
    }
    return Outcome(
        payload=record,
        set={"drawn_at": ctx.now.isoformat(), "admitted": sorted(drawn), "admitted_by": "draw"},
        result={"drawn": drawn, "seed": seed.hex(), "tree_size": head.tree_size},
    )
