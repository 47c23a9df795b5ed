"""The schedule planner dates every milestone from the rule table and the holiday calendar.

Expected days are worked out by hand from the State Council's 2026 holiday schedule:
Spring Festival 2026-02-15..23 (make-up working days 02-14 and 02-28), Mid-Autumn 09-25,
National Day 10-01..07 (make-up working days 09-20 and 10-10).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

import ggzy.procedures.declarations  # noqa: F401  (registers the methods)
from ggzy.core.calendar import WorkingCalendar
from ggzy.core.errors import DomainError
from ggzy.procedures import rules
from ggzy.procedures.declaration import Milestone, MinPeriod, Procedure, Step, check_declaration
from ggzy.procedures.engine import EFFECTS, get_procedure
from ggzy.procedures.schedule import last_day_before, plan

OPEN = "construction.open_tendering"
WUHAN = "420100"


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return WorkingCalendar()


def dates(schedule) -> dict[str, date]:
    return {m.milestone.name: m.day for m in schedule.milestones}


def test_a_start_before_national_day_dates_every_milestone(calendar) -> None:
    got = dates(plan(get_procedure(OPEN), date(2026, 9, 21), WUHAN, calendar))
    assert got == {
        "announced_at": date(2026, 9, 21),
        "doc_sale_start": date(2026, 9, 21),
        # 5 days: 09-26 is a Saturday, 09-27 a Sunday: the period ends on Monday 09-28
        "doc_sale_end": date(2026, 9, 28),
        # 20 days: 10-11 is a Sunday (the make-up day is 10-10): Monday 10-12
        "bid_deadline": date(2026, 10, 12),
        # at least 10 days before 10-12: 10-02 (+10 = 10-12); 10-03 would end on 10-13
        "objection_last_day": date(2026, 10, 2),
        # at least 15 days before: 09-27 (+15 = 10-12)
        "clarification_last_day": date(2026, 9, 27),
        "evaluated_at": date(2026, 10, 12),
        "publicity_start": date(2026, 10, 12),
        "publicity_end": date(2026, 10, 15),
        "awarded_at": date(2026, 10, 15),
        "tender_report_at": date(2026, 10, 15),
        "contract_signed_at": date(2026, 10, 15),
    }


def test_a_deadline_in_the_spring_festival_moves_to_the_first_working_day(calendar) -> None:
    got = dates(plan(get_procedure(OPEN), date(2026, 2, 2), WUHAN, calendar))
    assert got["doc_sale_end"] == date(2026, 2, 9)  # 02-07 Saturday, 02-08 Sunday
    assert got["bid_deadline"] == date(2026, 2, 24)  # 02-22 falls in the holiday (02-15..23)


def test_the_report_and_the_contract_have_their_last_days(calendar) -> None:
    schedule = plan(get_procedure(OPEN), date(2026, 9, 21), WUHAN, calendar)
    by_name = {m.milestone.name: m for m in schedule.milestones}
    assert by_name["tender_report_at"].latest == date(2026, 10, 30)  # 10-15 + 15 days
    assert by_name["contract_signed_at"].latest == date(2026, 11, 16)  # 11-14 is a Saturday


def test_the_publicity_start_has_a_window_of_three_days_after_the_report(calendar) -> None:
    schedule = plan(get_procedure(OPEN), date(2026, 9, 21), WUHAN, calendar)
    start = next(m for m in schedule.milestones if m.milestone.name == "publicity_start")
    assert (start.earliest, start.latest) == (date(2026, 10, 12), date(2026, 10, 15))
    rules_used = {c.rule.key for c in start.constraints if c.rule}
    assert rules_used == {"publicity_within_days"}


def test_a_proposed_deadline_before_the_earliest_day_is_a_problem(calendar) -> None:
    schedule = plan(
        get_procedure(OPEN),
        date(2026, 9, 21),
        WUHAN,
        calendar,
        {"bid_deadline": date(2026, 10, 9)},
    )
    assert [p["code"] for p in schedule.problems] == ["too-early"]
    problem = schedule.problems[0]
    assert problem["milestone"] == "bid_deadline"
    assert problem["earliest"] == date(2026, 10, 12)
    assert "2026-10-12" in problem["zh"] and "2026-10-12" in problem["en"]


def test_a_later_proposed_deadline_moves_the_milestones_after_it(calendar) -> None:
    schedule = plan(
        get_procedure(OPEN),
        date(2026, 9, 21),
        WUHAN,
        calendar,
        {"bid_deadline": date(2026, 10, 20)},
    )
    got = dates(schedule)
    assert schedule.problems == []
    assert got["objection_last_day"] == date(2026, 10, 10)  # the 10-10 make-up Saturday works
    assert got["evaluated_at"] == date(2026, 10, 20)
    assert got["publicity_end"] == date(2026, 10, 23)


def test_a_publicity_started_too_late_is_a_problem(calendar) -> None:
    schedule = plan(
        get_procedure(OPEN),
        date(2026, 9, 21),
        WUHAN,
        calendar,
        {"evaluated_at": date(2026, 10, 12), "publicity_start": date(2026, 10, 16)},
    )
    assert [(p["milestone"], p["code"]) for p in schedule.problems] == [
        ("publicity_start", "too-late")
    ]
    assert schedule.problems[0]["latest"] == date(2026, 10, 15)


def test_a_province_that_tightens_a_minimum_gets_a_later_deadline(calendar, monkeypatch) -> None:
    base = rules.resolve("bid_prep_min_days", OPEN, WUHAN, date(2026, 9, 1))
    hubei = replace(base, value=25, region="42", source="湖北省地方规定（测试）", confidence="U")
    monkeypatch.setattr(rules, "RULES", [*rules.RULES, hubei])
    in_hubei = dates(plan(get_procedure(OPEN), date(2026, 9, 21), WUHAN, calendar))
    in_hunan = dates(plan(get_procedure(OPEN), date(2026, 9, 21), "430100", calendar))
    assert in_hubei["bid_deadline"] == date(2026, 10, 16)  # 09-21 + 25 days, a Friday
    assert in_hunan["bid_deadline"] == date(2026, 10, 12)


def test_a_rule_that_takes_effect_after_the_start_does_not_apply(calendar, monkeypatch) -> None:
    base = rules.resolve("bid_prep_min_days", OPEN, WUHAN, date(2026, 9, 1))
    newer = replace(base, value=30, effective_from=date(2026, 10, 1), source="新规（测试）")
    monkeypatch.setattr(rules, "RULES", [*rules.RULES, newer])
    before = dates(plan(get_procedure(OPEN), date(2026, 9, 21), WUHAN, calendar))
    after = dates(plan(get_procedure(OPEN), date(2026, 10, 8), WUHAN, calendar))
    assert before["bid_deadline"] == date(2026, 10, 12)
    assert after["bid_deadline"] == date(2026, 11, 9)  # 10-08 + 30 = 11-07, a Saturday


def test_an_unknown_milestone_in_a_plan_is_refused(calendar) -> None:
    with pytest.raises(DomainError) as info:
        plan(get_procedure(OPEN), date(2026, 9, 21), WUHAN, calendar, {"deadline": date.today()})
    assert info.value.code == "unknown-milestone"
    assert "bid_deadline" in info.value.en


def test_a_year_without_a_holiday_schedule_is_refused(calendar) -> None:
    with pytest.raises(DomainError) as info:
        plan(get_procedure(OPEN), date(2031, 3, 3), WUHAN, calendar)
    assert info.value.code == "holidays-unknown"


def test_last_day_before_counts_working_days_back_across_a_holiday(calendar) -> None:
    # 3 working days before Thursday 10-08: from 09-28 they are 09-29, 09-30, 10-08; from
    # 09-29 the third would be 10-09, too late. The holiday 10-01..07 counts for nothing.
    assert last_day_before(calendar, date(2026, 10, 8), 3, working=True) == date(2026, 9, 28)
    # 15 calendar days before Monday 10-12: 09-27 (+15 = 10-12)
    assert last_day_before(calendar, date(2026, 10, 12), 15, working=False) == date(2026, 9, 27)


def test_a_declaration_whose_schedule_lacks_an_enforced_period_is_refused() -> None:
    proc = get_procedure(OPEN)
    broken = replace(
        proc,
        schedule=(
            *(m for m in proc.schedule if m.name != "doc_sale_end"),
            Milestone("doc_sale_end", "发售截止", "sale ends", (Step("doc_sale_start"),)),
        ),
    )
    effects = {name: outs for name, (_, outs) in EFFECTS.items()}
    from ggzy.core.events import EVENT_TYPES

    with pytest.raises(ValueError, match="doc_sale_min_days"):
        check_declaration(broken, effects, rules.keys_for(OPEN), set(EVENT_TYPES))


def test_a_schedule_step_must_follow_a_declared_milestone() -> None:
    proc: Procedure = get_procedure(OPEN)
    broken = replace(
        proc,
        schedule=(Milestone("a", "甲", "a", (Step("b"),)), Milestone("b", "乙", "b")),
    )
    effects = {name: outs for name, (_, outs) in EFFECTS.items()}
    from ggzy.core.events import EVENT_TYPES

    with pytest.raises(ValueError, match="'b' must be declared before it"):
        check_declaration(broken, effects, rules.keys_for(OPEN), set(EVENT_TYPES))


def test_every_period_the_engine_enforces_is_in_the_schedule() -> None:
    """For each method: each MinPeriod names a schedule step with the same rule."""
    from ggzy.procedures.engine import PROCEDURES

    for proc in PROCEDURES.values():
        steps = {(s.of, s.rule, m.name) for m in proc.schedule for s in m.steps}
        for action in proc.actions:
            for period in action.periods:
                assert isinstance(period, MinPeriod)
                start = action.at if period.start == "now" else period.start.partition(":")[2]
                end = period.end.partition(":")[2]
                assert (start, period.rule, end) in steps, (proc.code, action.name, period)
