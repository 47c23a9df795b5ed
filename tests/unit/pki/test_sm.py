"""ShangMi primitives: SM3, SM4 and SM2 against the published vectors in ../shared/vectors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import core, keys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec as crypto_ec
from tongsuopy.crypto import hashes as ts_hashes
from tongsuopy.crypto import serialization as ts_serialization
from tongsuopy.crypto.asymciphers import ec as ts_ec

from ggzy.pki.sm import (
    DEFAULT_UID,
    EC_PUBLIC_KEY_OID,
    SM2P256V1,
    SM2P256V1_OID,
    DecryptionError,
    SM2Curve,
    SM2PrivateKey,
    SM2PublicKey,
    generate_sm2_key,
    load_sm2_private_der,
    load_sm2_private_pem,
    load_sm2_public_der,
    load_sm2_public_pem,
    sm2_ciphertext_from_raw,
    sm2_ciphertext_to_raw,
    sm2_decrypt,
    sm2_encrypt,
    sm2_public_from_spki,
    sm2_sign,
    sm2_signature_from_rs,
    sm2_signature_to_rs,
    sm2_verify,
    sm2_verify_digest,
    sm2_za,
    sm2_za_from_coordinates,
    sm3,
    sm3_hex,
    sm4_cbc_encrypt,
    sm4_ecb_decrypt,
    sm4_ecb_encrypt,
    sm4_gcm_decrypt,
    sm4_gcm_encrypt,
)

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared"
VECTORS_FILE = SHARED / "vectors" / "sm_vectors.json"


def _load_vectors() -> dict[str, Any] | None:
    try:
        return json.loads(VECTORS_FILE.read_text(encoding="utf-8"))
    except OSError:
        return None


VECTORS = _load_vectors()
needs_vectors = pytest.mark.skipif(VECTORS is None, reason=f"{VECTORS_FILE} is not present")


def _vectors(section: str) -> list[Any]:
    return [] if VECTORS is None else list(VECTORS[section])


def _ids(items: list[dict[str, Any]], key: str = "name") -> list[str]:
    return [str(item[key]) for item in items]


SM3_VECTORS = _vectors("sm3")
SM4_VECTORS = _vectors("sm4")
SM4_ECB = [v for v in SM4_VECTORS if v["mode"] == "ECB"]
SM4_ECB_ITERATED = [v for v in SM4_VECTORS if v["mode"] == "ECB-iterated"]
SM4_GCM = [v for v in SM4_VECTORS if v["mode"] == "GCM"]
SM2_NEGATIVE = _vectors("sm2_sign_negative")


@pytest.fixture(scope="module")
def sign_vector() -> dict[str, Any]:
    if VECTORS is None:
        pytest.skip(f"{VECTORS_FILE} is not present")
    return dict(VECTORS["sm2_sign"])


@pytest.fixture(scope="module")
def encrypt_vector() -> dict[str, Any]:
    if VECTORS is None:
        pytest.skip(f"{VECTORS_FILE} is not present")
    return dict(VECTORS["sm2_encrypt"])


@pytest.fixture(scope="module")
def vector_key(sign_vector: dict[str, Any]) -> SM2PrivateKey:
    return SM2PrivateKey.from_private_value(int(sign_vector["private_key"], 16))


@pytest.fixture(scope="module")
def key() -> SM2PrivateKey:
    return generate_sm2_key()


# ------------------------------------------------------------------------------------- SM3


@needs_vectors
@pytest.mark.parametrize("vector", SM3_VECTORS, ids=_ids(SM3_VECTORS))
def test_sm3_gives_the_published_digest(vector: dict[str, Any]) -> None:
    assert sm3(bytes.fromhex(vector["msg_hex"])).hex() == vector["digest"]


def test_sm3_hex_is_the_lowercase_hex_of_the_digest() -> None:
    assert sm3_hex(b"abc") == sm3(b"abc").hex() == sm3_hex(b"abc").lower()


# ------------------------------------------------------------------------------------- SM4


@needs_vectors
@pytest.mark.parametrize("vector", SM4_ECB, ids=_ids(SM4_ECB))
def test_sm4_ecb_gives_the_published_ciphertext_and_decrypts_back(vector: dict[str, Any]) -> None:
    key, plaintext = bytes.fromhex(vector["key"]), bytes.fromhex(vector["plaintext"])
    ciphertext = sm4_ecb_encrypt(key, plaintext)
    assert ciphertext.hex() == vector["ciphertext"]
    assert sm4_ecb_decrypt(key, ciphertext) == plaintext


@needs_vectors
@pytest.mark.parametrize("vector", SM4_ECB_ITERATED, ids=_ids(SM4_ECB_ITERATED))
def test_sm4_encrypting_one_block_a_million_times_gives_the_published_result(
    vector: dict[str, Any],
) -> None:
    # CBC over all-zero blocks with IV = P computes C1 = E(P), C2 = E(C1), ... in one native
    # call, so the iterated ECB example runs in a fraction of a second.
    key, plaintext = bytes.fromhex(vector["key"]), bytes.fromhex(vector["plaintext"])
    chained = sm4_cbc_encrypt(key, plaintext, bytes(16 * vector["iterations"]))
    assert chained[:16] == sm4_ecb_encrypt(key, plaintext)
    assert chained[-16:].hex() == vector["ciphertext"]


@needs_vectors
@pytest.mark.parametrize("vector", SM4_GCM, ids=_ids(SM4_GCM))
def test_sm4_gcm_gives_the_published_ciphertext_and_tag(vector: dict[str, Any]) -> None:
    sealed = sm4_gcm_encrypt(
        bytes.fromhex(vector["key"]),
        bytes.fromhex(vector["iv"]),
        bytes.fromhex(vector["plaintext"]),
        bytes.fromhex(vector["aad"]),
    )
    assert sealed.hex() == vector["ciphertext"] + vector["tag"]


@needs_vectors
@pytest.mark.parametrize("vector", SM4_GCM, ids=_ids(SM4_GCM))
def test_sm4_gcm_decrypts_the_published_ciphertext(vector: dict[str, Any]) -> None:
    plaintext = sm4_gcm_decrypt(
        bytes.fromhex(vector["key"]),
        bytes.fromhex(vector["iv"]),
        bytes.fromhex(vector["ciphertext"] + vector["tag"]),
        bytes.fromhex(vector["aad"]),
    )
    assert plaintext.hex() == vector["plaintext"]


@pytest.mark.parametrize("changed", ["key", "nonce", "aad", "ciphertext", "tag", "truncated"])
def test_sm4_gcm_refuses_anything_changed_after_sealing(changed: str) -> None:
    args = {"key": bytes(range(16)), "nonce": bytes(range(12)), "aad": b"bid-envelope:42"}
    sealed = sm4_gcm_encrypt(args["key"], args["nonce"], b"sealed bid 1234567.89", args["aad"])
    if changed in args:
        args[changed] = bytes([args[changed][0] ^ 1]) + args[changed][1:]
    elif changed == "ciphertext":
        sealed = bytes([sealed[0] ^ 1]) + sealed[1:]
    elif changed == "tag":
        sealed = sealed[:-1] + bytes([sealed[-1] ^ 1])
    else:
        sealed = sealed[:10]
    with pytest.raises(DecryptionError, match="SM4-GCM"):
        sm4_gcm_decrypt(args["key"], args["nonce"], sealed, args["aad"])


def test_sm4_gcm_refuses_keys_and_nonces_of_the_wrong_length() -> None:
    with pytest.raises(ValueError, match="key must be 16 bytes"):
        sm4_gcm_encrypt(bytes(32), bytes(12), b"x")
    with pytest.raises(ValueError, match="nonce must be 12 bytes"):
        sm4_gcm_encrypt(bytes(16), bytes(16), b"x")


# ----------------------------------------------------------------------------- SM2 keys


@needs_vectors
def test_module_curve_constants_are_the_recommended_curve_of_the_vectors() -> None:
    assert VECTORS is not None
    published = VECTORS["sm2_recommended_curve"]
    for field in ("p", "a", "b", "n", "gx", "gy"):
        assert getattr(SM2P256V1, field) == int(published[field], 16), field
    assert published["oid"] == SM2P256V1_OID


def test_private_value_from_the_vector_gives_the_published_public_point(
    vector_key: SM2PrivateKey, sign_vector: dict[str, Any]
) -> None:
    assert vector_key.public_key().point().hex() == sign_vector["public_key_uncompressed"]
    assert vector_key.private_value() == int(sign_vector["private_key"], 16)


def test_private_key_survives_pkcs8_pem_and_der_round_trips(key: SM2PrivateKey) -> None:
    from_pem = load_sm2_private_pem(key.to_pem())
    from_der = load_sm2_private_der(key.to_der())
    assert from_pem.private_value() == from_der.private_value() == key.private_value()


def test_encrypted_pkcs8_needs_the_right_password(key: SM2PrivateKey) -> None:
    pem = key.to_pem(password=b"s3cret")
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert load_sm2_private_pem(pem, b"s3cret").private_value() == key.private_value()
    with pytest.raises(ValueError, match="cannot load SM2 private key"):
        load_sm2_private_pem(pem, b"wrong")


def test_pkcs8_names_id_ec_public_key_with_the_sm2_curve(key: SM2PrivateKey) -> None:
    info = keys.PrivateKeyInfo.load(key.to_der())
    algorithm = info["private_key_algorithm"]
    assert algorithm["algorithm"].dotted == EC_PUBLIC_KEY_OID
    assert algorithm["parameters"].chosen.dotted == SM2P256V1_OID


def test_public_key_survives_spki_der_and_pem_round_trips(key: SM2PrivateKey) -> None:
    pub = key.public_key()
    assert load_sm2_public_der(pub.to_der()) == pub
    assert load_sm2_public_pem(pub.to_pem()) == pub
    assert sm2_public_from_spki(pub.to_der()) == pub
    assert SM2PublicKey.from_point(pub.point()) == pub


def test_spki_names_id_ec_public_key_with_the_sm2_curve_and_the_point(key: SM2PrivateKey) -> None:
    spki = keys.PublicKeyInfo.load(key.public_key().to_der())
    assert spki["algorithm"]["algorithm"].dotted == EC_PUBLIC_KEY_OID
    assert spki["algorithm"]["parameters"].chosen.dotted == SM2P256V1_OID
    assert bytes(spki["public_key"]) == key.public_key().point()


def test_compressed_point_loads_as_the_same_key(key: SM2PrivateKey) -> None:
    point = key.public_key().point()
    compressed = bytes([2 + (point[-1] & 1)]) + point[1:33]
    assert SM2PublicKey.from_point(compressed) == key.public_key()


def test_a_point_off_the_curve_is_refused(key: SM2PrivateKey) -> None:
    point = bytearray(key.public_key().point())
    point[-1] ^= 1
    with pytest.raises(ValueError, match="not on sm2p256v1"):
        SM2PublicKey.from_point(bytes(point))


@pytest.mark.parametrize("value", [0, -1, SM2P256V1.n - 1, SM2P256V1.n, SM2P256V1.n + 5])
def test_private_values_outside_one_to_n_minus_two_are_refused(value: int) -> None:
    with pytest.raises(ValueError, match=r"\[1, n-2\]"):
        SM2PrivateKey.from_private_value(value)


def test_keys_on_other_curves_are_refused() -> None:
    p256 = crypto_ec.generate_private_key(crypto_ec.SECP256R1())
    spki = p256.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    pkcs8 = p256.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(ValueError):
        sm2_public_from_spki(spki)
    with pytest.raises(ValueError):
        load_sm2_private_pem(pkcs8)


def test_private_key_repr_does_not_show_the_secret(vector_key: SM2PrivateKey) -> None:
    assert f"{vector_key.private_value():x}" not in repr(vector_key)
    assert "3945208f" not in repr(vector_key)


# ----------------------------------------------------------------------- SM2 signatures


def test_za_of_the_example_key_is_the_published_value(
    vector_key: SM2PrivateKey, sign_vector: dict[str, Any]
) -> None:
    uid = bytes.fromhex(sign_vector["user_id_hex"])
    assert uid == DEFAULT_UID
    assert sm2_za(vector_key.public_key(), uid).hex() == sign_vector["za"]


def test_e_is_sm3_of_za_and_the_message(
    vector_key: SM2PrivateKey, sign_vector: dict[str, Any]
) -> None:
    message = bytes.fromhex(sign_vector["message_hex"])
    assert sm3(sm2_za(vector_key.public_key()) + message).hex() == sign_vector["e"]


def test_published_signature_verifies_over_the_message(
    vector_key: SM2PrivateKey, sign_vector: dict[str, Any]
) -> None:
    # The example signs with a fixed k; Tongsuo cannot take k, so the published (r, s) is
    # verified here rather than reproduced.
    signature = bytes.fromhex(sign_vector["signature_der"])
    message = sign_vector["message_ascii"].encode()
    assert sm2_verify(vector_key.public_key(), message, signature)


def test_published_signature_verifies_over_the_published_digest(
    vector_key: SM2PrivateKey, sign_vector: dict[str, Any]
) -> None:
    signature = bytes.fromhex(sign_vector["signature_der"])
    assert sm2_verify_digest(vector_key.public_key(), bytes.fromhex(sign_vector["e"]), signature)


def test_published_signature_is_the_der_of_the_published_r_and_s(
    sign_vector: dict[str, Any],
) -> None:
    r, s = int(sign_vector["r"], 16), int(sign_vector["s"], 16)
    assert sm2_signature_from_rs(r, s).hex() == sign_vector["signature_der"]
    assert sm2_signature_to_rs(bytes.fromhex(sign_vector["signature_der"])) == (r, s)
    assert sign_vector["signature_raw_rs"] == f"{r:064x}{s:064x}"


@needs_vectors
@pytest.mark.parametrize("case", SM2_NEGATIVE, ids=_ids(SM2_NEGATIVE, "desc"))
def test_signature_that_must_fail_does_fail(
    case: dict[str, Any], vector_key: SM2PrivateKey
) -> None:
    assert case["expect_valid"] is False
    signature = sm2_signature_from_rs(int(case["r"], 16), int(case["s"], 16))
    assert not sm2_verify(
        vector_key.public_key(),
        case["message_ascii"].encode(),
        signature,
        uid=case["user_id_ascii"].encode(),
    )


def test_a_fresh_signature_verifies_with_the_default_uid(key: SM2PrivateKey) -> None:
    signature = sm2_sign(key, "中标通知书".encode())
    assert sm2_verify(key.public_key(), "中标通知书".encode(), signature)


def test_a_signature_made_with_one_uid_fails_with_another(key: SM2PrivateKey) -> None:
    signature = sm2_sign(key, b"bid", uid=b"ALICE123@YAHOO.COM")
    assert sm2_verify(key.public_key(), b"bid", signature, uid=b"ALICE123@YAHOO.COM")
    assert not sm2_verify(key.public_key(), b"bid", signature)


def test_a_signature_fails_under_another_public_key(key: SM2PrivateKey) -> None:
    signature = sm2_sign(key, b"bid")
    assert not sm2_verify(generate_sm2_key().public_key(), b"bid", signature)


def test_signatures_are_randomised_der_sequences_with_r_and_s_below_n(key: SM2PrivateKey) -> None:
    first, second = sm2_sign(key, b"same"), sm2_sign(key, b"same")
    assert first != second
    for signature in (first, second):
        r, s = sm2_signature_to_rs(signature)
        assert 1 <= r < SM2P256V1.n and 1 <= s < SM2P256V1.n


def test_our_signature_verifies_with_tongsuo_digest_verify(key: SM2PrivateKey) -> None:
    # Tongsuo's EVP_DigestVerify with SM3 applies its built-in default user id.
    signature = sm2_sign(key, b"interop")
    native_public = ts_serialization.load_der_public_key(key.public_key().to_der())
    native_public.verify(signature, b"interop", ts_ec.ECDSA(ts_hashes.SM3()))


def test_tongsuo_digest_sign_signature_verifies_here(key: SM2PrivateKey) -> None:
    native_private = ts_serialization.load_der_private_key(key.to_der(), None)
    signature = native_private.sign(b"interop", ts_ec.ECDSA(ts_hashes.SM3()))
    assert sm2_verify(key.public_key(), b"interop", signature)


def _malformed(signature: bytes) -> dict[str, Any]:
    r, s = sm2_signature_to_rs(signature)
    body = core.Integer(r).dump() + core.Integer(s).dump()
    return {
        "empty": b"",
        "garbage": b"\x30\x03\x02\x01",
        "trailing byte": signature + b"\x00",
        "long-form length (BER)": b"\x30\x81" + bytes([len(body)]) + body,
        "raw r||s": r.to_bytes(32, "big") + s.to_bytes(32, "big"),
        "not bytes": "3044",
        "none": None,
    }


@pytest.mark.parametrize(
    "kind",
    [
        "empty",
        "garbage",
        "trailing byte",
        "long-form length (BER)",
        "raw r||s",
        "not bytes",
        "none",
    ],
)
def test_verify_returns_false_for_malformed_signatures(key: SM2PrivateKey, kind: str) -> None:
    bad = _malformed(sm2_sign(key, b"m"))[kind]
    assert sm2_verify(key.public_key(), b"m", bad) is False


def test_verify_returns_false_for_a_wrong_key_type_or_message_type(key: SM2PrivateKey) -> None:
    signature = sm2_sign(key, b"m")
    assert sm2_verify(key, b"m", signature) is False  # type: ignore[arg-type]
    assert sm2_verify(None, b"m", signature) is False  # type: ignore[arg-type]
    assert sm2_verify(key.public_key(), None, signature) is False  # type: ignore[arg-type]
    assert sm2_verify_digest(key.public_key(), b"short", signature) is False


# ---------------------------------------------- GM/T 0003.2 Annex A example (test curve)
#
# Tongsuo only knows named curves, and the Annex A example uses a 256-bit test curve that no
# library ships. ZA and e are checked with the module's own ZA code; the signature equation is
# checked with this small affine-coordinate reference verifier (test code only, ~1 ms).

Point = tuple[int, int] | None


def _add(curve: SM2Curve, p1: Point, p2: Point) -> Point:
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2), p = p1, p2, curve.p
    if x1 == x2 and (y1 + y2) % p == 0:
        return None
    if p1 == p2:
        lam = (3 * x1 * x1 + curve.a) * pow(2 * y1, -1, p) % p
    else:
        lam = (y2 - y1) * pow(x2 - x1, -1, p) % p
    x3 = (lam * lam - x1 - x2) % p
    return x3, (lam * (x1 - x3) - y1) % p


def _mul(curve: SM2Curve, k: int, point: Point) -> Point:
    result: Point = None
    while k:
        if k & 1:
            result = _add(curve, result, point)
        point = _add(curve, point, point)
        k >>= 1
    return result


def _reference_verify(curve: SM2Curve, public: Point, e: int, r: int, s: int) -> bool:
    n = curve.n
    if not (1 <= r < n and 1 <= s < n) or (r + s) % n == 0:
        return False
    total = _add(curve, _mul(curve, s, (curve.gx, curve.gy)), _mul(curve, (r + s) % n, public))
    return total is not None and (e + total[0]) % n == r


@pytest.fixture(scope="module")
def annex_a_case() -> dict[str, Any]:
    if VECTORS is None:
        pytest.skip(f"{VECTORS_FILE} is not present")
    case = dict(VECTORS["sm2_sign_test_curve"])
    params = {k: int(v, 16) for k, v in case["curve"].items()}
    case["curve"] = SM2Curve(**params)
    case["public"] = (int(case["public_key_x"], 16), int(case["public_key_y"], 16))
    return case


def test_test_curve_example_za_and_e_match_with_its_user_id(
    annex_a_case: dict[str, Any],
) -> None:
    uid = annex_a_case["user_id_ascii"].encode()
    assert (len(uid) * 8).to_bytes(2, "big").hex() == annex_a_case["entl_hex"]
    x, y = annex_a_case["public"]
    za = sm2_za_from_coordinates(uid, x, y, curve=annex_a_case["curve"])
    assert za.hex() == annex_a_case["za"]
    e = sm3(za + annex_a_case["message_ascii"].encode())
    assert e.hex() == annex_a_case["e"]


def test_test_curve_example_signature_satisfies_the_verification_equation(
    annex_a_case: dict[str, Any],
) -> None:
    curve, public = annex_a_case["curve"], annex_a_case["public"]
    d = int(annex_a_case["private_key"], 16)
    assert _mul(curve, d, (curve.gx, curve.gy)) == public
    e, r, s = (int(annex_a_case[k], 16) for k in ("e", "r", "s"))
    assert _reference_verify(curve, public, e, r, s)
    assert not _reference_verify(curve, public, e, r, (s + 1) % curve.n)


# ----------------------------------------------------------------------- SM2 encryption


def test_published_ciphertext_decrypts_to_the_published_plaintext(
    vector_key: SM2PrivateKey, encrypt_vector: dict[str, Any]
) -> None:
    ciphertext = bytes.fromhex(encrypt_vector["ciphertext_der_GMT0009"])
    assert sm2_decrypt(vector_key, ciphertext) == encrypt_vector["plaintext_ascii"].encode()


def test_der_ciphertext_converts_to_the_published_c1_c3_c2_and_back(
    encrypt_vector: dict[str, Any],
) -> None:
    der = bytes.fromhex(encrypt_vector["ciphertext_der_GMT0009"])
    raw = bytes.fromhex(encrypt_vector["ciphertext_C1C3C2_raw"])
    assert sm2_ciphertext_to_raw(der) == raw
    assert sm2_ciphertext_from_raw(raw) == der


def test_a_content_key_round_trips_through_sm2_encryption(key: SM2PrivateKey) -> None:
    content_key = bytes(range(32))
    ciphertext = sm2_encrypt(key.public_key(), content_key)
    assert sm2_decrypt(key, ciphertext) == content_key
    assert sm2_encrypt(key.public_key(), content_key) != ciphertext


def test_ciphertext_is_the_gmt_0009_sequence_of_x_y_hash_and_c2(key: SM2PrivateKey) -> None:
    ciphertext = sm2_encrypt(key.public_key(), bytes(32))
    raw = sm2_ciphertext_to_raw(ciphertext)
    assert len(raw) == 65 + 32 + 32
    SM2PublicKey.from_point(raw[:65])  # C1 is a point on the curve


def test_decrypting_with_the_wrong_key_raises_value_error(key: SM2PrivateKey) -> None:
    ciphertext = sm2_encrypt(key.public_key(), bytes(32))
    with pytest.raises(ValueError, match="wrong key or tampered"):
        sm2_decrypt(generate_sm2_key(), ciphertext)


@pytest.mark.parametrize("where", ["x", "hash", "c2", "truncated", "trailing", "not der"])
def test_tampered_ciphertext_raises_value_error(key: SM2PrivateKey, where: str) -> None:
    der = sm2_encrypt(key.public_key(), bytes(32))
    raw = bytearray(sm2_ciphertext_to_raw(der))
    if where in ("x", "hash", "c2"):
        raw[{"x": 5, "hash": 70, "c2": 100}[where]] ^= 1
        der = sm2_ciphertext_from_raw(bytes(raw))
    else:
        der = {"truncated": der[:-1], "trailing": der + b"\x00", "not der": b"\x04" + der}[where]
    with pytest.raises(ValueError):
        sm2_decrypt(key, der)


def test_empty_plaintext_is_refused(key: SM2PrivateKey) -> None:
    with pytest.raises(ValueError, match="empty"):
        sm2_encrypt(key.public_key(), b"")
