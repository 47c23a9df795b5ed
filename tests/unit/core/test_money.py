"""Money in fen and Chinese capital amounts (大写金额), rules.md §5.4."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ggzy.core.errors import DomainError
from ggzy.core.money import (
    check_price_consistency,
    fen_to_decimal,
    format_yuan,
    parse_capitals,
    parse_yuan,
    to_capitals,
)

# rules.md §5.4 canonical table: yuan amount -> canonical capitals
CANONICAL = [
    ("1234567.89", "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
    ("1409.50", "壹仟肆佰零玖元伍角整"),
    ("6007.14", "陆仟零柒元壹角肆分"),
    ("1680.32", "壹仟陆佰捌拾元零叁角贰分"),
    ("107000.53", "壹拾万柒仟元零伍角叁分"),
    ("325.04", "叁佰贰拾伍元零肆分"),
    ("100500", "壹拾万零伍佰元整"),
    ("100010001", "壹亿零壹万零壹元整"),
    ("1000000.01", "壹佰万元零壹分"),
    ("0", "零元整"),
]

# PBOC-allowed alternatives (rules.md §5.4) -> yuan amount
ALTERNATIVES = [
    ("壹仟陆佰捌拾元叁角贰分", "1680.32"),
    ("壹拾万零柒仟元零伍角叁分", "107000.53"),
    ("壹拾万零柒仟元伍角叁分", "107000.53"),
    ("壹拾万柒仟元伍角叁分", "107000.53"),
    ("壹仟肆佰零玖元伍角", "1409.50"),
    ("壹仟肆佰零玖元伍角正", "1409.50"),
    ("壹拾万零伍佰元正", "100500"),
    ("人民币壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分", "1234567.89"),
    ("人民币 壹拾元整", "10"),
    ("零元正", "0"),
    ("壹萬元整", "10000"),
]


# --- parse_yuan / format_yuan / fen_to_decimal ---------------------------------------------------


@pytest.mark.parametrize(
    ("given_amount", "fen"),
    [
        ("1234.56", 123456),
        ("1,234.56", 123456),
        ("¥1234.5", 123450),
        ("￥ 88", 8800),
        ("88元", 8800),
        ("0.01", 1),
        ("1,234,567", 123456700),
        (" 7 ", 700),
        (12, 1200),
        (Decimal("0.07"), 7),
    ],
)
def test_parse_yuan_reads_common_spellings_as_fen(given_amount: str | int | Decimal, fen: int):
    assert parse_yuan(given_amount) == fen


def test_parse_yuan_refuses_floats() -> None:
    with pytest.raises(TypeError):
        parse_yuan(12.5)  # type: ignore[arg-type]


def test_parse_yuan_refuses_booleans() -> None:
    with pytest.raises(TypeError):
        parse_yuan(True)


@pytest.mark.parametrize("negative", ["-1.00", -1, Decimal("-0.01"), "¥-5"])
def test_parse_yuan_refuses_negative_amounts(negative: str | int | Decimal) -> None:
    with pytest.raises(DomainError) as caught:
        parse_yuan(negative)
    assert caught.value.code == "invalid-amount"


def test_parse_yuan_refuses_more_than_two_decimals() -> None:
    with pytest.raises(DomainError) as caught:
        parse_yuan("1.005")
    assert caught.value.code == "invalid-amount"


@pytest.mark.parametrize(("text", "fen"), [("1.005", 101), ("1.004", 100), ("2.675", 268)])
def test_parse_yuan_rounds_half_up_when_asked(text: str, fen: int) -> None:
    assert parse_yuan(text, round_half_up=True) == fen


def test_parse_yuan_accepts_trailing_zeros_beyond_the_fen() -> None:
    assert parse_yuan("1.230") == 123
    assert parse_yuan(Decimal("5.0000")) == 500


@pytest.mark.parametrize(
    "garbage", ["", "abc", "1,23.4", "1.2.3", "１２３", "1e5", "NaN", "1 000", ".5", Decimal("NaN")]
)
def test_parse_yuan_refuses_garbage(garbage: str | Decimal) -> None:
    with pytest.raises(DomainError) as caught:
        parse_yuan(garbage)
    assert caught.value.code == "invalid-amount"


@pytest.mark.parametrize(
    ("fen", "text"),
    [(123456789, "1,234,567.89"), (5, "0.05"), (0, "0.00"), (-100000, "-1,000.00")],
)
def test_format_yuan_groups_thousands_with_two_decimals(fen: int, text: str) -> None:
    assert format_yuan(fen) == text


def test_fen_to_decimal_keeps_two_places() -> None:
    assert str(fen_to_decimal(123456)) == "1234.56"
    assert str(fen_to_decimal(100)) == "1.00"


# --- to_capitals / parse_capitals ---------------------------------------------------------------


@pytest.mark.parametrize(("yuan", "capitals"), CANONICAL)
def test_to_capitals_matches_the_canonical_table(yuan: str, capitals: str) -> None:
    assert to_capitals(parse_yuan(yuan)) == capitals


def test_one_hundred_yuan_is_written_with_zheng() -> None:
    assert to_capitals(10000) == "壹佰元整"


def test_leading_ten_is_written_with_yi() -> None:
    assert to_capitals(1000) == "壹拾元整"


def test_inner_ten_is_written_with_yi() -> None:
    assert to_capitals(51000) == "伍佰壹拾元整"


@pytest.mark.parametrize(
    ("fen", "capitals"),
    [
        (5, "伍分"),
        (50, "伍角整"),
        (10**12 * 100, "壹万亿元整"),
        (1_0001_0000_0000 * 100, "壹万零壹亿元整"),
        (1_0000_0001_0000 * 100, "壹万亿零壹万元整"),
        (
            9999_9999_9999_9999 * 100 + 99,
            "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分",
        ),
    ],
)
def test_to_capitals_handles_sub_yuan_and_wan_yi_amounts(fen: int, capitals: str) -> None:
    assert to_capitals(fen) == capitals


def test_to_capitals_refuses_negative_amounts() -> None:
    with pytest.raises(DomainError):
        to_capitals(-1)


def test_to_capitals_refuses_amounts_beyond_wan_yi() -> None:
    with pytest.raises(DomainError):
        to_capitals(10**18)


@pytest.mark.parametrize(("yuan", "capitals"), CANONICAL)
def test_parse_capitals_reads_the_canonical_table(yuan: str, capitals: str) -> None:
    assert parse_capitals(capitals) == parse_yuan(yuan)


@pytest.mark.parametrize(("capitals", "yuan"), ALTERNATIVES)
def test_parse_capitals_accepts_the_allowed_alternative_forms(capitals: str, yuan: str) -> None:
    assert parse_capitals(capitals) == parse_yuan(yuan)


@pytest.mark.parametrize(
    "text",
    [
        "一百元整",  # lower-case numerals
        "壹佰元伍毛",  # 毛
        "壹仟另伍元整",  # 另
        "叁佰贰拾伍元肆分",  # 零 required when 角 is 0
        "壹拾元零伍分整",  # never 整 after 分
        "拾元整",  # leading ten needs 壹
        "壹仟零零伍元整",  # a run of zeros takes one 零
        "壹佰元",  # 整 required after 元
        "壹佰元整整",
        "壹佰万万元整",
        "壹拾万零伍佰元零整",
        "伍佰拾元整",  # 壹 is needed before 拾 inside a number too
        "",
        "人民币",
        "美元壹佰元整",
    ],
)
def test_parse_capitals_refuses_forbidden_and_malformed_text(text: str) -> None:
    with pytest.raises(DomainError) as caught:
        parse_capitals(text)
    assert caught.value.code == "invalid-capital-amount"


def test_forbidden_character_error_names_the_character() -> None:
    with pytest.raises(DomainError) as caught:
        parse_capitals("壹佰元伍毛")
    assert "毛" in caught.value.zh


@given(st.integers(min_value=0, max_value=10**16))
def test_parse_capitals_inverts_to_capitals(fen: int) -> None:
    assert parse_capitals(to_capitals(fen)) == fen


@given(st.integers(min_value=0, max_value=10**16))
def test_parse_capitals_accepts_the_renminbi_prefix(fen: int) -> None:
    assert parse_capitals("人民币" + to_capitals(fen)) == fen


# --- price consistency (大写为准) ----------------------------------------------------------------


def test_equal_figures_and_capitals_do_not_differ() -> None:
    assert check_price_consistency(10700053, "壹拾万柒仟元零伍角叁分") == (10700053, False)


def test_capitals_prevail_when_figures_differ() -> None:
    assert check_price_consistency(100000, "壹仟零壹元整") == (100100, True)


def test_invalid_capitals_cannot_prevail() -> None:
    with pytest.raises(DomainError):
        check_price_consistency(100000, "一千元整")
