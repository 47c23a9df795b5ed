"""Expert draws: seeded by a signed head nobody knew in advance, avoidance by pseudonym, names
sealed until the evaluation, and recomputable by anyone from the public record."""

from __future__ import annotations

import json

import pytest

from expert_factories import DAY, add_expert, drawn, record_and_head
from factories import announce, bid, seed_parties
from ggzy.core.errors import DomainError
from ggzy.evaluation import draws, experts


@pytest.fixture
def tender(platform):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    for b, price in zip(parties.bidders[:3], ("10500000", "11000000", "11200000"), strict=True):
        bid(platform, b, code, price)
    return parties, code


def test_a_draw_recomputes_from_its_public_record_and_the_signed_head(platform, tender):
    parties, code = tender
    ids = [add_expert(platform, parties.staff, n) for n in range(1, 8)]
    draw_id = drawn(platform, parties.staff, code, {"A02": 5})
    record, head = record_and_head(platform, draw_id)
    assert draws.verify_draw(record, head, platform.node_key.public_b64()) == []
    assert record["drawn"]["seed"] == {
        "tree_size": head["tree_size"],
        "root_hash": head["root_hash"],
    }
    assert len(record["drawn"]["selected"]["A02"]) == 5
    public = json.dumps(record)
    assert not any(i in public for i in ids)  # names sealed: pseudonyms only


def test_experts_employed_by_a_bidder_or_on_leave_are_avoided(platform, tender, clock):
    parties, code = tender
    for n in range(1, 6):
        add_expert(platform, parties.staff, n)
    add_expert(platform, parties.staff, 6, employer=parties.bidders[0].entity)
    on_leave = add_expert(platform, parties.staff, 7)
    with platform.command("system") as uow:
        from ggzy.registry.handlers import get_account

        me = get_account(uow.conn, "expert07")
        experts.declare_leave(uow, me, "2026-03-20", "2026-03-30", "出国")
    draw_id = drawn(platform, parties.staff, code, {"A02": 5})
    record, _ = record_and_head(platform, draw_id)
    reasons = sorted(a["reason"] for a in record["drawn"]["avoided"])
    assert reasons == ["employer-conflict", "on-leave"]
    assert draws.pseudonym(draw_id, on_leave) in {
        a["pseudonym"] for a in record["drawn"]["avoided"]
    }


def test_the_names_stay_sealed_until_the_evaluation_day_then_match_the_commitment(
    platform, tender, clock
):
    parties, code = tender
    for n in range(1, 6):
        add_expert(platform, parties.staff, n)
    draw_id = drawn(platform, parties.staff, code, {"A02": 5})
    with pytest.raises(DomainError) as early, platform.command(parties.staff.actor) as uow:
        draws.reveal(uow, parties.staff, draw_id)
    assert early.value.code == "too-early"
    clock.advance(days=22)
    with platform.command(parties.staff.actor) as uow:
        revealed = draws.reveal(uow, parties.staff, draw_id)
    record, head = record_and_head(platform, draw_id)
    assert len(revealed["experts"]) == 5 and record["revealed"]["experts"] == revealed["experts"]
    assert draws.verify_draw(record, head, platform.node_key.public_b64()) == []


def test_a_changed_record_does_not_verify(platform, tender):
    parties, code = tender
    for n in range(1, 7):
        add_expert(platform, parties.staff, n)
    draw_id = drawn(platform, parties.staff, code, {"A02": 5})
    record, head = record_and_head(platform, draw_id)
    left_out = next(
        c["pseudonym"]
        for c in record["drawn"]["candidates"]
        if c["pseudonym"] not in record["drawn"]["selected"]["A02"]
    )
    record["drawn"]["selected"]["A02"][0] = left_out
    assert draws.verify_draw(record, head, None)
    head["root_hash"] = "00" * 32
    record, _ = record_and_head(platform, draw_id)
    assert draws.verify_draw(record, head, platform.node_key.public_b64())


def test_an_even_committee_or_too_small_a_pool_is_refused(platform, tender):
    parties, code = tender
    for n in range(1, 4):
        add_expert(platform, parties.staff, n)
    with pytest.raises(DomainError) as even:
        drawn(platform, parties.staff, code, {"A02": 4})
    assert even.value.code == "invalid-committee" and "招标投标法 第37条" in even.value.zh
    with pytest.raises(DomainError) as three:
        drawn(platform, parties.staff, code, {"A02": 3})  # construction: at least 5
    assert three.value.code == "invalid-committee"
    with pytest.raises(DomainError) as owners:
        drawn(platform, parties.staff, code, {"A02": 3}, representatives=2)
    assert owners.value.code == "too-few-experts"  # 3 of 5 is less than two thirds
    with pytest.raises(DomainError) as small:
        drawn(platform, parties.staff, code, {"A02": 5})
    assert small.value.code == "pool-too-small"
    from ggzy.procedures.engine import get_project

    with (
        pytest.raises(DomainError) as bidder,
        platform.command(parties.bidders[0].actor) as uow,
    ):
        draws.request_draw(uow, parties.bidders[0], get_project(uow.conn, code), {"A02": 3}, DAY)
    assert bidder.value.status == 403


def test_a_decline_is_replaced_by_the_next_in_line_and_still_verifies(platform, tender, clock):
    parties, code = tender
    for n in range(1, 9):
        add_expert(platform, parties.staff, n)
    draw_id = drawn(platform, parties.staff, code, {"A02": 5})
    record, head = record_and_head(platform, draw_id)
    first = record["drawn"]["selected"]["A02"][0]
    with platform.command(parties.staff.actor) as uow:
        replaced = draws.replace_expert(uow, parties.staff, draw_id, first, "declined")
    with platform.command(parties.staff.actor) as uow:
        second = draws.replace_expert(
            uow, parties.staff, draw_id, replaced["replacement"], "no-show"
        )
    ranked = sorted(
        record["drawn"]["candidates"],
        key=lambda c: draws.rank_key(head["root_hash"], c["pseudonym"]),
    )
    assert [replaced["replacement"], second["replacement"]] == [
        ranked[5]["pseudonym"],
        ranked[6]["pseudonym"],
    ]
    clock.advance(days=22)
    with platform.command(parties.staff.actor) as uow:
        revealed = draws.reveal(uow, parties.staff, draw_id)
    record, head = record_and_head(platform, draw_id)
    assert len(record["replacements"]) == 2 and len(revealed["experts"]) == 5
    assert draws.verify_draw(record, head, platform.node_key.public_b64()) == []
    record["replacements"][0]["replacement"] = ranked[7]["pseudonym"]  # skipping the queue
    assert draws.verify_draw(record, head, None)


def test_only_a_drawn_expert_is_replaced_and_only_by_the_next_eligible(platform, tender):
    parties, code = tender
    for n in range(1, 6):
        add_expert(platform, parties.staff, n)
    draw_id = drawn(platform, parties.staff, code, {"A02": 5})
    with pytest.raises(DomainError) as stranger, platform.command(parties.staff.actor) as uow:
        draws.replace_expert(uow, parties.staff, draw_id, "0" * 64, "declined")
    assert stranger.value.code == "not-selected"
    record, _ = record_and_head(platform, draw_id)
    name = record["drawn"]["selected"]["A02"][0]
    with pytest.raises(DomainError) as none_left, platform.command(parties.staff.actor) as uow:
        draws.replace_expert(uow, parties.staff, draw_id, name, "declined")
    assert none_left.value.code == "pool-too-small"  # all five eligible are already on it


def test_a_large_procurement_needs_a_committee_of_seven() -> None:
    project = {
        "method": "procurement.open_tendering",
        "center": "420100",
        "rule_date": "2026-03-02",
        "estimated_price": 1_200_000_000,  # ¥12,000,000.00 in 分
    }
    with pytest.raises(DomainError) as five:
        draws._check_committee(project, 5, 0)
    assert five.value.extra["minimum"] == 7
    draws._check_committee(project, 6, 1)  # 7 members, 6 of them experts
    draws._check_committee({**project, "estimated_price": 500_000_000}, 5, 0)


def sealed_set(platform, draw_id):
    from sqlalchemy import select

    from ggzy.core.tables import events

    with platform.read() as conn:
        rows = conn.execute(
            select(events.c.payload).where(
                events.c.subject_id == draw_id, events.c.type == "ExpertsDrawnSealed"
            )
        ).all()
    return set(json.loads(rows[-1].payload)["experts"])


def test_experts_drawn_twice_for_the_same_tenderee_within_a_year_are_avoided(platform, tender):
    parties, code = tender
    for n in range(1, 11):
        add_expert(platform, parties.staff, n)
    first = drawn(platform, parties.staff, code, {"A02": 5})
    second = drawn(
        platform, parties.staff, announce(platform, parties), {"A02": 5}, day="2026-03-25"
    )
    twice = sealed_set(platform, first) & sealed_set(platform, second)
    third = drawn(
        platform, parties.staff, announce(platform, parties), {"A02": 5}, day="2026-03-26"
    )
    record, head = record_and_head(platform, third)
    avoided = {a["pseudonym"] for a in record["drawn"]["avoided"] if a["reason"] == "same-tenderee"}
    assert avoided == {draws.pseudonym(third, e) for e in twice}
    assert draws.verify_draw(record, head, platform.node_key.public_b64()) == []


def declare(platform, username, relations):
    from ggzy.registry.handlers import get_account

    with platform.command(username) as uow:
        return experts.declare_relations(uow, get_account(uow.conn, username), relations)


def avoided_reasons(platform, draw_id):
    record, _ = record_and_head(platform, draw_id)
    return sorted(a["reason"] for a in record["drawn"]["avoided"])


def test_a_former_employment_with_a_bidder_within_three_years_is_avoided(platform, tender):
    parties, code = tender
    for n in range(1, 8):
        add_expert(platform, parties.staff, n)
    bidder = parties.bidders[1].entity
    declare(
        platform,
        "expert06",
        [{"kind": "former_employer", "credit_code": bidder, "until": "2024-06-30"}],
    )
    declare(
        platform,
        "expert07",
        [{"kind": "former_employer", "credit_code": bidder, "until": "2022-06-30"}],
    )  # more than 3 years before the day
    assert avoided_reasons(platform, drawn(platform, parties.staff, code, {"A02": 5})) == [
        "former-employer"
    ]


def test_a_declared_relative_who_is_a_bidders_legal_representative_is_avoided(platform, tender):
    parties, code = tender
    for n in range(1, 8):
        add_expert(platform, parties.staff, n)
    declare(platform, "expert05", [{"kind": "relative", "person": "王建国", "relation": "配偶"}])
    declare(platform, "expert06", [{"kind": "relative", "person": "李四", "relation": "兄弟"}])
    declare(
        platform, "expert07", [{"kind": "shareholder", "credit_code": parties.bidders[2].entity}]
    )
    reasons = avoided_reasons(platform, drawn(platform, parties.staff, code, {"A02": 5}))
    assert reasons == ["related-entity", "relative"]


def test_a_former_employer_without_the_day_it_ended_is_refused(platform, tender):
    parties, _ = tender
    add_expert(platform, parties.staff, 1)
    with pytest.raises(DomainError) as refused:
        declare(
            platform,
            "expert01",
            [{"kind": "former_employer", "credit_code": parties.bidders[0].entity}],
        )
    assert refused.value.code == "invalid-relation"


def test_an_expert_on_another_committee_that_day_is_avoided_as_busy(platform, tender):
    parties, code = tender
    for n in range(1, 11):
        add_expert(platform, parties.staff, n)
    first = drawn(platform, parties.staff, code, {"A02": 5})
    other = drawn(platform, parties.staff, announce(platform, parties), {"A02": 5})
    assert avoided_reasons(platform, other) == ["busy"] * 5
    assert not sealed_set(platform, first) & sealed_set(platform, other)


def test_a_replaced_expert_is_free_again_that_day(platform, tender):
    parties, code = tender
    for n in range(1, 12):
        add_expert(platform, parties.staff, n)
    first = drawn(platform, parties.staff, code, {"A02": 5})
    record, _ = record_and_head(platform, first)
    leaving = record["drawn"]["selected"]["A02"][0]
    with platform.command(parties.staff.actor) as uow:
        draws.replace_expert(uow, parties.staff, first, leaving, "declined")
    other = drawn(platform, parties.staff, announce(platform, parties), {"A02": 5})
    assert avoided_reasons(platform, other) == ["busy"] * 5  # the 5 now sitting, not the 6
