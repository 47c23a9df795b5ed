"""After a failed tender: a re-tender follows it, or another method with approval."""

from __future__ import annotations

from typing import Any

import pytest

from factories import PASSWORD, act, announce, announcement, bid, register_project
from ggzy.core.codes import make_credit_code
from ggzy.core.errors import DomainError
from ggzy.registry import handlers as registry
from procurement_factories import approve, data, procurement_net, register, stage

GP = "procurement.open_tendering"
NEGOTIATION = "procurement.competitive_negotiation"


def refused(code: str, fn: Any, *args: Any, **kw: Any) -> DomainError:
    with pytest.raises(DomainError) as info:
        fn(*args, **kw)
    assert info.value.code == code, (info.value.code, info.value.zh)
    return info.value


@pytest.fixture
def net(platform):
    return procurement_net(platform)


def failed_procurement(platform, clock, net) -> str:
    """An open tender with two bids: it fails at the opening (政府采购法 art. 36)."""
    code = approve(platform, net, register(platform, net, GP))
    act(
        platform,
        net.tenderee,
        code,
        "publish_announcement",
        {**announcement(platform), "bid_bond": "60000.00"},
    )
    for bidder, price in zip(net.bidders, ("2860000.00", "2790000.00"), strict=False):
        bid(platform, bidder, code, price)
    clock.advance(days=21, hours=2)
    assert act(platform, net.staff, code, "open_bids", {})["stage"] == "failed"
    return code


def follow(platform, net, method: str, old: str) -> str:
    return register(platform, net, method, follows=old)


def test_a_change_of_method_after_a_failure_needs_approval(platform, clock, net) -> None:
    old = failed_procurement(platform, clock, net)
    error = refused("method-change-not-approved", follow, platform, net, NEGOTIATION, old)
    assert "须先经监督部门批准" in error.zh
    act(
        platform,
        net.tenderee,
        old,
        "request_method_change",
        {"method": NEGOTIATION, "reason": "公开招标仅两家供应商投标，市场竞争不充分"},
    )
    refused("method-change-not-approved", follow, platform, net, NEGOTIATION, old)
    act(platform, net.regulator, old, "decide_method_change", {"approved": True, "opinion": "同意"})
    new = follow(platform, net, NEGOTIATION, old)
    assert data(platform, new)["follows"] == old
    assert data(platform, new)["follows_method"] == GP
    assert data(platform, old)["followed_by"] == new
    assert stage(platform, old) == "failed"


def test_a_refused_change_of_method_stays_refused(platform, clock, net) -> None:
    old = failed_procurement(platform, clock, net)
    act(
        platform, net.tenderee, old, "request_method_change", {"method": NEGOTIATION, "reason": "r"}
    )
    act(platform, net.regulator, old, "decide_method_change", {"approved": False})
    refused("method-change-not-approved", follow, platform, net, NEGOTIATION, old)


def test_only_the_methods_the_law_allows_may_be_requested(platform, clock, net) -> None:
    old = failed_procurement(platform, clock, net)
    fields = {"method": "land.listing", "reason": "r"}
    error = refused(
        "method-not-allowed", act, platform, net.tenderee, old, "request_method_change", fields
    )
    assert "竞争性谈判" in error.zh


def test_a_re_tender_under_the_same_method_needs_no_approval(platform, clock, net) -> None:
    old = failed_procurement(platform, clock, net)
    new = follow(platform, net, GP, old)
    assert data(platform, old)["followed_by"] == new
    refused("already-followed", follow, platform, net, GP, old)


def test_only_a_failed_project_is_followed(platform, net) -> None:
    code = announce(platform, net)
    error = refused("not-failed", register_project, platform, net, follows=code)
    assert code in error.zh


def test_an_agency_may_follow_for_the_same_tenderee(platform, clock, net) -> None:
    old = failed_procurement(platform, clock, net)
    fields = {
        "center": "420100",
        "title": "另一采购人的项目",
        "estimated_price": "3000000.00",
        "tenderee": net.codes["武汉长江城建投资有限公司"],
        "follows": old,
    }
    result = act(platform, net.agency, None, "register_project", fields, method=GP)
    assert data(platform, result["project"])["follows"] == old


def test_another_tenderee_cannot_follow_a_failed_project(platform, clock, net) -> None:
    old = failed_procurement(platform, clock, net)
    other = make_credit_code("9", "1", "420100", "MA000099")
    with platform.command("system") as uow:
        registry.register_entity(
            uow,
            credit_code=other,
            name="武汉市第二中学",
            kinds=["tenderee"],
            legal_representative="张校长",
            contacts=[{"name": "李老师", "phone": "027-85550000"}],
            qualifications=[],
        )
        account = registry.create_account(
            uow,
            username="school2",
            display_name="武汉市第二中学",
            password=PASSWORD,
            roles=["entity_admin"],
            entity=other,
        )
    fields = {
        "center": "420100",
        "title": "武汉市第二中学设备采购",
        "estimated_price": "3000000.00",
        "follows": old,
    }
    refused("other-tenderee", act, platform, account, None, "register_project", fields, method=GP)
