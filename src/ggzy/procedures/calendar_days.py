"""Center-declared calendar days: statutory holidays not yet known to the calendar package.

When the State Council publishes a year's holiday schedule before the `chinesecalendar`
package is updated, a center (or the platform administrator for every center) declares it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Column, Integer, String, Table, select

from ggzy.core.calendar import WorkingCalendar
from ggzy.core.errors import DomainError
from ggzy.core.events import NewEvent, RecordedEvent, event_type
from ggzy.core.projections import projection_table, projector
from ggzy.core.uow import UnitOfWork
from ggzy.db import metadata

event_type("HolidayScheduleDeclared", "法定节假日安排已补充", "statutory holiday schedule declared")

ALL_CENTERS = "*"

calendar_days = projection_table(
    Table(
        "calendar_days",
        metadata,
        Column("center", String(16), primary_key=True),  # * = every center of the node
        Column("day", String(10), primary_key=True),
        Column("working", Integer, nullable=False),
        Column("year", Integer, nullable=False),
    )
)


def declare_holidays(
    uow: UnitOfWork,
    year: int,
    holidays: list[date],
    workdays: list[date],
    center: str = ALL_CENTERS,
    note: str = "",
) -> dict[str, Any]:
    """Declare a year's statutory holidays and make-up workdays (调休) for a center or all."""
    days = [*holidays, *workdays]
    if any(d.year != year for d in days):
        raise DomainError(
            "wrong-year", f"所列日期须都在 {year} 年内", f"every date must be in {year}"
        )
    if not holidays:
        raise DomainError(
            "no-holidays",
            f"须列出 {year} 年的法定节假日（至少元旦）",
            f"list the statutory holidays of {year} (at least New Year's Day)",
        )
    if set(holidays) & set(workdays):
        raise DomainError(
            "conflicting-days",
            "同一天不能既是节假日又是调休工作日",
            "a day cannot be both a holiday and a make-up workday",
        )
    payload = {
        "year": year,
        "center": center,
        "holidays": sorted(d.isoformat() for d in holidays),
        "workdays": sorted(d.isoformat() for d in workdays),
        "note": note[:500],
    }
    uow.emit(NewEvent("HolidayScheduleDeclared", "center", center, payload))
    return payload


@projector("HolidayScheduleDeclared")
def _declared(conn: Any, ev: RecordedEvent) -> None:
    p = ev.payload
    rows = [(d, 0) for d in p["holidays"]] + [(d, 1) for d in p["workdays"]]
    conn.execute(
        calendar_days.delete().where(
            calendar_days.c.center == p["center"], calendar_days.c.year == p["year"]
        )
    )
    conn.execute(
        calendar_days.insert(),
        [{"center": p["center"], "day": d, "working": w, "year": p["year"]} for d, w in rows],
    )


def center_calendar(conn: Any, center: str | None) -> WorkingCalendar:
    """The working calendar of a center: the package's years plus declared ones."""
    cal = WorkingCalendar()
    q = select(calendar_days).where(
        calendar_days.c.center.in_([ALL_CENTERS, center or ALL_CENTERS])
    )
    by_year: dict[int, tuple[list[date], list[date]]] = {}
    for row in conn.execute(q):
        hol, work = by_year.setdefault(row.year, ([], []))
        (work if row.working else hol).append(date.fromisoformat(row.day))
    for year, (hol, work) in by_year.items():
        cal.declare_year(year, holidays=hol, workdays=work)
    return cal
