"""Government procurement open tendering (政府采购公开招标), from the plan to acceptance.

The test clock starts on Monday 2026-03-02 09:00 Beijing time; 2026-03 has no holidays.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from factories import act, announcement, bid, open_and_decrypt
from ggzy.core.calendar import SHANGHAI
from ggzy.core.errors import DomainError
from ggzy.procedures.scheduler import run_due
from procurement_factories import (
    approve,
    data,
    plan_document,
    procurement_net,
    register,
    signature,
    stage,
    stored_document,
)

GP = "procurement.open_tendering"


def refused(code: str, fn: Any, *args: Any, **kw: Any) -> DomainError:
    with pytest.raises(DomainError) as info:
        fn(*args, **kw)
    assert info.value.code == code, (info.value.code, info.value.zh)
    return info.value


@pytest.fixture
def net(platform):
    return procurement_net(platform)


def project(platform, net, **fields: Any) -> str:
    return register(platform, net, GP, **fields)


def approved(platform, net) -> str:
    return approve(platform, net, project(platform, net))


def announced(platform, net, **overrides: Any) -> str:
    code = approved(platform, net)
    fields = {**announcement(platform), "bid_bond": "60000.00", **overrides}
    act(platform, net.tenderee, code, "publish_announcement", fields)
    return code


def evaluated(platform, clock, net, prices=("2860000.00", "2790000.00", "2935000.00")) -> str:
    code = announced(platform, net)
    for bidder, price in zip(net.bidders, prices, strict=False):
        bid(platform, bidder, code, price)
    clock.advance(days=21, hours=2)
    assert open_and_decrypt(platform, net, code)["stage"] == "opened"
    assert act(platform, net.tenderee, code, "evaluate", {})["stage"] == "evaluated"
    return code


def contract_document(platform) -> str:
    return stored_document(platform, "政府采购合同：交互式智能黑板 60 套、学生计算机 200 台。")


# ---------------------------------------------------------------- plan and announcement


def test_nothing_is_published_before_the_plan_is_approved(platform, net) -> None:
    code = project(platform, net)
    fields = {**announcement(platform), "bid_bond": "60000.00"}
    error = refused(
        "wrong-stage", act, platform, net.tenderee, code, "publish_announcement", fields
    )
    assert "已登记" in error.zh


def test_only_the_finance_department_approves_a_plan(platform, net) -> None:
    code = project(platform, net)
    act(
        platform,
        net.tenderee,
        code,
        "submit_plan",
        {
            "plan_number": "P-1",
            "budget": "3000000.00",
            "funding": "财政性资金",
            "items": "设备",
            "plan_document": plan_document(platform),
        },
    )
    refused("forbidden", act, platform, net.tenderee, code, "approve_plan", {})
    assert stage(platform, code) == "plan_submitted"


def test_a_returned_plan_is_resubmitted_and_then_approved(platform, net) -> None:
    code = project(platform, net)
    plan = {
        "plan_number": "P-1",
        "budget": "3000000.00",
        "funding": "财政性资金",
        "items": "设备",
        "plan_document": plan_document(platform),
    }
    act(platform, net.tenderee, code, "submit_plan", plan)
    act(platform, net.regulator, code, "return_plan", {"reason": "采购需求未列明技术参数"})
    assert stage(platform, code) == "registered"
    assert data(platform, code)["plan_returned"] == "采购需求未列明技术参数"
    act(platform, net.tenderee, code, "submit_plan", {**plan, "items": "设备（附技术参数表）"})
    act(platform, net.regulator, code, "approve_plan", {})
    assert stage(platform, code) == "approved"
    assert data(platform, code)["plan_returned"] is None


def test_a_budget_below_the_registered_budget_is_refused(platform, net) -> None:
    code = project(platform, net)
    plan = {
        "plan_number": "P-1",
        "budget": "2999999.99",
        "funding": "财政性资金",
        "items": "设备",
        "plan_document": plan_document(platform),
    }
    refused("budget-too-low", act, platform, net.tenderee, code, "submit_plan", plan)


def test_documents_are_available_for_five_working_days(platform, net) -> None:
    code = approved(platform, net)
    start = platform.clock.now()  # Monday 03-02: five working days end on Monday 03-09
    short = {
        **announcement(platform),
        "bid_bond": "60000.00",
        "doc_sale_end": (start + timedelta(days=5)).isoformat(),
    }
    error = refused(
        "period-too-short", act, platform, net.tenderee, code, "publish_announcement", short
    )
    assert error.extra["earliest"] == "2026-03-09"
    assert "政府采购法实施条例 第31条" in error.zh and "working days" in error.en
    enough = {**short, "doc_sale_end": (start + timedelta(days=7)).isoformat()}
    assert act(platform, net.tenderee, code, "publish_announcement", enough)["stage"] == "bidding"


def test_the_bid_bond_is_capped_at_two_percent_of_the_budget(platform, net) -> None:
    code = approved(platform, net)
    fields = {**announcement(platform), "bid_bond": "60000.01"}
    error = refused(
        "bond-too-high", act, platform, net.tenderee, code, "publish_announcement", fields
    )
    assert "政府采购法实施条例 第33条" in error.zh


# ---------------------------------------------------------------- result


def test_fewer_than_three_responsive_suppliers_fail_the_tender(platform, clock, net) -> None:
    code = announced(platform, net)
    for bidder, price in zip(net.bidders, ("2860000.00", "2790000.00", "2935000.00"), strict=False):
        bid(platform, bidder, code, price)
    clock.advance(days=21, hours=2)
    open_and_decrypt(platform, net, code)
    reviews = [{"bidder": net.bidders[0].entity, "qualified": False, "reason": "未实质性响应"}]
    result = act(platform, net.tenderee, code, "evaluate", {"reviews": reviews})
    assert result["stage"] == "failed" and result["event"] == "TenderFailed"


def test_the_winner_is_the_first_ranked_unless_a_reason_is_given(platform, clock, net) -> None:
    code = evaluated(platform, clock, net)
    second = net.bidders[0].entity  # 2,860,000 ranks second after 2,790,000
    error = refused(
        "reason-required", act, platform, net.tenderee, code, "award", {"winner": second}
    )
    assert "政府采购法实施条例 第43条" in error.zh
    result = act(
        platform,
        net.tenderee,
        code,
        "award",
        {"winner": second, "reason": "排名第一的供应商书面放弃中标"},
    )
    assert result["stage"] == "awarded" and data(platform, code)["winner"] == second


def test_the_winner_is_fixed_within_five_working_days_of_the_report(platform, clock, net) -> None:
    code = evaluated(platform, clock, net)  # evaluated on Monday 03-23 (11:00)
    clock.advance(days=8)  # Tuesday 03-31: 03-24, 25, 26, 27 and 30 were the five days
    error = refused("period-expired", act, platform, net.tenderee, code, "award", {})
    assert "2026-03-30" in error.zh


def test_from_award_to_acceptance(platform, clock, net) -> None:
    code = evaluated(platform, clock, net)
    result = act(platform, net.tenderee, code, "award", {})
    assert result["stage"] == "awarded"
    winner = next(b for b in net.bidders if b.entity == data(platform, code)["winner"])
    assert data(platform, code)["award_price"] == 279_000_000  # fen
    sha = contract_document(platform)
    amount = "2790000.00"
    first = act(
        platform,
        net.tenderee,
        code,
        "sign_contract",
        {
            "contract": sha,
            "amount": amount,
            "signature": signature(platform, net, "tenderee1", sha),
        },
    )
    assert first["stage"] == "awarded"  # waiting for the supplier's signature
    second = act(
        platform,
        winner,
        code,
        "sign_contract",
        {
            "contract": sha,
            "amount": amount,
            "signature": signature(platform, net, winner.username, sha),
        },
    )
    assert second["stage"] == "contracted"
    act(platform, net.tenderee, code, "publish_contract", {})
    act(
        platform,
        net.tenderee,
        code,
        "record_performance",
        {"text": "设备已到货安装", "paid": "837000.00"},
    )
    report = contract_document(platform)
    failed = act(
        platform, net.tenderee, code, "record_acceptance", {"passed": False, "report": report}
    )
    assert failed["stage"] == "contracted"
    passed = act(
        platform, net.tenderee, code, "record_acceptance", {"passed": True, "report": report}
    )
    assert passed["stage"] == "accepted"


def test_the_contract_amount_must_be_the_award_price(platform, clock, net) -> None:
    code = evaluated(platform, clock, net)
    act(platform, net.tenderee, code, "award", {})
    sha = contract_document(platform)
    fields = {
        "contract": sha,
        "amount": "2800000.00",
        "signature": signature(platform, net, "tenderee1", sha),
    }
    error = refused("contract-amount", act, platform, net.tenderee, code, "sign_contract", fields)
    assert "贰佰柒拾玖万元整" in error.zh


def test_a_losing_supplier_cannot_sign_the_contract(platform, clock, net) -> None:
    code = evaluated(platform, clock, net)
    act(platform, net.tenderee, code, "award", {})
    loser = next(b for b in net.bidders if b.entity != data(platform, code)["winner"])
    sha = contract_document(platform)
    fields = {
        "contract": sha,
        "amount": "2790000.00",
        "signature": signature(platform, net, loser.username, sha),
    }
    refused("forbidden", act, platform, loser, code, "sign_contract", fields)


def test_the_contract_is_signed_within_thirty_days_of_the_award(platform, clock, net) -> None:
    code = evaluated(platform, clock, net)
    act(platform, net.tenderee, code, "award", {})  # Monday 03-23
    clock.advance(days=31)  # 04-23: the 30 days ended on Wednesday 04-22
    sha = contract_document(platform)
    fields = {
        "contract": sha,
        "amount": "2790000.00",
        "signature": signature(platform, net, "tenderee1", sha),
    }
    error = refused("period-expired", act, platform, net.tenderee, code, "sign_contract", fields)
    assert "政府采购法 第46条" in error.zh


# ---------------------------------------------------------------- supervision


def test_a_suspended_project_refuses_bids_and_is_not_opened(platform, clock, net) -> None:
    code = announced(platform, net)
    act(platform, net.regulator, code, "suspend", {"reason": "收到投诉，调查期间暂停采购活动"})
    error = refused("project-suspended", bid, platform, net.bidders[0], code, "2860000.00")
    assert "收到投诉" in error.zh
    clock.advance(days=22)  # past the original deadline: the platform does not open
    run_due(platform)
    assert stage(platform, code) == "bidding"


def test_resuming_moves_the_deadline_by_the_length_of_the_suspension(platform, clock, net) -> None:
    code = announced(platform, net)
    deadline = datetime.fromisoformat(data(platform, code)["bid_deadline"])
    clock.advance(days=3)
    act(platform, net.regulator, code, "suspend", {"reason": "质疑处理中"})
    clock.advance(days=4, hours=2)  # 4 days and 2 hours: moved by 5 whole days
    result = act(platform, net.regulator, code, "resume", {})
    moved = datetime.fromisoformat(data(platform, code)["bid_deadline"])
    assert moved - deadline == timedelta(days=5)
    assert moved.astimezone(SHANGHAI).time() == deadline.astimezone(SHANGHAI).time()
    assert data(platform, code)["suspended"] is None and result["stage"] is None
    bid(platform, net.bidders[0], code, "2860000.00")  # bids are taken again


def test_only_a_regulator_suspends(platform, net) -> None:
    code = announced(platform, net)
    refused("forbidden", act, platform, net.tenderee, code, "suspend", {"reason": "自查"})


def test_terminating_ends_the_project_even_while_suspended(platform, net) -> None:
    code = announced(platform, net)
    act(platform, net.regulator, code, "suspend", {"reason": "采购需求违法"})
    result = act(platform, net.tenderee, code, "terminate", {"reason": "依监督部门意见终止采购"})
    assert result["stage"] == "terminated"
    refused("wrong-stage", act, platform, net.regulator, code, "resume", {})
