"""Information publishing (信息发布): every public notice, pushed to every medium, with status.

A notice is a public event of a notice type (an announcement, a clarification, the candidates,
the award, a failure, a transfer announcement or result, a contract published). Publishing it
is the action that records it: each round of the scheduler (`deliver_round`) reads the notices
recorded since the last round, makes one delivery per active medium, and sends what is due:

- webhook: an HTTP POST of the notice as JSON, signed with HMAC-SHA256 of the body under the
  medium's secret (header `X-Ggzy-Signature: sha256=<hex>`), retried with growing intervals
  when it fails, and moved to the dead letters after the last attempt;
- email: a message over SMTP (`smtp://host:port/recipient@example.cn`);
- file: a JSON file per notice and a manifest line, written atomically into a folder that a
  national platform's exchange picks up;
- Atom: `/notices.atom`, read by anyone, needs no delivery.

Each notice carries its leaf hash, so a receiver can ask the node for its inclusion proof.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import Connection, select, update

from ggzy.core.calendar import SHANGHAI
from ggzy.core.errors import DomainError
from ggzy.core.events import EVENT_TYPES, RecordedEvent
from ggzy.core.projections import row_to_event
from ggzy.core.tables import events
from ggzy.exchange.tables import deliveries, media, media_cursor
from ggzy.ledger.merkle import leaf_hash

if TYPE_CHECKING:
    from ggzy.bootstrap import Platform

NOTICE_TYPES = frozenset(
    {
        "AnnouncementPublished",
        "PrequalificationNoticePublished",
        "ClarificationIssued",
        "CandidatesPublicized",
        "AwardNoticeIssued",
        "TenderFailed",
        "SingleSourcePublicized",
        "TransferAnnounced",
        "TransferResultPublished",
        "ContractPublished",
    }
)
KINDS = {"webhook": "签名推送 webhook", "email": "电子邮件 email", "file": "文件交换 file drop"}
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1


def add_medium(
    conn: Connection, kind: str, name: str, target: str, now: datetime
) -> dict[str, Any]:
    """Register a medium; a webhook gets a secret, shown once, to check signatures with."""
    if kind not in KINDS:
        raise DomainError(
            "unknown-medium",
            f"媒体类型须为：{'、'.join(KINDS.values())}",
            f"the kind must be one of: {', '.join(KINDS)}",
            field="kind",
        )
    problem = _target_problem(kind, target)
    if problem:
        raise DomainError("invalid-target", problem[0], problem[1], field="target")
    ident = secrets.token_hex(8)
    secret = secrets.token_hex(32) if kind == "webhook" else None
    conn.execute(
        media.insert().values(
            id=ident,
            kind=kind,
            name=name.strip()[:100] or kind,
            target=target,
            secret=secret,
            active=1,
            created_at=now,
        )
    )
    return {"id": ident, "kind": kind, "name": name, "target": target, "secret": secret}


def _target_problem(kind: str, target: str) -> tuple[str, str] | None:
    parts = urlsplit(target)
    if kind == "webhook" and (parts.scheme not in ("http", "https") or not parts.netloc):
        return "推送地址须为 http(s) URL", "a webhook target is an http(s) URL"
    if kind == "email" and (parts.scheme != "smtp" or "@" not in parts.path or not parts.port):
        return (
            "邮件目标须为 smtp://主机:端口/收件人地址",
            "an email target is smtp://host:port/recipient@domain",
        )
    if kind == "file" and not Path(target).is_absolute():
        return "文件交换目录须为绝对路径", "a file drop is an absolute folder path"
    return None


def list_media(conn: Connection) -> list[dict[str, Any]]:
    """Every medium (secrets not shown)."""
    return [
        {"id": r.id, "kind": r.kind, "name": r.name, "target": r.target, "active": bool(r.active)}
        for r in conn.execute(select(media).order_by(media.c.created_at))
    ]


def notice_of(ev: RecordedEvent, public_url: str, title: str = "") -> dict[str, Any]:
    """The notice as pushed: what happened, to which project, where to read and verify it."""
    declared = EVENT_TYPES.get(ev.type)
    return {
        "title": title or ev.subject_id,
        "format": "ggzy-notice/1",
        "node": ev.node_id,
        "seq": ev.seq,
        "type": ev.type,
        "type_name": declared.zh if declared else ev.type,
        "project": ev.subject_id,
        "center": ev.center,
        "published_at": ev.recorded_at.astimezone(SHANGHAI).isoformat(),
        "payload": ev.payload,
        "leaf_hash": leaf_hash(ev.canonical()).hex(),
        "url": f"{public_url.rstrip('/')}/projects/{ev.subject_id}",
        "proof": f"{public_url.rstrip('/')}/api/v1/ledger/proof/inclusion?seq={ev.seq}",
    }


def _title(conn: Connection, code: str) -> str:
    from ggzy.procedures.tables import projects

    found = conn.execute(select(projects.c.title).where(projects.c.code == code)).scalar()
    return str(found) if found else code


def _enqueue(conn: Connection, now: datetime) -> int:
    """One delivery per active medium for each notice recorded since the last round."""
    last = conn.execute(select(media_cursor.c.last_seq).where(media_cursor.c.id == 1)).scalar()
    if last is None:
        conn.execute(media_cursor.insert().values(id=1, last_seq=0))
        last = 0
    rows = conn.execute(
        select(events.c.seq, events.c.type).where(events.c.seq > last).order_by(events.c.seq)
    ).all()
    if not rows:
        return 0
    active = conn.execute(select(media.c.id).where(media.c.active == 1)).scalars().all()
    made = 0
    for row in rows:
        if row.type not in NOTICE_TYPES:
            continue
        for medium in active:
            conn.execute(
                deliveries.insert().values(
                    id=f"{medium}-{row.seq}",
                    medium=medium,
                    seq=row.seq,
                    status="pending",
                    attempts=0,
                    next_at=now,
                )
            )
            made += 1
    conn.execute(update(media_cursor).where(media_cursor.c.id == 1).values(last_seq=rows[-1].seq))
    return made


def deliver_round(platform: Platform, public_url: str | None = None) -> dict[str, int]:
    """Queue new notices and send every delivery that is due (the scheduler calls this)."""
    url = public_url or os.environ.get("GGZY_PUBLIC_URL", "http://127.0.0.1:8000")
    now = platform.clock.now()
    with platform.engine.begin() as conn:
        queued = _enqueue(conn, now)
        due = conn.execute(
            select(deliveries, media.c.kind, media.c.target, media.c.secret)
            .join(media, media.c.id == deliveries.c.medium)
            .where(deliveries.c.status.in_(("pending", "failed")), deliveries.c.next_at <= now)
            .order_by(deliveries.c.next_at)
            .limit(200)
        ).all()
    counts = {"queued": queued, "delivered": 0, "failed": 0, "dead": 0}
    for d in due:
        with platform.read() as conn:
            ev = row_to_event(conn.execute(select(events).where(events.c.seq == d.seq)).one())
            notice = notice_of(ev, url, _title(conn, ev.subject_id))
        try:
            _send(d.kind, d.target, d.secret, d.id, notice)
            error = None
        except Exception as exc:  # any failure of the medium is recorded and retried
            error = f"{type(exc).__name__}: {exc}"[:500]
        values: dict[str, Any] = {"attempts": d.attempts + 1}
        if error is None:
            values |= {"status": "delivered", "delivered_at": now, "last_error": None}
            counts["delivered"] += 1
        elif d.attempts + 1 >= MAX_ATTEMPTS:
            values |= {"status": "dead", "last_error": error}
            counts["dead"] += 1
        else:
            values |= {
                "status": "failed",
                "last_error": error,
                "next_at": now + BACKOFF[d.attempts],
            }
            counts["failed"] += 1
        with platform.engine.begin() as conn:
            conn.execute(update(deliveries).where(deliveries.c.id == d.id).values(**values))
    return counts


def _send(
    kind: str, target: str, secret: str | None, delivery: str, notice: dict[str, Any]
) -> None:
    body = json.dumps(notice, ensure_ascii=False, sort_keys=True).encode("utf-8")
    if kind == "webhook":
        import httpx

        mac = hmac.new((secret or "").encode(), body, hashlib.sha256).hexdigest()
        r = httpx.post(
            target,
            content=body,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-Ggzy-Event": notice["type"],
                "X-Ggzy-Delivery": delivery,
                "X-Ggzy-Signature": f"sha256={mac}",
            },
            timeout=10,
        )
        if not 200 <= r.status_code < 300:
            raise RuntimeError(f"HTTP {r.status_code}")
    elif kind == "email":
        _email(target, notice)
    elif kind == "file":
        folder = Path(target)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{notice['seq']:012d}-{notice['type']}.json"
        part = folder / f".{name}.part"
        part.write_bytes(body)
        os.replace(part, folder / name)
        with (folder / "manifest.jsonl").open("a", encoding="utf-8") as fh:
            line = {"file": name, "sha256": hashlib.sha256(body).hexdigest(), "seq": notice["seq"]}
            fh.write(json.dumps(line) + "\n")
    else:
        raise RuntimeError(f"unknown medium kind {kind}")


def _email(target: str, notice: dict[str, Any]) -> None:
    import smtplib
    from email.message import EmailMessage

    parts = urlsplit(target)
    recipient = unquote(parts.path.lstrip("/"))
    message = EmailMessage()
    message["From"] = os.environ.get("GGZY_MAIL_FROM", "notices@openggzy.local")
    message["To"] = recipient
    title = notice["title"]
    message["Subject"] = f"【{notice['type_name']}】{title}"
    message.set_content(
        f"{notice['type_name']}：{title}\n项目 {notice['project']}，发布时间 "
        f"{notice['published_at']}\n详情 {notice['url']}\n存证 {notice['proof']}\n"
    )
    with smtplib.SMTP(parts.hostname or "127.0.0.1", parts.port or 25, timeout=10) as smtp:
        smtp.send_message(message)


def deliveries_of(
    conn: Connection, seq: int | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    """Delivery status per medium: of one notice, or every delivery in a status (dead letters)."""
    q = select(deliveries, media.c.name, media.c.kind).join(
        media, media.c.id == deliveries.c.medium
    )
    if seq is not None:
        q = q.where(deliveries.c.seq == seq)
    if status is not None:
        q = q.where(deliveries.c.status == status)
    return [
        {
            "id": r.id,
            "medium": r.medium,
            "medium_name": r.name,
            "kind": r.kind,
            "seq": r.seq,
            "status": r.status,
            "attempts": r.attempts,
            "next_at": r.next_at.isoformat(),
            "last_error": r.last_error,
            "delivered_at": r.delivered_at.isoformat() if r.delivered_at else None,
        }
        for r in conn.execute(q.order_by(deliveries.c.seq, deliveries.c.medium).limit(1000))
    ]


def retry(conn: Connection, delivery: str, now: datetime) -> None:
    """Send a dead (or failed) delivery again at the next round."""
    done = conn.execute(
        update(deliveries)
        .where(deliveries.c.id == delivery, deliveries.c.status.in_(("dead", "failed")))
        .values(status="pending", attempts=0, next_at=now)
    )
    if done.rowcount != 1:
        raise DomainError(
            "not-retryable",
            "只能重发失败或死信的推送",
            "only failed or dead deliveries are retried",
            409,
        )


def atom_feed(conn: Connection, public_url: str, node_name: str, limit: int = 100) -> str:
    """The latest notices as an Atom 1.0 feed (RFC 4287)."""
    from xml.etree import ElementTree as ET

    ns = "http://www.w3.org/2005/Atom"
    ET.register_namespace("", ns)
    base = public_url.rstrip("/")
    feed = ET.Element(f"{{{ns}}}feed")
    rows = conn.execute(
        select(events)
        .where(events.c.type.in_(NOTICE_TYPES))
        .order_by(events.c.seq.desc())
        .limit(limit)
    ).all()
    notices = [row_to_event(r) for r in rows]
    ET.SubElement(feed, f"{{{ns}}}title").text = f"{node_name} 交易公告"
    ET.SubElement(feed, f"{{{ns}}}id").text = f"{base}/notices.atom"
    ET.SubElement(feed, f"{{{ns}}}link", href=f"{base}/notices.atom", rel="self")
    updated = notices[0].recorded_at if notices else datetime(2000, 1, 1).astimezone(SHANGHAI)
    ET.SubElement(feed, f"{{{ns}}}updated").text = updated.astimezone(SHANGHAI).isoformat()
    for ev in notices:
        n = notice_of(ev, base, _title(conn, ev.subject_id))
        entry = ET.SubElement(feed, f"{{{ns}}}entry")
        title = n["title"]
        ET.SubElement(entry, f"{{{ns}}}title").text = f"【{n['type_name']}】{title}"
        ET.SubElement(entry, f"{{{ns}}}id").text = f"{base}/api/v1/ledger/leaves/{ev.seq}"
        ET.SubElement(entry, f"{{{ns}}}link", href=n["url"])
        ET.SubElement(entry, f"{{{ns}}}updated").text = n["published_at"]
        ET.SubElement(
            entry, f"{{{ns}}}summary"
        ).text = f"{n['type_name']} · {n['project']} · 存证叶子 {n['leaf_hash']}"
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode")
