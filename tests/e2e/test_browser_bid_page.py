"""Seal and submit in the browser (在浏览器中加密并递交): the project page in headless Chromium.

A bidder with an ECDSA P-256 encryption certificate and its signing key in custody (去介质)
picks the bid package it built (ggzy.bidding.package.build_bid_package, as `ggzy bid package`
does), the page seals it with static/js/seal.js (WebCrypto), uploads only the sealed file,
fills the submit_bid form with its SHA-256, signs it once with the custody key after the
passphrase is typed, and the form is submitted: the receipt shows. After the deadline the center
opens the bids and the bidder's own encryption key unwraps the stored sealed file
(ggzy.bidding.tool.content_key_for): the decrypted package is the one built, price included.
"""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from argon2 import PasswordHasher

from factories import PASSWORD, act, announce, seed_parties
from ggzy.bidding.handlers import bids_of
from ggzy.bidding.package import build_bid_package, read_bid_package
from ggzy.bidding.tool import content_key_for
from ggzy.bootstrap import Platform
from ggzy.core.clock import MovableClock
from ggzy.core.money import parse_yuan
from ggzy.pki import custody
from ggzy.pki.envelope import unseal_stream
from ggzy.procedures.engine import get_project
from ggzy.registry import handlers as registry
from ggzy.web.app import create_app

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
PASSPHRASE = "custody-passphrase-2026"
PRICE = "11,988,000.00"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_server(platform: Platform) -> Iterator[str]:
    """uvicorn serving create_app(platform) on a free loopback port, in a background thread."""
    port = _free_port()
    config = uvicorn.Config(
        create_app(platform),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_bidder_seals_signs_and_submits_in_the_browser(
    platform: Platform,
    clock: MovableClock,
    live_server: str,
    browser: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from playwright.sync_api import expect

    monkeypatch.setattr(registry, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))
    parties = seed_parties(platform, bidders=3)
    bidder = parties.bidders[0]
    keys = parties.keys["bidder1"]
    with platform.command(bidder.actor) as uow:
        record = custody.enroll(
            uow, "bidder1", custody.pkcs8_der(keys["sign"].key), keys["sign"].der, PASSPHRASE
        )
    code = announce(platform, parties)
    act(platform, bidder, code, "obtain_documents", {})
    package = build_bid_package(
        project=code,
        bidder=bidder.entity or "",
        bidder_name=bidder.display_name,
        price=parse_yuan(PRICE),
        duration_days=540,
        quality="合格",
        attachments=[("技术标.pdf", b"%PDF-1.4\n% technical proposal\n")],
        signing_key=keys["sign"].key,
        signing_certificate_der=keys["sign"].der,
        declared={"tool": "ggzy-test-bid-tool/1"},
        created_at=clock.now(),
    )
    zip_path = tmp_path / "bid.zip"
    zip_path.write_bytes(package)

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    page.goto(live_server + "/login")
    page.fill("#username", "bidder1")
    page.fill("#password", PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(live_server + "/workspace")
    page.goto(f"{live_server}/projects/{code}")

    # seal in the browser: the sealed file's SHA-256 lands in the submit_bid form
    panel = page.locator("#browser-seal")
    expect(panel).to_contain_text("在浏览器中加密并递交")
    expect(panel).to_have_attribute("data-custody", record.fingerprint)
    panel.locator("[data-seal-file]").set_input_files(str(zip_path))
    panel.locator("[data-seal-start]").click()
    expect(panel.locator("[data-seal-status]")).to_contain_text("已加密并上传", timeout=20_000)
    sha = panel.locator("[data-seal-sha]").inner_text().strip()
    assert len(sha) == 64
    form = page.locator("form[data-action=submit_bid]")
    expect(form.locator("input[name='sealed_file.sha256']")).to_have_value(sha)
    href = panel.locator("[data-seal-download]").get_attribute("href") or ""
    assert href.startswith("blob:")

    # unlock the custody key once: the signature over the sealed file fills the textarea
    panel.locator("[data-seal-passphrase]").fill(PASSPHRASE)
    panel.locator("[data-seal-sign]").click()
    expect(panel.locator("[data-seal-status]")).to_contain_text("已签名", timeout=20_000)
    assert form.locator("textarea[name=signature]").input_value().startswith("MI")

    form.locator("button[type=submit]").click()
    expect(page.locator(".alert-ok")).to_contain_text("已完成：递交投标文件")
    expect(page.locator(".receipt .receipt-hash")).to_have_text(sha)
    assert problems == []
    context.close()

    # after the deadline: open, then the bidder's own key decrypts the stored sealed file
    with platform.read() as conn:
        deadline = get_project(conn, code)["data"]["bid_deadline"]
        mine = [b for b in bids_of(conn, code) if b["bidder"] == bidder.entity]
    assert [b["sealed_sha256"] for b in mine] == [sha]
    clock.set(datetime.fromisoformat(deadline) + timedelta(minutes=1))
    act(platform, parties.staff, code, "open_bids", {})
    envelope = platform.documents.read(sha)
    key = content_key_for(envelope, keys["encrypt"].key)
    plain = io.BytesIO()
    unseal_stream(io.BytesIO(envelope), plain, key)
    assert plain.getvalue() == package
    opened = read_bid_package(plain.getvalue())
    assert opened.price == parse_yuan(PRICE)
    assert opened.signed_by_bidder
