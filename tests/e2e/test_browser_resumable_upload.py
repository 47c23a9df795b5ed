"""The bid page's upload is resumable (断点续传): static/js/resumable.js in headless Chromium.

The project page seals the bid package in the browser and sends the sealed file in chunks over
/api/v1/uploads (PATCH with Upload-Offset). The tests shrink the chunk size through the panel's
data-upload-chunk-size so a few hundred KB span several chunks, and break the network with
Playwright's page.route: a chunk lost once is retried after asking the server for its offset,
and the file still lands in the document store with the SHA-256 the browser computed, ready for
submit_bid; after a reload mid-upload, picking the same bid.zip again reuses the sealed file
kept in IndexedDB and continues the upload remembered in localStorage from the server's offset.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import re
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

import browser_fixtures
from factories import PASSWORD, Parties, act, announce, seed_parties
from ggzy.bidding import uploads
from ggzy.bidding.handlers import bids_of
from ggzy.bidding.package import build_bid_package, read_bid_package
from ggzy.bidding.tool import content_key_for
from ggzy.bootstrap import Platform
from ggzy.core.clock import MovableClock
from ggzy.core.money import parse_yuan
from ggzy.pki import custody
from ggzy.pki.envelope import unseal_stream
from ggzy.registry import handlers as registry

pytestmark = pytest.mark.browser
browser = browser_fixtures.browser  # the shared fixtures, used by name
live_server = browser_fixtures.live_server

PASSPHRASE = "custody-passphrase-2026"
PRICE = "11,988,000.00"
CHUNK = 64 * 1024
UPLOADS = "**/api/v1/uploads/*"
PROGRESS = re.compile(r"已上传 \d+% uploaded")


def bid_zip(
    platform: Platform, parties: Parties, clock: MovableClock, code: str, path: Path
) -> bytes:
    """A bid package of ~300 KB (an incompressible attachment): several 64 KiB chunks sealed."""
    bidder = parties.bidders[0]
    keys = parties.keys["bidder1"]
    package = build_bid_package(
        project=code,
        bidder=bidder.entity or "",
        bidder_name=bidder.display_name,
        price=parse_yuan(PRICE),
        duration_days=540,
        quality="合格",
        attachments=[("技术标.pdf", b"%PDF-1.4\n" + os.urandom(300_000))],
        signing_key=keys["sign"].key,
        signing_certificate_der=keys["sign"].der,
        declared={"tool": "ggzy-test-bid-tool/1"},
        created_at=clock.now(),
    )
    path.write_bytes(package)
    return package


def open_project(browser: Any, base: str, code: str) -> tuple[Any, Any, list[str]]:
    """bidder1 signed in on the project page; page errors are collected."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(base + "/login")
    page.fill("#username", "bidder1")
    page.fill("#password", PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(base + "/workspace")
    page.goto(f"{base}/projects/{code}")
    prepare_panel(page)
    return context, page, problems


def prepare_panel(page: Any) -> None:
    """Small chunks, and every text the status line shows kept in window.__statuses."""
    page.locator("#browser-seal").evaluate(
        """(panel, chunk) => {
            panel.dataset.uploadChunkSize = String(chunk);
            const status = panel.querySelector("[data-seal-status]");
            window.__statuses = [];
            new MutationObserver(() => window.__statuses.push(status.textContent))
                .observe(status, { childList: true, characterData: true, subtree: true });
        }""",
        CHUNK,
    )


def statuses(page: Any) -> list[str]:
    return list(page.evaluate("window.__statuses"))


def remembered_uploads(page: Any) -> dict[str, str]:
    return dict(
        page.evaluate(
            """() => Object.fromEntries(Object.keys(localStorage)
                .filter((k) => k.startsWith("ggzy.upload."))
                .map((k) => [k, localStorage.getItem(k)]))"""
        )
    )


def upload_state(platform: Platform, upload_id: str, owner: str) -> dict[str, Any]:
    with platform.read() as conn:
        return uploads.get(conn, upload_id, owner)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_chunk_lost_once_is_retried_and_the_bid_is_submitted(
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
        custody.enroll(
            uow, "bidder1", custody.pkcs8_der(keys["sign"].key), keys["sign"].der, PASSPHRASE
        )
    code = announce(platform, parties)
    act(platform, bidder, code, "obtain_documents", {})
    package = bid_zip(platform, parties, clock, code, tmp_path / "bid.zip")

    context, page, problems = open_project(browser, live_server, code)
    sent: list[tuple[str, str]] = []  # (method, upload offset or url) of every upload call

    def lose_the_second_chunk(route: Any) -> None:
        request = route.request
        if request.method == "PATCH":
            sent.append(("PATCH", request.headers.get("upload-offset", "")))
            if sum(1 for method, _ in sent if method == "PATCH") == 2:
                route.abort("connectionreset")
                return
        else:
            sent.append((request.method, request.url))
        route.continue_()

    page.route(UPLOADS, lose_the_second_chunk)
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/api/v1/uploads")
    ) as created:
        panel = page.locator("#browser-seal")
        panel.locator("[data-seal-file]").set_input_files(str(tmp_path / "bid.zip"))
        panel.locator("[data-seal-start]").click()
    assert created.value.status == 201
    upload_id = created.value.json()["id"]
    expect(panel.locator("[data-seal-status]")).to_contain_text("已加密并上传", timeout=30_000)
    sha = panel.locator("[data-seal-sha]").inner_text().strip()
    form = page.locator("form[data-action=submit_bid]")
    expect(form.locator("input[name='sealed_file.sha256']")).to_have_value(sha)

    # the server has the whole sealed file, in several chunks, the lost one sent again
    state = upload_state(platform, upload_id, bidder.actor)
    assert state["complete"] is True and state["sha256"] == sha
    assert state["project"] == code
    length = state["length"]
    chunks = math.ceil(length / CHUNK)
    assert chunks >= 4
    offsets = [value for method, value in sent if method == "PATCH"]
    assert offsets[:3] == ["0", str(CHUNK), str(CHUNK)]  # the 2nd chunk, lost, then again
    assert offsets[2:] == [str(i * CHUNK) for i in range(1, chunks)]
    lost = sent.index(("PATCH", str(CHUNK)))
    assert ("GET", f"{live_server}/api/v1/uploads/{upload_id}") in sent[lost:]  # asked first
    envelope = platform.documents.read(sha)
    assert len(envelope) == length and hashlib.sha256(envelope).hexdigest() == sha
    shown = statuses(page)
    assert any(PROGRESS.fullmatch(text) for text in shown), shown
    assert any("正在重试" in text for text in shown), shown
    assert remembered_uploads(page) == {}  # forgotten once complete

    # the stored envelope is the bid: the bidder's key opens it
    plain = io.BytesIO()
    unseal_stream(io.BytesIO(envelope), plain, content_key_for(envelope, keys["encrypt"].key))
    assert plain.getvalue() == package
    assert read_bid_package(plain.getvalue()).price == parse_yuan(PRICE)

    # sign once with the custody key, and submit
    panel.locator("[data-seal-passphrase]").fill(PASSPHRASE)
    panel.locator("[data-seal-sign]").click()
    expect(panel.locator("[data-seal-status]")).to_contain_text("已签名", timeout=20_000)
    form.locator("button[type=submit]").click()
    expect(page.locator(".alert-ok")).to_contain_text("已完成：递交投标文件")
    expect(page.locator(".receipt .receipt-hash")).to_have_text(sha)
    assert problems == []
    context.close()
    with platform.read() as conn:
        mine = [b for b in bids_of(conn, code) if b["bidder"] == bidder.entity]
    assert [b["sealed_sha256"] for b in mine] == [sha]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_after_a_reload_the_upload_continues_from_the_servers_offset(
    platform: Platform,
    clock: MovableClock,
    live_server: str,
    browser: Any,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    parties = seed_parties(platform, bidders=3)
    bidder = parties.bidders[0]
    code = announce(platform, parties)
    act(platform, bidder, code, "obtain_documents", {})
    bid_zip(platform, parties, clock, code, tmp_path / "bid.zip")

    context, page, problems = open_project(browser, live_server, code)
    panel = page.locator("#browser-seal")

    def only_the_first_chunk(route: Any) -> None:
        if route.request.method == "PATCH" and route.request.headers.get("upload-offset") != "0":
            route.abort("internetdisconnected")
            return
        route.continue_()

    page.route(UPLOADS, only_the_first_chunk)
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/api/v1/uploads")
    ) as created:
        panel.locator("[data-seal-file]").set_input_files(str(tmp_path / "bid.zip"))
        panel.locator("[data-seal-start]").click()
    upload_id = created.value.json()["id"]
    expect(panel.locator("[data-seal-status]")).to_contain_text("正在重试", timeout=20_000)
    state = upload_state(platform, upload_id, bidder.actor)
    assert state["offset"] == CHUNK and state["complete"] is False
    [(key, value)] = remembered_uploads(page).items()
    assert f'"id":"{upload_id}"' in value

    # the bidder reloads mid-upload (the network still down), then comes back
    page.reload()
    page.unroute(UPLOADS, only_the_first_chunk)
    prepare_panel(page)
    assert remembered_uploads(page) == {key: value}
    after: list[tuple[str, str, str]] = []  # (method, url, upload offset)
    page.on(
        "request",
        lambda r: (
            after.append((r.method, r.url, r.headers.get("upload-offset", "")))
            if "/api/v1/uploads" in r.url
            else None
        ),
    )
    panel.locator("[data-seal-file]").set_input_files(str(tmp_path / "bid.zip"))
    panel.locator("[data-seal-start]").click()
    expect(panel.locator("[data-seal-status]")).to_contain_text("已加密并上传", timeout=30_000)
    sha = panel.locator("[data-seal-sha]").inner_text().strip()
    assert key == f"ggzy.upload.{sha}"  # the same sealed file, kept across the reload
    expect(
        page.locator("form[data-action=submit_bid] input[name='sealed_file.sha256']")
    ).to_have_value(sha)

    # no new upload: the remembered one asked for its offset and went on from there
    url = f"{live_server}/api/v1/uploads/{upload_id}"
    assert [m for m, _, _ in after if m == "POST"] == []
    assert after[0][:2] == ("GET", url)
    patched = [(u, offset) for m, u, offset in after if m == "PATCH"]
    state = upload_state(platform, upload_id, bidder.actor)
    assert state["complete"] is True and state["sha256"] == sha
    length = state["length"]
    assert patched == [(url, str(o)) for o in range(CHUNK, length, CHUNK)]
    assert len(patched) == math.ceil((length - CHUNK) / CHUNK)  # bytes after reload: all but 1st
    envelope = platform.documents.read(sha)
    assert hashlib.sha256(envelope).hexdigest() == sha
    shown = statuses(page)
    assert any("继续上传上次加密的文件" in text for text in shown), shown
    progress = [text for text in shown if PROGRESS.fullmatch(text)]
    assert progress and "已上传 0% uploaded" not in progress  # from the offset, not from 0
    assert remembered_uploads(page) == {}
    assert problems == []
    context.close()
