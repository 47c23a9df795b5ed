"""What a trading method (交易方式) is, as data: stages, actions, fields, roles and periods.

A declaration is checked when it loads: every stage it names exists, every rule it cites is in
the rule table, every effect is known and every outcome of an effect leads somewhere, so a bad
declaration fails at import with a message naming the fix, never in a user's request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

FIELD_KINDS = {"text", "longtext", "datetime", "money", "int", "bool", "document", "entity", "json"}
ROLES = {"tenderee", "agency", "bidder", "center_staff", "regulator", "system"}
ROLE_NAMES = {
    "tenderee": ("招标人", "tenderee"),
    "agency": ("招标代理机构", "agency"),
    "bidder": ("投标人", "bidder"),
    "center_staff": ("交易中心", "center staff"),
    "regulator": ("行政监督部门", "regulator"),
    "system": ("平台", "platform"),
}


@dataclass(frozen=True)
class Field:
    """An input of an action: drives validation, the API schema and the web form."""

    name: str
    zh: str
    en: str
    kind: str = "text"
    required: bool = True
    max_len: int = 2000
    help_zh: str = ""

    def __post_init__(self) -> None:
        if self.kind not in FIELD_KINDS:
            raise ValueError(f"field {self.name}: kind {self.kind!r} is not one of {FIELD_KINDS}")


@dataclass(frozen=True)
class MinPeriod:
    """A legal minimum period between two moments, e.g. 20 days from doc issue to deadline.

    Moments are references: `field:x` (this action's input), `project:x` (a project date),
    or `now` (server time).
    """

    rule: str
    start: str
    end: str


@dataclass(frozen=True)
class Stage:
    """A state of a project under this method."""

    name: str
    zh: str
    en: str
    final: bool = False


@dataclass(frozen=True)
class Action:
    """Something an actor may do in some stages; emits `event` through a named effect."""

    name: str
    zh: str
    en: str
    roles: frozenset[str]
    stages: frozenset[str]
    event: str
    effect: str = "record"
    to_stage: str | None = None
    outcomes: Mapping[str, str] = field(default_factory=dict)  # effect outcome -> stage
    fields: tuple[Field, ...] = ()
    periods: tuple[MinPeriod, ...] = ()
    before: str | None = None  # now must be before this moment (e.g. project:bid_deadline)
    not_before: str | None = None  # now must be at or after this moment
    within: tuple[str, str] | None = None  # (rule, moment): now within rule days after moment
    requires_holder: bool = False  # actor must have obtained the tender documents
    creates: bool = False  # the action that registers a project
    public: bool = True  # shown in the project's public timeline
    auto: bool = False  # the platform performs it itself once not_before has passed (开标)


@dataclass(frozen=True)
class Procedure:
    """A complete trading method: the engine runs any Procedure without knowing it by name."""

    code: str
    zh: str
    en: str
    domain: str  # construction | procurement | land | mining
    deal_category: str  # letter of the unified deal code (J, Z, T, K)
    stages: tuple[Stage, ...]
    actions: tuple[Action, ...]
    basis: str  # legal basis of the method as a whole

    def stage(self, name: str) -> Stage:
        """The stage called name."""
        for s in self.stages:
            if s.name == name:
                return s
        raise KeyError(name)

    def action(self, name: str) -> Action | None:
        """The action called name, or None."""
        return next((a for a in self.actions if a.name == name), None)

    @property
    def creating_action(self) -> Action:
        """The action that registers a project under this method."""
        return next(a for a in self.actions if a.creates)


def check_declaration(
    proc: Procedure,
    effects: Mapping[str, frozenset[str]],
    rule_keys: set[str],
    event_types: set[str],
) -> None:
    """Fail loudly if a declaration is inconsistent (called when it is registered)."""
    stage_names = {s.name for s in proc.stages}
    problems: list[str] = []
    if len(stage_names) != len(proc.stages):
        problems.append("duplicate stage names")
    creating = [a for a in proc.actions if a.creates]
    if len(creating) != 1:
        problems.append("exactly one action must have creates=True")
    seen: set[str] = set()
    for a in proc.actions:
        where = f"action {a.name}"
        if a.name in seen:
            problems.append(f"{where}: declared twice")
        seen.add(a.name)
        if not a.roles or not a.roles <= ROLES:
            problems.append(f"{where}: roles {set(a.roles) - ROLES or 'empty'} unknown")
        if not a.creates and not a.stages <= stage_names:
            problems.append(f"{where}: unknown stages {set(a.stages) - stage_names}")
        if a.auto and ("system" not in a.roles or not a.not_before or a.fields):
            problems.append(f"{where}: an auto action needs the system role, not_before, no fields")
        if a.creates and a.to_stage is None:
            problems.append(f"{where}: the creating action needs to_stage")
        if a.to_stage is not None and a.to_stage not in stage_names:
            problems.append(f"{where}: to_stage {a.to_stage!r} is not a stage")
        if a.effect not in effects:
            problems.append(f"{where}: effect {a.effect!r} unknown (known: {sorted(effects)})")
        else:
            missing = effects[a.effect] - set(a.outcomes)
            if missing:
                problems.append(f"{where}: outcomes {sorted(missing)} of {a.effect} lead nowhere")
        for stage in a.outcomes.values():
            if stage not in stage_names:
                problems.append(f"{where}: outcome stage {stage!r} is not a stage")
        if a.event not in event_types:
            problems.append(f"{where}: event type {a.event!r} is not declared")
        rules = [p.rule for p in a.periods] + ([a.within[0]] if a.within else [])
        for rule in rules:
            if rule not in rule_keys:
                problems.append(f"{where}: rule {rule!r} is not in the rule table")
        field_names = {f.name for f in a.fields}
        moments = [m for p in a.periods for m in (p.start, p.end)]
        moments += [m for m in (a.before, a.not_before) if m] + ([a.within[1]] if a.within else [])
        for m in moments:
            kind, _, name = m.partition(":")
            if m != "now" and kind not in ("field", "project"):
                problems.append(f"{where}: moment {m!r} must be now, field:x or project:x")
            if kind == "field" and name not in field_names:
                problems.append(f"{where}: moment {m!r} names no field of the action")
    if problems:
        raise ValueError(f"procedure {proc.code} is inconsistent: " + "; ".join(problems))
