"""The spine's promises: state is a projection of events, every event type is declared."""

from __future__ import annotations

from sqlalchemy import select

from factories import act, announce, bid, open_and_decrypt, seed_parties
from ggzy.core.events import EVENT_TYPES
from ggzy.core.projections import PROJECTION_TABLES, rebuild
from ggzy.core.tables import events
from ggzy.procedures.engine import PROCEDURES, get_project
from ggzy.procedures.scheduler import due_actions, run_due


def snapshot(conn):
    """Every projection table's rows, in a comparable form."""
    out = {}
    for table in PROJECTION_TABLES:
        rows = conn.execute(select(table)).all()
        out[table.name] = sorted(repr(tuple(r)) for r in rows)
    return out


def test_rebuilding_projections_from_the_log_gives_the_live_state(platform, clock):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    for b, price in zip(parties.bidders[:3], ["1000", "900", "1100"], strict=True):
        bid(platform, b, code, price)
    clock.advance(days=22)
    open_and_decrypt(platform, parties, code)
    act(platform, parties.tenderee, code, "evaluate", {})
    with platform.read() as conn:
        live = snapshot(conn)
    with platform.engine.begin() as conn:
        replayed = rebuild(conn)
        assert snapshot(conn) == live
    assert replayed > 20


def test_every_event_in_the_log_has_a_declared_type_with_both_languages(platform, clock):
    parties = seed_parties(platform)
    announce(platform, parties)
    with platform.read() as conn:
        used = set(conn.execute(select(events.c.type)).scalars())
    assert used <= set(EVENT_TYPES)
    for declared in EVENT_TYPES.values():
        assert declared.zh and declared.en


def test_every_action_event_of_every_method_is_declared():
    for proc in PROCEDURES.values():
        for action in proc.actions:
            assert action.event in EVENT_TYPES, (proc.code, action.name)


def test_the_platform_opens_the_bids_by_itself_at_the_deadline(platform, clock):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    for b, price in zip(parties.bidders[:3], ["1000", "900", "1100"], strict=True):
        bid(platform, b, code, price)
    assert due_actions(platform) == []
    clock.advance(days=22)
    assert due_actions(platform) == [(code, "open_bids")]
    results = run_due(platform)
    assert [r["stage"] for r in results] == ["decrypting"]
    assert run_due(platform) == []  # nothing left to do: running again is harmless
    with platform.read() as conn:
        assert get_project(conn, code)["stage"] == "decrypting"
    clock.advance(minutes=31)  # nobody decrypted: the platform closes the window itself
    assert [r["stage"] for r in run_due(platform)] == ["failed"]
