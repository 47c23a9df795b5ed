"""The working-day calendar (工作日历) and Beijing time, per rules.md §0 (day counting).

Statutory holidays and make-up working days (调休) come from the ``chinese_calendar`` package
(PyPI ``chinesecalendar``) for the years it ships; a trading center adds or declares the rest.
"日" counts calendar days, "工作日" working days; the day of the triggering event is not
counted; a calendar-day period whose last day is not a working day ends on the next working
day (民法典 art. 203); a period ends at 24:00 of its last day, Beijing time.

    >>> cal = WorkingCalendar()
    >>> cal.add_working_days(date(2025, 9, 30), 1)  # National Day holiday, Oct 1-8
    datetime.date(2025, 10, 9)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from functools import cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import chinese_calendar

from ggzy.core.errors import DomainError

SHANGHAI = ZoneInfo("Asia/Shanghai")  # 北京时间 (UTC+8)

_PROBE_YEARS = range(1949, 2200)
_ONE_DAY = timedelta(days=1)


@cache
def package_years() -> frozenset[int]:
    """Years whose holidays the installed chinese_calendar knows, e.g. {2004, ..., 2026}."""
    years = set()
    for year in _PROBE_YEARS:
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except NotImplementedError:  # the package raises this for years it has no data for
            continue
        years.add(year)
    return frozenset(years)


def _plain_date(d: date, what: str = "day") -> date:
    """Refuse datetimes where a calendar date is meant (their day depends on the time zone)."""
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"{what} must be a datetime.date, not {type(d).__name__}")
    return d


class WorkingCalendar:
    """Working days of one trading center, e.g. WorkingCalendar().is_working_day(date(2026, 2, 14)).

    ``extra`` maps a date to True (working day) or False (holiday) and overrides the package;
    a center adds such days with :meth:`add_days` and declares a whole year (holidays and
    make-up working days of a year the package does not know yet) with :meth:`declare_year`.
    """

    def __init__(
        self, extra: Mapping[date, bool] | None = None, declared_years: Iterable[int] = ()
    ) -> None:
        self._extra: dict[date, bool] = {}
        self._declared: set[int] = set()
        if extra:
            self.add_days(extra)
        for year in declared_years:
            self._declared.add(int(year))

    @property
    def extra(self) -> Mapping[date, bool]:
        """Center-added days (read-only view): date -> True if working, False if holiday."""
        return MappingProxyType(self._extra)

    def add_days(self, days: Mapping[date, bool]) -> None:
        """Add center days, e.g. add_days({date(2027, 1, 1): False}) marks a holiday."""
        for day, working in days.items():
            _plain_date(day)
            if not isinstance(working, bool):
                raise TypeError(f"{day}: True (working day) or False (holiday), not {working!r}")
        self._extra.update(days)

    def declare_year(self, year: int, holidays: Iterable[date], workdays: Iterable[date]) -> None:
        """Declare a year complete, e.g. declare_year(2027, [date(2027, 1, 1)], []).

        Within a declared year the listed holidays (法定节假日) are rest days, the listed
        workdays (调休上班日) are working days and every other day follows Monday-Friday.
        """
        holidays, workdays = list(holidays), list(workdays)
        for day in (*holidays, *workdays):
            if _plain_date(day).year != year:
                raise DomainError(
                    "invalid-holiday-schedule",
                    f"{day} 不属于 {year} 年",
                    f"{day} is not in {year}",
                    year=year,
                    day=day.isoformat(),
                )
        both = sorted(set(holidays) & set(workdays))
        if both:
            raise DomainError(
                "invalid-holiday-schedule",
                f"{both[0]} 不能既是节假日又是工作日",
                f"{both[0]} cannot be both a holiday and a working day",
                year=year,
                day=both[0].isoformat(),
            )
        self.add_days({day: False for day in holidays} | {day: True for day in workdays})
        self._declared.add(year)

    def known_years(self) -> set[int]:
        """Years whose working days are known (package or center-declared), e.g. {2004, ...}."""
        return set(package_years()) | self._declared

    def is_working_day(self, d: date) -> bool:
        """True on working days, e.g. the 调休 Saturday date(2026, 2, 14) -> True."""
        d = _plain_date(d)
        if d in self._extra:
            return self._extra[d]
        if d.year in self._declared:
            return d.weekday() < 5
        if d.year in package_years():
            return bool(chinese_calendar.is_workday(d))
        raise DomainError(
            "holidays-unknown",
            f"{d.year}年法定节假日安排尚未公布，请交易中心补充",
            f"the statutory holidays of {d.year} are not published yet; a center must add them",
            422,
            year=d.year,
        )

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after start (start not counted), e.g. (2026-02-13, 1) -> 02-14.

        A negative n counts backwards: the n-th working day before start.
        """
        day = _plain_date(start, "start")
        step = _ONE_DAY if n >= 0 else -_ONE_DAY
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def add_calendar_days(self, start: date, n: int) -> date:
        """start + n calendar days, e.g. (2026-02-01, 20) -> 2026-02-21."""
        return _plain_date(start, "start") + timedelta(days=n)

    def working_days_between(self, a: date, b: date) -> int:
        """Working days d with a < d <= b, e.g. (2025-09-30, 2025-10-09) -> 1; negative if b < a."""
        a, b = _plain_date(a, "a"), _plain_date(b, "b")
        if b < a:
            return -self.working_days_between(b, a)
        count, day = 0, a
        while day < b:
            day += _ONE_DAY
            count += self.is_working_day(day)
        return count

    def period_end(self, start: date, n: int, working: bool) -> date:
        """Last day of a period of n days after start (rules.md §0), e.g. (2026-01-26, 20, False).

        The start day is not counted. Working-day periods end on the n-th working day after
        start; calendar-day periods end n days after start, moved to the next working day when
        that day is a holiday or rest day (民法典 art. 203). The period ends at 24:00 of the
        returned day, see :func:`end_of_day`.
        """
        if n < 0:
            raise ValueError(f"a period has a non-negative length, got {n}")
        if working:
            return self.add_working_days(start, n)
        day = self.add_calendar_days(start, n)
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def period_deadline(self, start: date, n: int, working: bool) -> datetime:
        """The instant a period ends, e.g. (2026-02-01, 20, False) -> 2026-02-25 00:00+08:00."""
        return end_of_day(self.period_end(start, n, working))


def end_of_day(d: date) -> datetime:
    """24:00 of d in Beijing time, i.e. 00:00 of the next day: (2026-02-25) -> 02-26 00:00+08:00.

    It is an exclusive bound: an act is in time when done strictly before it.
    """
    return datetime.combine(_plain_date(d) + _ONE_DAY, time(0), tzinfo=SHANGHAI)


def to_shanghai(dt: datetime) -> datetime:
    """The same instant in Beijing time, e.g. 2026-11-23 14:43:51+00:00 -> 22:43:51+08:00."""
    if not isinstance(dt, datetime):
        raise TypeError(f"expected a datetime, not {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("naive datetime refused: give a timezone-aware datetime")
    return dt.astimezone(SHANGHAI)


def shanghai_date(dt: datetime) -> date:
    """The Beijing calendar day of an instant, e.g. 2026-11-23 17:00+00:00 -> 2026-11-24."""
    return to_shanghai(dt).date()


def format_shanghai(dt: datetime) -> str:
    """Beijing time as text, e.g. 2026-11-23 14:43:51+00:00 -> "2026-11-23 22:43:51"."""
    return to_shanghai(dt).strftime("%Y-%m-%d %H:%M:%S")


# Gregorian dates of the lunar festivals (除夕, 端午, 中秋) for years the calendar package does
# not cover yet, from the published lunar calendar; 清明 comes from the package's solar terms.
_LUNAR_FESTIVALS: dict[int, tuple[date, date, date]] = {
    2025: (date(2025, 1, 28), date(2025, 5, 31), date(2025, 10, 6)),  # checked against the
    2026: (date(2026, 2, 16), date(2026, 6, 19), date(2026, 9, 25)),  # published schedules
    2027: (date(2027, 2, 5), date(2027, 6, 9), date(2027, 9, 15)),
    2028: (date(2028, 1, 25), date(2028, 5, 28), date(2028, 10, 3)),
}


def statutory_holidays(year: int) -> list[date] | None:
    """The 13 statutory holiday days of a year (全国年节及纪念日放假办法, 2024 revision).

    These are fixed by law; the State Council's yearly schedule adds the make-up days (调休,
    补休) that only it can publish. None if the lunar festival dates of year are not tabled.

    >>> statutory_holidays(2027)[:3]
    [datetime.date(2027, 1, 1), datetime.date(2027, 2, 5), datetime.date(2027, 2, 6)]
    """
    if year not in _LUNAR_FESTIVALS:
        return None
    from chinese_calendar import get_solar_terms

    eve, dragon_boat, mid_autumn = _LUNAR_FESTIVALS[year]
    terms = get_solar_terms(date(year, 4, 1), date(year, 4, 10))
    qingming = next(d for d, name in terms if name == "清明")
    days = [date(year, 1, 1)]
    days += [eve + timedelta(days=i) for i in range(4)]  # 除夕 and 正月初一至初三
    days += [qingming, date(year, 5, 1), date(year, 5, 2), dragon_boat, mid_autumn]
    days += [date(year, 10, d) for d in (1, 2, 3)]
    return sorted(days)
