"""A land listing (挂牌出让) in a real browser: Debian's headless Chromium against uvicorn.

A bidder whose application and deposit were confirmed signs in, opens the project page, and
quotes from the form the page renders from the declaration (挂牌报价); the accepted quote is
flashed and appears in the public timeline. A second quote below the highest plus the increment
is refused with the Chinese message, and nothing is stored.
"""

from __future__ import annotations

from typing import Any

import pytest

import browser_fixtures
from factories import PASSWORD, seed_parties
from ggzy.bootstrap import Platform
from ggzy.core.clock import MovableClock
from ggzy.procedures.engine import get_project
from ggzy.transfer.listing import quotes_of
from transfer_factories import listing_open

pytestmark = pytest.mark.browser
browser = browser_fixtures.browser  # the shared fixtures, used by name
live_server = browser_fixtures.live_server


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_bidder_quotes_on_a_land_listing_and_sees_a_too_low_quote_refused(
    platform: Platform, clock: MovableClock, live_server: str, browser: Any
) -> None:
    from playwright.sync_api import expect

    parties = seed_parties(platform, certificates=False)
    code = listing_open(platform, clock, parties)  # bidder1 and bidder2 may quote
    with platform.read() as conn:
        assert get_project(conn, code)["stage"] == "bidding"

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
    expect(page.locator("h1")).to_contain_text("国有建设用地使用权")
    expect(page.locator(".badges")).to_contain_text("挂牌中")

    form = page.locator("form[data-action=quote]")
    expect(form.locator("button[type=submit]")).to_contain_text("挂牌报价")
    form.locator("input[name=price]").fill("48,000,000.00")
    form.locator("button[type=submit]").click()
    expect(page.locator(".alert-ok")).to_contain_text("已完成：挂牌报价")
    expect(page.locator("#timeline")).to_contain_text("挂牌报价")

    form = page.locator("form[data-action=quote]")
    form.locator("input[name=price]").fill("48100000")
    form.locator("button[type=submit]").click()
    error = page.locator(".alert-error")
    expect(error).to_contain_text("报价")
    expect(error).to_contain_text("过低")
    expect(error).to_contain_text("须不低于当前最高报价 ¥48,000,000.00 加增价幅度 ¥500,000.00")
    expect(error).to_contain_text("quote-too-low")
    expect(page.locator("#act-quote.action-failed input[name=price]")).to_have_value("48100000")
    refused = "the server responded with a status of 422"  # the refusal page above
    assert [p for p in problems if refused not in p] == []
    context.close()

    with platform.read() as conn:
        stored = quotes_of(conn, code)
    assert [(q["bidder"], q["price"]) for q in stored] == [
        (parties.bidders[0].entity, 4_800_000_000)
    ]
