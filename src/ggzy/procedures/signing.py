"""Electronic signatures on a project's documents (电子签章): tender documents, opening records,
evaluation reports. The signature is checked against the signer's certificate, the trust list
and the signer's entity at the time of signing, and the result is stored with the event.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ggzy.core.errors import DomainError, forbidden
from ggzy.core.events import event_type
from ggzy.core.tables import events
from ggzy.procedures.engine import Context, Outcome, effect

if TYPE_CHECKING:
    from ggzy.pki.signatures import VerifiedSignature

event_type("DocumentSigned", "文件已电子签章", "document signed")

SIGNABLE = {  # project data key -> (zh, en)
    "tender_document": ("招标文件", "tender document"),
    "opening_record": ("开标记录", "opening record"),
    "evaluation_report": ("评标报告", "evaluation report"),
}


@effect("sign_document")
def _sign_document(ctx: Context) -> Outcome:
    """Verify a detached CMS signature on one of the project's documents and record it."""
    p = ctx.project
    assert p is not None
    sha = ctx.data["document"]
    kind = next((k for k in SIGNABLE if p["data"].get(k) == sha), None)
    if kind is None:
        raise DomainError(
            "not-a-project-document",
            "只能对本项目的招标文件、开标记录或评标报告签章",
            "only the project's tender document, opening record or evaluation report can be signed",
            field="document",
        )
    entity = ctx.account.entity
    if not entity:
        raise forbidden("签章须使用市场主体的数字证书", "sign with an entity's certificate")
    if _already_signed(ctx, sha, entity):
        raise DomainError(
            "already-signed", "本单位已对该文件签章", "your entity already signed this", status=409
        )
    verified = check_entity_signature(ctx, sha, ctx.data["signature"], entity, "签章", "signature")
    zh, en = SIGNABLE[kind]
    return Outcome(
        payload={
            "document": sha,
            "kind": kind,
            "kind_zh": zh,
            "kind_en": en,
            "signer": entity,
            "signature": verified.to_dict(),
        },
        documents=(sha,),
    )


def check_entity_signature(
    ctx: Context,
    sha: str | None,
    signature_b64: str,
    entity: str,
    what_zh: str,
    what_en: str,
    *,
    content: bytes | None = None,
) -> VerifiedSignature:
    """Verify a base64 detached CMS signature over a stored document (or over `content`) by
    the entity's valid signing certificate (trust list, revocation, binding checked now)."""
    from ggzy.pki.signatures import verify_detached
    from ggzy.pki.trust import check_certificate, raise_for_status

    try:
        blob = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        blob = b""
    verified = None
    if blob:
        if content is not None:
            verified = verify_detached(content, blob)
        else:
            assert sha is not None
            with ctx.uow.platform.documents.path(sha).open("rb") as fh:
                verified = verify_detached(fh, blob)  # hashed as the signer's algorithm wants
    if verified is None or not verified.ok or verified.signer_certificate_der is None:
        reason = verified.reason if verified else "not base64"
        raise DomainError(
            "bad-signature",
            f"{what_zh}验证失败：{reason}",
            f"the {what_en} does not verify: {reason}",
            field="signature",
        )
    status = check_certificate(
        ctx.conn, verified.signer_certificate_der, ctx.now, "sign", expect_credit_code=entity
    )
    raise_for_status(status)
    return verified


def _already_signed(ctx: Context, sha: str, entity: str) -> bool:
    p = ctx.project
    assert p is not None
    rows = ctx.conn.execute(
        select(events.c.payload).where(
            events.c.subject_type == "project",
            events.c.subject_id == p["code"],
            events.c.type == "DocumentSigned",
        )
    )
    return any(
        json.loads(r.payload).get("document") == sha
        and json.loads(r.payload).get("signer") == entity
        for r in rows
    )


def signatures_of(conn: Any, project: str) -> list[dict[str, Any]]:
    """Every recorded signature of a project's documents, oldest first."""
    rows = conn.execute(
        select(events.c.payload, events.c.recorded_at)
        .where(
            events.c.subject_type == "project",
            events.c.subject_id == project,
            events.c.type == "DocumentSigned",
        )
        .order_by(events.c.seq)
    )
    return [{**json.loads(r.payload), "signed_at": r.recorded_at.isoformat()} for r in rows]
