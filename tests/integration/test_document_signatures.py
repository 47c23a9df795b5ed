"""Signatures on what matters: tender documents, opening records, evaluation reports."""

from __future__ import annotations

import base64
import json

import pytest

from factories import act, announce, bid, open_and_decrypt, seed_parties
from ggzy.core.documents import register_document
from ggzy.core.errors import DomainError
from ggzy.pki import bindings, trust
from ggzy.pki.signatures import sign_detached
from ggzy.procedures.engine import get_project
from ggzy.procedures.signing import signatures_of


def project_data(platform, code):
    with platform.read() as conn:
        return get_project(conn, code)["data"]


def tenderee_cert(platform, parties):
    cert = parties.ca.issue(parties.tenderee.display_name, parties.tenderee.entity, usage="sign")
    with platform.command(parties.tenderee.actor) as uow:
        bindings.bind_certificate(uow, parties.tenderee, cert.pem, "sign")
    return cert


def signature(platform, sha, cert):
    data = platform.documents.read(sha)
    return base64.b64encode(sign_detached(data, cert.key, cert.der)).decode()


def test_the_tenderee_signs_its_tender_document_and_the_check_is_recorded(platform):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    cert = tenderee_cert(platform, parties)
    doc = project_data(platform, code)["tender_document"]
    act(
        platform,
        parties.tenderee,
        code,
        "sign_document",
        {"document": doc, "signature": signature(platform, doc, cert)},
    )
    with platform.read() as conn:
        [signed] = signatures_of(conn, code)
    assert signed["kind"] == "tender_document" and signed["signer"] == parties.tenderee.entity
    assert signed["signature"]["ok"] and signed["signature"]["algorithm"] == "ECDSA-P256-SHA256"


def test_every_bidder_signs_the_opening_record(platform, clock):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    for b, price in zip(parties.bidders[:3], ["1000000", "1100000", "1200000"], strict=True):
        bid(platform, b, code, price)
    clock.advance(days=22)
    open_and_decrypt(platform, parties, code)
    record = project_data(platform, code)["opening_record"]
    reading = json.loads(platform.documents.read(record))
    assert [b["price"] for b in reading["bids"]] == [100_000_000, 110_000_000, 120_000_000]
    for b in parties.bidders[:3]:
        cert = parties.keys[b.username]["sign"]
        act(
            platform,
            b,
            code,
            "sign_document",
            {"document": record, "signature": signature(platform, record, cert)},
        )
    with platform.read() as conn:
        signers = {s["signer"] for s in signatures_of(conn, code)}
    assert signers == {b.entity for b in parties.bidders[:3]}


def test_a_signature_over_another_file_is_refused(platform):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    cert = tenderee_cert(platform, parties)
    doc = project_data(platform, code)["tender_document"]
    wrong = base64.b64encode(sign_detached(b"another file", cert.key, cert.der)).decode()
    with pytest.raises(DomainError) as err:
        act(
            platform, parties.tenderee, code, "sign_document", {"document": doc, "signature": wrong}
        )
    assert err.value.code == "bad-signature"


def test_only_the_projects_documents_can_be_signed(platform):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    other = announce(platform, parties)
    cert = tenderee_cert(platform, parties)
    # the same bytes: both projects share the test tender document, so sign a third file
    sha, size = platform.documents.write([b"not a project document"])
    with platform.engine.begin() as conn:  # uploaded, but not one of this project's documents
        register_document(conn, sha, size, "other.txt", "text/plain", platform.clock.now())
    with pytest.raises(DomainError) as err:
        act(
            platform,
            parties.tenderee,
            code,
            "sign_document",
            {"document": sha, "signature": signature(platform, sha, cert)},
        )
    assert err.value.code == "not-a-project-document"
    assert other != code


def test_signing_twice_is_a_conflict(platform):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    cert = tenderee_cert(platform, parties)
    doc = project_data(platform, code)["tender_document"]
    body = {"document": doc, "signature": signature(platform, doc, cert)}
    act(platform, parties.tenderee, code, "sign_document", body)
    with pytest.raises(DomainError) as err:
        act(platform, parties.tenderee, code, "sign_document", body)
    assert err.value.status == 409


def test_a_revoked_certificate_signs_nothing(platform):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    cert = tenderee_cert(platform, parties)
    with platform.command("account:admin") as uow:
        trust.import_crl(uow, parties.ca.crl([cert]))
    doc = project_data(platform, code)["tender_document"]
    with pytest.raises(DomainError) as err:
        act(
            platform,
            parties.tenderee,
            code,
            "sign_document",
            {"document": doc, "signature": signature(platform, doc, cert)},
        )
    assert err.value.code == "revoked"
