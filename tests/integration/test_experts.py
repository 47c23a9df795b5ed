"""The expert pool: online application, review, leave, blacklist and ratings; identities for
officials only."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from factories import PASSWORD, seed_parties
from ggzy.core.codes import make_credit_code, resident_id_check_char
from ggzy.registry import handlers as registry
from ggzy.web.app import create_app


def id_number(seq: int, birth: str = "19750315") -> str:
    first17 = f"420102{birth}{seq:03d}"
    return first17 + resident_id_check_char(first17)


def application(n: int = 1, **kw):
    return {
        "name": "张卫东",
        "id_number": id_number(n),
        "phone": "13900000000",
        "employer": make_credit_code("1", "2", "420100", f"EX{n:06d}"),
        "employer_name": "武汉市政工程设计研究院",
        "region": "420102",
        "specialities": ["A02", "B01"],
        "title": "高级",
        "years": 18,
        "username": f"expert{n}",
        "password": PASSWORD,
        **kw,
    }


@pytest.fixture
def client(platform):
    seed_parties(platform, certificates=False)
    with platform.command("system") as uow:
        registry.create_account(
            uow,
            username="jianguan",
            display_name="监督员",
            password=PASSWORD,
            roles=["regulator"],
        )
    return TestClient(create_app(platform), raise_server_exceptions=False)


def auth(client, username):
    r = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def admitted(client, n: int = 1) -> str:
    r = client.post("/api/v1/experts/applications", json=application(n))
    assert r.status_code == 201, r.text
    expert = r.json()["expert"]
    r = client.post(
        f"/api/v1/experts/{expert}/review",
        json={"admit": True},
        headers=auth(client, "staff.wuhan"),
    )
    assert r.status_code == 200 and r.json()["status"] == "active"
    return expert


def test_an_expert_applies_online_is_admitted_and_sees_its_own_standing(client):
    expert = admitted(client)
    me = client.get("/api/v1/experts/me", headers=auth(client, "expert1")).json()
    assert me["id"] == expert and me["status"] == "active" and me["title"] == "高级"
    assert me["id_masked"].startswith("420102") and "*" in me["id_masked"]
    assert [s["zh"] for s in me["specialities"]] == ["市政公用工程", "工程造价"]


def test_the_pool_is_for_officials_only(client):
    admitted(client)
    assert client.get("/api/v1/experts").status_code == 401
    assert client.get("/api/v1/experts", headers=auth(client, "bidder1")).status_code == 403
    staff = client.get("/api/v1/experts?speciality=A02", headers=auth(client, "staff.wuhan"))
    assert [e["name"] for e in staff.json()] == ["张卫东"]
    assert (
        client.get("/api/v1/experts?speciality=C02", headers=auth(client, "jianguan")).json() == []
    )


def test_a_bad_or_repeated_application_is_refused(client):
    wrong = id_number(1)[:-1] + ("0" if id_number(1)[-1] != "0" else "1")
    r = client.post("/api/v1/experts/applications", json=application(1, id_number=wrong))
    assert r.status_code == 422 and r.json()["title_zh"]
    r = client.post("/api/v1/experts/applications", json=application(1, specialities=["Z99"]))
    assert r.status_code == 422 and r.json()["code"] == "invalid-speciality"
    assert client.post("/api/v1/experts/applications", json=application(1)).status_code == 201
    again = client.post("/api/v1/experts/applications", json=application(1, username="other"))
    assert again.status_code == 409 and again.json()["code"] == "expert-exists"


def test_leave_and_blacklist_change_the_standing_for_their_period(client, clock):
    expert = admitted(client)
    r = client.post(
        "/api/v1/experts/me/leave",
        json={"start": "2026-03-02", "end": "2026-03-10", "reason": "出差"},
        headers=auth(client, "expert1"),
    )
    assert r.status_code == 200, r.text
    staff = auth(client, "staff.wuhan")
    [e] = client.get("/api/v1/experts", headers=staff).json()
    assert e["status"] == "on-leave"
    body = {"until": "2027-03-01", "reason": "评标中收受财物", "decision": "鄂发改罚〔2026〕1号"}
    refused = client.post(f"/api/v1/experts/{expert}/blacklist", json=body, headers=staff)
    assert refused.status_code == 403
    r = client.post(
        f"/api/v1/experts/{expert}/blacklist", json=body, headers=auth(client, "jianguan")
    )
    assert r.status_code == 200
    clock.advance(days=10)
    [e] = client.get("/api/v1/experts", headers=staff).json()
    assert e["status"] == "blacklisted"


def test_an_expert_is_rated_once_per_project(client):
    expert = admitted(client)
    staff = auth(client, "staff.wuhan")
    body = {"project": "4201002026J000001L", "score": 4, "comment": "评审认真"}
    assert (
        client.post(f"/api/v1/experts/{expert}/ratings", json=body, headers=staff).status_code
        == 200
    )
    twice = client.post(f"/api/v1/experts/{expert}/ratings", json=body, headers=staff)
    assert twice.status_code == 409
    bad = client.post(
        f"/api/v1/experts/{expert}/ratings",
        json={**body, "project": "x", "score": 9},
        headers=staff,
    )
    assert bad.status_code == 422
    [e] = client.get("/api/v1/experts", headers=staff).json()
    assert e["rating"] == {"average": 4.0, "count": 1}


def test_an_expert_declares_relations_officials_see_them_and_bad_ones_are_refused(client):
    admitted(client)
    me = auth(client, "expert1")
    former = {
        "kind": "former_employer",
        "credit_code": make_credit_code("1", "2", "420100", "FMR00001"),
        "until": "2025-01-31",
    }
    r = client.put("/api/v1/experts/me/relations", json=[former], headers=me)
    assert r.status_code == 200, r.text
    [e] = client.get("/api/v1/experts", headers=auth(client, "staff.wuhan")).json()
    assert e["relations"] == [former]
    bad = client.put("/api/v1/experts/me/relations", json=[{"kind": "cousin"}], headers=me)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid-relation"
    future = {**former, "until": "2099-01-01"}
    bad = client.put("/api/v1/experts/me/relations", json=[future], headers=me)
    assert bad.status_code == 422 and "future" in bad.json()["title"]
