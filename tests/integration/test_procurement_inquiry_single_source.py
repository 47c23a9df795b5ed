"""Request for quotation (询价) and single-source procurement (单一来源).

The test clock starts on Monday 2026-03-02 09:00 Beijing time; 2026-03 has no holidays.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from factories import act, announcement, bid, open_and_decrypt
from ggzy.core.errors import DomainError
from procurement_factories import (
    approve,
    data,
    procurement_net,
    register,
    signature,
    stage,
    stored_document,
)

INQUIRY = "procurement.inquiry"
SINGLE = "procurement.single_source"


def refused(code: str, fn: Any, *args: Any, **kw: Any) -> DomainError:
    with pytest.raises(DomainError) as info:
        fn(*args, **kw)
    assert info.value.code == code, (info.value.code, info.value.zh)
    return info.value


@pytest.fixture
def net(platform):
    return procurement_net(platform)


def request_for_quotation(platform, net, days: int = 4) -> str:
    """An approved inquiry whose request asks for quotes within `days` calendar days."""
    code = approve(platform, net, register(platform, net, INQUIRY))
    now = platform.clock.now()
    fields = {
        **announcement(platform),
        "doc_sale_end": (now + timedelta(days=days)).isoformat(),
        "bid_deadline": (now + timedelta(days=days, hours=1)).isoformat(),
        "bid_bond": None,
    }
    act(platform, net.tenderee, code, "publish_announcement", fields)
    return code


# ---------------------------------------------------------------- inquiry


def test_quotes_are_due_at_least_three_working_days_after_the_request(platform, net) -> None:
    code = approve(platform, net, register(platform, net, INQUIRY))
    now = platform.clock.now()  # Monday 03-02: the third working day after it is Thursday 03-05
    fields = {
        **announcement(platform),
        "doc_sale_end": (now + timedelta(days=2)).isoformat(),
        "bid_deadline": (now + timedelta(days=2, hours=1)).isoformat(),
        "bid_bond": None,
    }
    error = refused(
        "period-too-short", act, platform, net.tenderee, code, "publish_announcement", fields
    )
    assert error.extra["earliest"] == "2026-03-05"
    assert "财政部令第74号 第45条" in error.zh


def test_a_quote_cannot_be_changed_or_withdrawn(platform, net) -> None:
    code = request_for_quotation(platform, net)
    supplier = net.bidders[0]
    bid(platform, supplier, code, "2860000.00")
    error = refused("quote-final", bid, platform, supplier, code, "2750000.00", obtain=False)
    assert "政府采购法 第40条" in error.zh
    refused("not-found", act, platform, supplier, code, "withdraw_bid", {})


def test_the_lowest_quote_of_three_wins(platform, clock, net) -> None:
    code = request_for_quotation(platform, net)
    for supplier, price in zip(
        net.bidders, ("2860000.00", "2790000.00", "2935000.00"), strict=False
    ):
        bid(platform, supplier, code, price)
    clock.advance(days=4, hours=2)
    assert open_and_decrypt(platform, net, code)["stage"] == "opened"
    assert act(platform, net.tenderee, code, "evaluate", {})["stage"] == "evaluated"
    assert act(platform, net.tenderee, code, "award", {})["stage"] == "awarded"
    assert data(platform, code)["winner"] == net.bidders[1].entity
    assert data(platform, code)["award_price"] == 279_000_000


def test_two_quotes_fail_the_inquiry(platform, clock, net) -> None:
    code = request_for_quotation(platform, net)
    for supplier, price in zip(net.bidders, ("2860000.00", "2790000.00"), strict=False):
        bid(platform, supplier, code, price)
    clock.advance(days=4, hours=2)
    result = act(platform, net.staff, code, "open_bids", {})
    assert result["stage"] == "failed"


# ---------------------------------------------------------------- single source


def publicised(platform, net, working_days_end: int = 7) -> str:
    code = approve(platform, net, register(platform, net, SINGLE))
    end = platform.clock.now() + timedelta(days=working_days_end)
    act(
        platform,
        net.tenderee,
        code,
        "publicize_single_source",
        {
            "supplier": net.bidders[0].entity,
            "reason": "原有教学系统的扩充，需与原供应商的专有接口兼容（专业人员论证意见附后）",
            "publicity_end": end.isoformat(),
        },
    )
    return code


def test_the_sole_supplier_is_publicised_for_five_working_days(platform, net) -> None:
    code = approve(platform, net, register(platform, net, SINGLE))
    end = platform.clock.now() + timedelta(days=4)  # Friday 03-06: only 4 working days
    fields = {
        "supplier": net.bidders[0].entity,
        "reason": "唯一供应商",
        "publicity_end": end.isoformat(),
    }
    error = refused(
        "period-too-short", act, platform, net.tenderee, code, "publicize_single_source", fields
    )
    assert error.extra["earliest"] == "2026-03-09"
    assert "政府采购法实施条例 第38条" in error.zh


def test_the_price_is_negotiated_only_after_the_publicity(platform, clock, net) -> None:
    code = publicised(platform, net)
    minutes = stored_document(platform, "协商情况记录：成交价 2,750,000 元。", "协商记录.txt")
    fields = {
        "price": "2750000.00",
        "minutes": minutes,
        "supplier_signature": signature(platform, net, net.bidders[0].username, minutes),
    }
    refused("too-early", act, platform, net.tenderee, code, "record_negotiation", fields)
    clock.advance(days=7, hours=1)
    assert act(platform, net.tenderee, code, "record_negotiation", fields)["stage"] == "evaluated"
    assert act(platform, net.tenderee, code, "award", {})["stage"] == "awarded"
    assert data(platform, code)["winner"] == net.bidders[0].entity
    assert data(platform, code)["award_price"] == 275_000_000


def test_a_negotiated_price_above_the_budget_is_refused(platform, clock, net) -> None:
    code = publicised(platform, net)
    clock.advance(days=7, hours=1)
    minutes = stored_document(platform, "协商情况记录：成交价 3,000,000.01 元。", "协商记录.txt")
    fields = {
        "price": "3000000.01",
        "minutes": minutes,
        "supplier_signature": signature(platform, net, net.bidders[0].username, minutes),
    }
    refused("over-budget", act, platform, net.tenderee, code, "record_negotiation", fields)
    assert stage(platform, code) == "publicized"


def test_the_record_must_be_signed_by_the_sole_supplier(platform, clock, net) -> None:
    code = publicised(platform, net)
    clock.advance(days=7, hours=1)
    minutes = stored_document(platform, "协商情况记录：成交价 2,750,000 元。", "协商记录.txt")
    fields = {
        "price": "2750000.00",
        "minutes": minutes,
        "supplier_signature": signature(platform, net, net.bidders[1].username, minutes),
    }
    refused("wrong-entity", act, platform, net.tenderee, code, "record_negotiation", fields)
