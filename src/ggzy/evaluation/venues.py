"""Evaluation venues and seats (三级评标场地、机位) and remote cross-site evaluation (远程异地评标).

Province, city and county venues are registered with their numbered seats; a venue may be
closed for a day (its calendar). The venues and their free seats per day are the seat-sharing
catalogue (评标席位共享目录) every center reads.

A drawn committee is given its venues once (VenuesAssigned, public): the main venue (主场) is
the venue of the project's center, where the tenderee entered; the secondary venues (副场)
are chosen at random among the venues of other cities with a free seat that day, in the order
SHA-256(draw seed ‖ venue id), so anyone holding the draw's public record can recompute them.
Each expert then sits at the nearest of those venues with a free seat (same county, then city,
then province, then anywhere; among equals a secondary venue before the main one, the least
filled first, then the random order), the tenderee's representatives at the main venue; who
sits where stays sealed (SeatsAssignedSealed) like the names. A replacement expert (补抽)
takes the nearest free seat.

Double booking is impossible twice over: every command runs under the ledger lock (writers are
serialised on PostgreSQL by SELECT … FOR UPDATE, on SQLite by BEGIN IMMEDIATE), and the
seat_bookings primary key (venue, day, seat) and expert_engagements key (expert, day) refuse a
second booking even if the code above them were wrong.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select

from ggzy.core.codes import validate_region_code
from ggzy.core.errors import DomainError, forbidden
from ggzy.core.events import NewEvent, RecordedEvent, event_type
from ggzy.core.projections import projector
from ggzy.evaluation.tables import (
    expert_engagements,
    experts,
    seat_bookings,
    venue_closures,
    venues,
)
from ggzy.registry.handlers import Account

event_type("VenueRegistered", "评标场地已登记", "evaluation venue registered")
event_type("VenueClosed", "评标场地当日停用", "evaluation venue closed for a day")
event_type("VenuesAssigned", "远程异地评标场地已分配", "evaluation venues assigned")
event_type("SeatsAssignedSealed", "评标机位（密封）", "seats (sealed)", public=False)

LEVELS = {"province": ("省级", "province"), "city": ("市级", "city"), "county": ("县级", "county")}
MAX_SECONDARY = 6


def _officer(account: Account) -> None:
    if not (account.has_role("center_staff") or account.has_role("platform_admin")):
        raise forbidden("仅交易中心工作人员可管理评标场地", "only center staff manage venues")


def register_venue(uow: Any, account: Account, data: dict[str, Any]) -> dict[str, Any]:
    """Register a venue with its seats (center staff)."""
    _officer(account)
    name = str(data.get("name", "")).strip()
    if not 2 <= len(name) <= 100:
        raise DomainError(
            "invalid-name",
            "场地名称须为 2–100 字",
            "the name must be 2-100 characters",
            field="name",
        )
    level = data.get("level")
    if level not in LEVELS:
        raise DomainError(
            "invalid-level",
            "场地级别须为 province、city 或 county（省、市、县）",
            "level: province, city or county",
            field="level",
        )
    region = validate_region_code(str(data.get("region", "")).strip())
    seats = data.get("seats")
    if not isinstance(seats, int) or isinstance(seats, bool) or not 1 <= seats <= 500:
        raise DomainError(
            "invalid-seats", "机位数须为 1–500 的整数", "seats must be 1-500", field="seats"
        )
    taken = uow.conn.execute(
        select(func.count()).select_from(venues).where(venues.c.region == region)
    ).scalar_one()
    payload = {
        "venue": f"V{region}-{taken + 1:02d}",
        "name": name,
        "level": level,
        "region": region,
        "address": str(data.get("address", "")).strip()[:200],
        "seats": seats,
    }
    uow.emit(NewEvent("VenueRegistered", "venue", payload["venue"], payload))
    return payload


@projector("VenueRegistered")
def _registered(conn: Connection, ev: RecordedEvent) -> None:
    p = ev.payload
    conn.execute(
        venues.insert().values(
            id=p["venue"],
            name=p["name"],
            level=p["level"],
            region=p["region"],
            address=p["address"],
            seats=p["seats"],
            status="open",
            registered_at=ev.recorded_at,
        )
    )


def _venue(conn: Connection, venue_id: str) -> Any:
    row = conn.execute(select(venues).where(venues.c.id == venue_id)).first()
    if row is None:
        raise DomainError("unknown-venue", "没有该评标场地", "no such venue", status=404)
    return row


def _as_day(value: Any) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise DomainError(
            "invalid-date", "日期须为 YYYY-MM-DD", "the day: YYYY-MM-DD", field="day"
        ) from None


def close_venue(uow: Any, account: Account, venue_id: str, day: str, reason: str) -> dict[str, Any]:
    """Close a venue for a day (its calendar); refused when seats are booked that day."""
    _officer(account)
    row = _venue(uow.conn, venue_id)
    on = _as_day(day)
    if booked(uow.conn, row.id, on):
        raise DomainError(
            "venue-booked",
            "该场地当日已有机位被预约，不能停用",
            "seats are booked at this venue that day",
            status=409,
        )
    if not reason.strip():
        raise DomainError("reason-required", "须说明停用原因", "give the reason", field="reason")
    payload = {"venue": row.id, "day": on.isoformat(), "reason": reason.strip()[:200]}
    uow.emit(NewEvent("VenueClosed", "venue", row.id, payload))
    return payload


@projector("VenueClosed")
def _closed(conn: Connection, ev: RecordedEvent) -> None:
    p = ev.payload
    conn.execute(
        venue_closures.insert().values(
            venue=p["venue"], day=date.fromisoformat(p["day"]), reason=p["reason"]
        )
    )


def booked(conn: Connection, venue_id: str, day: date) -> set[int]:
    """The seat numbers booked at a venue on a day."""
    rows = conn.execute(
        select(seat_bookings.c.seat).where(
            seat_bookings.c.venue == venue_id, seat_bookings.c.day == day
        )
    ).all()
    return {r.seat for r in rows}


def _closed_on(conn: Connection, day: date) -> set[str]:
    rows = conn.execute(select(venue_closures.c.venue).where(venue_closures.c.day == day)).all()
    return {r.venue for r in rows}


def free_seats(conn: Connection, day: date) -> dict[str, list[int]]:
    """Every open venue's free seat numbers on a day."""
    taken: dict[str, set[int]] = {}
    for r in conn.execute(
        select(seat_bookings.c.venue, seat_bookings.c.seat).where(seat_bookings.c.day == day)
    ):
        taken.setdefault(r.venue, set()).add(r.seat)
    closed = _closed_on(conn, day)
    return {
        v.id: [s for s in range(1, v.seats + 1) if s not in taken.get(v.id, set())]
        for v in conn.execute(select(venues).order_by(venues.c.id))
        if v.id not in closed and v.status == "open"
    }


def catalogue(conn: Connection, day: date) -> list[dict[str, Any]]:
    """The seat-sharing catalogue (机位共享目录): every venue and its free seats on a day."""
    free = free_seats(conn, day)
    return [
        {
            "venue": v.id,
            "name": v.name,
            "level": v.level,
            "level_zh": LEVELS[v.level][0],
            "region": v.region,
            "address": v.address,
            "seats": v.seats,
            "free": len(free.get(v.id, [])),
            "open": v.id in free,
        }
        for v in conn.execute(select(venues).order_by(venues.c.region, venues.c.id))
    ]


def distance(a: str, b: str) -> int:
    """How far two GB/T 2260 regions are: 0 same county, 1 city, 2 province, 3 farther."""
    for steps, width in enumerate((6, 4, 2)):
        if a[:width] == b[:width]:
            return steps
    return 3


def venue_rank(seed: str, venue_id: str) -> str:
    """The random order of venues for one draw: SHA-256 of the draw's seed and the venue."""
    return hashlib.sha256(f"ggzy-venue/1\x1f{seed}\x1f{venue_id}".encode()).hexdigest()


def choose_secondary(
    seed: str, main: dict[str, Any], open_venues: list[dict[str, Any]], n: int, members: int
) -> list[str]:
    """副场: venues of other cities with a free seat, in the draw's random order: the first n,
    and more in the same order while the venues chosen have fewer free seats than members."""
    others = [v for v in open_venues if v["region"][:4] != main["region"][:4] and v["free"]]
    others.sort(key=lambda v: venue_rank(seed, v["venue"]))
    chosen: list[str] = []
    room = main["free"]
    for v in others:
        if len(chosen) >= n and room >= members:
            break
        chosen.append(v["venue"])
        room += v["free"]
    return chosen


def seat(
    occupants: list[tuple[str, str]],
    chosen: list[dict[str, Any]],
    free: dict[str, list[int]],
) -> list[dict[str, Any]]:
    """Place each occupant (id, home region) at the nearest chosen venue with a free seat;
    among equally near ones a secondary venue before the main one (experts from elsewhere sit
    remotely: 远程异地), then the one with fewest members so far, then the chosen order.

    chosen: the main venue first, then the secondary venues in their random order; free is
    consumed. The representatives' region is the main venue's, so they sit there."""
    placed: list[dict[str, Any]] = []
    order = {v["venue"]: i for i, v in enumerate(chosen)}
    load = dict.fromkeys(order, 0)
    for occupant, region in occupants:
        options = [v for v in chosen if free[v["venue"]]]
        if not options:
            raise DomainError(
                "no-free-seat",
                "评标场地机位不足",
                "not enough free seats at the venues that day",
                status=409,
            )
        best = min(
            options,
            key=lambda v: (
                distance(region, v["region"]),
                order[v["venue"]] == 0,  # the main venue hosts the locals; others sit remotely
                load[v["venue"]],
                order[v["venue"]],
            ),
        )
        load[best["venue"]] += 1
        placed.append(
            {"occupant": occupant, "venue": best["venue"], "seat": free[best["venue"]].pop(0)}
        )
    return placed


def assign_venues(
    uow: Any, account: Account, draw_id: str, secondary: int = 2, main: str | None = None
) -> dict[str, Any]:
    """远程异地评标: the main venue, random secondary venues, and a seat for every member."""
    from ggzy.evaluation.draws import _draw_events
    from ggzy.procedures.engine import get_project

    _officer(account)
    if not isinstance(secondary, int) or not 0 <= secondary <= MAX_SECONDARY:
        raise DomainError(
            "invalid-secondary",
            f"副场数量须为 0–{MAX_SECONDARY}",
            f"secondary venues: 0-{MAX_SECONDARY}",
            field="secondary",
        )
    found = _draw_events(uow.conn, draw_id)
    drawn = found.get("ExpertsDrawn")
    if drawn is None:
        raise DomainError("not-drawn", "尚未抽取", "not drawn yet", status=409)
    if "VenuesAssigned" in found:
        raise DomainError("already-assigned", "已分配评标场地", "venues already assigned", 409)
    request = found["ExpertDrawRequested"]
    day = date.fromisoformat(request["evaluation_day"])
    project = get_project(uow.conn, request["project"])
    listing = [v for v in catalogue(uow.conn, day) if v["open"]]
    if main is None:
        home = [v for v in listing if v["region"] == project["center"]]
        home.sort(key=lambda v: (-v["free"], v["venue"]))
        if not home:
            raise DomainError(
                "no-main-venue",
                "项目所在交易中心当日没有开放的评标场地",
                "the project's center has no venue open that day",
                status=409,
            )
        main_venue = home[0]
    else:
        named = [v for v in listing if v["venue"] == main]
        if not named:
            raise DomainError(
                "venue-unavailable", "主场当日不开放", "the main venue is not open that day", 409
            )
        main_venue = named[0]
    seed = drawn["seed"]["root_hash"]
    sealed = found["sealed"][-1]
    members = len(sealed["experts"]) + request["representatives"]
    chosen_ids = [
        main_venue["venue"],
        *choose_secondary(seed, main_venue, listing, secondary, members),
    ]
    by_id = {v["venue"]: v for v in listing}
    chosen = [by_id[i] for i in chosen_ids]
    occupants = [
        (f"{draw_id}/rep-{n}", main_venue["region"])
        for n in range(1, request["representatives"] + 1)
    ]
    occupants += _expert_regions(uow.conn, sealed["experts"], draw_id)
    free = free_seats(uow.conn, day)
    placed = seat(occupants, chosen, {i: list(free[i]) for i in chosen_ids})
    counts = {i: sum(1 for p in placed if p["venue"] == i) for i in chosen_ids}
    public = {
        "draw": draw_id,
        "project": project["code"],
        "day": day.isoformat(),
        "main": {**_brief(main_venue), "free": main_venue["free"]},
        "secondary": [_brief(by_id[i]) for i in chosen_ids[1:]],
        "asked": secondary,
        "members": members,
        # every venue the secondary ones were chosen from, with its free seats: recomputable
        "candidates": sorted(
            ({"venue": v["venue"], "region": v["region"], "free": v["free"]} for v in listing),
            key=lambda v: v["venue"],
        ),
        "members_per_venue": counts,
    }
    uow.emit(NewEvent("VenuesAssigned", "draw", draw_id, public))
    uow.emit(
        NewEvent(
            "SeatsAssignedSealed",
            "draw",
            draw_id,
            {"draw": draw_id, "day": day.isoformat(), "seats": placed, "venues": chosen_ids},
        )
    )
    return public


def verify_venues(seed: str, assigned: dict[str, Any]) -> list[str]:
    """Recompute the secondary venues from the public record; the problems (empty: fine)."""
    again = choose_secondary(
        seed, assigned["main"], assigned["candidates"], assigned["asked"], assigned["members"]
    )
    if again != [v["venue"] for v in assigned["secondary"]]:
        return ["副场不是按随机顺序选出的 / the secondary venues are not the random order's"]
    return []


def _brief(v: dict[str, Any]) -> dict[str, Any]:
    return {k: v[k] for k in ("venue", "name", "level", "region")}


def _expert_regions(conn: Connection, ids: list[str], draw_id: str) -> list[tuple[str, str]]:
    """(id, region) of the experts, in the draw's pseudonym order (nothing about who first)."""
    from ggzy.evaluation.draws import pseudonym

    regions = {
        r.id: r.region
        for r in conn.execute(select(experts.c.id, experts.c.region).where(experts.c.id.in_(ids)))
    }
    return sorted(((i, regions[i]) for i in ids), key=lambda e: pseudonym(draw_id, e[0]))


@projector("SeatsAssignedSealed")
def _seated(conn: Connection, ev: RecordedEvent) -> None:
    """The newest seating of a draw replaces the last one; the key refuses a double booking."""
    p = ev.payload
    day = date.fromisoformat(p["day"])
    conn.execute(seat_bookings.delete().where(seat_bookings.c.draw == p["draw"]))
    for s in p["seats"]:
        conn.execute(
            seat_bookings.insert().values(
                venue=s["venue"], day=day, seat=s["seat"], draw=p["draw"], occupant=s["occupant"]
            )
        )


def reseat(uow: Any, draw_id: str, replaced: str, successor: str) -> None:
    """After a replacement (补抽): free the leaver's seat, seat the successor nearest."""
    from ggzy.evaluation.draws import _draw_events

    seating = _draw_events(uow.conn, draw_id).get("SeatsAssignedSealed")
    if seating is None:
        return  # no venues yet: the successor is seated with everyone else
    day = date.fromisoformat(seating["day"])
    chosen = [{"venue": i, "region": _venue(uow.conn, i).region} for i in seating["venues"]]
    free = free_seats(uow.conn, day)
    left = {i: list(free.get(i, [])) for i in seating["venues"]}
    mine = next(s for s in seating["seats"] if s["occupant"] == replaced)
    left[mine["venue"]] = sorted([*left[mine["venue"]], mine["seat"]])
    [placed] = seat(_expert_regions(uow.conn, [successor], draw_id), chosen, left)
    kept = [s for s in seating["seats"] if s["occupant"] != replaced]
    uow.emit(
        NewEvent(
            "SeatsAssignedSealed",
            "draw",
            draw_id,
            {
                "draw": draw_id,
                "day": seating["day"],
                "seats": [*kept, placed],
                "venues": seating["venues"],
            },
        )
    )


def assignments_of(conn: Connection, expert_id: str) -> list[dict[str, Any]]:
    """Where an expert sits, day by day (only the expert and officials see this)."""
    from ggzy.evaluation.draws import _draw_events

    out = []
    for e in conn.execute(
        select(expert_engagements)
        .where(expert_engagements.c.expert == expert_id)
        .order_by(expert_engagements.c.day)
    ):
        found = _draw_events(conn, e.draw)
        booking = conn.execute(
            select(seat_bookings).where(
                seat_bookings.c.draw == e.draw, seat_bookings.c.occupant == expert_id
            )
        ).first()
        venue = _venue(conn, booking.venue) if booking else None
        out.append(
            {
                "day": e.day.isoformat(),
                "draw": e.draw,
                "project": found["ExpertDrawRequested"]["project"],
                "venue": venue.id if venue else None,
                "venue_name": venue.name if venue else None,
                "address": venue.address if venue else None,
                "seat": booking.seat if booking else None,
            }
        )
    return out


def schedule(conn: Connection, venue_id: str, day: date) -> dict[str, Any]:
    """A venue's calendar for a day (officials): which seats are taken by which draw."""
    row = _venue(conn, venue_id)
    taken = conn.execute(
        select(seat_bookings.c.seat, seat_bookings.c.draw)
        .where(seat_bookings.c.venue == row.id, seat_bookings.c.day == day)
        .order_by(seat_bookings.c.seat)
    ).all()
    return {
        "venue": row.id,
        "name": row.name,
        "day": day.isoformat(),
        "closed": row.id in _closed_on(conn, day),
        "seats": row.seats,
        "booked": [{"seat": t.seat, "draw": t.draw} for t in taken],
    }
