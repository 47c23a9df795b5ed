"""A bidder's signed receipt proves the submission offline: node signature + inclusion proof."""

from __future__ import annotations

import copy

import pytest

from factories import announce, bid, seed_parties
from ggzy.bidding.receipts import bid_receipt, verify_receipt
from ggzy.core.errors import DomainError


def test_a_bid_receipt_verifies_with_the_node_key_alone(platform):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    submitted = bid(platform, parties.bidders[0], code, "10000000")
    bid(platform, parties.bidders[1], code, "10100000")  # the log grows after the receipt's head
    with platform.read() as conn:
        receipt = bid_receipt(conn, platform.node_key, submitted["seq"], parties.bidders[0])
    assert receipt["sealed_sha256"] == submitted["receipt"]["sealed_sha256"]
    assert receipt["project"] == code and receipt["bidder"] == parties.bidders[0].entity
    assert verify_receipt(receipt, platform.node_key.public_b64())


@pytest.mark.parametrize("field", ["sealed_sha256", "received_at", "leaf_hash", "seq"])
def test_an_altered_receipt_does_not_verify(platform, field):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    submitted = bid(platform, parties.bidders[0], code, "10000000")
    with platform.read() as conn:
        receipt = bid_receipt(conn, platform.node_key, submitted["seq"], parties.bidders[0])
    forged = copy.deepcopy(receipt)
    value = forged[field]
    forged[field] = value + 1 if field == "seq" else ("1" if value[0] == "0" else "0") + value[1:]
    assert not verify_receipt(forged, platform.node_key.public_b64())


def test_another_bidder_cannot_fetch_the_receipt(platform):
    parties = seed_parties(platform)
    code = announce(platform, parties)
    submitted = bid(platform, parties.bidders[0], code, "10000000")
    with platform.read() as conn, pytest.raises(DomainError) as err:
        bid_receipt(conn, platform.node_key, submitted["seq"], parties.bidders[1])
    assert err.value.status == 403
