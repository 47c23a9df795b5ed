"""Competitive negotiation (竞争性谈判) and competitive consultation (竞争性磋商), end to end.

The test clock starts on Monday 2026-03-02 09:00 Beijing time; 2026-03 has no holidays. The
holiday examples use the State Council's 2026 schedule: Mid-Autumn Festival 09-25, National Day
10-01..07 with the make-up working days Sunday 09-20 and Saturday 10-10.
"""

from __future__ import annotations

import base64
import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from factories import PASSWORD, act, seal, seed_parties, tender_document
from ggzy.bidding.handlers import bids_of
from ggzy.bidding.sealed import create_opening_key
from ggzy.bidding.tool import content_key_for
from ggzy.core.calendar import SHANGHAI, WorkingCalendar
from ggzy.core.documents import register_document
from ggzy.core.errors import DomainError
from ggzy.core.money import to_capitals
from ggzy.pki import bindings
from ggzy.pki.signatures import sign_detached
from ggzy.procedures import rules, views
from ggzy.procedures.engine import get_procedure, get_project
from ggzy.procedures.schedule import plan
from ggzy.procedures.scheduler import run_due
from ggzy.procurement.negotiation import negotiation_view, price_score, score_text
from ggzy.registry import handlers as registry
from procurement_factories import plan_document

NEGOTIATION = "procurement.competitive_negotiation"
CONSULTATION = "procurement.competitive_consultation"


def refused(code: str, fn: Any, *args: Any, **kw: Any) -> DomainError:
    with pytest.raises(DomainError) as info:
        fn(*args, **kw)
    assert info.value.code == code, (info.value.code, info.value.zh)
    return info.value


@pytest.fixture
def net(platform):
    """Parties, a regulator of the finance department and a signing certificate for the
    purchaser (it signs the contract)."""
    parties = seed_parties(platform, bidders=4)
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


# ---------------------------------------------------------------- builders


def project(platform, net, method: str, **fields: Any) -> str:
    data = {
        "center": "420100",
        "title": "武汉市政务服务中心信息系统运维服务采购",
        "estimated_price": "3000000.00",
        **fields,
    }
    return act(platform, net.tenderee, None, "register_project", data, method=method)["project"]


def approved(platform, net, method: str, **fields: Any) -> str:
    code = project(platform, net, method, **fields)
    plan_fields = {
        "plan_number": "WHCG-2026-0207",
        "budget": "3000000.00",
        "funding": "财政性资金",
        "items": "政务服务信息系统运维服务一年",
    }
    plan_fields["plan_document"] = plan_document(platform)
    act(platform, net.tenderee, code, "submit_plan", plan_fields)
    act(platform, net.regulator, code, "approve_plan", {"opinion": "同意"})
    return code


def notice(platform, method: str, **overrides: Any) -> dict[str, Any]:
    """Announcement inputs from now: negotiation 3 working days, consultation 10 days."""
    now = platform.clock.now()
    if method == NEGOTIATION:
        sale, deadline = timedelta(days=2), timedelta(days=3, hours=1)
        terms: dict[str, Any] = {}
    else:
        sale, deadline = timedelta(days=7), timedelta(days=10, hours=1)
        terms = {"category": "services", "price_weight": 30}
    return {
        "tender_document": tender_document(platform),
        "doc_sale_start": now.isoformat(),
        "doc_sale_end": (now + sale).isoformat(),
        "bid_deadline": (now + deadline).isoformat(),
        "bid_bond": "30000.00",
        "announcement": "现采用竞争性谈判（磋商）方式采购，欢迎符合条件的供应商参加。",
        **terms,
        **overrides,
    }


def announced(platform, net, method: str = NEGOTIATION, **fields: Any) -> str:
    code = approved(platform, net, method, **fields)
    act(platform, net.tenderee, code, "publish_announcement", notice(platform, method))
    return code


def respond(platform, net, bidder, code: str, price: str) -> dict[str, Any]:
    """Obtain the documents, seal the first response on the supplier's side, submit it."""
    act(platform, bidder, code, "obtain_documents", {})
    sealed = seal(platform, net, bidder, code, price)
    net.sealed[(code, bidder.username)] = sealed
    fields = {"sealed_file": sealed.sealed_sha256, "signature": sealed.signature}
    return act(platform, bidder, code, "submit_bid", fields)


def final_quote(platform, net, bidder, code: str, price: str) -> dict[str, Any]:
    """Seal a final quote with the same bid tool and submit it."""
    sealed = seal(platform, net, bidder, code, price)
    net.sealed[(code, bidder.username)] = sealed
    fields = {"sealed_file": sealed.sealed_sha256, "signature": sealed.signature}
    return act(platform, bidder, code, "submit_final_quote", fields)


def decrypt(platform, net, bidder, code: str, action: str) -> dict[str, Any]:
    sealed = net.sealed[(code, bidder.username)]
    key = content_key_for(sealed.envelope, net.keys[bidder.username]["encrypt"].key)
    return act(platform, bidder, code, action, {"content_key": key.hex()})


def open_round(platform, net, code: str, action: str) -> dict[str, Any]:
    """The platform opens at the deadline; every supplier with a sealed response decrypts."""
    (result,) = [r for r in run_due(platform) if r["project"] == code]
    if result["stage"] == "failed":
        return result
    with platform.read() as conn:
        pending = {b["bidder"] for b in bids_of(conn, code, ("submitted",))}
    for bidder in net.bidders:
        if bidder.entity in pending:
            result = decrypt(platform, net, bidder, code, action)
    return result


def negotiating(platform, clock, net, prices, method=NEGOTIATION, **fields) -> str:
    """Announced, first responses at the given prices, opened and decrypted."""
    code = announced(platform, net, method, **fields)
    for bidder, price in zip(net.bidders, prices, strict=False):
        respond(platform, net, bidder, code, price)
    clock.set(deadline(platform, code, "bid_deadline") + timedelta(minutes=1))
    assert open_round(platform, net, code, "decrypt_response")["stage"] == "negotiating"
    return code


def minutes(platform, text: str = "谈判记录：双方就交付期、售后服务进行了谈判。") -> str:
    sha, size = platform.documents.write([text.encode()])
    with platform.engine.begin() as conn:
        register_document(conn, sha, size, "谈判记录.pdf", "application/pdf", platform.clock.now())
    return sha


def invite(platform, net, code: str, hours: int = 24) -> dict[str, Any]:
    due = platform.clock.now() + timedelta(hours=hours)
    fields = {"final_quote_deadline": due.isoformat(), "note": "请于截止时间前提交最后报价"}
    return act(platform, net.tenderee, code, "invite_final_quotes", fields)


def quoted(platform, clock, net, code: str, quotes: dict[int, str]) -> dict[str, Any]:
    """Invite final quotes, let suppliers (by index) quote, open and decrypt them."""
    assert invite(platform, net, code)["stage"] == "final_quoting"
    for i, price in quotes.items():
        final_quote(platform, net, net.bidders[i], code, price)
    clock.set(deadline(platform, code, "final_quote_deadline") + timedelta(minutes=1))
    return open_round(platform, net, code, "decrypt_final_quote")


def deadline(platform, code: str, key: str) -> datetime:
    return datetime.fromisoformat(data(platform, code)[key])


def stage(platform, code: str) -> str:
    with platform.read() as conn:
        return get_project(conn, code)["stage"]


def data(platform, code: str) -> dict[str, Any]:
    with platform.read() as conn:
        return get_project(conn, code)["data"]


def view(platform, code: str, account) -> dict[str, Any]:
    with platform.read() as conn:
        return negotiation_view(conn, code, account)


def signature(platform, net, username: str, sha: str) -> str:
    issued = net.keys[username]["sign"]
    blob = platform.documents.path(sha).read_bytes()
    return base64.b64encode(sign_detached(blob, issued.key, issued.der)).decode()


def contract_to_acceptance(platform, net, code: str, amount: str) -> None:
    winner = next(b for b in net.bidders if b.entity == data(platform, code)["winner"])
    sha = minutes(platform, "政府采购合同：信息系统运维服务一年。")
    for party in (net.tenderee, winner):
        fields = {
            "contract": sha,
            "amount": amount,
            "signature": signature(platform, net, party.username, sha),
        }
        result = act(platform, party, code, "sign_contract", fields)
    assert result["stage"] == "contracted"
    act(platform, net.tenderee, code, "publish_contract", {})
    report = minutes(platform, "验收报告：运维服务符合合同约定。")
    result = act(
        platform, net.tenderee, code, "record_acceptance", {"passed": True, "report": report}
    )
    assert result["stage"] == "accepted"


# ---------------------------------------------------------------- happy paths


def test_a_negotiation_from_the_plan_to_acceptance(platform, clock, net) -> None:
    a, b, c, d = net.bidders
    code = negotiating(
        platform, clock, net, ("2981000.00", "2952000.00", "2993000.00", "2974000.00")
    )
    assert stage(platform, code) == "negotiating"
    # the committee negotiates with each supplier separately, rounds numbered per supplier
    first = {"supplier": a.entity, "minutes": minutes(platform)}
    assert act(platform, net.tenderee, code, "negotiate", first)["round"] == 1
    second = {"supplier": a.entity, "minutes": minutes(platform, "第二轮谈判记录")}
    assert act(platform, net.tenderee, code, "negotiate", second)["round"] == 2
    act(
        platform,
        net.tenderee,
        code,
        "negotiate",
        {"supplier": b.entity, "minutes": minutes(platform)},
    )
    act(
        platform,
        net.tenderee,
        code,
        "exclude_supplier",
        {"supplier": d.entity, "reason": "核心技术参数负偏离，未实质性响应"},
    )
    quotes = {0: "2880000.00", 1: "2861000.00", 2: "2900000.00"}
    assert quoted(platform, clock, net, code, quotes)["stage"] == "quoted"
    result = act(platform, net.tenderee, code, "evaluate", {"panel": ["张工", "李工", "王工"]})
    assert result["stage"] == "ranked"
    candidates = data(platform, code)["candidates"]
    assert [(x["rank"], x["bidder"], x["price"]) for x in candidates] == [
        (1, b.entity, 286_100_000),
        (2, a.entity, 288_000_000),
        (3, c.entity, 290_000_000),
    ]
    result = act(platform, net.tenderee, code, "award", {})
    assert result["stage"] == "concluded"
    assert data(platform, code)["winner"] == b.entity
    with platform.read() as conn:
        award = [e for e in views.timeline(conn, code, None) if e["type"] == "AwardNoticeIssued"]
    assert "谈判小组" in award[0]["payload"]["notice_zh"]
    assert "成交供应商" in award[0]["payload"]["notice_zh"]
    contract_to_acceptance(platform, net, code, "2861000.00")


def test_a_consultation_is_ranked_by_the_hand_computed_scores(platform, clock, net) -> None:
    a, b, c, _ = net.bidders
    code = negotiating(
        platform,
        clock,
        net,
        ("1990000.00", "2100000.00", "2050000.00"),
        CONSULTATION,
    )
    assert data(platform, code)["price_weight"] == 30
    act(
        platform,
        net.tenderee,
        code,
        "negotiate",
        {"supplier": c.entity, "minutes": minutes(platform)},
    )
    quotes = {0: "1800000.00", 1: "2000000.00", 2: "1950000.00"}
    assert quoted(platform, clock, net, code, quotes)["stage"] == "quoted"
    # services, price weight 30 %: the benchmark is the lowest final quote, 1,800,000
    #   A: 1,800,000 / 1,800,000 × 30 = 30.00; + 50 technical + 10 other = 90.00
    #   B: 1,800,000 / 2,000,000 × 30 = 27.00; + 60 + 10 = 97.00
    #   C: 1,800,000 / 1,950,000 × 30 = 27.6923… → 27.69; + 58 + 11 = 96.69
    reviews = [
        {"supplier": a.entity, "technical": "50", "other": "10"},
        {"supplier": b.entity, "technical": "60", "other": "10"},
        {"supplier": c.entity, "technical": "58", "other": "11"},
    ]
    assert act(platform, net.tenderee, code, "evaluate", {"reviews": reviews})["stage"] == "ranked"
    got = [
        (x["rank"], x["bidder"], x["price_score"], x["total_score"])
        for x in data(platform, code)["candidates"]
    ]
    assert got == [
        (1, b.entity, "27.00", "97.00"),
        (2, c.entity, "27.69", "96.69"),
        (3, a.entity, "30.00", "90.00"),
    ]
    assert score_text(price_score(1_800_000, 1_950_000, 30)) == "27.69"
    act(platform, net.tenderee, code, "award", {})
    assert data(platform, code)["winner"] == b.entity  # the best score, not the lowest price
    assert data(platform, code)["award_price"] == 200_000_000
    contract_to_acceptance(platform, net, code, "2000000.00")


def test_equal_consultation_scores_rank_the_lower_final_quote_first(platform, clock, net) -> None:
    a, b, c, _ = net.bidders
    code = negotiating(
        platform, clock, net, ("2500000.00", "2450000.00", "2600000.00"), CONSULTATION
    )
    quoted(platform, clock, net, code, {0: "2400000.00", 1: "2000000.00", 2: "2500000.00"})
    # A: 2,000,000 / 2,400,000 × 30 = 25.00 + 55 + 10 = 90.00
    # B: 30.00 + 50 + 10 = 90.00 -> tie, B quoted lower and ranks first
    # C: 2,000,000 / 2,500,000 × 30 = 24.00 + 50 + 10 = 84.00
    reviews = [
        {"supplier": a.entity, "technical": "55", "other": "10"},
        {"supplier": b.entity, "technical": "50", "other": "10"},
        {"supplier": c.entity, "technical": "50", "other": "10"},
    ]
    act(platform, net.tenderee, code, "evaluate", {"reviews": reviews})
    got = [(x["bidder"], x["total_score"]) for x in data(platform, code)["candidates"]]
    assert got == [(b.entity, "90.00"), (a.entity, "90.00"), (c.entity, "84.00")]


def test_points_beyond_100_minus_the_price_weight_are_refused(platform, clock, net) -> None:
    a, b, c, _ = net.bidders
    code = negotiating(
        platform, clock, net, ("2500000.00", "2450000.00", "2600000.00"), CONSULTATION
    )
    quoted(platform, clock, net, code, {0: "2400000.00", 1: "2000000.00", 2: "2500000.00"})
    reviews = [
        {"supplier": a.entity, "technical": "60", "other": "10.01"},
        {"supplier": b.entity, "technical": "50"},
        {"supplier": c.entity, "technical": "50"},
    ]
    error = refused(
        "score-too-high", act, platform, net.tenderee, code, "evaluate", {"reviews": reviews}
    )
    assert "70" in error.zh
    reviews[0]["other"] = 10.0  # a float is never a score
    refused("invalid-score", act, platform, net.tenderee, code, "evaluate", {"reviews": reviews})
    refused(
        "score-missing", act, platform, net.tenderee, code, "evaluate", {"reviews": reviews[1:]}
    )
    assert stage(platform, code) == "quoted"


@pytest.mark.parametrize(
    ("category", "weight", "ok"),
    [("services", 31, False), ("services", 10, True), ("goods", 29, False), ("货物", 60, True)],
)
def test_the_price_weight_must_lie_in_its_range(platform, net, category, weight, ok) -> None:
    code = approved(platform, net, CONSULTATION)
    fields = notice(platform, CONSULTATION, category=category, price_weight=weight)
    if ok:
        act(platform, net.tenderee, code, "publish_announcement", fields)
        assert data(platform, code)["price_weight"] == weight
    else:
        error = refused(
            "price-weight-out-of-range",
            act,
            platform,
            net.tenderee,
            code,
            "publish_announcement",
            fields,
        )
        assert "财库〔2014〕214号" in error.zh


# ---------------------------------------------------------------- the negotiation itself


def test_a_change_of_requirements_reaches_every_remaining_supplier(platform, clock, net) -> None:
    a, b, c, d = net.bidders
    code = negotiating(
        platform, clock, net, ("2981000.00", "2952000.00", "2993000.00", "2974000.00")
    )
    act(
        platform,
        net.tenderee,
        code,
        "exclude_supplier",
        {"supplier": d.entity, "reason": "资格证明文件不全"},
    )
    amended = minutes(platform, "变动后的采购需求：驻场运维人员由 3 人增至 4 人。")
    act(
        platform,
        net.tenderee,
        code,
        "negotiate",
        {
            "supplier": a.entity,
            "minutes": minutes(platform),
            "changes": "驻场运维人员由 3 人增至 4 人",
            "changes_document": amended,
        },
    )
    for supplier in (a, b, c):
        changes = view(platform, code, supplier)["changes"]
        assert [(x["number"], x["text"], x["document"]) for x in changes] == [
            (1, "驻场运维人员由 3 人增至 4 人", amended)
        ]
        assert "recipients" not in changes[0]  # nor who else is still in
    excluded = view(platform, code, d)
    assert excluded["status"] == "excluded" and excluded["changes"] == []
    assert excluded["reason"] == "资格证明文件不全"
    # a supplier that withdrew gets no later change
    act(platform, c, code, "withdraw_from_negotiation", {"reason": "无法满足新的人员要求"})
    act(
        platform,
        net.tenderee,
        code,
        "negotiate",
        {
            "supplier": b.entity,
            "minutes": minutes(platform),
            "changes": "响应时间由 2 小时缩短为 1 小时",
        },
    )
    assert [x["number"] for x in view(platform, code, b)["changes"]] == [1, 2]
    assert [x["number"] for x in view(platform, code, a)["changes"]] == [1, 2]
    assert [x["number"] for x in view(platform, code, c)["changes"]] == [1]
    official = view(platform, code, net.tenderee)
    assert [x["recipients"] for x in official["changes"]] == [
        [a.entity, b.entity, c.entity],
        [a.entity, b.entity],
    ]
    # a supplier no longer taking part cannot be negotiated with
    fields = {"supplier": c.entity, "minutes": minutes(platform)}
    refused("not-in-negotiation", act, platform, net.tenderee, code, "negotiate", fields)


def test_a_supplier_cannot_see_another_suppliers_offer(platform, clock, net) -> None:
    a, b, c, outsider = net.bidders
    code = negotiating(platform, clock, net, ("2981000.00", "2952000.00", "2993000.00"))
    act(
        platform,
        net.tenderee,
        code,
        "negotiate",
        {"supplier": a.entity, "minutes": minutes(platform)},
    )
    mine = view(platform, code, b)
    assert mine["first"]["price"] == 295_200_000
    assert "suppliers" not in mine and mine["rounds"] == []  # A's round is not B's business
    quoted(platform, clock, net, code, {0: "2871000.00", 1: "2862000.00", 2: "2893000.00"})
    act(platform, net.tenderee, code, "evaluate", {})
    act(platform, net.tenderee, code, "award", {})
    others = ("298100000", "299300000", "287100000", "289300000", a.entity, c.entity)
    with platform.read() as conn:
        p = get_project(conn, code)
        seen_by_b = json.dumps(
            [negotiation_view(conn, code, b), views.timeline(conn, code, b)], ensure_ascii=False
        )
        public = json.dumps(
            [views.timeline(conn, code, None), views.project_view(conn, p, b)], ensure_ascii=False
        )
        assert views.opened_bids(conn, p) == []  # nothing is read out in public
        assert "candidates" not in views.project_view(conn, p, b)
        from ggzy.web.api import _may_download

        a_final = negotiation_view(conn, code, a)["final"]
        for sha in (p["data"]["response_record"], p["data"]["review_report"]):
            assert not _may_download(conn, sha, b) and not _may_download(conn, sha, None)
        assert not _may_download(conn, a_final["package_sha256"], b)
        with pytest.raises(DomainError) as info:
            negotiation_view(conn, code, outsider)  # never responded
        assert info.value.code == "forbidden"
        official = negotiation_view(conn, code, net.tenderee)
    for text in others:
        assert text not in seen_by_b, text
    assert "286200000" in seen_by_b  # its own final quote
    assert "298100000" not in public and "295200000" not in public
    assert {s["supplier"]: s["final"]["price"] for s in official["suppliers"]} == {
        a.entity: 287_100_000,
        b.entity: 286_200_000,
        c.entity: 289_300_000,
    }


def test_the_web_shows_no_offer_to_another_supplier_or_the_public(platform, clock, net) -> None:
    from fastapi.testclient import TestClient

    from ggzy.web.app import create_app

    a, b, c, _ = net.bidders
    code = negotiating(platform, clock, net, ("2981000.00", "2952000.00", "2993000.00"))
    client = TestClient(create_app(platform), raise_server_exceptions=False)
    r = client.post("/api/v1/auth/token", json={"username": b.username, "password": PASSWORD})
    as_b = {"Authorization": f"Bearer {r.json()['token']}"}
    secrets = ("298100000", "2981000", "2,981,000", "299300000", "2993000", "2,993,000")
    secrets += (to_capitals(298_100_000), a.entity, c.entity)
    for headers in ({}, as_b):
        for url in (
            f"/api/v1/projects/{code}",
            f"/api/v1/projects/{code}/events",
            f"/api/v1/projects/{code}/bids",
            f"/projects/{code}",
        ):
            r = client.get(url, headers=headers)
            assert r.status_code == 200, (url, r.text[:300])
            for secret in secrets:
                assert secret not in r.text, (url, secret)
    assert client.get(f"/api/v1/projects/{code}/bids").json() == []
    mine = client.get(f"/api/v1/projects/{code}/events", headers=as_b).text
    assert "295200000" in mine  # B reads its own decrypted response


def test_a_final_quote_after_its_deadline_is_refused(platform, clock, net) -> None:
    a, b, _c, d = net.bidders
    code = negotiating(
        platform, clock, net, ("2981000.00", "2952000.00", "2993000.00", "2974000.00")
    )
    act(platform, net.tenderee, code, "exclude_supplier", {"supplier": d.entity, "reason": "无效"})
    invite(platform, net, code, hours=2)
    # an excluded supplier was not invited
    error = refused("forbidden", final_quote, platform, net, d, code, "2800000.00")
    assert "受邀" in error.zh
    # the first response cannot be sent again as the final quote
    first = net.sealed[(code, a.username)]
    fields = {"sealed_file": first.sealed_sha256, "signature": first.signature}
    refused("sealed-file-reused", act, platform, a, code, "submit_final_quote", fields)
    receipt = final_quote(platform, net, a, code, "2870000.00")["receipt"]
    assert receipt["round"] == "final"
    final_quote(platform, net, a, code, "2860000.00")  # replaced before the deadline
    # a supplier that has quoted can no longer withdraw
    refused("final-quote-submitted", act, platform, a, code, "withdraw_from_negotiation", {})
    clock.advance(hours=2, seconds=1)
    error = refused("too-late", final_quote, platform, net, b, code, "2850000.00")
    assert "已过截止时间" in error.zh


def test_an_undecrypted_final_quote_lapses_and_too_few_fail(platform, clock, net) -> None:
    a, b, c, _ = net.bidders
    code = negotiating(platform, clock, net, ("2981000.00", "2952000.00", "2993000.00"))
    invite(platform, net, code)
    for bidder, price in ((a, "2870000.00"), (b, "2860000.00"), (c, "2880000.00")):
        final_quote(platform, net, bidder, code, price)
    clock.set(deadline(platform, code, "final_quote_deadline") + timedelta(minutes=1))
    assert run_due(platform)[0]["stage"] == "final_decrypting"
    decrypt(platform, net, a, code, "decrypt_final_quote")
    decrypt(platform, net, b, code, "decrypt_final_quote")
    clock.advance(minutes=31)  # C never decrypts within the 30-minute window
    result = run_due(platform)[0]
    assert result["stage"] == "failed" and result["event"] == "TenderFailed"
    with platform.read() as conn:
        statuses = {b["bidder"]: b["status"] for b in bids_of(conn, code, ("undecrypted",))}
    assert statuses == {c.entity: "undecrypted"}


# ---------------------------------------------------------------- too few suppliers


def test_fewer_than_three_responses_fail_at_the_opening(platform, clock, net) -> None:
    code = announced(platform, net)
    respond(platform, net, net.bidders[0], code, "2981000.00")
    respond(platform, net, net.bidders[1], code, "2952000.00")
    clock.set(deadline(platform, code, "bid_deadline") + timedelta(minutes=1))
    result = run_due(platform)[0]
    assert result["stage"] == "failed" and result["event"] == "TenderFailed"
    with platform.read() as conn:
        failed = [e for e in views.timeline(conn, code, None) if e["type"] == "TenderFailed"]
    assert failed[0]["payload"]["minimum"] == 3
    assert "政府采购法 第38条" in failed[0]["payload"]["zh"]
    assert net.bidders[0].entity not in json.dumps(failed)  # who responded stays confidential


def test_fewer_than_three_responsive_suppliers_fail_the_negotiation(platform, clock, net) -> None:
    _a, _b, c, _ = net.bidders
    code = negotiating(platform, clock, net, ("2981000.00", "2952000.00", "2993000.00"))
    act(
        platform,
        net.tenderee,
        code,
        "exclude_supplier",
        {"supplier": c.entity, "reason": "服务方案未实质性响应"},
    )
    result = invite(platform, net, code)
    assert result["stage"] == "failed" and result["event"] == "TenderFailed"
    assert data(platform, code)["failed_at"]


def test_a_non_responsive_final_quote_leaves_too_few(platform, clock, net) -> None:
    a, b, c, _ = net.bidders
    code = negotiating(
        platform, clock, net, ("1990000.00", "2100000.00", "2050000.00"), CONSULTATION
    )
    quoted(platform, clock, net, code, {0: "1800000.00", 1: "2000000.00", 2: "1950000.00"})
    reviews = [
        {"supplier": a.entity, "responsive": False, "reason": "最后报价附带了采购人不能接受的条件"},
        {"supplier": b.entity, "technical": "60"},
        {"supplier": c.entity, "technical": "58"},
    ]
    error = refused(
        "reason-required",
        act,
        platform,
        net.tenderee,
        code,
        "evaluate",
        {"reviews": [{**reviews[0], "reason": ""}, *reviews[1:]]},
    )
    assert "理由" in error.zh
    result = act(platform, net.tenderee, code, "evaluate", {"reviews": reviews})
    assert result["stage"] == "failed" and result["event"] == "TenderFailed"


def test_two_suppliers_suffice_under_the_documented_exception(platform, clock, net) -> None:
    exception = {
        "few_suppliers_exception": True,
        "exception_ground": "市场竞争不充分的科研项目",
    }
    refused(
        "exception-ground-required",
        project,
        platform,
        net,
        CONSULTATION,
        few_suppliers_exception=True,
    )
    a, b, _, _ = net.bidders
    code = negotiating(
        platform, clock, net, ("1990000.00", "2100000.00"), CONSULTATION, **exception
    )
    quoted(platform, clock, net, code, {0: "1800000.00", 1: "2000000.00"})
    reviews = [
        {"supplier": a.entity, "technical": "50", "other": "10"},
        {"supplier": b.entity, "technical": "60", "other": "10"},
    ]
    assert act(platform, net.tenderee, code, "evaluate", {"reviews": reviews})["stage"] == "ranked"
    rule = rules.resolve("min_suppliers_exception", CONSULTATION, "420100", date(2026, 3, 2))
    assert (rule.value, rule.confidence) == (2, "U")


# ---------------------------------------------------------------- sealed rounds


def test_officers_open_the_responses_the_suppliers_did_not(platform, clock, net) -> None:
    with platform.command("account:staff.wuhan") as uow:
        shares = create_opening_key(uow, "420100", 2, 3)
    code = announced(platform, net)
    for bidder, price in zip(net.bidders, ("2981000.00", "2952000.00", "2993000.00"), strict=False):
        respond(platform, net, bidder, code, price)
    clock.set(deadline(platform, code, "bid_deadline") + timedelta(minutes=1))
    assert run_due(platform)[0]["stage"] == "decrypting"
    with platform.command("account:admin") as uow:
        officer = registry.create_account(
            uow,
            username="officer0",
            display_name="开标人员0",
            password=PASSWORD,
            roles=["center_staff"],
            center="420100",
        )
    share = {"share": shares[0]}
    refused("forbidden", act, platform, net.bidders[0], code, "submit_first_opening_share", share)
    assert act(platform, net.staff, code, "submit_first_opening_share", share)["stage"] == (
        "decrypting"
    )
    result = act(platform, officer, code, "submit_first_opening_share", {"share": shares[2]})
    assert result["stage"] == "negotiating"
    suppliers = view(platform, code, net.tenderee)["suppliers"]
    assert {s["first"]["decrypted_by"] for s in suppliers} == {"officers"}
    assert sorted(s["first"]["price"] for s in suppliers) == [
        295_200_000,
        298_100_000,
        299_300_000,
    ]


def test_the_response_period_is_three_working_days(platform, net) -> None:
    code = approved(platform, net, NEGOTIATION)
    now = platform.clock.now()
    early = notice(
        platform, NEGOTIATION, bid_deadline=(now + timedelta(days=2, hours=1)).isoformat()
    )
    error = refused(
        "period-too-short", act, platform, net.tenderee, code, "publish_announcement", early
    )
    assert error.extra["earliest"] == "2026-03-05" and "财政部令第74号 第29条" in error.zh


# ---------------------------------------------------------------- the schedule and holidays


def milestones(method: str, start: date) -> dict[str, tuple[date, date | None]]:
    schedule = plan(get_procedure(method), start, "420100", WorkingCalendar())
    assert schedule.problems == []
    return {m.milestone.name: (m.day, m.latest) for m in schedule.milestones}


def test_the_planner_dates_a_negotiation_across_national_day() -> None:
    got = milestones(NEGOTIATION, date(2026, 9, 29))
    # 3 working days from Tuesday 09-29: 09-30, then 10-01..07 rest, 10-08 and 10-09
    assert got["bid_deadline"] == (date(2026, 10, 9), None)
    # at least 3 working days before 10-09: 09-29 (09-30 would end on the 10-10 make-up day)
    assert got["clarification_last_day"] == (date(2026, 9, 29), date(2026, 9, 29))
    # the winner within 5 working days of the report: 10-10 (make-up Saturday), 10-12..15
    assert got["awarded_at"] == (date(2026, 10, 9), date(2026, 10, 15))
    # the contract within 30 days: 11-08 is a Sunday -> Monday 11-09
    assert got["contract_signed_at"] == (date(2026, 10, 9), date(2026, 11, 9))
    # published within 2 working days of signing: 10-10 and 10-12
    assert got["contract_published_at"] == (date(2026, 10, 9), date(2026, 10, 12))
    # from Friday 09-18 the 3 working days include the make-up Sunday 09-20: 09-20, 21, 22
    assert milestones(NEGOTIATION, date(2026, 9, 18))["bid_deadline"][0] == date(2026, 9, 22)
    # from Thursday 09-24: 09-25 is the Mid-Autumn Festival: 09-28, 29, 30
    assert milestones(NEGOTIATION, date(2026, 9, 24))["bid_deadline"][0] == date(2026, 9, 30)


def test_the_planner_dates_a_consultation_across_the_holidays() -> None:
    got = milestones(CONSULTATION, date(2026, 9, 21))
    # documents 5 working days from Monday 09-21: 09-22, 23, 24, (09-25 holiday) 28, 29
    assert got["doc_sale_end"][0] == date(2026, 9, 29)
    # 10 days from 09-21 end on 10-01, in the National Day holiday: Thursday 10-08
    assert got["bid_deadline"][0] == date(2026, 10, 8)
    # at least 5 days before 10-08: 10-03 (+5 = 10-08); 10-04 would end on 10-09
    assert got["clarification_last_day"][0] == date(2026, 10, 3)
    assert got["final_quote_deadline"][0] == date(2026, 10, 8)
    # 5 working days after 10-08: 10-09, 10-10 (make-up Saturday), 10-12, 13, 14
    assert got["awarded_at"] == (date(2026, 10, 8), date(2026, 10, 14))
    assert got["contract_signed_at"][1] == date(2026, 11, 9)  # 11-07 is a Saturday
    assert got["contract_published_at"][1] == date(2026, 10, 10)


def test_the_engine_enforces_the_planned_negotiation_dates(platform, clock, net) -> None:
    clock.set(datetime(2026, 9, 29, 9, 0, tzinfo=SHANGHAI))
    code = approved(platform, net, NEGOTIATION)
    day_before = datetime(2026, 10, 8, 10, 0, tzinfo=SHANGHAI).isoformat()
    error = refused(
        "period-too-short",
        act,
        platform,
        net.tenderee,
        code,
        "publish_announcement",
        notice(platform, NEGOTIATION, bid_deadline=day_before),
    )
    assert error.extra["earliest"] == "2026-10-09"
    on_time = datetime(2026, 10, 9, 10, 0, tzinfo=SHANGHAI).isoformat()
    act(
        platform,
        net.tenderee,
        code,
        "publish_announcement",
        notice(platform, NEGOTIATION, bid_deadline=on_time),
    )
    # a clarification on 09-30 is after the last day (09-29): 3 working days from 09-30 end on
    # the make-up Saturday 10-10, so the deadline moves there, at the same hour
    clock.set(datetime(2026, 9, 30, 9, 0, tzinfo=SHANGHAI))
    act(platform, net.tenderee, code, "clarify", {"text": "交付地点补充说明", "affects_bids": True})
    moved = deadline(platform, code, "bid_deadline").astimezone(SHANGHAI)
    assert moved == datetime(2026, 10, 10, 10, 0, tzinfo=SHANGHAI)


def test_the_engine_enforces_the_planned_consultation_dates(platform, clock, net) -> None:
    clock.set(datetime(2026, 9, 21, 9, 0, tzinfo=SHANGHAI))
    code = approved(platform, net, CONSULTATION)

    def at(month: int, day: int) -> str:
        return datetime(2026, month, day, 10, 0, tzinfo=SHANGHAI).isoformat()

    short_sale = notice(platform, CONSULTATION, doc_sale_end=at(9, 28), bid_deadline=at(10, 8))
    error = refused(
        "period-too-short", act, platform, net.tenderee, code, "publish_announcement", short_sale
    )
    assert error.extra["earliest"] == "2026-09-29"
    short = notice(platform, CONSULTATION, doc_sale_end=at(9, 29), bid_deadline=at(10, 7))
    error = refused(
        "period-too-short", act, platform, net.tenderee, code, "publish_announcement", short
    )
    assert error.extra["earliest"] == "2026-10-08" and "财库〔2014〕214号 第10条" in error.zh
    ok = notice(platform, CONSULTATION, doc_sale_end=at(9, 29), bid_deadline=at(10, 8))
    act(platform, net.tenderee, code, "publish_announcement", ok)
    assert stage(platform, code) == "bidding"


# ---------------------------------------------------------------- supervision


def test_a_suspended_negotiation_waits_and_can_be_terminated(platform, clock, net) -> None:
    code = negotiating(platform, clock, net, ("2981000.00", "2952000.00", "2993000.00"))
    act(platform, net.regulator, code, "suspend", {"reason": "收到质疑，暂停采购活动"})
    error = refused("project-suspended", invite, platform, net, code)
    assert "收到质疑" in error.zh
    result = act(platform, net.tenderee, code, "terminate", {"reason": "采购需求重大变化"})
    assert result["stage"] == "terminated"
