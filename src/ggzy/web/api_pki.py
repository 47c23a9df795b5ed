"""PKI API under /api/v1/pki: the network's CA trust list, CRL import, certificate status."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ggzy.core.errors import DomainError, forbidden
from ggzy.pki import bindings, login, trust
from ggzy.pki.certs import USAGES, CertificateError, load_der_all
from ggzy.registry.handlers import Account
from ggzy.web.auth import client_ip, platform_of, require_account
from ggzy.web.commands import request_fingerprint, run_command

router = APIRouter(prefix="/api/v1")
Caller = Annotated[Account, Depends(require_account)]
Fingerprint = Annotated[bytes, Depends(request_fingerprint)]

MAX_PEM = 64 * 1024  # a certificate chain
MAX_CRL = 16 * 1024 * 1024  # CRLs of large CAs run to megabytes


def _require_admin(account: Account) -> None:
    if not account.has_role("platform_admin"):
        raise forbidden(
            "仅平台管理员可维护CA信任列表", "only a platform administrator may change the CA list"
        )


@router.get("/pki/cas", tags=["pki"], summary="受信任CA列表 / the network's trusted CAs")
def cas(request: Request) -> list[dict[str, Any]]:
    with platform_of(request).read() as conn:
        return trust.list_cas(conn)


class CaBody(BaseModel):
    pem: str = Field(max_length=MAX_PEM, description="CA 证书（PEM 或 Base64 DER）")
    name: str = Field(max_length=200, description="CA 名称，如 湖北省数字证书认证中心")
    kind: str = Field(default="root", max_length=16, description="root | intermediate")


@router.post(
    "/pki/cas",
    status_code=201,
    tags=["pki"],
    summary="加入受信任CA（平台管理员）/ add a trusted CA (platform administrators)",
)
def add_ca(body: CaBody, account: Caller, request: Request, fp: Fingerprint) -> JSONResponse:
    _require_admin(account)

    def command(uow: Any) -> dict[str, Any]:
        return trust.add_ca(uow, body.pem, body.name, body.kind)

    return run_command(request, account.actor, fp, command)


@router.delete(
    "/pki/cas/{fingerprint}",
    tags=["pki"],
    summary="移出受信任CA（平台管理员）/ remove a trusted CA (platform administrators)",
)
def remove_ca(
    fingerprint: str, account: Caller, request: Request, fp: Fingerprint, reason: str = ""
) -> JSONResponse:
    _require_admin(account)

    def command(uow: Any) -> dict[str, Any]:
        return trust.remove_ca(uow, fingerprint, reason[:500])

    return run_command(request, account.actor, fp, command, status=200)


@router.get("/pki/crls", tags=["pki"], summary="已导入的吊销列表 / imported CRLs")
def crls(request: Request) -> list[dict[str, Any]]:
    with platform_of(request).read() as conn:
        return trust.list_crls(conn)


class CrlBody(BaseModel):
    pem: str = Field(max_length=MAX_CRL, description="CRL（PEM 或 Base64 DER）")


@router.post(
    "/pki/crls",
    status_code=201,
    tags=["pki"],
    summary="导入证书吊销列表 / import a certificate revocation list",
)
def import_crl(body: CrlBody, account: Caller, request: Request, fp: Fingerprint) -> JSONResponse:
    if not (account.has_role("platform_admin") or account.has_role("center_staff")):
        raise forbidden(
            "仅平台管理员或交易中心工作人员可导入吊销列表",
            "only platform administrators or center staff may import CRLs",
        )

    def command(uow: Any) -> dict[str, Any]:
        return trust.import_crl(uow, body.pem)

    return run_command(request, account.actor, fp, command)


class StatusBody(BaseModel):
    pem: str = Field(max_length=MAX_PEM, description="证书（PEM，可附中间CA证书）")
    usage: str = Field(default="sign", description="sign | encrypt | login | ca")
    credit_code: str | None = Field(
        default=None, max_length=30, description="应绑定的统一社会信用代码 / expected entity"
    )
    at: datetime | None = Field(
        default=None, description="使用时间（含时区），默认当前 / time of use, default now"
    )


@router.post(
    "/pki/certificates/status",
    tags=["pki"],
    summary="查询证书状态 / check a certificate: trusted CA, validity, revocation, binding",
)
def certificate_status(body: StatusBody, request: Request) -> dict[str, Any]:
    platform = platform_of(request)
    if body.usage not in USAGES:
        raise DomainError(
            "invalid-usage",
            f"用途须为 {'、'.join(USAGES)} 之一",
            f"usage must be one of {', '.join(USAGES)}",
            field="usage",
        )
    if body.at is not None and body.at.tzinfo is None:
        raise DomainError(
            "naive-time",
            "使用时间须带时区，例如 2026-03-02T09:00:00+08:00",
            "the time of use needs a timezone, e.g. 2026-03-02T09:00:00+08:00",
            field="at",
        )
    try:
        load_der_all(body.pem)  # malformed input is a bad request, not a status
    except CertificateError as exc:
        raise DomainError(exc.code, exc.zh, exc.en, status=422, field="pem") from exc
    at = body.at or platform.clock.now()
    with platform.read() as conn:
        status = trust.check_certificate(conn, body.pem, at, body.usage, body.credit_code)
    if status.reason == "malformed":
        raise DomainError("malformed", status.zh, status.en, status=422, field="pem")
    return status.to_dict()


class BindBody(BaseModel):
    pem: str = Field(min_length=1, max_length=65536, description="证书（PEM）/ certificate PEM")
    usage: str = Field(description="sign（签名证书）或 encrypt（加密证书）")


@router.post(
    "/certificates",
    status_code=201,
    tags=["pki"],
    summary="为本单位绑定数字证书（全网通用）/ bind a certificate to my entity",
)
def bind_certificate(
    body: BindBody, account: Caller, request: Request, fp: Fingerprint
) -> JSONResponse:
    def command(uow: Any) -> dict[str, Any]:
        return bindings.bind_certificate(uow, account, body.pem, body.usage)

    return run_command(request, account.actor, fp, command)


@router.get(
    "/entities/{credit_code}/certificates",
    tags=["pki"],
    summary="市场主体已绑定的证书 / an entity's bound certificates",
)
def entity_certificates(
    credit_code: str, request: Request, usage: str | None = None
) -> list[dict[str, Any]]:
    with platform_of(request).read() as conn:
        return bindings.certificates_of(conn, credit_code.strip().upper(), usage)


@router.post(
    "/auth/challenge",
    tags=["auth"],
    summary="获取证书登录挑战 / a challenge for certificate sign-in",
)
def login_challenge(request: Request) -> dict[str, Any]:
    platform = platform_of(request)
    with platform.engine.begin() as conn:
        return login.new_challenge(conn, platform.settings.node_id, platform.clock.now())


class CertificateLogin(BaseModel):
    challenge: str = Field(min_length=10, max_length=100)
    signature: str = Field(min_length=1, max_length=100_000, description="Base64 CMS（分离式签名）")
    username: str | None = Field(default=None, max_length=64)


@router.post("/auth/certificate", tags=["auth"], summary="证书登录 / sign in with a certificate")
def certificate_login(body: CertificateLogin, request: Request) -> dict[str, Any]:
    platform = platform_of(request)
    with platform.command("public:certificate-login") as uow:
        account, token, status = login.sign_in_with_certificate(
            uow, body.challenge, body.signature, body.username, ip=client_ip(request)
        )
    return {
        "token": token,
        "token_type": "bearer",
        "account": account.__dict__,
        "certificate": status,
    }


class CustodySign(BaseModel):
    fingerprint: str = Field(min_length=64, max_length=64, description="托管证书指纹 SHA-256")
    passphrase: str = Field(min_length=1, max_length=200)
    digest: str = Field(min_length=64, max_length=64, description="待签文件摘要（十六进制）")
    digest_algorithm: str = Field(default="sha256", description="sha256（RSA/ECDSA）或 sm3（SM2）")
    purpose: str = Field(default="", max_length=200)


@router.post(
    "/custody/sign",
    tags=["pki"],
    summary="用托管密钥签名一次（去介质）/ sign once with a custody key",
)
def custody_sign(body: CustodySign, account: Caller, request: Request) -> dict[str, Any]:
    """Unlock the caller's custody key for one CMS signature over a digest it never sees the
    document of (so a bidder can sign its bid letter without revealing it before opening)."""
    from ggzy.pki.custody import unlocked
    from ggzy.pki.envelope import load_private_key
    from ggzy.pki.signatures import Digest, sign_detached

    try:
        value = bytes.fromhex(body.digest)
    except ValueError:
        raise DomainError("invalid-digest", "摘要须为十六进制", "the digest must be hex") from None
    if body.digest_algorithm not in ("sha256", "sm3"):
        raise DomainError(
            "invalid-digest",
            "摘要算法须为 sha256 或 sm3",
            "the digest algorithm must be sha256 or sm3",
        )
    digest = Digest(body.digest_algorithm, value)
    platform = platform_of(request)
    with (
        platform.command(account.actor) as uow,
        unlocked(
            uow,
            account.username,
            body.fingerprint.lower(),
            body.passphrase,
            body.purpose or "signature",
        ) as key_der,
    ):
        from ggzy.pki.custody import custody_of

        record = next(
            r
            for r in custody_of(uow.conn, account.username)
            if r.fingerprint == body.fingerprint.lower()
        )
        try:
            blob = sign_detached(
                digest, load_private_key(key_der), record.certificate, signing_time=uow.now
            )
        except ValueError as exc:
            raise DomainError(
                "invalid-digest",
                f"摘要与证书算法不符：{exc}",
                f"the digest does not suit the certificate: {exc}",
            ) from None
    return {"signature": base64.b64encode(blob).decode(), "fingerprint": record.fingerprint}
