"""Joint punishment (失信联合惩戒): a list that bars the domain stops the bid; otherwise the
check is kept with the action as evidence."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import PASSWORD, act, announce, bid, seed_parties
from ggzy.core.errors import DomainError
from ggzy.core.tables import events
from ggzy.credit import records
from ggzy.registry import handlers as registry
from ggzy.web.app import create_app


def regulator(platform):
    with platform.command("system") as uow:
        return registry.create_account(
            uow,
            username="jianguan",
            display_name="武汉市住建局监管员",
            password=PASSWORD,
            roles=["regulator"],
            center="420100",
        )


def put_on_list(platform, code, kind, **kw):
    reg = regulator(platform) if not hasattr(platform, "_reg") else platform._reg
    platform._reg = reg
    data = {
        "credit_code": code,
        "list": kind,
        "authority": "武汉市城乡建设局",
        "decision": "武建罚〔2026〕12号",
        "reason": "串通投标",
        **kw,
    }
    with platform.command(reg.actor) as uow:
        return records.add_record(uow, reg, data)


def last_payload(platform, kind):
    with platform.read() as conn:
        row = conn.execute(
            select(events.c.payload).where(events.c.type == kind).order_by(events.c.seq.desc())
        ).first()
    return json.loads(row.payload)


def test_a_bidder_under_a_tendering_ban_cannot_bid(platform):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    banned = parties.bidders[0]
    put_on_list(platform, banned.entity, "tendering_ban", ends="2028-12-31")
    with pytest.raises(DomainError) as refused:
        bid(platform, banned, code, "10500000.00")
    assert refused.value.code == "credit-barred" and refused.value.status == 403
    assert "取消投标资格" in refused.value.zh
    with platform.read() as conn:
        assert conn.execute(select(events).where(events.c.type == "BidSubmitted")).first() is None


def test_obtaining_documents_is_only_warned_and_the_check_is_kept(platform):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    listed = parties.bidders[0]
    record = put_on_list(platform, listed.entity, "tendering_ban")
    act(platform, listed, code, "obtain_documents", {})
    check = last_payload(platform, "TenderDocumentsObtained")["credit_check"]
    assert check["result"] == "listed" and check["records"] == [record["id"]]


def test_a_list_that_does_not_bar_the_domain_lets_the_bid_in_with_the_check(platform):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    listed = parties.bidders[0]
    put_on_list(platform, listed.entity, "gp_serious_dishonesty")  # procurement only
    bid(platform, listed, code, "10500000.00")
    assert last_payload(platform, "BidSubmitted")["credit_check"]["result"] == "listed"


def test_a_clear_bidder_bids_with_a_clear_check_on_record(platform):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    bid(platform, parties.bidders[1], code, "10500000.00")
    check = last_payload(platform, "BidSubmitted")["credit_check"]
    assert check == {"checked_at": check["checked_at"], "result": "clear", "records": []}


def test_a_repaired_or_ended_record_no_longer_bars(platform, clock):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    first, second = parties.bidders[0], parties.bidders[1]
    record = put_on_list(platform, first.entity, "tendering_ban")
    with platform.command(platform._reg.actor) as uow:
        records.repair_record(uow, platform._reg, record["id"], "处罚决定已被撤销")
    bid(platform, first, code, "10500000.00")
    put_on_list(platform, second.entity, "tendering_ban", starts="2025-01-01", ends="2026-03-01")
    bid(platform, second, code, "10600000.00")  # the ban ended the day before (clock: 03-02)


def test_only_a_regulator_records_credit_and_bad_input_is_a_problem(platform):
    parties = seed_parties(platform)
    client = TestClient(create_app(platform), raise_server_exceptions=False)
    token = client.post(
        "/api/v1/auth/token", json={"username": "bidder2", "password": PASSWORD}
    ).json()["token"]
    body = {
        "credit_code": parties.bidders[0].entity,
        "list": "tendering_ban",
        "authority": "某局",
        "decision": "某号",
    }
    r = client.post(
        "/api/v1/credit/records", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 403
    regulator(platform)
    token = client.post(
        "/api/v1/auth/token", json={"username": "jianguan", "password": PASSWORD}
    ).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    bad = client.post(
        "/api/v1/credit/records", json={**body, "credit_code": "91420100X"}, headers=auth
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid-credit-code"
    unknown = client.post(
        "/api/v1/credit/records", json={**body, "list": "blacklist"}, headers=auth
    )
    assert unknown.status_code == 422 and unknown.json()["title_zh"]
    ok = client.post("/api/v1/credit/records", json=body, headers=auth)
    assert ok.status_code == 201
    listed = client.get(f"/api/v1/credit/records?credit_code={body['credit_code']}").json()
    assert [r["list_zh"] for r in listed] == ["取消投标资格"]
