"""`ggzy bid seal | inspect | unwrap | unseal | opening-key` in a subprocess, for RSA, ECDSA
P-256 and SM2 certificates made by the test CA, and every bad input refused with its reason
on stderr (exit 2) and no output file left behind."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from ggzy.core.codes import make_credit_code

try:
    from ggzy.pki import sm as _sm  # noqa: F401

    SM2_SKIP = ""
except ImportError as exc:  # pragma: no cover - depends on the machine
    SM2_SKIP = f"ggzy.pki.sm is not available yet: {exc}"

BIDDER = make_credit_code("9", "1", "420100", "MA4K2QX5")
PROJECT = "E4201000001202600001"
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def ggzy(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GGZY_")}
    env["COLUMNS"] = "200"
    return subprocess.run(
        [sys.executable, "-m", "ggzy.cli", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def ok(*args: str | Path) -> str:
    run = ggzy(*args)
    assert run.returncode == 0, run.stderr + run.stdout
    return run.stdout


def refused(code: str, *args: str | Path) -> str:
    run = ggzy(*args)
    assert run.returncode == 2, run.stdout + run.stderr
    assert code in run.stderr, run.stderr
    assert "Traceback" not in run.stderr
    return run.stderr


@pytest.fixture(scope="module")
def material(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Per algorithm: an encryption certificate (PEM) and its key (PEM, one passphrase-locked)."""
    from ggzy.pki.testca import TestCA

    folder = tmp_path_factory.mktemp("bid-keys")
    made: dict[str, Any] = {"folder": folder}
    for algorithm in ("rsa", "ecdsa", "sm2"):
        if algorithm == "sm2" and SM2_SKIP:
            continue
        ca = TestCA.create(f"测试CA {algorithm}", algorithm=algorithm, now=NOW)
        issued = ca.issue("武汉长江城建投资有限公司", BIDDER, usage="encrypt")
        cert = folder / f"{algorithm}.crt.pem"
        cert.write_text(issued.pem)
        key = folder / f"{algorithm}.key.pem"
        key.write_bytes(issued.key_pem())
        locked = folder / f"{algorithm}.locked.pem"
        if algorithm == "sm2":
            locked.write_bytes(issued.key.to_pem(b"pass-phrase"))
        else:
            locked.write_bytes(
                issued.key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.BestAvailableEncryption(b"pass-phrase"),
                )
            )
        made[algorithm] = {"cert": cert, "key": key, "locked": locked, "der": issued.der}
    return made


ALGORITHMS = [
    "rsa",
    "ecdsa",
    pytest.param("sm2", marks=pytest.mark.skipif(bool(SM2_SKIP), reason=SM2_SKIP or "ok")),
]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_seal_inspect_unwrap_unseal(
    material: dict[str, Any], algorithm: str, tmp_path: Path
) -> None:
    m = material[algorithm]
    bid = tmp_path / "投标文件.zip"
    data = os.urandom(2 * (1 << 20) + 333)
    bid.write_bytes(data)
    sealed = tmp_path / "bid.ggzyenv"
    out = ok(
        "bid", "seal", bid, "--to", m["cert"], "--project", PROJECT, "--bidder", BIDDER,
        "--declare", "tool_machine_code=TOOL-01", "--declare", "hardware_id=mac:1",
        "--declare", "hardware_id=disk:2", "-o", sealed,
    )  # fmt: skip
    assert f"{len(data)} 字节 bytes，3 块 records" in out

    header = json.loads(ok("bid", "inspect", sealed))
    assert header["cipher"] == ("SM4-GCM" if algorithm == "sm2" else "AES-256-GCM")
    assert header["project"] == PROJECT and header["bidder"] == BIDDER
    assert header["declared"] == {
        "tool_machine_code": "TOOL-01",
        "hardware_id": ["mac:1", "disk:2"],
    }
    assert header["version"] == 2 and header["plaintext_length"] == len(data)
    assert "plaintext_sha256" not in header  # version 2 declares no plaintext digest
    assert header["envelope_sha256"] == hashlib.sha256(sealed.read_bytes()).hexdigest()
    assert header["records"] == 3
    assert header["recipients"][0]["key_id"] == hashlib.sha256(m["der"]).hexdigest()

    content_key = ok("bid", "unwrap", sealed, "--key", m["key"]).strip()
    assert len(bytes.fromhex(content_key)) == (16 if algorithm == "sm2" else 32)

    opened = tmp_path / "opened.zip"  # what the server does with the submitted key
    ok("bid", "unseal", sealed, "--content-key", content_key, "-o", opened)
    assert opened.read_bytes() == data

    by_key = tmp_path / "by-key.zip"  # what the bidder can do on its side
    ok("bid", "unseal", sealed, "--key", m["locked"], "--passphrase", "pass-phrase", "-o", by_key)
    assert by_key.read_bytes() == data


def test_explicit_cipher_and_several_recipients(material: dict[str, Any], tmp_path: Path) -> None:
    bid = tmp_path / "bid.bin"
    bid.write_bytes(b"x" * 1000)
    sealed = tmp_path / "bid.ggzyenv"
    certs = [a for a in ("rsa", "ecdsa", "sm2") if a in material]
    args: list[str | Path] = ["bid", "seal", bid, "--project", PROJECT, "--bidder", BIDDER]
    for algorithm in certs:
        args += ["--to", material[algorithm]["cert"]]
    ok(*args, "--cipher", "sm4", "-o", sealed)
    assert json.loads(ok("bid", "inspect", sealed))["cipher"] == "SM4-GCM"
    for algorithm in certs:
        back = tmp_path / f"back-{algorithm}"
        ok("bid", "unseal", sealed, "--key", material[algorithm]["key"], "-o", back)
        assert back.read_bytes() == b"x" * 1000


def test_opening_key_fallback_3_of_5(material: dict[str, Any], tmp_path: Path) -> None:
    shares_dir = tmp_path / "opening"
    ok("bid", "opening-key", "-k", "3", "-n", "5", "--out-dir", shares_dir, "--label", "420100")
    shares = sorted(shares_dir.glob("share-*-of-5.json"))
    assert len(shares) == 5
    bid = tmp_path / "bid.bin"
    bid.write_bytes(os.urandom(5000))
    sealed = tmp_path / "bid.ggzyenv"
    ok(
        "bid", "seal", bid, "--to", material["ecdsa"]["cert"],
        "--opening-key", shares_dir / "opening-key.pub.pem",
        "--project", PROJECT, "--bidder", BIDDER, "-o", sealed,
    )  # fmt: skip
    kinds = [r["kind"] for r in json.loads(ok("bid", "inspect", sealed))["recipients"]]
    assert kinds == ["ecdh-p256-hkdf-sha256-aes256kw", "shamir-opening-key"]
    three = [a for s in (shares[0], shares[2], shares[4]) for a in ("--share", s)]
    opened = tmp_path / "opened.bin"
    ok("bid", "unseal", sealed, *three, "-o", opened)
    assert opened.read_bytes() == bid.read_bytes()
    two = [a for s in shares[:2] for a in ("--share", s)]
    refused("shares-insufficient", "bid", "unseal", sealed, *two, "-o", tmp_path / "no")
    assert not (tmp_path / "no").exists()


def test_bad_inputs_are_refused_with_the_reason(material: dict[str, Any], tmp_path: Path) -> None:
    m = material["ecdsa"]
    bid = tmp_path / "bid.bin"
    bid.write_bytes(os.urandom(300_000))
    sealed = tmp_path / "bid.ggzyenv"
    ok("bid", "seal", bid, "--to", m["cert"], "--project", PROJECT, "--bidder", BIDDER,
       "-o", sealed, "--chunk-size", "65536")  # fmt: skip
    data = sealed.read_bytes()
    out = tmp_path / "out.bin"

    tampered = tmp_path / "tampered.ggzyenv"
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x01
    tampered.write_bytes(bytes(flipped))
    err = refused("envelope-tampered", "bid", "unseal", tampered, "--key", m["key"], "-o", out)
    assert "篡改" in err
    assert not out.exists()

    cut = tmp_path / "cut.ggzyenv"
    cut.write_bytes(data[:-1000])
    refused("envelope-truncated", "bid", "unseal", cut, "--key", m["key"], "-o", out)
    refused("envelope-truncated", "bid", "inspect", cut)

    stranger = material["rsa"]["key"]
    refused("wrong-key", "bid", "unseal", sealed, "--key", stranger, "-o", out)
    refused("wrong-key", "bid", "unwrap", sealed, "--key", stranger)
    refused("wrong-key", "bid", "unseal", sealed, "--content-key", "00" * 32, "-o", out)

    garbage = tmp_path / "garbage.zip"
    garbage.write_bytes(b"PK\x03\x04" + os.urandom(1000))
    refused("envelope-malformed", "bid", "inspect", garbage)
    refused("envelope-malformed", "bid", "unseal", garbage, "--content-key", "00" * 32, "-o", out)
    assert not out.exists()

    refused(
        "key-passphrase", "bid", "unwrap", sealed, "--key", m["locked"]
    )  # locked key, no passphrase
    refused("invalid-key", "bid", "unwrap", sealed, "--key", m["locked"], "--passphrase", "nope")
