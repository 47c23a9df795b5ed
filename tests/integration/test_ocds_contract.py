"""OCDS releases after the award: the contract, its implementation, and a cancelled tender.

A government procurement runs from its plan to acceptance on a fresh platform (both databases),
and the export is checked release by release against the official schema.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from factories import act, announcement, bid, open_and_decrypt
from ggzy.open_data.ocds import build_releases, release_package
from ggzy.open_data.validate import package_errors
from procurement_factories import (
    approve,
    data,
    procurement_net,
    register,
    signature,
    stored_document,
)

SCHEMAS = Path(__file__).resolve().parents[2] / ".." / "shared" / "ocds" / "schema-1.1.5"
BASE = "https://ggzy.example.org"
GP = "procurement.open_tendering"


@pytest.fixture
def net(platform):
    return procurement_net(platform)


def export(platform: Any, code: str) -> list[dict[str, Any]]:
    with platform.read() as conn:
        found = build_releases(conn, prefix="ocds-ggzy01-", base_url=BASE)
    if SCHEMAS.exists():
        package = release_package(found, uri=f"{BASE}/r", publisher="节点", base_url=BASE)
        assert package_errors(package, SCHEMAS) == []
    return [r.body for r in found if r.project == code]


def contracted(platform, clock, net) -> tuple[str, Any]:
    """A procurement awarded at 2,789,999.99 yuan and its contract signed by both parties."""
    code = approve(platform, net, register(platform, net, GP))
    act(
        platform,
        net.tenderee,
        code,
        "publish_announcement",
        {**announcement(platform), "bid_bond": "60000.00"},
    )
    for bidder, price in zip(net.bidders, ("2860000.55", "2789999.99", "2935000.00"), strict=False):
        bid(platform, bidder, code, price)
    clock.advance(days=21, hours=2)
    assert open_and_decrypt(platform, net, code)["stage"] == "opened"
    act(platform, net.tenderee, code, "evaluate", {})
    act(platform, net.tenderee, code, "award", {})
    winner = next(b for b in net.bidders if b.entity == data(platform, code)["winner"])
    sha = stored_document(platform, "政府采购合同：交互式智能黑板 60 套。")
    for party in (net.tenderee, winner):
        fields = {
            "contract": sha,
            "amount": "2789999.99",
            "signature": signature(platform, net, party.username, sha),
        }
        act(platform, party, code, "sign_contract", fields)
    return code, winner


def test_a_procurement_from_plan_to_acceptance_is_released_stage_by_stage(
    platform, clock, net
) -> None:
    code, winner = contracted(platform, clock, net)
    act(platform, net.tenderee, code, "publish_contract", {})
    act(
        platform,
        net.tenderee,
        code,
        "record_performance",
        {"text": "设备已到货", "paid": "837000.33"},
    )
    report = stored_document(platform, "验收报告：合格。", "验收报告.txt")
    act(platform, net.tenderee, code, "record_acceptance", {"passed": True, "report": report})
    bodies = export(platform, code)
    assert [b["tag"][0] for b in bodies] == [
        "planning",
        "planningUpdate",
        "tender",
        "tenderUpdate",  # the opening: who bid, how many
        "tenderUpdate",  # the reading of the bids
        "award",
        "contract",
        "contractUpdate",
        "implementation",
        "contractTermination",
    ]
    last = bodies[-1]
    assert last["planning"]["budget"]["id"] == "WHCG-2026-0101"
    assert last["tender"]["value"]["amount"] == 3_000_000
    (award,) = last["awards"]
    (contract,) = last["contracts"]
    assert award["value"]["amount"] == contract["value"]["amount"] == 2789999.99
    assert Decimal(repr(contract["value"]["amount"])) * 100 == data(platform, code)["award_price"]
    assert contract["awardID"] == award["id"] and contract["status"] == "terminated"
    assert contract["documents"][0]["url"].startswith(f"{BASE}/api/v1/documents/")
    (payment,) = contract["implementation"]["transactions"]
    assert payment["value"]["amount"] == 837000.33
    assert payment["payee"]["id"] == f"CN-USCC-{winner.entity}"
    assert payment["payer"]["id"] == f"CN-USCC-{net.tenderee.entity}"
    statuses = [m["status"] for m in contract["implementation"]["milestones"]]
    assert statuses == ["met", "met"]  # the delivery recorded, the acceptance passed
    roles = {p["identifier"]["id"]: p["roles"] for p in last["parties"]}
    assert roles[winner.entity] == ["tenderer", "supplier", "payee"]
    assert roles[net.tenderee.entity] == ["buyer", "procuringEntity", "payer"]


def test_a_contract_signed_by_one_party_is_not_released(platform, clock, net) -> None:
    code = approve(platform, net, register(platform, net, GP))
    act(
        platform,
        net.tenderee,
        code,
        "publish_announcement",
        {**announcement(platform), "bid_bond": "60000.00"},
    )
    for bidder, price in zip(net.bidders, ("2860000.00", "2790000.00", "2935000.00"), strict=False):
        bid(platform, bidder, code, price)
    clock.advance(days=21, hours=2)
    open_and_decrypt(platform, net, code)
    act(platform, net.tenderee, code, "evaluate", {})
    act(platform, net.tenderee, code, "award", {})
    sha = stored_document(platform, "政府采购合同。")
    fields = {
        "contract": sha,
        "amount": "2790000.00",
        "signature": signature(platform, net, net.tenderee.username, sha),
    }
    act(platform, net.tenderee, code, "sign_contract", fields)
    bodies = export(platform, code)
    assert bodies[-1]["tag"] == ["award"]  # the first signature changes nothing public
    assert all("contracts" not in b for b in bodies)


def test_a_terminated_project_is_a_tender_cancellation(platform, net) -> None:
    code = approve(platform, net, register(platform, net, GP))
    act(platform, net.tenderee, code, "terminate", {"reason": "采购需求取消"})
    last = export(platform, code)[-1]
    assert last["tag"] == ["tenderCancellation"]
    assert last["tender"]["status"] == "cancelled"
    assert last["ggzy"]["terminated"]["reason"] == "采购需求取消"
