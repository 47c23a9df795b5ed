"""Prequalification (资格预审), invitational tendering (邀请招标) and the government-procurement
random draw of suppliers (随机抽取), end to end on the declarative engine.

The test clock starts on Monday 2026-03-02 09:00 Beijing time; March 2026 has no holidays.
The schedule examples at the end are worked out by hand from the State Council's 2026 holiday
schedule: Spring Festival 02-15..23 (make-up working days 02-14 and 02-28), Mid-Autumn 09-25,
National Day 10-01..07 (make-up working days 09-20 and 10-10).
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select

from factories import PASSWORD, act, announcement, bid, open_and_decrypt, seed_parties
from ggzy.core.calendar import WorkingCalendar
from ggzy.core.documents import register_document
from ggzy.core.errors import DomainError
from ggzy.core.tables import events
from ggzy.ledger.tables import tree_heads
from ggzy.pki import bindings
from ggzy.pki.signatures import sign_detached
from ggzy.procedures.engine import get_procedure, get_project
from ggzy.procedures.schedule import plan
from ggzy.procedures.scheduler import run_due
from ggzy.procedures.views import timeline
from ggzy.registry import handlers as registry
from procurement_factories import plan_document

PQ = "construction.prequalified_tendering"
INVITATIONAL = "construction.invitational_tendering"
GP = "procurement.invitational_tendering"
WUHAN = "420100"


# ---------------------------------------------------------------- helpers


def refused(code: str, fn: Any, *args: Any, **kw: Any) -> DomainError:
    with pytest.raises(DomainError) as info:
        fn(*args, **kw)
    assert info.value.code == code, (info.value.code, info.value.zh)
    return info.value


def stage(platform, code: str) -> str:
    with platform.read() as conn:
        return get_project(conn, code)["stage"]


def data(platform, code: str) -> dict[str, Any]:
    with platform.read() as conn:
        return get_project(conn, code)["data"]


def event_count(platform) -> int:
    with platform.read() as conn:
        return conn.execute(select(func.count()).select_from(events)).scalar_one()


def stored(platform, body: bytes, name: str) -> str:
    sha, size = platform.documents.write([body])
    with platform.engine.begin() as conn:
        register_document(conn, sha, size, name, "application/pdf", platform.clock.now())
    return sha


def signed(platform, net, username: str, sha: str) -> str:
    issued = net.keys[username]["sign"]
    blob = platform.documents.path(sha).read_bytes()
    return base64.b64encode(sign_detached(blob, issued.key, issued.der)).decode()


@pytest.fixture
def net(platform):
    """Six bidders with certificates, a finance-department regulator, a signing purchaser."""
    parties = seed_parties(platform, bidders=6)
    with platform.command("system") as uow:
        regulator = registry.create_account(
            uow,
            username="czj.wuhan",
            display_name="武汉市财政局政府采购监管处",
            password=PASSWORD,
            roles=["regulator"],
        )
    assert parties.ca is not None
    sign = parties.ca.issue(parties.tenderee.display_name, parties.tenderee.entity, usage="sign")
    with platform.command(parties.tenderee.actor) as uow:
        bindings.bind_certificate(uow, parties.tenderee, sign.pem, "sign")
    parties.keys[parties.tenderee.username] = {"sign": sign}
    parties.regulator = regulator  # type: ignore[attr-defined]
    return parties


def register(platform, net, method: str, **fields: Any) -> str:
    base: dict[str, Any] = {
        "center": WUHAN,
        "title": "江城大道快速化改造工程施工",
        "estimated_price": "12000000.00",
        "max_price": "11800000.00",
        "state_capital": True,
    }
    if method == INVITATIONAL:
        base["invitation_ground"] = "隧道盾构施工仅有少量潜在投标人可供选择（实施条例 第8条第1项）"
    if method == GP:
        base = {
            "center": WUHAN,
            "title": "武汉市第一中学实验室专用设备采购",
            "estimated_price": "3000000.00",
            "invitation_ground": "设备具有特殊性，只能从有限范围的供应商处采购（第29条第1项）",
        }
    return act(platform, net.tenderee, None, "register_project", {**base, **fields}, method=method)[
        "code"
    ]


def pq_notice(platform, sale_days: int = 7, deadline_days: int = 14) -> dict[str, str]:
    """Prequalification notice inputs starting now (Monday 09:00 in the test clock)."""
    now = platform.clock.now()
    return {
        "pq_document": stored(platform, b"%PDF-1.4\n% pq documents\n", "资格预审文件.pdf"),
        "pq_sale_start": now.isoformat(),
        "pq_sale_end": (now + timedelta(days=sale_days)).isoformat(),
        "pq_deadline": (now + timedelta(days=deadline_days, hours=1)).isoformat(),
        "notice": "本项目采用资格预审方式，现邀请有兴趣的潜在投标人提出资格预审申请。",
    }


def apply(platform, net, bidder, code: str, obtain: bool = True) -> dict[str, Any]:
    """Obtain the prequalification documents, then apply with a signed application."""
    if obtain:
        act(platform, bidder, code, "obtain_pq_documents", {})
    sha = stored(platform, f"资格预审申请文件：{bidder.display_name}".encode(), "申请文件.pdf")
    return act(
        platform,
        bidder,
        code,
        "apply_prequalification",
        {"application": sha, "signature": signed(platform, net, bidder.username, sha)},
    )


def reviews(net, qualified: int, applicants: int) -> list[dict[str, Any]]:
    """The first `qualified` applicants pass; the others fail with a reason."""
    return [
        {"applicant": b.entity, "qualified": True, "reason": "资质、业绩、人员均满足要求"}
        if i < qualified
        else {"applicant": b.entity, "qualified": False, "reason": "项目经理未提供注册证书"}
        for i, b in enumerate(net.bidders[:applicants])
    ]


def prequalified(platform, clock, net, qualified: int = 3, applicants: int = 4) -> tuple[str, Any]:
    """A PQ project whose review has run; returns its code and the review's result."""
    code = register(platform, net, PQ)
    act(platform, net.tenderee, code, "publish_pq_notice", pq_notice(platform))
    for bidder in net.bidders[:applicants]:
        apply(platform, net, bidder, code)
    clock.advance(days=15)  # Tuesday 03-17: the deadline 03-16 10:00 has passed
    result = act(
        platform,
        net.tenderee,
        code,
        "review_prequalification",
        {"reviews": reviews(net, qualified, applicants)},
    )
    return code, result


def tender_to_award(platform, clock, net, code: str, bidders, **fields: Any) -> dict[str, Any]:
    """Announce to the admitted, they bid, open, evaluate, publicise and award."""
    act(
        platform,
        net.tenderee,
        code,
        "publish_announcement",
        {**announcement(platform, deadline_days=25), **fields},
    )
    prices = ["11000000.00", "10500000.00", "10800000.00"]
    for bidder, price in zip(bidders, prices, strict=True):
        bid(platform, bidder, code, price)
    clock.advance(days=26)
    assert open_and_decrypt(platform, net, code)["stage"] == "opened"
    assert act(platform, net.tenderee, code, "evaluate", {})["stage"] == "evaluated"
    if has_publicity(platform, code):
        act(
            platform,
            net.tenderee,
            code,
            "publicize_candidates",
            {"publicity_end": (clock.now() + timedelta(days=3)).isoformat()},
        )
        clock.advance(days=4)
    return act(platform, net.tenderee, code, "award", {})


def stage_method(platform, code: str) -> str:
    with platform.read() as conn:
        return get_project(conn, code)["method"]


def has_publicity(platform, code: str) -> bool:
    return get_procedure(stage_method(platform, code)).action("publicize_candidates") is not None


# ---------------------------------------------------------------- prequalification


def test_prequalification_then_tendering_to_the_award(platform, clock, net) -> None:
    code, result = prequalified(platform, clock, net, qualified=3, applicants=4)
    assert result["stage"] == "qualified"
    assert result["qualified"] == sorted(b.entity for b in net.bidders[:3])
    assert result["results"][net.bidders[3].entity] == {
        "qualified": False,
        "reason": "项目经理未提供注册证书",
    }
    awarded = tender_to_award(platform, clock, net, code, net.bidders[:3])
    assert awarded["stage"] == "awarded"
    assert data(platform, code)["winner"] == net.bidders[1].entity  # 10,500,000 is lowest
    with platform.read() as conn:
        public = timeline(conn, code, None)
        regulator = timeline(conn, code, net.regulator)
    # who applied and who qualified stays out of the public record (招标投标法 art. 22)
    types = [e["type"] for e in public]
    assert "PrequalificationCompleted" in types
    assert not {"PrequalificationApplied", "PrequalificationReviewed"} & set(types)
    before_opening = json.dumps(public[: types.index("OpeningStarted")], ensure_ascii=False)
    assert all(b.entity not in before_opening for b in net.bidders)
    record = next(e for e in regulator if e["type"] == "PrequalificationReviewed")
    assert [a["qualified"] for a in record["payload"]["applicants"]] == [True, True, True, False]
    assert record["payload"]["set"]["admitted"] == result["qualified"]


def test_fewer_than_three_qualified_fail_the_prequalification(platform, clock, net) -> None:
    code, result = prequalified(platform, clock, net, qualified=2, applicants=3)
    assert result == result | {"stage": "pq_failed", "event": "PrequalificationFailed"}
    with platform.read() as conn:
        public = timeline(conn, code, None)
    failure = next(e for e in public if e["type"] == "PrequalificationFailed")
    assert failure["payload"]["qualified"] == 2 and failure["payload"]["minimum"] == 3
    assert "重新招标" in failure["payload"]["zh"]
    assert "招标投标法实施条例 第19条" in failure["payload"]["zh"]
    error = refused(
        "wrong-stage",
        act,
        platform,
        net.tenderee,
        code,
        "publish_announcement",
        announcement(platform, deadline_days=25),
    )
    assert "资格预审失败" in error.zh


def test_only_qualified_applicants_obtain_the_documents_and_bid(platform, clock, net) -> None:
    code, _ = prequalified(platform, clock, net, qualified=3, applicants=4)
    act(
        platform,
        net.tenderee,
        code,
        "publish_announcement",
        announcement(platform, deadline_days=25),
    )
    failed, never_applied = net.bidders[3], net.bidders[4]
    for outsider in (failed, never_applied):
        before = event_count(platform)
        error = refused("forbidden", act, platform, outsider, code, "obtain_documents", {})
        assert error.status == 403 and error.extra["reason"] == "not-admitted"
        assert "通过资格预审" in error.zh and "实施条例 第19、36条" in error.zh
        assert event_count(platform) == before
        refused("forbidden", bid, platform, outsider, code, "10000000.00", obtain=False)
    result = act(platform, net.bidders[0], code, "obtain_documents", {})
    assert result["document"] == data(platform, code)["tender_document"]


def test_a_late_application_is_refused(platform, clock, net) -> None:
    code = register(platform, net, PQ)
    act(platform, net.tenderee, code, "publish_pq_notice", pq_notice(platform))
    act(platform, net.bidders[0], code, "obtain_pq_documents", {})
    clock.advance(days=14, hours=1)  # exactly the application deadline
    before = event_count(platform)
    error = refused("too-late", apply, platform, net, net.bidders[0], code, obtain=False)
    assert "截止" in error.zh
    assert event_count(platform) == before


def test_an_application_needs_the_documents_and_the_applicants_signature(
    platform, clock, net
) -> None:
    code = register(platform, net, PQ)
    act(platform, net.tenderee, code, "publish_pq_notice", pq_notice(platform))
    error = refused("forbidden", apply, platform, net, net.bidders[0], code, obtain=False)
    assert error.extra["reason"] == "not-a-holder"
    act(platform, net.bidders[0], code, "obtain_pq_documents", {})
    sha = stored(platform, "申请文件（冒名签章）".encode(), "申请文件.pdf")
    other = signed(platform, net, net.bidders[1].username, sha)  # another entity's certificate
    with pytest.raises(DomainError):
        act(
            platform,
            net.bidders[0],
            code,
            "apply_prequalification",
            {"application": sha, "signature": other},
        )
    first = apply(platform, net, net.bidders[0], code, obtain=False)
    second = apply(platform, net, net.bidders[0], code, obtain=False)
    assert second["receipt"]["replaces"] == first["seq"]


def test_the_review_covers_every_applicant_after_the_deadline(platform, clock, net) -> None:
    code = register(platform, net, PQ)
    act(platform, net.tenderee, code, "publish_pq_notice", pq_notice(platform))
    for bidder in net.bidders[:3]:
        apply(platform, net, bidder, code)
    all_three = reviews(net, 3, 3)
    refused(
        "too-early",
        act,
        platform,
        net.tenderee,
        code,
        "review_prequalification",
        {"reviews": all_three},
    )
    clock.advance(days=15)
    for bad, code_expected in (
        (all_three[:2], "review-incomplete"),
        ([*all_three[:2], {**all_three[2], "qualified": False, "reason": ""}], "reason-required"),
        (
            [*all_three, {"applicant": net.bidders[4].entity, "qualified": True}],
            "unknown-applicant",
        ),
        ([*all_three, all_three[0]], "duplicate-review"),
    ):
        refused(
            code_expected,
            act,
            platform,
            net.tenderee,
            code,
            "review_prequalification",
            {"reviews": bad},
        )
    refused(
        "forbidden",
        act,
        platform,
        net.bidders[0],
        code,
        "review_prequalification",
        {"reviews": all_three},
    )
    result = act(platform, net.tenderee, code, "review_prequalification", {"reviews": all_three})
    assert result["stage"] == "qualified"


def test_prequalification_periods_are_enforced(platform, net) -> None:
    code = register(platform, net, PQ)
    short_sale = pq_notice(platform, sale_days=3)
    error = refused(
        "period-too-short", act, platform, net.tenderee, code, "publish_pq_notice", short_sale
    )
    assert error.extra["rule"] == "pq_doc_sale_min_days" and "第16条" in error.zh
    # the sale ends Monday 03-09; 5 days later is Saturday 03-14, so Monday 03-16
    early = pq_notice(platform, sale_days=7, deadline_days=11)
    error = refused(
        "period-too-short", act, platform, net.tenderee, code, "publish_pq_notice", early
    )
    assert error.extra["rule"] == "pq_application_min_days"
    assert error.extra["earliest"] == "2026-03-16" and "第17条" in error.zh
    assert stage(platform, code) == "registered"


def test_a_late_prequalification_clarification_moves_the_deadline(platform, clock, net) -> None:
    code = register(platform, net, PQ)
    act(platform, net.tenderee, code, "publish_pq_notice", pq_notice(platform))  # 03-16 10:00
    act(platform, net.tenderee, code, "clarify_prequalification", {"text": "业绩要求更正。"})
    assert data(platform, code)["pq_deadline"].startswith("2026-03-16T10:00")
    clock.advance(days=12)  # Saturday 03-14: 3 days later is Tuesday 03-17
    result = act(
        platform, net.tenderee, code, "clarify_prequalification", {"text": "资质要求更正。"}
    )
    assert result["stage"] is None
    assert data(platform, code)["pq_deadline"].startswith("2026-03-17T10:00")
    with platform.read() as conn:
        public = timeline(conn, code, None)
    moved = [e for e in public if e["type"] == "PrequalificationClarified"][-1]
    assert moved["payload"]["deadline_extended"]["basis"] == "招标投标法实施条例 第21条"


# ---------------------------------------------------------------- invitations


def test_inviting_fewer_than_three_bidders_is_refused(platform, net) -> None:
    code = register(platform, net, INVITATIONAL)
    two = [b.entity for b in net.bidders[:2]]
    error = refused(
        "too-few-invitees", act, platform, net.tenderee, code, "invite_bidders", {"invitees": two}
    )
    assert "招标投标法 第17条" in error.zh
    assert stage(platform, code) == "registered"
    for bad, expected in (
        ([*two, two[0]], "duplicate-invitee"),
        ([*two, net.tenderee.entity], "unknown-bidder"),
        ("91420100MA0000101X", "invalid-field"),
    ):
        refused(expected, act, platform, net.tenderee, code, "invite_bidders", {"invitees": bad})


def test_only_invited_bidders_bid_and_the_invitational_tender_is_awarded(
    platform, clock, net
) -> None:
    code = register(platform, net, INVITATIONAL)
    invited = net.bidders[:3]
    result = act(
        platform,
        net.tenderee,
        code,
        "invite_bidders",
        {"invitees": [b.entity for b in reversed(invited)]},
    )
    assert result["stage"] == "invited"
    assert result["invited"] == sorted(b.entity for b in invited)
    act(
        platform,
        net.tenderee,
        code,
        "publish_announcement",
        announcement(platform, deadline_days=25),
    )
    outsider = net.bidders[3]
    error = refused("forbidden", act, platform, outsider, code, "obtain_documents", {})
    assert "受邀请" in error.zh and "招标投标法 第17条" in error.zh
    error = refused("forbidden", bid, platform, outsider, code, "10000000.00", obtain=False)
    assert error.extra["reason"] in ("not-admitted", "not-a-holder")
    prices = ["11000000.00", "10500000.00", "10800000.00"]
    for bidder, price in zip(invited, prices, strict=True):
        bid(platform, bidder, code, price)
    clock.advance(days=26)
    assert open_and_decrypt(platform, net, code)["stage"] == "opened"
    act(platform, net.tenderee, code, "evaluate", {})
    act(
        platform,
        net.tenderee,
        code,
        "publicize_candidates",
        {"publicity_end": (clock.now() + timedelta(days=3)).isoformat()},
    )
    clock.advance(days=4)
    assert act(platform, net.tenderee, code, "award", {})["stage"] == "awarded"
    assert data(platform, code)["winner"] == invited[1].entity
    with platform.read() as conn:
        public = timeline(conn, code, None)
    assert all(e["type"] != "BidInvitationsSent" for e in public)


# ---------------------------------------------------------------- procurement: the random draw


def gp_prequalified(platform, clock, net, qualified: int = 5, applicants: int = 6) -> str:
    code = register(platform, net, GP)
    act(
        platform,
        net.tenderee,
        code,
        "submit_plan",
        {
            "plan_number": "WHCG-2026-0202",
            "budget": "3000000.00",
            "funding": "财政性资金",
            "items": "实验室专用设备一批",
            "plan_document": plan_document(platform),
        },
    )
    act(platform, net.regulator, code, "approve_plan", {"opinion": "同意采用邀请招标方式"})
    act(platform, net.tenderee, code, "publish_pq_notice", pq_notice(platform))
    for bidder in net.bidders[:applicants]:
        apply(platform, net, bidder, code)
    clock.advance(days=15)
    act(
        platform,
        net.tenderee,
        code,
        "review_prequalification",
        {"reviews": reviews(net, qualified, applicants)},
    )
    return code


def independent_seed(body: str, signature: bytes, project: str) -> bytes:
    return hashlib.sha256(
        body.encode("utf-8") + b"\n" + signature + b"\n" + project.encode()
    ).digest()


def independent_draw(seed: bytes, qualified: list[str], count: int) -> list[str]:
    keyed = sorted((hashlib.sha256(seed + c.encode()).hexdigest(), c) for c in sorted(qualified))
    return [c for _, c in keyed[:count]]


def test_the_random_draw_is_recomputed_from_the_tree_head(platform, clock, net, node_key) -> None:
    code = gp_prequalified(platform, clock, net)
    qualified = sorted(b.entity for b in net.bidders[:5])
    assert data(platform, code)["qualified"] == qualified
    request = act(platform, net.tenderee, code, "request_draw", {"count": 3})
    assert request["stage"] == "drawing"
    refused("forbidden", act, platform, net.bidders[0], code, "draw_suppliers", {})
    done = run_due(platform)  # the platform draws by itself
    assert [r["event"] for r in done] == ["SuppliersDrawn"]
    assert stage(platform, code) == "drawn"

    with platform.read() as conn:
        record = next(
            e for e in timeline(conn, code, net.regulator) if e["type"] == "SuppliersDrawn"
        )["payload"]
        # the first signed tree head that covers the request, read straight from the table
        head = conn.execute(
            select(tree_heads)
            .where(tree_heads.c.tree_size >= request["seq"])
            .order_by(tree_heads.c.tree_size)
            .limit(1)
        ).one()
        heads = conn.execute(select(tree_heads.c.body, tree_heads.c.signature)).all()
    assert head.tree_size == request["seq"]  # signed by the request's own commit
    body, signature = head.body, bytes(head.signature)
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(node_key.public_b64()))
    public.verify(signature, body.encode())  # raises if the head is not the node's
    assert json.loads(body)["tree_size"] == request["seq"]
    seed = independent_seed(body, signature, code)
    drawn = independent_draw(seed, qualified, 3)
    assert record["request_seq"] == request["seq"] and record["tree_size"] == head.tree_size
    assert record["seed"] == seed.hex() and record["signed_body"] == body
    assert base64.b64decode(record["signature"]) == signature
    assert record["qualified"] == qualified and record["drawn"] == drawn
    assert data(platform, code)["admitted"] == sorted(drawn)

    # another tree head gives another seed, and the draws differ across the log's heads
    seeds = {independent_seed(b, bytes(s), code) for b, s in heads}
    assert len(seeds) == len(heads) > 20
    assert len({tuple(independent_draw(s, qualified, 3)) for s in seeds}) > 1
    assert independent_seed(body, signature, code + "X") != seed  # and with the project

    # only the drawn suppliers obtain the documents and bid, then as open tendering
    left_out = next(b for b in net.bidders[:5] if b.entity not in drawn)
    act(
        platform,
        net.tenderee,
        code,
        "publish_announcement",
        {**announcement(platform, deadline_days=25), "bid_bond": "60000.00"},
    )
    error = refused("forbidden", act, platform, left_out, code, "obtain_documents", {})
    assert "政府采购法 第34条" in error.zh
    chosen = [b for b in net.bidders if b.entity in drawn]
    for bidder, price in zip(chosen, ["2860000.00", "2790000.00", "2935000.00"], strict=True):
        bid(platform, bidder, code, price)
    clock.advance(days=26)
    assert open_and_decrypt(platform, net, code)["stage"] == "opened"
    assert act(platform, net.tenderee, code, "evaluate", {})["stage"] == "evaluated"
    assert act(platform, net.tenderee, code, "award", {})["stage"] == "awarded"
    assert data(platform, code)["winner"] == chosen[1].entity


def test_the_draw_takes_at_least_three_and_no_more_than_qualified(platform, clock, net) -> None:
    code = gp_prequalified(platform, clock, net, qualified=4, applicants=5)
    error = refused(
        "too-few-to-draw", act, platform, net.tenderee, code, "request_draw", {"count": 2}
    )
    assert "政府采购法 第34条" in error.zh
    refused("too-many-to-draw", act, platform, net.tenderee, code, "request_draw", {"count": 5})
    assert act(platform, net.tenderee, code, "request_draw", {"count": 4})["stage"] == "drawing"
    drawn = act(platform, net.staff, code, "draw_suppliers", {})
    assert sorted(drawn["drawn"]) == sorted(b.entity for b in net.bidders[:4])


def test_a_procurement_prequalification_with_two_qualified_fails(platform, clock, net) -> None:
    code = gp_prequalified(platform, clock, net, qualified=2, applicants=4)
    assert stage(platform, code) == "pq_failed"
    refused("wrong-stage", act, platform, net.tenderee, code, "request_draw", {"count": 3})


def test_procurement_applications_are_due_five_working_days_after_the_notice(platform, net) -> None:
    code = register(platform, net, GP)
    act(
        platform,
        net.tenderee,
        code,
        "submit_plan",
        {
            "plan_number": "P-1",
            "budget": "3000000.00",
            "funding": "财政性资金",
            "items": "设备",
            "plan_document": plan_document(platform),
        },
    )
    act(platform, net.regulator, code, "approve_plan", {})
    # notice Monday 03-02: five working days end on Monday 03-09
    early = pq_notice(platform, sale_days=5, deadline_days=5)
    error = refused(
        "period-too-short", act, platform, net.tenderee, code, "publish_pq_notice", early
    )
    assert error.extra["earliest"] == "2026-03-09"
    assert "working days" in error.en
    ok = pq_notice(platform, sale_days=7, deadline_days=7)
    assert act(platform, net.tenderee, code, "publish_pq_notice", ok)["stage"] == "prequalifying"


# ---------------------------------------------------------------- schedule planner


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return WorkingCalendar()


def dates(schedule) -> dict[str, date]:
    return {m.milestone.name: m.day for m in schedule.milestones}


def test_prequalification_schedule_across_mid_autumn_and_national_day(calendar) -> None:
    schedule = plan(get_procedure(PQ), date(2026, 9, 10), WUHAN, calendar)
    assert dates(schedule) == {
        "pq_announced_at": date(2026, 9, 10),  # a Thursday
        "pq_sale_start": date(2026, 9, 10),
        "pq_sale_end": date(2026, 9, 15),  # 5 days: Tuesday
        # 5 days after the sale: Sunday 09-20, a make-up working day, so it stays
        "pq_deadline": date(2026, 9, 20),
        "pq_objection_last_day": date(2026, 9, 18),  # 2 days before (09-18 + 2 = 09-20)
        "pq_clarification_last_day": date(2026, 9, 17),  # 3 days before
        "pq_reviewed_at": date(2026, 9, 20),
        "announced_at": date(2026, 9, 20),
        "doc_sale_start": date(2026, 9, 20),
        # 5 days: Friday 09-25 is Mid-Autumn, then a weekend: Monday 09-28
        "doc_sale_end": date(2026, 9, 28),
        # 20 days from 09-20: Saturday 10-10, a make-up working day
        "bid_deadline": date(2026, 10, 10),
        "objection_last_day": date(2026, 9, 30),  # 10 days before; 10-01 + 10 = 10-11, Sunday
        "clarification_last_day": date(2026, 9, 25),  # 15 days before (09-25 + 15 = 10-10)
        "evaluated_at": date(2026, 10, 10),
        "publicity_start": date(2026, 10, 10),
        "publicity_end": date(2026, 10, 13),  # 3 days: Tuesday
        "awarded_at": date(2026, 10, 13),
        "tender_report_at": date(2026, 10, 13),
        "contract_signed_at": date(2026, 10, 13),
    }
    by_name = {m.milestone.name: m for m in schedule.milestones}
    assert by_name["publicity_start"].latest == date(2026, 10, 13)
    assert by_name["tender_report_at"].latest == date(2026, 10, 28)  # 15 days: Wednesday
    assert by_name["contract_signed_at"].latest == date(2026, 11, 12)  # 30 days: Thursday
    rules_used = {c.rule.key for c in by_name["pq_deadline"].constraints if c.rule}
    assert rules_used == {"pq_application_min_days"}


def test_prequalification_schedule_across_the_spring_festival(calendar) -> None:
    got = dates(plan(get_procedure(PQ), date(2026, 2, 2), WUHAN, calendar))
    assert got["pq_sale_end"] == date(2026, 2, 9)  # 02-07 Saturday, 02-08 Sunday
    assert got["pq_deadline"] == date(2026, 2, 14)  # Saturday, but a make-up working day
    assert got["doc_sale_end"] == date(2026, 2, 24)  # 02-19 falls in the holiday (02-15..23)
    assert got["bid_deadline"] == date(2026, 3, 6)  # 02-14 + 20 days, a Friday
    assert got["objection_last_day"] == date(2026, 2, 24)  # 02-25 + 10 = 03-07, Saturday


def test_procurement_schedule_counts_working_days_over_the_spring_festival(calendar) -> None:
    got = dates(plan(get_procedure(GP), date(2026, 2, 11), WUHAN, calendar))
    # five working days after Wednesday 02-11: 02-12, 02-13, 02-14 (make-up), 02-24, 02-25
    assert got["pq_sale_end"] == date(2026, 2, 25)
    assert got["pq_deadline"] == date(2026, 2, 25)
    assert got["pq_clarification_last_day"] == date(2026, 2, 22)  # 3 calendar days before
    assert got["drawn_at"] == got["announced_at"] == date(2026, 2, 25)
    # 02-26, 02-27, 02-28 (make-up Saturday), 03-02, 03-03
    assert got["doc_sale_end"] == date(2026, 3, 3)
    assert got["bid_deadline"] == date(2026, 3, 17)  # 02-25 + 20 days, a Tuesday


def test_an_objection_to_the_pq_documents_suspends_until_answered(platform, clock, net) -> None:
    code = register(platform, net, PQ)
    act(platform, net.tenderee, code, "publish_pq_notice", pq_notice(platform))
    deadline = datetime.fromisoformat(data(platform, code)["pq_deadline"])
    objector = net.bidders[0]
    act(
        platform,
        objector,
        code,
        "raise_objection",
        {"subject": "pq_documents", "text": "资格条件设置了与项目无关的特定业绩"},
    )
    refused("project-suspended", apply, platform, net, net.bidders[1], code)
    clock.advance(days=1)
    act(platform, net.tenderee, code, "answer_objection", {"objection": 1, "answer": "已修改"})
    moved = datetime.fromisoformat(data(platform, code)["pq_deadline"])
    assert moved - deadline == timedelta(days=1)
    apply(platform, net, net.bidders[1], code)


def test_an_objection_to_the_pq_documents_two_days_before_the_deadline_is_late(
    platform, clock, net
) -> None:
    code = register(platform, net, PQ)
    act(platform, net.tenderee, code, "publish_pq_notice", pq_notice(platform))  # due 03-16
    clock.advance(days=13)  # Sunday 03-15: the last day was Saturday 03-14 (+2 = 03-16)
    error = refused(
        "objection-too-late",
        act,
        platform,
        net.bidders[0],
        code,
        "raise_objection",
        {"subject": "pq_documents", "text": "异议"},
    )
    assert error.extra["last_day"] == "2026-03-14"
