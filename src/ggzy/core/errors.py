"""The one exception of the platform for bad input and refused actions (业务错误).

>>> raise DomainError("invalid-amount", "金额格式错误", "the amount is malformed")
Traceback (most recent call last):
...
ggzy.core.errors.DomainError: 金额格式错误 / the amount is malformed
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal, e.g. DomainError("not-found", "项目不存在", "project not found", status=404)."""

    def __init__(self, code: str, zh: str, en: str, status: int = 422, **extra: Any) -> None:
        super().__init__(code, zh, en)
        self.code = code  # short kebab-case machine code, e.g. "invalid-credit-code"
        self.zh = zh  # 中文提示
        self.en = en
        self.status = status  # HTTP status the web layer answers with
        self.extra: dict[str, Any] = dict(extra)  # JSON-safe details

    def __str__(self) -> str:
        return f"{self.zh} / {self.en}"

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, {self.zh!r}, {self.en!r}, status={self.status})"

    def to_dict(self) -> dict[str, Any]:
        """JSON body for an API answer, e.g. {"code": "not-found", "zh": ..., "en": ..., ...}."""
        return {"code": self.code, "zh": self.zh, "en": self.en, **self.extra}


def not_found(what_zh: str, what_en: str, **extra: Any) -> DomainError:
    """A 404 refusal, e.g. not_found("项目", "project") -> "项目不存在 / project not found"."""
    return DomainError("not-found", f"{what_zh}不存在", f"{what_en} not found", 404, **extra)


def forbidden(zh: str, en: str, **extra: Any) -> DomainError:
    """A 403 refusal, e.g. forbidden("无权开标", "you may not open the bids")."""
    return DomainError("forbidden", zh, en, 403, **extra)


def conflict(code: str, zh: str, en: str, **extra: Any) -> DomainError:
    """A 409 refusal, e.g. conflict("already-opened", "已开标", "bids already opened")."""
    return DomainError(code, zh, en, 409, **extra)
