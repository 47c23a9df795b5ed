"""Bidder-side sealing in a real browser: static/js/seal.js in Debian's headless Chromium.

The page seals a 3 MB payload (and a few edge sizes) with WebCrypto (ECDH P-256 + AES-256-GCM)
to a P-256 key; Python's ggzy.pki.envelope unwraps the content key with the private key and
unseal_stream recovers the payload byte for byte. A flipped byte in the browser-made envelope
is refused. The static folder is served by a throwaway HTTP server on 127.0.0.1 (a secure
context, so WebCrypto is available); nothing leaves the machine.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import os
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ggzy.pki.envelope import (
    EnvelopeError,
    inspect_stream,
    read_header,
    unseal_stream,
    unwrap_content_key,
)

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STATIC = Path(__file__).resolve().parents[2] / "src" / "ggzy" / "web" / "static"
PROJECT = "E4201000001202600001"
BIDDER = "91420100MA4K2QX55Y"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def static_url() -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(STATIC))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def page(static_url: str) -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            pg = browser.new_page()
            pg.goto(f"{static_url}/favicon.svg")  # any page of the origin: a secure context
            yield pg
        finally:
            browser.close()


@pytest.fixture(scope="module")
def bidder_key() -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    """A P-256 encryption key and a self-issued certificate for it (DER)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "武汉长江城建投资有限公司"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, BIDDER),
            x509.NameAttribute(NameOID.COMMON_NAME, "武汉长江城建投资有限公司"),
        ]
    )
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.KeyUsage(False, False, False, False, True, False, False, False, False), True
        )
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.DER)


SEAL_IN_PAGE = """
async ({ payload, spki, certificate, chunkSize, declared }) => {
  const m = await import("/js/seal.js");
  const bytes = m.fromBase64(payload);
  const file = new File([bytes], "bid.zip");
  const blob = await m.sealFile(file, {
    recipients: [{ spki, certificate }],
    project: "PROJECT", bidder: "BIDDER", declared, chunkSize,
  });
  const out = new Uint8Array(await blob.arrayBuffer());
  let text = "";
  for (let i = 0; i < out.length; i += 0x8000) {
    text += String.fromCharCode.apply(null, out.subarray(i, i + 0x8000));
  }
  return btoa(text);
}
""".replace("PROJECT", PROJECT).replace("BIDDER", BIDDER)


def seal_in_browser(
    page: Any,
    payload: bytes,
    key: ec.EllipticCurvePrivateKey,
    certificate: bytes | None,
    chunk_size: int = 1 << 20,
) -> bytes:
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    result = page.evaluate(
        SEAL_IN_PAGE,
        {
            "payload": base64.b64encode(payload).decode(),
            "spki": base64.b64encode(spki).decode(),
            "certificate": base64.b64encode(certificate).decode() if certificate else None,
            "chunkSize": chunk_size,
            "declared": {"tool_machine_code": "浏览器-0001", "hardware_ids": ["mac:02:00:00:00"]},
        },
    )
    return base64.b64decode(result)


def unseal_with(envelope: bytes, key: ec.EllipticCurvePrivateKey) -> bytes:
    header = read_header(io.BytesIO(envelope))
    content_key = unwrap_content_key(header, key)
    out = io.BytesIO()
    unseal_stream(io.BytesIO(envelope), out, content_key)
    return out.getvalue()


def test_browser_sealed_3mb_opens_in_python(page: Any, bidder_key: Any) -> None:
    key, cert = bidder_key
    payload = os.urandom(3 * 1024 * 1024 + 12345)  # four records, the last one short
    envelope = seal_in_browser(page, payload, key, cert)
    info = inspect_stream(io.BytesIO(envelope))
    assert info.header.cipher == "AES-256-GCM"
    assert info.header.project == PROJECT and info.header.bidder == BIDDER
    assert info.header.declared["tool_machine_code"] == "浏览器-0001"
    assert info.records == 4
    assert info.plaintext_length == len(payload)
    assert info.header.version == 2 and info.plaintext_sha256 is None
    entry = info.header.recipients[0]
    assert entry["kind"] == "ecdh-p256-hkdf-sha256-aes256kw"
    assert entry["key_id_of"] == "certificate"
    assert entry["key_id"] == hashlib.sha256(cert).hexdigest()
    assert unseal_with(envelope, key) == payload


@pytest.mark.parametrize("size", [0, 1, 4096, 3 * 4096])
def test_browser_edge_sizes(page: Any, bidder_key: Any, size: int) -> None:
    key, _ = bidder_key
    payload = os.urandom(size)
    envelope = seal_in_browser(page, payload, key, None, chunk_size=4096)
    assert unseal_with(envelope, key) == payload


def test_flipped_byte_in_browser_envelope_is_refused(page: Any, bidder_key: Any) -> None:
    key, cert = bidder_key
    payload = os.urandom(3 * 1024 * 1024)
    envelope = bytearray(seal_in_browser(page, payload, key, cert))
    header_len = len(read_header(io.BytesIO(bytes(envelope))).raw)
    envelope[header_len + 5 + 1_000_000] ^= 0x01  # inside the first record's ciphertext
    with pytest.raises(EnvelopeError) as refused:
        unseal_with(bytes(envelope), key)
    assert refused.value.code == "envelope-tampered"
    assert "record 0" in refused.value.en


def test_wrong_key_cannot_open_browser_envelope(page: Any, bidder_key: Any) -> None:
    key, _ = bidder_key
    envelope = seal_in_browser(page, b"bid", key, None)
    with pytest.raises(EnvelopeError) as refused:
        unseal_with(envelope, ec.generate_private_key(ec.SECP256R1()))
    assert refused.value.code == "wrong-key"
