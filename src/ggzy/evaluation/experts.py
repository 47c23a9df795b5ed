"""The expert pool (评标专家库), shared by every center of the network.

An expert applies online (在线征集): name, resident ID number (GB 11643, validated, stored only
masked and hashed), employer (unified social credit code), region (GB/T 2260), specialities of
the classification (src/ggzy/data/expert_specialities.json), professional title and years of
practice, with an account to sign in with. Center staff review the application; an admitted
expert may declare leave; a regulator may blacklist one for a period; center staff rate each
expert after an evaluation (履职评价). Every step is an event, confidential (experts' identities
are secret, Reg. 46) but shared with peer nodes, so the pool is one pool across the network.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select, update

from ggzy.core.calendar import SHANGHAI
from ggzy.core.codes import (
    mask_resident_id,
    validate_credit_code,
    validate_region_code,
    validate_resident_id,
)
from ggzy.core.errors import DomainError, forbidden
from ggzy.core.events import NewEvent, RecordedEvent, event_type
from ggzy.core.projections import projector
from ggzy.core.uow import UnitOfWork
from ggzy.evaluation.tables import expert_ratings, experts
from ggzy.registry.handlers import Account, create_account, find_entity

event_type("ExpertApplied", "评标专家已申请入库", "expert applied to the pool", public=False)
event_type("ExpertReviewed", "专家入库申请已审核", "expert application reviewed", public=False)
event_type("ExpertLeaveDeclared", "专家已请假", "expert on leave", public=False)
event_type("ExpertBlacklisted", "专家已列入黑名单", "expert blacklisted", public=False)
event_type("ExpertRated", "专家履职已评价", "expert's performance rated", public=False)
event_type(
    "ExpertRelationsDeclared", "专家已申报回避关系", "expert declared relations", public=False
)

SPECIALITIES_FILE = Path(__file__).resolve().parent.parent / "data" / "expert_specialities.json"
TITLES = ("高级", "正高级", "中级")  # professional title (职称); 评标专家 usually need 高级


@cache
def specialities() -> dict[str, tuple[str, str]]:
    """Speciality code → (中文, English)."""
    data = json.loads(SPECIALITIES_FILE.read_text(encoding="utf-8"))
    return {k: (v[0], v[1]) for k, v in data.items() if not k.startswith("_")}


def _bad(code: str, zh: str, en: str, field: str) -> DomainError:
    return DomainError(code, zh, en, field=field)


def apply(uow: UnitOfWork, data: dict[str, Any]) -> dict[str, Any]:
    """在线征集: an expert's application, with the account it will sign in with."""
    name = str(data.get("name", "")).strip()
    if not 2 <= len(name) <= 40:
        raise _bad("invalid-name", "姓名须为 2–40 字", "the name must be 2-40 characters", "name")
    id_number = validate_resident_id(str(data.get("id_number", "")).strip().upper())
    employer = validate_credit_code(str(data.get("employer", "")).strip().upper())
    region = validate_region_code(str(data.get("region", "")).strip())
    codes = sorted(set(data.get("specialities") or []))
    unknown = [c for c in codes if c not in specialities()]
    if not codes or unknown:
        raise _bad(
            "invalid-speciality",
            f"专业须从分类中选择：{'、'.join(unknown) or '未填写'}",
            f"specialities must come from the classification: {unknown or 'none given'}",
            "specialities",
        )
    title = str(data.get("title", ""))
    if title not in TITLES:
        raise _bad(
            "invalid-title",
            f"职称须为：{'、'.join(TITLES)}",
            "title: 高级, 正高级 or 中级",
            "title",
        )
    years = data.get("years")
    if not isinstance(years, int) or not 0 <= years <= 60:
        raise _bad("invalid-years", "从业年限须为 0–60 的整数", "years must be 0-60", "years")
    id_hash = hashlib.sha256(id_number.encode()).hexdigest()
    taken = uow.conn.execute(select(experts.c.id).where(experts.c.id_hash == id_hash)).first()
    if taken is not None:
        raise DomainError(
            "expert-exists", "该身份证号已申请入库", "this person has already applied", status=409
        )
    username = str(data.get("username", ""))
    account = create_account(
        uow,
        username=username,
        display_name=name,
        password=str(data.get("password", "")),
        roles=["expert"],
    )
    entity = find_entity(uow.conn, employer)
    payload = {
        "username": account.username,
        "name": name,
        "id_masked": mask_resident_id(id_number),
        "id_hash": id_hash,
        "phone": str(data.get("phone", ""))[:20],
        "employer": employer,
        "employer_name": entity["name"] if entity else str(data.get("employer_name", ""))[:200],
        "region": region,
        "specialities": codes,
        "title": title,
        "years": years,
        "relations": _relations(data.get("relations") or [], uow.now.astimezone(SHANGHAI).date()),
    }
    ev = uow.emit(NewEvent("ExpertApplied", "expert", account.username, payload))
    return {"expert": _expert_id(ev), "status": "applied", "username": account.username}


RELATION_KINDS = {  # 回避申报 (政府采购法实施条例 第9条; 评标委员会和评标方法暂行规定 第12条)
    "former_employer": ("原工作单位", "former employer"),
    "director": ("担任董事、监事", "director or supervisor"),
    "shareholder": ("控股股东或实际控制人", "controlling shareholder or actual controller"),
    "relative": ("近亲属任职或担任法定代表人", "a close relative leads or works there"),
    "other": ("其他利害关系", "another interest"),
}


def _relations(raw: Any, today: date) -> list[dict[str, str]]:
    """Validate declared relations: [{kind, credit_code | person, relation, until}]."""
    if not isinstance(raw, list) or len(raw) > 50:
        raise _bad(
            "invalid-relations",
            "回避关系须为列表（最多 50 项）",
            "relations must be a list (at most 50)",
            "relations",
        )
    out: list[dict[str, str]] = []
    for item in raw:
        kind = item.get("kind") if isinstance(item, dict) else None
        if kind not in RELATION_KINDS:
            raise _bad(
                "invalid-relation",
                f"关系类型须为：{'、'.join(RELATION_KINDS)}",
                f"kind must be one of {', '.join(RELATION_KINDS)}",
                "relations",
            )
        entry = {"kind": kind}
        code = str(item.get("credit_code") or "").strip().upper()
        person = str(item.get("person") or "").strip()
        if code:
            entry["credit_code"] = validate_credit_code(code)
        if kind == "relative":
            if not (code or 2 <= len(person) <= 40):
                raise _bad(
                    "invalid-relation",
                    "近亲属须填写其姓名或其单位的统一社会信用代码",
                    "a relative needs a name or the credit code of its entity",
                    "relations",
                )
            if person:
                entry["person"] = person
            entry["relation"] = str(item.get("relation") or "")[:20]
        elif not code:
            raise _bad(
                "invalid-relation",
                f"“{RELATION_KINDS[kind][0]}”须填写单位的统一社会信用代码",
                f"a {RELATION_KINDS[kind][1]} needs the entity's credit code",
                "relations",
            )
        if item.get("until"):
            entry["until"] = _day(item["until"], "until").isoformat()
        elif kind == "former_employer":
            raise _bad(
                "invalid-relation",
                "原工作单位须填写离职日期",
                "a former employer needs the day the employment ended",
                "relations",
            )
        if "until" in entry and entry["until"] > today.isoformat():
            raise _bad(
                "invalid-relation",
                "离职或卸任日期不能晚于今天",
                "the day a relation ended cannot be in the future",
                "relations",
            )
        out.append(entry)
    return out


def declare_relations(uow: UnitOfWork, account: Account, raw: Any) -> dict[str, Any]:
    """An admitted expert declares its relations (回避申报); the list replaces the last one."""
    row = _own_row(uow, account)
    relations = _relations(raw, uow.now.astimezone(SHANGHAI).date())
    payload = {"expert": row.id, "relations": relations}
    uow.emit(NewEvent("ExpertRelationsDeclared", "expert", row.username, payload))
    return payload


@projector("ExpertRelationsDeclared")
def _relations_declared(conn: Connection, ev: RecordedEvent) -> None:
    conn.execute(
        update(experts)
        .where(experts.c.id == ev.payload["expert"])
        .values(relations=json.dumps(ev.payload["relations"], ensure_ascii=False))
    )


def relation_conflict(
    row: Any, parties: list[dict[str, Any]], day: date, former_years: int
) -> str | None:
    """Why an expert must be avoided for these parties (回避), or None.

    parties: {credit_code, legal_representative} of the tenderee, agency and bidders. Grounds:
    the employer is a party; a declared former employment with a party ended within
    `former_years` years of the day; a declared directorship or controlling interest in a
    party (ended within the same years, or not ended); a declared relative who is a party's
    legal representative or works for a party; any other declared interest in a party."""
    codes = {p["credit_code"] for p in parties}
    if row.employer in codes:
        return "employer-conflict"
    since = _years_before(day, former_years).isoformat()
    representatives = {p.get("legal_representative") for p in parties} - {None, ""}
    for rel in json.loads(row.relations or "[]"):
        if rel.get("until") and rel["until"] < since:
            continue  # ended long enough ago
        if rel["kind"] == "relative":
            if rel.get("credit_code") in codes or rel.get("person") in representatives:
                return "relative"
        elif rel.get("credit_code") in codes:
            return {"former_employer": "former-employer", "other": "declared-interest"}.get(
                rel["kind"], "related-entity"
            )
    return None


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _own_row(uow: UnitOfWork, account: Account) -> Any:
    row = uow.conn.execute(select(experts).where(experts.c.username == account.username)).first()
    if row is None or row.status != "active":
        raise DomainError(
            "not-an-expert", "您不是在库专家", "you are not an admitted expert", status=403
        )
    return row


def _expert_id(ev: RecordedEvent) -> str:
    return f"{ev.node_id}-{ev.seq}"


@projector("ExpertApplied")
def _applied(conn: Connection, ev: RecordedEvent) -> None:
    p = ev.payload
    conn.execute(
        experts.insert().values(
            id=_expert_id(ev),
            username=p["username"],
            name=p["name"],
            id_masked=p["id_masked"],
            id_hash=p["id_hash"],
            phone=p["phone"],
            employer=p["employer"],
            employer_name=p["employer_name"],
            region=p["region"],
            specialities=json.dumps(p["specialities"]),
            title=p["title"],
            years=p["years"],
            relations=json.dumps(p.get("relations", []), ensure_ascii=False),
            status="applied",
            applied_at=ev.recorded_at,
            node_id=ev.node_id,
        )
    )


def _expert(conn: Connection, expert_id: str) -> Any:
    row = conn.execute(select(experts).where(experts.c.id == expert_id)).first()
    if row is None:
        raise DomainError("unknown-expert", "没有该专家", "no such expert", status=404)
    return row


def _staff(account: Account, what_zh: str, what_en: str) -> None:
    if not (account.has_role("center_staff") or account.has_role("platform_admin")):
        raise forbidden(f"仅交易中心工作人员可{what_zh}", f"only center staff may {what_en}")


def review(
    uow: UnitOfWork, account: Account, expert_id: str, admit: bool, reason: str = ""
) -> dict[str, Any]:
    """Center staff admit an applicant to the pool, or refuse (with the reason)."""
    _staff(account, "审核专家", "review experts")
    row = _expert(uow.conn, expert_id)
    if row.status != "applied":
        raise DomainError("already-reviewed", "该申请已审核", "already reviewed", status=409)
    if not admit and not reason.strip():
        raise _bad("reason-required", "不予入库须说明理由", "give the reason", "reason")
    payload = {"expert": expert_id, "admitted": admit, "reason": reason.strip()[:500]}
    uow.emit(NewEvent("ExpertReviewed", "expert", row.username, payload))
    return {"expert": expert_id, "status": "active" if admit else "rejected"}


@projector("ExpertReviewed")
def _reviewed(conn: Connection, ev: RecordedEvent) -> None:
    status = "active" if ev.payload["admitted"] else "rejected"
    conn.execute(
        update(experts)
        .where(experts.c.id == ev.payload["expert"])
        .values(status=status, reviewed_at=ev.recorded_at)
    )


def _day(value: Any, field: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise _bad(
            "invalid-date", f"{field} 须为 YYYY-MM-DD", f"{field}: YYYY-MM-DD", field
        ) from None


def declare_leave(
    uow: UnitOfWork, account: Account, start: str, end: str, reason: str
) -> dict[str, Any]:
    """An admitted expert declares a period it cannot be drawn (请假)."""
    row = _own_row(uow, account)
    first, last = _day(start, "start"), _day(end, "end")
    today = uow.now.astimezone(SHANGHAI).date()
    if last < first or last < today:
        raise _bad("invalid-period", "请假期间无效", "the leave period is invalid", "end")
    payload = {
        "expert": row.id,
        "from": first.isoformat(),
        "until": last.isoformat(),
        "reason": reason[:200],
    }
    uow.emit(NewEvent("ExpertLeaveDeclared", "expert", row.username, payload))
    return payload


@projector("ExpertLeaveDeclared")
def _leave(conn: Connection, ev: RecordedEvent) -> None:
    p = ev.payload
    conn.execute(
        update(experts)
        .where(experts.c.id == p["expert"])
        .values(
            leave_from=date.fromisoformat(p["from"]), leave_until=date.fromisoformat(p["until"])
        )
    )


def blacklist(
    uow: UnitOfWork, account: Account, expert_id: str, until: str, reason: str, decision: str
) -> dict[str, Any]:
    """A regulator bars an expert from the pool for a period (黑名单; rules.md §4: checked at
    every draw)."""
    if not (account.has_role("regulator") or account.has_role("platform_admin")):
        raise forbidden("仅行政监督部门可将专家列入黑名单", "only a regulator blacklists experts")
    row = _expert(uow.conn, expert_id)
    last = _day(until, "until")
    if not reason.strip() or not decision.strip():
        raise _bad("reason-required", "须填写理由与决定文号", "give reason and decision", "reason")
    payload = {
        "expert": expert_id,
        "until": last.isoformat(),
        "reason": reason.strip()[:500],
        "decision": decision.strip()[:200],
    }
    uow.emit(NewEvent("ExpertBlacklisted", "expert", row.username, payload))
    return payload


@projector("ExpertBlacklisted")
def _blacklisted(conn: Connection, ev: RecordedEvent) -> None:
    conn.execute(
        update(experts)
        .where(experts.c.id == ev.payload["expert"])
        .values(blacklisted_until=date.fromisoformat(ev.payload["until"]))
    )


def rate(
    uow: UnitOfWork, account: Account, expert_id: str, project: str, score: int, comment: str
) -> dict[str, Any]:
    """履职评价: after an evaluation, center staff rate an expert 1–5, once per project."""
    _staff(account, "评价专家", "rate experts")
    row = _expert(uow.conn, expert_id)
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise _bad("invalid-score", "评分须为 1–5 的整数", "the score must be 1-5", "score")
    done = uow.conn.execute(
        select(expert_ratings.c.expert).where(
            expert_ratings.c.expert == expert_id, expert_ratings.c.project == project
        )
    ).first()
    if done is not None:
        raise DomainError(
            "already-rated", "已评价该专家在本项目的履职", "already rated for this project", 409
        )
    payload = {"expert": expert_id, "project": project, "score": score, "comment": comment[:500]}
    uow.emit(NewEvent("ExpertRated", "expert", row.username, payload))
    return payload


@projector("ExpertRated")
def _rated(conn: Connection, ev: RecordedEvent) -> None:
    p = ev.payload
    conn.execute(
        expert_ratings.insert().values(
            expert=p["expert"],
            project=p["project"],
            score=p["score"],
            comment=p["comment"],
            rated_at=ev.recorded_at,
        )
    )


def status_on(row: Any, on: date) -> str:
    """An expert's standing on a day: applied, rejected, active, on-leave or blacklisted."""
    if row.status != "active":
        return str(row.status)
    if row.blacklisted_until is not None and on <= row.blacklisted_until:
        return "blacklisted"
    if row.leave_from is not None and row.leave_from <= on <= row.leave_until:
        return "on-leave"
    return "active"


def expert_view(conn: Connection, row: Any, on: date) -> dict[str, Any]:
    """An expert as officials see it (never public): masked ID, standing, average rating."""
    avg, count = conn.execute(
        select(func.avg(expert_ratings.c.score), func.count()).where(
            expert_ratings.c.expert == row.id
        )
    ).one()
    return {
        "id": row.id,
        "name": row.name,
        "id_masked": row.id_masked,
        "employer": row.employer,
        "employer_name": row.employer_name,
        "region": row.region,
        "specialities": [
            {"code": c, "zh": specialities().get(c, (c,))[0]} for c in json.loads(row.specialities)
        ],
        "title": row.title,
        "years": row.years,
        "relations": json.loads(row.relations or "[]"),
        "status": status_on(row, on),
        "home_node": row.node_id,
        "rating": {"average": round(float(avg), 2) if avg is not None else None, "count": count},
    }


def pool(conn: Connection, on: date, speciality: str | None = None) -> list[dict[str, Any]]:
    """The pool on a day, optionally of one speciality, as officials see it."""
    rows = conn.execute(select(experts).order_by(experts.c.applied_at)).all()
    return [
        expert_view(conn, r, on)
        for r in rows
        if speciality is None or speciality in json.loads(r.specialities)
    ]
