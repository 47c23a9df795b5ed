"""Who is calling: a session cookie for pages, a bearer token for the API."""

from __future__ import annotations

from fastapi import Request

from ggzy.bootstrap import Platform
from ggzy.core.errors import DomainError
from ggzy.registry.handlers import Account, account_for_token

SESSION_COOKIE = "ggzy_session"


def platform_of(request: Request) -> Platform:
    """The Platform this app serves."""
    return request.app.state.platform  # type: ignore[no-any-return]


def token_of(request: Request) -> str | None:
    """The bearer token, or else the session cookie."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(SESSION_COOKIE)


def optional_account(request: Request) -> Account | None:
    """The signed-in account, or None for the public."""
    if hasattr(request.state, "account"):
        cached: Account | None = request.state.account
        return cached
    token = token_of(request)
    account = None
    if token:
        platform = platform_of(request)
        with platform.read() as conn:
            account = account_for_token(conn, token, platform.clock.now())
    request.state.account = account
    return account


def require_account(request: Request) -> Account:
    """The signed-in account, or a 401 problem."""
    account = optional_account(request)
    if account is None:
        raise DomainError(
            "unauthorized",
            "请先登录（会话已过期或令牌无效）",
            "sign in first (session expired or token invalid)",
            status=401,
        )
    return account


def request_origin(request: Request) -> dict[str, str]:
    """Where a command comes from: the client's IP and user agent (collusion evidence)."""
    return {
        "ip": client_ip(request),
        "user_agent": request.headers.get("user-agent", "")[:300],
    }


def client_ip(request: Request) -> str:
    """The caller's address as seen by this server."""
    return request.client.host if request.client else ""
