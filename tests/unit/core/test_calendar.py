"""The working-day calendar and Beijing time (rules.md §0, day counting)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from ggzy.core.calendar import (
    SHANGHAI,
    WorkingCalendar,
    end_of_day,
    format_shanghai,
    package_years,
    shanghai_date,
    statutory_holidays,
    to_shanghai,
)
from ggzy.core.errors import DomainError


@pytest.fixture
def cal() -> WorkingCalendar:
    return WorkingCalendar()


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# --- what the package knows ----------------------------------------------------------------------


def test_package_years_are_a_contiguous_range_including_2025_and_2026() -> None:
    years = package_years()
    assert {2025, 2026} <= years
    assert years == set(range(min(years), max(years) + 1))


def test_known_years_start_with_the_package_years(cal: WorkingCalendar) -> None:
    assert cal.known_years() == set(package_years())


def test_national_day_2025_runs_from_1_to_8_october(cal: WorkingCalendar) -> None:
    golden_week = _days(date(2025, 10, 1), date(2025, 10, 8))
    assert [cal.is_working_day(d) for d in golden_week] == [False] * 8
    assert cal.is_working_day(date(2025, 10, 9))


def test_national_day_2025_make_up_weekend_days_are_working_days(cal: WorkingCalendar) -> None:
    assert cal.is_working_day(date(2025, 9, 28))  # Sunday 调休
    assert cal.is_working_day(date(2025, 10, 11))  # Saturday 调休


def test_spring_festival_2026_runs_from_15_to_23_february(cal: WorkingCalendar) -> None:
    festival = _days(date(2026, 2, 15), date(2026, 2, 23))
    assert [cal.is_working_day(d) for d in festival] == [False] * 9
    assert cal.is_working_day(date(2026, 2, 24))


def test_spring_festival_2026_make_up_saturdays_count_as_working_days(cal: WorkingCalendar):
    assert cal.is_working_day(date(2026, 2, 14))
    assert cal.is_working_day(date(2026, 2, 28))


def test_an_ordinary_saturday_is_not_a_working_day(cal: WorkingCalendar) -> None:
    assert not cal.is_working_day(date(2026, 3, 7))


# --- counting -------------------------------------------------------------------------------------


def test_the_start_day_is_not_counted(cal: WorkingCalendar) -> None:
    assert cal.period_end(date(2026, 3, 2), 1, working=True) == date(2026, 3, 3)


def test_one_working_day_after_the_eve_of_national_day_2025_is_9_october(cal: WorkingCalendar):
    assert cal.add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)


def test_five_working_days_across_spring_festival_2026(cal: WorkingCalendar) -> None:
    # Feb 13 (Fri), Feb 14 (make-up Sat), then the festival, then Feb 24, 25, 26
    assert cal.period_end(date(2026, 2, 12), 5, working=True) == date(2026, 2, 26)


def test_working_days_can_be_counted_backwards(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(date(2026, 2, 26), -5) == date(2026, 2, 12)


def test_twenty_calendar_days_ending_on_a_holiday_roll_forward(cal: WorkingCalendar) -> None:
    # 2026-02-01 + 20 days = 2026-02-21, inside the Spring Festival -> next working day
    assert cal.add_calendar_days(date(2026, 2, 1), 20) == date(2026, 2, 21)
    assert cal.period_end(date(2026, 2, 1), 20, working=False) == date(2026, 2, 24)


def test_calendar_period_ending_on_a_weekend_rolls_to_monday(cal: WorkingCalendar) -> None:
    assert cal.period_end(date(2026, 3, 1), 20, working=False) == date(2026, 3, 23)


def test_calendar_period_ending_on_a_make_up_saturday_stays_there(cal: WorkingCalendar):
    assert cal.period_end(date(2026, 2, 8), 20, working=False) == date(2026, 2, 28)


def test_calendar_period_ending_on_a_working_day_does_not_move(cal: WorkingCalendar) -> None:
    assert cal.period_end(date(2026, 3, 2), 20, working=False) == date(2026, 3, 23)


def test_negative_period_is_refused(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError):
        cal.period_end(date(2026, 3, 2), -1, working=False)


def test_working_days_between_counts_days_after_the_first_up_to_the_last(cal: WorkingCalendar):
    assert cal.working_days_between(date(2025, 9, 30), date(2025, 10, 9)) == 1
    assert cal.working_days_between(date(2026, 2, 13), date(2026, 2, 24)) == 2


def test_working_days_between_is_negative_when_reversed(cal: WorkingCalendar) -> None:
    assert cal.working_days_between(date(2026, 2, 24), date(2026, 2, 13)) == -2


def test_working_days_between_inverts_add_working_days(cal: WorkingCalendar) -> None:
    start = date(2025, 9, 25)
    assert cal.working_days_between(start, cal.add_working_days(start, 17)) == 17


def test_period_deadline_is_24_00_of_the_last_day_in_beijing(cal: WorkingCalendar) -> None:
    deadline = cal.period_deadline(date(2026, 2, 1), 20, working=False)
    assert deadline == datetime(2026, 2, 25, tzinfo=SHANGHAI)


# --- unknown years and center-added days ----------------------------------------------------------


def test_unknown_year_raises_a_clear_bilingual_error(cal: WorkingCalendar) -> None:
    year = max(package_years()) + 1
    with pytest.raises(DomainError) as caught:
        cal.is_working_day(date(year, 3, 1))
    error = caught.value
    assert error.code == "holidays-unknown"
    assert error.zh == f"{year}年法定节假日安排尚未公布，请交易中心补充"
    assert error.en == (
        f"the statutory holidays of {year} are not published yet; a center must add them"
    )
    assert error.status == 422
    assert error.extra["year"] == year


def test_counting_into_an_unknown_year_raises(cal: WorkingCalendar) -> None:
    last = max(package_years())
    with pytest.raises(DomainError) as caught:
        cal.add_working_days(date(last, 12, 20), 30)
    assert caught.value.code == "holidays-unknown"


def test_a_center_declaring_2027_makes_2027_usable(cal: WorkingCalendar) -> None:
    cal.declare_year(
        2027,
        holidays=[date(2027, 1, 1), *_days(date(2027, 2, 6), date(2027, 2, 13))],
        workdays=[date(2027, 2, 20)],
    )
    assert 2027 in cal.known_years()
    assert not cal.is_working_day(date(2027, 1, 1))  # declared holiday (a Friday)
    assert cal.is_working_day(date(2027, 1, 4))  # ordinary Monday
    assert not cal.is_working_day(date(2027, 1, 9))  # ordinary Saturday
    assert cal.is_working_day(date(2027, 2, 20))  # declared make-up Saturday
    assert cal.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_declaring_a_year_refuses_days_of_another_year(cal: WorkingCalendar) -> None:
    with pytest.raises(DomainError) as caught:
        cal.declare_year(2027, holidays=[date(2028, 1, 1)], workdays=[])
    assert caught.value.code == "invalid-holiday-schedule"


def test_declaring_a_day_both_holiday_and_workday_is_refused(cal: WorkingCalendar) -> None:
    with pytest.raises(DomainError):
        cal.declare_year(2027, holidays=[date(2027, 5, 1)], workdays=[date(2027, 5, 1)])


def test_center_added_day_overrides_the_package(cal: WorkingCalendar) -> None:
    cal.add_days({date(2026, 3, 2): False})  # a local holiday on a Monday
    assert not cal.is_working_day(date(2026, 3, 2))
    assert cal.extra == {date(2026, 3, 2): False}


def test_a_single_added_day_of_an_unknown_year_is_known(cal: WorkingCalendar) -> None:
    year = max(package_years()) + 1
    cal.add_days({date(year, 1, 1): False})
    assert cal.is_working_day(date(year, 1, 1)) is False


def test_calendar_built_with_extra_days_uses_them() -> None:
    assert not WorkingCalendar({date(2026, 3, 3): False}).is_working_day(date(2026, 3, 3))


def test_datetime_is_refused_where_a_date_is_meant(cal: WorkingCalendar) -> None:
    with pytest.raises(TypeError):
        cal.is_working_day(datetime(2026, 3, 2, tzinfo=UTC))


# --- Beijing time ---------------------------------------------------------------------------------


def test_end_of_day_is_midnight_after_the_day_in_beijing() -> None:
    end = end_of_day(date(2026, 2, 24))
    assert end == datetime(2026, 2, 25, tzinfo=SHANGHAI)
    assert end == datetime(2026, 2, 24, 16, 0, tzinfo=UTC)


def test_to_shanghai_keeps_the_instant() -> None:
    instant = datetime(2026, 11, 23, 14, 43, 51, tzinfo=UTC)
    assert to_shanghai(instant) == instant
    assert to_shanghai(instant).utcoffset() == timedelta(hours=8)


def test_to_shanghai_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        to_shanghai(datetime(2026, 11, 23, 22, 43, 51))


def test_format_shanghai_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        format_shanghai(datetime(2026, 11, 23, 22, 43, 51))


def test_format_shanghai_prints_beijing_wall_time() -> None:
    instant = datetime(2026, 11, 23, 14, 43, 51, tzinfo=UTC)
    assert format_shanghai(instant) == "2026-11-23 22:43:51"


def test_format_shanghai_converts_from_other_zones() -> None:
    new_york = timezone(timedelta(hours=-5))
    assert format_shanghai(datetime(2026, 11, 23, 9, 43, 51, tzinfo=new_york)) == (
        "2026-11-23 22:43:51"
    )


def test_shanghai_date_is_the_beijing_calendar_day() -> None:
    assert shanghai_date(datetime(2026, 11, 23, 17, 0, tzinfo=UTC)) == date(2026, 11, 24)


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_statutory_holiday_rule_matches_the_published_schedules(year):
    # The 2024 revision of 全国年节及纪念日放假办法: 13 days, 除夕 included; every one of them
    # is a holiday in the State Council's published schedule for the year.
    days = statutory_holidays(year)
    assert days is not None and len(days) == 13
    assert all(not WorkingCalendar().is_working_day(d) for d in days)


def test_statutory_holidays_of_an_untabled_year_are_unknown():
    assert statutory_holidays(2099) is None
