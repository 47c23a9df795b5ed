"""Resumable uploads (断点续传) of sealed bid files, for the rush before the deadline.

A client creates an upload with the file's length, then sends it in chunks, each at the
offset the server last acknowledged (`Upload-Offset`, as in the tus protocol); after a broken
connection, or a server restart, it asks for the offset and goes on from there. Chunks are
streamed to a part file on disk (memory stays flat whatever the size); the upload's state is a
database row, so a restart loses nothing. When the last byte arrives the file is hashed and
moved into the document store, and its SHA-256 is what `submit_bid` names. An upload bound to
a project is refused from the bid deadline on, by server time.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Column, Connection, String, Table, select, update

from ggzy.core.calendar import format_shanghai
from ggzy.core.documents import DocumentStore, register_document
from ggzy.core.errors import DomainError, not_found
from ggzy.db import UTCDateTime, metadata

MAX_LENGTH = 4 << 30  # 4 GiB: the largest sealed bid file accepted

uploads = Table(
    "uploads",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("owner", String(64), nullable=False),
    Column("project", String(18)),
    Column("filename", String(255), nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("length", BigInteger, nullable=False),
    Column("received", BigInteger, nullable=False),  # bytes acknowledged: the offset
    Column("sha256", String(64)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)


def _part(store: DocumentStore, upload_id: str) -> Path:
    return store.root / ".uploads" / f"{upload_id}.part"


def _deadline(conn: Connection, project: str | None, now: datetime) -> None:
    if project is None:
        return
    from ggzy.procedures.engine import get_project

    p = get_project(conn, project)
    deadline = p["data"].get("bid_deadline")
    if deadline and now >= datetime.fromisoformat(deadline):
        raise DomainError(
            "too-late",
            f"已过投标截止时间（{format_shanghai(datetime.fromisoformat(deadline))}），不能再上传",
            "the bid deadline has passed: the upload is closed",
            status=409,
            deadline=deadline,
        )


def view(row: Any) -> dict[str, Any]:
    """An upload's state as the API shows it."""
    return {
        "id": row.id,
        "project": row.project,
        "filename": row.filename,
        "length": row.length,
        "offset": row.received,
        "complete": row.sha256 is not None,
        "sha256": row.sha256,
    }


def create(
    conn: Connection,
    store: DocumentStore,
    owner: str,
    *,
    length: int,
    filename: str,
    media_type: str,
    project: str | None,
    now: datetime,
) -> dict[str, Any]:
    """Start an upload of `length` bytes; returns its state (offset 0)."""
    if not 0 < length <= MAX_LENGTH:
        raise DomainError(
            "invalid-length",
            f"文件长度须在 1 字节至 {MAX_LENGTH >> 30} GiB 之间",
            f"the length must be 1 byte to {MAX_LENGTH >> 30} GiB",
            status=413 if length > MAX_LENGTH else 422,
        )
    _deadline(conn, project, now)
    upload_id = secrets.token_hex(16)
    part = _part(store, upload_id)
    part.parent.mkdir(parents=True, exist_ok=True)
    part.touch()
    conn.execute(
        uploads.insert().values(
            id=upload_id,
            owner=owner,
            project=project,
            filename=filename[:255] or "upload.bin",
            media_type=media_type[:100] or "application/octet-stream",
            length=length,
            received=0,
            created_at=now,
            updated_at=now,
        )
    )
    return get(conn, upload_id, owner)


def get(conn: Connection, upload_id: str, owner: str) -> dict[str, Any]:
    """The state of one's own upload, or a 404 (another's upload does not exist for you)."""
    row = conn.execute(
        select(uploads).where(uploads.c.id == upload_id, uploads.c.owner == owner)
    ).first()
    if row is None:
        raise not_found(f"上传 {upload_id}", f"upload {upload_id}")
    return view(row)


def begin(
    conn: Connection, upload_id: str, owner: str, offset: int, now: datetime
) -> dict[str, Any]:
    """Check a chunk may be written at `offset`: the upload is the caller's, open, at that
    offset and before its project's deadline. Returns what the writer needs."""
    row = conn.execute(
        select(uploads).where(uploads.c.id == upload_id, uploads.c.owner == owner)
    ).first()
    if row is None:
        raise not_found(f"上传 {upload_id}", f"upload {upload_id}")
    if row.sha256 is not None:
        raise DomainError("upload-complete", "该上传已完成", "the upload is complete", status=409)
    if offset != row.received:
        raise DomainError(
            "offset-mismatch",
            f"续传位置不符：服务器已收到 {row.received} 字节，请从该位置继续",
            f"wrong offset: the server has {row.received} bytes, continue from there",
            status=409,
            offset=row.received,
        )
    _deadline(conn, row.project, now)
    return {"received": row.received, "length": row.length}


def too_long(state: dict[str, Any]) -> DomainError:
    """More bytes than the upload announced (413); the upload stays at its offset."""
    return DomainError(
        "upload-too-long",
        f"超过声明的文件长度 {state['length']} 字节",
        f"more than the announced {state['length']} bytes",
        status=413,
        offset=state["received"],
    )


def disconnected(state: dict[str, Any]) -> DomainError:
    """The connection broke mid-chunk (routine for an upload that resumes): nothing of the
    chunk is acknowledged; the client asks for the offset and sends it again."""
    return DomainError(
        "client-disconnected",
        f"连接中断，本块未收妥：服务器已收到 {state['received']} 字节，请查询续传位置后重发",
        f"the connection broke mid-chunk: the server has {state['received']} bytes, "
        "ask for the offset and send it again",
        status=400,
        offset=state["received"],
    )


def finish(
    conn: Connection,
    store: DocumentStore,
    upload_id: str,
    owner: str,
    state: dict[str, Any],
    written: int,
    now: datetime,
) -> dict[str, Any]:
    """Acknowledge the bytes written (if nobody else moved the offset meanwhile); at the end,
    move the file into the document store and register it."""
    moved = conn.execute(
        update(uploads)
        .where(uploads.c.id == upload_id, uploads.c.received == state["received"])
        .values(received=written, updated_at=now)
    )
    if moved.rowcount != 1:
        raise DomainError(
            "offset-mismatch",
            "另一次续传已先完成，请查询续传位置后重试",
            "another chunk got there first: ask for the offset and retry",
            status=409,
        )
    if written == state["length"]:
        row = conn.execute(select(uploads).where(uploads.c.id == upload_id)).one()
        sha, size = store.adopt(part_file(store, upload_id))
        register_document(conn, sha, size, row.filename, row.media_type, now)
        conn.execute(update(uploads).where(uploads.c.id == upload_id).values(sha256=sha))
    return get(conn, upload_id, owner)


def part_file(store: DocumentStore, upload_id: str) -> Path:
    """Where an upload's bytes are gathered."""
    return _part(store, upload_id)


def append(
    conn: Connection,
    store: DocumentStore,
    upload_id: str,
    owner: str,
    offset: int,
    chunks: Iterable[bytes],
    now: datetime,
) -> dict[str, Any]:
    """Write chunks at `offset` in one call (the API streams with begin, the part file and
    finish instead). Bytes past the acknowledged offset are cut first, so a retried chunk
    lands once; more bytes than announced: 413, and the upload stays where it was."""
    state = begin(conn, upload_id, owner, offset, now)
    written = state["received"]
    with part_file(store, upload_id).open("r+b") as fh:
        fh.truncate(written)
        fh.seek(written)
        for chunk in chunks:
            if written + len(chunk) > state["length"]:
                fh.truncate(state["received"])
                raise too_long(state)
            fh.write(chunk)
            written += len(chunk)
        fh.flush()
        os.fsync(fh.fileno())
    return finish(conn, store, upload_id, owner, state, written, now)
