"""The event spine (事件主干): every accepted command becomes one append-only event.

An event's canonical bytes are the leaf data of the evidence ledger (ggzy.ledger), so the
encoding below is a stable interface: UTF-8 JSON with sorted keys, no whitespace, integers
only (money is integer 分, never float), times as UTC ISO 8601 with microseconds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

CANONICAL_VERSION = 1
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class EventType:
    """A declared kind of event: its name, meaning in Chinese and English, and who may read it."""

    name: str
    zh: str
    en: str
    public: bool = True  # False: the leaf data is shown only to the actor and officials


EVENT_TYPES: dict[str, EventType] = {}


def event_type(name: str, zh: str, en: str, *, public: bool = True) -> EventType:
    """Declare an event type once, at import: `event_type("BidSubmitted", "投标文件已递交", …)`."""
    if not re.fullmatch(r"[A-Z][A-Za-z]+", name):
        raise ValueError(f"event type {name!r} must be a PastTense CamelCase word")
    existing = EVENT_TYPES.get(name)
    declared = EventType(name, zh, en, public)
    if existing is not None and existing != declared:
        raise ValueError(f"event type {name!r} declared twice with different meanings")
    EVENT_TYPES[name] = declared
    return declared


@dataclass(frozen=True)
class NewEvent:
    """What a command handler asks the spine to append."""

    type: str
    subject_type: str  # project | entity | account | center | node | document
    subject_id: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    documents: tuple[str, ...] = ()  # SHA-256 hex of attached documents


@dataclass(frozen=True)
class RecordedEvent:
    """An event as stored: sequence, server time, node, center and actor added."""

    seq: int
    recorded_at: datetime
    node_id: str
    center: str | None
    actor: str
    type: str
    subject_type: str
    subject_id: str
    payload: dict[str, Any]
    documents: tuple[str, ...]

    def canonical(self) -> bytes:
        """The leaf data of this event in the Merkle log."""
        return canonical_event_bytes(self)

    @property
    def public(self) -> bool:
        """Whether anyone may read this event's data (its leaf hash is always public)."""
        declared = EVENT_TYPES.get(self.type)
        return declared.public if declared else False


def check_json_value(value: Any, path: str = "payload") -> None:
    """Refuse values that have no exact canonical JSON form (floats, NaN, bytes, objects)."""
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int):
        return
    if isinstance(value, float):
        raise TypeError(f"{path}: floats are not allowed in events (money is integer 分)")
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            check_json_value(item, f"{path}[{i}]")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path}: keys must be strings")
            check_json_value(item, f"{path}.{key}")
        return
    raise TypeError(f"{path}: {type(value).__name__} is not JSON")


def canonical_json(value: Any) -> str:
    """Deterministic JSON text: sorted keys, no spaces, UTF-8 characters kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def format_time(dt: datetime) -> str:
    """UTC ISO 8601 with microseconds: 2026-11-23T06:43:51.000123Z."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime refused")
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_event_bytes(ev: RecordedEvent) -> bytes:
    """Canonical bytes of a recorded event (version 1 of the encoding)."""
    body = {
        "v": CANONICAL_VERSION,
        "seq": ev.seq,
        "time": format_time(ev.recorded_at),
        "node": ev.node_id,
        "center": ev.center,
        "actor": ev.actor,
        "type": ev.type,
        "subject": {"type": ev.subject_type, "id": ev.subject_id},
        "payload": ev.payload,
        "documents": list(ev.documents),
    }
    return canonical_json(body).encode("utf-8")


def validate_new_event(ev: NewEvent) -> None:
    """Check a new event before it is appended: declared type, JSON payload, document hashes."""
    if ev.type not in EVENT_TYPES:
        raise ValueError(f"undeclared event type {ev.type!r}: declare it with event_type()")
    check_json_value(dict(ev.payload))
    for digest in ev.documents:
        if not _HEX64.match(digest):
            raise ValueError(f"document hash {digest!r} is not lowercase SHA-256 hex")
    if not ev.subject_type or not ev.subject_id:
        raise ValueError("an event needs a subject")
