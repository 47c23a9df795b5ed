"""Sign-in by certificate (证书登录): a challenge signed with the holder's key.

    1. POST /api/v1/auth/challenge            → {"challenge": "…", "sign": "ggzy-login:<node>:…"}
    2. the holder signs the `sign` text (detached CMS, ggzy.pki.signatures.sign_detached)
    3. POST /api/v1/auth/certificate {challenge, signature}  → a bearer token

A challenge is single-use and lives 5 minutes; the certificate is checked against the network
trust list at the moment of sign-in (a revoked certificate signs in nowhere) and must belong to
a registered entity; the account signed into belongs to that entity.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, Connection, Integer, String, Table, select, update

from ggzy.core.errors import DomainError
from ggzy.core.events import NewEvent
from ggzy.core.uow import UnitOfWork
from ggzy.db import UTCDateTime, metadata
from ggzy.pki.signatures import verify_detached
from ggzy.pki.trust import check_certificate, raise_for_status
from ggzy.registry.handlers import Account, get_account, issue_token, list_accounts

CHALLENGE_TTL = timedelta(minutes=5)
MAX_SIGNATURE = 64 * 1024

# Operational, not evidence: the sign-in itself is the SignedIn event.
login_challenges = Table(
    "login_challenges",
    metadata,
    Column("challenge_hash", String(64), primary_key=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("used", Integer, nullable=False, default=0),
)

_BAD_CHALLENGE = DomainError(
    "invalid-challenge",
    "登录挑战无效、已使用或已过期，请重新获取",
    "the sign-in challenge is unknown, used or expired: request a new one",
    status=401,
)


def message_to_sign(node_id: str, challenge: str) -> bytes:
    """The exact bytes the holder signs: binds the challenge to this node."""
    return f"ggzy-login:{node_id}:{challenge}".encode()


def new_challenge(conn: Connection, node_id: str, now: datetime) -> dict[str, Any]:
    """A fresh single-use challenge."""
    challenge = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    conn.execute(
        login_challenges.insert().values(
            challenge_hash=hashlib.sha256(challenge.encode()).hexdigest(),
            created_at=now,
            expires_at=now + CHALLENGE_TTL,
            used=0,
        )
    )
    return {
        "challenge": challenge,
        "sign": message_to_sign(node_id, challenge).decode(),
        "expires_at": (now + CHALLENGE_TTL).isoformat(),
    }


def sign_in_with_certificate(
    uow: UnitOfWork,
    challenge: str,
    signature_b64: str,
    username: str | None = None,
    *,
    kind: str = "api",
    ip: str = "",
) -> tuple[Account, str, dict[str, Any]]:
    """Check the signed challenge and the certificate; issue a token for the entity's account."""
    digest = hashlib.sha256(challenge.encode()).hexdigest()
    row = uow.conn.execute(
        select(login_challenges).where(login_challenges.c.challenge_hash == digest)
    ).first()
    if row is None or row.used or row.expires_at <= uow.now:
        raise _BAD_CHALLENGE
    uow.conn.execute(
        update(login_challenges).where(login_challenges.c.challenge_hash == digest).values(used=1)
    )
    try:
        blob = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        blob = b""
    if not blob or len(blob) > MAX_SIGNATURE:
        raise DomainError(
            "invalid-signature",
            "签名格式错误（应为 Base64 编码的 CMS）",
            "the signature is malformed (base64 CMS expected)",
            status=401,
        )
    message = message_to_sign(uow.platform.settings.node_id, challenge)
    verified = verify_detached(message, blob)
    if not verified.ok or verified.signer_certificate_der is None:
        raise DomainError(
            "bad-signature",
            f"签名验证失败：{verified.reason}",
            f"the signature does not verify: {verified.reason}",
            status=401,
        )
    status = check_certificate(uow.conn, verified.signer_certificate_der, uow.now, "login")
    raise_for_status(status)
    entity = (status.entity or {}).get("credit_code")
    account = _account_of(uow.conn, entity, username)
    token = issue_token(uow.conn, account.username, kind, uow.now)
    fingerprint = status.certificate.fingerprint if status.certificate else ""
    uow.emit(
        NewEvent(
            "SignedIn",
            "account",
            account.username,
            {
                "username": account.username,
                "kind": kind,
                "ip": ip,
                "method": "certificate",
                "certificate": fingerprint,
                "algorithm": verified.algorithm,
            },
        )
    )
    return account, token, status.to_dict()


def _account_of(conn: Connection, entity: str | None, username: str | None) -> Account:
    if username:
        account = get_account(conn, username.strip().lower())
        if account is None or account.entity != entity:
            raise DomainError(
                "wrong-entity",
                "该账号不属于证书所属的市场主体",
                "this account does not belong to the certificate's entity",
                status=403,
            )
        return account
    accounts = [a for a in list_accounts(conn, entity) if a.has_role("entity_admin")]
    if not accounts:
        raise DomainError(
            "no-account",
            "证书所属市场主体没有账号",
            "the certificate's entity has no account",
            status=403,
        )
    return accounts[0]
