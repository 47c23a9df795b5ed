"""Sealed bid envelopes (ggzy.pki.envelope): round trips, refusals with the right reason, memory.

Keys and certificates come from ggzy.pki.testca (RSA, ECDSA P-256, SM2). SM2 needs
ggzy.pki.sm (tongsuopy); without it the SM2 cases are skipped with the reason shown.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import struct
import tracemalloc
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ggzy.core.codes import make_credit_code
from ggzy.core.errors import DomainError
from ggzy.pki import envelope as env
from ggzy.pki.envelope import (
    AES_256_GCM,
    SM4_GCM,
    EnvelopeError,
    Recipient,
    generate_opening_key,
    inspect_stream,
    load_private_key,
    read_header,
    seal_bytes,
    seal_stream,
    unseal_bytes,
    unseal_stream,
    unwrap_content_key,
)
from ggzy.pki.shamir import ShamirError, Share, split

try:
    from ggzy.pki import sm as _sm  # noqa: F401

    SM2_SKIP = ""
except ImportError as exc:  # pragma: no cover - depends on the machine
    SM2_SKIP = f"ggzy.pki.sm is not available yet: {exc}"

needs_sm2 = pytest.mark.skipif(bool(SM2_SKIP), reason=SM2_SKIP or "SM2 available")
ALGORITHMS = ["rsa", "ecdsa", pytest.param("sm2", marks=needs_sm2)]
CHUNK = 1024
BIDDER = make_credit_code("9", "1", "420100", "MA4K2QX5")
META = {"project": "E4201000001202600001", "bidder": BIDDER}
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Party:
    algorithm: str
    key: Any  # private key
    certificate: bytes  # DER


@pytest.fixture(scope="module")
def parties() -> dict[str, Party]:
    """One encryption certificate per algorithm, issued by a test CA of that algorithm."""
    from ggzy.pki.testca import TestCA

    made = {}
    for algorithm in ("rsa", "ecdsa", "sm2"):
        if algorithm == "sm2" and SM2_SKIP:
            continue
        ca = TestCA.create(f"测试CA {algorithm}", algorithm=algorithm, now=NOW)
        issued = ca.issue("武汉长江城建投资有限公司", BIDDER, usage="encrypt")
        made[algorithm] = Party(algorithm, issued.key, issued.der)
    return made


def seal(data: bytes, recipients: list[Recipient], cipher: str = AES_256_GCM, **kw: Any) -> bytes:
    return seal_bytes(data, recipients=recipients, meta=META, cipher=cipher, chunk_size=CHUNK, **kw)


def open_with(envelope: bytes, key: Any) -> bytes:
    content_key = unwrap_content_key(read_header(io.BytesIO(envelope)), key)
    return unseal_bytes(envelope, content_key)


def refused(envelope: bytes, key: bytes) -> EnvelopeError:
    with pytest.raises(EnvelopeError) as info:
        unseal_bytes(envelope, key)
    return info.value


def layout(envelope: bytes) -> tuple[int, list[tuple[int, int]]]:
    """(header length, [(record offset, record length incl. framing)])."""
    offset = len(read_header(io.BytesIO(envelope)).raw)
    header_len = offset
    records = []
    while True:
        flag, length = struct.unpack_from(">BI", envelope, offset)
        size = 5 + length + 16
        records.append((offset, size))
        offset += size
        if flag == 1:
            return header_len, records


# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("cipher", [AES_256_GCM, SM4_GCM])
@pytest.mark.parametrize("size", [0, 1, CHUNK, 3 * CHUNK, 3 * CHUNK + 7])
def test_round_trip_every_recipient_kind_cipher_and_size(
    parties: dict[str, Party], algorithm: str, cipher: str, size: int
) -> None:
    party = parties[algorithm]
    data = os.urandom(size)
    envelope = seal(data, [Recipient.load(party.certificate)], cipher)
    assert open_with(envelope, party.key) == data
    info = inspect_stream(io.BytesIO(envelope))
    assert info.plaintext_length == size
    assert info.header.version == 2 and info.plaintext_sha256 is None  # no plaintext digest
    assert info.records == max(1, -(-size // CHUNK))  # an exact multiple adds no empty record
    assert info.envelope_sha256 == hashlib.sha256(envelope).hexdigest()
    assert info.envelope_length == len(envelope)
    entry = info.header.recipients[0]
    expected_kind = {
        "rsa": "rsa-oaep-sha256",
        "ecdsa": "ecdh-p256-hkdf-sha256-aes256kw",
        "sm2": "sm2-encrypt",
    }
    assert entry["kind"] == expected_kind[algorithm]
    assert entry["key_id"] == hashlib.sha256(party.certificate).hexdigest()
    assert entry["key_id_of"] == "certificate"


def test_every_recipient_opens_a_shared_envelope(parties: dict[str, Party]) -> None:
    recipients = [Recipient.load(p.certificate) for p in parties.values()]
    data = os.urandom(5000)
    envelope = seal(data, recipients)
    keys = {unwrap_content_key(read_header(io.BytesIO(envelope)), p.key) for p in parties.values()}
    assert len(keys) == 1  # one content key, wrapped to each
    for party in parties.values():
        assert open_with(envelope, party.key) == data


def test_header_carries_the_metadata_in_canonical_json(parties: dict[str, Party]) -> None:
    declared = {"tool_machine_code": "工具-00A1", "hardware_ids": ["mac:02:00:5e:00:53:01"]}
    envelope = seal_bytes(
        b"bid",
        recipients=[Recipient.load(parties["ecdsa"].certificate)],
        meta={**META, "declared": declared},
        cipher="sm4",
    )
    assert envelope[:8] == b"GGZYENV1" and envelope[8] == 2
    (length,) = struct.unpack(">I", envelope[9:13])
    raw = envelope[13 : 13 + length]
    meta = json.loads(raw)
    assert (
        raw == json.dumps(meta, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    )
    assert meta["project"] == META["project"] and meta["bidder"] == BIDDER
    assert meta["cipher"] == SM4_GCM and meta["chunk_size"] == 1 << 20
    assert meta["declared"] == declared
    assert len(bytes.fromhex(meta["nonce_prefix"])) == 8
    assert envelope[-16:-8] == b"GGZYEND2"
    assert struct.unpack(">Q", envelope[-8:]) == (3,)  # the plaintext length


def test_raw_public_keys_and_pem_certificates_are_recipients(parties: dict[str, Party]) -> None:
    party = parties["ecdsa"]
    pem = party.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    from ggzy.pki.certs import parse_certificate

    cert_pem = parse_certificate(party.certificate).pem().encode()
    by_spki = Recipient.load(pem)
    by_cert = Recipient.load(cert_pem)
    assert by_spki.spki_sha256 == by_cert.spki_sha256
    assert by_spki.key_id != by_cert.key_id  # SPKI hash vs certificate hash
    assert open_with(seal(b"x", [by_spki]), party.key) == b"x"
    assert open_with(seal(b"x", [by_cert]), party.key) == b"x"


def test_private_keys_load_from_pem_with_passphrase(parties: dict[str, Party]) -> None:
    for party in parties.values():
        if party.algorithm == "sm2":
            pem = party.key.to_pem(b"secret-pass")
        else:
            pem = party.key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(b"secret-pass"),
            )
        key = env.load_private_key(pem, "secret-pass")
        envelope = seal(b"bid", [Recipient.load(party.certificate)])
        assert open_with(envelope, key) == b"bid"
        with pytest.raises(DomainError):
            env.load_private_key(pem, "wrong")


def test_unsupported_keys_are_refused() -> None:
    p384 = ec.generate_private_key(ec.SECP384R1()).public_key()
    with pytest.raises(DomainError) as info:
        Recipient.from_public_key(p384)
    assert info.value.code == "invalid-key"
    with pytest.raises(DomainError):
        Recipient.load(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")


def test_stream_with_short_reads_and_partial_writes(parties: dict[str, Party]) -> None:
    class Dribble(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.data = memoryview(data)

        def readable(self) -> bool:
            return True

        def readinto(self, b: Any) -> int:
            n = min(len(b), len(self.data), 777)
            b[:n] = self.data[:n]
            self.data = self.data[n:]
            return n

    class Stingy(io.RawIOBase):
        def __init__(self) -> None:
            self.out = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b: Any) -> int:
            n = min(len(b), 500)
            self.out += bytes(b[:n])
            return n

    data = os.urandom(10 * CHUNK + 3)
    party = parties["rsa"]
    sink = Stingy()
    seal_stream(
        Dribble(data),
        sink,
        recipients=[Recipient.load(party.certificate)],
        meta=META,
        chunk_size=CHUNK,
    )
    envelope = bytes(sink.out)
    content_key = unwrap_content_key(read_header(io.BytesIO(envelope)), party.key)
    back = Stingy()
    result = unseal_stream(Dribble(envelope), back, content_key)
    assert bytes(back.out) == data
    assert result.plaintext_length == len(data) and result.records == 11


# ---------------------------------------------------------------- refusals


@pytest.fixture(scope="module")
def sealed(parties: dict[str, Party]) -> tuple[bytes, bytes, bytes]:
    """(plaintext, envelope of 4 records + a short one, content key)."""
    data = os.urandom(4 * CHUNK + 100)
    key = os.urandom(32)
    envelope = seal(data, [Recipient.load(parties["ecdsa"].certificate)], content_key=key)
    return data, envelope, key


def test_the_fixture_envelope_opens(sealed: tuple[bytes, bytes, bytes]) -> None:
    data, envelope, key = sealed
    assert unseal_bytes(envelope, key) == data


@pytest.mark.parametrize("cut", [1, 15, 16, 17, 60, 5 + 100 + 16 + 16, CHUNK])
def test_truncated_envelopes_are_refused(sealed: tuple[bytes, bytes, bytes], cut: int) -> None:
    _, envelope, key = sealed
    assert refused(envelope[:-cut], key).code == "envelope-truncated"


def test_cut_at_a_record_boundary_is_truncated(sealed: tuple[bytes, bytes, bytes]) -> None:
    _, envelope, key = sealed
    _, records = layout(envelope)
    for offset, _ in records:
        assert refused(envelope[:offset], key).code == "envelope-truncated"


def test_dropped_records_with_a_forged_end_are_truncated(
    sealed: tuple[bytes, bytes, bytes],
) -> None:
    """An attacker keeps records 0..1, marks record 1 final and writes a matching trailer."""
    data, envelope, key = sealed
    _, records = layout(envelope)
    offset, size = records[1]
    forged = bytearray(envelope[: offset + size])
    forged[offset] = 1  # "final"
    kept = data[: 2 * CHUNK]
    forged += b"GGZYEND2" + struct.pack(">Q", len(kept))
    error = refused(bytes(forged), key)
    assert error.code == "envelope-truncated"
    assert "removed" in error.en


def test_reordered_records_are_tampered(sealed: tuple[bytes, bytes, bytes]) -> None:
    _, envelope, key = sealed
    _, records = layout(envelope)
    (a, size), (b, _) = records[0], records[1]
    swapped = envelope[:a] + envelope[b : b + size] + envelope[a : a + size] + envelope[b + size :]
    error = refused(swapped, key)
    assert error.code == "envelope-tampered"
    assert "record 0" in error.en


def test_a_record_from_another_envelope_is_tampered(
    parties: dict[str, Party], sealed: tuple[bytes, bytes, bytes]
) -> None:
    """Same content key and data, different header: records are bound to their header."""
    data, envelope, key = sealed
    other = seal(data, [Recipient.load(parties["ecdsa"].certificate)], content_key=key)
    _, records = layout(envelope)
    _, other_records = layout(other)
    offset, size = records[2]
    o_offset, _ = other_records[2]
    mixed = envelope[:offset] + other[o_offset : o_offset + size] + envelope[offset + size :]
    assert refused(mixed, key).code == "envelope-tampered"


@pytest.mark.parametrize(
    "extra",
    [b"\x00", b"more data", b"GGZYEND2" + bytes(8)],
)
def test_extended_envelopes_are_tampered(sealed: tuple[bytes, bytes, bytes], extra: bytes) -> None:
    _, envelope, key = sealed
    error = refused(envelope + extra, key)
    assert error.code == "envelope-tampered"
    with pytest.raises(EnvelopeError) as info:  # the server sees it too, without the key
        inspect_stream(io.BytesIO(envelope + extra))
    assert info.value.code == "envelope-tampered"


def test_an_inserted_record_is_tampered(sealed: tuple[bytes, bytes, bytes]) -> None:
    _, envelope, key = sealed
    _, records = layout(envelope)
    offset, size = records[1]
    doubled = (
        envelope[: offset + size] + envelope[offset : offset + size] + envelope[offset + size :]
    )
    assert refused(doubled, key).code == "envelope-tampered"


def test_every_flipped_bit_after_the_header_is_refused(sealed: tuple[bytes, bytes, bytes]) -> None:
    _, envelope, key = sealed
    header_len, _ = layout(envelope)
    positions = [*range(header_len, len(envelope), 97), len(envelope) - 1]
    for position in positions:
        flipped = bytearray(envelope)
        flipped[position] ^= 0x10
        error = refused(bytes(flipped), key)
        assert error.code in ("envelope-tampered", "envelope-truncated"), position


def test_flipped_ciphertext_and_tag_bits_name_the_record(
    sealed: tuple[bytes, bytes, bytes],
) -> None:
    _, envelope, key = sealed
    _, records = layout(envelope)
    for index, (offset, size) in enumerate(records):
        for position in (offset + 5, offset + size - 1):  # first ciphertext byte, last tag byte
            flipped = bytearray(envelope)
            flipped[position] ^= 0x01
            error = refused(bytes(flipped), key)
            assert error.code == "envelope-tampered"
            assert f"record {index}" in error.en


def test_flipped_bits_in_the_header_are_refused(sealed: tuple[bytes, bytes, bytes]) -> None:
    _, envelope, key = sealed
    header_len, _ = layout(envelope)
    for position in range(0, header_len, 7):
        flipped = bytearray(envelope)
        flipped[position] ^= 0x01
        error = refused(bytes(flipped), key)
        assert error.code in (
            "envelope-malformed",
            "envelope-tampered",
            "envelope-truncated",
            "unsupported-cipher",
        ), (position, error.code)


def test_an_altered_key_check_is_tampering_not_a_wrong_key(
    sealed: tuple[bytes, bytes, bytes],
) -> None:
    _, envelope, key = sealed
    header = read_header(io.BytesIO(envelope))
    old = header.meta["key_check"]
    new = ("0" if old[0] != "0" else "1") + old[1:]
    altered = envelope.replace(old.encode(), new.encode())
    error = refused(altered, key)
    assert error.code == "envelope-tampered"
    assert "key check" in error.en


def test_a_wrong_content_key_is_refused(sealed: tuple[bytes, bytes, bytes]) -> None:
    _, envelope, _ = sealed
    assert refused(envelope, os.urandom(32)).code == "wrong-key"
    assert refused(envelope, os.urandom(16)).code == "wrong-key"  # wrong size for AES-256


def test_a_wrong_private_key_is_refused(parties: dict[str, Party]) -> None:
    envelope = seal(b"bid", [Recipient.load(parties["ecdsa"].certificate)])
    header = read_header(io.BytesIO(envelope))
    for stranger in (
        ec.generate_private_key(ec.SECP256R1()),
        rsa.generate_private_key(65537, 2048),
    ):
        with pytest.raises(EnvelopeError) as info:
            unwrap_content_key(header, stranger)
        assert info.value.code == "wrong-key"


def test_a_damaged_wrapped_key_is_a_wrong_key(parties: dict[str, Party]) -> None:
    party = parties["rsa"]
    envelope = seal(b"bid", [Recipient.load(party.certificate)])
    header = read_header(io.BytesIO(envelope))
    entry = header.recipients[0]
    wrapped = bytearray(env.base64.b64decode(entry["wrapped_key"]))
    wrapped[10] ^= 1
    damaged = envelope.replace(entry["wrapped_key"].encode(), env.base64.b64encode(bytes(wrapped)))
    with pytest.raises(EnvelopeError) as info:
        unwrap_content_key(read_header(io.BytesIO(damaged)), party.key)
    assert info.value.code == "wrong-key"


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        b"\x00",
        b"%PDF-1.7\n" + bytes(100),
        b"PK\x03\x04" + os.urandom(500),
        os.urandom(4096),
        b"GGZYENV1\x02\x00\x00\x00\x02{}",  # unknown version
        b"GGZYENV1\x01\xff\xff\xff\xff",  # absurd header length
        b"GGZYENV1\x01\x00\x00\x00\x02{}",  # no fields
        b"GGZYENV1\x01\x00\x00\x00\x04null",
    ],
)
def test_garbage_is_malformed(garbage: bytes) -> None:
    for attempt in (
        lambda: unseal_bytes(garbage, os.urandom(32)),
        lambda: inspect_stream(io.BytesIO(garbage)),
    ):
        with pytest.raises(EnvelopeError) as info:
            attempt()
        assert info.value.code == "envelope-malformed", garbage[:20]


def _rewrite_header(envelope: bytes, change: Any, canonical: bool = True) -> bytes:
    header = read_header(io.BytesIO(envelope))
    meta = dict(header.meta)
    change(meta)
    if canonical:
        raw = json.dumps(meta, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    else:
        raw = json.dumps(meta, indent=1).encode()
    fixed = b"GGZYENV1\x01" + struct.pack(">I", len(raw))
    return fixed + raw + envelope[len(header.raw) :]


def test_non_canonical_header_is_malformed(sealed: tuple[bytes, bytes, bytes]) -> None:
    _, envelope, key = sealed
    loose = _rewrite_header(envelope, lambda m: None, canonical=False)
    assert refused(loose, key).code == "envelope-malformed"


def test_unknown_cipher_is_unsupported(sealed: tuple[bytes, bytes, bytes]) -> None:
    _, envelope, key = sealed
    other = _rewrite_header(envelope, lambda m: m.update(cipher="CHACHA20-POLY1305"))
    assert refused(other, key).code == "unsupported-cipher"
    with pytest.raises(EnvelopeError) as info:
        seal(b"x", [], "DES-CBC")
    assert info.value.code == "unsupported-cipher"


def test_rewritten_metadata_is_tampered(sealed: tuple[bytes, bytes, bytes]) -> None:
    """A canonical, well-formed header naming another bidder no longer fits its records."""
    _, envelope, key = sealed
    other = _rewrite_header(envelope, lambda m: m.update(bidder="91420100MA4K2QXX0X"))
    assert refused(other, key).code == "envelope-tampered"


def test_sealing_needs_metadata_and_recipients(parties: dict[str, Party]) -> None:
    recipient = Recipient.load(parties["ecdsa"].certificate)
    with pytest.raises(DomainError) as info:
        seal_bytes(b"x", recipients=[recipient], meta={"project": "P"})
    assert info.value.code == "envelope-meta"
    with pytest.raises(DomainError) as info:
        seal_bytes(b"x", recipients=[], meta=META)
    assert info.value.code == "envelope-no-recipient"


# ---------------------------------------------------------------- the opening-key fallback


def test_opening_key_split_3_of_5(parties: dict[str, Party]) -> None:
    opening = generate_opening_key(3, 5, label="420100 开标密钥")
    data = os.urandom(3 * CHUNK + 1)
    envelope = seal(data, [Recipient.load(parties["ecdsa"].certificate), opening.recipient])
    header = read_header(io.BytesIO(envelope))
    entry = header.recipients[1]
    assert entry["kind"] == "shamir-opening-key"
    assert entry["wrap"] == "ecdh-p256-hkdf-sha256-aes256kw"
    expected = unwrap_content_key(header, parties["ecdsa"].key)
    shares = [Share.from_json(s.to_json()) for s in opening.shares]  # as officers keep them
    for three in itertools.combinations(shares, 3):
        assert unwrap_content_key(header, list(three)) == expected
    assert unseal_bytes(envelope, unwrap_content_key(header, shares[1:4])) == data
    for two in itertools.combinations(shares, 2):
        with pytest.raises(ShamirError) as info:
            unwrap_content_key(header, list(two))
        assert info.value.code == "shares-insufficient"


def test_opening_shares_of_another_center_are_refused(parties: dict[str, Party]) -> None:
    ours, theirs = generate_opening_key(3, 5), generate_opening_key(3, 5)
    envelope = seal(b"bid", [ours.recipient])
    header = read_header(io.BytesIO(envelope))
    with pytest.raises(ShamirError) as info:
        unwrap_content_key(header, [*ours.shares[:2], theirs.shares[2]])
    assert info.value.code == "shares-mismatched"
    with pytest.raises(EnvelopeError) as refusal:  # a whole other key: not a recipient
        unwrap_content_key(header, theirs.shares[:3])
    assert refusal.value.code == "wrong-key"


def test_opening_key_can_be_any_recipient_algorithm(parties: dict[str, Party]) -> None:
    """An RSA or SM2 opening key (split by the center itself) works the same way."""
    for party in parties.values():
        if party.algorithm == "sm2":
            secret = party.key.to_der()
        else:
            secret = party.key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        shares = split(secret, 2, 3)
        recipient = Recipient.load(party.certificate, opening=True)
        envelope = seal(b"bid", [recipient])
        header = read_header(io.BytesIO(envelope))
        assert header.recipients[0]["kind"] == "shamir-opening-key"
        assert unseal_bytes(envelope, unwrap_content_key(header, [shares[0], shares[2]])) == b"bid"


# ---------------------------------------------------------------- memory


class _Generated(io.RawIOBase):
    """size bytes produced on the fly, never held."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.block = os.urandom(1 << 16)

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = min(len(b), self.left, len(self.block))
        b[:n] = self.block[:n]
        self.left -= n
        return n


class _Sink(io.RawIOBase):
    def __init__(self) -> None:
        self.count = 0

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self.count += len(b)
        return len(b)


def test_memory_stays_flat_for_100_mb(parties: dict[str, Party], tmp_path: Any) -> None:
    party = parties["ecdsa"]
    recipients = [Recipient.load(party.certificate)]
    size = 100 * 1_000_000
    sealed_path = tmp_path / "big.ggzyenv"
    tracemalloc.start()
    try:
        with sealed_path.open("wb") as dst:
            result = seal_stream(_Generated(size), dst, recipients=recipients, meta=META)
        _, seal_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        with sealed_path.open("rb") as src:
            content_key = unwrap_content_key(read_header(src), party.key)
            src.seek(0)
            sink = _Sink()
            unsealed = unseal_stream(src, sink, content_key)
        _, unseal_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.plaintext_length == size == sink.count
    assert unsealed.plaintext_length == size and unsealed.records == result.records
    assert result.records == -(-size // (1 << 20))
    # buffers: 1 input + 1 output chunk for sealing, 1 record + 1 plaintext chunk to unseal
    assert seal_peak < 3 * (1 << 20), seal_peak
    assert unseal_peak < 3 * (1 << 20), unseal_peak


def test_auto_cipher_follows_the_bidder_key(parties: dict[str, Party]) -> None:
    opening = generate_opening_key(2, 3).recipient
    for algorithm, party in parties.items():
        envelope = seal_bytes(
            b"bid", recipients=[Recipient.load(party.certificate), opening], meta=META
        )
        expected = SM4_GCM if algorithm == "sm2" else AES_256_GCM
        assert read_header(io.BytesIO(envelope)).cipher == expected
        assert open_with(envelope, party.key) == b"bid"


# ---------------------------------------------------------------- version 1, still read

V1 = Path(__file__).parents[2] / "data" / "envelope-v1"


def test_a_version_1_envelope_still_opens_and_checks_its_declared_digest() -> None:
    key = load_private_key((V1 / "bidder-key.pem").read_bytes())
    envelope = (V1 / "bid.ggzyenv").read_bytes()
    plain = (V1 / "bid.txt").read_bytes()
    info = inspect_stream(io.BytesIO(envelope))
    assert info.header.version == 1
    assert info.plaintext_sha256 == hashlib.sha256(plain).hexdigest()
    content_key = unwrap_content_key(info.header, key)
    out = io.BytesIO()
    result = unseal_stream(io.BytesIO(envelope), out, content_key)
    assert out.getvalue() == plain
    assert result.plaintext_sha256 == hashlib.sha256(plain).hexdigest()


def test_a_version_1_trailer_with_another_digest_is_tampered() -> None:
    key = load_private_key((V1 / "bidder-key.pem").read_bytes())
    envelope = bytearray((V1 / "bid.ggzyenv").read_bytes())
    content_key = unwrap_content_key(read_header(io.BytesIO(bytes(envelope))), key)
    envelope[-1] ^= 1  # the last byte of the declared plaintext SHA-256
    assert refused(bytes(envelope), content_key).code == "envelope-tampered"


def test_a_version_2_trailer_on_a_version_1_envelope_is_truncated() -> None:
    envelope = (V1 / "bid.ggzyenv").read_bytes()
    _, length = struct.unpack(">8sQ", envelope[-48:-32])
    with pytest.raises(EnvelopeError) as info:
        inspect_stream(io.BytesIO(envelope[:-40] + b"GGZYEND2" + struct.pack(">Q", length)))
    assert info.value.code == "envelope-truncated"  # a version 1 trailer is 48 bytes


# ---------------------------------------------------------------- one pass: digest and sink


@pytest.mark.parametrize("size", [0, 1, CHUNK, 3 * CHUNK + 7])
def test_unseal_can_hash_and_show_the_plaintext_on_the_way(
    parties: dict[str, Party], size: int
) -> None:
    data = os.urandom(size)
    envelope = seal(data, [Recipient.load(parties["ecdsa"].certificate)])
    key = unwrap_content_key(read_header(io.BytesIO(envelope)), parties["ecdsa"].key)
    seen: list[bytes] = []
    out = io.BytesIO()
    result = unseal_stream(
        io.BytesIO(envelope), out, key, digest=True, sink=lambda b: seen.append(bytes(b))
    )
    assert out.getvalue() == b"".join(seen) == data
    assert all(len(chunk) <= CHUNK for chunk in seen)
    assert result.plaintext_sha256 == hashlib.sha256(data).hexdigest()
    assert result.plaintext_length == size
    plain = unseal_stream(io.BytesIO(envelope), io.BytesIO(), key)
    assert plain.plaintext_sha256 is None  # version 2 without digest=True: no extra hashing


def test_the_sink_never_sees_unauthenticated_plaintext(
    sealed: tuple[bytes, bytes, bytes],
) -> None:
    data, envelope, key = sealed
    _, records = layout(envelope)
    offset, _ = records[2]
    tampered = bytearray(envelope)
    tampered[offset + 5 + 10] ^= 1  # inside record 2's ciphertext
    seen: list[bytes] = []
    with pytest.raises(EnvelopeError) as info:
        unseal_stream(
            io.BytesIO(bytes(tampered)),
            io.BytesIO(),
            key,
            digest=True,
            sink=lambda b: seen.append(bytes(b)),
        )
    assert info.value.code == "envelope-tampered"
    assert b"".join(seen) == data[: 2 * CHUNK]  # records 0 and 1 only


def test_a_version_1_envelope_with_digest_requested_is_still_checked() -> None:
    key = load_private_key((V1 / "bidder-key.pem").read_bytes())
    envelope = bytearray((V1 / "bid.ggzyenv").read_bytes())
    plain = (V1 / "bid.txt").read_bytes()
    content_key = unwrap_content_key(read_header(io.BytesIO(bytes(envelope))), key)
    result = unseal_stream(io.BytesIO(bytes(envelope)), io.BytesIO(), content_key, digest=True)
    assert result.plaintext_sha256 == hashlib.sha256(plain).hexdigest()
    envelope[-1] ^= 1
    with pytest.raises(EnvelopeError) as info:
        unseal_stream(io.BytesIO(bytes(envelope)), io.BytesIO(), content_key, digest=True)
    assert info.value.code == "envelope-tampered"
