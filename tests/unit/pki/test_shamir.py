"""Shamir secret sharing over GF(2^8) (ggzy.pki.shamir): any k rebuild, k-1 say nothing, and
a duplicate, corrupted, foreign or missing share is refused with a clear reason."""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ggzy.pki import shamir
from ggzy.pki.shamir import ShamirError, Share, combine, split


@pytest.mark.parametrize("size", [1, 32, 121, 1217])
def test_any_k_of_n_rebuild_the_secret(size: int) -> None:
    secret = os.urandom(size)
    shares = split(secret, 3, 5)
    assert len(shares) == 5
    assert all(len(s.value) == size for s in shares)
    for subset in itertools.permutations(shares, 3):
        assert combine(list(subset)) == secret
    for subset in itertools.combinations(shares, 4):
        assert combine(list(subset)) == secret
    assert combine(shares) == secret


@given(
    secret=st.binary(min_size=1, max_size=64),
    n=st.integers(min_value=2, max_value=12),
    data=st.data(),
)
@settings(max_examples=60, deadline=None)
def test_random_thresholds(secret: bytes, n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(min_value=2, max_value=n))
    shares = split(secret, k, n)
    chosen = data.draw(st.permutations(shares))[:k]
    assert combine(chosen) == secret


def test_field_arithmetic() -> None:
    for a in range(1, 256):
        assert shamir._mul(a, shamir._div(1, a)) == 1  # every element has an inverse
    assert shamir._mul(0x57, 0x83) == 0xC1  # FIPS-197 §4.2 example
    assert shamir._mul(0x57, 0x13) == 0xFE


def test_k_minus_1_shares_look_uniform_whatever_the_secret() -> None:
    """Statistical sanity (not proof): with k=3, two shares are uniform for any secret."""
    rounds = 4096
    bins = 256
    expected = rounds / bins
    limit = 360  # chi-square, 255 degrees of freedom: p < 1e-5 above this
    for secret in (b"\x00", b"\xff", b"\x5a"):
        first = [0] * bins
        pair = [0] * bins
        for _ in range(rounds):
            a, b, _c, _d, _e = split(secret, 3, 5)
            first[a.value[0]] += 1
            pair[a.value[0] ^ b.value[0]] += 1
        for histogram in (first, pair):
            chi2 = sum((count - expected) ** 2 / expected for count in histogram)
            assert chi2 < limit, (secret, chi2)


def test_two_shares_fit_every_secret_exactly_once() -> None:
    """Exhaustive for one byte, k=3: for any secret, the random coefficients (c1, c2) map one
    to one onto the share values at x=1 and x=2, so every pair of values is equally likely
    whatever the secret is."""
    mul = shamir._mul
    for secret in (0x00, 0xFF):
        pairs = {
            (secret ^ mul(c1, 1) ^ mul(c2, 1), secret ^ mul(c1, 2) ^ mul(c2, mul(2, 2)))
            for c1 in range(256)
            for c2 in range(256)
        }
        assert len(pairs) == 256 * 256


def test_json_round_trip_and_checksum() -> None:
    shares = split(b"opening key", 2, 3, label="420100 开标密钥")
    for share in shares:
        text = share.to_json()
        assert json.loads(text)["format"] == "ggzy-shamir-share"
        assert Share.from_json(text) == share
        assert Share.from_dict(share.to_dict()) == share


def test_a_corrupted_share_is_refused_on_reading() -> None:
    share = split(b"opening key", 2, 3)[1]
    data = share.to_dict()
    value = bytearray(bytes.fromhex(data["value"]))
    value[0] ^= 1
    data["value"] = value.hex()
    with pytest.raises(ShamirError) as info:
        Share.from_dict(data)
    assert info.value.code == "share-corrupted"
    assert "share 2" in info.value.en


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"format": "something-else"}',
        '{"format": "ggzy-shamir-share", "version": 9}',
        '{"format": "ggzy-shamir-share", "version": 1, "set_id": "00"}',
    ],
)
def test_malformed_shares(text: str) -> None:
    with pytest.raises(ShamirError) as info:
        Share.from_json(text)
    assert info.value.code == "share-malformed"


def test_duplicate_shares_are_refused() -> None:
    shares = split(b"opening key", 3, 5)
    with pytest.raises(ShamirError) as info:
        combine([shares[0], shares[1], shares[1]])
    assert info.value.code == "share-duplicate"
    assert "share 2" in info.value.en


def test_too_few_shares_are_refused() -> None:
    shares = split(b"opening key", 3, 5)
    for two in itertools.combinations(shares, 2):
        with pytest.raises(ShamirError) as info:
            combine(list(two))
        assert info.value.code == "shares-insufficient"
        assert info.value.extra == {"needed": 3, "given": 2}
    with pytest.raises(ShamirError):
        combine([])


def test_shares_of_different_splits_are_refused() -> None:
    a = split(b"opening key", 2, 3)
    b = split(b"opening key", 2, 3)
    with pytest.raises(ShamirError) as info:
        combine([a[0], b[1]])
    assert info.value.code == "shares-mismatched"


def test_a_wrong_share_with_a_valid_checksum_is_caught_and_named() -> None:
    secret = os.urandom(32)
    shares = split(secret, 3, 5)
    bad = dataclasses.replace(shares[3], value=bytes(b ^ 0x42 for b in shares[3].value))
    forged = Share.from_json(bad.to_json())  # re-serialised: its checksum is consistent
    with pytest.raises(ShamirError) as info:
        combine([shares[0], shares[1], forged])
    assert info.value.code == "shares-invalid"
    with pytest.raises(ShamirError) as info:
        combine([shares[0], forged, shares[1], shares[4]])
    assert info.value.code == "shares-invalid"
    assert info.value.extra["bad"] == [4]
    assert "bad: 4" in info.value.en


def test_split_arguments_are_checked() -> None:
    for k, n in ((1, 3), (4, 3), (2, 256), (0, 0)):
        with pytest.raises(ValueError):
            split(b"x", k, n)
    with pytest.raises(ValueError):
        split(b"", 2, 3)


def test_largest_split() -> None:
    secret = os.urandom(16)
    shares = split(secret, 5, 255)
    assert combine(random.sample(shares, 5)) == secret
