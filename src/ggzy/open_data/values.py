"""Exact value conversions between the platform and OCDS: money and times.

Money on the platform is integer 分 (fen). An OCDS Value carries its amount as a JSON number in
yuan, so 123456 fen is written 1234.56. Whole yuan are written as integers; other amounts as
the float whose shortest decimal text (Python's repr, which json writes) is exactly the
amount, so the JSON text holds the exact decimal and a reader that parses numbers as decimals
gets it back. An amount with no such float (more than about 15 significant digits with a
fraction, i.e. beyond ten trillion yuan) is refused rather than rounded.

>>> fen_to_amount(123456)
1234.56
>>> fen_to_amount(1728860000)
17288600
>>> amount_to_fen(1234.56)
123456
>>> beijing(datetime(2026, 1, 4, 1, 30, tzinfo=UTC))
'2026-01-04T09:30:00+08:00'
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ggzy.core.calendar import SHANGHAI
from ggzy.core.errors import DomainError
from ggzy.core.money import to_capitals

CURRENCY = "CNY"
_CENT = Decimal("0.01")


def fen_to_amount(fen: int) -> int | float:
    """Fen to an exact OCDS amount in yuan, e.g. 123456 -> 1234.56, 100 -> 1."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"fen must be an int, not {type(fen).__name__}")
    exact = Decimal(fen).scaleb(-2)
    if fen % 100 == 0:
        return fen // 100
    as_float = float(exact)
    if Decimal(repr(as_float)) != exact:
        raise DomainError(
            "inexact-amount",
            f"金额 {exact} 元无法在 JSON 数字中精确表示",
            f"the amount {exact} yuan has no exact JSON number form",
            fen=fen,
        )
    return as_float


def value(fen: int | None) -> dict[str, Any] | None:
    """An OCDS Value in CNY with its amount in Chinese capitals (大写, the ggzy extension)."""
    if fen is None:
        return None
    out: dict[str, Any] = {"amount": fen_to_amount(fen), "currency": CURRENCY}
    if fen >= 0:
        out["amountInWords"] = to_capitals(fen)
    return out


def decimal_amount(raw: Any) -> Decimal | None:
    """A JSON amount (number or numeric text) as an exact Decimal; None if it is not one.

    Floats go through their shortest text (repr), which is the decimal the JSON text held.
    """
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw)) if math.isfinite(raw) else None
    if isinstance(raw, Decimal):
        return raw if raw.is_finite() else None
    if isinstance(raw, str):
        text = raw.strip().replace(",", "")
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", text):
            return None
        try:
            return Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            return None
    return None


def amount_to_fen(raw: Any) -> int | None:
    """An OCDS amount in yuan to fen when it is exact to the fen, e.g. 1234.56 -> 123456."""
    amount = decimal_amount(raw)
    if amount is None or amount.quantize(_CENT) != amount:
        return None
    return int(amount * 100)


def beijing(dt: datetime) -> str:
    """An instant as ISO 8601 in Beijing time to the second, e.g. '2026-01-04T09:30:00+08:00'."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime refused")
    return dt.astimezone(SHANGHAI).isoformat(timespec="seconds")


def beijing_text(text: Any) -> str | None:
    """A stored ISO time (any offset) in Beijing time; None for dates without time or junk."""
    if not isinstance(text, str) or len(text) < 19 or "T" not in text:
        return None
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=SHANGHAI)  # the platform's times without offset are Beijing time
    return beijing(dt)


def parse_ocds_date(raw: Any) -> tuple[datetime | None, str | None]:
    """A release date as an aware datetime, and the problem with it if any (import side).

    Full ISO 8601 date-times with Z or an offset parse cleanly; a date alone is read as
    midnight UTC ("date-without-time"), a time without offset as UTC ("date-without-timezone");
    empty or unreadable text gives (None, "empty-date" / "invalid-date").
    """
    if raw is None:
        return None, None
    if not isinstance(raw, str):
        return None, "invalid-date"
    text = raw.strip()
    if not text:
        return None, "empty-date"
    problem = None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        text += "T00:00:00Z"
        problem = "date-without-time"
    try:
        dt = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None, "invalid-date"
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC), problem or "date-without-timezone"
    return dt, problem
