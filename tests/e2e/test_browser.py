"""The pages in a real browser: Debian's headless Chromium driven by Playwright against uvicorn.

A bidder signs in through the login form, obtains the tender documents, submits a bid through
the generated form and sees the receipt; after the server clock passes the deadline the same
form is refused with the Chinese message and no bid is added. Screenshots of the portal and the
project page (desktop and 390 px phone width) are taken; with GGZY_SCREENSHOTS_DIR set they
are written there (docs/screenshots/ for the README).
"""

from __future__ import annotations

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
from ggzy.bootstrap import Platform
from ggzy.core.clock import MovableClock
from ggzy.core.codes import make_credit_code
from ggzy.core.documents import register_document
from ggzy.ledger import log
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
    """What the seed made: accounts by username, project codes and the road's deadline."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.road = ""
        self.school = ""
        self.deadline = datetime.min

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
        s.act(
            username,
            s.road,
            "submit_bid",
            {
                "price": price,
                "duration_days": 540,
                "quality": "合格",
            },
        )
    return s


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

    # fill and submit the bid form, with a bid file
    bid = page.locator("form[data-action=submit_bid]")
    bid.locator("[name=price]").fill("11,988,000.00")
    bid.locator("[name=duration_days]").fill("520")
    bid.locator("[name=quality]").fill("合格")
    bid.locator("input[type=file][name=bid_file]").set_input_files(
        files=[{"name": "投标文件.pdf", "mimeType": "application/pdf", "buffer": b"%PDF bid"}]
    )
    bid.locator("button[type=submit]").click()
    expect(page.locator(".alert-ok")).to_contain_text("已完成：递交投标文件")
    receipt = page.locator(".receipt")
    expect(receipt).to_contain_text("投标回执")
    entity = s.account("bidder1").entity
    with platform.read() as conn:
        mine = [b for b in bids_of(conn, s.road) if b["bidder"] == entity]
    assert len(mine) == 1
    expect(receipt.locator(".receipt-hash")).to_have_text(mine[0]["sealed_sha256"])

    # the server clock passes the deadline; the same form is refused
    clock.set(s.deadline + timedelta(minutes=1))
    with platform.read() as conn:
        size, count = log.current_size(conn), len(bids_of(conn, s.road))
    bid = page.locator("form[data-action=submit_bid]")
    bid.locator("[name=price]").fill("11,500,000.00")
    bid.locator("[name=duration_days]").fill("500")
    bid.locator("[name=quality]").fill("合格")
    bid.locator("button[type=submit]").click()
    error = page.locator(".alert-error")
    expect(error).to_contain_text("截止")
    expect(error).to_contain_text("已过截止时间（2026-03-23 10:00:00），不能再递交投标文件")
    with platform.read() as conn:
        assert log.current_size(conn) == size
        assert len(bids_of(conn, s.road)) == count == 3
        again = [b for b in bids_of(conn, s.road) if b["bidder"] == mine[0]["bidder"]]
    assert [b["seq"] for b in again] == [mine[0]["seq"]]
    assert bid.locator("[name=price]").input_value() == "11,500,000.00"  # kept for correction

    # the tenderee finishes the procedure; the pages show the opening, candidates and award
    s.act("tenderee1", s.road, "open_bids", {})
    s.act("tenderee1", s.road, "evaluate", {"summary": "经评审的最低投标价法"})
    publicity_end = clock.now() + timedelta(days=4)
    s.act("tenderee1", s.road, "publicize_candidates", {"publicity_end": publicity_end.isoformat()})
    clock.set(publicity_end + timedelta(hours=1))
    s.act("tenderee1", s.road, "award", {})
    _screenshots(browser, live_server, s, problems)
    refused = "the server responded with a status of 409"  # the deadline refusal above
    assert [p for p in problems if refused not in p] == []
    context.close()


def _screenshots(browser: object, base: str, s: Seeded, problems: list[str]) -> None:
    from playwright.sync_api import expect

    shots = Path(os.environ.get(SCREENSHOTS_ENV) or tempfile.mkdtemp(prefix="ggzy-shots-"))
    shots.mkdir(parents=True, exist_ok=True)
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
