"""The bid package (ggzy.bidding.package): a ZIP of a canonical bid letter, its attachments and
a detached CMS signature, round-tripped with RSA, ECDSA P-256 and SM2 certificates from the
test CA, and every malformed, tampered or hostile package refused with its reason."""

from __future__ import annotations

import hashlib
import io
import json
import os
import unicodedata
import warnings
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ggzy.bidding.package import (
    MAX_NAME_LENGTH,
    PackageScan,
    attachment_name_problem,
    build_bid_package,
    read_bid_package,
    sanitise_attachment_name,
)
from ggzy.core.codes import make_credit_code, make_deal_code, make_lot_code
from ggzy.core.errors import DomainError
from ggzy.core.money import to_capitals
from ggzy.pki.envelope import canonical_json
from ggzy.pki.signatures import sign_detached

try:
    from ggzy.pki import sm as _sm  # noqa: F401

    SM2_SKIP = ""
except ImportError as exc:  # pragma: no cover - depends on the machine
    SM2_SKIP = f"ggzy.pki.sm is not available yet: {exc}"

needs_sm2 = pytest.mark.skipif(bool(SM2_SKIP), reason=SM2_SKIP or "SM2 available")
ALGORITHMS = ["rsa", "ecdsa", pytest.param("sm2", marks=needs_sm2)]
EXPECTED = {"rsa": "RSA-PSS-SHA256", "ecdsa": "ECDSA-P256-SHA256", "sm2": "SM2-SM3"}
BIDDER = make_credit_code("9", "1", "420100", "MA4K2QX5")
OTHER = make_credit_code("9", "1", "420100", "MA4K2QX6")
PROJECT = make_deal_code("420100", 2026, "J", 1)
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
PRICE = 1_234_567_890  # ¥12,345,678.90
PDF = b"%PDF-1.7\n" + os.urandom(50_000)
CSV = "序号,项目,数量,单价\n".encode() + b"".join(
    f"{i},C30 concrete {i % 7},{i * 3}.5,{i % 100}\n".encode() for i in range(5000)
)


@pytest.fixture(scope="module")
def signers() -> dict[str, Any]:
    from ggzy.pki.testca import TestCA

    made: dict[str, Any] = {}
    for algorithm in ("rsa", "ecdsa", "sm2"):
        if algorithm == "sm2" and SM2_SKIP:
            continue
        ca = TestCA.create(f"投标测试CA {algorithm}", algorithm=algorithm, now=NOW)
        made[algorithm] = ca.issue("武汉长江城建投资有限公司", BIDDER, usage="sign")
        if algorithm == "ecdsa":
            made["other"] = ca.issue("湖北楚天建设有限公司", OTHER, usage="sign")
            made["nocode"] = ca.issue("无代码证书", None, usage="sign")
    return made


def build(signer: Any, **overrides: Any) -> bytes:
    args: dict[str, Any] = {
        "project": PROJECT,
        "bidder": BIDDER,
        "bidder_name": "武汉长江城建投资有限公司",
        "price": PRICE,
        "duration_days": 540,
        "quality": "合格",
        "attachments": [("报价文件.pdf", PDF), ("工程量清单.csv", CSV)],
        "signing_key": signer.key,
        "signing_certificate_der": signer.der,
        "declared": {"tool": "ggzy-bid-tool/1.2", "machine_code": "MC-0001"},
        "created_at": NOW,
    }
    args.update(overrides)
    return build_bid_package(**args)


@pytest.fixture(scope="module")
def package(signers: dict[str, Any]) -> bytes:
    return build(signers["ecdsa"])


def members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(info.filename, zf.read(info)) for info in zf.infolist()]


def rezip(entries: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names on purpose
        with zipfile.ZipFile(out, "w", compression) as zf:
            for name, data in entries:
                zf.writestr(name, data)
    return out.getvalue()


def edit(
    data: bytes,
    change: Callable[[dict[str, bytes]], object],
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    entries = dict(members(data))
    change(entries)
    return rezip(list(entries.items()), compression)


def letter_of(data: bytes) -> dict[str, Any]:
    return dict(json.loads(dict(members(data))["bid.json"]))


def with_letter(data: bytes, letter: dict[str, Any], signer: Any | None = None) -> bytes:
    """The package with another bid.json, re-signed by signer (or keeping the old signature)."""
    raw = canonical_json(letter)

    def change(entries: dict[str, bytes]) -> None:
        entries["bid.json"] = raw
        if signer is not None:
            entries["bid.json.p7s"] = sign_detached(raw, signer.key, signer.der)

    return edit(data, change)


def scanned(data: bytes, pieces: tuple[int, ...] = (1, 7, 30, 4096, 65537)) -> PackageScan:
    """A PackageScan fed the bytes in uneven pieces, as a stream would."""
    scan = PackageScan()
    view = memoryview(data)
    at = turn = 0
    while at < len(view):
        scan.feed(view[at : at + pieces[turn % len(pieces)]])
        at += pieces[turn % len(pieces)]
        turn += 1
    assert scan.position == len(data)
    return scan


def refused(problem: str, data: bytes | Path, **kwargs: Any) -> DomainError:
    with pytest.raises(DomainError) as info:
        read_bid_package(data, **kwargs)
    exc = info.value
    assert exc.code == "bid-package-invalid", exc
    assert exc.status == 422
    assert exc.extra["problem"] == problem, exc
    assert exc.zh and exc.en
    # read with what a single pass hashed on the way: refused just the same
    raw = data.read_bytes() if isinstance(data, Path) else data
    with pytest.raises(DomainError) as again:
        read_bid_package(raw, scan=scanned(raw), **kwargs)
    assert (again.value.code, again.value.extra) == (exc.code, exc.extra)
    return exc


def forge_size(data: bytes, member: str, size: int) -> bytes:
    """Rewrite the uncompressed size a member declares, in its local and central headers."""
    raw = bytearray(data)
    name = member.encode()
    patched = 0
    for signature, name_at, size_at in ((b"PK\x03\x04", 30, 22), (b"PK\x01\x02", 46, 24)):
        at = raw.find(signature)
        while at >= 0:
            if raw[at + name_at : at + name_at + len(name)] == name:
                raw[at + size_at : at + size_at + 4] = size.to_bytes(4, "little")
                patched += 1
            at = raw.find(signature, at + 1)
    assert patched == 2
    return bytes(raw)


# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_round_trip(signers: dict[str, Any], algorithm: str, tmp_path: Path) -> None:
    big = tmp_path / "施工组织设计.bin"
    big.write_bytes(os.urandom(3 * (1 << 20) + 17))  # streamed from the Path
    data = build(
        signers[algorithm],
        attachments=[("报价文件.pdf", PDF), ("工程量清单.csv", CSV), (big.name, big)],
    )
    path = tmp_path / "bid.zip"
    path.write_bytes(data)
    for source in (data, path):
        package = read_bid_package(source)
        assert package.price == PRICE and not package.price_corrected
        assert package.project == PROJECT and package.bidder == BIDDER
        assert package.signature.ok, package.signature.reason
        assert package.signature.algorithm == EXPECTED[algorithm]
        assert package.signature.credit_code == BIDDER
        assert package.signature.signed_at == NOW
        assert package.signed_by_bidder
        letter = package.letter
        assert letter["format"] == "ggzy-bid/1"
        assert (
            letter["price_capitals"]
            == to_capitals(PRICE)
            == "壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角整"
        )
        assert letter["duration_days"] == 540 and letter["quality"] == "合格"
        assert letter["created_at"] == "2026-03-02T01:00:00Z"
        assert letter["declared"] == {"tool": "ggzy-bid-tool/1.2", "machine_code": "MC-0001"}
        expected = [
            {"name": "报价文件.pdf", "sha256": hashlib.sha256(PDF).hexdigest(), "size": len(PDF)},
            {"name": "工程量清单.csv", "sha256": hashlib.sha256(CSV).hexdigest(), "size": len(CSV)},
            {
                "name": big.name,
                "sha256": hashlib.sha256(big.read_bytes()).hexdigest(),
                "size": big.stat().st_size,
            },
        ]
        assert package.attachments == expected == letter["attachments"]
    contents = dict(members(data))
    assert list(contents) == [
        "bid.json",
        "bid.json.p7s",
        "attachments/报价文件.pdf",
        "attachments/工程量清单.csv",
        f"attachments/{big.name}",
    ]
    raw = contents["bid.json"]
    assert raw == canonical_json(json.loads(raw))  # canonical: sorted keys, no spaces, UTF-8
    assert "报价文件".encode() in raw
    assert package.bid_json_sha256 == hashlib.sha256(raw).hexdigest()
    assert contents[f"attachments/{big.name}"] == big.read_bytes()
    summary = package.to_dict()
    assert summary["ok"] is True and summary["signature"]["credit_code"] == BIDDER
    json.dumps(summary, ensure_ascii=False)  # JSON-safe


def test_compression_choices(signers: dict[str, Any]) -> None:
    zeros = bytes(2 << 20)  # deflates 1000:1: stored, so that readers accept it
    data = build(signers["ecdsa"], attachments=[("a.pdf", PDF), ("b.csv", CSV), ("z.bin", zeros)])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        kinds = {info.filename: info.compress_type for info in zf.infolist()}
        times = {info.date_time for info in zf.infolist()}
    assert kinds["attachments/a.pdf"] == zipfile.ZIP_STORED  # random: deflate does not pay
    assert kinds["attachments/b.csv"] == zipfile.ZIP_DEFLATED
    assert kinds["attachments/z.bin"] == zipfile.ZIP_STORED
    assert kinds["bid.json"] == zipfile.ZIP_DEFLATED
    assert times == {(2026, 3, 2, 9, 0, 0)}  # Beijing time
    assert read_bid_package(data).attachments[2]["size"] == len(zeros)


def test_no_attachments_lot_code_and_list_declared(signers: dict[str, Any]) -> None:
    lot = make_lot_code(PROJECT, 2)
    data = build(
        signers["ecdsa"],
        project=lot.lower(),
        attachments=[],
        declared={"hardware_id": ["mac:1", "disk:2"]},
        created_at=datetime(2026, 3, 2, 9, 0, 0, 999, tzinfo=timezone(timedelta(hours=8))),
    )
    package = read_bid_package(data)
    assert package.project == lot and package.attachments == []
    assert package.letter["declared"] == {"hardware_id": ["mac:1", "disk:2"]}
    assert package.letter["created_at"] == "2026-03-02T01:00:00Z"


def test_attachment_names_are_sanitised_and_unique(signers: dict[str, Any]) -> None:
    long = "长" * 300 + ".pdf"
    data = build(
        signers["ecdsa"],
        attachments=[
            ("../../etc/passwd", b"1"),
            ("C:\\标书\\报价.pdf", b"2"),
            ("报价.PDF", b"3"),
            ("a..b?.txt", b"4"),
            ("CON.txt", b"5"),
            (long, b"6"),
            ("", b"7"),
            ("报价.pdf", b"8"),
        ],
    )
    names = [a["name"] for a in read_bid_package(data).attachments]
    assert names[:5] == ["passwd", "报价.pdf", "报价 (2).PDF", "a.b_.txt", "_CON.txt"]
    assert len(names[5]) == MAX_NAME_LENGTH and names[5].endswith(".pdf")
    assert names[6:] == ["attachment", "报价 (3).pdf"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=260) | st.text(alphabet="./\\ .:C长\u0301\u200dCONnul", max_size=12))
@example("a" * 250 + "\u2adc")  # expands under NFC
@example(". .")
@example("nul .txt")
def test_sanitised_names_are_valid_and_stable(name: str) -> None:
    clean = sanitise_attachment_name(name)
    assert attachment_name_problem(clean) is None, (name, clean)
    assert sanitise_attachment_name(clean) == clean
    assert unicodedata.normalize("NFC", clean) == clean


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("a/b", "separator"),
        ("a\\b", "separator"),
        ("..", ".."),
        ("a..b", ".."),
        (".hidden", "dot"),
        ("trailing ", "space"),
        ("x" * 201, "200"),
        ("nul.txt", "device"),
        ("a\x00b", "control"),
        ("e\u0301", "NFC"),
        ("", "empty"),
    ],
)
def test_attachment_name_problems(name: str, problem: str) -> None:
    assert problem in (attachment_name_problem(name) or "")


# ---------------------------------------------------------------- building refusals


def test_float_price_is_a_type_error(signers: dict[str, Any]) -> None:
    with pytest.raises(TypeError, match="float"):
        build(signers["ecdsa"], price=12345.67)
    with pytest.raises(TypeError):
        build(signers["ecdsa"], price=True)


@pytest.mark.parametrize("price", [0, -100])
def test_price_must_be_positive(signers: dict[str, Any], price: int) -> None:
    with pytest.raises(DomainError) as info:
        build(signers["ecdsa"], price=price)
    assert info.value.code == "invalid-amount"


def test_builder_checks_its_inputs(signers: dict[str, Any]) -> None:
    signer = signers["ecdsa"]
    cases: list[tuple[dict[str, Any], str]] = [
        ({"bidder": "91420100MA4K2QX5XX"}, "invalid-credit-code"),
        ({"project": "E4201000001202600001"}, "invalid-deal-code"),
        ({"duration_days": -1}, "invalid-bid-letter"),
        ({"quality": "  "}, "invalid-bid-letter"),
        ({"signing_certificate_der": signers["other"].der}, "key-certificate-mismatch"),
        (
            {"signing_key": signers["other"].key, "signing_certificate_der": signers["other"].der},
            "signer-not-bidder",
        ),
        (
            {
                "signing_key": signers["nocode"].key,
                "signing_certificate_der": signers["nocode"].der,
            },
            "signer-not-bidder",
        ),
        ({"declared": {"tool": 3}}, "invalid-bid-letter"),
    ]
    for overrides, code in cases:
        with pytest.raises(DomainError) as info:
            build(signer, **overrides)
        assert info.value.code == code, (overrides, info.value)
    with pytest.raises(ValueError, match="timezone"):
        build(signer, created_at=datetime(2026, 3, 2, 9, 0))


def test_key_as_pem_bytes(signers: dict[str, Any]) -> None:
    signer = signers["ecdsa"]
    data = build(signer, signing_key=signer.key_pem(), signing_certificate_der=signer.pem.encode())
    assert read_bid_package(data).signed_by_bidder


# ---------------------------------------------------------------- tampering


def test_changed_attachment(package: bytes) -> None:
    def change(entries: dict[str, bytes]) -> None:
        body = bytearray(entries["attachments/报价文件.pdf"])
        body[100] ^= 1
        entries["attachments/报价文件.pdf"] = bytes(body)

    exc = refused("attachment-mismatch", edit(package, change))
    assert exc.extra["member"] == "attachments/报价文件.pdf" and exc.extra["field"] == "sha256"
    assert "报价文件.pdf" in exc.zh and "sha256" in exc.en


def test_attachment_of_another_size(package: bytes) -> None:
    def change(entries: dict[str, bytes]) -> None:
        entries["attachments/工程量清单.csv"] += b"\n"

    exc = refused("attachment-mismatch", edit(package, change))
    assert exc.extra["field"] == "size"


def test_changed_letter_breaks_the_signature(package: bytes) -> None:
    letter = letter_of(package)
    letter["quality"] = "优良"
    result = read_bid_package(with_letter(package, letter))  # the old signature kept
    assert not result.signature.ok
    assert "digest differs" in result.signature.reason
    assert not result.signed_by_bidder and result.to_dict()["ok"] is False
    assert result.letter["quality"] == "优良"


def test_garbage_signature_is_reported_not_raised(package: bytes) -> None:
    def change(entries: dict[str, bytes]) -> None:
        entries["bid.json.p7s"] = b"not a signature"

    result = read_bid_package(edit(package, change))
    assert not result.signature.ok and result.signature.reason


def test_signed_by_someone_else(signers: dict[str, Any], package: bytes) -> None:
    result = read_bid_package(with_letter(package, letter_of(package), signers["other"]))
    assert result.signature.ok and result.signature.credit_code == OTHER
    assert not result.signed_by_bidder


def test_extra_member(package: bytes) -> None:
    for name in ("attachments/hidden.exe", "readme.txt", "attachments/sub/a.pdf"):

        def change(entries: dict[str, bytes], name: str = name) -> None:
            entries[name] = b"MZ"

        exc = refused("unlisted-member", edit(package, change))
        assert exc.extra["member"] == name and name in exc.en


def test_attachments_folder_entry_is_tolerated(package: bytes) -> None:
    entries = members(package)
    data = rezip([("attachments/", b""), *entries])
    assert read_bid_package(data).signed_by_bidder


def test_missing_signature(package: bytes) -> None:
    exc = refused("missing-signature", edit(package, lambda e: e.pop("bid.json.p7s")))
    assert "bid.json.p7s" in exc.zh and "bid.json.p7s" in exc.en


def test_missing_letter(package: bytes) -> None:
    exc = refused("missing-letter", edit(package, lambda e: e.pop("bid.json")))
    assert str(exc) == "投标文件包缺少投标函 bid.json / the bid package has no bid.json"


def test_missing_attachment(package: bytes) -> None:
    exc = refused("missing-attachment", edit(package, lambda e: e.pop("attachments/报价文件.pdf")))
    assert "报价文件.pdf" in exc.en


def test_duplicate_member(package: bytes) -> None:
    entries = members(package)
    refused("duplicate-member", rezip([*entries, entries[2]]))
    refused("duplicate-member", rezip([*entries, ("BID.JSON", b"{}")]))


@pytest.mark.parametrize(
    "name",
    [
        "../evil.txt",
        "/etc/passwd",
        "attachments/../../evil.txt",
        "attachments/../bid.json",
        "C:/Windows/evil.dll",
        "attachments\\..\\evil.txt",
        "\\evil.txt",
    ],
)
def test_path_traversal_member(package: bytes, name: str) -> None:
    exc = refused("unsafe-name", rezip([*members(package), (name, b"x")]))
    assert exc.extra["member"] == name


def test_unsafe_name_in_the_letter(package: bytes) -> None:
    letter = letter_of(package)
    letter["attachments"][0]["name"] = "sub/报价文件.pdf"

    def change(entries: dict[str, bytes]) -> None:
        entries["attachments/sub/报价文件.pdf"] = entries.pop("attachments/报价文件.pdf")
        entries["bid.json"] = canonical_json(letter)

    exc = refused("letter-malformed", edit(package, change))
    assert "separator" in exc.en


def test_zip_bomb_declared_300_mib() -> None:
    data = rezip(
        [("bid.json", b"{}"), ("bid.json.p7s", b""), ("attachments/z.bin", bytes(1 << 20))]
    )
    bomb = forge_size(data, "attachments/z.bin", 300 << 20)
    with zipfile.ZipFile(io.BytesIO(bomb)) as zf:
        assert zf.getinfo("attachments/z.bin").file_size == 300 << 20
    exc = refused("zip-bomb", bomb)
    assert exc.extra["member"] == "attachments/z.bin" and "200:1" in exc.en


def test_highly_compressible_member(package: bytes) -> None:
    # 8 MiB of zeros deflate to ~8 KiB: over 200:1 though far below max_total
    exc = refused("zip-bomb", rezip([*members(package), ("attachments/zeros.bin", bytes(8 << 20))]))
    assert "zeros.bin" in exc.zh


def test_total_beyond_max_total(signers: dict[str, Any]) -> None:
    blob = os.urandom(100_000)
    data = build(signers["ecdsa"], attachments=[(f"{i}.bin", blob) for i in range(3)])
    assert read_bid_package(data, max_total=400_000).signed_by_bidder
    refused("too-large", data, max_total=250_000)


def test_too_many_files(package: bytes) -> None:
    refused("too-many-files", package, max_files=3)
    assert read_bid_package(package, max_files=4).signed_by_bidder


def test_declared_size_smaller_than_the_data(package: bytes) -> None:
    forged = forge_size(package, "attachments/工程量清单.csv", 1000)
    with pytest.raises(DomainError) as info:
        read_bid_package(forged)
    assert info.value.extra["problem"] in ("attachment-mismatch", "corrupt")


def test_corrupt_member_data(package: bytes) -> None:
    raw = bytearray(package)
    at = raw.find("工程量清单.csv".encode()) + len("工程量清单.csv".encode()) + 200
    raw[at] ^= 0xFF  # inside the deflated CSV
    refused("corrupt", bytes(raw))


def test_encrypted_flag(package: bytes) -> None:
    raw = bytearray(package)
    at = raw.find(b"PK\x01\x02")
    raw[at + 8] |= 1  # general purpose flag bit 0 in the central directory
    refused("encrypted", bytes(raw))


def test_other_compression_method(package: bytes) -> None:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as zf:
        for name, body in members(package):
            zf.writestr(name, body, compress_type=zipfile.ZIP_BZIP2)
    refused("compression", data.getvalue())


@pytest.mark.parametrize("garbage", [b"", b"PK", b"not a zip at all" * 10])
def test_not_a_zip(garbage: bytes) -> None:
    refused("not-zip", garbage)


# ---------------------------------------------------------------- the letter


def test_capitals_prevail(signers: dict[str, Any], package: bytes) -> None:
    letter = letter_of(package)
    letter["price"] = 100_000  # ¥1,000.00 in figures
    letter["price_capitals"] = "壹仟零壹元整"  # ¥1,001.00 in words
    result = read_bid_package(with_letter(package, letter, signers["ecdsa"]))
    assert result.price == 100_100 and result.price_corrected
    assert result.letter["price"] == 100_000  # the letter stays as signed
    assert result.signature.ok and result.signed_by_bidder


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda letter: letter.__setitem__(key, value)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (_set("price", 1234.5), "price"),
        (_set("price", True), "price"),
        (_set("price", 0), "price"),
        (_set("price", "1234567890"), "price"),
        (_set("price_capitals", "壹仟零壹元整整"), "price_capitals"),
        (_set("price_capitals", "零元整"), "price_capitals"),
        (_set("duration_days", -1), "duration_days"),
        (_set("duration_days", 540.0), "duration_days"),
        (_set("format", "ggzy-bid/2"), "format"),
        (_set("extra", 1), "unknown"),
        (lambda letter: letter.pop("quality"), "missing quality"),
        (_set("quality", ""), "quality"),
        (_set("bidder", "91420100MA4K2QX5XX"), "check"),
        (_set("bidder", BIDDER.lower()), "bidder"),
        (_set("project", "E4201000001202600001"), "deal code"),
        (_set("created_at", "2026-03-02T01:00:00"), "created_at"),
        (_set("created_at", "yesterday"), "created_at"),
        (_set("declared", {"tool": 1}), "declared"),
        (_set("declared", []), "declared"),
        (_set("attachments", {}), "attachments"),
        (lambda letter: letter["attachments"][0].__setitem__("extra", 1), "exactly"),
        (lambda letter: letter["attachments"][0].__setitem__("sha256", "AB" * 32), "sha256"),
        (lambda letter: letter["attachments"][0].__setitem__("size", -1), "size"),
        (lambda letter: letter["attachments"].append(letter["attachments"][0]), "twice"),
    ],
)
def test_malformed_letter(
    package: bytes, change: Callable[[dict[str, Any]], Any], words: str
) -> None:
    letter = letter_of(package)
    change(letter)
    exc = refused("letter-malformed", with_letter(package, letter))
    assert words in exc.en, exc.en
    assert "bid.json" in exc.zh


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"[1, 2]", "object"),
        (b"\xff\xfe", "UTF-8"),
        (b"{", "JSON"),
        (b'{"a": NaN}', "JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "JSON"),
        (b'{"format": "ggzy-bid/1", "format": "ggzy-bid/1"}', "twice"),
    ],
)
def test_letter_that_is_not_json(package: bytes, raw: bytes, words: str) -> None:
    def change(entries: dict[str, bytes]) -> None:
        entries["bid.json"] = raw

    exc = refused("letter-malformed", edit(package, change, zipfile.ZIP_STORED))
    assert words in exc.en


def test_letter_must_be_canonical(package: bytes) -> None:
    pretty = json.dumps(letter_of(package), ensure_ascii=False, indent=1).encode()

    def change(entries: dict[str, bytes]) -> None:
        entries["bid.json"] = pretty

    exc = refused("letter-malformed", edit(package, change))
    assert "canonical" in exc.en


# ---------------------------------------------------------------- one pass (PackageScan)


def forge_crc(data: bytes, member: str) -> bytes:
    """Flip a bit of the CRC-32 a member declares, in its local and central headers."""
    raw = bytearray(data)
    name = member.encode()
    patched = 0
    for signature, name_at, crc_at in ((b"PK\x03\x04", 30, 14), (b"PK\x01\x02", 46, 16)):
        at = raw.find(signature)
        while at >= 0:
            if raw[at + name_at : at + name_at + len(name)] == name:
                raw[crc_at + at] ^= 1
                patched += 1
            at = raw.find(signature, at + 1)
    assert patched == 2
    return bytes(raw)


class _Unseekable(io.RawIOBase):
    """A write-only stream without seek: zipfile then writes data descriptors."""

    def __init__(self) -> None:
        self.out = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self.out += bytes(b)
        return len(b)


def stream_zipped(entries: list[tuple[str, bytes]], *, zip64: bool = False) -> bytes:
    """The members stored, written as a stream (data descriptors) or with ZIP64 headers."""
    target: Any = _Unseekable() if not zip64 else io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, (2026, 3, 2, 9, 0, 0))
            info.file_size = len(data)
            with zf.open(info, "w", force_zip64=zip64) as dst:
                dst.write(data)
    return bytes(target.out) if not zip64 else target.getvalue()


def same_reading(data: bytes, scan: PackageScan) -> dict[str, Any]:
    plain = read_bid_package(data).to_dict()
    assert read_bid_package(data, scan=scan).to_dict() == plain
    return plain


def test_a_scan_hashes_stored_attachments_so_they_are_not_read_again(
    signers: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = os.urandom(3 * (1 << 20) + 17)
    data = build(
        signers["ecdsa"], attachments=[("报价文件.pdf", PDF), ("工程量清单.csv", CSV), ("b", big)]
    )
    path = tmp_path / "bid.zip"
    path.write_bytes(data)
    scan = scanned(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        stored = {
            i.header_offset: i
            for i in zf.infolist()
            if i.compress_type == zipfile.ZIP_STORED and i.filename.startswith("attachments/")
        }
    assert len(stored) == 2  # the random PDF and the big file; the CSV is deflated
    for offset, info in stored.items():
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            body = zf.read(info)
        assert scan.members[offset].sha256 == hashlib.sha256(body).hexdigest()
        assert scan.members[offset].crc == info.CRC
    from ggzy.bidding import package as module

    streamed: list[str] = []
    original = module._Budget.stream

    def counting(self: Any, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Any:
        streamed.append(info.filename)
        return original(self, zf, info)

    monkeypatch.setattr(module._Budget, "stream", counting)
    plain = read_bid_package(path).to_dict()
    assert len(streamed) == 5
    streamed.clear()
    assert read_bid_package(path, scan=scan).to_dict() == plain
    assert streamed == ["bid.json", "bid.json.p7s", "attachments/工程量清单.csv"]


def test_a_stored_attachment_changed_is_refused_with_a_scan(package: bytes) -> None:
    def change(entries: dict[str, bytes]) -> None:
        body = bytearray(entries["attachments/报价文件.pdf"])
        body[100] ^= 1
        entries["attachments/报价文件.pdf"] = bytes(body)

    exc = refused("attachment-mismatch", edit(package, change, zipfile.ZIP_STORED))
    assert exc.extra["field"] == "sha256"


def test_a_wrong_crc_is_refused_with_a_scan_as_without(package: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        assert zf.getinfo("attachments/报价文件.pdf").compress_type == zipfile.ZIP_STORED
    exc = refused("corrupt", forge_crc(package, "attachments/报价文件.pdf"))
    assert exc.extra["member"] == "attachments/报价文件.pdf"


def test_data_descriptors_and_zip64_headers_read_the_same(package: bytes) -> None:
    entries = members(package)
    streamed = stream_zipped(entries)
    scan = scanned(streamed)
    assert scan.members == {}  # sizes follow the data: the scan stops, the file is read
    assert same_reading(streamed, scan)["ok"]
    wide = stream_zipped(entries, zip64=True)
    scan = scanned(wide)
    assert len(scan.members) == len(entries)  # sizes from the ZIP64 extra field
    assert same_reading(wide, scan)["ok"]


def test_a_partial_or_foreign_scan_falls_back_to_reading(
    signers: dict[str, Any], package: bytes
) -> None:
    partial = PackageScan()
    partial.feed(package[: len(package) // 2])
    assert same_reading(package, partial)["ok"]
    assert same_reading(package, scanned(b"not a zip at all"))["ok"]
    other = build(signers["ecdsa"], attachments=[("报价文件.pdf", PDF[:-1] + b"x")])
    shifted = scanned(b"padding" + other)  # offsets that do not match this package's
    assert same_reading(package, shifted)["ok"]
