"""Bid bonds (投标保证金): cash from the bidder's own account, electronic guarantees signed by a
registered institution and verifiable by their code, the read-out and the refund."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import PASSWORD, act, announce, announcement, bid, open_and_decrypt, seed_parties
from ggzy.bidding.bonds import virtual_account
from ggzy.core.codes import make_credit_code
from ggzy.core.documents import register_document
from ggzy.core.errors import DomainError
from ggzy.pki import bindings
from ggzy.pki.signatures import sign_detached
from ggzy.procedures.engine import get_project
from ggzy.procedures.views import opened_bids, timeline
from ggzy.registry import handlers as registry
from ggzy.web.app import create_app

BOND = "200000.00"  # the construction announcement's bond in tests/factories.py


def refused(code: str, fn: Any, *args: Any, **kw: Any) -> DomainError:
    with pytest.raises(DomainError) as info:
        fn(*args, **kw)
    assert info.value.code == code, (info.value.code, info.value.zh)
    return info.value


@pytest.fixture
def net(platform):
    """Parties and a bank registered as a guarantor with a bound signing certificate."""
    parties = seed_parties(platform)
    bank_code = make_credit_code("9", "1", "420100", "MA009999")
    with platform.command("system") as uow:
        registry.register_entity(
            uow,
            credit_code=bank_code,
            name="汉口银行股份有限公司",
            kinds=["guarantor"],
            legal_representative="陈行长",
            contacts=[{"name": "保函中心", "phone": "027-96558"}],
            qualifications=[],
        )
        bank = registry.create_account(
            uow,
            username="bank1",
            display_name="汉口银行",
            password=PASSWORD,
            roles=["entity_admin"],
            entity=bank_code,
        )
    assert parties.ca is not None
    cert = parties.ca.issue("汉口银行股份有限公司", bank_code, usage="sign")
    with platform.command(bank.actor) as uow:
        bindings.bind_certificate(uow, bank, cert.pem, "sign")
    parties.bank = (bank_code, cert)  # type: ignore[attr-defined]
    return parties


def guarantee(platform, net, code: str, bidder, **changes: Any) -> dict[str, str]:
    """An electronic guarantee letter issued and signed by the bank: lodge_guarantee inputs."""
    bank_code, cert = net.bank
    with platform.read() as conn:
        project = get_project(conn, code)
    letter = {
        "code": "HKB-BH-2026-000123",
        "guarantor": bank_code,
        "beneficiary": project["tenderee"],
        "applicant": bidder.entity,
        "project": code,
        "amount": BOND,
        "valid_until": "2026-06-30T23:59:59+08:00",
        **changes,
    }
    body = json.dumps(letter, ensure_ascii=False).encode()
    sha, size = platform.documents.write([body])
    with platform.engine.begin() as conn:
        register_document(
            conn, sha, size, "电子保函.json", "application/json", platform.clock.now()
        )
    signature = base64.b64encode(sign_detached(body, cert.key, cert.der)).decode()
    return {"guarantee": sha, "signature": signature}


def pay(platform, net, code: str, bidder, payer: str | None = None, amount: str = BOND) -> Any:
    fields = {
        "bidder": bidder.entity,
        "amount": amount,
        "payer_name": payer or bidder.display_name,
        "reference": "HKB2026030200017",
    }
    return act(platform, net.staff, code, "record_bond_payment", fields)


def test_a_cash_bond_must_come_from_the_bidders_own_account(platform, net) -> None:
    code = announce(platform, net)
    bidder = net.bidders[0]
    error = refused("bond-not-from-bidder", pay, platform, net, code, bidder, payer="王某个人")
    assert "基本账户" in error.zh and "实施条例 第26条" in error.zh
    refused("bond-short", pay, platform, net, code, bidder, amount="199999.99")
    pay(platform, net, code, bidder)


def test_a_guarantee_signed_by_the_bank_is_verifiable_by_its_code(platform, net) -> None:
    code = announce(platform, net)
    bidder = net.bidders[0]
    act(platform, bidder, code, "lodge_guarantee", guarantee(platform, net, code, bidder))
    client = TestClient(create_app(platform), raise_server_exceptions=False)
    r = client.get("/api/v1/guarantees/HKB-BH-2026-000123")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["project"] == code and body["guarantor_name"] == "汉口银行股份有限公司"
    assert body["amount"] == 20_000_000 and body["signature_ok"] is True
    assert bidder.entity not in r.text  # who bid stays secret
    assert client.get("/api/v1/guarantees/NO-SUCH").status_code == 404


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"amount": "150000.00"}, "少于应缴保证金"),
        ({"beneficiary": make_credit_code("9", "1", "420100", "MA000777")}, "受益人"),
        ({"valid_until": "2026-03-10T00:00:00+08:00"}, "有效期"),
        ({"project": "4201002026J000099X"}, "项目"),
    ],
)
def test_a_guarantee_that_does_not_cover_the_bid_is_refused(platform, net, change, words) -> None:
    code = announce(platform, net)
    bidder = net.bidders[0]
    fields = guarantee(platform, net, code, bidder, **change)
    error = refused("guarantee-invalid", act, platform, bidder, code, "lodge_guarantee", fields)
    assert words in error.zh


def test_a_guarantee_signed_by_someone_else_is_refused(platform, net) -> None:
    code = announce(platform, net)
    bidder = net.bidders[0]
    fields = guarantee(platform, net, code, bidder)
    keys = net.keys[bidder.username]["sign"]  # the bidder signs its own guarantee
    body = platform.documents.read(fields["guarantee"])
    fields["signature"] = base64.b64encode(sign_detached(body, keys.key, keys.der)).decode()
    refused("wrong-entity", act, platform, bidder, code, "lodge_guarantee", fields)


def test_procurement_takes_no_cash_bond(platform, net) -> None:
    from procurement_factories import approve, register

    with platform.command("system") as uow:
        net.regulator = registry.create_account(  # type: ignore[attr-defined]
            uow, username="czj", display_name="财政局", password=PASSWORD, roles=["regulator"]
        )
    code = approve(platform, net, register(platform, net, "procurement.open_tendering"))
    fields = {**announcement(platform), "bid_bond": "60000.00"}
    act(platform, net.tenderee, code, "publish_announcement", fields)
    error = refused(
        "cash-bond-refused", pay, platform, net, code, net.bidders[0], amount="60000.00"
    )
    assert "政府采购法实施条例 第33条" in error.zh


def test_the_opening_reads_out_each_bond(platform, clock, net) -> None:
    code = announce(platform, net)
    b1, b2, b3 = net.bidders[:3]
    pay(platform, net, code, b1)
    act(platform, b2, code, "lodge_guarantee", guarantee(platform, net, code, b2))
    for bidder, price in ((b1, "9880000"), (b2, "9760000"), (b3, "9990000")):
        bid(platform, bidder, code, price)
    clock.advance(days=21, hours=2)
    open_and_decrypt(platform, net, code)
    with platform.read() as conn:
        project = get_project(conn, code)
        read = {b["bidder"]: b["bond"]["status"] for b in opened_bids(conn, project)}
    assert read == {b1.entity: "cash", b2.entity: "guarantee", b3.entity: "missing"}


def refunded(platform, code: str) -> dict[str, Any]:
    with platform.read() as conn:
        (refund,) = [e for e in timeline(conn, code, None) if e["type"] == "BondsRefunded"]
    return dict(refund["payload"])


def test_bonds_are_refunded_with_interest_after_the_project_ends(platform, clock, net) -> None:
    code = announce(platform, net)
    b1, b2 = net.bidders[:2]
    paid_at = clock.now()
    pay(platform, net, code, b1)
    act(platform, b2, code, "lodge_guarantee", guarantee(platform, net, code, b2))
    refused("wrong-stage", act, platform, net.staff, code, "refund_bonds", {})
    clock.advance(days=10)
    act(platform, net.tenderee, code, "terminate", {"reason": "项目取消（实施条例 第31条）"})
    clock.advance(days=2)
    act(platform, net.staff, code, "refund_bonds", {"interest_rate_bp": 35})
    refund = refunded(platform, code)
    cash = next(r for r in refund["refunds"] if r["kind"] == "cash")
    days = (clock.now() - paid_at).days
    assert cash["interest"] == 20_000_000 * 35 * days // (10_000 * 365)
    assert cash["total"] == 20_000_000 + cash["interest"]
    assert {"bidder": b2.entity, "kind": "guarantee", "released": "HKB-BH-2026-000123"} in (
        refund["refunds"]
    )
    assert refund["late"] is False


def test_a_refund_after_five_days_is_recorded_as_late(platform, clock, net) -> None:
    code = announce(platform, net)
    pay(platform, net, code, net.bidders[0])
    act(platform, net.tenderee, code, "terminate", {"reason": "项目取消"})  # Monday 03-02
    # five days end on Saturday 03-07, a rest day, so the period runs to Monday 03-09
    clock.advance(days=8)  # Tuesday 03-10
    act(platform, net.staff, code, "refund_bonds", {})
    refund = refunded(platform, code)
    assert refund["late"] is True and refund["basis"] == "招标投标法实施条例 第57条"


def test_the_bond_goes_to_the_projects_own_sub_account(platform, net) -> None:
    code = announce(platform, net)
    pay(platform, net, code, net.bidders[0])
    with platform.read() as conn:
        from ggzy.bidding.bonds import bonds_of

        (bond,) = bonds_of(conn, code).values()
    assert bond["account"] == virtual_account(code) == f"GGZY{code}"
