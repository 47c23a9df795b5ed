"""`ggzy bid package` then `bid seal`, `bid unseal` and `bid check` in a subprocess: the bidder
builds and signs the package, seals it to the center's certificate, the center unseals it and
checks the signed letter; bad input exits 2 with one bilingual line, a bad signature exits 1."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ggzy.core.codes import make_credit_code, make_deal_code

try:
    from ggzy.pki import sm as _sm  # noqa: F401

    SM2_SKIP = ""
except ImportError as exc:  # pragma: no cover - depends on the machine
    SM2_SKIP = f"ggzy.pki.sm is not available yet: {exc}"

BIDDER = make_credit_code("9", "1", "420100", "MA4K2QX5")
PROJECT = make_deal_code("420100", 2026, "J", 7)
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
ALGORITHMS = [
    "ecdsa",
    "rsa",
    pytest.param("sm2", marks=pytest.mark.skipif(bool(SM2_SKIP), reason=SM2_SKIP or "ok")),
]


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


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Per algorithm: the bidder's signing certificate and key, the center's encryption pair."""
    from ggzy.pki.testca import TestCA

    folder = tmp_path_factory.mktemp("bid-package-keys")
    made: dict[str, Any] = {}
    for algorithm in ("rsa", "ecdsa", "sm2"):
        if algorithm == "sm2" and SM2_SKIP:
            continue
        ca = TestCA.create(f"测试CA {algorithm}", algorithm=algorithm, now=NOW)
        files: dict[str, Path] = {}
        for role, issued in (
            ("sign", ca.issue("武汉长江城建投资有限公司", BIDDER, usage="sign")),
            ("center", ca.issue("武汉市公共资源交易中心", None, usage="encrypt")),
        ):
            files[f"{role}_cert"] = folder / f"{algorithm}-{role}.crt.pem"
            files[f"{role}_cert"].write_text(issued.pem)
            files[f"{role}_key"] = folder / f"{algorithm}-{role}.key.pem"
            files[f"{role}_key"].write_bytes(issued.key_pem())
        made[algorithm] = files
    return made


def package_args(k: dict[str, Path], out: Path, *extra: str | Path) -> list[str | Path]:
    return [
        "bid", "package", "--project", PROJECT, "--bidder", BIDDER,
        "--name", "武汉长江城建投资有限公司", "--price", "12345678.90", "--duration", "540",
        "--quality", "合格", "--sign-key", k["sign_key"], "--sign-cert", k["sign_cert"],
        *extra, "-o", out,
    ]  # fmt: skip


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_package_seal_unseal_check(keys: dict[str, Any], algorithm: str, tmp_path: Path) -> None:
    k = keys[algorithm]
    quote = tmp_path / "报价文件.pdf"
    quote.write_bytes(b"%PDF-1.7\n" + os.urandom(300_000))
    plan = tmp_path / "施工组织设计.txt"
    plan.write_text("第一章 工程概况\n" * 2000, encoding="utf-8")
    bid = tmp_path / "bid.zip"
    out = ok(
        *package_args(
            k, bid, "--attach", quote, "--attach", plan,
            "--declare", "tool=ggzy-bid-tool/1.0", "--declare", "hardware_id=mac:1",
            "--declare", "hardware_id=disk:2",
        )
    )  # fmt: skip
    assert "壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角整" in out and "12,345,678.90" in out
    with zipfile.ZipFile(bid) as zf:
        assert set(zf.namelist()) == {
            "bid.json",
            "bid.json.p7s",
            "attachments/报价文件.pdf",
            "attachments/施工组织设计.txt",
        }

    sealed = tmp_path / "bid.ggzyenv"
    ok("bid", "seal", bid, "--to", k["center_cert"], "--project", PROJECT,
       "--bidder", BIDDER, "-o", sealed)  # fmt: skip
    back = tmp_path / "back.zip"
    ok("bid", "unseal", sealed, "--key", k["center_key"], "-o", back)
    assert back.read_bytes() == bid.read_bytes()

    report = json.loads(ok("bid", "check", back))
    assert report["ok"] is True and report["signed_by_bidder"] is True
    assert report["price"] == 1_234_567_890 and report["price_corrected"] is False
    assert report["letter"]["price"] == 1_234_567_890
    assert report["letter"]["project"] == PROJECT and report["letter"]["bidder"] == BIDDER
    assert report["letter"]["duration_days"] == 540
    assert report["letter"]["declared"] == {
        "tool": "ggzy-bid-tool/1.0",
        "hardware_id": ["mac:1", "disk:2"],
    }
    assert report["signature"]["ok"] is True
    assert report["signature"]["credit_code"] == BIDDER
    names = {a["name"]: a for a in report["attachments"]}
    assert names["报价文件.pdf"]["sha256"] == hashlib.sha256(quote.read_bytes()).hexdigest()
    with zipfile.ZipFile(back) as zf:
        assert report["bid_json_sha256"] == hashlib.sha256(zf.read("bid.json")).hexdigest()


def test_check_exit_codes(keys: dict[str, Any], tmp_path: Path) -> None:
    k = keys["ecdsa"]
    bid = tmp_path / "bid.zip"
    ok(*package_args(k, bid))

    # a changed letter: the package is well formed, the signature fails -> exit 1
    with zipfile.ZipFile(bid) as zf:
        entries = {name: zf.read(name) for name in zf.namelist()}
    letter = json.loads(entries["bid.json"])
    letter["duration_days"] = 365
    entries["bid.json"] = json.dumps(
        letter, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()
    changed = tmp_path / "changed.zip"
    with zipfile.ZipFile(changed, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    run = ggzy("bid", "check", changed)
    assert run.returncode == 1, run.stdout + run.stderr
    assert json.loads(run.stdout)["signature"]["ok"] is False
    assert "digest differs" in run.stderr and "签名未通过核验" in run.stderr

    # no signature at all: malformed -> exit 2, one bilingual line
    unsigned = tmp_path / "unsigned.zip"
    with zipfile.ZipFile(unsigned, "w") as zf:
        for name, data in entries.items():
            if name != "bid.json.p7s":
                zf.writestr(name, data)
    run = ggzy("bid", "check", unsigned)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "bid-package-invalid" in run.stderr and "bid.json.p7s" in run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""

    run = ggzy("bid", "check", tmp_path / "missing.zip")
    assert run.returncode == 2 and "Traceback" not in run.stderr


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        (["--price", "12.345"], "invalid-amount"),
        (["--price", "0"], "invalid-amount"),
        (["--bidder", "91420100MA4K2QX5XX"], "invalid-credit-code"),
        (["--declare", "novalue"], "KEY=VALUE"),
        (["--attach", "no-such-file.pdf"], "no-such-file.pdf"),
    ],
)
def test_package_refusals(
    keys: dict[str, Any], tmp_path: Path, extra: list[str], code: str
) -> None:
    out = tmp_path / "bid.zip"
    run = ggzy(*package_args(keys["ecdsa"], out), *extra)  # later options win
    assert run.returncode == 2, run.stdout + run.stderr
    assert code in run.stderr, run.stderr
    assert "Traceback" not in run.stderr
    assert not out.exists() and not list(tmp_path.glob(".bid.zip.part"))


def test_package_with_another_companys_certificate(keys: dict[str, Any], tmp_path: Path) -> None:
    k = dict(keys["ecdsa"])
    k["sign_cert"], k["sign_key"] = k["center_cert"], k["center_key"]  # no credit code
    out = tmp_path / "bid.zip"
    run = ggzy(*package_args(k, out))
    assert run.returncode == 2 and "signer-not-bidder" in run.stderr, run.stderr
    assert not out.exists()
