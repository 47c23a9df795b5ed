"""Listing (挂牌), the live online auction (网上竞价) and the result of a transfer.

Listing: an eligible bidder quotes (挂牌报价) between the listing start and end by server time;
the first quote is at least the start price, every later one at least the highest quote plus
the increment (增价幅度), which the transferor or the center may adjust during the listing. The
host (主持人, center staff) may also record a written quote slip (书面报价单) with the time it
was handed in; it is checked against the price displayed then, so two slips handed in before
either was confirmed may quote the same price.

Close: after the listing end, bidders have a short window (rule continue_window_minutes) to say
they want to continue (表示愿意继续竞价). When the window has passed the platform closes the
listing (an automatic action): if anyone asked, a live online auction starts at the highest
quote plus one increment; otherwise a single quote at or above the reserve price is a deal,
of several quotes the highest wins, of equal quotes the earliest, and no quote or a highest
quote below the reserve price is no deal (流拍) (rules.md §1.3).

Live auction: every bid of at least one increment above the highest restarts the countdown
(rule auction_countdown_minutes); the platform closes the auction when the countdown runs out
without a higher bid: highest at or above the reserve price → deal, else no deal. The auction
method (拍卖) is the live auction from its announced start.

The reserve price is read only in _decide, and disclosed in the result event.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select, update

from ggzy.core.calendar import SHANGHAI
from ggzy.core.documents import document_info
from ggzy.core.errors import DomainError, conflict
from ggzy.core.events import RecordedEvent, event_type
from ggzy.core.money import format_yuan, to_capitals
from ggzy.core.projections import projector
from ggzy.procedures import rules
from ggzy.procedures.engine import Context, Outcome, effect, project_changed
from ggzy.transfer.applications import (
    application_by_paddle,
    applications_of,
    entity_name,
    require_eligible,
    reserve_of,
    yuan,
)
from ggzy.transfer.tables import transfer_applications, transfer_quotes

event_type("ListingStarted", "挂牌开始", "listing started")
event_type("ListingQuoteMade", "挂牌报价", "listing quote accepted")
event_type("QuoteSlipRecorded", "书面报价单已确认", "written quote slip confirmed by the host")
event_type("IncrementAdjusted", "增价幅度已调整", "bid increment adjusted")
event_type(
    "ContinueBiddingDeclared",
    "竞买人表示愿意继续竞价",
    "a bidder asked to continue bidding",
    public=False,
)
event_type(
    "ListingSwitchedToAuction",
    "挂牌截止，转入网上竞价（现场竞价）",
    "listing closed: a live online auction follows",
)
event_type("AuctionStarted", "网上竞价（拍卖）开始", "live online auction started")
event_type("AuctionBidMade", "竞价出价", "auction bid accepted")
event_type("TransferDealt", "成交（成交确认书）", "deal: the transfer is concluded")
event_type("TransferFailed", "流拍（未成交）", "no deal: the transfer failed")
event_type("TransferResultPublished", "出让结果公告", "transfer result published")

LISTING, AUCTION = "listing", "auction"
LATER = 10**18  # a sort key after every stored event number


def beijing_iso(moment: datetime) -> str:
    """An instant as ISO 8601 in Beijing time, as the declared datetime fields are stored."""
    return moment.astimezone(SHANGHAI).isoformat()


# ---------------------------------------------------------------- reads


def quotes_of(conn: Connection, project: str) -> list[dict[str, Any]]:
    """A project's accepted listing quotes and auction bids, in the order they were confirmed."""
    q = select(transfer_quotes).where(transfer_quotes.c.project == project)
    return [dict(r._mapping) for r in conn.execute(q.order_by(transfer_quotes.c.seq))]


def ranked(quotes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Best first: highest price, then the earliest handed in, then the earliest confirmed."""
    return sorted(quotes, key=lambda q: (-q["price"], q["quoted_at"], q["seq"]))


def minimum_next(quotes: list[dict[str, Any]], start_price: int, increment: int) -> int:
    """The lowest acceptable next quote: the start price, or the highest plus the increment."""
    if not quotes:
        return start_price
    return max(q["price"] for q in quotes) + increment


def _too_low(
    price: int, floor: int, considered: list[dict[str, Any]], increment: int
) -> DomainError:
    if not considered:
        return DomainError(
            "quote-too-low",
            f"报价 {yuan(price)} 低于起始价：首次报价不得低于 {yuan(floor)}",
            f"¥{format_yuan(price)} is below the start price ¥{format_yuan(floor)}",
            field="price",
            minimum=floor,
        )
    highest = floor - increment
    return DomainError(
        "quote-too-low",
        f"报价 {yuan(price)} 过低：须不低于当前最高报价 ¥{format_yuan(highest)} "
        f"加增价幅度 ¥{format_yuan(increment)}，即不低于 {yuan(floor)}",
        f"¥{format_yuan(price)} is too low: at least the highest quote ¥{format_yuan(highest)} "
        f"plus the increment ¥{format_yuan(increment)}, i.e. ¥{format_yuan(floor)}",
        field="price",
        minimum=floor,
    )


def _accept(
    ctx: Context,
    app: dict[str, Any],
    price: int,
    quoted_at: datetime,
    phase: str,
    considered: list[dict[str, Any]],
) -> Outcome:
    """Check a quote against the quotes it had to beat; the new price shown to everyone."""
    p = ctx.project
    assert p is not None
    data = p["data"]
    increment = int(data["increment"])
    floor = minimum_next(considered, int(data["start_price"]), increment)
    if price < floor:
        raise _too_low(price, floor, considered, increment)
    new = {"price": price, "quoted_at": quoted_at, "seq": LATER, "paddle": app["paddle"]}
    every = [*quotes_of(ctx.conn, p["code"]), new]
    top = ranked(every)[0]
    payload = {
        "paddle": app["paddle"],
        "price": price,
        "price_capitals": to_capitals(price),
        "phase": phase,
        "quoted_at": beijing_iso(quoted_at),
        "minimum": floor,
    }
    shown = {
        "current_price": top["price"],
        "current_paddle": top["paddle"],
        "next_min_price": top["price"] + increment,
        "quote_count": len(every),
    }
    return Outcome(payload={**payload, **shown}, set=shown, result=shown)


@projector("ListingQuoteMade", "QuoteSlipRecorded", "AuctionBidMade")
def _quoted(conn: Connection, ev: RecordedEvent) -> None:
    p = ev.payload
    bidder = conn.execute(
        select(transfer_applications.c.bidder).where(
            transfer_applications.c.project == ev.subject_id,
            transfer_applications.c.paddle == p["paddle"],
        )
    ).scalar_one()
    conn.execute(
        transfer_quotes.insert().values(
            seq=ev.seq,
            project=ev.subject_id,
            bidder=bidder,
            paddle=p["paddle"],
            phase=p["phase"],
            price=p["price"],
            quoted_at=datetime.fromisoformat(p["quoted_at"]),
            recorded_at=ev.recorded_at,
        )
    )


# ---------------------------------------------------------------- listing


@effect("start_listing")
def _start_listing(ctx: Context) -> Outcome:
    """挂牌开始: the parcel, start price and increment are shown; quotes are accepted."""
    data = ctx.project["data"]  # type: ignore[index]
    payload = {
        "listing_start": data["listing_start"],
        "listing_end": data["listing_end"],
        "start_price": data["start_price"],
        "start_price_capitals": to_capitals(data["start_price"]),
        "increment": data["increment"],
    }
    return Outcome(payload=payload, set={"listing_started_at": beijing_iso(ctx.now)})


@effect("listing_quote")
def _listing_quote(ctx: Context) -> Outcome:
    """挂牌报价 by an eligible bidder, before the listing end by server time."""
    app = require_eligible(ctx)
    quotes = quotes_of(ctx.conn, ctx.project["code"])  # type: ignore[index]
    return _accept(ctx, app, ctx.data["price"], ctx.now, LISTING, quotes)


@effect("record_quote_slip")
def _record_slip(ctx: Context) -> Outcome:
    """The host confirms a written quote slip (书面报价单) handed in during the listing.

    The slip is valid if it beat the price displayed when it was handed in, i.e. the quotes
    confirmed on the platform by then; ties between slips go to the one handed in first.
    """
    p = ctx.project
    assert p is not None
    paddle = ctx.data["paddle"]
    app = application_by_paddle(ctx.conn, p["code"], paddle)
    if app is None:
        raise DomainError(
            "unknown-paddle",
            f"竞买号 {paddle} 不存在",
            f"there is no bidder number {paddle}",
            field="paddle",
        )
    if app["deposit_confirmed_at"] is None:
        raise conflict(
            "deposit-unconfirmed",
            f"竞买号 {paddle} 的竞买保证金尚未确认，其报价单无效",
            f"the deposit of bidder {paddle} is not confirmed: the slip is invalid",
        )
    handed = datetime.fromisoformat(ctx.data["handed_in_at"])
    start = datetime.fromisoformat(p["data"]["listing_start"])
    end = datetime.fromisoformat(p["data"]["listing_end"])
    if not start <= handed < end or handed > ctx.now:
        raise DomainError(
            "invalid-slip-time",
            "报价单的递交时间须在挂牌期内（挂牌截止前），且不晚于当前时间",
            "the slip must have been handed in during the listing, before its end and not "
            "after now",
            field="handed_in_at",
        )
    slip = ctx.data["slip"]
    if document_info(ctx.conn, slip) is None:
        raise DomainError(
            "unknown-document",
            "报价单扫描件尚未上传",
            "the slip scan is not uploaded",
            field="slip",
        )
    displayed = [q for q in quotes_of(ctx.conn, p["code"]) if q["recorded_at"] <= handed]
    outcome = _accept(ctx, app, ctx.data["price"], handed, LISTING, displayed)
    outcome.payload["slip"] = slip
    outcome.documents = (slip,)
    return outcome


@effect("adjust_increment")
def _adjust_increment(ctx: Context) -> Outcome:
    """Adjust the increment during the listing (挂牌期间可调整增价幅度)."""
    p = ctx.project
    assert p is not None
    new = ctx.data["increment"]
    floor = minimum_next(quotes_of(ctx.conn, p["code"]), int(p["data"]["start_price"]), new)
    payload = {
        "increment": new,
        "previous": p["data"]["increment"],
        "reason": ctx.data.get("reason", ""),
        "next_min_price": floor,
    }
    return Outcome(payload=payload, set={"increment": new, "next_min_price": floor})


@effect("declare_continue")
def _declare_continue(ctx: Context) -> Outcome:
    """An eligible bidder says it wants to continue bidding after the listing end."""
    app = require_eligible(ctx)
    if app["continue_at"] is not None:
        raise conflict(
            "already-declared", "已表示愿意继续竞价", "you have already asked to continue"
        )
    payload = {"paddle": app["paddle"], "nonce": secrets.token_hex(16)}
    return Outcome(payload=payload, result={"paddle": app["paddle"]})


@projector("ContinueBiddingDeclared")
def _declared(conn: Connection, ev: RecordedEvent) -> None:
    conn.execute(
        update(transfer_applications)
        .where(
            transfer_applications.c.project == ev.subject_id,
            transfer_applications.c.paddle == ev.payload["paddle"],
        )
        .values(continue_at=ev.recorded_at)
    )


@effect("close_listing", outcomes=("deal", "failed", "auction"))
def _close_listing(ctx: Context) -> Outcome:
    """挂牌截止: someone asked to continue → live auction; else deal or no deal."""
    p = ctx.project
    assert p is not None
    asking = [a for a in applications_of(ctx.conn, p["code"]) if a["continue_at"] is not None]
    quotes = quotes_of(ctx.conn, p["code"])
    if asking:
        return _live(ctx, quotes, asking=len(asking), event="ListingSwitchedToAuction")
    return _decide(ctx, quotes)


# ---------------------------------------------------------------- live auction


def _live(ctx: Context, quotes: list[dict[str, Any]], asking: int, event: str | None) -> Outcome:
    """Start the live online auction: its floor and the first countdown."""
    p = ctx.project
    assert p is not None
    countdown = ctx.rule("auction_countdown_minutes")
    ends = ctx.now + timedelta(minutes=countdown.value)
    floor = minimum_next(quotes, int(p["data"]["start_price"]), int(p["data"]["increment"]))
    top = ranked(quotes)[0] if quotes else None
    payload: dict[str, Any] = {
        "asking": asking,
        "highest_price": top["price"] if top else None,
        "highest_paddle": top["paddle"] if top else None,
        "next_min_price": floor,
        "next_min_price_capitals": to_capitals(floor),
        "auction_ends_at": beijing_iso(ends),
        "countdown_minutes": countdown.value,
        "basis": countdown.source,
    }
    if asking:
        payload["zh"] = (
            f"挂牌期限届满，有 {asking} 名竞买人表示愿意继续竞价，转入网上竞价；"
            f"最低应价为最高报价加一个增价幅度 {yuan(floor)}，"
            f"倒计时 {countdown.value} 分钟，每次有效出价后重新计时"
        )
        payload["en"] = (
            f"listing closed: {asking} bidder(s) asked to continue; a live online auction "
            f"starts at ¥{format_yuan(floor)} with a {countdown.value}-minute countdown"
        )
    else:
        payload["zh"] = (
            f"拍卖开始：起始价 {yuan(floor)}，倒计时 {countdown.value} 分钟，"
            "每次有效出价后重新计时，倒计时届满无更高出价即结束"
        )
        payload["en"] = (
            f"auction started at ¥{format_yuan(floor)} with a {countdown.value}-minute "
            "countdown that every higher bid restarts"
        )
    shown = {
        "auction_started_at": beijing_iso(ctx.now),
        "auction_ends_at": beijing_iso(ends),
        "next_min_price": floor,
    }
    return Outcome(name="auction", event=event, payload=payload, set=shown, result=shown)


def _optional_rule(ctx: Context, key: str) -> rules.Rule | None:
    try:
        return ctx.rule(key)
    except DomainError as exc:
        if exc.code == "rule-missing":
            return None
        raise


@effect("start_auction", outcomes=("auction", "failed"))
def _start_auction(ctx: Context) -> Outcome:
    """拍卖开始 at the announced time; the method's minimum of qualified bidders, if any."""
    p = ctx.project
    assert p is not None
    eligible = [
        a for a in applications_of(ctx.conn, p["code"]) if a["deposit_confirmed_at"] is not None
    ]
    minimum = _optional_rule(ctx, "min_bidders")
    needed = minimum.value if minimum else 1
    if len(eligible) < needed:
        basis = minimum.source if minimum else ctx.procedure.basis
        return _failure(
            ctx,
            "too-few-bidders",
            f"符合条件的竞买人少于 {needed} 个，拍卖不能进行，出让不成交",
            f"fewer than {needed} qualified bidder(s): the auction cannot be held",
            basis,
            bidders=len(eligible),
            minimum=needed,
        )
    return _live(ctx, [], asking=0, event=None)


@effect("auction_bid")
def _auction_bid(ctx: Context) -> Outcome:
    """竞价出价: at least one increment above the highest; restarts the countdown."""
    app = require_eligible(ctx)
    quotes = quotes_of(ctx.conn, ctx.project["code"])  # type: ignore[index]
    outcome = _accept(ctx, app, ctx.data["price"], ctx.now, AUCTION, quotes)
    countdown = ctx.rule("auction_countdown_minutes")
    ends = beijing_iso(ctx.now + timedelta(minutes=countdown.value))
    outcome.payload["auction_ends_at"] = ends
    outcome.set["auction_ends_at"] = ends
    outcome.result["auction_ends_at"] = ends
    return outcome


@effect("close_auction", outcomes=("deal", "failed"))
def _close_auction(ctx: Context) -> Outcome:
    """The countdown ran out without a higher bid: deal at the highest, or no deal."""
    return _decide(ctx, quotes_of(ctx.conn, ctx.project["code"]))  # type: ignore[index]


# ---------------------------------------------------------------- the result


def _decide(ctx: Context, quotes: list[dict[str, Any]]) -> Outcome:
    """The only place the reserve price is compared; the result event discloses it."""
    p = ctx.project
    assert p is not None
    reserve = reserve_of(ctx.conn, p["code"])
    if reserve is None:  # the announcement requires one: a broken log, not a user error
        raise DomainError(
            "reserve-missing",
            "未找到本项目的底价，无法确定是否成交",
            "the project has no reserve price: the result cannot be decided",
            status=500,
        )
    basis = ctx.procedure.basis
    if not quotes:
        return _failure(
            ctx,
            "no-quotes",
            "期限内无人报价，出让不成交（流拍）",
            "no quote was made: no deal",
            basis,
            reserve=reserve,
        )
    best = ranked(quotes)
    top = best[0]
    if top["price"] < reserve:
        return _failure(
            ctx,
            "below-reserve",
            f"最高报价 {yuan(top['price'])} 低于底价，出让不成交（流拍）",
            f"the highest quote ¥{format_yuan(top['price'])} is below the reserve price: no deal",
            basis,
            reserve=reserve,
            highest_price=top["price"],
            highest_paddle=top["paddle"],
        )
    name = entity_name(ctx.conn, top["bidder"])
    equal = sum(1 for q in quotes if q["price"] == top["price"])
    notice = (
        f"{name}（竞买号 {top['paddle']}）以 {yuan(top['price'])} 竞得“{p['title']}”"
        f"（统一交易标识码 {p['code']}），成交价不低于底价。"
        "出让人与竞得人签订成交确认书，并按约定签订出让合同。"
    )
    if equal > 1:
        notice += f"本次有 {equal} 个相同的最高报价，先提交报价者为竞得人。"
    payload = {
        "winner": top["bidder"],
        "winner_name": name,
        "paddle": top["paddle"],
        "price": top["price"],
        "price_capitals": to_capitals(top["price"]),
        "phase": top["phase"],
        "quoted_at": beijing_iso(top["quoted_at"]),
        "quotes": len(quotes),
        "equal_highest": equal,
        "reserve_price": reserve,  # disclosed with the result
        "reserve_price_capitals": to_capitals(reserve),
        "basis": basis,
        "notice_zh": notice,
        "notice_en": (
            f"bidder {top['paddle']} ({name}) wins at ¥{format_yuan(top['price'])}, "
            "not below the reserve price"
        ),
    }
    done = beijing_iso(ctx.now)
    return Outcome(
        name="deal",
        payload=payload,
        set={
            "closed_at": done,
            "awarded_at": done,
            "winner": top["bidder"],
            "award_price": top["price"],
        },
        result={"winner": top["bidder"], "price": top["price"]},
    )


def _failure(ctx: Context, reason: str, zh: str, en: str, basis: str, **extra: Any) -> Outcome:
    reserve = extra.pop("reserve", None)
    if reserve is None:
        reserve = reserve_of(ctx.conn, ctx.project["code"])  # type: ignore[index]
    payload = {"reason": reason, "zh": zh, "en": en, "basis": basis, **extra}
    if reserve is not None:  # disclosed with the result
        payload.update(reserve_price=reserve, reserve_price_capitals=to_capitals(reserve))
    done = beijing_iso(ctx.now)
    return Outcome(
        name="failed",
        event="TransferFailed",
        payload=payload,
        set={"closed_at": done, "failed_at": done},
        result={"reason": reason},
    )


@effect("publish_result")
def _publish_result(ctx: Context) -> Outcome:
    """出让结果公告: the winner and the price (and the reserve price, disclosed)."""
    p = ctx.project
    assert p is not None
    data = p["data"]
    document = ctx.data.get("confirmation")
    if document is not None and document_info(ctx.conn, document) is None:
        raise DomainError(
            "unknown-document",
            "成交确认书尚未上传",
            "the deal confirmation is not uploaded",
            field="confirmation",
        )
    price = int(data["award_price"])
    payload = {
        "winner": data["winner"],
        "winner_name": entity_name(ctx.conn, data["winner"]),
        "price": price,
        "price_capitals": to_capitals(price),
        "closed_at": data["closed_at"],
        "text": ctx.data.get("text", ""),
        "confirmation": document,
    }
    return Outcome(
        payload=payload,
        set={"result_published_at": beijing_iso(ctx.now)},
        documents=(document,) if document else (),
    )


projector("ListingSwitchedToAuction", "TransferFailed")(project_changed)
