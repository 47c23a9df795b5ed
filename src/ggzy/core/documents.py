"""Content-addressed document store (文档库): bytes on disk under their SHA-256, metadata in SQL."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Connection, select

from ggzy.core.errors import DomainError
from ggzy.core.tables import documents

MAX_FILENAME = 255
MAX_UPLOAD = 512 * 1024 * 1024  # bytes


class DocumentStore:
    """Stores files by SHA-256 address; writing the same bytes twice stores them once."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        """Where the bytes of a document live."""
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def write(self, chunks: Iterable[bytes]) -> tuple[str, int]:
        """Stream chunks to disk, hashing on the way; returns (sha256 hex, size)."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as fh:
                for chunk in chunks:
                    digest.update(chunk)
                    size += len(chunk)
                    fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            sha = digest.hexdigest()
            final = self.path(sha)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha, size

    def adopt(self, path: Path) -> tuple[str, int]:
        """Move a finished file on the store's disk into the store (hashed, not copied)."""
        digest = hashlib.sha256()
        size = 0
        with path.open("rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
                size += len(block)
        sha = digest.hexdigest()
        final = self.path(sha)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, final)
        return sha, size

    def write_upload(self, stream: BinaryIO, max_size: int = MAX_UPLOAD) -> tuple[str, int]:
        """Stream an uploaded file in: refuse it beyond max_size (413) or when empty."""
        seen = 0

        def chunks() -> Iterator[bytes]:
            nonlocal seen
            while chunk := stream.read(1024 * 1024):
                seen += len(chunk)
                if seen > max_size:
                    mb = max_size // (1024 * 1024)
                    raise DomainError(
                        "file-too-large", f"文件超过 {mb} MB", f"file exceeds {mb} MB", status=413
                    )
                yield chunk

        sha, size = self.write(chunks())
        if size == 0:
            raise DomainError("empty-file", "文件为空", "the file is empty")
        return sha, size

    def read(self, sha256: str) -> bytes:
        """The bytes of a stored document, verified against their address."""
        data = self.path(sha256).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise DomainError(
                "document-corrupt",
                f"文档 {sha256[:12]}… 内容与其哈希不符",
                f"document {sha256[:12]}… does not match its hash",
                status=500,
            )
        return data

    def exists(self, sha256: str) -> bool:
        """True if the bytes are on disk."""
        return self.path(sha256).exists()


def register_document(
    conn: Connection,
    sha256: str,
    size: int,
    filename: str,
    media_type: str,
    now: datetime,
    *,
    sealed: bool = False,
) -> None:
    """Record a stored document's metadata once (idempotent)."""
    exists = conn.execute(select(documents.c.sha256).where(documents.c.sha256 == sha256)).first()
    if exists:
        return
    conn.execute(
        documents.insert().values(
            sha256=sha256,
            size=size,
            media_type=media_type[:100] or "application/octet-stream",
            filename=(filename or sha256)[:MAX_FILENAME],
            sealed=1 if sealed else 0,
            created_at=now,
        )
    )


def document_info(conn: Connection, sha256: str) -> dict[str, object] | None:
    """Metadata of a registered document."""
    row = conn.execute(select(documents).where(documents.c.sha256 == sha256)).first()
    return dict(row._mapping) if row else None
