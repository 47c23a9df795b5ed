"""POST /api/v1/schedule, and the engine refusing what the planner says is too early."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from fastapi.testclient import TestClient

from factories import act, announcement, register_project, seed_parties
from ggzy.core.calendar import SHANGHAI
from ggzy.core.errors import DomainError
from ggzy.web.app import create_app

OPEN = "construction.open_tendering"


@pytest.fixture
def client(platform):
    return TestClient(create_app(platform), raise_server_exceptions=False)


def problem(r, status, code):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == code and body["title_zh"] and body["title"]
    return body


def test_the_schedule_lists_every_milestone_with_its_basis(platform, client) -> None:
    seed_parties(platform)
    r = client.post(
        "/api/v1/schedule", json={"method": OPEN, "start": "2026-09-21", "center": "420100"}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] is True and body["problems"] == []
    by_name = {m["name"]: m for m in body["milestones"]}
    deadline = by_name["bid_deadline"]
    assert deadline["date"] == "2026-10-12" and deadline["weekday_zh"] == "星期一"
    assert deadline["working_day"] is True
    basis = {c["rule"]: c for c in deadline["constraints"] if "rule" in c}
    assert basis["bid_prep_min_days"]["value"] == 20
    assert basis["bid_prep_min_days"]["source"] == "招标投标法 第24条"
    assert by_name["contract_signed_at"]["latest"] == "2026-11-16"


def test_a_proposed_plan_that_breaks_a_rule_is_answered_with_its_problems(platform, client):
    seed_parties(platform)
    r = client.post(
        "/api/v1/schedule",
        json={
            "method": OPEN,
            "start": "2026-09-21",
            "center": "420100",
            "plan": {"doc_sale_end": "2026-09-25"},
        },
    )
    body = r.json()
    assert r.status_code == 200 and body["ok"] is False
    assert body["problems"][0]["milestone"] == "doc_sale_end"
    assert body["problems"][0]["earliest"] == "2026-09-28"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"method": "nope", "start": "2026-09-21", "center": "420100"}, 404, "not-found"),
        ({"method": OPEN, "start": "2026-09-21", "center": "999999"}, 404, "not-found"),
        ({"method": OPEN, "start": "2026-13-01", "center": "420100"}, 422, "invalid-request"),
        ({"method": OPEN, "start": "2031-03-03", "center": "420100"}, 422, "holidays-unknown"),
        (
            {"method": OPEN, "start": "2026-09-21", "center": "420100", "plan": {"x": "2026-10-1"}},
            422,
            "invalid-request",
        ),
        (
            {
                "method": OPEN,
                "start": "2026-09-21",
                "center": "420100",
                "plan": {"x": "2026-10-01"},
            },
            422,
            "unknown-milestone",
        ),
    ],
)
def test_bad_schedule_requests_get_a_bilingual_problem(platform, client, body, status, code):
    seed_parties(platform)
    problem(client.post("/api/v1/schedule", json=body), status, code)


def test_the_engine_refuses_a_deadline_the_planner_calls_too_early(platform, client) -> None:
    parties = seed_parties(platform)
    start = platform.clock.now().astimezone(SHANGHAI)
    r = client.post(
        "/api/v1/schedule",
        json={"method": OPEN, "start": start.date().isoformat(), "center": "420100"},
    )
    earliest = datetime.fromisoformat(
        next(m for m in r.json()["milestones"] if m["name"] == "bid_deadline")["date"]
    ).date()
    code = register_project(platform, parties)
    fields = announcement(platform)
    day_before = datetime.combine(earliest - timedelta(days=1), time(9, 30), SHANGHAI)
    with pytest.raises(DomainError) as info:
        act(
            platform,
            parties.tenderee,
            code,
            "publish_announcement",
            {**fields, "bid_deadline": day_before.isoformat()},
        )
    assert info.value.code == "period-too-short"
    assert info.value.extra["earliest"] == earliest.isoformat()
    on_time = datetime.combine(earliest, time(9, 30), SHANGHAI)
    act(
        platform,
        parties.tenderee,
        code,
        "publish_announcement",
        {**fields, "bid_deadline": on_time.isoformat()},
    )


def test_the_schedule_page_shows_the_timeline_in_date_order(platform, client) -> None:
    seed_parties(platform)
    r = client.get("/schedule", params={"method": OPEN, "start": "2026-09-21", "center": "420100"})
    assert r.status_code == 200, r.text
    html = r.text
    assert "交易排期" in html and "工程建设项目公开招标" in html
    order = [html.index(f'data-milestone="{name}"') for name in (
        "announced_at", "clarification_last_day", "doc_sale_end", "objection_last_day",
        "bid_deadline", "publicity_end",
    )]  # fmt: skip
    assert order == sorted(order)
    assert '<time datetime="2026-10-12" class="mono">2026-10-12 星期一</time>' in html


def test_the_schedule_page_refuses_a_bad_start_day_in_both_languages(platform, client) -> None:
    seed_parties(platform)
    r = client.get("/schedule", params={"method": OPEN, "start": "2026-02-30", "center": "420100"})
    assert r.status_code == 422
    assert "不是有效日期" in r.text and "is not a date" in r.text


def test_the_schedule_page_without_a_query_shows_the_form(platform, client) -> None:
    seed_parties(platform)
    r = client.get("/schedule")
    assert r.status_code == 200 and 'id="schedule-form"' in r.text
    assert 'id="schedule-result"' not in r.text
