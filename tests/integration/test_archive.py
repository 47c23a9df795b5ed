"""资料要件 and the archive checklist: documents named by an action must exist, every step's
documents are listed against the method's declaration, and officials read them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from factories import PASSWORD, act, announce, bid, open_and_decrypt, seed_parties
from ggzy.core.errors import DomainError
from ggzy.procedures.archive import checklist
from ggzy.procedures.engine import get_project
from ggzy.web.app import create_app
from ggzy.web.pages import CSRF_COOKIE, CSRF_FIELD
from procurement_factories import register, stored_document


@pytest.fixture
def client(platform):
    return TestClient(create_app(platform), raise_server_exceptions=False)


def token(client, username):
    r = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def evaluated(platform, clock, parties) -> str:
    code = announce(platform, parties)
    for bidder, price in zip(parties.bidders, ("9880000", "9760000", "9990000"), strict=False):
        bid(platform, bidder, code, price)
    clock.advance(days=21, hours=2)
    open_and_decrypt(platform, parties, code)
    act(platform, parties.tenderee, code, "evaluate", {})
    return code


def test_a_document_that_was_never_uploaded_is_refused_naming_the_field(platform) -> None:
    parties = seed_parties(platform)
    code = register(platform, parties, "procurement.open_tendering")
    plan = {
        "plan_number": "P-1",
        "budget": "3000000.00",
        "funding": "财政性资金",
        "items": "设备",
        "plan_document": "ab" * 32,
    }
    with pytest.raises(DomainError) as info:
        act(platform, parties.tenderee, code, "submit_plan", plan)
    assert info.value.code == "unknown-document"
    assert info.value.extra["field"] == "plan_document"
    assert "采购计划或预算批复文件尚未上传" in info.value.zh


def test_the_checklist_shows_what_each_step_filed(platform, clock) -> None:
    parties = seed_parties(platform)
    code = evaluated(platform, clock, parties)
    with platform.read() as conn:
        project = get_project(conn, code)
        items = {(i["action"], i["field"]): i for i in checklist(conn, project)}
    tender = items[("publish_announcement", "tender_document")]
    assert tender["status"] == "filed"
    assert tender["files"][0]["sha256"] == project["data"]["tender_document"]
    assert items[("register_project", "approval_document")]["status"] == "not-provided"
    assert items[("file_tender_report", "report")]["status"] == "pending"
    assert items[(None, "opening_record")]["status"] == "filed"
    assert (
        items[(None, "evaluation_report")]["files"][0]["sha256"]
        == (project["data"]["evaluation_report"])
    )
    sealed = items[("submit_bid", "sealed_file")]
    assert sealed["status"] == "filed" and len(sealed["files"]) == 3


def test_only_the_projects_officials_read_the_archive(platform, clock, client) -> None:
    parties = seed_parties(platform)
    code = evaluated(platform, clock, parties)
    r = client.get(f"/api/v1/projects/{code}/archive", headers=token(client, "bidder1"))
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = client.get(f"/api/v1/projects/{code}/archive", headers=token(client, "tenderee1"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["missing"] == []  # nothing required is missing so far
    assert any(i["field"] == "tender_document" and i["status"] == "filed" for i in body["items"])


def test_officials_download_an_objections_evidence_and_other_bidders_do_not(
    platform, client
) -> None:
    parties = seed_parties(platform)
    code = announce(platform, parties)
    objector = parties.bidders[0]
    act(platform, objector, code, "obtain_documents", {})
    evidence = stored_document(platform, "业绩要求限定本地企业的证明材料", "证明材料.txt")
    act(
        platform,
        objector,
        code,
        "raise_objection",
        {"subject": "documents", "text": "排斥外地企业", "evidence": evidence},
    )
    url = f"/api/v1/documents/{evidence}"
    assert client.get(url, headers=token(client, "tenderee1")).status_code == 200
    assert client.get(url, headers=token(client, "bidder1")).status_code == 200  # its own
    assert client.get(url, headers=token(client, "bidder2")).status_code == 403
    assert client.get(url).status_code == 403


def test_the_project_page_shows_the_checklist_to_officials_only(platform, clock, client) -> None:
    parties = seed_parties(platform)
    code = evaluated(platform, clock, parties)
    for username, shown in (("tenderee1", True), ("bidder1", False)):
        client.get("/login")
        form = {"username": username, "password": PASSWORD, CSRF_FIELD: client.cookies[CSRF_COOKIE]}
        r = client.post("/login", data=form, follow_redirects=False)
        assert r.status_code == 303, r.text
        page = client.get(f"/projects/{code}").text
        assert ('id="archive"' in page) is shown, username
        if shown:
            assert 'data-archive="tender_document" data-status="filed"' in page
        client.cookies.clear()
