"""Objections (异议 / 质疑) and complaints (投诉): windows, suspension, confidentiality.

The test clock starts on Monday 2026-03-02 09:00 Beijing time; the construction
announcement's deadline is Monday 03-23 10:00. 2026-03 has no holidays.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from factories import act, announce, announcement, bid, open_and_decrypt
from ggzy.core.errors import DomainError
from ggzy.procedures import views
from procurement_factories import approve, data, procurement_net, register, stage


def refused(code: str, fn: Any, *args: Any, **kw: Any) -> DomainError:
    with pytest.raises(DomainError) as info:
        fn(*args, **kw)
    assert info.value.code == code, (info.value.code, info.value.zh)
    return info.value


@pytest.fixture
def net(platform):
    return procurement_net(platform)


def objecting(platform, net, subject: str = "documents") -> tuple[str, Any]:
    """A construction tender with one bidder holding the documents and objecting to them."""
    code = announce(platform, net)
    bidder = net.bidders[0]
    act(platform, bidder, code, "obtain_documents", {})
    result = act(
        platform,
        bidder,
        code,
        "raise_objection",
        {"subject": subject, "text": "资格条件要求特定行政区域业绩，排斥潜在投标人"},
    )
    assert result["objection"] == 1
    return code, bidder


# ---------------------------------------------------------------- construction (异议)


def test_an_objection_to_the_documents_suspends_bidding_until_it_is_answered(
    platform, clock, net
) -> None:
    code, _ = objecting(platform, net)
    deadline = datetime.fromisoformat(data(platform, code)["bid_deadline"])
    error = refused("project-suspended", bid, platform, net.bidders[1], code, "9800000.00")
    assert "异议待答复" in error.zh
    clock.advance(days=2)
    result = act(
        platform,
        net.tenderee,
        code,
        "answer_objection",
        {"objection": 1, "answer": "已删除该项业绩要求，详见澄清文件"},
    )
    assert data(platform, code)["suspended"] is None
    moved = datetime.fromisoformat(data(platform, code)["bid_deadline"])
    assert moved - deadline == timedelta(days=2)
    assert result["event"] == "ObjectionAnswered"
    bid(platform, net.bidders[1], code, "9800000.00")


def test_an_objection_to_the_documents_needs_ten_days_before_the_deadline(
    platform, clock, net
) -> None:
    code = announce(platform, net)
    bidder = net.bidders[0]
    act(platform, bidder, code, "obtain_documents", {})
    clock.advance(days=12)  # Saturday 03-14; the last day was Friday 03-13 (+10 = 03-23)
    error = refused(
        "objection-too-late",
        act,
        platform,
        bidder,
        code,
        "raise_objection",
        {"subject": "documents", "text": "异议"},
    )
    assert error.extra["last_day"] == "2026-03-13"
    assert "招标投标法实施条例 第22条" in error.zh


def test_the_public_never_learns_who_objected(platform, net) -> None:
    code, bidder = objecting(platform, net)
    act(platform, net.tenderee, code, "answer_objection", {"objection": 1, "answer": "维持原文件"})
    with platform.read() as conn:
        public = views.timeline(conn, code, None)
    kinds = [e["type"] for e in public]
    assert "ObjectionAnswered" in kinds and "ObjectionRaised" not in kinds
    assert bidder.entity not in json.dumps(public, ensure_ascii=False)


def test_an_unknown_subject_is_refused(platform, net) -> None:
    code = announce(platform, net)
    error = refused(
        "unknown-subject",
        act,
        platform,
        net.bidders[0],
        code,
        "raise_objection",
        {"subject": "weather", "text": "?"},
    )
    assert "招标文件" in error.zh


def test_a_complaint_about_the_documents_needs_an_objection_first(platform, net) -> None:
    code = announce(platform, net)
    error = refused(
        "objection-first",
        act,
        platform,
        net.bidders[0],
        code,
        "file_complaint",
        {"subject": "documents", "text": "招标文件排斥潜在投标人"},
    )
    assert "先提出异议" in error.zh


def test_no_complaint_while_the_objection_may_still_be_answered(platform, net) -> None:
    code, bidder = objecting(platform, net)
    fields = {"subject": "documents", "text": "招标人未答复"}
    error = refused("objection-pending", act, platform, bidder, code, "file_complaint", fields)
    assert "2026-03-05" in error.zh  # answered within 3 days of 03-02


def test_a_complaint_is_taken_up_and_decided(platform, clock, net) -> None:
    code, bidder = objecting(platform, net)
    act(platform, net.tenderee, code, "answer_objection", {"objection": 1, "answer": "维持"})
    clock.advance(days=3)
    filed = act(
        platform,
        bidder,
        code,
        "file_complaint",
        {"subject": "documents", "text": "答复未纠正排斥性条款"},
    )
    assert filed["complaint"] == 1
    act(platform, net.regulator, code, "accept_complaint", {"complaint": 1, "accepted": True})
    decided = act(
        platform,
        net.regulator,
        code,
        "decide_complaint",
        {"complaint": 1, "upheld": True, "decision": "责令修改招标文件并相应延长投标截止时间"},
    )
    assert decided["event"] == "ComplaintDecided"
    assert data(platform, code)["complaint_status"] == {"1": "upheld"}


def test_a_complaint_ten_days_after_the_answer_is_too_late(platform, clock, net) -> None:
    code, bidder = objecting(platform, net)
    act(platform, net.tenderee, code, "answer_objection", {"objection": 1, "answer": "维持"})
    clock.advance(days=11)  # answered Monday 03-02: the 10 days ended on Thursday 03-12
    fields = {"subject": "documents", "text": "迟到的投诉"}
    error = refused("complaint-too-late", act, platform, bidder, code, "file_complaint", fields)
    assert "2026-03-12" in error.zh and "招标投标法实施条例 第60条" in error.zh


def test_refusing_to_take_up_a_complaint_needs_a_reason(platform, clock, net) -> None:
    code, bidder = objecting(platform, net)
    act(platform, net.tenderee, code, "answer_objection", {"objection": 1, "answer": "维持"})
    act(platform, bidder, code, "file_complaint", {"subject": "documents", "text": "投诉"})
    fields = {"complaint": 1, "accepted": False}
    refused("reason-required", act, platform, net.regulator, code, "accept_complaint", fields)


# ---------------------------------------------------------------- government procurement (质疑)


def awarded(platform, clock, net) -> str:
    code = approve(platform, net, register(platform, net, "procurement.open_tendering"))
    fields = {**announcement(platform), "bid_bond": "60000.00"}
    act(platform, net.tenderee, code, "publish_announcement", fields)
    for bidder, price in zip(net.bidders, ("2860000.00", "2790000.00", "2935000.00"), strict=False):
        bid(platform, bidder, code, price)
    clock.advance(days=21, hours=2)
    open_and_decrypt(platform, net, code)
    act(platform, net.tenderee, code, "evaluate", {})
    act(platform, net.tenderee, code, "award", {})  # Monday 03-23
    return code


def test_a_challenge_to_the_result_within_seven_working_days(platform, clock, net) -> None:
    code = awarded(platform, clock, net)
    loser = net.bidders[0]
    clock.advance(days=9)  # Wednesday 04-01: the seven working days ended on Wednesday 04-01
    act(platform, loser, code, "raise_objection", {"subject": "result", "text": "评分有误"})
    assert stage(platform, code) == "awarded"  # a challenge does not suspend by itself
    clock.advance(days=1)
    error = refused(
        "objection-too-late",
        act,
        platform,
        net.bidders[2],
        code,
        "raise_objection",
        {"subject": "result", "text": "评分有误"},
    )
    assert error.extra["last_day"] == "2026-04-01" and "政府采购法 第52条" in error.zh


def test_a_procurement_complaint_counts_from_the_end_of_the_answer_period(
    platform, clock, net
) -> None:
    code = awarded(platform, clock, net)
    loser = net.bidders[0]
    act(platform, loser, code, "raise_objection", {"subject": "result", "text": "评分有误"})
    due = data(platform, code)["objections"][0]["answer_due"]
    assert due == "2026-04-01"  # 7 working days after Monday 03-23
    act(platform, net.tenderee, code, "answer_objection", {"objection": 1, "answer": "评分无误"})
    clock.set(datetime.fromisoformat("2026-04-23T09:00:00+08:00"))  # the 15th working day
    filed = act(platform, loser, code, "file_complaint", {"subject": "result", "text": "不服答复"})
    assert filed["complaint"] == 1
    clock.set(datetime.fromisoformat("2026-04-24T09:00:00+08:00"))
    fields = {"subject": "result", "text": "再次投诉"}
    error = refused("complaint-too-late", act, platform, loser, code, "file_complaint", fields)
    assert "2026-04-23" in error.zh and "政府采购法 第55条" in error.zh


def test_every_procurement_complaint_needs_a_challenge_first(platform, clock, net) -> None:
    code = awarded(platform, clock, net)
    fields = {"subject": "result", "text": "直接投诉"}
    refused("objection-first", act, platform, net.bidders[0], code, "file_complaint", fields)
