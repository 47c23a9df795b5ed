"""Evidence kept with every bid for collusion screening (围标串标线索): the submitting IP, the
bid tool's machine code and hardware ids, the documents' authors and companies."""

from __future__ import annotations

import io
import zipfile

import pytest
from fastapi.testclient import TestClient

from factories import PASSWORD, act, announce, bid, open_and_decrypt, seal, seed_parties
from ggzy.bidding.evidence import evidence_of, ooxml_metadata, pdf_metadata, screening
from ggzy.registry import handlers as registry
from ggzy.web.app import create_app


def pdf(author: str, company: str = "") -> bytes:
    """A one-page PDF whose Info dictionary names its author (and company)."""
    extra = f" /Company ({company})" if company else ""
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        + f"3 0 obj << /Author ({author}) /Creator (WPS Office) /Producer (WPS){extra}"
        " /CreationDate (D:20260310093000+08'00') >> endobj\n".encode("latin-1")
        + b"trailer << /Root 1 0 R /Info 3 0 R >>\n%%EOF\n"
    )


def docx(creator: str, company: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            "docProps/core.xml",
            '<cp:coreProperties xmlns:cp="c" xmlns:dc="d"><dc:creator>'
            f"{creator}</dc:creator><cp:lastModifiedBy>{creator}</cp:lastModifiedBy>"
            "</cp:coreProperties>",
        )
        z.writestr("docProps/app.xml", f"<Properties><Company>{company}</Company></Properties>")
    return out.getvalue()


def test_pdf_metadata_reads_the_info_dictionary() -> None:
    found = pdf_metadata(pdf("Li Ming", "Jiangcheng Road"), b"")
    assert found["author"] == "Li Ming" and found["company"] == "Jiangcheng Road"
    assert found["creator"] == "WPS Office" and found["creationdate"].startswith("D:2026")


def test_office_metadata_reads_the_document_properties() -> None:
    found = ooxml_metadata(docx("张工", "武汉某某咨询有限公司"))
    assert found == {
        "creator": "张工",
        "last_modified_by": "张工",
        "company": "武汉某某咨询有限公司",
    }
    assert ooxml_metadata(b"not a zip") == {}


def test_bidders_sharing_a_machine_and_an_author_are_flagged(platform, clock) -> None:
    parties = seed_parties(platform, bidders=4)
    code = announce(platform, parties)
    same_machine = {"tool_machine_code": "MC-7F3A-0091", "hardware_ids": ["mac:00:1a:2b:3c:4d:5e"]}
    b1, b2, b3 = parties.bidders[:3]
    bid(platform, b1, code, "9880000", declared=same_machine,
        attachments=[("技术标.pdf", pdf("Wang Jun"))])  # fmt: skip
    bid(platform, b2, code, "9760000", declared=same_machine,
        attachments=[("技术标.pdf", pdf("Wang Jun"))])  # fmt: skip
    bid(platform, b3, code, "9990000", declared={"tool_machine_code": "MC-0000-1111"},
        attachments=[("商务标.docx", docx("赵工", "孝感槐荫市政工程有限公司"))])  # fmt: skip
    clock.advance(days=21, hours=2)
    open_and_decrypt(platform, parties, code)
    with platform.read() as conn:
        found = screening(conn, code)
    flagged = {(s["signal"], s["value"]): s["bidders"] for s in found["shared"]}
    pair = sorted([b1.entity, b2.entity])
    assert flagged[("machine", "MC-7F3A-0091")] == pair
    assert flagged[("hardware", "mac:00:1a:2b:3c:4d:5e")] == pair
    assert flagged[("author", "Wang Jun")] == pair
    assert all(b3.entity not in bidders for bidders in flagged.values())
    third = next(b for b in found["bidders"] if b["bidder"] == b3.entity)
    docs = {d["name"]: d for d in third["documents"]}
    assert docs["attachments/商务标.docx"]["company"] == "孝感槐荫市政工程有限公司"


@pytest.fixture
def client(platform):
    return TestClient(create_app(platform), raise_server_exceptions=False)


def token(client, username):
    r = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_the_submitting_ip_and_user_agent_are_kept(platform, client) -> None:
    parties = seed_parties(platform)
    code = announce(platform, parties)
    bidder = parties.bidders[0]
    act(platform, bidder, code, "obtain_documents", {})
    sealed = seal(platform, parties, bidder, code, "9880000")
    headers = {**token(client, bidder.username), "User-Agent": "GGZY-BidTool/3.2 (Windows 10)"}
    body = {"sealed_file": sealed.sealed_sha256, "signature": sealed.signature}
    r = client.post(f"/api/v1/projects/{code}/actions/submit_bid", json=body, headers=headers)
    assert r.status_code == 200, r.text
    with platform.read() as conn:
        kept = evidence_of(conn, code)[bidder.entity]
    assert kept["origin"] == {"ip": "testclient", "user_agent": "GGZY-BidTool/3.2 (Windows 10)"}
    assert kept["signer"] and kept["declared"]["machine"] == f"M-{bidder.username}"


def test_the_evidence_is_for_regulators_and_after_opening_for_officials(
    platform, clock, client
) -> None:
    parties = seed_parties(platform)
    with platform.command("system") as uow:
        registry.create_account(
            uow, username="jgj", display_name="监督员", password=PASSWORD, roles=["regulator"]
        )
    code = announce(platform, parties)
    for bidder, price in zip(parties.bidders, ("9880000", "9760000", "9990000"), strict=False):
        bid(platform, bidder, code, price)
    url = f"/api/v1/projects/{code}/evidence"
    assert client.get(url, headers=token(client, "jgj")).status_code == 200
    assert client.get(url, headers=token(client, "tenderee1")).status_code == 403
    assert client.get(url, headers=token(client, "bidder1")).status_code == 403
    clock.advance(days=21, hours=2)
    open_and_decrypt(platform, parties, code)
    r = client.get(url, headers=token(client, "tenderee1"))
    assert r.status_code == 200 and len(r.json()["bidders"]) == 3
    assert client.get(url, headers=token(client, "bidder1")).status_code == 403
