"""Transfer by tender (招标出让): sealed bids, opened remotely, the highest valid price wins.

招标拍卖挂牌出让国有建设用地使用权规定 (Order 39) lets the transferor award a land tender to
the highest price (价高者得) or to the bid that best meets its comprehensive criteria; this
method declares the highest price, with the confidential reserve price as the floor. Bidders
obtain the tender documents, apply and have their deposit confirmed (竞买申请、保证金), then
seal their bids on their own side exactly as in construction tendering; fewer bids than the
rule's minimum fail at the opening. Equal highest prices go to the earlier bid.
"""

from __future__ import annotations

from ggzy.bidding.handlers import bids_of
from ggzy.core.errors import DomainError, forbidden
from ggzy.core.money import format_yuan, to_capitals
from ggzy.procedures.engine import EFFECTS, Context, Outcome, effect
from ggzy.transfer.applications import application_of, entity_name, reserve_of
from ggzy.transfer.listing import beijing_iso


@effect("announce_transfer_tender")
def _announce(ctx: Context) -> Outcome:
    """The tender announcement: the standard one, its bond being the bid deposit (竞买保证金)."""
    if ctx.data.get("bid_bond") is None:
        raise DomainError(
            "deposit-required",
            "招标出让须在公告中载明投标（竞买）保证金",
            "a transfer tender announces its bid deposit",
            field="bid_bond",
        )
    publish, _ = EFFECTS["publish_announcement"]
    outcome = publish(ctx)
    outcome.set["deposit"] = ctx.data["bid_bond"]
    return outcome


@effect("submit_sealed_bid_with_deposit")
def _submit(ctx: Context) -> Outcome:
    """A sealed bid from a bidder whose application and deposit were confirmed."""
    p = ctx.project
    assert p is not None
    app = application_of(ctx.conn, p["code"], ctx.account.entity)
    if app is None or app["deposit_confirmed_at"] is None:
        raise forbidden(
            "须先提交竞买申请并确认保证金到账，方可递交投标文件",
            "apply and have your deposit confirmed before bidding",
            reason="deposit-not-confirmed",
        )
    submit, _ = EFFECTS["submit_sealed_bid"]
    return submit(ctx)


@effect("evaluate_highest_price", outcomes=("deal", "failed"))
def _evaluate(ctx: Context) -> Outcome:
    """The highest valid bid at or above the reserve price wins; else no deal (流标)."""
    p = ctx.project
    assert p is not None
    opened = [
        b for b in bids_of(ctx.conn, p["code"], ("opened",)) if (b["opened"] or {}).get("valid")
    ]
    reserve = reserve_of(ctx.conn, p["code"])
    if reserve is None:  # pragma: no cover - the announcement requires it
        raise DomainError("no-reserve", "尚未设定底价", "no reserve price", status=409)
    basis = "招标拍卖挂牌出让国有建设用地使用权规定（价高者得）"
    done = beijing_iso(ctx.now)
    disclosed = {"reserve_price": reserve, "reserve_price_capitals": to_capitals(reserve)}
    ranked = sorted(opened, key=lambda b: (-int(b["opened"]["price"]), b["seq"]))
    if not ranked or int(ranked[0]["opened"]["price"]) < reserve:
        reason = "no-valid-bid" if not ranked else "below-reserve"
        zh = (
            "没有有效投标，出让不成交" if not ranked else "最高有效报价低于底价，出让不成交（流标）"
        )
        return Outcome(
            name="failed",
            event="TransferFailed",
            payload={"reason": reason, "zh": zh, "en": reason, "basis": basis, **disclosed},
            set={"closed_at": done, "failed_at": done},
        )
    top = ranked[0]
    price = int(top["opened"]["price"])
    name = entity_name(ctx.conn, top["bidder"])
    equal = sum(1 for b in ranked if int(b["opened"]["price"]) == price)
    payload = {
        "winner": top["bidder"],
        "winner_name": name,
        "price": price,
        "price_capitals": to_capitals(price),
        "bids": len(ranked),
        "equal_highest": equal,
        "basis": basis,
        "notice_zh": f"{name}以 ¥{format_yuan(price)}（{to_capitals(price)}）中标“{p['title']}”",
        "notice_en": f"{name} wins at ¥{format_yuan(price)}, not below the reserve price",
        **disclosed,
    }
    return Outcome(
        name="deal",
        event="TransferDealt",
        payload=payload,
        set={"closed_at": done, "awarded_at": done, "winner": top["bidder"], "award_price": price},
        result={"winner": top["bidder"], "price": price},
    )
