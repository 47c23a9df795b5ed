"""The document store (ggzy.core.documents): adopting files written and hashed elsewhere, and
the temporary files of a write that fails midway (nothing half-written stays behind)."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from ggzy.core.documents import DocumentStore
from ggzy.core.errors import DomainError
from ggzy.pki.envelope import EnvelopeError, Recipient, seal_bytes, unseal_stream


def files(root: Path) -> list[Path]:
    """Every file under the store's root (directories left out)."""
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture
def store(tmp_path: Path) -> DocumentStore:
    return DocumentStore(tmp_path / "documents")


def test_adopt_hashed_moves_the_file_into_place(store: DocumentStore) -> None:
    data = os.urandom(100_000)
    sha = hashlib.sha256(data).hexdigest()
    with store.incoming() as incoming:
        incoming.file.write(data)
        assert incoming.path.parent == store.root and incoming.path.name.startswith(".incoming-")
        assert incoming.adopt(sha, len(data)) == (sha, len(data))
    assert store.read(sha) == data
    assert files(store.root) == [store.path(sha)]  # the temporary file is gone


def test_adopting_a_hash_the_store_has_drops_the_new_file(store: DocumentStore) -> None:
    data = b"the same bytes twice"
    sha, size = store.write([data])
    before = store.path(sha).stat()
    tmp = store.root / ".opening-again"
    tmp.write_bytes(data)
    assert store.adopt_hashed(tmp, sha, size, drop_cache=True) == (sha, size)
    assert not tmp.exists()
    after = store.path(sha).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # untouched
    assert files(store.root) == [store.path(sha)]


def test_drop_cache_keeps_the_bytes(store: DocumentStore) -> None:
    data = os.urandom(3 << 20)
    sha = hashlib.sha256(data).hexdigest()
    with store.incoming(prefix=".opening-") as incoming:
        incoming.file.write(data)
        incoming.adopt(sha, len(data), drop_cache=True)
    assert store.read(sha) == data


def test_a_size_that_does_not_match_is_refused_and_nothing_stays(store: DocumentStore) -> None:
    data = b"twelve bytes"
    sha = hashlib.sha256(data).hexdigest()
    with pytest.raises(DomainError) as info, store.incoming() as incoming:
        incoming.file.write(data)
        incoming.adopt(sha, len(data) + 1)
    assert info.value.code == "document-size-mismatch" and info.value.zh and info.value.en
    assert files(store.root) == []


def test_a_malformed_hash_is_refused(store: DocumentStore) -> None:
    tmp = store.root / ".incoming-x"
    store.root.mkdir(parents=True)
    tmp.write_bytes(b"x")
    with pytest.raises(DomainError) as info:
        store.adopt_hashed(tmp, "../../etc/passwd", 1)
    assert info.value.code == "invalid-document-hash"
    assert files(store.root) == []


def test_an_error_while_writing_leaves_no_temporary_file(store: DocumentStore) -> None:
    with pytest.raises(RuntimeError), store.incoming() as incoming:
        incoming.file.write(b"half of it")
        raise RuntimeError("the writer failed")
    assert files(store.root) == []


def sealed_envelope(size: int, chunk: int) -> tuple[bytes, bytes, bytes]:
    """(plaintext, envelope, content key) with several records."""
    data = os.urandom(size)
    key = os.urandom(32)
    recipient = Recipient.from_public_key(ec.generate_private_key(ec.SECP256R1()).public_key())
    envelope = seal_bytes(
        data,
        recipients=[recipient],
        meta={"project": "P1", "bidder": "B1"},
        chunk_size=chunk,
        content_key=key,
    )
    return data, envelope, key


def test_a_tampered_sealed_file_leaves_no_temporary_file_and_no_document(
    store: DocumentStore,
) -> None:
    data, envelope, key = sealed_envelope(10 * 1024 + 5, 1024)
    tampered = bytearray(envelope)
    tampered[-500] ^= 1  # in a late record: earlier records were already written
    written: list[int] = []
    with pytest.raises(EnvelopeError) as info, store.incoming(prefix=".opening-") as incoming:
        unseal_stream(
            io.BytesIO(bytes(tampered)),
            incoming.file,
            key,
            digest=True,
            sink=lambda chunk: written.append(len(chunk)),
        )
    assert info.value.code == "envelope-tampered"
    assert sum(written) >= 9 * 1024  # most of it had been written when the check failed
    assert files(store.root) == []
    # the untampered one goes in under its plaintext hash
    with store.incoming(prefix=".opening-") as incoming:
        result = unseal_stream(io.BytesIO(envelope), incoming.file, key, digest=True)
        assert result.plaintext_sha256 == hashlib.sha256(data).hexdigest()
        incoming.adopt(result.plaintext_sha256, result.plaintext_length)
    assert files(store.root) == [store.path(hashlib.sha256(data).hexdigest())]


def test_decrypt_and_read_of_a_tampered_sealed_file_stores_nothing(store: DocumentStore) -> None:
    from ggzy.bidding.sealed import decrypt_and_read

    _, envelope, key = sealed_envelope(8 * 1024, 1024)
    tampered = bytearray(envelope)
    tampered[-300] ^= 1
    sealed_sha, _ = store.write([bytes(tampered)])
    ctx = SimpleNamespace(
        project={"code": "P1"}, uow=SimpleNamespace(platform=SimpleNamespace(documents=store))
    )
    bid = {"sealed_sha256": sealed_sha, "bidder": "B1", "seq": 1}
    with pytest.raises(EnvelopeError) as info:
        decrypt_and_read(ctx, bid, key, "bidder")  # type: ignore[arg-type]
    assert info.value.code == "envelope-tampered"
    assert files(store.root) == [store.path(sealed_sha)]  # only the sealed file itself
