"""Schedule planner (排期): the earliest legal date of every milestone of a trading method.

An agency gives a method, a start date and its center; the planner dates each milestone the
method declares (Procedure.schedule) from the rule table in force for that center on that
date, counting calendar or working days with the center's holiday calendar exactly as the
engine does (rules.md §0). A proposed plan is checked milestone by milestone, and later
milestones are dated from the proposed ones.

    >>> plan(get_procedure("construction.open_tendering"), date(2026, 9, 21), "420100", cal)
    Schedule(..., milestones=[Dated(milestone=Milestone(name='announced_at', ...), day=...)])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ggzy.core.calendar import WorkingCalendar
from ggzy.core.errors import DomainError
from ggzy.procedures import rules
from ggzy.procedures.declaration import Milestone, Procedure, Step

WEEKDAYS_ZH = "一二三四五六日"


@dataclass(frozen=True)
class Constraint:
    """One step applied: the rule, the milestone it counts from and the date it gives."""

    step: Step
    rule: rules.Rule | None
    gives: date  # the earliest day (min), or the last day (max, before)

    def to_dict(self) -> dict[str, Any]:
        """JSON view with the rule's value, unit and source."""
        out: dict[str, Any] = {"kind": self.step.kind, "of": self.step.of, "gives": self.gives}
        if self.rule is None:
            out.update(zh=f"不早于“{self.step.of}”", en=f"not before {self.step.of}")
        else:
            out.update(
                rule=self.rule.key,
                value=self.rule.value,
                unit=self.rule.unit,
                source=self.rule.source,
                confidence=self.rule.confidence,
                zh=self.rule.describe_zh(),
                en=self.rule.describe_en(),
            )
        return out


@dataclass
class Dated:
    """A milestone with its legal window and the date the plan uses."""

    milestone: Milestone
    day: date
    earliest: date | None
    latest: date | None
    proposed: date | None
    constraints: list[Constraint]
    problems: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self, calendar: WorkingCalendar) -> dict[str, Any]:
        """JSON view: dates, weekday, whether a working day, constraints and problems."""
        m = self.milestone
        return {
            "name": m.name,
            "zh": m.zh,
            "en": m.en,
            "stage": m.stage,
            "date": self.day,
            "weekday_zh": "星期" + WEEKDAYS_ZH[self.day.weekday()],
            "working_day": calendar.is_working_day(self.day),
            "earliest": self.earliest,
            "latest": self.latest,
            "proposed": self.proposed,
            "constraints": [c.to_dict() for c in self.constraints],
            "problems": self.problems,
        }


@dataclass
class Schedule:
    """A dated plan of one method for one center."""

    procedure: Procedure
    start: date
    region: str
    rule_date: date
    milestones: list[Dated]

    @property
    def problems(self) -> list[dict[str, Any]]:
        """Every broken rule of the proposed plan, in milestone order."""
        return [p for m in self.milestones for p in m.problems]

    def to_dict(self, calendar: WorkingCalendar) -> dict[str, Any]:
        """The API answer."""
        return {
            "method": self.procedure.code,
            "method_zh": self.procedure.zh,
            "region": self.region,
            "start": self.start,
            "rule_date": self.rule_date,
            "ok": not self.problems,
            "problems": self.problems,
            "milestones": [m.to_dict(calendar) for m in self.milestones],
        }


def last_day_before(calendar: WorkingCalendar, target: date, n: int, working: bool) -> date:
    """The last day d with period_end(d, n) <= target: "at least n days before target"."""
    day = calendar.add_working_days(target, -n) if working else target - timedelta(days=n)
    while calendar.period_end(day, n, working) > target:
        day -= timedelta(days=1)
    return day


def plan(
    procedure: Procedure,
    start: date,
    region: str,
    calendar: WorkingCalendar,
    proposed: Mapping[str, date] | None = None,
    *,
    rule_date: date | None = None,
    resolve: Callable[[str, str, str, date], rules.Rule] = rules.resolve,
) -> Schedule:
    """Date every milestone of procedure from start (the first milestone's day)."""
    if not procedure.schedule:
        raise DomainError(
            "no-schedule",
            f"交易方式“{procedure.zh}”未声明排期节点",
            f"the method {procedure.code} declares no schedule",
            status=404,
        )
    proposed = dict(proposed or {})
    known = {m.name for m in procedure.schedule}
    unknown = sorted(set(proposed) - known)
    if unknown:
        raise DomainError(
            "unknown-milestone",
            f"不认识的排期节点：{'、'.join(unknown)}（可用：{'、'.join(sorted(known))}）",
            f"unknown milestone(s): {', '.join(unknown)} (known: {', '.join(sorted(known))})",
            milestones=unknown,
        )
    on = rule_date or start
    values: dict[str, date] = {}
    dated: list[Dated] = []
    for m in procedure.schedule:
        lows: list[date] = []
        highs: list[date] = []
        constraints: list[Constraint] = []
        for step in m.steps:
            base = values[step.of]
            rule = resolve(step.rule, procedure.code, region, on) if step.rule else None
            if rule is None:
                gives = base
            elif step.kind == "before":
                gives = last_day_before(calendar, base, rule.value, rule.working)
            else:
                gives = calendar.period_end(base, rule.value, rule.working)
            (lows if step.kind == "min" else highs).append(gives)
            constraints.append(Constraint(step, rule, gives))
        earliest = max(lows) if lows else (None if highs else start)
        latest = min(highs) if highs else None
        chosen = proposed.get(m.name)
        day = chosen or earliest or latest or start
        entry = Dated(m, day, earliest, latest, chosen, constraints)
        if earliest is not None and latest is not None and earliest > latest:
            entry.problems.append(_problem(m, "window-empty", earliest, latest))
        elif chosen is not None:
            if earliest is not None and chosen < earliest:
                entry.problems.append(_problem(m, "too-early", earliest, latest, chosen))
            if latest is not None and chosen > latest:
                entry.problems.append(_problem(m, "too-late", earliest, latest, chosen))
        values[m.name] = day
        dated.append(entry)
    return Schedule(procedure, start, region, on, dated)


def _problem(
    m: Milestone, code: str, earliest: date | None, latest: date | None, chosen: date | None = None
) -> dict[str, Any]:
    if code == "window-empty":
        zh = f"“{m.zh}”无法满足：最早 {earliest}，最迟却为 {latest}"
        en = f"{m.en} cannot be met: earliest {earliest}, yet latest {latest}"
    elif code == "too-early":
        zh = f"“{m.zh}”定于 {chosen}，早于法定最早日期 {earliest}"
        en = f"{m.en} on {chosen} is before the earliest legal day {earliest}"
    else:
        zh = f"“{m.zh}”定于 {chosen}，晚于法定最迟日期 {latest}"
        en = f"{m.en} on {chosen} is after the last legal day {latest}"
    return {
        "milestone": m.name,
        "code": code,
        "zh": zh,
        "en": en,
        "earliest": earliest,
        "latest": latest,
        "proposed": chosen,
    }
