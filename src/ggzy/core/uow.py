"""The unit of work: one command, one transaction, its events appended to log and ledger.

    with platform.command(actor="u:alice", center="420100") as uow:
        uow.emit(NewEvent("ProjectRegistered", "project", code, {...}))

On exit the new events' leaves are in the Merkle log, the projections are updated, a tree head
is signed, and everything commits together, or nothing does.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from ggzy.core import projections
from ggzy.core.events import NewEvent, RecordedEvent, canonical_json, validate_new_event
from ggzy.core.tables import events
from ggzy.ledger import log

if TYPE_CHECKING:
    from ggzy.bootstrap import Platform

_INSERT_EVENT = events.insert()


class UnitOfWork:
    """The transaction of one command: read state, append events, sign the new tree head."""

    def __init__(
        self,
        platform: Platform,
        conn: Connection,
        actor: str,
        center: str | None,
        origin: dict[str, str] | None = None,
    ) -> None:
        self.platform = platform
        self.origin: dict[str, str] = dict(origin or {})  # where the command came from (IP, …)
        self.conn = conn
        self.actor = actor
        self.center = center
        self.now: datetime = platform.clock.now()
        self.emitted: list[RecordedEvent] = []
        self._size = log.lock_size(conn)
        self._nodes = log.NodeReader(conn)  # this transaction's view of the subtree hashes
        self.after_commit: list[Any] = []

    def emit(self, new: NewEvent, *, center: str | None = None) -> RecordedEvent:
        """Append one event: store it, add its leaf to the ledger, update projections."""
        validate_new_event(new)
        seq = self._size + 1
        ev = RecordedEvent(
            seq=seq,
            recorded_at=self.now,
            node_id=self.platform.settings.node_id,
            center=center if center is not None else self.center,
            actor=self.actor,
            type=new.type,
            subject_type=new.subject_type,
            subject_id=new.subject_id,
            # exactly what a replay will read back: canonical key order, JSON types
            payload=json.loads(canonical_json(dict(new.payload))),
            documents=tuple(new.documents),
        )
        self.conn.execute(
            _INSERT_EVENT,  # parameters bound separately, so the statement is compiled once
            {
                "seq": ev.seq,
                "recorded_at": ev.recorded_at,
                "node_id": ev.node_id,
                "center": ev.center,
                "actor": ev.actor,
                "type": ev.type,
                "subject_type": ev.subject_type,
                "subject_id": ev.subject_id,
                "payload": canonical_json(ev.payload),
                "documents": canonical_json(list(ev.documents)),
            },
        )
        log.append_leaves(self.conn, seq - 1, [ev.canonical()], self._nodes)
        self._size = seq
        projections.apply(self.conn, ev)
        self.emitted.append(ev)
        return ev

    def finish(self) -> log.TreeHead | None:
        """Sign the tree head covering this command's events (called before commit)."""
        if not self.emitted:
            return None
        return log.sign_head(
            self.conn, self.platform.node_key, self.platform.settings.node_id, self._size, self.now
        )
