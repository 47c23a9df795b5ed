"""开标大厅 (the no-show opening hall, 不见面开标): sign-in, and the hall folded from events.

Everything a watcher sees is folded from the project's events and its row (itself a projection
of events), so a restart during the opening loses nothing: a client that reconnects is sent the
same state. Who sees what:

- before the opening nobody, officials included, learns who bid or how many (招标投标法
  art. 22): the public sees the countdown, a bidder also its own receipt and sign-in;
- from the opening on, the bidders, their sign-in, decryption status and the reading of bids
  (唱标: price in figures and 大写, duration, quality, bond) are public, as in a physical hall;
- an on-the-spot objection (实施条例 art. 44) shows to everyone as raised and answered; its
  objector and text only to the officials and the objector.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from ggzy.core.calendar import SHANGHAI
from ggzy.core.errors import DomainError
from ggzy.core.events import event_type, format_time
from ggzy.core.projections import row_to_event
from ggzy.core.tables import events
from ggzy.procedures.engine import Context, Outcome, effect, get_procedure, get_project
from ggzy.procedures.rules import Rule, add_rules
from ggzy.registry.handlers import find_entity

event_type("BidderSignedIn", "投标人已签到", "bidder signed in", public=False)

OPENING_METHODS = ("construction.", "procurement.", "land.tender", "mining.tender")
add_rules(
    *(
        Rule(
            "sign_in_opens_minutes_before",
            60,
            "minutes",
            "开标前多少分钟开放投标人签到",
            "how long before the opening bidders may sign in",
            "各地不见面开标规则（常见开标前 30–60 分钟开放签到）",
            "G",
            domain,
        )
        for domain in OPENING_METHODS
    ),
    *(
        Rule(
            "opening_objection_minutes",
            30,
            "minutes",
            "唱标结束后当场提出开标异议的时限",
            "time after the reading of bids to object to the opening on the spot",
            "招标投标法实施条例 第44条（异议应当在开标现场提出，当场答复）；时限为各地规则",
            "G",
            domain,
        )
        for domain in OPENING_METHODS
    ),
)

HALL_EVENTS = (
    "BidSubmitted",
    "BidWithdrawn",
    "BidderSignedIn",
    "OpeningStarted",
    "BidOpened",
    "BidDecryptionFailed",
    "OpeningShareSubmitted",
    "BidsOpened",
    "TenderFailed",
    "ObjectionRaised",
    "ObjectionAnswered",
    "DocumentSigned",
)
STATUS = {  # a bid's decryption status in the hall
    "pending": ("待解密", "waiting for decryption"),
    "opened": ("已解密", "decrypted"),
    "undecrypted": ("未解密，视为撤销", "not decrypted: withdrawn"),
}


def sign_in_statement(project: str, bidder: str) -> bytes:
    """The text a bidder signs with its certificate to sign in to the opening (开标签到)."""
    return (
        f"OpenGGZY 开标签到 / opening sign-in\n项目 project: {project}\n投标人 bidder: {bidder}\n"
    ).encode()


def _signed_in(ctx: Context, entity: str) -> bool:
    p = ctx.project
    assert p is not None
    rows = ctx.conn.execute(
        select(events.c.payload).where(
            events.c.subject_type == "project",
            events.c.subject_id == p["code"],
            events.c.type == "BidderSignedIn",
        )
    )
    return any(json.loads(r.payload).get("bidder") == entity for r in rows)


@effect("sign_in_opening")
def _sign_in(ctx: Context) -> Outcome:
    """签到: a bidder with a bid signs the sign-in statement with its signing certificate."""
    from ggzy.bidding.handlers import current_bid
    from ggzy.procedures.signing import check_entity_signature

    p = ctx.project
    assert p is not None
    entity = ctx.account.entity
    if not entity or current_bid(ctx.conn, p["code"], entity) is None:
        raise DomainError(
            "no-bid-to-sign-in",
            "本单位没有已递交的投标文件，无需签到",
            "your entity has no bid in this project to sign in for",
            status=409,
        )
    rule = ctx.rule("sign_in_opens_minutes_before")
    opens = datetime.fromisoformat(p["data"]["bid_deadline"]) - timedelta(minutes=rule.value)
    if ctx.now < opens:
        at = opens.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        raise DomainError(
            "sign-in-not-open",
            f"签到尚未开放，{at}（北京时间）起可签到：{rule.describe_zh()}",
            f"sign-in opens at {at} Beijing time: {rule.describe_en()}",
            status=409,
            opens_at=opens.isoformat(),
        )
    if _signed_in(ctx, entity):
        raise DomainError(
            "already-signed-in", "本单位已签到", "your entity has already signed in", status=409
        )
    verified = check_entity_signature(
        ctx,
        None,
        ctx.data["signature"],
        entity,
        "签到签名",
        "sign-in signature",
        content=sign_in_statement(p["code"], entity),
    )
    return Outcome(
        payload={
            "bidder": entity,
            "bidder_name": _name(ctx.conn, entity),
            "signature": verified.to_dict(),
        }
    )


def _name(conn: Connection, code: str) -> str:
    entity = find_entity(conn, code)
    return entity["name"] if entity else code


# ------------------------------------------------------------------------------ the fold


def load_hall(conn: Connection, code: str) -> dict[str, Any]:
    """The hall's whole state (every detail, before any audience is applied)."""
    project = get_project(conn, code)
    q = (
        select(events)
        .where(
            events.c.subject_type == "project",
            events.c.subject_id == project["code"],
            events.c.type.in_(HALL_EVENTS),
        )
        .order_by(events.c.seq)
    )
    hall = _start(conn, project)
    for row in conn.execute(q):
        ev = row_to_event(row)
        _apply(hall, ev.type, ev.payload, ev.recorded_at.isoformat())
        hall["version"] = max(hall["version"], ev.seq)
    for signature in hall["record"]["signatures"] if hall["record"] else ():
        signature["signer_name"] = _name(conn, signature["signer"])
    return hall


def _start(conn: Connection, project: dict[str, Any]) -> dict[str, Any]:
    proc = get_procedure(project["method"])
    stage = proc.stage(project["stage"])
    data = project["data"]
    return {
        "project": {
            "code": project["code"],
            "title": project["title"],
            "method_name": proc.zh,
            "method_name_en": proc.en,
            "tenderee_name": _name(conn, project["tenderee"]),
            "agency_name": _name(conn, project["agency"]) if project["agency"] else None,
            "stage": stage.name,
            "stage_name": stage.zh,
            "stage_name_en": stage.en,
        },
        "times": {
            "bid_deadline": data.get("bid_deadline"),
            "opened_at": data.get("opened_at"),
            "decrypt_until": data.get("decrypt_until"),
            "closed_at": None,
            "objections_until": data.get("opening_objections_until"),
        },
        "fallback": bool(data.get("opening_key")),
        "phase": "waiting" if project["stage"] in ("registered", "bidding") else "other",
        "failure": None,
        "bidders": [],
        "pre": {},  # confidential before the opening: entity -> receipt and sign-in
        "shares": None,
        "objections": [],
        "record": None,
        "count": None,
        "version": 0,
    }


def _bidder(hall: dict[str, Any], code: str) -> dict[str, Any] | None:
    return next((b for b in hall["bidders"] if b["bidder"] == code), None)


def _apply(hall: dict[str, Any], kind: str, payload: dict[str, Any], at: str) -> None:
    """Fold one event into the hall."""
    pre = hall["pre"]
    if kind == "BidSubmitted":
        pre.setdefault(payload["bidder"], {})["submitted_at"] = at
    elif kind == "BidWithdrawn":
        pre.setdefault(payload["bidder"], {})["submitted_at"] = None
    elif kind == "BidderSignedIn":
        pre.setdefault(payload["bidder"], {})["signed_in_at"] = at
    elif kind == "OpeningStarted":
        hall["phase"] = "decrypting"
        hall["times"]["opened_at"] = at
        hall["times"]["decrypt_until"] = payload.get("decrypt_until")
        hall["count"] = payload.get("bids")
        hall["bidders"] = [
            {
                "bidder": b["bidder"],
                "bidder_name": b.get("bidder_name", b["bidder"]),
                "signed_in_at": pre.get(b["bidder"], {}).get("signed_in_at"),
                "status": "pending",
                "decrypted_at": None,
                "decrypted_by": None,
                "read_out": None,
            }
            for b in payload.get("bidders", ())
        ]
    elif kind == "BidOpened":
        row = _bidder(hall, payload["bidder"])
        if row is not None:
            row |= {"status": "opened", "decrypted_at": at, "decrypted_by": payload["decrypted_by"]}
            row["read_out"] = {
                k: payload.get(k)
                for k in (
                    "price",
                    "price_capitals",
                    "price_corrected",
                    "duration_days",
                    "quality",
                    "bond",
                    "valid",
                    "problems",
                )
            }
    elif kind == "BidDecryptionFailed":
        row = _bidder(hall, payload["bidder"])
        if row is not None:
            row["status"] = "undecrypted"
    elif kind == "OpeningShareSubmitted":
        hall["shares"] = {"handed_in": payload["shares"], "threshold": payload["threshold"]}
    elif kind == "BidsOpened":
        hall["phase"] = "opened"
        hall["times"]["closed_at"] = at
        hall["times"]["objections_until"] = payload.get("objections_until")
        hall["record"] = {"sha256": payload.get("opening_record"), "signatures": []}
    elif kind == "TenderFailed":
        hall["phase"] = "failed"
        hall["times"]["closed_at"] = at
        hall["failure"] = {
            "reason": payload.get("reason"),
            "zh": payload.get("zh"),
            "en": payload.get("en"),
            "bids": payload.get("bids"),
        }
    elif kind == "ObjectionRaised" and hall["times"]["opened_at"]:  # on the spot, not before
        hall["objections"].append(
            {
                "id": payload["objection"],
                "subject": payload["subject"],
                "by": payload["by"],
                "text": payload.get("text"),
                "raised_at": at,
                "answer": None,
                "answered_at": None,
            }
        )
    elif kind == "ObjectionAnswered":
        for o in hall["objections"]:
            if o["id"] == payload["objection"]:
                o |= {"answer": payload["answer"], "answered_at": at}
    elif kind == "DocumentSigned" and _of_record(hall, payload):
        hall["record"]["signatures"].append(
            {
                "signer": payload["signer"],
                "signed_at": at,
                "ok": bool(payload.get("signature", {}).get("ok")),
            }
        )


def _of_record(hall: dict[str, Any], payload: dict[str, Any]) -> bool:
    """A signature on this opening's record (开标记录签章)."""
    return bool(hall["record"]) and payload.get("document") == hall["record"]["sha256"]


# ------------------------------------------------------------------------------ audiences


def hall_view(hall: dict[str, Any], *, official: bool, entity: str | None) -> dict[str, Any]:
    """What one watcher may see of the hall (see the module's note)."""
    opened = bool(hall["times"]["opened_at"])
    bidders = []
    for b in hall["bidders"] if opened else ():
        zh, en = STATUS[b["status"]]
        bidders.append({**b, "status_zh": zh, "status_en": en})
    objections = []
    for o in hall["objections"]:
        shown = {k: o[k] for k in ("id", "subject", "raised_at", "answer", "answered_at")}
        if official or (entity is not None and o["by"] == entity):
            shown |= {"by": o["by"], "text": o["text"]}
        objections.append(shown)
    view = {
        "project": hall["project"],
        "phase": hall["phase"],
        "times": hall["times"],
        "fallback": hall["fallback"],
        "failure": hall["failure"],
        "count": hall["count"] if opened else None,
        "bidders": bidders,
        "shares": hall["shares"],
        "objections": objections,
        "record": hall["record"],
    }
    if entity is not None:
        mine = dict(hall["pre"].get(entity, {}))
        row = _bidder(hall, entity)
        if row is not None:
            mine["status"] = row["status"]
        if mine:
            view["mine"] = {"bidder": entity, **mine}
    return view


def encode(view: dict[str, Any]) -> str:
    """A view as compact JSON text (compared to tell whether a watcher's state changed)."""
    return json.dumps(view, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def stamp(body: str, now: datetime) -> str:
    """The message a watcher receives: an encoded view with the server's time (for clocks)."""
    return f'{{"type":"hall","server_now":"{format_time(now)}","hall":{body}}}'
