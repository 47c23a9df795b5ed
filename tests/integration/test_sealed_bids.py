"""Bids sealed on the bidder's side, opened only by their owners (or k officers, as a fallback)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from factories import act, announce, bid, decrypt, open_and_decrypt, seal, seed_parties
from ggzy.bidding.sealed import create_opening_key
from ggzy.bidding.tables import bids
from ggzy.bidding.tool import prepare_sealed_bid
from ggzy.core.documents import register_document
from ggzy.core.errors import DomainError
from ggzy.core.tables import events
from ggzy.procedures.engine import get_project
from ggzy.procedures.views import opened_bids


def count(platform):
    with platform.read() as conn:
        return conn.execute(select(func.count()).select_from(events)).scalar_one()


def upload(platform, data: bytes) -> str:
    sha, size = platform.documents.write([data])
    with platform.engine.begin() as conn:
        register_document(
            conn, sha, size, "x.ggzyenv", "application/octet-stream", platform.clock.now()
        )
    return sha


def three_bids(platform, p, code):
    for b, price in zip(p.bidders[:3], ["10000000", "9800000", "10200000"], strict=True):
        bid(platform, b, code, price)


def test_the_platform_cannot_read_a_sealed_bid(platform):
    p = seed_parties(platform)
    code = announce(platform, p)
    bid(platform, p.bidders[0], code, "9876543.21")
    sealed = p.sealed[(code, p.bidders[0].username)]
    assert b"987654321" not in sealed.envelope and b"bid.json" not in sealed.envelope
    with platform.read() as conn:
        assert conn.execute(select(bids.c.price)).scalar_one() is None


def test_each_bidder_decrypts_its_own_bid_and_the_reading_follows(platform, clock):
    p = seed_parties(platform)
    code = announce(platform, p)
    three_bids(platform, p, code)
    clock.advance(days=22)
    assert act(platform, p.staff, code, "open_bids", {})["stage"] == "decrypting"
    assert decrypt(platform, p, p.bidders[0], code)["stage"] == "decrypting"
    assert decrypt(platform, p, p.bidders[1], code)["stage"] == "decrypting"
    assert decrypt(platform, p, p.bidders[2], code)["stage"] == "opened"
    with platform.read() as conn:
        read_out = opened_bids(conn, get_project(conn, code))
    assert [b["price"] for b in read_out] == [1_000_000_000, 980_000_000, 1_020_000_000]
    assert all(b["valid"] and b["signature"]["ok"] for b in read_out)
    assert read_out[1]["price_capitals"] == "玖佰捌拾万元整"


def test_a_wrong_content_key_is_refused_and_changes_nothing(platform, clock):
    p = seed_parties(platform)
    code = announce(platform, p)
    three_bids(platform, p, code)
    clock.advance(days=22)
    act(platform, p.staff, code, "open_bids", {})
    before = count(platform)
    with pytest.raises(DomainError) as err:
        act(platform, p.bidders[0], code, "decrypt_bid", {"content_key": "00" * 32})
    assert err.value.code == "wrong-key"
    assert count(platform) == before


def test_a_bidder_cannot_decrypt_anothers_bid(platform, clock):
    p = seed_parties(platform)
    code = announce(platform, p)
    three_bids(platform, p, code)
    clock.advance(days=22)
    act(platform, p.staff, code, "open_bids", {})
    from ggzy.bidding.tool import content_key_for

    others_key = content_key_for(
        p.sealed[(code, p.bidders[1].username)].envelope,
        p.keys[p.bidders[1].username]["encrypt"].key,
    )
    with pytest.raises(DomainError) as err:  # the key only fits bidder 2's bid, not bidder 1's
        act(platform, p.bidders[0], code, "decrypt_bid", {"content_key": others_key.hex()})
    assert err.value.code == "wrong-key"


def test_bids_not_decrypted_in_time_count_as_withdrawn(platform, clock):
    p = seed_parties(platform)
    code = announce(platform, p)
    for b, price in zip(p.bidders[:4], ["1", "2", "3", "4"], strict=True):
        bid(platform, b, code, price)
    clock.advance(days=22)
    act(platform, p.staff, code, "open_bids", {})
    for b in p.bidders[:3]:
        decrypt(platform, p, b, code)
    with pytest.raises(DomainError) as err:  # the decryption window closes after 30 minutes
        clock.advance(minutes=31)
        decrypt(platform, p, p.bidders[3], code)
    assert err.value.code == "too-late"
    assert act(platform, p.staff, code, "finish_opening", {})["stage"] == "opened"
    with platform.read() as conn:
        statuses = dict(conn.execute(select(bids.c.bidder, bids.c.status)).all())
    assert statuses[p.bidders[3].entity] == "undecrypted"


def test_a_sealed_file_for_another_project_is_refused(platform):
    p = seed_parties(platform)
    code = announce(platform, p)
    other = announce(platform, p)
    act(platform, p.bidders[0], code, "obtain_documents", {})
    sealed = seal(platform, p, p.bidders[0], other, "100")
    with pytest.raises(DomainError) as err:
        act(
            platform,
            p.bidders[0],
            code,
            "submit_bid",
            {"sealed_file": sealed.sealed_sha256, "signature": sealed.signature},
        )
    assert err.value.code == "envelope-mismatch"


def test_a_file_not_sealed_to_the_bidders_certificate_is_refused(platform):
    p = seed_parties(platform)
    code = announce(platform, p)
    me, other = p.bidders[0], p.bidders[1]
    act(platform, me, code, "obtain_documents", {})
    keys, others = p.keys[me.username], p.keys[other.username]
    sealed = prepare_sealed_bid(
        project=code,
        bidder=me.entity,
        bidder_name=me.display_name,
        price=100,
        duration_days=1,
        quality="合格",
        sign_key=keys["sign"].key,
        sign_cert=keys["sign"].der,
        encrypt_cert=others["encrypt"].der,
        now=platform.clock.now(),
    )
    upload(platform, sealed.envelope)
    with pytest.raises(DomainError) as err:
        act(
            platform,
            me,
            code,
            "submit_bid",
            {"sealed_file": sealed.sealed_sha256, "signature": sealed.signature},
        )
    assert err.value.code == "no-bidder-recipient"


def test_a_submission_signed_by_another_entity_is_refused(platform):
    p = seed_parties(platform)
    code = announce(platform, p)
    act(platform, p.bidders[0], code, "obtain_documents", {})
    mine = seal(platform, p, p.bidders[0], code, "100")
    theirs = seal(platform, p, p.bidders[1], code, "100")  # any file signed by bidder 2
    import base64

    from ggzy.pki.signatures import Digest, sign_detached

    other = p.keys[p.bidders[1].username]["sign"]
    forged = base64.b64encode(
        sign_detached(Digest.sha256(mine.sealed_sha256), other.key, other.der)
    ).decode()
    with pytest.raises(DomainError) as err:
        act(
            platform,
            p.bidders[0],
            code,
            "submit_bid",
            {"sealed_file": mine.sealed_sha256, "signature": forged},
        )
    assert err.value.code == "wrong-entity"
    assert theirs.sealed_sha256 != mine.sealed_sha256


def test_a_garbage_upload_is_refused(platform):
    p = seed_parties(platform)
    code = announce(platform, p)
    act(platform, p.bidders[0], code, "obtain_documents", {})
    sha = upload(platform, b"this is not a sealed bid at all")
    with pytest.raises(DomainError) as err:
        act(platform, p.bidders[0], code, "submit_bid", {"sealed_file": sha, "signature": "x"})
    assert err.value.code == "envelope-malformed"


def test_a_sealed_file_tampered_in_storage_is_caught_at_decryption(platform, clock):
    p = seed_parties(platform)
    code = announce(platform, p)
    three_bids(platform, p, code)
    clock.advance(days=22)
    act(platform, p.staff, code, "open_bids", {})
    path = platform.documents.path(p.sealed[(code, p.bidders[0].username)].sealed_sha256)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(DomainError) as err:
        decrypt(platform, p, p.bidders[0], code)
    assert err.value.code == "envelope-tampered"


def test_k_officers_open_what_bidders_did_not(platform, clock):
    p = seed_parties(platform)
    with platform.command("account:staff.wuhan") as uow:
        shares = create_opening_key(uow, "420100", 3, 5)
    code = announce(platform, p)
    three_bids(platform, p, code)  # each bid is also sealed to the center's opening key
    clock.advance(days=22)
    act(platform, p.staff, code, "open_bids", {})
    officers = [p.staff, *_more_staff(platform, 2)]
    assert (
        act(platform, officers[0], code, "submit_opening_share", {"share": shares[0]})["stage"]
        == "decrypting"
    )
    assert (
        act(platform, officers[1], code, "submit_opening_share", {"share": shares[3]})["stage"]
        == "decrypting"
    )
    result = act(platform, officers[2], code, "submit_opening_share", {"share": shares[4]})
    assert result["stage"] == "opened"
    with platform.read() as conn:
        read_out = opened_bids(conn, get_project(conn, code))
    assert {b["decrypted_by"] for b in read_out} == {"officers"}


def test_a_bid_without_the_centers_opening_key_is_refused_where_one_is_required(platform):
    p = seed_parties(platform)
    code = announce(platform, p)  # announced before the center had an opening key
    with platform.command("account:staff.wuhan") as uow:
        create_opening_key(uow, "420100", 2, 3)
    code2 = announce(platform, p)
    act(platform, p.bidders[0], code2, "obtain_documents", {})
    keys = p.keys[p.bidders[0].username]
    sealed = prepare_sealed_bid(
        project=code2,
        bidder=p.bidders[0].entity,
        bidder_name="x",
        price=100,
        duration_days=1,
        quality="合格",
        sign_key=keys["sign"].key,
        sign_cert=keys["sign"].der,
        encrypt_cert=keys["encrypt"].der,
        now=platform.clock.now(),
    )
    upload(platform, sealed.envelope)
    with pytest.raises(DomainError) as err:
        act(
            platform,
            p.bidders[0],
            code2,
            "submit_bid",
            {"sealed_file": sealed.sealed_sha256, "signature": sealed.signature},
        )
    assert err.value.code == "no-opening-recipient"
    assert code != code2


def test_the_whole_sealed_procedure_still_awards_the_lowest_price(platform, clock):
    p = seed_parties(platform)
    code = announce(platform, p)
    three_bids(platform, p, code)
    clock.advance(days=22)
    assert open_and_decrypt(platform, p, code)["stage"] == "opened"
    act(platform, p.tenderee, code, "evaluate", {})
    with platform.read() as conn:
        assert get_project(conn, code)["data"]["candidates"][0]["bidder"] == p.bidders[1].entity


def _more_staff(platform, n):
    from factories import PASSWORD
    from ggzy.registry import handlers as registry

    out = []
    with platform.command("account:admin") as uow:
        for i in range(n):
            out.append(
                registry.create_account(
                    uow,
                    username=f"officer{i}",
                    display_name=f"开标人员{i}",
                    password=PASSWORD,
                    roles=["center_staff"],
                    center="420100",
                )
            )
    return out
