"""Read models for the API and the pages: what each caller may see of a project.

Before opening nobody sees who obtained documents or who bid, nor how many (招标投标法 art. 22);
a bidder sees only its own receipt. After opening the reading of bids (唱标) is public.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from ggzy.bidding.handlers import bids_of, current_bid, is_holder
from ggzy.core.calendar import SHANGHAI
from ggzy.core.events import EVENT_TYPES, RecordedEvent
from ggzy.core.projections import row_to_event
from ggzy.core.tables import events
from ggzy.procedures import rules
from ggzy.procedures.declaration import ROLE_NAMES, Procedure
from ggzy.procedures.engine import PROCEDURES, get_procedure, roles_for
from ggzy.procedures.tables import questions
from ggzy.registry.handlers import Account, find_entity

PUBLIC_DATA = (
    "announced_at",
    "doc_sale_start",
    "doc_sale_end",
    "bid_deadline",
    "opening_at",
    "bid_bond",
    "max_price",
    "state_capital",
    "investment_code",
    "description",
    "opened_at",
    "failed_at",
    "evaluated_at",
    "publicity_start",
    "publicity_end",
    "awarded_at",
    "winner",
    "award_price",
    "contract_due",
    "registered_at",
    "plan_approved_at",
    "pq_announced_at",
    "pq_sale_start",
    "pq_sale_end",
    "pq_deadline",
    "pq_reviewed_at",
    "invited_at",
    "drawn_at",
    "contract_signed_at",
    "contract_published_at",
    "accepted_at",
    "terminated_at",
)
CANDIDATE_STAGES = {"publicized", "awarded"}


def is_official(account: Account | None, project: dict[str, Any], conn: Connection) -> bool:
    """Tenderee, agency, the project's center staff or a regulator."""
    if account is None:
        return False
    return bool(
        roles_for(conn, account, project) & {"tenderee", "agency", "center_staff", "regulator"}
    )


def project_view(
    conn: Connection, project: dict[str, Any], account: Account | None
) -> dict[str, Any]:
    """A project as the caller may see it."""
    proc = get_procedure(project["method"])
    stage = proc.stage(project["stage"])
    data = project["data"]
    view = {
        "code": project["code"],
        "title": project["title"],
        "center": project["center"],
        "method": proc.code,
        "method_name": proc.zh,
        "stage": stage.name,
        "stage_name": stage.zh,
        "stage_name_en": stage.en,
        "final": stage.final,
        "tenderee": project["tenderee"],
        "tenderee_name": _name(conn, project["tenderee"]),
        "agency": project["agency"],
        "agency_name": _name(conn, project["agency"]) if project["agency"] else None,
        "estimated_price": project["estimated_price"],
        "created_at": project["created_at"].isoformat(),
        "dates": {k: data[k] for k in PUBLIC_DATA if k in data},
        "tender_document": data.get("tender_document"),
    }
    if project["stage"] in CANDIDATE_STAGES or is_official(account, project, conn):
        view["candidates"] = data.get("candidates")
    if account is not None and account.entity:
        view["my"] = {
            "holder": is_holder(conn, project["code"], account.entity),
            "bid": _receipt(current_bid(conn, project["code"], account.entity)),
        }
    if proc.domain in ("land", "mining"):  # the listing board (挂牌信息): quotes by paddle number
        from ggzy.transfer.views import transfer_view

        view["transfer"] = transfer_view(conn, project, account)
    return view


def _receipt(bid: dict[str, Any] | None) -> dict[str, Any] | None:
    if bid is None:
        return None
    return {
        "seq": bid["seq"],
        "status": bid["status"],
        "sealed_sha256": bid["sealed_sha256"],
        "submitted_at": bid["submitted_at"].isoformat(),
    }


def _name(conn: Connection, code: str | None) -> str | None:
    entity = find_entity(conn, code) if code else None
    return entity["name"] if entity else code


def opened_bids(conn: Connection, project: dict[str, Any]) -> list[dict[str, Any]]:
    """The public reading of bids (唱标记录), empty before opening."""
    return [b["opened"] for b in bids_of(conn, project["code"], ("opened",)) if b["opened"]]


def may_read_event(conn: Connection, ev: RecordedEvent, account: Account | None) -> bool:
    """Public events for everyone; confidential ones for their actor, regulators and admins."""
    if ev.public:
        return True
    if account is None:
        return False
    return (
        ev.actor == account.actor
        or account.has_role("regulator")
        or account.has_role("platform_admin")
    )


def event_json(ev: RecordedEvent) -> dict[str, Any]:
    """An event as JSON, with its type's meaning."""
    declared = EVENT_TYPES.get(ev.type)
    return {
        "seq": ev.seq,
        "time": ev.recorded_at.isoformat(),
        "time_beijing": ev.recorded_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
        "node": ev.node_id,
        "center": ev.center,
        "actor": ev.actor,
        "type": ev.type,
        "type_name": declared.zh if declared else ev.type,
        "subject": {"type": ev.subject_type, "id": ev.subject_id},
        "payload": ev.payload,
        "documents": list(ev.documents),
    }


def timeline(conn: Connection, code: str, account: Account | None) -> list[dict[str, Any]]:
    """The project's events the caller may read, oldest first."""
    q = select(events).where(events.c.subject_type == "project", events.c.subject_id == code)
    out = []
    for row in conn.execute(q.order_by(events.c.seq)):
        ev = row_to_event(row)
        if may_read_event(conn, ev, account):
            out.append(event_json(ev))
    return out


def public_notices(
    conn: Connection, limit: int = 50, center: str | None = None
) -> list[dict[str, Any]]:
    """Latest public announcements of every kind (公告), newest first."""
    kinds = [
        "AnnouncementPublished",
        "ClarificationIssued",
        "BidsOpened",
        "TenderFailed",
        "CandidatesPublicized",
        "AwardNoticeIssued",
    ]
    q = select(events).where(events.c.type.in_(kinds))
    if center:
        q = q.where(events.c.center == center)
    rows = conn.execute(q.order_by(events.c.seq.desc()).limit(limit))
    return [event_json(row_to_event(r)) for r in rows]


def questions_view(
    conn: Connection, project: dict[str, Any], account: Account | None
) -> list[dict[str, Any]]:
    """Questions: officials see all (never the asker), a bidder sees its own."""
    if account is None:
        return []
    official = is_official(account, project, conn)
    q = select(questions).where(questions.c.project == project["code"]).order_by(questions.c.seq)
    out = []
    for row in conn.execute(q):
        if official or row.asker == account.entity:
            out.append(
                {
                    "seq": row.seq,
                    "text": row.text,
                    "asked_at": row.asked_at.isoformat(),
                    "answered": bool(row.answered),
                }
            )
    return out


def available_actions(
    conn: Connection, account: Account | None, project: dict[str, Any]
) -> list[dict[str, Any]]:
    """Actions the caller may take in the project's current stage (time guards aside)."""
    if account is None:
        return []
    proc = get_procedure(project["method"])
    roles = roles_for(conn, account, project)
    return [
        action_schema(a)
        for a in proc.actions
        if not a.creates and project["stage"] in a.stages and roles & a.roles
    ]


def action_schema(a: Any) -> dict[str, Any]:
    """An action's declaration as JSON (drives forms and the API docs)."""
    return {
        "name": a.name,
        "zh": a.zh,
        "en": a.en,
        "roles": sorted(a.roles),
        "roles_zh": [ROLE_NAMES[r][0] for r in sorted(a.roles)],
        "stages": sorted(a.stages),
        "to_stage": a.to_stage,
        "outcomes": dict(a.outcomes),
        "fields": [asdict(f) for f in a.fields],
        "periods": [asdict(p) for p in a.periods],
        "before": a.before,
        "not_before": a.not_before,
        "within": list(a.within) if a.within else None,
    }


def procedure_schema(proc: Procedure, region: str = "", on: date | None = None) -> dict[str, Any]:
    """A method's whole declaration with the rules in force for a region and date."""
    on = on or date.today()
    cited = sorted(
        {p.rule for a in proc.actions for p in a.periods}
        | {a.within[0] for a in proc.actions if a.within}
        | {"min_bids", "max_candidates"} & rules.keys_for(proc.code)
    )
    return {
        "code": proc.code,
        "zh": proc.zh,
        "en": proc.en,
        "domain": proc.domain,
        "deal_category": proc.deal_category,
        "basis": proc.basis,
        "stages": [asdict(s) for s in proc.stages],
        "actions": [action_schema(a) for a in proc.actions],
        "rules": [_rule_json(rules.resolve(k, proc.code, region, on)) for k in cited],
    }


def _rule_json(r: rules.Rule) -> dict[str, Any]:
    d = asdict(r)
    d["effective_from"] = r.effective_from.isoformat()
    d["text_zh"] = r.describe_zh()
    return d


def all_procedures() -> list[Procedure]:
    """Every registered method."""
    return list(PROCEDURES.values())


def dumps(value: Any) -> str:
    """JSON for templates."""
    return json.dumps(value, ensure_ascii=False, default=str)
