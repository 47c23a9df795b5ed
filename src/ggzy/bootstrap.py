"""Wiring: settings, database engine, clock, node key and document store in one Platform."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine

from ggzy.config import Settings, load_settings
from ggzy.core.clock import Clock, SystemClock
from ggzy.core.documents import DocumentStore
from ggzy.core.events import RecordedEvent
from ggzy.core.uow import UnitOfWork
from ggzy.db import make_engine
from ggzy.ledger.signing import NodeKey


def _load_packages() -> None:
    """Import every capability so its tables, event types and projectors are registered."""
    import ggzy.credit.records
    import ggzy.evaluation.draws
    import ggzy.evaluation.experts
    import ggzy.evaluation.venues
    import ggzy.evaluation.workbench
    import ggzy.exchange.peers
    import ggzy.pki.bindings
    import ggzy.pki.custody
    import ggzy.pki.login
    import ggzy.pki.trust
    import ggzy.procedures.calendar_days
    import ggzy.procedures.declarations
    import ggzy.registry.handlers  # noqa: F401


@dataclass
class Platform:
    """One running node: where its data lives and the services every command uses."""

    settings: Settings
    engine: Engine
    clock: Clock
    node_key: NodeKey
    documents: DocumentStore
    extras: dict[str, object] = field(default_factory=dict)
    # called after each commit with its events (the live halls wake on them); must not raise
    on_commit: list[Callable[[list[RecordedEvent]], None]] = field(default_factory=list)

    @contextmanager
    def command(
        self, actor: str, center: str | None = None, origin: dict[str, str] | None = None
    ) -> Iterator[UnitOfWork]:
        """A write transaction: events appended inside commit together with a signed head.

        origin: where the request came from ({"ip", "user_agent"}), for the evidence effects keep.
        """
        with self.engine.begin() as conn:
            uow = UnitOfWork(self, conn, actor, center, origin)
            yield uow
            uow.finish()
        for callback in uow.after_commit:
            callback()
        if uow.emitted:
            for listener in self.on_commit:
                listener(uow.emitted)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction (rolled back at the end)."""
        with self.engine.connect().execution_options(ggzy_read_only=True) as conn:
            try:
                yield conn
            finally:
                conn.rollback()


def create_platform(
    settings: Settings | None = None,
    clock: Clock | None = None,
    node_key: NodeKey | None = None,
) -> Platform:
    """Build a Platform from settings (environment by default)."""
    _load_packages()
    settings = settings or load_settings()
    engine = make_engine(settings.database_url)
    key = node_key or NodeKey.load_or_create(settings.node_key_path)
    return Platform(
        settings=settings,
        engine=engine,
        clock=clock or SystemClock(),
        node_key=key,
        documents=DocumentStore(settings.documents_dir),
    )
