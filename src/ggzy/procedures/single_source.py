"""单一来源采购: the sole supplier is publicised first, then the price is negotiated with it.

政府采购法 arts. 31 and 39; 实施条例 art. 38 (publicity of at least 5 working days when the
ground is that only one supplier can meet the need); rules.md §1.2.
"""

from __future__ import annotations

from datetime import datetime

from ggzy.core.documents import document_info
from ggzy.core.errors import DomainError
from ggzy.core.events import event_type
from ggzy.core.money import to_capitals
from ggzy.procedures.engine import Context, Outcome, effect
from ggzy.procedures.signing import check_entity_signature
from ggzy.registry.handlers import find_entity

event_type("SingleSourcePublicized", "单一来源采购公示", "single-source publicity")
event_type("SingleSourceNegotiated", "单一来源协商完成", "single-source negotiation recorded")


@effect("single_source_publicity")
def _publicity(ctx: Context) -> Outcome:
    """Publish the sole supplier, the reason and the publicity period (单一来源公示)."""
    supplier = find_entity(ctx.conn, ctx.data["supplier"])
    if supplier is None or "bidder" not in supplier["kinds"]:
        raise DomainError(
            "unknown-supplier",
            "拟定的唯一供应商须为已登记的供应商（投标人）",
            "the proposed sole supplier must be a registered supplier",
            field="supplier",
        )
    end = datetime.fromisoformat(ctx.data["publicity_end"])
    payload = {
        "supplier": supplier["credit_code"],
        "supplier_name": supplier["name"],
        "reason": ctx.data["reason"],
        "publicity_start": ctx.now.isoformat(),
        "publicity_end": end.isoformat(),
    }
    return Outcome(
        payload=payload,
        set={
            "supplier": supplier["credit_code"],
            "publicity_start": ctx.now.isoformat(),
            "publicity_end": end.isoformat(),
        },
    )


@effect("record_single_source_negotiation")
def _negotiated(ctx: Context) -> Outcome:
    """Record the negotiated price, confirmed by the supplier's signature over the minutes.

    The price may not exceed the budget; the negotiation record (协商情况记录) is stored and
    the supplier becomes the sole ranked candidate, so the award follows as in other methods.
    """
    p = ctx.project
    assert p is not None
    supplier = p["data"]["supplier"]
    minutes = ctx.data["minutes"]
    if document_info(ctx.conn, minutes) is None:
        raise DomainError(
            "unknown-document",
            "协商情况记录尚未上传",
            "the negotiation record has not been uploaded",
            field="minutes",
        )
    price = ctx.data["price"]
    if price > p["estimated_price"]:
        raise DomainError(
            "over-budget",
            f"成交价格（{to_capitals(price)}）超过采购预算（{to_capitals(p['estimated_price'])}）",
            "the negotiated price exceeds the budget",
            field="price",
        )
    verified = check_entity_signature(
        ctx, minutes, ctx.data["supplier_signature"], supplier, "供应商确认签章", "confirmation"
    )
    entity = find_entity(ctx.conn, supplier)
    name = entity["name"] if entity else supplier
    candidate = {
        "rank": 1,
        "bidder": supplier,
        "bidder_name": name,
        "price": price,
        "price_capitals": to_capitals(price),
        "evaluated_price": price,
    }
    return Outcome(
        payload={
            "supplier": supplier,
            "price": price,
            "price_capitals": to_capitals(price),
            "minutes": minutes,
            "signature": verified.to_dict(),
        },
        documents=(minutes,),
        set={
            "candidates": [candidate],
            "evaluated_at": ctx.now.isoformat(),
            "negotiation_record": minutes,
        },
    )
