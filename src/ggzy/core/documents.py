"""Content-addressed document store (文档库): bytes on disk under their SHA-256, metadata in SQL."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Connection, select

from ggzy.core.errors import DomainError
from ggzy.core.tables import documents

MAX_FILENAME = 255
MAX_UPLOAD = 512 * 1024 * 1024  # bytes
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


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

    def adopt_hashed(
        self, path: Path, sha256: str, size: int, *, drop_cache: bool = False
    ) -> tuple[str, int]:
        """Move a file already written and hashed on the store's disk into place, one fsync.

        The caller computed sha256 and size on the way in (nothing is read back; the size is
        checked against the file). If the store holds that hash already, the file is dropped.
        drop_cache: once the bytes are on disk, release their pages from the page cache (for
        a file written once and not read soon, e.g. an opened bid: memory is then reused by the
        next file instead of growing the cache with cold data).
        """
        try:
            if not _SHA256_HEX.fullmatch(sha256):
                raise DomainError(
                    "invalid-document-hash",
                    f"不是 SHA-256 十六进制摘要：{sha256[:80]!r}",
                    f"not a SHA-256 hex digest: {sha256[:80]!r}",
                    status=500,
                )
            final = self.path(sha256)
            with path.open("rb") as fh:
                found = os.fstat(fh.fileno()).st_size
                if found != size:
                    raise DomainError(
                        "document-size-mismatch",
                        f"待入库文件为 {found} 字节，与计算摘要时的 {size} 字节不符",
                        f"the file holds {found} bytes, not the {size} that were hashed",
                        status=500,
                    )
                if final.exists():
                    path.unlink()
                    return sha256, size
                os.fsync(fh.fileno())
                if drop_cache and hasattr(os, "posix_fadvise"):
                    os.posix_fadvise(fh.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, final)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return sha256, size

    @contextmanager
    def incoming(self, prefix: str = ".incoming-") -> Iterator[Incoming]:
        """A new temporary file in the store's root, open for writing; gone on leaving unless
        adopted (Incoming.adopt), so nothing half-written stays behind after an error."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.root, prefix=prefix)
        tmp = Incoming(self, Path(name), os.fdopen(fd, "wb"))
        try:
            yield tmp
        finally:
            tmp.file.close()
            tmp.path.unlink(missing_ok=True)

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


class Incoming:
    """A file being written into a DocumentStore (DocumentStore.incoming): path and open file."""

    def __init__(self, store: DocumentStore, path: Path, file: BinaryIO) -> None:
        self.store = store
        self.path = path
        self.file = file

    def adopt(self, sha256: str, size: int, *, drop_cache: bool = False) -> tuple[str, int]:
        """Close the file and move it into the store under its hash (see adopt_hashed)."""
        self.file.close()
        return self.store.adopt_hashed(self.path, sha256, size, drop_cache=drop_cache)


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
