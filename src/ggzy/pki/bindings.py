"""Certificates bound to market entities (数字证书绑定): one certificate, every center.

An entity registers its signing and encryption certificates once; each is checked against the
network trust list and must carry the entity's own credit code. Bids are sealed to the bound
encryption certificate and signed with the bound signing certificate; signatures are checked
again at the time of use, so a certificate revoked later stops working everywhere at once.
"""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import Column, Connection, Index, LargeBinary, String, Table, select

from ggzy.core.errors import DomainError, forbidden
from ggzy.core.events import NewEvent, RecordedEvent, event_type
from ggzy.core.projections import projection_table, projector
from ggzy.core.uow import UnitOfWork
from ggzy.db import UTCDateTime, metadata
from ggzy.pki.certs import parse_certificate
from ggzy.pki.trust import check_certificate, raise_for_status
from ggzy.registry.handlers import Account

event_type("CertificateBound", "数字证书已绑定市场主体", "certificate bound to an entity")

BIND_USAGES = ("sign", "encrypt")

entity_certificates = projection_table(
    Table(
        "entity_certificates",
        metadata,
        Column("fingerprint", String(64), primary_key=True),
        Column("entity", String(18), nullable=False),
        Column("usage", String(10), nullable=False),  # sign | encrypt
        Column("algorithm", String(16), nullable=False),
        Column("subject", String(500), nullable=False),
        Column("issuer", String(500), nullable=False),
        Column("not_after", UTCDateTime(), nullable=False),
        Column("der", LargeBinary, nullable=False),
        Column("bound_at", UTCDateTime(), nullable=False),
        Index("ix_entity_certificates_entity", "entity", "usage"),
    )
)


def bind_certificate(uow: UnitOfWork, account: Account, pem: str, usage: str) -> dict[str, Any]:
    """Bind a certificate to the account's entity after checking it against the trust list."""
    if usage not in BIND_USAGES:
        raise DomainError(
            "invalid-usage",
            "用途须为 sign（签名）或 encrypt（加密）",
            "usage must be sign or encrypt",
            field="usage",
        )
    if not account.entity:
        raise forbidden(
            "只有市场主体的账号可以绑定证书", "only an entity's account may bind certificates"
        )
    status = check_certificate(uow.conn, pem, uow.now, usage, expect_credit_code=account.entity)
    raise_for_status(status)
    info = status.certificate
    assert info is not None
    exists = uow.conn.execute(
        select(entity_certificates.c.fingerprint).where(
            entity_certificates.c.fingerprint == info.fingerprint
        )
    ).first()
    if exists:
        raise DomainError(
            "certificate-bound", "该证书已绑定", "this certificate is already bound", status=409
        )
    payload = {
        "fingerprint": info.fingerprint,
        "entity": account.entity,
        "usage": usage,
        "algorithm": info.key_algorithm,
        "subject": info.subject,
        "issuer": info.issuer,
        "not_after": info.not_after.isoformat(),
        "certificate": base64.b64encode(info.der).decode(),
        "revocation_checked": status.revocation_checked,
    }
    uow.emit(NewEvent("CertificateBound", "entity", account.entity, payload))
    return {k: v for k, v in payload.items() if k != "certificate"}


@projector("CertificateBound")
def _bound(conn: Connection, ev: RecordedEvent) -> None:
    from datetime import datetime

    p = ev.payload
    conn.execute(
        entity_certificates.insert().values(
            fingerprint=p["fingerprint"],
            entity=p["entity"],
            usage=p["usage"],
            algorithm=p["algorithm"],
            subject=p["subject"][:500],
            issuer=p["issuer"][:500],
            not_after=datetime.fromisoformat(p["not_after"]),
            der=base64.b64decode(p["certificate"]),
            bound_at=ev.recorded_at,
        )
    )


def certificates_of(
    conn: Connection, entity: str, usage: str | None = None
) -> list[dict[str, Any]]:
    """An entity's bound certificates (newest first), optionally of one usage."""
    q = select(entity_certificates).where(entity_certificates.c.entity == entity)
    if usage:
        q = q.where(entity_certificates.c.usage == usage)
    rows = conn.execute(q.order_by(entity_certificates.c.bound_at.desc()))
    out = []
    for row in rows:
        d = dict(row._mapping)
        d["pem"] = parse_certificate(bytes(d.pop("der"))).pem()
        d["not_after"] = d["not_after"].isoformat()
        d["bound_at"] = d["bound_at"].isoformat()
        out.append(d)
    return out


def bound_certificate(conn: Connection, fingerprint: str) -> dict[str, Any] | None:
    """A bound certificate by fingerprint (with its DER), or None."""
    row = conn.execute(
        select(entity_certificates).where(entity_certificates.c.fingerprint == fingerprint)
    ).first()
    return dict(row._mapping) if row else None
