"""Before the bidding: registration, the confidential reserve price (底价), the announcement
(出让公告), bid applications (竞买申请) and deposits (竞买保证金).

A bidder (竞买人) applies and gets a bidder number (竞买号); the transferor (出让人) or the
center confirms its deposit; only then may it quote or bid. Who applied is confidential until
the result, so applications and deposits are events that are not public, and public quotes
name the bidder number only. The reserve price is set by the transferor in its own event type,
which is not public, carries a random nonce (so the public leaf hash cannot be searched for the
price), and is projected into transfer_reserves, never into project data.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, select, update

from ggzy.core.calendar import SHANGHAI
from ggzy.core.documents import document_info
from ggzy.core.errors import DomainError, conflict, forbidden
from ggzy.core.events import RecordedEvent, event_type
from ggzy.core.money import format_yuan, to_capitals
from ggzy.core.projections import projector
from ggzy.procedures.engine import EFFECTS, Context, Outcome, effect
from ggzy.registry.handlers import find_entity
from ggzy.transfer.tables import transfer_applications, transfer_reserves

event_type("TransferAnnounced", "出让公告已发布", "transfer announcement published")
event_type(
    "ReservePriceSet", "出让底价已设定（保密）", "reserve price set (confidential)", public=False
)
event_type(
    "TransferApplicationSubmitted",
    "竞买申请已提交",
    "application to bid submitted",
    public=False,
)
event_type("DepositConfirmed", "竞买保证金已确认", "bid deposit confirmed", public=False)

PADDLE_MIN, PADDLE_SPAN = 1000, 9000  # 竞买号: four digits, drawn at random per project


# ---------------------------------------------------------------- reads


def reserve_of(conn: Connection, project: str) -> int | None:
    """The confidential reserve price in 分, or None if not set. For the closing effects only."""
    q = select(transfer_reserves.c.price).where(transfer_reserves.c.project == project)
    value = conn.execute(q).scalar_one_or_none()
    return int(value) if value is not None else None


def applications_of(conn: Connection, project: str) -> list[dict[str, Any]]:
    """A project's applications in the order they came in (officials and effects only)."""
    q = (
        select(transfer_applications)
        .where(transfer_applications.c.project == project)
        .order_by(transfer_applications.c.seq)
    )
    return [dict(r._mapping) for r in conn.execute(q)]


def application_of(conn: Connection, project: str, bidder: str | None) -> dict[str, Any] | None:
    """A bidder's application to a project, or None."""
    if not bidder:
        return None
    q = select(transfer_applications).where(
        transfer_applications.c.project == project, transfer_applications.c.bidder == bidder
    )
    row = conn.execute(q).first()
    return dict(row._mapping) if row else None


def application_by_paddle(conn: Connection, project: str, paddle: int) -> dict[str, Any] | None:
    """The application holding a bidder number (竞买号), or None."""
    q = select(transfer_applications).where(
        transfer_applications.c.project == project, transfer_applications.c.paddle == paddle
    )
    row = conn.execute(q).first()
    return dict(row._mapping) if row else None


def require_eligible(ctx: Context) -> dict[str, Any]:
    """The acting bidder's application, if it applied and its deposit is confirmed; else 403."""
    p = ctx.project
    assert p is not None
    app = application_of(ctx.conn, p["code"], ctx.account.entity)
    if app is None:
        raise forbidden(
            "须先提交竞买申请并经确认竞买保证金后，方可报价或表示继续竞价",
            "apply to bid and have your bid deposit confirmed first",
            reason="not-applied",
        )
    if app["deposit_confirmed_at"] is None:
        raise forbidden(
            "竞买保证金尚未经出让人或交易中心确认到账，暂不能报价",
            "your bid deposit has not been confirmed by the transferor or the center yet",
            reason="deposit-unconfirmed",
        )
    return app


def entity_name(conn: Connection, code: str) -> str:
    """An entity's registered name (its code if unknown)."""
    entity = find_entity(conn, code)
    return str(entity["name"]) if entity else code


def yuan(fen: int) -> str:
    """'¥1,234.56（人民币壹仟贰佰叁拾肆元伍角陆分）' for messages."""
    return f"¥{format_yuan(fen)}（人民币{to_capitals(fen)}）"


# ---------------------------------------------------------------- registration and reserve


@effect("register_transfer")
def _register_transfer(ctx: Context) -> Outcome:
    """Register a transfer project (出让项目): the start price (起始价) is its public price.

    The common registration effect gives the unified deal code (category T or K from the
    declaration) and checks the transferor; the parcel's attributes become project data.
    """
    ctx.data["estimated_price"] = ctx.data["start_price"]
    register, _ = EFFECTS["register_project"]
    return register(ctx)


@effect("set_reserve")
def _set_reserve(ctx: Context) -> Outcome:
    """The transferor sets (or, before the announcement, changes) the confidential reserve."""
    p = ctx.project
    assert p is not None
    previous = ctx.conn.execute(
        select(transfer_reserves.c.seq).where(transfer_reserves.c.project == p["code"])
    ).scalar_one_or_none()
    payload = {
        "reserve_price": ctx.data["reserve_price"],
        "replaces": previous,
        "nonce": secrets.token_hex(16),  # the leaf hash is public: no price search on it
    }
    return Outcome(payload=payload)


@projector("ReservePriceSet")
def _reserve_set(conn: Connection, ev: RecordedEvent) -> None:
    conn.execute(delete(transfer_reserves).where(transfer_reserves.c.project == ev.subject_id))
    conn.execute(
        transfer_reserves.insert().values(
            project=ev.subject_id,
            price=ev.payload["reserve_price"],
            seq=ev.seq,
            set_at=ev.recorded_at,
        )
    )


# ---------------------------------------------------------------- the announcement


def _announcement_common(ctx: Context, last_deadline: datetime) -> dict[str, Any]:
    """Checks and data shared by the listing and the auction announcement.

    The application deadline (竞买申请截止时间) defaults to last_deadline: the listing end, or
    the auction start.
    """
    p = ctx.project
    assert p is not None
    d = ctx.data
    if document_info(ctx.conn, d["transfer_document"]) is None:
        raise DomainError(
            "unknown-document",
            "出让文件尚未上传",
            "the transfer document has not been uploaded",
            field="transfer_document",
        )
    if reserve_of(ctx.conn, p["code"]) is None:
        raise DomainError(
            "reserve-required",
            "发布出让公告前，出让人须先设定底价（保密）",
            "set the confidential reserve price before publishing the announcement",
            status=409,
        )
    given = d.get("apply_deadline")
    deadline = datetime.fromisoformat(given) if given else last_deadline
    if deadline <= ctx.now or deadline > last_deadline:
        raise DomainError(
            "invalid-apply-deadline",
            "竞买申请截止时间须晚于公告发布时间，且不晚于挂牌截止时间或拍卖开始时间",
            "the application deadline must be after the announcement and not after the "
            "listing end or the auction start",
            field="apply_deadline",
        )
    return {
        "announced_at": ctx.now.astimezone(SHANGHAI).isoformat(),
        "apply_deadline": deadline.astimezone(SHANGHAI).isoformat(),
        "increment": d["increment"],
        "deposit": d["deposit"],
        "transfer_document": d["transfer_document"],
        "next_min_price": p["data"]["start_price"],
    }


@effect("announce_listing")
def _announce_listing(ctx: Context) -> Outcome:
    """Publish a listing announcement (挂牌出让公告): listing period, increment and deposit.

    The continue window after the listing end is a local rule (minutes); its end is when the
    platform closes the listing.
    """
    d = ctx.data
    start = datetime.fromisoformat(d["listing_start"])
    end = datetime.fromisoformat(d["listing_end"])
    data = _announcement_common(ctx, end)
    window = ctx.rule("continue_window_minutes")
    until = end + timedelta(minutes=window.value)
    data.update(
        listing_start=start.astimezone(SHANGHAI).isoformat(),
        listing_end=end.astimezone(SHANGHAI).isoformat(),
        continue_until=until.astimezone(SHANGHAI).isoformat(),
    )
    payload = {
        **d,
        **data,
        "start_price": ctx.project["data"]["start_price"],  # type: ignore[index]
        "continue_window_minutes": window.value,
        "continue_window_basis": window.source,
    }
    return Outcome(payload=payload, set=data, documents=(d["transfer_document"],))


@effect("announce_auction")
def _announce_auction(ctx: Context) -> Outcome:
    """Publish an auction announcement (拍卖出让公告): the live online auction's start time."""
    d = ctx.data
    start = datetime.fromisoformat(d["auction_start"])
    data = _announcement_common(ctx, start)
    data["auction_start"] = start.astimezone(SHANGHAI).isoformat()
    payload = {**d, **data, "start_price": ctx.project["data"]["start_price"]}  # type: ignore[index]
    return Outcome(payload=payload, set=data, documents=(d["transfer_document"],))


# ---------------------------------------------------------------- applications and deposits


@effect("apply_to_bid")
def _apply(ctx: Context) -> Outcome:
    """A bidder applies (竞买申请) and draws its bidder number (竞买号)."""
    p = ctx.project
    assert p is not None
    bidder = ctx.account.entity or ""
    if application_of(ctx.conn, p["code"], bidder) is not None:
        raise conflict("already-applied", "本单位已提交竞买申请", "you have already applied to bid")
    taken = {a["paddle"] for a in applications_of(ctx.conn, p["code"])}
    paddle = PADDLE_MIN + secrets.randbelow(PADDLE_SPAN)
    while paddle in taken:
        paddle = PADDLE_MIN + secrets.randbelow(PADDLE_SPAN)
    deposit = p["data"]["deposit"]
    payload = {
        "bidder": bidder,
        "paddle": paddle,
        "deposit_due": deposit,
        "nonce": secrets.token_hex(16),  # who applied stays unsearchable in the public leaf hash
    }
    return Outcome(
        payload=payload,
        result={
            "paddle": paddle,
            "deposit_due": deposit,
            "zh": f"竞买申请已受理，竞买号 {paddle}；请缴纳竞买保证金 {yuan(deposit)}",
            "en": f"application received, bidder number {paddle}; pay the bid deposit",
        },
    )


@projector("TransferApplicationSubmitted")
def _applied(conn: Connection, ev: RecordedEvent) -> None:
    conn.execute(
        transfer_applications.insert().values(
            project=ev.subject_id,
            bidder=ev.payload["bidder"],
            paddle=ev.payload["paddle"],
            seq=ev.seq,
            applied_at=ev.recorded_at,
        )
    )


@effect("confirm_deposit")
def _confirm_deposit(ctx: Context) -> Outcome:
    """The transferor or the center confirms that a bidder's deposit has arrived in full."""
    p = ctx.project
    assert p is not None
    bidder = ctx.data["bidder"]
    app = application_of(ctx.conn, p["code"], bidder)
    if app is None:
        raise DomainError(
            "not-applied",
            f"{bidder} 尚未提交竞买申请",
            f"{bidder} has not applied to bid",
            status=409,
            field="bidder",
        )
    if app["deposit_confirmed_at"] is not None:
        raise conflict(
            "deposit-already-confirmed",
            "该竞买人的竞买保证金已确认",
            "this bidder's deposit is already confirmed",
        )
    due = int(p["data"]["deposit"])
    amount = ctx.data["amount"]
    if amount < due:
        raise DomainError(
            "deposit-short",
            f"到账金额 {yuan(amount)} 少于应缴竞买保证金 {yuan(due)}",
            f"¥{format_yuan(amount)} received is less than the deposit of ¥{format_yuan(due)}",
            field="amount",
        )
    payload = {
        "bidder": bidder,
        "bidder_name": entity_name(ctx.conn, bidder),
        "paddle": app["paddle"],
        "amount": amount,
        "reference": ctx.data.get("reference", ""),
        "nonce": secrets.token_hex(16),
    }
    return Outcome(payload=payload)


@projector("DepositConfirmed")
def _deposit_confirmed(conn: Connection, ev: RecordedEvent) -> None:
    conn.execute(
        update(transfer_applications)
        .where(
            transfer_applications.c.project == ev.subject_id,
            transfer_applications.c.bidder == ev.payload["bidder"],
        )
        .values(deposit=ev.payload["amount"], deposit_confirmed_at=ev.recorded_at)
    )
