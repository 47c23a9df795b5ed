"""Competitive negotiation (竞争性谈判) and competitive consultation (竞争性磋商): the effects.

政府采购法 art. 30 and 38, 财政部令第74号, 财库〔2014〕214号; rules.md §1.2 and §2.2.

The flow, after the documents are issued and the first responses are sealed and submitted
exactly like bids (ggzy.bidding.sealed: sealed on the supplier's side, checked without any key):

1. **First opening.** At the response deadline the platform opens the round; each supplier
   decrypts its own response remotely (or k officers of the center hand in their shares of the
   opening key). Unlike a tender opening nothing is read out: the prices and the suppliers stay
   confidential (政府采购法 art. 38(4): no party may disclose another supplier's technical
   data, prices or other information). Too few valid responses: the procurement fails.
2. **Negotiation (谈判/磋商).** The committee meets each supplier separately; every round is
   recorded with its supplier and the SHA-256 of the signed minutes. A substantive change of
   the requirements made in a round is notified to every supplier still taking part
   (Order 74 art. 31). The committee may find a supplier non-responsive (it leaves), and a
   supplier may withdraw before its final quote.
3. **Final quotes (最后报价).** The committee invites every remaining supplier to a final quote
   by a deadline; each is a second sealed bid of the same cryptography (the bid tool's
   ggzy.bidding.tool.prepare_sealed_bid envelope, ggzy.bidding.sealed.decrypt_and_read), kept
   in the bids table with its own status, opened and decrypted remotely like the first round.
4. **Ranking.** Negotiation: the lowest final price among responsive offers (政府采购法
   art. 38(5)). Consultation: comprehensive scoring, the price score being
   lowest valid final price / this final price × price weight × 100 (rules.md §2.2), with the
   weight in the range of the rule table (goods 30–60 %, services 10–30 %).

Where the state lives: the bids table (statuses ``responded`` and ``quoted`` for decrypted first
responses and final quotes, so the public reading of bids stays empty) and this module's
confidential events, from which :func:`negotiation_of` derives who is still in. Every event that
carries an offer is confidential (only its actor, regulators and administrators read it) and no
public event attaches a document holding offers; :func:`negotiation_view` is what a caller may
see: officials everything, a supplier only its own offers, rounds and the changes sent to it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection, delete, select, update

from ggzy.bidding.handlers import bids_of
from ggzy.bidding.sealed import decrypt_and_read, opening_shares
from ggzy.bidding.tables import bids
from ggzy.core.documents import document_info, register_document
from ggzy.core.errors import DomainError, forbidden, not_found
from ggzy.core.events import RecordedEvent, event_type
from ggzy.core.money import to_capitals
from ggzy.core.projections import projector, row_to_event
from ggzy.core.tables import events
from ggzy.procedures import rules
from ggzy.procedures.engine import EFFECTS, Context, Outcome, effect, get_project
from ggzy.registry.handlers import Account, find_entity

event_type(
    "SealedRoundOpened",
    "响应文件开启，进入远程解密（不唱标）",
    "sealed responses opened: decryption window open (nothing read out)",
)
event_type(
    "ResponseDecrypted",
    "响应文件已解密（不公开）",
    "response decrypted (confidential)",
    public=False,
)
event_type(
    "ResponseDecryptionFailed",
    "响应文件未在时限内解密（视为撤回）",
    "response not decrypted in time (treated as withdrawn)",
    public=False,
)
event_type(
    "ResponsesOpened",
    "响应文件解密结束（不公开）",
    "decryption of the responses closed (confidential)",
    public=False,
)
event_type(
    "NegotiationRecorded",
    "谈判（磋商）记录（不公开）",
    "negotiation round recorded (confidential)",
    public=False,
)
event_type(
    "RequirementsChanged",
    "采购需求实质性变动已书面通知继续参加的供应商",
    "substantive change of the requirements notified to the remaining suppliers",
    public=False,
)
event_type(
    "SupplierExcluded",
    "供应商未实质性响应，不再参加（不公开）",
    "supplier found non-responsive and excluded (confidential)",
    public=False,
)
event_type(
    "SupplierWithdrew",
    "供应商退出谈判（磋商）",
    "supplier withdrew from the negotiation",
    public=False,
)
event_type(
    "FinalQuotesInvited",
    "要求继续参加的供应商提交最后报价",
    "remaining suppliers invited to final quotes",
    public=False,
)
event_type(
    "ReviewCompleted", "评审完成（评审报告，不公开）", "review completed (report)", public=False
)


NEGOTIATION = "procurement.competitive_negotiation"
CONSULTATION = "procurement.competitive_consultation"
METHODS = (NEGOTIATION, CONSULTATION)

# ---------------------------------------------------------------- the two sealed rounds


@dataclass(frozen=True)
class Round:
    """One sealed round: the first responses (首次响应文件) or the final quotes (最后报价)."""

    name: str
    zh: str
    en: str
    status: str  # bids.status once decrypted (never "opened": nothing is read out publicly)
    minimum: str  # rule key: fewer valid ones than this and the procurement fails
    opened_key: str  # project data: when the opening started
    closed_key: str  # project data: when the decryption closed
    record_key: str  # project data: SHA-256 of the confidential opening record


FIRST = Round(
    "first",
    "首次响应文件",
    "first responses",
    "responded",
    "min_bids",
    "responses_opened_at",
    "responses_closed_at",
    "response_record",
)
FINAL = Round(
    "final",
    "最后报价",
    "final quotes",
    "quoted",
    "min_responsive_bids",
    "final_quotes_opened_at",
    "final_quotes_closed_at",
    "final_quote_record",
)
ROUNDS = {r.name: r for r in (FIRST, FINAL)}


def _name(conn: Connection, code: str) -> str:
    entity = find_entity(conn, code)
    return entity["name"] if entity else code


def supplier_minimum(ctx: Context, key: str) -> rules.Rule:
    """The minimum number of suppliers in force: the rule `key`, or the method's documented
    exception (min_suppliers_exception) when the project was registered under it."""
    rule = ctx.rule(key)
    p = ctx.project
    if (
        p is not None
        and p["data"].get("few_suppliers_exception")
        and "min_suppliers_exception" in rules.keys_for(ctx.procedure.code)
    ):
        exception = ctx.rule("min_suppliers_exception")
        if exception.value < rule.value:
            return exception
    return rule


def _store_json(ctx: Context, body: Mapping[str, Any], filename: str) -> str:
    """Store a JSON document (a record or a report) and return its SHA-256."""
    data = json.dumps(body, ensure_ascii=False, sort_keys=True, indent=1).encode()
    sha, size = ctx.uow.platform.documents.write([data])
    register_document(ctx.conn, sha, size, filename, "application/json", ctx.now)
    return sha


def _open_round(ctx: Context, rnd: Round) -> Outcome:
    """At the round's deadline: too few sealed responses → failed; else the window opens."""
    p = ctx.project
    assert p is not None
    sealed = bids_of(ctx.conn, p["code"], ("submitted",))
    minimum = supplier_minimum(ctx, rnd.minimum)
    if len(sealed) < minimum.value:
        return Outcome(
            name="failed",
            event="TenderFailed",
            payload={
                "reason": f"too-few-{rnd.name}-responses",
                "round": rnd.name,
                "responses": len(sealed),
                "minimum": minimum.value,
                "basis": minimum.source,
                "zh": f"提交{rnd.zh}的供应商少于 {minimum.value} 家，采购失败（{minimum.source}）",
                "en": f"fewer than {minimum.value} suppliers sent {rnd.en}: the procurement "
                f"failed ({minimum.source})",
            },
            set={"failed_at": ctx.now.isoformat()},
        )
    window = ctx.rule("decrypt_window_minutes")
    until = ctx.now + timedelta(minutes=window.value)
    return Outcome(
        name="decrypting",
        payload={
            "round": rnd.name,
            "round_zh": rnd.zh,
            "decrypt_until": until.isoformat(),
            "basis": window.source,
        },
        set={rnd.opened_key: ctx.now.isoformat(), "decrypt_until": until.isoformat()},
    )


def _decrypted(
    ctx: Context, rnd: Round, bid: dict[str, Any], key: bytes, by: str
) -> dict[str, Any]:
    record = decrypt_and_read(ctx, bid, key, by)
    return {"round": rnd.name, **record}


def _decrypt_own(ctx: Context, rnd: Round) -> Outcome:
    """A supplier submits its unwrapped content key: its own sealed response is decrypted."""
    p = ctx.project
    assert p is not None
    sealed = bids_of(ctx.conn, p["code"], ("submitted",))
    mine = [b for b in sealed if b["bidder"] == ctx.account.entity]
    if not mine:
        raise DomainError(
            "nothing-to-decrypt",
            f"没有待解密的本单位{rnd.zh}",
            f"you have no {rnd.en} waiting to be decrypted",
            status=409,
        )
    try:
        key = bytes.fromhex(ctx.data["content_key"].strip())
    except ValueError:
        key = b""
    if len(key) not in (16, 32):
        raise DomainError(
            "invalid-content-key",
            "内容密钥须为 32 或 64 位十六进制",
            "the content key must be 32 or 64 hex digits",
            field="content_key",
        )
    record = _decrypted(ctx, rnd, mine[0], key, "bidder")
    if len(sealed) > 1:
        return Outcome(name="pending", payload=record, result={"decrypted": record["bid"]})
    ctx.emit("ResponseDecrypted", record)  # the last one: then the round closes
    return _close_round(ctx, rnd, [])


def _submit_share(ctx: Context, rnd: Round) -> Outcome:
    """备用解密: an officer hands in a share; with k shares the opening key opens the rest."""
    from ggzy.pki.envelope import read_header, recover_opening_key, unwrap_content_key
    from ggzy.pki.shamir import Share

    p = ctx.project
    assert p is not None
    opening = p["data"].get("opening_key")
    if not opening:
        raise DomainError(
            "no-opening-key", "本项目未使用开标密钥", "this project has no opening key", status=409
        )
    raw = ctx.data["share"]
    share = Share.from_json(raw if isinstance(raw, str) else json.dumps(raw))
    if share.set_id != opening["set_id"]:
        raise DomainError(
            "wrong-share",
            "该分片不属于本项目的开标密钥",
            "this share belongs to another opening key",
            field="share",
        )
    taken = ctx.conn.execute(
        select(opening_shares).where(opening_shares.c.project == p["code"])
    ).all()
    if any(r.share_index == share.index for r in taken):
        raise DomainError(
            "share-duplicate",
            f"第 {share.index} 份分片已提交",
            f"share {share.index} was already submitted",
            status=409,
        )
    if any(r.officer == ctx.account.username for r in taken):
        raise DomainError(
            "officer-duplicate",
            "每名开标人员只能提交一份分片",
            "each officer submits one share",
            status=409,
        )
    ctx.conn.execute(
        opening_shares.insert().values(
            project=p["code"],
            share_index=share.index,
            officer=ctx.account.username,
            share=share.to_json(),
            submitted_at=ctx.now,
        )
    )
    shares = [Share.from_json(r.share) for r in taken] + [share]
    handed_in = {
        "round": rnd.name,
        "officer": ctx.account.username,
        "index": share.index,
        "threshold": share.threshold,
        "shares": len(shares),
    }
    if len(shares) < share.threshold:
        return Outcome(name="pending", payload=handed_in)  # event: OpeningShareSubmitted
    ctx.emit("OpeningShareSubmitted", handed_in)
    key = recover_opening_key(shares)
    for bid in bids_of(ctx.conn, p["code"], ("submitted",)):
        with ctx.uow.platform.documents.path(bid["sealed_sha256"]).open("rb") as fh:
            header = read_header(fh)
        content_key = unwrap_content_key(header, key)
        ctx.emit("ResponseDecrypted", _decrypted(ctx, rnd, bid, content_key, "officers"))
    return _close_round(ctx, rnd, [])


def _finish_round(ctx: Context, rnd: Round) -> Outcome:
    """The window has closed: what is still sealed counts as withdrawn; then close the round."""
    p = ctx.project
    assert p is not None
    lapsed = bids_of(ctx.conn, p["code"], ("submitted",))
    for bid in lapsed:
        ctx.emit(
            "ResponseDecryptionFailed",
            {
                "round": rnd.name,
                "bid": bid["seq"],
                "bidder": bid["bidder"],
                "zh": f"未在解密时限内解密{rnd.zh}，视为撤回",
                "en": f"{rnd.en}: not decrypted within the window, treated as withdrawn",
            },
        )
    return _close_round(ctx, rnd, [b["bidder"] for b in lapsed])


def _close_round(ctx: Context, rnd: Round, lapsed: list[str]) -> Outcome:
    """Store the confidential opening record; enough valid responses → opened, else failed.

    The record holds every offer: it is attached to no event (the closing event's actor may be
    the last supplier to decrypt), so only officials read it, through negotiation_view.
    """
    p = ctx.project
    assert p is not None
    ctx.conn.execute(delete(opening_shares).where(opening_shares.c.project == p["code"]))
    opened = bids_of(ctx.conn, p["code"], (rnd.status,))
    valid = [b for b in opened if b["opened"] and b["opened"].get("valid")]
    record = _store_json(
        ctx,
        {
            "format": "ggzy-response-record/1",
            "project": p["code"],
            "title": p["title"],
            "round": rnd.name,
            "round_zh": rnd.zh,
            "opened_at": p["data"].get(rnd.opened_key),
            "closed_at": ctx.now.isoformat(),
            "responses": [b["opened"] for b in opened if b["opened"]],
            "undecrypted": [{"supplier": s, "supplier_name": _name(ctx.conn, s)} for s in lapsed],
        },
        f"{p['code']}-{rnd.name}-record.json",
    )
    dates = {rnd.closed_key: ctx.now.isoformat(), rnd.record_key: record}
    minimum = supplier_minimum(ctx, rnd.minimum)
    if len(valid) < minimum.value:
        return Outcome(
            name="failed",
            event="TenderFailed",
            payload={
                "reason": f"too-few-valid-{rnd.name}-responses",
                "round": rnd.name,
                "valid": len(valid),
                "minimum": minimum.value,
                "basis": minimum.source,
                "zh": f"有效的{rnd.zh}不足 {minimum.value} 家，采购失败（{minimum.source}）",
                "en": f"fewer than {minimum.value} valid {rnd.en}: the procurement failed "
                f"({minimum.source})",
            },
            set={**dates, "failed_at": ctx.now.isoformat()},
        )
    return Outcome(
        name="opened",
        event="ResponsesOpened",
        payload={"round": rnd.name, "responses": len(opened), "valid": len(valid)},
        set=dates,
    )


@effect("open_first_responses", outcomes=("decrypting", "failed"))
def _open_first(ctx: Context) -> Outcome:
    """Open the first responses at their deadline (no reading out)."""
    return _open_round(ctx, FIRST)


@effect("decrypt_first_response", outcomes=("pending", "opened", "failed"))
def _decrypt_first(ctx: Context) -> Outcome:
    """A supplier decrypts its first response remotely."""
    return _decrypt_own(ctx, FIRST)


@effect("first_response_share", outcomes=("pending", "opened", "failed"))
def _share_first(ctx: Context) -> Outcome:
    """An officer's opening-key share for the first responses."""
    return _submit_share(ctx, FIRST)


@effect("close_first_responses", outcomes=("opened", "failed"))
def _close_first(ctx: Context) -> Outcome:
    """Close the decryption of the first responses."""
    return _finish_round(ctx, FIRST)


@effect("open_final_quotes", outcomes=("decrypting", "failed"))
def _open_final(ctx: Context) -> Outcome:
    """Open the final quotes at their deadline (no reading out)."""
    return _open_round(ctx, FINAL)


@effect("decrypt_final_quote", outcomes=("pending", "opened", "failed"))
def _decrypt_final(ctx: Context) -> Outcome:
    """A supplier decrypts its final quote remotely."""
    return _decrypt_own(ctx, FINAL)


@effect("final_quote_share", outcomes=("pending", "opened", "failed"))
def _share_final(ctx: Context) -> Outcome:
    """An officer's opening-key share for the final quotes."""
    return _submit_share(ctx, FINAL)


@effect("close_final_quotes", outcomes=("opened", "failed"))
def _close_final(ctx: Context) -> Outcome:
    """Close the decryption of the final quotes."""
    return _finish_round(ctx, FINAL)


@projector("ResponseDecrypted")
def _response_decrypted(conn: Connection, ev: RecordedEvent) -> None:
    rnd = ROUNDS[ev.payload["round"]]
    conn.execute(
        update(bids)
        .where(bids.c.seq == ev.payload["bid"])
        .values(
            status=rnd.status,
            price=ev.payload["price"],
            opened=json.dumps(ev.payload, ensure_ascii=False),
        )
    )


@projector("ResponseDecryptionFailed")
def _response_lapsed(conn: Connection, ev: RecordedEvent) -> None:
    conn.execute(update(bids).where(bids.c.seq == ev.payload["bid"]).values(status="undecrypted"))


# ---------------------------------------------------------------- who is still in


STATE_EVENTS = (
    "NegotiationRecorded",
    "RequirementsChanged",
    "SupplierExcluded",
    "SupplierWithdrew",
    "FinalQuotesInvited",
)


@dataclass
class Negotiation:
    """The state of one negotiation, derived from the bids table and the confidential events."""

    code: str
    first: dict[str, dict[str, Any]] = field(default_factory=dict)  # supplier -> first response
    final: dict[str, dict[str, Any]] = field(default_factory=dict)  # supplier -> final quote
    sealed: dict[str, dict[str, Any]] = field(default_factory=dict)  # supplier -> sealed, unopened
    lapsed: set[str] = field(default_factory=set)  # a response not decrypted in time
    excluded: dict[str, str] = field(default_factory=dict)  # supplier -> reason
    withdrawn: set[str] = field(default_factory=set)
    rounds: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    invited: list[str] = field(default_factory=list)

    @property
    def remaining(self) -> list[str]:
        """Suppliers still taking part, in the order their first responses came in."""
        return [s for s in self.first if s not in self.excluded and s not in self.withdrawn]

    def status_of(self, supplier: str) -> str:
        """remaining | excluded | withdrawn | undecrypted | none."""
        if supplier in self.excluded:
            return "excluded"
        if supplier in self.withdrawn:
            return "withdrawn"
        if supplier in self.first:
            return "remaining"
        return "undecrypted" if supplier in self.lapsed else "none"


def negotiation_of(conn: Connection, code: str) -> Negotiation:
    """Derive a project's negotiation state (bids table + confidential events)."""
    n = Negotiation(code)
    statuses = ("submitted", FIRST.status, FINAL.status, "undecrypted")
    for b in bids_of(conn, code, statuses):
        supplier = b["bidder"]
        if b["status"] == FIRST.status:
            n.first[supplier] = {**b["opened"], "bid": b["seq"]}
            if not b["opened"].get("valid"):
                problems = "；".join(b["opened"].get("problems") or []) or "响应文件无效"
                n.excluded[supplier] = problems
        elif b["status"] == FINAL.status:
            n.final[supplier] = {**b["opened"], "bid": b["seq"]}
        elif b["status"] == "submitted":
            n.sealed[supplier] = {"bid": b["seq"], "sealed_sha256": b["sealed_sha256"]}
        else:
            n.lapsed.add(supplier)
    q = (
        select(events)
        .where(
            events.c.subject_type == "project",
            events.c.subject_id == code,
            events.c.type.in_(STATE_EVENTS),
        )
        .order_by(events.c.seq)
    )
    for row in conn.execute(q):
        ev = row_to_event(row)
        p = {**ev.payload, "seq": ev.seq, "at": ev.recorded_at.isoformat()}
        if ev.type == "NegotiationRecorded":
            n.rounds.append(p)
        elif ev.type == "RequirementsChanged":
            n.changes.append(p)
        elif ev.type == "SupplierExcluded":
            n.excluded[p["supplier"]] = p["reason"]
        elif ev.type == "SupplierWithdrew":
            n.withdrawn.add(p["supplier"])
        elif ev.type == "FinalQuotesInvited":
            n.invited = list(p["invited"])
    return n


def _stored(ctx: Context, sha: str, name: str, zh: str, en: str) -> str:
    if document_info(ctx.conn, sha) is None:
        raise DomainError(
            "unknown-document", f"{zh}尚未上传", f"the {en} has not been uploaded", field=name
        )
    return sha


def _remaining_supplier(ctx: Context, n: Negotiation, supplier: str) -> None:
    if supplier not in n.remaining:
        raise DomainError(
            "not-in-negotiation",
            f"{_name(ctx.conn, supplier)} 未参加或已不再参加本项目的谈判（磋商）",
            f"{supplier} is not (or no longer) taking part in this negotiation",
            status=409,
            field="supplier",
        )


# ---------------------------------------------------------------- the negotiation


@effect("record_negotiation")
def _negotiate(ctx: Context) -> Outcome:
    """One round with one supplier: its minutes, and a change of the requirements (if any),
    notified in writing to every supplier still taking part (财政部令第74号 art. 31)."""
    p = ctx.project
    assert p is not None
    n = negotiation_of(ctx.conn, p["code"])
    supplier = ctx.data["supplier"]
    _remaining_supplier(ctx, n, supplier)
    minutes = _stored(ctx, ctx.data["minutes"], "minutes", "谈判记录", "minutes")
    number = 1 + sum(1 for r in n.rounds if r["supplier"] == supplier)
    payload: dict[str, Any] = {
        "supplier": supplier,
        "supplier_name": _name(ctx.conn, supplier),
        "round": number,
        "minutes": minutes,
        "summary": ctx.data.get("summary", ""),
    }
    changes = ctx.data.get("changes")
    document = ctx.data.get("changes_document")
    if document and not changes:
        raise DomainError(
            "changes-required",
            "上传了变动后的采购需求，须写明实质性变动的内容",
            "a changed requirements document needs the changes described",
            field="changes",
        )
    docs: tuple[str, ...] = (minutes,)
    if changes:
        if document:
            _stored(ctx, document, "changes_document", "变动后的采购需求", "changed requirements")
        change = {
            "number": len(n.changes) + 1,
            "text": changes,
            "document": document,
            "from_supplier_round": {"supplier": supplier, "round": number},
            "recipients": n.remaining,
            "zh": "对谈判（磋商）文件作出的实质性变动是其有效组成部分，已同时书面通知所有继续"
            "参加的供应商（财政部令第74号 第31条）",
            "en": "the change is part of the documents and was notified in writing to every "
            "supplier still taking part at the same time (MoF Order 74 art. 31)",
        }
        ctx.emit("RequirementsChanged", change, (document,) if document else ())
        payload["requirements_changed"] = change["number"]
    return Outcome(payload=payload, documents=docs, result={"round": number})


@effect("exclude_supplier")
def _exclude(ctx: Context) -> Outcome:
    """The committee finds a supplier non-responsive: it takes no further part."""
    p = ctx.project
    assert p is not None
    n = negotiation_of(ctx.conn, p["code"])
    supplier = ctx.data["supplier"]
    _remaining_supplier(ctx, n, supplier)
    return Outcome(
        payload={
            "supplier": supplier,
            "supplier_name": _name(ctx.conn, supplier),
            "reason": ctx.data["reason"],
        }
    )


@effect("withdraw_from_negotiation")
def _withdraw(ctx: Context) -> Outcome:
    """A supplier leaves the negotiation before its final quote (财政部令第74号)."""
    p = ctx.project
    assert p is not None
    n = negotiation_of(ctx.conn, p["code"])
    me = ctx.account.entity or ""
    if me not in n.remaining:
        raise DomainError(
            "not-in-negotiation",
            "本单位未参加或已不再参加本项目的谈判（磋商）",
            "you are not (or no longer) taking part in this negotiation",
            status=409,
        )
    if me in n.sealed and p["stage"] == "final_quoting":
        raise DomainError(
            "final-quote-submitted",
            "已提交最后报价的供应商不能再退出",
            "a supplier that sent its final quote can no longer withdraw",
            status=409,
        )
    return Outcome(payload={"supplier": me, "reason": ctx.data.get("reason", "")})


@effect("invite_final_quotes", outcomes=("invited", "failed"))
def _invite(ctx: Context) -> Outcome:
    """End the negotiation: every remaining supplier is invited to a final quote by a deadline;
    too few remaining responsive suppliers and the procurement fails."""
    p = ctx.project
    assert p is not None
    n = negotiation_of(ctx.conn, p["code"])
    deadline = datetime.fromisoformat(ctx.data["final_quote_deadline"])
    if deadline <= ctx.now:
        raise DomainError(
            "deadline-in-past",
            "最后报价截止时间须晚于当前时间",
            "the final-quote deadline must be in the future",
            field="final_quote_deadline",
        )
    minimum = supplier_minimum(ctx, "min_responsive_bids")
    remaining = n.remaining
    if len(remaining) < minimum.value:
        return Outcome(
            name="failed",
            event="TenderFailed",
            payload={
                "reason": "too-few-responsive",
                "responsive": len(remaining),
                "minimum": minimum.value,
                "basis": minimum.source,
                "zh": f"实质性响应的供应商不足 {minimum.value} 家，采购失败（{minimum.source}）",
                "en": f"fewer than {minimum.value} responsive suppliers: the procurement "
                f"failed ({minimum.source})",
            },
            set={"failed_at": ctx.now.isoformat()},
        )
    return Outcome(
        name="invited",
        payload={
            "invited": remaining,
            "final_quote_deadline": deadline.isoformat(),
            "note": ctx.data.get("note", ""),
        },
        set={"final_quote_deadline": deadline.isoformat()},
    )


@effect("submit_final_quote")
def _submit_final_quote(ctx: Context) -> Outcome:
    """A final quote: an invited supplier's second sealed bid, checked like the first."""
    p = ctx.project
    assert p is not None
    n = negotiation_of(ctx.conn, p["code"])
    me = ctx.account.entity or ""
    if me not in n.invited or me not in n.remaining:
        raise forbidden(
            "只有受邀且仍参加的供应商可以提交最后报价",
            "only invited suppliers still taking part may send a final quote",
            reason="not-invited",
        )
    if ctx.data["sealed_file"] == n.first[me]["sealed_sha256"]:
        raise DomainError(
            "sealed-file-reused",
            "最后报价须重新密封，不能重复递交首次响应文件",
            "a final quote is sealed anew; the first response cannot be sent again",
            field="sealed_file",
        )
    submit, _ = EFFECTS["submit_sealed_bid"]
    outcome = submit(ctx)
    outcome.payload["round"] = FINAL.name
    outcome.result["receipt"]["round"] = FINAL.name
    return outcome


# ---------------------------------------------------------------- review and ranking


def _reviews(raw: Any, suppliers: set[str]) -> dict[str, dict[str, Any]]:
    """The committee's findings: [{supplier, responsive, reason, ...}], one per supplier."""
    if raw is None:
        return {}
    bad = DomainError(
        "invalid-reviews",
        "评审意见须为列表：[{supplier, responsive, reason, …}]",
        "reviews must be a list of {supplier, responsive, reason, …}",
        field="reviews",
    )
    if not isinstance(raw, list):
        raise bad
    out: dict[str, dict[str, Any]] = {}
    for item in raw:
        if not isinstance(item, dict):
            raise bad
        supplier = item.get("supplier")
        if supplier not in suppliers:
            raise DomainError(
                "unknown-supplier",
                "评审意见中的供应商没有有效的最后报价",
                "a review names a supplier without a valid final quote",
                field="reviews",
                supplier=str(supplier),
            )
        if supplier in out:
            raise DomainError(
                "duplicate-review",
                "同一供应商有两条评审意见",
                "two reviews name the same supplier",
                field="reviews",
                supplier=supplier,
            )
        responsive = item.get("responsive", True)
        if not isinstance(responsive, bool):
            raise bad
        reason = str(item.get("reason") or "").strip()
        if not responsive and not reason:
            raise DomainError(
                "reason-required",
                "认定未实质性响应须写明理由",
                "a non-responsive finding needs a reason",
                field="reviews",
                supplier=supplier,
            )
        out[supplier] = {**item, "responsive": responsive, "reason": reason}
    return out


def _screen(
    ctx: Context, n: Negotiation, reviews: dict[str, dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Split the final quotes into responsive ones and rejected ones (with reasons)."""
    p = ctx.project
    assert p is not None
    max_price = p["data"].get("max_price")
    responsive: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    for supplier, quote in n.final.items():
        review = reviews.get(supplier, {"responsive": True, "reason": ""})
        reason = ""
        if not quote.get("valid"):
            reason = "；".join(quote.get("problems") or []) or "最后报价无效"
        elif supplier in n.excluded or supplier in n.withdrawn:
            reason = n.excluded.get(supplier) or "已退出谈判（磋商）"
        elif not review["responsive"]:
            reason = review["reason"]
        elif max_price is not None and quote["price"] > max_price:
            reason = f"最后报价超过最高限价（{to_capitals(max_price)}）"
        entry = {
            "bidder": supplier,
            "bidder_name": quote.get("bidder_name") or _name(ctx.conn, supplier),
            "price": quote["price"],
            "bid": quote["bid"],
        }
        (rejected if reason else responsive).append({**entry, "reason": reason})
    return responsive, rejected


def _review_outcome(
    ctx: Context,
    method: str,
    panel_zh: str,
    candidates: list[dict[str, Any]],
    rejected: list[dict[str, Any]],
    extra: Mapping[str, Any] | None = None,
) -> Outcome:
    """Store the review report; at least the minimum of responsive suppliers → ranked."""
    p = ctx.project
    assert p is not None
    report = {
        "format": "ggzy-review-report/1",
        "project": p["code"],
        "title": p["title"],
        "method": method,
        "panel": ctx.data.get("panel") or [],
        "evaluated_at": ctx.now.isoformat(),
        "summary": ctx.data.get("summary", ""),
        "candidates": candidates,
        "rejected": [
            {"bidder": r["bidder"], "bidder_name": r["bidder_name"], "reason": r["reason"]}
            for r in rejected
        ],
        **(extra or {}),
    }
    sha = _store_json(ctx, report, f"{p['code']}-review-report.json")
    minimum = supplier_minimum(ctx, "min_responsive_bids")
    if len(candidates) < minimum.value:
        return Outcome(
            name="too_few",
            event="TenderFailed",
            payload={
                "reason": "too-few-responsive",
                "responsive": len(candidates),
                "minimum": minimum.value,
                "basis": minimum.source,
                "zh": f"实质性响应的最后报价不足 {minimum.value} 家，采购失败（{minimum.source}）",
                "en": f"fewer than {minimum.value} responsive final quotes: the procurement "
                f"failed ({minimum.source})",
            },
            set={"failed_at": ctx.now.isoformat(), "review_report": sha},
        )
    return Outcome(
        name="ranked",
        payload={"method": method, "report": sha, "candidates": candidates},
        documents=(sha,),
        set={
            "evaluated_at": ctx.now.isoformat(),
            "candidates": candidates,
            "review_report": sha,
            "panel_zh": panel_zh,
        },
    )


@effect("rank_lowest_final_quote", outcomes=("ranked", "too_few"))
def _rank_negotiation(ctx: Context) -> Outcome:
    """竞争性谈判: the lowest final price among responsive offers of equal quality and service
    wins (政府采购法 art. 38(5)); equal prices: the earlier final quote first."""
    p = ctx.project
    assert p is not None
    n = negotiation_of(ctx.conn, p["code"])
    reviews = _reviews(ctx.data.get("reviews"), set(n.final))
    responsive, rejected = _screen(ctx, n, reviews)
    responsive.sort(key=lambda q: (q["price"], q["bid"]))
    candidates = [
        {
            "rank": i + 1,
            "bidder": q["bidder"],
            "bidder_name": q["bidder_name"],
            "price": q["price"],
            "price_capitals": to_capitals(q["price"]),
        }
        for i, q in enumerate(responsive)
    ]
    return _review_outcome(
        ctx,
        "最后报价最低者成交（政府采购法 第38条）/ lowest final price",
        "谈判小组",
        candidates,
        rejected,
    )


CATEGORIES = {"goods": "goods", "货物": "goods", "services": "services", "服务": "services"}
CATEGORIES |= {"works": "works", "工程": "works"}
# rules.md §2.2: works procured under the Procurement Law follow the goods range [G]
WEIGHT_RULES = {
    "goods": ("price_weight_goods_min", "price_weight_goods_max"),
    "works": ("price_weight_goods_min", "price_weight_goods_max"),
    "services": ("price_weight_services_min", "price_weight_services_max"),
}


def check_price_weight(ctx: Context, category: str, weight: int) -> str:
    """The normalised category; the price weight must lie in the rule table's range for it."""
    normal = CATEGORIES.get(category.strip().lower())
    if normal is None:
        raise DomainError(
            "invalid-category",
            "采购品目类别须为 货物/服务/工程（goods/services/works）",
            "the category must be goods, services or works",
            field="category",
        )
    low, high = (ctx.rule(key) for key in WEIGHT_RULES[normal])
    if not low.value <= weight <= high.value:
        raise DomainError(
            "price-weight-out-of-range",
            f"价格权值须在 {low.value}%–{high.value}% 之间（{low.source}）",
            f"the price weight must be {low.value}–{high.value} % ({low.source})",
            field="price_weight",
            low=low.value,
            high=high.value,
        )
    return normal


def _points(value: Any, supplier: str, name: str) -> Fraction:
    bad = DomainError(
        "invalid-score",
        f'{name} 分须为不小于零、至多两位小数的数（字符串），如 "45.5"',
        f'the {name} score must be a number >= 0 with at most 2 decimals, e.g. "45.5"',
        field="reviews",
        supplier=supplier,
    )
    if value is None or isinstance(value, bool | float):
        raise bad
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise bad from None
    exponent = number.as_tuple().exponent
    if not number.is_finite() or number < 0 or not isinstance(exponent, int) or exponent < -2:
        raise bad
    return Fraction(number)


def score_text(x: Fraction) -> str:
    """A score to two decimals, half up: Fraction(360, 13) -> '27.69'."""
    with localcontext() as c:
        c.prec = 40
        value = Decimal(x.numerator) / Decimal(x.denominator)
        return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def price_score(lowest: int, price: int, weight: int) -> Fraction:
    """价格分 = 评审基准价 / 最后报价 × 价格权值 × 100 (rules.md §2.2), weight in percent:
    price_score(1800000, 1950000, 30) == Fraction(360, 13) (27.69 points)."""
    return Fraction(lowest, price) * weight


@effect("score_consultation", outcomes=("ranked", "too_few"))
def _rank_consultation(ctx: Context) -> Outcome:
    """竞争性磋商: comprehensive scoring (综合评分法). The benchmark is the lowest responsive
    final quote; the price score is benchmark / quote × price weight × 100; the committee gives
    the other points (technical, other), together at most 100 − weight. Ranking: total score
    down, then final quote up, then technical points down (rules.md §2.2)."""
    p = ctx.project
    assert p is not None
    weight = p["data"].get("price_weight")
    if not isinstance(weight, int):
        raise DomainError(
            "no-price-weight",
            "磋商文件未载明价格权值",
            "the consultation documents state no price weight",
            status=409,
        )
    n = negotiation_of(ctx.conn, p["code"])
    reviews = _reviews(ctx.data.get("reviews"), set(n.final))
    responsive, rejected = _screen(ctx, n, reviews)
    ceiling = 100 - weight
    scored = []
    lowest = min((q["price"] for q in responsive), default=0)
    for q in responsive:
        review = reviews.get(q["bidder"])
        if review is None or review.get("technical") is None:
            raise DomainError(
                "score-missing",
                f"须给出 {q['bidder_name']} 的技术分",
                f"the technical score of {q['bidder']} is missing",
                field="reviews",
                supplier=q["bidder"],
            )
        technical = _points(review["technical"], q["bidder"], "technical")
        other = _points(review.get("other", "0"), q["bidder"], "other")
        if technical + other > ceiling:
            raise DomainError(
                "score-too-high",
                f"{q['bidder_name']} 的价格以外得分超过 {ceiling} 分（100 − 价格权值 {weight}）",
                f"{q['bidder']}: the points other than price exceed {ceiling} "
                f"(100 − price weight {weight})",
                field="reviews",
                supplier=q["bidder"],
            )
        price = price_score(lowest, q["price"], weight)
        scored.append((price + technical + other, price, technical, other, q))
    scored.sort(key=lambda s: (-s[0], s[4]["price"], -s[2], s[4]["bid"]))
    candidates = [
        {
            "rank": i + 1,
            "bidder": q["bidder"],
            "bidder_name": q["bidder_name"],
            "price": q["price"],
            "price_capitals": to_capitals(q["price"]),
            "price_score": score_text(price),
            "technical_score": score_text(technical),
            "other_score": score_text(other),
            "total_score": score_text(total),
        }
        for i, (total, price, technical, other, q) in enumerate(scored)
    ]
    return _review_outcome(
        ctx,
        "综合评分法（财库〔2014〕214号）/ comprehensive scoring",
        "磋商小组",
        candidates,
        rejected,
        {
            "price_weight": weight,
            "benchmark_price": lowest,
            "formula": "价格分 = 评审基准价（最低的有效最后报价）/ 最后报价 × 价格权值 × 100",
        },
    )


# ---------------------------------------------------------------- around the standard effects


@effect("register_consultation")
def _register_consultation(ctx: Context) -> Outcome:
    """Register a consultation project; the two-supplier exception needs its ground."""
    if ctx.data.get("few_suppliers_exception") and not ctx.data.get("exception_ground"):
        raise DomainError(
            "exception-ground-required",
            "适用供应商可为两家的例外情形，须写明依据（如市场竞争不充分的科研项目）",
            "the two-supplier exception needs its ground (e.g. a research project without "
            "sufficient competition)",
            field="exception_ground",
        )
    register, _ = EFFECTS["register_project"]
    return register(ctx)


@effect("publish_consultation_announcement")
def _publish_consultation(ctx: Context) -> Outcome:
    """The consultation announcement with its documents, which state the category and the
    price weight of the comprehensive scoring."""
    category = check_price_weight(ctx, ctx.data["category"], ctx.data["price_weight"])
    publish, _ = EFFECTS["publish_announcement"]
    outcome = publish(ctx)
    terms = {"category": category, "price_weight": ctx.data["price_weight"]}
    outcome.payload.update(terms)
    outcome.set.update(terms)
    return outcome


@effect("award_deal")
def _award_deal(ctx: Context) -> Outcome:
    """The purchaser fixes the supplier in rank order (成交供应商) and announces the result."""
    award, _ = EFFECTS["award"]
    outcome = award(ctx)
    p = ctx.project
    assert p is not None
    panel = p["data"].get("panel_zh") or "评审小组"
    o = outcome.payload
    o["notice_zh"] = (
        f"经{panel}评审，确定{o['winner_name']}为成交供应商，成交金额人民币"
        f"{o['price_capitals']}。请于 {o['contract_due']} 前签订政府采购合同。"
    )
    return outcome


# ---------------------------------------------------------------- what a caller may see


def _offer(record: dict[str, Any] | None) -> dict[str, Any] | None:
    if record is None:
        return None
    keys = ("bid", "price", "price_capitals", "valid", "problems", "package_sha256", "quality")
    return {k: record.get(k) for k in keys} | {"decrypted_by": record.get("decrypted_by")}


def negotiation_view(conn: Connection, code: str, account: Account | None) -> dict[str, Any]:
    """What the caller may see of a negotiation: officials (purchaser, agency, center staff,
    regulators) everything; a supplier its own offers, its own rounds and the changes sent to
    it, never another supplier's offer or name; anyone else nothing (403)."""
    from ggzy.procedures.views import is_official

    project = get_project(conn, code)
    if project["method"] not in METHODS:
        raise not_found(f"项目 {code} 的谈判", f"the negotiation of {code}")
    n = negotiation_of(conn, project["code"])
    base = {
        "project": project["code"],
        "stage": project["stage"],
        "final_quote_deadline": project["data"].get("final_quote_deadline"),
    }
    if is_official(account, project, conn):
        suppliers = sorted(set(n.first) | set(n.final) | n.lapsed)
        return {
            **base,
            "suppliers": [
                {
                    "supplier": s,
                    "supplier_name": _name(conn, s),
                    "status": n.status_of(s),
                    "reason": n.excluded.get(s),
                    "invited": s in n.invited,
                    "first": _offer(n.first.get(s)),
                    "final": _offer(n.final.get(s)),
                }
                for s in suppliers
            ],
            "rounds": n.rounds,
            "changes": n.changes,
            "invited": n.invited,
            "response_record": project["data"].get(FIRST.record_key),
            "final_quote_record": project["data"].get(FINAL.record_key),
            "review_report": project["data"].get("review_report"),
        }
    me = account.entity if account else None
    if not me or (me not in n.first and me not in n.lapsed):
        raise forbidden(
            "只有采购人、代理机构、监管部门和参加谈判（磋商）的供应商本人可以查看",
            "only officials and the participating supplier itself may see this",
        )
    invited = me in n.invited
    return {
        **base,
        "final_quote_deadline": base["final_quote_deadline"] if invited else None,
        "supplier": me,
        "status": n.status_of(me),
        "reason": n.excluded.get(me),
        "invited": invited,
        "first": _offer(n.first.get(me)),
        "final": _offer(n.final.get(me)),
        "rounds": [r for r in n.rounds if r["supplier"] == me],
        "changes": [
            {k: v for k, v in c.items() if k not in ("recipients", "from_supplier_round")}
            for c in n.changes
            if me in c["recipients"]
        ],
    }
