"""Open tendering of a construction project, end to end, run by the declarative engine."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from factories import (
    act,
    announce,
    announcement,
    bid,
    open_and_decrypt,
    register_project,
    seal,
    seed_parties,
)
from ggzy.bidding.tables import bids
from ggzy.core.errors import DomainError
from ggzy.core.tables import events
from ggzy.procedures.engine import get_project
from ggzy.procedures.views import opened_bids, project_view, timeline


def event_count(platform):
    with platform.read() as conn:
        return conn.execute(select(func.count()).select_from(events)).scalar_one()


def stage(platform, code):
    with platform.read() as conn:
        return get_project(conn, code)["stage"]


def test_registering_a_project_gives_it_a_valid_unified_deal_code(platform):
    parties = seed_parties(platform)
    code = register_project(platform, parties)
    assert code.startswith("4201002026J000001") and len(code) == 18
    assert stage(platform, code) == "registered"


def test_the_whole_procedure_from_announcement_to_award(platform, clock):
    p = seed_parties(platform)
    code = announce(platform, p)
    prices = ["11000000.00", "10500000.00", "10800000.00"]
    for bidder, price in zip(p.bidders, prices, strict=False):
        bid(platform, bidder, code, price)
    clock.advance(days=22)
    assert open_and_decrypt(platform, p, code)["stage"] == "opened"
    act(platform, p.tenderee, code, "evaluate", {})
    act(
        platform,
        p.tenderee,
        code,
        "publicize_candidates",
        {"publicity_end": (clock.now() + timedelta(days=3)).isoformat()},
    )
    clock.advance(days=4)
    result = act(platform, p.tenderee, code, "award", {})
    assert result["stage"] == "awarded"
    with platform.read() as conn:
        project = get_project(conn, code)
    assert project["data"]["winner"] == p.bidders[1].entity
    assert project["data"]["award_price"] == 1_050_000_000


def test_bids_are_sealed_and_invisible_to_everyone_before_opening(platform):
    p = seed_parties(platform)
    code = announce(platform, p)
    bid(platform, p.bidders[0], code, "10000000")
    with platform.read() as conn:
        project = get_project(conn, code)
        assert opened_bids(conn, project) == []
        row = conn.execute(select(bids)).one()
        assert row.price is None  # the price is inside the sealed package only
        sealed = platform.documents.read(row.sealed_sha256)
        assert b"10000000" not in sealed and b"1000000000" not in sealed
        public = timeline(conn, code, None)
        tenderee_view = timeline(conn, code, p.tenderee)
        own = project_view(conn, project, p.bidders[0])
        other = project_view(conn, project, p.bidders[1])
    assert all(e["type"] != "BidSubmitted" for e in public + tenderee_view)
    assert own["my"]["bid"]["status"] == "submitted"
    assert other["my"]["bid"] is None


def test_a_bid_after_the_deadline_is_refused_and_nothing_is_stored(platform, clock):
    p = seed_parties(platform)
    code = announce(platform, p)
    act(platform, p.bidders[0], code, "obtain_documents", {})
    clock.advance(days=21, hours=1)  # exactly the deadline
    before = event_count(platform)
    sealed = seal(platform, p, p.bidders[0], code, "100")
    with pytest.raises(DomainError) as err:
        act(
            platform,
            p.bidders[0],
            code,
            "submit_bid",
            {"sealed_file": sealed.sealed_sha256, "signature": sealed.signature},
        )
    assert err.value.code == "too-late" and "截止" in err.value.zh
    assert event_count(platform) == before


def test_a_bidder_must_obtain_the_documents_before_bidding(platform):
    p = seed_parties(platform)
    code = announce(platform, p)
    with pytest.raises(DomainError) as err:
        bid(platform, p.bidders[0], code, "100", obtain=False)
    assert err.value.status == 403


def test_a_later_bid_replaces_the_earlier_and_only_the_last_counts(platform, clock):
    p = seed_parties(platform)
    code = announce(platform, p)
    bid(platform, p.bidders[0], code, "11000000")
    bid(platform, p.bidders[0], code, "10900000", obtain=False)
    bid(platform, p.bidders[1], code, "11100000")
    bid(platform, p.bidders[2], code, "11200000")
    clock.advance(days=22)
    open_and_decrypt(platform, p, code)
    with platform.read() as conn:
        read_out = opened_bids(conn, get_project(conn, code))
    assert [b["price"] for b in read_out] == [1_090_000_000, 1_110_000_000, 1_120_000_000]
    assert read_out[0]["price_capitals"] == "壹仟零玖拾万元整"


def test_a_withdrawn_bid_does_not_count(platform, clock):
    p = seed_parties(platform)
    code = announce(platform, p)
    for b, price in zip(p.bidders[:3], ["1", "2", "3"], strict=True):
        bid(platform, b, code, price)
    act(platform, p.bidders[2], code, "withdraw_bid", {})
    clock.advance(days=22)
    result = act(platform, p.tenderee, code, "open_bids", {})
    assert result["stage"] == "failed"


def test_fewer_than_three_bids_fail_the_tender(platform, clock):
    p = seed_parties(platform)
    code = announce(platform, p)
    bid(platform, p.bidders[0], code, "10000000")
    bid(platform, p.bidders[1], code, "10100000")
    clock.advance(days=22)
    result = act(platform, p.tenderee, code, "open_bids", {})
    assert result == result | {"stage": "failed", "event": "TenderFailed"}
    with platform.read() as conn:
        public = timeline(conn, code, None)
        assert opened_bids(conn, get_project(conn, code)) == []
    failure = next(e for e in public if e["type"] == "TenderFailed")
    assert failure["payload"]["bids"] == 2 and "流标" in failure["payload"]["zh"]


def test_opening_before_the_deadline_is_refused(platform):
    p = seed_parties(platform)
    code = announce(platform, p)
    with pytest.raises(DomainError) as err:
        act(platform, p.tenderee, code, "open_bids", {})
    assert err.value.code == "too-early"


def test_a_bidder_may_not_open_the_bids(platform, clock):
    p = seed_parties(platform)
    code = announce(platform, p)
    clock.advance(days=22)
    with pytest.raises(DomainError) as err:
        act(platform, p.bidders[0], code, "open_bids", {})
    assert err.value.status == 403 and "仅限" in err.value.zh


def test_an_announcement_with_less_than_twenty_days_to_the_deadline_is_refused(platform):
    p = seed_parties(platform)
    code = register_project(platform, p)
    with pytest.raises(DomainError) as err:
        act(
            platform,
            p.tenderee,
            code,
            "publish_announcement",
            announcement(platform, deadline_days=15),
        )
    assert err.value.code == "period-too-short"
    assert "招标投标法 第24条" in err.value.zh
    assert stage(platform, code) == "registered"


def test_a_document_sale_shorter_than_five_days_is_refused(platform):
    p = seed_parties(platform)
    code = register_project(platform, p)
    with pytest.raises(DomainError) as err:
        act(platform, p.tenderee, code, "publish_announcement", announcement(platform, sale_days=3))
    assert err.value.extra["rule"] == "doc_sale_min_days"


def test_a_sale_period_ending_on_a_rest_day_rolls_to_the_next_working_day(platform):
    # 2026-03-02 is a Monday; +5 days is Saturday 03-07, so the sale must run to Monday 03-09.
    p = seed_parties(platform)
    code = register_project(platform, p)
    with pytest.raises(DomainError) as err:
        act(platform, p.tenderee, code, "publish_announcement", announcement(platform, sale_days=5))
    assert err.value.extra["earliest"] == "2026-03-09"


def test_a_late_clarification_extends_the_deadline_to_fifteen_days(platform, clock):
    p = seed_parties(platform)
    code = announce(platform, p)  # deadline 2026-03-23 10:00 Beijing
    clock.advance(days=10)  # 2026-03-12: only 11 days left
    act(platform, p.tenderee, code, "clarify", {"text": "第三章技术标准更正如下……"})
    with platform.read() as conn:
        project = get_project(conn, code)
    assert project["data"]["bid_deadline"].startswith("2026-03-27T10:00")
    assert project["data"]["opening_at"] == project["data"]["bid_deadline"]


def test_a_timely_clarification_keeps_the_deadline(platform, clock):
    p = seed_parties(platform)
    code = announce(platform, p)
    act(platform, p.tenderee, code, "clarify", {"text": "答疑：工期按日历天计算。"})
    with platform.read() as conn:
        assert get_project(conn, code)["data"]["bid_deadline"].startswith("2026-03-23T10:00")


def test_questions_are_answered_without_naming_the_asker(platform):
    p = seed_parties(platform)
    code = announce(platform, p)
    act(platform, p.bidders[0], code, "obtain_documents", {})
    asked = act(platform, p.bidders[0], code, "ask_question", {"text": "工期是否含冬休期？"})
    act(platform, p.tenderee, code, "clarify", {"text": "含冬休期。", "answers": [asked["seq"]]})
    with platform.read() as conn:
        public = timeline(conn, code, None)
    clarification = next(e for e in public if e["type"] == "ClarificationIssued")
    assert p.bidders[0].entity not in str(clarification)
    assert all(e["type"] != "QuestionAsked" for e in public)


def test_a_bid_above_the_maximum_price_is_rejected_at_evaluation(platform, clock):
    p = seed_parties(platform)
    code = announce(platform, p)  # max price 11,800,000
    for b, price in zip(p.bidders[:3], ["11900000", "11000000", "11500000"], strict=True):
        bid(platform, b, code, price)
    clock.advance(days=22)
    open_and_decrypt(platform, p, code)
    act(platform, p.tenderee, code, "evaluate", {})
    with platform.read() as conn:
        data = get_project(conn, code)["data"]
    assert [c["bidder"] for c in data["candidates"]] == [p.bidders[1].entity, p.bidders[2].entity]


def test_all_bids_rejected_fails_the_tender(platform, clock):
    p = seed_parties(platform)
    code = announce(platform, p)
    for b in p.bidders[:3]:
        bid(platform, b, code, "11000000")
    clock.advance(days=22)
    open_and_decrypt(platform, p, code)
    reviews = [
        {"bidder": b.entity, "qualified": False, "reason": "未按要求提供业绩证明"}
        for b in p.bidders[:3]
    ]
    assert act(platform, p.tenderee, code, "evaluate", {"reviews": reviews})["stage"] == "failed"


def test_publicity_shorter_than_three_days_is_refused(platform, clock):
    p = seed_parties(platform)
    code = announce(platform, p)
    for b, price in zip(p.bidders[:3], ["1", "2", "3"], strict=True):
        bid(platform, b, code, price)
    clock.advance(days=22)
    open_and_decrypt(platform, p, code)
    act(platform, p.tenderee, code, "evaluate", {})
    with pytest.raises(DomainError) as err:
        act(
            platform,
            p.tenderee,
            code,
            "publicize_candidates",
            {"publicity_end": (clock.now() + timedelta(days=1)).isoformat()},
        )
    assert err.value.extra["rule"] == "publicity_min_days"


def test_the_award_waits_for_the_end_of_publicity(platform, clock):
    p = seed_parties(platform)
    code = announce(platform, p)
    for b, price in zip(p.bidders[:3], ["1", "2", "3"], strict=True):
        bid(platform, b, code, price)
    clock.advance(days=22)
    open_and_decrypt(platform, p, code)
    act(platform, p.tenderee, code, "evaluate", {})
    act(
        platform,
        p.tenderee,
        code,
        "publicize_candidates",
        {"publicity_end": (clock.now() + timedelta(days=3)).isoformat()},
    )
    with pytest.raises(DomainError) as err:
        act(platform, p.tenderee, code, "award", {})
    assert err.value.code == "too-early"


def test_a_state_funded_project_needs_a_reason_to_pass_over_the_first_candidate(platform, clock):
    p = seed_parties(platform)
    code = announce(platform, p)
    for b, price in zip(p.bidders[:3], ["1", "2", "3"], strict=True):
        bid(platform, b, code, price)
    clock.advance(days=22)
    open_and_decrypt(platform, p, code)
    act(platform, p.tenderee, code, "evaluate", {})
    act(
        platform,
        p.tenderee,
        code,
        "publicize_candidates",
        {"publicity_end": (clock.now() + timedelta(days=3)).isoformat()},
    )
    clock.advance(days=4)
    with pytest.raises(DomainError) as err:
        act(platform, p.tenderee, code, "award", {"winner": p.bidders[1].entity})
    assert "第55条" in err.value.zh
    result = act(
        platform,
        p.tenderee,
        code,
        "award",
        {"winner": p.bidders[1].entity, "reason": "第一中标候选人放弃中标"},
    )
    assert result["stage"] == "awarded"


def test_an_agency_registers_a_project_for_its_tenderee(platform):
    p = seed_parties(platform)
    result = act(
        platform,
        p.agency,
        None,
        "register_project",
        {
            "center": "420100",
            "title": "某学校改扩建工程",
            "estimated_price": "3000000",
            "tenderee": p.tenderee.entity,
        },
        method="construction.open_tendering",
    )
    with platform.read() as conn:
        project = get_project(conn, result["code"])
    assert (project["tenderee"], project["agency"]) == (p.tenderee.entity, p.agency.entity)


def test_a_bidder_cannot_register_a_project(platform):
    p = seed_parties(platform)
    with pytest.raises(DomainError) as err:
        act(
            platform,
            p.bidders[0],
            None,
            "register_project",
            {"center": "420100", "title": "x", "estimated_price": "1"},
            method="construction.open_tendering",
        )
    assert err.value.status == 403


def test_a_float_amount_is_refused(platform):
    p = seed_parties(platform)
    with pytest.raises(DomainError) as err:
        register_project(platform, p, estimated_price=12000000.5)
    assert err.value.code == "invalid-amount"


def test_unknown_fields_are_refused(platform):
    p = seed_parties(platform)
    code = register_project(platform, p)
    with pytest.raises(DomainError) as err:
        act(platform, p.tenderee, code, "publish_announcement", {**announcement(platform), "x": 1})
    assert err.value.code == "unknown-field"
