"""Projections: current-state tables derived from events, rebuildable from the log.

A package declares which tables it owns as projections and which events update them:

    @projector("EntityRegistered")
    def _entity_registered(conn, ev): conn.execute(entities.insert().values(...))
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator

from sqlalchemy import Connection, Row, Table, delete, select

from ggzy.core.events import RecordedEvent
from ggzy.core.tables import events

Projector = Callable[[Connection, RecordedEvent], None]

PROJECTORS: dict[str, list[Projector]] = defaultdict(list)
PROJECTION_TABLES: list[Table] = []


def projector(*event_types: str) -> Callable[[Projector], Projector]:
    """Register fn to update projection tables when any of event_types is appended."""

    def register(fn: Projector) -> Projector:
        for name in event_types:
            PROJECTORS[name].append(fn)
        return fn

    return register


def projection_table(table: Table) -> Table:
    """Mark a table as a projection: it is emptied and rebuilt by `rebuild`."""
    if table not in PROJECTION_TABLES:
        PROJECTION_TABLES.append(table)
    return table


def apply(conn: Connection, ev: RecordedEvent) -> None:
    """Run every projector registered for ev.type."""
    for fn in PROJECTORS.get(ev.type, ()):
        fn(conn, ev)


def row_to_event(row: Row[tuple[object, ...]]) -> RecordedEvent:
    """Turn an events row back into a RecordedEvent."""
    r = row._mapping
    return RecordedEvent(
        seq=int(r["seq"]),
        recorded_at=r["recorded_at"],
        node_id=r["node_id"],
        center=r["center"],
        actor=r["actor"],
        type=r["type"],
        subject_type=r["subject_type"],
        subject_id=r["subject_id"],
        payload=json.loads(r["payload"]),
        documents=tuple(json.loads(r["documents"])),
    )


def iter_events(conn: Connection, after: int = 0, batch: int = 1000) -> Iterator[RecordedEvent]:
    """Every event with seq > after, in order, read in batches."""
    while True:
        q = select(events).where(events.c.seq > after).order_by(events.c.seq).limit(batch)
        rows = conn.execute(q).all()
        if not rows:
            return
        for row in rows:
            ev = row_to_event(row)
            after = ev.seq
            yield ev


# Other sources of applied events (ggzy.exchange.peers registers the peers' replicated ones).
REPLAYED_SOURCES: list[Callable[[Connection], list[RecordedEvent]]] = []


def rebuild(conn: Connection) -> int:
    """Empty every projection table and replay the whole log; returns events replayed."""
    for table in reversed(_dependency_order()):
        conn.execute(delete(table))
    count = 0
    for ev in iter_events(conn):
        apply(conn, ev)
        count += 1
    for source in REPLAYED_SOURCES:  # events of other nodes this node applied (federation)
        for ev in source(conn):
            apply(conn, ev)
            count += 1
    return count


def _dependency_order() -> list[Table]:
    from ggzy.db import metadata

    order = [t for t in metadata.sorted_tables if t in PROJECTION_TABLES]
    return order
