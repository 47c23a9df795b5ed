"""Bid bonds (投标保证金): cash to the project's virtual account, or an electronic guarantee.

Cash arrives on the project's own sub-account (保证金子账号) and must come from the bidder's
basic account, so in the bidder's name (实施条例 art. 26); government procurement takes no
cash (政府采购法实施条例 art. 33), which the rule table says per method. An electronic
guarantee (电子保函) is a JSON letter signed with the certificate of a registered financial
institution; the platform checks the signature, the institution, the beneficiary (the
tenderee), the applicant, the project, the amount and the validity, and anyone can verify a
guarantee by its code. Bonds are refunded within the rule's period after the contract.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from ggzy.core.calendar import SHANGHAI
from ggzy.core.errors import DomainError
from ggzy.core.events import event_type
from ggzy.core.money import parse_yuan, to_capitals
from ggzy.core.projections import row_to_event
from ggzy.core.tables import events
from ggzy.procedures.engine import Context, Outcome, effect
from ggzy.procedures.signing import check_entity_signature
from ggzy.registry.handlers import find_entity

event_type("BondPaid", "投标保证金已到账", "bid bond received", public=False)
event_type("GuaranteeLodged", "电子保函已提交", "electronic guarantee lodged", public=False)
event_type("BondsRefunded", "投标保证金已退还", "bid bonds refunded")

GUARANTEE_FIELDS = ("code", "guarantor", "beneficiary", "applicant", "project", "amount")


def virtual_account(project: str) -> str:
    """The project's bond sub-account (保证金子账号) at the center's settlement bank."""
    return f"GGZY{project}"


def _bad(zh: str, en: str, **extra: Any) -> DomainError:
    return DomainError(
        "guarantee-invalid", f"电子保函无效：{zh}", f"invalid guarantee: {en}", **extra
    )


def bonds_of(conn: Connection, project: str) -> dict[str, dict[str, Any]]:
    """Each bidder's bond: cash received or guarantee lodged (the last one counts)."""
    q = select(events).where(
        events.c.subject_type == "project",
        events.c.subject_id == project,
        events.c.type.in_(("BondPaid", "GuaranteeLodged")),
    )
    found: dict[str, dict[str, Any]] = {}
    for row in conn.execute(q.order_by(events.c.seq)):
        ev = row_to_event(row)
        found[str(ev.payload["bidder"])] = {
            "kind": "cash" if ev.type == "BondPaid" else "guarantee",
            **ev.payload,
            "seq": ev.seq,
        }
    return found


def bond_status(conn: Connection, project: dict[str, Any], bidder: str) -> dict[str, Any]:
    """What the opening reads out (唱标): paid in cash, guaranteed, or missing."""
    if not project["data"].get("bid_bond"):
        return {"status": "not-required", "zh": "不要求", "en": "not required"}
    bond = bonds_of(conn, project["code"]).get(bidder)
    if bond is None:
        return {"status": "missing", "zh": "未缴纳", "en": "missing"}
    if bond["kind"] == "cash":
        return {
            "status": "cash",
            "zh": "现金已到账",
            "en": "paid in cash",
            "amount": bond["amount"],
        }
    return {
        "status": "guarantee",
        "zh": "电子保函",
        "en": "electronic guarantee",
        "amount": bond["amount"],
        "code": bond["code"],
    }


def _required(ctx: Context) -> int:
    p = ctx.project
    assert p is not None
    due = p["data"].get("bid_bond")
    if not due:
        raise DomainError(
            "bond-not-required", "本项目不要求投标保证金", "this project asks no bid bond", 409
        )
    return int(due)


@effect("record_bond_payment")
def _paid(ctx: Context) -> Outcome:
    """The center records cash received on the project's sub-account from a bidder."""
    p = ctx.project
    assert p is not None
    due = _required(ctx)
    cash = ctx.rule("bond_cash_allowed")
    if not cash.value:
        raise DomainError(
            "cash-bond-refused",
            f"本交易方式的投标保证金不得以现金形式缴纳（{cash.source}）",
            f"this method takes no cash bond ({cash.source})",
        )
    entity = find_entity(ctx.conn, ctx.data["bidder"])
    if entity is None or "bidder" not in entity["kinds"]:
        raise DomainError("unknown-bidder", "不是已登记的投标人", "not a registered bidder")
    if ctx.data["payer_name"].strip() != entity["name"]:
        raise DomainError(
            "bond-not-from-bidder",
            f"保证金须从投标人基本账户转出（户名应为“{entity['name']}”）（实施条例 第26条）",
            "the bond must come from the bidder's own basic account (Regulation art. 26)",
            field="payer_name",
        )
    if ctx.data["amount"] < due:
        raise DomainError(
            "bond-short",
            f"到账金额少于应缴保证金 {to_capitals(due)}",
            "less than the bid bond",
            field="amount",
        )
    return Outcome(
        payload={
            "bidder": entity["credit_code"],
            "amount": ctx.data["amount"],
            "account": virtual_account(p["code"]),
            "reference": ctx.data["reference"],
        }
    )


@effect("lodge_guarantee")
def _lodge(ctx: Context) -> Outcome:
    """A bidder lodges an electronic guarantee signed by a registered financial institution."""
    p = ctx.project
    assert p is not None
    due = _required(ctx)
    sha = ctx.data["guarantee"]
    try:
        letter = json.loads(ctx.uow.platform.documents.read(sha))
    except (ValueError, UnicodeDecodeError):
        raise _bad("保函须为 JSON 文件", "the guarantee must be a JSON letter") from None
    if not isinstance(letter, dict) or any(not letter.get(k) for k in GUARANTEE_FIELDS):
        raise _bad(f"缺少字段（须有 {', '.join(GUARANTEE_FIELDS)}）", "fields are missing")
    guarantor = find_entity(ctx.conn, str(letter["guarantor"]))
    if guarantor is None or "guarantor" not in guarantor["kinds"]:
        raise _bad("出具人不是平台登记的金融机构", "the guarantor is not a registered institution")
    bidder = ctx.account.entity or ""
    checks = (
        (letter["project"] == p["code"], "保函载明的项目不是本项目", "another project"),
        (letter["beneficiary"] == p["tenderee"], "受益人不是本项目招标人", "another beneficiary"),
        (letter["applicant"] == bidder, "申请人不是本投标人", "another applicant"),
    )
    for ok, zh, en in checks:
        if not ok:
            raise _bad(zh, en)
    amount = parse_yuan(str(letter["amount"]))
    if amount < due:
        raise _bad(f"担保金额少于应缴保证金 {to_capitals(due)}", "the amount is below the bond")
    deadline = datetime.fromisoformat(p["data"]["bid_deadline"])
    until = letter.get("valid_until")
    if not until or datetime.fromisoformat(str(until)).astimezone(SHANGHAI) < deadline:
        raise _bad("有效期须覆盖投标有效期（至少至投标截止）", "it expires before the deadline")
    verified = check_entity_signature(
        ctx, sha, ctx.data["signature"], guarantor["credit_code"], "保函签章", "guarantee signature"
    )
    return Outcome(
        payload={
            "bidder": bidder,
            "code": str(letter["code"]),
            "guarantor": guarantor["credit_code"],
            "guarantor_name": guarantor["name"],
            "amount": amount,
            "valid_until": str(until),
            "guarantee": sha,
            "signature": verified.to_dict(),
        },
        documents=(sha,),
    )


@effect("refund_bonds")
def _refund(ctx: Context) -> Outcome:
    """Refund every cash bond (with bank interest) and release the guarantees, after the
    contract; a refund later than the rule's period is recorded as late."""
    p = ctx.project
    assert p is not None
    bonds = bonds_of(ctx.conn, p["code"])
    if p["data"].get("bonds_refunded_at"):
        raise DomainError("already-refunded", "保证金已退还", "bonds already refunded", 409)
    start = p["data"].get("contract_signed_at") or p["data"].get("terminated_at")
    start = start or p["data"].get("failed_at")
    rule = ctx.rule("bond_refund_within_days")
    late = False
    if start:
        day = datetime.fromisoformat(start).astimezone(SHANGHAI).date()
        last = ctx.calendar.period_end(day, rule.value, rule.working)
        late = ctx.now.astimezone(SHANGHAI).date() > last
    rate = ctx.data.get("interest_rate_bp", 0)  # basis points a year, the bank's demand rate
    refunds = []
    for bidder, bond in sorted(bonds.items()):
        if bond["kind"] != "cash":
            refunds.append({"bidder": bidder, "kind": "guarantee", "released": bond["code"]})
            continue
        paid = row_time(ctx.conn, bond["seq"])
        days = max(0, (ctx.now - paid).days)
        interest = bond["amount"] * rate * days // (10_000 * 365)
        refunds.append(
            {
                "bidder": bidder,
                "kind": "cash",
                "amount": bond["amount"],
                "interest": interest,
                "total": bond["amount"] + interest,
            }
        )
    if not refunds:
        raise DomainError("no-bonds", "没有需要退还的保证金", "no bond to refund", 409)
    return Outcome(
        payload={"refunds": refunds, "late": late, "rule": rule.key, "basis": rule.source},
        set={"bonds_refunded_at": ctx.now.isoformat()},
    )


def row_time(conn: Connection, seq: int) -> datetime:
    """When the event seq was recorded."""
    row = conn.execute(select(events.c.recorded_at).where(events.c.seq == seq)).first()
    assert row is not None
    return row.recorded_at  # type: ignore[no-any-return]


def verify_guarantee(conn: Connection, code: str) -> dict[str, Any]:
    """Anyone may check a guarantee by its code: valid, for which project, by whom, how much
    (the applicant stays confidential: who bids is secret until the opening)."""
    q = select(events).where(events.c.type == "GuaranteeLodged").order_by(events.c.seq)
    for row in conn.execute(q):
        ev = row_to_event(row)
        if ev.payload.get("code") == code:
            return {
                "code": code,
                "found": True,
                "project": ev.subject_id,
                "guarantor": ev.payload["guarantor"],
                "guarantor_name": ev.payload["guarantor_name"],
                "amount": ev.payload["amount"],
                "amount_capitals": to_capitals(ev.payload["amount"]),
                "valid_until": ev.payload["valid_until"],
                "signature_ok": bool(ev.payload["signature"]["ok"]),
                "lodged_at": ev.recorded_at.isoformat(),
            }
    return {"code": code, "found": False}
