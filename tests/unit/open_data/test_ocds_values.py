"""Exact money and time conversions between the platform (分, UTC) and OCDS (yuan, +08:00)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ggzy.core.errors import DomainError
from ggzy.open_data.values import (
    amount_to_fen,
    beijing,
    beijing_text,
    fen_to_amount,
    parse_ocds_date,
    value,
)


def test_whole_yuan_are_written_as_json_integers() -> None:
    assert fen_to_amount(1_728_860_000) == 17_288_600
    assert isinstance(fen_to_amount(1_728_860_000), int)
    assert json.dumps(fen_to_amount(100)) == "1"


def test_an_amount_with_fen_is_written_as_its_exact_decimal() -> None:
    assert json.dumps(fen_to_amount(123_456)) == "1234.56"
    assert json.dumps(fen_to_amount(5)) == "0.05"
    assert json.dumps(fen_to_amount(1_000_000_000_001)) == "10000000000.01"


@given(st.integers(min_value=0, max_value=10**15))
def test_the_json_text_of_every_amount_up_to_ten_trillion_yuan_is_exact(fen: int) -> None:
    text = json.dumps(fen_to_amount(fen))
    assert Decimal(text) == Decimal(fen) / 100
    assert amount_to_fen(json.loads(text)) == fen


def test_an_amount_a_json_number_cannot_hold_exactly_is_refused_not_rounded() -> None:
    with pytest.raises(DomainError) as info:
        fen_to_amount(10**17 + 1)  # a trillion yuan and one fen: 18 significant digits
    assert info.value.code == "inexact-amount"


def test_floats_and_booleans_are_not_fen() -> None:
    with pytest.raises(TypeError):
        fen_to_amount(12.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        fen_to_amount(True)


def test_a_value_is_in_cny_with_its_amount_in_chinese_capitals() -> None:
    assert value(1_728_860_000) == {
        "amount": 17_288_600,
        "currency": "CNY",
        "amountInWords": "壹仟柒佰贰拾捌万捌仟陆佰元整",
    }
    assert value(None) is None


def test_amounts_read_back_to_fen_only_when_exact_to_the_fen() -> None:
    assert amount_to_fen("1,234.56") == 123_456
    assert amount_to_fen(Decimal("0.10")) == 10
    assert amount_to_fen(1.005) is None  # a tenth of a fen
    assert amount_to_fen("") is None
    assert amount_to_fen("n/a") is None
    assert amount_to_fen(True) is None


def test_instants_are_written_in_beijing_time_to_the_second() -> None:
    assert beijing(datetime(2026, 1, 4, 1, 30, 0, 123456, tzinfo=UTC)) == (
        "2026-01-04T09:30:00+08:00"
    )
    assert beijing_text("2026-01-26T01:30:00+00:00") == "2026-01-26T09:30:00+08:00"
    assert beijing_text("2026-01-26T09:30:00") == "2026-01-26T09:30:00+08:00"  # Beijing time
    assert beijing_text("2026-03-04") is None  # a day is not an instant
    with pytest.raises(ValueError):
        beijing(datetime(2026, 1, 4, 9, 30))


def test_release_dates_in_every_iso_form_parse_and_odd_forms_are_named() -> None:
    eight = timezone(timedelta(hours=8))
    assert parse_ocds_date("2016-01-01T10:00:00.000Z") == (
        datetime(2016, 1, 1, 10, tzinfo=UTC),
        None,
    )
    assert parse_ocds_date("2016-01-01T18:00:00+08:00") == (
        datetime(2016, 1, 1, 18, tzinfo=eight),
        None,
    )
    assert parse_ocds_date("2014-02-05") == (datetime(2014, 2, 5, tzinfo=UTC), "date-without-time")
    assert parse_ocds_date("2016-01-01T10:00:00.000000") == (
        datetime(2016, 1, 1, 10, tzinfo=UTC),
        "date-without-timezone",
    )
    assert parse_ocds_date("") == (None, "empty-date")
    assert parse_ocds_date("05/02/2014") == (None, "invalid-date")
    assert parse_ocds_date(20140205) == (None, "invalid-date")
    assert parse_ocds_date(None) == (None, None)
