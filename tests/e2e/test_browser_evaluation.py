"""The evaluation workbench (评标工作台) in a browser on a phone: an expert with a custody key
checks in by one click, sees the bids (the view recorded) and submits its qualification
findings; refusals show inline in Chinese and English; nothing scrolls sideways at 390 px."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import select

import browser_fixtures
from expert_factories import Committee
from factories import PASSWORD
from ggzy.core.tables import events

pytestmark = pytest.mark.browser
browser = browser_fixtures.browser
live_server = browser_fixtures.live_server

CUSTODY = "custody-passphrase-2026"
PHONE = {"width": 390, "height": 844}
SCREENSHOTS_ENV = "GGZY_SCREENSHOTS_DIR"  # set it to refresh the README's screenshots


def _shot(page, name: str) -> None:
    folder = os.environ.get(SCREENSHOTS_ENV)
    if folder:
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the workbench is {width}px wide at phone width"


def _login(browser, live_server, username, url, **context):
    ctx = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **context)
    page = ctx.new_page()
    page.goto(f"{live_server}/login?next={url}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(f"{live_server}{url}")
    return ctx, page


def test_an_expert_checks_in_by_one_click_and_reviews_the_bids_on_a_phone(
    platform, clock, browser, live_server
):
    from playwright.sync_api import expect

    c = Committee(platform, clock)
    c.open()
    c.enroll_custody(1, CUSTODY)
    label = c.label(1)
    url = f"/projects/{c.code}/evaluation"
    ctx, page = _login(
        browser, live_server, "expert01", url, viewport=PHONE, is_mobile=True, has_touch=True
    )
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    expect(page.locator("[data-me]")).to_have_text(label)
    expect(page.locator("[data-declaration]")).to_contain_text("评标专家回避声明及承诺书")
    _no_sideways_scroll(page)

    check_in = page.locator("[data-sign=check-in]")
    check_in.locator("[data-passphrase]").fill("not-the-passphrase")
    check_in.locator("[data-custody-sign]").click()
    refusal = check_in.locator("[data-status] .alert-error")
    expect(refusal).to_contain_text("托管口令错误")
    expect(refusal).to_contain_text("wrong passphrase")
    assert "{" not in refusal.inner_text()  # never raw JSON

    check_in.locator("[data-passphrase]").fill(CUSTODY)
    check_in.locator("[data-custody-sign]").click()
    expect(page.locator("[data-flash] .alert-ok")).to_contain_text("已签署回避声明并签到")
    expect(page.locator("[data-seat]")).to_contain_text("武汉市评标中心")
    expect(page.locator(f"tr[data-member='{label}'] td").nth(1)).to_contain_text("✓")

    rows = page.locator("[data-bids-table] tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("[data-bids-table] [data-package]")).to_have_count(3)
    expect(rows.first).to_contain_text("¥10,500,000.00 元")
    expect(rows.first).to_contain_text("人民币壹仟零伍拾万元整")
    _no_sideways_scroll(page)
    _shot(page, "evaluation-mobile.png")

    form = page.locator("form[data-form=qualification]")
    sets = form.locator("fieldset[data-bidder]")
    expect(sets).to_have_count(3)
    sets.nth(0).locator("input[value=pass]").check()
    sets.nth(1).locator("input[value=pass]").check()
    sets.nth(2).locator("input[value=fail]").check()  # a failure without its reason
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-status] .alert-error")).to_contain_text("不通过须写明理由")
    sets.nth(2).locator("[data-reason]").fill("项目经理无注册建造师证书")
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-flash] .alert-ok")).to_contain_text("审查意见已提交")
    expect(page.locator("#qualification")).to_contain_text("项目经理无注册建造师证书")
    waiting = page.locator("#qualification [data-waiting]")
    for n in range(2, 6):
        expect(waiting).to_contain_text(c.label(n))
    _no_sideways_scroll(page)
    assert problems == []
    ctx.close()

    with platform.read() as conn:
        found = conn.execute(
            select(events.c.type, events.c.payload).where(
                events.c.type.in_(["ExpertCheckedIn", "EvaluationViewed", "QualificationSubmitted"])
            )
        ).all()
    kinds = [(f.type, json.loads(f.payload)["label"]) for f in found]
    assert ("ExpertCheckedIn", label) in kinds and ("QualificationSubmitted", label) in kinds
    assert kinds.count(("EvaluationViewed", label)) >= 2  # every load of the bids is recorded


def test_staff_form_the_report_and_an_expert_signs_its_exact_bytes_by_one_click(
    platform, clock, browser, live_server
):
    from playwright.sync_api import expect

    from ggzy.evaluation import workbench

    c = Committee(platform, clock)
    c.open()
    for n in range(1, 6):
        c.check_in(n)
        c.qualify(n)
    for n in range(1, 6):
        c.score(n)
    c.enroll_custody(4, CUSTODY)
    url = f"/projects/{c.code}/evaluation"
    ctx, page = _login(browser, live_server, "staff.wuhan", url, viewport=PHONE, is_mobile=True)
    form = page.locator("form[data-form=conclude]")
    form.locator("[data-summary]").fill("评标委员会一致推荐")
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-flash] .alert-ok")).to_contain_text("评标报告已形成")
    expect(page.locator("#report [data-report-link]")).to_be_visible()
    _no_sideways_scroll(page)
    ctx.close()

    ctx, page = _login(
        browser, live_server, "expert04", url, viewport={"width": 1280, "height": 900}
    )
    report = page.locator("[data-sign=report]")
    _shot(page, "evaluation.png")
    report.locator("[data-passphrase]").fill(CUSTODY)
    report.locator("[data-custody-sign]").click()
    expect(page.locator("[data-flash] .alert-ok")).to_contain_text("已签署评标报告")
    expect(page.locator("[data-signed]")).to_be_visible()
    ctx.close()
    with platform.read() as conn:
        signed = workbench.state(conn, c.code)["signed"]
    assert [s["label"] for s in signed.values()] == [c.label(4)]
