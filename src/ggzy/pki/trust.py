"""The network's trust list (全网互认的CA信任列表): which CAs every center accepts.

A platform administrator adds the root and intermediate certificates of each recognised CA
(RSA, ECDSA P-256 or SM2) and imports their CRLs; every center of every node reads the same
list, so a certificate bought from any listed CA works everywhere at once.

    with platform.command(admin.actor) as uow:
        add_ca(uow, root_pem, "湖北省数字证书认证中心", "root")
        add_ca(uow, sub_pem, "湖北CA 企业证书签发中心", "intermediate")
        import_crl(uow, crl_der)
    with platform.read() as conn:
        status = check_certificate(conn, bidder_pem, now, "sign", "91420100MA0000103X")
    raise_for_status(status)   # DomainError naming the reason unless status.ok

Adding and removing a CA and importing a CRL are events; a refused command appends nothing.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, select

from ggzy.core.codes import validate_credit_code
from ggzy.core.documents import register_document
from ggzy.core.errors import DomainError, conflict, not_found
from ggzy.core.events import NewEvent, RecordedEvent, event_type
from ggzy.core.projections import projection_table, projector
from ggzy.core.uow import UnitOfWork
from ggzy.pki.certs import (
    USAGES,
    CertificateError,
    CertInfo,
    CrlInfo,
    Validation,
    load_der_all,
    parse_certificate,
    parse_crl,
    validate_path,
    verify_signed_by,
)
from ggzy.pki.tables import crls, revoked_certificates, trusted_cas

__all__ = [
    "CA_KINDS",
    "ENTITY_REASONS",
    "CertificateStatus",
    "add_ca",
    "check_certificate",
    "get_ca",
    "import_crl",
    "list_cas",
    "list_crls",
    "raise_for_status",
    "remove_ca",
    "revocation_of",
]

event_type("CertificateAuthorityAdded", "CA证书已加入信任列表", "CA added to the trust list")
event_type("CertificateAuthorityRemoved", "CA证书已移出信任列表", "CA removed from the trust list")
event_type("RevocationListImported", "证书吊销列表已导入", "certificate revocation list imported")

#: Kinds of trust list entries: code -> (中文, English).
CA_KINDS: dict[str, tuple[str, str]] = {
    "root": ("根CA", "root CA"),
    "intermediate": ("中间CA", "intermediate CA"),
}

#: Reasons beyond path validation: the certificate's binding to a market entity.
ENTITY_REASONS: dict[str, tuple[str, str]] = {
    "wrong-entity": ("证书绑定的市场主体不符", "the certificate is bound to another entity"),
    "unregistered-entity": (
        "证书绑定的市场主体未在平台登记",
        "the entity the certificate is bound to is not registered on the platform",
    ),
    "no-credit-code": (
        "证书主题中没有有效的统一社会信用代码，无法绑定市场主体",
        "the certificate's subject holds no valid unified social credit code, so it is bound "
        "to no entity",
    ),
    "no-resident-id": (
        "证书主题中没有有效的公民身份号码，不是个人证书",
        "the certificate's subject holds no valid resident ID: not a personal certificate",
    ),
    "wrong-person": ("证书不属于本人", "the certificate belongs to another person"),
}

MAX_CLOCK_SKEW = timedelta(minutes=10)  # a CRL dated a little in the future is still accepted
SUBJECT_TYPE = "ca"


# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------


def add_ca(uow: UnitOfWork, cert_pem_or_der: bytes | str, name: str, kind: str) -> dict[str, Any]:
    """Add a root or intermediate CA certificate to the network's trust list.

    Checks: the certificate parses (RSA ≥ 2048, ECDSA P-256 or SM2), is a CA (basicConstraints
    CA=true, keyCertSign), is not expired, and is either a self-signed root or an intermediate
    that chains to a listed root. The caller checks that the actor is a platform administrator.
    """
    if kind not in CA_KINDS:
        raise DomainError(
            "invalid-ca-kind",
            f"CA 类型须为 root 或 intermediate，收到“{kind}”",
            f"kind must be root or intermediate, got {kind!r}",
            field="kind",
        )
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise DomainError(
            "missing-field",
            "CA 名称不能为空且不超过 200 个字符",
            "the CA name is required and at most 200 characters",
            field="name",
        )
    info = parse_certificate(cert_pem_or_der)  # malformed, unsupported-algorithm, weak-key
    if get_ca(uow.conn, info.fingerprint) is not None:
        raise conflict(
            "ca-exists",
            f"该CA证书已在信任列表中（{info.subject}）",
            f"this CA certificate is already in the trust list ({info.subject})",
            fingerprint=info.fingerprint,
        )
    _check_is_ca(info)
    if kind == "root":
        _check_root(info, uow.now)
    else:
        _check_intermediate(uow.conn, info, uow.now)
    payload = {
        **_event_facts(info),
        "name": name,
        "kind": kind,
        "certificate": base64.b64encode(info.der).decode("ascii"),
    }
    uow.emit(NewEvent("CertificateAuthorityAdded", SUBJECT_TYPE, info.fingerprint, payload))
    return _ca_summary(payload, uow.actor, uow.now)


def remove_ca(uow: UnitOfWork, fingerprint: str, reason: str = "") -> dict[str, Any]:
    """Remove a CA from the trust list; its certificates are then from an unknown CA."""
    fingerprint = fingerprint.strip().lower()
    row = get_ca(uow.conn, fingerprint)
    if row is None:
        raise not_found(f"信任列表中的CA {fingerprint}", f"trusted CA {fingerprint}")
    payload = {
        "fingerprint": fingerprint,
        "name": row["name"],
        "kind": row["kind"],
        "subject": row["subject"],
        "reason": (reason or "").strip()[:500],
    }
    uow.emit(NewEvent("CertificateAuthorityRemoved", SUBJECT_TYPE, fingerprint, payload))
    uow.conn.execute(delete(revoked_certificates).where(_revoked_of(fingerprint)))
    uow.conn.execute(delete(crls).where(crls.c.issuer_fingerprint == fingerprint))
    return payload


def import_crl(uow: UnitOfWork, crl_der_or_pem: bytes | str) -> dict[str, Any]:
    """Import a CRL of a listed CA: verified with the CA's key, never older than the stored one.

    The CRL bytes go to the document store (the event carries their SHA-256); the newest CRL
    of each CA and its revoked serials are kept in crls and revoked_certificates.
    """
    crl = parse_crl(crl_der_or_pem)
    issuer = _crl_issuer(uow.conn, crl)
    if crl.this_update > uow.now + MAX_CLOCK_SKEW:
        raise DomainError(
            "crl-not-yet-valid",
            f"吊销列表的生效时间 {_iso(crl.this_update)} 晚于当前时间",
            f"the CRL's thisUpdate {_iso(crl.this_update)} is in the future",
        )
    stored = uow.conn.execute(
        select(crls.c.crl_number, crls.c.this_update).where(
            crls.c.issuer_fingerprint == issuer.fingerprint
        )
    ).first()
    if stored is not None:
        _check_newer(crl, stored.crl_number, stored.this_update)
    sha, size = uow.platform.documents.write([crl.der])
    register_document(
        uow.conn,
        sha,
        size,
        f"{issuer.fingerprint[:16]}-{crl.number if crl.number is not None else 'crl'}.crl",
        "application/pkix-crl",
        uow.now,
    )
    payload = {
        "issuer_fingerprint": issuer.fingerprint,
        "issuer": crl.issuer,
        "crl_number": str(crl.number) if crl.number is not None else None,
        "this_update": _iso(crl.this_update),
        "next_update": _iso(crl.next_update) if crl.next_update else None,
        "sha256": crl.sha256,
        "revoked_count": len(crl.revoked),
    }
    uow.emit(
        NewEvent(
            "RevocationListImported", SUBJECT_TYPE, issuer.fingerprint, payload, documents=(sha,)
        )
    )
    uow.conn.execute(delete(revoked_certificates).where(_revoked_of(issuer.fingerprint)))
    uow.conn.execute(delete(crls).where(crls.c.issuer_fingerprint == issuer.fingerprint))
    uow.conn.execute(
        crls.insert().values(
            issuer_fingerprint=issuer.fingerprint,
            issuer=crl.issuer,
            crl_number=payload["crl_number"],
            this_update=crl.this_update,
            next_update=crl.next_update,
            sha256=crl.sha256,
            der=crl.der,
            revoked_count=len(crl.revoked),
            imported_by=uow.actor,
            imported_at=uow.now,
        )
    )
    if crl.revoked:
        uow.conn.execute(
            revoked_certificates.insert(),
            [
                {
                    "issuer_fingerprint": issuer.fingerprint,
                    "serial": format(serial, "X"),
                    "revoked_at": when,
                    "reason": (why or None) and str(why)[:32],
                }
                for serial, (when, why) in crl.revoked.items()
            ],
        )
    return payload


def _check_is_ca(info: CertInfo) -> None:
    if not info.is_ca:
        raise CertificateError(
            "not-a-ca",
            f"“{info.common_name}”没有 basicConstraints CA=true，不能加入CA信任列表",
            f"{info.common_name!r} lacks basicConstraints CA=true and cannot be a trusted CA",
        )
    if not info.allows("ca"):
        raise CertificateError(
            "wrong-key-usage",
            f"“{info.common_name}”的密钥用法不含 keyCertSign",
            f"the key usage of {info.common_name!r} lacks keyCertSign",
        )


def _check_root(info: CertInfo, now: datetime) -> None:
    if not info.self_issued:
        raise DomainError(
            "not-self-signed",
            f"根CA证书须为自签名证书：“{info.common_name}”由“{info.issuer}”签发；"
            "中间CA请以 intermediate 类型加入",
            f"a root CA certificate must be self-signed: {info.common_name!r} is issued by "
            f"{info.issuer!r}; add intermediate CAs with kind intermediate",
            reason="not-self-signed",
        )
    if not verify_signed_by(
        info.tbs_der, info.signature, info.signature_algorithm_der, info.spki_der
    ):
        raise CertificateError(
            "bad-signature",
            f"根CA证书“{info.common_name}”的自签名无效",
            f"the self-signature of the root CA {info.common_name!r} does not verify",
        )
    if now > info.not_after:
        raise CertificateError(
            "expired",
            f"“{info.common_name}”已于 {_iso(info.not_after)} 过期",
            f"{info.common_name!r} expired on {_iso(info.not_after)}",
        )


def _check_intermediate(conn: Connection, info: CertInfo, now: datetime) -> None:
    roots, intermediates = _trust_material(conn)
    result = validate_path(info.der, intermediates, roots, now, _stored_crls(conn), "ca")
    if not result.ok:
        assert result.reason is not None
        raise DomainError(
            result.reason,
            result.zh,
            result.en,
            status=422,
            reason=result.reason,
            hint_zh="请先加入其根CA证书" if result.reason == "unknown-ca" else "",
            hint_en="add its root CA certificate first" if result.reason == "unknown-ca" else "",
        )


def _crl_issuer(conn: Connection, crl: CrlInfo) -> CertInfo:
    """The listed CA whose name matches the CRL issuer and whose key verifies it."""
    named = [
        c
        for c in (parse_certificate(r.der, strict=False) for r in _ca_rows(conn))
        if c.subject_key == crl.issuer_key
    ]
    if not named:
        raise DomainError(
            "unknown-ca",
            f"吊销列表的签发者“{crl.issuer}”不在CA信任列表中",
            f"the CRL issuer {crl.issuer!r} is not in the trust list",
            reason="unknown-ca",
        )
    for ca in named:
        if crl.signed_by(ca):
            if not ca.allows_crl_sign():
                raise DomainError(
                    "wrong-key-usage",
                    f"“{ca.common_name}”的密钥用法不含 cRLSign，不能签发吊销列表",
                    f"the key usage of {ca.common_name!r} lacks cRLSign",
                    reason="wrong-key-usage",
                )
            return ca
    raise DomainError(
        "bad-signature",
        f"吊销列表的签名不能用“{crl.issuer}”的公钥验证（可能被篡改）",
        f"the CRL's signature does not verify with the key of {crl.issuer!r} "
        "(it may have been tampered with)",
        reason="bad-signature",
    )


def _check_newer(crl: CrlInfo, stored_number: str | None, stored_this_update: datetime) -> None:
    if crl.number is not None and stored_number is not None:
        if crl.number <= int(stored_number):
            raise conflict(
                "crl-outdated",
                f"已导入编号为 {stored_number} 的吊销列表，新导入的编号 {crl.number} 须大于它",
                f"the CRL number {crl.number} is not newer than the stored CRL number "
                f"{stored_number}",
                stored_number=stored_number,
                crl_number=str(crl.number),
            )
        return
    if crl.this_update <= stored_this_update:
        raise conflict(
            "crl-outdated",
            f"已导入 {_iso(stored_this_update)} 签发的吊销列表，新导入的吊销列表不能更早",
            f"a CRL issued at {_iso(stored_this_update)} is stored; this one is not newer",
        )


# ---------------------------------------------------------------------------------------------
# Projection
# ---------------------------------------------------------------------------------------------


projection_table(trusted_cas)  # rebuilt from the events below; crls are not replayed


@projector("CertificateAuthorityAdded")
def _ca_added(conn: Connection, ev: RecordedEvent) -> None:
    p = ev.payload
    conn.execute(
        trusted_cas.insert().values(
            fingerprint=p["fingerprint"],
            name=p["name"],
            kind=p["kind"],
            subject=p["subject"],
            issuer=p["issuer"],
            serial=p["serial"],
            algorithm=p["algorithm"],
            not_before=_parse_time(p["not_before"]),
            not_after=_parse_time(p["not_after"]),
            der=base64.b64decode(p["certificate"]),
            added_by=ev.actor,
            added_at=ev.recorded_at,
        )
    )


@projector("CertificateAuthorityRemoved")
def _ca_removed(conn: Connection, ev: RecordedEvent) -> None:
    conn.execute(delete(trusted_cas).where(trusted_cas.c.fingerprint == ev.payload["fingerprint"]))


# ---------------------------------------------------------------------------------------------
# Queries
# ---------------------------------------------------------------------------------------------


def list_cas(conn: Connection) -> list[dict[str, Any]]:
    """The trust list, roots first, each with its stored CRL's facts (or None)."""
    stored = {r.issuer_fingerprint: r for r in conn.execute(select(crls)).all()}
    out = []
    for row in _ca_rows(conn):
        d = _row_dict(row)
        crl_row = stored.get(row.fingerprint)
        d["crl"] = _crl_dict(crl_row) if crl_row is not None else None
        out.append(d)
    return out


def get_ca(conn: Connection, fingerprint: str) -> dict[str, Any] | None:
    """One trust list entry by fingerprint, or None."""
    row = conn.execute(
        select(trusted_cas).where(trusted_cas.c.fingerprint == fingerprint.strip().lower())
    ).first()
    return _row_dict(row) if row is not None else None


def list_crls(conn: Connection) -> list[dict[str, Any]]:
    """The stored CRL of each CA (without the bytes)."""
    rows = conn.execute(select(crls).order_by(crls.c.issuer)).all()
    return [_crl_dict(r) for r in rows]


def revocation_of(conn: Connection, issuer_fingerprint: str, serial: int) -> dict[str, Any] | None:
    """The stored revocation of a serial by a listed CA, e.g. {"revoked_at": ..., "reason": ...}."""
    row = conn.execute(
        select(revoked_certificates).where(
            _revoked_of(issuer_fingerprint), revoked_certificates.c.serial == format(serial, "X")
        )
    ).first()
    if row is None:
        return None
    return {"serial": row.serial, "revoked_at": _iso(row.revoked_at), "reason": row.reason}


# ---------------------------------------------------------------------------------------------
# Certificate status
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateStatus:
    """Whether a certificate may be used by an entity for a purpose at a time, and why not."""

    ok: bool
    reason: str | None
    zh: str
    en: str
    usage: str
    checked_at: datetime
    certificate: CertInfo | None
    validation: Validation
    entity: dict[str, Any] | None = None  # {"credit_code", "name"} of the bound entity
    revocation: dict[str, Any] | None = None  # the stored CRL entry of the certificate
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def revocation_checked(self) -> bool:
        """True if a current CRL was found for every certificate below the root."""
        return self.validation.revocation_checked

    @property
    def http_status(self) -> int:
        """403 for a certificate of another entity, 422 for any other refusal, else 200."""
        if self.ok:
            return 200
        return 403 if self.reason in ("wrong-entity", "wrong-person") else 422

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe answer of the status API."""
        v = self.validation
        return {
            "ok": self.ok,
            "status": "valid" if self.ok else "invalid",
            "reason": self.reason,
            "zh": self.zh,
            "en": self.en,
            "usage": self.usage,
            "checked_at": _iso(self.checked_at),
            "certificate": self.certificate.summary() if self.certificate else None,
            "entity": self.entity,
            "path": [{"subject": c.subject, "fingerprint": c.fingerprint} for c in v.path],
            "failed": v.failed.subject if v.failed else None,
            "revocation_checked": v.revocation_checked,
            "revocation": self.revocation,
            **self.details,
        }


def check_certificate(
    conn: Connection,
    cert: bytes | str,
    at: datetime,
    usage: str,
    expect_credit_code: str | None = None,
    *,
    chain: Sequence[bytes | str] = (),
) -> CertificateStatus:
    """Validate a certificate against the trust list and CRLs, then its binding to an entity.

    cert may be PEM with the leaf first and intermediates after it; `chain` adds more. Path
    reasons come from ggzy.pki.certs.validate_path; then "no-credit-code" (no code in the
    subject), "wrong-entity" (another entity's code than expect_credit_code) and
    "unregistered-entity" (the code is not a registered market entity). Reads only.
    """
    if usage not in USAGES:
        raise DomainError(
            "invalid-usage",
            f"用途须为 {'、'.join(USAGES)} 之一",
            f"usage must be one of {', '.join(USAGES)}",
            field="usage",
        )
    if at.tzinfo is None:
        raise ValueError("naive datetime refused: give `at` with a timezone")
    at = at.astimezone(UTC)
    expected = validate_credit_code(expect_credit_code) if expect_credit_code else None
    status = _path_status(conn, cert, at, usage, chain)
    if not status.ok or status.certificate is None:
        return status
    return _check_binding(conn, status, status.certificate, expected)


def check_person_certificate(
    conn: Connection, cert: bytes | str, at: datetime, usage: str, id_hash: str
) -> CertificateStatus:
    """Validate a personal certificate (个人证书, e.g. an evaluation expert's) against the trust
    list and CRLs, then its binding to the person: the subject's serialNumber is a GB 11643
    resident ID whose SHA-256 is `id_hash` (the platform keeps only the hash). Reasons beyond
    the path's: "no-resident-id" and "wrong-person". Reads only."""
    from ggzy.pki.certs import resident_id_of

    if at.tzinfo is None:
        raise ValueError("naive datetime refused: give `at` with a timezone")
    status = _path_status(conn, cert, at.astimezone(UTC), usage, ())
    if not status.ok or status.certificate is None:
        return status
    person = resident_id_of(status.certificate.subject_fields)
    if person is None:
        return _refuse(status, "no-resident-id", "", "", subject=status.certificate.subject)
    if hashlib.sha256(person.encode()).hexdigest() != id_hash:
        return _refuse(
            status,
            "wrong-person",
            f"证书持有人（{status.certificate.common_name}）不是本人",
            f"the certificate belongs to someone else ({status.certificate.common_name})",
        )
    return status


def _path_status(
    conn: Connection, cert: bytes | str, at: datetime, usage: str, chain: Sequence[bytes | str]
) -> CertificateStatus:
    """The certificate's path to a trusted root, its validity and revocation, as a status."""
    try:
        blocks = load_der_all(cert)
    except CertificateError as exc:
        result = Validation(False, exc.reason, exc.zh, exc.en, None)
        return CertificateStatus(False, exc.reason, exc.zh, exc.en, usage, at, None, result)
    roots, intermediates = _trust_material(conn)
    extra = [b for c in chain for b in load_der_all(c)]
    result = validate_path(
        blocks[0], [*intermediates, *blocks[1:], *extra], roots, at, _stored_crls(conn), usage
    )
    status = CertificateStatus(
        result.ok,
        result.reason,
        result.zh,
        result.en,
        usage,
        at,
        result.leaf,
        result,
        details=dict(result.details),
    )
    if result.leaf is not None and len(result.path) > 1:
        issuer = result.path[1]
        revocation = revocation_of(conn, issuer.fingerprint, result.leaf.serial)
        status = _replace(status, revocation=revocation)
    return status


def _check_binding(
    conn: Connection, status: CertificateStatus, leaf: CertInfo, expected: str | None
) -> CertificateStatus:
    from ggzy.registry.handlers import find_entity

    code = leaf.credit_code
    if code is None:
        return _refuse(status, "no-credit-code", "", "", subject=leaf.subject)
    entity = find_entity(conn, code)
    bound = {"credit_code": code, "name": entity["name"] if entity else None}
    status = _replace(status, entity=bound)
    if expected is not None and code != expected:
        return _refuse(
            status,
            "wrong-entity",
            f"证书属于 {code}（{leaf.common_name}），而不是 {expected}",
            f"the certificate belongs to {code} ({leaf.common_name}), not {expected}",
            expected_credit_code=expected,
            credit_code=code,
        )
    if entity is None:
        return _refuse(
            status,
            "unregistered-entity",
            f"统一社会信用代码 {code}（{leaf.common_name}）",
            f"credit code {code} ({leaf.common_name})",
            credit_code=code,
        )
    return status


def raise_for_status(status: CertificateStatus) -> None:
    """Raise a DomainError naming the reason if the certificate may not be used.

    422 for every reason but "wrong-entity", which is 403 (the caller may not use it).
    """
    if status.ok:
        return
    reason = status.reason or "invalid-certificate"
    raise DomainError(
        reason,
        status.zh,
        status.en,
        status=status.http_status,
        reason=reason,
        fingerprint=status.certificate.fingerprint if status.certificate else None,
    )


def _refuse(
    status: CertificateStatus, reason: str, zh: str, en: str, **details: Any
) -> CertificateStatus:
    base_zh, base_en = ENTITY_REASONS[reason]
    return _replace(
        status,
        ok=False,
        reason=reason,
        zh=f"{base_zh}：{zh}" if zh else base_zh,
        en=f"{base_en}: {en}" if en else base_en,
        details={**status.details, **details},
    )


def _replace(status: CertificateStatus, **changes: Any) -> CertificateStatus:
    return replace(status, **changes)


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _ca_rows(conn: Connection) -> Sequence[Any]:
    return conn.execute(
        select(trusted_cas).order_by(trusted_cas.c.kind.desc(), trusted_cas.c.name)
    ).all()


def _trust_material(conn: Connection) -> tuple[list[bytes], list[bytes]]:
    """(roots, intermediates) DER of the trust list."""
    roots: list[bytes] = []
    intermediates: list[bytes] = []
    for row in conn.execute(select(trusted_cas.c.kind, trusted_cas.c.der)).all():
        (roots if row.kind == "root" else intermediates).append(bytes(row.der))
    return roots, intermediates


def _stored_crls(conn: Connection) -> list[bytes]:
    return [bytes(d) for d in conn.execute(select(crls.c.der)).scalars()]


def _revoked_of(fingerprint: str) -> Any:
    return revoked_certificates.c.issuer_fingerprint == fingerprint


def _event_facts(info: CertInfo) -> dict[str, Any]:
    return {
        "fingerprint": info.fingerprint,
        "subject": info.subject,
        "issuer": info.issuer,
        "serial": info.serial_hex,
        "algorithm": info.key_algorithm,
        "key_bits": info.key_bits,
        "not_before": _iso(info.not_before),
        "not_after": _iso(info.not_after),
    }


def _ca_summary(payload: dict[str, Any], actor: str, now: datetime) -> dict[str, Any]:
    out = {k: v for k, v in payload.items() if k != "certificate"}
    out["kind_zh"] = CA_KINDS[payload["kind"]][0]
    out["added_by"] = actor
    out["added_at"] = _iso(now)
    return out


def _row_dict(row: Any) -> dict[str, Any]:
    r = row._mapping
    der = bytes(r["der"])
    info = parse_certificate(der, strict=False)
    return {
        "fingerprint": r["fingerprint"],
        "name": r["name"],
        "kind": r["kind"],
        "kind_zh": CA_KINDS.get(r["kind"], (r["kind"],))[0],
        "subject": r["subject"],
        "issuer": r["issuer"],
        "serial": r["serial"],
        "algorithm": r["algorithm"],
        "key_bits": info.key_bits,
        "not_before": _iso(r["not_before"]),
        "not_after": _iso(r["not_after"]),
        "added_by": r["added_by"],
        "added_at": _iso(r["added_at"]),
        "pem": info.pem(),
    }


def _crl_dict(row: Any) -> dict[str, Any]:
    r = row._mapping
    return {
        "issuer_fingerprint": r["issuer_fingerprint"],
        "issuer": r["issuer"],
        "crl_number": r["crl_number"],
        "this_update": _iso(r["this_update"]),
        "next_update": _iso(r["next_update"]) if r["next_update"] else None,
        "sha256": r["sha256"],
        "revoked_count": r["revoked_count"],
        "imported_by": r["imported_by"],
        "imported_at": _iso(r["imported_at"]),
    }


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
