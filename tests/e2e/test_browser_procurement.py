"""Government procurement in a real browser: the plan approved online (审批直通车), the
announcement refused before approval, and the schedule page for the method.

The purchaser submits its procurement plan from the project page, the finance department's
regulator approves it from the same page, and the purchaser plans the legal timeline on
/schedule, all in Debian's headless Chromium against uvicorn.
"""

from __future__ import annotations

from typing import Any

import pytest

import browser_fixtures
from factories import PASSWORD
from ggzy.bootstrap import Platform
from ggzy.procedures.engine import get_project
from procurement_factories import procurement_net, register

pytestmark = pytest.mark.browser
browser = browser_fixtures.browser  # the shared fixtures, used by name
live_server = browser_fixtures.live_server


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(base + "/workspace")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_plan_is_approved_online_and_the_schedule_is_planned(
    platform: Platform, live_server: str, browser: Any
) -> None:
    from playwright.sync_api import expect

    net = procurement_net(platform)
    code = register(platform, net, "procurement.open_tendering")
    problems: list[str] = []

    purchaser = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = purchaser.new_page()
    page.on("pageerror", lambda e: problems.append(str(e)))
    sign_in(page, live_server, "tenderee1")
    page.goto(f"{live_server}/projects/{code}")
    expect(page.locator(".badges")).to_contain_text("政府采购公开招标")
    form = page.locator("form[data-action=submit_plan]")
    form.locator("input[name=plan_number]").fill("WHCG-2026-0101")
    form.locator("input[name=budget]").fill("3,000,000.00")
    form.locator("input[name=funding]").fill("财政性资金")
    form.locator("textarea[name=items]").fill("交互式智能黑板 60 套")
    form.locator("input[type=file][name=plan_document]").set_input_files(
        files=[
            {"name": "预算批复.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 budget"}
        ]
    )
    form.locator("button[type=submit]").click()
    expect(page.locator(".alert-ok")).to_contain_text("报送采购计划")
    expect(page.locator(".badges")).to_contain_text("采购计划待核准")
    expect(page.locator("form[data-action=publish_announcement]")).to_have_count(0)
    purchaser.close()

    regulator = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = regulator.new_page()
    page.on("pageerror", lambda e: problems.append(str(e)))
    sign_in(page, live_server, "czj.wuhan")
    page.goto(f"{live_server}/projects/{code}")
    form = page.locator("form[data-action=approve_plan]")
    form.locator("textarea[name=opinion]").fill("同意按公开招标方式采购")
    form.locator("button[type=submit]").click()
    expect(page.locator(".alert-ok")).to_contain_text("核准采购计划")
    expect(page.locator(".badges")).to_contain_text("采购计划已核准")
    regulator.close()

    with platform.read() as conn:
        assert get_project(conn, code)["stage"] == "approved"

    planner = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = planner.new_page()
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(live_server + "/schedule")
    page.select_option("#s-method", "procurement.open_tendering")
    page.fill("#s-start", "2026-09-21")
    page.locator("#schedule-form button[type=submit]").click()
    deadline = page.locator("li[data-milestone=bid_deadline]")
    expect(deadline).to_contain_text("2026-10-12 星期一")
    expect(deadline).to_contain_text("政府采购法 第35条")
    expect(page.locator("li[data-milestone=doc_sale_end]")).to_contain_text("2026-09-29")
    planner.close()
    assert problems == []
