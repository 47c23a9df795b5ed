"""Bidding effects: tender documents, questions and clarifications, sealed bids, opening.

These are reusable effects: any method's declaration can name them. 开标 happens at the
deadline; fewer bids than the method's minimum make the tender fail (流标).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from ggzy.bidding.tables import bids
from ggzy.core.calendar import SHANGHAI
from ggzy.core.documents import document_info
from ggzy.core.errors import DomainError, forbidden
from ggzy.core.events import RecordedEvent, event_type
from ggzy.core.projections import projector
from ggzy.procedures import rules
from ggzy.procedures.engine import Context, Outcome, effect, project_changed
from ggzy.procedures.tables import document_holders, questions

event_type("AnnouncementPublished", "招标公告已发布", "tender announcement published")
event_type("TenderDocumentsObtained", "已获取招标文件", "tender documents obtained", public=False)
event_type("QuestionAsked", "投标人已提问", "question asked", public=False)
event_type("ClarificationIssued", "澄清/修改已发布", "clarification or amendment issued")
event_type("BidSubmitted", "投标文件已递交", "bid submitted", public=False)
event_type("BidWithdrawn", "投标文件已撤回", "bid withdrawn", public=False)
event_type("BidOpened", "投标文件已解密唱标", "bid opened and read out")
event_type("BidsOpened", "开标完成", "bid opening completed")
event_type("TenderFailed", "流标", "tender failed")


# ---------------------------------------------------------------- announcement


@effect("publish_announcement")
def _publish(ctx: Context) -> Outcome:
    """Publish the tender announcement (招标公告) with its documents and dates."""
    d = ctx.data
    if document_info(ctx.conn, d["tender_document"]) is None:
        raise DomainError(
            "unknown-document",
            "招标文件尚未上传",
            "the tender document has not been uploaded",
            field="tender_document",
        )
    start, end = (
        datetime.fromisoformat(d["doc_sale_start"]),
        datetime.fromisoformat(d["doc_sale_end"]),
    )
    deadline = datetime.fromisoformat(d["bid_deadline"])
    if (
        start < ctx.now.replace(second=0, microsecond=0)
        and (ctx.now - start).total_seconds() > 3600
    ):
        raise DomainError(
            "start-in-past",
            "招标文件发售开始时间不能早于发布时间",
            "document sale cannot start before the announcement",
            field="doc_sale_start",
        )
    if end > deadline:
        raise DomainError(
            "sale-after-deadline",
            "招标文件发售截止时间不能晚于投标截止时间",
            "document sale must end by the bid deadline",
            field="doc_sale_end",
        )
    bond = d.get("bid_bond")
    capped = "bid_bond_max_percent" in rules.keys_for(ctx.procedure.code)
    cap = ctx.rule("bid_bond_max_percent") if capped else None
    if cap and bond is not None and bond * 100 > ctx.project["estimated_price"] * cap.value:  # type: ignore[index]
        raise DomainError(
            "bond-too-high",
            f"投标保证金不得超过项目估算价（预算）的 {cap.value}%（{cap.source}）",
            f"the bid bond may not exceed {cap.value}% of the estimated price ({cap.source})",
            field="bid_bond",
        )
    dates = {
        "announced_at": ctx.now.isoformat(),
        "doc_sale_start": d["doc_sale_start"],
        "doc_sale_end": d["doc_sale_end"],
        "bid_deadline": d["bid_deadline"],
        "opening_at": d["bid_deadline"],  # 开标时间即投标截止时间 (Law 34)
        "tender_document": d["tender_document"],
        "bid_bond": bond,
    }
    from ggzy.bidding.sealed import current_opening_key

    opening = current_opening_key(ctx.conn, ctx.project["center"])  # type: ignore[index]
    if opening is not None:  # bidders must also seal to the center's opening key (备用解密)
        dates["opening_key"] = {
            k: opening[k] for k in ("key_id", "public_pem", "set_id", "threshold", "shares")
        }
    payload = {**d, "opening_at": d["bid_deadline"], "opening_key": dates.get("opening_key")}
    return Outcome(payload=payload, set=dates, documents=(d["tender_document"],))


# ---------------------------------------------------------------- documents and questions


def is_holder(conn: Connection, project: str, entity: str | None) -> bool:
    """True if entity has obtained the project's tender documents."""
    if not entity:
        return False
    q = select(document_holders.c.entity).where(
        document_holders.c.project == project, document_holders.c.entity == entity
    )
    return conn.execute(q).first() is not None


@effect("obtain_documents")
def _obtain(ctx: Context) -> Outcome:
    """A bidder obtains the tender documents during the sale period (获取招标文件)."""
    p = ctx.project
    assert p is not None
    start = datetime.fromisoformat(p["data"]["doc_sale_start"])
    end = datetime.fromisoformat(p["data"]["doc_sale_end"])
    if not start <= ctx.now <= end:
        raise DomainError(
            "outside-sale-period",
            "不在招标文件发售期内",
            "outside the document sale period",
            status=409,
        )
    doc = p["data"]["tender_document"]
    first = not is_holder(ctx.conn, p["code"], ctx.account.entity)
    return Outcome(
        payload={"entity": ctx.account.entity, "first": first},
        documents=(doc,),
        result={"document": doc},
    )


@projector("TenderDocumentsObtained")
def _obtained(conn: Connection, ev: RecordedEvent) -> None:
    if ev.payload.get("first"):
        conn.execute(
            document_holders.insert().values(
                project=ev.subject_id, entity=ev.payload["entity"], obtained_at=ev.recorded_at
            )
        )


def _require_holder(ctx: Context) -> None:
    if not is_holder(ctx.conn, ctx.project["code"], ctx.account.entity):  # type: ignore[index]
        raise forbidden(
            "须先获取招标文件", "obtain the tender documents first", reason="not-a-holder"
        )


@effect("ask_question")
def _ask(ctx: Context) -> Outcome:
    """A holder of the documents asks a question; the asker is never published."""
    _require_holder(ctx)
    return Outcome(payload={"asker": ctx.account.entity, "text": ctx.data["text"]})


@projector("QuestionAsked")
def _asked(conn: Connection, ev: RecordedEvent) -> None:
    conn.execute(
        questions.insert().values(
            seq=ev.seq,
            project=ev.subject_id,
            asker=ev.payload["asker"],
            text=ev.payload["text"],
            asked_at=ev.recorded_at,
            answered=0,
        )
    )


@effect("clarify")
def _clarify(ctx: Context) -> Outcome:
    """Issue a clarification or amendment (澄清/修改); too late → the deadline moves (Law 23)."""
    p = ctx.project
    assert p is not None
    answers = ctx.data.get("answers") or []
    if not isinstance(answers, list) or not all(isinstance(a, int) for a in answers):
        raise DomainError(
            "invalid-field",
            "答复的问题编号须为整数列表",
            "answers must be a list of question numbers",
            field="answers",
        )
    known = {
        r.seq
        for r in ctx.conn.execute(select(questions.c.seq).where(questions.c.project == p["code"]))
    }
    if set(answers) - known:
        raise DomainError(
            "unknown-question",
            "答复了不存在的问题",
            "answers a question that does not exist",
            field="answers",
        )
    payload: dict[str, Any] = {"text": ctx.data["text"], "answers": answers}
    dates: dict[str, Any] = {}
    if ctx.data.get("affects_bids", True):
        rule = ctx.rule("clarification_min_days")
        deadline = datetime.fromisoformat(p["data"]["bid_deadline"]).astimezone(SHANGHAI)
        earliest_day = ctx.calendar.period_end(
            ctx.now.astimezone(SHANGHAI).date(), rule.value, rule.working
        )
        if deadline.date() < earliest_day:
            new_deadline = deadline.replace(
                year=earliest_day.year, month=earliest_day.month, day=earliest_day.day
            )
            payload["deadline_extended"] = {
                "from": deadline.isoformat(),
                "to": new_deadline.isoformat(),
                "rule": rule.key,
                "basis": rule.source,
            }
            dates = {
                "bid_deadline": new_deadline.isoformat(),
                "opening_at": new_deadline.isoformat(),
            }
    return Outcome(payload=payload, set=dates)


@projector("ClarificationIssued")
def _clarified(conn: Connection, ev: RecordedEvent) -> None:
    for seq in ev.payload.get("answers", []):
        conn.execute(update(questions).where(questions.c.seq == seq).values(answered=1))


# ---------------------------------------------------------------- bids


def projects_of_bidder(conn: Connection, entity: str) -> set[str]:
    """Codes of the projects where entity obtained the documents or bid."""
    held = select(document_holders.c.project).where(document_holders.c.entity == entity)
    bid = select(bids.c.project).where(bids.c.bidder == entity)
    return set(conn.execute(held.union(bid)).scalars())


def current_bid(conn: Connection, project: str, bidder: str) -> dict[str, Any] | None:
    """The bid that counts for a bidder (the last valid one), or None."""
    q = select(bids).where(
        bids.c.project == project,
        bids.c.bidder == bidder,
        bids.c.status.in_(["submitted", "opened"]),
    )
    row = conn.execute(q).first()
    return dict(row._mapping) if row else None


@projector("BidSubmitted")
def _submitted(conn: Connection, ev: RecordedEvent) -> None:
    p = ev.payload
    if p.get("replaces"):
        conn.execute(update(bids).where(bids.c.seq == p["replaces"]).values(status="superseded"))
    conn.execute(
        bids.insert().values(
            seq=ev.seq,
            project=ev.subject_id,
            bidder=p["bidder"],
            status="submitted",
            sealed_sha256=p["sealed_sha256"],
            submitted_at=ev.recorded_at,
        )
    )


@effect("withdraw_bid")
def _withdraw(ctx: Context) -> Outcome:
    """Withdraw one's bid before the deadline (撤回); the bond is refunded within 5 days."""
    bid = current_bid(ctx.conn, ctx.project["code"], ctx.account.entity or "")  # type: ignore[index]
    if bid is None:
        raise DomainError(
            "no-bid", "您尚未递交投标文件", "you have not submitted a bid", status=409
        )
    return Outcome(payload={"bidder": ctx.account.entity, "bid": bid["seq"]})


@projector("BidWithdrawn")
def _withdrawn(conn: Connection, ev: RecordedEvent) -> None:
    conn.execute(update(bids).where(bids.c.seq == ev.payload["bid"]).values(status="withdrawn"))


def bids_of(
    conn: Connection, project: str, statuses: tuple[str, ...] = ("submitted", "opened")
) -> list[dict[str, Any]]:
    """The counting bids of a project in submission order."""
    q = (
        select(bids)
        .where(bids.c.project == project, bids.c.status.in_(statuses))
        .order_by(bids.c.seq)
    )
    out = []
    for row in conn.execute(q):
        d = dict(row._mapping)
        d["opened"] = json.loads(d["opened"]) if d["opened"] else None
        out.append(d)
    return out


@projector("BidOpened")
def _bid_opened(conn: Connection, ev: RecordedEvent) -> None:
    conn.execute(
        update(bids)
        .where(bids.c.seq == ev.payload["bid"])
        .values(
            status="opened",
            price=ev.payload["price"],
            opened=json.dumps(ev.payload, ensure_ascii=False),
        )
    )


@projector("TenderFailed")
def _failed(conn: Connection, ev: RecordedEvent) -> None:
    project_changed(conn, ev)
