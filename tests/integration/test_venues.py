"""Venues and seats (评标场地、机位): a main venue where the project's center is, secondary venues
of other cities in the draw's random order, every member at the nearest venue with a free seat,
and never a seat or an expert booked twice on one day."""

from __future__ import annotations

import json
import threading
from collections import Counter

import pytest
from sqlalchemy import select

from expert_factories import DAY, add_expert, auth, drawn, record_and_head
from factories import announce, bid, seed_parties
from ggzy.core.errors import DomainError
from ggzy.core.events import NewEvent
from ggzy.core.tables import events
from ggzy.evaluation import draws, venues
from ggzy.evaluation.tables import seat_bookings
from ggzy.procedures.engine import get_project

CITIES = {  # Hubei: Wuhan, Yichang, Xiangyang, Jingzhou
    "420100": "武汉",
    "420500": "宜昌",
    "420600": "襄阳",
    "421000": "荆州",
}


def register(platform, staff, region, seats=6, level="city"):
    with platform.command(staff.actor) as uow:
        return venues.register_venue(
            uow,
            staff,
            {
                "name": f"{CITIES.get(region, region)}评标中心",
                "level": level,
                "region": region,
                "seats": seats,
                "address": "政务服务中心三楼",
            },
        )["venue"]


def assign(platform, staff, draw_id, **kw):
    with platform.command(staff.actor) as uow:
        return venues.assign_venues(uow, staff, draw_id, **kw)


def sealed_seats(platform, draw_id):
    with platform.read() as conn:
        rows = conn.execute(
            select(events.c.payload)
            .where(events.c.subject_id == draw_id, events.c.type == "SeatsAssignedSealed")
            .order_by(events.c.seq)
        ).all()
    return json.loads(rows[-1].payload)["seats"]


@pytest.fixture
def tender(platform):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    for b, price in zip(parties.bidders[:3], ("10500000", "11000000", "11200000"), strict=True):
        bid(platform, b, code, price)
    return parties, code


def test_the_main_venue_is_the_centers_and_experts_sit_at_the_nearest_venue(platform, tender):
    parties, code = tender
    staff = parties.staff
    main = register(platform, staff, "420100")
    yichang = register(platform, staff, "420500")
    register(platform, staff, "420600")
    register(platform, staff, "421000")
    add_expert(platform, staff, 1, region="420102")  # Wuhan
    add_expert(platform, staff, 2, region="420502")  # Yichang
    add_expert(platform, staff, 3, region="420503")  # Yichang
    add_expert(platform, staff, 4, region="420104")  # Wuhan
    add_expert(platform, staff, 5, region="420105")  # Wuhan
    draw_id = drawn(platform, staff, code, {"A02": 5})
    assigned = assign(platform, staff, draw_id, secondary=3)
    assert assigned["main"]["venue"] == main
    assert len(assigned["secondary"]) == 3
    by_venue = Counter(s["venue"] for s in sealed_seats(platform, draw_id))
    assert by_venue == {main: 3, yichang: 2}
    assert assigned["members_per_venue"][yichang] == 2


def test_the_secondary_venues_recompute_from_the_public_record(platform, tender):
    parties, code = tender
    staff = parties.staff
    register(platform, staff, "420100")
    for region in ("420500", "420600", "421000", "420200", "420300", "420700"):
        register(platform, staff, region)
    for n in range(1, 6):
        add_expert(platform, staff, n)
    draw_id = drawn(platform, staff, code, {"A02": 5})
    assigned = assign(platform, staff, draw_id, secondary=2)
    record, head = record_and_head(platform, draw_id)
    assert record["venues"] == {**assigned, "seq": record["venues"]["seq"]}
    assert draws.verify_draw(record, head, platform.node_key.public_b64()) == []
    forged = [
        v
        for v in assigned["candidates"]
        if v["venue"] not in {s["venue"] for s in assigned["secondary"]}
        and v["region"][:4] != "4201"
    ]
    record["venues"]["secondary"][0] = {"venue": forged[0]["venue"]}
    assert draws.verify_draw(record, head, platform.node_key.public_b64())


def test_more_secondary_venues_are_taken_when_the_chosen_ones_are_full(platform, tender):
    parties, code = tender
    staff = parties.staff
    register(platform, staff, "420100", seats=1)
    for region in ("420500", "420600", "421000", "420200"):
        register(platform, staff, region, seats=1)
    for n in range(1, 6):
        add_expert(platform, staff, n)
    draw_id = drawn(platform, staff, code, {"A02": 5})
    assigned = assign(platform, staff, draw_id, secondary=1)
    assert len(assigned["secondary"]) == 4  # 1 asked, 3 more for room
    assert sorted(s["seat"] for s in sealed_seats(platform, draw_id)) == [1] * 5


def test_a_replacement_takes_the_seat_freed_nearest_to_it(platform, tender):
    parties, code = tender
    staff = parties.staff
    main = register(platform, staff, "420100", seats=5)
    register(platform, staff, "420500", seats=5)
    for n in range(1, 7):
        add_expert(platform, staff, n)
    draw_id = drawn(platform, staff, code, {"A02": 5})
    assign(platform, staff, draw_id, secondary=1)
    record, _ = record_and_head(platform, draw_id)
    leaving = record["drawn"]["selected"]["A02"][0]
    with platform.command(staff.actor) as uow:
        replaced = draws.replace_expert(uow, staff, draw_id, leaving, "declined")
    seats = sealed_seats(platform, draw_id)
    assert len(seats) == 5 and {s["venue"] for s in seats} == {main}
    ids = {draws.pseudonym(draw_id, s["occupant"]) for s in seats}
    assert replaced["replacement"] in ids and leaving not in ids
    with platform.read() as conn:
        assert len(venues.booked(conn, main, venues.date.fromisoformat(DAY))) == 5


def test_a_closed_venue_is_not_offered_and_a_booked_one_cannot_close(platform, tender):
    parties, code = tender
    staff = parties.staff
    main = register(platform, staff, "420100")
    other = register(platform, staff, "420500")
    for n in range(1, 6):
        add_expert(platform, staff, n)
    with platform.command(staff.actor) as uow:
        venues.close_venue(uow, staff, other, DAY, "设备检修")
    draw_id = drawn(platform, staff, code, {"A02": 5})
    assigned = assign(platform, staff, draw_id, secondary=2)
    assert assigned["secondary"] == []
    with pytest.raises(DomainError) as refused, platform.command(staff.actor) as uow:
        venues.close_venue(uow, staff, main, DAY, "停电")
    assert refused.value.code == "venue-booked"


def test_venues_are_assigned_once_per_draw(platform, tender):
    parties, code = tender
    register(platform, parties.staff, "420100")
    for n in range(1, 6):
        add_expert(platform, parties.staff, n)
    draw_id = drawn(platform, parties.staff, code, {"A02": 5})
    assign(platform, parties.staff, draw_id)
    with pytest.raises(DomainError) as again:
        assign(platform, parties.staff, draw_id)
    assert again.value.code == "already-assigned"


def test_the_api_lists_the_catalogue_and_an_expert_sees_only_its_own_seat(platform):
    from fastapi.testclient import TestClient

    from ggzy.web.app import create_app

    parties = seed_parties(platform, certificates=False)
    client = TestClient(create_app(platform), raise_server_exceptions=False)
    staff = parties.staff
    h = auth(client, "staff.wuhan")
    r = client.post(
        "/api/v1/venues",
        headers=h,
        json={"name": "武汉市评标中心", "level": "city", "region": "420100", "seats": 8},
    )
    assert r.status_code == 201, r.text
    bad = client.post(
        "/api/v1/venues",
        headers=h,
        json={"name": "x", "level": "town", "region": "420100", "seats": 8},
    )
    assert bad.status_code == 422 and bad.json()["title_zh"]
    assert (
        client.post(
            "/api/v1/venues",
            headers=auth(client, "bidder1"),
            json={"name": "某场地", "level": "city", "region": "420100", "seats": 8},
        ).status_code
        == 403
    )
    code = announce(platform, parties)
    for n in range(1, 6):
        add_expert(platform, staff, n)
    draw_id = drawn(platform, staff, code, {"A02": 5})
    r = client.post(f"/api/v1/draws/{draw_id}/venues", headers=h, json={"secondary": 0})
    assert r.status_code == 200, r.text
    [v] = client.get(f"/api/v1/venues?day={DAY}").json()
    assert v["free"] == 3 and v["seats"] == 8
    for n in range(1, 6):
        [mine] = client.get(
            "/api/v1/experts/me/assignments", headers=auth(client, f"expert{n:02d}")
        ).json()
        assert (mine["project"], mine["day"], mine["venue_name"]) == (code, DAY, "武汉市评标中心")
    seats = {
        client.get("/api/v1/experts/me/assignments", headers=auth(client, f"expert{n:02d}")).json()[
            0
        ]["seat"]
        for n in range(1, 6)
    }
    assert seats == {1, 2, 3, 4, 5}
    assert client.get("/api/v1/experts/me/assignments", headers=h).status_code == 404


def _pool(platform, staff, size, regions):
    """size admitted experts spread over regions, in one command (the pool of a province)."""
    from ggzy.core.codes import make_credit_code

    with platform.command(staff.actor) as uow:
        for n in range(size):
            username = f"pool{n:04d}"
            ev = uow.emit(
                NewEvent(
                    "ExpertApplied",
                    "expert",
                    username,
                    {
                        "username": username,
                        "name": f"专家{n:04d}",
                        "id_masked": "4201**********0000",
                        "id_hash": f"{n:064x}",
                        "phone": "",
                        "region": regions[n % len(regions)],
                        "employer": make_credit_code("1", "2", "420100", f"PL{n:06d}"),
                        "employer_name": "",
                        "specialities": ["A02"],
                        "title": "高级",
                        "years": 10,
                    },
                )
            )
            uow.emit(
                NewEvent(
                    "ExpertReviewed",
                    "expert",
                    username,
                    {"expert": f"{ev.node_id}-{ev.seq}", "admitted": True, "reason": ""},
                )
            )


@pytest.mark.parametrize("evaluations", [50])
def test_fifty_concurrent_evaluations_never_double_book_a_seat_or_an_expert(platform, evaluations):
    """1,000 experts, 30 venues of 10 seats in 15 cities, 50 committees of 5 on one day,
    each requested, drawn and seated from its own thread at once."""
    parties = seed_parties(platform, bidders=1, certificates=False)
    staff = parties.staff
    cities = [
        "420100",
        "420200",
        "420300",
        "420500",
        "420600",
        "420700",
        "420800",
        "420900",
        "421000",
        "421100",
        "421200",
        "421300",
        "422800",
        "429004",
        "429005",
    ]
    for i in range(30):
        register(platform, staff, cities[i % 15], seats=10, level="city" if i < 15 else "county")
    _pool(platform, staff, 1000, [c[:4] + "02" for c in cities])
    codes = [announce(platform, parties) for _ in range(evaluations)]
    failures: list[BaseException] = []
    start = threading.Barrier(evaluations)

    def run(code: str) -> None:
        try:
            start.wait()
            with platform.command(staff.actor) as uow:
                asked = draws.request_draw(uow, staff, get_project(uow.conn, code), {"A02": 5}, DAY)
            with platform.command(staff.actor) as uow:
                draws.run_draw(uow, staff, asked["draw"])
            with platform.command(staff.actor) as uow:
                venues.assign_venues(uow, staff, asked["draw"], secondary=2)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in codes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    with platform.read() as conn:
        sealed = [
            json.loads(r.payload)
            for r in conn.execute(
                select(events.c.payload).where(events.c.type == "SeatsAssignedSealed")
            )
        ]
        drawn_sets = [
            json.loads(r.payload)["experts"]
            for r in conn.execute(
                select(events.c.payload).where(events.c.type == "ExpertsDrawnSealed")
            )
        ]
        booked = conn.execute(select(seat_bookings)).all()
    seats = [(s["venue"], s["seat"]) for p in sealed for s in p["seats"]]
    assert len(sealed) == evaluations and len(seats) == 5 * evaluations
    assert len(set(seats)) == len(seats)  # no seat twice
    members = [e for chosen in drawn_sets for e in chosen]
    assert len(set(members)) == len(members) == 5 * evaluations  # no expert twice
    assert len(booked) == 5 * evaluations
