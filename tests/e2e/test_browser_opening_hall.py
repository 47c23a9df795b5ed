"""The opening hall in a browser, desktop and phone: it follows the opening live over the
WebSocket, without reloading, and reconnects to the same state."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import browser_fixtures
from factories import PASSWORD, act, announce, bid, decrypt, seed_parties

pytestmark = pytest.mark.browser
browser = browser_fixtures.browser
live_server = browser_fixtures.live_server

PRICES = ["10500000.00", "11000000.00", "11250000.50"]
CUSTODY = "custody-passphrase-2026"
SCREENSHOTS_ENV = "GGZY_SCREENSHOTS_DIR"  # set it to refresh the README's screenshots


def _shot(page, name: str) -> None:
    folder = os.environ.get(SCREENSHOTS_ENV)
    if folder:
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def _opening(platform, clock):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    for bidder, price in zip(parties.bidders, PRICES, strict=False):
        bid(platform, bidder, code, price)
    clock.advance(days=22)
    return parties, code


def _watch(browser, url, **context):
    from playwright.sync_api import expect

    ctx = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **context)
    page = ctx.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(url)
    try:
        expect(page.locator(".live-dot")).to_have_attribute("data-live-state", "live")
    except AssertionError:
        raise AssertionError(problems) from None
    return ctx, page, problems


def test_the_public_hall_follows_the_opening_live_on_a_phone(platform, clock, browser, live_server):
    from playwright.sync_api import expect

    parties, code = _opening(platform, clock)
    ctx, page, problems = _watch(
        browser,
        f"{live_server}/projects/{code}/hall",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    expect(page.locator("[data-phase]")).to_have_text("等待开标")
    act(platform, parties.staff, code, "open_bids", {})
    expect(page.locator("[data-phase]")).to_have_text("开标中：远程解密")
    expect(page.locator(".hall-table tbody tr")).to_have_count(3)
    # 30 minutes to decrypt, counted down on the server's clock
    expect(page.locator("[data-countdown]")).to_have_text(re.compile(r"00:(30:00|29:[0-5]\d)"))
    decrypt(platform, parties, parties.bidders[2], code)
    row = page.locator(f"tr[data-bidder='{parties.bidders[2].entity}']")
    expect(row).to_contain_text("已解密")
    expect(row).to_contain_text("¥11,250,000.50 元")
    expect(row).to_contain_text("人民币壹仟壹佰贰拾伍万元零伍角整")
    expect(row).to_contain_text("未缴纳")  # the bond, read out with the bid
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the hall is {width}px wide at phone width"
    _shot(page, "hall-mobile.png")
    for bidder in parties.bidders[:2]:
        decrypt(platform, parties, bidder, code)
    expect(page.locator("[data-phase]")).to_have_text("唱标完成")
    expect(page.locator("#record-h")).to_be_visible()
    assert page.evaluate("document.querySelector('#hall').dataset.received") is not None
    assert problems == []
    ctx.close()


def test_a_bidder_raises_an_objection_from_the_hall_and_sees_the_answer_live(
    platform, clock, browser, live_server
):
    from playwright.sync_api import expect

    parties, code = _opening(platform, clock)
    act(platform, parties.staff, code, "open_bids", {})
    for bidder in parties.bidders[:3]:
        decrypt(platform, parties, bidder, code)
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(f"{live_server}/login?next=/projects/{code}/hall")
    page.fill("#username", parties.bidders[1].username)
    page.fill("#password", PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(f"{live_server}/projects/{code}/hall")
    expect(page.locator(".live-dot")).to_have_attribute("data-live-state", "live")
    form = page.locator("form[data-action=raise_objection]")
    form.locator("[name=subject]").fill("opening")
    form.locator("[name=text]").fill("第三家报价的大写与小写不一致")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_server}/projects/{code}/hall")
    expect(page.locator(".hall-objections")).to_contain_text("第三家报价的大写与小写不一致")
    expect(page.locator(".hall-objections")).to_contain_text("待答复")
    act(
        platform,
        parties.tenderee,
        code,
        "answer_objection",
        {"objection": 1, "answer": "经核对一致，异议不成立"},
    )
    expect(page.locator(".hall-objections")).to_contain_text("经核对一致，异议不成立")
    _shot(page, "hall.png")
    ctx.close()


def test_a_bidder_signs_in_from_the_hall_with_its_custody_key(
    platform, clock, browser, live_server
):
    from playwright.sync_api import expect

    from ggzy.pki import custody

    parties = seed_parties(platform)
    code = announce(platform, parties)
    bidder = parties.bidders[0]
    bid(platform, bidder, code, PRICES[0])
    sign = parties.keys[bidder.username]["sign"]
    with platform.command(bidder.actor) as uow:
        custody.enroll(uow, bidder.username, custody.pkcs8_der(sign.key), sign.der, CUSTODY)
    clock.advance(days=21, minutes=15)  # 45 minutes before the deadline: sign-in is open
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(f"{live_server}/login?next=/projects/{code}/hall")
    page.fill("#username", bidder.username)
    page.fill("#password", PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(f"{live_server}/projects/{code}/hall")
    expect(page.locator(".hall-mine")).to_contain_text("未签到")
    page.fill("[data-passphrase]", CUSTODY)
    page.locator("[data-custody-sign-in]").click()
    expect(page.locator(".alert-ok")).to_contain_text("开标签到")
    expect(page.locator(".hall-mine")).to_contain_text("已签到")
    expect(page.locator("[data-phase]")).to_have_text("等待开标")
    ctx.close()
