"""OCDS 1.1 export (开放数据): every project of every method as releases, public data only.

A project's events are replayed in order. At each *public* event that changes what the public
knows (see _tags_for) a release is written: a snapshot of everything public about the
project at that moment, tagged with the kind of change (planning, tender, tenderAmendment,
tenderUpdate, award, contract, implementation, ...). The release's ocid is the node's ocid prefix
plus the unified deal code; its id is the deal code and the event's sequence number; its date
is the event's server time in Beijing time. Replaying the whole log makes the releases of a
project the same in every export: a re-export never renumbers or rewrites an old release.

What is public follows ggzy.procedures.views: project data only under PUBLIC_DATA (and the
transfer board keys), candidates from their publicity, bidders and their number only from the
opening (开标) on, never a confidential event's content, never a transfer's reserve price (底价),
even where a public result event repeats it. Fields OCDS has no place for are in the ``ggzy``
extension (src/ggzy/open_data/extension, docs/ocds-extension.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Connection, select

from ggzy.core.calendar import SHANGHAI
from ggzy.core.codes import province_of, region_name
from ggzy.core.errors import DomainError
from ggzy.core.events import EVENT_TYPES, RecordedEvent
from ggzy.core.projections import row_to_event
from ggzy.core.tables import events
from ggzy.ledger.merkle import leaf_hash
from ggzy.open_data.values import beijing, beijing_text, value
from ggzy.procedures.views import PUBLIC_DATA
from ggzy.transfer.views import BOARD_KEYS

OCDS_VERSION = "1.1"
RELEASES_ROUTE = "/api/v1/ocds/releases"
EXTENSION_ROUTE = "/api/v1/ocds/extension/extension.json"
DOCUMENT_ROUTE = "/api/v1/documents/{sha}"
SCHEME = "CN-USCC"  # 统一社会信用代码 (GB 32100-2015); see docs/ocds-extension.md
LANGUAGE = "zh"

# tender.status by stage: before the announcement planning, while it runs active, once the
# result is fixed complete, a failure unsuccessful, a termination cancelled.
PLANNING_STAGES = frozenset({"registered", "plan_submitted", "approved"})
COMPLETE_STAGES = frozenset({"awarded", "deal", "published", "concluded", "contracted", "accepted"})
UNSUCCESSFUL_STAGES = frozenset({"failed", "pq_failed"})

# OCDS method by trading method (交易方式); the Chinese method is procurementMethodDetails.
METHODS = {
    "construction.open_tendering": "open",
    "procurement.open_tendering": "open",
    "construction.prequalified_tendering": "selective",
    "construction.invitational_tendering": "selective",
    "procurement.invitational_tendering": "selective",
    "procurement.competitive_negotiation": "limited",
    "procurement.competitive_consultation": "limited",
    "procurement.inquiry": "limited",
    "procurement.single_source": "direct",
}
AUCTIONS = frozenset({"land.listing", "land.auction", "mining.listing", "mining.auction"})
TRANSFER_DOMAINS = frozenset({"land", "mining"})

# The public project data a release may show: views.PUBLIC_DATA and the transfer board.
VISIBLE_DATA = frozenset(PUBLIC_DATA) | frozenset(BOARD_KEYS)
PARCEL_KEYS = {  # 宗地/矿区 as registered (public: the registration event is public)
    "parcel_no": "parcelNumber",
    "location": "location",
    "area": "area",
    "land_use": "landUse",
    "plot_ratio": "plotRatio",
    "term_years": "termYears",
    "mineral": "mineral",
    "right_type": "rightType",
}


def _as_dict(value: Any) -> dict[str, Any]:
    """value if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Release:
    """One exported release and the event (sequence number) it was written at."""

    seq: int
    project: str
    center: str
    date: datetime
    body: dict[str, Any]


@dataclass
class _State:
    """What the public knows of one project, folded from its events up to a point."""

    code: str
    method: str
    center: str
    title: str
    tenderee: str
    agency: str | None
    estimated_price: int
    stage: str = "registered"
    data: dict[str, Any] = field(default_factory=dict)  # every event's `set`: read VISIBLE_DATA
    public_data: dict[str, Any] = field(default_factory=dict)  # public events' `set` only
    plan: dict[str, Any] | None = None
    amendments: list[dict[str, Any]] = field(default_factory=list)
    tenderers: list[dict[str, Any]] = field(default_factory=list)
    bids: int | None = None
    read_out: list[dict[str, Any]] = field(default_factory=list)
    not_decrypted: list[dict[str, Any]] = field(default_factory=list)
    candidates: list[dict[str, Any]] | None = None
    award: dict[str, Any] | None = None
    failure: dict[str, Any] | None = None
    single_source: dict[str, Any] | None = None
    quotes: list[dict[str, Any]] = field(default_factory=list)
    result: dict[str, Any] | None = None
    contract_signed: bool = False
    performance: list[dict[str, Any]] = field(default_factory=list)
    acceptance: list[dict[str, Any]] = field(default_factory=list)
    suspended: dict[str, Any] | None = None
    terminated: dict[str, Any] | None = None
    followed_by: str | None = None
    released: set[str] = field(default_factory=set)  # tags written so far

    def get(self, key: str) -> Any:
        """A project datum the public may see (views' rule), else only from public events."""
        if key in VISIBLE_DATA:
            return self.data.get(key)
        return self.public_data.get(key)


@dataclass
class _Context:
    """What rendering needs besides the project: names, centers, the node's URLs."""

    prefix: str
    base_url: str
    entities: dict[str, dict[str, Any]]
    centers: dict[str, dict[str, Any]]

    def name(self, code: str, fallback: str | None = None) -> str:
        """The registered name of an entity, else the name an event gave, else the code."""
        entity = self.entities.get(code)
        return str(entity["name"]) if entity else (fallback or code)


# ---------------------------------------------------------------- folding public events


def _on_plan(s: _State, ev: RecordedEvent) -> None:
    p = ev.payload
    s.plan = {k: p.get(k) for k in ("plan_number", "budget", "funding", "items")}


def _on_clarified(s: _State, ev: RecordedEvent) -> None:
    s.amendments.append({"seq": ev.seq, "date": ev.recorded_at, "text": ev.payload.get("text")})


def _on_opening(s: _State, ev: RecordedEvent) -> None:
    bidders = ev.payload.get("bidders") or []
    s.tenderers = [
        {"bidder": b["bidder"], "name": b.get("bidder_name")} for b in bidders if b.get("bidder")
    ]
    if isinstance(ev.payload.get("bids"), int):
        s.bids = ev.payload["bids"]


def _on_bid_opened(s: _State, ev: RecordedEvent) -> None:
    p = ev.payload
    bond = _as_dict(p.get("bond"))
    s.read_out.append(
        {
            "bidder": p.get("bidder"),
            "name": p.get("bidder_name"),
            "price": p.get("price"),
            "corrected": p.get("price_corrected"),
            "duration": p.get("duration_days"),
            "quality": p.get("quality"),
            "bond": bond.get("zh"),
            "valid": p.get("valid"),
            "date": ev.recorded_at,
        }
    )


def _on_not_decrypted(s: _State, ev: RecordedEvent) -> None:
    s.not_decrypted.append(
        {"bidder": ev.payload.get("bidder"), "name": ev.payload.get("bidder_name")}
    )


def _on_failed(s: _State, ev: RecordedEvent) -> None:
    p = ev.payload  # a transfer's failure repeats the reserve price: never read here
    s.failure = {
        "reason": p.get("reason"),
        "zh": p.get("zh"),
        "en": p.get("en"),
        "date": ev.recorded_at,
    }
    if p.get("reason") == "too-few-bids" and isinstance(p.get("bids"), int):
        s.bids = p["bids"]


def _on_candidates(s: _State, ev: RecordedEvent) -> None:
    s.candidates = [c for c in ev.payload.get("candidates") or [] if c.get("bidder")]
    first = next((c for c in s.candidates if c.get("rank") == 1), None)
    if first is not None:
        s.award = {
            "status": "pending",
            "winner": first["bidder"],
            "name": first.get("bidder_name"),
            "price": first.get("price"),
            "date": ev.recorded_at,
        }


def _on_award(s: _State, ev: RecordedEvent) -> None:
    p = ev.payload  # TransferDealt repeats the reserve price: only the named keys are read
    winner = p.get("winner") or s.get("winner")
    price = p.get("price") if isinstance(p.get("price"), int) else s.get("award_price")
    s.award = {
        "status": "active",
        "winner": winner,
        "name": p.get("winner_name"),
        "price": price,
        "date": ev.recorded_at,
        "reason": p.get("reason") or None,
        "rank": p.get("rank"),
        "paddle": p.get("paddle"),
    }


def _on_result(s: _State, ev: RecordedEvent) -> None:
    p = ev.payload
    s.result = {
        "date": ev.recorded_at,
        "text": p.get("text"),
        "confirmation": p.get("confirmation"),
    }


def _on_quote(s: _State, ev: RecordedEvent) -> None:
    p = ev.payload
    s.quotes.append(
        {
            "paddle": p.get("paddle"),
            "price": p.get("price"),
            "phase": p.get("phase"),
            "at": p.get("quoted_at"),
        }
    )


def _on_single_source(s: _State, ev: RecordedEvent) -> None:
    p = ev.payload
    s.single_source = {
        "supplier": p.get("supplier"),
        "name": p.get("supplier_name"),
        "reason": p.get("reason"),
        "start": p.get("publicity_start"),
        "end": p.get("publicity_end"),
    }


def _on_contract(s: _State, ev: RecordedEvent) -> None:
    if ev.payload.get("stage") == "contracted" or "contract_signed_at" in (
        ev.payload.get("set") or {}
    ):
        s.contract_signed = True


def _on_performance(s: _State, ev: RecordedEvent) -> None:
    p = ev.payload
    s.performance.append(
        {
            "seq": ev.seq,
            "date": ev.recorded_at,
            "text": p.get("text"),
            "paid": p.get("paid"),
            "document": p.get("document"),
        }
    )


def _on_acceptance(s: _State, ev: RecordedEvent) -> None:
    p = ev.payload
    s.acceptance.append(
        {
            "seq": ev.seq,
            "date": ev.recorded_at,
            "passed": bool(p.get("passed")),
            "report": p.get("report"),
            "opinion": p.get("opinion"),
        }
    )


def _on_suspended(s: _State, ev: RecordedEvent) -> None:
    s.suspended = {"date": ev.recorded_at, "reason": ev.payload.get("reason")}


def _on_resumed(s: _State, ev: RecordedEvent) -> None:
    s.suspended = None


def _on_terminated(s: _State, ev: RecordedEvent) -> None:
    s.terminated = {"date": ev.recorded_at, "reason": ev.payload.get("reason")}


def _on_followed(s: _State, ev: RecordedEvent) -> None:
    s.followed_by = ev.payload.get("followed_by")


FOLDS: dict[str, Callable[[_State, RecordedEvent], None]] = {
    "ProcurementPlanSubmitted": _on_plan,
    "ClarificationIssued": _on_clarified,
    "PrequalificationClarified": _on_clarified,
    "OpeningStarted": _on_opening,
    "BidOpened": _on_bid_opened,
    "BidDecryptionFailed": _on_not_decrypted,
    "TenderFailed": _on_failed,
    "TransferFailed": _on_failed,
    "CandidatesPublicized": _on_candidates,
    "AwardNoticeIssued": _on_award,
    "TransferDealt": _on_award,
    "TransferResultPublished": _on_result,
    "ListingQuoteMade": _on_quote,
    "AuctionBidMade": _on_quote,
    "SingleSourcePublicized": _on_single_source,
    "ContractSigned": _on_contract,
    "PerformanceRecorded": _on_performance,
    "AcceptanceRecorded": _on_acceptance,
    "ProjectSuspended": _on_suspended,
    "ProjectResumed": _on_resumed,
    "ProjectTerminated": _on_terminated,
    "ProjectFollowedUp": _on_followed,
}


# ---------------------------------------------------------------- which events are releases


def _tags_for(s: _State, ev: RecordedEvent) -> list[str] | None:
    """The release tags of a public event, or None when it changes nothing OCDS shows."""
    t = ev.type
    if t == "ProjectRegistered":
        return ["planning"]
    if t == "ProcurementPlanApproved":
        return ["planningUpdate"]
    if t in (
        "PrequalificationNoticePublished",
        "AnnouncementPublished",
        "TransferAnnounced",
        "SingleSourcePublicized",
    ):
        return ["tenderUpdate"] if "tender" in s.released else ["tender"]
    if t in ("ClarificationIssued", "PrequalificationClarified"):
        return ["tenderAmendment"]
    if t in (
        "PrequalificationCompleted",
        "OpeningStarted",
        "BidsOpened",
        "TenderFailed",
        "TransferFailed",
        "ProjectSuspended",
        "ProjectResumed",
        "ProjectFollowedUp",
        "ListingSwitchedToAuction",
    ):
        return ["tenderUpdate"]
    if t == "ProjectTerminated":
        return ["tenderCancellation"]
    if t in ("CandidatesPublicized", "AwardNoticeIssued", "TransferDealt"):
        return ["awardUpdate"] if "award" in s.released else ["award"]
    if t == "TransferResultPublished":
        return ["awardUpdate"]
    if t == "ContractSigned":
        return ["contract"] if s.contract_signed and "contract" not in s.released else None
    if t == "ContractPublished":
        return ["contractUpdate"]
    if t == "PerformanceRecorded":
        return ["implementation"]
    if t == "AcceptanceRecorded":
        return (
            ["contractTermination"]
            if s.acceptance and s.acceptance[-1]["passed"]
            else ["implementation"]
        )
    return None


# ---------------------------------------------------------------- rendering


def _when(raw: Any) -> str | None:
    if isinstance(raw, datetime):
        return beijing(raw)
    return beijing_text(raw)


def _day_end(raw: Any) -> str | None:
    """A date-only moment (e.g. contract_due "2026-03-04") as the end of that Beijing day."""
    if not isinstance(raw, str) or len(raw) != 10:
        return _when(raw)
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    return beijing(datetime.combine(day, time(23, 59, 59), tzinfo=SHANGHAI))


def _period(start: Any, end: Any) -> dict[str, str] | None:
    out = {k: v for k, v in (("startDate", _when(start)), ("endDate", _when(end))) if v}
    return out or None


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    """Drop keys whose value is None or an empty list/dict (OCDS prefers absent to null)."""
    return {k: v for k, v in d.items() if v is not None and v != [] and v != {}}


def party_id(credit_code: str) -> str:
    """The OCDS party id of an entity, e.g. "CN-USCC-91420100MA4K2C7D7R"."""
    return f"{SCHEME}-{credit_code}"


class _Parties:
    """The parties of one release, in order of first mention, with their roles."""

    def __init__(self, ctx: _Context) -> None:
        self.ctx = ctx
        self.roles: dict[str, list[str]] = {}
        self.names: dict[str, str] = {}

    def ref(self, code: str, role: str | None = None, name: str | None = None) -> dict[str, str]:
        """An OrganizationReference to the entity, recording the role it plays."""
        roles = self.roles.setdefault(code, [])
        if role and role not in roles:
            roles.append(role)
        self.names.setdefault(code, self.ctx.name(code, name))
        return {"id": party_id(code), "name": self.names[code]}

    def render(self) -> list[dict[str, Any]]:
        """The parties array."""
        out = []
        for code, roles in self.roles.items():
            entity = self.ctx.entities.get(code)
            party: dict[str, Any] = {
                "id": party_id(code),
                "name": self.names[code],
                "identifier": {"scheme": SCHEME, "id": code, "legalName": self.names[code]},
                "roles": roles,
            }
            if entity:
                party["address"] = _address(str(entity["region"]))
            out.append(party)
        return out


def _address(region: str) -> dict[str, str]:
    try:
        return {
            "locality": region_name(region),
            "region": region_name(province_of(region)),
            "countryName": "中国",
        }
    except DomainError:
        return {"countryName": "中国"}


def _render(s: _State, ev: RecordedEvent, tags: list[str], ctx: _Context) -> dict[str, Any]:
    from ggzy.procedures.engine import get_procedure

    proc = get_procedure(s.method)
    transfer = proc.domain in TRANSFER_DOMAINS
    ocid = ctx.prefix + s.code
    parties = _Parties(ctx)
    # buyer: the tenderee (招标人/采购人); a transfer's transferor (出让人) is not a buyer
    buyer = None if transfer else parties.ref(s.tenderee, "buyer")
    if s.agency:
        procuring = parties.ref(s.agency, "procuringEntity")
    else:
        procuring = parties.ref(s.tenderee, "procuringEntity")

    tender = _tender(s, proc, parties, ctx, transfer)
    release: dict[str, Any] = {
        "ocid": ocid,
        "id": f"{s.code}-{ev.seq}",
        "date": beijing(ev.recorded_at),
        "tag": tags,
        "initiationType": "tender",
        "language": LANGUAGE,
        "parties": [],  # filled last, when every reference has named its role
        "buyer": buyer,
        "planning": None if transfer else _planning(s),
        "tender": {**tender, "procuringEntity": procuring},
        "awards": _awards(s, parties),
        "contracts": _contracts(s, parties, ctx),
        "relatedProcesses": _related(s, ctx),
        "ggzy": _extension(s, ev, proc, parties, ctx, transfer),
    }
    release["parties"] = parties.render()
    return _clean(release)


def _planning(s: _State) -> dict[str, Any]:
    plan = s.plan or {}
    budget = plan.get("budget") if isinstance(plan.get("budget"), int) else s.estimated_price
    return _clean(
        {
            "budget": _clean(
                {
                    "id": plan.get("plan_number"),
                    "description": plan.get("funding") or ("估算价" if not s.plan else None),
                    "amount": value(budget),
                }
            )
        }
    )


def _tender(
    s: _State, proc: Any, parties: _Parties, ctx: _Context, transfer: bool
) -> dict[str, Any]:
    status = _tender_status(s)
    tender: dict[str, Any] = {
        "id": s.code,
        "title": s.title,
        "description": s.get("description"),
        "status": status,
        "procurementMethod": "open" if transfer else METHODS.get(s.method),
        "procurementMethodDetails": proc.zh,
        "mainProcurementCategory": "works" if proc.domain == "construction" else None,
        "awardCriteria": "ratedCriteria" if s.method.endswith("consultation") else "priceOnly",
        "submissionMethod": ["electronicAuction"]
        if s.method in AUCTIONS
        else ["electronicSubmission"],
    }
    if transfer:
        tender["minValue"] = value(s.get("start_price") or s.estimated_price)
        tender["tenderPeriod"] = _period(
            s.get("listing_start") or s.get("announced_at"),
            s.get("listing_end") or s.get("bid_deadline") or s.get("auction_start"),
        )
        tender["items"] = [_clean({"id": "1", "description": _parcel_text(s)})]
    else:
        price = s.get("max_price") or (s.plan or {}).get("budget") or s.estimated_price
        tender["value"] = value(price if isinstance(price, int) else None)
        tender["tenderPeriod"] = _period(
            s.get("doc_sale_start") or s.get("announced_at"), s.get("bid_deadline")
        )
        if s.plan and s.plan.get("items"):
            tender["items"] = [{"id": "1", "description": str(s.plan["items"])}]
    opened = s.get("opened_at")
    tender["awardPeriod"] = _period(opened, s.get("awarded_at"))
    if s.tenderers or s.bids is not None:  # bidders are public from the opening (开标) on
        tender["numberOfTenderers"] = s.bids if s.bids is not None else len(s.tenderers)
        tender["tenderers"] = [parties.ref(t["bidder"], "tenderer", t["name"]) for t in s.tenderers]
    document = s.get("tender_document") or s.get("transfer_document")
    if document:
        tender["documents"] = [
            _clean(
                {
                    "id": document,
                    "documentType": "biddingDocuments",
                    "title": "出让文件" if transfer else "招标文件",
                    "description": "获取后可下载 / downloadable once obtained on the platform",
                    "datePublished": _when(s.get("announced_at")),
                }
            )
        ]
    tender["amendments"] = [
        _clean(
            {
                "id": str(a["seq"]),
                "date": beijing(a["date"]),
                "rationale": "澄清/修改 / clarification or amendment",
                "description": a["text"],
                "releaseID": f"{s.code}-{a['seq']}",
            }
        )
        for a in s.amendments
    ]
    return _clean(tender)


def _parcel_text(s: _State) -> str:
    parts = [str(s.get(k)) for k in ("parcel_no", "location", "land_use", "mineral") if s.get(k)]
    return "；".join(parts) or s.title


def _tender_status(s: _State) -> str:
    if s.terminated:
        return "cancelled"
    if s.stage in UNSUCCESSFUL_STAGES:
        return "unsuccessful"
    if s.stage in COMPLETE_STAGES:
        return "complete"
    if s.stage in PLANNING_STAGES:
        return "planning"
    return "active"


def award_id(code: str) -> str:
    """The id of a project's award (one per project), e.g. "4201002026J000001L-award"."""
    return f"{code}-award"


def contract_id(code: str) -> str:
    """The id of a project's contract, e.g. "4201002026J000001L-contract"."""
    return f"{code}-contract"


def _awards(s: _State, parties: _Parties) -> list[dict[str, Any]]:
    a = s.award
    if a is None or not a.get("winner"):
        return []
    active = a["status"] == "active"
    supplier = parties.ref(a["winner"], "supplier" if active else "tenderer", a.get("name"))
    title = "中标候选人公示（第一中标候选人） / proposed winner in publicity"
    if active:
        title = "成交 / deal" if _is_transfer(s) else "中标 / award"
    award = {
        "id": award_id(s.code),
        "title": title,
        "status": a["status"],
        "date": beijing(a["date"]),
        "value": value(a["price"] if isinstance(a.get("price"), int) else None),
        "suppliers": [supplier],
    }
    return [_clean(award)]


def _is_transfer(s: _State) -> bool:
    return s.method.split(".")[0] in TRANSFER_DOMAINS


def _contracts(s: _State, parties: _Parties, ctx: _Context) -> list[dict[str, Any]]:
    if not s.contract_signed or s.award is None:
        return []
    contract = s.get("contract") or {}
    done = any(a["passed"] for a in s.acceptance)
    documents = []
    if contract.get("document"):
        documents.append(_document(ctx, contract["document"], "contractSigned", "合同 / contract"))
    implementation: dict[str, Any] = {}
    winner = s.award.get("winner")
    # who pays whom: the buyer pays the supplier; in a transfer the winner pays the transferor
    payer, payee = (winner, s.tenderee) if _is_transfer(s) else (s.tenderee, winner)
    transactions = []
    milestones = []
    for record in s.performance:
        milestones.append(
            _clean(
                {
                    "id": f"performance-{record['seq']}",
                    "title": "履约记录 / performance record",
                    "type": "delivery",
                    "description": record["text"],
                    "status": "met",
                    "dateMet": beijing(record["date"]),
                }
            )
        )
        if isinstance(record.get("paid"), int) and record["paid"] > 0 and payer and payee:
            transactions.append(
                {
                    "id": f"payment-{record['seq']}",
                    "date": beijing(record["date"]),
                    "value": value(record["paid"]),
                    "payer": parties.ref(payer, "payer"),
                    "payee": parties.ref(payee, "payee"),
                }
            )
    for record in s.acceptance:
        milestones.append(
            _clean(
                {
                    "id": f"acceptance-{record['seq']}",
                    "title": "验收 / acceptance",
                    "type": "delivery",
                    "description": record.get("opinion") or None,
                    "status": "met" if record["passed"] else "notMet",
                    "dateMet": beijing(record["date"]) if record["passed"] else None,
                }
            )
        )
        if record.get("report"):
            implementation.setdefault("documents", []).append(
                _document(
                    ctx, record["report"], "completionCertificate", "验收报告 / acceptance report"
                )
            )
    implementation["transactions"] = transactions
    implementation["milestones"] = milestones
    title = "出让合同 / transfer contract" if _is_transfer(s) else "合同 / contract"
    out = {
        "id": contract_id(s.code),
        "awardID": award_id(s.code),
        "title": f"{s.title} {title}",
        "status": "terminated" if done else "active",
        "value": value(contract.get("amount") if isinstance(contract.get("amount"), int) else None),
        "dateSigned": _when(s.get("contract_signed_at")),
        "documents": documents,
        "implementation": _clean(implementation),
    }
    return [_clean(out)]


def _document(ctx: _Context, sha: str, kind: str, title: str) -> dict[str, str]:
    """A document of a public event: anyone may download it from the node (views' rule)."""
    return {
        "id": sha,
        "documentType": kind,
        "title": title,
        "url": ctx.base_url + DOCUMENT_ROUTE.format(sha=sha),
    }


def _related(s: _State, ctx: _Context) -> list[dict[str, Any]]:
    follows = s.public_data.get("follows")
    if not follows:
        return []
    return [
        {
            "id": "follows",
            "relationship": ["unsuccessfulProcess"],
            "title": "重新组织的原项目 / the failed process this one follows",
            "scheme": "ocid",
            "identifier": ctx.prefix + str(follows),
        }
    ]


def _extension(
    s: _State, ev: RecordedEvent, proc: Any, parties: _Parties, ctx: _Context, transfer: bool
) -> dict[str, Any]:
    stage = proc.stage(s.stage)
    center = ctx.centers.get(s.center) or {}
    declared = EVENT_TYPES.get(ev.type)
    ext: dict[str, Any] = {
        "dealCode": s.code,
        "tradingMethod": {
            "code": proc.code,
            "name": proc.zh,
            "nameEn": proc.en,
            "domain": proc.domain,
            "dealCategory": proc.deal_category,
        },
        "legalBasis": proc.basis,
        "center": _clean(
            {"id": s.center, "name": center.get("name"), "nodeId": center.get("node_id")}
        ),
        "stage": {"code": stage.name, "name": stage.zh, "nameEn": stage.en, "final": stage.final},
        "evidence": {
            "eventSeq": ev.seq,
            "eventType": ev.type,
            "eventName": declared.zh if declared else ev.type,
            "leafHash": leaf_hash(ev.canonical()).hex(),
            "inclusionProof": f"{ctx.base_url}/api/v1/ledger/proof/inclusion?seq={ev.seq}",
        },
        "estimatedPrice": None if transfer else value(s.estimated_price),
        "maxPrice": value(s.get("max_price")) if isinstance(s.get("max_price"), int) else None,
        "stateCapital": s.get("state_capital"),
        "investmentCode": s.get("investment_code"),
        "bidBond": value(s.get("bid_bond")) if isinstance(s.get("bid_bond"), int) else None,
        "documentsSalePeriod": _period(s.get("doc_sale_start"), s.get("doc_sale_end")),
        "prequalification": _clean(
            {
                "announcedAt": _when(s.get("pq_announced_at")),
                "documentsSalePeriod": _period(s.get("pq_sale_start"), s.get("pq_sale_end")),
                "deadline": _when(s.get("pq_deadline")),
                "reviewedAt": _when(s.get("pq_reviewed_at")),
            }
        ),
        "bidOpening": _opening(s, parties),
        "candidates": _candidates(s, parties),
        "candidatesPublicity": _period(s.get("publicity_start"), s.get("publicity_end"))
        if s.candidates
        else None,
        "award": _clean(
            {
                "rank": s.award.get("rank"),
                "reason": s.award.get("reason"),
                "paddle": s.award.get("paddle"),
                "contractDue": _day_end(s.get("contract_due")),
            }
        )
        if s.award and s.award["status"] == "active"
        else None,
        "failure": _clean(
            {
                "reason": s.failure["reason"],
                "description": s.failure.get("zh"),
                "descriptionEn": s.failure.get("en"),
                "date": beijing(s.failure["date"]),
            }
        )
        if s.failure
        else None,
        "singleSource": _single_source(s, parties),
        "transfer": _transfer(s) if transfer else None,
        "contractPublishedAt": _when(s.get("contract_published_at")),
        "suspended": _clean({"date": beijing(s.suspended["date"]), "reason": s.suspended["reason"]})
        if s.suspended
        else None,
        "terminated": _clean(
            {"date": beijing(s.terminated["date"]), "reason": s.terminated["reason"]}
        )
        if s.terminated
        else None,
        "followedBy": _clean({"dealCode": s.followed_by, "ocid": ctx.prefix + s.followed_by})
        if s.followed_by
        else None,
    }
    return _clean(ext)


def _opening(s: _State, parties: _Parties) -> dict[str, Any] | None:
    opened = s.get("opened_at")
    if not opened and not s.read_out:
        return None
    read_out = []
    for r in s.read_out:
        if not r.get("bidder"):
            continue
        read_out.append(
            _clean(
                {
                    "tenderer": parties.ref(r["bidder"], "tenderer", r.get("name")),
                    "price": value(r["price"]) if isinstance(r.get("price"), int) else None,
                    "priceCorrected": r.get("corrected"),
                    "durationDays": r.get("duration")
                    if isinstance(r.get("duration"), int)
                    else None,
                    "quality": r.get("quality"),
                    "bidBond": r.get("bond"),
                    "valid": r.get("valid"),
                    "date": beijing(r["date"]),
                }
            )
        )
    return _clean(
        {
            "date": _when(opened),
            "decryptUntil": _when(s.get("decrypt_until")),
            "completedAt": _when(s.get("decrypted_at")),
            "numberOfBids": s.bids,
            "readOut": read_out,
            "notDecrypted": [
                parties.ref(n["bidder"], "tenderer", n.get("name"))
                for n in s.not_decrypted
                if n.get("bidder")
            ],
        }
    )


def _candidates(s: _State, parties: _Parties) -> list[dict[str, Any]] | None:
    if not s.candidates:
        return None
    return [
        _clean(
            {
                "rank": c.get("rank"),
                "tenderer": parties.ref(c["bidder"], "tenderer", c.get("bidder_name")),
                "price": value(c["price"]) if isinstance(c.get("price"), int) else None,
                "evaluatedPrice": value(c["evaluated_price"])
                if isinstance(c.get("evaluated_price"), int)
                else None,
            }
        )
        for c in s.candidates
    ]


def _single_source(s: _State, parties: _Parties) -> dict[str, Any] | None:
    ss = s.single_source
    if not ss or not ss.get("supplier"):
        return None
    return _clean(
        {
            "supplier": parties.ref(ss["supplier"], "interestedParty", ss.get("name")),
            "reason": ss.get("reason"),
            "publicity": _period(ss.get("start"), ss.get("end")),
        }
    )


def _transfer(s: _State) -> dict[str, Any]:
    """The listing board (挂牌信息): never the reserve price (底价)."""
    money = {k: s.get(k) for k in ("start_price", "increment", "deposit", "current_price")}
    return _clean(
        {
            **{PARCEL_KEYS[k]: s.get(k) for k in PARCEL_KEYS if s.get(k) is not None},
            "areaUnit": "平方米" if s.method.startswith("land.") else "平方千米",
            "startPrice": value(money["start_price"])
            if isinstance(money["start_price"], int)
            else None,
            "increment": value(money["increment"]) if isinstance(money["increment"], int) else None,
            "deposit": value(money["deposit"]) if isinstance(money["deposit"], int) else None,
            "applicationDeadline": _when(s.get("apply_deadline")),
            "listingPeriod": _period(s.get("listing_start"), s.get("listing_end")),
            "auctionStart": _when(s.get("auction_start") or s.get("auction_started_at")),
            "highestPrice": value(money["current_price"])
            if isinstance(money["current_price"], int)
            else None,
            "quoteCount": s.get("quote_count") if isinstance(s.get("quote_count"), int) else None,
            "quotes": [
                _clean(
                    {
                        "paddle": q["paddle"],
                        "price": value(q["price"]) if isinstance(q.get("price"), int) else None,
                        "phase": q.get("phase"),
                        "date": _when(q.get("at")),
                    }
                )
                for q in s.quotes
            ],
            "closedAt": _when(s.get("closed_at")),
            "resultPublishedAt": _when(s.get("result_published_at")),
            "resultNotice": (s.result or {}).get("text") or None,
        }
    )


# ---------------------------------------------------------------- the whole log


def _new_state(ev: RecordedEvent) -> _State:
    p = ev.payload
    return _State(
        code=ev.subject_id,
        method=str(p["method"]),
        center=str(p.get("center") or ev.center or ""),
        title=str(p.get("title") or ""),
        tenderee=str(p.get("tenderee") or ""),
        agency=p.get("agency"),
        estimated_price=int(p.get("estimated_price") or 0),
    )


def _project_releases(project_events: Iterable[RecordedEvent], ctx: _Context) -> list[Release]:
    """The releases of one project from its events (oldest first)."""
    state: _State | None = None
    out: list[Release] = []
    for ev in project_events:
        if ev.type == "ProjectRegistered" and state is None:
            state = _new_state(ev)
        if state is None:
            continue
        payload = ev.payload
        if payload.get("stage"):
            state.stage = str(payload["stage"])
        changes = _as_dict(payload.get("set"))
        state.data.update(changes)
        if not ev.public:
            continue  # a confidential event's content is never read
        state.public_data.update(changes)
        fold = FOLDS.get(ev.type)
        if fold is not None:
            fold(state, ev)
        tags = _tags_for(state, ev)
        if tags is None:
            continue
        body = _render(state, ev, tags, ctx)
        for tag in tags:
            state.released.add(tag.removesuffix("Update").removesuffix("Amendment"))
        out.append(Release(ev.seq, state.code, state.center, ev.recorded_at, body))
    return out


def _context(conn: Connection, prefix: str, base_url: str) -> _Context:
    from ggzy.registry.handlers import list_centers, list_entities

    return _Context(
        prefix=prefix,
        base_url=base_url.rstrip("/"),
        entities={e["credit_code"]: e for e in list_entities(conn)},
        centers={c["code"]: c for c in list_centers(conn)},
    )


def build_releases(
    conn: Connection,
    *,
    prefix: str,
    base_url: str,
    center: str | None = None,
    since: date | None = None,
    after: int = 0,
) -> list[Release]:
    """The node's releases, oldest first: of one center, from a Beijing day, after a seq."""
    import ggzy.procedures.declarations  # noqa: F401  (the methods the releases name)

    ctx = _context(conn, prefix, base_url)
    by_project: dict[str, list[RecordedEvent]] = {}
    q = select(events).where(events.c.subject_type == "project").order_by(events.c.seq)
    for row in conn.execute(q):
        ev = row_to_event(row)
        by_project.setdefault(ev.subject_id, []).append(ev)
    start = datetime.combine(since, time(0), tzinfo=SHANGHAI) if since else None
    found: list[Release] = []
    for project_events in by_project.values():
        for release in _project_releases(project_events, ctx):
            if center and release.center != center:
                break
            if release.seq <= after or (start is not None and release.date < start):
                continue
            found.append(release)
    found.sort(key=lambda r: r.seq)
    return found


def release_package(
    releases: list[Release],
    *,
    uri: str,
    publisher: str,
    base_url: str,
    published: datetime | None = None,
) -> dict[str, Any]:
    """A release package of the releases (OCDS 1.1) declaring the ggzy extension by its URL.

    publishedDate is the date of the newest release (an on-demand package changes only when
    a release is added), or `published` when given or there is none.
    """
    newest = max((r.date for r in releases), default=None)
    when = published or newest or datetime.now(SHANGHAI)
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "extensions": [base_url.rstrip("/") + EXTENSION_ROUTE],
        "publishedDate": beijing(when),
        "publisher": {"name": publisher},
        "releases": [r.body for r in releases],
    }
