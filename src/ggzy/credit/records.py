"""Credit records: the lists, the records as events, and the check every tender action runs."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, select, update

from ggzy.core.calendar import SHANGHAI
from ggzy.core.codes import is_valid_credit_code
from ggzy.core.errors import DomainError, forbidden
from ggzy.core.events import NewEvent, RecordedEvent, event_type
from ggzy.core.projections import projector
from ggzy.core.uow import UnitOfWork
from ggzy.credit.tables import credit_records
from ggzy.procedures import engine
from ggzy.procedures.rules import Rule, add_rules
from ggzy.registry.handlers import Account, find_entity

event_type("CreditRecordAdded", "信用记录已登记（失信名单）", "credit record added")
event_type("CreditRecordRepaired", "信用记录已修复或撤销", "credit record repaired")

# list -> (中文, English, source, {domain: bars by default}, confidence)
LISTS: dict[str, tuple[str, str, str, dict[str, int], str]] = {
    "judgment_defaulter": (
        "失信被执行人",
        "judgment defaulter",
        "最高人民法院失信被执行人名单；发改财金〔2016〕141号等联合惩戒备忘录",
        {"construction.": 1, "procurement.": 1, "land.": 1, "mining.": 1},
        "G",
    ),
    "tax_violation": (
        "重大税收违法失信主体",
        "major tax-violation party",
        "税务机关；信用中国；联合惩戒备忘录",
        {"construction.": 1, "procurement.": 1, "land.": 0, "mining.": 0},
        "G",
    ),
    "gp_serious_dishonesty": (
        "政府采购严重违法失信行为记录名单",
        "government-procurement serious dishonesty list",
        "政府采购法 第77条（一至三年内禁止参加政府采购活动）",
        {"construction.": 0, "procurement.": 1, "land.": 0, "mining.": 0},
        "S",
    ),
    "tendering_ban": (
        "取消投标资格",
        "tendering ban",
        "招标投标法实施条例 第67、68条（一至三年内不得参加依法必须进行招标的项目）",
        {"construction.": 1, "procurement.": 0, "land.": 0, "mining.": 0},
        "S",
    ),
    "serious_dishonesty": (
        "严重失信主体名单",
        "serious-dishonesty list",
        "国家企业信用信息公示系统；信用中国（按名单规则，常作资格审查不合格）",
        {"construction.": 0, "procurement.": 0, "land.": 0, "mining.": 0},
        "G",
    ),
    "abnormal_operation": (
        "经营异常名录",
        "abnormal operation list",
        "国家企业信用信息公示系统",
        {"construction.": 0, "procurement.": 0, "land.": 0, "mining.": 0},
        "G",
    ),
}

add_rules(
    *(
        Rule(
            f"credit_bars_{name}",
            bars,
            "count",
            f"列入「{zh}」的主体不得参与（1 禁止，0 仅提示并留存查询记录）",
            f"an entity on the {en} may not take part (1 bars, 0 warns and keeps the check)",
            source,
            confidence,
            domain,
        )
        for name, (zh, en, source, domains, confidence) in LISTS.items()
        for domain, bars in domains.items()
    )
)

# Actions that take part in a tender, and so check credit (by the event they record).
CHECKED_EVENTS = frozenset(
    {
        "TenderDocumentsObtained",
        "BidSubmitted",
        "AuctionBidMade",
        "TransferApplicationSubmitted",
        "ListingQuoteMade",
        "PrequalificationApplied",
        "PrequalificationDocumentsObtained",
    }
)


# Obtaining documents is only warned about: access must not be barred unlawfully (rules.md §4).
WARN_ONLY = frozenset({"TenderDocumentsObtained", "PrequalificationDocumentsObtained"})


def _record_id(ev: RecordedEvent) -> str:
    return f"{ev.node_id}-{ev.seq}"


def _day(value: Any, field: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise DomainError(
            "invalid-date", f"{field} 须为 YYYY-MM-DD", f"{field} must be YYYY-MM-DD", field=field
        ) from None


def add_record(uow: UnitOfWork, account: Account, data: dict[str, Any]) -> dict[str, Any]:
    """Record that an entity is on a credit list (regulators and platform administrators)."""
    if not (account.has_role("regulator") or account.has_role("platform_admin")):
        raise forbidden("仅行政监督部门可登记信用记录", "only a regulator records credit")
    code = str(data.get("credit_code", "")).strip().upper()
    if not is_valid_credit_code(code):
        raise DomainError(
            "invalid-credit-code",
            "统一社会信用代码无效",
            "the unified social credit code is invalid",
            field="credit_code",
        )
    kind = str(data.get("list", ""))
    if kind not in LISTS:
        raise DomainError(
            "unknown-list",
            f"名单须为：{'、'.join(v[0] for v in LISTS.values())}",
            f"the list must be one of: {', '.join(LISTS)}",
            field="list",
        )
    starts = _day(data.get("starts") or uow.now.astimezone(SHANGHAI).date(), "starts")
    ends = _day(data["ends"], "ends") if data.get("ends") else None
    if ends is not None and ends < starts:
        raise DomainError(
            "invalid-period", "结束日期早于开始日期", "ends before it starts", field="ends"
        )
    texts = {}
    for key, zh, limit in (("authority", "决定机关", 200), ("decision", "决定文号", 200)):
        value = str(data.get(key, "")).strip()
        if not value or len(value) > limit:
            raise DomainError(
                "invalid-field", f"{zh}须填写（不超过 {limit} 字）", f"{key} is required", field=key
            )
        texts[key] = value
    reason = str(data.get("reason", "")).strip()[:2000]
    entity = find_entity(uow.conn, code)
    payload = {
        "credit_code": code,
        "entity_name": entity["name"] if entity else None,
        "list": kind,
        "list_zh": LISTS[kind][0],
        **texts,
        "reason": reason,
        "starts": starts.isoformat(),
        "ends": ends.isoformat() if ends else None,
    }
    ev = uow.emit(NewEvent("CreditRecordAdded", "entity", code, payload))
    return {"id": _record_id(ev), **payload}


def repair_record(uow: UnitOfWork, account: Account, record_id: str, reason: str) -> dict[str, Any]:
    """End a record early: credit repair (信用修复) or a revoked decision."""
    if not (account.has_role("regulator") or account.has_role("platform_admin")):
        raise forbidden("仅行政监督部门可修复信用记录", "only a regulator repairs credit")
    row = uow.conn.execute(select(credit_records).where(credit_records.c.id == record_id)).first()
    if row is None:
        raise DomainError("unknown-record", "没有该信用记录", "no such credit record", status=404)
    if row.repaired_at is not None:
        raise DomainError("already-repaired", "该记录已修复", "already repaired", status=409)
    text = reason.strip()[:2000]
    if not text:
        raise DomainError("invalid-field", "须说明修复理由", "give the reason", field="reason")
    payload = {"record": record_id, "credit_code": row.credit_code, "reason": text}
    uow.emit(NewEvent("CreditRecordRepaired", "entity", row.credit_code, payload))
    return payload


@projector("CreditRecordAdded")
def _added(conn: Connection, ev: RecordedEvent) -> None:
    p = ev.payload
    conn.execute(
        credit_records.insert().values(
            id=_record_id(ev),
            credit_code=p["credit_code"],
            list=p["list"],
            authority=p["authority"],
            decision=p["decision"],
            reason=p["reason"],
            starts=date.fromisoformat(p["starts"]),
            ends=date.fromisoformat(p["ends"]) if p["ends"] else None,
            recorded_at=ev.recorded_at,
        )
    )


@projector("CreditRecordRepaired")
def _repaired(conn: Connection, ev: RecordedEvent) -> None:
    conn.execute(
        update(credit_records)
        .where(credit_records.c.id == ev.payload["record"])
        .values(repaired_at=ev.recorded_at, repair_reason=ev.payload["reason"])
    )


def records_in_force(conn: Connection, credit_code: str, on: date) -> list[dict[str, Any]]:
    """The entity's records in force on a day (started, not ended, not repaired)."""
    q = select(credit_records).where(
        credit_records.c.credit_code == credit_code,
        credit_records.c.starts <= on,
        credit_records.c.repaired_at.is_(None),
    )
    return [
        {
            "id": r.id,
            "list": r.list,
            "list_zh": LISTS.get(r.list, (r.list,))[0],
            "authority": r.authority,
            "decision": r.decision,
            "starts": r.starts.isoformat(),
            "ends": r.ends.isoformat() if r.ends else None,
        }
        for r in conn.execute(q.order_by(credit_records.c.recorded_at))
        if r.ends is None or r.ends >= on
    ]


def list_records(conn: Connection, credit_code: str | None = None) -> list[dict[str, Any]]:
    """Credit records (all, or one entity's), newest first, with their status."""
    q = select(credit_records)
    if credit_code:
        q = q.where(credit_records.c.credit_code == credit_code.upper())
    return [
        {
            "id": r.id,
            "credit_code": r.credit_code,
            "list": r.list,
            "list_zh": LISTS.get(r.list, (r.list,))[0],
            "authority": r.authority,
            "decision": r.decision,
            "reason": r.reason,
            "starts": r.starts.isoformat(),
            "ends": r.ends.isoformat() if r.ends else None,
            "repaired_at": r.repaired_at.isoformat() if r.repaired_at else None,
        }
        for r in conn.execute(q.order_by(credit_records.c.recorded_at.desc()).limit(1000))
    ]


def check_credit(ctx: engine.Context) -> dict[str, Any]:
    """Before a tender action: refuse an entity a list bars from this domain; otherwise keep
    what was checked, as evidence, in the action's event."""
    if ctx.action.event not in CHECKED_EVENTS or not ctx.account.entity:
        return {}
    on = ctx.now.astimezone(SHANGHAI).date()
    found = records_in_force(ctx.conn, ctx.account.entity, on)
    barred = [r for r in found if ctx.rule(f"credit_bars_{r['list']}").value]
    if barred and ctx.action.event not in WARN_ONLY:
        first = barred[0]
        raise DomainError(
            "credit-barred",
            f"本单位列入「{first['list_zh']}」（{first['authority']} {first['decision']}），"
            "在此期间不得参与本类交易",
            f"your entity is on the {LISTS[first['list']][1]} ({first['decision']}) and may "
            "not take part in this kind of trading during that period",
            status=403,
            records=[r["id"] for r in barred],
        )
    return {
        "credit_check": {
            "checked_at": ctx.now.isoformat(),
            "result": "listed" if found else "clear",
            "records": [r["id"] for r in found],
        }
    }


engine.ACTION_CHECKS.append(check_credit)
