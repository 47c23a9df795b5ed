"""The pages in a real browser: Debian's headless Chromium driven by Playwright against uvicorn.

A bidder signs in through the login form, obtains the tender documents, uploads the bid it
sealed on its own side (ggzy.bidding.tool.prepare_sealed_bid, with its own certificates) and
pastes the submission signature, and sees the receipt; after the server clock passes the
deadline the same submission is refused with the Chinese message and nothing is stored. At the
opening the bidder decrypts its bid in the page by pasting the content key its tool unwraps,
and the page shows it decrypted and its price read out in 大写. Screenshots of the portal, the
decryption and the project page (desktop and 390 px phone width) are taken; with
GGZY_SCREENSHOTS_DIR set they are written there (docs/screenshots/ for the README).
"""

from __future__ import annotations

import functools
import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import uvicorn
from argon2 import PasswordHasher

from ggzy.bidding.handlers import bids_of
from ggzy.bidding.receipts import verify_receipt
from ggzy.bidding.tool import SealedBid, content_key_for, prepare_sealed_bid
from ggzy.bootstrap import Platform
from ggzy.core.clock import MovableClock
from ggzy.core.codes import make_credit_code
from ggzy.core.documents import document_info, register_document
from ggzy.core.money import parse_yuan
from ggzy.ledger import log
from ggzy.pki import bindings, trust
from ggzy.pki.testca import Issued, TestCA
from ggzy.procedures.engine import perform
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
# Screenshots go to a temporary folder; GGZY_SCREENSHOTS_DIR=docs/screenshots refreshes the
# README's pictures (a plain test run never rewrites tracked files).
SCREENSHOTS_ENV = "GGZY_SCREENSHOTS_DIR"
PASSWORD = "password123"
METHOD = "construction.open_tendering"
CENTERS = (  # the nine centers of the Wuhan metropolitan circle
    ("420100", "武汉市公共资源交易中心", "武汉"),
    ("420200", "黄石市公共资源交易中心", "黄石"),
    ("420700", "鄂州市公共资源交易中心", "鄂州"),
    ("420900", "孝感市公共资源交易中心", "孝感"),
    ("421100", "黄冈市公共资源交易中心", "黄冈"),
    ("421200", "咸宁市公共资源交易中心", "咸宁"),
    ("429004", "仙桃市公共资源交易中心", "仙桃"),
    ("429005", "潜江市公共资源交易中心", "潜江"),
    ("429006", "天门市公共资源交易中心", "天门"),
)
PEOPLE = (  # username, entity name, kinds
    ("tenderee1", "武汉城市建设集团有限公司", ["tenderee"]),
    ("bidder1", "甲建设工程有限公司", ["bidder"]),
    ("bidder2", "乙路桥建设有限公司", ["bidder"]),
    ("bidder3", "丙市政工程有限公司", ["bidder"]),
)
ROAD = "武汉市光谷大道快速化改造工程（一期）"
SCHOOL = "黄石市第二中学教学楼新建工程"


class Seeded:
    """What the seed made: accounts by username, project codes, the road's deadline, and each
    bidder's certificates and sealed bids (what its own bid tool keeps)."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.road = ""
        self.school = ""
        self.deadline = datetime.min
        self.keys: dict[str, dict[str, Issued]] = {}  # username -> "sign" | "encrypt"
        self.sealed: dict[str, SealedBid] = {}  # username -> its bid in the road

    def seal(self, username: str, code: str, price: str) -> SealedBid:
        """The bidder's tool: sign the bid package, seal it to the bidder, sign the seal."""
        account = self.account(username)
        keys = self.keys[username]
        return prepare_sealed_bid(
            project=code,
            bidder=account.entity or "",
            bidder_name=dict((u, n) for u, n, _ in PEOPLE)[username],
            price=parse_yuan(price),
            duration_days=540,
            quality="合格",
            sign_key=keys["sign"].key,
            sign_cert=keys["sign"].der,
            encrypt_cert=keys["encrypt"].der,
            declared={"tool": "ggzy-test-bid-tool/1"},
            now=self.platform.clock.now(),
        )

    def content_key(self, username: str) -> str:
        """`ggzy bid unwrap` on the bidder's side: its content key, hex."""
        envelope = self.sealed[username].envelope
        return content_key_for(envelope, self.keys[username]["encrypt"].key).hex()

    def account(self, username: str) -> registry.Account:
        with self.platform.read() as conn:
            found = registry.get_account(conn, username)
        assert found is not None
        return found

    def act(self, username: str, code: str | None, action: str, data: dict, **kw: str) -> dict:
        account = self.account(username)
        with self.platform.command(account.actor, kw.get("center")) as uow:
            return perform(uow, account, code, action, data, method=kw.get("method"))


def seed(platform: Platform, clock: MovableClock) -> Seeded:
    """Nine centers, a tenderee, three bidders; two projects announced, two bids in the road."""
    s = Seeded(platform)
    with platform.command("system") as uow:
        for code, name, short in CENTERS:
            registry.register_center(uow, code, name, short)
        for i, (username, name, kinds) in enumerate(PEOPLE):
            credit = make_credit_code("9", "1", "420100", f"MA{i + 1:06d}")
            registry.register_entity(
                uow, credit_code=credit, name=name, kinds=kinds, legal_representative="李四"
            )
            registry.create_account(
                uow,
                username=username,
                display_name=f"{name[:2]}经办人",
                password=PASSWORD,
                roles=["entity_admin"],
                entity=credit,
            )
        registry.create_account(
            uow,
            username="staff1",
            display_name="武汉中心开标人员",
            password=PASSWORD,
            roles=["center_staff"],
            center="420100",
        )
    _certificates(s, clock)
    start = clock.now()
    s.deadline = start + timedelta(days=21, hours=1)  # 2026-03-23 10:00 Beijing time
    sha, size = platform.documents.write(["招标文件（道路）".encode()])
    with platform.command("account:tenderee1") as uow:
        register_document(uow.conn, sha, size, "招标文件.pdf", "application/pdf", uow.now)
    s.road = s.act(
        "tenderee1",
        None,
        "register_project",
        {
            "center": "420100",
            "title": ROAD,
            "estimated_price": "12680000.00",
            "max_price": "12500000",
            "state_capital": True,
            "description": "道路全长 3.2 公里，含高架桥、排水与照明工程。",
        },
        method=METHOD,
        center="420100",
    )["code"]
    s.act(
        "tenderee1",
        s.road,
        "publish_announcement",
        {
            "tender_document": sha,
            "doc_sale_start": start.isoformat(),
            "doc_sale_end": s.deadline.isoformat(),
            "bid_deadline": s.deadline.isoformat(),
            "bid_bond": "240000",
            "announcement": f"{ROAD}已具备招标条件，现进行公开招标。",
        },
    )
    s.school = s.act(
        "tenderee1",
        None,
        "register_project",
        {
            "center": "420200",
            "title": SCHOOL,
            "estimated_price": "35600000.00",
        },
        method=METHOD,
        center="420200",
    )["code"]
    s.act(
        "tenderee1",
        s.school,
        "publish_announcement",
        {
            "tender_document": sha,
            "doc_sale_start": start.isoformat(),
            "doc_sale_end": (start + timedelta(days=10)).isoformat(),
            "bid_deadline": (start + timedelta(days=40)).isoformat(),
            "announcement": f"{SCHOOL}现进行公开招标。",
        },
    )
    s.act(
        "tenderee1",
        s.school,
        "clarify",
        {
            "text": "招标文件第三章工程量清单第 12 项更正为 1,200 立方米。",
            "affects_bids": False,
        },
    )
    for username, price in (("bidder2", "12186000.00"), ("bidder3", "12350500.50")):
        s.act(username, s.road, "obtain_documents", {})
        sealed = s.sealed[username] = s.seal(username, s.road, price)
        sha, size = platform.documents.write([sealed.envelope])
        with platform.command(f"account:{username}") as uow:
            register_document(
                uow.conn, sha, size, "投标文件.ggzyenv", "application/octet-stream", uow.now
            )
        s.act(
            username,
            s.road,
            "submit_bid",
            {"sealed_file": sealed.sealed_sha256, "signature": sealed.signature},
        )
    return s


def _certificates(s: Seeded, clock: MovableClock) -> None:
    """A CA on the trust list; each bidder binds a signing and an encryption certificate."""
    ca = TestCA.create("湖北测试数字证书CA", "ecdsa", now=clock.now())
    with s.platform.command("account:admin") as uow:
        trust.add_ca(uow, ca.cert.der, ca.name, "root")
    for username, name, kinds in PEOPLE:
        if "bidder" not in kinds:
            continue
        account = s.account(username)
        issued = {u: ca.issue(name, account.entity, usage=u) for u in ("sign", "encrypt")}
        with s.platform.command(account.actor) as uow:
            for usage, cert in issued.items():
                bindings.bind_certificate(uow, account, cert.pem, usage)
        s.keys[username] = issued


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
def browser() -> Iterator[object]:
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
def test_bidder_bids_in_the_browser_and_is_refused_after_the_deadline(
    platform: Platform,
    clock: MovableClock,
    live_server: str,
    browser: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from playwright.sync_api import expect

    # argon2id at its production cost takes ~0.5 s per password; this test is about pages
    monkeypatch.setattr(registry, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))
    s = seed(platform, clock)
    clock.set(s.deadline - timedelta(hours=2))  # bid on the last morning
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 1280, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    # sign in through the login form
    page.goto(live_server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.get_by_role("link", name="登录").first.click()
    page.fill("#username", "bidder1")
    page.fill("#password", PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(live_server + "/workspace")
    expect(page.locator(".alert-ok")).to_contain_text("欢迎")
    expect(page.locator(".site-header")).to_contain_text("甲建经办人")

    # open the project and obtain the documents
    page.get_by_role("link", name=ROAD).first.click()
    page.wait_for_url(f"{live_server}/projects/{s.road}")
    page.locator("form[data-action=obtain_documents] button[type=submit]").click()
    expect(page.locator(".alert-ok")).to_contain_text("已完成：获取招标文件")
    expect(page.get_by_role("link", name="下载招标文件")).to_be_visible()

    # upload the bid sealed on the bidder's side and paste the submission signature
    bid = page.locator("form[data-action=submit_bid]")
    expect(bid).to_contain_text(
        "在本地用投标工具（ggzy bid package → ggzy bid seal）生成密封文件并签名"
    )
    sealed = s.sealed["bidder1"] = s.seal("bidder1", s.road, "11,988,000.00")
    envelope = {
        "name": "投标文件.ggzyenv",
        "mimeType": "application/octet-stream",
        "buffer": sealed.envelope,
    }
    bid.locator("input[type=file][name=sealed_file]").set_input_files(files=[envelope])
    bid.locator("textarea[name=signature]").fill(sealed.signature)
    bid.locator("button[type=submit]").click()
    expect(page.locator(".alert-ok")).to_contain_text("已完成：递交投标文件")
    receipt = page.locator(".receipt")
    expect(receipt).to_contain_text("投标回执")
    expect(receipt.locator(".receipt-hash")).to_have_text(sealed.sealed_sha256)
    entity = s.account("bidder1").entity
    with platform.read() as conn:
        mine = [b for b in bids_of(conn, s.road) if b["bidder"] == entity]
    assert [b["sealed_sha256"] for b in mine] == [sealed.sealed_sha256]
    link = receipt.locator("a.receipt-link")
    expect(link).to_have_attribute(
        "href", f"/api/v1/projects/{s.road}/bids/{mine[0]['seq']}/receipt"
    )
    signed = page.request.get(live_server + str(link.get_attribute("href"))).json()
    assert signed["sealed_sha256"] == sealed.sealed_sha256
    assert verify_receipt(signed, platform.node_key.public_b64())

    # the server clock passes the deadline; the same submission is refused, nothing stored
    clock.set(s.deadline + timedelta(minutes=1))
    late = s.seal("bidder1", s.road, "11,500,000.00")
    with platform.read() as conn:
        size, count = log.current_size(conn), len(bids_of(conn, s.road))
    bid = page.locator("form[data-action=submit_bid]")
    bid.locator("input[type=file][name=sealed_file]").set_input_files(
        files=[{**envelope, "buffer": late.envelope}]
    )
    bid.locator("textarea[name=signature]").fill(late.signature)
    bid.locator("button[type=submit]").click()
    error = page.locator(".alert-error")
    expect(error).to_contain_text("截止")
    expect(error).to_contain_text("已过截止时间（2026-03-23 10:00:00），不能再递交投标文件")
    with platform.read() as conn:
        assert log.current_size(conn) == size
        assert len(bids_of(conn, s.road)) == count == 3
        again = [b for b in bids_of(conn, s.road) if b["bidder"] == mine[0]["bidder"]]
        assert document_info(conn, late.sealed_sha256) is None
    assert [b["seq"] for b in again] == [mine[0]["seq"]]
    assert not platform.documents.exists(late.sealed_sha256)
    assert bid.locator("textarea[name=signature]").input_value() == late.signature  # kept

    # the center opens the bids: the decryption window starts, every bid waits for its key
    s.act("staff1", s.road, "open_bids", {})
    page.goto(f"{live_server}/projects/{s.road}")
    decryption = page.locator("#decryption")
    expect(decryption).to_contain_text("2026-03-23 10:31:00")  # decrypt by, Beijing time
    expect(decryption).to_contain_text("30 分 0 秒")
    mine_row = decryption.locator(f"tr[data-bidder='{entity}']")
    expect(mine_row).to_contain_text("待解密")
    expect(page.locator(".receipt")).to_contain_text("待解密")

    # the bidder pastes the content key its tool unwraps, in the page
    clock.advance(minutes=3)
    decrypt = page.locator("form[data-action=decrypt_bid]")
    expect(decrypt).to_contain_text("在本地用 ggzy bid unwrap 得到内容密钥后提交")
    decrypt.locator("[name=content_key]").fill(s.content_key("bidder1"))
    decrypt.locator("button[type=submit]").click()
    expect(page.locator(".alert-ok")).to_contain_text("已完成：解密本单位投标文件")
    expect(mine_row).to_contain_text("已解密")
    expect(decryption).to_contain_text("已解密 1 / 3")
    _shot(page, "project-decrypting.png")

    # the other bidders decrypt theirs; the last one completes the opening (唱标)
    for username in ("bidder2", "bidder3"):
        s.act(username, s.road, "decrypt_bid", {"content_key": s.content_key(username)})
    page.reload()
    expect(page.locator(".badges")).to_contain_text("已开标（唱标完成）")
    reading = page.locator(f"#bids tr[data-bidder='{entity}']")
    expect(reading).to_contain_text("11,988,000.00")
    expect(reading).to_contain_text("人民币壹仟壹佰玖拾捌万捌仟元整")
    expect(reading).to_contain_text("签名有效")
    expect(page.locator("#bids .sig-valid")).to_have_count(3)

    # the tenderee finishes the procedure; the pages show the opening, candidates and award
    s.act("tenderee1", s.road, "evaluate", {"summary": "经评审的最低投标价法"})
    publicity_end = clock.now() + timedelta(days=4)
    s.act("tenderee1", s.road, "publicize_candidates", {"publicity_end": publicity_end.isoformat()})
    clock.set(publicity_end + timedelta(hours=1))
    s.act("tenderee1", s.road, "award", {})
    _screenshots(browser, live_server, s, problems)
    refused = "the server responded with a status of 409"  # the deadline refusal above
    assert [p for p in problems if refused not in p] == []
    context.close()


@functools.cache
def _temp_shots() -> str:
    return tempfile.mkdtemp(prefix="ggzy-shots-")


def _shots_dir() -> Path:
    shots = Path(os.environ.get(SCREENSHOTS_ENV) or _temp_shots())
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def _shot(page: object, name: str) -> None:
    page.screenshot(path=str(_shots_dir() / name), full_page=True)  # type: ignore[attr-defined]


def _screenshots(browser: object, base: str, s: Seeded, problems: list[str]) -> None:
    from playwright.sync_api import expect

    shots = _shots_dir()
    desktop = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 1280, "height": 900}, locale="zh-CN"
    )
    page = desktop.new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(base + "/")
    expect(page.locator(".notices")).to_contain_text("中标结果")
    expect(page.locator(".notices")).to_contain_text("澄清")
    page.screenshot(path=str(shots / "portal.png"), full_page=True)
    page.goto(f"{base}/projects/{s.road}")
    expect(page.locator("#bids")).to_contain_text("人民币壹仟壹佰玖拾捌万捌仟元整")
    expect(page.locator("#award")).to_contain_text("甲建设工程有限公司")
    page.screenshot(path=str(shots / "project.png"), full_page=True)
    desktop.close()

    phone = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    page = phone.new_page()
    page.goto(f"{base}/projects/{s.road}")
    expect(page.locator("h1")).to_contain_text(ROAD)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide at phone width"
    page.screenshot(path=str(shots / "project-mobile.png"))  # the first screen
    phone.close()
