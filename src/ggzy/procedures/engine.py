"""The procedure engine: runs any declared method. It knows no method by name.

    perform(uow, account, "420100202600000001J", "submit_bid", {"price": "1234567.89"})

checks, in order: the project exists; the action exists in its method; the account holds one
of the action's roles for this project; the project is in one of the action's stages; the
inputs are valid; server time satisfies the action's time guards; every legal minimum period
holds. Then the action's effect runs and its event is appended; stage changes are part of the
event, so the project's state is always a projection of its events.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from ggzy.core.calendar import SHANGHAI, WorkingCalendar, format_shanghai
from ggzy.core.codes import make_deal_code
from ggzy.core.errors import DomainError, forbidden, not_found
from ggzy.core.events import EVENT_TYPES, NewEvent, RecordedEvent, event_type
from ggzy.core.money import parse_yuan
from ggzy.core.projections import projector
from ggzy.core.uow import UnitOfWork
from ggzy.procedures import rules
from ggzy.procedures.declaration import ROLE_NAMES, Action, Procedure, check_declaration
from ggzy.procedures.tables import projects
from ggzy.registry.handlers import Account, find_entity, get_center

PROCEDURES: dict[str, Procedure] = {}


# ---------------------------------------------------------------- effects


@dataclass
class Outcome:
    """What an effect decided: which branch, what the action's event says and sets."""

    name: str | None = None
    event: str | None = None  # another declared event type than the action's (e.g. TenderFailed)
    payload: dict[str, Any] = field(default_factory=dict)
    set: dict[str, Any] = field(default_factory=dict)
    documents: tuple[str, ...] = ()
    result: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    """Everything an effect may use: the transaction, who acts, the project and the inputs."""

    uow: UnitOfWork
    account: Account
    roles: frozenset[str]
    procedure: Procedure
    action: Action
    project: dict[str, Any] | None
    data: dict[str, Any]
    calendar: WorkingCalendar

    @property
    def now(self) -> datetime:
        """Server time of this command."""
        return self.uow.now

    @property
    def conn(self) -> Connection:
        """The command's database connection."""
        return self.uow.conn

    def rule(self, key: str) -> rules.Rule:
        """The rule in force for this project (or for a project created now)."""
        method = self.procedure.code
        if self.project is not None:
            on = date.fromisoformat(self.project["rule_date"])
            region = self.project["center"]
        else:
            on = self.now.astimezone(SHANGHAI).date()
            region = self.data.get("center") or ""
        return rules.resolve(key, method, region, on)

    def emit(
        self, type_: str, payload: Mapping[str, Any], documents: tuple[str, ...] = ()
    ) -> RecordedEvent:
        """Append an additional event about this project."""
        code = self.project["code"] if self.project else self.data["code"]
        body = {"project": code, **payload}
        return self.uow.emit(NewEvent(type_, "project", code, body, documents))


Effect = Callable[[Context], Outcome]
EFFECTS: dict[str, tuple[Effect, frozenset[str]]] = {}


def effect(name: str, outcomes: tuple[str, ...] = ()) -> Callable[[Effect], Effect]:
    """Register a reusable effect; `outcomes` are the branches a declaration must map."""

    def register(fn: Effect) -> Effect:
        EFFECTS[name] = (fn, frozenset(outcomes))
        return fn

    return register


@effect("record")
def _record(ctx: Context) -> Outcome:
    """Append the action's event with its inputs; dates among them are set on the project."""
    dates = {k: v for k, v in ctx.data.items() if isinstance(v, str) and _is_iso(v)}
    return Outcome(payload=dict(ctx.data), set=dates)


# ---------------------------------------------------------------- registry of methods


def register_procedure(proc: Procedure) -> Procedure:
    """Check a declaration and make it runnable; also wires its events to the projection."""
    effects = {name: outs for name, (_, outs) in EFFECTS.items()}
    check_declaration(proc, effects, rules.keys_for(proc.code), set(EVENT_TYPES))
    PROCEDURES[proc.code] = proc
    for action in proc.actions:  # each event type is projected once, whatever the methods
        if action.event in _PROJECTED:
            continue
        projector(action.event)(_project_created if action.creates else _project_changed)
        _PROJECTED.add(action.event)
    return proc


_PROJECTED: set[str] = set()


def get_procedure(code: str) -> Procedure:
    """A registered method, or a 404."""
    if code not in PROCEDURES:
        raise not_found(f"交易方式 {code}", f"method {code}")
    return PROCEDURES[code]


# ---------------------------------------------------------------- projection


def _project_created(conn: Connection, ev: RecordedEvent) -> None:
    p = ev.payload
    conn.execute(
        projects.insert().values(
            code=ev.subject_id,
            center=p["center"],
            method=p["method"],
            title=p["title"],
            tenderee=p["tenderee"],
            agency=p.get("agency"),
            estimated_price=p["estimated_price"],
            stage=p["stage"],
            data=json.dumps(p.get("set", {}), ensure_ascii=False),
            rule_date=p["rule_date"],
            created_at=ev.recorded_at,
            updated_at=ev.recorded_at,
            last_seq=ev.seq,
        )
    )


def _project_changed(conn: Connection, ev: RecordedEvent) -> None:
    p = ev.payload
    row = conn.execute(select(projects.c.data).where(projects.c.code == ev.subject_id)).first()
    if row is None:
        return
    values: dict[str, Any] = {"updated_at": ev.recorded_at, "last_seq": ev.seq}
    if p.get("stage"):
        values["stage"] = p["stage"]
    if p.get("set"):
        data = json.loads(row.data)
        data.update(p["set"])
        values["data"] = json.dumps(data, ensure_ascii=False)
    conn.execute(update(projects).where(projects.c.code == ev.subject_id).values(**values))


def project_changed(conn: Connection, ev: RecordedEvent) -> None:
    """Projection step for extra project events that change stage or dates."""
    _project_changed(conn, ev)


def _project_dict(row: Any) -> dict[str, Any]:
    d = dict(row._mapping)
    d["data"] = json.loads(d["data"])
    return d


def get_project(conn: Connection, code: str) -> dict[str, Any]:
    """A project's current state, or a 404."""
    row = conn.execute(select(projects).where(projects.c.code == code.strip().upper())).first()
    if row is None:
        raise not_found(f"项目 {code}", f"project {code}")
    return _project_dict(row)


def list_projects(
    conn: Connection,
    *,
    center: str | None = None,
    stage: str | None = None,
    party: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Projects, newest first, filtered by center, stage or a tenderee/agency entity."""
    q = select(projects).order_by(projects.c.created_at.desc()).limit(limit)
    if center:
        q = q.where(projects.c.center == center)
    if stage:
        q = q.where(projects.c.stage == stage)
    if party:
        q = q.where((projects.c.tenderee == party) | (projects.c.agency == party))
    return [_project_dict(r) for r in conn.execute(q)]


# ---------------------------------------------------------------- roles and moments


def roles_for(conn: Connection, account: Account, project: dict[str, Any] | None) -> frozenset[str]:
    """The roles an account holds for a project (or for creating one)."""
    roles: set[str] = set()
    if "center_staff" in account.roles and (project is None or account.center == project["center"]):
        roles.add("center_staff")
    if "regulator" in account.roles:
        roles.add("regulator")
    if account.entity:
        entity = find_entity(conn, account.entity)
        kinds = set(entity["kinds"]) if entity else set()
        if project is None:
            roles |= kinds & {"tenderee", "agency"}
        else:
            if account.entity == project["tenderee"]:
                roles.add("tenderee")
            if account.entity == project.get("agency"):
                roles.add("agency")
            if "bidder" in kinds and not roles & {"tenderee", "agency"}:
                roles.add("bidder")
    return frozenset(roles)


def _is_iso(text: str) -> bool:
    if len(text) < 19 or text[4] != "-" or "T" not in text:
        return False
    try:
        datetime.fromisoformat(text)
        return True
    except ValueError:
        return False


def moment(ref: str, ctx: Context) -> datetime | None:
    """Resolve `now`, `field:x` or `project:x` to a time (None if not set)."""
    if ref == "now":
        return ctx.now
    kind, _, name = ref.partition(":")
    value = ctx.data.get(name) if kind == "field" else (ctx.project or {}).get("data", {}).get(name)
    if value is None:
        return None
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def moment_of(ref: str, project: dict[str, Any]) -> datetime | None:
    """A project's named moment (`project:bid_deadline`) as a datetime, or None."""
    kind, _, name = ref.partition(":")
    value = project["data"].get(name) if kind == "project" else None
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _shanghai_date(dt: datetime) -> date:
    return dt.astimezone(SHANGHAI).date()


# ---------------------------------------------------------------- inputs


def clean_inputs(action: Action, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate an action's inputs against its declared fields; unknown keys are refused."""
    if not isinstance(raw, Mapping):
        raise DomainError(
            "invalid-body", "请求内容须为 JSON 对象", "the request body must be a JSON object"
        )
    known = {f.name for f in action.fields}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise DomainError(
            "unknown-field",
            f"不认识的字段：{', '.join(unknown)}",
            f"unknown field(s): {', '.join(unknown)}",
            fields=unknown,
        )
    out: dict[str, Any] = {}
    for f in action.fields:
        value = raw.get(f.name)
        if value is None or value == "":
            if f.required:
                raise DomainError(
                    "missing-field", f"请填写{f.zh}", f"{f.en} is required", field=f.name
                )
            continue
        out[f.name] = _clean_value(f, value)
    return out


def _clean_value(f: Any, value: Any) -> Any:
    bad = DomainError("invalid-field", f"{f.zh}格式不正确", f"{f.en} is not valid", field=f.name)
    if f.kind in ("text", "longtext"):
        if not isinstance(value, str):
            raise bad
        text = value.strip()
        if len(text) > f.max_len:
            raise DomainError(
                "field-too-long",
                f"{f.zh}不能超过 {f.max_len} 个字符",
                f"{f.en} exceeds {f.max_len} characters",
                field=f.name,
            )
        return text
    if f.kind == "money":
        if isinstance(value, bool | float):
            raise DomainError(
                "invalid-amount",
                f'{f.zh}须以元为单位的字符串或整数给出（如 "1234.56"）',
                f'{f.en} must be given in yuan as a string or integer (e.g. "1234.56")',
                field=f.name,
            )
        fen = parse_yuan(value)
        if fen <= 0:
            raise DomainError(
                "invalid-amount", f"{f.zh}必须大于零", f"{f.en} must be positive", field=f.name
            )
        return fen
    if f.kind == "int":
        if isinstance(value, bool):
            raise bad
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise bad from None
        if number < 0 or number > 10**9:
            raise bad
        return number
    if f.kind == "bool":
        if isinstance(value, bool):
            return value
        if value in ("true", "1", "on", "yes"):
            return True
        if value in ("false", "0", "off", "no"):
            return False
        raise bad
    if f.kind == "datetime":
        if not isinstance(value, str):
            raise bad
        try:
            dt = datetime.fromisoformat(value.strip())
        except ValueError:
            raise bad from None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=SHANGHAI)  # a time without offset is Beijing time
        return dt.astimezone(SHANGHAI).isoformat()
    if f.kind == "document":
        text = str(value).strip().lower()
        if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
            raise DomainError(
                "invalid-document",
                f"{f.zh}须为已上传文件的 SHA-256",
                f"{f.en} must be the SHA-256 of an uploaded file",
                field=f.name,
            )
        return text
    if f.kind == "entity":
        from ggzy.core.codes import validate_credit_code

        return validate_credit_code(str(value))
    if f.kind == "json":
        return value
    raise bad


# ---------------------------------------------------------------- the engine


def calendar_for(conn: Connection, center: str | None) -> WorkingCalendar:
    """The working-day calendar of a center (statutory holidays plus the center's additions)."""
    from ggzy.procedures.calendar_days import center_calendar

    return center_calendar(conn, center)


# Checks every action passes before its effect (modules register theirs: ggzy.credit); each
# returns what it checked, for the action's event, or raises a DomainError.
ACTION_CHECKS: list[Callable[[Context], dict[str, Any]]] = []


def perform(
    uow: UnitOfWork,
    account: Account,
    project_code: str | None,
    action_name: str,
    raw: Mapping[str, Any],
    *,
    method: str | None = None,
) -> dict[str, Any]:
    """Run one action of a project's method (or the creating action of `method`)."""
    if project_code is None:
        proc = get_procedure(method or "")
        action = proc.creating_action
        if action_name != action.name:
            raise not_found(f"操作 {action_name}", f"action {action_name}")
        project = None
    else:
        project = get_project(uow.conn, project_code)
        proc = get_procedure(project["method"])
        found = proc.action(action_name)
        if found is None or found.creates:
            raise not_found(f"操作 {action_name}", f"action {action_name}")
        action = found
    roles = roles_for(uow.conn, account, project) | (
        {"system"} if account.username == "system" else set()
    )
    if not roles & action.roles:
        allowed = "、".join(ROLE_NAMES[r][0] for r in sorted(action.roles))
        allowed_en = ", ".join(ROLE_NAMES[r][1] for r in sorted(action.roles))
        raise forbidden(
            f"无权执行“{action.zh}”：仅限{allowed}",
            f"'{action.en}' is only for: {allowed_en}",
            action=action.name,
        )
    if project is not None and project["stage"] not in action.stages:
        stage = proc.stage(project["stage"])
        raise DomainError(
            "wrong-stage",
            f"项目当前处于“{stage.zh}”阶段，不能执行“{action.zh}”",
            f"the project is in stage '{stage.en}'; '{action.en}' is not possible now",
            status=409,
            stage=project["stage"],
            action=action.name,
        )
    if project is not None and project["data"].get("suspended") and not action.while_suspended:
        reason = project["data"]["suspended"].get("reason", "")
        raise DomainError(
            "project-suspended",
            f"项目已被暂停（{reason}），恢复前不能{action.zh}",
            f"the project is suspended ({reason}): '{action.en}' must wait until it resumes",
            status=409,
            action=action.name,
        )
    data = clean_inputs(action, raw)
    attached = _attached_documents(uow.conn, action, data)
    center = project["center"] if project else data.get("center")
    ctx = Context(uow, account, roles, proc, action, project, data, calendar_for(uow.conn, center))
    _check_time(ctx)
    _check_periods(ctx)
    checked: dict[str, Any] = {}
    for check in ACTION_CHECKS:  # e.g. credit (失信联合惩戒): refuse, or keep what was checked
        checked |= check(ctx)
    fn, _ = EFFECTS[action.effect]
    outcome = fn(ctx)
    new_stage = action.outcomes[outcome.name] if outcome.name else action.to_stage
    payload: dict[str, Any] = {"action": action.name, **outcome.payload, **checked}
    if attached:  # which uploaded file each document input named (资料要件, for the archive)
        payload["attached"] = attached
    documents = tuple(dict.fromkeys((*outcome.documents, *attached.values())))
    if new_stage:
        payload["stage"] = new_stage
    if outcome.set:
        payload["set"] = outcome.set
    if project is None:
        code = ctx.data["code"]
        payload = {"project": code, **payload}
        ev = uow.emit(NewEvent(action.event, "project", code, payload, documents), center=center)
    else:
        ev = ctx.emit(outcome.event or action.event, payload, documents)
    return {
        "seq": ev.seq,
        "event": ev.type,
        "stage": new_stage,
        "project": ev.subject_id,
        **outcome.result,
    }


def _attached_documents(conn: Connection, action: Action, data: dict[str, Any]) -> dict[str, str]:
    """The uploaded documents an action's inputs name, each checked to exist in the store."""
    from ggzy.core.documents import document_info

    found: dict[str, str] = {}
    for f in action.fields:
        if f.kind != "document" or f.name not in data:
            continue
        if document_info(conn, data[f.name]) is None:
            label = f.zh.split("（")[0]
            raise DomainError(
                "unknown-document",
                f"{label}尚未上传：没有 SHA-256 为 {data[f.name][:12]}… 的已上传文件",
                f"{f.en}: no uploaded file has the SHA-256 {data[f.name][:12]}…",
                field=f.name,
            )
        found[f.name] = data[f.name]
    return found


def _check_time(ctx: Context) -> None:
    a = ctx.action
    if a.before:
        limit = moment(a.before, ctx)
        if limit is not None and ctx.now >= limit:
            raise DomainError(
                "too-late",
                f"已过截止时间（{format_shanghai(limit)}），不能再{a.zh}",
                f"the deadline ({format_shanghai(limit)} Beijing time) has passed: "
                f"'{a.en}' is refused",
                status=409,
                deadline=limit.isoformat(),
            )
    if a.not_before:
        start = moment(a.not_before, ctx)
        if start is None or ctx.now < start:
            when = format_shanghai(start) if start else "—"
            raise DomainError(
                "too-early",
                f"未到时间（{when}），不能{a.zh}",
                f"not before {when} Beijing time: '{a.en}' is refused",
                status=409,
            )
    if a.within:
        rule = ctx.rule(a.within[0])
        start = moment(a.within[1], ctx)
        if start is not None:
            last = ctx.calendar.period_end(_shanghai_date(start), rule.value, rule.working)
            if _shanghai_date(ctx.now) > last:
                raise DomainError(
                    "period-expired",
                    f"“{a.zh}”须在 {last.isoformat()} 前完成：{rule.describe_zh()}",
                    f"'{a.en}' was due by {last.isoformat()}: {rule.describe_en()}",
                    status=409,
                    rule=rule.key,
                )


def _check_periods(ctx: Context) -> None:
    for period in ctx.action.periods:
        rule = ctx.rule(period.rule)
        start, end = moment(period.start, ctx), moment(period.end, ctx)
        if start is None or end is None:
            continue
        last = ctx.calendar.period_end(_shanghai_date(start), rule.value, rule.working)
        if end < start or _shanghai_date(end) < last:
            raise DomainError(
                "period-too-short",
                f"期限不足：{rule.describe_zh()}；最早可为 {last.isoformat()}",
                f"period too short: {rule.describe_en()}; "
                f"the earliest allowed is {last.isoformat()}",
                rule=rule.key,
                earliest=last.isoformat(),
            )


def next_deal_code(conn: Connection, region: str, year: int, category: str) -> str:
    """The next unified deal code for a region, year and category (commands are serialised)."""
    prefix = f"{region}{year:04d}{category}"
    count = conn.execute(
        select(func.count()).select_from(projects).where(projects.c.code.like(prefix + "%"))
    ).scalar_one()
    return make_deal_code(region, year, category, int(count) + 1)


@effect("register_project")
def _register_project(ctx: Context) -> Outcome:
    """Register a project under a method: unified deal code, tenderee, agency, prices."""
    d = ctx.data
    center = get_center(ctx.conn, d["center"])
    own = ctx.account.entity
    if "agency" in ctx.roles and d.get("tenderee") and d["tenderee"] != own:
        tenderee, agency = d["tenderee"], own
    elif "tenderee" in ctx.roles:
        tenderee, agency = own, None
    else:
        raise DomainError(
            "tenderee-required",
            "代理机构登记项目须填写招标人",
            "an agency must name the tenderee",
        )
    entity = find_entity(ctx.conn, tenderee or "")
    if entity is None or "tenderee" not in entity["kinds"]:
        raise DomainError(
            "invalid-tenderee",
            f"招标人 {tenderee} 未登记为招标人/采购人",
            f"{tenderee} is not a registered tenderee",
        )
    if d.get("max_price") and d["max_price"] > d["estimated_price"] * 10:
        raise DomainError(
            "invalid-max-price",
            "最高投标限价明显不合理",
            "the maximum bid price is implausible",
        )
    year = ctx.now.astimezone(SHANGHAI).year
    code = next_deal_code(ctx.conn, center["code"], year, ctx.procedure.deal_category)
    ctx.data["code"] = code
    attrs = {
        k: v
        for k, v in d.items()
        if k not in ("center", "title", "tenderee", "estimated_price", "code", "follows")
    }
    if d.get("follows"):  # a re-tender or a change of method after a failure
        from ggzy.procedures.followup import follow_up

        attrs |= follow_up(ctx, d["follows"], tenderee or "")
    payload = {
        "center": center["code"],
        "method": ctx.procedure.code,
        "title": d["title"],
        "tenderee": tenderee,
        "agency": agency,
        "estimated_price": d["estimated_price"],
        "rule_date": ctx.now.astimezone(SHANGHAI).date().isoformat(),
    }
    return Outcome(
        payload=payload, set={**attrs, "registered_at": ctx.now.isoformat()}, result={"code": code}
    )


def _event_types() -> None:
    event_type("ProjectRegistered", "项目已登记赋码", "project registered and coded")


_event_types()
