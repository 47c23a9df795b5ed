"""`ggzy sign` in a subprocess: a base64 detached CMS signature that verifies; bad input is one
bilingual line on stderr and exit 2."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ggzy.core.codes import make_credit_code
from ggzy.pki.signatures import verify_detached
from ggzy.pki.testca import Issued, TestCA

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


@pytest.fixture(scope="module")
def issued() -> Issued:
    ca = TestCA.create("湖北测试数字证书CA", "ecdsa", now=NOW)
    return ca.issue("甲建设工程有限公司", make_credit_code("9", "1", "420100", "MA4K2QX5"))


@pytest.fixture
def files(tmp_path: Path, issued: Issued) -> tuple[Path, Path]:
    key, cert = tmp_path / "sign.key.pem", tmp_path / "sign.crt.pem"
    key.write_bytes(issued.key_pem())
    cert.write_text(issued.pem)
    return key, cert


def test_sign_text_verifies(files: tuple[Path, Path], issued: Issued) -> None:
    key, cert = files
    run = ggzy("sign", "--text", "abc", "--key", key, "--cert", cert)
    assert run.returncode == 0, run.stderr
    verified = verify_detached(b"abc", base64.b64decode(run.stdout.strip()))
    assert verified.ok, verified.reason
    assert verified.signer_certificate_der == issued.der


def test_sign_file_and_chinese_text(files: tuple[Path, Path], tmp_path: Path) -> None:
    key, cert = files
    doc = tmp_path / "投标函.pdf"
    doc.write_bytes(b"%PDF-1.4 \x00\xff bid letter")
    out = ggzy("sign", doc, "--key", key, "--cert", cert)
    assert out.returncode == 0, out.stderr
    assert verify_detached(doc.read_bytes(), base64.b64decode(out.stdout)).ok
    text = ggzy("sign", "--text", "登录 ggzy", "--key", key, "--cert", cert)
    assert verify_detached("登录 ggzy".encode(), base64.b64decode(text.stdout)).ok


def test_bad_input_is_one_bilingual_line_and_exit_2(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    key, cert = files
    missing = ggzy("sign", tmp_path / "nope.pdf", "--key", key, "--cert", cert)
    assert missing.returncode == 2 and missing.stdout == ""
    assert "错误" in missing.stderr and "error" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    other = TestCA.create("other", "ecdsa", now=NOW).issue("乙公司", None)
    wrong = tmp_path / "other.crt.pem"
    wrong.write_text(other.pem)
    mismatch = ggzy("sign", "--text", "abc", "--key", key, "--cert", wrong)
    assert mismatch.returncode == 2 and "私钥与证书不匹配" in mismatch.stderr
    garbage = tmp_path / "garbage.pem"
    garbage.write_bytes(b"not a key")
    bad = ggzy("sign", "--text", "abc", "--key", garbage, "--cert", cert)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "error" in bad.stderr
