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


STEP_KINDS = {
    "min": "at least the rule's period after the milestone (None: the same day or later)",
    "max": "within the rule's period after the milestone",
    "before": "at least the rule's period before the milestone (a last day, counted back)",
}


@dataclass(frozen=True)
class Step:
    """A legal constraint on a milestone, relative to a milestone declared before it."""

    of: str  # the other milestone
    rule: str | None = None  # a rule-table key; None: not before `of` (kind min only)
    kind: str = "min"

    def __post_init__(self) -> None:
        if self.kind not in STEP_KINDS:
            raise ValueError(f"step kind {self.kind!r} is not one of {sorted(STEP_KINDS)}")
        if self.rule is None and self.kind != "min":
            raise ValueError(f"a {self.kind} step needs a rule")


@dataclass(frozen=True)
class Milestone:
    """A dated point of a method's schedule (排期节点), e.g. the bid deadline.

    The name is the project moment it becomes (project data key, or an action's `at`). The
    schedule planner dates every milestone from its steps; the engine enforces the same
    periods through the actions, and check_declaration ties the two together.
    """

    name: str
    zh: str
    en: str
    steps: tuple[Step, ...] = ()
    stage: str | None = None  # the stage the milestone begins, for the timeline


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
    at: str | None = None  # the schedule milestone the action's own time is ("now" in periods)
    while_suspended: bool = False  # allowed while a regulator has suspended the project
    params: Mapping[str, object] = field(default_factory=dict)  # the effect's settings


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
    schedule: tuple[Milestone, ...] = ()  # the milestones the schedule planner dates

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
    problems += _schedule_problems(proc, rule_keys)
    if problems:
        raise ValueError(f"procedure {proc.code} is inconsistent: " + "; ".join(problems))


def _milestone_of(ref: str, action: Action) -> str | None:
    """The milestone a moment reference stands for: field:x and project:x are x, now is at."""
    if ref == "now":
        return action.at
    return ref.partition(":")[2]


def _schedule_problems(proc: Procedure, rule_keys: set[str]) -> list[str]:
    """The schedule is well formed and knows every period the actions enforce."""
    problems: list[str] = []
    declared: dict[str, Milestone] = {}
    for m in proc.schedule:
        if m.name in declared:
            problems.append(f"milestone {m.name}: declared twice")
        for step in m.steps:
            if step.of not in declared:
                problems.append(f"milestone {m.name}: {step.of!r} must be declared before it")
            if step.rule is not None and step.rule not in rule_keys:
                problems.append(f"milestone {m.name}: rule {step.rule!r} not in the rule table")
        if m.stage is not None and m.stage not in {s.name for s in proc.stages}:
            problems.append(f"milestone {m.name}: stage {m.stage!r} is not a stage")
        declared[m.name] = m
    if not proc.schedule:
        return problems
    for a in proc.actions:
        if a.at is not None and a.at not in declared:
            problems.append(f"action {a.name}: at {a.at!r} is not a milestone")
        enforced = [(p.rule, p.start, p.end, "min") for p in a.periods]
        if a.within:
            enforced.append((a.within[0], a.within[1], "now", "max"))
        for rule, start, end, kind in enforced:
            first, last = _milestone_of(start, a), _milestone_of(end, a)
            target = declared.get(last or "")
            if target is None or not any(
                s.of == first and s.rule == rule and s.kind == kind for s in target.steps
            ):
                problems.append(
                    f"action {a.name}: the schedule lacks Step({first!r}, {rule!r}, {kind!r}) "
                    f"on milestone {last!r}, so the planner would not know this period"
                )
    return problems
