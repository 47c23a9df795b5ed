"""Money as integer fen (分), never float; Chinese capital amounts (大写金额) per rules.md §5.4.

>>> parse_yuan("¥1,234.56")
123456
>>> format_yuan(123456)
'1,234.56'
>>> to_capitals(123456789)
'壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分'
>>> parse_capitals("人民币壹拾万零柒仟元伍角叁分")
10700053
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from itertools import product
from typing import Any

from ggzy.core.errors import DomainError

#: Largest amount handled: 9999 万亿 yuan and 99 fen (the 万亿 group is the highest).
MAX_FEN = 10**18 - 1

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_GROUP_UNITS = ("", "万", "亿", "万")  # 个 / 万 / 亿 / 万亿 groups of four digits
_DIGIT_UNITS = ((3, "仟"), (2, "佰"), (1, "拾"), (0, ""))
_CENT = Decimal("0.01")
_YUAN_TEXT = re.compile(r"(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]+)?")
# characters PBOC forbids in capital amounts (小写数字, 毛, 另, ...)
_FORBIDDEN = set("〇一二三四五六七八九十百千两毛另")
# tolerated traditional or variant forms (繁体/异体), mapped to the standard character
_VARIANTS = str.maketrans({"萬": "万", "億": "亿", "貳": "贰", "陸": "陆", "圆": "元", "圓": "元"})


def _bad_amount(zh: str, en: str, **extra: Any) -> DomainError:
    return DomainError("invalid-amount", zh, en, field="amount", **extra)


def _bad_capitals(text: str, zh: str, en: str) -> DomainError:
    return DomainError("invalid-capital-amount", zh, en, field="amount_in_words", value=text)


def parse_yuan(text: str | int | Decimal, *, round_half_up: bool = False) -> int:
    """Yuan amount to fen, e.g. parse_yuan("1,234.56") -> 123456; floats raise TypeError.

    Accepts an int (whole yuan), a Decimal, or text such as "1234.56", "1,234.56", "¥1234.5",
    "￥ 88" or "88元". Negative amounts, garbage and more than two decimal places (unless
    ``round_half_up=True``, which rounds half up to the fen) raise DomainError "invalid-amount".
    Trailing zeros beyond the fen ("1.230") lose nothing and are accepted.
    """
    if isinstance(text, bool | float) or not isinstance(text, str | int | Decimal):
        raise TypeError(f"amounts are str, int or Decimal, never {type(text).__name__}")
    if isinstance(text, int):
        value = Decimal(text)
    elif isinstance(text, Decimal):
        if not text.is_finite():
            raise _bad_amount(f"金额无效：{text}", f"not a finite amount: {text}")
        value = text
    else:
        raw = text.strip()
        body = raw.removeprefix("¥").removeprefix("￥").removesuffix("元").strip()
        if body.startswith("-"):
            raise _bad_amount(f"金额不能为负数：{raw}", f"the amount cannot be negative: {raw}")
        if not _YUAN_TEXT.fullmatch(body):
            raise _bad_amount(f"金额格式错误：“{raw}”", f"not an amount in yuan: {raw!r}")
        value = Decimal(body.replace(",", ""))
    if value < 0:
        raise _bad_amount(f"金额不能为负数：{value}", f"the amount cannot be negative: {value}")
    if value > Decimal(MAX_FEN) / 100:
        raise _bad_amount(f"金额过大：{value}", f"the amount is too large: {value}")
    rounded = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    if rounded != value and not round_half_up:
        raise _bad_amount(
            f"金额最多保留两位小数（到分）：{value}",
            f"an amount has at most two decimal places (fen): {value}",
        )
    return int(rounded * 100)


def _check_fen(fen: int) -> int:
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"fen must be an int, not {type(fen).__name__}")
    return fen


def fen_to_decimal(fen: int) -> Decimal:
    """Fen to a yuan Decimal with two places, e.g. fen_to_decimal(123456) -> Decimal("1234.56")."""
    return Decimal(_check_fen(fen)).scaleb(-2)


def format_yuan(fen: int) -> str:
    """Fen to yuan text with thousands separators, e.g. format_yuan(123456789) -> "1,234,567.89"."""
    fen = _check_fen(fen)
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan:,}.{cents:02d}"


def _group_text(group: int) -> str:
    """One four-digit group without leading 零, e.g. 1009 -> "壹仟零玖", 10 -> "壹拾"."""
    out: list[str] = []
    pending_zero = False
    for power, unit in _DIGIT_UNITS:
        digit = group // 10**power % 10
        if digit == 0:
            pending_zero = pending_zero or bool(out)
            continue
        if pending_zero:
            out.append("零")  # one 零 per run of internal zeros
            pending_zero = False
        out.append(_DIGITS[digit] + unit)
    return "".join(out)


def _integer_variants(yuan: int) -> list[str]:
    """Allowed spellings of whole yuan (without 元), the canonical one first."""
    groups = [yuan // 10 ** (4 * i) % 10**4 for i in range(4)]
    options: list[tuple[str, ...]] = []
    previous: int | None = None  # the last non-zero group written
    gap = False  # whole zero groups since it
    for index in range(3, -1, -1):
        group = groups[index]
        if group == 0:
            if previous is not None:
                gap = True
                if index == 2 and groups[3]:
                    options.append(("亿",))  # 壹万亿: the 亿 of an empty 亿 group
            continue
        if previous is not None:
            if gap or group < 1000:
                options.append(("零",))  # required: lower group < 1000 or zero groups between
            elif previous % 10 == 0:
                options.append(("", "零"))  # 万 (or 亿) digit 0, next digit not: 零 optional
        options.append((_group_text(group) + _GROUP_UNITS[index],))
        previous, gap = group, False
    if not options:
        return ["零"]
    return ["".join(parts) for parts in product(*options)]


def _capital_variants(fen: int) -> list[str]:
    """All PBOC-allowed spellings of an amount (without 人民币), the canonical one first."""
    yuan, cents = divmod(fen, 100)
    jiao, fen_digit = divmod(cents, 10)
    jiao_text = _DIGITS[jiao] + "角" if jiao else ""
    fen_text = _DIGITS[fen_digit] + "分" if fen_digit else ""
    if yuan == 0:
        if not cents:
            return ["零元整", "零元正"]
        heads = [""]
    else:
        heads = [text + "元" for text in _integer_variants(yuan)]
    if not cents:
        return [head + suffix for head in heads for suffix in ("整", "正")]
    if yuan == 0:
        zeros: tuple[str, ...] = ("",)
    elif not jiao:
        zeros = ("零",)  # 角 = 0 and 分 ≠ 0: 零 after 元 is required
    elif yuan % 10 == 0:
        zeros = ("零", "")  # 元 digit 0, 角 not: 零 optional (canonical writes it)
    else:
        zeros = ("",)
    # 整/正 is optional after 角 (canonical writes 整), never after 分
    tails = ("整", "", "正") if not fen_digit else ("",)
    return [
        head + zero + jiao_text + fen_text + tail
        for head in heads
        for zero in zeros
        for tail in tails
    ]


def to_capitals(fen: int) -> str:
    """Chinese capital amount (大写金额), e.g. to_capitals(100010001_00) -> "壹亿零壹万零壹元整"."""
    fen = _check_fen(fen)
    if fen < 0:
        raise _bad_amount("大写金额不能为负数", "capital amounts cannot be negative", fen=fen)
    if fen > MAX_FEN:
        raise _bad_amount("金额超出万亿级", "the amount is beyond the 万亿 group", fen=fen)
    return _capital_variants(fen)[0]


_INT_UNITS = {"拾": 10, "佰": 100, "仟": 1000}
_FRACTION = re.compile(
    r"(?:零)?(?:(?P<jiao>[壹贰叁肆伍陆柒捌玖])角)?(?:(?P<fen>[壹贰叁肆伍陆柒捌玖])分)?[整正]?"
)


def _lenient_integer(text: str) -> int:
    """Value of whole-yuan capitals without checking the spelling (the variants do that)."""
    total = section = number = 0
    for ch in text:
        if ch in _DIGITS:
            number = _DIGITS.index(ch)
        elif ch in _INT_UNITS:
            if number == 0:
                raise ValueError("a unit without a digit, e.g. 拾 without 壹")
            section += number * _INT_UNITS[ch]
            number = 0
        elif ch == "万":
            total += (section + number) * 10**4
            section = number = 0
        elif ch == "亿":
            total = (total + section + number) * 10**8
            section = number = 0
        else:
            raise ValueError(f"unexpected character {ch!r}")
    return total + section + number


def parse_capitals(text: str) -> int:
    """Capital amount to fen, e.g. parse_capitals("人民币壹仟陆佰捌拾元叁角贰分") -> 168032.

    Accepts every spelling rules.md §5.4 allows: optional 人民币 prefix, 整 or 正, optional 零
    where the 万/亿 or 元 digit is 0 and the next lower digit is not, optional 整 after 角.
    Whitespace is ignored and the traditional forms 萬 億 貳 陸 and 圆/圓 (for 元) are read as
    their standard characters. Refuses 一二三…, 毛, 另, 整 after 分, a missing 壹 before 拾,
    and anything else malformed, with DomainError "invalid-capital-amount".
    """
    if not isinstance(text, str):
        raise TypeError(f"capital amounts are text, not {type(text).__name__}")
    original = text
    body = "".join(text.split()).translate(_VARIANTS)
    bad = sorted(set(body) & _FORBIDDEN, key=body.index)
    if bad:
        chars = "".join(bad)
        raise _bad_capitals(
            original,
            f"大写金额不得使用“{chars}”，应使用零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分",
            f"capital amounts may not use {chars!r}; use 零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分",
        )
    body = body.removeprefix("人民币")
    malformed = _bad_capitals(
        original,
        f"大写金额书写不规范：“{original}”",
        f"not a well-formed capital amount: {original!r}",
    )
    if not body:
        raise malformed
    integer_text, has_yuan, fraction_text = body.partition("元")
    if not has_yuan:
        integer_text, fraction_text = "", body
    match = _FRACTION.fullmatch(fraction_text)
    if match is None:
        raise malformed
    try:
        yuan = _lenient_integer(integer_text)
    except ValueError:
        raise malformed from None
    jiao = _DIGITS.index(match["jiao"]) if match["jiao"] else 0
    fen_digit = _DIGITS.index(match["fen"]) if match["fen"] else 0
    fen = yuan * 100 + jiao * 10 + fen_digit
    if fen > MAX_FEN or body not in _capital_variants(fen):
        raise malformed
    return fen


def check_price_consistency(figures_fen: int, capitals: str) -> tuple[int, bool]:
    """Amount that prevails and whether figures and capitals differ; capitals prevail (大写为准).

    e.g. check_price_consistency(100000, "壹仟零壹元整") -> (100100, True). Invalid capitals
    raise DomainError "invalid-capital-amount": there is then no amount in words to prevail.
    """
    amount = parse_capitals(capitals)
    return amount, amount != _check_fen(figures_fen)
